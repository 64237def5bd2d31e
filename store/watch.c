/* Listing then watching a prefix (see etcd_watch_prefix() in store/etcd.h):
 * paged range at one revision R, watch from R + 1, resume after a drop at
 * the last delivered revision + 1, relist after a compaction, capped
 * exponential backoff between attempts. */
#include <string.h>

#include "openvswitch/vlog.h"
#include "store/backoff.h"
#include "store/client.h"
#include "store/proto.h"
#include "timeval.h"
#include "util.h"

/* Logs under store/client.c's "etcd" module (VLM_etcd). */
#define this_module (*VLM_etcd)

/* Between attempts after a failure: 100 ms doubling to 5 s, no jitter;
 * back to 100 ms once connected. */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
/* A watch that has been silent this long is checked with a probe (a
 * linearizable range of one key, which needs a member with a leader); a
 * probe not answered within PROBE_TIMEOUT_MS ends the watch, and the next
 * attempt goes to the next member.  A member that is frozen or cut off
 * keeps its TCP connections open and silent: this is how it is noticed. */
#define PROBE_IDLE_S 3.0
#define PROBE_TIMEOUT_MS 2000L

struct etcd_watch {
    struct etcd_client *c;
    char *prefix;
    const struct etcd_watch_handlers *h;
    void *aux;
    int64_t last_rev; /* Highest revision delivered. */
    int64_t list_rev; /* Revision of the list in progress, 0 before. */
    bool need_list;   /* Next attempt lists (start, after compaction). */
    int up;           /* Last state reported: 1 up, 0 down, -1 none yet. */
    struct fs_backoff backoff; /* Before the next attempt after a failure. */
    ev_timer retry;
    struct ds lines;            /* Incomplete line of the watch stream. */
    char *stream_error;         /* Why the watch stream is being ended. */
    struct etcd_req *req;       /* The watch stream, while it runs. */
    ev_timer probe;             /* Liveness check of a silent watch. */
    ev_tstamp last_data;        /* When the stream last said something. */
    struct etcd_req *probe_req; /* Probe in flight. */
    size_t probe_member;        /* The member it asks. */
};

static void start(struct etcd_watch *);

static void set_state(struct etcd_watch *w, bool up, const char *reason)
{
    if (w->up == up) {
        return;
    }
    w->up = up;
    if (up) {
        VLOG_INFO("%s: connected", w->c->endpoint);
        fs_backoff_succeeded(&w->backoff);
    } else {
        VLOG_INFO("%s: watch of %s down: %s", w->c->endpoint, w->prefix,
                  reason);
    }
    if (w->h->state) {
        w->h->state(w->aux, up, reason);
    }
}

/* Reports 'reason' and schedules the next attempt after the backoff. */
static void fail(struct etcd_watch *w, const char *reason)
{
    set_state(w, false, reason);
    double wait = fs_backoff_failed(&w->backoff, time_msec()) / 1000.;
    VLOG_DBG("watch of %s: %s; retrying in %.1f s", w->prefix, reason, wait);
    ev_timer_set(&w->retry, wait, 0.);
    ev_timer_start(w->c->loop, &w->retry);
}

/* Handlers that log each event at DBG before passing it on; keys are
 * bytes, logged with non-printable ones escaped. */
static void log_put(void *w_, const struct etcd_kv *kv)
{
    struct etcd_watch *w = w_;
    if (VLOG_IS_DBG_ENABLED()) {
        struct ds key = DS_EMPTY_INITIALIZER;
        ds_put_printable(&key, kv->key, kv->key_len);
        VLOG_DBG("put %s at revision %lld (%zu bytes)", ds_cstr(&key),
                 (long long)kv->mod_revision, kv->value_len);
        ds_destroy(&key);
    }
    w->h->put(w->aux, kv);
}

static void log_del(void *w_, const char *key, size_t key_len,
                    int64_t mod_revision)
{
    struct etcd_watch *w = w_;
    if (VLOG_IS_DBG_ENABLED()) {
        struct ds k = DS_EMPTY_INITIALIZER;
        ds_put_printable(&k, key, key_len);
        VLOG_DBG("delete %s at revision %lld", ds_cstr(&k),
                 (long long)mod_revision);
        ds_destroy(&k);
    }
    w->h->del(w->aux, key, key_len, mod_revision);
}

static const struct etcd_watch_handlers log_handlers = {
    .put = log_put,
    .del = log_del,
};

static void list_page(struct etcd_watch *, const char *from, size_t len);
static void start_watch(struct etcd_watch *);

/* Restarts the list from its first page, at once. */
static void relist(struct etcd_watch *w, const char *why)
{
    VLOG_INFO("watch of %s: %s; relisting", w->prefix, why);
    w->need_list = true;
    start(w);
}

static void list_done(void *aux, bool ok, const char *error,
                      const struct etcd_page *page)
{
    struct etcd_watch *w = aux;
    if (!ok) {
        if (etcd_error_is_compacted(error) && w->list_rev) {
            relist(w, error); /* Revision R went away between two pages. */
        } else {
            fail(w, error);
        }
        return;
    }
    set_state(w, true, NULL);
    if (!w->list_rev) {
        w->list_rev = page->revision;
        w->h->reset(w->aux);
    }
    etcd_page_deliver(page, &log_handlers, w);
    if (page->more) {
        list_page(w, page->next_key, page->next_len);
        return;
    }
    w->last_rev = w->list_rev;
    w->need_list = false;
    VLOG_INFO("listed %s at revision %lld; watching", w->prefix,
              (long long)w->list_rev);
    w->h->synced(w->aux, w->list_rev);
    start_watch(w);
}

static void list_page(struct etcd_watch *w, const char *from, size_t len)
{
    etcd_range_page(w->c, w->prefix, from, len, w->list_rev, w->c->page_size,
                    list_done, w);
}

/* Handles one line of the watch stream.  Returns false to end the stream. */
static bool watch_line(void *w_, const char *line, size_t len)
{
    struct etcd_watch *w = w_;
    struct etcd_watch_msg msg;
    etcd_parse_watch_line(line, len, &msg);
    bool go_on = msg.kind == ETCD_WATCH_EVENTS;
    if (msg.kind == ETCD_WATCH_COMPACTED) {
        VLOG_INFO("watch of %s from revision %lld: %s", w->prefix,
                  (long long)w->last_rev + 1, msg.error);
        w->need_list = true;
    } else if (msg.kind == ETCD_WATCH_ERROR) {
        free(w->stream_error);
        w->stream_error = msg.error;
        msg.error = NULL;
    } else {
        if (msg.created) {
            set_state(w, true, NULL);
        }
        int64_t rev =
            etcd_deliver_events(msg.events, w->last_rev, &log_handlers, w);
        if (rev > w->last_rev) {
            w->last_rev = rev;
            w->h->synced(w->aux, rev);
        }
    }
    etcd_watch_msg_destroy(&msg);
    return go_on;
}

static void watch_data(struct etcd_req *r, const char *data, size_t len)
{
    struct etcd_watch *w = r->aux;
    w->last_data = ev_now(w->c->loop);
    etcd_feed_lines(&w->lines, data, len, watch_line, w);
    if (w->stream_error || w->need_list) {
        r->abort = true; /* Closes the connection: cancels the watch. */
    }
}

static void stop_probe(struct etcd_watch *w)
{
    ev_timer_stop(w->c->loop, &w->probe);
    if (w->probe_req) {
        struct etcd_req *p = w->probe_req;
        w->probe_req = NULL;
        p->done = NULL;
        etcd_request_cancel(p, "watch ended");
    }
}

static void watch_end(struct etcd_req *r, CURLcode code)
{
    struct etcd_watch *w = r->aux;
    w->req = NULL;
    stop_probe(w);
    ds_clear(&w->lines);
    if (w->need_list) {
        free(w->stream_error);
        w->stream_error = NULL;
        relist(w, "watched revision was compacted");
        return;
    }
    char *reason =
        w->stream_error ? w->stream_error
        : code == CURLE_OK
            ? xstrdup("watch stream ended")
            : xasprintf("%s",
                        r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
    w->stream_error = NULL;
    etcd_client_request_failed(w->c, r->endpoint, code, reason);
    fail(w, reason);
    free(reason);
}

static void probe_done(void *w_, bool ok, const char *error, json_t *reply)
{
    struct etcd_watch *w = w_;
    w->probe_req = NULL;
    /* An expired auth token is not a dead member: the client renews it,
     * and the watch stream itself is still served. */
    if (!ok && w->req && !strstr(error, "auth token")) {
        char *why = xasprintf("%s did not answer a probe of the silent "
                              "watch: %s",
                              w->c->endpoints[w->probe_member], error);
        etcd_request_cancel(w->req, why);
        free(why);
    }
}

static void probe_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct etcd_watch *w = t->data;
    if (!w->req || w->probe_req) {
        return;
    }
    if (ev_now(loop) - w->last_data < PROBE_IDLE_S) {
        return;
    }
    w->probe_member = w->c->current;
    w->probe_req =
        etcd_request(w->c, "/v3/kv/range",
                     etcd_range_request(w->prefix, NULL, 0, 0, 1), false);
    etcd_request_set_timeout(w->probe_req, PROBE_TIMEOUT_MS);
    w->probe_req->done = probe_done;
    w->probe_req->aux = w;
}

static void start_watch(struct etcd_watch *w)
{
    VLOG_DBG("watching %s from revision %lld", w->prefix,
             (long long)w->last_rev + 1);
    struct etcd_req *r =
        etcd_request(w->c, "/v3/watch",
                     etcd_watch_request(w->prefix, w->last_rev + 1), true);
    r->on_data = watch_data;
    r->on_end = watch_end;
    r->aux = w;
    w->req = r;
    w->last_data = ev_now(w->c->loop);
    ev_timer_set(&w->probe, PROBE_IDLE_S, PROBE_IDLE_S);
    ev_timer_start(w->c->loop, &w->probe);
}

static void start(struct etcd_watch *w)
{
    if (w->need_list) {
        w->list_rev = 0;
        list_page(w, NULL, 0);
    } else {
        start_watch(w);
    }
}

static void retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    start(t->data);
}

void etcd_watch_prefix(struct etcd_client *c, const char *prefix,
                       const struct etcd_watch_handlers *h, void *aux)
{
    ovs_assert(!c->watch);
    struct etcd_watch *w = xzalloc(sizeof *w);
    w->c = c;
    w->prefix = xstrdup(prefix);
    w->h = h;
    w->aux = aux;
    w->need_list = true;
    w->up = -1;
    w->backoff = (struct fs_backoff)FS_BACKOFF_INIT_NO_JITTER(BACKOFF_FIRST_MS,
                                                              BACKOFF_MAX_MS);
    ds_init(&w->lines);
    ev_timer_init(&w->retry, retry_cb, 0., 0.);
    w->retry.data = w;
    ev_timer_init(&w->probe, probe_cb, PROBE_IDLE_S, PROBE_IDLE_S);
    w->probe.data = w;
    c->watch = w;
    start(w);
}

void etcd_watch_destroy(struct etcd_client *c)
{
    struct etcd_watch *w = c->watch;
    if (w) {
        ev_timer_stop(c->loop, &w->retry);
        ev_timer_stop(c->loop, &w->probe);
        ds_destroy(&w->lines);
        free(w->stream_error);
        free(w->prefix);
        free(w);
        c->watch = NULL;
    }
}

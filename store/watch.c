/* Listing then watching a prefix (see etcd_watch_prefix() in store/etcd.h):
 * paged range at one revision R, watch from R + 1, resume after a drop at
 * the last delivered revision + 1, relist after a compaction, capped
 * exponential backoff between attempts. */
#include <string.h>

#include "openvswitch/vlog.h"
#include "store/client.h"
#include "store/proto.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(etcd_watch);

#define PAGE_SIZE 500
#define BACKOFF_MIN_S 0.1
#define BACKOFF_MAX_S 5.0

struct etcd_watch {
    struct etcd_client *c;
    char *prefix;
    const struct etcd_watch_handlers *h;
    void *aux;
    int64_t last_rev; /* Highest revision delivered. */
    int64_t list_rev; /* Revision of the list in progress, 0 before. */
    bool need_list;   /* Next attempt lists (start, after compaction). */
    bool up;
    double backoff;
    ev_timer retry;
    struct ds lines; /* Incomplete line of the watch stream. */
    char *stream_error;
};

static void start(struct etcd_watch *);

static void set_state(struct etcd_watch *w, bool up, const char *reason)
{
    if (w->up != up) {
        w->up = up;
        if (w->h->state) {
            w->h->state(w->aux, up, reason);
        }
    }
}

static void fail(struct etcd_watch *w, const char *reason)
{
    VLOG_DBG("watch of %s: %s; retrying in %.1f s", w->prefix, reason,
             w->backoff);
    set_state(w, false, reason);
    ev_timer_set(&w->retry, w->backoff, 0.);
    ev_timer_start(w->c->loop, &w->retry);
    w->backoff = MIN(w->backoff * 2, BACKOFF_MAX_S);
}

static void list_page(struct etcd_watch *, const char *from, size_t len);
static void start_watch(struct etcd_watch *);

static void list_done(void *aux, bool ok, const char *error, json_t *reply)
{
    struct etcd_watch *w = aux;
    if (!ok) {
        fail(w, error);
        return;
    }
    const json_t *kvs = json_object_get(reply, "kvs");
    if (!w->list_rev) {
        w->list_rev = etcd_int64(json_object_get(reply, "header"), "revision");
        w->h->reset(w->aux);
    }
    size_t i;
    const json_t *kv;
    json_array_foreach(kvs, i, kv)
    {
        etcd_deliver_kv(kv, w->h, w->aux);
    }
    size_t n = json_array_size(kvs);
    if (json_is_true(json_object_get(reply, "more")) && n) {
        size_t len;
        const char *k = json_string_value(
            json_object_get(json_array_get(kvs, n - 1), "key"));
        char *last = etcd_b64_decode(k ? k : "", &len);
        if (last) {
            char *from = xmalloc(len + 1);
            memcpy(from, last, len);
            from[len] = '\0'; /* The next key after 'last'. */
            list_page(w, from, len + 1);
            free(from);
            free(last);
            return;
        }
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
    struct etcd_req *r = etcd_request(
        w->c, "/v3/kv/range",
        etcd_range_request(w->prefix, from, len, w->list_rev, PAGE_SIZE),
        false);
    r->done = list_done;
    r->aux = w;
}

static void watch_line(void *aux, const char *line, size_t len)
{
    struct etcd_req *r = aux;
    struct etcd_watch *w = r->aux;
    json_t *root = json_loadb(line, len, 0, NULL);
    const json_t *result = json_object_get(root, "result");
    const json_t *error = json_object_get(root, "error");
    if (error || !result) {
        const char *msg = json_string_value(json_object_get(error, "message"));
        free(w->stream_error);
        w->stream_error = xstrdup(msg ? msg : "malformed watch response");
        r->abort = true;
    } else if (etcd_int64(result, "compact_revision") > 0) {
        VLOG_INFO("watch of %s: revision %lld was compacted; relisting",
                  w->prefix, (long long)w->last_rev + 1);
        w->need_list = true;
        r->abort = true;
    } else if (json_is_true(json_object_get(result, "canceled"))) {
        free(w->stream_error);
        w->stream_error = xstrdup("watch canceled by etcd");
        r->abort = true;
    } else {
        if (json_is_true(json_object_get(result, "created"))) {
            set_state(w, true, NULL);
        }
        const json_t *events = json_object_get(result, "events");
        int64_t rev = etcd_deliver_events(events, w->last_rev, w->h, w->aux);
        w->backoff = BACKOFF_MIN_S;
        if (rev > w->last_rev) {
            w->last_rev = rev;
            w->h->synced(w->aux, rev);
        }
    }
    json_decref(root);
}

static void watch_data(struct etcd_req *r, const char *data, size_t len)
{
    struct etcd_watch *w = r->aux;
    etcd_feed_lines(&w->lines, data, len, watch_line, r);
}

static void watch_end(struct etcd_req *r, CURLcode code)
{
    struct etcd_watch *w = r->aux;
    ds_clear(&w->lines);
    char *reason =
        w->stream_error ? w->stream_error
        : code == CURLE_OK
            ? xstrdup("watch stream ended")
            : xasprintf("%s",
                        r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
    w->stream_error = NULL;
    if (w->need_list) {
        w->list_rev = 0;
        start(w);
    } else {
        fail(w, reason);
    }
    free(reason);
}

static void start_watch(struct etcd_watch *w)
{
    struct etcd_req *r =
        etcd_request(w->c, "/v3/watch",
                     etcd_watch_request(w->prefix, w->last_rev + 1), true);
    r->on_data = watch_data;
    r->on_end = watch_end;
    r->aux = w;
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
    w->backoff = BACKOFF_MIN_S;
    ds_init(&w->lines);
    ev_timer_init(&w->retry, retry_cb, 0., 0.);
    w->retry.data = w;
    c->watch = w;
    start(w);
}

void etcd_watch_destroy(struct etcd_client *c)
{
    struct etcd_watch *w = c->watch;
    if (w) {
        ev_timer_stop(c->loop, &w->retry);
        ds_destroy(&w->lines);
        free(w->stream_error);
        free(w->prefix);
        free(w);
        c->watch = NULL;
    }
}

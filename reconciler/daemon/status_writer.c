/* This node's status document, written to etcd: see
 * reconciler/daemon/status_writer.h. */
#include "reconciler/daemon/status_writer.h"

#include <ctype.h>
#include <ev.h>
#include <string.h>

#include "reconciler/daemon/status.h"
#include "store/backoff.h"
#include "store/etcd.h"
#include "timeval.h"
#include "util.h"
#include <openvswitch/vlog.h>

VLOG_DEFINE_THIS_MODULE(status_writer);

/* Backoff of failed status writes: 100 ms doubling to 10 s, with jitter. */
#define STATUS_RETRY_FIRST_MS 100
#define STATUS_RETRY_MAX_MS 10000
/* Error text from etcd (which may quote a whole response) is cut at this
 * many bytes in the log. */
#define LOG_ERROR_MAX 200

struct fs_status_writer {
    struct ev_loop *loop;
    struct etcd_client *etcd;
    char *key;
    struct fs_status_writer_cbs cbs;
    void *aux;
    char *written; /* The last write that worked (or is in flight). */
    bool in_flight, again;
    bool loaded; /* The previous run's status has been read. */
    struct fs_backoff backoff;
    char *error; /* Last failure logged, while failing. */
    ev_timer retry, soon;
};

/* Returns true if 'a' and 'b' (either may be NULL) differ at most in their
 * digits: "after 3 ms" and "after 12 ms" are one error for the log. */
static bool same_error(const char *a, const char *b)
{
    if (!a || !b) {
        return a == b;
    }
    for (;;) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (isdigit((unsigned char)*a)) {
                a++;
            }
            while (isdigit((unsigned char)*b)) {
                b++;
            }
        } else if (*a != *b) {
            return false;
        } else if (!*a) {
            return true;
        } else {
            a++, b++;
        }
    }
}

/* A status write (or the read before the first one: 'what') failed: the
 * next waits for the backoff.  Logs the start of a run of failures and a
 * change of error, not each attempt. */
static void failed(struct fs_status_writer *w, const char *what,
                   const char *error)
{
    error = error ? error : "unknown error";
    if (!fs_backoff_failing(&w->backoff)) {
        VLOG_WARN("%s failed: %.*s; retrying with backoff", what, LOG_ERROR_MAX,
                  error);
    } else if (!same_error(error, w->error)) {
        VLOG_WARN("%s still fails, now: %.*s", what, LOG_ERROR_MAX, error);
    }
    free(w->error);
    w->error = xstrdup(error);
    int wait = fs_backoff_failed(&w->backoff, time_msec());
    VLOG_DBG("next status write in %d ms", wait);
    ev_timer_set(&w->retry, wait / 1000., 0.);
    ev_timer_start(w->loop, &w->retry);
}

/* A status write worked: logs the end of a run of failures. */
static void succeeded(struct fs_status_writer *w)
{
    long long ms = fs_backoff_failing_ms(&w->backoff, time_msec());
    unsigned int failures = w->backoff.failures;
    if (fs_backoff_succeeded(&w->backoff)) {
        VLOG_INFO("status written again (after %u failed writes in %.1f s)",
                  failures, ms / 1000.);
    }
    free(w->error);
    w->error = NULL;
}

static void put_done(void *aux, bool ok, const char *error, json_t *result)
{
    struct fs_status_writer *w = aux;
    w->in_flight = false;
    if (!ok) {
        free(w->written);
        w->written = NULL;
        w->again = false;
        failed(w, "writing status to etcd", error);
        return;
    }
    succeeded(w);
    if (w->again) {
        w->again = false;
        fs_status_writer_write(w);
    }
}

/* The previous run's status has been read: handed to the owner; then the
 * first write. */
static void read_done(void *aux, bool ok, const char *error,
                      const struct etcd_kv *kv)
{
    struct fs_status_writer *w = aux;
    w->in_flight = false;
    if (!ok) {
        w->again = false;
        failed(w, "reading this node's previous status from etcd", error);
        return;
    }
    succeeded(w);
    w->loaded = true;
    if (kv) {
        w->cbs.previous(w->aux, kv);
    }
    w->again = false;
    fs_status_writer_write(w);
}

static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    fs_status_writer_write(t->data);
}

struct fs_status_writer *
fs_status_writer_create(struct ev_loop *loop, struct etcd_client *etcd,
                        const char *node,
                        const struct fs_status_writer_cbs *cbs, void *aux)
{
    struct fs_status_writer *w = xzalloc(sizeof *w);
    *w = (struct fs_status_writer){
        .loop = loop,
        .etcd = etcd,
        .key = fs_status_key(node),
        .cbs = *cbs,
        .aux = aux,
        .backoff = FS_BACKOFF_INIT(STATUS_RETRY_FIRST_MS, STATUS_RETRY_MAX_MS),
    };
    ev_timer_init(&w->retry, timer_cb, 0., 0.);
    ev_timer_init(&w->soon, timer_cb, 0., 0.);
    w->retry.data = w->soon.data = w;
    return w;
}

void fs_status_writer_destroy(struct fs_status_writer *w)
{
    if (w) {
        ev_timer_stop(w->loop, &w->retry);
        ev_timer_stop(w->loop, &w->soon);
        free(w->written);
        free(w->error);
        free(w->key);
        free(w);
    }
}

void fs_status_writer_write(struct fs_status_writer *w)
{
    if (w->in_flight) {
        w->again = true;
        return;
    }
    if (ev_is_active(&w->retry)) {
        return;
    }
    if (!w->loaded) {
        w->in_flight = true;
        etcd_get(w->etcd, w->key, read_done, w);
        return;
    }
    struct fs_status st;
    w->cbs.fill(w->aux, &st);
    char *json = fs_status_to_json(&st);
    if (w->written && !strcmp(json, w->written)) {
        free(json);
        return;
    }
    free(w->written);
    w->written = json;
    w->in_flight = true;
    etcd_put(w->etcd, w->key, json, 0, put_done, w);
}

void fs_status_writer_write_soon(struct fs_status_writer *w)
{
    if (w && !ev_is_active(&w->soon)) {
        ev_timer_set(&w->soon, 0., 0.);
        ev_timer_start(w->loop, &w->soon);
    }
}

void fs_status_writer_retry_now(struct fs_status_writer *w)
{
    if (w && ev_is_active(&w->retry)) {
        ev_timer_stop(w->loop, &w->retry);
        fs_status_writer_write_soon(w);
    }
}

/* This node's liveness key on an etcd lease: see reconciler/daemon/liveness.h.
 */
#include "reconciler/daemon/liveness.h"

#include <ev.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "model/text.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "reconciler/proc/config.h"
#include "reconciler/daemon/status.h"
#include "store/backoff.h"
#include "store/etcd.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(liveness);

/* Backoff of failed steps: 100 ms doubling to a third of the TTL (so a
 * retry comes before the lease runs out), at most 10 s. */
#define LIVENESS_RETRY_FIRST_MS 100
#define LIVENESS_RETRY_MAX_MS 10000
/* Error text from etcd is cut at this many bytes in the log. */
#define LOG_ERROR_MAX 200

enum lv_step {
    LV_GRANT, /* Grant a lease. */
    LV_PUT,   /* Put the key on it. */
    LV_KEEP,  /* Keep it alive. */
    LV_STOP,  /* Revoking or stopped: nothing more. */
};

struct fs_liveness {
    struct ev_loop *loop;
    struct etcd_client *etcd;
    char *key, *value;
    int ttl_s;
    int64_t lease; /* 0: none. */
    enum lv_step step;
    bool in_flight;
    bool registered_once;
    struct fs_backoff backoff;
    ev_timer timer; /* Next keepalive, or the end of a backoff. */
    ev_timer stop_timer;
    void (*stopped)(void *aux);
    void *stopped_aux;
};

static void run_step(struct fs_liveness *);

char *fs_liveness_key(const char *node)
{
    return xasprintf("%s%s", FS_NODES_PREFIX, node);
}

char *fs_liveness_value(const char *node, long long pid, long long started)
{
    struct ds name = DS_EMPTY_INITIALIZER;
    fs_text_escape(&name, node, strlen(node), FS_LIVENESS_MAX_NODE, false);
    json_t *doc = json_pack("{s:s, s:I, s:I, s:s}", "node", ds_cstr(&name),
                            "pid", (json_int_t)pid, "started",
                            (json_int_t)started, "version", FS_VERSION);
    ds_destroy(&name);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text ? text : xstrdup("{}");
}

static void timer_in(struct fs_liveness *lv, double seconds)
{
    ev_timer_stop(lv->loop, &lv->timer);
    ev_timer_set(&lv->timer, seconds, 0.);
    ev_timer_start(lv->loop, &lv->timer);
}

static const char *step_name(enum lv_step step)
{
    return step == LV_GRANT ? "granting a lease"
           : step == LV_PUT ? "putting the key"
                            : "keeping the lease alive";
}

/* A step failed: the same step runs again after the backoff.  Logs the
 * start of a run of failures, not each attempt. */
static void step_failed(struct fs_liveness *lv, const char *error)
{
    if (!fs_backoff_failing(&lv->backoff)) {
        VLOG_WARN("%s: %s failed: %.*s; retrying with backoff", lv->key,
                  step_name(lv->step), LOG_ERROR_MAX,
                  error ? error : "unknown error");
    }
    int wait = fs_backoff_failed(&lv->backoff, time_msec());
    VLOG_DBG("%s: next try in %d ms", lv->key, wait);
    timer_in(lv, wait / 1000.);
}

/* A step worked: logs the end of a run of failures. */
static void step_succeeded(struct fs_liveness *lv)
{
    long long ms = fs_backoff_failing_ms(&lv->backoff, time_msec());
    unsigned int failures = lv->backoff.failures;
    if (fs_backoff_succeeded(&lv->backoff)) {
        VLOG_INFO("%s: works again (after %u failures in %.1f s)", lv->key,
                  failures, ms / 1000.);
    }
}

/* Starts over with a new lease (the old one is gone). */
static void lease_lost(struct fs_liveness *lv, const char *why)
{
    VLOG_WARN("%s: lease %" PRIx64 " %s; granting a new one", lv->key,
              lv->lease, why);
    lv->lease = 0;
    lv->step = LV_GRANT;
    run_step(lv);
}

static void grant_done(void *lv_, bool ok, const char *error, json_t *result)
{
    struct fs_liveness *lv = lv_;
    lv->in_flight = false;
    if (lv->step == LV_STOP) {
        return; /* Stopping: a lease granted now expires by itself. */
    }
    int64_t lease = ok ? etcd_int64(result, "ID") : 0;
    if (lease <= 0) {
        step_failed(lv, ok ? "no lease id in the reply" : error);
        return;
    }
    lv->lease = lease;
    lv->step = LV_PUT;
    run_step(lv);
}

static void put_done(void *lv_, bool ok, const char *error, json_t *result)
{
    struct fs_liveness *lv = lv_;
    lv->in_flight = false;
    if (lv->step == LV_STOP) {
        return;
    }
    if (!ok) {
        if (error && strstr(error, "lease not found")) {
            lease_lost(lv, "is not found");
        } else {
            step_failed(lv, error);
        }
        return;
    }
    step_succeeded(lv);
    VLOG_INFO("%s %s on lease %" PRIx64 " (TTL %d s, kept alive every "
              "%.1f s)",
              lv->key, lv->registered_once ? "put again" : "put", lv->lease,
              lv->ttl_s, lv->ttl_s / 3.);
    lv->registered_once = true;
    lv->step = LV_KEEP;
    timer_in(lv, lv->ttl_s / 3.);
}

static void keepalive_done(void *lv_, bool ok, const char *error,
                           json_t *result)
{
    struct fs_liveness *lv = lv_;
    lv->in_flight = false;
    if (lv->step == LV_STOP) {
        return;
    }
    if (!ok) {
        step_failed(lv, error);
        return;
    }
    long long left = etcd_int64(result, "TTL");
    step_succeeded(lv);
    if (left <= 0) {
        lease_lost(lv, "is gone (expired or revoked)");
        return;
    }
    VLOG_DBG("%s: lease %" PRIx64 " kept alive, %lld s left", lv->key,
             lv->lease, left);
    timer_in(lv, lv->ttl_s / 3.);
}

/* Runs the current step unless one is in flight. */
static void run_step(struct fs_liveness *lv)
{
    if (lv->in_flight || lv->step == LV_STOP) {
        return;
    }
    ev_timer_stop(lv->loop, &lv->timer);
    lv->in_flight = true;
    switch (lv->step) {
    case LV_GRANT:
        etcd_lease_grant(lv->etcd, lv->ttl_s, grant_done, lv);
        break;
    case LV_PUT:
        etcd_put(lv->etcd, lv->key, lv->value, lv->lease, put_done, lv);
        break;
    case LV_KEEP:
        etcd_lease_keepalive(lv->etcd, lv->lease, keepalive_done, lv);
        break;
    case LV_STOP:
        break;
    }
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    run_step(w->data);
}

struct fs_liveness *fs_liveness_start(struct ev_loop *loop,
                                      struct etcd_client *etcd,
                                      const char *node, int ttl_s)
{
    struct fs_liveness *lv = xzalloc(sizeof *lv);
    lv->loop = loop;
    lv->etcd = etcd;
    lv->ttl_s = MAX(ttl_s, 2);
    lv->key = fs_liveness_key(node);
    lv->value =
        fs_liveness_value(node, getpid(), (long long)time_wall_msec() / 1000);
    lv->backoff = (struct fs_backoff)FS_BACKOFF_INIT(
        LIVENESS_RETRY_FIRST_MS,
        MIN(lv->ttl_s * 1000 / 3, LIVENESS_RETRY_MAX_MS));
    ev_timer_init(&lv->timer, timer_cb, 0., 0.);
    lv->timer.data = lv;
    ev_timer_init(&lv->stop_timer, NULL, 0., 0.);
    lv->step = LV_GRANT;
    run_step(lv);
    return lv;
}

void fs_liveness_retry_now(struct fs_liveness *lv)
{
    if (lv && fs_backoff_failing(&lv->backoff) && ev_is_active(&lv->timer)) {
        fs_backoff_retry_now(&lv->backoff);
        run_step(lv);
    }
}

/* Calls the stop callback once. */
static void stopped(struct fs_liveness *lv)
{
    ev_timer_stop(lv->loop, &lv->stop_timer);
    void (*done)(void *) = lv->stopped;
    lv->stopped = NULL;
    if (done) {
        done(lv->stopped_aux);
    }
}

static void revoke_done(void *lv_, bool ok, const char *error, json_t *result)
{
    struct fs_liveness *lv = lv_;
    if (ok) {
        VLOG_INFO("%s: lease revoked, key deleted", lv->key);
    } else {
        VLOG_WARN("%s: revoking the lease failed (%.*s); the key expires "
                  "within %d s",
                  lv->key, LOG_ERROR_MAX, error ? error : "unknown error",
                  lv->ttl_s);
    }
    stopped(lv);
}

static void stop_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct fs_liveness *lv = w->data;
    VLOG_WARN("%s: no answer to the lease revoke in time; the key expires "
              "within %d s",
              lv->key, lv->ttl_s);
    stopped(lv);
}

void fs_liveness_stop(struct fs_liveness *lv, long timeout_ms,
                      void (*done)(void *aux), void *aux)
{
    bool had_lease = lv->lease && lv->step != LV_STOP;
    lv->step = LV_STOP;
    ev_timer_stop(lv->loop, &lv->timer);
    lv->stopped = done;
    lv->stopped_aux = aux;
    if (!had_lease) {
        stopped(lv);
        return;
    }
    /* The revoke's own timeout, and this timer for a request that waits
     * (for an auth token) before it is even sent. */
    etcd_lease_revoke(lv->etcd, lv->lease, timeout_ms, revoke_done, lv);
    ev_timer_init(&lv->stop_timer, stop_timer_cb, timeout_ms / 1000. + 0.1, 0.);
    lv->stop_timer.data = lv;
    ev_timer_start(lv->loop, &lv->stop_timer);
}

void fs_liveness_destroy(struct fs_liveness *lv)
{
    if (!lv) {
        return;
    }
    ev_timer_stop(lv->loop, &lv->timer);
    ev_timer_stop(lv->loop, &lv->stop_timer);
    free(lv->key);
    free(lv->value);
    free(lv);
}

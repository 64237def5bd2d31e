/* flowsteerd's main thread: see reconciler/daemon/daemon.h. */
#include "reconciler/daemon/daemon.h"

#include <ev.h>
#include <inttypes.h>
#include <string.h>

#include "model/model.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "ovs-rcu.h"
#include "reconciler/daemon/alloc.h"
#include "reconciler/daemon/chassis_reg.h"
#include "reconciler/proc/config.h"
#include "reconciler/proc/http.h"
#include "reconciler/daemon/liveness.h"
#include "reconciler/proc/metrics.h"
#include "reconciler/proc/notify.h"
#include "reconciler/ovs/ovs.h"
#include "reconciler/daemon/status.h"
#include "reconciler/daemon/status_writer.h"
#include "render/engine.h"
#include "render/render.h"
#include "store/backoff.h"
#include "store/etcd.h"
#include "timeval.h"
#include "util.h"
#include <openvswitch/vlog.h>

VLOG_DEFINE_THIS_MODULE(daemon);

/* Coalescing delay between the first change of a burst and the render (the
 * events of one etcd response are all taken before it fires). */
#define RENDER_DELAY_S 0.001
/* What flowsteerd waits for is logged at most once per WAITING_LOG_S, and
 * again every WAITING_REMIND_S while the wait goes on. */
#define WAITING_LOG_S 5.
#define WAITING_REMIND_S 30.
/* New errors and notes are logged in bursts of at most 100 lines, then at
 * most one a second; vlog counts the ones it drops ("Dropped N log
 * messages") and status lists them. */
static struct vlog_rate_limit new_error_rl = VLOG_RATE_LIMIT_INIT(60, 100);
/* Error text from etcd (which may quote a whole response) is cut at this
 * many bytes in the log. */
#define LOG_ERROR_MAX 200
/* A clean stop waits at most this long for the liveness lease's revoke. */
#define STOP_REVOKE_MS 1000

struct fs_daemon {
    struct ev_loop *loop;
    struct fs_config *cfg;
    struct etcd_client *etcd;
    struct fs_model *model;
    /* The snapshot of 'model', kept and updated by what changed
     * (model/incremental.c). */
    struct fs_snapshot_cache *snapshots;
    struct fs_ovs *ovs;
    struct fs_render_engine *engine;
    struct fs_alloc alloc;
    struct fs_liveness *liveness;
    struct fs_chassis_reg *chassis_reg;
    struct fs_status_writer *status;

    /* Inputs of the next render. */
    struct fs_local_facts facts;
    bool etcd_synced; /* The first full list has been fed to the model. */
    bool facts_ready; /* The OVS thread has reported facts at least once. */
    int64_t revision; /* Everything up to this etcd revision is fed. */

    /* What the status reports. */
    struct fs_errors errors, notes, row_errors;
    int64_t desired_revision, observed_revision;
    struct fs_ovs_result last;
    /* Until the first apply of this run: observed revision, flows and
     * groups as this node's status said before the restart (flows stay in
     * OVS while flowsteerd restarts): status never goes back to 0. */
    bool carried;
    size_t carried_flows, carried_groups;
    /* Convergence: monotonic ms of the first watch event not rendered yet
     * (0: none); of the first event of the changes rendered up to
     * 'converging_revision' and not yet in OVS; the last figure. */
    long long change_ms, converging_ms;
    int64_t converging_revision;
    double convergence_ms, render_ms;

    bool stopping;

    /* What flowsteerd waits for: the OVS thread's connections, etcd. */
    char *ovs_waiting, *etcd_waiting;
    char *waiting;        /* Both, as status says it; NULL if nothing. */
    char *waiting_logged; /* As the log last said it. */
    double waiting_logged_at, waiting_since;

    /* Metrics and health (reconciler/proc/metrics.h, reconciler/proc/http.h).
     */
    struct fs_metrics metrics;
    struct fs_http *http;
    struct fs_watchdog *watchdog;
    bool converged;   /* A first convergence happened in this run. */
    bool etcd_was_up; /* The watch was up at least once. */
    bool listed;      /* The first list was reset, for relists. */

    ev_timer render_timer, alloc_timer;
    ev_timer waiting_timer;
    ev_async ovs_async;
    ev_signal sigint, sigterm, sighup;
};

/* Writes the status if it changed (reconciler/daemon/status_writer.h). */
static void write_status(struct fs_daemon *d)
{
    if (d->status) {
        fs_status_writer_write(d->status);
    }
}

static void schedule_render(struct fs_daemon *d, double delay)
{
    if (!d->change_ms) {
        d->change_ms = time_msec();
    }
    if (!ev_is_active(&d->render_timer)) {
        ev_timer_set(&d->render_timer, delay, 0.);
        ev_timer_start(d->loop, &d->render_timer);
    }
}

/* A hash set of errors, for log_new_errors(). */
struct error_node {
    struct hmap_node node;
    const struct fs_error *e;
};

static uint32_t error_hash(const struct fs_error *e)
{
    return hash_string(e->message,
                       hash_string(e->path, hash_string(e->key, 0)));
}

static bool error_in(const struct hmap *set, const struct fs_error *e)
{
    const struct error_node *n;
    HMAP_FOR_EACH_WITH_HASH(n, node, error_hash(e), set)
    {
        if (!strcmp(n->e->key, e->key) && !strcmp(n->e->path, e->path) &&
            !strcmp(n->e->message, e->message)) {
            return true;
        }
    }
    return false;
}

/* Logs errors of 'new' that were not in 'old', so each rejection is logged
 * once (strings cut, rate-limited by 'new_error_rl').  O(n) with a hash set
 * of 'old'. */
static void log_new_errors(const struct fs_errors *old,
                           const struct fs_errors *new, const char *what)
{
    struct hmap seen = HMAP_INITIALIZER(&seen);
    struct error_node *nodes = xmalloc((old->n + 1) * sizeof *nodes);
    hmap_reserve(&seen, old->n);
    for (size_t i = 0; i < old->n; i++) {
        nodes[i].e = &old->items[i];
        hmap_insert(&seen, &nodes[i].node, error_hash(nodes[i].e));
    }
    for (size_t i = 0; i < new->n; i++) {
        const struct fs_error *e = &new->items[i];
        if (!error_in(&seen, e)) {
            VLOG_WARN_RL(&new_error_rl, "%s %.300s at %.300s: %.500s", what,
                         e->key, e->path, e->message);
        }
    }
    hmap_destroy(&seen);
    free(nodes);
}

static void replace_errors(struct fs_errors *dst, const struct fs_errors *src,
                           const char *what)
{
    if (fs_errors_equal(dst, src)) {
        return; /* Mostly: a change rejects nothing new. */
    }
    log_new_errors(dst, src, what);
    fs_errors_clear(dst);
    fs_errors_extend(dst, src);
}

/* The first convergence of this run: readiness (/readyz). */
static void converged(struct fs_daemon *d)
{
    if (!d->converged) {
        d->converged = true;
        VLOG_INFO("first convergence: ready");
        char *status =
            xasprintf("converged: revision %" PRId64, d->observed_revision);
        fs_notify_ready(status);
        free(status);
    }
}

static void render_now(struct fs_daemon *d)
{
    long long t0 = time_msec();
    const struct fs_snapshot *snap = fs_snapshot_update(d->snapshots, d->model);
    long long snapshot_ms = time_msec() - t0;
    fs_alloc_run(&d->alloc, snap);
    struct fs_render_node node = {
        .name = d->cfg->node,
        .integration_bridge = d->cfg->bridge,
        .bridge_mappings = d->cfg->bridge_mappings,
        .n_bridge_mappings = d->cfg->n_bridge_mappings,
        .chassis_macs = d->cfg->chassis_macs,
        .n_chassis_macs = d->cfg->n_chassis_macs,
        .dhcp_lease_s = d->cfg->dhcp_lease_s,
        .dhcp_domain = d->cfg->dhcp_domain,
    };
    long long start = time_msec();
    struct fs_desired_delta *delta =
        fs_render_engine_run(d->engine, snap, &node, &d->facts);
    d->render_ms = time_msec() - start;

    replace_errors(&d->errors, &snap->errors, "rejected");
    replace_errors(&d->notes, &delta->notes, "not rendered:");
    d->desired_revision = delta->revision;
    fs_metrics_set_resources(&d->metrics, snap);
    fs_histogram_observe(&d->metrics.render,
                         (snapshot_ms + d->render_ms) / 1000.);
    d->metrics.ovsdb_rows = delta->n_ports + delta->n_bridges;
    VLOG_DBG("rendered revision %" PRId64 " in %lld + %.0f ms (snapshot, "
             "engine): %zu resources checked, %zu of %zu units, "
             "%zu flows added or changed, %zu removed; %zu flows, %zu groups, "
             "%zu errors",
             delta->revision, snapshot_ms, d->render_ms,
             fs_snapshot_cache_checked(d->snapshots), delta->units_rendered,
             delta->n_units, delta->n_add_flows, delta->n_remove_flows,
             delta->n_flows, delta->n_groups, snap->errors.n);
    if (d->change_ms) {
        if (!d->converging_ms) {
            d->converging_ms = d->change_ms;
        }
        d->converging_revision = delta->revision;
        d->change_ms = 0;
    }
    if (d->ovs) {
        fs_ovs_post_delta(d->ovs, delta);
    } else {
        fs_desired_delta_destroy(delta); /* --no-ovs: render only. */
        converged(d);
    }
    write_status(d);
}

static void render_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct fs_daemon *d = w->data;
    if (d->etcd_synced && d->facts_ready) {
        render_now(d);
    }
}

/* etcd watch handlers. */

static void on_reset(void *aux)
{
    struct fs_daemon *d = aux;
    /* A (re)list: hold renders until it is complete, so a partial world
     * never reaches OVS. */
    d->etcd_synced = false;
    fs_model_clear(d->model);
    d->metrics.etcd_relists += d->listed;
    d->listed = true;
}

/* This node's status as the previous run left it: carried until the
 * first apply of this run (unless one happened already). */
static void carry_status(void *aux, const struct etcd_kv *kv)
{
    struct fs_daemon *d = aux;
    if (d->last.revision) {
        return;
    }
    json_t *doc = json_loadb(kv->value, kv->value_len, 0, NULL);
    json_int_t observed = 0, flows = 0, groups = 0;
    if (doc &&
        !json_unpack(doc, "{s:I, s:I, s:I}", "observed_revision", &observed,
                     "flows", &flows, "groups", &groups) &&
        observed > 0 && flows >= 0 && groups >= 0 && !d->observed_revision) {
        d->carried = true;
        d->observed_revision = observed;
        d->carried_flows = flows;
        d->carried_groups = groups;
        VLOG_INFO("previous run had revision %" PRId64 " in OVS (%lld flows); "
                  "reported until this run's first apply",
                  (int64_t)observed, (long long)flows);
    }
    json_decref(doc);
}

static void on_put(void *aux, const struct etcd_kv *kv)
{
    struct fs_daemon *d = aux;
    if (fs_chassis_reg_is_key(d->chassis_reg, kv->key, kv->key_len)) {
        fs_chassis_reg_sync(d->chassis_reg);
    }
    if (fs_model_put(d->model, kv->key, kv->key_len, kv->value, kv->value_len,
                     kv->create_revision, kv->mod_revision)) {
        schedule_render(d, RENDER_DELAY_S);
    }
}

static void on_del(void *aux, const char *key, size_t key_len,
                   int64_t mod_revision)
{
    struct fs_daemon *d = aux;
    if (fs_chassis_reg_is_key(d->chassis_reg, key, key_len)) {
        fs_chassis_reg_sync(d->chassis_reg); /* Deleted: written again. */
    }
    if (fs_model_delete(d->model, key, key_len)) {
        schedule_render(d, RENDER_DELAY_S);
    }
}

static void on_synced(void *aux, int64_t revision)
{
    struct fs_daemon *d = aux;
    fs_model_set_revision(d->model, revision);
    if (!d->etcd_synced) {
        VLOG_INFO("etcd: list complete at revision %" PRId64, revision);
        d->etcd_synced = true;
        schedule_render(d, 0.);
    }
}

static void waiting_changed(struct fs_daemon *);

static void on_state(void *aux, bool up, const char *reason)
{
    struct fs_daemon *d = aux;
    free(d->etcd_waiting);
    d->etcd_waiting = NULL;
    if (up) {
        VLOG_INFO("etcd: connected");
        d->metrics.etcd_reconnects += d->etcd_was_up;
        d->etcd_was_up = true;
        /* etcd is back: retry what waits for it now, not after the
         * backoff. */
        if (fs_backoff_failing(&d->alloc.backoff)) {
            fs_alloc_retry_now(&d->alloc);
            schedule_render(d, RENDER_DELAY_S);
        }
        fs_status_writer_retry_now(d->status);
        fs_liveness_retry_now(d->liveness);
        fs_chassis_reg_retry_now(d->chassis_reg);
    } else {
        reason = reason ? reason : "unknown reason";
        VLOG_WARN("etcd: disconnected (%.*s); flows stay as they are",
                  LOG_ERROR_MAX, reason);
        d->etcd_waiting = xasprintf("etcd %s: %s", d->cfg->etcd, reason);
    }
    waiting_changed(d);
}

static const struct etcd_watch_handlers watch_handlers = {
    .reset = on_reset,
    .put = on_put,
    .del = on_del,
    .synced = on_synced,
    .state = on_state,
};

/* OVS thread hand-off. */

static void take_result(struct fs_daemon *d, struct fs_ovs_result *r)
{
    replace_errors(&d->row_errors, &r->row_errors, "OVSDB:");
    fs_errors_destroy(&r->row_errors);
    r->row_errors = (struct fs_errors)FS_ERRORS_INITIALIZER;
    if (r->ok) {
        if (!r->waiting) {
            d->observed_revision = r->revision;
            d->carried = false;
            if (d->converging_ms && r->revision >= d->converging_revision) {
                d->convergence_ms = time_msec() - d->converging_ms;
                d->converging_ms = 0;
                fs_histogram_observe(&d->metrics.convergence,
                                     d->convergence_ms / 1000.);
            }
            if (d->etcd_synced) {
                converged(d);
            }
        }
        if (r->flow_mods || r->group_mods || r->row_changes) {
            VLOG_INFO("revision %" PRId64 " in OVS%s: %zu flow mods, %zu "
                      "group mods, %zu OVSDB row changes in %zu transaction "
                      "(%.1f ms); %zu flows, %zu groups",
                      r->revision,
                      r->waiting ? " (waiting for new ports' ofports)" : "",
                      r->flow_mods, r->group_mods, r->row_changes,
                      r->ovsdb_txns, r->apply_ms, r->n_flows, r->n_groups);
        }
    } else {
        VLOG_WARN("revision %" PRId64 " not applied: %s", r->revision,
                  r->error ? r->error : "unknown error");
    }
    free(d->last.error);
    d->last = *r;
}

static void ovs_async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
    struct fs_daemon *d = w->data;
    char *waiting;
    if (fs_ovs_take_waiting(d->ovs, &waiting)) {
        free(d->ovs_waiting);
        d->ovs_waiting = waiting;
        waiting_changed(d);
    }
    if (fs_ovs_take_facts(d->ovs, &d->facts)) {
        if (!d->facts_ready) {
            VLOG_INFO("OVS: %zu local interfaces with an iface-id",
                      simap_count(&d->facts.ofports));
        }
        d->facts_ready = true;
        schedule_render(d, RENDER_DELAY_S);
    }
    fs_ovs_take_counters(d->ovs, &d->metrics.ovs);
    struct fs_ovs_result r;
    bool any = false;
    while (fs_ovs_take_result(d->ovs, &r)) {
        take_result(d, &r);
        any = true;
    }
    if (any) {
        write_status(d);
    }
}

/* Called from the OVS thread. */
static void ovs_notify(void *aux)
{
    struct fs_daemon *d = aux;
    ev_async_send(d->loop, &d->ovs_async);
}

/* What flowsteerd waits for. */

/* Logs what flowsteerd waits for when that changed since the last line,
 * at most one line every WAITING_LOG_S, and again every WAITING_REMIND_S
 * while the wait goes on; keeps 'waiting_timer' running while there is or
 * may be something to say. */
static void log_waiting(struct fs_daemon *d)
{
    double now = ev_now(d->loop);
    bool same = nullable_string_is_equal(d->waiting, d->waiting_logged);
    double since_log = now - d->waiting_logged_at;
    if (since_log >= WAITING_LOG_S &&
        (!same || (d->waiting && since_log >= WAITING_REMIND_S))) {
        if (d->waiting) {
            VLOG_WARN("waiting for %.*s (for %.0f s)", LOG_ERROR_MAX * 2,
                      d->waiting, now - d->waiting_since);
        } else {
            VLOG_INFO("no longer waiting (was: %.*s)", LOG_ERROR_MAX * 2,
                      d->waiting_logged);
        }
        free(d->waiting_logged);
        d->waiting_logged = nullable_xstrdup(d->waiting);
        d->waiting_logged_at = now;
        same = true;
    }
    if (d->waiting || !same) {
        if (!ev_is_active(&d->waiting_timer)) {
            ev_timer_again(d->loop, &d->waiting_timer);
        }
    } else {
        ev_timer_stop(d->loop, &d->waiting_timer);
    }
}

static void waiting_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    log_waiting(w->data);
}

/* Takes a change of what the OVS thread or etcd waits for: status and
 * log. */
static void waiting_changed(struct fs_daemon *d)
{
    char *waiting = d->ovs_waiting && d->etcd_waiting
                        ? xasprintf("%s; %s", d->ovs_waiting, d->etcd_waiting)
                        : nullable_xstrdup(d->ovs_waiting ? d->ovs_waiting
                                                          : d->etcd_waiting);
    if (nullable_string_is_equal(waiting, d->waiting)) {
        free(waiting);
        return;
    }
    if (!d->waiting) {
        d->waiting_since = ev_now(d->loop);
    }
    free(d->waiting);
    d->waiting = waiting;
    if (waiting) {
        fs_notify_status("waiting for %s", waiting);
    } else {
        fs_notify_status("%s", d->converged ? "running" : "starting");
    }
    log_waiting(d);
    fs_status_writer_write_soon(d->status);
}

/* Status: what it says now (reconciler/daemon/status_writer.h). */
static void fill_status(void *aux, struct fs_status *st)
{
    struct fs_daemon *d = aux;
    *st = (struct fs_status){
        .node = d->cfg->node,
        .observed_revision = d->observed_revision,
        .carried = d->carried,
        .desired_revision = d->desired_revision,
        .n_flows = d->carried ? d->carried_flows : d->last.n_flows,
        .n_groups = d->carried ? d->carried_groups : d->last.n_groups,
        .convergence_ms = d->convergence_ms,
        .render_ms = d->render_ms,
        .flow_mods = d->last.flow_mods,
        .group_mods = d->last.group_mods,
        .ovsdb_txns = d->last.ovsdb_txns,
        .apply_ms = d->last.apply_ms,
        .ovs_error = d->last.ok ? NULL : d->last.error,
        .waiting = d->waiting,
        .errors = &d->errors,
        .row_errors = &d->row_errors,
        .notes = &d->notes,
    };
}

static const struct fs_status_writer_cbs status_cbs = {
    .fill = fill_status,
    .previous = carry_status,
};

static void alloc_retry(void *aux, double delay_s)
{
    struct fs_daemon *d = aux;
    ev_timer_stop(d->loop, &d->alloc_timer);
    ev_timer_set(&d->alloc_timer, delay_s, 0.);
    ev_timer_start(d->loop, &d->alloc_timer);
}

static void alloc_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    schedule_render(w->data, 0.);
}

/* Signals. */

static void stopped_cb(void *aux)
{
    struct fs_daemon *d = aux;
    ev_break(d->loop, EVBREAK_ALL);
}

/* SIGINT, SIGTERM: revokes the liveness lease (at most STOP_REVOKE_MS),
 * then stops; a second signal stops at once. */
static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct fs_daemon *d = w->data;
    VLOG_INFO("signal %d: stopping (flows stay installed)", w->signum);
    if (!d->stopping) {
        fs_notify_stopping();
    }
    if (d->stopping || !d->liveness) {
        ev_break(loop, EVBREAK_ALL);
        return;
    }
    d->stopping = true;
    fs_liveness_stop(d->liveness, STOP_REVOKE_MS, stopped_cb, d);
}

/* Logs what a re-read of the settings changed. */
static void log_reread(unsigned int changed, const char *restart,
                       const struct fs_config *cfg)
{
    struct ds what = DS_EMPTY_INITIALIZER;
    if (changed & FS_CONFIG_VERBOSE) {
        ds_put_format(&what, ", verbose %s", cfg->verbose ? "on" : "off");
    }
    if (changed & FS_CONFIG_BRIDGE_MAPPINGS) {
        ds_put_format(&what,
                      ", bridge-mappings changed (%zu mappings): "
                      "rendering again",
                      cfg->n_bridge_mappings);
    }
    if (changed & FS_CONFIG_CHASSIS_MACS) {
        ds_put_format(&what,
                      ", chassis-mac-mappings changed (%zu chassis MACs): "
                      "rendering again",
                      cfg->n_chassis_macs);
    }
    if (changed & FS_CONFIG_ENCAP) {
        ds_put_format(&what, ", encap-ip %s, encap-type %s",
                      cfg->encap_ip ? cfg->encap_ip : "unset", cfg->encap_type);
    }
    VLOG_INFO("SIGHUP: settings read again:%s",
              changed ? ds_cstr(&what) + 1 : " nothing to change");
    if (restart) {
        VLOG_WARN("SIGHUP: %s changed: not taken, that needs a restart",
                  restart);
    }
    ds_destroy(&what);
}

/* SIGHUP: reads the settings again (the --config file, then the command
 * line), takes verbose and bridge-mappings, reopens the log file. */
static void sighup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct fs_daemon *d = w->data;
    if (d->cfg->log_file) {
        vlog_reopen_log_file();
    }
    unsigned int changed;
    char *restart;
    char *error = fs_config_reread(d->cfg, &changed, &restart);
    if (error) {
        VLOG_WARN("SIGHUP: settings not read again, keeping the current "
                  "ones: %s",
                  error);
        free(error);
        return;
    }
    if (changed & FS_CONFIG_VERBOSE) {
        fs_config_set_log_levels(d->cfg);
    }
    if (changed & (FS_CONFIG_BRIDGE_MAPPINGS | FS_CONFIG_CHASSIS_MACS)) {
        schedule_render(d, 0.);
    }
    if (changed & (FS_CONFIG_BRIDGE_MAPPINGS | FS_CONFIG_ENCAP |
                   FS_CONFIG_CHASSIS_MACS)) {
        fs_chassis_reg_sync(d->chassis_reg);
    }
    log_reread(changed, restart, d->cfg);
    free(restart);
}

/* Starts 'w' for 'signum' (before the OVS thread exists, so that libev's
 * handler, not libopenvswitch's fatal-signal one, gets the signal). */
static void signal_start(struct fs_daemon *d, ev_signal *w, int signum,
                         void (*cb)(struct ev_loop *, ev_signal *, int))
{
    ev_signal_init(w, cb, signum);
    w->data = d;
    ev_signal_start(d->loop, w);
}

static void timer_init(struct fs_daemon *d, ev_timer *w,
                       void (*cb)(struct ev_loop *, ev_timer *, int))
{
    ev_timer_init(w, cb, 0., 0.);
    w->data = d;
}

static void daemon_init(struct fs_daemon *d, struct ev_loop *loop,
                        struct fs_config *cfg)
{
    *d = (struct fs_daemon){
        .loop = loop,
        .cfg = cfg,
    };
    d->model = fs_model_create();
    d->snapshots = fs_snapshot_cache_create();
    fs_local_facts_init(&d->facts);
    d->last.ok = true;

    timer_init(d, &d->render_timer, render_timer_cb);
    timer_init(d, &d->alloc_timer, alloc_timer_cb);
    timer_init(d, &d->waiting_timer, waiting_timer_cb);
    d->waiting_timer.repeat = WAITING_LOG_S;
    ev_async_init(&d->ovs_async, ovs_async_cb);
    d->ovs_async.data = d;
    ev_async_start(loop, &d->ovs_async);
    signal_start(d, &d->sigint, SIGINT, signal_cb);
    signal_start(d, &d->sigterm, SIGTERM, signal_cb);
    signal_start(d, &d->sighup, SIGHUP, sighup_cb);
}

static void daemon_destroy(struct fs_daemon *d)
{
    fs_http_stop(d->http);
    fs_watchdog_stop(d->watchdog);
    fs_ovs_stop(d->ovs);
    etcd_client_destroy(d->etcd); /* No callbacks after this. */
    fs_status_writer_destroy(d->status);
    fs_liveness_destroy(d->liveness);
    fs_chassis_reg_destroy(d->chassis_reg);
    fs_alloc_destroy(&d->alloc);
    fs_render_engine_destroy(d->engine);
    fs_snapshot_cache_destroy(d->snapshots);
    fs_model_destroy(d->model);
    fs_local_facts_destroy(&d->facts);
    fs_errors_destroy(&d->errors);
    fs_errors_destroy(&d->notes);
    fs_errors_destroy(&d->row_errors);
    free(d->last.error);
    free(d->ovs_waiting);
    free(d->etcd_waiting);
    free(d->waiting);
    free(d->waiting_logged);
    ev_timer_stop(d->loop, &d->render_timer);
    ev_timer_stop(d->loop, &d->alloc_timer);
    ev_timer_stop(d->loop, &d->waiting_timer);
    ev_async_stop(d->loop, &d->ovs_async);
    ev_signal_stop(d->loop, &d->sigint);
    ev_signal_stop(d->loop, &d->sigterm);
    ev_signal_stop(d->loop, &d->sighup);
}

/* Metrics and health. */

/* GET /metrics: the gauges as status reports them, then the text. */
static void http_metrics(void *aux, struct ds *body)
{
    struct fs_daemon *d = aux;
    struct fs_metrics *m = &d->metrics;
    m->flows = d->carried ? d->carried_flows : d->last.n_flows;
    m->groups = d->carried ? d->carried_groups : d->last.n_groups;
    m->observed_revision = d->observed_revision;
    m->desired_revision = d->desired_revision;
    if (d->ovs) {
        fs_ovs_take_counters(d->ovs, &m->ovs); /* The local controller's. */
    }
    fs_metrics_render(m, body);
}

/* GET /readyz: NULL once the first convergence of this run is done and
 * neither etcd nor OVS is waited for; else why not. */
static char *http_not_ready(void *aux)
{
    struct fs_daemon *d = aux;
    if (d->stopping) {
        return xstrdup("stopping");
    } else if (d->waiting) {
        return xasprintf("waiting: %s", d->waiting);
    } else if (!d->etcd_synced) {
        return xasprintf("waiting: the list of %s from etcd %s", FS_PREFIX,
                         d->cfg->etcd);
    } else if (!d->facts_ready) {
        return xasprintf("waiting: the first read of OVSDB %s", d->cfg->ovsdb);
    } else if (!d->converged) {
        return xstrdup("waiting: the first apply to OVS");
    }
    return NULL;
}

static const struct fs_http_handlers http_handlers = {
    .metrics = http_metrics,
    .not_ready = http_not_ready,
};

int fs_daemon_run(struct ev_loop *loop, struct fs_config *cfg)
{
    struct fs_daemon d;
    daemon_init(&d, loop, cfg);
    d.etcd = etcd_client_create(loop, cfg->etcd);
    if (!d.etcd) {
        VLOG_ERR("%s: not a usable list of etcd URLs (http:// or https://)",
                 cfg->etcd);
        daemon_destroy(&d);
        return 1;
    }
    fs_config_set_etcd_security(cfg, d.etcd);
    d.status =
        fs_status_writer_create(loop, d.etcd, cfg->node, &status_cbs, &d);
    if (cfg->metrics_address) {
        char *error = fs_http_start(loop, cfg->metrics_address, &http_handlers,
                                    &d, &d.http);
        if (error) {
            VLOG_ERR("%s; not starting (--metrics-address off to run without "
                     "metrics)",
                     error);
            free(error);
            daemon_destroy(&d);
            return 1;
        }
        VLOG_INFO("metrics, /healthz and /readyz on http://%s",
                  cfg->metrics_address);
    }
    d.alloc = (struct fs_alloc)FS_ALLOC_INIT(d.etcd, alloc_retry, &d);
    struct fs_ovs_config ovs_cfg = {
        .ovsdb = cfg->ovsdb,
        .bridge = cfg->bridge,
        .openflow = cfg->openflow,
        .audit_interval_ms = cfg->audit_interval_s * 1000,
    };
    d.engine = fs_render_engine_create();
    if (cfg->no_ovs) {
        d.facts_ready = true; /* No local ports: render and report only. */
        VLOG_INFO("--no-ovs: rendering and reporting only, no OVS");
    } else {
        d.ovs = fs_ovs_start(&ovs_cfg, ovs_notify, &d);
    }
    /* Creating the OVS thread registered this one with OVS's RCU; it
     * never quiesces by itself (it does not run poll_block()), which would
     * hold back every ovsrcu_postpone() of the OVS thread. */
    ovsrcu_quiesce_start();
    /* This node's own keys first: the previous status (read before the
     * first status write), liveness, chassis. */
    write_status(&d);
    d.liveness = fs_liveness_start(loop, d.etcd, cfg->node, cfg->node_ttl_s);
    d.chassis_reg = fs_chassis_reg_create(loop, d.etcd, cfg);
    etcd_watch_prefix(d.etcd, FS_PREFIX, &watch_handlers, &d);
    VLOG_INFO("flowsteerd on node %s: etcd %s, OVSDB %s, bridge %s", cfg->node,
              cfg->etcd, cfg->ovsdb, cfg->bridge);

    d.watchdog = fs_watchdog_start(loop);
    ev_run(loop, 0);
    daemon_destroy(&d);
    return 0;
}

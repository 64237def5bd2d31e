/* flowsteerd's main thread: see reconciler/daemon.h. */
#include "reconciler/daemon.h"

#include <ev.h>
#include <inttypes.h>
#include <string.h>

#include "model/model.h"
#include "reconciler/alloc.h"
#include "reconciler/config.h"
#include "reconciler/ovs.h"
#include "reconciler/status.h"
#include "render/render.h"
#include "store/etcd.h"
#include "util.h"
#include <openvswitch/vlog.h>

VLOG_DEFINE_THIS_MODULE(daemon);

/* Coalescing delay between the first change of a burst and the render. */
#define RENDER_DELAY_S 0.005
/* Delay before looking again after a failed path id allocation. */
#define ALLOC_RETRY_S 0.2

struct fs_daemon {
    struct ev_loop *loop;
    const struct fs_config *cfg;
    struct etcd_client *etcd;
    struct fs_model *model;
    struct fs_ovs *ovs;
    struct fs_alloc alloc;
    char *status_key;

    /* Inputs of the next render. */
    struct fs_local_facts facts;
    bool etcd_synced; /* The first full list has been fed to the model. */
    bool facts_ready; /* The OVS thread has reported facts at least once. */
    int64_t revision; /* Everything up to this etcd revision is fed. */

    /* What the status reports. */
    struct fs_errors errors, notes, row_errors;
    int64_t desired_revision, observed_revision;
    struct fs_ovs_result last;

    /* Status writes: one in flight at a time, identical ones skipped. */
    char *status_written;
    bool status_in_flight, status_again;

    ev_timer render_timer;
    ev_async ovs_async;
    ev_signal sigint, sigterm;
};

static void write_status(struct fs_daemon *);

static void schedule_render(struct fs_daemon *d, double delay)
{
    if (!ev_is_active(&d->render_timer)) {
        ev_timer_set(&d->render_timer, delay, 0.);
        ev_timer_start(d->loop, &d->render_timer);
    }
}

/* Logs errors that were not in 'old', so each rejection is logged once. */
static void log_new_errors(const struct fs_errors *old,
                           const struct fs_errors *new, const char *what)
{
    for (size_t i = 0; i < new->n; i++) {
        const struct fs_error *e = &new->items[i];
        bool seen = false;
        for (size_t j = 0; j < old->n && !seen; j++) {
            const struct fs_error *o = &old->items[j];
            seen = !strcmp(o->key, e->key) && !strcmp(o->path, e->path) &&
                   !strcmp(o->message, e->message);
        }
        if (!seen) {
            VLOG_WARN("%s %s at %s: %s", what, e->key, e->path, e->message);
        }
    }
}

static void replace_errors(struct fs_errors *dst, const struct fs_errors *src,
                           const char *what)
{
    log_new_errors(dst, src, what);
    fs_errors_clear(dst);
    fs_errors_extend(dst, src);
}

static void render_now(struct fs_daemon *d)
{
    struct fs_snapshot *snap = fs_snapshot_build(d->model);
    fs_alloc_run(&d->alloc, snap);
    struct fs_render_node node = {
        .name = d->cfg->node,
        .integration_bridge = d->cfg->bridge,
        .bridge_mappings = d->cfg->bridge_mappings,
        .n_bridge_mappings = d->cfg->n_bridge_mappings,
    };
    struct fs_desired *desired = fs_render(snap, &node, &d->facts);

    replace_errors(&d->errors, &snap->errors, "rejected");
    replace_errors(&d->notes, &desired->notes, "not rendered:");
    d->desired_revision = desired->revision;
    VLOG_DBG("rendered revision %" PRId64 ": %zu flows, %zu groups, "
             "%zu errors",
             desired->revision, desired->n_flows, desired->n_groups,
             snap->errors.n);
    fs_snapshot_destroy(snap);
    fs_ovs_post_desired(d->ovs, desired);
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
}

static void on_put(void *aux, const struct etcd_kv *kv)
{
    struct fs_daemon *d = aux;
    if (fs_model_put(d->model, kv->key, kv->key_len, kv->value, kv->value_len,
                     kv->create_revision, kv->mod_revision)) {
        schedule_render(d, RENDER_DELAY_S);
    }
}

static void on_del(void *aux, const char *key, size_t key_len,
                   int64_t mod_revision)
{
    struct fs_daemon *d = aux;
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

static void on_state(void *aux, bool up, const char *reason)
{
    if (up) {
        VLOG_INFO("etcd: connected");
    } else {
        VLOG_WARN("etcd: disconnected (%s); flows stay as they are",
                  reason ? reason : "unknown reason");
    }
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
    if (fs_ovs_take_facts(d->ovs, &d->facts)) {
        if (!d->facts_ready) {
            VLOG_INFO("OVS: %zu local interfaces with an iface-id",
                      simap_count(&d->facts.ofports));
        }
        d->facts_ready = true;
        schedule_render(d, RENDER_DELAY_S);
    }
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

/* Status. */

static void status_done(void *aux, bool ok, const char *error, json_t *result)
{
    struct fs_daemon *d = aux;
    d->status_in_flight = false;
    if (!ok) {
        VLOG_WARN("writing status failed: %s", error);
        free(d->status_written);
        d->status_written = NULL;
    }
    if (d->status_again || !ok) {
        d->status_again = false;
        write_status(d);
    }
}

static void write_status(struct fs_daemon *d)
{
    if (d->status_in_flight) {
        d->status_again = true;
        return;
    }
    struct fs_status st = {
        .node = d->cfg->node,
        .observed_revision = d->observed_revision,
        .desired_revision = d->desired_revision,
        .n_flows = d->last.n_flows,
        .n_groups = d->last.n_groups,
        .flow_mods = d->last.flow_mods,
        .group_mods = d->last.group_mods,
        .ovsdb_txns = d->last.ovsdb_txns,
        .apply_ms = d->last.apply_ms,
        .ovs_error = d->last.ok ? NULL : d->last.error,
        .errors = &d->errors,
        .row_errors = &d->row_errors,
        .notes = &d->notes,
    };
    char *json = fs_status_to_json(&st);
    if (d->status_written && !strcmp(json, d->status_written)) {
        free(json);
        return;
    }
    free(d->status_written);
    d->status_written = json;
    d->status_in_flight = true;
    etcd_put(d->etcd, d->status_key, json, 0, status_done, d);
}

static void alloc_retry(void *aux)
{
    schedule_render(aux, ALLOC_RETRY_S);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    VLOG_INFO("signal %d: stopping (flows stay installed)", w->signum);
    ev_break(loop, EVBREAK_ALL);
}

static void daemon_init(struct fs_daemon *d, struct ev_loop *loop,
                        const struct fs_config *cfg)
{
    *d = (struct fs_daemon){.loop = loop, .cfg = cfg};
    d->model = fs_model_create();
    d->status_key = fs_status_key(cfg->node);
    fs_local_facts_init(&d->facts);
    d->last.ok = true;

    ev_timer_init(&d->render_timer, render_timer_cb, 0., 0.);
    d->render_timer.data = d;
    ev_async_init(&d->ovs_async, ovs_async_cb);
    d->ovs_async.data = d;
    ev_async_start(loop, &d->ovs_async);
    ev_signal_init(&d->sigint, signal_cb, SIGINT);
    ev_signal_init(&d->sigterm, signal_cb, SIGTERM);
    ev_signal_start(loop, &d->sigint);
    ev_signal_start(loop, &d->sigterm);
}

static void daemon_destroy(struct fs_daemon *d)
{
    fs_ovs_stop(d->ovs);
    etcd_client_destroy(d->etcd);
    fs_alloc_destroy(&d->alloc);
    fs_model_destroy(d->model);
    fs_local_facts_destroy(&d->facts);
    fs_errors_destroy(&d->errors);
    fs_errors_destroy(&d->notes);
    fs_errors_destroy(&d->row_errors);
    free(d->last.error);
    free(d->status_written);
    free(d->status_key);
    ev_timer_stop(d->loop, &d->render_timer);
    ev_async_stop(d->loop, &d->ovs_async);
    ev_signal_stop(d->loop, &d->sigint);
    ev_signal_stop(d->loop, &d->sigterm);
}

/* TLS and auth settings to the etcd client; "etcd-user" is NAME or
 * NAME:PASSWORD, as etcdctl's --user. */
static void set_etcd_security(struct etcd_client *etcd,
                              const struct fs_config *cfg)
{
    char *user = nullable_xstrdup(cfg->etcd_user);
    char *colon = user ? strchr(user, ':') : NULL;
    if (colon) {
        *colon = '\0';
    }
    struct etcd_security sec = {
        .cacert = cfg->etcd_cacert,
        .cert = cfg->etcd_cert,
        .key = cfg->etcd_key,
        .user = user,
        .password = colon ? colon + 1 : NULL,
    };
    etcd_client_set_security(etcd, &sec);
    free(user);
}

int fs_daemon_run(struct ev_loop *loop, const struct fs_config *cfg)
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
    set_etcd_security(d.etcd, cfg);
    d.alloc =
        (struct fs_alloc){.etcd = d.etcd, .retry = alloc_retry, .aux = &d};
    struct fs_ovs_config ovs_cfg = {
        .ovsdb = cfg->ovsdb,
        .bridge = cfg->bridge,
        .openflow = cfg->openflow,
    };
    d.ovs = fs_ovs_start(&ovs_cfg, ovs_notify, &d);
    etcd_watch_prefix(d.etcd, FS_PREFIX, &watch_handlers, &d);
    VLOG_INFO("flowsteerd on node %s: etcd %s, OVSDB %s, bridge %s", cfg->node,
              cfg->etcd, cfg->ovsdb, cfg->bridge);

    ev_run(loop, 0);
    daemon_destroy(&d);
    return 0;
}

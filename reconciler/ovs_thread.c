/* The OVS thread: see reconciler/ovs.h.  One loop under libopenvswitch's
 * poll_block(): the OVSDB IDL gives local facts, the OpenFlow connection
 * installs desired sets.  Shared with the main thread: only 'hand', under
 * 'mutex'. */
#include "reconciler/ovs.h"

#include <errno.h>
#include <string.h>

#include "bitmap.h"
#include "latch.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "ovsdb-idl.h"
#include "random.h"
#include "reconciler/backoff.h"
#include "reconciler/facts.h"
#include "reconciler/flowdiff.h"
#include "reconciler/ofbridge.h"
#include "reconciler/rows.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovs);

/* How often to re-read what is installed, to notice and repair drift. */
#define DRIFT_CHECK_MS 60000
/* Backoff between OpenFlow connection attempts: from the first to the
 * last, doubling, with jitter (a random 50..100% of it).  Back to the first
 * once a connection worked, and as soon as the OVSDB shows a change (ovs-
 * vswitchd writes ofports and status when it starts): a vswitchd that
 * comes back is reconnected to at once. */
#define RECONNECT_FIRST_MS 50
#define RECONNECT_MAX_MS 1000
/* Backoff after a failed apply (bundle or OVSDB transaction): doubles from
 * the first to the last, with jitter (a random 50..100% of it). */
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 10000

struct fs_ovs {
    char *ovsdb, *bridge, *openflow;
    void (*notify)(void *aux);
    void *aux;
    pthread_t thread;
    struct latch wake, exit;

    struct ovs_mutex mutex;
    struct {
        struct fs_desired *desired; /* Posted, not yet taken. */
        struct fs_local_facts facts;
        bool facts_new;
        struct fs_ovs_result result;
        bool result_new;
    } hand OVS_GUARDED;
    /* For fs_ovs_take_waiting(). */
    char *waiting OVS_GUARDED;
    bool waiting_new OVS_GUARDED;
};

/* State only the OVS thread touches. */
struct ovs_side {
    struct ovsdb_idl *idl;
    unsigned int idl_seqno;
    bool facts_sent;
    struct fs_local_facts facts;
    struct vconn *vconn; /* NULL, connecting or connected. */
    bool connected;      /* OpenFlow hello exchanged on 'vconn'. */
    long long connect_deadline, next_connect, next_drift_check;
    int reconnect_ms;           /* Last backoff; 0 after a connection worked. */
    char *of_error;             /* OpenFlow problem last reported; NULL while
                                 * the connection works. */
    struct fs_desired *current; /* Last posted desired set. */
    struct fs_of_state installed, desired;
    struct fs_of_state foreign; /* Other owners' flows in the tables where
                                 * the apply in progress adds flows. */
    bool installed_known;       /* 'installed' mirrors the switch. */
    bool apply_needed;

    /* The OVSDB transaction of the apply in progress, and its result to be
     * posted when the transaction completes. */
    struct ovsdb_idl_txn *txn;
    long long txn_deadline;
    struct fs_ovs_result pending;

    /* Retry with backoff after a failed apply (reconciler/backoff.h). */
    struct fs_backoff retry;

    char *waiting; /* As last reported (fs_ovs_take_waiting()). */
};

static char *default_openflow(const char *ovsdb, const char *bridge)
{
    const char *path = !strncmp(ovsdb, "unix:", 5) ? ovsdb + 5 : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash) {
        return xasprintf("unix:/var/run/openvswitch/%s.mgmt", bridge);
    }
    return xasprintf("unix:%.*s/%s.mgmt", (int)(slash - path), path, bridge);
}

static void idl_setup(struct ovs_side *side, const char *remote)
{
    side->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    /* Unix sockets are not probed by default: a frozen ovsdb-server would
     * never be noticed. */
    ovsdb_idl_set_probe_interval(side->idl, FS_OVS_TIMEOUT_MS);
    fs_facts_idl_setup(side->idl);
}

static void run_idl(struct fs_ovs *ovs, struct ovs_side *side)
{
    ovsdb_idl_run(side->idl);
    unsigned int seqno = ovsdb_idl_get_seqno(side->idl);
    if (seqno != side->idl_seqno && !side->vconn && side->reconnect_ms) {
        /* Perhaps ovs-vswitchd is back: try now. */
        side->reconnect_ms = 0;
        side->next_connect = time_msec();
    }
    if (!ovsdb_idl_has_ever_connected(side->idl) ||
        (seqno == side->idl_seqno && side->facts_sent)) {
        return;
    }
    side->idl_seqno = seqno;
    struct fs_local_facts facts;
    fs_local_facts_init(&facts);
    fs_facts_read(side->idl, ovs->bridge, &facts);
    if (!side->facts_sent || !fs_local_facts_equal(&facts, &side->facts)) {
        facts.generation = side->facts.generation + 1;
        fs_local_facts_clone(&side->facts, &facts);
        side->facts_sent = true;
        ovs_mutex_lock(&ovs->mutex);
        fs_local_facts_clone(&ovs->hand.facts, &facts);
        ovs->hand.facts_new = true;
        ovs_mutex_unlock(&ovs->mutex);
        ovs->notify(ovs->aux);
    }
    fs_local_facts_destroy(&facts);
}

static void post_result(struct fs_ovs *ovs, struct fs_ovs_result *r)
{
    ovs_mutex_lock(&ovs->mutex);
    free(ovs->hand.result.error);
    fs_errors_destroy(&ovs->hand.result.row_errors);
    ovs->hand.result = *r;
    ovs->hand.result_new = true;
    ovs_mutex_unlock(&ovs->mutex);
    ovs->notify(ovs->aux);
}

/* The last error result for the current desired set, while OpenFlow does
 * not work: status must not show a stale success. */
static void post_of_error(struct fs_ovs *ovs, struct ovs_side *side)
{
    if (!side->current || !side->of_error) {
        return;
    }
    struct fs_ovs_result r = {
        .revision = side->current->revision,
        .error = xstrdup(side->of_error),
        .row_errors = FS_ERRORS_INITIALIZER,
        .n_flows = hmap_count(&side->installed.flows),
        .n_groups = hmap_count(&side->installed.groups),
    };
    post_result(ovs, &r);
}

/* What status and the log say about an OpenFlow transport error. */
static char *of_error_text(const struct fs_ovs *ovs, int error)
{
    if (error == ETIMEDOUT) {
        return xasprintf("OpenFlow: no reply from %s within %d s",
                         ovs->openflow, FS_OVS_TIMEOUT_MS / 1000);
    } else if (error == EOF) {
        return xasprintf("OpenFlow: %s: connection closed by the switch",
                         ovs->openflow);
    }
    return xasprintf("OpenFlow: %s: %s", ovs->openflow,
                     ovs_retval_to_string(error));
}

/* Closes the OpenFlow connection (or the attempt) because of 'why' (owned)
 * and schedules the next attempt.  Logs, and posts an error result if
 * 'post', only when 'why' differs from the problem last reported. */
static void drop_connection(struct fs_ovs *ovs, struct ovs_side *side,
                            char *why, bool post)
{
    if (side->connected) {
        side->reconnect_ms = RECONNECT_FIRST_MS;
    } else {
        side->reconnect_ms = side->reconnect_ms
                                 ? MIN(side->reconnect_ms * 2, RECONNECT_MAX_MS)
                                 : RECONNECT_FIRST_MS;
    }
    vconn_close(side->vconn);
    side->vconn = NULL;
    side->connected = false;
    side->installed_known = false;
    side->apply_needed = side->current != NULL;
    int delay =
        side->reconnect_ms / 2 + random_range(side->reconnect_ms / 2 + 1);
    side->next_connect = time_msec() + delay;
    if (side->of_error && !strcmp(side->of_error, why)) {
        free(why);
        return;
    }
    VLOG_WARN("%s; reconnecting with backoff", why);
    free(side->of_error);
    side->of_error = why;
    if (post) {
        post_of_error(ovs, side);
    }
}

/* Opens and completes the OpenFlow connection without blocking: the hello
 * exchange must be done within FS_OVS_TIMEOUT_MS. */
static void connect_bridge(struct fs_ovs *ovs, struct ovs_side *side)
{
    if (side->connected) {
        return;
    } else if (!side->vconn) {
        if (time_msec() < side->next_connect) {
            return;
        }
        int error = fs_ofbridge_open(ovs->openflow, &side->vconn);
        if (error) {
            drop_connection(ovs, side,
                            xasprintf("OpenFlow: cannot connect to %s (%s); "
                                      "is bridge %s there?",
                                      ovs->openflow,
                                      ovs_retval_to_string(error), ovs->bridge),
                            true);
            return;
        }
        side->connect_deadline = time_msec() + FS_OVS_TIMEOUT_MS;
    }
    vconn_run(side->vconn);
    int error = vconn_connect(side->vconn);
    if (error == EAGAIN && time_msec() >= side->connect_deadline) {
        error = ETIMEDOUT;
    }
    if (error == EAGAIN) {
        return;
    } else if (error) {
        drop_connection(ovs, side, of_error_text(ovs, error), true);
        return;
    }
    if (side->of_error) {
        VLOG_INFO("connected to %s again (OpenFlow 1.5)", ovs->openflow);
    } else {
        VLOG_INFO("connected to %s (OpenFlow 1.5)", ovs->openflow);
    }
    free(side->of_error);
    side->of_error = NULL;
    side->connected = true;
    side->reconnect_ms = 0;
    fs_backoff_retry_now(&side->retry); /* A new connection: apply now. */
    side->installed_known = false;
    side->apply_needed = side->current != NULL;
}

static struct fs_of_io of_io(struct fs_ovs *ovs, struct ovs_side *side)
{
    return (struct fs_of_io){
        .vconn = side->vconn,
        .timeout_ms = FS_OVS_TIMEOUT_MS,
        .cancel = &ovs->exit,
    };
}

/* After a failed apply: try again after a capped, jittered backoff; logs
 * only the change from working to failing. */
static void retry_later(struct ovs_side *side, const char *error)
{
    if (!fs_backoff_failing(&side->retry)) {
        VLOG_WARN("apply failed (%s); retrying with backoff", error);
    }
    fs_backoff_failed(&side->retry, time_msec());
    side->apply_needed = true;
}

static void apply_succeeded(struct ovs_side *side)
{
    if (fs_backoff_succeeded(&side->retry)) {
        VLOG_INFO("apply works again");
    }
}

/* Posts the pending result once the OVSDB transaction (if any) is done. */
static void finish_apply(struct fs_ovs *ovs, struct ovs_side *side,
                         enum ovsdb_idl_txn_status status)
{
    struct fs_ovs_result *r = &side->pending;
    if (status == TXN_SUCCESS) {
        r->ovsdb_txns = 1;
    } else if (status != TXN_UNCHANGED && status != TXN_UNCOMMITTED) {
        const char *why = status == TXN_ERROR && side->txn
                              ? ovsdb_idl_txn_get_error(side->txn)
                              : ovsdb_idl_txn_status_to_string(status);
        r->ok = false;
        free(r->error);
        r->error = xasprintf("OVSDB transaction failed: %s", why);
    }
    if (side->txn) {
        ovsdb_idl_txn_destroy(side->txn);
        side->txn = NULL;
    }
    r->apply_ms = time_msec() - r->apply_ms;
    if (r->ok) {
        apply_succeeded(side);
    } else {
        retry_later(side, r->error);
    }
    VLOG_DBG("revision %" PRId64 ": %zu flow mods, %zu group mods, %zu row "
             "changes%s%s",
             r->revision, r->flow_mods, r->group_mods, r->row_changes,
             r->error ? ": " : "", r->error ? r->error : "");
    post_result(ovs, r);
    *r = (struct fs_ovs_result){.row_errors = FS_ERRORS_INITIALIZER};
}

/* Learns the other owners' flows in the tables where 'desired' adds flows
 * (fresh for each apply: another controller may have added one since). */
static int dump_foreign(const struct fs_of_io *io, struct ovs_side *side)
{
    unsigned long tables[BITMAP_N_LONGS(256)];
    fs_of_state_clear(&side->foreign);
    if (!fs_of_new_flow_tables(&side->installed, &side->desired, tables)) {
        return 0;
    }
    size_t t;
    BITMAP_FOR_EACH_1(t, 256, tables)
    {
        int error = fs_ofbridge_dump_foreign(io, t, &side->foreign);
        if (error) {
            return error;
        }
    }
    return 0;
}

/* Flows and groups: diff against the switch, one bundle.  Returns false
 * (with r->error set) if the switch did not take it; a transport error
 * (no reply in time...) also drops the connection. */
static bool apply_flows(struct fs_ovs *ovs, struct ovs_side *side,
                        struct fs_ovs_result *r)
{
    struct fs_of_io io = of_io(ovs, side);
    int error = 0;
    if (!side->installed_known) {
        error = fs_ofbridge_dump(&io, &side->installed);
        side->installed_known = !error;
    }
    char *bad = fs_of_state_from_desired(&side->desired, side->current);
    error = error ? error : dump_foreign(&io, side);
    struct fs_of_changes ch;
    fs_of_diff(&side->installed, &side->desired, error ? NULL : &side->foreign,
               &ch);
    for (size_t i = 0; i < ch.n_conflicts; i++) {
        fs_errors_add(&r->row_errors, ch.conflicts[i].key, "$",
                      "a flow of another controller (cookie 0x%" PRIx64
                      ") holds this match; left alone",
                      ch.conflicts[i].foreign_cookie);
    }
    char *rejected = NULL;
    if (!error && (ch.flow_mods || ch.group_mods)) {
        error = fs_ofbridge_apply(&io, &ch, &rejected);
        r->flow_mods = ch.flow_mods;
        r->group_mods = ch.group_mods;
    }
    if (!error) {
        fs_of_state_swap(&side->installed, &side->desired);
        for (size_t i = 0; i < ch.n_conflicts; i++) {
            const struct fs_of_conflict *c = &ch.conflicts[i];
            fs_of_state_remove_flow(&side->installed, c->table_id, c->priority,
                                    &c->match);
        }
        r->error = bad;
    } else {
        /* Nothing was committed: re-read before the next try. */
        side->installed_known = false;
        free(bad);
        if (rejected) {
            r->error = rejected;
        } else if (error == ECANCELED) {
            r->error = xstrdup("stopping");
        } else {
            r->error = of_error_text(ovs, error);
            drop_connection(ovs, side, xstrdup(r->error), false);
        }
    }
    fs_of_changes_destroy(&ch);
    r->n_flows = hmap_count(&side->installed.flows);
    r->n_groups = hmap_count(&side->installed.groups);
    return !error;
}

/* Applies the current desired set: flows first (they never point at a
 * port that does not exist yet, and stop pointing at ports about to go),
 * then the OVSDB rows in one transaction.  A set rendered from facts older
 * than the ones this thread has seen is not applied: the main thread has
 * the newer facts and renders again. */
static void apply(struct fs_ovs *ovs, struct ovs_side *side)
{
    side->apply_needed = false;
    if (side->current->facts_generation < side->facts.generation) {
        VLOG_DBG("revision %" PRId64 " was rendered from facts generation "
                 "%" PRIu64 " < %" PRIu64 ": waiting for a new render",
                 side->current->revision, side->current->facts_generation,
                 side->facts.generation);
        return;
    }
    struct fs_ovs_result *r = &side->pending;
    *r = (struct fs_ovs_result){.revision = side->current->revision,
                                .apply_ms = time_msec(),
                                .row_errors = FS_ERRORS_INITIALIZER};
    if (!apply_flows(ovs, side, r)) {
        if (latch_is_set(&ovs->exit)) {
            /* Interrupted by fs_ovs_stop(): nobody reads results now. */
            free(r->error);
            fs_errors_destroy(&r->row_errors);
            *r = (struct fs_ovs_result){.row_errors = FS_ERRORS_INITIALIZER};
            return;
        }
        finish_apply(ovs, side, TXN_UNCOMMITTED);
        return;
    }
    r->ok = !r->error;
    struct fs_rows_plan plan;
    side->txn = fs_rows_plan(side->idl, side->current, ovs->bridge, &plan);
    r->row_changes = plan.n_creates + plan.n_updates + plan.n_deletes;
    r->waiting = side->current->n_waiting > plan.n_blocked_int;
    fs_errors_extend(&r->row_errors, &plan.errors);
    fs_errors_destroy(&plan.errors);
    if (side->txn) {
        side->txn_deadline = time_msec() + FS_OVS_TIMEOUT_MS;
        enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(side->txn);
        if (status != TXN_INCOMPLETE) {
            finish_apply(ovs, side, status);
        }
    } else {
        finish_apply(ovs, side, TXN_UNCHANGED);
    }
}

/* Drives an OVSDB transaction in progress; gives it up (it is forgotten:
 * whatever the server makes of it comes back through the IDL, and the next
 * apply plans from that) if it is not done in time. */
static void run_txn(struct fs_ovs *ovs, struct ovs_side *side)
{
    if (side->txn) {
        enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(side->txn);
        if (status != TXN_INCOMPLETE) {
            finish_apply(ovs, side, status);
        } else if (time_msec() >= side->txn_deadline) {
            struct fs_ovs_result *r = &side->pending;
            r->ok = false;
            free(r->error);
            r->error = xasprintf("OVSDB: no reply from %s within %d s; "
                                 "transaction abandoned",
                                 ovs->ovsdb, FS_OVS_TIMEOUT_MS / 1000);
            finish_apply(ovs, side, TXN_UNCOMMITTED);
        }
    }
}

static void take_desired(struct fs_ovs *ovs, struct ovs_side *side)
{
    ovs_mutex_lock(&ovs->mutex);
    struct fs_desired *d = ovs->hand.desired;
    ovs->hand.desired = NULL;
    ovs_mutex_unlock(&ovs->mutex);
    if (d) {
        fs_desired_destroy(side->current);
        side->current = d;
        side->apply_needed = true;
        if (!side->connected) {
            post_of_error(ovs, side);
        }
    }
}

/* Reports what the thread waits for (see fs_ovs_take_waiting()) when that
 * changed. */
static void report_waiting(struct fs_ovs *ovs, struct ovs_side *side)
{
    int db_error = ovsdb_idl_is_connected(side->idl)
                       ? 0
                       : ovsdb_idl_get_last_error(side->idl);
    char *w = db_error ? xasprintf("OVSDB %s: %s", ovs->ovsdb,
                                   ovs_retval_to_string(db_error))
              : !side->connected && side->of_error ? xstrdup(side->of_error)
                                                   : NULL;
    if (nullable_string_is_equal(w, side->waiting)) {
        free(w);
        return;
    }
    free(side->waiting);
    side->waiting = w;
    ovs_mutex_lock(&ovs->mutex);
    free(ovs->waiting);
    ovs->waiting = nullable_xstrdup(w);
    ovs->waiting_new = true;
    ovs_mutex_unlock(&ovs->mutex);
    ovs->notify(ovs->aux);
}

static void run_once(struct fs_ovs *ovs, struct ovs_side *side)
{
    run_idl(ovs, side);
    latch_poll(&ovs->wake);
    take_desired(ovs, side);
    connect_bridge(ovs, side);
    if (side->connected) {
        int error = fs_ofbridge_run(side->vconn);
        if (error) {
            drop_connection(ovs, side, of_error_text(ovs, error), true);
        }
    }
    if (side->connected && time_msec() >= side->next_drift_check) {
        side->installed_known = false;
        side->apply_needed = side->current != NULL;
        side->next_drift_check = time_msec() + DRIFT_CHECK_MS;
    }
    run_txn(ovs, side);
    if (side->connected && side->apply_needed && side->current && !side->txn &&
        ovsdb_idl_is_connected(side->idl) &&
        fs_backoff_ready(&side->retry, time_msec())) {
        apply(ovs, side);
    }
    report_waiting(ovs, side);
}

static void wait_once(struct fs_ovs *ovs, struct ovs_side *side)
{
    ovsdb_idl_wait(side->idl);
    if (side->txn) {
        ovsdb_idl_txn_wait(side->txn);
        poll_timer_wait_until(side->txn_deadline);
    }
    latch_wait(&ovs->wake);
    latch_wait(&ovs->exit);
    if (side->vconn && !side->connected) {
        vconn_run_wait(side->vconn);
        vconn_connect_wait(side->vconn);
        poll_timer_wait_until(side->connect_deadline);
    } else if (side->connected) {
        vconn_run_wait(side->vconn);
        vconn_recv_wait(side->vconn);
        poll_timer_wait_until(side->next_drift_check);
        if (side->apply_needed) {
            poll_timer_wait_until(side->retry.next_ms);
        }
    } else {
        poll_timer_wait_until(side->next_connect);
    }
}

static void *ovs_main(void *ovs_)
{
    struct fs_ovs *ovs = ovs_;
    struct ovs_side side = {
        .next_drift_check = time_msec() + DRIFT_CHECK_MS,
        .retry = FS_BACKOFF_INIT(RETRY_FIRST_MS, RETRY_MAX_MS),
    };
    fs_local_facts_init(&side.facts);
    fs_of_state_init(&side.installed);
    fs_of_state_init(&side.desired);
    fs_of_state_init(&side.foreign);
    idl_setup(&side, ovs->ovsdb);
    while (!latch_is_set(&ovs->exit)) {
        run_once(ovs, &side);
        wait_once(ovs, &side);
        poll_block();
    }
    vconn_close(side.vconn);
    if (side.txn) {
        ovsdb_idl_txn_destroy(side.txn);
    }
    free(side.pending.error);
    fs_errors_destroy(&side.pending.row_errors);
    ovsdb_idl_destroy(side.idl);
    fs_desired_destroy(side.current);
    fs_of_state_destroy(&side.installed);
    fs_of_state_destroy(&side.desired);
    fs_of_state_destroy(&side.foreign);
    fs_local_facts_destroy(&side.facts);
    free(side.waiting);
    free(side.of_error);
    return NULL;
}

struct fs_ovs *fs_ovs_start(const struct fs_ovs_config *cfg,
                            void (*notify)(void *), void *aux)
{
    struct fs_ovs *ovs = xzalloc(sizeof *ovs);
    ovs->ovsdb = xstrdup(cfg->ovsdb);
    ovs->bridge = xstrdup(cfg->bridge);
    ovs->openflow = cfg->openflow ? xstrdup(cfg->openflow)
                                  : default_openflow(cfg->ovsdb, cfg->bridge);
    ovs->notify = notify;
    ovs->aux = aux;
    latch_init(&ovs->wake);
    latch_init(&ovs->exit);
    ovs_mutex_init(&ovs->mutex);
    fs_local_facts_init(&ovs->hand.facts);
    ovs->thread = ovs_thread_create("ovs", ovs_main, ovs);
    return ovs;
}

void fs_ovs_post_desired(struct fs_ovs *ovs, struct fs_desired *desired)
{
    ovs_mutex_lock(&ovs->mutex);
    fs_desired_destroy(ovs->hand.desired);
    ovs->hand.desired = desired;
    ovs_mutex_unlock(&ovs->mutex);
    latch_set(&ovs->wake);
}

bool fs_ovs_take_facts(struct fs_ovs *ovs, struct fs_local_facts *facts)
{
    ovs_mutex_lock(&ovs->mutex);
    bool changed = ovs->hand.facts_new;
    if (changed) {
        fs_local_facts_clone(facts, &ovs->hand.facts);
        ovs->hand.facts_new = false;
    }
    ovs_mutex_unlock(&ovs->mutex);
    return changed;
}

bool fs_ovs_take_result(struct fs_ovs *ovs, struct fs_ovs_result *result)
{
    ovs_mutex_lock(&ovs->mutex);
    bool any = ovs->hand.result_new;
    if (any) {
        *result = ovs->hand.result;
        ovs->hand.result.error = NULL;
        ovs->hand.result.row_errors = (struct fs_errors)FS_ERRORS_INITIALIZER;
        ovs->hand.result_new = false;
    }
    ovs_mutex_unlock(&ovs->mutex);
    return any;
}

bool fs_ovs_take_waiting(struct fs_ovs *ovs, char **waiting)
{
    ovs_mutex_lock(&ovs->mutex);
    bool changed = ovs->waiting_new;
    if (changed) {
        *waiting = ovs->waiting;
        ovs->waiting = NULL;
        ovs->waiting_new = false;
    }
    ovs_mutex_unlock(&ovs->mutex);
    return changed;
}

void fs_ovs_stop(struct fs_ovs *ovs)
{
    if (!ovs) {
        return;
    }
    latch_set(&ovs->exit);
    xpthread_join(ovs->thread, NULL);
    latch_destroy(&ovs->wake);
    latch_destroy(&ovs->exit);
    ovs_mutex_destroy(&ovs->mutex);
    fs_desired_destroy(ovs->hand.desired);
    fs_local_facts_destroy(&ovs->hand.facts);
    free(ovs->hand.result.error);
    fs_errors_destroy(&ovs->hand.result.row_errors);
    free(ovs->waiting);
    free(ovs->ovsdb);
    free(ovs->bridge);
    free(ovs->openflow);
    free(ovs);
}

/* The OVS thread: see reconciler/ovs.h.  One loop under libopenvswitch's
 * poll_block(): the OVSDB IDL gives local facts, the OpenFlow connection
 * installs desired sets.  Shared with the main thread: only 'hand', under
 * 'mutex'. */
#include "reconciler/ovs.h"

#include <errno.h>
#include <string.h>

#include "latch.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "ovsdb-idl.h"
#include "random.h"
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
/* Retry interval for a lost OpenFlow connection. */
#define RECONNECT_MS 1000
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
    struct vconn *vconn;
    long long next_connect, next_drift_check;
    struct fs_desired *current; /* Last posted desired set. */
    struct fs_of_state installed, desired;
    bool installed_known; /* 'installed' mirrors the switch. */
    bool apply_needed;

    /* The OVSDB transaction of the apply in progress, and its result to be
     * posted when the transaction completes. */
    struct ovsdb_idl_txn *txn;
    struct fs_ovs_result pending;

    /* Retry with backoff after a failed apply. */
    long long next_retry;
    int retry_ms; /* 0 while applies succeed. */

    int connect_error; /* Of the last OpenFlow connection attempt. */
    char *waiting;     /* As last reported (fs_ovs_take_waiting()). */
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
    fs_facts_idl_setup(side->idl);
}

static void run_idl(struct fs_ovs *ovs, struct ovs_side *side)
{
    ovsdb_idl_run(side->idl);
    unsigned int seqno = ovsdb_idl_get_seqno(side->idl);
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

static void disconnect(struct ovs_side *side, const char *why)
{
    VLOG_WARN("OpenFlow connection to the bridge lost (%s); reconnecting", why);
    vconn_close(side->vconn);
    side->vconn = NULL;
    side->installed_known = false;
    side->apply_needed = side->current != NULL;
    side->next_connect = time_msec() + RECONNECT_MS;
}

static struct vlog_rate_limit connect_rl = VLOG_RATE_LIMIT_INIT(1, 10);

static void connect_bridge(struct fs_ovs *ovs, struct ovs_side *side)
{
    if (side->vconn || time_msec() < side->next_connect) {
        return;
    }
    int error = fs_ofbridge_open(ovs->openflow, 2000, &side->vconn);
    side->connect_error = error;
    if (error) {
        VLOG_WARN_RL(&connect_rl,
                     "%s: cannot connect (%s); is bridge %s there?",
                     ovs->openflow, ovs_retval_to_string(error), ovs->bridge);
        side->next_connect = time_msec() + RECONNECT_MS;
        return;
    }
    VLOG_INFO("connected to %s (OpenFlow 1.5)", ovs->openflow);
    side->installed_known = false;
    side->apply_needed = side->current != NULL;
}

/* After a failed apply: try again after a capped, jittered backoff; logs
 * only the change from working to failing. */
static void retry_later(struct ovs_side *side, const char *error)
{
    if (!side->retry_ms) {
        VLOG_WARN("apply failed (%s); retrying with backoff", error);
    }
    side->retry_ms =
        side->retry_ms ? MIN(side->retry_ms * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
    int delay = side->retry_ms / 2 + random_range(side->retry_ms / 2 + 1);
    side->next_retry = time_msec() + delay;
    side->apply_needed = true;
}

static void apply_succeeded(struct ovs_side *side)
{
    if (side->retry_ms) {
        VLOG_INFO("apply works again");
    }
    side->retry_ms = 0;
    side->next_retry = 0;
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

/* Flows and groups: diff against the switch, one bundle.  Returns false
 * (with r->error set) if the switch did not take it. */
static bool apply_flows(struct ovs_side *side, struct fs_ovs_result *r)
{
    if (!side->installed_known) {
        int error = fs_ofbridge_dump(side->vconn, &side->installed);
        if (error) {
            r->error =
                xasprintf("dumping flows: %s", ovs_retval_to_string(error));
            disconnect(side, ovs_retval_to_string(error));
            return false;
        }
        side->installed_known = true;
    }
    char *bad = fs_of_state_from_desired(&side->desired, side->current);
    struct fs_of_changes ch;
    fs_of_diff(&side->installed, &side->desired, &ch);
    r->flow_mods = ch.flow_mods;
    r->group_mods = ch.group_mods;
    char *failed = ch.flow_mods || ch.group_mods
                       ? fs_ofbridge_apply(side->vconn, &ch)
                       : NULL;
    fs_of_changes_destroy(&ch);
    if (failed) {
        /* The bundle was not committed: re-read before the next try. */
        side->installed_known = false;
        r->error = failed;
        free(bad);
    } else {
        fs_of_state_swap(&side->installed, &side->desired);
        r->error = bad;
    }
    r->n_flows = hmap_count(&side->installed.flows);
    r->n_groups = hmap_count(&side->installed.groups);
    return !failed;
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
    if (!apply_flows(side, r)) {
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
        enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(side->txn);
        if (status != TXN_INCOMPLETE) {
            finish_apply(ovs, side, status);
        }
    } else {
        finish_apply(ovs, side, TXN_UNCHANGED);
    }
}

/* Drives an OVSDB transaction in progress. */
static void run_txn(struct fs_ovs *ovs, struct ovs_side *side)
{
    if (side->txn) {
        enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(side->txn);
        if (status != TXN_INCOMPLETE) {
            finish_apply(ovs, side, status);
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
              : !side->vconn && side->connect_error
                  ? xasprintf("OpenFlow %s: %s", ovs->openflow,
                              ovs_retval_to_string(side->connect_error))
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
    if (side->vconn) {
        int error = fs_ofbridge_run(side->vconn);
        if (error) {
            disconnect(side, error == EOF ? "closed by the switch"
                                          : ovs_retval_to_string(error));
        }
    }
    if (side->vconn && time_msec() >= side->next_drift_check) {
        side->installed_known = false;
        side->apply_needed = side->current != NULL;
        side->next_drift_check = time_msec() + DRIFT_CHECK_MS;
    }
    run_txn(ovs, side);
    if (side->vconn && side->apply_needed && side->current && !side->txn &&
        ovsdb_idl_is_connected(side->idl) && time_msec() >= side->next_retry) {
        apply(ovs, side);
    }
    report_waiting(ovs, side);
}

static void wait_once(struct fs_ovs *ovs, struct ovs_side *side)
{
    ovsdb_idl_wait(side->idl);
    if (side->txn) {
        ovsdb_idl_txn_wait(side->txn);
    }
    latch_wait(&ovs->wake);
    latch_wait(&ovs->exit);
    if (side->vconn) {
        vconn_run_wait(side->vconn);
        vconn_recv_wait(side->vconn);
        poll_timer_wait_until(side->next_drift_check);
        if (side->apply_needed) {
            poll_timer_wait_until(side->next_retry);
        }
    } else {
        poll_timer_wait_until(side->next_connect);
    }
}

static void *ovs_main(void *ovs_)
{
    struct fs_ovs *ovs = ovs_;
    struct ovs_side side = {.next_drift_check = time_msec() + DRIFT_CHECK_MS};
    fs_local_facts_init(&side.facts);
    fs_of_state_init(&side.installed);
    fs_of_state_init(&side.desired);
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
    fs_local_facts_destroy(&side.facts);
    free(side.waiting);
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

/* The OVS thread: see reconciler/ovs/ovs.h.  One loop under libopenvswitch's
 * poll_block(): the OVSDB IDL gives local facts, the OpenFlow connection
 * installs desired sets.  Shared with the main thread: only 'hand', under
 * 'mutex'. */
#include "reconciler/ovs/ovs.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>

#include "bitmap.h"
#include "latch.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "ovsdb-idl.h"
#include "reconciler/ovs/facts.h"
#include "reconciler/ovs/flowtable.h"
#include "reconciler/ovs/installed.h"
#include "reconciler/ovs/ofbridge.h"
#include "reconciler/ovs/pinctrl.h"
#include "reconciler/ovs/rows.h"
#include "render/punt.h"
#include "store/backoff.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovs);

/* Messages read from the switch per loop iteration at most (the initial
 * read of 100k flows is spread over iterations). */
#define READ_BATCH 50
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
/* A full delta with at least one flow on a table with nothing of ours (a
 * cold start) is streamed: its bundle goes out while the flows go into the
 * table (stream_delta()).  A small one gains nothing, but takes the same
 * path as a big one (every cold start in the integration tests exercises
 * it). */
#define STREAM_MIN_FLOWS 1
/* Flows inserted between two sends: small, so that ovs-vswitchd never
 * waits for a whole chunk to be encoded. */
#define STREAM_SEND_EVERY 64

struct fs_ovs {
    char *ovsdb, *bridge, *openflow;
    struct fs_pinctrl *pinctrl; /* The local controller's own thread. */
    int audit_interval_ms;
    void (*notify)(void *aux);
    void *aux;
    pthread_t thread;
    struct latch wake, exit;

    struct ovs_mutex mutex;
    struct {
        struct ovs_list deltas; /* Posted, not yet taken: struct
                                 * fs_desired_delta via 'list_node'. */
        struct fs_local_facts facts;
        bool facts_new;
        struct fs_ovs_result result;
        bool result_new;
    } hand OVS_GUARDED;
    /* For fs_ovs_take_waiting(). */
    char *waiting OVS_GUARDED;
    bool waiting_new OVS_GUARDED;
    /* For fs_ovs_take_counters(). */
    struct fs_ovs_counters counters OVS_GUARDED;
    bool counters_new OVS_GUARDED;
};

/* The OpenFlow connection to the bridge. */
enum of_state {
    OF_DOWN,       /* No connection: the next attempt at 'next_connect'. */
    OF_CONNECTING, /* 'vconn' open, the hello exchange under way. */
    OF_CONNECTED,  /* Hello exchanged: requests and bundles go out. */
};

/* State only the OVS thread touches. */
struct ovs_side {
    struct ovsdb_idl *idl;
    unsigned int idl_seqno;
    bool facts_sent;
    struct fs_local_facts facts;
    struct vconn *vconn; /* NULL when OF_DOWN. */
    enum of_state of;
    long long connect_deadline, next_connect, next_audit;
    int audit_interval_ms; /* 0: never. */
    char *of_error;        /* OpenFlow problem last reported; NULL while
                            * the connection works. */
    /* The OVSDB rows, revision and facts generation of the last delta
     * taken (no flows: they are in 'table'); NULL before the first. */
    struct fs_desired *current;
    char *delta_error; /* Groups of the deltas that did not parse. */
    struct fs_flowtable table;
    struct fs_reads reads;       /* Requests in flight on 'vconn'. */
    struct ovs_list unsolicited; /* Received, not processed yet. */
    /* The punt meters the flows use (render/punt.h: bit n for meter
     * FS_PUNT_METER_BASE | n), added on each connection and as they come:
     * never deleted (at most one per ofport). */
    unsigned long *meters;
    bool apply_needed;
    bool apply_again; /* A bundle was refused for flows now left out: send
                       * the rest at once, without backoff. */
    /* A cold start's bundle, sent while its delta was taken
     * (stream_delta()): what the switch made of it, for the apply that
     * follows at once. */
    struct {
        bool valid;
        int error;
        char *rejected;
        long long start_ms; /* When the delta began to be taken. */
        struct fs_of_changes ch;
    } streamed;

    /* The last row plan that found nothing to change, kept while neither
     * the OVSDB (the IDL's seqno) nor the desired rows change: an apply
     * then does not plan again (fs_rows_plan() indexes every port and
     * bridge of the switch). */
    struct {
        bool valid;
        unsigned int seqno;
        size_t n_blocked_int;
        struct fs_errors errors;
    } settled;

    /* The OVSDB transaction of the apply in progress, and its result to be
     * posted when the transaction completes. */
    struct ovsdb_idl_txn *txn;
    long long txn_deadline;
    struct ds txn_changes; /* What 'txn' changes (fs_rows_plan()), logged
                            * once it commits. */
    struct fs_ovs_result pending;

    /* Between OpenFlow connection attempts (store/backoff.h); reset once
     * a connection worked. */
    struct fs_backoff reconnect;
    /* Retry with backoff after a failed apply (store/backoff.h). */
    struct fs_backoff retry;
    /* Flows the switch refused are tried again with this backoff while
     * everything else is installed without them. */
    struct fs_backoff refused_retry;

    char *waiting; /* As last reported (fs_ovs_take_waiting()). */

    /* Metrics (fs_ovs_take_counters()): as counted, as last published;
     * whether OpenFlow and the OVSDB ever worked, and the IDL's state. */
    struct fs_ovs_counters counters, published;
    bool of_worked, db_worked, db_connected;
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

/* Counts the OVSDB connection coming back after it worked once. */
static void count_db_reconnect(struct ovs_side *side)
{
    bool connected = ovsdb_idl_is_connected(side->idl);
    if (connected && !side->db_connected) {
        side->counters.reconnects += side->db_worked;
        side->db_worked = true;
    }
    side->db_connected = connected;
}

static void run_idl(struct fs_ovs *ovs, struct ovs_side *side)
{
    ovsdb_idl_run(side->idl);
    count_db_reconnect(side);
    unsigned int seqno = ovsdb_idl_get_seqno(side->idl);
    if (seqno != side->idl_seqno && !side->vconn &&
        fs_backoff_failing(&side->reconnect)) {
        /* Perhaps ovs-vswitchd is back: try now. */
        fs_backoff_succeeded(&side->reconnect);
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
        .n_flows = side->table.n_installed,
        .n_groups = hmap_count(&side->table.groups_installed.groups),
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

/* Closes the connection and forgets what was read and received on it. */
static void forget_connection(struct ovs_side *side)
{
    vconn_close(side->vconn);
    side->vconn = NULL;
    side->of = OF_DOWN;
    ofpbuf_list_delete(&side->unsolicited);
    free(side->reads.broken);
    side->reads = (struct fs_reads){.broken = NULL};
}

/* Closes the OpenFlow connection (or the attempt) because of 'why' (owned)
 * and schedules the next attempt.  Logs, and posts an error result if
 * 'post', only when 'why' differs from the problem last reported. */
static void drop_connection(struct fs_ovs *ovs, struct ovs_side *side,
                            char *why, bool post)
{
    if (side->of == OF_CONNECTED) {
        fs_backoff_succeeded(&side->reconnect); /* Start from the first. */
    }
    forget_connection(side);
    side->apply_needed = side->current != NULL;
    long long now = time_msec();
    side->next_connect = now + fs_backoff_failed(&side->reconnect, now);
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

static struct fs_of_io of_io(struct fs_ovs *, struct ovs_side *);

/* On a new connection: the switch's side is unknown until the flow
 * monitor's initial reply and the group descriptions are in
 * (reconciler/ovs/installed.h). */
#define PUNT_METERS 0x10000 /* Punt meter numbers: one per ofport. */

/* Sends the meter adds of the punt meters set in 'which' (a bitmap of
 * the ports' meter numbers, render/punt.h).  Returns 0 or an errno. */
static int send_meters(struct fs_ovs *ovs, struct ovs_side *side,
                       const unsigned long *which)
{
    struct fs_of_io io = of_io(ovs, side);
    size_t i;
    BITMAP_FOR_EACH_1(i, PUNT_METERS, which)
    {
        ovs_be32 xid;
        int error = fs_ofbridge_send(
            &io, fs_ofbridge_punt_meter_request(FS_PUNT_METER_BASE | i), &xid);
        if (error) {
            return error;
        }
    }
    return 0;
}

/* The punt meters the flows of 'd' use that 'side' did not know of: set
 * in side->meters, and sent now when connected (before the flows). */
static void note_meters(struct fs_ovs *ovs, struct ovs_side *side,
                        const struct fs_desired_delta *d)
{
    unsigned long *fresh = bitmap_allocate(PUNT_METERS);
    bool any = false;
    for (size_t i = 0; i < d->n_add_flows; i++) {
        const struct fs_flow *f = &d->add_flows[i];
        const struct ofpact *a;
        OFPACT_FOR_EACH(a, f->ofpacts, f->ofpacts_len)
        {
            if (a->type != OFPACT_CONTROLLER) {
                continue;
            }
            uint32_t m = ofpact_get_CONTROLLER(a)->meter_id;
            size_t n = m - FS_PUNT_METER_BASE;
            if (m >= FS_PUNT_METER_BASE && n < PUNT_METERS &&
                !bitmap_is_set(side->meters, n)) {
                bitmap_set1(side->meters, n);
                bitmap_set1(fresh, n);
                any = true;
            }
        }
    }
    if (any && side->of == OF_CONNECTED) {
        int error = send_meters(ovs, side, fresh);
        if (error) {
            drop_connection(ovs, side, of_error_text(ovs, error), true);
        }
    }
    bitmap_free(fresh);
}

static void start_reads(struct fs_ovs *ovs, struct ovs_side *side)
{
    struct fs_of_io io = of_io(ovs, side);
    fs_flowtable_forget_installed(&side->table);
    side->reads = (struct fs_reads){.monitor_initial = true, .groups = true};
    /* The punt meters first: the flows the table puts back use them. */
    int error = send_meters(ovs, side, side->meters);
    if (!error) {
        error = fs_ofbridge_send(&io, fs_ofbridge_monitor_request(),
                                 &side->reads.monitor_xid);
    }
    if (!error) {
        error = fs_ofbridge_send(&io, fs_ofbridge_groups_request(),
                                 &side->reads.groups_xid);
    }
    if (error) {
        drop_connection(ovs, side, of_error_text(ovs, error), true);
    }
    side->next_audit = time_msec() + side->audit_interval_ms;
}

/* Opens and completes the OpenFlow connection without blocking: the hello
 * exchange must be done within FS_OVS_TIMEOUT_MS. */
static void connect_bridge(struct fs_ovs *ovs, struct ovs_side *side)
{
    if (side->of == OF_CONNECTED) {
        return;
    } else if (side->of == OF_DOWN) {
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
        side->of = OF_CONNECTING;
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
    side->of = OF_CONNECTED;
    side->counters.reconnects += side->of_worked;
    side->of_worked = true;
    fs_backoff_succeeded(&side->reconnect);
    fs_backoff_retry_now(&side->retry); /* A new connection: apply now. */
    start_reads(ovs, side);
}

static struct fs_of_io of_io(struct fs_ovs *ovs, struct ovs_side *side)
{
    return (struct fs_of_io){
        .vconn = side->vconn,
        .timeout_ms = FS_OVS_TIMEOUT_MS,
        .cancel = &ovs->exit,
        .unsolicited = &side->unsolicited,
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
        VLOG_INFO("OVSDB: %s", ds_cstr(&side->txn_changes));
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
    ds_clear(&side->txn_changes);
    r->apply_ms = time_msec() - r->apply_ms;
    if (r->ok) {
        apply_succeeded(side);
    } else if (side->apply_again) {
        side->apply_again = false;
        side->apply_needed = true; /* At once: only refused flows failed. */
    } else {
        retry_later(side, r->error);
    }
    side->counters.flow_mods += r->flow_mods;
    side->counters.group_mods += r->group_mods;
    side->counters.ovsdb_txns += r->ovsdb_txns;
    fs_histogram_observe(&side->counters.apply, r->apply_ms / 1000.);
    VLOG_DBG("revision %" PRId64 ": %zu flow mods, %zu group mods, %zu row "
             "changes%s%s",
             r->revision, r->flow_mods, r->group_mods, r->row_changes,
             r->error ? ": " : "", r->error ? r->error : "");
    post_result(ovs, r);
    *r = (struct fs_ovs_result){.row_errors = FS_ERRORS_INITIALIZER};
}

/* Marks the flows of the messages the switch refused (changes->refused)
 * in the table.  Returns true if there was one: the bundle can be sent
 * again without them.  O(messages) for each refusal: refusals are rare. */
static bool refuse_flows(struct ovs_side *side, const struct fs_of_changes *ch)
{
    bool any = false;
    for (size_t i = 0; i < ch->n_refused; i++) {
        for (size_t j = 0; j < ch->n_tags; j++) {
            if (ch->tags[j].xid == ch->refused[i].xid) {
                fs_flowtable_refuse(&side->table, ch->tags[j].owner,
                                    ch->refused[i].why);
                any = true;
                break;
            }
        }
    }
    return any;
}

/* Flows and groups: the dirty entries of the table, one bundle.  Returns
 * false (with r->error set) if the switch did not take it; a transport
 * error (no reply in time...) also drops the connection. */
static bool apply_flows(struct fs_ovs *ovs, struct ovs_side *side,
                        struct fs_ovs_result *r)
{
    struct fs_of_io io = of_io(ovs, side);
    struct fs_of_changes ch;
    char *rejected = NULL;
    int error = 0;
    if (side->streamed.valid) {
        /* Sent already, while the delta was taken. */
        ch = side->streamed.ch;
        ovs_list_moved(&ch.msgs, &side->streamed.ch.msgs);
        error = side->streamed.error;
        rejected = side->streamed.rejected;
        side->streamed.valid = false;
        side->streamed.rejected = NULL;
        r->flow_mods = ch.flow_mods;
        r->group_mods = ch.group_mods;
    } else {
        fs_flowtable_changes(&side->table, &ch);
        if (ch.flow_mods || ch.group_mods) {
            error = fs_ofbridge_apply(&io, &ch, &rejected);
            r->flow_mods = ch.flow_mods;
            r->group_mods = ch.group_mods;
        }
    }
    if (!error) {
        fs_flowtable_commit(&side->table);
        fs_flowtable_conflicts(&side->table, &r->row_errors);
        r->error = nullable_xstrdup(side->delta_error);
    } else if (rejected && refuse_flows(side, &ch)) {
        /* Discarded; the refused flows are left out and everything else
         * is sent again at once. */
        VLOG_WARN("%s; sending the rest again without it", rejected);
        fs_backoff_failed(&side->refused_retry, time_msec());
        r->error = rejected;
        side->apply_again = true;
    } else if (rejected) {
        r->error = rejected; /* Discarded: the entries stay dirty. */
    } else if (error == ECANCELED) {
        r->error = xstrdup("stopping");
    } else {
        r->error = of_error_text(ovs, error);
        drop_connection(ovs, side, xstrdup(r->error), false);
    }
    fs_of_changes_destroy(&ch);
    r->n_flows = side->table.n_installed;
    r->n_groups = hmap_count(&side->table.groups_installed.groups);
    return !error;
}

/* Forgets the settled row plan (struct ovs_side). */
static void unsettle(struct ovs_side *side)
{
    side->settled.valid = false;
    fs_errors_destroy(&side->settled.errors);
    side->settled.errors = (struct fs_errors)FS_ERRORS_INITIALIZER;
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
                                .apply_ms = side->streamed.valid
                                                ? side->streamed.start_ms
                                                : time_msec(),
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
    unsigned int seqno = ovsdb_idl_get_seqno(side->idl);
    if (side->settled.valid && side->settled.seqno == seqno) {
        r->waiting = side->current->n_waiting > side->settled.n_blocked_int;
        fs_errors_extend(&r->row_errors, &side->settled.errors);
        finish_apply(ovs, side, TXN_UNCHANGED);
        return;
    }
    struct fs_rows_plan plan;
    side->txn = fs_rows_plan(side->idl, side->current, ovs->bridge, &plan);
    r->row_changes = plan.n_creates + plan.n_updates + plan.n_deletes;
    r->waiting = side->current->n_waiting > plan.n_blocked_int;
    fs_errors_extend(&r->row_errors, &plan.errors);
    unsettle(side);
    if (!side->txn) {
        side->settled.valid = true;
        side->settled.seqno = seqno;
        side->settled.n_blocked_int = plan.n_blocked_int;
        side->settled.errors = plan.errors;
    } else {
        fs_errors_destroy(&plan.errors);
    }
    ds_swap(&side->txn_changes, &plan.changes);
    ds_destroy(&plan.changes);
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

/* A delta in the hand-off queue. */
struct posted_delta {
    struct ovs_list node;
    struct fs_desired_delta *delta;
};

/* Keeps the OVSDB rows and the metadata of 'delta' as the current set
 * (the rows move out of the delta). */
/* Returns true if 'delta' holds the OVSDB rows 'cur' holds. */
static bool same_rows(const struct fs_desired *cur,
                      const struct fs_desired_delta *delta)
{
    if (!cur || cur->n_ports != delta->n_ports ||
        cur->n_bridges != delta->n_bridges) {
        return false;
    }
    for (size_t i = 0; i < delta->n_ports; i++) {
        if (!fs_ovsdb_port_equal(cur->ports[i], delta->ports[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < delta->n_bridges; i++) {
        if (!fs_ovsdb_bridge_equal(cur->bridges[i], delta->bridges[i])) {
            return false;
        }
    }
    return true;
}

static void keep_rows(struct ovs_side *side, struct fs_desired_delta *delta)
{
    if (!same_rows(side->current, delta)) {
        unsettle(side);
    }
    struct fs_desired *c = xzalloc(sizeof *c);
    c->revision = delta->revision;
    c->facts_generation = delta->facts_generation;
    c->ports = delta->ports;
    c->n_ports = c->allocated_ports = delta->n_ports;
    c->bridges = delta->bridges;
    c->n_bridges = c->allocated_bridges = delta->n_bridges;
    c->n_waiting = delta->n_waiting;
    delta->ports = NULL;
    delta->n_ports = 0;
    delta->bridges = NULL;
    delta->n_bridges = 0;
    fs_desired_destroy(side->current);
    side->current = c;
}

/* Whether an apply can start now: OpenFlow connected, no OVSDB
 * transaction in flight, the switch's flows and groups known, the OVSDB
 * connected and the retry backoff over. */
static bool can_apply(const struct ovs_side *side)
{
    return side->of == OF_CONNECTED && !side->txn &&
           fs_installed_known(&side->reads) &&
           ovsdb_idl_is_connected(side->idl) &&
           fs_backoff_ready(&side->retry, time_msec());
}

/* Whether full delta 'd' can be streamed now: it has a flow, the table
 * holds nothing of ours (fs_flowtable_can_stream()), and an apply could start
 * at once (what run_once() checks, and the facts generation rule of
 * apply()). */
static bool can_stream(const struct ovs_side *side,
                       const struct fs_desired_delta *d)
{
    return d->full && d->n_add_flows >= STREAM_MIN_FLOWS && can_apply(side) &&
           d->facts_generation >= side->facts.generation &&
           fs_flowtable_can_stream(&side->table, d);
}

/* Takes full delta 'd' into the table and sends its bundle at the same
 * time: the bundle is opened first, each part of the flows goes out as
 * soon as it is in the table (ovs-vswitchd takes it in while the next
 * part goes in), then the barrier and the commit, or the discard after a
 * refusal, as fs_ofbridge_apply() does.  The result waits in
 * side->streamed for the apply that follows.  Returns what
 * fs_flowtable_apply_delta() returns. */
static char *stream_delta(struct fs_ovs *ovs, struct ovs_side *side,
                          const struct fs_desired_delta *d)
{
    struct fs_of_io io = of_io(ovs, side);
    struct fs_of_changes ch;
    long long start_ms = time_msec();
    struct fs_ft_stream *s = fs_flowtable_stream_start(&side->table, d, &ch);
    struct fs_of_bundle b;
    fs_ofbridge_bundle_open(&io, &b);
    do {
        fs_ofbridge_bundle_send(&io, &b, &ch);
    } while (fs_flowtable_stream_next(s, STREAM_SEND_EVERY, &ch));
    char *error = fs_flowtable_stream_finish(s, &ch);
    fs_ofbridge_bundle_send(&io, &b, &ch);
    side->streamed.error =
        fs_ofbridge_bundle_close(&io, &b, &ch, &side->streamed.rejected);
    side->streamed.ch = ch;
    ovs_list_moved(&side->streamed.ch.msgs, &ch.msgs);
    side->streamed.start_ms = start_ms;
    side->streamed.valid = true;
    return error;
}

/* Takes the posted deltas, in order, into the table. */
static void take_deltas(struct fs_ovs *ovs, struct ovs_side *side)
{
    struct ovs_list deltas = OVS_LIST_INITIALIZER(&deltas);
    ovs_mutex_lock(&ovs->mutex);
    ovs_list_push_back_all(&deltas, &ovs->hand.deltas);
    ovs_mutex_unlock(&ovs->mutex);
    if (ovs_list_is_empty(&deltas)) {
        return;
    }
    struct posted_delta *p;
    LIST_FOR_EACH_POP(p, node, &deltas)
    {
        long long t0 = time_msec();
        /* Only the last delta taken: a later one would change the table
         * after the bundle was built. */
        note_meters(ovs, side, p->delta);
        bool stream = ovs_list_is_empty(&deltas) && can_stream(side, p->delta);
        char *error = stream ? stream_delta(ovs, side, p->delta)
                             : fs_flowtable_apply_delta(&side->table, p->delta);
        VLOG_DBG("revision %" PRId64 ": delta of %zu flows in the table%s in "
                 "%lld ms",
                 p->delta->revision, p->delta->n_add_flows,
                 stream ? " and streamed to the switch" : "", time_msec() - t0);
        if (error || p->delta->full) {
            free(side->delta_error);
            side->delta_error = error;
        }
        keep_rows(side, p->delta);
        bool full = p->delta->full;
        fs_desired_delta_destroy(p->delta);
        free(p);
        if (full) {
            /* A full delta held a copy of every flow: give what its
             * freeing left at the heap's top back to the system. */
            malloc_trim(0);
        }
    }
    side->apply_needed = true;
    if (side->of != OF_CONNECTED) {
        post_of_error(ovs, side);
    }
    if (side->streamed.valid) {
        apply(ovs, side);           /* Its flows are sent: finish it now. */
        if (side->streamed.valid) { /* Not reached apply_flows(). */
            side->streamed.valid = false;
            free(side->streamed.rejected);
            side->streamed.rejected = NULL;
            fs_of_changes_destroy(&side->streamed.ch);
            side->apply_needed = true;
        }
    }
}

/* Processes what the switch sent (flow monitor updates, replies to the
 * initial reads and audits): drift is marked dirty in the table and
 * repaired by the next apply. */
static void process_unsolicited(struct fs_ovs *ovs, struct ovs_side *side)
{
    bool was_known = fs_installed_known(&side->reads);
    size_t updates = side->reads.updates;
    struct ofpbuf *msg;
    LIST_FOR_EACH_POP(msg, list_node, &side->unsolicited)
    {
        side->apply_needed |=
            fs_installed_process(&side->table, &side->reads, msg);
        ofpbuf_delete(msg);
    }
    if (side->reads.broken) {
        char *why = side->reads.broken;
        side->reads.broken = NULL;
        drop_connection(ovs, side, why, true);
        side->next_connect = time_msec(); /* Read everything again now. */
        return;
    }
    if (!was_known && fs_installed_known(&side->reads)) {
        VLOG_INFO("read %zu flows and %zu groups of ours from %s",
                  side->table.n_installed,
                  hmap_count(&side->table.groups_installed.groups),
                  ovs->openflow);
        fs_flowtable_mark_all_dirty(&side->table);
        side->apply_needed = side->current != NULL;
    }
    if (side->reads.updates != updates) {
        VLOG_INFO("%zu flow changes by another controller seen; repairing "
                  "ours",
                  side->reads.updates - updates);
    }
    if (side->reads.repaired) {
        VLOG_WARN("audit: %zu flows of ours were missing; repairing",
                  side->reads.repaired);
        side->reads.repaired = 0;
    }
}

/* Flows the switch refused: tried again after a backoff (100 ms doubling
 * to 10 s), the rest of the table staying installed. */
static void retry_refused(struct ovs_side *side)
{
    if (!side->table.n_refused) {
        fs_backoff_succeeded(&side->refused_retry);
    } else if (fs_backoff_ready(&side->refused_retry, time_msec()) &&
               !side->txn) {
        fs_flowtable_retry_refused(&side->table);
        side->apply_needed = true;
    }
}

/* Starts a rare full audit of our flows (the flow monitor sees changes as
 * they happen; this is the safety net).  Its replies are read flow by
 * flow into the table, over loop iterations. */
static void maybe_audit(struct fs_ovs *ovs, struct ovs_side *side)
{
    if (!side->audit_interval_ms || side->reads.audit ||
        !fs_installed_known(&side->reads) || time_msec() < side->next_audit) {
        return;
    }
    side->next_audit = time_msec() + side->audit_interval_ms;
    struct fs_of_io io = of_io(ovs, side);
    fs_flowtable_audit_start(&side->table);
    int error = fs_ofbridge_send(&io, fs_ofbridge_audit_request(),
                                 &side->reads.audit_xid);
    if (error) {
        drop_connection(ovs, side, of_error_text(ovs, error), true);
    } else {
        side->reads.audit = true;
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
              : side->of != OF_CONNECTED && side->of_error
                  ? xstrdup(side->of_error)
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

/* Publishes the counters (fs_ovs_take_counters()) when they changed. */
static void publish_counters(struct fs_ovs *ovs, struct ovs_side *side)
{
    side->counters.drift_repairs = side->table.n_drifted;
    if (!memcmp(&side->counters, &side->published, sizeof side->counters)) {
        return;
    }
    side->published = side->counters;
    ovs_mutex_lock(&ovs->mutex);
    ovs->counters = side->counters;
    ovs->counters_new = true;
    ovs_mutex_unlock(&ovs->mutex);
    ovs->notify(ovs->aux);
}

static void run_once(struct fs_ovs *ovs, struct ovs_side *side)
{
    run_idl(ovs, side);
    latch_poll(&ovs->wake);
    take_deltas(ovs, side);
    connect_bridge(ovs, side);
    if (side->of == OF_CONNECTED) {
        int error =
            fs_ofbridge_run(side->vconn, &side->unsolicited, READ_BATCH);
        process_unsolicited(ovs, side);
        if (error) {
            drop_connection(ovs, side, of_error_text(ovs, error), true);
        }
    }
    if (side->of == OF_CONNECTED) {
        maybe_audit(ovs, side);
        retry_refused(side);
    }
    run_txn(ovs, side);
    if (side->apply_needed && side->current && can_apply(side)) {
        apply(ovs, side);
        process_unsolicited(ovs, side); /* What came during the apply. */
    }
    report_waiting(ovs, side);
    publish_counters(ovs, side);
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
    if (side->of == OF_CONNECTING) {
        vconn_run_wait(side->vconn);
        vconn_connect_wait(side->vconn);
        poll_timer_wait_until(side->connect_deadline);
    } else if (side->of == OF_CONNECTED) {
        vconn_run_wait(side->vconn);
        vconn_recv_wait(side->vconn);
        if (!ovs_list_is_empty(&side->unsolicited)) {
            poll_immediate_wake();
        }
        if (side->audit_interval_ms) {
            poll_timer_wait_until(side->next_audit);
        }
        if (side->apply_needed) {
            poll_timer_wait_until(side->retry.next_ms);
        }
        if (side->table.n_refused) {
            poll_timer_wait_until(side->refused_retry.next_ms);
        }
    } else {
        poll_timer_wait_until(side->next_connect);
    }
}

static void *ovs_main(void *ovs_)
{
    struct fs_ovs *ovs = ovs_;
    struct ovs_side side = {
        .audit_interval_ms = ovs->audit_interval_ms,
        .reconnect = FS_BACKOFF_INIT(RECONNECT_FIRST_MS, RECONNECT_MAX_MS),
        .retry = FS_BACKOFF_INIT(RETRY_FIRST_MS, RETRY_MAX_MS),
        .refused_retry = FS_BACKOFF_INIT(RETRY_FIRST_MS, RETRY_MAX_MS),
        .txn_changes = DS_EMPTY_INITIALIZER,
        .settled.errors = FS_ERRORS_INITIALIZER,
    };
    fs_local_facts_init(&side.facts);
    fs_flowtable_init(&side.table);
    ovs_list_init(&side.unsolicited);
    side.meters = bitmap_allocate(PUNT_METERS);
    idl_setup(&side, ovs->ovsdb);
    while (!latch_is_set(&ovs->exit)) {
        run_once(ovs, &side);
        wait_once(ovs, &side);
        poll_block();
    }
    forget_connection(&side);
    if (side.txn) {
        ovsdb_idl_txn_destroy(side.txn);
    }
    free(side.pending.error);
    ds_destroy(&side.txn_changes);
    fs_errors_destroy(&side.pending.row_errors);
    ovsdb_idl_destroy(side.idl);
    fs_desired_destroy(side.current);
    unsettle(&side);
    fs_flowtable_destroy(&side.table);
    ofpbuf_list_delete(&side.unsolicited);
    free(side.reads.broken);
    free(side.delta_error);
    fs_local_facts_destroy(&side.facts);
    bitmap_free(side.meters);
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
    ovs->audit_interval_ms = cfg->audit_interval_ms;
    ovs->notify = notify;
    ovs->aux = aux;
    latch_init(&ovs->wake);
    latch_init(&ovs->exit);
    ovs_mutex_init(&ovs->mutex);
    fs_local_facts_init(&ovs->hand.facts);
    ovs_list_init(&ovs->hand.deltas);
    ovs->thread = ovs_thread_create("ovs", ovs_main, ovs);
    ovs->pinctrl = fs_pinctrl_start(ovs->openflow);
    return ovs;
}

void fs_ovs_post_delta(struct fs_ovs *ovs, struct fs_desired_delta *delta)
{
    struct posted_delta *p = xmalloc(sizeof *p);
    p->delta = delta;
    ovs_mutex_lock(&ovs->mutex);
    ovs_list_push_back(&ovs->hand.deltas, &p->node);
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

bool fs_ovs_take_counters(struct fs_ovs *ovs, struct fs_ovs_counters *counters)
{
    ovs_mutex_lock(&ovs->mutex);
    bool changed = ovs->counters_new;
    uint64_t punt[ARRAY_SIZE(counters->punt)];
    memcpy(punt, counters->punt, sizeof punt);
    if (changed) {
        *counters = ovs->counters;
        ovs->counters_new = false;
    }
    ovs_mutex_unlock(&ovs->mutex);
    /* The local controller's, read as they are (atomics). */
    for (size_t i = 0; i < ARRAY_SIZE(punt); i++) {
        counters->punt[i] = fs_pinctrl_counter(ovs->pinctrl, i);
        changed |= counters->punt[i] != punt[i];
    }
    return changed;
}

void fs_ovs_stop(struct fs_ovs *ovs)
{
    if (!ovs) {
        return;
    }
    latch_set(&ovs->exit);
    xpthread_join(ovs->thread, NULL);
    fs_pinctrl_stop(ovs->pinctrl);
    latch_destroy(&ovs->wake);
    latch_destroy(&ovs->exit);
    ovs_mutex_destroy(&ovs->mutex);
    struct posted_delta *p;
    LIST_FOR_EACH_POP(p, node, &ovs->hand.deltas)
    {
        fs_desired_delta_destroy(p->delta);
        free(p);
    }
    fs_local_facts_destroy(&ovs->hand.facts);
    free(ovs->hand.result.error);
    fs_errors_destroy(&ovs->hand.result.row_errors);
    free(ovs->waiting);
    free(ovs->ovsdb);
    free(ovs->bridge);
    free(ovs->openflow);
    free(ovs);
}

/* reconciler/ovs/ovs.h: the OVS side of flowsteerd, on a thread of its own.
 *
 * The thread runs the OVSDB IDL (Interface external_ids:iface-id -> ofport on
 * the integration bridge) and the OpenFlow connection to the bridge under
 * libopenvswitch's poll loop.  The main (libev) thread posts immutable
 * desired sets; the OVS thread diffs each against what is installed under
 * flowsteer's cookie and group-id range, applies the difference as one
 * OpenFlow 1.5 bundle followed by a barrier, and posts back results and
 * local facts.  The only shared state is the hand-off below, under a mutex;
 * the OVS thread wakes the main thread through the 'notify' callback (the
 * daemon passes one that calls ev_async_send()).
 *
 * Nothing waits on OVS without a bound: each OpenFlow message to or from
 * the switch (connection included) must move within FS_OVS_TIMEOUT_MS, and
 * an OVSDB transaction must complete within it, or the exchange is given up
 * with an error in the result ("OpenFlow: no reply from <target> within
 * 5 s"), the OpenFlow connection is dropped and made again with backoff.
 * fs_ovs_stop() interrupts any exchange in progress. */
#ifndef FS_RECONCILER_OVS_H
#define FS_RECONCILER_OVS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reconciler/proc/metrics.h"
#include "render/engine.h"
#include "render/render.h"

struct fs_ovs;

/* Longest wait for one OpenFlow message or one OVSDB transaction; also the
 * OVSDB probe interval. */
#define FS_OVS_TIMEOUT_MS 5000

struct fs_ovs_config {
    const char *ovsdb;    /* OVSDB remote, "unix:/path/db.sock". */
    const char *bridge;   /* Integration bridge name, "br-int". */
    const char *openflow; /* OpenFlow target; NULL = "unix:<dir of ovsdb
                           * socket>/<bridge>.mgmt". */
    /* Interval of the full audit of flowsteer's flows (a dump read into
     * the flow table: missing flows are put back, strays removed), in ms;
     * 0 = never.  Drift is otherwise seen at once by a flow monitor. */
    int audit_interval_ms;
};

/* Outcome of applying one desired set: its flows and groups (one bundle),
 * then its OVSDB rows (one transaction). */
struct fs_ovs_result {
    int64_t revision; /* Desired set's revision, now in OVS if 'ok'. */
    bool ok;          /* Barrier reply received and the OVSDB transaction
                       * (if any) committed, no error. */
    bool waiting;     /* ok, but the set waits for ofports of ports just
                       * created: a re-render follows; 'revision' is not
                       * wholly in OVS yet. */
    char *error;      /* Why not, when !ok (owned by the result). */
    struct fs_errors row_errors; /* OVSDB rows that could not be converged
                                  * (name clash with a foreign row...):
                                  * key and path of the resource; and
                                  * flows not added because another
                                  * controller's flow holds their match
                                  * (key "flow table=T,priority=P,MATCH",
                                  * path "$"). */
    size_t ovsdb_txns;  /* OVSDB transactions committed in this apply. */
    size_t row_changes; /* Rows created, updated or deleted. */
    size_t n_flows;     /* Flows under our cookie after the apply. */
    size_t n_groups;    /* Groups in our range after the apply. */
    size_t flow_mods;   /* Flow adds/modifies/deletes sent in this apply. */
    size_t group_mods;  /* Group adds/modifies/deletes sent. */
    double apply_ms;    /* Time from diff start to barrier reply. */
};

/* Starts the OVS thread.  'notify(aux)' is called from that thread whenever
 * new facts or a new result can be taken.  Never fails: connection problems
 * are retried and reported as results with ok == false. */
struct fs_ovs *fs_ovs_start(const struct fs_ovs_config *,
                            void (*notify)(void *aux), void *aux);

/* Hands 'delta' (ownership moves) to the OVS thread, which applies the
 * deltas it is given in order (render/engine.h). */
void fs_ovs_post_delta(struct fs_ovs *, struct fs_desired_delta *delta);

/* If the local facts changed since the last call, copies them into 'facts'
 * (initialised by the caller) and returns true.  The first call that returns
 * true comes after the IDL's first complete read of the database, even when
 * the bridge has no interface with an iface-id: the daemon renders nothing
 * before that, so that a restart never renders "no ports" and deletes flows. */
bool fs_ovs_take_facts(struct fs_ovs *, struct fs_local_facts *facts);

/* If a new result is available, moves it into 'result' and returns true.
 * The caller frees result->error and result->row_errors. */
bool fs_ovs_take_result(struct fs_ovs *, struct fs_ovs_result *result);

/* If what the OVS thread waits for changed since the last call, moves it
 * into '*waiting' and returns true (the caller frees it).  It names the
 * connection and the error of its last attempt: "OVSDB unix:/x/db.sock: No
 * such file or directory" (the IDL is not connected), else "OpenFlow
 * unix:/x/br-int.mgmt: Connection refused" (no OpenFlow connection), else
 * NULL.  A connection that is still being made without an error yet is not
 * reported. */
bool fs_ovs_take_waiting(struct fs_ovs *, char **waiting);

/* If the OVS thread's counters changed since the last call, copies them
 * into '*counters' and returns true.  They are cumulative since
 * fs_ovs_start(), so no update is lost when the main thread takes them
 * late.  The local controller's ('punt') are read as they are now, on
 * every call. */
bool fs_ovs_take_counters(struct fs_ovs *, struct fs_ovs_counters *counters);

/* Stops and joins the thread, closing OVSDB and OpenFlow connections; an
 * exchange in progress is abandoned at once.  Flows stay installed. */
void fs_ovs_stop(struct fs_ovs *);

#endif /* reconciler/ovs/ovs.h */

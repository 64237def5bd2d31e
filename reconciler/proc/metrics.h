/* reconciler/proc/metrics.h: flowsteerd's Prometheus metrics.
 *
 * Plain structs that one thread owns: the main thread keeps a struct
 * fs_metrics; the OVS thread keeps a struct fs_ovs_counters and publishes
 * copies of it through its mutex hand-off (reconciler/ovs/ovs.h), which the
 * main thread takes into fs_metrics.ovs.  fs_metrics_render() writes the
 * text exposition format 0.0.4 (HELP and TYPE lines, escaped label
 * values); its size is bounded by construction (a fixed set of series). */
#ifndef FS_METRICS_H
#define FS_METRICS_H 1

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct ds;

/* Upper bounds of the histogram buckets, in seconds (1 ms .. 10 s); a
 * last, implicit bucket is +Inf. */
#define FS_HIST_N_BOUNDS 13
extern const double fs_hist_bounds[FS_HIST_N_BOUNDS];

/* A fixed-bucket histogram: 'buckets[i]' counts the observations in
 * (bounds[i-1], bounds[i]], 'buckets[FS_HIST_N_BOUNDS]' those above the
 * last bound (not cumulative: rendering makes them so). */
struct fs_histogram {
    uint64_t buckets[FS_HIST_N_BOUNDS + 1];
    uint64_t count;
    double sum; /* Seconds. */
};

/* Adds one observation of 'seconds' (negative values count as 0). */
void fs_histogram_observe(struct fs_histogram *, double seconds);

/* What the OVS thread counts, cumulative since start. */
struct fs_ovs_counters {
    uint64_t flow_mods;     /* Flow adds/modifies/deletes sent. */
    uint64_t group_mods;    /* Group mods sent. */
    uint64_t ovsdb_txns;    /* OVSDB transactions committed. */
    uint64_t reconnects;    /* OpenFlow or OVSDB connections made again
                             * after one worked. */
    uint64_t drift_repairs; /* Flows of ours another owner changed or
                             * deleted (monitor or audit), put back. */
    /* The local controller's (reconciler/ovs/pinctrl.h, enum
     * fs_pinctrl_counter): packet-ins, DHCP replies, ICMP errors, over a
     * port's budget, unanswered. */
    uint64_t punt[5];
    struct fs_histogram apply; /* Duration of each apply. */
};

/* Resource states of flowsteer_resources{kind,state}. */
enum fs_resource_state { FS_RES_VALID, FS_RES_REJECTED, FS_RES_N_STATES };

/* Everything /metrics shows; owned by the main thread. */
struct fs_metrics {
    struct fs_histogram convergence; /* etcd event to barrier reply. */
    struct fs_histogram render;      /* Snapshot + render engine. */
    struct fs_ovs_counters ovs;      /* Last copy from the OVS thread. */
    uint64_t etcd_reconnects;        /* Watch up again after going down. */
    uint64_t etcd_relists;           /* Full lists after the first. */
    uint64_t flows, groups;          /* Ours in OVS (as status says). */
    uint64_t ovsdb_rows;             /* OVSDB rows we desire. */
    int64_t observed_revision, desired_revision;
    uint64_t resources[FS_N_KINDS][FS_RES_N_STATES];
};

/* Sets 'm->resources' from 'snap': valid resources per kind, and the
 * distinct keys of snap->errors per kind (the folder after FS_PREFIX; keys
 * of no kind are not counted). */
void fs_metrics_set_resources(struct fs_metrics *m,
                              const struct fs_snapshot *snap);

/* Appends 'value' to 'out' escaped as a Prometheus label value (backslash,
 * double quote and newline escaped). */
void fs_metrics_escape_label(struct ds *out, const char *value);

/* Appends the exposition text of 'm' to 'out' (a few KB). */
void fs_metrics_render(const struct fs_metrics *m, struct ds *out);

#endif /* reconciler/proc/metrics.h */

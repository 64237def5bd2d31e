/* reconciler/daemon/status.h: the node's status document in etcd,
 * FS_STATUS_PREFIX "<node>" (format in docs/architecture.md, "Status").
 *
 * The document is bounded so that it can always be written (etcd refuses
 * requests over 1.5 MiB by default, issue 10 item 2): at most
 * FS_STATUS_MAX_LISTED errors and as many notes, the earliest by (key, path,
 * message), each string cut at FS_STATUS_MAX_FIELD bytes, each list within
 * FS_STATUS_LIST_BYTES of JSON; "errors_total" and "notes_total" give the
 * full counts and "errors_truncated" / "notes_truncated" say a list is cut.
 * The whole text stays under FS_STATUS_MAX_BYTES. */
#ifndef FS_STATUS_H
#define FS_STATUS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/errors.h"
#include "model/model.h"

/* The keys a node writes about itself live outside FS_PREFIX, the prefix
 * every flowsteerd watches for desired state and allocations: under it,
 * every node would receive every other node's status and keepalive
 * writes (traffic growing as nodes squared).  docs/architecture.md, "etcd
 * layout". */
#define FS_STATUS_PREFIX "/flowsteer/status/" /* <node> -> status JSON */
#define FS_NODES_PREFIX "/flowsteer/nodes/"   /* <node> -> liveness (lease) */

#define FS_STATUS_MAX_LISTED 100
#define FS_STATUS_MAX_FIELD 1024
#define FS_STATUS_LIST_BYTES (96 * 1024)
#define FS_STATUS_MAX_BYTES (256 * 1024)

/* What flowsteerd reports.  'errors' are rejected resources, 'row_errors'
 * OVSDB rows a valid resource wants that could not be made (listed under
 * "errors" too), 'notes' parts of valid resources this node does not
 * render; all borrowed. */
struct fs_status {
    const char *node;
    int64_t observed_revision; /* In OVS (after the barrier); 0 = none. */
    bool carried; /* 'observed_revision', flows and groups are the previous
                   * run's, until this run's first apply: written as
                   * "observed_carried": true. */
    int64_t desired_revision; /* Last rendered. */
    size_t n_flows, n_groups;
    size_t flow_mods, group_mods; /* Of the last apply. */
    size_t ovsdb_txns;            /* Of the last apply. */
    double apply_ms;
    double convergence_ms; /* First watch event of the last change to its
                            * barrier reply (0: none yet). */
    double render_ms;      /* Last render. */
    const char *ovs_error; /* Last apply's error, NULL if it succeeded. */
    const char *waiting;   /* What flowsteerd waits for ("OVSDB unix:/x:
                            * No such file or directory"), NULL if none. */
    const struct fs_errors *errors;
    const struct fs_errors *row_errors;
    const struct fs_errors *notes;
};

/* Returns the status as compact JSON text of at most FS_STATUS_MAX_BYTES
 * (caller frees).  Strings that are not valid UTF-8 have their bad bytes
 * written as "\\xNN" rather than being dropped. */
char *fs_status_to_json(const struct fs_status *);

/* Returns the etcd key of 'node''s status, FS_STATUS_PREFIX "<node>"
 * (caller frees). */
char *fs_status_key(const char *node);

#endif /* reconciler/daemon/status.h */

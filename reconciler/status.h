/* reconciler/status.h: the node's status document in etcd,
 * FS_PREFIX "status/<node>" (format in docs/architecture.md, "Status"). */
#ifndef FS_STATUS_H
#define FS_STATUS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/errors.h"

/* What flowsteerd reports.  'errors' are rejected resources, 'row_errors'
 * OVSDB rows a valid resource wants that could not be made (listed under
 * "errors" too), 'notes' parts of valid resources this node does not
 * render; all borrowed. */
struct fs_status {
    const char *node;
    int64_t observed_revision; /* In OVS (after the barrier); 0 = none. */
    int64_t desired_revision;  /* Last rendered. */
    size_t n_flows, n_groups;
    size_t flow_mods, group_mods; /* Of the last apply. */
    size_t ovsdb_txns;            /* Of the last apply. */
    double apply_ms;
    const char *ovs_error; /* Last apply's error, NULL if it succeeded. */
    const struct fs_errors *errors;
    const struct fs_errors *row_errors;
    const struct fs_errors *notes;
};

/* Returns the status as compact JSON text (caller frees). */
char *fs_status_to_json(const struct fs_status *);

/* Returns the etcd key of 'node''s status (caller frees). */
char *fs_status_key(const char *node);

#endif /* reconciler/status.h */

/* reconciler/ovs/rows.h: the OVSDB part of a desired set (bridges, ports and
 * interfaces flowsteer owns) compared with the IDL, and the one transaction
 * that converges it.
 *
 * Ownership (as ovn-controller's encaps.c and patch.c): a row flowsteer
 * creates carries external_ids:flowsteer-owner (FS_OWNER_KEY).  Missing
 * desired rows are created, owned rows whose columns differ are updated,
 * owned rows no longer desired are deleted.  A row without the marker is
 * never modified or deleted: a desired name that belongs to such a row is
 * an error (key, path and reason of the resource that wants it), not a
 * takeover. */
#ifndef FS_RECONCILER_ROWS_H
#define FS_RECONCILER_ROWS_H 1

#include <stddef.h>

#include "model/errors.h"
#include "openvswitch/dynamic-string.h"
#include "render/render.h"

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct ovsrec_bridge;

/* What a comparison found. */
struct fs_rows_plan {
    size_t n_creates, n_updates, n_deletes; /* Rows, all tables. */
    /* Desired ports on the integration bridge that cannot be created
     * (errors below): their ofports will never come. */
    size_t n_blocked_int;
    struct fs_errors errors; /* Name clashes, missing bridges. */
    /* What the transaction changes, for the log: "created bridge X
     * (controller T)", "updated bridge X (controller T)", "created port P
     * on B", "updated port P on B", "deleted port P", "deleted bridge X",
     * joined by ", ", at most FS_ROWS_LOG_MAX of them, then "and N more".
     * Free with ds_destroy(). */
    struct ds changes;
};

/* Row changes fs_rows_plan() describes one by one (struct fs_rows_plan's
 * 'changes'); the log line stays short however many rows change. */
#define FS_ROWS_LOG_MAX 8

/* Compares the OVSDB part of 'desired' with the rows in 'idl' (which must
 * have been set up with fs_facts_idl_setup()).  'int_bridge' is the
 * integration bridge's name.  Fills 'plan' (initialised here; free its
 * errors with fs_errors_destroy()).  Returns NULL when nothing needs to
 * change (no transaction is made), else a transaction holding every change,
 * for the caller to commit with ovsdb_idl_txn_commit() and destroy. */
struct ovsdb_idl_txn *fs_rows_plan(struct ovsdb_idl *idl,
                                   const struct fs_desired *desired,
                                   const char *int_bridge,
                                   struct fs_rows_plan *plan);

/* Returns true if owned bridge 'br' differs from 'want' in a column
 * flowsteer sets: datapath_type, fail_mode, protocols, controllers (target
 * and connection_mode out-of-band), external_ids.  flowsteerctl plan
 * compares with it too. */
bool fs_rows_bridge_differs(const struct ovsrec_bridge *br,
                            const struct fs_ovsdb_bridge *want);

#endif /* reconciler/ovs/rows.h */

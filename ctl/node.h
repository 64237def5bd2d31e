/* ctl/node.h: what flowsteerctl plan and trace share: one node's
 * desired set rendered with render/ from etcd (plus the input), its facts
 * (made up, or read from the node's OVSDB), and the changes between that
 * desired set and what the node's switch holds.
 *
 * The pure parts (made-up facts, change lists) are unit-tested without OVS
 * (tests/unit/test_ctl_plan.c). */
#ifndef FS_CTL_NODE_H
#define FS_CTL_NODE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/dynamic-string.h"
#include "render/render.h"

struct ctl_detrace;
struct fs_flowtable;
struct ovsdb_idl;

/* Facts for a node whose OVS is not read: every port bound to 'node'
 * (binding:host_id, not remote) gets ofport 1, 2, ... in port id order, and
 * every OVSDB port 'rows' (a first render; may be NULL) wants on 'bridge'
 * the next ones, in name order; every bridge 'rows' names or 'bridge'
 * exists.  Appends one legend line per ofport to 'legend' ("ofport 3 =
 * port <id> (name)").  'facts' must be initialised. */
void ctl_fake_facts(const struct fs_snapshot *, const char *node,
                    const char *bridge, const struct fs_desired *rows,
                    struct fs_local_facts *facts, struct ds *legend);

/* Makes 'd' the desired side of 'ft' (a full delta: the table's desired
 * side is replaced).  Returns NULL or an error naming a flow or group that
 * libopenvswitch cannot parse (caller frees). */
char *ctl_ft_desire(struct fs_flowtable *ft, const struct fs_desired *d);

/* One change flowsteerd would make to the switch. */
enum ctl_op { CTL_OP_ADD, CTL_OP_MODIFY, CTL_OP_DELETE, CTL_OP_CONFLICT };

struct ctl_op_line {
    enum ctl_op op;
    int table;        /* Flows: table; groups: -1 (listed after the flows). */
    int64_t priority; /* Flows: priority; groups: the group id. */
    char *key;        /* Flows: the match text; for sorting. */
    char *text;       /* "+ table=10,priority=...", as printed (owned). */
};

struct ctl_ops {
    struct ctl_op_line *items;
    size_t n, allocated;
    size_t n_flow_mods, n_group_mods;
};

/* Fills 'ops' (zero-initialised) with the flow and group changes that turn
 * what 'ft' knows is installed into its desired side (both filled by the
 * caller: ctl_ft_desire(), then the switch's flows and groups), as
 * flowsteerd would send them: add, modify (actions or cookie), delete of
 * our flows (cookie under FS_COOKIE_MASK); a desired flow whose key another
 * owner's flow holds is a conflict, never a change.  Sorted as render/
 * sorts flows (table, priority descending, match), groups after, by id.
 * 'd' gives the render/ text of the desired flows. */
void ctl_ops_build(const struct fs_flowtable *ft, const struct fs_desired *d,
                   struct ctl_ops *ops);
void ctl_ops_destroy(struct ctl_ops *);

/* Appends the OVSDB row changes flowsteerd would make for 'd''s rows
 * against 'idl' (set up with fs_facts_idl_setup(), contents read): "+ port
 * NAME on BRIDGE (type)", "~ port ...", "- port ...", "! port ... (a row
 * flowsteer does not own)", and the same for bridges, to 'ops'. */
void ctl_rows_ops(struct ovsdb_idl *idl, const struct fs_desired *d,
                  struct ctl_ops *ops);

/* Reading the node's OVS (ctl/ovsread.c), each bounded by
 * 'timeout_ms'. */

/* Connects to the OVSDB at 'remote' ("unix:/run/openvswitch/db.sock"),
 * waits for its contents and fills 'facts' as flowsteerd does
 * (reconciler/ovs/facts.c) for 'bridge'.  Returns NULL and the IDL in '*idlp'
 * (caller destroys it), or an error (caller frees). */
char *ctl_ovsdb_read(const char *remote, const char *bridge, int timeout_ms,
                     struct fs_local_facts *facts, struct ovsdb_idl **idlp);

/* Connects to 'target' with OpenFlow 1.5 and reads flowsteer's flows
 * (cookie under FS_COOKIE_MASK) and groups into the installed side of
 * 'ft'.  Returns NULL or an error (caller frees). */
char *ctl_openflow_read(const char *target, int timeout_ms,
                        struct fs_flowtable *ft);

/* Adds to 't' every tunnel port of flowsteer's on the integration bridge
 * of 'facts' (read from 'idl' by ctl_ovsdb_read()): an interface with an
 * ofport whose external_ids FS_OWNER_KEY is "tunnel:<chassis>". */
void ctl_ovsdb_tunnels(struct ovsdb_idl *idl,
                       const struct fs_local_facts *facts,
                       struct ctl_detrace *t);

/* Destroys an IDL of ctl_ovsdb_read(); NULL is fine.  (Files that use
 * jansson cannot include OVS's ovsdb-idl.h: both define json types.) */
void ctl_ovsdb_close(struct ovsdb_idl *);

/* The bridge's management socket next to the OVSDB socket 'remote':
 * "unix:DIR/BRIDGE.mgmt" for "unix:DIR/db.sock"; NULL if 'remote' is not
 * a unix socket (caller frees). */
char *ctl_default_openflow(const char *remote, const char *bridge);

#endif /* ctl/node.h */

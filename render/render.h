/* render/: the pure function from the desired world to what one node's
 * integration bridge must hold.
 *
 *   fs_render(snapshot, node, local facts) -> flows + groups
 *
 * Deterministic, no I/O: the same inputs give the same output, in the same
 * order.  Flows and groups are OpenFlow 1.5 text in ovs-ofctl(8) syntax so
 * that tests can read them and the reconciler can parse them with
 * libopenvswitch (parse_ofp_flow_mod_str, parse_ofp_group_mod_str).  The
 * pipeline (tables, registers, cookies, group ids) is in
 * docs/architecture.md. */
#ifndef FS_RENDER_H
#define FS_RENDER_H 1

#include <stddef.h>
#include <stdint.h>

#include "model/errors.h"
#include "model/model.h"
#include "simap.h"

/* High 16 bits of every flowsteer flow cookie; dumps and deletes use
 * FS_COOKIE_MASK so that other software's flows are never touched. */
#define FS_COOKIE_BASE UINT64_C(0xf5e0000000000000)
#define FS_COOKIE_MASK UINT64_C(0xffff000000000000)

/* Cookie low bits: what a flow is for (bits 32..47) and for which object
 * (bits 0..31, e.g. the path id).  Informational only: the diff compares
 * cookies like any other part of a flow. */
#define FS_COOKIE_L2 UINT64_C(1)
#define FS_COOKIE_SFC UINT64_C(2)
#define FS_COOKIE(KIND, OBJ)                                                   \
    (FS_COOKIE_BASE | ((uint64_t)(KIND) << 32) | (uint32_t)(OBJ))

/* Group ids flowsteer owns: FS_GROUP_BASE | label, label < 2^20.  Groups
 * outside [FS_GROUP_BASE, FS_GROUP_BASE + FS_GROUP_SPAN) are never read as
 * ours or deleted. */
#define FS_GROUP_BASE UINT32_C(0xf5000000)
#define FS_GROUP_SPAN UINT32_C(0x00100000)

/* Pipeline tables on the integration bridge. */
enum fs_table {
    FS_T_CLASSIFY = 0,   /* in_port -> metadata (network), reg6 (port). */
    FS_T_SLICE = 5,      /* Slices (later issue). */
    FS_T_SFC_CLASS = 10, /* Flow classifiers, SF egress re-classification. */
    FS_T_SFC_FWD = 15,   /* (path id, hop index) -> next SF. */
    FS_T_L2 = 55,        /* metadata + dl_dst -> reg7; BUM. */
    FS_T_EGRESS = 75,    /* reg7 -> output. */
    FS_T_EGRESS_EXT = 80 /* Provider networks (later issue). */
};

/* What only OVS knows: Interface external_ids:iface-id -> ofport, for
 * interfaces with a valid ofport (> 0) on the integration bridge. */
struct fs_local_facts {
    struct simap ofports;
};

/* One flow.  'match' excludes table, priority and cookie ("" = match all);
 * 'actions' is the ovs-ofctl actions text.  Strings are owned. */
struct fs_flow {
    uint8_t table_id;
    uint16_t priority;
    uint64_t cookie;
    char *match;
    char *actions;
};

/* One group.  'spec' is everything ovs-ofctl accepts after
 * "group_id=<id>,", e.g. "type=select,selection_method=hash,
 * fields(ip_src,tcp_src),bucket=bucket_id:0,actions=output:3,...". */
struct fs_group {
    uint32_t group_id;
    char *spec;
};

/* The desired set for one node.  Flows are sorted by (table, priority
 * descending, match), groups by id.  'notes' lists resources this node could
 * not render (key, path, reason), e.g. a hop on another chassis. */
struct fs_desired {
    int64_t revision; /* Snapshot revision it was rendered from. */
    struct fs_flow *flows;
    size_t n_flows, allocated_flows;
    struct fs_group *groups;
    size_t n_groups, allocated_groups;
    struct fs_errors notes;
};

/* Renders what 'node' must hold.  Never fails; returns a new desired set the
 * caller frees with fs_desired_destroy().  Nothing in 'snapshot' or 'facts'
 * is kept.  What cannot be rendered here (a hop on another chassis, an NSH
 * pair, a path id too large for a label) is left out and named in
 * desired->notes (key of the chain, JSON path in the Neutron envelope form,
 * reason). */
struct fs_desired *fs_render(const struct fs_snapshot *, const char *node,
                             const struct fs_local_facts *);

/* Frees 'desired' and everything it owns; NULL is fine. */
void fs_desired_destroy(struct fs_desired *);

/* Returns "table=T,priority=P,cookie=C,MATCH,actions=ACTIONS" for 'flow', as
 * ovs-ofctl add-flow accepts it.  Caller frees. */
char *fs_flow_to_string(const struct fs_flow *);

/* Returns "group_id=ID,SPEC".  Caller frees. */
char *fs_group_to_string(const struct fs_group *);

/* Facts helpers: init (empty), destroy, clone ('dst', already initialised,
 * becomes a copy of 'src'), equal (same iface-ids with the same ofports). */
void fs_local_facts_init(struct fs_local_facts *);
void fs_local_facts_destroy(struct fs_local_facts *);
void fs_local_facts_clone(struct fs_local_facts *dst,
                          const struct fs_local_facts *src);
bool fs_local_facts_equal(const struct fs_local_facts *,
                          const struct fs_local_facts *);

#endif /* render/render.h */

/* reconciler/flowdiff.h: flows and groups as OVS sees them, and the change
 * set between what is installed and what is desired.
 *
 * Flows are keyed by (table, priority, match) like OpenFlow itself; two
 * flows are the same when those are equal and so are their cookie and
 * actions.  Matches are compared as parsed by libopenvswitch (minimatch), so
 * "tcp" and "ip,nw_proto=6" are one match; actions and groups are compared
 * in libopenvswitch's canonical text form, which is what a dump shows. */
#ifndef FS_FLOWDIFF_H
#define FS_FLOWDIFF_H 1

#include <stddef.h>
#include <stdint.h>

#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "render/render.h"

struct ofputil_flow_stats;
struct ofputil_group_desc;

/* One flow: owned strings and match. */
struct fs_of_flow {
    struct hmap_node node; /* In fs_of_state.flows, by key hash. */
    uint8_t table_id;
    uint16_t priority;
    struct minimatch match;
    uint64_t cookie;
    char *actions; /* Canonical ofpacts text. */
    char *text;    /* Flow as given (desired) or as formatted (installed). */
};

/* One group: its canonical "group_id=...,type=...,bucket=..." text. */
struct fs_of_group {
    struct hmap_node node; /* In fs_of_state.groups, by group id. */
    uint32_t group_id;
    char *canon;
    char *text; /* ovs-ofctl text, for desired groups; NULL if dumped. */
};

/* A set of flows and groups. */
struct fs_of_state {
    struct hmap flows;
    struct hmap groups;
};

void fs_of_state_init(struct fs_of_state *);
void fs_of_state_destroy(struct fs_of_state *);
void fs_of_state_clear(struct fs_of_state *);

/* Exchanges the contents of 'a' and 'b' (hmaps cannot be copied by value:
 * a small one points into itself). */
void fs_of_state_swap(struct fs_of_state *a, struct fs_of_state *b);

/* Fills 'state' (cleared first) from a rendered desired set.  Returns NULL
 * or an error naming the first flow or group libopenvswitch could not parse
 * (caller frees); 'state' then holds everything else. */
char *fs_of_state_from_desired(struct fs_of_state *, const struct fs_desired *);

/* Adds one dumped flow / group to 'state'. */
void fs_of_state_add_flow_stats(struct fs_of_state *,
                                const struct ofputil_flow_stats *);
void fs_of_state_add_group_desc(struct fs_of_state *,
                                const struct ofputil_group_desc *);

/* Parses 'group' and adds it to 'state'.  Returns NULL, or an error naming
 * it if libopenvswitch cannot parse it (caller frees). */
char *fs_of_state_add_desired_group(struct fs_of_state *,
                                    const struct fs_group *);

/* Removes group 'group_id' from 'state', if it is there. */
void fs_of_state_remove_group(struct fs_of_state *, uint32_t group_id);

/* Appends to 'adds' the group adds and modifies and to 'deletes' the group
 * deletes (OpenFlow 1.5 messages) that turn 'installed''s groups into
 * 'desired''s, and adds their count to '*n'. */
void fs_of_diff_groups(const struct fs_of_state *installed,
                       const struct fs_of_state *desired, struct ovs_list *adds,
                       struct ovs_list *deletes, size_t *n);

/* Removes the flow with this table, priority and match from 'state', if
 * there is one. */
void fs_of_state_remove_flow(struct fs_of_state *, uint8_t table_id,
                             uint16_t priority, const struct minimatch *);

/* Sets bit T of 'tables' (256 bits, cleared first) for every table T that
 * has a flow in 'desired' whose (table, priority, match) is not in
 * 'installed': the tables where the next diff adds flows, whose foreign
 * flows must be known first.  Returns the number of such flows. */
size_t fs_of_new_flow_tables(const struct fs_of_state *installed,
                             const struct fs_of_state *desired,
                             unsigned long *tables);

/* A desired flow that is not added because another controller's flow
 * (cookie outside FS_COOKIE_MASK) holds its table, priority and match. */
struct fs_of_conflict {
    uint8_t table_id;
    uint16_t priority;
    struct minimatch match;
    uint64_t foreign_cookie;
    char *key; /* "flow table=T,priority=P,MATCH", for status. */
};

/* What to send to turn 'installed' into 'desired'. */
struct fs_of_changes {
    struct ovs_list msgs; /* OpenFlow 1.5 "struct ofpbuf"s, in bundle
                           * order: group adds and modifies, flow changes
                           * (add for a new flow; modify_strict under our
                           * cookie mask for changed actions; delete_strict
                           * then add for a changed cookie), flow deletes,
                           * group deletes. */
    size_t flow_mods, group_mods;
    struct fs_of_conflict *conflicts; /* New flows not added. */
    size_t n_conflicts;
};

/* Computes the changes.  A new flow (no flow of ours with its table,
 * priority and match in 'installed') is an add, unless 'foreign' (may be
 * NULL: none) has a flow with that key: then it is a conflict, and nothing
 * is sent for it.  A changed flow is modify_strict with flowsteer's cookie
 * and FS_COOKIE_MASK; flow deletes are delete_strict with the same cookie
 * and mask.  So another owner's flow with the same match is never
 * replaced, modified or removed (but for one added between the dump of
 * 'foreign' and the bundle). */
void fs_of_diff(const struct fs_of_state *installed,
                const struct fs_of_state *desired,
                const struct fs_of_state *foreign, struct fs_of_changes *);
void fs_of_changes_destroy(struct fs_of_changes *);

#endif /* reconciler/flowdiff.h */

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

/* What to send to turn 'installed' into 'desired'. */
struct fs_of_changes {
    struct ovs_list msgs; /* OpenFlow 1.5 "struct ofpbuf"s, in bundle
                           * order: group adds and modifies, flow adds
                           * (new or changed), flow deletes, group
                           * deletes. */
    size_t flow_mods, group_mods;
};

/* Computes the changes.  Flow deletes are delete_strict with flowsteer's
 * cookie and FS_COOKIE_MASK, so another owner's flow with the same match is
 * never removed. */
void fs_of_diff(const struct fs_of_state *installed,
                const struct fs_of_state *desired, struct fs_of_changes *);
void fs_of_changes_destroy(struct fs_of_changes *);

#endif /* reconciler/flowdiff.h */

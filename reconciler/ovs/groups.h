/* reconciler/ovs/groups.h: a set of OpenFlow groups keyed by group id, and the
 * group mods that turn one set into another.
 *
 * The flow table (reconciler/ovs/flowtable.h) keeps flowsteer's groups as two
 * such sets, desired and installed; they are few, so they are diffed whole.
 * Groups are compared in libopenvswitch's canonical text
 * ("group_id=...,type=...,bucket=..."), the same whether a group was parsed
 * from render/'s text or decoded from the switch's group descriptions. */
#ifndef FS_GROUPS_H
#define FS_GROUPS_H 1

#include <stddef.h>
#include <stdint.h>

#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "render/render.h"

struct ofputil_group_desc;

/* One group of a set. */
struct fs_groups_entry {
    struct hmap_node node; /* In fs_groups.groups, by group id. */
    uint32_t group_id;
    char *canon; /* Canonical text, for comparison. */
    char *text;  /* ovs-ofctl text, for desired groups; NULL otherwise. */
};

/* A set of groups: struct fs_groups_entry in 'groups'. */
struct fs_groups {
    struct hmap groups;
};

/* Initializes an empty set / frees everything in it / empties it. */
void fs_groups_init(struct fs_groups *);
void fs_groups_destroy(struct fs_groups *);
void fs_groups_clear(struct fs_groups *);

/* Makes 'dst' (emptied first) a copy of 'src''s ids and canonical texts,
 * as they are once installed (no ovs-ofctl text). */
void fs_groups_copy_installed(struct fs_groups *dst,
                              const struct fs_groups *src);

/* Parses 'group' and makes it the set's group with its id (replacing the
 * one there).  Returns NULL; or, if libopenvswitch cannot parse it, an
 * error naming it (caller frees) and the set then has no group with that
 * id. */
char *fs_groups_add_desired(struct fs_groups *, const struct fs_group *);

/* Adds one group the switch described (group description reply). */
void fs_groups_add_desc(struct fs_groups *, const struct ofputil_group_desc *);

/* Removes group 'group_id' from the set, if it is there. */
void fs_groups_remove(struct fs_groups *, uint32_t group_id);

/* Appends to 'adds' the group adds and modifies and to 'deletes' the group
 * deletes (OpenFlow 1.5 "struct ofpbuf"s) that turn 'installed' into
 * 'desired' (whose groups must have their ovs-ofctl text), and adds their
 * count to '*n'. */
void fs_groups_diff(const struct fs_groups *installed,
                    const struct fs_groups *desired, struct ovs_list *adds,
                    struct ovs_list *deletes, size_t *n);

#endif /* reconciler/ovs/groups.h */

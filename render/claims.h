/* render/claims.h: who claims each flow (or group) across render units,
 * for the engine (private to render/).
 *
 * Every flow a unit renders is a claim on its (table, priority, match),
 * every group a claim on its id.  A key's claimants are kept in the fixed
 * unit order (an owner comparison, then the claim's position in its
 * unit's output); the first is the winner, the one a full render keeps,
 * and the others lose (fs_render() notes them).  Adding and removing
 * claims marks their keys touched; render_claims_commit() then reports,
 * per touched key, the winner before the first touch and the winner now,
 * so the engine turns a run's changes into a delta without walking the
 * flows that did not change.
 *
 * Claimed items are not copied: an item must stay in memory from when it
 * is added until the commit that follows its removal. */
#ifndef FS_RENDER_CLAIMS_H
#define FS_RENDER_CLAIMS_H 1

#include <stdbool.h>
#include <stddef.h>

#include "hmapx.h"
#include "openvswitch/hmap.h"

/* One claimant of a key. */
struct render_claimant {
    const void *owner; /* The unit. */
    size_t seq;        /* Position of the item in the unit's output. */
    const void *item;  /* struct render_claim or struct fs_group. */
};

/* The claimants of one key. */
struct render_claim_node {
    struct hmap_node hmap_node;
    /* An item with this key: the winner's, or while the node has no
     * claimant in a run, the last one removed. */
    const void *key_item;
    struct render_claimant *v;
    size_t n, allocated;
    bool touched;
    const void *before; /* Winner item at the first touch of the run. */
};

/* Compares two owners in the fixed unit order (qsort() style). */
typedef int render_owner_cmp(const void *a, const void *b);

/* Reports key changes: the winner items before and after (NULL: none). */
typedef void render_claims_cb(const void *before, const void *after, void *aux);

struct render_claims {
    struct hmap map; /* struct render_claim_node. */
    bool groups;     /* Items are struct fs_group, else claims. */
    render_owner_cmp *cmp;
    struct hmapx contested; /* Nodes with two claimants or more. */
    struct render_claim_node **touched;
    size_t n_touched, allocated_touched;
};

/* Initializes 'c', empty, for flow claims ('groups' false: items are
 * struct render_claim) or groups (struct fs_group), with owners ordered by
 * 'cmp'. */
void render_claims_init(struct render_claims *c, bool groups,
                        render_owner_cmp *cmp);

/* Frees what 'c' holds (not the items). */
void render_claims_destroy(struct render_claims *c);

/* Adds the claim of 'owner' on 'item''s key ('seq': the item's position in
 * the owner's output). */
void render_claims_add(struct render_claims *c, const void *owner, size_t seq,
                       const void *item);

/* Removes the claim that 'item' (added before) makes on its key. */
void render_claims_remove(struct render_claims *c, const void *item);

/* For every key touched since the last commit, calls 'cb' with its winner
 * at the first touch and its winner now (either may be NULL; they may be
 * the same item), then forgets keys left without claimants.  Afterwards
 * removed items are no longer referenced. */
void render_claims_commit(struct render_claims *c, render_claims_cb *cb,
                          void *aux);

/* Number of keys that have a claimant. */
size_t render_claims_count(const struct render_claims *c);

#endif /* render/claims.h */

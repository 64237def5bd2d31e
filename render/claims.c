/* Claimants of flows and groups across render units (render/claims.h). */
#include "render/claims.h"

#include <string.h>

#include "hash.h"
#include "render/internal.h"
#include "util.h"

static uint32_t item_hash(const struct render_claims *c, const void *item)
{
    if (c->groups) {
        return hash_int(((const struct fs_group *)item)->group_id, 0);
    }
    return fs_flow_key_hash(&((const struct render_claim *)item)->flow);
}

static bool same_key(const struct render_claims *c, const void *a,
                     const void *b)
{
    if (c->groups) {
        return ((const struct fs_group *)a)->group_id ==
               ((const struct fs_group *)b)->group_id;
    }
    return fs_flow_key_equal(&((const struct render_claim *)a)->flow,
                             &((const struct render_claim *)b)->flow);
}

void render_claims_init(struct render_claims *c, bool groups,
                        render_owner_cmp *cmp)
{
    *c = (struct render_claims){.groups = groups, .cmp = cmp};
    hmap_init(&c->map);
    hmapx_init(&c->contested);
}

void render_claims_destroy(struct render_claims *c)
{
    struct render_claim_node *node;
    HMAP_FOR_EACH_POP(node, hmap_node, &c->map)
    {
        free(node->v);
        free(node);
    }
    hmap_destroy(&c->map);
    hmapx_destroy(&c->contested);
    free(c->touched);
}

/* Returns the node of 'item''s key; creates it (no claimant) if 'create'. */
static struct render_claim_node *find_node(struct render_claims *c,
                                           const void *item, bool create)
{
    uint32_t hash = item_hash(c, item);
    struct render_claim_node *node;
    HMAP_FOR_EACH_WITH_HASH(node, hmap_node, hash, &c->map)
    {
        if (same_key(c, node->key_item, item)) {
            return node;
        }
    }
    if (!create) {
        return NULL;
    }
    node = xzalloc(sizeof *node);
    node->key_item = item;
    hmap_insert(&c->map, &node->hmap_node, hash);
    return node;
}

/* Records the node's winner before the run's first change to it. */
static void touch(struct render_claims *c, struct render_claim_node *node)
{
    if (node->touched) {
        return;
    }
    node->touched = true;
    node->before = node->n ? node->v[0].item : NULL;
    if (c->n_touched >= c->allocated_touched) {
        c->touched =
            x2nrealloc(c->touched, &c->allocated_touched, sizeof *c->touched);
    }
    c->touched[c->n_touched++] = node;
}

/* Keeps 'contested' in step with the node's number of claimants. */
static void update_contested(struct render_claims *c,
                             struct render_claim_node *node)
{
    if (node->n >= 2) {
        hmapx_add(&c->contested, node);
    } else {
        hmapx_find_and_delete(&c->contested, node);
    }
}

/* Returns true if claimant 'a' comes before 'b'. */
static bool before(const struct render_claims *c,
                   const struct render_claimant *a,
                   const struct render_claimant *b)
{
    int cmp = a->owner == b->owner ? 0 : c->cmp(a->owner, b->owner);
    return cmp ? cmp < 0 : a->seq < b->seq;
}

void render_claims_add(struct render_claims *c, const void *owner, size_t seq,
                       const void *item)
{
    struct render_claim_node *node = find_node(c, item, true);
    touch(c, node);
    struct render_claimant new = {owner, seq, item};
    if (node->n >= node->allocated) {
        node->v = x2nrealloc(node->v, &node->allocated, sizeof *node->v);
    }
    size_t i = node->n;
    for (; i > 0 && before(c, &new, &node->v[i - 1]); i--) {
        node->v[i] = node->v[i - 1];
    }
    node->v[i] = new;
    node->n++;
    update_contested(c, node);
}

void render_claims_remove(struct render_claims *c, const void *item)
{
    struct render_claim_node *node = find_node(c, item, false);
    ovs_assert(node);
    touch(c, node);
    size_t i = 0;
    while (node->v[i].item != item) {
        i++;
        ovs_assert(i < node->n);
    }
    memmove(&node->v[i], &node->v[i + 1], (node->n - i - 1) * sizeof *node->v);
    node->n--;
    update_contested(c, node);
}

void render_claims_commit(struct render_claims *c, render_claims_cb *cb,
                          void *aux)
{
    for (size_t i = 0; i < c->n_touched; i++) {
        struct render_claim_node *node = c->touched[i];
        const void *after = node->n ? node->v[0].item : NULL;
        cb(node->before, after, aux);
        node->touched = false;
        node->before = NULL;
        if (after) {
            node->key_item = after;
        } else {
            hmap_remove(&c->map, &node->hmap_node);
            free(node->v);
            free(node);
        }
    }
    c->n_touched = 0;
}

size_t render_claims_count(const struct render_claims *c)
{
    return hmap_count(&c->map);
}

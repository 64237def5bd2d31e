/* Building the immutable snapshot: every document that parsed, minus those
 * whose references do not resolve or that break a cross-resource rule.  See
 * model/model.h; the rules are in model/refs.c. */
#include <string.h>

#include "bitmap.h"
#include "model/build.h"
#include "model/parse.h"
#include "model/store.h"
#include "util.h"

void fs_build_reject(struct fs_build *b, enum fs_kind kind, const char *id,
                     const char *field, const char *fmt, ...)
{
    struct fs_doc *doc = shash_find_and_delete(&b->valid[kind], id);
    if (!doc) {
        return;
    }
    char *path =
        field ? xasprintf("%s.%s", doc->base, field) : xstrdup(doc->base);
    va_list args;
    va_start(args, fmt);
    char *msg = xvasprintf(fmt, args);
    va_end(args);
    fs_errors_add(&b->snap->errors, doc->key, path, "%s", msg);
    free(msg);
    free(path);
}

const void *fs_build_res(const struct fs_build *b, enum fs_kind kind,
                         const char *id)
{
    struct fs_doc *doc = id ? shash_find_data(&b->valid[kind], id) : NULL;
    return doc ? doc->res : NULL;
}

int fs_doc_compare_created(const void *a_, const void *b_)
{
    const struct fs_doc *a = *(const struct fs_doc *const *)a_;
    const struct fs_doc *b = *(const struct fs_doc *const *)b_;
    if (a->create_revision != b->create_revision) {
        return a->create_revision < b->create_revision ? -1 : 1;
    }
    return strcmp(a->key, b->key);
}

struct fs_doc **fs_build_by_creation(struct fs_build *b, enum fs_kind kind,
                                     size_t *n)
{
    struct shash *valid = &b->valid[kind];
    struct fs_doc **docs = xcalloc(shash_count(valid) + 1, sizeof *docs);
    struct shash_node *node;
    *n = 0;
    SHASH_FOR_EACH(node, valid)
    {
        docs[(*n)++] = node->data;
    }
    qsort(docs, *n, sizeof *docs, fs_doc_compare_created);
    return docs;
}

/* Step 1: every parsed document is a candidate; parse errors, then the
 * keys that name no resource, go to the snapshot's errors.  In hash order,
 * not sorted (a third of the build at 5,000 documents): every later step
 * that depends on order sorts what it walks (by id or by creation), and
 * status sorts the errors. */
static void collect(struct fs_build *b)
{
    const struct shash_node *node;
    SHASH_FOR_EACH(node, &b->m->docs)
    {
        struct fs_doc *doc = node->data;
        if (doc->res) {
            const struct fs_meta *meta = doc->res;
            shash_add(&b->valid[doc->kind], meta->id, doc);
        } else {
            fs_errors_extend(&b->snap->errors, &doc->errors);
            if (doc->n_held) {
                if (b->n_bad_slices >= b->allocated_bad_slices) {
                    b->bad_slices =
                        x2nrealloc(b->bad_slices, &b->allocated_bad_slices,
                                   sizeof *b->bad_slices);
                }
                b->bad_slices[b->n_bad_slices++] = doc;
            }
        }
    }
    fs_model_bad_key_errors(b->m, &b->snap->errors);
}

/* Copies the surviving resources of 'kind' into a new array sorted by id,
 * indexed in snap->by_id.  Returns the array; '*n' gets its length. */
static void *materialise(struct fs_build *b, enum fs_kind kind, size_t *n)
{
    size_t size = fs_kind_size(kind);
    *n = shash_count(&b->valid[kind]);
    char *array = xcalloc(*n + 1, size);
    const struct shash_node **nodes = shash_sort(&b->valid[kind]);
    for (size_t i = 0; i < *n; i++) {
        const struct fs_doc *doc = nodes[i]->data;
        memcpy(array + i * size, doc->res, size);
        const struct fs_meta *meta = (const void *)(array + i * size);
        shash_add(&b->snap->by_id[kind], meta->id, array + i * size);
    }
    free(nodes);
    return array;
}

/* Every path id taken: both kinds of allocation key (also those of chains
 * that no longer exist, until their keys are deleted) and the explicit
 * chain_id of every chain that parsed, accepted or not (it would collide
 * once it is fixed). */
static unsigned long *used_path_ids(const struct fs_model *m)
{
    unsigned long *used = bitmap_allocate(FS_MAX_CHAIN_ID + 1);
    struct shash_node *node;
    SHASH_FOR_EACH(node, &m->path_ids)
    {
        char *end;
        unsigned long n = strtoul(node->name, &end, 10);
        if (!*end && n > 0 && n <= FS_MAX_CHAIN_ID) {
            bitmap_set1(used, n);
        }
    }
    struct simap_node *sn;
    SIMAP_FOR_EACH(sn, &m->chain_paths)
    {
        bitmap_set1(used, sn->data);
    }
    SHASH_FOR_EACH(node, &m->docs)
    {
        const struct fs_doc *doc = node->data;
        const struct fs_port_chain *pc = doc->res;
        if (doc->kind == FS_PORT_CHAIN && pc && pc->chain_id) {
            bitmap_set1(used, pc->chain_id);
        }
    }
    return used;
}

void fs_assign_path_ids(struct fs_build *b)
{
    struct fs_snapshot *s = b->snap;
    s->used_path_ids = used_path_ids(b->m);
    for (size_t i = 0; i < s->n_port_chains; i++) {
        struct fs_port_chain *pc = &s->port_chains[i];
        pc->path_id = simap_get(&b->path_ids, pc->meta.id);
        if (!pc->path_id) {
            s->pending_chains =
                xrealloc(s->pending_chains,
                         (s->n_pending_chains + 1) * sizeof *s->pending_chains);
            s->pending_chains[s->n_pending_chains++] = xstrdup(pc->meta.id);
        }
        for (size_t j = 0; j < pc->n_port_pair_groups; j++) {
            shash_add_once(&s->chain_of_group, pc->port_pair_groups[j], pc);
        }
    }
}

/* Allocations whose chain has no document any more (deleted chains). */
void fs_find_chain_orphans(struct fs_build *b)
{
    struct fs_snapshot *s = b->snap;
    struct simap_node *sn;
    SIMAP_FOR_EACH(sn, &b->m->chain_paths)
    {
        char *key = xasprintf("%sport_chains/%s", FS_PREFIX, sn->name);
        if (!shash_find(&b->m->docs, key)) {
            s->orphan_chains =
                xrealloc(s->orphan_chains,
                         (s->n_orphans + 1) * sizeof *s->orphan_chains);
            s->orphan_path_ids =
                xrealloc(s->orphan_path_ids,
                         (s->n_orphans + 1) * sizeof *s->orphan_path_ids);
            s->orphan_chains[s->n_orphans] = xstrdup(sn->name);
            s->orphan_path_ids[s->n_orphans++] = sn->data;
        }
        free(key);
    }
}

/* A name and its number, for sorting two parallel arrays by name. */
struct named_number {
    char *name;
    uint32_t number;
};

static int compare_named(const void *a_, const void *b_)
{
    const struct named_number *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

void fs_sort_named_numbers(char **names, uint32_t *numbers, size_t n)
{
    struct named_number *v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i] = (struct named_number){names[i], numbers[i]};
    }
    if (n > 1) {
        qsort(v, n, sizeof *v, compare_named);
    }
    for (size_t i = 0; i < n; i++) {
        names[i] = v[i].name;
        numbers[i] = v[i].number;
    }
    free(v);
}

void fs_snapshot_canonical_order(struct fs_snapshot *s)
{
    fs_errors_sort(&s->errors);
    fs_sort_named_numbers(s->orphan_chains, s->orphan_path_ids, s->n_orphans);
    fs_sort_named_numbers(s->orphan_networks, s->orphan_vnis, s->n_orphan_vnis);
}

struct fs_snapshot *fs_snapshot_build(struct fs_model *m)
{
    struct fs_snapshot *s = xzalloc(sizeof *s);
    struct fs_build b = {.m = m, .snap = s};
    simap_init(&b.path_ids);
    simap_init(&b.vnis);
    s->revision = m->revision;
    for (int k = 0; k < FS_N_KINDS; k++) {
        shash_init(&b.valid[k]);
        shash_init(&s->by_id[k]);
    }
    shash_init(&s->chain_of_group);

    collect(&b);
    fs_check_references(&b);

    s->networks = materialise(&b, FS_NETWORK, &s->n_networks);
    s->ports = materialise(&b, FS_PORT, &s->n_ports);
    s->chassis = materialise(&b, FS_CHASSIS, &s->n_chassis);
    s->port_pairs = materialise(&b, FS_PORT_PAIR, &s->n_port_pairs);
    s->port_pair_groups =
        materialise(&b, FS_PORT_PAIR_GROUP, &s->n_port_pair_groups);
    s->flow_classifiers =
        materialise(&b, FS_FLOW_CLASSIFIER, &s->n_flow_classifiers);
    s->port_chains = materialise(&b, FS_PORT_CHAIN, &s->n_port_chains);
    s->slices = materialise(&b, FS_SLICE, &s->n_slices);
    s->flowspaces = materialise(&b, FS_FLOWSPACE, &s->n_flowspaces);
    s->subnets = materialise(&b, FS_SUBNET, &s->n_subnets);
    s->routers = materialise(&b, FS_ROUTER, &s->n_routers);
    fs_assign_path_ids(&b);
    fs_find_chain_orphans(&b);
    fs_assign_vnis(&b);
    fs_snapshot_canonical_order(s);

    for (int k = 0; k < FS_N_KINDS; k++) {
        shash_destroy(&b.valid[k]);
    }
    simap_destroy(&b.path_ids);
    simap_destroy(&b.vnis);
    free(b.bad_slices);
    return s;
}

void fs_snapshot_free_vni_lists(struct fs_snapshot *s)
{
    for (size_t i = 0; i < s->n_pending_networks; i++) {
        free(s->pending_networks[i]);
    }
    free(s->pending_networks);
    for (size_t i = 0; i < s->n_orphan_vnis; i++) {
        free(s->orphan_networks[i]);
    }
    free(s->orphan_networks);
    free(s->orphan_vnis);
    free(s->used_vnis);
}

void fs_snapshot_free_chain_lists(struct fs_snapshot *s)
{
    for (size_t i = 0; i < s->n_pending_chains; i++) {
        free(s->pending_chains[i]);
    }
    free(s->pending_chains);
    for (size_t i = 0; i < s->n_orphans; i++) {
        free(s->orphan_chains[i]);
    }
    free(s->orphan_chains);
    free(s->orphan_path_ids);
    bitmap_free(s->used_path_ids);
}

void fs_snapshot_destroy(struct fs_snapshot *s)
{
    if (!s) {
        return;
    }
    free(s->networks);
    free(s->ports);
    free(s->chassis);
    free(s->port_pairs);
    free(s->port_pair_groups);
    free(s->flow_classifiers);
    free(s->port_chains);
    free(s->slices);
    free(s->flowspaces);
    free(s->subnets);
    free(s->routers);
    for (int k = 0; k < FS_N_KINDS; k++) {
        shash_destroy(&s->by_id[k]);
    }
    fs_snapshot_free_chain_lists(s);
    fs_snapshot_free_vni_lists(s);
    shash_destroy(&s->chain_of_group);
    fs_errors_destroy(&s->errors);
    free(s);
}

const void *fs_snapshot_find(const struct fs_snapshot *s, enum fs_kind kind,
                             const char *id)
{
    return id && kind < FS_N_KINDS ? shash_find_data(&s->by_id[kind], id)
                                   : NULL;
}

uint32_t fs_snapshot_free_path_id(const struct fs_snapshot *s)
{
    for (uint32_t n = 1; n <= FS_MAX_MPLS_PATH_ID; n++) {
        if (!bitmap_is_set(s->used_path_ids, n)) {
            return n;
        }
    }
    return 0;
}

const struct fs_port_chain *
fs_snapshot_chain_of_group(const struct fs_snapshot *s, const char *ppg_id)
{
    return ppg_id ? shash_find_data(&s->chain_of_group, ppg_id) : NULL;
}

const struct fs_port_chain *fs_snapshot_group_hop(const struct fs_snapshot *s,
                                                  const char *ppg_id,
                                                  size_t *hop)
{
    const struct fs_port_chain *pc = fs_snapshot_chain_of_group(s, ppg_id);
    for (size_t i = 0; pc && i < pc->n_port_pair_groups; i++) {
        if (!strcmp(pc->port_pair_groups[i], ppg_id)) {
            *hop = i;
            return pc;
        }
    }
    return NULL;
}

void **fs_snapshot_array_slot(struct fs_snapshot *s, enum fs_kind kind,
                              size_t **n)
{
    switch (kind) {
    case FS_NETWORK:
        *n = &s->n_networks;
        return (void **)&s->networks;
    case FS_PORT:
        *n = &s->n_ports;
        return (void **)&s->ports;
    case FS_CHASSIS:
        *n = &s->n_chassis;
        return (void **)&s->chassis;
    case FS_PORT_PAIR:
        *n = &s->n_port_pairs;
        return (void **)&s->port_pairs;
    case FS_PORT_PAIR_GROUP:
        *n = &s->n_port_pair_groups;
        return (void **)&s->port_pair_groups;
    case FS_FLOW_CLASSIFIER:
        *n = &s->n_flow_classifiers;
        return (void **)&s->flow_classifiers;
    case FS_PORT_CHAIN:
        *n = &s->n_port_chains;
        return (void **)&s->port_chains;
    case FS_SLICE:
        *n = &s->n_slices;
        return (void **)&s->slices;
    case FS_FLOWSPACE:
        *n = &s->n_flowspaces;
        return (void **)&s->flowspaces;
    case FS_SUBNET:
        *n = &s->n_subnets;
        return (void **)&s->subnets;
    case FS_ROUTER:
        *n = &s->n_routers;
        return (void **)&s->routers;
    case FS_N_KINDS:
    default:
        OVS_NOT_REACHED();
    }
}

const void *fs_snapshot_array(const struct fs_snapshot *s, enum fs_kind kind,
                              size_t *n)
{
    size_t *count;
    void **array = fs_snapshot_array_slot(CONST_CAST(struct fs_snapshot *, s),
                                          kind, &count);
    *n = *count;
    return *array;
}

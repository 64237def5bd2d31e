/* The incremental snapshot (model/model.h, fs_snapshot_update()).
 *
 * The cache keeps, across updates, every document that parsed (by kind
 * and id) with its verdict (accepted, or the rule's error), the accepted
 * ones by kind (the 'valid' maps the rules read), who references whom,
 * and the snapshot itself.  An update reads what the model recorded since
 * the last one (model/store.h: documents put or deleted, allocation keys)
 * and runs the rules of model/refs.c again, with the same code, over the
 * part of each kind a change can affect, kind after kind in the order of
 * fs_check_references():
 *
 *   networks and slices   all of them, when a network, a slice or a VNI
 *                         allocation changed (VLAN ids per physnet, VNIs,
 *                         slice membership: few documents);
 *   chassis, subnets, routers, port pairs, flow classifiers
 *                         the documents changed and those referencing a
 *                         resource touched before (a subnet's network, a
 *                         pair's ports, a classifier's logical ports);
 *   ports                 likewise (a port's network, its fixed IPs'
 *                         subnets, an interface's router), and every
 *                         interface of a router one of them is or was an
 *                         interface of (interfaces of one router compete
 *                         for overlapping subnets);
 *   port pair groups      those changed or referencing a touched pair,
 *                         closed over "shares a port pair" (a pair in one
 *                         group: the first by id keeps it);
 *   port chains           those changed or referencing a touched group or
 *                         classifier, or whose allocation changed, closed
 *                         over "shares a slot": a group, a classifier, a
 *                         classifier's logical source port (overlaps), a
 *                         path id (explicit or allocated), before or after
 *                         the change;
 *   flowspaces            every flowspace at a priority one changed or
 *                         touched (by its slice or in_port) has or had.
 *
 * A resource is "touched" when its document changed or its verdict did;
 * what references a touched resource is checked again.  A rule run over a
 * closed part of its kind (no resource outside it competes with one
 * inside) gives the verdicts a run over the whole kind gives, since every
 * rule reads only the resources of its kind that share a slot with the
 * one it checks and the final verdicts of the kinds before it.
 *
 * The snapshot's arrays are kept sorted by id and patched in place: a
 * resource whose document or verdict changed is copied again, inserted or
 * removed (memmove; by_id of that kind is then rebuilt).  Path ids,
 * pending chains, chain_of_group and the chain orphans are computed again
 * (model/snapshot.c) only when a chain's document, membership or path id
 * or a path id allocation changed; the VNI lists (model/vnis.c) only when
 * the networks' rule ran or a VNI key changed; the errors (sorted) only
 * when one changed.  fs_snapshot_build() stays the reference:
 * tests/unit/test_model_incremental.c compares both after every step of
 * long random sequences. */
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "model/build.h"
#include "model/parse.h"
#include "model/store.h"
#include "util.h"

int fs_snapshot_cache_break;

/* One document that parsed. */
struct entry {
    enum fs_kind kind;
    char *id;
    struct fs_doc *doc;      /* Owned by the model. */
    bool accepted;           /* Its verdict... */
    struct fs_errors errors; /* ...and if rejected by a rule, why. */
    uint32_t number;         /* Chains: path id; networks: VNI. */
    struct sset slots;       /* Chains: what they compete for. */
};

struct fs_snapshot_cache {
    struct fs_model *m;
    struct fs_snapshot *snap;
    size_t allocated[FS_N_KINDS];     /* Of each array of 'snap'. */
    struct shash entries[FS_N_KINDS]; /* id -> struct entry. */
    struct shash by_key;              /* etcd key -> struct entry. */
    struct shash valid[FS_N_KINDS];   /* id -> struct fs_doc, accepted. */
    struct shash unparsed;            /* etcd key -> struct fs_doc. */
    /* Referenced (kind, id) -> the documents that reference it, by kind
     * (struct referrers): rindex[kind] maps the id. */
    struct shash rindex[FS_N_KINDS];
    struct shash slot_chains;   /* Slot -> struct sset of chain ids. */
    struct shash fs_priorities; /* "<priority>" -> sset of flowspace ids. */
    struct simap path_ids;      /* Accepted chain id -> path id. */
    struct simap vnis;          /* Accepted overlay network id -> VNI. */
    struct shash rejected;      /* etcd key -> struct entry, rejected. */

    uint64_t generation;             /* Updates so far. */
    struct sset changed[FS_N_KINDS]; /* snap->changed: the last touched. */

    /* Per update. */
    struct sset touched[FS_N_KINDS];
    struct sset chain_seed_slots; /* Slots of chains before a change. */
    struct sset group_seed_pairs; /* Pairs of groups before a change. */
    struct sset fs_seed_priorities;
    struct sset port_seed_routers; /* Routers of interfaces before. */
    bool chains_moved; /* A chain inserted, removed, or its doc changed. */
    bool errors_dirty;
    bool membership[FS_N_KINDS]; /* Array membership changed. */
    size_t checked;              /* Resources checked in the last update. */
};

static struct sset empty_set = SSET_INITIALIZER(&empty_set);

static const struct sset *or_empty(const struct sset *set)
{
    return set ? set : &empty_set;
}

static void index_add(struct shash *index, const char *name, const char *v)
{
    struct sset *set = shash_find_data(index, name);
    if (!set) {
        set = xmalloc(sizeof *set);
        sset_init(set);
        shash_add(index, name, set);
    }
    sset_add(set, v);
}

static void index_remove(struct shash *index, const char *name, const char *v)
{
    struct shash_node *node = shash_find(index, name);
    if (node) {
        struct sset *set = node->data;
        sset_find_and_delete(set, v);
        if (sset_is_empty(set)) {
            sset_destroy(set);
            free(set);
            shash_delete(index, node);
        }
    }
}

static void index_destroy(struct shash *index)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, index)
    {
        sset_destroy(node->data);
        free(node->data);
    }
    shash_destroy(index);
}

/* The documents that reference one (kind, id), by their kind: ids. */
struct referrers {
    struct sset from[FS_N_KINDS];
};

static struct sset *referrers_of(struct fs_snapshot_cache *c, enum fs_kind kind,
                                 const char *id, bool create)
{
    struct referrers *r = shash_find_data(&c->rindex[kind], id);
    if (!r && create) {
        r = xmalloc(sizeof *r);
        for (int k = 0; k < FS_N_KINDS; k++) {
            sset_init(&r->from[k]);
        }
        shash_add(&c->rindex[kind], id, r);
    }
    return r ? r->from : NULL;
}

static void referrers_destroy(struct shash *index)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, index)
    {
        struct referrers *r = node->data;
        for (int k = 0; k < FS_N_KINDS; k++) {
            sset_destroy(&r->from[k]);
        }
        free(r);
    }
    shash_destroy(index);
}

/* Drops (kind, id)'s entry once nothing references it. */
static void referrers_trim(struct fs_snapshot_cache *c, enum fs_kind kind,
                           const char *id)
{
    struct shash_node *node = shash_find(&c->rindex[kind], id);
    struct referrers *r = node ? node->data : NULL;
    for (int k = 0; r && k < FS_N_KINDS; k++) {
        if (!sset_is_empty(&r->from[k])) {
            return;
        }
    }
    if (r) {
        for (int k = 0; k < FS_N_KINDS; k++) {
            sset_destroy(&r->from[k]);
        }
        free(r);
        shash_delete(&c->rindex[kind], node);
    }
}

struct ref_aux {
    struct fs_snapshot_cache *c;
    enum fs_kind kind; /* The referencing document's. */
    const char *id;
    bool add;
};

static void ref_cb(void *aux_, const struct fs_ref *ref, size_t index,
                   const char *target)
{
    struct ref_aux *aux = aux_;
    if (aux->add) {
        sset_add(&referrers_of(aux->c, ref->target, target, true)[aux->kind],
                 aux->id);
    } else {
        struct sset *from = referrers_of(aux->c, ref->target, target, false);
        if (from) {
            sset_find_and_delete(&from[aux->kind], aux->id);
            referrers_trim(aux->c, ref->target, target);
        }
    }
}

/* Indexes (or, 'add' false, unindexes) the references of document 'doc'
 * (parsed) of resource 'id': the graph of model/refgraph.c, each
 * reference one whose verdict a rule of its kind reads. */
static void update_refs(struct fs_snapshot_cache *c, const struct fs_doc *doc,
                        const char *id, bool add)
{
    struct ref_aux aux = {c, doc->kind, id, add};
    fs_ref_foreach(doc->kind, doc->res, ref_cb, &aux);
}

/* Touches everything that references (kind, id). */
static void propagate(struct fs_snapshot_cache *c, enum fs_kind kind,
                      const char *id)
{
    const struct sset *from = referrers_of(c, kind, id, false);
    for (int k = 0; from && k < FS_N_KINDS; k++) {
        const char *ref;
        SSET_FOR_EACH(ref, &from[k])
        {
            sset_add(&c->touched[k], ref);
        }
    }
}

/* The port pair groups that reference port pair 'pp'. */
static const struct sset *groups_of_pair(struct fs_snapshot_cache *c,
                                         const char *pp)
{
    const struct sset *from = referrers_of(c, FS_PORT_PAIR, pp, false);
    return from ? &from[FS_PORT_PAIR_GROUP] : &empty_set;
}

/* Chains. */

static char *slot_number(uint32_t n)
{
    return xasprintf("p:%u", n);
}

/* The slots chain 'e' competes for now: its groups, its classifiers,
 * their logical source ports (of the classifier documents that parsed,
 * valid or not), its chain_id or its allocated path id. */
static void chain_slots(const struct fs_snapshot_cache *c,
                        const struct entry *e, struct sset *slots)
{
    const struct fs_port_chain *pc = e->doc->res;
    for (size_t i = 0; i < pc->n_port_pair_groups; i++) {
        sset_add_and_free(slots, xasprintf("g:%s", pc->port_pair_groups[i]));
    }
    for (size_t i = 0; i < pc->n_flow_classifiers; i++) {
        const char *fid = pc->flow_classifiers[i];
        sset_add_and_free(slots, xasprintf("c:%s", fid));
        const struct entry *fe =
            shash_find_data(&c->entries[FS_FLOW_CLASSIFIER], fid);
        if (fe) {
            const struct fs_flow_classifier *fc = fe->doc->res;
            sset_add_and_free(slots,
                              xasprintf("s:%s", fc->logical_source_port));
        }
    }
    uint32_t n =
        pc->chain_id ? pc->chain_id : simap_get(&c->m->chain_paths, e->id);
    if (n) {
        sset_add_and_free(slots, slot_number(n));
    }
}

static void chain_slots_index(struct fs_snapshot_cache *c, struct entry *e,
                              bool add)
{
    const char *slot;
    SSET_FOR_EACH(slot, &e->slots)
    {
        if (add) {
            index_add(&c->slot_chains, slot, e->id);
        } else {
            index_remove(&c->slot_chains, slot, e->id);
        }
    }
}

/* Flowspaces. */

static char *priority_name(const struct fs_doc *doc)
{
    return xasprintf("%d", ((const struct fs_flowspace *)doc->res)->priority);
}

/* Entries. */

static void entry_free(struct entry *e)
{
    free(e->id);
    fs_errors_destroy(&e->errors);
    sset_destroy(&e->slots);
    free(e);
}

/* Records what a change of a document of 'kind' at 'key' from 'old' to
 * 'new' (either NULL) does before the rules run: entries, references,
 * seeds of the parts to check again. */
static void doc_changed(struct fs_snapshot_cache *c, const char *key,
                        struct fs_doc *old, struct fs_doc *new)
{
    if (old && !old->res) {
        shash_find_and_delete(&c->unparsed, key);
        c->errors_dirty = true;
    }
    if (new && !new->res) {
        shash_add(&c->unparsed, key, new);
        c->errors_dirty = true;
    }
    struct fs_doc *any = new ? new : old;
    enum fs_kind kind = any->kind;
    const char *id = strrchr(key, '/') + 1;
    struct entry *e = shash_find_data(&c->entries[kind], id);
    if (e) {
        ovs_assert(old && old->res && e->doc == old);
        update_refs(c, old, id, false);
        if (kind == FS_PORT_PAIR_GROUP) {
            const struct fs_port_pair_group *g = old->res;
            for (size_t i = 0; i < g->n_port_pairs; i++) {
                sset_add(&c->group_seed_pairs, g->port_pairs[i]);
            }
        } else if (kind == FS_FLOWSPACE) {
            sset_add_and_free(&c->fs_seed_priorities, priority_name(old));
        } else if (kind == FS_PORT) {
            const struct fs_port *port = old->res;
            if (port->router_id) {
                sset_add(&c->port_seed_routers, port->router_id);
            }
        }
        c->chains_moved |= kind == FS_PORT_CHAIN;
    }
    if (new &&new->res) {
        if (!e) {
            e = xzalloc(sizeof *e);
            e->kind = kind;
            e->id = xstrdup(id);
            e->errors = (struct fs_errors)FS_ERRORS_INITIALIZER;
            sset_init(&e->slots);
            shash_add(&c->entries[kind], id, e);
            shash_add(&c->by_key, key, e);
        }
        e->doc = new;
        update_refs(c, new, id, true);
        if (e->accepted) {
            shash_replace(&c->valid[kind], id, new);
        }
        if (kind == FS_FLOWSPACE) {
            sset_add_and_free(&c->fs_seed_priorities, priority_name(new));
        }
    } else if (e) {
        /* Gone (deleted, or no longer parses): rejected by no rule. */
        if (kind == FS_PORT_CHAIN) {
            const char *slot;
            SSET_FOR_EACH(slot, &e->slots)
            {
                sset_add(&c->chain_seed_slots, slot);
            }
            chain_slots_index(c, e, false);
        }
        if (e->accepted) {
            shash_find_and_delete(&c->valid[kind], id);
        } else {
            shash_find_and_delete(&c->rejected, key);
            c->errors_dirty = true;
        }
        shash_find_and_delete(&c->entries[kind], id);
        shash_find_and_delete(&c->by_key, key);
        entry_free(e);
    }
    sset_add(&c->touched[kind], id);
}

/* Running one rule over a part of its kind. */

/* A build whose accepted resources of the kinds in 'kinds' are the
 * entries of 'ids' of each, the others the cache's valid maps (shared,
 * read only: the rules only remove resources of the kind they check). */
struct part {
    struct fs_build b;
    struct fs_snapshot scratch;
    enum fs_kind kinds[2];
    size_t n_kinds;
};

static void part_start(struct fs_snapshot_cache *c, struct part *p)
{
    memset(p, 0, sizeof *p);
    p->b.m = c->m;
    p->b.snap = &p->scratch;
    for (int k = 0; k < FS_N_KINDS; k++) {
        p->b.valid[k] = c->valid[k];
    }
    simap_init(&p->b.path_ids);
    simap_init(&p->b.vnis);
}

/* Makes 'kind' a kind 'p' checks, with the entries of 'ids' as its
 * candidates. */
static void part_add(struct fs_snapshot_cache *c, struct part *p,
                     enum fs_kind kind, const struct sset *ids)
{
    p->kinds[p->n_kinds++] = kind;
    shash_init(&p->b.valid[kind]);
    const char *id;
    SSET_FOR_EACH(id, ids)
    {
        struct entry *e = shash_find_data(&c->entries[kind], id);
        if (e) {
            shash_add(&p->b.valid[kind], id, e->doc);
        }
    }
}

static bool same_errors(const struct fs_errors *a, const struct fs_errors *b)
{
    return fs_errors_equal(a, b);
}

/* After the rule of 'p' ran: the verdicts of 'ids' of 'kind'.  Those that
 * changed are touched. */
static void part_verdicts(struct fs_snapshot_cache *c, struct part *p,
                          enum fs_kind kind, const struct sset *ids)
{
    struct shash errs = SHASH_INITIALIZER(&errs);
    for (size_t i = 0; i < p->scratch.errors.n; i++) {
        const struct fs_error *err = &p->scratch.errors.items[i];
        struct fs_errors *list = shash_find_data(&errs, err->key);
        if (!list) {
            list = xzalloc(sizeof *list);
            shash_add(&errs, err->key, list);
        }
        fs_errors_add(list, err->key, err->path, "%s", err->message);
    }
    const char *id;
    SSET_FOR_EACH(id, ids)
    {
        struct entry *e = shash_find_data(&c->entries[kind], id);
        if (!e) {
            continue;
        }
        c->checked++;
        bool accepted = shash_find(&p->b.valid[kind], id) != NULL;
        struct fs_errors *list = shash_find_data(&errs, e->doc->key);
        struct fs_errors none = FS_ERRORS_INITIALIZER;
        if (!list) {
            list = &none;
        }
        if (accepted != e->accepted || !same_errors(list, &e->errors)) {
            if (fs_snapshot_cache_break != 1) {
                sset_add(&c->touched[kind], id);
            }
            c->errors_dirty = true;
            if (accepted) {
                shash_add(&c->valid[kind], id, e->doc);
            } else if (e->accepted) {
                shash_find_and_delete(&c->valid[kind], id);
            }
            e->accepted = accepted;
            if (accepted) {
                shash_find_and_delete(&c->rejected, e->doc->key);
            } else {
                shash_replace(&c->rejected, e->doc->key, e);
            }
            fs_errors_destroy(&e->errors);
            e->errors = *list;
            *list = none;
        }
    }
    struct shash_node *node;
    SHASH_FOR_EACH(node, &errs)
    {
        fs_errors_destroy(node->data);
    }
    shash_destroy_free_data(&errs);
}

static void part_finish(struct fs_snapshot_cache *c, struct part *p)
{
    for (size_t i = 0; i < p->n_kinds; i++) {
        shash_destroy(&p->b.valid[p->kinds[i]]);
    }
    fs_errors_destroy(&p->scratch.errors);
    simap_destroy(&p->b.path_ids);
    simap_destroy(&p->b.vnis);
}

/* Networks and slices: all of them, when one changed or a VNI allocation
 * did. */
static void run_networks(struct fs_snapshot_cache *c)
{
    if (sset_is_empty(&c->touched[FS_NETWORK]) &&
        sset_is_empty(&c->touched[FS_SLICE]) &&
        sset_is_empty(&c->m->network_allocs)) {
        return;
    }
    struct sset nets = SSET_INITIALIZER(&nets);
    struct sset slices = SSET_INITIALIZER(&slices);
    struct shash_node *node;
    SHASH_FOR_EACH(node, &c->entries[FS_NETWORK])
    {
        sset_add(&nets, node->name);
    }
    SHASH_FOR_EACH(node, &c->entries[FS_SLICE])
    {
        sset_add(&slices, node->name);
    }
    struct part p;
    part_start(c, &p);
    part_add(c, &p, FS_NETWORK, &nets);
    part_add(c, &p, FS_SLICE, &slices);
    fs_check_provider_networks(&p.b);
    fs_check_overlay_networks(&p.b);
    fs_check_slices(&p.b);
    part_verdicts(c, &p, FS_NETWORK, &nets);
    part_verdicts(c, &p, FS_SLICE, &slices);
    simap_swap(&c->vnis, &p.b.vnis);
    part_finish(c, &p);
    /* A network's VNI is in its array entry: copy those that changed. */
    const char *id;
    SSET_FOR_EACH(id, &nets)
    {
        struct entry *e = shash_find_data(&c->entries[FS_NETWORK], id);
        uint32_t vni = simap_get(&c->vnis, id);
        if (e->accepted && e->number != vni) {
            sset_add(&c->touched[FS_NETWORK], id);
        }
        e->number = vni;
    }
    sset_destroy(&nets);
    sset_destroy(&slices);
}

/* A kind whose resources do not compete: the touched ones alone. */
static void run_simple(struct fs_snapshot_cache *c, enum fs_kind kind,
                       void (*rule)(struct fs_build *))
{
    struct sset ids = SSET_INITIALIZER(&ids);
    sset_clone(&ids, &c->touched[kind]);
    struct part p;
    part_start(c, &p);
    part_add(c, &p, kind, &ids);
    if (rule) {
        rule(&p.b);
    }
    part_verdicts(c, &p, kind, &ids);
    part_finish(c, &p);
    sset_destroy(&ids);
}

/* Ports: the touched ones and every interface port of a router one of
 * them is (or was, before the change) an interface of: the interfaces of
 * one router compete for overlapping subnets. */
static void run_ports(struct fs_snapshot_cache *c)
{
    struct sset part = SSET_INITIALIZER(&part);
    sset_clone(&part, &c->touched[FS_PORT]);
    const char *id;
    SSET_FOR_EACH(id, &c->touched[FS_PORT])
    {
        const struct entry *e = shash_find_data(&c->entries[FS_PORT], id);
        const struct fs_port *port = e ? e->doc->res : NULL;
        if (port && port->router_id) {
            sset_add(&c->port_seed_routers, port->router_id);
        }
    }
    const char *router;
    SSET_FOR_EACH(router, &c->port_seed_routers)
    {
        const struct sset *from = referrers_of(c, FS_ROUTER, router, false);
        if (!from || fs_snapshot_cache_break == 6) {
            continue;
        }
        SSET_FOR_EACH(id, &from[FS_PORT])
        {
            sset_add(&part, id);
        }
    }
    struct part p;
    part_start(c, &p);
    part_add(c, &p, FS_PORT, &part);
    fs_check_ports(&p.b);
    fs_check_router_interfaces(&p.b);
    part_verdicts(c, &p, FS_PORT, &part);
    part_finish(c, &p);
    sset_destroy(&part);
}

/* Groups: the touched ones and every group sharing a port pair with one
 * of the part, before or after the change. */
static void run_groups(struct fs_snapshot_cache *c)
{
    struct sset part = SSET_INITIALIZER(&part);
    struct sset pairs = SSET_INITIALIZER(&pairs);
    struct sset queue = SSET_INITIALIZER(&queue);
    sset_clone(&queue, &c->touched[FS_PORT_PAIR_GROUP]);
    const char *pp;
    SSET_FOR_EACH(pp, &c->group_seed_pairs)
    {
        sset_add(&pairs, pp);
        const char *g;
        SSET_FOR_EACH(g, groups_of_pair(c, pp))
        {
            sset_add(&queue, g);
        }
    }
    while (!sset_is_empty(&queue)) {
        char *id = sset_pop(&queue);
        if (!sset_add(&part, id)) {
            free(id);
            continue;
        }
        const struct entry *e =
            shash_find_data(&c->entries[FS_PORT_PAIR_GROUP], id);
        const struct fs_port_pair_group *g = e ? e->doc->res : NULL;
        for (size_t i = 0; g && i < g->n_port_pairs; i++) {
            if (!sset_add(&pairs, g->port_pairs[i]) ||
                fs_snapshot_cache_break == 2) {
                continue;
            }
            const char *other;
            SSET_FOR_EACH(other, groups_of_pair(c, g->port_pairs[i]))
            {
                if (!sset_contains(&part, other)) {
                    sset_add(&queue, other);
                }
            }
        }
        free(id);
    }
    struct part p;
    part_start(c, &p);
    part_add(c, &p, FS_PORT_PAIR_GROUP, &part);
    fs_check_groups(&p.b);
    part_verdicts(c, &p, FS_PORT_PAIR_GROUP, &part);
    part_finish(c, &p);
    sset_destroy(&part);
    sset_destroy(&pairs);
    sset_destroy(&queue);
}

/* Chains: the touched ones (their slots computed again) and every chain
 * sharing a slot with one of the part, before or after the change. */
static void run_chains(struct fs_snapshot_cache *c)
{
    struct sset part = SSET_INITIALIZER(&part);
    struct sset seen_slots = SSET_INITIALIZER(&seen_slots);
    struct sset queue = SSET_INITIALIZER(&queue);
    struct sset slots = SSET_INITIALIZER(&slots);
    const char *id;
    SSET_FOR_EACH(id, &c->m->chain_allocs)
    {
        sset_add(&c->touched[FS_PORT_CHAIN], id);
    }
    SSET_FOR_EACH(id, &c->touched[FS_PORT_CHAIN])
    {
        struct entry *e = shash_find_data(&c->entries[FS_PORT_CHAIN], id);
        if (!e) {
            continue;
        }
        const char *slot;
        SSET_FOR_EACH(slot, &e->slots)
        {
            sset_add(&c->chain_seed_slots, slot);
        }
        chain_slots_index(c, e, false);
        sset_clear(&e->slots);
        chain_slots(c, e, &e->slots);
        chain_slots_index(c, e, true);
        sset_add(&queue, id);
    }
    const char *slot;
    SSET_FOR_EACH(slot, &c->chain_seed_slots)
    {
        sset_add(&slots, slot);
    }
    if (fs_snapshot_cache_break == 3) {
        sset_clear(&slots);
    }
    for (;;) {
        while (!sset_is_empty(&slots)) {
            char *s = sset_pop(&slots);
            if (sset_add(&seen_slots, s)) {
                const struct sset *chains = shash_find_data(&c->slot_chains, s);
                const char *cid;
                SSET_FOR_EACH(cid, or_empty(chains))
                {
                    if (!sset_contains(&part, cid)) {
                        sset_add(&queue, cid);
                    }
                }
            }
            free(s);
        }
        if (sset_is_empty(&queue)) {
            break;
        }
        char *cid = sset_pop(&queue);
        if (sset_add(&part, cid) && fs_snapshot_cache_break != 4) {
            struct entry *e = shash_find_data(&c->entries[FS_PORT_CHAIN], cid);
            SSET_FOR_EACH(slot, or_empty(e ? &e->slots : NULL))
            {
                if (!sset_contains(&seen_slots, slot)) {
                    sset_add(&slots, slot);
                }
            }
        }
        free(cid);
    }

    struct part p;
    part_start(c, &p);
    part_add(c, &p, FS_PORT_CHAIN, &part);
    fs_check_chains(&p.b);
    part_verdicts(c, &p, FS_PORT_CHAIN, &part);
    SSET_FOR_EACH(id, &part)
    {
        struct entry *e = shash_find_data(&c->entries[FS_PORT_CHAIN], id);
        if (!e) {
            continue;
        }
        uint32_t path_id = e->accepted ? simap_get(&p.b.path_ids, id) : 0;
        if (e->accepted) {
            simap_put(&c->path_ids, id, path_id);
        } else {
            simap_find_and_delete(&c->path_ids, id);
        }
        if (path_id != e->number) {
            sset_add(&c->touched[FS_PORT_CHAIN], id);
            c->chains_moved = true;
        }
        e->number = path_id;
    }
    SSET_FOR_EACH(id, &c->touched[FS_PORT_CHAIN])
    {
        if (!shash_find(&c->entries[FS_PORT_CHAIN], id)) {
            simap_find_and_delete(&c->path_ids, id);
        }
    }
    part_finish(c, &p);
    sset_destroy(&part);
    sset_destroy(&seen_slots);
    sset_destroy(&queue);
    sset_destroy(&slots);
}

/* Flowspaces: every one at a priority a touched one has or had. */
static void run_flowspaces(struct fs_snapshot_cache *c)
{
    const char *id;
    SSET_FOR_EACH(id, &c->touched[FS_FLOWSPACE])
    {
        const struct entry *e = shash_find_data(&c->entries[FS_FLOWSPACE], id);
        if (e) {
            sset_add_and_free(&c->fs_seed_priorities, priority_name(e->doc));
        }
    }
    struct sset part = SSET_INITIALIZER(&part);
    sset_clone(&part, &c->touched[FS_FLOWSPACE]);
    const char *prio;
    SSET_FOR_EACH(prio, &c->fs_seed_priorities)
    {
        const struct sset *ids = shash_find_data(&c->fs_priorities, prio);
        SSET_FOR_EACH(id, or_empty(ids))
        {
            sset_add(&part, id);
        }
    }
    struct part p;
    part_start(c, &p);
    part_add(c, &p, FS_FLOWSPACE, &part);
    fs_check_flowspaces(&p.b);
    part_verdicts(c, &p, FS_FLOWSPACE, &part);
    part_finish(c, &p);
    sset_destroy(&part);
}

/* Index of the first element of 'array' (of 'n' of 'size' bytes, sorted by
 * id) whose id is not less than 'id'; '*found' tells whether it is 'id'. */
static size_t array_find(const char *array, size_t n, size_t size,
                         const char *id, bool *found)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct fs_meta *meta = (const void *)(array + mid * size);
        int cmp = strcmp(meta->id, id);
        if (cmp < 0) {
            lo = mid + 1;
        } else if (cmp > 0) {
            hi = mid;
        } else {
            *found = true;
            return mid;
        }
    }
    *found = false;
    return lo;
}

/* Copies entry 'e''s resource into array slot 'slot'. */
static void copy_res(void *slot, const struct entry *e)
{
    memcpy(slot, e->doc->res, fs_kind_size(e->kind));
    if (e->kind == FS_NETWORK) {
        ((struct fs_network *)slot)->vni = e->number;
    } else if (e->kind == FS_PORT_CHAIN) {
        ((struct fs_port_chain *)slot)->path_id = e->number;
    }
}

/* Brings the array of 'kind' in step with the verdicts of its touched
 * resources: one by one when they are few, else whole again. */
static void patch_array(struct fs_snapshot_cache *c, enum fs_kind kind)
{
    struct fs_snapshot *s = c->snap;
    size_t *n;
    void **arrayp = fs_snapshot_array_slot(s, kind, &n);
    size_t size = fs_kind_size(kind);
    const struct sset *ids = &c->touched[kind];
    if (sset_count(ids) > 16 + *n / 8) {
        const struct shash_node **nodes = shash_sort(&c->valid[kind]);
        size_t count = shash_count(&c->valid[kind]);
        if (count + 1 > c->allocated[kind]) {
            c->allocated[kind] = count + 1;
            *arrayp = xrealloc(*arrayp, c->allocated[kind] * size);
        }
        for (size_t i = 0; i < count; i++) {
            const struct fs_meta *meta = ((struct fs_doc *)nodes[i]->data)->res;
            copy_res((char *)*arrayp + i * size,
                     shash_find_data(&c->entries[kind], meta->id));
        }
        free(nodes);
        *n = count;
        c->membership[kind] = true;
        return;
    }
    const char *id;
    SSET_FOR_EACH(id, ids)
    {
        const struct entry *e = shash_find_data(&c->entries[kind], id);
        bool found;
        size_t i = array_find(*arrayp, *n, size, id, &found);
        char *array = *arrayp;
        if (e && e->accepted) {
            if (!found) {
                if (*n + 1 >= c->allocated[kind]) {
                    c->allocated[kind] = 2 * (*n + 1);
                    *arrayp = array =
                        xrealloc(array, c->allocated[kind] * size);
                }
                memmove(array + (i + 1) * size, array + i * size,
                        (*n - i) * size);
                (*n)++;
                c->membership[kind] = true;
            }
            copy_res(array + i * size, e);
        } else if (found) {
            memmove(array + i * size, array + (i + 1) * size,
                    (*n - i - 1) * size);
            (*n)--;
            c->membership[kind] = true;
        }
    }
}

static void rebuild_by_id(struct fs_snapshot_cache *c, enum fs_kind kind)
{
    struct fs_snapshot *s = c->snap;
    size_t *n;
    char *array = *fs_snapshot_array_slot(s, kind, &n);
    size_t size = fs_kind_size(kind);
    shash_clear(&s->by_id[kind]);
    for (size_t i = 0; i < *n; i++) {
        const struct fs_meta *meta = (const void *)(array + i * size);
        shash_add(&s->by_id[kind], meta->id, array + i * size);
    }
}

/* Path ids, pending chains, chain_of_group, used path ids and orphans:
 * with model/snapshot.c's code, over the whole chain array. */
static void chain_lists(struct fs_snapshot_cache *c)
{
    struct fs_snapshot *s = c->snap;
    struct fs_snapshot t = {
        .port_chains = s->port_chains,
        .n_port_chains = s->n_port_chains,
    };
    shash_init(&t.chain_of_group);
    struct fs_build b = {.m = c->m, .snap = &t, .path_ids = c->path_ids};
    fs_assign_path_ids(&b);
    fs_find_chain_orphans(&b);
    fs_sort_named_numbers(t.orphan_chains, t.orphan_path_ids, t.n_orphans);

    fs_snapshot_free_chain_lists(s);
    shash_swap(&s->chain_of_group, &t.chain_of_group);
    shash_destroy(&t.chain_of_group);
    s->pending_chains = t.pending_chains;
    s->n_pending_chains = t.n_pending_chains;
    s->orphan_chains = t.orphan_chains;
    s->orphan_path_ids = t.orphan_path_ids;
    s->n_orphans = t.n_orphans;
    s->used_path_ids = t.used_path_ids;
}

/* Pending networks, used VNIs, VNI orphans: model/vnis.c's code. */
static void vni_lists(struct fs_snapshot_cache *c)
{
    struct fs_snapshot *s = c->snap;
    struct fs_snapshot t = {
        .networks = s->networks,
        .n_networks = s->n_networks,
    };
    struct fs_build b = {.m = c->m, .snap = &t, .vnis = c->vnis};
    fs_assign_vnis(&b);
    fs_sort_named_numbers(t.orphan_networks, t.orphan_vnis, t.n_orphan_vnis);
    fs_snapshot_free_vni_lists(s);
    s->pending_networks = t.pending_networks;
    s->n_pending_networks = t.n_pending_networks;
    s->orphan_networks = t.orphan_networks;
    s->orphan_vnis = t.orphan_vnis;
    s->n_orphan_vnis = t.n_orphan_vnis;
    s->used_vnis = t.used_vnis;
    s->n_used_vnis = t.n_used_vnis;
}

static void rebuild_errors(struct fs_snapshot_cache *c)
{
    struct fs_errors *errs = &c->snap->errors;
    fs_errors_clear(errs);
    struct shash_node *node;
    SHASH_FOR_EACH(node, &c->unparsed)
    {
        fs_errors_extend(errs, &((struct fs_doc *)node->data)->errors);
    }
    fs_model_bad_key_errors(c->m, errs);
    SHASH_FOR_EACH(node, &c->rejected)
    {
        const struct entry *e = node->data;
        fs_errors_extend(errs, &e->errors);
    }
    fs_errors_sort(errs);
}

/* The cache. */

struct fs_snapshot_cache *fs_snapshot_cache_create(void)
{
    struct fs_snapshot_cache *c = xzalloc(sizeof *c);
    for (int k = 0; k < FS_N_KINDS; k++) {
        shash_init(&c->entries[k]);
        shash_init(&c->valid[k]);
        shash_init(&c->rindex[k]);
        sset_init(&c->touched[k]);
        sset_init(&c->changed[k]);
    }
    shash_init(&c->by_key);
    shash_init(&c->unparsed);
    shash_init(&c->slot_chains);
    shash_init(&c->fs_priorities);
    simap_init(&c->path_ids);
    simap_init(&c->vnis);
    shash_init(&c->rejected);
    sset_init(&c->chain_seed_slots);
    sset_init(&c->group_seed_pairs);
    sset_init(&c->fs_seed_priorities);
    sset_init(&c->port_seed_routers);
    return c;
}

/* Frees what the cache keeps (never reading a document: the model may
 * have freed them) and leaves it empty. */
static void cache_clear(struct fs_snapshot_cache *c)
{
    for (int k = 0; k < FS_N_KINDS; k++) {
        struct shash_node *node;
        SHASH_FOR_EACH(node, &c->entries[k])
        {
            entry_free(node->data);
        }
        shash_clear(&c->entries[k]);
        shash_clear(&c->valid[k]);
        referrers_destroy(&c->rindex[k]);
        shash_init(&c->rindex[k]);
        sset_clear(&c->touched[k]);
        c->allocated[k] = 0;
    }
    shash_clear(&c->by_key);
    shash_clear(&c->unparsed);
    index_destroy(&c->slot_chains);
    shash_init(&c->slot_chains);
    index_destroy(&c->fs_priorities);
    shash_init(&c->fs_priorities);
    simap_clear(&c->path_ids);
    simap_clear(&c->vnis);
    shash_clear(&c->rejected);
    sset_clear(&c->chain_seed_slots);
    sset_clear(&c->group_seed_pairs);
    sset_clear(&c->fs_seed_priorities);
    sset_clear(&c->port_seed_routers);
    fs_snapshot_destroy(c->snap);
    c->snap = NULL;
}

void fs_snapshot_cache_destroy(struct fs_snapshot_cache *c)
{
    if (!c) {
        return;
    }
    cache_clear(c);
    for (int k = 0; k < FS_N_KINDS; k++) {
        shash_destroy(&c->entries[k]);
        shash_destroy(&c->valid[k]);
        shash_destroy(&c->rindex[k]);
        sset_destroy(&c->touched[k]);
        sset_destroy(&c->changed[k]);
    }
    shash_destroy(&c->by_key);
    shash_destroy(&c->unparsed);
    shash_destroy(&c->slot_chains);
    shash_destroy(&c->fs_priorities);
    simap_destroy(&c->path_ids);
    simap_destroy(&c->vnis);
    shash_destroy(&c->rejected);
    sset_destroy(&c->chain_seed_slots);
    sset_destroy(&c->group_seed_pairs);
    sset_destroy(&c->fs_seed_priorities);
    sset_destroy(&c->port_seed_routers);
    free(c);
}

/* Starts over from every document of 'm'. */
static void cache_reset(struct fs_snapshot_cache *c, struct fs_model *m)
{
    cache_clear(c);
    c->m = m;
    c->snap = xzalloc(sizeof *c->snap);
    for (int k = 0; k < FS_N_KINDS; k++) {
        shash_init(&c->snap->by_id[k]);
    }
    shash_init(&c->snap->chain_of_group);
    c->snap->used_path_ids = bitmap_allocate(FS_MAX_CHAIN_ID + 1);
    fs_model_changes_clear(m);
    m->tracking = true;
    struct shash_node *node;
    SHASH_FOR_EACH(node, &m->docs)
    {
        shash_add(&m->changed, node->name, NULL);
    }
    m->path_ids_changed = m->vnis_changed = m->bad_keys_changed = true;
    struct simap_node *sn;
    SIMAP_FOR_EACH(sn, &m->network_vnis)
    {
        sset_add(&m->network_allocs, sn->name);
    }
    SIMAP_FOR_EACH(sn, &m->chain_paths)
    {
        sset_add(&m->chain_allocs, sn->name);
    }
}

const struct fs_snapshot *fs_snapshot_update(struct fs_snapshot_cache *c,
                                             struct fs_model *m)
{
    bool reset = c->m != m || !m->tracking || m->cleared;
    if (reset) {
        cache_reset(c, m);
    }
    bool chain_keys = m->path_ids_changed || !sset_is_empty(&m->chain_allocs);
    bool vni_keys = m->vnis_changed || !sset_is_empty(&m->network_allocs);
    c->errors_dirty = m->bad_keys_changed;
    c->chains_moved = false;
    c->checked = 0;
    memset(c->membership, 0, sizeof c->membership);

    /* Documents: entries, references, flowspace priorities. */
    struct shash_node *node;
    SHASH_FOR_EACH(node, &m->changed)
    {
        struct fs_doc *old = node->data;
        struct fs_doc *new = shash_find_data(&m->docs, node->name);
        if (old && old->res && old->kind == FS_FLOWSPACE) {
            char *prio = priority_name(old);
            const char *id = strrchr(node->name, '/') + 1;
            index_remove(&c->fs_priorities, prio, id);
            free(prio);
        }
        if (old || new) {
            doc_changed(c, node->name, old, new);
            chain_keys |= (new ? new : old)->kind == FS_PORT_CHAIN;
            vni_keys |= (new ? new : old)->kind == FS_NETWORK;
        }
        if (new &&new->res &&new->kind == FS_FLOWSPACE) {
            char *prio = priority_name(new);
            index_add(&c->fs_priorities, prio, strrchr(node->name, '/') + 1);
            free(prio);
        }
    }

    /* The rules, kind after kind; what a touched resource touches. */
    const char *id;
    run_networks(c);
    SSET_FOR_EACH(id, &c->touched[FS_NETWORK])
    {
        propagate(c, FS_NETWORK, id);
    }
    SSET_FOR_EACH(id, &c->touched[FS_SLICE])
    {
        propagate(c, FS_SLICE, id);
    }
    run_simple(c, FS_CHASSIS, NULL);
    static const struct {
        enum fs_kind kind;
        void (*rule)(struct fs_build *);
    } simple[] = {
        {FS_SUBNET, fs_check_subnets},
        {FS_ROUTER, NULL},
        {FS_PORT, NULL}, /* run_ports(). */
        {FS_PORT_PAIR, fs_check_port_pairs},
    };
    for (size_t i = 0; i < ARRAY_SIZE(simple); i++) {
        if (simple[i].kind == FS_PORT) {
            run_ports(c);
        } else {
            run_simple(c, simple[i].kind, simple[i].rule);
        }
        SSET_FOR_EACH(id, &c->touched[simple[i].kind])
        {
            propagate(c, simple[i].kind, id);
        }
    }
    run_groups(c);
    SSET_FOR_EACH(id, &c->touched[FS_PORT_PAIR_GROUP])
    {
        propagate(c, FS_PORT_PAIR_GROUP, id);
    }
    run_simple(c, FS_FLOW_CLASSIFIER, fs_check_classifiers);
    SSET_FOR_EACH(id, &c->touched[FS_FLOW_CLASSIFIER])
    {
        if (fs_snapshot_cache_break != 5) {
            propagate(c, FS_FLOW_CLASSIFIER, id);
        }
    }
    run_chains(c);
    run_flowspaces(c);

    /* The snapshot. */
    struct fs_snapshot *s = c->snap;
    s->revision = m->revision;
    for (int k = 0; k < FS_N_KINDS; k++) {
        if (!sset_is_empty(&c->touched[k])) {
            patch_array(c, k);
        }
        if (c->membership[k]) {
            rebuild_by_id(c, k);
        }
    }
    if (chain_keys || c->chains_moved || c->membership[FS_PORT_CHAIN]) {
        chain_lists(c);
    }
    if (vni_keys || !sset_is_empty(&c->touched[FS_NETWORK])) {
        vni_lists(c);
    }
    if (c->errors_dirty) {
        rebuild_errors(c);
    }

    for (int k = 0; k < FS_N_KINDS; k++) {
        /* Destroyed, not cleared: a cleared set keeps its buckets, and
         * walking a set of one that once held thousands walks them all. */
        sset_swap(&c->changed[k], &c->touched[k]);
        sset_destroy(&c->touched[k]);
        sset_init(&c->touched[k]);
    }
    s->origin = c;
    s->generation = ++c->generation;
    s->changed = reset ? NULL : c->changed;
    for (int k = 0; k < FS_N_KINDS; k++) {
        s->moved[k] = reset || c->membership[k];
    }
    sset_clear(&c->chain_seed_slots);
    sset_clear(&c->group_seed_pairs);
    sset_clear(&c->fs_seed_priorities);
    sset_clear(&c->port_seed_routers);
    fs_model_changes_clear(m);
    return s;
}

size_t fs_snapshot_cache_checked(const struct fs_snapshot_cache *c)
{
    return c->checked;
}

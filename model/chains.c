/* Port chain rules (networking-sfc): groups and classifiers must exist and
 * belong to one chain each, chain ids are unique, correlations agree, a
 * symmetric chain names its destination, and no two chains' classifiers can
 * match the same packet. */
#include <string.h>

#include "model/build.h"
#include "model/fields.h"
#include "model/parse.h"
#include "model/store.h"
#include "model/text.h"
#include "util.h"

static const char *corr_name(enum fs_correlation c)
{
    return c == FS_CORR_MPLS ? "mpls" : c == FS_CORR_NSH ? "nsh" : "none";
}

static bool ranges_overlap(int amin, int amax, int bmin, int bmax)
{
    return amin < 0 || bmin < 0 || (amin <= bmax && bmin <= amax);
}

bool fs_classifiers_overlap(const struct fs_flow_classifier *a,
                            const struct fs_flow_classifier *b)
{
    const char *ad = a->logical_destination_port;
    const char *bd = b->logical_destination_port;
    return !strcmp(a->logical_source_port, b->logical_source_port) &&
           (!ad || !bd || !strcmp(ad, bd)) && a->ethertype == b->ethertype &&
           (a->protocol < 0 || b->protocol < 0 || a->protocol == b->protocol) &&
           ranges_overlap(a->source_port_range_min, a->source_port_range_max,
                          b->source_port_range_min, b->source_port_range_max) &&
           ranges_overlap(
               a->destination_port_range_min, a->destination_port_range_max,
               b->destination_port_range_min, b->destination_port_range_max) &&
           fs_parsed_prefixes_overlap(a->source_ip_prefix, &a->source_prefix,
                                      b->source_ip_prefix, &b->source_prefix) &&
           fs_parsed_prefixes_overlap(
               a->destination_ip_prefix, &a->destination_prefix,
               b->destination_ip_prefix, &b->destination_prefix);
}

/* The classifiers of accepted chains that share one logical source port:
 * only these can overlap each other. */
struct source_claims {
    const struct fs_flow_classifier **fcs;
    const char **chains; /* chains[i] owns fcs[i]. */
    size_t n, allocated;
};

/* What accepted chains already hold. */
struct claims {
    struct shash group_owner;      /* group id -> chain id */
    struct shash classifier_owner; /* classifier id -> chain id */
    struct shash by_source;        /* source port -> struct source_claims */
    struct shash chain_ids;        /* "<chain_id>" -> chain id */
    struct shash allocated;        /* "<path id>" -> chain id (allocated) */
};

/* Checks group j of chain 'pc'; returns false (after rejecting) on error. */
static bool check_group(struct fs_build *b, const struct fs_port_chain *pc,
                        size_t j, struct claims *cl)
{
    const char *id = pc->meta.id, *gid = pc->port_pair_groups[j];
    char *field = xasprintf("port_pair_groups[%zu]", j);
    const struct fs_port_pair_group *g =
        fs_build_res(b, FS_PORT_PAIR_GROUP, gid);
    const char *owner = shash_find_data(&cl->group_owner, gid);
    if (!g) {
        fs_build_reject(b, FS_PORT_CHAIN, id, field,
                        "port pair group %s does not exist or was "
                        "rejected",
                        fs_quote(gid).s);
    } else if (owner) {
        fs_build_reject(b, FS_PORT_CHAIN, id, field,
                        "port pair group %s is already in port chain "
                        "%s",
                        fs_quote(gid).s, fs_quote(owner).s);
    }
    for (size_t k = 0; g && k < g->n_port_pairs; k++) {
        const struct fs_port_pair *pp =
            fs_build_res(b, FS_PORT_PAIR, g->port_pairs[k]);
        if (pp && pp->correlation != FS_CORR_NONE &&
            pp->correlation != pc->correlation) {
            fs_build_reject(b, FS_PORT_CHAIN, id, field,
                            "port pair %s uses correlation %s but the "
                            "chain uses %s",
                            fs_quote(pp->meta.id).s, corr_name(pp->correlation),
                            corr_name(pc->correlation));
        }
    }
    free(field);
    return fs_build_res(b, FS_PORT_CHAIN, id) != NULL;
}

/* Returns the accepted chain one of whose classifiers overlaps 'fc', or
 * NULL.  Only classifiers with the same logical source port are compared. */
static const char *overlapping_chain(const struct fs_flow_classifier *fc,
                                     struct claims *cl)
{
    const struct source_claims *sc =
        shash_find_data(&cl->by_source, fc->logical_source_port);
    for (size_t i = 0; sc && i < sc->n; i++) {
        if (fs_classifiers_overlap(fc, sc->fcs[i])) {
            return sc->chains[i];
        }
    }
    return NULL;
}

static bool check_classifier(struct fs_build *b, const struct fs_port_chain *pc,
                             size_t j, int *ethertype, struct claims *cl)
{
    const char *id = pc->meta.id, *fid = pc->flow_classifiers[j];
    char *field = xasprintf("flow_classifiers[%zu]", j);
    const struct fs_flow_classifier *fc =
        fs_build_res(b, FS_FLOW_CLASSIFIER, fid);
    const char *owner = shash_find_data(&cl->classifier_owner, fid);
    const char *overlap = fc && !owner ? overlapping_chain(fc, cl) : NULL;
    if (!fc) {
        fs_build_reject(b, FS_PORT_CHAIN, id, field,
                        "flow classifier %s does not exist or was "
                        "rejected",
                        fs_quote(fid).s);
    } else if (owner) {
        fs_build_reject(b, FS_PORT_CHAIN, id, field,
                        "flow classifier %s is already in port chain "
                        "%s",
                        fs_quote(fid).s, fs_quote(owner).s);
    } else if (overlap) {
        fs_build_reject(b, FS_PORT_CHAIN, id, field,
                        "flow classifier %s overlaps a classifier of "
                        "port chain %s",
                        fs_quote(fid).s, fs_quote(overlap).s);
    } else if (pc->symmetric && !fc->logical_destination_port) {
        fs_build_reject(b, FS_PORT_CHAIN, id, field,
                        "a symmetric chain needs logical_destination_port "
                        "on flow classifier %s",
                        fs_quote(fid).s);
    } else if (*ethertype && fc->ethertype != *ethertype &&
               pc->correlation == FS_CORR_MPLS) {
        fs_build_reject(b, FS_PORT_CHAIN, id, field,
                        "flow classifiers of one MPLS chain must share one "
                        "ethertype");
    } else {
        *ethertype = fc->ethertype;
    }
    free(field);
    return fs_build_res(b, FS_PORT_CHAIN, id) != NULL;
}

static void claim_classifier(struct fs_build *b, const char *chain,
                             const char *fid, struct claims *cl)
{
    const struct fs_flow_classifier *fc =
        fs_build_res(b, FS_FLOW_CLASSIFIER, fid);
    shash_add_once(&cl->classifier_owner, fid, chain);
    struct source_claims *sc =
        shash_find_data(&cl->by_source, fc->logical_source_port);
    if (!sc) {
        sc = xzalloc(sizeof *sc);
        shash_add(&cl->by_source, fc->logical_source_port, sc);
    }
    if (sc->n >= sc->allocated) {
        sc->fcs = x2nrealloc(sc->fcs, &sc->allocated, sizeof *sc->fcs);
        sc->chains = xrealloc(sc->chains, sc->allocated * sizeof *sc->chains);
    }
    sc->fcs[sc->n] = fc;
    sc->chains[sc->n++] = chain;
}

static void claim(struct fs_build *b, const struct fs_port_chain *pc,
                  struct claims *cl)
{
    for (size_t j = 0; j < pc->n_port_pair_groups; j++) {
        shash_add_once(&cl->group_owner, pc->port_pair_groups[j], pc->meta.id);
    }
    for (size_t j = 0; j < pc->n_flow_classifiers; j++) {
        claim_classifier(b, pc->meta.id, pc->flow_classifiers[j], cl);
    }
    if (pc->chain_id) {
        char *n = xasprintf("%u", pc->chain_id);
        shash_add_once(&cl->chain_ids, n, pc->meta.id);
        free(n);
    }
}

/* Returns the chain already holding path id 'n' (explicitly or by
 * allocation), or NULL. */
static const char *path_owner(struct claims *cl, uint32_t n)
{
    char *text = xasprintf("%u", n);
    const char *owner = shash_find_data(&cl->chain_ids, text);
    if (!owner) {
        owner = shash_find_data(&cl->allocated, text);
    }
    free(text);
    return owner;
}

static void check_chain(struct fs_build *b, const struct fs_port_chain *pc,
                        struct claims *cl)
{
    const char *id = pc->meta.id;
    for (size_t j = 0; j < pc->n_port_pair_groups; j++) {
        if (!check_group(b, pc, j, cl)) {
            return;
        }
    }
    int ethertype = 0;
    for (size_t j = 0; j < pc->n_flow_classifiers; j++) {
        if (!check_classifier(b, pc, j, &ethertype, cl)) {
            return;
        }
    }
    const char *other = pc->chain_id ? path_owner(cl, pc->chain_id) : NULL;
    if (other) {
        const struct fs_doc *doc =
            shash_find_data(&b->valid[FS_PORT_CHAIN], id);
        fs_build_reject(b, FS_PORT_CHAIN, id, doc->chain_id_field,
                        "chain_id %u is already the path id of port chain "
                        "%s, which came first",
                        pc->chain_id, fs_quote(other).s);
        return;
    }
    claim(b, pc, cl);
}

/* Gives accepted chain 'pc' its path id: its chain_id, else the allocation
 * in etcd (keys/port_chains/<id>), else 0 (pending).  Chains are taken in
 * the order they came (fs_check_chains()), so an allocation that collides
 * with the path id of a chain that came first, or that does not fit an
 * MPLS label, rejects this chain: the operator deletes its allocation keys
 * and a new id is allocated. */
static void assign_path_id(struct fs_build *b, const struct fs_port_chain *pc,
                           struct claims *cl)
{
    const char *id = pc->meta.id;
    uint32_t path_id = pc->chain_id;
    if (!path_id) {
        path_id = simap_get(&b->m->chain_paths, id);
        char *n = xasprintf("%u", path_id);
        const char *expl = shash_find_data(&cl->chain_ids, n);
        const char *alloc = shash_find_data(&cl->allocated, n);
        if (!path_id) {
            /* Pending. */
        } else if (expl || alloc) {
            fs_build_reject(b, FS_PORT_CHAIN, id, NULL,
                            "path id %u allocated to this chain (%s%s) is "
                            "also the path id of port chain %s",
                            path_id, FS_KEYS_CHAIN_PATHS, id,
                            fs_quote(expl ? expl : alloc).s);
        } else if (path_id > FS_MAX_MPLS_PATH_ID &&
                   pc->correlation == FS_CORR_MPLS) {
            fs_build_reject(b, FS_PORT_CHAIN, id, NULL,
                            "path id %u allocated to this chain (%s%s) does "
                            "not fit an MPLS label",
                            path_id, FS_KEYS_CHAIN_PATHS, id);
        } else {
            shash_add(&cl->allocated, n, id);
        }
        free(n);
    }
    if (fs_build_res(b, FS_PORT_CHAIN, id)) {
        simap_put(&b->path_ids, id, path_id);
    }
}

/* Orders chains by etcd create revision, then id: who came first. */
static int compare_created(const void *a_, const void *b_)
{
    const struct fs_port_chain *a = *(const struct fs_port_chain *const *)a_;
    const struct fs_port_chain *b = *(const struct fs_port_chain *const *)b_;
    if (a->meta.create_revision != b->meta.create_revision) {
        return a->meta.create_revision < b->meta.create_revision ? -1 : 1;
    }
    return strcmp(a->meta.id, b->meta.id);
}

static void claims_destroy(struct claims *cl)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, &cl->by_source)
    {
        struct source_claims *sc = node->data;
        free(sc->fcs);
        free(sc->chains);
        free(sc);
    }
    shash_destroy(&cl->by_source);
    shash_destroy(&cl->group_owner);
    shash_destroy(&cl->classifier_owner);
    shash_destroy(&cl->chain_ids);
    shash_destroy(&cl->allocated);
}

void fs_check_chains(struct fs_build *b)
{
    struct claims cl;
    shash_init(&cl.group_owner);
    shash_init(&cl.classifier_owner);
    shash_init(&cl.by_source);
    shash_init(&cl.chain_ids);
    shash_init(&cl.allocated);
    const struct shash_node **nodes = shash_sort(&b->valid[FS_PORT_CHAIN]);
    size_t n = shash_count(&b->valid[FS_PORT_CHAIN]);
    const struct fs_port_chain **chains = xcalloc(n + 1, sizeof *chains);
    for (size_t i = 0; i < n; i++) {
        chains[i] = ((struct fs_doc *)nodes[i]->data)->res;
    }
    free(nodes);
    /* The one that came later is the one rejected: each chain is checked
     * against what the chains created before it hold (groups, classifiers,
     * path ids, explicit or allocated). */
    qsort(chains, n, sizeof *chains, compare_created);
    for (size_t i = 0; i < n; i++) {
        check_chain(b, chains[i], &cl);
        if (fs_build_res(b, FS_PORT_CHAIN, chains[i]->meta.id)) {
            assign_path_id(b, chains[i], &cl);
        }
    }
    free(chains);
    claims_destroy(&cl);
}

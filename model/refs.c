/* Cross-resource rules, applied in dependency order so that a rejection
 * cascades: networks (model/provider.c, model/vnis.c) <- slices
 * (model/slices.c, which may reject a network) <- subnets
 * (model/routers.c), routers <- ports (their fixed IPs' subnets, a router
 * interface's router) <- port pairs <-
 * groups <- chains, ports <- flow classifiers <- chains, and slices and
 * ports <- flowspaces (model/flowspaces.c).  That a resource a resource
 * names exists comes from the reference graph (model/refgraph.c).  Rules
 * from the
 * networking-sfc API (seeds/networking-sfc-docs.txt) and
 * docs/architecture.md. */
#include <string.h>

#include "model/build.h"
#include "model/fields.h"
#include "model/parse.h"
#include "sset.h"
#include "model/text.h"
#include "util.h"

/* Returns the ids accepted for 'kind' now, sorted (caller frees the array,
 * not the strings, which live in the documents). */
static const char **ids_of(struct fs_build *b, enum fs_kind kind, size_t *n)
{
    const struct shash_node **nodes = shash_sort(&b->valid[kind]);
    *n = shash_count(&b->valid[kind]);
    const char **ids = xcalloc(*n + 1, sizeof *ids);
    for (size_t i = 0; i < *n; i++) {
        ids[i] =
            ((const struct fs_meta *)((struct fs_doc *)nodes[i]->data)->res)
                ->id;
    }
    free(nodes);
    return ids;
}

struct exists_aux {
    struct fs_build *b;
    enum fs_kind kind;
    const char *id;
};

static void exists_cb(void *aux_, const struct fs_ref *ref, size_t index,
                      const char *target)
{
    struct exists_aux *aux = aux_;
    if (fs_build_res(aux->b, ref->target, target)) {
        return;
    }
    char *field = index == SIZE_MAX ? xstrdup(ref->field)
                                    : xasprintf("%s[%zu]%s", ref->field, index,
                                                ref->suffix ? ref->suffix : "");
    fs_build_reject(aux->b, aux->kind, aux->id, field,
                    "%s %s does not exist or was rejected", ref->noun,
                    fs_quote(target).s);
    free(field);
}

/* Rejects resource 'id' of 'kind' if a resource it names (the reference
 * graph, model/refgraph.c) is missing or rejected: the first such
 * reference, in the graph's order, is the one named (a resource is
 * rejected once).  Returns true if it is still accepted. */
static bool check_exists(struct fs_build *b, enum fs_kind kind, const char *id)
{
    struct exists_aux aux = {b, kind, id};
    fs_ref_foreach(kind, fs_build_res(b, kind, id), exists_cb, &aux);
    return fs_build_res(b, kind, id) != NULL;
}

/* Rejects each accepted resource of 'kind' that names a missing or
 * rejected resource (check_exists()), in id order. */
static void check_all_exist(struct fs_build *b, enum fs_kind kind)
{
    size_t n;
    const char **ids = ids_of(b, kind, &n);
    for (size_t i = 0; i < n; i++) {
        check_exists(b, kind, ids[i]);
    }
    free(ids);
}

void fs_check_subnets(struct fs_build *b)
{
    check_all_exist(b, FS_SUBNET);
}

void fs_check_ports(struct fs_build *b)
{
    size_t n;
    const char **ids = ids_of(b, FS_PORT, &n);
    for (size_t i = 0; i < n; i++) {
        if (check_exists(b, FS_PORT, ids[i])) {
            fs_check_port_subnets(b, fs_build_res(b, FS_PORT, ids[i]));
        }
    }
    free(ids);
}

void fs_check_port_pairs(struct fs_build *b)
{
    size_t n;
    const char **ids = ids_of(b, FS_PORT_PAIR, &n);
    for (size_t i = 0; i < n; i++) {
        const struct fs_port_pair *pp = fs_build_res(b, FS_PORT_PAIR, ids[i]);
        if (!check_exists(b, FS_PORT_PAIR, ids[i])) {
            continue;
        }
        const struct fs_port *in = fs_build_res(b, FS_PORT, pp->ingress);
        const struct fs_port *out = fs_build_res(b, FS_PORT, pp->egress);
        if (strcmp(in->device_id, out->device_id)) {
            fs_build_reject(b, FS_PORT_PAIR, ids[i], "egress",
                            "ingress and egress ports belong to different "
                            "devices (%s and %s)",
                            fs_quote(in->device_id).s,
                            fs_quote(out->device_id).s);
        }
    }
    free(ids);
}

/* A port pair in at most one group: the first group by id keeps it. */
void fs_check_groups(struct fs_build *b)
{
    struct shash owner = SHASH_INITIALIZER(&owner);
    size_t n;
    const char **ids = ids_of(b, FS_PORT_PAIR_GROUP, &n);
    for (size_t i = 0; i < n; i++) {
        const struct fs_port_pair_group *g =
            fs_build_res(b, FS_PORT_PAIR_GROUP, ids[i]);
        for (size_t j = 0; j < g->n_port_pairs; j++) {
            char *field = xasprintf("port_pairs[%zu]", j);
            const char *other = shash_find_data(&owner, g->port_pairs[j]);
            if (!fs_build_res(b, FS_PORT_PAIR, g->port_pairs[j])) {
                fs_build_reject(b, FS_PORT_PAIR_GROUP, ids[i], field,
                                "port pair %s does not exist or was "
                                "rejected",
                                fs_quote(g->port_pairs[j]).s);
            } else if (other && strcmp(other, ids[i])) {
                fs_build_reject(b, FS_PORT_PAIR_GROUP, ids[i], field,
                                "port pair %s is already in port pair "
                                "group %s",
                                fs_quote(g->port_pairs[j]).s,
                                fs_quote(other).s);
            }
            free(field);
        }
        if (fs_build_res(b, FS_PORT_PAIR_GROUP, ids[i])) {
            for (size_t j = 0; j < g->n_port_pairs; j++) {
                shash_add_once(&owner, g->port_pairs[j], ids[i]);
            }
        }
    }
    shash_destroy(&owner);
    free(ids);
}

void fs_check_classifiers(struct fs_build *b)
{
    check_all_exist(b, FS_FLOW_CLASSIFIER);
}

void fs_check_references(struct fs_build *b)
{
    fs_check_provider_networks(b);
    fs_check_overlay_networks(b);
    fs_check_slices(b);
    fs_check_subnets(b);
    /* Routers: no rule across resources (their routes' next hops are
     * checked when rendered). */
    fs_check_ports(b);
    fs_check_router_interfaces(b);
    fs_check_port_pairs(b);
    fs_check_groups(b);
    fs_check_classifiers(b);
    fs_check_chains(b);
    fs_check_flowspaces(b);
}

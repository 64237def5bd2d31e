/* The reference graph: every field of a resource that names another
 * resource, once (model/model.h, struct fs_ref).  It drives the existence
 * checks of model/refs.c and the reverse index of the incremental
 * snapshot (model/incremental.c), so that a reference added to a kind is
 * added in one place. */
#include <stddef.h>

#include "model/model.h"
#include "util.h"

#define ONE(KIND, TYPE, FIELD, JSON, TARGET, NOUN)                             \
    {                                                                          \
        KIND, TARGET, JSON, NOUN, offsetof(TYPE, FIELD), SIZE_MAX, 0, 0, NULL  \
    }
#define LIST(KIND, TYPE, FIELD, N, JSON, TARGET, NOUN)                         \
    {                                                                          \
        KIND, TARGET, JSON, NOUN, offsetof(TYPE, FIELD), offsetof(TYPE, N), 0, \
            0, NULL                                                            \
    }
/* A list of structs ELEM at FIELD (count N), the id at MEMBER of each:
 * JSON path "<JSON>[i]<SUFFIX>". */
#define STRUCTS(KIND, TYPE, FIELD, N, ELEM, MEMBER, JSON, SUFFIX, TARGET,      \
                NOUN)                                                          \
    {                                                                          \
        KIND, TARGET, JSON, NOUN, offsetof(TYPE, FIELD), offsetof(TYPE, N),    \
            sizeof(ELEM), offsetof(ELEM, MEMBER), SUFFIX                       \
    }

/* In each kind's order of checking: the first reference that names a
 * missing or rejected resource is the one reported. */
static const struct fs_ref refs[] = {
    ONE(FS_SUBNET, struct fs_subnet, network_id, "network_id", FS_NETWORK,
        "network"),
    ONE(FS_PORT, struct fs_port, network_id, "network_id", FS_NETWORK,
        "network"),
    STRUCTS(FS_PORT, struct fs_port, fixed_ips, n_fixed_ips, struct fs_fixed_ip,
            subnet_id, "fixed_ips", ".subnet_id", FS_SUBNET, "subnet"),
    ONE(FS_PORT, struct fs_port, router_id, "device_id", FS_ROUTER, "router"),
    ONE(FS_PORT_PAIR, struct fs_port_pair, ingress, "ingress", FS_PORT, "port"),
    ONE(FS_PORT_PAIR, struct fs_port_pair, egress, "egress", FS_PORT, "port"),
    LIST(FS_PORT_PAIR_GROUP, struct fs_port_pair_group, port_pairs,
         n_port_pairs, "port_pairs", FS_PORT_PAIR, "port pair"),
    ONE(FS_FLOW_CLASSIFIER, struct fs_flow_classifier, logical_source_port,
        "logical_source_port", FS_PORT, "port"),
    ONE(FS_FLOW_CLASSIFIER, struct fs_flow_classifier, logical_destination_port,
        "logical_destination_port", FS_PORT, "port"),
    LIST(FS_PORT_CHAIN, struct fs_port_chain, port_pair_groups,
         n_port_pair_groups, "port_pair_groups", FS_PORT_PAIR_GROUP,
         "port pair group"),
    LIST(FS_PORT_CHAIN, struct fs_port_chain, flow_classifiers,
         n_flow_classifiers, "flow_classifiers", FS_FLOW_CLASSIFIER,
         "flow classifier"),
    ONE(FS_FLOWSPACE, struct fs_flowspace, slice, "slice", FS_SLICE, "slice"),
    ONE(FS_FLOWSPACE, struct fs_flowspace, match.in_port, "match.in_port",
        FS_PORT, "port"),
};

const struct fs_ref *fs_refs(size_t *n)
{
    *n = ARRAY_SIZE(refs);
    return refs;
}

void fs_ref_foreach(enum fs_kind kind, const void *res, fs_ref_cb *cb,
                    void *aux)
{
    const char *base = res;
    for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
        const struct fs_ref *r = &refs[i];
        if (r->kind != kind) {
            continue;
        }
        if (r->n_offset == SIZE_MAX) {
            const char *id = *(char *const *)(base + r->offset);
            if (id) {
                cb(aux, r, SIZE_MAX, id);
            }
            continue;
        }
        size_t n = *(const size_t *)(base + r->n_offset);
        if (r->stride) {
            const char *elems = *(const char *const *)(base + r->offset);
            for (size_t k = 0; k < n; k++) {
                const char *id =
                    *(char *const *)(elems + k * r->stride + r->member);
                if (id) {
                    cb(aux, r, k, id);
                }
            }
            continue;
        }
        char *const *ids = *(char *const *const *)(base + r->offset);
        for (size_t k = 0; k < n; k++) {
            if (ids[k]) {
                cb(aux, r, k, ids[k]);
            }
        }
    }
}

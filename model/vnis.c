/* Overlay networks and their VNIs (docs/architecture.md, "Overlay
 * networks"): a vxlan or geneve network's VNI is its
 * provider:segmentation_id (Neutron ML2 vxlan/geneve type drivers,
 * 1..16777215), else one allocated for the whole cluster in etcd
 * (reconciler/daemon/alloc.c, keys FS_KEYS_VNIS and FS_KEYS_NETWORK_VNIS).  Two
 * overlay networks never share a VNI: of two that claim one, the one
 * created later is rejected, as for VLAN ids (model/provider.c). */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/build.h"
#include "model/parse.h"
#include "model/store.h"
#include "model/text.h"
#include "util.h"

bool fs_network_is_overlay(const struct fs_network *n)
{
    return n->network_type && (!strcmp(n->network_type, "vxlan") ||
                               !strcmp(n->network_type, "geneve"));
}

/* Claims VNI 'vni' for network 'doc' in 'owners' ("<vni>" -> network id)
 * or rejects it, naming the network that has it; returns true if
 * claimed. */
static bool claim_vni(struct fs_build *b, struct shash *owners,
                      const struct fs_doc *doc, uint32_t vni, bool explicit)
{
    const struct fs_network *n = doc->res;
    char *slot = xasprintf("%" PRIu32, vni);
    const char *earlier = shash_find_data(owners, slot);
    if (!earlier) {
        shash_add(owners, slot, n->meta.id);
    } else if (explicit) {
        fs_build_reject(b, FS_NETWORK, n->meta.id, "provider:segmentation_id",
                        "VNI %" PRIu32 " is already used by network %s, "
                        "which came first",
                        vni, fs_quote(earlier).s);
    } else {
        fs_build_reject(b, FS_NETWORK, n->meta.id, NULL,
                        "VNI %" PRIu32 " allocated to this network (%s%s) is "
                        "also the VNI of network %s",
                        vni, FS_KEYS_NETWORK_VNIS, n->meta.id,
                        fs_quote(earlier).s);
    }
    free(slot);
    return !earlier;
}

void fs_check_overlay_networks(struct fs_build *b)
{
    struct shash owners = SHASH_INITIALIZER(&owners);
    size_t n;
    struct fs_doc **docs = fs_build_by_creation(b, FS_NETWORK, &n);
    for (size_t i = 0; i < n; i++) {
        const struct fs_network *net = docs[i]->res;
        if (!fs_network_is_overlay(net)) {
            continue;
        }
        bool explicit = net->segmentation_id > 0;
        uint32_t vni = explicit ? (uint32_t)net->segmentation_id
                                : simap_get(&b->m->network_vnis, net->meta.id);
        if (!vni || claim_vni(b, &owners, docs[i], vni, explicit)) {
            simap_put(&b->vnis, net->meta.id, vni);
        }
    }
    shash_destroy(&owners);
    free(docs);
}

static int compare_u32(const void *a_, const void *b_)
{
    uint32_t a = *(const uint32_t *)a_, b = *(const uint32_t *)b_;
    return (a > b) - (a < b);
}

/* Every VNI taken: both kinds of allocation key and the segmentation id of
 * every overlay network document that parsed, accepted or not (it would
 * collide once it is fixed); sorted. */
static void used_vnis(struct fs_build *b)
{
    const struct fs_model *m = b->m;
    struct fs_snapshot *s = b->snap;
    size_t cap = shash_count(&m->vnis) + simap_count(&m->network_vnis) +
                 shash_count(&m->docs) + 1;
    s->used_vnis = xmalloc(cap * sizeof *s->used_vnis);
    struct shash_node *node;
    SHASH_FOR_EACH(node, &m->vnis)
    {
        char *end;
        unsigned long v = strtoul(node->name, &end, 10);
        if (!*end && v > 0 && v <= FS_MAX_VNI) {
            s->used_vnis[s->n_used_vnis++] = v;
        }
    }
    struct simap_node *sn;
    SIMAP_FOR_EACH(sn, &m->network_vnis)
    {
        s->used_vnis[s->n_used_vnis++] = sn->data;
    }
    SHASH_FOR_EACH(node, &m->docs)
    {
        const struct fs_doc *doc = node->data;
        const struct fs_network *net = doc->res;
        if (doc->kind == FS_NETWORK && net && fs_network_is_overlay(net) &&
            net->segmentation_id > 0) {
            s->used_vnis[s->n_used_vnis++] = net->segmentation_id;
        }
    }
    qsort(s->used_vnis, s->n_used_vnis, sizeof *s->used_vnis, compare_u32);
}

/* Returns true if the document at networks/<id> exists and needs no
 * allocation (it has a segmentation id or is no overlay network): a
 * document that does not parse keeps its allocation, so a bad edit does
 * not change a network's VNI once fixed. */
static bool allocation_unneeded(const struct fs_model *m, const char *id)
{
    char *key = xasprintf("%snetworks/%s", FS_PREFIX, id);
    const struct fs_doc *doc = shash_find_data(&m->docs, key);
    free(key);
    const struct fs_network *net = doc ? doc->res : NULL;
    return !doc ||
           (net && (!fs_network_is_overlay(net) || net->segmentation_id > 0));
}

static void find_vni_orphans(struct fs_build *b)
{
    struct fs_snapshot *s = b->snap;
    struct simap_node *sn;
    SIMAP_FOR_EACH(sn, &b->m->network_vnis)
    {
        if (allocation_unneeded(b->m, sn->name)) {
            size_t k = s->n_orphan_vnis++;
            s->orphan_networks = xrealloc(s->orphan_networks,
                                          (k + 1) * sizeof *s->orphan_networks);
            s->orphan_vnis =
                xrealloc(s->orphan_vnis, (k + 1) * sizeof *s->orphan_vnis);
            s->orphan_networks[k] = xstrdup(sn->name);
            s->orphan_vnis[k] = sn->data;
        }
    }
}

void fs_assign_vnis(struct fs_build *b)
{
    struct fs_snapshot *s = b->snap;
    for (size_t i = 0; i < s->n_networks; i++) {
        struct fs_network *net = &s->networks[i];
        net->vni = simap_get(&b->vnis, net->meta.id);
        if (fs_network_is_overlay(net) && !net->vni) {
            s->pending_networks =
                xrealloc(s->pending_networks, (s->n_pending_networks + 1) *
                                                  sizeof *s->pending_networks);
            s->pending_networks[s->n_pending_networks++] =
                xstrdup(net->meta.id);
        }
    }
    used_vnis(b);
    find_vni_orphans(b);
}

uint32_t fs_snapshot_free_vni(const struct fs_snapshot *s)
{
    uint32_t want = 1;
    for (size_t i = 0; i < s->n_used_vnis && want <= FS_MAX_VNI; i++) {
        if (s->used_vnis[i] == want) {
            want++;
        } else if (s->used_vnis[i] > want) {
            break;
        }
    }
    return want <= FS_MAX_VNI ? want : 0;
}

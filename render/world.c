/* The world of one render (render/internal.h): the inputs, and what every
 * unit derives from them alike, computed once: network keys, the ports of
 * port pairs, the ports of each network. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "render/internal.h"
#include "util.h"

/* Network keys: 0x1000000 | 24 bits of hash_string(id, 0), probing upward
 * (+1, wrapping in 24 bits) on collision, networks taken in id order (the
 * snapshot's order), so a key only changes if a colliding network with a
 * smaller id appears.  Keys are local to this node (docs/architecture.md). */
void fs_render_net_keys(const struct fs_snapshot *snap, struct simap *keys)
{
    struct sset used = SSET_INITIALIZER(&used);
    for (size_t i = 0; i < snap->n_networks; i++) {
        const struct fs_network *n = &snap->networks[i];
        uint32_t low = hash_string(n->meta.id, 0) & 0xffffff;
        for (;; low = (low + 1) & 0xffffff) {
            char name[16];
            snprintf(name, sizeof name, "%" PRIx32, low);
            if (sset_add(&used, name)) {
                break;
            }
        }
        simap_put(keys, n->meta.id, UINT32_C(0x1000000) | low);
    }
    sset_destroy(&used);
}

static void assign_net_keys(struct render_world *w)
{
    struct simap keys = SIMAP_INITIALIZER(&keys);
    fs_render_net_keys(w->snap, &keys);
    for (size_t i = 0; i < w->snap->n_networks; i++) {
        const char *id = w->snap->networks[i].meta.id;
        uint64_t *key = xmalloc(sizeof *key);
        *key = simap_get(&keys, id);
        shash_add(&w->net_keys, id, key);
    }
    simap_destroy(&keys);
}

static void collect_sf_ports(struct render_world *w)
{
    for (size_t i = 0; i < w->snap->n_port_pairs; i++) {
        sset_add(&w->sf_ports, w->snap->port_pairs[i].ingress);
        sset_add(&w->sf_ports, w->snap->port_pairs[i].egress);
    }
}

/* The hash of the ids of list 'l': two 32-bit hashes with different bases
 * make 64 bits. */
static void list_version(struct render_port_list *l)
{
    uint32_t a = l->n, b = ~a;
    for (size_t i = 0; i < l->n; i++) {
        a = hash_string(l->ports[i]->meta.id, a);
        b = hash_string(l->ports[i]->meta.id, b ^ 0x9e3779b9);
    }
    l->version = (uint64_t)a << 32 | b;
}

/* Each network's ports, in id order (the snapshot's), with their list's
 * version, and the inverse map. */
static void index_network_ports(struct render_world *w)
{
    for (size_t i = 0; i < w->snap->n_ports; i++) {
        const struct fs_port *p = &w->snap->ports[i];
        struct render_port_list *l =
            shash_find_data(&w->net_ports, p->network_id);
        if (!l) {
            l = xzalloc(sizeof *l);
            shash_add(&w->net_ports, p->network_id, l);
        }
        if (l->n >= l->allocated) {
            l->ports = x2nrealloc(l->ports, &l->allocated, sizeof *l->ports);
        }
        l->ports[l->n++] = p;
        shash_add(&w->port_nets, p->meta.id, xstrdup(p->network_id));
    }
    struct shash_node *node;
    SHASH_FOR_EACH(node, &w->net_ports)
    {
        list_version(node->data);
    }
}

/* Takes port 'id' out of network 'net''s list; 'touched' gets 'net'. */
static void list_remove(struct render_world *w, const char *net, const char *id,
                        struct sset *touched)
{
    struct render_port_list *l = shash_find_data(&w->net_ports, net);
    for (size_t i = 0; l && i < l->n; i++) {
        if (!strcmp(l->ports[i]->meta.id, id)) {
            memmove(&l->ports[i], &l->ports[i + 1],
                    (l->n - i - 1) * sizeof *l->ports);
            l->n--;
            sset_add(touched, net);
            return;
        }
    }
}

/* Puts port 'p' into its network's list, in id order; 'touched' gets the
 * network. */
static void list_insert(struct render_world *w, const struct fs_port *p,
                        struct sset *touched)
{
    struct render_port_list *l = shash_find_data(&w->net_ports, p->network_id);
    if (!l) {
        l = xzalloc(sizeof *l);
        shash_add(&w->net_ports, p->network_id, l);
    }
    if (l->n >= l->allocated) {
        l->ports = x2nrealloc(l->ports, &l->allocated, sizeof *l->ports);
    }
    size_t i = l->n;
    while (i > 0 && strcmp(l->ports[i - 1]->meta.id, p->meta.id) > 0) {
        l->ports[i] = l->ports[i - 1];
        i--;
    }
    l->ports[i] = p;
    l->n++;
    sset_add(touched, p->network_id);
}

/* The kept lists brought up to date with the ports the snapshot says
 * changed, when no port came or went (the array did not move: the kept
 * pointers are the ports' own): each changed port leaves the list of the
 * network it was in and joins its network's; lists left empty go.  Costs
 * the changed ports and their networks' lists, not every port. */
static void update_network_ports(struct render_world *w)
{
    struct sset touched = SSET_INITIALIZER(&touched);
    const char *id;
    SSET_FOR_EACH(id, &w->changed[FS_PORT])
    {
        struct shash_node *pn = shash_find(&w->port_nets, id);
        if (pn) {
            list_remove(w, pn->data, id, &touched);
            free(pn->data);
            shash_delete(&w->port_nets, pn);
        }
        const struct fs_port *p = fs_snapshot_find(w->snap, FS_PORT, id);
        if (p) {
            list_insert(w, p, &touched);
            shash_add(&w->port_nets, p->meta.id, xstrdup(p->network_id));
        }
    }
    const char *net;
    SSET_FOR_EACH(net, &touched)
    {
        struct shash_node *node = shash_find(&w->net_ports, net);
        struct render_port_list *l = node ? node->data : NULL;
        if (l && !l->n) {
            free(l->ports);
            free(l);
            shash_delete(&w->net_ports, node);
        } else if (l) {
            list_version(l);
        }
    }
    sset_destroy(&touched);
}

void render_world_init_kept(struct render_world *w,
                            const struct fs_snapshot *snap,
                            const struct fs_render_node *node,
                            const struct fs_local_facts *facts, uint64_t stamp,
                            const struct sset *changed,
                            struct render_world *kept)
{
    *w = (struct render_world){.snap = snap,
                               .node = node,
                               .facts = facts,
                               .stamp = stamp,
                               .changed = changed};
    shash_init(&w->net_keys);
    sset_init(&w->sf_ports);
    shash_init(&w->net_ports);
    shash_init(&w->port_nets);
    shash_init(&w->uplinks);
    simap_init(&w->patch_ofports);
    shash_init(&w->tunnels);
    shash_init(&w->slice_nets);
    simap_init(&w->slice_members);
    bool reuse = changed && kept && kept->stamp;
    if (reuse && !render_kind_changed(w, FS_NETWORK)) {
        shash_swap(&w->net_keys, &kept->net_keys);
    } else {
        assign_net_keys(w);
    }
    if (reuse && !render_kind_changed(w, FS_PORT_PAIR)) {
        sset_swap(&w->sf_ports, &kept->sf_ports);
    } else {
        collect_sf_ports(w);
    }
    if (reuse && (!render_kind_changed(w, FS_PORT) || !snap->moved[FS_PORT])) {
        shash_swap(&w->net_ports, &kept->net_ports);
        shash_swap(&w->port_nets, &kept->port_nets);
        if (render_kind_changed(w, FS_PORT)) {
            update_network_ports(w);
        }
    } else {
        index_network_ports(w);
    }
}

void render_world_init(struct render_world *w, const struct fs_snapshot *snap,
                       const struct fs_render_node *node,
                       const struct fs_local_facts *facts, uint64_t stamp)
{
    render_world_init_kept(w, snap, node, facts, stamp, NULL, NULL);
}

static void destroy_derived(struct render_world *w)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, &w->net_ports)
    {
        struct render_port_list *l = node->data;
        free(l->ports);
    }
    shash_destroy_free_data(&w->net_ports);
    shash_destroy_free_data(&w->port_nets);
    shash_destroy_free_data(&w->net_keys);
    sset_destroy(&w->sf_ports);
}

void render_world_keep_init(struct render_world *kept)
{
    *kept = (struct render_world){.stamp = 0};
    shash_init(&kept->net_keys);
    sset_init(&kept->sf_ports);
    shash_init(&kept->net_ports);
    shash_init(&kept->port_nets);
}

void render_world_keep_destroy(struct render_world *kept)
{
    destroy_derived(kept);
}

void render_world_keep(struct render_world *w, struct render_world *kept)
{
    destroy_derived(kept);
    render_world_keep_init(kept);
    shash_swap(&w->net_keys, &kept->net_keys);
    sset_swap(&w->sf_ports, &kept->sf_ports);
    shash_swap(&w->net_ports, &kept->net_ports);
    shash_swap(&w->port_nets, &kept->port_nets);
    kept->stamp = w->stamp;
}

void render_world_destroy(struct render_world *w)
{
    struct shash_node *node;
    destroy_derived(w);
    shash_destroy_free_data(&w->uplinks);
    simap_destroy(&w->patch_ofports);
    shash_destroy_free_data(&w->tunnels);
    SHASH_FOR_EACH(node, &w->slice_nets)
    {
        struct render_slice_net *sn = node->data;
        free(sn->bridge);
        free(sn->slice_id);
        free(sn->flowspaces);
    }
    shash_destroy_free_data(&w->slice_nets);
    simap_destroy(&w->slice_members);
}

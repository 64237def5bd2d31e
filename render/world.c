/* The world of one render (render/internal.h): the inputs, and what every
 * unit derives from them alike, computed once: network keys, the ports of
 * port pairs, the ports of each network. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "render/internal.h"
#include "util.h"

/* Keys of the 'n' resources at 'first' ('stride' bytes apart, in id
 * order) into 'keys': 0x1000000 | 24 bits of hash_string(id, 0), probing
 * upward (+1, wrapping in 24 bits) on collision, so a key only changes if
 * a colliding resource with a smaller id appears. */
static void hash_keys(const struct fs_meta *first, size_t n, size_t stride,
                      struct simap *keys)
{
    struct sset used = SSET_INITIALIZER(&used);
    const char *res = (const char *)first;
    for (size_t i = 0; i < n; i++, res += stride) {
        const struct fs_meta *meta = (const struct fs_meta *)res;
        uint32_t low = hash_string(meta->id, 0) & 0xffffff;
        for (;; low = (low + 1) & 0xffffff) {
            char name[16];
            snprintf(name, sizeof name, "%" PRIx32, low);
            if (sset_add(&used, name)) {
                break;
            }
        }
        simap_put(keys, meta->id, UINT32_C(0x1000000) | low);
    }
    sset_destroy(&used);
}

/* Network keys, networks taken in id order (the snapshot's).  Keys are
 * local to this node (docs/architecture.md). */
void fs_render_net_keys(const struct fs_snapshot *snap, struct simap *keys)
{
    hash_keys(snap->n_networks ? &snap->networks[0].meta : NULL,
              snap->n_networks, sizeof *snap->networks, keys);
}

void fs_render_router_keys(const struct fs_snapshot *snap, struct simap *keys)
{
    hash_keys(snap->n_routers ? &snap->routers[0].meta : NULL, snap->n_routers,
              sizeof *snap->routers, keys);
}

/* 'keys' into 'map' (id -> uint64_t *). */
static void put_keys(const struct simap *keys, struct shash *map)
{
    const struct simap_node *node;
    SIMAP_FOR_EACH(node, keys)
    {
        uint64_t *key = xmalloc(sizeof *key);
        *key = node->data;
        shash_add(map, node->name, key);
    }
}

static void assign_keys(struct render_world *w)
{
    struct simap keys = SIMAP_INITIALIZER(&keys);
    fs_render_net_keys(w->snap, &keys);
    put_keys(&keys, &w->net_keys);
    simap_clear(&keys);
    fs_render_router_keys(w->snap, &keys);
    put_keys(&keys, &w->router_keys);
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

/* Takes port 'id' out of list 'group' of 'lists'; 'touched' gets
 * 'group'. */
static void list_remove(struct shash *lists, const char *group, const char *id,
                        struct sset *touched)
{
    struct render_port_list *l = shash_find_data(lists, group);
    for (size_t i = 0; l && i < l->n; i++) {
        if (!strcmp(l->ports[i]->meta.id, id)) {
            memmove(&l->ports[i], &l->ports[i + 1],
                    (l->n - i - 1) * sizeof *l->ports);
            l->n--;
            sset_add(touched, group);
            return;
        }
    }
}

/* Puts port 'p' into list 'group' of 'lists', in id order; 'touched'
 * gets 'group'. */
static void list_insert(struct shash *lists, const char *group,
                        const struct fs_port *p, struct sset *touched)
{
    struct render_port_list *l = shash_find_data(lists, group);
    if (!l) {
        l = xzalloc(sizeof *l);
        shash_add(lists, group, l);
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
    sset_add(touched, group);
}

/* The lists of 'touched' of 'lists' once their ports changed: versions
 * computed again, empty ones gone. */
static void lists_settle(struct shash *lists, const struct sset *touched)
{
    const char *group;
    SSET_FOR_EACH(group, touched)
    {
        struct shash_node *node = shash_find(lists, group);
        struct render_port_list *l = node ? node->data : NULL;
        if (l && !l->n) {
            free(l->ports);
            free(l);
            shash_delete(lists, node);
        } else if (l) {
            list_version(l);
        }
    }
}

/* Port 'id' of group map 'groups' (port id -> group, owned) leaves its
 * list of 'lists' and, as 'p' (NULL: gone) in group 'group' (NULL:
 * none), joins its new one. */
static void move_port(struct shash *lists, struct shash *groups, const char *id,
                      const struct fs_port *p, const char *group,
                      struct sset *touched)
{
    struct shash_node *pn = shash_find(groups, id);
    if (pn) {
        list_remove(lists, pn->data, id, touched);
        free(pn->data);
        shash_delete(groups, pn);
    }
    if (p && group) {
        list_insert(lists, group, p, touched);
        shash_add(groups, p->meta.id, xstrdup(group));
    }
}

/* Each network's ports and each router's interfaces, in id order (the
 * snapshot's: an insertion at the end), with their lists' versions, and
 * the inverse maps. */
static void index_network_ports(struct render_world *w)
{
    struct sset nets = SSET_INITIALIZER(&nets);
    struct sset routers = SSET_INITIALIZER(&routers);
    for (size_t i = 0; i < w->snap->n_ports; i++) {
        const struct fs_port *p = &w->snap->ports[i];
        move_port(&w->net_ports, &w->port_nets, p->meta.id, p, p->network_id,
                  &nets);
        if (p->router_id) {
            move_port(&w->router_ports, &w->port_routers, p->meta.id, p,
                      p->router_id, &routers);
        }
    }
    lists_settle(&w->net_ports, &nets);
    lists_settle(&w->router_ports, &routers);
    sset_destroy(&nets);
    sset_destroy(&routers);
}

/* The kept lists brought up to date with the ports the snapshot says
 * changed, when no port came or went (the array did not move: the kept
 * pointers are the ports' own): each changed port leaves the list of the
 * network it was in and joins its network's; lists left empty go.  Costs
 * the changed ports and their networks' lists, not every port. */
static void update_network_ports(struct render_world *w)
{
    struct sset nets = SSET_INITIALIZER(&nets);
    struct sset routers = SSET_INITIALIZER(&routers);
    const char *id;
    SSET_FOR_EACH(id, &w->changed[FS_PORT])
    {
        const struct fs_port *p = fs_snapshot_find(w->snap, FS_PORT, id);
        move_port(&w->net_ports, &w->port_nets, id, p, p ? p->network_id : NULL,
                  &nets);
        move_port(&w->router_ports, &w->port_routers, id, p,
                  p ? p->router_id : NULL, &routers);
    }
    lists_settle(&w->net_ports, &nets);
    lists_settle(&w->router_ports, &routers);
    sset_destroy(&nets);
    sset_destroy(&routers);
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
    render_world_keep_init(w);
    w->snap = snap;
    w->node = node;
    w->facts = facts;
    w->stamp = stamp;
    w->changed = changed;
    shash_init(&w->uplinks);
    simap_init(&w->patch_ofports);
    shash_init(&w->tunnels);
    shash_init(&w->slice_nets);
    simap_init(&w->slice_members);
    sset_init(&w->routed_routers);
    sset_init(&w->routed_nets);
    bool reuse = changed && kept && kept->stamp;
    if (reuse && !render_kind_changed(w, FS_NETWORK) &&
        !render_kind_changed(w, FS_ROUTER)) {
        shash_swap(&w->net_keys, &kept->net_keys);
        shash_swap(&w->router_keys, &kept->router_keys);
    } else {
        assign_keys(w);
    }
    if (reuse && !render_kind_changed(w, FS_PORT_PAIR)) {
        sset_swap(&w->sf_ports, &kept->sf_ports);
    } else {
        collect_sf_ports(w);
    }
    if (reuse && (!render_kind_changed(w, FS_PORT) || !snap->moved[FS_PORT])) {
        shash_swap(&w->net_ports, &kept->net_ports);
        shash_swap(&w->port_nets, &kept->port_nets);
        shash_swap(&w->router_ports, &kept->router_ports);
        shash_swap(&w->port_routers, &kept->port_routers);
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

static void lists_destroy(struct shash *lists)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, lists)
    {
        struct render_port_list *l = node->data;
        free(l->ports);
    }
    shash_destroy_free_data(lists);
}

static void destroy_derived(struct render_world *w)
{
    lists_destroy(&w->net_ports);
    lists_destroy(&w->router_ports);
    shash_destroy_free_data(&w->port_nets);
    shash_destroy_free_data(&w->port_routers);
    shash_destroy_free_data(&w->net_keys);
    shash_destroy_free_data(&w->router_keys);
    sset_destroy(&w->sf_ports);
}

void render_world_keep_init(struct render_world *kept)
{
    *kept = (struct render_world){.stamp = 0};
    shash_init(&kept->net_keys);
    shash_init(&kept->router_keys);
    sset_init(&kept->sf_ports);
    shash_init(&kept->net_ports);
    shash_init(&kept->port_nets);
    shash_init(&kept->router_ports);
    shash_init(&kept->port_routers);
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
    shash_swap(&w->router_keys, &kept->router_keys);
    shash_swap(&w->router_ports, &kept->router_ports);
    shash_swap(&w->port_routers, &kept->port_routers);
    kept->stamp = w->stamp;
}

void render_world_destroy(struct render_world *w)
{
    struct shash_node *node;
    destroy_derived(w);
    shash_destroy_free_data(&w->uplinks);
    simap_destroy(&w->patch_ofports);
    shash_destroy_free_data(&w->tunnels);
    sset_destroy(&w->routed_routers);
    sset_destroy(&w->routed_nets);
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

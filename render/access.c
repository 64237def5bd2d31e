/* The accessors of render units (render/internal.h) and the value of each
 * kind of dependency (render/deps.h).  An accessor computes what it
 * returns, records its value with render_record(), and returns it;
 * render_dep_value() computes the same value from a later world, so a unit
 * is rendered again exactly when one of its reads would return something
 * else. */
#include <string.h>

#include "hash.h"
#include "model/model.h"
#include "render/deps.h"
#include "util.h"

/* A resource's version: its etcd mod_revision (a new one with every change
 * of its document), and for a port chain also its path id (which comes
 * from allocation keys, not from the chain's document), for a network its
 * VNI (the same); 0 when it is not in the snapshot.  mod_revision is
 * assumed below 2^39 (the VNI takes 24 bits). */
static uint64_t res_version(enum fs_kind kind, const void *res)
{
    if (!res) {
        return 0;
    }
    const struct fs_meta *meta = res;
    uint64_t path_id =
        kind == FS_PORT_CHAIN ? ((const struct fs_port_chain *)res)->path_id
        : kind == FS_NETWORK  ? ((const struct fs_network *)res)->vni
                              : 0;
    return UINT64_C(1) << 63 | (uint64_t)meta->mod_revision << 24 | path_id;
}

bool render_kind_changed(const struct render_world *w, enum fs_kind kind)
{
    return !w->changed || !sset_is_empty(&w->changed[kind]);
}

bool render_res_changed(const struct render_world *w, enum fs_kind kind,
                        const char *id)
{
    if (!w->changed) {
        return true;
    }
    const struct sset *changed = &w->changed[kind];
    if (sset_count(changed) > 4) {
        return sset_contains(changed, id);
    }
    /* A change is mostly one or two resources: comparing is cheaper than
     * hashing 'id'. */
    const char *name;
    SSET_FOR_EACH(name, changed)
    {
        if (!strcmp(name, id)) {
            return true;
        }
    }
    return false;
}

static int local_ofport(const struct render_world *w, const char *port_id)
{
    const struct fs_port *p = fs_snapshot_find(w->snap, FS_PORT, port_id);
    if (!p || !p->host_id || strcmp(p->host_id, w->node->name) || p->remote) {
        return 0;
    }
    return simap_get(&w->facts->ofports, port_id);
}

static uint64_t net_key(const struct render_world *w, const char *network_id)
{
    const uint64_t *key = shash_find_data(&w->net_keys, network_id);
    return key ? *key : 0;
}

static uint64_t uplink_value(const struct render_uplink *u)
{
    return u ? (uint64_t)u->ofport << 32 | (uint32_t)u->vlan : 0;
}

static int tunnel_ofport(const struct render_world *w, const char *name)
{
    const struct render_tunnel *t = shash_find_data(&w->tunnels, name);
    return t ? t->ofport : 0;
}

static uint64_t slice_net_version(const struct render_slice_net *sn)
{
    return sn ? sn->version : 0;
}

static const struct render_port_list *
network_ports(const struct render_world *w, const char *network_id)
{
    return shash_find_data(&w->net_ports, network_id);
}

static uint64_t router_key(const struct render_world *w, const char *router_id)
{
    const uint64_t *key = shash_find_data(&w->router_keys, router_id);
    return key ? *key : 0;
}

static const struct render_port_list *router_ports(const struct render_world *w,
                                                   const char *router_id)
{
    return shash_find_data(&w->router_ports, router_id);
}

/* Whether network or router ('kind', 'id') is routed here; ("", any
 * kind): whether any router is. */
static bool routed(const struct render_world *w, int kind, const char *id)
{
    if (!*id) {
        return !sset_is_empty(&w->routed_routers);
    }
    return sset_contains(
        kind == FS_ROUTER ? &w->routed_routers : &w->routed_nets, id);
}

static const char *chassis_mac(const struct render_world *w,
                               const char *physnet)
{
    for (size_t i = 0; i < w->n_chassis_macs; i++) {
        if (!strcmp(w->chassis_macs[i].physnet, physnet)) {
            return w->chassis_macs[i].mac;
        }
    }
    return NULL;
}

static uint64_t chassis_mac_value(const char *mac)
{
    return mac ? UINT64_C(1) << 32 | hash_string(mac, 0) : 0;
}

/* Every (id, version) of 'kind', hashed into 64 bits; computed once per
 * world. */
static uint64_t scan_value(const struct render_world *w_, enum fs_kind kind)
{
    struct render_world *w = CONST_CAST(struct render_world *, w_);
    if (!w->scanned[kind]) {
        size_t n;
        const char *array = fs_snapshot_array(w->snap, kind, &n);
        uint32_t a = n, b = ~a;
        for (size_t i = 0; i < n; i++) {
            const void *res = array + i * fs_kind_size(kind);
            const struct fs_meta *meta = res;
            uint64_t version = res_version(kind, res);
            a = hash_uint64_basis(version, hash_string(meta->id, a));
            b = hash_uint64_basis(version, hash_string(meta->id, b ^ 1));
        }
        w->scans[kind] = (uint64_t)a << 32 | b;
        w->scanned[kind] = true;
    }
    return w->scans[kind];
}

uint64_t render_dep_value(const struct render_world *w,
                          enum render_dep_type type, int kind, const char *id)
{
    const struct render_port_list *l;
    switch (type) {
    case RENDER_DEP_RES:
        return res_version(kind, fs_snapshot_find(w->snap, kind, id));
    case RENDER_DEP_LOCAL:
        return local_ofport(w, id);
    case RENDER_DEP_NET_KEY:
        return net_key(w, id);
    case RENDER_DEP_UPLINK:
        return uplink_value(shash_find_data(&w->uplinks, id));
    case RENDER_DEP_SF:
        return sset_contains(&w->sf_ports, id);
    case RENDER_DEP_NET_PORTS:
        l = network_ports(w, id);
        return l ? l->version : 0;
    case RENDER_DEP_SCAN:
        return scan_value(w, kind);
    case RENDER_DEP_TUNNEL:
        return tunnel_ofport(w, id);
    case RENDER_DEP_SLICE_NET:
        return slice_net_version(shash_find_data(&w->slice_nets, id));
    case RENDER_DEP_SLICE_MEMBER:
        return simap_get(&w->slice_members, id);
    case RENDER_DEP_ROUTER_KEY:
        return router_key(w, id);
    case RENDER_DEP_ROUTER_PORTS:
        l = router_ports(w, id);
        return l ? l->version : 0;
    case RENDER_DEP_ROUTED:
        return routed(w, kind, id);
    case RENDER_DEP_CHASSIS_MAC:
        return chassis_mac_value(chassis_mac(w, id));
    default:
        OVS_NOT_REACHED();
    }
}

const void *render_find(const struct render_ctx *ctx, enum fs_kind kind,
                        const char *id)
{
    const void *res = fs_snapshot_find(ctx->w->snap, kind, id);
    render_record(ctx, RENDER_DEP_RES, kind, id, res_version(kind, res));
    return res;
}

int render_local_ofport(const struct render_ctx *ctx, const char *port_id)
{
    int ofport = local_ofport(ctx->w, port_id);
    render_record(ctx, RENDER_DEP_LOCAL, 0, port_id, ofport);
    return ofport;
}

uint64_t render_net_key(const struct render_ctx *ctx, const char *network_id)
{
    uint64_t key = net_key(ctx->w, network_id);
    render_record(ctx, RENDER_DEP_NET_KEY, 0, network_id, key);
    return key;
}

const struct render_uplink *render_uplink(const struct render_ctx *ctx,
                                          const char *network_id)
{
    const struct render_uplink *u =
        shash_find_data(&ctx->w->uplinks, network_id);
    render_record(ctx, RENDER_DEP_UPLINK, 0, network_id, uplink_value(u));
    return u;
}

int render_tunnel(const struct render_ctx *ctx, const char *name)
{
    int ofport = tunnel_ofport(ctx->w, name);
    render_record(ctx, RENDER_DEP_TUNNEL, 0, name, ofport);
    return ofport;
}

const struct render_slice_net *render_slice_net(const struct render_ctx *ctx,
                                                const char *network_id)
{
    const struct render_slice_net *sn =
        shash_find_data(&ctx->w->slice_nets, network_id);
    render_record(ctx, RENDER_DEP_SLICE_NET, 0, network_id,
                  slice_net_version(sn));
    return sn;
}

int render_slice_member(const struct render_ctx *ctx, const char *port_id)
{
    int ofport = simap_get(&ctx->w->slice_members, port_id);
    render_record(ctx, RENDER_DEP_SLICE_MEMBER, 0, port_id, ofport);
    return ofport;
}

bool render_is_sf_port(const struct render_ctx *ctx, const char *port_id)
{
    bool sf = sset_contains(&ctx->w->sf_ports, port_id);
    render_record(ctx, RENDER_DEP_SF, 0, port_id, sf);
    return sf;
}

const struct fs_port *const *render_network_ports(const struct render_ctx *ctx,
                                                  const char *network_id,
                                                  size_t *n)
{
    const struct render_port_list *l = network_ports(ctx->w, network_id);
    render_record(ctx, RENDER_DEP_NET_PORTS, 0, network_id, l ? l->version : 0);
    *n = l ? l->n : 0;
    return l ? l->ports : NULL;
}

const void *render_scan(const struct render_ctx *ctx, enum fs_kind kind,
                        size_t *n)
{
    render_record(ctx, RENDER_DEP_SCAN, kind, "", scan_value(ctx->w, kind));
    return fs_snapshot_array(ctx->w->snap, kind, n);
}

uint64_t render_router_key(const struct render_ctx *ctx, const char *router_id)
{
    uint64_t key = router_key(ctx->w, router_id);
    render_record(ctx, RENDER_DEP_ROUTER_KEY, 0, router_id, key);
    return key;
}

const struct fs_port *const *render_router_ports(const struct render_ctx *ctx,
                                                 const char *router_id,
                                                 size_t *n)
{
    const struct render_port_list *l = router_ports(ctx->w, router_id);
    render_record(ctx, RENDER_DEP_ROUTER_PORTS, 0, router_id,
                  l ? l->version : 0);
    *n = l ? l->n : 0;
    return l ? l->ports : NULL;
}

bool render_routed(const struct render_ctx *ctx, enum fs_kind kind,
                   const char *id)
{
    bool r = routed(ctx->w, kind, id);
    render_record(ctx, RENDER_DEP_ROUTED, kind, id, r);
    return r;
}

const char *render_chassis_mac(const struct render_ctx *ctx,
                               const char *physnet)
{
    const char *mac = chassis_mac(ctx->w, physnet);
    render_record(ctx, RENDER_DEP_CHASSIS_MAC, 0, physnet,
                  chassis_mac_value(mac));
    return mac;
}

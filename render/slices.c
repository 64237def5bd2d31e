/* FlowVisor slices on this node (../shared/seeds/flowvisor-quantum-plugin.txt;
 * docs/architecture.md, "Slices"): each slice with a member port here gets
 * a bridge of its own whose only controller is the slice's, fail_mode
 * secure, joined to the integration bridge by one patch pair per member
 * port and one uplink pair per network of the slice present here.  Table 5
 * lets a member's traffic into its slice bridge (the plugin's source
 * flowspace: from the port's MAC) and delivers what comes back out of the
 * member's patch to the port only (the destination flowspace: to its MAC,
 * or broadcast and multicast).  Whatever the slice's controller installs,
 * a packet leaves its bridge by a member's patch (to that member only) or
 * by an uplink (into that network's egress only): nothing enters a slice
 * from another network, nothing leaves it toward another network.
 * The bridges and pairs are the node-wide unit's; the member's table 5
 * flows its port unit's (render/units.c). */
#include <string.h>

#include "hash.h"
#include "model/text.h"
#include "packets.h"
#include "render/internal.h"
#include "util.h"

/* One slice as this node renders it: a slice document, or a network with
 * its own controller (a slice of that one network). */
struct slice_view {
    const char *id;     /* Slice id, or the network id. */
    const char *owner;  /* "slice" or "network": FS_OWNER_KEY's prefix. */
    const char *prefix; /* Bridge name prefix. */
    const char *target; /* Normalized controller target. */
    char *const *networks;
    size_t n_networks;
    const char *key;                        /* etcd key of the document. */
    const char *path;                       /* JSON path of its controller. */
    const struct fs_flowspace **flowspaces; /* The slice's, id order. */
    size_t n_flowspaces;
};

/* The names of member 'p''s pair with 'int_prefix' and 'prefix': after
 * its Neutron name when that fits and neither name is taken yet (the
 * name says which VM it is; Neutron names need not be unique), else
 * after its id (render_patch_name()).  Caller frees both. */
static void member_names(const struct render_ctx *ctx, const struct fs_port *p,
                         char **int_name, char **name)
{
    if (render_name_fits(p->name)) {
        *int_name = xasprintf(FS_MEMBER_INT_PREFIX "%s", p->name);
        *name = xasprintf(FS_MEMBER_PREFIX "%s", p->name);
        if (!sset_contains(&ctx->port_names, *int_name) &&
            !sset_contains(&ctx->port_names, *name)) {
            return;
        }
        free(*int_name);
        free(*name);
    }
    *int_name = render_patch_name(FS_MEMBER_INT_PREFIX, p->meta.id);
    *name = render_patch_name(FS_MEMBER_PREFIX, p->meta.id);
}

/* Returns true if port 'p' of the snapshot is a member here: bound to this
 * node, plugged, not an SF port (those keep their chain role). */
static bool is_member(const struct render_ctx *ctx, const struct fs_port *p)
{
    return p->host_id && !strcmp(p->host_id, ctx->node) && !p->remote &&
           simap_get(&ctx->facts->ofports, p->meta.id) > 0 &&
           !sset_contains(&ctx->w->sf_ports, p->meta.id);
}

/* The ports of network 'id' ('*n'), from the world's index. */
static const struct fs_port *const *net_ports(const struct render_ctx *ctx,
                                              const char *id, size_t *n)
{
    const struct render_port_list *l = shash_find_data(&ctx->w->net_ports, id);
    *n = l ? l->n : 0;
    return l ? l->ports : NULL;
}

static bool has_member(const struct render_ctx *ctx, const char *network_id)
{
    size_t n;
    const struct fs_port *const *ports = net_ports(ctx, network_id, &n);
    for (size_t i = 0; i < n; i++) {
        if (is_member(ctx, ports[i])) {
            return true;
        }
    }
    return false;
}

/* The slice bridge of 'v' named 'name'. */
static struct fs_ovsdb_bridge *slice_bridge(const struct render_ctx *ctx,
                                            const struct slice_view *v,
                                            const char *name, const char *owner)
{
    struct fs_ovsdb_bridge *b = xzalloc(sizeof *b);
    b->name = xstrdup(name);
    b->datapath_type = xstrdup(ctx->facts->datapath_type);
    b->fail_mode = xstrdup("secure");
    sset_init(&b->protocols);
    for (int v10 = 0; v10 <= 5; v10++) {
        sset_add_and_free(&b->protocols, xasprintf("OpenFlow1%d", v10));
    }
    sset_init(&b->controllers);
    sset_add(&b->controllers, v->target);
    smap_init(&b->external_ids);
    smap_add(&b->external_ids, FS_OWNER_KEY, owner);
    b->key = xstrdup(v->key);
    b->path = xstrdup(v->path);
    return b;
}

/* A patch pair: 'int_name' on the integration bridge, 'name' on slice
 * bridge 'bridge' (with 'more' external_ids).  Returns false, with a note
 * and neither port, if a name is taken. */
static bool render_pair(struct render_ctx *ctx, const char *bridge,
                        const char *int_name, const char *name,
                        const char *owner, const struct smap *more,
                        const char *key, const char *path)
{
    if (sset_contains(&ctx->port_names, int_name) ||
        sset_contains(&ctx->port_names, name)) {
        fs_errors_add(&ctx->out->notes, key, path,
                      "patch port name %s or %s is already used: not "
                      "rendered, and its traffic is not switched",
                      fs_quote(int_name).s, fs_quote(name).s);
        return false;
    }
    struct smap options = SMAP_INITIALIZER(&options);
    smap_add(&options, "peer", name);
    render_port_ids(ctx, ctx->render_node->integration_bridge, int_name,
                    "patch", &options, owner, NULL, key, path);
    smap_replace(&options, "peer", int_name);
    render_port_ids(ctx, bridge, name, "patch", &options, owner, more, key,
                    path);
    smap_destroy(&options);
    return true;
}

/* Member 'p''s pair; records its integration side's ofport as the
 * member's. */
static void render_member(struct render_ctx *ctx, const char *bridge,
                          const char *owner, const struct fs_port *p)
{
    char *int_name, *name;
    member_names(ctx, p, &int_name, &name);
    struct smap more = SMAP_INITIALIZER(&more);
    smap_add(&more, "iface-id", p->meta.id);
    if (p->mac_address) {
        smap_add(&more, "attached-mac", p->mac_address);
    }
    if (p->device_id && *p->device_id) {
        smap_add(&more, "vm-uuid", p->device_id); /* As os-vif sets it. */
    }
    if (render_pair(ctx, bridge, int_name, name, owner, &more, p->meta.key,
                    "$.port")) {
        int ofport = simap_get(&ctx->facts->owned_ofports, int_name);
        if (ofport > 0) {
            simap_put(&ctx->w->slice_members, p->meta.id, ofport);
        } else {
            ctx->out->n_waiting++;
        }
    }
    smap_destroy(&more);
    free(int_name);
    free(name);
}

static uint64_t slice_net_version(const struct render_slice_net *sn)
{
    uint32_t a = hash_string(sn->bridge, sn->uplink);
    uint32_t b = hash_string(sn->slice_id, a ^ 0x9e3779b9);
    for (size_t i = 0; i < sn->n_flowspaces; i++) {
        const struct fs_meta *m = &sn->flowspaces[i]->meta;
        a = hash_uint64_basis(m->mod_revision, hash_string(m->id, a));
        b = hash_uint64_basis(m->mod_revision, hash_string(m->id, b ^ 1));
    }
    uint64_t version = (uint64_t)a << 32 | b;
    return version ? version : 1; /* 0 is "no slice". */
}

/* Network 'net' of slice 'v', which has a member here: its uplink pair,
 * its members' pairs, and its entry in the world.  'ok' false (the slice
 * bridge could not be rendered): no pair, and its members are not
 * switched at all. */
static void render_slice_network(struct render_ctx *ctx,
                                 const struct slice_view *v, const char *bridge,
                                 const char *owner,
                                 const struct fs_network *net, bool ok)
{
    struct render_slice_net *sn = xzalloc(sizeof *sn);
    sn->bridge = xstrdup(bridge);
    sn->slice_id = xstrdup(v->id);
    sn->flowspaces =
        v->n_flowspaces
            ? xmemdup(v->flowspaces, v->n_flowspaces * sizeof *v->flowspaces)
            : NULL;
    sn->n_flowspaces = v->n_flowspaces;
    char *int_name = render_patch_name(FS_UPLINK_INT_PREFIX, net->meta.id);
    char *name = render_patch_name(FS_UPLINK_PREFIX, net->meta.id);
    if (ok && render_pair(ctx, bridge, int_name, name, owner, NULL, v->key,
                          v->path)) {
        sn->uplink = simap_get(&ctx->facts->owned_ofports, int_name);
        ctx->out->n_waiting += sn->uplink <= 0;
        sn->uplink = MAX(sn->uplink, 0);
    }
    sn->version = slice_net_version(sn);
    shash_add(&ctx->w->slice_nets, net->meta.id, sn);
    free(int_name);
    free(name);

    size_t n;
    const struct fs_port *const *ports = net_ports(ctx, net->meta.id, &n);
    for (size_t i = 0; ok && i < n; i++) {
        if (is_member(ctx, ports[i])) {
            render_member(ctx, bridge, owner, ports[i]);
        }
    }
}

/* Slice 'v': nothing unless it has a member here.  Its networks with a
 * member here are found once, then rendered. */
static void render_slice(struct render_ctx *ctx, const struct slice_view *v)
{
    const struct fs_network **nets = xcalloc(v->n_networks + 1, sizeof *nets);
    size_t n = 0;
    for (size_t i = 0; i < v->n_networks; i++) {
        const struct fs_network *net =
            fs_snapshot_find(ctx->snap, FS_NETWORK, v->networks[i]);
        if (net && !shash_find(&ctx->w->slice_nets, net->meta.id) &&
            has_member(ctx, net->meta.id)) {
            nets[n++] = net;
        }
    }
    if (n) {
        char *bridge = render_patch_name(v->prefix, v->id);
        char *owner = xasprintf("%s:%s", v->owner, v->id);
        bool ok = render_bridge(ctx, slice_bridge(ctx, v, bridge, owner));
        if (ok && !strncmp(v->target, "ssl:", 4) && !ctx->facts->ssl) {
            fs_errors_add(&ctx->out->notes, v->key, v->path,
                          "controller %s needs SSL, and this node's Open "
                          "vSwitch has no SSL settings (ovs-vsctl set-ssl): "
                          "bridge %s cannot connect to it",
                          fs_quote(v->target).s, bridge);
        }
        for (size_t i = 0; i < n; i++) {
            render_slice_network(ctx, v, bridge, owner, nets[i], ok);
        }
        free(owner);
        free(bridge);
    }
    free(nets);
}

/* The flowspaces of one slice, in id order. */
struct slice_flowspaces {
    const struct fs_flowspace **v;
    size_t n, allocated;
};

/* Groups the snapshot's flowspaces by slice ('by_slice': slice id ->
 * struct slice_flowspaces *), in one pass. */
static void group_flowspaces(const struct fs_snapshot *s,
                             struct shash *by_slice)
{
    for (size_t i = 0; i < s->n_flowspaces; i++) {
        const struct fs_flowspace *fs = &s->flowspaces[i];
        struct slice_flowspaces *l = shash_find_data(by_slice, fs->slice);
        if (!l) {
            l = xzalloc(sizeof *l);
            shash_add(by_slice, fs->slice, l);
        }
        if (l->n >= l->allocated) {
            l->v = x2nrealloc(l->v, &l->allocated, sizeof *l->v);
        }
        l->v[l->n++] = fs;
    }
}

void render_slices(struct render_ctx *ctx)
{
    const struct fs_snapshot *s = ctx->snap;
    struct shash by_slice = SHASH_INITIALIZER(&by_slice);
    group_flowspaces(s, &by_slice);
    for (size_t i = 0; i < s->n_slices; i++) {
        const struct fs_slice *sl = &s->slices[i];
        const struct slice_flowspaces *l =
            shash_find_data(&by_slice, sl->meta.id);
        struct slice_view v = {sl->meta.id,
                               "slice",
                               FS_SLICE_BRIDGE_PREFIX,
                               sl->controller_target,
                               sl->networks,
                               sl->n_networks,
                               sl->meta.key,
                               "$.slice.controller",
                               l ? l->v : NULL,
                               l ? l->n : 0};
        render_slice(ctx, &v);
    }
    struct shash_node *node;
    SHASH_FOR_EACH(node, &by_slice)
    {
        struct slice_flowspaces *l = node->data;
        free(l->v);
    }
    shash_destroy_free_data(&by_slice);
    for (size_t i = 0; i < s->n_networks; i++) {
        const struct fs_network *net = &s->networks[i];
        if (net->controller_target) {
            struct slice_view v = {net->meta.id,
                                   "network",
                                   FS_NET_BRIDGE_PREFIX,
                                   net->controller_target,
                                   &net->meta.id,
                                   1,
                                   net->meta.key,
                                   "$.network.controller",
                                   NULL,
                                   0};
            render_slice(ctx, &v);
        }
    }
}

/* A MAC as the model writes it and as the flows match it. */
struct mac {
    const char *text;
    struct eth_addr ea;
};

/* What one table 5 flow of a member needs. */
struct member_flows {
    struct render_ctx *ctx;
    const struct fs_port *p;
    uint64_t cookie;
    int ofport, member;
};

/* The MACs member 'mf->p' sends from: its own and its address pairs',
 * distinct ('*n' of them, in 'macs', which has room for 1 + the pairs). */
static size_t member_macs(const struct member_flows *mf, struct mac *macs)
{
    const struct fs_port *p = mf->p;
    size_t n = 0;
    if (p->mac_address && render_mac(mf->ctx, p->meta.key, "$.port.mac_address",
                                     p->mac_address, &macs[n].ea)) {
        macs[n++].text = p->mac_address;
    }
    for (size_t i = 0; i < p->n_allowed_address_pairs; i++) {
        const char *mac = p->allowed_address_pairs[i].mac_address;
        bool seen = !mac;
        for (size_t j = 0; j < n && !seen; j++) {
            seen = !strcmp(macs[j].text, mac);
        }
        if (!seen &&
            render_mac(mf->ctx, p->meta.key, "$.port.allowed_address_pairs",
                       mac, &macs[n].ea)) {
            macs[n++].text = mac;
        }
    }
    return n;
}

/* A flowspace (NULL: none) as a member's flows match it. */
struct slice_fs {
    const struct fs_flowspace *fs;
    bool has_src, has_dst;          /* It gives dl_src, dl_dst: */
    struct eth_addr src, dst;       /* ...these. */
    struct render_flowspace fields; /* Its other fields. */
};

/* Parses flowspace 'fs' (NULL: none) into 'sf'.  Returns false, with a
 * note, if some address of it does not parse. */
static bool parse_flowspace(const struct member_flows *mf,
                            const struct fs_flowspace *fs, struct slice_fs *sf)
{
    const struct fs_flowspace_match *m = fs ? &fs->match : NULL;
    *sf = (struct slice_fs){
        .fs = fs, .has_src = m && m->dl_src, .has_dst = m && m->dl_dst};
    if ((sf->has_src &&
         !render_mac(mf->ctx, fs->meta.key, "$.flowspace.match.dl_src",
                     m->dl_src, &sf->src)) ||
        (sf->has_dst &&
         !render_mac(mf->ctx, fs->meta.key, "$.flowspace.match.dl_dst",
                     m->dl_dst, &sf->dst))) {
        return false;
    }
    char *error = render_flowspace_parse(m, &sf->fields);
    if (error) {
        fs_errors_add(&mf->ctx->out->notes, fs->meta.key, "$.flowspace.match",
                      "%s: no slice flow of it", error);
        free(error);
        return false;
    }
    return true;
}

/* Into the slice: from the member with source 'mac', and what flowspace
 * 'sf' adds (match 'e' of its other fields). */
static void into_slice(const struct member_flows *mf, const struct slice_fs *sf,
                       const struct mac *mac, size_t e)
{
    if (sf->has_src && strcmp(sf->fs->match.dl_src, mac->text)) {
        return;
    }
    struct fs_fb b;
    fs_fb_init(&b, FS_T_SLICE, FS_PRIO_SLICE_FLOWSPACE, mf->cookie);
    fs_match_field(&b, FS_F_SRC_PORT, mf->ofport);
    fs_match_dl_src(&b, mac->ea);
    if (sf->has_dst) {
        fs_match_dl_dst(&b, sf->dst);
    }
    render_flowspace_match(&b, &sf->fields, e);
    fs_to_port(&b, mf->member);
    render_flow_add_once(mf->ctx, mf->p->meta.key, &b);
}

/* Out of the slice to the member: from its patch with destination 'dst'
 * under 'mask', and what flowspace 'sf' adds (match 'e' of its other
 * fields). */
static void out_of_slice(const struct member_flows *mf,
                         const struct slice_fs *sf, struct eth_addr dst,
                         struct eth_addr mask, size_t e)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_SLICE, FS_PRIO_SLICE_FLOWSPACE, mf->cookie);
    fs_match_in_port(&b, mf->member);
    fs_match_dl_dst_masked(&b, dst, mask);
    if (sf->has_src) {
        fs_match_dl_src(&b, sf->src);
    }
    render_flowspace_match(&b, &sf->fields, e);
    fs_to_port(&b, mf->ofport);
    render_flow_add_once(mf->ctx, mf->p->meta.key, &b);
}

/* The flows of one flowspace 'fs' (NULL: the port's whole traffic) for
 * the member's 'n' MACs: into the slice from each; out of it to each, and
 * to group (multicast) addresses, when the flowspace's dl_dst allows. */
static void flowspace_flows(const struct member_flows *mf,
                            const struct fs_flowspace *fs,
                            const struct mac *macs, size_t n)
{
    static const struct eth_addr group = ETH_ADDR_C(01, 00, 00, 00, 00, 00);
    struct slice_fs sf;
    if (!parse_flowspace(mf, fs, &sf)) {
        return;
    }
    const char *want = sf.has_dst ? fs->match.dl_dst : NULL;
    for (size_t e = 0; e < sf.fields.n; e++) {
        for (size_t i = 0; i < n; i++) {
            into_slice(mf, &sf, &macs[i], e);
            if (!want || !strcmp(want, macs[i].text)) {
                out_of_slice(mf, &sf, macs[i].ea, eth_addr_exact, e);
            }
        }
        if (!want) {
            out_of_slice(mf, &sf, group, group, e);
        } else if (eth_addr_is_multicast(sf.dst)) {
            out_of_slice(mf, &sf, sf.dst, eth_addr_exact, e);
        }
    }
}

/* The rest of the member's traffic, and of its patch's, is dropped. */
static void member_drops(const struct member_flows *mf)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_SLICE, FS_PRIO_SLICE_DROP, mf->cookie);
    fs_match_field(&b, FS_F_SRC_PORT, mf->ofport);
    render_flow_add(mf->ctx, mf->p->meta.key, &b);
    fs_fb_init(&b, FS_T_SLICE, FS_PRIO_SLICE_DROP, mf->cookie);
    fs_match_in_port(&b, mf->member);
    render_flow_add(mf->ctx, mf->p->meta.key, &b);
}

void render_slice_port(struct render_ctx *ctx, const struct fs_port *p,
                       const struct render_slice_net *sn, int ofport,
                       int member)
{
    struct member_flows mf = {
        ctx, p, FS_COOKIE(FS_COOKIE_SLICE, render_net_key(ctx, p->network_id)),
        ofport, member};
    struct mac *macs = xcalloc(p->n_allowed_address_pairs + 1, sizeof *macs);
    size_t n = member_macs(&mf, macs);
    if (!sn->n_flowspaces) {
        flowspace_flows(&mf, NULL, macs, n);
    }
    for (size_t i = 0; i < sn->n_flowspaces; i++) {
        const struct fs_flowspace *fs = sn->flowspaces[i];
        if (!fs->match.in_port || !strcmp(fs->match.in_port, p->meta.id)) {
            flowspace_flows(&mf, fs, macs, n);
        }
    }
    free(macs);
    member_drops(&mf);
}

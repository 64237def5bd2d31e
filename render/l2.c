/* L2 switching per network, as Dragonflow's L2 application
 * (docs/architecture.md, "Integration bridge pipeline"): table 0
 * classifies local VIFs (network in metadata, port key in reg6) and
 * provider uplinks; table 55 maps (network, destination MAC) to a port key
 * in reg7, floods broadcast and multicast to the network's local ports and
 * its egress (through table 56 in chunks for a large network), and sends
 * unknown unicast to the egress; table 75 outputs to a local port or hands
 * an uplink's traffic to table 80 (provider.c).
 * Service function ports are classified but take no part in L2 forwarding
 * or flooding (a bridging SF would loop).  Render units (render/units.c):
 * each local port's flows are its port unit's, each network's flood and
 * unknown unicast its network unit's, the uplinks' the node-wide unit's. */
#include <inttypes.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "render/internal.h"
#include "util.h"

/* Cookie of the L2 flows of network 'network_id'. */
static uint64_t net_cookie(const struct render_ctx *ctx, const char *network_id)
{
    return FS_COOKIE(FS_COOKIE_L2, render_net_key(ctx, network_id));
}

static void classify_port(struct render_ctx *ctx, const struct fs_port *p,
                          int ofport)
{
    char *match = xasprintf("in_port=%d", ofport);
    char *actions =
        xasprintf("set_field:0x%" PRIx64 "->metadata,"
                  "set_field:%d->reg6,goto_table:%d",
                  render_net_key(ctx, p->network_id), ofport, FS_T_PORT_SEC);
    render_flow(ctx, p->meta.key, FS_T_CLASSIFY, 100,
                net_cookie(ctx, p->network_id), match, actions);
    free(match);
    free(actions);
}

/* Table 55: frames to 'mac' on the port's network go to port key
 * 'ofport' (the port, or its slice's uplink).  An address pair's MAC
 * already delivered (by an earlier port, or twice in this one) is skipped
 * silently; the port's own MAC when another port has it is a note
 * (render_flow()). */
static void l2_mac(struct render_ctx *ctx, const struct fs_port *p, int ofport,
                   const char *mac, bool own)
{
    char *match = xasprintf("metadata=0x%" PRIx64 ",dl_dst=%s",
                            render_net_key(ctx, p->network_id), mac);
    char *actions =
        xasprintf("set_field:%d->reg7,goto_table:%d", ofport, FS_T_EGRESS);
    (own ? render_flow : render_flow_once)(ctx, p->meta.key, FS_T_L2, 100,
                                           net_cookie(ctx, p->network_id),
                                           match, actions);
    free(match);
    free(actions);
}

/* Table 55 entries for the port's MAC and the MACs of its allowed address
 * pairs (Neutron: a pair's MAC is the port's too), to port key 'ofport'. */
static void l2_macs(struct render_ctx *ctx, const struct fs_port *p, int ofport)
{
    if (p->mac_address) {
        l2_mac(ctx, p, ofport, p->mac_address, true);
    }
    for (size_t i = 0; i < p->n_allowed_address_pairs; i++) {
        const char *mac = p->allowed_address_pairs[i].mac_address;
        if (mac && (!p->mac_address || strcmp(mac, p->mac_address))) {
            l2_mac(ctx, p, ofport, mac, false);
        }
    }
}

/* Table 75 output, and the port's table 55 entries. */
static void l2_port(struct render_ctx *ctx, const struct fs_port *p, int ofport)
{
    uint64_t cookie = net_cookie(ctx, p->network_id);
    char *match = xasprintf("reg7=%d", ofport);
    char *actions = xasprintf("output:%d", ofport);
    render_flow(ctx, p->meta.key, FS_T_EGRESS, 100, cookie, match, actions);
    free(match);
    free(actions);
    l2_macs(ctx, p, ofport);
}

/* Appends "output:P," for ports 'ofports[0..n-1]' to 'actions'.  A local
 * VIF's table FS_T_EGRESS flow is output:P and nothing else, so a flood
 * outputs to it directly instead of a set_field and a resubmit per port. */
static void put_outputs(struct ds *actions, const int *ofports, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_put_format(actions, "output:%d,", ofports[i]);
    }
}

/* Table FS_T_FLOOD: chunk 'chunk' of network 'net''s flood outputs to its
 * 'n' ports 'ofports'. */
static void flood_chunk(struct render_ctx *ctx, const struct fs_network *net,
                        size_t chunk, const int *ofports, size_t n)
{
    char *match =
        xasprintf("metadata=0x%" PRIx64 "," FS_REG_FLOOD "=%" PRIuSIZE,
                  render_net_key(ctx, net->meta.id), chunk);
    struct ds actions = DS_EMPTY_INITIALIZER;
    put_outputs(&actions, ofports, n);
    ds_chomp(&actions, ',');
    render_flow(ctx, net->meta.key, FS_T_FLOOD, 100,
                net_cookie(ctx, net->meta.id), match, ds_cstr(&actions));
    ds_destroy(&actions);
    free(match);
}

/* What a network unit sees of its network's ports: the local non-SF
 * ports' ofports (the flood), whether any port is local (SF ports too),
 * and, for an overlay network, its ports bound elsewhere. */
struct net_members {
    int *ofports;
    size_t n, allocated;
    bool present;
    const struct fs_port **remote;
    size_t n_remote, allocated_remote;
};

/* Adds 'ofport' to the flood of 'm'. */
static void add_output(struct net_members *m, int ofport)
{
    if (m->n >= m->allocated) {
        m->ofports = x2nrealloc(m->ofports, &m->allocated, sizeof *m->ofports);
    }
    m->ofports[m->n++] = ofport;
}

/* A sliced network's local non-SF ports are its slice's members: the
 * flood goes to the slice's uplink once, and the slice floods to them. */
static void collect_members(struct render_ctx *ctx,
                            const struct fs_network *net, struct net_members *m)
{
    bool overlay = fs_network_is_overlay(net) && net->vni;
    const struct render_slice_net *sn = render_slice_net(ctx, net->meta.id);
    if (sn && sn->uplink) {
        add_output(m, sn->uplink);
    }
    size_t n_ports;
    const struct fs_port *const *ports =
        render_network_ports(ctx, net->meta.id, &n_ports);
    for (size_t i = 0; i < n_ports; i++) {
        const struct fs_port *p = ports[i];
        int ofport = render_local_ofport(ctx, p->meta.id);
        if (ofport) {
            m->present = true;
            if (!sn && !render_is_sf_port(ctx, p->meta.id)) {
                add_output(m, ofport);
            }
        } else if (overlay && !render_is_sf_port(ctx, p->meta.id)) {
            /* Its binding and MAC: the port's version.  An SF port takes
             * no part in L2 on its chassis, so not from here either. */
            p = render_find(ctx, FS_PORT, p->meta.id);
            if (p && render_port_chassis(p, ctx->node)) {
                if (m->n_remote >= m->allocated_remote) {
                    m->remote = x2nrealloc(m->remote, &m->allocated_remote,
                                           sizeof *m->remote);
                }
                m->remote[m->n_remote++] = p;
            }
        }
    }
}

/* Floods broadcast and multicast to every local non-SF port of 'net' (in
 * port id order), then to its egress if it has one, then into its tunnels.
 * Up to FS_FLOOD_CHUNK
 * ports, one table FS_T_L2 flow outputs to them; beyond, that flow
 * resubmits, one chunk after the other (never nested: the depth stays 2),
 * to table FS_T_FLOOD with the chunk number in FS_REG_FLOOD, where one
 * flow per chunk outputs to its FS_FLOOD_CHUNK ports (render/pipeline.h).
 * The egress comes next, through table FS_T_EGRESS (which hands it to
 * provider.c's table, where a VLAN tag is pushed inside clone()), and an
 * overlay network's tunnels last (table FS_T_TUNNEL_FLOOD, overlay.c).
 * Never back to the input port: OpenFlow's output drops a packet whose
 * output port is its in_port (only the in_port action sends it back), and
 * resubmit keeps the in_port, so a flood from a VIF skips that VIF and a
 * flood from the uplink does not return to it. */
static void flood_network(struct render_ctx *ctx, const struct fs_network *net,
                          const struct render_uplink *up,
                          const struct net_members *m, bool tunnels)
{
    size_t n = m->n;
    const int *ofports = m->ofports;
    struct ds actions = DS_EMPTY_INITIALIZER;
    if (n <= FS_FLOOD_CHUNK) {
        put_outputs(&actions, ofports, n);
    } else {
        for (size_t c = 0; c * FS_FLOOD_CHUNK < n; c++) {
            size_t first = c * FS_FLOOD_CHUNK;
            flood_chunk(ctx, net, c, ofports + first,
                        MIN(n - first, FS_FLOOD_CHUNK));
            ds_put_format(&actions,
                          "set_field:%" PRIuSIZE "->" FS_REG_FLOOD
                          ",resubmit(,%d),",
                          c, FS_T_FLOOD);
        }
    }
    if (up) {
        ds_put_format(&actions, "set_field:%d->reg7,resubmit(,%d),", up->ofport,
                      FS_T_EGRESS);
    }
    if (tunnels) {
        ds_put_format(&actions, "resubmit(,%d),", FS_T_TUNNEL_FLOOD);
    }
    ds_chomp(&actions, ',');
    if (actions.length) {
        char *match = xasprintf("metadata=0x%" PRIx64
                                ",dl_dst=01:00:00:00:00:00/01:00:00:00:00:00",
                                render_net_key(ctx, net->meta.id));
        render_flow(ctx, net->meta.key, FS_T_L2, 90,
                    net_cookie(ctx, net->meta.id), match, ds_cstr(&actions));
        free(match);
    }
    ds_destroy(&actions);
}

/* Unknown unicast (and unicast to ports of 'net' bound elsewhere) goes to
 * the network's egress; without one it misses and is dropped. */
static void unknown_unicast(struct render_ctx *ctx,
                            const struct fs_network *net,
                            const struct render_uplink *up)
{
    char *match =
        xasprintf("metadata=0x%" PRIx64, render_net_key(ctx, net->meta.id));
    char *actions =
        xasprintf("set_field:%d->reg7,goto_table:%d", up->ofport, FS_T_EGRESS);
    render_flow(ctx, net->meta.key, FS_T_L2, 50, net_cookie(ctx, net->meta.id),
                match, actions);
    free(match);
    free(actions);
}

/* Table 0 and 75 for each uplink (integration side patch port): its
 * traffic goes to provider.c's ingress table, and reg7 = its ofport to
 * provider.c's egress table.  Shared by the networks of one physnet:
 * cookie object 0. */
/* Table 0 and 75 for each tunnel: its traffic is marked as from a tunnel
 * (split horizon) and goes to overlay.c's ingress table; reg7 = its ofport
 * outputs into it, unless the packet came from a tunnel. */
static void l2_tunnels(struct render_ctx *ctx)
{
    const uint64_t cookie = FS_COOKIE(FS_COOKIE_OVERLAY, 0);
    struct shash_node *node;
    SHASH_FOR_EACH(node, &ctx->w->tunnels)
    {
        const struct render_tunnel *t = node->data;
        char *match = xasprintf("in_port=%d", t->ofport);
        char *actions = xasprintf("set_field:1->" FS_REG_FROM_TUNNEL
                                  ",set_field:%d->reg6,goto_table:%d",
                                  t->ofport, FS_T_TUNNEL_IN);
        render_flow(ctx, "", FS_T_CLASSIFY, 100, cookie, match, actions);
        free(match);
        free(actions);
        match = xasprintf("reg7=%d," FS_REG_FROM_TUNNEL "=0", t->ofport);
        actions = xasprintf("output:%d", t->ofport);
        render_flow(ctx, "", FS_T_EGRESS, 100, cookie, match, actions);
        free(match);
        free(actions);
    }
}

/* Table 0 and 75 for each slice's uplink pair: what the slice sends into
 * it is its network's traffic, switched by table 55 toward the network's
 * egress (provider patch, tunnels; its members' MACs lead back into this
 * uplink, which an output to the in_port drops); reg7 = its ofport (what
 * table 55 sends into the slice) outputs into it. */
static void l2_slice_uplinks(struct render_ctx *ctx)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, &ctx->w->slice_nets)
    {
        const struct render_slice_net *sn = node->data;
        if (!sn->uplink) {
            continue;
        }
        uint64_t key = render_net_key(ctx, node->name);
        uint64_t cookie = FS_COOKIE(FS_COOKIE_SLICE, key);
        char *match = xasprintf("in_port=%d", sn->uplink);
        char *actions = xasprintf("set_field:0x%" PRIx64 "->metadata,"
                                  "set_field:%d->reg6,goto_table:%d",
                                  key, sn->uplink, FS_T_L2);
        render_flow(ctx, "", FS_T_CLASSIFY, 100, cookie, match, actions);
        free(match);
        free(actions);
        match = xasprintf("reg7=%d", sn->uplink);
        actions = xasprintf("output:%d", sn->uplink);
        render_flow(ctx, "", FS_T_EGRESS, 100, cookie, match, actions);
        free(match);
        free(actions);
    }
}

void render_l2_uplinks(struct render_ctx *ctx)
{
    l2_tunnels(ctx);
    l2_slice_uplinks(ctx);
    const uint64_t cookie = FS_COOKIE(FS_COOKIE_PROVIDER, 0);
    struct simap_node *node;
    SIMAP_FOR_EACH(node, &ctx->w->patch_ofports)
    {
        char *match = xasprintf("in_port=%u", node->data);
        char *actions = xasprintf("goto_table:%d", FS_T_PROVIDER_IN);
        render_flow(ctx, "", FS_T_CLASSIFY, 100, cookie, match, actions);
        free(match);
        free(actions);
        match = xasprintf("reg7=%u", node->data);
        actions = xasprintf("goto_table:%d", FS_T_PROVIDER_OUT);
        render_flow(ctx, "", FS_T_EGRESS, 100, cookie, match, actions);
        free(match);
        free(actions);
    }
}

void render_l2_port(struct render_ctx *ctx, const struct fs_port *p, int ofport)
{
    classify_port(ctx, p, ofport);
    if (!render_is_sf_port(ctx, p->meta.id)) {
        l2_port(ctx, p, ofport);
    }
}

void render_l2_member(struct render_ctx *ctx, const struct fs_port *p,
                      int ofport, int member, const struct render_slice_net *sn)
{
    classify_port(ctx, p, ofport);
    char *match = xasprintf("in_port=%d", member);
    char *actions = xasprintf("goto_table:%d", FS_T_SLICE);
    uint64_t key = render_net_key(ctx, p->network_id);
    render_flow(ctx, p->meta.key, FS_T_CLASSIFY, 100,
                FS_COOKIE(FS_COOKIE_SLICE, key), match, actions);
    free(match);
    free(actions);
    if (sn->uplink) {
        l2_macs(ctx, p, sn->uplink);
    }
}

void render_l2_network(struct render_ctx *ctx, const struct fs_network *net)
{
    const struct render_uplink *up = render_uplink(ctx, net->meta.id);
    struct net_members m = {0};
    collect_members(ctx, net, &m);
    bool tunnels =
        m.present && render_overlay_network(ctx, net, m.remote, m.n_remote);
    flood_network(ctx, net, up, &m, tunnels);
    if (up) {
        unknown_unicast(ctx, net, up);
    }
    free(m.ofports);
    free(m.remote);
}

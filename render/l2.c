/* L2 switching per network, as Dragonflow's L2 application
 * (docs/architecture.md, "Integration bridge pipeline"): table 0
 * classifies local VIFs (network key in FS_F_NETWORK, port key in
 * FS_F_SRC_PORT) and provider uplinks; table 55 maps (network, destination
 * MAC) to a port key in FS_F_DST_PORT, floods broadcast and multicast to
 * the network's local ports and its egress (through table 56 in chunks for
 * a large network), and sends unknown unicast to the egress; table 75
 * outputs to a local port or hands an uplink's traffic to table 80
 * (provider.c).  Flows are built with struct fs_fb (render/flow.h), at the
 * priorities of render/pipeline.h (enum fs_l2_prio).
 * Service function ports are classified but take no part in L2 forwarding
 * or flooding (a bridging SF would loop).  Render units (render/units.c):
 * each local port's flows are its port unit's, each network's flood and
 * unknown unicast its network unit's, the uplinks' the node-wide unit's. */
#include <string.h>

#include "model/text.h"
#include "packets.h"
#include "render/internal.h"
#include "util.h"

/* Cookie of the L2 flows of network 'network_id'. */
static uint64_t net_cookie(const struct render_ctx *ctx, const char *network_id)
{
    return FS_COOKIE(FS_COOKIE_L2, render_net_key(ctx, network_id));
}

/* Starts table FS_T_CLASSIFY's flow (cookie 'cookie') for what comes in
 * on 'ofport'. */
static void classify_begin(struct fs_fb *b, uint64_t cookie, int ofport)
{
    fs_fb_init(b, FS_T_CLASSIFY, FS_PRIO_CLASSIFY_IN_PORT, cookie);
    fs_match_in_port(b, ofport);
}

/* Starts table FS_T_EGRESS's flow (cookie 'cookie') for port key
 * 'ofport'. */
static void egress_begin(struct fs_fb *b, uint64_t cookie, int ofport)
{
    fs_fb_init(b, FS_T_EGRESS, FS_PRIO_EGRESS_PORT, cookie);
    fs_match_field(b, FS_F_DST_PORT, ofport);
}

/* Table FS_T_EGRESS: port key 'ofport' outputs to it ('key': "" for the
 * node-wide unit). */
static void egress_output(struct render_ctx *ctx, const char *key,
                          uint64_t cookie, int ofport)
{
    struct fs_fb b;
    egress_begin(&b, cookie, ofport);
    fs_to_port(&b, ofport);
    render_flow_add(ctx, key, &b);
}

/* Table FS_T_CLASSIFY: what comes in on 'ofport' is network 'net_key''s,
 * from port key 'ofport', on to table 'next'. */
static void classify_as(struct render_ctx *ctx, const char *key,
                        uint64_t cookie, int ofport, uint64_t net_key,
                        enum fs_table next)
{
    struct fs_fb b;
    classify_begin(&b, cookie, ofport);
    fs_set_field(&b, FS_F_NETWORK, net_key);
    fs_set_field(&b, FS_F_SRC_PORT, ofport);
    fs_goto(&b, next);
    render_flow_add(ctx, key, &b);
}

static void classify_port(struct render_ctx *ctx, const struct fs_port *p,
                          int ofport)
{
    classify_as(ctx, p->meta.key, net_cookie(ctx, p->network_id), ofport,
                render_net_key(ctx, p->network_id), FS_T_PORT_SEC);
}

/* Parses MAC 'text' of port 'p' (its own when 'pair' is SIZE_MAX, else
 * allowed address pair 'pair''s) into '*mac'.  The model validated it; if
 * it does not parse anyway, notes that its flows are left out and returns
 * false. */
static bool port_mac(struct render_ctx *ctx, const struct fs_port *p,
                     const char *text, size_t pair, struct eth_addr *mac)
{
    if (pair == SIZE_MAX) {
        return render_mac(ctx, p->meta.key, "$.port.mac_address", text, mac);
    }
    char *path =
        xasprintf("$.port.allowed_address_pairs[%zu].mac_address", pair);
    bool ok = render_mac(ctx, p->meta.key, path, text, mac);
    free(path);
    return ok;
}

/* Table 55: frames to MAC 'text' on the port's network go to port key
 * 'ofport' (the port, or its slice's uplink).  The MAC of address pair
 * 'pair' already delivered (by an earlier port, or twice in this one) is
 * skipped silently; the port's own MAC ('pair' SIZE_MAX) when another
 * port has it is a note (render_flow_add()). */
static void l2_mac(struct render_ctx *ctx, const struct fs_port *p, int ofport,
                   const char *text, size_t pair)
{
    struct eth_addr mac;
    if (!port_mac(ctx, p, text, pair, &mac)) {
        return;
    }
    struct fs_fb b;
    fs_fb_init(&b, FS_T_L2, FS_PRIO_L2_UNICAST, net_cookie(ctx, p->network_id));
    fs_match_field(&b, FS_F_NETWORK, render_net_key(ctx, p->network_id));
    fs_match_dl_dst(&b, mac);
    fs_set_field(&b, FS_F_DST_PORT, ofport);
    fs_goto(&b, FS_T_EGRESS);
    (pair == SIZE_MAX ? render_flow_add
                      : render_flow_add_once)(ctx, p->meta.key, &b);
}

/* Table 55 entries for the port's MAC and the MACs of its allowed address
 * pairs (Neutron: a pair's MAC is the port's too), to port key 'ofport'. */
static void l2_macs(struct render_ctx *ctx, const struct fs_port *p, int ofport)
{
    if (p->mac_address) {
        l2_mac(ctx, p, ofport, p->mac_address, SIZE_MAX);
    }
    for (size_t i = 0; i < p->n_allowed_address_pairs; i++) {
        const char *mac = p->allowed_address_pairs[i].mac_address;
        if (mac && (!p->mac_address || strcmp(mac, p->mac_address))) {
            l2_mac(ctx, p, ofport, mac, i);
        }
    }
}

/* Table 75 output, and the port's table 55 entries. */
static void l2_port(struct render_ctx *ctx, const struct fs_port *p, int ofport)
{
    egress_output(ctx, p->meta.key, net_cookie(ctx, p->network_id), ofport);
    l2_macs(ctx, p, ofport);
}

/* Outputs to ports 'ofports[0..n-1]'.  A local VIF's table FS_T_EGRESS
 * flow is an output to it and nothing else, so a flood outputs to it
 * directly instead of a set_field and a resubmit per port. */
static void put_outputs(struct fs_fb *b, const int *ofports, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fs_to_port(b, ofports[i]);
    }
}

/* Table FS_T_FLOOD: chunk 'chunk' of network 'net''s flood outputs to its
 * 'n' ports 'ofports'. */
static void flood_chunk(struct render_ctx *ctx, const struct fs_network *net,
                        size_t chunk, const int *ofports, size_t n)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_FLOOD, FS_PRIO_FLOOD_CHUNK,
               net_cookie(ctx, net->meta.id));
    fs_match_field(&b, FS_F_NETWORK, render_net_key(ctx, net->meta.id));
    fs_match_field(&b, FS_F_FLOOD_CHUNK, chunk);
    put_outputs(&b, ofports, n);
    render_flow_add(ctx, net->meta.key, &b);
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
 * Up to FS_FLOOD_CHUNK ports, one table FS_T_L2 flow outputs to them;
 * beyond, that flow resubmits, one chunk after the other (never nested:
 * the depth stays 2), to table FS_T_FLOOD with the chunk number in
 * FS_F_FLOOD_CHUNK, where one flow per chunk outputs to its FS_FLOOD_CHUNK
 * ports (render/pipeline.h).  The egress comes next, through table
 * FS_T_EGRESS (which hands it to provider.c's table, where a VLAN tag is
 * pushed inside clone()), and an overlay network's tunnels last (table
 * FS_T_TUNNEL_FLOOD, overlay.c).  Never back to the input port: OpenFlow's
 * output drops a packet whose output port is its in_port (only the in_port
 * action sends it back), and resubmit keeps the in_port, so a flood from a
 * VIF skips that VIF and a flood from the uplink does not return to it.
 * No flow when there is nowhere to flood to. */
static void flood_network(struct render_ctx *ctx, const struct fs_network *net,
                          const struct render_uplink *up,
                          const struct net_members *m, bool tunnels)
{
    static const struct eth_addr group_bit = ETH_ADDR_C(01, 00, 00, 00, 00, 00);
    size_t n = m->n;
    const int *ofports = m->ofports;
    if (!n && !up && !tunnels) {
        return;
    }
    struct fs_fb b;
    fs_fb_init(&b, FS_T_L2, FS_PRIO_L2_FLOOD, net_cookie(ctx, net->meta.id));
    fs_match_field(&b, FS_F_NETWORK, render_net_key(ctx, net->meta.id));
    fs_match_dl_dst_masked(&b, group_bit, group_bit);
    if (n <= FS_FLOOD_CHUNK) {
        put_outputs(&b, ofports, n);
    } else {
        for (size_t c = 0; c * FS_FLOOD_CHUNK < n; c++) {
            size_t first = c * FS_FLOOD_CHUNK;
            flood_chunk(ctx, net, c, ofports + first,
                        MIN(n - first, FS_FLOOD_CHUNK));
            fs_set_field(&b, FS_F_FLOOD_CHUNK, c);
            fs_resubmit(&b, FS_T_FLOOD);
        }
    }
    if (up) {
        fs_set_field(&b, FS_F_DST_PORT, up->ofport);
        fs_resubmit(&b, FS_T_EGRESS);
    }
    if (tunnels) {
        fs_resubmit(&b, FS_T_TUNNEL_FLOOD);
    }
    render_flow_add(ctx, net->meta.key, &b);
}

/* Unknown unicast (and unicast to ports of 'net' bound elsewhere) goes to
 * the network's egress; without one it misses and is dropped. */
static void unknown_unicast(struct render_ctx *ctx,
                            const struct fs_network *net,
                            const struct render_uplink *up)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_L2, FS_PRIO_L2_UNKNOWN_UNICAST,
               net_cookie(ctx, net->meta.id));
    fs_match_field(&b, FS_F_NETWORK, render_net_key(ctx, net->meta.id));
    fs_set_field(&b, FS_F_DST_PORT, up->ofport);
    fs_goto(&b, FS_T_EGRESS);
    render_flow_add(ctx, net->meta.key, &b);
}

/* Table 0 and 75 for each tunnel: its traffic is marked as from a tunnel
 * (split horizon, FS_F_FROM_TUNNEL) and goes to overlay.c's ingress table;
 * port key = its ofport outputs into it, unless the packet came from a
 * tunnel. */
static void l2_tunnels(struct render_ctx *ctx)
{
    const uint64_t cookie = FS_COOKIE(FS_COOKIE_OVERLAY, 0);
    struct shash_node *node;
    SHASH_FOR_EACH(node, &ctx->w->tunnels)
    {
        const struct render_tunnel *t = node->data;
        struct fs_fb b;
        classify_begin(&b, cookie, t->ofport);
        fs_set_field(&b, FS_F_FROM_TUNNEL, 1);
        fs_set_field(&b, FS_F_SRC_PORT, t->ofport);
        fs_goto(&b, FS_T_TUNNEL_IN);
        render_flow_add(ctx, "", &b);

        egress_begin(&b, cookie, t->ofport);
        fs_match_field(&b, FS_F_FROM_TUNNEL, 0);
        fs_to_port(&b, t->ofport);
        render_flow_add(ctx, "", &b);
    }
}

/* Table 0 and 75 for each slice's uplink pair: what the slice sends into
 * it is its network's traffic, switched by table 55 toward the network's
 * egress (provider patch, tunnels; its members' MACs lead back into this
 * uplink, which an output to the in_port drops); port key = its ofport
 * (what table 55 sends into the slice) outputs into it. */
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
        classify_as(ctx, "", cookie, sn->uplink, key, FS_T_L2);
        egress_output(ctx, "", cookie, sn->uplink);
    }
}

/* Table 0 and 75 for each uplink (integration side patch port): its
 * traffic goes to provider.c's ingress table, and port key = its ofport
 * to provider.c's egress table.  Shared by the networks of one physnet:
 * cookie object 0.  Then the tunnels' and the slice uplinks'. */
void render_l2_uplinks(struct render_ctx *ctx)
{
    l2_tunnels(ctx);
    l2_slice_uplinks(ctx);
    const uint64_t cookie = FS_COOKIE(FS_COOKIE_PROVIDER, 0);
    struct simap_node *node;
    SIMAP_FOR_EACH(node, &ctx->w->patch_ofports)
    {
        struct fs_fb b;
        classify_begin(&b, cookie, node->data);
        fs_goto(&b, FS_T_PROVIDER_IN);
        render_flow_add(ctx, "", &b);

        egress_begin(&b, cookie, node->data);
        fs_goto(&b, FS_T_PROVIDER_OUT);
        render_flow_add(ctx, "", &b);
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
    uint64_t key = render_net_key(ctx, p->network_id);
    struct fs_fb b;
    classify_begin(&b, FS_COOKIE(FS_COOKIE_SLICE, key), member);
    fs_goto(&b, FS_T_SLICE);
    render_flow_add(ctx, p->meta.key, &b);
    if (sn->uplink) {
        l2_macs(ctx, p, sn->uplink);
    }
}

/* Table 55: frames to port 'p' of overlay network 'net', bound on another
 * chassis, go into that chassis' tunnel 'ofport' with the network's VNI
 * (cookie kind overlay). */
static void remote_unicast(struct render_ctx *ctx, const struct fs_network *net,
                           const struct fs_port *p, int ofport)
{
    struct eth_addr mac;
    if (!port_mac(ctx, p, p->mac_address, SIZE_MAX, &mac)) {
        return;
    }
    uint64_t key = render_net_key(ctx, net->meta.id);
    struct fs_fb b;
    fs_fb_init(&b, FS_T_L2, FS_PRIO_L2_REMOTE_UNICAST,
               FS_COOKIE(FS_COOKIE_OVERLAY, key));
    fs_match_field(&b, FS_F_NETWORK, key);
    fs_match_dl_dst(&b, mac);
    fs_set_tun_id(&b, net->vni);
    fs_set_field(&b, FS_F_DST_PORT, ofport);
    fs_goto(&b, FS_T_EGRESS);
    render_flow_add(ctx, p->meta.key, &b);
}

static int compare_ints(const void *a_, const void *b_)
{
    int a = *(const int *)a_, b = *(const int *)b_;
    return (a > b) - (a < b);
}

/* Unicast into the tunnels of overlay network 'net''s ports bound
 * elsewhere ('m->remote'); their tunnels' ofports (sorted, distinct) go
 * to '*tunnels' (caller frees).  Returns how many. */
static size_t remote_ports(struct render_ctx *ctx, const struct fs_network *net,
                           const struct net_members *m, int **tunnels)
{
    int *ofports = xcalloc(m->n_remote + 1, sizeof *ofports);
    size_t n = 0;
    for (size_t i = 0; net->vni && i < m->n_remote; i++) {
        const char *chassis = render_port_chassis(m->remote[i], ctx->node);
        int ofport = chassis ? render_tunnel(ctx, chassis) : 0;
        if (ofport) {
            if (m->remote[i]->mac_address) {
                remote_unicast(ctx, net, m->remote[i], ofport);
            }
            ofports[n++] = ofport;
        }
    }
    qsort(ofports, n, sizeof *ofports, compare_ints);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!k || ofports[k - 1] != ofports[i]) {
            ofports[k++] = ofports[i];
        }
    }
    *tunnels = ofports;
    return k;
}

void render_l2_network(struct render_ctx *ctx, const struct fs_network *net)
{
    const struct render_uplink *up = render_uplink(ctx, net->meta.id);
    struct net_members m = {0};
    collect_members(ctx, net, &m);
    bool tunnels = false;
    /* A network of a router routed here is present too: its L2 is where
     * routed packets go (render/router.c). */
    if (m.present || render_routed(ctx, FS_NETWORK, net->meta.id)) {
        int *ofports;
        size_t n = remote_ports(ctx, net, &m, &ofports);
        tunnels = render_overlay_network(ctx, net, ofports, n);
        free(ofports);
    }
    flood_network(ctx, net, up, &m, tunnels);
    if (up) {
        unknown_unicast(ctx, net, up);
    }
    free(m.ofports);
    free(m.remote);
}

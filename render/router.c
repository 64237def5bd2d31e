/* The distributed router (docs/architecture.md, "Distributed router"), as
 * Dragonflow's L3 application and OVN's logical router pipeline
 * (ovn-northd(8): admission, IP input, IP routing, ARP resolve), but in
 * flows on every node that needs the router, with no network node:
 *
 *   table 20 (L3 admission)  ARP for a router interface address answered
 *                            here; a frame to an interface's MAC enters
 *                            the router (FS_F_ROUTER); ARP for a known
 *                            port address answered; the rest to table 55;
 *   table 21 (IP input)      martians dropped, ICMP echo to a router
 *                            address answered, other traffic to one
 *                            dropped, the rest to table 22;
 *   table 22 (routing)       longest prefix of the destination: dec_ttl,
 *                            the out interface's MAC as source, its
 *                            network in FS_F_NETWORK, the next hop in
 *                            FS_F_NEXTHOP;
 *   table 23 (neighbor)      (network, next hop) -> the MAC of the port
 *                            with that address (every port's address is
 *                            known from etcd: no ARP, no packet-in), on
 *                            to table 55 of the destination network.
 *
 * So a routed packet crosses at most one tunnel, with the destination
 * network's VNI.  Units: the router unit renders tables 20-22 of its
 * router (cost: its interfaces and routes), each network unit table 23
 * and the port ARP answers of its network (cost: its ports), and the
 * node-wide unit finds which routers and networks are routed here. */
#include <stdio.h>
#include <string.h>

#include "model/text.h"
#include "openvswitch/meta-flow.h"
#include "packets.h"
#include "render/internal.h"
#include "render/punt.h"
#include "util.h"

/* One interface of a router, as its flows need it. */
struct iface {
    const struct fs_port *port;
    const struct fs_subnet *subnet;
    ovs_be32 ip;         /* The interface's address. */
    ovs_be32 net, mask;  /* Its subnet. */
    int plen;            /* Prefix length of the subnet. */
    struct eth_addr mac; /* The interface's MAC. */
    struct eth_addr src; /* Source MAC of what is routed out through it:
                          * 'mac', or on a flat or VLAN network this
                          * chassis' MAC for the physnet. */
    uint64_t net_key;    /* Its network's key. */
};

static uint64_t router_cookie(uint64_t key)
{
    return FS_COOKIE(FS_COOKIE_ROUTER, key);
}

/* Whether network 'net' has a port bound to this node, plugged or not (a
 * router interface is bound nowhere). */
static bool has_bound_port(const struct render_world *w, const char *net)
{
    const struct render_port_list *l = shash_find_data(&w->net_ports, net);
    for (size_t i = 0; l && i < l->n; i++) {
        const struct fs_port *p = l->ports[i];
        if (!p->remote && !p->router_id && p->host_id &&
            !strcmp(p->host_id, w->node->name)) {
            return true;
        }
    }
    return false;
}

/* Marks router 'r' and the networks of its interfaces routed here when
 * one of its interfaces (up) is on a network with a port bound here. */
static void find_routed(struct render_world *w, const struct fs_router *r)
{
    const struct render_port_list *l =
        shash_find_data(&w->router_ports, r->meta.id);
    bool present = false;
    for (size_t i = 0; r->admin_state_up && l && i < l->n && !present; i++) {
        present = l->ports[i]->admin_state_up &&
                  has_bound_port(w, l->ports[i]->network_id);
    }
    if (!present) {
        return;
    }
    sset_add(&w->routed_routers, r->meta.id);
    for (size_t i = 0; i < l->n; i++) {
        if (l->ports[i]->admin_state_up) {
            sset_add(&w->routed_nets, l->ports[i]->network_id);
        }
    }
}

/* Table 21: IPv4 to 'prefix' (a martian destination) is dropped. */
static void martian(struct render_ctx *ctx, const char *prefix)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_IP_INPUT, FS_PRIO_IP_INPUT_MARTIAN, router_cookie(0));
    fs_match_dl_type(&b, ETH_TYPE_IP);
    char *error = fs_match_prefix(&b, MFF_IPV4_DST, false, prefix);
    ovs_assert(!error);
    render_flow_add(ctx, "", &b);
}

/* Table 20: from in_port 'ofport' (a provider uplink) straight to L2. */
static void uplink_pass(struct render_ctx *ctx, int ofport)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_L3_ADMISSION, FS_PRIO_L3_ADMISSION_UPLINK,
               router_cookie(0));
    fs_match_in_port(&b, ofport);
    fs_goto(&b, FS_T_L2);
    render_flow_add(ctx, "", &b);
}

/* Table 20's node-wide flows: uplinks pass, DAD probes (sender 0.0.0.0)
 * pass, the rest goes to L2. */
static void admission_base(struct render_ctx *ctx)
{
    struct simap_node *node;
    SIMAP_FOR_EACH(node, &ctx->w->patch_ofports)
    {
        uplink_pass(ctx, node->data);
    }
    struct fs_fb b;
    fs_fb_init(&b, FS_T_L3_ADMISSION, FS_PRIO_L3_ADMISSION_ARP_PASS,
               router_cookie(0));
    fs_match_dl_type(&b, ETH_TYPE_ARP);
    fs_match_mf(&b, MFF_ARP_SPA, 0, UINT32_MAX);
    fs_goto(&b, FS_T_L2);
    render_flow_add(ctx, "", &b);

    fs_fb_init(&b, FS_T_L3_ADMISSION, FS_PRIO_L3_ADMISSION_DEFAULT,
               router_cookie(0));
    fs_goto(&b, FS_T_L2);
    render_flow_add(ctx, "", &b);
}

void render_router_locality(struct render_ctx *ctx)
{
    /* This node's chassis MACs: its chassis document's when it has some,
     * else flowsteerd's setting. */
    const struct fs_chassis *ch =
        fs_snapshot_find(ctx->snap, FS_CHASSIS, ctx->node);
    bool doc = ch && ch->n_chassis_macs;
    ctx->w->chassis_macs =
        doc ? ch->chassis_macs : ctx->render_node->chassis_macs;
    ctx->w->n_chassis_macs =
        doc ? ch->n_chassis_macs : ctx->render_node->n_chassis_macs;
    for (size_t i = 0; i < ctx->snap->n_routers; i++) {
        find_routed(ctx->w, &ctx->snap->routers[i]);
    }
}

void render_router_base(struct render_ctx *ctx)
{
    if (sset_is_empty(&ctx->w->routed_routers)) {
        return;
    }
    admission_base(ctx);
    static const char *const martians[] = {"224.0.0.0/4", "255.255.255.255",
                                           "127.0.0.0/8", "0.0.0.0/8"};
    for (size_t i = 0; i < ARRAY_SIZE(martians); i++) {
        martian(ctx, martians[i]);
    }
}

/* Adds the actions that turn an ARP request for 'ip' into the reply from
 * 'mac', sent back where it came from. */
static void put_arp_reply(struct fs_fb *b, struct eth_addr mac, ovs_be32 ip)
{
    fs_move_mf(b, MFF_ETH_SRC, MFF_ETH_DST);
    fs_set_mf(b, MFF_ETH_SRC, eth_addr_to_uint64(mac));
    fs_set_mf(b, MFF_ARP_OP, ARP_OP_REPLY);
    fs_move_mf(b, MFF_ARP_SHA, MFF_ARP_THA);
    fs_set_mf(b, MFF_ARP_SHA, eth_addr_to_uint64(mac));
    fs_move_mf(b, MFF_ARP_SPA, MFF_ARP_TPA);
    fs_set_mf(b, MFF_ARP_SPA, ntohl(ip));
    fs_to_in_port(b);
}

/* Starts a table 20 flow matching ARP requests for 'ip' on network
 * 'net_key'. */
static void arp_request_begin(struct fs_fb *b, uint16_t priority,
                              uint64_t cookie, uint64_t net_key, ovs_be32 ip)
{
    fs_fb_init(b, FS_T_L3_ADMISSION, priority, cookie);
    fs_match_field(b, FS_F_NETWORK, net_key);
    fs_match_dl_type(b, ETH_TYPE_ARP);
    fs_match_mf(b, MFF_ARP_OP, ARP_OP_REQUEST, UINT16_MAX);
    fs_match_mf(b, MFF_ARP_TPA, ntohl(ip), UINT32_MAX);
}

/* Table 20 for interface 'f' of router 'key': ARP for its address
 * answered (broadcast or unicast), frames to its MAC into the router. */
static void admission(struct render_ctx *ctx, uint64_t key,
                      const struct iface *f)
{
    struct fs_fb b;
    arp_request_begin(&b, FS_PRIO_L3_ADMISSION_ARP, router_cookie(key),
                      f->net_key, f->ip);
    put_arp_reply(&b, f->mac, f->ip);
    render_flow_add(ctx, f->port->meta.key, &b);

    fs_fb_init(&b, FS_T_L3_ADMISSION, FS_PRIO_L3_ADMISSION_ROUTER,
               router_cookie(key));
    fs_match_field(&b, FS_F_NETWORK, f->net_key);
    fs_match_dl_dst(&b, f->mac);
    fs_set_field(&b, FS_F_ROUTER, key);
    fs_goto(&b, FS_T_IP_INPUT);
    render_flow_add(ctx, f->port->meta.key, &b);
}

/* Starts a table 21 flow of router 'key' for IPv4 to 'ip'. */
static void to_router_begin(struct fs_fb *b, uint16_t priority, uint64_t key,
                            ovs_be32 ip)
{
    fs_fb_init(b, FS_T_IP_INPUT, priority, router_cookie(key));
    fs_match_field(b, FS_F_ROUTER, key);
    fs_match_dl_type(b, ETH_TYPE_IP);
    fs_match_mf(b, MFF_IPV4_DST, ntohl(ip), UINT32_MAX);
}

/* Table 21: a packet entering router 'key' through interface 'f' with TTL
 * 1, which routing would drop, goes to the local controller for an ICMP
 * time exceeded from 'f''s address (render/punt.h, FS_PUNT_TTL), through
 * the router errors' meter: traceroute shows the router as a hop. */
static void ttl_exceeded(struct render_ctx *ctx, uint64_t key,
                         const struct iface *f)
{
    struct fs_punt_ttl ud = {
        .kind = FS_PUNT_TTL, .version = FS_PUNT_VERSION, .ip = f->ip};
    memcpy(ud.mac, f->mac.ea, sizeof ud.mac);
    struct fs_fb b;
    fs_fb_init(&b, FS_T_IP_INPUT, FS_PRIO_IP_INPUT_TTL, router_cookie(key));
    fs_match_field(&b, FS_F_ROUTER, key);
    fs_match_field(&b, FS_F_NETWORK, f->net_key);
    fs_match_dl_type(&b, ETH_TYPE_IP);
    fs_match_mf(&b, MFF_IP_TTL, 1, UINT8_MAX);
    fs_controller(&b, &ud, sizeof ud, FS_PUNT_METER(FS_PUNT_ERRORS));
    render_flow_add(ctx, f->port->meta.key, &b);
}

/* Table 21 for interface 'f''s address: an ICMP echo request to it is
 * answered (MACs and addresses swapped, TTL 64, echo reply: OVS updates
 * the checksums), anything else to it is dropped. */
static void ip_input(struct render_ctx *ctx, uint64_t key,
                     const struct iface *f)
{
    struct fs_fb b;
    to_router_begin(&b, FS_PRIO_IP_INPUT_ECHO, key, f->ip);
    fs_match_mf(&b, MFF_IP_PROTO, IPPROTO_ICMP, UINT8_MAX);
    fs_match_mf(&b, MFF_ICMPV4_TYPE, ICMP4_ECHO_REQUEST, UINT8_MAX);
    fs_push_mf(&b, MFF_ETH_SRC);
    fs_push_mf(&b, MFF_ETH_DST);
    fs_pop_mf(&b, MFF_ETH_SRC);
    fs_pop_mf(&b, MFF_ETH_DST);
    fs_move_mf(&b, MFF_IPV4_SRC, MFF_IPV4_DST);
    fs_set_mf(&b, MFF_IPV4_SRC, ntohl(f->ip));
    fs_set_mf(&b, MFF_IP_TTL, 64);
    fs_set_mf(&b, MFF_ICMPV4_TYPE, ICMP4_ECHO_REPLY);
    fs_to_in_port(&b);
    render_flow_add(ctx, f->port->meta.key, &b);

    to_router_begin(&b, FS_PRIO_IP_INPUT_DROP, key, f->ip);
    render_flow_add(ctx, f->port->meta.key, &b);
    ttl_exceeded(ctx, key, f);
}

/* Table 22: IPv4 to 'net'/'mask' ('plen' bits) leaves router 'key'
 * through interface 'out', toward next hop 'nexthop' (0: the destination
 * itself, a connected subnet's host). */
static void route(struct render_ctx *ctx, const char *res_key, uint64_t key,
                  ovs_be32 net, ovs_be32 mask, int plen, bool connected,
                  const struct iface *out, ovs_be32 nexthop)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_ROUTING, FS_PRIO_ROUTING_PREFIX + 2 * plen + connected,
               router_cookie(key));
    fs_match_field(&b, FS_F_ROUTER, key);
    fs_match_dl_type(&b, ETH_TYPE_IP);
    if (plen) {
        fs_match_mf(&b, MFF_IPV4_DST, ntohl(net), ntohl(mask));
    }
    if (connected) {
        fs_move_to_field(&b, MFF_IPV4_DST, FS_F_NEXTHOP);
    } else {
        fs_set_field(&b, FS_F_NEXTHOP, ntohl(nexthop));
    }
    fs_dec_ttl(&b);
    fs_set_mf(&b, MFF_ETH_SRC, eth_addr_to_uint64(out->src));
    fs_set_field(&b, FS_F_NETWORK, out->net_key);
    fs_goto(&b, FS_T_NEIGHBOR);
    render_flow_add(ctx, res_key, &b);
}

/* Table 21's hand-off to routing and table 22's "no route" of router
 * 'key'. */
static void router_base(struct render_ctx *ctx, const char *res_key,
                        uint64_t key)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_IP_INPUT, FS_PRIO_IP_INPUT_ROUTE, router_cookie(key));
    fs_match_field(&b, FS_F_ROUTER, key);
    fs_match_dl_type(&b, ETH_TYPE_IP);
    fs_goto(&b, FS_T_ROUTING);
    render_flow_add(ctx, res_key, &b);

    fs_fb_init(&b, FS_T_ROUTING, FS_PRIO_ROUTING_NONE, router_cookie(key));
    fs_match_field(&b, FS_F_ROUTER, key);
    fs_match_dl_type(&b, ETH_TYPE_IP);
    render_flow_add(ctx, res_key, &b);
}

/* The IPv4 fixed IP of interface 'p' (the model allows exactly one), or
 * NULL. */
static const struct fs_fixed_ip *iface_ip(const struct fs_port *p, ovs_be32 *ip)
{
    for (size_t i = 0; i < p->n_fixed_ips; i++) {
        if (ip_parse(p->fixed_ips[i].ip_address, ip) &&
            p->fixed_ips[i].subnet_id) {
            return &p->fixed_ips[i];
        }
    }
    return NULL;
}

/* Stores in '*mac' the source MAC of what this chassis routes out to flat
 * or VLAN network 'net' (interface 'p'): its chassis MAC for the physnet
 * (OVN's ovn-chassis-mac-mappings), never the router's MAC, which every
 * chassis would put on the physical network.  Without one, notes that the
 * network is not routed from this node and returns false. */
static bool chassis_mac(struct render_ctx *ctx, const struct fs_port *p,
                        const struct fs_network *net, struct eth_addr *mac)
{
    const char *text = net->physical_network
                           ? render_chassis_mac(ctx, net->physical_network)
                           : NULL;
    if (text && eth_addr_from_string(text, mac)) {
        return true;
    }
    fs_errors_add(
        &ctx->out->notes, p->meta.key, "$.port.network_id",
        "router interface on %s network %s (physnet %s): chassis "
        "%s has no chassis MAC for the physnet "
        "(chassis_mac_mappings in its chassis document, or "
        "--chassis-mac-mappings): not routed from this node",
        net->network_type ? net->network_type : "untyped",
        fs_quote(p->network_id).s,
        fs_quote(net->physical_network ? net->physical_network : "").s,
        fs_quote(ctx->node).s);
    return false;
}

/* Fills 'f' for interface port 'id' of a router: false (with a note when
 * the interface is left out for a reason the operator can fix) if it is
 * down, not IPv4, or on a network this node cannot route. */
static bool iface_init(struct render_ctx *ctx, const char *id, struct iface *f)
{
    const struct fs_port *p = render_find(ctx, FS_PORT, id);
    ovs_be32 ip;
    const struct fs_fixed_ip *fip = p ? iface_ip(p, &ip) : NULL;
    if (!fip || !p->admin_state_up || !p->mac_address) {
        return false;
    }
    const struct fs_subnet *sn = render_find(ctx, FS_SUBNET, fip->subnet_id);
    const struct fs_network *net = render_find(ctx, FS_NETWORK, p->network_id);
    if (!sn || !net || sn->ip_version != 4 ||
        !render_ipv4_prefix(sn->cidr, &f->net, &f->mask)) {
        return false;
    }
    if (render_slice_net(ctx, p->network_id)) {
        fs_errors_add(&ctx->out->notes, p->meta.key, "$.port.network_id",
                      "router interface on network %s, which a slice's "
                      "controller owns: not routed",
                      fs_quote(p->network_id).s);
        return false;
    }
    if (!render_mac(ctx, p->meta.key, "$.port.mac_address", p->mac_address,
                    &f->mac)) {
        return false;
    }
    f->src = f->mac;
    if (!fs_network_is_overlay(net) && !chassis_mac(ctx, p, net, &f->src)) {
        return false;
    }
    f->port = p;
    f->subnet = sn;
    f->ip = ip;
    f->plen = ip_count_cidr_bits(f->mask);
    f->net_key = render_net_key(ctx, p->network_id);
    return f->net_key != 0;
}

/* The interface whose subnet holds 'ip', or NULL. */
static const struct iface *iface_of(const struct iface *ifs, size_t n,
                                    ovs_be32 ip)
{
    for (size_t i = 0; i < n; i++) {
        if ((ip & ifs[i].mask) == ifs[i].net) {
            return &ifs[i];
        }
    }
    return NULL;
}

/* Whether a port of interface 'f''s network has fixed IP 'ip' (reads the
 * ports up to the one that has it). */
static bool nexthop_known(struct render_ctx *ctx, const struct iface *f,
                          ovs_be32 ip)
{
    size_t n;
    const struct fs_port *const *ports =
        render_network_ports(ctx, f->port->network_id, &n);
    for (size_t i = 0; i < n; i++) {
        const struct fs_port *p = render_find(ctx, FS_PORT, ports[i]->meta.id);
        for (size_t j = 0; p && !p->router_id && j < p->n_fixed_ips; j++) {
            ovs_be32 a;
            if (ip_parse(p->fixed_ips[j].ip_address, &a) && a == ip) {
                return true;
            }
        }
    }
    return false;
}

/* Adds a note on route 'i' of router 'r'. */
static void OVS_PRINTF_FORMAT(4, 5)
    route_note(struct render_ctx *ctx, const struct fs_router *r, size_t i,
               const char *fmt, ...)
{
    char *path = xasprintf("$.router.routes[%zu]", i);
    va_list args;
    va_start(args, fmt);
    char *msg = xvasprintf(fmt, args);
    va_end(args);
    fs_errors_add(&ctx->out->notes, r->meta.key, path, "%s", msg);
    free(msg);
    free(path);
}

/* Extra route 'i' of router 'r' (key 'key', interfaces 'ifs'): a table 22
 * flow through the interface whose subnet holds its nexthop, or a note
 * saying why not (Neutron's nexthop rules). */
static void extra_route(struct render_ctx *ctx, const struct fs_router *r,
                        uint64_t key, size_t i, const struct iface *ifs,
                        size_t n)
{
    const struct fs_route *rt = &r->routes[i];
    ovs_be32 net, mask, nh;
    if (!ip_parse(rt->nexthop, &nh) ||
        !render_ipv4_prefix(rt->destination, &net, &mask)) {
        route_note(ctx, r, i, "IPv6 route: not routed (yet)");
        return;
    }
    for (size_t k = 0; k < n; k++) {
        if (ifs[k].ip == nh) {
            route_note(ctx, r, i,
                       "nexthop %s is the router's own address (interface "
                       "%s): route left out",
                       rt->nexthop, fs_quote(ifs[k].port->meta.id).s);
            return;
        }
    }
    const struct iface *out = iface_of(ifs, n, nh);
    if (!out) {
        route_note(ctx, r, i,
                   "nexthop %s is in no subnet of the router's interfaces: "
                   "route left out",
                   rt->nexthop);
        return;
    }
    int plen = ip_count_cidr_bits(mask);
    for (size_t k = 0; k < n; k++) {
        if (ifs[k].plen == plen && ifs[k].net == net) {
            route_note(ctx, r, i,
                       "shadowed by connected subnet %s (%s): its traffic "
                       "stays on the subnet",
                       fs_quote(ifs[k].subnet->meta.id).s, ifs[k].subnet->cidr);
        }
    }
    if (!nexthop_known(ctx, out, nh)) {
        route_note(ctx, r, i,
                   "nexthop %s is no port's address on network %s: "
                   "traffic to %s is dropped until one has it",
                   rt->nexthop, fs_quote(out->port->network_id).s,
                   rt->destination);
    }
    route(ctx, r->meta.key, key, net, mask, plen, false, out, nh);
}

void render_router(struct render_ctx *ctx, const struct fs_router *r)
{
    if (!r->admin_state_up || !render_routed(ctx, FS_ROUTER, r->meta.id)) {
        return;
    }
    uint64_t key = render_router_key(ctx, r->meta.id);
    size_t n_ports;
    const struct fs_port *const *ports =
        render_router_ports(ctx, r->meta.id, &n_ports);
    struct iface *ifs = xcalloc(n_ports + 1, sizeof *ifs);
    size_t n = 0;
    for (size_t i = 0; i < n_ports; i++) {
        n += iface_init(ctx, ports[i]->meta.id, &ifs[n]);
    }
    if (key && n) {
        router_base(ctx, r->meta.key, key);
        for (size_t i = 0; i < n; i++) {
            admission(ctx, key, &ifs[i]);
            ip_input(ctx, key, &ifs[i]);
            route(ctx, ifs[i].port->meta.key, key, ifs[i].net, ifs[i].mask,
                  ifs[i].plen, true, &ifs[i], 0);
        }
        for (size_t i = 0; i < r->n_routes; i++) {
            extra_route(ctx, r, key, i, ifs, n);
        }
    }
    free(ifs);
}

/* The IPv4 allowed address pairs of a network's ports (addresses and
 * prefixes): a fixed IP among them may move to another port (a VIP), so
 * its ARP is not answered by flows. */
struct pair_prefixes {
    ovs_be32 *net, *mask;
    size_t n, allocated;
};

static void collect_pairs(const struct fs_port *p, struct pair_prefixes *pp)
{
    for (size_t i = 0; i < p->n_allowed_address_pairs; i++) {
        ovs_be32 net, mask;
        if (render_ipv4_prefix(p->allowed_address_pairs[i].ip_address, &net,
                               &mask)) {
            if (pp->n >= pp->allocated) {
                pp->allocated = 2 * pp->allocated + 4;
                pp->net = xrealloc(pp->net, pp->allocated * sizeof *pp->net);
                pp->mask = xrealloc(pp->mask, pp->allocated * sizeof *pp->mask);
            }
            pp->net[pp->n] = net;
            pp->mask[pp->n++] = mask;
        }
    }
}

static bool in_pairs(const struct pair_prefixes *pp, ovs_be32 ip)
{
    for (size_t i = 0; i < pp->n; i++) {
        if ((ip & pp->mask[i]) == (pp->net[i] & pp->mask[i])) {
            return true;
        }
    }
    return false;
}

/* Table 23 and, when 'answer', table 20's ARP answer for IPv4 address
 * 'ip' of port 'p' (MAC 'mac') on network 'key'. */
static void neighbor(struct render_ctx *ctx, const struct fs_port *p,
                     uint64_t key, ovs_be32 ip, struct eth_addr mac,
                     bool answer)
{
    const uint64_t cookie = FS_COOKIE(FS_COOKIE_NEIGHBOR, key);
    struct fs_fb b;
    fs_fb_init(&b, FS_T_NEIGHBOR, FS_PRIO_NEIGHBOR_PORT, cookie);
    fs_match_field(&b, FS_F_NETWORK, key);
    fs_match_field(&b, FS_F_NEXTHOP, ntohl(ip));
    fs_set_mf(&b, MFF_ETH_DST, eth_addr_to_uint64(mac));
    fs_goto(&b, FS_T_L2);
    render_flow_add(ctx, p->meta.key, &b);
    if (!answer || !p->port_security_enabled) {
        return; /* It may send from any address: never answer for it. */
    }
    arp_request_begin(&b, FS_PRIO_L3_ADMISSION_ARP_PORT, cookie, key, ip);
    fs_match_dl_dst(&b, eth_addr_broadcast);
    put_arp_reply(&b, mac, ip);
    render_flow_add(ctx, p->meta.key, &b);

    /* Its own gratuitous ARP goes out as sent. */
    arp_request_begin(&b, FS_PRIO_L3_ADMISSION_ARP_PASS, cookie, key, ip);
    fs_match_mf(&b, MFF_ARP_SPA, ntohl(ip), UINT32_MAX);
    fs_goto(&b, FS_T_L2);
    render_flow_add(ctx, p->meta.key, &b);
}

void render_router_network(struct render_ctx *ctx, const struct fs_network *net)
{
    if (!render_routed(ctx, FS_NETWORK, net->meta.id) ||
        render_slice_net(ctx, net->meta.id)) {
        return;
    }
    uint64_t key = render_net_key(ctx, net->meta.id);
    size_t n;
    const struct fs_port *const *ports =
        render_network_ports(ctx, net->meta.id, &n);
    struct pair_prefixes pairs = {0};
    for (size_t i = 0; key && i < n; i++) {
        const struct fs_port *p = render_find(ctx, FS_PORT, ports[i]->meta.id);
        if (p) {
            collect_pairs(p, &pairs);
        }
    }
    for (size_t i = 0; key && i < n; i++) {
        const struct fs_port *p = render_find(ctx, FS_PORT, ports[i]->meta.id);
        struct eth_addr mac;
        if (!p || p->router_id || !p->mac_address ||
            !eth_addr_from_string(p->mac_address, &mac)) {
            continue;
        }
        for (size_t j = 0; j < p->n_fixed_ips; j++) {
            ovs_be32 ip;
            if (ip_parse(p->fixed_ips[j].ip_address, &ip)) {
                neighbor(ctx, p, key, ip, mac, !in_pairs(&pairs, ip));
            }
        }
    }
    free(pairs.net);
    free(pairs.mask);
}

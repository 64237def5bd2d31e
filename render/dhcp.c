/* DHCPv4 for every port, on its node (docs/architecture.md, "Local
 * controller"), as Dragonflow's DHCP application and OVN's put_dhcp_opts:
 * table FS_T_LOCAL sends a port's DHCP requests (UDP 68 -> 67, whatever
 * their destination: discoveries and renewals) to flowsteerd's local
 * controller with the whole answer in the flow's userdata (render/punt.h):
 * the port's fixed IPv4 address, the server identifier, the lease and the
 * options of its subnet (Neutron's subnet fields: cidr, gateway_ip,
 * dns_nameservers, host_routes; the network's MTU).  Everything else of
 * the port goes on to FS_T_SFC_CLASS.  A port unit's flows, rendered only
 * for a port with a fixed IPv4 on a subnet with enable_dhcp. */
#include <string.h>

#include "hash.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "render/internal.h"
#include "render/punt.h"
#include "util.h"

/* DHCP option codes (RFC 2132, RFC 3442). */
enum {
    OPT_SUBNET_MASK = 1,
    OPT_ROUTER = 3,
    OPT_DNS = 6,
    OPT_DOMAIN = 15,
    OPT_MTU = 26,
    OPT_CLASSLESS_ROUTES = 121,
};

/* Underlay MTU assumed for overlay networks without a 'mtu', and what each
 * encapsulation takes of it (outer Ethernet, IPv4, UDP and the header;
 * Geneve with room for options, as OVN). */
#define UNDERLAY_MTU 1500

/* The MTU of 'net': its 'mtu' (Neutron's), else the underlay's less the
 * encapsulation for overlay networks, else 1500. */
static int network_mtu(const struct fs_network *net)
{
    if (net->mtu > 0) {
        return net->mtu;
    }
    const char *t = net->network_type ? net->network_type : "";
    return !strcmp(t, "vxlan")    ? UNDERLAY_MTU - 50
           : !strcmp(t, "geneve") ? UNDERLAY_MTU - 58
           : !strcmp(t, "gre")    ? UNDERLAY_MTU - 42
                                  : UNDERLAY_MTU;
}

static void put_option(struct ofpbuf *o, uint8_t code, const void *v,
                       size_t len)
{
    if (len <= 255) {
        ofpbuf_put(o, &code, 1);
        uint8_t l = len;
        ofpbuf_put(o, &l, 1);
        ofpbuf_put(o, v, len);
    }
}

/* Appends RFC 3442 route 'net'/'plen' via 'via' to 'routes'. */
static void put_route(struct ofpbuf *routes, ovs_be32 net, int plen,
                      ovs_be32 via)
{
    uint8_t len = plen;
    ofpbuf_put(routes, &len, 1);
    ofpbuf_put(routes, &net, (plen + 7) / 8);
    ofpbuf_put(routes, &via, 4);
}

/* Option 121 of 'sn': its IPv4 host routes, then the default route via
 * the gateway (RFC 3442: a client that takes option 121 ignores option
 * 3). */
static void put_classless_routes(struct ofpbuf *o, const struct fs_subnet *sn,
                                 ovs_be32 gw)
{
    struct ofpbuf routes;
    ofpbuf_init(&routes, 64);
    for (size_t i = 0; i < sn->n_host_routes; i++) {
        ovs_be32 net, mask, via;
        if (render_ipv4_prefix(sn->host_routes[i].destination, &net, &mask) &&
            ip_parse(sn->host_routes[i].nexthop, &via)) {
            put_route(&routes, net & mask, ip_count_cidr_bits(mask), via);
        }
    }
    if (routes.size && gw) {
        put_route(&routes, 0, 0, gw);
    }
    if (routes.size) {
        put_option(o, OPT_CLASSLESS_ROUTES, routes.data, routes.size);
    }
    ofpbuf_uninit(&routes);
}

/* The options of a reply for subnet 'sn' ('mask', gateway 'gw' or 0) of
 * network 'net'. */
static void put_options(struct ofpbuf *o, const struct render_ctx *ctx,
                        const struct fs_subnet *sn,
                        const struct fs_network *net, ovs_be32 mask,
                        ovs_be32 gw)
{
    put_option(o, OPT_SUBNET_MASK, &mask, 4);
    if (gw) {
        put_option(o, OPT_ROUTER, &gw, 4);
    }
    struct ofpbuf dns;
    ofpbuf_init(&dns, 16);
    for (size_t i = 0; i < sn->n_dns_nameservers; i++) {
        ovs_be32 a;
        if (ip_parse(sn->dns_nameservers[i], &a)) {
            ofpbuf_put(&dns, &a, 4);
        }
    }
    if (dns.size) {
        put_option(o, OPT_DNS, dns.data, dns.size);
    }
    ofpbuf_uninit(&dns);
    const char *domain = ctx->render_node->dhcp_domain;
    if (domain && *domain) {
        put_option(o, OPT_DOMAIN, domain, strlen(domain));
    }
    ovs_be16 mtu = htons(network_mtu(net));
    put_option(o, OPT_MTU, &mtu, 2);
    put_classless_routes(o, sn, gw);
}

/* The server identifier of subnet 'sn' (net/mask): its gateway, else the
 * address below its broadcast address (a fixed per-subnet address). */
static ovs_be32 server_id(ovs_be32 gw, ovs_be32 net, ovs_be32 mask)
{
    return gw ? gw : htonl(ntohl(net | ~mask) - 1);
}

/* The port's fixed IPv4 on a subnet with DHCP, its subnet in '*sn', or
 * NULL. */
static const struct fs_fixed_ip *dhcp_ip(const struct render_ctx *ctx,
                                         const struct fs_port *p,
                                         const struct fs_subnet **sn)
{
    for (size_t i = 0; i < p->n_fixed_ips; i++) {
        const struct fs_fixed_ip *f = &p->fixed_ips[i];
        ovs_be32 ip;
        if (f->subnet_id && ip_parse(f->ip_address, &ip)) {
            *sn = render_find(ctx, FS_SUBNET, f->subnet_id);
            if (*sn && (*sn)->enable_dhcp && (*sn)->ip_version == 4) {
                return f;
            }
        }
    }
    return NULL;
}

/* Table FS_T_LOCAL for port 'p' (ofport 'ofport') whose DHCP request is
 * answered with 'ud' ('len' bytes of userdata). */
static void dhcp_flows(struct render_ctx *ctx, const struct fs_port *p,
                       int ofport, const void *ud, size_t len)
{
    uint64_t cookie =
        FS_COOKIE(FS_COOKIE_DHCP, render_net_key(ctx, p->network_id));
    struct fs_fb b;
    fs_fb_init(&b, FS_T_LOCAL, FS_PRIO_LOCAL_DHCP, cookie);
    fs_match_field(&b, FS_F_SRC_PORT, ofport);
    fs_match_dl_type(&b, ETH_TYPE_IP);
    fs_match_mf(&b, MFF_IP_PROTO, IPPROTO_UDP, UINT8_MAX);
    fs_match_mf(&b, MFF_UDP_SRC, 68, UINT16_MAX);
    fs_match_mf(&b, MFF_UDP_DST, 67, UINT16_MAX);
    fs_controller(&b, ud, len, FS_PUNT_METER(ofport));
    render_flow_add(ctx, p->meta.key, &b);

    fs_fb_init(&b, FS_T_LOCAL, FS_PRIO_LOCAL_PORT, cookie);
    fs_match_field(&b, FS_F_SRC_PORT, ofport);
    fs_goto(&b, FS_T_SFC_CLASS);
    render_flow_add(ctx, p->meta.key, &b);
}

bool render_dhcp_port(struct render_ctx *ctx, const struct fs_port *p,
                      int ofport)
{
    const struct fs_subnet *sn;
    const struct fs_fixed_ip *f = dhcp_ip(ctx, p, &sn);
    const struct fs_network *net =
        f ? render_find(ctx, FS_NETWORK, p->network_id) : NULL;
    ovs_be32 ip, net_addr, mask, gw = 0;
    if (!net || !ip_parse(f->ip_address, &ip) ||
        !render_ipv4_prefix(sn->cidr, &net_addr, &mask) ||
        (sn->gateway_ip && !ip_parse(sn->gateway_ip, &gw))) {
        return false;
    }
    struct ofpbuf ud;
    ofpbuf_init(&ud, 128);
    struct fs_punt_dhcp *h = ofpbuf_put_zeros(&ud, sizeof *h);
    h->kind = FS_PUNT_DHCP;
    h->version = FS_PUNT_VERSION;
    /* A locally administered MAC of the subnet's own. */
    uint32_t hash = hash_string(sn->meta.id, 0);
    uint8_t mac[6] = {0x0a, 0x00, hash >> 24, hash >> 16, hash >> 8, hash};
    memcpy(h->server_mac, mac, 6);
    h->yiaddr = ip;
    h->server_id = server_id(gw, net_addr, mask);
    h->lease =
        htonl(ctx->render_node->dhcp_lease_s ? ctx->render_node->dhcp_lease_s
                                             : FS_DHCP_LEASE_DEFAULT);
    put_options(&ud, ctx, sn, net, mask, gw);
    dhcp_flows(ctx, p, ofport, ud.data, ud.size);
    ofpbuf_uninit(&ud);
    return true;
}

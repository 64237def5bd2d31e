/* Neutron port security on this node's VIFs, table 1 (docs/architecture.md,
 * "Port security"): a port sends only with its own MAC and fixed IPs, or
 * an allowed address pair's, ARP spoofing included, as Neutron's OVS
 * firewall and iptables firewall drivers allow by default.  Ports of port
 * pairs are exempt (an SF forwards other hosts' packets; networking-sfc
 * has operators disable port security on them), and so are ports with
 * port_security_enabled false.  Flows are built with struct fs_fb
 * (render/flow.h), at the priorities of render/pipeline.h (enum
 * fs_portsec_prio): what a port may send, then drops of the other
 * IPv4/ARP/IPv6, then other ethertypes from an allowed MAC, then the rest
 * dropped.  Each local port's flows belong to its port unit
 * (render/units.c). */
#include <netinet/in.h>
#include <string.h>

#include "model/text.h"
#include "openvswitch/meta-flow.h"
#include "packets.h"
#include "render/internal.h"
#include "util.h"

/* ICMPv6 types a port may send from the unspecified address :: to
 * ff02::/16 (MLD reports and neighbour solicitation for duplicate address
 * detection): Neutron's ICMPV6_ALLOWED_UNSPEC_ADDR_TYPES. */
static const int unspec_icmp6_types[] = {131, 135, 143};

/* IPv6 link-local fe80::/10 and link-local multicast ff02::/16. */
static const struct in6_addr link_local = {{{0xfe, 0x80}}};
static const struct in6_addr ll_multicast = {{{0xff, 0x02}}};

/* The port whose table FS_T_PORT_SEC flows are rendered: its port key (its
 * ofport), their cookie, and the table its allowed packets go on to. */
struct sec {
    struct render_ctx *ctx;
    const struct fs_port *p;
    int ofport;
    uint64_t cookie;
    uint8_t next;
};

/* Starts a flow at 'prio' of what the port sends. */
static void sec_begin(const struct sec *s, struct fs_fb *b, uint16_t prio)
{
    fs_fb_init(b, FS_T_PORT_SEC, prio, s->cookie);
    fs_match_field(b, FS_F_SRC_PORT, s->ofport);
}

/* Starts a flow at 'prio' of what the port sends with source MAC 'mac',
 * of ethertype 'eth_type' (0: any). */
static void sec_begin_mac(const struct sec *s, struct fs_fb *b, uint16_t prio,
                          struct eth_addr mac, uint16_t eth_type)
{
    sec_begin(s, b, prio);
    fs_match_dl_src(b, mac);
    if (eth_type) {
        fs_match_dl_type(b, eth_type);
    }
}

/* Adds 'b' (its actions, if any, given).  A match already rendered is
 * skipped silently (an address pair may repeat a fixed IP; two ports may
 * share an ofport for a moment). */
static void sec_add(const struct sec *s, struct fs_fb *b)
{
    render_flow_add_once(s->ctx, s->p->meta.key, b);
}

/* Adds 'b', its packets allowed: on to the next table. */
static void sec_allow(const struct sec *s, struct fs_fb *b)
{
    fs_goto(b, s->next);
    sec_add(s, b);
}

/* Drops what the port sends of ethertype 'eth_type' (0: any) at 'prio'. */
static void sec_drop(const struct sec *s, uint16_t prio, uint16_t eth_type)
{
    struct fs_fb b;
    sec_begin(s, &b, prio);
    if (eth_type) {
        fs_match_dl_type(&b, eth_type);
    }
    sec_add(s, &b);
}

/* Notes that address 'text' of the port, at "$.port.'list'['i'].'field'"
 * ("$.port.'field'" when 'list' is NULL), does not parse ('why', freed):
 * the flows of it are left out (the model validated it: not expected). */
static char *sec_path(const char *list, size_t i, const char *field)
{
    return list ? xasprintf("$.port.%s[%zu].%s", list, i, field)
                : xasprintf("$.port.%s", field);
}

static void sec_note(const struct sec *s, const char *list, size_t i,
                     const char *field, const char *text, char *why)
{
    char *path = sec_path(list, i, field);
    fs_errors_add(&s->ctx->out->notes, s->p->meta.key, path,
                  "port %s: %s does not parse (%s): its port security flows "
                  "are left out",
                  fs_quote(s->p->meta.id).s, fs_quote(text).s, why);
    free(path);
    free(why);
}

/* Parses MAC 'text' at 'list'['i'].mac_address (see sec_path()) into
 * '*mac'; false, with a note, if it does not parse (render_mac()). */
static bool sec_mac(const struct sec *s, const char *list, size_t i,
                    const char *text, struct eth_addr *mac)
{
    char *path = sec_path(list, i, "mac_address");
    bool ok = render_mac(s->ctx, s->p->meta.key, path, text, mac);
    free(path);
    return ok;
}

/* Allows IP address or prefix 'ip' (at 'list'['i'].ip_address) with
 * source MAC 'mac': IPv4 and ARP (sender address and sender MAC) for
 * IPv4, IPv6 for IPv6. */
static void allow_address(const struct sec *s, struct eth_addr mac,
                          const char *ip, const char *list, size_t i)
{
    bool v6 = strchr(ip, ':') != NULL;
    struct fs_fb b;
    sec_begin_mac(s, &b, FS_PRIO_PORT_SEC_ALLOW, mac,
                  v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IP);
    char *why = fs_match_prefix(&b, v6 ? MFF_IPV6_SRC : MFF_IPV4_SRC, v6, ip);
    if (why) {
        fs_fb_uninit(&b);
        sec_note(s, list, i, "ip_address", ip, why);
        return;
    }
    sec_allow(s, &b);
    if (!v6) {
        sec_begin_mac(s, &b, FS_PRIO_PORT_SEC_ALLOW, mac, ETH_TYPE_ARP);
        free(fs_match_prefix(&b, MFF_ARP_SPA, false, ip)); /* Parsed above. */
        fs_match_mf(&b, MFF_ARP_SHA, eth_addr_to_uint64(mac),
                    eth_addr_to_uint64(eth_addr_exact));
        sec_allow(s, &b);
    }
}

/* What any allowed MAC may send whatever its addresses: DHCPv4 discovery
 * from 0.0.0.0, IPv6 from link-local fe80::/10, DAD and MLD from ::, and
 * ethertypes other than IPv4, ARP and IPv6. */
static void allow_mac(const struct sec *s, struct eth_addr mac)
{
    struct fs_fb b;
    sec_begin_mac(s, &b, FS_PRIO_PORT_SEC_ALLOW, mac, ETH_TYPE_IP);
    fs_match_mf(&b, MFF_IP_PROTO, IPPROTO_UDP, UINT8_MAX);
    fs_match_mf(&b, MFF_IPV4_SRC, 0, UINT32_MAX);
    fs_match_mf(&b, MFF_UDP_SRC, 68, UINT16_MAX);
    fs_match_mf(&b, MFF_UDP_DST, 67, UINT16_MAX);
    sec_allow(s, &b);

    struct in6_addr ll_mask = ipv6_create_mask(10);
    sec_begin_mac(s, &b, FS_PRIO_PORT_SEC_ALLOW, mac, ETH_TYPE_IPV6);
    fs_match_ipv6(&b, MFF_IPV6_SRC, &link_local, &ll_mask);
    sec_allow(s, &b);

    struct in6_addr mc_mask = ipv6_create_mask(16);
    for (size_t i = 0; i < ARRAY_SIZE(unspec_icmp6_types); i++) {
        sec_begin_mac(s, &b, FS_PRIO_PORT_SEC_ALLOW, mac, ETH_TYPE_IPV6);
        fs_match_mf(&b, MFF_IP_PROTO, IPPROTO_ICMPV6, UINT8_MAX);
        fs_match_ipv6(&b, MFF_IPV6_SRC, &in6addr_any, &in6addr_exact);
        fs_match_ipv6(&b, MFF_IPV6_DST, &ll_multicast, &mc_mask);
        fs_match_mf(&b, MFF_ICMPV6_TYPE, unspec_icmp6_types[i], UINT8_MAX);
        sec_allow(s, &b);
    }

    sec_begin_mac(s, &b, FS_PRIO_PORT_SEC_OTHER, mac, 0);
    sec_allow(s, &b);
}

/* The flows of a port with port security and a MAC. */
static void secure_port(const struct sec *s)
{
    const struct fs_port *p = s->p;
    struct eth_addr own;
    bool own_ok = sec_mac(s, NULL, 0, p->mac_address, &own);
    if (own_ok) {
        allow_mac(s, own);
        for (size_t i = 0; i < p->n_fixed_ips; i++) {
            allow_address(s, own, p->fixed_ips[i].ip_address, "fixed_ips", i);
        }
    }
    for (size_t i = 0; i < p->n_allowed_address_pairs; i++) {
        const struct fs_address_pair *ap = &p->allowed_address_pairs[i];
        struct eth_addr mac = own;
        if (ap->mac_address
                ? sec_mac(s, "allowed_address_pairs", i, ap->mac_address, &mac)
                : own_ok) {
            allow_mac(s, mac);
            allow_address(s, mac, ap->ip_address, "allowed_address_pairs", i);
        }
    }
    sec_drop(s, FS_PRIO_PORT_SEC_DROP_L3, ETH_TYPE_IP);
    sec_drop(s, FS_PRIO_PORT_SEC_DROP_L3, ETH_TYPE_ARP);
    sec_drop(s, FS_PRIO_PORT_SEC_DROP_L3, ETH_TYPE_IPV6);
    sec_drop(s, FS_PRIO_PORT_SEC_DROP, 0);
}

void render_portsec_port(struct render_ctx *ctx, const struct fs_port *p,
                         int ofport, uint8_t next)
{
    uint64_t key = render_net_key(ctx, p->network_id);
    const struct sec s = {ctx, p, ofport, FS_COOKIE(FS_COOKIE_PORT_SEC, key),
                          next};
    if (render_is_sf_port(ctx, p->meta.id) || !p->port_security_enabled) {
        struct fs_fb b;
        sec_begin(&s, &b, FS_PRIO_PORT_SEC_ALLOW);
        sec_allow(&s, &b);
    } else if (!p->mac_address) {
        fs_errors_add(&ctx->out->notes, p->meta.key, "$.port.mac_address",
                      "port %s has port security but no MAC address: "
                      "everything it sends is dropped",
                      fs_quote(p->meta.id).s);
        sec_drop(&s, FS_PRIO_PORT_SEC_DROP, 0);
    } else {
        secure_port(&s);
    }
}

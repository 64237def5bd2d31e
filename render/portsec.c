/* Neutron port security on this node's VIFs, table 1 (docs/architecture.md,
 * "Port security"): a port sends only with its own MAC and fixed IPs, or
 * an allowed address pair's, ARP spoofing included, as Neutron's OVS
 * firewall and iptables firewall drivers allow by default.  Ports of port
 * pairs are exempt (an SF forwards other hosts' packets; networking-sfc
 * has operators disable port security on them), and so are ports with
 * port_security_enabled false.  Each local port's flows belong to its port
 * unit (render/units.c). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render/internal.h"
#include "model/text.h"
#include "util.h"

/* Priorities in table 1: what a port may send, then drops of the other
 * IPv4/ARP/IPv6, then other ethertypes from an allowed MAC, then the
 * rest dropped. */
enum {
    PRIO_ALLOW = 100,
    PRIO_DROP_L3 = 90,
    PRIO_OTHER = 80,
    PRIO_DROP = 10,
};

/* ICMPv6 types a port may send from the unspecified address :: to
 * ff02::/16 (MLD reports and neighbour solicitation for duplicate address
 * detection): Neutron's ICMPV6_ALLOWED_UNSPEC_ADDR_TYPES. */
static const int unspec_icmp6_types[] = {131, 135, 143};

/* One table 1 flow for port 'p' (ofport 'ofport'): "reg6=P," + 'what'.
 * A match already rendered is skipped silently (an address pair may repeat
 * a fixed IP; two ports may share an ofport for a moment). */
static void put(struct render_ctx *ctx, const struct fs_port *p, int ofport,
                uint16_t prio, const char *what, const char *actions)
{
    char *match = *what ? xasprintf("reg6=%d,%s", ofport, what)
                        : xasprintf("reg6=%d", ofport);
    uint64_t key = render_net_key(ctx, p->network_id);
    render_flow_once(ctx, p->meta.key, FS_T_PORT_SEC, prio,
                     FS_COOKIE(FS_COOKIE_PORT_SEC, key), match, actions);
    free(match);
}

/* Allows IP address or prefix 'ip' with source MAC 'mac': IPv4 and ARP
 * (sender address and sender MAC) for IPv4, IPv6 for IPv6. */
static void allow_address(struct render_ctx *ctx, const struct fs_port *p,
                          int ofport, const char *mac, const char *ip,
                          const char *allow)
{
    char *what;
    if (strchr(ip, ':')) {
        what = xasprintf("dl_src=%s,ipv6,ipv6_src=%s", mac, ip);
        put(ctx, p, ofport, PRIO_ALLOW, what, allow);
        free(what);
        return;
    }
    what = xasprintf("dl_src=%s,ip,nw_src=%s", mac, ip);
    put(ctx, p, ofport, PRIO_ALLOW, what, allow);
    free(what);
    what = xasprintf("dl_src=%s,arp,arp_spa=%s,arp_sha=%s", mac, ip, mac);
    put(ctx, p, ofport, PRIO_ALLOW, what, allow);
    free(what);
}

/* What any allowed MAC may send whatever its addresses: DHCPv4 discovery
 * from 0.0.0.0, IPv6 from link-local fe80::/10, DAD and MLD from ::, and
 * ethertypes other than IPv4, ARP and IPv6. */
static void allow_mac(struct render_ctx *ctx, const struct fs_port *p,
                      int ofport, const char *mac, const char *allow)
{
    char *what =
        xasprintf("dl_src=%s,udp,nw_src=0.0.0.0,tp_src=68,tp_dst=67", mac);
    put(ctx, p, ofport, PRIO_ALLOW, what, allow);
    free(what);
    what = xasprintf("dl_src=%s,ipv6,ipv6_src=fe80::/10", mac);
    put(ctx, p, ofport, PRIO_ALLOW, what, allow);
    free(what);
    for (size_t i = 0; i < ARRAY_SIZE(unspec_icmp6_types); i++) {
        what = xasprintf("dl_src=%s,icmp6,ipv6_src=::,ipv6_dst=ff02::/16,"
                         "icmpv6_type=%d",
                         mac, unspec_icmp6_types[i]);
        put(ctx, p, ofport, PRIO_ALLOW, what, allow);
        free(what);
    }
    what = xasprintf("dl_src=%s", mac);
    put(ctx, p, ofport, PRIO_OTHER, what, allow);
    free(what);
}

/* The flows of a port with port security and a MAC. */
static void secure_port(struct render_ctx *ctx, const struct fs_port *p,
                        int ofport, const char *allow)
{
    allow_mac(ctx, p, ofport, p->mac_address, allow);
    for (size_t i = 0; i < p->n_fixed_ips; i++) {
        allow_address(ctx, p, ofport, p->mac_address,
                      p->fixed_ips[i].ip_address, allow);
    }
    for (size_t i = 0; i < p->n_allowed_address_pairs; i++) {
        const struct fs_address_pair *ap = &p->allowed_address_pairs[i];
        const char *mac = ap->mac_address ? ap->mac_address : p->mac_address;
        allow_mac(ctx, p, ofport, mac, allow);
        allow_address(ctx, p, ofport, mac, ap->ip_address, allow);
    }
    put(ctx, p, ofport, PRIO_DROP_L3, "ip", "drop");
    put(ctx, p, ofport, PRIO_DROP_L3, "arp", "drop");
    put(ctx, p, ofport, PRIO_DROP_L3, "ipv6", "drop");
    put(ctx, p, ofport, PRIO_DROP, "", "drop");
}

void render_portsec_port(struct render_ctx *ctx, const struct fs_port *p,
                         int ofport, uint8_t next)
{
    char allow[32];
    snprintf(allow, sizeof allow, "goto_table:%u", next);
    if (render_is_sf_port(ctx, p->meta.id) || !p->port_security_enabled) {
        put(ctx, p, ofport, PRIO_ALLOW, "", allow);
    } else if (!p->mac_address) {
        fs_errors_add(&ctx->out->notes, p->meta.key, "$.port.mac_address",
                      "port %s has port security but no MAC address: "
                      "everything it sends is dropped",
                      fs_quote(p->meta.id).s);
        put(ctx, p, ofport, PRIO_DROP, "", "drop");
    } else {
        secure_port(ctx, p, ofport, allow);
    }
}

/* flowsteerctl trace's annotations of the router's flows (ctl/detrace.h):
 * which router, interface and route a packet took, from the flow's cookie
 * (router or network key) and its match. */
#include <string.h>

#include "ctl/detrace.h"
#include "openvswitch/dynamic-string.h"
#include "render/pipeline.h"
#include "util.h"

/* The value of "FIELD=" in 'text' up to the next ',' or ' ' (caller
 * frees), or NULL. */
static char *field_value(const char *text, const char *field)
{
    const char *p = strstr(text, field);
    if (!p) {
        return NULL;
    }
    p += strlen(field);
    return xmemdup0(p, strcspn(p, ", \n"));
}

/* The interface of router 'r' whose subnet is 'cidr' (or whose MAC is
 * 'mac'), or NULL. */
static const struct fs_port *iface_of(const struct ctl_detrace *t,
                                      const struct fs_router *r,
                                      const char *cidr, const char *mac)
{
    for (size_t i = 0; i < t->snap->n_ports; i++) {
        const struct fs_port *p = &t->snap->ports[i];
        if (!p->router_id || strcmp(p->router_id, r->meta.id)) {
            continue;
        }
        if (mac && p->mac_address && !strcmp(mac, p->mac_address)) {
            return p;
        }
        for (size_t j = 0; cidr && j < p->n_fixed_ips; j++) {
            const struct fs_subnet *sn = shash_find_data(
                &t->snap->by_id[FS_SUBNET],
                p->fixed_ips[j].subnet_id ? p->fixed_ips[j].subnet_id : "");
            if (sn && !strcmp(sn->cidr, cidr)) {
                return p;
            }
        }
    }
    return NULL;
}

/* Table 22: which route 'text' is. */
static void put_route(struct ds *s, const struct ctl_detrace *t,
                      const struct fs_router *r, const char *text)
{
    char *dst = field_value(text, "nw_dst=");
    if (!dst) {
        ds_put_cstr(s, ": no route: dropped");
        return;
    }
    if (!strchr(dst, '/')) {
        char *host = xasprintf("%s/32", dst);
        free(dst);
        dst = host;
    }
    const struct fs_port *ifc = iface_of(t, r, dst, NULL);
    if (ifc && strstr(text, "move:NXM_OF_IP_DST")) {
        ds_put_format(s, ": route to %s, connected (interface %s)", dst,
                      ctl_detrace_name(&ifc->meta));
    } else {
        for (size_t i = 0; i < r->n_routes; i++) {
            if (!strcmp(r->routes[i].destination, dst)) {
                ds_put_format(s, ": route to %s via %s (routes[%zu])", dst,
                              r->routes[i].nexthop, i);
                break;
            }
        }
    }
    free(dst);
}

/* Tables 20 and 21: what the flow of router 'r' does. */
static void put_input(struct ds *s, const struct ctl_detrace *t,
                      const struct fs_router *r, int table, const char *text)
{
    char *mac = field_value(text, "arp_sha:");
    if (!mac) {
        mac = field_value(text, "dl_dst=");
    }
    const struct fs_port *ifc = mac ? iface_of(t, r, NULL, mac) : NULL;
    free(mac);
    if (table == FS_T_L3_ADMISSION && strstr(text, "arp")) {
        ds_put_cstr(s, ": ARP for a router address answered here");
    } else if (table == FS_T_L3_ADMISSION) {
        ds_put_cstr(s, ": to the router's MAC: into the router");
    } else if (strstr(text, "icmp_type=8")) {
        ds_put_cstr(s, ": ICMP echo to a router address answered");
    } else if (strstr(text, "goto_table")) {
        ds_put_cstr(s, ": IPv4 through the router: on to routing");
    } else {
        ds_put_cstr(s, ": to a router address: dropped");
    }
    if (ifc) {
        ds_put_format(s, " (interface %s)", ctl_detrace_name(&ifc->meta));
    }
}

void ctl_detrace_router(struct ds *s, const struct ctl_detrace *t,
                        uint32_t kind, uint32_t object, int table,
                        const char *text)
{
    if (kind == FS_COOKIE_NEIGHBOR) {
        const struct fs_network *n =
            ctl_detrace_of_key(t, &t->net_keys, FS_NETWORK, object);
        ds_put_format(s, "router neighbor of network %s%s",
                      n ? ctl_detrace_name(&n->meta) : "(unknown key)",
                      table == FS_T_NEIGHBOR
                          ? ": the next hop's MAC (a port's address)"
                          : ": ARP for a port's address answered here");
        return;
    }
    const struct fs_router *r =
        object ? ctl_detrace_of_key(t, &t->router_keys, FS_ROUTER, object)
               : NULL;
    if (!r) {
        ds_put_format(s, "router%s", object ? " (unknown key)" : "");
        ds_put_cstr(s, table == FS_T_IP_INPUT ? ": martian destination: "
                                                "dropped"
                                              : " (every network)");
        return;
    }
    ds_put_format(s, "router %s", ctl_detrace_name(&r->meta));
    if (table == FS_T_ROUTING) {
        put_route(s, t, r, text);
    } else {
        put_input(s, t, r, table, text);
    }
}

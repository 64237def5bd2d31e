/* A FlowVisor flowspace's match (struct fs_flowspace_match, OpenFlow 1.0
 * field names) as match fields of the slice flows of table 5
 * (render/slices.c), added to a flow builder (struct fs_fb).
 * ovs-fields(7) prerequisites: IP addresses and the protocol need an
 * Ethernet type, transport ports a protocol; a flowspace that gives a
 * protocol or ports but no address matches IPv4 and IPv6 alike, so it
 * becomes two matches. */
#include <string.h>

#include "openvswitch/meta-flow.h"
#include "packets.h"
#include "render/internal.h"
#include "util.h"

/* Transport port field ('dst': destination, else source) of IP protocol
 * 'proto' (6, 17, 132: the model allows ports with these only). */
static int tp_field(int proto, bool dst)
{
    if (proto == 17) {
        return dst ? MFF_UDP_DST : MFF_UDP_SRC;
    } else if (proto == 132) {
        return dst ? MFF_SCTP_DST : MFF_SCTP_SRC;
    }
    return dst ? MFF_TCP_DST : MFF_TCP_SRC;
}

/* Parses prefix 'text' (NULL: none, left all zeros) of field 'name' into
 * 'ip' and 'mask', an IPv4 one mapped into IPv6.  Returns NULL, or why it
 * does not parse (caller frees). */
static char *parse_prefix(const char *name, const char *text,
                          struct in6_addr *ip, struct in6_addr *mask)
{
    *ip = *mask = in6addr_any;
    if (!text) {
        return NULL;
    }
    char *error;
    if (strchr(text, ':')) {
        error = ipv6_parse_masked(text, ip, mask);
    } else {
        ovs_be32 ip4 = 0, mask4 = 0;
        error = ip_parse_masked(text, &ip4, &mask4);
        *ip = in6_addr_mapped_ipv4(ip4);
        *mask = in6_addr_mapped_ipv4(mask4);
    }
    if (error) {
        char *why = xasprintf("%s: %s", name, error);
        free(error);
        return why;
    }
    return NULL;
}

char *render_flowspace_parse(const struct fs_flowspace_match *m,
                             struct render_flowspace *f)
{
    *f = (struct render_flowspace){.m = m, .n = 1};
    if (!m) {
        return NULL;
    }
    const char *addr = m->nw_src ? m->nw_src : m->nw_dst;
    if (addr) {
        f->ip[0] = strchr(addr, ':') ? 6 : 4;
    } else if (m->nw_proto >= 0) {
        f->n = 2;
        f->ip[0] = 4;
        f->ip[1] = 6;
    }
    char *error = parse_prefix("nw_src", m->nw_src, &f->src, &f->src_mask);
    return error ? error
                 : parse_prefix("nw_dst", m->nw_dst, &f->dst, &f->dst_mask);
}

/* Matches address 'ip'/'mask' of IP version 'v' (4: field 'mff4', an IPv4
 * address mapped into 'ip' and 'mask'; 6: field 'mff6'). */
static void match_addr(struct fs_fb *b, int v, int mff4, int mff6,
                       const struct in6_addr *ip, const struct in6_addr *mask)
{
    if (v == 4) {
        fs_match_mf(b, mff4, ntohl(in6_addr_get_mapped_ipv4(ip)),
                    ntohl(in6_addr_get_mapped_ipv4(mask)));
        return;
    }
    fs_match_ipv6(b, mff6, ip, mask);
}

void render_flowspace_match(struct fs_fb *b, const struct render_flowspace *f,
                            size_t i)
{
    const struct fs_flowspace_match *m = f->m;
    int v = f->ip[i];
    if (!m) {
        return;
    }
    if (m->dl_vlan >= 0) {
        fs_match_mf(b, MFF_DL_VLAN, m->dl_vlan, UINT16_MAX);
    }
    if (!v) {
        return;
    }
    fs_match_dl_type(b, v == 6 ? ETH_TYPE_IPV6 : ETH_TYPE_IP);
    if (m->nw_src) {
        match_addr(b, v, MFF_IPV4_SRC, MFF_IPV6_SRC, &f->src, &f->src_mask);
    }
    if (m->nw_dst) {
        match_addr(b, v, MFF_IPV4_DST, MFF_IPV6_DST, &f->dst, &f->dst_mask);
    }
    if (m->nw_proto >= 0) {
        fs_match_mf(b, MFF_IP_PROTO, m->nw_proto, UINT8_MAX);
    }
    if (m->tp_src >= 0) {
        fs_match_mf(b, tp_field(m->nw_proto, false), m->tp_src, UINT16_MAX);
    }
    if (m->tp_dst >= 0) {
        fs_match_mf(b, tp_field(m->nw_proto, true), m->tp_dst, UINT16_MAX);
    }
}

/* A FlowVisor flowspace's match (struct fs_flowspace_match, OpenFlow 1.0
 * field names) as ovs-ofctl(8) match text, for the slice flows of table 5
 * (render/slices.c).  ovs-fields(7) prerequisites: IP addresses and the
 * protocol need an Ethernet type, transport ports a protocol; a flowspace
 * that gives a protocol or ports but no address matches IPv4 and IPv6
 * alike, so it becomes two matches. */
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "render/internal.h"
#include "util.h"

/* Transport port field prefix for IP protocol 'proto' (6, 17, 132: the
 * model allows ports with these only). */
static const char *tp_prefix(int proto)
{
    return proto == 17 ? "udp" : proto == 132 ? "sctp" : "tcp";
}

/* The match of 'm' for IP version 'v' (4 or 6; 0: no IP field). */
static char *one_match(const struct fs_flowspace_match *m, int v)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    if (m->dl_vlan >= 0) {
        ds_put_format(&s, "dl_vlan=%d,", m->dl_vlan);
    }
    if (v) {
        const char *x = v == 6 ? "ipv6_" : "nw_";
        ds_put_cstr(&s, v == 6 ? "ipv6," : "ip,");
        if (m->nw_src) {
            ds_put_format(&s, "%ssrc=%s,", x, m->nw_src);
        }
        if (m->nw_dst) {
            ds_put_format(&s, "%sdst=%s,", x, m->nw_dst);
        }
        if (m->nw_proto >= 0) {
            ds_put_format(&s, "nw_proto=%d,", m->nw_proto);
        }
        if (m->tp_src >= 0) {
            ds_put_format(&s, "%s_src=%d,", tp_prefix(m->nw_proto), m->tp_src);
        }
        if (m->tp_dst >= 0) {
            ds_put_format(&s, "%s_dst=%d,", tp_prefix(m->nw_proto), m->tp_dst);
        }
    }
    ds_chomp(&s, ',');
    return ds_steal_cstr(&s);
}

size_t render_flowspace_matches(const struct fs_flowspace_match *m, char ***out)
{
    *out = xcalloc(2, sizeof **out);
    if (!m) {
        (*out)[0] = xstrdup("");
        return 1;
    }
    const char *addr = m->nw_src ? m->nw_src : m->nw_dst;
    if (addr) {
        (*out)[0] = one_match(m, strchr(addr, ':') ? 6 : 4);
        return 1;
    }
    if (m->nw_proto >= 0) {
        (*out)[0] = one_match(m, 4);
        (*out)[1] = one_match(m, 6);
        return 2;
    }
    (*out)[0] = one_match(m, 0);
    return 1;
}

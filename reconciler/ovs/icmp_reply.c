/* The router's ICMP errors (reconciler/ovs/icmp_reply.h), with
 * libopenvswitch's packet helpers (dp_packet, flow_extract(),
 * eth_compose(), csum()). */
#include "reconciler/ovs/icmp_reply.h"

#include <string.h>

#include "csum.h"
#include "dp-packet.h"
#include "flow.h"
#include "packets.h"
#include "render/punt.h"
#include "util.h"

/* Whether ICMP type 'type' is an error (RFC 1122, 3.2.2: no error is sent
 * about one). */
static bool icmp_error(uint8_t type)
{
    return type == ICMP4_DST_UNREACH || type == 4 /* source quench */ ||
           type == 5 /* redirect */ || type == ICMP4_TIME_EXCEEDED ||
           type == 12 /* parameter problem */;
}

struct dp_packet *fs_icmp_time_exceeded(const void *frame, size_t len,
                                        const void *userdata, size_t ud_len,
                                        const char **why)
{
    struct fs_punt_ttl a;
    if (ud_len < sizeof a) {
        *why = "userdata too short";
        return NULL;
    }
    memcpy(&a, userdata, sizeof a);
    if (a.kind != FS_PUNT_TTL || a.version != FS_PUNT_VERSION) {
        *why = "userdata of another kind or version";
        return NULL;
    }
    struct dp_packet p;
    dp_packet_use_const(&p, frame, len);
    struct flow flow;
    flow_extract(&p, &flow);
    const struct ip_header *ip = dp_packet_l3(&p);
    if (flow.dl_type != htons(ETH_TYPE_IP) || !ip ||
        dp_packet_l3_size(&p) < IP_HEADER_LEN) {
        *why = "not IPv4";
        return NULL;
    } else if (flow.nw_frag & FLOW_NW_FRAG_LATER) {
        *why = "a fragment after the first";
        return NULL;
    } else if (flow.nw_proto == IPPROTO_ICMP &&
               icmp_error(ntohs(flow.tp_src))) {
        *why = "an ICMP error";
        return NULL;
    }
    /* The original IP header and 8 bytes of what follows (RFC 792). */
    size_t quote = MIN(dp_packet_l3_size(&p), IP_IHL(ip->ip_ihl_ver) * 4 + 8);
    size_t l4 = ICMP_HEADER_LEN + quote;
    struct eth_addr mac;
    memcpy(mac.ea, a.mac, ETH_ADDR_LEN);
    struct dp_packet *r = dp_packet_new(ETH_HEADER_LEN + IP_HEADER_LEN + l4);
    struct ip_header *rip =
        eth_compose(r, flow.dl_src, mac, ETH_TYPE_IP, IP_HEADER_LEN + l4);
    rip->ip_ihl_ver = IP_IHL_VER(5, 4);
    rip->ip_tot_len = htons(IP_HEADER_LEN + l4);
    rip->ip_ttl = 64;
    rip->ip_proto = IPPROTO_ICMP;
    put_16aligned_be32(&rip->ip_src, a.ip);
    put_16aligned_be32(&rip->ip_dst, flow.nw_src);
    rip->ip_csum = csum(rip, IP_HEADER_LEN);
    struct icmp_header *icmp = (struct icmp_header *)(rip + 1);
    memset(icmp, 0, ICMP_HEADER_LEN);
    icmp->icmp_type = ICMP4_TIME_EXCEEDED;
    icmp->icmp_code = 0;
    memcpy(icmp + 1, ip, quote);
    icmp->icmp_csum = csum(icmp, l4);
    dp_packet_set_l3(r, rip);
    dp_packet_set_l4(r, icmp);
    *why = NULL;
    return r;
}

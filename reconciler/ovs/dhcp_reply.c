/* The DHCPv4 server of the local controller (reconciler/ovs/dhcp_reply.h):
 * a request as a port sent it, and the answer the flow that sent it to us
 * carries (render/punt.h, struct fs_punt_dhcp and the options), give the
 * reply frame.  RFC 2131: DISCOVER -> OFFER, REQUEST -> ACK or NAK,
 * INFORM -> ACK without a lease, RELEASE and DECLINE -> nothing.  Headers
 * and checksums with libopenvswitch's (dp_packet, flow_extract(),
 * eth_compose(), csum()). */
#include "reconciler/ovs/dhcp_reply.h"

#include <string.h>

#include "csum.h"
#include "dhcp.h"
#include "dp-packet.h"
#include "flow.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "render/punt.h"
#include "util.h"

#define DHCP_FLAGS_BROADCAST 0x8000 /* RFC 2131, figure 2. */
#define DHCP_MIN_LEN 300            /* BOOTP's smallest message (RFC 951). */

/* Options read and written (RFC 2132) beside those of OVS's dhcp.h
 * (DHCP_OPT_REQ_IP, DHCP_OPT_MSG_TYPE, DHCP_OPT_PAD, DHCP_OPT_END). */
enum {
    OPT_LEASE = 51,
    OPT_SERVER_ID = 54,
    OPT_RENEWAL = 58,
    OPT_REBINDING = 59,
};
enum { MSG_DECLINE = 4, MSG_RELEASE = 7, MSG_INFORM = 8 };

/* What a request says. */
struct request {
    const struct dhcp_header *h;
    int type;            /* Option 53, 0 if none. */
    ovs_be32 requested;  /* Option 50, 0 if none. */
    ovs_be32 server;     /* Option 54, 0 if none. */
    struct eth_addr src; /* Its Ethernet source. */
};

/* Reads the options of 'opts' ('len' bytes) into 'r'. */
static void read_options(const uint8_t *opts, size_t len, struct request *r)
{
    for (size_t i = 0; i < len && opts[i] != DHCP_OPT_END;) {
        if (opts[i] == DHCP_OPT_PAD) {
            i++;
            continue;
        }
        if (i + 2 > len || i + 2 + opts[i + 1] > len) {
            return;
        }
        const uint8_t *v = &opts[i + 2];
        uint8_t code = opts[i], n = opts[i + 1];
        if (code == DHCP_OPT_MSG_TYPE && n == 1) {
            r->type = v[0];
        } else if (code == DHCP_OPT_REQ_IP && n == 4) {
            memcpy(&r->requested, v, 4);
        } else if (code == OPT_SERVER_ID && n == 4) {
            memcpy(&r->server, v, 4);
        }
        i += 2 + n;
    }
}

/* Parses 'frame' as a DHCP request into 'r'; returns NULL or why not. */
static const char *parse_request(const void *frame, size_t len,
                                 struct request *r)
{
    struct dp_packet p;
    dp_packet_use_const(&p, frame, len);
    struct flow flow;
    flow_extract(&p, &flow);
    const uint8_t *payload = dp_packet_get_udp_payload(&p);
    if (flow.dl_type != htons(ETH_TYPE_IP) || flow.nw_proto != IPPROTO_UDP ||
        flow.tp_src != htons(DHCP_CLIENT_PORT) ||
        flow.tp_dst != htons(DHCP_SERVER_PORT) || !payload) {
        return "not a DHCP request (UDP 68 -> 67)";
    }
    size_t n = (const uint8_t *)dp_packet_tail(&p) - payload;
    const struct dhcp_header *h = (const struct dhcp_header *)payload;
    ovs_be32 magic;
    if (n < sizeof *h + 4) {
        return "too short for DHCP";
    }
    memcpy(&magic, payload + sizeof *h, 4);
    if (h->op != DHCP_OP_REQUEST || h->htype != 1 || h->hlen != ETH_ADDR_LEN ||
        magic != htonl(DHCP_MAGIC_COOKIE)) {
        return "not a BOOTREQUEST of Ethernet with the DHCP magic cookie";
    }
    *r = (struct request){.h = h, .src = flow.dl_src};
    read_options(payload + sizeof *h + 4, n - sizeof *h - 4, r);
    return r->type ? NULL : "no DHCP message type";
}

static void put_opt(struct ofpbuf *b, uint8_t code, const void *v, uint8_t n)
{
    ofpbuf_put(b, &code, 1);
    ofpbuf_put(b, &n, 1);
    ofpbuf_put(b, v, n);
}

static void put_opt32(struct ofpbuf *b, uint8_t code, uint32_t value)
{
    ovs_be32 v = htonl(value);
    put_opt(b, code, &v, 4);
}

/* The DHCP message of the reply of type 'type' to 'r'. */
static void put_message(struct ofpbuf *b, const struct request *r, int type,
                        const struct fs_punt_dhcp *a, const uint8_t *opts,
                        size_t n_opts)
{
    struct dhcp_header *h = ofpbuf_put_zeros(b, sizeof *h);
    h->op = DHCP_OP_REPLY;
    h->htype = 1;
    h->hlen = ETH_ADDR_LEN;
    h->xid = r->h->xid;
    h->flags = r->h->flags;
    h->giaddr = r->h->giaddr;
    memcpy(h->chaddr, r->h->chaddr, sizeof h->chaddr);
    if (type == DHCP_MSG_ACK && r->type == MSG_INFORM) {
        h->ciaddr = r->h->ciaddr;
    } else if (type != DHCP_MSG_NAK) {
        h->yiaddr = a->yiaddr;
    }
    ovs_be32 magic = htonl(DHCP_MAGIC_COOKIE);
    ofpbuf_put(b, &magic, 4);
    uint8_t t = type;
    put_opt(b, DHCP_OPT_MSG_TYPE, &t, 1);
    put_opt(b, OPT_SERVER_ID, &a->server_id, 4);
    if (type != DHCP_MSG_NAK) {
        if (r->type != MSG_INFORM) {
            uint32_t lease = ntohl(a->lease);
            put_opt32(b, OPT_LEASE, lease);
            put_opt32(b, OPT_RENEWAL, lease / 2);
            put_opt32(b, OPT_REBINDING, lease / 8 * 7);
        }
        ofpbuf_put(b, opts, n_opts);
    }
    uint8_t end = DHCP_OPT_END;
    ofpbuf_put(b, &end, 1);
    if (b->size < DHCP_MIN_LEN) {
        ofpbuf_put_zeros(b, DHCP_MIN_LEN - b->size);
    }
}

/* The reply's type, 0 for none (RFC 2131, 4.3). */
static int reply_type(const struct request *r, const struct fs_punt_dhcp *a,
                      const char **why)
{
    switch (r->type) {
    case DHCP_MSG_DISCOVER:
        return DHCP_MSG_OFFER;
    case DHCP_MSG_REQUEST: {
        if (r->server && r->server != a->server_id) {
            *why = "a REQUEST for another server";
            return 0;
        }
        ovs_be32 wanted = r->requested ? r->requested : r->h->ciaddr;
        return wanted == a->yiaddr ? DHCP_MSG_ACK : DHCP_MSG_NAK;
    }
    case MSG_INFORM:
        return DHCP_MSG_ACK;
    case MSG_RELEASE:
    case MSG_DECLINE:
        *why = r->type == MSG_RELEASE ? "RELEASE" : "DECLINE";
        return 0;
    default:
        *why = "a DHCP message type a server does not answer";
        return 0;
    }
}

/* The frame carrying DHCP message 'msg' from the server of 'a' to the
 * client of 'r': broadcast when the client asks for it or for a NAK, else
 * to its address (RFC 2131, 4.1). */
static struct dp_packet *frame(const struct request *r, int type,
                               const struct fs_punt_dhcp *a,
                               const struct ofpbuf *msg)
{
    bool bcast = type == DHCP_MSG_NAK ||
                 (r->h->flags & htons(DHCP_FLAGS_BROADCAST)) ||
                 (r->type == MSG_INFORM ? !r->h->ciaddr : false);
    ovs_be32 dst = bcast                   ? htonl(0xffffffff)
                   : r->type == MSG_INFORM ? r->h->ciaddr
                                           : a->yiaddr;
    struct eth_addr src_mac;
    memcpy(src_mac.ea, a->server_mac, ETH_ADDR_LEN);
    size_t l4 = UDP_HEADER_LEN + msg->size;
    struct dp_packet *p = dp_packet_new(ETH_HEADER_LEN + IP_HEADER_LEN + l4);
    struct ip_header *ip =
        eth_compose(p, bcast ? eth_addr_broadcast : r->src, src_mac,
                    ETH_TYPE_IP, IP_HEADER_LEN + l4);
    ip->ip_ihl_ver = IP_IHL_VER(5, 4);
    ip->ip_tot_len = htons(IP_HEADER_LEN + l4);
    ip->ip_ttl = 64;
    ip->ip_proto = IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, a->server_id);
    put_16aligned_be32(&ip->ip_dst, dst);
    ip->ip_csum = csum(ip, IP_HEADER_LEN);
    struct udp_header *udp = (struct udp_header *)(ip + 1);
    udp->udp_src = htons(DHCP_SERVER_PORT);
    udp->udp_dst = htons(DHCP_CLIENT_PORT);
    udp->udp_len = htons(l4);
    memcpy(udp + 1, msg->data, msg->size);
    uint32_t partial = packet_csum_pseudoheader(ip);
    udp->udp_csum = csum_finish(csum_continue(partial, udp, l4));
    if (!udp->udp_csum) {
        udp->udp_csum = htons(0xffff);
    }
    dp_packet_set_l3(p, ip);
    dp_packet_set_l4(p, udp);
    return p;
}

struct dp_packet *fs_dhcp_answer(const void *request, size_t len,
                                 const void *userdata, size_t ud_len,
                                 const char **why)
{
    struct request r;
    struct fs_punt_dhcp a;
    *why = NULL;
    if (ud_len < sizeof a) {
        *why = "userdata too short";
        return NULL;
    }
    memcpy(&a, userdata, sizeof a);
    if (a.kind != FS_PUNT_DHCP || a.version != FS_PUNT_VERSION) {
        *why = "userdata of another kind or version";
        return NULL;
    }
    *why = parse_request(request, len, &r);
    int type = *why ? 0 : reply_type(&r, &a, why);
    if (!type) {
        return NULL;
    }
    struct ofpbuf msg;
    ofpbuf_init(&msg, DHCP_MIN_LEN);
    put_message(&msg, &r, type, &a, (const uint8_t *)userdata + sizeof a,
                ud_len - sizeof a);
    struct dp_packet *p = frame(&r, type, &a, &msg);
    ofpbuf_uninit(&msg);
    return p;
}

const char *fs_dhcp_type_name(int type)
{
    static const char *const names[] = {
        [DHCP_MSG_DISCOVER] = "DISCOVER", [DHCP_MSG_OFFER] = "OFFER",
        [DHCP_MSG_REQUEST] = "REQUEST",   [MSG_DECLINE] = "DECLINE",
        [DHCP_MSG_ACK] = "ACK",           [DHCP_MSG_NAK] = "NAK",
        [MSG_RELEASE] = "RELEASE",        [MSG_INFORM] = "INFORM",
    };
    return type > 0 && type < (int)ARRAY_SIZE(names) && names[type]
               ? names[type]
               : "?";
}

int fs_dhcp_message_type(const void *frame, size_t len)
{
    struct request r;
    return parse_request(frame, len, &r) ? 0 : r.type;
}

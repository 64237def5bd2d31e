/* The local controller's DHCPv4 server (reconciler/ovs/dhcp_reply.c): the
 * replies RFC 2131 asks for, built from the userdata render/dhcp.c puts in
 * a port's flow, checked field by field and with flow_extract(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "csum.h"
#include "dhcp.h"
#include "dp-packet.h"
#include "flow.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "reconciler/ovs/dhcp_reply.h"
#include "reconciler/ovs/icmp_reply.h"
#include "render/punt.h"
#include "util.h"

static const struct eth_addr client = ETH_ADDR_C(fa, 16, 3e, 00, 00, 01);

/* The userdata of a port 10.0.0.5 of subnet 10.0.0.0/24, server 10.0.0.1,
 * lease 3600, with one option (mask). */
static size_t userdata(uint8_t *buf)
{
    struct fs_punt_dhcp a = {.kind = FS_PUNT_DHCP,
                             .version = FS_PUNT_VERSION,
                             .server_mac = {0x0a, 0, 0, 0, 0, 1},
                             .yiaddr = htonl(0x0a000005),
                             .server_id = htonl(0x0a000001),
                             .lease = htonl(3600)};
    memcpy(buf, &a, sizeof a);
    static const uint8_t mask[] = {1, 4, 255, 255, 255, 0};
    memcpy(buf + sizeof a, mask, sizeof mask);
    return sizeof a + sizeof mask;
}

/* A request frame of message type 'type' with options 'opts' ('n'
 * bytes), ciaddr 'ciaddr', flags 'flags'.  Caller frees. */
static struct ofpbuf *request(int type, const uint8_t *opts, size_t n,
                              uint32_t ciaddr, uint16_t flags)
{
    struct ofpbuf dhcp;
    ofpbuf_init(&dhcp, 300);
    struct dhcp_header *h = ofpbuf_put_zeros(&dhcp, sizeof *h);
    h->op = DHCP_OP_REQUEST;
    h->htype = 1;
    h->hlen = 6;
    h->xid = htonl(0x1234);
    h->flags = htons(flags);
    h->ciaddr = htonl(ciaddr);
    memcpy(h->chaddr, client.ea, 6);
    ovs_be32 magic = htonl(DHCP_MAGIC_COOKIE);
    ofpbuf_put(&dhcp, &magic, 4);
    uint8_t t[] = {53, 1, type};
    ofpbuf_put(&dhcp, t, sizeof t);
    ofpbuf_put(&dhcp, opts, n);
    uint8_t end = 255;
    ofpbuf_put(&dhcp, &end, 1);

    struct ofpbuf *f = ofpbuf_new(400);
    struct eth_header *eth = ofpbuf_put_zeros(f, sizeof *eth);
    eth->eth_dst = eth_addr_broadcast;
    eth->eth_src = client;
    eth->eth_type = htons(ETH_TYPE_IP);
    struct ip_header *ip = ofpbuf_put_zeros(f, sizeof *ip);
    ip->ip_ihl_ver = IP_IHL_VER(5, 4);
    ip->ip_tot_len = htons(20 + 8 + dhcp.size);
    ip->ip_ttl = 64;
    ip->ip_proto = IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, htonl(ciaddr));
    put_16aligned_be32(&ip->ip_dst, htonl(0xffffffff));
    ip->ip_csum = csum(ip, sizeof *ip);
    struct udp_header *udp = ofpbuf_put_zeros(f, sizeof *udp);
    udp->udp_src = htons(68);
    udp->udp_dst = htons(67);
    udp->udp_len = htons(8 + dhcp.size);
    ofpbuf_put(f, dhcp.data, dhcp.size);
    ofpbuf_uninit(&dhcp);
    return f;
}

/* The reply to 'req', or NULL; '*why' as fs_dhcp_answer(). */
static struct dp_packet *answer(struct ofpbuf *req, const char **why)
{
    uint8_t ud[64];
    size_t n = userdata(ud);
    struct dp_packet *p = fs_dhcp_answer(req->data, req->size, ud, n, why);
    ofpbuf_delete(req);
    return p;
}

/* The option 'code' of reply 'p' (its length in '*n'), or NULL. */
static const uint8_t *option(const struct dp_packet *p, uint8_t code, size_t *n)
{
    const uint8_t *d = dp_packet_get_udp_payload(p);
    size_t len = (const uint8_t *)dp_packet_tail(p) - d;
    for (size_t i = sizeof(struct dhcp_header) + 4; i + 2 <= len;) {
        if (d[i] == 255) {
            break;
        } else if (!d[i]) {
            i++;
            continue;
        }
        if (d[i] == code) {
            *n = d[i + 1];
            return &d[i + 2];
        }
        i += 2 + d[i + 1];
    }
    return NULL;
}

/* Checks 'p' as a reply: its flow, checksums, its type and yiaddr. */
static void assert_reply(struct dp_packet *p, int type, uint32_t yiaddr,
                         bool bcast)
{
    assert_non_null(p);
    struct flow flow;
    flow_extract(p, &flow);
    assert_int_equal(ntohs(flow.tp_src), 67);
    assert_int_equal(ntohs(flow.tp_dst), 68);
    assert_int_equal(ntohl(flow.nw_src), 0x0a000001);
    assert_true(
        eth_addr_equals(flow.dl_dst, bcast ? eth_addr_broadcast : client));
    const struct ip_header *ip = dp_packet_l3(p);
    assert_int_equal(csum(ip, sizeof *ip), 0);
    const struct dhcp_header *h = dp_packet_get_udp_payload(p);
    assert_int_equal(h->op, DHCP_OP_REPLY);
    assert_int_equal(ntohl(h->xid), 0x1234);
    assert_int_equal(ntohl(h->yiaddr), yiaddr);
    assert_memory_equal(h->chaddr, client.ea, 6);
    size_t n;
    const uint8_t *t = option(p, 53, &n);
    assert_non_null(t);
    assert_int_equal(t[0], type);
    const uint8_t *sid = option(p, 54, &n);
    assert_non_null(sid);
    assert_int_equal(sid[0], 10);
}

static void test_discover_offer(void **state)
{
    (void)state;
    const char *why;
    struct dp_packet *p = answer(request(1, NULL, 0, 0, 0), &why);
    assert_reply(p, DHCP_MSG_OFFER, 0x0a000005, false);
    size_t n;
    const uint8_t *lease = option(p, 51, &n);
    assert_non_null(lease);
    assert_int_equal(lease[2] << 8 | lease[3], 3600);
    assert_non_null(option(p, 1, &n)); /* The userdata's mask. */
    assert_true(dp_packet_size(p) >= 14 + 20 + 8 + 300);
    dp_packet_delete(p);
    /* Broadcast flag: a broadcast reply. */
    p = answer(request(1, NULL, 0, 0, 0x8000), &why);
    assert_reply(p, DHCP_MSG_OFFER, 0x0a000005, true);
    dp_packet_delete(p);
}

static void test_request_ack_nak(void **state)
{
    (void)state;
    const char *why;
    static const uint8_t mine[] = {50, 4, 10, 0, 0, 5, 54, 4, 10, 0, 0, 1};
    struct dp_packet *p = answer(request(3, mine, sizeof mine, 0, 0), &why);
    assert_reply(p, DHCP_MSG_ACK, 0x0a000005, false);
    dp_packet_delete(p);
    /* Renewal: ciaddr, no option 50. */
    p = answer(request(3, NULL, 0, 0x0a000005, 0), &why);
    assert_reply(p, DHCP_MSG_ACK, 0x0a000005, false);
    dp_packet_delete(p);
    /* Another address: NAK, broadcast, no yiaddr, no lease. */
    static const uint8_t other[] = {50, 4, 10, 0, 0, 9};
    p = answer(request(3, other, sizeof other, 0, 0), &why);
    assert_reply(p, DHCP_MSG_NAK, 0, true);
    size_t n;
    assert_null(option(p, 51, &n));
    dp_packet_delete(p);
    /* For another server: nothing. */
    static const uint8_t server[] = {50, 4, 10, 0, 0, 5, 54, 4, 10, 0, 0, 7};
    assert_null(answer(request(3, server, sizeof server, 0, 0), &why));
    assert_string_equal(why, "a REQUEST for another server");
}

static void test_inform_release_decline(void **state)
{
    (void)state;
    const char *why;
    struct dp_packet *p = answer(request(8, NULL, 0, 0x0a000005, 0), &why);
    assert_reply(p, DHCP_MSG_ACK, 0, false);
    size_t n;
    assert_null(option(p, 51, &n)); /* INFORM: no lease. */
    const struct dhcp_header *h = dp_packet_get_udp_payload(p);
    assert_int_equal(ntohl(h->ciaddr), 0x0a000005);
    dp_packet_delete(p);
    assert_null(answer(request(7, NULL, 0, 0x0a000005, 0), &why));
    assert_string_equal(why, "RELEASE");
    assert_null(answer(request(4, NULL, 0, 0, 0), &why));
    assert_string_equal(why, "DECLINE");
}

static void test_not_dhcp(void **state)
{
    (void)state;
    const char *why;
    struct ofpbuf *r = request(1, NULL, 0, 0, 0);
    ((uint8_t *)r->data)[14 + 20 + 2] = 0; /* UDP destination port 67 -> 0. */
    ((uint8_t *)r->data)[14 + 20 + 3] = 53;
    assert_null(answer(r, &why));
    assert_non_null(why);
    r = request(1, NULL, 0, 0, 0);
    r->size = 14 + 20 + 8 + 100; /* Cut short. */
    assert_null(answer(r, &why));
    uint8_t ud[4] = {FS_PUNT_TTL, 1, 0, 0};
    r = request(1, NULL, 0, 0, 0);
    assert_null(fs_dhcp_answer(r->data, r->size, ud, sizeof ud, &why));
    ofpbuf_delete(r);
    /* Options that run past the end are not read past it. */
    static const uint8_t bad[] = {50, 200, 1};
    r = request(3, bad, sizeof bad, 0, 0);
    r->size -= 1; /* No end option either. */
    struct dp_packet *p = answer(r, &why);
    dp_packet_delete(p);
}

/* An ICMP frame of 'type' from the client 10.0.0.5 to 10.0.1.9, TTL 1,
 * with 12 bytes of data.  Caller frees. */
static struct ofpbuf *icmp_frame(uint8_t type)
{
    struct ofpbuf *f = ofpbuf_new(100);
    struct eth_header *eth = ofpbuf_put_zeros(f, sizeof *eth);
    eth->eth_dst = (struct eth_addr)ETH_ADDR_C(fa, 16, 3e, 00, 00, 99);
    eth->eth_src = client;
    eth->eth_type = htons(ETH_TYPE_IP);
    struct ip_header *ip = ofpbuf_put_zeros(f, sizeof *ip);
    ip->ip_ihl_ver = IP_IHL_VER(5, 4);
    ip->ip_tot_len = htons(20 + 8 + 12);
    ip->ip_ttl = 1;
    ip->ip_proto = IPPROTO_ICMP;
    put_16aligned_be32(&ip->ip_src, htonl(0x0a000005));
    put_16aligned_be32(&ip->ip_dst, htonl(0x0a000109));
    ip->ip_csum = csum(ip, sizeof *ip);
    uint8_t *icmp = ofpbuf_put_zeros(f, 8 + 12);
    icmp[0] = type;
    memset(icmp + 8, 0xab, 12);
    return f;
}

/* ICMP time exceeded from the router interface, about the packet (its IP
 * header and 8 bytes), to its sender; none about an ICMP error. */
static void test_time_exceeded(void **state)
{
    (void)state;
    struct fs_punt_ttl ud = {.kind = FS_PUNT_TTL,
                             .version = FS_PUNT_VERSION,
                             .mac = {0xfa, 0x16, 0x3e, 0, 0, 0x99},
                             .ip = htonl(0x0a000001)};
    struct ofpbuf *f = icmp_frame(8);
    const char *why;
    struct dp_packet *p =
        fs_icmp_time_exceeded(f->data, f->size, &ud, sizeof ud, &why);
    assert_non_null(p);
    struct flow flow;
    flow_extract(p, &flow);
    assert_int_equal(flow.nw_proto, IPPROTO_ICMP);
    assert_int_equal(ntohs(flow.tp_src), 11); /* Type. */
    assert_int_equal(ntohs(flow.tp_dst), 0);  /* Code. */
    assert_int_equal(ntohl(flow.nw_src), 0x0a000001);
    assert_int_equal(ntohl(flow.nw_dst), 0x0a000005);
    assert_true(eth_addr_equals(flow.dl_dst, client));
    const struct ip_header *ip = dp_packet_l3(p);
    assert_int_equal(csum(ip, sizeof *ip), 0);
    const uint8_t *icmp = dp_packet_l4(p);
    assert_int_equal(csum(icmp, 8 + 28), 0);
    /* The quote: the original header and its first 8 bytes of data. */
    assert_int_equal(dp_packet_l4_size(p), 8 + 20 + 8);
    assert_memory_equal(icmp + 8, (const uint8_t *)f->data + 14, 28);
    dp_packet_delete(p);
    ofpbuf_delete(f);

    f = icmp_frame(ICMP4_TIME_EXCEEDED);
    assert_null(fs_icmp_time_exceeded(f->data, f->size, &ud, sizeof ud, &why));
    assert_string_equal(why, "an ICMP error");
    uint8_t dhcp_ud[20] = {FS_PUNT_DHCP, 1};
    assert_null(
        fs_icmp_time_exceeded(f->data, f->size, dhcp_ud, sizeof dhcp_ud, &why));
    ofpbuf_delete(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover_offer),
        cmocka_unit_test(test_request_ack_nak),
        cmocka_unit_test(test_inform_release_decline),
        cmocka_unit_test(test_not_dhcp),
        cmocka_unit_test(test_time_exceeded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

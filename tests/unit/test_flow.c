/* Unit tests for render/flow.c: every builder makes, byte for byte, the
 * flow libopenvswitch parses from the ovs-ofctl text a person would write
 * for it (so that a flow built with struct fs_fb compares equal to the
 * same flow read back or parsed), and the printer's text parses back to
 * the same flow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "openvswitch/meta-flow.h"
#include <netinet/in.h>
#include <string.h>

#include "packets.h"
#include "render/flow.h"
#include "util.h"

/* Finishes 'b' and asserts that it equals the flow of 'text'. */
static void assert_built(struct fs_fb *b, const char *text)
{
    struct fs_flow built, parsed;
    fs_fb_finish(b, &built);
    char *error = fs_flow_parse(&parsed, text);
    if (error) {
        print_error("%s: %s\n", text, error);
    }
    assert_null(error);
    if (!fs_flow_equal(&built, &parsed)) {
        char *a = fs_flow_to_string(&built), *p = fs_flow_to_string(&parsed);
        print_error("built  %s\nparsed %s\n", a, p);
        print_error("lengths %zu %zu, match %s\n", built.ofpacts_len,
                    parsed.ofpacts_len,
                    minimatch_equal(&built.match, &parsed.match) ? "equal"
                                                                 : "differs");
        struct match mb, mp;
        minimatch_expand(&built.match, &mb);
        minimatch_expand(&parsed.match, &mp);
        const uint8_t *fb = (const uint8_t *)&mb, *fp = (const uint8_t *)&mp;
        for (size_t i = 0; i < sizeof mb; i++) {
            if (fb[i] != fp[i]) {
                print_error("match byte %zu: %02x %02x (flow size %zu)\n", i,
                            fb[i], fp[i], sizeof mb.flow);
            }
        }
        const uint8_t *x = (const uint8_t *)built.ofpacts;
        const uint8_t *y = (const uint8_t *)parsed.ofpacts;
        for (size_t i = 0; i < MIN(built.ofpacts_len, parsed.ofpacts_len);
             i++) {
            if (x[i] != y[i]) {
                print_error("byte %zu: built %02x parsed %02x\n", i, x[i],
                            y[i]);
            }
        }
        free(a);
        free(p);
    }
    assert_true(fs_flow_equal(&built, &parsed));
    char *printed = fs_flow_to_string(&built);
    struct fs_flow again;
    assert_null(fs_flow_parse(&again, printed));
    assert_true(fs_flow_equal(&again, &built));
    free(printed);
    fs_flow_destroy(&again);
    fs_flow_destroy(&built);
    fs_flow_destroy(&parsed);
}

static void test_named_fields(void **state)
{
    (void)state;
    struct fs_fb b;
    fs_fb_init(&b, FS_T_CLASSIFY, 100, FS_COOKIE(FS_COOKIE_L2, 7));
    fs_match_in_port(&b, 3);
    fs_set_field(&b, FS_F_NETWORK, 0x1234567);
    fs_set_field(&b, FS_F_SRC_PORT, 3);
    fs_goto(&b, FS_T_PORT_SEC);
    assert_built(&b, "table=0,priority=100,cookie=0xf5e0000100000007,"
                     "in_port=3,actions=set_field:0x1234567->metadata,"
                     "set_field:3->reg6,goto_table:1");

    fs_fb_init(&b, FS_T_EGRESS, 100, FS_COOKIE(FS_COOKIE_OVERLAY, 0));
    fs_match_field(&b, FS_F_DST_PORT, 9);
    fs_match_field(&b, FS_F_FROM_TUNNEL, 0);
    fs_to_port(&b, 9);
    assert_built(&b, "table=75,priority=100,cookie=0xf5e0000500000000,"
                     "reg7=9,reg3=0,actions=output:9");

    fs_fb_init(&b, FS_T_L2, 90, 0);
    fs_match_field(&b, FS_F_NETWORK, 5);
    const struct eth_addr mc = ETH_ADDR_C(01, 00, 00, 00, 00, 00);
    fs_match_dl_dst_masked(&b, mc, mc);
    fs_set_field(&b, FS_F_FLOOD_CHUNK, 1);
    fs_resubmit(&b, FS_T_FLOOD);
    fs_set_field(&b, FS_F_LABEL, 0x1ff);
    fs_resubmit(&b, FS_T_TUNNEL_FLOOD);
    assert_built(&b, "table=55,priority=90,metadata=5,"
                     "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,"
                     "actions=set_field:1->reg4,resubmit(,56),"
                     "set_field:0x1ff->reg5,resubmit(,57)");
}

static void test_headers_and_groups(void **state)
{
    (void)state;
    struct fs_fb b;
    fs_fb_init(&b, FS_T_PROVIDER_OUT, 100, 0);
    fs_match_field(&b, FS_F_DST_PORT, 65);
    size_t clone = fs_clone_begin(&b);
    fs_push_vlan(&b);
    fs_set_mf(&b, MFF_VLAN_VID, 4096 | 103);
    fs_to_port(&b, 65);
    fs_clone_end(&b, clone);
    assert_built(&b, "table=80,priority=100,reg7=65,actions=clone(push_vlan:"
                     "0x8100,set_field:4199->vlan_vid,output:65)");

    fs_fb_init(&b, FS_T_PROVIDER_IN, 100, 0);
    fs_match_in_port(&b, 4);
    fs_match_mf(&b, MFF_VLAN_VID, 4096 | 100, 0x1fff);
    fs_pop_vlan(&b);
    fs_goto(&b, FS_T_SFC_CLASS);
    assert_built(&b, "table=3,priority=100,in_port=4,dl_vlan=100,"
                     "actions=pop_vlan,goto_table:10");

    fs_fb_init(&b, FS_T_SFC_FWD, 100, 0);
    fs_match_field(&b, FS_F_LABEL, 510);
    fs_push_mpls(&b, ETH_TYPE_MPLS);
    fs_set_mf(&b, MFF_MPLS_LABEL, 510);
    fs_set_mf(&b, MFF_MPLS_TTL, 254);
    fs_set_mf(&b, MFF_TUN_ID, 77);
    fs_to_group(&b, 0xf5000001);
    assert_built(&b, "table=15,priority=100,reg5=510,actions=push_mpls:"
                     "0x8847,set_field:510->mpls_label,set_field:254->"
                     "mpls_ttl,set_field:77->tun_id,group:4110417921");

    fs_fb_init(&b, FS_T_SFC_CLASS, 100, 0);
    fs_match_field(&b, FS_F_SRC_PORT, 4);
    fs_match_dl_type(&b, ETH_TYPE_MPLS);
    fs_match_mf(&b, MFF_MPLS_LABEL, 511, UINT64_MAX);
    fs_pop_mpls(&b, ETH_TYPE_IP);
    fs_goto(&b, FS_T_L2);
    assert_built(&b, "table=10,priority=100,reg6=4,mpls,mpls_label=511,"
                     "actions=pop_mpls:0x0800,goto_table:55");

    fs_fb_init(&b, FS_T_TUNNEL_IN, 100, 0);
    fs_match_tun_id(&b, 5001);
    fs_set_field(&b, FS_F_NETWORK, 9);
    fs_goto(&b, FS_T_L2);
    assert_built(&b, "table=4,priority=100,tun_id=5001,"
                     "actions=set_field:9->metadata,goto_table:55");

    fs_fb_init(&b, FS_T_PORT_SEC, 10, 0);
    fs_match_field(&b, FS_F_SRC_PORT, 4);
    assert_built(&b, "table=1,priority=10,reg6=4,actions=drop");
}

/* L3 and L4 matches: the protocol keyword's ethertype (fs_match_dl_type)
 * and then OVS fields by id (fs_match_mf), as portsec.c, sfc.c and
 * flowspaces.c build them. */
static void test_l3_matches(void **state)
{
    (void)state;
    const struct eth_addr mac = ETH_ADDR_C(fa, 16, 3e, 00, 00, 01);
    struct fs_fb b;
    fs_fb_init(&b, FS_T_PORT_SEC, 100, 0);
    fs_match_field(&b, FS_F_SRC_PORT, 3);
    fs_match_dl_src(&b, mac);
    fs_match_dl_type(&b, ETH_TYPE_ARP);
    fs_match_mf(&b, MFF_ARP_SPA, 0x0a000001, UINT32_MAX);
    fs_match_mf(&b, MFF_ARP_SHA, 0xfa163e000001, UINT64_C(0xffffffffffff));
    fs_goto(&b, FS_T_SFC_CLASS);
    assert_built(&b, "table=1,priority=100,reg6=3,dl_src=fa:16:3e:00:00:01,"
                     "arp,arp_spa=10.0.0.1,arp_sha=fa:16:3e:00:00:01,"
                     "actions=goto_table:10");

    fs_fb_init(&b, FS_T_PORT_SEC, 100, 0);
    fs_match_field(&b, FS_F_SRC_PORT, 3);
    fs_match_dl_src(&b, mac);
    fs_match_dl_type(&b, ETH_TYPE_IP);
    fs_match_mf(&b, MFF_IP_PROTO, IPPROTO_UDP, UINT8_MAX);
    fs_match_mf(&b, MFF_IPV4_SRC, 0, UINT32_MAX);
    fs_match_mf(&b, MFF_UDP_SRC, 68, UINT16_MAX);
    fs_match_mf(&b, MFF_UDP_DST, 67, UINT16_MAX);
    fs_goto(&b, FS_T_SFC_CLASS);
    assert_built(&b, "table=1,priority=100,reg6=3,dl_src=fa:16:3e:00:00:01,"
                     "udp,nw_src=0.0.0.0,tp_src=68,tp_dst=67,"
                     "actions=goto_table:10");

    fs_fb_init(&b, FS_T_SFC_CLASS, 100, 0);
    fs_match_field(&b, FS_F_SRC_PORT, 1);
    fs_match_dl_type(&b, ETH_TYPE_IP);
    fs_match_mf(&b, MFF_IP_PROTO, IPPROTO_TCP, UINT8_MAX);
    fs_match_mf(&b, MFF_IPV4_DST, 0xac040500, 0xffffff00);
    fs_match_mf(&b, MFF_TCP_SRC, 0x16, 0xfffe);
    fs_set_field(&b, FS_F_LABEL, 0x1ff);
    fs_goto(&b, FS_T_SFC_FWD);
    assert_built(&b, "table=10,priority=100,reg6=1,ip,nw_proto=6,"
                     "nw_dst=172.4.5.0/24,tcp_src=0x16/0xfffe,"
                     "actions=set_field:0x1ff->reg5,goto_table:15");
}

/* A builder dropped without a flow frees what it holds (ASan's leak
 * check), even with actions past its stub. */
static void test_uninit(void **state)
{
    (void)state;
    struct fs_fb b;
    fs_fb_init(&b, FS_T_L2, 1, 0);
    for (int i = 0; i < 300; i++) {
        fs_to_port(&b, i + 1);
    }
    assert_true(b.ofpacts.size > sizeof b.stub);
    fs_fb_uninit(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named_fields),
        cmocka_unit_test(test_headers_and_groups),
        cmocka_unit_test(test_l3_matches),
        cmocka_unit_test(test_uninit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for flowsteerctl trace's annotations (ctl/
 * detrace.c): cookies, labels and group ids of the networking-sfc example
 * decoded to its network, ports, classifier, chain, hop, group and SFs,
 * and the annotated text of an ofproto/trace output; the overlay tables
 * (0 and 75 for tunnels, 4, 55, 57) and a chain across chassis (tables
 * 15, 16, 17) with the flows render/overlay.c renders
 * (tests/unit/test_render_overlay.c), the tunnels named by chassis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>

#include "ctl/detrace.h"
#include "tests/unit/fixtures.h"

struct world {
    struct fs_model *m;
    struct fs_snapshot *s;
    struct fs_local_facts facts;
    struct ctl_detrace t;
};

/* The example with PC1 on path id 1; src ofport 1, p1..p6 ofports 2..7,
 * dst 8. */
static int setup(void **state)
{
    struct world *w = xzalloc(sizeof *w);
    w->m = fs_model_create();
    fixture_load_example(w->m, "json");
    fixture_put(w->m, FS_PREFIX "keys/path_ids/1", EX_PC1);
    fixture_put(w->m, FS_PREFIX "keys/port_chains/" EX_PC1, "1");
    fs_model_set_revision(w->m, 300);
    w->s = fs_snapshot_build(w->m);
    fs_local_facts_init(&w->facts);
    simap_put(&w->facts.ofports, EX_SRC, 1);
    const char *pairs[] = {EX_P(1), EX_P(2), EX_P(3),
                           EX_P(4), EX_P(5), EX_P(6)};
    for (int i = 0; i < 6; i++) {
        simap_put(&w->facts.ofports, pairs[i], i + 2);
    }
    simap_put(&w->facts.ofports, EX_DST, 8);
    ctl_detrace_init(&w->t, w->s, &w->facts);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    ctl_detrace_destroy(&w->t);
    fs_local_facts_destroy(&w->facts);
    fs_snapshot_destroy(w->s);
    fs_model_destroy(w->m);
    free(w);
    return 0;
}

static void assert_note(const struct world *w, int table, uint64_t cookie,
                        const char *text, const char *want)
{
    char *note = ctl_detrace_flow(&w->t, table, cookie, text);
    assert_non_null(note);
    assert_string_equal(note, want);
    free(note);
}

static void test_not_ours(void **state)
{
    struct world *w = *state;
    assert_null(ctl_detrace_flow(&w->t, 0, 0x1234, "in_port=1"));
    assert_null(ctl_detrace_group(&w->t, 7));
}

static void test_classifier_hop(void **state)
{
    struct world *w = *state;
    assert_note(w, 10, UINT64_C(0xf5e0000200000001),
                "10. tcp,reg6=0x1,nw_src=22.1.20.1, priority 100, cookie "
                "0xf5e0000200000001\n    set_field:0x1ff->reg5\n"
                "    goto_table:15\n",
                "flow classifier FC1 of port chain PC1, hop 1 (port pair "
                "group PG1)");
    /* An SF's egress (p2, ofport 3): re-classification, next hop. */
    assert_note(w, 10, UINT64_C(0xf5e0000200000001),
                "10. tcp,reg6=0x3, priority 100, cookie 0xf5e0000200000001\n"
                "    set_field:0x1fe->reg5\n",
                "re-classification after port pair PP1 of port chain PC1, "
                "hop 2 (port pair group PG2)");
}

static void test_group_and_sf(void **state)
{
    struct world *w = *state;
    assert_note(w, 15, UINT64_C(0xf5e0000200000001),
                "15. reg5=0x1ff, priority 100, cookie 0xf5e0000200000001\n"
                "    group:4110418431\n     -> using bucket 0\n"
                "    bucket 0\n            output:2\n",
                "port chain PC1, hop 1 (port pair group PG1) → group of PG1 "
                "(port chain PC1, hop 1) → SF p1 (port pair PP1)");
    char *g = ctl_detrace_group(&w->t, 0xf5000000 | 0x00100000 | 0x1fe);
    assert_string_equal(g, "group of PG2, this node's pairs (port chain PC1, "
                           "hop 2)");
    free(g);
    g = ctl_detrace_group(&w->t, 0xf5000000 | 0x7ff);
    assert_string_equal(g, "group of label 0x7ff (no such hop)");
    free(g);
}

static void test_unknown_chain(void **state)
{
    struct world *w = *state;
    assert_note(w, 15, UINT64_C(0xf5e0000200000009), "reg5=0x9ff",
                "port chain with path id 9 (not in etcd)");
}

static void test_network_flows(void **state)
{
    struct world *w = *state;
    uint64_t key = simap_get(&w->t.net_keys, EX_NET);
    assert_true(key >= 0x1000000);
    uint64_t l2 = UINT64_C(0xf5e0000100000000) | key;
    uint64_t ps = UINT64_C(0xf5e0000400000000) | key;
    assert_note(w, 0, l2, " 0. in_port=1, priority 100",
                "L2 of network "
                "net1, port src");
    assert_note(w, 1, ps, " 1. ip,reg6=0x1,dl_src=fa:16:3e:00:00:a1",
                "port security of network net1, port src");
    assert_note(w, 55, l2, "55. metadata=0x1,dl_dst=fa:16:3e:00:00:a2",
                "L2 of network net1, port dst");
    assert_note(w, 75, l2, "75. reg7=0x8", "L2 of network net1, port dst");
    assert_note(w, 10, UINT64_C(0xf5e0000100000000), "10. priority 0",
                "L2 (every network)");
    assert_note(w, 55, UINT64_C(0xf5e0000100abcdef), "55. priority 0",
                "L2 of network (unknown key)");
}

/* Slice flows (cookie kind 6): table 5 both ways, the member's patch and
 * the uplink in table 0, the uplink in table 75. */
static void test_slice_flows(void **state)
{
    struct world *w = *state;
    uint64_t sl =
        UINT64_C(0xf5e0000600000000) | simap_get(&w->t.net_keys, EX_NET);
    assert_note(w, 5, sl,
                " 5. reg6=0x1,dl_src=fa:16:3e:00:00:a1, priority 100\n"
                "    output:11\n",
                "slice of network net1, port src: the member's traffic into "
                "its slice bridge");
    assert_note(w, 5, sl, " 5. reg6=0x1, priority 10\n    drop\n",
                "slice of network net1, port src: not the member's own "
                "traffic (or no flowspace of its slice): dropped");
    assert_note(w, 5, sl,
                " 5. in_port=11,dl_dst=fa:16:3e:00:00:a1, priority 100\n"
                "    output:1\n",
                "slice of network net1: from the slice bridge to the member");
    assert_note(w, 0, sl, " 0. in_port=11, priority 100\n    goto_table:5\n",
                "slice of network net1: from a member's patch port on the "
                "slice bridge");
    assert_note(w, 0, sl, " 0. in_port=21, priority 100\n    goto_table:55\n",
                "slice of network net1: from the slice's uplink: the "
                "network's traffic");
    assert_note(w, 75, sl, "75. reg7=0x15, priority 100\n    output:21\n",
                "slice of network net1: into the slice's uplink (its "
                "controller decides)");
}

static void test_text(void **state)
{
    struct world *w = *state;
    const char *trace = "Flow: tcp,in_port=1\n\nbridge(\"br-int\")\n"
                        " 0. in_port=1, priority 100, cookie 0x1234\n"
                        "    goto_table:10\n"
                        " 1. ip,reg6=0x1, priority 100, cookie "
                        "0xf5e0000400000000\n"
                        "    goto_table:10\n"
                        "10. tcp,reg6=0x1, priority 100, cookie "
                        "0xf5e0000200000001\n"
                        "    set_field:0x1ff->reg5\n"
                        "Datapath actions: 6";
    char *out = ctl_detrace_text(&w->t, trace);
    assert_string_equal(out,
                        "Flow: tcp,in_port=1\n\nbridge(\"br-int\")\n"
                        " 0. in_port=1, priority 100, cookie 0x1234\n"
                        "    goto_table:10\n"
                        " 1. ip,reg6=0x1, priority 100, cookie "
                        "0xf5e0000400000000\n"
                        "    ↳ port security (every network), port src\n"
                        "    goto_table:10\n"
                        "10. tcp,reg6=0x1, priority 100, cookie "
                        "0xf5e0000200000001\n"
                        "    ↳ flow classifier FC1 of port chain PC1, hop 1 "
                        "(port pair group PG1)\n"
                        "    set_field:0x1ff->reg5\n"
                        "Datapath actions: 6\n");
    free(out);
    /* Garbage is copied, never annotated. */
    out = ctl_detrace_text(&w->t, "1. cookie 0xzz\n99999. cookie 0x1\n\n");
    assert_string_equal(out, "1. cookie 0xzz\n99999. cookie 0x1\n\n");
    free(out);
}

#define KEY(KIND, ID) FS_PREFIX KIND "/" ID
#define VTEP "198.51.100.7"

static void put_ports(struct fs_model *m)
{
    static const struct {
        const char *id, *host;
        int mac;
    } ports[] = {
        {"v1", "node1", 1},       {"v2", "node1", 2},
        {"v3", "node2", 3},       {"v4", "node3", 4},
        {"pa-in", "node2", 0x21}, {"pa-out", "node2", 0x22},
        {"pb-in", "node2", 0x23}, {"pb-out", "node2", 0x24},
        {"pc-in", "node3", 0x31}, {"pc-out", "node3", 0x32},
    };
    for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
        char *key = xasprintf(KEY("ports", "%s"), ports[i].id);
        char *v =
            xasprintf("{\"port\": {\"id\": \"%s\", \"network_id\": \"net-v\", "
                      "\"binding:host_id\": \"%s\", \"mac_address\": "
                      "\"fa:16:3e:00:00:%02x\"}}",
                      ports[i].id, ports[i].host, ports[i].mac);
        fixture_put(m, key, v);
        free(key);
        free(v);
    }
    fixture_put(m, KEY("ports", "rd"),
                "{\"port\": {\"id\": \"rd\", \"network_id\": \"net-v\", "
                "\"mac_address\": \"fa:16:3e:00:00:07\", \"binding:profile\": "
                "{\"port_key\": \"remote_port\", \"host_ip\": \"" VTEP "\"}}}");
}

/* A chain of path id 1 over net-v from v1: hop 1 = pair pa (node2), hop
 * 2 = pairs pb (node2) and pc (node3). */
static void put_chain(struct fs_model *m)
{
    static const char *const pairs[] = {"pa", "pb", "pc"};
    for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
        char *key = xasprintf(KEY("port_pairs", "%s"), pairs[i]);
        char *v = xasprintf("{\"port_pair\": {\"id\": \"%s\", \"ingress\": "
                            "\"%s-in\", \"egress\": \"%s-out\"}}",
                            pairs[i], pairs[i], pairs[i]);
        fixture_put(m, key, v);
        free(key);
        free(v);
    }
    fixture_put(m, KEY("port_pair_groups", "g1"),
                "{\"port_pair_group\": {\"id\": \"g1\", \"port_pairs\": "
                "[\"pa\"]}}");
    fixture_put(m, KEY("port_pair_groups", "g2"),
                "{\"port_pair_group\": {\"id\": \"g2\", \"port_pairs\": "
                "[\"pb\", \"pc\"]}}");
    fixture_put(m, KEY("flow_classifiers", "fc"),
                "{\"flow_classifier\": {\"id\": \"fc\", \"ethertype\": "
                "\"IPv4\", \"logical_source_port\": \"v1\"}}");
    fixture_put(m, KEY("port_chains", "pc"),
                "{\"port_chain\": {\"id\": \"pc\", \"port_pair_groups\": "
                "[\"g1\", \"g2\"], \"flow_classifiers\": [\"fc\"], "
                "\"chain_parameters\": {\"chain_id\": 1}}}");
    fixture_put(m, FS_PREFIX "keys/path_ids/1", "pc");
    fixture_put(m, FS_PREFIX "keys/port_chains/pc", "1");
}

/* The overlay world of test_render_overlay.c seen from 'node': chassis
 * node1..node3, net-v "blue" (VXLAN 100) with ports on each and a remote
 * device behind VTEP; on node1 v1, v2 ofports 1, 2 and tunnels to node2
 * (10), node3 (11) and the VTEP (12); on node2 pa-in..pb-out 21..24 and
 * tunnels to node1 (40) and node3 (41). */
static struct world *overlay_world(const char *node)
{
    struct world *w = xzalloc(sizeof *w);
    w->m = fs_model_create();
    static const char *const chassis[] = {"node1", "node2", "node3"};
    for (size_t i = 0; i < ARRAY_SIZE(chassis); i++) {
        char *key = xasprintf(KEY("chassis", "%s"), chassis[i]);
        char *v = xasprintf("{\"chassis\": {\"id\": \"%s\", \"ip\": "
                            "\"192.0.2.%zu\"}}",
                            chassis[i], i + 1);
        fixture_put(w->m, key, v);
        free(key);
        free(v);
    }
    fixture_put(w->m, KEY("networks", "net-v"),
                "{\"network\": {\"id\": \"net-v\", \"name\": \"blue\", "
                "\"provider:network_type\": \"vxlan\", "
                "\"provider:segmentation_id\": 100}}");
    put_ports(w->m);
    put_chain(w->m);
    fs_model_set_revision(w->m, 300);
    w->s = fs_snapshot_build(w->m);
    fs_local_facts_init(&w->facts);
    ctl_detrace_init(&w->t, w->s, &w->facts);
    if (!strcmp(node, "node1")) {
        simap_put(&w->facts.ofports, "v1", 1);
        simap_put(&w->facts.ofports, "v2", 2);
        ctl_detrace_add_tunnel(&w->t, 10, "fst-node2", "node2");
        ctl_detrace_add_tunnel(&w->t, 11, "fst-node3", "node3");
        ctl_detrace_add_tunnel(&w->t, 12, "fst-3a5b9c1d", VTEP);
    } else {
        static const char *const ids[] = {"pa-in", "pa-out", "pb-in", "pb-out"};
        for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
            simap_put(&w->facts.ofports, ids[i], 21 + i);
        }
        ctl_detrace_add_tunnel(&w->t, 40, "fst-node1", "node1");
        ctl_detrace_add_tunnel(&w->t, 41, "fst-node3", "node3");
    }
    return w;
}

static int setup_node1(void **state)
{
    *state = overlay_world("node1");
    return 0;
}

static int setup_node2(void **state)
{
    *state = overlay_world("node2");
    return 0;
}

#define OVERLAY(OBJ) (UINT64_C(0xf5e0000500000000) | (OBJ))
#define SFC1 UINT64_C(0xf5e0000200000001)

/* node1: a packet from a tunnel (table 0), its VNI (table 4), unicast
 * into a tunnel (tables 55 and 75), the flood's head-end replication
 * (table 57). */
static void test_overlay_tables(void **state)
{
    struct world *w = *state;
    uint64_t key = simap_get(&w->t.net_keys, "net-v");
    assert_note(w, 0, OVERLAY(0),
                " 0. in_port=10, priority 100, cookie 0xf5e0000500000000\n"
                "    set_field:0x1->reg3\n    set_field:0xa->reg6\n"
                "    goto_table:4\n",
                "overlay: from chassis node2 (tunnel fst-node2)");
    assert_note(w, 0, OVERLAY(0), " 0. in_port=12, priority 100",
                "overlay: from VTEP " VTEP " (tunnel fst-3a5b9c1d)");
    assert_note(w, 4, OVERLAY(key),
                " 4. tun_id=0x64, priority 100\n"
                "    set_field:0x1a2b3c->metadata\n    goto_table:55\n",
                "overlay of network blue: VNI 100 from a tunnel");
    assert_note(w, 4, OVERLAY(0),
                " 4. mpls, priority 110, cookie 0xf5e0000500000000\n"
                "    goto_table:16\n",
                "overlay: MPLS from a tunnel, a chain's hop from another "
                "chassis → table 16");
    assert_note(w, 55, OVERLAY(key),
                "55. metadata=0x1a2b3c,dl_dst=fa:16:3e:00:00:03, priority "
                "100\n    set_field:0x64->tun_id\n    set_field:0xa->reg7\n"
                "    goto_table:75\n",
                "overlay of network blue, port v3 → chassis node2 (tunnel "
                "fst-node2)");
    assert_note(w, 75, OVERLAY(0),
                "75. reg3=0,reg7=0xb, priority 100\n    output:11\n",
                "overlay → chassis node3 (tunnel fst-node3)");
    assert_note(w, 57, OVERLAY(key),
                "57. reg3=0,metadata=0x1a2b3c, priority 100\n"
                "    set_field:0x64->tun_id\n    output:10\n"
                "     -> output to native tunnel\n    output:11\n"
                "    output:12\n",
                "overlay of network blue: head-end replication to chassis "
                "node2 (tunnel fst-node2), chassis node3 (tunnel fst-node3), "
                "VTEP " VTEP " (tunnel fst-3a5b9c1d)");
    assert_note(w, 57, OVERLAY(key), "57. reg3=0, priority 100\n    drop\n",
                "overlay of network blue: head-end replication to no tunnel "
                "(no other chassis has a port of it)");
}

/* node1, the classifier's source: hop 1 into node2's tunnel with MPLS,
 * hop 2's group whose bucket goes to node3. */
static void test_chain_into_tunnels(void **state)
{
    struct world *w = *state;
    assert_note(w, 15, SFC1,
                "15. reg5=0x1ff, priority 100, cookie 0xf5e0000200000001\n"
                "    push_mpls:0x8847\n    set_field:511->mpls_label\n"
                "    set_field:255->mpls_ttl\n    set_field:0x64->tun_id\n"
                "    output:10\n",
                "port chain pc, hop 1 (port pair group g1) → chassis node2 "
                "(tunnel fst-node2)");
    assert_note(w, 15, SFC1,
                "15. reg5=0x1fe, priority 100\n    group:4110418430\n"
                "     -> using bucket 1\n    bucket 1\n"
                "            push_mpls:0x8847\n"
                "            set_field:510->mpls_label\n"
                "            output:11\n",
                "port chain pc, hop 2 (port pair group g2) → group of g2 "
                "(port chain pc, hop 2) → chassis node3 (tunnel fst-node3)");
}

/* node2, a pair's chassis: a hop's MPLS label from node1 (table 16) to
 * this node's pairs (table 17), its SF or its local group. */
static void test_chain_arrival(void **state)
{
    struct world *w = *state;
    assert_note(w, 16, SFC1,
                "16. mpls,mpls_label=511, priority 100, cookie "
                "0xf5e0000200000001\n    pop_mpls:0x0800\n"
                "    set_field:0x1ff->reg5\n    goto_table:17\n",
                "port chain pc, hop 1 (port pair group g1), from another "
                "chassis (MPLS label popped)");
    assert_note(w, 17, SFC1, "17. reg5=0x1ff, priority 100\n    output:21\n",
                "port chain pc, hop 1 (port pair group g1), to this node's "
                "pairs → SF pa-in (port pair pa)");
    assert_note(w, 17, SFC1,
                "17. reg5=0x1fe, priority 100\n    group:4111467006\n"
                "     -> using bucket 0\n    bucket 0\n"
                "            output:23\n",
                "port chain pc, hop 2 (port pair group g2), to this node's "
                "pairs → group of g2, this node's pairs (port chain pc, hop "
                "2) → SF pb-in (port pair pb)");
    /* Hop 2's group on node2: its own pair, or node3's through the
     * tunnel. */
    assert_note(w, 15, SFC1,
                "15. reg5=0x1fe, priority 100\n    group:4110418430\n"
                "    bucket 1\n            output:41\n",
                "port chain pc, hop 2 (port pair group g2) → group of g2 "
                "(port chain pc, hop 2) → chassis node3 (tunnel fst-node3)");
    assert_note(w, 0, OVERLAY(0), " 0. in_port=40, priority 100",
                "overlay: from chassis node1 (tunnel fst-node1)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_classifier_hop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_and_sf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_network_flows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slice_flows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlay_tables, setup_node1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_chain_into_tunnels, setup_node1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_chain_arrival, setup_node2,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

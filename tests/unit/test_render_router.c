/* The distributed router's flows (render/router.c) on the router example
 * of examples/router/json: tables 20 to 23 for node1, the routed networks'
 * L2 and tunnels, the notes of bad routes, and every flow checked against
 * its table's declaration. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixtures.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-protocol.h"
#include "render/internal.h"
#include "render/render.h"
#include "render_check.h"

#define NB "1b0e5c4a-1600-4000-8000-000000000001" /* net-blue */
#define NG "1b0e5c4a-1600-4000-8000-000000000002" /* net-green */
#define R1 "7e0e5c4a-1600-4000-8000-000000000001"
#define PORT(N) "2c9f0a11-1600-4000-8000-00000000000" #N
#define RIF_GREEN PORT(2)
#define BLUE1 PORT(3)
#define BLUE3 PORT(4)
#define GREEN1 PORT(5)
#define GREEN2 PORT(6)
#define KEY(KIND, ID) "/flowsteer/v1/" KIND "/" ID

struct world {
    struct fs_model *model;
    struct fs_local_facts facts;
    struct fs_render_node node;
    int64_t rev;
};

static void put(struct world *w, const char *key, const char *value)
{
    w->rev++;
    fixture_put_at(w->model, key, value, w->rev);
    fs_model_set_revision(w->model, w->rev);
}

/* Puts examples/router/json/<kind>/<name>.json at its key. */
static void put_example(struct world *w, const char *kind, const char *name)
{
    char *path = xasprintf("examples/router/json/%s/%s.json", kind, name);
    size_t len;
    char *text = fixture_read(path, &len);
    assert_non_null(text);
    char *id = strstr(text, "\"id\": \"") + 7;
    char *key = xasprintf("/flowsteer/v1/%s/%.*s", kind,
                          (int)(strchr(id, '"') - id), id);
    put(w, key, text);
    free(key);
    free(text);
    free(path);
}

static void put_all(struct world *w, const char *kind)
{
    char *dir = xasprintf("examples/router/json/%s", kind);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] != '.') {
            char *name = xmemdup0(de->d_name, strlen(de->d_name) - 5);
            put_example(w, kind, name);
            free(name);
        }
    }
    closedir(d);
    free(dir);
}

/* node1 with blue1 (ofport 1) and green1 (ofport 2) plugged, tunnels to
 * node2 (10) and node3 (11). */
static void world_init(struct world *w)
{
    memset(w, 0, sizeof *w);
    w->model = fs_model_create();
    fs_local_facts_init(&w->facts);
    w->node = (struct fs_render_node){.name = "node1",
                                      .integration_bridge = "br-int"};
    for (int i = 1; i <= 3; i++) {
        char *key = xasprintf(KEY("chassis", "node%d"), i);
        char *v = xasprintf("{\"chassis\": {\"id\": \"node%d\", "
                            "\"ip\": \"192.0.2.%d\"}}",
                            i, i);
        put(w, key, v);
        free(key);
        free(v);
    }
    static const char *const kinds[] = {"networks", "subnets", "routers",
                                        "ports"};
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        put_all(w, kinds[i]);
    }
    simap_put(&w->facts.ofports, BLUE1, 1);
    simap_put(&w->facts.ofports, GREEN1, 2);
    sset_add(&w->facts.bridges, "br-int");
    simap_put(&w->facts.owned_ofports, "fst-node2", 10);
    simap_put(&w->facts.owned_ofports, "fst-node3", 11);
}

static void world_destroy(struct world *w)
{
    fs_model_destroy(w->model);
    fs_local_facts_destroy(&w->facts);
}

static const char *const nets[] = {"net-blue", "net-green", NULL};

static void print_table(const struct fs_desired *d, int table)
{
    char *t = rc_dump_table(d, table, nets);
    print_message("table %d:\n%s", table, t);
    free(t);
}

/* The flow of 'table' whose printed match holds 'want' (up to a comma
 * or the end), or NULL. */
static const struct fs_flow *find(const struct fs_desired *d, int table,
                                  const char *want)
{
    for (size_t i = 0; i < d->n_flows; i++) {
        char *m = d->flows[i].table_id == table ? rc_match(&d->flows[i]) : NULL;
        const char *at = m ? strstr(m, want) : NULL;
        bool found = at && (!at[strlen(want)] || at[strlen(want)] == ',');
        free(m);
        if (found) {
            return &d->flows[i];
        }
    }
    return NULL;
}

/* Whether the printed actions of 'f' hold 'text'. */
static bool acts_have(const struct fs_flow *f, const char *text)
{
    char *a = rc_actions(f);
    bool has = strstr(a, text) != NULL;
    free(a);
    return has;
}

static bool has_note(const struct fs_desired *d, const char *path,
                     const char *text)
{
    for (size_t i = 0; i < d->notes.n; i++) {
        if (!strcmp(d->notes.items[i].path, path) &&
            strstr(d->notes.items[i].message, text)) {
            return true;
        }
    }
    return false;
}

static void test_router_tables(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct fs_desired *d = rc_render_clean(w.model, &w.node, &w.facts);
    rc_assert_all_parse(d);
    if (getenv("FS_PRINT")) {
        for (int t = 20; t <= 23; t++) {
            print_table(d, t);
        }
    }
    /* ARP for the gateway answered on net-blue, with the blue MAC. */
    const struct fs_flow *f = find(d, FS_T_L3_ADMISSION, "arp_tpa=10.10.1.1");
    assert_non_null(f);
    assert_true(acts_have(f, "set_field:fa:16:3e:16:01:01->arp_sha"));
    assert_true(acts_have(f, "IN_PORT"));
    char *m = rc_match(f);
    assert_null(strstr(m, "dl_dst")); /* Unicast ARP too. */
    free(m);
    /* Into the router from its MAC on each network. */
    assert_non_null(find(d, FS_T_L3_ADMISSION, "dl_dst=fa:16:3e:16:02:01"));
    /* Echo to either router address. */
    f = find(d, FS_T_IP_INPUT, "nw_dst=10.10.2.1,icmp_type=8");
    assert_non_null(f);
    assert_true(acts_have(f, "set_field:64->nw_ttl"));
    /* Connected routes beat extra routes of the same length; the /25 beats
     * the /24. */
    const struct fs_flow *green = find(d, FS_T_ROUTING, "nw_dst=10.10.2.0/24");
    const struct fs_flow *r24 = find(d, FS_T_ROUTING, "nw_dst=192.168.50.0/24");
    const struct fs_flow *r25 =
        find(d, FS_T_ROUTING, "nw_dst=192.168.50.128/25");
    assert_non_null(green);
    assert_non_null(r24);
    assert_non_null(r25);
    assert_int_equal(green->priority, FS_PRIO_ROUTING_PREFIX + 2 * 24 + 1);
    assert_int_equal(r24->priority, FS_PRIO_ROUTING_PREFIX + 2 * 24);
    assert_true(r25->priority > r24->priority);
    assert_true(acts_have(r24, "dec_ttl"));
    assert_true(acts_have(r24, "set_field:fa:16:3e:16:02:01->eth_src"));
    /* Every port address of both networks resolves to its MAC; the router
     * interfaces do not. */
    assert_non_null(find(d, FS_T_NEIGHBOR, "reg1=0xa0a020c")); /* green2 */
    assert_non_null(find(d, FS_T_NEIGHBOR, "reg1=0xa0a010d")); /* blue3 */
    assert_null(find(d, FS_T_NEIGHBOR, "reg1=0xa0a0201"));     /* rif */
    /* net-green has a local port, and net-blue: both reach node2 and
     * node3 (green2 on node2, blue3 on node3). */
    assert_non_null(find(d, FS_T_L2, "dl_dst=fa:16:3e:16:02:12"));
    assert_non_null(find(d, FS_T_L2, "dl_dst=fa:16:3e:16:01:13"));
    assert_int_equal(d->notes.n, 0);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* node2 has green ports only: net-blue is rendered there too (routed),
 * with its remote ports and the tunnel to node1 and node3. */
static void test_router_locality(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    w.node.name = "node2";
    simap_clear(&w.facts.ofports);
    simap_put(&w.facts.ofports, GREEN2, 1);
    simap_clear(&w.facts.owned_ofports);
    simap_put(&w.facts.owned_ofports, "fst-node1", 10);
    simap_put(&w.facts.owned_ofports, "fst-node3", 11);
    struct fs_desired *d = rc_render_clean(w.model, &w.node, &w.facts);
    rc_assert_all_parse(d);
    const struct fs_flow *f = find(d, FS_T_L2, "dl_dst=fa:16:3e:16:01:11");
    assert_non_null(f); /* blue1, on node1 */
    assert_true(acts_have(f, "set_field:0x1771->tun_id"));
    assert_non_null(find(d, FS_T_TUNNEL_IN, "tun_id=0x1771"));
    fs_desired_destroy(d);

    /* rif-blue gone: net-blue is not routed to from here any more. */
    assert_true(fixture_delete(w.model, KEY("ports", PORT(1))));
    d = rc_render_clean(w.model, &w.node, &w.facts);
    assert_null(find(d, FS_T_L2, "dl_dst=fa:16:3e:16:01:11"));
    assert_null(find(d, FS_T_ROUTING, "nw_dst=10.10.1.0/24"));
    assert_non_null(find(d, FS_T_ROUTING, "nw_dst=10.10.2.0/24"));
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Neutron's nexthop rules: a nexthop in no subnet of the router, or one
 * of its own addresses, is a note on that route only; a route shadowed by
 * a connected subnet and an unresolved nexthop are notes too. */
static void test_route_notes(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    put(&w, KEY("routers", R1),
        "{\"router\": {\"id\": \"" R1 "\", \"name\": \"r1\", \"routes\": ["
        "{\"destination\": \"172.16.0.0/16\", \"nexthop\": \"10.99.0.1\"},"
        "{\"destination\": \"172.17.0.0/16\", \"nexthop\": \"10.10.2.1\"},"
        "{\"destination\": \"10.10.1.0/24\", \"nexthop\": \"10.10.2.12\"},"
        "{\"destination\": \"172.18.0.0/16\", \"nexthop\": \"10.10.2.99\"},"
        "{\"destination\": \"2001:db8::/64\", \"nexthop\": \"2001:db8::1\"}"
        "]}}");
    struct fs_snapshot *s = fs_snapshot_build(w.model);
    assert_int_equal(s->errors.n, 0);
    struct fs_desired *d = fs_render(s, &w.node, &w.facts);
    rc_assert_all_parse(d);
    assert_true(has_note(d, "$.router.routes[0]", "in no subnet"));
    assert_true(has_note(d, "$.router.routes[1]", "router's own address"));
    assert_true(has_note(d, "$.router.routes[2]", "shadowed by connected"));
    assert_true(has_note(d, "$.router.routes[3]", "no port's address"));
    assert_true(has_note(d, "$.router.routes[4]", "IPv6"));
    assert_null(find(d, FS_T_ROUTING, "nw_dst=172.16.0.0/16"));
    assert_null(find(d, FS_T_ROUTING, "nw_dst=172.17.0.0/16"));
    assert_non_null(find(d, FS_T_ROUTING, "nw_dst=172.18.0.0/16"));
    /* The router keeps working. */
    assert_non_null(find(d, FS_T_ROUTING, "nw_dst=10.10.2.0/24"));
    fs_desired_destroy(d);
    fs_snapshot_destroy(s);
    world_destroy(&w);
}

/* admin_state_up false on the router: nothing of it is rendered, and its
 * networks are not routed here (no ARP answered). */
static void test_router_down(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    put(&w, KEY("routers", R1),
        "{\"router\": {\"id\": \"" R1 "\", \"admin_state_up\": false}}");
    struct fs_desired *d = rc_render_clean(w.model, &w.node, &w.facts);
    for (int t = FS_T_L3_ADMISSION; t <= FS_T_NEIGHBOR; t++) {
        assert_int_equal(rc_count_flows(d, t, ""), 0);
    }
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A VLAN network as a router interface: routed out with this chassis'
 * MAC for its physnet (the chassis document's, else the configured one),
 * never the router's; without one, a note and not routed. */
static void test_vlan_interface(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    put(&w, KEY("networks", "net-v"),
        "{\"network\": {\"id\": \"net-v\", \"provider:network_type\": "
        "\"vlan\", \"provider:physical_network\": \"physnet1\", "
        "\"provider:segmentation_id\": 100}}");
    put(&w, KEY("subnets", "v-v4"),
        "{\"subnet\": {\"id\": \"v-v4\", \"network_id\": \"net-v\", "
        "\"ip_version\": 4, \"cidr\": \"10.10.3.0/24\"}}");
    put(&w, KEY("ports", "rif-v"),
        "{\"port\": {\"id\": \"rif-v\", \"network_id\": \"net-v\", "
        "\"mac_address\": \"fa:16:3e:16:03:01\", \"device_owner\": "
        "\"network:router_interface_distributed\", \"device_id\": \"" R1
        "\", \"fixed_ips\": [{\"subnet_id\": \"v-v4\", "
        "\"ip_address\": \"10.10.3.1\"}]}}");
    struct fs_desired *d = rc_render_clean(w.model, &w.node, &w.facts);
    assert_true(has_note(d, "$.port.network_id", "no chassis MAC"));
    assert_null(find(d, FS_T_ROUTING, "nw_dst=10.10.3.0/24"));
    assert_non_null(find(d, FS_T_ROUTING, "nw_dst=10.10.2.0/24"));
    fs_desired_destroy(d);

    /* flowsteerd's setting. */
    struct fs_chassis_mac *macs;
    size_t n;
    assert_null(fs_chassis_macs_parse("physnet1:0a:00:00:00:01:01", &macs, &n));
    w.node.chassis_macs = macs;
    w.node.n_chassis_macs = n;
    d = rc_render_clean(w.model, &w.node, &w.facts);
    rc_assert_all_parse(d);
    const struct fs_flow *f = find(d, FS_T_ROUTING, "nw_dst=10.10.3.0/24");
    assert_non_null(f);
    assert_true(acts_have(f, "set_field:0a:00:00:00:01:01->eth_src"));
    /* ARP for the gateway is still answered with the router's MAC. */
    f = find(d, FS_T_L3_ADMISSION, "arp_tpa=10.10.3.1");
    assert_non_null(f);
    assert_true(acts_have(f, "set_field:fa:16:3e:16:03:01->eth_src"));
    fs_desired_destroy(d);

    /* The chassis document's wins. */
    put(&w, KEY("chassis", "node1"),
        "{\"chassis\": {\"id\": \"node1\", \"ip\": \"192.0.2.1\", "
        "\"chassis_mac_mappings\": [\"physnet1:0a:00:00:00:02:01\"]}}");
    d = rc_render_clean(w.model, &w.node, &w.facts);
    f = find(d, FS_T_ROUTING, "nw_dst=10.10.3.0/24");
    assert_non_null(f);
    assert_true(acts_have(f, "set_field:0a:00:00:00:02:01->eth_src"));
    fs_desired_destroy(d);
    fs_chassis_macs_free(macs, n);
    world_destroy(&w);
}

/* chassis_mac_mappings as OVN's: physnet:MAC, unicast, one per physnet. */
static void test_chassis_macs_parse(void **state)
{
    (void)state;
    struct fs_chassis_mac *v = NULL;
    size_t n = 0;
    assert_null(fs_chassis_macs_parse(
        "physnet1:0A:00:00:00:00:01, physnet2:0a:00:00:00:00:02", &v, &n));
    assert_int_equal(n, 2);
    assert_string_equal(v[0].mac, "0a:00:00:00:00:01");
    assert_string_equal(v[1].physnet, "physnet2");
    fs_chassis_macs_free(v, n);
    static const char *const bad[] = {
        "physnet1", "physnet1:zz", ":0a:00:00:00:00:01",
        "physnet1:01:00:00:00:00:01",
        "p:0a:00:00:00:00:01,p:0a:00:00:00:00:02"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *error = fs_chassis_macs_parse(bad[i], &v, &n);
        assert_non_null(error);
        free(error);
    }
    /* In a chassis document: an error at its path. */
    struct fs_model *m = fs_model_create();
    fixture_put(m, KEY("chassis", "node1"),
                "{\"chassis\": {\"chassis_mac_mappings\": [\"x:y\"]}}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 1);
    assert_string_equal(s->errors.items[0].path,
                        "$.chassis.chassis_mac_mappings[0]");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A fixed IP that is also another port's allowed address pair (a VIP) is
 * still a neighbor, but its ARP is not answered by flows. */
static void test_pair_not_answered(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct fs_desired *d = rc_render_clean(w.model, &w.node, &w.facts);
    assert_non_null(find(d, FS_T_L3_ADMISSION, "arp_tpa=10.10.2.12"));
    fs_desired_destroy(d);
    put(&w, KEY("ports", "vip-holder"),
        "{\"port\": {\"id\": \"vip-holder\", \"network_id\": \"" NG
        "\", \"mac_address\": \"fa:16:3e:16:02:99\", "
        "\"binding:host_id\": \"node2\", \"fixed_ips\": [{\"ip_address\": "
        "\"10.10.2.99\"}], \"allowed_address_pairs\": [{\"ip_address\": "
        "\"10.10.2.12/32\"}]}}");
    d = rc_render_clean(w.model, &w.node, &w.facts);
    assert_null(find(d, FS_T_L3_ADMISSION, "arp_tpa=10.10.2.12"));
    assert_non_null(find(d, FS_T_NEIGHBOR, "reg1=0xa0a020c"));
    assert_non_null(find(d, FS_T_L3_ADMISSION, "arp_tpa=10.10.2.99"));
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A port chain from blue1 to green2 (another subnet): after its last hop
 * the packet goes through the router's admission table (it is still
 * addressed to the router's MAC), not straight to L2 or to green2. */
static void test_chain_into_router(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    put(&w, KEY("ports", "sf-in"),
        "{\"port\": {\"id\": \"sf-in\", \"network_id\": \"" NB
        "\", \"mac_address\": \"fa:16:3e:16:01:f1\", \"device_id\": "
        "\"sf\", \"binding:host_id\": \"node1\"}}");
    put(&w, KEY("ports", "sf-out"),
        "{\"port\": {\"id\": \"sf-out\", \"network_id\": \"" NB
        "\", \"mac_address\": \"fa:16:3e:16:01:f2\", \"device_id\": "
        "\"sf\", \"binding:host_id\": \"node1\"}}");
    simap_put(&w.facts.ofports, "sf-in", 7);
    simap_put(&w.facts.ofports, "sf-out", 8);
    put(&w, KEY("port_pairs", "pp"),
        "{\"port_pair\": {\"id\": \"pp\", \"ingress\": \"sf-in\", "
        "\"egress\": \"sf-out\"}}");
    put(&w, KEY("port_pair_groups", "pg"),
        "{\"port_pair_group\": {\"id\": \"pg\", \"port_pairs\": "
        "[\"pp\"]}}");
    put(&w, KEY("flow_classifiers", "fc"),
        "{\"flow_classifier\": {\"id\": \"fc\", \"protocol\": \"tcp\", "
        "\"logical_source_port\": \"" BLUE1 "\", "
        "\"logical_destination_port\": \"" GREEN1 "\"}}");
    put(&w, KEY("port_chains", "pc"),
        "{\"port_chain\": {\"id\": \"pc\", \"port_pair_groups\": "
        "[\"pg\"], \"flow_classifiers\": [\"fc\"], "
        "\"chain_parameters\": {\"correlation\": null, \"chain_id\": "
        "9}}}");
    struct fs_desired *d = rc_render_clean(w.model, &w.node, &w.facts);
    rc_assert_all_parse(d);
    const struct fs_flow *f = find(d, FS_T_SFC_CLASS, "reg6=0x8");
    assert_non_null(f);
    assert_true(acts_have(f, "goto_table:20"));
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* DHCP (render/dhcp.c): a port with a fixed IP on a subnet with DHCP has
 * its requests sent to the local controller with the answer in the
 * userdata, through its own meter; port security hands it table 2. */
static void test_dhcp_flows(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct fs_desired *d = rc_render_clean(w.model, &w.node, &w.facts);
    rc_assert_all_parse(d);
    const struct fs_flow *f = find(d, FS_T_LOCAL, "tp_dst=67");
    assert_non_null(f);
    char *m = rc_match(f);
    assert_non_null(strstr(m, "reg6=0x1"));
    free(m);
    /* kind 1, version 1, the subnet's MAC, 10.10.1.11, server 10.10.1.1,
     * lease 86400, then option 1 (255.255.255.0). */
    assert_true(acts_have(f, "controller(userdata=01.01.0a.00."));
    assert_true(
        acts_have(f, ".0a.0a.01.0b.0a.0a.01.01.00.01.51.80.01.04.ff.ff.ff.00"));
    assert_true(acts_have(f, "meter_id=4110417921")); /* 0xf5000000 | 1. */
    assert_non_null(find(d, FS_T_LOCAL, "reg6=0x1"));
    f = find(d, FS_T_PORT_SEC, "reg6=0x1,dl_src=fa:16:3e:16:01:11");
    assert_non_null(f);
    assert_true(acts_have(f, "goto_table:2"));
    fs_desired_destroy(d);

    /* enable_dhcp false: none, and port security hands on to table 10. */
    put(&w, KEY("subnets", "5b0e5c4a-1600-4000-8000-000000000001"),
        "{\"subnet\": {\"id\": \"5b0e5c4a-1600-4000-8000-000000000001\", "
        "\"network_id\": \"" NB "\", \"ip_version\": 4, \"cidr\": "
        "\"10.10.1.0/24\", \"gateway_ip\": \"10.10.1.1\", \"enable_dhcp\": "
        "false}}");
    d = rc_render_clean(w.model, &w.node, &w.facts);
    assert_null(find(d, FS_T_LOCAL, "reg6=0x1"));
    f = find(d, FS_T_PORT_SEC, "reg6=0x1,dl_src=fa:16:3e:16:01:11");
    assert_non_null(f);
    assert_true(acts_have(f, "goto_table:10"));
    /* green1 (another subnet) keeps its DHCP. */
    assert_non_null(find(d, FS_T_LOCAL, "reg6=0x2"));
    fs_desired_destroy(d);
    world_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router_tables),
        cmocka_unit_test(test_router_locality),
        cmocka_unit_test(test_route_notes),
        cmocka_unit_test(test_router_down),
        cmocka_unit_test(test_vlan_interface),
        cmocka_unit_test(test_chassis_macs_parse),
        cmocka_unit_test(test_pair_not_answered),
        cmocka_unit_test(test_chain_into_router),
        cmocka_unit_test(test_dhcp_flows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

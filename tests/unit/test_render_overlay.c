/* Unit tests for render/ with overlay networks (issue 6): the tunnel ports
 * (OVSDB rows) a node needs to other chassis and to remote devices' VTEPs,
 * ports waiting for their ofport, tables 0 and 75 for tunnels (split
 * horizon), table 4 (VNI -> network, MPLS -> table 16), unicast into
 * tunnels (table 55), head-end replication (table 57), the notes of
 * chassis without or with clashing tunnel endpoints, tunnels that follow
 * changes, and chains whose hops are on other chassis (MPLS in the tunnel,
 * tables 15, 16 and 17).  Flows are asserted as exact ovs-ofctl text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>

#include "fixtures.h"
#include "hash.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-protocol.h"
#include "render/internal.h"
#include "render/render.h"
#include "render_check.h"

#define KEY(KIND, ID) "/flowsteer/v1/" KIND "/" ID
#define VTEP "198.51.100.7"
#define NODE2_T 10 /* ofport of fst-node2 on node1 */
#define NODE3_T 11 /* ofport of fst-node3 on node1 */
#define VTEP_T 12  /* ofport of the VTEP's tunnel on node1 */
#define FLOOD "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00"

/* The tunnel port name of the VTEP: "fst-198.51.100.7" would be 16
 * characters, so it is hashed as a long physnet's patch port is. */
static char *vtep_name(void)
{
    return xasprintf("fst-%08" PRIx32, hash_string(VTEP, 0));
}

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

static void del(struct world *w, const char *key)
{
    assert_true(fixture_delete(w->model, key));
}

/* Chassis 'name' with tunnel endpoint 'ip' (NULL: none) and 'encap'
 * (NULL: the default). */
static void put_chassis(struct world *w, const char *name, const char *ip,
                        const char *encap)
{
    char *key = xasprintf(KEY("chassis", "%s"), name);
    char *i = ip ? xasprintf(", \"ip\": \"%s\"", ip) : xstrdup("");
    char *e = encap ? xasprintf(", \"encap\": \"%s\"", encap) : xstrdup("");
    char *v = xasprintf("{\"chassis\": {\"id\": \"%s\"%s%s}}", name, i, e);
    put(w, key, v);
    free(key);
    free(i);
    free(e);
    free(v);
}

static void put_network(struct world *w, const char *id, const char *type,
                        int vni)
{
    char *key = xasprintf(KEY("networks", "%s"), id);
    char *v = xasprintf("{\"network\": {\"id\": \"%s\", "
                        "\"provider:network_type\": \"%s\", "
                        "\"provider:segmentation_id\": %d}}",
                        id, type, vni);
    put(w, key, v);
    free(key);
    free(v);
}

/* Port 'id' of 'net' bound to 'host' with MAC fa:16:3e:00:00:'mac'. */
static void put_port(struct world *w, const char *id, const char *net,
                     const char *host, int mac)
{
    char *key = xasprintf(KEY("ports", "%s"), id);
    char *v = xasprintf("{\"port\": {\"id\": \"%s\", \"network_id\": \"%s\", "
                        "\"binding:host_id\": \"%s\", "
                        "\"mac_address\": \"fa:16:3e:00:00:%02x\"}}",
                        id, net, host, mac);
    put(w, key, v);
    free(key);
    free(v);
}

/* A remote device port of 'net' behind VTEP 'ip'. */
static void put_remote(struct world *w, const char *id, const char *net,
                       const char *ip, int mac)
{
    char *key = xasprintf(KEY("ports", "%s"), id);
    char *v = xasprintf("{\"port\": {\"id\": \"%s\", \"network_id\": \"%s\", "
                        "\"mac_address\": \"fa:16:3e:00:00:%02x\", "
                        "\"binding:profile\": {\"port_key\": "
                        "\"remote_port\", \"host_ip\": \"%s\"}}}",
                        id, net, mac, ip);
    put(w, key, v);
    free(key);
    free(v);
}

/* node1 (192.0.2.1, geneve), node2 (192.0.2.2, vxlan), node3 (192.0.2.3,
 * geneve),
 * node4 (192.0.2.4); net-v (vxlan 100): v1 and v2 plugged on node1, v3 on
 * node2, v4 on node3, rd behind VTEP; net-w (geneve 200): w2 on node2, w3 on
 * node3, w4 on node4.  node1's tunnels have their ofports. */
static void world_init(struct world *w)
{
    memset(w, 0, sizeof *w);
    w->model = fs_model_create();
    fs_local_facts_init(&w->facts);
    w->node = (struct fs_render_node){.name = "node1",
                                      .integration_bridge = "br-int"};
    put_chassis(w, "node1", "192.0.2.1", "geneve");
    put_chassis(w, "node2", "192.0.2.2", "vxlan");
    put_chassis(w, "node3", "192.0.2.3", "geneve");
    put_chassis(w, "node4", "192.0.2.4", NULL);
    put_network(w, "net-v", "vxlan", 100);
    put_network(w, "net-w", "geneve", 200);
    put_port(w, "v1", "net-v", "node1", 1);
    put_port(w, "v2", "net-v", "node1", 2);
    put_port(w, "v3", "net-v", "node2", 3);
    put_port(w, "v4", "net-v", "node3", 4);
    put_remote(w, "rd", "net-v", VTEP, 7);
    put_port(w, "w2", "net-w", "node2", 0x12);
    put_port(w, "w3", "net-w", "node3", 0x13);
    put_port(w, "w4", "net-w", "node4", 0x14);
    simap_put(&w->facts.ofports, "v1", 1);
    simap_put(&w->facts.ofports, "v2", 2);
    sset_add(&w->facts.bridges, "br-int");
    char *vtep = vtep_name();
    simap_put(&w->facts.owned_ofports, "fst-node2", NODE2_T);
    simap_put(&w->facts.owned_ofports, "fst-node3", NODE3_T);
    simap_put(&w->facts.owned_ofports, vtep, VTEP_T);
    free(vtep);
}

static void world_destroy(struct world *w)
{
    fs_model_destroy(w->model);
    fs_local_facts_destroy(&w->facts);
}

static struct fs_desired *render(struct world *w)
{
    return rc_render_clean(w->model, &w->node, &w->facts);
}

/* The networks whose names the tables show (rc_dump_table()). */
static const char *const nets[] = {"net-v", "net-w", NULL};

static void assert_table(const struct fs_desired *d, int table,
                         const char *want)
{
    rc_assert_table(d, table, nets, want);
}

/* The OVSDB ports, one line each: bridge name type options (sorted, k=v
 * joined by ",") owner key path. */
static char *dump_ports(const struct fs_desired *d)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct fs_ovsdb_port *p = d->ports[i];
        ds_put_format(&s, "%s %s %s ", p->bridge, p->name, p->type);
        const struct smap_node **opts = smap_sort(&p->options);
        for (size_t k = 0; k < smap_count(&p->options); k++) {
            ds_put_format(&s, "%s%s=%s", k ? "," : "", opts[k]->key,
                          opts[k]->value);
        }
        free(opts);
        assert_int_equal(smap_count(&p->external_ids), 1);
        ds_put_format(&s, " %s %s %s\n",
                      smap_get_def(&p->external_ids, FS_OWNER_KEY, "-"), p->key,
                      p->path);
    }
    return ds_steal_cstr(&s);
}

static void assert_ports(const struct fs_desired *d, const char *want)
{
    char *got = dump_ports(d);
    rc_assert_lines("OVSDB ports", got, want);
    free(got);
}

static size_t n_table(const struct fs_desired *d, int table)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_flows; i++) {
        n += d->flows[i].table_id == table;
    }
    return n;
}

static void print_notes(const struct fs_desired *d)
{
    for (size_t i = 0; i < d->notes.n; i++) {
        print_error("  note %s %s %s\n", d->notes.items[i].key,
                    d->notes.items[i].path, d->notes.items[i].message);
    }
}

/* Asserts that 'd' has exactly one note, this one. */
static void assert_one_note(const struct fs_desired *d, const char *key,
                            const char *path, const char *message)
{
    if (d->notes.n != 1 || strcmp(d->notes.items[0].key, key) ||
        strcmp(d->notes.items[0].path, path) ||
        strcmp(d->notes.items[0].message, message)) {
        print_error("want note %s %s %s; got:\n", key, path, message);
        print_notes(d);
        fail();
    }
}

static bool has_note(const struct fs_desired *d, const char *key,
                     const char *path, const char *message)
{
    for (size_t i = 0; i < d->notes.n; i++) {
        if (!strcmp(d->notes.items[i].key, key) &&
            !strcmp(d->notes.items[i].path, path) &&
            !strcmp(d->notes.items[i].message, message)) {
            return true;
        }
    }
    print_error("want note %s %s %s; got:\n", key, path, message);
    print_notes(d);
    return false;
}

/* The three tunnel rows node1 needs in the base world. */
static char *base_rows(void)
{
    char *vtep = vtep_name();
    char *rows = xasprintf(
        "br-int fst-node2 vxlan key=flow,local_ip=192.0.2.1,"
        "remote_ip=192.0.2.2 tunnel:node2 " KEY(
            "chassis",
            "node2") " "
                     "$.chassis.ip\n"
                     "br-int fst-node3 geneve "
                     "csum=true,key=flow,local_ip=192.0.2.1,"
                     "remote_ip=192.0.2.3 tunnel:node3 " KEY(
                         "chassis",
                         "node3") " "
                                  "$.chassis.ip\n"
                                  "br-int %s vxlan "
                                  "key=flow,local_ip=192.0.2.1,remote_ip=" VTEP
                                  " tunnel:" VTEP " " KEY(
                                      "ports",
                                      "rd") " "
                                            "$.port.binding:profile.host_ip\n",
        vtep);
    free(vtep);
    return rows;
}

/* node1's tunnel ports (node1's encap is geneve): to node2 vxlan (their
 * encaps differ: vxlan, which both ends pick), to node3 geneve with csum
 * (both geneve), to the VTEP with the network's type; none to node4, which
 * only has a port of net-w, absent on node1. */
static void test_tunnel_ports(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    char *rows = base_rows();
    assert_ports(d, rows);
    free(rows);
    assert_int_equal(d->notes.n, 0);
    assert_int_equal(d->n_waiting, 0);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Tunnel ports without an ofport wait (and send nothing) until the facts
 * have them; the VNI ingress is there already. */
static void test_waiting_for_tunnels(void **state)
{
    struct world w;
    world_init(&w);
    simap_clear(&w.facts.owned_ofports);
    struct fs_desired *d = render(&w);
    assert_int_equal(d->n_ports, 3);
    assert_int_equal(d->n_waiting, 3);
    assert_table(d, 0,
                 "priority=100,kind=1/net-v,in_port=1,actions=set_field:"
                 "<net-v>->metadata,set_field:1->reg6,goto_table:1\n"
                 "priority=100,kind=1/net-v,in_port=2,actions=set_field:"
                 "<net-v>->metadata,set_field:2->reg6,goto_table:1\n");
    assert_table(d, 4,
                 "priority=100,kind=5/net-v,tun_id=100,actions=set_field:"
                 "<net-v>->metadata,goto_table:55\n");
    assert_table(d, 57, "");
    assert_table(d, 55,
                 "priority=100,kind=1/net-v,metadata=<net-v>,dl_dst=fa:16:3e:"
                 "00:00:01,actions=set_field:1->reg7,goto_table:75\n"
                 "priority=100,kind=1/net-v,metadata=<net-v>,dl_dst=fa:16:3e:"
                 "00:00:02,actions=set_field:2->reg7,goto_table:75\n"
                 "priority=90,kind=1/net-v,metadata=<net-v>," FLOOD
                 ",actions=output:1,output:2\n");
    fs_desired_destroy(d);

    /* One tunnel up: its flows, the others still waiting. */
    simap_put(&w.facts.owned_ofports, "fst-node3", NODE3_T);
    d = render(&w);
    assert_int_equal(d->n_waiting, 2);
    assert_table(d, 57,
                 "priority=100,kind=5/net-v,metadata=<net-v>,reg3=0,actions="
                 "set_field:100->tun_id,output:11\n");
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* The whole overlay pipeline of node1: tunnels classified (reg3=1, reg6)
 * to table 4 and output only when not from a tunnel; table 4 by VNI and
 * MPLS; remote MACs into their tunnel with the VNI; the flood to local
 * ports then table 57, which replicates once per tunnel, sorted. */
static void test_overlay_pipeline(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    assert_table(d, 0,
                 "priority=100,kind=1/net-v,in_port=1,actions=set_field:"
                 "<net-v>->metadata,set_field:1->reg6,goto_table:1\n"
                 "priority=100,kind=1/net-v,in_port=2,actions=set_field:"
                 "<net-v>->metadata,set_field:2->reg6,goto_table:1\n"
                 "priority=100,kind=5/0,in_port=10,actions=set_field:1->reg3,"
                 "set_field:10->reg6,goto_table:4\n"
                 "priority=100,kind=5/0,in_port=11,actions=set_field:1->reg3,"
                 "set_field:11->reg6,goto_table:4\n"
                 "priority=100,kind=5/0,in_port=12,actions=set_field:1->reg3,"
                 "set_field:12->reg6,goto_table:4\n");
    assert_table(d, 75,
                 "priority=100,kind=1/net-v,reg7=1,actions=output:1\n"
                 "priority=100,kind=1/net-v,reg7=2,actions=output:2\n"
                 "priority=100,kind=5/0,reg7=10,reg3=0,actions=output:10\n"
                 "priority=100,kind=5/0,reg7=11,reg3=0,actions=output:11\n"
                 "priority=100,kind=5/0,reg7=12,reg3=0,actions=output:12\n");
    assert_table(d, 4,
                 "priority=110,kind=5/0,mpls,actions=goto_table:16\n"
                 "priority=100,kind=5/net-v,tun_id=100,actions=set_field:"
                 "<net-v>->metadata,goto_table:55\n");
    assert_table(d, 55,
                 "priority=100,kind=1/net-v,metadata=<net-v>,dl_dst=fa:16:3e:"
                 "00:00:01,actions=set_field:1->reg7,goto_table:75\n"
                 "priority=100,kind=1/net-v,metadata=<net-v>,dl_dst=fa:16:3e:"
                 "00:00:02,actions=set_field:2->reg7,goto_table:75\n"
                 "priority=100,kind=5/net-v,metadata=<net-v>,dl_dst=fa:16:3e:"
                 "00:00:03,actions=set_field:100->tun_id,set_field:10->reg7,"
                 "goto_table:75\n"
                 "priority=100,kind=5/net-v,metadata=<net-v>,dl_dst=fa:16:3e:"
                 "00:00:04,actions=set_field:100->tun_id,set_field:11->reg7,"
                 "goto_table:75\n"
                 "priority=100,kind=5/net-v,metadata=<net-v>,dl_dst=fa:16:3e:"
                 "00:00:07,actions=set_field:100->tun_id,set_field:12->reg7,"
                 "goto_table:75\n"
                 "priority=90,kind=1/net-v,metadata=<net-v>," FLOOD
                 ",actions=output:1,output:2,resubmit(,57)\n");
    assert_table(d, 57,
                 "priority=100,kind=5/net-v,metadata=<net-v>,reg3=0,actions="
                 "set_field:100->tun_id,output:10,output:11,output:12\n");
    /* Nothing of net-w, absent here. */
    for (int t = 0; t < 256; t++) {
        char *tab = rc_dump_table(d, t, nets);
        assert_null(strstr(tab, "net-w"));
        free(tab);
    }
    rc_assert_all_parse(d);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Two ports of net-v on one chassis and two behind one VTEP: one output
 * per distinct tunnel in table 57. */
static void test_flood_distinct_tunnels(void **state)
{
    struct world w;
    world_init(&w);
    put_port(&w, "v5", "net-v", "node3", 5);
    put_remote(&w, "rd2", "net-v", VTEP, 8);
    struct fs_desired *d = render(&w);
    assert_table(d, 57,
                 "priority=100,kind=5/net-v,metadata=<net-v>,reg3=0,actions="
                 "set_field:100->tun_id,output:10,output:11,output:12\n");
    assert_int_equal(n_table(d, 55), 2 + 5 + 1);
    assert_int_equal(d->n_ports, 3);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A remote chassis without a tunnel endpoint: a note, no tunnel, nothing
 * sent to it. */
static void test_chassis_without_ip(void **state)
{
    struct world w;
    world_init(&w);
    put_chassis(&w, "node2", NULL, "vxlan");
    struct fs_desired *d = render(&w);
    assert_one_note(d, KEY("ports", "v3"), "$",
                    "chassis \"node2\" has no tunnel endpoint (no chassis "
                    "document with an ip): not reachable from \"node1\"");
    assert_int_equal(d->n_ports, 2);
    assert_table(d, 57,
                 "priority=100,kind=5/net-v,metadata=<net-v>,reg3=0,actions="
                 "set_field:100->tun_id,output:11,output:12\n");
    char *t55 = rc_dump_table(d, 55, nets);
    assert_null(strstr(t55, "fa:16:3e:00:00:03"));
    free(t55);
    fs_desired_destroy(d);

    /* No chassis document at all: the same. */
    del(&w, KEY("chassis", "node2"));
    d = render(&w);
    assert_int_equal(d->notes.n, 1);
    assert_int_equal(d->n_ports, 2);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* node1 without a tunnel endpoint: one note, no tunnel at all. */
static void test_self_without_ip(void **state)
{
    struct world w;
    world_init(&w);
    put_chassis(&w, "node1", NULL, NULL);
    struct fs_desired *d = render(&w);
    /* On the first need by name: the VTEP's port. */
    assert_one_note(d, KEY("ports", "rd"), "$.port.binding:profile.host_ip",
                    "chassis \"node1\" has no tunnel endpoint (start "
                    "flowsteerd with --encap-ip, or put "
                    "/flowsteer/v1/chassis/node1 with an ip): nothing on "
                    "other chassis is reachable from it");
    assert_int_equal(d->n_ports, 0);
    assert_int_equal(d->n_waiting, 0);
    assert_table(d, 57, "");
    assert_int_equal(n_table(d, 4), 1); /* The VNI only. */
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Two chassis with one IP: the second (by name) gets a note and no
 * tunnel.  An IPv6 endpoint with an IPv4 local one: a note. */
static void test_endpoint_clashes(void **state)
{
    struct world w;
    world_init(&w);
    put_chassis(&w, "node3", "192.0.2.2", "geneve");
    struct fs_desired *d = render(&w);
    assert_one_note(d, KEY("chassis", "node3"), "$.chassis.ip",
                    "tunnel endpoint 192.0.2.2 of \"node3\" is another "
                    "chassis' too: no second tunnel to it");
    assert_int_equal(d->n_ports, 2);
    fs_desired_destroy(d);

    put_chassis(&w, "node3", "2001:db8::3", "geneve");
    d = render(&w);
    assert_one_note(d, KEY("chassis", "node3"), "$.chassis.ip",
                    "tunnel endpoint 2001:db8::3 of \"node3\" and this "
                    "node's 192.0.2.1 are not of one address family: no "
                    "tunnel");
    assert_int_equal(d->n_ports, 2);
    fs_desired_destroy(d);

    /* All IPv6: the tunnel is there. */
    put_chassis(&w, "node1", "2001:db8::1", NULL);
    d = render(&w);
    assert_int_equal(d->n_ports, 1);
    assert_string_equal(d->ports[0]->name, "fst-node3");
    assert_string_equal(smap_get(&d->ports[0]->options, "local_ip"),
                        "2001:db8::1");
    assert_int_equal(d->notes.n, 2); /* node2 and the VTEP are IPv4. */
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A remote chassis whose IP changes keeps its tunnel's name; the options
 * follow. */
static void test_remote_ip_change(void **state)
{
    struct world w;
    world_init(&w);
    put_chassis(&w, "node2", "192.0.2.22", "vxlan");
    struct fs_desired *d = render(&w);
    assert_int_equal(d->n_ports, 3);
    bool found = false;
    for (size_t i = 0; i < d->n_ports; i++) {
        if (!strcmp(d->ports[i]->name, "fst-node2")) {
            assert_string_equal(smap_get(&d->ports[i]->options, "remote_ip"),
                                "192.0.2.22");
            found = true;
        }
    }
    assert_true(found);
    assert_table(d, 57,
                 "priority=100,kind=5/net-v,metadata=<net-v>,reg3=0,actions="
                 "set_field:100->tun_id,output:10,output:11,output:12\n");
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* The VTEP's tunnel lives from the first remote device port behind it to
 * the last. */
static void test_vtep_lifecycle(void **state)
{
    struct world w;
    world_init(&w);
    put_remote(&w, "rd2", "net-v", VTEP, 8);
    del(&w, KEY("ports", "rd"));
    struct fs_desired *d = render(&w);
    char *rows = base_rows();
    char *fixed = xstrdup(rows);
    /* The row is now wanted by rd2. */
    char *at = strstr(fixed, KEY("ports", "rd") " ");
    assert_non_null(at);
    char *want =
        xasprintf("%.*s%s%s", (int)(at - fixed), fixed, KEY("ports", "rd2") " ",
                  at + strlen(KEY("ports", "rd") " "));
    assert_ports(d, want);
    free(want);
    free(fixed);
    free(rows);
    fs_desired_destroy(d);

    del(&w, KEY("ports", "rd2"));
    d = render(&w);
    assert_int_equal(d->n_ports, 2);
    assert_table(d, 57,
                 "priority=100,kind=5/net-v,metadata=<net-v>,reg3=0,actions="
                 "set_field:100->tun_id,output:10,output:11\n");
    char *t0 = rc_dump_table(d, 0, nets);
    assert_null(strstr(t0, "in_port=12"));
    free(t0);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* The network deleted: its flows and the tunnels only it needed go (its
 * ports are rejected with it). */
static void test_network_deleted(void **state)
{
    struct world w;
    world_init(&w);
    del(&w, KEY("networks", "net-v"));
    static const char *const ports[] = {"v1", "v2", "v3", "v4", "rd"};
    for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
        char *key = xasprintf(KEY("ports", "%s"), ports[i]);
        del(&w, key);
        free(key);
    }
    struct fs_desired *d = render(&w);
    assert_int_equal(d->n_ports, 0);
    assert_int_equal(d->n_flows, 0);
    assert_int_equal(d->notes.n, 0);
    fs_desired_destroy(d);
    world_destroy(&w);
}

#define PC_KEY KEY("port_chains", "pc")
/* Label of hop 0 and 1 of path id 1: 1 << 8 | 255, 1 << 8 | 254. */
#define L0 "511"
#define L1 "510"

/* Adds a chain of path id 1 over net-v: classifier "fc" from v1 (node1) to
 * v2; group g1 = pair pa (node2); group g2 = pairs pb, pb2 (node2) and pc
 * (node3).  SF ports on node2: 21..26, on node3: 31, 32. */
static void put_chain(struct world *w)
{
    static const struct {
        const char *id, *host;
        int mac;
    } sf[] = {
        {"pa-in", "node2", 0x21},  {"pa-out", "node2", 0x22},
        {"pb-in", "node2", 0x23},  {"pb-out", "node2", 0x24},
        {"pb2-in", "node2", 0x25}, {"pb2-out", "node2", 0x26},
        {"pc-in", "node3", 0x31},  {"pc-out", "node3", 0x32},
    };
    for (size_t i = 0; i < ARRAY_SIZE(sf); i++) {
        put_port(w, sf[i].id, "net-v", sf[i].host, sf[i].mac);
    }
    static const char *const pairs[] = {"pa", "pb", "pb2", "pc"};
    for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
        char *key = xasprintf(KEY("port_pairs", "%s"), pairs[i]);
        char *v = xasprintf("{\"port_pair\": {\"id\": \"%s\", \"ingress\": "
                            "\"%s-in\", \"egress\": \"%s-out\"}}",
                            pairs[i], pairs[i], pairs[i]);
        put(w, key, v);
        free(key);
        free(v);
    }
    put(w, KEY("port_pair_groups", "g1"),
        "{\"port_pair_group\": {\"id\": \"g1\", \"port_pairs\": [\"pa\"]}}");
    put(w, KEY("port_pair_groups", "g2"),
        "{\"port_pair_group\": {\"id\": \"g2\", \"port_pairs\": [\"pb\", "
        "\"pb2\", \"pc\"]}}");
    put(w, KEY("flow_classifiers", "fc"),
        "{\"flow_classifier\": {\"id\": \"fc\", \"ethertype\": \"IPv4\", "
        "\"logical_source_port\": \"v1\", \"logical_destination_port\": "
        "\"v2\"}}");
    put(w, PC_KEY,
        "{\"port_chain\": {\"id\": \"pc\", \"port_pair_groups\": [\"g1\", "
        "\"g2\"], \"flow_classifiers\": [\"fc\"], \"chain_parameters\": "
        "{\"chain_id\": 1}}}");
}

#define PUSH(L, TTL)                                                           \
    "push_mpls:0x8847,set_field:" L "->mpls_label,set_field:" TTL              \
    "->mpls_ttl,set_field:100->tun_id"

/* node1, the classifier's source: table 10 enters the chain, table 15
 * sends hop 0 to node2's pair and hop 1 to a select group whose buckets
 * go to node2 and node3 (MPLS label, TTL = hop index, VNI, tunnel); no
 * table 16/17 (no pair here). */
static void test_chain_source_node(void **state)
{
    struct world w;
    world_init(&w);
    put_chain(&w);
    struct fs_desired *d = render(&w);
    print_notes(d);
    assert_int_equal(d->notes.n, 0);
    assert_table(d, 10,
                 "priority=100,kind=2/1,reg6=1,ip,actions=set_field:" L0
                 "->reg5,goto_table:15\n"
                 "priority=0,kind=1/0,actions=goto_table:55\n");
    assert_table(d, 15,
                 "priority=100,kind=2/1,reg5=" L0
                 ",actions=" PUSH("511", "255") ",output:10\n"
                                                "priority=100,kind=2/1,reg5=" L1
                                                ",actions=group:4110418430\n");
    assert_int_equal(d->n_groups, 1);
    assert_int_equal(d->groups[0].group_id, 0xf50001fe);
    assert_string_equal(
        d->groups[0].spec,
        "type=select,selection_method=hash,fields(ip_src,ip_dst,nw_proto,"
        "tcp_src,tcp_dst,udp_src,udp_dst),"
        "bucket=bucket_id:0,weight:1,actions=" PUSH(
            "510",
            "254") ",output:10,"
                   "bucket=bucket_id:1,weight:1,actions=" PUSH(
                       "510",
                       "254") ",output:10,"
                              "bucket=bucket_id:2,weight:1,actions=" PUSH(
                                  "510", "254") ",output:11");
    assert_table(d, 16, "");
    assert_table(d, 17, "");
    rc_assert_all_parse(d);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* node2's facts: its SF ports and tunnels to node1 (40) and node3 (41). */
static void to_node2(struct world *w)
{
    w->node.name = "node2";
    simap_clear(&w->facts.ofports);
    simap_clear(&w->facts.owned_ofports);
    static const char *const ids[] = {"pa-in",  "pa-out", "pb-in",
                                      "pb-out", "pb2-in", "pb2-out"};
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        simap_put(&w->facts.ofports, ids[i], 21 + i);
    }
    simap_put(&w->facts.owned_ofports, "fst-node1", 40);
    simap_put(&w->facts.owned_ofports, "fst-node3", 41);
}

/* node2, which serves hop 0 and two pairs of hop 1: table 16 pops the
 * label of each hop it serves (to reg5) and table 17 hands it to its own
 * pairs only (group 0xf5100000 | label for two); table 10 re-classifies
 * on each SF's egress; table 15 reaches node3's pair through the
 * tunnel. */
static void test_chain_pair_node(void **state)
{
    struct world w;
    world_init(&w);
    put_chain(&w);
    to_node2(&w);
    struct fs_desired *d = render(&w);
    print_notes(d);
    assert_int_equal(d->notes.n, 0);
    assert_table(d, 16,
                 "priority=100,kind=2/1,mpls,mpls_label=" L0
                 ",actions=pop_mpls:0x0800,set_field:" L0 "->reg5,"
                 "goto_table:17\n"
                 "priority=100,kind=2/1,mpls,mpls_label=" L1
                 ",actions=pop_mpls:0x0800,set_field:" L1 "->reg5,"
                 "goto_table:17\n");
    assert_table(d, 17,
                 "priority=100,kind=2/1,reg5=" L0 ",actions=output:21\n"
                 "priority=100,kind=2/1,reg5=" L1
                 ",actions=group:4111467006\n");
    assert_table(d, 15,
                 "priority=100,kind=2/1,reg5=" L0 ",actions=output:21\n"
                 "priority=100,kind=2/1,reg5=" L1
                 ",actions=group:4110418430\n");
    assert_table(d, 10,
                 "priority=100,kind=2/1,reg6=22,ip,actions=set_field:" L1
                 "->reg5,goto_table:15\n"
                 "priority=100,kind=2/1,reg6=24,ip,actions=goto_table:55\n"
                 "priority=100,kind=2/1,reg6=26,ip,actions=goto_table:55\n"
                 "priority=10,kind=1/net-v,reg6=21,actions=drop\n"
                 "priority=10,kind=1/net-v,reg6=22,actions=drop\n"
                 "priority=10,kind=1/net-v,reg6=23,actions=drop\n"
                 "priority=10,kind=1/net-v,reg6=24,actions=drop\n"
                 "priority=10,kind=1/net-v,reg6=25,actions=drop\n"
                 "priority=10,kind=1/net-v,reg6=26,actions=drop\n"
                 "priority=0,kind=1/0,actions=goto_table:55\n");
    assert_int_equal(d->n_groups, 2);
    assert_int_equal(d->groups[0].group_id, 0xf50001fe);
    assert_string_equal(
        d->groups[0].spec,
        "type=select,selection_method=hash,fields(ip_src,ip_dst,nw_proto,"
        "tcp_src,tcp_dst,udp_src,udp_dst),"
        "bucket=bucket_id:0,weight:1,actions=output:23,"
        "bucket=bucket_id:1,weight:1,actions=output:25,"
        "bucket=bucket_id:2,weight:1,actions=" PUSH("510", "254") ",output:41");
    assert_int_equal(d->groups[1].group_id, 0xf51001fe);
    assert_string_equal(
        d->groups[1].spec,
        "type=select,selection_method=hash,fields(ip_src,ip_dst,nw_proto,"
        "tcp_src,tcp_dst,udp_src,udp_dst),"
        "bucket=bucket_id:0,weight:1,actions=output:23,"
        "bucket=bucket_id:1,weight:1,actions=output:25");
    assert_table(d, 4,
                 "priority=110,kind=5/0,mpls,actions=goto_table:16\n"
                 "priority=100,kind=5/net-v,tun_id=100,actions=set_field:"
                 "<net-v>->metadata,goto_table:55\n");
    rc_assert_all_parse(d);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A chain whose ports are all on this node renders no table 16/17 flows
 * (the single-node example). */
static void test_local_chain_no_arrival(void **state)
{
    struct fs_model *m = fs_model_create();
    assert_int_equal(fixture_load_example(m, "json"), 16);
    fixture_put(m, FS_KEYS_CHAIN_PATHS EX_PC1, "1");
    fixture_put(m, FS_KEYS_PATH_IDS "1", EX_PC1);
    struct fs_local_facts facts;
    fs_local_facts_init(&facts);
    static const char *const ids[] = {EX_SRC,  EX_DST,  EX_P(1), EX_P(2),
                                      EX_P(3), EX_P(4), EX_P(5), EX_P(6)};
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        simap_put(&facts.ofports, ids[i], 1 + i);
    }
    struct fs_render_node node = {.name = "node1",
                                  .integration_bridge = "br-int"};
    struct fs_snapshot *s = fs_snapshot_build(m);
    struct fs_desired *d = fs_render(s, &node, &facts);
    assert_true(n_table(d, 15) > 0);
    assert_int_equal(n_table(d, 16), 0);
    assert_int_equal(n_table(d, 17), 0);
    /* Its network is vxlan 1001: the VNI, but no MPLS hand-off (no
     * tunnel). */
    assert_int_equal(n_table(d, 4), 1);
    assert_int_equal(d->n_ports, 0);
    fs_desired_destroy(d);
    fs_snapshot_destroy(s);
    fs_local_facts_destroy(&facts);
    fs_model_destroy(m);
}

/* A pair whose ports are on two chassis: a note on the chain, the other
 * pairs of its group still served. */
static void test_pair_split_across_chassis(void **state)
{
    struct world w;
    world_init(&w);
    put_chain(&w);
    put_port(&w, "pc-out", "net-v", "node2", 0x32);
    struct fs_desired *d = render(&w);
    assert_true(has_note(d, PC_KEY, "$.port_chain.port_pair_groups[1]",
                         "port pair \"pc\": its ingress port is bound to "
                         "\"node3\" and its egress port to \"node2\": not "
                         "rendered"));
    assert_int_equal(d->notes.n, 1);
    assert_int_equal(d->n_groups, 1);
    assert_null(strstr(d->groups[0].spec, "output:11"));
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A chain across chassis with an IPv4 and an IPv6 classifier: a note and
 * nothing rendered (table 16 would pop every packet of a label to one
 * ethertype); on a single node the same chain renders. */
static void test_mixed_ethertypes_across_chassis(void **state)
{
    struct world w;
    world_init(&w);
    put_chain(&w);
    put(&w, KEY("flow_classifiers", "fc6"),
        "{\"flow_classifier\": {\"id\": \"fc6\", \"ethertype\": "
        "\"IPv6\", \"logical_source_port\": \"v2\"}}");
    put(&w, PC_KEY,
        "{\"port_chain\": {\"id\": \"pc\", \"port_pair_groups\": "
        "[\"g1\", \"g2\"], \"flow_classifiers\": [\"fc\", \"fc6\"], "
        "\"chain_parameters\": {\"chain_id\": 1, \"correlation\": "
        "\"none\"}}}");
    const char *const msg =
        "a chain across chassis carries its packets in MPLS, which does not "
        "say whether they are IPv4 or IPv6: its flow classifiers must share "
        "one ethertype: not rendered";
    for (int node = 1; node <= 2; node++) {
        if (node == 2) {
            to_node2(&w);
        }
        struct fs_desired *d = render(&w);
        assert_one_note(d, PC_KEY, "$.port_chain.flow_classifiers", msg);
        assert_int_equal(n_table(d, 15) + n_table(d, 16) + n_table(d, 17), 0);
        assert_int_equal(d->n_groups, 0);
        fs_desired_destroy(d);
    }
    world_destroy(&w);
}

/* node3, which serves one pair of hop 1: hop 0 goes through node2's
 * tunnel, hop 1's arrival (table 16) hands the packet to its one pair
 * (no group in table 17), and the table 15 group reaches node2's two
 * pairs and its own. */
static void test_chain_third_node(void **state)
{
    struct world w;
    world_init(&w);
    put_chain(&w);
    w.node.name = "node3";
    simap_clear(&w.facts.ofports);
    simap_clear(&w.facts.owned_ofports);
    simap_put(&w.facts.ofports, "pc-in", 31);
    simap_put(&w.facts.ofports, "pc-out", 32);
    simap_put(&w.facts.owned_ofports, "fst-node1", 50);
    simap_put(&w.facts.owned_ofports, "fst-node2", 51);
    struct fs_desired *d = render(&w);
    print_notes(d);
    assert_int_equal(d->notes.n, 0);
    assert_table(d, 15,
                 "priority=100,kind=2/1,reg5=" L0
                 ",actions=" PUSH("511", "255") ",output:51\n"
                                                "priority=100,kind=2/1,reg5=" L1
                                                ",actions=group:4110418430\n");
    assert_table(d, 16,
                 "priority=100,kind=2/1,mpls,mpls_label=" L1
                 ",actions=pop_mpls:0x0800,set_field:" L1 "->reg5,"
                 "goto_table:17\n");
    assert_table(d, 17,
                 "priority=100,kind=2/1,reg5=" L1 ",actions=output:31\n");
    assert_int_equal(d->n_groups, 1);
    assert_string_equal(
        d->groups[0].spec,
        "type=select,selection_method=hash,fields(ip_src,ip_dst,nw_proto,"
        "tcp_src,tcp_dst,udp_src,udp_dst),"
        "bucket=bucket_id:0,weight:1,actions=output:31,"
        "bucket=bucket_id:1,weight:1,actions=" PUSH(
            "510", "254") ",output:51,"
                          "bucket=bucket_id:2,weight:1,actions=" PUSH(
                              "510", "254") ",output:51");
    /* Tunnels to node1, node2, node4 (net-w) and the VTEP: geneve to node1
     * (both chassis geneve), vxlan to the others (encaps differ; net-v's
     * type for the VTEP). */
    assert_int_equal(d->n_ports, 4);
    for (size_t i = 0; i < d->n_ports; i++) {
        assert_string_equal(d->ports[i]->type, i == 1 ? "geneve" : "vxlan");
    }
    assert_string_equal(d->ports[1]->name, "fst-node1");
    assert_string_equal(d->ports[3]->name, "fst-node4");
    rc_assert_all_parse(d);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A symmetric chain: node2 also serves the reverse path (labels 383 for
 * g2, 382 for g1), entering each pair at its egress port. */
static void test_chain_symmetric_across(void **state)
{
    struct world w;
    world_init(&w);
    put_chain(&w);
    put(&w, PC_KEY,
        "{\"port_chain\": {\"id\": \"pc\", \"port_pair_groups\": "
        "[\"g1\", \"g2\"], \"flow_classifiers\": [\"fc\"], "
        "\"chain_parameters\": {\"chain_id\": 1, \"symmetric\": true}}}");
    struct fs_desired *d = render(&w);
    /* node1: the reverse path enters at v2 and its hop 0 is g2. */
    assert_table(d, 10,
                 "priority=100,kind=2/1,reg6=1,ip,actions=set_field:" L0
                 "->reg5,goto_table:15\n"
                 "priority=100,kind=2/1,reg6=2,ip,actions=set_field:383->reg5,"
                 "goto_table:15\n"
                 "priority=0,kind=1/0,actions=goto_table:55\n");
    assert_int_equal(n_table(d, 15), 4);
    fs_desired_destroy(d);

    to_node2(&w);
    d = render(&w);
    assert_int_equal(n_table(d, 16), 4);
    assert_table(d, 17,
                 "priority=100,kind=2/1,reg5=382,actions=output:22\n"
                 "priority=100,kind=2/1,reg5=383,actions=group:4111466879\n"
                 "priority=100,kind=2/1,reg5=" L0 ",actions=output:21\n"
                 "priority=100,kind=2/1,reg5=" L1
                 ",actions=group:4111467006\n");
    fs_desired_destroy(d);
    world_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tunnel_ports),
        cmocka_unit_test(test_waiting_for_tunnels),
        cmocka_unit_test(test_overlay_pipeline),
        cmocka_unit_test(test_flood_distinct_tunnels),
        cmocka_unit_test(test_chassis_without_ip),
        cmocka_unit_test(test_self_without_ip),
        cmocka_unit_test(test_endpoint_clashes),
        cmocka_unit_test(test_remote_ip_change),
        cmocka_unit_test(test_vtep_lifecycle),
        cmocka_unit_test(test_network_deleted),
        cmocka_unit_test(test_chain_source_node),
        cmocka_unit_test(test_chain_pair_node),
        cmocka_unit_test(test_chain_third_node),
        cmocka_unit_test(test_chain_symmetric_across),
        cmocka_unit_test(test_local_chain_no_arrival),
        cmocka_unit_test(test_pair_split_across_chassis),
        cmocka_unit_test(test_mixed_ethertypes_across_chassis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

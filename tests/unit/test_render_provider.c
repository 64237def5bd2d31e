/* Unit tests for render/ with provider networks (issue 5): the patch pairs
 * (OVSDB rows) of the bridge mappings, VLAN and flat ingress (table 3) and
 * egress (table 80, clone around push_vlan), the L2 table of each network
 * (flooding order and contents, unknown unicast to the uplink), the
 * missing provider bridge, config mappings, ports waiting for an ofport,
 * hashed patch names, per-network cookies, determinism, and port security
 * (table 1).  Flows are asserted as exact ovs-ofctl text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>

#include "fixtures.h"
#include "byte-order.h"
#include "hash.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "render/internal.h"
#include "render/render.h"
#include "render_check.h"

#define KEY(KIND, ID) "/flowsteer/v1/" KIND "/" ID
#define CHASSIS_KEY KEY("chassis", "node1")
#define PATCH 20 /* ofport of fsi-physnet1. */

/* Ports of the world: ofport, id, network, MAC, fixed IP. */
static const struct {
    int ofport;
    const char *id, *net, *mac, *ip;
} ports[] = {
    {1, "pa1", "net-a", "fa:16:3e:0a:00:01", "10.0.0.1"},
    {2, "pa2", "net-a", "fa:16:3e:0a:00:02", "10.0.0.2"},
    {3, "pb1", "net-b", "fa:16:3e:0b:00:01", "10.0.1.1"},
    {4, "pf1", "net-f", "fa:16:3e:0f:00:01", "10.0.2.1"},
    {5, "px1", "net-x", "fa:16:3e:0c:00:01", "10.0.3.1"},
};

/* net-a: VLAN 100, net-b: VLAN 200, net-f: flat, all on physnet1;
 * net-x: VXLAN (no egress yet). */
struct world {
    struct fs_model *model;
    struct fs_local_facts facts;
    struct fs_render_node node;
};

static void put(struct world *w, const char *key, const char *value)
{
    fixture_put(w->model, key, value);
}

static void put_network(struct world *w, const char *id, const char *type,
                        const char *physnet, int seg)
{
    char *key = xasprintf(KEY("networks", "%s"), id);
    char *p =
        physnet ? xasprintf(", \"provider:physical_network\": \"%s\"", physnet)
                : xstrdup("");
    char *s = seg > 0 ? xasprintf(", \"provider:segmentation_id\": %d", seg)
                      : xstrdup("");
    char *v = xasprintf("{\"network\": {\"id\": \"%s\", "
                        "\"provider:network_type\": \"%s\"%s%s}}",
                        id, type, p, s);
    put(w, key, v);
    free(key);
    free(p);
    free(s);
    free(v);
}

/* Puts port 'id' of 'net' bound to 'host' with 'mac' and fixed IP 'ip'
 * (NULL: no fixed_ips member); 'extra' is more JSON members ("" or
 * ", \"k\": v"). */
static void put_port(struct world *w, const char *id, const char *net,
                     const char *host, const char *mac, const char *ip,
                     const char *extra)
{
    char *key = xasprintf(KEY("ports", "%s"), id);
    char *ips =
        ip ? xasprintf(", \"fixed_ips\": [{\"ip_address\": \"%s\"}]", ip)
           : xstrdup("");
    char *v = xasprintf("{\"port\": {\"id\": \"%s\", \"network_id\": \"%s\", "
                        "\"binding:host_id\": \"%s\", \"mac_address\": "
                        "\"%s\"%s%s}}",
                        id, net, host, mac, ips, extra);
    free(ips);
    put(w, key, v);
    free(key);
    free(v);
}

static void put_mappings(struct world *w, const char *mappings)
{
    char *v = xasprintf("{\"chassis\": {\"id\": \"node1\", \"ip\": "
                        "\"192.0.2.1\", \"bridge_mappings\": \"%s\"}}",
                        mappings);
    put(w, CHASSIS_KEY, v);
    free(v);
}

static void world_init(struct world *w)
{
    w->model = fs_model_create();
    put_network(w, "net-a", "vlan", "physnet1", 100);
    put_network(w, "net-b", "vlan", "physnet1", 200);
    put_network(w, "net-f", "flat", "physnet1", 0);
    put_network(w, "net-x", "vxlan", NULL, 5000);
    fs_local_facts_init(&w->facts);
    for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
        put_port(w, ports[i].id, ports[i].net, "node1", ports[i].mac,
                 ports[i].ip, "");
        simap_put(&w->facts.ofports, ports[i].id, ports[i].ofport);
    }
    /* A port of net-a on another chassis: reached as unknown unicast. */
    put_port(w, "pa9", "net-a", "node2", "fa:16:3e:0a:00:09", "10.0.0.9", "");
    put_mappings(w, "physnet1:br-phys");
    simap_put(&w->facts.owned_ofports, "fsi-physnet1", PATCH);
    sset_add(&w->facts.bridges, "br-int");
    sset_add(&w->facts.bridges, "br-phys");
    fs_model_set_revision(w->model, 300);
    w->node = (struct fs_render_node){.name = "node1",
                                      .integration_bridge = "br-int"};
}

static void world_destroy(struct world *w)
{
    fs_model_destroy(w->model);
    fs_local_facts_destroy(&w->facts);
}

static struct fs_snapshot *snapshot(struct world *w)
{
    struct fs_snapshot *s = fs_snapshot_build(w->model);
    for (size_t i = 0; i < s->errors.n; i++) {
        print_error("unexpected: %s %s %s\n", s->errors.items[i].key,
                    s->errors.items[i].path, s->errors.items[i].message);
    }
    assert_int_equal(s->errors.n, 0);
    return s;
}

static struct fs_desired *render(struct world *w)
{
    return rc_render_clean(w->model, &w->node, &w->facts);
}

/* The flows of 'table' as "priority=P,cookie=C,MATCH,actions=A" lines, in
 * order; the cookie object is written as the network's name ("net-a") or
 * "0" to keep expectations readable. */
static const char *const nets[] = {"net-a", "net-b", "net-f", "net-x", NULL};

/* Asserts that the flows of 'table' are exactly the lines of 'want' (in
 * any order: within a priority the order is by match text, which depends
 * on the network keys; test_deterministic checks the sorting). */
static void assert_table(const struct fs_desired *d, int table,
                         const char *want)
{
    rc_assert_table(d, table, nets, want);
}

/* The OVSDB ports as one line each: bridge name type options external_ids
 * key path. */
static char *dump_ports(const struct fs_desired *d)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct fs_ovsdb_port *p = d->ports[i];
        ds_put_format(
            &s, "%s %s %s peer=%s %s=%s %s %s\n", p->bridge, p->name, p->type,
            smap_get_def(&p->options, "peer", "-"), FS_OWNER_KEY,
            smap_get_def(&p->external_ids, FS_OWNER_KEY, "-"), p->key, p->path);
        assert_int_equal(smap_count(&p->options), 1);
        assert_int_equal(smap_count(&p->external_ids), 1);
    }
    return ds_steal_cstr(&s);
}

static void assert_ports(const struct fs_desired *d, const char *want)
{
    char *got = dump_ports(d);
    assert_string_equal(got, want);
    free(got);
}

static const struct fs_error *find_note(const struct fs_desired *d,
                                        const char *key, const char *path)
{
    for (size_t i = 0; i < d->notes.n; i++) {
        if (!strcmp(d->notes.items[i].key, key) &&
            !strcmp(d->notes.items[i].path, path)) {
            return &d->notes.items[i];
        }
    }
    return NULL;
}

static const char *const pair_rows =
    "br-int fsi-physnet1 patch peer=fsp-physnet1 "
    "flowsteer-owner=provider:physnet1 " CHASSIS_KEY
    " $.chassis.bridge_mappings\n"
    "br-phys fsp-physnet1 patch peer=fsi-physnet1 "
    "flowsteer-owner=provider:physnet1 " CHASSIS_KEY
    " $.chassis.bridge_mappings\n";

/* VLAN and flat networks behind one patch pair: the rows, table 0's
 * uplink, ingress by tag (popped) or untagged only, the drop of anything
 * else, egress with the tag pushed inside clone(), and the L2 table. */
static void test_provider_pipeline(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    assert_int_equal(d->revision, 300);
    assert_int_equal(d->notes.n, 0);
    assert_int_equal(d->n_waiting, 0);
    assert_ports(d, pair_rows);
    assert_table(d, 0,
                 "priority=100,kind=1/net-a,in_port=1,actions=set_field:"
                 "<net-a>->metadata,set_field:1->reg6,goto_table:1\n"
                 "priority=100,kind=3/0,in_port=20,actions=goto_table:3\n"
                 "priority=100,kind=1/net-a,in_port=2,actions=set_field:"
                 "<net-a>->metadata,set_field:2->reg6,goto_table:1\n"
                 "priority=100,kind=1/net-b,in_port=3,actions=set_field:"
                 "<net-b>->metadata,set_field:3->reg6,goto_table:1\n"
                 "priority=100,kind=1/net-f,in_port=4,actions=set_field:"
                 "<net-f>->metadata,set_field:4->reg6,goto_table:1\n"
                 "priority=100,kind=1/net-x,in_port=5,actions=set_field:"
                 "<net-x>->metadata,set_field:5->reg6,goto_table:1\n");
    assert_table(d, 3,
                 "priority=100,kind=3/net-a,in_port=20,dl_vlan=100,"
                 "actions=pop_vlan,set_field:<net-a>->metadata,"
                 "set_field:20->reg6,goto_table:10\n"
                 "priority=100,kind=3/net-b,in_port=20,dl_vlan=200,"
                 "actions=pop_vlan,set_field:<net-b>->metadata,"
                 "set_field:20->reg6,goto_table:10\n"
                 "priority=100,kind=3/net-f,in_port=20,"
                 "vlan_tci=0x0000/0x1fff,actions=set_field:<net-f>->metadata,"
                 "set_field:20->reg6,goto_table:10\n"
                 "priority=10,kind=3/0,in_port=20,actions=drop\n");
    /* Egress: the tag is pushed inside clone() so that it never reaches
     * the outputs after this one in a flood; flat has no tag. */
    assert_table(d, 80,
                 "priority=100,kind=3/net-a,metadata=<net-a>,reg7=20,"
                 "actions=clone(push_vlan:0x8100,set_field:4196->vlan_vid,"
                 "output:20)\n"
                 "priority=100,kind=3/net-b,metadata=<net-b>,reg7=20,"
                 "actions=clone(push_vlan:0x8100,set_field:4296->vlan_vid,"
                 "output:20)\n"
                 "priority=100,kind=3/net-f,metadata=<net-f>,reg7=20,"
                 "actions=output:20\n");
    assert_table(d, 75,
                 "priority=100,kind=1/net-a,reg7=1,actions=output:1\n"
                 "priority=100,kind=3/0,reg7=20,actions=goto_table:80\n"
                 "priority=100,kind=1/net-a,reg7=2,actions=output:2\n"
                 "priority=100,kind=1/net-b,reg7=3,actions=output:3\n"
                 "priority=100,kind=1/net-f,reg7=4,actions=output:4\n"
                 "priority=100,kind=1/net-x,reg7=5,actions=output:5\n");
    rc_assert_all_parse(d);
    fs_desired_destroy(d);
    world_destroy(&w);
}

#define FLOOD "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00"

/* Table 55 per network: known unicast to local ports; flooding to the
 * network's local ports in port id order (output directly: table 75 does
 * nothing else for them), then its uplink through tables 75 and 80, and to
 * nothing of another network; unknown unicast (and unicast to a port on
 * another chassis) to the uplink.  net-x (VXLAN) has no egress yet.  Small
 * networks: one flood flow, nothing in table 56. */
static void test_l2_per_network(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    assert_table(
        d, 55,
        "priority=100,kind=1/net-a,metadata=<net-a>,dl_dst=fa:16:3e:0a:00:01,"
        "actions=set_field:1->reg7,goto_table:75\n"
        "priority=100,kind=1/net-a,metadata=<net-a>,dl_dst=fa:16:3e:0a:00:02,"
        "actions=set_field:2->reg7,goto_table:75\n"
        "priority=100,kind=1/net-b,metadata=<net-b>,dl_dst=fa:16:3e:0b:00:01,"
        "actions=set_field:3->reg7,goto_table:75\n"
        "priority=100,kind=1/net-f,metadata=<net-f>,dl_dst=fa:16:3e:0f:00:01,"
        "actions=set_field:4->reg7,goto_table:75\n"
        "priority=100,kind=1/net-x,metadata=<net-x>,dl_dst=fa:16:3e:0c:00:01,"
        "actions=set_field:5->reg7,goto_table:75\n"
        "priority=90,kind=1/net-a,metadata=<net-a>," FLOOD ",actions="
        "output:1,output:2,set_field:20->reg7,resubmit(,75)\n"
        "priority=90,kind=1/net-b,metadata=<net-b>," FLOOD ",actions="
        "output:3,set_field:20->reg7,resubmit(,75)\n"
        "priority=90,kind=1/net-f,metadata=<net-f>," FLOOD ",actions="
        "output:4,set_field:20->reg7,resubmit(,75)\n"
        "priority=90,kind=1/net-x,metadata=<net-x>," FLOOD ",actions="
        "output:5\n"
        "priority=50,kind=1/net-a,metadata=<net-a>,actions=set_field:20->reg7,"
        "goto_table:75\n"
        "priority=50,kind=1/net-b,metadata=<net-b>,actions=set_field:20->reg7,"
        "goto_table:75\n"
        "priority=50,kind=1/net-f,metadata=<net-f>,actions=set_field:20->reg7,"
        "goto_table:75\n");
    assert_table(d, 56, "");
    /* Table 10 base flows now come from sfc.c, unchanged. */
    assert_table(d, 10, "priority=0,kind=1/0,actions=goto_table:55\n");
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Returns the number of flows of 'd' in 'table'. */
static size_t n_table(const struct fs_desired *d, int table)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_flows; i++) {
        n += d->flows[i].table_id == table;
    }
    return n;
}

/* No pair for a physnet without a local port of its networks, and the
 * pair goes with the last such port or with the mapping. */
static void test_pair_lifecycle(void **state)
{
    struct world w;
    world_init(&w);
    /* Only net-a keeps a local port on physnet1: one pair, net-a only. */
    fixture_delete(w.model, KEY("ports", "pb1"));
    fixture_delete(w.model, KEY("ports", "pf1"));
    struct fs_desired *d = render(&w);
    assert_ports(d, pair_rows);
    assert_int_equal(n_table(d, 3), 2); /* VLAN 100 and the drop. */
    assert_int_equal(n_table(d, 80), 1);
    fs_desired_destroy(d);

    /* A port bound elsewhere does not count. */
    fixture_delete(w.model, KEY("ports", "pa2"));
    put_port(&w, "pa1", "net-a", "node2", "fa:16:3e:0a:00:01", "10.0.0.1", "");
    d = render(&w);
    assert_int_equal(d->n_ports, 0);
    assert_int_equal(n_table(d, 3), 0);
    assert_int_equal(n_table(d, 80), 0);
    assert_int_equal(d->notes.n, 0);
    fs_desired_destroy(d);
    world_destroy(&w);

    /* The mapping goes: no pair, no provider flows, no uplink; local
     * switching stays. */
    world_init(&w);
    put_mappings(&w, "physnet9:br-phys");
    d = render(&w);
    assert_int_equal(d->n_ports, 0);
    assert_int_equal(n_table(d, 3) + n_table(d, 80), 0);
    assert_table(d, 75,
                 "priority=100,kind=1/net-a,reg7=1,actions=output:1\n"
                 "priority=100,kind=1/net-a,reg7=2,actions=output:2\n"
                 "priority=100,kind=1/net-b,reg7=3,actions=output:3\n"
                 "priority=100,kind=1/net-f,reg7=4,actions=output:4\n"
                 "priority=100,kind=1/net-x,reg7=5,actions=output:5\n");
    assert_int_equal(n_table(d, 55), 5 + 4); /* No unknown unicast. */
    assert_int_equal(n_table(d, 0), 5);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* The provider bridge is the operator's: missing, it gets a note naming
 * the chassis, the mapping and the bridge, and no rows; other mappings
 * still converge. */
static void test_missing_bridge(void **state)
{
    struct world w;
    world_init(&w);
    put_network(&w, "net-c", "vlan", "physnet2", 300);
    put_port(&w, "pc1", "net-c", "node1", "fa:16:3e:0c:00:09", "10.0.4.1", "");
    simap_put(&w.facts.ofports, "pc1", 6);
    put_mappings(&w, "physnet1:br-phys,physnet2:br-missing");
    struct fs_desired *d = render(&w);
    assert_ports(d, pair_rows);
    assert_int_equal(d->notes.n, 1);
    const struct fs_error *e =
        find_note(d, CHASSIS_KEY, "$.chassis.bridge_mappings");
    assert_non_null(e);
    assert_non_null(strstr(e->message, "chassis \"node1\""));
    assert_non_null(strstr(e->message, "\"physnet2:br-missing\""));
    assert_non_null(strstr(e->message, "bridge \"br-missing\""));
    assert_int_equal(d->n_waiting, 0);
    /* net-c switches locally, without egress. */
    assert_int_equal(n_table(d, 80), 3);
    fs_desired_destroy(d);

    /* The bridge appears: the pair follows. */
    sset_add(&w.facts.bridges, "br-missing");
    d = render(&w);
    assert_int_equal(d->notes.n, 0);
    assert_int_equal(d->n_ports, 4);
    assert_string_equal(d->ports[2]->bridge, "br-missing");
    assert_string_equal(d->ports[2]->name, "fsp-physnet2");
    assert_string_equal(d->ports[1]->name, "fsi-physnet2");
    assert_int_equal(d->n_waiting, 1); /* fsi-physnet2 has no ofport yet. */
    fs_desired_destroy(d);
    world_destroy(&w);
}

static const struct fs_bridge_mapping config_mappings[] = {
    {(char *)"physnet1", (char *)"br-phys"},
};

/* Without a chassis document the configuration's mappings apply (key "",
 * path "$"); a chassis document wins, even one without mappings. */
static void test_config_mappings(void **state)
{
    struct world w;
    world_init(&w);
    w.node.bridge_mappings = config_mappings;
    w.node.n_bridge_mappings = ARRAY_SIZE(config_mappings);
    fixture_delete(w.model, CHASSIS_KEY);
    struct fs_desired *d = render(&w);
    assert_ports(d, "br-int fsi-physnet1 patch peer=fsp-physnet1 "
                    "flowsteer-owner=provider:physnet1  $\n"
                    "br-phys fsp-physnet1 patch peer=fsi-physnet1 "
                    "flowsteer-owner=provider:physnet1  $\n");
    assert_int_equal(n_table(d, 80), 3);
    fs_desired_destroy(d);

    put(&w, CHASSIS_KEY,
        "{\"chassis\": {\"id\": \"node1\", \"ip\": \"192.0.2.1\"}}");
    d = render(&w);
    assert_int_equal(d->n_ports, 0);
    assert_int_equal(n_table(d, 80), 0);
    fs_desired_destroy(d);

    /* Another node's chassis document is not ours. */
    fixture_delete(w.model, CHASSIS_KEY);
    put(&w, KEY("chassis", "node2"),
        "{\"chassis\": {\"id\": \"node2\", \"bridge_mappings\": "
        "\"physnet1:br-other\"}}");
    d = render(&w);
    assert_int_equal(d->n_ports, 2);
    assert_string_equal(d->ports[1]->bridge, "br-phys");
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* The integration side patch port has no ofport yet: its rows are
 * rendered, no flow uses it, and the set says it is waiting. */
static void test_waiting_for_ofport(void **state)
{
    struct world w;
    world_init(&w);
    simap_clear(&w.facts.owned_ofports);
    struct fs_desired *d = render(&w);
    assert_ports(d, pair_rows);
    assert_int_equal(d->n_waiting, 1);
    assert_int_equal(n_table(d, 3) + n_table(d, 80), 0);
    assert_int_equal(n_table(d, 0), 5);
    assert_int_equal(n_table(d, 75), 5);
    assert_int_equal(n_table(d, 55), 5 + 4);
    for (size_t i = 0; i < d->n_flows; i++) {
        /* Nothing goes to ofport 20 (0x14 in a register). */
        char *actions = rc_actions(&d->flows[i]);
        assert_null(strstr(actions, ":20"));
        assert_null(strstr(actions, "0x14->"));
        free(actions);
    }
    fs_desired_destroy(d);

    /* An ofport under another name (a foreign port) does not count. */
    simap_put(&w.facts.owned_ofports, "fsi-physnet9", PATCH);
    d = render(&w);
    assert_int_equal(d->n_waiting, 1);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Long physnets and physnets with other characters get a hashed name
 * within 15 characters; short ones keep theirs. */
static void test_patch_names(void **state)
{
    char *n = render_patch_name(FS_PATCH_INT_PREFIX, "physnet1");
    assert_string_equal(n, "fsi-physnet1");
    free(n);
    n = render_patch_name(FS_PATCH_PHYS_PREFIX, "abcdefghijk"); /* 11. */
    assert_string_equal(n, "fsp-abcdefghijk");
    free(n);
    static const char *const hashed[] = {"abcdefghijkl", "phys/net", "",
                                         "datacentre-external-provider"};
    for (size_t i = 0; i < ARRAY_SIZE(hashed); i++) {
        char *want = xasprintf("fsi-%08" PRIx32, hash_string(hashed[i], 0));
        n = render_patch_name(FS_PATCH_INT_PREFIX, hashed[i]);
        assert_string_equal(n, want);
        assert_true(strlen(n) <= FS_PORT_NAME_MAX);
        free(n);
        free(want);
    }

    struct world w;
    world_init(&w);
    const char *longnet = "datacentre-external-provider";
    put_network(&w, "net-a", "vlan", longnet, 100);
    char *m = xasprintf("%s:br-phys", longnet);
    put_mappings(&w, m);
    free(m);
    char *int_name = render_patch_name(FS_PATCH_INT_PREFIX, longnet);
    char *phys_name = render_patch_name(FS_PATCH_PHYS_PREFIX, longnet);
    simap_put(&w.facts.owned_ofports, int_name, 30);
    struct fs_desired *d = render(&w);
    assert_int_equal(d->n_ports, 2);
    assert_string_equal(d->ports[0]->name, int_name);
    assert_string_equal(d->ports[1]->name, phys_name);
    assert_string_equal(smap_get(&d->ports[0]->options, "peer"), phys_name);
    assert_string_equal(smap_get(&d->ports[1]->options, "peer"), int_name);
    char *owner = xasprintf("provider:%s", longnet);
    assert_string_equal(smap_get(&d->ports[1]->external_ids, FS_OWNER_KEY),
                        owner);
    free(owner);
    for (size_t i = 0; i < d->n_ports; i++) {
        assert_true(strlen(d->ports[i]->name) <= FS_PORT_NAME_MAX);
    }
    assert_int_equal(n_table(d, 80), 1);
    assert_int_equal(d->n_waiting, 0);
    free(int_name);
    free(phys_name);
    fs_desired_destroy(d);
    world_destroy(&w);
}

static char *dump_all(const struct fs_desired *d)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < d->n_flows; i++) {
        char *t = fs_flow_to_string(&d->flows[i]);
        ds_put_format(&s, "%s\n", t);
        free(t);
    }
    char *ports = dump_ports(d);
    ds_put_cstr(&s, ports);
    free(ports);
    return ds_steal_cstr(&s);
}

/* Same input, same output, whatever order the facts were filled in; flows
 * sorted by (table, priority descending, match), ports by (bridge, name). */
static void test_deterministic(void **state)
{
    struct world w;
    world_init(&w);
    put_network(&w, "net-c", "vlan", "physnet2", 300);
    put_port(&w, "pc1", "net-c", "node1", "fa:16:3e:0c:00:09", "10.0.4.1", "");
    simap_put(&w.facts.ofports, "pc1", 6);
    simap_put(&w.facts.owned_ofports, "fsi-physnet2", 21);
    sset_add(&w.facts.bridges, "br-ex");
    put_mappings(&w, "physnet2:br-ex physnet1:br-phys");
    struct fs_desired *a = render(&w);
    struct fs_local_facts f;
    fs_local_facts_init(&f);
    for (size_t i = ARRAY_SIZE(ports); i-- > 0;) {
        simap_put(&f.ofports, ports[i].id, ports[i].ofport);
    }
    simap_put(&f.ofports, "pc1", 6);
    simap_put(&f.owned_ofports, "fsi-physnet2", 21);
    simap_put(&f.owned_ofports, "fsi-physnet1", PATCH);
    sset_add(&f.bridges, "br-phys");
    sset_add(&f.bridges, "br-ex");
    sset_add(&f.bridges, "br-int");
    struct fs_snapshot *s = snapshot(&w);
    struct fs_desired *b = fs_render(s, &w.node, &f);
    char *da = dump_all(a), *db = dump_all(b);
    assert_string_equal(da, db);
    assert_int_equal(a->n_ports, 4);
    for (size_t i = 1; i < a->n_ports; i++) {
        const struct fs_ovsdb_port *p = a->ports[i - 1], *q = a->ports[i];
        int c = strcmp(p->bridge, q->bridge);
        assert_true(c < 0 || (!c && strcmp(p->name, q->name) < 0));
    }
    for (size_t i = 1; i < a->n_flows; i++) {
        assert_true(fs_flow_compare(&a->flows[i - 1], &a->flows[i]) < 0);
    }
    rc_assert_all_parse(a);
    free(da);
    free(db);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
    fs_snapshot_destroy(s);
    fs_local_facts_destroy(&f);
    world_destroy(&w);
}

/* Every flow that matches or sets one network's metadata carries that
 * network's key as cookie object; flows of no one network carry 0. */
static void test_cookies_per_network(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    static const char *const nets[] = {"net-a", "net-b", "net-f", "net-x"};
    size_t per_net[ARRAY_SIZE(nets)] = {0};
    for (size_t i = 0; i < d->n_flows; i++) {
        const struct fs_flow *f = &d->flows[i];
        uint32_t obj = f->cookie & 0xffffffff;
        char *match = rc_match(f), *actions = rc_actions(f);
        for (size_t k = 0; k < ARRAY_SIZE(nets); k++) {
            char *hex = xasprintf("0x%" PRIx32, rc_net_key(nets[k]));
            if (strstr(match, hex) || strstr(actions, hex)) {
                assert_int_equal(obj, rc_net_key(nets[k]));
                per_net[k]++;
            }
            free(hex);
        }
        if (obj) {
            assert_true(strstr(match, "metadata=") ||
                        strstr(actions, "->metadata") ||
                        strstr(match, "reg6=") || strstr(match, "reg7="));
        }
        free(match);
        free(actions);
    }
    assert_true(rc_net_key("net-a") != rc_net_key("net-b"));
    /* net-a: table 0 x2, 3, 55 x4 (2 MACs, flood, unknown), 80. */
    assert_int_equal(per_net[0], 2 + 1 + 4 + 1);
    assert_int_equal(per_net[1], 1 + 1 + 3 + 1);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Port security flows of the world's port pa1 (ofport 1) with fixed IPs
 * 10.0.0.1 and 2001:db8::1 and address pairs 10.9.0.0/24 (the port's MAC)
 * and 10.1.1.1 with fa:16:3e:99:99:99. */
#define MAC1 "fa:16:3e:0a:00:01"
#define MAC9 "fa:16:3e:99:99:99"
#define ALLOW ",actions=goto_table:10\n"
#define PS "priority=100,kind=4/net-a,reg6=1,dl_src="
#define PER_MAC(M)                                                             \
    PS M ",udp,nw_src=0.0.0.0,tp_src=68,tp_dst=67" ALLOW PS M                  \
         ",ipv6,ipv6_src=fe80::/10" ALLOW PS M                                 \
         ",icmp6,ipv6_src=::,ipv6_dst=ff02::/16,icmpv6_type=131" ALLOW PS M    \
         ",icmp6,ipv6_src=::,ipv6_dst=ff02::/16,icmpv6_type=135" ALLOW PS M    \
         ",icmp6,ipv6_src=::,ipv6_dst=ff02::/16,icmpv6_type=143" ALLOW         \
         "priority=80,kind=4/net-a,reg6=1,dl_src=" M ALLOW
#define V4(M, IP)                                                              \
    PS M ",ip,nw_src=" IP ALLOW PS M ",arp,arp_spa=" IP ",arp_sha=" M ALLOW

static const char *const pa1_port_security =
    PER_MAC(MAC1) V4(MAC1, "10.0.0.1") PS MAC1
    ",ipv6,ipv6_src=2001:db8::1" ALLOW V4(MAC1, "10.9.0.0/24") PER_MAC(MAC9) V4(
        MAC9, "10.1.1.1") "priority=90,kind=4/net-a,reg6=1,ip,actions=drop\n"
                          "priority=90,kind=4/net-a,reg6=1,arp,actions=drop\n"
                          "priority=90,kind=4/net-a,reg6=1,ipv6,actions=drop\n"
                          "priority=10,kind=4/net-a,reg6=1,actions=drop\n";

/* Table 1 without pa1 (the other ports, exempt here). */
static const char *const others_exempt =
    "priority=100,kind=4/net-a,reg6=2,actions=goto_table:10\n"
    "priority=100,kind=4/net-b,reg6=3,actions=goto_table:10\n"
    "priority=100,kind=4/net-f,reg6=4,actions=goto_table:10\n"
    "priority=100,kind=4/net-x,reg6=5,actions=goto_table:10\n";

/* Port security rendering, with the fields set on the snapshot directly
 * (runs before model/ parses them): fixed IPv4 and IPv6, address pairs
 * (a prefix with the port's MAC, an address with its own MAC), drops;
 * ports without port security are exempt. */
static void test_port_security(void **state)
{
    struct world w;
    world_init(&w);
    put_port(&w, "pa1", "net-a", "node1", MAC1, NULL,
             ", \"fixed_ips\": [{\"ip_address\": \"10.0.0.1\"}, "
             "{\"ip_address\": \"2001:db8::1\"}]");
    struct fs_snapshot *s = snapshot(&w);
    struct fs_port *p =
        CONST_CAST(struct fs_port *, fs_snapshot_find(s, FS_PORT, "pa1"));
    for (size_t i = 0; i < s->n_ports; i++) {
        s->ports[i].port_security_enabled = false;
    }
    struct fs_address_pair pairs[] = {
        {(char *)"10.9.0.0/24", NULL},
        {(char *)"10.1.1.1", (char *)MAC9},
        {(char *)"10.0.0.1", (char *)MAC1}, /* Repeats a fixed IP. */
    };
    p->port_security_enabled = true;
    p->allowed_address_pairs = pairs;
    p->n_allowed_address_pairs = ARRAY_SIZE(pairs);
    struct fs_desired *d = fs_render(s, &w.node, &w.facts);
    char *want = xasprintf("%s%s", pa1_port_security, others_exempt);
    assert_table(d, 1, want);
    free(want);
    assert_int_equal(d->notes.n, 0);
    rc_assert_all_parse(d);
    fs_desired_destroy(d);

    /* Port security without a MAC: everything dropped, with a note. */
    char *mac = p->mac_address;
    p->mac_address = NULL;
    p->allowed_address_pairs = NULL;
    p->n_allowed_address_pairs = 0;
    d = fs_render(s, &w.node, &w.facts);
    want = xasprintf("priority=10,kind=4/net-a,reg6=1,actions=drop\n%s",
                     others_exempt);
    assert_table(d, 1, want);
    free(want);
    assert_non_null(find_note(d, KEY("ports", "pa1"), "$.port.mac_address"));
    fs_desired_destroy(d);
    p->mac_address = mac;
    fs_snapshot_destroy(s);
    world_destroy(&w);
}

/* Port security read from JSON documents: the same as above, plus an SF port
 * with port security on (exempt: ports of port pairs forward other hosts'
 * packets) and a port with it off, and the default (on). */
static void test_port_security_json(void **state)
{
    struct world w;
    world_init(&w);
    put_port(&w, "pa1", "net-a", "node1", MAC1, NULL,
             ", \"fixed_ips\": [{\"ip_address\": \"10.0.0.1\"}, "
             "{\"ip_address\": \"2001:db8::1\"}], "
             "\"port_security_enabled\": true, \"allowed_address_pairs\": "
             "[{\"ip_address\": \"10.9.0.0/24\"}, {\"ip_address\": "
             "\"10.1.1.1\", \"mac_address\": \"" MAC9 "\"}]");
    put_port(&w, "pa2", "net-a", "node1", "fa:16:3e:0a:00:02", "10.0.0.2",
             ", \"port_security_enabled\": false");
    put_port(&w, "pb1", "net-b", "node1", "fa:16:3e:0b:00:01", "10.0.1.1",
             ", \"port_security_enabled\": true");
    put_port(&w, "pf1", "net-f", "node1", "fa:16:3e:0f:00:01", "10.0.2.1",
             ", \"port_security_enabled\": true");
    put(&w, KEY("port_pairs", "pp"),
        "{\"port_pair\": {\"id\": \"pp\", \"ingress\": \"pb1\", "
        "\"egress\": \"pf1\"}}");
    struct fs_desired *d = render(&w);
    /* px1 has no port_security_enabled: on by default (Neutron). */
    size_t px1 = 0;
    for (size_t i = 0; i < d->n_flows; i++) {
        px1 +=
            d->flows[i].table_id == 1 && rc_match_has(&d->flows[i], "reg6=5");
    }
    assert_true(px1 > 0);
    char *t1 = rc_dump_table(d, 1, nets);
    char *exempt = xasprintf("%s%s%s",
                             "priority=100,kind=4/net-a,reg6=2,actions="
                             "goto_table:10\n",
                             "priority=100,kind=4/net-b,reg6=3,actions="
                             "goto_table:10\n",
                             "priority=100,kind=4/net-f,reg6=4,actions="
                             "goto_table:10\n");
    for (char *l = exempt, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
        char *raw = xmemdup0(l, nl - l + 1);
        char *expanded = rc_expand(raw);
        char *line = rc_canon_lines(expanded);
        assert_non_null(strstr(t1, line));
        free(expanded);
        free(line);
        free(raw);
    }
    char *pa1_raw = rc_expand(pa1_port_security);
    char *pa1 = rc_canon_lines(pa1_raw);
    free(pa1_raw);
    for (char *l = pa1, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
        char *line = xmemdup0(l, nl - l + 1);
        assert_non_null(strstr(t1, line));
        free(line);
    }
    free(pa1);
    free(exempt);
    free(t1);

    /* Frames to the pair's own MAC are delivered to the port (table 55),
     * once, beside the port's MAC. */
    char *t55 = rc_dump_table(d, 55, nets);
    char *pair_raw = rc_expand("priority=100,kind=1/net-a,metadata=<net-a>,"
                               "dl_dst=" MAC9 ",actions=set_field:1->reg7,"
                               "goto_table:75\n");
    char *own_raw = rc_expand("priority=100,kind=1/net-a,metadata=<net-a>,"
                              "dl_dst=" MAC1 ",actions=set_field:1->reg7,"
                              "goto_table:75\n");
    char *pair = rc_canon_lines(pair_raw), *own = rc_canon_lines(own_raw);
    free(pair_raw);
    free(own_raw);
    assert_non_null(strstr(t55, pair));
    assert_non_null(strstr(t55, own));
    assert_int_equal(d->notes.n, 0);
    free(pair);
    free(own);
    free(t55);
    fs_desired_destroy(d);
    world_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provider_pipeline),
        cmocka_unit_test(test_l2_per_network),
        cmocka_unit_test(test_pair_lifecycle),
        cmocka_unit_test(test_missing_bridge),
        cmocka_unit_test(test_config_mappings),
        cmocka_unit_test(test_waiting_for_ofport),
        cmocka_unit_test(test_patch_names),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_cookies_per_network),
        cmocka_unit_test(test_port_security),
        cmocka_unit_test(test_port_security_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

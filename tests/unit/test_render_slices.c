/* Unit tests for FlowVisor slices in render/ (render/slices.c,
 * render/flowspaces.c, the slice parts of l2.c and portsec.c): the slice
 * bridge and patch pairs (OVSDB rows), table 5 and the sliced network's
 * tables 0, 1, 55 and 75 as exact ovs-ofctl text, members waiting for
 * their patch's ofport (not switched at all), flowspaces, the SSL note,
 * names, and isolation: nothing of another network reaches a member. */
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
#include "render/internal.h"
#include "render/render.h"
#include "render_check.h"

#define KEY(KIND, ID) "/flowsteer/v1/" KIND "/" ID

/* net-a: its own controller (a slice of one network); net-b: in slice
 * "sl-b"; net-c: not sliced.  a1, a2, b1, c1 plugged here (ofports 1..4);
 * a9 of net-a on node2. */
static const struct {
    int ofport;
    const char *id, *net, *mac, *ip;
} ports[] = {
    {1, "a1", "net-a", "fa:16:3e:0a:00:01", "10.0.0.1"},
    {2, "a2", "net-a", "fa:16:3e:0a:00:02", "10.0.0.2"},
    {3, "b1", "net-b", "fa:16:3e:0b:00:01", "10.0.0.3"},
    {4, "c1", "net-c", "fa:16:3e:0c:00:01", "10.0.0.4"},
};

/* Ofports of the integration bridge side of the slice patch pairs. */
enum { M_A1 = 11, M_A2 = 12, M_B1 = 13, U_A = 21, U_B = 22 };

static const char *const nets[] = {"net-a", "net-b", "net-c", NULL};

struct world {
    struct fs_model *model;
    struct fs_local_facts facts;
    struct fs_render_node node;
};

static void put(struct world *w, const char *key, const char *value)
{
    fixture_put(w->model, key, value);
}

static void put_network(struct world *w, const char *id, const char *extra)
{
    char *key = xasprintf(KEY("networks", "%s"), id);
    char *v = xasprintf("{\"network\": {\"id\": \"%s\", "
                        "\"provider:network_type\": \"vxlan\"%s}}",
                        id, extra);
    put(w, key, v);
    free(key);
    free(v);
}

static void put_port(struct world *w, const char *id, const char *net,
                     const char *host, const char *mac, const char *ip)
{
    char *key = xasprintf(KEY("ports", "%s"), id);
    char *v = xasprintf("{\"port\": {\"id\": \"%s\", \"network_id\": \"%s\", "
                        "\"binding:host_id\": \"%s\", \"mac_address\": "
                        "\"%s\", \"device_id\": \"vm-%s\", \"fixed_ips\": "
                        "[{\"ip_address\": \"%s\"}]}}",
                        id, net, host, mac, id, ip);
    put(w, key, v);
    free(key);
    free(v);
}

/* Sets the ofports of every slice patch port. */
static void plug_patches(struct world *w)
{
    simap_put(&w->facts.owned_ofports, "fsm-a1", M_A1);
    simap_put(&w->facts.owned_ofports, "fsm-a2", M_A2);
    simap_put(&w->facts.owned_ofports, "fsm-b1", M_B1);
    simap_put(&w->facts.owned_ofports, "fsu-net-a", U_A);
    simap_put(&w->facts.owned_ofports, "fsu-net-b", U_B);
}

static void world_init(struct world *w)
{
    w->model = fs_model_create();
    put_network(w, "net-a",
                ", \"provider:segmentation_id\": 5001, "
                "\"controller\": \"10.0.0.7\"");
    put_network(w, "net-b", ", \"provider:segmentation_id\": 5002");
    put_network(w, "net-c", ", \"provider:segmentation_id\": 5003");
    put(w, KEY("slices", "sl-b"),
        "{\"slice\": {\"controller\": \"tcp:10.0.0.8:6653\", \"networks\": "
        "[\"net-b\"]}}");
    fs_local_facts_init(&w->facts);
    free(w->facts.datapath_type);
    w->facts.datapath_type = xstrdup("netdev");
    for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
        put_port(w, ports[i].id, ports[i].net, "node1", ports[i].mac,
                 ports[i].ip);
        simap_put(&w->facts.ofports, ports[i].id, ports[i].ofport);
    }
    put_port(w, "a9", "net-a", "node2", "fa:16:3e:0a:00:09", "10.0.0.9");
    sset_add(&w->facts.bridges, "br-int");
    plug_patches(w);
    fs_model_set_revision(w->model, 100);
    w->node = (struct fs_render_node){.name = "node1",
                                      .integration_bridge = "br-int"};
}

static void world_destroy(struct world *w)
{
    fs_model_destroy(w->model);
    fs_local_facts_destroy(&w->facts);
}

static struct fs_desired *render(struct world *w)
{
    struct fs_desired *d = rc_render_clean(w->model, &w->node, &w->facts);
    rc_assert_all_parse(d);
    return d;
}

static void assert_table(const struct fs_desired *d, int table,
                         const char *want)
{
    rc_assert_table(d, table, nets, want);
}

/* The bridges, one line each: name datapath_type fail_mode protocols
 * controllers owner key path. */
static char *dump_bridges(const struct fs_desired *d)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < d->n_bridges; i++) {
        const struct fs_ovsdb_bridge *b = d->bridges[i];
        ds_put_format(&s, "%s %s %s ", b->name, b->datapath_type, b->fail_mode);
        const char **v = sset_sort(&b->protocols);
        for (size_t k = 0; v[k]; k++) {
            ds_put_format(&s, "%s%s", k ? "," : "", v[k]);
        }
        free(v);
        v = sset_sort(&b->controllers);
        for (size_t k = 0; v[k]; k++) {
            ds_put_format(&s, " %s", v[k]);
        }
        free(v);
        ds_put_format(&s, " %s %s %s\n",
                      smap_get_def(&b->external_ids, FS_OWNER_KEY, "-"), b->key,
                      b->path);
    }
    return ds_steal_cstr(&s);
}

/* The ports, one line each: bridge name type options external_ids (both
 * sorted, k=v joined by ","). */
static char *dump_ports(const struct fs_desired *d)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct fs_ovsdb_port *p = d->ports[i];
        ds_put_format(&s, "%s %s %s ", p->bridge, p->name, p->type);
        const struct smap *maps[] = {&p->options, &p->external_ids};
        for (size_t m = 0; m < 2; m++) {
            const struct smap_node **v = smap_sort(maps[m]);
            for (size_t k = 0; k < smap_count(maps[m]); k++) {
                ds_put_format(&s, "%s%s=%s", k ? "," : "", v[k]->key,
                              v[k]->value);
            }
            ds_put_char(&s, m ? '\n' : ' ');
            free(v);
        }
    }
    return ds_steal_cstr(&s);
}

/* The slice bridges: one per slice with a member here, of the integration
 * bridge's datapath type, fail_mode secure, OpenFlow 1.0 to 1.5, the
 * slice's controller; patch pairs per member and per network. */
static void test_rows(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    char *got = dump_bridges(d);
    rc_assert_lines(
        "bridges", got,
        "fsn-net-a netdev secure "
        "OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15 "
        "tcp:10.0.0.7:6633 network:net-a /flowsteer/v1/networks/net-a "
        "$.network.controller\n"
        "fss-sl-b netdev secure "
        "OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15 "
        "tcp:10.0.0.8:6653 slice:sl-b /flowsteer/v1/slices/sl-b "
        "$.slice.controller\n");
    free(got);
    got = dump_ports(d);
    rc_assert_lines(
        "ports", got,
        "br-int fsm-a1 patch peer=fsv-a1 flowsteer-owner=network:net-a\n"
        "br-int fsm-a2 patch peer=fsv-a2 flowsteer-owner=network:net-a\n"
        "br-int fsm-b1 patch peer=fsv-b1 flowsteer-owner=slice:sl-b\n"
        "br-int fsu-net-a patch peer=fsw-net-a flowsteer-owner=network:net-a\n"
        "br-int fsu-net-b patch peer=fsw-net-b flowsteer-owner=slice:sl-b\n"
        "fsn-net-a fsv-a1 patch peer=fsm-a1 "
        "attached-mac=fa:16:3e:0a:00:01,flowsteer-owner=network:net-a,"
        "iface-id=a1,vm-uuid=vm-a1\n"
        "fsn-net-a fsv-a2 patch peer=fsm-a2 "
        "attached-mac=fa:16:3e:0a:00:02,flowsteer-owner=network:net-a,"
        "iface-id=a2,vm-uuid=vm-a2\n"
        "fsn-net-a fsw-net-a patch peer=fsu-net-a "
        "flowsteer-owner=network:net-a\n"
        "fss-sl-b fsv-b1 patch peer=fsm-b1 "
        "attached-mac=fa:16:3e:0b:00:01,flowsteer-owner=slice:sl-b,"
        "iface-id=b1,vm-uuid=vm-b1\n"
        "fss-sl-b fsw-net-b patch peer=fsu-net-b "
        "flowsteer-owner=slice:sl-b\n");
    free(got);
    assert_int_equal(d->n_waiting, 0);
    fs_desired_destroy(d);

    /* No member here (a1, a2 unplugged): no bridge for net-a. */
    simap_find_and_delete(&w.facts.ofports, "a1");
    simap_find_and_delete(&w.facts.ofports, "a2");
    d = render(&w);
    assert_int_equal(d->n_bridges, 1);
    assert_string_equal(d->bridges[0]->name, "fss-sl-b");
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A member's flows: table 0 (the port, and its patch to table 5), table
 * 1 on to table 5, table 5 (into the slice from its MAC, back out to it
 * for its MAC and broadcast/multicast), table 55 (its MAC into the
 * slice's uplink, flooding into the uplink once), table 75 (the uplink
 * only: nothing outputs to a member but table 5). */
static void test_member_flows(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    assert_table(d, 5,
                 "priority=100,kind=6/net-a,reg6=1,dl_src=fa:16:3e:0a:00:01,"
                 "actions=output:11\n"
                 "priority=100,kind=6/net-a,in_port=11,dl_dst=fa:16:3e:0a:00:"
                 "01,actions=output:1\n"
                 "priority=100,kind=6/net-a,in_port=11,dl_dst=01:00:00:00:00:"
                 "00/01:00:00:00:00:00,actions=output:1\n"
                 "priority=10,kind=6/net-a,reg6=1,actions=drop\n"
                 "priority=10,kind=6/net-a,in_port=11,actions=drop\n"
                 "priority=100,kind=6/net-a,reg6=2,dl_src=fa:16:3e:0a:00:02,"
                 "actions=output:12\n"
                 "priority=100,kind=6/net-a,in_port=12,dl_dst=fa:16:3e:0a:00:"
                 "02,actions=output:2\n"
                 "priority=100,kind=6/net-a,in_port=12,dl_dst=01:00:00:00:00:"
                 "00/01:00:00:00:00:00,actions=output:2\n"
                 "priority=10,kind=6/net-a,reg6=2,actions=drop\n"
                 "priority=10,kind=6/net-a,in_port=12,actions=drop\n"
                 "priority=100,kind=6/net-b,reg6=3,dl_src=fa:16:3e:0b:00:01,"
                 "actions=output:13\n"
                 "priority=100,kind=6/net-b,in_port=13,dl_dst=fa:16:3e:0b:00:"
                 "01,actions=output:3\n"
                 "priority=100,kind=6/net-b,in_port=13,dl_dst=01:00:00:00:00:"
                 "00/01:00:00:00:00:00,actions=output:3\n"
                 "priority=10,kind=6/net-b,reg6=3,actions=drop\n"
                 "priority=10,kind=6/net-b,in_port=13,actions=drop\n");
    assert_table(
        d, 0,
        "priority=100,kind=1/net-a,in_port=1,actions=set_field:<net-a>->"
        "metadata,set_field:1->reg6,goto_table:1\n"
        "priority=100,kind=1/net-a,in_port=2,actions=set_field:<net-a>->"
        "metadata,set_field:2->reg6,goto_table:1\n"
        "priority=100,kind=1/net-b,in_port=3,actions=set_field:<net-b>->"
        "metadata,set_field:3->reg6,goto_table:1\n"
        "priority=100,kind=1/net-c,in_port=4,actions=set_field:<net-c>->"
        "metadata,set_field:4->reg6,goto_table:1\n"
        "priority=100,kind=6/net-a,in_port=11,actions=goto_table:5\n"
        "priority=100,kind=6/net-a,in_port=12,actions=goto_table:5\n"
        "priority=100,kind=6/net-b,in_port=13,actions=goto_table:5\n"
        "priority=100,kind=6/net-a,in_port=21,actions=set_field:<net-a>->"
        "metadata,set_field:21->reg6,goto_table:55\n"
        "priority=100,kind=6/net-b,in_port=22,actions=set_field:<net-b>->"
        "metadata,set_field:22->reg6,goto_table:55\n");
    assert_table(
        d, 55,
        "priority=100,kind=1/net-a,metadata=<net-a>,dl_dst=fa:16:3e:0a:00:01,"
        "actions=set_field:21->reg7,goto_table:75\n"
        "priority=100,kind=1/net-a,metadata=<net-a>,dl_dst=fa:16:3e:0a:00:02,"
        "actions=set_field:21->reg7,goto_table:75\n"
        "priority=100,kind=1/net-b,metadata=<net-b>,dl_dst=fa:16:3e:0b:00:01,"
        "actions=set_field:22->reg7,goto_table:75\n"
        "priority=100,kind=1/net-c,metadata=<net-c>,dl_dst=fa:16:3e:0c:00:01,"
        "actions=set_field:4->reg7,goto_table:75\n"
        "priority=90,kind=1/net-a,metadata=<net-a>,dl_dst=01:00:00:00:00:00/"
        "01:00:00:00:00:00,actions=output:21\n"
        "priority=90,kind=1/net-b,metadata=<net-b>,dl_dst=01:00:00:00:00:00/"
        "01:00:00:00:00:00,actions=output:22\n"
        "priority=90,kind=1/net-c,metadata=<net-c>,dl_dst=01:00:00:00:00:00/"
        "01:00:00:00:00:00,actions=output:4\n");
    assert_table(d, 75,
                 "priority=100,kind=6/net-a,reg7=21,actions=output:21\n"
                 "priority=100,kind=6/net-b,reg7=22,actions=output:22\n"
                 "priority=100,kind=1/net-c,reg7=4,actions=output:4\n");
    /* Port security as before, on to table 5 for members, 10 for c1. */
    for (size_t i = 0; i < d->n_flows; i++) {
        const struct fs_flow *f = &d->flows[i];
        if (f->table_id == FS_T_PORT_SEC &&
            rc_actions_have(f, "goto_table:5")) {
            assert_false(rc_match_has(f, "reg6=4"));
            assert_true(rc_actions_are(f, "goto_table:5"));
        } else if (f->table_id == FS_T_PORT_SEC &&
                   rc_actions_have(f, "goto_table:10")) {
            assert_true(rc_match_has(f, "reg6=4"));
            assert_true(rc_actions_are(f, "goto_table:10"));
        }
    }
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Isolation by construction: only table 5 outputs to a member, and only
 * from its own patch; nothing of net-b or net-c leads to a member's port
 * or patch. */
static void test_isolation(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    static const struct {
        int ofport, patch;
    } members[] = {{1, M_A1}, {2, M_A2}, {3, M_B1}};
    for (size_t i = 0; i < d->n_flows; i++) {
        const struct fs_flow *f = &d->flows[i];
        char *actions = rc_actions(f);
        for (size_t k = 0; k < ARRAY_SIZE(members); k++) {
            char *out = xasprintf("output:%d", members[k].ofport);
            char *from = xasprintf("in_port=%d", members[k].patch);
            const char *hit = strstr(actions, out);
            if (hit && (hit[strlen(out)] == '\0' || hit[strlen(out)] == ',')) {
                assert_int_equal(f->table_id, FS_T_SLICE);
                assert_true(rc_match_has(f, from));
            }
            free(out);
            free(from);
        }
        /* Into a slice's patch: only the member's own traffic. */
        if (strstr(actions, "output:11") || strstr(actions, "output:12")) {
            assert_int_equal(f->table_id, FS_T_SLICE);
        }
        free(actions);
    }
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A member whose patch has no ofport yet is not switched at all: no flow
 * matches its ofport, and the desired set waits. */
static void test_waiting(void **state)
{
    struct world w;
    world_init(&w);
    simap_clear(&w.facts.owned_ofports);
    struct fs_desired *d = render(&w);
    assert_int_equal(d->n_waiting, 5);
    assert_int_equal(d->n_bridges, 2);
    for (size_t i = 0; i < d->n_flows; i++) {
        const struct fs_flow *f = &d->flows[i];
        assert_false(rc_match_has(f, "in_port=1"));
        assert_false(rc_match_has(f, "reg6=1"));
        assert_int_not_equal(f->table_id, FS_T_SLICE);
    }
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A slice with flowspaces: a member's traffic enters (and leaves) only as
 * they match; in_port narrows a flowspace to one member; a protocol
 * without an address is IPv4 and IPv6. */
static void test_flowspaces(void **state)
{
    struct world w;
    world_init(&w);
    put(&w, KEY("flowspaces", "ssh"),
        "{\"flowspace\": {\"slice\": \"sl-b\", \"priority\": 7, \"match\": "
        "{\"nw_proto\": 6, \"tp_dst\": 22}}}");
    put(&w, KEY("flowspaces", "arp"),
        "{\"flowspace\": {\"slice\": \"sl-b\", \"match\": {\"in_port\": "
        "\"b1\", \"dl_dst\": \"ff:ff:ff:ff:ff:ff\"}}}");
    struct fs_desired *d = render(&w);
    char *got = rc_dump_table(d, 5, nets);
    char *b1 = xstrdup("");
    for (char *line = got, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        char *one = xmemdup0(line, nl - line);
        if (strstr(one, "/net-b,")) {
            char *more = xasprintf("%s%s\n", b1, one);
            free(b1);
            b1 = more;
        }
        free(one);
    }
    rc_assert_lines(
        "table 5 of b1", b1,
        "priority=100,kind=6/net-b,reg6=3,dl_src=fa:16:3e:0b:00:01,dl_dst=ff:"
        "ff:ff:ff:ff:ff,actions=output:13\n"
        "priority=100,kind=6/net-b,in_port=13,dl_dst=ff:ff:ff:ff:ff:ff,"
        "actions=output:3\n"
        "priority=100,kind=6/net-b,reg6=3,dl_src=fa:16:3e:0b:00:01,ip,nw_"
        "proto=6,tcp_dst=22,actions=output:13\n"
        "priority=100,kind=6/net-b,reg6=3,dl_src=fa:16:3e:0b:00:01,ipv6,nw_"
        "proto=6,tcp_dst=22,actions=output:13\n"
        "priority=100,kind=6/net-b,in_port=13,dl_dst=fa:16:3e:0b:00:01,ip,nw_"
        "proto=6,tcp_dst=22,actions=output:3\n"
        "priority=100,kind=6/net-b,in_port=13,dl_dst=fa:16:3e:0b:00:01,ipv6,"
        "nw_proto=6,tcp_dst=22,actions=output:3\n"
        "priority=100,kind=6/net-b,in_port=13,dl_dst=01:00:00:00:00:00/01:00:"
        "00:00:00:00,ip,nw_proto=6,tcp_dst=22,actions=output:3\n"
        "priority=100,kind=6/net-b,in_port=13,dl_dst=01:00:00:00:00:00/01:00:"
        "00:00:00:00,ipv6,nw_proto=6,tcp_dst=22,actions=output:3\n"
        "priority=10,kind=6/net-b,reg6=3,actions=drop\n"
        "priority=10,kind=6/net-b,in_port=13,actions=drop\n");
    free(b1);
    free(got);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Returns the note of 'd' on 'key', or NULL. */
static const struct fs_error *find_note(const struct fs_desired *d,
                                        const char *key)
{
    for (size_t i = 0; i < d->notes.n; i++) {
        if (!strcmp(d->notes.items[i].key, key)) {
            return &d->notes.items[i];
        }
    }
    return NULL;
}

/* An ssl: controller needs the node's SSL settings: a note without them,
 * none with them; the bridge is there either way. */
static void test_ssl_note(void **state)
{
    struct world w;
    world_init(&w);
    put(&w, KEY("slices", "sl-b"),
        "{\"slice\": {\"controller\": \"ssl:ctl.example\", \"networks\": "
        "[\"net-b\"]}}");
    struct fs_desired *d = render(&w);
    const struct fs_error *note = find_note(d, KEY("slices", "sl-b"));
    assert_non_null(note);
    assert_string_equal(note->path, "$.slice.controller");
    assert_non_null(strstr(note->message, "ovs-vsctl set-ssl"));
    assert_int_equal(d->n_bridges, 2);
    fs_desired_destroy(d);
    w.facts.ssl = true;
    d = render(&w);
    assert_null(find_note(d, KEY("slices", "sl-b")));
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Names: an id that fits as is, anything else by a hash; at most 15
 * characters. */
static void test_names(void **state)
{
    static const struct {
        const char *prefix, *id, *want;
    } cases[] = {
        {"fsv-", "a1", "fsv-a1"},
        {"fsv-", "abcdefghijk", "fsv-abcdefghijk"},
        {"fsv-", "5a1c0a01-0000-4000-8000-0000000000a1", NULL},
        {"fss-", "slice:b", NULL},
        {"fss-", "abcdefghijkl", NULL},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *got = render_patch_name(cases[i].prefix, cases[i].id);
        char *want = cases[i].want ? xstrdup(cases[i].want)
                                   : xasprintf("%s%08" PRIx32, cases[i].prefix,
                                               hash_string(cases[i].id, 0));
        assert_string_equal(got, want);
        assert_true(strlen(got) <= FS_PORT_NAME_MAX);
        free(got);
        free(want);
    }
}

/* A member's pair is named after its Neutron name when it fits and is
 * free ("says which VM it is"), else after its id; two ports of one name:
 * the first in id order has it. */
static void test_member_names(void **state)
{
    struct world w;
    world_init(&w);
    static const struct {
        const char *id, *name;
        int ofport;
    } vms[] = {
        {"5a1c0b01-0000-4000-8000-0000000000b1", "web", 31},
        {"5a1c0b02-0000-4000-8000-0000000000b2", "web", 32},
        {"5a1c0b03-0000-4000-8000-0000000000b3", "a-name-too-long", 33},
    };
    for (size_t i = 0; i < ARRAY_SIZE(vms); i++) {
        char *key = xasprintf(KEY("ports", "%s"), vms[i].id);
        char *v = xasprintf("{\"port\": {\"name\": \"%s\", \"network_id\": "
                            "\"net-b\", \"binding:host_id\": \"node1\", "
                            "\"mac_address\": \"fa:16:3e:0b:01:%02zu\"}}",
                            vms[i].name, i);
        put(&w, key, v);
        simap_put(&w.facts.ofports, vms[i].id, vms[i].ofport);
        free(key);
        free(v);
    }
    struct fs_desired *d = render(&w);
    char *second = render_patch_name("fsv-", vms[1].id);
    char *third = render_patch_name("fsv-", vms[2].id);
    const char *want[] = {"fsv-web", second, third, "fsv-b1"};
    for (size_t k = 0; k < ARRAY_SIZE(want); k++) {
        bool found = false;
        for (size_t i = 0; i < d->n_ports; i++) {
            found |= !strcmp(d->ports[i]->name, want[k]) &&
                     !strcmp(d->ports[i]->bridge, "fss-sl-b");
        }
        if (!found) {
            print_error("no port %s on fss-sl-b\n", want[k]);
        }
        assert_true(found);
    }
    assert_string_not_equal(second, "fsv-web");
    free(second);
    free(third);
    fs_desired_destroy(d);
    world_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),       cmocka_unit_test(test_member_flows),
        cmocka_unit_test(test_isolation),  cmocka_unit_test(test_waiting),
        cmocka_unit_test(test_flowspaces), cmocka_unit_test(test_ssl_note),
        cmocka_unit_test(test_names),      cmocka_unit_test(test_member_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

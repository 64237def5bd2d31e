/* Unit tests for render/: the flows and groups of the networking-sfc
 * workflow example (examples/sfc/) on node1, asserted as exact ovs-ofctl
 * text, plus the variants (port ranges, symmetric chain, MPLS-aware pairs,
 * remote hops, unplugged ports), determinism, and that libopenvswitch
 * parses every flow and group as an OpenFlow 1.5 flow/group mod.
 *
 * The strings asserted here are the ones checked against a real
 * ovs-vswitchd (netdev datapath) with ofproto/trace and real packets; see
 * docs/architecture.md, "Integration bridge pipeline". */
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
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/shash.h"
#include "render/internal.h"
#include "render/render.h"
#include "render_check.h"

static const struct fs_render_node node1 = {.name = "node1",
                                            .integration_bridge = "br-int"};

/* Port keys of the example on node1: the ofport of each interface. */
enum { OF_SRC = 1, OF_DST, OF_P1, OF_P2, OF_P3, OF_P4, OF_P5, OF_P6 };

#define NET "0x1d1f2a1" /* Network key of EX_NET (hash of its id). */
#define L2C "cookie=0xf5e0000101d1f2a1"  /* L2 flows of EX_NET. */
#define L2C0 "cookie=0xf5e0000100000000" /* L2 flows of no one network. */
#define PSC "cookie=0xf5e0000401d1f2a1"  /* Port security of EX_NET. */
#define SFC "cookie=0xf5e0000200000001"  /* Path id 1. */
#define FC_KEY "/flowsteer/v1/flow_classifiers/" EX_FC1
#define PC_KEY "/flowsteer/v1/port_chains/" EX_PC1
#define PP_KEY(N) "/flowsteer/v1/port_pairs/" EX_PP(N)
#define PORT_KEY(ID) "/flowsteer/v1/ports/" ID

/* The example, its chain allocated path id 1, and every port plugged. */
struct world {
    struct fs_model *model;
    struct fs_local_facts facts;
};

static void world_init(struct world *w)
{
    w->model = fs_model_create();
    assert_int_equal(fixture_load_example(w->model, "json"), 16);
    fixture_put(w->model, FS_KEYS_CHAIN_PATHS EX_PC1, "1");
    fixture_put(w->model, FS_KEYS_PATH_IDS "1", EX_PC1);
    fs_local_facts_init(&w->facts);
    static const char *const ids[] = {EX_SRC,  EX_DST,  EX_P(1), EX_P(2),
                                      EX_P(3), EX_P(4), EX_P(5), EX_P(6)};
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        simap_put(&w->facts.ofports, ids[i], OF_SRC + i);
    }
}

static void world_destroy(struct world *w)
{
    fs_model_destroy(w->model);
    fs_local_facts_destroy(&w->facts);
}

/* Renders node1's desired set; every resource must have been accepted. */
static struct fs_desired *render(struct world *w)
{
    struct fs_snapshot *s = fs_snapshot_build(w->model);
    for (size_t i = 0; i < s->errors.n; i++) {
        print_error("unexpected: %s %s %s\n", s->errors.items[i].key,
                    s->errors.items[i].path, s->errors.items[i].message);
    }
    assert_int_equal(s->errors.n, 0);
    struct fs_desired *d = fs_render(s, &node1, &w->facts);
    fs_snapshot_destroy(s);
    return d;
}

/* Every flow and group as ovs-ofctl text, in order, one per line. */
static char *dump(const struct fs_desired *d)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < d->n_flows; i++) {
        char *t = fs_flow_to_string(&d->flows[i]);
        ds_put_format(&s, "%s\n", t);
        free(t);
    }
    for (size_t i = 0; i < d->n_groups; i++) {
        char *t = fs_group_to_string(&d->groups[i]);
        ds_put_format(&s, "%s\n", t);
        free(t);
    }
    return ds_steal_cstr(&s);
}

/* Asserts that 'line' is one of the lines of 'd'. */
#define assert_has(D, LINE) assert_has_(D, LINE, true)
#define assert_lacks(D, LINE) assert_has_(D, LINE, false)
static void assert_has_(const struct fs_desired *d, const char *line, bool want)
{
    char *all = dump(d);
    /* A flow as a person writes it ("reg6=3"), printed as dump() prints
     * it ("reg6=0x3"); a group as it is. */
    struct fs_flow f;
    char *error = fs_flow_parse(&f, line);
    char *canon = error ? xstrdup(line) : fs_flow_to_string(&f);
    if (!error) {
        fs_flow_destroy(&f);
    }
    free(error);
    char *needle = xasprintf("\n%s\n", canon);
    free(canon);
    char *hay = xasprintf("\n%s", all);
    bool found = strstr(hay, needle) != NULL;
    if (found != want) {
        print_error("%s:\n  %s\nin:\n%s", want ? "missing" : "unexpected", line,
                    all);
    }
    free(needle);
    free(hay);
    free(all);
    assert_true(found == want);
}

/* Number of flows in 'table' whose match has 'text' (rc_count_flows()). */
static size_t count_flows(const struct fs_desired *d, int table,
                          const char *text)
{
    return rc_count_flows(d, table, text);
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

static void assert_all_parse(const struct fs_desired *);

static void test_base_pipeline(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    assert_int_equal(d->revision, 100);
    assert_int_equal(d->notes.n, 0);
    /* Table 0: every local port, SF ports included, to port security. */
    assert_has(d,
               "table=0,priority=100," L2C ",in_port=1,actions=set_field:" NET
               "->metadata,set_field:1->reg6,goto_table:1");
    assert_has(d,
               "table=0,priority=100," L2C ",in_port=8,actions=set_field:" NET
               "->metadata,set_field:8->reg6,goto_table:1");
    assert_int_equal(count_flows(d, 0, "in_port="), 8);
    /* Table 1: SF ports are exempt from port security. */
    assert_has(d, "table=1,priority=100," PSC ",reg6=3,actions=goto_table:10");
    assert_has(d, "table=1,priority=100," PSC ",reg6=8,actions=goto_table:10");
    assert_int_equal(count_flows(d, 1, "reg6=3"), 1);
    /* Table 10: SF ports are no L2 members; everything else goes to L2. */
    assert_has(d, "table=10,priority=10," L2C ",reg6=3,actions=drop");
    assert_has(d, "table=10,priority=10," L2C ",reg6=8,actions=drop");
    assert_lacks(d, "table=10,priority=10," L2C ",reg6=1,actions=drop");
    assert_has(d, "table=10,priority=0," L2C0 ",actions=goto_table:55");
    /* Table 55 and 75: only src and dst. */
    assert_has(d, "table=55,priority=100," L2C ",metadata=" NET
                  ",dl_dst=fa:16:3e:00:00:a1,actions=set_field:1->reg7,"
                  "goto_table:75");
    assert_has(d, "table=55,priority=100," L2C ",metadata=" NET
                  ",dl_dst=fa:16:3e:00:00:a2,actions=set_field:2->reg7,"
                  "goto_table:75");
    assert_has(d, "table=55,priority=90," L2C ",metadata=" NET
                  ",dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,"
                  "actions=output:1,output:2");
    assert_int_equal(count_flows(d, 55, ""), 3);
    assert_int_equal(count_flows(d, 56, ""), 0); /* Small: no chunks. */
    assert_has(d, "table=75,priority=100," L2C ",reg7=1,actions=output:1");
    assert_has(d, "table=75,priority=100," L2C ",reg7=2,actions=output:2");
    assert_int_equal(count_flows(d, 75, ""), 2);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* The example chain: FC1 (tcp 22.1.20.1:23 -> 172.4.5.6:100 from src), PG1
 * = {PP1, PP2} (proxy), PG2 = {PP3} (proxy); label 511 then 510. */
static void test_example_chain(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    const char *cls = "ip,nw_proto=6,nw_src=22.1.20.1/32,"
                      "nw_dst=172.4.5.6/32,tcp_src=23,tcp_dst=100";
    char *line;
    /* Classifier on the logical source port. */
    line = xasprintf("table=10,priority=100," SFC ",reg6=1,%s,"
                     "actions=set_field:511->reg5,goto_table:15",
                     cls);
    assert_has(d, line);
    free(line);
    /* PG1: a select group hashing on the 5-tuple, one bucket per pair. */
    assert_has(d, "table=15,priority=100," SFC
                  ",reg5=511,actions=group:4110418431");
    assert_has(d, "group_id=4110418431,type=select,selection_method=hash,"
                  "fields(ip_src,ip_dst,nw_proto,tcp_src,tcp_dst,udp_src,"
                  "udp_dst),bucket=bucket_id:0,weight:1,actions=output:3,"
                  "bucket=bucket_id:1,weight:1,actions=output:5");
    assert_int_equal(d->n_groups, 1);
    assert_int_equal(d->groups[0].group_id, FS_GROUP_BASE | 511);
    /* PG2: one proxy pair, no group. */
    assert_has(d, "table=15,priority=100," SFC ",reg5=510,actions=output:7");
    /* Re-classification on PP1's and PP2's egress toward PG2. */
    line = xasprintf("table=10,priority=100," SFC ",reg6=4,%s,"
                     "actions=set_field:510->reg5,goto_table:15",
                     cls);
    assert_has(d, line);
    free(line);
    line = xasprintf("table=10,priority=100," SFC ",reg6=6,%s,"
                     "actions=set_field:510->reg5,goto_table:15",
                     cls);
    assert_has(d, line);
    free(line);
    /* After PP3: no logical destination port, so L2. */
    line = xasprintf("table=10,priority=100," SFC ",reg6=8,%s,"
                     "actions=goto_table:55",
                     cls);
    assert_has(d, line);
    free(line);
    /* Nothing re-classified on SF ingress ports. */
    assert_int_equal(count_flows(d, 10, "reg6=3,ip"), 0);
    assert_int_equal(count_flows(d, 10, "reg6=5,ip"), 0);
    assert_int_equal(count_flows(d, 10, "reg6=7,ip"), 0);
    assert_int_equal(count_flows(d, 10, "tcp"), 4);
    assert_int_equal(count_flows(d, 15, ""), 2);
    fs_desired_destroy(d);
    world_destroy(&w);
}

static void put_classifier(struct world *w, const char *fields)
{
    char *v = xasprintf("{\"flow_classifier\": {\"id\": \"" EX_FC1
                        "\", \"logical_source_port\": \"" EX_SRC "\", %s}}",
                        fields);
    fixture_put(w->model, FC_KEY, v);
    free(v);
}

/* Collects the masks of render_port_masks() as one comma-joined string. */
/* The blocks of [min, max] as match text: ",tcp_src=23" for an exact
 * port, ",tcp_src=0x16/0xfffe" for a block, "" for any port. */
static char *masks(int min, int max)
{
    struct render_port_mask blocks[RENDER_PORT_MASKS_MAX];
    size_t n = render_port_blocks(min, max, blocks);
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n; i++) {
        const struct render_port_mask *m = &blocks[i];
        if (m->mask == 0xffff) {
            ds_put_format(&s, ",tcp_src=%u", m->value);
        } else if (m->mask) {
            ds_put_format(&s, ",tcp_src=0x%x/0x%x", m->value, m->mask);
        }
    }
    return ds_steal_cstr(&s);
}

static void assert_masks(int min, int max, const char *want)
{
    char *got = masks(min, max);
    assert_string_equal(got, want);
    free(got);
}

static void test_port_masks(void **state)
{
    assert_masks(23, 23, ",tcp_src=23");
    assert_masks(22, 23, ",tcp_src=0x16/0xfffe");
    assert_masks(-1, -1, "");
    assert_masks(0, 65535, "");
    assert_masks(0, 0, ",tcp_src=0");
    assert_masks(65535, 65535, ",tcp_src=65535");
    assert_masks(1024, 65535,
                 ",tcp_src=0x400/0xfc00,tcp_src=0x800/0xf800,"
                 "tcp_src=0x1000/0xf000,tcp_src=0x2000/0xe000,"
                 "tcp_src=0x4000/0xc000,tcp_src=0x8000/0x8000");
    assert_masks(22, 4000,
                 ",tcp_src=0x16/0xfffe,tcp_src=0x18/0xfff8,tcp_src=0x20/0xffe0,"
                 "tcp_src=0x40/0xffc0,tcp_src=0x80/0xff80,tcp_src=0x100/0xff00,"
                 "tcp_src=0x200/0xfe00,tcp_src=0x400/0xfc00,"
                 "tcp_src=0x800/0xfc00,tcp_src=0xc00/0xfe00,"
                 "tcp_src=0xe00/0xff00,tcp_src=0xf00/0xff80,"
                 "tcp_src=0xf80/0xffe0,tcp_src=4000");

    /* Exact cover, checked port by port for assorted ranges. */
    static const int ranges[][2] = {{1, 65534}, {5, 6},     {80, 8080},
                                    {0, 1},     {333, 777}, {32768, 65535},
                                    {1, 1}};
    for (size_t r = 0; r < ARRAY_SIZE(ranges); r++) {
        struct render_port_mask blocks[RENDER_PORT_MASKS_MAX];
        size_t n = render_port_blocks(ranges[r][0], ranges[r][1], blocks);
        for (int port = 0; port <= 65535; port++) {
            int hits = 0;
            for (size_t i = 0; i < n; i++) {
                hits += (port & blocks[i].mask) == blocks[i].value;
            }
            bool in = port >= ranges[r][0] && port <= ranges[r][1];
            assert_int_equal(hits, in ? 1 : 0);
        }
    }
}

/* Port ranges become several classifier flows (the cross product of source
 * and destination masks), on the source port and on every SF egress. */
static void test_classifier_ranges(void **state)
{
    struct world w;
    world_init(&w);
    put_classifier(&w, "\"protocol\": \"udp\", "
                       "\"source_port_range_min\": 22, "
                       "\"source_port_range_max\": 23, "
                       "\"destination_port_range_min\": 1024, "
                       "\"destination_port_range_max\": 65535, "
                       "\"destination_ip_prefix\": \"10.0.0.0/8\"");
    struct fs_desired *d = render(&w);
    assert_has(d, "table=10,priority=100," SFC ",reg6=1,ip,nw_proto=17,"
                  "nw_dst=10.0.0.0/8,udp_src=0x16/0xfffe,"
                  "udp_dst=0x8000/0x8000,actions=set_field:511->reg5,"
                  "goto_table:15");
    assert_has(d, "table=10,priority=100," SFC ",reg6=8,ip,nw_proto=17,"
                  "nw_dst=10.0.0.0/8,udp_src=0x16/0xfffe,"
                  "udp_dst=0x400/0xfc00,actions=goto_table:55");
    assert_int_equal(count_flows(d, 10, "reg6=1,ip"), 6);
    assert_int_equal(count_flows(d, 10, "reg6=4,ip"), 6);
    assert_int_equal(count_flows(d, 10, "udp"), 6 * 4);
    fs_desired_destroy(d);

    /* IPv6, any port: one flow, ipv6 field names, IPv6 hash fields. */
    put_classifier(&w, "\"ethertype\": \"IPv6\", "
                       "\"source_ip_prefix\": \"2001:db8::/32\"");
    d = render(&w);
    assert_has(d, "table=10,priority=100," SFC ",reg6=1,ipv6,"
                  "ipv6_src=2001:db8::/32,actions=set_field:511->reg5,"
                  "goto_table:15");
    assert_int_equal(count_flows(d, 10, "reg6=1,ipv6"), 1);
    assert_non_null(
        strstr(d->groups[0].spec, "fields(ipv6_src,ipv6_dst,nw_proto,"));
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* lb_fields choose the hash fields; weights go to the buckets. */
static void test_lb_fields_and_weights(void **state)
{
    struct world w;
    world_init(&w);
    fixture_put(w.model, "/flowsteer/v1/port_pair_groups/" EX_PG(1),
                "{\"port_pair_group\": {\"id\": \"" EX_PG(
                    1) "\", "
                       "\"port_pairs\": [\"" EX_PP(1) "\", \"" EX_PP(
                           2) "\"], "
                              "\"port_pair_group_parameters\": "
                              "{\"lb_fields\": [\"ip_src\", \"tcp_src\"]}}}");
    fixture_put(
        w.model, PP_KEY(2),
        "{\"port_pair\": {\"id\": \"" EX_PP(2) "\", \"ingress\": \"" EX_P(
            3) "\", \"egress\": \"" EX_P(4) "\", "
                                            "\"service_function_parameters\": "
                                            "{\"weight\": 3}}}");
    struct fs_desired *d = render(&w);
    assert_has(d, "group_id=4110418431,type=select,selection_method=hash,"
                  "fields(ip_src,tcp_src),bucket=bucket_id:0,weight:1,"
                  "actions=output:3,bucket=bucket_id:1,weight:3,"
                  "actions=output:5");
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A logical destination port on this node: the last hop delivers to it. */
static void test_final_delivery(void **state)
{
    struct world w;
    world_init(&w);
    put_classifier(&w, "\"protocol\": \"tcp\", "
                       "\"destination_port_range_min\": 80, "
                       "\"logical_destination_port\": \"" EX_DST "\"");
    struct fs_desired *d = render(&w);
    assert_has(d, "table=10,priority=100," SFC ",reg6=8,ip,nw_proto=6,"
                  "tcp_dst=80,actions=set_field:2->reg7,goto_table:75");
    fs_desired_destroy(d);

    /* Destination plugged elsewhere (no ofport here): L2 lookup. */
    simap_find_and_delete(&w.facts.ofports, EX_DST);
    d = render(&w);
    assert_has(d, "table=10,priority=100," SFC ",reg6=8,ip,nw_proto=6,"
                  "tcp_dst=80,actions=goto_table:55");
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Symmetric chain: the reverse path enters from the destination with
 * swapped fields at hop 127, goes PG2 then PG1 (egress -> ingress) and ends
 * at the logical source port. */
static void test_symmetric(void **state)
{
    struct world w;
    world_init(&w);
    put_classifier(&w, "\"protocol\": \"tcp\", "
                       "\"source_ip_prefix\": \"22.1.20.1/32\", "
                       "\"destination_ip_prefix\": \"172.4.5.6/32\", "
                       "\"destination_port_range_min\": 100, "
                       "\"logical_destination_port\": \"" EX_DST "\"");
    fixture_put(w.model, PC_KEY,
                "{\"port_chain\": {\"id\": \"" EX_PC1 "\", "
                "\"port_pair_groups\": [\"" EX_PG(1) "\", \"" EX_PG(
                    2) "\"], "
                       "\"flow_classifiers\": [\"" EX_FC1 "\"], "
                       "\"chain_parameters\": {\"symmetric\": true}}}");
    struct fs_desired *d = render(&w);
    const char *fwd = "ip,nw_proto=6,nw_src=22.1.20.1/32,nw_dst=172.4.5.6/32,"
                      "tcp_dst=100";
    const char *rev = "ip,nw_proto=6,nw_src=172.4.5.6/32,nw_dst=22.1.20.1/32,"
                      "tcp_src=100";
    char *line;
    line = xasprintf("table=10,priority=100," SFC ",reg6=1,%s,actions="
                     "set_field:511->reg5,goto_table:15",
                     fwd);
    assert_has(d, line);
    free(line);
    line = xasprintf("table=10,priority=100," SFC ",reg6=8,%s,actions="
                     "set_field:2->reg7,goto_table:75",
                     fwd);
    assert_has(d, line);
    free(line);
    /* Reverse: (1 << 8) | 127 = 383 for PG2, 382 for PG1. */
    line = xasprintf("table=10,priority=100," SFC ",reg6=2,%s,actions="
                     "set_field:383->reg5,goto_table:15",
                     rev);
    assert_has(d, line);
    free(line);
    assert_has(d, "table=15,priority=100," SFC ",reg5=383,actions=output:8");
    line = xasprintf("table=10,priority=100," SFC ",reg6=7,%s,actions="
                     "set_field:382->reg5,goto_table:15",
                     rev);
    assert_has(d, line);
    free(line);
    assert_has(d, "table=15,priority=100," SFC
                  ",reg5=382,actions=group:4110418302");
    assert_has(d, "group_id=4110418302,type=select,selection_method=hash,"
                  "fields(ip_src,ip_dst,nw_proto,tcp_src,tcp_dst,udp_src,"
                  "udp_dst),bucket=bucket_id:0,weight:1,actions=output:4,"
                  "bucket=bucket_id:1,weight:1,actions=output:6");
    line = xasprintf("table=10,priority=100," SFC ",reg6=3,%s,actions="
                     "set_field:1->reg7,goto_table:75",
                     rev);
    assert_has(d, line);
    free(line);
    line = xasprintf("table=10,priority=100," SFC ",reg6=5,%s,actions="
                     "set_field:1->reg7,goto_table:75",
                     rev);
    assert_has(d, line);
    free(line);
    assert_int_equal(d->n_groups, 2);
    fs_desired_destroy(d);
    world_destroy(&w);
}

static void put_mpls_pair(struct world *w, int n, const char *in,
                          const char *out)
{
    char *key = xasprintf("/flowsteer/v1/port_pairs/3d7a1b22-0000-4000-8000-"
                          "00000000000%d",
                          n);
    char *v = xasprintf("{\"port_pair\": {\"id\": \"3d7a1b22-0000-4000-8000-"
                        "00000000000%d\", \"ingress\": \"%s\", \"egress\": "
                        "\"%s\", \"service_function_parameters\": "
                        "{\"correlation\": \"mpls\"}}}",
                        n, in, out);
    fixture_put(w->model, key, v);
    free(key);
    free(v);
}

/* MPLS-aware pairs: the bucket pushes label (path id << 8 | hop) with TTL =
 * hop index; the SF's egress is recognised by the label and popped. */
static void test_mpls_pairs(void **state)
{
    struct world w;
    world_init(&w);
    put_mpls_pair(&w, 1, EX_P(1), EX_P(2));
    put_mpls_pair(&w, 2, EX_P(3), EX_P(4));
    put_mpls_pair(&w, 3, EX_P(5), EX_P(6));
    struct fs_desired *d = render(&w);
    assert_has(d, "group_id=4110418431,type=select,selection_method=hash,"
                  "fields(ip_src,ip_dst,nw_proto,tcp_src,tcp_dst,udp_src,"
                  "udp_dst),bucket=bucket_id:0,weight:1,actions=push_mpls:"
                  "0x8847,set_field:511->mpls_label,set_field:255->mpls_ttl,"
                  "output:3,bucket=bucket_id:1,weight:1,actions=push_mpls:"
                  "0x8847,set_field:511->mpls_label,set_field:255->mpls_ttl,"
                  "output:5");
    assert_has(d, "table=10,priority=100," SFC ",reg6=4,mpls,mpls_label=511,"
                  "actions=pop_mpls:0x0800,set_field:510->reg5,goto_table:15");
    assert_has(d, "table=10,priority=100," SFC ",reg6=6,mpls,mpls_label=511,"
                  "actions=pop_mpls:0x0800,set_field:510->reg5,goto_table:15");
    assert_has(d, "table=15,priority=100," SFC ",reg5=510,actions=push_mpls:"
                  "0x8847,set_field:510->mpls_label,set_field:254->mpls_ttl,"
                  "output:7");
    assert_has(d, "table=10,priority=100," SFC ",reg6=8,mpls,mpls_label=510,"
                  "actions=pop_mpls:0x0800,goto_table:55");
    /* No classifier-style re-classification on MPLS-aware egress ports. */
    assert_int_equal(count_flows(d, 10, "reg6=4,ip"), 0);
    assert_int_equal(count_flows(d, 10, "mpls_label"), 3);
    fs_desired_destroy(d);

    /* IPv6 chain: the pop restores the IPv6 ethertype. */
    put_classifier(&w, "\"ethertype\": \"IPv6\", \"protocol\": \"udp\"");
    d = render(&w);
    assert_has(d, "table=10,priority=100," SFC ",reg6=8,mpls,mpls_label=510,"
                  "actions=pop_mpls:0x86dd,goto_table:55");
    assert_has(d, "table=10,priority=100," SFC ",reg6=1,ipv6,nw_proto=17,"
                  "actions=set_field:511->reg5,goto_table:15");
    assert_all_parse(d);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* With several classifiers, an MPLS-aware last hop (one flow per label)
 * delivers to their common destination, or to L2 when they differ. */
static void test_mpls_last_hop_classifiers(void **state)
{
    struct world w;
    world_init(&w);
    put_mpls_pair(&w, 3, EX_P(5), EX_P(6));
    put_classifier(&w, "\"protocol\": \"tcp\", "
                       "\"destination_port_range_min\": 80, "
                       "\"logical_destination_port\": \"" EX_DST "\"");
    fixture_put(w.model, "/flowsteer/v1/flow_classifiers/fc2",
                "{\"flow_classifier\": {\"protocol\": \"tcp\", "
                "\"destination_port_range_min\": 443, "
                "\"logical_source_port\": \"" EX_SRC "\", "
                "\"logical_destination_port\": \"" EX_DST "\"}}");
    fixture_put(w.model, PC_KEY,
                "{\"port_chain\": {\"id\": \"" EX_PC1 "\", "
                "\"port_pair_groups\": [\"" EX_PG(1) "\", \"" EX_PG(
                    2) "\"], "
                       "\"flow_classifiers\": [\"" EX_FC1 "\", \"fc2\"]}}");
    struct fs_desired *d = render(&w);
    assert_has(d, "table=10,priority=100," SFC ",reg6=8,mpls,mpls_label=510,"
                  "actions=pop_mpls:0x0800,set_field:2->reg7,goto_table:75");
    assert_int_equal(count_flows(d, 10, "reg6=1,ip"), 2);
    assert_int_equal(count_flows(d, 10, "reg6=4,ip"), 2);
    fs_desired_destroy(d);

    fixture_put(w.model, "/flowsteer/v1/flow_classifiers/fc2",
                "{\"flow_classifier\": {\"protocol\": \"tcp\", "
                "\"destination_port_range_min\": 443, "
                "\"logical_source_port\": \"" EX_SRC "\"}}");
    d = render(&w);
    assert_has(d, "table=10,priority=100," SFC ",reg6=8,mpls,mpls_label=510,"
                  "actions=pop_mpls:0x0800,goto_table:55");
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Re-binds example port 'id' (of VM 'device') to chassis 'host'. */
static void bind_port(struct world *w, const char *id, const char *mac,
                      const char *device, const char *host)
{
    char *key = xasprintf("/flowsteer/v1/ports/%s", id);
    char *v = xasprintf("{\"port\": {\"id\": \"%s\", \"device_id\": \"%s\", "
                        "\"network_id\": \"" EX_NET "\", \"mac_address\": "
                        "\"%s\", \"binding:host_id\": \"%s\"}}",
                        id, device, mac, host);
    fixture_put(w->model, key, v);
    free(key);
    free(v);
}

/* A pair on another chassis: the other pair of its group still serves;
 * a group with no pair here stops the chain, with notes naming the chain
 * and the hop. */
static void test_remote_hops(void **state)
{
    struct world w;
    world_init(&w);
    bind_port(&w, EX_P(3), "fa:16:3e:00:00:03", "vm2", "node2");
    bind_port(&w, EX_P(4), "fa:16:3e:00:00:04", "vm2", "node2");
    struct fs_desired *d = render(&w);
    assert_has(d, "table=15,priority=100," SFC ",reg5=511,actions=output:3");
    assert_int_equal(d->n_groups, 0);
    assert_int_equal(count_flows(d, 0, "in_port=5"), 0);
    const struct fs_error *e =
        find_note(d, PC_KEY, "$.port_chain.port_pair_groups[0]");
    assert_non_null(e);
    assert_non_null(strstr(e->message, EX_PP(2)));
    assert_non_null(strstr(e->message, "node2"));
    assert_non_null(strstr(e->message, "no tunnel"));
    /* And that neither chassis has a tunnel endpoint (no chassis
     * documents). */
    assert_int_equal(d->notes.n, 2);
    fs_desired_destroy(d);

    bind_port(&w, EX_P(5), "fa:16:3e:00:00:05", "vm3", "node2");
    bind_port(&w, EX_P(6), "fa:16:3e:00:00:06", "vm3", "node2");
    d = render(&w);
    assert_int_equal(count_flows(d, 15, ""), 0);
    assert_int_equal(count_flows(d, 10, "ip"), 0);
    assert_int_equal(d->n_groups, 0);
    e = find_note(d, PC_KEY, "$.port_chain.port_pair_groups[1]");
    assert_non_null(e);
    assert_non_null(strstr(e->message, EX_PP(3)));
    assert_non_null(strstr(e->message, "chassis \"node2\""));
    /* PP2, PP3, PG2 has no pair, no tunnel endpoint here. */
    assert_int_equal(d->notes.n, 4);
    /* The base pipeline is still there. */
    assert_has(d, "table=10,priority=0," L2C0 ",actions=goto_table:55");
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Ports without an ofport (not plugged yet) render nothing; a chain whose
 * source is not here renders nothing and needs no note. */
static void test_unplugged_ports(void **state)
{
    struct world w;
    world_init(&w);
    simap_find_and_delete(&w.facts.ofports, EX_P(5));
    struct fs_desired *d = render(&w);
    assert_int_equal(count_flows(d, 0, "in_port=7"), 0);
    assert_int_equal(count_flows(d, 10, "reg6=7"), 0);
    assert_int_equal(count_flows(d, 15, ""), 0);
    assert_non_null(find_note(d, PC_KEY, "$.port_chain.port_pair_groups[1]"));
    fs_desired_destroy(d);

    simap_find_and_delete(&w.facts.ofports, EX_SRC);
    d = render(&w);
    assert_int_equal(count_flows(d, 0, "in_port=1"), 0);
    assert_int_equal(count_flows(d, 55, "fa:16:3e:00:00:a1"), 0);
    assert_int_equal(count_flows(d, 10, "ip"), 0);
    assert_int_equal(d->notes.n, 0);
    fs_desired_destroy(d);

    /* Nothing plugged: nothing at all (not even table 10's default). */
    simap_clear(&w.facts.ofports);
    d = render(&w);
    assert_int_equal(d->n_flows, 0);
    assert_int_equal(d->n_groups, 0);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* A chain waiting for its path id renders no chain flows. */
static void test_pending_chain(void **state)
{
    struct world w;
    world_init(&w);
    fixture_delete(w.model, FS_KEYS_CHAIN_PATHS EX_PC1);
    fixture_delete(w.model, FS_KEYS_PATH_IDS "1");
    struct fs_desired *d = render(&w);
    assert_int_equal(count_flows(d, 15, ""), 0);
    assert_int_equal(count_flows(d, 10, "ip"), 0);
    assert_int_equal(d->n_groups, 0);
    assert_int_equal(count_flows(d, 0, ""), 8);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* Same inputs, same output; YAML and JSON manifests render alike; flows are
 * sorted and no (table, priority, match) appears twice. */
static void test_deterministic(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *a = render(&w), *b = render(&w);
    char *da = dump(a), *db = dump(b);
    assert_string_equal(da, db);

    struct fs_model *my = fs_model_create();
    fixture_load_example(my, "yaml");
    fixture_put(my, FS_KEYS_CHAIN_PATHS EX_PC1, "1");
    fixture_put(my, FS_KEYS_PATH_IDS "1", EX_PC1);
    struct fs_snapshot *s = fs_snapshot_build(my);
    struct fs_desired *c = fs_render(s, &node1, &w.facts);
    char *dc = dump(c);
    assert_string_equal(da, dc);

    for (size_t i = 1; i < a->n_flows; i++) {
        assert_true(fs_flow_compare(&a->flows[i - 1], &a->flows[i]) < 0);
    }
    for (size_t i = 1; i < a->n_groups; i++) {
        assert_true(a->groups[i - 1].group_id < a->groups[i].group_id);
    }
    free(da);
    free(db);
    free(dc);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
    fs_desired_destroy(c);
    fs_snapshot_destroy(s);
    fs_model_destroy(my);
    world_destroy(&w);
}

/* Finds two network ids whose 24-bit hashes collide, a < b. */
static void colliding_ids(char **a, char **b)
{
    struct shash seen = SHASH_INITIALIZER(&seen);
    for (int i = 0;; i++) {
        char *id = xasprintf("net-%06d", i);
        char *low = xasprintf("%x", hash_string(id, 0) & 0xffffff);
        const char *other = shash_find_data(&seen, low);
        if (other) {
            *a = xstrdup(other);
            *b = id;
            free(low);
            break;
        }
        shash_add_nocopy(&seen, low, id);
    }
    shash_destroy_free_data(&seen);
}

/* Network keys: 0x1000000 | 24 hash bits; on collision the smaller id keeps
 * its key and the other probes to the next free one. */
static void test_network_key_collision(void **state)
{
    char *a, *b;
    colliding_ids(&a, &b);
    struct fs_model *m = fs_model_create();
    const char *ids[2] = {b, a};
    for (int i = 0; i < 2; i++) {
        char *key = xasprintf("/flowsteer/v1/networks/%s", ids[i]);
        char *v = xasprintf("{\"id\": \"%s\"}", ids[i]);
        fixture_put(m, key, v);
        free(key);
        free(v);
        key = xasprintf("/flowsteer/v1/ports/port-%d", i);
        v = xasprintf("{\"id\": \"port-%d\", \"network_id\": \"%s\", "
                      "\"binding:host_id\": \"node1\"}",
                      i, ids[i]);
        fixture_put(m, key, v);
        free(key);
        free(v);
    }
    struct fs_local_facts f;
    fs_local_facts_init(&f);
    simap_put(&f.ofports, "port-0", 10); /* On network b. */
    simap_put(&f.ofports, "port-1", 11); /* On network a. */
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 0);
    struct fs_desired *d = fs_render(s, &node1, &f);
    uint32_t base = 0x1000000 | (hash_string(a, 0) & 0xffffff);
    uint32_t next = 0x1000000 | ((base + 1) & 0xffffff);
    char *want_a = xasprintf("set_field:0x%" PRIx32 "->metadata,set_field:11"
                             "->reg6,goto_table:1",
                             base);
    char *want_b = xasprintf("set_field:0x%" PRIx32 "->metadata,set_field:10"
                             "->reg6,goto_table:1",
                             next);
    assert_int_equal(d->n_flows >= 2, true);
    size_t n10 = 0, n11 = 0;
    for (size_t i = 0; i < d->n_flows; i++) {
        const struct fs_flow *f = &d->flows[i];
        if (f->table_id == 0 && rc_match_has(f, "in_port=10")) {
            assert_true(rc_actions_are(f, want_b));
            n10++;
        } else if (f->table_id == 0 && rc_match_has(f, "in_port=11")) {
            assert_true(rc_actions_are(f, want_a));
            n11++;
        }
    }
    assert_int_equal(n10, 1);
    assert_int_equal(n11, 1);
    free(want_a);
    free(want_b);
    free(a);
    free(b);
    fs_desired_destroy(d);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
    fs_local_facts_destroy(&f);
}

/* Every flow parses as an OpenFlow 1.5 flow mod and every group as a group
 * mod (libopenvswitch checks prerequisites and action consistency, e.g.
 * pop_mpls only on MPLS packets); group actions name rendered groups. */
static void assert_all_parse(const struct fs_desired *d)
{
    for (size_t i = 0; i < d->n_flows; i++) {
        char *text = fs_flow_to_string(&d->flows[i]);
        struct ofputil_flow_mod fm;
        enum ofputil_protocol usable;
        char *error =
            parse_ofp_flow_mod_str(&fm, text, NULL, NULL, OFPFC_ADD, &usable);
        if (error) {
            print_error("%s: %s\n", text, error);
        }
        assert_null(error);
        assert_true(usable & OFPUTIL_P_OF15_OXM);
        assert_int_equal(ntohll(fm.new_cookie), d->flows[i].cookie);
        free(CONST_CAST(struct ofpact *, fm.ofpacts));
        minimatch_destroy(&fm.match);
        const char *g = strstr(text, "group:");
        if (g) {
            uint32_t gid = strtoul(g + 6, NULL, 10);
            bool found = false;
            for (size_t k = 0; k < d->n_groups; k++) {
                found |= d->groups[k].group_id == gid;
            }
            assert_true(found);
        }
        free(text);
    }
    for (size_t i = 0; i < d->n_groups; i++) {
        char *text = fs_group_to_string(&d->groups[i]);
        struct ofputil_group_mod gm;
        enum ofputil_protocol usable;
        char *error = parse_ofp_group_mod_str(&gm, OFPGC15_ADD, text, NULL,
                                              NULL, &usable);
        if (error) {
            print_error("%s: %s\n", text, error);
        }
        assert_null(error);
        assert_true(usable & OFPUTIL_P_OF15_OXM);
        assert_int_equal(gm.group_id, d->groups[i].group_id);
        assert_true(gm.group_id >= FS_GROUP_BASE &&
                    gm.group_id < FS_GROUP_BASE + FS_GROUP_SPAN);
        ofputil_uninit_group_mod(&gm);
        free(text);
    }
}

static void test_everything_parses(void **state)
{
    struct world w;
    world_init(&w);
    struct fs_desired *d = render(&w);
    assert_all_parse(d);
    fs_desired_destroy(d);

    put_mpls_pair(&w, 1, EX_P(1), EX_P(2));
    put_mpls_pair(&w, 2, EX_P(3), EX_P(4));
    put_classifier(&w, "\"protocol\": \"tcp\", "
                       "\"source_port_range_min\": 22, "
                       "\"source_port_range_max\": 4000, "
                       "\"logical_destination_port\": \"" EX_DST "\"");
    fixture_put(w.model, PC_KEY,
                "{\"port_chain\": {\"id\": \"" EX_PC1 "\", "
                "\"port_pair_groups\": [\"" EX_PG(2) "\", \"" EX_PG(
                    1) "\"], "
                       "\"flow_classifiers\": [\"" EX_FC1 "\"], "
                       "\"chain_parameters\": {\"symmetric\": true}}}");
    d = render(&w);
    assert_int_equal(count_flows(d, 10, "reg6=1,ip"), 14);
    assert_int_equal(d->n_groups, 2);
    assert_all_parse(d);
    fs_desired_destroy(d);
    world_destroy(&w);
}

static void test_facts_helpers(void **state)
{
    struct fs_local_facts a, b;
    fs_local_facts_init(&a);
    fs_local_facts_init(&b);
    assert_true(fs_local_facts_equal(&a, &b));
    simap_put(&a.ofports, "x", 3);
    assert_false(fs_local_facts_equal(&a, &b));
    simap_put(&b.ofports, "stale", 9);
    fs_local_facts_clone(&b, &a);
    assert_true(fs_local_facts_equal(&a, &b));
    assert_int_equal(simap_get(&b.ofports, "x"), 3);
    assert_null(simap_find(&b.ofports, "stale"));
    simap_put(&b.ofports, "x", 4);
    assert_false(fs_local_facts_equal(&a, &b));
    fs_local_facts_destroy(&a);
    fs_local_facts_destroy(&b);

    struct fs_flow f;
    assert_null(fs_flow_parse(&f,
                              "table=10,priority=0,cookie=0xf5e0000100000000,"
                              "actions=goto_table:55"));
    char *t = fs_flow_to_string(&f);
    assert_string_equal(t, "table=10,priority=0,cookie=0xf5e0000100000000,"
                           "actions=goto_table:55");
    free(t);
    fs_flow_destroy(&f);
    fs_desired_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_pipeline),
        cmocka_unit_test(test_example_chain),
        cmocka_unit_test(test_port_masks),
        cmocka_unit_test(test_classifier_ranges),
        cmocka_unit_test(test_lb_fields_and_weights),
        cmocka_unit_test(test_final_delivery),
        cmocka_unit_test(test_symmetric),
        cmocka_unit_test(test_mpls_pairs),
        cmocka_unit_test(test_mpls_last_hop_classifiers),
        cmocka_unit_test(test_remote_hops),
        cmocka_unit_test(test_unplugged_ports),
        cmocka_unit_test(test_pending_chain),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_network_key_collision),
        cmocka_unit_test(test_everything_parses),
        cmocka_unit_test(test_facts_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

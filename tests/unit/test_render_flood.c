/* Unit tests for flooding in large networks (issue 9): a network with
 * 4,000 local ports on one node.  Its flood used to be one table 55 flow
 * listing every port, too big for OpenFlow ("input too big"); now the
 * flood outputs to the ports directly and, beyond FS_FLOOD_CHUNK ports,
 * resubmits chunk after chunk to table 56 (render/pipeline.h).  Checked
 * here: every rendered flow parses with libopenvswitch and its OpenFlow 1.5
 * flow mod fits in a bundle add message; the chunks together output to
 * every flood port exactly once, in port id order; SF ports take no part;
 * small networks (up to FS_FLOOD_CHUNK ports) keep one flood flow; the
 * chunk flows carry the network's cookie; the reconciler's diff accepts
 * the whole set.  tests/integration/test_flood_scale.sh runs the same
 * network on a real ovs-vswitchd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>

#include "fixtures.h"
#include "flow.h"
#include "hash.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "reconciler/ovs/flowtable.h"
#include "reconciler/ovs/ofbridge.h"
#include "render/internal.h"
#include "render/render.h"
#include "render_check.h"

#define KEY(KIND, ID) "/flowsteer/v1/" KIND "/" ID
#define PATCH 9000    /* ofport of fsi-physnet1, net-big's uplink. */
#define SMALL_OF 8000 /* First ofport of net-small's ports. */
#define SF_IN 7001    /* ofports of the port pair's ports (net-big). */
#define SF_OUT 7002
#define BIG 4000 /* Flood ports of net-big in the big test. */

/* An OpenFlow 1.5 flow mod travels inside a bundle add message (header 8,
 * bundle id 4, flags 2, pad 2): at most this many bytes. */
#define MAX_FLOW_MOD (UINT16_MAX - 16)

struct world {
    struct fs_model *model;
    struct fs_local_facts facts;
    struct fs_render_node node;
    size_t n;     /* Flood ports of net-big. */
    int *ofports; /* Their ofports, in port id order. */
};

static void put(struct world *w, const char *key, const char *value)
{
    fixture_put(w->model, key, value);
}

static void put_port(struct world *w, const char *id, const char *net,
                     unsigned int mac, int ofport)
{
    char *key = xasprintf(KEY("ports", "%s"), id);
    char *v =
        xasprintf("{\"port\": {\"id\": \"%s\", \"network_id\": \"%s\", "
                  "\"binding:host_id\": \"node1\", \"mac_address\": "
                  "\"fa:16:3e:%02x:%02x:%02x\"}}",
                  id, net, (mac >> 16) & 0xff, (mac >> 8) & 0xff, mac & 0xff);
    put(w, key, v);
    simap_put(&w->facts.ofports, id, ofport);
    free(key);
    free(v);
}

/* net-big: VLAN 100 on physnet1 (an uplink: the flood's egress) with 'n'
 * flood ports port-0001... whose ofports are a permutation of 1..n (so
 * that port id order is not ofport order), plus the two ports of a port
 * pair and a port on another chassis, neither flooded to; net-small:
 * VXLAN (no egress) with two ports. */
static void world_init__(struct world *w, size_t n, bool reverse)
{
    w->model = fs_model_create();
    fs_local_facts_init(&w->facts);
    w->n = n;
    w->ofports = xcalloc(n, sizeof *w->ofports);
    put(w, KEY("networks", "net-big"),
        "{\"network\": {\"id\": \"net-big\", \"provider:network_type\": "
        "\"vlan\", \"provider:physical_network\": \"physnet1\", "
        "\"provider:segmentation_id\": 100}}");
    put(w, KEY("networks", "net-small"),
        "{\"network\": {\"id\": \"net-small\", \"provider:network_type\": "
        "\"vxlan\", \"provider:segmentation_id\": 5000}}");
    size_t step = n % 7919 ? 7919 : 7927; /* Prime, coprime with n. */
    for (size_t k = 0; k < n; k++) {
        size_t i = reverse ? n - 1 - k : k;
        char id[32];
        snprintf(id, sizeof id, "port-%04" PRIuSIZE, i + 1);
        w->ofports[i] = (int)(i * step % n) + 1;
        put_port(w, id, "net-big", i + 1, w->ofports[i]);
    }
    put_port(w, "sf-in", "net-big", 0x100001, SF_IN);
    put_port(w, "sf-out", "net-big", 0x100002, SF_OUT);
    put(w, KEY("port_pairs", "pp"),
        "{\"port_pair\": {\"id\": \"pp\", \"ingress\": \"sf-in\", "
        "\"egress\": \"sf-out\"}}");
    put(w, KEY("ports", "remote"),
        "{\"port\": {\"id\": \"remote\", \"network_id\": \"net-big\", "
        "\"binding:host_id\": \"node2\", \"mac_address\": "
        "\"fa:16:3e:20:00:01\"}}");
    put_port(w, "small-1", "net-small", 0x300001, SMALL_OF);
    put_port(w, "small-2", "net-small", 0x300002, SMALL_OF + 1);
    put(w, KEY("chassis", "node1"),
        "{\"chassis\": {\"id\": \"node1\", \"ip\": \"192.0.2.1\", "
        "\"bridge_mappings\": \"physnet1:br-phys\"}}");
    simap_put(&w->facts.owned_ofports, "fsi-physnet1", PATCH);
    sset_add(&w->facts.bridges, "br-int");
    sset_add(&w->facts.bridges, "br-phys");
    fs_model_set_revision(w->model, 300);
    w->node = (struct fs_render_node){.name = "node1",
                                      .integration_bridge = "br-int"};
}

static void world_init(struct world *w, size_t n)
{
    world_init__(w, n, false);
}

static void world_destroy(struct world *w)
{
    fs_model_destroy(w->model);
    fs_local_facts_destroy(&w->facts);
    free(w->ofports);
}

static struct fs_desired *render(struct world *w)
{
    struct fs_snapshot *s = fs_snapshot_build(w->model);
    for (size_t i = 0; i < s->errors.n; i++) {
        print_error("unexpected: %s %s %s\n", s->errors.items[i].key,
                    s->errors.items[i].path, s->errors.items[i].message);
    }
    assert_int_equal(s->errors.n, 0);
    struct fs_desired *d = fs_render(s, &w->node, &w->facts);
    fs_snapshot_destroy(s);
    assert_int_equal(d->notes.n, 0);
    return d;
}

/* Network key as render/ assigns it (no collisions among these ids). */
static uint64_t net_key(const char *id)
{
    return 0x1000000 | (hash_string(id, 0) & 0xffffff);
}

/* Parses 'f' as ovs-ofctl would (the reconciler does the same); the
 * caller frees fm->ofpacts and destroys fm->match. */
static void parse_flow(const struct fs_flow *f, struct ofputil_flow_mod *fm)
{
    char *text = fs_flow_to_string(f);
    enum ofputil_protocol usable;
    char *error =
        parse_ofp_flow_mod_str(fm, text, NULL, NULL, OFPFC_ADD, &usable);
    if (error) {
        print_error("%.200s...: %s\n", text, error);
    }
    assert_null(error);
    assert_true(usable & OFPUTIL_P_OF15_OXM);
    free(text);
}

static void free_flow_mod(struct ofputil_flow_mod *fm)
{
    free(CONST_CAST(struct ofpact *, fm->ofpacts));
    minimatch_destroy(&fm->match);
}

/* Every flow parses, and its OpenFlow 1.5 flow mod fits in a bundle add;
 * returns the largest flow mod's size. */
static size_t assert_all_fit(const struct fs_desired *d)
{
    size_t max = 0;
    for (size_t i = 0; i < d->n_flows; i++) {
        struct ofputil_flow_mod fm;
        parse_flow(&d->flows[i], &fm);
        struct ofpbuf *msg = ofputil_encode_flow_mod(&fm, OFPUTIL_P_OF15_OXM);
        if (msg->size > MAX_FLOW_MOD) {
            char *m = rc_match(&d->flows[i]);
            print_error("table %u priority %u %s: %" PRIu32 " bytes\n",
                        d->flows[i].table_id, d->flows[i].priority, m,
                        msg->size);
            free(m);
        }
        assert_true(msg->size <= MAX_FLOW_MOD);
        max = MAX(max, msg->size);
        ofpbuf_delete(msg);
        free_flow_mod(&fm);
    }
    return max;
}

/* Appends the ports of the output actions of 'f' to 'out' (an array of
 * 'n' with room for 'cap'); every action of 'f' must be an output. */
static void collect_outputs(const struct fs_flow *f, int *out, size_t *n,
                            size_t cap)
{
    struct ofputil_flow_mod fm;
    parse_flow(f, &fm);
    const struct ofpact *a;
    OFPACT_FOR_EACH(a, fm.ofpacts, fm.ofpacts_len)
    {
        assert_int_equal(a->type, OFPACT_OUTPUT);
        assert_true(*n < cap);
        out[(*n)++] = ofp_to_u16(ofpact_get_OUTPUT(a)->port);
    }
    free_flow_mod(&fm);
}

/* Returns the flow of 'd' with this table, priority and match (ovs-ofctl
 * text, any spelling), or NULL. */
static const struct fs_flow *find_flow(const struct fs_desired *d, int table,
                                       int priority, const char *match)
{
    char *text = xasprintf("table=%d,priority=%d,%s,actions=drop", table,
                           priority, match);
    struct fs_flow key;
    assert_null(fs_flow_parse(&key, text));
    free(text);
    const struct fs_flow *found = NULL;
    for (size_t i = 0; i < d->n_flows && !found; i++) {
        if (fs_flow_key_equal(&d->flows[i], &key)) {
            found = &d->flows[i];
        }
    }
    fs_flow_destroy(&key);
    return found;
}

/* Returns the number of flows of 'd' in 'table' whose match has 'needle'
 * (rc_count_flows()). */
static size_t count_flows(const struct fs_desired *d, int table,
                          const char *needle)
{
    return rc_count_flows(d, table, needle);
}

#define FLOOD_MATCH ",dl_dst=01:00:00:00:00:00/01:00:00:00:00:00"

/* net-big's flood in 'd' for world 'w': one table 55 flow that outputs to
 * the ports (up to FS_FLOOD_CHUNK) or resubmits to each chunk in order,
 * then to the uplink; the chunks of table 56 output to every flood port
 * exactly once, in port id order, never to an SF port.  Returns the
 * number of chunks. */
static size_t assert_flood(const struct fs_desired *d, const struct world *w)
{
    uint64_t key = net_key("net-big");
    uint64_t cookie = FS_COOKIE(FS_COOKIE_L2, key);
    char *meta = xasprintf("metadata=0x%" PRIx64, key);
    char *match = xasprintf("%s" FLOOD_MATCH, meta);
    const struct fs_flow *flood = find_flow(d, FS_T_L2, 90, match);
    assert_non_null(flood);
    assert_true(flood->cookie == cookie);

    size_t n_chunks =
        w->n > FS_FLOOD_CHUNK ? DIV_ROUND_UP(w->n, FS_FLOOD_CHUNK) : 0;
    struct ds want = DS_EMPTY_INITIALIZER;
    int *got = xcalloc(w->n + 1, sizeof *got);
    size_t n_got = 0;
    if (!n_chunks) {
        for (size_t i = 0; i < w->n; i++) {
            ds_put_format(&want, "output:%d,", w->ofports[i]);
        }
    }
    for (size_t c = 0; c < n_chunks; c++) {
        ds_put_format(&want, "set_field:%" PRIuSIZE "->reg4,resubmit(,56),", c);
        char *cm = xasprintf("%s,reg4=%" PRIuSIZE, meta, c);
        const struct fs_flow *chunk = find_flow(d, FS_T_FLOOD, 100, cm);
        assert_non_null(chunk);
        assert_true(chunk->cookie == cookie);
        size_t before = n_got;
        collect_outputs(chunk, got, &n_got, w->n + 1);
        /* Full chunks but the last. */
        assert_int_equal(n_got - before,
                         c + 1 < n_chunks
                             ? FS_FLOOD_CHUNK
                             : w->n - (n_chunks - 1) * FS_FLOOD_CHUNK);
        free(cm);
    }
    ds_put_format(&want, "set_field:%d->reg7,resubmit(,75)", PATCH);
    assert_true(rc_actions_are(flood, ds_cstr(&want)));
    assert_int_equal(count_flows(d, FS_T_FLOOD, meta), n_chunks);
    if (n_chunks) {
        /* Every flood port once, in port id order; no SF port. */
        assert_int_equal(n_got, w->n);
        assert_memory_equal(got, w->ofports, w->n * sizeof *got);
    }
    free(got);
    ds_destroy(&want);
    free(match);
    free(meta);
    return n_chunks;
}

/* net-small keeps one flood flow, and no chunk. */
static void assert_small_flood(const struct fs_desired *d)
{
    char *meta = xasprintf("metadata=0x%" PRIx64, net_key("net-small"));
    char *match = xasprintf("%s" FLOOD_MATCH, meta);
    const struct fs_flow *f = find_flow(d, FS_T_L2, 90, match);
    assert_non_null(f);
    char *want = xasprintf("output:%d,output:%d", SMALL_OF, SMALL_OF + 1);
    assert_true(rc_actions_are(f, want));
    assert_int_equal(count_flows(d, FS_T_FLOOD, meta), 0);
    free(want);
    free(match);
    free(meta);
}

/* 4,000 ports on one node: every flow fits, the flood is split into 16
 * chunks that together reach every port once, and the reconciler's diff
 * takes the whole set (it used to fail with "input too big"). */
static void test_flood_4000_ports(void **state)
{
    struct world w;
    world_init(&w, BIG);
    struct fs_desired *d = render(&w);
    size_t max = assert_all_fit(d);
    print_message("%" PRIuSIZE " flows, largest flow mod %" PRIuSIZE " bytes\n",
                  d->n_flows, max);
    assert_true(max < 8192); /* A chunk: 256 outputs of 16 bytes. */
    assert_int_equal(assert_flood(d, &w), 16);
    assert_small_flood(d);

    /* Table 75 keeps its flow per port (unicast goes there): net-big's
     * flood ports, net-small's two, the uplink (not the SF ports). */
    assert_int_equal(count_flows(d, FS_T_EGRESS, "reg7="), BIG + 2 + 1);

    /* The reconciler parses the whole set and encodes it for an empty
     * switch: one add per flow, each small enough for a bundle. */
    struct fs_flowtable table;
    fs_flowtable_init(&table);
    struct fs_desired_delta full = {.full = true,
                                    .add_flows = d->flows,
                                    .n_add_flows = d->n_flows,
                                    .add_groups = d->groups,
                                    .n_add_groups = d->n_groups};
    char *error = fs_flowtable_apply_delta(&table, &full);
    if (error) {
        print_error("%.300s\n", error);
    }
    assert_null(error);
    struct fs_of_changes ch;
    fs_flowtable_changes(&table, &ch);
    assert_int_equal(ch.flow_mods, d->n_flows);
    const struct ofpbuf *msg;
    LIST_FOR_EACH(msg, list_node, &ch.msgs)
    {
        assert_true(msg->size <= MAX_FLOW_MOD);
    }
    fs_of_changes_destroy(&ch);
    fs_flowtable_destroy(&table);
    fs_desired_destroy(d);
    world_destroy(&w);
}

/* The split starts past FS_FLOOD_CHUNK ports: exactly that many is one
 * flow; one more is two chunks (FS_FLOOD_CHUNK and 1). */
static void test_flood_chunk_boundary(void **state)
{
    struct world w;
    world_init(&w, FS_FLOOD_CHUNK);
    struct fs_desired *d = render(&w);
    assert_int_equal(assert_flood(d, &w), 0);
    assert_int_equal(count_flows(d, FS_T_FLOOD, ""), 0);
    assert_all_fit(d);
    fs_desired_destroy(d);
    world_destroy(&w);

    world_init(&w, FS_FLOOD_CHUNK + 1);
    d = render(&w);
    assert_int_equal(assert_flood(d, &w), 2);
    assert_int_equal(count_flows(d, FS_T_FLOOD, ""), 2);
    assert_small_flood(d);
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
    return ds_steal_cstr(&s);
}

/* The same ports put into the model (and the facts) in the other order:
 * the same flows, the flood in port id order. */
static void test_flood_deterministic(void **state)
{
    struct world w, r;
    world_init(&w, 1000);
    world_init__(&r, 1000, true);
    struct fs_desired *a = render(&w);
    struct fs_desired *b = render(&r);
    char *da = dump_all(a), *db = dump_all(b);
    assert_string_equal(da, db);
    assert_int_equal(assert_flood(b, &r), 4);
    free(da);
    free(db);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
    world_destroy(&w);
    world_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flood_4000_ports),
        cmocka_unit_test(test_flood_chunk_boundary),
        cmocka_unit_test(test_flood_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

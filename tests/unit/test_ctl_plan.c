/* Unit tests for flowsteerctl plan's pure parts (ctl/
 * livediff.c): the changes between a desired set and a given list of live
 * flows (adds, modifies, deletes, conflicts; nothing when they agree), and
 * the made-up facts' ofports and legend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "byte-order.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "ctl/node.h"
#include "reconciler/ovs/flowtable.h"
#include "render/flow.h"
#include "tests/unit/fixtures.h"
#include "util.h"

#define C1 "0xf5e0000200000007"
#define C2 "0xf5e0000100000009"

/* A desired set of 'n' flows "TABLE|PRIORITY|COOKIE|MATCH|ACTIONS", each
 * parsed with fs_flow_parse() (the test fails if one does not), sorted as
 * render/ sorts (fs_flow_compare()). */
static struct fs_desired *desired(const char *const *flows, size_t n)
{
    struct fs_desired *d = xzalloc(sizeof *d);
    d->flows = xcalloc(n ? n : 1, sizeof *d->flows);
    for (size_t i = 0; i < n; i++) {
        unsigned int table, prio;
        unsigned long long cookie;
        int off = 0;
        sscanf(flows[i], "%u|%u|%llx|%n", &table, &prio, &cookie, &off);
        assert_true(off > 0);
        const char *rest = flows[i] + off, *bar = strchr(rest, '|');
        assert_non_null(bar);
        char *text = xasprintf("table=%u,priority=%u,cookie=0x%llx,%.*s%s"
                               "actions=%s",
                               table, prio, cookie, (int)(bar - rest), rest,
                               bar > rest ? "," : "", bar + 1);
        char *error = fs_flow_parse(&d->flows[i], text);
        if (error) {
            fail_msg("%s: %s", text, error);
        }
        free(text);
    }
    if (n) {
        qsort(d->flows, n, sizeof *d->flows, fs_flow_compare);
    }
    d->n_flows = d->allocated_flows = n;
    return d;
}

/* The switch holds 'flow' ("table=...,priority=...,cookie=...,MATCH,
 * actions=..."). */
static void live(struct fs_flowtable *ft, const char *flow)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error =
        parse_ofp_flow_mod_str(&fm, flow, NULL, NULL, OFPFC_ADD, &usable);
    if (error) {
        fail_msg("%s", error);
    }
    struct match match;
    minimatch_expand(&fm.match, &match);
    fs_flowtable_note_flow(ft, fm.table_id, fm.priority, &match,
                           ntohll(fm.new_cookie), fm.ofpacts, fm.ofpacts_len,
                           true);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
}

static const char *const two[] = {
    "10|100|" C1 "|ip,reg6=0x1,nw_dst=10.0.0.2|load:0x100->NXM_NX_REG5[],"
    "resubmit(,15)",
    "55|100|" C2 "|metadata=0x1000009,dl_dst=fa:16:3e:00:00:02|"
    "load:0x2->NXM_NX_REG7[],resubmit(,75)",
};

/* The ops of 'd' against the flows 'n_live' flows of 'lives'. */
static void build(const struct fs_desired *d, const char *const *lives,
                  size_t n_live, struct ctl_ops *ops)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    char *error = ctl_ft_desire(&ft, d);
    assert_null(error);
    for (size_t i = 0; i < n_live; i++) {
        live(&ft, lives[i]);
    }
    *ops = (struct ctl_ops){0};
    ctl_ops_build(&ft, d, ops);
    fs_flowtable_destroy(&ft);
}

static void test_converged_nothing(void **state)
{
    struct fs_desired *d = desired(two, 2);
    const char *const lives[] = {
        "table=10,priority=100,cookie=" C1 ",ip,reg6=1,nw_dst=10.0.0.2,"
        "actions=set_field:0x100->reg5,resubmit(,15)",
        "table=55,priority=100,cookie=" C2 ",metadata=0x1000009,"
        "dl_dst=fa:16:3e:00:00:02,actions=set_field:0x2->reg7,"
        "resubmit(,75)",
        /* Another owner's flow elsewhere is none of ours. */
        "table=0,priority=1,cookie=0x1234,actions=drop",
    };
    struct ctl_ops ops;
    build(d, lives, 3, &ops);
    assert_int_equal(ops.n, 0);
    ctl_ops_destroy(&ops);
    fs_desired_destroy(d);
}

static void test_add_modify_delete(void **state)
{
    struct fs_desired *d = desired(two, 2);
    const char *const lives[] = {
        /* Table 10: other actions -> modify. */
        "table=10,priority=100,cookie=" C1 ",ip,reg6=1,nw_dst=10.0.0.2,"
        "actions=set_field:0x200->reg5,resubmit(,15)",
        /* Table 55 flow missing -> add; a stale flow of ours -> delete. */
        "table=55,priority=100,cookie=" C2 ",metadata=0x1000009,"
        "dl_dst=fa:16:3e:00:00:09,actions=drop",
    };
    struct ctl_ops ops;
    build(d, lives, 2, &ops);
    assert_int_equal(ops.n, 3);
    assert_int_equal(ops.n_flow_mods, 3);
    assert_int_equal(ops.items[0].op, CTL_OP_MODIFY);
    assert_non_null(strstr(ops.items[0].text, "~ table=10,priority=100,"));
    assert_non_null(strstr(ops.items[0].text, "was: table=10,"));
    assert_non_null(strstr(ops.items[0].text, "0x200->reg5"));
    /* Table 55: the add and the delete, sorted by match. */
    assert_int_equal(ops.items[1].table, 55);
    assert_int_equal(ops.items[2].table, 55);
    size_t add = ops.items[1].op == CTL_OP_ADD ? 1 : 2;
    assert_int_equal(ops.items[add].op, CTL_OP_ADD);
    assert_string_equal(ops.items[add].text,
                        "+ table=55,priority=100,cookie=" C2
                        ",metadata=0x1000009,dl_dst=fa:16:3e:00:00:02,"
                        "actions=load:0x2->NXM_NX_REG7[],resubmit(,75)");
    assert_int_equal(ops.items[3 - add].op, CTL_OP_DELETE);
    assert_non_null(strstr(ops.items[3 - add].text, "- table=55,"));
    assert_non_null(strstr(ops.items[3 - add].text, "fa:16:3e:00:00:09"));
    ctl_ops_destroy(&ops);
    fs_desired_destroy(d);
}

static void test_foreign_is_conflict(void **state)
{
    struct fs_desired *d = desired(two, 1);
    const char *const lives[] = {
        "table=10,priority=100,cookie=0x1234,ip,reg6=1,nw_dst=10.0.0.2,"
        "actions=drop",
    };
    struct ctl_ops ops;
    build(d, lives, 1, &ops);
    assert_int_equal(ops.n, 1);
    assert_int_equal(ops.n_flow_mods, 0);
    assert_int_equal(ops.items[0].op, CTL_OP_CONFLICT);
    assert_non_null(strstr(ops.items[0].text, "cookie 0x1234"));
    ctl_ops_destroy(&ops);
    fs_desired_destroy(d);
}

static void test_groups(void **state)
{
    struct fs_desired *d = desired(NULL, 0);
    d->groups = xcalloc(1, sizeof *d->groups);
    d->groups[0] = (struct fs_group){
        0xf5000100, xstrdup("type=select,bucket=bucket_id:0,actions=output:3")};
    d->n_groups = d->allocated_groups = 1;
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    assert_null(ctl_ft_desire(&ft, d));
    struct ctl_ops ops = {0};
    ctl_ops_build(&ft, d, &ops);
    assert_int_equal(ops.n, 1);
    assert_int_equal(ops.n_group_mods, 1);
    assert_string_equal(ops.items[0].text,
                        "+ group group_id=4110418176,type=select,"
                        "bucket=bucket_id:0,actions=output:3");
    ctl_ops_destroy(&ops);
    fs_flowtable_destroy(&ft);
    fs_desired_destroy(d);
}

/* Made-up facts: the example's ports (all bound to node1) get ofports
 * 1.. in id order, with a legend; another node gets none. */
static void test_fake_facts(void **state)
{
    struct fs_model *m = fs_model_create();
    fixture_load_example(m, "json");
    fs_model_set_revision(m, 300);
    struct fs_snapshot *s = fs_snapshot_build(m);
    struct fs_local_facts facts;
    fs_local_facts_init(&facts);
    struct ds legend = DS_EMPTY_INITIALIZER;
    ctl_fake_facts(s, "node1", "br-int", NULL, &facts, &legend);
    assert_int_equal(simap_count(&facts.ofports), 8);
    assert_int_equal(simap_get(&facts.ofports, EX_P(1)), 1);
    assert_int_equal(simap_get(&facts.ofports, EX_SRC), 7);
    assert_int_equal(simap_get(&facts.ofports, EX_DST), 8);
    assert_true(sset_contains(&facts.bridges, "br-int"));
    assert_non_null(
        strstr(ds_cstr(&legend), "ofport 7 = port " EX_SRC " (src)\n"));
    fs_local_facts_destroy(&facts);
    fs_local_facts_init(&facts);
    ds_clear(&legend);
    ctl_fake_facts(s, "node2", "br-int", NULL, &facts, &legend);
    assert_int_equal(simap_count(&facts.ofports), 0);
    assert_string_equal(ds_cstr(&legend), "");
    ds_destroy(&legend);
    fs_local_facts_destroy(&facts);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_converged_nothing),
        cmocka_unit_test(test_add_modify_delete),
        cmocka_unit_test(test_foreign_is_conflict),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_fake_facts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

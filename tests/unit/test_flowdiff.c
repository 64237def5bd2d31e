/* Unit tests for reconciler/flowdiff.c: the change set between installed and
 * desired flows and groups, with no switch involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "byte-order.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofpbuf.h"
#include "reconciler/flowdiff.h"
#include "render/render.h"
#include "util.h"

static void add_flow(struct fs_desired *d, uint8_t table, uint16_t prio,
                     const char *match, const char *actions)
{
    d->flows = xrealloc(d->flows, (d->n_flows + 1) * sizeof *d->flows);
    d->flows[d->n_flows++] = (struct fs_flow){
        .table_id = table,
        .priority = prio,
        .cookie = FS_COOKIE(FS_COOKIE_L2, 0),
        .match = xstrdup(match),
        .actions = xstrdup(actions),
    };
}

static void add_group(struct fs_desired *d, uint32_t id, const char *spec)
{
    d->groups = xrealloc(d->groups, (d->n_groups + 1) * sizeof *d->groups);
    d->groups[d->n_groups++] = (struct fs_group){id, xstrdup(spec)};
}

static struct fs_desired *base(void)
{
    struct fs_desired *d = xzalloc(sizeof *d);
    add_flow(d, 0, 100, "in_port=1", "set_field:1->reg6,goto_table:10");
    add_flow(d, 10, 100, "reg6=1,tcp,nw_dst=1.2.3.4", "set_field:511->reg5");
    add_group(d, FS_GROUP_BASE | 511,
              "type=select,selection_method=hash,fields(ip_src),"
              "bucket=bucket_id:0,weight:1,actions=output:3,"
              "bucket=bucket_id:1,weight:1,actions=output:5");
    return d;
}

/* Diff of two desired sets; returns the changes' message types in order. */
static size_t diff(struct fs_desired *from, struct fs_desired *to,
                   struct fs_of_changes *ch, enum ofptype *types, size_t max)
{
    struct fs_of_state a, b;
    fs_of_state_init(&a);
    fs_of_state_init(&b);
    assert_null(fs_of_state_from_desired(&a, from));
    assert_null(fs_of_state_from_desired(&b, to));
    fs_of_diff(&a, &b, ch);
    size_t n = 0;
    struct ofpbuf *msg;
    LIST_FOR_EACH(msg, list_node, &ch->msgs)
    {
        assert_true(n < max);
        assert_int_equal(ofptype_decode(&types[n++], msg->data), 0);
    }
    fs_of_state_destroy(&a);
    fs_of_state_destroy(&b);
    return n;
}

static void test_equal_sets_no_changes(void **state)
{
    struct fs_desired *a = base(), *b = base();
    /* Same match written differently: still the same flow. */
    free(b->flows[1].match);
    b->flows[1].match = xstrdup("ip,nw_proto=6,reg6=1,nw_dst=1.2.3.4/32");
    struct fs_of_changes ch;
    enum ofptype t[8];
    assert_int_equal(diff(a, b, &ch, t, 8), 0);
    assert_int_equal(ch.flow_mods + ch.group_mods, 0);
    fs_of_changes_destroy(&ch);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
}

static void test_changed_action_is_one_add(void **state)
{
    struct fs_desired *a = base(), *b = base();
    free(b->flows[1].actions);
    b->flows[1].actions = xstrdup("set_field:510->reg5");
    struct fs_of_changes ch;
    enum ofptype t[8];
    assert_int_equal(diff(a, b, &ch, t, 8), 1);
    assert_int_equal(t[0], OFPTYPE_FLOW_MOD);
    assert_int_equal(ch.flow_mods, 1);
    fs_of_changes_destroy(&ch);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
}

static void test_stale_flow_deleted_strict_with_cookie(void **state)
{
    struct fs_desired *a = base(), *b = base();
    b->n_flows = 1; /* Drop the classifier flow from desired. */
    free(b->flows[1].match);
    free(b->flows[1].actions);
    struct fs_of_changes ch;
    enum ofptype t[8];
    assert_int_equal(diff(a, b, &ch, t, 8), 1);
    struct ofpbuf *msg =
        CONTAINER_OF(ovs_list_front(&ch.msgs), struct ofpbuf, list_node);
    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    enum ofputil_protocol proto = ofputil_protocol_from_ofp_version(
        ((struct ofp_header *)msg->data)->version);
    assert_int_equal(ofputil_decode_flow_mod(&fm, msg->data, proto, NULL, NULL,
                                             &ofpacts, OFPP_MAX, 255),
                     0);
    assert_int_equal(fm.command, OFPFC_DELETE_STRICT);
    assert_int_equal(ntohll(fm.cookie_mask), FS_COOKIE_MASK);
    assert_int_equal(ntohll(fm.cookie), FS_COOKIE_BASE);
    assert_int_equal(fm.table_id, 10);
    minimatch_destroy(&fm.match);
    ofpbuf_uninit(&ofpacts);
    fs_of_changes_destroy(&ch);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
}

static void test_bundle_order(void **state)
{
    struct fs_desired *a = base(), *b = xzalloc(sizeof *b);
    /* Everything new: group add before the flows that use it... */
    struct fs_of_changes ch;
    enum ofptype t[8];
    assert_int_equal(diff(b, a, &ch, t, 8), 3);
    assert_int_equal(t[0], OFPTYPE_GROUP_MOD);
    assert_int_equal(t[1], OFPTYPE_FLOW_MOD);
    assert_int_equal(t[2], OFPTYPE_FLOW_MOD);
    fs_of_changes_destroy(&ch);
    /* ...and everything gone: flow deletes before the group delete. */
    assert_int_equal(diff(a, b, &ch, t, 8), 3);
    assert_int_equal(t[0], OFPTYPE_FLOW_MOD);
    assert_int_equal(t[2], OFPTYPE_GROUP_MOD);
    fs_of_changes_destroy(&ch);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
}

static void test_group_bucket_change_is_modify(void **state)
{
    struct fs_desired *a = base(), *b = base();
    free(b->groups[0].spec);
    b->groups[0].spec = xstrdup("type=select,selection_method=hash,"
                                "fields(ip_src),bucket=bucket_id:0,weight:1,"
                                "actions=output:3");
    struct fs_of_changes ch;
    enum ofptype t[8];
    assert_int_equal(diff(a, b, &ch, t, 8), 1);
    assert_int_equal(t[0], OFPTYPE_GROUP_MOD);
    assert_int_equal(ch.group_mods, 1);
    assert_int_equal(ch.flow_mods, 0);
    fs_of_changes_destroy(&ch);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
}

static void test_bad_flow_reported(void **state)
{
    struct fs_desired *d = base();
    add_flow(d, 10, 50, "reg6=1,nw_frobnicate=3", "drop");
    struct fs_of_state st;
    fs_of_state_init(&st);
    char *error = fs_of_state_from_desired(&st, d);
    assert_non_null(error);
    assert_non_null(strstr(error, "nw_frobnicate"));
    assert_int_equal(hmap_count(&st.flows), 2); /* The rest is kept. */
    free(error);
    fs_of_state_destroy(&st);
    fs_desired_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_sets_no_changes),
        cmocka_unit_test(test_changed_action_is_one_add),
        cmocka_unit_test(test_stale_flow_deleted_strict_with_cookie),
        cmocka_unit_test(test_bundle_order),
        cmocka_unit_test(test_group_bucket_change_is_modify),
        cmocka_unit_test(test_bad_flow_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

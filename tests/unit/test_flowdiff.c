/* Unit tests for reconciler/flowdiff.c: the change set between installed and
 * desired flows and groups, with no switch involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "bitmap.h"
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

/* Diff of two desired sets, with the flows of 'others' (may be NULL) as
 * another controller's; returns the changes' message types in order. */
static size_t diff_foreign(struct fs_desired *from, struct fs_desired *to,
                           struct fs_desired *others, struct fs_of_changes *ch,
                           enum ofptype *types, size_t max)
{
    struct fs_of_state a, b, f;
    fs_of_state_init(&a);
    fs_of_state_init(&b);
    fs_of_state_init(&f);
    assert_null(fs_of_state_from_desired(&a, from));
    assert_null(fs_of_state_from_desired(&b, to));
    if (others) {
        assert_null(fs_of_state_from_desired(&f, others));
    }
    fs_of_diff(&a, &b, others ? &f : NULL, ch);
    size_t n = 0;
    struct ofpbuf *msg;
    LIST_FOR_EACH(msg, list_node, &ch->msgs)
    {
        assert_true(n < max);
        assert_int_equal(ofptype_decode(&types[n++], msg->data), 0);
    }
    fs_of_state_destroy(&a);
    fs_of_state_destroy(&b);
    fs_of_state_destroy(&f);
    return n;
}

static size_t diff(struct fs_desired *from, struct fs_desired *to,
                   struct fs_of_changes *ch, enum ofptype *types, size_t max)
{
    return diff_foreign(from, to, NULL, ch, types, max);
}

/* Decodes the i'th message of 'ch', a flow mod (caller destroys
 * fm->match). */
static void decode_flow_mod(const struct fs_of_changes *ch, size_t i,
                            struct ofputil_flow_mod *fm)
{
    const struct ovs_list *node = ovs_list_front(&ch->msgs);
    while (i--) {
        node = node->next;
    }
    struct ofpbuf *msg = CONTAINER_OF(node, struct ofpbuf, list_node);
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    enum ofputil_protocol proto = ofputil_protocol_from_ofp_version(
        ((struct ofp_header *)msg->data)->version);
    assert_int_equal(ofputil_decode_flow_mod(fm, msg->data, proto, NULL, NULL,
                                             &ofpacts, OFPP_MAX, 255),
                     0);
    ofpbuf_uninit(&ofpacts);
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

static void test_changed_action_is_modify_strict(void **state)
{
    struct fs_desired *a = base(), *b = base();
    free(b->flows[1].actions);
    b->flows[1].actions = xstrdup("set_field:510->reg5");
    struct fs_of_changes ch;
    enum ofptype t[8];
    assert_int_equal(diff(a, b, &ch, t, 8), 1);
    assert_int_equal(t[0], OFPTYPE_FLOW_MOD);
    assert_int_equal(ch.flow_mods, 1);
    /* Modify, not add: an add would replace another owner's flow with the
     * same match; under our cookie mask the switch touches only ours. */
    struct ofputil_flow_mod fm;
    decode_flow_mod(&ch, 0, &fm);
    assert_int_equal(fm.command, OFPFC_MODIFY_STRICT);
    assert_int_equal(ntohll(fm.cookie), FS_COOKIE_BASE);
    assert_int_equal(ntohll(fm.cookie_mask), FS_COOKIE_MASK);
    assert_int_equal(fm.table_id, 10);
    assert_int_equal(fm.priority, 100);
    assert_false(fm.modify_cookie);
    minimatch_destroy(&fm.match);
    fs_of_changes_destroy(&ch);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
}

static void test_new_flow_is_add(void **state)
{
    struct fs_desired *a = base(), *b = base();
    a->n_flows = 1; /* The classifier flow is not installed yet. */
    free(a->flows[1].match);
    free(a->flows[1].actions);
    struct fs_of_changes ch;
    enum ofptype t[8];
    assert_int_equal(diff(a, b, &ch, t, 8), 1);
    struct ofputil_flow_mod fm;
    decode_flow_mod(&ch, 0, &fm);
    assert_int_equal(fm.command, OFPFC_ADD);
    assert_int_equal(ntohll(fm.new_cookie), FS_COOKIE(FS_COOKIE_L2, 0));
    assert_int_equal(fm.table_id, 10);
    assert_int_equal(ch.n_conflicts, 0);
    minimatch_destroy(&fm.match);
    fs_of_changes_destroy(&ch);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
}

static void test_changed_cookie_is_delete_then_add(void **state)
{
    struct fs_desired *a = base(), *b = base();
    b->flows[1].cookie = FS_COOKIE(FS_COOKIE_SFC, 7);
    struct fs_of_changes ch;
    enum ofptype t[8];
    /* A modify cannot change a cookie in OpenFlow 1.2+. */
    assert_int_equal(diff(a, b, &ch, t, 8), 2);
    struct ofputil_flow_mod fm;
    decode_flow_mod(&ch, 0, &fm);
    assert_int_equal(fm.command, OFPFC_DELETE_STRICT);
    assert_int_equal(ntohll(fm.cookie_mask), FS_COOKIE_MASK);
    minimatch_destroy(&fm.match);
    decode_flow_mod(&ch, 1, &fm);
    assert_int_equal(fm.command, OFPFC_ADD);
    assert_int_equal(ntohll(fm.new_cookie), FS_COOKIE(FS_COOKIE_SFC, 7));
    minimatch_destroy(&fm.match);
    fs_of_changes_destroy(&ch);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
}

static void test_foreign_flow_is_conflict_not_add(void **state)
{
    struct fs_desired *a = base(), *b = base();
    a->n_flows = 1; /* The classifier flow is new... */
    free(a->flows[1].match);
    free(a->flows[1].actions);
    /* ...and another controller has a flow with its table, priority and
     * match (written differently), and one with another priority. */
    struct fs_desired *others = xzalloc(sizeof *others);
    add_flow(others, 10, 100, "tcp,reg6=1,nw_dst=1.2.3.4/32", "drop");
    add_flow(others, 10, 101, "reg6=1,tcp,nw_dst=1.2.3.4", "drop");
    others->flows[0].cookie = 0x1234;
    others->flows[1].cookie = 0x1234;

    unsigned long tables[BITMAP_N_LONGS(256)];
    struct fs_of_state ia, ib;
    fs_of_state_init(&ia);
    fs_of_state_init(&ib);
    assert_null(fs_of_state_from_desired(&ia, a));
    assert_null(fs_of_state_from_desired(&ib, b));
    assert_int_equal(fs_of_new_flow_tables(&ia, &ib, tables), 1);
    assert_true(bitmap_is_set(tables, 10));
    assert_int_equal(bitmap_count1(tables, 256), 1);

    struct fs_of_changes ch;
    enum ofptype t[8];
    assert_int_equal(diff_foreign(a, b, others, &ch, t, 8), 0);
    assert_int_equal(ch.flow_mods, 0);
    assert_int_equal(ch.n_conflicts, 1);
    const struct fs_of_conflict *c = &ch.conflicts[0];
    assert_int_equal(c->table_id, 10);
    assert_int_equal(c->priority, 100);
    assert_int_equal(c->foreign_cookie, 0x1234);
    assert_string_equal(c->key, "flow table=10,priority=100,tcp,reg6=0x1,"
                                "nw_dst=1.2.3.4");
    /* What fs_of_diff() left out is not installed. */
    fs_of_state_remove_flow(&ib, c->table_id, c->priority, &c->match);
    assert_int_equal(hmap_count(&ib.flows), 1);
    fs_of_changes_destroy(&ch);

    /* A foreign flow elsewhere does not stop an add. */
    others->flows[0].priority = 99;
    assert_int_equal(diff_foreign(a, b, others, &ch, t, 8), 1);
    assert_int_equal(ch.n_conflicts, 0);
    fs_of_changes_destroy(&ch);

    fs_of_state_destroy(&ia);
    fs_of_state_destroy(&ib);
    fs_desired_destroy(a);
    fs_desired_destroy(b);
    fs_desired_destroy(others);
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
        cmocka_unit_test(test_changed_action_is_modify_strict),
        cmocka_unit_test(test_new_flow_is_add),
        cmocka_unit_test(test_changed_cookie_is_delete_then_add),
        cmocka_unit_test(test_foreign_flow_is_conflict_not_add),
        cmocka_unit_test(test_stale_flow_deleted_strict_with_cookie),
        cmocka_unit_test(test_bundle_order),
        cmocka_unit_test(test_group_bucket_change_is_modify),
        cmocka_unit_test(test_bad_flow_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

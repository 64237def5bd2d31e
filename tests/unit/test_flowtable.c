/* Unit tests for reconciler/flowtable.c (with groups.c): the changes
 * between the desired flows and groups and what the switch has, with no
 * switch involved.  Deltas are built by hand; the messages produced are
 * decoded with libopenvswitch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <string.h>

#include "byte-order.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "reconciler/flowtable.h"
#include "reconciler/installed.h"
#include "reconciler/ofbridge.h"
#include "render/engine.h"
#include "render/pipeline.h"
#include "util.h"

#define L2 FS_COOKIE(FS_COOKIE_L2, 0)
#define SFC7 FS_COOKIE(FS_COOKIE_SFC, 7)
#define FOREIGN UINT64_C(0x1234)
#define GROUP (FS_GROUP_BASE | 511)
#define GROUP_SPEC                                                             \
    "type=select,selection_method=hash,fields(ip_src),"                        \
    "bucket=bucket_id:0,weight:1,actions=output:3,"                            \
    "bucket=bucket_id:1,weight:1,actions=output:5"
#define CLASSIFIER "reg6=1,tcp,nw_dst=1.2.3.4"

/* Deltas. */

static struct fs_desired_delta *delta_new(bool full)
{
    struct fs_desired_delta *d = xzalloc(sizeof *d);
    d->full = full;
    return d;
}

static void delta_add(struct fs_desired_delta *d, uint8_t table, uint16_t prio,
                      const char *match, uint64_t cookie, const char *actions)
{
    d->add_flows =
        xrealloc(d->add_flows, (d->n_add_flows + 1) * sizeof *d->add_flows);
    d->add_flows[d->n_add_flows++] = (struct fs_flow){
        .table_id = table,
        .priority = prio,
        .cookie = cookie,
        .match = xstrdup(match),
        .actions = xstrdup(actions),
    };
}

static void delta_remove(struct fs_desired_delta *d, uint8_t table,
                         uint16_t prio, const char *match)
{
    d->remove_flows = xrealloc(d->remove_flows, (d->n_remove_flows + 1) *
                                                    sizeof *d->remove_flows);
    d->remove_flows[d->n_remove_flows++] = (struct fs_flow){
        .table_id = table,
        .priority = prio,
        .match = xstrdup(match),
    };
}

static void delta_add_group(struct fs_desired_delta *d, uint32_t id,
                            const char *spec)
{
    d->add_groups =
        xrealloc(d->add_groups, (d->n_add_groups + 1) * sizeof *d->add_groups);
    d->add_groups[d->n_add_groups++] = (struct fs_group){id, xstrdup(spec)};
}

static void delta_remove_group(struct fs_desired_delta *d, uint32_t id)
{
    d->remove_groups = xrealloc(d->remove_groups, (d->n_remove_groups + 1) *
                                                      sizeof *d->remove_groups);
    d->remove_groups[d->n_remove_groups++] = id;
}

/* Adds a flow whose actions are "group:<group_id>". */
static void delta_add_to_group(struct fs_desired_delta *d, uint8_t table,
                               uint16_t prio, const char *match,
                               uint64_t cookie, uint32_t group_id)
{
    char *actions = xasprintf("group:%" PRIu32, group_id);
    delta_add(d, table, prio, match, cookie, actions);
    free(actions);
}

/* Applies 'd' (consumed) to 'ft'; returns the error (caller frees). */
static char *apply(struct fs_flowtable *ft, struct fs_desired_delta *d)
{
    char *error = fs_flowtable_apply_delta(ft, d);
    fs_desired_delta_destroy(d);
    return error;
}

static void apply_ok(struct fs_flowtable *ft, struct fs_desired_delta *d)
{
    char *error = apply(ft, d);
    if (error) {
        fail_msg("%s", error);
    }
}

/* The desired set of the old flowdiff tests: a port flow, a classifier
 * flow and a select group. */
static struct fs_desired_delta *base_delta(void)
{
    struct fs_desired_delta *d = delta_new(true);
    delta_add(d, 0, 100, "in_port=1", L2, "set_field:1->reg6,goto_table:10");
    delta_add(d, 10, 100, CLASSIFIER, L2, "set_field:511->reg5");
    delta_add_group(d, GROUP, GROUP_SPEC);
    return d;
}

/* Messages. */

static size_t n_msgs(const struct fs_of_changes *ch)
{
    return ovs_list_size(&ch->msgs);
}

static const struct ofpbuf *msg_at(const struct fs_of_changes *ch, size_t i)
{
    const struct ovs_list *node = ovs_list_front(&ch->msgs);
    while (i--) {
        node = node->next;
    }
    return CONTAINER_OF(node, struct ofpbuf, list_node);
}

static enum ofptype msg_type(const struct ofpbuf *msg)
{
    enum ofptype type;
    assert_int_equal(ofptype_decode(&type, msg->data), 0);
    return type;
}

/* Decodes a flow mod ('ofpacts' initialized by the caller, who destroys
 * fm->match). */
static void decode_flow(const struct ofpbuf *msg, struct ofputil_flow_mod *fm,
                        struct ofpbuf *ofpacts)
{
    assert_int_equal(msg_type(msg), OFPTYPE_FLOW_MOD);
    assert_int_equal(ofputil_decode_flow_mod(fm, msg->data, OFPUTIL_P_OF15_OXM,
                                             NULL, NULL, ofpacts, OFPP_MAX,
                                             255),
                     0);
}

/* The command, cookie, cookie mask, table and priority of the i'th message,
 * a flow mod. */
struct flow_summary {
    uint16_t command;
    uint64_t cookie, cookie_mask, new_cookie;
    uint8_t table_id;
    uint16_t priority;
    bool modify_cookie;
};

static struct flow_summary flow_at(const struct fs_of_changes *ch, size_t i)
{
    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    decode_flow(msg_at(ch, i), &fm, &ofpacts);
    struct flow_summary s = {
        .command = fm.command,
        .cookie = ntohll(fm.cookie),
        .cookie_mask = ntohll(fm.cookie_mask),
        .new_cookie = ntohll(fm.new_cookie),
        .table_id = fm.table_id,
        .priority = fm.priority,
        .modify_cookie = fm.modify_cookie,
    };
    minimatch_destroy(&fm.match);
    ofpbuf_uninit(&ofpacts);
    return s;
}

static uint16_t group_command_at(const struct fs_of_changes *ch, size_t i)
{
    const struct ofpbuf *msg = msg_at(ch, i);
    assert_int_equal(msg_type(msg), OFPTYPE_GROUP_MOD);
    struct ofputil_group_mod gm;
    assert_int_equal(ofputil_decode_group_mod(msg->data, &gm), 0);
    uint16_t command = gm.command;
    ofputil_uninit_group_mod(&gm);
    return command;
}

static void assert_del_strict_ours(struct flow_summary s)
{
    assert_int_equal(s.command, OFPFC_DELETE_STRICT);
    assert_int_equal(s.cookie, FS_COOKIE_BASE);
    assert_int_equal(s.cookie_mask, FS_COOKIE_MASK);
}

static void assert_no_changes(const struct fs_flowtable *ft)
{
    struct fs_of_changes ch;
    fs_flowtable_changes(ft, &ch);
    assert_int_equal(n_msgs(&ch), 0);
    assert_int_equal(ch.flow_mods + ch.group_mods, 0);
    fs_of_changes_destroy(&ch);
}

/* Applies 'd' (consumed) and commits the changes as if the switch took
 * them; returns how many messages they were. */
static size_t install(struct fs_flowtable *ft, struct fs_desired_delta *d)
{
    apply_ok(ft, d);
    struct fs_of_changes ch;
    fs_flowtable_changes(ft, &ch);
    size_t n = n_msgs(&ch);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(ft);
    assert_no_changes(ft);
    return n;
}

/* The switch reports 'flow' ("table=...,priority=...,cookie=...,MATCH,
 * actions=...") present or gone, as a flow monitor update would. */
static void note(struct fs_flowtable *ft, const char *flow, bool present)
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
                           present);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
}

static void assert_counts(const struct fs_flowtable *ft, size_t desired,
                          size_t installed, size_t conflicts)
{
    assert_int_equal(ft->n_desired, desired);
    assert_int_equal(ft->n_installed, installed);
    assert_int_equal(ft->n_conflicts, conflicts);
}

/* The cases of the former flowdiff tests. */

static void test_equal_sets_no_changes(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    assert_int_equal(install(&ft, base_delta()), 3);
    assert_counts(&ft, 2, 2, 0);
    /* The same set again, the classifier's match written differently:
     * still the same flow. */
    struct fs_desired_delta *d = delta_new(true);
    delta_add(d, 0, 100, "in_port=1", L2, "set_field:1->reg6,goto_table:10");
    delta_add(d, 10, 100, "ip,nw_proto=6,reg6=1,nw_dst=1.2.3.4/32", L2,
              "set_field:511->reg5");
    delta_add_group(d, GROUP, GROUP_SPEC);
    apply_ok(&ft, d);
    assert_no_changes(&ft);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
}

static void test_changed_action_is_modify_strict(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    install(&ft, base_delta());
    struct fs_desired_delta *d = delta_new(false);
    delta_add(d, 10, 100, CLASSIFIER, L2, "set_field:510->reg5");
    apply_ok(&ft, d);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    assert_int_equal(ch.flow_mods, 1);
    assert_int_equal(ch.group_mods, 0);
    /* Modify, not add: an add would replace another owner's flow with the
     * same match; under our cookie mask the switch touches only ours. */
    struct flow_summary s = flow_at(&ch, 0);
    assert_int_equal(s.command, OFPFC_MODIFY_STRICT);
    assert_int_equal(s.cookie, FS_COOKIE_BASE);
    assert_int_equal(s.cookie_mask, FS_COOKIE_MASK);
    assert_int_equal(s.table_id, 10);
    assert_int_equal(s.priority, 100);
    assert_false(s.modify_cookie);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_no_changes(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
}

static void test_new_flow_is_add(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    struct fs_desired_delta *d = delta_new(true);
    delta_add(d, 0, 100, "in_port=1", L2, "set_field:1->reg6,goto_table:10");
    delta_add_group(d, GROUP, GROUP_SPEC);
    install(&ft, d);
    assert_counts(&ft, 1, 1, 0);
    /* The classifier flow is new. */
    d = delta_new(false);
    delta_add(d, 10, 100, CLASSIFIER, L2, "set_field:511->reg5");
    apply_ok(&ft, d);
    assert_counts(&ft, 2, 1, 0);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    struct flow_summary s = flow_at(&ch, 0);
    assert_int_equal(s.command, OFPFC_ADD);
    assert_int_equal(s.new_cookie, L2);
    assert_int_equal(s.table_id, 10);
    assert_int_equal(s.priority, 100);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
}

static void test_changed_cookie_is_delete_then_add(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    install(&ft, base_delta());
    struct fs_desired_delta *d = delta_new(false);
    delta_add(d, 10, 100, CLASSIFIER, SFC7, "set_field:511->reg5");
    apply_ok(&ft, d);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    /* A modify cannot change a cookie in OpenFlow 1.2+. */
    assert_int_equal(n_msgs(&ch), 2);
    assert_int_equal(ch.flow_mods, 2);
    struct flow_summary s = flow_at(&ch, 0);
    assert_del_strict_ours(s);
    assert_int_equal(s.table_id, 10);
    assert_int_equal(s.priority, 100);
    s = flow_at(&ch, 1);
    assert_int_equal(s.command, OFPFC_ADD);
    assert_int_equal(s.new_cookie, SFC7);
    assert_int_equal(s.table_id, 10);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_no_changes(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
}

static void test_foreign_flow_is_conflict_not_add(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    struct fs_desired_delta *d = delta_new(true);
    delta_add(d, 0, 100, "in_port=1", L2, "set_field:1->reg6,goto_table:10");
    install(&ft, d);
    /* Another controller has a flow with the classifier's table, priority
     * and match (written differently), and one with another priority. */
    note(&ft,
         "table=10,priority=100,cookie=0x1234,tcp,reg6=1,nw_dst=1.2.3.4/32,"
         "actions=drop",
         true);
    note(&ft, "table=10,priority=101,cookie=0x1234," CLASSIFIER ",actions=drop",
         true);
    assert_counts(&ft, 1, 1, 0);
    assert_no_changes(&ft); /* Not ours: left alone. */

    d = delta_new(false);
    delta_add(d, 10, 100, CLASSIFIER, L2, "set_field:511->reg5");
    apply_ok(&ft, d);
    assert_no_changes(&ft); /* No add over the foreign flow. */
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 1, 1);
    struct fs_errors errors = FS_ERRORS_INITIALIZER;
    fs_flowtable_conflicts(&ft, &errors);
    assert_int_equal(errors.n, 1);
    assert_string_equal(errors.items[0].key,
                        "flow table=10,priority=100,tcp,reg6=0x1,"
                        "nw_dst=1.2.3.4");
    assert_non_null(strstr(errors.items[0].message, "0x1234"));
    fs_errors_destroy(&errors);

    /* The foreign flow goes: ours is added (the one at priority 101 does
     * not stop it). */
    note(&ft, "table=10,priority=100,cookie=0x1234," CLASSIFIER ",actions=drop",
         false);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    struct flow_summary s = flow_at(&ch, 0);
    assert_int_equal(s.command, OFPFC_ADD);
    assert_int_equal(s.new_cookie, L2);
    assert_int_equal(s.table_id, 10);
    assert_int_equal(s.priority, 100);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_conflicts(&ft, &errors);
    assert_int_equal(errors.n, 0);
    fs_errors_destroy(&errors);
    fs_flowtable_destroy(&ft);
}

static void test_stale_flow_deleted_strict_with_cookie(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    install(&ft, base_delta());
    struct fs_desired_delta *d = delta_new(false);
    delta_remove(d, 10, 100, CLASSIFIER);
    apply_ok(&ft, d);
    assert_counts(&ft, 1, 2, 0);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    assert_int_equal(ch.flow_mods, 1);
    struct flow_summary s = flow_at(&ch, 0);
    assert_del_strict_ours(s);
    assert_int_equal(s.table_id, 10);
    assert_int_equal(s.priority, 100);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 1, 1, 0);
    assert_no_changes(&ft);
    fs_flowtable_destroy(&ft);
}

/* Bundle order of a message: group adds and modifies, flow adds and
 * modifies, flow deletes, group deletes. */
static int order_class(const struct fs_of_changes *ch, size_t i)
{
    if (msg_type(msg_at(ch, i)) == OFPTYPE_GROUP_MOD) {
        return group_command_at(ch, i) == OFPGC15_DELETE ? 3 : 0;
    }
    return flow_at(ch, i).command == OFPFC_DELETE_STRICT ? 2 : 1;
}

static void test_bundle_order(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    /* Everything new: the group add before the flows that use it... */
    apply_ok(&ft, base_delta());
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 3);
    assert_int_equal(msg_type(msg_at(&ch, 0)), OFPTYPE_GROUP_MOD);
    assert_int_equal(group_command_at(&ch, 0), OFPGC15_ADD);
    assert_int_equal(flow_at(&ch, 1).command, OFPFC_ADD);
    assert_int_equal(flow_at(&ch, 2).command, OFPFC_ADD);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    /* ...everything gone: the flow deletes before the group delete... */
    apply_ok(&ft, delta_new(true));
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 3);
    assert_del_strict_ours(flow_at(&ch, 0));
    assert_del_strict_ours(flow_at(&ch, 1));
    assert_int_equal(group_command_at(&ch, 2), OFPGC15_DELETE);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 0, 0, 0);

    /* ...and all kinds at once. */
    struct fs_desired_delta *d = base_delta();
    delta_add_group(d, FS_GROUP_BASE | 2, "type=all,bucket=actions=output:7");
    delta_add_to_group(d, 20, 10, "in_port=4", L2, FS_GROUP_BASE | 2);
    install(&ft, d);
    d = delta_new(false);
    delta_add_group(d, GROUP,
                    "type=select,selection_method=hash,"
                    "fields(ip_src),bucket=bucket_id:0,weight:1,"
                    "actions=output:3");
    delta_add_group(d, FS_GROUP_BASE | 3, "type=all,bucket=actions=output:8");
    delta_remove_group(d, FS_GROUP_BASE | 2);
    delta_remove(d, 20, 10, "in_port=4");
    delta_add_to_group(d, 20, 10, "in_port=5", L2, FS_GROUP_BASE | 3);
    delta_add(d, 0, 100, "in_port=1", L2, "set_field:2->reg6,goto_table:10");
    apply_ok(&ft, d);
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 6);
    assert_int_equal(ch.group_mods, 3);
    assert_int_equal(ch.flow_mods, 3);
    int n_class[4] = {0};
    for (size_t i = 0; i < n_msgs(&ch); i++) {
        int c = order_class(&ch, i);
        if (i) {
            assert_true(order_class(&ch, i - 1) <= c);
        }
        n_class[c]++;
    }
    assert_int_equal(n_class[0], 2);
    assert_int_equal(n_class[1], 2);
    assert_int_equal(n_class[2], 1);
    assert_int_equal(n_class[3], 1);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_no_changes(&ft);
    fs_flowtable_destroy(&ft);
}

static void test_group_bucket_change_is_modify(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    install(&ft, base_delta());
    struct fs_desired_delta *d = delta_new(false);
    delta_add_group(d, GROUP,
                    "type=select,selection_method=hash,"
                    "fields(ip_src),bucket=bucket_id:0,weight:1,"
                    "actions=output:3");
    apply_ok(&ft, d);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    assert_int_equal(group_command_at(&ch, 0), OFPGC15_MODIFY);
    assert_int_equal(ch.group_mods, 1);
    assert_int_equal(ch.flow_mods, 0);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_no_changes(&ft);
    fs_flowtable_destroy(&ft);
}

static void test_bad_flow_reported(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    struct fs_desired_delta *d = base_delta();
    delta_add(d, 10, 50, "reg6=1,nw_frobnicate=3", L2, "drop");
    char *error = apply(&ft, d);
    assert_non_null(error);
    assert_non_null(strstr(error, "nw_frobnicate"));
    free(error);
    assert_counts(&ft, 2, 0, 0); /* The rest is kept... */
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch); /* ...and applied. */
    assert_int_equal(n_msgs(&ch), 3);
    assert_int_equal(ch.flow_mods, 2);
    assert_int_equal(ch.group_mods, 1);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
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

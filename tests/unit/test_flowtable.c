/* Unit tests for reconciler/ovs/flowtable.c (with groups.c, and installed.c in
 * the randomised test): the changes between the desired flows and groups
 * and what the switch has, with no switch involved.  Deltas are built by
 * hand; the messages produced are decoded with libopenvswitch.  The last
 * test runs random deltas and random changes by another controller against
 * a simulated switch that applies the messages as OpenFlow does: the
 * reference check of the incremental diff. */
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
#include "reconciler/ovs/flowtable.h"
#include "reconciler/ovs/installed.h"
#include "reconciler/ovs/ofbridge.h"
#include "render/engine.h"
#include "render/flow.h"
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

/* The typed flow of ovs-ofctl text 'table', 'prio', 'cookie', 'match' ("" for
 * a match of everything) and 'actions', parsed with fs_flow_parse(); fails
 * the test if it does not parse. */
static struct fs_flow parse_flow(uint8_t table, uint16_t prio, uint64_t cookie,
                                 const char *match, const char *actions)
{
    char *text =
        xasprintf("table=%u,priority=%u,cookie=0x%" PRIx64 ",%s%s"
                  "actions=%s",
                  table, prio, cookie, match, *match ? "," : "", actions);
    struct fs_flow f;
    char *error = fs_flow_parse(&f, text);
    if (error) {
        fail_msg("%s: %s", text, error);
    }
    free(text);
    return f;
}

static void delta_add(struct fs_desired_delta *d, uint8_t table, uint16_t prio,
                      const char *match, uint64_t cookie, const char *actions)
{
    d->add_flows =
        xrealloc(d->add_flows, (d->n_add_flows + 1) * sizeof *d->add_flows);
    d->add_flows[d->n_add_flows++] =
        parse_flow(table, prio, cookie, match, actions);
}

/* A removed flow: only its key (cookie 0, no actions). */
static void delta_remove(struct fs_desired_delta *d, uint8_t table,
                         uint16_t prio, const char *match)
{
    d->remove_flows = xrealloc(d->remove_flows, (d->n_remove_flows + 1) *
                                                    sizeof *d->remove_flows);
    struct fs_flow f = parse_flow(table, prio, 0, match, "drop");
    fs_flow_clone_key(&d->remove_flows[d->n_remove_flows++], &f);
    fs_flow_destroy(&f);
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

/* The actions of the i'th message, a flow mod, as ovs-ofctl prints them
 * (caller frees). */
static char *actions_at(const struct fs_of_changes *ch, size_t i)
{
    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    decode_flow(msg_at(ch, i), &fm, &ofpacts);
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params fp = {.s = &s};
    ofpacts_format(fm.ofpacts, fm.ofpacts_len, &fp);
    minimatch_destroy(&fm.match);
    ofpbuf_uninit(&ofpacts);
    return ds_steal_cstr(&s);
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

/* The switch reports every flow and group 'ch' adds (as decoded from the
 * messages: the initial read of a switch that has exactly them). */
static void report_adds(struct fs_flowtable *ft, const struct fs_of_changes *ch)
{
    for (size_t i = 0; i < n_msgs(ch); i++) {
        const struct ofpbuf *msg = msg_at(ch, i);
        if (msg_type(msg) == OFPTYPE_GROUP_MOD) {
            struct ofputil_group_mod gm;
            assert_int_equal(ofputil_decode_group_mod(msg->data, &gm), 0);
            assert_int_equal(gm.command, OFPGC15_ADD);
            struct ofputil_group_desc gd = {
                .type = gm.type,
                .group_id = gm.group_id,
                .props = gm.props,
            };
            ovs_list_move(&gd.buckets, &gm.buckets);
            fs_groups_add_desc(&ft->groups_installed, &gd);
            ovs_list_move(&gm.buckets, &gd.buckets);
            ofputil_uninit_group_mod(&gm);
            continue;
        }
        struct ofputil_flow_mod fm;
        struct ofpbuf ofpacts;
        ofpbuf_init(&ofpacts, 64);
        decode_flow(msg, &fm, &ofpacts);
        assert_int_equal(fm.command, OFPFC_ADD);
        struct match match;
        minimatch_expand(&fm.match, &match);
        fs_flowtable_note_flow(ft, fm.table_id, fm.priority, &match,
                               ntohll(fm.new_cookie), fm.ofpacts,
                               fm.ofpacts_len, true);
        minimatch_destroy(&fm.match);
        ofpbuf_uninit(&ofpacts);
    }
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

/* A group that does not parse is left out with an error naming it (flows
 * are typed: only groups can be wrong); the rest is kept and applied. */
static void test_bad_group_reported(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    struct fs_desired_delta *d = base_delta();
    delta_add_group(d, FS_GROUP_BASE | 2,
                    "type=all,bucket=bucket_id:0,actions=frobnicate:3");
    char *error = apply(&ft, d);
    assert_non_null(error);
    assert_non_null(strstr(error, "frobnicate"));
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
    assert_no_changes(&ft);
    fs_flowtable_destroy(&ft);
}

/* One key twice in a delta (two texts of one match): the later flow is the
 * desired one, with no error. */
static void test_same_key_twice_later_wins(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    struct fs_desired_delta *d = delta_new(true);
    delta_add(d, 10, 100, "tcp,reg6=1", L2, "drop");
    delta_add(d, 10, 100, "ip,nw_proto=6,reg6=1", SFC7, "output:3");
    apply_ok(&ft, d);
    assert_counts(&ft, 1, 0, 0);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    struct flow_summary s = flow_at(&ch, 0);
    assert_int_equal(s.command, OFPFC_ADD);
    assert_int_equal(s.new_cookie, SFC7);
    char *actions = actions_at(&ch, 0);
    assert_string_equal(actions, "output:3");
    free(actions);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 1, 1, 0);
    assert_no_changes(&ft);
    /* The match written otherwise in a later delta is the same key: its
     * removal and a new version of it in one delta are a modify. */
    d = delta_new(false);
    delta_remove(d, 10, 100, "ip,nw_proto=6,reg6=1");
    delta_add(d, 10, 100, "tcp,reg6=1", SFC7, "drop");
    apply_ok(&ft, d);
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    assert_int_equal(flow_at(&ch, 0).command, OFPFC_MODIFY_STRICT);
    actions = actions_at(&ch, 0);
    assert_string_equal(actions, "drop");
    free(actions);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 1, 1, 0);
    /* Removed under its other text: gone. */
    d = delta_new(false);
    delta_remove(d, 10, 100, "reg6=1,ip,nw_proto=6");
    apply_ok(&ft, d);
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    assert_del_strict_ours(flow_at(&ch, 0));
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 0, 0, 0);
    fs_flowtable_destroy(&ft);
}

/* The flow table's own cases. */

static void test_same_delta_again_no_changes(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    install(&ft, base_delta());
    apply_ok(&ft, base_delta());
    assert_no_changes(&ft);
    fs_flowtable_commit(&ft);
    /* Incrementally too. */
    struct fs_desired_delta *d = delta_new(false);
    delta_add(d, 10, 100, CLASSIFIER, L2, "set_field:511->reg5");
    delta_add_group(d, GROUP, GROUP_SPEC);
    apply_ok(&ft, d);
    assert_no_changes(&ft);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
}

static void test_drift_removed_flow_added_back(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    install(&ft, base_delta());
    /* Another controller deletes our classifier flow; the monitor says. */
    note(&ft,
         "table=10,priority=100,cookie=0xf5e0000100000000," CLASSIFIER
         ",actions=set_field:511->reg5",
         false);
    assert_counts(&ft, 2, 1, 0);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    assert_int_equal(ch.flow_mods, 1);
    assert_int_equal(ch.group_mods, 0);
    struct flow_summary s = flow_at(&ch, 0);
    assert_int_equal(s.command, OFPFC_ADD);
    assert_int_equal(s.new_cookie, L2);
    assert_int_equal(s.table_id, 10);
    assert_int_equal(s.priority, 100);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    assert_no_changes(&ft);
    fs_flowtable_destroy(&ft);
}

static void test_drift_modified_flow_modify_strict(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    install(&ft, base_delta());
    /* Another controller changes our flow's actions: */
    note(&ft,
         "table=10,priority=100,cookie=0xf5e0000100000000," CLASSIFIER
         ",actions=drop",
         true);
    assert_counts(&ft, 2, 2, 0);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    struct flow_summary s = flow_at(&ch, 0);
    assert_int_equal(s.command, OFPFC_MODIFY_STRICT);
    assert_int_equal(s.cookie, FS_COOKIE_BASE);
    assert_int_equal(s.cookie_mask, FS_COOKIE_MASK);
    assert_int_equal(s.table_id, 10);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_no_changes(&ft);
    /* Reported back as they are desired: nothing to do. */
    note(&ft,
         "table=10,priority=100,cookie=0xf5e0000100000000," CLASSIFIER
         ",actions=set_field:511->reg5",
         true);
    assert_no_changes(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
}

static void test_reconnect_read_no_changes(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    struct fs_desired_delta *d = base_delta();
    delta_add_to_group(d, 20, 5, "arp", SFC7, GROUP);
    delta_add(d, 20, 6, "ip,nw_src=10.0.0.1", L2,
              "mod_vlan_vid:7,output:2,set_field:3->reg5");
    apply_ok(&ft, d);
    struct fs_of_changes first;
    fs_flowtable_changes(&ft, &first);
    assert_int_equal(n_msgs(&first), 5);
    fs_flowtable_commit(&ft);
    /* A foreign flow holds a desired key. */
    d = delta_new(false);
    delta_add(d, 20, 7, "arp", L2, "drop");
    apply_ok(&ft, d);
    note(&ft, "table=20,priority=7,cookie=0,arp,actions=output:9", true);
    assert_no_changes(&ft);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 5, 4, 1);

    /* A new connection: the switch's side is read again. */
    fs_flowtable_forget_installed(&ft);
    assert_counts(&ft, 5, 0, 0);
    report_adds(&ft, &first);
    note(&ft, "table=20,priority=7,cookie=0,arp,actions=output:9", true);
    fs_flowtable_mark_all_dirty(&ft);
    assert_no_changes(&ft);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 5, 4, 1);
    assert_no_changes(&ft);

    /* Read again with one flow missing: exactly that one is added. */
    fs_flowtable_forget_installed(&ft);
    report_adds(&ft, &first);
    note(&ft, "table=20,priority=7,cookie=0,arp,actions=output:9", true);
    note(&ft, "table=20,priority=5,cookie=0xf5e0000200000007,arp,actions=drop",
         false);
    fs_flowtable_mark_all_dirty(&ft);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    struct flow_summary s = flow_at(&ch, 0);
    assert_int_equal(s.command, OFPFC_ADD);
    assert_int_equal(s.new_cookie, SFC7);
    assert_int_equal(s.table_id, 20);
    assert_int_equal(s.priority, 5);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 5, 4, 1);
    fs_of_changes_destroy(&first);
    fs_flowtable_destroy(&ft);
}

static void test_audit_repairs_missing(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    struct fs_desired_delta *d = delta_new(true);
    delta_add(d, 0, 1, "in_port=1", L2, "output:2");
    delta_add(d, 0, 2, "in_port=2", L2, "output:3");
    delta_add(d, 0, 3, "in_port=3", L2, "output:4");
    delta_add(d, 0, 4, "in_port=4", L2, "output:5");
    install(&ft, d);
    assert_counts(&ft, 4, 4, 0);

    /* A dump of our flows finds only two of them (the monitor missed the
     * others going). */
    fs_flowtable_audit_start(&ft);
    note(&ft,
         "table=0,priority=1,cookie=0xf5e0000100000000,in_port=1,"
         "actions=output:2",
         true);
    note(&ft,
         "table=0,priority=3,cookie=0xf5e0000100000000,in_port=3,"
         "actions=output:4",
         true);
    assert_int_equal(fs_flowtable_audit_finish(&ft), 2);
    assert_counts(&ft, 4, 2, 0);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 2);
    uint16_t prios = 0;
    for (size_t i = 0; i < 2; i++) {
        struct flow_summary s = flow_at(&ch, i);
        assert_int_equal(s.command, OFPFC_ADD);
        prios |= 1u << s.priority;
    }
    assert_int_equal(prios, (1u << 2) | (1u << 4));
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 4, 4, 0);

    /* A complete dump finds nothing missing. */
    fs_flowtable_audit_start(&ft);
    for (int i = 1; i <= 4; i++) {
        char *flow = xasprintf("table=0,priority=%d,cookie=0xf5e0000100000000,"
                               "in_port=%d,actions=output:%d",
                               i, i, i + 1);
        note(&ft, flow, true);
        free(flow);
    }
    assert_int_equal(fs_flowtable_audit_finish(&ft), 0);
    assert_no_changes(&ft);

    /* A flow desired before the audit started and added while its dump is
     * read is not in the dump, and not missing. */
    d = delta_new(false);
    delta_add(d, 0, 5, "in_port=5", L2, "output:6");
    apply_ok(&ft, d);
    fs_flowtable_audit_start(&ft);
    for (int i = 1; i <= 4; i++) {
        char *flow = xasprintf("table=0,priority=%d,cookie=0xf5e0000100000000,"
                               "in_port=%d,actions=output:%d",
                               i, i, i + 1);
        note(&ft, flow, true);
        free(flow);
    }
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_int_equal(fs_flowtable_audit_finish(&ft), 0);
    assert_no_changes(&ft);
    assert_counts(&ft, 5, 5, 0);
    fs_flowtable_destroy(&ft);
}

static void test_stray_flow_of_ours_deleted(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    install(&ft, base_delta());
    /* A flow with our cookie nobody desires (left by an older flowsteer). */
    note(&ft, "table=30,priority=7,cookie=0xf5e0000200000009,udp,actions=drop",
         true);
    assert_counts(&ft, 2, 3, 0);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    struct flow_summary s = flow_at(&ch, 0);
    assert_del_strict_ours(s);
    assert_int_equal(s.table_id, 30);
    assert_int_equal(s.priority, 7);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    assert_no_changes(&ft);
    /* A foreign flow nobody desires is left alone. */
    note(&ft, "table=30,priority=7,cookie=0x5,udp,actions=drop", true);
    assert_no_changes(&ft);
    note(&ft, "table=30,priority=7,cookie=0x5,udp,actions=drop", false);
    assert_no_changes(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
}

/* A flow the switch refuses (its message's xid in the bundle's errors) is
 * left out of the next changes and listed; the rest goes on; a retry or a
 * new desired flow tries it again. */
static void test_refused_flow_left_out(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    struct fs_desired_delta *d = delta_new(true);
    delta_add(d, 0, 100, "in_port=1", L2, "set_field:1->reg6,goto_table:10");
    delta_add(d, 10, 100, CLASSIFIER, L2, "set_field:511->reg5");
    apply_ok(&ft, d);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 2);
    assert_int_equal(ch.n_tags, 2);
    /* The switch refuses the classifier flow. */
    struct fs_ft_entry *refused = NULL;
    for (size_t i = 0; i < ch.n_tags; i++) {
        struct fs_ft_entry *e = ch.tags[i].owner;
        if (e->table_id == 10) {
            refused = e;
        }
    }
    assert_non_null(refused);
    fs_flowtable_refuse(&ft, refused, "the switch refused it: TABLE_FULL");
    fs_of_changes_destroy(&ch);
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    assert_int_equal(flow_at(&ch, 0).table_id, 0);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_int_equal(ft.n_refused, 1);
    struct fs_errors errors = FS_ERRORS_INITIALIZER;
    fs_flowtable_conflicts(&ft, &errors);
    assert_int_equal(errors.n, 1);
    assert_non_null(strstr(errors.items[0].key, "flow table=10,priority=100,"));
    assert_non_null(strstr(errors.items[0].message, "TABLE_FULL; left out"));
    fs_errors_destroy(&errors);
    assert_no_changes(&ft);
    /* Tried again: one add, and no refusal left. */
    assert_int_equal(fs_flowtable_retry_refused(&ft), 1);
    assert_int_equal(ft.n_refused, 0);
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    assert_int_equal(flow_at(&ch, 0).command, OFPFC_ADD);
    assert_int_equal(flow_at(&ch, 0).table_id, 10);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
}

static void test_foreign_flow_replaced_by_ours(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    install(&ft, base_delta());
    /* A foreign flow replaces our classifier: a conflict... */
    note(&ft, "table=10,priority=100,cookie=0x1234," CLASSIFIER ",actions=drop",
         true);
    assert_no_changes(&ft);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 1, 1);
    /* ...until a flow of ours replaces it (the monitor reports one flow per
     * key: the foreign one is gone)... */
    note(&ft,
         "table=10,priority=100,cookie=0xf5e0000100000000," CLASSIFIER
         ",actions=set_field:511->reg5",
         true);
    assert_no_changes(&ft);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    /* ...so that when ours goes, it is added back. */
    note(&ft,
         "table=10,priority=100,cookie=0xf5e0000100000000," CLASSIFIER
         ",actions=set_field:511->reg5",
         false);
    struct fs_of_changes ch;
    fs_flowtable_changes(&ft, &ch);
    assert_int_equal(n_msgs(&ch), 1);
    assert_int_equal(flow_at(&ch, 0).command, OFPFC_ADD);
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&ft);
    assert_counts(&ft, 2, 2, 0);
    fs_flowtable_destroy(&ft);
}

/* Randomised reference check: the simulated switch. */

/* The pool of keys, actions and cookies random steps draw from. */
static const uint8_t R_TABLES[] = {0, 10, 20};
static const uint16_t R_PRIOS[] = {100, 200};
static const char *const R_MATCHES[] = {
    "in_port=1",          "in_port=2", CLASSIFIER,
    "ip,nw_src=10.0.0.1", "arp",       "dl_vlan=5",
};
#define R_N_PRIOS ARRAY_SIZE(R_PRIOS)
#define R_N_MATCHES ARRAY_SIZE(R_MATCHES)
#define R_N_KEYS (ARRAY_SIZE(R_TABLES) * R_N_PRIOS * R_N_MATCHES)
static const uint64_t R_OURS[] = {
    FS_COOKIE(FS_COOKIE_L2, 0),
    FS_COOKIE(FS_COOKIE_SFC, 7),
    FS_COOKIE(FS_COOKIE_PORT_SEC, 3),
};
static const uint64_t R_FOREIGN[] = {0, 0x1234};
#define R_N_GROUPS 3
static const char *const R_GROUP_SPECS[] = {
    GROUP_SPEC,
    "type=select,selection_method=hash,fields(ip_src),"
    "bucket=bucket_id:0,weight:1,actions=output:3",
    "type=all,bucket=bucket_id:0,actions=output:6,"
    "bucket=bucket_id:1,actions=output:7",
};
/* Actions: the first R_N_PLAIN reference no group, then "group:G" for each
 * group of the pool. */
static const char *const R_PLAIN[] = {
    "drop",
    "output:3",
    "output:5",
    "set_field:1->reg6,output:4",
    "mod_vlan_vid:7,output:2",
};
#define R_N_PLAIN ARRAY_SIZE(R_PLAIN)
#define R_N_ACTIONS (R_N_PLAIN + R_N_GROUPS)
/* Another controller's actions (in canonical form). */
static const char *const R_OTHER[] = {"output:9", "drop"};

static uint32_t r_group_id(int g)
{
    return FS_GROUP_BASE | (uint32_t)(g + 1);
}

struct sw_flow {
    bool on;
    uint64_t cookie;
    struct ofpact *ofpacts;
    size_t ofpacts_len;
    char *text; /* Actions, canonical. */
};

struct sw_group {
    bool on;
    struct ofputil_group_mod gm; /* As decoded from our group mod. */
};

struct rtest {
    uint64_t rng;
    struct fs_flowtable ft;
    struct fs_reads reads;
    /* Pool, parsed once. */
    struct minimatch keys[R_N_KEYS];
    struct match key_match[R_N_KEYS];
    char *action_text[R_N_KEYS][R_N_ACTIONS]; /* As the switch has them. */
    /* What the test desires (render's side). */
    struct {
        bool on;
        int cookie, actions;
    } want[R_N_KEYS];
    int want_group[R_N_GROUPS]; /* Spec index, -1: none. */
    /* The switch. */
    struct sw_flow sw[R_N_KEYS];
    struct sw_group swg[R_N_GROUPS];
    /* Statistics. */
    size_t n_msgs, n_conflicts_seen, n_repaired;
};

static uint32_t rnd(struct rtest *t, uint32_t n)
{
    t->rng ^= t->rng << 13;
    t->rng ^= t->rng >> 7;
    t->rng ^= t->rng << 17;
    return (uint32_t)(t->rng >> 11) % n;
}

static uint8_t key_table(size_t k)
{
    return R_TABLES[k / (R_N_PRIOS * R_N_MATCHES)];
}

static uint16_t key_prio(size_t k)
{
    return R_PRIOS[k / R_N_MATCHES % R_N_PRIOS];
}

static const char *key_match_text(size_t k)
{
    return R_MATCHES[k % R_N_MATCHES];
}

static char *actions_format(const struct ofpact *ofpacts, size_t len)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params fp = {.s = &s};
    ofpacts_format(ofpacts, len, &fp);
    return ds_steal_cstr(&s);
}

/* 'actions' as a switch has them in a flow with key 'k' (the match may
 * change them: mod_vlan_vid pushes a VLAN header only if there is none):
 * parsed, sent in an OpenFlow 1.5 flow mod and decoded (into 'ofpacts',
 * initialized by the caller). */
static void wire_actions(size_t k, const char *actions, struct ofpbuf *ofpacts)
{
    char *s = xasprintf("table=%u,priority=%u,%s,actions=%s", key_table(k),
                        key_prio(k), key_match_text(k), actions);
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    assert_null(parse_ofp_flow_mod_str(&fm, s, NULL, NULL, OFPFC_ADD, &usable));
    fm.buffer_id = UINT32_MAX;
    struct ofpbuf *msg = ofputil_encode_flow_mod(&fm, OFPUTIL_P_OF15_OXM);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    decode_flow(msg, &fm, ofpacts);
    minimatch_destroy(&fm.match);
    ofpbuf_delete(msg);
    free(s);
}

static char *action_string(int a)
{
    return a < (int)R_N_PLAIN
               ? xstrdup(R_PLAIN[a])
               : xasprintf("group:%" PRIu32, r_group_id(a - (int)R_N_PLAIN));
}

static void rtest_init(struct rtest *t)
{
    memset(t, 0, sizeof *t);
    t->rng = UINT64_C(0x9e3779b97f4a7c15);
    fs_flowtable_init(&t->ft);
    for (size_t k = 0; k < R_N_KEYS; k++) {
        char *s = xasprintf("table=%u,priority=%u,%s,actions=drop",
                            key_table(k), key_prio(k), key_match_text(k));
        struct ofputil_flow_mod fm;
        enum ofputil_protocol usable;
        assert_null(
            parse_ofp_flow_mod_str(&fm, s, NULL, NULL, OFPFC_ADD, &usable));
        t->keys[k] = fm.match;
        minimatch_expand(&fm.match, &t->key_match[k]);
        free(fm.ofpacts);
        free(s);
    }
    for (int a = 0; a < (int)R_N_ACTIONS; a++) {
        char *acts = action_string(a);
        for (size_t k = 0; k < R_N_KEYS; k++) {
            struct ofpbuf ofpacts;
            ofpbuf_init(&ofpacts, 64);
            wire_actions(k, acts, &ofpacts);
            t->action_text[k][a] = actions_format(ofpacts.data, ofpacts.size);
            ofpbuf_uninit(&ofpacts);
        }
        free(acts);
    }
    for (int g = 0; g < R_N_GROUPS; g++) {
        t->want_group[g] = -1;
    }
}

static void sw_clear(struct sw_flow *f)
{
    free(f->ofpacts);
    free(f->text);
    *f = (struct sw_flow){.on = false};
}

static void sw_set(struct sw_flow *f, uint64_t cookie,
                   const struct ofpact *ofpacts, size_t len)
{
    sw_clear(f);
    f->on = true;
    f->cookie = cookie;
    f->ofpacts = xmemdup(ofpacts, len);
    f->ofpacts_len = len;
    f->text = actions_format(ofpacts, len);
}

static bool is_ours(uint64_t cookie)
{
    return (cookie & FS_COOKIE_MASK) == FS_COOKIE_BASE;
}

static void rtest_destroy(struct rtest *t)
{
    for (size_t k = 0; k < R_N_KEYS; k++) {
        minimatch_destroy(&t->keys[k]);
        sw_clear(&t->sw[k]);
    }
    for (int a = 0; a < (int)R_N_ACTIONS; a++) {
        for (size_t k = 0; k < R_N_KEYS; k++) {
            free(t->action_text[k][a]);
        }
    }
    for (int g = 0; g < R_N_GROUPS; g++) {
        if (t->swg[g].on) {
            ofputil_uninit_group_mod(&t->swg[g].gm);
        }
    }
    fs_flowtable_destroy(&t->ft);
}

static size_t find_key_slot(const struct rtest *t, uint8_t table, uint16_t prio,
                            const struct minimatch *m)
{
    for (size_t k = 0; k < R_N_KEYS; k++) {
        if (key_table(k) == table && key_prio(k) == prio &&
            minimatch_equal(&t->keys[k], m)) {
            return k;
        }
    }
    fail_msg("a flow mod for a key outside the pool (table %u, priority %u)",
             table, prio);
    return 0;
}

static int find_group_slot(uint32_t group_id)
{
    for (int g = 0; g < R_N_GROUPS; g++) {
        if (r_group_id(g) == group_id) {
            return g;
        }
    }
    fail_msg("a group mod for group %" PRIu32 " outside the pool", group_id);
    return 0;
}

/* OVS refuses a flow that outputs to a group that does not exist. */
static void check_group_refs(const struct rtest *t, const struct ofpact *a,
                             size_t len)
{
    for (int g = 0; g < R_N_GROUPS; g++) {
        if (!t->swg[g].on && ofpacts_output_to_group(a, len, r_group_id(g))) {
            fail_msg("flow mod to group %" PRIu32 ", which does not exist",
                     r_group_id(g));
        }
    }
}

/* The switch applies one of our messages as OpenFlow 1.5 does: an add
 * replaces the flow with its table, priority and match whoever owns it;
 * modify_strict and delete_strict affect only a flow whose cookie matches
 * under the mask (and a modify never adds one); groups go by id, and
 * deleting one deletes the flows that output to it. */
static void sw_apply(struct rtest *t, const struct ofpbuf *msg)
{
    t->n_msgs++;
    if (msg_type(msg) == OFPTYPE_GROUP_MOD) {
        struct ofputil_group_mod gm;
        assert_int_equal(ofputil_decode_group_mod(msg->data, &gm), 0);
        struct sw_group *sg = &t->swg[find_group_slot(gm.group_id)];
        if (gm.command == OFPGC15_ADD) {
            assert_false(sg->on); /* OFPGMFC_GROUP_EXISTS otherwise. */
        } else if (gm.command == OFPGC15_MODIFY) {
            assert_true(sg->on); /* OFPGMFC_UNKNOWN_GROUP otherwise. */
        } else {
            assert_int_equal(gm.command, OFPGC15_DELETE);
            assert_true(sg->on); /* Deleting what is not there: a wrong
                                  * belief. */
        }
        if (sg->on) {
            ofputil_uninit_group_mod(&sg->gm);
            sg->on = false;
        }
        if (gm.command == OFPGC15_DELETE) {
            for (size_t k = 0; k < R_N_KEYS; k++) {
                if (t->sw[k].on && ofpacts_output_to_group(t->sw[k].ofpacts,
                                                           t->sw[k].ofpacts_len,
                                                           gm.group_id)) {
                    sw_clear(&t->sw[k]);
                }
            }
            ofputil_uninit_group_mod(&gm);
        } else {
            sg->on = true;
            sg->gm = gm;
            ovs_list_moved(&sg->gm.buckets, &gm.buckets);
        }
        return;
    }
    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    decode_flow(msg, &fm, &ofpacts);
    struct sw_flow *f =
        &t->sw[find_key_slot(t, fm.table_id, fm.priority, &fm.match)];
    switch (fm.command) {
    case OFPFC_ADD:
        assert_true(is_ours(ntohll(fm.new_cookie)));
        if (f->on && !is_ours(f->cookie)) {
            fail_msg("an add replaced another controller's flow (table %u, "
                     "priority %u)",
                     fm.table_id, fm.priority);
        }
        check_group_refs(t, fm.ofpacts, fm.ofpacts_len);
        sw_set(f, ntohll(fm.new_cookie), fm.ofpacts, fm.ofpacts_len);
        break;
    case OFPFC_MODIFY_STRICT:
    case OFPFC_DELETE_STRICT:
        assert_int_equal(ntohll(fm.cookie), FS_COOKIE_BASE);
        assert_int_equal(ntohll(fm.cookie_mask), FS_COOKIE_MASK);
        /* The table sends these only for a flow of ours it believes is
         * there, and its beliefs are exact here. */
        if (!f->on || !is_ours(f->cookie)) {
            fail_msg("%s of a flow of ours that is not there (table %u, "
                     "priority %u)",
                     fm.command == OFPFC_DELETE_STRICT ? "delete_strict"
                                                       : "modify_strict",
                     fm.table_id, fm.priority);
        }
        if (fm.command == OFPFC_DELETE_STRICT) {
            sw_clear(f);
        } else {
            check_group_refs(t, fm.ofpacts, fm.ofpacts_len);
            sw_set(f, f->cookie, fm.ofpacts, fm.ofpacts_len);
        }
        break;
    default:
        fail_msg("unexpected flow mod command %d", fm.command);
    }
    minimatch_destroy(&fm.match);
    ofpbuf_uninit(&ofpacts);
}

/* Feeds 'replies' (consumed) to the table as the OVS thread does. */
static void feed(struct rtest *t, struct ovs_list *replies)
{
    struct ofpbuf *msg;
    LIST_FOR_EACH_POP(msg, list_node, replies)
    {
        ofpmsg_update_length(msg);
        fs_installed_process(&t->ft, &t->reads, msg);
        ofpbuf_delete(msg);
    }
    assert_null(t->reads.broken);
}

static void append_update(const struct rtest *t, struct ovs_list *replies,
                          size_t k, enum ofp_flow_update_event event,
                          const struct sw_flow *f)
{
    struct ofputil_flow_update u = {
        .event = event,
        .reason = OFPRR_DELETE,
        .table_id = key_table(k),
        .priority = key_prio(k),
        .cookie = htonll(f->cookie),
        .match = t->key_match[k],
        .ofpacts = f->ofpacts,
        .ofpacts_len = f->ofpacts_len,
    };
    ofputil_append_flow_update(&u, replies, NULL);
}

/* The flow monitor reports a change of key 'k' by another controller: 'f'
 * is the flow there now, or the one removed. */
static void monitor_update(struct rtest *t, size_t k,
                           enum ofp_flow_update_event event,
                           const struct sw_flow *f)
{
    struct ovs_list replies;
    ofputil_start_flow_update(&replies, OFPUTIL_P_OF15_OXM);
    append_update(t, &replies, k, event, f);
    feed(t, &replies);
}

static void set_xid(struct ovs_list *replies, ovs_be32 xid)
{
    struct ofpbuf *msg;
    LIST_FOR_EACH(msg, list_node, replies)
    {
        ((struct ofp_header *)msg->data)->xid = xid;
    }
}

static ovs_be32 xid_of_request(struct ofpbuf *request)
{
    return ((const struct ofp_header *)request->data)->xid;
}

/* A new connection: the table forgets the switch's side and reads it again
 * (the flow monitor's initial reply, the group descriptions), as
 * reconciler/ovs/ovs_thread.c does. */
static void reconnect(struct rtest *t)
{
    fs_flowtable_forget_installed(&t->ft);
    struct ofpbuf *groups_rq = fs_ofbridge_groups_request();
    t->reads = (struct fs_reads){
        .monitor_initial = true,
        .groups = true,
        .monitor_xid = htonl(0x4d4f4e),
        .groups_xid = xid_of_request(groups_rq),
    };
    struct ovs_list replies;
    ofputil_start_flow_update(&replies, OFPUTIL_P_OF15_OXM);
    for (size_t k = 0; k < R_N_KEYS; k++) {
        if (t->sw[k].on) {
            append_update(t, &replies, k, OFPFME_INITIAL, &t->sw[k]);
        }
    }
    set_xid(&replies, t->reads.monitor_xid);
    feed(t, &replies);
    assert_false(fs_installed_known(&t->reads));
    ofpmp_init(&replies, groups_rq->data);
    for (int g = 0; g < R_N_GROUPS; g++) {
        if (t->swg[g].on) {
            const struct ofputil_group_mod *gm = &t->swg[g].gm;
            struct ofputil_group_desc gd = {
                .type = gm->type,
                .group_id = gm->group_id,
                .props = gm->props,
            };
            ovs_list_init(&gd.buckets);
            ofputil_append_group_desc_reply(&gd, &gm->buckets, &replies);
        }
    }
    ofpbuf_delete(groups_rq);
    feed(t, &replies);
    assert_true(fs_installed_known(&t->reads));
    fs_flowtable_mark_all_dirty(&t->ft);
}

/* An audit: a dump of the switch's flows with our cookie, read into the
 * table.  Returns the number of flows it found missing. */
static size_t audit(struct rtest *t)
{
    fs_flowtable_audit_start(&t->ft);
    struct ofpbuf *rq = fs_ofbridge_audit_request();
    t->reads.audit = true;
    t->reads.audit_xid = xid_of_request(rq);
    struct ovs_list replies;
    ofpmp_init(&replies, rq->data);
    ofpbuf_delete(rq);
    for (size_t k = 0; k < R_N_KEYS; k++) {
        const struct sw_flow *f = &t->sw[k];
        if (f->on && is_ours(f->cookie)) {
            struct ofputil_flow_stats fs = {
                .match = t->key_match[k],
                .cookie = htonll(f->cookie),
                .table_id = key_table(k),
                .priority = key_prio(k),
                .idle_age = -1,
                .hard_age = -1,
                .packet_count = UINT64_MAX,
                .byte_count = UINT64_MAX,
                .ofpacts = f->ofpacts,
                .ofpacts_len = f->ofpacts_len,
            };
            ofputil_append_flow_stats_reply(&fs, &replies, NULL);
        }
    }
    feed(t, &replies);
    assert_false(t->reads.audit);
    size_t n = t->reads.repaired;
    t->reads.repaired = 0;
    return n;
}

/* Random deltas. */

static bool group_wanted_after(const struct rtest *t, const int *next_group,
                               int a)
{
    return a < (int)R_N_PLAIN || next_group[a - (int)R_N_PLAIN] >= 0;
}

/* Random actions for a desired flow, given the groups desired after the
 * delta. */
static int random_actions(struct rtest *t, const int *next_group)
{
    int a = (int)rnd(t, R_N_ACTIONS);
    return group_wanted_after(t, next_group, a) ? a : (int)rnd(t, R_N_PLAIN);
}

static void delta_add_key(struct fs_desired_delta *d, const struct rtest *t,
                          size_t k)
{
    char *acts = action_string(t->want[k].actions);
    delta_add(d, key_table(k), key_prio(k), key_match_text(k),
              R_OURS[t->want[k].cookie], acts);
    free(acts);
}

static void delta_add_group_slot(struct fs_desired_delta *d,
                                 const struct rtest *t, int g)
{
    delta_add_group(d, r_group_id(g), R_GROUP_SPECS[t->want_group[g]]);
}

/* A full delta: a new random desired set. */
static struct fs_desired_delta *random_full_delta(struct rtest *t)
{
    struct fs_desired_delta *d = delta_new(true);
    for (int g = 0; g < R_N_GROUPS; g++) {
        t->want_group[g] = rnd(t, 3) ? (int)rnd(t, 3) : -1;
        if (t->want_group[g] >= 0) {
            delta_add_group_slot(d, t, g);
        }
    }
    for (size_t k = 0; k < R_N_KEYS; k++) {
        t->want[k].on = rnd(t, 2);
        if (t->want[k].on) {
            t->want[k].cookie = (int)rnd(t, ARRAY_SIZE(R_OURS));
            t->want[k].actions = random_actions(t, t->want_group);
            delta_add_key(d, t, k);
        }
    }
    return d;
}

/* An incremental delta: a few flows added, changed or removed, maybe a
 * group added, changed or removed (and the flows that use a removed group
 * changed or removed with it, as render/ would). */
static struct fs_desired_delta *random_delta(struct rtest *t)
{
    struct fs_desired_delta *d = delta_new(false);
    bool touched[R_N_KEYS] = {false};
    int next_group[R_N_GROUPS];
    memcpy(next_group, t->want_group, sizeof next_group);
    if (!rnd(t, 4)) {
        int g = (int)rnd(t, R_N_GROUPS);
        if (next_group[g] >= 0 && rnd(t, 2)) {
            next_group[g] = -1;
            delta_remove_group(d, r_group_id(g));
        } else {
            next_group[g] = (int)rnd(t, 3);
        }
        t->want_group[g] = next_group[g];
        if (next_group[g] >= 0) {
            delta_add_group_slot(d, t, g);
        }
        /* Flows that use a group that goes go or change with it. */
        for (size_t k = 0; k < R_N_KEYS; k++) {
            if (t->want[k].on &&
                !group_wanted_after(t, next_group, t->want[k].actions)) {
                touched[k] = true;
                if (rnd(t, 2)) {
                    t->want[k].on = false;
                    delta_remove(d, key_table(k), key_prio(k),
                                 key_match_text(k));
                } else {
                    t->want[k].actions = (int)rnd(t, R_N_PLAIN);
                    delta_add_key(d, t, k);
                }
            }
        }
    }
    int n = 1 + (int)rnd(t, 4);
    for (int i = 0; i < n; i++) {
        size_t k = rnd(t, R_N_KEYS);
        if (touched[k]) {
            continue;
        }
        touched[k] = true;
        if (t->want[k].on && !rnd(t, 3)) {
            t->want[k].on = false;
            delta_remove(d, key_table(k), key_prio(k), key_match_text(k));
            continue;
        }
        if (!t->want[k].on || rnd(t, 2)) {
            t->want[k].cookie = (int)rnd(t, ARRAY_SIZE(R_OURS));
        }
        t->want[k].on = true;
        t->want[k].actions = random_actions(t, next_group);
        delta_add_key(d, t, k);
    }
    return d;
}

/* Random changes by another controller. */

/* A random key whose switch flow satisfies 'ours' (true: a flow of ours,
 * false: another controller's); -1 if there is none. */
static int random_flow(struct rtest *t, bool ours)
{
    size_t start = rnd(t, R_N_KEYS);
    for (size_t i = 0; i < R_N_KEYS; i++) {
        size_t k = (start + i) % R_N_KEYS;
        if (t->sw[k].on && is_ours(t->sw[k].cookie) == ours) {
            return (int)k;
        }
    }
    return -1;
}

static void sw_set_text(struct rtest *t, size_t k, uint64_t cookie,
                        const char *actions)
{
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    wire_actions(k, actions, &ofpacts);
    sw_set(&t->sw[k], cookie, ofpacts.data, ofpacts.size);
    ofpbuf_uninit(&ofpacts);
}

/* One change on the switch by another controller; reported to the table
 * by a flow monitor update unless 'silent'.  'ours_only': only changes a
 * dump of our flows can see (deleting or modifying one of ours, adding one
 * with our cookie). */
static void other_controller(struct rtest *t, bool silent, bool ours_only)
{
    int kind = (int)rnd(t, ours_only ? 3 : 5);
    int k;
    struct sw_flow old = {.on = false};
    enum ofp_flow_update_event event;
    switch (kind) {
    case 0: /* Deletes one of ours. */
    case 4: /* Deletes a foreign flow. */
        k = random_flow(t, kind == 0);
        if (k < 0) {
            return;
        }
        old = t->sw[k];
        t->sw[k] = (struct sw_flow){.on = false};
        if (!silent) {
            monitor_update(t, k, OFPFME_REMOVED, &old);
        }
        sw_clear(&old);
        return;
    case 1: /* Modifies the actions of one of ours. */
        k = random_flow(t, true);
        if (k < 0) {
            return;
        }
        sw_set_text(t, k, t->sw[k].cookie, R_OTHER[rnd(t, 2)]);
        event = OFPFME_MODIFIED;
        break;
    case 2: /* Adds a flow with our cookie anywhere (a stray or not). */
    case 3: /* Adds its own flow anywhere. */
        k = (int)rnd(t, R_N_KEYS);
        event = t->sw[k].on ? OFPFME_MODIFIED : OFPFME_ADDED;
        sw_set_text(t, k,
                    kind == 2 ? R_OURS[rnd(t, ARRAY_SIZE(R_OURS))]
                              : R_FOREIGN[rnd(t, ARRAY_SIZE(R_FOREIGN))],
                    kind == 2 ? R_PLAIN[rnd(t, R_N_PLAIN)]
                              : R_OTHER[rnd(t, 2)]);
        break;
    default:
        OVS_NOT_REACHED();
    }
    if (!silent) {
        monitor_update(t, k, event, &t->sw[k]);
    }
}

/* Checks the switch against the desired set and the table's counters and
 * conflicts, after the table's changes were applied and committed. */
static void check(struct rtest *t)
{
    size_t n_desired = 0, n_ours = 0, n_conflicts = 0;
    struct fs_errors errors = FS_ERRORS_INITIALIZER;
    fs_flowtable_conflicts(&t->ft, &errors);
    for (size_t k = 0; k < R_N_KEYS; k++) {
        const struct sw_flow *f = &t->sw[k];
        n_ours += f->on && is_ours(f->cookie);
        if (!t->want[k].on) {
            if (f->on && is_ours(f->cookie)) {
                fail_msg("key %zu: a flow of ours that is not desired", k);
            }
            continue;
        }
        n_desired++;
        if (f->on && !is_ours(f->cookie)) {
            /* A conflict, listed with the foreign cookie. */
            n_conflicts++;
            struct ds key = DS_EMPTY_INITIALIZER;
            ds_put_format(&key, "flow table=%u,priority=%u,", key_table(k),
                          key_prio(k));
            match_format(&t->key_match[k], NULL, &key, OFP_DEFAULT_PRIORITY);
            char *cookie = xasprintf("(cookie 0x%" PRIx64 ")", f->cookie);
            bool listed = false;
            for (size_t i = 0; i < errors.n; i++) {
                listed |= !strcmp(errors.items[i].key, ds_cstr(&key)) &&
                          strstr(errors.items[i].message, cookie);
            }
            if (!listed) {
                fail_msg("conflict %s %s not listed", ds_cstr(&key), cookie);
            }
            free(cookie);
            ds_destroy(&key);
            continue;
        }
        if (!f->on) {
            fail_msg("key %zu (table %u, priority %u, %s): desired flow "
                     "missing",
                     k, key_table(k), key_prio(k), key_match_text(k));
        }
        assert_int_equal(f->cookie, R_OURS[t->want[k].cookie]);
        assert_string_equal(f->text, t->action_text[k][t->want[k].actions]);
    }
    assert_int_equal(errors.n, n_conflicts);
    fs_errors_destroy(&errors);
    assert_int_equal(t->ft.n_desired, n_desired);
    assert_int_equal(t->ft.n_installed, n_ours);
    assert_int_equal(t->ft.n_conflicts, n_conflicts);
    t->n_conflicts_seen += n_conflicts;

    /* Groups: exactly the desired ones, as desired. */
    struct fs_groups want, have;
    fs_groups_init(&want);
    fs_groups_init(&have);
    for (int g = 0; g < R_N_GROUPS; g++) {
        if (t->want_group[g] >= 0) {
            struct fs_group fg = {r_group_id(g),
                                  (char *)R_GROUP_SPECS[t->want_group[g]]};
            assert_null(fs_groups_add_desired(&want, &fg));
        }
        if (t->swg[g].on) {
            const struct ofputil_group_mod *gm = &t->swg[g].gm;
            struct ofputil_group_desc gd = {
                .type = gm->type,
                .group_id = gm->group_id,
                .props = gm->props,
            };
            ovs_list_init(&gd.buckets);
            ofputil_bucket_clone_list(&gd.buckets, &gm->buckets, NULL);
            fs_groups_add_desc(&have, &gd);
            ofputil_bucket_list_destroy(&gd.buckets);
        }
    }
    assert_int_equal(hmap_count(&want.groups), hmap_count(&have.groups));
    const struct fs_groups_entry *w;
    HMAP_FOR_EACH(w, node, &want.groups)
    {
        bool found = false;
        const struct fs_groups_entry *h;
        HMAP_FOR_EACH(h, node, &have.groups)
        {
            if (h->group_id == w->group_id) {
                assert_string_equal(h->canon, w->canon);
                found = true;
            }
        }
        assert_true(found);
    }
    fs_groups_destroy(&want);
    fs_groups_destroy(&have);
}

/* The table's changes, applied to the switch, then committed. */
static void sync_switch(struct rtest *t)
{
    /* Another controller's flows, to check that none is touched. */
    uint64_t foreign_cookie[R_N_KEYS];
    char *foreign_text[R_N_KEYS];
    for (size_t k = 0; k < R_N_KEYS; k++) {
        bool foreign = t->sw[k].on && !is_ours(t->sw[k].cookie);
        foreign_cookie[k] = foreign ? t->sw[k].cookie : 0;
        foreign_text[k] = foreign ? xstrdup(t->sw[k].text) : NULL;
    }
    struct fs_of_changes ch;
    fs_flowtable_changes(&t->ft, &ch);
    assert_int_equal(ch.flow_mods + ch.group_mods, n_msgs(&ch));
    const struct ofpbuf *msg;
    LIST_FOR_EACH(msg, list_node, &ch.msgs)
    {
        sw_apply(t, msg);
    }
    fs_of_changes_destroy(&ch);
    fs_flowtable_commit(&t->ft);
    for (size_t k = 0; k < R_N_KEYS; k++) {
        if (foreign_text[k]) {
            assert_true(t->sw[k].on);
            assert_int_equal(t->sw[k].cookie, foreign_cookie[k]);
            assert_string_equal(t->sw[k].text, foreign_text[k]);
            free(foreign_text[k]);
        }
    }
    check(t);
    assert_no_changes(&t->ft);
}

static void test_random_against_switch(void **state)
{
    struct rtest *t = xmalloc(sizeof *t);
    rtest_init(t);
    reconnect(t); /* An empty switch. */
    apply_ok(&t->ft, random_full_delta(t));
    sync_switch(t);
    enum { STEPS = 3000 };
    size_t n_audits = 0, n_reconnects = 0;
    for (int step = 0; step < STEPS; step++) {
        uint32_t r = rnd(t, 100);
        if (r < 3) {
            apply_ok(&t->ft, random_full_delta(t));
        } else if (r < 50) {
            apply_ok(&t->ft, random_delta(t));
        } else if (r < 80) {
            for (uint32_t i = 1 + rnd(t, 3); i; i--) {
                other_controller(t, false, false);
            }
        } else if (r < 88) {
            /* Both at once. */
            other_controller(t, false, false);
            apply_ok(&t->ft, random_delta(t));
            other_controller(t, false, false);
        } else if (r < 95) {
            /* An audit after changes the monitor missed. */
            bool had[R_N_KEYS];
            for (size_t k = 0; k < R_N_KEYS; k++) {
                had[k] = t->sw[k].on && is_ours(t->sw[k].cookie);
            }
            uint32_t drift = rnd(t, 3);
            for (uint32_t i = drift; i; i--) {
                other_controller(t, true, true);
            }
            size_t missing = 0;
            for (size_t k = 0; k < R_N_KEYS; k++) {
                missing += had[k] && !(t->sw[k].on && is_ours(t->sw[k].cookie));
            }
            assert_int_equal(audit(t), missing);
            t->n_repaired += missing;
            n_audits++;
            if (!drift) {
                assert_no_changes(&t->ft); /* Nothing to repair. */
            }
        } else {
            /* A reconnect after any changes, even unseen ones. */
            uint32_t drift = rnd(t, 3);
            for (uint32_t i = drift; i; i--) {
                other_controller(t, true, false);
            }
            bool delta = rnd(t, 2);
            if (delta) {
                apply_ok(&t->ft, random_delta(t));
            }
            reconnect(t);
            n_reconnects++;
            if (!drift && !delta) {
                assert_no_changes(&t->ft); /* Read back as it was. */
            }
        }
        sync_switch(t);
    }
    print_message("%d steps: %zu messages, %zu audits (%zu flows repaired), "
                  "%zu reconnects, %zu conflicts seen over the steps\n",
                  STEPS, t->n_msgs, n_audits, t->n_repaired, n_reconnects,
                  t->n_conflicts_seen);
    assert_true(t->n_repaired > 0);
    assert_true(t->n_conflicts_seen > 0);
    rtest_destroy(t);
    free(t);
}

/* Streaming a cold start's full delta (fs_flowtable_stream_*()). */

/* Messages 'ma' and 'mb' are the same but for their transaction ids. */
static void assert_same_msg(const struct ofpbuf *ma, const struct ofpbuf *mb)
{
    assert_int_equal(ma->size, mb->size);
    struct ofp_header ha = *(const struct ofp_header *)ma->data;
    struct ofp_header hb = *(const struct ofp_header *)mb->data;
    ha.xid = hb.xid = 0;
    assert_memory_equal(&ha, &hb, sizeof ha);
    assert_memory_equal((const char *)ma->data + sizeof ha,
                        (const char *)mb->data + sizeof hb,
                        ma->size - sizeof ha);
}

/* Messages 'a' and 'b' are the same but for their transaction ids. */
static void assert_same_msgs(const struct fs_of_changes *a,
                             const struct fs_of_changes *b)
{
    assert_int_equal(n_msgs(a), n_msgs(b));
    assert_int_equal(a->flow_mods, b->flow_mods);
    assert_int_equal(a->group_mods, b->group_mods);
    assert_int_equal(a->n_tags, b->n_tags);
    for (size_t i = 0; i < n_msgs(a); i++) {
        assert_same_msg(msg_at(a, i), msg_at(b, i));
    }
}

/* A full delta of 'n' flows (several tables, cookies, a group), with two
 * groups that do not parse when 'bad', and the key of its first flow again
 * near its end (written otherwise, with another cookie and actions) when
 * 'dup'. */
static struct fs_desired_delta *stream_delta(size_t n, bool bad, bool dup)
{
    struct fs_desired_delta *d = delta_new(true);
    delta_add_group(d, GROUP, GROUP_SPEC);
    if (bad) {
        delta_add_group(d, FS_GROUP_BASE | 2,
                        "type=all,bucket=bucket_id:0,actions=no_such_action:3");
        delta_add_group(d, FS_GROUP_BASE | 3,
                        "type=all,bucket=bucket_id:0,actions=no_such_action:4");
    }
    for (size_t i = 0; i < n; i++) {
        char match[64], actions[64];
        snprintf(match, sizeof match, "reg6=%zu,tcp,tp_dst=%zu", i % 7, i);
        snprintf(actions, sizeof actions, "set_field:%zu->reg5", i);
        delta_add(d, 10 + i % 3, 100 + i % 2, match, i % 5 ? L2 : SFC7,
                  actions);
        if (dup && i == n - 2) {
            /* The key of flow 0, written otherwise. */
            delta_add(d, 10, 100, "tcp,reg6=0,tp_dst=0", L2,
                      "set_field:9->reg5");
        }
    }
    delta_add_to_group(d, 15, 200, "reg6=1", L2, GROUP);
    return d;
}

/* Streams 'd' into 'ft' in parts of 'max' flows; returns the error, the
 * messages in 'ch'. */
static char *stream_all(struct fs_flowtable *ft,
                        const struct fs_desired_delta *d, size_t max,
                        struct fs_of_changes *ch)
{
    assert_true(fs_flowtable_can_stream(ft, d));
    struct fs_ft_stream *s = fs_flowtable_stream_start(ft, d, ch);
    size_t total = 0, n;
    while ((n = fs_flowtable_stream_next(s, max, ch))) {
        assert_true(n <= max);
        total += n;
    }
    assert_int_equal(total, d->n_add_flows);
    return fs_flowtable_stream_finish(s, ch);
}

/* The same delta applied as usual and streamed (in parts of 1, 5, 64 and
 * all) gives the same messages in the same order, the same error (groups
 * that do not parse) and the same table, another owner's flow at one key
 * included. */
static void test_stream_same_as_apply(void **state)
{
    static const size_t parts[] = {1, 5, 64, SIZE_MAX};
    for (size_t c = 0; c < ARRAY_SIZE(parts); c++) {
        for (int variant = 0; variant < 2; variant++) {
            bool bad = variant;
            struct fs_flowtable ref, ft;
            fs_flowtable_init(&ref);
            fs_flowtable_init(&ft);
            const char *foreign = "table=11,priority=101,cookie=0x1234,"
                                  "reg6=1,tcp,tp_dst=1,actions=drop";
            note(&ref, foreign, true);
            note(&ft, foreign, true);

            struct fs_desired_delta *d = stream_delta(200, bad, false);
            char *ref_error = fs_flowtable_apply_delta(&ref, d);
            struct fs_of_changes ref_ch, ch;
            fs_flowtable_changes(&ref, &ref_ch);
            char *error = stream_all(&ft, d, parts[c], &ch);
            if (bad) {
                assert_non_null(ref_error);
                assert_non_null(error);
                assert_string_equal(error, ref_error);
                assert_non_null(strstr(error, "no_such_action"));
                assert_non_null(strstr(error, "and 1 more"));
            } else {
                assert_null(ref_error);
                assert_null(error);
            }
            assert_same_msgs(&ch, &ref_ch);
            /* 201 flows, one held by the foreign flow, one group. */
            assert_int_equal(ch.flow_mods, 200);
            assert_int_equal(ch.group_mods, 1);
            for (size_t i = 0; i < ch.n_tags; i++) {
                const struct fs_ft_entry *a = ch.tags[i].owner;
                const struct fs_ft_entry *b = ref_ch.tags[i].owner;
                assert_int_equal(a->table_id, b->table_id);
                assert_int_equal(a->priority, b->priority);
                assert_true(minimatch_equal(&a->match, &b->match));
            }
            fs_of_changes_destroy(&ch);
            fs_of_changes_destroy(&ref_ch);
            fs_flowtable_commit(&ref);
            fs_flowtable_commit(&ft);
            assert_counts(&ft, ref.n_desired, ref.n_installed, ref.n_conflicts);
            assert_counts(&ft, 201, 200, 1);
            assert_no_changes(&ft);
            /* Installed: nothing to stream any more. */
            assert_false(fs_flowtable_can_stream(&ft, d));
            free(error);
            free(ref_error);
            fs_desired_delta_destroy(d);
            fs_flowtable_destroy(&ref);
            fs_flowtable_destroy(&ft);
        }
    }
}

/* Whether message 'msg' is a flow mod for the key of 'f'. */
static bool msg_has_key(const struct ofpbuf *msg, const struct fs_flow *f)
{
    if (msg_type(msg) != OFPTYPE_FLOW_MOD) {
        return false;
    }
    struct ofputil_flow_mod fm;
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 64);
    decode_flow(msg, &fm, &ofpacts);
    bool same = fm.table_id == f->table_id && fm.priority == f->priority &&
                minimatch_equal(&fm.match, &f->match);
    minimatch_destroy(&fm.match);
    ofpbuf_uninit(&ofpacts);
    return same;
}

/* The entry of 'ft' at the key of 'f'. */
static const struct fs_ft_entry *entry_at(const struct fs_flowtable *ft,
                                          const struct fs_flow *f)
{
    const struct fs_ft_entry *e;
    HMAP_FOR_EACH(e, key_node, &ft->by_key)
    {
        if (e->table_id == f->table_id && e->priority == f->priority &&
            minimatch_equal(&e->match, &f->match)) {
            return e;
        }
    }
    fail_msg("no entry at table %u, priority %u", f->table_id, f->priority);
    return NULL;
}

/* One key twice in a streamed full delta: the bundle holds two adds for
 * it, each as the flow was when it went in, so that the later one, the
 * desired flow, replaces the earlier in the switch; every other message is
 * what fs_flowtable_changes() builds after fs_flowtable_apply_delta(), in
 * its order, and the table ends up the same (the later flow desired). */
static void test_stream_same_key_twice_later_wins(void **state)
{
    static const size_t parts[] = {1, 3, SIZE_MAX};
    for (size_t c = 0; c < ARRAY_SIZE(parts); c++) {
        struct fs_flowtable ref, ft;
        fs_flowtable_init(&ref);
        fs_flowtable_init(&ft);
        struct fs_desired_delta *d = stream_delta(50, false, true);
        const struct fs_flow *first = &d->add_flows[0];
        const struct fs_flow *later = &d->add_flows[d->n_add_flows - 3];
        assert_true(fs_flow_key_equal(first, later));
        assert_false(fs_flow_equal(first, later));
        assert_null(fs_flowtable_apply_delta(&ref, d));
        struct fs_of_changes ref_ch, ch;
        fs_flowtable_changes(&ref, &ref_ch);
        assert_null(stream_all(&ft, d, parts[c], &ch));
        assert_int_equal(ch.flow_mods, ref_ch.flow_mods + 1);
        assert_int_equal(ch.n_tags, ref_ch.n_tags + 1);
        assert_int_equal(ch.group_mods, ref_ch.group_mods);

        /* The others, in the same order; the key's adds apart. */
        const struct ofpbuf *ref_key = NULL, *key_adds[3];
        size_t n_key = 0, j = 0;
        for (size_t i = 0; i < n_msgs(&ref_ch); i++) {
            const struct ofpbuf *m = msg_at(&ref_ch, i);
            if (msg_has_key(m, first)) {
                assert_null(ref_key);
                ref_key = m;
            }
        }
        assert_non_null(ref_key);
        for (size_t i = 0; i < n_msgs(&ch); i++) {
            const struct ofpbuf *m = msg_at(&ch, i);
            if (msg_has_key(m, first)) {
                assert_true(n_key < ARRAY_SIZE(key_adds));
                key_adds[n_key++] = m;
                continue;
            }
            if (msg_at(&ref_ch, j) == ref_key) {
                j++;
            }
            assert_true(j < n_msgs(&ref_ch));
            assert_same_msg(m, msg_at(&ref_ch, j++));
        }
        j += j < n_msgs(&ref_ch) && msg_at(&ref_ch, j) == ref_key;
        assert_int_equal(j, n_msgs(&ref_ch));
        assert_int_equal(n_key, 2);
        /* The first add is the first flow; the second, the one the switch
         * keeps, is the desired flow, as fs_flowtable_changes() adds it. */
        for (size_t i = 0; i < 2; i++) {
            struct ofputil_flow_mod fm;
            struct ofpbuf ofpacts;
            ofpbuf_init(&ofpacts, 64);
            decode_flow(key_adds[i], &fm, &ofpacts);
            const struct fs_flow *f = i ? later : first;
            assert_int_equal(fm.command, OFPFC_ADD);
            assert_int_equal(ntohll(fm.new_cookie), f->cookie);
            struct ds want = DS_EMPTY_INITIALIZER, got = DS_EMPTY_INITIALIZER;
            fs_flow_format_actions(f, &want);
            struct ofpact_format_params fp = {.s = &got};
            ofpacts_format(fm.ofpacts, fm.ofpacts_len, &fp);
            assert_string_equal(ds_cstr(&got), ds_cstr(&want));
            ds_destroy(&want);
            ds_destroy(&got);
            minimatch_destroy(&fm.match);
            ofpbuf_uninit(&ofpacts);
        }
        assert_same_msg(key_adds[1], ref_key);

        fs_of_changes_destroy(&ch);
        fs_of_changes_destroy(&ref_ch);
        fs_flowtable_commit(&ref);
        fs_flowtable_commit(&ft);
        assert_counts(&ft, ref.n_desired, ref.n_installed, ref.n_conflicts);
        assert_counts(&ft, 51, 51, 0);
        assert_no_changes(&ft);
        const struct fs_ft_entry *e = entry_at(&ft, first);
        const struct fs_ft_entry *r = entry_at(&ref, first);
        assert_true(e->desired);
        assert_int_equal(e->installed, FS_FT_SYNCED);
        assert_int_equal(e->cookie, later->cookie);
        assert_int_equal(e->cookie, r->cookie);
        /* Compared as printed: actions decoded from OpenFlow (as the
         * table keeps them) may differ in their padding bytes. */
        char *ea = actions_format(e->ofpacts, e->ofpacts_len);
        char *ra = actions_format(r->ofpacts, r->ofpacts_len);
        struct ds want = DS_EMPTY_INITIALIZER;
        fs_flow_format_actions(later, &want);
        assert_string_equal(ea, ra);
        assert_string_equal(ea, ds_cstr(&want));
        ds_destroy(&want);
        free(ea);
        free(ra);
        fs_desired_delta_destroy(d);
        fs_flowtable_destroy(&ref);
        fs_flowtable_destroy(&ft);
    }
}

/* Only a full delta on a table with nothing of ours desired or installed
 * is streamed. */
static void test_stream_only_cold(void **state)
{
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    struct fs_desired_delta *full = base_delta(), *part = delta_new(false);
    assert_true(fs_flowtable_can_stream(&ft, full));
    assert_false(fs_flowtable_can_stream(&ft, part));
    /* Desired, not installed (the switch refused the bundle). */
    char *error = fs_flowtable_apply_delta(&ft, full);
    assert_null(error);
    assert_false(fs_flowtable_can_stream(&ft, full));
    /* Installed, not desired (a restart reads the switch first). */
    struct fs_flowtable ft2;
    fs_flowtable_init(&ft2);
    note(&ft2,
         "table=0,priority=100,cookie=0xf5e0000000000000,in_port=1,"
         "actions=drop",
         true);
    assert_false(fs_flowtable_can_stream(&ft2, full));
    fs_desired_delta_destroy(full);
    fs_desired_delta_destroy(part);
    fs_flowtable_destroy(&ft);
    fs_flowtable_destroy(&ft2);
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
        cmocka_unit_test(test_bad_group_reported),
        cmocka_unit_test(test_same_key_twice_later_wins),
        cmocka_unit_test(test_same_delta_again_no_changes),
        cmocka_unit_test(test_drift_removed_flow_added_back),
        cmocka_unit_test(test_drift_modified_flow_modify_strict),
        cmocka_unit_test(test_reconnect_read_no_changes),
        cmocka_unit_test(test_audit_repairs_missing),
        cmocka_unit_test(test_stray_flow_of_ours_deleted),
        cmocka_unit_test(test_foreign_flow_replaced_by_ours),
        cmocka_unit_test(test_refused_flow_left_out),
        cmocka_unit_test(test_random_against_switch),
        cmocka_unit_test(test_stream_same_as_apply),
        cmocka_unit_test(test_stream_same_key_twice_later_wins),
        cmocka_unit_test(test_stream_only_cold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for reconciler/ovs/ofbridge.c without a switch: a flow mod too
 * long for a bundle add message (OpenFlow lengths are 16 bits) is refused
 * before anything is sent, and the refusal names the flow (table,
 * priority, match cut to a bounded length, cookie).  Issue 9: a flood of
 * 4,000 ports used to end as a bare "input too big".  What the switch
 * itself refuses is checked against a real ovs-vswitchd in
 * tests/integration/test_flood_scale.sh (a full table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <inttypes.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "reconciler/ovs/ofbridge.h"
#include "util.h"

/* A change set of one add of 'flow' (ovs-ofctl text), as fs_flowtable_changes()
 * encodes it. */
static void changes_of(struct fs_of_changes *ch, const char *flow)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error =
        parse_ofp_flow_mod_str(&fm, flow, NULL, NULL, OFPFC_ADD, &usable);
    if (error) {
        print_error("%s\n", error);
    }
    assert_null(error);
    *ch = (struct fs_of_changes){.flow_mods = 1};
    ovs_list_init(&ch->msgs);
    ovs_list_push_back(
        &ch->msgs,
        &ofputil_encode_flow_mod(&fm, OFPUTIL_P_OF15_OXM)->list_node);
    free(CONST_CAST(struct ofpact *, fm.ofpacts));
    minimatch_destroy(&fm.match);
}

/* 4,094 outputs parse (libopenvswitch's own limit is 64 KiB of its
 * internal actions, 16 bytes per output) but make a flow mod of 65,568
 * bytes of OpenFlow 1.5, more than its 16-bit length field can say:
 * refused, nothing sent (the connection is not even touched: NULL), and
 * the error names the flow. */
static void test_too_big_names_the_flow(void **state)
{
    struct ds flow = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&flow, "table=55,priority=90,cookie=0xf5e0000101d1f2a1,"
                       "metadata=0x1d1f2a1,dl_dst=01:00:00:00:00:00/"
                       "01:00:00:00:00:00,actions=");
    for (int i = 1; i <= 4094; i++) {
        ds_put_format(&flow, "output:%d,", i);
    }
    ds_chomp(&flow, ',');
    struct fs_of_changes ch;
    changes_of(&ch, ds_cstr(&flow));
    const struct ofpbuf *msg =
        CONTAINER_OF(ovs_list_front(&ch.msgs), struct ofpbuf, list_node);
    assert_true(msg->size > UINT16_MAX);

    struct fs_of_io io = {.vconn = NULL, .timeout_ms = 5000, .cancel = NULL};
    char *rejected = NULL;
    assert_int_equal(fs_ofbridge_apply(&io, &ch, &rejected), EPROTO);
    assert_non_null(rejected);
    char *want = xasprintf(
        "bundle not sent: flow table=55,priority=90,metadata=0x1d1f2a1,"
        "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 (add, cookie "
        "0xf5e0000101d1f2a1) is %" PRIu32 " bytes, more than an OpenFlow "
        "message holds (65519 in a bundle)",
        msg->size);
    assert_string_equal(rejected, want);
    free(want);
    free(rejected);
    fs_of_changes_destroy(&ch);
    ds_destroy(&flow);
}

/* A long match is cut after 160 bytes with a marker: the error stays
 * short whatever the flow. */
static void test_too_big_cuts_the_match(void **state)
{
    struct ds flow = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&flow, "table=1,priority=100,tcp,reg0=1,reg1=2,reg2=3,"
                       "reg3=4,reg4=5,reg5=6,reg6=7,reg7=8,"
                       "dl_src=fa:16:3e:00:00:01,dl_dst=fa:16:3e:00:00:02,"
                       "nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1,tp_dst=2,"
                       "actions=");
    for (int i = 1; i <= 4094; i++) {
        ds_put_format(&flow, "output:%d,", i);
    }
    ds_chomp(&flow, ',');
    struct fs_of_changes ch;
    changes_of(&ch, ds_cstr(&flow));
    struct fs_of_io io = {.timeout_ms = 5000};
    char *rejected = NULL;
    assert_int_equal(fs_ofbridge_apply(&io, &ch, &rejected), EPROTO);
    assert_non_null(strstr(rejected, "flow table=1,priority=100,"));
    assert_non_null(strstr(rejected, "… (add, cookie 0)"));
    assert_true(strlen(rejected) < 400);
    free(rejected);
    fs_of_changes_destroy(&ch);
    ds_destroy(&flow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_too_big_names_the_flow),
        cmocka_unit_test(test_too_big_cuts_the_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

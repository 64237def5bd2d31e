/* Unit tests for flowsteerctl trace's annotations (reconciler/ctl/
 * detrace.c): cookies, labels and group ids of the networking-sfc example
 * decoded to its network, ports, classifier, chain, hop, group and SFs,
 * and the annotated text of an ofproto/trace output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>

#include "reconciler/ctl/detrace.h"
#include "tests/unit/fixtures.h"

struct world {
    struct fs_model *m;
    struct fs_snapshot *s;
    struct fs_local_facts facts;
    struct ctl_detrace t;
};

/* The example with PC1 on path id 1; src ofport 1, p1..p6 ofports 2..7,
 * dst 8. */
static int setup(void **state)
{
    struct world *w = xzalloc(sizeof *w);
    w->m = fs_model_create();
    fixture_load_example(w->m, "json");
    fixture_put(w->m, FS_PREFIX "keys/path_ids/1", EX_PC1);
    fixture_put(w->m, FS_PREFIX "keys/port_chains/" EX_PC1, "1");
    fs_model_set_revision(w->m, 300);
    w->s = fs_snapshot_build(w->m);
    fs_local_facts_init(&w->facts);
    simap_put(&w->facts.ofports, EX_SRC, 1);
    const char *pairs[] = {EX_P(1), EX_P(2), EX_P(3),
                           EX_P(4), EX_P(5), EX_P(6)};
    for (int i = 0; i < 6; i++) {
        simap_put(&w->facts.ofports, pairs[i], i + 2);
    }
    simap_put(&w->facts.ofports, EX_DST, 8);
    ctl_detrace_init(&w->t, w->s, &w->facts);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    ctl_detrace_destroy(&w->t);
    fs_local_facts_destroy(&w->facts);
    fs_snapshot_destroy(w->s);
    fs_model_destroy(w->m);
    free(w);
    return 0;
}

static void assert_note(const struct world *w, int table, uint64_t cookie,
                        const char *text, const char *want)
{
    char *note = ctl_detrace_flow(&w->t, table, cookie, text);
    assert_non_null(note);
    assert_string_equal(note, want);
    free(note);
}

static void test_not_ours(void **state)
{
    struct world *w = *state;
    assert_null(ctl_detrace_flow(&w->t, 0, 0x1234, "in_port=1"));
    assert_null(ctl_detrace_group(&w->t, 7));
}

static void test_classifier_hop(void **state)
{
    struct world *w = *state;
    assert_note(w, 10, UINT64_C(0xf5e0000200000001),
                "10. tcp,reg6=0x1,nw_src=22.1.20.1, priority 100, cookie "
                "0xf5e0000200000001\n    set_field:0x1ff->reg5\n"
                "    goto_table:15\n",
                "flow classifier FC1 of port chain PC1, hop 1 (port pair "
                "group PG1)");
    /* An SF's egress (p2, ofport 3): re-classification, next hop. */
    assert_note(w, 10, UINT64_C(0xf5e0000200000001),
                "10. tcp,reg6=0x3, priority 100, cookie 0xf5e0000200000001\n"
                "    set_field:0x1fe->reg5\n",
                "re-classification after port pair PP1 of port chain PC1, "
                "hop 2 (port pair group PG2)");
}

static void test_group_and_sf(void **state)
{
    struct world *w = *state;
    assert_note(w, 15, UINT64_C(0xf5e0000200000001),
                "15. reg5=0x1ff, priority 100, cookie 0xf5e0000200000001\n"
                "    group:4110418431\n     -> using bucket 0\n"
                "    bucket 0\n            output:2\n",
                "port chain PC1, hop 1 (port pair group PG1) → group of PG1 "
                "(port chain PC1, hop 1) → SF p1 (port pair PP1)");
    char *g = ctl_detrace_group(&w->t, 0xf5000000 | 0x00100000 | 0x1fe);
    assert_string_equal(g, "group of PG2, this node's pairs (port chain PC1, "
                           "hop 2)");
    free(g);
    g = ctl_detrace_group(&w->t, 0xf5000000 | 0x7ff);
    assert_string_equal(g, "group of label 0x7ff (no such hop)");
    free(g);
}

static void test_unknown_chain(void **state)
{
    struct world *w = *state;
    assert_note(w, 15, UINT64_C(0xf5e0000200000009), "reg5=0x9ff",
                "port chain with path id 9 (not in etcd)");
}

static void test_network_flows(void **state)
{
    struct world *w = *state;
    uint64_t key = simap_get(&w->t.net_keys, EX_NET);
    assert_true(key >= 0x1000000);
    uint64_t l2 = UINT64_C(0xf5e0000100000000) | key;
    uint64_t ps = UINT64_C(0xf5e0000400000000) | key;
    assert_note(w, 0, l2, " 0. in_port=1, priority 100",
                "L2 of network "
                "net1, port src");
    assert_note(w, 1, ps, " 1. ip,reg6=0x1,dl_src=fa:16:3e:00:00:a1",
                "port security of network net1, port src");
    assert_note(w, 55, l2, "55. metadata=0x1,dl_dst=fa:16:3e:00:00:a2",
                "L2 of network net1, port dst");
    assert_note(w, 75, l2, "75. reg7=0x8", "L2 of network net1, port dst");
    assert_note(w, 10, UINT64_C(0xf5e0000100000000), "10. priority 0",
                "L2 (every network)");
    assert_note(w, 55, UINT64_C(0xf5e0000100abcdef), "55. priority 0",
                "L2 of network (unknown key)");
}

static void test_text(void **state)
{
    struct world *w = *state;
    const char *trace = "Flow: tcp,in_port=1\n\nbridge(\"br-int\")\n"
                        " 0. in_port=1, priority 100, cookie 0x1234\n"
                        "    goto_table:10\n"
                        "10. tcp,reg6=0x1, priority 100, cookie "
                        "0xf5e0000200000001\n"
                        "    set_field:0x1ff->reg5\n"
                        "Datapath actions: 6";
    char *out = ctl_detrace_text(&w->t, trace);
    assert_string_equal(out,
                        "Flow: tcp,in_port=1\n\nbridge(\"br-int\")\n"
                        " 0. in_port=1, priority 100, cookie 0x1234\n"
                        "    goto_table:10\n"
                        "10. tcp,reg6=0x1, priority 100, cookie "
                        "0xf5e0000200000001\n"
                        "    ↳ flow classifier FC1 of port chain PC1, hop 1 "
                        "(port pair group PG1)\n"
                        "    set_field:0x1ff->reg5\n"
                        "Datapath actions: 6\n");
    free(out);
    /* Garbage is copied, never annotated. */
    out = ctl_detrace_text(&w->t, "1. cookie 0xzz\n99999. cookie 0x1\n\n");
    assert_string_equal(out, "1. cookie 0xzz\n99999. cookie 0x1\n\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_ours),
        cmocka_unit_test(test_classifier_hop),
        cmocka_unit_test(test_group_and_sf),
        cmocka_unit_test(test_unknown_chain),
        cmocka_unit_test(test_network_flows),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

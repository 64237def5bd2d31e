/* Unit tests for flowsteerctl's input and decisions (ctl/):
 * every accepted shape, line numbers, kind and key derivation, canonical
 * JSON, created / configured / unchanged, prune selection, YAML output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/yaml.h"
#include "util.h"
#include "ctl/ctl.h"
#include "ctl/plan.h"

static void read_text(struct ctl_input *in, const char *text)
{
    *in = (struct ctl_input){0};
    ctl_input_add_text(in, "f", text, strlen(text));
}

/* Every shape gives the same resources, at the lines of their objects. */
static void test_shapes(void **state)
{
    static const char *const texts[] = {
        /* kind field, multi-document YAML. */
        "kind: port_pair\nid: a\n---\nkind: networks\nid: n\n",
        /* Envelopes, YAML. */
        "port_pair:\n  id: a\n---\nnetwork:\n  id: n\n",
        /* A list of envelopes, JSON. */
        "[\n{\"port_pair\": {\"id\": \"a\"}},\n\n{\"network\": {\"id\": "
        "\"n\"}}]",
        /* List envelopes, YAML. */
        "port_pairs:\n  - id: a\n---\nnetworks:\n\n  - id: n\n",
    };
    static const int lines[][2] = {{1, 4}, {1, 4}, {2, 4}, {2, 6}};
    for (size_t t = 0; t < 4; t++) {
        struct ctl_input in;
        read_text(&in, texts[t]);
        assert_int_equal(in.errors.n, 0);
        assert_int_equal(in.n, 2);
        assert_int_equal(in.res[0].kind, FS_PORT_PAIR);
        assert_string_equal(in.res[0].key, "/flowsteer/v1/port_pairs/a");
        assert_int_equal(in.res[1].kind, FS_NETWORK);
        assert_string_equal(in.res[1].key, "/flowsteer/v1/networks/n");
        assert_int_equal(in.res[0].line, lines[t][0]);
        assert_int_equal(in.res[1].line, lines[t][1]);
        assert_string_equal(in.res[1].value,
                            "{\"network\":{\"flowsteer.io/managed-by\":"
                            "\"flowsteerctl\",\"id\":\"n\"}}");
        ctl_input_destroy(&in);
    }
}

/* What cannot be a resource is an error at its line and path. */
static void test_input_errors(void **state)
{
    struct ctl_input in;
    read_text(&in, "[1,\n {\"widget\": {\"id\": \"w\"}},\n {\"port\": "
                   "{\"name\": \"x\"}},\n {\"kind\": \"nope\"}]");
    assert_int_equal(in.n, 0);
    assert_int_equal(in.errors.n, 4);
    assert_string_equal(in.errors.items[0].path, "$[0]");
    assert_int_equal(in.errors.items[1].line, 2);
    assert_string_equal(in.errors.items[2].path, "$[2].port.id");
    assert_string_equal(in.errors.items[2].what, "ports/-");
    assert_int_equal(in.errors.items[3].line, 4);
    assert_string_equal(in.errors.items[3].path, "$[3].kind");
    ctl_input_destroy(&in);

    read_text(&in, "a: 1\n---\nb: [\n");
    assert_int_equal(in.errors.n, 2); /* No kind; the syntax error. */
    assert_int_equal(in.errors.items[1].line, 4);
    ctl_input_destroy(&in);

    read_text(&in, "{\"port\": ");
    assert_int_equal(in.errors.n, 1);
    assert_non_null(strstr(in.errors.items[0].reason, "invalid JSON"));
    ctl_input_destroy(&in);

    read_text(&in, "port:\n  id: a\n---\nport:\n  id: a\n");
    assert_int_equal(in.n, 1);
    assert_int_equal(in.errors.n, 1);
    assert_non_null(strstr(in.errors.items[0].reason, "also at f:1"));
    ctl_input_destroy(&in);
}

/* Model errors map back to the input's file, line and path. */
static void test_check(void **state)
{
    struct ctl_input in;
    read_text(&in, "networks:\n  - id: n\n  - id: m\n    "
                   "provider:network_type: bogus\n");
    struct ctl_msgs errs = {0};
    assert_int_equal(ctl_check(&in, NULL, NULL, &errs), 1);
    assert_int_equal(errs.items[0].line, 3);
    assert_string_equal(errs.items[0].what, "networks/m");
    assert_string_equal(errs.items[0].path,
                        "$.networks[1].provider:network_type");
    ctl_msgs_destroy(&errs);
    ctl_input_destroy(&in);
}

/* The envelope name of every kind is the one the model accepts: an id
 * that differs from the key's is reported inside the envelope. */
static void test_kinds(void **state)
{
    for (int k = 0; k < FS_N_KINDS; k++) {
        enum fs_kind kind;
        assert_true(ctl_kind_parse(fs_kind_name(k), &kind));
        assert_int_equal(kind, k);
        assert_true(ctl_kind_parse(ctl_kind_singular(k), &kind));
        assert_int_equal(kind, k);
        struct ctl_input in = {0};
        char *text = xasprintf("%s:\n  id: a\n", ctl_kind_singular(k));
        ctl_input_add_text(&in, "f", text, strlen(text));
        assert_int_equal(in.n, 1);
        struct ctl_msgs errs = {0};
        ctl_check(&in, NULL, NULL, &errs);
        for (size_t i = 0; i < errs.n; i++) {
            /* Paths are rewritten into the input's: never the model's. */
            assert_true(!strncmp(errs.items[i].path, "$.", 2) ||
                        !strcmp(errs.items[i].path, "$"));
        }
        ctl_msgs_destroy(&errs);
        ctl_input_destroy(&in);
        free(text);
    }
    assert_string_equal(ctl_kind_singular(FS_CHASSIS), "chassis");
    enum fs_kind kind;
    char *id;
    assert_true(ctl_key_parse("/flowsteer/v1/ports/p1", 22, &kind, &id));
    assert_int_equal(kind, FS_PORT);
    assert_string_equal(id, "p1");
    free(id);
    assert_false(ctl_key_parse("/flowsteer/v1/keys/vnis/5", 25, &kind, &id));
    assert_false(ctl_key_parse("/flowsteer/v1/port/p1", 21, &kind, &id));
}

/* created / configured / unchanged, by canonical JSON; prune takes only
 * labelled resources the input lacks. */
static void test_plan(void **state)
{
    struct ctl_input in;
    read_text(&in, "kind: port\nid: same\n---\nkind: port\nid: "
                   "changed\nname: x\n---\nkind: port\nid: new\n");
    struct ctl_kvs etcd = {0};
    const char *same = "port:\n  id: same\n  flowsteer.io/managed-by: "
                       "flowsteerctl\n"; /* YAML, same content. */
    const char *changed = "{\"port\": {\"id\": \"changed\"}}";
    const char *managed = "{\"network\": {\"id\": \"gone\", "
                          "\"flowsteer.io/managed-by\": \"flowsteerctl\"}}";
    const char *by_hand = "{\"network\": {\"id\": \"hand\"}}";
    ctl_kvs_add(&etcd, "/flowsteer/v1/ports/same", 24, same, strlen(same), 2,
                2);
    ctl_kvs_add(&etcd, "/flowsteer/v1/ports/changed", 27, changed,
                strlen(changed), 3, 3);
    ctl_kvs_add(&etcd, "/flowsteer/v1/networks/hand", 27, by_hand,
                strlen(by_hand), 4, 4);
    ctl_kvs_add(&etcd, "/flowsteer/v1/networks/gone", 27, managed,
                strlen(managed), 5, 5);
    struct ctl_plan plan;
    ctl_plan_build(&plan, &in, &etcd, true);
    assert_int_equal(plan.n, 4);
    assert_int_equal(plan.changes[0].action, CTL_UNCHANGED);
    assert_int_equal(plan.changes[1].action, CTL_CONFIGURED);
    assert_int_equal(plan.changes[2].action, CTL_CREATED);
    assert_int_equal(plan.changes[3].action, CTL_PRUNED);
    assert_string_equal(plan.changes[3].what, "networks/gone");
    assert_int_equal(ctl_plan_writes(&plan), 3);
    ctl_plan_destroy(&plan);
    ctl_plan_build(&plan, &in, &etcd, false);
    assert_int_equal(plan.n, 3);
    ctl_plan_destroy(&plan);
    ctl_kvs_destroy(&etcd);
    ctl_input_destroy(&in);
}

/* YAML output reads back as the same JSON, strings that look like other
 * types included. */
static void test_yaml_round_trip(void **state)
{
    json_t *v = json_pack("{s:{s:s, s:s, s:s, s:s, s:i, s:b, s:n, s:[s,f]}}",
                          "port", "id", "123", "a", "true", "b", "", "c",
                          "x: y", "n", 7, "t", 1, "z", "l", "null", 1.5);
    char *text = ctl_yaml_text(v, false);
    assert_non_null(text);
    char *error;
    json_t *back = fs_yaml_parse(text, strlen(text), &error);
    assert_non_null(back);
    assert_true(json_equal(v, back));
    json_decref(back);
    json_decref(v);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes), cmocka_unit_test(test_input_errors),
        cmocka_unit_test(test_check),  cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_plan),   cmocka_unit_test(test_yaml_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

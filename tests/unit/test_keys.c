/* Unit tests for etcd keys as bytes (model/model.c) and bounded, escaped
 * user text in messages (model/text.c): issue 10, items 2, 3 and 8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "fixtures.h"
#include "model/model.h"
#include "model/text.h"
#include "reconciler/daemon/status.h"

#define PP1_KEY "/flowsteer/v1/port_pairs/" EX_PP(1)

/* PP1's key, a NUL and "x": 2 bytes longer than PP1_KEY. */
static const char nul_key[] = PP1_KEY "\0x";
#define NUL_KEY_LEN (sizeof nul_key - 1)

static struct fs_model *example(void)
{
    struct fs_model *m = fs_model_create();
    assert_int_equal(fixture_load_example(m, "json"), 16);
    return m;
}

/* Returns the error whose key is 'key', or NULL. */
static const struct fs_error *error_of(const struct fs_snapshot *s,
                                       const char *key)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        if (!strcmp(s->errors.items[i].key, key)) {
            return &s->errors.items[i];
        }
    }
    return NULL;
}

/* The example's PP1 is valid, has its own ingress, and the chain stands. */
static void assert_pp1_intact(struct fs_model *m)
{
    struct fs_snapshot *s = fs_snapshot_build(m);
    const struct fs_port_pair *pp = fs_snapshot_find(s, FS_PORT_PAIR, EX_PP(1));
    assert_non_null(pp);
    assert_string_equal(pp->ingress, EX_P(1));
    assert_string_equal(pp->meta.key, PP1_KEY);
    assert_null(error_of(s, PP1_KEY));
    assert_int_equal(s->n_port_chains, 1);
    fs_snapshot_destroy(s);
}

/* Item 3: "<PP1 key>\0x" is its own key, not PP1's: putting it (with a
 * value that would break PP1) leaves PP1 alone and is an error named by
 * the escaped key; deleting it does not delete PP1. */
static void test_nul_key_leaves_valid_resource(void **state)
{
    struct fs_model *m = example();
    const char *bad = "{\"port_pair\": {\"ingress\": \"nope\", \"egress\": "
                      "\"nope\"}}";
    assert_true(
        fs_model_put(m, nul_key, NUL_KEY_LEN, bad, strlen(bad), 300, 300));
    assert_pp1_intact(m);

    struct fs_snapshot *s = fs_snapshot_build(m);
    const struct fs_error *e = error_of(s, PP1_KEY "\\u0000x");
    assert_non_null(e);
    assert_string_equal(e->path, "$");
    assert_non_null(strstr(e->message, "control character"));
    assert_int_equal(s->errors.n, 1);
    fs_snapshot_destroy(s);

    assert_true(fs_model_delete(m, nul_key, NUL_KEY_LEN));
    assert_false(fs_model_delete(m, nul_key, NUL_KEY_LEN));
    assert_pp1_intact(m);
    s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 0);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Item 3: a key that is not UTF-8 is an error, and the status document
 * (jansson refuses strings that are not UTF-8) names it escaped. */
static void test_bad_utf8_key_in_status(void **state)
{
    struct fs_model *m = example();
    static const char key[] = "/flowsteer/v1/ports/\xff\xfe-\xc3\xa9";
    assert_true(fs_model_put(m, key, sizeof key - 1, "{", 1, 300, 300));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->n_ports, 8);
    assert_int_equal(s->errors.n, 1);

    struct fs_status st = {.node = "node1", .errors = &s->errors};
    char *text = fs_status_to_json(&st);
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    json_t *errors = json_object_get(doc, "errors");
    assert_int_equal(json_array_size(errors), 1);
    const char *shown =
        json_string_value(json_object_get(json_array_get(errors, 0), "key"));
    assert_non_null(shown);
    assert_string_equal(shown, "/flowsteer/v1/ports/\\xff\\xfe-\xc3\xa9");
    json_decref(doc);
    free(text);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Item 8: keys under the prefix that are not <kind>/<id> are errors named
 * by their key; keys/, status/ and nodes/ are not; a delete clears. */
static void test_keys_not_kind_id(void **state)
{
    static const char *const bad[] = {
        "/flowsteer/v1/port_pairs/",
        "/flowsteer/v1/port_pairs/a/b",
        "/flowsteer/v1/widgets/w",
        "/flowsteer/v1/port_pairs",
        "/flowsteer/v1/",
    };
    struct fs_model *m = fs_model_create();
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_true(fixture_put_at(m, bad[i], "{}", 5));
    }
    assert_true(fixture_put_at(m, FS_KEYS_PATH_IDS "3", "pc", 5));
    assert_false(fixture_put_at(m, "/flowsteer/v1/keys/other/x", "1", 5));
    assert_false(fixture_put_at(m, "/flowsteer/v1/status/node1", "{}", 5));
    assert_false(fixture_put_at(m, "/flowsteer/v1/nodes/node1", "{}", 5));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, ARRAY_SIZE(bad));
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_non_null(error_of(s, bad[i]));
    }
    assert_non_null(
        strstr(error_of(s, bad[2])->message, "unknown kind \"widgets\""));
    assert_non_null(strstr(error_of(s, bad[1])->message, "port_pairs/<id>"));
    fs_snapshot_destroy(s);

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_true(fixture_delete(m, bad[i]));
    }
    s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 0);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Item 2: a 1 MiB id quoted in a message makes a short message; a 1 MiB
 * key is shown cut. */
static void test_huge_values_make_short_messages(void **state)
{
    size_t n = 1 << 20;
    char *big = xmalloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    struct fs_model *m = example();
    char *value = xasprintf("{\"port_pair\": {\"ingress\": \"%s\", "
                            "\"egress\": \"%s\", \"id\": \"%s\"}}",
                            big, EX_P(2), big);
    fixture_put(m, "/flowsteer/v1/port_pairs/pp-big", value);
    char *key = xasprintf("/flowsteer/v1/ports/%s", big);
    assert_true(fixture_put_at(m, key, "{}", 300));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 2);
    for (size_t i = 0; i < s->errors.n; i++) {
        const struct fs_error *e = &s->errors.items[i];
        assert_true(strlen(e->message) < 200);
        assert_true(strlen(e->key) < FS_KEY_DISPLAY_MAX + 40);
        assert_true(strlen(e->path) < 200);
    }
    const struct fs_error *e = error_of(s, "/flowsteer/v1/port_pairs/pp-big");
    assert_non_null(e);
    assert_non_null(strstr(e->message, "…\" (1048576 bytes)"));
    /* Parse errors come first, then the keys that name no resource. */
    assert_non_null(strstr(s->errors.items[1].key, "… (1048596 bytes)"));
    assert_non_null(strstr(s->errors.items[1].message, "1048596 bytes long"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
    free(key);
    free(value);
    free(big);
}

static void test_quote(void **state)
{
    assert_string_equal(fs_quote("pp1").s, "\"pp1\"");
    assert_string_equal(fs_quote(NULL).s, "null");
    assert_string_equal(fs_quote("a\"b\\c\n").s, "\"a\\\"b\\\\c\\u000a\"");
    assert_string_equal(fs_quoten("a\0\xff", 3).s, "\"a\\u0000\\xff\"");
    /* 63 ASCII bytes then a 2-byte character: cut before it, not inside. */
    char s[70];
    memset(s, 'b', 63);
    strcpy(s + 63, "\xc3\xa9z");
    struct fs_quoted q = fs_quote(s);
    assert_non_null(strstr(q.s, "bbb…\" (66 bytes)"));
    assert_int_equal(strlen(q.s), 1 + 63 + strlen("…\" (66 bytes)"));
    memset(s, 'b', 64);
    s[64] = '\0';
    assert_int_equal(strlen(fs_quote(s).s), 66); /* 64 bytes: whole. */
}

static void test_clean_text(void **state)
{
    assert_true(fs_text_is_clean("", 0));
    assert_true(fs_text_is_clean("port-é-✓-😀", strlen("port-é-✓-😀")));
    assert_false(fs_text_is_clean("a\0b", 3));
    assert_false(fs_text_is_clean("a\tb", 3));
    assert_false(fs_text_is_clean("a\x7f", 2));
    assert_false(fs_text_is_clean("\xc2\x85", 2));     /* C1 NEL. */
    assert_false(fs_text_is_clean("\xc0\xaf", 2));     /* Overlong '/'. */
    assert_false(fs_text_is_clean("\xed\xa0\x80", 3)); /* Surrogate. */
    assert_false(fs_text_is_clean("\xf4\x90\x80\x80", 4));
    assert_false(fs_text_is_clean("\xe2\x9c", 2)); /* Truncated. */
    char *shown = fs_key_display("/k/\xe2\x9c", 5);
    assert_string_equal(shown, "/k/\\xe2\\x9c");
    free(shown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nul_key_leaves_valid_resource),
        cmocka_unit_test(test_bad_utf8_key_in_status),
        cmocka_unit_test(test_keys_not_kind_id),
        cmocka_unit_test(test_huge_values_make_short_messages),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_clean_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

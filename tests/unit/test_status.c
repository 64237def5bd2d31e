/* Unit tests for the retry backoff (store/backoff.c) and the bounds of
 * the status document (reconciler/daemon/status.c), issue 10 items 1 and 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler/daemon/status.h"
#include "store/backoff.h"

/* Each wait is a random 50..100% of 100 ms doubling to 10 s; "failing
 * since" counts from the first failure of a run; a success ends the run. */
static void test_backoff_sequence(void **state)
{
    struct fs_backoff b = FS_BACKOFF_INIT(100, 10000);
    assert_false(fs_backoff_failing(&b));
    assert_true(fs_backoff_ready(&b, 0));
    long long now = 1000;
    int nominal = 100;
    for (int i = 0; i < 20; i++) {
        int wait = fs_backoff_failed(&b, now);
        assert_in_range(wait, nominal / 2, nominal);
        assert_true(fs_backoff_failing(&b));
        assert_false(fs_backoff_ready(&b, now + wait - 1));
        assert_true(fs_backoff_ready(&b, now + wait));
        assert_int_equal(fs_backoff_failing_ms(&b, now + wait),
                         now + wait - 1000);
        now += wait;
        nominal = nominal * 2 > 10000 ? 10000 : nominal * 2;
    }
    assert_int_equal(b.failures, 20);
    assert_true(fs_backoff_succeeded(&b));
    assert_false(fs_backoff_succeeded(&b));
    assert_false(fs_backoff_failing(&b));
    assert_true(fs_backoff_ready(&b, now));
    assert_int_equal(fs_backoff_failing_ms(&b, now), 0);
    /* The next run starts from the first delay again. */
    assert_in_range(fs_backoff_failed(&b, now), 50, 100);
    assert_int_equal(fs_backoff_failing_ms(&b, now + 5), 5);
}

/* The jitter spreads the waits: 200 runs of "first failure at the cap"
 * do not all wait the same. */
static void test_backoff_jitter(void **state)
{
    int min = 1 << 30, max = 0;
    for (int i = 0; i < 200; i++) {
        struct fs_backoff b = FS_BACKOFF_INIT(8000, 8000);
        int wait = fs_backoff_failed(&b, 0);
        assert_in_range(wait, 4000, 8000);
        min = wait < min ? wait : min;
        max = wait > max ? wait : max;
    }
    assert_true(max - min > 1000);

    /* retry_now lets the next try happen at once and keeps the run. */
    struct fs_backoff b = FS_BACKOFF_INIT(100, 1000);
    fs_backoff_failed(&b, 0);
    fs_backoff_failed(&b, 0);
    assert_false(fs_backoff_ready(&b, 0));
    fs_backoff_retry_now(&b);
    assert_true(fs_backoff_ready(&b, 0));
    assert_int_equal(b.failures, 2);
    assert_in_range(fs_backoff_failed(&b, 0), 200, 400);

    /* A tiny first delay still waits at least 1 ms. */
    struct fs_backoff tiny = FS_BACKOFF_INIT(1, 1);
    assert_int_equal(fs_backoff_failed(&tiny, 0), 1);
}

/* Without jitter (the etcd watch's reconnects): each wait is the delay,
 * 100 ms doubling to 5 s; a success starts again from 100 ms. */
static void test_backoff_no_jitter(void **state)
{
    struct fs_backoff b = FS_BACKOFF_INIT_NO_JITTER(100, 5000);
    static const int want[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
    long long now = 0;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int wait = fs_backoff_failed(&b, now);
        assert_int_equal(wait, want[i]);
        now += wait;
    }
    assert_int_equal(fs_backoff_failing_ms(&b, now), now);
    assert_true(fs_backoff_succeeded(&b));
    assert_int_equal(fs_backoff_failed(&b, now), 100);
}

static json_t *parse_status(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc) {
        fail_msg("status is not JSON: %s", jerr.text);
    }
    return doc;
}

/* 10,000 errors of 1 KiB each (10 MiB, far over etcd's 1.5 MiB request
 * limit) and 10,000 notes: the document stays under the cap, lists at most
 * FS_STATUS_MAX_LISTED of each, the earliest by key, and says how many
 * there are and that the lists are cut. */
static void test_status_bounded(void **state)
{
    struct fs_errors errs = FS_ERRORS_INITIALIZER;
    struct fs_errors rows = FS_ERRORS_INITIALIZER;
    struct fs_errors notes = FS_ERRORS_INITIALIZER;
    char big[1024];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    /* Added in descending key order: the list must sort them. */
    for (int i = 9999; i >= 0; i--) {
        char key[64];
        snprintf(key, sizeof key, "/flowsteer/v1/port_pairs/pp%05d", i);
        fs_errors_add(i % 10 ? &errs : &rows, key, "$.port_pair.ingress",
                      "port \"%s\" does not exist", big);
        fs_errors_add(&notes, key, "$", "%s", big);
    }
    struct fs_status st = {
        .node = "n1",
        .errors = &errs,
        .row_errors = &rows,
        .notes = &notes,
        .waiting = "OVSDB unix:/x/db.sock: No such file or directory",
    };
    char *text = fs_status_to_json(&st);
    assert_true(strlen(text) <= FS_STATUS_MAX_BYTES);
    json_t *doc = parse_status(text);
    json_t *list = json_object_get(doc, "errors");
    assert_true(json_array_size(list) > 0);
    assert_true(json_array_size(list) <= FS_STATUS_MAX_LISTED);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(list, 0), "key")),
        "/flowsteer/v1/port_pairs/pp00000");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(list, 1), "key")),
        "/flowsteer/v1/port_pairs/pp00001");
    assert_int_equal(json_integer_value(json_object_get(doc, "errors_total")),
                     10000);
    assert_true(json_is_true(json_object_get(doc, "errors_truncated")));
    assert_true(json_array_size(json_object_get(doc, "notes")) > 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "notes_total")),
                     10000);
    assert_true(json_is_true(json_object_get(doc, "notes_truncated")));
    assert_string_equal(json_string_value(json_object_get(doc, "waiting")),
                        st.waiting);
    json_decref(doc);
    free(text);
    fs_errors_destroy(&errs);
    fs_errors_destroy(&rows);
    fs_errors_destroy(&notes);
}

/* A short list is whole and not marked cut; one huge string is cut with a
 * marker; bytes that are not UTF-8 do not drop the entry. */
static void test_status_strings(void **state)
{
    struct fs_errors errs = FS_ERRORS_INITIALIZER;
    size_t n = 1 << 20;
    char *huge = malloc(n + 1);
    memset(huge, 'y', n);
    huge[n] = '\0';
    fs_errors_add(&errs, "/flowsteer/v1/ports/a", "$", "%s", huge);
    fs_errors_add(&errs, "/flowsteer/v1/ports/b\xff\xc3", "$", "bad key");
    fs_errors_add(&errs, "/flowsteer/v1/ports/c\xc3\xa9", "$", "\xe2\x82");
    struct fs_status st = {.node = "n1", .errors = &errs};
    char *text = fs_status_to_json(&st);
    json_t *doc = parse_status(text);
    json_t *list = json_object_get(doc, "errors");
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(json_integer_value(json_object_get(doc, "errors_total")),
                     3);
    assert_true(json_is_false(json_object_get(doc, "errors_truncated")));
    assert_true(json_is_false(json_object_get(doc, "notes_truncated")));
    assert_null(json_object_get(doc, "waiting"));
    const char *msg =
        json_string_value(json_object_get(json_array_get(list, 0), "message"));
    assert_true(strlen(msg) < FS_STATUS_MAX_FIELD + 64);
    assert_non_null(strstr(msg, "more bytes)"));
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(list, 1), "key")),
        "/flowsteer/v1/ports/b\\xff\\xc3");
    json_t *third = json_array_get(list, 2);
    assert_string_equal(json_string_value(json_object_get(third, "key")),
                        "/flowsteer/v1/ports/c\xc3\xa9");
    assert_string_equal(json_string_value(json_object_get(third, "message")),
                        "\\xe2\\x82");
    json_decref(doc);
    free(text);
    free(huge);
    fs_errors_destroy(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_sequence),
        cmocka_unit_test(test_backoff_jitter),
        cmocka_unit_test(test_backoff_no_jitter),
        cmocka_unit_test(test_status_bounded),
        cmocka_unit_test(test_status_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

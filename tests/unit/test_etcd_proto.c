/* Unit tests of store/proto.c: the etcd gateway's encodings, with no server.
 * The reply lines are shaped as etcd 3.4.23's gateway writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "openvswitch/dynamic-string.h"
#include "store/proto.h"
#include "util.h"

/* What the handlers saw, one "put KEY=VALUE@REV" / "del KEY@REV" per
 * call, space separated. */
struct record {
    struct ds log;
    int resets;
};

static void rec_reset(void *aux)
{
    struct record *r = aux;
    r->resets++;
}

/* Keys are logged with ds_put_printable(): a NUL shows as \000. */
static void rec_put(void *aux, const struct etcd_kv *kv)
{
    struct record *r = aux;
    ds_put_cstr(&r->log, "put ");
    ds_put_printable(&r->log, kv->key, kv->key_len);
    ds_put_format(&r->log, "=%.*s@%lld ", (int)kv->value_len, kv->value,
                  (long long)kv->mod_revision);
}

static void rec_del(void *aux, const char *key, size_t key_len, int64_t rev)
{
    struct record *r = aux;
    ds_put_cstr(&r->log, "del ");
    ds_put_printable(&r->log, key, key_len);
    ds_put_format(&r->log, "@%lld ", (long long)rev);
}

static const struct etcd_watch_handlers rec_handlers = {
    .reset = rec_reset,
    .put = rec_put,
    .del = rec_del,
};

static void test_b64_round_trip(void **state)
{
    char data[64];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (char)(i * 37 + 255); /* Includes 0x00 and 0xff bytes. */
    }
    for (size_t len = 0; len <= sizeof data; len++) {
        char *enc = etcd_b64_encode(data, len);
        assert_int_equal(strlen(enc), 4 * ((len + 2) / 3));
        size_t out_len = 99;
        char *dec = etcd_b64_decode(enc, &out_len);
        assert_non_null(dec);
        assert_int_equal(out_len, len);
        assert_memory_equal(dec, data, len);
        assert_int_equal(dec[len], '\0');
        free(enc);
        free(dec);
    }
}

static void test_b64_known(void **state)
{
    char *enc = etcd_b64_encode("/p/k1", 5);
    assert_string_equal(enc, "L3AvazE=");
    free(enc);
    size_t len;
    char *dec = etcd_b64_decode("djE=", &len);
    assert_int_equal(len, 2);
    assert_string_equal(dec, "v1");
    free(dec);
    dec = etcd_b64_decode("YQ==", &len); /* Two padding bytes. */
    assert_int_equal(len, 1);
    assert_string_equal(dec, "a");
    free(dec);
    assert_null(etcd_b64_decode("abc", &len));  /* Not a multiple of 4. */
    assert_null(etcd_b64_decode("ab!=", &len)); /* Not the alphabet. */
    dec = etcd_b64_decode("", &len);
    assert_int_equal(len, 0);
    free(dec);
}

static void check_end(const char *prefix, const char *want, size_t want_len)
{
    size_t len;
    char *end = etcd_prefix_end(prefix, &len);
    assert_int_equal(len, want_len);
    assert_memory_equal(end, want, want_len);
    free(end);
}

static void test_prefix_end(void **state)
{
    check_end("/flowsteer/v1/", "/flowsteer/v10", 14);
    check_end("a", "b", 1);
    check_end("a\xff", "b", 1);
    check_end("ab\xff\xff", "ac", 2);
    check_end("\xff", "\0", 1); /* Everything. */
    check_end("", "\0", 1);
}

static void test_int64(void **state)
{
    json_t *o =
        json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "a", "9007199254740993",
                  "b", (json_int_t)7, "c", "12x", "d", "", "e",
                  "99999999999999999999", "f", "-9223372036854775808");
    assert_true(etcd_int64(o, "a") == 9007199254740993LL); /* > 2^53. */
    assert_int_equal(etcd_int64(o, "b"), 7);
    assert_int_equal(etcd_int64(o, "c"), 0);
    assert_int_equal(etcd_int64(o, "d"), 0);
    /* Out of range is malformed, not clamped to INT64_MAX (a revision
     * that large would make the watch drop every later event as a repeat;
     * found by tests/fuzz/fuzz_etcd_stream.c). */
    assert_int_equal(etcd_int64(o, "e"), 0);
    assert_true(etcd_int64(o, "f") == INT64_MIN);
    assert_int_equal(etcd_int64(o, "absent"), 0);
    json_decref(o);
    json_t *j = etcd_int64_json(-5);
    assert_string_equal(json_string_value(j), "-5");
    json_decref(j);
}

/* Line splitting: collects lines as "[line]". */
static bool collect_line(void *aux, const char *line, size_t len)
{
    ds_put_format(aux, "[%.*s]", (int)len, line);
    return !(len == 4 && !memcmp(line, "stop", 4));
}

static void test_feed_lines(void **state)
{
    struct ds buf = DS_EMPTY_INITIALIZER;
    struct ds out = DS_EMPTY_INITIALIZER;
    etcd_feed_lines(&buf, "{\"a\":1}\n{\"b\"", 12, collect_line, &out);
    assert_string_equal(ds_cstr(&out), "[{\"a\":1}]");
    assert_string_equal(ds_cstr(&buf), "{\"b\"");
    etcd_feed_lines(&buf, ":2", 2, collect_line, &out);
    assert_string_equal(ds_cstr(&out), "[{\"a\":1}]"); /* Still no end. */
    etcd_feed_lines(&buf, "}\n\n{\"c\":3}\n", 11, collect_line, &out);
    assert_string_equal(ds_cstr(&out), "[{\"a\":1}][{\"b\":2}][{\"c\":3}]");
    assert_int_equal(buf.length, 0);
    ds_clear(&out);
    etcd_feed_lines(&buf, "x\nstop\ny\nz", 10, collect_line, &out);
    assert_string_equal(ds_cstr(&out), "[x][stop]");
    assert_int_equal(buf.length, 0);
    ds_destroy(&buf);
    ds_destroy(&out);
}

static void test_feed_lines_byte_by_byte(void **state)
{
    const char *body = "{\"result\":{\"created\":true}}\n{\"result\":{}}\n";
    struct ds buf = DS_EMPTY_INITIALIZER;
    struct ds out = DS_EMPTY_INITIALIZER;
    for (const char *p = body; *p; p++) {
        etcd_feed_lines(&buf, p, 1, collect_line, &out);
    }
    assert_string_equal(ds_cstr(&out),
                        "[{\"result\":{\"created\":true}}][{\"result\":{}}]");
    ds_destroy(&buf);
    ds_destroy(&out);
}

#define HEADER                                                                 \
    "\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"       \
    "\"13668033151171901709\",\"revision\":\"4\",\"raft_term\":\"2\"}"

static void test_range_page(void **state)
{
    json_t *reply = json_loads(
        "{" HEADER ",\"kvs\":[{\"key\":\"L3AvazE=\",\"create_revision\":\"2\","
        "\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"djE=\"},"
        "{\"key\":\"L3AvazI=\",\"create_revision\":\"3\",\"mod_revision\":"
        "\"3\",\"version\":\"1\",\"value\":\"djI=\"}],\"more\":true,"
        "\"count\":\"3\"}",
        0, NULL);
    assert_non_null(reply);
    struct etcd_range_page page;
    assert_true(etcd_parse_range(reply, &page));
    assert_int_equal(page.revision, 4);
    assert_true(page.more);
    assert_int_equal(page.next_len, 6);
    assert_memory_equal(page.next_key, "/p/k2\0", 6);
    struct record rec = {.log = DS_EMPTY_INITIALIZER};
    size_t i;
    json_t *kv;
    json_array_foreach(page.kvs, i, kv)
    {
        etcd_deliver_kv(kv, &rec_handlers, &rec);
    }
    assert_string_equal(ds_cstr(&rec.log), "put /p/k1=v1@2 put /p/k2=v2@3 ");
    free(page.next_key);
    json_decref(reply);
    ds_destroy(&rec.log);
}

static void test_range_empty(void **state)
{
    /* No "kvs", "more" or "count": all default-valued, so omitted. */
    json_t *reply = json_loads("{" HEADER "}", 0, NULL);
    struct etcd_range_page page;
    assert_true(etcd_parse_range(reply, &page));
    assert_int_equal(page.revision, 4);
    assert_null(page.kvs);
    assert_false(page.more);
    assert_null(page.next_key);
    json_decref(reply);
}

static void parse(const char *line, struct etcd_watch_msg *msg)
{
    etcd_parse_watch_line(line, strlen(line), msg);
}

static void test_watch_created(void **state)
{
    struct etcd_watch_msg msg;
    parse("{\"result\":{" HEADER ",\"created\":true}}", &msg);
    assert_int_equal(msg.kind, ETCD_WATCH_EVENTS);
    assert_true(msg.created);
    assert_int_equal(msg.revision, 4);
    assert_null(msg.events); /* No "events" in the created response. */
    struct record rec = {.log = DS_EMPTY_INITIALIZER};
    assert_int_equal(etcd_deliver_events(msg.events, 4, &rec_handlers, &rec),
                     4);
    assert_int_equal(rec.log.length, 0);
    etcd_watch_msg_destroy(&msg);
    ds_destroy(&rec.log);
}

static void test_watch_events_put_delete(void **state)
{
    struct etcd_watch_msg msg;
    parse("{\"result\":{" HEADER ",\"events\":[{\"kv\":{\"key\":\"L3AvazE=\","
          "\"create_revision\":\"2\",\"mod_revision\":\"5\",\"version\":"
          "\"2\",\"value\":\"eA==\",\"lease\":\"7587869395470327557\"}},"
          "{\"type\":\"DELETE\",\"kv\":{\"key\":\"L3AvazI=\","
          "\"mod_revision\":\"6\"}}]}}",
          &msg);
    assert_int_equal(msg.kind, ETCD_WATCH_EVENTS);
    assert_false(msg.created);
    struct record rec = {.log = DS_EMPTY_INITIALIZER};
    assert_int_equal(etcd_deliver_events(msg.events, 4, &rec_handlers, &rec),
                     6);
    assert_string_equal(ds_cstr(&rec.log), "put /p/k1=x@5 del /p/k2@6 ");
    etcd_watch_msg_destroy(&msg);
    ds_destroy(&rec.log);
}

/* A put's lease and versions come through as int64, and an empty value
 * (omitted by the gateway) is "". */
static void kv_fields_put(void *aux, const struct etcd_kv *kv)
{
    struct etcd_kv *out = aux;
    *out = *kv;
    out->key = NULL;
    out->value = NULL;
}

static void test_kv_fields(void **state)
{
    json_t *kv = json_loads("{\"key\":\"L3AvazE=\",\"create_revision\":\"2\","
                            "\"mod_revision\":\"5\",\"version\":\"3\","
                            "\"lease\":\"7587869395470327557\"}",
                            0, NULL);
    struct etcd_kv got;
    struct etcd_watch_handlers h = {.put = kv_fields_put};
    assert_int_equal(etcd_deliver_kv(kv, &h, &got), 5);
    assert_int_equal(got.create_revision, 2);
    assert_int_equal(got.version, 3);
    assert_true(got.lease == 7587869395470327557LL);
    assert_int_equal(got.value_len, 0);
    json_decref(kv);
    /* No key: malformed, not delivered. */
    kv = json_loads("{\"value\":\"eA==\",\"mod_revision\":\"5\"}", 0, NULL);
    assert_int_equal(etcd_deliver_kv(kv, &h, &got), -1);
    json_decref(kv);
}

/* Keys are bytes: a put and a delete of "a\0b" (YQBi) deliver all three
 * bytes, not "a". */
static void test_key_with_nul(void **state)
{
    json_t *events = json_loads(
        "[{\"kv\":{\"key\":\"YQBi\",\"mod_revision\":\"6\",\"value\":"
        "\"MQ==\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"YQBi\","
        "\"mod_revision\":\"7\"}}]",
        0, NULL);
    struct record r = {.log = DS_EMPTY_INITIALIZER};
    assert_int_equal(etcd_deliver_events(events, 0, &rec_handlers, &r), 7);
    assert_string_equal(ds_cstr(&r.log), "put a\\000b=1@6 del a\\000b@7 ");
    ds_destroy(&r.log);
    json_decref(events);
}

static void test_duplicate_events(void **state)
{
    /* Two events of one txn at revision 7, then etcd repeats revision 6 and
     * 7 in a later response, then a new event at 8. */
    json_t *first = json_loads(
        "[{\"kv\":{\"key\":\"YQ==\",\"mod_revision\":\"6\",\"value\":"
        "\"MQ==\"}},{\"kv\":{\"key\":\"Yg==\",\"mod_revision\":\"7\","
        "\"value\":\"Mg==\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"Yw==\","
        "\"mod_revision\":\"7\"}}]",
        0, NULL);
    json_t *again = json_loads(
        "[{\"kv\":{\"key\":\"Yg==\",\"mod_revision\":\"7\",\"value\":"
        "\"Mg==\"}},{\"kv\":{\"key\":\"YQ==\",\"mod_revision\":\"8\","
        "\"value\":\"Mw==\"}}]",
        0, NULL);
    struct record rec = {.log = DS_EMPTY_INITIALIZER};
    int64_t last = etcd_deliver_events(first, 5, &rec_handlers, &rec);
    assert_int_equal(last, 7);
    assert_string_equal(ds_cstr(&rec.log), "put a=1@6 put b=2@7 del c@7 ");
    ds_clear(&rec.log);
    last = etcd_deliver_events(again, last, &rec_handlers, &rec);
    assert_int_equal(last, 8);
    assert_string_equal(ds_cstr(&rec.log), "put a=3@8 ");
    ds_clear(&rec.log);
    /* The whole response repeated: nothing new. */
    assert_int_equal(etcd_deliver_events(again, last, &rec_handlers, &rec), 8);
    assert_int_equal(rec.log.length, 0);
    json_decref(first);
    json_decref(again);
    ds_destroy(&rec.log);
}

static void test_watch_compacted(void **state)
{
    struct etcd_watch_msg msg;
    parse("{\"result\":{\"header\":{\"cluster_id\":\"1\"},\"canceled\":true,"
          "\"compact_revision\":\"3\"}}",
          &msg);
    assert_int_equal(msg.kind, ETCD_WATCH_COMPACTED);
    assert_int_equal(msg.compact_revision, 3);
    etcd_watch_msg_destroy(&msg);

    parse("{\"error\":{\"grpc_code\":11,\"http_code\":400,\"message\":"
          "\"etcdserver: mvcc: required revision has been compacted\","
          "\"http_status\":\"Bad Request\"}}",
          &msg);
    assert_int_equal(msg.kind, ETCD_WATCH_COMPACTED);
    etcd_watch_msg_destroy(&msg);
}

static void test_watch_errors(void **state)
{
    struct etcd_watch_msg msg;
    parse("{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":"
          "\"etcdserver: no leader\",\"http_status\":\"Service "
          "Unavailable\"}}",
          &msg);
    assert_int_equal(msg.kind, ETCD_WATCH_ERROR);
    assert_string_equal(msg.error, "etcdserver: no leader");
    etcd_watch_msg_destroy(&msg);

    parse("{\"result\":{\"canceled\":true,\"cancel_reason\":\"gone\"}}", &msg);
    assert_int_equal(msg.kind, ETCD_WATCH_ERROR);
    assert_string_equal(msg.error, "watch canceled by etcd: gone");
    etcd_watch_msg_destroy(&msg);

    parse("404 page not found", &msg);
    assert_int_equal(msg.kind, ETCD_WATCH_ERROR);
    assert_non_null(strstr(msg.error, "malformed"));
    etcd_watch_msg_destroy(&msg);

    parse("{\"other\":1}", &msg);
    assert_int_equal(msg.kind, ETCD_WATCH_ERROR);
    etcd_watch_msg_destroy(&msg);
}

static void test_error_message(void **state)
{
    json_t *unary = json_loads(
        "{\"error\":\"etcdserver: mvcc: required revision has been "
        "compacted\",\"message\":\"etcdserver: mvcc: required revision has "
        "been compacted\",\"code\":11}",
        0, NULL);
    char *msg = etcd_error_message(unary);
    assert_string_equal(
        msg, "etcdserver: mvcc: required revision has been compacted");
    assert_true(etcd_error_is_compacted(msg));
    free(msg);
    json_decref(unary);
    json_t *ok = json_loads("{" HEADER "}", 0, NULL);
    assert_null(etcd_error_message(ok));
    json_decref(ok);
    assert_false(etcd_error_is_compacted("etcdserver: no leader"));
    assert_false(etcd_error_is_compacted(NULL));
}

static void test_range_request(void **state)
{
    json_t *req = etcd_range_request("/p/", NULL, 0, 0, 500);
    char *s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(
        s, "{\"key\":\"L3Av\",\"limit\":\"500\",\"range_end\":\"L3Aw\"}");
    free(s);
    json_decref(req);
    req = etcd_range_request("/p/", "/p/k2\0", 6, 4, 500);
    s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"key\":\"L3AvazIA\",\"limit\":\"500\","
                           "\"range_end\":\"L3Aw\",\"revision\":\"4\"}");
    free(s);
    json_decref(req);
}

static void test_watch_request(void **state)
{
    json_t *req = etcd_watch_request("/p/", 5);
    char *s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"create_request\":{\"key\":\"L3Av\","
                           "\"range_end\":\"L3Aw\",\"start_revision\":"
                           "\"5\"}}");
    free(s);
    json_decref(req);
}

static void test_txn_helpers(void **state)
{
    json_t *cmp = etcd_cmp_create_revision("/a", "=", 0);
    char *s = json_dumps(cmp, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"create_revision\":\"0\",\"key\":\"L2E=\","
                           "\"result\":\"EQUAL\",\"target\":\"CREATE\"}");
    free(s);
    json_decref(cmp);
    cmp = etcd_cmp_value("/a", "!=", "x");
    s = json_dumps(cmp, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"key\":\"L2E=\",\"result\":\"NOT_EQUAL\","
                           "\"target\":\"VALUE\",\"value\":\"eA==\"}");
    free(s);
    json_decref(cmp);
    json_t *op = etcd_op_put("/a", "x");
    s = json_dumps(op, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(
        s, "{\"request_put\":{\"key\":\"L2E=\",\"value\":\"eA==\"}}");
    free(s);
    json_decref(op);
    op = etcd_op_delete("/a");
    s = json_dumps(op, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"request_delete_range\":{\"key\":\"L2E=\"}}");
    free(s);
    json_decref(op);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64_round_trip),
        cmocka_unit_test(test_b64_known),
        cmocka_unit_test(test_prefix_end),
        cmocka_unit_test(test_int64),
        cmocka_unit_test(test_feed_lines),
        cmocka_unit_test(test_feed_lines_byte_by_byte),
        cmocka_unit_test(test_range_page),
        cmocka_unit_test(test_range_empty),
        cmocka_unit_test(test_watch_created),
        cmocka_unit_test(test_watch_events_put_delete),
        cmocka_unit_test(test_kv_fields),
        cmocka_unit_test(test_key_with_nul),
        cmocka_unit_test(test_duplicate_events),
        cmocka_unit_test(test_watch_compacted),
        cmocka_unit_test(test_watch_errors),
        cmocka_unit_test(test_error_message),
        cmocka_unit_test(test_range_request),
        cmocka_unit_test(test_watch_request),
        cmocka_unit_test(test_txn_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

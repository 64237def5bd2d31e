/* libFuzzer target: the etcd gateway's streamed replies, as store/watch.c
 * and store/client.c take them apart (store/proto.h).
 *
 * Input: the first byte sets the chunk size (1..32 bytes, or the whole rest
 * when 0) in which the rest is fed to etcd_feed_lines(), as libcurl hands a
 * stream over in pieces.  Each line goes through etcd_parse_watch_line()
 * and, when it holds events, etcd_deliver_events() twice (the second time
 * everything is a repeat and nothing may be delivered); the same line is
 * also read as a range reply (etcd_parse_range(), etcd_deliver_kv() on each
 * kv) and as a unary error reply (etcd_error_message()).  The line's text is
 * also given to etcd_b64_decode(), etcd_prefix_end() and, as a JSON
 * string, etcd_int64().  The handlers read every byte of every key and
 * value they get.  Everything is freed (a leak is a finding). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "openvswitch/dynamic-string.h"
#include "store/proto.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the handlers saw; a checksum of every byte keeps them read. */
struct seen {
    uint32_t sum;
    size_t puts, dels, lines;
};

static volatile uint32_t sink; /* Keeps the checksums computed. */

static void touch(struct seen *s, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        s->sum = s->sum * 31 + (unsigned char)p[i];
    }
}

static void on_reset(void *aux)
{
}

static void on_put(void *aux, const struct etcd_kv *kv)
{
    struct seen *s = aux;
    touch(s, kv->key, kv->key_len);
    touch(s, kv->value, kv->value_len + 1); /* NUL-terminated too. */
    s->puts++;
}

static void on_del(void *aux, const char *key, size_t key_len,
                   int64_t mod_revision)
{
    struct seen *s = aux;
    touch(s, key, key_len);
    s->dels++;
}

static void on_synced(void *aux, int64_t revision)
{
}

static void on_state(void *aux, bool up, const char *reason)
{
}

static const struct etcd_watch_handlers handlers = {
    .reset = on_reset,
    .put = on_put,
    .del = on_del,
    .synced = on_synced,
    .state = on_state,
};

/* The line's bytes as the other decoders' input. */
static void decode_text(struct seen *s, const char *line, size_t len)
{
    char *text = xmemdup0(line, len);
    size_t n;
    char *dec = etcd_b64_decode(text, &n);
    if (dec) {
        touch(s, dec, n + 1);
        free(dec);
    }
    char *end = etcd_prefix_end(text, &n);
    touch(s, end, n);
    free(end);
    json_t *obj = json_object();
    json_object_set_new(obj, "n", json_stringn_nocheck(line, len));
    s->sum += (uint32_t)etcd_int64(obj, "n");
    json_decref(obj);
    free(text);
}

static bool on_line(void *aux, const char *line, size_t len)
{
    struct seen *s = aux;
    s->lines++;
    struct etcd_watch_msg msg;
    etcd_parse_watch_line(line, len, &msg);
    if (msg.error) {
        touch(s, msg.error, strlen(msg.error));
    }
    if (msg.kind == ETCD_WATCH_EVENTS && msg.events) {
        int64_t floor = msg.revision > 0 ? msg.revision / 2 : 0;
        int64_t last = etcd_deliver_events(msg.events, floor, &handlers, s);
        size_t puts = s->puts, dels = s->dels;
        if (last < floor ||
            etcd_deliver_events(msg.events, last, &handlers, s) != last ||
            s->puts != puts || s->dels != dels) {
            abort(); /* Repeated events must not be delivered again. */
        }
    }
    struct etcd_range_page page;
    if (etcd_parse_range(msg.root, &page)) {
        size_t i;
        const json_t *kv;
        json_array_foreach(page.kvs, i, kv)
        {
            etcd_deliver_kv(kv, &handlers, s);
        }
        if (page.more && page.next_key) {
            touch(s, page.next_key, page.next_len);
        }
        free(page.next_key);
    } else if (page.next_key) {
        abort(); /* The contract: NULL when it returns false. */
    }
    char *error = etcd_error_message(msg.root);
    if (error) {
        s->sum += (uint32_t)etcd_error_is_compacted(error);
        free(error);
    }
    etcd_watch_msg_destroy(&msg);
    decode_text(s, line, len);
    /* A line "stop" ends the stream early, as a callback may. */
    return !(len == 4 && !memcmp(line, "stop", 4));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) {
        return 0;
    }
    size_t chunk = data[0] % 33;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    struct ds buf = DS_EMPTY_INITIALIZER;
    struct seen s = {0};
    for (size_t off = 0; off < len;) {
        size_t n = chunk ? MIN(chunk, len - off) : len;
        etcd_feed_lines(&buf, body + off, n, on_line, &s);
        off += n;
    }
    ds_destroy(&buf);
    sink = s.sum;
    return 0;
}

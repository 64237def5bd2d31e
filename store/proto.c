/* The etcd gateway's encodings: see store/proto.h. */
#include "store/proto.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

char *etcd_b64_encode(const char *data, size_t len)
{
    char *out = xmalloc(4 * ((len + 2) / 3) + 1);
    int n =
        EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)data, len);
    out[n] = '\0';
    return out;
}

char *etcd_b64_decode(const char *b64, size_t *len)
{
    size_t in = strlen(b64);
    if (in % 4) {
        return NULL;
    }
    char *out = xmalloc(3 * (in / 4) + 1);
    int n = in ? EVP_DecodeBlock((unsigned char *)out,
                                 (const unsigned char *)b64, in)
               : 0;
    if (n < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts each '=' of padding as a zero byte. */
    for (size_t i = in; i > 0 && b64[i - 1] == '=' && n > 0; i--) {
        n--;
    }
    out[n] = '\0';
    *len = n;
    return out;
}

char *etcd_prefix_end(const char *prefix, size_t *len)
{
    size_t n = strlen(prefix);
    char *end = xmemdup0(prefix, n);
    while (n > 0 && (unsigned char)end[n - 1] == 0xff) {
        n--;
    }
    if (!n) {
        end[0] = '\0';
        *len = 1;
        return end;
    }
    end[n - 1]++;
    end[n] = '\0';
    *len = n;
    return end;
}

int64_t etcd_int64(const json_t *obj, const char *field)
{
    const json_t *v = json_object_get(obj, field);
    if (json_is_integer(v)) {
        return json_integer_value(v);
    }
    const char *s = json_string_value(v);
    char *end;
    errno = 0;
    long long n = s ? strtoll(s, &end, 10) : 0;
    return s && *s && !*end && !errno ? n : 0; /* ERANGE: malformed too. */
}

json_t *etcd_int64_json(int64_t n)
{
    char *s = xasprintf("%lld", (long long)n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

json_t *etcd_b64_json(const char *data, size_t len)
{
    char *b = etcd_b64_encode(data, len);
    json_t *s = json_string(b);
    free(b);
    return s;
}

void etcd_feed_lines(struct ds *buf, const char *data, size_t len,
                     bool (*fn)(void *aux, const char *line, size_t len),
                     void *aux)
{
    ds_put_buffer(buf, data, len);
    size_t start = 0;
    for (size_t i = 0; i < buf->length; i++) {
        if (buf->string[i] != '\n') {
            continue;
        }
        if (i > start && !fn(aux, buf->string + start, i - start)) {
            ds_clear(buf);
            return;
        }
        start = i + 1;
    }
    if (start) {
        size_t rest = buf->length - start;
        memmove(buf->string, buf->string + start, rest);
        buf->length = rest;
        buf->string[rest] = '\0';
    }
}

/* Decodes the base64 string field 'field' of 'obj' ("" when absent, as the
 * gateway omits empty values). */
static char *b64_field(const json_t *obj, const char *field, size_t *len)
{
    const char *s = json_string_value(json_object_get(obj, field));
    return etcd_b64_decode(s ? s : "", len);
}

int64_t etcd_deliver_kv(const json_t *kv, const struct etcd_watch_handlers *h,
                        void *aux)
{
    size_t klen, vlen;
    char *key = b64_field(kv, "key", &klen);
    char *value = b64_field(kv, "value", &vlen);
    int64_t rev = -1;
    if (key && value && klen) {
        struct etcd_kv e = {
            .key = key,
            .key_len = klen,
            .value = value,
            .value_len = vlen,
            .create_revision = etcd_int64(kv, "create_revision"),
            .mod_revision = etcd_int64(kv, "mod_revision"),
            .version = etcd_int64(kv, "version"),
            .lease = etcd_int64(kv, "lease"),
        };
        h->put(aux, &e);
        rev = e.mod_revision;
    }
    free(key);
    free(value);
    return rev;
}

/* Delivers one DELETE event's key.  Returns false if it is malformed. */
static bool deliver_delete(const json_t *kv, int64_t rev,
                           const struct etcd_watch_handlers *h, void *aux)
{
    size_t klen;
    char *key = b64_field(kv, "key", &klen);
    bool ok = key && klen;
    if (ok) {
        h->del(aux, key, klen, rev);
    }
    free(key);
    return ok;
}

int64_t etcd_deliver_events(const json_t *events, int64_t last_rev,
                            const struct etcd_watch_handlers *h, void *aux)
{
    int64_t floor = last_rev;
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev)
    {
        const json_t *kv = json_object_get(ev, "kv");
        int64_t rev = etcd_int64(kv, "mod_revision");
        if (rev <= floor) {
            continue; /* A repeated event. */
        }
        const char *type = json_string_value(json_object_get(ev, "type"));
        bool ok = type && !strcmp(type, "DELETE")
                      ? deliver_delete(kv, rev, h, aux)
                      : etcd_deliver_kv(kv, h, aux) >= 0;
        if (ok) {
            last_rev = MAX(last_rev, rev);
        }
    }
    return last_rev;
}

bool etcd_parse_range(const json_t *reply, struct etcd_range_page *page)
{
    page->revision = etcd_int64(json_object_get(reply, "header"), "revision");
    page->kvs = json_object_get(reply, "kvs");
    size_t n = json_array_size(page->kvs);
    page->more = json_is_true(json_object_get(reply, "more")) && n;
    page->next_key = NULL;
    page->next_len = 0;
    if (!page->more) {
        return true;
    }
    size_t len;
    const char *k = json_string_value(
        json_object_get(json_array_get(page->kvs, n - 1), "key"));
    char *last = etcd_b64_decode(k ? k : "", &len);
    if (!last) {
        return false;
    }
    /* The smallest key after 'last' is 'last' followed by a zero byte;
     * etcd_b64_decode() already put one there. */
    page->next_key = last;
    page->next_len = len + 1;
    return true;
}

char *etcd_error_message(const json_t *root)
{
    const json_t *error = json_object_get(root, "error");
    if (!error) {
        return NULL;
    }
    const char *msg = json_string_value(json_object_get(error, "message"));
    if (!msg) {
        msg = json_string_value(json_object_get(root, "message"));
    }
    if (!msg) {
        msg = json_string_value(error);
    }
    return xstrdup(msg ? msg : "unknown gateway error");
}

bool etcd_error_is_compacted(const char *message)
{
    return message && strstr(message, "compacted");
}

/* Classifies a "result" object of a watch stream into 'msg'. */
static void parse_watch_result(const json_t *result, struct etcd_watch_msg *msg)
{
    msg->revision = etcd_int64(json_object_get(result, "header"), "revision");
    msg->compact_revision = etcd_int64(result, "compact_revision");
    msg->created = json_is_true(json_object_get(result, "created"));
    msg->events = json_object_get(result, "events");
    const char *reason =
        json_string_value(json_object_get(result, "cancel_reason"));
    if (msg->compact_revision > 0 || etcd_error_is_compacted(reason)) {
        msg->kind = ETCD_WATCH_COMPACTED;
        msg->error = xasprintf("revision compacted at %lld",
                               (long long)msg->compact_revision);
    } else if (json_is_true(json_object_get(result, "canceled"))) {
        msg->kind = ETCD_WATCH_ERROR;
        msg->error = xasprintf("watch canceled by etcd%s%s", reason ? ": " : "",
                               reason ? reason : "");
    } else {
        msg->kind = ETCD_WATCH_EVENTS;
    }
}

void etcd_parse_watch_line(const char *line, size_t len,
                           struct etcd_watch_msg *msg)
{
    *msg = (struct etcd_watch_msg){.kind = ETCD_WATCH_ERROR};
    json_error_t jerr;
    msg->root = json_loadb(line, len, 0, &jerr);
    const json_t *result = json_object_get(msg->root, "result");
    if (!msg->root) {
        msg->error = xasprintf("malformed watch response: %s (\"%.*s\")",
                               jerr.text, (int)MIN(len, 80), line);
    } else if ((msg->error = etcd_error_message(msg->root))) {
        if (etcd_error_is_compacted(msg->error)) {
            msg->kind = ETCD_WATCH_COMPACTED;
        }
    } else if (json_is_object(result)) {
        parse_watch_result(result, msg);
    } else {
        msg->error = xasprintf("watch response without result: \"%.*s\"",
                               (int)MIN(len, 80), line);
    }
}

void etcd_watch_msg_destroy(struct etcd_watch_msg *msg)
{
    free(msg->error);
    json_decref(msg->root);
    msg->error = NULL;
    msg->root = NULL;
}

json_t *etcd_range_request(const char *prefix, const char *from_key,
                           size_t from_len, int64_t revision, int64_t limit)
{
    size_t end_len;
    char *end = etcd_prefix_end(prefix, &end_len);
    json_t *req = json_object();
    json_object_set_new(req, "key",
                        from_key ? etcd_b64_json(from_key, from_len)
                                 : etcd_b64_json(prefix, strlen(prefix)));
    json_object_set_new(req, "range_end", etcd_b64_json(end, end_len));
    json_object_set_new(req, "limit", etcd_int64_json(limit));
    if (revision) {
        json_object_set_new(req, "revision", etcd_int64_json(revision));
    }
    free(end);
    return req;
}

json_t *etcd_watch_request(const char *prefix, int64_t start_revision)
{
    size_t end_len;
    char *end = etcd_prefix_end(prefix, &end_len);
    json_t *create = json_pack(
        "{s:o, s:o, s:o}", "key", etcd_b64_json(prefix, strlen(prefix)),
        "range_end", etcd_b64_json(end, end_len), "start_revision",
        etcd_int64_json(start_revision));
    free(end);
    return json_pack("{s:o}", "create_request", create);
}

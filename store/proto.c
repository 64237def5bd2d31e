/* The etcd gateway's encodings: see store/proto.h. */
#include "store/proto.h"

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
    /* EVP_DecodeBlock counts the padding as zero bytes. */
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
    long long n = s ? strtoll(s, &end, 10) : 0;
    return s && *s && !*end ? n : 0;
}

void etcd_feed_lines(struct ds *buf, const char *data, size_t len,
                     void (*fn)(void *aux, const char *line, size_t len),
                     void *aux)
{
    ds_put_buffer(buf, data, len);
    size_t start = 0;
    for (size_t i = 0; i < buf->length; i++) {
        if (buf->string[i] == '\n') {
            if (i > start) {
                fn(aux, buf->string + start, i - start);
            }
            start = i + 1;
        }
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

int64_t etcd_deliver_events(const json_t *events, int64_t last_rev,
                            const struct etcd_watch_handlers *h, void *aux)
{
    /* All events of one revision (a txn) come in one response: compare
     * with what earlier responses delivered, not with this one's. */
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
        if (type && !strcmp(type, "DELETE")) {
            size_t klen;
            char *key = b64_field(kv, "key", &klen);
            if (key && klen) {
                h->del(aux, key, rev);
            }
            free(key);
        } else if (etcd_deliver_kv(kv, h, aux) < 0) {
            continue;
        }
        last_rev = MAX(last_rev, rev);
    }
    return last_rev;
}

static json_t *b64_string(const char *data, size_t len)
{
    char *b = etcd_b64_encode(data, len);
    json_t *s = json_string(b);
    free(b);
    return s;
}

json_t *etcd_range_request(const char *prefix, const char *from_key,
                           size_t from_len, int64_t revision, int64_t limit)
{
    size_t end_len;
    char *end = etcd_prefix_end(prefix, &end_len);
    json_t *req = json_object();
    json_object_set_new(req, "key",
                        from_key ? b64_string(from_key, from_len)
                                 : b64_string(prefix, strlen(prefix)));
    json_object_set_new(req, "range_end", b64_string(end, end_len));
    json_object_set_new(req, "limit", json_integer(limit));
    if (revision) {
        char *rev = xasprintf("%lld", (long long)revision);
        json_object_set_new(req, "revision", json_string(rev));
        free(rev);
    }
    free(end);
    return req;
}

json_t *etcd_watch_request(const char *prefix, int64_t start_revision)
{
    size_t end_len;
    char *end = etcd_prefix_end(prefix, &end_len);
    char *rev = xasprintf("%lld", (long long)start_revision);
    json_t *create =
        json_pack("{s:o, s:o, s:s}", "key", b64_string(prefix, strlen(prefix)),
                  "range_end", b64_string(end, end_len), "start_revision", rev);
    free(rev);
    free(end);
    return json_pack("{s:o}", "create_request", create);
}

/* Field readers with JSON-path errors, and address checks: see
 * model/fields.h. */
#include "model/fields.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "sset.h"
#include "model/text.h"
#include "util.h"

void fs_perr(struct pctx *c, const char *field, const char *fmt, ...)
{
    char *path = field ? xasprintf("%s.%s", c->base, field) : xstrdup(c->base);
    va_list args;
    va_start(args, fmt);
    char *msg = xvasprintf(fmt, args);
    va_end(args);
    fs_errors_add(c->errs, c->key, path, "%s", msg);
    free(msg);
    free(path);
    c->ok = false;
}

/* Returns 'field' of 'obj' as a new string, 'dflt' (copied, may be NULL)
 * when absent or null; errors when 'required' and absent, or not a string. */
char *fs_get_str(struct pctx *c, json_t *obj, const char *field, bool required,
                 const char *dflt)
{
    json_t *v = json_object_get(obj, field);
    if (!v || json_is_null(v)) {
        if (required) {
            fs_perr(c, field, "required field is missing");
        }
        return dflt ? xstrdup(dflt) : NULL;
    }
    if (!json_is_string(v)) {
        fs_perr(c, field, "must be a string");
        return dflt ? xstrdup(dflt) : NULL;
    }
    return xstrdup(json_string_value(v));
}

/* Returns 'field' as an integer in [min, max], 'dflt' when absent/null.
 * Integers written as strings ("22") are accepted, as Neutron does. */
long long fs_get_int(struct pctx *c, json_t *obj, const char *field,
                     long long min, long long max, long long dflt)
{
    json_t *v = json_object_get(obj, field);
    long long n;
    if (!v || json_is_null(v)) {
        return dflt;
    } else if (json_is_integer(v)) {
        n = json_integer_value(v);
    } else if (json_is_string(v) && *json_string_value(v)) {
        char *end;
        n = strtoll(json_string_value(v), &end, 10);
        if (*end) {
            fs_perr(c, field, "must be an integer");
            return dflt;
        }
    } else {
        fs_perr(c, field, "must be an integer");
        return dflt;
    }
    if (n < min || n > max) {
        fs_perr(c, field, "%lld is out of range %lld..%lld", n, min, max);
        return dflt;
    }
    return n;
}

/* Returns a list of strings ('*n' of them) from array 'field'. */
char **fs_get_str_list(struct pctx *c, json_t *obj, const char *field,
                       bool required, size_t *n)
{
    json_t *v = json_object_get(obj, field);
    *n = 0;
    if (!v || json_is_null(v)) {
        if (required) {
            fs_perr(c, field, "required field is missing");
        }
        return NULL;
    }
    if (!json_is_array(v)) {
        fs_perr(c, field, "must be a list");
        return NULL;
    }
    char **list = xcalloc(json_array_size(v) + 1, sizeof *list);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item)) {
            char *f = xasprintf("%s[%zu]", field, i);
            fs_perr(c, f, "must be a string");
            free(f);
            continue;
        }
        list[(*n)++] = xstrdup(json_string_value(item));
    }
    return list;
}

void fs_check_unique(struct pctx *c, const char *field, char **list, size_t n)
{
    struct sset seen = SSET_INITIALIZER(&seen);
    for (size_t i = 0; i < n; i++) {
        if (!sset_add(&seen, list[i])) {
            char *f = xasprintf("%s[%zu]", field, i);
            fs_perr(c, f, "%s is listed twice", fs_quote(list[i]).s);
            free(f);
        }
    }
    sset_destroy(&seen);
}

json_t *fs_get_object(struct pctx *c, json_t *obj, const char *field)
{
    json_t *v = json_object_get(obj, field);
    if (v && !json_is_null(v) && !json_is_object(v)) {
        fs_perr(c, field, "must be an object");
        return NULL;
    }
    return json_is_object(v) ? v : NULL;
}

void fs_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i]);
    }
    free(list);
}

void fs_parse_meta(struct pctx *c, json_t *obj, const char *key_id, int64_t rev,
                   struct fs_meta *meta)
{
    meta->key = xstrdup(c->key);
    meta->id = fs_get_str(c, obj, "id", false, key_id);
    meta->name = fs_get_str(c, obj, "name", false, "");
    meta->mod_revision = rev;
    if (strcmp(meta->id, key_id)) {
        fs_perr(c, "id", "id %s differs from the key's %s",
                fs_quote(meta->id).s, fs_quote(key_id).s);
    }
}

void fs_free_meta(struct fs_meta *m)
{
    free(m->key);
    free(m->id);
    free(m->name);
}

/* Address helpers. */

char *fs_parse_cidr(const char *text, int ethertype, char **out)
{
    int af = ethertype == 6 ? AF_INET6 : AF_INET;
    int bits = af == AF_INET ? 32 : 128;
    char addr[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    int len = bits;
    if (alen >= sizeof addr) {
        return xasprintf("%s is not an IPv%d prefix", fs_quote(text).s,
                         ethertype);
    }
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    if (slash) {
        char *end = NULL;
        long l =
            isdigit((unsigned char)slash[1]) ? strtol(slash + 1, &end, 10) : -1;
        if (l < 0 || *end || l > bits) {
            return xasprintf("%s: prefix length must be 0..%d",
                             fs_quote(text).s, bits);
        }
        len = l;
    }
    uint8_t buf[16];
    if (inet_pton(af, addr, buf) != 1) {
        int other = af == AF_INET ? AF_INET6 : AF_INET;
        if (inet_pton(other, addr, buf) == 1) {
            return xasprintf("%s is not of the classifier's ethertype "
                             "IPv%d",
                             fs_quote(text).s, ethertype);
        }
        return xasprintf("%s is not an IPv%d prefix", fs_quote(text).s,
                         ethertype);
    }
    for (int i = 0; i < bits / 8; i++) {
        int keep = len - i * 8;
        buf[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (0xff << (8 - keep));
    }
    char canon[INET6_ADDRSTRLEN];
    inet_ntop(af, buf, canon, sizeof canon);
    *out = xasprintf("%s/%d", canon, len);
    return NULL;
}

bool fs_prefixes_overlap(const char *a, const char *b)
{
    if (!a || !b) {
        return true;
    }
    bool v6 = strchr(a, ':') != NULL;
    if (v6 != (strchr(b, ':') != NULL)) {
        return false;
    }
    uint8_t x[16], y[16];
    char as[INET6_ADDRSTRLEN + 4], bs[INET6_ADDRSTRLEN + 4];
    ovs_strlcpy(as, a, sizeof as);
    ovs_strlcpy(bs, b, sizeof bs);
    char *sa = strchr(as, '/'), *sb = strchr(bs, '/');
    if (!sa || !sb) {
        return true;
    }
    *sa = *sb = '\0';
    int la = atoi(sa + 1), lb = atoi(sb + 1), len = MIN(la, lb);
    int af = v6 ? AF_INET6 : AF_INET;
    if (inet_pton(af, as, x) != 1 || inet_pton(af, bs, y) != 1) {
        return true;
    }
    for (int i = 0; i * 8 < len; i++) {
        int keep = len - i * 8;
        uint8_t mask = keep >= 8 ? 0xff : (0xff << (8 - keep));
        if ((x[i] & mask) != (y[i] & mask)) {
            return false;
        }
    }
    return true;
}

void fs_prefix_parse(const char *text, struct fs_prefix *p)
{
    memset(p, 0, sizeof *p);
    if (!text) {
        return;
    }
    char s[INET6_ADDRSTRLEN + 4];
    ovs_strlcpy(s, text, sizeof s);
    char *slash = strchr(s, '/');
    if (!slash) {
        return;
    }
    *slash = '\0';
    p->v6 = strchr(text, ':') != NULL;
    p->len = atoi(slash + 1);
    p->parsed = inet_pton(p->v6 ? AF_INET6 : AF_INET, s, p->addr) == 1;
}

bool fs_parsed_prefixes_overlap(const char *ta, const struct fs_prefix *a,
                                const char *tb, const struct fs_prefix *b)
{
    if (!ta || !tb) {
        return true;
    } else if (!a->parsed || !b->parsed) {
        return fs_prefixes_overlap(ta, tb);
    } else if (a->v6 != b->v6) {
        return false;
    }
    int len = MIN(a->len, b->len);
    for (int i = 0; i * 8 < len; i++) {
        int keep = len - i * 8;
        uint8_t mask = keep >= 8 ? 0xff : (0xff << (8 - keep));
        if ((a->addr[i] & mask) != (b->addr[i] & mask)) {
            return false;
        }
    }
    return true;
}

/* Returns canonical lower-case "aa:bb:cc:dd:ee:ff" or NULL. */
char *fs_canonical_mac(const char *s)
{
    unsigned int b[6];
    char tail;
    if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1],
                                  &b[2], &b[3], &b[4], &b[5], &tail) != 6) {
        return NULL;
    }
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i])) {
            return NULL;
        }
    }
    return xasprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
                     b[4], b[5]);
}

char *fs_canonical_ip(const char *s)
{
    uint8_t buf[16];
    char text[INET6_ADDRSTRLEN];
    int af = inet_pton(AF_INET, s, buf) == 1    ? AF_INET
             : inet_pton(AF_INET6, s, buf) == 1 ? AF_INET6
                                                : 0;
    return af && inet_ntop(af, buf, text, sizeof text) ? xstrdup(text) : NULL;
}

bool fs_valid_ip(const char *s)
{
    uint8_t buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Kinds, keys and the canonical form of a resource: see ctl/ctl.h.
 */
#include "ctl/ctl.h"

#include <string.h>

#include "model/text.h"
#include "model/yaml.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

const char *ctl_kind_singular(enum fs_kind kind)
{
    static char names[FS_N_KINDS][64];
    char *s = names[kind];
    if (!*s) {
        const char *plural = fs_kind_name(kind);
        size_t len = strlen(plural);
        ovs_strzcpy(s, plural, sizeof names[kind]);
        /* Neutron's plurals add an "s"; "chassis" is its own plural. */
        if (len > 2 && plural[len - 1] == 's' && plural[len - 2] != 'i') {
            s[len - 1] = '\0';
        }
    }
    return s;
}

bool ctl_kind_parse(const char *name, enum fs_kind *kind)
{
    for (int k = 0; k < FS_N_KINDS; k++) {
        if (!strcmp(name, fs_kind_name(k)) ||
            !strcmp(name, ctl_kind_singular(k))) {
            *kind = k;
            return true;
        }
    }
    return false;
}

char *ctl_canonical(enum fs_kind kind, const json_t *obj)
{
    json_t *doc = json_object();
    json_object_set(doc, ctl_kind_singular(kind), (json_t *)obj);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    return text ? text : xstrdup("null");
}

json_t *ctl_decode(const char *value, size_t len)
{
    json_t *doc = json_loadb(value, len, JSON_REJECT_DUPLICATES, NULL);
    if (!doc) {
        char *error;
        doc = fs_yaml_parse(value, len, &error);
        free(error);
    }
    return doc;
}

char *ctl_pretty(const char *value, size_t len)
{
    json_t *doc = ctl_decode(value, len);
    struct ds out = DS_EMPTY_INITIALIZER;
    char *text =
        doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY)
            : NULL;
    if (text) {
        ds_put_format(&out, "%s\n", text);
    } else {
        fs_text_escape(&out, value, len, SIZE_MAX, false);
        ds_put_char(&out, '\n');
    }
    free(text);
    json_decref(doc);
    return ds_steal_cstr(&out);
}

json_t *ctl_resource_of(json_t *doc, enum fs_kind kind)
{
    json_t *inner = json_object_get(doc, ctl_kind_singular(kind));
    if (json_is_object(inner) && json_object_size(doc) == 1) {
        return inner;
    }
    return doc;
}

bool ctl_is_managed(const char *value, size_t len, enum fs_kind kind)
{
    json_t *doc = ctl_decode(value, len);
    json_t *label = json_object_get(ctl_resource_of(doc, kind), CTL_LABEL);
    bool managed = json_is_string(label) &&
                   !strcmp(json_string_value(label), CTL_LABEL_VALUE);
    json_decref(doc);
    return managed;
}

bool ctl_same_value(const char *a, size_t alen, const char *b, size_t blen)
{
    json_t *x = ctl_decode(a, alen);
    json_t *y = ctl_decode(b, blen);
    bool same = x && y ? json_equal(x, y)
                       : !x && !y && alen == blen && !memcmp(a, b, alen);
    json_decref(x);
    json_decref(y);
    return same;
}

bool ctl_key_parse(const char *key, size_t len, enum fs_kind *kind, char **id)
{
    size_t plen = strlen(FS_PREFIX);
    if (len <= plen || memcmp(key, FS_PREFIX, plen) || memchr(key, '\0', len) ||
        !fs_text_is_clean(key, len)) {
        return false;
    }
    const char *folder = key + plen;
    const char *slash = memchr(folder, '/', len - plen);
    if (!slash || slash == folder || slash + 1 == key + len ||
        memchr(slash + 1, '/', key + len - slash - 1)) {
        return false;
    }
    char *name = xmemdup0(folder, slash - folder);
    bool ok = ctl_kind_parse(name, kind) && !strcmp(name, fs_kind_name(*kind));
    free(name);
    if (ok) {
        *id = xmemdup0(slash + 1, key + len - slash - 1);
    }
    return ok;
}

char *ctl_what(enum fs_kind kind, const char *id)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "%s/", fs_kind_name(kind));
    if (id) {
        fs_text_escape(&s, id, strlen(id), FS_QUOTE_MAX, false);
    } else {
        ds_put_char(&s, '-');
    }
    return ds_steal_cstr(&s);
}

/* Validation of the input with model/, as flowsteerd validates etcd: see
 * ctl_check() in ctl/ctl.h. */
#include "ctl/ctl.h"

#include <string.h>

#include "model/text.h"
#include "openvswitch/dynamic-string.h"
#include "sset.h"
#include "util.h"

/* "key\npath\nmessage": one error as a set member. */
static char *error_id(const struct fs_error *e)
{
    return xasprintf("%s\n%s\n%s", e->key, e->path, e->message);
}

static bool in_kvs(const struct ctl_kvs *kvs, const char *key, size_t len)
{
    for (size_t i = 0; kvs && i < kvs->n; i++) {
        if (kvs->items[i].key_len == len &&
            !memcmp(kvs->items[i].key, key, len)) {
            return true;
        }
    }
    return false;
}

static bool in_input(const struct ctl_input *in, const char *key, size_t len)
{
    for (size_t i = 0; i < in->n; i++) {
        if (strlen(in->res[i].key) == len &&
            !memcmp(in->res[i].key, key, len)) {
            return true;
        }
    }
    return false;
}

/* Puts what etcd holds, but the keys of 'drop' and of the input. */
static void put_base(struct fs_model *m, const struct ctl_kvs *base,
                     const struct ctl_kvs *drop, const struct ctl_input *in)
{
    for (size_t i = 0; base && i < base->n; i++) {
        const struct ctl_kv *kv = &base->items[i];
        if ((!in || !in_input(in, kv->key, kv->key_len)) &&
            !in_kvs(drop, kv->key, kv->key_len)) {
            fs_model_put(m, kv->key, kv->key_len, kv->value, kv->value_len,
                         kv->create_revision, kv->mod_revision);
        }
    }
}

/* The errors of 'base' alone, as error_id() strings. */
static void base_errors(const struct ctl_kvs *base, struct sset *ids)
{
    struct fs_model *m = fs_model_create();
    put_base(m, base, NULL, NULL);
    fs_model_set_revision(m, base->revision);
    struct fs_snapshot *s = fs_snapshot_build(m);
    for (size_t i = 0; i < s->errors.n; i++) {
        sset_add_and_free(ids, error_id(&s->errors.items[i]));
    }
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Puts the input: a resource already in etcd keeps its create revision,
 * a new one gets the revision of the first write (offline: its position,
 * so the earlier document wins a conflict as the earlier key would). */
static void put_input(struct fs_model *m, const struct ctl_input *in,
                      const struct ctl_kvs *base)
{
    int64_t next = base ? base->revision + 1 : 1;
    for (size_t i = 0; i < in->n; i++) {
        const struct ctl_res *r = &in->res[i];
        const struct ctl_kv *old = base ? ctl_kvs_find(base, r->key) : NULL;
        int64_t created = old ? old->create_revision : base ? next : next + i;
        int64_t modified = base ? next : next + i;
        fs_model_put(m, r->key, strlen(r->key), r->value, strlen(r->value),
                     created, modified);
    }
}

/* The input resource an error's key names, or NULL. */
static const struct ctl_res *res_of(const struct ctl_input *in, const char *key)
{
    for (size_t i = 0; i < in->n; i++) {
        const char *k = in->res[i].key;
        char *shown = fs_key_display(k, strlen(k));
        bool match = !strcmp(shown, key);
        free(shown);
        if (match) {
            return &in->res[i];
        }
    }
    return NULL;
}

/* The model's path ("$.port_pair.ingress", in the stored envelope) as a
 * path of the input document ("$.port_pairs[1].ingress"). */
static char *input_path(const struct ctl_res *r, const char *path)
{
    char *env = xasprintf("$.%s", ctl_kind_singular(r->kind));
    size_t n = strlen(env);
    char *out;
    if (!strncmp(path, env, n) && (!path[n] || strchr(".[", path[n]))) {
        out = xasprintf("%s%s", r->prefix, path + n);
    } else if (!strcmp(path, "$")) {
        out = xstrdup(r->prefix);
    } else {
        out = xstrdup(path);
    }
    free(env);
    return out;
}

static void report(const struct ctl_input *in, const struct fs_error *e,
                   const struct sset *before, struct ctl_msgs *out, size_t *n)
{
    const struct ctl_res *r = res_of(in, e->key);
    if (r) {
        char *path = input_path(r, e->path);
        char *what = ctl_what(r->kind, r->id);
        ctl_msgs_add(out, r->file, r->line, what, path, "%s", e->message);
        free(what);
        free(path);
        (*n)++;
        return;
    }
    char *id = error_id(e);
    if (!sset_contains(before, id)) {
        ctl_msgs_add(out, e->key, 0, NULL, NULL,
                     "%s: %s (in etcd, caused by this input)", e->path,
                     e->message);
        (*n)++;
    }
    free(id);
}

struct fs_model *ctl_model_build(const struct ctl_input *in,
                                 const struct ctl_kvs *base,
                                 const struct ctl_kvs *drop)
{
    struct fs_model *m = fs_model_create();
    put_base(m, base, drop, in);
    put_input(m, in, base);
    fs_model_set_revision(m, base ? base->revision + (in->n ? 1 : 0)
                                  : (int64_t)in->n);
    return m;
}

size_t ctl_check(const struct ctl_input *in, const struct ctl_kvs *base,
                 const struct ctl_kvs *drop, struct ctl_msgs *out)
{
    struct sset before = SSET_INITIALIZER(&before);
    if (base) {
        base_errors(base, &before);
    }
    struct fs_model *m = ctl_model_build(in, base, drop);
    struct fs_snapshot *s = fs_snapshot_build(m);
    size_t n = 0;
    for (size_t i = 0; i < s->errors.n; i++) {
        report(in, &s->errors.items[i], &before, out, &n);
    }
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
    sset_destroy(&before);
    return n;
}

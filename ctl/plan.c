/* What apply changes: see ctl/plan.h. */
#include "ctl/plan.h"

#include <string.h>

#include "model/text.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

const char *ctl_action_name(enum ctl_action a)
{
    static const char *const names[] = {"created", "configured", "unchanged",
                                        "pruned"};
    return names[a];
}

static void add(struct ctl_plan *p, enum ctl_action action,
                const struct ctl_res *res, const struct ctl_kv *old, char *what)
{
    if (p->n >= p->allocated) {
        p->changes = x2nrealloc(p->changes, &p->allocated, sizeof *p->changes);
    }
    p->changes[p->n++] = (struct ctl_change){action, res, old, what};
}

static bool in_input(const struct ctl_input *in, const struct ctl_kv *kv)
{
    for (size_t i = 0; i < in->n; i++) {
        if (!strcmp(in->res[i].key, kv->key) &&
            strlen(in->res[i].key) == kv->key_len) {
            return true;
        }
    }
    return false;
}

static int compare_kv_keys(const void *a_, const void *b_)
{
    const struct ctl_kv *a = a_, *b = b_;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = memcmp(a->key, b->key, n);
    return c ? c : a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

/* Resources in 'etcd' with flowsteerctl's label that the input lacks. */
static void add_pruned(struct ctl_plan *p, const struct ctl_input *in,
                       const struct ctl_kvs *etcd)
{
    for (size_t i = 0; i < etcd->n; i++) {
        const struct ctl_kv *kv = &etcd->items[i];
        enum fs_kind kind;
        char *id;
        if (!ctl_key_parse(kv->key, kv->key_len, &kind, &id)) {
            continue;
        }
        if (!in_input(in, kv) &&
            ctl_is_managed(kv->value, kv->value_len, kind)) {
            ctl_kvs_add(&p->pruned, kv->key, kv->key_len, kv->value,
                        kv->value_len, kv->create_revision, kv->mod_revision);
        }
        free(id);
    }
    qsort(p->pruned.items, p->pruned.n, sizeof *p->pruned.items,
          compare_kv_keys);
    for (size_t i = 0; i < p->pruned.n; i++) {
        const struct ctl_kv *kv = &p->pruned.items[i];
        enum fs_kind kind;
        char *id;
        ctl_key_parse(kv->key, kv->key_len, &kind, &id);
        add(p, CTL_PRUNED, NULL, kv, ctl_what(kind, id));
        free(id);
    }
}

void ctl_plan_build(struct ctl_plan *p, const struct ctl_input *in,
                    const struct ctl_kvs *etcd, bool prune)
{
    *p = (struct ctl_plan){0};
    for (size_t i = 0; i < in->n; i++) {
        const struct ctl_res *r = &in->res[i];
        const struct ctl_kv *old = ctl_kvs_find(etcd, r->key);
        enum ctl_action a = !old ? CTL_CREATED
                            : ctl_same_value(old->value, old->value_len,
                                             r->value, strlen(r->value))
                                ? CTL_UNCHANGED
                                : CTL_CONFIGURED;
        add(p, a, r, old, ctl_what(r->kind, r->id));
    }
    if (prune) {
        add_pruned(p, in, etcd);
    }
}

void ctl_plan_destroy(struct ctl_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->changes[i].what);
    }
    free(p->changes);
    ctl_kvs_destroy(&p->pruned);
}

size_t ctl_plan_writes(const struct ctl_plan *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++) {
        n += p->changes[i].action != CTL_UNCHANGED;
    }
    return n;
}

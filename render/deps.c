/* Dependencies of render units: interning, recording, checking
 * (render/deps.h). */
#include "render/deps.h"

#include <string.h>

#include "hash.h"
#include "util.h"

static uint32_t dep_hash(enum render_dep_type type, int kind, const char *id)
{
    return hash_string(id, hash_2words(type, kind));
}

void render_deps_init(struct render_deps *deps)
{
    hmap_init(&deps->map);
    deps->serial = 0;
    for (int t = 0; t < RENDER_N_DEP_TYPES; t++) {
        hmapx_init(&deps->by_type[t]);
    }
}

static void dep_free(struct render_dep *d)
{
    hmapx_destroy(&d->users);
    free(d->id);
    free(d);
}

void render_deps_destroy(struct render_deps *deps)
{
    struct render_dep *d;
    HMAP_FOR_EACH_POP(d, node, &deps->map)
    {
        dep_free(d);
    }
    hmap_destroy(&deps->map);
    for (int t = 0; t < RENDER_N_DEP_TYPES; t++) {
        hmapx_destroy(&deps->by_type[t]);
    }
}

struct render_dep *render_deps_find(const struct render_deps *deps,
                                    enum render_dep_type type, int kind,
                                    const char *id)
{
    struct render_dep *d;
    HMAP_FOR_EACH_WITH_HASH(d, node, dep_hash(type, kind, id), &deps->map)
    {
        if (d->type == type && d->kind == kind && !strcmp(d->id, id)) {
            return d;
        }
    }
    return NULL;
}

/* Returns the interned dependency ('type', 'kind', 'id'), created (with no
 * reference) if needed. */
static struct render_dep *intern(struct render_deps *deps,
                                 enum render_dep_type type, int kind,
                                 const char *id)
{
    uint32_t hash = dep_hash(type, kind, id);
    struct render_dep *d;
    HMAP_FOR_EACH_WITH_HASH(d, node, hash, &deps->map)
    {
        if (d->type == type && d->kind == kind && !strcmp(d->id, id)) {
            return d;
        }
    }
    d = xzalloc(sizeof *d);
    d->type = type;
    d->kind = kind;
    d->id = xstrdup(id);
    hmapx_init(&d->users);
    hmap_insert(&deps->map, &d->node, hash);
    hmapx_add(&deps->by_type[type], d);
    return d;
}

void render_rec_start(struct render_rec *rec, struct render_deps *deps,
                      void *owner)
{
    *rec = (struct render_rec){
        .deps = deps, .owner = owner, .serial = ++deps->serial};
}

void render_record(const struct render_ctx *ctx, enum render_dep_type type,
                   int kind, const char *id, uint64_t value)
{
    struct render_rec *rec = ctx->rec;
    if (!rec) {
        return;
    }
    struct render_dep *d = intern(rec->deps, type, kind, id);
    d->value = value;
    d->stamp = ctx->w->stamp;
    if (d->serial == rec->serial) {
        return; /* Listed already. */
    }
    d->serial = rec->serial;
    d->refs++;
    if (rec->owner) {
        hmapx_add(&d->users, rec->owner);
    }
    if (rec->n >= rec->allocated) {
        rec->refs = x2nrealloc(rec->refs, &rec->allocated, sizeof *rec->refs);
    }
    rec->refs[rec->n++] = (struct render_dep_ref){d, value};
}

/* Returns true if dependency 'd' cannot have another value than in the
 * previous run: it derives from the snapshot alone and nothing it derives
 * from changed since (w->changed).  Only when 'd' was computed in the
 * previous run, whose world w->changed is relative to. */
static bool dep_unchanged(const struct render_world *w,
                          const struct render_dep *d)
{
    if (!w->changed || d->stamp + 1 != w->stamp) {
        return false;
    }
    switch (d->type) {
    case RENDER_DEP_RES:
        return !render_res_changed(w, d->kind, d->id);
    case RENDER_DEP_NET_KEY:
        return !render_kind_changed(w, FS_NETWORK);
    case RENDER_DEP_SF:
        return !render_kind_changed(w, FS_PORT_PAIR);
    case RENDER_DEP_NET_PORTS:
        return !render_kind_changed(w, FS_PORT);
    case RENDER_DEP_SCAN:
        return !render_kind_changed(w, d->kind);
    case RENDER_DEP_LOCAL:
    case RENDER_DEP_UPLINK:
    case RENDER_DEP_TUNNEL:
    case RENDER_DEP_SLICE_NET:
    case RENDER_DEP_SLICE_MEMBER:
    default:
        return false; /* From the facts or the node-wide unit. */
    }
}

bool render_deps_changed(const struct render_world *w,
                         const struct render_dep_ref *refs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct render_dep *d = refs[i].dep;
        if (d->stamp != w->stamp) {
            if (!dep_unchanged(w, d)) {
                d->value = render_dep_value(w, d->type, d->kind, d->id);
            }
            d->stamp = w->stamp;
        }
        if (d->value != refs[i].value) {
            return true;
        }
    }
    return false;
}

void render_deps_release(struct render_deps *deps,
                         const struct render_dep_ref *refs, size_t n,
                         void *owner)
{
    for (size_t i = 0; i < n; i++) {
        struct render_dep *d = refs[i].dep;
        if (owner) {
            hmapx_find_and_delete(&d->users, owner);
        }
        if (!--d->refs) {
            hmap_remove(&deps->map, &d->node);
            hmapx_find_and_delete(&deps->by_type[d->type], d);
            dep_free(d);
        }
    }
}

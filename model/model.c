/* The mutable collection of documents: see model/model.h. */
#include "model/model.h"

#include <ctype.h>
#include <string.h>

#include "model/parse.h"
#include "model/store.h"
#include "model/text.h"
#include "hash.h"
#include "util.h"

static const char *const kind_names[FS_N_KINDS] = {
    [FS_NETWORK] = "networks",
    [FS_PORT] = "ports",
    [FS_CHASSIS] = "chassis",
    [FS_PORT_PAIR] = "port_pairs",
    [FS_PORT_PAIR_GROUP] = "port_pair_groups",
    [FS_FLOW_CLASSIFIER] = "flow_classifiers",
    [FS_PORT_CHAIN] = "port_chains",
    [FS_SLICE] = "slices",
    [FS_FLOWSPACE] = "flowspaces",
    [FS_SUBNET] = "subnets",
    [FS_ROUTER] = "routers",
};

const char *fs_kind_name(enum fs_kind kind)
{
    return kind < FS_N_KINDS ? kind_names[kind] : "?";
}

struct fs_model *fs_model_create(void)
{
    struct fs_model *m = xzalloc(sizeof *m);
    shash_init(&m->docs);
    hmap_init(&m->bad_keys);
    simap_init(&m->chain_paths);
    shash_init(&m->path_ids);
    simap_init(&m->network_vnis);
    shash_init(&m->vnis);
    shash_init(&m->changed);
    sset_init(&m->chain_allocs);
    sset_init(&m->network_allocs);
    return m;
}

static void bad_key_free(struct fs_bad_key *bk)
{
    free(bk->raw);
    free(bk->display);
    free(bk->reason);
    free(bk);
}

void fs_model_changes_clear(struct fs_model *m)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, &m->changed)
    {
        fs_doc_destroy(node->data);
    }
    shash_clear(&m->changed);
    sset_clear(&m->chain_allocs);
    sset_clear(&m->network_allocs);
    m->cleared = false;
    m->path_ids_changed = m->vnis_changed = m->bad_keys_changed = false;
}

/* Records that the document at 'key' is replaced: 'old' (NULL if none) is
 * kept for the next update if it is the one that update last saw, freed
 * otherwise. */
static void retire_doc(struct fs_model *m, const char *key, struct fs_doc *old)
{
    if (!m->tracking) {
        fs_doc_destroy(old);
    } else if (!shash_find(&m->changed, key)) {
        shash_add(&m->changed, key, old);
    } else {
        fs_doc_destroy(old);
    }
}

void fs_model_clear(struct fs_model *m)
{
    fs_model_changes_clear(m);
    m->cleared = true;
    struct shash_node *node;
    SHASH_FOR_EACH(node, &m->docs)
    {
        fs_doc_destroy(node->data);
    }
    shash_clear(&m->docs);
    struct fs_bad_key *bk;
    HMAP_FOR_EACH_POP(bk, node, &m->bad_keys)
    {
        bad_key_free(bk);
    }
    simap_clear(&m->chain_paths);
    shash_clear_free_data(&m->path_ids);
    simap_clear(&m->network_vnis);
    shash_clear_free_data(&m->vnis);
}

void fs_model_destroy(struct fs_model *m)
{
    if (m) {
        fs_model_clear(m);
        shash_destroy(&m->docs);
        hmap_destroy(&m->bad_keys);
        simap_destroy(&m->chain_paths);
        shash_destroy(&m->path_ids);
        simap_destroy(&m->network_vnis);
        shash_destroy(&m->vnis);
        shash_destroy(&m->changed);
        sset_destroy(&m->chain_allocs);
        sset_destroy(&m->network_allocs);
        free(m);
    }
}

void fs_model_set_revision(struct fs_model *m, int64_t revision)
{
    m->revision = revision;
}

/* What a key under FS_PREFIX is. */
enum key_class {
    KEY_OTHER, /* Not the model's: status/, nodes/. */
    KEY_ALLOC, /* keys/...: path id allocations. */
    KEY_DOC,   /* <kind>/<id>: a desired-state resource. */
    KEY_BAD,   /* Anything else: an error naming the key. */
};

/* Returns the kind whose folder is the 'n' bytes at 'folder', or
 * FS_N_KINDS. */
static enum fs_kind kind_of(const char *folder, size_t n)
{
    for (int k = 0; k < FS_N_KINDS; k++) {
        if (strlen(kind_names[k]) == n && !memcmp(folder, kind_names[k], n)) {
            return k;
        }
    }
    return FS_N_KINDS;
}

/* Returns true if the 'n' bytes at 'folder' are "keys" (allocations),
 * "status" or "nodes": folders under FS_PREFIX that hold no resource and
 * are no error; '*alloc' tells whether it is "keys". */
static bool is_other_folder(const char *folder, size_t n, bool *alloc)
{
    static const char *const names[] = {"keys", "status", "nodes"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (strlen(names[i]) == n && !memcmp(folder, names[i], n)) {
            *alloc = i == 0;
            return true;
        }
    }
    return false;
}

/* Classifies clean key 'key' (a C string under FS_PREFIX): the rule is
 * FS_PREFIX "<kind>/<id>" (docs/architecture.md, "etcd layout").  For
 * KEY_DOC stores the kind and the id (pointing into 'key'); for KEY_BAD
 * stores the reason in '*why' (caller frees). */
static enum key_class classify_clean(const char *key, enum fs_kind *kind,
                                     const char **id, char **why)
{
    const char *folder = key + strlen(FS_PREFIX);
    const char *slash = strchr(folder, '/');
    size_t n = slash ? (size_t)(slash - folder) : strlen(folder);
    bool alloc;
    if (is_other_folder(folder, n, &alloc)) {
        return alloc ? KEY_ALLOC : KEY_OTHER;
    }
    *kind = kind_of(folder, n);
    if (*kind == FS_N_KINDS) {
        *why = xasprintf("unknown kind %s: a key is %s<kind>/<id>, <kind> "
                         "one of networks, ports, chassis, port_pairs, "
                         "port_pair_groups, flow_classifiers, port_chains, "
                         "slices, flowspaces, subnets, routers",
                         fs_quoten(folder, n).s, FS_PREFIX);
        return KEY_BAD;
    } else if (!slash || !slash[1] || strchr(slash + 1, '/')) {
        *why = xasprintf("not a resource key: a key is %s%s/<id>, <id> not "
                         "empty and without '/'",
                         FS_PREFIX, kind_names[*kind]);
        return KEY_BAD;
    }
    *id = slash + 1;
    return KEY_DOC;
}

/* Returns true if the 'len' bytes at 'key' can be handled as a C string:
 * printable UTF-8 (so no NUL) and at most FS_MAX_KEY_LEN bytes. */
static bool key_is_clean(const char *key, size_t len)
{
    return len <= FS_MAX_KEY_LEN && fs_text_is_clean(key, len);
}

/* Why the 'len' bytes at 'key' fail key_is_clean() (caller frees). */
static char *unclean_reason(const char *key, size_t len)
{
    if (len > FS_MAX_KEY_LEN) {
        return xasprintf("the key is %zu bytes long, more than %d", len,
                         FS_MAX_KEY_LEN);
    }
    return xstrdup("the key is not valid UTF-8 or holds a control character "
                   "(shown escaped): keys must be printable UTF-8");
}

static bool under_prefix(const char *key, size_t len)
{
    size_t plen = strlen(FS_PREFIX);
    return len >= plen && !memcmp(key, FS_PREFIX, plen);
}

static struct fs_bad_key *bad_key_find(const struct fs_model *m,
                                       const char *key, size_t len)
{
    struct fs_bad_key *bk;
    HMAP_FOR_EACH_WITH_HASH(bk, node, hash_bytes(key, len, 0), &m->bad_keys)
    {
        if (bk->len == len && !memcmp(bk->raw, key, len)) {
            return bk;
        }
    }
    return NULL;
}

/* Records bad key 'key' ('len' bytes) with reason 'why' (taken). */
static void bad_key_put(struct fs_model *m, const char *key, size_t len,
                        char *why)
{
    struct fs_bad_key *bk = bad_key_find(m, key, len);
    m->bad_keys_changed = true;
    if (bk) {
        free(bk->reason);
        bk->reason = why;
        return;
    }
    bk = xzalloc(sizeof *bk);
    bk->raw = xmemdup(key, len);
    bk->len = len;
    bk->display = fs_key_display(key, len);
    bk->reason = why;
    hmap_insert(&m->bad_keys, &bk->node, hash_bytes(key, len, 0));
}

static int compare_bad_keys(const void *a_, const void *b_)
{
    const struct fs_bad_key *a = *(const struct fs_bad_key *const *)a_;
    const struct fs_bad_key *b = *(const struct fs_bad_key *const *)b_;
    int c = strcmp(a->display, b->display);
    c = c ? c : memcmp(a->raw, b->raw, MIN(a->len, b->len));
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

void fs_model_bad_key_errors(const struct fs_model *m, struct fs_errors *errs)
{
    size_t n = 0;
    const struct fs_bad_key **all =
        xcalloc(hmap_count(&m->bad_keys) + 1, sizeof *all);
    const struct fs_bad_key *bk;
    HMAP_FOR_EACH(bk, node, &m->bad_keys)
    {
        all[n++] = bk;
    }
    qsort(all, n, sizeof *all, compare_bad_keys);
    for (size_t i = 0; i < n; i++) {
        fs_errors_add(errs, all[i]->display, "$", "%s", all[i]->reason);
    }
    free(all);
}

static bool starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* Stores "<n>" of 'v' in 'map' under 'name' when it is a number in
 * 1..'max', else forgets 'name' (a bad value counts as no allocation). */
static void put_number(struct simap *map, const char *name, const char *v,
                       unsigned long max)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (isdigit((unsigned char)v[0]) && !*end && n > 0 && n <= max) {
        simap_put(map, name, n);
    } else {
        simap_find_and_delete(map, name);
    }
}

/* Allocation keys: keys/port_chains/<uuid> -> n, keys/path_ids/<n> ->
 * uuid, keys/networks/<id> -> VNI, keys/vnis/<VNI> -> id.  A
 * keys/port_chains value that is not a number in 1..FS_MAX_CHAIN_ID (a
 * keys/networks value not in 1..FS_MAX_VNI) counts as no allocation. */
static bool put_alloc(struct fs_model *m, const char *key, const char *value,
                      size_t len)
{
    char *v = xmemdup0(value, len);
    if (starts_with(key, FS_KEYS_CHAIN_PATHS)) {
        put_number(&m->chain_paths, key + strlen(FS_KEYS_CHAIN_PATHS), v,
                   FS_MAX_CHAIN_ID);
        sset_add(&m->chain_allocs, key + strlen(FS_KEYS_CHAIN_PATHS));
    } else if (starts_with(key, FS_KEYS_NETWORK_VNIS)) {
        put_number(&m->network_vnis, key + strlen(FS_KEYS_NETWORK_VNIS), v,
                   FS_MAX_VNI);
        sset_add(&m->network_allocs, key + strlen(FS_KEYS_NETWORK_VNIS));
    } else if (starts_with(key, FS_KEYS_PATH_IDS)) {
        free(shash_replace(&m->path_ids, key + strlen(FS_KEYS_PATH_IDS), v));
        m->path_ids_changed = true;
        return true;
    } else if (starts_with(key, FS_KEYS_VNIS)) {
        free(shash_replace(&m->vnis, key + strlen(FS_KEYS_VNIS), v));
        m->vnis_changed = true;
        return true;
    } else {
        free(v);
        return false;
    }
    free(v);
    return true;
}

static void put_doc(struct fs_model *m, const char *key, enum fs_kind kind,
                    const char *id, const char *value, size_t len,
                    int64_t create_revision, int64_t mod_revision)
{
    struct fs_doc *doc = fs_doc_parse(key, kind, id, value, len, mod_revision);
    doc->create_revision = create_revision;
    if (doc->res) {
        ((struct fs_meta *)doc->res)->create_revision = create_revision;
    }
    retire_doc(m, key, shash_replace(&m->docs, key, doc));
}

/* fs_model_put() of clean key 'key' (a C string under FS_PREFIX); 'raw'
 * and 'raw_len' are the same key as etcd gave it. */
static bool put_clean(struct fs_model *m, const char *key, const char *raw,
                      size_t raw_len, const char *value, size_t len,
                      int64_t create_revision, int64_t mod_revision)
{
    enum fs_kind kind;
    const char *id;
    char *why;
    switch (classify_clean(key, &kind, &id, &why)) {
    case KEY_ALLOC:
        return put_alloc(m, key, value, len);
    case KEY_DOC:
        put_doc(m, key, kind, id, value, len, create_revision, mod_revision);
        return true;
    case KEY_BAD:
        bad_key_put(m, raw, raw_len, why);
        return true;
    case KEY_OTHER:
    default:
        return false;
    }
}

bool fs_model_put(struct fs_model *m, const char *key, size_t key_len,
                  const char *value, size_t len, int64_t create_revision,
                  int64_t mod_revision)
{
    if (!under_prefix(key, key_len)) {
        return false;
    } else if (!key_is_clean(key, key_len)) {
        bad_key_put(m, key, key_len, unclean_reason(key, key_len));
        return true;
    }
    char *k = xmemdup0(key, key_len);
    bool changed = put_clean(m, k, key, key_len, value, len, create_revision,
                             mod_revision);
    free(k);
    return changed;
}

/* Forgets clean key 'key' (a C string). */
static bool delete_clean(struct fs_model *m, const char *key)
{
    if (starts_with(key, FS_KEYS_CHAIN_PATHS)) {
        sset_add(&m->chain_allocs, key + strlen(FS_KEYS_CHAIN_PATHS));
        return simap_find_and_delete(&m->chain_paths,
                                     key + strlen(FS_KEYS_CHAIN_PATHS));
    } else if (starts_with(key, FS_KEYS_NETWORK_VNIS)) {
        sset_add(&m->network_allocs, key + strlen(FS_KEYS_NETWORK_VNIS));
        return simap_find_and_delete(&m->network_vnis,
                                     key + strlen(FS_KEYS_NETWORK_VNIS));
    }
    struct shash *names = starts_with(key, FS_KEYS_PATH_IDS) ? &m->path_ids
                          : starts_with(key, FS_KEYS_VNIS)   ? &m->vnis
                                                             : NULL;
    if (names) {
        const char *prefix =
            names == &m->path_ids ? FS_KEYS_PATH_IDS : FS_KEYS_VNIS;
        char *v = shash_find_and_delete(names, key + strlen(prefix));
        free(v);
        if (names == &m->path_ids) {
            m->path_ids_changed = true;
        } else {
            m->vnis_changed = true;
        }
        return v != NULL;
    }
    struct fs_doc *doc = shash_find_and_delete(&m->docs, key);
    if (doc) {
        retire_doc(m, key, doc);
    }
    return doc != NULL;
}

bool fs_model_delete(struct fs_model *m, const char *key, size_t key_len)
{
    struct fs_bad_key *bk = bad_key_find(m, key, key_len);
    if (bk) {
        hmap_remove(&m->bad_keys, &bk->node);
        bad_key_free(bk);
        m->bad_keys_changed = true;
        return true;
    } else if (!under_prefix(key, key_len) || !key_is_clean(key, key_len)) {
        return false;
    }
    char *k = xmemdup0(key, key_len);
    bool changed = delete_clean(m, k);
    free(k);
    return changed;
}

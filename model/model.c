/* The mutable collection of documents: see model/model.h. */
#include "model/model.h"

#include <ctype.h>
#include <string.h>

#include "model/parse.h"
#include "model/store.h"
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
};

const char *fs_kind_name(enum fs_kind kind)
{
    return kind < FS_N_KINDS ? kind_names[kind] : "?";
}

struct fs_model *fs_model_create(void)
{
    struct fs_model *m = xzalloc(sizeof *m);
    shash_init(&m->docs);
    simap_init(&m->chain_paths);
    shash_init(&m->path_ids);
    return m;
}

void fs_model_clear(struct fs_model *m)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, &m->docs)
    {
        fs_doc_destroy(node->data);
    }
    shash_clear(&m->docs);
    simap_clear(&m->chain_paths);
    shash_clear_free_data(&m->path_ids);
}

void fs_model_destroy(struct fs_model *m)
{
    if (m) {
        fs_model_clear(m);
        shash_destroy(&m->docs);
        simap_destroy(&m->chain_paths);
        shash_destroy(&m->path_ids);
        free(m);
    }
}

void fs_model_set_revision(struct fs_model *m, int64_t revision)
{
    m->revision = revision;
}

/* Splits "<prefix><folder>/<id>" into kind and id; false if not a desired
 * state key.  'id' points into 'key'. */
static bool split_key(const char *key, enum fs_kind *kind, const char **id)
{
    size_t plen = strlen(FS_PREFIX);
    if (strncmp(key, FS_PREFIX, plen)) {
        return false;
    }
    const char *folder = key + plen;
    const char *slash = strchr(folder, '/');
    if (!slash || !slash[1] || strchr(slash + 1, '/')) {
        return false;
    }
    for (int k = 0; k < FS_N_KINDS; k++) {
        size_t n = strlen(kind_names[k]);
        if (n == (size_t)(slash - folder) &&
            !strncmp(folder, kind_names[k], n)) {
            *kind = k;
            *id = slash + 1;
            return true;
        }
    }
    return false;
}

static bool starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* Allocation keys: keys/port_chains/<uuid> -> n, keys/path_ids/<n> -> uuid.
 * A keys/port_chains value that is not a number in 1..FS_MAX_CHAIN_ID counts
 * as no allocation. */
static bool put_alloc(struct fs_model *m, const char *key, const char *value,
                      size_t len)
{
    char *v = xmemdup0(value, len);
    bool changed = true;
    if (starts_with(key, FS_KEYS_CHAIN_PATHS)) {
        char *end;
        unsigned long n = strtoul(v, &end, 10);
        const char *chain = key + strlen(FS_KEYS_CHAIN_PATHS);
        if (isdigit((unsigned char)v[0]) && !*end && n > 0 &&
            n <= FS_MAX_CHAIN_ID) {
            simap_put(&m->chain_paths, chain, n);
        } else {
            simap_find_and_delete(&m->chain_paths, chain);
        }
        free(v);
    } else if (starts_with(key, FS_KEYS_PATH_IDS)) {
        free(shash_replace(&m->path_ids, key + strlen(FS_KEYS_PATH_IDS), v));
    } else {
        free(v);
        changed = false;
    }
    return changed;
}

bool fs_model_put(struct fs_model *m, const char *key, const char *value,
                  size_t len, int64_t create_revision, int64_t mod_revision)
{
    enum fs_kind kind;
    const char *id;
    if (!split_key(key, &kind, &id)) {
        return put_alloc(m, key, value, len);
    }
    struct fs_doc *doc = fs_doc_parse(key, kind, id, value, len, mod_revision);
    doc->create_revision = create_revision;
    if (doc->res) {
        ((struct fs_meta *)doc->res)->create_revision = create_revision;
    }
    fs_doc_destroy(shash_replace(&m->docs, key, doc));
    return true;
}

bool fs_model_delete(struct fs_model *m, const char *key)
{
    if (starts_with(key, FS_KEYS_CHAIN_PATHS)) {
        return simap_find_and_delete(&m->chain_paths,
                                     key + strlen(FS_KEYS_CHAIN_PATHS));
    } else if (starts_with(key, FS_KEYS_PATH_IDS)) {
        char *v =
            shash_find_and_delete(&m->path_ids, key + strlen(FS_KEYS_PATH_IDS));
        free(v);
        return v != NULL;
    }
    struct fs_doc *doc = shash_find_and_delete(&m->docs, key);
    fs_doc_destroy(doc);
    return doc != NULL;
}

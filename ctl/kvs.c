/* Lists of etcd keys and values: see struct ctl_kvs in ctl/ctl.h.
 */
#include "ctl/ctl.h"

#include <string.h>

#include "util.h"

void ctl_kvs_add(struct ctl_kvs *kvs, const char *key, size_t key_len,
                 const char *value, size_t value_len, int64_t create_revision,
                 int64_t mod_revision)
{
    if (kvs->n >= kvs->allocated) {
        kvs->items =
            x2nrealloc(kvs->items, &kvs->allocated, sizeof *kvs->items);
    }
    kvs->items[kvs->n++] = (struct ctl_kv){
        .key = xmemdup0(key, key_len),
        .key_len = key_len,
        .value = xmemdup0(value, value_len),
        .value_len = value_len,
        .create_revision = create_revision,
        .mod_revision = mod_revision,
    };
}

const struct ctl_kv *ctl_kvs_find(const struct ctl_kvs *kvs, const char *key)
{
    size_t len = strlen(key);
    for (size_t i = 0; kvs && i < kvs->n; i++) {
        if (kvs->items[i].key_len == len &&
            !memcmp(kvs->items[i].key, key, len)) {
            return &kvs->items[i];
        }
    }
    return NULL;
}

void ctl_kvs_destroy(struct ctl_kvs *kvs)
{
    for (size_t i = 0; i < kvs->n; i++) {
        free(kvs->items[i].key);
        free(kvs->items[i].value);
    }
    free(kvs->items);
    *kvs = (struct ctl_kvs){0};
}

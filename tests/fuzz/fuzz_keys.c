/* libFuzzer target: arbitrary keys under /flowsteer/v1/ through
 * fs_model_put() and fs_model_delete() with keys as bytes, then a snapshot.
 *
 * Input: records of [op][n][n bytes of key after the prefix]; op bit 0 is
 * put (1) or delete (0), op >> 1 picks the value of a put from a small
 * table (documents and allocation values).  Keys are NUL-terminated copies
 * (today's API: a NUL byte ends the key).  After the records, a snapshot is
 * built; then every key still put is deleted, and the model must be empty:
 * a snapshot with no resource, error, pending chain or orphan allocation,
 * and path id 1 free.  Everything is freed (a leak is a finding). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const values[] = {
    "{}",
    "{\"id\": \"a\"}",
    "7",
    "a",
    "{\"network_id\": \"a\", \"binding:host_id\": \"n\"}",
    "{\"ingress\": \"a\", \"egress\": \"a\"}",
    "port_pairs: [a]",
    "{\"port_pair_groups\": [\"a\"], \"chain_parameters\": {\"chain_id\": 7}}",
};

static size_t snapshot_size(const struct fs_snapshot *s)
{
    return s->n_networks + s->n_ports + s->n_chassis + s->n_port_pairs +
           s->n_port_pair_groups + s->n_flow_classifiers + s->n_port_chains +
           s->n_slices + s->n_flowspaces + s->errors.n + s->n_pending_chains +
           s->n_orphans;
}

/* One key as bytes (it may hold NUL and any other byte). */
struct raw_key {
    char *bytes;
    size_t len;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fs_model *m = fs_model_create();
    struct raw_key *keys = xcalloc(size / 2 + 1, sizeof *keys);
    size_t n_keys = 0;
    size_t prefix = strlen(FS_PREFIX);
    for (size_t i = 0; i + 2 <= size;) {
        uint8_t op = data[i];
        size_t n = MIN(data[i + 1], size - i - 2);
        struct raw_key *k = &keys[n_keys++];
        k->len = prefix + n;
        k->bytes = xmalloc(k->len);
        memcpy(k->bytes, FS_PREFIX, prefix);
        memcpy(k->bytes + prefix, data + i + 2, n);
        i += 2 + n;
        if (op & 1) {
            const char *v = values[(op >> 1) % ARRAY_SIZE(values)];
            fs_model_put(m, k->bytes, k->len, v, strlen(v), i, i);
        } else {
            fs_model_delete(m, k->bytes, k->len);
        }
    }
    fs_model_set_revision(m, size);
    struct fs_snapshot *s = fs_snapshot_build(m);
    fs_snapshot_free_path_id(s);
    fs_snapshot_destroy(s);

    /* Deleting every key ever named must leave nothing behind. */
    for (size_t i = 0; i < n_keys; i++) {
        fs_model_delete(m, keys[i].bytes, keys[i].len);
    }
    s = fs_snapshot_build(m);
    if (snapshot_size(s) || fs_snapshot_free_path_id(s) != 1) {
        abort(); /* A put that a delete of the same key did not undo. */
    }
    fs_snapshot_destroy(s);
    for (size_t i = 0; i < n_keys; i++) {
        free(keys[i].bytes);
    }
    free(keys);
    fs_model_destroy(m);
    return 0;
}

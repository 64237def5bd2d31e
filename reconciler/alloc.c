/* Path id allocation: see reconciler/alloc.h. */
#include "reconciler/alloc.h"

#include <inttypes.h>

#include "model/model.h"
#include "store/etcd.h"
#include "util.h"
#include <openvswitch/vlog.h>

VLOG_DEFINE_THIS_MODULE(alloc);

/* Ends the transaction in flight; asks for a retry if it did not do its
 * job. */
static void finish(struct fs_alloc *a, bool done)
{
    a->in_flight = false;
    free(a->chain);
    a->chain = NULL;
    if (!done && a->retry) {
        a->retry(a->aux);
    }
}

/* Starts transaction 'cmp' -> 'ops' / 'fail' (ownership moves) about path
 * id 'n' of 'chain'. */
static void start(struct fs_alloc *a, const char *chain, uint32_t n,
                  json_t *cmp, json_t *ops, json_t *fail, etcd_done_cb *done)
{
    a->in_flight = true;
    a->chain = xstrdup(chain);
    a->path_id = n;
    etcd_txn(a->etcd, cmp, ops, fail, done, a);
}

static void alloc_done(void *aux, bool ok, const char *error, json_t *result)
{
    struct fs_alloc *a = aux;
    bool won = ok && json_is_true(json_object_get(result, "succeeded"));
    if (won) {
        VLOG_INFO("allocated path id %" PRIu32 " to port chain %s", a->path_id,
                  a->chain);
    } else {
        VLOG_INFO("path id %" PRIu32 " for port chain %s not allocated: %s",
                  a->path_id, a->chain,
                  ok ? "taken meanwhile, will retry" : error);
    }
    finish(a, won);
}

static void release_done(void *aux, bool ok, const char *error, json_t *result)
{
    struct fs_alloc *a = aux;
    if (ok) {
        VLOG_INFO("released path id %" PRIu32 " of deleted port chain %s",
                  a->path_id, a->chain);
    } else {
        VLOG_WARN("releasing path id %" PRIu32 " failed: %s", a->path_id,
                  error);
    }
    finish(a, ok);
}

/* Deletes both keys of the first orphan allocation, if the path id key
 * still names that chain (another chain may have it by now). */
static void release_orphan(struct fs_alloc *a, const struct fs_snapshot *snap)
{
    const char *chain = snap->orphan_chains[0];
    uint32_t n = snap->orphan_path_ids[0];
    char *id_key = xasprintf("%s%" PRIu32, FS_KEYS_PATH_IDS, n);
    char *chain_key = xasprintf("%s%s", FS_KEYS_CHAIN_PATHS, chain);
    json_t *cmp = json_array();
    json_array_append_new(cmp, etcd_cmp_value(id_key, "=", chain));
    json_t *ops = json_array();
    json_array_append_new(ops, etcd_op_delete(id_key));
    json_array_append_new(ops, etcd_op_delete(chain_key));
    json_t *fail = json_array();
    json_array_append_new(fail, etcd_op_delete(chain_key));
    start(a, chain, n, cmp, ops, fail, release_done);
    free(id_key);
    free(chain_key);
}

void fs_alloc_run(struct fs_alloc *a, const struct fs_snapshot *snap)
{
    if (a->in_flight) {
        return;
    }
    if (snap->n_orphans) {
        release_orphan(a, snap);
        return;
    }
    if (!snap->n_pending_chains) {
        return;
    }
    uint32_t n = fs_snapshot_free_path_id(snap);
    const char *chain = snap->pending_chains[0];
    if (!n) {
        VLOG_WARN_ONCE("no free path id for port chain %s", chain);
        return;
    }
    char *id_key = xasprintf("%s%" PRIu32, FS_KEYS_PATH_IDS, n);
    char *chain_key = xasprintf("%s%s", FS_KEYS_CHAIN_PATHS, chain);
    char *value = xasprintf("%" PRIu32, n);

    json_t *cmp = json_array();
    json_array_append_new(cmp, etcd_cmp_create_revision(id_key, "=", 0));
    json_array_append_new(cmp, etcd_cmp_create_revision(chain_key, "=", 0));
    json_t *ops = json_array();
    json_array_append_new(ops, etcd_op_put(id_key, chain));
    json_array_append_new(ops, etcd_op_put(chain_key, value));
    start(a, chain, n, cmp, ops, NULL, alloc_done);
    free(id_key);
    free(chain_key);
    free(value);
}

void fs_alloc_destroy(struct fs_alloc *a)
{
    free(a->chain);
    a->chain = NULL;
    a->in_flight = false;
}

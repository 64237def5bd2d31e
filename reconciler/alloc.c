/* Path id allocation: see reconciler/alloc.h. */
#include "reconciler/alloc.h"

#include <inttypes.h>

#include "model/model.h"
#include "store/etcd.h"
#include "timeval.h"
#include "util.h"
#include <openvswitch/vlog.h>

VLOG_DEFINE_THIS_MODULE(alloc);

/* Ends the transaction in flight. */
static void finish(struct fs_alloc *a)
{
    a->in_flight = false;
    free(a->chain);
    a->chain = NULL;
}

/* Ends a transaction that did its job; logs the end of a run of
 * failures. */
static void succeeded(struct fs_alloc *a)
{
    long long ms = fs_backoff_failing_ms(&a->backoff, time_msec());
    unsigned int failures = a->backoff.failures;
    if (fs_backoff_succeeded(&a->backoff)) {
        VLOG_INFO("path id transactions work again (after %u failed in "
                  "%.1f s)",
                  failures, ms / 1000.);
    }
    finish(a);
}

/* Ends a transaction that did not do its job ('why', bounded in the log):
 * logs only the start of a run of failures, backs off, asks for a retry. */
static void failed(struct fs_alloc *a, const char *what, const char *why)
{
    if (!fs_backoff_failing(&a->backoff)) {
        VLOG_WARN("%s path id %" PRIu32 " of port chain %s failed: %.200s; "
                  "retrying with backoff",
                  what, a->path_id, a->chain, why);
    } else {
        VLOG_DBG("%s path id %" PRIu32 " of port chain %s failed again: "
                 "%.200s",
                 what, a->path_id, a->chain, why);
    }
    int wait = fs_backoff_failed(&a->backoff, time_msec());
    finish(a);
    if (a->retry) {
        a->retry(a->aux, wait / 1000.);
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
        succeeded(a);
    } else {
        failed(a, "allocating", ok ? "taken meanwhile" : error);
    }
}

static void release_done(void *aux, bool ok, const char *error, json_t *result)
{
    struct fs_alloc *a = aux;
    if (ok) {
        VLOG_INFO("released path id %" PRIu32 " of deleted port chain %s",
                  a->path_id, a->chain);
        succeeded(a);
    } else {
        failed(a, "releasing", error);
    }
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
    if (a->in_flight || !fs_backoff_ready(&a->backoff, time_msec())) {
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

void fs_alloc_retry_now(struct fs_alloc *a)
{
    fs_backoff_retry_now(&a->backoff);
}

void fs_alloc_destroy(struct fs_alloc *a)
{
    free(a->chain);
    a->chain = NULL;
    a->in_flight = false;
}

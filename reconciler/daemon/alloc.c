/* Path id and VNI allocation: see reconciler/daemon/alloc.h. */
#include "reconciler/daemon/alloc.h"

#include <inttypes.h>

#include "model/model.h"
#include "store/etcd.h"
#include "timeval.h"
#include "util.h"
#include <openvswitch/vlog.h>

VLOG_DEFINE_THIS_MODULE(alloc);

/* What is allocated: a number ("path id", "VNI") to an object ("port
 * chain", "network"), under two key folders: numbers -> object id and
 * object ids -> number (docs/architecture.md, "Key allocation"). */
struct alloc_kind {
    const char *number, *object;
    const char *numbers_prefix, *objects_prefix;
};

static const struct alloc_kind path_ids = {
    "path id", "port chain", FS_KEYS_PATH_IDS, FS_KEYS_CHAIN_PATHS};
static const struct alloc_kind vnis = {"VNI", "network", FS_KEYS_VNIS,
                                       FS_KEYS_NETWORK_VNIS};

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
        VLOG_INFO("%s transactions work again (after %u failed in %.1f s)",
                  a->kind->number, failures, ms / 1000.);
    }
    finish(a);
}

/* Ends a transaction that did not do its job ('why', bounded in the log):
 * logs only the start of a run of failures, backs off, asks for a retry. */
static void failed(struct fs_alloc *a, const char *what, const char *why)
{
    if (!fs_backoff_failing(&a->backoff)) {
        VLOG_WARN("%s %s %" PRIu32 " of %s %s failed: %.200s; "
                  "retrying with backoff",
                  what, a->kind->number, a->path_id, a->kind->object, a->chain,
                  why);
    } else {
        VLOG_DBG("%s %s %" PRIu32 " of %s %s failed again: %.200s", what,
                 a->kind->number, a->path_id, a->kind->object, a->chain, why);
    }
    int wait = fs_backoff_failed(&a->backoff, time_msec());
    finish(a);
    if (a->retry) {
        a->retry(a->aux, wait / 1000.);
    }
}

/* Starts transaction 'cmp' -> 'ops' / 'fail' (ownership moves) about
 * number 'n' of kind 'kind' of object 'chain'. */
static void start(struct fs_alloc *a, const struct alloc_kind *kind,
                  const char *chain, uint32_t n, json_t *cmp, json_t *ops,
                  json_t *fail, etcd_done_cb *done)
{
    a->in_flight = true;
    a->kind = kind;
    a->chain = xstrdup(chain);
    a->path_id = n;
    etcd_txn(a->etcd, cmp, ops, fail, done, a);
}

static void alloc_done(void *aux, bool ok, const char *error, json_t *result)
{
    struct fs_alloc *a = aux;
    bool won = ok && json_is_true(json_object_get(result, "succeeded"));
    if (won) {
        VLOG_INFO("allocated %s %" PRIu32 " to %s %s", a->kind->number,
                  a->path_id, a->kind->object, a->chain);
        succeeded(a);
    } else {
        failed(a, "allocating", ok ? "taken meanwhile" : error);
    }
}

static void release_done(void *aux, bool ok, const char *error, json_t *result)
{
    struct fs_alloc *a = aux;
    if (ok) {
        VLOG_INFO("released %s %" PRIu32 " of %s %s (deleted, or it has "
                  "one of its own now)",
                  a->kind->number, a->path_id, a->kind->object, a->chain);
        succeeded(a);
    } else {
        failed(a, "releasing", error);
    }
}

/* Deletes both keys of the allocation of number 'n' to object 'id', if
 * the number's key still names that object (another may have it by
 * now). */
static void release(struct fs_alloc *a, const struct alloc_kind *kind,
                    const char *id, uint32_t n)
{
    char *id_key = xasprintf("%s%" PRIu32, kind->numbers_prefix, n);
    char *obj_key = xasprintf("%s%s", kind->objects_prefix, id);
    json_t *cmp = json_array();
    json_array_append_new(cmp, etcd_cmp_value(id_key, "=", id));
    json_t *ops = json_array();
    json_array_append_new(ops, etcd_op_delete(id_key));
    json_array_append_new(ops, etcd_op_delete(obj_key));
    json_t *fail = json_array();
    json_array_append_new(fail, etcd_op_delete(obj_key));
    start(a, kind, id, n, cmp, ops, fail, release_done);
    free(id_key);
    free(obj_key);
}

/* Allocates number 'n' to object 'id': create_revision of both keys == 0
 * -> put both. */
static void allocate(struct fs_alloc *a, const struct alloc_kind *kind,
                     const char *id, uint32_t n)
{
    char *id_key = xasprintf("%s%" PRIu32, kind->numbers_prefix, n);
    char *obj_key = xasprintf("%s%s", kind->objects_prefix, id);
    char *value = xasprintf("%" PRIu32, n);
    json_t *cmp = json_array();
    json_array_append_new(cmp, etcd_cmp_create_revision(id_key, "=", 0));
    json_array_append_new(cmp, etcd_cmp_create_revision(obj_key, "=", 0));
    json_t *ops = json_array();
    json_array_append_new(ops, etcd_op_put(id_key, id));
    json_array_append_new(ops, etcd_op_put(obj_key, value));
    start(a, kind, id, n, cmp, ops, NULL, alloc_done);
    free(id_key);
    free(obj_key);
    free(value);
}

void fs_alloc_run(struct fs_alloc *a, const struct fs_snapshot *snap)
{
    if (a->in_flight || !fs_backoff_ready(&a->backoff, time_msec())) {
        return;
    }
    if (snap->n_orphans) {
        release(a, &path_ids, snap->orphan_chains[0], snap->orphan_path_ids[0]);
    } else if (snap->n_orphan_vnis) {
        release(a, &vnis, snap->orphan_networks[0], snap->orphan_vnis[0]);
    } else if (snap->n_pending_chains) {
        uint32_t n = fs_snapshot_free_path_id(snap);
        if (n) {
            allocate(a, &path_ids, snap->pending_chains[0], n);
        } else {
            VLOG_WARN_ONCE("no free path id for port chain %s",
                           snap->pending_chains[0]);
        }
    } else if (snap->n_pending_networks) {
        uint32_t n = fs_snapshot_free_vni(snap);
        if (n) {
            allocate(a, &vnis, snap->pending_networks[0], n);
        } else {
            VLOG_WARN_ONCE("no free VNI for network %s",
                           snap->pending_networks[0]);
        }
    }
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

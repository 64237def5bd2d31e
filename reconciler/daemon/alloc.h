/* reconciler/daemon/alloc.h: path id allocation in etcd for chains whose
 * chain_parameters.chain_id is 0 or absent, and VNI allocation for vxlan
 * and geneve networks without provider:segmentation_id
 * (docs/architecture.md, "Key allocation").  The result comes back through
 * the watch, like any key. */
#ifndef FS_ALLOC_H
#define FS_ALLOC_H 1

#include <stdbool.h>
#include <stdint.h>

#include "store/backoff.h"

struct etcd_client;
struct fs_snapshot;
struct alloc_kind;

/* Backoff of failed transactions: 200 ms (the old fixed retry) doubling to
 * 10 s, with jitter. */
#define FS_ALLOC_RETRY_FIRST_MS 200
#define FS_ALLOC_RETRY_MAX_MS 10000

/* One transaction at a time.  'retry(aux, delay_s)' is called when a
 * transaction failed (another node won the id, or etcd was unreachable):
 * the caller runs fs_alloc_run() again after 'delay_s' seconds (capped
 * exponential backoff with jitter; runs before that start nothing).  The
 * log says when transactions start failing and when they work again, not
 * every attempt.  Initialise with FS_ALLOC_INIT. */
struct fs_alloc {
    struct etcd_client *etcd;
    void (*retry)(void *aux, double delay_s);
    void *aux;
    bool in_flight;
    const struct alloc_kind *kind; /* Path ids or VNIs, in flight. */
    char *chain;      /* Chain (network) id of the transaction in flight. */
    uint32_t path_id; /* Its path id (VNI). */
    struct fs_backoff backoff;
};

#define FS_ALLOC_INIT(ETCD, RETRY, AUX)                                        \
    {                                                                          \
        .etcd = (ETCD), .retry = (RETRY), .aux = (AUX),                        \
        .backoff =                                                             \
            FS_BACKOFF_INIT(FS_ALLOC_RETRY_FIRST_MS, FS_ALLOC_RETRY_MAX_MS)    \
    }

/* If no transaction is in flight and no backoff is running: releases the first
 * orphan allocation of 'snap' (a deleted chain's keys, then a network's that
 * is gone or has a segmentation id of its own), else, if 'snap' has
 * pending chains, starts one for the first pending chain with the lowest free
 * path id: create_revision(keys/path_ids/<n>) == 0 and
 * create_revision(keys/port_chains/<chain>) == 0 -> put both; else the
 * same for the first pending network with the lowest free VNI
 * (keys/vnis/<n>, keys/networks/<id>). */
void fs_alloc_run(struct fs_alloc *, const struct fs_snapshot *snap);

/* Lets the next fs_alloc_run() start a transaction at once (etcd is back)
 * while keeping the backoff's count of failures. */
void fs_alloc_retry_now(struct fs_alloc *);

/* Frees what 'a' holds.  Destroy the etcd client first: a completion still
 * in flight refers to 'a'. */
void fs_alloc_destroy(struct fs_alloc *);

#endif /* reconciler/daemon/alloc.h */

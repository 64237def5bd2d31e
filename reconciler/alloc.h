/* reconciler/alloc.h: path id allocation in etcd for chains whose
 * chain_parameters.chain_id is 0 or absent (docs/architecture.md, "Key
 * allocation").  The result comes back through the watch, like any key. */
#ifndef FS_ALLOC_H
#define FS_ALLOC_H 1

#include <stdbool.h>
#include <stdint.h>

struct etcd_client;
struct fs_snapshot;

/* One transaction at a time.  'retry(aux)' is called when a transaction
 * failed (another node won the id, or etcd was unreachable) so that the
 * caller looks again after the watch has caught up. */
struct fs_alloc {
    struct etcd_client *etcd;
    void (*retry)(void *aux);
    void *aux;
    bool in_flight;
    char *chain; /* Chain id of the transaction in flight. */
    uint32_t path_id;
};

/* If no transaction is in flight: releases the first orphan allocation of
 * 'snap' (a deleted chain's keys), else, if 'snap' has pending chains, starts
 * one for the first pending chain with the lowest free path id:
 * create_revision(keys/path_ids/<n>) == 0 and
 * create_revision(keys/port_chains/<chain>) == 0 -> put both. */
void fs_alloc_run(struct fs_alloc *, const struct fs_snapshot *snap);

/* Frees what 'a' holds.  Destroy the etcd client first: a completion still
 * in flight refers to 'a'. */
void fs_alloc_destroy(struct fs_alloc *);

#endif /* reconciler/alloc.h */

/* model/store.h: the inside of struct fs_model (private to model/). */
#ifndef FS_MODEL_STORE_H
#define FS_MODEL_STORE_H 1

#include <openvswitch/hmap.h>
#include <openvswitch/shash.h>
#include <stdint.h>

#include "model/errors.h"
#include "simap.h"
#include "sset.h"

struct fs_model {
    struct shash docs;         /* etcd key -> struct fs_doc. */
    struct hmap bad_keys;      /* struct fs_bad_key, by raw key bytes. */
    struct simap chain_paths;  /* chain id -> allocated path id. */
    struct shash path_ids;     /* "<n>" -> chain id (char *), allocations. */
    struct simap network_vnis; /* network id -> allocated VNI. */
    struct shash vnis;         /* "<n>" -> network id (char *). */
    int64_t revision;

    /* What changed since the last fs_snapshot_update() (model/
     * incremental.c), recorded once a cache has read this model
     * ('tracking'): the documents put or deleted (etcd key -> the struct
     * fs_doc the key had at the last update, NULL if none: kept alive,
     * not freed, until the update has read it), whether the model was
     * cleared (the cache then starts over), the chain and network ids
     * whose allocation keys changed, and whether the path id or VNI
     * reverse keys or the bad keys changed. */
    bool tracking;
    bool cleared;
    struct shash changed;
    struct sset chain_allocs;
    struct sset network_allocs;
    bool path_ids_changed, vnis_changed, bad_keys_changed;
};

/* A key under FS_PREFIX that names no resource: not printable UTF-8, too
 * long, or not "<kind>/<id>" (model/model.c).  Kept by its raw bytes, so
 * it never stands for, overwrites or deletes another key, and reported in
 * every snapshot's errors until it is deleted. */
struct fs_bad_key {
    struct hmap_node node; /* In fs_model's bad_keys, hash of the bytes. */
    char *raw;             /* The key's 'len' bytes (may hold NUL). */
    size_t len;
    char *display; /* fs_key_display() of the key: the error's key. */
    char *reason;  /* Why it names no resource. */
};

/* Appends an error (key: the display form, path "$") for every bad key of
 * 'm' to 'errs', in display order. */
void fs_model_bad_key_errors(const struct fs_model *m, struct fs_errors *errs);

/* Forgets the changes recorded since the last update, freeing the
 * documents they kept alive (model/model.c). */
void fs_model_changes_clear(struct fs_model *m);

#endif /* model/store.h */

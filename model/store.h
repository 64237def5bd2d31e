/* model/store.h: the inside of struct fs_model (private to model/). */
#ifndef FS_MODEL_STORE_H
#define FS_MODEL_STORE_H 1

#include <openvswitch/shash.h>
#include <stdint.h>

#include "simap.h"

struct fs_model {
    struct shash docs;        /* etcd key -> struct fs_doc. */
    struct simap chain_paths; /* chain id -> allocated path id. */
    struct shash path_ids;    /* "<n>" -> chain id (char *), allocations. */
    int64_t revision;
};

#endif /* model/store.h */

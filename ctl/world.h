/* ctl/world.h: the desired state plan and trace work on: etcd's
 * /flowsteer/v1/ listed at one revision, the input (-f) put over it and
 * validated as apply does, built into a snapshot as flowsteerd builds
 * it. */
#ifndef FS_CTL_WORLD_H
#define FS_CTL_WORLD_H 1

#include "ctl/cmd.h"
#include "ctl/ctl.h"

struct ctl_world {
    struct ctl_input in;
    struct ctl_kvs kvs;
    struct fs_model *model;
    struct fs_snapshot *snap;
};

/* Fills 'w' (zero-initialised) from the files of 'o' and the etcd of
 * 'o->cfg'; with 'o->prune' (and files), without the resources apply
 * --prune would delete.  Returns NULL, or an error (caller frees) after
 * printing the input's errors, if any, to stderr. */
char *ctl_world_load(struct ctl_world *w, const struct ctl_opts *o);
void ctl_world_destroy(struct ctl_world *);

#endif /* ctl/world.h */

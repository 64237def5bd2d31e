/* ctl/plan.h: what apply changes in etcd, decided from the input
 * and what etcd holds (pure: unit-tested without etcd). */
#ifndef FS_CTL_PLAN_H
#define FS_CTL_PLAN_H 1

#include "ctl/ctl.h"

enum ctl_action { CTL_CREATED, CTL_CONFIGURED, CTL_UNCHANGED, CTL_PRUNED };

/* Returns "created", "configured", "unchanged" or "pruned". */
const char *ctl_action_name(enum ctl_action);

/* One resource's fate.  'res' is the input resource (NULL when pruned),
 * 'old' what etcd holds at its key (NULL when created); both borrowed. */
struct ctl_change {
    enum ctl_action action;
    const struct ctl_res *res;
    const struct ctl_kv *old;
    char *what; /* "port_pairs/PP1", owned. */
};

struct ctl_plan {
    struct ctl_change *changes; /* Input resources in input order, then
                                 * pruned keys in key order. */
    size_t n, allocated;
    struct ctl_kvs pruned; /* Copies of the pruned keys' entries, for
                            * ctl_check()'s 'drop'. */
};

/* Decides each input resource's action by comparing its canonical value
 * with the value at its key in 'etcd' (decoded JSON or YAML, compared as
 * JSON: a resource put by etcdctl in YAML with the same content and the
 * label is unchanged); with 'prune', adds every resource in 'etcd' that
 * carries flowsteerctl's label and that the input does not have. */
void ctl_plan_build(struct ctl_plan *, const struct ctl_input *,
                    const struct ctl_kvs *etcd, bool prune);
void ctl_plan_destroy(struct ctl_plan *);

/* Returns the number of changes that write (all but unchanged). */
size_t ctl_plan_writes(const struct ctl_plan *);

/* Prints each change that writes as a unified diff ("diff -u", run with
 * posix_spawnp) of the document etcd holds and the one apply writes, both
 * ctl_pretty() text in files of a temporary directory (removed after);
 * an absent side is an empty file labelled "(absent)".  Returns NULL or
 * an error (caller frees). */
char *ctl_diff_plan(const struct ctl_plan *);

#endif /* ctl/plan.h */

/* The desired state of plan and trace: see ctl/world.h. */
#include "ctl/world.h"

#include <stdio.h>

#include "ctl/etcdio.h"
#include "ctl/plan.h"
#include "util.h"

/* Lists etcd; returns NULL or an error (caller frees). */
static char *list(struct ctl_world *w, const struct ctl_opts *o)
{
    char *error = NULL;
    struct ctl_etcd *etcd = ctl_etcd_open(&o->cfg, &error);
    if (!error) {
        error = ctl_etcd_list(etcd, FS_PREFIX, &w->kvs);
    }
    ctl_etcd_close(etcd);
    return error;
}

char *ctl_world_load(struct ctl_world *w, const struct ctl_opts *o)
{
    ctl_input_read(&w->in, o->files, o->n_files);
    struct ctl_msgs errors = w->in.errors;
    w->in.errors = (struct ctl_msgs){0};
    char *error = errors.n ? NULL : list(w, o);
    struct ctl_plan plan = {0};
    if (!error && !errors.n && w->in.n) {
        ctl_plan_build(&plan, &w->in, &w->kvs, o->prune);
        ctl_check(&w->in, &w->kvs, &plan.pruned, &errors);
    }
    if (errors.n) {
        ctl_msgs_sort(&errors);
        ctl_msgs_print(&errors, stderr);
        free(error);
        error = xstrdup("invalid input");
    }
    ctl_msgs_destroy(&errors);
    if (!error) {
        w->model = ctl_model_build(&w->in, &w->kvs, &plan.pruned);
        w->snap = fs_snapshot_build(w->model);
    }
    ctl_plan_destroy(&plan);
    return error;
}

void ctl_world_destroy(struct ctl_world *w)
{
    fs_snapshot_destroy(w->snap);
    if (w->model) {
        fs_model_destroy(w->model);
    }
    ctl_kvs_destroy(&w->kvs);
    ctl_input_destroy(&w->in);
}

/* flowsteerctl status: every node's status document and liveness, and
 * --wait-converged, the GitOps "applied everywhere" signal. */
#include "ctl/cmd.h"
#include "ctl/ctl.h"
#include "ctl/etcdio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/text.h"
#include "openvswitch/dynamic-string.h"
#include "reconciler/daemon/status.h"
#include "sset.h"
#include "util.h"

/* status --wait-converged's exit codes beyond CTL_OK and CTL_ERROR. */
#define CTL_TIMEOUT 1
#define CTL_NODE_ERRORS 3

static const char usage[] =
    "usage: flowsteerctl status [NODE] [--wait-converged [--timeout S]]\n"
    "For every node (or NODE): alive (its liveness key "
    "/flowsteer/nodes/<node>\n"
    "is there) or not, the revision of desired state in its OVS (observed)\n"
    "and last rendered (desired), its lag behind the last write of desired\n"
    "state (revisions), flows, groups, the last apply, what it waits for\n"
    "and its errors (key, path, reason), from /flowsteer/status/<node>.\n"
    "\n"
    "The last write of desired state: the highest mod_revision under\n"
    "/flowsteer/v1/, or the revision flowsteerctl recorded at\n"
    "/flowsteer/ctl/last-write after its last apply or delete if higher\n"
    "(a delete leaves no key to read a revision from).\n"
    "\n"
    "  --wait-converged      wait until every live node (or NODE, alive or\n"
    "                        not) has observed that revision; with no live\n"
    "                        node, waits\n"
    "  --timeout S           give up after S seconds (default 60)\n"
    "\n"
    "Exit: 0 (--wait-converged: converged, no node reports errors),\n"
    "1 timeout, 2 usage or etcd error, 3 converged but a live node reports\n"
    "errors.\n\n";

/* What etcd says, once. */
struct view {
    struct ctl_kvs status, nodes, desired;
    int64_t target; /* Revision of the last write of desired state. */
};

static void view_destroy(struct view *v)
{
    ctl_kvs_destroy(&v->status);
    ctl_kvs_destroy(&v->nodes);
    ctl_kvs_destroy(&v->desired);
}

static int64_t last_write(struct ctl_etcd *etcd, char **error)
{
    struct ctl_kv kv;
    bool found;
    *error = ctl_etcd_get(etcd, CTL_LAST_WRITE_KEY, &kv, &found);
    int64_t rev = 0;
    if (found) {
        json_t *doc = ctl_decode(kv.value, kv.value_len);
        rev = json_integer_value(json_object_get(doc, "revision"));
        json_decref(doc);
        ctl_kv_clear(&kv);
    }
    return rev;
}

static char *view_read(struct ctl_etcd *etcd, struct view *v)
{
    memset(v, 0, sizeof *v);
    char *error = ctl_etcd_list(etcd, FS_STATUS_PREFIX, &v->status);
    if (!error) {
        error = ctl_etcd_list(etcd, FS_NODES_PREFIX, &v->nodes);
    }
    if (!error) {
        error = ctl_etcd_list(etcd, FS_PREFIX, &v->desired);
    }
    if (!error) {
        v->target = last_write(etcd, &error);
    }
    for (size_t i = 0; i < v->desired.n; i++) {
        v->target = MAX(v->target, v->desired.items[i].mod_revision);
    }
    return error;
}

/* One node as the view shows it. */
struct node {
    const char *name;
    bool alive;
    json_t *status; /* Decoded, or NULL. */
};

static json_t *status_of(const struct view *v, const char *node)
{
    char *key = fs_status_key(node);
    const struct ctl_kv *kv = ctl_kvs_find(&v->status, key);
    free(key);
    return kv ? ctl_decode(kv->value, kv->value_len) : NULL;
}

static bool alive(const struct view *v, const char *node)
{
    char *key = xasprintf("%s%s", FS_NODES_PREFIX, node);
    bool yes = ctl_kvs_find(&v->nodes, key) != NULL;
    free(key);
    return yes;
}

/* The node names: 'only', or every node with a status or liveness key. */
static void node_names(const struct view *v, const char *only,
                       struct sset *names)
{
    if (only) {
        sset_add(names, only);
        return;
    }
    const struct {
        const struct ctl_kvs *kvs;
        const char *prefix;
    } lists[] = {{&v->status, FS_STATUS_PREFIX}, {&v->nodes, FS_NODES_PREFIX}};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        size_t plen = strlen(lists[l].prefix);
        for (size_t i = 0; i < lists[l].kvs->n; i++) {
            const struct ctl_kv *kv = &lists[l].kvs->items[i];
            if (kv->key_len > plen && strlen(kv->key) == kv->key_len) {
                sset_add(names, kv->key + plen);
            }
        }
    }
}

static long long num(const json_t *status, const char *field)
{
    json_t *v = json_object_get(status, field);
    return json_is_number(v) ? (long long)json_number_value(v) : 0;
}

static const char *str(const json_t *o, const char *field)
{
    const char *s = json_string_value(json_object_get(o, field));
    return s ? s : "";
}

static void print_errors(struct ds *out, const json_t *status)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(status, "errors"), i, e)
    {
        ds_put_format(out, "    error: %s: %s: %s\n", str(e, "key"),
                      str(e, "path"), str(e, "message"));
    }
    long long total = num(status, "errors_total");
    if (total > (long long)i) {
        ds_put_format(out, "    ... %lld errors in all\n", total);
    }
}

static void print_node(struct ds *out, const char *name, bool live,
                       const json_t *st, int64_t target)
{
    struct ds shown = DS_EMPTY_INITIALIZER;
    fs_text_escape(&shown, name, strlen(name), FS_KEY_DISPLAY_MAX, false);
    long long observed = num(st, "observed_revision");
    ds_put_format(out, "%-12s %-5s %9lld %9lld %6lld %7lld %6lld %6lld",
                  ds_cstr(&shown), live ? "yes" : "no", observed,
                  num(st, "desired_revision"),
                  st ? MAX(0, (long long)target - observed) : 0,
                  num(st, "flows"), num(st, "groups"), num(st, "errors_total"));
    const json_t *la = json_object_get(st, "last_apply");
    if (!st) {
        ds_put_cstr(out, "  (no status)");
    } else if (la) {
        ds_put_format(out, "  %lld flow mods, %lld group mods, %.1f ms%s%s",
                      num(la, "flow_mods"), num(la, "group_mods"),
                      json_number_value(json_object_get(la, "ms")),
                      *str(la, "error") ? ", error: " : "", str(la, "error"));
    }
    ds_put_char(out, '\n');
    if (*str(st, "waiting")) {
        ds_put_format(out, "    waiting: %s\n", str(st, "waiting"));
    }
    print_errors(out, st);
    ds_destroy(&shown);
}

/* Prints the view; '*converged' and '*errors' say whether every node
 * waited for has observed the target and whether a live one reports
 * errors. */
static void report(const struct view *v, const char *only, bool print,
                   bool *converged, bool *errors)
{
    struct sset names = SSET_INITIALIZER(&names);
    node_names(v, only, &names);
    struct ds out = DS_EMPTY_INITIALIZER;
    ds_put_format(&out, "desired state: revision %lld\n", (long long)v->target);
    ds_put_format(&out, "%-12s %-5s %9s %9s %6s %7s %6s %6s  %s\n", "NODE",
                  "ALIVE", "OBSERVED", "DESIRED", "LAG", "FLOWS", "GROUPS",
                  "ERRORS", "LAST APPLY");
    size_t waited = 0;
    *converged = true;
    *errors = false;
    const char *name;
    SSET_FOR_EACH(name, &names)
    {
        bool live = alive(v, name);
        json_t *st = status_of(v, name);
        print_node(&out, name, live, st, v->target);
        if (live || only) {
            waited++;
            *converged &= st && num(st, "observed_revision") >= v->target;
            *errors |= num(st, "errors_total") > 0;
        }
        json_decref(st);
    }
    *converged &= waited > 0;
    if (print) {
        fputs(ds_cstr(&out), stdout);
        fflush(stdout);
    }
    ds_destroy(&out);
    sset_destroy(&names);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Polls every 200 ms until converged or 'timeout_s'. */
static int wait_converged(struct ctl_etcd *etcd, const struct ctl_opts *o)
{
    const char *only = o->n_args ? o->args[0] : NULL;
    double deadline = now_s() + o->timeout_s;
    for (;;) {
        struct view v;
        char *error = view_read(etcd, &v);
        bool converged = false, errors = false, late = now_s() >= deadline;
        if (!error) {
            report(&v, only, false, &converged, &errors);
            if (converged || late) {
                report(&v, only, true, &converged, &errors);
            }
        }
        view_destroy(&v);
        if (error) {
            fprintf(stderr, "flowsteerctl status: %s\n", error);
            free(error);
            return CTL_ERROR;
        } else if (converged) {
            return errors ? CTL_NODE_ERRORS : CTL_OK;
        } else if (late) {
            fprintf(stderr, "flowsteerctl status: not converged after %g s\n",
                    o->timeout_s);
            return CTL_TIMEOUT;
        }
        usleep(200 * 1000);
    }
}

int ctl_cmd_status(int argc, char *argv[])
{
    struct ctl_opts o;
    char *error =
        ctl_opts_parse(&o, argc, argv, CTL_O_WAIT | CTL_O_ETCD, 0, 1, usage);
    struct ctl_etcd *etcd = error ? NULL : ctl_etcd_open(&o.cfg, &error);
    int rc;
    if (error) {
        rc = *error ? CTL_ERROR : CTL_OK;
        if (*error) {
            fprintf(stderr, "flowsteerctl %s\n", error);
        }
        free(error);
    } else if (o.wait) {
        rc = wait_converged(etcd, &o);
    } else {
        struct view v;
        error = view_read(etcd, &v);
        bool converged, errors;
        if (!error) {
            report(&v, o.n_args ? o.args[0] : NULL, true, &converged, &errors);
        } else {
            fprintf(stderr, "flowsteerctl status: %s\n", error);
            free(error);
        }
        rc = error ? CTL_ERROR : CTL_OK;
        view_destroy(&v);
    }
    ctl_etcd_close(etcd);
    ctl_opts_destroy(&o);
    return rc;
}

/* flowsteerctl apply and diff: the input validated against what etcd holds,
 * then written in transactions (apply) or shown as a unified diff (diff).
 * docs/architecture.md, "flowsteerctl". */
#include "ctl/cmd.h"
#include "ctl/ctl.h"
#include "ctl/etcdio.h"
#include "ctl/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/etcd.h"
#include "util.h"

static const char apply_usage[] =
    "usage: flowsteerctl apply -f FILE|DIR|- [-f ...] [--prune] [--dry-run]\n"
    "Validates the manifests with flowsteerd's model, references resolved\n"
    "against the input plus what etcd holds, and writes nothing if\n"
    "anything is invalid; then writes each resource, as canonical JSON in\n"
    "its Neutron envelope labelled \"flowsteer.io/managed-by\":\n"
    "\"flowsteerctl\", to /flowsteer/v1/<kind>/<id> in etcd transactions\n"
    "(at most 128 operations each; each checks that the keys it writes\n"
    "did not change since they were read).  Prints KIND/ID created,\n"
    "configured or unchanged per resource.\n"
    "\n"
    "  -f, --filename FILE|DIR|-   manifests (see flowsteerctl validate)\n"
    "  --prune               also delete the resources labelled as\n"
    "                        flowsteerctl's that the input no longer has\n"
    "                        (KIND/ID pruned)\n"
    "  --dry-run             print what would happen, write nothing\n"
    "\n"
    "Exit: 0 applied, 1 invalid input (nothing written), 2 usage or etcd\n"
    "error (a transaction whose keys changed meanwhile writes nothing;\n"
    "the ones before it stay written).\n\n";

static const char diff_usage[] =
    "usage: flowsteerctl diff -f FILE|DIR|- [-f ...] [--prune]\n"
    "Shows what apply would change in etcd: a unified diff (diff -u) of\n"
    "each resource's document as etcd holds it and as apply would write\n"
    "it, both as indented JSON with sorted keys.  Validates as apply does.\n"
    "\n"
    "  -f, --filename FILE|DIR|-   manifests (see flowsteerctl validate)\n"
    "  --prune               also show the deletions of apply --prune\n"
    "\n"
    "Exit: 0 no change, 1 changes, 2 invalid input, usage or etcd error.\n\n";

/* Everything apply and diff decide before writing. */
struct session {
    struct ctl_opts o;
    struct ctl_input in;
    struct ctl_etcd *etcd;
    struct ctl_kvs kvs;
    struct ctl_plan plan;
};

static void session_destroy(struct session *s)
{
    ctl_plan_destroy(&s->plan);
    ctl_kvs_destroy(&s->kvs);
    ctl_etcd_close(s->etcd);
    ctl_input_destroy(&s->in);
    ctl_opts_destroy(&s->o);
}

static int usage_error(char *error)
{
    int rc = *error ? CTL_ERROR : CTL_OK;
    if (*error) {
        fprintf(stderr, "flowsteerctl %s\n", error);
    }
    free(error);
    return rc;
}

/* Reads and validates; returns -1 to go on, else an exit code. */
static int prepare(struct session *s, int argc, char *argv[], unsigned int mask,
                   const char *usage, int invalid)
{
    char *error = ctl_opts_parse(&s->o, argc, argv, mask, 0, 0, usage);
    if (error) {
        return usage_error(error);
    }
    ctl_input_read(&s->in, s->o.files, s->o.n_files);
    if (s->in.errors.n) {
        ctl_msgs_sort(&s->in.errors);
        ctl_msgs_print(&s->in.errors, stderr);
        fprintf(stderr, "flowsteerctl %s: invalid input; nothing written\n",
                argv[0]);
        return invalid;
    }
    s->etcd = ctl_etcd_open(&s->o.cfg, &error);
    if (!error) {
        error = ctl_etcd_list(s->etcd, FS_PREFIX, &s->kvs);
    }
    if (error) {
        fprintf(stderr, "flowsteerctl %s: %s\n", argv[0], error);
        free(error);
        return CTL_ERROR;
    }
    ctl_plan_build(&s->plan, &s->in, &s->kvs, s->o.prune);
    struct ctl_msgs errors = {0};
    if (ctl_check(&s->in, &s->kvs, &s->plan.pruned, &errors)) {
        ctl_msgs_sort(&errors);
        ctl_msgs_print(&errors, stderr);
        fprintf(stderr, "flowsteerctl %s: invalid input; nothing written\n",
                argv[0]);
    }
    size_t n = errors.n;
    ctl_msgs_destroy(&errors);
    return n ? invalid : -1;
}

/* Writing. */

static json_t *op_of(const struct ctl_change *c)
{
    return c->res ? etcd_op_put(c->res->key, c->res->value)
                  : etcd_op_delete(c->old->key);
}

static const char *key_of(const struct ctl_change *c)
{
    return c->res ? c->res->key : c->old->key;
}

/* Writes changes [from, to) of the plan in one transaction, each key
 * compared with the mod_revision it was read at.  Returns NULL or an
 * error (caller frees); '*revision' gets the transaction's revision. */
static char *write_batch(struct session *s, size_t from, size_t to,
                         int64_t *revision)
{
    json_t *cmp = json_array(), *ops = json_array();
    for (size_t i = from; i < to; i++) {
        const struct ctl_change *c = &s->plan.changes[i];
        if (c->action == CTL_UNCHANGED) {
            continue;
        }
        json_array_append_new(
            cmp, etcd_cmp_mod_revision(key_of(c), "=",
                                       c->old ? c->old->mod_revision : 0));
        json_array_append_new(ops, op_of(c));
    }
    bool ok;
    char *error = ctl_etcd_txn(s->etcd, cmp, ops, NULL, &ok, revision);
    if (!error && !ok) {
        error = xstrdup("a key changed in etcd since flowsteerctl read it "
                        "(another writer): this transaction wrote nothing; "
                        "run apply again");
    }
    return error;
}

static void print_changes(const struct session *s, size_t from, size_t to,
                          const char *suffix)
{
    for (size_t i = from; i < to; i++) {
        const struct ctl_change *c = &s->plan.changes[i];
        printf("%s %s%s\n", c->what, ctl_action_name(c->action), suffix);
    }
    fflush(stdout);
}

/* Writes the plan in transactions of at most CTL_TXN_MAX_OPS writes. */
static int write_plan(struct session *s)
{
    size_t from = 0, n_ops = 0;
    int64_t revision = 0;
    for (size_t i = 0; i <= s->plan.n; i++) {
        bool last = i == s->plan.n;
        if (!last && s->plan.changes[i].action != CTL_UNCHANGED) {
            n_ops++;
        }
        if (!last && n_ops < CTL_TXN_MAX_OPS) {
            continue;
        }
        size_t to = last ? i : i + 1;
        char *error = n_ops ? write_batch(s, from, to, &revision) : NULL;
        if (error) {
            fprintf(stderr, "flowsteerctl apply: %s\n", error);
            free(error);
            return CTL_ERROR;
        }
        print_changes(s, from, to, "");
        from = to;
        n_ops = 0;
    }
    if (revision) {
        ctl_record_last_write(s->etcd, revision);
    }
    return CTL_OK;
}

int ctl_cmd_apply(int argc, char *argv[])
{
    struct session s = {0};
    int rc = prepare(&s, argc, argv,
                     CTL_O_FILES | CTL_O_PRUNE | CTL_O_DRY_RUN | CTL_O_ETCD,
                     apply_usage, CTL_FAIL);
    if (rc < 0 && s.o.dry_run) {
        print_changes(&s, 0, s.plan.n, " (dry run)");
        rc = CTL_OK;
    } else if (rc < 0) {
        rc = write_plan(&s);
    }
    session_destroy(&s);
    return rc;
}

int ctl_cmd_diff(int argc, char *argv[])
{
    struct session s = {0};
    int rc = prepare(&s, argc, argv, CTL_O_FILES | CTL_O_PRUNE | CTL_O_ETCD,
                     diff_usage, CTL_ERROR);
    if (rc < 0) {
        rc = ctl_plan_writes(&s.plan) ? CTL_FAIL : CTL_OK;
        char *error = ctl_diff_plan(&s.plan);
        if (error) {
            fprintf(stderr, "flowsteerctl diff: %s\n", error);
            free(error);
            rc = CTL_ERROR;
        }
    }
    session_destroy(&s);
    return rc;
}

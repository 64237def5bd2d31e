/* flowsteerctl get and delete: resources in etcd by kind and id. */
#include "ctl/cmd.h"
#include "ctl/ctl.h"
#include "ctl/etcdio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/text.h"
#include "store/etcd.h"
#include "util.h"

static const char get_usage[] =
    "usage: flowsteerctl get KIND [ID] [-o json|yaml]\n"
    "Prints one resource (its document in its Neutron envelope) or every\n"
    "resource of KIND (a Neutron list envelope, {\"port_pairs\": [...]})\n"
    "as etcd holds it, as indented JSON with sorted keys (default) or YAML.\n"
    "KIND: networks, ports, chassis, port_pairs, port_pair_groups,\n"
    "flow_classifiers, port_chains, ... (plural or singular).\n"
    "\n"
    "  -o, --output json|yaml\n"
    "\n"
    "Exit: 0, 1 no such resource or a value that does not decode, 2 usage\n"
    "or etcd error.\n\n";

static const char delete_usage[] =
    "usage: flowsteerctl delete KIND ID\n"
    "Deletes /flowsteer/v1/<KIND>/<ID> (in a transaction that checks it\n"
    "exists) and prints KIND/ID deleted.\n"
    "\n"
    "Exit: 0 deleted, 1 no such resource, 2 usage or etcd error.\n\n";

static int fail(const char *cmd, char *error, int rc)
{
    if (*error) {
        fprintf(stderr, "flowsteerctl %s: %s\n", cmd, error);
    }
    free(error);
    return rc;
}

/* Parses the command line and the KIND argument; returns -1 to go on. */
static int start(struct ctl_opts *o, int argc, char *argv[], unsigned mask,
                 size_t min, size_t max, const char *usage, enum fs_kind *kind)
{
    char *error = ctl_opts_parse(o, argc, argv, mask, min, max, usage);
    if (error) {
        return fail(argv[0], error, *error ? CTL_ERROR : CTL_OK);
    }
    if (!ctl_kind_parse(o->args[0], kind)) {
        return fail(argv[0],
                    xasprintf("%s is not a kind (networks, ports, "
                              "port_pairs, ...)",
                              fs_quote(o->args[0]).s),
                    CTL_ERROR);
    }
    return -1;
}

static void print_value(const json_t *v, bool yaml)
{
    char *text = yaml ? ctl_yaml_text(v, false)
                      : json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s%s", text ? text : "", yaml ? "" : "\n");
    free(text);
}

/* Every resource of 'kind' as a list envelope; 1 if a value did not
 * decode (named on stderr). */
static int print_list(const struct ctl_kvs *kvs, enum fs_kind kind, bool yaml)
{
    json_t *list = json_array();
    int rc = CTL_OK;
    for (size_t i = 0; i < kvs->n; i++) {
        const struct ctl_kv *kv = &kvs->items[i];
        json_t *doc = ctl_decode(kv->value, kv->value_len);
        if (!doc) {
            char *key = fs_key_display(kv->key, kv->key_len);
            fprintf(stderr, "flowsteerctl get: %s: not JSON or YAML\n", key);
            free(key);
            rc = CTL_FAIL;
            continue;
        }
        json_array_append(list, ctl_resource_of(doc, kind));
        json_decref(doc);
    }
    json_t *env = json_pack("{s:o}", fs_kind_name(kind), list);
    print_value(env, yaml);
    json_decref(env);
    return rc;
}

static int get_one(struct ctl_etcd *etcd, enum fs_kind kind, const char *id,
                   bool yaml)
{
    char *key = xasprintf("%s%s/%s", FS_PREFIX, fs_kind_name(kind), id);
    struct ctl_kv kv;
    bool found;
    char *error = ctl_etcd_get(etcd, key, &kv, &found);
    int rc = CTL_OK;
    if (error) {
        rc = fail("get", error, CTL_ERROR);
    } else if (!found) {
        rc = fail("get", xasprintf("%s not found", key), CTL_FAIL);
    } else {
        json_t *doc = ctl_decode(kv.value, kv.value_len);
        if (doc) {
            print_value(doc, yaml);
        } else {
            rc = fail("get", xasprintf("%s: not JSON or YAML", key), CTL_FAIL);
        }
        json_decref(doc);
        ctl_kv_clear(&kv);
    }
    free(key);
    return rc;
}

int ctl_cmd_get(int argc, char *argv[])
{
    struct ctl_opts o;
    enum fs_kind kind;
    int rc = start(&o, argc, argv, CTL_O_OUTPUT | CTL_O_ETCD, 1, 2, get_usage,
                   &kind);
    if (rc >= 0) {
        ctl_opts_destroy(&o);
        return rc;
    }
    char *error;
    struct ctl_etcd *etcd = ctl_etcd_open(&o.cfg, &error);
    bool yaml = !strcmp(o.output, "yaml");
    if (!etcd) {
        rc = fail("get", error, CTL_ERROR);
    } else if (o.n_args == 2) {
        rc = get_one(etcd, kind, o.args[1], yaml);
    } else {
        char *prefix = xasprintf("%s%s/", FS_PREFIX, fs_kind_name(kind));
        struct ctl_kvs kvs = {0};
        error = ctl_etcd_list(etcd, prefix, &kvs);
        rc = error ? fail("get", error, CTL_ERROR)
                   : print_list(&kvs, kind, yaml);
        ctl_kvs_destroy(&kvs);
        free(prefix);
    }
    ctl_etcd_close(etcd);
    ctl_opts_destroy(&o);
    return rc;
}

/* Deletes 'key' if it exists; '*revision' is the delete's revision. */
static char *delete_key(struct ctl_etcd *etcd, const char *key, bool *found,
                        int64_t *revision)
{
    json_t *cmp = json_array(), *ops = json_array();
    json_array_append_new(cmp, etcd_cmp_create_revision(key, ">", 0));
    json_array_append_new(ops, etcd_op_delete(key));
    return ctl_etcd_txn(etcd, cmp, ops, NULL, found, revision);
}

int ctl_cmd_delete(int argc, char *argv[])
{
    struct ctl_opts o;
    enum fs_kind kind;
    int rc = start(&o, argc, argv, CTL_O_ETCD, 2, 2, delete_usage, &kind);
    if (rc >= 0) {
        ctl_opts_destroy(&o);
        return rc;
    }
    char *error;
    struct ctl_etcd *etcd = ctl_etcd_open(&o.cfg, &error);
    char *key = xasprintf("%s%s/%s", FS_PREFIX, fs_kind_name(kind), o.args[1]);
    bool found;
    int64_t revision;
    if (!etcd) {
        rc = fail("delete", error, CTL_ERROR);
    } else if ((error = delete_key(etcd, key, &found, &revision))) {
        rc = fail("delete", error, CTL_ERROR);
    } else if (!found) {
        rc = fail("delete", xasprintf("%s not found", key), CTL_FAIL);
    } else {
        char *what = ctl_what(kind, o.args[1]);
        printf("%s deleted\n", what);
        free(what);
        ctl_record_last_write(etcd, revision);
        rc = CTL_OK;
    }
    free(key);
    ctl_etcd_close(etcd);
    ctl_opts_destroy(&o);
    return rc;
}

/* The node's status document: see reconciler/status.h. */
#include "reconciler/status.h"

#include <jansson.h>

#include "model/model.h"
#include "util.h"

static json_t *errors_append(json_t *array, const struct fs_errors *errs);

static json_t *errors_to_json(const struct fs_errors *errs)
{
    return errors_append(json_array(), errs);
}

static json_t *errors_append(json_t *array, const struct fs_errors *errs)
{
    for (size_t i = 0; errs && i < errs->n; i++) {
        const struct fs_error *e = &errs->items[i];
        json_array_append_new(array, json_pack("{s:s, s:s, s:s}", "key", e->key,
                                               "path", e->path, "message",
                                               e->message));
    }
    return array;
}

char *fs_status_to_json(const struct fs_status *st)
{
    json_t *apply = json_pack("{s:I, s:I, s:I, s:f}", "flow_mods",
                              (json_int_t)st->flow_mods, "group_mods",
                              (json_int_t)st->group_mods, "ovsdb_txns",
                              (json_int_t)st->ovsdb_txns, "ms", st->apply_ms);
    if (st->ovs_error) {
        json_object_set_new(apply, "error", json_string(st->ovs_error));
    }
    json_t *doc =
        json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "node", st->node,
                  "observed_revision", (json_int_t)st->observed_revision,
                  "desired_revision", (json_int_t)st->desired_revision, "flows",
                  (json_int_t)st->n_flows, "groups", (json_int_t)st->n_groups,
                  "last_apply", apply, "errors",
                  errors_append(errors_to_json(st->errors), st->row_errors),
                  "notes", errors_to_json(st->notes));
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return text;
}

char *fs_status_key(const char *node)
{
    return xasprintf("%sstatus/%s", FS_PREFIX, node);
}

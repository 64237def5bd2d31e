/* The node's status document: see reconciler/daemon/status.h. */
#include "reconciler/daemon/status.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/text.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Returns 's' as a new JSON string: at most FS_STATUS_MAX_FIELD bytes of
 * it, cut at a character boundary and followed by "... (N more bytes)";
 * bytes that are not UTF-8 (which jansson refuses) written as "\xNN". */
static json_t *bounded_string(const char *s)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t len = fs_utf8_char_len(s + i, n - i);
        if (out.length + (len ? len : 4) > FS_STATUS_MAX_FIELD) {
            break;
        }
        if (len) {
            ds_put_buffer(&out, s + i, len);
        } else {
            ds_put_format(&out, "\\x%02x", (unsigned char)s[i]);
        }
        i += len ? len : 1;
    }
    if (i < n) {
        ds_put_format(&out, "... (%zu more bytes)", n - i);
    }
    json_t *j = json_stringn(out.string ? out.string : "", out.length);
    ds_destroy(&out);
    return j;
}

static int error_cmp(const void *a_, const void *b_)
{
    const struct fs_error *a = *(const struct fs_error *const *)a_;
    const struct fs_error *b = *(const struct fs_error *const *)b_;
    int c = strcmp(a->key, b->key);
    if (!c) {
        c = strcmp(a->path, b->path);
    }
    return c ? c : strcmp(a->message, b->message);
}

/* Returns pointers to the entries of 'a' and 'b' (either may be NULL),
 * sorted by (key, path, message), and their number in '*n'.  The caller
 * frees the array; the entries stay borrowed. */
static const struct fs_error **
sorted_entries(const struct fs_errors *a, const struct fs_errors *b, size_t *n)
{
    size_t na = a ? a->n : 0, nb = b ? b->n : 0;
    const struct fs_error **all = xmalloc((na + nb + 1) * sizeof *all);
    for (size_t i = 0; i < na; i++) {
        all[i] = &a->items[i];
    }
    for (size_t i = 0; i < nb; i++) {
        all[na + i] = &b->items[i];
    }
    qsort(all, na + nb, sizeof *all, error_cmp);
    *n = na + nb;
    return all;
}

static json_t *error_to_json(const struct fs_error *e)
{
    json_t *j = json_object();
    json_object_set_new(j, "key", bounded_string(e->key));
    json_object_set_new(j, "path", bounded_string(e->path));
    json_object_set_new(j, "message", bounded_string(e->message));
    return j;
}

/* Adds list 'name' ("errors") to 'doc': the first entries of 'a' and 'b' by
 * key, at most FS_STATUS_MAX_LISTED and FS_STATUS_LIST_BYTES of JSON, then
 * "<name>_total" (every entry) and "<name>_truncated". */
static void add_list(json_t *doc, const char *name, const struct fs_errors *a,
                     const struct fs_errors *b)
{
    size_t n;
    const struct fs_error **sorted = sorted_entries(a, b, &n);
    json_t *list = json_array();
    size_t bytes = 2;
    for (size_t i = 0; i < n && json_array_size(list) < FS_STATUS_MAX_LISTED;
         i++) {
        json_t *e = error_to_json(sorted[i]);
        size_t size = json_dumpb(e, NULL, 0, JSON_COMPACT) + 1;
        if (bytes + size > FS_STATUS_LIST_BYTES) {
            json_decref(e);
            break;
        }
        bytes += size;
        json_array_append_new(list, e);
    }
    free(sorted);
    bool cut = json_array_size(list) < n;
    json_object_set_new(doc, name, list);
    char *total = xasprintf("%s_total", name);
    char *truncated = xasprintf("%s_truncated", name);
    json_object_set_new(doc, total, json_integer(n));
    json_object_set_new(doc, truncated, json_boolean(cut));
    free(total);
    free(truncated);
}

static json_t *last_apply_to_json(const struct fs_status *st)
{
    json_t *apply = json_pack(
        "{s:I, s:I, s:I, s:f, s:f, s:f}", "flow_mods",
        (json_int_t)st->flow_mods, "group_mods", (json_int_t)st->group_mods,
        "ovsdb_txns", (json_int_t)st->ovsdb_txns, "ms", st->apply_ms,
        "render_ms", st->render_ms, "convergence_ms", st->convergence_ms);
    if (st->ovs_error) {
        json_object_set_new(apply, "error", bounded_string(st->ovs_error));
    }
    return apply;
}

/* Returns the document with every list empty and marked cut: what is
 * written if the bounded lists still made it too big (they cannot, with
 * the limits of status.h; this keeps the cap a hard one). */
static char *without_lists(json_t *doc)
{
    static const char *const lists[] = {"errors", "notes"};
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
        char *truncated = xasprintf("%s_truncated", lists[i]);
        json_object_set_new(doc, lists[i], json_array());
        json_object_set_new(doc, truncated, json_true());
        free(truncated);
    }
    return json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

char *fs_status_to_json(const struct fs_status *st)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "node", bounded_string(st->node));
    json_object_set_new(doc, "observed_revision",
                        json_integer(st->observed_revision));
    if (st->carried) {
        json_object_set_new(doc, "observed_carried", json_true());
    }
    json_object_set_new(doc, "desired_revision",
                        json_integer(st->desired_revision));
    json_object_set_new(doc, "flows", json_integer(st->n_flows));
    json_object_set_new(doc, "groups", json_integer(st->n_groups));
    json_object_set_new(doc, "last_apply", last_apply_to_json(st));
    if (st->waiting) {
        json_object_set_new(doc, "waiting", bounded_string(st->waiting));
    }
    add_list(doc, "errors", st->errors, st->row_errors);
    add_list(doc, "notes", st->notes, NULL);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (strlen(text) > FS_STATUS_MAX_BYTES) {
        free(text);
        text = without_lists(doc);
    }
    json_decref(doc);
    return text;
}

char *fs_status_key(const char *node)
{
    return xasprintf("%s%s", FS_STATUS_PREFIX, node);
}

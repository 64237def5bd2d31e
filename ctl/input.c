/* Input documents -> resources: see ctl_input_add_text() in
 * ctl/ctl.h.
 *
 * Shapes accepted, in each document (JSON: the file; YAML: each document of
 * the stream): a resource with a "kind" field (kubectl style, "kind:
 * port_pair" or "kind: port_pairs"), a Neutron envelope ({"port_pair":
 * {...}}), a Neutron list envelope ({"port_pairs": [{...}, ...]}), or a
 * list of resources in any of those shapes. */
#include "ctl/ctl.h"

#include <string.h>

#include "model/text.h"
#include "model/yaml.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Where a value is: its file, line and JSON path in its document. */
struct at {
    const char *file;
    int line;
    const char *path;
};

static const struct ctl_res *find_key(const struct ctl_input *in,
                                      const char *key)
{
    for (size_t i = 0; i < in->n; i++) {
        if (in->res[i].key && !strcmp(in->res[i].key, key)) {
            return &in->res[i];
        }
    }
    return NULL;
}

/* The id of resource object 'obj', or NULL with an error in 'in'. */
static const char *get_id(struct ctl_input *in, const struct at *at,
                          const char *what, json_t *obj)
{
    json_t *id = json_object_get(obj, "id");
    char *path = xasprintf("%s.id", at->path);
    const char *s = json_string_value(id);
    if (!id) {
        ctl_msgs_add(&in->errors, at->file, at->line, what, path,
                     "required: flowsteerctl derives the etcd key "
                     "(" FS_PREFIX "<kind>/<id>) from it");
    } else if (!s || !*s) {
        ctl_msgs_add(&in->errors, at->file, at->line, what, path,
                     "must be a non-empty string");
        s = NULL;
    }
    free(path);
    return s;
}

/* Adds resource object 'obj' (a new reference is taken) of 'kind'. */
static void add_res(struct ctl_input *in, const struct at *at,
                    enum fs_kind kind, json_t *obj)
{
    char *anon = ctl_what(kind, NULL);
    const char *id = get_id(in, at, anon, obj);
    free(anon);
    if (!id) {
        return;
    }
    char *key = xasprintf("%s%s/%s", FS_PREFIX, fs_kind_name(kind), id);
    const struct ctl_res *dup = find_key(in, key);
    if (dup) {
        char *what = ctl_what(kind, id);
        ctl_msgs_add(&in->errors, at->file, at->line, what, at->path,
                     "defined twice: also at %s:%d", dup->file, dup->line);
        free(what);
        free(key);
        return;
    }
    json_t *copy = json_deep_copy(obj);
    json_object_set_new(copy, CTL_LABEL, json_string(CTL_LABEL_VALUE));
    if (in->n >= in->allocated) {
        in->res = x2nrealloc(in->res, &in->allocated, sizeof *in->res);
    }
    in->res[in->n++] = (struct ctl_res){
        .file = xstrdup(at->file),
        .line = at->line,
        .prefix = xstrdup(at->path),
        .kind = kind,
        .id = xstrdup(id),
        .key = key,
        .obj = copy,
        .value = ctl_canonical(kind, copy),
    };
}

/* A resource with a "kind" field. */
static void add_kind_field(struct ctl_input *in, const struct at *at,
                           json_t *obj)
{
    const char *name = json_string_value(json_object_get(obj, "kind"));
    enum fs_kind kind;
    char *path = xasprintf("%s.kind", at->path);
    if (!name || !ctl_kind_parse(name, &kind)) {
        ctl_msgs_add(&in->errors, at->file, at->line, NULL, path,
                     "%s is not a kind of resource (networks, ports, "
                     "port_pairs, ... or their singular)",
                     name ? fs_quote(name).s : "a non-string");
    } else {
        json_t *copy = json_deep_copy(obj);
        json_object_del(copy, "kind");
        add_res(in, at, kind, copy);
        json_decref(copy);
    }
    free(path);
}

/* The items of a list envelope {"<kinds>": [...]}; 'lines' gives each
 * item's line when known. */
static void add_list(struct ctl_input *in, const struct at *at,
                     enum fs_kind kind, const char *name, json_t *list,
                     const struct ctl_doc_lines *lines)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        char *path = xasprintf("%s.%s[%zu]", at->path, name, i);
        struct at iat = {at->file, at->line, path};
        if (lines && i < lines->n_items) {
            iat.line = lines->items[i];
        }
        if (json_is_object(item)) {
            add_res(in, &iat, kind, item);
        } else {
            ctl_msgs_add(&in->errors, iat.file, iat.line, NULL, path,
                         "an item of %s must be an object", name);
        }
        free(path);
    }
}

/* One value that is not a list: a resource in one of the shapes. */
static void add_value(struct ctl_input *in, const struct at *at, json_t *v,
                      const struct ctl_doc_lines *lines)
{
    const char *name;
    json_t *inner;
    enum fs_kind kind;
    if (!json_is_object(v)) {
        ctl_msgs_add(&in->errors, at->file, at->line, NULL, at->path,
                     "not an object: a resource is an object with a kind "
                     "field or in a Neutron envelope");
    } else if (json_object_get(v, "kind")) {
        add_kind_field(in, at, v);
    } else if (json_object_size(v) == 1 &&
               (name = json_object_iter_key(json_object_iter(v))) &&
               ctl_kind_parse(name, &kind) &&
               (inner = json_object_get(v, name)) &&
               (json_is_object(inner) || json_is_array(inner))) {
        if (json_is_object(inner)) {
            char *path = xasprintf("%s.%s", at->path, name);
            struct at iat = {at->file, at->line, path};
            add_res(in, &iat, kind, inner);
            free(path);
        } else {
            add_list(in, at, kind, name, inner, lines);
        }
    } else {
        ctl_msgs_add(&in->errors, at->file, at->line, NULL, at->path,
                     "no kind: neither a kind field nor a Neutron envelope "
                     "({\"port_pair\": {...}}, {\"port_pairs\": [...]})");
    }
}

/* One document's value, at 'lines'. */
static void add_doc(struct ctl_input *in, const char *file, json_t *v,
                    const struct ctl_doc_lines *lines)
{
    struct at at = {file, lines->line, "$"};
    if (!json_is_array(v)) {
        add_value(in, &at, v, lines);
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        char *path = xasprintf("$[%zu]", i);
        struct at iat = {file, i < lines->n_items ? lines->items[i] : at.line,
                         path};
        add_value(in, &iat, item, NULL);
        free(path);
    }
}

/* Line (1-based) of byte 'pos' of 'text'. */
static int line_at(const char *text, size_t pos)
{
    int line = 1;
    for (size_t i = 0; i < pos; i++) {
        line += text[i] == '\n';
    }
    return line;
}

/* The YAML documents of 'text', each parsed by model/yaml.c from its own
 * bytes, preceded by as many newlines as lines before it so that the
 * parser's messages give lines of the file. */
static void add_yaml(struct ctl_input *in, const char *file, const char *text,
                     const struct ctl_doc_lines *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct ctl_doc_lines *d = &docs[i];
        int first = line_at(text, d->start);
        struct ds buf = DS_EMPTY_INITIALIZER;
        for (int l = 1; l < first; l++) {
            ds_put_char(&buf, '\n');
        }
        ds_put_buffer(&buf, text + d->start, d->end - d->start);
        char *error;
        json_t *v = fs_yaml_parse(buf.string, buf.length, &error);
        if (!v) {
            ctl_msgs_add(&in->errors, file, d->line, NULL, "$", "%s", error);
            free(error);
        } else if (!json_is_null(v)) { /* An empty document is nothing. */
            add_doc(in, file, v, d);
        }
        json_decref(v);
        ds_destroy(&buf);
    }
}

static bool looks_like_json(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", text[i]) && text[i]) {
        i++;
    }
    return i < len && (text[i] == '{' || text[i] == '[');
}

void ctl_input_add_text(struct ctl_input *in, const char *file,
                        const char *text, size_t len)
{
    struct ctl_doc_lines *docs;
    size_t n;
    int eline = 1;
    char *yerror = ctl_doc_lines(text, len, &docs, &n, &eline);
    json_error_t jerr;
    json_t *v = looks_like_json(text, len)
                    ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)
                    : NULL;
    if (v) {
        struct ctl_doc_lines fallback = {.line = 1};
        add_doc(in, file, v, n ? &docs[0] : &fallback);
        json_decref(v);
    } else if (looks_like_json(text, len) && yerror) {
        ctl_msgs_add(&in->errors, file, jerr.line > 0 ? jerr.line : 1, NULL,
                     "$", "invalid JSON: %s (column %d)", jerr.text,
                     jerr.column);
    } else {
        add_yaml(in, file, text, docs, n);
        if (yerror) {
            ctl_msgs_add(&in->errors, file, eline, NULL, "$", "%s", yerror);
        }
    }
    free(yerror);
    ctl_doc_lines_free(docs, n);
}

void ctl_input_destroy(struct ctl_input *in)
{
    for (size_t i = 0; i < in->n; i++) {
        struct ctl_res *r = &in->res[i];
        free(r->file);
        free(r->prefix);
        free(r->id);
        free(r->key);
        json_decref(r->obj);
        free(r->value);
    }
    free(in->res);
    ctl_msgs_destroy(&in->errors);
    *in = (struct ctl_input){0};
}

/* ctl/: flowsteerctl, the operator's tool (docs/architecture.md,
 * "flowsteerctl").  This header holds what its files share: resources read
 * from the input files, the canonical form they are stored in, the
 * validation that runs them through model/ as flowsteerd does, and a
 * blocking wrapper of store/'s etcd client.
 *
 * Ownership: every struct below owns its strings and json_t references;
 * free with the matching *_destroy() function. */
#ifndef FS_CTL_H
#define FS_CTL_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/model.h"

/* The label flowsteerctl puts inside every resource it writes (a field of
 * the resource object, which the model ignores as it ignores every field
 * it does not know); --prune deletes only resources that carry it. */
#define CTL_LABEL "flowsteer.io/managed-by"
#define CTL_LABEL_VALUE "flowsteerctl"

/* Written after every apply or delete that changed something, outside the
 * watched prefix: {"revision": R}, the etcd revision of the last write (a
 * delete leaves no mod_revision under the prefix to wait for). */
#define CTL_LAST_WRITE_KEY "/flowsteer/ctl/last-write"

/* etcd's default --max-txn-ops. */
#define CTL_TXN_MAX_OPS 128

/* One problem, as validate prints it: "file:line: kind/id: path: reason"
 * (kind/id "-" when the document has none). */
struct ctl_msg {
    char *file;
    int line;
    char *what; /* "port_pairs/PP1", or "-". */
    char *path; /* "$.port_pairs[1].ingress" */
    char *reason;
};

struct ctl_msgs {
    struct ctl_msg *items;
    size_t n, allocated;
};

/* Appends a message (strings copied; 'what' and 'path' may be NULL, shown
 * as "-" and "$"). */
void ctl_msgs_add(struct ctl_msgs *, const char *file, int line,
                  const char *what, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Prints every message to 'stream', one per line. */
void ctl_msgs_print(const struct ctl_msgs *, FILE *stream);
void ctl_msgs_destroy(struct ctl_msgs *);
/* Sorts by file, then line, keeping the order of messages of one line. */
void ctl_msgs_sort(struct ctl_msgs *);

/* One resource of the input. */
struct ctl_res {
    char *file;   /* As given on the command line ("-" for stdin). */
    int line;     /* Line where its object starts (1-based). */
    char *prefix; /* JSON path of its object in its document: "$",
                   * "$.port_pair", "$[2]", "$.port_pairs[1]". */
    enum fs_kind kind;
    char *id;    /* NULL if the document has no string "id". */
    char *key;   /* FS_PREFIX "<kind>/<id>", NULL without an id. */
    json_t *obj; /* The resource object (no envelope, "kind" removed,
                  * label added). */
    char *value; /* Canonical stored text (ctl_canonical()). */
};

/* What a set of input files holds. */
struct ctl_input {
    struct ctl_res *res;
    size_t n, allocated;
    struct ctl_msgs errors; /* Unreadable files, unparseable documents,
                             * documents of no known kind or without id. */
};

/* Reads each of the 'n' paths (a file, a directory, read recursively for
 * *.json, *.yaml and *.yml in name order, or "-" for standard input) into
 * 'in' (zero-initialised by the caller).  Never fails: problems go to
 * in->errors. */
void ctl_input_read(struct ctl_input *in, char **paths, size_t n);

/* Splits the 'len' bytes of 'text', the contents of 'file', into
 * resources added to 'in' (errors to in->errors).  JSON (a text starting
 * with '{' or '[' that jansson parses) is one document; anything else is
 * a YAML stream of documents.  A document is a resource with a "kind"
 * field, a Neutron envelope ({"port_pair": {...}}), a Neutron list
 * envelope ({"port_pairs": [...]}) or a list of any of those. */
void ctl_input_add_text(struct ctl_input *in, const char *file,
                        const char *text, size_t len);
void ctl_input_destroy(struct ctl_input *);

/* Line numbers of a text's documents, from libyaml's marks (JSON is YAML
 * to libyaml, so one walk serves both). */
struct ctl_doc_lines {
    size_t start, end; /* Byte range of the document in the text. */
    int line;          /* Line of its root node. */
    int *items;        /* Lines of the items of its root sequence, or of the
                        * sequence under its root mapping's first key. */
    size_t n_items;
};

/* Walks 'text' ('len' bytes) with libyaml's parser and fills '*docs' (new
 * array, '*n' entries; free with ctl_doc_lines_free()).  Returns NULL, or
 * a parse error (caller frees) with '*line' its line; the documents before
 * the error are kept. */
char *ctl_doc_lines(const char *text, size_t len, struct ctl_doc_lines **docs,
                    size_t *n, int *line);
void ctl_doc_lines_free(struct ctl_doc_lines *, size_t n);

/* Kinds and canonical form (ctl/canon.c). */

/* Returns the kind named 'name', plural as the etcd folder
 * ("port_pairs") or singular as the Neutron envelope ("port_pair"), in
 * '*kind'; false if none is. */
bool ctl_kind_parse(const char *name, enum fs_kind *kind);

/* The Neutron envelope name of 'kind' (static): its folder name without
 * the plural "s" ("port_pairs" -> "port_pair"; "chassis" stays). */
const char *ctl_kind_singular(enum fs_kind kind);

/* Returns "<kind>/<id>" for messages, the id escaped and cut after
 * FS_QUOTE_MAX bytes (fs_text_escape()); "<kind>/-" if 'id' is NULL
 * (caller frees). */
char *ctl_what(enum fs_kind kind, const char *id);

/* Returns the text stored for resource object 'obj' of 'kind': compact
 * JSON, keys sorted, in its envelope {"<singular>": obj} (caller
 * frees). */
char *ctl_canonical(enum fs_kind kind, const json_t *obj);

/* Returns 'value' ('len' bytes, as etcd holds it: JSON or YAML) as
 * indented JSON with sorted keys and a final newline, for diffs and
 * output; the raw bytes (escaped) if it does not decode (caller frees). */
char *ctl_pretty(const char *value, size_t len);

/* Decodes an etcd value (JSON, else YAML); NULL if neither. */
json_t *ctl_decode(const char *value, size_t len);

/* Returns the resource object of decoded value 'doc' of 'kind' (borrowed):
 * the envelope's content, or 'doc' itself. */
json_t *ctl_resource_of(json_t *doc, enum fs_kind kind);

/* Returns true if the etcd value carries flowsteerctl's label. */
bool ctl_is_managed(const char *value, size_t len, enum fs_kind kind);

/* Returns true if 'a' and 'b' (etcd values) decode to equal JSON; values
 * that do not decode are compared byte for byte. */
bool ctl_same_value(const char *a, size_t alen, const char *b, size_t blen);

/* Splits etcd key 'key' ('len' bytes) of a resource, FS_PREFIX
 * "<kind>/<id>", into '*kind' and its id (new string in '*id'); false if
 * it is not such a key. */
bool ctl_key_parse(const char *key, size_t len, enum fs_kind *kind, char **id);

/* Returns 'v' as a YAML document written by libyaml's emitter (block
 * style, keys sorted, strings that would read back as another type
 * double-quoted), starting with "---" if 'explicit_start'; NULL if the
 * emitter fails (caller frees). */
char *ctl_yaml_text(const json_t *v, bool explicit_start);

/* etcd contents (ctl/etcdio.c). */

struct ctl_kv {
    char *key; /* NUL-terminated; 'key_len' bytes (keys are bytes). */
    size_t key_len;
    char *value;
    size_t value_len;
    int64_t create_revision, mod_revision;
};

struct ctl_kvs {
    struct ctl_kv *items;
    size_t n, allocated;
    int64_t revision; /* The store's revision of the listing. */
};

/* Returns the entry of 'kvs' whose key is the C string 'key', or NULL. */
const struct ctl_kv *ctl_kvs_find(const struct ctl_kvs *, const char *key);
void ctl_kvs_add(struct ctl_kvs *, const char *key, size_t key_len,
                 const char *value, size_t value_len, int64_t create_revision,
                 int64_t mod_revision);
void ctl_kvs_destroy(struct ctl_kvs *);

/* Validation (ctl/check.c). */

/* Puts every resource of 'in' over 'base' (what etcd holds, or NULL),
 * without the keys of 'drop' (resources --prune deletes; may be NULL), into
 * a model, builds a snapshot as flowsteerd does and reports, in 'out',
 * each error of an input resource and each error of another resource that
 * the input caused (not already there in 'base' alone), mapped to the
 * input's file and line.  Input resources new to etcd get the create
 * revisions their writes will get.  Returns the number of errors added. */
size_t ctl_check(const struct ctl_input *in, const struct ctl_kvs *base,
                 const struct ctl_kvs *drop, struct ctl_msgs *out);

/* The model ctl_check() validates: 'base' (may be NULL) without the keys of
 * 'drop' (may be NULL) and of the input, then the input over it, with the
 * revisions ctl_check() gives them (the revision of the listing when the
 * input is empty).  Caller destroys it with fs_model_destroy(). */
struct fs_model *ctl_model_build(const struct ctl_input *in,
                                 const struct ctl_kvs *base,
                                 const struct ctl_kvs *drop);

#endif /* ctl/ctl.h */

/* model/parse.h: one etcd value -> one typed resource (private to model/).
 *
 * Checks everything that can be checked from the document alone (types,
 * ranges, formats, defaults); references between resources are checked when
 * a snapshot is built (model/snapshot.c). */
#ifndef FS_MODEL_PARSE_H
#define FS_MODEL_PARSE_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/* A parsed document.  'res' points to the kind's struct (struct fs_port
 * etc.), NULL when the document was rejected; 'errors' then says why. */
struct fs_doc {
    char *key;
    char *base; /* JSON path of the resource object: "$" or "$.port". */
    enum fs_kind kind;
    void *res;
    struct fs_errors errors;
    int64_t create_revision; /* etcd create_revision of the key. */
    /* Port chains: "chain_id" or "chain_parameters.chain_id", where the
     * document gave chain_id (a static string). */
    const char *chain_id_field;
    /* A slice document that did not parse: the network ids its 'networks'
     * still gave (model/slices.c holds those networks), else none. */
    char **held;
    size_t n_held;
};

/* Parses 'value' ('len' bytes, JSON or YAML) stored at 'key' as a resource
 * of 'kind' whose key-derived id is 'key_id'.  Always returns a document
 * (free with fs_doc_destroy()). */
struct fs_doc *fs_doc_parse(const char *key, enum fs_kind kind,
                            const char *key_id, const char *value, size_t len,
                            int64_t mod_revision);
void fs_doc_destroy(struct fs_doc *);

/* Frees resource 'res' (a struct of 'kind', may be NULL) and its strings. */
void fs_resource_free(enum fs_kind kind, void *res);

/* Appends one "physnet:bridge" 'entry' to the '*n' mappings in '*bm'
 * (model/mappings.c).  Returns NULL, or the reason it was not added (caller
 * frees): not physnet:bridge, a bridge name over 15 characters, or a physnet
 * already in '*bm'. */
char *fs_bridge_mapping_append(struct fs_bridge_mapping **bm, size_t *n,
                               const char *entry);

/* Appends every entry of 'text' ("physnet:bridge[,physnet:bridge...]",
 * commas and/or spaces between entries) as fs_bridge_mapping_append() does;
 * stops at the first bad entry and returns its reason (caller frees), else
 * NULL.  Entries before the bad one stay appended. */
char *fs_bridge_mappings_append(struct fs_bridge_mapping **bm, size_t *n,
                                const char *text);

struct pctx;
/* Parses a networking-sfc flow classifier object (model/classifier.c).
 * Returns a struct fs_flow_classifier (never NULL); errors go to 'pctx'. */
void *fs_parse_flow_classifier(struct pctx *, json_t *obj);

/* Parses a slice object (model/slices.c): 'controller' (required,
 * fs_parse_controller()), 'networks' (network ids, optional, no
 * repeats).  Returns a struct fs_slice (never NULL); errors go to
 * 'pctx'. */
void *fs_parse_slice(struct pctx *, json_t *obj);

/* Frees the fields of slice 's' (not its meta, not 's'). */
void fs_free_slice(struct fs_slice *s);

/* Parses a flowspace object (model/flowspaces.c): 'slice' (required),
 * 'priority' (0..65535, default 0), 'match' (required object; unknown
 * fields are errors).  Returns a struct fs_flowspace (never NULL); errors
 * go to 'pctx'. */
void *fs_parse_flowspace(struct pctx *, json_t *obj);

/* Frees the fields of flowspace 'f' (not its meta, not 'f'). */
void fs_free_flowspace(struct fs_flowspace *f);

#endif /* model/parse.h */

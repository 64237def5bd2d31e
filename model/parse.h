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

/* Appends every entry of chassis MAC mappings 'text' to the '*n' in '*v'
 * (as fs_bridge_mappings_append()); returns the first bad entry's reason
 * (caller frees), else NULL (model/mappings.c). */
char *fs_chassis_macs_append(struct fs_chassis_mac **v, size_t *n,
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

/* Parses a subnet object (model/routers.c): network_id, ip_version (4 or
 * 6) and cidr (of ip_version, canonical) required; gateway_ip (null:
 * none), allocation_pools and host_routes of ip_version inside cidr (host
 * routes: any destination); dns_nameservers addresses; enable_dhcp
 * (default true).  Returns a struct fs_subnet (never NULL); errors go to
 * 'pctx'. */
void *fs_parse_subnet(struct pctx *, json_t *obj);

/* Frees the fields of subnet 's' (not its meta, not 's'). */
void fs_free_subnet(struct fs_subnet *s);

/* Parses a router object (model/routers.c): admin_state_up and distributed
 * (default true), routes (destination a canonical prefix, nexthop an
 * address of its version, none twice), external_gateway_info (null or an
 * object with network_id).  Returns a struct fs_router (never NULL);
 * errors go to 'pctx'. */
void *fs_parse_router(struct pctx *, json_t *obj);

/* Frees the fields of router 'r' (not its meta, not 'r'). */
void fs_free_router(struct fs_router *r);

/* Parses the L3 fields of port 'p' (model/routers.c), after its other
 * fields: device_owner ('' default), admin_state_up (default true), and
 * for a router interface (fs_is_router_interface_owner()) router_id (its
 * device_id, which must not be empty), a mac_address and exactly one IPv4
 * fixed IP, with a subnet_id. */
void fs_parse_port_l3(struct pctx *, json_t *obj, struct fs_port *p);

/* Frees the L3 fields of port 'p'. */
void fs_free_port_l3(struct fs_port *p);

#endif /* model/parse.h */

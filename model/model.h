/* model/: desired-state resources parsed from etcd values into typed C
 * structs, validated, and indexed as one immutable snapshot.
 *
 * Knows nothing of etcd (it is fed keys and values) nor of OVS.  Field names,
 * defaults and rules are those of the Neutron / networking-sfc API tables
 * (../shared/seeds/networking-sfc-docs.txt, "REST API Impact"). */
#ifndef FS_MODEL_H
#define FS_MODEL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openvswitch/shash.h>

struct sset;

#include "model/errors.h"

/* Every flowsteer key starts with this prefix. */
#define FS_PREFIX "/flowsteer/v1/"

/* Path ids allocated in etcd (see docs/architecture.md, "Key allocation"):
 *   FS_PREFIX "keys/path_ids/<n>"          -> chain uuid
 *   FS_PREFIX "keys/port_chains/<uuid>"    -> "<n>"  */
#define FS_KEYS_PATH_IDS FS_PREFIX "keys/path_ids/"
#define FS_KEYS_CHAIN_PATHS FS_PREFIX "keys/port_chains/"

/* VNIs allocated in etcd for vxlan and geneve networks without a
 * provider:segmentation_id, the same way:
 *   FS_PREFIX "keys/vnis/<n>"              -> network id
 *   FS_PREFIX "keys/networks/<id>"         -> "<n>"  */
#define FS_KEYS_VNIS FS_PREFIX "keys/vnis/"
#define FS_KEYS_NETWORK_VNIS FS_PREFIX "keys/networks/"

/* VXLAN and Geneve carry a 24-bit VNI (RFC 7348, RFC 8926). */
#define FS_MAX_VNI 16777215

/* Longest etcd key, in bytes, that can name a resource (a longer one is
 * an error, shown cut): ids are UUIDs or names of at most 255 characters
 * (Neutron). */
#define FS_MAX_KEY_LEN 1024

/* Largest path id usable with MPLS correlation: the label is
 * (path id << 8) | hop index and an MPLS label has 20 bits. */
#define FS_MAX_MPLS_PATH_ID 4095
#define FS_MAX_CHAIN_ID 65535

/* Resource kinds; fs_kind_name() gives the etcd folder ("port_pairs"). */
enum fs_kind {
    FS_NETWORK,
    FS_PORT,
    FS_CHASSIS,
    FS_PORT_PAIR,
    FS_PORT_PAIR_GROUP,
    FS_FLOW_CLASSIFIER,
    FS_PORT_CHAIN,
    FS_SLICE,
    FS_FLOWSPACE,
    FS_SUBNET,
    FS_ROUTER,
    FS_N_KINDS
};

/* Returns the etcd folder name of 'kind' ("networks", "port_pairs", ...). */
const char *fs_kind_name(enum fs_kind kind);

/* Chain correlation (networking-sfc chain_parameters / service function
 * parameters 'correlation'). */
enum fs_correlation { FS_CORR_NONE, FS_CORR_MPLS, FS_CORR_NSH };

/* Every resource starts with these: the etcd key it came from, its id (the
 * 'id' field, else the last component of the key) and its name ('' default).
 * The strings of a snapshot's resources belong to the model it was built
 * from: destroy the snapshot before the next fs_model_put/delete/clear. */
struct fs_meta {
    char *key;
    char *id;
    char *name;
    int64_t create_revision; /* etcd create_revision: who came first. */
    int64_t mod_revision;
};

/* A Neutron network with provider attributes and the FlowVisor controller. */
struct fs_network {
    struct fs_meta meta;
    char *network_type;      /* flat|vlan|vxlan|geneve|gre, NULL if absent. */
    char *physical_network;  /* NULL if absent. */
    int64_t segmentation_id; /* -1 if absent. */
    /* The FlowVisor plugin's 'controller' as written, NULL if absent, and
     * the OpenFlow target it names, normalized ("tcp:10.0.0.1:6633",
     * "tcp:[2001:db8::1]:6633", "ssl:ctl.example:6653"; see
     * fs_parse_controller() in model/fields.h), NULL if absent.  A network
     * whose controller does not parse is rejected, and so are its ports. */
    char *controller;
    char *controller_target;
    /* Neutron's 'mtu' (68..65535), 0 if absent: the MTU DHCP gives the
     * network's ports (render/dhcp.c). */
    int mtu;
    /* Effective VNI of an overlay network (fs_network_is_overlay()): its
     * segmentation id, else its allocation in etcd; 0 for other networks
     * and while the allocation is pending. */
    uint32_t vni;
};

/* Returns true if 'n' is an overlay network flowsteer renders tunnels for:
 * provider:network_type vxlan or geneve. */
bool fs_network_is_overlay(const struct fs_network *n);

struct fs_fixed_ip {
    char *subnet_id;  /* NULL if absent; else a valid subnet of the port's
                       * network whose cidr holds 'ip_address'. */
    char *ip_address; /* Canonical text form. */
};

/* Neutron's device_owner values of a router interface port
 * (neutron_lib.constants ROUTER_INTERFACE_OWNERS): such a port is
 * distributed (realized on every node that needs its router, whatever its
 * binding:host_id) and never an L2 endpoint. */
bool fs_is_router_interface_owner(const char *device_owner);

/* Neutron allowed_address_pairs entry: the port may also send from this
 * address (or prefix) with this MAC. */
struct fs_address_pair {
    char *ip_address;  /* Canonical "addr" or "addr/len" (prefix). */
    char *mac_address; /* Lower-case MAC; the port's own when absent. */
};

/* A Neutron port.  host_id is binding:host_id, the chassis it is bound to. */
struct fs_port {
    struct fs_meta meta;
    char *network_id;
    char *mac_address; /* Lower-case "aa:bb:cc:dd:ee:ff", NULL if absent. */
    struct fs_fixed_ip *fixed_ips;
    size_t n_fixed_ips;
    char *name;           /* Neutron's human name, '' default. */
    char *device_id;      /* '' default. */
    char *host_id;        /* binding:host_id, NULL if absent. */
    bool remote;          /* binding:profile port_key == "remote_port". */
    char *remote_host_ip; /* binding:profile host_ip, NULL if absent. */
    /* Neutron port security: 'port_security_enabled' (default true) and
     * 'allowed_address_pairs' (default none). */
    bool port_security_enabled;
    struct fs_address_pair *allowed_address_pairs;
    size_t n_allowed_address_pairs;
    char *device_owner;  /* '' default. */
    bool admin_state_up; /* Default true. */
    /* A router interface (fs_is_router_interface_owner(device_owner)): its
     * router, the device_id (a valid router), else NULL.  An interface has
     * exactly one IPv4 fixed IP, with a subnet_id, and a MAC address
     * (model/routers.c). */
    char *router_id;
};

struct fs_bridge_mapping {
    char *physnet;
    char *bridge;
};

/* Parses bridge mappings as ovn-bridge-mappings writes them:
 * "physnet:bridge[,physnet:bridge...]" (commas and/or spaces between
 * entries; "" is no mapping).  On success returns NULL and stores a new
 * array in '*mappings' (NULL when there is none) and its length in '*n'
 * (free with fs_bridge_mappings_free()); otherwise returns an error message
 * (caller frees) naming the bad entry: not "physnet:bridge", a bridge name
 * longer than 15 characters (a Linux interface name), or a physnet mapped
 * twice; '*mappings' and '*n' are then left alone.  The chassis document's
 * string form uses the same parser (model/mappings.c). */
char *fs_bridge_mappings_parse(const char *text,
                               struct fs_bridge_mapping **mappings, size_t *n);

/* Frees the 'n' mappings of 'bm', their strings and the array (NULL ok). */
void fs_bridge_mappings_free(struct fs_bridge_mapping *bm, size_t n);

/* A chassis MAC mapping (OVN's ovn-chassis-mac-mappings): the source MAC
 * this chassis gives the packets it routes out to physnet 'physnet', so
 * that the physical switch never sees one router MAC on many ports. */
struct fs_chassis_mac {
    char *physnet;
    char *mac; /* Canonical lower-case, unicast. */
};

/* Parses chassis MAC mappings "physnet:MAC[,physnet:MAC...]" (commas
 * and/or spaces between entries; "" is none), as
 * fs_bridge_mappings_parse() parses bridge mappings: on success returns
 * NULL and stores a new array (NULL when none) in '*v' and its length in
 * '*n' (free with fs_chassis_macs_free()); otherwise returns the reason
 * naming the bad entry (caller frees): not physnet:MAC, a multicast MAC,
 * a physnet given twice.  model/mappings.c. */
char *fs_chassis_macs_parse(const char *text, struct fs_chassis_mac **v,
                            size_t *n);
void fs_chassis_macs_free(struct fs_chassis_mac *v, size_t n);

/* A node: tunnel endpoint, provider bridge mappings and chassis MACs. */
struct fs_chassis {
    struct fs_meta meta;
    char *ip;    /* Tunnel endpoint, NULL if absent. */
    char *encap; /* vxlan|geneve|gre, default "vxlan". */
    struct fs_bridge_mapping *bridge_mappings;
    size_t n_bridge_mappings;
    /* chassis_mac_mappings: a "physnet:MAC,..." string or a list of
     * "physnet:MAC" strings. */
    struct fs_chassis_mac *chassis_macs;
    size_t n_chassis_macs;
};

/* networking-sfc port pair: a service function's ingress and egress ports. */
struct fs_port_pair {
    struct fs_meta meta;
    char *ingress;                   /* Port id. */
    char *egress;                    /* Port id. */
    enum fs_correlation correlation; /* service_function_parameters. */
    int weight;                      /* service_function_parameters, 1. */
};

/* networking-sfc port pair group: SF instances of one type, load-balanced. */
struct fs_port_pair_group {
    struct fs_meta meta;
    char **port_pairs; /* Port pair ids, in the document's order. */
    size_t n_port_pairs;
    /* port_pair_group_parameters.lb_fields, as OVS field names for
     * selection_method=hash ("ip_src", "tcp_dst", ...); none = default. */
    char **lb_fields;
    size_t n_lb_fields;
};

/* An address prefix as fs_prefixes_overlap() reads its text, parsed once
 * (fs_prefix_parse() in model/fields.h): 'parsed' false when there is no
 * text or it does not read as "addr/len" (then the text is compared). */
struct fs_prefix {
    bool parsed;
    bool v6;
    int len;
    uint8_t addr[16];
};

/* networking-sfc flow classifier.  -1 means "any" for numbers. */
struct fs_flow_classifier {
    struct fs_meta meta;
    int ethertype; /* 4 or 6 (from 'IPv4' / 'IPv6'). */
    int protocol;  /* IP protocol number, -1 any. */
    int source_port_range_min, source_port_range_max;
    int destination_port_range_min, destination_port_range_max;
    char *source_ip_prefix;         /* Canonical "addr/len", NULL = any. */
    char *destination_ip_prefix;    /* Canonical "addr/len", NULL = any. */
    char *logical_source_port;      /* Port id (required). */
    char *logical_destination_port; /* Port id, NULL if absent. */
    /* The two prefixes parsed, for the overlap checks of the chain rules
     * (fs_classifiers_overlap(), model/chains.c). */
    struct fs_prefix source_prefix, destination_prefix;
};

/* networking-sfc port chain. */
struct fs_port_chain {
    struct fs_meta meta;
    char **port_pair_groups; /* Ordered hops. */
    size_t n_port_pair_groups;
    char **flow_classifiers;
    size_t n_flow_classifiers;
    enum fs_correlation correlation; /* chain_parameters, default mpls. */
    bool symmetric;                  /* chain_parameters, default false. */
    uint32_t chain_id; /* chain_parameters/chain_id; 0 = allocate. */
    uint32_t path_id;  /* Effective: chain_id, else the allocation in etcd;
                        * 0 while waiting for the allocation. */
};

/* A FlowVisor slice (../shared/seeds/flowvisor-quantum-plugin.txt: "a
 * slice ... controlled by a single OpenFlow controller"): the networks
 * whose traffic only 'controller' sees and programs.  Rules
 * (model/slices.c): every network exists and is valid; a network is in at
 * most one slice (the later slice, by create_revision then key, is
 * rejected); a slice naming a network that has its own 'controller' is
 * rejected when it came later, else that network is rejected (with its
 * ports) and the slice kept: its 'networks' may then name a network the
 * snapshot does not have.  Strings owned as fs_meta's. */
struct fs_slice {
    struct fs_meta meta;
    char *controller;        /* As written (required). */
    char *controller_target; /* Normalized: fs_parse_controller(). */
    char **networks;         /* Network ids, in the document's order. */
    size_t n_networks;
};

/* What a flowspace matches: a FlowVisor flow match (OpenFlow 1.0 field
 * names).  NULL or -1: any. */
struct fs_flowspace_match {
    char *dl_src, *dl_dst; /* Lower-case "aa:bb:cc:dd:ee:ff". */
    int dl_vlan;           /* 0..4095. */
    char *nw_src, *nw_dst; /* Canonical prefix "addr/len" (IPv4 or IPv6). */
    int nw_proto;          /* 0..255. */
    int tp_src, tp_dst;    /* 0..65535; need nw_proto 6, 17 or 132. */
    char *in_port;         /* A Neutron port id (valid). */
};

/* A FlowVisor flowspace: the traffic 'match' selects belongs to slice
 * 'slice' at 'priority' (0..65535, an OpenFlow priority; default 0).  Two
 * flowspaces of different slices that can match one packet at one priority
 * clash: the later one (create_revision, then key) is rejected
 * (model/flowspaces.c). */
struct fs_flowspace {
    struct fs_meta meta;
    char *slice; /* Slice id (valid). */
    int priority;
    struct fs_flowspace_match match;
};

/* An address pool of a subnet (Neutron allocation_pools). */
struct fs_ip_range {
    char *start, *end; /* Canonical addresses. */
};

/* A route: Neutron's host_routes entry of a subnet and routes entry of a
 * router ({"destination": CIDR, "nexthop": address}). */
struct fs_route {
    char *destination;       /* Canonical "network/len". */
    char *nexthop;           /* Canonical address. */
    struct fs_prefix prefix; /* 'destination', parsed. */
};

/* A Neutron subnet (networking API v2 "subnets": id, network_id,
 * ip_version, cidr, gateway_ip, enable_dhcp, allocation_pools, host_routes,
 * dns_nameservers).  Rules (model/routers.c): its network exists and is
 * valid; cidr is of ip_version; gateway_ip (null: none) and the pools are
 * of ip_version and inside cidr.  IPv6 subnets are accepted and not
 * routed (yet). */
struct fs_subnet {
    struct fs_meta meta;
    char *network_id;
    int ip_version;          /* 4 or 6. */
    char *cidr;              /* Canonical "network/len". */
    struct fs_prefix prefix; /* 'cidr', parsed. */
    char *gateway_ip;        /* Canonical, NULL if null/absent. */
    bool enable_dhcp;        /* Default true. */
    struct fs_ip_range *allocation_pools;
    size_t n_allocation_pools;
    struct fs_route *host_routes;
    size_t n_host_routes;
    char **dns_nameservers;
    size_t n_dns_nameservers;
};

/* A Neutron router (networking API v2 "routers": id, name,
 * admin_state_up, distributed, routes, external_gateway_info).  Its
 * interfaces are ports (struct fs_port's router_id).  An extra route is
 * checked when rendered (render/router.c): one whose nexthop is in no
 * subnet of the router's interfaces, or is one of the router's own
 * addresses, is a note on that route, and the router keeps working. */
struct fs_router {
    struct fs_meta meta;
    bool admin_state_up; /* Default true. */
    bool distributed;    /* Default true: every router is distributed. */
    struct fs_route *routes;
    size_t n_routes;
    /* external_gateway_info.network_id, NULL if absent (north-south:
     * not rendered yet). */
    char *gateway_network_id;
};

/* The mutable collection of raw documents, keyed by etcd key. */
struct fs_model;

/* Creates an empty model; free with fs_model_destroy(). */
struct fs_model *fs_model_create(void);
void fs_model_destroy(struct fs_model *);

/* Records 'value' ('len' bytes, JSON or YAML, not NUL-terminated) for the
 * etcd key of 'key_len' bytes at 'key' (bytes: it may hold NUL and need not
 * be UTF-8), created at 'create_revision' and last written at
 * 'mod_revision' (etcd's create_revision and mod_revision of the key: of
 * two conflicting resources, the one with the higher create_revision is
 * rejected).  Keys outside FS_PREFIX and under its status/ and nodes/
 * folders are ignored; keys/ holds the path-id allocations.  Any other key
 * under FS_PREFIX that is not printable UTF-8 of at most FS_MAX_KEY_LEN
 * bytes in the form "<kind>/<id>" is an error of the next snapshots, named
 * by the key shown escaped (fs_key_display()); such a key is kept by its
 * bytes and never replaces or deletes another key's resource.  Parsing may
 * be deferred; errors show up in the next snapshot.  Returns true if the
 * model changed. */
bool fs_model_put(struct fs_model *, const char *key, size_t key_len,
                  const char *value, size_t len, int64_t create_revision,
                  int64_t mod_revision);

/* Forgets the key of 'key_len' bytes at 'key' (exactly those bytes: a key
 * with a NUL never deletes the key it starts with).  Returns true if the
 * model changed. */
bool fs_model_delete(struct fs_model *, const char *key, size_t key_len);

/* Forgets every document (before a full relist). */
void fs_model_clear(struct fs_model *);

/* Records that everything up to etcd 'revision' has been fed in. */
void fs_model_set_revision(struct fs_model *, int64_t revision);

/* An immutable, validated, indexed view of the whole desired world.  Only
 * valid resources whose references all resolve are in the arrays (sorted by
 * id; one exception: a slice's 'networks' may name a network rejected for
 * having its own controller, see struct fs_slice); every rejected one has
 * an entry in 'errors'. */
struct fs_snapshot {
    int64_t revision; /* etcd revision this snapshot reflects. */

    struct fs_network *networks;
    size_t n_networks;
    struct fs_port *ports;
    size_t n_ports;
    struct fs_chassis *chassis;
    size_t n_chassis;
    struct fs_port_pair *port_pairs;
    size_t n_port_pairs;
    struct fs_port_pair_group *port_pair_groups;
    size_t n_port_pair_groups;
    struct fs_flow_classifier *flow_classifiers;
    size_t n_flow_classifiers;
    struct fs_port_chain *port_chains;
    size_t n_port_chains;

    /* id -> resource pointer (into the arrays above), one map per kind. */
    struct shash by_id[FS_N_KINDS];

    /* Chains that are valid but have no path id yet (chain_id 0/absent and
     * no allocation in etcd): ids, owned by the snapshot. */
    char **pending_chains;
    size_t n_pending_chains;

    /* Path id allocations whose port chain document no longer exists: the
     * chain ids and their path ids, to be released (both keys deleted). */
    char **orphan_chains;
    uint32_t *orphan_path_ids;
    size_t n_orphans;

    /* Overlay networks without a VNI yet (no segmentation id, no
     * allocation): ids, owned.  VNI allocations whose network document no
     * longer exists, or no longer needs one (it has a segmentation id or is
     * not an overlay network): network ids and VNIs, to be released.  Every
     * VNI taken (explicit segmentation ids of overlay network documents
     * that parsed, and allocation keys of both kinds), sorted, for
     * fs_snapshot_free_vni(). */
    char **pending_networks;
    size_t n_pending_networks;
    char **orphan_networks;
    uint32_t *orphan_vnis;
    size_t n_orphan_vnis;
    uint32_t *used_vnis;
    size_t n_used_vnis;

    /* Path ids in use (see fs_snapshot_free_path_id()), a bitmap of
     * FS_MAX_CHAIN_ID + 1 bits (OVS lib/bitmap.h). */
    unsigned long *used_path_ids;

    /* Port pair group id -> the chain (in port_chains) that uses it. */
    struct shash chain_of_group;

    /* Every rejected resource: key, JSON path, reason; sorted by key, path,
     * then reason (fs_errors_sort()).  The orphan lists above are sorted
     * by id. */
    struct fs_errors errors;

    /* Slices and flowspaces (FlowVisor), valid ones sorted by id and in
     * by_id like the other kinds. */
    struct fs_slice *slices;
    size_t n_slices;
    struct fs_flowspace *flowspaces;
    size_t n_flowspaces;

    /* Subnets and routers (Neutron L3), valid ones sorted by id. */
    struct fs_subnet *subnets;
    size_t n_subnets;
    struct fs_router *routers;
    size_t n_routers;

    /* What changed since the previous snapshot of the same cache
     * (fs_snapshot_update()): 'origin' names the cache, 'generation'
     * counts its updates, and
     * changed[kind] holds the ids of the resources of 'kind' whose entry
     * (document, acceptance, path id or VNI) may differ from snapshot
     * 'generation' - 1 (a superset).  NULL when unknown: the first update
     * of a cache and fs_snapshot_build().  render/engine.c skips what
     * cannot have changed.
     *
     * Invariant (render/world.c keeps pointers into the arrays from one
     * engine run to the next): the array of a kind whose changed[kind] is
     * empty is the same array as in snapshot 'generation' - 1, at the
     * same address, every element unmoved and unchanged; only a kind with
     * a changed id may have its array reallocated or reordered. */
    const void *origin; /* The cache, NULL for fs_snapshot_build(). */
    uint64_t generation;
    const struct sset *changed;
    /* With 'changed': moved[kind] is false if the array of 'kind' has the
     * same resources at the same addresses as in snapshot 'generation' -
     * 1 (those in changed[kind] updated in place), true if one came or
     * went (the array may have moved). */
    bool moved[FS_N_KINDS];
};

/* Validates every document and builds a snapshot.  Never fails: bad
 * resources are left out and reported in snapshot->errors, and resources
 * that depend on a rejected one are rejected too (with their own error). */
struct fs_snapshot *fs_snapshot_build(struct fs_model *);
void fs_snapshot_destroy(struct fs_snapshot *);

/* The incremental snapshot (model/incremental.c): a cache that keeps a
 * snapshot of one model and, on each fs_snapshot_update(), checks again
 * only what the changes since the last update can affect (the documents
 * changed, what references them, the rules they take part in), giving
 * exactly the snapshot fs_snapshot_build() gives: the same arrays in the
 * same order, the same errors, path ids, VNIs, pending and orphan lists.
 * docs/architecture.md, "Incremental snapshot". */
struct fs_snapshot_cache;

struct fs_snapshot_cache *fs_snapshot_cache_create(void);

/* Frees the cache and its snapshot (NULL is fine).  Reads no document:
 * the model may be gone. */
void fs_snapshot_cache_destroy(struct fs_snapshot_cache *);

/* Brings the cache's snapshot of 'm' up to date and returns it.  The
 * snapshot belongs to the cache: do not destroy it; it is valid until the
 * next fs_model_put/delete/clear of 'm' or the next update.  The first
 * update (and the first after fs_model_clear(), or with another model)
 * builds it whole; from then on 'm' records its changes for the cache
 * (and keeps the documents they replaced until the next update).  One
 * cache per model: an update consumes what the model recorded. */
const struct fs_snapshot *fs_snapshot_update(struct fs_snapshot_cache *,
                                             struct fs_model *m);

/* Returns how many resources the last update checked (ran a rule on):
 * for the log and the tests. */
size_t fs_snapshot_cache_checked(const struct fs_snapshot_cache *);

/* Test hook (tests/unit/test_model_incremental.c): a nonzero value leaves
 * out one invalidation on purpose, to check that the equivalence test
 * catches it.  0 in production. */
extern int fs_snapshot_cache_break;

/* Returns the snapshot's array of 'kind' (cast it to the kind's struct;
 * sorted by id) and stores its length in '*n'.  Its elements are
 * fs_kind_size(kind) bytes apart. */
const void *fs_snapshot_array(const struct fs_snapshot *, enum fs_kind kind,
                              size_t *n);

/* The reference graph (model/refgraph.c): each field of a kind that names
 * a resource of another kind, written once.  A single field is a char *
 * at 'offset' in the kind's struct (NULL: absent), a list a char ** at
 * 'offset' with its size_t count at 'n_offset' ('n_offset' SIZE_MAX for a
 * single field), and a list of structs ('stride' nonzero: their size) an
 * array pointer at 'offset' with its count at 'n_offset', the id a char *
 * at 'member' in each element ("fixed_ips[i].subnet_id").  'field' is its
 * JSON path below the resource ("port_pairs", "match.in_port",
 * "fixed_ips"), 'suffix' what follows the index in a list of structs
 * (".subnet_id", else NULL); 'noun' names the target in messages ("port
 * pair"). */
struct fs_ref {
    enum fs_kind kind, target;
    const char *field, *noun;
    size_t offset, n_offset;
    size_t stride, member;
    const char *suffix;
};

/* Returns every reference of the graph ('*n'), by kind in checking
 * order. */
const struct fs_ref *fs_refs(size_t *n);

/* Calls 'cb' for each id that resource 'res' (of 'kind': its struct)
 * names, with the reference and, in a list, the index (SIZE_MAX for a
 * single field); absent ones are skipped. */
typedef void fs_ref_cb(void *aux, const struct fs_ref *, size_t index,
                       const char *id);
void fs_ref_foreach(enum fs_kind kind, const void *res, fs_ref_cb *cb,
                    void *aux);

/* Size of the kind's struct (struct fs_port for FS_PORT...): the stride of
 * fs_snapshot_array(), and what model/ copies into snapshot arrays. */
size_t fs_kind_size(enum fs_kind);

/* Returns the valid resource of 'kind' with 'id', or NULL.  Cast the result
 * to the kind's struct. */
const void *fs_snapshot_find(const struct fs_snapshot *, enum fs_kind kind,
                             const char *id);

/* Returns the lowest path id in 1..FS_MAX_MPLS_PATH_ID used neither by an
 * explicit chain_id (of any chain document that parsed, even one rejected
 * by a cross-reference rule) nor by an allocation key of either kind (also
 * keys of chains that no longer exist), or 0 if all are taken. */
uint32_t fs_snapshot_free_path_id(const struct fs_snapshot *);

/* Returns the lowest VNI in 1..FS_MAX_VNI not in the snapshot's used_vnis,
 * or 0 if all are taken. */
uint32_t fs_snapshot_free_vni(const struct fs_snapshot *);

/* Returns the chain that uses port pair group 'ppg_id', or NULL. */
const struct fs_port_chain *
fs_snapshot_chain_of_group(const struct fs_snapshot *, const char *ppg_id);

/* Returns the chain that uses port pair group 'ppg_id' and stores in '*hop'
 * the group's position in that chain's port_pair_groups (0 = first hop; the
 * MPLS hop index is 255 - *hop, docs/architecture.md), or returns NULL and
 * leaves '*hop' alone. */
const struct fs_port_chain *fs_snapshot_group_hop(const struct fs_snapshot *,
                                                  const char *ppg_id,
                                                  size_t *hop);

#endif /* model/model.h */

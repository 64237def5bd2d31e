/* render/: the pure function from the desired world to what one node's
 * integration bridge must hold.
 *
 *   fs_render(snapshot, node, local facts) -> flows + groups + OVSDB rows
 *
 * Deterministic, no I/O: the same inputs give the same output, in the same
 * order.  Flows are typed (struct fs_flow, render/flow.h: a minimatch and
 * ofpacts, printed as ovs-ofctl(8) text only for people and tests); groups
 * are OpenFlow 1.5 text that the reconciler parses with libopenvswitch
 * (parse_ofp_group_mod_str; they are few).  The
 * pipeline (tables, registers, cookies, group ids) is in
 * docs/architecture.md. */
#ifndef FS_RENDER_H
#define FS_RENDER_H 1

#include <stddef.h>
#include <stdint.h>

#include "model/errors.h"
#include "model/model.h"
#include "openvswitch/shash.h"
#include "render/flow.h"
#include "render/pipeline.h"
#include "simap.h"
#include "smap.h"
#include "sset.h"

/* What only OVS knows, read by the OVS thread from OVSDB.  'generation'
 * grows by one each time the OVS thread sees the facts change; a desired
 * set rendered from an older generation than the OVS thread's is never
 * applied (it is re-rendered first).  fs_local_facts_equal() ignores it. */
struct fs_local_facts {
    uint64_t generation;
    /* Interface external_ids:iface-id -> ofport, for interfaces with a
     * valid ofport (> 0) on the integration bridge. */
    struct simap ofports;
    /* Interface name -> ofport (> 0) of the interfaces on the integration
     * bridge that carry FS_OWNER_KEY (flowsteer's own ports). */
    struct simap owned_ofports;
    /* Names of every bridge in OVSDB. */
    struct sset bridges;
    /* The integration bridge's datapath_type ("netdev", "system"; "" =
     * OVS's default or no such bridge): slice bridges get the same, as a
     * patch port joins two bridges of one datapath only. */
    char *datapath_type;
    /* True if the Open_vSwitch row has SSL settings (ovs-vsctl set-ssl):
     * without them an "ssl:" controller target cannot connect. */
    bool ssl;
};

/* This node, as render/ needs it. */
struct fs_render_node {
    const char *name;               /* Chassis name (binding:host_id). */
    const char *integration_bridge; /* "br-int". */
    /* Bridge mappings from flowsteerd's configuration: used when the
     * snapshot has no chassis document named 'name' (the document wins). */
    const struct fs_bridge_mapping *bridge_mappings;
    size_t n_bridge_mappings;
    /* Chassis MACs from flowsteerd's configuration, likewise. */
    const struct fs_chassis_mac *chassis_macs;
    size_t n_chassis_macs;
    /* DHCP answers (render/dhcp.c): the lease in seconds (0: the default,
     * FS_DHCP_LEASE_DEFAULT) and the domain name (NULL: none), from
     * flowsteerd's configuration; fixed while it runs. */
    uint32_t dhcp_lease_s;
    const char *dhcp_domain;
};

/* One OVSDB port with its one interface of the same name, which this node
 * must have (patch ports of provider networks and slices, tunnel ports). */
struct fs_ovsdb_port {
    char *bridge;             /* Name of the bridge it belongs on. */
    char *name;               /* Port and Interface name, <= 15 chars. */
    char *type;               /* Interface type: "patch", "vxlan", ... */
    struct smap options;      /* Interface options, e.g. peer=fsp-physnet1. */
    struct smap external_ids; /* Port and Interface external_ids; always
                               * holds FS_OWNER_KEY. */
    char *key;  /* etcd key of the resource that wants it ("" = config). */
    char *path; /* JSON path in that resource ("$.chassis.bridge_mappings"). */
};

/* One OVSDB bridge this node must have (slice bridges). */
struct fs_ovsdb_bridge {
    char *name;               /* <= 15 chars. */
    char *datapath_type;      /* "" = OVS's default. */
    char *fail_mode;          /* "secure", "standalone" or "" (default). */
    struct sset protocols;    /* "OpenFlow10".. ; empty = OVS's default. */
    struct sset controllers;  /* Controller targets, "tcp:10.0.0.1:6633". */
    struct smap external_ids; /* Always holds FS_OWNER_KEY. */
    char *key, *path;         /* As in struct fs_ovsdb_port. */
};

/* One group.  'spec' is everything ovs-ofctl accepts after
 * "group_id=<id>,", e.g. "type=select,selection_method=hash,
 * fields(ip_src,tcp_src),bucket=bucket_id:0,actions=output:3,...". */
struct fs_group {
    uint32_t group_id;
    char *spec;
};

/* The desired set for one node.  Flows are sorted by fs_flow_compare(),
 * groups by id.  'notes' lists resources this node could
 * not render (key, path, reason), e.g. a hop on another chassis. */
struct fs_desired {
    int64_t revision;          /* Snapshot revision it was rendered from. */
    uint64_t facts_generation; /* Generation of the facts it used. */
    struct fs_flow *flows;
    size_t n_flows, allocated_flows;
    struct fs_group *groups;
    size_t n_groups, allocated_groups;
    /* The OVSDB part, sorted by (bridge, name) and by name.  Arrays of
     * pointers: the smap and sset members must never move in memory (an
     * OVS hmap with one bucket points into itself). */
    struct fs_ovsdb_port **ports;
    size_t n_ports, allocated_ports;
    struct fs_ovsdb_bridge **bridges;
    size_t n_bridges, allocated_bridges;
    /* Desired ports whose ofport the facts do not have yet: their flows
     * are left out until a render with facts that have them.  A desired
     * set with n_waiting > 0 is not the whole of its revision: the OVS
     * thread applies it but does not report its revision as observed. */
    size_t n_waiting;
    struct fs_errors notes;
};

/* Renders what 'node' must hold.  Never fails; returns a new desired set the
 * caller frees with fs_desired_destroy().  Nothing in 'snapshot', 'node' or
 * 'facts' is kept.  What cannot be rendered here (a hop on another chassis,
 * an NSH pair, a path id too large for a label, a provider bridge that does
 * not exist) is left out and named in desired->notes (key of the resource,
 * JSON path in the Neutron envelope form, reason). */
struct fs_desired *fs_render(const struct fs_snapshot *,
                             const struct fs_render_node *node,
                             const struct fs_local_facts *);

/* Free a desired port or bridge and what it owns; NULL is fine. */
void fs_ovsdb_port_destroy(struct fs_ovsdb_port *);
void fs_ovsdb_bridge_destroy(struct fs_ovsdb_bridge *);

/* Returns true if 'a' and 'b' are the same row: every column, and the key
 * and path of the resource that wants it. */
bool fs_ovsdb_port_equal(const struct fs_ovsdb_port *a,
                         const struct fs_ovsdb_port *b);
bool fs_ovsdb_bridge_equal(const struct fs_ovsdb_bridge *a,
                           const struct fs_ovsdb_bridge *b);

/* Frees 'desired' and everything it owns; NULL is fine. */
void fs_desired_destroy(struct fs_desired *);

/* Returns "group_id=ID,SPEC".  Caller frees. */
char *fs_group_to_string(const struct fs_group *);

/* Fills 'keys' (initialised by the caller) with the network key render/
 * gives each network of 'snapshot' (network id -> key): the metadata value
 * of its flows and the object of its L2, port security, provider and
 * overlay cookies.  A hash of the id, moved on collision in id order, as
 * every render of this snapshot computes it (render/world.c). */
void fs_render_net_keys(const struct fs_snapshot *, struct simap *keys);

/* Router keys (FS_F_ROUTER), the same way: router id -> key. */
void fs_render_router_keys(const struct fs_snapshot *, struct simap *keys);

/* Facts helpers: init (empty, generation 0), destroy, clone ('dst', already
 * initialised, becomes a copy of 'src', generation included), equal (same
 * contents; the generation is not compared). */
void fs_local_facts_init(struct fs_local_facts *);
void fs_local_facts_destroy(struct fs_local_facts *);
void fs_local_facts_clone(struct fs_local_facts *dst,
                          const struct fs_local_facts *src);
bool fs_local_facts_equal(const struct fs_local_facts *,
                          const struct fs_local_facts *);

#endif /* render/render.h */

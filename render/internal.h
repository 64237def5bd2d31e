/* render/internal.h: what render/'s files share (private to render/).
 *
 * A render is made of units (render/units.c): the node-wide unit, then one
 * unit per port, per network and per port chain of the snapshot, in that
 * fixed order.  Each unit writes what it renders into a struct render_out
 * and reads its inputs only through the accessors below, which record what
 * it read (render/deps.c) when the engine (render/engine.c) asks for it;
 * fs_render() renders every unit into one output and resolves it (the
 * first claimant of a flow wins).  Each feature file writes its own tables
 * (render/pipeline.h). */
#ifndef FS_RENDER_INTERNAL_H
#define FS_RENDER_INTERNAL_H 1

#include <netinet/in.h>
#include <stdint.h>

#include "render/render.h"
#include "simap.h"
#include "smap.h"
#include "sset.h"

/* A network's way off this node, from provider.c to l2.c: the integration
 * bridge side of its physnet's patch pair and the 802.1Q VID its frames
 * carry there (-1: untagged, a flat network).  Only networks with an
 * uplink have an egress (unknown unicast, flooding beyond this node). */
struct render_uplink {
    int ofport; /* The patch port's ofport, also its port key
                 * (FS_F_DST_PORT). */
    int vlan;   /* 1..4094, or -1 for flat. */
};

/* A tunnel port to another chassis or to a remote device's VTEP, from
 * overlay.c (node-wide) to the units that send through it. */
struct render_tunnel {
    int ofport; /* 0 while the port has no ofport yet. */
};

/* A network of a slice that has a member port here (render/slices.c,
 * node-wide unit), as the units that switch its traffic see it.  Every
 * local plugged port of the network that is not an SF port is a member:
 * its traffic goes through the slice bridge only. */
struct render_slice_net {
    char *bridge;   /* The slice bridge's name. */
    char *slice_id; /* The slice (a network's own: the network id). */
    int uplink;     /* Ofport of the integration side of the network's
                     * uplink pair, 0 until it has one. */
    /* The slice's flowspaces (owned by the snapshot), id order; none: all
     * of a member's traffic (FlowVisor's two flowspaces per port). */
    const struct fs_flowspace **flowspaces;
    size_t n_flowspaces;
    uint64_t version; /* Hash of all the above: never 0. */
};

/* The ports of one network, in id order, and a 64-bit hash of their ids
 * (what a unit that lists them depends on). */
struct render_port_list {
    const struct fs_port **ports;
    size_t n, allocated;
    uint64_t version;
};

/* The inputs of one render and what every unit derives from them alike.
 * render_world_init() fills all but 'uplinks' and 'patch_ofports', which
 * the node-wide unit fills (it renders before any other unit). */
struct render_world {
    const struct fs_snapshot *snap;
    const struct fs_render_node *node;
    const struct fs_local_facts *facts;
    struct shash net_keys;  /* network id -> uint64_t * (metadata). */
    struct sset sf_ports;   /* Ids of ports used by any port pair. */
    struct shash net_ports; /* network id -> struct render_port_list *. */
    struct shash port_nets; /* Its inverse: port id -> network id (owned
                             * copy). */
    /* Router id -> key (uint64_t *, FS_F_ROUTER); router id -> its
     * interface ports (struct render_port_list *), and the inverse (port
     * id -> router id, owned). */
    struct shash router_keys;
    struct shash router_ports;
    struct shash port_routers;
    /* What the node-wide unit found routed here (router.c): the ids of
     * the routers present here and of the networks of their interfaces.
     * A router is present here when it is up and one of its interfaces
     * (up) is on a network with a port bound to this node. */
    struct sset routed_routers, routed_nets;
    /* This node's chassis MACs (the node-wide unit sets them: its chassis
     * document's when it has some, else flowsteerd's setting; owned by
     * those). */
    const struct fs_chassis_mac *chassis_macs;
    size_t n_chassis_macs;
    /* network id -> struct render_uplink * (networks with an egress), and
     * the integration bridge side patch ports that have an ofport (name ->
     * ofport). */
    struct shash uplinks;
    struct simap patch_ofports;
    /* Remote chassis name (a remote device: its VTEP IP) -> struct
     * render_tunnel *, the tunnels this node has (overlay.c). */
    struct shash tunnels;
    /* Network id -> struct render_slice_net * (networks of a slice with a
     * member port here), and member port id -> ofport of its patch port
     * on the integration bridge (members whose pair is rendered; 0 until
     * it has an ofport), filled by the node-wide unit (slices.c). */
    struct shash slice_nets;
    struct simap slice_members;
    /* Versions of whole kinds (render_scan()), computed once per world. */
    uint64_t scans[FS_N_KINDS];
    bool scanned[FS_N_KINDS];
    /* The engine run this world is for: cached dependency values carry it
     * (render/deps.c).  0 in fs_render(). */
    uint64_t stamp;
    /* What may have changed since the engine's previous run: per kind, the
     * ids of the resources whose snapshot entry may differ (the
     * snapshot's 'changed', when it follows the one of the previous run);
     * NULL when unknown (anything may have), and in fs_render(). */
    const struct sset *changed;
    /* What the engine keeps of each chain's chassis (overlay.c); NULL in
     * fs_render(). */
    struct render_chain_spans *chain_spans;
};

/* Returns true if resource ('kind', 'id') may differ from the previous
 * run's: always when w->changed is NULL. */
bool render_res_changed(const struct render_world *w, enum fs_kind kind,
                        const char *id);

/* Returns true if some resource of 'kind' may differ from the previous
 * run's. */
bool render_kind_changed(const struct render_world *w, enum fs_kind kind);

/* The chassis each chain spans, which chains read each resource, and the
 * chains that need each chassis, kept by the engine from run to run
 * (overlay.c): the node-wide unit finds again only the spans of the chains
 * whose resources changed. */
struct render_chain_spans *render_chain_spans_create(void);
void render_chain_spans_destroy(struct render_chain_spans *);

/* Builds the world of 'snap', 'node' and 'facts' (kept by pointer: they
 * must outlive it) for engine run 'stamp'.  Free with
 * render_world_destroy(). */
void render_world_init(struct render_world *, const struct fs_snapshot *snap,
                       const struct fs_render_node *node,
                       const struct fs_local_facts *facts, uint64_t stamp);

/* The same for an engine run that keeps, in 'kept' (NULL: none), what a
 * world derives from the snapshot alone (network keys, SF ports, the
 * ports of each network) from one run to the next: each is reused when
 * 'changed' (struct render_world) says nothing it derives from changed.
 * render_world_keep() moves them into 'kept' at the end of the run. */
void render_world_init_kept(struct render_world *,
                            const struct fs_snapshot *snap,
                            const struct fs_render_node *node,
                            const struct fs_local_facts *facts, uint64_t stamp,
                            const struct sset *changed,
                            struct render_world *kept);
void render_world_keep(struct render_world *, struct render_world *kept);
void render_world_keep_init(struct render_world *kept);
void render_world_keep_destroy(struct render_world *kept);

/* Frees what 'w' derived (not its inputs). */
void render_world_destroy(struct render_world *);

/* One flow a unit asks for.  'key' names the resource in the note when
 * another claimant wins (a string interned in the unit's output); a
 * 'quiet' claim loses without a note. */
struct render_claim {
    struct fs_flow flow;
    const char *key;
    bool quiet;
};

/* What one unit rendered (fs_render(): what every unit rendered, in unit
 * order).  Flows are claims in render order; everything is owned. */
struct render_out {
    struct render_claim *flows;
    size_t n_flows, allocated_flows;
    struct fs_group *groups;
    size_t n_groups, allocated_groups;
    struct fs_ovsdb_port **ports;
    size_t n_ports, allocated_ports;
    struct fs_ovsdb_bridge **bridges;
    size_t n_bridges, allocated_bridges;
    size_t n_waiting; /* See struct fs_desired. */
    struct fs_errors notes;
    struct sset keys; /* Interned claim keys. */
};

/* Initializes an empty output. */
void render_out_init(struct render_out *);

/* Frees what 'out' owns (not 'out' itself); NULL is fine. */
void render_out_destroy(struct render_out *);

/* Returns true if 'a' and 'b' hold the same things in the same order. */
bool render_out_equal(const struct render_out *a, const struct render_out *b);

/* Adds to 'notes' the note of claim 'c', which lost to an earlier claimant
 * of its (table, priority, match). */
void render_dup_note(struct fs_errors *notes, const struct render_claim *c);

struct render_rec; /* render/deps.c */

/* The state of one unit's render. */
struct render_ctx {
    struct render_world *w;
    /* The snapshot and facts for direct reads: the node-wide unit only
     * (it is rendered on every engine run, so what it reads needs no
     * record).  NULL in every other unit, which reads through the
     * accessors below. */
    const struct fs_snapshot *snap;
    const struct fs_local_facts *facts;
    const char *node; /* Chassis name. */
    const struct fs_render_node *render_node;
    struct render_out *out;
    struct render_rec *rec; /* NULL: reads are not recorded. */
    struct sset port_names; /* Names of the OVSDB ports added. */
};

/* Accessors: every read of a unit that is not the node-wide one goes
 * through these, and each records a dependency of the unit being rendered
 * on the value read (render/access.c).  'id' is never NULL. */

/* Returns the resource of 'kind' with 'id' in the snapshot, or NULL;
 * depends on its version (etcd mod_revision, and a chain's path id). */
const void *render_find(const struct render_ctx *, enum fs_kind kind,
                        const char *id);

/* Returns the ofport of port 'id' if it is bound to this node and plugged
 * into the bridge, else 0. */
int render_local_ofport(const struct render_ctx *, const char *port_id);

/* Returns the metadata value of network 'id' (0 if unknown). */
uint64_t render_net_key(const struct render_ctx *, const char *network_id);

/* Returns network 'id''s uplink (owned by the world), or NULL if the
 * network has no egress on this node. */
const struct render_uplink *render_uplink(const struct render_ctx *,
                                          const char *network_id);

/* Returns the ofport of the tunnel to chassis 'name' (a remote device: its
 * VTEP IP), 0 if this node has none (yet). */
int render_tunnel(const struct render_ctx *, const char *name);

/* Returns the slice network 'id' is switched by on this node, or NULL
 * (owned by the world). */
const struct render_slice_net *render_slice_net(const struct render_ctx *,
                                                const char *network_id);

/* Returns the ofport of slice member 'port_id''s patch port on the
 * integration bridge, 0 if it has none (yet). */
int render_slice_member(const struct render_ctx *, const char *port_id);

/* Returns true if port 'id' is the ingress or egress of a port pair. */
bool render_is_sf_port(const struct render_ctx *, const char *port_id);

/* Returns the ports of network 'id' in id order ('*n' of them; owned by
 * the world).  Depends on which ports they are, not on their contents:
 * read those with the other accessors. */
const struct fs_port *const *render_network_ports(const struct render_ctx *,
                                                  const char *network_id,
                                                  size_t *n);

/* Returns router 'id''s key (FS_F_ROUTER; 0 if unknown). */
uint64_t render_router_key(const struct render_ctx *, const char *router_id);

/* Returns router 'id''s interface ports in id order ('*n'; owned by the
 * world).  Depends on which ports they are, as render_network_ports(). */
const struct fs_port *const *render_router_ports(const struct render_ctx *,
                                                 const char *router_id,
                                                 size_t *n);

/* Returns true if network ('kind' FS_NETWORK) or router (FS_ROUTER) 'id'
 * is routed on this node (struct render_world's 'routed_routers' and
 * 'routed_nets'); 'id' "": if
 * any router is. */
bool render_routed(const struct render_ctx *, enum fs_kind kind,
                   const char *id);

/* Returns this node's chassis MAC for 'physnet' (text), or NULL. */
const char *render_chassis_mac(const struct render_ctx *, const char *physnet);

/* Returns the snapshot's array of 'kind' (cast it to the kind's struct;
 * '*n' elements, sorted by id).  Depends on every (id, version) of the
 * kind: any change of the kind renders the unit again, so prefer the
 * narrower accessors. */
const void *render_scan(const struct render_ctx *, enum fs_kind kind,
                        size_t *n);

/* Adds the flow built in 'b' (finished here: 'b' is freed).  Of several
 * flows with the same table, priority and match, the first in unit order
 * (then render order) is desired; each other one is noted on its 'key'
 * (the resource that caused it). */
void render_flow_add(struct render_ctx *, const char *key, struct fs_fb *b);

/* As render_flow_add(), but the flow is silently skipped when an earlier
 * one has the same table, priority and match (a MAC already delivered, a
 * match already allowed for this port). */
void render_flow_add_once(struct render_ctx *, const char *key,
                          struct fs_fb *b);

/* Parses MAC address 'text' of resource 'key' (at JSON path 'path') into
 * '*mac' with OVS's eth_addr_from_string().  The model validated it; if
 * it does not parse anyway, notes that the flows of it are left out and
 * returns false. */
struct eth_addr;
bool render_mac(struct render_ctx *, const char *key, const char *path,
                const char *text, struct eth_addr *mac);

/* Parses IPv4 prefix 'text' ("a.b.c.d" or "a.b.c.d/len") with OVS's
 * ip_parse_masked() into '*net' and '*mask'; returns false (the reason
 * freed) when it is not one, an IPv6 prefix included (render/out.c). */
bool render_ipv4_prefix(const char *text, ovs_be32 *net, ovs_be32 *mask);

/* Adds a group (spec is everything after "group_id=N,"), ownership of
 * 'spec' moves to the output.  Of several groups with one id, the first in
 * unit order is desired. */
void render_group(struct render_ctx *, uint32_t group_id, char *spec);

/* Adds an OVSDB port (with one interface of the same name) named 'name' on
 * 'bridge', of interface 'type', with a copy of 'options' (NULL = none) and
 * external_ids FS_OWNER_KEY=owner; 'key' and 'path' name the resource that
 * wants it ("" and "$" for flowsteerd's configuration).  Ports are sorted
 * by (bridge, name) when the render ends.  OVS interface names are unique
 * across bridges, so a second port with the same name in one unit is
 * dropped with a note on 'key'; returns false then. */
bool render_port(struct render_ctx *, const char *bridge, const char *name,
                 const char *type, const struct smap *options,
                 const char *owner, const char *key, const char *path);

/* As render_port(), with 'more' (NULL = none) added to its external_ids
 * beside FS_OWNER_KEY. */
bool render_port_ids(struct render_ctx *, const char *bridge, const char *name,
                     const char *type, const struct smap *options,
                     const char *owner, const struct smap *more,
                     const char *key, const char *path);

/* Adds OVSDB bridge 'b' (ownership moves to the output).  Bridges are
 * sorted by name when the render ends; a second bridge of one name in one
 * unit is dropped (freed) with a note on its key and path: returns false
 * then. */
bool render_bridge(struct render_ctx *, struct fs_ovsdb_bridge *b);

/* The ports p with (p & mask) == value; mask 0: every port. */
struct render_port_mask {
    uint16_t value, mask;
};

/* At most 2 * 16 - 2 blocks split a range of 16-bit ports. */
#define RENDER_PORT_MASKS_MAX 32

/* Splits the port range [min, max] (0..65535) into the fewest value/mask
 * pairs that cover exactly it (aligned power-of-two blocks), in 'out'
 * in port order: [23, 23] is {23, 0xffff}, [22, 23] {0x16, 0xfffe}.
 * Returns the count.  min < 0 or [0, 65535] means any port: one {0, 0}
 * (render/ranges.c). */
size_t render_port_blocks(int min, int max,
                          struct render_port_mask out[RENDER_PORT_MASKS_MAX]);

/* Returns true if 'name' can follow a 4-character prefix (all of
 * render/pipeline.h's are) in an OVS port or bridge name: at most
 * FS_PORT_NAME_MAX - 4 characters of [A-Za-z0-9_.-], not empty. */
bool render_name_fits(const char *name);

/* Returns the name of the OVS port or bridge with 'prefix' (a 4-character
 * prefix of render/pipeline.h) for object 'id' (a physnet, a chassis, a
 * slice, a network, a port): prefix + id when render_name_fits(id), else
 * prefix + 8 hex digits of hash_string(id, 0).  Caller frees. */
char *render_patch_name(const char *prefix, const char *id);

/* The features, by unit (render/units.c calls them). */

/* Node-wide: provider networks' patch pairs (OVSDB), tables 3 and 80, and
 * the world's uplinks (render/provider.c). */
void render_provider(struct render_ctx *);

/* Node-wide: the tunnel ports this node needs (OVSDB), the world's
 * tunnels, table 4's MPLS hand-off (render/overlay.c). */
void render_overlay_tunnels(struct render_ctx *);

/* Network unit of overlay network 'net' present here (it has a local port,
 * SF ports included): table 4 (its VNI) and table 57 (the flood's
 * head-end replication into its 'n' tunnels 'tunnels', sorted and
 * distinct: those of its ports bound elsewhere).  Returns true if table
 * 57 has a flow for it (render/overlay.c).  Unicast to those ports, table
 * 55, is l2.c's. */
bool render_overlay_network(struct render_ctx *, const struct fs_network *net,
                            const int *tunnels, size_t n);

/* Returns the chassis port 'p' is reached through from node 'node': a
 * remote device's VTEP IP, else its binding:host_id; NULL if it is bound
 * nowhere or here (render/overlay.c). */
const char *render_port_chassis(const struct fs_port *p, const char *node);

/* Node-wide: the slice bridges of this node's slices, their patch pairs
 * (OVSDB), the world's slice networks and members (render/slices.c). */
void render_slices(struct render_ctx *);

/* Port unit, for slice member 'p' plugged as 'ofport' whose patch port on
 * the integration bridge is 'member': table 5, into the slice and back
 * out to the port (render/slices.c). */
void render_slice_port(struct render_ctx *, const struct fs_port *p,
                       const struct render_slice_net *sn, int ofport,
                       int member);

/* Flowspace match 'm' (NULL: everything) parsed, for every field but
 * in_port, dl_src and dl_dst, which the caller matches
 * (render/flowspaces.c): 'n' matches, one (of no field when nothing is
 * left), or two (IPv4 and IPv6) when 'm' gives a protocol or ports but no
 * address. */
struct render_flowspace {
    const struct fs_flowspace_match *m;
    size_t n;
    int ip[2]; /* IP version of each match: 4, 6, or 0 (no IP field). */
    /* 'm''s nw_src and nw_dst, when it has them (an IPv4 one mapped into
     * IPv6). */
    struct in6_addr src, src_mask, dst, dst_mask;
};

/* Parses 'm' into 'f'.  Returns NULL, or (an address of 'm' does not
 * parse) the field and why (caller frees). */
char *render_flowspace_parse(const struct fs_flowspace_match *m,
                             struct render_flowspace *f);

/* Adds the fields of match 'i' (< f->n) of 'f' to 'b'. */
void render_flowspace_match(struct fs_fb *b, const struct render_flowspace *f,
                            size_t i);

/* Node-wide: tables 0 and 75 for each uplink and tunnel (render/l2.c). */
void render_l2_uplinks(struct render_ctx *);

/* Node-wide: table 10's default flow (render/sfc.c). */
void render_sfc_base(struct render_ctx *);

/* Port unit, for local port 'p' plugged as 'ofport': port security, table
 * 1, whose allowed packets go on to table 'next' (FS_T_SFC_CLASS, or
 * FS_T_SLICE for a slice member) (render/portsec.c); classification and
 * L2, tables 0, 55 and 75 (render/l2.c); the drop of an SF port's
 * unmatched traffic, table 10 (render/sfc.c). */
void render_portsec_port(struct render_ctx *, const struct fs_port *p,
                         int ofport, uint8_t next);

/* Port unit, for local port 'p' plugged as 'ofport': table FS_T_LOCAL,
 * its DHCP requests to the local controller and the rest on to
 * FS_T_SFC_CLASS, when it has a fixed IPv4 on a subnet with DHCP.
 * Returns true if so: port security then hands its packets to
 * FS_T_LOCAL (render/dhcp.c). */
bool render_dhcp_port(struct render_ctx *, const struct fs_port *p, int ofport);
void render_l2_port(struct render_ctx *, const struct fs_port *p, int ofport);
void render_sfc_port(struct render_ctx *, const struct fs_port *p, int ofport);

/* Port unit of slice member 'p' (ofport 'ofport', its patch port on the
 * integration bridge 'member', its network's slice 'sn'): table 0 for the
 * port and for its patch (to table 5), table 55 for its MACs (into the
 * slice's uplink, when it has one) (render/l2.c). */
void render_l2_member(struct render_ctx *, const struct fs_port *p, int ofport,
                      int member, const struct render_slice_net *sn);

/* Network unit: flooding and unknown unicast, table 55 (render/l2.c). */
void render_l2_network(struct render_ctx *, const struct fs_network *);

/* Chain unit: tables 10, 15, 16 and 17 and the groups of chain 'pc'
 * (render/sfc.c). */
void render_sfc_chain(struct render_ctx *, const struct fs_port_chain *pc);

/* Node-wide, first: which routers and networks are routed here (the
 * world's 'routed_routers' and 'routed_nets', which the provider networks, the
 * tunnels and the units read) and this node's chassis MACs (render/router.c).
 */
void render_router_locality(struct render_ctx *);

/* Node-wide, after the provider networks (their uplinks): table
 * FS_T_L3_ADMISSION's default and uplink flows and table FS_T_IP_INPUT's
 * martians, when a router is routed here (render/router.c). */
void render_router_base(struct render_ctx *);

/* Router unit: tables FS_T_L3_ADMISSION (its interfaces' ARP and MACs),
 * FS_T_IP_INPUT and FS_T_ROUTING of router 'r' when it is routed here,
 * and the notes of its routes (render/router.c). */
void render_router(struct render_ctx *, const struct fs_router *r);

/* Network unit of 'net' when it is routed here: table FS_T_NEIGHBOR (its
 * ports' IPv4 addresses -> MACs) and table FS_T_L3_ADMISSION's ARP
 * answers for its port-security ports (render/router.c). */
void render_router_network(struct render_ctx *, const struct fs_network *net);

/* Render units (render/units.c), in their fixed order. */
enum render_unit_kind {
    RENDER_UNIT_NODE,    /* Everything not of one object; id "". */
    RENDER_UNIT_PORT,    /* One port (id). */
    RENDER_UNIT_NETWORK, /* One network. */
    RENDER_UNIT_CHAIN,   /* One port chain. */
    RENDER_UNIT_ROUTER,  /* One router. */
};

/* Renders unit ('kind', 'id') of world 'w' into 'out', recording what it
 * reads in 'rec' (NULL: nothing is recorded; the node-wide unit never
 * records).  A unit whose object is not in the snapshot renders
 * nothing. */
void render_unit(struct render_world *w, enum render_unit_kind kind,
                 const char *id, struct render_out *out,
                 struct render_rec *rec);

/* Compares two units by the fixed order: kind, then id. */
int render_unit_compare(enum render_unit_kind, const char *,
                        enum render_unit_kind, const char *);

/* Sorting (render/render.c). */

/* Sorts 'd''s flows, groups, ports and bridges, and its notes by (key,
 * path, message). */
void render_sort_desired(struct fs_desired *d);

/* Returns a deep copy of 'p' / 'b'. */
struct fs_ovsdb_port *render_port_clone(const struct fs_ovsdb_port *p);
struct fs_ovsdb_bridge *render_bridge_clone(const struct fs_ovsdb_bridge *b);

#endif /* render/internal.h */

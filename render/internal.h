/* render/internal.h: shared state of one fs_render() call (private to
 * render/).  Each feature file writes its own tables (render/pipeline.h);
 * features hand off to each other only through this context. */
#ifndef FS_RENDER_INTERNAL_H
#define FS_RENDER_INTERNAL_H 1

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
    int ofport; /* The patch port's ofport, also its port key (reg7). */
    int vlan;   /* 1..4094, or -1 for flat. */
};

struct render_ctx {
    const struct fs_snapshot *snap;
    const char *node;
    const struct fs_render_node *render_node;
    const struct fs_local_facts *facts;
    struct fs_desired *out;
    struct shash net_keys;  /* network id -> uint64_t * (metadata). */
    struct sset sf_ports;   /* Ids of ports used by any port pair. */
    struct sset flow_keys;  /* "table/priority/match" of flows added. */
    struct sset port_names; /* Names of the OVSDB ports added. */
    /* Filled by render_provider() before the other features run:
     * network id -> struct render_uplink * (networks with an egress), and
     * the integration bridge side patch ports that have an ofport (name ->
     * ofport). */
    struct shash uplinks;
    struct simap patch_ofports;
};

/* Returns the ofport of port 'id' if it is bound to this node and plugged
 * into the bridge, else 0. */
int render_local_ofport(const struct render_ctx *, const char *port_id);

/* Returns the metadata value of network 'id' (0 if unknown). */
uint64_t render_net_key(const struct render_ctx *, const char *network_id);

/* Returns network 'id''s uplink (owned by the context), or NULL if the
 * network has no egress on this node. */
const struct render_uplink *render_uplink(const struct render_ctx *,
                                          const char *network_id);

/* Adds a flow; 'match' and 'actions' are copied.  A second flow with the
 * same table, priority and match is dropped with a note naming 'key' (the
 * resource that caused it). */
void render_flow(struct render_ctx *, const char *key, uint8_t table,
                 uint16_t priority, uint64_t cookie, const char *match,
                 const char *actions);

/* Returns true if a flow with this table, priority and match was added. */
bool render_has_flow(const struct render_ctx *, uint8_t table,
                     uint16_t priority, const char *match);

/* Adds a group (spec is everything after "group_id=N,"), ownership of
 * 'spec' moves to the desired set. */
void render_group(struct render_ctx *, uint32_t group_id, char *spec);

/* Adds an OVSDB port (with one interface of the same name) named 'name' on
 * 'bridge', of interface 'type', with a copy of 'options' (NULL = none) and
 * external_ids FS_OWNER_KEY=owner; 'key' and 'path' name the resource that
 * wants it ("" and "$" for flowsteerd's configuration).  Ports are sorted
 * by (bridge, name) when the render ends.  OVS interface names are unique
 * across bridges, so a second port with the same name is dropped with a
 * note on 'key'; returns false then. */
bool render_port(struct render_ctx *, const char *bridge, const char *name,
                 const char *type, const struct smap *options,
                 const char *owner, const char *key, const char *path);

/* Splits the port range [min, max] (0..65535) into the fewest value/mask
 * pairs that cover exactly it (aligned power-of-two blocks), as match text
 * for 'field' with a leading comma: ",tcp_src=23", ",tcp_src=0x16/0xfffe".
 * Returns the count; the strings go to '*out' (caller frees each and the
 * array).  min < 0 or [0, 65535] means any port: one "". */
size_t render_port_masks(const char *field, int min, int max, char ***out);

/* Returns the patch port name for 'physnet' with 'prefix'
 * (FS_PATCH_INT_PREFIX or FS_PATCH_PHYS_PREFIX): prefix + physnet when it
 * is at most FS_PORT_NAME_MAX - 4 characters of [A-Za-z0-9_.-], else
 * prefix + 8 hex digits of hash_string(physnet, 0) (render/pipeline.h).
 * Caller frees. */
char *render_patch_name(const char *prefix, const char *physnet);

/* Provider networks: patch pairs (OVSDB), tables 3 and 80, and the
 * uplinks of ctx (render/provider.c).  Runs before the other features. */
void render_provider(struct render_ctx *);

/* Port security: table 1 (render/portsec.c). */
void render_portsec(struct render_ctx *);

/* L2 switching per network: tables 0, 55, 56 and 75 (render/l2.c). */
void render_l2(struct render_ctx *);

/* Service function chains: tables 10 and 15 (render/sfc.c). */
void render_sfc(struct render_ctx *);

#endif /* render/internal.h */

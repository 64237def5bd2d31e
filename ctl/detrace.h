/* ctl/detrace.h: flowsteerctl trace's annotations, as
 * ovn-detrace does for OVN: each flow of an ofproto/trace output is named
 * by the resource it comes from, decoded from its cookie (render/
 * pipeline.h: kind << 32 | object) and, for the flows of one port or one
 * hop, from its match and actions (ofports, MACs, the chain label in reg5,
 * group ids).  Pure: unit-tested in tests/unit/test_ctl_trace.c. */
#ifndef FS_CTL_DETRACE_H
#define FS_CTL_DETRACE_H 1

#include <stdint.h>

#include "render/render.h"
#include "simap.h"

/* One of flowsteer's tunnel ports on the bridge (OVSDB: its interface's
 * external_ids FS_OWNER_KEY is "tunnel:<chassis>"). */
struct ctl_tunnel {
    int ofport;
    char *name;    /* "fst-node2" */
    char *chassis; /* "node2", or a remote device's VTEP IP. */
};

/* What the annotations are decoded against (borrowed: the snapshot and
 * the facts, iface-id -> ofport, must outlive it; the tunnels are
 * owned). */
struct ctl_detrace {
    const struct fs_snapshot *snap;
    const struct fs_local_facts *facts;
    struct simap net_keys;    /* Network id -> key (fs_render_net_keys()). */
    struct simap router_keys; /* Router id -> key (fs_render_router_keys()). */
    struct ctl_tunnel *tunnels;
    size_t n_tunnels;
};

/* Initialises 't' for 'snap' and 'facts' (borrowed), without tunnels. */
void ctl_detrace_init(struct ctl_detrace *t, const struct fs_snapshot *snap,
                      const struct fs_local_facts *facts);
/* Frees what 't' owns. */
void ctl_detrace_destroy(struct ctl_detrace *t);

/* Adds tunnel port 'name' with 'ofport' to chassis 'chassis' (copied):
 * flows that match it as in_port or send into it name that chassis. */
void ctl_detrace_add_tunnel(struct ctl_detrace *t, int ofport, const char *name,
                            const char *chassis);

/* The annotation of one flow of a trace: 'table' its table, 'cookie' its
 * cookie, 'text' its line and the action lines after it.  Returns e.g.
 * "flow classifier FC1 of port chain PC1, hop 1 → group of PG1 → SF2
 * (port pair PP2)", "overlay: from chassis node2 (tunnel fst-node2)",
 * "overlay of network blue: head-end replication to chassis node2
 * (tunnel fst-node2), chassis node3 (tunnel fst-node3)", or NULL for a
 * cookie that is not flowsteer's (caller frees). */
char *ctl_detrace_flow(const struct ctl_detrace *, int table, uint64_t cookie,
                       const char *text);

/* How annotations name resource 'm': its name, else its id. */
const char *ctl_detrace_name(const struct fs_meta *m);

/* The resource of 'kind' whose key in 'keys' (t->net_keys or
 * t->router_keys) is 'key', or NULL. */
const void *ctl_detrace_of_key(const struct ctl_detrace *t,
                               const struct simap *keys, enum fs_kind kind,
                               uint32_t key);

/* The annotation of a router flow (cookie kind FS_COOKIE_ROUTER or
 * FS_COOKIE_NEIGHBOR, object 'object') into 's': "router R1: route to
 * 10.0.2.0/24 (connected subnet green-v4) out of interface rif-green"
 * (ctl/detrace_router.c). */
struct ds;
void ctl_detrace_router(struct ds *s, const struct ctl_detrace *t,
                        uint32_t kind, uint32_t object, int table,
                        const char *text);

/* The annotation of a group id, or NULL if it is not flowsteer's: "group
 * of port pair group PG1 (port chain PC1, hop 1)" (caller frees). */
char *ctl_detrace_group(const struct ctl_detrace *, uint32_t group_id);

/* Returns 'trace' (ofproto/trace output) with an annotation line
 * "    ↳ ..." after each flow line of flowsteer's (caller frees). */
char *ctl_detrace_text(const struct ctl_detrace *, const char *trace);

#endif /* ctl/detrace.h */

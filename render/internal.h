/* render/internal.h: shared state of one fs_render() call (private to
 * render/). */
#ifndef FS_RENDER_INTERNAL_H
#define FS_RENDER_INTERNAL_H 1

#include <stdint.h>

#include "render/render.h"
#include "simap.h"
#include "sset.h"

struct render_ctx {
    const struct fs_snapshot *snap;
    const char *node;
    const struct fs_local_facts *facts;
    struct fs_desired *out;
    struct shash net_keys; /* network id -> uint64_t * (metadata). */
    struct sset sf_ports;  /* Ids of ports used by any port pair. */
    struct sset flow_keys; /* "table/priority/match" of flows added. */
};

/* Returns the ofport of port 'id' if it is bound to this node and plugged
 * into the bridge, else 0. */
int render_local_ofport(const struct render_ctx *, const char *port_id);

/* Returns the metadata value of network 'id' (0 if unknown). */
uint64_t render_net_key(const struct render_ctx *, const char *network_id);

/* Adds a flow; 'match' and 'actions' are printf formats.  A second flow
 * with the same table, priority and match is dropped with a note naming
 * 'key' (the resource that caused it). */
void render_flow(struct render_ctx *, const char *key, uint8_t table,
                 uint16_t priority, uint64_t cookie, const char *match,
                 const char *actions);

/* Adds a group (spec is everything after "group_id=N,"), ownership of
 * 'spec' moves to the desired set. */
void render_group(struct render_ctx *, uint32_t group_id, char *spec);

/* Splits the port range [min, max] (0..65535) into the fewest value/mask
 * pairs that cover exactly it (aligned power-of-two blocks), as match text
 * for 'field' with a leading comma: ",tcp_src=23", ",tcp_src=0x16/0xfffe".
 * Returns the count; the strings go to '*out' (caller frees each and the
 * array).  min < 0 or [0, 65535] means any port: one "". */
size_t render_port_masks(const char *field, int min, int max, char ***out);

/* Base pipeline: tables 0, 10 (defaults), 55 and 75 (render/l2.c). */
void render_l2(struct render_ctx *);

/* Service function chains (render/sfc.c). */
void render_sfc(struct render_ctx *);

#endif /* render/internal.h */

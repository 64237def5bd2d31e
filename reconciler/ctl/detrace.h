/* reconciler/ctl/detrace.h: flowsteerctl trace's annotations, as
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

/* What the annotations are decoded against (borrowed: the snapshot and
 * the facts, iface-id -> ofport, must outlive it). */
struct ctl_detrace {
    const struct fs_snapshot *snap;
    const struct fs_local_facts *facts;
    struct simap net_keys; /* Network id -> key (fs_render_net_keys()). */
};

void ctl_detrace_init(struct ctl_detrace *, const struct fs_snapshot *,
                      const struct fs_local_facts *);
void ctl_detrace_destroy(struct ctl_detrace *);

/* The annotation of one flow of a trace: 'table' its table, 'cookie' its
 * cookie, 'text' its line and the action lines after it.  Returns e.g.
 * "flow classifier FC1 of port chain PC1, hop 1 → group of PG1 → SF2
 * (port pair PP2)", or NULL for a cookie that is not flowsteer's (caller
 * frees). */
char *ctl_detrace_flow(const struct ctl_detrace *, int table, uint64_t cookie,
                       const char *text);

/* The annotation of a group id, or NULL if it is not flowsteer's: "group
 * of port pair group PG1 (port chain PC1, hop 1)" (caller frees). */
char *ctl_detrace_group(const struct ctl_detrace *, uint32_t group_id);

/* Returns 'trace' (ofproto/trace output) with an annotation line
 * "    ↳ ..." after each flow line of flowsteer's (caller frees). */
char *ctl_detrace_text(const struct ctl_detrace *, const char *trace);

#endif /* reconciler/ctl/detrace.h */

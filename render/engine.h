/* render/engine.h: incremental render.  A change costs what it changes.
 *
 * The engine keeps, for each render unit (one network's L2 flows, one
 * port's flows, one port chain's flows, and the node-wide unit: provider
 * bridges, table-miss flows), the flows and groups it rendered last time and
 * what it read to render them (its dependencies: resources by kind and id,
 * ofports of iface-ids, network keys, uplinks...).  fs_render_engine_run()
 * re-renders only the units whose dependencies changed (plus new units, and
 * drops units whose resource went) and returns the difference with what it
 * returned before as a delta.  fs_render() (render.h) stays the reference:
 * after any sequence of runs, the engine's current set equals a full render
 * of the same inputs (tests/unit/test_render_engine.c checks this on random
 * worlds).  docs/architecture.md, "Incremental render", has the units and
 * the dependency kinds.
 *
 * Flows are identified by (table, priority, match): the key of a typed
 * flow (render/flow.h), the same as render_flow_add()'s duplicate check
 * and the OVS thread's flow table.  When several units render a flow with one
 * key, the first in unit order is desired (as in fs_render()); when it
 * goes, the next one's flow is desired and appears in 'add_flows'.
 *
 * A resource's version is its etcd mod_revision (and, for a port chain,
 * its path id): the engine assumes, as etcd guarantees, that a document's
 * value never changes without its mod_revision changing.  The node-wide
 * unit (provider networks: bridge mappings, patch ports, bridges) is
 * rendered on every run; a run for another node name or integration bridge
 * than the runs before starts over (a full delta).
 *
 * Cost of a run: O(ports + networks + port pairs + chains) for the world
 * and the node-wide unit, O(dependencies) for the checks, and the units
 * rendered again; never O(flows).  When the snapshot comes from a
 * snapshot cache (fs_snapshot_update()) and follows the one of the
 * previous run, a run looks only at what changed: the dependencies of the
 * resources and kinds the snapshot says changed and those on the facts
 * and the node-wide unit, each with the units that read it, the objects
 * that came or went, and the chains (for tunnels) whose resources
 * changed; the world's network keys, SF ports and ports per network are
 * kept.  Not thread-safe: one engine per thread. */
#ifndef FS_RENDER_ENGINE_H
#define FS_RENDER_ENGINE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/render.h"

struct fs_render_engine;

/* What changed in one node's desired set between two engine runs.  Every
 * string and array is owned by the delta (fs_desired_delta_destroy()). */
struct fs_desired_delta {
    int64_t revision;          /* Snapshot revision of this run. */
    uint64_t facts_generation; /* Generation of the facts of this run. */
    /* True for the first run of an engine (and after
     * fs_render_engine_reset()): 'add_flows' and 'add_groups' then hold the
     * whole desired set and the removes are empty; the receiver forgets any
     * desired set it had. */
    bool full;
    /* Flows new or changed (cookie or actions) since the last run; a
     * changed flow appears here only, with its new cookie and actions. */
    struct fs_flow *add_flows;
    size_t n_add_flows;
    /* Flows desired last run and no longer: only table, priority and match
     * are set (cookie 0, actions NULL). */
    struct fs_flow *remove_flows;
    size_t n_remove_flows;
    /* Groups new or changed since the last run; group ids removed. */
    struct fs_group *add_groups;
    size_t n_add_groups;
    uint32_t *remove_groups;
    size_t n_remove_groups;
    /* Totals of the desired set after this delta. */
    size_t n_flows, n_groups;
    /* Always whole (they are few): the OVSDB rows, sorted as in
     * struct fs_desired, the ports waiting for an ofport, and the notes of
     * every unit. */
    struct fs_ovsdb_port **ports;
    size_t n_ports;
    struct fs_ovsdb_bridge **bridges;
    size_t n_bridges;
    size_t n_waiting;
    struct fs_errors notes;
    /* Units rendered in this run (the node-wide unit included), and all
     * units: for the log. */
    size_t units_rendered, n_units;
};

/* Returns a new engine with no units: its first run is a full render.
 * Free it with fs_render_engine_destroy(). */
struct fs_render_engine *fs_render_engine_create(void);

/* Frees the engine and everything it keeps; NULL is fine. */
void fs_render_engine_destroy(struct fs_render_engine *);

/* Forgets what was rendered: the next run is full (delta->full), e.g.
 * after the receiver lost its copy of the desired set. */
void fs_render_engine_reset(struct fs_render_engine *);

/* Renders what changed since the last run for 'node' given 'snapshot' and
 * 'facts' (nothing of them is kept) and returns the delta (never NULL; the
 * caller frees it with fs_desired_delta_destroy()).  Never fails: what
 * cannot be rendered is in the delta's notes, as with fs_render().  A run
 * where nothing changed returns a delta with no adds and no removes (and
 * units_rendered 1: the node-wide unit). */
struct fs_desired_delta *fs_render_engine_run(struct fs_render_engine *,
                                              const struct fs_snapshot *,
                                              const struct fs_render_node *node,
                                              const struct fs_local_facts *);

/* The engine's current desired set as a full struct fs_desired (sorted as
 * fs_render() sorts; caller frees with fs_desired_destroy()).  Walks every
 * unit: for tests and `plan`, never on the change path. */
struct fs_desired *fs_render_engine_current(const struct fs_render_engine *);

/* Test hook (tests/unit/test_render_engine.c): a nonzero value leaves out
 * one part of a run that only looks at what changed, to check that the
 * equivalence test catches it.  0 in production. */
extern int fs_render_engine_break;

/* Frees 'delta' and all it owns; NULL is fine. */
void fs_desired_delta_destroy(struct fs_desired_delta *);

#endif /* render/engine.h */

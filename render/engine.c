/* The incremental render engine (render/engine.h).
 *
 * The engine keeps one unit per object of the last snapshot (plus the
 * node-wide unit), each with its output (render/internal.h, struct
 * render_out) and its dependencies (render/deps.h), and the claimants of
 * every flow and group (render/claims.h).  A run:
 *
 *   1. builds the world (network keys, SF ports, ports per network);
 *   2. renders the node-wide unit (always: it is cheap, and it fills the
 *      world's uplinks, which the network units read);
 *   3. for each port, network and chain of the snapshot: renders its unit
 *      if it is new or one of its dependencies changed;
 *   4. drops the units whose object left the snapshot;
 *   5. turns the touched claims into the delta's adds and removes, and
 *      gathers the rows, notes and waiting count of every unit.
 *
 * A unit rendered again swaps its claims: the old output stays in memory
 * until the end of the run (the claims compare against it). */
#include "render/engine.h"

#include <string.h>

#include "hash.h"
#include "render/claims.h"
#include "render/deps.h"
#include "render/internal.h"
#include "util.h"

/* One render unit and what it rendered and read last. */
struct unit {
    struct hmap_node node; /* In fs_render_engine's 'units'. */
    enum render_unit_kind kind;
    char *id;
    struct render_out *out;
    struct render_dep_ref *deps;
    size_t n_deps;
    uint64_t seen; /* Last run whose snapshot had its object. */
};

struct fs_render_engine {
    struct hmap units;
    struct unit *node_unit; /* Also in 'units'. */
    struct render_deps deps;
    struct render_claims flows, groups;
    char *node_name, *bridge; /* Of the runs so far (NULL: none yet). */
    uint64_t run;             /* Runs so far. */
    int64_t revision;         /* Of the last run. */
    uint64_t facts_generation;
    bool full; /* The next delta is full. */
    /* Outputs replaced in this run, freed when it ends. */
    struct render_out **garbage;
    size_t n_garbage, allocated_garbage;
};

static int compare_units(const void *a_, const void *b_)
{
    const struct unit *a = a_, *b = b_;
    return render_unit_compare(a->kind, a->id, b->kind, b->id);
}

static uint32_t unit_hash(enum render_unit_kind kind, const char *id)
{
    return hash_string(id, kind);
}

static void engine_init(struct fs_render_engine *e)
{
    hmap_init(&e->units);
    render_deps_init(&e->deps);
    render_claims_init(&e->flows, false, compare_units);
    render_claims_init(&e->groups, true, compare_units);
    e->full = true;
}

struct fs_render_engine *fs_render_engine_create(void)
{
    struct fs_render_engine *e = xzalloc(sizeof *e);
    engine_init(e);
    return e;
}

static void free_out(struct render_out *out)
{
    render_out_destroy(out);
    free(out);
}

static void engine_clear(struct fs_render_engine *e)
{
    struct unit *u;
    HMAP_FOR_EACH_POP(u, node, &e->units)
    {
        free_out(u->out);
        free(u->deps);
        free(u->id);
        free(u);
    }
    hmap_destroy(&e->units);
    render_claims_destroy(&e->flows);
    render_claims_destroy(&e->groups);
    render_deps_destroy(&e->deps);
    free(e->node_name);
    free(e->bridge);
    free(e->garbage);
}

void fs_render_engine_destroy(struct fs_render_engine *e)
{
    if (e) {
        engine_clear(e);
        free(e);
    }
}

void fs_render_engine_reset(struct fs_render_engine *e)
{
    uint64_t run = e->run;
    engine_clear(e);
    memset(e, 0, sizeof *e);
    engine_init(e);
    e->run = run;
}

static struct unit *find_unit(const struct fs_render_engine *e,
                              enum render_unit_kind kind, const char *id)
{
    struct unit *u;
    HMAP_FOR_EACH_WITH_HASH(u, node, unit_hash(kind, id), &e->units)
    {
        if (u->kind == kind && !strcmp(u->id, id)) {
            return u;
        }
    }
    return NULL;
}

/* Withdraws the claims of 'u''s output, which goes to the garbage. */
static void withdraw(struct fs_render_engine *e, struct unit *u)
{
    struct render_out *out = u->out;
    if (!out) {
        return;
    }
    for (size_t i = 0; i < out->n_flows; i++) {
        render_claims_remove(&e->flows, &out->flows[i]);
    }
    for (size_t i = 0; i < out->n_groups; i++) {
        render_claims_remove(&e->groups, &out->groups[i]);
    }
    if (e->n_garbage >= e->allocated_garbage) {
        e->garbage =
            x2nrealloc(e->garbage, &e->allocated_garbage, sizeof *e->garbage);
    }
    e->garbage[e->n_garbage++] = out;
    u->out = NULL;
}

/* Renders 'u' in 'w': its new output and dependencies replace the old. */
static void render_again(struct fs_render_engine *e, struct render_world *w,
                         struct unit *u)
{
    struct render_out *out = xmalloc(sizeof *out);
    struct render_rec rec;
    render_out_init(out);
    render_rec_start(&rec, &e->deps);
    render_unit(w, u->kind, u->id, out, &rec);

    withdraw(e, u);
    for (size_t i = 0; i < out->n_flows; i++) {
        render_claims_add(&e->flows, u, i, &out->flows[i]);
    }
    for (size_t i = 0; i < out->n_groups; i++) {
        render_claims_add(&e->groups, u, i, &out->groups[i]);
    }
    u->out = out;
    render_deps_release(&e->deps, u->deps, u->n_deps);
    free(u->deps);
    u->deps = rec.refs;
    u->n_deps = rec.n;
}

/* Renders the unit of ('kind', 'id') if it is new or what it read changed;
 * marks it seen.  Returns 1 if it rendered, else 0. */
static size_t visit(struct fs_render_engine *e, struct render_world *w,
                    enum render_unit_kind kind, const char *id)
{
    struct unit *u = find_unit(e, kind, id);
    if (!u) {
        u = xzalloc(sizeof *u);
        u->kind = kind;
        u->id = xstrdup(id);
        hmap_insert(&e->units, &u->node, unit_hash(kind, id));
    } else if (!render_deps_changed(w, u->deps, u->n_deps)) {
        u->seen = e->run;
        return 0;
    }
    u->seen = e->run;
    render_again(e, w, u);
    return 1;
}

/* Drops the units not seen in this run: their objects left. */
static void drop_unseen(struct fs_render_engine *e)
{
    struct unit *u;
    HMAP_FOR_EACH_SAFE(u, node, &e->units)
    {
        if (u->seen != e->run) {
            withdraw(e, u);
            render_deps_release(&e->deps, u->deps, u->n_deps);
            hmap_remove(&e->units, &u->node);
            free(u->deps);
            free(u->id);
            free(u);
        }
    }
}

/* Renders what changed in 'w'; returns the number of units rendered. */
static size_t render_changes(struct fs_render_engine *e, struct render_world *w)
{
    const struct fs_snapshot *s = w->snap;
    size_t n = 0;
    if (!e->node_unit) {
        e->node_unit = xzalloc(sizeof *e->node_unit);
        e->node_unit->kind = RENDER_UNIT_NODE;
        e->node_unit->id = xstrdup("");
        hmap_insert(&e->units, &e->node_unit->node,
                    unit_hash(RENDER_UNIT_NODE, ""));
    }
    e->node_unit->seen = e->run;
    render_again(e, w, e->node_unit);
    n++;
    for (size_t i = 0; i < s->n_ports; i++) {
        n += visit(e, w, RENDER_UNIT_PORT, s->ports[i].meta.id);
    }
    for (size_t i = 0; i < s->n_networks; i++) {
        n += visit(e, w, RENDER_UNIT_NETWORK, s->networks[i].meta.id);
    }
    for (size_t i = 0; i < s->n_port_chains; i++) {
        n += visit(e, w, RENDER_UNIT_CHAIN, s->port_chains[i].meta.id);
    }
    drop_unseen(e);
    return n;
}

/* Growable arrays of the delta. */
static void push_flow(struct fs_flow **flows, size_t *n, size_t *allocated,
                      struct fs_flow f)
{
    if (*n >= *allocated) {
        *flows = x2nrealloc(*flows, allocated, sizeof **flows);
    }
    (*flows)[(*n)++] = f;
}

struct delta_builder {
    struct fs_desired_delta *d;
    size_t allocated_add, allocated_remove;
    size_t allocated_add_groups, allocated_remove_groups;
};

static void flow_changed(const void *before_, const void *after_, void *aux)
{
    const struct render_claim *before = before_, *after = after_;
    struct delta_builder *b = aux;
    struct fs_desired_delta *d = b->d;
    if (after && (!before || before->flow.cookie != after->flow.cookie ||
                  strcmp(before->flow.actions, after->flow.actions))) {
        struct fs_flow f = after->flow;
        f.match = xstrdup(f.match);
        f.actions = xstrdup(f.actions);
        push_flow(&d->add_flows, &d->n_add_flows, &b->allocated_add, f);
    } else if (!after && before) {
        struct fs_flow f = {.table_id = before->flow.table_id,
                            .priority = before->flow.priority,
                            .match = xstrdup(before->flow.match)};
        push_flow(&d->remove_flows, &d->n_remove_flows, &b->allocated_remove,
                  f);
    }
}

static void group_changed(const void *before_, const void *after_, void *aux)
{
    const struct fs_group *before = before_, *after = after_;
    struct delta_builder *b = aux;
    struct fs_desired_delta *d = b->d;
    if (after && (!before || strcmp(before->spec, after->spec))) {
        if (d->n_add_groups >= b->allocated_add_groups) {
            d->add_groups = x2nrealloc(d->add_groups, &b->allocated_add_groups,
                                       sizeof *d->add_groups);
        }
        d->add_groups[d->n_add_groups++] =
            (struct fs_group){after->group_id, xstrdup(after->spec)};
    } else if (!after && before) {
        if (d->n_remove_groups >= b->allocated_remove_groups) {
            d->remove_groups =
                x2nrealloc(d->remove_groups, &b->allocated_remove_groups,
                           sizeof *d->remove_groups);
        }
        d->remove_groups[d->n_remove_groups++] = before->group_id;
    }
}

static int compare_groups(const void *a_, const void *b_)
{
    const struct fs_group *a = a_, *b = b_;
    return a->group_id < b->group_id ? -1 : a->group_id > b->group_id;
}

static int compare_ids(const void *a_, const void *b_)
{
    const uint32_t *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

/* The adds and removes of this run, sorted. */
static void collect_changes(struct fs_render_engine *e,
                            struct fs_desired_delta *d)
{
    struct delta_builder b = {.d = d};
    render_claims_commit(&e->flows, flow_changed, &b);
    render_claims_commit(&e->groups, group_changed, &b);
    if (d->n_add_flows) {
        qsort(d->add_flows, d->n_add_flows, sizeof *d->add_flows,
              render_compare_flows);
    }
    if (d->n_remove_flows) {
        qsort(d->remove_flows, d->n_remove_flows, sizeof *d->remove_flows,
              render_compare_flows);
    }
    if (d->n_add_groups) {
        qsort(d->add_groups, d->n_add_groups, sizeof *d->add_groups,
              compare_groups);
    }
    if (d->n_remove_groups) {
        qsort(d->remove_groups, d->n_remove_groups, sizeof *d->remove_groups,
              compare_ids);
    }
}

/* Adds the notes of the flows that lose to an earlier claimant. */
static void note_losers(const struct fs_render_engine *e,
                        struct fs_errors *notes)
{
    struct hmapx_node *hn;
    HMAPX_FOR_EACH(hn, &e->flows.contested)
    {
        const struct render_claim_node *node = hn->data;
        for (size_t i = 1; i < node->n; i++) {
            const struct render_claim *c = node->v[i].item;
            if (!c->quiet) {
                render_dup_note(notes, c);
            }
        }
    }
}

/* Copies into 'd' the OVSDB rows, notes and waiting count of every unit,
 * sorted. */
static void collect_rows(const struct fs_render_engine *e, struct fs_desired *d)
{
    const struct unit *u;
    HMAP_FOR_EACH(u, node, &e->units)
    {
        const struct render_out *out = u->out;
        for (size_t i = 0; i < out->n_ports; i++) {
            if (d->n_ports >= d->allocated_ports) {
                d->ports =
                    x2nrealloc(d->ports, &d->allocated_ports, sizeof *d->ports);
            }
            d->ports[d->n_ports++] = render_port_clone(out->ports[i]);
        }
        for (size_t i = 0; i < out->n_bridges; i++) {
            if (d->n_bridges >= d->allocated_bridges) {
                d->bridges = x2nrealloc(d->bridges, &d->allocated_bridges,
                                        sizeof *d->bridges);
            }
            d->bridges[d->n_bridges++] = render_bridge_clone(out->bridges[i]);
        }
        fs_errors_extend(&d->notes, &out->notes);
        d->n_waiting += out->n_waiting;
    }
    note_losers(e, &d->notes);
    render_sort_desired(d);
}

/* Moves the rows, notes and waiting count of 'rows' into 'd'. */
static void take_rows(struct fs_desired_delta *d, struct fs_desired *rows)
{
    d->ports = rows->ports;
    d->n_ports = rows->n_ports;
    d->bridges = rows->bridges;
    d->n_bridges = rows->n_bridges;
    d->n_waiting = rows->n_waiting;
    d->notes = rows->notes;
    *rows = (struct fs_desired){.notes = FS_ERRORS_INITIALIZER};
}

static void free_garbage(struct fs_render_engine *e)
{
    for (size_t i = 0; i < e->n_garbage; i++) {
        free_out(e->garbage[i]);
    }
    e->n_garbage = 0;
}

/* Forgets everything if the node is not the one of the runs so far: its
 * name is in every read of a port's binding. */
static void check_node(struct fs_render_engine *e,
                       const struct fs_render_node *node)
{
    if (e->node_name && (strcmp(e->node_name, node->name) ||
                         strcmp(e->bridge, node->integration_bridge))) {
        fs_render_engine_reset(e);
    }
    if (!e->node_name) {
        e->node_name = xstrdup(node->name);
        e->bridge = xstrdup(node->integration_bridge);
    }
}

struct fs_desired_delta *
fs_render_engine_run(struct fs_render_engine *e, const struct fs_snapshot *snap,
                     const struct fs_render_node *node,
                     const struct fs_local_facts *facts)
{
    check_node(e, node);
    e->run++;
    e->revision = snap->revision;
    e->facts_generation = facts->generation;

    struct render_world w;
    render_world_init(&w, snap, node, facts, e->run);
    struct fs_desired_delta *d = xzalloc(sizeof *d);
    d->revision = snap->revision;
    d->facts_generation = facts->generation;
    d->full = e->full;
    e->full = false;
    d->units_rendered = render_changes(e, &w);
    d->n_units = hmap_count(&e->units);
    collect_changes(e, d);
    d->n_flows = render_claims_count(&e->flows);
    d->n_groups = render_claims_count(&e->groups);

    struct fs_desired rows = {.notes = FS_ERRORS_INITIALIZER};
    collect_rows(e, &rows);
    take_rows(d, &rows);
    free_garbage(e);
    render_world_destroy(&w);
    return d;
}

struct fs_desired *fs_render_engine_current(const struct fs_render_engine *e)
{
    struct fs_desired *d = xzalloc(sizeof *d);
    d->revision = e->revision;
    d->facts_generation = e->facts_generation;
    d->flows = xcalloc(render_claims_count(&e->flows) + 1, sizeof *d->flows);
    d->allocated_flows = render_claims_count(&e->flows) + 1;
    const struct render_claim_node *node;
    HMAP_FOR_EACH(node, hmap_node, &e->flows.map)
    {
        const struct render_claim *c = node->v[0].item;
        struct fs_flow f = c->flow;
        f.match = xstrdup(f.match);
        f.actions = xstrdup(f.actions);
        d->flows[d->n_flows++] = f;
    }
    d->groups = xcalloc(render_claims_count(&e->groups) + 1, sizeof *d->groups);
    d->allocated_groups = render_claims_count(&e->groups) + 1;
    HMAP_FOR_EACH(node, hmap_node, &e->groups.map)
    {
        const struct fs_group *g = node->v[0].item;
        d->groups[d->n_groups++] =
            (struct fs_group){g->group_id, xstrdup(g->spec)};
    }
    collect_rows(e, d);
    return d;
}

void fs_desired_delta_destroy(struct fs_desired_delta *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->n_add_flows; i++) {
        free(d->add_flows[i].match);
        free(d->add_flows[i].actions);
    }
    for (size_t i = 0; i < d->n_remove_flows; i++) {
        free(d->remove_flows[i].match);
    }
    for (size_t i = 0; i < d->n_add_groups; i++) {
        free(d->add_groups[i].spec);
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        fs_ovsdb_port_destroy(d->ports[i]);
    }
    for (size_t i = 0; i < d->n_bridges; i++) {
        fs_ovsdb_bridge_destroy(d->bridges[i]);
    }
    free(d->add_flows);
    free(d->remove_flows);
    free(d->add_groups);
    free(d->remove_groups);
    free(d->ports);
    free(d->bridges);
    fs_errors_destroy(&d->notes);
    free(d);
}

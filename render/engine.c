/* The incremental render engine (render/engine.h).
 *
 * The engine keeps one unit per object of the last snapshot (plus the
 * node-wide unit), each with its output (struct render_out) and its
 * dependencies (render/deps.h), and the claimants of every flow and group
 * (render/claims.h).  A run:
 *
 *   1. builds the world (network keys, SF ports, ports per network);
 *   2. renders the node-wide unit (always: it is cheap, and it fills the
 *      world's uplinks, which the network units read);
 *   3. walks the snapshot's ports, networks and chains (sorted by id) and
 *      the units of each kind (kept sorted by id) side by side: renders
 *      the units that are new or whose dependencies changed, and drops
 *      those whose object left the snapshot;
 *   4. turns the touched claims into the delta's adds and removes
 *      (render/delta.c), and gathers the rows, notes and waiting count of
 *      every unit when one of them changed.
 *
 * A unit rendered again swaps its claims unless its output is the same;
 * the old output stays in memory until the end of the run (the claims
 * compare against it). */
#include "render/engine.h"

#include <string.h>

#include "hmapx.h"

#include "render/claims.h"
#include "render/delta.h"
#include "render/deps.h"
#include "render/internal.h"
#include "util.h"

int fs_render_engine_break;

/* One render unit and what it rendered and read last. */
struct unit {
    enum render_unit_kind kind;
    char *id;
    struct render_out *out;
    struct render_dep_ref *deps;
    size_t n_deps;
};

/* The units of one kind, sorted by id. */
struct unit_list {
    struct unit **v;
    size_t n, allocated;
};

/* Object kinds, in unit order, after the node-wide unit. */
enum { N_LISTS = 4 };
static const enum render_unit_kind list_kinds[N_LISTS] = {
    RENDER_UNIT_PORT, RENDER_UNIT_NETWORK, RENDER_UNIT_CHAIN,
    RENDER_UNIT_ROUTER};

struct fs_render_engine {
    struct unit *node_unit; /* NULL before the first run. */
    struct unit_list lists[N_LISTS];
    struct render_deps deps;
    struct render_claims flows, groups;
    char *node_name, *bridge; /* Of the runs so far (NULL: none yet). */
    uint64_t run;             /* Runs so far. */
    int64_t revision;         /* Of the last run. */
    uint64_t facts_generation;
    /* The facts of this run are those of the previous one (same
     * generation): only the changed ports' local ofports can differ. */
    bool facts_same;
    bool full; /* The next delta is full. */
    /* The OVSDB rows, notes and waiting count of every unit, sorted, as of
     * the last run; 'rows_dirty' when some unit's output changed since. */
    struct fs_desired rows;
    bool rows_dirty;
    /* The snapshot cache and generation of the last run (NULL: none, or a
     * snapshot of fs_snapshot_build()). */
    const void *snap_origin;
    uint64_t snap_generation;
    /* What a world derives from the snapshot alone, kept from the last
     * run for the next when what it derives from did not change. */
    struct render_world kept;
    /* overlay.c's spans of the chains. */
    struct render_chain_spans *chain_spans;
    /* Outputs replaced in this run, freed when it ends. */
    struct render_out **garbage;
    size_t n_garbage, allocated_garbage;
};

static int compare_units(const void *a_, const void *b_)
{
    const struct unit *a = a_, *b = b_;
    return render_unit_compare(a->kind, a->id, b->kind, b->id);
}

static void engine_init(struct fs_render_engine *e)
{
    render_deps_init(&e->deps);
    render_claims_init(&e->flows, false, compare_units);
    render_claims_init(&e->groups, true, compare_units);
    e->full = true;
    e->rows = (struct fs_desired){.notes = FS_ERRORS_INITIALIZER};
    e->rows_dirty = true;
    e->chain_spans = render_chain_spans_create();
    render_world_keep_init(&e->kept);
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

static void free_unit(struct unit *u)
{
    if (u) {
        free_out(u->out);
        free(u->deps);
        free(u->id);
        free(u);
    }
}

static void engine_clear(struct fs_render_engine *e)
{
    free_unit(e->node_unit);
    for (size_t k = 0; k < N_LISTS; k++) {
        for (size_t i = 0; i < e->lists[k].n; i++) {
            free_unit(e->lists[k].v[i]);
        }
        free(e->lists[k].v);
    }
    render_claims_destroy(&e->flows);
    render_claims_destroy(&e->groups);
    render_deps_destroy(&e->deps);
    render_delta_clear_rows(&e->rows);
    free(e->node_name);
    free(e->bridge);
    free(e->garbage);
    render_chain_spans_destroy(e->chain_spans);
    render_world_keep_destroy(&e->kept);
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

static struct unit *new_unit(enum render_unit_kind kind, const char *id)
{
    struct unit *u = xzalloc(sizeof *u);
    u->kind = kind;
    u->id = xstrdup(id);
    return u;
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

/* Makes 'out' the output of 'u' and claims what it renders. */
static void claim(struct fs_render_engine *e, struct unit *u,
                  struct render_out *out)
{
    for (size_t i = 0; i < out->n_flows; i++) {
        render_claims_add(&e->flows, u, i, &out->flows[i]);
    }
    for (size_t i = 0; i < out->n_groups; i++) {
        render_claims_add(&e->groups, u, i, &out->groups[i]);
    }
    u->out = out;
    e->rows_dirty = true;
}

/* Renders 'u' in 'w': its new dependencies replace the old, and so does
 * its output unless it is the same (then its claims stay as they are). */
static void render_again(struct fs_render_engine *e, struct render_world *w,
                         struct unit *u)
{
    struct render_out *out = xmalloc(sizeof *out);
    struct render_rec rec;
    render_out_init(out);
    /* The old dependencies go first, so that the unit is a user of exactly
     * those it reads now. */
    render_deps_release(&e->deps, u->deps, u->n_deps, u);
    free(u->deps);
    u->deps = NULL;
    u->n_deps = 0;
    render_rec_start(&rec, &e->deps, u);
    render_unit(w, u->kind, u->id, out, &rec);
    if (u->out && render_out_equal(u->out, out)) {
        free_out(out);
    } else {
        withdraw(e, u);
        claim(e, u, out);
    }
    u->deps = rec.refs;
    u->n_deps = rec.n;
}

/* Drops unit 'u': its object left the snapshot. */
static void drop(struct fs_render_engine *e, struct unit *u)
{
    withdraw(e, u);
    e->rows_dirty = true;
    render_deps_release(&e->deps, u->deps, u->n_deps, u);
    free_unit(u);
}

/* The ids of the snapshot's objects of unit kind 'kind': '*n' of them,
 * each 'stride' bytes after the previous, starting at the returned meta. */
static const struct fs_meta *objects(const struct fs_snapshot *s,
                                     enum render_unit_kind kind, size_t *n,
                                     size_t *stride)
{
    switch (kind) {
    case RENDER_UNIT_PORT:
        *n = s->n_ports;
        *stride = sizeof *s->ports;
        return s->n_ports ? &s->ports[0].meta : NULL;
    case RENDER_UNIT_NETWORK:
        *n = s->n_networks;
        *stride = sizeof *s->networks;
        return s->n_networks ? &s->networks[0].meta : NULL;
    case RENDER_UNIT_CHAIN:
        *n = s->n_port_chains;
        *stride = sizeof *s->port_chains;
        return s->n_port_chains ? &s->port_chains[0].meta : NULL;
    case RENDER_UNIT_ROUTER:
        *n = s->n_routers;
        *stride = sizeof *s->routers;
        return s->n_routers ? &s->routers[0].meta : NULL;
    case RENDER_UNIT_NODE:
    default:
        OVS_NOT_REACHED();
    }
}

static void push_unit(struct unit_list *l, struct unit *u)
{
    if (l->n >= l->allocated) {
        l->v = x2nrealloc(l->v, &l->allocated, sizeof *l->v);
    }
    l->v[l->n++] = u;
}

/* Brings the units of 'kind' (list 'old') in step with the snapshot's
 * objects, both sorted by id: new objects get a unit, rendered; units of
 * objects that left are dropped; the others are rendered again if what
 * they read changed.  Returns the number of units rendered. */
static size_t update_list(struct fs_render_engine *e, struct render_world *w,
                          enum render_unit_kind kind, struct unit_list *old)
{
    size_t n, stride, rendered = 0, j = 0;
    const char *obj = (const char *)objects(w->snap, kind, &n, &stride);
    struct unit_list new = {.allocated = n + 1};
    new.v = xmalloc(new.allocated * sizeof *new.v);
    for (size_t i = 0; i < n; i++, obj += stride) {
        const char *id = ((const struct fs_meta *)obj)->id;
        int cmp = -1;
        while (j < old->n && (cmp = strcmp(old->v[j]->id, id)) < 0) {
            drop(e, old->v[j++]);
        }
        struct unit *u;
        if (j < old->n && !cmp) {
            u = old->v[j++];
            if (render_deps_changed(w, u->deps, u->n_deps)) {
                render_again(e, w, u);
                rendered++;
            }
        } else {
            u = new_unit(kind, id);
            render_again(e, w, u);
            rendered++;
        }
        push_unit(&new, u);
    }
    while (j < old->n) {
        drop(e, old->v[j++]);
    }
    free(old->v);
    *old = new;
    return rendered;
}

/* The snapshot kind of the objects of unit kind 'kind'. */
static enum fs_kind object_kind(enum render_unit_kind kind)
{
    return kind == RENDER_UNIT_PORT      ? FS_PORT
           : kind == RENDER_UNIT_NETWORK ? FS_NETWORK
           : kind == RENDER_UNIT_CHAIN   ? FS_PORT_CHAIN
                                         : FS_ROUTER;
}

/* Returns the position in 'l' (sorted by id) of the unit of 'id', or where
 * it would go; '*found' tells whether it is there. */
static size_t list_find(const struct unit_list *l, const char *id, bool *found)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(l->v[mid]->id, id);
        if (cmp < 0) {
            lo = mid + 1;
        } else if (cmp > 0) {
            hi = mid;
        } else {
            *found = true;
            return mid;
        }
    }
    *found = false;
    return lo;
}

/* Computes dependency 'd' in 'w'; if it differs from what its users read
 * (its value of the previous run), they go to 'dirty'. */
static void dep_dirties(const struct render_world *w, struct render_dep *d,
                        struct hmapx *dirty)
{
    if (d->stamp == w->stamp) {
        return;
    }
    uint64_t value = render_dep_value(w, d->type, d->kind, d->id);
    d->stamp = w->stamp;
    if (value != d->value) {
        d->value = value;
        struct hmapx_node *node;
        HMAPX_FOR_EACH(node, &d->users)
        {
            hmapx_add(dirty, node->data);
        }
    }
}

static void type_dirties(struct fs_render_engine *e,
                         const struct render_world *w,
                         enum render_dep_type type, struct hmapx *dirty)
{
    struct hmapx_node *node;
    HMAPX_FOR_EACH(node, &e->deps.by_type[type])
    {
        dep_dirties(w, node->data, dirty);
    }
}

/* The local ofports (RENDER_DEP_LOCAL: a port's binding in the snapshot
 * and its iface-id in the facts) that may differ: every one when the
 * facts changed (another generation), else only those of the ports the
 * snapshot says changed, so that a port change costs that port, not
 * every port of the node. */
static void local_dirties(struct fs_render_engine *e,
                          const struct render_world *w, struct hmapx *dirty)
{
    if (!e->facts_same) {
        if (fs_render_engine_break != 1) {
            type_dirties(e, w, RENDER_DEP_LOCAL, dirty);
        }
        return;
    }
    const char *id;
    SSET_FOR_EACH(id, &w->changed[FS_PORT])
    {
        struct render_dep *d =
            render_deps_find(&e->deps, RENDER_DEP_LOCAL, 0, id);
        if (d) {
            dep_dirties(w, d, dirty);
        }
    }
}

/* The units some of whose dependencies have another value than in the
 * previous run, found from what changed: the resources the snapshot's
 * 'changed' names, the kinds it says changed (network keys, SF ports,
 * ports of a network, scans), and every dependency that reads the facts
 * or the node-wide unit (rendered already in this run). */
static void find_dirty(struct fs_render_engine *e, const struct render_world *w,
                       struct hmapx *dirty)
{
    for (int k = 0; k < FS_N_KINDS; k++) {
        const char *id;
        SSET_FOR_EACH(id, &w->changed[k])
        {
            if (fs_render_engine_break == 3) {
                break;
            }
            struct render_dep *d =
                render_deps_find(&e->deps, RENDER_DEP_RES, k, id);
            if (d) {
                dep_dirties(w, d, dirty);
            }
        }
    }
    if (render_kind_changed(w, FS_NETWORK)) {
        type_dirties(e, w, RENDER_DEP_NET_KEY, dirty);
    }
    if (render_kind_changed(w, FS_PORT_PAIR)) {
        type_dirties(e, w, RENDER_DEP_SF, dirty);
    }
    if (render_kind_changed(w, FS_PORT)) {
        type_dirties(e, w, RENDER_DEP_NET_PORTS, dirty);
        type_dirties(e, w, RENDER_DEP_ROUTER_PORTS, dirty);
    }
    if (render_kind_changed(w, FS_ROUTER)) {
        type_dirties(e, w, RENDER_DEP_ROUTER_KEY, dirty);
    }
    struct hmapx_node *node;
    HMAPX_FOR_EACH(node, &e->deps.by_type[RENDER_DEP_SCAN])
    {
        struct render_dep *d = node->data;
        if (render_kind_changed(w, d->kind)) {
            dep_dirties(w, d, dirty);
        }
    }
    local_dirties(e, w, dirty);
    static const enum render_dep_type always[] = {
        RENDER_DEP_UPLINK,       RENDER_DEP_TUNNEL, RENDER_DEP_SLICE_NET,
        RENDER_DEP_SLICE_MEMBER, RENDER_DEP_ROUTED, RENDER_DEP_CHASSIS_MAC};
    for (size_t i = 0; i < ARRAY_SIZE(always); i++) {
        type_dirties(e, w, always[i], dirty);
    }
}

/* Adds units for the objects the snapshot's 'changed' names that have
 * none, renders them, and drops the units of those no longer in it.
 * Returns the number of units rendered. */
static size_t update_members(struct fs_render_engine *e, struct render_world *w,
                             struct hmapx *dirty)
{
    size_t rendered = 0;
    for (size_t k = 0; k < N_LISTS; k++) {
        struct unit_list *l = &e->lists[k];
        enum fs_kind kind = object_kind(list_kinds[k]);
        const char *id;
        SSET_FOR_EACH(id, &w->changed[kind])
        {
            bool present = fs_snapshot_find(w->snap, kind, id) != NULL;
            bool found;
            size_t i = list_find(l, id, &found);
            if (present && !found) {
                struct unit *u = new_unit(list_kinds[k], id);
                push_unit(l, NULL);
                memmove(&l->v[i + 1], &l->v[i], (l->n - 1 - i) * sizeof *l->v);
                l->v[i] = u;
                render_again(e, w, u);
                rendered++;
            } else if (!present && found) {
                struct unit *u = l->v[i];
                memmove(&l->v[i], &l->v[i + 1], (l->n - 1 - i) * sizeof *l->v);
                l->n--;
                hmapx_find_and_delete(dirty, u);
                drop(e, u);
            }
        }
    }
    return rendered;
}

/* Renders what changed in 'w'; returns the number of units rendered.
 * When the snapshot says what changed since the previous run ('changed',
 * the next generation of the same cache), only the units it can affect
 * are looked at; else every unit's dependencies are checked. */
static size_t render_changes(struct fs_render_engine *e, struct render_world *w,
                             bool fast)
{
    if (!e->node_unit) {
        e->node_unit = new_unit(RENDER_UNIT_NODE, "");
    }
    render_again(e, w, e->node_unit);
    size_t n = 1;
    if (fast) {
        struct hmapx dirty = HMAPX_INITIALIZER(&dirty);
        find_dirty(e, w, &dirty);
        if (fs_render_engine_break != 2) {
            n += update_members(e, w, &dirty);
        }
        struct hmapx_node *node;
        HMAPX_FOR_EACH(node, &dirty)
        {
            render_again(e, w, node->data);
            n++;
        }
        hmapx_destroy(&dirty);
        return n;
    }
    for (size_t k = 0; k < N_LISTS; k++) {
        n += update_list(e, w, list_kinds[k], &e->lists[k]);
    }
    return n;
}

static size_t count_units(const struct fs_render_engine *e)
{
    size_t n = e->node_unit != NULL;
    for (size_t k = 0; k < N_LISTS; k++) {
        n += e->lists[k].n;
    }
    return n;
}

/* Copies into 'd' (empty) the rows, notes and waiting count of every unit,
 * sorted. */
static void collect_rows(const struct fs_render_engine *e, struct fs_desired *d)
{
    struct render_out **outs = xcalloc(count_units(e) + 1, sizeof *outs);
    size_t n = 0;
    if (e->node_unit) {
        outs[n++] = e->node_unit->out;
    }
    for (size_t k = 0; k < N_LISTS; k++) {
        for (size_t i = 0; i < e->lists[k].n; i++) {
            outs[n++] = e->lists[k].v[i]->out;
        }
    }
    render_delta_rows(outs, n, &e->flows, d);
    free(outs);
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
    e->facts_same = e->run && e->facts_generation == facts->generation;
    e->run++;
    e->revision = snap->revision;
    e->facts_generation = facts->generation;

    struct render_world w;
    const struct sset *changed =
        snap->changed && snap->origin && snap->origin == e->snap_origin &&
                snap->generation == e->snap_generation + 1
            ? snap->changed
            : NULL;
    e->snap_origin = snap->origin;
    e->snap_generation = snap->generation;
    render_world_init_kept(&w, snap, node, facts, e->run, changed, &e->kept);
    /* Kept only for the snapshots of a cache: with fs_snapshot_build()'s
     * nothing says what changed, and keeping would only cost. */
    w.chain_spans = snap->origin ? e->chain_spans : NULL;
    struct fs_desired_delta *d = xzalloc(sizeof *d);
    d->revision = snap->revision;
    d->facts_generation = facts->generation;
    d->full = e->full;
    e->full = false;
    d->units_rendered = render_changes(e, &w, changed && e->node_unit);
    d->n_units = count_units(e);
    render_delta_changes(&e->flows, &e->groups, d);
    d->n_flows = render_claims_count(&e->flows);
    d->n_groups = render_claims_count(&e->groups);
    if (e->rows_dirty) {
        render_delta_clear_rows(&e->rows);
        collect_rows(e, &e->rows);
        e->rows_dirty = false;
    }
    render_delta_copy_rows(d, &e->rows);
    free_garbage(e);
    render_world_keep(&w, &e->kept);
    render_world_destroy(&w);
    return d;
}

struct fs_desired *fs_render_engine_current(const struct fs_render_engine *e)
{
    struct fs_desired *d = xzalloc(sizeof *d);
    d->revision = e->revision;
    d->facts_generation = e->facts_generation;
    render_delta_winners(&e->flows, &e->groups, d);
    collect_rows(e, d); /* Sorts the flows and groups too. */
    return d;
}

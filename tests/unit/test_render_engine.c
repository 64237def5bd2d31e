/* Unit tests for the incremental render engine (render/engine.h).
 *
 * The main one is an equivalence test: random worlds (tests/unit/rworld.h)
 * changed one random step at a time, hundreds of steps per seed; after
 * each step the engine's delta is applied to a mirror of the switch (flows
 * keyed by table/priority/match, groups by id), and the mirror, the
 * engine's current set and the delta's whole parts must equal fs_render()
 * of the same inputs.  The others check that a change costs what it
 * changes (units rendered), that a run with nothing changed is empty, the
 * claimants of a flow across units, reset, and the dependency kinds that
 * the random worlds do not reach. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>

#include "fixtures.h"
#include "rworld.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"
#include "render/deps.h"
#include "render/engine.h"
#include "render/internal.h"
#include "render/render.h"
#include "render_check.h"

/* The switch as the receiver of deltas sees it. */
struct mirror {
    struct shash flows;  /* "table/priority/match" -> struct mflow. */
    struct shash groups; /* "id" -> spec. */
};

/* A flow of the mirror. */
struct mflow {
    uint64_t cookie;
    char *actions;
};

static struct mflow *mflow_create(const struct fs_flow *f)
{
    struct mflow *m = xmalloc(sizeof *m);
    *m = (struct mflow){f->cookie, rc_actions(f)};
    return m;
}

static void mflow_destroy(struct mflow *m)
{
    if (m) {
        free(m->actions);
        free(m);
    }
}

static void mirror_init(struct mirror *m)
{
    shash_init(&m->flows);
    shash_init(&m->groups);
}

static void mirror_clear(struct mirror *m)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, &m->flows)
    {
        mflow_destroy(node->data);
    }
    shash_clear(&m->flows);
    shash_clear_free_data(&m->groups);
}

static void mirror_destroy(struct mirror *m)
{
    mirror_clear(m);
    shash_destroy(&m->flows);
    shash_destroy(&m->groups);
}

/* "table/priority/match", the match as printed. */
static char *flow_key(const struct fs_flow *f)
{
    char *match = rc_match(f);
    char *key = xasprintf("%u/%u/%s", f->table_id, f->priority, match);
    free(match);
    return key;
}

static char *group_key(uint32_t id)
{
    return xasprintf("%" PRIu32, id);
}

/* Applies 'd' to 'm'; a remove of something the mirror does not have is
 * an error. */
static void mirror_apply(struct mirror *m, const struct fs_desired_delta *d)
{
    if (d->full) {
        mirror_clear(m);
    }
    for (size_t i = 0; i < d->n_remove_flows; i++) {
        char *key = flow_key(&d->remove_flows[i]);
        struct mflow *old = shash_find_and_delete(&m->flows, key);
        if (!old) {
            print_error("removed flow %s was not there\n", key);
        }
        assert_non_null(old);
        mflow_destroy(old);
        free(key);
    }
    for (size_t i = 0; i < d->n_add_flows; i++) {
        char *key = flow_key(&d->add_flows[i]);
        mflow_destroy(shash_replace_nocopy(&m->flows, key,
                                           mflow_create(&d->add_flows[i])));
    }
    for (size_t i = 0; i < d->n_remove_groups; i++) {
        char *key = group_key(d->remove_groups[i]);
        char *old = shash_find_and_delete(&m->groups, key);
        assert_non_null(old);
        free(old);
        free(key);
    }
    for (size_t i = 0; i < d->n_add_groups; i++) {
        char *key = group_key(d->add_groups[i].group_id);
        free(shash_replace_nocopy(&m->groups, key,
                                  xstrdup(d->add_groups[i].spec)));
    }
}

/* Returns NULL if 'm' holds exactly the flows and groups of 'full', else
 * what differs (caller frees). */
static char *mirror_diff(const struct mirror *m, const struct fs_desired *full)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < full->n_flows && s.length < 2000; i++) {
        const struct fs_flow *want = &full->flows[i];
        char *key = flow_key(want);
        const struct mflow *have = shash_find_data(&m->flows, key);
        char *actions = rc_actions(want);
        if (!have || have->cookie != want->cookie ||
            strcmp(have->actions, actions)) {
            ds_put_format(&s,
                          "flow %s: mirror has %s (cookie 0x%" PRIx64
                          "), want %s (cookie 0x%" PRIx64 ")\n",
                          key, have ? have->actions : "nothing",
                          have ? have->cookie : 0, actions, want->cookie);
        }
        free(actions);
        free(key);
    }
    if (shash_count(&m->flows) != full->n_flows) {
        ds_put_format(&s, "mirror has %zu flows, want %zu\n",
                      shash_count(&m->flows), full->n_flows);
    }
    for (size_t i = 0; i < full->n_groups; i++) {
        char *key = group_key(full->groups[i].group_id);
        const char *have = shash_find_data(&m->groups, key);
        if (!have || strcmp(have, full->groups[i].spec)) {
            ds_put_format(&s, "group %s: mirror has %s, want %s\n", key,
                          have ? have : "nothing", full->groups[i].spec);
        }
        free(key);
    }
    if (shash_count(&m->groups) != full->n_groups) {
        ds_put_format(&s, "mirror has %zu groups, want %zu\n",
                      shash_count(&m->groups), full->n_groups);
    }
    return s.length ? ds_steal_cstr(&s) : (ds_destroy(&s), NULL);
}

static bool notes_equal(const struct fs_errors *a, const struct fs_errors *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->items[i].key, b->items[i].key) ||
            strcmp(a->items[i].path, b->items[i].path) ||
            strcmp(a->items[i].message, b->items[i].message)) {
            return false;
        }
    }
    return true;
}

/* Returns NULL if the OVSDB rows, notes and waiting count are the same,
 * else what differs (caller frees). */
static char *rows_diff(struct fs_ovsdb_port *const *ap, size_t an,
                       const struct fs_errors *anotes, size_t awaiting,
                       const struct fs_desired *b)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    bool same = an == b->n_ports;
    for (size_t i = 0; same && i < an; i++) {
        same = fs_ovsdb_port_equal(ap[i], b->ports[i]);
    }
    if (!same) {
        ds_put_format(&s, "OVSDB ports differ (%zu vs %zu)\n", an, b->n_ports);
    }
    if (!notes_equal(anotes, &b->notes)) {
        ds_put_format(&s, "notes differ (%zu vs %zu):\n", anotes->n,
                      b->notes.n);
        for (size_t i = 0; i < anotes->n; i++) {
            ds_put_format(&s, "  have %s %s\n", anotes->items[i].key,
                          anotes->items[i].message);
        }
        for (size_t i = 0; i < b->notes.n; i++) {
            ds_put_format(&s, "  want %s %s\n", b->notes.items[i].key,
                          b->notes.items[i].message);
        }
    }
    if (awaiting != b->n_waiting) {
        ds_put_format(&s, "waiting %zu vs %zu\n", awaiting, b->n_waiting);
    }
    return s.length ? ds_steal_cstr(&s) : (ds_destroy(&s), NULL);
}

/* Returns NULL if the 'an' bridges 'ab' are 'b''s, else what differs. */
static char *bridges_diff(struct fs_ovsdb_bridge *const *ab, size_t an,
                          const struct fs_desired *b)
{
    bool same = an == b->n_bridges;
    for (size_t i = 0; same && i < an; i++) {
        same = fs_ovsdb_bridge_equal(ab[i], b->bridges[i]);
    }
    return same ? NULL
                : xasprintf("OVSDB bridges differ (%zu vs %zu)\n", an,
                            b->n_bridges);
}

static bool flows_equal(const struct fs_flow *a, const struct fs_flow *b)
{
    return fs_flow_equal(a, b);
}

/* Returns NULL if 'a' and 'b' are the same desired set, else what differs
 * (caller frees). */
static char *desired_diff(const struct fs_desired *a,
                          const struct fs_desired *b)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < MAX(a->n_flows, b->n_flows); i++) {
        if (i < a->n_flows && i < b->n_flows &&
            flows_equal(&a->flows[i], &b->flows[i])) {
            continue;
        }
        char *fa = i < a->n_flows ? fs_flow_to_string(&a->flows[i]) : NULL;
        char *fb = i < b->n_flows ? fs_flow_to_string(&b->flows[i]) : NULL;
        ds_put_format(&s, "flow %zu: %s\n    vs %s\n", i, fa ? fa : "-",
                      fb ? fb : "-");
        free(fa);
        free(fb);
        break; /* The first difference is enough. */
    }
    for (size_t i = 0; i < MAX(a->n_groups, b->n_groups); i++) {
        if (i >= a->n_groups || i >= b->n_groups ||
            a->groups[i].group_id != b->groups[i].group_id ||
            strcmp(a->groups[i].spec, b->groups[i].spec)) {
            ds_put_format(&s, "group %zu differs\n", i);
            break;
        }
    }
    char *rows = rows_diff(a->ports, a->n_ports, &a->notes, a->n_waiting, b);
    if (rows) {
        ds_put_cstr(&s, rows);
        free(rows);
    }
    rows = bridges_diff(a->bridges, a->n_bridges, b);
    if (rows) {
        ds_put_cstr(&s, rows);
        free(rows);
    }
    if (a->revision != b->revision ||
        a->facts_generation != b->facts_generation) {
        ds_put_cstr(&s, "revision or facts generation differs\n");
    }
    return s.length ? ds_steal_cstr(&s) : (ds_destroy(&s), NULL);
}

/* Fails with 'what' and the context if 'diff' is not NULL. */
/* test_breaks_are_caught(): a difference is recorded in 'broke' (with
 * what it was) instead of failing the test. */
static bool expect_break, broke;
static char broke_what[256];

static void check(char *diff, const char *what, uint64_t seed, int step,
                  const struct rworld *w)
{
    if (diff && expect_break) {
        if (!broke) {
            snprintf(broke_what, sizeof broke_what,
                     "seed %" PRIu64 " step %d (%s): %s", seed, step, w->what,
                     what);
        }
        broke = true;
        free(diff);
    } else if (diff) {
        print_error("seed %" PRIu64 " step %d (%s): %s:\n%s", seed, step,
                    w->what, what, diff);
        free(diff);
        fail();
    }
}

static bool delta_empty(const struct fs_desired_delta *d)
{
    return !d->n_add_flows && !d->n_remove_flows && !d->n_add_groups &&
           !d->n_remove_groups;
}

/* What the random runs saw, to check that they saw enough. */
struct coverage {
    size_t steps, groups, chain_flows, notes, partial_runs, removes;
    size_t with_chains; /* Steps whose desired set has table 15 flows. */
    /* Steps whose desired set has tunnel ports, head-end replication
     * (table 57), chain arrivals from tunnels (table 16). */
    size_t with_tunnels, with_tunnel_flood, with_arrivals;
    /* Steps whose desired set has a slice bridge, table 5 flows. */
    size_t with_slices, with_slice_flows;
    /* Steps whose desired set routes (table 22), resolves neighbors
     * (table 23). */
    size_t with_routes, with_neighbors;
};

/* Counts what of the overlay 'full' has in 'cov'. */
static void count_overlay(struct coverage *cov, const struct fs_desired *full)
{
    bool tunnels = false, flood = false, arrivals = false;
    for (size_t i = 0; i < full->n_ports; i++) {
        tunnels |= !strncmp(full->ports[i]->name, FS_TUNNEL_PREFIX,
                            strlen(FS_TUNNEL_PREFIX));
    }
    for (size_t i = 0; i < full->n_flows; i++) {
        flood |= full->flows[i].table_id == FS_T_TUNNEL_FLOOD;
        arrivals |= full->flows[i].table_id == FS_T_SFC_REMOTE;
    }
    cov->with_slices += full->n_bridges > 0;
    for (size_t i = 0; i < full->n_flows; i++) {
        if (full->flows[i].table_id == FS_T_SLICE) {
            cov->with_slice_flows++;
            break;
        }
    }
    cov->with_tunnels += tunnels;
    cov->with_tunnel_flood += flood;
    cov->with_arrivals += arrivals;
    bool routes = false, neighbors = false;
    for (size_t i = 0; i < full->n_flows; i++) {
        routes |= full->flows[i].table_id == FS_T_ROUTING;
        neighbors |= full->flows[i].table_id == FS_T_NEIGHBOR;
    }
    cov->with_routes += routes;
    cov->with_neighbors += neighbors;
}

/* The snapshot cache of checked_run(): the engine then runs on the
 * incremental snapshot, as in flowsteerd (and skips what its 'changed'
 * says did not change), fs_render() on fs_snapshot_build()'s; NULL: both
 * on fs_snapshot_build()'s. */
static struct fs_snapshot_cache *run_cache;

/* One run of 'e' on world 'w', checked against fs_render(); returns the
 * delta (caller frees).  'cov' (may be NULL) counts steps with chains. */
static struct fs_desired_delta *checked_run(struct fs_render_engine *e,
                                            struct mirror *m, struct rworld *w,
                                            uint64_t seed, int step,
                                            struct coverage *cov)
{
    struct fs_snapshot *s = fs_snapshot_build(w->model);
    const struct fs_snapshot *es =
        run_cache ? fs_snapshot_update(run_cache, w->model) : s;
    struct fs_desired_delta *d =
        fs_render_engine_run(e, es, &w->node, &w->facts);
    struct fs_desired *full = fs_render(s, &w->node, &w->facts);
    struct fs_desired *cur = fs_render_engine_current(e);
    mirror_apply(m, d);
    check(mirror_diff(m, full), "mirror vs fs_render()", seed, step, w);
    check(desired_diff(cur, full), "current vs fs_render()", seed, step, w);
    check(rows_diff(d->ports, d->n_ports, &d->notes, d->n_waiting, full),
          "delta rows vs fs_render()", seed, step, w);
    check(bridges_diff(d->bridges, d->n_bridges, full),
          "delta bridges vs fs_render()", seed, step, w);
    if (broke) {
        fs_desired_destroy(cur);
        fs_desired_destroy(full);
        fs_snapshot_destroy(s);
        return d;
    }
    assert_int_equal(d->n_flows, full->n_flows);
    assert_int_equal(d->n_groups, full->n_groups);
    assert_int_equal(d->revision, s->revision);
    assert_int_equal(d->facts_generation, w->facts.generation);
    assert_true(d->units_rendered <= d->n_units);
    if (cov) {
        count_overlay(cov, full);
    }
    for (size_t i = 0; cov && i < full->n_flows; i++) {
        if (full->flows[i].table_id == FS_T_SFC_FWD) {
            cov->with_chains++;
            break;
        }
    }
    fs_desired_destroy(cur);
    fs_desired_destroy(full);
    fs_snapshot_destroy(s);
    return d;
}

static void run_seed(uint64_t seed, struct rw_sizes sizes, int steps,
                     struct coverage *cov)
{
    struct rworld w;
    struct mirror m;
    struct fs_render_engine *e = fs_render_engine_create();
    rw_init(&w, seed, sizes);
    mirror_init(&m);
    for (int step = 0; step < steps; step++) {
        if (step) {
            rw_step(&w);
        }
        struct fs_desired_delta *d = checked_run(e, &m, &w, seed, step, cov);
        if (broke) {
            fs_desired_delta_destroy(d);
            break;
        }
        assert_true(d->full == !step);
        cov->steps++;
        cov->groups += d->n_groups > 0;
        cov->notes += d->notes.n > 0;
        cov->removes += d->n_remove_flows > 0;
        cov->partial_runs += d->units_rendered < d->n_units;
        for (size_t i = 0; i < d->n_add_flows; i++) {
            cov->chain_flows += d->add_flows[i].table_id == FS_T_SFC_FWD;
        }
        fs_desired_delta_destroy(d);
        if (step % 7 == 3) {
            /* Nothing changed: nothing to do but the node-wide unit. */
            d = checked_run(e, &m, &w, seed, step, NULL);
            if (broke) {
                fs_desired_delta_destroy(d);
                break;
            }
            assert_true(delta_empty(d));
            assert_false(d->full);
            assert_int_equal(d->units_rendered, 1);
            fs_desired_delta_destroy(d);
        }
    }
    mirror_destroy(&m);
    fs_render_engine_destroy(e);
    rw_destroy(&w);
}

/* Random worlds, random steps: the engine always equals a full render,
 * with snapshots of fs_snapshot_build() (odd seeds) or of an incremental
 * snapshot cache, as flowsteerd has them (even seeds). */
static void test_equivalence(void **state)
{
    struct coverage cov = {0};
    for (uint64_t seed = 1; seed <= 12; seed++) {
        run_cache = seed % 2 ? NULL : fs_snapshot_cache_create();
        run_seed(seed, (struct rw_sizes){6, 32, 20, 10, 12, 5, 0}, 300, &cov);
        fs_snapshot_cache_destroy(run_cache);
        run_cache = NULL;
    }
    /* Smaller pools: more collisions between MACs, ofports, chain ids. */
    for (uint64_t seed = 101; seed <= 106; seed++) {
        run_cache = seed % 2 ? NULL : fs_snapshot_cache_create();
        run_seed(seed, (struct rw_sizes){3, 12, 8, 4, 6, 3, 0}, 250, &cov);
        fs_snapshot_cache_destroy(run_cache);
        run_cache = NULL;
    }
    print_message("%zu steps: %zu with chains, %zu with groups, %zu with "
                  "notes, %zu partial runs, %zu removing flows, %zu table-15 "
                  "flows added\n",
                  cov.steps, cov.with_chains, cov.groups, cov.notes,
                  cov.partial_runs, cov.removes, cov.chain_flows);
    print_message("%zu steps with tunnels, %zu with table 57, %zu with "
                  "table 16\n",
                  cov.with_tunnels, cov.with_tunnel_flood, cov.with_arrivals);
    print_message("%zu steps with slice bridges, %zu with table 5\n",
                  cov.with_slices, cov.with_slice_flows);
    /* With routers (subnets, interfaces, routes, chassis MACs). */
    struct coverage l3 = {0};
    for (uint64_t seed = 201; seed <= 208; seed++) {
        run_cache = seed % 2 ? NULL : fs_snapshot_cache_create();
        run_seed(seed, (struct rw_sizes){5, 24, 10, 5, 6, 3, 2}, 250, &l3);
        fs_snapshot_cache_destroy(run_cache);
        run_cache = NULL;
    }
    print_message("routers: %zu steps, %zu with table 22, %zu with table 23, "
                  "%zu partial runs\n",
                  l3.steps, l3.with_routes, l3.with_neighbors, l3.partial_runs);
    assert_true(l3.with_routes > l3.steps / 4);
    assert_true(l3.with_neighbors > l3.steps / 4);
    assert_true(l3.partial_runs > l3.steps * 8 / 10);
    /* The worlds must exercise what they are meant to. */
    assert_true(cov.with_slices > cov.steps / 4);
    assert_true(cov.with_slice_flows > cov.steps / 8);
    assert_true(cov.groups > cov.steps / 20);
    assert_true(cov.chain_flows > 100);
    assert_true(cov.partial_runs > cov.steps * 9 / 10);
    assert_true(cov.with_tunnels > cov.steps / 4);
    assert_true(cov.with_tunnel_flood > cov.steps / 15);
    assert_true(cov.with_arrivals > cov.steps / 20);
}

/* The networking-sfc example (examples/sfc/) on node1, every port plugged,
 * path id 1. */
struct example {
    struct fs_model *model;
    struct fs_local_facts facts;
    struct fs_render_node node;
    int64_t rev;
};

static void example_init(struct example *x)
{
    x->model = fs_model_create();
    assert_int_equal(fixture_load_example(x->model, "json"), 16);
    fixture_put_at(x->model, FS_KEYS_CHAIN_PATHS EX_PC1, "1", 200);
    fixture_put_at(x->model, FS_KEYS_PATH_IDS "1", EX_PC1, 200);
    x->rev = 200;
    fs_local_facts_init(&x->facts);
    static const char *const ids[] = {EX_SRC,  EX_DST,  EX_P(1), EX_P(2),
                                      EX_P(3), EX_P(4), EX_P(5), EX_P(6)};
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        simap_put(&x->facts.ofports, ids[i], 1 + i);
    }
    x->node = (struct fs_render_node){.name = "node1",
                                      .integration_bridge = "br-int"};
}

static void example_destroy(struct example *x)
{
    fs_model_destroy(x->model);
    fs_local_facts_destroy(&x->facts);
}

/* Puts 'value' at 'key' with the next revision. */
static void example_put(struct example *x, const char *key, const char *value)
{
    x->rev++;
    fixture_put_at(x->model, key, value, x->rev);
}

static struct fs_desired_delta *example_run(struct example *x,
                                            struct fs_render_engine *e)
{
    struct fs_snapshot *s = fs_snapshot_build(x->model);
    assert_int_equal(s->errors.n, 0);
    struct fs_desired_delta *d =
        fs_render_engine_run(e, s, &x->node, &x->facts);
    struct fs_desired *full = fs_render(s, &x->node, &x->facts);
    struct fs_desired *cur = fs_render_engine_current(e);
    char *diff = desired_diff(cur, full);
    if (diff) {
        print_error("%s", diff);
    }
    assert_null(diff);
    fs_desired_destroy(cur);
    fs_desired_destroy(full);
    fs_snapshot_destroy(s);
    return d;
}

#define FC_KEY "/flowsteer/v1/flow_classifiers/" EX_FC1

/* A change to one chain's classifier renders that chain's unit alone (and
 * the node-wide unit, every run); the delta holds only table 10 flows of
 * the chain. */
static void test_classifier_change_renders_one_unit(void **state)
{
    struct example x;
    example_init(&x);
    struct fs_render_engine *e = fs_render_engine_create();
    struct fs_desired_delta *d = example_run(&x, e);
    assert_true(d->full);
    assert_int_equal(d->units_rendered, d->n_units);
    assert_int_equal(d->n_units, 1 + 8 + 1 + 1); /* node, ports, net, chain */
    assert_int_equal(d->n_add_flows, d->n_flows);
    fs_desired_delta_destroy(d);

    example_put(&x, FC_KEY,
                "{\"flow_classifier\": {\"id\": \"" EX_FC1 "\", "
                "\"protocol\": \"udp\", \"destination_port_range_min\": 53, "
                "\"logical_source_port\": \"" EX_SRC "\"}}");
    d = example_run(&x, e);
    assert_false(d->full);
    assert_int_equal(d->units_rendered, 2);
    assert_true(d->n_add_flows > 0 && d->n_remove_flows > 0);
    for (size_t i = 0; i < d->n_add_flows; i++) {
        assert_int_equal(d->add_flows[i].table_id, FS_T_SFC_CLASS);
        assert_int_equal(d->add_flows[i].cookie, FS_COOKIE(FS_COOKIE_SFC, 1));
        assert_true(rc_match_has(&d->add_flows[i], "udp,udp_dst=53"));
    }
    for (size_t i = 0; i < d->n_remove_flows; i++) {
        assert_int_equal(d->remove_flows[i].table_id, FS_T_SFC_CLASS);
        assert_null(d->remove_flows[i].ofpacts);
        assert_int_equal(d->remove_flows[i].ofpacts_len, 0);
    }
    assert_int_equal(d->n_add_groups + d->n_remove_groups, 0);
    fs_desired_delta_destroy(d);

    /* Nothing changed. */
    d = example_run(&x, e);
    assert_true(delta_empty(d));
    assert_int_equal(d->units_rendered, 1);
    fs_desired_delta_destroy(d);
    fs_render_engine_destroy(e);
    example_destroy(&x);
}

/* An ofport change of an SF port renders its port unit, its network's unit
 * and the chain, nothing else; a MAC change of the destination renders its
 * port unit only (a flood depends on which ports are plugged, not on their
 * MACs). */
static void test_targeted_changes(void **state)
{
    struct example x;
    example_init(&x);
    struct fs_render_engine *e = fs_render_engine_create();
    fs_desired_delta_destroy(example_run(&x, e));

    simap_put(&x.facts.ofports, EX_P(5), 42);
    x.facts.generation++;
    struct fs_desired_delta *d = example_run(&x, e);
    assert_int_equal(d->units_rendered, 1 + 1 + 1 + 1);
    assert_true(d->n_add_flows > 0 && d->n_remove_flows > 0);
    fs_desired_delta_destroy(d);

    example_put(&x, "/flowsteer/v1/ports/" EX_DST,
                "{\"port\": {\"id\": \"" EX_DST "\", \"network_id\": \"" EX_NET
                "\", \"mac_address\": \"fa:16:3e:00:00:b2\", "
                "\"binding:host_id\": \"node1\", "
                "\"fixed_ips\": [{\"ip_address\": \"172.4.5.6\"}]}}");
    d = example_run(&x, e);
    assert_int_equal(d->units_rendered, 2);
    assert_true(d->n_add_flows > 0);
    fs_desired_delta_destroy(d);
    fs_render_engine_destroy(e);
    example_destroy(&x);
}

/* Two ports deliver the same MAC on one network: the first by id wins and
 * the second is noted; when the first goes, the second's flow takes its
 * place as a changed flow (same key, new actions). */
static void test_claimant_takes_over(void **state)
{
    struct example x;
    example_init(&x);
    const char *mac = "fa:16:3e:00:00:a2"; /* EX_DST's. */
    const char *mac_match = "dl_dst=fa:16:3e:00:00:a2";
    char *v = xasprintf("{\"port\": {\"id\": \"zz\", \"network_id\": \"" EX_NET
                        "\", \"mac_address\": \"%s\", "
                        "\"binding:host_id\": \"node1\"}}",
                        mac);
    example_put(&x, "/flowsteer/v1/ports/zz", v);
    free(v);
    simap_put(&x.facts.ofports, "zz", 9);
    struct fs_render_engine *e = fs_render_engine_create();
    struct fs_desired_delta *d = example_run(&x, e);
    bool noted = false;
    for (size_t i = 0; i < d->notes.n; i++) {
        noted |= !strcmp(d->notes.items[i].key, "/flowsteer/v1/ports/zz") &&
                 strstr(d->notes.items[i].message, mac);
    }
    assert_true(noted);
    fs_desired_delta_destroy(d);

    assert_true(fixture_delete(x.model, "/flowsteer/v1/ports/" EX_DST));
    d = example_run(&x, e);
    bool moved = false;
    for (size_t i = 0; i < d->n_add_flows; i++) {
        const struct fs_flow *f = &d->add_flows[i];
        if (f->table_id == FS_T_L2 && rc_match_has(f, mac_match)) {
            assert_true(rc_actions_are(f, "set_field:9->reg7,goto_table:75"));
            moved = true;
        }
    }
    for (size_t i = 0; i < d->n_remove_flows; i++) {
        const struct fs_flow *f = &d->remove_flows[i];
        assert_false(f->table_id == FS_T_L2 && rc_match_has(f, mac_match));
    }
    assert_true(moved);
    assert_int_equal(d->notes.n, 0);
    fs_desired_delta_destroy(d);
    fs_render_engine_destroy(e);
    example_destroy(&x);
}

/* After a reset, and after a change of node, the delta is full. */
static void test_reset_and_node_change(void **state)
{
    struct example x;
    example_init(&x);
    struct fs_render_engine *e = fs_render_engine_create();
    struct fs_desired_delta *d = example_run(&x, e);
    size_t n_flows = d->n_flows;
    fs_desired_delta_destroy(d);

    fs_render_engine_reset(e);
    d = example_run(&x, e);
    assert_true(d->full);
    assert_int_equal(d->n_add_flows, n_flows);
    assert_int_equal(d->n_remove_flows, 0);
    fs_desired_delta_destroy(d);

    x.node.name = "node2";
    d = example_run(&x, e);
    assert_true(d->full);
    assert_int_equal(d->n_flows, 0); /* Nothing is bound to node2. */
    fs_desired_delta_destroy(d);
    fs_render_engine_destroy(e);
    example_destroy(&x);
}

/* "net-5720" and "net-5951" have the same 24 low bits of hash_string(): the
 * network with the larger id probes to the next key when the other one
 * appears, and everything that read its key is rendered again. */
static void test_net_key_collision(void **state)
{
    struct example x;
    example_init(&x);
    example_put(&x, "/flowsteer/v1/networks/net-5951",
                "{\"network\": {\"id\": \"net-5951\"}}");
    example_put(&x, "/flowsteer/v1/ports/pq",
                "{\"port\": {\"id\": \"pq\", \"network_id\": \"net-5951\", "
                "\"mac_address\": \"fa:16:3e:00:00:99\", "
                "\"binding:host_id\": \"node1\"}}");
    simap_put(&x.facts.ofports, "pq", 9);
    struct fs_render_engine *e = fs_render_engine_create();
    fs_desired_delta_destroy(example_run(&x, e));

    example_put(&x, "/flowsteer/v1/networks/net-5720",
                "{\"network\": {\"id\": \"net-5720\"}}");
    struct fs_desired_delta *d = example_run(&x, e);
    /* node-wide, net-5720 (new), net-5951 and its port pq. */
    assert_int_equal(d->units_rendered, 4);
    bool moved = false;
    for (size_t i = 0; i < d->n_add_flows; i++) {
        moved |= rc_match_has(&d->add_flows[i], "metadata=0x164ff97");
    }
    assert_true(moved);
    fs_desired_delta_destroy(d);
    fs_render_engine_destroy(e);
    example_destroy(&x);
}

/* render_scan() (no unit uses it yet): its dependency changes with any
 * resource of the kind, and only then. */
static void test_scan_dependency(void **state)
{
    struct example x;
    example_init(&x);
    struct render_deps deps;
    render_deps_init(&deps);
    struct fs_snapshot *s = fs_snapshot_build(x.model);
    struct render_world w;
    render_world_init(&w, s, &x.node, &x.facts, 1);
    struct render_rec rec;
    render_rec_start(&rec, &deps, NULL);
    struct render_ctx ctx = {.w = &w, .rec = &rec};
    size_t n;
    const struct fs_port *ports = render_scan(&ctx, FS_PORT, &n);
    assert_int_equal(n, 8);
    assert_ptr_equal(ports, s->ports);
    render_scan(&ctx, FS_PORT, &n);
    assert_int_equal(rec.n, 1); /* Listed once. */
    render_world_destroy(&w);
    fs_snapshot_destroy(s);

    /* Same world, new run: unchanged.  A port changed: changed. */
    const int64_t stamps[] = {2, 3};
    for (int i = 0; i < 2; i++) {
        if (i) {
            example_put(&x, "/flowsteer/v1/ports/" EX_P(1),
                        "{\"port\": {\"id\": \"" EX_P(
                            1) "\", "
                               "\"network_id\": \"" EX_NET "\"}}");
        }
        s = fs_snapshot_build(x.model);
        render_world_init(&w, s, &x.node, &x.facts, stamps[i]);
        assert_int_equal(render_deps_changed(&w, rec.refs, rec.n), i == 1);
        render_world_destroy(&w);
        fs_snapshot_destroy(s);
    }
    render_deps_release(&deps, rec.refs, rec.n, NULL);
    free(rec.refs);
    assert_true(hmap_is_empty(&deps.map));
    render_deps_destroy(&deps);
    example_destroy(&x);
}

/* Each deliberate break of the engine's runs on the incremental snapshot
 * (fs_render_engine_break) must be caught by the equivalence checks of
 * test_equivalence's seeds that use a snapshot cache. */
static void test_breaks_are_caught(void **state)
{
    static const char *const breaks[] = {
        [1] = "local ofports (facts) not looked at again",
        [2] = "units of new or gone objects not made or dropped",
        [3] = "resources the snapshot says changed not looked at",
    };
    for (int b = 1; b < (int)ARRAY_SIZE(breaks); b++) {
        struct coverage cov = {0};
        fs_render_engine_break = b;
        expect_break = true;
        broke = false;
        for (uint64_t seed = 2; !broke && seed <= 12; seed += 2) {
            run_cache = fs_snapshot_cache_create();
            run_seed(seed, (struct rw_sizes){6, 32, 20, 10, 12, 5, 0}, 300,
                     &cov);
            fs_snapshot_cache_destroy(run_cache);
            run_cache = NULL;
        }
        fs_render_engine_break = 0;
        expect_break = false;
        if (!broke) {
            fail_msg("break %d (%s) was not caught", b, breaks[b]);
        }
        print_message("break %d (%s) caught: %s\n", b, breaks[b], broke_what);
        broke = false;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equivalence),
        cmocka_unit_test(test_breaks_are_caught),
        cmocka_unit_test(test_classifier_change_renders_one_unit),
        cmocka_unit_test(test_targeted_changes),
        cmocka_unit_test(test_claimant_takes_over),
        cmocka_unit_test(test_reset_and_node_change),
        cmocka_unit_test(test_net_key_collision),
        cmocka_unit_test(test_scan_dependency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

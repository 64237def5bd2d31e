/* The incremental snapshot (model/incremental.c) against the reference,
 * fs_snapshot_build(): random worlds (rworld.h) changed by long random
 * sequences of puts and deletes (one at a time and in bursts, with
 * documents that do not parse, keys that name no resource, allocation
 * keys, relists), and after every update the two snapshots must be equal:
 * every array element byte for byte and in order, by_id, errors, path
 * ids, VNIs, pending and orphan lists, used path ids and VNIs,
 * chain_of_group.  Then each deliberate break of the cache
 * (fs_snapshot_cache_break) must be caught by the same comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bitmap.h"
#include "rworld.h"

static const char *const kind_arrays[] = {
    "networks",         "ports",
    "chassis",          "port_pairs",
    "port_pair_groups", "flow_classifiers",
    "port_chains",      "slices",
    "flowspaces",       "subnets",
    "routers"};

static size_t kind_size(enum fs_kind kind)
{
    static const size_t sizes[FS_N_KINDS] = {
        sizeof(struct fs_network),         sizeof(struct fs_port),
        sizeof(struct fs_chassis),         sizeof(struct fs_port_pair),
        sizeof(struct fs_port_pair_group), sizeof(struct fs_flow_classifier),
        sizeof(struct fs_port_chain),      sizeof(struct fs_slice),
        sizeof(struct fs_flowspace),       sizeof(struct fs_subnet),
        sizeof(struct fs_router)};
    return sizes[kind];
}

/* memcmp() of 'n' bytes, NULL allowed when 'n' is 0. */
static int mem_differ(const void *a, const void *b, size_t n)
{
    return n ? memcmp(a, b, n) : 0;
}

static bool same_names(char **a, char **b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(a[i], b[i])) {
            return false;
        }
    }
    return true;
}

/* Returns NULL if 'inc' equals 'ref', else what differs (static). */
static const char *snapshot_diff(const struct fs_snapshot *ref,
                                 const struct fs_snapshot *inc)
{
    static char why[256];
    if (ref->revision != inc->revision) {
        return "revision";
    }
    for (int k = 0; k < FS_N_KINDS; k++) {
        size_t na, nb;
        const char *a = fs_snapshot_array(ref, k, &na),
                   *b = fs_snapshot_array(inc, k, &nb);
        size_t size = kind_size(k);
        if (na != nb) {
            snprintf(why, sizeof why, "%s: %zu resources, incremental %zu",
                     kind_arrays[k], na, nb);
            return why;
        }
        for (size_t i = 0; i < na; i++) {
            const struct fs_meta *ma = (const void *)(a + i * size);
            const struct fs_meta *mb = (const void *)(b + i * size);
            if (memcmp(a + i * size, b + i * size, size)) {
                snprintf(why, sizeof why, "%s[%zu]: %s, incremental %s",
                         kind_arrays[k], i, ma->id, mb->id);
                return why;
            }
            if (shash_find_data(&inc->by_id[k], mb->id) != mb) {
                snprintf(why, sizeof why, "%s: by_id of %s", kind_arrays[k],
                         mb->id);
                return why;
            }
        }
        if (shash_count(&ref->by_id[k]) != shash_count(&inc->by_id[k])) {
            snprintf(why, sizeof why, "%s: by_id count", kind_arrays[k]);
            return why;
        }
    }
    if (!fs_errors_equal(&ref->errors, &inc->errors)) {
        size_t i = 0;
        while (i < ref->errors.n && i < inc->errors.n &&
               !strcmp(ref->errors.items[i].message,
                       inc->errors.items[i].message) &&
               !strcmp(ref->errors.items[i].key, inc->errors.items[i].key)) {
            i++;
        }
        snprintf(why, sizeof why, "errors (%zu, incremental %zu), at %zu: %s",
                 ref->errors.n, inc->errors.n, i,
                 i < ref->errors.n   ? ref->errors.items[i].key
                 : i < inc->errors.n ? inc->errors.items[i].key
                                     : "");
        return why;
    }
    if (ref->n_pending_chains != inc->n_pending_chains ||
        !same_names(ref->pending_chains, inc->pending_chains,
                    ref->n_pending_chains)) {
        return "pending chains";
    }
    if (ref->n_orphans != inc->n_orphans ||
        !same_names(ref->orphan_chains, inc->orphan_chains, ref->n_orphans) ||
        mem_differ(ref->orphan_path_ids, inc->orphan_path_ids,
                   ref->n_orphans * sizeof *ref->orphan_path_ids)) {
        return "orphan chains";
    }
    if (ref->n_pending_networks != inc->n_pending_networks ||
        !same_names(ref->pending_networks, inc->pending_networks,
                    ref->n_pending_networks)) {
        return "pending networks";
    }
    if (ref->n_orphan_vnis != inc->n_orphan_vnis ||
        !same_names(ref->orphan_networks, inc->orphan_networks,
                    ref->n_orphan_vnis) ||
        mem_differ(ref->orphan_vnis, inc->orphan_vnis,
                   ref->n_orphan_vnis * sizeof *ref->orphan_vnis)) {
        return "orphan VNIs";
    }
    if (ref->n_used_vnis != inc->n_used_vnis ||
        mem_differ(ref->used_vnis, inc->used_vnis,
                   ref->n_used_vnis * sizeof *ref->used_vnis)) {
        return "used VNIs";
    }
    if (!bitmap_equal(ref->used_path_ids, inc->used_path_ids,
                      FS_MAX_CHAIN_ID + 1)) {
        return "used path ids";
    }
    if (shash_count(&ref->chain_of_group) !=
        shash_count(&inc->chain_of_group)) {
        return "chain_of_group count";
    }
    const struct shash_node *node;
    SHASH_FOR_EACH(node, &ref->chain_of_group)
    {
        const struct fs_port_chain *a = node->data;
        const struct fs_port_chain *b =
            fs_snapshot_chain_of_group(inc, node->name);
        if (!b || strcmp(a->meta.id, b->meta.id) ||
            b != fs_snapshot_find(inc, FS_PORT_CHAIN, b->meta.id)) {
            return "chain_of_group";
        }
    }
    return NULL;
}

/* What one run covered, so the test shows it exercised something. */
struct coverage {
    size_t updates, errors, rejected_chains, pending, orphans, flowspaces;
};

/* Puts every resource of the pools again (after a relist). */
static void reput_all(struct rworld *w)
{
    for (int i = 0; i < w->sizes.networks; i++) {
        rw_network(w, i);
    }
    for (int i = 0; i < w->sizes.ports; i++) {
        rw_port(w, i);
    }
    for (int i = 0; i < w->sizes.pairs; i++) {
        rw_pair(w, i);
    }
    for (int i = 0; i < w->sizes.groups; i++) {
        rw_group(w, i);
    }
    for (int i = 0; i < w->sizes.classifiers; i++) {
        rw_classifier(w, i);
    }
    for (int i = 0; i < w->sizes.chains; i++) {
        rw_chain(w, i);
    }
    for (int i = 0; i < 2; i++) {
        rw_slice(w, i);
    }
}

/* One random change of the model, beyond rw_step(): documents that do
 * not parse, keys that name no resource, a relist. */
static void model_step(struct rworld *w)
{
    static const char *const kinds[] = {
        "networks",         "ports",       "port_pairs", "port_pair_groups",
        "flow_classifiers", "port_chains", "slices",     "flowspaces"};
    static const char *const prefixes[] = {"net", "port", "pp", "pg",
                                           "fc",  "pc",   "sl", "fs"};
    int r = rw_pick(w, 100);
    if (r < 5) {
        int k = rw_pick(w, ARRAY_SIZE(kinds));
        int n = rw_pick(w, 4);
        char *key =
            k == 1 ? xasprintf(FS_PREFIX "ports/port-%02d", n)
                   : xasprintf(FS_PREFIX "%s/%s-%d", kinds[k], prefixes[k], n);
        rw_put(w, key, rw_chance(w, 50) ? "{\"broken\": " : "[1, 2]");
        snprintf(w->what, sizeof w->what, "garbage at %s", key);
        free(key);
    } else if (r < 8) {
        char *key = xasprintf(FS_PREFIX "gadgets/g-%d", rw_pick(w, 3));
        if (rw_chance(w, 60)) {
            rw_put(w, key, "{}");
        } else {
            rw_delete(w, key);
        }
        snprintf(w->what, sizeof w->what, "bad key %s", key);
        free(key);
    } else if (r < 9) {
        fs_model_clear(w->model);
        simap_clear(&w->created);
        if (rw_chance(w, 70)) {
            reput_all(w);
        }
        snprintf(w->what, sizeof w->what, "relist");
    } else if (r < 12) {
        rw_vni(w, rw_pick(w, w->sizes.networks));
        snprintf(w->what, sizeof w->what, "VNI allocation");
    } else {
        rw_step(w);
    }
}

/* Runs 'steps' random steps on a world of 'sizes' from 'seed', updating
 * the cache every step or after a burst, and compares with the reference
 * after each update.  Returns the first difference (with what was done),
 * or NULL. */
static char *run_seed(uint64_t seed, struct rw_sizes sizes, int steps,
                      struct coverage *cov)
{
    struct rworld w;
    rw_init(&w, seed, sizes);
    struct fs_snapshot_cache *cache = fs_snapshot_cache_create();
    char *failure = NULL;
    char what[2048] = "";
    for (int step = 0; step <= steps && !failure; step++) {
        if (step) {
            int burst = rw_chance(&w, 80) ? 1 : 2 + rw_pick(&w, 6);
            what[0] = '\0';
            for (int i = 0; i < burst; i++) {
                model_step(&w);
                size_t len = strlen(what);
                snprintf(what + len, sizeof what - len, "%s%s", i ? "; " : "",
                         w.what);
            }
        }
        const struct fs_snapshot *inc = fs_snapshot_update(cache, w.model);
        struct fs_snapshot *ref = fs_snapshot_build(w.model);
        const char *diff = snapshot_diff(ref, inc);
        if (diff) {
            failure = xasprintf("seed %" PRIu64 " step %d (%s): %s", seed, step,
                                what, diff);
        }
        cov->updates++;
        cov->errors += ref->errors.n;
        cov->pending += ref->n_pending_chains + ref->n_pending_networks;
        cov->orphans += ref->n_orphans + ref->n_orphan_vnis;
        cov->flowspaces += ref->n_flowspaces;
        for (size_t i = 0; i < ref->errors.n; i++) {
            cov->rejected_chains +=
                strstr(ref->errors.items[i].key, "/port_chains/") != NULL;
        }
        fs_snapshot_destroy(ref);
    }
    fs_snapshot_cache_destroy(cache);
    rw_destroy(&w);
    return failure;
}

static const struct rw_sizes big = {6, 32, 20, 10, 12, 8};
static const struct rw_sizes small = {3, 12, 8, 4, 6, 4};

static void test_equivalence(void **state)
{
    (void)state;
    struct coverage cov = {0};
    for (uint64_t seed = 1; seed <= 8; seed++) {
        char *f = run_seed(seed, big, 400, &cov);
        if (f) {
            fail_msg("%s", f);
        }
    }
    for (uint64_t seed = 101; seed <= 108; seed++) {
        char *f = run_seed(seed, small, 300, &cov);
        if (f) {
            fail_msg("%s", f);
        }
    }
    print_message("%zu updates: %zu errors, %zu chain rejections, %zu "
                  "pending, %zu orphans, %zu flowspaces accepted\n",
                  cov.updates, cov.errors, cov.rejected_chains, cov.pending,
                  cov.orphans, cov.flowspaces);
    assert_true(cov.rejected_chains > 100);
    assert_true(cov.pending > 100);
    assert_true(cov.orphans > 10);
    assert_true(cov.flowspaces > 100);
}

/* Each deliberate break leaves out one invalidation; the comparison must
 * catch every one within the seeds of test_equivalence. */
static void test_breaks_are_caught(void **state)
{
    (void)state;
    static const char *const breaks[] = {
        [1] = "a changed verdict does not touch what references it",
        [2] = "groups: the part is not closed over shared port pairs",
        [3] = "chains: slots held before a change are not checked again",
        [4] = "chains: the part is not closed over shared slots",
        [5] = "a touched classifier does not touch its chains",
    };
    for (int b = 1; b < (int)ARRAY_SIZE(breaks); b++) {
        struct coverage cov = {0};
        char *f = NULL;
        fs_snapshot_cache_break = b;
        for (uint64_t seed = 1; !f && seed <= 8; seed++) {
            f = run_seed(seed, big, 400, &cov);
        }
        for (uint64_t seed = 101; !f && seed <= 108; seed++) {
            f = run_seed(seed, small, 300, &cov);
        }
        fs_snapshot_cache_break = 0;
        if (!f) {
            fail_msg("break %d (%s) was not caught", b, breaks[b]);
        }
        print_message("break %d (%s) caught after %zu updates: %s\n", b,
                      breaks[b], cov.updates, f);
        free(f);
    }
}

/* A classifier change checks the classifier and the chains that compete
 * with its chain, not the world: the snapshot still equals the reference,
 * and nothing is checked when nothing changed. */
static void test_classifier_change_is_local(void **state)
{
    (void)state;
    struct rworld w;
    rw_init(&w, 7, big);
    struct fs_snapshot_cache *cache = fs_snapshot_cache_create();
    const struct fs_snapshot *s = fs_snapshot_update(cache, w.model);
    size_t all = fs_snapshot_cache_checked(cache);
    assert_true(all > 80);
    for (int i = 0; i < 20; i++) {
        rw_classifier(&w, i % big.classifiers);
        s = fs_snapshot_update(cache, w.model);
        assert_in_range(fs_snapshot_cache_checked(cache), 1, 1 + big.chains);
        s = fs_snapshot_update(cache, w.model);
        assert_int_equal(fs_snapshot_cache_checked(cache), 0);
        struct fs_snapshot *ref = fs_snapshot_build(w.model);
        const char *diff = snapshot_diff(ref, s);
        if (diff) {
            fail_msg("classifier change %d: %s", i, diff);
        }
        fs_snapshot_destroy(ref);
    }
    fs_snapshot_cache_destroy(cache);
    rw_destroy(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equivalence),
        cmocka_unit_test(test_breaks_are_caught),
        cmocka_unit_test(test_classifier_change_is_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

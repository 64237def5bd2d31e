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

static const struct rw_sizes big = {6, 32, 20, 10, 12, 8, 0};
static const struct rw_sizes small = {3, 12, 8, 4, 6, 4, 0};
static const struct rw_sizes routed = {5, 24, 10, 5, 6, 3, 2};

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
    /* rworld.h's worlds with routers (the render tests' too). */
    for (uint64_t seed = 201; seed <= 204; seed++) {
        char *f = run_seed(seed, routed, 300, &cov);
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

/* Neutron L3 churn (not in rworld.h, whose worlds the render fixtures
 * hash): networks, subnets on a small pool of overlapping cidrs, routers,
 * router interface ports and plain ports with fixed IPs naming random
 * subnets, put, deleted and broken at random. */
enum { L3_NETS = 3, L3_SUBNETS = 6, L3_ROUTERS = 3, L3_PORTS = 12 };

static const char *const l3_cidrs[] = {"10.0.0.0/24",    "10.0.0.0/16",
                                       "10.0.1.0/24",    "10.1.0.0/16",
                                       "192.168.0.0/24", "2001:db8::/64"};
/* An address inside each of l3_cidrs (%d: 1..4). */
static const char *const l3_hosts[] = {"10.0.0.%d",    "10.0.%d.7",
                                       "10.0.1.%d",    "10.1.0.%d",
                                       "192.168.0.%d", "2001:db8::%d"};
static const char *const l3_owners[] = {
    "network:router_interface", "network:router_interface_distributed",
    "network:ha_router_replicated_interface"};

struct l3world {
    struct rworld w; /* Its model, rng and creation revisions only. */
    int subnet_net[L3_SUBNETS], subnet_cidr[L3_SUBNETS];
};

static void l3_subnet(struct l3world *l, int i)
{
    int net = rw_pick(&l->w, L3_NETS + 1); /* L3_NETS: none such. */
    int cidr = rw_pick(&l->w, ARRAY_SIZE(l3_cidrs));
    l->subnet_net[i] = net;
    l->subnet_cidr[i] = cidr;
    char *key = xasprintf(FS_PREFIX "subnets/sn-%d", i);
    char *v = xasprintf("{\"subnet\": {\"network_id\": \"net-%d\", "
                        "\"ip_version\": %d, \"cidr\": \"%s\"}}",
                        net, cidr == 5 ? 6 : 4, l3_cidrs[cidr]);
    rw_put(&l->w, key, v);
    snprintf(l->w.what, sizeof l->w.what, "subnet %d: net-%d %s", i, net,
             l3_cidrs[cidr]);
    free(v);
    free(key);
}

static void l3_router(struct l3world *l, int i)
{
    char *key = xasprintf(FS_PREFIX "routers/r-%d", i);
    rw_put(&l->w, key,
           rw_chance(&l->w, 50)
               ? "{\"router\": {}}"
               : "{\"router\": {\"routes\": [{\"destination\": "
                 "\"172.16.0.0/12\", \"nexthop\": \"10.0.0.9\"}]}}");
    snprintf(l->w.what, sizeof l->w.what, "router %d", i);
    free(key);
}

/* A port: a router interface (mostly on its subnet's network and cidr), or
 * a plain port with zero to two fixed IPs naming subnets. */
static void l3_port(struct l3world *l, int i)
{
    struct rworld *w = &l->w;
    struct ds v = DS_EMPTY_INITIALIZER;
    int sn = rw_pick(w, L3_SUBNETS + 1); /* L3_SUBNETS: none such. */
    bool fits = sn < L3_SUBNETS && rw_chance(w, 85);
    int net = fits ? l->subnet_net[sn] : rw_pick(w, L3_NETS);
    int cidr = fits ? l->subnet_cidr[sn] : rw_pick(w, ARRAY_SIZE(l3_cidrs));
    char *ip = xasprintf(l3_hosts[cidr], 1 + rw_pick(w, 4));
    bool iface = rw_chance(w, 60);
    ds_put_format(&v, "{\"port\": {\"network_id\": \"net-%d\", ", net);
    if (!iface || rw_chance(w, 95)) {
        ds_put_format(&v, "\"mac_address\": \"fa:16:3e:00:00:%02x\", ", i);
    }
    if (iface) {
        ds_put_format(&v, "\"device_owner\": \"%s\", \"device_id\": \"r-%d\", ",
                      l3_owners[rw_pick(w, 3)], rw_pick(w, L3_ROUTERS + 1));
    }
    ds_put_format(&v,
                  "\"fixed_ips\": [{\"subnet_id\": \"sn-%d\", "
                  "\"ip_address\": \"%s\"}",
                  sn, ip);
    if (!iface ? rw_chance(w, 30) : rw_chance(w, 5)) {
        ds_put_format(&v,
                      ", {\"subnet_id\": \"sn-%d\", \"ip_address\": "
                      "\"10.0.0.8\"}",
                      rw_pick(w, L3_SUBNETS));
    }
    ds_put_cstr(&v, "]}}");
    char *key = xasprintf(FS_PREFIX "ports/port-%02d", i);
    rw_put(w, key, ds_cstr(&v));
    snprintf(w->what, sizeof w->what, "port %d: %.120s", i, ds_cstr(&v));
    free(key);
    free(ip);
    ds_destroy(&v);
}

/* Every network and router. */
static void l3_base(struct l3world *l)
{
    rw_put(&l->w, FS_PREFIX "networks/net-0", "{\"network\": {}}");
    rw_put(&l->w, FS_PREFIX "networks/net-1", "{}");
    rw_put(&l->w, FS_PREFIX "networks/net-2", "{}");
    for (int i = 0; i < L3_ROUTERS; i++) {
        l3_router(l, i);
    }
    snprintf(l->w.what, sizeof l->w.what, "networks and routers");
}

static void l3_step(struct l3world *l)
{
    struct rworld *w = &l->w;
    int r = rw_pick(w, 100);
    static const char *const kinds[] = {"networks", "subnets", "routers",
                                        "ports"};
    static const char *const fmts[] = {"net-%d", "sn-%d", "r-%d", "port-%02d"};
    static const int sizes[] = {L3_NETS, L3_SUBNETS, L3_ROUTERS, L3_PORTS};
    int k = rw_pick(w, 4);
    char *id = xasprintf(fmts[k], rw_pick(w, sizes[k]));
    char *key = xasprintf(FS_PREFIX "%s/%s", kinds[k], id);
    if (r < 10) {
        rw_delete(w, key);
        snprintf(w->what, sizeof w->what, "delete %s", key);
    } else if (r < 14) {
        rw_put(w, key, "{\"broken\": ");
        snprintf(w->what, sizeof w->what, "garbage at %s", key);
    } else if (r < 15) {
        fs_model_clear(w->model);
        simap_clear(&w->created);
        snprintf(w->what, sizeof w->what, "relist");
    } else if (r < 22) {
        l3_base(l);
    } else if (r < 45) {
        l3_subnet(l, rw_pick(w, L3_SUBNETS));
    } else if (r < 58) {
        l3_router(l, rw_pick(w, L3_ROUTERS));
    } else {
        l3_port(l, rw_pick(w, L3_PORTS));
    }
    free(key);
    free(id);
}

/* What an L3 run covered. */
struct l3_coverage {
    size_t updates, interfaces, overlaps, subnets;
};

static char *run_l3_seed(uint64_t seed, int steps, struct l3_coverage *cov)
{
    struct l3world l;
    memset(&l, 0, sizeof l);
    l.w.model = fs_model_create();
    simap_init(&l.w.created);
    l.w.rng = seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
    struct fs_snapshot_cache *cache = fs_snapshot_cache_create();
    char *failure = NULL;
    char what[2048] = "";
    for (int step = 0; step <= steps && !failure; step++) {
        int burst = rw_chance(&l.w, 75) ? 1 : 2 + rw_pick(&l.w, 6);
        what[0] = '\0';
        for (int i = 0; i < burst; i++) {
            if (step) {
                l3_step(&l);
            } else {
                l3_base(&l);
            }
            size_t len = strlen(what);
            snprintf(what + len, sizeof what - len, "%s%s", i ? "; " : "",
                     l.w.what);
        }
        const struct fs_snapshot *inc = fs_snapshot_update(cache, l.w.model);
        struct fs_snapshot *ref = fs_snapshot_build(l.w.model);
        const char *diff = snapshot_diff(ref, inc);
        if (diff) {
            failure = xasprintf("L3 seed %" PRIu64 " step %d (%s): %s", seed,
                                step, what, diff);
        }
        cov->updates++;
        cov->subnets += ref->n_subnets;
        for (size_t i = 0; i < ref->n_ports; i++) {
            cov->interfaces += ref->ports[i].router_id != NULL;
        }
        for (size_t i = 0; i < ref->errors.n; i++) {
            cov->overlaps +=
                strstr(ref->errors.items[i].message, "came first") != NULL;
        }
        fs_snapshot_destroy(ref);
    }
    fs_snapshot_cache_destroy(cache);
    fs_model_destroy(l.w.model);
    simap_destroy(&l.w.created);
    return failure;
}

/* Subnets, routers and interfaces: the incremental snapshot equals the
 * reference after every update, and break 6 (a router's other interfaces
 * not checked again) is caught. */
static void test_l3_equivalence(void **state)
{
    (void)state;
    struct l3_coverage cov = {0};
    for (uint64_t seed = 1; seed <= 12; seed++) {
        char *f = run_l3_seed(seed, 400, &cov);
        if (f) {
            fail_msg("%s", f);
        }
    }
    print_message("%zu L3 updates: %zu subnets, %zu interfaces accepted, "
                  "%zu overlaps rejected\n",
                  cov.updates, cov.subnets, cov.interfaces, cov.overlaps);
    assert_true(cov.subnets > 1000);
    assert_true(cov.interfaces > 500);
    assert_true(cov.overlaps > 100);

    char *f = NULL;
    fs_snapshot_cache_break = 6;
    for (uint64_t seed = 1; !f && seed <= 12; seed++) {
        f = run_l3_seed(seed, 400, &cov);
    }
    fs_snapshot_cache_break = 0;
    if (!f) {
        fail_msg("break 6 (a router's interfaces not checked again) was not "
                 "caught");
    }
    print_message("break 6 caught: %s\n", f);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equivalence),
        cmocka_unit_test(test_breaks_are_caught),
        cmocka_unit_test(test_classifier_change_is_local),
        cmocka_unit_test(test_l3_equivalence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for overlay networks' VNIs in model/ (model/vnis.c): explicit
 * VNIs (vxlan and geneve share one VNI space), the later of two networks
 * claiming one VNI rejected whatever the ids, networks pending until their
 * allocation keys are put, fs_snapshot_free_vni(), orphan allocations,
 * allocations colliding with explicit VNIs, bad allocation values, the VNI
 * range, and vni 0 for flat and vlan networks.  Errors are checked for
 * their exact key, JSON path and message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixtures.h"
#include "model/model.h"

#define NETS "/flowsteer/v1/networks/"
#define SEG_PATH "$.network.provider:segmentation_id"

/* Puts overlay network 'id' of 'type' created (and modified) at 'rev';
 * 'seg' <= 0: no segmentation id. */
static void put_net(struct fs_model *m, const char *id, const char *type,
                    long long seg, int64_t rev)
{
    char *key = xasprintf(NETS "%s", id);
    char *s = seg > 0 ? xasprintf(", \"provider:segmentation_id\": %lld", seg)
                      : xstrdup("");
    char *v = xasprintf("{\"network\": {\"id\": \"%s\", "
                        "\"provider:network_type\": \"%s\"%s}}",
                        id, type, s);
    assert_true(fixture_put_at(m, key, v, rev));
    free(key);
    free(s);
    free(v);
}

/* Puts both allocation keys of VNI 'vni' for network 'id'. */
static void put_alloc(struct fs_model *m, const char *id, const char *vni)
{
    char *nk = xasprintf(FS_KEYS_NETWORK_VNIS "%s", id);
    char *vk = xasprintf(FS_KEYS_VNIS "%s", vni);
    fixture_put(m, nk, vni);
    fixture_put(m, vk, id);
    free(nk);
    free(vk);
}

static void print_errors(const struct fs_snapshot *s)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        print_error("  %s %s %s\n", s->errors.items[i].key,
                    s->errors.items[i].path, s->errors.items[i].message);
    }
}

/* Asserts that 's' has exactly one error, with this key, path and
 * message. */
static void assert_one_error(const struct fs_snapshot *s, const char *key,
                             const char *path, const char *message)
{
    if (s->errors.n != 1 || strcmp(s->errors.items[0].key, key) ||
        strcmp(s->errors.items[0].path, path) ||
        strcmp(s->errors.items[0].message, message)) {
        print_error("want %s %s %s; got:\n", key, path, message);
        print_errors(s);
        fail();
    }
}

static void assert_no_errors(const struct fs_snapshot *s)
{
    print_errors(s);
    assert_int_equal(s->errors.n, 0);
}

/* Returns network 'id''s VNI in 's'; fails if it is not accepted. */
static uint32_t vni_of(const struct fs_snapshot *s, const char *id)
{
    const struct fs_network *n = fs_snapshot_find(s, FS_NETWORK, id);
    assert_non_null(n);
    return n->vni;
}

static bool is_pending(const struct fs_snapshot *s, const char *id)
{
    for (size_t i = 0; i < s->n_pending_networks; i++) {
        if (!strcmp(s->pending_networks[i], id)) {
            return true;
        }
    }
    return false;
}

/* Returns the VNI of orphan allocation 'id', 0 if it is none. */
static uint32_t orphan_vni(const struct fs_snapshot *s, const char *id)
{
    for (size_t i = 0; i < s->n_orphan_vnis; i++) {
        if (!strcmp(s->orphan_networks[i], id)) {
            return s->orphan_vnis[i];
        }
    }
    return 0;
}

/* Explicit segmentation ids are the VNIs of vxlan and geneve networks;
 * flat and vlan networks (and gre) have vni 0 and nothing is pending. */
static void test_explicit_vnis(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "vx", "vxlan", 5000, 10);
    put_net(m, "ge", "geneve", 16777215, 11);
    fixture_put_at(m, NETS "vl",
                   "{\"network\": {\"provider:network_type\": \"vlan\", "
                   "\"provider:physical_network\": \"physnet1\", "
                   "\"provider:segmentation_id\": 500}}",
                   12);
    fixture_put_at(m, NETS "fl",
                   "{\"network\": {\"provider:network_type\": \"flat\", "
                   "\"provider:physical_network\": \"physnet1\"}}",
                   13);
    put_net(m, "gr", "gre", 5000, 14);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(vni_of(s, "vx"), 5000);
    assert_int_equal(vni_of(s, "ge"), 16777215);
    assert_int_equal(vni_of(s, "vl"), 0);
    assert_int_equal(vni_of(s, "fl"), 0);
    assert_int_equal(vni_of(s, "gr"), 0);
    assert_int_equal(s->n_pending_networks, 0);
    assert_int_equal(s->n_orphan_vnis, 0);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A vxlan and a geneve network with one segmentation id clash: the one
 * with the higher create_revision is rejected, naming the earlier one,
 * whether its id sorts before or after the other's. */
static void test_shared_vni_space(void **state)
{
    for (int order = 0; order < 2; order++) {
        const char *early = order ? "zz-early" : "aa-early";
        const char *late = order ? "aa-late" : "zz-late";
        struct fs_model *m = fs_model_create();
        put_net(m, late, "geneve", 77, 30);
        put_net(m, early, "vxlan", 77, 20);
        struct fs_snapshot *s = fs_snapshot_build(m);
        char *key = xasprintf(NETS "%s", late);
        char *msg = xasprintf(
            "VNI 77 is already used by network \"%s\", which came first",
            early);
        assert_one_error(s, key, SEG_PATH, msg);
        assert_int_equal(vni_of(s, early), 77);
        assert_null(fs_snapshot_find(s, FS_NETWORK, late));
        free(key);
        free(msg);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }
}

/* Ports of a rejected overlay network are rejected too (the rule runs
 * before the port rules). */
static void test_rejected_network_ports(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "a", "vxlan", 9, 10);
    put_net(m, "b", "vxlan", 9, 11);
    fixture_put_at(m, "/flowsteer/v1/ports/p",
                   "{\"port\": {\"network_id\": \"b\"}}", 12);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 2);
    assert_null(fs_snapshot_find(s, FS_NETWORK, "b"));
    assert_null(fs_snapshot_find(s, FS_PORT, "p"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* An overlay network without a segmentation id is pending (vni 0) until
 * its allocation keys are put; then its VNI is the allocated one. */
static void test_pending_until_allocated(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "auto", "vxlan", 0, 10);
    put_net(m, "auto-g", "geneve", 0, 11);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(s->n_pending_networks, 2);
    assert_true(is_pending(s, "auto"));
    assert_true(is_pending(s, "auto-g"));
    assert_int_equal(vni_of(s, "auto"), 0);
    assert_int_equal(fs_snapshot_free_vni(s), 1);
    fs_snapshot_destroy(s);

    put_alloc(m, "auto", "1");
    s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(vni_of(s, "auto"), 1);
    assert_false(is_pending(s, "auto"));
    assert_true(is_pending(s, "auto-g"));
    assert_int_equal(s->n_pending_networks, 1);
    assert_int_equal(fs_snapshot_free_vni(s), 2);
    assert_int_equal(s->n_orphan_vnis, 0);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* fs_snapshot_free_vni() skips explicit VNIs, both kinds of allocation key
 * (also alone, and of networks that are gone) and the segmentation id of a
 * rejected overlay network. */
static void test_free_vni(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "a", "vxlan", 1, 10);
    put_net(m, "b", "geneve", 5, 11);
    put_alloc(m, "c", "2");                        /* c is gone. */
    fixture_put(m, FS_KEYS_VNIS "3", "d");         /* Half written. */
    fixture_put(m, FS_KEYS_NETWORK_VNIS "e", "4"); /* Half written. */
    fixture_put(m, FS_KEYS_VNIS "16777216", "f");  /* Out of range. */
    fixture_put(m, FS_KEYS_VNIS "x6", "g");        /* Not a number. */
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(fs_snapshot_free_vni(s), 6);
    fs_snapshot_destroy(s);

    /* A later network with VNI 6 is rejected, and 6 stays taken. */
    put_net(m, "a2", "vxlan", 5, 20);
    put_net(m, "late", "vxlan", 6, 21);
    put_net(m, "later", "geneve", 6, 22);
    s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 2);
    assert_null(fs_snapshot_find(s, FS_NETWORK, "later"));
    assert_int_equal(fs_snapshot_free_vni(s), 7);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* All VNIs taken: 0. */
static void test_free_vni_exhausted(void **state)
{
    struct fs_snapshot s = {0};
    s.n_used_vnis = FS_MAX_VNI;
    s.used_vnis = xmalloc(s.n_used_vnis * sizeof *s.used_vnis);
    for (uint32_t i = 0; i < s.n_used_vnis; i++) {
        s.used_vnis[i] = i + 1;
    }
    assert_int_equal(fs_snapshot_free_vni(&s), 0);
    s.used_vnis[100] = 100; /* 101 is free (the list may repeat). */
    assert_int_equal(fs_snapshot_free_vni(&s), 101);
    free(s.used_vnis);
}

/* Orphan allocations: of a deleted network, of one that got an explicit
 * segmentation id, of one that became vlan; not while the network's
 * document exists and does not parse. */
static void test_orphans(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "gone", "vxlan", 0, 10);
    put_net(m, "explicit", "vxlan", 0, 11);
    put_net(m, "tovlan", "geneve", 0, 12);
    put_net(m, "broken", "vxlan", 0, 13);
    put_alloc(m, "gone", "10");
    put_alloc(m, "explicit", "11");
    put_alloc(m, "tovlan", "12");
    put_alloc(m, "broken", "13");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(s->n_orphan_vnis, 0);
    assert_int_equal(vni_of(s, "broken"), 13);
    fs_snapshot_destroy(s);

    fixture_delete(m, NETS "gone");
    put_net(m, "explicit", "vxlan", 500, 11);
    fixture_put_at(m, NETS "tovlan",
                   "{\"network\": {\"provider:network_type\": \"vlan\", "
                   "\"provider:physical_network\": \"physnet1\", "
                   "\"provider:segmentation_id\": 12}}",
                   12);
    fixture_put_at(m, NETS "broken",
                   "{\"network\": {\"provider:network_type\": \"vxlan\", "
                   "\"provider:segmentation_id\": 0}}",
                   13);
    s = fs_snapshot_build(m);
    assert_int_equal(s->n_orphan_vnis, 3);
    assert_int_equal(orphan_vni(s, "gone"), 10);
    assert_int_equal(orphan_vni(s, "explicit"), 11);
    assert_int_equal(orphan_vni(s, "tovlan"), 12);
    assert_int_equal(orphan_vni(s, "broken"), 0);
    assert_int_equal(vni_of(s, "explicit"), 500);
    assert_int_equal(vni_of(s, "tovlan"), 0);
    /* Orphans stay taken until their keys are deleted. */
    assert_int_equal(fs_snapshot_free_vni(s), 1);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* An allocation colliding with an earlier network's explicit VNI rejects
 * the later network (no field: the VNI is not in its document); an
 * explicit VNI colliding with an earlier network's allocation rejects the
 * explicit one. */
static void test_allocation_collision(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "first", "geneve", 40, 10);
    put_net(m, "second", "vxlan", 0, 20);
    put_alloc(m, "second", "40");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_one_error(s, NETS "second", "$.network",
                     "VNI 40 allocated to this network "
                     "(/flowsteer/v1/keys/networks/second) is also the VNI "
                     "of network \"first\"");
    assert_int_equal(vni_of(s, "first"), 40);
    assert_false(is_pending(s, "second"));
    fs_snapshot_destroy(s);

    /* Now "first" is created after "second". */
    fixture_delete(m, NETS "first");
    put_net(m, "first", "geneve", 40, 30);
    s = fs_snapshot_build(m);
    assert_one_error(s, NETS "first", SEG_PATH,
                     "VNI 40 is already used by network \"second\", which "
                     "came first");
    assert_int_equal(vni_of(s, "second"), 40);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Allocation values that are not a VNI count as no allocation: the
 * network stays pending. */
static void test_bad_allocation_values(void **state)
{
    static const char *const bad[] = {
        "0", "16777216", "-3", "abc", "12x", "", " 5", "+5", "99999999999"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct fs_model *m = fs_model_create();
        put_net(m, "n", "vxlan", 0, 10);
        put_alloc(m, "n", "7");
        fixture_put(m, FS_KEYS_NETWORK_VNIS "n", bad[i]);
        struct fs_snapshot *s = fs_snapshot_build(m);
        assert_no_errors(s);
        assert_int_equal(vni_of(s, "n"), 0);
        assert_true(is_pending(s, "n"));
        assert_int_equal(s->n_orphan_vnis, 0);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }
}

/* VNIs are 1..16777215: 0 and 16777216 are parse errors. */
static void test_vni_range(void **state)
{
    static const struct {
        long long seg;
        const char *message;
    } cases[] = {
        {0, "0 is out of range 1..16777215"},
        {16777216, "16777216 is out of range 1..16777215"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        for (int g = 0; g < 2; g++) {
            struct fs_model *m = fs_model_create();
            char *v = xasprintf("{\"network\": {\"provider:network_type\": "
                                "\"%s\", \"provider:segmentation_id\": %lld}}",
                                g ? "geneve" : "vxlan", cases[i].seg);
            fixture_put_at(m, NETS "n", v, 10);
            struct fs_snapshot *s = fs_snapshot_build(m);
            assert_one_error(s, NETS "n", SEG_PATH, cases[i].message);
            assert_int_equal(s->n_networks, 0);
            assert_int_equal(fs_snapshot_free_vni(s), 1);
            fs_snapshot_destroy(s);
            fs_model_destroy(m);
            free(v);
        }
    }
    struct fs_model *m = fs_model_create();
    put_net(m, "low", "vxlan", 1, 10);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(vni_of(s, "low"), 1);
    assert_int_equal(fs_snapshot_free_vni(s), 2);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Deleting the allocation keys makes the network pending again, and the
 * keys' deletes report a change of the model. */
static void test_allocation_deleted(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "n", "geneve", 0, 10);
    put_alloc(m, "n", "3");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(vni_of(s, "n"), 3);
    fs_snapshot_destroy(s);
    assert_true(fixture_delete(m, FS_KEYS_NETWORK_VNIS "n"));
    assert_true(fixture_delete(m, FS_KEYS_VNIS "3"));
    assert_false(fixture_delete(m, FS_KEYS_VNIS "3"));
    s = fs_snapshot_build(m);
    assert_int_equal(vni_of(s, "n"), 0);
    assert_true(is_pending(s, "n"));
    assert_int_equal(fs_snapshot_free_vni(s), 1);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explicit_vnis),
        cmocka_unit_test(test_shared_vni_space),
        cmocka_unit_test(test_rejected_network_ports),
        cmocka_unit_test(test_pending_until_allocated),
        cmocka_unit_test(test_free_vni),
        cmocka_unit_test(test_free_vni_exhausted),
        cmocka_unit_test(test_orphans),
        cmocka_unit_test(test_allocation_collision),
        cmocka_unit_test(test_bad_allocation_values),
        cmocka_unit_test(test_vni_range),
        cmocka_unit_test(test_allocation_deleted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

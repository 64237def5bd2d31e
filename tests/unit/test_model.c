/* Unit tests for model/: parsing JSON and YAML, validation errors (key, JSON
 * path, reason), cross-resource rules, cascading rejection and path id
 * allocation keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixtures.h"
#include "model/model.h"

static struct fs_model *example(const char *format)
{
    struct fs_model *m = fs_model_create();
    assert_int_equal(fixture_load_example(m, format), 16);
    return m;
}

static void assert_no_errors(const struct fs_snapshot *s)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        print_error("unexpected: %s %s %s\n", s->errors.items[i].key,
                    s->errors.items[i].path, s->errors.items[i].message);
    }
    assert_int_equal(s->errors.n, 0);
}

static void test_example_json(void **state)
{
    struct fs_model *m = example("json");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(s->n_networks, 1);
    assert_int_equal(s->n_ports, 8);
    assert_int_equal(s->n_port_pairs, 3);
    assert_int_equal(s->n_port_pair_groups, 2);
    assert_int_equal(s->n_flow_classifiers, 1);
    assert_int_equal(s->n_port_chains, 1);
    assert_int_equal(s->revision, 100);

    const struct fs_flow_classifier *fc =
        fs_snapshot_find(s, FS_FLOW_CLASSIFIER, EX_FC1);
    assert_non_null(fc);
    assert_int_equal(fc->protocol, 6);
    assert_int_equal(fc->source_port_range_min, 23);
    assert_int_equal(fc->destination_port_range_max, 100);
    assert_string_equal(fc->source_ip_prefix, "22.1.20.1/32");
    assert_string_equal(fc->logical_source_port, EX_SRC);

    const struct fs_port_chain *pc = fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1);
    assert_int_equal(pc->correlation, FS_CORR_MPLS);
    assert_int_equal(pc->path_id, 0);
    assert_int_equal(s->n_pending_chains, 1);
    assert_string_equal(s->pending_chains[0], EX_PC1);
    assert_int_equal(fs_snapshot_free_path_id(s), 1);
    assert_ptr_equal(fs_snapshot_chain_of_group(s, EX_PG(2)), pc);

    const struct fs_port *p = fs_snapshot_find(s, FS_PORT, EX_SRC);
    assert_string_equal(p->mac_address, "fa:16:3e:00:00:a1");
    assert_string_equal(p->host_id, "node1");
    assert_string_equal(p->fixed_ips[0].ip_address, "22.1.20.1");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

static void test_yaml_equals_json(void **state)
{
    struct fs_model *mj = example("json"), *my = example("yaml");
    struct fs_snapshot *sj = fs_snapshot_build(mj);
    struct fs_snapshot *sy = fs_snapshot_build(my);
    assert_no_errors(sy);
    assert_int_equal(sj->n_ports, sy->n_ports);
    for (size_t i = 0; i < sj->n_ports; i++) {
        assert_string_equal(sj->ports[i].meta.id, sy->ports[i].meta.id);
        assert_string_equal(sj->ports[i].mac_address, sy->ports[i].mac_address);
        assert_string_equal(sj->ports[i].device_id, sy->ports[i].device_id);
    }
    const struct fs_flow_classifier *a = sj->flow_classifiers;
    const struct fs_flow_classifier *b = sy->flow_classifiers;
    assert_int_equal(a->protocol, b->protocol);
    assert_int_equal(a->source_port_range_min, b->source_port_range_min);
    assert_string_equal(a->destination_ip_prefix, b->destination_ip_prefix);
    assert_int_equal(sj->port_pair_groups[0].n_port_pairs,
                     sy->port_pair_groups[0].n_port_pairs);
    fs_snapshot_destroy(sj);
    fs_snapshot_destroy(sy);
    fs_model_destroy(mj);
    fs_model_destroy(my);
}

static void test_allocation_keys(void **state)
{
    struct fs_model *m = example("json");
    fixture_put(m, FS_KEYS_PATH_IDS "1", "someone-else");
    fixture_put(m, FS_KEYS_PATH_IDS "2", EX_PC1);
    fixture_put(m, FS_KEYS_CHAIN_PATHS EX_PC1, "2");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->port_chains[0].path_id, 2);
    assert_int_equal(s->n_pending_chains, 0);
    assert_int_equal(fs_snapshot_free_path_id(s), 3);
    fs_snapshot_destroy(s);

    assert_true(fs_model_delete(m, FS_KEYS_CHAIN_PATHS EX_PC1));
    s = fs_snapshot_build(m);
    assert_int_equal(s->n_pending_chains, 1);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* One bad input: what to put, and the error expected for 'key'. */
struct bad_case {
    const char *key;
    const char *value;
    const char *path;
    const char *message; /* Substring. */
};

#define FC_KEY "/flowsteer/v1/flow_classifiers/fcx"
#define FC(FIELDS)                                                             \
    "{\"flow_classifier\": {\"logical_source_port\": \"" EX_SRC "\", " FIELDS  \
    "}}"
#define PP_KEY "/flowsteer/v1/port_pairs/ppx"
#define PC_KEY "/flowsteer/v1/port_chains/pcx"

static const struct bad_case bad_cases[] = {
    {FC_KEY, FC("\"ethertype\": \"IPv5\""), "$.flow_classifier.ethertype",
     "is not IPv4 or IPv6"},
    {FC_KEY, FC("\"protocol\": \"tcpx\""), "$.flow_classifier.protocol",
     "must be tcp"},
    {FC_KEY, FC("\"protocol\": 300"), "$.flow_classifier.protocol",
     "out of range"},
    {FC_KEY, FC("\"protocol\": \"tcp\", \"source_port_range_min\": 70000"),
     "$.flow_classifier.source_port_range_min", "out of range 0..65535"},
    {FC_KEY,
     FC("\"protocol\": \"tcp\", \"destination_port_range_min\": 90, "
        "\"destination_port_range_max\": 80"),
     "$.flow_classifier.destination_port_range_min", "greater than"},
    {FC_KEY, FC("\"destination_port_range_min\": 80"),
     "$.flow_classifier.protocol", "port ranges need protocol"},
    {FC_KEY, FC("\"source_ip_prefix\": \"10.0.0.300/8\""),
     "$.flow_classifier.source_ip_prefix", "is not an IPv4 prefix"},
    {FC_KEY, FC("\"source_ip_prefix\": \"10.0.0.0/33\""),
     "$.flow_classifier.source_ip_prefix", "prefix length"},
    {FC_KEY, FC("\"destination_ip_prefix\": \"2001:db8::/32\""),
     "$.flow_classifier.destination_ip_prefix", "ethertype IPv4"},
    {FC_KEY, "{\"flow_classifier\": {\"protocol\": \"udp\"}}",
     "$.flow_classifier.logical_source_port", "required"},
    {FC_KEY, FC("\"logical_destination_port\": \"nope\""),
     "$.flow_classifier.logical_destination_port", "does not exist"},
    {"/flowsteer/v1/ports/px",
     "{\"network_id\": \"" EX_NET "\", \"mac_address\": \"fa:16:3e:zz:00:01\"}",
     "$.mac_address", "is not a MAC address"},
    {"/flowsteer/v1/ports/px", "{\"network_id\": \"nonet\"}", "$.network_id",
     "network \"nonet\" does not exist"},
    {PP_KEY,
     "{\"port_pair\": {\"ingress\": \"nope\", \"egress\": \"" EX_P(2) "\"}}",
     "$.port_pair.ingress", "port \"nope\" does not exist"},
    {PP_KEY,
     "{\"port_pair\": {\"ingress\": \"" EX_P(1) "\", \"egress\": \"" EX_P(
         4) "\"}}",
     "$.port_pair.egress", "different devices"},
    {PP_KEY, "{\"port_pair\": {\"ingress\": \"" EX_P(1) "\"}}",
     "$.port_pair.egress", "required"},
    {PP_KEY,
     "{\"port_pair\": {\"ingress\": \"" EX_P(1) "\", \"egress\": \"" EX_P(
         2) "\", \"service_function_parameters\": "
            "{\"correlation\": \"vxlan\"}}}",
     "$.port_pair.service_function_parameters.correlation",
     "is not mpls, nsh or none"},
    {"/flowsteer/v1/port_pair_groups/pgx",
     "{\"port_pairs\": [\"" EX_PP(1) "\"]}", "$.port_pairs[0]",
     "already in port pair group"},
    {"/flowsteer/v1/port_pair_groups/pgx",
     "{\"port_pairs\": [], \"port_pair_group_parameters\": {\"lb_fields\": "
     "[\"ip_src\", \"colour\"]}}",
     "$.port_pair_group_parameters.lb_fields[1]", "is not one of"},
    {PC_KEY, "{\"port_pair_groups\": [\"" EX_PG(1) "\"]}",
     "$.port_pair_groups[0]", "already in port chain"},
    {PC_KEY, "{\"port_pair_groups\": [\"nope\"]}", "$.port_pair_groups[0]",
     "does not exist"},
    {PC_KEY, "{\"port_pair_groups\": \"" EX_PG(1) "\"}", "$.port_pair_groups",
     "must be a list"},
    {PC_KEY,
     "{\"port_pair_groups\": [\"" EX_PG(1) "\"], \"chain_parameters\": "
                                           "{\"chain_id\": 70000}}",
     "$.chain_parameters.chain_id", "out of range 0..65535"},
    {PC_KEY,
     "{\"port_pair_groups\": [\"x\"], \"chain_parameters\": "
     "{\"chain_id\": 5000}}",
     "$.chain_parameters.chain_id", "does not fit an MPLS label"},
    {PC_KEY,
     "{\"port_pair_groups\": [\"x\"], \"chain_parameters\": "
     "{\"correlation\": \"gre\"}}",
     "$.chain_parameters.correlation", "is not mpls"},
    {"/flowsteer/v1/networks/nx",
     "{\"provider:network_type\": \"vlan\", "
     "\"provider:segmentation_id\": 5000}",
     "$.provider:segmentation_id", "out of range 1..4094"},
    {"/flowsteer/v1/networks/nx", "{\"provider:network_type\": \"token\"}",
     "$.provider:network_type", "is not flat"},
    {"/flowsteer/v1/networks/nx", "{\"id\": \"other\"}", "$.id",
     "differs from the key"},
    {"/flowsteer/v1/networks/nx", "{\"name\": ", "$", "invalid JSON"},
    {"/flowsteer/v1/networks/nx", "[1, 2]", "$", "must be a JSON or YAML"},
    {"/flowsteer/v1/networks/nx", "name: [unclosed", "$", "invalid YAML"},
    {"/flowsteer/v1/chassis/cx", "{\"ip\": \"10.0.0.1\", \"encap\": \"stt\"}",
     "$.encap", "is not vxlan"},
    {"/flowsteer/v1/chassis/cx", "{\"bridge_mappings\": \"physnet1\"}",
     "$.bridge_mappings", "is not physnet:bridge"},
};

static const struct fs_error *find_error(const struct fs_snapshot *s,
                                         const char *key)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        if (!strcmp(s->errors.items[i].key, key)) {
            return &s->errors.items[i];
        }
    }
    return NULL;
}

/* Returns the error for 'key' at 'path', else the first one for 'key'. */
static const struct fs_error *find_error_at(const struct fs_snapshot *s,
                                            const char *key, const char *path)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        const struct fs_error *e = &s->errors.items[i];
        if (!strcmp(e->key, key) && !strcmp(e->path, path)) {
            return e;
        }
    }
    return find_error(s, key);
}

static void test_bad_inputs(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        const struct bad_case *bc = &bad_cases[i];
        struct fs_model *m = example("json");
        fixture_put(m, bc->key, bc->value);
        struct fs_snapshot *s = fs_snapshot_build(m);
        const struct fs_error *e = find_error_at(s, bc->key, bc->path);
        if (!e || strcmp(e->path, bc->path) ||
            !strstr(e->message, bc->message)) {
            print_error("case %zu (%s): got %s %s\n", i, bc->value,
                        e ? e->path : "no error", e ? e->message : "");
            fail();
        }
        /* Everything else still converges: the example chain is intact. */
        assert_non_null(fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1));
        assert_int_equal(s->n_port_pairs, 3);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }
}

static void test_cascade(void **state)
{
    struct fs_model *m = example("json");
    /* Break port p3: PP2 loses its ingress, PG1 its pair, PC1 its group. */
    fixture_put(m, "/flowsteer/v1/ports/" EX_P(3),
                "{\"network_id\": \"" EX_NET "\", \"mac_address\": \"bad\"}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_null(fs_snapshot_find(s, FS_PORT, EX_P(3)));
    assert_null(fs_snapshot_find(s, FS_PORT_PAIR, EX_PP(2)));
    assert_null(fs_snapshot_find(s, FS_PORT_PAIR_GROUP, EX_PG(1)));
    assert_null(fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1));
    assert_non_null(fs_snapshot_find(s, FS_PORT_PAIR_GROUP, EX_PG(2)));
    assert_int_equal(s->errors.n, 4);
    const struct fs_error *e =
        find_error(s, "/flowsteer/v1/port_chains/" EX_PC1);
    assert_string_equal(e->path, "$.port_chain.port_pair_groups[0]");
    fs_snapshot_destroy(s);

    /* Fixing the port brings everything back. */
    fs_model_delete(m, "/flowsteer/v1/ports/" EX_P(3));
    fixture_put(m, "/flowsteer/v1/ports/" EX_P(3),
                "{\"network_id\": \"" EX_NET "\", \"device_id\": \"vm2\"}");
    s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_non_null(fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

static void test_overlapping_chains(void **state)
{
    struct fs_model *m = example("json");
    /* A second chain whose classifier overlaps FC1 (tcp from src, any
     * destination port): rejected; the first chain stays. */
    fixture_put(m, "/flowsteer/v1/port_pairs/ppz",
                "{\"ingress\": \"" EX_P(5) "\", \"egress\": \"" EX_P(6) "\"}");
    fixture_put(m, "/flowsteer/v1/port_pair_groups/pgz",
                "{\"port_pairs\": []}");
    fixture_put(m, "/flowsteer/v1/flow_classifiers/fcz",
                FC("\"protocol\": \"tcp\""));
    fixture_put(m, "/flowsteer/v1/port_chains/zz",
                "{\"port_pair_groups\": [\"" EX_PG(
                    2) "\"], "
                       "\"flow_classifiers\": [\"fcz\"]}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    const struct fs_error *e = find_error(s, "/flowsteer/v1/port_chains/zz");
    assert_non_null(e);
    assert_non_null(strstr(e->message, "already in port chain"));
    fs_snapshot_destroy(s);

    fixture_put(m, "/flowsteer/v1/port_chains/zz",
                "{\"port_pair_groups\": [\"pgz\"], "
                "\"flow_classifiers\": [\"fcz\"]}");
    fixture_put(m, "/flowsteer/v1/port_pair_groups/pgz",
                "{\"port_pairs\": [\"ppz\"]}");
    fs_model_delete(m, "/flowsteer/v1/port_pairs/" EX_PP(3));
    fs_model_delete(m, "/flowsteer/v1/port_pair_groups/" EX_PG(2));
    fixture_put(m, "/flowsteer/v1/port_chains/" EX_PC1,
                "{\"port_pair_groups\": [\"" EX_PG(
                    1) "\"], "
                       "\"flow_classifiers\": [\"" EX_FC1 "\"]}");
    s = fs_snapshot_build(m);
    e = find_error(s, "/flowsteer/v1/port_chains/zz");
    assert_non_null(e);
    assert_string_equal(e->path, "$.flow_classifiers[0]");
    assert_non_null(strstr(e->message, "overlaps"));
    assert_non_null(fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

static void test_symmetric_needs_destination(void **state)
{
    struct fs_model *m = example("json");
    fixture_put(m, "/flowsteer/v1/port_chains/" EX_PC1,
                "{\"port_pair_groups\": [\"" EX_PG(
                    1) "\"], "
                       "\"flow_classifiers\": [\"" EX_FC1 "\"], "
                       "\"chain_parameters\": {\"symmetric\": true}}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    const struct fs_error *e =
        find_error(s, "/flowsteer/v1/port_chains/" EX_PC1);
    assert_non_null(e);
    assert_non_null(strstr(e->message, "logical_destination_port"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

static void test_duplicate_chain_id_and_ignored_keys(void **state)
{
    struct fs_model *m = example("json");
    fixture_put(m, "/flowsteer/v1/port_chains/" EX_PC1,
                "{\"port_pair_groups\": [\"" EX_PG(
                    1) "\"], "
                       "\"chain_parameters\": {\"chain_id\": 7}}");
    fixture_put(m, PC_KEY,
                "{\"port_pair_groups\": [\"" EX_PG(
                    2) "\"], "
                       "\"chain_parameters\": {\"chain_id\": 7}}");
    assert_false(fs_model_put(m, "/flowsteer/v1/status/node1", "{}", 2, 1));
    assert_false(fs_model_put(m, "/other/key", "x", 1, 1));
    struct fs_snapshot *s = fs_snapshot_build(m);
    const struct fs_error *e = find_error(s, PC_KEY);
    assert_non_null(e);
    assert_string_equal(e->path, "$.chain_parameters.chain_id");
    assert_int_equal(s->port_chains[0].path_id, 7);
    assert_int_equal(fs_snapshot_free_path_id(s), 1);
    fs_snapshot_destroy(s);
    fs_model_clear(m);
    s = fs_snapshot_build(m);
    assert_int_equal(s->n_ports, 0);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_json),
        cmocka_unit_test(test_yaml_equals_json),
        cmocka_unit_test(test_allocation_keys),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_cascade),
        cmocka_unit_test(test_overlapping_chains),
        cmocka_unit_test(test_symmetric_needs_destination),
        cmocka_unit_test(test_duplicate_chain_id_and_ignored_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for model/: parsing JSON and YAML, validation errors (key, JSON
 * path, reason), cross-resource rules, cascading rejection and path id
 * allocation keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <time.h>

#include "fixtures.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"

#define FC(FIELDS)                                                             \
    "{\"flow_classifier\": {\"logical_source_port\": \"" EX_SRC "\", " FIELDS  \
    "}}"
#define PC_KEY "/flowsteer/v1/port_chains/pcx"
#define PC1_KEY "/flowsteer/v1/port_chains/" EX_PC1

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

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *str_list(char **list, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_string(list[i]));
    }
    return a;
}

/* Everything a snapshot holds except etcd mod_revisions, as JSON, so that
 * two snapshots can be compared field by field. */
static json_t *dump_snapshot(const struct fs_snapshot *s)
{
    json_t *out = json_object(), *a;
    a = json_array();
    for (size_t i = 0; i < s->n_networks; i++) {
        const struct fs_network *n = &s->networks[i];
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:s,s:o,s:o,s:I,s:o}", "key", n->meta.key,
                         "id", n->meta.id, "name", n->meta.name, "type",
                         str_or_null(n->network_type), "physnet",
                         str_or_null(n->physical_network), "seg",
                         (json_int_t)n->segmentation_id, "controller",
                         str_or_null(n->controller)));
    }
    json_object_set_new(out, "networks", a);
    a = json_array();
    for (size_t i = 0; i < s->n_ports; i++) {
        const struct fs_port *p = &s->ports[i];
        json_t *ips = json_array();
        for (size_t j = 0; j < p->n_fixed_ips; j++) {
            json_array_append_new(
                ips, json_pack("[o,s]", str_or_null(p->fixed_ips[j].subnet_id),
                               p->fixed_ips[j].ip_address));
        }
        json_array_append_new(
            a,
            json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:b,s:o}", "id", p->meta.id,
                      "name", p->meta.name, "net", p->network_id, "mac",
                      str_or_null(p->mac_address), "ips", ips, "dev",
                      p->device_id, "host", str_or_null(p->host_id), "remote",
                      p->remote, "host_ip", str_or_null(p->remote_host_ip)));
    }
    json_object_set_new(out, "ports", a);
    a = json_array();
    for (size_t i = 0; i < s->n_port_pairs; i++) {
        const struct fs_port_pair *pp = &s->port_pairs[i];
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:s,s:s,s:i,s:i}", "id", pp->meta.id, "name",
                         pp->meta.name, "in", pp->ingress, "out", pp->egress,
                         "corr", pp->correlation, "weight", pp->weight));
    }
    json_object_set_new(out, "port_pairs", a);
    a = json_array();
    for (size_t i = 0; i < s->n_port_pair_groups; i++) {
        const struct fs_port_pair_group *g = &s->port_pair_groups[i];
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:o,s:o}", "id", g->meta.id, "name",
                         g->meta.name, "pairs",
                         str_list(g->port_pairs, g->n_port_pairs), "lb",
                         str_list(g->lb_fields, g->n_lb_fields)));
    }
    json_object_set_new(out, "groups", a);
    a = json_array();
    for (size_t i = 0; i < s->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc = &s->flow_classifiers[i];
        json_array_append_new(
            a,
            json_pack("{s:s,s:s,s:i,s:i,s:[i,i,i,i],s:o,s:o,s:s,s:o}", "id",
                      fc->meta.id, "name", fc->meta.name, "eth", fc->ethertype,
                      "proto", fc->protocol, "ports", fc->source_port_range_min,
                      fc->source_port_range_max, fc->destination_port_range_min,
                      fc->destination_port_range_max, "src",
                      str_or_null(fc->source_ip_prefix), "dst",
                      str_or_null(fc->destination_ip_prefix), "lsp",
                      fc->logical_source_port, "ldp",
                      str_or_null(fc->logical_destination_port)));
    }
    json_object_set_new(out, "classifiers", a);
    a = json_array();
    for (size_t i = 0; i < s->n_port_chains; i++) {
        const struct fs_port_chain *pc = &s->port_chains[i];
        json_array_append_new(
            a,
            json_pack("{s:s,s:s,s:o,s:o,s:i,s:b,s:i,s:i}", "id", pc->meta.id,
                      "name", pc->meta.name, "groups",
                      str_list(pc->port_pair_groups, pc->n_port_pair_groups),
                      "fcs",
                      str_list(pc->flow_classifiers, pc->n_flow_classifiers),
                      "corr", pc->correlation, "sym", pc->symmetric, "chain_id",
                      (int)pc->chain_id, "path_id", (int)pc->path_id));
    }
    json_object_set_new(out, "chains", a);
    json_object_set_new(out, "pending",
                        str_list(s->pending_chains, s->n_pending_chains));
    json_object_set_new(out, "revision", json_integer(s->revision));
    json_object_set_new(out, "errors", json_integer(s->errors.n));
    return out;
}

static void test_yaml_equals_json(void **state)
{
    struct fs_model *mj = example("json"), *my = example("yaml");
    struct fs_snapshot *sj = fs_snapshot_build(mj);
    struct fs_snapshot *sy = fs_snapshot_build(my);
    assert_no_errors(sy);
    json_t *dj = dump_snapshot(sj), *dy = dump_snapshot(sy);
    if (!json_equal(dj, dy)) {
        char *tj = json_dumps(dj, JSON_INDENT(1));
        char *ty = json_dumps(dy, JSON_INDENT(1));
        print_error("JSON:\n%s\nYAML:\n%s\n", tj, ty);
        free(tj);
        free(ty);
        fail();
    }
    /* The dump is not trivially equal: it holds the example's values. */
    assert_int_equal(json_array_size(json_object_get(dj, "ports")), 8);
    json_decref(dj);
    json_decref(dy);
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

    assert_true(fixture_delete(m, FS_KEYS_CHAIN_PATHS EX_PC1));
    s = fs_snapshot_build(m);
    assert_int_equal(s->n_pending_chains, 1);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

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
    fixture_delete(m, "/flowsteer/v1/ports/" EX_P(3));
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
    fixture_delete(m, "/flowsteer/v1/port_pairs/" EX_PP(3));
    fixture_delete(m, "/flowsteer/v1/port_pair_groups/" EX_PG(2));
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
    assert_false(fixture_put_at(m, "/flowsteer/v1/status/node1", "{}", 1));
    assert_false(fixture_put_at(m, "/other/key", "x", 1));
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

/* Canonical forms and defaults (networking-sfc API tables; a bare address
 * is a host prefix; a single port bound means that port). */
static void test_canonical_forms(void **state)
{
    struct fs_model *m = example("json");
    fixture_put(m, "/flowsteer/v1/subnets/sn",
                "{\"network_id\": \"" EX_NET "\", \"ip_version\": 6, "
                "\"cidr\": \"2001:db8::/64\"}");
    fixture_put(m, "/flowsteer/v1/ports/" EX_DST,
                "{\"network_id\": \"" EX_NET "\", \"mac_address\": "
                "\"FA:16:3E:00:00:A2\", \"fixed_ips\": [{\"ip_address\": "
                "\"2001:DB8:0::1\", \"subnet_id\": \"sn\"}]}");
    fixture_put(m, "/flowsteer/v1/flow_classifiers/f4",
                FC("\"protocol\": \"UDP\", \"source_port_range_max\": 53, "
                   "\"source_ip_prefix\": \"22.1.20.1/24\", "
                   "\"destination_ip_prefix\": \"172.4.5.6\""));
    fixture_put(m, "/flowsteer/v1/flow_classifiers/f6",
                FC("\"ethertype\": \"IPv6\", \"protocol\": \"58\", "
                   "\"destination_ip_prefix\": \"2001:DB8::1\", "
                   "\"source_ip_prefix\": \"2001:db8:ffff::/33\""));
    fixture_put(m, "/flowsteer/v1/flow_classifiers/fany",
                FC("\"protocol\": null, \"source_ip_prefix\": null"));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    const struct fs_port *p = fs_snapshot_find(s, FS_PORT, EX_DST);
    assert_string_equal(p->mac_address, "fa:16:3e:00:00:a2");
    assert_string_equal(p->fixed_ips[0].ip_address, "2001:db8::1");
    assert_string_equal(p->fixed_ips[0].subnet_id, "sn");
    assert_string_equal(p->device_id, "");
    assert_null(p->host_id);

    const struct fs_flow_classifier *fc =
        fs_snapshot_find(s, FS_FLOW_CLASSIFIER, "f4");
    assert_int_equal(fc->ethertype, 4);
    assert_int_equal(fc->protocol, 17);
    assert_int_equal(fc->source_port_range_min, 53);
    assert_int_equal(fc->source_port_range_max, 53);
    assert_int_equal(fc->destination_port_range_min, -1);
    assert_int_equal(fc->destination_port_range_max, -1);
    assert_string_equal(fc->source_ip_prefix, "22.1.20.0/24");
    assert_string_equal(fc->destination_ip_prefix, "172.4.5.6/32");
    assert_null(fc->logical_destination_port);

    fc = fs_snapshot_find(s, FS_FLOW_CLASSIFIER, "f6");
    assert_int_equal(fc->ethertype, 6);
    assert_int_equal(fc->protocol, 58);
    assert_string_equal(fc->destination_ip_prefix, "2001:db8::1/128");
    assert_string_equal(fc->source_ip_prefix, "2001:db8:8000::/33");

    fc = fs_snapshot_find(s, FS_FLOW_CLASSIFIER, "fany");
    assert_int_equal(fc->protocol, -1);
    assert_null(fc->source_ip_prefix);

    const struct fs_port_pair *pp = fs_snapshot_find(s, FS_PORT_PAIR, EX_PP(1));
    assert_int_equal(pp->weight, 1);
    assert_int_equal(pp->correlation, FS_CORR_NONE);
    const struct fs_port_pair_group *g =
        fs_snapshot_find(s, FS_PORT_PAIR_GROUP, EX_PG(1));
    assert_int_equal(g->n_lb_fields, 0);
    const struct fs_port_chain *pc = fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1);
    assert_false(pc->symmetric);
    assert_int_equal(pc->chain_id, 0);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Payloads as written for the networking-sfc API (tenant_id, description,
 * l7_parameters, tap_enabled, lb_fields as "a&b", top-level chain_id,
 * service_function_parameters with correlation null) are accepted as is. */
static void test_networking_sfc_payloads(void **state)
{
    struct fs_model *m = example("json");
    fixture_put(
        m, "/flowsteer/v1/port_pairs/" EX_PP(1),
        "{\"port_pair\": {\"name\": \"SF1\", \"tenant_id\": "
        "\"d382007aa9904763a801f68ecf065cf5\", \"project_id\": "
        "\"d382007aa9904763a801f68ecf065cf5\", \"description\": "
        "\"Firewall SF instance\", \"ingress\": \"" EX_P(
            1) "\", \"egress\": \"" EX_P(2) "\", "
                                            "\"service_function_parameters\": "
                                            "{\"correlation\": "
                                            "null, \"weight\": 3}}}");
    fixture_put(
        m, "/flowsteer/v1/port_pair_groups/" EX_PG(1),
        "{\"port_pair_group\": {\"name\": \"Firewall\", "
        "\"tenant_id\": \"t\", \"description\": \"d\", "
        "\"tap_enabled\": false, \"port_pairs\": [\"" EX_PP(1) "\", \"" EX_PP(
            2) "\"], "
               "\"port_pair_group_parameters\": {\"lb_fields\": "
               "\"ip_src&ip_dst&tcp_dst\", \"ppg_n_tuple_mapping\": "
               "{}}}}");
    fixture_put(m, "/flowsteer/v1/flow_classifiers/" EX_FC1,
                "{\"flow_classifier\": {\"name\": \"FC1\", \"tenant_id\": "
                "\"t\", \"description\": \"Flow rule\", \"protocol\": "
                "\"TCP\", \"ethertype\": \"IPv4\", \"source_port_range_min\": "
                "22, \"source_port_range_max\": 4000, "
                "\"destination_port_range_min\": 80, "
                "\"destination_port_range_max\": 80, \"source_ip_prefix\": "
                "null, \"destination_ip_prefix\": \"22.12.34.45\", "
                "\"logical_source_port\": \"" EX_SRC "\", "
                "\"logical_destination_port\": null, \"l7_parameters\": {}}}");
    fixture_put(m, PC1_KEY,
                "{\"port_chain\": {\"name\": \"PC1\", \"tenant_id\": \"t\", "
                "\"description\": \"d\", \"chain_id\": 12, "
                "\"flow_classifiers\": [\"" EX_FC1 "\"], "
                "\"port_pair_groups\": [\"" EX_PG(1) "\", \"" EX_PG(
                    2) "\"], \"chain_parameters\": {\"correlation\": \"mpls\", "
                       "\"symmetric\": false}}}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    const struct fs_port_pair *pp = fs_snapshot_find(s, FS_PORT_PAIR, EX_PP(1));
    assert_int_equal(pp->weight, 3);
    assert_string_equal(pp->meta.name, "SF1");
    const struct fs_port_pair_group *g =
        fs_snapshot_find(s, FS_PORT_PAIR_GROUP, EX_PG(1));
    assert_int_equal(g->n_lb_fields, 3);
    assert_string_equal(g->lb_fields[0], "ip_src");
    assert_string_equal(g->lb_fields[2], "tcp_dst");
    const struct fs_flow_classifier *fc =
        fs_snapshot_find(s, FS_FLOW_CLASSIFIER, EX_FC1);
    assert_int_equal(fc->source_port_range_max, 4000);
    assert_string_equal(fc->destination_ip_prefix, "22.12.34.45/32");
    const struct fs_port_chain *pc = fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1);
    assert_int_equal(pc->chain_id, 12);
    assert_int_equal(pc->path_id, 12);
    assert_int_equal(s->n_pending_chains, 0);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Networks, chassis and remote ports: the accepted forms. */
static void test_networks_chassis_remote_ports(void **state)
{
    struct fs_model *m = fs_model_create();
    fixture_put(m, "/flowsteer/v1/networks/v",
                "{\"network\": {\"provider:network_type\": \"vlan\", "
                "\"provider:physical_network\": \"physnet1\", "
                "\"provider:segmentation_id\": \"100\", \"controller\": "
                "\"somehost:6666\"}}");
    fixture_put(m, "/flowsteer/v1/networks/g",
                "provider:network_type: gre\n"
                "provider:segmentation_id: 4294967295\n"
                "controller: \"[2001:db8::2]:6653\"\n");
    fixture_put(m, "/flowsteer/v1/networks/f",
                "{\"provider:network_type\": \"flat\", "
                "\"provider:physical_network\": \"physnet2\", "
                "\"controller\": \"10.2.2.2\"}");
    fixture_put(m, "/flowsteer/v1/chassis/a",
                "{\"ip\": \"192.0.2.1\", \"bridge_mappings\": "
                "\"physnet1:br-ex, physnet2:br-two\"}");
    fixture_put(m, "/flowsteer/v1/chassis/b",
                "{\"ip\": \"2001:db8::10\", \"encap\": \"geneve\", "
                "\"bridge_mappings\": [\"physnet1:br-ex\"]}");
    fixture_put(m, "/flowsteer/v1/chassis/c",
                "ip: 192.0.2.3\nencap: gre\nbridge_mappings:\n"
                "  physnet1: br-ex\n");
    fixture_put(m, "/flowsteer/v1/ports/r",
                "{\"network_id\": \"v\", \"binding:profile\": {\"port_key\": "
                "\"remote_port\", \"host_ip\": \"198.51.100.7\"}}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    const struct fs_network *n = fs_snapshot_find(s, FS_NETWORK, "v");
    assert_string_equal(n->network_type, "vlan");
    assert_string_equal(n->physical_network, "physnet1");
    assert_int_equal(n->segmentation_id, 100);
    assert_string_equal(n->controller, "somehost:6666");
    n = fs_snapshot_find(s, FS_NETWORK, "g");
    assert_int_equal(n->segmentation_id, 4294967295LL);
    n = fs_snapshot_find(s, FS_NETWORK, "f");
    assert_int_equal(n->segmentation_id, -1);

    const struct fs_chassis *ch = fs_snapshot_find(s, FS_CHASSIS, "a");
    assert_string_equal(ch->encap, "vxlan");
    assert_int_equal(ch->n_bridge_mappings, 2);
    assert_string_equal(ch->bridge_mappings[1].physnet, "physnet2");
    assert_string_equal(ch->bridge_mappings[1].bridge, "br-two");
    ch = fs_snapshot_find(s, FS_CHASSIS, "b");
    assert_string_equal(ch->encap, "geneve");
    assert_string_equal(ch->bridge_mappings[0].bridge, "br-ex");
    ch = fs_snapshot_find(s, FS_CHASSIS, "c");
    assert_string_equal(ch->ip, "192.0.2.3");
    assert_string_equal(ch->bridge_mappings[0].physnet, "physnet1");
    assert_string_equal(ch->bridge_mappings[0].bridge, "br-ex");

    const struct fs_port *p = fs_snapshot_find(s, FS_PORT, "r");
    assert_true(p->remote);
    assert_string_equal(p->remote_host_ip, "198.51.100.7");
    assert_null(p->mac_address);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Deleting a document: what depended on it is rejected with an error that
 * names the missing reference; deleting it too clears the error. */
static void test_delete(void **state)
{
    struct fs_model *m = example("json");
    assert_true(fixture_delete(m, "/flowsteer/v1/flow_classifiers/" EX_FC1));
    assert_false(fixture_delete(m, "/flowsteer/v1/flow_classifiers/" EX_FC1));
    assert_false(fixture_delete(m, "/flowsteer/v1/status/node1"));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->n_flow_classifiers, 0);
    assert_null(fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1));
    assert_int_equal(s->errors.n, 1);
    assert_string_equal(s->errors.items[0].key, PC1_KEY);
    assert_string_equal(s->errors.items[0].path,
                        "$.port_chain.flow_classifiers[0]");
    assert_string_equal(s->errors.items[0].message,
                        "flow classifier \"" EX_FC1
                        "\" does not exist or was rejected");
    assert_null(fs_snapshot_chain_of_group(s, EX_PG(1)));
    fs_snapshot_destroy(s);

    assert_true(fixture_delete(m, PC1_KEY));
    s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(s->n_port_chains, 0);
    assert_int_equal(s->n_pending_chains, 0);
    assert_int_equal(s->n_port_pair_groups, 2);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Clearing forgets documents and allocation keys alike. */
static void test_clear(void **state)
{
    struct fs_model *m = example("yaml");
    fixture_put(m, FS_KEYS_CHAIN_PATHS EX_PC1, "9");
    fixture_put(m, FS_KEYS_PATH_IDS "9", EX_PC1);
    fs_model_clear(m);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->n_networks + s->n_ports + s->n_port_pairs +
                         s->n_port_pair_groups + s->n_flow_classifiers +
                         s->n_port_chains,
                     0);
    assert_int_equal(fs_snapshot_free_path_id(s), 1);
    fs_snapshot_destroy(s);
    /* The model is usable again: a relist brings everything back. */
    assert_int_equal(fixture_load_example(m, "json"), 16);
    fixture_put(m, FS_KEYS_CHAIN_PATHS EX_PC1, "9");
    s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(s->port_chains[0].path_id, 9);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Allocation keys: ids of chains that no longer exist, explicit ids of
 * rejected chains and stray path id keys are all taken; an allocation that
 * collides with an explicit chain_id rejects the allocated chain. */
static void test_allocation_edges(void **state)
{
    struct fs_model *m = example("json");
    fixture_put(m, FS_KEYS_CHAIN_PATHS "gone-chain", "1");
    fixture_put(m, FS_KEYS_PATH_IDS "2", "gone-chain-2");
    fixture_put(m, PC_KEY,
                "{\"port_pair_groups\": [\"nope\"], "
                "\"chain_parameters\": {\"chain_id\": 3}}");
    fixture_put(m, FS_KEYS_CHAIN_PATHS "bad-value", "x7");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_non_null(find_error(s, PC_KEY));
    assert_int_equal(fs_snapshot_free_path_id(s), 4);
    assert_int_equal(s->n_pending_chains, 1);
    fs_snapshot_destroy(s);

    /* A bad value removes an earlier allocation. */
    fixture_put(m, FS_KEYS_CHAIN_PATHS EX_PC1, "5");
    fixture_put(m, FS_KEYS_CHAIN_PATHS EX_PC1, "five");
    s = fs_snapshot_build(m);
    assert_int_equal(s->n_pending_chains, 1);
    fs_snapshot_destroy(s);

    /* PC1 (created first) was allocated 3; pcx, created later, asks for
     * chain_id 3: pcx is the one rejected, PC1 keeps steering. */
    fixture_put(m, FS_KEYS_CHAIN_PATHS EX_PC1, "3");
    fixture_put(m, "/flowsteer/v1/port_pair_groups/pgx",
                "{\"port_pairs\": [\"ppx\"]}");
    fixture_put(m, "/flowsteer/v1/port_pairs/ppx",
                "{\"ingress\": \"" EX_P(5) "\", \"egress\": \"" EX_P(5) "\"}");
    fixture_put(m, PC_KEY,
                "{\"port_pair_groups\": [\"pgx\"], "
                "\"chain_parameters\": {\"chain_id\": 3}}");
    s = fs_snapshot_build(m);
    assert_null(find_error(s, PC1_KEY));
    const struct fs_error *e = find_error(s, PC_KEY);
    assert_non_null(e);
    assert_string_equal(e->path, "$.chain_parameters.chain_id");
    assert_string_equal(e->message,
                        "chain_id 3 is already the path id of port chain "
                        "\"" EX_PC1 "\", which came first");
    const struct fs_port_chain *pc = fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1);
    assert_int_equal(pc->path_id, 3);
    assert_null(fs_snapshot_find(s, FS_PORT_CHAIN, "pcx"));
    fs_snapshot_destroy(s);

    /* The other way round: pcx came first with chain_id 3, then PC1's
     * allocation says 3 (a race): PC1 is rejected, pcx keeps 3. */
    fixture_delete(m, PC1_KEY);
    fixture_put_at(m, PC1_KEY,
                   "{\"port_pair_groups\": [\"" EX_PG(
                       1) "\"], "
                          "\"flow_classifiers\": [\"" EX_FC1 "\"]}",
                   300);
    s = fs_snapshot_build(m);
    e = find_error(s, PC1_KEY);
    assert_non_null(e);
    assert_string_equal(e->path, "$");
    assert_string_equal(e->message,
                        "path id 3 allocated to this chain "
                        "(/flowsteer/v1/keys/port_chains/" EX_PC1
                        ") is also the path id of port chain \"pcx\"");
    pc = fs_snapshot_find(s, FS_PORT_CHAIN, "pcx");
    assert_int_equal(pc->path_id, 3);
    fs_snapshot_destroy(s);

    /* An allocation that does not fit an MPLS label. */
    fixture_delete(m, PC_KEY);
    fixture_put(m, FS_KEYS_CHAIN_PATHS EX_PC1, "5000");
    s = fs_snapshot_build(m);
    e = find_error(s, PC1_KEY);
    assert_non_null(e);
    assert_non_null(strstr(e->message, "does not fit an MPLS label"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* fs_snapshot_group_hop(): a group's chain and position. */
static void test_group_hop(void **state)
{
    struct fs_model *m = example("json");
    struct fs_snapshot *s = fs_snapshot_build(m);
    size_t hop = 99;
    const struct fs_port_chain *pc = fs_snapshot_group_hop(s, EX_PG(2), &hop);
    assert_non_null(pc);
    assert_string_equal(pc->meta.id, EX_PC1);
    assert_int_equal(hop, 1);
    assert_ptr_equal(fs_snapshot_group_hop(s, EX_PG(1), &hop), pc);
    assert_int_equal(hop, 0);
    assert_null(fs_snapshot_group_hop(s, "nope", &hop));
    assert_null(fs_snapshot_chain_of_group(s, NULL));
    assert_null(fs_snapshot_find(s, FS_PORT, NULL));
    assert_null(fs_snapshot_find(s, FS_N_KINDS, EX_SRC));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Slices and flowspaces are in the snapshot (their rules:
 * test_model_slices.c); nodes/ keys ignored (keys that are not
 * <kind>/<id>: test_keys.c). */
static void test_slices_and_ignored_keys(void **state)
{
    struct fs_model *m = fs_model_create();
    const char *slice =
        "{\"slice\": {\"name\": \"red\", \"controller\": \"10.0.0.1\"}}";
    const char *flowspace = "name: fs\nslice: s1\nmatch: {}\n";
    assert_true(fixture_put_at(m, "/flowsteer/v1/slices/s1", slice, 5));
    assert_true(fixture_put_at(m, "/flowsteer/v1/flowspaces/f1", flowspace, 6));
    assert_false(fixture_put_at(m, "/flowsteer/v1/nodes/node1", "{}", 7));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(s->n_slices, 1);
    assert_string_equal(s->slices[0].meta.name, "red");
    assert_int_equal(s->slices[0].meta.mod_revision, 5);
    assert_int_equal(s->n_flowspaces, 1);
    const struct fs_flowspace *fs = fs_snapshot_find(s, FS_FLOWSPACE, "f1");
    assert_non_null(fs);
    assert_string_equal(fs->meta.key, "/flowsteer/v1/flowspaces/f1");
    assert_string_equal(fs_kind_name(FS_FLOWSPACE), "flowspaces");
    assert_string_equal(fs_kind_name(FS_PORT_PAIR_GROUP), "port_pair_groups");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* 10k ports, 1000 chains of two groups each: every document valid, built
 * in well under a second (the per-source-port overlap index). */
static void test_scale(void **state)
{
    struct fs_model *m = fs_model_create();
    fixture_put(m, "/flowsteer/v1/networks/n", "{}");
    char key[128], val[512];
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "/flowsteer/v1/ports/p%05d", i);
        snprintf(val, sizeof val,
                 "{\"network_id\": \"n\", \"device_id\": \"d%d\", "
                 "\"mac_address\": \"fa:16:3e:00:%02x:%02x\"}",
                 i / 2, i >> 8, i & 0xff);
        fixture_put(m, key, val);
    }
    for (int c = 0; c < 1000; c++) {
        for (int g = 0; g < 2; g++) {
            int pp = c * 2 + g, port = pp * 2;
            snprintf(key, sizeof key, "/flowsteer/v1/port_pairs/pp%d", pp);
            snprintf(val, sizeof val,
                     "{\"ingress\": \"p%05d\", \"egress\": \"p%05d\"}", port,
                     port + 1);
            fixture_put(m, key, val);
            snprintf(key, sizeof key, "/flowsteer/v1/port_pair_groups/g%d", pp);
            snprintf(val, sizeof val, "{\"port_pairs\": [\"pp%d\"]}", pp);
            fixture_put(m, key, val);
        }
        snprintf(key, sizeof key, "/flowsteer/v1/flow_classifiers/f%d", c);
        snprintf(val, sizeof val,
                 "{\"logical_source_port\": \"p%05d\", \"protocol\": \"tcp\", "
                 "\"destination_port_range_min\": %d}",
                 9000 + c % 10, 1000 + c);
        fixture_put(m, key, val);
        snprintf(key, sizeof key, "/flowsteer/v1/port_chains/c%d", c);
        snprintf(val, sizeof val,
                 "{\"port_pair_groups\": [\"g%d\", \"g%d\"], "
                 "\"flow_classifiers\": [\"f%d\"]}",
                 c * 2, c * 2 + 1, c);
        fixture_put(m, key, val);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct fs_snapshot *s = fs_snapshot_build(m);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    print_message("snapshot of %zu ports, %zu chains: %.1f ms\n", s->n_ports,
                  s->n_port_chains, ms);
    assert_no_errors(s);
    assert_int_equal(s->n_ports, 10000);
    assert_int_equal(s->n_port_chains, 1000);
    assert_int_equal(s->n_pending_chains, 1000);
    assert_true(ms < 5000);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_json),
        cmocka_unit_test(test_yaml_equals_json),
        cmocka_unit_test(test_allocation_keys),
        cmocka_unit_test(test_cascade),
        cmocka_unit_test(test_overlapping_chains),
        cmocka_unit_test(test_symmetric_needs_destination),
        cmocka_unit_test(test_duplicate_chain_id_and_ignored_keys),
        cmocka_unit_test(test_canonical_forms),
        cmocka_unit_test(test_networking_sfc_payloads),
        cmocka_unit_test(test_networks_chassis_remote_ports),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_allocation_edges),
        cmocka_unit_test(test_group_hop),
        cmocka_unit_test(test_slices_and_ignored_keys),
        cmocka_unit_test(test_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for model/ validation: every rule gets a bad input, and the
 * test checks the error's etcd key, JSON path and message, and that
 * everything else of the networking-sfc example still makes it into the
 * snapshot (or, for rules about the example chain itself, that exactly that
 * chain is rejected). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixtures.h"
#include "model/build.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"

#define FC_KEY "/flowsteer/v1/flow_classifiers/fcx"
#define PP_KEY "/flowsteer/v1/port_pairs/ppx"
#define PG_KEY "/flowsteer/v1/port_pair_groups/pgx"
#define PC_KEY "/flowsteer/v1/port_chains/pcx"
#define PORT_KEY "/flowsteer/v1/ports/px"
#define NET_KEY "/flowsteer/v1/networks/nx"
#define CH_KEY "/flowsteer/v1/chassis/cx"
#define PC1_KEY "/flowsteer/v1/port_chains/" EX_PC1
#define PP1_KEY "/flowsteer/v1/port_pairs/" EX_PP(1)

/* A flow classifier from the example's source port, in the envelope. */
#define FC(FIELDS)                                                             \
    "{\"flow_classifier\": {\"logical_source_port\": \"" EX_SRC "\", " FIELDS  \
    "}}"
/* A port pair on the example's p1/p2 (device vm1), in the envelope. */
#define PP(FIELDS)                                                             \
    "{\"port_pair\": {\"ingress\": \"" EX_P(1) "\", \"egress\": \"" EX_P(      \
        2) "\"" FIELDS "}}"
/* The example chain PC1 with other fields (bare). */
#define PC1(FIELDS)                                                            \
    "{\"port_pair_groups\": [\"" EX_PG(1) "\", \"" EX_PG(                      \
        2) "\"], \"flow_classifiers\": [\"" EX_FC1 "\"]" FIELDS "}"

/* One bad input: an optional document put first ('pre_key'), the bad one,
 * and the error expected for 'key'.  'rejects_pc1': the rule is about the
 * example chain, which must then be rejected; else it must survive. */
struct bad_case {
    const char *pre_key, *pre_value;
    const char *key, *value;
    const char *path;
    const char *message; /* Substring. */
    bool rejects_pc1;
};

#define BAD(KEY, VALUE, PATH, MSG)                                             \
    {                                                                          \
        NULL, NULL, KEY, VALUE, PATH, MSG, false                               \
    }

static const struct bad_case bad_cases[] = {
    /* Flow classifiers. */
    BAD(FC_KEY, FC("\"ethertype\": \"IPv5\""), "$.flow_classifier.ethertype",
        "\"IPv5\" is not IPv4 or IPv6"),
    BAD(FC_KEY, FC("\"ethertype\": 4"), "$.flow_classifier.ethertype",
        "must be a string"),
    BAD(FC_KEY, FC("\"protocol\": \"tcpx\""), "$.flow_classifier.protocol",
        "must be tcp, udp, sctp, icmp, icmpv6 or a number 0..255"),
    BAD(FC_KEY, FC("\"protocol\": true"), "$.flow_classifier.protocol",
        "must be tcp"),
    BAD(FC_KEY, FC("\"protocol\": 300"), "$.flow_classifier.protocol",
        "300 is out of range 0..255"),
    BAD(FC_KEY, FC("\"protocol\": -1"), "$.flow_classifier.protocol",
        "out of range 0..255"),
    BAD(FC_KEY, FC("\"protocol\": \"tcp\", \"source_port_range_min\": 70000"),
        "$.flow_classifier.source_port_range_min", "out of range 0..65535"),
    BAD(FC_KEY, FC("\"protocol\": \"tcp\", \"source_port_range_max\": -5"),
        "$.flow_classifier.source_port_range_max", "out of range 0..65535"),
    BAD(FC_KEY,
        FC("\"protocol\": \"udp\", \"source_port_range_min\": \"eighty\""),
        "$.flow_classifier.source_port_range_min", "must be an integer"),
    BAD(FC_KEY,
        FC("\"protocol\": \"tcp\", \"destination_port_range_min\": 90, "
           "\"destination_port_range_max\": 80"),
        "$.flow_classifier.destination_port_range_min",
        "90 is greater than destination_port_range_max 80"),
    BAD(FC_KEY, FC("\"destination_port_range_min\": 80"),
        "$.flow_classifier.protocol", "port ranges need protocol tcp"),
    BAD(FC_KEY, FC("\"protocol\": \"icmp\", \"source_port_range_max\": 8"),
        "$.flow_classifier.protocol", "port ranges need protocol tcp"),
    BAD(FC_KEY, FC("\"source_ip_prefix\": \"10.0.0.300/8\""),
        "$.flow_classifier.source_ip_prefix", "is not an IPv4 prefix"),
    BAD(FC_KEY, FC("\"source_ip_prefix\": \"10.0.0.0/33\""),
        "$.flow_classifier.source_ip_prefix", "prefix length must be 0..32"),
    BAD(FC_KEY, FC("\"source_ip_prefix\": \"10.0.0.0/ 8\""),
        "$.flow_classifier.source_ip_prefix", "prefix length must be 0..32"),
    BAD(FC_KEY, FC("\"source_ip_prefix\": 10"),
        "$.flow_classifier.source_ip_prefix", "must be a string"),
    BAD(FC_KEY, FC("\"destination_ip_prefix\": \"2001:db8::/32\""),
        "$.flow_classifier.destination_ip_prefix",
        "is not of the classifier's ethertype IPv4"),
    BAD(FC_KEY,
        FC("\"ethertype\": \"IPv6\", \"source_ip_prefix\": \"10.0.0.0/8\""),
        "$.flow_classifier.source_ip_prefix",
        "is not of the classifier's ethertype IPv6"),
    BAD(FC_KEY, FC("\"destination_ip_prefix\": \"::/129\""),
        "$.flow_classifier.destination_ip_prefix", "prefix length"),
    BAD(FC_KEY, "{\"flow_classifier\": {\"protocol\": \"udp\"}}",
        "$.flow_classifier.logical_source_port", "required field is missing"),
    BAD(FC_KEY, "{\"flow_classifier\": {\"logical_source_port\": \"nope\"}}",
        "$.flow_classifier.logical_source_port",
        "port \"nope\" does not exist or was rejected"),
    BAD(FC_KEY, FC("\"logical_destination_port\": \"nope\""),
        "$.flow_classifier.logical_destination_port",
        "port \"nope\" does not exist"),
    /* Ports. */
    BAD(PORT_KEY,
        "{\"network_id\": \"" EX_NET "\", \"mac_address\": "
        "\"fa:16:3e:zz:00:01\"}",
        "$.mac_address", "\"fa:16:3e:zz:00:01\" is not a MAC address"),
    BAD(PORT_KEY,
        "{\"network_id\": \"" EX_NET "\", \"mac_address\": \"fa:16:3e:00:01\"}",
        "$.mac_address", "is not a MAC address"),
    BAD(PORT_KEY, "{\"network_id\": \"nonet\"}", "$.network_id",
        "network \"nonet\" does not exist or was rejected"),
    BAD(PORT_KEY, "{\"name\": \"p\"}", "$.network_id", "required"),
    BAD(PORT_KEY,
        "{\"network_id\": \"" EX_NET "\", \"fixed_ips\": [{\"ip_address\": "
        "\"10.0.0.256\"}]}",
        "$.fixed_ips[0].ip_address", "\"10.0.0.256\" is not an IP address"),
    BAD(PORT_KEY, "{\"network_id\": \"" EX_NET "\", \"fixed_ips\": [\"x\"]}",
        "$.fixed_ips[0]", "must be an object with ip_address"),
    BAD(PORT_KEY, "{\"network_id\": \"" EX_NET "\", \"fixed_ips\": {}}",
        "$.fixed_ips", "must be a list"),
    BAD(PORT_KEY,
        "{\"network_id\": \"" EX_NET "\", \"binding:profile\": "
        "{\"port_key\": \"remote_port\"}}",
        "$.binding:profile.host_ip", "required field is missing"),
    BAD(PORT_KEY,
        "{\"network_id\": \"" EX_NET "\", \"binding:profile\": "
        "{\"port_key\": \"remote_port\", \"host_ip\": \"vtep1\"}}",
        "$.binding:profile.host_ip", "\"vtep1\" is not an IP address"),
    BAD(PORT_KEY,
        "{\"network_id\": \"" EX_NET "\", \"binding:profile\": \"remote\"}",
        "$.binding:profile", "must be an object"),
    /* Port pairs. */
    BAD(PP_KEY,
        "{\"port_pair\": {\"ingress\": \"nope\", \"egress\": \"" EX_P(2) "\"}}",
        "$.port_pair.ingress", "port \"nope\" does not exist or was rejected"),
    BAD(PP_KEY,
        "{\"port_pair\": {\"ingress\": \"" EX_P(1) "\", \"egress\": \"nope\"}}",
        "$.port_pair.egress", "port \"nope\" does not exist"),
    BAD(PP_KEY,
        "{\"port_pair\": {\"ingress\": \"" EX_P(1) "\", \"egress\": \"" EX_P(
            4) "\"}}",
        "$.port_pair.egress",
        "ingress and egress ports belong to different devices (\"vm1\" and "
        "\"vm2\")"),
    BAD(PP_KEY, "{\"port_pair\": {\"ingress\": \"" EX_P(1) "\"}}",
        "$.port_pair.egress", "required field is missing"),
    BAD(PP_KEY,
        PP(", \"service_function_parameters\": {\"correlation\": "
           "\"vxlan\"}"),
        "$.port_pair.service_function_parameters.correlation",
        "correlation \"vxlan\" is not mpls, nsh or none"),
    BAD(PP_KEY, PP(", \"service_function_parameters\": {\"weight\": 0}"),
        "$.port_pair.service_function_parameters.weight",
        "0 is out of range 1..65535"),
    BAD(PP_KEY, PP(", \"service_function_parameters\": {\"weight\": 1.5}"),
        "$.port_pair.service_function_parameters.weight", "must be an integer"),
    BAD(PP_KEY, PP(", \"service_function_parameters\": [1]"),
        "$.port_pair.service_function_parameters", "must be an object"),
    /* Port pair groups. */
    BAD(PG_KEY, "{\"port_pairs\": [\"" EX_PP(1) "\"]}", "$.port_pairs[0]",
        "port pair \"" EX_PP(1) "\" is already in port pair group \"" EX_PG(
            1) "\""),
    BAD(PG_KEY, "{\"port_pairs\": [\"nope\"]}", "$.port_pairs[0]",
        "port pair \"nope\" does not exist or was rejected"),
    BAD(PG_KEY, "{\"port_pairs\": []}", "$.port_pairs",
        "must list at least one port pair"),
    BAD(PG_KEY, "{\"port_pairs\": [\"a\", 7]}", "$.port_pairs[1]",
        "must be a string"),
    BAD(PG_KEY, "{\"port_pairs\": [\"a\", \"b\", \"a\"]}", "$.port_pairs[2]",
        "\"a\" is listed twice"),
    BAD(PG_KEY,
        "{\"port_pairs\": [\"x\"], \"port_pair_group_parameters\": "
        "{\"lb_fields\": [\"ip_src\", \"colour\"]}}",
        "$.port_pair_group_parameters.lb_fields[1]",
        "\"colour\" is not one of eth_src, eth_dst, ip_src, ip_dst"),
    BAD(PG_KEY,
        "{\"port_pairs\": [\"x\"], \"port_pair_group_parameters\": "
        "{\"lb_fields\": \"ip_src&nw_tos\"}}",
        "$.port_pair_group_parameters.lb_fields[1]", "\"nw_tos\" is not one"),
    BAD(PG_KEY,
        "{\"port_pairs\": [\"x\"], \"port_pair_group_parameters\": "
        "{\"lb_fields\": 5}}",
        "$.port_pair_group_parameters.lb_fields", "must be a list"),
    /* Port chains. */
    BAD(PC_KEY, "{\"port_pair_groups\": [\"" EX_PG(1) "\"]}",
        "$.port_pair_groups[0]",
        "port pair group \"" EX_PG(1) "\" is already in port chain \"" EX_PC1
                                      "\""),
    BAD(PC_KEY, "{\"port_pair_groups\": [\"nope\"]}", "$.port_pair_groups[0]",
        "port pair group \"nope\" does not exist or was rejected"),
    BAD(PC_KEY, "{\"port_pair_groups\": []}", "$.port_pair_groups",
        "must list at least one group"),
    BAD(PC_KEY, "{\"flow_classifiers\": []}", "$.port_pair_groups",
        "required field is missing"),
    BAD(PC_KEY, "{\"port_pair_groups\": \"" EX_PG(1) "\"}",
        "$.port_pair_groups", "must be a list"),
    BAD(PC_KEY, "{\"port_pair_groups\": [\"x\", \"y\", \"x\"]}",
        "$.port_pair_groups[2]", "\"x\" is listed twice"),
    BAD(PC_KEY,
        "{\"port_pair_groups\": [\"x\"], \"flow_classifiers\": [\"" EX_FC1
        "\"]}",
        "$.port_pair_groups[0]", "does not exist"),
    BAD(PC_KEY,
        "{\"port_pair_groups\": [\"" EX_PG(1) "\"], \"flow_classifiers\": "
                                              "[\"nope\"]}",
        "$.port_pair_groups[0]", "already in port chain"),
    BAD(PC_KEY,
        "{\"port_pair_groups\": [\"x\"], \"chain_parameters\": "
        "{\"chain_id\": 70000}}",
        "$.chain_parameters.chain_id", "70000 is out of range 0..65535"),
    BAD(PC_KEY,
        "{\"port_pair_groups\": [\"x\"], \"chain_parameters\": "
        "{\"chain_id\": \"seven\"}}",
        "$.chain_parameters.chain_id", "must be an integer"),
    BAD(PC_KEY,
        "{\"port_pair_groups\": [\"x\"], \"chain_parameters\": "
        "{\"chain_id\": 5000}}",
        "$.chain_parameters.chain_id",
        "5000 does not fit an MPLS label ((path id << 8) | hop index must be "
        "< 2^20): use at most 4095"),
    BAD(PC_KEY, "{\"port_pair_groups\": [\"x\"], \"chain_id\": 4096}",
        "$.chain_id", "does not fit an MPLS label"),
    BAD(PC_KEY,
        "{\"port_pair_groups\": [\"x\"], \"chain_id\": 8, "
        "\"chain_parameters\": {\"chain_id\": 9}}",
        "$.chain_id", "8 differs from chain_parameters.chain_id 9"),
    BAD(PC_KEY,
        "{\"port_pair_groups\": [\"x\"], \"chain_parameters\": "
        "{\"correlation\": \"gre\"}}",
        "$.chain_parameters.correlation",
        "correlation \"gre\" is not mpls, nsh or none"),
    BAD(PC_KEY,
        "{\"port_pair_groups\": [\"x\"], \"chain_parameters\": "
        "{\"symmetric\": \"yes\"}}",
        "$.chain_parameters.symmetric", "must be true or false"),
    BAD(PC_KEY, "{\"port_pair_groups\": [\"x\"], \"chain_parameters\": 1}",
        "$.chain_parameters", "must be an object"),
    /* Networks. */
    BAD(NET_KEY,
        "{\"provider:network_type\": \"vlan\", "
        "\"provider:segmentation_id\": 5000}",
        "$.provider:segmentation_id", "5000 is out of range 1..4094"),
    BAD(NET_KEY,
        "{\"provider:network_type\": \"vlan\", "
        "\"provider:segmentation_id\": 0}",
        "$.provider:segmentation_id", "out of range 1..4094"),
    BAD(NET_KEY,
        "{\"provider:network_type\": \"vxlan\", "
        "\"provider:segmentation_id\": 16777216}",
        "$.provider:segmentation_id", "out of range 1..16777215"),
    BAD(NET_KEY,
        "{\"provider:network_type\": \"geneve\", "
        "\"provider:segmentation_id\": 16777216}",
        "$.provider:segmentation_id", "out of range 1..16777215"),
    BAD(NET_KEY,
        "{\"provider:network_type\": \"gre\", "
        "\"provider:segmentation_id\": 4294967296}",
        "$.provider:segmentation_id", "out of range 1..4294967295"),
    BAD(NET_KEY,
        "{\"provider:network_type\": \"flat\", "
        "\"provider:segmentation_id\": 3}",
        "$.provider:segmentation_id", "a flat network has no segmentation id"),
    BAD(NET_KEY, "{\"provider:network_type\": \"token\"}",
        "$.provider:network_type",
        "\"token\" is not flat, vlan, vxlan, geneve or gre"),
    BAD(NET_KEY, "{\"controller\": \"10.0.2.2:66666\"}", "$.controller",
        "port \"66666\" is not 1..65535"),
    BAD(NET_KEY, "{\"controller\": \"10.0.2.2:\"}", "$.controller",
        "is not 1..65535"),
    BAD(NET_KEY, "{\"controller\": \"bad host!\"}", "$.controller",
        "\"bad host!\" is not a host name or IP address"),
    BAD(NET_KEY, "{\"controller\": \"[::1\"}", "$.controller",
        "is not host[:port]"),
    BAD(NET_KEY, "{\"controller\": \"\"}", "$.controller",
        "is not a host name"),
    /* Chassis. */
    BAD(CH_KEY, "{\"ip\": \"10.0.0.1\", \"encap\": \"stt\"}", "$.encap",
        "\"stt\" is not vxlan, geneve or gre"),
    BAD(CH_KEY, "{\"ip\": \"10.0.0\"}", "$.ip",
        "\"10.0.0\" is not an IP address"),
    BAD(CH_KEY, "{\"bridge_mappings\": \"physnet1\"}", "$.bridge_mappings",
        "\"physnet1\" is not physnet:bridge"),
    BAD(CH_KEY, "{\"bridge_mappings\": [\"physnet1:br-ex\", 3]}",
        "$.bridge_mappings[1]", "must be a \"physnet:bridge\" string"),
    BAD(CH_KEY, "{\"bridge_mappings\": {\"physnet1\": 3}}",
        "$.bridge_mappings.physnet1", "is not physnet:bridge"),
    BAD(CH_KEY, "{\"bridge_mappings\": 3}", "$.bridge_mappings",
        "must be \"physnet:bridge,...\", a list or an object"),
    /* Any kind: id, name, syntax, shape. */
    BAD(NET_KEY, "{\"id\": \"other\"}", "$.id",
        "id \"other\" differs from the key's \"nx\""),
    BAD(NET_KEY, "{\"network\": {\"id\": \"other\"}}", "$.network.id",
        "differs from the key's"),
    BAD(NET_KEY, "{\"id\": 5}", "$.id", "must be a string"),
    BAD(NET_KEY, "{\"name\": [\"n\"]}", "$.name", "must be a string"),
    BAD(NET_KEY, "{\"name\": ", "$", "invalid JSON"),
    BAD(NET_KEY, "[1, 2]", "$", "a network must be a JSON or YAML object"),
    BAD(NET_KEY, "42", "$", "must be a JSON or YAML object"),
    BAD(NET_KEY, "", "$", "invalid YAML: empty document"),
    BAD(NET_KEY, "name: [unclosed", "$", "invalid YAML"),
    BAD(NET_KEY, "a: 1\nb: *x\n", "$", "aliases are not supported"),
    BAD(NET_KEY, "name: a\nname: b\n", "$", "duplicate key \"name\""),
    BAD(PP_KEY, "{\"port_pair\": \"p1\"}", "$.port_pair",
        "a port_pair must be a JSON or YAML object"),
    BAD("/flowsteer/v1/slices/s1", "[\"s\"]", "$",
        "a slice must be a JSON or YAML object"),
    /* Rules about the example chain itself. */
    {PP1_KEY,
     "{\"ingress\": \"" EX_P(1) "\", \"egress\": \"" EX_P(
         2) "\", \"service_function_parameters\": {\"correlation\": \"nsh\"}}",
     PC1_KEY, PC1(""), "$.port_pair_groups[0]",
     "port pair \"" EX_PP(1) "\" uses correlation nsh but the chain uses mpls",
     true},
    {NULL, NULL, PC1_KEY, PC1(", \"chain_parameters\": {\"symmetric\": true}"),
     "$.flow_classifiers[0]",
     "a symmetric chain needs logical_destination_port on flow classifier "
     "\"" EX_FC1 "\"",
     true},
    {FC_KEY,
     FC("\"ethertype\": \"IPv6\", \"destination_ip_prefix\": \"2001:db8::1\""),
     PC1_KEY,
     "{\"port_pair_groups\": [\"" EX_PG(
         1) "\"], \"flow_classifiers\": [\"" EX_FC1 "\", \"fcx\"]}",
     "$.flow_classifiers[1]",
     "flow classifiers of one MPLS chain must share one ethertype", true},
    {NULL, NULL, PC1_KEY,
     "{\"port_pair_groups\": [\"" EX_PG(
         1) "\"], \"flow_classifiers\": [\"" EX_FC1 "\", \"" EX_FC1 "\"]}",
     "$.flow_classifiers[1]", "is listed twice", true},
};

/* Returns the error for 'key' at 'path', else the first one for 'key'. */
static const struct fs_error *find_error_at(const struct fs_snapshot *s,
                                            const char *key, const char *path)
{
    const struct fs_error *first = NULL;
    for (size_t i = 0; i < s->errors.n; i++) {
        const struct fs_error *e = &s->errors.items[i];
        if (!strcmp(e->key, key) && !strcmp(e->path, path)) {
            return e;
        }
        first = first || strcmp(e->key, key) ? first : e;
    }
    return first;
}

static void print_errors(const struct fs_snapshot *s)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        print_error("  %s %s %s\n", s->errors.items[i].key,
                    s->errors.items[i].path, s->errors.items[i].message);
    }
}

static bool run_case(size_t i, const struct bad_case *bc)
{
    struct fs_model *m = fs_model_create();
    fixture_load_example(m, "json");
    if (bc->pre_key) {
        fixture_put(m, bc->pre_key, bc->pre_value);
    }
    fixture_put(m, bc->key, bc->value);
    struct fs_snapshot *s = fs_snapshot_build(m);
    const struct fs_error *e = find_error_at(s, bc->key, bc->path);
    bool ok = e && !strcmp(e->path, bc->path) &&
              strstr(e->message, bc->message) &&
              !fs_errors_has_key(&s->errors, "/flowsteer/v1/ports/" EX_P(1));
    /* Everything else still converges: only the example chain may go, and
     * only when the rule is about it. */
    bool pc1 = fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1) != NULL;
    ok = ok && pc1 == !bc->rejects_pc1 && s->n_ports >= 8 &&
         s->n_port_pair_groups >= 2;
    if (!ok) {
        print_error("case %zu %s = %s\nwant %s: %s%s; got:\n", i, bc->key,
                    bc->value, bc->path, bc->message,
                    bc->rejects_pc1 ? " (rejecting PC1)" : "");
        print_errors(s);
    }
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
    return ok;
}

static void test_bad_inputs(void **state)
{
    size_t failed = 0;
    for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        failed += !run_case(i, &bad_cases[i]);
    }
    assert_int_equal(failed, 0);
}

/* The same bad field is reported at "$.field" bare and at
 * "$.flow_classifier.field" in the envelope. */
static void test_paths_bare_and_envelope(void **state)
{
    struct fs_model *m = fs_model_create();
    fixture_put(m, "/flowsteer/v1/flow_classifiers/a",
                "{\"ethertype\": \"ipv4\", \"logical_source_port\": \"p\"}");
    fixture_put(m, "/flowsteer/v1/flow_classifiers/b",
                "{\"flow_classifier\": {\"ethertype\": \"ipv4\", "
                "\"logical_source_port\": \"p\"}}");
    fixture_put(m, "/flowsteer/v1/flow_classifiers/c",
                "flow_classifier:\n  ethertype: ipv4\n"
                "  logical_source_port: p\n");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 3);
    assert_string_equal(s->errors.items[0].key,
                        "/flowsteer/v1/flow_classifiers/a");
    assert_string_equal(s->errors.items[0].path, "$.ethertype");
    assert_string_equal(s->errors.items[1].path, "$.flow_classifier.ethertype");
    assert_string_equal(s->errors.items[2].path, "$.flow_classifier.ethertype");
    assert_string_equal(s->errors.items[2].message,
                        "\"ipv4\" is not IPv4 or IPv6");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A port chain may have at most 127 port pair groups (hop index). */
static void test_too_many_groups(void **state)
{
    struct ds doc = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&doc, "{\"port_pair_groups\": [");
    for (int i = 0; i < 128; i++) {
        ds_put_format(&doc, "%s\"g%d\"", i ? ", " : "", i);
    }
    ds_put_cstr(&doc, "]}");
    struct fs_model *m = fs_model_create();
    fixture_put(m, PC_KEY, ds_cstr(&doc));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 1);
    assert_string_equal(s->errors.items[0].path, "$.port_pair_groups");
    assert_string_equal(s->errors.items[0].message,
                        "at most 127 groups (hop index)");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
    ds_destroy(&doc);
}

/* A flow classifier belongs to at most one chain; the first chain by id
 * keeps it. */
static void test_classifier_in_one_chain(void **state)
{
    struct fs_model *m = fs_model_create();
    fixture_load_example(m, "json");
    fixture_put(m, PP_KEY,
                "{\"ingress\": \"" EX_P(5) "\", \"egress\": \"" EX_P(6) "\"}");
    fixture_put(m, PG_KEY, "{\"port_pairs\": [\"ppx\"]}");
    fixture_put(
        m, "/flowsteer/v1/port_chains/zz",
        "{\"port_pair_groups\": [\"pgx\"], \"flow_classifiers\": [\"" EX_FC1
        "\"]}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    const struct fs_error *e =
        find_error_at(s, "/flowsteer/v1/port_chains/zz", "");
    assert_non_null(e);
    assert_string_equal(e->path, "$.flow_classifiers[0]");
    assert_string_equal(e->message,
                        "flow classifier \"" EX_FC1
                        "\" is already in port chain \"" EX_PC1 "\"");
    assert_non_null(fs_snapshot_find(s, FS_PORT_CHAIN, EX_PC1));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Classifier overlap (model/chains.c): same source port (and destination
 * when both given), same ethertype, protocols equal or either any, port
 * ranges and prefixes intersecting. */
static void test_classifier_overlap_rule(void **state)
{
    static const struct {
        const char *a, *b;
        bool overlap;
    } cases[] = {
        {"", "", true},
        {"\"protocol\": \"tcp\"", "", true},
        {"\"protocol\": \"tcp\"", "\"protocol\": \"udp\"", false},
        {"\"protocol\": \"tcp\", \"destination_port_range_min\": 80",
         "\"protocol\": \"tcp\", \"destination_port_range_min\": 81", false},
        {"\"protocol\": \"tcp\", \"destination_port_range_min\": 80, "
         "\"destination_port_range_max\": 90",
         "\"protocol\": \"tcp\", \"destination_port_range_max\": 90", true},
        {"\"protocol\": \"tcp\", \"source_port_range_min\": 1",
         "\"protocol\": \"tcp\", \"destination_port_range_min\": 1", true},
        {"\"source_ip_prefix\": \"10.0.0.0/8\"",
         "\"source_ip_prefix\": \"10.1.2.3\"", true},
        {"\"source_ip_prefix\": \"10.0.0.0/8\"",
         "\"source_ip_prefix\": \"11.0.0.0/8\"", false},
        {"\"ethertype\": \"IPv6\"", "", false},
        {"\"ethertype\": \"IPv6\", \"destination_ip_prefix\": "
         "\"2001:db8::/32\"",
         "\"ethertype\": \"IPv6\", \"destination_ip_prefix\": "
         "\"2001:db9::/32\"",
         false},
        {"\"logical_destination_port\": \"" EX_DST "\"", "", true},
        {"\"logical_destination_port\": \"" EX_DST "\"",
         "\"logical_destination_port\": \"" EX_P(1) "\"", false},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fs_model *m = fs_model_create();
        fixture_put(m, "/flowsteer/v1/networks/n", "{}");
        fixture_put(m, "/flowsteer/v1/ports/" EX_SRC,
                    "{\"network_id\": \"n\"}");
        fixture_put(m, "/flowsteer/v1/ports/" EX_DST,
                    "{\"network_id\": \"n\"}");
        fixture_put(m, "/flowsteer/v1/ports/" EX_P(1),
                    "{\"network_id\": \"n\"}");
        char *a = xasprintf(FC("%s"), cases[i].a);
        char *b = xasprintf(FC("%s"), cases[i].b);
        fixture_put(m, "/flowsteer/v1/flow_classifiers/a", a);
        fixture_put(m, "/flowsteer/v1/flow_classifiers/b", b);
        struct fs_snapshot *s = fs_snapshot_build(m);
        assert_int_equal(s->n_flow_classifiers, 2);
        bool got = fs_classifiers_overlap(&s->flow_classifiers[0],
                                          &s->flow_classifiers[1]);
        if (got != cases[i].overlap) {
            print_error("case %zu: %s / %s\n", i, a, b);
            fail();
        }
        free(a);
        free(b);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_paths_bare_and_envelope),
        cmocka_unit_test(test_too_many_groups),
        cmocka_unit_test(test_classifier_in_one_chain),
        cmocka_unit_test(test_classifier_overlap_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

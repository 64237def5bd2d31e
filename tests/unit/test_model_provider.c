/* Unit tests for provider networks and port security in model/: the
 * provider attribute rules per network type, a VLAN id or a flat network
 * claimed twice on one physnet (the network created later is rejected,
 * whatever the order of ids), Neutron port security (port_security_enabled,
 * allowed_address_pairs and their canonical forms), and bridge mappings
 * (fs_bridge_mappings_parse() and the chassis document).  Every error is
 * checked for its exact etcd key, JSON path and message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixtures.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"

#define NET_KEY "/flowsteer/v1/networks/nx"
#define PORT_KEY "/flowsteer/v1/ports/px"
#define CH_KEY "/flowsteer/v1/chassis/node1"
#define NETS "/flowsteer/v1/networks/"
#define PORTS "/flowsteer/v1/ports/"

/* A network in the Neutron envelope. */
#define NET(FIELDS) "{\"network\": {" FIELDS "}}"
/* A port of network "n" in the Neutron envelope. */
#define PORT(FIELDS) "{\"port\": {\"network_id\": \"n\"" FIELDS "}}"
/* A VLAN network on 'PHYSNET' with VLAN id 'VID'. */
#define VLAN(PHYSNET, VID)                                                     \
    NET("\"provider:network_type\": \"vlan\", "                                \
        "\"provider:physical_network\": \"" PHYSNET "\", "                     \
        "\"provider:segmentation_id\": " #VID)
/* A flat network on 'PHYSNET'. */
#define FLAT(PHYSNET)                                                          \
    NET("\"provider:network_type\": \"flat\", "                                \
        "\"provider:physical_network\": \"" PHYSNET "\"")

/* Puts 'value' at 'key' as created at etcd revision 'create_revision'. */
static void put_at(struct fs_model *m, const char *key, const char *value,
                   int64_t create_revision)
{
    fs_model_put(m, key, strlen(key), value, strlen(value), create_revision,
                 create_revision);
}

static void print_errors(const struct fs_snapshot *s)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        print_error("  %s %s %s\n", s->errors.items[i].key,
                    s->errors.items[i].path, s->errors.items[i].message);
    }
}

/* Returns true if 's' has an error with exactly this key, path and
 * message (printing every error if not). */
static bool has_error(const struct fs_snapshot *s, const char *key,
                      const char *path, const char *message)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        const struct fs_error *e = &s->errors.items[i];
        if (!strcmp(e->key, key) && !strcmp(e->path, path) &&
            !strcmp(e->message, message)) {
            return true;
        }
    }
    print_error("want %s %s %s; got:\n", key, path, message);
    print_errors(s);
    return false;
}

static void assert_no_errors(const struct fs_snapshot *s)
{
    print_errors(s);
    assert_int_equal(s->errors.n, 0);
}

/* One bad document, put beside a valid network "n", and its error. */
static const struct {
    const char *key, *value;
    const char *path, *message;
} bad_cases[] = {
    /* Provider attributes per network type (Neutron ML2 type drivers). */
    {NET_KEY,
     NET("\"provider:network_type\": \"vlan\", "
         "\"provider:segmentation_id\": 100"),
     "$.network.provider:physical_network",
     "a vlan network needs a physical network"},
    {NET_KEY,
     NET("\"provider:network_type\": \"vlan\", "
         "\"provider:physical_network\": \"physnet1\""),
     "$.network.provider:segmentation_id",
     "a vlan network needs a segmentation id (1..4094)"},
    {NET_KEY, VLAN("physnet1", 4095), "$.network.provider:segmentation_id",
     "4095 is out of range 1..4094"},
    {NET_KEY, VLAN("physnet1", 0), "$.network.provider:segmentation_id",
     "0 is out of range 1..4094"},
    {NET_KEY, NET("\"provider:network_type\": \"flat\""),
     "$.network.provider:physical_network",
     "a flat network needs a physical network"},
    {NET_KEY,
     NET("\"provider:network_type\": \"flat\", "
         "\"provider:physical_network\": \"physnet1\", "
         "\"provider:segmentation_id\": 7"),
     "$.network.provider:segmentation_id",
     "a flat network has no segmentation id"},
    {NET_KEY,
     NET("\"provider:network_type\": \"vxlan\", "
         "\"provider:physical_network\": \"physnet1\""),
     "$.network.provider:physical_network",
     "a vxlan network has no physical network"},
    {NET_KEY,
     NET("\"provider:network_type\": \"geneve\", "
         "\"provider:physical_network\": \"physnet1\", "
         "\"provider:segmentation_id\": 5000"),
     "$.network.provider:physical_network",
     "a geneve network has no physical network"},
    {NET_KEY,
     NET("\"provider:network_type\": \"gre\", "
         "\"provider:physical_network\": \"physnet1\""),
     "$.network.provider:physical_network",
     "a gre network has no physical network"},
    {NET_KEY, NET("\"provider:physical_network\": \"physnet1\""),
     "$.network.provider:network_type",
     "required with provider:physical_network or provider:segmentation_id"},
    {NET_KEY, NET("\"provider:segmentation_id\": 12"),
     "$.network.provider:network_type",
     "required with provider:physical_network or provider:segmentation_id"},
    /* Port security (Neutron port-security and allowed-address-pairs). */
    {PORT_KEY, PORT(", \"port_security_enabled\": \"yes\""),
     "$.port.port_security_enabled", "must be true or false"},
    {PORT_KEY, PORT(", \"port_security_enabled\": 0"),
     "$.port.port_security_enabled", "must be true or false"},
    {PORT_KEY, PORT(", \"allowed_address_pairs\": {}"),
     "$.port.allowed_address_pairs", "must be a list"},
    {PORT_KEY, PORT(", \"allowed_address_pairs\": [\"10.0.0.5\"]"),
     "$.port.allowed_address_pairs[0]", "must be an object with ip_address"},
    {PORT_KEY,
     PORT(", \"allowed_address_pairs\": [{\"ip_address\": \"10.0.0.5\"}, "
          "{\"mac_address\": \"fa:16:3e:00:00:01\"}]"),
     "$.port.allowed_address_pairs[1].ip_address", "required field is missing"},
    {PORT_KEY,
     PORT(", \"allowed_address_pairs\": [{\"ip_address\": \"10.0.0.256\"}]"),
     "$.port.allowed_address_pairs[0].ip_address",
     "\"10.0.0.256\" is not an IP address or prefix"},
    {PORT_KEY, PORT(", \"allowed_address_pairs\": [{\"ip_address\": 5}]"),
     "$.port.allowed_address_pairs[0].ip_address", "must be a string"},
    {PORT_KEY,
     PORT(", \"allowed_address_pairs\": [{\"ip_address\": \"10.0.0.0/33\"}]"),
     "$.port.allowed_address_pairs[0].ip_address",
     "\"10.0.0.0/33\": prefix length must be 0..32"},
    {PORT_KEY,
     PORT(", \"allowed_address_pairs\": [{\"ip_address\": "
          "\"2001:db8::/129\"}]"),
     "$.port.allowed_address_pairs[0].ip_address",
     "\"2001:db8::/129\": prefix length must be 0..128"},
    {PORT_KEY,
     PORT(", \"allowed_address_pairs\": [{\"ip_address\": \"host/8\"}]"),
     "$.port.allowed_address_pairs[0].ip_address",
     "\"host/8\" is not an IPv4 prefix"},
    {PORT_KEY,
     PORT(", \"allowed_address_pairs\": [{\"ip_address\": \"10.0.0.5\", "
          "\"mac_address\": \"fa:16:3e:00:01\"}]"),
     "$.port.allowed_address_pairs[0].mac_address",
     "\"fa:16:3e:00:01\" is not a MAC address"},
    {PORT_KEY,
     PORT(", \"allowed_address_pairs\": [{\"ip_address\": \"10.0.0.5\"}, "
          "{\"ip_address\": \"10.0.0.5/32\"}]"),
     "$.port.allowed_address_pairs[1]", "repeats allowed_address_pairs[0]"},
    {PORT_KEY,
     PORT(", \"port_security_enabled\": false, \"allowed_address_pairs\": "
          "[{\"ip_address\": \"10.0.0.5\"}]"),
     "$.port.allowed_address_pairs",
     "a port with port_security_enabled false cannot have allowed address "
     "pairs (Neutron: port security must be enabled in order to have "
     "allowed address pairs on a port)"},
    /* Bridge mappings of the chassis. */
    {CH_KEY,
     "{\"chassis\": {\"bridge_mappings\": \"physnet1:br-ex, "
     "physnet1:br-two\"}}",
     "$.chassis.bridge_mappings",
     "physnet \"physnet1\" is mapped twice (to \"br-ex\" and \"br-two\")"},
    {CH_KEY,
     "{\"chassis\": {\"bridge_mappings\": [\"physnet1:br-ex\", "
     "\"physnet1:br-two\"]}}",
     "$.chassis.bridge_mappings[1]",
     "physnet \"physnet1\" is mapped twice (to \"br-ex\" and \"br-two\")"},
    {CH_KEY,
     "{\"chassis\": {\"bridge_mappings\": [\"physnet1:br-ex\", "
     "\"physnet2:br-0123456789abc\"]}}",
     "$.chassis.bridge_mappings[1]",
     "bridge name \"br-0123456789abc\" is longer than 15 characters"},
    {CH_KEY,
     "{\"chassis\": {\"bridge_mappings\": \"physnet1:br-0123456789abc\"}}",
     "$.chassis.bridge_mappings",
     "bridge name \"br-0123456789abc\" is longer than 15 characters"},
    {CH_KEY,
     "{\"chassis\": {\"bridge_mappings\": {\"physnet1\": "
     "\"br-0123456789abc\"}}}",
     "$.chassis.bridge_mappings.physnet1",
     "bridge name \"br-0123456789abc\" is longer than 15 characters"},
    {CH_KEY, "{\"chassis\": {\"bridge_mappings\": [\"physnet1:br:ex\"]}}",
     "$.chassis.bridge_mappings[0]",
     "\"physnet1:br:ex\" is not physnet:bridge"},
};

static void test_bad_documents(void **state)
{
    size_t failed = 0;
    for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        struct fs_model *m = fs_model_create();
        put_at(m, NETS "n", "{}", 5);
        put_at(m, bad_cases[i].key, bad_cases[i].value, 10);
        struct fs_snapshot *s = fs_snapshot_build(m);
        bool ok = has_error(s, bad_cases[i].key, bad_cases[i].path,
                            bad_cases[i].message) &&
                  fs_snapshot_find(s, FS_NETWORK, "n");
        if (!ok) {
            print_error("case %zu: %s\n", i, bad_cases[i].value);
        }
        failed += !ok;
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }
    assert_int_equal(failed, 0);
}

/* Port security as Neutron has it by default: enabled, no address pairs. */
static void test_port_security_defaults(void **state)
{
    struct fs_model *m = fs_model_create();
    put_at(m, NETS "n", "{}", 5);
    put_at(m, PORTS "a", PORT(""), 6);
    put_at(m, PORTS "b", PORT(", \"port_security_enabled\": null"), 7);
    put_at(m, PORTS "c", PORT(", \"port_security_enabled\": false"), 8);
    put_at(m, PORTS "d",
           PORT(", \"port_security_enabled\": false, "
                "\"allowed_address_pairs\": []"),
           9);
    put_at(m, PORTS "e", PORT(", \"port_security_enabled\": true"), 10);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    static const struct {
        const char *id;
        bool enabled;
    } want[] = {
        {"a", true}, {"b", true}, {"c", false}, {"d", false}, {"e", true}};
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        const struct fs_port *p = fs_snapshot_find(s, FS_PORT, want[i].id);
        assert_non_null(p);
        assert_int_equal(p->port_security_enabled, want[i].enabled);
        assert_int_equal(p->n_allowed_address_pairs, 0);
    }
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Allowed address pairs: addresses canonical as fixed IPs, prefixes as
 * classifier prefixes, full-length prefixes as the bare address, MACs in
 * lower case, no MAC = NULL (the port's own). */
static void test_address_pairs_canonical(void **state)
{
    static const struct {
        const char *ip, *mac;
        const char *want_ip, *want_mac;
    } pairs[] = {
        {"10.0.0.5", NULL, "10.0.0.5", NULL},
        {"10.0.0.7/24", "FA:16:3E:AA:BB:CC", "10.0.0.0/24",
         "fa:16:3e:aa:bb:cc"},
        {"10.0.0.9/32", NULL, "10.0.0.9", NULL},
        {"0.0.0.0/0", "fa:16:3e:00:00:02", "0.0.0.0/0", "fa:16:3e:00:00:02"},
        {"2001:DB8:0:0::1", NULL, "2001:db8::1", NULL},
        {"2001:db8::1/64", NULL, "2001:db8::/64", NULL},
        {"2001:db8::2/128", NULL, "2001:db8::2", NULL},
    };
    struct ds doc = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&doc, "{\"network_id\": \"n\", \"mac_address\": "
                      "\"fa:16:3e:00:00:01\", \"allowed_address_pairs\": [");
    for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
        ds_put_format(&doc, "%s{\"ip_address\": \"%s\"", i ? ", " : "",
                      pairs[i].ip);
        if (pairs[i].mac) {
            ds_put_format(&doc, ", \"mac_address\": \"%s\"", pairs[i].mac);
        }
        ds_put_char(&doc, '}');
    }
    ds_put_cstr(&doc, "]}");
    struct fs_model *m = fs_model_create();
    put_at(m, NETS "n", "{}", 5);
    put_at(m, PORTS "p", ds_cstr(&doc), 6);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    const struct fs_port *p = fs_snapshot_find(s, FS_PORT, "p");
    assert_true(p->port_security_enabled);
    assert_int_equal(p->n_allowed_address_pairs, ARRAY_SIZE(pairs));
    for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
        const struct fs_address_pair *a = &p->allowed_address_pairs[i];
        assert_string_equal(a->ip_address, pairs[i].want_ip);
        if (pairs[i].want_mac) {
            assert_string_equal(a->mac_address, pairs[i].want_mac);
        } else {
            assert_null(a->mac_address);
        }
    }
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
    ds_destroy(&doc);
}

/* Two networks 'a' and 'b' claiming the same thing, created at 'rev_a' and
 * 'rev_b', each with a port: the later network is rejected with 'path' and
 * 'message' (which names the earlier one), its port cascades, the earlier
 * network and its port stay. */
static void check_later_rejected(const char *a, int64_t rev_a, const char *b,
                                 int64_t rev_b, const char *path,
                                 const char *message)
{
    bool a_later = rev_a > rev_b; /* On a tie the higher key, "b". */
    const char *later = a_later ? "a" : "b", *earlier = a_later ? "b" : "a";
    struct fs_model *m = fs_model_create();
    put_at(m, NETS "a", a, rev_a);
    put_at(m, NETS "b", b, rev_b);
    put_at(m, PORTS "pa", "{\"network_id\": \"a\"}", 50);
    put_at(m, PORTS "pb", "{\"network_id\": \"b\"}", 51);
    struct fs_snapshot *s = fs_snapshot_build(m);
    char *later_key = xasprintf(NETS "%s", later);
    char *port_key = xasprintf(PORTS "p%s", later);
    char *port_msg =
        xasprintf("network \"%s\" does not exist or was rejected", later);
    assert_true(has_error(s, later_key, path, message));
    assert_true(has_error(s, port_key, "$.network_id", port_msg));
    assert_int_equal(s->errors.n, 2);
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, earlier));
    assert_null(fs_snapshot_find(s, FS_NETWORK, later));
    assert_int_equal(s->n_ports, 1);
    assert_string_equal(s->ports[0].network_id, earlier);
    free(later_key);
    free(port_key);
    free(port_msg);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A VLAN id used twice on one physnet: the later network is rejected, in
 * both orders of ids, and on a tie of create_revision the higher key. */
static void test_vlan_clash_later_rejected(void **state)
{
    const char *path = "$.network.provider:segmentation_id";
    check_later_rejected(VLAN("physnet1", 100), 10, VLAN("physnet1", 100), 20,
                         path,
                         "VLAN 100 on physnet \"physnet1\" is already used by "
                         "network \"a\"");
    check_later_rejected(VLAN("physnet1", 100), 20, VLAN("physnet1", 100), 10,
                         path,
                         "VLAN 100 on physnet \"physnet1\" is already used by "
                         "network \"b\"");
    check_later_rejected(VLAN("physnet1", 7), 10, VLAN("physnet1", 7), 10, path,
                         "VLAN 7 on physnet \"physnet1\" is already used by "
                         "network \"a\"");
}

/* A second flat network on one physnet: the later one is rejected. */
static void test_flat_clash_later_rejected(void **state)
{
    const char *path = "$.network.provider:physical_network";
    check_later_rejected(FLAT("physnet1"), 10, FLAT("physnet1"), 20, path,
                         "untagged traffic on physnet \"physnet1\" is already "
                         "used by flat network \"a\"");
    check_later_rejected(FLAT("physnet1"), 20, FLAT("physnet1"), 10, path,
                         "untagged traffic on physnet \"physnet1\" is already "
                         "used by flat network \"b\"");
}

/* Nothing clashes across physnets, between VLAN and flat, or with the same
 * number as a tunnel id; three claimants: only the earliest stays. */
static void test_provider_no_clash(void **state)
{
    struct fs_model *m = fs_model_create();
    put_at(m, NETS "v1", VLAN("physnet1", 100), 10);
    put_at(m, NETS "v2", VLAN("physnet2", 100), 11);
    put_at(m, NETS "v3", VLAN("physnet1", 101), 12);
    put_at(m, NETS "f1", FLAT("physnet1"), 13);
    put_at(m, NETS "f2", FLAT("physnet2"), 14);
    put_at(m, NETS "x",
           NET("\"provider:network_type\": \"vxlan\", "
               "\"provider:segmentation_id\": 100"),
           15);
    put_at(m, NETS "g",
           NET("\"provider:network_type\": \"geneve\", "
               "\"provider:segmentation_id\": 101"),
           16);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_int_equal(s->n_networks, 7);
    fs_snapshot_destroy(s);

    put_at(m, NETS "a0", VLAN("physnet1", 100), 30);
    put_at(m, NETS "zz", VLAN("physnet1", 100), 20);
    s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 2);
    assert_true(has_error(s, NETS "a0", "$.network.provider:segmentation_id",
                          "VLAN 100 on physnet \"physnet1\" is already used by "
                          "network \"v1\""));
    assert_true(has_error(s, NETS "zz", "$.network.provider:segmentation_id",
                          "VLAN 100 on physnet \"physnet1\" is already used by "
                          "network \"v1\""));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* When the earlier network goes, the later one is accepted; when it comes
 * back (a new create_revision) it is the later one and is rejected. */
static void test_clash_after_delete(void **state)
{
    struct fs_model *m = fs_model_create();
    put_at(m, NETS "b", VLAN("physnet1", 100), 10);
    put_at(m, NETS "a", VLAN("physnet1", 100), 20);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_null(fs_snapshot_find(s, FS_NETWORK, "a"));
    fs_snapshot_destroy(s);

    fixture_delete(m, NETS "b");
    s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "a"));
    fs_snapshot_destroy(s);

    put_at(m, NETS "b", VLAN("physnet1", 100), 30);
    s = fs_snapshot_build(m);
    assert_true(has_error(s, NETS "b", "$.network.provider:segmentation_id",
                          "VLAN 100 on physnet \"physnet1\" is already used by "
                          "network \"a\""));
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "a"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* fs_bridge_mappings_parse(): the setting's text form. */
static void test_bridge_mappings_parse(void **state)
{
    static const struct {
        const char *text;
        size_t n;
        const char *physnet, *bridge; /* The last mapping. */
    } good[] = {
        {"physnet1:br-ex", 1, "physnet1", "br-ex"},
        {"physnet1:br-ex,physnet2:br-two", 2, "physnet2", "br-two"},
        {" physnet1:br-ex , physnet2:br-two ", 2, "physnet2", "br-two"},
        {"physnet1:br-ex physnet2:br-two,,", 2, "physnet2", "br-two"},
        {"p:br-0123456789ab", 1, "p", "br-0123456789ab"},
        {"", 0, NULL, NULL},
    };
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        struct fs_bridge_mapping *bm = NULL;
        size_t n = 99;
        char *error = fs_bridge_mappings_parse(good[i].text, &bm, &n);
        assert_null(error);
        assert_int_equal(n, good[i].n);
        if (n) {
            assert_string_equal(bm[n - 1].physnet, good[i].physnet);
            assert_string_equal(bm[n - 1].bridge, good[i].bridge);
        }
        fs_bridge_mappings_free(bm, n);
    }
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"physnet1", "\"physnet1\" is not physnet:bridge"},
        {"physnet1:br-ex,:br-two", "\":br-two\" is not physnet:bridge"},
        {"physnet1:", "\"physnet1:\" is not physnet:bridge"},
        {"a:b:c", "\"a:b:c\" is not physnet:bridge"},
        {"physnet1:br-ex,physnet1:br-ex",
         "physnet \"physnet1\" is mapped twice (to \"br-ex\" and \"br-ex\")"},
        {"p:br-0123456789abc",
         "bridge name \"br-0123456789abc\" is longer than 15 characters"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct fs_bridge_mapping *bm = NULL;
        size_t n = 99;
        char *error = fs_bridge_mappings_parse(bad[i].text, &bm, &n);
        assert_non_null(error);
        assert_string_equal(error, bad[i].error);
        assert_null(bm);
        assert_int_equal(n, 99);
        free(error);
    }
}

/* The chassis document: a string, a list of such strings (each may hold
 * several), or an object; a physnet mapped twice across list entries. */
static void test_chassis_mappings(void **state)
{
    struct fs_model *m = fs_model_create();
    put_at(m, CH_KEY,
           "chassis:\n  bridge_mappings:\n    - physnet1:br-ex\n"
           "    - physnet2:br-two,physnet3:br-three\n",
           5);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    const struct fs_chassis *ch = fs_snapshot_find(s, FS_CHASSIS, "node1");
    assert_int_equal(ch->n_bridge_mappings, 3);
    assert_string_equal(ch->bridge_mappings[2].physnet, "physnet3");
    assert_string_equal(ch->bridge_mappings[2].bridge, "br-three");
    fs_snapshot_destroy(s);

    put_at(m, CH_KEY,
           "{\"bridge_mappings\": [\"physnet1:br-ex,physnet2:br-two\", "
           "\"physnet2:br-x\"]}",
           6);
    s = fs_snapshot_build(m);
    assert_int_equal(s->n_chassis, 0);
    assert_true(has_error(s, CH_KEY, "$.bridge_mappings[1]",
                          "physnet \"physnet2\" is mapped twice (to "
                          "\"br-two\" and \"br-x\")"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Provider networks and port security written in YAML, bare and in the
 * envelope; a YAML clash is reported with the same path as JSON's. */
static void test_yaml_provider_network(void **state)
{
    struct fs_model *m = fs_model_create();
    put_at(m, NETS "vlan100",
           "network:\n  name: provider-vlan\n"
           "  provider:network_type: vlan\n"
           "  provider:physical_network: physnet1\n"
           "  provider:segmentation_id: 100\n",
           10);
    put_at(m, NETS "flat1",
           "provider:network_type: flat\n"
           "provider:physical_network: physnet1\n",
           11);
    put_at(m, PORTS "p1",
           "port:\n  network_id: vlan100\n  mac_address: FA:16:3E:00:00:0A\n"
           "  port_security_enabled: true\n  allowed_address_pairs:\n"
           "    - ip_address: 192.0.2.7/24\n"
           "      mac_address: FA:16:3E:00:00:0B\n"
           "    - {ip_address: \"2001:db8::7\"}\n",
           12);
    put_at(m, PORTS "p2", "network_id: flat1\nport_security_enabled: false\n",
           13);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);
    const struct fs_network *n = fs_snapshot_find(s, FS_NETWORK, "vlan100");
    assert_string_equal(n->meta.name, "provider-vlan");
    assert_string_equal(n->network_type, "vlan");
    assert_string_equal(n->physical_network, "physnet1");
    assert_int_equal(n->segmentation_id, 100);
    assert_int_equal(n->meta.create_revision, 10);
    n = fs_snapshot_find(s, FS_NETWORK, "flat1");
    assert_string_equal(n->network_type, "flat");
    assert_int_equal(n->segmentation_id, -1);
    const struct fs_port *p = fs_snapshot_find(s, FS_PORT, "p1");
    assert_string_equal(p->mac_address, "fa:16:3e:00:00:0a");
    assert_int_equal(p->n_allowed_address_pairs, 2);
    assert_string_equal(p->allowed_address_pairs[0].ip_address, "192.0.2.0/24");
    assert_string_equal(p->allowed_address_pairs[0].mac_address,
                        "fa:16:3e:00:00:0b");
    assert_string_equal(p->allowed_address_pairs[1].ip_address, "2001:db8::7");
    assert_false(fs_snapshot_find(s, FS_PORT, "p2") == NULL);
    assert_false(((const struct fs_port *)fs_snapshot_find(s, FS_PORT, "p2"))
                     ->port_security_enabled);
    fs_snapshot_destroy(s);

    put_at(m, NETS "again",
           "network:\n  provider:network_type: vlan\n"
           "  provider:physical_network: physnet1\n"
           "  provider:segmentation_id: \"100\"\n",
           14);
    s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 1);
    assert_true(has_error(s, NETS "again", "$.network.provider:segmentation_id",
                          "VLAN 100 on physnet \"physnet1\" is already used by "
                          "network \"vlan100\""));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_port_security_defaults),
        cmocka_unit_test(test_address_pairs_canonical),
        cmocka_unit_test(test_vlan_clash_later_rejected),
        cmocka_unit_test(test_flat_clash_later_rejected),
        cmocka_unit_test(test_provider_no_clash),
        cmocka_unit_test(test_clash_after_delete),
        cmocka_unit_test(test_bridge_mappings_parse),
        cmocka_unit_test(test_chassis_mappings),
        cmocka_unit_test(test_yaml_provider_network),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for model/routers.c: Neutron subnets, routers and router
 * interface ports: parsing (each bad field at its JSON path), the subnet
 * and fixed IP rules, and the interface overlap rule (the later interface
 * of one router rejected, the earlier kept, in a full build and through
 * fs_snapshot_update()). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixtures.h"
#include "model/model.h"

#define NET(ID) FS_PREFIX "networks/" ID
#define SUBNET(ID) FS_PREFIX "subnets/" ID
#define ROUTER(ID) FS_PREFIX "routers/" ID
#define PORT(ID) FS_PREFIX "ports/" ID

/* A subnet of network NET, IP version V, cidr CIDR, more FIELDS. */
#define SN(NET, V, CIDR, FIELDS)                                               \
    "{\"subnet\": {\"network_id\": \"" NET "\", \"ip_version\": " #V           \
    ", \"cidr\": \"" CIDR "\"" FIELDS "}}"
/* A router interface port of router R on network NET, more FIELDS, then
 * fixed_ips IPS. */
#define IFACE(R, NET, FIELDS, IPS)                                             \
    "{\"port\": {\"network_id\": \"" NET "\", \"device_owner\": "              \
    "\"network:router_interface_distributed\", \"device_id\": \"" R "\", "     \
    "\"mac_address\": \"fa:16:3e:00:00:01\"" FIELDS ", \"fixed_ips\": " IPS    \
    "}}"
#define IP(SN, ADDR) "{\"subnet_id\": \"" SN "\", \"ip_address\": \"" ADDR "\"}"

/* Returns the only error of key 'key' in 's' (fails if none). */
static const struct fs_error *error_of(const struct fs_snapshot *s,
                                       const char *key)
{
    const struct fs_error *found = NULL;
    for (size_t i = 0; i < s->errors.n; i++) {
        if (!strcmp(s->errors.items[i].key, key)) {
            assert_null(found);
            found = &s->errors.items[i];
        }
    }
    if (!found) {
        fail_msg("no error for %s", key);
    }
    return found;
}

/* Asserts that 'key' is rejected at 'path' with 'reason' (a substring). */
static void assert_rejected(const struct fs_snapshot *s, const char *key,
                            const char *path, const char *reason)
{
    const struct fs_error *e = error_of(s, key);
    if (strcmp(e->path, path) || !strstr(e->message, reason)) {
        fail_msg("%s: %s: %s, expected %s: ...%s...", key, e->path, e->message,
                 path, reason);
    }
}

/* A model with networks n1, n2, subnet s1 (10.0.0.0/24 on n1) and s6
 * (2001:db8::/64 on n1), router r1. */
static struct fs_model *l3_model(void)
{
    struct fs_model *m = fs_model_create();
    fixture_put_at(m, NET("n1"), "{\"network\": {}}", 10);
    fixture_put_at(m, NET("n2"), "{}", 11);
    fixture_put_at(m, SUBNET("s1"), SN("n1", 4, "10.0.0.0/24", ""), 12);
    fixture_put_at(m, SUBNET("s6"), SN("n1", 6, "2001:db8::/64", ""), 13);
    fixture_put_at(m, ROUTER("r1"), "{\"router\": {\"name\": \"r\"}}", 14);
    return m;
}

static void test_owner(void **state)
{
    (void)state;
    assert_true(fs_is_router_interface_owner("network:router_interface"));
    assert_true(
        fs_is_router_interface_owner("network:router_interface_distributed"));
    assert_true(
        fs_is_router_interface_owner("network:ha_router_replicated_interface"));
    assert_false(fs_is_router_interface_owner("network:router_gateway"));
    assert_false(fs_is_router_interface_owner("compute:nova"));
    assert_false(fs_is_router_interface_owner(""));
    assert_false(fs_is_router_interface_owner(NULL));
}

static void test_subnet_parse(void **state)
{
    (void)state;
    struct fs_model *m = l3_model();
    fixture_put(m, SUBNET("s2"),
                SN("n2", 4, "10.1.2.3/16",
                   ", \"gateway_ip\": \"10.1.0.1\", \"enable_dhcp\": false, "
                   "\"allocation_pools\": [{\"start\": \"10.1.0.10\", "
                   "\"end\": \"10.1.0.20\"}], \"host_routes\": "
                   "[{\"destination\": \"172.16.1.0/24\", \"nexthop\": "
                   "\"10.1.0.254\"}], \"dns_nameservers\": [\"8.8.8.8\"]"));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 0);
    assert_int_equal(s->n_subnets, 3);
    const struct fs_subnet *sn = fs_snapshot_find(s, FS_SUBNET, "s2");
    assert_ptr_equal(sn, &s->subnets[1]);
    assert_string_equal(sn->network_id, "n2");
    assert_int_equal(sn->ip_version, 4);
    assert_string_equal(sn->cidr, "10.1.0.0/16");
    assert_true(sn->prefix.parsed);
    assert_int_equal(sn->prefix.len, 16);
    assert_false(sn->prefix.v6);
    assert_string_equal(sn->gateway_ip, "10.1.0.1");
    assert_false(sn->enable_dhcp);
    assert_int_equal(sn->n_allocation_pools, 1);
    assert_string_equal(sn->allocation_pools[0].start, "10.1.0.10");
    assert_string_equal(sn->allocation_pools[0].end, "10.1.0.20");
    assert_int_equal(sn->n_host_routes, 1);
    assert_string_equal(sn->host_routes[0].destination, "172.16.1.0/24");
    assert_string_equal(sn->host_routes[0].nexthop, "10.1.0.254");
    assert_int_equal(sn->host_routes[0].prefix.len, 24);
    assert_int_equal(sn->n_dns_nameservers, 1);
    assert_string_equal(sn->dns_nameservers[0], "8.8.8.8");
    sn = fs_snapshot_find(s, FS_SUBNET, "s1");
    assert_null(sn->gateway_ip);
    assert_true(sn->enable_dhcp);
    sn = fs_snapshot_find(s, FS_SUBNET, "s6");
    assert_int_equal(sn->ip_version, 6);
    assert_true(sn->prefix.v6);
    assert_string_equal(fs_kind_name(FS_SUBNET), "subnets");
    assert_string_equal(fs_kind_name(FS_ROUTER), "routers");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

static void test_subnet_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *value, *path, *reason;
    } cases[] = {
        {SN("n1", 4, "10.0.0.0/33", ""), "$.subnet.cidr",
         "prefix length must be 0..32"},
        {SN("n1", 4, "10.0.0.300/24", ""), "$.subnet.cidr",
         "is not an IPv4 prefix"},
        {SN("n1", 4, "2001:db8::/64", ""), "$.subnet.cidr",
         "is an IPv6 prefix, not IPv4"},
        {SN("n1", 6, "10.0.0.0/8", ""), "$.subnet.cidr",
         "is an IPv4 prefix, not IPv6"},
        {SN("n1", 5, "10.0.0.0/8", ""), "$.subnet.ip_version",
         "5 is not 4 or 6"},
        {"{\"subnet\": {\"network_id\": \"n1\", \"cidr\": \"10.0.0.0/8\"}}",
         "$.subnet.ip_version", "required field is missing"},
        {"{\"subnet\": {\"ip_version\": 4, \"cidr\": \"10.0.0.0/8\"}}",
         "$.subnet.network_id", "required field is missing"},
        {"{\"subnet\": {\"network_id\": \"n1\", \"ip_version\": 4}}",
         "$.subnet.cidr", "required field is missing"},
        {SN("n1", 4, "10.0.0.0/24", ", \"gateway_ip\": \"10.0.1.1\""),
         "$.subnet.gateway_ip", "\"10.0.1.1\" is not in cidr 10.0.0.0/24"},
        {SN("n1", 4, "10.0.0.0/24", ", \"gateway_ip\": \"2001:db8::1\""),
         "$.subnet.gateway_ip", "is not an IPv4 address"},
        {SN("n1", 4, "10.0.0.0/24",
            ", \"allocation_pools\": [{\"start\": \"10.0.0.2\", \"end\": "
            "\"10.0.0.9\"}, {\"start\": \"10.9.0.2\", \"end\": "
            "\"10.0.0.30\"}]"),
         "$.subnet.allocation_pools[1].start",
         "\"10.9.0.2\" is not in cidr 10.0.0.0/24"},
        {SN("n1", 4, "10.0.0.0/24",
            ", \"allocation_pools\": [{\"start\": \"10.0.0.20\", \"end\": "
            "\"10.0.0.9\"}]"),
         "$.subnet.allocation_pools[0]", "start 10.0.0.20 is after end"},
        {SN("n1", 4, "10.0.0.0/24", ", \"enable_dhcp\": \"yes\""),
         "$.subnet.enable_dhcp", "must be true or false"},
        {SN("n1", 4, "10.0.0.0/24",
            ", \"host_routes\": [{\"destination\": \"2001:db8::/64\", "
            "\"nexthop\": \"10.0.0.1\"}]"),
         "$.subnet.host_routes[0].destination", "not IPv4"},
        {SN("n1", 4, "10.0.0.0/24", ", \"dns_nameservers\": [\"dns\"]"),
         "$.subnet.dns_nameservers[0]", "\"dns\" is not an IP address"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fs_model *m = l3_model();
        fixture_put(m, SUBNET("sx"), cases[i].value);
        struct fs_snapshot *s = fs_snapshot_build(m);
        assert_rejected(s, SUBNET("sx"), cases[i].path, cases[i].reason);
        assert_null(fs_snapshot_find(s, FS_SUBNET, "sx"));
        assert_int_equal(s->n_subnets, 2);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }
}

/* A subnet of a missing network is rejected, and so is a port on it. */
static void test_subnet_missing_network(void **state)
{
    (void)state;
    struct fs_model *m = l3_model();
    fixture_put(m, SUBNET("sx"), SN("nx", 4, "10.5.0.0/24", ""));
    fixture_put(m, NET("nx"), "{\"provider:network_type\": \"bogus\"}");
    fixture_put(
        m, PORT("p1"),
        "{\"network_id\": \"n1\", \"fixed_ips\": [" IP("sx", "10.5.0.3") "]}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_rejected(s, SUBNET("sx"), "$.subnet.network_id",
                    "network \"nx\" does not exist or was rejected");
    assert_rejected(s, PORT("p1"), "$.fixed_ips[0].subnet_id",
                    "subnet \"sx\" does not exist or was rejected");
    assert_int_equal(s->n_subnets, 2);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

static void test_router_parse(void **state)
{
    (void)state;
    struct fs_model *m = l3_model();
    fixture_put(m, ROUTER("r2"),
                "{\"router\": {\"admin_state_up\": false, \"distributed\": "
                "false, \"routes\": [{\"destination\": \"172.16.1.9/24\", "
                "\"nexthop\": \"10.0.0.9\"}, {\"destination\": "
                "\"2001:DB8:1::/48\", \"nexthop\": \"2001:DB8::9\"}], "
                "\"external_gateway_info\": {\"network_id\": \"ext\"}}}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 0);
    assert_int_equal(s->n_routers, 2);
    const struct fs_router *r = fs_snapshot_find(s, FS_ROUTER, "r1");
    assert_string_equal(r->meta.name, "r");
    assert_true(r->admin_state_up);
    assert_true(r->distributed);
    assert_int_equal(r->n_routes, 0);
    assert_null(r->gateway_network_id);
    r = fs_snapshot_find(s, FS_ROUTER, "r2");
    assert_false(r->admin_state_up);
    assert_false(r->distributed);
    assert_int_equal(r->n_routes, 2);
    assert_string_equal(r->routes[0].destination, "172.16.1.0/24");
    assert_string_equal(r->routes[0].nexthop, "10.0.0.9");
    assert_true(r->routes[0].prefix.parsed);
    assert_string_equal(r->routes[1].destination, "2001:db8:1::/48");
    assert_string_equal(r->routes[1].nexthop, "2001:db8::9");
    assert_true(r->routes[1].prefix.v6);
    assert_string_equal(r->gateway_network_id, "ext");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);

    static const struct {
        const char *value, *path, *reason;
    } cases[] = {
        {"{\"routes\": [{\"destination\": \"172.16.0.0/40\", \"nexthop\": "
         "\"10.0.0.9\"}]}",
         "$.routes[0].destination", "prefix length must be 0..32"},
        {"{\"routes\": [{\"destination\": \"nowhere\", \"nexthop\": "
         "\"10.0.0.9\"}]}",
         "$.routes[0].destination", "is not an IPv4 prefix"},
        {"{\"routes\": [{\"destination\": \"172.16.0.0/12\", \"nexthop\": "
         "\"2001:db8::1\"}]}",
         "$.routes[0].nexthop", "is not an IPv4 address"},
        {"{\"routes\": [{\"destination\": \"172.16.0.0/12\"}]}",
         "$.routes[0].nexthop", "required field is missing"},
        {"{\"routes\": [{\"destination\": \"172.16.0.0/12\", \"nexthop\": "
         "\"10.0.0.9\"}, {\"destination\": \"172.16.0.0/12\", \"nexthop\": "
         "\"10.0.0.8\"}, {\"destination\": \"172.16.3.4/12\", \"nexthop\": "
         "\"10.0.0.9\"}]}",
         "$.routes[2]", "repeats routes[0]"},
        {"{\"routes\": {}}", "$.routes", "must be a list"},
        {"{\"external_gateway_info\": {}}",
         "$.external_gateway_info.network_id", "required field is missing"},
        {"{\"external_gateway_info\": 7}", "$.external_gateway_info",
         "must be an object"},
        {"{\"distributed\": 1}", "$.distributed", "must be true or false"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        m = l3_model();
        fixture_put(m, ROUTER("rx"), cases[i].value);
        s = fs_snapshot_build(m);
        assert_rejected(s, ROUTER("rx"), cases[i].path, cases[i].reason);
        assert_int_equal(s->n_routers, 1);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }
}

/* Fixed IPs: the subnet exists, is on the port's network and holds the
 * address; a port's new fields. */
static void test_fixed_ip_rules(void **state)
{
    (void)state;
    struct fs_model *m = l3_model();
    fixture_put(m, SUBNET("s2"), SN("n2", 4, "10.2.0.0/24", ""));
    fixture_put(m, PORT("ok"),
                "{\"network_id\": \"n1\", \"admin_state_up\": false, "
                "\"device_owner\": \"compute:nova\", \"device_id\": \"vm\", "
                "\"fixed_ips\": [" IP("s1", "10.0.0.5") ", " IP(
                    "s6", "2001:db8::5") ", {\"ip_address\": \"1.2.3.4\"}]}");
    fixture_put(m, PORT("unknown"),
                "{\"network_id\": \"n1\", \"fixed_ips\": [" IP(
                    "s1", "10.0.0.6") ", " IP("s9", "10.0.0.7") "]}");
    fixture_put(
        m, PORT("other"),
        "{\"network_id\": \"n1\", \"fixed_ips\": [" IP("s2", "10.2.0.6") "]}");
    fixture_put(m, PORT("outside"),
                "{\"port\": {\"network_id\": \"n1\", \"fixed_ips\": [" IP(
                    "s6", "2001:db8::5") ", " IP("s1", "10.0.1.5") "]}}");
    fixture_put(
        m, PORT("version"),
        "{\"network_id\": \"n1\", \"fixed_ips\": [" IP("s6", "10.0.0.5") "]}");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 4);
    assert_rejected(s, PORT("unknown"), "$.fixed_ips[1].subnet_id",
                    "subnet \"s9\" does not exist or was rejected");
    assert_rejected(s, PORT("other"), "$.fixed_ips[0].subnet_id",
                    "subnet \"s2\" is on network \"n2\", not on the port's "
                    "network \"n1\"");
    assert_rejected(s, PORT("outside"), "$.port.fixed_ips[1].ip_address",
                    "10.0.1.5 is not in subnet \"s1\"'s cidr 10.0.0.0/24");
    assert_rejected(s, PORT("version"), "$.fixed_ips[0].ip_address",
                    "10.0.0.5 is not in subnet \"s6\"'s cidr 2001:db8::/64");
    assert_int_equal(s->n_ports, 1);
    const struct fs_port *p = fs_snapshot_find(s, FS_PORT, "ok");
    assert_false(p->admin_state_up);
    assert_string_equal(p->device_owner, "compute:nova");
    assert_null(p->router_id);
    fs_snapshot_destroy(s);

    /* The subnet comes: the port is accepted. */
    fixture_delete(m, PORT("other"));
    fixture_delete(m, PORT("outside"));
    fixture_delete(m, PORT("version"));
    fixture_put(m, SUBNET("s9"), SN("n1", 4, "10.0.0.0/25", ""));
    s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 0);
    p = fs_snapshot_find(s, FS_PORT, "unknown");
    assert_non_null(p);
    assert_true(p->admin_state_up);
    assert_string_equal(p->device_owner, "");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* What a router interface port must have. */
static void test_interface_parse(void **state)
{
    (void)state;
    static const struct {
        const char *value, *path, *reason;
    } cases[] = {
        {IFACE("r9", "n1", "", "[" IP("s1", "10.0.0.1") "]"),
         "$.port.device_id", "router \"r9\" does not exist or was rejected"},
        {IFACE("", "n1", "", "[" IP("s1", "10.0.0.1") "]"), "$.port.device_id",
         "names its router in device_id"},
        {IFACE("r1", "n1", "", "[" IP("s6", "2001:db8::1") "]"),
         "$.port.fixed_ips", "exactly one IPv4 fixed IP"},
        {IFACE("r1", "n1", "", "[]"), "$.port.fixed_ips",
         "exactly one IPv4 fixed IP (its address on the subnet it connects), "
         "not 0"},
        {IFACE("r1", "n1", "",
               "[" IP("s1", "10.0.0.1") ", " IP("s1", "10.0.0.2") "]"),
         "$.port.fixed_ips", "not 2"},
        {IFACE("r1", "n1", "", "[{\"ip_address\": \"10.0.0.1\"}]"),
         "$.port.fixed_ips", "(fixed_ips[0]) needs a subnet_id"},
        {"{\"port\": {\"network_id\": \"n1\", \"device_owner\": "
         "\"network:router_interface\", \"device_id\": \"r1\", "
         "\"fixed_ips\": [" IP("s1", "10.0.0.1") "]}}",
         "$.port.mac_address", "a router interface needs a mac_address"},
        {IFACE("r1", "n1", ", \"admin_state_up\": 0",
               "[" IP("s1", "10.0.0.1") "]"),
         "$.port.admin_state_up", "must be true or false"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fs_model *m = l3_model();
        fixture_put(m, PORT("px"), cases[i].value);
        struct fs_snapshot *s = fs_snapshot_build(m);
        assert_rejected(s, PORT("px"), cases[i].path, cases[i].reason);
        assert_int_equal(s->n_ports, 0);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }

    /* Good: an IPv6 fixed IP beside the IPv4 one. */
    struct fs_model *m = l3_model();
    fixture_put(
        m, PORT("px"),
        IFACE("r1", "n1", "",
              "[" IP("s6", "2001:db8::1") ", " IP("s1", "10.0.0.1") "]"));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 0);
    const struct fs_port *p = fs_snapshot_find(s, FS_PORT, "px");
    assert_string_equal(p->router_id, "r1");
    assert_string_equal(p->device_owner,
                        "network:router_interface_distributed");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Asserts that 'm' built whole and through 'cache' gives 'n_ports' ports,
 * 'late' rejected (or accepted when 'reason' is NULL). */
static void check_both(struct fs_model *m, struct fs_snapshot_cache *cache,
                       size_t n_ports, const char *late, const char *path,
                       const char *reason)
{
    struct fs_snapshot *s = fs_snapshot_build(m);
    const struct fs_snapshot *inc = fs_snapshot_update(cache, m);
    const struct fs_snapshot *both[] = {s, inc};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(both[i]->n_ports, n_ports);
        if (reason) {
            assert_rejected(both[i], late, path, reason);
            assert_int_equal(both[i]->errors.n, 1);
        } else {
            assert_int_equal(both[i]->errors.n, 0);
        }
    }
    fs_snapshot_destroy(s);
}

/* Two interfaces of one router on overlapping subnets: the later one (by
 * create_revision, whatever the ids) is rejected, the earlier kept; once
 * the earlier goes, the later is accepted. */
static void test_interface_overlap(void **state)
{
    (void)state;
    struct fs_model *m = l3_model();
    struct fs_snapshot_cache *cache = fs_snapshot_cache_create();
    fixture_put_at(m, SUBNET("s2"), SN("n2", 4, "10.0.0.0/16", ""), 20);
    fixture_put_at(m, PORT("z-early"),
                   IFACE("r1", "n1", "", "[" IP("s1", "10.0.0.1") "]"), 30);
    fixture_put_at(m, PORT("a-late"),
                   IFACE("r1", "n2", "", "[" IP("s2", "10.0.9.1") "]"), 31);
    check_both(m, cache, 1, PORT("a-late"), "$.port.fixed_ips[0].subnet_id",
               "subnet \"s2\" (cidr 10.0.0.0/16) overlaps subnet \"s1\" "
               "(cidr 10.0.0.0/24) of port \"z-early\", an interface of "
               "router \"r1\" that came first");
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_non_null(fs_snapshot_find(s, FS_PORT, "z-early"));
    fs_snapshot_destroy(s);

    /* The same subnet twice. */
    fixture_put_at(m, PORT("b-same"),
                   IFACE("r1", "n1", "", "[" IP("s1", "10.0.0.2") "]"), 32);
    s = fs_snapshot_build(m);
    assert_rejected(s, PORT("b-same"), "$.port.fixed_ips[0].subnet_id",
                    "router \"r1\" is already on subnet \"s1\" (cidr "
                    "10.0.0.0/24) through port \"z-early\", which came first");
    fs_snapshot_destroy(s);
    fixture_delete(m, PORT("b-same"));
    check_both(m, cache, 1, PORT("a-late"), "$.port.fixed_ips[0].subnet_id",
               "port \"z-early\"");

    /* The earlier one goes: the later is accepted. */
    fixture_delete(m, PORT("z-early"));
    check_both(m, cache, 1, NULL, NULL, NULL);
    s = fs_snapshot_build(m);
    assert_non_null(fs_snapshot_find(s, FS_PORT, "a-late"));
    fs_snapshot_destroy(s);

    /* It comes back, now the later one. */
    fixture_put_at(m, PORT("z-early"),
                   IFACE("r1", "n1", "", "[" IP("s1", "10.0.0.1") "]"), 40);
    check_both(m, cache, 1, PORT("z-early"), "$.port.fixed_ips[0].subnet_id",
               "of port \"a-late\", an interface of router \"r1\"");

    /* Moved to another router: both accepted. */
    fixture_put_at(m, ROUTER("r2"), "{}", 41);
    fixture_put_at(m, PORT("z-early"),
                   IFACE("r2", "n1", "", "[" IP("s1", "10.0.0.1") "]"), 40);
    check_both(m, cache, 2, NULL, NULL, NULL);

    /* Its router goes: rejected for that, the other still accepted. */
    fixture_delete(m, ROUTER("r2"));
    check_both(m, cache, 1, PORT("z-early"), "$.port.device_id",
               "router \"r2\" does not exist or was rejected");
    fs_snapshot_cache_destroy(cache);
    fs_model_destroy(m);
}

/* Interfaces of two routers may overlap. */
static void test_interfaces_of_two_routers(void **state)
{
    (void)state;
    struct fs_model *m = l3_model();
    fixture_put_at(m, ROUTER("r2"), "{\"router\": {}}", 15);
    fixture_put_at(m, SUBNET("s2"), SN("n2", 4, "10.0.0.0/16", ""), 20);
    fixture_put_at(m, PORT("i1"),
                   IFACE("r1", "n1", "", "[" IP("s1", "10.0.0.1") "]"), 30);
    fixture_put_at(m, PORT("i2"),
                   IFACE("r2", "n2", "", "[" IP("s2", "10.0.0.1") "]"), 31);
    fixture_put_at(m, PORT("i3"),
                   IFACE("r2", "n1", "", "[" IP("s1", "10.0.0.254") "]"), 32);
    struct fs_snapshot *s = fs_snapshot_build(m);
    /* i3 overlaps i2 on r2 (s1 inside s2); i1 and i2 of two routers do
     * not clash. */
    assert_int_equal(s->n_ports, 2);
    assert_non_null(fs_snapshot_find(s, FS_PORT, "i1"));
    assert_non_null(fs_snapshot_find(s, FS_PORT, "i2"));
    assert_rejected(s, PORT("i3"), "$.port.fixed_ips[0].subnet_id",
                    "of port \"i2\", an interface of router \"r2\"");
    fs_snapshot_destroy(s);
    fixture_delete(m, PORT("i3"));
    s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 0);
    assert_int_equal(s->n_ports, 2);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner),
        cmocka_unit_test(test_subnet_parse),
        cmocka_unit_test(test_subnet_parse_errors),
        cmocka_unit_test(test_subnet_missing_network),
        cmocka_unit_test(test_router_parse),
        cmocka_unit_test(test_fixed_ip_rules),
        cmocka_unit_test(test_interface_parse),
        cmocka_unit_test(test_interface_overlap),
        cmocka_unit_test(test_interfaces_of_two_routers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/rworld.h: random worlds for the render tests.  A world is a
 * model fed through fs_model_put()/fs_model_delete() (so the model's
 * validity rules apply: some random resources are rejected, and that is
 * part of the test), local facts and a node; rw_step() makes one random
 * change to it.  Everything is drawn from a seeded generator, so a seed
 * gives the same sequence of worlds on every run.
 *
 * Pools are small on purpose: MACs, addresses, VLAN ids, ofports and chain
 * ids collide, which exercises duplicate flows, rejected resources and the
 * claimants of a flow across render units. */
#ifndef FS_TEST_RWORLD_H
#define FS_TEST_RWORLD_H 1

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"
#include "render/render.h"
#include "simap.h"
#include "util.h"

/* Pool sizes: ids are "<kind>-<n>", n < the pool size. */
struct rw_sizes {
    int networks, ports, pairs, groups, classifiers, chains;
    /* Routers (0: no subnet, router or interface at all, and the worlds
     * and their random sequences are those of before routers). */
    int routers;
};

struct rworld {
    struct fs_model *model;
    struct fs_local_facts facts;
    struct fs_render_node node;
    struct fs_bridge_mapping *mappings; /* flowsteerd's setting. */
    size_t n_mappings;
    struct fs_chassis_mac *chassis_macs; /* flowsteerd's setting. */
    size_t n_chassis_macs;
    struct rw_sizes sizes;
    int64_t rev; /* Last etcd revision used. */
    /* VIF ofports are 1..max_ofport; the patch ports' are the last 5 of
     * that range, so a VIF's random ofport may collide with them. */
    int max_ofport;
    struct simap created; /* key -> create_revision of live keys. */
    uint64_t rng;
    char what[160]; /* What the last step did, for failure messages. */
};

static inline uint32_t rw_rand(struct rworld *w)
{
    /* xorshift64*. */
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return (w->rng * UINT64_C(2685821657736338717)) >> 32;
}

/* Returns a number in [0, n). */
static inline int rw_pick(struct rworld *w, int n)
{
    return rw_rand(w) % n;
}

/* True with 'percent' % probability. */
static inline bool rw_chance(struct rworld *w, int percent)
{
    return rw_pick(w, 100) < percent;
}

static inline void rw_put(struct rworld *w, const char *key, const char *value)
{
    int64_t rev = ++w->rev;
    int64_t created = simap_get(&w->created, key);
    if (!created) {
        simap_put(&w->created, key, rev);
        created = rev;
    }
    fs_model_put(w->model, key, strlen(key), value, strlen(value), created,
                 rev);
    fs_model_set_revision(w->model, rev);
}

static inline void rw_delete(struct rworld *w, const char *key)
{
    fs_model_delete(w->model, key, strlen(key));
    simap_find_and_delete(&w->created, key);
    fs_model_set_revision(w->model, ++w->rev);
}

static const char *const rw_physnets[] = {"physnet1", "physnet2", "physnet3",
                                          "a-physnet-name-too-long-for-ifname"};

static inline void rw_network(struct rworld *w, int i)
{
    /* Networks 0..2 (on physnet1..3 mostly) may be flat: one flat network
     * per physnet. */
    int r = rw_pick(w, 10);
    const char *type = r < 3            ? "vxlan"
                       : r < 5          ? "geneve"
                       : r < 7 && i < 3 ? "flat"
                                        : "vlan";
    bool overlay = r < 5;
    struct ds v = DS_EMPTY_INITIALIZER;
    ds_put_format(&v,
                  "{\"network\": {\"id\": \"net-%d\", "
                  "\"provider:network_type\": \"%s\"",
                  i, type);
    if (!overlay) {
        int physnet = rw_chance(w, 80) ? i % 3 : rw_pick(w, 4);
        ds_put_format(&v, ", \"provider:physical_network\": \"%s\"",
                      rw_physnets[physnet]);
    }
    /* Overlay networks: an explicit VNI (from a pool shared with the
     * allocations, so they collide) or none (allocated, rw_vni()). */
    if (strcmp(type, "flat") && (!overlay || rw_chance(w, 60))) {
        ds_put_format(&v, ", \"provider:segmentation_id\": %d",
                      100 + (rw_chance(w, 80) ? i : rw_pick(w, 8)));
    }
    /* Sometimes a network of its own controller (a slice of one
     * network), which a slice naming it rejects (or is rejected by). */
    if (rw_chance(w, 12)) {
        ds_put_format(&v, ", \"controller\": \"10.0.9.%d\"", i + 1);
    }
    ds_put_cstr(&v, "}}");
    char *key = xasprintf(FS_PREFIX "networks/net-%d", i);
    rw_put(w, key, ds_cstr(&v));
    free(key);
    ds_destroy(&v);
}

/* Slice sl-i: a controller and one or two random networks (which may
 * be in another slice or have their own controller: the model rejects
 * the later). */
static inline void rw_slice(struct rworld *w, int i)
{
    int a = rw_pick(w, w->sizes.networks), b = rw_pick(w, w->sizes.networks);
    char *nets = a == b || rw_chance(w, 50)
                     ? xasprintf("\"net-%d\"", a)
                     : xasprintf("\"net-%d\", \"net-%d\"", a, b);
    char *v = xasprintf("{\"slice\": {\"id\": \"sl-%d\", \"controller\": "
                        "\"tcp:10.0.8.%d:%d\", \"networks\": [%s]}}",
                        i, i + 1, 6633 + rw_pick(w, 2), nets);
    char *key = xasprintf(FS_PREFIX "slices/sl-%d", i);
    rw_put(w, key, v);
    free(key);
    free(v);
    free(nets);
}

/* Flowspace fs-i of a random slice: everything, TCP, one port's traffic,
 * or broadcast only. */
static inline void rw_flowspace(struct rworld *w, int i)
{
    static const char *const matches[] = {
        "{}", "{\"nw_proto\": 6, \"tp_dst\": 22}", "{\"in_port\": \"port-01\"}",
        "{\"dl_dst\": \"ff:ff:ff:ff:ff:ff\"}", "{\"nw_dst\": \"10.0.0.0/8\"}"};
    char *v = xasprintf("{\"flowspace\": {\"id\": \"fs-%d\", \"slice\": "
                        "\"sl-%d\", \"priority\": %d, \"match\": %s}}",
                        i, rw_pick(w, 2), rw_pick(w, 3),
                        matches[rw_pick(w, ARRAY_SIZE(matches))]);
    char *key = xasprintf(FS_PREFIX "flowspaces/fs-%d", i);
    rw_put(w, key, v);
    free(key);
    free(v);
}

/* A slice patch port on the integration bridge (a member's or an
 * uplink's) gets, changes or loses its ofport. */
static inline void rw_slice_fact(struct rworld *w)
{
    char *name = rw_chance(w, 70)
                     ? xasprintf("fsm-port-%02d", rw_pick(w, w->sizes.ports))
                     : xasprintf("fsu-net-%d", rw_pick(w, w->sizes.networks));
    if (rw_chance(w, 80)) {
        simap_put(&w->facts.owned_ofports, name,
                  w->max_ofport + 1 + rw_pick(w, w->sizes.ports));
    } else {
        simap_find_and_delete(&w->facts.owned_ofports, name);
    }
    free(name);
}

/* An address from a small pool: IPv4 mostly, sometimes IPv6 or a prefix. */
static inline void rw_address(struct rworld *w, struct ds *s)
{
    int n = rw_pick(w, 6);
    switch (rw_pick(w, 5)) {
    case 0:
        ds_put_format(s, "2001:db8::%d", n + 1);
        break;
    case 1:
        ds_put_format(s, "10.1.%d.0/24", n);
        break;
    default:
        ds_put_format(s, "10.0.0.%d", n + 1);
    }
}

static inline void rw_mac(struct rworld *w, struct ds *s)
{
    ds_put_format(s, "fa:16:3e:00:00:%02x", rw_pick(w, 10));
}

/* Remote devices' VTEPs (one is node3's address: a clash). */
static const char *const rw_vteps[] = {"192.0.2.9", "10.9.9.9", "192.0.2.3"};

/* The chassis a port is bound to: node1 mostly. */
static inline const char *rw_host(struct rworld *w)
{
    int r = rw_pick(w, 20);
    return r < 15 ? "node1" : r < 17 ? "node2" : r < 19 ? "node3" : "node4";
}

/* Port i belongs to device "dev-<i/2>" so that ports 2m and 2m+1 can make a
 * port pair. */
static inline void rw_port(struct rworld *w, int i)
{
    struct ds v = DS_EMPTY_INITIALIZER;
    ds_put_format(&v,
                  "{\"port\": {\"id\": \"port-%02d\", \"network_id\": "
                  "\"net-%d\", \"device_id\": \"dev-%d\", "
                  "\"binding:host_id\": \"%s\"",
                  i, rw_pick(w, w->sizes.networks), i / 2, rw_host(w));
    if (rw_chance(w, 90)) {
        ds_put_cstr(&v, ", \"mac_address\": \"");
        rw_mac(w, &v);
        ds_put_char(&v, '"');
    }
    if (rw_chance(w, 6)) {
        ds_put_format(&v,
                      ", \"binding:profile\": {\"port_key\": "
                      "\"remote_port\", \"host_ip\": \"%s\"}",
                      rw_vteps[rw_pick(w, ARRAY_SIZE(rw_vteps))]);
    }
    ds_put_cstr(&v, ", \"fixed_ips\": [");
    for (int k = rw_pick(w, 3); k > 0; k--) {
        ds_put_format(&v, "{\"ip_address\": \"%s%d\"}%s",
                      rw_chance(w, 20) ? "2001:db8::" : "10.0.0.",
                      rw_pick(w, 6) + 1, k > 1 ? ", " : "");
    }
    bool insecure = rw_chance(w, 20);
    ds_put_cstr(&v, "], \"allowed_address_pairs\": [");
    for (int k = insecure ? 0 : rw_pick(w, 3); k > 0; k--) {
        ds_put_cstr(&v, "{\"ip_address\": \"");
        rw_address(w, &v);
        ds_put_char(&v, '"');
        if (rw_chance(w, 50)) {
            ds_put_cstr(&v, ", \"mac_address\": \"");
            rw_mac(w, &v);
            ds_put_char(&v, '"');
        }
        ds_put_format(&v, "}%s", k > 1 ? ", " : "");
    }
    ds_put_char(&v, ']');
    if (insecure || rw_chance(w, 10)) {
        ds_put_format(&v, ", \"port_security_enabled\": %s",
                      insecure ? "false" : "true");
    }
    ds_put_cstr(&v, "}}");
    char *key = xasprintf(FS_PREFIX "ports/port-%02d", i);
    rw_put(w, key, ds_cstr(&v));
    free(key);
    ds_destroy(&v);
}

static inline void rw_pair(struct rworld *w, int i)
{
    int r = rw_pick(w, 50);
    const char *corr = r < 1 ? "nsh" : r < 16 ? "mpls" : "none";
    int m = rw_pick(w, w->sizes.ports / 2);
    bool swap = rw_chance(w, 20);
    char *v = xasprintf(
        "{\"port_pair\": {\"id\": \"pp-%d\", \"ingress\": \"port-%02d\", "
        "\"egress\": \"port-%02d\", \"service_function_parameters\": "
        "{\"correlation\": \"%s\", \"weight\": %d}}}",
        i, 2 * m + swap, 2 * m + !swap, corr, 1 + rw_pick(w, 3));
    char *key = xasprintf(FS_PREFIX "port_pairs/pp-%d", i);
    rw_put(w, key, v);
    free(key);
    free(v);
}

/* Appends 1..max distinct "<prefix>-<n>" (n < pool) as a JSON list, each
 * mostly (92%) from the 'home' ids home[0..n_home) so that resources are
 * seldom claimed twice (a group in two chains rejects the later chain). */
static inline void rw_id_list(struct rworld *w, struct ds *s,
                              const char *prefix, int pool, int max,
                              const int *home, int n_home)
{
    int n = 1 + rw_pick(w, max), taken[8], n_taken = 0;
    ds_put_char(s, '[');
    for (int k = 0; k < n && k < ARRAY_SIZE(taken); k++) {
        int id = rw_chance(w, 92) ? home[rw_pick(w, n_home)] : rw_pick(w, pool);
        bool dup = id >= pool;
        for (int j = 0; j < n_taken; j++) {
            dup |= taken[j] == id;
        }
        if (!dup) {
            ds_put_format(s, "%s\"%s-%d\"", n_taken ? ", " : "", prefix, id);
            taken[n_taken++] = id;
        }
    }
    if (!n_taken) {
        ds_put_format(s, "\"%s-%d\"", prefix, home[0] % pool);
    }
    ds_put_char(s, ']');
}

static inline void rw_group(struct rworld *w, int i)
{
    struct ds v = DS_EMPTY_INITIALIZER;
    ds_put_format(&v,
                  "{\"port_pair_group\": {\"id\": \"pg-%d\", "
                  "\"port_pairs\": ",
                  i);
    int home[] = {i, i + w->sizes.groups};
    rw_id_list(w, &v, "pp", w->sizes.pairs, 3, home, ARRAY_SIZE(home));
    if (rw_chance(w, 30)) {
        ds_put_cstr(&v, ", \"port_pair_group_parameters\": {\"lb_fields\": "
                        "[\"ip_src\", \"tcp_dst\"]}");
    }
    ds_put_cstr(&v, "}}");
    char *key = xasprintf(FS_PREFIX "port_pair_groups/pg-%d", i);
    rw_put(w, key, ds_cstr(&v));
    free(key);
    ds_destroy(&v);
}

/* A port range of 'what' ("source"/"destination"), sometimes. */
static inline void rw_range(struct rworld *w, struct ds *v, const char *what)
{
    if (rw_chance(w, 50)) {
        int min = rw_pick(w, 1100);
        int max = rw_chance(w, 30) ? min : min + rw_pick(w, 300);
        ds_put_format(v,
                      ", \"%s_port_range_min\": %d, "
                      "\"%s_port_range_max\": %d",
                      what, min, what, max);
    }
}

static inline void rw_classifier(struct rworld *w, int i)
{
    bool v6 = rw_chance(w, 20);
    int proto = rw_pick(w, 4); /* tcp, udp, none, icmp */
    struct ds v = DS_EMPTY_INITIALIZER;
    ds_put_format(&v,
                  "{\"flow_classifier\": {\"id\": \"fc-%d\", \"ethertype\": "
                  "\"%s\", \"logical_source_port\": \"port-%02d\"",
                  i, v6 ? "IPv6" : "IPv4", rw_pick(w, w->sizes.ports));
    if (rw_chance(w, 75)) {
        ds_put_format(&v, ", \"logical_destination_port\": \"port-%02d\"",
                      rw_pick(w, w->sizes.ports));
    }
    if (proto < 2) {
        ds_put_format(&v, ", \"protocol\": \"%s\"", proto ? "udp" : "tcp");
        rw_range(w, &v, "source");
        rw_range(w, &v, "destination");
    } else if (proto == 3) {
        ds_put_format(&v, ", \"protocol\": \"%s\"", v6 ? "icmpv6" : "icmp");
    }
    if (rw_chance(w, 40)) {
        ds_put_format(&v, ", \"source_ip_prefix\": \"%s\"",
                      v6 ? "2001:db8:1::/48" : "10.0.0.0/24");
    }
    if (rw_chance(w, 40)) {
        ds_put_format(&v, ", \"destination_ip_prefix\": \"%s%d%s\"",
                      v6 ? "2001:db8:2::" : "172.16.0.", rw_pick(w, 4),
                      v6 ? "/128" : "/32");
    }
    ds_put_cstr(&v, "}}");
    char *key = xasprintf(FS_PREFIX "flow_classifiers/fc-%d", i);
    rw_put(w, key, ds_cstr(&v));
    free(key);
    ds_destroy(&v);
}

static inline void rw_chain(struct rworld *w, int i)
{
    struct ds v = DS_EMPTY_INITIALIZER;
    ds_put_format(&v,
                  "{\"port_chain\": {\"id\": \"pc-%d\", "
                  "\"port_pair_groups\": ",
                  i);
    int home[] = {2 * i, 2 * i + 1};
    rw_id_list(w, &v, "pg", w->sizes.groups, 3, home, 2);
    ds_put_cstr(&v, ", \"flow_classifiers\": ");
    rw_id_list(w, &v, "fc", w->sizes.classifiers, 2, home, 2);
    ds_put_format(&v,
                  ", \"chain_parameters\": {\"correlation\": \"%s\", "
                  "\"symmetric\": %s",
                  rw_chance(w, 85) ? "mpls" : "none",
                  rw_chance(w, 40) ? "true" : "false");
    if (rw_chance(w, 70)) {
        ds_put_format(&v, ", \"chain_id\": %d",
                      1 + (rw_chance(w, 80) ? i : rw_pick(w, 8)));
    }
    ds_put_cstr(&v, "}}}");
    char *key = xasprintf(FS_PREFIX "port_chains/pc-%d", i);
    rw_put(w, key, ds_cstr(&v));
    free(key);
    ds_destroy(&v);
}

/* Allocates (or, half the time, releases) a path id for chain i: the two
 * keys flowsteerd writes (docs/architecture.md, "Key allocation"). */
static inline void rw_allocation(struct rworld *w, int i)
{
    char *chain_key = xasprintf(FS_KEYS_CHAIN_PATHS "pc-%d", i);
    int n = 1 + rw_pick(w, 8);
    char *path_key = xasprintf(FS_KEYS_PATH_IDS "%d", n);
    if (rw_chance(w, 50)) {
        char *id = xasprintf("pc-%d", i), *num = xasprintf("%d", n);
        rw_put(w, chain_key, num);
        rw_put(w, path_key, id);
        free(id);
        free(num);
    } else {
        rw_delete(w, chain_key);
        rw_delete(w, path_key);
    }
    free(chain_key);
    free(path_key);
}

/* Tunnel endpoints: node<n>'s own mostly, sometimes another's (a clash),
 * IPv6 or none. */
static inline void rw_chassis_ip(struct rworld *w, int n, struct ds *v)
{
    int r = rw_pick(w, 20);
    if (r < 15) {
        ds_put_format(v, ", \"ip\": \"192.0.2.%d\"", n);
    } else if (r < 17) {
        ds_put_format(v, ", \"ip\": \"192.0.2.%d\"", 1 + rw_pick(w, 4));
    } else if (r < 19) {
        ds_put_format(v, ", \"ip\": \"2001:db8::%d\"", n);
    }
}

/* Puts (or, sometimes, deletes) chassis node<n>'s document: node1's with
 * bridge mappings, node2's and node3's with an encap. */
static inline void rw_chassis(struct rworld *w, int n)
{
    char *key = xasprintf(FS_PREFIX "chassis/node%d", n);
    if (rw_chance(w, n == 1 ? 25 : 15)) {
        rw_delete(w, key);
        free(key);
        return;
    }
    struct ds v = DS_EMPTY_INITIALIZER;
    ds_put_format(&v, "{\"chassis\": {\"id\": \"node%d\"", n);
    rw_chassis_ip(w, n, &v);
    if (n == 1) {
        ds_put_format(&v,
                      ", \"bridge_mappings\": \"physnet%d:br-p%d,%s:br-long\"",
                      1 + rw_pick(w, 3), 1 + rw_pick(w, 3), rw_physnets[3]);
    } else if (rw_chance(w, 70)) {
        ds_put_format(&v, ", \"encap\": \"%s\"",
                      rw_chance(w, 50) ? "vxlan" : "geneve");
    }
    ds_put_cstr(&v, "}}");
    rw_put(w, key, ds_cstr(&v));
    ds_destroy(&v);
    free(key);
}

/* Allocates (or, half the time, releases) a VNI for network i, as
 * reconciler/daemon/alloc.c writes it; the VNI may collide with an explicit
 * one. */
static inline void rw_vni(struct rworld *w, int i)
{
    char *net_key = xasprintf(FS_KEYS_NETWORK_VNIS "net-%d", i);
    int n = 100 + rw_pick(w, 8);
    char *vni_key = xasprintf(FS_KEYS_VNIS "%d", n);
    if (rw_chance(w, 60)) {
        char *id = xasprintf("net-%d", i), *num = xasprintf("%d", n);
        rw_put(w, net_key, num);
        rw_put(w, vni_key, id);
        free(id);
        free(num);
    } else {
        rw_delete(w, net_key);
        rw_delete(w, vni_key);
    }
    free(net_key);
    free(vni_key);
}

/* flowsteerd's own bridge-mappings setting (used while there is no chassis
 * document for node1). */
static inline void rw_config_mappings(struct rworld *w)
{
    static const char *const choices[] = {
        "physnet1:br-p1,physnet2:br-p2",
        "physnet1:br-p2,physnet3:br-p3",
        "physnet2:br-p2,a-physnet-name-too-long-for-ifname:br-long",
        "",
    };
    fs_bridge_mappings_free(w->mappings, w->n_mappings);
    w->mappings = NULL;
    w->n_mappings = 0;
    char *error = fs_bridge_mappings_parse(
        choices[rw_pick(w, ARRAY_SIZE(choices))], &w->mappings, &w->n_mappings);
    free(error);
    w->node.bridge_mappings = w->mappings;
    w->node.n_bridge_mappings = w->n_mappings;
}

/* An ofport for port i: mostly one of its own (i + 1, or that plus the
 * number of ports after a re-plug), sometimes any, which may collide with
 * another port's. */
static inline int rw_ofport(struct rworld *w, int i)
{
    return rw_chance(w, 85) ? i + 1 + w->sizes.ports * rw_pick(w, 2)
                            : 1 + rw_pick(w, w->max_ofport);
}

/* The ofport of patch port n (0..4). */
static inline int rw_patch_ofport(const struct rworld *w, int n)
{
    return w->max_ofport - 4 + n;
}

/* A tunnel port of node1 gets, changes or loses its ofport (from the top
 * of the range: it may collide with a patch port's or a VIF's). */
static inline void rw_tunnel_fact(struct rworld *w)
{
    int k = rw_pick(w, 3 + ARRAY_SIZE(rw_vteps));
    char *name =
        k < 3 ? xasprintf("fst-node%d", k + 2)
              : xasprintf("fst-%08" PRIx32, hash_string(rw_vteps[k - 3], 0));
    if (rw_chance(w, 75)) {
        simap_put(&w->facts.owned_ofports, name,
                  w->max_ofport - 2 + rw_pick(w, 8));
    } else {
        simap_find_and_delete(&w->facts.owned_ofports, name);
    }
    free(name);
}

/* One change of the local facts. */
static inline void rw_fact(struct rworld *w)
{
    char *hashed = xasprintf("fsi-%08" PRIx32, hash_string(rw_physnets[3], 0));
    const char *const patches[] = {"fsi-physnet1", "fsi-physnet2",
                                   "fsi-physnet3", hashed};
    static const char *const bridges[] = {"br-p1", "br-p2", "br-p3", "br-long"};
    int port = rw_pick(w, w->sizes.ports);
    char *id = xasprintf("port-%02d", port);
    const char *patch = patches[rw_pick(w, ARRAY_SIZE(patches))];
    const char *bridge = bridges[rw_pick(w, ARRAY_SIZE(bridges))];
    switch (rw_pick(w, 8)) {
    case 0:
    case 1:
    case 2:
        simap_put(&w->facts.ofports, id, rw_ofport(w, port));
        break;
    case 7:
        rw_slice_fact(w);
        break;
    case 6:
        rw_tunnel_fact(w);
        break;
    case 3:
        simap_find_and_delete(&w->facts.ofports, id);
        break;
    case 4:
        if (rw_chance(w, 70)) {
            simap_put(&w->facts.owned_ofports, patch,
                      rw_patch_ofport(w, rw_pick(w, 5)));
        } else {
            simap_find_and_delete(&w->facts.owned_ofports, patch);
        }
        break;
    default:
        if (rw_chance(w, 70)) {
            sset_add(&w->facts.bridges, bridge);
        } else {
            sset_find_and_delete(&w->facts.bridges, bridge);
        }
    }
    w->facts.generation++;
    snprintf(w->what, sizeof w->what, "fact change (%s, %s, %s)", id, patch,
             bridge);
    free(id);
    free(hashed);
}

/* Deletes a random resource. */
static inline void rw_delete_one(struct rworld *w)
{
    static const char *const kinds[] = {"networks",         "ports",
                                        "port_pairs",       "port_pair_groups",
                                        "flow_classifiers", "port_chains"};
    static const char *const prefixes[] = {"net", "port", "pp",
                                           "pg",  "fc",   "pc"};
    const int pools[] = {w->sizes.networks,    w->sizes.ports,
                         w->sizes.pairs,       w->sizes.groups,
                         w->sizes.classifiers, w->sizes.chains};
    static const int weights[] = {0, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5};
    int k = weights[rw_pick(w, ARRAY_SIZE(weights))];
    int n = rw_pick(w, pools[k]);
    char *key = k == 1
                    ? xasprintf(FS_PREFIX "ports/port-%02d", n)
                    : xasprintf(FS_PREFIX "%s/%s-%d", kinds[k], prefixes[k], n);
    rw_delete(w, key);
    snprintf(w->what, sizeof w->what, "delete %s", key);
    free(key);
}

/* L3 (worlds with routers): subnets "sub-<n>" (2 x routers + 2 of them,
 * on random networks, from a small pool of overlapping CIDRs and one
 * IPv6), routers "r-<k>" with random extra routes, interface ports
 * "rif-<j>" (2 x routers + 2) on random networks, subnets and routers:
 * some rejected (a subnet of another network, an overlap, a missing
 * router), some down; and this node's chassis MACs. */
static const char *const rw_cidrs[] = {"10.0.0.0/24", "10.0.0.0/25",
                                       "10.1.1.0/24", "10.1.2.0/24",
                                       "2001:db8::/64"};

/* Subnet i: mostly on network i % networks with CIDR i % 5 (so that
 * interface i fits it), sometimes anywhere. */
static inline void rw_subnet(struct rworld *w, int i)
{
    bool usual = rw_chance(w, 80);
    int c = usual ? i % ARRAY_SIZE(rw_cidrs) : rw_pick(w, ARRAY_SIZE(rw_cidrs));
    int net = usual ? i % w->sizes.networks : rw_pick(w, w->sizes.networks);
    char *key = xasprintf(FS_PREFIX "subnets/sub-%d", i);
    char *v = xasprintf("{\"subnet\": {\"id\": \"sub-%d\", \"network_id\": "
                        "\"net-%d\", \"ip_version\": %d, \"cidr\": \"%s\"}}",
                        i, net, c == 4 ? 6 : 4, rw_cidrs[c]);
    rw_put(w, key, v);
    free(key);
    free(v);
}

static inline void rw_router(struct rworld *w, int i)
{
    static const char *const dests[] = {"192.168.7.0/24", "10.1.0.0/16",
                                        "10.0.0.0/24", "0.0.0.0/0"};
    static const char *const hops[] = {"10.0.0.3", "10.0.0.5", "10.1.1.9",
                                       "10.1.2.1", "10.9.9.9"};
    struct ds v = DS_EMPTY_INITIALIZER;
    ds_put_format(&v,
                  "{\"router\": {\"id\": \"r-%d\", \"admin_state_up\": "
                  "%s, \"routes\": [",
                  i, rw_chance(w, 90) ? "true" : "false");
    for (int k = rw_pick(w, 3); k > 0; k--) {
        ds_put_format(&v, "{\"destination\": \"%s\", \"nexthop\": \"%s\"}%s",
                      dests[rw_pick(w, ARRAY_SIZE(dests))],
                      hops[rw_pick(w, ARRAY_SIZE(hops))], k > 1 ? ", " : "");
    }
    ds_put_cstr(&v, "]}}");
    char *key = xasprintf(FS_PREFIX "routers/r-%d", i);
    rw_put(w, key, ds_cstr(&v));
    free(key);
    ds_destroy(&v);
}

/* Interface i: mostly of subnet i, on its usual network, with the
 * subnet's .1 (rw_subnet()), of router i % routers; sometimes anything. */
static inline void rw_interface(struct rworld *w, int i)
{
    static const char *const ips[] = {"10.0.0.1", "10.0.0.1", "10.1.1.1",
                                      "10.1.2.1", "10.0.0.1"};
    int n = 2 * w->sizes.routers + 2;
    bool usual = rw_chance(w, 75);
    int sub = usual ? i : rw_pick(w, n);
    int net = usual ? i % w->sizes.networks : rw_pick(w, w->sizes.networks);
    int router =
        usual ? i % w->sizes.routers : rw_pick(w, w->sizes.routers + 1);
    char *key = xasprintf(FS_PREFIX "ports/rif-%d", i);
    char *v = xasprintf(
        "{\"port\": {\"id\": \"rif-%d\", \"network_id\": \"net-%d\", "
        "\"mac_address\": \"fa:16:3f:00:00:%02x\", \"device_owner\": "
        "\"network:router_interface_distributed\", \"device_id\": \"r-%d\", "
        "\"admin_state_up\": %s, \"fixed_ips\": [{\"subnet_id\": \"sub-%d\", "
        "\"ip_address\": \"%s\"}]}}",
        i, net, rw_pick(w, 4), router, rw_chance(w, 90) ? "true" : "false", sub,
        usual ? ips[sub % ARRAY_SIZE(ips)] : ips[rw_pick(w, ARRAY_SIZE(ips))]);
    rw_put(w, key, v);
    free(key);
    free(v);
}

/* This node's configured chassis MACs: none, or physnet1's. */
static inline void rw_chassis_macs(struct rworld *w)
{
    fs_chassis_macs_free(w->chassis_macs, w->n_chassis_macs);
    w->chassis_macs = NULL;
    w->n_chassis_macs = 0;
    if (rw_chance(w, 60)) {
        char *error = fs_chassis_macs_parse(
            "physnet1:0a:00:00:00:00:01", &w->chassis_macs, &w->n_chassis_macs);
        ovs_assert(!error);
    }
    w->node.chassis_macs = w->chassis_macs;
    w->node.n_chassis_macs = w->n_chassis_macs;
}

static inline void rw_l3_init(struct rworld *w)
{
    for (int i = 0; i < 2 * w->sizes.routers + 2; i++) {
        rw_subnet(w, i);
    }
    for (int i = 0; i < w->sizes.routers; i++) {
        rw_router(w, i);
    }
    for (int i = 0; i < 2 * w->sizes.routers + 2; i++) {
        rw_interface(w, i);
    }
    rw_chassis_macs(w);
}

static inline void rw_l3_step(struct rworld *w)
{
    int r = rw_pick(w, 10), n = 2 * w->sizes.routers + 2, i;
    if (r < 3) {
        rw_interface(w, i = rw_pick(w, n));
        snprintf(w->what, sizeof w->what, "put rif-%d", i);
    } else if (r < 5) {
        rw_router(w, i = rw_pick(w, w->sizes.routers));
        snprintf(w->what, sizeof w->what, "put r-%d", i);
    } else if (r < 7) {
        rw_subnet(w, i = rw_pick(w, n));
        snprintf(w->what, sizeof w->what, "put sub-%d", i);
    } else if (r < 9) {
        static const char *const kinds[] = {"ports/rif", "routers/r",
                                            "subnets/sub"};
        int k = rw_pick(w, 3);
        char *key = xasprintf(FS_PREFIX "%s-%d", kinds[k],
                              rw_pick(w, k == 1 ? w->sizes.routers : n));
        rw_delete(w, key);
        snprintf(w->what, sizeof w->what, "delete %s", key);
        free(key);
    } else {
        rw_chassis_macs(w);
        snprintf(w->what, sizeof w->what, "config chassis MACs (%zu)",
                 w->n_chassis_macs);
    }
}

/* Makes one random change to the world; w->what says which. */
static inline void rw_step(struct rworld *w)
{
    if (w->sizes.routers && rw_chance(w, 25)) {
        rw_l3_step(w);
        return;
    }
    int r = rw_pick(w, 100);
    const struct rw_sizes *s = &w->sizes;
    int i;
    if (r < 8) {
        rw_network(w, i = rw_pick(w, s->networks));
        snprintf(w->what, sizeof w->what, "put net-%d", i);
    } else if (r < 26) {
        rw_port(w, i = rw_pick(w, s->ports));
        snprintf(w->what, sizeof w->what, "put port-%02d", i);
    } else if (r < 33) {
        rw_pair(w, i = rw_pick(w, s->pairs));
        snprintf(w->what, sizeof w->what, "put pp-%d", i);
    } else if (r < 40) {
        rw_group(w, i = rw_pick(w, s->groups));
        snprintf(w->what, sizeof w->what, "put pg-%d", i);
    } else if (r < 50) {
        rw_classifier(w, i = rw_pick(w, s->classifiers));
        snprintf(w->what, sizeof w->what, "put fc-%d", i);
    } else if (r < 57) {
        rw_chain(w, i = rw_pick(w, s->chains));
        snprintf(w->what, sizeof w->what, "put pc-%d", i);
    } else if (r < 61) {
        rw_allocation(w, i = rw_pick(w, s->chains));
        snprintf(w->what, sizeof w->what, "allocation of pc-%d", i);
    } else if (r < 63) {
        rw_chassis(w, i = 1 + rw_pick(w, 3));
        snprintf(w->what, sizeof w->what, "chassis node%d", i);
    } else if (r < 64) {
        rw_config_mappings(w);
        snprintf(w->what, sizeof w->what, "config bridge mappings");
    } else if (r < 68) {
        rw_delete_one(w);
    } else if (r < 70) {
        rw_vni(w, i = rw_pick(w, s->networks));
        snprintf(w->what, sizeof w->what, "VNI allocation of net-%d", i);
    } else if (r < 72) {
        rw_slice(w, i = rw_pick(w, 2));
        snprintf(w->what, sizeof w->what, "put sl-%d", i);
    } else if (r < 74) {
        rw_flowspace(w, i = rw_pick(w, 3));
        snprintf(w->what, sizeof w->what, "put fs-%d", i);
    } else if (r < 75) {
        char *key =
            xasprintf(FS_PREFIX "%s",
                      rw_chance(w, 50) ? "slices/sl-0" : "flowspaces/fs-1");
        rw_delete(w, key);
        snprintf(w->what, sizeof w->what, "delete %s", key);
        free(key);
    } else {
        rw_fact(w);
    }
}

/* A new world of pools 'sizes' from 'seed', populated: every resource put
 * once, most ports plugged, bridges and patch ports present. */
static inline void rw_init(struct rworld *w, uint64_t seed,
                           struct rw_sizes sizes)
{
    memset(w, 0, sizeof *w);
    w->rng = seed * 2 + 1;
    w->sizes = sizes;
    w->max_ofport = 2 * sizes.ports + 5;
    w->model = fs_model_create();
    simap_init(&w->created);
    fs_local_facts_init(&w->facts);
    w->node = (struct fs_render_node){.name = "node1",
                                      .integration_bridge = "br-int"};
    rw_config_mappings(w);
    for (int n = 1; n <= 3; n++) {
        rw_chassis(w, n);
    }
    for (int i = 0; i < sizes.networks; i++) {
        rw_network(w, i);
        if (rw_chance(w, 50)) {
            rw_vni(w, i);
        }
    }
    for (int i = 0; i < sizes.ports; i++) {
        rw_port(w, i);
        if (rw_chance(w, 92)) {
            char *id = xasprintf("port-%02d", i);
            simap_put(&w->facts.ofports, id, rw_ofport(w, i));
            free(id);
        }
    }
    for (int i = 0; i < sizes.pairs; i++) {
        rw_pair(w, i);
    }
    for (int i = 0; i < sizes.groups; i++) {
        rw_group(w, i);
    }
    for (int i = 0; i < sizes.classifiers; i++) {
        rw_classifier(w, i);
    }
    for (int i = 0; i < sizes.chains; i++) {
        rw_chain(w, i);
    }
    static const char *const bridges[] = {"br-int", "br-p1", "br-p2", "br-p3",
                                          "br-long"};
    for (size_t i = 0; i < ARRAY_SIZE(bridges); i++) {
        sset_add(&w->facts.bridges, bridges[i]);
    }
    simap_put(&w->facts.owned_ofports, "fsi-physnet1", rw_patch_ofport(w, 0));
    simap_put(&w->facts.owned_ofports, "fsi-physnet2", rw_patch_ofport(w, 1));
    simap_put(&w->facts.owned_ofports, "fsi-physnet3", rw_patch_ofport(w, 2));
    for (int k = 0; k < 8; k++) {
        rw_tunnel_fact(w);
    }
    for (int i = 0; i < 2; i++) {
        rw_slice(w, i);
    }
    for (int i = 0; i < 3; i++) {
        rw_flowspace(w, i);
    }
    for (int k = 0; k < sizes.ports; k++) {
        rw_slice_fact(w);
    }
    if (sizes.routers) {
        rw_l3_init(w);
    }
}

static inline void rw_destroy(struct rworld *w)
{
    fs_model_destroy(w->model);
    fs_local_facts_destroy(&w->facts);
    fs_bridge_mappings_free(w->mappings, w->n_mappings);
    fs_chassis_macs_free(w->chassis_macs, w->n_chassis_macs);
    simap_destroy(&w->created);
}

#endif /* tests/unit/rworld.h */

/* libFuzzer target: one etcd value, JSON or YAML, of any kind, through the
 * whole pure pipeline: fs_model_put(), fs_snapshot_build(), fs_render().
 *
 * Input: the first byte picks the kind (modulo FS_N_KINDS), the rest is the
 * value.  The value is put into a model that already holds a small valid
 * world (both provider network types, overlay networks with ports on
 * another chassis and behind a VTEP, a chassis with bridge mappings, local
 * VIFs with port security, a symmetric MPLS chain through a group with a
 * pair on another node, a second chain from the same source port, a slice
 * of the geneve network with a flowspace and its member g1 plugged, and
 * net3's own controller with its member v1: two slice bridges and table
 * 5), at
 * /flowsteer/v1/<kind>/<id> where <id> is the document's own "id" when it has a
 * usable one (so a document can replace a resource of the world, and a valid
 * one is accepted), else "fuzz".  The world is rendered for node1 with every
 * port plugged (the fuzzed document's id included).  Every rendered flow and
 * group must parse as an OpenFlow 1.5 mod (as reconciler/ovs/flowtable.c and
 * groups.c parse them) and every OVSDB name must fit an interface name:
 * anything else aborts.
 * The world is put back as it was after each input, and everything is freed (a
 * leak is a finding).  With FS_FUZZ_VERBOSE=1 in the environment (running one
 * input: build/fuzz/fuzz_document FILE), it prints the snapshot's errors, the
 * notes and the rendered flows. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/model.h"
#include "model/yaml.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-protocol.h"
#include "render/render.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define K(KIND, ID) FS_PREFIX KIND "/" ID

/* The world: every kind with short ids, so that a fuzzed document can
 * reference it ("net1", "p1", "pg1", ...). */
static const char *const world[][2] = {
    {K("networks", "net1"),
     "{\"network\": {\"id\": \"net1\", \"provider:network_type\": \"vlan\", "
     "\"provider:physical_network\": \"physnet1\", "
     "\"provider:segmentation_id\": 100}}"},
    {K("networks", "net2"), "provider:network_type: flat\n"
                            "provider:physical_network: physnet2\n"},
    {K("networks", "net3"),
     "{\"provider:network_type\": \"vxlan\", \"provider:segmentation_id\": 7, "
     "\"controller\": \"10.0.0.9:6653\"}"},
    {K("chassis", "node1"),
     "{\"chassis\": {\"ip\": \"192.0.2.1\", \"bridge_mappings\": "
     "\"physnet1:br-phys,physnet2:br-phys2\"}}"},
    {K("chassis", "node2"), "{\"ip\": \"192.0.2.2\", \"encap\": \"geneve\"}"},
    {K("ports", "src"),
     "{\"port\": {\"network_id\": \"net1\", \"binding:host_id\": \"node1\", "
     "\"mac_address\": \"fa:16:3e:00:00:01\", \"fixed_ips\": [{\"ip_address\": "
     "\"10.0.0.1\"}, {\"ip_address\": \"2001:db8::1\"}], "
     "\"allowed_address_pairs\": [{\"ip_address\": \"10.0.1.0/24\"}, "
     "{\"ip_address\": \"10.0.2.1\", \"mac_address\": "
     "\"fa:16:3e:00:00:99\"}]}}"},
    {K("ports", "dst"), "port:\n"
                        "  network_id: net1\n"
                        "  binding:host_id: node1\n"
                        "  mac_address: FA:16:3E:00:00:02\n"
                        "  fixed_ips:\n"
                        "    - ip_address: 10.0.0.2\n"},
    {K("ports", "p1"),
     "{\"network_id\": \"net1\", \"binding:host_id\": \"node1\", "
     "\"mac_address\": \"fa:16:3e:00:00:11\", \"port_security_enabled\": "
     "false}"},
    {K("ports", "p2"),
     "{\"network_id\": \"net1\", \"binding:host_id\": \"node1\", "
     "\"mac_address\": \"fa:16:3e:00:00:12\", \"port_security_enabled\": "
     "false}"},
    {K("ports", "p3"),
     "{\"network_id\": \"net1\", \"binding:host_id\": \"node1\", "
     "\"port_security_enabled\": false}"},
    {K("ports", "p4"),
     "{\"network_id\": \"net1\", \"binding:host_id\": \"node1\", "
     "\"port_security_enabled\": false}"},
    {K("ports", "p5"),
     "{\"network_id\": \"net1\", \"binding:host_id\": \"node1\", "
     "\"port_security_enabled\": false}"},
    {K("ports", "p6"),
     "{\"network_id\": \"net1\", \"binding:host_id\": \"node1\", "
     "\"port_security_enabled\": false}"},
    {K("ports", "p7"),
     "{\"network_id\": \"net2\", \"binding:host_id\": \"node1\", "
     "\"port_security_enabled\": false}"},
    {K("ports", "p8"),
     "{\"network_id\": \"net2\", \"binding:host_id\": \"node1\", "
     "\"port_security_enabled\": false}"},
    {K("ports", "r1"),
     "{\"network_id\": \"net1\", \"binding:host_id\": \"node2\", "
     "\"binding:profile\": {\"port_key\": \"remote_port\", \"host_ip\": "
     "\"192.0.2.2\"}}"},
    {K("ports", "r2"),
     "{\"network_id\": \"net1\", \"binding:host_id\": \"node2\"}"},
    {K("ports", "v1"),
     "{\"network_id\": \"net3\", \"binding:host_id\": \"node1\", "
     "\"mac_address\": \"fa:16:3e:00:00:31\"}"},
    {K("ports", "v2"),
     "{\"network_id\": \"net3\", \"binding:host_id\": \"node2\", "
     "\"mac_address\": \"fa:16:3e:00:00:32\"}"},
    {K("ports", "vr"),
     "{\"network_id\": \"net3\", \"mac_address\": \"fa:16:3e:00:00:33\", "
     "\"binding:profile\": {\"port_key\": \"remote_port\", \"host_ip\": "
     "\"198.51.100.9\"}}"},
    {K("networks", "net4"), "{\"provider:network_type\": \"geneve\"}"},
    {K("ports", "g1"),
     "{\"network_id\": \"net4\", \"binding:host_id\": \"node1\"}"},
    {K("ports", "g2"),
     "{\"network_id\": \"net4\", \"binding:host_id\": \"node2\", "
     "\"mac_address\": \"fa:16:3e:00:00:42\"}"},
    {K("ports", "f1"),
     "{\"network_id\": \"net2\", \"binding:host_id\": \"node1\", "
     "\"mac_address\": \"fa:16:3e:00:00:21\"}"},
    {K("port_pairs", "pp1"),
     "{\"port_pair\": {\"ingress\": \"p1\", \"egress\": \"p2\", "
     "\"service_function_parameters\": {\"correlation\": \"mpls\", "
     "\"weight\": 2}}}"},
    {K("port_pairs", "pp2"), "{\"ingress\": \"p3\", \"egress\": \"p4\"}"},
    {K("port_pairs", "pp3"), "{\"ingress\": \"r1\", \"egress\": \"r2\"}"},
    {K("port_pairs", "pp4"),
     "{\"ingress\": \"p5\", \"egress\": \"p6\", "
     "\"service_function_parameters\": {\"weight\": 3}}"},
    {K("port_pairs", "pp5"), "{\"ingress\": \"p7\", \"egress\": \"p8\"}"},
    {K("port_pair_groups", "pg1"),
     "{\"port_pair_group\": {\"port_pairs\": [\"pp1\", \"pp3\"], "
     "\"port_pair_group_parameters\": {\"lb_fields\": "
     "\"ip_src&tcp_dst\"}}}"},
    {K("port_pair_groups", "pg2"), "port_pairs: [pp2, pp4]\n"},
    {K("port_pair_groups", "pg3"), "port_pairs: [pp5]\n"},
    {K("flow_classifiers", "fc1"),
     "{\"flow_classifier\": {\"ethertype\": \"IPv4\", \"protocol\": \"tcp\", "
     "\"source_ip_prefix\": \"10.0.0.1/32\", \"destination_ip_prefix\": "
     "\"10.0.0.0/24\", \"source_port_range_min\": 22, "
     "\"source_port_range_max\": 23, \"destination_port_range_min\": 80, "
     "\"destination_port_range_max\": 80, \"logical_source_port\": \"src\", "
     "\"logical_destination_port\": \"dst\"}}"},
    {K("port_chains", "pc1"),
     "{\"port_chain\": {\"port_pair_groups\": [\"pg1\", \"pg2\"], "
     "\"flow_classifiers\": [\"fc1\"], \"chain_parameters\": "
     "{\"symmetric\": true}}}"},
    {K("flow_classifiers", "fc2"),
     "{\"protocol\": \"udp\", \"destination_port_range_min\": 53, "
     "\"destination_port_range_max\": 53, \"source_ip_prefix\": "
     "\"10.0.0.0/8\", \"logical_source_port\": \"src\"}"},
    {K("port_chains", "pc2"),
     "port_chain:\n"
     "  port_pair_groups: [pg3]\n"
     "  flow_classifiers: [fc2]\n"
     "  chain_parameters: {correlation: none, chain_id: 9}\n"},
    {K("slices", "sl1"), "{\"slice\": {\"name\": \"tenant\", \"controller\": "
                         "\"tcp:192.0.2.9:6653\", \"networks\": [\"net4\"]}}"},
    {K("flowspaces", "fs1"),
     "slice: sl1\n"
     "priority: 100\n"
     "match: {in_port: g1, dl_src: \"fa:16:3e:00:00:42\", nw_proto: 6, "
     "tp_dst: 22, nw_dst: 10.0.4.0/24}\n"},
    {FS_KEYS_CHAIN_PATHS "pc1", "7"},
    {FS_KEYS_PATH_IDS "7", "pc1"},
    {FS_KEYS_NETWORK_VNIS "net4", "8"},
    {FS_KEYS_VNIS "8", "net4"},
};

/* ofports of the world's local ports; the fuzzed document's id gets
 * FUZZ_OFPORT. */
static const char *const plugged[] = {"src", "dst", "p1", "p2",  "p3",
                                      "p4",  "p5",  "p6", "p7",  "p8",
                                      "f1",  "v1",  "g1", "fuzz"};
enum { FUZZ_OFPORT = 40 };

static struct fs_model *model;
static bool verbose;
/* The flows and groups of the world alone, as text: checked once at start,
 * then skipped (parsing every flow of every render would halve the
 * executions per second). */
static struct sset world_texts = SSET_INITIALIZER(&world_texts);
static struct fs_local_facts facts;
static const struct fs_bridge_mapping config_mappings[] = {
    {"physnet3", "br-phys3"}};
static const struct fs_render_node node1 = {
    .name = "node1",
    .integration_bridge = "br-int",
    .bridge_mappings = config_mappings,
    .n_bridge_mappings = 1,
};

static void put_world(const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(world); i++) {
        if (!key || !strcmp(key, world[i][0])) {
            fs_model_put(model, world[i][0], strlen(world[i][0]), world[i][1],
                         strlen(world[i][1]), 10 + i, 10 + i);
        }
    }
}

static void init(void)
{
    const char *v = getenv("FS_FUZZ_VERBOSE");
    verbose = v && !strcmp(v, "1");
    model = fs_model_create();
    put_world(NULL);
    fs_model_set_revision(model, 100);
    fs_local_facts_init(&facts);
    for (size_t i = 0; i < ARRAY_SIZE(plugged); i++) {
        simap_put(&facts.ofports, plugged[i], 1 + i);
    }
    simap_put(&facts.owned_ofports, "fsi-physnet1", 30);
    simap_put(&facts.owned_ofports, "fsi-physnet2", 31);
    simap_put(&facts.owned_ofports, "fst-node2", 32);
    /* The slices' patch ports: sl1's member g1 and net4's uplink; net3's
     * own slice's member v1 and net3's uplink. */
    simap_put(&facts.owned_ofports, "fsm-g1", 33);
    simap_put(&facts.owned_ofports, "fsu-net4", 34);
    simap_put(&facts.owned_ofports, "fsm-v1", 35);
    simap_put(&facts.owned_ofports, "fsu-net3", 36);
    sset_add(&facts.bridges, "br-int");
    sset_add(&facts.bridges, "br-phys");
    sset_add(&facts.bridges, "br-phys2");
}

/* The document's "id" (bare or in an envelope) if it can be the last
 * component of a key, else "fuzz".  Caller frees. */
static char *document_id(const char *value, size_t len)
{
    json_t *root = json_loadb(value, len, 0, NULL);
    if (!root) {
        char *error;
        root = fs_yaml_parse(value, len, &error);
        free(error);
    }
    json_t *obj = root;
    if (json_object_size(root) == 1) {
        json_t *inner = json_object_iter_value(json_object_iter(root));
        obj = json_is_object(inner) ? inner : root;
    }
    const char *id = json_string_value(json_object_get(obj, "id"));
    char *copy = xstrdup(id && *id && !strchr(id, '/') ? id : "fuzz");
    json_decref(root);
    return copy;
}

static void print_errors(const char *what, const struct fs_errors *e)
{
    for (size_t i = 0; i < e->n; i++) {
        fprintf(stderr, "%s: %s %s %s\n", what, e->items[i].key,
                e->items[i].path, e->items[i].message);
    }
}

static void print_result(const struct fs_snapshot *s,
                         const struct fs_desired *d)
{
    print_errors("error", &s->errors);
    print_errors("note", &d->notes);
    for (size_t i = 0; i < d->n_flows; i++) {
        char *text = fs_flow_to_string(&d->flows[i]);
        fprintf(stderr, "flow: %s\n", text);
        free(text);
    }
    for (size_t i = 0; i < d->n_groups; i++) {
        char *text = fs_group_to_string(&d->groups[i]);
        fprintf(stderr, "group: %s\n", text);
        free(text);
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        fprintf(stderr, "port: %s on %s\n", d->ports[i]->name,
                d->ports[i]->bridge);
    }
}

static void check_desired(const struct fs_desired *d)
{
    for (size_t i = 0; i < d->n_flows; i++) {
        char *broken = fs_pipeline_check(&d->flows[i]);
        if (broken) {
            fprintf(stderr, "rendered flow breaks the pipeline: %s\n", broken);
            abort();
        }
    }
    for (size_t i = 0; i < d->n_flows; i++) {
        char *text = fs_flow_to_string(&d->flows[i]);
        if (sset_contains(&world_texts, text)) {
            free(text); /* As the world renders it: parsed at start. */
            continue;
        }
        struct ofputil_flow_mod fm;
        enum ofputil_protocol usable;
        char *error =
            parse_ofp_flow_mod_str(&fm, text, NULL, NULL, OFPFC_ADD, &usable);
        if (error) {
            fprintf(stderr, "rendered flow does not parse: %s: %s\n", text,
                    error);
            abort();
        }
        free(CONST_CAST(struct ofpact *, fm.ofpacts));
        minimatch_destroy(&fm.match);
        free(text);
    }
    for (size_t i = 0; i < d->n_groups; i++) {
        char *text = fs_group_to_string(&d->groups[i]);
        if (sset_contains(&world_texts, text)) {
            free(text);
            continue;
        }
        struct ofputil_group_mod gm;
        enum ofputil_protocol usable;
        char *error = parse_ofp_group_mod_str(&gm, OFPGC15_ADD, text, NULL,
                                              NULL, &usable);
        if (error) {
            fprintf(stderr, "rendered group does not parse: %s: %s\n", text,
                    error);
            abort();
        }
        ofputil_uninit_group_mod(&gm);
        free(text);
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        if (strlen(d->ports[i]->name) > 15) {
            fprintf(stderr, "OVSDB port name too long: %s\n",
                    d->ports[i]->name);
            abort();
        }
    }
    for (size_t i = 0; i < d->n_bridges; i++) {
        if (strlen(d->bridges[i]->name) > 15) {
            fprintf(stderr, "OVSDB bridge name too long: %s\n",
                    d->bridges[i]->name);
            abort();
        }
    }
}

/* Returns true if 'd' has a flow in table 'table'. */
static bool has_table(const struct fs_desired *d, int table)
{
    for (size_t i = 0; i < d->n_flows; i++) {
        if (d->flows[i].table_id == table) {
            return true;
        }
    }
    return false;
}

/* Renders the world alone, checks it and records its texts. */
static void check_world(void)
{
    struct fs_snapshot *snap = fs_snapshot_build(model);
    struct fs_desired *d = fs_render(snap, &node1, &facts);
    if (snap->errors.n || !d->n_flows || !d->n_groups || !d->n_ports ||
        snap->n_slices != 1 || snap->n_flowspaces != 1 || d->n_bridges != 2 ||
        !has_table(d, FS_T_SLICE)) {
        print_result(snap, d);
        fprintf(stderr, "the world does not render as it should\n");
        abort();
    }
    check_desired(d);
    for (size_t i = 0; i < d->n_flows; i++) {
        sset_add_and_free(&world_texts, fs_flow_to_string(&d->flows[i]));
    }
    for (size_t i = 0; i < d->n_groups; i++) {
        sset_add_and_free(&world_texts, fs_group_to_string(&d->groups[i]));
    }
    fs_desired_destroy(d);
    fs_snapshot_destroy(snap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!model) {
        init();
        check_world();
    }
    if (!size) {
        return 0;
    }
    enum fs_kind kind = data[0] % FS_N_KINDS;
    const char *value = (const char *)data + 1;
    size_t len = size - 1;
    char *id = document_id(value, len);
    char *key = xasprintf("%s%s/%s", FS_PREFIX, fs_kind_name(kind), id);
    bool plug = !simap_contains(&facts.ofports, id);
    if (plug) {
        simap_put(&facts.ofports, id, FUZZ_OFPORT);
    }

    fs_model_put(model, key, strlen(key), value, len, 50, 50);
    struct fs_snapshot *snap = fs_snapshot_build(model);
    fs_snapshot_free_path_id(snap);
    struct fs_desired *d = fs_render(snap, &node1, &facts);
    if (verbose) {
        fprintf(stderr, "put %s (%zu bytes)\n", key, len);
        print_result(snap, d);
    }
    check_desired(d);
    fs_desired_destroy(d);
    fs_snapshot_destroy(snap);

    fs_model_delete(model, key, strlen(key));
    put_world(key);
    if (plug) {
        simap_find_and_delete(&facts.ofports, id);
    }
    free(key);
    free(id);
    return 0;
}

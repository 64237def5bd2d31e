/* Provider networks (flat, VLAN) on this node, after Dragonflow's provider
 * networks app (../shared/seeds/dragonflow-provider-networks.txt): one
 * patch pair per bridge mapping between the integration bridge and the
 * operator's provider bridge, table 3 (ingress: VLAN id or untagged ->
 * network) and table 80 (egress: push the network's tag, output to the
 * patch), built with struct fs_fb (render/flow.h) at the priorities of
 * render/pipeline.h (enum fs_provider_prio).  Also hands each served
 * network's uplink to l2.c (the world's uplinks).  All of it is the
 * node-wide render unit (render/units.c).  docs/architecture.md,
 * "Integration bridge pipeline" and "OVSDB". */
#include <inttypes.h>
#include <string.h>

#include "hash.h"
#include "model/text.h"
#include "openvswitch/meta-flow.h"
#include "packets.h"
#include "render/internal.h"
#include "util.h"

/* Where this node's bridge mappings come from: the chassis document named
 * after the node if there is one, else flowsteerd's configuration. */
struct mappings {
    const struct fs_bridge_mapping *items;
    size_t n;
    const char *key;  /* etcd key of the chassis document, "" = config. */
    const char *path; /* JSON path of the mappings in it, "$" = config. */
};

static struct mappings node_mappings(const struct render_ctx *ctx)
{
    const struct fs_chassis *ch =
        fs_snapshot_find(ctx->snap, FS_CHASSIS, ctx->node);
    if (ch) {
        return (struct mappings){ch->bridge_mappings, ch->n_bridge_mappings,
                                 ch->meta.key, "$.chassis.bridge_mappings"};
    }
    const struct fs_render_node *n = ctx->render_node;
    return (struct mappings){n->bridge_mappings, n->n_bridge_mappings, "", "$"};
}

/* See render/internal.h. */
bool render_name_fits(const char *name)
{
    size_t len = strlen(name);
    return len && len <= FS_PORT_NAME_MAX - 4 &&
           strspn(name, "abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

/* See render/internal.h. */
char *render_patch_name(const char *prefix, const char *id)
{
    return render_name_fits(id)
               ? xasprintf("%s%s", prefix, id)
               : xasprintf("%s%08" PRIx32, prefix, hash_string(id, 0));
}

/* Returns true if 'net' is a flat or VLAN network on 'physnet' that this
 * node serves: it has a local port, or a router routed here has an
 * interface on it (render/router.c). */
static bool served_network(const struct render_ctx *ctx,
                           const struct fs_network *net, const char *physnet)
{
    if (!net->network_type || !net->physical_network ||
        strcmp(net->physical_network, physnet)) {
        return false;
    }
    bool vlan = !strcmp(net->network_type, "vlan");
    if (!(vlan && net->segmentation_id >= 1) &&
        strcmp(net->network_type, "flat")) {
        return false;
    }
    if (render_routed(ctx, FS_NETWORK, net->meta.id)) {
        return true;
    }
    size_t n;
    const struct fs_port *const *ports =
        render_network_ports(ctx, net->meta.id, &n);
    for (size_t i = 0; i < n; i++) {
        if (render_local_ofport(ctx, ports[i]->meta.id)) {
            return true;
        }
    }
    return false;
}

/* The 802.1Q TCI bits of OVS's vlan_vid and vlan_tci matches that tell
 * the VID: the VID and VLAN_CFI (OpenFlow's OFPVID_PRESENT). */
#define VID_MASK (VLAN_CFI | VLAN_VID_MASK)

/* Table 3 for network 'net' (key 'key') behind patch port 'ofport': the
 * tag (or its absence: a VLAN TCI of 0 in VID_MASK matches untagged
 * frames only, not priority-tagged ones) picks the network. */
static void network_in(struct render_ctx *ctx, const struct fs_network *net,
                       uint64_t key, int ofport, bool vlan)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_PROVIDER_IN, FS_PRIO_PROVIDER_IN_NETWORK,
               FS_COOKIE(FS_COOKIE_PROVIDER, key));
    fs_match_in_port(&b, ofport);
    if (vlan) {
        fs_match_mf(&b, MFF_VLAN_VID, VLAN_CFI | net->segmentation_id,
                    VID_MASK);
        fs_pop_vlan(&b);
    } else {
        fs_match_mf(&b, MFF_VLAN_TCI, 0, VID_MASK);
    }
    fs_set_field(&b, FS_F_NETWORK, key);
    fs_set_field(&b, FS_F_SRC_PORT, ofport);
    fs_goto(&b, FS_T_SFC_CLASS);
    render_flow_add(ctx, net->meta.key, &b);
}

/* Table 80 for network 'net' (key 'key') behind patch port 'ofport'.  A
 * flood resubmits into table 75/80 once per output, and a push_vlan there
 * would stay on the packet for the outputs after it; clone() keeps the tag
 * to this one output. */
static void network_out(struct render_ctx *ctx, const struct fs_network *net,
                        uint64_t key, int ofport, bool vlan)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_PROVIDER_OUT, FS_PRIO_PROVIDER_OUT_NETWORK,
               FS_COOKIE(FS_COOKIE_PROVIDER, key));
    fs_match_field(&b, FS_F_NETWORK, key);
    fs_match_field(&b, FS_F_DST_PORT, ofport);
    if (vlan) {
        size_t clone = fs_clone_begin(&b);
        fs_push_vlan(&b);
        fs_set_mf(&b, MFF_VLAN_VID, VLAN_CFI | net->segmentation_id);
        fs_to_port(&b, ofport);
        fs_clone_end(&b, clone);
    } else {
        fs_to_port(&b, ofport);
    }
    render_flow_add(ctx, net->meta.key, &b);
}

/* Table 3 and 80 for network 'net' behind patch port 'ofport', and its
 * uplink for l2.c. */
static void network_flows(struct render_ctx *ctx, const struct fs_network *net,
                          int ofport)
{
    bool vlan = !strcmp(net->network_type, "vlan");
    uint64_t key = render_net_key(ctx, net->meta.id);
    network_in(ctx, net, key, ofport, vlan);
    network_out(ctx, net, key, ofport, vlan);

    struct render_uplink *u = xmalloc(sizeof *u);
    *u = (struct render_uplink){ofport, vlan ? (int)net->segmentation_id : -1};
    if (!shash_add_once(&ctx->w->uplinks, net->meta.id, u)) {
        free(u);
    }
}

/* Returns mapping 'm' as "physnet:bridge", quoted by fs_quote(). */
static struct fs_quoted quote_mapping(const struct fs_bridge_mapping *m)
{
    char *text = xasprintf("%s:%s", m->physnet, m->bridge);
    struct fs_quoted q = fs_quote(text);
    free(text);
    return q;
}

/* Renders the patch pair of mapping 'm' (integration side 'int_name',
 * provider side 'phys_name'); returns false, with a note and neither port,
 * if a name is already taken (two physnets hashing alike). */
static bool render_pair(struct render_ctx *ctx, const struct mappings *src,
                        const struct fs_bridge_mapping *m, const char *int_name,
                        const char *phys_name)
{
    if (sset_contains(&ctx->port_names, int_name) ||
        sset_contains(&ctx->port_names, phys_name)) {
        fs_errors_add(&ctx->out->notes, src->key, src->path,
                      "bridge mapping %s: patch port name %s or "
                      "%s is already used for another physnet: not "
                      "rendered",
                      quote_mapping(m).s, fs_quote(int_name).s,
                      fs_quote(phys_name).s);
        return false;
    }
    char *owner = xasprintf("provider:%s", m->physnet);
    struct smap options = SMAP_INITIALIZER(&options);
    smap_add(&options, "peer", phys_name);
    render_port(ctx, ctx->render_node->integration_bridge, int_name, "patch",
                &options, owner, src->key, src->path);
    smap_replace(&options, "peer", int_name);
    render_port(ctx, m->bridge, phys_name, "patch", &options, owner, src->key,
                src->path);
    smap_destroy(&options);
    free(owner);
    return true;
}

/* Returns why mapping 'm' cannot get a patch pair on this node (caller
 * frees), or NULL. */
static char *mapping_problem(const struct render_ctx *ctx,
                             const struct fs_bridge_mapping *m)
{
    if (!strcmp(m->bridge, ctx->render_node->integration_bridge)) {
        return xasprintf("chassis %s: bridge mapping %s names the "
                         "integration bridge: no patch ports for %s",
                         fs_quote(ctx->node).s, quote_mapping(m).s,
                         fs_quote(m->physnet).s);
    }
    if (!sset_contains(&ctx->facts->bridges, m->bridge)) {
        return xasprintf("chassis %s: bridge mapping %s: bridge "
                         "%s does not exist (the operator creates it): no "
                         "patch ports for %s until it does",
                         fs_quote(ctx->node).s, quote_mapping(m).s,
                         fs_quote(m->bridge).s, fs_quote(m->physnet).s);
    }
    return NULL;
}

/* One mapping: the pair if a served network is on its physnet, and the
 * flows of those networks once the integration side has an ofport. */
static void render_mapping(struct render_ctx *ctx, const struct mappings *src,
                           const struct fs_bridge_mapping *m)
{
    size_t n_served = 0;
    for (size_t i = 0; i < ctx->snap->n_networks; i++) {
        n_served += served_network(ctx, &ctx->snap->networks[i], m->physnet);
    }
    if (!n_served) {
        return;
    }
    char *why = mapping_problem(ctx, m);
    if (why) {
        fs_errors_add(&ctx->out->notes, src->key, src->path, "%s", why);
        free(why);
        return;
    }
    char *int_name = render_patch_name(FS_PATCH_INT_PREFIX, m->physnet);
    char *phys_name = render_patch_name(FS_PATCH_PHYS_PREFIX, m->physnet);
    int ofport = simap_get(&ctx->facts->owned_ofports, int_name);
    if (!render_pair(ctx, src, m, int_name, phys_name)) {
        /* Noted. */
    } else if (ofport <= 0) {
        ctx->out->n_waiting++;
    } else {
        simap_put(&ctx->w->patch_ofports, int_name, ofport);
        struct fs_fb b;
        fs_fb_init(&b, FS_T_PROVIDER_IN, FS_PRIO_PROVIDER_IN_DROP,
                   FS_COOKIE(FS_COOKIE_PROVIDER, 0));
        fs_match_in_port(&b, ofport);
        render_flow_add(ctx, src->key, &b);
        for (size_t i = 0; i < ctx->snap->n_networks; i++) {
            const struct fs_network *net = &ctx->snap->networks[i];
            if (served_network(ctx, net, m->physnet)) {
                network_flows(ctx, net, ofport);
            }
        }
    }
    free(int_name);
    free(phys_name);
}

void render_provider(struct render_ctx *ctx)
{
    struct mappings src = node_mappings(ctx);
    for (size_t i = 0; i < src.n; i++) {
        render_mapping(ctx, &src, &src.items[i]);
    }
}

/* Overlay networks across chassis (docs/architecture.md, "Overlay"):
 * tunnel ports to the other chassis this node needs and to remote
 * devices' VTEPs (Dragonflow's remote device,
 * ../shared/seeds/dragonflow-remote-device.txt), table 4 (from a tunnel:
 * VNI -> network), unicast to ports bound elsewhere (table 55) and the
 * head-end replication of a flood (table 57).  The tunnel ports, table 4's
 * MPLS hand-off and the world's tunnels are the node-wide unit's; an
 * overlay network's flows its network unit's (render/units.c). */
#include <string.h>

#include "model/text.h"
#include "openvswitch/meta-flow.h"
#include "packets.h"
#include "render/flow.h"
#include "render/internal.h"
#include "socket-util.h"
#include "util.h"

/* One remote endpoint this node needs a tunnel to. */
struct need {
    bool chassis;     /* A chassis, not a remote device's VTEP. */
    const char *name; /* Chassis name, or the VTEP's IP (the key in the
                       * map of needs). */
    const char *ip;   /* Remote endpoint. */
    const char *type; /* vxlan, geneve. */
    const char *key;  /* Resource that wants it (for notes and rows). */
    const char *path; /* JSON path in it. */
};

const char *render_port_chassis(const struct fs_port *p, const char *node)
{
    if (p->remote) {
        return p->remote_host_ip;
    }
    return p->host_id && *p->host_id && strcmp(p->host_id, node) ? p->host_id
                                                                 : NULL;
}

/* Adds a need for chassis 'name' (a chassis document's ip and encap) on
 * behalf of resource 'key' unless there is one. */
static void need_chassis(struct shash *needs, const struct render_ctx *ctx,
                         const char *name, const char *key)
{
    if (!name || !*name || !strcmp(name, ctx->node) ||
        shash_find(needs, name)) {
        return;
    }
    const struct fs_chassis *ch = fs_snapshot_find(ctx->snap, FS_CHASSIS, name);
    struct need *n = xmalloc(sizeof *n);
    if (ch && ch->ip) {
        *n = (struct need){true,      name,         ch->ip,
                           ch->encap, ch->meta.key, "$.chassis.ip"};
    } else {
        *n = (struct need){true, name, NULL, NULL, key, "$"};
    }
    n->name = shash_add(needs, name, n)->name; /* 'name' may not live. */
}

/* A remote device port 'p' of overlay network 'net': its VTEP, named by
 * its IP, with the network's type as encap. */
static void need_vtep(struct shash *needs, const struct fs_port *p,
                      const struct fs_network *net)
{
    if (p->remote_host_ip && !shash_find(needs, p->remote_host_ip)) {
        struct need *n = xmalloc(sizeof *n);
        *n = (struct need){false,
                           p->remote_host_ip,
                           p->remote_host_ip,
                           net->network_type,
                           p->meta.key,
                           "$.port.binding:profile.host_ip"};
        shash_add(needs, p->remote_host_ip, n);
    }
}

/* Network 'id' into 'nets' (once): -> struct fs_network if it is an
 * overlay network with a VNI, else NULL. */
static void add_present(const struct render_ctx *ctx, struct shash *nets,
                        const char *id)
{
    if (!shash_find(nets, id)) {
        const struct fs_network *net =
            fs_snapshot_find(ctx->snap, FS_NETWORK, id);
        shash_add(nets, id,
                  net && fs_network_is_overlay(net) && net->vni ? net : NULL);
    }
}

/* The networks that have a port bound to this node, plugged or not (the
 * tunnels are ready before the port is), and those routed here
 * (render/router.c), each looked up once: network id
 * -> struct fs_network if it is an overlay network with a VNI, else
 * NULL. */
static void present_overlays(const struct render_ctx *ctx, struct shash *nets)
{
    for (size_t i = 0; i < ctx->snap->n_ports; i++) {
        const struct fs_port *p = &ctx->snap->ports[i];
        if (!p->remote && p->host_id && !strcmp(p->host_id, ctx->node)) {
            add_present(ctx, nets, p->network_id);
        }
    }
    const char *id;
    SSET_FOR_EACH(id, &ctx->w->routed_nets)
    {
        add_present(ctx, nets, id);
    }
}

/* Every other chassis with a port of an overlay network present here, and
 * every remote device of such a network. */
static void network_needs(const struct render_ctx *ctx, struct shash *needs)
{
    struct shash nets = SHASH_INITIALIZER(&nets);
    present_overlays(ctx, &nets);
    for (size_t i = 0; i < ctx->snap->n_ports && !shash_is_empty(&nets); i++) {
        const struct fs_port *p = &ctx->snap->ports[i];
        const struct fs_network *net = shash_find_data(&nets, p->network_id);
        if (!net) {
            continue;
        }
        if (p->remote) {
            need_vtep(needs, p, net);
        } else {
            need_chassis(needs, ctx, p->host_id, p->meta.key);
        }
    }
    shash_destroy(&nets);
}

/* One chain's chassis (chain_chassis()) and the resources read to find
 * them, kept by the engine from run to run (struct render_chain_spans). */
struct render_span {
    struct sset chassis;
    struct span_input {
        enum fs_kind kind;
        char *id;
    } * inputs;
    size_t n, allocated;
};

/* The chains that need a tunnel to one chassis (they have a port here and
 * one there), and the smallest of their ids: the chain named in notes, as
 * the first in id order. */
struct span_name {
    struct sset chains;
    const char *min; /* In 'chains'. */
};

/* What the engine keeps of chain_needs() from run to run: each chain's
 * span (chains with a path id), which chains read each resource
 * ("<kind>/<id>" -> sset of chain ids), and each chassis' chains. */
struct render_chain_spans {
    struct shash spans;
    struct shash inputs;
    struct shash names;
    uint64_t stamp; /* The engine run that last brought them up to date. */
};

struct render_chain_spans *render_chain_spans_create(void)
{
    struct render_chain_spans *cs = xzalloc(sizeof *cs);
    shash_init(&cs->spans);
    shash_init(&cs->inputs);
    shash_init(&cs->names);
    return cs;
}

static void span_free(struct render_span *span)
{
    sset_destroy(&span->chassis);
    for (size_t i = 0; i < span->n; i++) {
        free(span->inputs[i].id);
    }
    free(span->inputs);
    free(span);
}

static void spans_clear(struct render_chain_spans *cs)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, &cs->spans)
    {
        span_free(node->data);
    }
    shash_clear(&cs->spans);
    SHASH_FOR_EACH(node, &cs->inputs)
    {
        sset_destroy(node->data);
    }
    shash_clear_free_data(&cs->inputs);
    SHASH_FOR_EACH(node, &cs->names)
    {
        struct span_name *sn = node->data;
        sset_destroy(&sn->chains);
    }
    shash_clear_free_data(&cs->names);
    cs->stamp = 0;
}

void render_chain_spans_destroy(struct render_chain_spans *cs)
{
    if (cs) {
        spans_clear(cs);
        shash_destroy(&cs->spans);
        shash_destroy(&cs->inputs);
        shash_destroy(&cs->names);
        free(cs);
    }
}

/* fs_snapshot_find(), recorded in 'span' (if not NULL). */
static const void *span_find(const struct render_ctx *ctx,
                             struct render_span *span, enum fs_kind kind,
                             const char *id)
{
    if (span && id) {
        if (span->n >= span->allocated) {
            span->inputs = x2nrealloc(span->inputs, &span->allocated,
                                      sizeof *span->inputs);
        }
        span->inputs[span->n++] = (struct span_input){kind, xstrdup(id)};
    }
    return id ? fs_snapshot_find(ctx->snap, kind, id) : NULL;
}

/* Adds the chassis port 'id' is bound to (if any) to 'chassis'. */
static void add_port_chassis(const struct render_ctx *ctx, struct sset *chassis,
                             const char *id, struct render_span *span)
{
    const struct fs_port *p = span_find(ctx, span, FS_PORT, id);
    if (p && !p->remote && p->host_id && *p->host_id) {
        sset_add(chassis, p->host_id);
    }
}

/* The chassis of every port chain 'pc' uses: classifiers' source and
 * destination ports, every pair's two ports. */
static void chain_chassis(const struct render_ctx *ctx,
                          const struct fs_port_chain *pc, struct sset *chassis,
                          struct render_span *span)
{
    span_find(ctx, span, FS_PORT_CHAIN, pc->meta.id);
    for (size_t i = 0; i < pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc =
            span_find(ctx, span, FS_FLOW_CLASSIFIER, pc->flow_classifiers[i]);
        add_port_chassis(ctx, chassis, fc->logical_source_port, span);
        add_port_chassis(ctx, chassis, fc->logical_destination_port, span);
    }
    for (size_t j = 0; j < pc->n_port_pair_groups; j++) {
        const struct fs_port_pair_group *g =
            span_find(ctx, span, FS_PORT_PAIR_GROUP, pc->port_pair_groups[j]);
        for (size_t k = 0; k < g->n_port_pairs; k++) {
            const struct fs_port_pair *pp =
                span_find(ctx, span, FS_PORT_PAIR, g->port_pairs[k]);
            add_port_chassis(ctx, chassis, pp->ingress, span);
            add_port_chassis(ctx, chassis, pp->egress, span);
        }
    }
}

static char *input_name(enum fs_kind kind, const char *id)
{
    return xasprintf("%d/%s", kind, id);
}

/* Adds (or, 'add' false, removes) chain 'id''s span 'span' to the names
 * and inputs of 'cs'. */
static void span_index(struct render_chain_spans *cs, const char *node_name,
                       const char *id, const struct render_span *span, bool add)
{
    for (size_t i = 0; i < span->n; i++) {
        char *name = input_name(span->inputs[i].kind, span->inputs[i].id);
        struct sset *chains = shash_find_data(&cs->inputs, name);
        if (add) {
            if (!chains) {
                chains = xmalloc(sizeof *chains);
                sset_init(chains);
                shash_add(&cs->inputs, name, chains);
            }
            sset_add(chains, id);
        } else if (chains) {
            sset_find_and_delete(chains, id);
            if (sset_is_empty(chains)) {
                sset_destroy(chains);
                free(shash_find_and_delete(&cs->inputs, name));
            }
        }
        free(name);
    }
    if (!sset_contains(&span->chassis, node_name)) {
        return;
    }
    const char *chassis;
    SSET_FOR_EACH(chassis, &span->chassis)
    {
        if (!*chassis || !strcmp(chassis, node_name)) {
            continue;
        }
        struct span_name *sn = shash_find_data(&cs->names, chassis);
        if (add) {
            if (!sn) {
                sn = xzalloc(sizeof *sn);
                sset_init(&sn->chains);
                shash_add(&cs->names, chassis, sn);
            }
            sset_add(&sn->chains, id);
            if (!sn->min || strcmp(id, sn->min) < 0) {
                sn->min = sset_find(&sn->chains, id)->name;
            }
        } else if (sn) {
            bool was_min = sn->min && !strcmp(sn->min, id);
            sset_find_and_delete(&sn->chains, id);
            if (sset_is_empty(&sn->chains)) {
                sset_destroy(&sn->chains);
                free(shash_find_and_delete(&cs->names, chassis));
            } else if (was_min) {
                sn->min = NULL;
                const char *other;
                SSET_FOR_EACH(other, &sn->chains)
                {
                    if (!sn->min || strcmp(other, sn->min) < 0) {
                        sn->min = other;
                    }
                }
            }
        }
    }
}

/* Brings chain 'id''s span in 'cs' up to date with the snapshot. */
static void span_update(const struct render_ctx *ctx,
                        struct render_chain_spans *cs, const char *id)
{
    struct render_span *span = shash_find_and_delete(&cs->spans, id);
    if (span) {
        span_index(cs, ctx->node, id, span, false);
        span_free(span);
    }
    const struct fs_port_chain *pc =
        fs_snapshot_find(ctx->snap, FS_PORT_CHAIN, id);
    if (pc && pc->path_id) {
        span = xzalloc(sizeof *span);
        sset_init(&span->chassis);
        chain_chassis(ctx, pc, &span->chassis, span);
        span_index(cs, ctx->node, pc->meta.id, span, true);
        shash_add(&cs->spans, pc->meta.id, span);
    }
}

/* Brings every span of 'cs' up to date: those of the chains whose
 * resources the snapshot says changed since the previous run, or all. */
static void spans_update(const struct render_ctx *ctx,
                         struct render_chain_spans *cs)
{
    const struct render_world *w = ctx->w;
    if (!w->changed || cs->stamp + 1 != w->stamp) {
        spans_clear(cs);
        for (size_t i = 0; i < ctx->snap->n_port_chains; i++) {
            span_update(ctx, cs, ctx->snap->port_chains[i].meta.id);
        }
    } else {
        static const enum fs_kind kinds[] = {
            FS_PORT, FS_PORT_PAIR, FS_PORT_PAIR_GROUP, FS_FLOW_CLASSIFIER};
        struct sset affected = SSET_INITIALIZER(&affected);
        const char *id;
        SSET_FOR_EACH(id, &w->changed[FS_PORT_CHAIN])
        {
            sset_add(&affected, id);
        }
        for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
            SSET_FOR_EACH(id, &w->changed[kinds[k]])
            {
                char *name = input_name(kinds[k], id);
                const struct sset *chains = shash_find_data(&cs->inputs, name);
                const char *chain;
                if (chains) {
                    SSET_FOR_EACH(chain, chains)
                    {
                        sset_add(&affected, chain);
                    }
                }
                free(name);
            }
        }
        SSET_FOR_EACH(id, &affected)
        {
            span_update(ctx, cs, id);
        }
        sset_destroy(&affected);
    }
    cs->stamp = w->stamp;
}

/* For each chain this node takes part in (a port of it is bound here):
 * every other chassis of the chain. */
static void chain_needs(const struct render_ctx *ctx, struct shash *needs)
{
    struct render_chain_spans *cs = ctx->w->chain_spans;
    if (cs) {
        spans_update(ctx, cs);
        const struct shash_node **names = shash_sort(&cs->names);
        for (size_t i = 0; i < shash_count(&cs->names); i++) {
            const struct span_name *sn = names[i]->data;
            const struct fs_port_chain *pc =
                fs_snapshot_find(ctx->snap, FS_PORT_CHAIN, sn->min);
            need_chassis(needs, ctx, names[i]->name, pc->meta.key);
        }
        free(names);
        return;
    }
    for (size_t i = 0; i < ctx->snap->n_port_chains; i++) {
        const struct fs_port_chain *pc = &ctx->snap->port_chains[i];
        if (!pc->path_id) {
            continue;
        }
        struct sset chassis = SSET_INITIALIZER(&chassis);
        chain_chassis(ctx, pc, &chassis, NULL);
        if (sset_contains(&chassis, ctx->node)) {
            const char *name;
            SSET_FOR_EACH(name, &chassis)
            {
                need_chassis(needs, ctx, name, pc->meta.key);
            }
        }
        sset_destroy(&chassis);
    }
}

/* Returns true if 'a' and 'b' are addresses of one family. */
static bool same_family(const char *a, const char *b)
{
    return !strchr(a, ':') == !strchr(b, ':');
}

/* The type of the tunnel to 'n' from a chassis of encap 'self': a remote
 * device's is its network's type; between two chassis it is their encap
 * when they have the same, else vxlan.  Both ends must pick the same type
 * (OVS gives a tunnel packet to the port of its type, remote and local IP
 * and no other), and every OVS does VXLAN. */
static const char *tunnel_type(const struct need *n, const char *self)
{
    return !n->chassis || !strcmp(n->type, self) ? n->type : "vxlan";
}

/* The tunnel port for need 'n' from 'local_ip' (this chassis' encap
 * 'encap'), or a note saying why there is none; 'ips' holds the remote IPs
 * already used (two chassis with one IP would be one tunnel). */
static void render_tunnel_port(struct render_ctx *ctx, const struct need *n,
                               const char *local_ip, const char *encap,
                               struct sset *ips)
{
    if (!n->ip) {
        fs_errors_add(&ctx->out->notes, n->key, n->path,
                      "chassis %s has no tunnel endpoint (no chassis "
                      "document with an ip): not reachable from %s",
                      fs_quote(n->name).s, fs_quote(ctx->node).s);
        return;
    } else if (!same_family(n->ip, local_ip)) {
        fs_errors_add(&ctx->out->notes, n->key, n->path,
                      "tunnel endpoint %s of %s and this node's %s are not of "
                      "one address family: no tunnel",
                      n->ip, fs_quote(n->name).s, local_ip);
        return;
    } else if (!sset_add(ips, n->ip)) {
        fs_errors_add(&ctx->out->notes, n->key, n->path,
                      "tunnel endpoint %s of %s is another chassis' too: no "
                      "second tunnel to it",
                      n->ip, fs_quote(n->name).s);
        return;
    }
    char *name = render_patch_name(FS_TUNNEL_PREFIX, n->name);
    char *owner = xasprintf("tunnel:%s", n->name);
    struct smap options = SMAP_INITIALIZER(&options);
    smap_add(&options, "remote_ip", n->ip);
    smap_add(&options, "local_ip", local_ip);
    smap_add(&options, "key", "flow");
    const char *type = tunnel_type(n, encap);
    if (!strcmp(type, "geneve")) {
        smap_add(&options, "csum", "true");
    }
    if (render_port(ctx, ctx->render_node->integration_bridge, name, type,
                    &options, owner, n->key, n->path)) {
        int ofport = simap_get(&ctx->facts->owned_ofports, name);
        if (ofport) {
            struct render_tunnel *t = xmalloc(sizeof *t);
            t->ofport = ofport;
            shash_add(&ctx->w->tunnels, n->name, t);
        } else {
            ctx->out->n_waiting++;
        }
    }
    smap_destroy(&options);
    free(owner);
    free(name);
}

/* Table 4: a chain's MPLS-labelled packets from any tunnel go to sfc.c's
 * table; the network flows are the network units'. */
static void render_tunnel_mpls(struct render_ctx *ctx)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_TUNNEL_IN, FS_PRIO_TUNNEL_IN_MPLS,
               FS_COOKIE(FS_COOKIE_OVERLAY, 0));
    fs_match_dl_type(&b, ETH_TYPE_MPLS);
    fs_goto(&b, FS_T_SFC_REMOTE);
    render_flow_add(ctx, "", &b);
}

void render_overlay_tunnels(struct render_ctx *ctx)
{
    struct shash needs = SHASH_INITIALIZER(&needs);
    network_needs(ctx, &needs);
    chain_needs(ctx, &needs);
    if (shash_is_empty(&needs)) {
        shash_destroy(&needs);
        return;
    }
    const struct fs_chassis *self =
        fs_snapshot_find(ctx->snap, FS_CHASSIS, ctx->node);
    const struct shash_node **sorted = shash_sort(&needs);
    if (!self || !self->ip) {
        const struct need *first = sorted[0]->data;
        fs_errors_add(&ctx->out->notes, first->key, first->path,
                      "chassis %s has no tunnel endpoint (start flowsteerd "
                      "with --encap-ip, or put %schassis/%s with an ip): "
                      "nothing on other chassis is reachable from it",
                      fs_quote(ctx->node).s, FS_PREFIX, ctx->node);
    } else {
        struct sset ips = SSET_INITIALIZER(&ips);
        for (size_t i = 0; i < shash_count(&needs); i++) {
            render_tunnel_port(ctx, sorted[i]->data, self->ip, self->encap,
                               &ips);
        }
        sset_destroy(&ips);
        if (!shash_is_empty(&ctx->w->tunnels)) {
            render_tunnel_mpls(ctx);
        }
    }
    free(sorted);
    shash_destroy_free_data(&needs);
}

/* Cookie of overlay network 'net''s flows. */
static uint64_t overlay_cookie(const struct render_ctx *ctx,
                               const struct fs_network *net)
{
    return FS_COOKIE(FS_COOKIE_OVERLAY, render_net_key(ctx, net->meta.id));
}

/* Table 4: packets of 'net''s VNI from any tunnel belong to 'net' and go to
 * the L2 lookup. */
static void tunnel_ingress(struct render_ctx *ctx, const struct fs_network *net)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_TUNNEL_IN, FS_PRIO_TUNNEL_IN_VNI,
               overlay_cookie(ctx, net));
    fs_match_tun_id(&b, net->vni);
    fs_set_field(&b, FS_F_NETWORK, render_net_key(ctx, net->meta.id));
    fs_goto(&b, FS_T_L2);
    render_flow_add(ctx, net->meta.key, &b);
}

/* Table 57: a flood of 'net' that did not come from a tunnel goes once
 * into each tunnel of 'ofports' ('n', sorted, distinct). */
static void tunnel_flood(struct render_ctx *ctx, const struct fs_network *net,
                         const int *ofports, size_t n)
{
    struct fs_fb b;
    fs_fb_init(&b, FS_T_TUNNEL_FLOOD, FS_PRIO_TUNNEL_FLOOD_REPLICATE,
               overlay_cookie(ctx, net));
    fs_match_field(&b, FS_F_NETWORK, render_net_key(ctx, net->meta.id));
    fs_match_field(&b, FS_F_FROM_TUNNEL, 0);
    fs_set_tun_id(&b, net->vni);
    for (size_t i = 0; i < n; i++) {
        fs_to_port(&b, ofports[i]);
    }
    render_flow_add(ctx, net->meta.key, &b);
}

bool render_overlay_network(struct render_ctx *ctx,
                            const struct fs_network *net, const int *tunnels,
                            size_t n)
{
    if (!net->vni) {
        return false;
    }
    tunnel_ingress(ctx, net);
    if (n) {
        tunnel_flood(ctx, net, tunnels, n);
    }
    return n > 0;
}

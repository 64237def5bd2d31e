/* Service function chains on this node, tables 10 and 15
 * (docs/architecture.md, "Integration bridge pipeline" and "Correlation").
 * Follows networking-sfc's OVS agent:
 * classification on the logical source port, a select group per port pair
 * group of several pairs, the proxy treatment for SFs without correlation
 * and re-classification on each SF's egress port; the label (path id << 8 |
 * hop index) travels in reg5 and becomes an MPLS header only toward an SF
 * that understands it.  Each chain's flows and groups belong to its chain
 * unit, an SF port's drop flow to its port unit, table 10's default to the
 * node-wide unit (render/units.c). */
#include <inttypes.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "render/internal.h"
#include "model/text.h"
#include "util.h"

/* A port pair as this node reaches it: here (both ports plugged here) or
 * through the tunnel to the chassis both its ports are bound to, with the
 * VNI of its ingress port's network as tun_id. */
struct hop_pair {
    const struct fs_port_pair *pp;
    int tunnel; /* 0: served here. */
    uint32_t vni;
};

/* One hop of a chain as this node renders it: the group and those of its
 * pairs it can reach (the others get a note). */
struct hop {
    const struct fs_port_pair_group *ppg;
    struct hop_pair *pairs;
    size_t n_pairs, n_local;
};

/* What one chain renders from: its hops in the chain's order. */
struct plan {
    const struct fs_port_chain *pc;
    struct hop *hops;
    size_t n_hops;
    bool v4, v6; /* Ethertypes of the chain's classifiers. */
    bool spans;  /* A port of the chain is bound to another chassis. */
};

/* One direction of a chain. */
struct path {
    const struct plan *plan;
    const struct fs_port_chain *pc;
    bool reverse;
    uint64_t cookie;
};

static const struct hop *path_hop(const struct path *p, size_t i)
{
    return &p->plan->hops[p->reverse ? p->plan->n_hops - 1 - i : i];
}

/* Hop index: 255 for the forward path's first group, 127 for the reverse
 * path's, one less per group (networking-sfc OVS agent). */
static uint32_t hop_index(const struct path *p, size_t i)
{
    return (p->reverse ? 127 : 255) - i;
}

static uint32_t label(const struct path *p, size_t i)
{
    return (p->pc->path_id << 8) | hop_index(p, i);
}

/* The port a pair receives on and the one it sends from, in 'p''s
 * direction: the reverse path enters a pair at its egress port. */
static const char *pair_in(const struct path *p, const struct fs_port_pair *pp)
{
    return p->reverse ? pp->egress : pp->ingress;
}

static const char *pair_out(const struct path *p, const struct fs_port_pair *pp)
{
    return p->reverse ? pp->ingress : pp->egress;
}

static const struct fs_flow_classifier *
classifier(const struct render_ctx *ctx, const struct path *p, size_t i)
{
    return render_find(ctx, FS_FLOW_CLASSIFIER, p->pc->flow_classifiers[i]);
}

/* Appends the classifier's L3 match in 'reverse' direction: "ip" or "ipv6",
 * nw_proto, and the prefixes as nw_src/nw_dst or ipv6_src/ipv6_dst. */
static void put_l3_match(struct ds *m, const struct fs_flow_classifier *fc,
                         bool reverse)
{
    bool v6 = fc->ethertype == 6;
    const char *src =
        reverse ? fc->destination_ip_prefix : fc->source_ip_prefix;
    const char *dst =
        reverse ? fc->source_ip_prefix : fc->destination_ip_prefix;
    ds_put_cstr(m, v6 ? "ipv6" : "ip");
    if (fc->protocol >= 0) {
        ds_put_format(m, ",nw_proto=%d", fc->protocol);
    }
    if (src) {
        ds_put_format(m, ",%s=%s", v6 ? "ipv6_src" : "nw_src", src);
    }
    if (dst) {
        ds_put_format(m, ",%s=%s", v6 ? "ipv6_dst" : "nw_dst", dst);
    }
}

/* OVS name prefix of the L4 port fields for IP protocol 'proto' (the model
 * only accepts port ranges with tcp, udp or sctp). */
static const char *l4_name(int proto)
{
    return proto == 17 ? "udp" : proto == 132 ? "sctp" : "tcp";
}

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i]);
    }
    free(s);
}

/* Renders one table-10 flow per (source mask, destination mask) of 'fc' in
 * 'p''s direction for packets from 'reg6', with 'actions'. */
static void classifier_flows(struct render_ctx *ctx, const struct path *p,
                             const struct fs_flow_classifier *fc, int reg6,
                             const char *actions)
{
    int smin =
        p->reverse ? fc->destination_port_range_min : fc->source_port_range_min;
    int smax =
        p->reverse ? fc->destination_port_range_max : fc->source_port_range_max;
    int dmin =
        p->reverse ? fc->source_port_range_min : fc->destination_port_range_min;
    int dmax =
        p->reverse ? fc->source_port_range_max : fc->destination_port_range_max;
    char *sfield = xasprintf("%s_src", l4_name(fc->protocol));
    char *dfield = xasprintf("%s_dst", l4_name(fc->protocol));
    char **src, **dst;
    size_t n_src = render_port_masks(sfield, smin, smax, &src);
    size_t n_dst = render_port_masks(dfield, dmin, dmax, &dst);
    struct ds m = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < n_src; i++) {
        for (size_t j = 0; j < n_dst; j++) {
            ds_clear(&m);
            ds_put_format(&m, "reg6=%d,", reg6);
            put_l3_match(&m, fc, p->reverse);
            ds_put_format(&m, "%s%s", src[i], dst[j]);
            render_flow(ctx, p->pc->meta.key, FS_T_SFC_CLASS, 100, p->cookie,
                        ds_cstr(&m), actions);
        }
    }
    ds_destroy(&m);
    free_strings(src, n_src);
    free_strings(dst, n_dst);
    free(sfield);
    free(dfield);
}

/* The ofport where 'fc''s traffic leaves the path: its logical destination
 * port (logical source port on the reverse path) if local, else 0. */
static int exit_ofport(const struct render_ctx *ctx, const struct path *p,
                       const struct fs_flow_classifier *fc)
{
    const char *exit =
        p->reverse ? fc->logical_source_port : fc->logical_destination_port;
    return exit ? render_local_ofport(ctx, exit) : 0;
}

/* Actions once hop 'i' is done: on to the next hop's label, or after the
 * last hop to the destination: 'fc''s exit port if it is plugged here, else
 * the L2 lookup.  'fc' NULL stands for every classifier of the chain (an
 * MPLS label does not say which one matched): their exit if they all share
 * one, else the L2 lookup. */
static char *next_actions(const struct render_ctx *ctx, const struct path *p,
                          size_t i, const struct fs_flow_classifier *fc)
{
    if (i + 1 < p->plan->n_hops) {
        return xasprintf("set_field:%" PRIu32 "->reg5,goto_table:%d",
                         label(p, i + 1), FS_T_SFC_FWD);
    }
    int ofport = fc ? exit_ofport(ctx, p, fc) : -1;
    for (size_t c = 0; !fc && c < p->pc->n_flow_classifiers; c++) {
        int exit = exit_ofport(ctx, p, classifier(ctx, p, c));
        ofport = ofport < 0 || ofport == exit ? exit : 0;
    }
    return ofport > 0 ? xasprintf("set_field:%d->reg7,goto_table:%d", ofport,
                                  FS_T_EGRESS)
                      : xasprintf("goto_table:%d", FS_T_L2);
}

/* Traffic entering the path at each classifier's source port (destination
 * port on the reverse path). */
static void render_entry(struct render_ctx *ctx, const struct path *p)
{
    char *actions = xasprintf("set_field:%" PRIu32 "->reg5,goto_table:%d",
                              label(p, 0), FS_T_SFC_FWD);
    for (size_t i = 0; i < p->pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc = classifier(ctx, p, i);
        const char *entry =
            p->reverse ? fc->logical_destination_port : fc->logical_source_port;
        int ofport = entry ? render_local_ofport(ctx, entry) : 0;
        if (ofport) {
            classifier_flows(ctx, p, fc, ofport, actions);
        }
    }
    free(actions);
}

/* Actions handing a packet of hop 'i' to pair 'pp': proxy (no correlation)
 * outputs it as is; an MPLS-aware pair gets the label and TTL = hop index
 * (set_field rather than set_mpls_ttl, which OpenFlow 1.5 deprecates). */
static char *deliver_actions(const struct render_ctx *ctx, const struct path *p,
                             size_t i, const struct hop_pair *hp)
{
    const struct fs_port_pair *pp = hp->pp;
    if (hp->tunnel) {
        /* networking-sfc's encapsulation between nodes: MPLS inside the
         * tunnel, pushed after the select group chose on the intact
         * packet. */
        return xasprintf("push_mpls:0x8847,set_field:%" PRIu32 "->mpls_label,"
                         "set_field:%" PRIu32 "->mpls_ttl,"
                         "set_field:%" PRIu32 "->tun_id,output:%d",
                         label(p, i), hop_index(p, i), hp->vni, hp->tunnel);
    }
    int ofport = render_local_ofport(ctx, pair_in(p, pp));
    if (pp->correlation == FS_CORR_MPLS) {
        return xasprintf("push_mpls:0x8847,set_field:%" PRIu32 "->mpls_label,"
                         "set_field:%" PRIu32 "->mpls_ttl,output:%d",
                         label(p, i), hop_index(p, i), ofport);
    }
    return xasprintf("output:%d", ofport);
}

/* Appends one hash field; "ip_src"/"ip_dst" become the IPv4 and/or IPv6
 * field(s) the chain's classifiers need (OVS skips fields whose
 * prerequisites a packet does not meet). */
static void put_hash_field(struct ds *s, const struct plan *plan, const char *f)
{
    if (!strncmp(f, "ip_", 3)) {
        if (plan->v4 || !plan->v6) {
            ds_put_format(s, "%s,", f);
        }
        if (plan->v6) {
            ds_put_format(s, "ipv6_%s,", f + 3);
        }
    } else {
        ds_put_format(s, "%s,", f);
    }
}

/* ",selection_method=hash,fields(...)" from the group's lb_fields, else the
 * 5-tuple (addresses, protocol, TCP and UDP ports). */
static void put_hash_fields(struct ds *s, const struct plan *plan,
                            const struct fs_port_pair_group *g)
{
    static const char *const dflt[] = {"ip_src",  "ip_dst",  "nw_proto",
                                       "tcp_src", "tcp_dst", "udp_src",
                                       "udp_dst"};
    ds_put_cstr(s, ",selection_method=hash,fields(");
    for (size_t i = 0; i < (g->n_lb_fields ? g->n_lb_fields : ARRAY_SIZE(dflt));
         i++) {
        put_hash_field(s, plan, g->n_lb_fields ? g->lb_fields[i] : dflt[i]);
    }
    ds_chomp(s, ',');
    ds_put_char(s, ')');
}

/* Adds to 'table' the flow matching 'match' that hands hop 'i''s packets
 * to its pairs 'pairs' ('n'): the one pair's actions, or select group
 * 'gid' with one bucket per pair (weight from the pair). */
static void render_to_pairs(struct render_ctx *ctx, const struct path *p,
                            size_t i, const struct hop_pair *pairs, size_t n,
                            uint8_t table, const char *match, uint32_t gid)
{
    char *actions;
    if (n == 1) {
        actions = deliver_actions(ctx, p, i, &pairs[0]);
    } else {
        struct ds spec = DS_EMPTY_INITIALIZER;
        ds_put_cstr(&spec, "type=select");
        put_hash_fields(&spec, p->plan, path_hop(p, i)->ppg);
        for (size_t k = 0; k < n; k++) {
            char *bucket = deliver_actions(ctx, p, i, &pairs[k]);
            ds_put_format(&spec, ",bucket=bucket_id:%zu,weight:%d,actions=%s",
                          k, pairs[k].pp->weight, bucket);
            free(bucket);
        }
        render_group(ctx, gid, ds_steal_cstr(&spec));
        actions = xasprintf("group:%" PRIu32, gid);
    }
    render_flow(ctx, p->pc->meta.key, table, 100, p->cookie, match, actions);
    free(actions);
}

/* Table 15 for hop 'i': every pair it can reach, here or through
 * tunnels. */
static void render_forward(struct render_ctx *ctx, const struct path *p,
                           size_t i)
{
    const struct hop *h = path_hop(p, i);
    char *match = xasprintf("reg5=%" PRIu32, label(p, i));
    render_to_pairs(ctx, p, i, h->pairs, h->n_pairs, FS_T_SFC_FWD, match,
                    FS_GROUP_BASE | label(p, i));
    free(match);
}

/* Tables 16 and 17 for hop 'i' of a chain across chassis, when some of its
 * pairs are here: its packets from a tunnel (MPLS, label of the hop) lose
 * the header and go to this node's pairs only, so a packet never goes back
 * into a tunnel for the hop it came for.  The pop recirculates, so a
 * select group here hashes on the inner packet. */
static void render_arrival(struct render_ctx *ctx, const struct path *p,
                           size_t i)
{
    const struct hop *h = path_hop(p, i);
    if (!p->plan->spans || !h->n_local) {
        return;
    }
    char *match = xasprintf("mpls,mpls_label=%" PRIu32, label(p, i));
    char *actions = xasprintf(
        "pop_mpls:%s,set_field:%" PRIu32 "->reg5,goto_table:%d",
        p->plan->v6 ? "0x86dd" : "0x0800", label(p, i), FS_T_SFC_LOCAL);
    render_flow(ctx, p->pc->meta.key, FS_T_SFC_REMOTE, 100, p->cookie, match,
                actions);
    free(actions);
    free(match);
    match = xasprintf("reg5=%" PRIu32, label(p, i));
    render_to_pairs(ctx, p, i, h->pairs, h->n_local, FS_T_SFC_LOCAL, match,
                    FS_GROUP_BASE | FS_GROUP_LOCAL | label(p, i));
    free(match);
}

/* Table 10 on the outgoing port 'out' of an MPLS-aware pair of hop 'i':
 * recognised by its label, header popped (to the chain's ethertype: the
 * model keeps one per MPLS chain).  After the pop OVS recirculates, so the
 * next select group hashes on the inner packet. */
static void render_mpls_return(struct render_ctx *ctx, const struct path *p,
                               size_t i, int out)
{
    char *next = next_actions(ctx, p, i, NULL);
    char *match =
        xasprintf("reg6=%d,mpls,mpls_label=%" PRIu32, out, label(p, i));
    char *actions =
        xasprintf("pop_mpls:%s,%s", p->plan->v6 ? "0x86dd" : "0x0800", next);
    render_flow(ctx, p->pc->meta.key, FS_T_SFC_CLASS, 100, p->cookie, match,
                actions);
    free(match);
    free(actions);
    free(next);
}

/* Table 10 on the outgoing port of each pair of hop 'i': a proxy SF's
 * traffic is re-classified with each classifier. */
static void render_return(struct render_ctx *ctx, const struct path *p,
                          size_t i)
{
    const struct hop *h = path_hop(p, i);
    for (size_t k = 0; k < h->n_local; k++) {
        const struct fs_port_pair *pp = h->pairs[k].pp;
        int out = render_local_ofport(ctx, pair_out(p, pp));
        if (pp->correlation == FS_CORR_MPLS) {
            render_mpls_return(ctx, p, i, out);
            continue;
        }
        for (size_t c = 0; c < p->pc->n_flow_classifiers; c++) {
            const struct fs_flow_classifier *fc = classifier(ctx, p, c);
            char *next = next_actions(ctx, p, i, fc);
            classifier_flows(ctx, p, fc, out, next);
            free(next);
        }
    }
}

static void render_path(struct render_ctx *ctx, const struct plan *plan,
                        bool reverse)
{
    struct path p = {.plan = plan,
                     .pc = plan->pc,
                     .reverse = reverse,
                     .cookie = FS_COOKIE(FS_COOKIE_SFC, plan->pc->path_id)};
    render_entry(ctx, &p);
    for (size_t i = 0; i < plan->n_hops; i++) {
        render_forward(ctx, &p, i);
        render_arrival(ctx, &p, i);
        render_return(ctx, &p, i);
    }
}

/* Returns the chassis port 'id' is bound to ("" if none). */
static const char *port_host(const struct render_ctx *ctx, const char *id)
{
    const struct fs_port *port = render_find(ctx, FS_PORT, id);
    return port && port->host_id && !port->remote ? port->host_id : "";
}

/* Returns true if port 'id' (NULL: none) is bound to another chassis. */
static bool bound_elsewhere(const struct render_ctx *ctx, const char *id)
{
    const char *host = id ? port_host(ctx, id) : "";
    return *host && strcmp(host, ctx->node);
}

/* Fills 'hp' for port pair 'pp' reached through a tunnel: both its ports
 * bound to one other chassis, which this node has a tunnel to.  Returns
 * NULL, or why not (caller frees). */
static char *remote_pair(const struct render_ctx *ctx,
                         const struct fs_port_pair *pp, struct hop_pair *hp)
{
    const char *in = port_host(ctx, pp->ingress);
    const char *out = port_host(ctx, pp->egress);
    if (strcmp(in, out)) {
        return xasprintf("port pair %s: its ingress port is bound to %s and "
                         "its egress port to %s: not rendered",
                         fs_quote(pp->meta.id).s, fs_quote(in).s,
                         fs_quote(out).s);
    } else if (!*in || !strcmp(in, ctx->node)) {
        return xasprintf("port pair %s: its ports are not plugged on chassis "
                         "%s yet: not rendered",
                         fs_quote(pp->meta.id).s, fs_quote(ctx->node).s);
    }
    hp->tunnel = render_tunnel(ctx, in);
    if (!hp->tunnel) {
        return xasprintf("port pair %s is on chassis %s, which this node has "
                         "no tunnel to (a chassis without a tunnel endpoint, "
                         "or its tunnel port is not up yet): not rendered",
                         fs_quote(pp->meta.id).s, fs_quote(in).s);
    }
    const struct fs_port *ingress = render_find(ctx, FS_PORT, pp->ingress);
    const struct fs_network *net =
        render_find(ctx, FS_NETWORK, ingress->network_id);
    hp->vni = net ? net->vni : 0;
    return NULL;
}

/* Fills 'hp' for port pair 'pp'.  Returns NULL if this node can reach it
 * (here or through a tunnel), else why not (caller frees). */
static char *pair_problem(const struct render_ctx *ctx,
                          const struct fs_port_pair *pp, struct hop_pair *hp)
{
    *hp = (struct hop_pair){.pp = pp};
    if (pp->correlation == FS_CORR_NSH) {
        return xasprintf("port pair %s: nsh correlation is not "
                         "supported yet: not rendered",
                         fs_quote(pp->meta.id).s);
    }
    bool in = render_local_ofport(ctx, pp->ingress) != 0;
    bool out = render_local_ofport(ctx, pp->egress) != 0;
    return in && out ? NULL : remote_pair(ctx, pp, hp);
}

/* Fills hop 'j' of 'plan' with the pairs this node reaches, those served
 * here first; notes the others.  Returns false if none is. */
static bool plan_hop(struct render_ctx *ctx, struct plan *plan, size_t j)
{
    const struct fs_port_chain *pc = plan->pc;
    struct hop *h = &plan->hops[j];
    h->ppg = render_find(ctx, FS_PORT_PAIR_GROUP, pc->port_pair_groups[j]);
    h->pairs = xcalloc(h->ppg->n_port_pairs, sizeof *h->pairs);
    struct hop_pair *remote = xcalloc(h->ppg->n_port_pairs, sizeof *remote);
    size_t n_remote = 0;
    for (size_t k = 0; k < h->ppg->n_port_pairs; k++) {
        const struct fs_port_pair *pp =
            render_find(ctx, FS_PORT_PAIR, h->ppg->port_pairs[k]);
        struct hop_pair hp;
        char *why = pair_problem(ctx, pp, &hp);
        if (why) {
            char *path = xasprintf("$.port_chain.port_pair_groups[%zu]", j);
            fs_errors_add(&ctx->out->notes, pc->meta.key, path, "%s", why);
            free(path);
            free(why);
        } else if (hp.tunnel) {
            remote[n_remote++] = hp;
            plan->spans = true;
        } else {
            h->pairs[h->n_pairs++] = hp;
        }
    }
    h->n_local = h->n_pairs;
    memcpy(&h->pairs[h->n_pairs], remote, n_remote * sizeof *remote);
    h->n_pairs += n_remote;
    free(remote);
    if (!h->n_pairs) {
        char *path = xasprintf("$.port_chain.port_pair_groups[%zu]", j);
        fs_errors_add(&ctx->out->notes, pc->meta.key, path,
                      "port pair group %s has no port pair chassis %s can "
                      "reach: the chain is not rendered here",
                      fs_quote(h->ppg->meta.id).s, fs_quote(ctx->node).s);
        free(path);
    }
    return h->n_pairs > 0;
}

/* Returns true if a pair of some group of 'pc' has a port plugged here
 * and a port of the chain (a pair's or a classifier's) is bound to another
 * chassis: packets of the chain may come here through a tunnel. */
static bool serves_remote_chain(const struct render_ctx *ctx,
                                const struct fs_port_chain *pc)
{
    bool local = false, elsewhere = false;
    for (size_t j = 0; j < pc->n_port_pair_groups; j++) {
        const struct fs_port_pair_group *g =
            render_find(ctx, FS_PORT_PAIR_GROUP, pc->port_pair_groups[j]);
        for (size_t k = 0; k < g->n_port_pairs; k++) {
            const struct fs_port_pair *pp =
                render_find(ctx, FS_PORT_PAIR, g->port_pairs[k]);
            local |= render_local_ofport(ctx, pp->ingress) ||
                     render_local_ofport(ctx, pp->egress);
            elsewhere |= bound_elsewhere(ctx, pp->ingress) ||
                         bound_elsewhere(ctx, pp->egress);
        }
    }
    for (size_t i = 0; local && !elsewhere && i < pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc =
            render_find(ctx, FS_FLOW_CLASSIFIER, pc->flow_classifiers[i]);
        elsewhere = bound_elsewhere(ctx, fc->logical_source_port) ||
                    bound_elsewhere(ctx, fc->logical_destination_port);
    }
    return local && elsewhere;
}

/* Returns true if some classifier of 'pc' enters a path on this node. */
static bool has_local_entry(const struct render_ctx *ctx,
                            const struct fs_port_chain *pc)
{
    for (size_t i = 0; i < pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc =
            render_find(ctx, FS_FLOW_CLASSIFIER, pc->flow_classifiers[i]);
        const char *dst = fc->logical_destination_port;
        if (render_local_ofport(ctx, fc->logical_source_port) ||
            (pc->symmetric && dst && render_local_ofport(ctx, dst))) {
            return true;
        }
    }
    return false;
}

/* Returns true (with a note) if 'plan' crosses chassis with IPv4 and IPv6
 * classifiers: table 16 pops the MPLS header to one ethertype for every
 * packet of a label, which would mislabel one of the two. */
static bool mixed_across_chassis(struct render_ctx *ctx,
                                 const struct plan *plan)
{
    if (!plan->spans || !plan->v4 || !plan->v6) {
        return false;
    }
    fs_errors_add(&ctx->out->notes, plan->pc->meta.key,
                  "$.port_chain.flow_classifiers",
                  "a chain across chassis carries its packets in MPLS, which "
                  "does not say whether they are IPv4 or IPv6: its flow "
                  "classifiers must share one ethertype: not rendered");
    return true;
}

/* Builds the plan of 'pc'; returns false (with notes) if it cannot be
 * rendered on this node.  The caller frees with plan_destroy(). */
static bool plan_chain(struct render_ctx *ctx, const struct fs_port_chain *pc,
                       struct plan *plan)
{
    *plan = (struct plan){.pc = pc};
    if (pc->path_id > FS_MAX_MPLS_PATH_ID) {
        fs_errors_add(&ctx->out->notes, pc->meta.key,
                      "$.port_chain.chain_parameters.chain_id",
                      "path id %" PRIu32 " does not fit a label ((path id << "
                      "8) | hop index < 2^20): not rendered",
                      pc->path_id);
        return false;
    }
    for (size_t i = 0; i < pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc =
            render_find(ctx, FS_FLOW_CLASSIFIER, pc->flow_classifiers[i]);
        plan->v4 |= fc->ethertype != 6;
        plan->v6 |= fc->ethertype == 6;
        plan->spans |= bound_elsewhere(ctx, fc->logical_source_port) ||
                       bound_elsewhere(ctx, fc->logical_destination_port);
    }
    plan->hops = xcalloc(pc->n_port_pair_groups, sizeof *plan->hops);
    plan->n_hops = pc->n_port_pair_groups;
    bool ok = true;
    for (size_t j = 0; j < plan->n_hops; j++) {
        ok &= plan_hop(ctx, plan, j);
    }
    return ok && !mixed_across_chassis(ctx, plan);
}

static void plan_destroy(struct plan *plan)
{
    for (size_t j = 0; j < plan->n_hops; j++) {
        free(plan->hops[j].pairs);
    }
    free(plan->hops);
}

/* Table 10's default, when this node has a local port: traffic no chain
 * flow matched goes on to L2. */
void render_sfc_base(struct render_ctx *ctx)
{
    size_t n_local = 0;
    for (size_t i = 0; i < ctx->snap->n_ports && !n_local; i++) {
        n_local += render_local_ofport(ctx, ctx->snap->ports[i].meta.id) != 0;
    }
    if (n_local) {
        char *actions = xasprintf("goto_table:%d", FS_T_L2);
        render_flow(ctx, "", FS_T_SFC_CLASS, 0, FS_COOKIE(FS_COOKIE_L2, 0), "",
                    actions);
        free(actions);
    }
}

/* Traffic from an SF port that no chain flow matched is dropped (SF ports
 * are no L2 members). */
void render_sfc_port(struct render_ctx *ctx, const struct fs_port *p,
                     int ofport)
{
    if (render_is_sf_port(ctx, p->meta.id)) {
        uint64_t key = render_net_key(ctx, p->network_id);
        char *match = xasprintf("reg6=%d", ofport);
        render_flow(ctx, p->meta.key, FS_T_SFC_CLASS, 10,
                    FS_COOKIE(FS_COOKIE_L2, key), match, "drop");
        free(match);
    }
}

/* Chain 'pc', if it has a path id and a classifier enters it here or a
 * pair of it is here. */
void render_sfc_chain(struct render_ctx *ctx, const struct fs_port_chain *pc)
{
    if (!pc->path_id) {
        return;
    }
    if (!has_local_entry(ctx, pc) && !serves_remote_chain(ctx, pc)) {
        return;
    }
    struct plan plan;
    if (plan_chain(ctx, pc, &plan)) {
        render_path(ctx, &plan, false);
        if (pc->symmetric) {
            render_path(ctx, &plan, true);
        }
    }
    plan_destroy(&plan);
}

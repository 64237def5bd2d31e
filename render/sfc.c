/* Service function chains on this node (docs/architecture.md, "Integration
 * bridge pipeline" and "Correlation").  Follows networking-sfc's OVS agent:
 * classification on the logical source port, a select group per port pair
 * group of several pairs, the proxy treatment for SFs without correlation
 * and re-classification on each SF's egress port; the label (path id << 8 |
 * hop index) travels in reg5 and becomes an MPLS header only toward an SF
 * that understands it. */
#include <inttypes.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "render/internal.h"
#include "util.h"

/* One direction of a chain as rendered here. */
struct path {
    const struct fs_port_chain *pc;
    bool reverse;
    uint64_t cookie;
    size_t n_hops;
    const struct fs_port_pair_group **groups; /* In traversal order. */
};

static uint32_t hop_index(const struct path *p, size_t i)
{
    return (p->reverse ? 127 : 255) - i;
}

static uint32_t label(const struct path *p, size_t i)
{
    return (p->pc->path_id << 8) | hop_index(p, i);
}

/* The port a pair receives on and the one it sends from, in 'p''s
 * direction. */
static const char *pair_in(const struct path *p, const struct fs_port_pair *pp)
{
    return p->reverse ? pp->egress : pp->ingress;
}

static const char *pair_out(const struct path *p, const struct fs_port_pair *pp)
{
    return p->reverse ? pp->ingress : pp->egress;
}

static int chain_ethertype(const struct render_ctx *ctx,
                           const struct fs_port_chain *pc)
{
    for (size_t i = 0; i < pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc = fs_snapshot_find(
            ctx->snap, FS_FLOW_CLASSIFIER, pc->flow_classifiers[i]);
        if (fc) {
            return fc->ethertype;
        }
    }
    return 4;
}

/* Appends the classifier's match (without ports) in 'reverse' direction. */
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

/* Renders one table-10 flow per (source mask, destination mask) of 'fc'
 * for packets from 'reg6', with 'actions'. */
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
    char **src, **dst;
    size_t n_src = render_port_masks("tp_src", smin, smax, &src);
    size_t n_dst = render_port_masks("tp_dst", dmin, dmax, &dst);
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
    for (size_t i = 0; i < n_src; i++) {
        free(src[i]);
    }
    for (size_t j = 0; j < n_dst; j++) {
        free(dst[j]);
    }
    free(src);
    free(dst);
}

/* Actions after hop 'i' is done: on to the next hop, or to the
 * classifier's destination. */
static char *next_actions(const struct render_ctx *ctx, const struct path *p,
                          size_t i, const struct fs_flow_classifier *fc)
{
    if (i + 1 < p->n_hops) {
        return xasprintf("set_field:%" PRIu32 "->reg5,goto_table:%d",
                         label(p, i + 1), FS_T_SFC_FWD);
    }
    const char *exit =
        p->reverse ? fc->logical_source_port : fc->logical_destination_port;
    int ofport = exit ? render_local_ofport(ctx, exit) : 0;
    return ofport ? xasprintf("set_field:%d->reg7,goto_table:%d", ofport,
                              FS_T_EGRESS)
                  : xasprintf("goto_table:%d", FS_T_L2);
}

static const struct fs_flow_classifier *
classifier(const struct render_ctx *ctx, const struct path *p, size_t i)
{
    return fs_snapshot_find(ctx->snap, FS_FLOW_CLASSIFIER,
                            p->pc->flow_classifiers[i]);
}

/* Traffic entering the chain at each classifier's source port. */
static void render_entry(struct render_ctx *ctx, const struct path *p)
{
    char *actions = xasprintf("set_field:%" PRIu32 "->reg5,goto_table:%d",
                              label(p, 0), FS_T_SFC_FWD);
    for (size_t i = 0; i < p->pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc = classifier(ctx, p, i);
        const char *entry =
            p->reverse ? fc->logical_destination_port : fc->logical_source_port;
        int ofport = render_local_ofport(ctx, entry);
        if (ofport) {
            classifier_flows(ctx, p, fc, ofport, actions);
        }
    }
    free(actions);
}

/* Actions delivering a packet of hop 'i' to pair 'pp'. */
static char *deliver_actions(const struct render_ctx *ctx, const struct path *p,
                             size_t i, const struct fs_port_pair *pp)
{
    int ofport = render_local_ofport(ctx, pair_in(p, pp));
    if (pp->correlation == FS_CORR_MPLS) {
        return xasprintf("push_mpls:0x8847,set_field:%" PRIu32 "->mpls_label,"
                         "set_mpls_ttl(%" PRIu32 "),output:%d",
                         label(p, i), hop_index(p, i), ofport);
    }
    return xasprintf("output:%d", ofport);
}

static void put_hash_fields(struct ds *s, const struct fs_port_pair_group *g,
                            bool v6)
{
    ds_put_cstr(s, ",selection_method=hash,fields(");
    if (!g->n_lb_fields) {
        ds_put_cstr(s, v6 ? "ipv6_src,ipv6_dst" : "ip_src,ip_dst");
        ds_put_cstr(s, ",nw_proto,tcp_src,tcp_dst,udp_src,udp_dst");
    }
    for (size_t i = 0; i < g->n_lb_fields; i++) {
        const char *f = g->lb_fields[i];
        if (v6 && !strncmp(f, "ip_", 3)) {
            ds_put_format(s, "%sipv6_%s", i ? "," : "", f + 3);
        } else {
            ds_put_format(s, "%s%s", i ? "," : "", f);
        }
    }
    ds_put_char(s, ')');
}

/* Table 15 for hop 'i': the one pair's actions, or a select group. */
static void render_forward(struct render_ctx *ctx, const struct path *p,
                           size_t i)
{
    const struct fs_port_pair_group *g = p->groups[i];
    char *match = xasprintf("reg5=%" PRIu32, label(p, i));
    if (g->n_port_pairs == 1) {
        const struct fs_port_pair *pp =
            fs_snapshot_find(ctx->snap, FS_PORT_PAIR, g->port_pairs[0]);
        char *actions = deliver_actions(ctx, p, i, pp);
        render_flow(ctx, p->pc->meta.key, FS_T_SFC_FWD, 100, p->cookie, match,
                    actions);
        free(actions);
        free(match);
        return;
    }
    uint32_t gid = FS_GROUP_BASE | label(p, i);
    struct ds spec = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&spec, "type=select");
    put_hash_fields(&spec, g, chain_ethertype(ctx, p->pc) == 6);
    for (size_t k = 0; k < g->n_port_pairs; k++) {
        const struct fs_port_pair *pp =
            fs_snapshot_find(ctx->snap, FS_PORT_PAIR, g->port_pairs[k]);
        char *actions = deliver_actions(ctx, p, i, pp);
        ds_put_format(&spec, ",bucket=bucket_id:%zu,weight:%d,actions=%s", k,
                      pp->weight, actions);
        free(actions);
    }
    render_group(ctx, gid, ds_steal_cstr(&spec));
    char *actions = xasprintf("group:%" PRIu32, gid);
    render_flow(ctx, p->pc->meta.key, FS_T_SFC_FWD, 100, p->cookie, match,
                actions);
    free(actions);
    free(match);
}

/* Table 10 on each pair's outgoing port of hop 'i'. */
static void render_return(struct render_ctx *ctx, const struct path *p,
                          size_t i)
{
    const struct fs_port_pair_group *g = p->groups[i];
    for (size_t k = 0; k < g->n_port_pairs; k++) {
        const struct fs_port_pair *pp =
            fs_snapshot_find(ctx->snap, FS_PORT_PAIR, g->port_pairs[k]);
        int out = render_local_ofport(ctx, pair_out(p, pp));
        for (size_t c = 0; c < p->pc->n_flow_classifiers; c++) {
            const struct fs_flow_classifier *fc = classifier(ctx, p, c);
            char *next = next_actions(ctx, p, i, fc);
            if (pp->correlation == FS_CORR_MPLS) {
                char *match = xasprintf("reg6=%d,mpls,mpls_label=%" PRIu32, out,
                                        label(p, i));
                char *actions =
                    xasprintf("pop_mpls:%s,%s",
                              fc->ethertype == 6 ? "0x86dd" : "0x0800", next);
                render_flow(ctx, p->pc->meta.key, FS_T_SFC_CLASS, 100,
                            p->cookie, match, actions);
                free(match);
                free(actions);
                free(next);
                break; /* One flow per pair, whatever the classifiers. */
            }
            classifier_flows(ctx, p, fc, out, next);
            free(next);
        }
    }
}

/* Returns NULL if every port of every pair of 'pc' is on this node, else a
 * reason (caller frees). */
static char *not_local(const struct render_ctx *ctx,
                       const struct fs_port_chain *pc)
{
    for (size_t i = 0; i < pc->n_port_pair_groups; i++) {
        const struct fs_port_pair_group *g = fs_snapshot_find(
            ctx->snap, FS_PORT_PAIR_GROUP, pc->port_pair_groups[i]);
        for (size_t k = 0; k < g->n_port_pairs; k++) {
            const struct fs_port_pair *pp =
                fs_snapshot_find(ctx->snap, FS_PORT_PAIR, g->port_pairs[k]);
            const char *ports[2] = {pp->ingress, pp->egress};
            for (int j = 0; j < 2; j++) {
                if (!render_local_ofport(ctx, ports[j])) {
                    return xasprintf(
                        "port %s of port pair %s is not plugged on this node "
                        "(hops on other chassis need tunnels, not supported "
                        "yet)",
                        ports[j], pp->meta.id);
                }
            }
            if (pp->correlation == FS_CORR_NSH) {
                return xasprintf("port pair %s: nsh correlation is not "
                                 "supported yet",
                                 pp->meta.id);
            }
        }
    }
    return NULL;
}

static bool has_local_entry(const struct render_ctx *ctx,
                            const struct fs_port_chain *pc)
{
    for (size_t i = 0; i < pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc = fs_snapshot_find(
            ctx->snap, FS_FLOW_CLASSIFIER, pc->flow_classifiers[i]);
        if (render_local_ofport(ctx, fc->logical_source_port) ||
            (pc->symmetric &&
             render_local_ofport(ctx, fc->logical_destination_port))) {
            return true;
        }
    }
    return false;
}

static void render_path(struct render_ctx *ctx, const struct fs_port_chain *pc,
                        bool reverse)
{
    size_t n = pc->n_port_pair_groups;
    struct path p = {.pc = pc,
                     .reverse = reverse,
                     .n_hops = n,
                     .cookie = FS_COOKIE(FS_COOKIE_SFC, pc->path_id)};
    p.groups = xcalloc(n, sizeof *p.groups);
    for (size_t i = 0; i < n; i++) {
        p.groups[i] =
            fs_snapshot_find(ctx->snap, FS_PORT_PAIR_GROUP,
                             pc->port_pair_groups[reverse ? n - 1 - i : i]);
    }
    render_entry(ctx, &p);
    for (size_t i = 0; i < n; i++) {
        render_forward(ctx, &p, i);
        render_return(ctx, &p, i);
    }
    free(p.groups);
}

void render_sfc(struct render_ctx *ctx)
{
    for (size_t i = 0; i < ctx->snap->n_port_chains; i++) {
        const struct fs_port_chain *pc = &ctx->snap->port_chains[i];
        if (!pc->path_id || !has_local_entry(ctx, pc)) {
            continue;
        }
        char *why = not_local(ctx, pc);
        if (why) {
            fs_errors_add(&ctx->out->notes, pc->meta.key, "$", "%s", why);
            free(why);
            continue;
        }
        render_path(ctx, pc, false);
        if (pc->symmetric) {
            render_path(ctx, pc, true);
        }
    }
}

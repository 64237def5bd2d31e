/* Service function chains on this node, tables 10, 15, 16 and 17
 * (docs/architecture.md, "Integration bridge pipeline" and "Correlation").
 * Follows networking-sfc's OVS agent:
 * classification on the logical source port, a select group per port pair
 * group of several pairs, the proxy treatment for SFs without correlation
 * and re-classification on each SF's egress port; the label (path id << 8 |
 * hop index) travels in the label field (FS_F_LABEL) and becomes an MPLS
 * header only toward an SF that understands it, or into a tunnel.  Flows
 * are built with struct fs_fb (render/flow.h); groups are still ovs-ofctl
 * text (render_group()).  Each chain's flows and groups belong to its chain
 * unit, an SF port's drop flow to its port unit, table 10's default to the
 * node-wide unit (render/units.c). */
#include <inttypes.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/meta-flow.h"
#include "packets.h"
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

/* The ethertype under a chain's MPLS header (the model keeps one per chain
 * that has one). */
static uint16_t inner_eth_type(const struct plan *plan)
{
    return plan->v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IP;
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

/* 'dst' becomes a builder of a copy of 'src''s flow so far (table,
 * priority, cookie, match, actions). */
static void fb_copy(struct fs_fb *dst, const struct fs_fb *src)
{
    fs_fb_init(dst, src->table_id, src->priority, src->cookie);
    dst->match = src->match;
    ofpbuf_put(&dst->ofpacts, src->ofpacts.data, src->ofpacts.size);
}

/* Matches prefix 'text' (NULL: any address) of the model (canonical
 * "addr/len") as OVS field 'mff', an IPv6 one if 'v6'.  Returns NULL, or
 * why it does not parse (caller frees). */
static char *match_prefix(struct fs_fb *b, int mff, bool v6, const char *text)
{
    if (!text) {
        return NULL;
    }
    return fs_match_prefix(b, mff, v6, text);
}

/* Matches the classifier's L3 fields in 'reverse' direction: IPv4 or IPv6,
 * IP protocol and the prefixes.  Returns NULL, or why a prefix does not
 * parse (caller frees). */
static char *match_l3(struct fs_fb *b, const struct fs_flow_classifier *fc,
                      bool reverse)
{
    bool v6 = fc->ethertype == 6;
    const char *src =
        reverse ? fc->destination_ip_prefix : fc->source_ip_prefix;
    const char *dst =
        reverse ? fc->source_ip_prefix : fc->destination_ip_prefix;
    fs_match_dl_type(b, v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IP);
    if (fc->protocol >= 0) {
        fs_match_mf(b, MFF_IP_PROTO, fc->protocol, UINT8_MAX);
    }
    char *error = match_prefix(b, v6 ? MFF_IPV6_SRC : MFF_IPV4_SRC, v6, src);
    return error ? error
                 : match_prefix(b, v6 ? MFF_IPV6_DST : MFF_IPV4_DST, v6, dst);
}

/* OVS's L4 source (destination if 'dst') port field for IP protocol
 * 'proto' (the model only accepts port ranges with tcp, udp or sctp). */
static int l4_port_field(int proto, bool dst)
{
    return proto == 17    ? (dst ? MFF_UDP_DST : MFF_UDP_SRC)
           : proto == 132 ? (dst ? MFF_SCTP_DST : MFF_SCTP_SRC)
                          : (dst ? MFF_TCP_DST : MFF_TCP_SRC);
}

/* Matches the ports of block 'm' in L4 port field 'mff' (nothing for every
 * port). */
static void match_ports(struct fs_fb *b, int mff,
                        const struct render_port_mask *m)
{
    if (m->mask) {
        fs_match_mf(b, mff, m->value, m->mask);
    }
}

/* Adds to 't' the match of 'fc''s packets from port 'in' in 'p''s
 * direction, but for L4 ports.  Returns false, with a note, if a prefix
 * does not parse. */
static bool match_classifier(struct render_ctx *ctx, const struct path *p,
                             const struct fs_flow_classifier *fc, int in,
                             struct fs_fb *t)
{
    fs_match_field(t, FS_F_SRC_PORT, in);
    char *error = match_l3(t, fc, p->reverse);
    if (error) {
        fs_errors_add(&ctx->out->notes, p->pc->meta.key,
                      "$.port_chain.flow_classifiers",
                      "flow classifier %s: %s: not rendered",
                      fs_quote(fc->meta.id).s, error);
        free(error);
    }
    return !error;
}

/* Renders one table-10 flow per (source mask, destination mask) of 'fc' in
 * 'p''s direction for packets from port 'in', with the actions of 't' (a
 * table-10 builder with its actions only; freed here). */
static void classifier_flows(struct render_ctx *ctx, const struct path *p,
                             const struct fs_flow_classifier *fc, int in,
                             struct fs_fb *t)
{
    bool r = p->reverse;
    int smin = r ? fc->destination_port_range_min : fc->source_port_range_min;
    int smax = r ? fc->destination_port_range_max : fc->source_port_range_max;
    int dmin = r ? fc->source_port_range_min : fc->destination_port_range_min;
    int dmax = r ? fc->source_port_range_max : fc->destination_port_range_max;
    struct render_port_mask src[RENDER_PORT_MASKS_MAX];
    struct render_port_mask dst[RENDER_PORT_MASKS_MAX];
    size_t n_src = render_port_blocks(smin, smax, src);
    size_t n_dst = render_port_blocks(dmin, dmax, dst);
    bool ok = match_classifier(ctx, p, fc, in, t);
    for (size_t i = 0; ok && i < n_src; i++) {
        for (size_t j = 0; j < n_dst; j++) {
            struct fs_fb b;
            fb_copy(&b, t);
            match_ports(&b, l4_port_field(fc->protocol, false), &src[i]);
            match_ports(&b, l4_port_field(fc->protocol, true), &dst[j]);
            render_flow_add(ctx, p->pc->meta.key, &b);
        }
    }
    fs_fb_uninit(t);
}

/* A builder of a table-10 flow of 'p' (priority FS_PRIO_SFC_CLASS_CHAIN),
 * matching everything, with no actions. */
static void class_flow_init(struct fs_fb *b, const struct path *p)
{
    fs_fb_init(b, FS_T_SFC_CLASS, FS_PRIO_SFC_CLASS_CHAIN, p->cookie);
}

/* The actions handing a packet to hop 'i' of 'p': its label, then
 * table 15. */
static void put_to_hop(struct fs_fb *b, const struct path *p, size_t i)
{
    fs_set_field(b, FS_F_LABEL, label(p, i));
    fs_goto(b, FS_T_SFC_FWD);
}

/* The ofport where 'fc''s traffic leaves the path: its logical destination
 * port (logical source port on the reverse path) if local, else 0 (the L2
 * lookup).  A destination on another network than the entry port's, when
 * that network is routed here, is routed (0: the lookup goes through the
 * router's admission table). */
static int exit_ofport(const struct render_ctx *ctx, const struct path *p,
                       const struct fs_flow_classifier *fc)
{
    const char *exit =
        p->reverse ? fc->logical_source_port : fc->logical_destination_port;
    const char *entry =
        p->reverse ? fc->logical_destination_port : fc->logical_source_port;
    if (!exit) {
        return 0;
    }
    const struct fs_port *in = entry ? render_find(ctx, FS_PORT, entry) : NULL;
    const struct fs_port *out = render_find(ctx, FS_PORT, exit);
    if (in && out && strcmp(in->network_id, out->network_id) &&
        render_routed(ctx, FS_NETWORK, in->network_id)) {
        return 0;
    }
    return render_local_ofport(ctx, exit);
}

/* Adds the actions once hop 'i' is done: on to the next hop's label, or
 * after the last hop to the destination: 'fc''s exit port if it is plugged
 * here, else the L2 lookup, through the router's admission table when a
 * router is routed here (a destination in another subnet: the packet is
 * still addressed to the router's MAC, as the VM sent it).  'fc' NULL
 * stands for every classifier of the chain (an MPLS label does not say
 * which one matched): their exit if they all share one, else the L2
 * lookup. */
static void put_next(struct fs_fb *b, const struct render_ctx *ctx,
                     const struct path *p, size_t i,
                     const struct fs_flow_classifier *fc)
{
    if (i + 1 < p->plan->n_hops) {
        put_to_hop(b, p, i + 1);
        return;
    }
    int ofport = fc ? exit_ofport(ctx, p, fc) : -1;
    for (size_t c = 0; !fc && c < p->pc->n_flow_classifiers; c++) {
        int exit = exit_ofport(ctx, p, classifier(ctx, p, c));
        ofport = ofport < 0 || ofport == exit ? exit : 0;
    }
    if (ofport > 0) {
        fs_set_field(b, FS_F_DST_PORT, ofport);
        fs_goto(b, FS_T_EGRESS);
    } else {
        fs_goto(b, render_routed(ctx, FS_ROUTER, "") ? FS_T_L3_ADMISSION
                                                     : FS_T_L2);
    }
}

/* Traffic entering the path at each classifier's source port (destination
 * port on the reverse path). */
static void render_entry(struct render_ctx *ctx, const struct path *p)
{
    for (size_t i = 0; i < p->pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc = classifier(ctx, p, i);
        const char *entry =
            p->reverse ? fc->logical_destination_port : fc->logical_source_port;
        int ofport = entry ? render_local_ofport(ctx, entry) : 0;
        if (ofport) {
            struct fs_fb t;
            class_flow_init(&t, p);
            put_to_hop(&t, p, 0);
            classifier_flows(ctx, p, fc, ofport, &t);
        }
    }
}

/* How hop 'i''s packets reach pair 'hp': proxy (no correlation) outputs
 * them as they are; an MPLS-aware pair gets the label and TTL = hop index
 * (set_field rather than set_mpls_ttl, which OpenFlow 1.5 deprecates); a
 * pair through a tunnel gets them in MPLS too (networking-sfc's
 * encapsulation between nodes), with its network's VNI, the header pushed
 * after the select group chose on the intact packet. */
struct delivery {
    bool mpls, tunnel;
    uint32_t label, ttl, vni;
    int ofport; /* The pair's port here, or the tunnel. */
};

static struct delivery delivery(const struct render_ctx *ctx,
                                const struct path *p, size_t i,
                                const struct hop_pair *hp)
{
    const struct fs_port_pair *pp = hp->pp;
    struct delivery d = {.label = label(p, i), .ttl = hop_index(p, i)};
    if (hp->tunnel) {
        d.mpls = d.tunnel = true;
        d.vni = hp->vni;
        d.ofport = hp->tunnel;
    } else {
        d.mpls = pp->correlation == FS_CORR_MPLS;
        d.ofport = render_local_ofport(ctx, pair_in(p, pp));
    }
    return d;
}

/* Adds delivery 'd''s actions. */
static void put_delivery(struct fs_fb *b, const struct delivery *d)
{
    if (d->mpls) {
        fs_push_mpls(b, ETH_TYPE_MPLS);
        fs_set_mf(b, MFF_MPLS_LABEL, d->label);
        fs_set_mf(b, MFF_MPLS_TTL, d->ttl);
    }
    if (d->tunnel) {
        fs_set_mf(b, MFF_TUN_ID, d->vni);
    }
    fs_to_port(b, d->ofport);
}

/* Appends delivery 'd''s actions as a group bucket's (ovs-ofctl text, as
 * render_group() takes groups). */
static void put_bucket_actions(struct ds *s, const struct delivery *d)
{
    if (d->mpls) {
        ds_put_format(s,
                      "push_mpls:0x8847,set_field:%" PRIu32 "->mpls_label,"
                      "set_field:%" PRIu32 "->mpls_ttl,",
                      d->label, d->ttl);
    }
    if (d->tunnel) {
        ds_put_format(s, "set_field:%" PRIu32 "->tun_id,", d->vni);
    }
    ds_put_format(s, "output:%d", d->ofport);
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

/* Select group 'gid' handing hop 'i''s packets to its pairs 'pairs' ('n'),
 * one bucket per pair (weight from the pair). */
static void render_select_group(struct render_ctx *ctx, const struct path *p,
                                size_t i, const struct hop_pair *pairs,
                                size_t n, uint32_t gid)
{
    struct ds spec = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&spec, "type=select");
    put_hash_fields(&spec, p->plan, path_hop(p, i)->ppg);
    for (size_t k = 0; k < n; k++) {
        struct delivery d = delivery(ctx, p, i, &pairs[k]);
        ds_put_format(&spec, ",bucket=bucket_id:%zu,weight:%d,actions=", k,
                      pairs[k].pp->weight);
        put_bucket_actions(&spec, &d);
    }
    render_group(ctx, gid, ds_steal_cstr(&spec));
}

/* Adds flow 'b' (its table, priority and match set) with the actions
 * handing hop 'i''s packets to its pairs 'pairs' ('n'): the one pair's
 * delivery, or select group 'gid'. */
static void render_to_pairs(struct render_ctx *ctx, const struct path *p,
                            size_t i, const struct hop_pair *pairs, size_t n,
                            struct fs_fb *b, uint32_t gid)
{
    if (n == 1) {
        struct delivery d = delivery(ctx, p, i, &pairs[0]);
        put_delivery(b, &d);
    } else {
        render_select_group(ctx, p, i, pairs, n, gid);
        fs_to_group(b, gid);
    }
    render_flow_add(ctx, p->pc->meta.key, b);
}

/* Table 15 for hop 'i': every pair it can reach, here or through
 * tunnels. */
static void render_forward(struct render_ctx *ctx, const struct path *p,
                           size_t i)
{
    const struct hop *h = path_hop(p, i);
    struct fs_fb b;
    fs_fb_init(&b, FS_T_SFC_FWD, FS_PRIO_SFC_FWD_HOP, p->cookie);
    fs_match_field(&b, FS_F_LABEL, label(p, i));
    render_to_pairs(ctx, p, i, h->pairs, h->n_pairs, &b,
                    FS_GROUP_BASE | label(p, i));
}

/* Matches MPLS packets with hop 'i''s label. */
static void match_mpls_label(struct fs_fb *b, const struct path *p, size_t i)
{
    fs_match_dl_type(b, ETH_TYPE_MPLS);
    fs_match_mf(b, MFF_MPLS_LABEL, label(p, i), UINT64_MAX);
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
    struct fs_fb b;
    fs_fb_init(&b, FS_T_SFC_REMOTE, FS_PRIO_SFC_REMOTE_HOP, p->cookie);
    match_mpls_label(&b, p, i);
    fs_pop_mpls(&b, inner_eth_type(p->plan));
    fs_set_field(&b, FS_F_LABEL, label(p, i));
    fs_goto(&b, FS_T_SFC_LOCAL);
    render_flow_add(ctx, p->pc->meta.key, &b);

    fs_fb_init(&b, FS_T_SFC_LOCAL, FS_PRIO_SFC_LOCAL_HOP, p->cookie);
    fs_match_field(&b, FS_F_LABEL, label(p, i));
    render_to_pairs(ctx, p, i, h->pairs, h->n_local, &b,
                    FS_GROUP_BASE | FS_GROUP_LOCAL | label(p, i));
}

/* Table 10 on the outgoing port 'out' of an MPLS-aware pair of hop 'i':
 * recognised by its label, header popped (to the chain's ethertype: the
 * model keeps one per MPLS chain).  After the pop OVS recirculates, so the
 * next select group hashes on the inner packet. */
static void render_mpls_return(struct render_ctx *ctx, const struct path *p,
                               size_t i, int out)
{
    struct fs_fb b;
    class_flow_init(&b, p);
    fs_match_field(&b, FS_F_SRC_PORT, out);
    match_mpls_label(&b, p, i);
    fs_pop_mpls(&b, inner_eth_type(p->plan));
    put_next(&b, ctx, p, i, NULL);
    render_flow_add(ctx, p->pc->meta.key, &b);
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
            struct fs_fb t;
            class_flow_init(&t, p);
            put_next(&t, ctx, p, i, fc);
            classifier_flows(ctx, p, fc, out, &t);
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
 * flow matched goes on to L2, through the router's admission table when
 * a router is routed here (render/router.c). */
void render_sfc_base(struct render_ctx *ctx)
{
    size_t n_local = 0;
    for (size_t i = 0; i < ctx->snap->n_ports && !n_local; i++) {
        n_local += render_local_ofport(ctx, ctx->snap->ports[i].meta.id) != 0;
    }
    if (n_local) {
        struct fs_fb b;
        fs_fb_init(&b, FS_T_SFC_CLASS, FS_PRIO_SFC_CLASS_DEFAULT,
                   FS_COOKIE(FS_COOKIE_L2, 0));
        fs_goto(&b, sset_is_empty(&ctx->w->routed_routers) ? FS_T_L2
                                                           : FS_T_L3_ADMISSION);
        render_flow_add(ctx, "", &b);
    }
}

/* Traffic from an SF port that no chain flow matched is dropped (SF ports
 * are no L2 members). */
void render_sfc_port(struct render_ctx *ctx, const struct fs_port *p,
                     int ofport)
{
    if (render_is_sf_port(ctx, p->meta.id)) {
        uint64_t key = render_net_key(ctx, p->network_id);
        struct fs_fb b;
        fs_fb_init(&b, FS_T_SFC_CLASS, FS_PRIO_SFC_CLASS_SF_DROP,
                   FS_COOKIE(FS_COOKIE_L2, key));
        fs_match_field(&b, FS_F_SRC_PORT, ofport);
        render_flow_add(ctx, p->meta.key, &b);
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

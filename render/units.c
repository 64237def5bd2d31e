/* Render units (render/internal.h): which feature renders what for each
 * unit.  The order of units is fixed: the node-wide unit, then the ports,
 * the networks, the port chains and the routers, each kind in id order. */
#include <string.h>

#include "render/internal.h"
#include "util.h"

/* Everything not of one object: which routers and networks are routed
 * here (which the next ones read), the provider networks (which fill the
 * world's uplinks that the network units read), the tunnels, the slice
 * bridges (which fill the world's slice networks and members), the
 * uplinks' table 0 and 75 flows, and table 10's default.  Reads the snapshot
 * directly: it is rendered on every engine run. */
static void node_unit(struct render_ctx *ctx)
{
    ctx->snap = ctx->w->snap;
    ctx->facts = ctx->w->facts;
    render_router_locality(ctx);
    render_provider(ctx);
    render_router_base(ctx);
    render_overlay_tunnels(ctx);
    render_slices(ctx);
    render_l2_uplinks(ctx);
    render_sfc_base(ctx);
}

/* A slice member: nothing until its patch pair has an ofport (its
 * traffic is the slice's, never switched here). */
static void member_unit(struct render_ctx *ctx, const struct fs_port *p,
                        int ofport, const struct render_slice_net *sn)
{
    int member = render_slice_member(ctx, p->meta.id);
    if (member) {
        render_portsec_port(ctx, p, ofport, FS_T_SLICE);
        render_l2_member(ctx, p, ofport, member, sn);
        render_slice_port(ctx, p, sn, ofport, member);
    }
}

/* A port: nothing unless it is bound here and plugged. */
static void port_unit(struct render_ctx *ctx, const char *id)
{
    const struct fs_port *p = render_find(ctx, FS_PORT, id);
    int ofport = p ? render_local_ofport(ctx, id) : 0;
    if (!ofport) {
        return;
    }
    const struct render_slice_net *sn =
        render_is_sf_port(ctx, id) ? NULL
                                   : render_slice_net(ctx, p->network_id);
    if (sn) {
        member_unit(ctx, p, ofport, sn);
        return;
    }
    bool dhcp = !render_is_sf_port(ctx, id) && render_dhcp_port(ctx, p, ofport);
    render_portsec_port(ctx, p, ofport, dhcp ? FS_T_LOCAL : FS_T_SFC_CLASS);
    render_l2_port(ctx, p, ofport);
    render_sfc_port(ctx, p, ofport);
}

static void network_unit(struct render_ctx *ctx, const char *id)
{
    const struct fs_network *net = render_find(ctx, FS_NETWORK, id);
    if (net) {
        render_l2_network(ctx, net);
        render_router_network(ctx, net);
    }
}

static void router_unit(struct render_ctx *ctx, const char *id)
{
    const struct fs_router *r = render_find(ctx, FS_ROUTER, id);
    if (r) {
        render_router(ctx, r);
    }
}

static void chain_unit(struct render_ctx *ctx, const char *id)
{
    const struct fs_port_chain *pc = render_find(ctx, FS_PORT_CHAIN, id);
    if (pc) {
        render_sfc_chain(ctx, pc);
    }
}

void render_unit(struct render_world *w, enum render_unit_kind kind,
                 const char *id, struct render_out *out, struct render_rec *rec)
{
    struct render_ctx ctx = {.w = w,
                             .node = w->node->name,
                             .render_node = w->node,
                             .out = out,
                             .rec = kind == RENDER_UNIT_NODE ? NULL : rec};
    sset_init(&ctx.port_names);
    switch (kind) {
    case RENDER_UNIT_NODE:
        node_unit(&ctx);
        break;
    case RENDER_UNIT_PORT:
        port_unit(&ctx, id);
        break;
    case RENDER_UNIT_NETWORK:
        network_unit(&ctx, id);
        break;
    case RENDER_UNIT_CHAIN:
        chain_unit(&ctx, id);
        break;
    case RENDER_UNIT_ROUTER:
        router_unit(&ctx, id);
        break;
    default:
        OVS_NOT_REACHED();
    }
    sset_destroy(&ctx.port_names);
}

int render_unit_compare(enum render_unit_kind ka, const char *ida,
                        enum render_unit_kind kb, const char *idb)
{
    return ka != kb ? (ka < kb ? -1 : 1) : strcmp(ida, idb);
}

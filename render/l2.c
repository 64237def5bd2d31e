/* Base pipeline for this node's ports (docs/architecture.md, "Integration
 * bridge pipeline"): table 0 classification, table 10 defaults, table 55
 * L2 lookup and flooding, table 75 output.  Service function ports are
 * classified but take no part in L2 forwarding. */
#include <inttypes.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "render/internal.h"
#include "util.h"

static const uint64_t cookie = FS_COOKIE(FS_COOKIE_L2, 0);

static void classify_port(struct render_ctx *ctx, const struct fs_port *p,
                          int ofport)
{
    char *match = xasprintf("in_port=%d", ofport);
    char *actions =
        xasprintf("set_field:0x%" PRIx64 "->metadata,"
                  "set_field:%d->reg6,goto_table:%d",
                  render_net_key(ctx, p->network_id), ofport, FS_T_SFC_CLASS);
    render_flow(ctx, p->meta.key, FS_T_CLASSIFY, 100, cookie, match, actions);
    free(match);
    free(actions);
}

static void l2_port(struct render_ctx *ctx, const struct fs_port *p, int ofport)
{
    char *match = xasprintf("reg7=%d", ofport);
    char *actions = xasprintf("output:%d", ofport);
    render_flow(ctx, p->meta.key, FS_T_EGRESS, 100, cookie, match, actions);
    free(match);
    free(actions);
    if (p->mac_address) {
        match = xasprintf("metadata=0x%" PRIx64 ",dl_dst=%s",
                          render_net_key(ctx, p->network_id), p->mac_address);
        actions =
            xasprintf("set_field:%d->reg7,goto_table:%d", ofport, FS_T_EGRESS);
        render_flow(ctx, p->meta.key, FS_T_L2, 100, cookie, match, actions);
        free(match);
        free(actions);
    }
}

/* Floods broadcast and multicast to every local non-SF port of 'net'. */
static void flood_network(struct render_ctx *ctx, const struct fs_network *net)
{
    struct ds actions = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < ctx->snap->n_ports; i++) {
        const struct fs_port *p = &ctx->snap->ports[i];
        int ofport = render_local_ofport(ctx, p->meta.id);
        if (ofport && !strcmp(p->network_id, net->meta.id) &&
            !sset_contains(&ctx->sf_ports, p->meta.id)) {
            ds_put_format(&actions, "%sset_field:%d->reg7,resubmit(,%d)",
                          actions.length ? "," : "", ofport, FS_T_EGRESS);
        }
    }
    if (actions.length) {
        char *match = xasprintf("metadata=0x%" PRIx64
                                ",dl_dst=01:00:00:00:00:00/01:00:00:00:00:00",
                                render_net_key(ctx, net->meta.id));
        render_flow(ctx, net->meta.key, FS_T_L2, 90, cookie, match,
                    ds_cstr(&actions));
        free(match);
    }
    ds_destroy(&actions);
}

void render_l2(struct render_ctx *ctx)
{
    size_t n_local = 0;
    for (size_t i = 0; i < ctx->snap->n_ports; i++) {
        const struct fs_port *p = &ctx->snap->ports[i];
        int ofport = render_local_ofport(ctx, p->meta.id);
        if (!ofport) {
            continue;
        }
        n_local++;
        classify_port(ctx, p, ofport);
        if (sset_contains(&ctx->sf_ports, p->meta.id)) {
            char *match = xasprintf("reg6=%d", ofport);
            render_flow(ctx, p->meta.key, FS_T_SFC_CLASS, 10, cookie, match,
                        "drop");
            free(match);
        } else {
            l2_port(ctx, p, ofport);
        }
    }
    for (size_t i = 0; i < ctx->snap->n_networks; i++) {
        flood_network(ctx, &ctx->snap->networks[i]);
    }
    if (n_local) {
        char *actions = xasprintf("goto_table:%d", FS_T_L2);
        render_flow(ctx, "", FS_T_SFC_CLASS, 0, cookie, "", actions);
        free(actions);
    }
}

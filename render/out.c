/* What a unit renders (struct render_out, render/internal.h): flow claims,
 * groups, OVSDB rows, notes. */
#include <inttypes.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "model/text.h"
#include "packets.h"
#include "render/internal.h"
#include "util.h"

void render_out_init(struct render_out *out)
{
    *out = (struct render_out){.notes = FS_ERRORS_INITIALIZER};
    sset_init(&out->keys);
}

void render_out_destroy(struct render_out *out)
{
    if (!out) {
        return;
    }
    for (size_t i = 0; i < out->n_flows; i++) {
        fs_flow_destroy(&out->flows[i].flow);
    }
    for (size_t i = 0; i < out->n_groups; i++) {
        free(out->groups[i].spec);
    }
    for (size_t i = 0; i < out->n_ports; i++) {
        fs_ovsdb_port_destroy(out->ports[i]);
    }
    for (size_t i = 0; i < out->n_bridges; i++) {
        fs_ovsdb_bridge_destroy(out->bridges[i]);
    }
    free(out->flows);
    free(out->groups);
    free(out->ports);
    free(out->bridges);
    fs_errors_destroy(&out->notes);
    sset_destroy(&out->keys);
}

static bool claims_equal(const struct render_claim *a,
                         const struct render_claim *b)
{
    return a->quiet == b->quiet && fs_flow_equal(&a->flow, &b->flow) &&
           !strcmp(a->key, b->key);
}

bool fs_ovsdb_port_equal(const struct fs_ovsdb_port *a,
                         const struct fs_ovsdb_port *b)
{
    return !strcmp(a->bridge, b->bridge) && !strcmp(a->name, b->name) &&
           !strcmp(a->type, b->type) && smap_equal(&a->options, &b->options) &&
           smap_equal(&a->external_ids, &b->external_ids) &&
           !strcmp(a->key, b->key) && !strcmp(a->path, b->path);
}

bool fs_ovsdb_bridge_equal(const struct fs_ovsdb_bridge *a,
                           const struct fs_ovsdb_bridge *b)
{
    return !strcmp(a->name, b->name) &&
           !strcmp(a->datapath_type, b->datapath_type) &&
           !strcmp(a->fail_mode, b->fail_mode) &&
           sset_equals(&a->protocols, &b->protocols) &&
           sset_equals(&a->controllers, &b->controllers) &&
           smap_equal(&a->external_ids, &b->external_ids) &&
           !strcmp(a->key, b->key) && !strcmp(a->path, b->path);
}

static bool notes_equal(const struct fs_errors *a, const struct fs_errors *b)
{
    for (size_t i = 0; a->n == b->n && i < a->n; i++) {
        const struct fs_error *x = &a->items[i], *y = &b->items[i];
        if (strcmp(x->key, y->key) || strcmp(x->path, y->path) ||
            strcmp(x->message, y->message)) {
            return false;
        }
    }
    return a->n == b->n;
}

bool render_out_equal(const struct render_out *a, const struct render_out *b)
{
    if (a->n_flows != b->n_flows || a->n_groups != b->n_groups ||
        a->n_ports != b->n_ports || a->n_bridges != b->n_bridges ||
        a->n_waiting != b->n_waiting || !notes_equal(&a->notes, &b->notes)) {
        return false;
    }
    for (size_t i = 0; i < a->n_flows; i++) {
        if (!claims_equal(&a->flows[i], &b->flows[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_groups; i++) {
        if (a->groups[i].group_id != b->groups[i].group_id ||
            strcmp(a->groups[i].spec, b->groups[i].spec)) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        if (!fs_ovsdb_port_equal(a->ports[i], b->ports[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_bridges; i++) {
        if (!fs_ovsdb_bridge_equal(a->bridges[i], b->bridges[i])) {
            return false;
        }
    }
    return true;
}

void render_dup_note(struct fs_errors *notes, const struct render_claim *c)
{
    struct ds match = DS_EMPTY_INITIALIZER;
    fs_flow_format_match(&c->flow, &match);
    fs_errors_add(notes, c->key, "$",
                  "flow table=%u,priority=%u,%s is already rendered "
                  "for another resource; this one is skipped",
                  c->flow.table_id, c->flow.priority, ds_cstr(&match));
    ds_destroy(&match);
}

/* Returns the output's copy of 'key'. */
static const char *intern_key(struct render_out *out, const char *key)
{
    struct sset_node *node = sset_find(&out->keys, key);
    return (node ? node : sset_add(&out->keys, key))->name;
}

static void claim(struct render_ctx *ctx, const char *key, struct fs_flow *f,
                  bool quiet)
{
#ifdef FS_CHECK_PIPELINE
    /* Debug builds (ASan, the fuzzers): a flow that breaks its table's
     * declaration is a render bug; stop at it. */
    char *broken = fs_pipeline_check(f);
    if (broken) {
        ovs_abort(0, "%s", broken);
    }
#endif
    struct render_out *out = ctx->out;
    if (out->n_flows >= out->allocated_flows) {
        out->flows =
            x2nrealloc(out->flows, &out->allocated_flows, sizeof *out->flows);
    }
    out->flows[out->n_flows++] = (struct render_claim){
        .flow = *f,
        .key = intern_key(out, key),
        .quiet = quiet,
    };
}

void render_flow_add(struct render_ctx *ctx, const char *key, struct fs_fb *b)
{
    struct fs_flow f;
    fs_fb_finish(b, &f);
    claim(ctx, key, &f, false);
}

void render_flow_add_once(struct render_ctx *ctx, const char *key,
                          struct fs_fb *b)
{
    struct fs_flow f;
    fs_fb_finish(b, &f);
    claim(ctx, key, &f, true);
}

bool render_mac(struct render_ctx *ctx, const char *key, const char *path,
                const char *text, struct eth_addr *mac)
{
    if (eth_addr_from_string(text, mac)) {
        return true;
    }
    fs_errors_add(&ctx->out->notes, key, path,
                  "MAC address %s does not parse: its flows are left out",
                  fs_quote(text).s);
    return false;
}

void render_group(struct render_ctx *ctx, uint32_t group_id, char *spec)
{
    struct render_out *out = ctx->out;
    if (out->n_groups >= out->allocated_groups) {
        out->groups = x2nrealloc(out->groups, &out->allocated_groups,
                                 sizeof *out->groups);
    }
    out->groups[out->n_groups++] = (struct fs_group){group_id, spec};
}

bool render_port(struct render_ctx *ctx, const char *bridge, const char *name,
                 const char *type, const struct smap *options,
                 const char *owner, const char *key, const char *path)
{
    return render_port_ids(ctx, bridge, name, type, options, owner, NULL, key,
                           path);
}

bool render_port_ids(struct render_ctx *ctx, const char *bridge,
                     const char *name, const char *type,
                     const struct smap *options, const char *owner,
                     const struct smap *more, const char *key, const char *path)
{
    struct render_out *out = ctx->out;
    if (!sset_add(&ctx->port_names, name)) {
        fs_errors_add(&out->notes, key, path,
                      "OVS port %s is already rendered for another "
                      "resource; this one is skipped",
                      fs_quote(name).s);
        return false;
    }
    if (out->n_ports >= out->allocated_ports) {
        out->ports =
            x2nrealloc(out->ports, &out->allocated_ports, sizeof *out->ports);
    }
    struct fs_ovsdb_port *p = xmalloc(sizeof *p);
    out->ports[out->n_ports++] = p;
    *p = (struct fs_ovsdb_port){.bridge = xstrdup(bridge),
                                .name = xstrdup(name),
                                .type = xstrdup(type),
                                .key = xstrdup(key),
                                .path = xstrdup(path)};
    smap_init(&p->options);
    if (options) {
        smap_clone(&p->options, options);
    }
    smap_init(&p->external_ids);
    if (more) {
        smap_clone(&p->external_ids, more);
    }
    smap_replace(&p->external_ids, FS_OWNER_KEY, owner);
    return true;
}

bool render_bridge(struct render_ctx *ctx, struct fs_ovsdb_bridge *b)
{
    struct render_out *out = ctx->out;
    for (size_t i = 0; i < out->n_bridges; i++) {
        if (!strcmp(out->bridges[i]->name, b->name)) {
            fs_errors_add(&out->notes, b->key, b->path,
                          "OVS bridge %s is already rendered for another "
                          "resource; this one is skipped",
                          fs_quote(b->name).s);
            fs_ovsdb_bridge_destroy(b);
            return false;
        }
    }
    if (out->n_bridges >= out->allocated_bridges) {
        out->bridges = x2nrealloc(out->bridges, &out->allocated_bridges,
                                  sizeof *out->bridges);
    }
    out->bridges[out->n_bridges++] = b;
    return true;
}

bool render_ipv4_prefix(const char *text, ovs_be32 *net, ovs_be32 *mask)
{
    char *error = ip_parse_masked(text, net, mask);
    free(error);
    return !error;
}

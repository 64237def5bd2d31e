/* fs_render(): see render/render.h.  This file holds the entry point, the
 * desired set's containers and text forms, and the local facts helpers; the
 * pipeline itself is one file per feature (render/pipeline.h): provider.c,
 * portsec.c, l2.c and sfc.c. */
#include "render/render.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "render/internal.h"
#include "model/text.h"
#include "util.h"

int render_local_ofport(const struct render_ctx *ctx, const char *port_id)
{
    const struct fs_port *p = fs_snapshot_find(ctx->snap, FS_PORT, port_id);
    if (!p || !p->host_id || strcmp(p->host_id, ctx->node) || p->remote) {
        return 0;
    }
    return simap_get(&ctx->facts->ofports, port_id);
}

uint64_t render_net_key(const struct render_ctx *ctx, const char *network_id)
{
    const uint64_t *key = shash_find_data(&ctx->net_keys, network_id);
    return key ? *key : 0;
}

const struct render_uplink *render_uplink(const struct render_ctx *ctx,
                                          const char *network_id)
{
    return shash_find_data(&ctx->uplinks, network_id);
}

/* Network keys: 0x1000000 | 24 bits of hash_string(id, 0), probing upward
 * (+1, wrapping in 24 bits) on collision, networks taken in id order (the
 * snapshot's order), so a key only changes if a colliding network with a
 * smaller id appears.  Keys are local to this node (docs/architecture.md). */
static void assign_net_keys(struct render_ctx *ctx)
{
    struct sset used = SSET_INITIALIZER(&used);
    for (size_t i = 0; i < ctx->snap->n_networks; i++) {
        const struct fs_network *n = &ctx->snap->networks[i];
        uint32_t low = hash_string(n->meta.id, 0) & 0xffffff;
        for (;; low = (low + 1) & 0xffffff) {
            char name[16];
            snprintf(name, sizeof name, "%" PRIx32, low);
            if (sset_add(&used, name)) {
                break;
            }
        }
        uint64_t *key = xmalloc(sizeof *key);
        *key = UINT64_C(0x1000000) | low;
        shash_add(&ctx->net_keys, n->meta.id, key);
    }
    sset_destroy(&used);
}

static char *flow_id(uint8_t table, uint16_t priority, const char *match)
{
    return xasprintf("%u/%u/%s", table, priority, match);
}

bool render_has_flow(const struct render_ctx *ctx, uint8_t table,
                     uint16_t priority, const char *match)
{
    char *id = flow_id(table, priority, match);
    bool found = sset_contains(&ctx->flow_keys, id);
    free(id);
    return found;
}

void render_flow(struct render_ctx *ctx, const char *key, uint8_t table,
                 uint16_t priority, uint64_t cookie, const char *match,
                 const char *actions)
{
    char *id = flow_id(table, priority, match);
    if (!sset_add(&ctx->flow_keys, id)) {
        fs_errors_add(&ctx->out->notes, key, "$",
                      "flow table=%u,priority=%u,%s is already rendered "
                      "for another resource; this one is skipped",
                      table, priority, match);
        free(id);
        return;
    }
    free(id);
    struct fs_desired *d = ctx->out;
    if (d->n_flows >= d->allocated_flows) {
        d->flows = x2nrealloc(d->flows, &d->allocated_flows, sizeof *d->flows);
    }
    d->flows[d->n_flows++] = (struct fs_flow){
        .table_id = table,
        .priority = priority,
        .cookie = cookie,
        .match = xstrdup(match),
        .actions = xstrdup(actions),
    };
}

void render_group(struct render_ctx *ctx, uint32_t group_id, char *spec)
{
    struct fs_desired *d = ctx->out;
    if (d->n_groups >= d->allocated_groups) {
        d->groups =
            x2nrealloc(d->groups, &d->allocated_groups, sizeof *d->groups);
    }
    d->groups[d->n_groups++] = (struct fs_group){group_id, spec};
}

bool render_port(struct render_ctx *ctx, const char *bridge, const char *name,
                 const char *type, const struct smap *options,
                 const char *owner, const char *key, const char *path)
{
    if (!sset_add(&ctx->port_names, name)) {
        fs_errors_add(&ctx->out->notes, key, path,
                      "OVS port %s is already rendered for another "
                      "resource; this one is skipped",
                      fs_quote(name).s);
        return false;
    }
    struct fs_desired *d = ctx->out;
    if (d->n_ports >= d->allocated_ports) {
        d->ports = x2nrealloc(d->ports, &d->allocated_ports, sizeof *d->ports);
    }
    struct fs_ovsdb_port *p = xmalloc(sizeof *p);
    d->ports[d->n_ports++] = p;
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
    smap_add(&p->external_ids, FS_OWNER_KEY, owner);
    return true;
}

static int compare_ports(const void *a_, const void *b_)
{
    const struct fs_ovsdb_port *a = *(struct fs_ovsdb_port *const *)a_;
    const struct fs_ovsdb_port *b = *(struct fs_ovsdb_port *const *)b_;
    int c = strcmp(a->bridge, b->bridge);
    return c ? c : strcmp(a->name, b->name);
}

static int compare_bridges(const void *a_, const void *b_)
{
    const struct fs_ovsdb_bridge *a = *(struct fs_ovsdb_bridge *const *)a_;
    const struct fs_ovsdb_bridge *b = *(struct fs_ovsdb_bridge *const *)b_;
    return strcmp(a->name, b->name);
}

static int compare_flows(const void *a_, const void *b_)
{
    const struct fs_flow *a = a_, *b = b_;
    if (a->table_id != b->table_id) {
        return a->table_id < b->table_id ? -1 : 1;
    }
    if (a->priority != b->priority) {
        return a->priority > b->priority ? -1 : 1;
    }
    return strcmp(a->match, b->match);
}

static int compare_groups(const void *a_, const void *b_)
{
    const struct fs_group *a = a_, *b = b_;
    return a->group_id < b->group_id ? -1 : a->group_id > b->group_id;
}

static void collect_sf_ports(struct render_ctx *ctx)
{
    for (size_t i = 0; i < ctx->snap->n_port_pairs; i++) {
        sset_add(&ctx->sf_ports, ctx->snap->port_pairs[i].ingress);
        sset_add(&ctx->sf_ports, ctx->snap->port_pairs[i].egress);
    }
}

/* Flows by (table, priority descending, match), groups by id, ports by
 * (bridge, name), bridges by name: the output order is the same whatever
 * order the features rendered in. */
static void sort_desired(struct fs_desired *d)
{
    if (d->n_flows) {
        qsort(d->flows, d->n_flows, sizeof *d->flows, compare_flows);
    }
    if (d->n_groups) {
        qsort(d->groups, d->n_groups, sizeof *d->groups, compare_groups);
    }
    if (d->n_ports) {
        qsort(d->ports, d->n_ports, sizeof *d->ports, compare_ports);
    }
    if (d->n_bridges) {
        qsort(d->bridges, d->n_bridges, sizeof *d->bridges, compare_bridges);
    }
}

struct fs_desired *fs_render(const struct fs_snapshot *snap,
                             const struct fs_render_node *node,
                             const struct fs_local_facts *facts)
{
    struct fs_desired *d = xzalloc(sizeof *d);
    d->revision = snap->revision;
    d->facts_generation = facts->generation;
    struct render_ctx ctx = {.snap = snap,
                             .node = node->name,
                             .render_node = node,
                             .facts = facts,
                             .out = d};
    shash_init(&ctx.net_keys);
    sset_init(&ctx.sf_ports);
    sset_init(&ctx.flow_keys);
    sset_init(&ctx.port_names);
    shash_init(&ctx.uplinks);
    simap_init(&ctx.patch_ofports);

    assign_net_keys(&ctx);
    collect_sf_ports(&ctx);
    render_provider(&ctx); /* First: the uplinks l2.c floods to. */
    render_portsec(&ctx);
    render_l2(&ctx);
    render_sfc(&ctx);
    sort_desired(d);

    shash_destroy_free_data(&ctx.net_keys);
    sset_destroy(&ctx.sf_ports);
    sset_destroy(&ctx.flow_keys);
    sset_destroy(&ctx.port_names);
    shash_destroy_free_data(&ctx.uplinks);
    simap_destroy(&ctx.patch_ofports);
    return d;
}

void fs_desired_destroy(struct fs_desired *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->n_flows; i++) {
        free(d->flows[i].match);
        free(d->flows[i].actions);
    }
    for (size_t i = 0; i < d->n_groups; i++) {
        free(d->groups[i].spec);
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        fs_ovsdb_port_destroy(d->ports[i]);
    }
    for (size_t i = 0; i < d->n_bridges; i++) {
        fs_ovsdb_bridge_destroy(d->bridges[i]);
    }
    free(d->flows);
    free(d->groups);
    free(d->ports);
    free(d->bridges);
    fs_errors_destroy(&d->notes);
    free(d);
}

char *fs_flow_to_string(const struct fs_flow *f)
{
    return xasprintf("table=%u,priority=%u,cookie=0x%" PRIx64 "%s%s,"
                     "actions=%s",
                     f->table_id, f->priority, f->cookie, *f->match ? "," : "",
                     f->match, f->actions);
}

char *fs_group_to_string(const struct fs_group *g)
{
    return xasprintf("group_id=%" PRIu32 ",%s", g->group_id, g->spec);
}

void fs_ovsdb_port_destroy(struct fs_ovsdb_port *p)
{
    if (!p) {
        return;
    }
    free(p->bridge);
    free(p->name);
    free(p->type);
    smap_destroy(&p->options);
    smap_destroy(&p->external_ids);
    free(p->key);
    free(p->path);
    free(p);
}

void fs_ovsdb_bridge_destroy(struct fs_ovsdb_bridge *b)
{
    if (!b) {
        return;
    }
    free(b->name);
    free(b->datapath_type);
    free(b->fail_mode);
    sset_destroy(&b->protocols);
    sset_destroy(&b->controllers);
    smap_destroy(&b->external_ids);
    free(b->key);
    free(b->path);
    free(b);
}

void fs_local_facts_init(struct fs_local_facts *f)
{
    f->generation = 0;
    simap_init(&f->ofports);
    simap_init(&f->owned_ofports);
    sset_init(&f->bridges);
}

void fs_local_facts_destroy(struct fs_local_facts *f)
{
    simap_destroy(&f->ofports);
    simap_destroy(&f->owned_ofports);
    sset_destroy(&f->bridges);
}

static void simap_copy(struct simap *dst, const struct simap *src)
{
    simap_clear(dst);
    struct simap_node *node;
    SIMAP_FOR_EACH(node, src)
    {
        simap_put(dst, node->name, node->data);
    }
}

void fs_local_facts_clone(struct fs_local_facts *dst,
                          const struct fs_local_facts *src)
{
    dst->generation = src->generation;
    simap_copy(&dst->ofports, &src->ofports);
    simap_copy(&dst->owned_ofports, &src->owned_ofports);
    sset_clear(&dst->bridges);
    const char *name;
    SSET_FOR_EACH(name, &src->bridges)
    {
        sset_add(&dst->bridges, name);
    }
}

bool fs_local_facts_equal(const struct fs_local_facts *a,
                          const struct fs_local_facts *b)
{
    return simap_equal(&a->ofports, &b->ofports) &&
           simap_equal(&a->owned_ofports, &b->owned_ofports) &&
           sset_equals(&a->bridges, &b->bridges);
}

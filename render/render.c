/* fs_render(): see render/render.h.  This file holds the entry point (every
 * render unit in order, then the first claimant of each flow wins), the
 * desired set's sorting, copies and text forms, and the local facts
 * helpers; the pipeline itself is one file per feature (render/pipeline.h):
 * provider.c, portsec.c, l2.c and sfc.c, split into units by
 * render/units.c. */
#include "render/render.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "render/internal.h"
#include "util.h"

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

static int compare_groups(const void *a_, const void *b_)
{
    const struct fs_group *a = a_, *b = b_;
    return a->group_id < b->group_id ? -1 : a->group_id > b->group_id;
}

static int compare_notes(const void *a_, const void *b_)
{
    const struct fs_error *a = a_, *b = b_;
    int c = strcmp(a->key, b->key);
    c = c ? c : strcmp(a->path, b->path);
    return c ? c : strcmp(a->message, b->message);
}

/* Flows by (table, priority descending, match), groups by id, ports by
 * (bridge, name), bridges by name, notes by (key, path, message): the
 * output order is the same whatever order the units rendered in. */
void render_sort_desired(struct fs_desired *d)
{
    if (d->n_flows) {
        qsort(d->flows, d->n_flows, sizeof *d->flows, fs_flow_compare);
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
    if (d->notes.n) {
        qsort(d->notes.items, d->notes.n, sizeof *d->notes.items,
              compare_notes);
    }
}

/* Moves the flows of 'out' that win (the first claim of each table,
 * priority and match) to 'd', and notes the others. */
static void take_flows(struct fs_desired *d, struct render_out *out)
{
    struct hmap seen = HMAP_INITIALIZER(&seen);
    struct hmap_node *nodes = xmalloc((out->n_flows + 1) * sizeof *nodes);
    d->flows = xcalloc(out->n_flows + 1, sizeof *d->flows);
    for (size_t i = 0; i < out->n_flows; i++) {
        struct render_claim *c = &out->flows[i];
        uint32_t hash = fs_flow_key_hash(&c->flow);
        bool dup = false;
        for (struct hmap_node *n = hmap_first_with_hash(&seen, hash); n && !dup;
             n = hmap_next_with_hash(n)) {
            dup = fs_flow_key_equal(&d->flows[n - nodes], &c->flow);
        }
        if (!dup) {
            hmap_insert(&seen, &nodes[d->n_flows], hash);
            d->flows[d->n_flows++] = c->flow;
            continue;
        }
        if (!c->quiet) {
            render_dup_note(&d->notes, c);
        }
        fs_flow_destroy(&c->flow);
    }
    d->allocated_flows = out->n_flows + 1;
    out->n_flows = 0;
    hmap_destroy(&seen);
    free(nodes);
}

/* Moves the groups of 'out' to 'd', the first of each id. */
static void take_groups(struct fs_desired *d, struct render_out *out)
{
    struct sset seen = SSET_INITIALIZER(&seen);
    d->groups = xcalloc(out->n_groups + 1, sizeof *d->groups);
    for (size_t i = 0; i < out->n_groups; i++) {
        char id[16];
        snprintf(id, sizeof id, "%" PRIu32, out->groups[i].group_id);
        if (sset_add(&seen, id)) {
            d->groups[d->n_groups++] = out->groups[i];
        } else {
            free(out->groups[i].spec);
        }
    }
    d->allocated_groups = out->n_groups + 1;
    out->n_groups = 0;
    sset_destroy(&seen);
}

/* Moves the rows, notes and waiting count of 'out' to 'd'. */
static void take_rest(struct fs_desired *d, struct render_out *out)
{
    d->ports = out->ports;
    d->n_ports = out->n_ports;
    d->allocated_ports = out->allocated_ports;
    d->bridges = out->bridges;
    d->n_bridges = out->n_bridges;
    d->allocated_bridges = out->allocated_bridges;
    out->ports = NULL;
    out->bridges = NULL;
    out->n_ports = out->n_bridges = 0;
    d->n_waiting = out->n_waiting;
    fs_errors_extend(&d->notes, &out->notes);
}

struct fs_desired *fs_render(const struct fs_snapshot *snap,
                             const struct fs_render_node *node,
                             const struct fs_local_facts *facts)
{
    struct render_world w;
    struct render_out out;
    render_world_init(&w, snap, node, facts, 0);
    render_out_init(&out);
    render_unit(&w, RENDER_UNIT_NODE, "", &out, NULL);
    for (size_t i = 0; i < snap->n_ports; i++) {
        render_unit(&w, RENDER_UNIT_PORT, snap->ports[i].meta.id, &out, NULL);
    }
    for (size_t i = 0; i < snap->n_networks; i++) {
        render_unit(&w, RENDER_UNIT_NETWORK, snap->networks[i].meta.id, &out,
                    NULL);
    }
    for (size_t i = 0; i < snap->n_port_chains; i++) {
        render_unit(&w, RENDER_UNIT_CHAIN, snap->port_chains[i].meta.id, &out,
                    NULL);
    }
    for (size_t i = 0; i < snap->n_routers; i++) {
        render_unit(&w, RENDER_UNIT_ROUTER, snap->routers[i].meta.id, &out,
                    NULL);
    }

    struct fs_desired *d = xzalloc(sizeof *d);
    d->revision = snap->revision;
    d->facts_generation = facts->generation;
    take_flows(d, &out);
    take_groups(d, &out);
    take_rest(d, &out);
    render_sort_desired(d);
    render_out_destroy(&out);
    render_world_destroy(&w);
    return d;
}

void fs_desired_destroy(struct fs_desired *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->n_flows; i++) {
        fs_flow_destroy(&d->flows[i]);
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

char *fs_group_to_string(const struct fs_group *g)
{
    return xasprintf("group_id=%" PRIu32 ",%s", g->group_id, g->spec);
}

struct fs_ovsdb_port *render_port_clone(const struct fs_ovsdb_port *p)
{
    struct fs_ovsdb_port *c = xmalloc(sizeof *c);
    *c = (struct fs_ovsdb_port){.bridge = xstrdup(p->bridge),
                                .name = xstrdup(p->name),
                                .type = xstrdup(p->type),
                                .key = xstrdup(p->key),
                                .path = xstrdup(p->path)};
    smap_clone(&c->options, &p->options);
    smap_clone(&c->external_ids, &p->external_ids);
    return c;
}

struct fs_ovsdb_bridge *render_bridge_clone(const struct fs_ovsdb_bridge *b)
{
    struct fs_ovsdb_bridge *c = xmalloc(sizeof *c);
    *c = (struct fs_ovsdb_bridge){.name = xstrdup(b->name),
                                  .datapath_type = xstrdup(b->datapath_type),
                                  .fail_mode = xstrdup(b->fail_mode),
                                  .key = xstrdup(b->key),
                                  .path = xstrdup(b->path)};
    sset_clone(&c->protocols, &b->protocols);
    sset_clone(&c->controllers, &b->controllers);
    smap_clone(&c->external_ids, &b->external_ids);
    return c;
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
    f->datapath_type = xstrdup("");
    f->ssl = false;
}

void fs_local_facts_destroy(struct fs_local_facts *f)
{
    simap_destroy(&f->ofports);
    simap_destroy(&f->owned_ofports);
    sset_destroy(&f->bridges);
    free(f->datapath_type);
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
    free(dst->datapath_type);
    dst->datapath_type = xstrdup(src->datapath_type);
    dst->ssl = src->ssl;
}

bool fs_local_facts_equal(const struct fs_local_facts *a,
                          const struct fs_local_facts *b)
{
    return simap_equal(&a->ofports, &b->ofports) &&
           simap_equal(&a->owned_ofports, &b->owned_ofports) &&
           sset_equals(&a->bridges, &b->bridges) &&
           !strcmp(a->datapath_type, b->datapath_type) && a->ssl == b->ssl;
}

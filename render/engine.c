/* TEMPORARY stand-in (replaced by the incremental engine): a full render
 * per run, diffed by (table, priority, match) text with the last one. */
#include "render/engine.h"

#include <string.h>

#include "hash.h"
#include "openvswitch/shash.h"
#include "util.h"

struct fs_render_engine {
    struct fs_desired *last;
};

struct fs_render_engine *fs_render_engine_create(void)
{
    return xzalloc(sizeof(struct fs_render_engine));
}

void fs_render_engine_destroy(struct fs_render_engine *e)
{
    if (e) {
        fs_desired_destroy(e->last);
        free(e);
    }
}

void fs_render_engine_reset(struct fs_render_engine *e)
{
    fs_desired_destroy(e->last);
    e->last = NULL;
}

static char *key_of(const struct fs_flow *f)
{
    return xasprintf("%u/%u/%s", f->table_id, f->priority, f->match);
}

static struct fs_flow copy_flow(const struct fs_flow *f, bool with_actions)
{
    return (struct fs_flow){f->table_id, f->priority,
                            with_actions ? f->cookie : 0, xstrdup(f->match),
                            with_actions ? xstrdup(f->actions) : NULL};
}

struct fs_desired_delta *
fs_render_engine_run(struct fs_render_engine *e, const struct fs_snapshot *snap,
                     const struct fs_render_node *node,
                     const struct fs_local_facts *facts)
{
    struct fs_desired *d = fs_render(snap, node, facts);
    struct fs_desired_delta *dl = xzalloc(sizeof *dl);
    dl->revision = d->revision;
    dl->facts_generation = d->facts_generation;
    dl->full = !e->last;
    dl->add_flows = xcalloc(d->n_flows + 1, sizeof *dl->add_flows);
    dl->add_groups = xcalloc(d->n_groups + 1, sizeof *dl->add_groups);
    struct shash old = SHASH_INITIALIZER(&old);
    if (e->last) {
        for (size_t i = 0; i < e->last->n_flows; i++) {
            shash_add_nocopy(&old, key_of(&e->last->flows[i]),
                             &e->last->flows[i]);
        }
        dl->remove_flows =
            xcalloc(e->last->n_flows + 1, sizeof(struct fs_flow));
        dl->remove_groups = xcalloc(e->last->n_groups + 1, sizeof(uint32_t));
    }
    for (size_t i = 0; i < d->n_flows; i++) {
        const struct fs_flow *f = &d->flows[i];
        char *k = key_of(f);
        const struct fs_flow *o = shash_find_and_delete(&old, k);
        free(k);
        if (!o || o->cookie != f->cookie || strcmp(o->actions, f->actions)) {
            dl->add_flows[dl->n_add_flows++] = copy_flow(f, true);
        }
    }
    struct shash_node *n;
    SHASH_FOR_EACH(n, &old)
    {
        dl->remove_flows[dl->n_remove_flows++] = copy_flow(n->data, false);
    }
    shash_destroy(&old);
    for (size_t i = 0; i < d->n_groups; i++) {
        const struct fs_group *g = &d->groups[i];
        bool same = false, found = false;
        for (size_t j = 0; e->last && j < e->last->n_groups; j++) {
            if (e->last->groups[j].group_id == g->group_id) {
                found = true;
                same = !strcmp(e->last->groups[j].spec, g->spec);
            }
        }
        (void)found;
        if (!same) {
            dl->add_groups[dl->n_add_groups++] =
                (struct fs_group){g->group_id, xstrdup(g->spec)};
        }
    }
    for (size_t j = 0; e->last && j < e->last->n_groups; j++) {
        bool found = false;
        for (size_t i = 0; i < d->n_groups; i++) {
            found |= d->groups[i].group_id == e->last->groups[j].group_id;
        }
        if (!found) {
            dl->remove_groups[dl->n_remove_groups++] =
                e->last->groups[j].group_id;
        }
    }
    dl->n_flows = d->n_flows;
    dl->n_groups = d->n_groups;
    dl->ports = d->ports;
    dl->n_ports = d->n_ports;
    dl->bridges = d->bridges;
    dl->n_bridges = d->n_bridges;
    dl->n_waiting = d->n_waiting;
    fs_errors_extend(&dl->notes, &d->notes);
    d->ports = NULL;
    d->n_ports = 0;
    d->bridges = NULL;
    d->n_bridges = 0;
    fs_desired_destroy(e->last);
    e->last = d;
    return dl;
}

void fs_desired_delta_destroy(struct fs_desired_delta *dl)
{
    if (!dl) {
        return;
    }
    for (size_t i = 0; i < dl->n_add_flows; i++) {
        free(dl->add_flows[i].match);
        free(dl->add_flows[i].actions);
    }
    for (size_t i = 0; i < dl->n_remove_flows; i++) {
        free(dl->remove_flows[i].match);
    }
    for (size_t i = 0; i < dl->n_add_groups; i++) {
        free(dl->add_groups[i].spec);
    }
    for (size_t i = 0; i < dl->n_ports; i++) {
        fs_ovsdb_port_destroy(dl->ports[i]);
    }
    for (size_t i = 0; i < dl->n_bridges; i++) {
        fs_ovsdb_bridge_destroy(dl->bridges[i]);
    }
    free(dl->add_flows);
    free(dl->remove_flows);
    free(dl->add_groups);
    free(dl->remove_groups);
    free(dl->ports);
    free(dl->bridges);
    fs_errors_destroy(&dl->notes);
    free(dl);
}

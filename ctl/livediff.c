/* flowsteerctl plan's pure parts: made-up facts and the flow and group
 * changes between a desired set and what the switch holds.  See
 * ctl/node.h. */
#include "ctl/node.h"

#include <string.h>

#include "openvswitch/ofp-actions.h"
#include "reconciler/ovs/flowtable.h"
#include "render/engine.h"
#include "util.h"

void ctl_fake_facts(const struct fs_snapshot *s, const char *node,
                    const char *bridge, const struct fs_desired *rows,
                    struct fs_local_facts *facts, struct ds *legend)
{
    int ofport = 1;
    for (size_t i = 0; i < s->n_ports; i++) {
        const struct fs_port *p = &s->ports[i];
        if (p->host_id && !strcmp(p->host_id, node) && !p->remote &&
            !simap_contains(&facts->ofports, p->meta.id)) {
            simap_put(&facts->ofports, p->meta.id, ofport);
            ds_put_format(legend, "ofport %d = port %s", ofport++, p->meta.id);
            if (p->meta.name && p->meta.name[0]) {
                ds_put_format(legend, " (%s)", p->meta.name);
            }
            ds_put_char(legend, '\n');
        }
    }
    sset_add(&facts->bridges, bridge);
    for (size_t i = 0; rows && i < rows->n_bridges; i++) {
        sset_add(&facts->bridges, rows->bridges[i]->name);
    }
    for (size_t i = 0; rows && i < rows->n_ports; i++) {
        const struct fs_ovsdb_port *p = rows->ports[i];
        if (!strcmp(p->bridge, bridge) &&
            !simap_contains(&facts->owned_ofports, p->name)) {
            simap_put(&facts->owned_ofports, p->name, ofport);
            ds_put_format(legend, "ofport %d = %s port %s\n", ofport++, p->type,
                          p->name);
        }
    }
}

char *ctl_ft_desire(struct fs_flowtable *ft, const struct fs_desired *d)
{
    struct fs_desired_delta delta = {
        .revision = d->revision,
        .full = true,
        .add_flows = d->flows,
        .n_add_flows = d->n_flows,
        .add_groups = d->groups,
        .n_add_groups = d->n_groups,
        .n_flows = d->n_flows,
        .n_groups = d->n_groups,
    };
    return fs_flowtable_apply_delta(ft, &delta);
}

static void add_op(struct ctl_ops *ops, enum ctl_op op, int table,
                   int64_t priority, const char *key, char *text)
{
    if (ops->n >= ops->allocated) {
        ops->items =
            x2nrealloc(ops->items, &ops->allocated, sizeof *ops->items);
    }
    ops->items[ops->n++] = (struct ctl_op_line){op, table, priority,
                                                xstrdup(key ? key : ""), text};
}

/* The render/ flow at 'e''s key, by binary search of d->flows (sorted by
 * fs_flow_compare()). */
static const struct fs_flow *desired_flow(const struct fs_desired *d,
                                          const struct fs_ft_entry *e)
{
    struct fs_flow key = {
        .table_id = e->table_id, .priority = e->priority, .match = e->match};
    return d->n_flows ? bsearch(&key, d->flows, d->n_flows, sizeof *d->flows,
                                fs_flow_compare)
                      : NULL;
}

/* "table=T,priority=P,cookie=C,MATCH,actions=A" of what the switch holds
 * at 'e'. */
static char *installed_text(const struct fs_ft_entry *e)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "table=%d,", e->table_id);
    minimatch_format(&e->match, NULL, NULL, &s, e->priority);
    ds_put_format(&s, ",cookie=0x%" PRIx64 ",actions=", e->inst_cookie);
    struct ofpact_format_params fp = {.s = &s};
    ofpacts_format(e->inst_ofpacts, e->inst_ofpacts_len, &fp);
    return ds_steal_cstr(&s);
}

static char *desired_text(const struct fs_desired *d,
                          const struct fs_ft_entry *e)
{
    const struct fs_flow *f = desired_flow(d, e);
    if (f) {
        return fs_flow_to_string(f);
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "table=%d,", e->table_id);
    minimatch_format(&e->match, NULL, NULL, &s, e->priority);
    return ds_steal_cstr(&s);
}

static void entry_op(const struct fs_ft_entry *e, const struct fs_desired *d,
                     struct ctl_ops *ops)
{
    char *key = minimatch_to_string(&e->match, NULL, OFP_DEFAULT_PRIORITY);
    if (e->desired && e->foreign) {
        char *t = desired_text(d, e);
        add_op(ops, CTL_OP_CONFLICT, e->table_id, e->priority, key,
               xasprintf("! %s (held by a flow with cookie 0x%" PRIx64 ")", t,
                         e->foreign_cookie));
        free(t);
    } else if (e->desired && e->installed != FS_FT_SYNCED) {
        char *t = desired_text(d, e);
        char *old = e->installed == FS_FT_OTHER ? installed_text(e) : NULL;
        add_op(ops, old ? CTL_OP_MODIFY : CTL_OP_ADD, e->table_id, e->priority,
               key,
               old ? xasprintf("~ %s\n    was: %s", t, old)
                   : xasprintf("+ %s", t));
        ops->n_flow_mods++;
        free(old);
        free(t);
    } else if (!e->desired && e->installed != FS_FT_NONE) {
        char *old = installed_text(e);
        add_op(ops, CTL_OP_DELETE, e->table_id, e->priority, key,
               xasprintf("- %s", old));
        ops->n_flow_mods++;
        free(old);
    }
    free(key);
}

static void group_ops(const struct fs_flowtable *ft, struct ctl_ops *ops)
{
    const struct fs_groups_entry *g;
    HMAP_FOR_EACH(g, node, &ft->groups_desired.groups)
    {
        const struct fs_groups_entry *old = NULL, *i;
        HMAP_FOR_EACH_WITH_HASH(i, node, g->node.hash,
                                &ft->groups_installed.groups)
        {
            old = i->group_id == g->group_id ? i : old;
        }
        if (!old || strcmp(old->canon, g->canon)) {
            add_op(
                ops, old ? CTL_OP_MODIFY : CTL_OP_ADD, -1, g->group_id, NULL,
                old ? xasprintf("~ group %s\n    was: %s", g->text, old->canon)
                    : xasprintf("+ group %s", g->text));
            ops->n_group_mods++;
        }
    }
    HMAP_FOR_EACH(g, node, &ft->groups_installed.groups)
    {
        bool kept = false;
        const struct fs_groups_entry *i;
        HMAP_FOR_EACH_WITH_HASH(i, node, g->node.hash,
                                &ft->groups_desired.groups)
        {
            kept |= i->group_id == g->group_id;
        }
        if (!kept) {
            add_op(ops, CTL_OP_DELETE, -1, g->group_id, NULL,
                   xasprintf("- group %s", g->canon));
            ops->n_group_mods++;
        }
    }
}

static int compare_ops(const void *a_, const void *b_)
{
    const struct ctl_op_line *a = a_, *b = b_;
    /* Flows (table >= 0) first, groups (-1) last. */
    int ta = a->table < 0 ? 1000 : a->table,
        tb = b->table < 0 ? 1000 : b->table;
    if (ta != tb) {
        return ta < tb ? -1 : 1;
    }
    if (a->priority != b->priority) {
        return (a->table < 0) == (a->priority < b->priority) ? -1 : 1;
    }
    return strcmp(a->key, b->key);
}

void ctl_ops_build(const struct fs_flowtable *ft, const struct fs_desired *d,
                   struct ctl_ops *ops)
{
    const struct fs_ft_entry *e;
    HMAP_FOR_EACH(e, key_node, &ft->by_key)
    {
        entry_op(e, d, ops);
    }
    group_ops(ft, ops);
    if (ops->n) {
        qsort(ops->items, ops->n, sizeof *ops->items, compare_ops);
    }
}

void ctl_ops_destroy(struct ctl_ops *ops)
{
    for (size_t i = 0; i < ops->n; i++) {
        free(ops->items[i].key);
        free(ops->items[i].text);
    }
    free(ops->items);
    *ops = (struct ctl_ops){0};
}

/* Flow and group sets and their difference: see reconciler/flowdiff.h. */
#include "reconciler/flowdiff.h"

#include <inttypes.h>
#include <string.h>

#include "bitmap.h"
#include "byte-order.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

#define PROTOCOL OFPUTIL_P_OF15_OXM

void fs_of_state_init(struct fs_of_state *st)
{
    hmap_init(&st->flows);
    hmap_init(&st->groups);
}

void fs_of_state_clear(struct fs_of_state *st)
{
    struct fs_of_flow *f;
    HMAP_FOR_EACH_POP(f, node, &st->flows)
    {
        minimatch_destroy(&f->match);
        free(f->actions);
        free(f->text);
        free(f);
    }
    struct fs_of_group *g;
    HMAP_FOR_EACH_POP(g, node, &st->groups)
    {
        free(g->canon);
        free(g->text);
        free(g);
    }
}

void fs_of_state_swap(struct fs_of_state *a, struct fs_of_state *b)
{
    hmap_swap(&a->flows, &b->flows);
    hmap_swap(&a->groups, &b->groups);
}

void fs_of_state_destroy(struct fs_of_state *st)
{
    fs_of_state_clear(st);
    hmap_destroy(&st->flows);
    hmap_destroy(&st->groups);
}

static uint32_t flow_hash(uint8_t table_id, uint16_t priority,
                          const struct minimatch *m)
{
    return minimatch_hash(m, hash_2words(table_id, priority));
}

static struct fs_of_flow *find_flow(const struct fs_of_state *st,
                                    uint8_t table_id, uint16_t priority,
                                    const struct minimatch *m)
{
    struct fs_of_flow *f;
    HMAP_FOR_EACH_WITH_HASH(f, node, flow_hash(table_id, priority, m),
                            &st->flows)
    {
        if (f->table_id == table_id && f->priority == priority &&
            minimatch_equal(&f->match, m)) {
            return f;
        }
    }
    return NULL;
}

static char *actions_text(const struct ofpact *ofpacts, size_t len)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params fp = {.s = &s};
    ofpacts_format(ofpacts, len, &fp);
    return ds_steal_cstr(&s);
}

static void add_flow(struct fs_of_state *st, uint8_t table_id,
                     uint16_t priority, const struct match *match,
                     uint64_t cookie, const struct ofpact *a, size_t a_len,
                     char *text)
{
    struct fs_of_flow *f = xzalloc(sizeof *f);
    f->table_id = table_id;
    f->priority = priority;
    minimatch_init(&f->match, match);
    f->cookie = cookie;
    f->actions = actions_text(a, a_len);
    f->text = text;
    hmap_insert(&st->flows, &f->node, flow_hash(table_id, priority, &f->match));
}

void fs_of_state_add_flow_stats(struct fs_of_state *st,
                                const struct ofputil_flow_stats *fs)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    match_format(&fs->match, NULL, &s, fs->priority);
    add_flow(st, fs->table_id, fs->priority, &fs->match, ntohll(fs->cookie),
             fs->ofpacts, fs->ofpacts_len, ds_steal_cstr(&s));
}

/* Canonical text of a group, the same whether it was parsed or dumped. */
static char *group_canon(uint8_t type, uint32_t group_id,
                         const struct ovs_list *buckets,
                         const struct ofputil_group_props *props)
{
    struct ofputil_group_mod gm = {
        .command = OFPGC15_ADD,
        .type = type,
        .group_id = group_id,
        .command_bucket_id = OFPG15_BUCKET_ALL,
    };
    ovs_list_init(&gm.buckets);
    ofputil_bucket_clone_list(&gm.buckets, buckets, NULL);
    ofputil_group_properties_copy(&gm.props, props);
    struct ds s = DS_EMPTY_INITIALIZER;
    ofputil_group_mod_format__(&s, OFP15_VERSION, &gm, NULL, NULL);
    ofputil_uninit_group_mod(&gm);
    return ds_steal_cstr(&s);
}

static void add_group(struct fs_of_state *st, uint32_t group_id, char *canon,
                      char *text)
{
    struct fs_of_group *g = xzalloc(sizeof *g);
    g->group_id = group_id;
    g->canon = canon;
    g->text = text;
    hmap_insert(&st->groups, &g->node, hash_int(group_id, 0));
}

void fs_of_state_add_group_desc(struct fs_of_state *st,
                                const struct ofputil_group_desc *gd)
{
    add_group(st, gd->group_id,
              group_canon(gd->type, gd->group_id, &gd->buckets, &gd->props),
              NULL);
}

static struct fs_of_group *find_group(const struct fs_of_state *st,
                                      uint32_t group_id)
{
    struct fs_of_group *g;
    HMAP_FOR_EACH_WITH_HASH(g, node, hash_int(group_id, 0), &st->groups)
    {
        if (g->group_id == group_id) {
            return g;
        }
    }
    return NULL;
}

static char *add_desired_flow(struct fs_of_state *st,
                              const struct fs_flow *flow)
{
    char *text = fs_flow_to_string(flow);
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error =
        parse_ofp_flow_mod_str(&fm, text, NULL, NULL, OFPFC_ADD, &usable);
    if (error) {
        char *msg = xasprintf("flow \"%s\": %s", text, error);
        free(error);
        free(text);
        return msg;
    }
    struct match match;
    minimatch_expand(&fm.match, &match);
    add_flow(st, fm.table_id, fm.priority, &match, ntohll(fm.new_cookie),
             fm.ofpacts, fm.ofpacts_len, text);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    return NULL;
}

char *fs_of_state_add_desired_group(struct fs_of_state *st,
                                    const struct fs_group *group)
{
    char *text = fs_group_to_string(group);
    struct ofputil_group_mod gm;
    enum ofputil_protocol usable;
    char *error =
        parse_ofp_group_mod_str(&gm, OFPGC15_ADD, text, NULL, NULL, &usable);
    if (error) {
        char *msg = xasprintf("group \"%s\": %s", text, error);
        free(error);
        free(text);
        return msg;
    }
    add_group(st, gm.group_id,
              group_canon(gm.type, gm.group_id, &gm.buckets, &gm.props), text);
    ofputil_uninit_group_mod(&gm);
    return NULL;
}

char *fs_of_state_from_desired(struct fs_of_state *st,
                               const struct fs_desired *d)
{
    char *first = NULL;
    fs_of_state_clear(st);
    for (size_t i = 0; i < d->n_groups; i++) {
        char *error = fs_of_state_add_desired_group(st, &d->groups[i]);
        if (error && !first) {
            first = error;
        } else {
            free(error);
        }
    }
    for (size_t i = 0; i < d->n_flows; i++) {
        char *error = add_desired_flow(st, &d->flows[i]);
        if (error && !first) {
            first = error;
        } else {
            free(error);
        }
    }
    return first;
}

void fs_of_state_remove_flow(struct fs_of_state *st, uint8_t table_id,
                             uint16_t priority, const struct minimatch *m)
{
    struct fs_of_flow *f = find_flow(st, table_id, priority, m);
    if (f) {
        hmap_remove(&st->flows, &f->node);
        minimatch_destroy(&f->match);
        free(f->actions);
        free(f->text);
        free(f);
    }
}

void fs_of_state_remove_group(struct fs_of_state *st, uint32_t group_id)
{
    struct fs_of_group *g = find_group(st, group_id);
    if (g) {
        hmap_remove(&st->groups, &g->node);
        free(g->canon);
        free(g->text);
        free(g);
    }
}

size_t fs_of_new_flow_tables(const struct fs_of_state *installed,
                             const struct fs_of_state *desired,
                             unsigned long *tables)
{
    size_t n = 0;
    memset(tables, 0, bitmap_n_bytes(256));
    const struct fs_of_flow *f;
    HMAP_FOR_EACH(f, node, &desired->flows)
    {
        if (!find_flow(installed, f->table_id, f->priority, &f->match)) {
            bitmap_set1(tables, f->table_id);
            n++;
        }
    }
    return n;
}

/* Encoding the change set. */

/* Pushes 'f' as an add, or as a modify_strict of the flow of ours with its
 * table, priority and match (cookie FS_COOKIE_BASE under FS_COOKIE_MASK: a
 * modify never touches another owner's flow, and never adds one). */
static void push_flow_mod(struct fs_of_changes *ch, const struct fs_of_flow *f,
                          int command)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error =
        parse_ofp_flow_mod_str(&fm, f->text, NULL, NULL, OFPFC_ADD, &usable);
    ovs_assert(!error); /* It parsed when the desired state was built. */
    if (command == OFPFC_MODIFY_STRICT) {
        /* OpenFlow 1.2+ cannot change a cookie with a modify: the cookie
         * matches, the flow keeps it (fs_of_diff() checked it is the
         * same). */
        fm.command = OFPFC_MODIFY_STRICT;
        fm.cookie = htonll(FS_COOKIE_BASE);
        fm.cookie_mask = htonll(FS_COOKIE_MASK);
        fm.new_cookie = OVS_BE64_MAX;
    }
    ovs_list_push_back(&ch->msgs,
                       &ofputil_encode_flow_mod(&fm, PROTOCOL)->list_node);
    minimatch_destroy(&fm.match);
    free(fm.ofpacts);
    ch->flow_mods++;
}

static void push_flow_delete(struct fs_of_changes *ch,
                             const struct fs_of_flow *f)
{
    struct ofputil_flow_mod fm = {
        .match = f->match,
        .priority = f->priority,
        .cookie = htonll(FS_COOKIE_BASE),
        .cookie_mask = htonll(FS_COOKIE_MASK),
        .new_cookie = OVS_BE64_MAX,
        .table_id = f->table_id,
        .command = OFPFC_DELETE_STRICT,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
    };
    ovs_list_push_back(&ch->msgs,
                       &ofputil_encode_flow_mod(&fm, PROTOCOL)->list_node);
    ch->flow_mods++;
}

/* "flow table=T,priority=P,MATCH": a flow's key as status names it. */
static char *flow_key(const struct fs_of_flow *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "flow table=%" PRIu8 ",priority=%" PRIu16, f->table_id,
                  f->priority);
    struct match match;
    minimatch_expand(&f->match, &match);
    struct ds m = DS_EMPTY_INITIALIZER;
    match_format(&match, NULL, &m, OFP_DEFAULT_PRIORITY);
    if (m.length) {
        ds_put_format(&s, ",%s", ds_cstr(&m));
    }
    ds_destroy(&m);
    return ds_steal_cstr(&s);
}

static void add_conflict(struct fs_of_changes *ch, const struct fs_of_flow *f,
                         const struct fs_of_flow *foreign)
{
    ch->conflicts =
        xrealloc(ch->conflicts, (ch->n_conflicts + 1) * sizeof *ch->conflicts);
    struct fs_of_conflict *c = &ch->conflicts[ch->n_conflicts++];
    c->table_id = f->table_id;
    c->priority = f->priority;
    minimatch_clone(&c->match, &f->match);
    c->foreign_cookie = foreign->cookie;
    c->key = flow_key(f);
}

static void push_group(struct ovs_list *msgs, size_t *n,
                       const struct fs_of_group *g, int command)
{
    struct ofputil_group_mod gm;
    enum ofputil_protocol usable;
    if (command == OFPGC15_DELETE) {
        memset(&gm, 0, sizeof gm);
        gm.command = OFPGC15_DELETE;
        gm.group_id = g->group_id;
        gm.command_bucket_id = OFPG15_BUCKET_ALL;
        ovs_list_init(&gm.buckets);
    } else {
        char *error =
            parse_ofp_group_mod_str(&gm, command, g->text, NULL, NULL, &usable);
        ovs_assert(!error); /* It parsed when the desired state was built. */
    }
    ovs_list_push_back(
        msgs,
        &ofputil_encode_group_mod(OFP15_VERSION, &gm, NULL, -1)->list_node);
    ofputil_uninit_group_mod(&gm);
    (*n)++;
}

void fs_of_diff_groups(const struct fs_of_state *installed,
                       const struct fs_of_state *desired, struct ovs_list *adds,
                       struct ovs_list *deletes, size_t *n)
{
    const struct fs_of_group *g;
    HMAP_FOR_EACH(g, node, &desired->groups)
    {
        const struct fs_of_group *old = find_group(installed, g->group_id);
        if (!old) {
            push_group(adds, n, g, OFPGC15_ADD);
        } else if (strcmp(old->canon, g->canon)) {
            push_group(adds, n, g, OFPGC15_MODIFY);
        }
    }
    HMAP_FOR_EACH(g, node, &installed->groups)
    {
        if (!find_group(desired, g->group_id)) {
            push_group(deletes, n, g, OFPGC15_DELETE);
        }
    }
}

void fs_of_diff(const struct fs_of_state *installed,
                const struct fs_of_state *desired,
                const struct fs_of_state *foreign, struct fs_of_changes *ch)
{
    ovs_list_init(&ch->msgs);
    ch->flow_mods = ch->group_mods = 0;
    ch->conflicts = NULL;
    ch->n_conflicts = 0;

    struct ovs_list group_deletes = OVS_LIST_INITIALIZER(&group_deletes);
    fs_of_diff_groups(installed, desired, &ch->msgs, &group_deletes,
                      &ch->group_mods);
    const struct fs_of_flow *f;
    HMAP_FOR_EACH(f, node, &desired->flows)
    {
        const struct fs_of_flow *old =
            find_flow(installed, f->table_id, f->priority, &f->match);
        const struct fs_of_flow *other =
            old || !foreign
                ? NULL
                : find_flow(foreign, f->table_id, f->priority, &f->match);
        if (other) {
            add_conflict(ch, f, other);
        } else if (!old) {
            push_flow_mod(ch, f, OFPFC_ADD);
        } else if (old->cookie != f->cookie) {
            /* Ours, but a modify cannot change the cookie: replace it
             * within the bundle. */
            push_flow_delete(ch, old);
            push_flow_mod(ch, f, OFPFC_ADD);
        } else if (strcmp(old->actions, f->actions)) {
            push_flow_mod(ch, f, OFPFC_MODIFY_STRICT);
        }
    }
    HMAP_FOR_EACH(f, node, &installed->flows)
    {
        if (!find_flow(desired, f->table_id, f->priority, &f->match)) {
            push_flow_delete(ch, f);
        }
    }
    ovs_list_push_back_all(&ch->msgs, &group_deletes);
}

void fs_of_changes_destroy(struct fs_of_changes *ch)
{
    ofpbuf_list_delete(&ch->msgs);
    for (size_t i = 0; i < ch->n_conflicts; i++) {
        minimatch_destroy(&ch->conflicts[i].match);
        free(ch->conflicts[i].key);
    }
    free(ch->conflicts);
    ch->conflicts = NULL;
    ch->n_conflicts = 0;
}

/* Flow and group sets and their difference: see reconciler/flowdiff.h. */
#include "reconciler/flowdiff.h"

#include <string.h>

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

static char *add_desired_group(struct fs_of_state *st,
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
        char *error = add_desired_group(st, &d->groups[i]);
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

/* Encoding the change set. */

static void push_flow_add(struct fs_of_changes *ch, const struct fs_of_flow *f)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error =
        parse_ofp_flow_mod_str(&fm, f->text, NULL, NULL, OFPFC_ADD, &usable);
    ovs_assert(!error); /* It parsed when the desired state was built. */
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

static void push_group(struct fs_of_changes *ch, const struct fs_of_group *g,
                       int command)
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
        &ch->msgs,
        &ofputil_encode_group_mod(OFP15_VERSION, &gm, NULL, -1)->list_node);
    ofputil_uninit_group_mod(&gm);
    ch->group_mods++;
}

static bool flows_equal(const struct fs_of_flow *a, const struct fs_of_flow *b)
{
    return a->cookie == b->cookie && !strcmp(a->actions, b->actions);
}

void fs_of_diff(const struct fs_of_state *installed,
                const struct fs_of_state *desired, struct fs_of_changes *ch)
{
    ovs_list_init(&ch->msgs);
    ch->flow_mods = ch->group_mods = 0;

    const struct fs_of_group *g;
    HMAP_FOR_EACH(g, node, &desired->groups)
    {
        const struct fs_of_group *old = find_group(installed, g->group_id);
        if (!old) {
            push_group(ch, g, OFPGC15_ADD);
        } else if (strcmp(old->canon, g->canon)) {
            push_group(ch, g, OFPGC15_MODIFY);
        }
    }
    const struct fs_of_flow *f;
    HMAP_FOR_EACH(f, node, &desired->flows)
    {
        const struct fs_of_flow *old =
            find_flow(installed, f->table_id, f->priority, &f->match);
        if (!old || !flows_equal(old, f)) {
            push_flow_add(ch, f);
        }
    }
    HMAP_FOR_EACH(f, node, &installed->flows)
    {
        if (!find_flow(desired, f->table_id, f->priority, &f->match)) {
            push_flow_delete(ch, f);
        }
    }
    HMAP_FOR_EACH(g, node, &installed->groups)
    {
        if (!find_group(desired, g->group_id)) {
            push_group(ch, g, OFPGC15_DELETE);
        }
    }
}

void fs_of_changes_destroy(struct fs_of_changes *ch)
{
    ofpbuf_list_delete(&ch->msgs);
}

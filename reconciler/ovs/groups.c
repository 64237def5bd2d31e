/* Sets of OpenFlow groups and their difference: see reconciler/ovs/groups.h. */
#include "reconciler/ovs/groups.h"

#include <string.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

void fs_groups_init(struct fs_groups *gs)
{
    hmap_init(&gs->groups);
}

void fs_groups_clear(struct fs_groups *gs)
{
    struct fs_groups_entry *g;
    HMAP_FOR_EACH_POP(g, node, &gs->groups)
    {
        free(g->canon);
        free(g->text);
        free(g);
    }
}

void fs_groups_destroy(struct fs_groups *gs)
{
    fs_groups_clear(gs);
    hmap_destroy(&gs->groups);
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

static void add_group(struct fs_groups *gs, uint32_t group_id, char *canon,
                      char *text)
{
    struct fs_groups_entry *g = xzalloc(sizeof *g);
    g->group_id = group_id;
    g->canon = canon;
    g->text = text;
    hmap_insert(&gs->groups, &g->node, hash_int(group_id, 0));
}

static struct fs_groups_entry *find_group(const struct fs_groups *gs,
                                          uint32_t group_id)
{
    struct fs_groups_entry *g;
    HMAP_FOR_EACH_WITH_HASH(g, node, hash_int(group_id, 0), &gs->groups)
    {
        if (g->group_id == group_id) {
            return g;
        }
    }
    return NULL;
}

void fs_groups_copy_installed(struct fs_groups *dst,
                              const struct fs_groups *src)
{
    fs_groups_clear(dst);
    const struct fs_groups_entry *g;
    HMAP_FOR_EACH(g, node, &src->groups)
    {
        add_group(dst, g->group_id, xstrdup(g->canon), NULL);
    }
}

void fs_groups_add_desc(struct fs_groups *gs,
                        const struct ofputil_group_desc *gd)
{
    add_group(gs, gd->group_id,
              group_canon(gd->type, gd->group_id, &gd->buckets, &gd->props),
              NULL);
}

char *fs_groups_add_desired(struct fs_groups *gs, const struct fs_group *group)
{
    fs_groups_remove(gs, group->group_id);
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
    fs_groups_remove(gs, gm.group_id);
    add_group(gs, gm.group_id,
              group_canon(gm.type, gm.group_id, &gm.buckets, &gm.props), text);
    ofputil_uninit_group_mod(&gm);
    return NULL;
}

void fs_groups_remove(struct fs_groups *gs, uint32_t group_id)
{
    struct fs_groups_entry *g = find_group(gs, group_id);
    if (g) {
        hmap_remove(&gs->groups, &g->node);
        free(g->canon);
        free(g->text);
        free(g);
    }
}

static void push_group(struct ovs_list *msgs, size_t *n,
                       const struct fs_groups_entry *g, int command)
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
        ovs_assert(!error); /* It parsed when it became desired. */
    }
    ovs_list_push_back(
        msgs,
        &ofputil_encode_group_mod(OFP15_VERSION, &gm, NULL, -1)->list_node);
    ofputil_uninit_group_mod(&gm);
    (*n)++;
}

void fs_groups_diff(const struct fs_groups *installed,
                    const struct fs_groups *desired, struct ovs_list *adds,
                    struct ovs_list *deletes, size_t *n)
{
    const struct fs_groups_entry *g;
    HMAP_FOR_EACH(g, node, &desired->groups)
    {
        const struct fs_groups_entry *old = find_group(installed, g->group_id);
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

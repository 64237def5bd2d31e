/* The OVS thread's flow table: see reconciler/ovs/flowtable.h. */
#include "reconciler/ovs/flowtable.h"

#include <inttypes.h>
#include <string.h>

#include "byte-order.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "reconciler/ovs/ofbridge.h"
#include "render/pipeline.h"
#include "util.h"

#define PROTOCOL OFPUTIL_P_OF15_OXM
/* Conflicts listed in one status report at most (the count says the
 * rest). */
#define MAX_CONFLICTS_REPORTED 100

void fs_flowtable_init(struct fs_flowtable *ft)
{
    memset(ft, 0, sizeof *ft);
    hmap_init(&ft->by_key);
    ovs_list_init(&ft->dirty);
    ovs_list_init(&ft->conflicts);
    fs_groups_init(&ft->groups_desired);
    fs_groups_init(&ft->groups_installed);
}

static uint32_t key_hash(uint8_t table_id, uint16_t priority,
                         const struct minimatch *m)
{
    return minimatch_hash(m, hash_2words(table_id, priority));
}

static struct fs_ft_entry *find_key(const struct fs_flowtable *ft,
                                    uint8_t table_id, uint16_t priority,
                                    const struct minimatch *m)
{
    struct fs_ft_entry *e;
    HMAP_FOR_EACH_WITH_HASH(e, key_node, key_hash(table_id, priority, m),
                            &ft->by_key)
    {
        if (e->table_id == table_id && e->priority == priority &&
            minimatch_equal(&e->match, m)) {
            return e;
        }
    }
    return NULL;
}

static void mark_dirty(struct fs_flowtable *ft, struct fs_ft_entry *e)
{
    if (!e->dirty) {
        e->dirty = true;
        ovs_list_push_back(&ft->dirty, &e->dirty_node);
    }
}

static void set_conflict(struct fs_flowtable *ft, struct fs_ft_entry *e,
                         bool conflict)
{
    if (!conflict && e->refusal) {
        free(e->refusal);
        e->refusal = NULL;
        ft->n_refused--;
    }
    if (conflict && !e->conflict) {
        ovs_list_push_back(&ft->conflicts, &e->conflict_node);
        ft->n_conflicts++;
    } else if (!conflict && e->conflict) {
        ovs_list_remove(&e->conflict_node);
        ft->n_conflicts--;
    }
    e->conflict = conflict;
}

/* Sets the installed side; 'ofpacts' (owned, may be NULL for NONE and
 * SYNCED) replaces the entry's copy. */
static void set_installed(struct fs_flowtable *ft, struct fs_ft_entry *e,
                          enum fs_ft_installed state, uint64_t cookie,
                          struct ofpact *ofpacts, size_t len)
{
    ft->n_installed += (state != FS_FT_NONE) - (e->installed != FS_FT_NONE);
    free(e->inst_ofpacts);
    e->installed = state;
    e->inst_cookie = cookie;
    e->inst_ofpacts = ofpacts;
    e->inst_ofpacts_len = len;
}

static bool actions_equal(const struct ofpact *a, size_t a_len,
                          const struct ofpact *b, size_t b_len)
{
    /* Parsed and decoded forms of the same actions may differ in bytes:
     * then compare them as a dump shows them. */
    return ofpacts_equal(a, a_len, b, b_len) ||
           ofpacts_equal_stringwise(a, a_len, b, b_len);
}

/* An installed flow of ours equal to the desired one becomes SYNCED. */
static void resync(struct fs_flowtable *ft, struct fs_ft_entry *e)
{
    if (e->desired && e->installed == FS_FT_OTHER &&
        e->inst_cookie == e->cookie &&
        actions_equal(e->inst_ofpacts, e->inst_ofpacts_len, e->ofpacts,
                      e->ofpacts_len)) {
        set_installed(ft, e, FS_FT_SYNCED, e->cookie, NULL, 0);
    }
}

static void free_entry(struct fs_flowtable *ft, struct fs_ft_entry *e)
{
    hmap_remove(&ft->by_key, &e->key_node);
    if (e->desired) {
        ft->n_desired--;
    }
    if (e->dirty) {
        ovs_list_remove(&e->dirty_node);
    }
    set_conflict(ft, e, false);
    set_installed(ft, e, FS_FT_NONE, 0, NULL, 0);
    minimatch_destroy(&e->match);
    free(e->ofpacts);
    free(e);
}

/* Frees 'e' if it holds nothing and is not waiting for a diff. */
static void maybe_free(struct fs_flowtable *ft, struct fs_ft_entry *e)
{
    if (!e->desired && e->installed == FS_FT_NONE && !e->foreign && !e->dirty) {
        free_entry(ft, e);
    }
}

/* The desired actions of 'e' go; a SYNCED installed flow keeps them (they
 * move to the installed side). */
static void release_desired_actions(struct fs_flowtable *ft,
                                    struct fs_ft_entry *e)
{
    if (e->installed == FS_FT_SYNCED) {
        set_installed(ft, e, FS_FT_OTHER, e->cookie, e->ofpacts,
                      e->ofpacts_len);
    } else {
        free(e->ofpacts);
    }
    e->ofpacts = NULL;
    e->ofpacts_len = 0;
}

/* The desired side goes. */
static void clear_desired(struct fs_flowtable *ft, struct fs_ft_entry *e)
{
    if (!e->desired) {
        return;
    }
    release_desired_actions(ft, e);
    e->desired = false;
    ft->n_desired--;
    set_conflict(ft, e, false);
    mark_dirty(ft, e);
}

static struct fs_ft_entry *new_entry(struct fs_flowtable *ft, uint8_t table_id,
                                     uint16_t priority, struct minimatch *match)
{
    struct fs_ft_entry *e = xzalloc(sizeof *e);
    e->table_id = table_id;
    e->priority = priority;
    e->match = *match; /* Moved. */
    e->seen = ft->audit;
    hmap_insert(&ft->by_key, &e->key_node,
                key_hash(table_id, priority, &e->match));
    return e;
}

/* Returns a copy of actions 'ofpacts' as the switch reports them: their
 * OpenFlow 1.5 encoding decoded again (some are written otherwise, e.g.
 * mod_vlan_vid as push_vlan and set_field), so that a flow read back from
 * the switch compares equal to the desired one.  Actions that do not
 * survive the trip are copied as they are (the switch refuses them).
 * '*len' is their length in and out. */
static struct ofpact *to_wire_form(const struct ofpact *ofpacts, size_t *len)
{
    if (!*len) {
        return NULL;
    }
    struct ofpbuf openflow, decoded;
    ofpbuf_init(&openflow, 64);
    ofpacts_put_openflow_instructions(ofpacts, *len, &openflow, OFP15_VERSION);
    ofpbuf_init(&decoded, *len);
    struct ofpact *out;
    if (!ofpacts_pull_openflow_instructions(
            &openflow, openflow.size, OFP15_VERSION, NULL, NULL, &decoded)) {
        *len = decoded.size;
        out = ofpbuf_steal_data(&decoded);
        fs_ofpacts_zero_padding(out, *len);
    } else {
        out = xmemdup(ofpacts, *len);
    }
    ofpbuf_uninit(&decoded);
    ofpbuf_uninit(&openflow);
    return out;
}

/* Makes 'flow' the desired side of the entry of its key (the entry is
 * made if there is none) and returns that entry. */
static struct fs_ft_entry *insert_flow(struct fs_flowtable *ft,
                                       const struct fs_flow *flow)
{
    struct fs_ft_entry *e =
        find_key(ft, flow->table_id, flow->priority, &flow->match);
    if (!e) {
        struct minimatch m;
        minimatch_clone(&m, &flow->match);
        e = new_entry(ft, flow->table_id, flow->priority, &m);
    }
    if (e->desired) {
        release_desired_actions(ft, e);
    } else {
        e->desired = true;
        ft->n_desired++;
    }
    if (e->refusal) {
        set_conflict(ft, e, false); /* A new flow: try it. */
    }
    e->cookie = flow->cookie;
    e->ofpacts_len = flow->ofpacts_len;
    e->ofpacts = to_wire_form(flow->ofpacts, &e->ofpacts_len);
    resync(ft, e);
    mark_dirty(ft, e);
    return e;
}

/* Keeps the first error; counts the others. */
static void keep_error(char **first, size_t *n, char *error)
{
    if (error) {
        (*n)++;
        if (!*first) {
            *first = error;
        } else {
            free(error);
        }
    }
}

static void apply_group_delta(struct fs_flowtable *ft,
                              const struct fs_desired_delta *d, char **first,
                              size_t *n_bad)
{
    if (d->full) {
        fs_groups_clear(&ft->groups_desired);
    }
    for (size_t i = 0; i < d->n_remove_groups; i++) {
        fs_groups_remove(&ft->groups_desired, d->remove_groups[i]);
    }
    for (size_t i = 0; i < d->n_add_groups; i++) {
        keep_error(
            first, n_bad,
            fs_groups_add_desired(&ft->groups_desired, &d->add_groups[i]));
    }
    ft->groups_dirty |= d->full || d->n_remove_groups || d->n_add_groups;
}

/* What a delta does before its added flows: a full delta drops every
 * desired flow and group, then the removed flows go, then the groups. */
static void apply_delta_start(struct fs_flowtable *ft,
                              const struct fs_desired_delta *d, char **first,
                              size_t *n_bad)
{
    if (d->full) {
        struct fs_ft_entry *e;
        HMAP_FOR_EACH_SAFE(e, key_node, &ft->by_key)
        {
            clear_desired(ft, e);
        }
    }
    for (size_t i = 0; i < d->n_remove_flows; i++) {
        const struct fs_flow *f = &d->remove_flows[i];
        struct fs_ft_entry *e =
            find_key(ft, f->table_id, f->priority, &f->match);
        if (e) {
            clear_desired(ft, e);
        }
    }
    apply_group_delta(ft, d, first, n_bad);
}

/* The first error, with the count of the others. */
static char *delta_error(char *first, size_t n_bad)
{
    if (n_bad > 1) {
        char *msg = xasprintf("%s (and %zu more)", first, n_bad - 1);
        free(first);
        first = msg;
    }
    return first;
}

char *fs_flowtable_apply_delta(struct fs_flowtable *ft,
                               const struct fs_desired_delta *d)
{
    char *first = NULL;
    size_t n_bad = 0;
    apply_delta_start(ft, d, &first, &n_bad);
    for (size_t i = 0; i < d->n_add_flows; i++) {
        insert_flow(ft, &d->add_flows[i]);
    }
    return delta_error(first, n_bad);
}

/* Streaming a full delta (see flowtable.h): the flows are inserted in
 * order, each add encoded as soon as its flow is in. */
struct fs_ft_stream {
    struct fs_flowtable *ft;
    const struct fs_desired_delta *d;
    size_t next_flow;              /* Next flow to insert. */
    struct ovs_list group_deletes; /* Sent last. */
    char *first;
    size_t n_bad;
};

bool fs_flowtable_can_stream(const struct fs_flowtable *ft,
                             const struct fs_desired_delta *d)
{
    return d->full && !ft->n_desired && !ft->n_installed &&
           !hmap_count(&ft->groups_installed.groups);
}

struct fs_ft_stream *fs_flowtable_stream_start(struct fs_flowtable *ft,
                                               const struct fs_desired_delta *d,
                                               struct fs_of_changes *ch)
{
    ovs_assert(fs_flowtable_can_stream(ft, d));
    struct fs_ft_stream *s = xzalloc(sizeof *s);
    s->ft = ft;
    s->d = d;
    ovs_list_init(&s->group_deletes);

    *ch = (struct fs_of_changes){.flow_mods = 0};
    ovs_list_init(&ch->msgs);
    apply_delta_start(ft, d, &s->first, &s->n_bad);
    if (ft->groups_dirty) {
        fs_groups_diff(&ft->groups_installed, &ft->groups_desired, &ch->msgs,
                       &s->group_deletes, &ch->group_mods);
    }
    return s;
}

static void push_entry(struct fs_of_changes *ch, struct ovs_list *deletes,
                       const struct fs_ft_entry *e);

size_t fs_flowtable_stream_next(struct fs_ft_stream *s, size_t max,
                                struct fs_of_changes *ch)
{
    size_t start = s->next_flow;
    size_t end = start + MIN(s->d->n_add_flows - start, MAX(max, 1));
    for (size_t i = start; i < end; i++) {
        /* An entry already desired (a key twice in the delta) gets a
         * second add: in one bundle, the later add replaces the earlier,
         * as the table's desired side does. */
        push_entry(ch, NULL, insert_flow(s->ft, &s->d->add_flows[i]));
    }
    s->next_flow = end;
    return end - start;
}

char *fs_flowtable_stream_finish(struct fs_ft_stream *s,
                                 struct fs_of_changes *ch)
{
    while (fs_flowtable_stream_next(s, SIZE_MAX, ch)) {
        continue;
    }
    ovs_list_push_back_all(&ch->msgs, &s->group_deletes);
    char *error = delta_error(s->first, s->n_bad);
    free(s);
    return error;
}

void fs_flowtable_forget_installed(struct fs_flowtable *ft)
{
    struct fs_ft_entry *e;
    HMAP_FOR_EACH_SAFE(e, key_node, &ft->by_key)
    {
        set_installed(ft, e, FS_FT_NONE, 0, NULL, 0);
        e->foreign = false;
        set_conflict(ft, e, false);
        if (e->desired) {
            mark_dirty(ft, e);
        } else {
            free_entry(ft, e);
        }
    }
    fs_groups_clear(&ft->groups_installed);
    ft->groups_dirty = true;
}

void fs_flowtable_note_flow(struct fs_flowtable *ft, uint8_t table_id,
                            uint16_t priority, const struct match *match,
                            uint64_t cookie, const struct ofpact *ofpacts,
                            size_t ofpacts_len, bool present)
{
    struct minimatch m;
    minimatch_init(&m, match);
    struct fs_ft_entry *e = find_key(ft, table_id, priority, &m);
    if (!e && !present) {
        minimatch_destroy(&m);
        return;
    } else if (e) {
        minimatch_destroy(&m);
    } else {
        e = new_entry(ft, table_id, priority, &m);
    }
    e->seen = ft->audit;
    bool was_synced = e->desired && e->installed == FS_FT_SYNCED;
    if ((cookie & FS_COOKIE_MASK) == FS_COOKIE_BASE) {
        if (present) {
            /* One flow per key: ours replaced any other owner's. */
            e->foreign = false;
            struct ofpact *copy = xmemdup(ofpacts, ofpacts_len);
            fs_ofpacts_zero_padding(copy, ofpacts_len);
            set_installed(ft, e, FS_FT_OTHER, cookie, copy, ofpacts_len);
            resync(ft, e);
        } else {
            set_installed(ft, e, FS_FT_NONE, 0, NULL, 0);
        }
    } else {
        /* Another owner's flow replaces whatever had its key. */
        e->foreign = present;
        e->foreign_cookie = cookie;
        if (present) {
            set_installed(ft, e, FS_FT_NONE, 0, NULL, 0);
        }
    }
    if (e->desired ? e->installed != FS_FT_SYNCED || e->conflict
                   : e->installed != FS_FT_NONE) {
        mark_dirty(ft, e);
    }
    if (was_synced && (e->installed != FS_FT_SYNCED || e->conflict)) {
        ft->n_drifted++;
    }
    maybe_free(ft, e);
}

void fs_flowtable_mark_all_dirty(struct fs_flowtable *ft)
{
    struct fs_ft_entry *e;
    HMAP_FOR_EACH(e, key_node, &ft->by_key)
    {
        mark_dirty(ft, e);
    }
    ft->groups_dirty = true;
}

/* Encodes the flow mod 'command' for entry 'e' onto 'msgs', counted in
 * ch->flow_mods and tagged with the entry (for refusals). */
static void push_flow(struct fs_of_changes *ch, struct ovs_list *msgs,
                      const struct fs_ft_entry *e, uint16_t command)
{
    struct ofputil_flow_mod fm = {
        .match = e->match,
        .priority = e->priority,
        .new_cookie = htonll(e->cookie),
        .table_id = e->table_id,
        .command = command,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .ofpacts = e->ofpacts,
        .ofpacts_len = e->ofpacts_len,
    };
    if (command != OFPFC_ADD) {
        /* Only ever a flow of ours: delete_strict or modify_strict under
         * the cookie mask (OpenFlow 1.2+ cannot change a cookie with a
         * modify: the caller deletes and adds then). */
        fm.cookie = htonll(FS_COOKIE_BASE);
        fm.cookie_mask = htonll(FS_COOKIE_MASK);
        fm.new_cookie = OVS_BE64_MAX;
    }
    if (command == OFPFC_DELETE_STRICT) {
        fm.ofpacts = NULL;
        fm.ofpacts_len = 0;
    }
    struct ofpbuf *msg = ofputil_encode_flow_mod(&fm, PROTOCOL);
    ovs_list_push_back(msgs, &msg->list_node);
    ch->flow_mods++;
    if (ch->n_tags >= ch->allocated_tags) {
        ch->tags = x2nrealloc(ch->tags, &ch->allocated_tags, sizeof *ch->tags);
    }
    ch->tags[ch->n_tags++] = (struct fs_of_tag){
        .xid = ((const struct ofp_header *)msg->data)->xid,
        .owner = CONST_CAST(struct fs_ft_entry *, e),
    };
}

/* The messages of dirty entry 'e': onto ch->msgs, its delete (if any)
 * onto 'deletes' (never one when the entry is desired). */
static void push_entry(struct fs_of_changes *ch, struct ovs_list *deletes,
                       const struct fs_ft_entry *e)
{
    if (e->desired && e->refusal) {
        return; /* Refused by the switch: not again. */
    } else if (e->desired && e->installed == FS_FT_NONE) {
        if (!e->foreign) {
            push_flow(ch, &ch->msgs, e, OFPFC_ADD);
        }
    } else if (e->desired && e->installed == FS_FT_OTHER) {
        if (e->inst_cookie != e->cookie) {
            push_flow(ch, &ch->msgs, e, OFPFC_DELETE_STRICT);
            push_flow(ch, &ch->msgs, e, OFPFC_ADD);
        } else {
            push_flow(ch, &ch->msgs, e, OFPFC_MODIFY_STRICT);
        }
    } else if (!e->desired && e->installed != FS_FT_NONE) {
        push_flow(ch, deletes, e, OFPFC_DELETE_STRICT);
    }
}

void fs_flowtable_changes(const struct fs_flowtable *ft,
                          struct fs_of_changes *ch)
{
    *ch = (struct fs_of_changes){.flow_mods = 0};
    ovs_list_init(&ch->msgs);
    struct ovs_list deletes = OVS_LIST_INITIALIZER(&deletes);
    struct ovs_list group_deletes = OVS_LIST_INITIALIZER(&group_deletes);
    if (ft->groups_dirty) {
        fs_groups_diff(&ft->groups_installed, &ft->groups_desired, &ch->msgs,
                       &group_deletes, &ch->group_mods);
    }
    const struct fs_ft_entry *e;
    LIST_FOR_EACH(e, dirty_node, &ft->dirty)
    {
        push_entry(ch, &deletes, e);
    }
    ovs_list_push_back_all(&ch->msgs, &deletes);
    ovs_list_push_back_all(&ch->msgs, &group_deletes);
}

void fs_flowtable_commit(struct fs_flowtable *ft)
{
    struct fs_ft_entry *e;
    LIST_FOR_EACH_POP(e, dirty_node, &ft->dirty)
    {
        e->dirty = false;
        e->seen = ft->audit;
        if (!e->desired) {
            set_installed(ft, e, FS_FT_NONE, 0, NULL, 0);
        } else if (e->refusal) {
            /* Not sent: the switch keeps what it had. */
        } else if (e->installed == FS_FT_NONE && e->foreign) {
            set_conflict(ft, e, true);
        } else {
            set_installed(ft, e, FS_FT_SYNCED, e->cookie, NULL, 0);
            set_conflict(ft, e, false);
        }
        maybe_free(ft, e);
    }
    if (ft->groups_dirty) {
        fs_groups_copy_installed(&ft->groups_installed, &ft->groups_desired);
        ft->groups_dirty = false;
    }
}

/* "flow table=T,priority=P,MATCH": a flow's key as status names it, the
 * match as a dump shows it. */
static char *entry_key(const struct fs_ft_entry *e)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "flow table=%" PRIu8 ",priority=%" PRIu16, e->table_id,
                  e->priority);
    struct match match;
    minimatch_expand(&e->match, &match);
    struct ds m = DS_EMPTY_INITIALIZER;
    match_format(&match, NULL, &m, OFP_DEFAULT_PRIORITY);
    if (m.length) {
        ds_put_format(&s, ",%s", ds_cstr(&m));
    }
    ds_destroy(&m);
    return ds_steal_cstr(&s);
}

void fs_flowtable_conflicts(const struct fs_flowtable *ft,
                            struct fs_errors *errors)
{
    size_t n = 0;
    const struct fs_ft_entry *e;
    LIST_FOR_EACH(e, conflict_node, &ft->conflicts)
    {
        if (n++ == MAX_CONFLICTS_REPORTED) {
            fs_errors_add(errors, "flow", "$",
                          "%zu more flows are held by another controller's "
                          "flows",
                          ft->n_conflicts - MAX_CONFLICTS_REPORTED);
            break;
        }
        char *key = entry_key(e);
        if (e->refusal) {
            fs_errors_add(errors, key, "$",
                          "%s; left out (cookie 0x%" PRIx64 "), the rest is "
                          "installed",
                          e->refusal, e->cookie);
        } else {
            fs_errors_add(errors, key, "$",
                          "a flow of another controller (cookie 0x%" PRIx64
                          ") holds this match; left alone",
                          e->foreign_cookie);
        }
        free(key);
    }
}

void fs_flowtable_refuse(struct fs_flowtable *ft, struct fs_ft_entry *e,
                         const char *why)
{
    if (e->desired) {
        set_conflict(ft, e, true);
        ft->n_refused += !e->refusal;
        free(e->refusal);
        e->refusal = xstrdup(why);
    }
}

size_t fs_flowtable_retry_refused(struct fs_flowtable *ft)
{
    size_t n = 0;
    struct fs_ft_entry *e;
    LIST_FOR_EACH_SAFE(e, conflict_node, &ft->conflicts)
    {
        if (e->refusal) {
            set_conflict(ft, e, false);
            mark_dirty(ft, e);
            n++;
        }
    }
    return n;
}

void fs_flowtable_audit_start(struct fs_flowtable *ft)
{
    ft->audit++;
}

size_t fs_flowtable_audit_finish(struct fs_flowtable *ft)
{
    size_t n = 0;
    struct fs_ft_entry *e;
    HMAP_FOR_EACH_SAFE(e, key_node, &ft->by_key)
    {
        if (e->installed != FS_FT_NONE && e->seen != ft->audit) {
            ft->n_drifted += e->desired && e->installed == FS_FT_SYNCED;
            set_installed(ft, e, FS_FT_NONE, 0, NULL, 0);
            mark_dirty(ft, e);
            n++;
        }
    }
    return n;
}

void fs_flowtable_destroy(struct fs_flowtable *ft)
{
    struct fs_ft_entry *e;
    HMAP_FOR_EACH_SAFE(e, key_node, &ft->by_key)
    {
        free_entry(ft, e);
    }
    hmap_destroy(&ft->by_key);
    fs_groups_destroy(&ft->groups_desired);
    fs_groups_destroy(&ft->groups_installed);
}

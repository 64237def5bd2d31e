/* Typed flows and their builder (render/flow.h). */
#include "render/flow.h"

#include <inttypes.h>
#include <string.h>

#include "byte-order.h"
#include "lib/flow.h" /* OVS's miniflow (not render/flow.h). */
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "util.h"

static const struct fs_field_def field_defs[FS_N_FIELDS] = FS_FIELD_DEFS;

const struct fs_field_def *fs_field_def(enum fs_field field)
{
    ovs_assert(field < FS_N_FIELDS);
    return &field_defs[field];
}

void fs_flow_destroy(struct fs_flow *f)
{
    if (f->match.flow) {
        minimatch_destroy(&f->match);
    }
    free(f->ofpacts);
    f->ofpacts = NULL;
    f->ofpacts_len = 0;
}

void fs_flow_clone_key(struct fs_flow *dst, const struct fs_flow *src)
{
    *dst =
        (struct fs_flow){.table_id = src->table_id, .priority = src->priority};
    minimatch_clone(&dst->match, &src->match);
}

void fs_flow_clone(struct fs_flow *dst, const struct fs_flow *src)
{
    fs_flow_clone_key(dst, src);
    dst->cookie = src->cookie;
    dst->ofpacts_len = src->ofpacts_len;
    dst->ofpacts =
        src->ofpacts_len ? xmemdup(src->ofpacts, src->ofpacts_len) : NULL;
}

uint32_t fs_flow_key_hash(const struct fs_flow *f)
{
    return minimatch_hash(&f->match, hash_2words(f->table_id, f->priority));
}

bool fs_flow_key_equal(const struct fs_flow *a, const struct fs_flow *b)
{
    return a->table_id == b->table_id && a->priority == b->priority &&
           minimatch_equal(&a->match, &b->match);
}

bool fs_flow_equal(const struct fs_flow *a, const struct fs_flow *b)
{
    return fs_flow_key_equal(a, b) && a->cookie == b->cookie &&
           ofpacts_equal(a->ofpacts, a->ofpacts_len, b->ofpacts,
                         b->ofpacts_len);
}

/* Compares two miniflows by their maps, then their values. */
static int miniflow_compare(const struct miniflow *a, const struct miniflow *b)
{
    int cmp = memcmp(&a->map, &b->map, sizeof a->map);
    if (cmp) {
        return cmp;
    }
    size_t n = miniflow_n_values(a);
    return memcmp(miniflow_get_values(a), miniflow_get_values(b),
                  n * sizeof(uint64_t));
}

int fs_flow_compare(const void *a_, const void *b_)
{
    const struct fs_flow *a = a_, *b = b_;
    if (a->table_id != b->table_id) {
        return a->table_id < b->table_id ? -1 : 1;
    }
    if (a->priority != b->priority) {
        return a->priority > b->priority ? -1 : 1;
    }
    int cmp = miniflow_compare(&a->match.mask->masks, &b->match.mask->masks);
    return cmp ? cmp : miniflow_compare(a->match.flow, b->match.flow);
}

void fs_flow_format_match(const struct fs_flow *f, struct ds *s)
{
    minimatch_format(&f->match, NULL, NULL, s, OFP_DEFAULT_PRIORITY);
}

void fs_flow_format_actions(const struct fs_flow *f, struct ds *s)
{
    struct ofpact_format_params fp = {.s = s};
    ofpacts_format(f->ofpacts, f->ofpacts_len, &fp);
}

char *fs_flow_to_string(const struct fs_flow *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "table=%u,priority=%u,cookie=0x%" PRIx64 ",", f->table_id,
                  f->priority, f->cookie);
    size_t before = s.length;
    fs_flow_format_match(f, &s);
    if (s.length > before) {
        ds_put_char(&s, ',');
    }
    ds_put_cstr(&s, "actions=");
    fs_flow_format_actions(f, &s);
    return ds_steal_cstr(&s);
}

void fs_ofpacts_zero_padding(struct ofpact *ofpacts, size_t len)
{
    struct ofpact *a;
    OFPACT_FOR_EACH(a, ofpacts, len)
    {
        if (a->type == OFPACT_SET_FIELD) {
            struct ofpact_set_field *sf = ofpact_get_SET_FIELD(a);
            size_t n = sf->field->n_bytes;
            size_t pad = ROUND_UP(n, OFPACT_ALIGNTO) - n;
            memset((uint8_t *)sf->value + n, 0, pad);
            memset((uint8_t *)ofpact_set_field_mask(sf) + n, 0, pad);
        } else if (a->type == OFPACT_CLONE) {
            struct ofpact_nest *nest = ofpact_get_CLONE(a);
            fs_ofpacts_zero_padding(nest->actions,
                                    ofpact_nest_get_action_len(nest));
        }
    }
}

char *fs_flow_parse(struct fs_flow *f, const char *text)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error =
        parse_ofp_flow_mod_str(&fm, text, NULL, NULL, OFPFC_ADD, &usable);
    if (error) {
        *f = (struct fs_flow){.table_id = 0};
        return error;
    }
    *f = (struct fs_flow){
        .table_id = fm.table_id == 0xff ? 0 : fm.table_id,
        .priority = fm.priority,
        .cookie = ntohll(fm.new_cookie),
        .match = fm.match,
        .ofpacts =
            fm.ofpacts_len ? CONST_CAST(struct ofpact *, fm.ofpacts) : NULL,
        .ofpacts_len = fm.ofpacts_len,
    };
    if (!fm.ofpacts_len) {
        free(CONST_CAST(struct ofpact *, fm.ofpacts));
    }
    fs_ofpacts_zero_padding(f->ofpacts, f->ofpacts_len);
    return NULL;
}

void fs_fb_init(struct fs_fb *b, enum fs_table table, uint16_t priority,
                uint64_t cookie)
{
    b->table_id = table;
    b->priority = priority;
    b->cookie = cookie;
    match_init_catchall(&b->match);
    ofpbuf_use_stub(&b->ofpacts, b->stub, sizeof b->stub);
}

void fs_fb_finish(struct fs_fb *b, struct fs_flow *f)
{
    *f = (struct fs_flow){.table_id = b->table_id,
                          .priority = b->priority,
                          .cookie = b->cookie,
                          .ofpacts_len = b->ofpacts.size};
    minimatch_init(&f->match, &b->match);
    f->ofpacts =
        f->ofpacts_len ? xmemdup(b->ofpacts.data, f->ofpacts_len) : NULL;
    ofpbuf_uninit(&b->ofpacts);
}

void fs_fb_uninit(struct fs_fb *b)
{
    ofpbuf_uninit(&b->ofpacts);
}

/* 'value' and the mask of named field 'field', in the OVS field's
 * network byte order ('mf->n_bytes' bytes). */
static const struct mf_field *field_value(enum fs_field field, uint64_t value,
                                          union mf_value *v, union mf_value *m)
{
    const struct fs_field_def *def = fs_field_def(field);
    const struct mf_field *mf = mf_from_id(def->mff);
    uint64_t mask =
        def->n_bits >= 64 ? UINT64_MAX : ((UINT64_C(1) << def->n_bits) - 1);
    memset(v, 0, sizeof *v);
    memset(m, 0, sizeof *m);
    if (mf->n_bytes == 8) {
        v->be64 = htonll(value << def->ofs);
        m->be64 = htonll(mask << def->ofs);
    } else {
        ovs_assert(mf->n_bytes == 4);
        v->be32 = htonl((uint32_t)(value << def->ofs));
        m->be32 = htonl((uint32_t)(mask << def->ofs));
    }
    return mf;
}

void fs_match_field(struct fs_fb *b, enum fs_field field, uint64_t value)
{
    union mf_value v, m;
    const struct mf_field *mf = field_value(field, value, &v, &m);
    mf_set(mf, &v, &m, &b->match, NULL);
}

void fs_match_in_port(struct fs_fb *b, uint32_t ofport)
{
    match_set_in_port(&b->match, u16_to_ofp(ofport));
}

void fs_match_dl_type(struct fs_fb *b, uint16_t eth_type)
{
    match_set_dl_type(&b->match, htons(eth_type));
}

void fs_match_dl_src(struct fs_fb *b, struct eth_addr mac)
{
    match_set_dl_src(&b->match, mac);
}

void fs_match_dl_dst(struct fs_fb *b, struct eth_addr mac)
{
    match_set_dl_dst(&b->match, mac);
}

void fs_match_dl_dst_masked(struct fs_fb *b, struct eth_addr mac,
                            struct eth_addr mask)
{
    match_set_dl_dst_masked(&b->match, mac, mask);
}

void fs_match_tun_id(struct fs_fb *b, uint64_t vni)
{
    match_set_tun_id(&b->match, htonll(vni));
}

void fs_set_field(struct fs_fb *b, enum fs_field field, uint64_t value)
{
    union mf_value v, m;
    const struct mf_field *mf = field_value(field, value, &v, &m);
    /* Zeroed first, so that padding bytes compare equal. */
    struct ofpact_set_field *sf =
        ofpact_put_set_field(&b->ofpacts, mf, NULL, NULL);
    memcpy(sf->value, &v, mf->n_bytes);
    memcpy(ofpact_set_field_mask(sf), &m, mf->n_bytes);
}

void fs_to_port(struct fs_fb *b, uint32_t ofport)
{
    ofpact_put_OUTPUT(&b->ofpacts)->port = u16_to_ofp(ofport);
}

void fs_goto(struct fs_fb *b, enum fs_table table)
{
    ofpact_put_GOTO_TABLE(&b->ofpacts)->table_id = table;
}

void fs_resubmit(struct fs_fb *b, enum fs_table table)
{
    struct ofpact_resubmit *r = ofpact_put_RESUBMIT(&b->ofpacts);
    r->in_port = OFPP_IN_PORT;
    r->table_id = table;
}

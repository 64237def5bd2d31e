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
#include "ovs-thread.h"
#include "packets.h"
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

/* 'value' of OVS field 'mf' in its network byte order. */
static void mf_bytes(const struct mf_field *mf, uint64_t value,
                     union mf_value *v)
{
    memset(v, 0, sizeof *v);
    switch (mf->n_bytes) {
    case 1:
        v->u8 = value;
        break;
    case 2:
        v->be16 = htons(value);
        break;
    case 4:
        v->be32 = htonl(value);
        break;
    case 6:
        eth_addr_from_uint64(value, &v->mac);
        break;
    case 8:
        v->be64 = htonll(value);
        break;
    default:
        OVS_NOT_REACHED();
    }
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
    mf_bytes(mf, value << def->ofs, v);
    mf_bytes(mf, mask << def->ofs, m);
    return mf;
}

/* Appends set_field of 'v' with mask 'm' to OVS field 'mf', zeroed first
 * so that padding bytes compare equal, and marked as ofpacts_check()
 * marks a VLAN field set after a push_vlan (the only way render/ sets
 * one). */
static void put_set_field(struct fs_fb *b, const struct mf_field *mf,
                          const union mf_value *v, const union mf_value *m)
{
    struct ofpact_set_field *sf =
        ofpact_put_set_field(&b->ofpacts, mf, NULL, NULL);
    memcpy(sf->value, v, mf->n_bytes);
    memcpy(ofpact_set_field_mask(sf), m, mf->n_bytes);
    sf->flow_has_vlan = mf->id == MFF_VLAN_VID || mf->id == MFF_VLAN_PCP;
}

/* Matches 'mf' as ovs-ofctl's parser does (ofp-parse.c parse_field()):
 * a field that needs a packet header also makes the match one of
 * Ethernet packets (packet_type), so that a built match equals the parsed
 * one and the one the switch reports. */
static void match_mf(struct fs_fb *b, const struct mf_field *mf,
                     const union mf_value *v, const union mf_value *m)
{
    mf_set(mf, v, m, &b->match, NULL);
    match_add_ethernet_prereq(&b->match, mf);
}

void fs_match_mf_value(struct fs_fb *b, int mff, const union mf_value *value,
                       const union mf_value *mask)
{
    match_mf(b, mf_from_id(mff), value, mask);
}

void fs_match_field(struct fs_fb *b, enum fs_field field, uint64_t value)
{
    union mf_value v, m;
    const struct mf_field *mf = field_value(field, value, &v, &m);
    match_mf(b, mf, &v, &m);
}

void fs_match_in_port(struct fs_fb *b, uint32_t ofport)
{
    match_set_in_port(&b->match, u16_to_ofp(ofport));
}

/* As ovs-ofctl's protocol keywords ("ip", "arp", "mpls"): the ethertype,
 * and Ethernet packets. */
void fs_match_dl_type(struct fs_fb *b, uint16_t eth_type)
{
    match_set_dl_type(&b->match, htons(eth_type));
    match_set_default_packet_type(&b->match);
}

static void match_mac(struct fs_fb *b, int mff, struct eth_addr mac,
                      struct eth_addr mask)
{
    fs_match_mf(b, mff, eth_addr_to_uint64(mac), eth_addr_to_uint64(mask));
}

void fs_match_dl_src(struct fs_fb *b, struct eth_addr mac)
{
    match_mac(b, MFF_ETH_SRC, mac, eth_addr_exact);
}

void fs_match_dl_dst(struct fs_fb *b, struct eth_addr mac)
{
    match_mac(b, MFF_ETH_DST, mac, eth_addr_exact);
}

void fs_match_dl_dst_masked(struct fs_fb *b, struct eth_addr mac,
                            struct eth_addr mask)
{
    match_mac(b, MFF_ETH_DST, mac, mask);
}

void fs_match_tun_id(struct fs_fb *b, uint64_t vni)
{
    fs_match_mf(b, MFF_TUN_ID, vni, UINT64_MAX);
}

void fs_set_field(struct fs_fb *b, enum fs_field field, uint64_t value)
{
    union mf_value v, m;
    const struct mf_field *mf = field_value(field, value, &v, &m);
    put_set_field(b, mf, &v, &m);
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

void fs_to_group(struct fs_fb *b, uint32_t group_id)
{
    ofpact_put_GROUP(&b->ofpacts)->group_id = group_id;
}

void fs_match_mf(struct fs_fb *b, int mff, uint64_t value, uint64_t mask)
{
    const struct mf_field *mf = mf_from_id(mff);
    union mf_value v, m;
    mf_bytes(mf, value, &v);
    mf_bytes(mf, mask, &m);
    match_mf(b, mf, &v, &m);
}

void fs_set_mf(struct fs_fb *b, int mff, uint64_t value)
{
    const struct mf_field *mf = mf_from_id(mff);
    union mf_value v, m;
    mf_bytes(mf, value, &v);
    memset(&m, 0, sizeof m);
    memset(&m, 0xff, mf->n_bytes);
    put_set_field(b, mf, &v, &m);
}

void fs_push_vlan(struct fs_fb *b)
{
    ofpact_put_PUSH_VLAN(&b->ofpacts)->ethertype = htons(ETH_TYPE_VLAN_8021Q);
}

/* OpenFlow 1.1+'s pop_vlan is OVS's strip_vlan marked with a raw action
 * type private to ofp-actions.c: parsed once, then copied. */
void fs_pop_vlan(struct fs_fb *b)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    static struct ofpact_null pop_vlan;
    if (ovsthread_once_start(&once)) {
        struct ofpbuf ofpacts;
        ofpbuf_init(&ofpacts, sizeof pop_vlan);
        enum ofputil_protocol usable = OFPUTIL_P_ANY;
        struct ofpact_parse_params pp = {.ofpacts = &ofpacts,
                                         .usable_protocols = &usable};
        char *error = ofpacts_parse_actions("pop_vlan", &pp);
        ovs_assert(!error && ofpacts.size == sizeof pop_vlan);
        memcpy(&pop_vlan, ofpacts.data, sizeof pop_vlan);
        ofpbuf_uninit(&ofpacts);
        ovsthread_once_done(&once);
    }
    ofpbuf_put(&b->ofpacts, &pop_vlan, sizeof pop_vlan);
}

void fs_push_mpls(struct fs_fb *b, uint16_t ethertype)
{
    ofpact_put_PUSH_MPLS(&b->ofpacts)->ethertype = htons(ethertype);
}

void fs_pop_mpls(struct fs_fb *b, uint16_t ethertype)
{
    ofpact_put_POP_MPLS(&b->ofpacts)->ethertype = htons(ethertype);
}

size_t fs_clone_begin(struct fs_fb *b)
{
    size_t begin = b->ofpacts.size;
    ofpact_put_CLONE(&b->ofpacts);
    return begin;
}

void fs_clone_end(struct fs_fb *b, size_t begin)
{
    struct ofpact_nest *clone =
        ofpbuf_at_assert(&b->ofpacts, begin, sizeof *clone);
    b->ofpacts.header = clone;
    ofpact_finish_CLONE(&b->ofpacts, &clone);
}

void fs_set_tun_id(struct fs_fb *b, uint64_t vni)
{
    fs_set_mf(b, MFF_TUN_ID, vni);
}

void fs_match_ipv6(struct fs_fb *b, int mff, const struct in6_addr *addr,
                   const struct in6_addr *mask)
{
    union mf_value v, m;
    memset(&v, 0, sizeof v);
    memset(&m, 0, sizeof m);
    v.ipv6 = *addr;
    m.ipv6 = *mask;
    fs_match_mf_value(b, mff, &v, &m);
}

char *fs_match_prefix(struct fs_fb *b, int mff, bool v6, const char *text)
{
    union mf_value v, m;
    memset(&v, 0, sizeof v);
    memset(&m, 0, sizeof m);
    char *error = v6 ? ipv6_parse_masked(text, &v.ipv6, &m.ipv6)
                     : ip_parse_masked(text, &v.be32, &m.be32);
    if (!error) {
        fs_match_mf_value(b, mff, &v, &m);
    }
    return error;
}

/* The whole of OVS field 'mff' as a subfield. */
static struct mf_subfield whole(int mff)
{
    const struct mf_field *mf = mf_from_id(mff);
    return (struct mf_subfield){mf, 0, mf->n_bits};
}

void fs_move_mf(struct fs_fb *b, int src, int dst)
{
    struct ofpact_reg_move *m = ofpact_put_REG_MOVE(&b->ofpacts);
    m->src = whole(src);
    m->dst = whole(dst);
}

void fs_move_to_field(struct fs_fb *b, int src, enum fs_field dst)
{
    const struct fs_field_def *def = fs_field_def(dst);
    struct ofpact_reg_move *m = ofpact_put_REG_MOVE(&b->ofpacts);
    m->src = whole(src);
    m->dst = (struct mf_subfield){mf_from_id(def->mff), def->ofs, def->n_bits};
}

void fs_push_mf(struct fs_fb *b, int mff)
{
    ofpact_put_STACK_PUSH(&b->ofpacts)->subfield = whole(mff);
}

void fs_pop_mf(struct fs_fb *b, int mff)
{
    ofpact_put_STACK_POP(&b->ofpacts)->subfield = whole(mff);
}

/* As ovs-ofctl parses "dec_ttl": one controller id, 0. */
void fs_dec_ttl(struct fs_fb *b)
{
    uint16_t id = 0;
    struct ofpact_cnt_ids *ids = ofpact_put_DEC_TTL(&b->ofpacts);
    ids->n_controllers = 1;
    ofpbuf_put(&b->ofpacts, &id, sizeof id);
    ids = b->ofpacts.header;
    ofpact_finish_DEC_TTL(&b->ofpacts, &ids);
}

void fs_to_in_port(struct fs_fb *b)
{
    ofpact_put_OUTPUT(&b->ofpacts)->port = OFPP_IN_PORT;
}

void fs_controller(struct fs_fb *b, const void *userdata, size_t len,
                   uint32_t meter_id)
{
    struct ofpact_controller *c = ofpact_put_CONTROLLER(&b->ofpacts);
    c->max_len = UINT16_MAX;
    c->reason = OFPR_ACTION;
    c->controller_id = 0;
    c->pause = false;
    c->meter_id = meter_id;
    ofpbuf_put(&b->ofpacts, userdata, len);
    c = b->ofpacts.header;
    c->userdata_len = len;
    ofpact_finish_CONTROLLER(&b->ofpacts, &c);
}

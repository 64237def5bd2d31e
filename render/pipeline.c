/* The declared pipeline (render/pipeline.h): what each table's flows may
 * match, set and go to, and the check of a flow against it, as faucet's
 * valve_table.py checks each flow against its table's declaration. */
#include "render/pipeline.h"

#include <limits.h>
#include <string.h>

#include "lib/flow.h" /* OVS's struct flow_wildcards (not render/flow.h). */
#include "openvswitch/dynamic-string.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "ovs-thread.h"
#include "render/flow.h"
#include "util.h"

/* A field of a declaration: an OVS field (>= 0), or a named field of
 * pipeline.h (FIELD(f), < 0).  Lists end with END. */
#define FIELD(F) (-1 - (int)(F))
#define END INT_MIN

/* Fields of a packet's headers, by group, as the declarations use them. */
#define ETH MFF_ETH_SRC, MFF_ETH_DST, MFF_ETH_TYPE
#define L3                                                                     \
    MFF_IPV4_SRC, MFF_IPV4_DST, MFF_IPV6_SRC, MFF_IPV6_DST, MFF_IP_PROTO,      \
        MFF_ARP_OP, MFF_ARP_SPA, MFF_ARP_TPA, MFF_ARP_SHA
/* tp_src and tp_dst: the ports of TCP, UDP and SCTP, and ICMP's and
 * ICMPv6's type and code, which OVS keeps in the same two fields. */
#define L4 MFF_TCP_SRC, MFF_TCP_DST

static const struct fs_table_decl decls[] = {
    {FS_T_CLASSIFY, "classify", "l2.c", (const int[]){MFF_IN_PORT, END},
     (const int[]){FIELD(FS_F_NETWORK), FIELD(FS_F_SRC_PORT),
                   FIELD(FS_F_FROM_TUNNEL), END},
     (const int[]){FS_T_PORT_SEC, FS_T_PROVIDER_IN, FS_T_TUNNEL_IN, FS_T_SLICE,
                   FS_T_L2, END}},
    {FS_T_PORT_SEC, "port security", "portsec.c",
     (const int[]){FIELD(FS_F_SRC_PORT), ETH, L3, L4, MFF_ND_SLL, END},
     (const int[]){END},
     (const int[]){FS_T_LOCAL, FS_T_SFC_CLASS, FS_T_SLICE, END}},
    {FS_T_LOCAL, "local services", "dhcp.c",
     (const int[]){FIELD(FS_F_SRC_PORT), MFF_ETH_TYPE, MFF_IP_PROTO, L4, END},
     (const int[]){END}, (const int[]){FS_T_SFC_CLASS, END}},
    {FS_T_PROVIDER_IN, "provider in", "provider.c",
     (const int[]){MFF_IN_PORT, MFF_VLAN_TCI, END},
     (const int[]){FIELD(FS_F_NETWORK), FIELD(FS_F_SRC_PORT), END},
     (const int[]){FS_T_SFC_CLASS, END}},
    {FS_T_TUNNEL_IN, "tunnel in", "overlay.c",
     (const int[]){MFF_TUN_ID, MFF_ETH_TYPE, END},
     (const int[]){FIELD(FS_F_NETWORK), END},
     (const int[]){FS_T_L2, FS_T_SFC_REMOTE, END}},
    {FS_T_SLICE, "slice", "slices.c",
     (const int[]){MFF_IN_PORT, FIELD(FS_F_SRC_PORT), ETH, L3, L4, END},
     (const int[]){END}, (const int[]){END}},
    {FS_T_SFC_CLASS, "chain classifier", "sfc.c",
     (const int[]){FIELD(FS_F_SRC_PORT), MFF_ETH_TYPE, L3, L4, MFF_MPLS_LABEL,
                   END},
     (const int[]){FIELD(FS_F_LABEL), FIELD(FS_F_DST_PORT), END},
     (const int[]){FS_T_SFC_FWD, FS_T_L3_ADMISSION, FS_T_L2, FS_T_EGRESS, END}},
    {FS_T_SFC_FWD, "chain forward", "sfc.c",
     (const int[]){FIELD(FS_F_LABEL), END},
     (const int[]){MFF_MPLS_LABEL, MFF_MPLS_TTL, MFF_TUN_ID, END},
     (const int[]){END}},
    {FS_T_SFC_REMOTE, "chain from a tunnel", "sfc.c",
     (const int[]){MFF_ETH_TYPE, MFF_MPLS_LABEL, END},
     (const int[]){FIELD(FS_F_LABEL), END}, (const int[]){FS_T_SFC_LOCAL, END}},
    {FS_T_SFC_LOCAL, "chain hop here", "sfc.c",
     (const int[]){FIELD(FS_F_LABEL), END},
     (const int[]){MFF_MPLS_LABEL, MFF_MPLS_TTL, END}, (const int[]){END}},
    {FS_T_L3_ADMISSION, "L3 admission", "router.c",
     (const int[]){MFF_IN_PORT, FIELD(FS_F_NETWORK), MFF_ETH_DST, MFF_ETH_TYPE,
                   MFF_ARP_OP, MFF_ARP_SPA, MFF_ARP_TPA, END},
     (const int[]){FIELD(FS_F_ROUTER), ETH, MFF_ARP_OP, MFF_ARP_SPA,
                   MFF_ARP_TPA, MFF_ARP_SHA, MFF_ARP_THA, END},
     (const int[]){FS_T_IP_INPUT, FS_T_L2, END}},
    {FS_T_IP_INPUT, "IP input", "router.c",
     (const int[]){FIELD(FS_F_ROUTER), FIELD(FS_F_NETWORK), MFF_ETH_TYPE,
                   MFF_IPV4_DST, MFF_IP_PROTO, MFF_IP_TTL, L4, END},
     (const int[]){ETH, MFF_IPV4_SRC, MFF_IPV4_DST, MFF_IP_TTL, MFF_ICMPV4_TYPE,
                   END},
     (const int[]){FS_T_ROUTING, END}},
    {FS_T_ROUTING, "routing", "router.c",
     (const int[]){FIELD(FS_F_ROUTER), MFF_ETH_TYPE, MFF_IPV4_DST, END},
     (const int[]){FIELD(FS_F_NETWORK), FIELD(FS_F_NEXTHOP), MFF_ETH_SRC, END},
     (const int[]){FS_T_NEIGHBOR, END}},
    {FS_T_NEIGHBOR, "neighbor", "router.c",
     (const int[]){FIELD(FS_F_NETWORK), FIELD(FS_F_NEXTHOP), END},
     (const int[]){MFF_ETH_DST, END}, (const int[]){FS_T_L2, END}},
    {FS_T_L2, "L2", "l2.c",
     (const int[]){FIELD(FS_F_NETWORK), MFF_ETH_DST, END},
     (const int[]){FIELD(FS_F_DST_PORT), FIELD(FS_F_FLOOD_CHUNK), MFF_TUN_ID,
                   END},
     (const int[]){FS_T_EGRESS, FS_T_FLOOD, FS_T_TUNNEL_FLOOD, END}},
    {FS_T_FLOOD, "flood chunk", "l2.c",
     (const int[]){FIELD(FS_F_NETWORK), FIELD(FS_F_FLOOD_CHUNK), END},
     (const int[]){END}, (const int[]){END}},
    {FS_T_TUNNEL_FLOOD, "tunnel flood", "overlay.c",
     (const int[]){FIELD(FS_F_NETWORK), FIELD(FS_F_FROM_TUNNEL), END},
     (const int[]){MFF_TUN_ID, END}, (const int[]){END}},
    {FS_T_EGRESS, "egress", "l2.c",
     (const int[]){FIELD(FS_F_DST_PORT), FIELD(FS_F_FROM_TUNNEL), END},
     (const int[]){END}, (const int[]){FS_T_PROVIDER_OUT, END}},
    {FS_T_PROVIDER_OUT, "provider out", "provider.c",
     (const int[]){FIELD(FS_F_DST_PORT), FIELD(FS_F_NETWORK), END},
     (const int[]){MFF_VLAN_VID, END}, (const int[]){END}},
};

const struct fs_table_decl *fs_pipeline_decl(int table)
{
    for (size_t i = 0; i < ARRAY_SIZE(decls); i++) {
        if (decls[i].table == table) {
            return &decls[i];
        }
    }
    return NULL;
}

const struct fs_table_decl *fs_pipeline_decls(size_t *n)
{
    *n = ARRAY_SIZE(decls);
    return decls;
}

/* The OVS field and the mask (its bits, in the field's byte order) of
 * declaration field 'ref'. */
static const struct mf_field *ref_field(int ref, union mf_value *mask)
{
    if (ref >= 0) {
        const struct mf_field *mf = mf_from_id(ref);
        memset(mask, 0xff, sizeof *mask);
        return mf;
    }
    const struct fs_field_def *def = fs_field_def(-1 - ref);
    const struct mf_field *mf = mf_from_id(def->mff);
    uint64_t bits =
        def->n_bits >= 64 ? UINT64_MAX : ((UINT64_C(1) << def->n_bits) - 1);
    memset(mask, 0, sizeof *mask);
    if (mf->n_bytes == 8) {
        mask->be64 = htonll(bits << def->ofs);
    } else {
        mask->be32 = htonl((uint32_t)(bits << def->ofs));
    }
    return mf;
}

/* Per table, the union of the masks of the fields it may match (packet
 * type always: OVS sets it with any header field). */
static struct flow_wildcards allowed[256];

static void init_allowed(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    if (!ovsthread_once_start(&once)) {
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(decls); i++) {
        struct flow_wildcards *wc = &allowed[decls[i].table];
        flow_wildcards_init_catchall(wc);
        mf_mask_field(mf_from_id(MFF_PACKET_TYPE), wc);
        for (const int *r = decls[i].match; *r != END; r++) {
            union mf_value mask;
            const struct mf_field *mf = ref_field(*r, &mask);
            mf_mask_field_masked(mf, &mask, wc);
        }
    }
    ovsthread_once_done(&once);
}

/* Names in 's' the fields of 'wc' that have bits outside 'ok'. */
static void name_extra_fields(const struct flow_wildcards *wc,
                              const struct flow_wildcards *ok, struct ds *s)
{
    struct flow_wildcards extra;
    const uint64_t *w = (const uint64_t *)&wc->masks;
    const uint64_t *o = (const uint64_t *)&ok->masks;
    uint64_t *e = (uint64_t *)&extra.masks;
    for (size_t i = 0; i < sizeof extra.masks / sizeof *e; i++) {
        e[i] = w[i] & ~o[i];
    }
    for (int id = 0; id < MFF_N_IDS; id++) {
        const struct mf_field *mf = mf_from_id(id);
        if (!mf_is_all_wild(mf, &extra)) {
            ds_put_format(s, " %s", mf->name);
            return; /* One is enough (its aliases would follow). */
        }
    }
}

static bool listed(const int *list, int value)
{
    for (; *list != END; list++) {
        if (*list == value) {
            return true;
        }
    }
    return false;
}

/* True if writing the bits 'sf_mask' of 'field' is what 'decl' lets its
 * table set. */
static bool may_write(const struct fs_table_decl *decl,
                      const struct mf_field *field,
                      const union mf_value *sf_mask)
{
    for (const int *r = decl->set; *r != END; r++) {
        union mf_value mask;
        const struct mf_field *mf = ref_field(*r, &mask);
        if (mf->id != field->id) {
            continue;
        }
        const uint8_t *a = (const uint8_t *)sf_mask;
        const uint8_t *b = (const uint8_t *)&mask;
        bool inside = true;
        for (size_t i = 0; i < mf->n_bytes; i++) {
            inside &= !(a[i] & ~b[i]);
        }
        if (inside) {
            return true;
        }
    }
    return false;
}

/* Checks 'len' bytes of actions at 'ofpacts' (clone()'s too) against
 * 'decl'; the first violation goes to 's'. */
static void check_actions(const struct fs_table_decl *decl,
                          const struct ofpact *ofpacts, size_t len,
                          struct ds *s)
{
    const struct ofpact *a;
    OFPACT_FOR_EACH(a, ofpacts, len)
    {
        if (s->length) {
            return;
        }
        int next = -1;
        const struct mf_subfield *dst = NULL;
        if (a->type == OFPACT_SET_FIELD) {
            const struct ofpact_set_field *sf = ofpact_get_SET_FIELD(a);
            if (!may_write(decl, sf->field, ofpact_set_field_mask(sf))) {
                ds_put_format(s, "sets %s", sf->field->name);
            }
        } else if (a->type == OFPACT_REG_MOVE) {
            dst = &ofpact_get_REG_MOVE(a)->dst;
        } else if (a->type == OFPACT_STACK_POP) {
            dst = &ofpact_get_STACK_POP(a)->subfield;
        } else if (a->type == OFPACT_GOTO_TABLE) {
            next = ofpact_get_GOTO_TABLE(a)->table_id;
        } else if (a->type == OFPACT_RESUBMIT) {
            next = ofpact_get_RESUBMIT(a)->table_id;
        } else if (a->type == OFPACT_CLONE) {
            const struct ofpact_nest *n =
                ofpact_get_CLONE(CONST_CAST(struct ofpact *, a));
            check_actions(decl, n->actions, ofpact_nest_get_action_len(n), s);
        }
        if (dst) {
            union mf_value mask;
            memset(&mask, 0, sizeof mask);
            bitwise_one(&mask, dst->field->n_bytes, dst->ofs, dst->n_bits);
            if (!may_write(decl, dst->field, &mask)) {
                ds_put_format(s, "sets %s", dst->field->name);
            }
        }
        if (next >= 0 && !listed(decl->next, next)) {
            ds_put_format(s, "goes to table %d", next);
        }
    }
}

char *fs_pipeline_check(const struct fs_flow *f)
{
    const struct fs_table_decl *decl = fs_pipeline_decl(f->table_id);
    struct ds s = DS_EMPTY_INITIALIZER;
    if (!decl) {
        ds_put_format(&s, "table %u is not in the pipeline", f->table_id);
    } else {
        init_allowed();
        struct match m;
        minimatch_expand(&f->match, &m);
        if (!flow_wildcards_has_extra(&allowed[f->table_id], &m.wc)) {
            check_actions(decl, f->ofpacts, f->ofpacts_len, &s);
        } else {
            ds_put_cstr(&s, "matches");
            name_extra_fields(&m.wc, &allowed[f->table_id], &s);
        }
    }
    if (!s.length) {
        ds_destroy(&s);
        return NULL;
    }
    char *flow = fs_flow_to_string(f);
    char *msg = xasprintf("%s: table %u (%s, written by %s) %s", flow,
                          f->table_id, decl ? decl->name : "?",
                          decl ? decl->writer : "?", ds_cstr(&s));
    free(flow);
    ds_destroy(&s);
    return msg;
}

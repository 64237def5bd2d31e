/* OpenFlow connection to the integration bridge: see reconciler/ofbridge.h.
 * Built on libopenvswitch's vconn helpers (vconn_dump_flows,
 * vconn_transact_multipart, vconn_bundle_transact). */
#include "reconciler/ofbridge.h"

#include <errno.h>
#include <string.h>

#include "byte-order.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofbridge);

int fs_ofbridge_open(const char *target, int timeout_ms, struct vconn **vconnp)
{
    *vconnp = NULL;
    struct vconn *vconn;
    int error = vconn_open(target, 1u << OFP15_VERSION, 0, &vconn);
    if (error) {
        return error;
    }
    error = vconn_connect_block(vconn, timeout_ms);
    if (error) {
        vconn_close(vconn);
        return error;
    }
    *vconnp = vconn;
    return 0;
}

static int dump_flows(struct vconn *vconn, struct fs_of_state *st)
{
    struct ofputil_flow_stats_request fsr = {
        .cookie = htonll(FS_COOKIE_BASE),
        .cookie_mask = htonll(FS_COOKIE_MASK),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    match_init_catchall(&fsr.match);
    struct ofputil_flow_stats *fses;
    size_t n;
    int error = vconn_dump_flows(vconn, &fsr, OFPUTIL_P_OF15_OXM, &fses, &n);
    if (error) {
        return error;
    }
    for (size_t i = 0; i < n; i++) {
        fs_of_state_add_flow_stats(st, &fses[i]);
        free(CONST_CAST(struct ofpact *, fses[i].ofpacts));
    }
    free(fses);
    return 0;
}

static bool our_group(uint32_t id)
{
    return id >= FS_GROUP_BASE && id - FS_GROUP_BASE < FS_GROUP_SPAN;
}

static int dump_groups(struct vconn *vconn, struct fs_of_state *st)
{
    struct ovs_list requests, replies;
    ovs_list_init(&requests);
    ovs_list_push_back(
        &requests,
        &ofputil_encode_group_desc_request(OFP15_VERSION, OFPG_ALL)->list_node);
    int error = vconn_transact_multipart(vconn, &requests, &replies);
    if (error) {
        return error;
    }
    struct ofpbuf *reply;
    LIST_FOR_EACH(reply, list_node, &replies)
    {
        struct ofpbuf msg = ofpbuf_const_initializer(reply->data, reply->size);
        struct ofputil_group_desc gd;
        while (!ofputil_decode_group_desc_reply(&gd, &msg, OFP15_VERSION)) {
            if (our_group(gd.group_id)) {
                fs_of_state_add_group_desc(st, &gd);
            }
            ofputil_uninit_group_desc(&gd);
        }
    }
    ofpbuf_list_delete(&replies);
    return 0;
}

int fs_ofbridge_dump(struct vconn *vconn, struct fs_of_state *installed)
{
    fs_of_state_clear(installed);
    int error = dump_flows(vconn, installed);
    return error ? error : dump_groups(vconn, installed);
}

char *fs_ofbridge_apply(struct vconn *vconn, struct fs_of_changes *ch)
{
    struct ovs_list errors;
    int error = vconn_bundle_transact(vconn, &ch->msgs,
                                      OFPBF_ATOMIC | OFPBF_ORDERED, &errors);
    if (!error && ovs_list_is_empty(&errors)) {
        return NULL;
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "bundle failed (%s)",
                  error ? ovs_retval_to_string(error) : "rejected");
    struct ofpbuf *msg;
    LIST_FOR_EACH(msg, list_node, &errors)
    {
        ds_put_cstr(&s, ": ");
        char *text = ofp_to_string(msg->data, msg->size, NULL, NULL, 1);
        ds_put_cstr(&s, text);
        free(text);
    }
    ofpbuf_list_delete(&errors);
    ds_chomp(&s, '\n');
    return ds_steal_cstr(&s);
}

int fs_ofbridge_run(struct vconn *vconn)
{
    vconn_run(vconn);
    for (int i = 0; i < 50; i++) {
        struct ofpbuf *msg;
        int error = vconn_recv(vconn, &msg);
        if (error == EAGAIN) {
            return 0;
        } else if (error) {
            return error;
        }
        enum ofptype type;
        const struct ofp_header *oh = msg->data;
        if (!ofptype_decode(&type, oh) && type == OFPTYPE_ECHO_REQUEST) {
            vconn_send(vconn, ofputil_encode_echo_reply(oh));
        }
        ofpbuf_delete(msg);
    }
    return vconn_get_status(vconn) < 0 ? EPIPE : 0;
}

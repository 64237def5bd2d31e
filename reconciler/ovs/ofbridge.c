/* OpenFlow connection to the integration bridge: see reconciler/ovs/ofbridge.h.
 * libopenvswitch's vconn_transact*() and vconn_bundle_transact() block
 * with no bound (vconn_recv_block() waits for the switch forever), so the
 * exchanges are written here on vconn_send() / vconn_recv() with a
 * deadline per message and a cancel latch, the same messages in the same
 * order as those helpers send. */
#include "reconciler/ovs/ofbridge.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "byte-order.h"
#include "latch.h"
#include "model/text.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-match.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "render/pipeline.h"
#include "render/punt.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofbridge);

void fs_of_changes_destroy(struct fs_of_changes *ch)
{
    ofpbuf_list_delete(&ch->msgs);
    free(ch->tags);
    for (size_t i = 0; i < ch->n_refused; i++) {
        free(ch->refused[i].why);
    }
    free(ch->refused);
}

static ovs_be32 xid_of(const struct ofpbuf *msg)
{
    return ((const struct ofp_header *)msg->data)->xid;
}

static void add_refusal(struct fs_of_changes *ch, ovs_be32 xid, char *why)
{
    ch->refused =
        xrealloc(ch->refused, (ch->n_refused + 1) * sizeof *ch->refused);
    ch->refused[ch->n_refused++] = (struct fs_of_refusal){xid, why};
}

/* The switch's errors as refusals of the messages they are about. */
static void note_refusals(struct fs_of_changes *ch,
                          const struct ovs_list *errors)
{
    const struct ofpbuf *msg;
    LIST_FOR_EACH(msg, list_node, errors)
    {
        struct ofpbuf payload;
        enum ofperr error = ofperr_decode_msg(msg->data, &payload);
        if (error) {
            add_refusal(
                ch, xid_of(msg),
                xasprintf("the switch refused it: %s", ofperr_get_name(error)));
        }
    }
}

int fs_ofbridge_open(const char *target, struct vconn **vconnp)
{
    return vconn_open(target, 1u << OFP15_VERSION, 0, vconnp);
}

/* Waits until 'vconn' may be ready for 'what', the cancel latch is set or
 * 'deadline' passes.  Returns 0 (try again), ECANCELED or ETIMEDOUT. */
static int io_block(const struct fs_of_io *io, enum vconn_wait_type what,
                    long long deadline)
{
    if (latch_is_set(io->cancel)) {
        return ECANCELED;
    } else if (time_msec() >= deadline) {
        return ETIMEDOUT;
    }
    vconn_run(io->vconn);
    vconn_run_wait(io->vconn);
    vconn_wait(io->vconn, what);
    latch_wait(io->cancel);
    poll_timer_wait_until(deadline);
    poll_block();
    return 0;
}

/* Queues 'msg' (always consumed) within the timeout. */
static int io_send(const struct fs_of_io *io, struct ofpbuf *msg)
{
    long long deadline = time_msec() + io->timeout_ms;
    for (;;) {
        int error = vconn_send(io->vconn, msg);
        if (error != EAGAIN) {
            if (error) {
                ofpbuf_delete(msg);
            }
            return error;
        }
        error = io_block(io, WAIT_SEND, deadline);
        if (error) {
            ofpbuf_delete(msg);
            return error;
        }
    }
}

/* Answers 'msg' if it is an echo request.  Returns true if it was. */
static bool answer_echo(struct vconn *vconn, const struct ofpbuf *msg)
{
    enum ofptype type;
    const struct ofp_header *oh = msg->data;
    if (ofptype_decode(&type, oh) || type != OFPTYPE_ECHO_REQUEST) {
        return false;
    }
    struct ofpbuf *reply = ofputil_encode_echo_reply(oh);
    if (vconn_send(vconn, reply)) {
        ofpbuf_delete(reply);
    }
    return true;
}

/* Receives the next message other than an echo request within the
 * timeout. */
static int io_recv(const struct fs_of_io *io, struct ofpbuf **msgp)
{
    long long deadline = time_msec() + io->timeout_ms;
    for (;;) {
        vconn_run(io->vconn);
        int error = vconn_recv(io->vconn, msgp);
        if (!error) {
            if (!answer_echo(io->vconn, *msgp)) {
                return 0;
            }
            ofpbuf_delete(*msgp);
            continue;
        } else if (error != EAGAIN) {
            return error;
        }
        error = io_block(io, WAIT_RECV, deadline);
        if (error) {
            *msgp = NULL;
            return error;
        }
    }
}

static bool is_error(const struct ofpbuf *msg)
{
    enum ofptype type;
    return !ofptype_decode(&type, msg->data) && type == OFPTYPE_ERROR;
}

/* Receives the reply with transaction id 'xid'; OpenFlow errors about other
 * messages go to 'errors' (if nonnull), anything else is dropped. */
static int io_recv_xid(const struct fs_of_io *io, ovs_be32 xid,
                       struct ofpbuf **replyp, struct ovs_list *errors)
{
    for (;;) {
        struct ofpbuf *msg;
        int error = io_recv(io, &msg);
        if (error) {
            *replyp = NULL;
            return error;
        } else if (xid_of(msg) == xid) {
            *replyp = msg;
            return 0;
        } else if (errors && is_error(msg)) {
            ovs_list_push_back(errors, &msg->list_node);
        } else if (io->unsolicited) {
            ovs_list_push_back(io->unsolicited, &msg->list_node);
        } else {
            ofpbuf_delete(msg);
        }
    }
}

/* Moves the OpenFlow errors already received into 'errors', without
 * waiting (so that the socket does not fill up with them).  A message
 * with xid 'keep' (the reply to a bundle's open request, which may come
 * now) goes to '*kept' (NULL: none expected). */
static int io_drain_errors(const struct fs_of_io *io, struct ovs_list *errors,
                           ovs_be32 keep, struct ofpbuf **kept)
{
    for (;;) {
        struct ofpbuf *msg;
        int error = vconn_recv(io->vconn, &msg);
        if (error) {
            return error == EAGAIN ? 0 : error;
        } else if (answer_echo(io->vconn, msg)) {
            ofpbuf_delete(msg);
        } else if (kept && !*kept && xid_of(msg) == keep) {
            *kept = msg;
        } else if (is_error(msg)) {
            ovs_list_push_back(errors, &msg->list_node);
        } else if (io->unsolicited) {
            ovs_list_push_back(io->unsolicited, &msg->list_node);
        } else {
            ofpbuf_delete(msg);
        }
    }
}

/* Sends bundle control 'type' without waiting for the reply; '*xid' is
 * the request's. */
static int bundle_control_send(const struct fs_of_io *io,
                               struct ofputil_bundle_ctrl_msg *bc,
                               uint16_t type, ovs_be32 *xid)
{
    bc->type = type;
    struct ofpbuf *request =
        ofputil_encode_bundle_ctrl_request(vconn_get_version(io->vconn), bc);
    *xid = xid_of(request);
    return io_send(io, request);
}

/* Waits for the reply 'xid' to bundle control 'type' and checks it; an
 * OpenFlow error reply goes to 'errors' (EPROTO). */
static int bundle_control_recv(const struct fs_of_io *io,
                               const struct ofputil_bundle_ctrl_msg *bc,
                               uint16_t type, ovs_be32 xid,
                               struct ofpbuf *reply, struct ovs_list *errors)
{
    int error = reply ? 0 : io_recv_xid(io, xid, &reply, errors);
    if (error) {
        return error;
    }
    struct ofputil_bundle_ctrl_msg rbc;
    enum ofptype t;
    if (is_error(reply)) {
        ovs_list_push_back(errors, &reply->list_node);
        return EPROTO;
    } else if (ofptype_decode(&t, reply->data) || t != OFPTYPE_BUNDLE_CONTROL ||
               ofputil_decode_bundle_ctrl(reply->data, &rbc) ||
               rbc.bundle_id != bc->bundle_id || rbc.type != type + 1) {
        error = EPROTO;
    }
    ofpbuf_delete(reply);
    return error;
}

/* Sends bundle control 'type' and checks the switch's reply. */
static int bundle_control(const struct fs_of_io *io,
                          struct ofputil_bundle_ctrl_msg *bc, uint16_t type,
                          struct ovs_list *errors)
{
    ovs_be32 xid;
    int error = bundle_control_send(io, bc, type, &xid);
    return error ? error : bundle_control_recv(io, bc, type, xid, NULL, errors);
}

/* Errors the switch sends while a bundle is filled are read every this
 * many messages (a receive per message would cost a system call each). */
#define DRAIN_EVERY 64

static int bundle_add(const struct fs_of_io *io, struct fs_of_bundle *b,
                      struct ofpbuf *msg)
{
    ofpmsg_update_length(msg);
    struct ofputil_bundle_add_msg bam = {
        .bundle_id = b->bc.bundle_id,
        .flags = b->bc.flags,
        .msg = msg->data,
    };
    int error = io_send(
        io, ofputil_encode_bundle_add(vconn_get_version(io->vconn), &bam));
    return error ? error
           : b->n_sent++ % DRAIN_EVERY == DRAIN_EVERY - 1
               ? io_drain_errors(io, &b->errors, b->open_xid, &b->open_reply)
               : 0;
}

static int barrier(const struct fs_of_io *io, struct ovs_list *errors)
{
    struct ofpbuf *request =
        ofputil_encode_barrier_request(vconn_get_version(io->vconn));
    ovs_be32 xid = xid_of(request);
    int error = io_send(io, request);
    struct ofpbuf *reply;
    error = error ? error : io_recv_xid(io, xid, &reply, errors);
    if (!error) {
        ofpbuf_delete(reply);
    }
    return error;
}

/* A bundled message travels inside an OFPT_BUNDLE_ADD_MESSAGE (header,
 * bundle id, flags) whose 16-bit length counts both. */
#define MAX_BUNDLED                                                            \
    (UINT16_MAX - sizeof(struct ofp_header) -                                  \
     sizeof(struct ofp14_bundle_ctrl_msg))

/* Longest part of a flow's match that an error quotes. */
#define MATCH_TEXT_MAX 160

/* Appends to 's' which flow the flow mod at 'data' ('len' bytes) is about,
 * "flow table=T,priority=P,MATCH (add, cookie 0x...)" with MATCH escaped
 * and cut after MATCH_TEXT_MAX bytes; a bundle add message carrying a
 * flow mod is looked into.  Reads only the fixed part and the match (which
 * come before the instructions), so a message too long for its 16-bit
 * length field works too.  Returns false, appending nothing, for anything
 * else. */
static bool describe_flow_mod(struct ds *s, const void *data, size_t len)
{
    struct ofpbuf b = ofpbuf_const_initializer(data, len);
    enum ofpraw raw;
    if (ofpraw_pull(&raw, &b)) {
        return false;
    } else if (raw == OFPRAW_OFPT14_BUNDLE_ADD_MESSAGE) {
        return ofpbuf_try_pull(&b, sizeof(struct ofp14_bundle_ctrl_msg)) &&
               describe_flow_mod(s, b.data, b.size);
    }
    const struct ofp11_flow_mod *ofm =
        raw == OFPRAW_OFPT11_FLOW_MOD ? ofpbuf_try_pull(&b, sizeof *ofm) : NULL;
    struct match match;
    if (!ofm || ofputil_pull_ofp11_match(&b, NULL, NULL, &match, NULL)) {
        return false;
    }
    struct ds m = DS_EMPTY_INITIALIZER;
    match_format(&match, NULL, &m, OFP_DEFAULT_PRIORITY);
    ds_put_format(s, "flow table=%" PRIu8 ",priority=%" PRIu16 ",",
                  ofm->table_id, ntohs(ofm->priority));
    fs_text_escape(s, m.string, m.length, MATCH_TEXT_MAX, false);
    ds_destroy(&m);
    static const char *const commands[] = {"add", "modify", "modify_strict",
                                           "delete", "delete_strict"};
    ds_put_format(s, " (%s",
                  ofm->command < ARRAY_SIZE(commands) ? commands[ofm->command]
                                                      : "?");
    if (ofm->command == OFPFC_ADD) {
        ds_put_format(s, ", cookie %#" PRIx64, ntohll(ofm->cookie));
    }
    ds_put_char(s, ')');
    return true;
}

/* "bundle rejected: ERROR: flow ...; ERROR (about OFPT_...)" for the
 * switch's OpenFlow errors: each error's name and the flow it is about
 * (describe_flow_mod()), or the type of the message it is about; an error
 * that does not decode as ovs-ofctl prints it. */
static char *rejection(const struct ovs_list *errors)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&s, "bundle rejected");
    const char *sep = ": ";
    struct ofpbuf *msg;
    LIST_FOR_EACH(msg, list_node, errors)
    {
        ds_put_cstr(&s, sep);
        sep = "; ";
        struct ofpbuf payload;
        enum ofperr error = ofperr_decode_msg(msg->data, &payload);
        enum ofpraw raw;
        if (!error) {
            char *text = ofp_to_string(msg->data, msg->size, NULL, NULL, 1);
            ds_put_cstr(&s, text);
            free(text);
            ds_chomp(&s, '\n');
            continue;
        }
        ds_put_format(&s, "%s: ", ofperr_get_name(error));
        if (!describe_flow_mod(&s, payload.data, payload.size)) {
            ds_truncate(&s, s.length - 2);
            if (payload.size >= sizeof(struct ofp_header) &&
                !ofpraw_decode_partial(&raw, payload.data, payload.size)) {
                ds_put_format(&s, " (about %s)", ofpraw_get_name(raw));
            }
        }
    }
    return ds_steal_cstr(&s);
}

/* Returns why 'msg' cannot be bundled (caller frees), or NULL if it can. */
static char *too_big(const struct ofpbuf *msg)
{
    if (msg->size <= MAX_BUNDLED) {
        return NULL;
    }
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&s, "bundle not sent: ");
    if (!describe_flow_mod(&s, msg->data, msg->size)) {
        ds_put_cstr(&s, "a message");
    }
    ds_put_format(&s,
                  " is %" PRIu32 " bytes, more than an OpenFlow message "
                  "holds (%" PRIuSIZE " in a bundle)",
                  msg->size, MAX_BUNDLED);
    return ds_steal_cstr(&s);
}

/* The open request goes out with the messages that follow it, without
 * waiting for its reply (which close reads): a bundle costs the switch's
 * round trips of the barrier and the commit only. */
int fs_ofbridge_bundle_open(const struct fs_of_io *io, struct fs_of_bundle *b)
{
    *b = (struct fs_of_bundle){
        .bc = {.flags = OFPBF_ATOMIC | OFPBF_ORDERED},
        .t_open = time_msec(),
    };
    ovs_list_init(&b->errors);
    b->error =
        bundle_control_send(io, &b->bc, OFPBCT_OPEN_REQUEST, &b->open_xid);
    return b->error;
}

/* Reads the reply to the open request.  If the switch refused to open
 * the bundle, that refusal is the only error kept: every add of the
 * bundle was refused for it, not for what it holds. */
static int bundle_opened(const struct fs_of_io *io, struct fs_of_bundle *b)
{
    struct ovs_list errors = OVS_LIST_INITIALIZER(&errors);
    int error = bundle_control_recv(io, &b->bc, OFPBCT_OPEN_REQUEST,
                                    b->open_xid, b->open_reply, &errors);
    b->open_reply = NULL; /* Consumed. */
    if (error == EPROTO) {
        ofpbuf_list_delete(&b->errors);
        ovs_list_init(&b->errors);
    }
    ovs_list_push_back_all(&b->errors, &errors);
    return error;
}

int fs_ofbridge_bundle_send(const struct fs_of_io *io, struct fs_of_bundle *b,
                            struct fs_of_changes *ch)
{
    struct ofpbuf *msg;
    LIST_FOR_EACH_POP(msg, list_node, &ch->msgs)
    {
        char *why = b->error ? NULL : too_big(msg);
        if (why) {
            /* Never sent: a longer message would wrap its 16-bit length
             * field, and the switch would read the rest of it as more
             * messages.  The bundle is discarded at the end. */
            add_refusal(ch, xid_of(msg), xstrdup(why));
            if (!b->too_big) {
                b->too_big = why;
            } else {
                free(why);
            }
        } else if (!b->error) {
            b->error = bundle_add(io, b, msg);
        }
        ofpbuf_delete(msg);
    }
    return b->error;
}

int fs_ofbridge_bundle_close(const struct fs_of_io *io, struct fs_of_bundle *b,
                             struct fs_of_changes *ch, char **rejected)
{
    *rejected = NULL;
    long long t1 = time_msec();
    int error = b->error ? b->error : bundle_opened(io, b);
    ofpbuf_delete(b->open_reply); /* Not read after a transport error. */
    b->open_reply = NULL;
    if (error == EPROTO) {
        /* Not opened: nothing to discard. */
        *rejected = rejection(&b->errors);
        free(b->too_big);
        b->too_big = NULL;
        ofpbuf_list_delete(&b->errors);
        return error;
    }
    error = error ? error : barrier(io, &b->errors);
    long long t2 = time_msec();
    if (!error && (b->too_big || !ovs_list_is_empty(&b->errors))) {
        /* A message the switch refuses is left out of the bundle, not
         * fatal to it: know about every refusal before committing. */
        error = EPROTO;
        int e = bundle_control(io, &b->bc, OFPBCT_DISCARD_REQUEST, &b->errors);
        if (e && e != EPROTO) {
            error = e;
        }
    } else if (!error) {
        error = bundle_control(io, &b->bc, OFPBCT_COMMIT_REQUEST, &b->errors);
    }
    VLOG_DBG("bundle of %zu messages: opened and sent in %lld ms, barrier "
             "%lld ms, commit %lld ms",
             b->n_sent, t1 - b->t_open, t2 - t1, time_msec() - t2);
    if (error == EPROTO) {
        if (b->too_big) {
            *rejected = b->too_big;
            b->too_big = NULL;
        } else {
            *rejected = rejection(&b->errors);
        }
        note_refusals(ch, &b->errors);
    }
    free(b->too_big);
    b->too_big = NULL;
    ofpbuf_list_delete(&b->errors);
    return error;
}

int fs_ofbridge_apply(const struct fs_of_io *io, struct fs_of_changes *ch,
                      char **rejected)
{
    *rejected = NULL;
    struct ofpbuf *msg;
    /* Before anything is sent: a longer message would wrap its 16-bit
     * length field, and the switch would read the rest of it as more
     * messages. */
    LIST_FOR_EACH(msg, list_node, &ch->msgs)
    {
        char *why = too_big(msg);
        if (why) {
            add_refusal(ch, xid_of(msg), xstrdup(why));
            if (!*rejected) {
                *rejected = why;
            } else {
                free(why);
            }
        }
    }
    if (*rejected) {
        return EPROTO;
    }
    struct fs_of_bundle b;
    fs_ofbridge_bundle_open(io, &b);
    fs_ofbridge_bundle_send(io, &b, ch);
    return fs_ofbridge_bundle_close(io, &b, ch, rejected);
}

int fs_ofbridge_send(const struct fs_of_io *io, struct ofpbuf *request,
                     ovs_be32 *xid)
{
    ofpmsg_update_length(request);
    *xid = xid_of(request);
    return io_send(io, request);
}

struct ofpbuf *fs_ofbridge_monitor_request(void)
{
    struct ofputil_flow_monitor_request rq = {
        .id = 1,
        .command = OFPFMC_ADD,
        .flags = OFPFMF_INITIAL | OFPFMF_ADD | OFPFMF_REMOVED | OFPFMF_MODIFY |
                 OFPFMF_INSTRUCTIONS,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    match_init_catchall(&rq.match);
    struct ofpbuf *msg = ofpbuf_new(0);
    ofputil_append_flow_monitor_request(&rq, msg, OFPUTIL_P_OF15_OXM);
    return msg;
}

struct ofpbuf *fs_ofbridge_groups_request(void)
{
    return ofputil_encode_group_desc_request(OFP15_VERSION, OFPG_ALL);
}

struct ofpbuf *fs_ofbridge_punt_meter_request(uint32_t meter_id)
{
    struct ofputil_meter_band band = {
        .type = OFPMBT13_DROP,
        .rate = FS_PUNT_RATE,
        .burst_size = FS_PUNT_BURST,
    };
    struct ofputil_meter_mod mm = {
        .command = OFPMC13_ADD,
        .meter = {.meter_id = meter_id,
                  .flags = OFPMF13_PKTPS | OFPMF13_BURST,
                  .n_bands = 1,
                  .bands = &band},
    };
    return ofputil_encode_meter_mod(OFP15_VERSION, &mm);
}

struct ofpbuf *fs_ofbridge_audit_request(void)
{
    struct ofputil_flow_stats_request fsr = {
        .cookie = htonll(FS_COOKIE_BASE),
        .cookie_mask = htonll(FS_COOKIE_MASK),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    match_init_catchall(&fsr.match);
    return ofputil_encode_flow_stats_request(&fsr, OFPUTIL_P_OF15_OXM);
}

int fs_ofbridge_run(struct vconn *vconn, struct ovs_list *unsolicited, int max)
{
    vconn_run(vconn);
    for (int i = 0; i < max; i++) {
        struct ofpbuf *msg;
        int error = vconn_recv(vconn, &msg);
        if (error == EAGAIN) {
            return 0;
        } else if (error) {
            return error;
        } else if (answer_echo(vconn, msg)) {
            ofpbuf_delete(msg);
        } else {
            ovs_list_push_back(unsolicited, &msg->list_node);
        }
    }
    return vconn_get_status(vconn) < 0 ? EPIPE : 0;
}

/* reconciler/ovs/ofbridge.h: the OpenFlow 1.5 connection to the integration
 * bridge, used only from the OVS thread.  Every exchange is bounded: each
 * message to or from the switch must move within the exchange's timeout,
 * and setting its cancel latch ends the wait at once, so a frozen
 * ovs-vswitchd never holds the thread (or its exit) for longer. */
#ifndef FS_OFBRIDGE_H
#define FS_OFBRIDGE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/list.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/types.h"

struct latch;
struct ofpbuf;
struct vconn;

/* An exchange's connection and bounds. */
struct fs_of_io {
    struct vconn *vconn;        /* Connected (vconn_connect() returned 0). */
    int timeout_ms;             /* Longest wait for any one message. */
    const struct latch *cancel; /* Once set, waits end with ECANCELED. */
    /* Messages received while waiting for something else (flow monitor
     * updates, replies to requests sent with fs_ofbridge_send()) are
     * appended here, for the caller to process later; NULL: dropped. */
    struct ovs_list *unsolicited;
};

/* What to send to the switch in one bundle (fs_flowtable_changes() makes
 * it). */
struct fs_of_changes {
    struct ovs_list msgs; /* OpenFlow 1.5 "struct ofpbuf"s, in bundle
                           * order: group adds and modifies, flow changes
                           * (add for a new flow; modify_strict under our
                           * cookie mask for changed actions; delete_strict
                           * then add for a changed cookie), flow deletes,
                           * group deletes. */
    size_t flow_mods, group_mods;
    /* The transaction id of each flow message and what it is for (an
     * opaque pointer of the caller's: the flow table's entry), so that
     * the flows the switch refuses can be named and left out. */
    struct fs_of_tag {
        ovs_be32 xid;
        void *owner;
    } * tags;
    size_t n_tags, allocated_tags;
    /* Set by fs_ofbridge_apply() when it returns EPROTO: the messages
     * refused (by the switch, or too long to send), by xid, each with the
     * reason (owned). */
    struct fs_of_refusal {
        ovs_be32 xid;
        char *why;
    } * refused;
    size_t n_refused;
};

/* Frees the messages of 'changes'. */
void fs_of_changes_destroy(struct fs_of_changes *changes);

/* Starts opening 'target' ("unix:/run/openvswitch/br-int.mgmt") for
 * OpenFlow 1.5 without blocking: the caller completes it with
 * vconn_connect() (EAGAIN while in progress) under its own deadline.
 * Returns 0 and sets '*vconnp', or an errno value. */
int fs_ofbridge_open(const char *target, struct vconn **vconnp);

/* Sends 'changes' as one atomic, ordered bundle: open, the messages, a
 * barrier (so that a message the switch refuses is known before the
 * commit), then the commit, and waits for the commit reply.  Returns 0; or
 * EPROTO when the switch refused it (the bundle is discarded) with
 * '*rejected' set to the switch's OpenFlow errors, each naming the flow it
 * is about ("bundle rejected: OFPFMFC_TABLE_FULL: flow table=55,
 * priority=100,metadata=0x1d1f2a1,dl_dst=... (add, cookie 0x...)", the
 * match cut after 160 bytes; caller frees); or EPROTO, nothing sent, when
 * a message is too long for a bundle (OpenFlow's 16-bit lengths), with
 * '*rejected' naming it the same way.  On EPROTO, changes->refused lists
 * the messages refused, by transaction id; or another errno value for the
 * transport (ETIMEDOUT, ECANCELED, EOF...): the connection is then
 * unusable. */
int fs_ofbridge_apply(const struct fs_of_io *, struct fs_of_changes *changes,
                      char **rejected);

/* The same bundle in steps, for a caller that builds its messages while
 * the first ones go out (a cold start: reconciler/ovs/flowtable.h,
 * fs_flowtable_stream_start()).  fs_ofbridge_bundle_open() opens it;
 * fs_ofbridge_bundle_send() sends every message now in changes->msgs
 * (they are freed; the tags stay), but one too long for a bundle, which is
 * never sent and makes the bundle discarded at the end; after a transport
 * error it sends nothing more (the messages are still freed) and returns
 * that error; fs_ofbridge_bundle_close() reads the reply to the open
 * (sent without waiting for it), sends the barrier, then the commit (or
 * the discard, after a refusal), and returns what fs_ofbridge_apply()
 * returns.  Call close once for every open, whatever the errors. */
struct fs_of_bundle {
    struct ofputil_bundle_ctrl_msg bc;
    struct ovs_list errors; /* OpenFlow errors received so far. */
    size_t n_sent;
    int error;     /* First transport error, or 0. */
    char *too_big; /* The first message not sent for its size, or NULL. */
    long long t_open;
    ovs_be32 open_xid;         /* The open request's (its reply: at close). */
    struct ofpbuf *open_reply; /* That reply, if read while sending. */
};
int fs_ofbridge_bundle_open(const struct fs_of_io *, struct fs_of_bundle *);
int fs_ofbridge_bundle_send(const struct fs_of_io *, struct fs_of_bundle *,
                            struct fs_of_changes *changes);
int fs_ofbridge_bundle_close(const struct fs_of_io *, struct fs_of_bundle *,
                             struct fs_of_changes *changes, char **rejected);

/* Sends 'request' (consumed) without waiting for its reply, which comes
 * back through 'io->unsolicited'; stores its transaction id in '*xid'.
 * Returns 0 or an errno value, as fs_ofbridge_dump(). */
int fs_ofbridge_send(const struct fs_of_io *, struct ofpbuf *request,
                     ovs_be32 *xid);

/* Requests: a flow monitor on every table reporting the flows there now
 * (OFPFME_INITIAL) and every later change made by another connection, with
 * instructions (OpenFlow 1.4+ OFPMP_FLOW_MONITOR, as `ovs-ofctl monitor
 * watch:` sends it); flowsteer's group descriptions; and a dump of
 * flowsteer's flows (cookie FS_COOKIE_BASE under FS_COOKIE_MASK). */
struct ofpbuf *fs_ofbridge_monitor_request(void);
struct ofpbuf *fs_ofbridge_groups_request(void);
/* Adds punt meter 'meter_id' (render/punt.h: FS_PUNT_RATE packets/s,
 * burst FS_PUNT_BURST; an error reply if it exists, which nothing waits
 * for).  Sent before the first flow that uses it, and again on each new
 * connection, so that every controller action finds its meter (OVS binds
 * a controller action to its meter when the flow is added). */
struct ofpbuf *fs_ofbridge_punt_meter_request(uint32_t meter_id);
struct ofpbuf *fs_ofbridge_audit_request(void);

/* Answers echo requests and moves up to 'max' other received messages to
 * 'unsolicited' without blocking.  Returns 0, or an errno value when the
 * connection is gone (EOF after ovs-vswitchd exits). */
int fs_ofbridge_run(struct vconn *, struct ovs_list *unsolicited, int max);

#endif /* reconciler/ovs/ofbridge.h */

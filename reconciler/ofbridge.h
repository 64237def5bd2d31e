/* reconciler/ofbridge.h: the OpenFlow 1.5 connection to the integration
 * bridge, used only from the OVS thread.  Every exchange is bounded: each
 * message to or from the switch must move within the exchange's timeout,
 * and setting its cancel latch ends the wait at once, so a frozen
 * ovs-vswitchd never holds the thread (or its exit) for longer. */
#ifndef FS_OFBRIDGE_H
#define FS_OFBRIDGE_H 1

#include <stdbool.h>
#include <stdint.h>

#include "reconciler/flowdiff.h"

struct latch;
struct vconn;

/* An exchange's connection and bounds. */
struct fs_of_io {
    struct vconn *vconn;        /* Connected (vconn_connect() returned 0). */
    int timeout_ms;             /* Longest wait for any one message. */
    const struct latch *cancel; /* Once set, waits end with ECANCELED. */
};

/* Starts opening 'target' ("unix:/run/openvswitch/br-int.mgmt") for
 * OpenFlow 1.5 without blocking: the caller completes it with
 * vconn_connect() (EAGAIN while in progress) under its own deadline.
 * Returns 0 and sets '*vconnp', or an errno value. */
int fs_ofbridge_open(const char *target, struct vconn **vconnp);

/* Replaces 'installed' with flowsteer's flows (cookie FS_COOKIE_BASE under
 * FS_COOKIE_MASK, all tables) and groups (ids in FS_GROUP_BASE's range) as
 * the switch reports them.  Returns 0, or an errno value: ETIMEDOUT when
 * the switch did not answer in time, ECANCELED, EOF, EPROTO... */
int fs_ofbridge_dump(const struct fs_of_io *, struct fs_of_state *installed);

/* Adds to 'foreign' every flow of table 'table_id' whose cookie is not
 * flowsteer's (outside FS_COOKIE_BASE/FS_COOKIE_MASK).  Returns 0 or an
 * errno value, as fs_ofbridge_dump(). */
int fs_ofbridge_dump_foreign(const struct fs_of_io *, uint8_t table_id,
                             struct fs_of_state *foreign);

/* Sends 'changes' as one atomic, ordered bundle: open, the messages, a
 * barrier (so that a message the switch refuses is known before the
 * commit), then the commit, and waits for the commit reply.  Returns 0; or
 * EPROTO when the switch refused it (the bundle is discarded) with
 * '*rejected' set to the switch's OpenFlow errors, each naming the flow it
 * is about ("bundle rejected: OFPFMFC_TABLE_FULL: flow table=55,
 * priority=100,metadata=0x1d1f2a1,dl_dst=... (add, cookie 0x...)", the
 * match cut after 160 bytes; caller frees); or EPROTO, nothing sent, when
 * a message is too long for a bundle (OpenFlow's 16-bit lengths), with
 * '*rejected' naming it the same way; or another errno value for the
 * transport (ETIMEDOUT, ECANCELED, EOF...): the connection is then
 * unusable. */
int fs_ofbridge_apply(const struct fs_of_io *, struct fs_of_changes *changes,
                      char **rejected);

/* Answers echo requests and drains other unsolicited messages without
 * blocking.  Returns 0, or an errno value when the connection is gone (EOF
 * after ovs-vswitchd exits). */
int fs_ofbridge_run(struct vconn *);

#endif /* reconciler/ofbridge.h */

/* reconciler/ofbridge.h: the OpenFlow 1.5 connection to the integration
 * bridge, used only from the OVS thread (calls block on that thread). */
#ifndef FS_OFBRIDGE_H
#define FS_OFBRIDGE_H 1

#include <stdbool.h>

#include "reconciler/flowdiff.h"

struct vconn;

/* Opens 'target' ("unix:/run/openvswitch/br-int.mgmt") for OpenFlow 1.5,
 * waiting at most 'timeout_ms'.  Returns 0 and sets '*vconnp', or an errno
 * value. */
int fs_ofbridge_open(const char *target, int timeout_ms, struct vconn **vconnp);

/* Replaces 'installed' with flowsteer's flows (cookie FS_COOKIE_BASE under
 * FS_COOKIE_MASK, all tables) and groups (ids in FS_GROUP_BASE's range) as
 * the switch reports them.  Returns 0 or an errno value. */
int fs_ofbridge_dump(struct vconn *, struct fs_of_state *installed);

/* Sends 'changes' as one atomic, ordered bundle and waits for the commit
 * reply (vconn_bundle_transact() puts a barrier before the commit).  Returns
 * NULL, or the error (caller frees): a transport error, or the switch's
 * OpenFlow errors with the offending message. */
char *fs_ofbridge_apply(struct vconn *, struct fs_of_changes *changes);

/* Answers echo requests and drains other unsolicited messages without
 * blocking.  Returns 0, or an errno value when the connection is gone (EOF
 * after ovs-vswitchd exits). */
int fs_ofbridge_run(struct vconn *);

#endif /* reconciler/ofbridge.h */

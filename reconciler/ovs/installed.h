/* reconciler/ovs/installed.h: what the switch reports about its flows and
 * groups, fed into the flow table (reconciler/ovs/flowtable.h).
 *
 * After each OpenFlow connection the OVS thread sends two requests whose
 * replies arrive among other messages: a flow monitor (its initial reply is
 * every flow of every table; then one update per flow another connection
 * adds, modifies or removes: drift is seen as it happens, without dumps)
 * and a group description request.  The installed side is known once both
 * are complete.  An audit (a dump of flowsteer's flows, rare) is read the
 * same way, flow by flow into the table: no second copy of the flows. */
#ifndef FS_INSTALLED_H
#define FS_INSTALLED_H 1

#include <stdbool.h>
#include <stddef.h>

#include "openvswitch/types.h"
#include "reconciler/ovs/flowtable.h"

struct ofpbuf;

/* The requests in flight on one connection. */
struct fs_reads {
    ovs_be32 monitor_xid, groups_xid, audit_xid;
    bool monitor_initial; /* Waiting for the monitor's initial reply. */
    bool groups;          /* Waiting for group descriptions. */
    bool audit;           /* An audit dump is being read. */
    size_t updates;       /* Monitor updates about other owners' changes
                           * to flows (since the initial reply). */
    size_t repaired;      /* Flows the last audit found missing. */
    /* Set when the monitor stopped (paused by the switch for lack of
     * buffer space, or refused): the connection must be made again.
     * Owned; NULL otherwise. */
    char *broken;
};

/* Processes one message received on the connection (not consumed).
 * Returns true if it changed the table (something is dirty now). */
bool fs_installed_process(struct fs_flowtable *, struct fs_reads *,
                          const struct ofpbuf *msg);

/* True once the monitor's initial reply and the group descriptions are
 * complete. */
bool fs_installed_known(const struct fs_reads *);

#endif /* reconciler/ovs/installed.h */

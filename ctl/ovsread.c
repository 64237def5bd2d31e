/* flowsteerctl plan and trace: one read of the node's OVSDB and of its
 * switch's flows and groups, each bounded by a timeout.  See
 * ctl/node.h. */
#include "ctl/node.h"
#include "ctl/detrace.h"

#include <errno.h>
#include <string.h>

#include "latch.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "ovsdb-idl.h"
#include "reconciler/ovs/facts.h"
#include "reconciler/ovs/flowtable.h"
#include "reconciler/ovs/installed.h"
#include "reconciler/ovs/ofbridge.h"
#include "render/pipeline.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

char *ctl_ovsdb_read(const char *remote, const char *bridge, int timeout_ms,
                     struct fs_local_facts *facts, struct ovsdb_idl **idlp)
{
    struct ovsdb_idl *idl =
        ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    ovsdb_idl_set_probe_interval(idl, timeout_ms);
    fs_facts_idl_setup(idl);
    long long deadline = time_msec() + timeout_ms;
    for (;;) {
        ovsdb_idl_run(idl);
        if (ovsdb_idl_has_ever_connected(idl)) {
            break;
        } else if (time_msec() >= deadline) {
            ovsdb_idl_destroy(idl);
            return xasprintf("cannot read the OVSDB at %s within %d ms", remote,
                             timeout_ms);
        }
        ovsdb_idl_wait(idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
    fs_facts_read(idl, bridge, facts);
    if (!sset_contains(&facts->bridges, bridge)) {
        ovsdb_idl_destroy(idl);
        return xasprintf("the OVSDB at %s has no bridge %s", remote, bridge);
    }
    *idlp = idl;
    return NULL;
}

void ctl_ovsdb_tunnels(struct ovsdb_idl *idl,
                       const struct fs_local_facts *facts,
                       struct ctl_detrace *t)
{
    const struct ovsrec_interface *iface;
    OVSREC_INTERFACE_FOR_EACH(iface, idl)
    {
        const char *owner = smap_get(&iface->external_ids, FS_OWNER_KEY);
        int ofport = simap_get(&facts->owned_ofports, iface->name);
        if (owner && !strncmp(owner, "tunnel:", 7) && ofport) {
            ctl_detrace_add_tunnel(t, ofport, iface->name, owner + 7);
        }
    }
}

void ctl_ovsdb_close(struct ovsdb_idl *idl)
{
    if (idl) {
        ovsdb_idl_destroy(idl);
    }
}

char *ctl_default_openflow(const char *remote, const char *bridge)
{
    if (strncmp(remote, "unix:", 5)) {
        return NULL;
    }
    const char *path = remote + 5, *slash = strrchr(path, '/');
    return slash ? xasprintf("unix:%.*s/%s.mgmt", (int)(slash - path), path,
                             bridge)
                 : xasprintf("unix:%s.mgmt", bridge);
}

/* Completes the connection of 'v' by 'deadline'. */
static int connect_by(struct vconn *v, long long deadline)
{
    for (;;) {
        vconn_run(v);
        int error = vconn_connect(v);
        if (error != EAGAIN) {
            return error;
        } else if (time_msec() >= deadline) {
            return ETIMEDOUT;
        }
        vconn_run_wait(v);
        vconn_connect_wait(v);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Processes the messages received so far; returns an errno value. */
static int take_msgs(struct vconn *v, struct fs_flowtable *ft,
                     struct fs_reads *r)
{
    struct ovs_list msgs = OVS_LIST_INITIALIZER(&msgs);
    int error = fs_ofbridge_run(v, &msgs, 64);
    struct ofpbuf *msg;
    LIST_FOR_EACH_POP(msg, list_node, &msgs)
    {
        fs_installed_process(ft, r, msg);
        ofpbuf_delete(msg);
    }
    return error;
}

/* Sends the requests and reads their replies by 'deadline'. */
static int read_replies(struct vconn *v, struct fs_flowtable *ft,
                        int timeout_ms, long long deadline, char **broken)
{
    struct latch cancel;
    latch_init(&cancel);
    struct fs_of_io io = {v, timeout_ms, &cancel, NULL};
    struct fs_reads r = {.groups = true, .audit = true};
    fs_flowtable_forget_installed(ft);
    fs_flowtable_audit_start(ft);
    int error =
        fs_ofbridge_send(&io, fs_ofbridge_groups_request(), &r.groups_xid);
    if (!error) {
        error =
            fs_ofbridge_send(&io, fs_ofbridge_audit_request(), &r.audit_xid);
    }
    while (!error && (r.groups || r.audit) && !r.broken) {
        error = take_msgs(v, ft, &r);
        if (!error && (r.groups || r.audit) && !r.broken) {
            if (time_msec() >= deadline) {
                error = ETIMEDOUT;
                break;
            }
            vconn_run_wait(v);
            vconn_recv_wait(v);
            poll_timer_wait_until(deadline);
            poll_block();
        }
    }
    *broken = r.broken;
    latch_destroy(&cancel);
    return error;
}

char *ctl_openflow_read(const char *target, int timeout_ms,
                        struct fs_flowtable *ft)
{
    struct vconn *v;
    int error = fs_ofbridge_open(target, &v);
    if (error) {
        return xasprintf("OpenFlow: cannot connect to %s (%s)", target,
                         ovs_retval_to_string(error));
    }
    long long deadline = time_msec() + timeout_ms;
    char *broken = NULL;
    error = connect_by(v, deadline);
    if (!error) {
        error = read_replies(v, ft, timeout_ms, deadline, &broken);
    }
    vconn_close(v);
    if (broken) {
        return broken;
    }
    return error ? xasprintf("OpenFlow: reading flows from %s: %s", target,
                             ovs_retval_to_string(error))
                 : NULL;
}

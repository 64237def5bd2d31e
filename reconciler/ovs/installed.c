/* What the switch reports, into the flow table: see reconciler/ovs/installed.h.
 */
#include "reconciler/ovs/installed.h"

#include <errno.h>

#include "byte-order.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "render/pipeline.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(installed);

static void set_broken(struct fs_reads *r, char *why)
{
    if (!r->broken) {
        r->broken = why;
    } else {
        free(why);
    }
}

/* Every update in one flow monitor reply. */
static bool monitor_reply(struct fs_flowtable *ft, struct fs_reads *r,
                          const struct ofpbuf *msg, bool initial)
{
    struct ofpbuf b = ofpbuf_const_initializer(msg->data, msg->size);
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 0);
    bool changed = false;
    for (;;) {
        struct ofputil_flow_update u;
        int error = ofputil_decode_flow_update(&u, &b, &ofpacts);
        if (error) {
            if (error != EOF) {
                set_broken(r, xasprintf("flow monitor: undecodable update "
                                        "(%s)",
                                        ofperr_to_string(error)));
            }
            break;
        }
        if (u.event == OFPFME_PAUSED) {
            set_broken(r, xstrdup("flow monitor paused by the switch (too "
                                  "many updates at once)"));
            break;
        } else if (u.event == OFPFME_INITIAL || u.event == OFPFME_ADDED ||
                   u.event == OFPFME_MODIFIED || u.event == OFPFME_REMOVED) {
            fs_flowtable_note_flow(ft, u.table_id, u.priority, &u.match,
                                   ntohll(u.cookie), u.ofpacts, u.ofpacts_len,
                                   u.event != OFPFME_REMOVED);
            changed = true;
            r->updates += !initial;
        }
    }
    ofpbuf_uninit(&ofpacts);
    return changed;
}

static void groups_reply(struct fs_flowtable *ft, const struct ofpbuf *msg)
{
    struct ofpbuf b = ofpbuf_const_initializer(msg->data, msg->size);
    struct ofputil_group_desc gd;
    while (!ofputil_decode_group_desc_reply(&gd, &b, OFP15_VERSION)) {
        if (gd.group_id >= FS_GROUP_BASE &&
            gd.group_id - FS_GROUP_BASE < FS_GROUP_SPAN) {
            fs_groups_add_desc(&ft->groups_installed, &gd);
        }
        ofputil_uninit_group_desc(&gd);
    }
}

static void audit_reply(struct fs_flowtable *ft, const struct ofpbuf *msg)
{
    struct ofpbuf b = ofpbuf_const_initializer(msg->data, msg->size);
    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 0);
    struct ofputil_flow_stats fs;
    while (!ofputil_decode_flow_stats_reply(&fs, &b, false, &ofpacts)) {
        fs_flowtable_note_flow(ft, fs.table_id, fs.priority, &fs.match,
                               ntohll(fs.cookie), fs.ofpacts, fs.ofpacts_len,
                               true);
    }
    ofpbuf_uninit(&ofpacts);
}

static char *error_text(const struct ofpbuf *msg)
{
    char *text = ofp_to_string(msg->data, msg->size, NULL, NULL, 1);
    size_t n = strlen(text);
    while (n && text[n - 1] == '\n') {
        text[--n] = '\0';
    }
    return text;
}

bool fs_installed_process(struct fs_flowtable *ft, struct fs_reads *r,
                          const struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    enum ofptype type;
    if (ofptype_decode(&type, oh)) {
        return false;
    }
    bool more =
        type != OFPTYPE_ERROR && ofpmsg_is_stat_reply(oh) && ofpmp_more(oh);
    if (type == OFPTYPE_FLOW_MONITOR_STATS_REPLY) {
        bool initial = r->monitor_initial && oh->xid == r->monitor_xid;
        bool changed = monitor_reply(ft, r, msg, initial);
        if (initial && !more) {
            r->monitor_initial = false;
        }
        return changed;
    } else if (type == OFPTYPE_GROUP_DESC_STATS_REPLY && r->groups &&
               oh->xid == r->groups_xid) {
        groups_reply(ft, msg);
        r->groups = more;
        if (!more) {
            ft->groups_dirty = true;
        }
        return !more;
    } else if (type == OFPTYPE_FLOW_STATS_REPLY && r->audit &&
               oh->xid == r->audit_xid) {
        audit_reply(ft, msg);
        if (!more) {
            r->audit = false;
            r->repaired = fs_flowtable_audit_finish(ft);
        }
        return true;
    } else if (type == OFPTYPE_ERROR &&
               (oh->xid == r->monitor_xid || oh->xid == r->groups_xid ||
                oh->xid == r->audit_xid)) {
        char *text = error_text(msg);
        set_broken(r, xasprintf("the switch refused a %s request: %s",
                                oh->xid == r->monitor_xid  ? "flow monitor"
                                : oh->xid == r->groups_xid ? "group"
                                                           : "flow dump",
                                text));
        free(text);
    }
    return false;
}

bool fs_installed_known(const struct fs_reads *r)
{
    return !r->monitor_initial && !r->groups && !r->broken;
}

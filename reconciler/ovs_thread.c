/* The OVS thread: see reconciler/ovs.h.  One loop under libopenvswitch's
 * poll_block(): the OVSDB IDL gives local facts, the OpenFlow connection
 * installs desired sets.  Shared with the main thread: only 'hand', under
 * 'mutex'. */
#include "reconciler/ovs.h"

#include <errno.h>
#include <string.h>

#include "latch.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "ovsdb-idl.h"
#include "reconciler/flowdiff.h"
#include "reconciler/ofbridge.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovs);

/* How often to re-read what is installed, to notice and repair drift. */
#define DRIFT_CHECK_MS 60000
/* Retry interval for a lost OpenFlow connection. */
#define RECONNECT_MS 1000

struct fs_ovs {
    char *ovsdb, *bridge, *openflow;
    void (*notify)(void *aux);
    void *aux;
    pthread_t thread;
    struct latch wake, exit;

    struct ovs_mutex mutex;
    struct {
        struct fs_desired *desired; /* Posted, not yet taken. */
        struct fs_local_facts facts;
        bool facts_new;
        struct fs_ovs_result result;
        bool result_new;
    } hand OVS_GUARDED;
};

/* State only the OVS thread touches. */
struct ovs_side {
    struct ovsdb_idl *idl;
    unsigned int idl_seqno;
    bool facts_sent;
    struct fs_local_facts facts;
    struct vconn *vconn;
    long long next_connect, next_drift_check;
    struct fs_desired *current; /* Last posted desired set. */
    struct fs_of_state installed, desired;
    bool installed_known; /* 'installed' mirrors the switch. */
    bool apply_needed;
};

static char *default_openflow(const char *ovsdb, const char *bridge)
{
    const char *path = !strncmp(ovsdb, "unix:", 5) ? ovsdb + 5 : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash) {
        return xasprintf("unix:/var/run/openvswitch/%s.mgmt", bridge);
    }
    return xasprintf("unix:%.*s/%s.mgmt", (int)(slash - path), path, bridge);
}

static void idl_setup(struct ovs_side *side, const char *remote)
{
    side->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    ovsdb_idl_add_table(side->idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(side->idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(side->idl, &ovsrec_bridge_col_ports);
    ovsdb_idl_add_table(side->idl, &ovsrec_table_port);
    ovsdb_idl_add_column(side->idl, &ovsrec_port_col_interfaces);
    ovsdb_idl_add_table(side->idl, &ovsrec_table_interface);
    ovsdb_idl_add_column(side->idl, &ovsrec_interface_col_ofport);
    ovsdb_idl_add_column(side->idl, &ovsrec_interface_col_external_ids);
}

/* iface-id -> ofport of the interfaces on 'bridge'. */
static void read_facts(struct ovsdb_idl *idl, const char *bridge,
                       struct fs_local_facts *facts)
{
    simap_clear(&facts->ofports);
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH(br, idl)
    {
        if (strcmp(br->name, bridge)) {
            continue;
        }
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *port = br->ports[i];
            for (size_t j = 0; j < port->n_interfaces; j++) {
                const struct ovsrec_interface *iface = port->interfaces[j];
                const char *id = smap_get(&iface->external_ids, "iface-id");
                int64_t ofport = iface->n_ofport ? iface->ofport[0] : 0;
                if (id && ofport > 0 && ofport < 0xff00) {
                    simap_put(&facts->ofports, id, ofport);
                }
            }
        }
    }
}

static void run_idl(struct fs_ovs *ovs, struct ovs_side *side)
{
    ovsdb_idl_run(side->idl);
    unsigned int seqno = ovsdb_idl_get_seqno(side->idl);
    if (!ovsdb_idl_has_ever_connected(side->idl) ||
        (seqno == side->idl_seqno && side->facts_sent)) {
        return;
    }
    side->idl_seqno = seqno;
    struct fs_local_facts facts;
    fs_local_facts_init(&facts);
    read_facts(side->idl, ovs->bridge, &facts);
    if (!side->facts_sent || !fs_local_facts_equal(&facts, &side->facts)) {
        fs_local_facts_clone(&side->facts, &facts);
        side->facts_sent = true;
        ovs_mutex_lock(&ovs->mutex);
        fs_local_facts_clone(&ovs->hand.facts, &facts);
        ovs->hand.facts_new = true;
        ovs_mutex_unlock(&ovs->mutex);
        ovs->notify(ovs->aux);
    }
    fs_local_facts_destroy(&facts);
}

static void post_result(struct fs_ovs *ovs, struct fs_ovs_result *r)
{
    ovs_mutex_lock(&ovs->mutex);
    free(ovs->hand.result.error);
    ovs->hand.result = *r;
    ovs->hand.result_new = true;
    ovs_mutex_unlock(&ovs->mutex);
    ovs->notify(ovs->aux);
}

static void disconnect(struct ovs_side *side, const char *why)
{
    VLOG_WARN("OpenFlow connection to the bridge lost (%s); reconnecting", why);
    vconn_close(side->vconn);
    side->vconn = NULL;
    side->installed_known = false;
    side->apply_needed = side->current != NULL;
    side->next_connect = time_msec() + RECONNECT_MS;
}

static struct vlog_rate_limit connect_rl = VLOG_RATE_LIMIT_INIT(1, 10);

static void connect_bridge(struct fs_ovs *ovs, struct ovs_side *side)
{
    if (side->vconn || time_msec() < side->next_connect) {
        return;
    }
    int error = fs_ofbridge_open(ovs->openflow, 2000, &side->vconn);
    if (error) {
        VLOG_WARN_RL(&connect_rl,
                     "%s: cannot connect (%s); is bridge %s there?",
                     ovs->openflow, ovs_retval_to_string(error), ovs->bridge);
        side->next_connect = time_msec() + RECONNECT_MS;
        return;
    }
    VLOG_INFO("connected to %s (OpenFlow 1.5)", ovs->openflow);
    side->installed_known = false;
    side->apply_needed = side->current != NULL;
}

/* Diffs the current desired set against the switch and applies it. */
static void apply(struct fs_ovs *ovs, struct ovs_side *side)
{
    long long start = time_msec();
    struct fs_ovs_result r = {.revision = side->current->revision};
    int error = 0;
    if (!side->installed_known) {
        error = fs_ofbridge_dump(side->vconn, &side->installed);
        if (error) {
            disconnect(side, ovs_retval_to_string(error));
            return;
        }
        side->installed_known = true;
    }
    char *bad = fs_of_state_from_desired(&side->desired, side->current);
    struct fs_of_changes ch;
    fs_of_diff(&side->installed, &side->desired, &ch);
    r.flow_mods = ch.flow_mods;
    r.group_mods = ch.group_mods;
    char *failed = ch.flow_mods || ch.group_mods
                       ? fs_ofbridge_apply(side->vconn, &ch)
                       : NULL;
    fs_of_changes_destroy(&ch);
    if (failed) {
        /* The bundle was not committed: re-read before the next try. */
        side->installed_known = false;
        r.error = failed;
    } else {
        fs_of_state_swap(&side->installed, &side->desired);
        r.ok = !bad;
        r.error = bad ? bad : NULL;
        bad = NULL;
    }
    free(bad);
    r.n_flows = hmap_count(&side->installed.flows);
    r.n_groups = hmap_count(&side->installed.groups);
    r.apply_ms = time_msec() - start;
    side->apply_needed = false;
    VLOG_DBG("revision %" PRId64 ": %zu flow mods, %zu group mods%s%s",
             r.revision, r.flow_mods, r.group_mods, r.error ? ": " : "",
             r.error ? r.error : "");
    post_result(ovs, &r);
}

static void take_desired(struct fs_ovs *ovs, struct ovs_side *side)
{
    ovs_mutex_lock(&ovs->mutex);
    struct fs_desired *d = ovs->hand.desired;
    ovs->hand.desired = NULL;
    ovs_mutex_unlock(&ovs->mutex);
    if (d) {
        fs_desired_destroy(side->current);
        side->current = d;
        side->apply_needed = true;
    }
}

static void run_once(struct fs_ovs *ovs, struct ovs_side *side)
{
    run_idl(ovs, side);
    latch_poll(&ovs->wake);
    take_desired(ovs, side);
    connect_bridge(ovs, side);
    if (side->vconn) {
        int error = fs_ofbridge_run(side->vconn);
        if (error) {
            disconnect(side, error == EOF ? "closed by the switch"
                                          : ovs_retval_to_string(error));
        }
    }
    if (side->vconn && time_msec() >= side->next_drift_check) {
        side->installed_known = false;
        side->apply_needed = side->current != NULL;
        side->next_drift_check = time_msec() + DRIFT_CHECK_MS;
    }
    if (side->vconn && side->apply_needed && side->current) {
        apply(ovs, side);
    }
}

static void wait_once(struct fs_ovs *ovs, struct ovs_side *side)
{
    ovsdb_idl_wait(side->idl);
    latch_wait(&ovs->wake);
    latch_wait(&ovs->exit);
    if (side->vconn) {
        vconn_run_wait(side->vconn);
        vconn_recv_wait(side->vconn);
        poll_timer_wait_until(side->next_drift_check);
    } else {
        poll_timer_wait_until(side->next_connect);
    }
}

static void *ovs_main(void *ovs_)
{
    struct fs_ovs *ovs = ovs_;
    struct ovs_side side = {.next_drift_check = time_msec() + DRIFT_CHECK_MS};
    fs_local_facts_init(&side.facts);
    fs_of_state_init(&side.installed);
    fs_of_state_init(&side.desired);
    idl_setup(&side, ovs->ovsdb);
    while (!latch_is_set(&ovs->exit)) {
        run_once(ovs, &side);
        wait_once(ovs, &side);
        poll_block();
    }
    vconn_close(side.vconn);
    ovsdb_idl_destroy(side.idl);
    fs_desired_destroy(side.current);
    fs_of_state_destroy(&side.installed);
    fs_of_state_destroy(&side.desired);
    fs_local_facts_destroy(&side.facts);
    return NULL;
}

struct fs_ovs *fs_ovs_start(const struct fs_ovs_config *cfg,
                            void (*notify)(void *), void *aux)
{
    struct fs_ovs *ovs = xzalloc(sizeof *ovs);
    ovs->ovsdb = xstrdup(cfg->ovsdb);
    ovs->bridge = xstrdup(cfg->bridge);
    ovs->openflow = cfg->openflow ? xstrdup(cfg->openflow)
                                  : default_openflow(cfg->ovsdb, cfg->bridge);
    ovs->notify = notify;
    ovs->aux = aux;
    latch_init(&ovs->wake);
    latch_init(&ovs->exit);
    ovs_mutex_init(&ovs->mutex);
    fs_local_facts_init(&ovs->hand.facts);
    ovs->thread = ovs_thread_create("ovs", ovs_main, ovs);
    return ovs;
}

void fs_ovs_post_desired(struct fs_ovs *ovs, struct fs_desired *desired)
{
    ovs_mutex_lock(&ovs->mutex);
    fs_desired_destroy(ovs->hand.desired);
    ovs->hand.desired = desired;
    ovs_mutex_unlock(&ovs->mutex);
    latch_set(&ovs->wake);
}

bool fs_ovs_take_facts(struct fs_ovs *ovs, struct fs_local_facts *facts)
{
    ovs_mutex_lock(&ovs->mutex);
    bool changed = ovs->hand.facts_new;
    if (changed) {
        fs_local_facts_clone(facts, &ovs->hand.facts);
        ovs->hand.facts_new = false;
    }
    ovs_mutex_unlock(&ovs->mutex);
    return changed;
}

bool fs_ovs_take_result(struct fs_ovs *ovs, struct fs_ovs_result *result)
{
    ovs_mutex_lock(&ovs->mutex);
    bool any = ovs->hand.result_new;
    if (any) {
        *result = ovs->hand.result;
        ovs->hand.result.error = NULL;
        ovs->hand.result_new = false;
    }
    ovs_mutex_unlock(&ovs->mutex);
    return any;
}

void fs_ovs_stop(struct fs_ovs *ovs)
{
    if (!ovs) {
        return;
    }
    latch_set(&ovs->exit);
    xpthread_join(ovs->thread, NULL);
    latch_destroy(&ovs->wake);
    latch_destroy(&ovs->exit);
    ovs_mutex_destroy(&ovs->mutex);
    fs_desired_destroy(ovs->hand.desired);
    fs_local_facts_destroy(&ovs->hand.facts);
    free(ovs->hand.result.error);
    free(ovs->ovsdb);
    free(ovs->bridge);
    free(ovs->openflow);
    free(ovs);
}

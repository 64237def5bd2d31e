/* flowsteerd's Prometheus metrics: see reconciler/proc/metrics.h. */
#include "reconciler/proc/metrics.h"

#include <inttypes.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "sset.h"
#include "util.h"

const double fs_hist_bounds[FS_HIST_N_BOUNDS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1., 2.5, 5., 10.,
};

void fs_histogram_observe(struct fs_histogram *h, double seconds)
{
    seconds = seconds < 0 ? 0 : seconds;
    size_t i = 0;
    while (i < FS_HIST_N_BOUNDS && seconds > fs_hist_bounds[i]) {
        i++;
    }
    h->buckets[i]++;
    h->count++;
    h->sum += seconds;
}

/* Returns the kind of etcd key 'key' (FS_PREFIX "<kind>/..."), or -1. */
static int key_kind(const char *key)
{
    size_t plen = strlen(FS_PREFIX);
    if (strncmp(key, FS_PREFIX, plen)) {
        return -1;
    }
    const char *folder = key + plen;
    for (int k = 0; k < FS_N_KINDS; k++) {
        const char *name = fs_kind_name(k);
        size_t n = strlen(name);
        if (!strncmp(folder, name, n) && folder[n] == '/') {
            return k;
        }
    }
    return -1;
}

void fs_metrics_set_resources(struct fs_metrics *m,
                              const struct fs_snapshot *snap)
{
    memset(m->resources, 0, sizeof m->resources);
    for (int k = 0; k < FS_N_KINDS; k++) {
        m->resources[k][FS_RES_VALID] = shash_count(&snap->by_id[k]);
    }
    struct sset keys = SSET_INITIALIZER(&keys);
    for (size_t i = 0; i < snap->errors.n; i++) {
        const char *key = snap->errors.items[i].key;
        int k = key_kind(key);
        if (k >= 0 && sset_add(&keys, key)) {
            m->resources[k][FS_RES_REJECTED]++;
        }
    }
    sset_destroy(&keys);
}

void fs_metrics_escape_label(struct ds *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"') {
            ds_put_char(out, '\\');
            ds_put_char(out, *p);
        } else if (*p == '\n') {
            ds_put_cstr(out, "\\n");
        } else {
            ds_put_char(out, *p);
        }
    }
}

static void header(struct ds *out, const char *name, const char *type,
                   const char *help)
{
    ds_put_format(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(struct ds *out, const char *name, const char *help,
                    uint64_t value)
{
    header(out, name, "counter", help);
    ds_put_format(out, "%s %" PRIu64 "\n", name, value);
}

/* flowsteer_local_controller_packets_total{what}: the local controller's
 * counters (reconciler/ovs/pinctrl.h, in its order). */
static void put_punt(struct ds *out, const struct fs_metrics *m)
{
    static const char *const what[] = {"packet_in", "dhcp_reply", "icmp_error",
                                       "over_budget", "unanswered"};
    BUILD_ASSERT_DECL(ARRAY_SIZE(what) == ARRAY_SIZE(m->ovs.punt));
    const char *name = "flowsteer_local_controller_packets_total";
    header(out, name, "counter",
           "Packets of the local controller (DHCP, ICMP errors): received, "
           "answered by kind, dropped over a port's budget, unanswered.");
    for (size_t i = 0; i < ARRAY_SIZE(what); i++) {
        ds_put_format(out, "%s{what=\"%s\"} %" PRIu64 "\n", name, what[i],
                      m->ovs.punt[i]);
    }
}

static void gauge(struct ds *out, const char *name, const char *help,
                  int64_t value)
{
    header(out, name, "gauge", help);
    ds_put_format(out, "%s %" PRId64 "\n", name, value);
}

static void histogram(struct ds *out, const char *name, const char *help,
                      const struct fs_histogram *h)
{
    header(out, name, "histogram", help);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < FS_HIST_N_BOUNDS; i++) {
        cumulative += h->buckets[i];
        ds_put_format(out, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
                      fs_hist_bounds[i], cumulative);
    }
    ds_put_format(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, h->count);
    ds_put_format(out, "%s_sum %.6f\n%s_count %" PRIu64 "\n", name, h->sum,
                  name, h->count);
}

static void resources(struct ds *out, const struct fs_metrics *m)
{
    static const char *const states[FS_RES_N_STATES] = {"valid", "rejected"};
    header(out, "flowsteer_resources", "gauge",
           "Resources in the last snapshot, by kind and state (valid, or "
           "rejected by validation).");
    for (int k = 0; k < FS_N_KINDS; k++) {
        for (int s = 0; s < FS_RES_N_STATES; s++) {
            ds_put_cstr(out, "flowsteer_resources{kind=\"");
            fs_metrics_escape_label(out, fs_kind_name(k));
            ds_put_format(out, "\",state=\"%s\"} %" PRIu64 "\n", states[s],
                          m->resources[k][s]);
        }
    }
}

void fs_metrics_render(const struct fs_metrics *m, struct ds *out)
{
    histogram(out, "flowsteer_convergence_seconds",
              "Time from an etcd event to the barrier reply of the apply "
              "that put it in OVS.",
              &m->convergence);
    histogram(out, "flowsteer_render_seconds",
              "Time of each render (snapshot and render engine).", &m->render);
    histogram(out, "flowsteer_apply_seconds",
              "Time of each apply to OVS (diff to barrier reply and OVSDB "
              "commit).",
              &m->ovs.apply);
    gauge(out, "flowsteer_flows", "Flows of flowsteer's cookie in OVS.",
          m->flows);
    gauge(out, "flowsteer_groups", "Groups of flowsteer's range in OVS.",
          m->groups);
    gauge(out, "flowsteer_ovsdb_rows",
          "OVSDB rows flowsteer owns as desired (ports and bridges).",
          m->ovsdb_rows);
    gauge(out, "flowsteer_observed_revision",
          "etcd revision wholly applied to OVS.", m->observed_revision);
    gauge(out, "flowsteer_desired_revision",
          "etcd revision of the last render.", m->desired_revision);
    resources(out, m);
    counter(out, "flowsteer_flow_mods_total",
            "Flow adds, modifies and deletes sent to OVS.", m->ovs.flow_mods);
    counter(out, "flowsteer_group_mods_total",
            "Group adds, modifies and deletes sent to OVS.", m->ovs.group_mods);
    counter(out, "flowsteer_ovsdb_transactions_total",
            "OVSDB transactions committed.", m->ovs.ovsdb_txns);
    counter(out, "flowsteer_etcd_reconnects_total",
            "etcd watch connections made again after a failure.",
            m->etcd_reconnects);
    counter(out, "flowsteer_etcd_relists_total",
            "Full lists of the etcd prefix after the first (compaction, "
            "reconnection).",
            m->etcd_relists);
    counter(out, "flowsteer_ovs_reconnects_total",
            "OpenFlow or OVSDB connections made again after one worked.",
            m->ovs.reconnects);
    put_punt(out, m);
    counter(out, "flowsteer_drift_repairs_total",
            "Flows of flowsteer changed or deleted by someone else, "
            "repaired.",
            m->ovs.drift_repairs);
}

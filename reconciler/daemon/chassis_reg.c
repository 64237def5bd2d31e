/* Chassis self-registration: see reconciler/daemon/chassis_reg.h. */
#include "reconciler/daemon/chassis_reg.h"

#include <ev.h>
#include <inttypes.h>
#include <string.h>

#include "model/model.h"
#include "openvswitch/vlog.h"
#include "reconciler/proc/config.h"
#include "store/backoff.h"
#include "store/etcd.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(chassis_reg);

/* Backoff of failed exchanges: 200 ms doubling to 10 s, with jitter. */
#define CHASSIS_RETRY_FIRST_MS 200
#define CHASSIS_RETRY_MAX_MS 10000
#define LOG_ERROR_MAX 200
#define MANAGED_BY "flowsteerd"

struct fs_chassis_reg {
    struct ev_loop *loop;
    struct etcd_client *etcd;
    const struct fs_config *cfg;
    char *key;
    bool in_flight, again;
    json_t *writing;    /* The document of the transaction in flight. */
    const char *why;    /* Why it is written ("created", "updated"). */
    int64_t left_alone; /* mod_revision of the operator's document last
                         * logged as left alone. */
    struct fs_backoff backoff;
    ev_timer retry;
};

json_t *fs_chassis_reg_document(const struct fs_config *cfg)
{
    if (!cfg->encap_ip) {
        return NULL;
    }
    json_t *mappings = json_array();
    for (size_t i = 0; i < cfg->n_bridge_mappings; i++) {
        const struct fs_bridge_mapping *m = &cfg->bridge_mappings[i];
        char *text = xasprintf("%s:%s", m->physnet, m->bridge);
        json_array_append_new(mappings, json_string(text));
        free(text);
    }
    json_t *doc =
        json_pack("{s:{s:s, s:s, s:s, s:o, s:s}}", "chassis", "id", cfg->node,
                  "ip", cfg->encap_ip, "encap", cfg->encap_type,
                  "bridge_mappings", mappings, "managed_by", MANAGED_BY);
    if (cfg->n_chassis_macs) {
        json_t *macs = json_array();
        for (size_t i = 0; i < cfg->n_chassis_macs; i++) {
            char *text = xasprintf("%s:%s", cfg->chassis_macs[i].physnet,
                                   cfg->chassis_macs[i].mac);
            json_array_append_new(macs, json_string(text));
            free(text);
        }
        json_object_set_new(json_object_get(doc, "chassis"),
                            "chassis_mac_mappings", macs);
    }
    return doc;
}

bool fs_chassis_reg_is_managed(const json_t *doc)
{
    const json_t *inner = json_object_get(doc, "chassis");
    const json_t *body = json_is_object(inner) ? inner : doc;
    const char *by = json_string_value(json_object_get(body, "managed_by"));
    return by && !strcmp(by, MANAGED_BY);
}

static void sync_now(struct fs_chassis_reg *);

/* An exchange failed: the next sync waits for the backoff.  Logs the start
 * of a run of failures, not each attempt. */
static void reg_failed(struct fs_chassis_reg *reg, const char *error)
{
    if (!fs_backoff_failing(&reg->backoff)) {
        VLOG_WARN("%s: writing the chassis document failed: %.*s; retrying "
                  "with backoff",
                  reg->key, LOG_ERROR_MAX, error ? error : "unknown error");
    }
    int wait = fs_backoff_failed(&reg->backoff, time_msec());
    ev_timer_set(&reg->retry, wait / 1000., 0.);
    ev_timer_start(reg->loop, &reg->retry);
}

static void reg_succeeded(struct fs_chassis_reg *reg)
{
    long long ms = fs_backoff_failing_ms(&reg->backoff, time_msec());
    unsigned int failures = reg->backoff.failures;
    if (fs_backoff_succeeded(&reg->backoff)) {
        VLOG_INFO("%s: etcd answers again (after %u failures in %.1f s)",
                  reg->key, failures, ms / 1000.);
    }
}

/* Ends an exchange: runs the next sync if one was asked for meanwhile. */
static void exchange_over(struct fs_chassis_reg *reg)
{
    reg->in_flight = false;
    json_decref(reg->writing);
    reg->writing = NULL;
    if (reg->again) {
        reg->again = false;
        fs_chassis_reg_sync(reg);
    }
}

static void txn_done(void *reg_, bool ok, const char *error, json_t *result)
{
    struct fs_chassis_reg *reg = reg_;
    if (!ok) {
        reg_failed(reg, error);
    } else if (json_is_true(json_object_get(result, "succeeded"))) {
        reg_succeeded(reg);
        json_t *ch = json_object_get(reg->writing, "chassis");
        VLOG_INFO("%s: chassis document %s: ip %s, encap %s, %zu bridge "
                  "mappings",
                  reg->key, reg->why,
                  json_string_value(json_object_get(ch, "ip")),
                  json_string_value(json_object_get(ch, "encap")),
                  json_array_size(json_object_get(ch, "bridge_mappings")));
    } else {
        /* Written by someone else meanwhile: look again. */
        reg_succeeded(reg);
        VLOG_INFO("%s: the chassis document changed meanwhile; checking it "
                  "again",
                  reg->key);
        reg->again = true;
    }
    exchange_over(reg);
}

/* Writes 'want' (reference taken) if the key is still at 'mod_revision'
 * (0: does not exist, compared by create_revision). */
static void write_doc(struct fs_chassis_reg *reg, json_t *want,
                      int64_t mod_revision, const char *why)
{
    char *text = json_dumps(want, JSON_COMPACT);
    json_t *cmp = json_array();
    json_array_append_new(
        cmp, mod_revision ? etcd_cmp_mod_revision(reg->key, "=", mod_revision)
                          : etcd_cmp_create_revision(reg->key, "=", 0));
    json_t *ops = json_array();
    json_array_append_new(ops, etcd_op_put(reg->key, text));
    free(text);
    reg->writing = want;
    reg->why = why;
    etcd_txn(reg->etcd, cmp, ops, NULL, txn_done, reg);
}

/* The document is there: replaces it if flowsteerd wrote it and it
 * differs from 'want' (reference taken); an operator's is left alone. */
static bool check_existing(struct fs_chassis_reg *reg, json_t *want,
                           const struct etcd_kv *kv)
{
    json_t *doc = json_loadb(kv->value, kv->value_len, 0, NULL);
    bool managed = fs_chassis_reg_is_managed(doc);
    bool same = json_equal(doc, want);
    json_decref(doc);
    if (!managed) {
        if (reg->left_alone != kv->mod_revision) {
            VLOG_INFO("%s: chassis document left alone: written by an "
                      "operator (no \"managed_by\": \"%s\")",
                      reg->key, MANAGED_BY);
            reg->left_alone = kv->mod_revision;
        }
    } else if (!same) {
        write_doc(reg, want, kv->mod_revision,
                  "updated (the settings changed)");
        return true;
    } else {
        VLOG_DBG("%s: chassis document up to date", reg->key);
    }
    json_decref(want);
    return false;
}

static void get_done(void *reg_, bool ok, const char *error,
                     const struct etcd_kv *kv)
{
    struct fs_chassis_reg *reg = reg_;
    json_t *want = fs_chassis_reg_document(reg->cfg);
    if (!ok) {
        json_decref(want);
        reg_failed(reg, error);
        exchange_over(reg);
        return;
    }
    reg_succeeded(reg);
    if (!want) {
        exchange_over(reg); /* encap-ip unset meanwhile (SIGHUP). */
    } else if (!kv) {
        write_doc(reg, want, 0, "created (there was none)");
    } else if (!check_existing(reg, want, kv)) {
        exchange_over(reg);
    }
}

/* Reads the document and acts on it (get_done()). */
static void sync_now(struct fs_chassis_reg *reg)
{
    if (!reg->cfg->encap_ip) {
        return;
    }
    json_t *want = fs_chassis_reg_document(reg->cfg);
    if (!want) {
        VLOG_WARN_ONCE("%s: no chassis document written: the node name is "
                       "not UTF-8",
                       reg->key);
        return;
    }
    json_decref(want);
    reg->in_flight = true;
    etcd_get(reg->etcd, reg->key, get_done, reg);
}

void fs_chassis_reg_sync(struct fs_chassis_reg *reg)
{
    if (!reg || ev_is_active(&reg->retry)) {
        return; /* The retry syncs. */
    }
    if (reg->in_flight) {
        reg->again = true;
        return;
    }
    sync_now(reg);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    fs_chassis_reg_sync(w->data);
}

void fs_chassis_reg_retry_now(struct fs_chassis_reg *reg)
{
    if (reg && ev_is_active(&reg->retry)) {
        ev_timer_stop(reg->loop, &reg->retry);
        fs_backoff_retry_now(&reg->backoff);
        fs_chassis_reg_sync(reg);
    }
}

bool fs_chassis_reg_is_key(const struct fs_chassis_reg *reg, const char *key,
                           size_t len)
{
    return reg && len == strlen(reg->key) && !memcmp(key, reg->key, len);
}

struct fs_chassis_reg *fs_chassis_reg_create(struct ev_loop *loop,
                                             struct etcd_client *etcd,
                                             const struct fs_config *cfg)
{
    struct fs_chassis_reg *reg = xzalloc(sizeof *reg);
    reg->loop = loop;
    reg->etcd = etcd;
    reg->cfg = cfg;
    reg->key = xasprintf("%schassis/%s", FS_PREFIX, cfg->node);
    reg->backoff = (struct fs_backoff)FS_BACKOFF_INIT(CHASSIS_RETRY_FIRST_MS,
                                                      CHASSIS_RETRY_MAX_MS);
    ev_timer_init(&reg->retry, retry_cb, 0., 0.);
    reg->retry.data = reg;
    fs_chassis_reg_sync(reg);
    return reg;
}

void fs_chassis_reg_destroy(struct fs_chassis_reg *reg)
{
    if (!reg) {
        return;
    }
    ev_timer_stop(reg->loop, &reg->retry);
    json_decref(reg->writing);
    free(reg->key);
    free(reg);
}

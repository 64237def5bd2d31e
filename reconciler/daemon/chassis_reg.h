/* reconciler/daemon/chassis_reg.h: chassis self-registration
 * (docs/architecture.md, "Chassis self-registration").
 *
 * With "encap-ip" set, flowsteerd keeps FS_PREFIX "chassis/<node>" in etcd:
 *   {"chassis": {"id": NODE, "ip": IP, "encap": vxlan|geneve,
 *                "bridge_mappings": ["physnet:bridge", ...],
 *                "managed_by": "flowsteerd"}}
 * - no document: created in one transaction
 *   (create_revision == 0 -> put), so a document written meanwhile wins;
 * - a document without "managed_by": "flowsteerd" is an operator's: it is
 *   never overwritten (logged once per revision);
 * - flowsteerd's own document that differs from the settings (another
 *   --encap-ip after a restart, bridge mappings changed by SIGHUP) is
 *   replaced in a transaction comparing its mod_revision.
 * The bridge mappings written are the configured ones, so the document,
 * which wins over the setting, loses nothing.  Failures are retried with
 * capped exponential backoff and jitter; one exchange in flight at a time,
 * each bounded by the etcd client's timeouts. */
#ifndef FS_CHASSIS_REG_H
#define FS_CHASSIS_REG_H 1

#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>

struct ev_loop;
struct etcd_client;
struct fs_config;
struct fs_chassis_reg;

/* Creates a registrar for 'cfg''s node; 'loop', 'etcd' and 'cfg' are
 * borrowed and must outlive it ('cfg' is read again at each sync, so a
 * SIGHUP's new settings are taken).  Runs a first sync.  Free with
 * fs_chassis_reg_destroy(). */
struct fs_chassis_reg *fs_chassis_reg_create(struct ev_loop *loop,
                                             struct etcd_client *etcd,
                                             const struct fs_config *cfg);

/* Checks the document against the settings now (after the one in flight,
 * or after the backoff of a failure): call it when the settings or the
 * document changed.  Does nothing while "encap-ip" is unset. */
void fs_chassis_reg_sync(struct fs_chassis_reg *);

/* etcd is reachable again: a sync waiting for its backoff runs now. */
void fs_chassis_reg_retry_now(struct fs_chassis_reg *);

/* True if the 'len' bytes at 'key' are the document's key. */
bool fs_chassis_reg_is_key(const struct fs_chassis_reg *, const char *key,
                           size_t len);

/* Frees 'reg' (NULL is fine).  Destroy the etcd client first: a request
 * still in flight refers to 'reg'. */
void fs_chassis_reg_destroy(struct fs_chassis_reg *reg);

/* The document flowsteerd writes for 'cfg' (a new reference), or NULL if
 * "encap-ip" is unset or the node name is not UTF-8. */
json_t *fs_chassis_reg_document(const struct fs_config *cfg);

/* Returns true if 'doc' (an etcd value, bare or in the "chassis" envelope)
 * was written by flowsteerd ("managed_by": "flowsteerd"). */
bool fs_chassis_reg_is_managed(const json_t *doc);

#endif /* reconciler/daemon/chassis_reg.h */

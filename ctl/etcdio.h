/* ctl/etcdio.h: flowsteerctl's etcd calls, blocking.
 *
 * A thin wrapper of store/'s client (libcurl multi on libev): each call
 * starts one request and runs the loop until it completes, so every
 * exchange has the client's timeouts (3 s to connect, 10 s per request).
 * A call that fails at the transport level, or because its member has no
 * leader, is tried once on each of the other members given in --etcd. */
#ifndef FS_CTL_ETCDIO_H
#define FS_CTL_ETCDIO_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "reconciler/proc/config.h"
#include "ctl/ctl.h"

struct ctl_etcd;

/* Connects (lazily: the first call does) to the members and with the TLS
 * and auth settings of 'cfg' (its "etcd", "etcd-cacert", "etcd-cert",
 * "etcd-key", "etcd-user" as flowsteerd reads them).  Returns NULL with an
 * error (caller frees) if the URLs are not usable. */
struct ctl_etcd *ctl_etcd_open(const struct fs_config *cfg, char **error);
void ctl_etcd_close(struct ctl_etcd *);

/* Lists every key under 'prefix' (paged, at one revision) into 'kvs'
 * (zero-initialised by the caller; kvs->revision is the store's revision
 * of the listing).  Returns NULL or an error (caller frees). */
char *ctl_etcd_list(struct ctl_etcd *, const char *prefix, struct ctl_kvs *kvs);

/* Reads one key: '*found' says whether it exists, and if so '*kv' is
 * filled (free its strings with ctl_kv_clear()).  Returns NULL or an
 * error (caller frees). */
char *ctl_etcd_get(struct ctl_etcd *, const char *key, struct ctl_kv *kv,
                   bool *found);
void ctl_kv_clear(struct ctl_kv *);

/* Runs a transaction (the arrays are taken, any may be NULL): '*succeeded'
 * says whether the compares held, '*revision' is the store's revision
 * after it.  Returns NULL or an error (caller frees). */
char *ctl_etcd_txn(struct ctl_etcd *, json_t *compare, json_t *success,
                   json_t *failure, bool *succeeded, int64_t *revision);

/* Records 'revision', that of a write of desired state, at
 * CTL_LAST_WRITE_KEY ({"revision": R}) for status --wait-converged; a
 * failure (a role without write access there) is a warning on stderr. */
void ctl_record_last_write(struct ctl_etcd *, int64_t revision);

/* The member requests go to now. */
const char *ctl_etcd_endpoint(const struct ctl_etcd *);

#endif /* ctl/etcdio.h */

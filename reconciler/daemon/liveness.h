/* reconciler/daemon/liveness.h: this node's liveness key in etcd,
 * FS_NODES_PREFIX "<node>" (docs/architecture.md, "Liveness").
 *
 * The key is put on an etcd lease of 'ttl_s' seconds that flowsteerd keeps
 * alive every ttl_s / 3 seconds: it is there while flowsteerd runs, goes at
 * once on a clean stop (the lease is revoked) and within the TTL after a
 * crash or SIGKILL.  Its value is small bounded JSON:
 *   {"node": NAME, "pid": N, "started": UNIX_TIME, "version": "0.1.0"}
 * When a keepalive says the lease is gone (TTL 0: it expired while etcd
 * was unreachable, or a new leader lost it), a new lease is granted and
 * the key put again.  Failures are retried with capped exponential backoff
 * and jitter (store/backoff.h); the log says when it starts failing,
 * when the lease is replaced and when it works again, not every attempt.
 * Every exchange is bounded by the etcd client's timeouts (3 s to connect,
 * 10 s per request). */
#ifndef FS_LIVENESS_H
#define FS_LIVENESS_H 1

struct ev_loop;
struct etcd_client;
struct fs_liveness;

/* Longest node name the value quotes (escaped, then cut). */
#define FS_LIVENESS_MAX_NODE 256
/* Bound of the whole value (an escaped byte takes at most 8). */
#define FS_LIVENESS_MAX_VALUE (FS_LIVENESS_MAX_NODE * 8 + 256)

/* Starts keeping FS_NODES_PREFIX "<node>" alive on a lease of 'ttl_s'
 * seconds (>= 2), with 'etcd' on 'loop' (both borrowed; they must outlive
 * the returned object).  Returns a new object (free with
 * fs_liveness_destroy()). */
struct fs_liveness *fs_liveness_start(struct ev_loop *loop,
                                      struct etcd_client *etcd,
                                      const char *node, int ttl_s);

/* etcd is reachable again: a step waiting for its backoff runs now. */
void fs_liveness_retry_now(struct fs_liveness *);

/* Stops keeping the key alive and revokes the lease, so that the key goes
 * at once; calls 'done(aux)' once when the revoke is answered, fails, or
 * 'timeout_ms' passed, whichever comes first (at once if there is no
 * lease).  A failed revoke leaves the key to expire with its TTL. */
void fs_liveness_stop(struct fs_liveness *, long timeout_ms,
                      void (*done)(void *aux), void *aux);

/* Frees 'lv' (NULL is fine).  Destroy the etcd client first: a request
 * still in flight refers to 'lv'. */
void fs_liveness_destroy(struct fs_liveness *lv);

/* Returns the liveness key of 'node' (caller frees). */
char *fs_liveness_key(const char *node);

/* Returns the liveness value for 'node', process 'pid' started at
 * 'started' (unix time): compact JSON of at most
 * FS_LIVENESS_MAX_VALUE bytes (caller frees). */
char *fs_liveness_value(const char *node, long long pid, long long started);

#endif /* reconciler/daemon/liveness.h */

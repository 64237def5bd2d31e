/* reconciler/daemon/status_writer.h: writes this node's status document
 * (reconciler/daemon/status.h) to etcd, on the main thread's libev loop.
 *
 * One write in flight at a time; a write identical to the last one that
 * worked is skipped; a failed write is retried with capped exponential
 * backoff and jitter (store/backoff.h, 100 ms doubling to 10 s), the
 * start and end of a run of failures and a change of error logged, not
 * each attempt.  Before the first write, the previous run's document is
 * read and handed to the owner (to carry its observed revision over a
 * restart). */
#ifndef FS_STATUS_WRITER_H
#define FS_STATUS_WRITER_H 1

#include <stdbool.h>

struct etcd_client;
struct etcd_kv;
struct ev_loop;
struct fs_status;

/* What the owner provides.  fill() fills the status as it is now (its
 * pointers borrowed until fill() returns); previous() gets the previous
 * run's document before the first write, NULL if there was none. */
struct fs_status_writer_cbs {
    void (*fill)(void *aux, struct fs_status *st);
    void (*previous)(void *aux, const struct etcd_kv *kv);
};

/* Returns a writer of node 'node''s status key through 'etcd' (which must
 * outlive it) on 'loop'.  Nothing is written before the first
 * fs_status_writer_write(). */
struct fs_status_writer *
fs_status_writer_create(struct ev_loop *loop, struct etcd_client *etcd,
                        const char *node, const struct fs_status_writer_cbs *,
                        void *aux);

/* Stops the writer's timers and frees it; NULL is fine.  A write in
 * flight must have been cancelled first (etcd_client_destroy() cancels
 * every request without a callback). */
void fs_status_writer_destroy(struct fs_status_writer *);

/* Writes the status if it changed since the last write that worked: at
 * once, after the write in flight, or when a failed write's backoff is
 * over. */
void fs_status_writer_write(struct fs_status_writer *);

/* The same from inside libcurl's callbacks, where no request can start:
 * through a zero-delay timer.  NULL is fine (no writer yet). */
void fs_status_writer_write_soon(struct fs_status_writer *);

/* etcd is back: a write that waits for its backoff goes out now.  NULL
 * is fine. */
void fs_status_writer_retry_now(struct fs_status_writer *);

#endif /* reconciler/daemon/status_writer.h */

/* store/backoff.h: capped exponential backoff with jitter, and the
 * "failing since" its users' log lines need: the one backoff of every
 * layer (store/ is the lowest that retries).  Its users: the etcd watch's
 * reconnects (store/watch.c, without jitter), flowsteerd's status writes,
 * liveness, chassis registration and path id allocations, and the OVS
 * thread's apply retries, refused flows and OpenFlow reconnects.
 *
 * The delay doubles from 'first_ms' to 'max_ms' with each failure in a row;
 * the wait is a random 50..100% of it (AWS's "equal jitter"), so nodes that
 * failed together do not retry together, or the delay itself with
 * 'no_jitter'.  Time is passed in (milliseconds of a monotonic clock, OVS's
 * time_msec()) so that tests choose it.  Not thread-safe: one owner. */
#ifndef FS_BACKOFF_H
#define FS_BACKOFF_H 1

#include <stdbool.h>

struct fs_backoff {
    int first_ms, max_ms; /* Settings. */
    bool no_jitter;       /* Setting: the wait is the delay itself. */
    int delay_ms;         /* Before jitter; 0 while not failing. */
    unsigned failures;    /* In a row. */
    long long since_ms;   /* Time of the first failure in a row. */
    long long next_ms;    /* No try before this (0: any time). */
};

#define FS_BACKOFF_INIT(FIRST_MS, MAX_MS)                                      \
    {                                                                          \
        .first_ms = (FIRST_MS), .max_ms = (MAX_MS)                             \
    }
/* The same without jitter. */
#define FS_BACKOFF_INIT_NO_JITTER(FIRST_MS, MAX_MS)                            \
    {                                                                          \
        .first_ms = (FIRST_MS), .max_ms = (MAX_MS), .no_jitter = true          \
    }

/* Records a failure at 'now_ms'.  Returns the wait in milliseconds before
 * the next try: a random 50..100% (with 'no_jitter': 100%) of
 * first_ms * 2^(failures - 1), capped at max_ms; at least 1. */
int fs_backoff_failed(struct fs_backoff *, long long now_ms);

/* Records a success.  Returns true if it ends a run of failures (the caller
 * logs that it works again, once). */
bool fs_backoff_succeeded(struct fs_backoff *);

/* Lets the next try happen at once (the peer is back), keeping the count
 * and the delay: a failure then continues the run where it was. */
void fs_backoff_retry_now(struct fs_backoff *);

/* True between a failure and the next success. */
bool fs_backoff_failing(const struct fs_backoff *);

/* True if a try is due at 'now_ms' (not failing, or the wait is over). */
bool fs_backoff_ready(const struct fs_backoff *, long long now_ms);

/* Milliseconds since the first failure of the current run, 0 if not
 * failing. */
long long fs_backoff_failing_ms(const struct fs_backoff *, long long now_ms);

#endif /* store/backoff.h */

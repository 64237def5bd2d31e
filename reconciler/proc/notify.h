/* reconciler/proc/notify.h: systemd's service notifications (sd_notify(3)),
 * for Type=notify units: READY=1 at the first convergence, STATUS= lines,
 * WATCHDOG=1 pings, STOPPING=1.  Each is a no-op when NOTIFY_SOCKET is not
 * set (not started by systemd), so flowsteerd runs the same anywhere. */
#ifndef FS_NOTIFY_H
#define FS_NOTIFY_H 1

#include "openvswitch/compiler.h"

struct ev_loop;
struct fs_watchdog;

/* STATUS= lines are cut at this many bytes. */
#define FS_NOTIFY_STATUS_MAX 200

/* Sends READY=1 with STATUS='status' (cut at FS_NOTIFY_STATUS_MAX). */
void fs_notify_ready(const char *status);

/* Sends STATUS= with the printf-style text (cut at FS_NOTIFY_STATUS_MAX). */
void fs_notify_status(const char *format, ...) OVS_PRINTF_FORMAT(1, 2);

/* Sends STOPPING=1. */
void fs_notify_stopping(void);

/* If systemd set WATCHDOG_USEC for this process, starts a timer on 'loop'
 * that sends WATCHDOG=1 every half of it, and returns it (free with
 * fs_watchdog_stop()); else NULL.  The pings come from the main loop, so a
 * stuck loop is what the watchdog sees. */
struct fs_watchdog *fs_watchdog_start(struct ev_loop *loop);

/* Stops and frees 'w'; NULL is a no-op. */
void fs_watchdog_stop(struct fs_watchdog *w);

#endif /* reconciler/proc/notify.h */

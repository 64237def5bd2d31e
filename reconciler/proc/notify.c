/* systemd notifications: see reconciler/proc/notify.h. */
#include "reconciler/proc/notify.h"

#include <ev.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(notify);

struct fs_watchdog {
    struct ev_loop *loop;
    ev_timer timer;
};

void fs_notify_ready(const char *status)
{
    sd_notifyf(0, "READY=1\nSTATUS=%.*s", FS_NOTIFY_STATUS_MAX, status);
}

void fs_notify_status(const char *format, ...)
{
    char text[FS_NOTIFY_STATUS_MAX + 1];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    sd_notifyf(0, "STATUS=%s", text);
}

void fs_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    sd_notify(0, "WATCHDOG=1");
}

struct fs_watchdog *fs_watchdog_start(struct ev_loop *loop)
{
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || !usec) {
        return NULL;
    }
    struct fs_watchdog *w = xzalloc(sizeof *w);
    w->loop = loop;
    double interval = usec / 2e6;
    ev_timer_init(&w->timer, watchdog_cb, interval, interval);
    ev_timer_start(loop, &w->timer);
    VLOG_INFO("systemd watchdog: pinging every %.1f s", interval);
    return w;
}

void fs_watchdog_stop(struct fs_watchdog *w)
{
    if (w) {
        ev_timer_stop(w->loop, &w->timer);
        free(w);
    }
}

/* reconciler/daemon/daemon.h: flowsteerd's main thread.
 *
 * Glue only: etcd watch events feed the model; a short coalescing timer
 * turns bursts into one snapshot + render; the desired set goes to the OVS
 * thread (reconciler/ovs/ovs.h); results and local facts come back through an
 * ev_async; status and path id allocations go to etcd. */
#ifndef FS_DAEMON_H
#define FS_DAEMON_H 1

struct ev_loop;
struct fs_config;

/* Runs flowsteerd with 'cfg' on 'loop' until SIGINT or SIGTERM.  SIGHUP
 * reads the settings again (fs_config_reread()): 'verbose' and
 * 'bridge-mappings' change in 'cfg' at once (a re-render follows), the
 * others are logged as needing a restart; the log file is reopened.
 * Returns the process exit status (0 after a signal). */
int fs_daemon_run(struct ev_loop *loop, struct fs_config *cfg);

#endif /* reconciler/daemon/daemon.h */

/* flowsteerd: the per-node reconciler.  Parses settings, sets up logging
 * and runs the daemon (reconciler/daemon/daemon.c). */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>

#include "reconciler/proc/config.h"
#include "reconciler/daemon/daemon.h"
#include "reconciler/proc/log.h"
#include "util.h"
#include <openvswitch/vlog.h>

static int setup_logging(const struct fs_config *cfg)
{
    vlog_set_levels(NULL, VLF_SYSLOG, VLL_OFF);
    fs_config_set_log_levels(cfg);
    if (cfg->log_file && vlog_set_log_file(cfg->log_file)) {
        fprintf(stderr, "flowsteerd: cannot open log file %s\n", cfg->log_file);
        return -1;
    }
    return 0;
}

int main(int argc, char *argv[])
{
    /* First: even a usage error goes to the journal with a priority. */
    fs_log_setup_stderr();
    struct fs_config cfg;
    fs_config_init(&cfg);
    char *error = fs_config_parse_args(&cfg, argc, argv);
    if (error) {
        int status = *error ? 2 : 0;
        if (*error) {
            fprintf(stderr, "flowsteerd: %s\n", error);
        }
        free(error);
        fs_config_destroy(&cfg);
        return status;
    }
    if (setup_logging(&cfg)) {
        fs_config_destroy(&cfg);
        return 1;
    }
    int status = fs_daemon_run(ev_default_loop(0), &cfg);
    fs_config_destroy(&cfg);
    return status;
}

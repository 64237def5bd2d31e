/* flowsteerd: the per-node reconciler.  Parses settings, sets up logging
 * and runs the daemon (reconciler/daemon.c). */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>

#include "reconciler/config.h"
#include "reconciler/daemon.h"
#include <openvswitch/vlog.h>

static int setup_logging(const struct fs_config *cfg)
{
    vlog_set_levels(NULL, VLF_SYSLOG, VLL_OFF);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION,
                    cfg->verbose ? VLL_DBG : VLL_INFO);
    vlog_set_levels(NULL, VLF_SYSLOG, VLL_OFF);
    /* libopenvswitch's own modules stay quiet unless something is wrong. */
    vlog_set_levels_from_string_assert("reconnect:warn");
    vlog_set_levels_from_string_assert("poll_loop:warn");
    vlog_set_levels_from_string_assert("ovsdb_cs:warn");
    vlog_set_levels_from_string_assert("jsonrpc:warn");
    vlog_set_levels_from_string_assert("stream_unix:warn");
    vlog_set_levels_from_string_assert("vconn:warn");
    vlog_set_levels_from_string_assert("rconn:warn");
    vlog_set_levels_from_string_assert("timeval:warn");
    vlog_set_pattern(VLF_CONSOLE, "%D{%H:%M:%S.###}|%c|%p|%m");
    if (cfg->log_file && vlog_set_log_file(cfg->log_file)) {
        fprintf(stderr, "flowsteerd: cannot open log file %s\n", cfg->log_file);
        return -1;
    }
    return 0;
}

int main(int argc, char *argv[])
{
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

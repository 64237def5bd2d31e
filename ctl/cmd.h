/* ctl/cmd.h: flowsteerctl's commands and their options. */
#ifndef FS_CTL_CMD_H
#define FS_CTL_CMD_H 1

#include <stdbool.h>
#include <stddef.h>

#include "reconciler/proc/config.h"

/* Exit codes of every command (status --wait-converged adds its own:
 * ctl/status.c). */
enum {
    CTL_OK = 0,    /* Done; diff: no change. */
    CTL_FAIL = 1,  /* Invalid input, absent resource; diff: changes. */
    CTL_ERROR = 2, /* Usage, etcd or I/O error. */
};

/* Options a command accepts (a mask of these). */
enum {
    CTL_O_FILES = 1 << 0,     /* -f FILE|DIR|- (repeatable) */
    CTL_O_PRUNE = 1 << 1,     /* --prune */
    CTL_O_DRY_RUN = 1 << 2,   /* --dry-run */
    CTL_O_OUTPUT = 1 << 3,    /* -o json|yaml */
    CTL_O_WAIT = 1 << 4,      /* --wait-converged, --timeout S */
    CTL_O_ETCD = 1 << 5,      /* --etcd ..., --config FILE */
    CTL_O_NODE = 1 << 6,      /* --node N, --ovsdb, --bridge, --openflow */
    CTL_O_FILES_OPT = 1 << 7, /* -f is accepted but not required */
    CTL_O_TRACE = 1 << 8, /* --from, --to, --sport, --dport, --appctl-target */
    CTL_O_FULL = 1 << 9,  /* --full (plan) */
};

/* A command line, parsed.  'cfg' holds the etcd settings (flowsteerd's
 * parser: reconciler/proc/config.c); 'files' and 'args' point into argv. */
struct ctl_opts {
    struct fs_config cfg;
    char **files;
    size_t n_files;
    bool prune, dry_run, wait;
    bool full; /* plan --full: the desired set too, with --ovsdb. */
    double timeout_s;
    bool timeout_given; /* --timeout was given (else 'timeout_s' is 60). */
    const char *output; /* "json" (default) or "yaml". */
    /* plan and trace: the node, its OVS (NULL: not given; 'bridge'
     * defaults to "br-int"), and trace's packet. */
    const char *node, *ovsdb, *bridge, *openflow;
    const char *from, *to, *appctl;
    int sport, dport; /* -1: not given. */
    char **args;      /* Positional arguments after the command. */
    size_t n_args;
};

/* Parses 'argv' (argv[0] is the command's name) for a command accepting
 * the options of 'mask' and 'min_args'..'max_args' positional arguments;
 * prints 'usage' for --help.  Returns NULL on success, "" after --help, or
 * an error (caller frees non-NULL results).  Free 'opts' with
 * ctl_opts_destroy() in every case. */
char *ctl_opts_parse(struct ctl_opts *opts, int argc, char *argv[],
                     unsigned int mask, size_t min_args, size_t max_args,
                     const char *usage);
void ctl_opts_destroy(struct ctl_opts *);

/* The etcd options' help, shared by every command that talks to etcd. */
extern const char ctl_etcd_usage[];

/* The commands: each takes its argv (argv[0] its name), prints what it
 * does, and returns an exit code. */
int ctl_cmd_validate(int argc, char *argv[]);
int ctl_cmd_apply(int argc, char *argv[]);
int ctl_cmd_diff(int argc, char *argv[]);
int ctl_cmd_get(int argc, char *argv[]);
int ctl_cmd_delete(int argc, char *argv[]);
int ctl_cmd_status(int argc, char *argv[]);
int ctl_cmd_plan(int argc, char *argv[]);
int ctl_cmd_trace(int argc, char *argv[]);

#endif /* ctl/cmd.h */

/* flowsteerctl's option parsing: see ctl/cmd.h.  The etcd
 * settings go through flowsteerd's own fs_config_set() and
 * fs_config_load(), so both read --etcd, TLS, auth and a config file
 * alike. */
#include "ctl/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char ctl_etcd_usage[] =
    "etcd (as flowsteerd):\n"
    "  --etcd URL[,URL...]   members (default http://127.0.0.1:2379); a\n"
    "                        failed call is tried on the next one\n"
    "  --etcd-cacert FILE, --etcd-cert FILE, --etcd-key FILE   TLS\n"
    "  --etcd-user NAME[:PASSWORD]   etcd authentication\n"
    "  --config FILE         flowsteerd's config file (its etcd keys);\n"
    "                        options given on the command line win\n";

static const struct option options[] = {
    {"filename", required_argument, NULL, 'f'},
    {"prune", no_argument, NULL, 'P'},
    {"dry-run", no_argument, NULL, 'D'},
    {"output", required_argument, NULL, 'o'},
    {"wait-converged", no_argument, NULL, 'W'},
    {"timeout", required_argument, NULL, 't'},
    {"etcd", required_argument, NULL, 'e'},
    {"etcd-cacert", required_argument, NULL, 'A'},
    {"etcd-cert", required_argument, NULL, 'C'},
    {"etcd-key", required_argument, NULL, 'K'},
    {"etcd-user", required_argument, NULL, 'U'},
    {"config", required_argument, NULL, 'c'},
    {"node", required_argument, NULL, 'n'},
    {"ovsdb", required_argument, NULL, 'O'},
    {"bridge", required_argument, NULL, 'b'},
    {"openflow", required_argument, NULL, 'F'},
    {"from", required_argument, NULL, 'S'},
    {"to", required_argument, NULL, 'T'},
    {"sport", required_argument, NULL, 's'},
    {"dport", required_argument, NULL, 'd'},
    {"appctl-target", required_argument, NULL, 'a'},
    {"full", no_argument, NULL, 'L'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The option mask each option needs. */
static unsigned int needs(int c)
{
    switch (c) {
    case 'f':
        return CTL_O_FILES | CTL_O_FILES_OPT;
    case 'n':
    case 'O':
    case 'b':
    case 'F':
        return CTL_O_NODE;
    case 'S':
    case 'T':
    case 's':
    case 'd':
    case 'a':
        return CTL_O_TRACE;
    case 'P':
        return CTL_O_PRUNE;
    case 'L':
        return CTL_O_FULL;
    case 'D':
        return CTL_O_DRY_RUN;
    case 'o':
        return CTL_O_OUTPUT;
    case 'W':
    case 't':
        return CTL_O_WAIT;
    default:
        return CTL_O_ETCD;
    }
}

static const char *etcd_key(int c)
{
    switch (c) {
    case 'e':
        return "etcd";
    case 'A':
        return "etcd-cacert";
    case 'C':
        return "etcd-cert";
    case 'K':
        return "etcd-key";
    case 'U':
        return "etcd-user";
    default:
        return NULL;
    }
}

/* A TCP/UDP port number option. */
static char *take_port(int *port, const char *name, const char *arg)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < 0 || v > 65535) {
        return xasprintf("--%s: \"%.64s\" is not a port (0..65535)", name, arg);
    }
    *port = v;
    return NULL;
}

/* Options of plan and trace that take a string; false for others. */
static bool take_string(struct ctl_opts *o, int c, const char *arg)
{
    const char **slot = c == 'n'   ? &o->node
                        : c == 'O' ? &o->ovsdb
                        : c == 'b' ? &o->bridge
                        : c == 'F' ? &o->openflow
                        : c == 'S' ? &o->from
                        : c == 'T' ? &o->to
                        : c == 'a' ? &o->appctl
                                   : NULL;
    if (slot) {
        *slot = arg;
    }
    return slot != NULL;
}

/* One option 'c' with argument 'arg'. */
static char *take(struct ctl_opts *o, int c, const char *arg)
{
    char *end;
    if (take_string(o, c, arg)) {
        return NULL;
    }
    switch (c) {
    case 's':
        return take_port(&o->sport, "sport", arg);
    case 'd':
        return take_port(&o->dport, "dport", arg);
    case 'f':
        o->files = xrealloc(o->files, (o->n_files + 1) * sizeof *o->files);
        o->files[o->n_files++] = (char *)arg;
        return NULL;
    case 'P':
        o->prune = true;
        return NULL;
    case 'D':
        o->dry_run = true;
        return NULL;
    case 'W':
        o->wait = true;
        return NULL;
    case 'L':
        o->full = true;
        return NULL;
    case 'o':
        if (strcmp(arg, "json") && strcmp(arg, "yaml")) {
            return xasprintf("-o: \"%.64s\" is not json or yaml", arg);
        }
        o->output = arg;
        return NULL;
    case 't':
        o->timeout_given = true;
        errno = 0;
        o->timeout_s = strtod(arg, &end);
        if (errno || end == arg || *end || !(o->timeout_s > 0) ||
            o->timeout_s > 86400) {
            return xasprintf("--timeout: \"%.64s\" is not a number of "
                             "seconds (0 < S <= 86400)",
                             arg);
        }
        return NULL;
    case 'c':
        return fs_config_load(&o->cfg, arg);
    default:
        return fs_config_set(&o->cfg, etcd_key(c), arg);
    }
}

char *ctl_opts_parse(struct ctl_opts *o, int argc, char *argv[],
                     unsigned int mask, size_t min_args, size_t max_args,
                     const char *usage)
{
    *o = (struct ctl_opts){.output = "json",
                           .timeout_s = 60,
                           .bridge = "br-int",
                           .sport = -1,
                           .dport = -1};
    fs_config_init(&o->cfg);
    optind = 0;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "f:o:h", options, NULL);
        if (c == -1) {
            break;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return xstrdup("");
        } else if (c == '?' || c == ':' || !(needs(c) & mask)) {
            return xasprintf("%s: unknown or incomplete option \"%s\" (try "
                             "%s --help)",
                             argv[0], argv[optind - 1], argv[0]);
        }
        char *error = take(o, c, optarg);
        if (error) {
            return error;
        }
    }
    o->args = argv + optind;
    o->n_args = argc - optind;
    if (o->n_args < min_args || o->n_args > max_args) {
        return xasprintf("%s: %s arguments (try %s --help)", argv[0],
                         o->n_args < min_args ? "missing" : "too many",
                         argv[0]);
    }
    if ((mask & CTL_O_NODE) && !o->node) {
        return xasprintf("%s: --node NODE is required", argv[0]);
    }
    if ((mask & CTL_O_FILES) && !o->n_files) {
        return xasprintf("%s: -f FILE|DIR|- is required", argv[0]);
    }
    return NULL;
}

void ctl_opts_destroy(struct ctl_opts *o)
{
    fs_config_destroy(&o->cfg);
    free(o->files);
}

/* flowsteerctl: the operator's tool for flowsteer's desired state in etcd
 * (README.md, "flowsteerctl"). */
#include <stdio.h>
#include <string.h>

#include "openvswitch/vlog.h"
#include "reconciler/proc/config.h"
#include "ctl/cmd.h"

static const char usage[] =
    "usage: flowsteerctl COMMAND [OPTIONS] [ARGS]\n"
    "Manages flowsteer's desired state (Neutron / networking-sfc resources)\n"
    "in etcd, as kubectl does Kubernetes objects.\n"
    "\n"
    "commands:\n"
    "  validate -f FILE|DIR|-            check manifests offline\n"
    "  apply -f ... [--prune] [--dry-run]  validate against etcd, then write\n"
    "  diff -f ... [--prune]             what apply would change (diff -u)\n"
    "  get KIND [ID] [-o json|yaml]      resources in etcd\n"
    "  delete KIND ID                    delete one resource\n"
    "  status [NODE] [--wait-converged [--timeout S]]\n"
    "                                    every node's status and liveness\n"
    "  plan --node N [-f ...] [--ovsdb REMOTE [--full]]\n"
    "                                    node N's flows, groups and rows;\n"
    "                                    with --ovsdb only the changes\n"
    "                                    flowsteerd would make\n"
    "  trace --node N --from PORT [--to PORT|IP] [tcp|udp|icmp]\n"
    "                                    ofproto/trace, annotated by cookie\n"
    "\n"
    "'flowsteerctl COMMAND --help' describes each.  -V, --version prints\n"
    "the version.\n";

static const struct {
    const char *name;
    int (*fn)(int argc, char *argv[]);
} commands[] = {
    {"validate", ctl_cmd_validate}, {"apply", ctl_cmd_apply},
    {"diff", ctl_cmd_diff},         {"get", ctl_cmd_get},
    {"delete", ctl_cmd_delete},     {"status", ctl_cmd_status},
    {"plan", ctl_cmd_plan},         {"trace", ctl_cmd_trace},
};

int main(int argc, char *argv[])
{
    /* The etcd client logs through vlog: warnings only, to stderr. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    vlog_set_levels(NULL, VLF_SYSLOG, VLL_OFF);
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CTL_ERROR : CTL_OK;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        puts("flowsteerctl " FS_VERSION);
        return CTL_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr,
            "flowsteerctl: unknown command \"%.64s\" (try "
            "flowsteerctl --help)\n",
            argv[1]);
    return CTL_ERROR;
}

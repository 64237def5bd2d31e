/* flowsteerctl validate: the input checked offline, as flowsteerd would
 * check it in etcd (every model rule and reference, within the input). */
#include "ctl/cmd.h"
#include "ctl/ctl.h"

#include <stdio.h>
#include <stdlib.h>

static const char usage[] =
    "usage: flowsteerctl validate -f FILE|DIR|- [-f ...]\n"
    "Checks manifests offline (no etcd) with flowsteerd's own model: every\n"
    "field rule and every reference between the resources given.\n"
    "\n"
    "  -f, --filename FILE|DIR|-   a file, a directory (its *.json, *.yaml\n"
    "                        and *.yml, recursively, in name order) or\n"
    "                        standard input; repeatable\n"
    "\n"
    "Accepted: multi-document YAML, JSON; in each document a resource with\n"
    "a kind field (kind: port_pair), a Neutron envelope ({\"port_pair\":\n"
    "{...}}), a Neutron list envelope ({\"port_pairs\": [...]}) or a list\n"
    "of those.  Every resource needs an id: its key is\n"
    "/flowsteer/v1/<kind>/<id>.\n"
    "\n"
    "Prints one line per error, FILE:LINE: KIND/ID: PATH: REASON (LINE:\n"
    "where the resource's object starts), and exits 1; else prints a\n"
    "summary and exits 0.  Exit 2: usage error.\n";

int ctl_cmd_validate(int argc, char *argv[])
{
    struct ctl_opts o;
    char *error = ctl_opts_parse(&o, argc, argv, CTL_O_FILES, 0, 0, usage);
    if (error) {
        int rc = *error ? CTL_ERROR : CTL_OK;
        if (*error) {
            fprintf(stderr, "flowsteerctl %s\n", error);
        }
        free(error);
        ctl_opts_destroy(&o);
        return rc;
    }
    struct ctl_input in = {0};
    ctl_input_read(&in, o.files, o.n_files);
    struct ctl_msgs errors = {0};
    ctl_check(&in, NULL, NULL, &errors);
    ctl_msgs_sort(&in.errors);
    ctl_msgs_sort(&errors);
    ctl_msgs_print(&in.errors, stdout);
    ctl_msgs_print(&errors, stdout);
    size_t n = in.errors.n + errors.n;
    if (!n) {
        printf("%zu resources valid\n", in.n);
    }
    ctl_msgs_destroy(&errors);
    ctl_input_destroy(&in);
    ctl_opts_destroy(&o);
    return n ? CTL_FAIL : CTL_OK;
}

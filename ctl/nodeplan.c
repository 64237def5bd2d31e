/* flowsteerctl plan: what one node would hold after an apply, rendered with
 * render/ itself, and the changes flowsteerd would send to that node's
 * switch and OVSDB.  docs/architecture.md, "flowsteerctl plan". */
#include "ctl/cmd.h"
#include "ctl/ctl.h"
#include "ctl/node.h"
#include "ctl/world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler/ovs/flowtable.h"
#include "util.h"

static const char plan_usage[] =
    "usage: flowsteerctl plan --node NODE [-f FILE|DIR|- ... [--prune]]\n"
    "                         [--ovsdb unix:PATH [--bridge BR]\n"
    "                          [--openflow TARGET] [--full]] [--timeout S]\n"
    "Without --ovsdb, prints the flows (ovs-ofctl syntax, sorted as render/\n"
    "sorts them), groups and OVSDB rows node NODE would hold with etcd's\n"
    "desired state (with the manifests of -f put over it, validated as\n"
    "apply does), rendered by flowsteerd's own render/.  With --ovsdb,\n"
    "prints only the changes flowsteerd would make on NODE to get there:\n"
    "nothing at all on a converged node.\n"
    "\n"
    "  --node NODE        the chassis (binding:host_id) to plan for\n"
    "  -f FILE|DIR|-      manifests to apply first (nothing is written)\n"
    "  --prune            as apply --prune: without the resources\n"
    "                     labelled as flowsteerctl's that -f lacks\n"
    "  --ovsdb REMOTE     read the node's facts (iface-id -> ofport, its\n"
    "                     ports and bridges) from this OVSDB, as flowsteerd\n"
    "                     does, then its flows and groups over OpenFlow,\n"
    "                     and print the changes flowsteerd would make\n"
    "  --full             with --ovsdb: the desired set too, before the\n"
    "                     changes (\"no changes\" when there are none)\n"
    "  --bridge BR        integration bridge (default br-int)\n"
    "  --openflow TARGET  the bridge's OpenFlow target (default\n"
    "                     unix:DIR/BR.mgmt beside the OVSDB socket)\n"
    "  --timeout S        bound of each exchange with OVS (default 10)\n"
    "\n"
    "Without --ovsdb, every port bound to NODE is taken as plugged, with\n"
    "ofports 1, 2, ... in port id order (then flowsteer's own ports): a\n"
    "legend names them.  With --ovsdb, the changes follow a \"changes: F\n"
    "flow mods, G group mods, R OVSDB rows\" line, one per line: \"+\" add,\n"
    "\"~\" modify (its old version on a \"was:\" line), \"-\" delete, \"!\" a\n"
    "conflict flowsteerd will not resolve.\n"
    "\n"
    "Exit: 0 printed (with --ovsdb: no changes), 1 changes, 2 invalid\n"
    "input, usage, etcd or OVS error.\n\n";

struct plan {
    struct ctl_opts o;
    struct ctl_world w;
    struct fs_local_facts facts;
    struct ds legend;
    struct ovsdb_idl *idl;
    struct fs_desired *d;
};

static void plan_destroy(struct plan *p)
{
    fs_desired_destroy(p->d);
    ctl_ovsdb_close(p->idl);
    ds_destroy(&p->legend);
    fs_local_facts_destroy(&p->facts);
    ctl_world_destroy(&p->w);
    ctl_opts_destroy(&p->o);
}

/* An option error ("plan: ..." from ctl_opts_parse()). */
static int usage_fail(char *error)
{
    fprintf(stderr, "flowsteerctl %s\n", error);
    free(error);
    return CTL_ERROR;
}

static int fail(char *error)
{
    fprintf(stderr, "flowsteerctl plan: %s\n", error);
    free(error);
    return CTL_ERROR;
}

static int load(struct plan *p)
{
    char *error = ctl_world_load(&p->w, &p->o);
    return error ? fail(error) : -1;
}

/* Facts made up, or read from --ovsdb; then the render. */
static int render(struct plan *p)
{
    struct fs_render_node node = {.name = p->o.node,
                                  .integration_bridge = p->o.bridge};
    int timeout_ms = p->o.timeout_s * 1000;
    if (p->o.ovsdb) {
        char *error = ctl_ovsdb_read(p->o.ovsdb, p->o.bridge, timeout_ms,
                                     &p->facts, &p->idl);
        if (error) {
            return fail(error);
        }
    } else {
        /* Once for the rows flowsteer's own ports come from, once with
         * ofports for them too. */
        ctl_fake_facts(p->w.snap, p->o.node, p->o.bridge, NULL, &p->facts,
                       &p->legend);
        struct fs_desired *first = fs_render(p->w.snap, &node, &p->facts);
        ctl_fake_facts(p->w.snap, p->o.node, p->o.bridge, first, &p->facts,
                       &p->legend);
        fs_desired_destroy(first);
    }
    p->d = fs_render(p->w.snap, &node, &p->facts);
    return -1;
}

static void print_header(const struct plan *p)
{
    printf("# node %s, etcd revision %" PRId64 "%s\n", p->o.node,
           p->w.kvs.revision, p->w.in.n ? " with the input over it" : "");
    if (p->o.ovsdb) {
        printf("# facts: read from %s (bridge %s): %zu ports with an "
               "ofport\n",
               p->o.ovsdb, p->o.bridge, simap_count(&p->facts.ofports));
    } else {
        printf("# facts: made up (no --ovsdb): every port bound to %s is "
               "plugged\n",
               p->o.node);
        const char *s = ds_cstr_ro(&p->legend);
        while (*s) {
            const char *nl = strchr(s, '\n');
            printf("#   %.*s\n", (int)(nl - s), s);
            s = nl + 1;
        }
    }
}

static void print_rows(const struct fs_desired *d)
{
    for (size_t i = 0; i < d->n_bridges; i++) {
        printf("bridge %s\n", d->bridges[i]->name);
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct fs_ovsdb_port *port = d->ports[i];
        printf("port %s on %s type=%s", port->name, port->bridge, port->type);
        const struct smap_node **opts = smap_sort(&port->options);
        for (size_t j = 0; j < smap_count(&port->options); j++) {
            printf(" options:%s=%s", opts[j]->key, opts[j]->value);
        }
        free(opts);
        putchar('\n');
    }
}

static void print_desired(const struct fs_desired *d)
{
    printf("# %zu flows, %zu groups, %zu bridges, %zu ports\n", d->n_flows,
           d->n_groups, d->n_bridges, d->n_ports);
    for (size_t i = 0; i < d->n_flows; i++) {
        char *s = fs_flow_to_string(&d->flows[i]);
        puts(s);
        free(s);
    }
    for (size_t i = 0; i < d->n_groups; i++) {
        char *s = fs_group_to_string(&d->groups[i]);
        puts(s);
        free(s);
    }
    print_rows(d);
    for (size_t i = 0; i < d->notes.n; i++) {
        const struct fs_error *e = &d->notes.items[i];
        printf("# note: %s: %s: %s\n", e->key, e->path, e->message);
    }
    if (d->n_waiting) {
        printf("# %zu desired ports have no ofport yet: their flows are "
               "left out\n",
               d->n_waiting);
    }
}

/* Prints the changes against the node's switch and OVSDB: nothing when
 * there are none ("no changes" with --full, after the desired set).
 * Returns CTL_OK (none), CTL_FAIL (changes) or CTL_ERROR. */
static int print_changes(struct plan *p)
{
    char *target = p->o.openflow
                       ? xstrdup(p->o.openflow)
                       : ctl_default_openflow(p->o.ovsdb, p->o.bridge);
    if (!target) {
        return fail(xstrdup("--openflow TARGET is needed with an --ovsdb "
                            "that is not a unix socket"));
    }
    struct fs_flowtable ft;
    fs_flowtable_init(&ft);
    char *error = ctl_ft_desire(&ft, p->d);
    free(error); /* What cannot be parsed is left out, as flowsteerd does. */
    error = ctl_openflow_read(target, p->o.timeout_s * 1000, &ft);
    free(target);
    if (error) {
        fs_flowtable_destroy(&ft);
        return fail(error);
    }
    struct ctl_ops ops = {0};
    ctl_ops_build(&ft, p->d, &ops);
    ctl_rows_ops(p->idl, p->d, &ops);
    fs_flowtable_destroy(&ft);
    if (!ops.n && p->o.full) {
        puts("no changes");
    } else if (ops.n) {
        printf("changes: %zu flow mods, %zu group mods, %zu OVSDB rows\n",
               ops.n_flow_mods, ops.n_group_mods,
               ops.n - ops.n_flow_mods - ops.n_group_mods);
    }
    for (size_t i = 0; i < ops.n; i++) {
        puts(ops.items[i].text);
    }
    int rc = ops.n ? CTL_FAIL : CTL_OK;
    ctl_ops_destroy(&ops);
    return rc;
}

int ctl_cmd_plan(int argc, char *argv[])
{
    struct plan p = {.legend = DS_EMPTY_INITIALIZER};
    fs_local_facts_init(&p.facts);
    char *error = ctl_opts_parse(&p.o, argc, argv,
                                 CTL_O_FILES_OPT | CTL_O_NODE | CTL_O_ETCD |
                                     CTL_O_PRUNE | CTL_O_WAIT | CTL_O_FULL,
                                 0, 0, plan_usage);
    int rc = -1;
    if (error) {
        rc = *error ? usage_fail(error) : (free(error), CTL_OK);
    } else if (p.o.wait) {
        rc = fail(xstrdup("--wait-converged is status's option"));
    }
    if (rc < 0 && !p.o.timeout_given) {
        p.o.timeout_s = 10;
    }
    rc = rc < 0 ? load(&p) : rc;
    rc = rc < 0 ? render(&p) : rc;
    if (rc < 0 && (!p.o.ovsdb || p.o.full)) {
        print_header(&p);
        print_desired(p.d);
    }
    if (rc < 0) {
        rc = p.o.ovsdb ? print_changes(&p) : CTL_OK;
    }
    plan_destroy(&p);
    return rc;
}

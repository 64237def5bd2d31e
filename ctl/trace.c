/* flowsteerctl trace: ofproto/trace of the packet a Neutron port would
 * send, each flowsteer flow annotated with the resource it comes from.
 * docs/architecture.md, "flowsteerctl trace". */
#include "ctl/cmd.h"
#include "ctl/detrace.h"
#include "ctl/node.h"
#include "ctl/world.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timeval.h"
#include "util.h"

extern char **environ;

/* Longest ofproto/trace output read. */
#define TRACE_MAX (4 << 20)

static const char trace_usage[] =
    "usage: flowsteerctl trace --node NODE --from PORT [--to PORT|IP]\n"
    "                          [tcp|udp|icmp] [--sport P] [--dport P]\n"
    "                          [--ovsdb REMOTE] [--bridge BR]\n"
    "                          [--appctl-target TARGET] [--timeout S]\n"
    "Runs ovs-appctl ofproto/trace on NODE's bridge with the packet port\n"
    "PORT (id or name) would send: in_port its ofport (from the OVSDB's\n"
    "iface-id), its MAC and first fixed IP as source; to --to's MAC and\n"
    "first IP (a port), or to IP with the MAC of the port that has it\n"
    "(ff:ff:ff:ff:ff:ff if none does); to the gateway's MAC (a router\n"
    "interface on PORT's network) when the destination is on another\n"
    "network or no port has it.  Each flowsteer flow is followed by\n"
    "a line naming what it comes from, decoded from its cookie, match and\n"
    "actions: \"↳ flow classifier FC1 of port chain PC1, hop 1 (port pair\n"
    "group PG1) → group of PG1 ...\".\n"
    "\n"
    "  --ovsdb REMOTE         default unix:$OVS_RUNDIR/db.sock\n"
    "  --appctl-target T      ovs-appctl -t T (default: ovs-vswitchd of\n"
    "                         $OVS_RUNDIR)\n"
    "  -f FILE|DIR|-          manifests to name flows after (nothing is\n"
    "                         written; the switch holds what it holds)\n"
    "  --timeout S            bound of each exchange with OVS (default 10)\n"
    "\n"
    "Exit: 0 traced, 2 usage, etcd or OVS error.\n\n";

/* An option error ("plan: ..." from ctl_opts_parse()). */
static int usage_fail(char *error)
{
    fprintf(stderr, "flowsteerctl %s\n", error);
    free(error);
    return CTL_ERROR;
}

static int fail(char *error)
{
    fprintf(stderr, "flowsteerctl trace: %s\n", error);
    free(error);
    return CTL_ERROR;
}

static const struct fs_port *find_port(const struct fs_snapshot *s,
                                       const char *id_or_name)
{
    const struct fs_port *p = shash_find_data(&s->by_id[FS_PORT], id_or_name);
    for (size_t i = 0; !p && i < s->n_ports; i++) {
        const char *name = s->ports[i].meta.name;
        p = name && !strcmp(name, id_or_name) ? &s->ports[i] : NULL;
    }
    return p;
}

static const struct fs_port *port_with_ip(const struct fs_snapshot *s,
                                          const char *ip)
{
    for (size_t i = 0; i < s->n_ports; i++) {
        for (size_t j = 0; j < s->ports[i].n_fixed_ips; j++) {
            if (!strcmp(s->ports[i].fixed_ips[j].ip_address, ip)) {
                return &s->ports[i];
            }
        }
    }
    return NULL;
}

static const char *first_ip(const struct fs_port *p)
{
    return p && p->n_fixed_ips ? p->fixed_ips[0].ip_address : NULL;
}

/* The MAC of a router interface on network 'network_id' (the VM's
 * gateway), or NULL. */
static const char *gateway_mac(const struct fs_snapshot *s,
                               const char *network_id)
{
    for (size_t i = 0; i < s->n_ports; i++) {
        const struct fs_port *p = &s->ports[i];
        if (p->router_id && !strcmp(p->network_id, network_id)) {
            return p->mac_address;
        }
    }
    return NULL;
}

/* The destination of a packet from 'from': '*mac' and '*ip' (either
 * NULL).  A destination on another network (or an address no port has)
 * is sent to the gateway's MAC when 'from''s network has a router
 * interface, as the VM would. */
static char *destination(const struct ctl_opts *o, const struct fs_snapshot *s,
                         const struct fs_port *from, const char **mac,
                         const char **ip)
{
    *mac = *ip = NULL;
    if (!o->to) {
        return NULL;
    }
    const struct fs_port *to = find_port(s, o->to);
    const char *gw = gateway_mac(s, from->network_id);
    if (to) {
        bool routed = gw && strcmp(to->network_id, from->network_id);
        *mac = routed ? gw : to->mac_address;
        *ip = first_ip(to);
        return NULL;
    }
    if (!strchr(o->to, '.') && !strchr(o->to, ':')) {
        return xasprintf("--to: no port and no IP address \"%.64s\"", o->to);
    }
    *ip = o->to;
    to = port_with_ip(s, o->to);
    if (gw && (!to || strcmp(to->network_id, from->network_id))) {
        *mac = gw;
    } else {
        *mac = to && to->mac_address ? to->mac_address : "ff:ff:ff:ff:ff:ff";
    }
    return NULL;
}

/* The ofproto/trace flow of the packet. */
static char *packet(const struct ctl_opts *o, const struct fs_port *from,
                    int ofport, const struct fs_snapshot *s, char **flow)
{
    const char *dmac, *dip, *proto = o->n_args ? o->args[0] : NULL;
    char *error = destination(o, s, from, &dmac, &dip);
    if (error) {
        return error;
    } else if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp") &&
               strcmp(proto, "icmp")) {
        return xasprintf("\"%.64s\" is not tcp, udp or icmp", proto);
    }
    const char *sip = first_ip(from);
    bool v6 = (sip && strchr(sip, ':')) || (dip && strchr(dip, ':'));
    struct ds f = DS_EMPTY_INITIALIZER;
    ds_put_format(&f, "in_port=%d", ofport);
    if (proto || sip || dip) {
        ds_put_format(&f, ",%s%s",
                      proto ? proto
                      : v6  ? "ipv6"
                            : "ip",
                      proto && v6 ? "6" : "");
    }
    if (from->mac_address) {
        ds_put_format(&f, ",dl_src=%s", from->mac_address);
    }
    ds_put_format(&f, ",dl_dst=%s", dmac ? dmac : "ff:ff:ff:ff:ff:ff");
    const char *src = v6 ? "ipv6_src" : "nw_src",
               *dst = v6 ? "ipv6_dst" : "nw_dst";
    if (sip) {
        ds_put_format(&f, ",%s=%s", src, sip);
    }
    if (dip) {
        ds_put_format(&f, ",%s=%s", dst, dip);
    }
    if (sip || dip) {
        /* As a host sends it (ofproto/trace would start from TTL 0, which
         * a router's dec_ttl stops). */
        ds_put_cstr(&f, v6 ? ",ipv6_hlimit=64" : ",nw_ttl=64");
    }
    if (proto && !strcmp(proto, "icmp")) {
        ds_put_cstr(&f, v6 ? ",icmpv6_type=128" : ",icmp_type=8"); /* Echo. */
    } else if (proto) {
        ds_put_format(&f, ",tp_src=%d,tp_dst=%d",
                      o->sport >= 0 ? o->sport : 32768,
                      o->dport >= 0 ? o->dport : 80);
    }
    *flow = ds_steal_cstr(&f);
    return NULL;
}

/* Reads 'fd' until EOF, TRACE_MAX bytes or 'deadline'. */
static void read_all(int fd, long long deadline, struct ds *out, bool *late)
{
    char buf[4096];
    *late = false;
    while (out->length < TRACE_MAX) {
        long long left = deadline - time_msec();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int n = left > 0 ? poll(&pfd, 1, left) : 0;
        if (n == 0) {
            *late = true;
            break;
        } else if (n < 0 && errno == EINTR) {
            continue;
        }
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) {
            continue;
        } else if (r <= 0) {
            break;
        }
        ds_put_buffer(out, buf, r);
    }
}

/* Runs ovs-appctl [-t T] --timeout=S ofproto/trace BRIDGE FLOW, its
 * stdout and stderr into 'out', killed (by its pid) after the timeout. */
static char *run_trace(const struct ctl_opts *o, const char *flow,
                       struct ds *out)
{
    char *timeout = xasprintf("--timeout=%d", (int)(o->timeout_s + 0.999));
    char *argv[8];
    size_t n = 0;
    argv[n++] = "ovs-appctl";
    if (o->appctl) {
        argv[n++] = "-t";
        argv[n++] = (char *)o->appctl;
    }
    argv[n++] = timeout;
    argv[n++] = "ofproto/trace";
    argv[n++] = (char *)o->bridge;
    argv[n++] = (char *)flow;
    argv[n] = NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC)) {
        free(timeout);
        return xasprintf("pipe: %s", ovs_strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid;
    int err = posix_spawnp(&pid, "ovs-appctl", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    free(timeout);
    if (err) {
        close(fds[0]);
        return xasprintf("cannot run ovs-appctl: %s", ovs_strerror(err));
    }
    bool late;
    read_all(fds[0], time_msec() + o->timeout_s * 1000 + 1000, out, &late);
    close(fds[0]);
    if (late || out->length >= TRACE_MAX) {
        kill(pid, SIGKILL);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        continue;
    }
    if (late) {
        return xstrdup("ovs-appctl ofproto/trace timed out");
    }
    return WIFEXITED(status) && !WEXITSTATUS(status)
               ? NULL
               : xasprintf("ovs-appctl ofproto/trace failed: %s", ds_cstr(out));
}

static char *default_ovsdb(void)
{
    const char *rundir = getenv("OVS_RUNDIR");
    return xasprintf("unix:%s/db.sock",
                     rundir ? rundir : "/var/run/openvswitch");
}

/* Reads the node's facts into 'facts' and flowsteer's tunnel ports into
 * 't' from its OVSDB. */
static char *read_node(const struct ctl_opts *o, struct fs_local_facts *facts,
                       struct ctl_detrace *t)
{
    char *ovsdb = o->ovsdb ? xstrdup(o->ovsdb) : default_ovsdb();
    struct ovsdb_idl *idl = NULL;
    char *error =
        ctl_ovsdb_read(ovsdb, o->bridge, o->timeout_s * 1000, facts, &idl);
    if (!error) {
        ctl_ovsdb_tunnels(idl, facts, t);
    }
    ctl_ovsdb_close(idl);
    free(ovsdb);
    return error;
}

/* Runs the trace of 'flow' and prints it annotated by 't'. */
static char *print_trace(const struct ctl_opts *o, const char *flow,
                         const struct ctl_detrace *t)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    char *error = run_trace(o, flow, &out);
    if (!error) {
        char *text = ctl_detrace_text(t, ds_cstr(&out));
        fputs(text, stdout);
        printf("# %s\n", strstr(text, "port chain ")
                             ? "the packet is steered by a port chain"
                             : "no chain: no port chain steers the packet");
        free(text);
    }
    ds_destroy(&out);
    return error;
}

/* Everything after the options: facts, packet, trace, annotations. */
static char *trace(struct ctl_opts *o, const struct fs_snapshot *s,
                   struct fs_local_facts *facts, struct ctl_detrace *t)
{
    const struct fs_port *from = find_port(s, o->from);
    if (!from) {
        return xasprintf("--from: no port \"%.64s\" in etcd", o->from);
    }
    char *error = read_node(o, facts, t);
    if (error) {
        return error;
    }
    int ofport = simap_get(&facts->ofports, from->meta.id);
    if (!ofport) {
        return xasprintf("port %s has no interface with an ofport on %s "
                         "(external_ids:iface-id)",
                         from->meta.id, o->bridge);
    }
    char *flow = NULL;
    error = packet(o, from, ofport, s, &flow);
    if (error) {
        return error;
    }
    printf("# node %s, bridge %s: port %s (ofport %d) sends\n# %s\n", o->node,
           o->bridge, from->meta.id, ofport, flow);
    fflush(stdout);
    error = print_trace(o, flow, t);
    free(flow);
    return error;
}

int ctl_cmd_trace(int argc, char *argv[])
{
    struct ctl_opts o;
    char *error = ctl_opts_parse(&o, argc, argv,
                                 CTL_O_NODE | CTL_O_TRACE | CTL_O_ETCD |
                                     CTL_O_FILES_OPT | CTL_O_WAIT,
                                 0, 1, trace_usage);
    if (!error && !o.from) {
        error = xstrdup("trace: --from PORT is required");
    }
    if (error) {
        int rc = *error ? usage_fail(error) : (free(error), CTL_OK);
        ctl_opts_destroy(&o);
        return rc;
    }
    if (!o.timeout_given) {
        o.timeout_s = 10;
    }
    struct ctl_world w = {0};
    struct fs_local_facts facts;
    fs_local_facts_init(&facts);
    error = ctl_world_load(&w, &o);
    if (!error) {
        struct ctl_detrace t;
        ctl_detrace_init(&t, w.snap, &facts);
        error = trace(&o, w.snap, &facts, &t);
        ctl_detrace_destroy(&t);
    }
    int rc = error ? fail(error) : CTL_OK;
    fs_local_facts_destroy(&facts);
    ctl_world_destroy(&w);
    ctl_opts_destroy(&o);
    return rc;
}

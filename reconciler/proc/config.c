/* flowsteerd settings: see reconciler/proc/config.h. */
#include "reconciler/proc/config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "model/fields.h"
#include "reconciler/proc/http.h"
#include "render/punt.h" /* FS_DHCP_LEASE_DEFAULT: a constant only. */
#include "store/etcd.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

static const char usage_text[] =
    "usage: flowsteerd [OPTIONS]\n"
    "Reconciles this node's Open vSwitch integration bridge with the\n"
    "desired state (service function chains, provider networks, ...)\n"
    "stored in etcd.\n"
    "\n"
    "  --node NAME       chassis name, matched against binding:host_id\n"
    "                    (default: the host name)\n"
    "  --etcd URL[,URL...]  etcd gRPC gateway, one URL per cluster member\n"
    "                    (default http://127.0.0.1:2379); on a failure\n"
    "                    flowsteerd moves to the next member\n"
    "  --etcd-cacert FILE, --etcd-cert FILE, --etcd-key FILE\n"
    "                    TLS to etcd (https:// URLs): CA bundle, client\n"
    "                    certificate and key, as etcdctl's --cacert...\n"
    "  --etcd-user NAME[:PASSWORD]\n"
    "                    etcd authentication (put the password in the\n"
    "                    config file rather than on the command line)\n"
    "  --ovsdb REMOTE    OVSDB server (default "
    "unix:/var/run/openvswitch/db.sock)\n"
    "  --bridge NAME     integration bridge (default br-int); it must exist\n"
    "  --bridge-mappings PHYSNET:BRIDGE[,PHYSNET:BRIDGE...]\n"
    "                    provider bridges of this node, used when etcd has\n"
    "                    no chassis document for it (the document wins)\n"
    "  --chassis-mac-mappings PHYSNET:MAC[,PHYSNET:MAC...]\n"
    "                    source MAC of what this node routes out to each\n"
    "                    physnet (a flat or VLAN network of a router), one\n"
    "                    per chassis, as OVN's ovn-chassis-mac-mappings;\n"
    "                    used when its chassis document has none\n"
    "  --dhcp-lease-time SECONDS\n"
    "                    lease of the DHCP answers (default 86400)\n"
    "  --dhcp-domain NAME\n"
    "                    domain name the DHCP answers give (option 15)\n"
    "  --openflow TARGET OpenFlow target of the bridge (default\n"
    "                    unix:<ovsdb socket dir>/<bridge>.mgmt)\n"
    "  --audit-interval SECONDS\n"
    "                    full check of flowsteer's flows in OVS, a safety\n"
    "                    net: a flow monitor sees changes by others at once\n"
    "                    (default 3600; 0 = never)\n"
    "  --node-ttl SECONDS\n"
    "                    lease of this node's liveness key\n"
    "                    /flowsteer/nodes/<node>, kept alive every TTL/3\n"
    "                    (default 10; 2..3600)\n"
    "  --encap-ip IP     this node's tunnel endpoint (IPv4 or IPv6): writes\n"
    "                    /flowsteer/v1/chassis/<node> when there is none (an\n"
    "                    operator's document is never overwritten)\n"
    "  --encap-type vxlan|geneve\n"
    "                    tunnel type of the chassis document (default vxlan)\n"
    "  --no-ovs          render and report status only, with no OVS\n"
    "                    connection (dry runs, fan-out benchmarks)\n"
    "  --config FILE     read 'key = value' settings (same keys as the\n"
    "                    long options); options given after it win\n"
    "  --log-file FILE   also log to FILE\n"
    "  --metrics-address HOST:PORT|[IPV6]:PORT|off\n"
    "                    serve Prometheus /metrics, /healthz and /readyz\n"
    "                    there (default " FS_METRICS_ADDRESS_DEFAULT "; off:\n"
    "                    none); flowsteerd does not start if it cannot\n"
    "                    listen there\n"
    "  -v, --verbose     debug logging\n"
    "  -h, --help        this help\n"
    "  -V, --version     print the version\n"
    "\n"
    "etcd: watches desired state under /flowsteer/v1/; writes its status to\n"
    "/flowsteer/status/<node> and its liveness (a lease) to\n"
    "/flowsteer/nodes/<node>, outside the watched prefix.\n";

void fs_config_init(struct fs_config *cfg)
{
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    *cfg = (struct fs_config){
        .node = xstrdup(host),
        .etcd = xstrdup("http://127.0.0.1:2379"),
        .ovsdb = xstrdup("unix:/var/run/openvswitch/db.sock"),
        .bridge = xstrdup("br-int"),
        .audit_interval_s = 3600,
        .node_ttl_s = FS_NODE_TTL_DEFAULT,
        .dhcp_lease_s = FS_DHCP_LEASE_DEFAULT,
        .encap_type = xstrdup("vxlan"),
        .metrics_address = xstrdup(FS_METRICS_ADDRESS_DEFAULT),
    };
}

void fs_config_destroy(struct fs_config *cfg)
{
    free(cfg->node);
    free(cfg->etcd);
    free(cfg->etcd_cacert);
    free(cfg->etcd_cert);
    free(cfg->etcd_key);
    free(cfg->etcd_user);
    free(cfg->ovsdb);
    free(cfg->bridge);
    free(cfg->openflow);
    free(cfg->log_file);
    free(cfg->dhcp_domain);
    free(cfg->encap_ip);
    free(cfg->encap_type);
    free(cfg->metrics_address);
    fs_bridge_mappings_free(cfg->bridge_mappings, cfg->n_bridge_mappings);
    fs_chassis_macs_free(cfg->chassis_macs, cfg->n_chassis_macs);
}

static void replace(char **slot, const char *value)
{
    free(*slot);
    *slot = xstrdup(value);
}

/* Parses 'value' as a whole number in [min, max] into '*out'. */
static bool parse_long(const char *value, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* "metrics-address": "off", or an address fs_http_split_address()
 * takes. */
static char *set_metrics_address(struct fs_config *cfg, const char *value)
{
    char *host;
    int port;
    if (!strcmp(value, "off")) {
        free(cfg->metrics_address);
        cfg->metrics_address = NULL;
        return NULL;
    }
    char *error = fs_http_split_address(value, &host, &port);
    if (error) {
        char *e = xasprintf("metrics-address: %s", error);
        free(error);
        return e;
    }
    free(host);
    replace(&cfg->metrics_address, value);
    return NULL;
}

/* The settings of this node's chassis document: "encap-ip", "encap-type".
 * Returns NULL, or an error (caller frees); "" if 'key' is neither. */
static char *set_encap(struct fs_config *cfg, const char *key,
                       const char *value)
{
    if (!strcmp(key, "encap-ip")) {
        char *ip = fs_canonical_ip(value);
        if (!ip) {
            return xasprintf("encap-ip: \"%.64s\" is not an IPv4 or IPv6 "
                             "address",
                             value);
        }
        free(cfg->encap_ip);
        cfg->encap_ip = ip;
        return NULL;
    }
    if (!strcmp(key, "encap-type")) {
        if (strcmp(value, "vxlan") && strcmp(value, "geneve")) {
            return xasprintf("encap-type: \"%.64s\" is not vxlan or geneve",
                             value);
        }
        replace(&cfg->encap_type, value);
        return NULL;
    }
    return xstrdup("");
}

char *fs_config_set(struct fs_config *cfg, const char *key, const char *value)
{
    struct {
        const char *name;
        char **slot;
    } keys[] = {
        {"node", &cfg->node},
        {"etcd", &cfg->etcd},
        {"etcd-cacert", &cfg->etcd_cacert},
        {"etcd-cert", &cfg->etcd_cert},
        {"etcd-key", &cfg->etcd_key},
        {"etcd-user", &cfg->etcd_user},
        {"ovsdb", &cfg->ovsdb},
        {"bridge", &cfg->bridge},
        {"openflow", &cfg->openflow},
        {"log-file", &cfg->log_file},
        {"dhcp-domain", &cfg->dhcp_domain},
    };
    if (!strcmp(key, "dhcp-lease-time")) {
        long v;
        if (!parse_long(value, 60, 31536000, &v)) {
            return xasprintf("dhcp-lease-time: \"%.64s\" is not a number of "
                             "seconds from 60 to 31536000",
                             value);
        }
        cfg->dhcp_lease_s = v;
        return NULL;
    }
    if (!strcmp(key, "bridge-mappings")) {
        struct fs_bridge_mapping *bm;
        size_t n;
        char *error = fs_bridge_mappings_parse(value, &bm, &n);
        if (error) {
            char *msg = xasprintf("bridge-mappings: %s", error);
            free(error);
            return msg;
        }
        fs_bridge_mappings_free(cfg->bridge_mappings, cfg->n_bridge_mappings);
        cfg->bridge_mappings = bm;
        cfg->n_bridge_mappings = n;
        return NULL;
    }
    if (!strcmp(key, "chassis-mac-mappings")) {
        struct fs_chassis_mac *v;
        size_t n;
        char *error = fs_chassis_macs_parse(value, &v, &n);
        if (error) {
            char *msg = xasprintf("chassis-mac-mappings: %s", error);
            free(error);
            return msg;
        }
        fs_chassis_macs_free(cfg->chassis_macs, cfg->n_chassis_macs);
        cfg->chassis_macs = v;
        cfg->n_chassis_macs = n;
        return NULL;
    }
    if (!strcmp(key, "node-ttl")) {
        long v;
        if (!parse_long(value, FS_NODE_TTL_MIN, FS_NODE_TTL_MAX, &v)) {
            return xasprintf("node-ttl: \"%.64s\" is not a number of seconds "
                             "from %d to %d",
                             value, FS_NODE_TTL_MIN, FS_NODE_TTL_MAX);
        }
        cfg->node_ttl_s = v;
        return NULL;
    }
    char *encap_error = set_encap(cfg, key, value);
    if (!encap_error || *encap_error) {
        return encap_error;
    }
    free(encap_error);
    if (!strcmp(key, "audit-interval")) {
        long v;
        if (!parse_long(value, 0, 86400 * 7, &v)) {
            return xasprintf("audit-interval: \"%.64s\" is not a number of "
                             "seconds from 0 (never) to 604800",
                             value);
        }
        cfg->audit_interval_s = v;
        return NULL;
    }
    if (!strcmp(key, "metrics-address")) {
        return set_metrics_address(cfg, value);
    }
    if (!strcmp(key, "verbose")) {
        cfg->verbose = !strcmp(value, "true") || !strcmp(value, "1") ||
                       !strcmp(value, "yes");
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (!strcmp(key, keys[i].name)) {
            if (!*value) {
                return xasprintf("%s: empty value", key);
            }
            replace(keys[i].slot, value);
            return NULL;
        }
    }
    return xasprintf("unknown setting \"%s\"", key);
}

/* Trims white space at both ends of 's' in place; returns the start. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) {
        *--end = '\0';
    }
    return s;
}

static char *load_line(struct fs_config *cfg, char *line)
{
    char *hash = strchr(line, '#');
    if (hash) {
        *hash = '\0';
    }
    line = trim(line);
    if (!*line) {
        return NULL;
    }
    char *eq = strchr(line, '=');
    if (!eq) {
        return xstrdup("expected \"key = value\"");
    }
    *eq = '\0';
    return fs_config_set(cfg, trim(line), trim(eq + 1));
}

char *fs_config_load(struct fs_config *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return xasprintf("%s: %s", path, ovs_strerror(errno));
    }
    char buf[1024];
    char *error = NULL;
    for (int n = 1; !error && fgets(buf, sizeof buf, f); n++) {
        char *e = load_line(cfg, buf);
        if (e) {
            error = xasprintf("%s:%d: %s", path, n, e);
            free(e);
        }
    }
    fclose(f);
    return error;
}

/* Finds --config in argv without disturbing getopt. */
static const char *find_config_arg(int argc, char *argv[])
{
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--config=", 9)) {
            return argv[i] + 9;
        }
        if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            return argv[i + 1];
        }
    }
    return NULL;
}

char *fs_config_parse_args(struct fs_config *cfg, int argc, char *argv[])
{
    static const struct option options[] = {
        {"node", required_argument, NULL, 'n'},
        {"etcd", required_argument, NULL, 'e'},
        {"etcd-cacert", required_argument, NULL, 'A'},
        {"etcd-cert", required_argument, NULL, 'C'},
        {"etcd-key", required_argument, NULL, 'K'},
        {"etcd-user", required_argument, NULL, 'U'},
        {"ovsdb", required_argument, NULL, 'd'},
        {"bridge", required_argument, NULL, 'b'},
        {"bridge-mappings", required_argument, NULL, 'm'},
        {"chassis-mac-mappings", required_argument, NULL, 'X'},
        {"dhcp-lease-time", required_argument, NULL, 'L'},
        {"dhcp-domain", required_argument, NULL, 'D'},
        {"openflow", required_argument, NULL, 'o'},
        {"audit-interval", required_argument, NULL, 'a'},
        {"node-ttl", required_argument, NULL, 'T'},
        {"encap-ip", required_argument, NULL, 'I'},
        {"encap-type", required_argument, NULL, 'E'},
        {"no-ovs", no_argument, NULL, 'N'},
        {"config", required_argument, NULL, 'c'},
        {"log-file", required_argument, NULL, 'l'},
        {"metrics-address", required_argument, NULL, 'M'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cfg->argc = argc;
    cfg->argv = argv;
    const char *config = find_config_arg(argc, argv);
    if (config) {
        char *error = fs_config_load(cfg, config);
        if (error) {
            return error;
        }
    }
    optind = 0; /* Restarts getopt (a re-read parses argv again). */
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "vhV", options, NULL);
        const char *key = NULL;
        switch (c) {
        case -1:
            if (optind < argc) {
                return xasprintf("unexpected argument \"%s\"", argv[optind]);
            }
            return NULL;
        case 'n':
            key = "node";
            break;
        case 'e':
            key = "etcd";
            break;
        case 'A':
            key = "etcd-cacert";
            break;
        case 'C':
            key = "etcd-cert";
            break;
        case 'K':
            key = "etcd-key";
            break;
        case 'U':
            key = "etcd-user";
            break;
        case 'd':
            key = "ovsdb";
            break;
        case 'b':
            key = "bridge";
            break;
        case 'o':
            key = "openflow";
            break;
        case 'm':
            key = "bridge-mappings";
            break;
        case 'X':
            key = "chassis-mac-mappings";
            break;
        case 'L':
            key = "dhcp-lease-time";
            break;
        case 'D':
            key = "dhcp-domain";
            break;
        case 'a':
            key = "audit-interval";
            break;
        case 'l':
            key = "log-file";
            break;
        case 'M':
            key = "metrics-address";
            break;
        case 'T':
            key = "node-ttl";
            break;
        case 'I':
            key = "encap-ip";
            break;
        case 'E':
            key = "encap-type";
            break;
        case 'c':
            continue;
        case 'v':
            cfg->verbose = true;
            continue;
        case 'N':
            cfg->no_ovs = true;
            continue;
        case 'h':
            fputs(usage_text, stdout);
            return xstrdup("");
        case 'V':
            puts("flowsteerd " FS_VERSION);
            return xstrdup("");
        default:
            return xasprintf("unknown or incomplete option \"%s\" (try --help)",
                             argv[optind - 1]);
        }
        char *error = fs_config_set(cfg, key, optarg);
        if (error) {
            return error;
        }
    }
}

static bool macs_equal(const struct fs_config *a, const struct fs_config *b)
{
    if (a->n_chassis_macs != b->n_chassis_macs) {
        return false;
    }
    for (size_t i = 0; i < a->n_chassis_macs; i++) {
        if (strcmp(a->chassis_macs[i].physnet, b->chassis_macs[i].physnet) ||
            strcmp(a->chassis_macs[i].mac, b->chassis_macs[i].mac)) {
            return false;
        }
    }
    return true;
}

static bool mappings_equal(const struct fs_config *a, const struct fs_config *b)
{
    if (a->n_bridge_mappings != b->n_bridge_mappings) {
        return false;
    }
    for (size_t i = 0; i < a->n_bridge_mappings; i++) {
        const struct fs_bridge_mapping *x = &a->bridge_mappings[i];
        const struct fs_bridge_mapping *y = &b->bridge_mappings[i];
        if (strcmp(x->physnet, y->physnet) || strcmp(x->bridge, y->bridge)) {
            return false;
        }
    }
    return true;
}

/* Returns the names of the settings that only a restart changes whose
 * values differ between 'a' and 'b', comma-separated, or NULL. */
static char *restart_keys(const struct fs_config *a, const struct fs_config *b)
{
    const struct {
        const char *name;
        const char *a, *b;
    } keys[] = {
        {"node", a->node, b->node},
        {"etcd", a->etcd, b->etcd},
        {"ovsdb", a->ovsdb, b->ovsdb},
        {"bridge", a->bridge, b->bridge},
        {"openflow", a->openflow, b->openflow},
        {"log-file", a->log_file, b->log_file},
        {"metrics-address", a->metrics_address, b->metrics_address},
        {"dhcp-domain", a->dhcp_domain, b->dhcp_domain},
    };
    struct ds names = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (!nullable_string_is_equal(keys[i].a, keys[i].b)) {
            ds_put_format(&names, "%s%s", names.length ? ", " : "",
                          keys[i].name);
        }
    }
    if (a->node_ttl_s != b->node_ttl_s) {
        ds_put_format(&names, "%snode-ttl", names.length ? ", " : "");
    }
    if (a->dhcp_lease_s != b->dhcp_lease_s) {
        ds_put_format(&names, "%sdhcp-lease-time", names.length ? ", " : "");
    }
    return names.length ? ds_steal_cstr(&names) : NULL;
}

/* Takes "encap-ip" and "encap-type" of 'new' into 'cfg' (swapped, so that
 * 'new' frees the old ones); returns true if either changed. */
static bool take_encap(struct fs_config *cfg, struct fs_config *new)
{
    if (nullable_string_is_equal(cfg->encap_ip, new->encap_ip) &&
        !strcmp(cfg->encap_type, new->encap_type)) {
        return false;
    }
    char *ip = cfg->encap_ip, *type = cfg->encap_type;
    cfg->encap_ip = new->encap_ip;
    cfg->encap_type = new->encap_type;
    new->encap_ip = ip;
    new->encap_type = type;
    return true;
}

char *fs_config_reread(struct fs_config *cfg, unsigned int *changed,
                       char **restart)
{
    *changed = 0;
    *restart = NULL;
    if (!cfg->argv) {
        return xstrdup("no command line to read again");
    }
    struct fs_config new;
    fs_config_init(&new);
    char *error = fs_config_parse_args(&new, cfg->argc, cfg->argv);
    if (error) {
        fs_config_destroy(&new);
        return error;
    }
    if (new.verbose != cfg->verbose) {
        cfg->verbose = new.verbose;
        *changed |= FS_CONFIG_VERBOSE;
    }
    if (!mappings_equal(cfg, &new)) {
        struct fs_bridge_mapping *bm = cfg->bridge_mappings;
        size_t n = cfg->n_bridge_mappings;
        cfg->bridge_mappings = new.bridge_mappings;
        cfg->n_bridge_mappings = new.n_bridge_mappings;
        new.bridge_mappings = bm;
        new.n_bridge_mappings = n;
        *changed |= FS_CONFIG_BRIDGE_MAPPINGS;
    }
    if (!macs_equal(cfg, &new)) {
        struct fs_chassis_mac *macs = cfg->chassis_macs;
        size_t n_macs = cfg->n_chassis_macs;
        cfg->chassis_macs = new.chassis_macs;
        cfg->n_chassis_macs = new.n_chassis_macs;
        new.chassis_macs = macs;
        new.n_chassis_macs = n_macs;
        *changed |= FS_CONFIG_CHASSIS_MACS;
    }
    if (take_encap(cfg, &new)) {
        *changed |= FS_CONFIG_ENCAP;
    }
    *restart = restart_keys(cfg, &new);
    fs_config_destroy(&new);
    return NULL;
}

void fs_config_set_log_levels(const struct fs_config *cfg)
{
    vlog_set_levels(NULL, VLF_ANY_DESTINATION,
                    cfg->verbose ? VLL_DBG : VLL_INFO);
    vlog_set_levels(NULL, VLF_SYSLOG, VLL_OFF);
    /* libopenvswitch's own modules stay quiet unless something is wrong
     * (a module that is not linked in is simply not there to set). */
    static const char *const quiet[] = {
        "reconnect",   "poll_loop", "ovsdb_cs",     "ovsdb_idl", "jsonrpc",
        "stream_unix", "vconn",     "vconn_stream", "timeval",   "stream",
    };
    for (size_t i = 0; i < ARRAY_SIZE(quiet); i++) {
        char *spec = xasprintf("%s:warn", quiet[i]);
        free(vlog_set_levels_from_string(spec));
        free(spec);
    }
}

void fs_config_set_etcd_security(const struct fs_config *cfg,
                                 struct etcd_client *etcd)
{
    char *user = nullable_xstrdup(cfg->etcd_user);
    char *colon = user ? strchr(user, ':') : NULL;
    if (colon) {
        *colon = '\0';
    }
    struct etcd_security sec = {
        .cacert = cfg->etcd_cacert,
        .cert = cfg->etcd_cert,
        .key = cfg->etcd_key,
        .user = user,
        .password = colon ? colon + 1 : NULL,
    };
    etcd_client_set_security(etcd, &sec);
    free(user);
}

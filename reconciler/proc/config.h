/* reconciler/proc/config.h: flowsteerd's settings, from the command line and an
 * optional config file with the same keys. */
#ifndef FS_CONFIG_H
#define FS_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/* flowsteerd's version (--version, the liveness key). */
#define FS_VERSION "0.1.0"

/* "node-ttl": the liveness key's lease, in seconds (default, range). */
#define FS_NODE_TTL_DEFAULT 10
#define FS_NODE_TTL_MIN 2
#define FS_NODE_TTL_MAX 3600

/* "metrics-address" default. */
#define FS_METRICS_ADDRESS_DEFAULT "127.0.0.1:9464"

/* Every string is owned by the config (free with fs_config_destroy()). */
struct fs_config {
    char *node; /* Chassis name: matches binding:host_id. */
    char *etcd; /* etcd gateway URLs, comma-separated (members). */
    /* etcd TLS and auth, as etcdctl's --cacert, --cert, --key, --user
     * (NAME or NAME:PASSWORD); NULL = not used. */
    char *etcd_cacert, *etcd_cert, *etcd_key, *etcd_user;
    char *ovsdb;    /* OVSDB remote. */
    char *bridge;   /* Integration bridge. */
    char *openflow; /* OpenFlow target, NULL = derived from ovsdb. */
    char *log_file; /* NULL = stderr only. */
    /* "metrics-address": HOST:PORT or [IPv6]:PORT of /metrics, /healthz
     * and /readyz (default FS_METRICS_ADDRESS_DEFAULT); NULL = "off". */
    char *metrics_address;
    int audit_interval_s; /* "audit-interval": full check of our flows in
                           * OVS every so many seconds; 0 = never. */
    int node_ttl_s;       /* "node-ttl": lease of the liveness key. */
    int dhcp_lease_s;     /* "dhcp-lease-time": DHCP lease, seconds. */
    char *dhcp_domain;    /* "dhcp-domain": DHCP option 15, NULL none. */
    /* "encap-ip" (canonical text, NULL = no chassis self-registration)
     * and "encap-type" ("vxlan" or "geneve"): this node's tunnel endpoint,
     * written into its chassis document (reconciler/daemon/chassis_reg.h). */
    char *encap_ip;
    char *encap_type;
    bool verbose; /* Debug logging. */
    bool no_ovs;  /* --no-ovs: render and report only. */
    /* "bridge-mappings": provider bridges used when the snapshot has no
     * chassis document for 'node'. */
    struct fs_bridge_mapping *bridge_mappings;
    size_t n_bridge_mappings;
    /* chassis-mac-mappings (physnet:MAC,...): the source MAC of what this
     * node routes out to each physnet. */
    struct fs_chassis_mac *chassis_macs;
    size_t n_chassis_macs;
    /* The command line fs_config_parse_args() read (borrowed: main()'s),
     * read again by fs_config_reread(). */
    int argc;
    char **argv;
};

/* Fills 'cfg' with the defaults: node = host name, etcd =
 * http://127.0.0.1:2379, ovsdb = unix:/var/run/openvswitch/db.sock,
 * bridge = br-int, node-ttl = 10, encap-type = vxlan, metrics-address =
 * 127.0.0.1:9464. */
void fs_config_init(struct fs_config *cfg);
void fs_config_destroy(struct fs_config *cfg);

/* Sets 'key' ("node", "etcd", "etcd-cacert", "etcd-cert", "etcd-key",
 * "etcd-user", "ovsdb", "bridge", "bridge-mappings", "audit-interval",
 * "openflow", "log-file", "verbose", "node-ttl" (seconds, 2..3600),
 * "encap-ip" (an IPv4 or IPv6 address, kept canonical), "encap-type"
 * ("vxlan" or "geneve"), "metrics-address" (HOST:PORT, [IPv6]:PORT or
 * "off")) to 'value'.  Returns NULL or an error
 * message (caller frees). */
char *fs_config_set(struct fs_config *cfg, const char *key, const char *value);

/* Reads "key = value" lines ('#' starts a comment, blank lines ignored) from
 * 'path'.  Returns NULL or an error naming the file and line (caller
 * frees). */
char *fs_config_load(struct fs_config *cfg, const char *path);

/* Parses argv.  Options: --config FILE first (its settings are then
 * overridden by the other options), --node, --etcd, --etcd-cacert, --etcd-cert,
 * --etcd-key,
 * --etcd-user, --ovsdb, --bridge,
 * --bridge-mappings, --audit-interval, --node-ttl, --encap-ip, --encap-type,
 * --openflow, --no-ovs, --log-file, --metrics-address, -v/--verbose, -h/--help,
 * -V/--version. Returns NULL on success, "" when the program should exit 0
 * (help or version printed), or an error message; the caller frees non-NULL
 * results. */
char *fs_config_parse_args(struct fs_config *cfg, int argc, char *argv[]);

/* Settings that fs_config_reread() takes at run time. */
enum {
    FS_CONFIG_VERBOSE = 1 << 0,         /* "verbose": log levels. */
    FS_CONFIG_BRIDGE_MAPPINGS = 1 << 1, /* "bridge-mappings": re-render. */
    FS_CONFIG_ENCAP = 1 << 2,           /* "encap-ip", "encap-type": chassis. */
    FS_CONFIG_CHASSIS_MACS = 1 << 3,    /* "chassis-mac-mappings": re-render,
                                         * chassis document. */
};

/* Reads the settings again as at start (SIGHUP): the --config file of
 * cfg->argv, then the other options, which win over it.  Takes the
 * settings that can change at run time into 'cfg' and sets '*changed' to
 * the FS_CONFIG_* bits of those that changed; '*restart' gets the names of
 * the other settings whose value changed ("node, ovsdb"; NULL if none;
 * caller frees): they are not taken, they need a restart.  Returns NULL,
 * or an error message (caller frees) and leaves 'cfg' as it was. */
char *fs_config_reread(struct fs_config *cfg, unsigned int *changed,
                       char **restart);

/* Sets the log levels of 'cfg': every module at debug ("verbose") or info,
 * libopenvswitch's chatty modules at warn, nothing to syslog. */
void fs_config_set_log_levels(const struct fs_config *cfg);

struct etcd_client;

/* Hands the TLS and auth settings of 'cfg' (etcd-cacert, etcd-cert,
 * etcd-key, etcd-user as NAME or NAME:PASSWORD, as etcdctl's --user) to
 * 'etcd'; nothing of 'cfg' is kept.  Shared by flowsteerd and
 * flowsteerctl. */
void fs_config_set_etcd_security(const struct fs_config *cfg,
                                 struct etcd_client *etcd);

#endif /* reconciler/proc/config.h */

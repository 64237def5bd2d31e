/* flowsteerctl trace's annotations: see ctl/detrace.h. */
#include "ctl/detrace.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "render/pipeline.h"
#include "util.h"

void ctl_detrace_init(struct ctl_detrace *t, const struct fs_snapshot *snap,
                      const struct fs_local_facts *facts)
{
    t->snap = snap;
    t->facts = facts;
    simap_init(&t->net_keys);
    fs_render_net_keys(snap, &t->net_keys);
    simap_init(&t->router_keys);
    fs_render_router_keys(snap, &t->router_keys);
    t->tunnels = NULL;
    t->n_tunnels = 0;
}

void ctl_detrace_destroy(struct ctl_detrace *t)
{
    for (size_t i = 0; i < t->n_tunnels; i++) {
        free(t->tunnels[i].name);
        free(t->tunnels[i].chassis);
    }
    free(t->tunnels);
    simap_destroy(&t->net_keys);
    simap_destroy(&t->router_keys);
}

void ctl_detrace_add_tunnel(struct ctl_detrace *t, int ofport, const char *name,
                            const char *chassis)
{
    t->tunnels = xrealloc(t->tunnels, (t->n_tunnels + 1) * sizeof *t->tunnels);
    t->tunnels[t->n_tunnels++] = (struct ctl_tunnel){
        .ofport = ofport, .name = xstrdup(name), .chassis = xstrdup(chassis)};
}

const char *ctl_detrace_name(const struct fs_meta *m)
{
    return m->name && m->name[0] ? m->name : m->id;
}

/* The number after "KEY" in 'text' where KEY starts a field (at the start,
 * or after ',', ' ' or '('); false if there is none. */
static bool number_after(const char *text, const char *key, uint64_t *value)
{
    size_t n = strlen(key);
    for (const char *p = strstr(text, key); p; p = strstr(p + 1, key)) {
        if (p == text || strchr(", (:\n", p[-1])) {
            char *end;
            *value = strtoull(p + n, &end, 0);
            if (end != p + n) {
                return true;
            }
        }
    }
    return false;
}

static const struct fs_port *port_of_ofport(const struct ctl_detrace *t,
                                            uint64_t ofport)
{
    const struct simap_node *node;
    SIMAP_FOR_EACH(node, &t->facts->ofports)
    {
        if (node->data == ofport) {
            return shash_find_data(&t->snap->by_id[FS_PORT], node->name);
        }
    }
    return NULL;
}

static const struct fs_port *port_of_mac(const struct ctl_detrace *t,
                                         const char *text)
{
    const char *p = strstr(text, "dl_dst=");
    for (size_t i = 0; p && i < t->snap->n_ports; i++) {
        const char *mac = t->snap->ports[i].mac_address;
        if (mac && !strncasecmp(p + 7, mac, strlen(mac))) {
            return &t->snap->ports[i];
        }
    }
    return NULL;
}

static const struct ctl_tunnel *tunnel_of_ofport(const struct ctl_detrace *t,
                                                 uint64_t ofport)
{
    for (size_t i = 0; i < t->n_tunnels; i++) {
        if (t->tunnels[i].ofport == ofport) {
            return &t->tunnels[i];
        }
    }
    return NULL;
}

static bool is_ip(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET, s, &a) == 1 || inet_pton(AF_INET6, s, &a) == 1;
}

/* "chassis node2 (tunnel fst-node2)"; "VTEP IP (tunnel ...)" for a
 * remote device's VTEP (an IP that names no chassis document). */
static void put_tunnel(struct ds *s, const struct ctl_detrace *t,
                       const struct ctl_tunnel *tun)
{
    bool vtep = !shash_find(&t->snap->by_id[FS_CHASSIS], tun->chassis) &&
                is_ip(tun->chassis);
    ds_put_format(s, "%s %s (tunnel %s)", vtep ? "VTEP" : "chassis",
                  tun->chassis, tun->name);
}

/* The port number of the next "output:N" of 'p' in '*port', and where to
 * look for the one after; NULL if there is none. */
static const char *next_output(const char *p, uint64_t *port)
{
    p = p ? strstr(p, "output:") : NULL;
    if (p) {
        *port = strtoull(p + 7, NULL, 10);
        return p + 7;
    }
    return NULL;
}

const void *ctl_detrace_of_key(const struct ctl_detrace *t,
                               const struct simap *keys, enum fs_kind kind,
                               uint32_t key)
{
    const struct simap_node *node;
    SIMAP_FOR_EACH(node, keys)
    {
        if (node->data == key) {
            return shash_find_data(&t->snap->by_id[kind], node->name);
        }
    }
    return NULL;
}

static const struct fs_network *network_of_key(const struct ctl_detrace *t,
                                               uint32_t key)
{
    return ctl_detrace_of_key(t, &t->net_keys, FS_NETWORK, key);
}

static const struct fs_port_chain *chain_of_path(const struct ctl_detrace *t,
                                                 uint32_t path_id)
{
    for (size_t i = 0; i < t->snap->n_port_chains; i++) {
        if (t->snap->port_chains[i].path_id == path_id) {
            return &t->snap->port_chains[i];
        }
    }
    return NULL;
}

/* The port pair group of 'label''s hop, and the hop's number (1-based, in
 * the direction of the path) in '*hop'. */
static const struct fs_port_pair_group *
group_of_label(const struct ctl_detrace *t, uint32_t label,
               const struct fs_port_chain **pcp, size_t *hop, bool *reverse)
{
    const struct fs_port_chain *pc = chain_of_path(t, label >> 8);
    uint32_t index = label & 0xff;
    *pcp = pc;
    *reverse = index <= 127;
    size_t i = *reverse ? 127 - index : 255 - index;
    if (!pc || i >= pc->n_port_pair_groups) {
        return NULL;
    }
    *hop = i + 1;
    size_t g = *reverse ? pc->n_port_pair_groups - 1 - i : i;
    return shash_find_data(&t->snap->by_id[FS_PORT_PAIR_GROUP],
                           pc->port_pair_groups[g]);
}

static void put_hop(struct ds *s, const struct ctl_detrace *t, uint32_t label)
{
    const struct fs_port_chain *pc;
    size_t hop = 0;
    bool reverse;
    const struct fs_port_pair_group *g =
        group_of_label(t, label, &pc, &hop, &reverse);
    if (g) {
        ds_put_format(s, ", %shop %zu (port pair group %s)",
                      reverse ? "reverse " : "", hop,
                      ctl_detrace_name(&g->meta));
    } else {
        ds_put_format(s, ", label 0x%" PRIx32 " (no such hop)", label);
    }
}

/* The port pair whose ingress port has 'ofport'. */
static const struct fs_port_pair *pair_of_ingress(const struct ctl_detrace *t,
                                                  uint64_t ofport)
{
    const struct fs_port *port = port_of_ofport(t, ofport);
    for (size_t i = 0; port && i < t->snap->n_port_pairs; i++) {
        if (!strcmp(t->snap->port_pairs[i].ingress, port->meta.id)) {
            return &t->snap->port_pairs[i];
        }
    }
    return NULL;
}

/* "→ SF <ingress port> (port pair PP)" for each output to an ingress,
 * "→ chassis C (tunnel T)" for each output into a tunnel. */
static void put_outputs(struct ds *s, const struct ctl_detrace *t,
                        const char *text)
{
    uint64_t port;
    for (const char *p = next_output(text, &port); p;
         p = next_output(p, &port)) {
        const struct fs_port_pair *pp = pair_of_ingress(t, port);
        const struct ctl_tunnel *tun = tunnel_of_ofport(t, port);
        if (pp) {
            const struct fs_port *in =
                shash_find_data(&t->snap->by_id[FS_PORT], pp->ingress);
            ds_put_format(s, " → SF %s (port pair %s)",
                          in ? ctl_detrace_name(&in->meta) : pp->ingress,
                          ctl_detrace_name(&pp->meta));
        } else if (tun) {
            ds_put_cstr(s, " → ");
            put_tunnel(s, t, tun);
        }
    }
}

/* Table 10: the classifier of 'pc' whose logical source port sends on
 * the ofport in reg6, or the port pair whose egress it is. */
static void put_classifier(struct ds *s, const struct ctl_detrace *t,
                           const struct fs_port_chain *pc, const char *text)
{
    uint64_t reg6;
    const struct fs_port *src =
        number_after(text, "reg6=", &reg6) ? port_of_ofport(t, reg6) : NULL;
    for (size_t i = 0; src && i < pc->n_flow_classifiers; i++) {
        const struct fs_flow_classifier *fc = shash_find_data(
            &t->snap->by_id[FS_FLOW_CLASSIFIER], pc->flow_classifiers[i]);
        if (fc && !strcmp(fc->logical_source_port, src->meta.id)) {
            ds_put_format(s, "flow classifier %s of ",
                          ctl_detrace_name(&fc->meta));
            return;
        }
    }
    for (size_t i = 0; src && i < t->snap->n_port_pairs; i++) {
        const struct fs_port_pair *pp = &t->snap->port_pairs[i];
        if (!strcmp(pp->egress, src->meta.id)) {
            ds_put_format(s, "re-classification after port pair %s of ",
                          ctl_detrace_name(&pp->meta));
            return;
        }
    }
}

/* The value of the first "set_field:V" + 'field' ("->reg5") of 'text' in
 * '*value'; false if there is none. */
static bool value_set(const char *text, const char *field, uint64_t *value)
{
    const char *set = strstr(text, field);
    if (set) {
        const char *colon = set;
        while (colon > text && colon[-1] != ':') {
            colon--;
        }
        *value = strtoull(colon, NULL, 0);
    }
    return set != NULL;
}

/* The label an SFC flow works on: the one it sets (tables 10, 16), else
 * the one it matches. */
static bool label_of(const char *text, uint64_t *label)
{
    return value_set(text, "->reg5", label) ||
           number_after(text, "reg5=", label) ||
           number_after(text, "mpls_label=", label);
}

static void put_sfc(struct ds *s, const struct ctl_detrace *t, int table,
                    uint32_t path_id, const char *text)
{
    const struct fs_port_chain *pc = chain_of_path(t, path_id);
    if (!pc) {
        ds_put_format(s, "port chain with path id %" PRIu32 " (not in etcd)",
                      path_id);
        return;
    }
    if (table == FS_T_SFC_CLASS) {
        put_classifier(s, t, pc, text);
    }
    ds_put_format(s, "port chain %s", ctl_detrace_name(&pc->meta));
    uint64_t label, group;
    if (label_of(text, &label)) {
        put_hop(s, t, label);
    }
    if (table == FS_T_SFC_REMOTE) {
        ds_put_cstr(s, ", from another chassis (MPLS label popped)");
    } else if (table == FS_T_SFC_LOCAL) {
        ds_put_cstr(s, ", to this node's pairs");
    }
    if (number_after(text, "group:", &group)) {
        char *g = ctl_detrace_group(t, group);
        if (g) {
            ds_put_format(s, " → %s", g);
            free(g);
        }
    }
    put_outputs(s, t, text);
}

/* The port a network flow of 'table' is about. */
static const struct fs_port *port_of_flow(const struct ctl_detrace *t,
                                          int table, const char *text)
{
    uint64_t v;
    const char *key = table == FS_T_CLASSIFY    ? "in_port="
                      : table == FS_T_PORT_SEC  ? "reg6="
                      : table == FS_T_EGRESS    ? "reg7="
                      : table == FS_T_SFC_CLASS ? "reg6="
                      : table == FS_T_SLICE && strstr(text, "reg6=") ? "reg6="
                                                                     : NULL;
    if (key) {
        return number_after(text, key, &v) ? port_of_ofport(t, v) : NULL;
    }
    return table == FS_T_L2 ? port_of_mac(t, text) : NULL;
}

/* Table 57: "head-end replication to chassis C (tunnel T), ...". */
static void put_replication(struct ds *s, const struct ctl_detrace *t,
                            const char *text)
{
    ds_put_cstr(s, ": head-end replication to");
    const char *sep = " ";
    uint64_t port;
    for (const char *p = next_output(text, &port); p;
         p = next_output(p, &port)) {
        const struct ctl_tunnel *tun = tunnel_of_ofport(t, port);
        if (tun) {
            ds_put_cstr(s, sep);
            put_tunnel(s, t, tun);
            sep = ", ";
        }
    }
    if (*sep == ' ') {
        ds_put_cstr(s, " no tunnel (no other chassis has a port of it)");
    }
}

/* The rest of an overlay flow's annotation: where it comes from (table 0:
 * the tunnel; table 4: the VNI, or MPLS), where it goes (table 57:
 * every tunnel; tables 55 and 75: the tunnel it sets in reg7 or outputs
 * to). */
static void put_overlay(struct ds *s, const struct ctl_detrace *t, int table,
                        const char *text)
{
    uint64_t v;
    const struct ctl_tunnel *tun;
    if (table == FS_T_CLASSIFY && number_after(text, "in_port=", &v) &&
        (tun = tunnel_of_ofport(t, v))) {
        ds_put_cstr(s, ": from ");
        put_tunnel(s, t, tun);
    } else if (table == FS_T_TUNNEL_IN && number_after(text, "tun_id=", &v)) {
        ds_put_format(s, ": VNI %" PRIu64 " from a tunnel", v);
    } else if (table == FS_T_TUNNEL_IN && strstr(text, "mpls")) {
        ds_put_cstr(s, ": MPLS from a tunnel, a chain's hop from another "
                       "chassis → table 16");
    } else if (table == FS_T_TUNNEL_FLOOD) {
        put_replication(s, t, text);
    } else if (value_set(text, "->reg7", &v) &&
               (tun = tunnel_of_ofport(t, v))) {
        ds_put_cstr(s, " → ");
        put_tunnel(s, t, tun);
    } else {
        put_outputs(s, t, text);
    }
}

/* The rest of a slice flow's annotation (docs/architecture.md, "Slices
 * (render and OVS)"): table 5 lets a member's traffic into its slice
 * bridge, or delivers what comes back on its patch; table 0 takes a
 * packet from a member's patch or the slice's uplink; table 75 sends into
 * the uplink. */
static void put_slice(struct ds *s, int table, const char *text)
{
    bool drop = strstr(text, "drop") != NULL;
    if (table == FS_T_SLICE && strstr(text, "reg6=")) {
        ds_put_cstr(s, drop ? ": not the member's own traffic (or no "
                              "flowspace of its slice): dropped"
                            : ": the member's traffic into its slice bridge");
    } else if (table == FS_T_SLICE) {
        ds_put_cstr(s, drop ? ": from the slice bridge, not for the member: "
                              "dropped"
                            : ": from the slice bridge to the member");
    } else if (table == FS_T_CLASSIFY && strstr(text, "goto_table:55")) {
        ds_put_cstr(s, ": from the slice's uplink: the network's traffic");
    } else if (table == FS_T_CLASSIFY) {
        ds_put_cstr(s, ": from a member's patch port on the slice bridge");
    } else if (table == FS_T_EGRESS) {
        ds_put_cstr(s, ": into the slice's uplink (its controller decides)");
    }
}

static void put_network(struct ds *s, const struct ctl_detrace *t,
                        uint32_t kind, uint32_t object, int table,
                        const char *text)
{
    static const char *const kinds[] = {
        [FS_COOKIE_L2] = "L2",
        [FS_COOKIE_PROVIDER] = "provider network",
        [FS_COOKIE_PORT_SEC] = "port security",
        [FS_COOKIE_OVERLAY] = "overlay",
        [FS_COOKIE_SLICE] = "slice",
    };
    ds_put_cstr(s, kinds[kind]);
    if (object) {
        const struct fs_network *n = network_of_key(t, object);
        ds_put_format(s, " of network %s",
                      n ? ctl_detrace_name(&n->meta) : "(unknown key)");
    } else if (kind != FS_COOKIE_OVERLAY) {
        ds_put_cstr(s, " (every network)");
    }
    const struct fs_port *port = port_of_flow(t, table, text);
    if (port) {
        ds_put_format(s, ", port %s", ctl_detrace_name(&port->meta));
    }
    if (kind == FS_COOKIE_OVERLAY) {
        put_overlay(s, t, table, text);
    } else if (kind == FS_COOKIE_SLICE) {
        put_slice(s, table, text);
    }
}

char *ctl_detrace_flow(const struct ctl_detrace *t, int table, uint64_t cookie,
                       const char *text)
{
    if ((cookie & FS_COOKIE_MASK) != FS_COOKIE_BASE) {
        return NULL;
    }
    uint32_t kind = (cookie >> 32) & 0xffff, object = (uint32_t)cookie;
    struct ds s = DS_EMPTY_INITIALIZER;
    if (kind == FS_COOKIE_SFC) {
        put_sfc(&s, t, table, object, text);
    } else if (kind == FS_COOKIE_L2 || kind == FS_COOKIE_PROVIDER ||
               kind == FS_COOKIE_PORT_SEC || kind == FS_COOKIE_OVERLAY ||
               kind == FS_COOKIE_SLICE) {
        put_network(&s, t, kind, object, table, text);
    } else if (kind == FS_COOKIE_ROUTER || kind == FS_COOKIE_NEIGHBOR) {
        ctl_detrace_router(&s, t, kind, object, table, text);
    } else {
        ds_put_format(&s, "flowsteer flow of unknown kind %" PRIu32, kind);
    }
    return ds_steal_cstr(&s);
}

char *ctl_detrace_group(const struct ctl_detrace *t, uint32_t group_id)
{
    if (group_id < FS_GROUP_BASE || group_id - FS_GROUP_BASE >= FS_GROUP_SPAN) {
        return NULL;
    }
    uint32_t label = (group_id - FS_GROUP_BASE) & ~FS_GROUP_LOCAL;
    const struct fs_port_chain *pc;
    size_t hop = 0;
    bool reverse;
    const struct fs_port_pair_group *g =
        group_of_label(t, label, &pc, &hop, &reverse);
    if (!g) {
        return xasprintf("group of label 0x%" PRIx32 " (no such hop)", label);
    }
    return xasprintf(
        "group of %s%s (port chain %s, %shop %zu)", ctl_detrace_name(&g->meta),
        group_id & FS_GROUP_LOCAL ? ", this node's pairs" : "",
        ctl_detrace_name(&pc->meta), reverse ? "reverse " : "", hop);
}

/* If 'line' is a flow line of a trace (" 10. match, priority P, cookie
 * 0x..."), its table and cookie. */
static bool flow_line(const char *line, int *table, uint64_t *cookie)
{
    const char *p = line;
    while (*p == ' ') {
        p++;
    }
    if (!isdigit((unsigned char)*p)) {
        return false;
    }
    char *end;
    long n = strtol(p, &end, 10);
    const char *c = strstr(line, "cookie 0x");
    const char *nl = strchr(line, '\n');
    if (end[0] != '.' || end[1] != ' ' || !c || (nl && c > nl) || n > 255) {
        return false;
    }
    *table = n;
    *cookie = strtoull(c + 7, NULL, 16);
    return true;
}

/* The end of the block of the flow line at 'line': the next flow line or
 * the end of the text. */
static const char *block_end(const char *line)
{
    const char *p = strchr(line, '\n');
    int table;
    uint64_t cookie;
    while (p && p[1] && !flow_line(p + 1, &table, &cookie)) {
        p = strchr(p + 1, '\n');
    }
    return p ? p + 1 : line + strlen(line);
}

char *ctl_detrace_text(const struct ctl_detrace *t, const char *trace)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    const char *p = trace;
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *next = nl ? nl + 1 : p + strlen(p);
        ds_put_buffer(&out, p, next - p);
        if (!nl) {
            ds_put_char(&out, '\n');
        }
        int table;
        uint64_t cookie;
        if (flow_line(p, &table, &cookie)) {
            char *block = xmemdup0(p, block_end(p) - p);
            char *note = ctl_detrace_flow(t, table, cookie, block);
            if (note) {
                /* Under the actions: ofproto/trace writes "%2d. ", so a
                 * one-digit table's line has one more space. */
                size_t indent = strspn(p, " ");
                indent -= table < 10 && indent > 0;
                ds_put_format(&out, "%*s    ↳ %s\n", (int)indent, "", note);
            }
            free(note);
            free(block);
        }
        p = next;
    }
    return ds_steal_cstr(&out);
}

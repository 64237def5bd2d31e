/* One etcd value -> one typed resource: see model/parse.h.  Field names,
 * defaults and value rules follow the networking-sfc API tables
 * (seeds/networking-sfc-docs.txt, "REST API Impact"), Neutron's port and
 * provider network attributes, and Dragonflow's chassis. */
#include "model/parse.h"

#include <string.h>
#include <strings.h>

#include "model/fields.h"
#include "model/yaml.h"
#include "model/text.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Envelope names (Neutron's singular resource names), by kind. */
static const char *const envelopes[FS_N_KINDS] = {
    [FS_NETWORK] = "network",
    [FS_PORT] = "port",
    [FS_CHASSIS] = "chassis",
    [FS_PORT_PAIR] = "port_pair",
    [FS_PORT_PAIR_GROUP] = "port_pair_group",
    [FS_FLOW_CLASSIFIER] = "flow_classifier",
    [FS_PORT_CHAIN] = "port_chain",
    [FS_SLICE] = "slice",
    [FS_FLOWSPACE] = "flowspace",
    [FS_SUBNET] = "subnet",
    [FS_ROUTER] = "router",
};

static enum fs_correlation parse_correlation(struct pctx *c, json_t *params,
                                             const char *field,
                                             enum fs_correlation dflt)
{
    char *s = fs_get_str(c, params, "correlation", false, NULL);
    enum fs_correlation corr = dflt;
    if (!s) {
        return dflt;
    } else if (!strcmp(s, "mpls")) {
        corr = FS_CORR_MPLS;
    } else if (!strcmp(s, "nsh")) {
        corr = FS_CORR_NSH;
    } else if (!strcmp(s, "none")) {
        corr = FS_CORR_NONE;
    } else {
        fs_perr(c, field, "correlation %s is not mpls, nsh or none",
                fs_quote(s).s);
    }
    free(s);
    return corr;
}

/* A sub-context for a nested object, so paths read "$.x.chain_parameters". */
static struct pctx sub(struct pctx *c, const char *field, char **base)
{
    *base = xasprintf("%s.%s", c->base, field);
    return (struct pctx){
        .key = c->key, .base = *base, .errs = c->errs, .ok = true};
}

/* Provider attributes that go together, as Neutron's ML2 type drivers have
 * them: vlan and flat need provider:physical_network, vlan needs
 * provider:segmentation_id (its range and flat's lack of one are checked by
 * the caller), tunnel types (vxlan, geneve, gre) have no physical network,
 * and provider attributes need provider:network_type. */
static void check_provider(struct pctx *c, json_t *o,
                           const struct fs_network *n)
{
    const char *type = n->network_type ? n->network_type : "";
    bool physical = !strcmp(type, "vlan") || !strcmp(type, "flat");
    bool tunnel = !strcmp(type, "vxlan") || !strcmp(type, "geneve") ||
                  !strcmp(type, "gre");
    json_t *seg = json_object_get(o, "provider:segmentation_id");
    if (!*type && (n->physical_network || n->segmentation_id >= 0)) {
        fs_perr(c, "provider:network_type",
                "required with provider:physical_network or "
                "provider:segmentation_id");
    } else if (physical && !n->physical_network) {
        fs_perr(c, "provider:physical_network",
                "a %s network needs a physical network", type);
    } else if (tunnel && n->physical_network) {
        fs_perr(c, "provider:physical_network",
                "a %s network has no physical network", type);
    }
    if (!strcmp(type, "vlan") && (!seg || json_is_null(seg))) {
        fs_perr(c, "provider:segmentation_id",
                "a vlan network needs a segmentation id (1..4094)");
    }
}

static void *parse_network(struct pctx *c, json_t *o)
{
    static const char *const types[] = {"flat", "vlan", "vxlan", "geneve",
                                        "gre"};
    /* Segmentation id ranges: 802.1Q VID 1..4094, VXLAN/Geneve 24-bit VNI,
     * GRE 32-bit key. */
    static const long long max_seg[] = {0, 4094, 16777215, 16777215,
                                        4294967295LL};
    struct fs_network *n = xzalloc(sizeof *n);
    n->segmentation_id = -1;
    n->network_type = fs_get_str(c, o, "provider:network_type", false, NULL);
    n->physical_network =
        fs_get_str(c, o, "provider:physical_network", false, NULL);
    n->controller = fs_get_str(c, o, "controller", false, NULL);
    size_t t = ARRAY_SIZE(types);
    for (size_t i = 0; n->network_type && i < ARRAY_SIZE(types); i++) {
        t = strcmp(n->network_type, types[i]) ? t : i;
    }
    if (n->network_type && t == ARRAY_SIZE(types)) {
        fs_perr(c, "provider:network_type",
                "%s is not flat, vlan, vxlan, geneve or gre",
                fs_quote(n->network_type).s);
    }
    long long max = t < ARRAY_SIZE(types) ? max_seg[t] : 4294967295LL;
    json_t *seg = json_object_get(o, "provider:segmentation_id");
    if (!max && seg && !json_is_null(seg)) {
        fs_perr(c, "provider:segmentation_id",
                "a flat network has no segmentation id");
    } else {
        n->segmentation_id =
            fs_get_int(c, o, "provider:segmentation_id", 1, max, -1);
    }
    check_provider(c, o, n);
    n->mtu = fs_get_int(c, o, "mtu", 68, 65535, 0);
    char *why = n->controller
                    ? fs_parse_controller(n->controller, &n->controller_target)
                    : NULL;
    if (why) {
        fs_perr(c, "controller", "%s", why);
        free(why);
    }
    return n;
}

static void parse_fixed_ips(struct pctx *c, json_t *o, struct fs_port *p)
{
    json_t *ips = json_object_get(o, "fixed_ips");
    if (!ips || json_is_null(ips)) {
        return;
    } else if (!json_is_array(ips)) {
        fs_perr(c, "fixed_ips", "must be a list");
        return;
    }
    p->fixed_ips = xcalloc(json_array_size(ips) + 1, sizeof *p->fixed_ips);
    size_t i;
    json_t *ip;
    json_array_foreach(ips, i, ip)
    {
        char *base;
        char *field = xasprintf("fixed_ips[%zu]", i);
        struct pctx ic = sub(c, field, &base);
        char *text = json_is_object(ip)
                         ? fs_get_str(&ic, ip, "ip_address", true, NULL)
                         : NULL;
        char *addr = text ? fs_canonical_ip(text) : NULL;
        if (!json_is_object(ip)) {
            fs_perr(c, field, "must be an object with ip_address");
        } else if (text && !addr) {
            fs_perr(&ic, "ip_address", "%s is not an IP address",
                    fs_quote(text).s);
        }
        free(text);
        if (addr && ic.ok) {
            struct fs_fixed_ip *f = &p->fixed_ips[p->n_fixed_ips++];
            f->ip_address = addr;
            f->subnet_id = fs_get_str(&ic, ip, "subnet_id", false, NULL);
        } else {
            free(addr);
        }
        c->ok &= ic.ok;
        free(base);
        free(field);
    }
}

/* Returns address 'field' in canonical form, NULL if absent or invalid. */
static char *get_ip(struct pctx *c, json_t *o, const char *field, bool required)
{
    char *text = fs_get_str(c, o, field, required, NULL);
    char *ip = text ? fs_canonical_ip(text) : NULL;
    if (text && !ip) {
        fs_perr(c, field, "%s is not an IP address", fs_quote(text).s);
    }
    free(text);
    return ip;
}

static void parse_binding_profile(struct pctx *c, json_t *o, struct fs_port *p)
{
    json_t *prof = fs_get_object(c, o, "binding:profile");
    if (!prof) {
        return;
    }
    char *base;
    struct pctx pc = sub(c, "binding:profile", &base);
    char *port_key = fs_get_str(&pc, prof, "port_key", false, NULL);
    p->remote = port_key && !strcmp(port_key, "remote_port");
    p->remote_host_ip = get_ip(&pc, prof, "host_ip", p->remote);
    c->ok &= pc.ok;
    free(port_key);
    free(base);
}

/* An allowed address pair's ip_address: an address, canonical as fixed IPs
 * are ("2001:db8::1"), or a prefix "addr/len", canonical as classifier
 * prefixes are ("10.0.0.0/24"); a full-length prefix is the bare address.
 * Returns NULL (after an error) if it is neither. */
static char *pair_address(struct pctx *c, const char *text)
{
    const char *slash = strchr(text, '/');
    char *addr = slash ? NULL : fs_canonical_ip(text);
    char *why = NULL;
    if (slash) {
        why = fs_parse_cidr(text, strchr(text, ':') ? 6 : 4, &addr);
    } else if (!addr) {
        why = xasprintf("%s is not an IP address or prefix", fs_quote(text).s);
    }
    if (why) {
        fs_perr(c, "ip_address", "%s", why);
        free(why);
        return NULL;
    }
    char *len = strchr(addr, '/');
    if (len && atoi(len + 1) == (strchr(addr, ':') ? 128 : 32)) {
        *len = '\0';
    }
    return addr;
}

/* Parses allowed_address_pairs[i] into 'pair'; false (after an error at
 * allowed_address_pairs[i]...) if it is bad. */
static bool parse_address_pair(struct pctx *c, json_t *item, size_t i,
                               struct fs_address_pair *pair)
{
    char *base;
    char *field = xasprintf("allowed_address_pairs[%zu]", i);
    struct pctx ac = sub(c, field, &base);
    if (!json_is_object(item)) {
        fs_perr(c, field, "must be an object with ip_address");
    } else {
        char *ip = fs_get_str(&ac, item, "ip_address", true, NULL);
        char *mac = fs_get_str(&ac, item, "mac_address", false, NULL);
        pair->ip_address = ip ? pair_address(&ac, ip) : NULL;
        pair->mac_address = mac ? fs_canonical_mac(mac) : NULL;
        if (mac && !pair->mac_address) {
            fs_perr(&ac, "mac_address", "%s is not a MAC address",
                    fs_quote(mac).s);
        }
        free(ip);
        free(mac);
    }
    c->ok &= ac.ok;
    free(base);
    free(field);
    return ac.ok && json_is_object(item);
}

/* Records an error for each address pair that repeats an earlier one (the
 * same canonical ip_address and mac_address): Neutron's
 * DuplicateAddressPairInRequest. */
static void check_unique_pairs(struct pctx *c, const struct fs_port *p)
{
    for (size_t i = 0; i < p->n_allowed_address_pairs; i++) {
        const struct fs_address_pair *a = &p->allowed_address_pairs[i];
        for (size_t j = 0; j < i; j++) {
            const struct fs_address_pair *b = &p->allowed_address_pairs[j];
            if (!strcmp(a->ip_address, b->ip_address) &&
                nullable_string_is_equal(a->mac_address, b->mac_address)) {
                char *f = xasprintf("allowed_address_pairs[%zu]", i);
                fs_perr(c, f, "repeats allowed_address_pairs[%zu]", j);
                free(f);
                break;
            }
        }
    }
}

/* allowed_address_pairs (Neutron's allowed-address-pairs extension): a list
 * of {ip_address, mac_address}. */
static void parse_address_pairs(struct pctx *c, json_t *o, struct fs_port *p)
{
    json_t *pairs = json_object_get(o, "allowed_address_pairs");
    if (!pairs || json_is_null(pairs)) {
        return;
    } else if (!json_is_array(pairs)) {
        fs_perr(c, "allowed_address_pairs", "must be a list");
        return;
    }
    p->allowed_address_pairs =
        xcalloc(json_array_size(pairs) + 1, sizeof *p->allowed_address_pairs);
    size_t i;
    json_t *item;
    json_array_foreach(pairs, i, item)
    {
        struct fs_address_pair pair = {NULL, NULL};
        if (parse_address_pair(c, item, i, &pair)) {
            p->allowed_address_pairs[p->n_allowed_address_pairs++] = pair;
        } else {
            free(pair.ip_address);
            free(pair.mac_address);
        }
    }
    if (p->n_allowed_address_pairs == json_array_size(pairs)) {
        check_unique_pairs(c, p); /* Indexes are the document's. */
    }
}

/* Neutron port security: port_security_enabled (boolean, default true) and
 * allowed_address_pairs, which Neutron refuses on a port without port
 * security (AddressPairAndPortSecurityRequired). */
static void parse_port_security(struct pctx *c, json_t *o, struct fs_port *p)
{
    json_t *v = json_object_get(o, "port_security_enabled");
    if (v && !json_is_boolean(v) && !json_is_null(v)) {
        fs_perr(c, "port_security_enabled", "must be true or false");
    }
    p->port_security_enabled = !json_is_false(v);
    parse_address_pairs(c, o, p);
    json_t *pairs = json_object_get(o, "allowed_address_pairs");
    if (!p->port_security_enabled && json_array_size(pairs)) {
        fs_perr(c, "allowed_address_pairs",
                "a port with port_security_enabled false cannot have "
                "allowed address pairs (Neutron: port security must be "
                "enabled in order to have allowed address pairs on a port)");
    }
}

static void *parse_port(struct pctx *c, json_t *o)
{
    struct fs_port *p = xzalloc(sizeof *p);
    p->network_id = fs_get_str(c, o, "network_id", true, NULL);
    p->name = fs_get_str(c, o, "name", false, "");
    p->device_id = fs_get_str(c, o, "device_id", false, "");
    p->host_id = fs_get_str(c, o, "binding:host_id", false, NULL);
    char *mac = fs_get_str(c, o, "mac_address", false, NULL);
    if (mac) {
        p->mac_address = fs_canonical_mac(mac);
        if (!p->mac_address) {
            fs_perr(c, "mac_address", "%s is not a MAC address",
                    fs_quote(mac).s);
        }
        free(mac);
    }
    parse_fixed_ips(c, o, p);
    parse_binding_profile(c, o, p);
    parse_port_security(c, o, p);
    fs_parse_port_l3(c, o, p);
    return p;
}

/* Records 'error' (freed here, may be NULL) at 'field'. */
static void mapping_error(struct pctx *c, const char *field, char *error)
{
    if (error) {
        fs_perr(c, field, "%s", error);
        free(error);
    }
}

/* The JSON path field of physnet 'physnet' in the object form of
 * bridge_mappings (caller frees): "bridge_mappings.<physnet>", the physnet
 * escaped and cut as fs_quote() does, so a huge key makes a short path. */
static char *mapping_field(const char *physnet)
{
    struct ds field = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&field, "bridge_mappings.");
    fs_text_escape(&field, physnet, strlen(physnet), FS_QUOTE_MAX, false);
    return ds_steal_cstr(&field);
}

/* bridge_mappings: "physnet:bridge,..." (the parser of flowsteerd's
 * bridge-mappings setting), a list of such strings, or an object
 * {physnet: bridge}.  Errors at bridge_mappings, bridge_mappings[i] or
 * bridge_mappings.<physnet>. */
static void parse_bridge_mappings(struct pctx *c, json_t *o,
                                  struct fs_chassis *ch)
{
    struct fs_bridge_mapping **bm = &ch->bridge_mappings;
    size_t *n = &ch->n_bridge_mappings;
    json_t *v = json_object_get(o, "bridge_mappings");
    size_t i;
    const char *physnet;
    json_t *item;
    if (json_is_string(v)) {
        mapping_error(c, "bridge_mappings",
                      fs_bridge_mappings_append(bm, n, json_string_value(v)));
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            char *field = xasprintf("bridge_mappings[%zu]", i);
            mapping_error(
                c, field,
                json_is_string(item)
                    ? fs_bridge_mappings_append(bm, n, json_string_value(item))
                    : xstrdup("must be a \"physnet:bridge\" string"));
            free(field);
        }
    } else if (json_is_object(v)) {
        json_object_foreach(v, physnet, item)
        {
            char *field = mapping_field(physnet);
            char *text =
                xasprintf("%s:%s", physnet,
                          json_is_string(item) ? json_string_value(item) : "");
            mapping_error(c, field, fs_bridge_mapping_append(bm, n, text));
            free(text);
            free(field);
        }
    } else if (v && !json_is_null(v)) {
        fs_perr(c, "bridge_mappings",
                "must be \"physnet:bridge,...\", a list or an object");
    }
}

/* chassis_mac_mappings: "physnet:MAC,..." or a list of such strings.
 * Errors at chassis_mac_mappings or chassis_mac_mappings[i]. */
static void parse_chassis_macs(struct pctx *c, json_t *o, struct fs_chassis *ch)
{
    json_t *v = json_object_get(o, "chassis_mac_mappings");
    size_t i;
    json_t *item;
    if (json_is_string(v)) {
        mapping_error(c, "chassis_mac_mappings",
                      fs_chassis_macs_append(&ch->chassis_macs,
                                             &ch->n_chassis_macs,
                                             json_string_value(v)));
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            char *field = xasprintf("chassis_mac_mappings[%zu]", i);
            mapping_error(c, field,
                          json_is_string(item)
                              ? fs_chassis_macs_append(&ch->chassis_macs,
                                                       &ch->n_chassis_macs,
                                                       json_string_value(item))
                              : xstrdup("must be a \"physnet:MAC\" string"));
            free(field);
        }
    } else if (v && !json_is_null(v)) {
        fs_perr(c, "chassis_mac_mappings",
                "must be \"physnet:MAC,...\" or a list of them");
    }
}

static void *parse_chassis(struct pctx *c, json_t *o)
{
    struct fs_chassis *ch = xzalloc(sizeof *ch);
    ch->ip = get_ip(c, o, "ip", false);
    ch->encap = fs_get_str(c, o, "encap", false, "vxlan");
    if (strcmp(ch->encap, "vxlan") && strcmp(ch->encap, "geneve") &&
        strcmp(ch->encap, "gre")) {
        fs_perr(c, "encap", "%s is not vxlan, geneve or gre",
                fs_quote(ch->encap).s);
    }
    parse_bridge_mappings(c, o, ch);
    parse_chassis_macs(c, o, ch);
    return ch;
}

static void *parse_port_pair(struct pctx *c, json_t *o)
{
    struct fs_port_pair *pp = xzalloc(sizeof *pp);
    pp->ingress = fs_get_str(c, o, "ingress", true, NULL);
    pp->egress = fs_get_str(c, o, "egress", true, NULL);
    pp->weight = 1;
    json_t *params = fs_get_object(c, o, "service_function_parameters");
    if (params) {
        char *base;
        struct pctx pc = sub(c, "service_function_parameters", &base);
        pp->correlation =
            parse_correlation(&pc, params, "correlation", FS_CORR_NONE);
        pp->weight = fs_get_int(&pc, params, "weight", 1, 65535, 1);
        c->ok &= pc.ok;
        free(base);
    }
    return pp;
}

/* networking-sfc lb_fields names; all are OVS field names too (the
 * fields(...) of a select group with selection_method=hash,
 * ovs-ofctl(8)). */
static bool valid_lb_field(const char *f)
{
    static const char *const names[] = {"eth_src", "eth_dst", "ip_src",
                                        "ip_dst",  "tcp_src", "tcp_dst",
                                        "udp_src", "udp_dst"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(f, names[i])) {
            return true;
        }
    }
    return false;
}

/* lb_fields as a list, or as networking-sfc sends it: one string joined
 * with '&' ("ip_src&ip_dst"). */
static char **get_lb_fields(struct pctx *c, json_t *params, size_t *n)
{
    json_t *v = json_object_get(params, "lb_fields");
    if (!json_is_string(v)) {
        return fs_get_str_list(c, params, "lb_fields", false, n);
    }
    char *copy = xstrdup(json_string_value(v)), *save = NULL;
    char **list = xcalloc(strlen(copy) / 2 + 2, sizeof *list);
    *n = 0;
    for (char *tok = strtok_r(copy, "&", &save); tok;
         tok = strtok_r(NULL, "&", &save)) {
        list[(*n)++] = xstrdup(tok);
    }
    free(copy);
    return list;
}

static void *parse_port_pair_group(struct pctx *c, json_t *o)
{
    struct fs_port_pair_group *g = xzalloc(sizeof *g);
    g->port_pairs = fs_get_str_list(c, o, "port_pairs", true, &g->n_port_pairs);
    if (g->port_pairs && !g->n_port_pairs) {
        fs_perr(c, "port_pairs", "must list at least one port pair");
    }
    fs_check_unique(c, "port_pairs", g->port_pairs, g->n_port_pairs);
    json_t *params = fs_get_object(c, o, "port_pair_group_parameters");
    if (params) {
        char *base;
        struct pctx pc = sub(c, "port_pair_group_parameters", &base);
        g->lb_fields = get_lb_fields(&pc, params, &g->n_lb_fields);
        for (size_t i = 0; i < g->n_lb_fields; i++) {
            if (!valid_lb_field(g->lb_fields[i])) {
                char *f = xasprintf("lb_fields[%zu]", i);
                fs_perr(&pc, f,
                        "%s is not one of eth_src, eth_dst, "
                        "ip_src, ip_dst, tcp_src, tcp_dst, udp_src, udp_dst",
                        fs_quote(g->lb_fields[i]).s);
                free(f);
            }
        }
        c->ok &= pc.ok;
        free(base);
    }
    return g;
}

/* networking-sfc itself has chain_id at the top of the port chain; we take
 * it there too (it must then agree with chain_parameters.chain_id). */
static void parse_top_chain_id(struct pctx *c, json_t *o,
                               struct fs_port_chain *pc)
{
    if (!json_object_get(o, "chain_id")) {
        return;
    }
    long long top = fs_get_int(c, o, "chain_id", 0, FS_MAX_CHAIN_ID, 0);
    if (top && pc->chain_id && top != pc->chain_id) {
        fs_perr(c, "chain_id", "%lld differs from chain_parameters.chain_id %u",
                top, pc->chain_id);
    } else if (top) {
        pc->chain_id = top;
    }
}

/* Where a chain's chain_id was written, for error paths. */
static const char *chain_id_field(json_t *o)
{
    json_t *top = json_object_get(o, "chain_id");
    return top && !json_is_null(top) ? "chain_id" : "chain_parameters.chain_id";
}

static void *parse_port_chain(struct pctx *c, json_t *o)
{
    struct fs_port_chain *pc = xzalloc(sizeof *pc);
    pc->port_pair_groups = fs_get_str_list(c, o, "port_pair_groups", true,
                                           &pc->n_port_pair_groups);
    if (pc->port_pair_groups && !pc->n_port_pair_groups) {
        fs_perr(c, "port_pair_groups", "must list at least one group");
    } else if (pc->n_port_pair_groups > 127) {
        fs_perr(c, "port_pair_groups", "at most 127 groups (hop index)");
    }
    pc->flow_classifiers = fs_get_str_list(c, o, "flow_classifiers", false,
                                           &pc->n_flow_classifiers);
    fs_check_unique(c, "port_pair_groups", pc->port_pair_groups,
                    pc->n_port_pair_groups);
    fs_check_unique(c, "flow_classifiers", pc->flow_classifiers,
                    pc->n_flow_classifiers);
    pc->correlation = FS_CORR_MPLS;
    json_t *params = fs_get_object(c, o, "chain_parameters");
    if (params) {
        char *base;
        struct pctx sc = sub(c, "chain_parameters", &base);
        pc->correlation =
            parse_correlation(&sc, params, "correlation", FS_CORR_MPLS);
        pc->chain_id =
            fs_get_int(&sc, params, "chain_id", 0, FS_MAX_CHAIN_ID, 0);
        json_t *sym = json_object_get(params, "symmetric");
        if (sym && !json_is_boolean(sym) && !json_is_null(sym)) {
            fs_perr(&sc, "symmetric", "must be true or false");
        }
        pc->symmetric = json_is_true(sym);
        c->ok &= sc.ok;
        free(base);
    }
    parse_top_chain_id(c, o, pc);
    if (pc->chain_id > FS_MAX_MPLS_PATH_ID && pc->correlation == FS_CORR_MPLS) {
        fs_perr(c, chain_id_field(o),
                "%u does not fit an MPLS label ((path id << 8) | hop "
                "index must be < 2^20): use at most %d",
                pc->chain_id, FS_MAX_MPLS_PATH_ID);
    }
    pc->path_id = pc->chain_id;
    return pc;
}

size_t fs_kind_size(enum fs_kind kind)
{
    static const size_t sizes[FS_N_KINDS] = {
        [FS_NETWORK] = sizeof(struct fs_network),
        [FS_PORT] = sizeof(struct fs_port),
        [FS_CHASSIS] = sizeof(struct fs_chassis),
        [FS_PORT_PAIR] = sizeof(struct fs_port_pair),
        [FS_PORT_PAIR_GROUP] = sizeof(struct fs_port_pair_group),
        [FS_FLOW_CLASSIFIER] = sizeof(struct fs_flow_classifier),
        [FS_PORT_CHAIN] = sizeof(struct fs_port_chain),
        [FS_SLICE] = sizeof(struct fs_slice),
        [FS_FLOWSPACE] = sizeof(struct fs_flowspace),
        [FS_SUBNET] = sizeof(struct fs_subnet),
        [FS_ROUTER] = sizeof(struct fs_router),
    };
    return sizes[kind];
}

/* Decodes JSON, else YAML; NULL with '*error' set if neither parses. */
static json_t *decode(const char *value, size_t len, char **error)
{
    json_error_t jerr;
    json_t *root = json_loadb(value, len, JSON_REJECT_DUPLICATES, &jerr);
    *error = NULL;
    if (root) {
        return root;
    }
    size_t skip = 0; /* 'value' is not NUL-terminated: no strspn(). */
    while (skip < len && memchr(" \t\r\n", value[skip], 4)) {
        skip++;
    }
    if (skip < len && (value[skip] == '{' || value[skip] == '[')) {
        char *yerr;
        root = fs_yaml_parse(value, len, &yerr);
        if (root) {
            free(yerr);
            return root;
        }
        free(yerr);
        *error = xasprintf("invalid JSON: %s (line %d, column %d)", jerr.text,
                           jerr.line, jerr.column);
        return NULL;
    }
    char *yerr;
    root = fs_yaml_parse(value, len, &yerr);
    if (!root) {
        *error = xasprintf("invalid YAML: %s", yerr);
        free(yerr);
    }
    return root;
}

typedef void *parse_fn(struct pctx *, json_t *);
static parse_fn *const parsers[FS_N_KINDS] = {
    [FS_NETWORK] = parse_network,
    [FS_PORT] = parse_port,
    [FS_CHASSIS] = parse_chassis,
    [FS_PORT_PAIR] = parse_port_pair,
    [FS_PORT_PAIR_GROUP] = parse_port_pair_group,
    [FS_FLOW_CLASSIFIER] = fs_parse_flow_classifier,
    [FS_PORT_CHAIN] = parse_port_chain,
    [FS_SLICE] = fs_parse_slice,
    [FS_FLOWSPACE] = fs_parse_flowspace,
    [FS_SUBNET] = fs_parse_subnet,
    [FS_ROUTER] = fs_parse_router,
};

/* A slice that did not parse still says which networks it wants: they
 * are held until it is fixed (model/slices.c). */
static void keep_held(struct fs_doc *doc, enum fs_kind kind, const void *res)
{
    const struct fs_slice *sl = res;
    if (kind != FS_SLICE || !sl->n_networks) {
        return;
    }
    doc->held = xcalloc(sl->n_networks, sizeof *doc->held);
    for (size_t i = 0; i < sl->n_networks; i++) {
        doc->held[i] = xstrdup(sl->networks[i]);
    }
    doc->n_held = sl->n_networks;
}

struct fs_doc *fs_doc_parse(const char *key, enum fs_kind kind,
                            const char *key_id, const char *value, size_t len,
                            int64_t mod_revision)
{
    struct fs_doc *doc = xzalloc(sizeof *doc);
    doc->key = xstrdup(key);
    doc->kind = kind;
    struct pctx c = {.key = key, .base = "$", .errs = &doc->errors, .ok = true};
    char *error;
    json_t *root = decode(value, len, &error);
    if (!root) {
        fs_perr(&c, NULL, "%s", error);
        free(error);
        doc->base = xstrdup("$");
        return doc;
    }
    json_t *obj = root;
    char *base = NULL;
    json_t *inner = json_object_get(root, envelopes[kind]);
    if (inner && json_object_size(root) == 1) {
        obj = inner;
        base = xasprintf("$.%s", envelopes[kind]);
        c.base = base;
    }
    if (!json_is_object(obj)) {
        fs_perr(&c, NULL, "a %s must be a JSON or YAML object",
                envelopes[kind]);
    } else {
        void *res = parsers[kind](&c, obj);
        doc->chain_id_field = chain_id_field(obj);
        fs_parse_meta(&c, obj, key_id, mod_revision, res);
        doc->res = res;
        if (!c.ok) {
            keep_held(doc, kind, res);
            fs_resource_free(kind, res);
            doc->res = NULL;
        }
    }
    doc->base = xstrdup(c.base);
    free(base);
    json_decref(root);
    return doc;
}

void fs_doc_destroy(struct fs_doc *doc)
{
    if (doc) {
        fs_resource_free(doc->kind, doc->res);
        fs_errors_destroy(&doc->errors);
        for (size_t i = 0; i < doc->n_held; i++) {
            free(doc->held[i]);
        }
        free(doc->held);
        free(doc->key);
        free(doc->base);
        free(doc);
    }
}

/* Neutron L3 (networking API v2 "subnets" and "routers", and the ports
 * that are router interfaces): parsing, and the rules between subnets,
 * routers and ports.  A subnet's network is valid; a port's fixed IP names
 * a valid subnet of the port's network whose cidr holds the address; of
 * two interfaces of one router on overlapping subnets, the later one
 * (etcd create_revision, then key) is rejected, as for VLAN ids
 * (model/provider.c): the running interface never loses to a newcomer.
 * docs/architecture.md, "Subnets and routers (model)". */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "model/build.h"
#include "model/fields.h"
#include "model/parse.h"
#include "model/text.h"
#include "util.h"

bool fs_is_router_interface_owner(const char *owner)
{
    static const char *const owners[] = {
        "network:router_interface",
        "network:router_interface_distributed",
        "network:ha_router_replicated_interface",
    };
    for (size_t i = 0; owner && i < ARRAY_SIZE(owners); i++) {
        if (!strcmp(owner, owners[i])) {
            return true;
        }
    }
    return false;
}

/* The IP version of canonical address or prefix text. */
static int version_of(const char *text)
{
    return strchr(text, ':') ? 6 : 4;
}

/* Returns true if canonical address 'addr' is inside canonical prefix
 * 'cidr' (of the same IP version). */
static bool in_cidr(const char *addr, const char *cidr)
{
    char *host = xasprintf("%s/%d", addr, version_of(addr) == 6 ? 128 : 32);
    bool in =
        version_of(addr) == version_of(cidr) && fs_prefixes_overlap(host, cidr);
    free(host);
    return in;
}

/* Returns boolean 'field' of 'o', 'dflt' when absent or null. */
static bool get_bool(struct pctx *c, json_t *o, const char *field, bool dflt)
{
    json_t *v = json_object_get(o, field);
    if (v && !json_is_boolean(v) && !json_is_null(v)) {
        fs_perr(c, field, "must be true or false");
    }
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* Returns string 'name' of 'o' (borrowed), NULL when absent or null (an
 * error at 'field' when 'required') or not a string (an error). */
static const char *get_text(struct pctx *c, json_t *o, const char *name,
                            const char *field, bool required)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) {
        if (required) {
            fs_perr(c, field, "required field is missing");
        }
        return NULL;
    } else if (!json_is_string(v)) {
        fs_perr(c, field, "must be a string");
        return NULL;
    }
    return json_string_value(v);
}

/* Returns address 'name' of 'o' in canonical form (caller frees), NULL when
 * absent or bad (errors at 'field'): of IP version 'version' (0: either)
 * and inside 'cidr' (NULL: anywhere). */
static char *get_address(struct pctx *c, json_t *o, const char *name,
                         const char *field, int version, const char *cidr,
                         bool required)
{
    const char *text = get_text(c, o, name, field, required);
    char *addr = text ? fs_canonical_ip(text) : NULL;
    if (text && !addr) {
        fs_perr(c, field, "%s is not an IP address", fs_quote(text).s);
    } else if (addr && version && version_of(addr) != version) {
        fs_perr(c, field, "%s is not an IPv%d address", fs_quote(addr).s,
                version);
    } else if (addr && cidr && !in_cidr(addr, cidr)) {
        fs_perr(c, field, "%s is not in cidr %s", fs_quote(addr).s, cidr);
    } else {
        return addr;
    }
    free(addr);
    return NULL;
}

/* Returns prefix 'name' of 'o' as canonical "network/len" (caller frees),
 * NULL when absent or bad (errors at 'field'): of IP version 'version' (0:
 * the one its text has). */
static char *get_cidr(struct pctx *c, json_t *o, const char *name,
                      const char *field, int version, bool required)
{
    const char *text = get_text(c, o, name, field, required);
    if (!text) {
        return NULL;
    }
    int v = version ? version : strchr(text, ':') ? 6 : 4;
    char *out = NULL, *other = NULL;
    char *why = fs_parse_cidr(text, v, &out);
    char *why_other = why ? fs_parse_cidr(text, v == 4 ? 6 : 4, &other) : NULL;
    if (why && !why_other) {
        fs_perr(c, field, "%s is an IPv%d prefix, not IPv%d", fs_quote(text).s,
                v == 4 ? 6 : 4, v);
    } else if (why) {
        fs_perr(c, field, "%s", why);
    }
    free(why);
    free(why_other);
    free(other);
    return out;
}

/* Routes 'name' of 'o' ([{"destination", "nexthop"}]) of IP version
 * 'version' (0: each destination's own, and its nexthop's): a route given
 * twice is an error. */
static void parse_routes(struct pctx *c, json_t *o, const char *name,
                         int version, struct fs_route **routes, size_t *n)
{
    json_t *list = json_object_get(o, name);
    if (!list || json_is_null(list)) {
        return;
    } else if (!json_is_array(list)) {
        fs_perr(c, name, "must be a list");
        return;
    }
    *routes = xcalloc(json_array_size(list) + 1, sizeof **routes);
    size_t *at = xcalloc(json_array_size(list) + 1, sizeof *at);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        char *field = xasprintf("%s[%zu]", name, i);
        char *df = xasprintf("%s.destination", field);
        char *nf = xasprintf("%s.nexthop", field);
        char *dest = NULL, *hop = NULL;
        if (!json_is_object(item)) {
            fs_perr(c, field, "must be an object with destination and nexthop");
        } else {
            dest = get_cidr(c, item, "destination", df, version, true);
            int v = version ? version : dest ? version_of(dest) : 0;
            hop = get_address(c, item, "nexthop", nf, v, NULL, true);
        }
        for (size_t j = 0; dest && hop && j < *n; j++) {
            if (!strcmp((*routes)[j].destination, dest) &&
                !strcmp((*routes)[j].nexthop, hop)) {
                fs_perr(c, field,
                        "repeats %s[%zu] (destination %s, nexthop %s)", name,
                        at[j], dest, hop);
                break;
            }
        }
        if (dest && hop && c->ok) {
            struct fs_route *r = &(*routes)[*n];
            at[(*n)++] = i;
            r->destination = dest;
            r->nexthop = hop;
            fs_prefix_parse(dest, &r->prefix);
        } else {
            free(dest);
            free(hop);
        }
        free(field);
        free(df);
        free(nf);
    }
    free(at);
}

static void free_routes(struct fs_route *routes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(routes[i].destination);
        free(routes[i].nexthop);
    }
    free(routes);
}

/* ip_version: 4 or 6 (required); 0 when bad. */
static int get_ip_version(struct pctx *c, json_t *o)
{
    json_t *v = json_object_get(o, "ip_version");
    if (!v || json_is_null(v)) {
        fs_perr(c, "ip_version", "required field is missing");
        return 0;
    }
    bool ok = c->ok;
    c->ok = true;
    long long n = fs_get_int(c, o, "ip_version", LLONG_MIN, LLONG_MAX, 0);
    if (c->ok && n != 4 && n != 6) {
        fs_perr(c, "ip_version", "%lld is not 4 or 6", n);
    }
    int version = c->ok ? n : 0;
    c->ok &= ok;
    return version;
}

/* Returns true if canonical address 'a' comes after 'b' (same version). */
static bool address_after(const char *a, const char *b)
{
    uint8_t x[16] = {0}, y[16] = {0};
    int af = version_of(a) == 6 ? AF_INET6 : AF_INET;
    return inet_pton(af, a, x) == 1 && inet_pton(af, b, y) == 1 &&
           memcmp(x, y, sizeof x) > 0;
}

/* allocation_pools: [{"start", "end"}], addresses inside 'cidr'. */
static void parse_pools(struct pctx *c, json_t *o, struct fs_subnet *s)
{
    json_t *list = json_object_get(o, "allocation_pools");
    if (!list || json_is_null(list)) {
        return;
    } else if (!json_is_array(list)) {
        fs_perr(c, "allocation_pools", "must be a list");
        return;
    }
    s->allocation_pools =
        xcalloc(json_array_size(list) + 1, sizeof *s->allocation_pools);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        char *field = xasprintf("allocation_pools[%zu]", i);
        char *sf = xasprintf("%s.start", field);
        char *ef = xasprintf("%s.end", field);
        char *start = NULL, *end = NULL;
        if (!json_is_object(item)) {
            fs_perr(c, field, "must be an object with start and end");
        } else {
            start =
                get_address(c, item, "start", sf, s->ip_version, s->cidr, true);
            end = get_address(c, item, "end", ef, s->ip_version, s->cidr, true);
        }
        if (start && end && address_after(start, end)) {
            fs_perr(c, field, "start %s is after end %s", start, end);
        }
        if (start && end && c->ok) {
            s->allocation_pools[s->n_allocation_pools++] =
                (struct fs_ip_range){start, end};
        } else {
            free(start);
            free(end);
        }
        free(field);
        free(sf);
        free(ef);
    }
}

void *fs_parse_subnet(struct pctx *c, json_t *o)
{
    struct fs_subnet *s = xzalloc(sizeof *s);
    s->network_id = fs_get_str(c, o, "network_id", true, NULL);
    s->ip_version = get_ip_version(c, o);
    if (s->ip_version) {
        s->cidr = get_cidr(c, o, "cidr", "cidr", s->ip_version, true);
        fs_prefix_parse(s->cidr, &s->prefix);
    } else {
        get_text(c, o, "cidr", "cidr", true);
    }
    s->gateway_ip = get_address(c, o, "gateway_ip", "gateway_ip", s->ip_version,
                                s->cidr, false);
    s->enable_dhcp = get_bool(c, o, "enable_dhcp", true);
    parse_pools(c, o, s);
    parse_routes(c, o, "host_routes", s->ip_version, &s->host_routes,
                 &s->n_host_routes);
    s->dns_nameservers =
        fs_get_str_list(c, o, "dns_nameservers", false, &s->n_dns_nameservers);
    for (size_t i = 0; i < s->n_dns_nameservers; i++) {
        char *addr = fs_canonical_ip(s->dns_nameservers[i]);
        if (!addr) {
            char *f = xasprintf("dns_nameservers[%zu]", i);
            fs_perr(c, f, "%s is not an IP address",
                    fs_quote(s->dns_nameservers[i]).s);
            free(f);
        } else {
            free(s->dns_nameservers[i]);
            s->dns_nameservers[i] = addr;
        }
    }
    return s;
}

void fs_free_subnet(struct fs_subnet *s)
{
    free(s->network_id);
    free(s->cidr);
    free(s->gateway_ip);
    for (size_t i = 0; i < s->n_allocation_pools; i++) {
        free(s->allocation_pools[i].start);
        free(s->allocation_pools[i].end);
    }
    free(s->allocation_pools);
    free_routes(s->host_routes, s->n_host_routes);
    fs_free_list(s->dns_nameservers, s->n_dns_nameservers);
}

void *fs_parse_router(struct pctx *c, json_t *o)
{
    struct fs_router *r = xzalloc(sizeof *r);
    r->admin_state_up = get_bool(c, o, "admin_state_up", true);
    r->distributed = get_bool(c, o, "distributed", true);
    parse_routes(c, o, "routes", 0, &r->routes, &r->n_routes);
    json_t *gw = fs_get_object(c, o, "external_gateway_info");
    if (gw) {
        const char *net = get_text(c, gw, "network_id",
                                   "external_gateway_info.network_id", true);
        r->gateway_network_id = net ? xstrdup(net) : NULL;
    }
    return r;
}

void fs_free_router(struct fs_router *r)
{
    free_routes(r->routes, r->n_routes);
    free(r->gateway_network_id);
}

/* The index of the first IPv4 fixed IP of 'p', SIZE_MAX if none; '*n' gets
 * how many it has. */
static size_t ipv4_fixed_ip(const struct fs_port *p, size_t *n)
{
    size_t at = SIZE_MAX;
    *n = 0;
    for (size_t i = 0; i < p->n_fixed_ips; i++) {
        if (version_of(p->fixed_ips[i].ip_address) == 4) {
            at = *n ? at : i;
            (*n)++;
        }
    }
    return at;
}

void fs_parse_port_l3(struct pctx *c, json_t *o, struct fs_port *p)
{
    p->device_owner = fs_get_str(c, o, "device_owner", false, "");
    p->admin_state_up = get_bool(c, o, "admin_state_up", true);
    if (!fs_is_router_interface_owner(p->device_owner)) {
        return;
    }
    if (!*p->device_id) {
        fs_perr(c, "device_id",
                "a router interface (device_owner %s) names its router in "
                "device_id",
                fs_quote(p->device_owner).s);
    } else {
        p->router_id = xstrdup(p->device_id);
    }
    json_t *mac = json_object_get(o, "mac_address");
    if (!mac || json_is_null(mac)) {
        fs_perr(c, "mac_address", "a router interface needs a mac_address");
    }
    json_t *ips = json_object_get(o, "fixed_ips");
    if (json_is_array(ips) && json_array_size(ips) != p->n_fixed_ips) {
        return; /* A fixed IP did not parse: said already. */
    }
    size_t n;
    size_t at = ipv4_fixed_ip(p, &n);
    if (n != 1) {
        fs_perr(c, "fixed_ips",
                "a router interface has exactly one IPv4 fixed IP (its "
                "address on the subnet it connects), not %zu",
                n);
    } else if (!p->fixed_ips[at].subnet_id) {
        fs_perr(c, "fixed_ips",
                "the IPv4 fixed IP of a router interface (fixed_ips[%zu]) "
                "needs a subnet_id: the subnet the router connects",
                at);
    }
}

void fs_free_port_l3(struct fs_port *p)
{
    free(p->device_owner);
    free(p->router_id);
}

void fs_check_port_subnets(struct fs_build *b, const struct fs_port *p)
{
    for (size_t i = 0; i < p->n_fixed_ips; i++) {
        const struct fs_fixed_ip *f = &p->fixed_ips[i];
        const struct fs_subnet *s = fs_build_res(b, FS_SUBNET, f->subnet_id);
        if (!s) {
            continue; /* No subnet_id (a missing one: the graph's). */
        }
        char *field = NULL;
        if (strcmp(s->network_id, p->network_id)) {
            field = xasprintf("fixed_ips[%zu].subnet_id", i);
            fs_build_reject(b, FS_PORT, p->meta.id, field,
                            "subnet %s is on network %s, not on the port's "
                            "network %s",
                            fs_quote(s->meta.id).s, fs_quote(s->network_id).s,
                            fs_quote(p->network_id).s);
        } else if (!in_cidr(f->ip_address, s->cidr)) {
            field = xasprintf("fixed_ips[%zu].ip_address", i);
            fs_build_reject(b, FS_PORT, p->meta.id, field,
                            "%s is not in subnet %s's cidr %s", f->ip_address,
                            fs_quote(s->meta.id).s, s->cidr);
        }
        free(field);
        if (field) {
            return;
        }
    }
}

/* A router's interfaces kept so far: their ports, earliest first. */
struct kept {
    const struct fs_port **ports;
    size_t n, allocated;
};

/* Rejects interface 'p' (its IPv4 fixed IP at 'at' on subnet 's') if an
 * interface of 'k' has an overlapping subnet; else adds it to 'k'. */
static void claim_subnet(struct fs_build *b, struct kept *k,
                         const struct fs_port *p, size_t at,
                         const struct fs_subnet *s)
{
    for (size_t i = 0; i < k->n; i++) {
        const struct fs_port *q = k->ports[i];
        size_t n;
        const struct fs_subnet *t = fs_build_res(
            b, FS_SUBNET, q->fixed_ips[ipv4_fixed_ip(q, &n)].subnet_id);
        if (!fs_parsed_prefixes_overlap(s->cidr, &s->prefix, t->cidr,
                                        &t->prefix)) {
            continue;
        }
        char *field = xasprintf("fixed_ips[%zu].subnet_id", at);
        if (s == t) {
            fs_build_reject(b, FS_PORT, p->meta.id, field,
                            "router %s is already on subnet %s (cidr %s) "
                            "through port %s, which came first",
                            fs_quote(p->router_id).s, fs_quote(s->meta.id).s,
                            s->cidr, fs_quote(q->meta.id).s);
        } else {
            fs_build_reject(b, FS_PORT, p->meta.id, field,
                            "subnet %s (cidr %s) overlaps subnet %s (cidr "
                            "%s) of port %s, an interface of router %s "
                            "that came first",
                            fs_quote(s->meta.id).s, s->cidr,
                            fs_quote(t->meta.id).s, t->cidr,
                            fs_quote(q->meta.id).s, fs_quote(p->router_id).s);
        }
        free(field);
        return;
    }
    if (k->n >= k->allocated) {
        k->ports = x2nrealloc(k->ports, &k->allocated, sizeof *k->ports);
    }
    k->ports[k->n++] = p;
}

void fs_check_router_interfaces(struct fs_build *b)
{
    struct shash *valid = &b->valid[FS_PORT];
    struct fs_doc **docs = xcalloc(shash_count(valid) + 1, sizeof *docs);
    size_t n = 0;
    struct shash_node *node;
    SHASH_FOR_EACH(node, valid)
    {
        struct fs_doc *doc = node->data;
        if (((const struct fs_port *)doc->res)->router_id) {
            docs[n++] = doc;
        }
    }
    qsort(docs, n, sizeof *docs, fs_doc_compare_created);
    struct shash routers = SHASH_INITIALIZER(&routers);
    for (size_t i = 0; i < n; i++) {
        const struct fs_port *p = docs[i]->res;
        size_t n4;
        size_t at = ipv4_fixed_ip(p, &n4);
        const struct fs_subnet *s =
            fs_build_res(b, FS_SUBNET, p->fixed_ips[at].subnet_id);
        struct kept *k = shash_find_data(&routers, p->router_id);
        if (!k) {
            k = xzalloc(sizeof *k);
            shash_add(&routers, p->router_id, k);
        }
        claim_subnet(b, k, p, at, s);
    }
    SHASH_FOR_EACH(node, &routers)
    {
        struct kept *k = node->data;
        free(k->ports);
    }
    shash_destroy_free_data(&routers);
    free(docs);
}

/* OpenFlow controller targets: a network's or a slice's 'controller' as
 * the FlowVisor plugin writes it ("host[:port]", default port 6633,
 * FlowVisor's; ../shared/seeds/flowvisor-quantum-plugin.txt, "API
 * Extension") or as OVS's Controller table does ("tcp:host[:port]",
 * "ssl:host[:port]", default port 6653; ovs-vswitchd.conf.db(5),
 * "Controller TABLE", target), normalized into the target render/ writes
 * into OVSDB.  See fs_parse_controller() in model/fields.h. */
#include <ctype.h>
#include <string.h>

#include "model/fields.h"
#include "model/text.h"
#include "util.h"

/* FlowVisor's default OpenFlow port (the plugin's 'controller'), and
 * OVS's for "tcp:" and "ssl:" targets without one (IANA's OpenFlow
 * port). */
#define FLOWVISOR_PORT 6633
#define OVS_TARGET_PORT 6653

/* A DNS host name (RFC 1123): dot-separated labels of letters, digits and
 * '-', at most 253 characters; the last label is not all digits (so
 * "10.0.0" is no host name). */
static bool valid_hostname(const char *s, size_t len)
{
    size_t label = 0;
    bool digits = true;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (!label) {
                return false;
            }
            label = 0;
            digits = true;
        } else if (isalnum((unsigned char)s[i]) || s[i] == '-') {
            label++;
            digits &= isdigit((unsigned char)s[i]) != 0;
        } else {
            return false;
        }
    }
    return len > 0 && label > 0 && len <= 253 && !digits;
}

/* Canonical host: an IP address as inet_ntop writes it (IPv6 in
 * brackets), a host name in lower case.  Returns NULL (after setting
 * '*why') if 'host' is neither, or if it was in brackets ('bracketed') and
 * is no IPv6 address.  'v6_ok': an IPv6 address may be here (in brackets,
 * or bare in the plugin's form without port). */
static char *canonical_host(const char *host, bool v6_ok, bool bracketed,
                            char **why)
{
    char *ip = fs_canonical_ip(host);
    bool v6 = ip && strchr(ip, ':');
    if (ip && (v6 ? v6_ok : !bracketed)) {
        char *out = v6 ? xasprintf("[%s]", ip) : xstrdup(ip);
        free(ip);
        return out;
    }
    free(ip);
    if (bracketed) {
        *why = xasprintf("%s is not an IPv6 address (only IPv6 goes in "
                         "brackets)",
                         fs_quote(host).s);
    } else if (!valid_hostname(host, strlen(host))) {
        *why =
            xasprintf("%s is not a host name or IP address", fs_quote(host).s);
    } else {
        char *out = xstrdup(host);
        for (char *p = out; *p; p++) {
            *p = tolower((unsigned char)*p);
        }
        return out;
    }
    return NULL;
}

/* Parses port text 'port' (NULL: 'dflt') into '*n'; returns the reason if
 * it is not 1..65535 (caller frees). */
static char *parse_port(const char *port, int dflt, int *n)
{
    char *end = NULL;
    long v = !port                           ? dflt
             : isdigit((unsigned char)*port) ? strtol(port, &end, 10)
                                             : -1;
    if (v < 1 || v > 65535 || (end && *end)) {
        return xasprintf("port %s is not 1..65535", fs_quote(port).s);
    }
    *n = v;
    return NULL;
}

/* Splits 'text' ("host", "host:port", "[v6]", "[v6]:port" and, when
 * 'bare_v6', a bare IPv6 address) into a new host string and the port
 * text (pointing into 'text', NULL if none).  Returns NULL, or the reason
 * 'text' is not of form 'form' (caller frees). */
static char *split(const char *text, const char *form, bool bare_v6,
                   char **host, const char **port, bool *bracketed)
{
    *bracketed = text[0] == '[';
    if (*bracketed) {
        const char *close = strchr(text, ']');
        if (!close || (close[1] && close[1] != ':')) {
            return xasprintf("%s is not %s", fs_quote(text).s, form);
        }
        *host = xmemdup0(text + 1, close - text - 1);
        *port = close[1] ? close + 2 : NULL;
        return NULL;
    }
    const char *colon = strchr(text, ':');
    bool v6 = colon && strchr(colon + 1, ':');
    if (v6 && !bare_v6) {
        return xasprintf("%s: an IPv6 address needs brackets in %s",
                         fs_quote(text).s, form);
    }
    size_t hlen = colon && !v6 ? (size_t)(colon - text) : strlen(text);
    *host = xmemdup0(text, hlen);
    *port = colon && !v6 ? colon + 1 : NULL;
    return NULL;
}

char *fs_parse_controller(const char *text, char **target)
{
    static const char *const passive[] = {"ptcp:", "pssl:", "unix:", "punix:"};
    for (size_t i = 0; i < ARRAY_SIZE(passive); i++) {
        if (!strncmp(text, passive[i], strlen(passive[i]))) {
            return xasprintf("%s: only host[:port], tcp:host[:port] and "
                             "ssl:host[:port] name a controller to connect "
                             "to",
                             fs_quote(text).s);
        }
    }
    bool tcp = !strncmp(text, "tcp:", 4), ssl = !strncmp(text, "ssl:", 4);
    const char *rest = tcp || ssl ? text + 4 : text;
    const char *form = tcp   ? "tcp:host[:port]"
                       : ssl ? "ssl:host[:port]"
                             : "host[:port]";
    char *host = NULL, *canon = NULL;
    const char *port = NULL;
    bool bracketed = false;
    int n = 0;
    char *why = split(rest, form, !tcp && !ssl, &host, &port, &bracketed);
    if (!why) {
        canon = canonical_host(host, bracketed || !port, bracketed, &why);
    }
    if (!why) {
        why =
            parse_port(port, tcp || ssl ? OVS_TARGET_PORT : FLOWVISOR_PORT, &n);
    }
    if (!why) {
        *target = xasprintf("%s:%s:%d", ssl ? "ssl" : "tcp", canon, n);
    }
    free(host);
    free(canon);
    return why;
}

/* networking-sfc flow classifiers: ethertype, protocol, port ranges and
 * prefixes (seeds/networking-sfc-docs.txt, "Flow Classifier resource"). */
#include <string.h>
#include <strings.h>

#include "model/fields.h"
#include "model/parse.h"
#include "model/text.h"
#include "util.h"

/* IP protocol by name (any case) or number 0..255; -1 = any. */
static int parse_protocol(struct pctx *c, json_t *o)
{
    static const struct {
        const char *name;
        int number;
    } names[] = {{"icmp", 1},    {"tcp", 6},    {"udp", 17},
                 {"icmpv6", 58}, {"sctp", 132}, {"any", -1}};
    json_t *v = json_object_get(o, "protocol");
    if (!v || json_is_null(v)) {
        return -1;
    }
    if (json_is_integer(v)) {
        return fs_get_int(c, o, "protocol", 0, 255, -1);
    }
    const char *s = json_string_value(v);
    for (size_t i = 0; s && i < ARRAY_SIZE(names); i++) {
        if (!strcasecmp(s, names[i].name)) {
            return names[i].number;
        }
    }
    char *end;
    long n = s && *s ? strtol(s, &end, 10) : -2;
    if (s && *s && !*end && n >= 0 && n <= 255) {
        return n;
    }
    fs_perr(c, "protocol",
            "must be tcp, udp, sctp, icmp, icmpv6 or a number 0..255");
    return -1;
}

/* Reads <prefix>_port_range_min/max into 'min'/'max' (-1 = any).  A single
 * bound means exactly that port, as networking-sfc does. */
static void parse_range(struct pctx *c, json_t *o, const char *prefix, int *min,
                        int *max)
{
    char *fmin = xasprintf("%s_port_range_min", prefix);
    char *fmax = xasprintf("%s_port_range_max", prefix);
    *min = fs_get_int(c, o, fmin, 0, 65535, -1);
    *max = fs_get_int(c, o, fmax, 0, 65535, -1);
    if (*min < 0) {
        *min = *max;
    } else if (*max < 0) {
        *max = *min;
    }
    if (*min > *max) {
        fs_perr(c, fmin, "%d is greater than %s %d", *min, fmax, *max);
    }
    free(fmin);
    free(fmax);
}

static char *parse_prefix(struct pctx *c, json_t *o, const char *field,
                          int ethertype)
{
    char *text = fs_get_str(c, o, field, false, NULL);
    char *canon = NULL;
    if (text) {
        char *error = fs_parse_cidr(text, ethertype, &canon);
        if (error) {
            fs_perr(c, field, "%s", error);
            free(error);
        }
        free(text);
    }
    return canon;
}

void *fs_parse_flow_classifier(struct pctx *c, json_t *o)
{
    struct fs_flow_classifier *fc = xzalloc(sizeof *fc);
    char *eth = fs_get_str(c, o, "ethertype", false, "IPv4");
    fc->ethertype = !strcmp(eth, "IPv6") ? 6 : 4;
    if (strcmp(eth, "IPv4") && strcmp(eth, "IPv6")) {
        fs_perr(c, "ethertype", "%s is not IPv4 or IPv6", fs_quote(eth).s);
    }
    free(eth);
    fc->protocol = parse_protocol(c, o);
    parse_range(c, o, "source", &fc->source_port_range_min,
                &fc->source_port_range_max);
    parse_range(c, o, "destination", &fc->destination_port_range_min,
                &fc->destination_port_range_max);
    bool ports =
        fc->source_port_range_min >= 0 || fc->destination_port_range_min >= 0;
    if (ports && fc->protocol != 6 && fc->protocol != 17 &&
        fc->protocol != 132) {
        fs_perr(c, "protocol", "port ranges need protocol tcp, udp or sctp");
    }
    fc->source_ip_prefix =
        parse_prefix(c, o, "source_ip_prefix", fc->ethertype);
    fc->destination_ip_prefix =
        parse_prefix(c, o, "destination_ip_prefix", fc->ethertype);
    fs_prefix_parse(fc->source_ip_prefix, &fc->source_prefix);
    fs_prefix_parse(fc->destination_ip_prefix, &fc->destination_prefix);
    fc->logical_source_port =
        fs_get_str(c, o, "logical_source_port", true, NULL);
    fc->logical_destination_port =
        fs_get_str(c, o, "logical_destination_port", false, NULL);
    return fc;
}

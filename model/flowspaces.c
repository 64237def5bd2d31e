/* FlowVisor flowspaces (../shared/seeds/flowvisor-quantum-plugin.txt: "a
 * slice is defined as a combination of flow spaces each representing a
 * flow match (i.e., switch ports, MAC addresses, IP addresses, etc.)"):
 * parsing, references, and overlaps.  Match field names are OpenFlow
 * 1.0's, as FlowVisor's; values are canonical as the rest of the model
 * has them (MACs lower case, prefixes "addr/len" as flow classifiers'). */
#include <string.h>

#include "model/build.h"
#include "model/fields.h"
#include "model/parse.h"
#include "model/text.h"
#include "util.h"

static const char *const match_fields[] = {"dl_src", "dl_dst", "dl_vlan",
                                           "nw_src", "nw_dst", "nw_proto",
                                           "tp_src", "tp_dst", "in_port"};

static char *get_mac(struct pctx *c, json_t *o, const char *field)
{
    char *text = fs_get_str(c, o, field, false, NULL);
    char *mac = text ? fs_canonical_mac(text) : NULL;
    if (text && !mac) {
        fs_perr(c, field, "%s is not a MAC address", fs_quote(text).s);
    }
    free(text);
    return mac;
}

/* An IPv4 or IPv6 address or prefix, as canonical "addr/len". */
static char *get_prefix(struct pctx *c, json_t *o, const char *field)
{
    char *text = fs_get_str(c, o, field, false, NULL);
    char *prefix = NULL;
    char *why =
        text ? fs_parse_cidr(text, strchr(text, ':') ? 6 : 4, &prefix) : NULL;
    if (why) {
        fs_perr(c, field, "%s", why);
        free(why);
    }
    free(text);
    return prefix;
}

/* Records an error at the match for each field it does not know. */
static void check_known(struct pctx *c, json_t *o)
{
    const char *field;
    json_t *v;
    json_object_foreach(o, field, v)
    {
        bool known = false;
        for (size_t i = 0; i < ARRAY_SIZE(match_fields); i++) {
            known |= !strcmp(field, match_fields[i]);
        }
        if (!known) {
            fs_perr(c, NULL,
                    "unknown match field %s (known: dl_src, dl_dst, dl_vlan, "
                    "nw_src, nw_dst, nw_proto, tp_src, tp_dst, in_port)",
                    fs_quote(field).s);
        }
    }
}

/* Returns 4 or 6, the IP version of the match's prefixes, 0 if none. */
static int ip_version(const struct fs_flowspace_match *m)
{
    const char *p = m->nw_src ? m->nw_src : m->nw_dst;
    return !p ? 0 : strchr(p, ':') ? 6 : 4;
}

static void parse_match(struct pctx *c, json_t *o, struct fs_flowspace_match *m)
{
    check_known(c, o);
    m->dl_src = get_mac(c, o, "dl_src");
    m->dl_dst = get_mac(c, o, "dl_dst");
    m->dl_vlan = fs_get_int(c, o, "dl_vlan", 0, 4095, -1);
    m->nw_src = get_prefix(c, o, "nw_src");
    m->nw_dst = get_prefix(c, o, "nw_dst");
    m->nw_proto = fs_get_int(c, o, "nw_proto", 0, 255, -1);
    m->tp_src = fs_get_int(c, o, "tp_src", 0, 65535, -1);
    m->tp_dst = fs_get_int(c, o, "tp_dst", 0, 65535, -1);
    m->in_port = fs_get_str(c, o, "in_port", false, NULL);
    if (m->nw_src && m->nw_dst &&
        !strchr(m->nw_src, ':') != !strchr(m->nw_dst, ':')) {
        fs_perr(c, "nw_dst", "%s and nw_src %s are not of one IP version",
                fs_quote(m->nw_dst).s, fs_quote(m->nw_src).s);
    }
    if ((m->tp_src >= 0 || m->tp_dst >= 0) && m->nw_proto != 6 &&
        m->nw_proto != 17 && m->nw_proto != 132) {
        fs_perr(c, "nw_proto",
                "tp_src and tp_dst need nw_proto 6 (TCP), 17 (UDP) or 132 "
                "(SCTP)");
    }
}

void *fs_parse_flowspace(struct pctx *c, json_t *o)
{
    struct fs_flowspace *f = xzalloc(sizeof *f);
    struct fs_flowspace_match *m = &f->match;
    m->dl_vlan = m->nw_proto = m->tp_src = m->tp_dst = -1;
    f->slice = fs_get_str(c, o, "slice", true, NULL);
    f->priority = fs_get_int(c, o, "priority", 0, 65535, 0);
    json_t *v = json_object_get(o, "match");
    json_t *mo = fs_get_object(c, o, "match");
    if (!v || json_is_null(v)) {
        fs_perr(c, "match", "required field is missing");
    } else if (mo) {
        char *base = xasprintf("%s.match", c->base);
        struct pctx mc = {
            .key = c->key, .base = base, .errs = c->errs, .ok = true};
        parse_match(&mc, mo, m);
        c->ok &= mc.ok;
        free(base);
    }
    return f;
}

void fs_free_flowspace(struct fs_flowspace *f)
{
    struct fs_flowspace_match *m = &f->match;
    free(f->slice);
    free(m->dl_src);
    free(m->dl_dst);
    free(m->nw_src);
    free(m->nw_dst);
    free(m->in_port);
}

static bool str_compatible(const char *a, const char *b)
{
    return !a || !b || !strcmp(a, b);
}

static bool int_compatible(int a, int b)
{
    return a < 0 || b < 0 || a == b;
}

bool fs_flowspaces_overlap(const struct fs_flowspace_match *a,
                           const struct fs_flowspace_match *b)
{
    int va = ip_version(a), vb = ip_version(b);
    return str_compatible(a->dl_src, b->dl_src) &&
           str_compatible(a->dl_dst, b->dl_dst) &&
           str_compatible(a->in_port, b->in_port) &&
           int_compatible(a->dl_vlan, b->dl_vlan) &&
           int_compatible(a->nw_proto, b->nw_proto) &&
           int_compatible(a->tp_src, b->tp_src) &&
           int_compatible(a->tp_dst, b->tp_dst) && (!va || !vb || va == vb) &&
           fs_prefixes_overlap(a->nw_src, b->nw_src) &&
           fs_prefixes_overlap(a->nw_dst, b->nw_dst);
}

/* A flowspace's slice and in_port must be valid. */
static void check_refs(struct fs_build *b)
{
    size_t n;
    struct fs_doc **docs = fs_build_by_creation(b, FS_FLOWSPACE, &n);
    for (size_t i = 0; i < n; i++) {
        const struct fs_flowspace *f = docs[i]->res;
        if (!fs_build_res(b, FS_SLICE, f->slice)) {
            fs_build_reject(b, FS_FLOWSPACE, f->meta.id, "slice",
                            "slice %s does not exist or was rejected",
                            fs_quote(f->slice).s);
        } else if (f->match.in_port &&
                   !fs_build_res(b, FS_PORT, f->match.in_port)) {
            fs_build_reject(b, FS_FLOWSPACE, f->meta.id, "match.in_port",
                            "port %s does not exist or was rejected",
                            fs_quote(f->match.in_port).s);
        }
    }
    free(docs);
}

/* Orders flowspace documents by priority, then by creation. */
static int compare_priority(const void *a_, const void *b_)
{
    const struct fs_doc *a = *(const struct fs_doc *const *)a_;
    const struct fs_doc *b = *(const struct fs_doc *const *)b_;
    const struct fs_flowspace *fa = a->res, *fb = b->res;
    if (fa->priority != fb->priority) {
        return fa->priority < fb->priority ? -1 : 1;
    } else if (a->create_revision != b->create_revision) {
        return a->create_revision < b->create_revision ? -1 : 1;
    }
    return strcmp(a->key, b->key);
}

/* Rejects flowspace docs[i] if it overlaps an accepted one of another slice
 * among docs[start..i) (same priority, created earlier). */
static void check_overlap(struct fs_build *b, struct fs_doc **docs,
                          size_t start, size_t i)
{
    const struct fs_flowspace *f = docs[i]->res;
    for (size_t j = start; j < i; j++) {
        const struct fs_flowspace *e = docs[j]->res;
        if (strcmp(e->slice, f->slice) &&
            fs_build_res(b, FS_FLOWSPACE, e->meta.id) &&
            fs_flowspaces_overlap(&e->match, &f->match)) {
            fs_build_reject(b, FS_FLOWSPACE, f->meta.id, "match",
                            "overlaps flowspace %s of slice %s at priority "
                            "%d, which came first",
                            fs_quote(e->meta.id).s, fs_quote(e->slice).s,
                            f->priority);
            return;
        }
    }
}

void fs_check_flowspaces(struct fs_build *b)
{
    check_refs(b);
    size_t n;
    struct fs_doc **docs = fs_build_by_creation(b, FS_FLOWSPACE, &n);
    qsort(docs, n, sizeof *docs, compare_priority);
    for (size_t start = 0, i = 0; i < n; i++) {
        const struct fs_flowspace *f = docs[i]->res;
        if (((const struct fs_flowspace *)docs[start]->res)->priority !=
            f->priority) {
            start = i;
        }
        check_overlap(b, docs, start, i);
    }
    free(docs);
}

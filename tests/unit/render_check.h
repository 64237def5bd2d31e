/* tests/unit/render_check.h: what the render unit tests share (include
 * after cmocka.h): rendering a world that must have no rejected resource,
 * network keys as render/ derives them, "<net-x>" placeholders in expected
 * text, flows printed as ovs-ofctl prints them (expected text written in
 * any ovs-ofctl spelling is parsed and printed alike before the
 * comparison), and the check that every rendered flow prints as text
 * that parses back to it and every group parses as an OpenFlow 1.5 group
 * mod. */
#ifndef FS_TEST_RENDER_CHECK_H
#define FS_TEST_RENDER_CHECK_H 1

#include <inttypes.h>
#include <string.h>

#include "hash.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"
#include "byte-order.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/util.h"
#include "render/render.h"

/* Builds a snapshot of 'model', fails the test if any resource is rejected
 * (printing each error), and returns fs_render() for 'node' and 'facts'
 * (caller frees with fs_desired_destroy()). */
static inline struct fs_desired *
rc_render_clean(struct fs_model *model, const struct fs_render_node *node,
                const struct fs_local_facts *facts)
{
    struct fs_snapshot *s = fs_snapshot_build(model);
    for (size_t i = 0; i < s->errors.n; i++) {
        print_error("unexpected: %s %s %s\n", s->errors.items[i].key,
                    s->errors.items[i].path, s->errors.items[i].message);
    }
    assert_int_equal(s->errors.n, 0);
    struct fs_desired *d = fs_render(s, node, facts);
    fs_snapshot_destroy(s);
    return d;
}

/* Network key of network 'id' as render/world.c assigns it when no two ids
 * of the world collide. */
static inline uint32_t rc_net_key(const char *id)
{
    return 0x1000000 | (hash_string(id, 0) & 0xffffff);
}

/* Returns 'text' with each "<net-x>" replaced by network net-x's key in
 * hex (caller frees). */
static inline char *rc_expand(const char *text)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (const char *p = text; *p;) {
        const char *lt = strstr(p, "<net-");
        if (!lt) {
            ds_put_cstr(&s, p);
            break;
        }
        const char *gt = strchr(lt, '>');
        char *id = xmemdup0(lt + 1, gt - lt - 1);
        ds_put_buffer(&s, p, lt - p);
        ds_put_format(&s, "0x%" PRIx32, rc_net_key(id));
        free(id);
        p = gt + 1;
    }
    return ds_steal_cstr(&s);
}

/* Returns the number of newlines in 'text'. */
static inline size_t rc_count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; (p = strchr(p, '\n')); p++) {
        n++;
    }
    return n;
}

/* The match of 'f' / its actions as ovs-ofctl prints them
 * (fs_flow_format_match(), fs_flow_format_actions()).  Caller frees. */
static inline char *rc_match(const struct fs_flow *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    fs_flow_format_match(f, &s);
    return ds_steal_cstr(&s);
}

static inline char *rc_actions(const struct fs_flow *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    fs_flow_format_actions(f, &s);
    return ds_steal_cstr(&s);
}

/* Returns true if 'f' matches at least what match text 'want' (ovs-ofctl
 * syntax, prerequisites included: "udp,tp_dst=53") matches: every field
 * 'want' matches, 'f' matches too, with the same value.  Fails the test
 * if 'want' does not parse. */
static inline bool rc_match_has(const struct fs_flow *f, const char *want)
{
    struct fs_flow w;
    char *text = xasprintf("%s,actions=drop", want);
    char *error = fs_flow_parse(&w, text);
    if (error) {
        print_error("%s: %s\n", text, error);
    }
    assert_null(error);
    free(text);
    char *printed = rc_match(&w);
    if (!*printed) {
        print_error("%s matches everything: a field without its "
                    "prerequisites?\n",
                    want);
    }
    assert_true(*printed);
    free(printed);
    struct match a, b;
    minimatch_expand(&f->match, &a);
    minimatch_expand(&w.match, &b);
    fs_flow_destroy(&w);
    const uint64_t *af = (const uint64_t *)&a.flow;
    const uint64_t *am = (const uint64_t *)&a.wc.masks;
    const uint64_t *bf = (const uint64_t *)&b.flow;
    const uint64_t *bm = (const uint64_t *)&b.wc.masks;
    for (size_t i = 0; i < sizeof a.flow / sizeof *af; i++) {
        if ((bm[i] & ~am[i]) || ((af[i] ^ bf[i]) & bm[i])) {
            return false;
        }
    }
    return true;
}

/* Number of flows of 'table' of 'd' whose match has 'want': "" counts
 * every flow; a match text is compared field by field (rc_match_has());
 * a text that does not parse as a match ("in_port=", "mpls_label") is
 * looked for in the printed match. */
static inline size_t rc_count_flows(const struct fs_desired *d, int table,
                                    const char *want)
{
    char *text = xasprintf("%s,actions=drop", want);
    struct fs_flow w;
    char *error = *want ? fs_flow_parse(&w, text) : NULL;
    free(text);
    if (!error && *want) {
        /* A text the parser takes as nothing ("mpls_label", a field
         * without its prerequisites) is no match. */
        char *m = rc_match(&w);
        error = *m ? NULL : xstrdup("matches nothing");
        free(m);
        fs_flow_destroy(&w);
    }
    size_t n = 0;
    for (size_t i = 0; i < d->n_flows; i++) {
        const struct fs_flow *f = &d->flows[i];
        if (f->table_id != table) {
            continue;
        } else if (!*want) {
            n++;
        } else if (!error) {
            n += rc_match_has(f, want);
        } else {
            char *match = rc_match(f);
            n += strstr(match, want) != NULL;
            free(match);
        }
    }
    free(error);
    return n;
}

/* Returns actions text 'want' (ovs-ofctl syntax) as fs_flow_format_actions()
 * prints it.  Fails the test if it does not parse.  Caller frees. */
static inline char *rc_canon_actions(const char *want)
{
    char *text = xasprintf("actions=%s", want);
    struct fs_flow w;
    char *error = fs_flow_parse(&w, text);
    if (error) {
        print_error("%s: %s\n", text, error);
    }
    assert_null(error);
    free(text);
    char *s = rc_actions(&w);
    fs_flow_destroy(&w);
    return s;
}

/* Returns true if the actions of 'f' are 'want' / hold the actions 'want'
 * in a row (both as printed; 'want' in any ovs-ofctl spelling). */
static inline bool rc_actions_are(const struct fs_flow *f, const char *want)
{
    char *have = rc_actions(f), *canon = rc_canon_actions(want);
    bool equal = !strcmp(have, canon);
    if (!equal) {
        print_message("actions %s, not %s\n", have, canon);
    }
    free(have);
    free(canon);
    return equal;
}

static inline bool rc_actions_have(const struct fs_flow *f, const char *want)
{
    char *have = rc_actions(f), *canon = rc_canon_actions(want);
    bool found = strstr(have, canon) != NULL;
    free(have);
    free(canon);
    return found;
}

/* "priority=P,kind=K/OBJ,MATCH,actions=A" of 'f', the cookie's object
 * written as the name of the network of 'nets' (NULL-terminated) whose key
 * it is, else as a number. */
static inline void rc_put_line(struct ds *s, const struct fs_flow *f,
                               const char *const *nets)
{
    uint32_t obj = f->cookie & 0xffffffff;
    char *name = xasprintf("%" PRIu32, obj);
    for (size_t k = 0; obj && nets[k]; k++) {
        if (obj == rc_net_key(nets[k])) {
            free(name);
            name = xstrdup(nets[k]);
        }
    }
    char *match = rc_match(f), *actions = rc_actions(f);
    ds_put_format(s, "priority=%u,kind=%" PRIu64 "/%s,%s%sactions=%s\n",
                  f->priority, (f->cookie >> 32) & 0xffff, name, match,
                  *match ? "," : "", actions);
    free(match);
    free(actions);
    free(name);
}

/* The flows of 'table' of 'd' as rc_put_line() lines, in order.  Caller
 * frees. */
static inline char *rc_dump_table(const struct fs_desired *d, int table,
                                  const char *const *nets)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < d->n_flows; i++) {
        if (d->flows[i].table_id == table) {
            rc_put_line(&s, &d->flows[i], nets);
        }
    }
    return ds_steal_cstr(&s);
}

/* Returns 'want' (lines "priority=P,kind=K/OBJ,MATCH,actions=A" in
 * ovs-ofctl syntax, any spelling) with each line's match and actions
 * parsed by libopenvswitch and printed again as rc_dump_table() prints
 * them, so that the expected text of a test may be written as a person
 * writes a flow ("reg6=3") and compare with the printed form
 * ("reg6=0x3").  A line that does not parse is kept as it is (and then
 * fails the comparison).  Caller frees. */
static inline char *rc_canon_lines(const char *want)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (const char *line = want, *nl; (nl = strchr(line, '\n'));
         line = nl + 1) {
        char *text = xmemdup0(line, nl - line);
        unsigned prio, kind;
        int n = 0;
        char obj[64];
        struct fs_flow f;
        char *error = NULL;
        if (sscanf(text, "priority=%u,kind=%u/%63[^,],%n", &prio, &kind, obj,
                   &n) < 3 ||
            !n) {
            error = xstrdup("no priority and kind");
        } else {
            char *flow = xasprintf("priority=%u,%s", prio, text + n);
            error = fs_flow_parse(&f, flow);
            free(flow);
        }
        if (error) {
            ds_put_format(&s, "%s\n", text);
            free(error);
        } else {
            char *match = rc_match(&f), *actions = rc_actions(&f);
            ds_put_format(&s, "priority=%u,kind=%u/%s,%s%sactions=%s\n", prio,
                          kind, obj, match, *match ? "," : "", actions);
            free(match);
            free(actions);
            fs_flow_destroy(&f);
        }
        free(text);
    }
    return ds_steal_cstr(&s);
}

/* Asserts that the lines of 'got' are exactly those of 'want' (expanded
 * by rc_expand()), in any order; 'what' names them in the failure. */
static inline void rc_assert_lines(const char *what, const char *got,
                                   const char *want)
{
    char *expanded = rc_expand(want);
    char *exp = rc_canon_lines(expanded);
    free(expanded);
    char *hay = xasprintf("\n%s", got);
    bool ok = rc_count_lines(got) == rc_count_lines(exp);
    for (char *line = exp, *nl; ok && (nl = strchr(line, '\n'));
         line = nl + 1) {
        char *needle = xasprintf("\n%.*s\n", (int)(nl - line), line);
        ok = strstr(hay, needle) != NULL;
        free(needle);
    }
    if (!ok) {
        print_error("%s:\n--- want\n%s--- got\n%s", what, exp, got);
    }
    assert_true(ok);
    free(hay);
    free(exp);
}

/* Asserts that table 'table' of 'd' is exactly 'want' (rc_dump_table()
 * lines, any order). */
static inline void rc_assert_table(const struct fs_desired *d, int table,
                                   const char *const *nets, const char *want)
{
    char *got = rc_dump_table(d, table, nets);
    char *what = xasprintf("table %d", table);
    rc_assert_lines(what, got, want);
    free(what);
    free(got);
}

/* Fails the test unless every flow of 'd' keeps to its table's
 * declaration (fs_pipeline_check()) and, printed, parses again as an
 * OpenFlow 1.5 flow mod with the same match and actions (what plan and
 * the logs print can be fed to ovs-ofctl), and every group parses as a
 * group mod. */
static inline void rc_assert_all_parse(const struct fs_desired *d)
{
    for (size_t i = 0; i < d->n_flows; i++) {
        char *broken = fs_pipeline_check(&d->flows[i]);
        if (broken) {
            print_error("%s\n", broken);
        }
        assert_null(broken);
        char *text = fs_flow_to_string(&d->flows[i]);
        struct fs_flow f;
        char *error = fs_flow_parse(&f, text);
        if (error) {
            print_error("%s: %s\n", text, error);
        }
        assert_null(error);
        char *again = fs_flow_to_string(&f);
        assert_string_equal(again, text);
        free(again);
        fs_flow_destroy(&f);
        free(text);
    }
    for (size_t i = 0; i < d->n_groups; i++) {
        char *text = fs_group_to_string(&d->groups[i]);
        struct ofputil_group_mod gm;
        enum ofputil_protocol usable;
        char *error = parse_ofp_group_mod_str(&gm, OFPGC15_ADD, text, NULL,
                                              NULL, &usable);
        if (error) {
            print_error("%s: %s\n", text, error);
        }
        assert_null(error);
        ofputil_uninit_group_mod(&gm);
        free(text);
    }
}

/* Returns 'f' in OVS's canonical form, "table=T priority=P cookie=C MATCH
 * actions=A" with MATCH from match_format() and A from ofpacts_format()
 * (caller frees): the same text whatever way the flow was written. */
static inline char *rc_canon_flow(const struct fs_flow *f)
{
    char *match = rc_match(f), *actions = rc_actions(f);
    char *s = xasprintf("table=%u priority=%u cookie=0x%" PRIx64 " %s "
                        "actions=%s",
                        f->table_id, f->priority, f->cookie, match, actions);
    free(match);
    free(actions);
    return s;
}

#endif /* tests/unit/render_check.h */

/* tests/unit/render_check.h: what the render unit tests share (include
 * after cmocka.h): rendering a world that must have no rejected resource,
 * network keys as render/ derives them, "<net-x>" placeholders in expected
 * text, and the check that every rendered flow and group parses as an
 * OpenFlow 1.5 mod with libopenvswitch (as reconciler/flowtable.c parses
 * them). */
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

/* The flows of 'table' of 'd' as "priority=P,kind=K/OBJ,MATCH,actions=A"
 * lines, in order; the cookie's object is written as the name of the
 * network of 'nets' (NULL-terminated) whose key it is, else as a number.
 * Caller frees. */
static inline char *rc_dump_table(const struct fs_desired *d, int table,
                                  const char *const *nets)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < d->n_flows; i++) {
        const struct fs_flow *f = &d->flows[i];
        if (f->table_id != table) {
            continue;
        }
        uint32_t obj = f->cookie & 0xffffffff;
        char *name = xasprintf("%" PRIu32, obj);
        for (size_t k = 0; obj && nets[k]; k++) {
            if (obj == rc_net_key(nets[k])) {
                free(name);
                name = xstrdup(nets[k]);
            }
        }
        ds_put_format(&s, "priority=%u,kind=%" PRIu64 "/%s,%s%sactions=%s\n",
                      f->priority, (f->cookie >> 32) & 0xffff, name, f->match,
                      *f->match ? "," : "", f->actions);
        free(name);
    }
    return ds_steal_cstr(&s);
}

/* Asserts that the lines of 'got' are exactly those of 'want' (expanded
 * by rc_expand()), in any order; 'what' names them in the failure. */
static inline void rc_assert_lines(const char *what, const char *got,
                                   const char *want)
{
    char *exp = rc_expand(want);
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

/* Fails the test unless every flow of 'd' parses as an OpenFlow 1.5 flow
 * mod and every group as a group mod. */
static inline void rc_assert_all_parse(const struct fs_desired *d)
{
    for (size_t i = 0; i < d->n_flows; i++) {
        char *text = fs_flow_to_string(&d->flows[i]);
        struct ofputil_flow_mod fm;
        enum ofputil_protocol usable;
        char *error =
            parse_ofp_flow_mod_str(&fm, text, NULL, NULL, OFPFC_ADD, &usable);
        if (error) {
            print_error("%s: %s\n", text, error);
        }
        assert_null(error);
        assert_true(usable & OFPUTIL_P_OF15_OXM);
        free(CONST_CAST(struct ofpact *, fm.ofpacts));
        minimatch_destroy(&fm.match);
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
    char *text = fs_flow_to_string(f);
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error =
        parse_ofp_flow_mod_str(&fm, text, NULL, NULL, OFPFC_ADD, &usable);
    if (error) {
        char *bad = xasprintf("unparsable %s: %s", text, error);
        free(error);
        free(text);
        return bad;
    }
    struct match match;
    minimatch_expand(&fm.match, &match);
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_format(&s, "table=%u priority=%u cookie=0x%" PRIx64 " ", fm.table_id,
                  fm.priority, ntohll(fm.new_cookie));
    match_format(&match, NULL, &s, OFP_DEFAULT_PRIORITY);
    ds_put_cstr(&s, " actions=");
    struct ofpact_format_params fp = {.s = &s};
    ofpacts_format(fm.ofpacts, fm.ofpacts_len, &fp);
    free(CONST_CAST(struct ofpact *, fm.ofpacts));
    minimatch_destroy(&fm.match);
    free(text);
    return ds_steal_cstr(&s);
}

#endif /* tests/unit/render_check.h */

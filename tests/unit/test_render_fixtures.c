/* Equivalence of the render across the typed-flow redesign (issue 19):
 * for every world of the random engine test (tests/unit/rworld.h, the
 * seeds and sizes of test_render_engine.c) and for bench/scale.py's worlds
 * (chains at 6k and 20k flows, and the port-heavy world of 2,000 VIFs),
 * the full render printed in OVS's own canonical form (match_format(),
 * ofpacts_format()) hashes to what tests/fixtures/render-equivalence.txt
 * recorded (commit 4df3a31) from the render of commit 3f8a1c3, which wrote
 * ovs-ofctl text
 * (parsed with libopenvswitch to be printed).  A line per world and step:
 * "<world> <step> <flows> <groups> <notes> <hash>".  FS_RECORD_FIXTURES=1
 * writes the file instead of comparing; FS_DUMP_FIXTURE=<world>/<step>
 * prints that render's canonical lines (to compare two builds by hand).
 * Every flow of every world is also checked against its table's
 * declaration (fs_pipeline_check(), render/pipeline.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "hash.h"
#include "model/model.h"
#include "openvswitch/dynamic-string.h"
#include "render/render.h"
#include "render_check.h"
#include "rworld.h"
#include "svec.h"
#include "util.h"

#define FIXTURE "tests/fixtures/render-equivalence.txt"

/* Appends the canonical lines of 'd''s flows and groups to 'lines'. */
static void canon_lines(const struct fs_desired *d, struct svec *lines)
{
    for (size_t i = 0; i < d->n_flows; i++) {
        svec_add_nocopy(lines, rc_canon_flow(&d->flows[i]));
    }
    for (size_t i = 0; i < d->n_groups; i++) {
        svec_add_nocopy(lines, fs_group_to_string(&d->groups[i]));
    }
    svec_sort(lines);
}

/* A 64-bit hash of 'lines', in order. */
static uint64_t hash_lines(const struct svec *lines)
{
    uint32_t a = 0, b = 0x9e3779b9;
    for (size_t i = 0; i < lines->n; i++) {
        a = hash_string(lines->names[i], a);
        b = hash_string(lines->names[i], b ^ a);
    }
    return ((uint64_t)a << 32) | b;
}

struct recorder {
    struct ds out; /* The lines of this run. */
    char *dump;    /* FS_DUMP_FIXTURE, or NULL. */
};

/* Fails the test at the first flow of 'd' that breaks its table's
 * declaration (render/pipeline.h). */
static void check_pipeline(const char *world, int step,
                           const struct fs_desired *d)
{
    for (size_t i = 0; i < d->n_flows; i++) {
        char *error = fs_pipeline_check(&d->flows[i]);
        if (error) {
            print_error("%s step %d: %s\n", world, step, error);
            free(error);
            fail();
        }
    }
}

static void record(struct recorder *r, const char *world, int step,
                   const struct fs_desired *d)
{
    check_pipeline(world, step, d);
    struct svec lines = SVEC_EMPTY_INITIALIZER;
    canon_lines(d, &lines);
    char *name = xasprintf("%s/%d", world, step);
    if (r->dump && !strcmp(r->dump, name)) {
        for (size_t i = 0; i < lines.n; i++) {
            printf("%s\n", lines.names[i]);
        }
    }
    free(name);
    ds_put_format(
        &r->out,
        "%s %d %" PRIuSIZE " %" PRIuSIZE " %" PRIuSIZE " %016" PRIx64 "\n",
        world, step, d->n_flows, d->n_groups, d->notes.n, hash_lines(&lines));
    svec_destroy(&lines);
}

static void record_rworld(struct recorder *r, uint64_t seed,
                          struct rw_sizes sizes, int steps)
{
    struct rworld w;
    rw_init(&w, seed, sizes);
    char *world = xasprintf("seed%" PRIu64, seed);
    for (int step = 0; step < steps; step++) {
        if (step) {
            rw_step(&w);
        }
        struct fs_snapshot *s = fs_snapshot_build(w.model);
        struct fs_desired *d = fs_render(s, &w.node, &w.facts);
        record(r, world, step, d);
        fs_desired_destroy(d);
        fs_snapshot_destroy(s);
    }
    free(world);
    rw_destroy(&w);
}

/* Puts every manifest of 'dir'/json/<kind>/ into 'model' under
 * /flowsteer/v1/<kind>/<id>, as bench/scale.py load does. */
static void load_manifests(struct fs_model *model, const char *dir)
{
    char *json_dir = xasprintf("%s/json", dir);
    struct dirent **kinds;
    int n_kinds = scandir(json_dir, &kinds, NULL, alphasort);
    assert_true(n_kinds > 2);
    int64_t rev = 0;
    for (int k = 0; k < n_kinds; k++) {
        const char *kind = kinds[k]->d_name;
        char *kdir = xasprintf("%s/%s", json_dir, kind);
        struct dirent **files;
        int n = *kind == '.' ? -1 : scandir(kdir, &files, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            char *path = xasprintf("%s/%s", kdir, files[i]->d_name);
            json_t *doc =
                *files[i]->d_name == '.' ? NULL : json_load_file(path, 0, NULL);
            if (doc) {
                const char *id = json_string_value(json_object_get(
                    json_object_iter_value(json_object_iter(doc)), "id"));
                char *key = xasprintf("/flowsteer/v1/%s/%s", kind, id);
                char *text = json_dumps(doc, JSON_COMPACT);
                rev++;
                fs_model_put(model, key, strlen(key), text, strlen(text), rev,
                             rev);
                free(text);
                free(key);
                json_decref(doc);
            }
            free(path);
            free(files[i]);
        }
        if (n >= 0) {
            free(files);
        }
        free(kdir);
        free(kinds[k]);
    }
    free(kinds);
    free(json_dir);
    fs_model_set_revision(model, rev);
}

/* Facts: the interfaces of 'dir'/ifaces.txt get ofports 1.. in order. */
static void load_ifaces(struct fs_local_facts *facts, const char *dir)
{
    char *path = xasprintf("%s/ifaces.txt", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char name[64], id[128];
    unsigned ofport = 0;
    while (fscanf(f, "%63s %127s", name, id) == 2) {
        simap_put(&facts->ofports, id, ++ofport);
    }
    fclose(f);
    free(path);
}

/* The world bench/scale.py's subcommand 'gen' (e.g. "gen --flows 6000")
 * writes, recorded as 'world'; the tunnels to node2 and node3 have
 * ofports (the port-heavy world's remote chassis). */
static void record_gen(struct recorder *r, const char *world, const char *gen)
{
    char dir[] = "/tmp/fs-fixture-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *cmd = xasprintf("python3 bench/scale.py %s --out %s --node node1 "
                          ">/dev/null",
                          gen, dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    struct fs_model *model = fs_model_create();
    load_manifests(model, dir);
    struct fs_local_facts facts;
    fs_local_facts_init(&facts);
    load_ifaces(&facts, dir);
    simap_put(&facts.owned_ofports, "fst-node2", 60001);
    simap_put(&facts.owned_ofports, "fst-node3", 60002);
    sset_add(&facts.bridges, "br-int");
    struct fs_render_node node = {.name = "node1",
                                  .integration_bridge = "br-int"};
    struct fs_snapshot *s = fs_snapshot_build(model);
    struct fs_desired *d = fs_render(s, &node, &facts);
    record(r, world, 0, d);
    fs_desired_destroy(d);
    fs_snapshot_destroy(s);
    fs_local_facts_destroy(&facts);
    fs_model_destroy(model);
    cmd = xasprintf("rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/* Prints the first line where 'got' and 'want' differ. */
static void print_first_difference(const char *got, const char *want)
{
    size_t line = 1;
    const char *g = got, *w = want;
    while (*g && *w) {
        const char *ge = strchrnul(g, '\n'), *we = strchrnul(w, '\n');
        if (ge - g != we - w || memcmp(g, w, ge - g)) {
            print_error("line %" PRIuSIZE ": got  %.*s\n"
                        "           want %.*s\n",
                        line, (int)(ge - g), g, (int)(we - w), w);
            return;
        }
        g = *ge ? ge + 1 : ge;
        w = *we ? we + 1 : we;
        line++;
    }
    print_error("line %" PRIuSIZE ": one side ends\n", line);
}

static void test_render_equals_recorded(void **state)
{
    (void)state;
    struct recorder r = {.out = DS_EMPTY_INITIALIZER,
                         .dump = getenv("FS_DUMP_FIXTURE")};
    for (uint64_t seed = 1; seed <= 12; seed++) {
        record_rworld(&r, seed, (struct rw_sizes){6, 32, 20, 10, 12, 5, 0},
                      300);
    }
    for (uint64_t seed = 101; seed <= 106; seed++) {
        record_rworld(&r, seed, (struct rw_sizes){3, 12, 8, 4, 6, 3, 0}, 250);
    }
    record_gen(&r, "scale6000", "gen --flows 6000");
    record_gen(&r, "scale20000", "gen --flows 20000");
    record_gen(&r, "ports2000", "gen-ports --vifs 2000");
    const char *got = ds_cstr(&r.out);
    if (getenv("FS_RECORD_FIXTURES")) {
        FILE *f = fopen(FIXTURE, "w");
        assert_non_null(f);
        fputs(got, f);
        assert_int_equal(fclose(f), 0);
    } else {
        FILE *f = fopen(FIXTURE, "r");
        assert_non_null(f);
        struct ds want = DS_EMPTY_INITIALIZER;
        int c;
        while ((c = getc(f)) != EOF) {
            ds_put_char(&want, c);
        }
        fclose(f);
        if (strcmp(got, ds_cstr(&want))) {
            print_first_difference(got, ds_cstr(&want));
            fail_msg("the render differs from " FIXTURE);
        }
        ds_destroy(&want);
    }
    ds_destroy(&r.out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_equals_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

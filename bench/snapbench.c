/* bench/snapbench.c: the main thread's cost of one change, without etcd or
 * OVS.  Loads a world of bench/scale.py gen (DIR/json/<kind>/<name>.json
 * under /flowsteer/v1/<kind>/<id>, every iface-id of DIR/ifaces.txt with
 * an ofport), renders it once, then puts DIR/change0.json and change1.json
 * in turn at the classifier key of DIR/plan.json, and times for each put
 * the snapshot (fs_snapshot_build(), or the incremental one with -i) and
 * one engine run.  Prints min / median / max of each over the changes.
 *
 *   build/bin/fs-snapbench [-i] [-n CHANGES] DIR
 *
 * Not part of the daemon or of make check: a measuring tool (make
 * snapbench builds it). */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "render/engine.h"
#include "util.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ovs_fatal(0, "%s: cannot open", path);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = xmalloc(n + 1);
    if (fread(buf, 1, n, f) != (size_t)n) {
        ovs_fatal(0, "%s: short read", path);
    }
    buf[n] = '\0';
    fclose(f);
    *len = n;
    return buf;
}

/* The "id" of the one object inside the envelope of 'text'. */
static char *doc_id(const char *text, size_t len)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    const char *k;
    json_t *v, *id = NULL;
    json_object_foreach(j, k, v)
    {
        id = json_object_get(v, "id");
    }
    char *s = xstrdup(json_string_value(id));
    json_decref(j);
    return s;
}

static int64_t revision;

static void load(struct fs_model *m, const char *dir)
{
    char *jdir = xasprintf("%s/json", dir);
    DIR *d = opendir(jdir);
    if (!d) {
        ovs_fatal(0, "%s: cannot open", jdir);
    }
    struct dirent *kind;
    while ((kind = readdir(d))) {
        if (kind->d_name[0] == '.') {
            continue;
        }
        char *kdir = xasprintf("%s/%s", jdir, kind->d_name);
        DIR *kd = opendir(kdir);
        struct dirent *f;
        while (kd && (f = readdir(kd))) {
            if (f->d_name[0] == '.') {
                continue;
            }
            char *path = xasprintf("%s/%s", kdir, f->d_name);
            size_t len;
            char *text = slurp(path, &len);
            char *id = doc_id(text, len);
            char *key = xasprintf("%s%s/%s", FS_PREFIX, kind->d_name, id);
            revision++;
            fs_model_put(m, key, strlen(key), text, len, revision, revision);
            free(key);
            free(id);
            free(text);
            free(path);
        }
        if (kd) {
            closedir(kd);
        }
        free(kdir);
    }
    closedir(d);
    free(jdir);
    fs_model_set_revision(m, revision);
}

static void load_facts(struct fs_local_facts *facts, const char *dir)
{
    char *path = xasprintf("%s/ifaces.txt", dir);
    FILE *f = fopen(path, "r");
    char name[256], id[256];
    int ofport = 1;
    while (f && fscanf(f, "%255s %255s", name, id) == 2) {
        simap_put(&facts->ofports, id, ofport++);
    }
    if (f) {
        fclose(f);
    }
    free(path);
    facts->generation = 1;
}

static int compare_doubles(const void *a_, const void *b_)
{
    double a = *(const double *)a_, b = *(const double *)b_;
    return (a > b) - (a < b);
}

static void report(const char *what, double *v, size_t n)
{
    qsort(v, n, sizeof *v, compare_doubles);
    printf("%-22s min %7.3f  median %7.3f  max %7.3f ms\n", what, v[0],
           v[n / 2], v[n - 1]);
}

int main(int argc, char *argv[])
{
    int n = 30;
    bool incremental = false;
    int opt;
    while ((opt = getopt(argc, argv, "in:")) != -1) {
        if (opt == 'i') {
            incremental = true;
        } else if (opt == 'n') {
            n = atoi(optarg);
        } else {
            ovs_fatal(0, "usage: %s [-i] [-n CHANGES] DIR", argv[0]);
        }
    }
    if (optind >= argc || n < 1) {
        ovs_fatal(0, "usage: %s [-i] [-n CHANGES] DIR", argv[0]);
    }
    const char *dir = argv[optind];

    size_t len;
    char *plan_text = slurp(xasprintf("%s/plan.json", dir), &len);
    json_t *plan = json_loadb(plan_text, len, 0, NULL);
    const char *node_name = json_string_value(json_object_get(plan, "node"));
    const char *change_key = json_string_value(
        json_object_get(json_object_get(plan, "change"), "key"));
    char *changes[2];
    size_t change_len[2];
    for (int i = 0; i < 2; i++) {
        char *p = xasprintf("%s/change%d.json", dir, i);
        changes[i] = slurp(p, &change_len[i]);
        free(p);
    }

    struct fs_model *m = fs_model_create();
    load(m, dir);
    struct fs_local_facts facts;
    fs_local_facts_init(&facts);
    load_facts(&facts, dir);
    struct fs_render_node node = {.name = node_name,
                                  .integration_bridge = "br-int"};
    struct fs_render_engine *e = fs_render_engine_create();
    struct fs_snapshot_cache *cache =
        incremental ? fs_snapshot_cache_create() : NULL;

    double t0 = now_ms();
    struct fs_snapshot *built = incremental ? NULL : fs_snapshot_build(m);
    const struct fs_snapshot *s =
        incremental ? fs_snapshot_update(cache, m) : built;
    double t1 = now_ms();
    struct fs_desired_delta *d = fs_render_engine_run(e, s, &node, &facts);
    double t2 = now_ms();
    printf("world: %zu ports, %zu networks, %zu chains, %zu errors; %zu "
           "flows, %zu units\n",
           s->n_ports, s->n_networks, s->n_port_chains, s->errors.n, d->n_flows,
           d->n_units);
    printf("first: snapshot %.1f ms, full render %.1f ms\n", t1 - t0, t2 - t1);
    size_t per_table[256] = {0};
    for (size_t i = 0; i < d->n_add_flows; i++) {
        per_table[d->add_flows[i].table_id]++;
    }
    printf("flows per table:");
    for (size_t t = 0; t < 256; t++) {
        if (per_table[t]) {
            printf(" %zu: %zu", t, per_table[t]);
        }
    }
    printf("\n");
    fs_desired_delta_destroy(d);
    fs_snapshot_destroy(built);

    double *snap_ms = xcalloc(n, sizeof *snap_ms);
    double *engine_ms = xcalloc(n, sizeof *engine_ms);
    double *total_ms = xcalloc(n, sizeof *total_ms);
    size_t units = 0, mods = 0, checked = 0;
    for (int i = 0; i < n; i++) {
        revision++;
        fs_model_put(m, change_key, strlen(change_key), changes[(i + 1) % 2],
                     change_len[(i + 1) % 2], 1, revision);
        fs_model_set_revision(m, revision);
        t0 = now_ms();
        built = incremental ? NULL : fs_snapshot_build(m);
        s = incremental ? fs_snapshot_update(cache, m) : built;
        t1 = now_ms();
        d = fs_render_engine_run(e, s, &node, &facts);
        t2 = now_ms();
        snap_ms[i] = t1 - t0;
        engine_ms[i] = t2 - t1;
        total_ms[i] = t2 - t0;
        units += d->units_rendered;
        checked += cache ? fs_snapshot_cache_checked(cache) : 0;
        mods += d->n_add_flows + d->n_remove_flows;
        fs_desired_delta_destroy(d);
        fs_snapshot_destroy(built);
    }
    printf("%d changes (%s snapshot): %.1f units rendered, %.0f flows added "
           "or removed, %.1f resources checked per change\n",
           n, incremental ? "incremental" : "full", (double)units / n,
           (double)mods / n, (double)checked / n);
    report("snapshot", snap_ms, n);
    report("engine run", engine_ms, n);
    report("snapshot + engine", total_ms, n);

    fs_render_engine_destroy(e);
    fs_snapshot_cache_destroy(cache);
    fs_model_destroy(m);
    fs_local_facts_destroy(&facts);
    json_decref(plan);
    free(plan_text);
    free(changes[0]);
    free(changes[1]);
    free(snap_ms);
    free(engine_ms);
    free(total_ms);
    return 0;
}

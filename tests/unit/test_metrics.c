/* Unit tests for flowsteerd's Prometheus exposition
 * (reconciler/proc/metrics.c): HELP and TYPE lines, label escaping, cumulative
 * histogram buckets with +Inf, _sum and _count, and resources by kind and
 * state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "openvswitch/dynamic-string.h"
#include "reconciler/proc/config.h"
#include "reconciler/proc/http.h"
#include "reconciler/proc/metrics.h"
#include "util.h"

#include "fixtures.h"

/* The exposition text of 'm' (caller frees). */
static char *render(const struct fs_metrics *m)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    fs_metrics_render(m, &out);
    return ds_steal_cstr(&out);
}

static void assert_line(const char *text, const char *line)
{
    char *want = xasprintf("\n%s\n", line);
    char *framed = xasprintf("\n%s", text);
    if (!strstr(framed, want)) {
        fail_msg("line \"%s\" not in:\n%s", line, text);
    }
    free(want);
    free(framed);
}

static void test_histogram_buckets(void **state)
{
    struct fs_histogram h = {0};
    fs_histogram_observe(&h, 0.001);  /* On a bound: in that bucket. */
    fs_histogram_observe(&h, 0.0011); /* Next one. */
    fs_histogram_observe(&h, 0.3);
    fs_histogram_observe(&h, 11.); /* Above 10 s: +Inf only. */
    fs_histogram_observe(&h, -1.); /* Counts as 0. */
    assert_int_equal(h.count, 5);
    assert_int_equal(h.buckets[0], 2);
    assert_int_equal(h.buckets[1], 1);
    assert_int_equal(h.buckets[FS_HIST_N_BOUNDS], 1);
    assert_true(h.sum > 11.3 && h.sum < 11.31);
}

static void test_histogram_exposition(void **state)
{
    struct fs_metrics m = {0};
    fs_histogram_observe(&m.convergence, 0.002);
    fs_histogram_observe(&m.convergence, 0.02);
    fs_histogram_observe(&m.convergence, 20.);
    char *text = render(&m);
    assert_line(text, "# TYPE flowsteer_convergence_seconds histogram");
    assert_line(text, "flowsteer_convergence_seconds_bucket{le=\"0.001\"} 0");
    assert_line(text, "flowsteer_convergence_seconds_bucket{le=\"0.0025\"} 1");
    assert_line(text, "flowsteer_convergence_seconds_bucket{le=\"0.025\"} 2");
    assert_line(text, "flowsteer_convergence_seconds_bucket{le=\"10\"} 2");
    assert_line(text, "flowsteer_convergence_seconds_bucket{le=\"+Inf\"} 3");
    assert_line(text, "flowsteer_convergence_seconds_sum 20.022000");
    assert_line(text, "flowsteer_convergence_seconds_count 3");
    assert_line(text, "flowsteer_apply_seconds_count 0");
    assert_line(text, "flowsteer_render_seconds_bucket{le=\"+Inf\"} 0");
    free(text);
}

/* Every sample's metric has HELP and TYPE lines before it, once; every
 * line ends with a newline. */
static void test_format(void **state)
{
    struct fs_metrics m = {.flows = 12, .observed_revision = 42};
    m.ovs.flow_mods = 7;
    m.ovs.drift_repairs = 1;
    m.etcd_relists = 2;
    char *text = render(&m);
    size_t len = strlen(text);
    assert_true(len > 0 && text[len - 1] == '\n');
    assert_line(text, "# TYPE flowsteer_flows gauge");
    assert_line(text, "flowsteer_flows 12");
    assert_line(text, "flowsteer_observed_revision 42");
    assert_line(text, "# TYPE flowsteer_flow_mods_total counter");
    assert_line(text, "flowsteer_flow_mods_total 7");
    assert_line(text, "flowsteer_drift_repairs_total 1");
    assert_line(text, "flowsteer_etcd_relists_total 2");
    assert_line(text, "flowsteer_etcd_reconnects_total 0");
    assert_line(text, "flowsteer_ovs_reconnects_total 0");
    assert_line(text, "flowsteer_ovsdb_transactions_total 0");
    assert_line(text, "flowsteer_groups 0");
    assert_line(text, "flowsteer_ovsdb_rows 0");
    assert_line(text, "flowsteer_desired_revision 0");
    char *save, *copy = xstrdup(text);
    const char *typed = "";
    for (char *l = strtok_r(copy, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(l, "# TYPE ", 7)) {
            typed = l + 7;
        } else if (l[0] != '#') {
            size_t n = strcspn(typed, " ");
            if (strncmp(l, typed, n)) {
                fail_msg("sample \"%s\" not under its TYPE line", l);
            }
        }
    }
    free(copy);
    free(text);
}

static void test_escape_label(void **state)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    fs_metrics_escape_label(&out, "a\\b\"c\nd");
    assert_string_equal(ds_cstr(&out), "a\\\\b\\\"c\\nd");
    ds_destroy(&out);
}

static void test_resources(void **state)
{
    struct fs_model *model = fs_model_create();
    int n = fixture_load_example(model, "json");
    assert_true(n > 0);
    fixture_put(model, "/flowsteer/v1/port_pairs/bad", "{\"id\": 3}");
    struct fs_snapshot *snap = fs_snapshot_build(model);
    struct fs_metrics m = {0};
    fs_metrics_set_resources(&m, snap);
    assert_true(m.resources[FS_PORT_CHAIN][FS_RES_VALID] >= 1);
    assert_int_equal(m.resources[FS_PORT_CHAIN][FS_RES_REJECTED], 0);
    assert_int_equal(m.resources[FS_PORT_PAIR][FS_RES_REJECTED], 1);
    char *text = render(&m);
    assert_line(text, "# TYPE flowsteer_resources gauge");
    assert_line(text,
                "flowsteer_resources{kind=\"port_pairs\",state=\"rejected\"} "
                "1");
    assert_line(text,
                "flowsteer_resources{kind=\"chassis\",state=\"valid\"} 0");
    free(text);
    fs_snapshot_destroy(snap);
    fs_model_destroy(model);
}

static void test_split_address(void **state)
{
    char *host;
    int port;
    assert_null(fs_http_split_address("127.0.0.1:9464", &host, &port));
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 9464);
    free(host);
    assert_null(fs_http_split_address("[::1]:1", &host, &port));
    assert_string_equal(host, "::1");
    assert_int_equal(port, 1);
    free(host);
    const char *bad[] = {"::1:9464", "127.0.0.1", ":9464", "[::1]9464",
                         "h:0",      "h:65536",   "h:9x",  "[]:1"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *error = fs_http_split_address(bad[i], &host, &port);
        if (!error) {
            fail_msg("\"%s\" taken", bad[i]);
        }
        free(error);
    }
}

/* --metrics-address: default, off, a bad one is an error naming it. */
static void test_metrics_address_option(void **state)
{
    struct fs_config cfg;
    fs_config_init(&cfg);
    assert_string_equal(cfg.metrics_address, FS_METRICS_ADDRESS_DEFAULT);
    const char *off[] = {"flowsteerd", "--metrics-address", "off"};
    assert_null(fs_config_parse_args(&cfg, 3, (char **)off));
    assert_null(cfg.metrics_address);
    const char *v6[] = {"flowsteerd", "--metrics-address=[::1]:9999"};
    assert_null(fs_config_parse_args(&cfg, 2, (char **)v6));
    assert_string_equal(cfg.metrics_address, "[::1]:9999");
    char *error = fs_config_set(&cfg, "metrics-address", "nope");
    assert_non_null(strstr(error, "metrics-address"));
    free(error);
    fs_config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram_buckets),
        cmocka_unit_test(test_histogram_exposition),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_escape_label),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_split_address),
        cmocka_unit_test(test_metrics_address_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for flowsteerd's settings (reconciler/proc/config.c) and its
 * status document (reconciler/daemon/status.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconciler/daemon/chassis_reg.h"
#include "reconciler/proc/config.h"
#include "reconciler/daemon/liveness.h"
#include "reconciler/daemon/status.h"

static char *parse(struct fs_config *cfg, int argc, const char **argv)
{
    fs_config_init(cfg);
    return fs_config_parse_args(cfg, argc, (char **)argv);
}

static void test_defaults_and_options(void **state)
{
    struct fs_config cfg;
    const char *argv[] = {"flowsteerd", "--node", "n1", "--bridge=br-x", "-v"};
    assert_null(parse(&cfg, 5, argv));
    assert_string_equal(cfg.node, "n1");
    assert_string_equal(cfg.bridge, "br-x");
    assert_string_equal(cfg.etcd, "http://127.0.0.1:2379");
    assert_string_equal(cfg.ovsdb, "unix:/var/run/openvswitch/db.sock");
    assert_null(cfg.openflow);
    assert_true(cfg.verbose);
    fs_config_destroy(&cfg);
}

static void test_bad_option_is_an_error(void **state)
{
    struct fs_config cfg;
    const char *argv[] = {"flowsteerd", "--nodes", "n1"};
    char *error = parse(&cfg, 3, argv);
    assert_non_null(error);
    assert_non_null(strstr(error, "--nodes"));
    free(error);
    fs_config_destroy(&cfg);

    const char *argv2[] = {"flowsteerd", "stray"};
    error = parse(&cfg, 2, argv2);
    assert_non_null(strstr(error, "stray"));
    free(error);
    fs_config_destroy(&cfg);
}

static char *write_file(const char *text)
{
    char *path = strdup("/tmp/fs-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_config_file_then_options_win(void **state)
{
    char *path = write_file("# flowsteerd\n"
                            "node = from-file\n"
                            "etcd=http://10.0.0.1:2379  # comment\n\n"
                            "bridge = br-file\n");
    struct fs_config cfg;
    const char *argv[] = {"flowsteerd", "--bridge", "br-cli", "--config", path};
    assert_null(parse(&cfg, 5, argv));
    assert_string_equal(cfg.node, "from-file");
    assert_string_equal(cfg.etcd, "http://10.0.0.1:2379");
    assert_string_equal(cfg.bridge, "br-cli");
    fs_config_destroy(&cfg);
    unlink(path);
    free(path);
}

static void test_config_file_errors_name_the_line(void **state)
{
    char *path = write_file("node = a\ncolour = blue\n");
    struct fs_config cfg;
    fs_config_init(&cfg);
    char *error = fs_config_load(&cfg, path);
    assert_non_null(error);
    assert_non_null(strstr(error, ":2:"));
    assert_non_null(strstr(error, "colour"));
    free(error);
    fs_config_destroy(&cfg);
    unlink(path);
    free(path);

    fs_config_init(&cfg);
    error = fs_config_load(&cfg, "/nonexistent/flowsteer.conf");
    assert_non_null(strstr(error, "/nonexistent/flowsteer.conf"));
    free(error);
    fs_config_destroy(&cfg);
}

static void test_bridge_mappings(void **state)
{
    struct fs_config cfg;
    const char *argv[] = {"flowsteerd", "--bridge-mappings",
                          "physnet1:br-phys, physnet2:br-phys2"};
    assert_null(parse(&cfg, 3, argv));
    assert_int_equal(cfg.n_bridge_mappings, 2);
    assert_string_equal(cfg.bridge_mappings[1].physnet, "physnet2");
    assert_string_equal(cfg.bridge_mappings[1].bridge, "br-phys2");
    fs_config_destroy(&cfg);

    char *path = write_file("bridge-mappings = physnet1:br-a\n");
    const char *argv2[] = {"flowsteerd", "--config", path};
    assert_null(parse(&cfg, 3, argv2));
    assert_int_equal(cfg.n_bridge_mappings, 1);
    assert_string_equal(cfg.bridge_mappings[0].bridge, "br-a");
    fs_config_destroy(&cfg);
    unlink(path);
    free(path);

    const char *argv3[] = {"flowsteerd", "--bridge-mappings", "physnet1"};
    char *error = parse(&cfg, 3, argv3);
    assert_non_null(error);
    assert_non_null(strstr(error, "bridge-mappings: "));
    assert_non_null(strstr(error, "\"physnet1\""));
    free(error);
    fs_config_destroy(&cfg);
}

static void rewrite_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* chassis-mac-mappings (OVN's ovn-chassis-mac-mappings): flag and file,
 * a bad entry named, written into the self-registered chassis document,
 * taken again on SIGHUP. */
static void test_chassis_mac_mappings(void **state)
{
    struct fs_config cfg;
    const char *argv[] = {"flowsteerd",
                          "--node",
                          "n1",
                          "--encap-ip",
                          "10.0.0.1",
                          "--chassis-mac-mappings",
                          "physnet1:0A:00:00:00:00:01"};
    assert_null(parse(&cfg, 7, argv));
    assert_int_equal(cfg.n_chassis_macs, 1);
    assert_string_equal(cfg.chassis_macs[0].mac, "0a:00:00:00:00:01");
    json_t *doc = fs_chassis_reg_document(&cfg);
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(strstr(
        text, "\"chassis_mac_mappings\":[\"physnet1:0a:00:00:00:00:01\"]"));
    free(text);
    json_decref(doc);
    fs_config_destroy(&cfg);

    const char *bad[] = {"flowsteerd", "--chassis-mac-mappings",
                         "physnet1:01:00:5e:00:00:01"};
    char *error = parse(&cfg, 3, bad);
    assert_non_null(error);
    assert_non_null(strstr(error, "chassis-mac-mappings: "));
    assert_non_null(strstr(error, "multicast"));
    free(error);
    fs_config_destroy(&cfg);

    char *path =
        write_file("chassis-mac-mappings = physnet1:0a:00:00:00:00:01\n");
    const char *argv2[] = {"flowsteerd", "--config", path};
    assert_null(parse(&cfg, 3, argv2));
    rewrite_file(path, "chassis-mac-mappings = physnet1:0a:00:00:00:00:02\n");
    unsigned int changed;
    char *restart;
    assert_null(fs_config_reread(&cfg, &changed, &restart));
    assert_int_equal(changed, FS_CONFIG_CHASSIS_MACS);
    assert_null(restart);
    assert_string_equal(cfg.chassis_macs[0].mac, "0a:00:00:00:00:02");
    fs_config_destroy(&cfg);
    unlink(path);
    free(path);
}

/* SIGHUP: the file is read again, options given on the command line still
 * win; verbose and bridge-mappings are taken, other keys are named as
 * needing a restart and not taken; a broken file changes nothing. */
static void test_config_reread(void **state)
{
    char *path = write_file("node = n1\nbridge-mappings = physnet1:br-a\n");
    struct fs_config cfg;
    const char *argv[] = {"flowsteerd", "--config", path, "--bridge", "br-x"};
    assert_null(parse(&cfg, 5, argv));
    assert_false(cfg.verbose);

    unsigned int changed;
    char *restart;
    assert_null(fs_config_reread(&cfg, &changed, &restart));
    assert_int_equal(changed, 0);
    assert_null(restart);

    rewrite_file(path, "node = n2\nverbose = true\nbridge = br-file\n"
                       "bridge-mappings = physnet1:br-b,physnet2:br-c\n");
    assert_null(fs_config_reread(&cfg, &changed, &restart));
    assert_int_equal(changed, FS_CONFIG_VERBOSE | FS_CONFIG_BRIDGE_MAPPINGS);
    assert_true(cfg.verbose);
    assert_int_equal(cfg.n_bridge_mappings, 2);
    assert_string_equal(cfg.bridge_mappings[0].bridge, "br-b");
    assert_string_equal(restart, "node");
    assert_string_equal(cfg.node, "n1");
    assert_string_equal(cfg.bridge, "br-x");
    free(restart);

    rewrite_file(path, "colour = blue\n");
    char *error = fs_config_reread(&cfg, &changed, &restart);
    assert_non_null(error);
    assert_non_null(strstr(error, "colour"));
    assert_int_equal(changed, 0);
    assert_true(cfg.verbose);
    assert_int_equal(cfg.n_bridge_mappings, 2);
    free(error);
    fs_config_destroy(&cfg);
    unlink(path);
    free(path);
}

static void test_status_json(void **state)
{
    struct fs_errors errs = FS_ERRORS_INITIALIZER;
    fs_errors_add(&errs, "/flowsteer/v1/port_pairs/x", "$.ingress",
                  "port \"nope\" does not exist");
    struct fs_status st = {
        .node = "n1",
        .observed_revision = 41,
        .desired_revision = 42,
        .n_flows = 7,
        .n_groups = 1,
        .flow_mods = 3,
        .ovsdb_txns = 1,
        .errors = &errs,
        .row_errors = &errs,
    };
    char *text = fs_status_to_json(&st);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(
        json_integer_value(json_object_get(doc, "observed_revision")), 41);
    assert_int_equal(json_integer_value(json_object_get(doc, "flows")), 7);
    json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "path")),
                        "$.ingress");
    assert_int_equal(json_array_size(json_object_get(doc, "notes")), 0);
    /* Row errors are listed with the resource errors. */
    assert_int_equal(json_array_size(json_object_get(doc, "errors")), 2);
    assert_int_equal(json_integer_value(json_object_get(doc, "errors_total")),
                     2);
    assert_true(json_is_false(json_object_get(doc, "errors_truncated")));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(doc, "last_apply"), "ovsdb_txns")),
                     1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(doc, "last_apply"), "flow_mods")),
                     3);
    json_decref(doc);
    free(text);
    fs_errors_destroy(&errs);

    char *key = fs_status_key("n1");
    assert_string_equal(key, "/flowsteer/status/n1");
    free(key);
}

/* Returns the error of parsing 'option' 'value' (NULL if none). */
static char *parse_one(struct fs_config *cfg, const char *option,
                       const char *value)
{
    const char *argv[] = {"flowsteerd", option, value};
    return parse(cfg, 3, argv);
}

/* Expects 'option' 'value' to be refused with an error naming 'key'. */
static void refused(const char *option, const char *value, const char *key)
{
    struct fs_config cfg;
    char *error = parse_one(&cfg, option, value);
    assert_non_null(error);
    assert_non_null(strstr(error, key));
    assert_true(strlen(error) < 200); /* A huge value is quoted cut. */
    free(error);
    fs_config_destroy(&cfg);
}

/* --node-ttl: default 10, 2..3600; config key node-ttl; a change at SIGHUP
 * needs a restart. */
static void test_node_ttl(void **state)
{
    struct fs_config cfg;
    const char *argv[] = {"flowsteerd"};
    assert_null(parse(&cfg, 1, argv));
    assert_int_equal(cfg.node_ttl_s, 10);
    fs_config_destroy(&cfg);

    assert_null(parse_one(&cfg, "--node-ttl", "3"));
    assert_int_equal(cfg.node_ttl_s, 3);
    fs_config_destroy(&cfg);
    assert_null(parse_one(&cfg, "--node-ttl", "3600"));
    assert_int_equal(cfg.node_ttl_s, 3600);
    fs_config_destroy(&cfg);

    char big[4096];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *bad[] = {"1", "0", "-5", "3601", "", "ten", "10s", big};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        refused("--node-ttl", bad[i], "node-ttl");
    }

    char *path = write_file("node-ttl = 7\n");
    const char *argv2[] = {"flowsteerd", "--config", path};
    assert_null(parse(&cfg, 3, argv2));
    assert_int_equal(cfg.node_ttl_s, 7);
    rewrite_file(path, "node-ttl = 8\n");
    unsigned int changed;
    char *restart;
    assert_null(fs_config_reread(&cfg, &changed, &restart));
    assert_int_equal(changed, 0);
    assert_string_equal(restart, "node-ttl");
    assert_int_equal(cfg.node_ttl_s, 7);
    free(restart);
    fs_config_destroy(&cfg);
    unlink(path);
    free(path);
}

/* --encap-ip (IPv4 or IPv6, kept canonical) and --encap-type
 * (vxlan|geneve, default vxlan); config keys encap-ip, encap-type; taken
 * at SIGHUP. */
static void test_encap(void **state)
{
    struct fs_config cfg;
    const char *argv[] = {"flowsteerd"};
    assert_null(parse(&cfg, 1, argv));
    assert_null(cfg.encap_ip);
    assert_string_equal(cfg.encap_type, "vxlan");
    fs_config_destroy(&cfg);

    const char *argv2[] = {"flowsteerd", "--encap-ip", "2001:DB8:0::1",
                           "--encap-type", "geneve"};
    assert_null(parse(&cfg, 5, argv2));
    assert_string_equal(cfg.encap_ip, "2001:db8::1");
    assert_string_equal(cfg.encap_type, "geneve");
    fs_config_destroy(&cfg);
    assert_null(parse_one(&cfg, "--encap-ip", "192.0.2.7"));
    assert_string_equal(cfg.encap_ip, "192.0.2.7");
    fs_config_destroy(&cfg);

    const char *bad_ips[] = {
        "",    "10.0.0",   "10.0.0.256", "10.0.0.1/24", "host.example",
        "::g", "10.0.0.1 "};
    for (size_t i = 0; i < sizeof bad_ips / sizeof *bad_ips; i++) {
        refused("--encap-ip", bad_ips[i], "encap-ip");
    }
    const char *bad_types[] = {"", "gre", "VXLAN", "stt"};
    for (size_t i = 0; i < sizeof bad_types / sizeof *bad_types; i++) {
        refused("--encap-type", bad_types[i], "encap-type");
    }

    char *path = write_file("encap-ip = 10.0.0.1\nencap-type = vxlan\n");
    const char *argv3[] = {"flowsteerd", "--config", path};
    assert_null(parse(&cfg, 3, argv3));
    assert_string_equal(cfg.encap_ip, "10.0.0.1");
    rewrite_file(path, "encap-ip = 10.0.0.2\nencap-type = geneve\n");
    unsigned int changed;
    char *restart;
    assert_null(fs_config_reread(&cfg, &changed, &restart));
    assert_int_equal(changed, FS_CONFIG_ENCAP);
    assert_null(restart);
    assert_string_equal(cfg.encap_ip, "10.0.0.2");
    assert_string_equal(cfg.encap_type, "geneve");
    rewrite_file(path, "\n");
    assert_null(fs_config_reread(&cfg, &changed, &restart));
    assert_int_equal(changed, FS_CONFIG_ENCAP);
    assert_null(cfg.encap_ip);
    assert_string_equal(cfg.encap_type, "vxlan");
    fs_config_destroy(&cfg);
    unlink(path);
    free(path);
}

/* The chassis document carries the settings, the configured bridge
 * mappings and the managed_by marker; the liveness value is bounded. */
static void test_chassis_document_and_liveness_value(void **state)
{
    struct fs_config cfg;
    const char *argv[] = {"flowsteerd",
                          "--node",
                          "n1",
                          "--encap-ip",
                          "10.0.0.1",
                          "--bridge-mappings",
                          "physnet1:br-a,physnet2:br-b"};
    assert_null(parse(&cfg, 7, argv));
    json_t *doc = fs_chassis_reg_document(&cfg);
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_string_equal(
        text, "{\"chassis\":{\"id\":\"n1\",\"ip\":\"10.0.0.1\",\"encap\":"
              "\"vxlan\",\"bridge_mappings\":[\"physnet1:br-a\",\"physnet2:"
              "br-b\"],\"managed_by\":\"flowsteerd\"}}");
    assert_true(fs_chassis_reg_is_managed(doc));
    free(text);
    json_decref(doc);
    json_t *op = json_pack("{s:{s:s}}", "chassis", "ip", "10.0.0.9");
    assert_false(fs_chassis_reg_is_managed(op));
    json_decref(op);
    assert_false(fs_chassis_reg_is_managed(NULL));
    fs_config_destroy(&cfg);

    assert_null(parse(&cfg, 1, argv));
    assert_null(fs_chassis_reg_document(&cfg)); /* No encap-ip. */
    fs_config_destroy(&cfg);

    char *key = fs_liveness_key("n1");
    assert_string_equal(key, "/flowsteer/nodes/n1");
    free(key);
    char *value = fs_liveness_value("n1", 42, 1700000000);
    assert_string_equal(value, "{\"node\":\"n1\",\"pid\":42,\"started\":"
                               "1700000000,\"version\":\"" FS_VERSION "\"}");
    free(value);
    char huge[100000];
    memset(huge, '\xff', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    value = fs_liveness_value(huge, 1, 1);
    assert_true(strlen(value) <= FS_LIVENESS_MAX_VALUE);
    json_t *parsed = json_loads(value, 0, NULL);
    assert_non_null(parsed);
    json_decref(parsed);
    free(value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_options),
        cmocka_unit_test(test_bad_option_is_an_error),
        cmocka_unit_test(test_config_file_then_options_win),
        cmocka_unit_test(test_config_file_errors_name_the_line),
        cmocka_unit_test(test_bridge_mappings),
        cmocka_unit_test(test_chassis_mac_mappings),
        cmocka_unit_test(test_config_reread),
        cmocka_unit_test(test_status_json),
        cmocka_unit_test(test_node_ttl),
        cmocka_unit_test(test_encap),
        cmocka_unit_test(test_chassis_document_and_liveness_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

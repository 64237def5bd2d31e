/* Unit tests for model/yaml.c (YAML -> jansson) and for model/'s promise
 * never to crash on any input: wrong JSON types in every field of every
 * kind, invalid UTF-8, NUL bytes, random bytes, truncated documents, deep
 * nesting and huge numbers.  Each bad document must be reported in the
 * snapshot's errors (or be valid); run under ASan to catch the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "fixtures.h"
#include "model/model.h"
#include "model/yaml.h"
#include "openvswitch/dynamic-string.h"
#include "sset.h"

/* YAML text -> expected JSON text (NULL: an error containing 'error'). */
static const struct {
    const char *yaml;
    const char *json;
    const char *error;
} yaml_cases[] = {
    {"a: 1", "{\"a\": 1}", NULL},
    {"a: -17", "{\"a\": -17}", NULL},
    {"a: 1.5", "{\"a\": 1.5}", NULL},
    {"a: 2e3", "{\"a\": 2000.0}", NULL},
    {"a: 99999999999999999999", "{\"a\": 1e20}", NULL},
    {"a: '1'", "{\"a\": \"1\"}", NULL},
    {"a: \"true\"", "{\"a\": \"true\"}", NULL},
    {"a: !!str 5", "{\"a\": \"5\"}", NULL},
    {"a: true\nb: false\nc: True", "{\"a\": true, \"b\": false, \"c\": true}",
     NULL},
    {"a: null\nb: ~\nc:", "{\"a\": null, \"b\": null, \"c\": null}", NULL},
    {"a: 'null'", "{\"a\": \"null\"}", NULL},
    {"a: 10.0.0.1/24", "{\"a\": \"10.0.0.1/24\"}", NULL},
    {"a: fa:16:3e:00:00:01", "{\"a\": \"fa:16:3e:00:00:01\"}", NULL},
    {"a: 1.2.3", "{\"a\": \"1.2.3\"}", NULL},
    {"a: [x, 2, {b: c}]", "{\"a\": [\"x\", 2, {\"b\": \"c\"}]}", NULL},
    {"a:\n  - x\n  - y\n", "{\"a\": [\"x\", \"y\"]}", NULL},
    {"{\"a\": [1, 2]}", "{\"a\": [1, 2]}", NULL},
    {"---\na: 1\n...\n", "{\"a\": 1}", NULL},
    {"a: &anchor 1", "{\"a\": 1}", NULL},
    {"- 1\n- 2", "[1, 2]", NULL},
    {"a: &x 1\nb: *x", NULL, "line 2: YAML aliases are not supported"},
    {"a: 1\na: 2", NULL, "duplicate key \"a\""},
    {"a: 1\n---\nb: 2", NULL, "a value holds one YAML document"},
    {"? [1]\n: 2", NULL, "mapping keys must be scalars"},
    {"a: [1", NULL, "line"},
    {"a: \"\xff\"", NULL, "line"},
    {"", NULL, "empty document"},
};

static void test_yaml_scalars_and_errors(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(yaml_cases); i++) {
        char *error;
        const char *y = yaml_cases[i].yaml;
        json_t *got = fs_yaml_parse(y, strlen(y), &error);
        if (yaml_cases[i].json) {
            json_t *want = json_loads(yaml_cases[i].json, 0, NULL);
            assert_non_null(want);
            if (!got || !json_equal(got, want)) {
                char *t = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
                print_error("case %zu %s: got %s (%s)\n", i, y, t, error);
                free(t);
                fail();
            }
            assert_null(error);
            json_decref(want);
        } else {
            assert_null(got);
            assert_non_null(error);
            if (!strstr(error, yaml_cases[i].error)) {
                print_error("case %zu: \"%s\" lacks \"%s\"\n", i, error,
                            yaml_cases[i].error);
                fail();
            }
        }
        json_decref(got);
        free(error);
    }
}

static void test_yaml_deep_nesting(void **state)
{
    struct ds d = DS_EMPTY_INITIALIZER;
    for (int i = 0; i < 100000; i++) {
        ds_put_char(&d, '[');
    }
    char *error;
    json_t *j = fs_yaml_parse(ds_cstr(&d), d.length, &error);
    assert_null(j);
    assert_non_null(error);
    free(error);

    /* Through the model: JSON (jansson's depth limit) and YAML alike. */
    struct fs_model *m = fs_model_create();
    fixture_put(m, "/flowsteer/v1/networks/deep", ds_cstr(&d));
    ds_clear(&d);
    ds_put_cstr(&d, "a:");
    for (int i = 0; i < 200; i++) {
        ds_put_format(&d, "\n%*sb:", 2 * (i + 1), "");
    }
    fixture_put(m, "/flowsteer/v1/networks/deepyaml", ds_cstr(&d));
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 2);
    assert_int_equal(s->n_networks, 0);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
    ds_destroy(&d);
}

static const char *const kinds[] = {
    "networks",         "ports",
    "chassis",          "port_pairs",
    "port_pair_groups", "flow_classifiers",
    "port_chains",      "slices",
    "flowspaces",
};
static const char *const envelopes[] = {
    "network",         "port",       "chassis", "port_pair", "port_pair_group",
    "flow_classifier", "port_chain", "slice",   "flowspace",
};

static const char *const fields[] = {
    "id",
    "name",
    "network_id",
    "mac_address",
    "fixed_ips",
    "device_id",
    "binding:host_id",
    "binding:profile",
    "port_security_enabled",
    "allowed_address_pairs",
    "provider:network_type",
    "provider:physical_network",
    "provider:segmentation_id",
    "controller",
    "ip",
    "encap",
    "bridge_mappings",
    "ingress",
    "egress",
    "service_function_parameters",
    "port_pairs",
    "port_pair_group_parameters",
    "ethertype",
    "protocol",
    "source_port_range_min",
    "source_port_range_max",
    "destination_port_range_min",
    "destination_port_range_max",
    "source_ip_prefix",
    "destination_ip_prefix",
    "logical_source_port",
    "logical_destination_port",
    "port_pair_groups",
    "flow_classifiers",
    "chain_parameters",
    "chain_id",
};

/* Values of every JSON type, including ones that are almost right. */
static const char *const weird[] = {
    "null",
    "true",
    "false",
    "0",
    "-1",
    "65536",
    "9223372036854775807",
    "-9223372036854775808",
    "1.5",
    "1e308",
    "\"\"",
    "\"x\"",
    "\"\\u00e9\\u4e2d\"",
    "\"::\"",
    "\"a:b:c\"",
    "\"10.0.0.1/99\"",
    "\"99999999999999999999999\"",
    "\"-3\"",
    "[]",
    "[null]",
    "[1, \"a\", {}, []]",
    "[\"" EX_SRC "\", \"" EX_SRC "\"]",
    "{}",
    "{\"x\": {\"y\": [1]}}",
    "{\"correlation\": 5, \"weight\": \"x\", \"chain_id\": [], \"symmetric\": "
    "1, \"lb_fields\": {}, \"port_key\": \"remote_port\", \"host_ip\": 3}",
    "{\"correlation\": \"nsh\", \"weight\": 70000, \"chain_id\": -4, "
    "\"symmetric\": null, \"lb_fields\": [\"ip_src\", 1], \"port_key\": 1}",
    "{\"ip_address\": 7, \"physnet1\": [\"br\"]}",
    "[{\"ip_address\": \"10.0.0.1/8\", \"mac_address\": 3}, {}, 5]",
    "\"physnet1:br-ex,physnet1:br-ex,:\"",
};

/* Puts 'value' at a fresh key of kind 'k', remembering the key. */
static void put_doc(struct fs_model *m, struct sset *keys, size_t k,
                    const char *value, size_t len)
{
    char *key = xasprintf("/flowsteer/v1/%s/x%zu", kinds[k], sset_count(keys));
    fs_model_put(m, key, strlen(key), value, len, 1, 1);
    sset_add(keys, key);
    free(key);
}

/* Every put document is either accepted (findable by its key's id) or
 * named in the snapshot's errors. */
static void assert_all_accounted(struct fs_model *m, const struct sset *keys)
{
    struct fs_snapshot *s = fs_snapshot_build(m);
    struct sset rejected = SSET_INITIALIZER(&rejected);
    for (size_t i = 0; i < s->errors.n; i++) {
        assert_non_null(s->errors.items[i].path);
        assert_true(s->errors.items[i].message[0] != '\0');
        sset_add(&rejected, s->errors.items[i].key);
    }
    const char *key;
    size_t unaccounted = 0;
    SSET_FOR_EACH(key, keys)
    {
        const char *id = strrchr(key, '/') + 1;
        bool found = false;
        for (size_t k = 0; k < ARRAY_SIZE(kinds) && !found; k++) {
            found =
                !strncmp(key + strlen(FS_PREFIX), kinds[k], strlen(kinds[k])) &&
                fs_snapshot_find(s, k, id);
        }
        if (!found && !sset_contains(&rejected, key)) {
            print_error("neither accepted nor rejected: %s\n", key);
            unaccounted++;
        }
    }
    assert_int_equal(unaccounted, 0);
    sset_destroy(&rejected);
    fs_snapshot_destroy(s);
}

static void test_wrong_types_everywhere(void **state)
{
    struct fs_model *m = fs_model_create();
    fixture_load_example(m, "json");
    struct sset keys = SSET_INITIALIZER(&keys);
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
            for (size_t w = 0; w < ARRAY_SIZE(weird); w++) {
                char *bare = xasprintf("{\"%s\": %s}", fields[f], weird[w]);
                char *env = xasprintf("{\"%s\": %s}", envelopes[k], bare);
                put_doc(m, &keys, k, bare, strlen(bare));
                put_doc(m, &keys, k, env, strlen(env));
                free(bare);
                free(env);
            }
            /* The whole envelope (or document) of a wrong type. */
            char *env = xasprintf("{\"%s\": %s}", envelopes[k],
                                  weird[f % ARRAY_SIZE(weird)]);
            put_doc(m, &keys, k, env, strlen(env));
            put_doc(m, &keys, k, weird[f % ARRAY_SIZE(weird)],
                    strlen(weird[f % ARRAY_SIZE(weird)]));
            free(env);
        }
    }
    assert_all_accounted(m, &keys);
    sset_destroy(&keys);
    fs_model_destroy(m);
}

static void test_bad_bytes(void **state)
{
    static const char *const docs[] = {
        "{\"name\": \"\xff\xfe\"}",
        "{\"name\": \"\xc3\x28\"}",
        "name: \xc3\x28\n",
        "name: \"\xed\xa0\x80\"\n",
        "{\"name\": \"a\\u0000b\"}",
        "name: \"a\\0b\"\n",
        "\xef\xbb\xbf{\"name\": \"bom\"}",
        "{\"name\": 1e999}",
        "{\"protocol\": 123456789012345678901234567890}",
        "protocol: 123456789012345678901234567890\n",
        "\t\n",
        "%YAML 1.1\n---\nname: x\n",
        "!!binary aGVsbG8=",
        "[[[[[[[[[[",
        "}",
    };
    struct fs_model *m = fs_model_create();
    fixture_load_example(m, "yaml");
    struct sset keys = SSET_INITIALIZER(&keys);
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
            put_doc(m, &keys, k, docs[i], strlen(docs[i]));
        }
        /* A NUL byte inside the value. */
        put_doc(m, &keys, k, "{\"name\": \"a\0b\"}", 15);
        put_doc(m, &keys, k, "name: a\0b\n", 10);
    }
    /* Random bytes (a fixed LCG, so failures reproduce). */
    uint32_t x = 12345;
    char buf[96];
    for (int i = 0; i < 3000; i++) {
        size_t len = i % sizeof buf;
        for (size_t j = 0; j < len; j++) {
            x = x * 1103515245 + 12345;
            buf[j] = i % 2 ? (char)(x >> 16)
                           : "{}[]:,\"'- \n#&*!|>ab1."[(x >> 16) % 22];
        }
        put_doc(m, &keys, i % ARRAY_SIZE(kinds), buf, len);
    }
    assert_all_accounted(m, &keys);
    sset_destroy(&keys);
    fs_model_destroy(m);
}

/* Values are not NUL-terminated (fs_model_put() takes a length): each one
 * here sits in a heap block of exactly its size, so that under ASan (make
 * asan-unit) reading one byte past it fails.  Found by
 * tests/fuzz/fuzz_document.c: an empty or all-blank value made model/parse.c
 * run strspn() off its end. */
static void test_unterminated_values(void **state)
{
    static const char *const docs[] = {"",     " ", "\t\r\n ", "  {",
                                       "\n[1", "x", "{}"};
    struct fs_model *m = fs_model_create();
    struct sset keys = SSET_INITIALIZER(&keys);
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
            size_t len = strlen(docs[i]);
            char *value = xmalloc(len ? len : 1);
            memcpy(value, docs[i], len);
            put_doc(m, &keys, k, len ? value : value + 1, len);
            free(value);
        }
    }
    assert_all_accounted(m, &keys);
    sset_destroy(&keys);
    fs_model_destroy(m);
}

/* Every prefix of every example document, JSON and YAML. */
static void test_truncated_documents(void **state)
{
    static const char *const formats[] = {"json", "yaml"};
    static const char *const files[] = {
        "port_chains/PC1", "flow_classifiers/FC1",
        "port_pairs/PP1",  "port_pair_groups/PG1",
        "ports/src",       "networks/net1",
    };
    for (size_t f = 0; f < ARRAY_SIZE(formats); f++) {
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
            char *path = xasprintf("examples/sfc/%s/%s.%s", formats[f],
                                   files[i], formats[f]);
            size_t len = 0;
            char *text = fixture_read(path, &len);
            assert_non_null(text);
            struct fs_model *m = fs_model_create();
            fixture_load_example(m, formats[f]);
            struct sset keys = SSET_INITIALIZER(&keys);
            size_t k = 0;
            while (strncmp(files[i], kinds[k], strlen(kinds[k]))) {
                k++;
            }
            for (size_t n = 0; n < len; n++) {
                put_doc(m, &keys, k, text, n);
            }
            assert_all_accounted(m, &keys);
            sset_destroy(&keys);
            fs_model_destroy(m);
            free(text);
            free(path);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_scalars_and_errors),
        cmocka_unit_test(test_yaml_deep_nesting),
        cmocka_unit_test(test_wrong_types_everywhere),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_truncated_documents),
        cmocka_unit_test(test_unterminated_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* JSON values written as YAML through libyaml's emitter: see
 * ctl_yaml_write() in ctl/ctl.h. */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Whether plain scalar 's' would read back as something else than a string
 * (null, a boolean, a number): such strings are written double-quoted. */
static bool needs_quotes(const char *s)
{
    static const char *const words[] = {"null", "~",  "true", "false", "yes",
                                        "no",   "on", "off",  "y",     "n"};
    if (!*s) {
        return true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
        if (!strcasecmp(s, words[i])) {
            return true;
        }
    }
    char *end;
    strtod(s, &end);
    return !*end || strchr("0123456789+-.", s[0]);
}

static int scalar(yaml_emitter_t *e, const char *text, bool quoted)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(
        &ev, NULL, NULL, (yaml_char_t *)text, strlen(text), !quoted, quoted,
        quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
    return yaml_emitter_emit(e, &ev);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int node(yaml_emitter_t *e, const json_t *v);

static int mapping(yaml_emitter_t *e, const json_t *v)
{
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                        YAML_BLOCK_MAPPING_STYLE);
    int ok = yaml_emitter_emit(e, &ev);
    size_t n = json_object_size(v), i = 0;
    const char **keys = xmalloc((n + 1) * sizeof *keys);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)v, key, value)
    {
        keys[i++] = key;
    }
    qsort(keys, n, sizeof *keys, compare_strings);
    for (i = 0; ok && i < n; i++) {
        ok = scalar(e, keys[i], needs_quotes(keys[i])) &&
             node(e, json_object_get(v, keys[i]));
    }
    free(keys);
    yaml_mapping_end_event_initialize(&ev);
    return ok && yaml_emitter_emit(e, &ev);
}

static int sequence(yaml_emitter_t *e, const json_t *v)
{
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                         YAML_BLOCK_SEQUENCE_STYLE);
    int ok = yaml_emitter_emit(e, &ev);
    for (size_t i = 0; ok && i < json_array_size(v); i++) {
        ok = node(e, json_array_get(v, i));
    }
    yaml_sequence_end_event_initialize(&ev);
    return ok && yaml_emitter_emit(e, &ev);
}

static int node(yaml_emitter_t *e, const json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return mapping(e, v);
    case JSON_ARRAY:
        return sequence(e, v);
    case JSON_STRING:
        return scalar(e, json_string_value(v),
                      needs_quotes(json_string_value(v)));
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        return scalar(e, buf, false);
    case JSON_REAL:
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        return scalar(e, buf, false);
    case JSON_TRUE:
        return scalar(e, "true", false);
    case JSON_FALSE:
        return scalar(e, "false", false);
    case JSON_NULL:
    default:
        return scalar(e, "null", false);
    }
}

static int write_yaml(void *ds_, unsigned char *buffer, size_t size)
{
    ds_put_buffer(ds_, (const char *)buffer, size);
    return 1;
}

char *ctl_yaml_text(const json_t *v, bool explicit_start)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    yaml_emitter_t e;
    yaml_emitter_initialize(&e);
    yaml_emitter_set_output(&e, write_yaml, &out);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1);
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    int ok = yaml_emitter_emit(&e, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL,
                                         !explicit_start);
    ok = ok && yaml_emitter_emit(&e, &ev) && node(&e, v);
    yaml_document_end_event_initialize(&ev, 1);
    ok = ok && yaml_emitter_emit(&e, &ev);
    yaml_stream_end_event_initialize(&ev);
    ok = ok && yaml_emitter_emit(&e, &ev);
    yaml_emitter_delete(&e);
    if (!ok) {
        ds_destroy(&out);
        return NULL;
    }
    return ds_steal_cstr(&out);
}

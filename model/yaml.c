/* YAML to JSON with libyaml's event parser: see model/yaml.h. */
#include "model/yaml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "model/text.h"
#include "util.h"

/* Nesting deeper than this is rejected rather than recursed into. */
#define MAX_DEPTH 64

static json_t *parse_node(yaml_parser_t *, yaml_event_t *, int depth,
                          char **error);

static json_t *plain_scalar(const char *s)
{
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
        !strcmp(s, "NULL")) {
        return json_null();
    }
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
        return json_true();
    }
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
        return json_false();
    }
    char *end;
    errno = 0;
    long long ll = strtoll(s, &end, 10);
    if (!*end && !errno) {
        return json_integer(ll);
    }
    errno = 0;
    double d = strtod(s, &end);
    if (!*end && !errno && strspn(s, "+-.0123456789eE") == strlen(s)) {
        return json_real(d);
    }
    return json_string(s);
}

/* A plain scalar without a tag is resolved to null, boolean or number; a
 * quoted or explicitly tagged one (!!str 5) stays a string. */
static json_t *scalar(const yaml_event_t *ev, char **error)
{
    const char *value = (const char *)ev->data.scalar.value;
    bool resolve = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                   ev->data.scalar.plain_implicit;
    json_t *j = resolve ? plain_scalar(value)
                        : json_stringn(value, ev->data.scalar.length);
    if (!j) {
        *error = xasprintf("line %zu: scalar is not valid UTF-8",
                           ev->start_mark.line + 1);
    }
    return j;
}

static bool next(yaml_parser_t *p, yaml_event_t *ev, char **error)
{
    if (!yaml_parser_parse(p, ev)) {
        *error = xasprintf("line %zu: %s", p->problem_mark.line + 1,
                           p->problem ? p->problem : "YAML syntax error");
        return false;
    }
    return true;
}

static json_t *parse_sequence(yaml_parser_t *p, int depth, char **error)
{
    json_t *array = json_array();
    for (;;) {
        yaml_event_t ev;
        if (!next(p, &ev, error)) {
            break;
        }
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return array;
        }
        json_t *item = parse_node(p, &ev, depth + 1, error);
        yaml_event_delete(&ev);
        if (!item) {
            break;
        }
        json_array_append_new(array, item);
    }
    json_decref(array);
    return NULL;
}

static json_t *parse_mapping(yaml_parser_t *p, int depth, char **error)
{
    json_t *object = json_object();
    for (;;) {
        yaml_event_t ev;
        if (!next(p, &ev, error)) {
            break;
        }
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return object;
        }
        if (ev.type != YAML_SCALAR_EVENT) {
            *error = xasprintf("line %zu: mapping keys must be scalars",
                               ev.start_mark.line + 1);
            yaml_event_delete(&ev);
            break;
        }
        char *key = xstrdup((const char *)ev.data.scalar.value);
        size_t line = ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        if (json_object_get(object, key)) {
            *error =
                xasprintf("line %zu: duplicate key %s", line, fs_quote(key).s);
            free(key);
            break;
        }
        json_t *value = NULL;
        if (next(p, &ev, error)) {
            value = parse_node(p, &ev, depth + 1, error);
            yaml_event_delete(&ev);
        }
        if (!value) {
            free(key);
            break;
        }
        json_object_set_new(object, key, value);
        free(key);
    }
    json_decref(object);
    return NULL;
}

static json_t *parse_node(yaml_parser_t *p, yaml_event_t *ev, int depth,
                          char **error)
{
    if (depth > MAX_DEPTH) {
        *error = xasprintf("nested deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return scalar(ev, error);
    case YAML_SEQUENCE_START_EVENT:
        return parse_sequence(p, depth, error);
    case YAML_MAPPING_START_EVENT:
        return parse_mapping(p, depth, error);
    case YAML_ALIAS_EVENT:
        *error = xasprintf("line %zu: YAML aliases are not supported",
                           ev->start_mark.line + 1);
        return NULL;
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
    default:
        *error = xasprintf("line %zu: unexpected YAML event",
                           ev->start_mark.line + 1);
        return NULL;
    }
}

/* Skips stream and document start events; returns the first node event. */
static bool first_node(yaml_parser_t *p, yaml_event_t *ev, char **error)
{
    for (;;) {
        if (!next(p, ev, error)) {
            return false;
        }
        if (ev->type != YAML_STREAM_START_EVENT &&
            ev->type != YAML_DOCUMENT_START_EVENT) {
            return true;
        }
        yaml_event_delete(ev);
    }
}

/* After the root node: true if the stream ends without a second
 * document (an etcd value holds one resource). */
static bool single_document(yaml_parser_t *p, char **error)
{
    for (;;) {
        yaml_event_t ev;
        if (!next(p, &ev, error)) {
            return false;
        }
        yaml_event_type_t type = ev.type;
        size_t line = ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT) {
            return true;
        } else if (type != YAML_DOCUMENT_END_EVENT) {
            *error =
                xasprintf("line %zu: a value holds one YAML document", line);
            return false;
        }
    }
}

json_t *fs_yaml_parse(const char *text, size_t len, char **error)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    *error = NULL;

    json_t *root = NULL;
    yaml_event_t ev;
    if (first_node(&parser, &ev, error)) {
        if (ev.type == YAML_STREAM_END_EVENT) {
            *error = xstrdup("empty document");
        } else {
            root = parse_node(&parser, &ev, 0, error);
        }
        yaml_event_delete(&ev);
    }
    if (root && !single_document(&parser, error)) {
        json_decref(root);
        root = NULL;
    }
    yaml_parser_delete(&parser);
    return root;
}

/* Line numbers of the documents of a text, from libyaml's event marks: see
 * ctl_doc_lines() in ctl/ctl.h.  Values are parsed elsewhere
 * (jansson for JSON, model/yaml.c for YAML); this walk only says where
 * each document and each item of a list starts.  JSON is YAML to libyaml
 * (flow style), so JSON files get their lines the same way. */
#include "ctl/ctl.h"

#include <yaml.h>

#include "util.h"

/* The walk's state: nesting depth, the root's type, and whether the
 * sequence being walked at depth 2 is the root mapping's first value (a
 * list envelope). */
struct walk {
    struct ctl_doc_lines *doc;
    size_t allocated_items;
    int depth;
    yaml_event_type_t root;
    int n_depth1; /* Nodes seen directly under the root. */
    bool in_envelope;
};

static void add_item(struct walk *w, int line)
{
    struct ctl_doc_lines *d = w->doc;
    if (d->n_items >= w->allocated_items) {
        d->items = x2nrealloc(d->items, &w->allocated_items, sizeof *d->items);
    }
    d->items[d->n_items++] = line;
}

/* A node starts (mapping, sequence, scalar or alias) at 'line'. */
static void node(struct walk *w, yaml_event_type_t type, int line)
{
    if (w->depth == 0) {
        w->doc->line = line;
        w->root = type;
    } else if (w->depth == 1) {
        w->n_depth1++;
        if (w->root == YAML_SEQUENCE_START_EVENT) {
            add_item(w, line);
        } else if (w->n_depth1 == 2 && type == YAML_SEQUENCE_START_EVENT) {
            w->in_envelope = true;
        }
    } else if (w->depth == 2 && w->in_envelope) {
        add_item(w, line);
    }
    if (type == YAML_MAPPING_START_EVENT || type == YAML_SEQUENCE_START_EVENT) {
        w->depth++;
    }
}

static void event(struct walk *w, const yaml_event_t *e)
{
    int line = e->start_mark.line + 1;
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        w->doc->start = e->start_mark.index;
        w->doc->line = line;
        break;
    case YAML_DOCUMENT_END_EVENT:
        w->doc->end = e->end_mark.index;
        break;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
    case YAML_SCALAR_EVENT:
    case YAML_ALIAS_EVENT:
        node(w, e->type, line);
        break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        w->depth--;
        if (w->depth == 1) {
            w->in_envelope = false;
        }
        break;
    default:
        break;
    }
}

char *ctl_doc_lines(const char *text, size_t len, struct ctl_doc_lines **docs,
                    size_t *n, int *line)
{
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    size_t allocated = 0;
    *docs = NULL;
    *n = 0;
    struct walk w = {0};
    char *error = NULL;
    for (bool done = false; !done;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            *line = p.problem_mark.line + 1;
            error = xasprintf("invalid YAML: %s%s%s",
                              p.problem ? p.problem : "syntax error",
                              p.context ? " " : "", p.context ? p.context : "");
            break;
        }
        if (e.type == YAML_DOCUMENT_START_EVENT) {
            if (*n >= allocated) {
                *docs = x2nrealloc(*docs, &allocated, sizeof **docs);
            }
            w = (struct walk){.doc = &(*docs)[(*n)++]};
            *w.doc = (struct ctl_doc_lines){0};
        }
        if (w.doc) {
            event(&w, &e);
        }
        done = e.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    if (error && *n && !(*docs)[*n - 1].end) {
        /* The document the error is in is not complete. */
        free((*docs)[*n - 1].items);
        (*n)--;
    }
    return error;
}

void ctl_doc_lines_free(struct ctl_doc_lines *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(docs[i].items);
    }
    free(docs);
}

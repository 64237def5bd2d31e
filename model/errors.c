/* The status error list: see model/errors.h. */
#include "model/errors.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void fs_errors_add(struct fs_errors *errs, const char *key, const char *path,
                   const char *fmt, ...)
{
    if (errs->n >= errs->allocated) {
        errs->items =
            x2nrealloc(errs->items, &errs->allocated, sizeof *errs->items);
    }
    struct fs_error *e = &errs->items[errs->n++];
    e->key = xstrdup(key ? key : "");
    e->path = xstrdup(path ? path : "$");

    va_list args;
    va_start(args, fmt);
    e->message = xvasprintf(fmt, args);
    va_end(args);
}

void fs_errors_extend(struct fs_errors *dst, const struct fs_errors *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const struct fs_error *e = &src->items[i];
        fs_errors_add(dst, e->key, e->path, "%s", e->message);
    }
}

static int compare_errors(const void *a_, const void *b_)
{
    const struct fs_error *a = a_, *b = b_;
    int c = strcmp(a->key, b->key);
    c = c ? c : strcmp(a->path, b->path);
    return c ? c : strcmp(a->message, b->message);
}

void fs_errors_sort(struct fs_errors *errs)
{
    if (errs->n > 1) {
        qsort(errs->items, errs->n, sizeof *errs->items, compare_errors);
    }
}

bool fs_errors_equal(const struct fs_errors *a, const struct fs_errors *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (compare_errors(&a->items[i], &b->items[i])) {
            return false;
        }
    }
    return true;
}

void fs_errors_clear(struct fs_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++) {
        free(errs->items[i].key);
        free(errs->items[i].path);
        free(errs->items[i].message);
    }
    errs->n = 0;
}

void fs_errors_destroy(struct fs_errors *errs)
{
    fs_errors_clear(errs);
    free(errs->items);
    errs->items = NULL;
    errs->allocated = 0;
}

bool fs_errors_has_key(const struct fs_errors *errs, const char *key)
{
    for (size_t i = 0; i < errs->n; i++) {
        if (!strcmp(errs->items[i].key, key)) {
            return true;
        }
    }
    return false;
}

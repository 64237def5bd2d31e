/* Problems as validate prints them: see struct ctl_msg in
 * ctl/ctl.h. */
#include "ctl/ctl.h"

#include <stdarg.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

void ctl_msgs_add(struct ctl_msgs *msgs, const char *file, int line,
                  const char *what, const char *path, const char *fmt, ...)
{
    if (msgs->n >= msgs->allocated) {
        msgs->items =
            x2nrealloc(msgs->items, &msgs->allocated, sizeof *msgs->items);
    }
    va_list args;
    va_start(args, fmt);
    msgs->items[msgs->n++] = (struct ctl_msg){
        .file = xstrdup(file),
        .line = line,
        .what = xstrdup(what ? what : "-"),
        .path = xstrdup(path ? path : "$"),
        .reason = xvasprintf(fmt, args),
    };
    va_end(args);
}

void ctl_msgs_print(const struct ctl_msgs *msgs, FILE *stream)
{
    for (size_t i = 0; i < msgs->n; i++) {
        const struct ctl_msg *m = &msgs->items[i];
        if (m->line > 0) {
            fprintf(stream, "%s:%d: %s: %s: %s\n", m->file, m->line, m->what,
                    m->path, m->reason);
        } else {
            fprintf(stream, "%s: %s\n", m->file, m->reason);
        }
    }
}

void ctl_msgs_destroy(struct ctl_msgs *msgs)
{
    for (size_t i = 0; i < msgs->n; i++) {
        struct ctl_msg *m = &msgs->items[i];
        free(m->file);
        free(m->what);
        free(m->path);
        free(m->reason);
    }
    free(msgs->items);
    *msgs = (struct ctl_msgs){0};
}

static int compare_msgs(const void *a_, const void *b_)
{
    const struct ctl_msg *a = a_, *b = b_;
    int c = strcmp(a->file, b->file);
    return c ? c : a->line != b->line ? (a->line < b->line ? -1 : 1) : 0;
}

void ctl_msgs_sort(struct ctl_msgs *msgs)
{
    /* qsort is not stable: keep the original order within a line. */
    for (size_t i = 1; i < msgs->n; i++) {
        struct ctl_msg m = msgs->items[i];
        size_t j = i;
        while (j > 0 && compare_msgs(&msgs->items[j - 1], &m) > 0) {
            msgs->items[j] = msgs->items[j - 1];
            j--;
        }
        msgs->items[j] = m;
    }
}

/* flowsteerd's log lines on stderr: see reconciler/proc/log.h. */
#include "reconciler/proc/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "socket-util.h"
#include "util.h"

bool fs_log_is_journal(const char *journal_stream, int fd)
{
    uintmax_t dev, ino;
    int end = 0;
    struct stat st;
    return journal_stream &&
           sscanf(journal_stream, "%ju:%ju%n", &dev, &ino, &end) == 2 &&
           !journal_stream[end] && !fstat(fd, &st) && st.st_dev == dev &&
           st.st_ino == ino;
}

const char *fs_log_console_pattern(enum fs_log_format format)
{
    return format == FS_LOG_JOURNAL ? "%c|%p|%m" : "%D{%H:%M:%S.###}|%c|%p|%m";
}

const char *fs_log_priority_prefix(enum vlog_level level)
{
    switch (level) {
    case VLL_EMER:
        return SD_ALERT;
    case VLL_ERR:
        return SD_ERR;
    case VLL_WARN:
        return SD_WARNING;
    case VLL_INFO:
        return SD_INFO;
    case VLL_DBG:
        return SD_DEBUG;
    default:
        return NULL;
    }
}

/* The prefix of the level in the second '|' field of 'line' ('len'
 * bytes), or NULL. */
static const char *level_prefix(const char *line, size_t len)
{
    const char *bar = memchr(line, '|', len);
    const char *level = bar ? bar + 1 : NULL;
    const char *bar2 = level ? memchr(level, '|', len - (level - line)) : NULL;
    char name[8];
    if (!bar2 || (size_t)(bar2 - level) >= sizeof name) {
        return NULL;
    }
    memcpy(name, level, bar2 - level);
    name[bar2 - level] = '\0';
    return fs_log_priority_prefix(vlog_get_level_val(name));
}

void fs_log_format_line(enum fs_log_format format, const char *line, size_t len,
                        const char **prev, struct ds *out)
{
    if (format == FS_LOG_JOURNAL) {
        const char *prefix = level_prefix(line, len);
        *prev = prefix ? prefix : *prev ? *prev : SD_ERR;
        ds_put_cstr(out, *prev);
    }
    ds_put_buffer(out, line, len);
}

/* The stream that replaces stderr when it is the journal (its cookie). */
struct journal_stream {
    struct ds partial; /* Bytes after the last newline written. */
    const char *prev;  /* The last line's prefix. */
};

/* fopencookie's write: every complete line of 'partial' + 'buf',
 * formatted, to fd 2; the rest stays in 'partial'. */
static ssize_t journal_write(void *cookie, const char *buf, size_t size)
{
    struct journal_stream *j = cookie;
    ds_put_buffer(&j->partial, buf, size);
    struct ds out = DS_EMPTY_INITIALIZER;
    const char *p = j->partial.string, *end = p + j->partial.length;
    for (const char *nl; (nl = memchr(p, '\n', end - p)); p = nl + 1) {
        fs_log_format_line(FS_LOG_JOURNAL, p, nl + 1 - p, &j->prev, &out);
    }
    size_t written;
    write_fully(STDERR_FILENO, out.string, out.length, &written);
    ds_destroy(&out);
    size_t rest = end - p;
    memmove(j->partial.string, p, rest);
    ds_truncate(&j->partial, rest);
    return size;
}

/* The cookie of the stream that replaced stderr, if any.  Also what keeps
 * it reachable for LeakSanitizer, which does not scan the FILE (glibc
 * allocates it with its own malloc). */
static struct journal_stream *journal;

/* fopencookie's close: what is left without a newline is dropped. */
static int journal_close(void *cookie)
{
    struct journal_stream *j = cookie;
    if (j == journal) {
        journal = NULL;
    }
    ds_destroy(&j->partial);
    free(j);
    return 0;
}

enum fs_log_format fs_log_setup_stderr(void)
{
    enum fs_log_format format =
        fs_log_is_journal(getenv("JOURNAL_STREAM"), STDERR_FILENO)
            ? FS_LOG_JOURNAL
            : FS_LOG_PLAIN;
    if (format == FS_LOG_JOURNAL) {
        struct journal_stream *j = xzalloc(sizeof *j);
        ds_init(&j->partial);
        FILE *f = fopencookie(j, "w",
                              (cookie_io_functions_t){.write = journal_write,
                                                      .close = journal_close});
        if (f) {
            setvbuf(f, NULL, _IOLBF, 0);
            stderr = f;
            journal = j;
        } else {
            free(j);
        }
    }
    vlog_set_pattern(VLF_CONSOLE, fs_log_console_pattern(format));
    return format;
}

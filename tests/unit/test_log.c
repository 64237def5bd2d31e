/* Unit tests for flowsteerd's log lines on stderr (reconciler/proc/log.c): the
 * sd-daemon priority of each vlog level, one line formatted plain and for
 * journald (continuation lines, text without a level), the console
 * patterns (no timestamp for the journal), JOURNAL_STREAM matched against
 * stderr's device and inode, and vlog's own lines through the stream that
 * replaces stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "openvswitch/vlog.h"
#include "reconciler/proc/log.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(test_log);

static void test_priorities(void **state)
{
    assert_string_equal(fs_log_priority_prefix(VLL_EMER), "<1>");
    assert_string_equal(fs_log_priority_prefix(VLL_ERR), "<3>");
    assert_string_equal(fs_log_priority_prefix(VLL_WARN), "<4>");
    assert_string_equal(fs_log_priority_prefix(VLL_INFO), "<6>");
    assert_string_equal(fs_log_priority_prefix(VLL_DBG), "<7>");
    assert_null(fs_log_priority_prefix(VLL_N_LEVELS));
}

/* 'lines' formatted one after the other, as one text. */
static char *format(enum fs_log_format format, const char *const *lines,
                    size_t n)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    const char *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        fs_log_format_line(format, lines[i], strlen(lines[i]), &prev, &out);
    }
    return ds_steal_cstr(&out);
}

static void test_format_line(void **state)
{
    static const char *const lines[] = {
        "flowsteerd: unknown option\n", /* Before any log line. */
        "daemon|INFO|started\n",
        "ovs_thread|WARN|OVSDB down\n",
        "daemon|ERR|bad\n",
        "installed|DBG|flow dump:\n",
        "  table=0,priority=0\n", /* The same message's second line. */
        "etcd|EMER|fatal\n",
        "a|NOTALEVEL|x", /* No level: the previous line's priority. */
    };
    char *journal = format(FS_LOG_JOURNAL, lines, ARRAY_SIZE(lines));
    assert_string_equal(journal, "<3>flowsteerd: unknown option\n"
                                 "<6>daemon|INFO|started\n"
                                 "<4>ovs_thread|WARN|OVSDB down\n"
                                 "<3>daemon|ERR|bad\n"
                                 "<7>installed|DBG|flow dump:\n"
                                 "<7>  table=0,priority=0\n"
                                 "<1>etcd|EMER|fatal\n"
                                 "<1>a|NOTALEVEL|x");
    free(journal);
    char *plain = format(FS_LOG_PLAIN, lines + 1, 2);
    assert_string_equal(plain,
                        "daemon|INFO|started\novs_thread|WARN|OVSDB down\n");
    free(plain);
}

static void test_patterns(void **state)
{
    const char *j = fs_log_console_pattern(FS_LOG_JOURNAL);
    const char *p = fs_log_console_pattern(FS_LOG_PLAIN);
    assert_string_equal(j, "%c|%p|%m");
    assert_null(strstr(j, "%d"));
    assert_null(strstr(j, "%D"));
    assert_string_equal(p, "%D{%H:%M:%S.###}|%c|%p|%m");
}

/* "DEVICE:INODE" of 'fd' (caller frees). */
static char *stream_of(int fd)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    return xasprintf("%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
}

static void test_is_journal(void **state)
{
    FILE *a = tmpfile(), *b = tmpfile();
    char *sa = stream_of(fileno(a));
    assert_true(fs_log_is_journal(sa, fileno(a)));
    assert_false(fs_log_is_journal(sa, fileno(b))); /* Another file. */
    assert_false(fs_log_is_journal(NULL, fileno(a)));
    assert_false(fs_log_is_journal("", fileno(a)));
    assert_false(fs_log_is_journal("garbage", fileno(a)));
    char *trailing = xasprintf("%sx", sa);
    assert_false(fs_log_is_journal(trailing, fileno(a)));
    assert_false(fs_log_is_journal(sa, -1));
    free(trailing);
    free(sa);
    fclose(a);
    fclose(b);
}

/* vlog's lines through fs_log_setup_stderr() with fd 2 a file whose
 * device and inode JOURNAL_STREAM names: a prefix, no timestamp, each line
 * of a message of two lines with its priority; then stderr as it was. */
static void test_setup_stderr(void **state)
{
    FILE *f = tmpfile();
    int saved = dup(STDERR_FILENO);
    fflush(stderr);
    assert_int_equal(dup2(fileno(f), STDERR_FILENO), STDERR_FILENO);
    char *js = stream_of(STDERR_FILENO);
    setenv("JOURNAL_STREAM", js, 1);
    FILE *plain = stderr;
    enum fs_log_format format = fs_log_setup_stderr();
    vlog_set_levels(&this_module, VLF_CONSOLE, VLL_DBG);
    VLOG_WARN("one %d", 1);
    VLOG_DBG("two\nlines");
    fputs("partial ", stderr); /* Written with its newline. */
    fputs("line\n", stderr);
    fclose(stderr);
    stderr = plain;
    dup2(saved, STDERR_FILENO);
    close(saved);
    unsetenv("JOURNAL_STREAM");
    char buf[512] = "";
    size_t n = pread(fileno(f), buf, sizeof buf - 1, 0);
    buf[n] = '\0';
    assert_int_equal(format, FS_LOG_JOURNAL);
    assert_string_equal(buf, "<4>test_log|WARN|one 1\n"
                             "<7>test_log|DBG|two\n"
                             "<7>lines\n"
                             "<7>partial line\n");
    free(js);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priorities),   cmocka_unit_test(test_format_line),
        cmocka_unit_test(test_patterns),     cmocka_unit_test(test_is_journal),
        cmocka_unit_test(test_setup_stderr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* reconciler/proc/log.h: flowsteerd's log lines on stderr, for a terminal or a
 * file, or for the systemd journal.
 *
 * flowsteerd logs through libopenvswitch's vlog.  On stderr, vlog writes
 * each line with the console pattern below.  When stderr is the journal
 * (systemd's JOURNAL_STREAM convention: the variable holds
 * "DEVICE:INODE" of the stream it connected to stderr), the pattern has
 * no timestamp (journald stamps each line) and each line gets the
 * sd-daemon(3) priority prefix of its level ("<3>" ...), which journald
 * takes off the line and records as its priority: `journalctl -p
 * warning` then works.  vlog has no such pattern escape (its %B is the
 * RFC 5424 PRI with a facility, which journald's stream parser refuses,
 * and maps INFO to NOTICE), so the prefix is added by a stdio stream
 * (fopencookie(3)) that replaces stderr: see fs_log_setup_stderr(). */
#ifndef FS_LOG_H
#define FS_LOG_H 1

#include <stdbool.h>
#include <stddef.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"

/* What stderr is connected to. */
enum fs_log_format {
    FS_LOG_PLAIN,   /* "HH:MM:SS.mmm|module|LEVEL|message" */
    FS_LOG_JOURNAL, /* "<N>module|LEVEL|message" */
};

/* Returns true if 'journal_stream' (JOURNAL_STREAM's value, NULL if
 * unset) names the file open on 'fd' ("DEVICE:INODE", decimal, as
 * fstat(2) gives them), i.e. 'fd' is the stream systemd connected to the
 * journal.  A value that does not parse, or another file (stderr
 * redirected by a child of the service), gives false. */
bool fs_log_is_journal(const char *journal_stream, int fd);

/* Returns the vlog console pattern for 'format' (static). */
const char *fs_log_console_pattern(enum fs_log_format format);

/* Returns the sd-daemon(3) priority prefix of vlog level 'level'
 * (static): SD_ERR "<3>" for ERR, SD_WARNING "<4>" for WARN, SD_INFO "<6>"
 * for INFO, SD_DEBUG "<7>" for DBG, SD_ALERT "<1>" for EMER (as vlog's own
 * syslog mapping); NULL for another value. */
const char *fs_log_priority_prefix(enum vlog_level level);

/* Appends to 'out' the 'len' bytes of 'line' (one line as vlog wrote it
 * with fs_log_console_pattern('format'), its newline included or not) as
 * it goes to stderr.  FS_LOG_PLAIN: unchanged.  FS_LOG_JOURNAL: after
 * the priority prefix of its level ("module|LEVEL|..."); a line with no
 * level (the second line of a message of several lines, or text that
 * does not come from vlog) takes the prefix in '*prev', NULL meaning none
 * yet: SD_ERR (before logging starts, flowsteerd writes on stderr only
 * its fatal errors).  '*prev' becomes the prefix used. */
void fs_log_format_line(enum fs_log_format format, const char *line, size_t len,
                        const char **prev, struct ds *out);

/* Sets up logging on stderr: if fs_log_is_journal(JOURNAL_STREAM, 2),
 * replaces the stdio stream 'stderr' with a line-buffered stream that
 * writes each line to file descriptor 2 through fs_log_format_line(...,
 * FS_LOG_JOURNAL, ...) (a line is written once its newline is), and sets
 * vlog's console pattern for the format.  Call once, first thing in
 * main(), before any thread starts.  Returns the format chosen. */
enum fs_log_format fs_log_setup_stderr(void);

#endif /* reconciler/proc/log.h */

/* model/text.h: user bytes in messages and in the status document.
 *
 * Keys and values come from etcd as bytes: they may hold NUL, control
 * characters or invalid UTF-8, and they may be megabytes long.  Every user
 * value an error or note message quotes goes through fs_quote(), and every
 * key that is not clean (fs_text_is_clean()) is shown escaped
 * (fs_key_display()), so a message stays short and the status document
 * stays valid JSON (jansson refuses strings that are not UTF-8). */
#ifndef FS_TEXT_H
#define FS_TEXT_H 1

#include <stdbool.h>
#include <stddef.h>

struct ds;

/* Longest user value, in bytes, that a message quotes whole. */
#define FS_QUOTE_MAX 64

/* Longest key, in bytes, that the status shows whole. */
#define FS_KEY_DISPLAY_MAX 256

/* Room for a quoted value: FS_QUOTE_MAX bytes each escaped to at most 6
 * ("\u0000"), two quotes, the marker and " (N bytes)". */
#define FS_QUOTED_SIZE (FS_QUOTE_MAX * 6 + 48)

/* A quoted value, returned by value: use 'fs_quote(x).s' as a printf
 * argument.  The array lives until the end of the full expression (C11
 * 6.2.4p8, temporary lifetime), so no one frees anything and a message
 * may quote any number of values. */
struct fs_quoted {
    char s[FS_QUOTED_SIZE];
};

/* Returns the length in bytes of the UTF-8 character at 's' ('len' > 0
 * bytes left), or 0 if the bytes there do not start a valid one (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
size_t fs_utf8_char_len(const char *s, size_t len);

/* Returns true if the 'len' bytes at 's' are valid UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) and hold no
 * control character (C0 U+0000..U+001F, DEL U+007F, C1 U+0080..U+009F). */
bool fs_text_is_clean(const char *s, size_t len);

/* Appends the 'len' bytes at 's' to 'ds', escaped so the result is
 * printable UTF-8: a control character becomes "\u00XX", a byte that is
 * not part of valid UTF-8 "\xXX", a backslash "\\" and, if 'quotes', a
 * double quote "\"".  Only the first 'max' bytes are escaped (cut at a
 * character boundary), followed by "…" if there is more.  Returns true if
 * the text was cut. */
bool fs_text_escape(struct ds *ds, const char *s, size_t len, size_t max,
                    bool quotes);

/* Returns 's' (NUL-terminated; NULL gives null) in double quotes, escaped
 * as fs_text_escape() does; a value longer than FS_QUOTE_MAX bytes is cut
 * with a marker and its length: "aaaa…" (1048576 bytes). */
struct fs_quoted fs_quote(const char *s);

/* As fs_quote(), for 'len' bytes that may hold NUL. */
struct fs_quoted fs_quoten(const char *s, size_t len);

/* Returns the etcd key of 'len' bytes at 'key' as the status shows it
 * (caller frees): the key itself if it is clean and at most
 * FS_KEY_DISPLAY_MAX bytes, else escaped with fs_text_escape() (no quotes)
 * and, if longer, cut with "… (N bytes)". */
char *fs_key_display(const char *key, size_t len);

#endif /* model/text.h */

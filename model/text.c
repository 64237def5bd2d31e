/* User bytes in messages and in the status document: see model/text.h. */
#include "model/text.h"

#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Decodes the UTF-8 character at 's' ('len' > 0 bytes left) into '*cp'.
 * Returns its length in bytes, or 0 if 's' does not start a valid one
 * (RFC 3629). */
static size_t utf8_char(const unsigned char *s, size_t len, unsigned int *cp)
{
    unsigned int c = s[0], min;
    size_t n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2, min = 0x80, *cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, min = 0x800, *cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, min = 0x10000, *cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    bool surrogate = *cp >= 0xd800 && *cp <= 0xdfff;
    return *cp < min || *cp > 0x10ffff || surrogate ? 0 : n;
}

size_t fs_utf8_char_len(const char *s, size_t len)
{
    unsigned int cp;
    return utf8_char((const unsigned char *)s, len, &cp);
}

static bool is_control(unsigned int cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool fs_text_is_clean(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned int cp;
        size_t n = utf8_char(p + i, len - i, &cp);
        if (!n || is_control(cp)) {
            return false;
        }
        i += n;
    }
    return true;
}

bool fs_text_escape(struct ds *ds, const char *s, size_t len, size_t max,
                    bool quotes)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned int cp;
        size_t n = utf8_char(p + i, len - i, &cp);
        if (i + (n ? n : 1) > max) {
            break;
        } else if (!n) {
            ds_put_format(ds, "\\x%02x", p[i]);
        } else if (is_control(cp)) {
            ds_put_format(ds, "\\u%04x", cp);
        } else if (cp == '\\' || (quotes && cp == '"')) {
            ds_put_char(ds, '\\');
            ds_put_char(ds, cp);
        } else {
            ds_put_buffer(ds, s + i, n);
        }
        i += n ? n : 1;
    }
    if (i < len) {
        ds_put_cstr(ds, "…");
        return true;
    }
    return false;
}

struct fs_quoted fs_quoten(const char *s, size_t len)
{
    struct fs_quoted q;
    struct ds ds = DS_EMPTY_INITIALIZER;
    ds_put_char(&ds, '"');
    bool cut = fs_text_escape(&ds, s, len, FS_QUOTE_MAX, true);
    ds_put_char(&ds, '"');
    if (cut) {
        ds_put_format(&ds, " (%zu bytes)", len);
    }
    ovs_strlcpy(q.s, ds_cstr(&ds), sizeof q.s);
    ds_destroy(&ds);
    return q;
}

struct fs_quoted fs_quote(const char *s)
{
    if (!s) {
        struct fs_quoted q = {"null"};
        return q;
    }
    return fs_quoten(s, strlen(s));
}

char *fs_key_display(const char *key, size_t len)
{
    if (len <= FS_KEY_DISPLAY_MAX && fs_text_is_clean(key, len)) {
        return xmemdup0(key, len);
    }
    struct ds ds = DS_EMPTY_INITIALIZER;
    if (fs_text_escape(&ds, key, len, FS_KEY_DISPLAY_MAX, false)) {
        ds_put_format(&ds, " (%zu bytes)", len);
    }
    return ds_steal_cstr(&ds);
}

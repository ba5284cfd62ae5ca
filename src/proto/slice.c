/* slice.c -- comparing a borrowed byte slice with a C string.
 *
 * Parsers hand out slices into the caller's buffer (never NUL-terminated),
 * so the usual strcmp family cannot be used on them.  HTTP method names and
 * paths compare exactly; header names and tokens compare ASCII
 * case-insensitively (RFC 9110 §5.1), without the locale that
 * strcasecmp would consult.
 */
#include "proto.h"

#include <string.h>

/* ASCII only: bytes >= 0x80 are left alone, whatever the locale says. */
static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool slice_eq(struct slice a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

/* Header lookups compare every header name against the wanted one, and
 * most differ within their first letters, so both are walked together and
 * the first difference answers: no strlen(s) over the whole wanted name.
 * Reaching s's NUL while slice bytes remain means the slice is longer;
 * at the slice's end, s must end too.  Names are usually written in the
 * same case on both sides, so equal bytes skip the case folding. */
bool slice_eq_ci(struct slice a, const char *s)
{
    size_t i;
    for (i = 0; i < a.len; i++)
        if (s[i] == '\0' || (a.ptr[i] != s[i] && ascii_lower(a.ptr[i]) != ascii_lower(s[i])))
            return false;
    return s[i] == '\0';
}

/* http_query.c -- reading one parameter of a query string, as HTML forms
 * and URLSearchParams write them (RFC 3986 §2.1 percent-encoding, and
 * application/x-www-form-urlencoded, where '+' stands for a space).
 *
 *   query = pair *( "&" pair )      pair = name [ "=" value ]
 *
 * Names are compared after decoding too, so "call%62ack" is "callback".
 * The first pair with the name wins; a pair with no '=' has an empty
 * value.  A '%' not followed by two hex digits is malformed: it is
 * reported (HTTP_QUERY_BAD) rather than passed through, so a server never
 * acts on a value it had to guess.  Decoded bytes are not checked for
 * UTF-8 or NUL: the returned length says how many there are.
 */
#include "hex.h"
#include "http_internal.h"

/* Decode the byte at s[*i], advancing *i.  -1 for a bad escape. */
static int decode_byte(struct slice s, size_t *i)
{
    unsigned char c = (unsigned char)s.ptr[*i];
    (*i)++;
    if (c == '+')
        return ' ';
    if (c != '%')
        return c;
    if (s.len - *i < 2)
        return -1;
    int hi = hex_digit_value((unsigned char)s.ptr[*i]);
    int lo = hex_digit_value((unsigned char)s.ptr[*i + 1]);
    if (hi < 0 || lo < 0)
        return -1;
    *i += 2;
    return hi << 4 | lo;
}

/* True when the encoded name decodes to exactly `name`. */
static bool name_matches(struct slice encoded, const char *name)
{
    size_t i = 0, j = 0;
    while (i < encoded.len) {
        int c = decode_byte(encoded, &i);
        if (c < 0 || name[j] == '\0' || (unsigned char)name[j] != c)
            return false;
        j++;
    }
    return name[j] == '\0';
}

long http_query_get(struct slice query, const char *name, char *out, size_t cap)
{
    size_t pos = 0;
    while (pos < query.len) {
        size_t start = pos;
        while (pos < query.len && query.ptr[pos] != '&')
            pos++;
        struct slice pair = {query.ptr + start, pos - start};
        pos++; /* the '&' (or one past the end) */
        size_t eq = 0;
        while (eq < pair.len && pair.ptr[eq] != '=')
            eq++;
        if (!name_matches((struct slice){pair.ptr, eq}, name))
            continue;
        struct slice value = {pair.ptr + eq, 0};
        if (eq < pair.len)
            value = (struct slice){pair.ptr + eq + 1, pair.len - eq - 1};
        size_t n = 0;
        for (size_t i = 0; i < value.len;) {
            int c = decode_byte(value, &i);
            if (c < 0 || n + 1 >= cap)
                return HTTP_QUERY_BAD;
            out[n++] = (char)c;
        }
        if (cap == 0)
            return HTTP_QUERY_BAD; /* no room even for the NUL */
        out[n] = '\0';
        return (long)n;
    }
    return HTTP_QUERY_ABSENT;
}

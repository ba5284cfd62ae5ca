/* http_fields.c -- HTTP header fields: the field-section parser shared by
 * request heads, response heads and multipart parts, header lookup, and
 * comma-separated lists (RFC 9112 §2.2 and §5, RFC 9110 §5.5 and §5.6.1).
 *
 * A field line is `name ":" OWS value OWS`, ended by CRLF (or a bare LF).
 * What is rejected, and why:
 *   - white space between the name and the colon (RFC 9112 §5.1 says MUST
 *     reject): "Host :" could be read as another header by a proxy;
 *   - obs-fold, a line that starts with white space and continues the
 *     previous one (RFC 9112 §5.2), in a request or a part: a server must
 *     reject it or unfold it, and we answer 400;
 *   - white space before the first field line, in a response too: §2.2
 *     lets a recipient reject it, and it is no fold (nothing to continue);
 *   - control characters and bare CR in a value (RFC 9110 §5.5).
 * Accepted: obs-fold in a response, which a user agent MUST read as SP
 * (§5.2).  The parser allocates nothing and writes nothing, so it does not
 * unfold: the value's slice spans its folds (see struct http_header), the
 * value readers below take CR and LF in it for the white space they stand
 * for, and http_value_unfold makes the text to show.
 * Left out on purpose: combining repeated fields (callers look at the
 * first, or walk them all) and any meaning of particular headers.
 */
#include "http_internal.h"

#include <string.h>

long http_line_end(const char *buf, size_t len, size_t pos, struct proto_err *err)
{
    if (buf[pos] == '\n')
        return (long)pos + 1;
    if (pos + 1 >= len)
        return PROTO_PARTIAL;
    if (buf[pos + 1] != '\n')
        return proto_fail(err, 400, "bare CR (a CR not followed by LF)");
    return (long)pos + 2;
}

/* One field line starting at buf[pos] (not an empty line).  Returns the
 * position after its line end, or after that of its last continuation
 * line when `unfold` lets obs-folds in. */
static long parse_field_line(const char *buf, size_t len, size_t pos, bool unfold,
                             struct http_header *h, struct proto_err *err)
{
    size_t name_start = pos;
    while (pos < len && http_is_tchar((unsigned char)buf[pos]))
        pos++;
    if (pos >= len)
        return PROTO_PARTIAL;
    if (buf[pos] != ':') {
        if (http_is_ws((unsigned char)buf[pos]) && pos > name_start)
            return proto_fail(err, 400, "white space between a header name and its colon");
        return proto_fail(err, 400, "bad character in a header name");
    }
    if (pos == name_start)
        return proto_fail(err, 400, "empty header name");
    h->name = (struct slice){buf + name_start, pos - name_start};
    pos++; /* the colon */

    while (pos < len && http_is_ws((unsigned char)buf[pos]))
        pos++;
    size_t value_start = pos, value_end = pos;
    long next;
    for (;;) {
        for (; pos < len; pos++) {
            unsigned char c = (unsigned char)buf[pos];
            /* Visible characters are nearly all of a value, so they are
             * tested first: one test per byte in the common case.  CR and
             * LF are not visible, so they are still found below. */
            if (http_is_field_vchar(c))
                value_end = pos + 1; /* trailing white space stays outside */
            else if (c == '\r' || c == '\n')
                break;
            else if (!http_is_ws(c))
                return proto_fail(err, 400, "control character in a header value");
        }
        if (pos >= len)
            return PROTO_PARTIAL;
        next = http_line_end(buf, len, pos, err);
        if (next < 0 || !unfold)
            break;
        /* obs-fold = OWS CRLF RWS: a next line that starts with white
         * space goes on with this value.  Whether it does is only known
         * when its first byte is here. */
        if ((size_t)next >= len)
            return PROTO_PARTIAL;
        if (!http_is_ws((unsigned char)buf[next]))
            break;
        for (pos = (size_t)next; pos < len && http_is_ws((unsigned char)buf[pos]); pos++)
            ;
        if (value_end == value_start) /* nothing yet: the value starts after the fold */
            value_start = value_end = pos;
    }
    h->value = (struct slice){buf + value_start, value_end - value_start};
    return next;
}

long http_parse_fields(const char *buf, size_t len, size_t pos, size_t max_fields, bool unfold,
                       struct http_header *headers, size_t *num_headers, struct proto_err *err)
{
    *num_headers = 0;
    for (;;) {
        if (pos >= len)
            return PROTO_PARTIAL;
        unsigned char c = (unsigned char)buf[pos];
        if (c == '\r' || c == '\n')
            return http_line_end(buf, len, pos, err); /* the empty line ends the head */
        if (http_is_ws(c)) /* with unfold, folds were taken by the line before: this is the first */
            return proto_fail(err, 400, unfold ? "white space before the first header line"
                                               : "line folding (a header line starting with white space)");
        if (*num_headers >= max_fields)
            return proto_fail(err, 431, "too many header lines");
        long next = parse_field_line(buf, len, pos, unfold, &headers[*num_headers], err);
        if (next < 0)
            return next;
        (*num_headers)++;
        pos = (size_t)next;
    }
}

const struct slice *http_header_find(const struct http_header *headers, size_t n,
                                     const char *name)
{
    /* Lengths first: most names differ in length, and many begin alike
     * ("Content-"), which a byte-by-byte comparison would walk through. */
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (headers[i].name.len == len && slice_eq_ci(headers[i].name, name))
            return &headers[i].value;
    return NULL;
}

size_t http_header_count(const struct http_header *headers, size_t n, const char *name)
{
    size_t len = strlen(name), count = 0;
    for (size_t i = 0; i < n; i++)
        if (headers[i].name.len == len && slice_eq_ci(headers[i].name, name))
            count++;
    return count;
}

struct slice http_value_unfold(struct slice value, char *out)
{
    if (!value.len || !memchr(value.ptr, '\n', value.len))
        return value; /* no fold: nearly every value */
    size_t n = 0;
    for (size_t i = 0; i < value.len; i++) {
        char c = value.ptr[i];
        if (c != '\r' && c != '\n') {
            out[n++] = c;
            continue;
        }
        /* The whole obs-fold, OWS CRLF RWS, becomes one SP: the white
         * space before it is taken back, the line end and the white space
         * after it skipped.  A value neither starts nor ends with a fold
         * (the parser trims it), so the SP always joins two parts. */
        while (n > 0 && http_is_ws((unsigned char)out[n - 1]))
            n--;
        while (i + 1 < value.len && http_value_ws((unsigned char)value.ptr[i + 1]))
            i++;
        out[n++] = ' ';
    }
    return (struct slice){out, n};
}

bool http_list_next(struct slice value, size_t *pos, struct slice *element)
{
    const char *v = value.ptr;
    size_t i = *pos;
    /* Empty elements (", ,") are allowed and skipped (RFC 9110 §5.6.1.2).
     * White space is a value's: an obs-fold's CR LF counts. */
    while (i < value.len && (http_value_ws((unsigned char)v[i]) || v[i] == ','))
        i++;
    if (i >= value.len) {
        *pos = i;
        return false;
    }
    size_t start = i;
    bool quoted = false;
    for (; i < value.len; i++) {
        if (quoted) {
            if (v[i] == '\\' && i + 1 < value.len)
                i++; /* quoted-pair: the next byte is literal */
            else if (v[i] == '"')
                quoted = false;
        } else if (v[i] == '"') {
            quoted = true;
        } else if (v[i] == ',') {
            break;
        }
    }
    size_t end = i;
    while (end > start && http_value_ws((unsigned char)v[end - 1]))
        end--;
    *element = (struct slice){v + start, end - start};
    *pos = i;
    return true;
}

struct slice http_list_element_name(struct slice element)
{
    size_t end = 0;
    while (end < element.len && element.ptr[end] != ';')
        end++;
    while (end > 0 && http_value_ws((unsigned char)element.ptr[end - 1]))
        end--;
    return (struct slice){element.ptr, end};
}

bool http_list_has_token(struct slice value, const char *token)
{
    size_t pos = 0;
    struct slice element;
    while (http_list_next(value, &pos, &element))
        if (slice_eq_ci(http_list_element_name(element), token))
            return true;
    return false;
}

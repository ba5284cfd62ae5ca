/* http_internal.h -- what the HTTP files of src/proto share with each
 * other: character classes, line ends, the field-section parser, list
 * walking and Content-Length.  Not an interface: other modules include
 * http.h only.
 */
#ifndef PROTO_HTTP_INTERNAL_H
#define PROTO_HTTP_INTERNAL_H

#include "http.h"

/* tchar of RFC 9110 §5.6.2: the characters of a token (method, header
 * name, transfer coding, parameter name). */
static inline bool http_is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

/* field-vchar of RFC 9110 §5.5: a visible ASCII character or obs-text
 * (0x80-0xFF, allowed but meaningless).  Control characters, DEL included,
 * never are. */
static inline bool http_is_field_vchar(unsigned char c)
{
    return (c > 0x20 && c < 0x7f) || c >= 0x80;
}

static inline bool http_is_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* buf[pos] is CR or LF: the position after the line end, PROTO_PARTIAL
 * when the byte after a CR has not arrived, or PROTO_ERROR (400) for a
 * bare CR.  A bare LF ends a line too (RFC 9112 §2.2 lets a recipient
 * accept it); a bare CR must be rejected, because two parsers that
 * disagree on where a line ends can be smuggled past each other. */
long http_line_end(const char *buf, size_t len, size_t pos, struct proto_err *err);

/* Parse a field section (RFC 9112 §5) starting at buf[pos]: header lines
 * up to and including the empty line.  Fills headers[0..*num_headers).
 * With `unfold` (a response's head) an obs-fold continues the value before
 * it, whose slice then spans it (struct http_header); without, it is an
 * error.  Returns the position after the empty line, PROTO_PARTIAL, or
 * PROTO_ERROR with code 400 (bad line, obs-fold without unfold) or 431
 * (more than max_fields lines). */
long http_parse_fields(const char *buf, size_t len, size_t pos, size_t max_fields, bool unfold,
                       struct http_header *headers, size_t *num_headers, struct proto_err *err);

/* The Content-Length of a header block (RFC 9110 §8.6): 0 with *present
 * false when there is none, 0 with *length when there is exactly one line
 * of 1*DIGIT that fits in 64 bits, PROTO_ERROR (400) otherwise: a sign,
 * any non-digit, and several lines or a list -- unless same_repeats, when
 * lines and list items that all say the same number are that number
 * (RFC 9112 §6.3 item 5: HTTP responses). */
int http_content_length(const struct http_header *headers, size_t n, bool same_repeats,
                        bool *present, uint64_t *length, struct proto_err *err);

#endif

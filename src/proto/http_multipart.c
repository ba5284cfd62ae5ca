/* http_multipart.c -- parts of a multipart/x-mixed-replace stream
 * (RFC 2046 §5.1), the push format of old Netscape "server push": every
 * part replaces the one before, so each event is one part.
 *
 *   [preamble CRLF] "--" boundary *LWSP CRLF  part-headers CRLF  body
 *   CRLF "--" boundary ...                    (the next part)
 *   CRLF "--" boundary "--"                   (the end)
 *
 * The CRLF before a delimiter belongs to the delimiter, not to the body.
 * A part's body ends at its Content-Length when it has one (so a body may
 * hold anything), otherwise right before the next CRLF "--" boundary: a
 * body must never contain that sequence, which is why the sender picks a
 * boundary that appears nowhere in the data.  Like the head parser this
 * one is stateless and re-reads the part from its first byte on each call.
 *
 * A stream may also just end (the server closes it without the close
 * delimiter): http_parse_last_part then ends the last part there.
 *
 * Left out on purpose: nested multiparts, the epilogue after the close
 * delimiter, and any meaning of the part headers but Content-Length.
 * A folded part header is read (see below); its value's slice then spans
 * the fold, as in a response head (struct http_header).
 */
#include "http_internal.h"

#include <string.h>

enum { BOUNDARY_MAX = 70 }; /* RFC 2046 §5.1.1: 1 to 70 characters */

/* The first "--BOUNDARY" in buf[0..n) that starts a line: at buf[0] or
 * after an LF when opening a part; right after a CRLF that is at or after
 * buf[from] when looking for the end of a body.  Returns the position of
 * the "--" (opening) or of the CRLF (end), or -1. */
static long find_delimiter(const char *buf, size_t n, size_t from, struct slice b, bool after_crlf)
{
    size_t at = from + 2 + (after_crlf ? 2 : 0); /* where the boundary itself may start */
    while (at < n && n - at >= b.len) {
        const char *hit = memmem(buf + at, n - at, b.ptr, b.len);
        if (!hit)
            return -1;
        at = (size_t)(hit - buf);
        size_t dash = at - 2;
        if (buf[dash] == '-' && buf[dash + 1] == '-') {
            if (after_crlf && buf[dash - 2] == '\r' && buf[dash - 1] == '\n')
                return (long)dash - 2;
            if (!after_crlf && (dash == 0 || buf[dash - 1] == '\n'))
                return (long)dash;
        }
        at++;
    }
    return -1;
}

/* last: the input ends the stream, so a body without a delimiter after
 * it ends there (see http_parse_last_part). */
static long parse_part(const char *buf, size_t n, struct slice boundary, size_t max_part, bool last,
                       struct http_part *part, struct proto_err *err)
{
    long at = find_delimiter(buf, n, 0, boundary, false);
    if (at < 0)
        return PROTO_PARTIAL;
    bool crlf = at >= 2 && buf[at - 2] == '\r' && buf[at - 1] == '\n';
    part->delimiter_offset = (size_t)at - (crlf ? 2 : 0);
    size_t pos = (size_t)at + 2 + boundary.len;
    if (pos >= n)
        return PROTO_PARTIAL;
    if (buf[pos] == '-') {
        if (pos + 1 >= n)
            return PROTO_PARTIAL;
        if (buf[pos + 1] != '-')
            return proto_fail(err, 0, "bad close delimiter (expected --BOUNDARY--)");
        return 0; /* the close delimiter: no more parts */
    }
    while (pos < n && http_is_ws((unsigned char)buf[pos]))
        pos++; /* transport padding (RFC 2046 §5.1.1) */
    if (pos >= n)
        return PROTO_PARTIAL;
    if (buf[pos] != '\r' && buf[pos] != '\n')
        return proto_fail(err, 0, "unexpected bytes after a boundary delimiter");
    long next = http_line_end(buf, n, pos, err);
    if (next < 0)
        return next;

    /* Part headers have the syntax of mail headers (RFC 2046 §5.1 points
     * to RFC 822), where a line that starts with white space continues the
     * one before (a fold, obsolete since RFC 5322 §4.2 but to be read):
     * unfolded as a response head's are. */
    size_t cap = sizeof part->headers / sizeof part->headers[0];
    next = http_parse_fields(buf, n, (size_t)next, cap, true, part->headers, &part->num_headers, err);
    if (next < 0)
        return next;
    size_t body = (size_t)next;

    bool has_length;
    uint64_t length;
    if (http_content_length(part->headers, part->num_headers, false, &has_length, &length, err) < 0)
        return PROTO_ERROR;
    size_t end;
    if (has_length) {
        if (length > max_part - body) /* body <= n <= max_part */
            return proto_fail(err, 0, "multipart part larger than the limit");
        if (length > n - body)
            return PROTO_PARTIAL;
        end = body + (size_t)length;
    } else {
        long found = find_delimiter(buf, n, body, boundary, true);
        if (found < 0 && !last)
            return PROTO_PARTIAL;
        end = found >= 0 ? (size_t)found : n;
        if (found < 0 && end - body >= 2 && buf[end - 2] == '\r' && buf[end - 1] == '\n')
            end -= 2; /* the CRLF a delimiter would have begun with */
    }
    part->body = (struct slice){buf + body, end - body};
    part->body_offset = body;
    return (long)end;
}

static long parse_one(const char *buf, size_t len, struct slice boundary, size_t max_part, bool last,
                      struct http_part *part, struct proto_err *err)
{
    *part = (struct http_part){0};
    if (boundary.len == 0 || boundary.len > BOUNDARY_MAX)
        return proto_fail(err, 0, "a boundary has 1 to 70 characters");
    /* Only the first max_part bytes are looked at: a part (with the start
     * of the delimiter after it) that does not fit there never will. */
    size_t seen = len < max_part ? len : max_part;
    /* (Cut to max_part, the input no longer ends where the stream does.) */
    long n = parse_part(buf, seen, boundary, max_part, last && seen == len, part, err);
    if (n == PROTO_PARTIAL && len >= max_part)
        n = proto_fail(err, 0, "multipart part larger than the limit");
    if (n == PROTO_ERROR) {
        if (err)
            err->code = 0; /* no status to answer with */
        *part = (struct http_part){0};
    }
    return n;
}

long http_parse_part(const char *buf, size_t len, struct slice boundary, size_t max_part,
                     struct http_part *part, struct proto_err *err)
{
    return parse_one(buf, len, boundary, max_part, false, part, err);
}

long http_parse_last_part(const char *buf, size_t len, struct slice boundary, size_t max_part,
                          struct http_part *part, struct proto_err *err)
{
    return parse_one(buf, len, boundary, max_part, true, part, err);
}

/* ---- the boundary parameter of Content-Type (RFC 9110 §8.3.1) ---- */

/* bcharsnospace of RFC 2046 §5.1.1, plus the space allowed inside. */
static bool is_bchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("'()+_,-./:=? ", c) != NULL);
}

static bool boundary_valid(struct slice b)
{
    if (b.len == 0 || b.len > BOUNDARY_MAX || b.ptr[b.len - 1] == ' ')
        return false;
    for (size_t i = 0; i < b.len; i++)
        if (!is_bchar((unsigned char)b.ptr[i]))
            return false;
    return true;
}

static size_t skip_ws(struct slice s, size_t pos)
{
    while (pos < s.len && http_value_ws((unsigned char)s.ptr[pos]))
        pos++;
    return pos;
}

static size_t skip_token(struct slice s, size_t pos)
{
    while (pos < s.len && http_is_tchar((unsigned char)s.ptr[pos]))
        pos++;
    return pos;
}

bool http_multipart_boundary(struct slice content_type, struct slice *boundary)
{
    static const char type[] = "multipart/";
    size_t type_len = sizeof type - 1;
    struct slice s = content_type;
    if (s.len <= type_len || !slice_eq_ci((struct slice){s.ptr, type_len}, type))
        return false;
    size_t pos = skip_token(s, type_len);
    if (pos == type_len)
        return false; /* no subtype */
    /* parameters: *( OWS ";" OWS name "=" ( token / quoted-string ) ) */
    for (;;) {
        pos = skip_ws(s, pos);
        if (pos >= s.len || s.ptr[pos] != ';')
            return false; /* the end, or junk: either way no boundary */
        pos = skip_ws(s, pos + 1);
        size_t name = pos;
        pos = skip_token(s, pos);
        if (pos == name || pos >= s.len || s.ptr[pos] != '=')
            return false;
        struct slice param = {s.ptr + name, pos - name};
        struct slice value;
        bool escaped = false;
        pos++;
        if (pos < s.len && s.ptr[pos] == '"') {
            size_t start = ++pos;
            for (; pos < s.len && s.ptr[pos] != '"'; pos++) {
                if (s.ptr[pos] == '\\') {
                    escaped = true;
                    pos++;
                }
            }
            if (pos >= s.len)
                return false; /* unterminated quoted string */
            value = (struct slice){s.ptr + start, pos - start};
            pos++;
        } else {
            size_t start = pos;
            pos = skip_token(s, pos);
            value = (struct slice){s.ptr + start, pos - start};
        }
        if (slice_eq_ci(param, "boundary")) {
            /* A quoted-pair cannot be removed without copying, and no
             * valid boundary needs one. */
            if (escaped || !boundary_valid(value))
                return false;
            *boundary = value;
            return true;
        }
    }
}

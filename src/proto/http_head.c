/* http_head.c -- HTTP/1.x request and response heads (RFC 9112 §2-§5).
 *
 *   request-line = method SP request-target SP HTTP-version CRLF
 *   status-line  = HTTP-version SP status-code SP [ reason-phrase ] CRLF
 * followed by the field section (http_fields.c) and an empty line.
 *
 * Like picohttpparser, the parser re-reads the head from its first byte on
 * every call and keeps no state: the caller keeps the bytes and calls again
 * when more arrive.  It reads strictly left to right and every error is
 * decided by the bytes before it, so a prefix of any input gives either
 * PROTO_PARTIAL or the very answer the whole input gives.
 *
 * Limits: the head is only looked at up to lim->max_head bytes; if it has
 * not ended there, it is too large (431).  A target longer than
 * lim->max_target is 414 as soon as its byte arrives, without waiting for
 * the rest of the line.
 *
 * Strictness, on purpose: single SP separators (RFC 9112 §3 lets a server
 * split on any white space, but a lenient parser behind a strict proxy is
 * how requests get smuggled), a target of visible ASCII only, an HTTP/1.1
 * request must have exactly one Host (RFC 9112 §3.2).  Accepted, as it
 * must be: an absolute-form target, read as its path and query (§3.2.2).
 * Tolerated: bare LF line ends and empty lines before the request line
 * (RFC 9112 §2.2), a status line with no SP after the code, HTTP/1.x
 * minor versions above 1 (read as 1.1 in a request, RFC 9110 §6.2), and
 * in a response only, obs-fold (§5.2: a user agent reads it as SP; a
 * request's is refused, http_fields.c).
 */
#include <string.h>

#include "http_internal.h"

/* "HTTP/" DIGIT "." DIGIT at buf[pos].  Returns the position after it. */
static long parse_version(const char *buf, size_t len, size_t pos, int *major, int *minor,
                          struct proto_err *err)
{
    static const char pattern[] = "HTTP/#.#"; /* '#' stands for a digit */
    int digits[2], d = 0;
    for (size_t i = 0; pattern[i]; i++, pos++) {
        if (pos >= len)
            return PROTO_PARTIAL;
        unsigned char c = (unsigned char)buf[pos];
        bool digit = c >= '0' && c <= '9';
        if (pattern[i] == '#' ? !digit : pattern[i] != c)
            return proto_fail(err, 400, "bad HTTP version (expected HTTP/1.0 or HTTP/1.1)");
        if (pattern[i] == '#')
            digits[d++] = c - '0';
    }
    *major = digits[0];
    *minor = digits[1];
    return (long)pos;
}

/* The end of a start line at buf[pos]: must be CR or LF. */
static long start_line_end(const char *buf, size_t len, size_t pos, struct proto_err *err)
{
    if (pos >= len)
        return PROTO_PARTIAL;
    if (buf[pos] != '\r' && buf[pos] != '\n')
        return proto_fail(err, 400, "unexpected bytes at the end of the start line");
    return http_line_end(buf, len, pos, err);
}

static size_t header_room(const struct http_limits *lim)
{
    return lim->max_headers < HTTP_HEADERS_CAP ? lim->max_headers : HTTP_HEADERS_CAP;
}

/* A character of a URI scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
 * (RFC 3986 §3.1); `first` for the leading one. */
static bool is_scheme_char(unsigned char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

/* Where the path starts in an absolute-form target, "http://host:8001/poll"
 * (scheme "://" authority, RFC 9112 §3.2.2): after the authority.  0 for
 * any other form, whose path (if any) starts at once. */
static size_t absolute_form_path(const char *t, size_t len)
{
    size_t i = 0;
    while (i < len && is_scheme_char((unsigned char)t[i], i == 0))
        i++;
    if (i == 0 || len - i < 3 || memcmp(t + i, "://", 3) != 0)
        return 0;
    for (i += 3; i < len && t[i] != '/' && t[i] != '?'; i++)
        ;
    return i;
}

/* A server MUST accept the absolute form that clients send to proxies
 * (RFC 9112 §3.2.2): its path and query count, its authority replaces
 * Host, and an empty path is "/" (RFC 9110 §4.2.3). */
void http_split_target(struct slice target, struct slice *path, struct slice *query)
{
    if (target.len == 0) { /* an HTTP/2 request without :path: its ptr may be NULL */
        *path = (struct slice){"", 0};
        *query = (struct slice){NULL, 0};
        return;
    }
    size_t start = absolute_form_path(target.ptr, target.len);
    const char *t = target.ptr + start;
    size_t len = target.len - start, i = 0;
    while (i < len && t[i] != '?')
        i++;
    *path = start && i == 0 ? (struct slice){"/", 1} : (struct slice){t, i};
    if (i < len)
        *query = (struct slice){t + i + 1, len - i - 1};
    else
        *query = (struct slice){NULL, 0};
}

/* RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without
 * Host, and to any request with more than one.  The head is well formed
 * all the same, so this is checked apart from its syntax: an observer
 * reads such a request (and the 400 it gets) and only notes the fault. */
int http_check_request(const struct http_request *req, struct proto_err *err)
{
    size_t hosts = http_header_count(req->headers, req->num_headers, "Host");
    if (hosts > 1)
        return (int)proto_fail(err, 400, "more than one Host header");
    if (hosts == 0 && req->minor_version >= 1)
        return (int)proto_fail(err, 400, "HTTP/1.1 request without a Host header");
    return 0;
}

/* The request line (after any empty lines), and then, unless line_only,
 * its header lines: the position after what was read.  (One function
 * for both, so that each caller gets its own inlined copy: the line is
 * read once per request on pushviz's busiest path.) */
static inline long parse_request(const char *buf, size_t len, const struct http_limits *lim,
                                 struct http_request *req, struct proto_err *err, bool line_only)
{
    size_t pos = 0;
    req->num_headers = 0;
    /* RFC 9112 §2.2: a server SHOULD ignore empty lines before the request
     * line (some clients send a stray CRLF after a POST body). */
    while (pos < len && (buf[pos] == '\r' || buf[pos] == '\n')) {
        long next = http_line_end(buf, len, pos, err);
        if (next < 0)
            return next;
        pos = (size_t)next;
    }

    size_t method = pos;
    while (pos < len && http_is_tchar((unsigned char)buf[pos]))
        pos++;
    if (pos >= len)
        return PROTO_PARTIAL;
    if (buf[pos] != ' ' || pos == method)
        return proto_fail(err, 400, "bad method (a token followed by one space)");
    req->method = (struct slice){buf + method, pos - method};
    pos++;

    size_t target = pos;
    for (; pos < len && buf[pos] != ' '; pos++) {
        unsigned char c = (unsigned char)buf[pos];
        if (c <= 0x20 || c >= 0x7f)
            return proto_fail(err, 400, "bad character in the request target");
        if (pos - target >= lim->max_target)
            return proto_fail(err, 414, "request target longer than the limit");
    }
    if (pos >= len)
        return PROTO_PARTIAL;
    if (pos == target)
        return proto_fail(err, 400, "empty request target");
    req->target = (struct slice){buf + target, pos - target};
    http_split_target(req->target, &req->path, &req->query);
    pos++;

    int major, minor;
    long next = parse_version(buf, len, pos, &major, &minor, err);
    if (next < 0)
        return next;
    if (major != 1)
        return proto_fail(err, 505, "only HTTP/1.x is spoken here");
    req->minor_version = minor >= 1 ? 1 : 0;
    next = start_line_end(buf, len, (size_t)next, err);
    if (next < 0 || line_only)
        return next;
    next = http_parse_fields(buf, len, (size_t)next, header_room(lim), false, req->headers,
                             &req->num_headers, err);
    if (next < 0)
        return next;
    req->head_bytes = (size_t)next;
    return next;
}

long http_read_request(const char *buf, size_t len, const struct http_limits *lim,
                       struct http_request *req, struct proto_err *err)
{
    size_t seen = len < lim->max_head ? len : lim->max_head;
    long n = parse_request(buf, seen, lim, req, err, false);
    if (n == PROTO_PARTIAL && len >= lim->max_head)
        return proto_fail(err, 431, "request head larger than the limit");
    return n;
}

long http_read_request_line(const char *buf, size_t len, const struct http_limits *lim,
                            struct http_request *req, struct proto_err *err)
{
    return parse_request(buf, len < lim->max_head ? len : lim->max_head, lim, req, err, true);
}

long http_parse_request(const char *buf, size_t len, const struct http_limits *lim,
                        struct http_request *req, struct proto_err *err)
{
    long n = http_read_request(buf, len, lim, req, err);
    if (n > 0 && http_check_request(req, err) < 0)
        return PROTO_ERROR;
    return n;
}

static long parse_response(const char *buf, size_t len, const struct http_limits *lim,
                           struct http_response *res, struct proto_err *err)
{
    int major, minor;
    res->num_headers = 0;
    long next = parse_version(buf, len, 0, &major, &minor, err);
    if (next < 0)
        return next;
    if (major != 1)
        return proto_fail(err, 0, "not an HTTP/1.x response");
    res->minor_version = minor;
    size_t pos = (size_t)next;

    /* SP, then a 3-digit status code from 100 to 999 */
    static const char pattern[] = " ###";
    int status = 0;
    for (size_t i = 0; pattern[i]; i++, pos++) {
        if (pos >= len)
            return PROTO_PARTIAL;
        unsigned char c = (unsigned char)buf[pos];
        bool digit = c >= '0' && c <= '9' && (status > 0 || c > '0'); /* no leading 0 */
        if (pattern[i] == '#' ? !digit : pattern[i] != c)
            return proto_fail(err, 0, "bad status code (three digits, 100 to 999)");
        if (pattern[i] == '#')
            status = status * 10 + (c - '0');
    }
    res->status = status;

    if (pos >= len)
        return PROTO_PARTIAL;
    size_t reason = pos;
    if (buf[pos] == ' ') {
        reason = ++pos;
        for (; pos < len && buf[pos] != '\r' && buf[pos] != '\n'; pos++) {
            unsigned char c = (unsigned char)buf[pos];
            if (!http_is_field_vchar(c) && !http_is_ws(c))
                return proto_fail(err, 0, "control character in the reason phrase");
        }
    }
    res->reason = (struct slice){buf + reason, pos - reason};
    next = start_line_end(buf, len, pos, err);
    if (next < 0)
        return next;

    /* A user agent MUST read an obs-fold as SP (RFC 9112 §5.2). */
    next = http_parse_fields(buf, len, (size_t)next, header_room(lim), true, res->headers,
                             &res->num_headers, err);
    if (next < 0)
        return next;
    res->head_bytes = (size_t)next;
    return next;
}

long http_parse_response(const char *buf, size_t len, const struct http_limits *lim,
                         struct http_response *res, struct proto_err *err)
{
    size_t seen = len < lim->max_head ? len : lim->max_head;
    long n = parse_response(buf, seen, lim, res, err);
    if (n == PROTO_PARTIAL && len >= lim->max_head)
        n = proto_fail(err, 0, "response head larger than the limit");
    if (n == PROTO_ERROR && err)
        err->code = 0; /* a client has no status to answer a bad response with */
    return n;
}

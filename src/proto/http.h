/* http.h -- HTTP/1.x codecs: request and response heads, chunked transfer
 * coding, multipart/x-mixed-replace parts, and query strings (RFC 9112,
 * RFC 9110, RFC 3986 §2.1, RFC 2046 §5.1).
 *
 * Zero-copy: every parsed string is a `struct slice` into the caller's
 * buffer.  Head parsers re-parse from the start on every call (like
 * picohttpparser): the caller keeps the bytes and calls again when more
 * arrive.  The chunked decoder is a byte-at-a-time state machine instead,
 * so it can sit behind TCP reassembly and report stream offsets.
 */
#ifndef PROTO_HTTP_H
#define PROTO_HTTP_H

#include "proto.h"

#define HTTP_HEADERS_CAP 100 /* room in a parsed head; the limit is smaller */

/* A header line.  In a response the value may span obs-folds (RFC 9112
 * §5.2): CR LF, or a bare LF, followed by SP or HTAB, which mean SP.  The
 * parser returns slices of the caller's bytes, so it does not unfold:
 * readers of a value take CR and LF as white space (http_value_ws; the
 * list and parameter readers here do), and printers show
 * http_value_unfold.  A request's or a part's value never has CR or LF. */
struct http_header {
    struct slice name;  /* as sent (case kept) */
    struct slice value; /* leading and trailing white space removed; see above for folds */
};

/* White space inside a parsed header value: SP and HTAB, and the CR and LF
 * that only an obs-fold can put there (struct http_header). */
static inline bool http_value_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The request methods pushlab knows: the eight of RFC 9110 §9 and PATCH
 * (RFC 5789), compared case-sensitively (http_method.c). */
bool http_method_known(struct slice method);

/* Whether buf starts with a known method and a space: 1 when it does,
 * PROTO_PARTIAL when buf is too short to tell and could still, 0 when it
 * cannot (for telling HTTP from another protocol by its first bytes). */
int http_starts_with_method(const char *buf, size_t len);

/* Limits chosen by the caller; exceeding one is an error with its status. */
struct http_limits {
    size_t max_head;    /* bytes up to and including the blank line -> 431 */
    size_t max_headers; /* header lines (<= HTTP_HEADERS_CAP) -> 431 */
    size_t max_target;  /* request-target bytes -> 414 */
};

struct http_request {
    struct slice method;  /* token, e.g. GET */
    struct slice target;  /* as sent, e.g. /poll?since=3 */
    struct slice path;    /* target up to '?' */
    struct slice query;   /* after '?', without it; len 0 when none */
    int minor_version;    /* HTTP/1.<minor_version>: 0 or 1 */
    size_t head_bytes;    /* length of the head including the blank line */
    size_t num_headers;
    struct http_header headers[HTTP_HEADERS_CAP];
};

struct http_response {
    int minor_version;    /* HTTP/1.<minor_version> */
    int status;           /* 100..999 */
    struct slice reason;  /* reason phrase, may be empty */
    size_t head_bytes;
    size_t num_headers;
    struct http_header headers[HTTP_HEADERS_CAP];
};

/* Parse a request head from buf[0..len).  Returns head_bytes (>0),
 * PROTO_PARTIAL, or PROTO_ERROR with err->code 400, 414, 431 or 505 (not
 * HTTP/1.x).  Bare LF line ends are accepted (RFC 9112 §2.2), obsolete
 * line folding is not (400: §5.2 lets a server reject it), and an
 * HTTP/1.1 request needs one Host (§3.2). */
long http_parse_request(const char *buf, size_t len, const struct http_limits *lim,
                        struct http_request *req, struct proto_err *err);

/* The request's syntax alone: http_parse_request without the Host check
 * (http_check_request).  For an observer, who must read every request a
 * client sends, including those a server refuses. */
long http_read_request(const char *buf, size_t len, const struct http_limits *lim,
                       struct http_request *req, struct proto_err *err);

/* Its request line alone (method, target, version; no header line is
 * read): the position after it, PROTO_PARTIAL while the line has not
 * ended, or PROTO_ERROR as http_read_request.  For telling, from the
 * first bytes a client sent, a request from other text that starts with
 * a word and a space. */
long http_read_request_line(const char *buf, size_t len, const struct http_limits *lim,
                            struct http_request *req, struct proto_err *err);

/* A server's checks of a request http_read_request accepted: exactly one
 * Host in HTTP/1.1, at most one in HTTP/1.0 (RFC 9112 §3.2).  Returns 0,
 * or PROTO_ERROR with err->code 400. */
int http_check_request(const struct http_request *req, struct proto_err *err);

/* A request target as path and query: "/poll?since=3" -> "/poll",
 * "since=3" (query len 0 when none).  Also for an HTTP/2 request's
 * :path, which is the same target (RFC 9113 §8.3.1). */
void http_split_target(struct slice target, struct slice *path, struct slice *query);

/* Parse a response head; same contract (errors carry code 0).  Unlike a
 * request's, its obs-folds are accepted (RFC 9112 §5.2: a user agent
 * replaces each with SP): see struct http_header. */
long http_parse_response(const char *buf, size_t len, const struct http_limits *lim,
                         struct http_response *res, struct proto_err *err);

/* The value of the first header called `name` (case-insensitive), or NULL. */
const struct slice *http_header_find(const struct http_header *headers, size_t n,
                                     const char *name);

/* How many header lines are called `name` (case-insensitive): for the
 * fields a message may carry only once (Host, RFC 9112 §3.2;
 * Sec-WebSocket-Key, RFC 6455 §11.3.1). */
size_t http_header_count(const struct http_header *headers, size_t n, const char *name);

/* A header value as its recipient reads it, each obs-fold (OWS CRLF RWS)
 * replaced by one SP (RFC 9112 §5.2): `value` itself when it has no fold
 * (borrowed as it was), else a slice of out, into which it is written.
 * out needs room for value.len bytes (unfolding never lengthens). */
struct slice http_value_unfold(struct slice value, char *out);

/* True when the comma-separated list in `value` holds `token`
 * (case-insensitive, optional white space, parameters after ';' ignored),
 * as for "Connection: keep-alive, Upgrade". */
bool http_list_has_token(struct slice value, const char *token);

/* Step through the comma-separated list in `value` (RFC 9110 §5.6.1):
 * *pos starts at 0; each call stores the next non-empty element, its
 * parameters (";...") included and white space trimmed, and returns true,
 * or returns false at the end.  Commas inside quoted strings do not split. */
bool http_list_next(struct slice value, size_t *pos, struct slice *element);

/* The element without its parameters: "gzip;q=1" -> "gzip". */
struct slice http_list_element_name(struct slice element);

/* ---- message bodies (RFC 9112 §6.3) ---- */

enum http_body_kind {
    HTTP_BODY_NONE,       /* no body at all */
    HTTP_BODY_LENGTH,     /* exactly `length` bytes */
    HTTP_BODY_CHUNKED,    /* chunked transfer coding */
    HTTP_BODY_UNTIL_CLOSE /* response delimited by the connection closing */
};

struct http_body {
    enum http_body_kind kind;
    uint64_t length; /* for HTTP_BODY_LENGTH */
};

/* How the request's body is framed.  0 or PROTO_ERROR (400 for a bad or
 * conflicting Content-Length, 501 for an unknown Transfer-Encoding). */
int http_request_body(const struct http_request *req, struct http_body *body,
                      struct proto_err *err);

/* How a response's body is framed, given whether the request was HEAD
 * (1xx, 204, 304 and HEAD responses have none). 0 or PROTO_ERROR. */
int http_response_body(const struct http_response *res, bool request_was_head,
                       struct http_body *body, struct proto_err *err);

/* ---- chunked transfer coding (RFC 9112 §7.1) ---- */

enum http_chunk_kind {
    HTTP_CHUNK_NONE,   /* all input consumed, nothing complete yet */
    HTTP_CHUNK_HEADER, /* a size line was read: size, size_offset */
    HTTP_CHUNK_DATA,   /* data bytes of the current chunk: data, data_len */
    HTTP_CHUNK_END     /* the last chunk and the trailer section are done */
};

struct http_chunk_item {
    enum http_chunk_kind kind;
    uint64_t size;        /* HEADER: the chunk's size (0 for the last chunk) */
    uint64_t size_offset; /* HEADER: stream offset of the size line's first byte */
    const char *data;     /* DATA: borrowed from the buffer passed in */
    size_t data_len;      /* DATA: bytes at data */
    uint64_t data_offset; /* DATA: stream offset of data[0] */
};

/* Decoder state; zero it with http_chunked_init.  Offsets count from the
 * first byte ever fed (the first size line). */
struct http_chunked {
    int state;          /* private: where in the grammar we are */
    uint64_t size;      /* private: size of the current chunk */
    uint64_t remaining; /* private: data bytes left in the current chunk */
    uint64_t offset;    /* stream offset of the next byte to be fed */
    uint64_t line_bytes;/* private: bytes in the current size or trailer line */
};

void http_chunked_init(struct http_chunked *d);

/* Feed buf[0..len).  Consumes bytes until one item is complete and returns
 * how many it consumed (the item in *item), or consumes all of them and sets
 * item->kind = HTTP_CHUNK_NONE.  PROTO_ERROR on a bad size line, a missing
 * CRLF after data, or a size line over 1024 bytes.  Call again with the
 * rest of the input.  After HTTP_CHUNK_END it consumes nothing more
 * (returns 0, kind HTTP_CHUNK_END); after an error it keeps failing. */
#define HTTP_CHUNK_LINE_MAX 1024 /* longest size line or trailer line */
long http_chunked_feed(struct http_chunked *d, const char *buf, size_t len,
                       struct http_chunk_item *item, struct proto_err *err);

/* The trailer section after the last chunk's size line, at buf[0]
 * (RFC 9112 §7.1.2): field lines, then the empty line that ends the body,
 * parsed as a head's fields are (no obs-fold).  Returns the section's
 * length with its empty line, the fields in fields[0..*num_fields);
 * PROTO_PARTIAL when buf ends inside it; PROTO_ERROR with code 400 (a bad
 * line) or 431 (more than max_fields lines). */
long http_chunked_trailers(const char *buf, size_t len, struct http_header *fields, size_t max_fields,
                           size_t *num_fields, struct proto_err *err);

/* len bytes of the body were lost (an observer's capture dropped them).
 * 0 when they all fall inside the current chunk's data: the decoder moves
 * past them and goes on.  PROTO_ERROR otherwise (the decoder is unchanged;
 * where the next chunk starts must then be found another way). */
int http_chunked_skip(struct http_chunked *d, uint64_t len);
/* Where the decoder stands, for an observer to say what the end of its
 * input (a gap, the close) cut short.  *n: with CHUNKED_IN_SIZE_LINE the
 * bytes of the size line begun, with CHUNKED_IN_DATA the chunk's data
 * bytes still to come; else 0.  A chunk whose data came whole and whose
 * CRLF did not counts as CHUNKED_BETWEEN: none of its content is missing. */
enum http_chunked_place {
    CHUNKED_BETWEEN,     /* before a size line, nothing of it read */
    CHUNKED_IN_SIZE_LINE,
    CHUNKED_IN_DATA,
    CHUNKED_IN_TRAILERS, /* after the last chunk's size line: the trailer section */
    CHUNKED_ENDED,       /* the body is complete (or broken) */
};
enum http_chunked_place http_chunked_place(const struct http_chunked *d, uint64_t *n);
/* Bytes still to come of the chunk being read: the rest of its data and
 * the CRLF after it (UINT64_MAX when that many do not fit); 0 when the
 * decoder is not inside a chunk's data or CRLF (before or in a size line,
 * in the trailer section, ended).  A reader that must judge one chunk
 * and not what follows it feeds no more than this: pushviz, checking
 * whether chunks start where it resumes after a gap. */
uint64_t http_chunked_chunk_left(const struct http_chunked *d);

/* Write the size line of a chunk of `len` bytes ("1a\r\n") into out.
 * Returns the bytes written (at most 18); out needs 18 bytes of room. */
size_t http_chunk_size_line(char out[18], size_t len);
#define HTTP_CHUNK_TRAILER "\r\n"          /* after each chunk's data */
#define HTTP_LAST_CHUNK    "0\r\n\r\n"     /* ends a chunked body */

/* ---- multipart/x-mixed-replace (RFC 2046 §5.1) ---- */

struct http_part {
    size_t num_headers;
    struct http_header headers[16]; /* the part's own header lines */
    struct slice body;              /* the part's content */
    size_t body_offset;             /* offset of body within the input */
    size_t delimiter_offset;        /* where its delimiter starts within the input (the CRLF before
                                     * "--BOUNDARY" belongs to it): what comes before is a preamble */
};

/* Parse one part from buf, which starts at a delimiter line "--BOUNDARY"
 * (optionally preceded by CRLF; a preamble before the first delimiter is
 * skipped).  The part ends at its Content-Length, or else at the next
 * "\r\n--BOUNDARY".  Returns the bytes up to the end of the part's body
 * (the next delimiter is not consumed), PROTO_PARTIAL, or PROTO_ERROR.  The
 * close delimiter "--BOUNDARY--" returns 0 with body.ptr == NULL.
 * max_part bounds how far it searches before giving up (error). */
long http_parse_part(const char *buf, size_t len, struct slice boundary, size_t max_part,
                     struct http_part *part, struct proto_err *err);
/* The same, when buf ends the stream (the connection closed without a
 * close delimiter, as many servers end a multipart stream): a part with
 * no delimiter after it ends there, less a CRLF that a delimiter would
 * have begun with.  A part whose delimiter line or headers are not whole,
 * or shorter than its Content-Length, is still PROTO_PARTIAL. */
long http_parse_last_part(const char *buf, size_t len, struct slice boundary, size_t max_part,
                          struct http_part *part, struct proto_err *err);

/* The boundary parameter of a "multipart/...; boundary=X" Content-Type
 * (quotes removed).  False when there is none. */
bool http_multipart_boundary(struct slice content_type, struct slice *boundary);

/* ---- query strings (RFC 3986 §2.1, HTML form encoding) ---- */

/* Find parameter `name` in `query` ("a=1&b=x%20y") and percent-decode its
 * value into out[0..cap), NUL-terminated ('+' becomes a space).  Returns:
 *   >= 0              found; the decoded length
 *   HTTP_QUERY_ABSENT no such parameter
 *   HTTP_QUERY_BAD    present but malformed (bad %XX) or longer than cap - 1 */
long http_query_get(struct slice query, const char *name, char *out, size_t cap);
enum { HTTP_QUERY_ABSENT = -1, HTTP_QUERY_BAD = -3 };

#endif

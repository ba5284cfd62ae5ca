/* http_body.c -- where a message body ends (RFC 9112 §6.1 and §6.3).
 *
 * The head alone says how the body is framed, in this order:
 *   1. responses to HEAD, and 1xx, 204 and 304 responses, have none;
 *   2. Transfer-Encoding with chunked as the final coding: chunked;
 *      in a response, any other Transfer-Encoding: until the server closes;
 *   3. a valid Content-Length: exactly that many bytes;
 *   4. otherwise a request has no body and a response runs until close.
 * This order matters for security: when a proxy and a server disagree on
 * where a body ends, the rest is read as a second, smuggled request.  So a
 * request is refused (400) when its framing is ambiguous: Transfer-Encoding
 * together with Content-Length (RFC 9112 §6.3 allows this), chunked not
 * last or applied twice, several or malformed Content-Lengths.  A coding we
 * cannot decode (gzip, ...) in a request is 501 (RFC 9112 §6.1).  HTTP/1.0
 * had no Transfer-Encoding, so a 1.0 message that carries one is faulty.
 * Response errors carry code 0, like the response head parser's.
 */
#include "http_internal.h"

/* One Content-Length value, 1*DIGIT in 64 bits, from v[0..len). */
static int parse_length(const char *v, size_t len, uint64_t *out, struct proto_err *err)
{
    if (len == 0)
        return (int)proto_fail(err, 400, "empty Content-Length");
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < '0' || c > '9')
            return (int)proto_fail(err, 400, "Content-Length is not a decimal number");
        if (n > (UINT64_MAX - (c - '0')) / 10)
            return (int)proto_fail(err, 400, "Content-Length too large");
        n = n * 10 + (c - '0');
    }
    *out = n;
    return 0;
}

int http_content_length(const struct http_header *headers, size_t n, bool same_repeats,
                        bool *present, uint64_t *length, struct proto_err *err)
{
    *present = false;
    *length = 0;
    for (size_t i = 0; i < n; i++) {
        if (headers[i].name.len != sizeof "Content-Length" - 1 ||
            !slice_eq_ci(headers[i].name, "Content-Length"))
            continue;
        if (*present && !same_repeats)
            return (int)proto_fail(err, 400, "more than one Content-Length");
        /* With same_repeats the value is a list (RFC 9110 §5.6.1), every
         * line's items together; without, one item, so the commas of
         * "5, 5" fail as non-digits. */
        const char *v = headers[i].value.ptr, *end = v + headers[i].value.len;
        for (;;) {
            const char *item_end = v;
            while (item_end < end && (*item_end != ',' || !same_repeats))
                item_end++;
            const char *a = v, *b = item_end;
            while (same_repeats && a < b && http_value_ws((unsigned char)*a))
                a++;
            while (same_repeats && b > a && http_value_ws((unsigned char)b[-1]))
                b--;
            uint64_t value;
            if (parse_length(a, (size_t)(b - a), &value, err) < 0)
                return PROTO_ERROR;
            if (*present && value != *length)
                return (int)proto_fail(err, 400, "Content-Lengths that differ");
            *present = true;
            *length = value;
            if (item_end == end)
                break;
            v = item_end + 1;
        }
    }
    return 0;
}

/* What the Transfer-Encoding lines of a head say, all lines taken as one
 * list (RFC 9110 §5.3). */
struct codings {
    bool present;       /* at least one non-empty coding */
    bool chunked_last;  /* the final coding is chunked */
    size_t chunked;     /* how many times chunked appears */
    bool other;         /* a coding other than chunked appears */
};

static struct codings transfer_codings(const struct http_header *headers, size_t n)
{
    struct codings c = {0};
    for (size_t i = 0; i < n; i++) {
        if (headers[i].name.len != sizeof "Transfer-Encoding" - 1 ||
            !slice_eq_ci(headers[i].name, "Transfer-Encoding"))
            continue;
        size_t pos = 0;
        struct slice element;
        while (http_list_next(headers[i].value, &pos, &element)) {
            c.present = true;
            c.chunked_last = slice_eq_ci(http_list_element_name(element), "chunked");
            if (c.chunked_last)
                c.chunked++;
            else
                c.other = true;
        }
    }
    return c;
}

int http_request_body(const struct http_request *req, struct http_body *body,
                      struct proto_err *err)
{
    bool has_length;
    uint64_t length;
    *body = (struct http_body){HTTP_BODY_NONE, 0};
    if (http_content_length(req->headers, req->num_headers, false, &has_length, &length, err) < 0)
        return PROTO_ERROR;
    struct codings te = transfer_codings(req->headers, req->num_headers);
    if (te.present) {
        if (req->minor_version == 0)
            return (int)proto_fail(err, 400, "Transfer-Encoding in an HTTP/1.0 request");
        if (has_length)
            return (int)proto_fail(err, 400, "both Transfer-Encoding and Content-Length");
        if (!te.chunked_last || te.chunked > 1)
            return (int)proto_fail(err, 400, "chunked must be the last transfer coding, once");
        if (te.other)
            return (int)proto_fail(err, 501, "unsupported transfer coding");
        body->kind = HTTP_BODY_CHUNKED;
        return 0;
    }
    if (has_length)
        *body = (struct http_body){HTTP_BODY_LENGTH, length};
    return 0;
}

static int response_body(const struct http_response *res, bool request_was_head,
                         struct http_body *body, struct proto_err *err)
{
    *body = (struct http_body){HTTP_BODY_NONE, 0};
    if (request_was_head || res->status / 100 == 1 || res->status == 204 || res->status == 304)
        return 0;
    struct codings te = transfer_codings(res->headers, res->num_headers);
    if (te.present) {
        if (res->minor_version == 0)
            return (int)proto_fail(err, 0, "Transfer-Encoding in an HTTP/1.0 response");
        if (te.chunked > 1)
            return (int)proto_fail(err, 0, "chunked applied more than once");
        /* Transfer-Encoding overrides Content-Length (RFC 9112 §6.3 item 3);
         * with chunked not last, only the close tells the end (item 4). */
        body->kind = te.chunked_last ? HTTP_BODY_CHUNKED : HTTP_BODY_UNTIL_CLOSE;
        return 0;
    }
    /* Repeats of one value are that value (RFC 9112 §6.3 item 5): a client
     * reads them so, and an observer must read what the client did.  A
     * request gets no such leniency (http_request_body): where the ends of
     * bodies are in doubt, requests are smuggled. */
    bool has_length;
    uint64_t length;
    if (http_content_length(res->headers, res->num_headers, true, &has_length, &length, err) < 0)
        return PROTO_ERROR;
    *body = has_length ? (struct http_body){HTTP_BODY_LENGTH, length}
                       : (struct http_body){HTTP_BODY_UNTIL_CLOSE, 0};
    return 0;
}

int http_response_body(const struct http_response *res, bool request_was_head,
                       struct http_body *body, struct proto_err *err)
{
    int r = response_body(res, request_was_head, body, err);
    if (r < 0 && err)
        err->code = 0;
    return r;
}

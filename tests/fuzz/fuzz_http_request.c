/* fuzz_http_request.c -- libFuzzer target for the request head parser,
 * body framing, header lookup, list tokens and the query decoder.
 *
 * Checks, on arbitrary bytes (the first byte picks small or large limits):
 *   - the result is PROTO_PARTIAL, PROTO_ERROR with a known status, or a
 *     head length <= the input, with every slice inside the head, and the
 *     path and query where the target's form puts them, and no value
 *     holding CR or LF (a request's obs-fold is refused, RFC 9112 §5.2);
 *   - prefixes agree with the whole: a cut before the end of the head
 *     gives PROTO_PARTIAL or the same error, a cut after it the same head
 *     (each prefix in a buffer of exactly its size, so ASan sees over-reads);
 *   - the query decoder never writes past cap and NUL-terminates;
 *   - the request line read alone ends within the input, and agrees with
 *     the whole head: a head read means its line was, a line refused
 *     means the head is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http.h"

#include "fuzz_check.h"

static const struct http_limits limit_sets[2] = {
    {.max_head = 4096, .max_headers = 64, .max_target = 2048},
    {.max_head = 64, .max_headers = 3, .max_target = 16},
};

static void slice_inside(struct slice s, const char *buf, size_t n)
{
    if (s.len && (s.ptr < buf || s.ptr > buf + n || s.len > (size_t)(buf + n - s.ptr)))
        abort();
}

static void check_query(struct slice query)
{
    char out[32];
    memset(out, 'x', sizeof out);
    long n = http_query_get(query, "since", out, 8);
    if (n >= 0 && (n > 7 || out[n] != '\0'))
        abort();
    if (n != HTTP_QUERY_ABSENT && n != HTTP_QUERY_BAD && n < 0)
        abort();
    for (size_t i = 8; i < sizeof out; i++)
        if (out[i] != 'x')
            abort(); /* written past cap */
}

/* The path and the query lie in the target, the query at its end and the
 * path just before its '?' (or at the end).  The path starts the target,
 * except in the absolute form (RFC 9112 §3.2.2), which skips
 * scheme://authority and reads an empty path as a static "/". */
static void check_path_and_query(const struct http_request *req)
{
    const char *t = req->target.ptr, *end = t + req->target.len;
    const char *path_end = req->query.ptr ? req->query.ptr - 1 : end;
    if (req->query.ptr) {
        slice_inside(req->query, t, req->target.len);
        if (req->query.ptr + req->query.len != end || *path_end != '?')
            abort();
    }
    uintptr_t p = (uintptr_t)req->path.ptr;
    bool root = req->path.len == 1 && req->path.ptr[0] == '/' &&
                (p < (uintptr_t)t || p >= (uintptr_t)end);
    if (root)
        return;
    slice_inside(req->path, t, req->target.len);
    if (req->path.ptr + req->path.len != path_end || (req->path.ptr != t && req->path.len == 0))
        abort();
}

/* http_starts_with_method on an exact copy: 1 only when a known method
 * and a space begin the bytes, then on every longer input too; and a
 * parsed request with a known method is recognised by its first bytes. */
static void check_first_bytes(const char *buf, size_t len, const struct http_request *parsed)
{
    char *in = exact_copy(buf, len);
    int r = http_starts_with_method(in, len);
    CHECK(r == 0 || r == 1 || r == PROTO_PARTIAL);
    const char *space = len ? memchr(in, ' ', len) : NULL;
    if (r == 1)
        CHECK(space && http_method_known((struct slice){in, (size_t)(space - in)}));
    if (r == PROTO_PARTIAL)
        CHECK(!space);
    if (parsed && http_method_known(parsed->method) && parsed->method.ptr == buf)
        CHECK(r == 1);
    free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct http_limits *lim = &limit_sets[data[0] & 1];
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;

    static struct http_request req;
    struct proto_err err = {0};
    /* The request line alone ends where a whole head's first line does,
     * and a head whose line is refused is refused too. */
    long line = http_read_request_line(buf, len, lim, &req, &err);
    if ((line >= 0 && (line == 0 || (size_t)line > len || req.num_headers)) ||
        (line < 0 && line != PROTO_PARTIAL && line != PROTO_ERROR))
        abort();
    long whole = http_read_request(buf, len, lim, &req, &err);
    if ((whole > 0 && line <= 0) || (line == PROTO_ERROR && whole != PROTO_ERROR))
        abort();
    err = (struct proto_err){0};
    long n = http_parse_request(buf, len, lim, &req, &err);
    int code = err.code;
    if (n == PROTO_ERROR) {
        if (!err.why || (code != 400 && code != 414 && code != 431 && code != 505))
            abort();
    } else if (n >= 0) {
        if (n == 0 || (size_t)n > len || req.head_bytes != (size_t)n || (size_t)n > lim->max_head)
            abort();
        if (req.num_headers > lim->max_headers || req.target.len > lim->max_target)
            abort();
        slice_inside(req.method, buf, (size_t)n);
        slice_inside(req.target, buf, (size_t)n);
        check_path_and_query(&req);
        for (size_t i = 0; i < req.num_headers; i++) {
            slice_inside(req.headers[i].name, buf, (size_t)n);
            slice_inside(req.headers[i].value, buf, (size_t)n);
            const struct slice *v = &req.headers[i].value;
            if (v->len && (memchr(v->ptr, '\r', v->len) || memchr(v->ptr, '\n', v->len)))
                abort();
            http_list_has_token(req.headers[i].value, "close");
        }
        struct http_body body;
        struct proto_err berr = {0};
        if (http_request_body(&req, &body, &berr) < 0 && berr.code != 400 && berr.code != 501)
            abort();
        if (http_header_find(req.headers, req.num_headers, "host") == NULL &&
            req.minor_version == 1)
            abort(); /* HTTP/1.1 needs a Host */
        check_query(req.query);
    } else if (n != PROTO_PARTIAL) {
        abort();
    }
    check_query((struct slice){buf, len});
    check_first_bytes(buf, len, n > 0 ? &req : NULL);

    /* A few prefixes: the middle, one short of the end, one short of the head. */
    size_t cuts[3] = {len / 2, len ? len - 1 : 0, n > 0 ? (size_t)n - 1 : 0};
    for (int i = 0; i < 3; i++) {
        size_t k = cuts[i];
        char *p = exact_copy(buf, k);
        static struct http_request preq;
        struct proto_err perr = {0};
        long m = http_parse_request(p, k, lim, &preq, &perr);
        free(p);
        if (n >= 0 && k >= (size_t)n) {
            if (m != n)
                abort();
        } else if (m != PROTO_PARTIAL && !(n == PROTO_ERROR && m == n && perr.code == code)) {
            abort();
        }
    }
    return 0;
}

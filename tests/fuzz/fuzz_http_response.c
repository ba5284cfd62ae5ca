/* fuzz_http_response.c -- libFuzzer target for the response head parser
 * and response body framing.
 *
 * Checks, on arbitrary bytes (the first byte picks the limits and whether
 * the request was HEAD):
 *   - PROTO_PARTIAL, PROTO_ERROR with code 0, or a head length <= the
 *     input with a status 100..999 and every slice inside the head;
 *   - a value neither starts nor ends with white space, and has CR or LF
 *     only in obs-folds: unfolded (RFC 9112 §5.2) it has none, is no
 *     longer, and keeps its first and last bytes;
 *   - prefixes give PROTO_PARTIAL or the whole input's answer;
 *   - body framing never says "body" for HEAD, 1xx, 204 or 304.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/http.h"

#include "fuzz_check.h"

static const struct http_limits limit_sets[2] = {
    {.max_head = 4096, .max_headers = 100, .max_target = 0},
    {.max_head = 48, .max_headers = 2, .max_target = 0},
};

static void slice_inside(struct slice s, const char *buf, size_t n)
{
    if (s.len && (s.ptr < buf || s.ptr > buf + n || s.len > (size_t)(buf + n - s.ptr)))
        abort();
}

static void value_unfolds(struct slice v)
{
    if (!v.len)
        return;
    if (http_value_ws((unsigned char)v.ptr[0]) || http_value_ws((unsigned char)v.ptr[v.len - 1]))
        abort();
    for (size_t i = 0; i < v.len; i++) /* each LF of a fold is followed by SP or HTAB */
        if (v.ptr[i] == '\n' && (i + 1 >= v.len || (v.ptr[i + 1] != ' ' && v.ptr[i + 1] != '\t')))
            abort();
    static char out[4096];
    if (v.len > sizeof out)
        return;
    struct slice u = http_value_unfold(v, out);
    if (u.len > v.len || u.ptr[0] != v.ptr[0] || u.ptr[u.len - 1] != v.ptr[v.len - 1])
        abort();
    if (memchr(u.ptr, '\r', u.len) || memchr(u.ptr, '\n', u.len))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct http_limits *lim = &limit_sets[data[0] & 1];
    bool was_head = data[0] & 2;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;

    static struct http_response res;
    struct proto_err err = {.code = 77};
    long n = http_parse_response(buf, len, lim, &res, &err);
    if (n == PROTO_ERROR) {
        if (!err.why || err.code != 0)
            abort();
    } else if (n >= 0) {
        if (n == 0 || (size_t)n > len || res.head_bytes != (size_t)n || (size_t)n > lim->max_head)
            abort();
        if (res.status < 100 || res.status > 999 || res.num_headers > lim->max_headers)
            abort();
        slice_inside(res.reason, buf, (size_t)n);
        for (size_t i = 0; i < res.num_headers; i++) {
            slice_inside(res.headers[i].name, buf, (size_t)n);
            slice_inside(res.headers[i].value, buf, (size_t)n);
            value_unfolds(res.headers[i].value);
        }
        struct http_body body;
        struct proto_err berr = {.code = 77};
        int r = http_response_body(&res, was_head, &body, &berr);
        if (r < 0 && berr.code != 0)
            abort();
        bool bodiless = was_head || res.status < 200 || res.status == 204 || res.status == 304;
        if (r == 0 && bodiless && body.kind != HTTP_BODY_NONE)
            abort();
    } else if (n != PROTO_PARTIAL) {
        abort();
    }

    /* Prefixes: all of them for short inputs, evenly spread for long ones. */
    for (size_t k = 0; k < len; k += 1 + len / 256) {
        char *p = exact_copy(buf, k);
        static struct http_response pres;
        long m = http_parse_response(p, k, lim, &pres, NULL);
        free(p);
        if (n >= 0 && k >= (size_t)n) {
            if (m != n)
                abort();
        } else if (m != PROTO_PARTIAL && !(n == PROTO_ERROR && m == n)) {
            abort();
        }
    }
    return 0;
}

/* check_http.c -- the HTTP codecs of src/proto: request and response heads
 * (RFC 9112 examples, every error with its status, limits), body framing,
 * the chunked decoder and encoder, multipart/x-mixed-replace parts, and
 * query strings.
 *
 * Every parser is also fed each input cut at every point: a prefix must
 * give PROTO_PARTIAL (or, for a bad input, the same error as the whole),
 * and the chunked decoder must give the same chunks and data whatever the
 * pieces.  Each prefix is copied into a buffer of exactly its size, so
 * under AddressSanitizer a read past the given length is caught.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "proto/http.h"

static const struct http_limits limits = {.max_head = 8192, .max_headers = 64, .max_target = 2048};

#define assert_slice(s, want)                                                                      \
    ck_assert_msg(slice_eq((s), (want)), "got \"%.*s\", want \"%s\"", (int)(s).len,            \
                  (s).ptr ? (s).ptr : "", (want))

/* A copy of s[0..n) in a buffer of exactly n bytes (freed by the caller). */
static char *exact_copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, s, n);
    return p;
}

/* ------------------------------------------------------------ heads */

static long parse_req(const char *s, struct http_request *req, struct proto_err *err)
{
    return http_parse_request(s, strlen(s), &limits, req, err);
}

/* Whole input gives `want` (and err code `code` when an error); every
 * prefix gives PROTO_PARTIAL or, for errors, that same error. */
static void request_splits(const char *s, const struct http_limits *lim, long want, int code)
{
    size_t len = strlen(s);
    for (size_t k = 0; k <= len; k++) {
        char *p = exact_copy(s, k);
        struct http_request req;
        struct proto_err err = {0};
        long n = http_parse_request(p, k, lim, &req, &err);
        if (k == len || (want >= 0 && k >= (size_t)want)) {
            ck_assert_msg(n == want, "whole input cut at %zu: %ld, want %ld", k, n, want);
        } else {
            ck_assert_msg(n == PROTO_PARTIAL || (want == PROTO_ERROR && n == PROTO_ERROR),
                          "prefix %zu of %zu: %ld", k, len, n);
        }
        if (n == PROTO_ERROR)
            ck_assert_int_eq(err.code, code);
        free(p);
    }
}

static void response_splits(const char *s, long want)
{
    size_t len = strlen(s);
    for (size_t k = 0; k <= len; k++) {
        char *p = exact_copy(s, k);
        struct http_response res;
        struct proto_err err = {0};
        long n = http_parse_response(p, k, &limits, &res, &err);
        if (k == len || (want >= 0 && k >= (size_t)want))
            ck_assert_msg(n == want, "cut at %zu: %ld, want %ld", k, n, want);
        else
            ck_assert_msg(n == PROTO_PARTIAL || (want == PROTO_ERROR && n == PROTO_ERROR),
                          "prefix %zu: %ld", k, n);
        free(p);
    }
}

START_TEST(request_rfc9112_example)
{
    /* RFC 9110 §6.1 / RFC 9112 §2.1 example request */
    const char *s = "GET /hello.txt HTTP/1.1\r\n"
                    "User-Agent: curl/7.64.1\r\n"
                    "Host: www.example.com\r\n"
                    "Accept-Language: en, mi\r\n"
                    "\r\n";
    struct http_request req;
    struct proto_err err = {0};
    long n = parse_req(s, &req, &err);
    ck_assert_int_eq(n, (long)strlen(s));
    ck_assert_uint_eq(req.head_bytes, strlen(s));
    assert_slice(req.method, "GET");
    assert_slice(req.target, "/hello.txt");
    assert_slice(req.path, "/hello.txt");
    ck_assert_uint_eq(req.query.len, 0);
    ck_assert_int_eq(req.minor_version, 1);
    ck_assert_uint_eq(req.num_headers, 3);
    assert_slice(req.headers[0].name, "User-Agent");
    assert_slice(req.headers[0].value, "curl/7.64.1");
    assert_slice(req.headers[2].value, "en, mi");
    const struct slice *host = http_header_find(req.headers, req.num_headers, "HOST");
    ck_assert_ptr_nonnull(host);
    assert_slice(*host, "www.example.com");
    ck_assert_ptr_null(http_header_find(req.headers, req.num_headers, "Cookie"));
    request_splits(s, &limits, n, 0);
}
END_TEST

START_TEST(request_target_query_and_trimmed_values)
{
    const char *s = "POST /poll?since=3&callback=f HTTP/1.0\r\n"
                    "X-Empty:\r\n"
                    "X-Pad: \t  spaced out \t \r\n"
                    "\r\n"
                    "BODY";
    struct http_request req;
    long n = parse_req(s, &req, NULL);
    ck_assert_int_eq(n, (long)strlen(s) - 4);
    assert_slice(req.method, "POST");
    assert_slice(req.path, "/poll");
    assert_slice(req.query, "since=3&callback=f");
    ck_assert_int_eq(req.minor_version, 0);
    ck_assert_uint_eq(req.num_headers, 2);
    ck_assert_uint_eq(req.headers[0].value.len, 0);
    assert_slice(req.headers[1].value, "spaced out");
    request_splits(s, &limits, n, 0);

    ck_assert_int_eq(parse_req("GET /a? HTTP/1.0\r\n\r\n", &req, NULL), 20);
    assert_slice(req.path, "/a");
    ck_assert_uint_eq(req.query.len, 0);
    ck_assert_ptr_nonnull(req.query.ptr); /* a '?' was there */
}
END_TEST

/* RFC 9112 §3.2.2: the absolute form's path and query, its authority
 * skipped; an empty path is "/". */
START_TEST(request_target_absolute_form)
{
    static const struct {
        const char *target, *path, *query;
    } cases[] = {
        {"http://127.0.0.1/poll?since=0", "/poll", "since=0"},
        {"HTTP://example.com:8001/a/b", "/a/b", NULL},
        {"https://user@host", "/", NULL},
        {"http://host?x=1", "/", "x=1"},
        {"/x://y", "/x://y", NULL},       /* origin form that looks like one */
        {"host:8001", "host:8001", NULL}, /* authority form: no "//" */
        {"*", "*", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[128];
        snprintf(s, sizeof s, "GET %s HTTP/1.1\r\nHost: other\r\n\r\n", cases[i].target);
        struct http_request req;
        ck_assert_int_eq(parse_req(s, &req, NULL), (long)strlen(s));
        assert_slice(req.target, cases[i].target);
        assert_slice(req.path, cases[i].path);
        if (cases[i].query)
            assert_slice(req.query, cases[i].query);
        else
            ck_assert_ptr_null(req.query.ptr);
        request_splits(s, &limits, (long)strlen(s), 0);
    }
}
END_TEST

START_TEST(request_bare_lf_and_leading_empty_lines)
{
    const char *s = "\r\n\nGET / HTTP/1.1\nHost: a\n\n";
    struct http_request req;
    long n = parse_req(s, &req, NULL);
    ck_assert_int_eq(n, (long)strlen(s));
    assert_slice(req.method, "GET");
    assert_slice(req.headers[0].value, "a");
    request_splits(s, &limits, n, 0);
}
END_TEST

START_TEST(request_versions)
{
    struct http_request req;
    struct proto_err err = {0};
    ck_assert_int_gt(parse_req("GET / HTTP/1.9\r\nHost: a\r\n\r\n", &req, &err), 0);
    ck_assert_int_eq(req.minor_version, 1); /* a higher minor reads as 1.1 */
    ck_assert_int_eq(parse_req("GET / HTTP/2.0\r\nHost: a\r\n\r\n", &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 505);
    ck_assert_int_eq(parse_req("GET / http/1.1\r\n\r\n", &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 400);
    ck_assert_int_eq(parse_req("GET / HTTP/1.1x\r\n\r\n", &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 400);
    ck_assert_int_eq(parse_req("GET / HTTP/11.1\r\n\r\n", &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 400);
    ck_assert_int_eq(parse_req("GET / HTTP/#.1\r\nHost: a\r\n\r\n", &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 400); /* the pattern's placeholder is not a digit */
}
END_TEST

/* Malformed requests and the status each must get. */
static const struct {
    const char *input;
    int code;
} bad_requests[] = {
    {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},             /* two spaces */
    {" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},             /* empty method */
    {"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},              /* not a token */
    {"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},           /* space in target */
    {"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},          /* control in target */
    {"GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},      /* raw UTF-8 in target */
    {"GET /\tHTTP/1.1\r\nHost: a\r\n\r\n", 400},             /* tab as separator */
    {"GET / HTTP/1.1\rHost: a\r\n\r\n", 400},                /* bare CR */
    {"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},             /* junk after version */
    {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},   /* obs-fold */
    {"GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", 400},            /* space before first field */
    {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},             /* space before colon */
    {"GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 400},       /* empty name */
    {"GET / HTTP/1.1\r\nHo\"st: a\r\n\r\n", 400},            /* bad name char */
    {"GET / HTTP/1.1\r\nNo-colon\r\n\r\n", 400},             /* no colon */
    {"GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", 400},          /* DEL in value */
    {"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400},           /* bare CR in value */
    {"GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", 400},            /* bare CR at the end */
    {"GET / HTTP/1.1\r\n\r\n", 400},                         /* HTTP/1.1 without Host */
    {"GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400},   /* two Hosts */
    {"GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505},
};

START_TEST(request_malformed)
{
    const char *s = bad_requests[_i].input;
    struct http_request req;
    struct proto_err err = {0};
    ck_assert_int_eq(parse_req(s, &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, bad_requests[_i].code);
    ck_assert_ptr_nonnull(err.why);
    request_splits(s, &limits, PROTO_ERROR, bad_requests[_i].code);
}
END_TEST

START_TEST(request_read_without_the_host_check)
{
    /* The syntax is sound; only a server's check (RFC 9112 §3.2) fails,
     * so http_read_request reads them and http_check_request objects. */
    static const char *const refused[] = {
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct http_request req;
        struct proto_err err = {0};
        long n = http_read_request(refused[i], strlen(refused[i]), &limits, &req, &err);
        ck_assert_int_eq(n, (long)strlen(refused[i]));
        assert_slice(req.target, "/");
        ck_assert_int_eq(http_check_request(&req, &err), PROTO_ERROR);
        ck_assert_int_eq(err.code, 400);
    }
    struct http_request req;
    struct proto_err err = {0};
    const char *ok = "GET / HTTP/1.0\r\n\r\n"; /* HTTP/1.0 may omit Host */
    ck_assert_int_gt(http_read_request(ok, strlen(ok), &limits, &req, &err), 0);
    ck_assert_int_eq(http_check_request(&req, &err), 0);
}
END_TEST

/* The request line alone: whole once it has ended, whatever follows. */
START_TEST(request_line_alone)
{
    struct http_request req;
    struct proto_err err;
    const char *head = "GET /events?since=3 HTTP/1.1\r\nHost: x";
    ck_assert_int_eq(http_read_request_line(head, strlen(head), &limits, &req, &err),
                     (long)strlen("GET /events?since=3 HTTP/1.1\r\n"));
    ck_assert_uint_eq(req.method.len, 3);
    ck_assert_uint_eq(req.num_headers, 0);
    ck_assert_int_eq(http_read_request_line("\r\nPOST / HTTP/1.0\n", 18, &limits, &req, &err), 18);
    for (size_t n = 0; n < strlen("GET / HTTP/1.1\r\n"); n++) /* every prefix: not ended yet */
        ck_assert_int_eq(http_read_request_line("GET / HTTP/1.1\r\n", n, &limits, &req, &err), PROTO_PARTIAL);
    /* a word, a word and then no version: a Flash message, say */
    ck_assert_int_eq(http_read_request_line("lab reference token: red", 24, &limits, &req, &err), PROTO_ERROR);
    ck_assert_int_eq(http_read_request_line("GET / HTTP/2.0\r\n", 16, &limits, &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 505);
}
END_TEST

START_TEST(request_nul_and_obs_text_in_values)
{
    static const char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
    struct http_request req;
    struct proto_err err = {0};
    ck_assert_int_eq(http_parse_request(nul, sizeof nul - 1, &limits, &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 400);
    /* obs-text is allowed in a value (RFC 9110 §5.5), kept as is */
    ck_assert_int_gt(parse_req("GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n", &req, &err),
                     0);
    assert_slice(req.headers[1].value, "caf\xc3\xa9");
}
END_TEST

START_TEST(request_limits)
{
    struct http_request req;
    struct proto_err err = {0};
    struct http_limits small = {.max_head = 64, .max_headers = 2, .max_target = 8};

    /* 414 as soon as the 9th target byte arrives, before the line ends */
    ck_assert_int_eq(http_parse_request("GET /12345678", 13, &small, &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 414);
    ck_assert_int_eq(http_parse_request("GET /1234567", 12, &small, &req, &err), PROTO_PARTIAL);
    request_splits("GET /1234567 HTTP/1.1\r\nHost: a\r\n\r\n", &small, 34, 0);
    request_splits("GET /12345678 HTTP/1.1\r\nHost: a\r\n\r\n", &small, PROTO_ERROR, 414);

    /* 431 for the third header line */
    const char *three = "GET / HTTP/1.1\r\nHost: a\r\nB: b\r\nC: c\r\n\r\n";
    request_splits(three, &small, PROTO_ERROR, 431);
    ck_assert_int_gt(http_parse_request(three, strlen(three), &limits, &req, &err), 0);

    /* the head may be exactly max_head bytes, not one more */
    char head[80];
    int n = snprintf(head, sizeof head, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); /* 64 bytes */
    ck_assert_int_eq(n, 64);
    ck_assert_int_eq(http_parse_request(head, 64, &small, &req, &err), 64);
    small.max_head = 63;
    request_splits(head, &small, PROTO_ERROR, 431);
    /* an endless head is refused once it passes the limit, not kept */
    ck_assert_int_eq(http_parse_request(head, 62, &small, &req, &err), PROTO_PARTIAL);
    ck_assert_int_eq(http_parse_request(head, 63, &small, &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 431);

    /* max_headers above the array's capacity is clamped to it */
    struct http_limits huge = {.max_head = 1 << 20, .max_headers = 1000, .max_target = 64};
    static char many[8192];
    size_t len = (size_t)snprintf(many, sizeof many, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < HTTP_HEADERS_CAP + 1; i++)
        len += (size_t)snprintf(many + len, sizeof many - len, "Host%d: x\r\n", i);
    len += (size_t)snprintf(many + len, sizeof many - len, "\r\n");
    ck_assert_int_eq(http_parse_request(many, len, &huge, &req, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 431);
}
END_TEST

START_TEST(response_heads)
{
    const char *s = "HTTP/1.1 200 OK\r\n"
                    "Content-Type: text/event-stream\r\n"
                    "Cache-Control: no-cache\r\n"
                    "\r\n"
                    "data: x\n\n";
    struct http_response res;
    struct proto_err err = {0};
    long n = http_parse_response(s, strlen(s), &limits, &res, &err);
    ck_assert_int_eq(n, (long)strlen(s) - 9);
    ck_assert_int_eq(res.status, 200);
    ck_assert_int_eq(res.minor_version, 1);
    assert_slice(res.reason, "OK");
    ck_assert_uint_eq(res.num_headers, 2);
    assert_slice(*http_header_find(res.headers, res.num_headers, "content-type"),
                 "text/event-stream");
    response_splits(s, n);

    const char *ws = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
    ck_assert_int_gt(http_parse_response(ws, strlen(ws), &limits, &res, &err), 0);
    ck_assert_int_eq(res.status, 101);
    assert_slice(res.reason, "Switching Protocols");

    /* no reason phrase, with or without its space */
    const char *bare = "HTTP/1.0 204\r\n\r\n";
    ck_assert_int_eq(http_parse_response(bare, strlen(bare), &limits, &res, &err), 16);
    ck_assert_int_eq(res.status, 204);
    ck_assert_int_eq(res.minor_version, 0);
    ck_assert_uint_eq(res.reason.len, 0);
    response_splits(bare, 16);
    ck_assert_int_eq(http_parse_response("HTTP/1.1 304 \r\n\r\n", 17, &limits, &res, &err), 17);
}
END_TEST

START_TEST(response_malformed_carry_code_zero)
{
    static const char *bad[] = {
        "HTTP/1.1 099 Low\r\n\r\n",   "HTTP/1.1 2## OK\r\n\r\n", "HTTP/#.1 200 OK\r\n\r\n",   "HTTP/1.1 20 OK\r\n\r\n",  "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/2 200 OK\r\n\r\n",      "HTTP/2.0 200 OK\r\n\r\n", "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 O\x01K\r\n\r\n", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n",
        "HTTP/1.1 200 OK\r\n x\r\n\r\n", /* white space before the first field: no fold */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct http_response res;
        struct proto_err err = {.code = 77};
        ck_assert_msg(http_parse_response(bad[i], strlen(bad[i]), &limits, &res, &err) ==
                          PROTO_ERROR,
                      "accepted %s", bad[i]);
        ck_assert_int_eq(err.code, 0);
        response_splits(bad[i], PROTO_ERROR);
    }
    struct http_limits small = {.max_head = 20, .max_headers = 4, .max_target = 4};
    struct http_response res;
    struct proto_err err = {.code = 77};
    const char *big = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n";
    ck_assert_int_eq(http_parse_response(big, strlen(big), &small, &res, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 0);
}
END_TEST

/* The value of header `name` in res, unfolded into buf. */
static struct slice unfolded(const struct http_response *res, const char *name, char *buf)
{
    const struct slice *v = http_header_find(res->headers, res->num_headers, name);
    ck_assert_msg(v != NULL, "no %s", name);
    return http_value_unfold(*v, buf);
}

START_TEST(response_obs_fold_is_unfolded)
{
    /* RFC 9112 §5.2: a user agent replaces each obs-fold (OWS CRLF RWS)
     * of a response with SP before it reads the value.  The slice spans
     * the folds; http_value_unfold joins the parts with one SP. */
    const char *s = "HTTP/1.1 200 OK\r\n"
                    "X-Folded: one  \r\n two\r\n\t three\r\n"
                    "X-Start:\r\n first\r\n"
                    "X-End: last\r\n \r\n"
                    "X-Empty:\r\n \r\n"
                    "Transfer-Encoding: gzip,\r\n chunked\r\n"
                    "Content-Type: multipart/x-mixed-replace;\r\n\tboundary=frame\r\n"
                    "Connection: keep-alive,\r\n Upgrade\r\n"
                    "\r\n"
                    "body";
    struct http_response res;
    struct proto_err err = {0};
    long n = http_parse_response(s, strlen(s), &limits, &res, &err);
    ck_assert_int_eq(n, (long)strlen(s) - 4);
    ck_assert_uint_eq(res.num_headers, 7);
    char buf[64];
    const struct slice *raw = http_header_find(res.headers, res.num_headers, "X-Folded");
    assert_slice(*raw, "one  \r\n two\r\n\t three"); /* the bytes as sent, trimmed */
    assert_slice(unfolded(&res, "X-Folded", buf), "one two three");
    assert_slice(unfolded(&res, "X-Start", buf), "first");  /* empty first line */
    assert_slice(unfolded(&res, "X-End", buf), "last");     /* a fold of white space only */
    assert_slice(unfolded(&res, "X-Empty", buf), "");
    /* The value readers take a fold for the white space it stands for. */
    struct http_body body;
    ck_assert_int_eq(http_response_body(&res, false, &body, &err), 0);
    ck_assert_int_eq(body.kind, HTTP_BODY_CHUNKED);
    struct slice boundary;
    ck_assert(http_multipart_boundary(*http_header_find(res.headers, res.num_headers, "content-type"),
                                      &boundary));
    assert_slice(boundary, "frame");
    ck_assert(http_list_has_token(*http_header_find(res.headers, res.num_headers, "Connection"),
                                  "upgrade"));
    response_splits(s, n);

    /* Bare LF line ends fold too; unfolding never lengthens a value. */
    const char *lf = "HTTP/1.1 204 No Content\nX-A: a\n\tb\n\n";
    ck_assert_int_eq(http_parse_response(lf, strlen(lf), &limits, &res, &err), (long)strlen(lf));
    assert_slice(unfolded(&res, "X-A", buf), "a b");
    response_splits(lf, (long)strlen(lf));
    struct slice plain = {"no fold", 7};
    ck_assert_ptr_eq(http_value_unfold(plain, buf).ptr, plain.ptr); /* borrowed as it was */

    /* A fold in a number leaves no number: "1 2" is no Content-Length. */
    const char *num = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 2\r\n\r\n";
    ck_assert_int_gt(http_parse_response(num, strlen(num), &limits, &res, &err), 0);
    ck_assert_int_eq(http_response_body(&res, false, &body, &err), PROTO_ERROR);

    /* White space before the first field line folds nothing: an error,
     * as it is in a request; and a request's fold is still a 400. */
    const char *first = "HTTP/1.1 200 OK\r\n X-A: a\r\n\r\n";
    ck_assert_int_eq(http_parse_response(first, strlen(first), &limits, &res, &err), PROTO_ERROR);
    response_splits(first, PROTO_ERROR);
    const char *req = "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n";
    struct http_request rq;
    ck_assert_int_eq(parse_req(req, &rq, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 400);
    ck_assert_str_eq(err.why, "line folding (a header line starting with white space)");
    request_splits(req, &limits, PROTO_ERROR, 400);
}
END_TEST

START_TEST(header_count)
{
    const char *s = "GET / HTTP/1.0\r\nHost: a\r\nX: 1\r\nhost: b\r\nHOST: c\r\n\r\n";
    struct http_request req;
    struct proto_err err = {0};
    ck_assert_int_gt(http_read_request(s, strlen(s), &limits, &req, &err), 0);
    ck_assert_uint_eq(http_header_count(req.headers, req.num_headers, "Host"), 3);
    ck_assert_uint_eq(http_header_count(req.headers, req.num_headers, "x"), 1);
    ck_assert_uint_eq(http_header_count(req.headers, req.num_headers, "Hos"), 0);
    ck_assert_uint_eq(http_header_count(req.headers, 0, "Host"), 0);
}
END_TEST

START_TEST(list_tokens)
{
    struct slice v = {"keep-alive, Upgrade", 19};
    ck_assert(http_list_has_token(v, "upgrade"));
    ck_assert(http_list_has_token(v, "Keep-Alive"));
    ck_assert(!http_list_has_token(v, "close"));
    ck_assert(!http_list_has_token(v, "keep"));
    const char *odd = " ,, gzip ; q=\"a,close\" ,\tchunked ,";
    struct slice w = {odd, strlen(odd)};
    ck_assert(http_list_has_token(w, "gzip"));
    ck_assert(http_list_has_token(w, "chunked"));
    ck_assert(!http_list_has_token(w, "close")); /* inside a quoted parameter */
    ck_assert(!http_list_has_token((struct slice){NULL, 0}, "close"));
    ck_assert(!http_list_has_token((struct slice){"keep alive", 10}, "keep-alive"));
}
END_TEST

START_TEST(slices_compare)
{
    struct slice s = {"GETx", 3};
    ck_assert(slice_eq(s, "GET"));
    ck_assert(!slice_eq(s, "get"));
    ck_assert(!slice_eq(s, "GETx"));
    ck_assert(slice_eq_ci(s, "get"));
    ck_assert(!slice_eq_ci(s, "ge"));
    ck_assert(slice_eq((struct slice){NULL, 0}, ""));
    ck_assert(slice_eq_ci((struct slice){NULL, 0}, ""));
    ck_assert(!slice_eq_ci((struct slice){"\xc3", 1}, "\xe3")); /* ASCII only */
    ck_assert(!slice_eq_ci((struct slice){"[", 1}, "{"));
}
END_TEST

/* ------------------------------------------------------------ bodies */

static struct http_request req_with(const char *head)
{
    static char copy[1024]; /* the slices point here */
    snprintf(copy, sizeof copy, "%s", head);
    struct http_request req;
    struct proto_err err = {0};
    ck_assert_msg(parse_req(copy, &req, &err) > 0, "%s: %s", head, err.why);
    return req;
}

static const struct {
    const char *head;
    int result; /* 0, or the error's status */
    enum http_body_kind kind;
    uint64_t length;
} request_bodies[] = {
    {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, HTTP_BODY_NONE, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", 0, HTTP_BODY_LENGTH, 12},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 0, HTTP_BODY_LENGTH, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\ncontent-length: 18446744073709551615\r\n\r\n", 0,
     HTTP_BODY_LENGTH, UINT64_MAX},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", 0, HTTP_BODY_CHUNKED, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n", 400, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
     400, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
     501, 0, 0},
    {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, 0, 0},
};

START_TEST(request_body_framing)
{
    struct http_request req = req_with(request_bodies[_i].head);
    struct http_body body = {HTTP_BODY_UNTIL_CLOSE, 99};
    struct proto_err err = {0};
    int r = http_request_body(&req, &body, &err);
    if (request_bodies[_i].result) {
        ck_assert_int_eq(r, PROTO_ERROR);
        ck_assert_int_eq(err.code, request_bodies[_i].result);
    } else {
        ck_assert_msg(r == 0, "%s", err.why);
        ck_assert_int_eq(body.kind, request_bodies[_i].kind);
        ck_assert_uint_eq(body.length, request_bodies[_i].length);
    }
}
END_TEST

static int response_kind(const char *head, bool was_head, struct http_body *body)
{
    struct http_response res;
    struct proto_err err = {.code = 77};
    ck_assert_int_gt(http_parse_response(head, strlen(head), &limits, &res, &err), 0);
    int r = http_response_body(&res, was_head, body, &err);
    if (r < 0) {
        ck_assert_int_eq(err.code, 0);
        return -1;
    }
    return (int)body->kind;
}

START_TEST(response_body_framing)
{
    struct http_body b;
    const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n";
    ck_assert_int_eq(response_kind(cl, false, &b), HTTP_BODY_LENGTH);
    ck_assert_uint_eq(b.length, 7);
    ck_assert_int_eq(response_kind(cl, true, &b), HTTP_BODY_NONE); /* answer to HEAD */
    ck_assert_int_eq(response_kind("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", false, &b),
                     HTTP_BODY_NONE);
    ck_assert_int_eq(response_kind("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
                                   false, &b),
                     HTTP_BODY_NONE);
    ck_assert_int_eq(response_kind("HTTP/1.1 101 Switching Protocols\r\n\r\n", false, &b),
                     HTTP_BODY_NONE);
    ck_assert_int_eq(response_kind("HTTP/1.1 100 Continue\r\n\r\n", false, &b), HTTP_BODY_NONE);
    ck_assert_int_eq(response_kind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                   "Content-Length: 7\r\n\r\n",
                                   false, &b),
                     HTTP_BODY_CHUNKED); /* Transfer-Encoding overrides */
    ck_assert_int_eq(response_kind("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, &b),
                     HTTP_BODY_UNTIL_CLOSE);
    ck_assert_int_eq(response_kind("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                                   false, &b),
                     HTTP_BODY_UNTIL_CLOSE);
    ck_assert_int_eq(response_kind("HTTP/1.0 200 OK\r\n\r\n", false, &b), HTTP_BODY_UNTIL_CLOSE);
    ck_assert_int_eq(response_kind("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                                   false, &b),
                     -1);
    ck_assert_int_eq(response_kind("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, &b), -1);
    ck_assert_int_eq(response_kind("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, &b),
                     -1);
}
END_TEST

/* RFC 9112 §6.3 item 5: in a response, repeats of one value are that
 * value, on several lines or as a list; a request keeps refusing them
 * (the request table above). */
START_TEST(response_length_repeating_one_value)
{
    struct http_body b;
    const char *same[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5,5 ,\t5\r\nContent-Length: 5\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        ck_assert_int_eq(response_kind(same[i], false, &b), HTTP_BODY_LENGTH);
        ck_assert_uint_eq(b.length, 5);
    }
    const char *bad[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 05x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: ,5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_int_eq(response_kind(bad[i], false, &b), -1);
}
END_TEST

/* ------------------------------------------------------------ chunked */

/* What a decoder made of a whole body. */
struct decoded {
    long result;         /* total consumed, or PROTO_ERROR */
    int sizes;           /* size lines seen */
    uint64_t size[8];    /* their sizes ... */
    uint64_t offset[8];  /* ... and offsets */
    char data[256];      /* all data, joined */
    size_t data_len;
    bool ended;
};

/* Feed `s` in pieces of `step` bytes (each in an exact-size copy), the way
 * a socket would deliver it, and collect the items. */
static struct decoded decode(const char *s, size_t len, size_t step)
{
    struct decoded out = {0};
    struct http_chunked d;
    http_chunked_init(&d);
    size_t fed = 0; /* bytes of s handed to the decoder and consumed */
    while (fed < len && !out.ended) {
        size_t piece = len - fed < step ? len - fed : step;
        char *p = exact_copy(s + fed, piece);
        size_t used = 0;
        while (used < piece) {
            struct http_chunk_item item;
            struct proto_err err = {0};
            long n = http_chunked_feed(&d, p + used, piece - used, &item, &err);
            if (n < 0) {
                ck_assert_int_eq(err.code, 400);
                free(p);
                out.result = PROTO_ERROR;
                return out;
            }
            ck_assert_uint_le((size_t)n, piece - used);
            used += (size_t)n;
            if (item.kind == HTTP_CHUNK_HEADER) {
                ck_assert_int_lt(out.sizes, 8);
                out.size[out.sizes] = item.size;
                out.offset[out.sizes++] = item.size_offset;
            } else if (item.kind == HTTP_CHUNK_DATA) {
                ck_assert_uint_gt(item.data_len, 0);
                ck_assert(item.data >= p + used - item.data_len && item.data + item.data_len <= p + piece);
                ck_assert_uint_eq(item.data_offset, fed + used - item.data_len);
                ck_assert_uint_le(out.data_len + item.data_len, sizeof out.data);
                memcpy(out.data + out.data_len, item.data, item.data_len);
                out.data_len += item.data_len;
            } else if (item.kind == HTTP_CHUNK_END) {
                out.ended = true;
                break;
            } else {
                ck_assert_uint_eq(used, piece); /* NONE: everything was taken */
            }
        }
        free(p);
        fed += used;
        ck_assert_uint_eq(d.offset, fed);
    }
    out.result = (long)fed;
    return out;
}

/* Every way of cutting `s` gives the same as feeding it whole. */
static struct decoded decode_all_ways(const char *s)
{
    size_t len = strlen(s);
    struct decoded whole = decode(s, len, len ? len : 1);
    for (size_t step = 1; step < len; step++) {
        struct decoded d = decode(s, len, step);
        ck_assert_int_eq(d.result, whole.result);
        ck_assert_int_eq(d.sizes, whole.sizes);
        ck_assert_int_eq(d.ended, whole.ended);
        for (int i = 0; i < d.sizes; i++) {
            ck_assert_uint_eq(d.size[i], whole.size[i]);
            ck_assert_uint_eq(d.offset[i], whole.offset[i]);
        }
        ck_assert_uint_eq(d.data_len, whole.data_len);
        ck_assert(memcmp(d.data, whole.data, d.data_len) == 0);
    }
    return whole;
}

START_TEST(chunked_classic_example)
{
    const char *s = "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\nGET /next";
    struct decoded d = decode_all_ways(s);
    ck_assert(d.ended);
    ck_assert_int_eq(d.result, (long)strlen(s) - 9); /* the next request is left alone */
    ck_assert_int_eq(d.sizes, 4);
    ck_assert_uint_eq(d.size[0], 4);
    ck_assert_uint_eq(d.size[2], 14);
    ck_assert_uint_eq(d.size[3], 0);
    ck_assert_uint_eq(d.offset[0], 0);
    ck_assert_uint_eq(d.offset[1], 9);
    ck_assert_uint_eq(d.offset[2], 19);
    ck_assert_uint_eq(d.offset[3], 38);
    ck_assert_uint_eq(d.data_len, 23);
    ck_assert(memcmp(d.data, "Wikipedia in\r\n\r\nchunks.", 23) == 0);
}
END_TEST

START_TEST(chunked_extensions_and_trailers)
{
    const char *s = "5;name=value;flag ; q = \"a \\\"b\\\";c\"\r\nhello\r\n"
                    "000A \t;x=1\r\n0123456789\r\n"
                    "0;last\r\nExpires: never\r\nX-Sum:  7 \r\n\r\n";
    struct decoded d = decode_all_ways(s);
    ck_assert(d.ended);
    ck_assert_int_eq(d.result, (long)strlen(s));
    ck_assert_int_eq(d.sizes, 3);
    ck_assert_uint_eq(d.size[1], 10);
    ck_assert_uint_eq(d.data_len, 15);
    ck_assert(memcmp(d.data, "hello0123456789", 15) == 0);

    /* sixteen hex digits still fit in 64 bits */
    struct http_chunked dec;
    struct http_chunk_item item;
    http_chunked_init(&dec);
    ck_assert_int_eq(http_chunked_feed(&dec, "ffffffffffffffff\r\n", 18, &item, NULL), 18);
    ck_assert_int_eq(item.kind, HTTP_CHUNK_HEADER);
    ck_assert_uint_eq(item.size, UINT64_MAX);
}
END_TEST

/* The section after the last chunk's size line, as pushviz shows it. */
START_TEST(chunked_trailer_section_parsed)
{
    struct http_header f[4];
    size_t n = 9;
    const char *s = "Server-Timing: total;dur=12\r\nX-Sum:  7 \r\n\r\nHTTP/1.1";
    ck_assert_int_eq(http_chunked_trailers(s, strlen(s), f, 4, &n, NULL), (long)strlen(s) - 8);
    ck_assert_uint_eq(n, 2);
    ck_assert(slice_eq(f[0].name, "Server-Timing") && slice_eq(f[0].value, "total;dur=12"));
    ck_assert(slice_eq(f[1].name, "X-Sum") && slice_eq(f[1].value, "7"));

    ck_assert_int_eq(http_chunked_trailers("\r\n", 2, f, 4, &n, NULL), 2); /* none: the usual case */
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(http_chunked_trailers("X-Sum: 7\r\n", 10, f, 4, &n, NULL), PROTO_PARTIAL);
    ck_assert_int_eq(http_chunked_trailers("X-Sum: 7\r\n", 9, f, 4, &n, NULL), PROTO_PARTIAL);

    struct proto_err err = {0};
    ck_assert_int_eq(http_chunked_trailers("A: 1\r\n 2\r\n\r\n", 12, f, 4, &n, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 400); /* no obs-fold in a trailer */
    ck_assert_int_eq(http_chunked_trailers("A: 1\r\nB: 2\r\nC: 3\r\n\r\n", 20, f, 2, &n, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 431);
}
END_TEST

START_TEST(chunked_end_consumes_nothing_more)
{
    struct http_chunked d;
    struct http_chunk_item item;
    http_chunked_init(&d);
    const char *s = "0\r\n\r\nleftover";
    ck_assert_int_eq(http_chunked_feed(&d, s, strlen(s), &item, NULL), 3);
    ck_assert_int_eq(item.kind, HTTP_CHUNK_HEADER);
    ck_assert_uint_eq(item.size, 0);
    ck_assert_int_eq(http_chunked_feed(&d, s + 3, strlen(s) - 3, &item, NULL), 2);
    ck_assert_int_eq(item.kind, HTTP_CHUNK_END);
    ck_assert_int_eq(http_chunked_feed(&d, s + 5, strlen(s) - 5, &item, NULL), 0);
    ck_assert_int_eq(item.kind, HTTP_CHUNK_END);
    ck_assert_uint_eq(d.offset, 5);
    /* an empty buffer before the end is just "nothing yet" */
    http_chunked_init(&d);
    ck_assert_int_eq(http_chunked_feed(&d, "", 0, &item, NULL), 0);
    ck_assert_int_eq(item.kind, HTTP_CHUNK_NONE);
}
END_TEST

START_TEST(chunked_skip_inside_data_only)
{
    /* "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n" with "ll" lost: the decoder
     * passes over them and reads on; a loss that leaves the chunk does not. */
    struct http_chunked d;
    struct http_chunk_item item;
    http_chunked_init(&d);
    ck_assert_int_eq(http_chunked_skip(&d, 1), PROTO_ERROR); /* in a size line */
    ck_assert_int_eq(http_chunked_feed(&d, "5\r\nhe", 5, &item, NULL), 3);
    ck_assert_int_eq(http_chunked_feed(&d, "he", 2, &item, NULL), 2);
    ck_assert_int_eq(http_chunked_skip(&d, 4), PROTO_ERROR); /* past the chunk's end */
    ck_assert_int_eq(http_chunked_skip(&d, 2), 0);
    ck_assert_uint_eq(d.offset, 7);
    const char *rest = "o\r\n3\r\nabc\r\n0\r\n\r\n";
    size_t pos = 0, sizes = 0;
    bool ended = false;
    while (!ended) {
        long r = http_chunked_feed(&d, rest + pos, strlen(rest) - pos, &item, NULL);
        ck_assert_int_ge(r, 0);
        pos += (size_t)r;
        if (item.kind == HTTP_CHUNK_HEADER)
            sizes = sizes * 10 + item.size;
        ended = item.kind == HTTP_CHUNK_END;
    }
    ck_assert_uint_eq(sizes, 30); /* the chunks of 3 and 0 */
    ck_assert_uint_eq(pos, strlen(rest));
    ck_assert_int_eq(http_chunked_skip(&d, 1), PROTO_ERROR); /* done */
}
END_TEST

START_TEST(chunked_place_says_what_an_end_of_input_cut)
{
    /* What an observer says a gap or the close cut: a size line begun,
     * data still to come, the trailer section; between chunks, nothing. */
    struct http_chunked d;
    struct http_chunk_item item;
    uint64_t n;
    http_chunked_init(&d);
    ck_assert_int_eq(http_chunked_place(&d, &n), CHUNKED_BETWEEN);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(http_chunked_feed(&d, "1a;x", 4, &item, NULL), 4);
    ck_assert_int_eq(http_chunked_place(&d, &n), CHUNKED_IN_SIZE_LINE);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(http_chunked_feed(&d, "\r", 1, &item, NULL), 1);
    ck_assert_int_eq(http_chunked_place(&d, &n), CHUNKED_IN_SIZE_LINE);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(http_chunked_feed(&d, "\nab", 3, &item, NULL), 1);
    ck_assert_int_eq(item.kind, HTTP_CHUNK_HEADER);
    ck_assert_int_eq(http_chunked_place(&d, &n), CHUNKED_IN_DATA);
    ck_assert_uint_eq(n, 26); /* 0x1a */
    ck_assert_int_eq(http_chunked_feed(&d, "ab", 2, &item, NULL), 2);
    ck_assert_int_eq(http_chunked_place(&d, &n), CHUNKED_IN_DATA);
    ck_assert_uint_eq(n, 24);
    ck_assert_int_eq(http_chunked_feed(&d, "abcdefghijklmnopqrstuvwx", 24, &item, NULL), 24);
    ck_assert_int_eq(http_chunked_place(&d, &n), CHUNKED_BETWEEN); /* the data came whole */
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(http_chunked_feed(&d, "\r\n", 2, &item, NULL), 2);
    ck_assert_int_eq(http_chunked_place(&d, &n), CHUNKED_BETWEEN);
    ck_assert_int_eq(http_chunked_feed(&d, "0\r\n", 3, &item, NULL), 3);
    ck_assert_int_eq(item.kind, HTTP_CHUNK_HEADER);
    ck_assert_int_eq(http_chunked_place(&d, &n), CHUNKED_IN_TRAILERS);
    ck_assert_int_eq(http_chunked_feed(&d, "X: 1\r\n\r\n", 8, &item, NULL), 8);
    ck_assert_int_eq(item.kind, HTTP_CHUNK_END);
    ck_assert_int_eq(http_chunked_place(&d, &n), CHUNKED_ENDED);
}
END_TEST

START_TEST(chunked_chunk_left_counts_to_the_crlf)
{
    /* The bytes of a chunk still to come, data and CRLF: fed no more than
     * that, the decoder stops at the chunk's end and judges nothing after
     * it, as pushviz's search for chunks after a gap needs. */
    struct http_chunked d;
    struct http_chunk_item item;
    const char *s = "5;x\r\nhello\r\nnot a size line";
    http_chunked_init(&d);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), 0); /* before a size line */
    ck_assert_int_eq(http_chunked_feed(&d, s, 2, &item, NULL), 2);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), 0); /* in it */
    ck_assert_int_eq(http_chunked_feed(&d, s + 2, strlen(s) - 2, &item, NULL), 3);
    ck_assert_int_eq(item.kind, HTTP_CHUNK_HEADER);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), 7); /* "hello" and CRLF */
    ck_assert_int_eq(http_chunked_feed(&d, s + 5, 3, &item, NULL), 3);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), 4);
    ck_assert_int_eq(http_chunked_feed(&d, s + 8, 3, &item, NULL), 2); /* the data ends the item */
    ck_assert_uint_eq(http_chunked_chunk_left(&d), 2);
    ck_assert_int_eq(http_chunked_feed(&d, s + 10, 1, &item, NULL), 1);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), 1);
    ck_assert_int_eq(http_chunked_feed(&d, s + 11, 1, &item, NULL), 1);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), 0); /* the chunk is whole */
    ck_assert_uint_eq(d.offset, 12);
    ck_assert_int_eq(http_chunked_place(&d, &(uint64_t){0}), CHUNKED_BETWEEN);

    /* the last chunk has no data: its trailer section is not counted */
    http_chunked_init(&d);
    ck_assert_int_eq(http_chunked_feed(&d, "0\r\nX: 1", 7, &item, NULL), 3);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), 0);
    ck_assert_int_eq(http_chunked_feed(&d, "X: 1", 4, &item, NULL), 4);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), 0);

    /* the largest size there is: its data and CRLF do not fit in 64 bits */
    http_chunked_init(&d);
    ck_assert_int_eq(http_chunked_feed(&d, "ffffffffffffffff\r\n", 18, &item, NULL), 18);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), UINT64_MAX);
    ck_assert_int_eq(http_chunked_feed(&d, "a", 1, &item, NULL), 1);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), UINT64_MAX); /* UINT64_MAX - 1 + 2: still too many */
    ck_assert_int_eq(http_chunked_feed(&d, "b", 1, &item, NULL), 1);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), UINT64_MAX);
    ck_assert_int_eq(http_chunked_feed(&d, "c", 1, &item, NULL), 1);
    ck_assert_uint_eq(http_chunked_chunk_left(&d), UINT64_MAX - 1);
}
END_TEST

static const char *const bad_chunked[] = {
    "g\r\n",                         /* not hex */
    "\r\n",                          /* no size */
    "-5\r\n",                        /* a sign */
    "0x5\r\nhello\r\n0\r\n\r\n",     /* a C prefix */
    "5 \r\nhello\r\n0\r\n\r\n",      /* trailing white space without ';' */
    "5\nhello\r\n0\r\n\r\n",         /* bare LF */
    "5\r\rhello",                    /* CR CR */
    "5\r\nhelloX\r\n",               /* data not followed by CRLF */
    "5\r\nhello\n0\r\n\r\n",         /* ... or by a bare LF */
    "5;\r\nhello\r\n0\r\n\r\n",      /* ';' and no name */
    "5;a=\r\nhello\r\n0\r\n\r\n",    /* '=' and no value */
    "5;a=\"x\r\nhello\r\n0\r\n\r\n", /* unterminated quote: the CR is in it */
    "5;a=\"x\x01\"\r\n",             /* control in a quoted string */
    "5;a b\r\n",                     /* two names without ';' */
    "10000000000000000\r\n",         /* 2^64: does not fit */
    "0\r\n folded: x\r\n\r\n",       /* trailer obs-fold */
    "0\r\nX : y\r\n\r\n",            /* space before a trailer colon */
    "0\r\nX: \x7f\r\n\r\n",          /* DEL in a trailer value */
    "0\r\nX: y\n\r\n",               /* bare LF ends a trailer */
    "0\r\n\rx",                      /* the end must be CRLF */
};

START_TEST(chunked_malformed)
{
    struct decoded d = decode_all_ways(bad_chunked[_i]);
    ck_assert_msg(d.result == PROTO_ERROR, "accepted \"%s\"", bad_chunked[_i]);
}
END_TEST

START_TEST(chunked_line_limit_and_sticky_error)
{
    static char line[HTTP_CHUNK_LINE_MAX + 16];
    /* a size line of exactly the limit, CRLF included, is accepted */
    memset(line, '0', sizeof line);
    memcpy(line, "5;x=", 4);
    memset(line + 4, 'a', HTTP_CHUNK_LINE_MAX - 6);
    memcpy(line + HTTP_CHUNK_LINE_MAX - 2, "\r\n", 2);
    struct http_chunked d;
    struct http_chunk_item item;
    struct proto_err err = {0};
    http_chunked_init(&d);
    ck_assert_int_eq(http_chunked_feed(&d, line, HTTP_CHUNK_LINE_MAX, &item, &err),
                     HTTP_CHUNK_LINE_MAX);
    ck_assert_uint_eq(item.size, 5);
    /* one byte more is refused, however it arrives */
    memset(line + 4, 'a', HTTP_CHUNK_LINE_MAX - 5);
    memcpy(line + HTTP_CHUNK_LINE_MAX - 1, "\r\n", 2);
    http_chunked_init(&d);
    ck_assert_int_eq(http_chunked_feed(&d, line, HTTP_CHUNK_LINE_MAX + 1, &item, &err),
                     PROTO_ERROR);
    ck_assert_int_eq(err.code, 400);
    /* leading zeros cannot dodge the limit either */
    memset(line, '0', sizeof line);
    http_chunked_init(&d);
    long n = 0;
    for (size_t i = 0; i < sizeof line && n >= 0; i++)
        n = http_chunked_feed(&d, line + i, 1, &item, &err);
    ck_assert_int_eq(n, PROTO_ERROR);
    /* after an error the decoder stays broken */
    ck_assert_int_eq(http_chunked_feed(&d, "0\r\n\r\n", 5, &item, &err), PROTO_ERROR);
}
END_TEST

START_TEST(chunk_size_lines)
{
    char out[18];
    ck_assert_uint_eq(http_chunk_size_line(out, 0), 3);
    ck_assert(memcmp(out, "0\r\n", 3) == 0);
    ck_assert_uint_eq(http_chunk_size_line(out, 26), 4);
    ck_assert(memcmp(out, "1a\r\n", 4) == 0);
    ck_assert_uint_eq(http_chunk_size_line(out, 4096), 6);
    ck_assert(memcmp(out, "1000\r\n", 6) == 0);
    ck_assert_uint_eq(http_chunk_size_line(out, SIZE_MAX), 18);
    ck_assert(memcmp(out, "ffffffffffffffff\r\n", 18) == 0);

    /* what the encoder writes, the decoder reads back */
    char body[128];
    size_t n = http_chunk_size_line(body, 11);
    memcpy(body + n, "hello world" HTTP_CHUNK_TRAILER HTTP_LAST_CHUNK, 11 + 2 + 5);
    body[n + 18] = '\0';
    struct decoded d = decode_all_ways(body);
    ck_assert(d.ended);
    ck_assert_uint_eq(d.data_len, 11);
    ck_assert(memcmp(d.data, "hello world", 11) == 0);
}
END_TEST

/* ------------------------------------------------------------ multipart */

static struct slice S(const char *s)
{
    return (struct slice){s, strlen(s)};
}

START_TEST(multipart_boundary_from_content_type)
{
    struct slice b;
    ck_assert(http_multipart_boundary(S("multipart/x-mixed-replace; boundary=pushlab"), &b));
    assert_slice(b, "pushlab");
    ck_assert(http_multipart_boundary(S("Multipart/X-Mixed-Replace;BOUNDARY=\"a b:c\""), &b));
    assert_slice(b, "a b:c");
    ck_assert(http_multipart_boundary(S("multipart/mixed; charset=\"x;boundary=no\" ; boundary=yes"),
                                      &b));
    assert_slice(b, "yes");
    ck_assert(!http_multipart_boundary(S("text/plain; boundary=x"), &b));
    ck_assert(!http_multipart_boundary(S("multipart/mixed"), &b));
    ck_assert(!http_multipart_boundary(S("multipart/mixed; boundary="), &b));
    ck_assert(!http_multipart_boundary(S("multipart/mixed; boundary=\"unterminated"), &b));
    ck_assert(!http_multipart_boundary(S("multipart/mixed; boundary=\"a\\\"b\""), &b));
    ck_assert(!http_multipart_boundary(S("multipart/mixed; boundary=\"ends in space \""), &b));
    ck_assert(!http_multipart_boundary(S("multipart/; boundary=x"), &b));
    ck_assert(!http_multipart_boundary(
        S("multipart/mixed; boundary=12345678901234567890123456789012345678901234567890123456789012345678901"),
        &b)); /* 71 characters */
}
END_TEST

static const char parts_stream[] = "preamble to skip\r\n"
                                   "--frame\r\n"
                                   "Content-Type: application/json\r\n"
                                   "\r\n"
                                   "{\"seq\":1}\r\n"
                                   "--frame  \r\n"
                                   "Content-Length: 12\r\n"
                                   "\r\n"
                                   "\r\n--frame\r\nx\r\n"
                                   "--frame--\r\n";

START_TEST(multipart_parts_in_a_stream)
{
    struct slice b = S("frame");
    struct http_part part;
    struct proto_err err = {0};
    const char *s = parts_stream;
    size_t len = strlen(s);

    long n = http_parse_part(s, len, b, 4096, &part, &err);
    ck_assert_int_gt(n, 0);
    ck_assert_uint_eq(part.num_headers, 1);
    assert_slice(*http_header_find(part.headers, part.num_headers, "content-type"),
                 "application/json");
    assert_slice(part.body, "{\"seq\":1}");
    ck_assert_ptr_eq(part.body.ptr, s + part.body_offset);
    ck_assert_uint_eq(part.delimiter_offset, 16); /* the preamble; its CRLF goes with the delimiter */
    ck_assert_int_eq(n, (long)(part.body_offset + part.body.len));

    /* the second part has a Content-Length, so its body may hold the delimiter */
    s += n;
    len -= (size_t)n;
    n = http_parse_part(s, len, b, 4096, &part, &err);
    ck_assert_int_gt(n, 0);
    ck_assert_uint_eq(part.delimiter_offset, 0); /* the CRLF that ended the last part starts it */
    assert_slice(part.body, "\r\n--frame\r\nx");

    s += n;
    len -= (size_t)n;
    ck_assert_int_eq(http_parse_part(s, len, b, 4096, &part, &err), 0);
    ck_assert_ptr_null(part.body.ptr); /* the close delimiter */
}
END_TEST

START_TEST(multipart_last_part_ends_with_the_stream)
{
    /* A stream closed without the close delimiter: the last part ends
     * with it, less the CRLF a delimiter would have begun with. */
    struct slice b = S("b");
    struct http_part part;
    const char *s = "\r\n--b\r\nContent-Type: text/plain\r\n\r\npart 2\r\n";
    ck_assert_int_eq(http_parse_part(s, strlen(s), b, 4096, &part, NULL), PROTO_PARTIAL);
    long n = http_parse_last_part(s, strlen(s), b, 4096, &part, NULL);
    ck_assert_int_eq(n, (long)strlen(s) - 2);
    ck_assert_uint_eq(part.delimiter_offset, 0);
    assert_slice(part.body, "part 2");
    /* a delimiter after it still ends it first */
    const char *two = "--b\r\n\r\none\r\n--b\r\n\r\ntwo";
    ck_assert_int_eq(http_parse_last_part(two, strlen(two), b, 4096, &part, NULL), 10);
    assert_slice(part.body, "one");
    /* headers the stream cut, or a body shorter than its Content-Length */
    ck_assert_int_eq(http_parse_last_part("--b\r\nContent-Ty", 15, b, 4096, &part, NULL), PROTO_PARTIAL);
    const char *short_body = "--b\r\nContent-Length: 9\r\n\r\nabc";
    ck_assert_int_eq(http_parse_last_part(short_body, strlen(short_body), b, 4096, &part, NULL), PROTO_PARTIAL);
}
END_TEST

/* Every prefix of a part gives PARTIAL or the whole input's answer. */
static void part_splits(const char *s, struct slice b, size_t max_part)
{
    size_t len = strlen(s);
    struct http_part whole;
    long want = http_parse_part(s, len, b, max_part, &whole, NULL);
    for (size_t k = 0; k < len; k++) {
        char *p = exact_copy(s, k);
        struct http_part part;
        long n = http_parse_part(p, k, b, max_part, &part, NULL);
        ck_assert_msg(n == PROTO_PARTIAL || n == want, "prefix %zu: %ld, want %ld", k, n, want);
        if (n >= 0) {
            ck_assert_uint_eq(part.body.len, whole.body.len);
            ck_assert_uint_eq(part.body_offset, whole.body_offset);
            ck_assert_uint_le(part.body_offset + part.body.len, k);
        }
        free(p);
    }
}

/* A part header folded over two lines (mail syntax, RFC 2046 §5.1) is
 * one header, read as a client unfolds it. */
START_TEST(multipart_folded_part_header)
{
    struct slice b = S("frame");
    struct http_part part;
    struct proto_err err = {0};
    const char *s = "--frame\r\nContent-Type: text/plain;\r\n\tcharset=utf-8\r\nX-N: 1\r\n\r\nab\r\n--frame--";
    ck_assert_int_gt(http_parse_part(s, strlen(s), b, 4096, &part, &err), 0);
    ck_assert_uint_eq(part.num_headers, 2);
    char buf[64];
    assert_slice(http_value_unfold(*http_header_find(part.headers, 2, "content-type"), buf),
                 "text/plain; charset=utf-8");
    assert_slice(part.body, "ab");
    part_splits(s, b, 4096);
}
END_TEST

START_TEST(multipart_splits_and_errors)
{
    struct slice b = S("frame");
    part_splits(parts_stream, b, 4096);
    part_splits(parts_stream + 60, b, 4096);
    part_splits("--frame\r\nContent-Length: 3\r\n\r\nabc", b, 4096);
    part_splits("--frame--", b, 4096);

    struct http_part part;
    struct proto_err err = {.code = 77};
    /* no delimiter within max_part bytes */
    ck_assert_int_eq(http_parse_part("xxxxxxxxxxxxxxxxxxxx", 20, b, 16, &part, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 0);
    ck_assert_int_eq(http_parse_part("xxxxxxxxxxxxxxx", 15, b, 16, &part, &err), PROTO_PARTIAL);
    /* a body that does not end within max_part bytes */
    const char *endless = "--frame\r\n\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    ck_assert_int_eq(http_parse_part(endless, strlen(endless), b, 32, &part, &err), PROTO_ERROR);
    part_splits(endless, b, 32);
    /* a Content-Length larger than the limit is refused at once */
    const char *huge = "--frame\r\nContent-Length: 1000\r\n\r\nab";
    ck_assert_int_eq(http_parse_part(huge, strlen(huge), b, 64, &part, &err), PROTO_ERROR);
    ck_assert_int_eq(http_parse_part(huge, strlen(huge), b, 4096, &part, &err), PROTO_PARTIAL);

    static const char *bad[] = {
        "--frameX\r\n\r\nbody\r\n--frame--",          /* junk after the boundary */
        "--frame-x",                                  /* half a close delimiter */
        "--frame\r\nContent-Length: 1, 1\r\n\r\nab",  /* bad Content-Length */
        "--frame\r\n folded\r\n\r\nab\r\n--frame--",  /* white space before the first header */
        "--frame\rx",                                 /* bare CR */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(http_parse_part(bad[i], strlen(bad[i]), b, 4096, &part, &err) == PROTO_ERROR,
                      "accepted %s", bad[i]);
        part_splits(bad[i], b, 4096);
    }
    /* more than 16 part headers */
    char many[512];
    size_t len = (size_t)snprintf(many, sizeof many, "--frame\r\n");
    for (int i = 0; i < 17; i++)
        len += (size_t)snprintf(many + len, sizeof many - len, "H%d: v\r\n", i);
    snprintf(many + len, sizeof many - len, "\r\nbody\r\n--frame--");
    ck_assert_int_eq(http_parse_part(many, strlen(many), b, 4096, &part, &err), PROTO_ERROR);
    ck_assert_int_eq(http_parse_part("--x\r\n", 5, S(""), 4096, &part, &err), PROTO_ERROR);
}
END_TEST

/* ------------------------------------------------------------ query */

/* The known methods, case-sensitive (RFC 9110 §9.1), and the first-bytes
 * test the Flash server uses to tell HTTP from its own protocol. */
START_TEST(methods_known_and_first_bytes)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE",
                                        "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        ck_assert(http_method_known(S(known[i])));
        char line[32];
        snprintf(line, sizeof line, "%s / HTTP/1.1\r\n", known[i]);
        ck_assert_int_eq(http_starts_with_method(line, strlen(line)), 1);
        for (size_t k = 0; k <= strlen(known[i]); k++) /* every prefix, and the name without its space */
            ck_assert_int_eq(http_starts_with_method(line, k), PROTO_PARTIAL);
    }
    ck_assert(!http_method_known(S("get")));
    ck_assert(!http_method_known(S("BREW")));
    ck_assert(!http_method_known(S("GETS")));
    ck_assert(!http_method_known(S("")));
    ck_assert_int_eq(http_starts_with_method("GETS / HTTP/1.1", 15), 0);
    ck_assert_int_eq(http_starts_with_method("get / HTTP/1.1", 14), 0);
    ck_assert_int_eq(http_starts_with_method("<policy-file-request/>", 22), 0);
    ck_assert_int_eq(http_starts_with_method("PO", 2), PROTO_PARTIAL); /* POST or ... */
    ck_assert_int_eq(http_starts_with_method("PX", 2), 0);
    ck_assert_int_eq(http_starts_with_method("PUT\t/", 5), 0); /* the separator is one SP */
}
END_TEST

START_TEST(query_parameters)
{
    char out[16];
    struct slice q = S("since=3&callback=cb&text=a%20b+c%2B&empty=&bare&since=9&call%62ack2=z");
    ck_assert_int_eq(http_query_get(q, "since", out, sizeof out), 1);
    ck_assert_str_eq(out, "3"); /* the first one wins */
    ck_assert_int_eq(http_query_get(q, "callback", out, sizeof out), 2);
    ck_assert_str_eq(out, "cb");
    ck_assert_int_eq(http_query_get(q, "text", out, sizeof out), 6);
    ck_assert_str_eq(out, "a b c+");
    ck_assert_int_eq(http_query_get(q, "empty", out, sizeof out), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(http_query_get(q, "bare", out, sizeof out), 0);
    ck_assert_int_eq(http_query_get(q, "callback2", out, sizeof out), 1); /* name decoded */
    ck_assert_str_eq(out, "z");
    ck_assert_int_eq(http_query_get(q, "call", out, sizeof out), HTTP_QUERY_ABSENT);
    ck_assert_int_eq(http_query_get(q, "sinc", out, sizeof out), HTTP_QUERY_ABSENT);
    ck_assert_int_eq(http_query_get((struct slice){NULL, 0}, "since", out, sizeof out),
                     HTTP_QUERY_ABSENT);

    ck_assert_int_eq(http_query_get(S("a=%zz"), "a", out, sizeof out), HTTP_QUERY_BAD);
    ck_assert_int_eq(http_query_get(S("a=%4"), "a", out, sizeof out), HTTP_QUERY_BAD);
    ck_assert_int_eq(http_query_get(S("a=1%"), "a", out, sizeof out), HTTP_QUERY_BAD);
    ck_assert_int_eq(http_query_get(S("a=%4a%4A"), "a", out, sizeof out), 2);
    ck_assert_str_eq(out, "JJ");
    ck_assert_int_eq(http_query_get(S("a=%00x"), "a", out, sizeof out), 2);
    ck_assert(out[0] == '\0' && out[1] == 'x'); /* the length tells */

    /* cap counts the NUL: 3 bytes fit in 4, not in 3 */
    ck_assert_int_eq(http_query_get(S("a=xyz"), "a", out, 4), 3);
    ck_assert_int_eq(http_query_get(S("a=xyz"), "a", out, 3), HTTP_QUERY_BAD);
    ck_assert_int_eq(http_query_get(S("a="), "a", out, 0), HTTP_QUERY_BAD);
    /* a bad escape elsewhere does not hide a good parameter */
    ck_assert_int_eq(http_query_get(S("x%=1&a=ok"), "a", out, sizeof out), 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http");
    TCase *heads = tcase_create("heads");
    tcase_add_test(heads, request_rfc9112_example);
    tcase_add_test(heads, request_target_query_and_trimmed_values);
    tcase_add_test(heads, request_target_absolute_form);
    tcase_add_test(heads, request_bare_lf_and_leading_empty_lines);
    tcase_add_test(heads, request_versions);
    tcase_add_loop_test(heads, request_malformed, 0, sizeof bad_requests / sizeof bad_requests[0]);
    tcase_add_test(heads, request_read_without_the_host_check);
    tcase_add_test(heads, request_line_alone);
    tcase_add_test(heads, request_nul_and_obs_text_in_values);
    tcase_add_test(heads, request_limits);
    tcase_add_test(heads, response_heads);
    tcase_add_test(heads, response_malformed_carry_code_zero);
    tcase_add_test(heads, response_obs_fold_is_unfolded);
    tcase_add_test(heads, header_count);
    tcase_add_test(heads, list_tokens);
    tcase_add_test(heads, slices_compare);
    tcase_add_test(heads, methods_known_and_first_bytes);
    suite_add_tcase(s, heads);

    TCase *bodies = tcase_create("bodies");
    tcase_add_loop_test(bodies, request_body_framing, 0,
                        sizeof request_bodies / sizeof request_bodies[0]);
    tcase_add_test(bodies, response_body_framing);
    tcase_add_test(bodies, response_length_repeating_one_value);
    suite_add_tcase(s, bodies);

    TCase *chunked = tcase_create("chunked");
    tcase_add_test(chunked, chunked_classic_example);
    tcase_add_test(chunked, chunked_extensions_and_trailers);
    tcase_add_test(chunked, chunked_trailer_section_parsed);
    tcase_add_test(chunked, chunked_end_consumes_nothing_more);
    tcase_add_test(chunked, chunked_skip_inside_data_only);
    tcase_add_test(chunked, chunked_place_says_what_an_end_of_input_cut);
    tcase_add_test(chunked, chunked_chunk_left_counts_to_the_crlf);
    tcase_add_loop_test(chunked, chunked_malformed, 0, sizeof bad_chunked / sizeof bad_chunked[0]);
    tcase_add_test(chunked, chunked_line_limit_and_sticky_error);
    tcase_add_test(chunked, chunk_size_lines);
    suite_add_tcase(s, chunked);

    TCase *multipart = tcase_create("multipart");
    tcase_add_test(multipart, multipart_boundary_from_content_type);
    tcase_add_test(multipart, multipart_parts_in_a_stream);
    tcase_add_test(multipart, multipart_last_part_ends_with_the_stream);
    tcase_add_test(multipart, multipart_folded_part_header);
    tcase_add_test(multipart, multipart_splits_and_errors);
    suite_add_tcase(s, multipart);

    TCase *query = tcase_create("query");
    tcase_add_test(query, query_parameters);
    suite_add_tcase(s, query);

    return check_run(s);
}

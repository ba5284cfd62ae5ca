/* httpc.c -- the client half of HTTP/1.1 (RFC 9112), shared by every HTTP
 * technique (httpc.h).
 *
 * Parsing is the codec's job (proto/http.h): this file only decides what a
 * client does with what the codec found.  A response is checked before
 * anything is read from its body, because the most useful thing a lab
 * client can do with a wrong answer is to say plainly what was wrong: the
 * status line, the Content-Type, or where the body was cut short.
 *
 * Left out on purpose: redirects, authentication, compression and
 * pipelining; pushlab's servers use none of them.
 */
#include "client/httpc.h"

#include <stdio.h>
#include <string.h>

#include "pushlab.h"

static const struct http_limits response_limits = {
    .max_head = MAX_HEAD_BYTES,
    .max_headers = MAX_HEADERS,
    .max_target = MAX_TARGET_BYTES,
};

int httpc_request(struct session *s, const char *method, const char *target,
                  const char *extra_headers, const char *body, size_t body_len)
{
    const struct url *u = &s->run->opt->url;
    bool v6 = strchr(u->host, ':') != NULL; /* an IPv6 literal goes in brackets */
    char length[48] = "";
    if (body)
        snprintf(length, sizeof length, "Content-Length: %zu\r\n", body_len);
    char head[MAX_HEAD_BYTES];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\n"
                     "Host: %s%s%s:%d\r\n"
                     "User-Agent: pushlab-client/" PUSHLAB_VERSION "\r\n"
                     "%s%s\r\n",
                     method, target, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, length,
                     extra_headers);
    if (n < 0 || (size_t)n >= sizeof head) {
        session_fail(s, "request head for %s is over %d bytes", target, MAX_HEAD_BYTES);
        return -1;
    }
    s->requests++;
    session_header_bytes(s, (uint64_t)n);
    if (conn_write(s->conn, head, (size_t)n) < 0 ||
        (body_len && conn_write(s->conn, body, body_len) < 0)) {
        session_fail(s, "cannot send the request: %s", s->conn ? s->conn->close_reason : "closed");
        return -1;
    }
    return 0;
}

/* Does the connection stay open after this response (RFC 9112 §9.3)? */
static bool keeps_alive(const struct http_response *res, const struct http_body *framing)
{
    if (framing->kind == HTTP_BODY_UNTIL_CLOSE)
        return false;
    const struct slice *c = http_header_find(res->headers, res->num_headers, "Connection");
    if (res->minor_version == 0)
        return c && http_list_has_token(*c, "keep-alive");
    return !(c && http_list_has_token(*c, "close"));
}

int httpc_read_head(struct session *s, const struct httpc_want *want, struct httpc_body *body)
{
    size_t len;
    const char *in = conn_input(s->conn, &len);
    struct http_response res;
    struct proto_err err = {0};
    long n = http_parse_response(in, len, &response_limits, &res, &err);
    if (n == PROTO_PARTIAL)
        return 0;
    if (n == PROTO_ERROR) {
        session_fail(s, "malformed response head for %s: %s", session_target(s), err.why);
        return -1;
    }
    if (res.status != want->status) {
        session_fail(s, "server answered \"HTTP/1.%d %d %.*s\" for %s (expected %d)",
                     res.minor_version, res.status, (int)res.reason.len, res.reason.ptr,
                     session_target(s), want->status);
        return -1;
    }
    if (want->content_type) {
        const struct slice *ct = http_header_find(res.headers, res.num_headers, "Content-Type");
        /* The media type is the value's name before any ";" parameter
         * (RFC 9110 §8.3.1), which is what the list codec compares. */
        if (!ct || !http_list_has_token(*ct, want->content_type)) {
            char buf[MAX_HEAD_BYTES]; /* a value is shorter than its head */
            struct slice shown = ct ? http_value_unfold(*ct, buf) : (struct slice){"", 0};
            session_fail(s, "wrong Content-Type \"%.*s\" for %s (expected %s)", (int)shown.len,
                         shown.ptr, session_target(s), want->content_type);
            return -1;
        }
    }
    memset(body, 0, sizeof *body);
    if (http_response_body(&res, false, &body->framing, &err) < 0) {
        session_fail(s, "cannot tell where the body of %s ends: %s", session_target(s), err.why);
        return -1;
    }
    if (want->check && want->check(s, &res) < 0)
        return -1;
    http_chunked_init(&body->chunked);
    body->head_read = true;
    body->keep_alive = keeps_alive(&res, &body->framing);
    body->done = body->framing.kind == HTTP_BODY_NONE ||
                 (body->framing.kind == HTTP_BODY_LENGTH && body->framing.length == 0);
    session_header_bytes(s, (uint64_t)n);
    conn_consume(s->conn, (size_t)n);
    return 1;
}

int httpc_read_body(struct session *s, struct httpc_body *body, httpc_sink *sink)
{
    while (s->conn && !s->done && !body->done) {
        size_t len;
        const char *in = conn_input(s->conn, &len);
        if (len == 0)
            return 0;
        if (body->framing.kind == HTTP_BODY_LENGTH || body->framing.kind == HTTP_BODY_UNTIL_CLOSE) {
            size_t take = len;
            if (body->framing.kind == HTTP_BODY_LENGTH &&
                body->framing.length - body->received < take)
                take = (size_t)(body->framing.length - body->received);
            body->received += take;
            if (body->framing.kind == HTTP_BODY_LENGTH && body->received == body->framing.length)
                body->done = true;
            sink(s, in, take);
            if (s->conn)
                conn_consume(s->conn, take);
            continue;
        }
        /* Chunked: the decoder hands over one item at a time. */
        struct http_chunk_item item;
        struct proto_err err = {0};
        long used = http_chunked_feed(&body->chunked, in, len, &item, &err);
        if (used < 0) {
            session_fail(s, "bad chunked body of %s at byte %llu: %s", session_target(s),
                         (unsigned long long)body->chunked.offset, err.why);
            return -1;
        }
        if (item.kind == HTTP_CHUNK_END)
            body->done = true;
        if (item.kind == HTTP_CHUNK_DATA) {
            body->received += item.data_len;
            sink(s, item.data, item.data_len);
        }
        if (s->conn)
            conn_consume(s->conn, (size_t)used);
    }
    return s->done ? -1 : 0;
}

int httpc_read_response(struct session *s, const struct httpc_want *want, struct httpc_body *body,
                        httpc_sink *sink)
{
    if (!body->head_read) {
        if (httpc_read_head(s, want, body) <= 0)
            return s->done ? -1 : 0;
        session_answered(s);
        session_ready(s);
        if (s->done)
            return -1;
    }
    if (httpc_read_body(s, body, sink) < 0)
        return -1;
    return body->done ? 1 : 0;
}

bool httpc_body_closed(struct session *s, struct httpc_body *body, const char *why)
{
    if (body->done)
        return true;
    if (body->framing.kind == HTTP_BODY_UNTIL_CLOSE) {
        body->done = true;
        return true;
    }
    if (body->framing.kind == HTTP_BODY_CHUNKED)
        session_fail(s, "the connection closed (%s) in the middle of the chunked body of %s: "
                        "truncated chunk after %llu body bytes",
                     why, session_target(s), (unsigned long long)body->received);
    else
        session_fail(s, "the connection closed (%s) after %llu of %llu body bytes of %s", why,
                     (unsigned long long)body->received,
                     (unsigned long long)body->framing.length, session_target(s));
    return false;
}

/* peer.c -- a client connection of a pushlab server: reading requests,
 * routing the common paths, writing responses and streams (see peer.h).
 *
 * The request loop: parse a head with proto/http.h; wait for the body it
 * announces; route it (GET / and other files of src/web, POST /send, or the
 * technique's own paths); then, once the response is complete, drop the
 * request's bytes and parse the next one (keep-alive, pipelining).  While a
 * request is held or streaming the peer is "busy" and later input waits.
 *
 * Limits answer with the protocol's own words (RFC 9110 §15): 431 for a
 * head too large, 414 for a long target, 413 for a big body, 400 for
 * anything malformed, 501 for a method it does not know, 405 with Allow
 * for one the path does not serve, 404 for a path it does not have.
 * A client that sent "Expect: 100-continue" gets 100 before its body only
 * if its head will be served (a known method its path serves, a length in
 * the limits); else the final status at once, without reading the body,
 * and the connection closes (RFC 9110 §10.1.1).
 * Time is a limit too: a request must be complete by a deadline counted
 * from its first byte -- HEAD_TIMEOUT_MS for the head, plus its body's
 * length at BODY_MIN_RATE -- else 408 (RFC 9110 §15.5.9).  Bytes that
 * trickle in never move the deadline: a "slowloris" client sending one
 * byte a second would otherwise hold its slot for ever.  Every error
 * answer is followed by a lingering close (net/conn.h), so the client
 * reads it even while it is still sending.
 * RFC 9112 §9.3 keep-alive: HTTP/1.1 keeps the connection unless
 * "Connection: close"; HTTP/1.0 closes unless "Connection: keep-alive",
 * and then the answer says "Connection: keep-alive" too.
 */
#include "lab/peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/assets.h"
#include "lab/log.h"
#include "net/sock.h"
#include "pushlab.h"

static void process_requests(struct peer *p);

/* The interim answer to "Expect: 100-continue" (RFC 9110 §15.2.1). */
#define HTTP_CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"

/* ------------------------------------------------------------ life */

static void on_conn_read(struct conn *c);
static void on_conn_close(struct conn *c);
static void on_conn_drain(struct conn *c);
static void on_conn_timeout(struct conn *c);

static const struct conn_ops peer_conn_ops = {
    .on_read = on_conn_read,
    .on_close = on_conn_close,
    .on_drain = on_conn_drain,
    .on_timeout = on_conn_timeout,
};

struct peer *peer_new(struct server *s, int fd, const char *peer_addr)
{
    struct peer *p = calloc(1, sizeof *p);
    if (!p) {
        close(fd);
        return NULL;
    }
    /* Input holds one request: its head and its body. */
    p->conn = conn_new(s->loop, fd, &peer_conn_ops, p, MAX_HEAD_BYTES + MAX_BODY_BYTES,
                       MAX_OUTPUT_QUEUE);
    if (!p->conn) {
        free(p);
        return NULL;
    }
    snprintf(p->conn->peer, sizeof p->conn->peer, "%s", peer_addr);
    p->server = s;
    p->next = s->peers;
    if (s->peers)
        s->peers->prev = p;
    s->peers = p;
    s->clients++;
    /* Silence says something only once a first segment that was lost
     * would have come again: the kernel resends it after its
     * retransmission timeout (200 ms and more, two round trips on a slow
     * link), and a Flash player's policy request taken for a silent data
     * channel would be sent an event before its policy. */
    if (s->tech->sniff)
        conn_set_timeout(p->conn, s->tech->sniff_ms + sock_retransmit_timeout_ms(fd));
    else {
        p->sniffed = true;
        conn_set_timeout(p->conn, IDLE_TIMEOUT_MS);
    }
    return p;
}

static void free_peer(struct loop *loop, void *arg)
{
    (void)loop;
    free(arg);
}

static void on_conn_close(struct conn *c)
{
    struct peer *p = c->user;
    struct server *s = p->server;
    if (s->opt.verbose)
        server_log(s, "%s closed: %s", c->peer, c->close_reason);
    else if (strncmp(c->close_reason, "output queue full", 17) == 0)
        server_log(s, "%s cut off: %s", c->peer, c->close_reason);
    if (p->on_close)
        p->on_close(p);
    if (p->prev)
        p->prev->next = p->next;
    else
        s->peers = p->next;
    if (p->next)
        p->next->prev = p->prev;
    s->clients--;
    /* Freed a moment later, as the conn is: the code that closed the
     * connection (a write deep inside http_respond or the request loop)
     * may still look at p->conn->closed when it returns. */
    loop_add_timer(s->loop, 0, 0, free_peer, p);
}

static void on_conn_drain(struct conn *c)
{
    struct peer *p = c->user;
    if (p->raw && p->raw->on_drain)
        p->raw->on_drain(p);
}

/* Decide what a connection is, if the technique wants to look first. */
static bool sniff(struct peer *p, bool timed_out)
{
    size_t len;
    conn_input(p->conn, &len);
    int rc = p->server->tech->sniff(p);
    if (rc == PROTO_PARTIAL && !timed_out)
        return false;
    p->sniffed = true;
    if (!p->raw && !p->conn->closed)
        conn_set_timeout(p->conn, len ? HEAD_TIMEOUT_MS : IDLE_TIMEOUT_MS);
    return true;
}

static void on_conn_timeout(struct conn *c)
{
    struct peer *p = c->user;
    if (p->raw) {
        if (p->raw->on_timeout)
            p->raw->on_timeout(p);
        else
            conn_close(c, "timeout");
        return;
    }
    if (!p->sniffed) {
        sniff(p, true);
        return;
    }
    size_t len;
    conn_input(c, &len);
    if (len > 0 && !p->busy)
        http_error(p, 408, "the request was not complete in time");
    else
        conn_close(c, "idle timeout");
}

static void on_conn_read(struct conn *c)
{
    struct peer *p = c->user;
    if (p->raw) {
        p->raw->on_read(p);
        return;
    }
    if (!p->sniffed && !sniff(p, false))
        return;
    if (!p->raw && !c->closed)
        process_requests(p);
}

void peer_take_raw(struct peer *p, const struct peer_raw_ops *ops)
{
    if (p->busy) {
        conn_consume(p->conn, p->request_bytes);
        p->busy = false;
    }
    p->raw = ops;
    p->sniffed = true;
    conn_set_timeout(p->conn, 0);
}

/* ------------------------------------------------------------ routing */

/* POST /send: the body is a chat message, broadcast as an event (its
 * length was held to MAX_CHAT_BYTES with the head, by find_target). */
static void route_send(struct peer *p, const char *body, size_t len)
{
    if (len == 0) {
        http_error(p, 400, "empty message: the body is the chat text");
        return;
    }
    const struct hub_event *ev = hub_publish(p->server->hub, EVENT_CHAT, body, len);
    if (!ev) {
        http_error(p, 503, "out of memory");
        return;
    }
    http_respond(p, 204, NULL, "", NULL, 0);
}

/* Where a request goes, decided from its head alone: the body need not
 * be read (nor even sent) to know that a path does not exist, so a client
 * that waits for "100 Continue" before its body can be told no at once. */
enum target_kind {
    TARGET_REFUSED,   /* answered with a status of its own */
    TARGET_SEND,      /* POST /send */
    TARGET_ASSET,     /* a file of src/web: GET / and the others */
    TARGET_TECHNIQUE, /* one of the technique's paths */
};

struct target {
    enum target_kind kind;         /* where it goes */
    const struct web_asset *asset; /* TARGET_ASSET: the file */
    int status;                    /* TARGET_REFUSED: 404, 405, 413 or 501 */
    const char *serves;            /* with 405: the one method the path serves */
    const char *why;               /* with the others: the text of its body */
};

/* A path serves one or two methods; a known method (http_method_known)
 * that it does not serve gets 405 and Allow (RFC 9110 §15.5.6), any
 * other method 501 (§15.6.2: the server "does not recognize the request
 * method").  A method that is no token at all ("G@T") never gets here:
 * the parser gives 400. */
static bool is_get(const char *method)
{
    return strcmp(method, "GET") == 0;
}

static struct target refused(int status, const char *serves, const char *why)
{
    return (struct target){.kind = TARGET_REFUSED, .status = status, .serves = serves, .why = why};
}

/* Route a request by its method and path, and the length of the body it
 * announces. */
static struct target find_target(const struct server *s, const struct http_request *req,
                                 uint64_t body_len)
{
    if (!http_method_known(req->method))
        return refused(501, NULL, "not a method this server knows");
    const struct technique *t = s->tech;
    struct slice path = req->path;
    struct target to = {0};
    const char *serves = NULL; /* the method the path serves */
    if (slice_eq(path, "/send")) {
        to.kind = TARGET_SEND;
        serves = "POST";
    } else if ((to.asset = slice_eq(path, "/") ? web_asset_find(t->page, strlen(t->page))
                                                : web_asset_find(path.ptr, path.len))) {
        to.kind = TARGET_ASSET; /* "/" is the technique's demo page */
        serves = "GET";
    } else {
        for (const struct technique_path *tp = t->paths; tp && tp->path; tp++)
            if (slice_eq(path, tp->path)) {
                to.kind = TARGET_TECHNIQUE;
                serves = tp->method;
                break;
            }
    }
    if (!serves)
        return refused(404, NULL, "no such path on this server");
    /* HEAD is GET without the body (RFC 9110 §9.3.2), so GET serves both. */
    if (!slice_eq(req->method, serves) && !(is_get(serves) && slice_eq(req->method, "HEAD")))
        return refused(405, serves, NULL);
    if (to.kind == TARGET_SEND && body_len > MAX_CHAT_BYTES)
        return refused(413, NULL, "chat message over the size limit");
    return to;
}

static void send_error(struct peer *p, int status, const char *extra_headers, const char *why);

/* Answer a request where find_target sent it. */
static void route(struct peer *p, const struct http_request *req, const struct target *to,
                  const char *body, size_t body_len)
{
    switch (to->kind) {
    case TARGET_REFUSED: {
        char allow[48] = "", why[48];
        if (to->status == 405) { /* Allow is a MUST with 405 (RFC 9110 §15.5.6) */
            bool get = is_get(to->serves);
            snprintf(allow, sizeof allow, "Allow: %s\r\n", get ? "GET, HEAD" : to->serves);
            snprintf(why, sizeof why, "use %s", get ? "GET (or HEAD)" : to->serves);
        }
        send_error(p, to->status, allow, to->status == 405 ? why : to->why);
        break;
    }
    case TARGET_SEND:
        route_send(p, body, body_len);
        break;
    case TARGET_ASSET:
        http_respond(p, 200, to->asset->content_type, "Cache-Control: no-cache\r\n",
                     to->asset->bytes, to->asset->len);
        break;
    case TARGET_TECHNIQUE:
        p->server->tech->request(p, req);
        break;
    }
}

/* Log "GET /poll?since=3 -> 200" style lines with -v. */
static void log_request(struct peer *p, const struct http_request *req)
{
    if (!p->server->opt.verbose)
        return;
    const struct slice *origin = http_header_find(req->headers, req->num_headers, "Origin");
    server_log(p->server, "%s %.*s %.*s%s%.*s", p->conn->peer, (int)req->method.len,
               req->method.ptr, (int)req->target.len, req->target.ptr, origin ? " origin " : "",
               origin ? (int)origin->len : 0, origin ? origin->ptr : "");
}

/* A request is arriving: arm its deadline, counted from its first byte
 * and sized by the body announced so far (0 while the head is partial).
 * Later bytes of the same request leave it where it is. */
static void arm_deadline(struct peer *p, uint64_t body_len)
{
    uint64_t now = loop_now_ms(p->server->loop);
    if (!p->request_start_ms)
        p->request_start_ms = now;
    uint64_t deadline = p->request_start_ms + HEAD_TIMEOUT_MS + body_len * 1000 / BODY_MIN_RATE;
    if (deadline == p->deadline_ms)
        return;
    p->deadline_ms = deadline;
    conn_set_timeout(p->conn, deadline > now ? deadline - now : 1);
}

static void process_requests(struct peer *p)
{
    static const struct http_limits limits = {
        .max_head = MAX_HEAD_BYTES, .max_headers = MAX_HEADERS, .max_target = MAX_TARGET_BYTES};
    struct conn *c = p->conn;
    while (!p->busy && !p->raw && !c->closed && !c->close_after_flush) {
        size_t len;
        const char *buf = conn_input(c, &len);
        if (len == 0) {
            p->request_start_ms = p->deadline_ms = 0;
            conn_set_timeout(c, IDLE_TIMEOUT_MS);
            return;
        }
        struct http_request req;
        struct proto_err err = {0};
        long n = http_parse_request(buf, len, &limits, &req, &err);
        if (n == PROTO_PARTIAL) {
            arm_deadline(p, 0);
            return;
        }
        if (n < 0) {
            http_error(p, err.code ? err.code : 400, err.why);
            return;
        }
        struct http_body body;
        if (http_request_body(&req, &body, &err) < 0) {
            http_error(p, err.code ? err.code : 400, err.why);
            return;
        }
        if (body.kind == HTTP_BODY_CHUNKED) {
            http_error(p, 411, "send the body with a Content-Length");
            return;
        }
        uint64_t body_len = body.kind == HTTP_BODY_LENGTH ? body.length : 0;
        if (body_len > MAX_BODY_BYTES) {
            http_error(p, 413, "request body over the size limit");
            return;
        }
        /* Expect came with HTTP/1.1; a 1.0 request's is ignored (RFC 9110
         * §10.1.1), and 100-continue is the only expectation there is. */
        const struct slice *expect =
            req.minor_version >= 1 ? http_header_find(req.headers, req.num_headers, "Expect")
                                   : NULL;
        if (expect && !slice_eq_ci(*expect, "100-continue")) {
            http_error(p, 417, "the only expectation met here is 100-continue");
            return;
        }
        struct target to = find_target(p->server, &req, body_len);
        bool whole = (uint64_t)n + body_len <= len;
        if (!whole && !(expect && to.kind == TARGET_REFUSED)) {
            /* The client waits for a 100 before it sends the body (curl for
             * a second): send it once the head is in and no body byte yet,
             * the head having been found one that will be served. */
            if (expect && len == (size_t)n &&
                conn_write(c, HTTP_CONTINUE, strlen(HTTP_CONTINUE)) < 0)
                return;
            arm_deadline(p, body_len);
            return; /* the body is still on its way */
        }
        p->request_start_ms = p->deadline_ms = 0;
        conn_set_timeout(c, 0);
        p->busy = true;
        p->request_bytes = whole ? (size_t)n + (size_t)body_len : len;
        p->minor_version = req.minor_version;
        p->head_only = slice_eq(req.method, "HEAD");
        const struct slice *connection =
            http_header_find(req.headers, req.num_headers, "Connection");
        p->keep_alive = req.minor_version >= 1
                            ? !(connection && http_list_has_token(*connection, "close"))
                            : (connection && http_list_has_token(*connection, "keep-alive"));
        /* A refusal instead of the 100 the client waits for: its body is
         * not read, and the client may send it still or never (RFC 9110
         * §10.1.1), so what follows could be body or a next request.  The
         * answer says so and closes (RFC 9112 §9.6); the lingering close
         * reads and drops whatever body comes. */
        if (!whole)
            p->keep_alive = false;
        log_request(p, &req);
        p->routing = true;
        route(p, &req, &to, buf + n, whole ? (size_t)body_len : 0);
        p->routing = false;
        /* A response written during route() ended the request; the loop
         * goes on to the next one.  Otherwise the request is held or
         * streaming, and its bytes (whose slices died with route()) are
         * dropped now: 10,000 waiting clients would otherwise keep a 4 KB
         * input buffer each. */
        if (p->busy && !c->closed) {
            conn_consume(c, p->request_bytes);
            p->request_bytes = 0;
        }
    }
}

/* The response to the current request is complete. */
static void request_done(struct peer *p)
{
    p->busy = false;
    p->streaming = false;
    conn_consume(p->conn, p->request_bytes);
    p->request_bytes = 0;
    if (!p->keep_alive) {
        conn_close_after_flush(p->conn, "response complete, no keep-alive");
        return;
    }
}

/* ------------------------------------------------------------ responses */

/* The response just written ends the request. */
static void response_complete(struct peer *p)
{
    if (!p->busy)
        return;
    request_done(p);
    /* Answered from outside the request loop (a held long poll woken by an
     * event): go on with any request that waited behind it. */
    if (!p->conn->closed && !p->routing)
        process_requests(p);
}

const char *http_reason(int status)
{
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

/* Write a response head; framing_header is the Content-Length or
 * Transfer-Encoding line (or "").  The status line always says HTTP/1.1,
 * the highest version the server speaks (RFC 9110 §6.2): an HTTP/1.0
 * client reads a higher minor version as its own, and an error may be
 * answered before the request's version was read at all.  Only the
 * framing (chunks, keep-alive) follows the request's version. */
static int write_head(struct peer *p, int status, const char *content_type,
                      const char *extra_headers, const char *framing_header)
{
    /* HTTP/1.1 persists by default, so only a close is said; an HTTP/1.0
     * client closes unless told the connection stays (RFC 9112 §9.3 and
     * appendix C.2.2). */
    const char *connection = !p->keep_alive         ? "Connection: close\r\n"
                             : p->minor_version < 1 ? "Connection: keep-alive\r\n"
                                                    : "";
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\n"
                     "Server: pushlab-%s/" PUSHLAB_VERSION "\r\n"
                     "%s%s%s"
                     "%s%s"
                     "\r\n",
                     status, http_reason(status),
                     p->server->tech->name, content_type ? "Content-Type: " : "",
                     content_type ? content_type : "", content_type ? "\r\n" : "",
                     framing_header, connection);
    if (n < 0 || (size_t)n >= sizeof head)
        return -1;
    /* extra headers are written between the fixed ones and the blank line */
    struct iovec iov[3] = {
        {.iov_base = head, .iov_len = (size_t)n - 2},
        {.iov_base = (void *)extra_headers, .iov_len = strlen(extra_headers)},
        {.iov_base = "\r\n", .iov_len = 2},
    };
    return conn_writev(p->conn, iov, 3);
}

void http_respond(struct peer *p, int status, const char *content_type, const char *extra_headers,
                  const void *body, size_t body_len)
{
    if (p->conn->closed)
        return;
    char length[48] = "";
    /* 1xx, 204 and 304 responses have no body and no length (RFC 9110 §8.6). */
    if (status >= 200 && status != 204 && status != 304)
        snprintf(length, sizeof length, "Content-Length: %zu\r\n", body_len);
    if (write_head(p, status, content_type, extra_headers ? extra_headers : "", length) < 0)
        return;
    if (body_len && !p->head_only && conn_write(p->conn, body, body_len) < 0)
        return;
    response_complete(p);
}

/* An error with a short text/plain body ("404 Not Found: why"). */
static void send_error(struct peer *p, int status, const char *extra_headers, const char *why)
{
    char body[256];
    int n = snprintf(body, sizeof body, "%d %s: %s\n", status, http_reason(status),
                     why ? why : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof body)
        n = sizeof body - 1;
    if (p->server->opt.verbose)
        server_log(p->server, "%s error %d: %s", p->conn->peer, status, why ? why : "");
    /* After a malformed or oversized request the byte stream cannot be
     * trusted to hold a next request: answer, then close.  A request that
     * was read whole but asks for what is not here leaves it in order. */
    if (status != 404 && status != 405 && status != 501)
        p->keep_alive = false;
    if (!p->busy) { /* an error before routing: the whole input is bad */
        p->busy = true;
        size_t len;
        conn_input(p->conn, &len);
        p->request_bytes = len;
        p->keep_alive = false;
        /* Its method was not read (or not trusted), so the error has its
         * body, whatever the connection's last request was: a HEAD before
         * it must not leave a Content-Length with no bytes behind it. */
        p->head_only = false;
    }
    http_respond(p, status, "text/plain; charset=utf-8", extra_headers, body, (size_t)n);
}

void http_error(struct peer *p, int status, const char *why)
{
    send_error(p, status, "", why);
}

int http_stream_begin(struct peer *p, int status, const char *content_type,
                      const char *extra_headers, bool chunked)
{
    if (p->conn->closed)
        return -1;
    /* HTTP/1.0 has no chunked coding: the body then ends when the
     * connection closes (RFC 9112 §6.3, rule 8). */
    p->chunked = chunked && p->minor_version >= 1;
    if (!p->chunked)
        p->keep_alive = false;
    p->streaming = true;
    if (write_head(p, status, content_type, extra_headers ? extra_headers : "",
                   p->chunked ? "Transfer-Encoding: chunked\r\n" : "") < 0)
        return -1;
    /* HEAD gets GET's head, framing included, and no body: the response
     * ends with its head (RFC 9110 §9.3.2, RFC 9112 §6.3 rule 1). */
    if (p->head_only)
        response_complete(p);
    return 0;
}

int http_stream_write(struct peer *p, const void *data, size_t len)
{
    if (p->conn->closed || !p->streaming)
        return -1;
    if (len == 0)
        return 0; /* an empty chunk would end the stream */
    if (!p->chunked)
        return conn_write(p->conn, data, len);
    char size_line[18];
    size_t n = http_chunk_size_line(size_line, len);
    struct iovec iov[3] = {
        {.iov_base = size_line, .iov_len = n},
        {.iov_base = (void *)data, .iov_len = len},
        {.iov_base = HTTP_CHUNK_TRAILER, .iov_len = 2},
    };
    return conn_writev(p->conn, iov, 3);
}

int http_stream_write_shared(struct peer *p, struct shbuf *framed)
{
    if (p->conn->closed || !p->streaming)
        return -1;
    return conn_write_shared(p->conn, framed);
}

void http_stream_end(struct peer *p)
{
    if (p->conn->closed || !p->streaming)
        return;
    if (p->chunked)
        conn_write(p->conn, HTTP_LAST_CHUNK, strlen(HTTP_LAST_CHUNK));
    p->keep_alive = false;
    request_done(p);
}

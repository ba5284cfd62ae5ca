/* ws.c -- pushlab-ws: WebSocket (RFC 6455), a real two-way channel.
 *
 * Every earlier technique bent HTTP into pushing; WebSocket leaves it.
 * The connection starts as an ordinary HTTP/1.1 GET that asks to change
 * protocols (§4.1):
 *
 *   GET /ws HTTP/1.1                      HTTP/1.1 101 Switching Protocols
 *   Upgrade: websocket                    Upgrade: websocket
 *   Connection: Upgrade              ->   Connection: Upgrade
 *   Sec-WebSocket-Key: <16 random bytes>  Sec-WebSocket-Accept:
 *   Sec-WebSocket-Version: 13               base64(SHA-1(key + GUID))
 *
 * The accept value proves the server read this very handshake (a cache or
 * a confused server would not compute it); it is not security.  After the
 * 101 the same TCP connection carries frames both ways: 2 to 14 header
 * bytes (FIN, opcode, MASK, length, masking key) and a payload.  Frames
 * from the browser are masked with a fresh random key, so that a script
 * cannot make the bytes on the wire look like anything it chooses to a
 * proxy in between (§10.3); the server's frames are not.  lab/wsconn.c
 * runs the frames; this file is the handshake and what messages mean:
 *
 *   GET /ws    every hub event as a text frame; a text message from the
 *              client is broadcast to everyone as a chat event
 *   GET /echo  every data message sent back as it came (same opcode), for
 *              the conformance suite (tests/integration/test_ws_conformance.py)
 *
 * With --deflate LEVEL, a client that offers permessage-deflate (RFC
 * 7692; every browser does) gets it: the 101 answers its offer
 * (ws_deflate_answer), and from then on every data message is compressed
 * at that zlib level and RSV1 marks compressed messages both ways.  Off by
 * default: it costs about 300 KiB of zlib state per connection, and the
 * lab first shows frames as they are.
 *
 * Left out on purpose: other extensions (every other RSV bit is an error)
 * and subprotocols (one offered is logged, none is chosen, which §4.2.2
 * allows; the client decides whether to go on).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/framed.h"
#include "lab/server.h"
#include "lab/wsconn.h"
#include "pushlab.h"
#include "servers/stdio_sinks.h"

/* One upgraded client. */
struct ws_client {
    struct wsconn ws;   /* the WebSocket connection (first member: see client_of) */
    struct hub_sub sub; /* GET /ws: the hub's events (unused by /echo) */
};

static struct ws_client *client_of(struct wsconn *ws) { return (struct ws_client *)ws; }

/* The program's state: flags, and the limits built from them. */
static struct {
    long ping_s;                /* --ping */
    long pong_timeout_s;        /* --pong-timeout */
    long max_message;           /* --max-message */
    long deflate_level;         /* --deflate: zlib level, 0 = permessage-deflate declined */
    struct wsconn_limits feed;  /* GET /ws: a message is a chat line */
    struct wsconn_limits echo;  /* GET /echo: up to --max-message */
    struct server *server;
    struct framed framed;       /* the newest event as a frame, shared by every /ws client */
} app = {
    .ping_s = WS_PING_S,
    .pong_timeout_s = WS_PONG_TIMEOUT_S,
    .max_message = WS_MAX_MESSAGE,
};

/* ------------------------------------------------------------ /ws */

/* Every /ws client gets the same text frame: framed by the first one to
 * see the event, then shared (lab/framed.h). */
static void feed_event(struct hub_sub *sub, const struct hub_event *ev)
{
    struct ws_client *cl = sub->arg;
    if (cl->ws.deflater) {
        /* Compressed with this connection's own window (context takeover,
         * RFC 7692 §7.1.1): its bytes are its own, never shared. */
        wsconn_send(&cl->ws, WS_OP_TEXT, ev->json, ev->json_len);
        return;
    }
    struct shbuf *frame = framed_find(&app.framed, ev->seq);
    if (!frame) {
        frame = wsconn_frame_shared(WS_OP_TEXT, ev->json, ev->json_len);
        if (!frame) {
            wsconn_close(&cl->ws, WS_CLOSE_INTERNAL, "out of memory");
            return;
        }
        framed_keep(&app.framed, ev->seq, frame);
    }
    wsconn_send_shared(&cl->ws, frame);
}

static void feed_message(struct wsconn *ws, unsigned opcode, const uint8_t *data, size_t len)
{
    /* §7.4.1: 1003 is the answer to a kind of data an endpoint cannot take. */
    if (opcode != WS_OP_TEXT) {
        wsconn_close(ws, WS_CLOSE_UNSUPPORTED, "chat messages are text");
        return;
    }
    if (len == 0)
        return; /* nothing to say: no event */
    if (!hub_publish(app.server->hub, EVENT_CHAT, (const char *)data, len))
        wsconn_close(ws, WS_CLOSE_INTERNAL, "out of memory");
}

static void client_closed(struct wsconn *ws)
{
    struct ws_client *cl = client_of(ws);
    hub_unsubscribe(app.server->hub, &cl->sub);
    free(cl);
}

static const struct wsconn_ops feed_ops = {.on_message = feed_message, .on_close = client_closed};

/* ------------------------------------------------------------ /echo */

static void echo_message(struct wsconn *ws, unsigned opcode, const uint8_t *data, size_t len)
{
    wsconn_send(ws, opcode, data, len);
}

static const struct wsconn_ops echo_ops = {.on_message = echo_message, .on_close = client_closed};

/* ------------------------------------------------------------ handshake */

/* A header's value for the log, or "(none)". */
static struct slice or_none(struct slice value)
{
    return value.len ? value : (struct slice){.ptr = "(none)", .len = 6};
}

/* GET /ws or /echo: the skeleton has checked the path and the method. */
static void ws_request(struct peer *p, const struct http_request *req)
{
    bool feed = slice_eq(req->path, "/ws");

    struct ws_handshake hs;
    struct proto_err err = {0};
    if (ws_check_client_handshake(req, &hs, &err) < 0) {
        if (err.code == 426) {
            /* §4.4: name the version we speak, the client may retry with it.
             * A 426 MUST name the protocol to upgrade to (RFC 9110 §15.5.22),
             * and Upgrade comes with its Connection option (§7.8). */
            char body[160];
            int n = snprintf(body, sizeof body, "426 Upgrade Required: %s\n", err.why);
            http_respond(p, 426, "text/plain; charset=utf-8",
                         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Version: 13\r\n",
                         body, (size_t)n < sizeof body ? (size_t)n : sizeof body - 1);
        } else {
            http_error(p, 400, err.why);
        }
        return;
    }
    struct ws_client *cl = calloc(1, sizeof *cl);
    if (!cl) {
        http_error(p, 503, "out of memory");
        return;
    }
    struct server *s = p->server;
    if (s->opt.verbose) {
        /* The Origin says which page opened the socket: a server that
         * serves only its own pages would refuse others here (§10.2). */
        struct slice origin = or_none(hs.origin), protocols = or_none(hs.protocols);
        server_log(s, "%s upgraded to WebSocket on %.*s, origin %.*s, subprotocols offered: %.*s",
                   p->conn->peer, (int)req->path.len, req->path.ptr, (int)origin.len, origin.ptr,
                   (int)protocols.len, protocols.ptr);
    }

    char accept[29];
    ws_accept_for_key(hs.key.ptr, hs.key.len, accept);
    /* permessage-deflate, when asked for and offered (RFC 7692 §5.1). */
    const struct slice *offer = http_header_find(req->headers, req->num_headers, "Sec-WebSocket-Extensions");
    struct ws_deflate_params agreed;
    char extension[128];
    bool deflate = app.deflate_level > 0 && offer && ws_deflate_answer(*offer, &agreed, extension, sizeof extension);
    char headers[256];
    snprintf(headers, sizeof headers,
             "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s%s%s", accept,
             deflate ? "Sec-WebSocket-Extensions: " : "", deflate ? extension : "", deflate ? "\r\n" : "");
    p->keep_alive = true; /* the connection goes on, as WebSocket */
    http_respond(p, 101, NULL, headers, NULL, 0);
    if (p->conn->closed) {
        free(cl);
        return;
    }
    wsconn_start(&cl->ws, p, feed ? &feed_ops : &echo_ops, feed ? &app.feed : &app.echo,
                 deflate ? &agreed : NULL);
    if (feed && !p->conn->closed)
        hub_subscribe(s->hub, &cl->sub, feed_event, cl);
}

static const struct technique_path ws_paths[] = {{"/ws", "GET"}, {"/echo", "GET"}, {0}};

/* ------------------------------------------------------------ life */

static int ws_start(struct server *s)
{
    app.server = s;
    uint64_t ping_ms = (uint64_t)app.ping_s * 1000;
    uint64_t silent_ms = (uint64_t)app.pong_timeout_s * 1000;
    uint64_t chat_max = app.max_message < MAX_CHAT_BYTES ? (uint64_t)app.max_message : MAX_CHAT_BYTES;
    int level = (int)app.deflate_level;
    app.feed = (struct wsconn_limits){
        .max_message = chat_max, .ping_ms = ping_ms, .silent_ms = silent_ms, .deflate_level = level};
    app.echo = (struct wsconn_limits){.max_message = (uint64_t)app.max_message, .ping_ms = ping_ms,
                                      .silent_ms = silent_ms, .deflate_level = level};
    return 0;
}

/* Going away: a close frame with 1001 to every WebSocket client. */
static void ws_stopping(struct server *s)
{
    for (struct peer *p = s->peers; p; p = p->next)
        if (wsconn_is(p))
            wsconn_close(p->user, WS_CLOSE_GOING_AWAY, "server stopping");
}

static const struct server_flag ws_flags[] = {
    {"ping", "SECONDS", "ping every client this often", &app.ping_s, 0, WS_FLAG_SECONDS_MAX,
     "never"},
    {"pong-timeout", "SECONDS", "drop a client silent this long", &app.pong_timeout_s, 1,
     WS_FLAG_SECONDS_MAX, NULL},
    {"max-message", "BYTES", "longest message /echo takes; a longer one gets close 1009",
     &app.max_message, WS_MAX_CONTROL, WS_MAX_MESSAGE_CAP, NULL},
    {"deflate", "LEVEL", "permessage-deflate at zlib level 1-9 if offered", &app.deflate_level, 0, 9,
     "off"},
    {0},
};

static const struct technique ws_technique = {
    .name = "ws",
    .summary = "WebSocket (RFC 6455): an HTTP Upgrade, then framed messages both ways.",
    .default_port = PORT_WS,
    .page = "/ws.html",
    .flags = ws_flags,
    .endpoints = "  GET  /ws         WebSocket: events as text frames; text sent is chat\n"
                 "  GET  /echo       WebSocket: every message echoed (conformance tests)\n",
    .start = ws_start,
    .paths = ws_paths,
    .request = ws_request,
    .stopping = ws_stopping,
};

int main(int argc, char **argv)
{
    return server_main(argc, argv, &ws_technique, &stdio_sinks);
}

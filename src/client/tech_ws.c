/* tech_ws.c -- the WebSocket client (RFC 6455).
 *
 *  1. The opening handshake (§4.1): an HTTP/1.1 GET with "Upgrade:
 *     websocket", a Sec-WebSocket-Key of 16 random bytes in base64, and
 *     version 13.  The server must answer 101 with Sec-WebSocket-Accept =
 *     base64(SHA-1(key + GUID)): proof that it read this very request
 *     (proto/ws.h ws_check_server_handshake checks it).
 *  2. Frames (§5): every frame the client sends is masked with a fresh
 *     4-byte key from getrandom(2) (§5.3: the key must be unpredictable,
 *     so a page's script cannot choose the bytes a proxy sees); frames from
 *     the server must not be masked.  The proto/ws.h frame and message
 *     layers check the header, fragmentation and UTF-8 rules.
 *  3. Ping is answered with a pong carrying the same payload (§5.5.2).
 *  4. The closing handshake (§7): whoever closes first sends a close frame
 *     with a code; the other answers with one; then the server closes the
 *     TCP connection (the client waits for that, §7.1.1).
 * With --echo (load mode against /echo) each client sends an event-shaped
 * message, waits for it to come back, and sends the next: round trips.
 *
 * Left out on purpose: extensions (permessage-deflate), subprotocols.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "client/httpc.h"
#include "proto/base64.h"
#include "proto/bytebuf.h"
#include "proto/ws.h"
#include "pushlab.h"

#define WS_KEY_BYTES 16 /* §4.1: the key is 16 random bytes */
#define WS_KEY_LEN BASE64_LEN(WS_KEY_BYTES)

/* One WebSocket client's state. */
struct ws_state {
    char key[WS_KEY_LEN + 1];  /* Sec-WebSocket-Key we sent */
    bool open;                 /* the handshake succeeded */
    struct ws_message message; /* the rules that span frames */
    struct bytebuf fragments;  /* a fragmented message so far */
    bool close_sent;           /* we sent a close frame */
    bool close_received;       /* the server sent one */
    unsigned close_code;       /* the code of the server's close frame */
    char close_reason[WS_MAX_CONTROL + 1]; /* and its reason */
};

/* Fill buf with n bytes from the kernel's random generator. */
static int random_bytes(struct session *s, void *buf, size_t n)
{
    ssize_t got;
    do
        got = getrandom(buf, n, 0);
    while (got < 0 && errno == EINTR);
    if (got != (ssize_t)n) {
        session_fail(s, "getrandom failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Send one whole frame, masked with a fresh key.  0 or -1. */
static int send_frame(struct session *s, unsigned opcode, const void *payload, size_t len)
{
    if (!s->conn)
        return -1;
    uint8_t mask[4];
    if (random_bytes(s, mask, sizeof mask) < 0)
        return -1;
    uint8_t header[WS_MAX_HEADER];
    size_t hlen = ws_build_frame_header(header, true, opcode, len, mask);
    uint8_t small[256];
    uint8_t *masked = len <= sizeof small ? small : malloc(len);
    if (!masked) {
        session_fail(s, "out of memory");
        return -1;
    }
    memcpy(masked, payload, len);
    ws_mask(masked, len, mask, 0);
    struct iovec iov[2] = {{header, hlen}, {masked, len}};
    int rc = conn_writev(s->conn, iov, 2);
    if (masked != small)
        free(masked);
    session_header_bytes(s, hlen);
    return rc;
}

/* Send a close frame with code and reason. */
static void send_close(struct session *s, unsigned code, const char *reason)
{
    struct ws_state *st = s->state;
    uint8_t payload[WS_MAX_CONTROL];
    size_t len = ws_close_build(payload, code, reason, strlen(reason));
    st->close_sent = true;
    send_frame(s, WS_OP_CLOSE, payload, len);
    /* Now the server's close frame, then its TCP close, should follow. */
    if (s->conn)
        conn_set_timeout(s->conn, CLOSE_LINGER_MS);
}

/* The server broke the protocol: close with the code that says why. */
static void protocol_error(struct session *s, const struct proto_err *err)
{
    unsigned code = err->code ? (unsigned)err->code : WS_CLOSE_PROTOCOL_ERROR;
    send_close(s, code, err->why);
    session_fail(s, "WebSocket protocol error from the server: %s (closing with %u)", err->why, code);
}

static void ws_start(struct session *s)
{
    bytebuf_init(&((struct ws_state *)s->state)->fragments, CLIENT_MAX_MESSAGE);
    session_connect(s);
}

static void ws_connected(struct session *s)
{
    struct ws_state *st = s->state;
    uint8_t raw[WS_KEY_BYTES];
    if (random_bytes(s, raw, sizeof raw) < 0)
        return;
    base64_encode(raw, sizeof raw, st->key, sizeof st->key);
    char headers[192];
    snprintf(headers, sizeof headers,
             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
             st->key);
    if (httpc_request(s, "GET", session_target(s), headers, NULL, 0) == 0)
        session_expect(s, "the handshake answer", CLIENT_CONNECT_TIMEOUT_MS);
}

static int check_handshake(struct session *s, const struct http_response *res)
{
    struct ws_state *st = s->state;
    struct proto_err err = {0};
    if (ws_check_server_handshake(res, st->key, WS_KEY_LEN, &err) < 0) {
        session_fail(s, "bad WebSocket handshake answer: %s", err.why);
        return -1;
    }
    return 0;
}

/* A close frame from the server. */
static void got_close(struct session *s, const uint8_t *payload, size_t len)
{
    struct ws_state *st = s->state;
    struct slice reason;
    struct proto_err err = {0};
    if (ws_close_parse(payload, len, &st->close_code, &reason, &err) < 0) {
        protocol_error(s, &err);
        return;
    }
    st->close_received = true;
    snprintf(st->close_reason, sizeof st->close_reason, "%.*s", (int)reason.len, reason.ptr);
    if (!st->close_sent) {
        /* Answer with the same code (§5.5.1); "no status" is not sent. */
        unsigned code = st->close_code == WS_CLOSE_NO_STATUS ? WS_CLOSE_NORMAL : st->close_code;
        send_close(s, code, "");
    }
    /* The server closes the TCP connection next; ws_closed() takes it from there. */
}

/* A whole data message: an event, or an echo of one. */
static void got_message(struct session *s, const char *data, size_t len)
{
    session_scan_events(s, data, len);
}

/* Handle one complete frame whose payload is at payload[0..h->payload_len). */
static void got_frame(struct session *s, const struct ws_frame_header *h, const uint8_t *payload)
{
    struct ws_state *st = s->state;
    size_t len = (size_t)h->payload_len;
    struct proto_err err = {0};
    switch (h->opcode) {
    case WS_OP_PING:
        if (!st->close_sent)
            send_frame(s, WS_OP_PONG, payload, len);
        return;
    case WS_OP_PONG:
        return; /* we send no pings; an unsolicited pong is allowed (§5.5.3) */
    case WS_OP_CLOSE:
        got_close(s, payload, len);
        return;
    }
    if (ws_message_frame(&st->message, h, &err) < 0 ||
        ws_message_payload(&st->message, h, payload, len, &err) < 0) {
        protocol_error(s, &err);
        return;
    }
    int fin = ws_message_frame_done(&st->message, h, &err);
    if (fin < 0) {
        protocol_error(s, &err);
        return;
    }
    if (fin == 1 && st->fragments.len == 0) { /* the common case: one frame, no copy */
        got_message(s, (const char *)payload, len);
        return;
    }
    if (!bytebuf_append(&st->fragments, payload, len)) {
        err = (struct proto_err){"message over the per-message limit", WS_CLOSE_TOO_BIG};
        protocol_error(s, &err);
        return;
    }
    if (fin == 1) {
        got_message(s, st->fragments.data, st->fragments.len);
        bytebuf_free(&st->fragments);
    }
}

/* Take every complete frame off the input. */
static void read_frames(struct session *s)
{
    static const struct ws_frame_rules rules = {.mask = WS_MASK_FORBIDDEN, .strict = true};
    struct ws_state *st = s->state;
    while (s->conn && !s->done && !st->close_received) {
        size_t len;
        const uint8_t *in = (const uint8_t *)conn_input(s->conn, &len);
        struct ws_frame_header h;
        struct proto_err err = {0};
        long hlen = ws_parse_frame_header(in, len, &rules, &h, &err);
        if (hlen == PROTO_PARTIAL)
            return;
        if (hlen == PROTO_ERROR) {
            protocol_error(s, &err);
            return;
        }
        if (h.payload_len > CLIENT_MAX_MESSAGE) {
            err = (struct proto_err){"frame over the per-message limit", WS_CLOSE_TOO_BIG};
            protocol_error(s, &err);
            return;
        }
        size_t whole = (size_t)hlen + (size_t)h.payload_len;
        if (len < whole)
            return; /* the rest of the frame is still on its way */
        session_header_bytes(s, (uint64_t)hlen);
        got_frame(s, &h, in + hlen);
        if (s->conn)
            conn_consume(s->conn, whole);
    }
}

static void ws_read(struct session *s)
{
    struct ws_state *st = s->state;
    if (!st->open) {
        struct httpc_want want = {.status = 101, .check = check_handshake};
        struct httpc_body body;
        if (httpc_read_head(s, &want, &body) <= 0)
            return;
        st->open = true;
        ws_message_init(&st->message, CLIENT_MAX_MESSAGE);
        session_answered(s);
        session_ready(s);
    }
    read_frames(s);
}

static void ws_closed(struct session *s, const char *why)
{
    struct ws_state *st = s->state;
    if (!st->open) {
        session_fail(s, "the connection closed (%s) during the WebSocket handshake", why);
        return;
    }
    if (s->stopping) {
        if (!st->close_received)
            session_note(s, "the server did not answer our close frame (%s)", why);
        else
            session_note(s, "closed: sent 1000, the server answered %u", st->close_code);
        session_done(s);
        return;
    }
    if (!st->close_received) {
        session_fail(s, "the connection closed (%s) without a WebSocket close frame (1006)", why);
        return;
    }
    char what[WS_MAX_CONTROL + 96];
    snprintf(what, sizeof what, "the server closed the WebSocket with %u%s%s%s", st->close_code,
             st->close_reason[0] ? " (" : "", st->close_reason, st->close_reason[0] ? ")" : "");
    if (st->close_code == WS_CLOSE_NORMAL || st->close_code == WS_CLOSE_GOING_AWAY ||
        st->close_code == WS_CLOSE_NO_STATUS)
        session_end(s, what);
    else
        session_fail(s, "%s", what);
}

static int ws_send_text(struct session *s, const char *text, size_t len)
{
    struct ws_state *st = s->state;
    if (!st->open || st->close_sent)
        return -1;
    return send_frame(s, WS_OP_TEXT, text, len);
}

static void ws_stop(struct session *s)
{
    struct ws_state *st = s->state;
    if (!s->conn || !st->open || st->close_received) {
        session_done(s);
        return;
    }
    if (!st->close_sent)
        send_close(s, WS_CLOSE_NORMAL, "client done");
    /* ws_closed() finishes once the server answers and closes. */
}

static void ws_cleanup(struct session *s) { bytebuf_free(&((struct ws_state *)s->state)->fragments); }

const struct technique_ops tech_ws = {
    .name = "ws",
    .summary = "WebSocket: GET /ws upgraded (RFC 6455); --echo uses /echo",
    .default_port = PORT_WS,
    .default_path = "/ws",
    .state_size = sizeof(struct ws_state),
    .start = ws_start,
    .connected = ws_connected,
    .on_read = ws_read,
    .closed = ws_closed,
    .send_text = ws_send_text,
    .stop = ws_stop,
    .cleanup = ws_cleanup,
};

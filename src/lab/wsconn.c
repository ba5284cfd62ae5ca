/* wsconn.c -- a WebSocket connection after its handshake (see wsconn.h).
 *
 * Receiving (RFC 6455 §5.2-§5.4): frames are read straight out of the
 * connection's input buffer.  A header is parsed as soon as its bytes are
 * there; payload bytes are unmasked in place, a word at a time, as they
 * arrive, and text is checked for UTF-8 as it arrives too, so a bad byte
 * fails the connection at once (§8.1 "fail fast") instead of after a
 * 16 MiB frame has been buffered.  A message that fits in one frame -- the
 * common case -- is handed to the owner where it lies: no copy.  Only the
 * frames of a fragmented message are gathered in a buffer of their own,
 * which exists only while that message is open.  Every complete frame in
 * one read is handled before the input is consumed once, so a burst of
 * small frames costs no memmove per frame.
 *
 * Sending: a header built on the stack and the payload leave in one
 * writev, never copied unless the socket is full.  A broadcast message is
 * framed once into shared bytes (wsconn_frame_shared) that every
 * connection's queue references.  An echo does better:
 * its header is written into the input buffer right in front of the
 * payload, over the client's spent masking key, and the frame leaves as
 * one contiguous piece (see wsconn_send).
 *
 * Closing (§5.5.1, §7.1): when we close -- bad input, or the server
 * stopping -- our close frame goes out and the connection waits for the
 * peer's close frame, dropping any data frames still in flight, then
 * closes TCP itself (§7.1.1: the server closes first, so that TIME_WAIT
 * is held by the server, not by a client that may want to reconnect).
 * A peer that never answers is cut off after CLOSE_LINGER_MS.  When the
 * peer closes first, its code is echoed and TCP is closed at once.
 *
 * Compression (RFC 7692), when the handshake agreed to permessage-deflate:
 * every data message sent is compressed (RSV1 set); a received message
 * with RSV1 on its first frame is gathered whole, inflated within
 * max_message (a few KiB can inflate to gigabytes) and only then checked
 * for UTF-8, since compressed bytes are not text.
 *
 * Liveness (§5.5.2): a ping every limits->ping_ms; any byte from the peer
 * (its pong included) proves it is alive, and one silent for
 * limits->silent_ms is dropped.  The connection's single timer does both
 * jobs, so an idle connection carries no extra allocation.
 */
#include "lab/wsconn.h"

#include <stdlib.h>
#include <string.h>

#include "lab/log.h"
#include "proto/utf8.h"
#include "pushlab.h"

/* A server reads client frames: masked, no extensions, strict rules. */
static const struct ws_frame_rules client_frames = {
    .mask = WS_MASK_REQUIRED, .allowed_rsv = 0, .strict = true};
/* ...and under permessage-deflate, which gives RSV1 a meaning (§6). */
static const struct ws_frame_rules client_frames_deflate = {
    .mask = WS_MASK_REQUIRED, .allowed_rsv = 4, .strict = true};
/* While closing, frames are only measured and skipped, so anything that
 * parses as a frame at all will do. */
static const struct ws_frame_rules any_frame = {.mask = WS_MASK_ANY, .allowed_rsv = 7, .strict = false};

static void on_read(struct peer *p);
static void on_timeout(struct peer *p);

static const struct peer_raw_ops wsconn_raw_ops = {
    .on_read = on_read,
    .on_timeout = on_timeout,
};

bool wsconn_is(const struct peer *p) { return p->raw == &wsconn_raw_ops; }

static struct loop *loop_of(const struct wsconn *ws) { return ws->peer->server->loop; }

/* ------------------------------------------------------------ sending */

/* One unmasked frame, header and payload in one writev.  A write can
 * close the connection (a slow reader is cut off), and closing runs the
 * owner's on_close, which frees the wsconn: after any send, callers look
 * at the conn (freed later, by the loop) before they touch ws again. */
static int send_frame(struct conn *c, unsigned opcode, const void *data, size_t len)
{
    uint8_t header[WS_MAX_HEADER];
    size_t header_len = ws_build_frame_header(header, true, opcode, len, NULL);
    struct iovec iov[2] = {
        {.iov_base = header, .iov_len = header_len},
        {.iov_base = (void *)data, .iov_len = len},
    };
    return conn_writev(c, iov, len ? 2 : 1);
}

/* A data message compressed (RFC 7692 §7.2.1), RSV1 on its frame. */
static int send_compressed(struct wsconn *ws, unsigned opcode, const void *data, size_t len)
{
    struct conn *c = ws->peer->conn;
    size_t cap = ws_deflate_bound(ws->deflater, len);
    uint8_t *z = malloc(cap);
    if (!z) /* a message may go uncompressed (§6); the compressor never saw it */
        return send_frame(c, opcode, data, len);
    struct proto_err err = {0};
    long n = ws_deflate_message(ws->deflater, data, len, z, cap, &err);
    int r = -1;
    if (n >= 0) {
        uint8_t header[WS_MAX_HEADER];
        size_t header_len = ws_build_frame_header(header, true, opcode, (uint64_t)n, NULL);
        header[0] |= 0x40; /* RSV1: "this message is compressed" */
        struct iovec iov[2] = {
            {.iov_base = header, .iov_len = header_len},
            {.iov_base = z, .iov_len = (size_t)n},
        };
        r = conn_writev(c, iov, 2); /* copies what the socket does not take */
    }
    free(z);
    if (n < 0) /* the compressor's state is lost: so is the stream */
        wsconn_close(ws, WS_CLOSE_INTERNAL, err.why);
    return r;
}

int wsconn_send(struct wsconn *ws, unsigned opcode, const void *data, size_t len)
{
    struct conn *c = ws->peer->conn;
    if (ws->closing || c->closed)
        return -1;
    if (ws->deflater && !ws_is_control(opcode))
        return send_compressed(ws, opcode, data, len);
    if (ws->delivering && data == ws->delivering) {
        /* Sending back the message on_message was just handed (an echo):
         * its payload lies in the input buffer right behind the client's
         * frame header, whose last 4 bytes are the masking key, spent once
         * the payload was unmasked.  Below 64 KiB our header takes at most
         * 4 bytes, so it can be written over that key: header and payload
         * become one contiguous piece -- one send(), no copy, no iovec for
         * the kernel to read.  The client's first header bytes stay as
         * they were, so the frame can still be measured and skipped. */
        uint8_t header[WS_MAX_HEADER];
        size_t n = ws_build_frame_header(header, true, opcode, len, NULL);
        if (n <= sizeof ws->frame.mask) {
            memcpy(ws->delivering - n, header, n);
            return conn_write(c, ws->delivering - n, n + len);
        }
    }
    return send_frame(c, opcode, data, len);
}

struct shbuf *wsconn_frame_shared(unsigned opcode, const void *data, size_t len)
{
    uint8_t header[WS_MAX_HEADER];
    size_t header_len = ws_build_frame_header(header, true, opcode, len, NULL);
    struct shbuf *b = shbuf_new(header_len + len);
    if (!b)
        return NULL;
    memcpy(b->data, header, header_len);
    if (len)
        memcpy(b->data + header_len, data, len);
    return b;
}

int wsconn_send_shared(struct wsconn *ws, struct shbuf *frame)
{
    struct conn *c = ws->peer->conn;
    if (ws->closing || c->closed)
        return -1;
    return conn_write_shared(c, frame);
}

static void drop_fragments(struct wsconn *ws)
{
    bytebuf_free(&ws->fragments);
}

void wsconn_close(struct wsconn *ws, unsigned code, const char *reason)
{
    struct conn *c = ws->peer->conn;
    if (ws->closing || c->closed)
        return;
    ws->closing = true;
    ws->have_frame = false;
    drop_fragments(ws);
    uint8_t payload[WS_MAX_CONTROL];
    size_t len = ws_close_build(payload, code, reason, reason ? strlen(reason) : 0);
    if (send_frame(c, WS_OP_CLOSE, payload, len) == 0)
        conn_set_timeout(c, CLOSE_LINGER_MS);
}

/* Bad input from the peer: fail the connection with the codec's code. */
static void fail(struct wsconn *ws, const struct proto_err *err)
{
    struct server *s = ws->peer->server;
    unsigned code = err->code ? (unsigned)err->code : WS_CLOSE_PROTOCOL_ERROR;
    if (s->opt.verbose)
        server_log(s, "%s failed with close %u: %s", ws->peer->conn->peer, code, err->why);
    wsconn_close(ws, code, err->why);
}

/* ------------------------------------------------------------ closing */

/* After our close frame: drop whole frames until the peer's close frame
 * starts, then close TCP.  Bytes that cannot be a frame end it too. */
static void drain_closing(struct wsconn *ws)
{
    struct conn *c = ws->peer->conn;
    while (!c->closed) {
        size_t len;
        const uint8_t *buf = (const uint8_t *)conn_input(c, &len);
        if (len == 0)
            return;
        if (ws->skip > 0) {
            size_t n = ws->skip < len ? (size_t)ws->skip : len;
            conn_consume(c, n);
            ws->skip -= n;
            continue;
        }
        struct ws_frame_header h;
        struct proto_err err = {0};
        long n = ws_parse_frame_header(buf, len, &any_frame, &h, &err);
        if (n == PROTO_PARTIAL)
            return;
        if (n < 0 || h.opcode == WS_OP_CLOSE) {
            conn_close_after_flush(c, n < 0 ? "garbage after our close frame"
                                            : "closing handshake complete");
            return;
        }
        /* A frame longer than we would ever take (the one refused with
         * 1009, say) is not read through just to find a close after it. */
        if (h.payload_len > ws->limits->max_message) {
            conn_close_after_flush(c, "frame over the limit after our close frame");
            return;
        }
        ws->skip = (uint64_t)n + h.payload_len;
    }
}

/* The peer sent a close frame: answer with its code (§5.5.1), or with
 * 1002 if the frame was malformed, and close TCP once that is written. */
static void peer_closes(struct wsconn *ws, const uint8_t *payload, size_t len)
{
    struct conn *c = ws->peer->conn;
    unsigned code;
    struct slice reason;
    struct proto_err err = {0};
    if (ws_close_parse(payload, len, &code, &reason, &err) < 0) {
        fail(ws, &err);
    } else {
        /* 1005 means "no code": the answer is an empty close frame too. */
        uint8_t echo[WS_MAX_CONTROL];
        size_t echo_len = code == WS_CLOSE_NO_STATUS ? 0 : ws_close_build(echo, code, "", 0);
        ws->closing = true;
        if (send_frame(c, WS_OP_CLOSE, echo, echo_len) == 0)
            conn_set_timeout(c, CLOSE_LINGER_MS); /* for a peer that does not read it */
    }
    conn_close_after_flush(c, "closing handshake complete");
}

/* ------------------------------------------------------------ receiving */

static void control_frame(struct wsconn *ws, unsigned opcode, const uint8_t *payload, size_t len)
{
    switch (opcode) {
    case WS_OP_PING:
        wsconn_send(ws, WS_OP_PONG, payload, len);
        break;
    case WS_OP_PONG:
        break; /* proof of life only: last_heard_ms was already updated */
    case WS_OP_CLOSE:
        peer_closes(ws, payload, len);
        break;
    }
}

/* A compressed message is whole in ws->fragments: inflate it, at most
 * max_message bytes of it, check its text, and hand it over. */
static void deliver_inflated(struct wsconn *ws)
{
    const uint8_t *in = (const uint8_t *)ws->fragments.data;
    size_t in_len = ws->fragments.len, pos = 0, n = 0, cap = 0;
    size_t max = (size_t)ws->limits->max_message;
    uint8_t *out = NULL;
    bool done = false;
    struct proto_err err = {0};
    while (!done && !err.why) {
        if (n == cap) {
            if (cap > max) { /* one byte past the limit: too big */
                err = (struct proto_err){.code = WS_CLOSE_TOO_BIG, .why = "message too big once inflated"};
                break;
            }
            size_t want = cap ? cap * 2 : 4096;
            want = want > max + 1 ? max + 1 : want;
            uint8_t *grown = realloc(out, want);
            if (!grown) {
                err = (struct proto_err){.code = WS_CLOSE_INTERNAL, .why = "out of memory"};
                break;
            }
            out = grown;
            cap = want;
        }
        size_t used;
        long w = ws_inflate(ws->inflater, in + pos, in_len - pos, &used, true, out + n, cap - n, &done, &err);
        if (w < 0)
            break;
        pos += used;
        n += (size_t)w;
    }
    if (!err.why && ws->message_opcode == WS_OP_TEXT && !utf8_valid(out, n))
        err = (struct proto_err){.code = WS_CLOSE_INVALID_DATA, .why = "inflated text is not UTF-8"};
    struct conn *c = ws->peer->conn;
    if (err.why)
        fail(ws, &err);
    else
        ws->ops->on_message(ws, ws->message_opcode, out ? out : (const uint8_t *)"", n);
    free(out);
    if (!c->closed) /* else ws may be gone */
        drop_fragments(ws);
}

/* A data frame is complete (unmasked, its text checked so far); its
 * payload lies in the input buffer, which is ours to change. */
static void data_frame(struct wsconn *ws, uint8_t *payload, size_t len)
{
    struct proto_err err = {0};
    int end = ws_message_frame_done(&ws->message, &ws->frame, &err);
    if (end < 0) {
        fail(ws, &err);
        return;
    }
    /* While nothing was kept, every earlier fragment was empty, so this
     * frame's payload is the whole message so far: deliver it in place. */
    if (end == 1 && !ws->fragments.mem && !ws->compressed) {
        struct conn *c = ws->peer->conn;
        ws->delivering = payload;
        ws->ops->on_message(ws, ws->message_opcode, payload, len);
        if (!c->closed) /* else ws may be gone */
            ws->delivering = NULL;
        return;
    }
    /* ws_message holds the message within max_message, the buffer's cap:
     * a failed append can only mean that memory ran out. */
    if (!bytebuf_append(&ws->fragments, payload, len)) {
        err.code = WS_CLOSE_INTERNAL;
        err.why = "out of memory";
        fail(ws, &err);
        return;
    }
    if (end == 1 && ws->compressed) {
        deliver_inflated(ws);
    } else if (end == 1) {
        struct conn *c = ws->peer->conn;
        ws->ops->on_message(ws, ws->message_opcode, (const uint8_t *)ws->fragments.data,
                            ws->fragments.len);
        if (!c->closed)
            drop_fragments(ws);
    }
}

/* Parse the header of the next frame at buf[0..len).  1 when ws->frame
 * holds it, 0 when more bytes are needed, -1 after failing. */
static int next_header(struct wsconn *ws, const uint8_t *buf, size_t len)
{
    struct ws_frame_header *h = &ws->frame;
    struct proto_err err = {0};
    long n = ws_parse_frame_header(buf, len, ws->inflater ? &client_frames_deflate : &client_frames, h, &err);
    if (n == PROTO_PARTIAL)
        return 0;
    if (n > 0 && h->rsv && (ws_is_control(h->opcode) || h->opcode == WS_OP_CONTINUATION))
        n = proto_fail(&err, WS_CLOSE_PROTOCOL_ERROR, "RSV1 set on a frame that does not start a data message");
    if (n < 0 || (!ws_is_control(h->opcode) && ws_message_frame(&ws->message, h, &err) < 0)) {
        fail(ws, &err);
        return -1;
    }
    if (h->opcode == WS_OP_TEXT || h->opcode == WS_OP_BINARY) {
        ws->message_opcode = h->opcode;
        ws->compressed = h->rsv != 0; /* RSV1 on the first frame (RFC 7692 §6) */
    }
    ws->have_frame = true;
    ws->frame_done = 0;
    return 1;
}

static void receive_frames(struct wsconn *ws)
{
    struct conn *c = ws->peer->conn;
    size_t len;
    /* The input buffer is ours to change until it is consumed: unmasking
     * in place is what saves a copy of every payload. */
    uint8_t *buf = (uint8_t *)conn_input(c, &len);
    size_t pos = 0; /* where the frame being read starts */
    while (!c->closed && !ws->closing && pos < len) {
        if (!ws->have_frame && next_header(ws, buf + pos, len - pos) <= 0)
            break;
        const struct ws_frame_header *h = &ws->frame;
        uint8_t *payload = buf + pos + h->header_len;
        uint64_t arrived = len - pos - h->header_len;
        if (arrived > h->payload_len)
            arrived = h->payload_len;
        if (arrived > ws->frame_done) {
            uint8_t *fresh = payload + ws->frame_done;
            size_t fresh_len = (size_t)(arrived - ws->frame_done);
            ws_mask(fresh, fresh_len, h->mask, ws->frame_done);
            struct proto_err err = {0};
            if (!ws_is_control(h->opcode) && !ws->compressed && /* compressed: checked once inflated */
                ws_message_payload(&ws->message, h, fresh, fresh_len, &err) < 0) {
                fail(ws, &err);
                break;
            }
            ws->frame_done = arrived;
        }
        if (ws->frame_done < h->payload_len)
            break; /* the rest of this frame is still on its way */
        ws->have_frame = false;
        size_t frame_len = h->header_len + (size_t)h->payload_len;
        if (ws_is_control(h->opcode))
            control_frame(ws, h->opcode, payload, (size_t)h->payload_len);
        else
            data_frame(ws, payload, (size_t)h->payload_len);
        if (c->closed)
            return; /* and ws may be gone with it */
        if (!ws->closing)
            pos += frame_len;
    }
    if (c->closed)
        return;
    /* After a failure pos still points at the bad frame: drain_closing
     * measures it and skips it whole. */
    conn_consume(c, pos);
    if (ws->closing)
        drain_closing(ws);
}

static void on_read(struct peer *p)
{
    struct wsconn *ws = p->user;
    ws->last_heard_ms = loop_now_ms(loop_of(ws));
    if (ws->closing)
        drain_closing(ws);
    else
        receive_frames(ws);
}

/* ------------------------------------------------------------ timer */

/* The next timer: the next ping, or the moment the peer counts as silent. */
static void arm_timer(struct wsconn *ws)
{
    const struct wsconn_limits *l = ws->limits;
    if (l->ping_ms == 0)
        return;
    uint64_t silent = loop_now_ms(loop_of(ws)) - ws->last_heard_ms;
    uint64_t next = l->ping_ms;
    if (silent < l->silent_ms && l->silent_ms - silent < next)
        next = l->silent_ms - silent;
    conn_set_timeout(ws->peer->conn, next ? next : 1);
}

static void on_timeout(struct peer *p)
{
    struct wsconn *ws = p->user;
    if (ws->closing) {
        conn_close(p->conn, "no close frame from the peer in time");
        return;
    }
    uint64_t silent = loop_now_ms(loop_of(ws)) - ws->last_heard_ms;
    if (silent >= ws->limits->silent_ms) {
        /* Nothing, not even a pong: the peer (or the path to it) is gone.
         * A close frame would only wait for an answer that cannot come. */
        conn_close(p->conn, "silent peer dropped: no pong");
        return;
    }
    if (wsconn_send(ws, WS_OP_PING, NULL, 0) == 0)
        arm_timer(ws);
}

/* ------------------------------------------------------------ start */

static void on_peer_close(struct peer *p)
{
    struct wsconn *ws = p->user;
    drop_fragments(ws);
    ws_deflater_free(ws->deflater);
    ws_inflater_free(ws->inflater);
    ws->ops->on_close(ws);
}

void wsconn_start(struct wsconn *ws, struct peer *p, const struct wsconn_ops *ops,
                  const struct wsconn_limits *limits, const struct ws_deflate_params *deflate)
{
    ws->peer = p;
    ws->ops = ops;
    ws->limits = limits;
    ws->last_heard_ms = loop_now_ms(p->server->loop);
    ws_message_init(&ws->message, limits->max_message);
    bytebuf_init(&ws->fragments, (size_t)limits->max_message);
    p->user = ws;
    p->on_close = on_peer_close;
    peer_take_raw(p, &wsconn_raw_ops);
    ws->deflater = NULL;
    ws->inflater = NULL;
    ws->compressed = false;
    if (deflate) {
        ws->deflater = ws_deflater_new(limits->deflate_level, deflate->server_max_window_bits,
                                       deflate->server_no_context_takeover);
        ws->inflater = ws_inflater_new(deflate->client_no_context_takeover);
        if (!ws->deflater || !ws->inflater) {
            wsconn_close(ws, WS_CLOSE_INTERNAL, "out of memory for permessage-deflate");
            return;
        }
    }
    /* Any frame the limits allow must fit in the input buffer, and an
     * echo of the largest message in the output queue -- compressed, a
     * message that does not shrink grows a little. */
    size_t largest = (size_t)limits->max_message;
    p->conn->in.cap = largest + WS_MAX_HEADER;
    p->conn->out.cap = MAX_OUTPUT_QUEUE + (ws->deflater ? ws_deflate_bound(ws->deflater, largest) : largest) +
                       WS_MAX_HEADER;
    arm_timer(ws);
    size_t pending;
    conn_input(p->conn, &pending);
    if (pending > 0)
        receive_frames(ws);
}

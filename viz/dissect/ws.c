/* ws.c -- WebSocket frames after a 101 (RFC 6455 §5), both ways.
 *
 * An observer accepts frames a server or client would reject (mask in the
 * wrong direction, unknown opcodes, RSV bits) and reports them as they are:
 * students should see a broken peer's frames, not a parser's refusal.  The
 * message rules that span frames (continuations, UTF-8 of text messages)
 * are checked with the shared ws_message layer and reported as `error`
 * items without losing the frame boundaries.
 *
 * The payload is unmasked as it streams by (ws_mask takes the payload
 * offset, so pieces unmask the same as a whole); the first
 * VIZ_PAYLOAD_SHOWN bytes are kept for the item, text messages are scanned
 * for pushlab events, and a pong is timed against the last ping sent the
 * other way.
 */
#include "dissect/ws.h"

#include <stdio.h>
#include <string.h>

void ws_start(struct half *h)
{
    struct bytebuf text = h->ws.text; /* keep the buffer, forget the rest */
    memset(&h->ws, 0, sizeof h->ws);
    h->ws.text = text;
    bytebuf_reset(&h->ws.text, 0);
    ws_message_init(&h->ws.msg, 0);
    eventscan_reset(&h->scan);
    h->mode = MODE_WEBSOCKET;
}

bool ws_skip(struct half *h, uint64_t len)
{
    struct ws_state *w = &h->ws;
    if (!w->in_frame || len > w->h.payload_len - w->got)
        return false;
    w->got += len;
    return true;
}

static void add_hex(struct item *it, const char *name, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char hex[2 * VIZ_PAYLOAD_SHOWN];
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[p[i] >> 4];
        hex[2 * i + 1] = digits[p[i] & 15];
    }
    item_add_text(it, name, hex, 2 * n);
}

static void frame_done(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    struct ws_state *w = &h->ws;
    const struct ws_frame_header *fh = &w->h;
    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_WS_FRAME, w->frame_off,
                                fh->header_len + fh->payload_len);
    item_add_bool(it, "fin", fh->fin);
    item_add_int(it, "rsv", fh->rsv);
    item_add_int(it, "opcode", fh->opcode);
    item_add_str(it, "opcode_name", ws_opcode_name(fh->opcode));
    item_add_bool(it, "masked", fh->masked);
    if (fh->masked) {
        char key[9];
        snprintf(key, sizeof key, "%02x%02x%02x%02x", fh->mask[0], fh->mask[1], fh->mask[2], fh->mask[3]);
        item_add_str(it, "mask_key", key);
    } else {
        item_add_null(it, "mask_key");
    }
    item_add_int(it, "len", (int64_t)fh->payload_len);
    bool text = fh->opcode == WS_OP_TEXT || (fh->opcode == WS_OP_CONTINUATION && w->text_message);
    if (text)
        item_add_text(it, "payload", w->shown, w->shown_len);
    else
        add_hex(it, "payload", w->shown, w->shown_len);
    item_add_int(it, "header_len", fh->header_len);

    struct ws_state *other = &d->half[!h->dir].ws;
    if (fh->opcode == WS_OP_CLOSE) {
        unsigned code;
        struct slice reason;
        struct proto_err err = {0};
        if (fh->payload_len == w->shown_len &&
            ws_close_parse(w->shown, w->shown_len, &code, &reason, &err) == 0) {
            item_add_int(it, "close_code", code);
            item_add_text(it, "close_reason", reason.ptr, reason.len);
        } else if (w->shown_len >= 2) {
            item_add_int(it, "close_code", w->shown[0] << 8 | w->shown[1]);
        }
    } else if (fh->opcode == WS_OP_PING) {
        w->ping_pending = true;
        w->ping_ns = env->now_ns;
    } else if (fh->opcode == WS_OP_PONG && other->ping_pending) {
        item_add_ms(it, "pong_ms", (double)(env->now_ns - other->ping_ns) / 1e6);
        other->ping_pending = false;
    }
    emit_item(env->emitter, it);

    /* Events after the frame that carried them. */
    if (w->text.len)
        eventscan_feed(&h->scan, w->text.data, w->text.len, w->text.offset, env->emitter,
                       env->flow, h->dir, env->now_ns);
    bytebuf_reset(&w->text, 0);
    if (!ws_is_control(fh->opcode)) {
        struct proto_err err = {0};
        int r = ws_message_frame_done(&w->msg, fh, &err);
        if (r < 0 && !w->msg_error)
            half_error(env, h, err.why, w->frame_off, 0);
        if (r != 0) { /* the message ended (or broke): the next one starts clean */
            w->msg_error = false;
            ws_message_init(&w->msg, 0);
            eventscan_reset(&h->scan);
        }
    }
    w->in_frame = false;
}

/* Read a frame header from the buffer. */
static bool header_step(const struct dissect_env *env, struct half *h)
{
    struct ws_state *w = &h->ws;
    static const struct ws_frame_rules observer = {WS_MASK_ANY, 7, false};
    struct proto_err err = {0};
    long r = ws_parse_frame_header((const uint8_t *)h->buf.data, h->buf.len, &observer, &w->h, &err);
    if (r == PROTO_PARTIAL)
        return false;
    if (r < 0) {
        half_error(env, h, err.why, h->buf.offset, h->buf.len);
        h->mode = MODE_OPAQUE; /* frame boundaries are lost */
        return true;
    }
    w->in_frame = true;
    w->got = 0;
    w->shown_len = 0;
    w->frame_off = h->buf.offset;
    bytebuf_consume(&h->buf, (size_t)r);
    if (!ws_is_control(w->h.opcode)) {
        if (w->h.opcode != WS_OP_CONTINUATION)
            w->text_message = w->h.opcode == WS_OP_TEXT;
        if (ws_message_frame(&w->msg, &w->h, &err) < 0 && !w->msg_error) {
            half_error(env, h, err.why, w->frame_off, 0);
            w->msg_error = true;
        }
    }
    return true;
}

/* Keep unmasked text to scan for events once its frame item is out; a
 * frame too long to keep is scanned as it streams by instead. */
static void scan_later(const struct dissect_env *env, struct half *h, const uint8_t *p, size_t n,
                       uint64_t off)
{
    struct bytebuf *t = &h->ws.text;
    if (t->len == 0)
        bytebuf_reset(t, off);
    if (bytebuf_append(t, p, n))
        return;
    eventscan_feed(&h->scan, t->data, t->len, t->offset, env->emitter, env->flow, h->dir, env->now_ns);
    eventscan_feed(&h->scan, p, n, off, env->emitter, env->flow, h->dir, env->now_ns);
    bytebuf_reset(t, off + n);
}

bool ws_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    struct ws_state *w = &h->ws;
    if (!w->in_frame) {
        if (!header_step(env, h))
            return false;
        if (!w->in_frame)
            return true;
    }
    /* Payload: unmask piece by piece.  An unmasked payload (every server
     * frame) is read where it lies; only a masked one is copied, to be
     * unmasked in the copy. */
    uint64_t left = w->h.payload_len - w->got;
    size_t n = left < h->buf.len ? (size_t)left : h->buf.len;
    size_t done = 0;
    while (done < n) {
        uint8_t copy[4096];
        size_t k = n - done < sizeof copy ? n - done : sizeof copy;
        const uint8_t *piece = (const uint8_t *)h->buf.data + done;
        if (w->h.masked) {
            memcpy(copy, piece, k);
            ws_mask(copy, k, w->h.mask, w->got);
            piece = copy;
        }
        if (w->shown_len < VIZ_PAYLOAD_SHOWN) {
            size_t s = VIZ_PAYLOAD_SHOWN - w->shown_len < k ? VIZ_PAYLOAD_SHOWN - w->shown_len : k;
            memcpy(w->shown + w->shown_len, piece, s);
            w->shown_len += s;
        }
        if (!ws_is_control(w->h.opcode)) {
            struct proto_err err = {0};
            if (ws_message_payload(&w->msg, &w->h, piece, k, &err) < 0 && !w->msg_error) {
                half_error(env, h, err.why, h->buf.offset + done, 0);
                w->msg_error = true;
            }
            if (w->text_message)
                scan_later(env, h, piece, k, h->buf.offset + done);
        }
        w->got += k;
        done += k;
    }
    bytebuf_consume(&h->buf, n);
    if (w->got == w->h.payload_len) {
        frame_done(d, env, h);
        return true;
    }
    return n > 0;
}

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
 *
 * permessage-deflate (RFC 7692): when the 101 accepted it, a data message
 * whose first frame has RSV1 set is compressed; its frames' payloads go
 * through this direction's inflater (ws_deflate.c), and everything shown
 * and checked -- the payload, the UTF-8 rule, events -- is of the inflated
 * bytes.  Each frame shows what its own compressed bytes inflated to
 * (`inflated_len`); `len` stays the wire length.  An inflated byte has no
 * place of its own on the wire, so what is read out of it (an event, a
 * library's message, a UTF-8 error) covers the compressed payload of the
 * frame that carried it (on_payload).  Without the handshake (a capture
 * that started late) the parameters and the sender's window are unknown:
 * the inflater starts with an empty window, as after a gap, and a message
 * that copies from before the capture began is not inflated (message_
 * compression, inflate_piece).
 */
#include "dissect/ws.h"
#include "dissect/library.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hex.h"

void ws_start(struct half *h, bool handshake_seen, const struct ws_deflate_params *deflate)
{
    eventscan_reset(&h->scan);
    if (!h->ws) { /* the direction's first WebSocket: its state is made now */
        if (!(h->ws = malloc(sizeof *h->ws))) {
            h->mode = MODE_OPAQUE; /* out of memory: only events are looked for */
            return;
        }
        bytebuf_init(&h->ws->text, VIZ_BODY_KEEP);
        h->ws->shown = NULL;
        h->ws->inflater = NULL;
    }
    struct ws_state *w = h->ws;
    struct bytebuf text = w->text; /* keep the buffers, forget the rest */
    uint8_t *shown = w->shown ? w->shown : malloc(VIZ_PAYLOAD_SHOWN);
    ws_inflater_free(w->inflater);
    memset(w, 0, sizeof *w);
    w->text = text;
    w->shown = shown; /* NULL when out of memory: payloads are then not shown */
    bytebuf_reset(&w->text, 0);
    ws_message_init(&w->msg, 0);
    w->handshake_seen = handshake_seen;
    w->deflate = deflate != NULL;
    if (deflate)
        w->no_context_takeover = h->dir == DIR_S2C ? deflate->server_no_context_takeover
                                                    : deflate->client_no_context_takeover;
    h->mode = MODE_WEBSOCKET;
}

void ws_free(struct half *h)
{
    if (!h->ws)
        return;
    bytebuf_free(&h->ws->text);
    ws_inflater_free(h->ws->inflater);
    free(h->ws->shown);
    free(h->ws);
    h->ws = NULL;
}

/* The largest DEFLATE window: no copy reaches further back (RFC 1951 §3.2.5). */
#define WS_WINDOW_MAX 32768

/* The sender's compressed stream lost bytes, or a message that could
 * not be inflated: what it would have added to the window is unknown
 * (core.h, window_lost). */
static void forget_window(struct ws_state *w)
{
    if (w->inflater)
        ws_inflater_reset(w->inflater);
    w->inflating = false;
    if (w->deflate && !w->no_context_takeover) {
        w->window_lost = true;
        w->window_refilled = 0;
    }
}

bool ws_skip(struct half *h, uint64_t len)
{
    struct ws_state *w = h->ws;
    if (!w->in_frame || len > w->h.payload_len - w->got)
        return false;
    w->got += len;
    if (w->inflating) /* this message cannot be inflated */
        forget_window(w);
    return true;
}

static void add_hex(struct item *it, const char *name, const uint8_t *p, size_t n)
{
    char hex[2 * VIZ_PAYLOAD_SHOWN];
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = hex_digit_char(p[i] >> 4);
        hex[2 * i + 1] = hex_digit_char(p[i]);
    }
    item_add_text(it, name, hex, 2 * n);
}

static void inflate_piece(const struct dissect_env *env, struct half *h, const uint8_t *p, size_t n,
                          bool last);

/* env, but with the items it emits placed on the current frame's
 * compressed payload (emitter.h): for what is read out of inflated bytes.
 * on_frame and placed are the caller's, and live as long as the result. */
static const struct dissect_env *on_payload(const struct dissect_env *env, const struct ws_state *w,
                                            struct emitter *on_frame, struct dissect_env *placed)
{
    *on_frame = *env->emitter;
    on_frame->placed = true;
    on_frame->place_offset = w->frame_off + w->h.header_len;
    on_frame->place_length = w->h.payload_len;
    *placed = *env;
    placed->emitter = on_frame;
    return placed;
}

static void frame_done(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    struct ws_state *w = h->ws;
    const struct ws_frame_header *fh = &w->h;
    bool data = !ws_is_control(fh->opcode);
    if (data && w->inflating && fh->fin)
        inflate_piece(env, h, NULL, 0, true); /* the message's end: the removed tail goes in */
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
    bool compressed = data && w->compressed;
    item_add_bool(it, "compressed", compressed);
    if (compressed && w->inflating)
        item_add_int(it, "inflated_len", (int64_t)w->inflated_len);
    else
        item_add_null(it, "inflated_len");
    bool text = fh->opcode == WS_OP_TEXT || (fh->opcode == WS_OP_CONTINUATION && w->text_message);
    /* shown holds inflated text when any of this frame was inflated (the
     * rest, after an error or a gap, was not kept). */
    const uint8_t *shown = w->shown ? w->shown : (const uint8_t *)""; /* "": out of memory */
    if (text && (!compressed || w->inflating || w->inflated_len > 0))
        item_add_shown(it, "payload", shown, w->shown_len, compressed ? w->inflated_len : fh->payload_len);
    else
        add_hex(it, "payload", shown, w->shown_len);
    item_add_int(it, "header_len", fh->header_len);

    struct ws_state *other = d->half[!h->dir] ? d->half[!h->dir]->ws : NULL; /* NULL unless it speaks
                                                                                 WebSocket too */
    if (fh->opcode == WS_OP_CLOSE) {
        unsigned code;
        struct slice reason;
        struct proto_err err = {0};
        if (fh->payload_len == w->shown_len &&
            ws_close_parse(shown, w->shown_len, &code, &reason, &err) == 0) {
            item_add_int(it, "close_code", code);
            item_add_text(it, "close_reason", reason.ptr, reason.len);
        } else if (w->shown_len >= 2) {
            item_add_int(it, "close_code", shown[0] << 8 | shown[1]);
        }
    } else if (fh->opcode == WS_OP_PING) {
        w->ping_pending = true;
        w->ping_ns = env->now_ns;
    } else if (fh->opcode == WS_OP_PONG && other && other->ping_pending) {
        item_add_ms(it, "pong_ms", (double)(env->now_ns - other->ping_ns) / 1e6);
        other->ping_pending = false;
    }
    emit_item(env->emitter, it);

    struct emitter on_frame;
    struct dissect_env placed;
    const struct dissect_env *text_env = w->compressed ? on_payload(env, w, &on_frame, &placed) : env;
    /* A library's packet or frame: a whole text message in one frame (all
     * of it kept: inflated, when it was compressed). */
    bool whole = w->compressed ? w->inflating && w->inflated_len == w->text.len
                               : fh->payload_len == w->text.len;
    bool whole_text = fh->opcode == WS_OP_TEXT && fh->fin && whole;
    if (whole_text && w->library_unnamed)
        library_of_ws_message(d, h, w->text.data, w->text.len);
    if (h->lib.wrap == WRAP_MESSAGE && whole_text)
        library_message(text_env, h, w->text.data, w->text.len, w->text.offset);

    /* Events after the frame that carried them. */
    if (w->text.len)
        eventscan_feed(&h->scan, w->text.data, w->text.len, w->text.offset, text_env->emitter,
                       env->flow, h->dir, env->now_ns);
    bytebuf_reset(&w->text, 0);
    if (!ws_is_control(fh->opcode)) {
        struct proto_err err = {0};
        int r = ws_message_frame_done(&w->msg, fh, &err);
        if (r < 0 && !w->msg_error)
            half_error(env, h, err.why, w->frame_off, 0);
        if (r != 0) { /* the message ended (or broke): the next one starts clean */
            if (w->compressed && !w->inflating && w->inflater)
                ws_inflater_reset(w->inflater); /* it stopped inside this message */
            w->compressed = w->inflating = false;
            w->msg_error = false;
            ws_message_init(&w->msg, 0);
            eventscan_reset(&h->scan);
        }
    }
    w->in_frame = false;
}

/* A data message starts: is it compressed, and can it be inflated? */
static void message_compression(const struct dissect_env *env, struct half *h)
{
    struct ws_state *w = h->ws;
    w->compressed = (w->h.rsv & 4) != 0; /* RSV1 (§6 of RFC 7692) */
    w->inflating = false;
    if (!w->compressed)
        return;
    if (!w->deflate && !w->handshake_seen) {
        /* Joined late: RSV1 is permessage-deflate's (the one extension in
         * use that sets it), and the sender's window is unknown, as after
         * a gap.  So the inflater starts empty, keeping its window as
         * under context takeover: a message that copies from before the
         * capture began fails to inflate (its error says why) instead of
         * showing wrong bytes, and every other one -- each of them
         * without context takeover, and under it the ones that copy only
         * from messages captured -- is shown exact. */
        half_error(env, h,
                   "compressed message (RSV1) but the handshake was not captured: inflated as "
                   "permessage-deflate from an empty window, so a message that copies from "
                   "before the capture began cannot be",
                   w->frame_off, 0);
        w->deflate = true;
        w->window_lost = true;
        w->window_refilled = 0;
    }
    if (!w->deflate) {
        half_error(env, h, "RSV1 is set but the handshake negotiated no extension", w->frame_off, 0);
        return;
    }
    if (!w->inflater)
        w->inflater = ws_inflater_new(w->no_context_takeover);
    w->inflating = w->inflater != NULL;
    if (!w->inflating)
        half_error(env, h, "out of memory for an inflater: shown compressed", w->frame_off, 0);
}

/* ---- frames without a handshake, and after a gap ---- */

/* 1 when a frame header that this direction's sender could have written
 * starts at p (strict rules: known opcode, control frames short and whole,
 * minimal length, MASK right for the direction, RSV1 only where
 * permessage-deflate may be in use) and its frame ends at n or is followed
 * by another such header (`depth` more are checked); 0 when not;
 * PROTO_PARTIAL when more bytes are needed to tell. */
static int plausible_at(enum item_dir dir, unsigned rsv, const uint8_t *p, size_t n, int depth)
{
    struct ws_frame_rules rules = {dir == DIR_C2S ? WS_MASK_REQUIRED : WS_MASK_FORBIDDEN, rsv, true};
    struct ws_frame_header fh;
    struct proto_err err = {0};
    long r = ws_parse_frame_header(p, n, &rules, &fh, &err);
    if (r == PROTO_PARTIAL)
        return PROTO_PARTIAL;
    if (r < 0 || (ws_is_control(fh.opcode) && fh.rsv))
        return 0;
    if (fh.payload_len > n - (size_t)r)
        return fh.payload_len <= VIZ_RESYNC_CHECK_MAX ? PROTO_PARTIAL : 1; /* too long to check further */
    size_t end = (size_t)r + (size_t)fh.payload_len;
    if (end == n || depth == 0)
        return 1;
    return plausible_at(dir, rsv, p + end, n - end, depth - 1) == 0 ? 0 : 1;
}

/* RSV bits a sender may set: RSV1 under permessage-deflate, or when the
 * handshake was not seen and it may have been negotiated. */
static unsigned allowed_rsv(const struct ws_state *w)
{
    return w->deflate || !w->handshake_seen ? 4 : 0;
}

int ws_frames_plausible(enum item_dir dir, const uint8_t *p, size_t n)
{
    return plausible_at(dir, 4, p, n, 1);
}

void ws_join(struct dissect *d, struct half *h)
{
    ws_start(h, false, NULL);
    if (!h->ws)
        return; /* out of memory: only events are looked for */
    h->ws->library_unnamed = true; /* (upgrade_answer_lost knows better when the request was seen) */
    /* The other side joined first, and its messages may have named the
     * library this side speaks too. */
    const struct half *other = d->half[!h->dir];
    if (h->lib.lib == LIB_NONE && other && other->ws && other->ws->library_unnamed) {
        h->lib.lib = other->lib.lib;
        h->lib.wrap = other->lib.wrap;
    }
    if (!d->traits.exchanges[TECH_WS])
        d->traits.ws_joined_late = true;
}

bool ws_cut(const struct dissect_env *env, struct half *h, enum search_end how)
{
    struct ws_state *w = h->ws;
    if (!w->in_frame)
        return false;
    /* A frame whose end never comes can never be shown: what came of it
     * (its header and the payload so far, all read: nothing waits in the
     * buffer) is said. */
    half_cut_short(env, h, w->frame_off, h->buf.offset - w->frame_off, "a WebSocket frame", how);
    w->in_frame = false;
    return true;
}

void ws_lost(const struct dissect_env *env, struct half *h, uint64_t at)
{
    struct ws_state *w = h->ws;
    ws_cut(env, h, SEARCH_GAP);
    h->lost_from = at;
    /* Inside a message or between two: the gap may have taken whole
     * messages, whose output the window held. */
    forget_window(w);
    w->compressed = false;
    h->mode = MODE_WS_RESYNC;
}

bool ws_resync_step(const struct dissect_env *env, struct half *h)
{
    struct ws_state *w = h->ws;
    const uint8_t *p = (const uint8_t *)h->buf.data;
    size_t n = h->buf.len, i = 0;
    int found = 0;
    for (; i < n; i++) {
        found = plausible_at(h->dir, allowed_rsv(w), p + i, n - i, 1);
        if (found != 0)
            break;
    }
    /* Bytes before i cannot start a frame: passed over (events in them
     * are still found). */
    if (i) {
        eventscan_feed(&h->scan, p, i, h->buf.offset, env->emitter, env->flow, h->dir, env->now_ns);
        bytebuf_consume(&h->buf, i);
    }
    if (found != 1)
        return i > 0; /* more bytes needed */
    half_search_done(env, h, SEARCH_FOUND);
    /* The frames that follow may continue a message whose start was lost:
     * its rules are not checked until the next message starts. */
    ws_message_init(&w->msg, 0);
    w->msg_error = true;
    eventscan_reset(&h->scan);
    h->mode = MODE_WEBSOCKET;
    return true;
}

/* Read a frame header from the buffer. */
static bool header_step(const struct dissect_env *env, struct half *h)
{
    struct ws_state *w = h->ws;
    static const struct ws_frame_rules observer = {WS_MASK_ANY, 7, false};
    struct proto_err err = {0};
    long r = ws_parse_frame_header((const uint8_t *)h->buf.data, h->buf.len, &observer, &w->h, &err);
    if (r == PROTO_PARTIAL)
        return false;
    if (r < 0) {
        /* Frame boundaries are lost: the next header is looked for from
         * here, and the search says how many bytes it passed over, these
         * too, so the error marks only where the bad header starts. */
        half_error(env, h, err.why, h->buf.offset, 0);
        ws_lost(env, h, h->buf.offset);
        bytebuf_consume(&h->buf, 1);
        return true;
    }
    w->in_frame = true;
    w->got = 0;
    w->shown_len = 0;
    w->frame_off = h->buf.offset;
    bytebuf_consume(&h->buf, (size_t)r);
    w->inflated_len = 0;
    if (!ws_is_control(w->h.opcode)) {
        if (w->h.opcode != WS_OP_CONTINUATION) {
            w->text_message = w->h.opcode == WS_OP_TEXT;
            message_compression(env, h);
        }
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
    struct bytebuf *t = &h->ws->text;
    if (t->len == 0)
        bytebuf_reset(t, off);
    if (bytebuf_append(t, p, n))
        return;
    eventscan_feed(&h->scan, t->data, t->len, t->offset, env->emitter, env->flow, h->dir, env->now_ns);
    eventscan_feed(&h->scan, p, n, off, env->emitter, env->flow, h->dir, env->now_ns);
    bytebuf_reset(t, off + n);
}

static void keep_shown(struct ws_state *w, const uint8_t *p, size_t n)
{
    if (w->shown && w->shown_len < VIZ_PAYLOAD_SHOWN) {
        size_t s = VIZ_PAYLOAD_SHOWN - w->shown_len < n ? VIZ_PAYLOAD_SHOWN - w->shown_len : n;
        memcpy(w->shown + w->shown_len, p, s);
        w->shown_len += s;
    }
}

/* Bytes of the frame's payload as the application sees them (unmasked,
 * inflated): shown, checked against the message rules, scanned for
 * events.  off: their stream offset (see the header for inflated ones). */
static void message_bytes(const struct dissect_env *env, struct half *h, const uint8_t *p, size_t n,
                          uint64_t off)
{
    struct ws_state *w = h->ws;
    keep_shown(w, p, n);
    if (ws_is_control(w->h.opcode))
        return;
    struct proto_err err = {0};
    if (ws_message_payload(&w->msg, &w->h, p, n, &err) < 0 && !w->msg_error) {
        half_error(env, h, err.why, off, 0);
        w->msg_error = true;
    }
    if (w->text_message)
        scan_later(env, h, p, n, off);
}

/* Compressed payload bytes through the inflater; last: the message ends. */
static void inflate_piece(const struct dissect_env *env, struct half *h, const uint8_t *p, size_t n,
                          bool last)
{
    struct ws_state *w = h->ws;
    uint64_t payload_off = w->frame_off + w->h.header_len;
    for (;;) {
        uint8_t out[4096];
        size_t used;
        bool done;
        struct proto_err err = {0};
        long k = ws_inflate(w->inflater, p, n, &used, last, out, sizeof out, &done, &err);
        if (k < 0) {
            half_error(env, h,
                       w->window_lost ? "permessage-deflate: not inflated: under context takeover it "
                                        "refers to earlier data pushviz could not read (a gap, or "
                                        "before the capture began)"
                                      : err.why,
                       w->frame_off, w->h.header_len + w->h.payload_len);
            forget_window(w);
            return;
        }
        struct emitter on_frame;
        struct dissect_env placed;
        message_bytes(on_payload(env, w, &on_frame, &placed), h, out, (size_t)k,
                      payload_off + w->inflated_len);
        w->inflated_len += (uint64_t)k;
        if (w->window_lost && (w->window_refilled += (uint32_t)k) >= WS_WINDOW_MAX)
            w->window_lost = false; /* a whole window inflated since: nothing refers past it */
        if (used) { /* (p is NULL when only the message's end is fed: no arithmetic on it) */
            p += used;
            n -= used;
        }
        if (done || (!last && n == 0 && (size_t)k < sizeof out) || (k == 0 && used == 0))
            return;
    }
}

bool ws_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    struct ws_state *w = h->ws;
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
        if (ws_is_control(w->h.opcode) || !w->compressed)
            message_bytes(env, h, piece, k, h->buf.offset + done);
        else if (w->inflating)
            inflate_piece(env, h, piece, k, false);
        else if (w->inflated_len == 0)
            keep_shown(w, piece, k); /* compressed bytes that cannot be inflated: as sent */
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

/* h2.c -- an HTTP/2 connection in the clear (h2c, RFC 9113): one `http2`
 * item per frame, with its type, flags, stream and length, and what the
 * frame says: a DATA frame's bytes as text (what they decode to, when
 * the answer is compressed: h2_bodies.c), and the pushlab events in
 * them, a SETTINGS frame's values, a WINDOW_UPDATE's increment, the
 * error code of RST_STREAM and GOAWAY, and the header fields of a header
 * block (h2_headers.c) on the frame that ends it.
 *
 * What it teaches: every request and response is a stream of its own on
 * the one connection, so a push (an EventSource over HTTP/2, a gRPC
 * stream) is a stream whose DATA frames come one per event, interleaved
 * with the other streams' frames.
 *
 * A frame's item goes out once the frame is whole, so that a DATA frame
 * shows its text; a frame longer than VIZ_RESYNC_CHECK_MAX goes out at
 * its header and the rest is passed over (core.h, "length-prefixed
 * records"), as TLS records are.
 */
#include "dissect/h2.h"
#include "dissect/h2_bodies.h"
#include "dissect/h2_headers.h"
#include "dissect/h2_streams.h"

#include <stdio.h>
#include <string.h>

#include "proto/h2_frame.h"

/* The longest frame a peer may send before it has raised
 * SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2): what resynchronising trusts. */
#define DEFAULT_MAX_FRAME 16384

/* The whole length of the frame whose header at p obeys its type's
 * rules, within the size every peer may send. */
static long frame_len(const uint8_t *p, size_t n)
{
    struct h2_frame_header fh;
    if (h2_read_frame_header(p, n, &fh) == PROTO_PARTIAL)
        return PROTO_PARTIAL;
    if (h2_frame_fault(&fh) || fh.length > DEFAULT_MAX_FRAME)
        return 0;
    return H2_FRAME_HEADER + (long)fh.length;
}

int h2_server_preface(const uint8_t *p, size_t n)
{
    /* Its 24-bit length first: a few settings of 6 bytes each, so its
     * high bytes are 0.  Bytes that cannot begin it say so as they come
     * (a server's first 3 bytes -- a WebSocket frame's -- are not kept
     * waiting for the 9 of a frame header). */
    if ((n > 0 && p[0] != 0) || (n > 1 && p[1] != 0) || (n > 2 && (p[2] % 6 || p[2] > 6 * 16)))
        return 0;
    static const uint8_t header[] = {H2_SETTINGS, 0, 0, 0, 0, 0}; /* type, flags, stream 0 */
    size_t k = n < H2_FRAME_HEADER ? n : H2_FRAME_HEADER;
    if (k > 3 && memcmp(p + 3, header, k - 3) != 0)
        return 0;
    if (n < H2_FRAME_HEADER)
        return PROTO_PARTIAL;
    return record_run_plausible(frame_len, p, n, 1);
}

/* A capture begun after both prefaces: a frame within its type's rules,
 * and either exactly the bytes that came (its length says where they
 * end) or followed by the header of another.  A frame header begins with
 * the high byte of a length no peer exceeds before it raises
 * SETTINGS_MAX_FRAME_SIZE: 0, which starts no HTTP/1.x text and no TLS
 * record, and of WebSocket frames only an unfinished continuation -- so
 * HTTP/2 is asked before WebSocket's own late-join test, which HTTP/2
 * frame headers could pass (their first bytes read as continuation
 * frames).  1, 0 or PROTO_PARTIAL (the first frame, or the header after
 * it, has not come whole yet). */
static int frames_joined_late(const uint8_t *p, size_t n)
{
    if (n == 0)
        return PROTO_PARTIAL;
    if (p[0] != 0)
        return 0;
    long first = frame_len(p, n);
    if (first <= 0)
        return (int)first;
    if ((size_t)first == n)
        return 1;
    if ((size_t)first > n)
        return PROTO_PARTIAL;
    long second = frame_len(p + first, n - (size_t)first); /* its header whole is enough */
    return second == PROTO_PARTIAL ? PROTO_PARTIAL : second > 0;
}

int h2_starts(struct half *h, bool other_h2)
{
    const uint8_t *p = (const uint8_t *)h->buf.data;
    size_t n = h->buf.len;
    int yes = 0;
    if (h->dir == DIR_C2S) {
        long r = h2_read_preface(p, n);
        if (r == PROTO_PARTIAL)
            return PROTO_PARTIAL;
        if (r > 0)
            h->h2_preface = true;
        yes = r > 0 || (other_h2 && record_run_plausible(frame_len, p, n, 1) == 1);
    } else {
        yes = other_h2 ? record_run_plausible(frame_len, p, n, 1) : h2_server_preface(p, n);
    }
    if (yes == 0 && !other_h2 && !h->h2_preface)
        yes = frames_joined_late(p, n);
    if (yes == PROTO_PARTIAL)
        return n < VIZ_RESYNC_CHECK_MAX ? PROTO_PARTIAL : 0;
    /* Frames, but neither preface: the header blocks before them, and
     * the HPACK table they built, were not seen. */
    if (yes == 1 && !h->h2_preface && (h->dir == DIR_C2S || h2_server_preface(p, n) != 1))
        h->h2_hpack = H2_HPACK_JOINED_LATE;
    return yes == 1;
}

/* What the payload of a control frame says, as fields of its item. */
static void control_fields(struct item *it, const struct h2_frame_header *fh, const uint8_t *pl)
{
    switch (fh->type) {
    case H2_SETTINGS: {
        char text[VIZ_SETTINGS_TEXT];
        size_t n = h2_settings_text(pl, fh->length, text, sizeof text);
        if (n)
            item_add_text(it, "settings", text, n);
        break;
    }
    case H2_WINDOW_UPDATE:
        item_add_int(it, "increment", h2_u32(pl) & 0x7fffffffu);
        break;
    case H2_PUSH_PROMISE: { /* (0 is no stream a promise may name, RFC 9113 §6.6) */
        uint32_t promised = h2_promised_stream(fh, pl);
        if (promised)
            item_add_int(it, "promised_stream", promised);
        break;
    }
    case H2_RST_STREAM:
    case H2_GOAWAY: {
        uint32_t code = h2_u32(pl + (fh->type == H2_GOAWAY ? 4 : 0));
        const char *name = h2_error_name(code);
        if (name)
            item_add_str(it, "error_code", name);
        else
            item_add_int(it, "error_code", code);
        if (fh->type == H2_GOAWAY)
            item_add_int(it, "last_stream", h2_u32(pl) & 0x7fffffffu);
        break;
    }
    default:
        break;
    }
}

/* A DATA frame's data: [start, end) of its payload, padding left out
 * (RFC 9113 §6.1), `end` cut to what was captured; `sent` is how many
 * bytes of data the frame carries, captured or not. */
struct data_range {
    size_t start, end;
    uint64_t sent;
};

/* The data of DATA frame fh, as far as it was captured in `have` bytes,
 * into *r, also shown as the item's text.  False when the padding is
 * longer than the frame. */
static bool data_fields(struct item *it, const struct h2_frame_header *fh, const uint8_t *pl,
                        size_t have, struct data_range *r)
{
    r->start = 0;
    r->end = fh->length;
    if (fh->flags & H2_FLAG_PADDED) {
        if (fh->length < 1 || have < 1 || pl[0] >= fh->length) {
            item_add_str(it, "frame_error", "padding longer than the frame");
            return false;
        }
        r->start = 1;
        r->end = fh->length - pl[0];
    }
    r->sent = r->end - r->start;
    item_add_int(it, "data_len", (int64_t)r->sent);
    if (r->end > have)
        r->end = have;
    size_t shown = r->end > r->start ? r->end - r->start : 0;
    item_add_shown(it, "text", (const char *)pl + r->start, shown, r->sent);
    return true;
}

/* After frame fh's item, what the frame means for its stream's body
 * (h2_bodies.c): a final answer may open a reader, trailers or
 * RST_STREAM end it, and a DATA frame feeds it.  Data that no reader
 * takes is looked for pushlab events here.  Each DATA frame is read on
 * its own, and an event split across two frames is put together by the
 * scan, which keeps the tail. */
static void frame_body(struct dissect *d, const struct dissect_env *env, struct half *h,
                       const struct h2_frame_header *fh, const struct h2_head *head, const uint8_t *pl,
                       const struct data_range *data, bool closed)
{
    if (head->decoded && h->dir == DIR_S2C && head->status >= 200)
        h2_bodies_answer(env, h, fh, head);
    else if (fh->type == H2_HEADERS && (fh->flags & H2_FLAG_END_STREAM))
        h2_bodies_end(env, h, fh->stream, true, h->buf.offset); /* trailers: the body is over */
    if (fh->type == H2_RST_STREAM && d->half[DIR_S2C]) /* either side may cancel an answer */
        h2_bodies_end(env, d->half[DIR_S2C], fh->stream, false, 0);
    if (fh->type != H2_DATA)
        return;
    size_t got = data->end > data->start ? data->end - data->start : 0;
    uint64_t offset = h->buf.offset + H2_FRAME_HEADER + data->start;
    /* Data of the frame that will not be read: lost (a gap, or a frame too
     * long to wait for), unless the close cut it, which the reader is told
     * next (h2_bodies_stop). */
    uint64_t unread = closed ? 0 : data->sent - got;
    if (!h2_bodies_data(env, h, fh, (const char *)pl + data->start, got, offset, unread) && got)
        eventscan_feed(&h->scan, (const char *)pl + data->start, got, offset, env->emitter, env->flow,
                       h->dir, env->now_ns);
}

/* Frame fh's item, from the `have` payload bytes the buffer holds (all of
 * it, but for a frame too long to wait for or cut by a gap), and then
 * what follows from it for its stream's body; the buffer is left as it
 * was.  closed: the connection closed inside the frame. */
static void frame_item(struct dissect *d, const struct dissect_env *env, struct half *h,
                       const struct h2_frame_header *fh, size_t have, bool closed)
{
    const uint8_t *pl = (const uint8_t *)h->buf.data + H2_FRAME_HEADER;
    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_HTTP2, h->buf.offset, H2_FRAME_HEADER + (size_t)fh->length);
    const char *name = h2_type_name(fh->type);
    if (name)
        item_add_str(it, "frame", name);
    else
        item_add_int(it, "frame", fh->type); /* an extension's frame, ignored as RFC 9113 §4.1 asks */
    item_add_int(it, "stream", fh->stream);
    char flags[64];
    item_add_text(it, "flags", flags, h2_flags_text(fh->type, fh->flags, flags, sizeof flags));
    item_add_int(it, "len", fh->length);
    struct data_range data = {0, 0, 0};
    if (fh->type == H2_DATA) {
        if (!data_fields(it, fh, pl, have, &data))
            data = (struct data_range){0, 0, fh->length}; /* padding that breaks the rules: none is read */
        add_content_kind(it, h2_bodies_content(h, fh->stream));
    }
    if (fh->type != H2_DATA && have == fh->length)
        control_fields(it, fh, pl);
    char why[160];
    const char *headers_error = NULL;
    struct h2_head head = {.decoded = false};
    if (h2_carries_block(fh->type))
        headers_error = h2_headers_frame(h, fh, pl, have, it, &head, why, sizeof why);
    h2_streams_frame(d, env, h, fh, &head, data.sent, it);
    if (fh->type != H2_DATA || !h2_bodies_hold(env, h, fh->stream, it, data.sent))
        emit_item(env->emitter, it);
    if (headers_error)
        half_error(env, h, headers_error, h->buf.offset, H2_FRAME_HEADER + (size_t)fh->length);
    frame_body(d, env, h, fh, &head, pl, &data, closed);
}

/* The frame header at the start of the buffer: 1 when it can be trusted
 * (an extension's unknown type too: RFC 9113 §4.1 says to pass over it),
 * 0 when a type RFC 9113 defines breaks its rules (*fault says how: the
 * framing is lost), PROTO_PARTIAL when fewer than 9 bytes are here. */
static int next_header(const struct half *h, struct h2_frame_header *fh, const char **fault)
{
    if (h2_read_frame_header((const uint8_t *)h->buf.data, h->buf.len, fh) == PROTO_PARTIAL)
        return PROTO_PARTIAL;
    *fault = h2_frame_fault(fh);
    return *fault && h2_type_name(fh->type) ? 0 : 1;
}

bool h2_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    if (h->rec_lost)
        return record_resync_step(env, h, frame_len);
    if (h->rec_skip)
        return record_skip_step(h);
    const uint8_t *p = (const uint8_t *)h->buf.data;
    if (h->h2_preface) {
        long r = h2_read_preface(p, h->buf.len);
        if (r == PROTO_PARTIAL)
            return false;
        h->h2_preface = false;
        if (r > 0) {
            struct item_builder b;
            struct item *it = half_item(&b, env, h, ITEM_HTTP2, h->buf.offset, H2_PREFACE_LEN);
            item_add_str(it, "frame", "preface");
            emit_item(env->emitter, it);
            bytebuf_consume(&h->buf, H2_PREFACE_LEN);
        }
        return true;
    }
    struct h2_frame_header fh;
    const char *fault;
    int header = next_header(h, &fh, &fault);
    if (header == PROTO_PARTIAL)
        return false;
    if (header == 0) {
        half_error(env, h, fault, h->buf.offset, h->buf.len);
        record_lost(h, h->buf.offset);
        bytebuf_consume(&h->buf, 1);
        return true;
    }
    size_t whole = H2_FRAME_HEADER + (size_t)fh.length;
    if (h->buf.len < whole && whole <= VIZ_RESYNC_CHECK_MAX)
        return false; /* shown whole: a DATA frame's text, a control frame's values */
    /* An answer's HEADERS whose stream goes on, in a write that goes on:
     * the DATA frames after it in that write say whether its body ended
     * with it, so it waits for them, as an HTTP/1.1 head does (http.c,
     * response_step; a bounded while). */
    if (h->dir == DIR_S2C && fh.type == H2_HEADERS && !(fh.flags & H2_FLAG_END_STREAM) && env->write_continues &&
        h->buf.len < VIZ_HEAD_MAX)
        return false;
    size_t n = h->buf.len < whole ? h->buf.len : whole;
    frame_item(d, env, h, &fh, n - H2_FRAME_HEADER, false);
    bytebuf_consume(&h->buf, n);
    h->rec_skip = (uint32_t)(whole - n);
    return true;
}

bool h2_gap(struct dissect *d, const struct dissect_env *env, struct half *h, uint64_t len)
{
    /* Header blocks can be read on only when the lost bytes were inside a
     * frame that carries none (the rest of a DATA frame, say); that
     * frame's stream was told at its item (frame_body). */
    if (h->buf.len == 0) {
        bool kept = record_skip_lost(h, len);
        if (!kept) {
            h2_headers_lost(h);
            h2_bodies_lost(env, h);
        }
        return kept;
    }
    /* A frame waited for whole, and the gap cuts it: it is shown with the
     * bytes that came.  When the gap ends inside it, the rest of it is
     * passed over and the framing survives; else the next header is lost
     * too, and looked for, and any stream may have lost bytes. */
    struct h2_frame_header fh;
    const char *fault;
    if (h->rec_lost || h->h2_preface || next_header(h, &fh, &fault) != 1) {
        if (!h->rec_lost) /* (a search's bytes were said before the gap's) */
            half_cut_short(env, h, h->buf.offset, h->buf.len,
                           h->h2_preface ? "the HTTP/2 connection preface" : "an HTTP/2 frame header", SEARCH_GAP);
        h2_headers_lost(h);
        h2_bodies_lost(env, h);
        return false;
    }
    size_t whole = H2_FRAME_HEADER + (size_t)fh.length;
    bool inside = h->buf.len + len <= whole;
    if (!inside || h2_carries_block(fh.type))
        h2_headers_lost(h);
    frame_item(d, env, h, &fh, h->buf.len - H2_FRAME_HEADER, false);
    if (!inside)
        h2_bodies_lost(env, h);
    h->rec_skip = inside ? (uint32_t)(whole - h->buf.len - len) : 0;
    bytebuf_consume(&h->buf, h->buf.len);
    return inside;
}

void h2_closed(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    struct h2_frame_header fh;
    const char *fault;
    if (h->rec_lost || h->h2_preface || next_header(h, &fh, &fault) != 1)
        return; /* no header came whole: what did is said with the rest (dissect_end) */
    /* Shown with the bytes that came, as a gap shows it; a header block it
     * cuts is not read, and nothing follows that could be. */
    if (h2_carries_block(fh.type))
        h->h2_hpack = H2_HPACK_STOPPED;
    frame_item(d, env, h, &fh, h->buf.len - H2_FRAME_HEADER, true);
    h->rec_skip = (uint32_t)(H2_FRAME_HEADER + fh.length - h->buf.len);
    bytebuf_consume(&h->buf, h->buf.len);
}

/* fuzz_ws.c -- libFuzzer target for the WebSocket frame parser and the
 * message layer (RFC 6455 §5), with UTF-8 and close payloads on the way.
 *
 * The first input byte picks the rules (mask rule, strict, allowed RSV,
 * message limit); the rest is a byte stream from a peer.  A small stream
 * decoder, the way a server or pushviz would drive the codecs, runs it
 * three times: all at once, in pseudo-random pieces, and one byte at a
 * time.  The three outcomes (where it stopped, why, frames and messages
 * seen, a checksum of every unmasked payload byte) must be identical.
 * Along the way it also checks that a header never claims more bytes than
 * it was given, and that a strictly accepted header is rebuilt byte for
 * byte by ws_build_frame_header (the encoding is minimal, hence unique).
 */
#include <stdlib.h>
#include <string.h>

#include "proto/ws.h"

/* What a run of the stream decoder found. */
struct outcome {
    uint64_t consumed; /* bytes taken; on a fault, where its frame starts */
    int code;          /* close code of the fault, 0 if none */
    const char *why;   /* its reason */
    uint64_t frames;   /* frames completed */
    uint64_t messages; /* data messages completed */
    uint64_t closes;   /* close frames whose payload parsed */
    uint64_t checksum; /* FNV-1a over the unmasked payload of completed frames */
};

/* The stream decoder's state between pieces. */
struct stream {
    const struct ws_frame_rules *rules;
    struct ws_message msg;
    uint64_t frame_start;        /* stream offset of this frame's first byte */
    uint8_t head[WS_MAX_HEADER]; /* header bytes collected so far */
    size_t head_len;
    bool in_payload;             /* header done, payload bytes follow */
    struct ws_frame_header h;
    uint64_t payload_seen;       /* payload bytes of this frame so far */
    uint8_t control[WS_MAX_CONTROL]; /* a control frame's payload */
    uint64_t running_sum;        /* the checksum including this frame so far */
    struct outcome out;
    bool stopped;
};

/* A fault.  The codecs say which frame broke a rule, not which byte of a
 * payload piece did, so the outcome records the frame's start. */
static void stop(struct stream *s, const struct proto_err *err)
{
    s->out.consumed = s->frame_start;
    s->out.code = err->code;
    s->out.why = err->why;
    s->stopped = true;
}

/* The frame's last payload byte arrived (or it had none). */
static void frame_done(struct stream *s)
{
    struct proto_err err = {0};
    int r = ws_message_frame_done(&s->msg, &s->h, &err);
    if (r < 0) {
        stop(s, &err);
        return;
    }
    s->out.frames++;
    s->out.checksum = s->running_sum;
    if (!ws_is_control(s->h.opcode))
        s->out.messages += (uint64_t)r;
    if (s->h.opcode == WS_OP_CLOSE && s->h.payload_len <= WS_MAX_CONTROL) {
        unsigned code;
        struct slice reason;
        if (ws_close_parse(s->control, s->h.payload_len, &code, &reason, &err) < 0) {
            stop(s, &err);
            return;
        }
        if (reason.len > WS_MAX_CONTROL - 2 || (code != WS_CLOSE_NO_STATUS && !ws_close_code_valid(code)))
            abort();
        s->out.closes++;
    }
    s->in_payload = false;
    s->head_len = 0;
    s->payload_seen = 0;
}

/* Collect header bytes; returns how many of data it used. */
static size_t feed_header(struct stream *s, const uint8_t *data, size_t len)
{
    size_t copy = sizeof s->head - s->head_len;
    if (copy > len)
        copy = len;
    memcpy(s->head + s->head_len, data, copy);
    size_t had = s->head_len;
    if (had == 0)
        s->frame_start = s->out.consumed;
    s->head_len += copy;

    struct proto_err err = {0};
    long n = ws_parse_frame_header(s->head, s->head_len, s->rules, &s->h, &err);
    if (n == PROTO_PARTIAL)
        return copy;
    if (n == PROTO_ERROR) {
        stop(s, &err);
        return 0;
    }
    if ((size_t)n > s->head_len || n < 2 || n > WS_MAX_HEADER || (size_t)n <= had ||
        s->h.header_len != (unsigned)n || (s->h.payload_len >> 63) != 0)
        abort();
    if (s->rules->strict && s->h.rsv == 0) {
        uint8_t built[WS_MAX_HEADER];
        size_t b = ws_build_frame_header(built, s->h.fin, s->h.opcode, s->h.payload_len,
                                         s->h.masked ? s->h.mask : NULL);
        if (b != (size_t)n || memcmp(built, s->head, b) != 0)
            abort();
    }
    if (ws_message_frame(&s->msg, &s->h, &err) < 0) {
        stop(s, &err);
        return 0;
    }
    s->in_payload = true;
    return (size_t)n - had;
}

/* Take payload bytes: unmask them (at their offset), hand them on. */
static size_t feed_payload(struct stream *s, const uint8_t *data, size_t len)
{
    uint64_t left = s->h.payload_len - s->payload_seen;
    size_t take = left < len ? (size_t)left : len;
    uint8_t buf[4096];
    if (take > sizeof buf)
        take = sizeof buf;
    memcpy(buf, data, take);
    if (s->h.masked)
        ws_mask(buf, take, s->h.mask, s->payload_seen);
    if (ws_is_control(s->h.opcode) && s->payload_seen + take <= WS_MAX_CONTROL)
        memcpy(s->control + s->payload_seen, buf, take);
    for (size_t i = 0; i < take; i++)
        s->running_sum = (s->running_sum ^ buf[i]) * 0x100000001b3ull;
    struct proto_err err = {0};
    if (ws_message_payload(&s->msg, &s->h, buf, take, &err) < 0) {
        stop(s, &err);
        return 0;
    }
    s->payload_seen += take;
    return take;
}

static void stream_feed(struct stream *s, const uint8_t *data, size_t len)
{
    while (!s->stopped) {
        if (s->in_payload && s->payload_seen == s->h.payload_len) {
            frame_done(s);
            continue;
        }
        if (len == 0)
            return;
        size_t used = s->in_payload ? feed_payload(s, data, len) : feed_header(s, data, len);
        s->out.consumed += used;
        data += used;
        len -= used;
    }
}

static void stream_init(struct stream *s, const struct ws_frame_rules *rules, uint64_t max_message)
{
    memset(s, 0, sizeof *s);
    s->rules = rules;
    s->running_sum = s->out.checksum = 0xcbf29ce484222325ull;
    ws_message_init(&s->msg, max_message);
}

static bool same_outcome(const struct outcome *a, const struct outcome *b)
{
    return a->consumed == b->consumed && a->code == b->code && a->frames == b->frames &&
           a->messages == b->messages && a->closes == b->closes && a->checksum == b->checksum &&
           (a->why == b->why || (a->why && b->why && strcmp(a->why, b->why) == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const enum ws_mask_rule mask_rules[] = {WS_MASK_REQUIRED, WS_MASK_FORBIDDEN, WS_MASK_ANY};
    struct ws_frame_rules rules = {
        .mask = mask_rules[(data[0] & 3) % 3],
        .allowed_rsv = (data[0] >> 2) & 1 ? 4 : 0,
        .strict = !((data[0] >> 3) & 1),
    };
    uint64_t max_message = (data[0] >> 4) & 1 ? 64 : 0;
    data++, size--;

    struct stream whole, pieces, bytes;
    stream_init(&whole, &rules, max_message);
    stream_feed(&whole, data, size);
    if (whole.out.consumed > size)
        abort();

    stream_init(&pieces, &rules, max_message);
    uint32_t rng = 2166136261u ^ (uint32_t)size;
    for (size_t at = 0; at < size;) {
        rng = rng * 1103515245u + 12345u;
        size_t n = 1 + (rng >> 16) % 23;
        if (n > size - at)
            n = size - at;
        stream_feed(&pieces, data + at, n);
        at += n;
    }

    stream_init(&bytes, &rules, max_message);
    for (size_t at = 0; at < size; at++)
        stream_feed(&bytes, data + at, 1);

    if (!same_outcome(&whole.out, &pieces.out) || !same_outcome(&whole.out, &bytes.out))
        abort();
    return 0;
}

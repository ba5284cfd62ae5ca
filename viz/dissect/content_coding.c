/* content_coding.c -- the second step of reading a body: transfer
 * decoding (chunks) -> content decoding (this file) -> content (JSON, an
 * event stream, multipart parts; content.c).
 *
 * RFC 9110 §8.4: Content-Encoding names codings applied to the
 * representation, so a reader undoes them before it looks at the
 * content.  Servers compress push traffic too: node's `compression`
 * middleware and nginx's gzip compress text/event-stream and flush
 * after each event, so an event stream arrives as one gzip stream whose
 * pieces each decode to whole events.  gzip and deflate are decoded with
 * the shared decoder (src/proto/http_coding.c); other codings ("br") have
 * no decoder in our libraries, and the body is shown as sent, which an
 * `error` item says once.
 *
 * Memory stays bounded however far a body decodes: decoded bytes go to
 * the content reader a buffer at a time, and past VIZ_DECODED_MAX (a
 * decompression bomb, or a very long stream) they are only counted.  A
 * corrupt stream, or a gap in it (the decoder's window is lost with the
 * bytes), gives one `error` item; the rest of the body is passed over,
 * and its transfer framing still finds the next message.
 *
 * Items of a coded body point at the coded bytes their first and last
 * decoded bytes came out of (struct offmap's `coded`).  The item of a
 * piece of it -- a chunk, an HTTP/2 DATA frame -- is made when its header
 * is read, before its data is decoded, so a copy of it waits (coding_hold)
 * and goes out with the text the data decodes to, ahead of the items that
 * text makes.  A chunk of a body shown as sent waits the same way when
 * its data did not come whole with its size line: on a real link an MSS
 * cuts a chunk anywhere, and its text is its first bytes, not the ones
 * that happened to share its segment.
 */
#include "dissect/content_coding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/content.h"

#define DECODE_PIECE 16384 /* decoded bytes handed on at a time */

bool coding_begin(const struct dissect_env *env, struct half *h, struct body_state *bs,
                  const struct slice *value)
{
    enum http_coding c = value ? http_coding_parse(*value) : HTTP_CODING_IDENTITY;
    if (c == HTTP_CODING_IDENTITY)
        return true;
    struct body_coding *bc = calloc(1, sizeof *bc);
    if (!bc)
        return false; /* no memory: read as sent */
    size_t n = value->len < sizeof bc->name - 1 ? value->len : sizeof bc->name - 1;
    memcpy(bc->name, value->ptr, n);
    bs->coding = bc;
    bc->decoder = http_decoder_new(c);
    if (bc->decoder) {
        if (bs->map)
            bs->map->coded = true;
        return true;
    }
    char what[96];
    snprintf(what, sizeof what, "%s: not decoded (no decoder for this content coding); shown as sent",
             bc->name);
    half_error(env, h, what, bs->start, 0);
    return false;
}

void coding_release(const struct dissect_env *env, struct body_state *bs)
{
    struct body_coding *bc = bs->coding;
    if (!bc || !bc->held)
        return;
    item_set_text(bc->held, "text", bc->held_text, bc->held_text_len);
    bc->held->ts_ns = env->now_ns;
    emit_item(env->emitter, bc->held);
    free(bc->held);
    bc->held = NULL;
}

/* Decoded bytes of the held piece's data: the first go to its text. */
static void keep_held_text(struct body_coding *bc, const uint8_t *p, size_t n)
{
    size_t room = sizeof bc->held_text - bc->held_text_len;
    if (!bc->held || room == 0)
        return;
    memcpy(bc->held_text + bc->held_text_len, p, n < room ? n : room);
    bc->held_text_len += n < room ? n : room;
}

bool coding_hold(const struct dissect_env *env, struct body_state *bs, const struct item *it,
                 uint64_t size, uint64_t in_hand)
{
    struct body_coding *bc = bs->coding;
    coding_release(env, bs); /* (one whose data decoded to nothing: a gzip header, say) */
    if (bc && bc->decoder && bc->failed)
        return false; /* data that will not be decoded: as sent, what came */
    bool decoding = bc && bc->decoder;
    if (size == 0 || (!decoding && in_hand >= (size < VIZ_PAYLOAD_SHOWN ? size : VIZ_PAYLOAD_SHOWN)))
        return false; /* the last chunk, or all the text it shows came with it */
    /* Shown as sent, but its data came in more segments than its header:
     * it waits for the rest of its text.  A body without a coding makes a
     * record to hold it in (its decoder NULL, no name). */
    if (!bc && !(bc = bs->coding = calloc(1, sizeof *bc)))
        return false; /* out of memory: what came */
    if (!(bc->held = item_dup(it, VIZ_PAYLOAD_SHOWN)))
        return false; /* out of memory: as sent */
    bc->held_size = size;
    bc->held_fed = 0;
    bc->held_text_len = 0;
    return true;
}

/* Hand decoded bytes on, up to VIZ_DECODED_MAX; count them all. */
static void deliver(const struct dissect_env *env, struct half *h, struct body_state *bs, const uint8_t *p,
                    size_t n, uint64_t stream_off)
{
    struct body_coding *bc = bs->coding;
    uint64_t before = bc->decoded;
    bc->decoded += n;
    if (before + n > VIZ_DECODED_MAX && !bc->capped) {
        char what[128];
        snprintf(what, sizeof what, "%s: the body decodes to more than %d bytes; the rest is counted, not read",
                 bc->name, VIZ_DECODED_MAX);
        half_error(env, h, what, stream_off, 0);
        bc->capped = true;
    }
    if (before < VIZ_DECODED_MAX)
        content_feed(env, h, bs, (const char *)p,
                     before + n > VIZ_DECODED_MAX ? (size_t)(VIZ_DECODED_MAX - before) : n, stream_off);
}

void coding_feed(const struct dissect_env *env, struct half *h, struct body_state *bs, const char *p,
                 size_t n, uint64_t stream_off)
{
    struct body_coding *bc = bs->coding;
    if (!bc || !bc->decoder) {
        if (bc && bc->held) { /* a piece shown as sent, waiting for the rest of its text */
            bc->held_fed += n;
            keep_held_text(bc, (const uint8_t *)p, n);
            if (bc->held_text_len == sizeof bc->held_text || bc->held_fed >= bc->held_size)
                coding_release(env, bs);
        }
        content_feed(env, h, bs, p, n, stream_off);
        return;
    }
    if (n == 0)
        return;
    if (bc->failed) {
        if (!bc->gap_told) {
            char what[128];
            snprintf(what, sizeof what, "%s: bytes were lost, so the rest of the body cannot be decoded",
                     bc->name);
            half_error(env, h, what, stream_off, 0);
            bc->gap_told = true;
        }
        return;
    }
    if (bc->held)
        bc->held_fed += n; /* (all the data fed before the next piece is the held one's) */
    uint8_t out[DECODE_PIECE];
    size_t pos = 0;
    for (;;) {
        size_t used;
        struct proto_err err = {0};
        long w = http_decode(bc->decoder, (const uint8_t *)p + pos, n - pos, &used, out, sizeof out, &err);
        if (w < 0) {
            coding_release(env, bs);
            char what[128];
            snprintf(what, sizeof what, "%s: %s; the rest of the body is passed over", bc->name, err.why);
            half_error(env, h, what, stream_off + pos + used, 0);
            bc->failed = bc->gap_told = true;
            return;
        }
        uint64_t at = stream_off + pos; /* the coded piece these bytes came out of */
        pos += used;
        bool finished = ((size_t)w < sizeof out && pos == n) || (w == 0 && used == 0);
        /* A piece's item goes out before the items its bytes make, once its
         * text is known: all its data decoded, or enough of it. */
        keep_held_text(bc, out, (size_t)w);
        if (bc->held_text_len == sizeof bc->held_text || (finished && bc->held_fed >= bc->held_size))
            coding_release(env, bs);
        if (w > 0)
            deliver(env, h, bs, out, (size_t)w, at);
        if (finished)
            return;
    }
}

bool coding_gap(const struct dissect_env *env, struct body_state *bs)
{
    struct body_coding *bc = bs->coding;
    if (!bc || !bc->decoder) {
        coding_release(env, bs); /* a piece shown as sent: its text stops at the gap */
        return true;
    }
    bc->failed = true;
    return false;
}

void coding_end(const struct dissect_env *env, struct half *h, struct body_state *bs, uint64_t off)
{
    struct body_coding *bc = bs->coding;
    coding_release(env, bs);
    if (!bc || !bc->decoder || bc->failed || bs->lost || http_decoder_done(bc->decoder))
        return;
    char what[96];
    snprintf(what, sizeof what, "%s: the body ends before its compressed data does", bc->name);
    half_error(env, h, what, off, 0);
}

void coding_free(struct body_state *bs)
{
    if (!bs->coding)
        return;
    http_decoder_free(bs->coding->decoder);
    free(bs->coding->held); /* (a body that stops sends its held item out first: coding_release) */
    free(bs->coding);
    bs->coding = NULL;
}

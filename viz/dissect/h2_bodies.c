/* h2_bodies.c -- what an HTTP/2 stream's body says: Server-Sent Events
 * (an EventSource over HTTP/2) and the parts of a multipart body, read by
 * the same content readers as an HTTP/1.1 body (content.c).
 *
 * In HTTP/1.1 a body is the bytes after its head, up to its length, its
 * last chunk or the close.  In HTTP/2 it is the data of its stream's DATA
 * frames, which come between the other streams' frames, until one ends
 * the stream (RFC 9113 §8.1).  So each stream being read keeps a reader
 * of its own, fed a frame's data at a time: an event split over two DATA
 * frames is one `sse_event`, and its offset is that of its first byte on
 * the wire (the reader's offset map remembers where each frame's data
 * sat, as it remembers chunks in HTTP/1.1).
 *
 * A content coding (gzip, deflate) is undone first, as in HTTP/1.1
 * (content_coding.c); a compressed answer of any other content gets a
 * reader too, so that each DATA frame shows the text its data decodes to
 * and the pushlab events in it are found.  At most VIZ_H2_BODIES streams
 * of a direction are read at once: past that an error item names the
 * stream that is not.
 */
#include "dissect/h2_bodies.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/content.h"
#include "dissect/content_coding.h"
#include "dissect/http.h"
#include "dissect/pairing.h"

struct stream_body {
    uint32_t stream;
    struct body_state body;
};

/* Made at a direction's first such body; a few streams at most. */
struct h2_bodies {
    unsigned count;
    struct stream_body open[VIZ_H2_BODIES];
};

static struct stream_body *find(struct h2_bodies *b, uint32_t stream)
{
    for (unsigned i = 0; b && i < b->count; i++)
        if (b->open[i].stream == stream)
            return &b->open[i];
    return NULL;
}

/* Free a reader; the last one takes its place. */
static void close_body(struct h2_bodies *b, struct stream_body *sb)
{
    body_free(&sb->body);
    *sb = b->open[--b->count];
}

void h2_bodies_answer(const struct dissect_env *env, struct half *h, const struct h2_frame_header *fh,
                      const struct h2_head *head)
{
    struct stream_body *old = find(h->h2_bodies, fh->stream);
    if (old) /* a second final answer on a stream breaks RFC 9113 §8.1; the first's body is over */
        close_body(h->h2_bodies, old);
    struct slice boundary = {NULL, 0};
    const struct slice *ct = head->content_type.ptr ? &head->content_type : NULL;
    enum content_kind kind = content_of(ct, &boundary);
    const struct slice *coding = head->content_coding.ptr ? &head->content_coding : NULL;
    if ((kind == CONTENT_PLAIN && !coding) || head->ends_stream)
        return;
    if (!h->h2_bodies && !(h->h2_bodies = calloc(1, sizeof *h->h2_bodies)))
        return; /* out of memory: its DATA frames are still shown */
    struct h2_bodies *b = h->h2_bodies;
    if (b->count == VIZ_H2_BODIES) {
        char what[160];
        snprintf(what, sizeof what,
                 "more than %d streams of this direction carry an event stream, a multipart body or a "
                 "compressed body at once: the body of stream %u is shown as DATA only",
                 VIZ_H2_BODIES, (unsigned)fh->stream);
        half_error(env, h, what, h->buf.offset, H2_FRAME_HEADER + (uint64_t)fh->length);
        return;
    }
    struct stream_body *sb = &b->open[b->count++];
    memset(sb, 0, sizeof *sb);
    sb->stream = fh->stream;
    sb->body.start = h->buf.offset;
    /* Without its map, offsets would count from the body's start. */
    if ((sb->body.map = malloc(sizeof *sb->body.map)))
        memset(sb->body.map, 0, sizeof *sb->body.map);
    bool decodable = coding_begin(env, h, &sb->body, coding);
    if (decodable)
        content_begin(&sb->body, kind, boundary);
    /* Nothing to read: a coding with no decoder (said), "identity" on plain
     * content, or out of memory. */
    if (!decodable || (sb->body.content == CONTENT_PLAIN && !sb->body.coding))
        close_body(b, sb);
}

bool h2_bodies_hold(const struct dissect_env *env, struct half *h, uint32_t stream, const struct item *it,
                    uint64_t size)
{
    struct stream_body *sb = find(h->h2_bodies, stream);
    /* (a DATA frame is shown as far as h2_step waited for it: in hand) */
    return sb && coding_hold(env, &sb->body, it, size, size);
}

enum content_kind h2_bodies_content(struct half *h, uint32_t stream)
{
    struct stream_body *sb = find(h->h2_bodies, stream);
    return sb ? sb->body.content : CONTENT_PLAIN;
}

bool h2_bodies_data(const struct dissect_env *env, struct half *h, const struct h2_frame_header *fh,
                    const char *p, size_t n, uint64_t offset, uint64_t unread)
{
    struct stream_body *sb = find(h->h2_bodies, fh->stream);
    if (!sb)
        return false;
    struct body_state *bs = &sb->body;
    coding_feed(env, h, bs, p, n, offset);
    if (unread && coding_gap(env, bs)) /* a coded body cannot be decoded past a gap */
        content_gap(env, h, bs, unread);
    /* The frame's data came in one piece: its item (held, when the body is
     * compressed) has all the text it will get, also when some was lost. */
    coding_release(env, bs);
    if (fh->flags & H2_FLAG_END_STREAM) {
        coding_end(env, h, bs, offset + n);
        content_closed(env, h, bs); /* an event the stream's end cut */
        close_body(h->h2_bodies, sb);
    }
    return true;
}

void h2_bodies_end(const struct dissect_env *env, struct half *h, uint32_t stream, bool complete,
                   uint64_t offset)
{
    struct stream_body *sb = find(h->h2_bodies, stream);
    if (!sb)
        return;
    if (complete)
        coding_end(env, h, &sb->body, offset);
    else
        coding_release(env, &sb->body);
    content_closed(env, h, &sb->body);
    close_body(h->h2_bodies, sb);
}

void h2_bodies_lost(const struct dissect_env *env, struct half *h)
{
    struct h2_bodies *b = h->h2_bodies;
    for (unsigned i = 0; b && i < b->count; i++) {
        struct body_state *bs = &b->open[i].body;
        if (coding_gap(env, bs))
            content_gap(env, h, bs, 0); /* it goes on at the next place it can trust */
    }
}

void h2_bodies_stop(const struct dissect_env *env, struct half *h, bool closed)
{
    struct h2_bodies *b = h->h2_bodies;
    for (unsigned i = 0; b && i < b->count; i++) {
        coding_release(env, &b->open[i].body);
        if (closed) /* the close cuts every stream still open, as RST_STREAM cuts one */
            content_closed(env, h, &b->open[i].body);
    }
}

void h2_bodies_free(struct half *h)
{
    struct h2_bodies *b = h->h2_bodies;
    while (b && b->count)
        close_body(b, &b->open[b->count - 1]);
    free(b);
    h->h2_bodies = NULL;
}

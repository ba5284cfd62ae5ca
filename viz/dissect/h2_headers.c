/* h2_headers.c -- HTTP/2 header blocks, decoded: each direction's HEADERS
 * (and PUSH_PROMISE) frame with the CONTINUATION frames that follow it up
 * to END_HEADERS is one block, which HPACK (src/proto/hpack.c) turns into
 * the request's or response's header fields, pseudo-headers first
 * (:method, :path, :status...).
 *
 * What it teaches: a header block can only be read by someone who read
 * every block before it in that direction, since HPACK refers to fields
 * sent earlier.  A capture that began after the connection did, or lost
 * bytes where a block may have been, leaves the table unknown; from there
 * on this direction's headers are not shown (one error item says why)
 * rather than shown wrong.
 *
 * The decoder's state (its table, 4 KiB unless the encoder asks for more,
 * and the block's pieces) is made at the direction's first header block,
 * so a connection that is not HTTP/2 pays nothing for it.
 */
#include "dissect/h2_headers.h"

#include <stdio.h>
#include <stdlib.h>

#include "proto/hpack.h"

/* The most bytes of one header block kept while its CONTINUATIONs come. */
#define BLOCK_MAX HPACK_LIST_MAX

struct h2_headers {
    struct hpack_decoder hpack; /* this direction's table */
    struct bytebuf block;       /* the block's pieces so far, while CONTINUATIONs are due */
    bool continuing;            /* a block without END_HEADERS yet: CONTINUATIONs are due */
    bool ends_stream;           /* the block's HEADERS frame had END_STREAM (CONTINUATIONs have none) */
    uint32_t promised;          /* the block's PUSH_PROMISE frame promised this stream (else 0) */
};

bool h2_carries_block(uint8_t type)
{
    return type == H2_HEADERS || type == H2_PUSH_PROMISE || type == H2_CONTINUATION;
}

void h2_headers_lost(struct half *h)
{
    if (h->h2_hpack == H2_HPACK_IN_STEP)
        h->h2_hpack = H2_HPACK_GAP;
}

void h2_headers_free(struct half *h)
{
    if (!h->h2)
        return;
    hpack_decoder_free(&h->h2->hpack);
    bytebuf_free(&h->h2->block);
    free(h->h2);
    h->h2 = NULL;
}

/* The block piece of a whole frame's payload: [*start, *end), without
 * padding, priority and promised stream (RFC 9113 §6.2, §6.6, §6.10).
 * False when those are longer than the frame. */
static bool block_piece(const struct h2_frame_header *fh, const uint8_t *pl, size_t *start, size_t *end)
{
    size_t pad = 0;
    *start = 0;
    if (fh->type != H2_CONTINUATION && (fh->flags & H2_FLAG_PADDED)) {
        if (fh->length < 1)
            return false;
        pad = pl[0];
        *start = 1;
    }
    if (fh->type == H2_HEADERS && (fh->flags & H2_FLAG_PRIORITY))
        *start += 5; /* stream dependency and weight */
    if (fh->type == H2_PUSH_PROMISE)
        *start += 4; /* the promised stream */
    if (*start + pad > fh->length)
        return false;
    *end = fh->length - pad;
    return true;
}

/* A :status value as a number, or -1: three digits, 100 to 999, as an
 * HTTP/1.1 status line's (RFC 9113 §8.3.2).  Anything else is still
 * shown, among the pairs, as it came. */
static int status_code(struct slice v)
{
    if (v.len != 3 || v.ptr[0] < '1' || v.ptr[0] > '9')
        return -1;
    int code = v.ptr[0] - '0';
    for (size_t i = 1; i < 3; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return -1;
        code = code * 10 + (v.ptr[i] - '0');
    }
    return code;
}

/* The decoded list on the item: the pseudo-headers a reader looks for
 * first as fields of their own, then every field, in order, as pairs;
 * and what pairing needs, in *head.  HTTP/2 field names are lower case
 * (RFC 9113 §8.2.1), so they are compared as they are. */
static void add_fields(struct item *it, const struct hpack_decoder *d, struct h2_head *head)
{
    *head = (struct h2_head){.decoded = true, .status = -1};
    struct hpack_field f;
    size_t pos = 0;
    while (hpack_list_next(d, &pos, &f)) {
        int status = slice_eq(f.name, ":status") ? status_code(f.value) : -1;
        if (slice_eq(f.name, ":method")) {
            head->method = f.value;
            item_add_text(it, "method", f.value.ptr, f.value.len);
        } else if (slice_eq(f.name, ":path")) {
            head->path = f.value;
            item_add_text(it, "path", f.value.ptr, f.value.len);
        } else if (status >= 0) {
            head->status = status;
            item_add_int(it, "status", status);
        } else if (slice_eq(f.name, "content-type")) {
            head->content_type = f.value;
        } else if (slice_eq(f.name, "content-length")) {
            head->content_length = true;
        } else if (slice_eq(f.name, "etag") || slice_eq(f.name, "last-modified")) {
            head->validators = true;
        } else if (slice_eq(f.name, "content-encoding")) {
            head->content_coding = f.value;
        }
    }
    item_add_pairs(it, "headers");
    for (pos = 0; hpack_list_next(d, &pos, &f);)
        item_pairs_append(it, f.name.ptr, f.name.len, f.value.ptr, f.value.len);
}

/* Stop reading this direction's blocks: what the error item says. */
static const char *stop(struct half *h, char *why, size_t cap, const char *reason)
{
    h->h2_hpack = H2_HPACK_STOPPED;
    h2_headers_free(h); /* never needed again */
    snprintf(why, cap, "HTTP/2 headers not decoded from here on: %s", reason);
    return why;
}

const char *h2_headers_frame(struct half *h, const struct h2_frame_header *fh, const uint8_t *pl,
                             size_t have, struct item *it, struct h2_head *head, char *why, size_t cap)
{
    head->decoded = false;
    switch (h->h2_hpack) {
    case H2_HPACK_STOPPED:
        return NULL;
    case H2_HPACK_JOINED_LATE:
        return stop(h, why, cap, "the capture began after the connection, so HPACK's table is unknown");
    case H2_HPACK_GAP:
        return stop(h, why, cap, "bytes lost in a gap may have changed HPACK's table");
    default:
        break;
    }
    if (have < fh->length)
        return stop(h, why, cap, "a header block frame longer than pushviz waits for");
    size_t start, end;
    if (!block_piece(fh, pl, &start, &end))
        return stop(h, why, cap, "padding and fields longer than the frame");
    if (!h->h2) { /* the direction's first header block: its decoder is made now */
        if (!(h->h2 = malloc(sizeof *h->h2)))
            return stop(h, why, cap, "out of memory");
        /* The peer's SETTINGS_HEADER_TABLE_SIZE is not followed: an
         * onlooker accepts any size update up to HPACK_TABLE_MAX (the
         * peer itself holds the encoder to its setting). */
        hpack_decoder_init(&h->h2->hpack, HPACK_TABLE_MAX);
        bytebuf_init(&h->h2->block, BLOCK_MAX);
        h->h2->continuing = h->h2->ends_stream = false;
        h->h2->promised = 0;
    }
    struct h2_headers *s = h->h2;
    if (fh->type == H2_CONTINUATION && !s->continuing)
        return stop(h, why, cap, "a CONTINUATION frame that continues no header block");
    if (fh->type != H2_CONTINUATION && s->continuing)
        return stop(h, why, cap, "a header block left unfinished (no END_HEADERS)");
    if (fh->type != H2_CONTINUATION) {
        s->ends_stream = fh->type == H2_HEADERS && (fh->flags & H2_FLAG_END_STREAM);
        s->promised = fh->type == H2_PUSH_PROMISE ? h2_promised_stream(fh, pl) : 0;
    }
    const uint8_t *block = pl + start;
    size_t len = end - start;
    bool ends = fh->flags & H2_FLAG_END_HEADERS;
    if (s->continuing || !ends) { /* a block in pieces: put together */
        if (!s->continuing)
            bytebuf_reset(&s->block, 0);
        if (!bytebuf_append(&s->block, block, len))
            return stop(h, why, cap, "a header block longer than 64 KiB");
        s->continuing = !ends;
        if (!ends)
            return NULL;
        block = (const uint8_t *)s->block.data;
        len = s->block.len;
    }
    const char *refused = hpack_decode(&s->hpack, block, len);
    bytebuf_reset(&s->block, 0);
    if (refused)
        return stop(h, why, cap, refused);
    add_fields(it, &s->hpack, head);
    head->ends_stream = s->ends_stream;
    head->promised_stream = s->promised;
    return NULL;
}

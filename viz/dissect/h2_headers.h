/* h2_headers.h -- a direction's HTTP/2 header blocks (h2_headers.c), for
 * the frame dissector h2.c. */
#ifndef VIZ_DISSECT_H2_HEADERS_H
#define VIZ_DISSECT_H2_HEADERS_H

#include "dissect/core.h"
#include "proto/h2_frame.h"

/* Does a frame of this type carry a piece of a header block? */
bool h2_carries_block(uint8_t type);

/* What a decoded header block says that pairing its stream needs
 * (h2_streams.c).  The slices view the decoder's list: valid until this
 * direction's next block. */
struct h2_head {
    bool decoded;                    /* the frame ended a block, and HPACK read it */
    struct slice method, path;       /* a request's :method and :path (len 0: none) */
    int status;                      /* a response's :status, or -1 */
    struct slice content_type;       /* (ptr NULL: none) */
    bool content_length;             /* a Content-Length field: a body of known length */
    bool validators;                 /* an ETag or Last-Modified field */
    struct slice content_coding;     /* its Content-Encoding (ptr NULL: none) */
    bool ends_stream;                /* the HEADERS frame that began the block ended the stream */
    uint32_t promised_stream;        /* a PUSH_PROMISE's block: the stream it promises; else 0 */
};

/* The header block piece in frame fh, whose payload pl came whole or
 * `have` bytes of it: when the frame ends a block, the decoded fields go
 * on its item `it` (`method`, `path`, `status` and the `headers` pairs,
 * last) and into *head.  Returns what an error item after the frame's
 * item must say, written into why (cap bytes), or NULL: said once, when
 * the blocks stop being read (a gap, a capture joined late, a block HPACK
 * refuses). */
const char *h2_headers_frame(struct half *h, const struct h2_frame_header *fh, const uint8_t *pl,
                             size_t have, struct item *it, struct h2_head *head, char *why, size_t cap);
/* Bytes of the direction were lost where a header block may have been. */
void h2_headers_lost(struct half *h);

/* Free what h2_headers_frame made. */
void h2_headers_free(struct half *h);

#endif

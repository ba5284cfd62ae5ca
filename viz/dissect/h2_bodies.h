/* h2_bodies.h -- what an HTTP/2 stream's body says (h2_bodies.c), for the
 * frame dissector h2.c. */
#ifndef VIZ_DISSECT_H2_BODIES_H
#define VIZ_DISSECT_H2_BODIES_H

#include "dissect/core.h"
#include "dissect/h2_headers.h"
#include "proto/h2_frame.h"

/* The final answer's header block *head, on the frame fh that ended it:
 * an event stream, a multipart body or a compressed body that stays open
 * gets a reader (a content coding with no decoder, such as br: none, and
 * an error item). */
void h2_bodies_answer(const struct dissect_env *env, struct half *h, const struct h2_frame_header *fh,
                      const struct h2_head *head);
/* What the reader of this stream reads (CONTENT_PLAIN: it has none). */
enum content_kind h2_bodies_content(struct half *h, uint32_t stream);
/* The item of a DATA frame of this stream (size: its data bytes): true
 * when the stream's body is compressed, and the item then waits for the
 * text its data decodes to (content_coding.c), else false: the caller
 * sends it out. */
bool h2_bodies_hold(const struct dissect_env *env, struct half *h, uint32_t stream, const struct item *it,
                    uint64_t size);
/* DATA frame fh of direction h: n bytes of its data at p, which sat at
 * stream offset `offset`, and `unread` more it carried that were not
 * captured or are passed over.  False when its stream has no reader: the
 * caller looks for pushlab events in the bytes itself. */
bool h2_bodies_data(const struct dissect_env *env, struct half *h, const struct h2_frame_header *fh,
                    const char *p, size_t n, uint64_t offset, uint64_t unread);
/* The stream ended without DATA: complete (trailers, at stream offset
 * `offset`: coded data cut short is reported) or cancelled (RST_STREAM).
 * Its reader goes. */
void h2_bodies_end(const struct dissect_env *env, struct half *h, uint32_t stream, bool complete,
                   uint64_t offset);
/* The framing was lost: any stream may have lost bytes (what a reader
 * held of a message is said, content_gap). */
void h2_bodies_lost(const struct dissect_env *env, struct half *h);
/* The connection stops (closed: a FIN or RST; else the capture ends): a
 * DATA item still waiting for its text goes out with what came, and at a
 * close an event or part it cuts is said (content_closed). */
void h2_bodies_stop(const struct dissect_env *env, struct half *h, bool closed);
void h2_bodies_free(struct half *h);

#endif

/* content_coding.h -- a body's content coding removed between its
 * transfer framing and its content reader (content_coding.c).
 */
#ifndef VIZ_DISSECT_CONTENT_CODING_H
#define VIZ_DISSECT_CONTENT_CODING_H

#include "dissect/core.h"

/* Each works on the body it is handed (bs): a direction's HTTP/1.1 body
 * (h->body) or an HTTP/2 stream's (h2_bodies.c); h is the direction whose
 * items it makes. */

/* The body just begun says Content-Encoding: value (NULL: no such
 * header).  Makes bs->coding for a coding other than identity; for one
 * with no decoder, an `error` item says the body is shown as sent.
 * Returns false when the content must be read as sent, as plain bytes
 * (an event stream or multipart body that cannot be decoded). */
bool coding_begin(const struct dissect_env *env, struct half *h, struct body_state *bs,
                  const struct slice *value);
/* Body bytes p[0..n) at stream_off, transfer framing removed: decoded
 * (when coded) and handed to the content reader. */
void coding_feed(const struct dissect_env *env, struct half *h, struct body_state *bs, const char *p,
                 size_t n, uint64_t stream_off);
/* The item of a piece of body bs -- a chunk, an HTTP/2 DATA frame --
 * whose `text` shows the piece's first bytes as sent, of which in_hand
 * came with it; size: its data bytes, which come next.  True when a copy
 * of the item waits: for the text its data decodes to (a body being
 * decoded), or for the rest of the text it shows (in_hand less than that:
 * a body shown as sent).  It goes out with those bytes (before the items
 * they make), or before the next piece's; false: the caller sends the
 * item out as it is (any earlier piece's went first). */
bool coding_hold(const struct dissect_env *env, struct body_state *bs, const struct item *it,
                 uint64_t size, uint64_t in_hand);
/* A held item goes out now with what its data decoded to so far: the body
 * stops here (cancelled, or the capture ended in it). */
void coding_release(const struct dissect_env *env, struct body_state *bs);
/* Body bytes were lost.  True when the content reader can go on (no
 * coding: a piece waiting for the rest of its text goes out with what
 * came); a coded body cannot be decoded past a gap. */
bool coding_gap(const struct dissect_env *env, struct body_state *bs);
/* The body is complete (its length, last chunk or the close): coded data
 * that did not end with it is reported, at stream offset off. */
void coding_end(const struct dissect_env *env, struct half *h, struct body_state *bs, uint64_t off);
/* Free the coding state (at the body's end). */
void coding_free(struct body_state *bs);

#endif

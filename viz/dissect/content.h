/* content.h -- body content once transfer framing is off (content.c),
 * fed by the HTTP/1.1 dissector and by HTTP/2 streams.
 */
#ifndef VIZ_DISSECT_CONTENT_H
#define VIZ_DISSECT_CONTENT_H

#include "dissect/core.h"

/* A body's content readers work on the body_state they are handed: a
 * direction's one HTTP/1.1 body (h->body), or one HTTP/2 stream's
 * (h2_bodies.c); h is the direction whose items they make. */
void content_begin(struct body_state *bs, enum content_kind kind, struct slice boundary);
void content_feed(const struct dissect_env *env, struct half *h, struct body_state *bs, const char *p,
                  size_t n, uint64_t stream_off);
/* len body bytes were lost: the content reader goes on at the next place
 * it can trust (an SSE blank line, a multipart delimiter).  What it held
 * of a message the gap broke (an event, a part) is said, as an `error`
 * item, and so is what its search after an earlier gap had passed over. */
void content_gap(const struct dissect_env *env, const struct half *h, struct body_state *bs,
                 uint64_t len);
/* The connection (or its HTTP/2 stream) closed inside the body: a last
 * multipart part it ended is shown; an event it cut (a browser drops it),
 * a part it cut or a search it ended is said. */
void content_closed(const struct dissect_env *env, struct half *h, struct body_state *bs);

#endif

/* headless.h -- an answer's body whose head the capture missed, told
 * from its own bytes (headless.c), for the dispatcher's detection step.
 */
#ifndef VIZ_DISSECT_HEADLESS_H
#define VIZ_DISSECT_HEADLESS_H

#include "dissect/core.h"

/* What bytes from inside a body show of a streamed answer: nothing, not
 * yet (chunks may show once more bytes come), or one of its shapes. */
enum body_shape {
    SHAPE_NONE,
    SHAPE_PARTIAL,
    SHAPE_EVENT_STREAM,  /* blocks of event-stream fields or comments, each ended by a blank line */
    SHAPE_MULTIPART,     /* a delimiter line before a part's Content-Type (*boundary: its boundary) */
    SHAPE_CHUNKS,        /* chunks */
    SHAPE_HTML_CHUNKS    /* chunks of HTML: a streamed page (its <script> elements) */
};
enum body_shape body_shape(const char *p, size_t n, struct slice *boundary);

/* h, a server's side whose first bytes matched no protocol's start: do
 * they show the inside of a streamed answer -- an event stream, multipart
 * parts, or chunks?  1: they do, h now reads them as that body
 * (MODE_HTTP_BODY) and the flow counts an exchange of its technique;
 * 0: they do not; PROTO_PARTIAL: chunks may be shown once more bytes come. */
int headless_body_start(struct dissect *d, const struct dissect_env *env, struct half *h);

/* After h's parser ran on bytes of env's segment: a headless answer of
 * chunks is a stream once its body goes on past the write its first chunks
 * came in, and counted as a resource instead when it ends in that write. */
void headless_body_read(struct dissect *d, const struct dissect_env *env, const struct half *h);

#endif

/* h2_streams.h -- HTTP/2's streams paired into exchanges (h2_streams.c),
 * for the frame dissector h2.c. */
#ifndef VIZ_DISSECT_H2_STREAMS_H
#define VIZ_DISSECT_H2_STREAMS_H

#include "dissect/core.h"
#include "dissect/h2_headers.h"
#include "proto/h2_frame.h"

/* Frame fh of direction h, at the start of h's buffer, before its item
 * `it` goes out; *head is what its header block said (head->decoded
 * false: it ended none, or none could be read), data_len its data bytes
 * (DATA).  A request's HEADERS is remembered by its stream and its item
 * gets `exchange`; the final answer's HEADERS on that stream is paired
 * with it and classified (`exchange`, `response_ms`, `technique`, `why`,
 * as on http_response); a client's DATA counts as what its request
 * sends; a PUSH_PROMISE's block is remembered on the promised stream and
 * its item gets `exchange`, as a request's; RST_STREAM, either way,
 * forgets the stream's request. */
void h2_streams_frame(struct dissect *d, const struct dissect_env *env, const struct half *h,
                       const struct h2_frame_header *fh, const struct h2_head *head, uint64_t data_len,
                       struct item *it);

#endif

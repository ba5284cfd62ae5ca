/* pairing.h -- a request remembered until its answer comes, and what the
 * two tell the classifier (pairing.c).  One pairing for both versions of
 * HTTP: HTTP/1.x answers in order (http.c takes the oldest request),
 * HTTP/2 on the request's own stream (h2_streams.c finds it by stream).
 */
#ifndef VIZ_DISSECT_PAIRING_H
#define VIZ_DISSECT_PAIRING_H

#include "dissect/core.h"

/* A slot for one more pending request at the ring's end.  The ring grows
 * (doubling) to VIZ_PENDING_REQUESTS; when it is that full, or no memory
 * is left for a larger one, the oldest request is dropped.  Never NULL:
 * the ring starts in the record itself (PENDING_INLINE slots). */
struct pending_request *pending_push(struct dissect *d);
/* The oldest pending request, or NULL when none waits. */
struct pending_request *pending_oldest(struct dissect *d);
/* Take the oldest pending request off the ring (there is one). */
void pending_pop(struct dissect *d);
/* A gap came in the answers of an HTTP/1 connection: it may have taken
 * the answers of the requests pending now. */
void pending_answers_maybe_lost(struct dissect *d);
/* The pending HTTP/1 request the answer whose head is being read answers:
 * the oldest, or NULL.  A request whose answer a gap may have taken is
 * dropped (and the next one tried) when the answer's ACK number shows the
 * server had received bytes the client sent after that request: a client
 * sends its next request once it has the answer, unless it pipelines, so
 * that answer was sent, and lost from the capture. */
struct pending_request *pending_answered_by(struct dissect *d, const struct dissect_env *env);
/* The pending request that went on HTTP/2 stream `stream`, or NULL. */
struct pending_request *pending_on_stream(struct dissect *d, uint32_t stream);
/* Take p, a request in d's ring, off it; the others keep their order. */
void pending_remove(struct dissect *d, struct pending_request *p);

/* A request's head was read: it is remembered for its answer (a slot from
 * pending_push, filled with the next exchange number, the time, the path's
 * key and whether the query names a callback, all else zero) and counted
 * for the flow and, unless it is a HEAD, for repetition across flows.
 * path is the target up to '?', query what follows it, sent_bytes the body
 * bytes the request sends (so far: HTTP/2 adds its DATA later).  Returns
 * the slot, for the caller's own fields. */
struct pending_request *exchange_request(struct dissect *d, const struct dissect_env *env,
                                         struct slice method, struct slice path, struct slice query,
                                         uint64_t sent_bytes);

/* HTTP/2 server push (RFC 9113 §8.4): a PUSH_PROMISE says which request
 * the server answers unasked, on the promised stream.  It is remembered
 * as an exchange of that stream, timed from the promise, but it is no
 * request of the client's: not counted for the flow nor for repetition. */
struct pending_request *exchange_promised(struct dissect *d, const struct dissect_env *env,
                                          struct slice path, uint32_t stream);

/* The content kind a Content-Type value (ct, or NULL) asks for; a
 * multipart one's boundary goes to *boundary. */
enum content_kind content_of(const struct slice *ct, struct slice *boundary);

/* What an answer's head says of its body, into f: its Content-Type (ct,
 * or NULL), and `streamed` from body_open (a body that did not end with
 * the head, and whose first piece is no bulk one) unless the answer has
 * validators (ETag, Last-Modified). */
void exchange_content(const struct slice *ct, bool validators, bool body_open, struct exchange_facts *f);

/* The final answer to req (NULL: no request was waiting) has come with
 * `status`, response_ms after it (< 0: not known).  f holds what the
 * answer's head said (exchange_content, and `upgrade`); the rest comes
 * from req, the connection and the classifier.  Returns the exchange's
 * technique, with the reason in why (cut to why_len); the flow's traits
 * and the repetition counts learn from it. */
enum technique exchange_answered(struct dissect *d, const struct dissect_env *env,
                                 const struct pending_request *req, int status, double response_ms,
                                 struct exchange_facts *f, char *why, size_t why_len);

#endif

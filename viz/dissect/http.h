/* http.h -- the HTTP/1.x dissector's steps (http.c), called by the
 * dispatcher in dissect.c.
 */
#ifndef VIZ_DISSECT_HTTP_H
#define VIZ_DISSECT_HTTP_H

#include "dissect/core.h"

/* One step of MODE_HTTP_HEAD / MODE_HTTP_BODY.  Each returns true when it
 * made progress (consumed bytes or changed mode). */
bool http_head_step(struct dissect *d, const struct dissect_env *env, struct half *h);
bool http_body_step(const struct dissect_env *env, struct half *h);
/* What http_head_cut made of a head a gap cut. */
enum head_cut {
    HEAD_CUT_UNREAD,  /* not even its start line came whole, or it is not a head */
    HEAD_CUT_READ,    /* shown, and what follows it is read as its lines say */
    HEAD_CUT_SWITCHED, /* a 101 to WebSocket: dissect_gap reads both sides as frames */
    HEAD_CUT_GUESSED   /* the same, but to WebSocket by a guess: neither the 101 nor its request
                        * showed an Upgrade field (the client's next bytes may still show h2c) */
};
/* A gap comes after the start of a head (in h's buffer): show the head
 * as far as its lines came whole -- the start line and the header lines
 * -- marked "cut", and go on as far as they tell (the item's pairing and
 * technique; a chunked body or an event stream read again after the gap;
 * a 101 left for dissect_gap to join as a WebSocket). */
enum head_cut http_head_cut(struct dissect *d, const struct dissect_env *env, struct half *h);
/* After a 101 to h2c (RFC 7540 §3.2) both sides speak HTTP/2: the
 * server (h) from its first frame, its SETTINGS, and the client from the
 * connection preface -- when it waits for this answer, or has sent
 * nothing since the capture began.  req: the request that asked, if seen. */
void http_switch_to_h2c(struct dissect *d, struct half *h, struct half *client, struct pending_request *req);
/* A gap of len bytes inside a body (after the buffer's bytes: only a
 * chunk search holds any then): true when the body framing survives it.
 * A Content-Length body that ends inside it gets its `body` item. */
bool http_body_skip(const struct dissect_env *env, struct half *h, uint64_t len);
/* The stream stops where its bytes so far end (closed, or the capture
 * ended): a last chunk still waiting for the end of its trailer section
 * gets its item, with the lines that came. */
void http_body_cut(const struct dissect_env *env, struct half *h);
/* The connection closed (how: END_FIN, END_RST), or the capture ended
 * (END_CAPTURE), inside a body: a close-delimited one ends here and gets
 * its `body` item; one of known length gets one of what came, and at a
 * close an error item says the rest never came.  A chunked one the close
 * cuts says what of a chunk it cut, or, between chunks, that the body is
 * incomplete, unless reader_left: the other side had closed first. */
void http_body_close(const struct dissect_env *env, struct half *h, enum dissect_end_how how,
                     bool reader_left);
/* 1 when a chunk starts at p[0..n): a size line, that many bytes, CRLF,
 * then more bytes or the end of what came; 0 when not; PROTO_PARTIAL when
 * more bytes are needed.  `proof`: only framing beyond doubt counts (a
 * whole chunk and the next one, or one ending where the bytes end). */
int http_chunk_at(const char *p, size_t n, bool proof);
/* h's bytes are the inside of an answer's body whose head the capture
 * missed (headless.c): read them as a body of that content -- chunks if
 * they show chunks, else to the close -- from the first place its
 * framing and its content reader can trust, what comes before it passed
 * over and said. */
void http_body_joined(const struct dissect_env *env, struct half *h, enum content_kind content,
                      struct slice boundary);
/* End what a body's reading made for this body (its SSE parser, its
 * decoder); body_free also frees what is kept for the next body. */
void body_clear(struct body_state *b);
void body_free(struct body_state *b);

#endif

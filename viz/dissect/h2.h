/* h2.h -- the HTTP/2 frame dissector (h2.c), stepped by the dispatcher. */
#ifndef VIZ_DISSECT_H2_H
#define VIZ_DISSECT_H2_H

#include "dissect/core.h"

/* Does this direction's buffer start HTTP/2?  1: yes (the client's
 * connection preface, or the server's first SETTINGS; or frames, when the
 * other direction speaks it); 0: no; PROTO_PARTIAL: more bytes are needed.
 * On yes the half is ready for h2_step in MODE_H2 (a client's preface is
 * read first). */
int h2_starts(struct half *h, bool other_h2);

/* A server's first frame is its SETTINGS (RFC 9113 §3.4): type 4 on
 * stream 0, not an ACK, six bytes a setting, followed by nothing or by
 * another frame header.  1, 0 or PROTO_PARTIAL, for the n bytes at p. */
int h2_server_preface(const uint8_t *p, size_t n);

/* One step of MODE_H2: true when it made progress. */
bool h2_step(struct dissect *d, const struct dissect_env *env, struct half *h);

/* len bytes were lost: true when they fall inside the current frame (its
 * item goes out with what came, the framing survives), else false. */
bool h2_gap(struct dissect *d, const struct dissect_env *env, struct half *h, uint64_t len);

/* The connection closed: a frame waiting whole in the buffer goes out
 * with what came of it (the rest is counted in rec_skip), before the
 * streams' readers close. */
void h2_closed(struct dissect *d, const struct dissect_env *env, struct half *h);

#endif

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
/* A gap inside a body: true when the body framing survives it. */
bool http_body_skip(struct half *h, uint64_t len);
void body_clear(struct body_state *b);

#endif

/* content.h -- body content once transfer framing is off (content.c),
 * fed by the HTTP dissector.
 */
#ifndef VIZ_DISSECT_CONTENT_H
#define VIZ_DISSECT_CONTENT_H

#include "dissect/core.h"

void content_begin(struct half *h, enum content_kind kind, struct slice boundary);
void content_feed(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                  uint64_t stream_off);
/* len body bytes were lost: the content reader goes on at the next place
 * it can trust (an SSE blank line, a multipart delimiter). */
void content_gap(struct half *h, uint64_t len);

#endif

/* content.h -- body content once transfer framing is off (content.c),
 * fed by the HTTP dissector.
 */
#ifndef VIZ_DISSECT_CONTENT_H
#define VIZ_DISSECT_CONTENT_H

#include "dissect/core.h"

void content_begin(struct half *h, enum content_kind kind, struct slice boundary);
void content_feed(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                  uint64_t stream_off);

#endif

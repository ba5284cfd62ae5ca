/* h2c_settings.h -- the HTTP2-Settings field of a request that asks to
 * switch to HTTP/2 in the clear (h2c_settings.c), for http.c. */
#ifndef VIZ_DISSECT_H2C_SETTINGS_H
#define VIZ_DISSECT_H2C_SETTINGS_H

#include "dissect/core.h"

/* The settings in the HTTP2-Settings field among a request's header
 * lines (hs, n of them), put on the request's item `it` as `settings`,
 * in the form a SETTINGS frame's item shows them.  Returns what an error
 * item after the request's must say, written into why (cap bytes), or
 * NULL: a value that is no base64url, that is not whole settings, or
 * that holds more than VIZ_H2C_SETTINGS of them; or, when all the head's
 * lines came (cut false), no such field or more than one, either of
 * which forbids the switch (RFC 7540 §3.2.1). */
const char *h2c_settings_field(const struct http_header *hs, size_t n, bool cut, struct item *it,
                               char *why, size_t cap);

#endif

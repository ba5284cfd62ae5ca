/* events.h -- writing a run of hub events as one JSON array, the body of
 * a short or long poll: "[{...},{...}]".  Shared by every technique that
 * answers "what came after seq N?" in one response. */
#ifndef LAB_EVENTS_H
#define LAB_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "lab/hub.h"
#include "lab/peer.h"

/* The events after `since` that the backlog still holds, as a JSON array
 * in a malloc'd buffer (the caller frees it), wrapped as "prefix[...]suffix"
 * (JSONP uses prefix "NAME(" and suffix ");").  *len gets its length.
 * NULL when out of memory. */
char *events_json_array(const struct hub *hub, uint64_t since, const char *prefix,
                        const char *suffix, size_t *len);

/* Answer 200 with that array (as above) in content_type, with
 * Cache-Control: no-store, since every poll must reach the server and
 * never a cache; 503 when out of memory. */
void events_respond(struct peer *p, uint64_t since, const char *content_type,
                    const char *prefix, const char *suffix);

/* Parse a seq written as a whole number (digits only, no sign or space,
 * at most 2^64 - 1) from text[0..len), which must also be NUL-terminated
 * at text[len]: a decoded "5%00x" has a NUL inside and is refused.  False
 * otherwise. */
bool events_parse_seq(const char *text, size_t len, uint64_t *seq);

/* Read the request's ?since=N (absent: 0, everything the backlog holds).
 * False after answering 400 for a value that is not a whole number. */
bool events_since_param(struct peer *p, const struct http_request *req, uint64_t *since);

#endif

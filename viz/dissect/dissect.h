/* dissect.h -- the application layer of one TCP connection: the
 * reassembled bytes of both directions in, annotated items out.
 *
 * The dissect/ folder owns the application layer: this dispatcher
 * (dissect.c), one file per protocol or layer (http.c, content_coding.c,
 * content.c, ws.c, flash.c), the pushlab event scanner (eventscan.c), and
 * core.{c,h}, the state and item helpers every one of them uses.  Calls run one way: dissect.c ->
 * protocol files -> core.c, never back up.  It may call classify/ and
 * items/ (and src/proto's codecs and byte buffer); only flows/ calls it
 * (docs/design.md, "Which folder may include which").
 */
#ifndef VIZ_DISSECT_H
#define VIZ_DISSECT_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/core.h"

/* Set up d, memory the caller owns (flows.c keeps spare ones), for a new
 * connection.  Its directions' records will come from store (borrowed
 * for d's life), or from malloc when store is NULL. */
void dissect_init(struct dissect *d, const struct half_store *store);
/* Free what d holds, not d itself: it may be initialised again. */
void dissect_release(struct dissect *d);

/* In-order stream bytes of direction dir at stream offset off. */
void dissect_data(struct dissect *d, const struct dissect_env *env, enum item_dir dir,
                  const uint8_t *data, size_t len, uint64_t off);
/* len bytes at off will never be seen; why says for what reason ("bytes
 * cut by the snaplen": the text of the `error` item after the count). */
void dissect_gap(struct dissect *d, const struct dissect_env *env, enum item_dir dir, uint64_t len,
                 uint64_t off, const char *why);
/* Direction dir ended (enum dissect_end_how: dissect/core.h). */
void dissect_end(struct dissect *d, const struct dissect_env *env, enum item_dir dir,
                 enum dissect_end_how how);
/* Direction dir's sender reset the connection, before dissect_end is told
 * of both directions: what the reset then cuts of the other direction, it
 * cut because this side left (a FIN tells dissect_end the same). */
void dissect_left(struct dissect *d, enum item_dir dir);

/* Only a hint, before bytes of direction dir arrive: the processor starts
 * loading that direction's record, so that the miss overlaps the caller's
 * own work.  It changes nothing, and never faults. */
void dissect_prefetch(const struct dissect *d, enum item_dir dir);

/* What the dissector noticed, for naming the flow. */
const struct flow_traits *dissect_traits(struct dissect *d);
/* The push library session the connection served (the first it named),
 * borrowed until dissect_free, and its library's name in *library; NULL
 * when none (*library may still be named: a WebSocket joined after its
 * handshake, whose messages showed the library but no session).  The
 * connections of one session share it: a polling session and its
 * WebSocket upgrade, SockJS's xhr and xhr_send. */
const char *dissect_session(const struct dissect *d, const char **library);

#endif

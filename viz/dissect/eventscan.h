/* eventscan.h -- finding pushlab events in payload text as it streams by. */
#ifndef VIZ_EVENTSCAN_H
#define VIZ_EVENTSCAN_H

#include "items/emitter.h"
#include "proto/bytebuf.h"

struct eventscan_held; /* (eventscan.c) */

struct eventscan {
    struct eventscan_held *held; /* bytes where an event may have begun, and how far events were
                                  * shown ahead of the parser (owned; made when a payload first ends
                                  * inside an event, or is scanned early: most directions never) */
};

void eventscan_init(struct eventscan *s);
void eventscan_free(struct eventscan *s);
/* Forget a partial event (a message or body ended). */
void eventscan_reset(struct eventscan *s);

/* Scan payload text p[0..n), which sits at stream offset off, for events
 * and emit an `event` item for each (flow, dir, now_ns say whose and when). */
void eventscan_feed(struct eventscan *s, const void *p, size_t n, uint64_t off,
                    const struct emitter *e, unsigned flow, enum item_dir dir, int64_t now_ns);
/* Bytes p[0..n) at stream offset off wait, unparsed, for more to say what
 * they are (a capture begun inside a message, whose other side is silent):
 * the events already whole in them are shown now, at the time they came,
 * and eventscan_feed passes over them when a parser reads those bytes. */
void eventscan_early(struct eventscan *s, const void *p, size_t n, uint64_t off,
                     const struct emitter *e, unsigned flow, enum item_dir dir, int64_t now_ns);

#endif

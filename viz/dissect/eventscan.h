/* eventscan.h -- finding pushlab events in payload text as it streams by. */
#ifndef VIZ_EVENTSCAN_H
#define VIZ_EVENTSCAN_H

#include "items/emitter.h"
#include "proto/bytebuf.h"

struct eventscan {
    struct bytebuf *tail; /* bytes where an event may have begun (owned; made when a payload first
                           * ends inside one: most directions never need it) */
};

void eventscan_init(struct eventscan *s);
void eventscan_free(struct eventscan *s);
/* Forget a partial event (a message or body ended). */
void eventscan_reset(struct eventscan *s);

/* Scan payload text p[0..n), which sits at stream offset off, for events
 * and emit an `event` item for each (flow, dir, now_ns say whose and when). */
void eventscan_feed(struct eventscan *s, const void *p, size_t n, uint64_t off,
                    const struct emitter *e, unsigned flow, enum item_dir dir, int64_t now_ns);

#endif

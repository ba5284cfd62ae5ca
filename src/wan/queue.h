/* queue.h -- packets held until their departure time, earliest first. */
#ifndef WAN_QUEUE_H
#define WAN_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "net/heap.h"

/* One packet in the link.  Owned by the queue while held. */
struct held_packet {
    struct heap_node node; /* in the queue's heap; node.key is due_ns (never negative) */
    int64_t due_ns;        /* CLOCK_MONOTONIC time it leaves the link */
    int dir;               /* which way it travels (relay.c's enum link_dir) */
    size_t len;            /* bytes in data */
    uint8_t data[];        /* the IP packet */
};

/* The packets by departure time; equal times keep arrival order. */
struct wan_queue {
    struct heap heap; /* of held_packet.node (src/net/heap.c) */
};

/* Hold a copy of data[0..len) until due_ns (>= 0).  Returns 0, or -1 when
 * memory runs out (the packet is then dropped, as a full link would). */
int wan_queue_push(struct wan_queue *q, int64_t due_ns, int dir, const uint8_t *data, size_t len);

/* The earliest packet, or NULL when empty.  Borrowed until the next push or pop. */
const struct held_packet *wan_queue_peek(const struct wan_queue *q);

/* Take the earliest packet out; the caller frees it with free(). */
struct held_packet *wan_queue_pop(struct wan_queue *q);

/* Free every held packet and the heap. */
void wan_queue_free(struct wan_queue *q);

#endif

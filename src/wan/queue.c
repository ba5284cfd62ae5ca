/* queue.c -- the link's packets in flight, in the order they leave.
 *
 * Each packet that enters the emulated link gets a departure time: its
 * arrival plus the time to serialize it at the link rate plus the one-way
 * delay (and jitter).  The relay must always know which packet leaves
 * next, whichever direction it travels, so the packets sit in one binary
 * min-heap keyed by that time -- the same heap that orders the event
 * loop's timers (src/net/heap.c): push and pop cost O(log n), the
 * earliest is at the top.  Ties break on arrival order, so packets due at
 * the same time are never swapped.  (Without --reorder relay.c never
 * gives a packet an earlier time than the one before it, so the heap
 * hands them back in the order they came.)
 */
#include "wan/queue.h"

#include <stdlib.h>
#include <string.h>

int wan_queue_push(struct wan_queue *q, int64_t due_ns, int dir, const uint8_t *data, size_t len)
{
    struct held_packet *p = malloc(sizeof *p + len);
    if (!p)
        return -1;
    p->node.key = (uint64_t)due_ns; /* monotonic time: never negative, so the order is kept */
    p->due_ns = due_ns;
    p->dir = dir;
    p->len = len;
    memcpy(p->data, data, len);
    if (heap_push(&q->heap, &p->node) < 0) {
        free(p);
        return -1;
    }
    return 0;
}

const struct held_packet *wan_queue_peek(const struct wan_queue *q)
{
    const struct heap_node *top = heap_top(&q->heap);
    return top ? HEAP_ENTRY(top, const struct held_packet, node) : NULL;
}

struct held_packet *wan_queue_pop(struct wan_queue *q)
{
    struct heap_node *top = heap_pop(&q->heap);
    return top ? HEAP_ENTRY(top, struct held_packet, node) : NULL;
}

void wan_queue_free(struct wan_queue *q)
{
    for (size_t i = 0; i < q->heap.len; i++)
        free(HEAP_ENTRY(q->heap.slots[i], struct held_packet, node));
    heap_free(&q->heap);
}

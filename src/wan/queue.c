/* queue.c -- the link's packets in flight, in the order they leave.
 *
 * Each packet that enters the emulated link gets a departure time: its
 * arrival plus the time to serialize it at the link rate plus the one-way
 * delay (and jitter).  The relay must always know which packet leaves
 * next, whichever direction it travels, so the packets sit in one binary
 * min-heap keyed by that time: push and pop cost O(log n), the earliest is
 * at the top.  Ties break on arrival order, so packets due at the same
 * time are never swapped.  (Without --reorder relay.c never gives a packet
 * an earlier time than the one before it, so the heap hands them back in
 * the order they came.)
 */
#include "wan/queue.h"

#include <stdlib.h>
#include <string.h>

static int earlier(const struct held_packet *a, const struct held_packet *b)
{
    return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->order < b->order);
}

static void swap(struct held_packet **a, struct held_packet **b)
{
    struct held_packet *t = *a;
    *a = *b;
    *b = t;
}

int wan_queue_push(struct wan_queue *q, int64_t due_ns, int dir, const uint8_t *data, size_t len)
{
    if (q->count == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        struct held_packet **heap = realloc(q->heap, cap * sizeof *heap);
        if (!heap)
            return -1;
        q->heap = heap;
        q->cap = cap;
    }
    struct held_packet *p = malloc(sizeof *p + len);
    if (!p)
        return -1;
    p->due_ns = due_ns;
    p->order = q->next_order++;
    p->dir = dir;
    p->len = len;
    memcpy(p->data, data, len);

    /* Sift up: swap with the parent while earlier than it. */
    size_t i = q->count++;
    q->heap[i] = p;
    while (i > 0 && earlier(q->heap[i], q->heap[(i - 1) / 2])) {
        swap(&q->heap[i], &q->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return 0;
}

const struct held_packet *wan_queue_peek(const struct wan_queue *q)
{
    return q->count ? q->heap[0] : NULL;
}

struct held_packet *wan_queue_pop(struct wan_queue *q)
{
    if (!q->count)
        return NULL;
    struct held_packet *top = q->heap[0];
    q->heap[0] = q->heap[--q->count];
    /* Sift down: swap with the earlier child while a child is earlier. */
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;
        if (l < q->count && earlier(q->heap[l], q->heap[min]))
            min = l;
        if (r < q->count && earlier(q->heap[r], q->heap[min]))
            min = r;
        if (min == i)
            break;
        swap(&q->heap[i], &q->heap[min]);
        i = min;
    }
    return top;
}

void wan_queue_free(struct wan_queue *q)
{
    for (size_t i = 0; i < q->count; i++)
        free(q->heap[i]);
    free(q->heap);
    q->heap = NULL;
    q->count = q->cap = 0;
}

/* heap.h -- a binary min-heap of nodes embedded in their owners (heap.c).
 *
 * The event loop keeps its timers in one (key: the millisecond a timer is
 * due), pushlab-wan its packets in flight (key: the nanosecond a packet
 * leaves the link).  A node lives inside the owner's struct; HEAP_ENTRY
 * gets the owner back from a node, so the heap never allocates or frees
 * an owner and never needs to know its type.
 */
#ifndef NET_HEAP_H
#define NET_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* One entry, embedded in its owner.  The caller sets key before
 * heap_push (or passes it to heap_rekey); the rest is the heap's. */
struct heap_node {
    uint64_t key;   /* smallest first */
    uint64_t order; /* when it was pushed or re-keyed: equal keys leave first-in, first-out */
    size_t index;   /* its slot in the heap's array (private) */
};

struct heap {
    struct heap_node **slots; /* owned array of borrowed nodes; slots[0] has the smallest key */
    size_t len;               /* nodes held */
    size_t cap;               /* slots allocated */
    uint64_t next_order;      /* order stamp of the next push or re-key */
};

/* The owner of a (non-NULL) node: HEAP_ENTRY(node, struct loop_timer, node). */
#define HEAP_ENTRY(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Add node (its key set).  The node is borrowed until popped or removed:
 * it must not move or be freed while held.  0, or -1 when the array
 * cannot grow (the node is then not held). */
int heap_push(struct heap *h, struct heap_node *node);
/* The node with the smallest key (the earliest pushed among equals), or
 * NULL when empty.  It stays held. */
struct heap_node *heap_top(const struct heap *h);
/* Take the top node out and return it (NULL when empty). */
struct heap_node *heap_pop(struct heap *h);
/* Take a held node out, wherever it is. */
void heap_remove(struct heap *h, struct heap_node *node);
/* Give a held node a new key; it goes behind the nodes already holding
 * an equal key, as if pushed now. */
void heap_rekey(struct heap *h, struct heap_node *node, uint64_t key);
/* Free the array; the nodes are their owners' to free (walk slots[0..len)
 * first when they are owned by the heap's user). */
void heap_free(struct heap *h);

#endif

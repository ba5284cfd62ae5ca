/* heap.c -- a binary min-heap: whatever is due first, in O(log n).
 *
 * Both the event loop (timers) and pushlab-wan's relay (packets waiting
 * for their departure time) must always know which entry is due next,
 * while entries come and go in any order.  A binary heap stores them in
 * an array where slot i's children are slots 2i+1 and 2i+2 and every
 * parent is due no later than its children, so the earliest sits in slot
 * 0; adding or taking an entry moves it up or down one path of the tree:
 * O(log n) swaps (CLRS chapter 6, "Heapsort").
 *
 * Each node remembers its slot, so a timer can be cancelled or moved
 * wherever it is (heap_remove, heap_rekey) without a search.  Equal keys
 * are ordered by a stamp taken at push or re-key, so two timers due in
 * the same millisecond fire in the order they were armed, and two packets
 * due in the same nanosecond leave in the order they came: a heap alone
 * would not keep that order.
 *
 * Left out on purpose: shrinking the array (a server's timer count goes
 * back up soon) and a key type of the caller's choosing (both users count
 * time as a 64-bit number).
 */
#include "net/heap.h"

#include <stdbool.h>
#include <stdlib.h>

static bool earlier(const struct heap_node *a, const struct heap_node *b)
{
    return a->key < b->key || (a->key == b->key && a->order < b->order);
}

static void swap(struct heap *h, size_t a, size_t b)
{
    struct heap_node *t = h->slots[a];
    h->slots[a] = h->slots[b];
    h->slots[b] = t;
    h->slots[a]->index = a;
    h->slots[b]->index = b;
}

/* Move slot i up while it is due before its parent. */
static void sift_up(struct heap *h, size_t i)
{
    while (i > 0 && earlier(h->slots[i], h->slots[(i - 1) / 2])) {
        swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

/* Move slot i down while a child is due before it. */
static void sift_down(struct heap *h, size_t i)
{
    for (;;) {
        size_t left = 2 * i + 1, right = left + 1, least = i;
        if (left < h->len && earlier(h->slots[left], h->slots[least]))
            least = left;
        if (right < h->len && earlier(h->slots[right], h->slots[least]))
            least = right;
        if (least == i)
            return;
        swap(h, i, least);
        i = least;
    }
}

int heap_push(struct heap *h, struct heap_node *node)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct heap_node **grown = realloc(h->slots, cap * sizeof *grown);
        if (!grown)
            return -1;
        h->slots = grown;
        h->cap = cap;
    }
    node->order = h->next_order++;
    node->index = h->len;
    h->slots[h->len++] = node;
    sift_up(h, node->index);
    return 0;
}

struct heap_node *heap_top(const struct heap *h)
{
    return h->len ? h->slots[0] : NULL;
}

void heap_remove(struct heap *h, struct heap_node *node)
{
    size_t i = node->index;
    h->len--;
    if (i == h->len)
        return;
    /* The last node fills the hole; it may belong above or below it. */
    h->slots[i] = h->slots[h->len];
    h->slots[i]->index = i;
    sift_down(h, i);
    sift_up(h, i);
}

struct heap_node *heap_pop(struct heap *h)
{
    struct heap_node *top = heap_top(h);
    if (top)
        heap_remove(h, top);
    return top;
}

void heap_rekey(struct heap *h, struct heap_node *node, uint64_t key)
{
    node->key = key;
    node->order = h->next_order++;
    sift_down(h, node->index);
    sift_up(h, node->index);
}

void heap_free(struct heap *h)
{
    free(h->slots);
    h->slots = NULL;
    h->len = h->cap = 0;
}

/* check_heap.c -- the min-heap under the loop's timers and pushlab-wan's
 * queue (src/net/heap.c): nodes come out smallest key first and equal
 * keys first-in first-out, whatever was pushed, removed from the middle
 * or re-keyed in between; every node always knows its slot; an empty heap
 * has no top. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_run.h"
#include "net/heap.h"

/* An owner with its node inside, as the loop's timers and wan's packets are. */
struct item {
    int id;               /* which item (the order it was made in) */
    struct heap_node node;
};

static struct item *item_of(struct heap_node *n)
{
    return n ? HEAP_ENTRY(n, struct item, node) : NULL;
}

static uint32_t rng_next(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 16;
}

/* The heap's promise, slot by slot: each node knows its slot and no node
 * comes before its parent (smaller key, or equal key pushed earlier). */
static void assert_shape(const struct heap *h)
{
    for (size_t i = 0; i < h->len; i++) {
        ck_assert_uint_eq(h->slots[i]->index, i);
        if (i == 0)
            continue;
        const struct heap_node *parent = h->slots[(i - 1) / 2], *child = h->slots[i];
        ck_assert(parent->key < child->key ||
                  (parent->key == child->key && parent->order < child->order));
    }
}

/* Pop everything: keys never go down, and among equal keys the ids (for
 * items pushed in id order and never re-keyed) go up.  Returns how many. */
static size_t drain_in_order(struct heap *h)
{
    uint64_t last_key = 0;
    int last_id = -1;
    size_t n = 0;
    struct item *it;
    while ((it = item_of(heap_pop(h)))) {
        ck_assert_uint_ge(it->node.key, last_key);
        if (n > 0 && it->node.key == last_key)
            ck_assert_int_gt(it->id, last_id);
        last_key = it->node.key;
        last_id = it->id;
        n++;
    }
    ck_assert_uint_eq(h->len, 0);
    return n;
}

/* Push items[0..n) in id order, keys drawn from [0, spread) (seeded). */
static void push_random(struct heap *h, struct item *items, int n, uint32_t seed, uint32_t spread)
{
    for (int i = 0; i < n; i++) {
        items[i].id = i;
        items[i].node.key = rng_next(&seed) % spread;
        ck_assert_int_eq(heap_push(h, &items[i].node), 0);
    }
    ck_assert_uint_eq(h->len, (size_t)n);
}

START_TEST(empty_heap_has_no_top)
{
    struct heap h = {0};
    ck_assert_ptr_null(heap_top(&h));
    ck_assert_ptr_null(heap_pop(&h));
    heap_free(&h);
    heap_free(&h); /* twice is harmless */
}
END_TEST

START_TEST(smallest_key_first_ties_first_in_first_out)
{
    enum { N = 5000 };
    static struct item items[N];
    struct heap h = {0};
    push_random(&h, items, N, 7, 97); /* many equal keys */
    assert_shape(&h);
    ck_assert_uint_eq(drain_in_order(&h), N);
    heap_free(&h);
}
END_TEST

START_TEST(remove_from_anywhere_keeps_the_order)
{
    enum { N = 1000 };
    static struct item items[N];
    struct heap h = {0};
    push_random(&h, items, N, 99, 50);
    /* Every third item, wherever it sits: the top, a leaf, the last slot. */
    size_t removed = 0;
    for (int i = 0; i < N; i += 3, removed++) {
        heap_remove(&h, &items[i].node);
        assert_shape(&h);
    }
    heap_remove(&h, h.slots[h.len - 1]); /* the last slot: nothing to move */
    heap_remove(&h, heap_top(&h));
    removed += 2;
    assert_shape(&h);
    ck_assert_uint_eq(drain_in_order(&h), N - removed);
    heap_free(&h);
}
END_TEST

START_TEST(rekey_moves_a_node_behind_its_equals)
{
    struct item a = {.id = 0, .node.key = 10}, b = {.id = 1, .node.key = 20}, c = {.id = 2, .node.key = 20};
    struct heap h = {0};
    ck_assert_int_eq(heap_push(&h, &a.node), 0);
    ck_assert_int_eq(heap_push(&h, &b.node), 0);
    ck_assert_int_eq(heap_push(&h, &c.node), 0);
    /* a, due first, moves to 20: it now goes after b and c (armed before it). */
    heap_rekey(&h, &a.node, 20);
    assert_shape(&h);
    ck_assert_ptr_eq(item_of(heap_pop(&h)), &b);
    /* c moves earlier than everything. */
    heap_rekey(&h, &c.node, 5);
    ck_assert_ptr_eq(item_of(heap_top(&h)), &c);
    ck_assert_ptr_eq(item_of(heap_pop(&h)), &c);
    ck_assert_ptr_eq(item_of(heap_pop(&h)), &a);
    ck_assert_ptr_null(heap_pop(&h));
    heap_free(&h);
}
END_TEST

/* Random pushes, pops, removes and re-keys against a plain array that
 * knows which items are held and when each was last pushed or re-keyed:
 * the heap's top is always the smallest key, the earliest stamped among
 * equals. */
START_TEST(random_operations_match_a_linear_search)
{
    enum { N = 300, STEPS = 20000 };
    static struct item items[N];
    static bool held[N];
    static uint64_t stamp[N];
    uint64_t now = 0;
    struct heap h = {0};
    uint32_t rng = 2024;
    for (int i = 0; i < N; i++) {
        items[i].id = i;
        held[i] = false;
    }
    for (int step = 0; step < STEPS; step++) {
        int i = (int)(rng_next(&rng) % N);
        uint64_t key = rng_next(&rng) % 40;
        switch (rng_next(&rng) % 4) {
        case 0:
            if (!held[i]) {
                items[i].node.key = key;
                ck_assert_int_eq(heap_push(&h, &items[i].node), 0);
                held[i] = true;
                stamp[i] = now++;
            }
            break;
        case 1:
            if (held[i]) {
                heap_remove(&h, &items[i].node);
                held[i] = false;
            }
            break;
        case 2:
            if (held[i]) {
                heap_rekey(&h, &items[i].node, key);
                stamp[i] = now++;
            }
            break;
        default: {
            struct item *top = item_of(heap_pop(&h));
            if (top) {
                ck_assert(held[top->id]);
                held[top->id] = false;
            }
            break;
        }
        }
        /* The expected top: smallest key, then earliest stamp. */
        struct item *want = NULL;
        size_t count = 0;
        for (int j = 0; j < N; j++) {
            if (!held[j])
                continue;
            count++;
            if (!want || items[j].node.key < want->node.key ||
                (items[j].node.key == want->node.key && stamp[j] < stamp[want->id]))
                want = &items[j];
        }
        ck_assert_uint_eq(h.len, count);
        ck_assert_ptr_eq(item_of(heap_top(&h)), want);
    }
    assert_shape(&h);
    heap_free(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("heap");
    TCase *tc = tcase_create("heap");
    tcase_add_test(tc, empty_heap_has_no_top);
    tcase_add_test(tc, smallest_key_first_ties_first_in_first_out);
    tcase_add_test(tc, remove_from_anywhere_keeps_the_order);
    tcase_add_test(tc, rekey_moves_a_node_behind_its_equals);
    tcase_add_test(tc, random_operations_match_a_linear_search);
    suite_add_tcase(s, tc);
    return check_run(s);
}

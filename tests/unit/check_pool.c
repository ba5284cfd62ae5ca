/* check_pool.c -- the flow table's record pools: records are distinct,
 * aligned and writable across many slabs, a record given back is the next
 * one taken, a pool's first records lie within PAGES_SMALL_ENOUGH, and
 * pool_map gives zeroed memory of any size. */
#include <check.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "flows/pool.h"
#include "memory/pages.h"
#include "pushlab.h"

enum { RECORD = 1000, MANY = 10000 }; /* 10,000 records of 1,000 bytes: five slabs */
enum { FLOW_SIZED = 384 };             /* a record the size of struct flow (six cache lines) */

START_TEST(records_are_distinct_aligned_and_writable)
{
    struct pool p;
    pool_init(&p, RECORD - 7); /* an odd size is rounded up to keep alignment */
    unsigned char **r = malloc(MANY * sizeof *r);
    ck_assert_ptr_nonnull(r);
    for (size_t i = 0; i < MANY; i++) {
        r[i] = pool_take(&p);
        ck_assert_ptr_nonnull(r[i]);
        ck_assert_uint_eq((uintptr_t)r[i] % alignof(max_align_t), 0);
        memset(r[i], (int)(i & 0xFF), RECORD - 7);
    }
    for (size_t i = 0; i < MANY; i++) /* no record overlapped another */
        for (size_t k = 0; k < RECORD - 7; k += 97)
            ck_assert_uint_eq(r[i][k], i & 0xFF);
    free(r);
    pool_free(&p);
}
END_TEST

START_TEST(a_record_given_back_is_taken_next)
{
    struct pool p;
    pool_init(&p, 64);
    void *a = pool_take(&p), *b = pool_take(&p), *c = pool_take(&p);
    ck_assert_ptr_ne(a, b);
    ck_assert_ptr_ne(b, c);
    pool_give(&p, a);
    pool_give(&p, c);
    ck_assert_ptr_eq(pool_take(&p), c); /* last in, first out: still in the cache */
    ck_assert_ptr_eq(pool_take(&p), a);
    void *d = pool_take(&p); /* the free list is empty again: a new one */
    ck_assert_ptr_ne(d, a);
    ck_assert_ptr_ne(d, b);
    ck_assert_ptr_ne(d, c);
    pool_free(&p);
    ck_assert_ptr_null(p.slabs);
}
END_TEST

START_TEST(pool_map_is_zeroed_at_any_size)
{
    static const size_t sizes[] = {1, 4096, PAGES_SMALL_ENOUGH, PAGES_SMALL_ENOUGH + 1,
                                   (size_t)2 << 20, ((size_t)2 << 20) + 1, (size_t)5 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *m = pool_map(sizes[i]);
        ck_assert_ptr_nonnull(m);
        ck_assert_uint_eq(m[0], 0);
        ck_assert_uint_eq(m[sizes[i] - 1], 0);
        m[sizes[i] - 1] = 1; /* writable to its last byte */
        pool_unmap(m, sizes[i]);
    }
}
END_TEST

/* A small capture's records stay in the first PAGES_SMALL_ENOUGH of
 * small pages; the record after them starts a new (huge-page) slab
 * rather than faulting in the rest of the first slab page by page. */
START_TEST(the_first_records_stay_within_the_small_stretch)
{
    struct pool p;
    pool_init(&p, FLOW_SIZED);
    char *first = pool_take(&p), *last = first, *r;
    size_t n = 1;
    while ((r = pool_take(&p)) == last + FLOW_SIZED) { /* carved one after the other */
        last = r;
        n++;
    }
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_le((size_t)(last + FLOW_SIZED - first), PAGES_SMALL_ENOUGH);
    ck_assert_uint_ge(n, PAGES_SMALL_ENOUGH / FLOW_SIZED - 1); /* and it is used, bar the slab's link */
    ck_assert_uint_eq((uintptr_t)r % PAGES_HUGE, VIZ_CACHE_LINE); /* the next slab's first record */
    pool_free(&p);
}
END_TEST

/* A record whose size is a whole number of cache lines starts at a line,
 * in every slab: it spans no more lines than it must (struct flow). */
START_TEST(line_sized_records_start_at_a_line)
{
    struct pool p;
    pool_init(&p, FLOW_SIZED);
    for (int i = 0; i < 12000; i++) { /* past two slabs of 2 MiB */
        void *r = pool_take(&p);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq((uintptr_t)r % 64, 0);
    }
    pool_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_add_test(tc, records_are_distinct_aligned_and_writable);
    tcase_add_test(tc, a_record_given_back_is_taken_next);
    tcase_add_test(tc, the_first_records_stay_within_the_small_stretch);
    tcase_add_test(tc, pool_map_is_zeroed_at_any_size);
    tcase_add_test(tc, line_sized_records_start_at_a_line);
    suite_add_tcase(s, tc);
    return check_run(s);
}

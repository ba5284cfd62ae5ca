/* check_flow_index.c -- the flow table's index (open addressing, linear
 * probing, backward-shift removal): every record stays findable through
 * inserts, removals and growth, with hashes chosen to collide and to run
 * past the array's end; growing reads no record. */
#include <check.h>
#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_run.h"
#include "flows/flow_index.h"

/* How many times `record` is found under `hash`. */
static int found(const struct flow_index *ix, uint64_t hash, const void *record)
{
    int n = 0;
    size_t at = index_home(ix, hash);
    const void *r;
    while ((r = index_next(ix, hash, &at)))
        n += r == record;
    return n;
}

/* A hash whose home in ix is `home`, with a low part that
 * tells records apart. */
static uint64_t hash_at(const struct flow_index *ix, size_t home, uint64_t low)
{
    return (uint64_t)home << ix->shift | low;
}

START_TEST(records_with_one_hash_are_all_found)
{
    struct flow_index ix;
    ck_assert(index_init(&ix));
    int r[3];
    for (int i = 0; i < 3; i++)
        ck_assert(index_insert(&ix, 42, &r[i]));
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(found(&ix, 42, &r[i]), 1);
    ck_assert_int_eq(found(&ix, 43, &r[0]), 0);
    index_remove(&ix, 42, &r[1]);
    ck_assert_int_eq(found(&ix, 42, &r[0]), 1);
    ck_assert_int_eq(found(&ix, 42, &r[1]), 0);
    ck_assert_int_eq(found(&ix, 42, &r[2]), 1);
    ck_assert_uint_eq(ix.count, 2);
    index_free(&ix);
}
END_TEST

/* A run that starts in the last slot goes on at slot 0; taking out its
 * first record moves the others back across the end. */
START_TEST(runs_wrap_past_the_end_and_close_up)
{
    struct flow_index ix;
    ck_assert(index_init(&ix));
    size_t last = ix.n_slots - 1;
    int a, b, c, d;
    uint64_t ha = hash_at(&ix, last, 1), hb = hash_at(&ix, last, 2), hc = hash_at(&ix, 0, 3),
             hd = hash_at(&ix, 1, 4);
    ck_assert(index_insert(&ix, ha, &a)); /* last */
    ck_assert(index_insert(&ix, hb, &b)); /* home last, sits in 0 */
    ck_assert(index_insert(&ix, hc, &c)); /* home 0, sits in 1 */
    ck_assert(index_insert(&ix, hd, &d)); /* home 1, sits in 2 */
    ck_assert_ptr_eq(ix.slots[0].record, &b);
    ck_assert_ptr_eq(ix.slots[2].record, &d);
    index_remove(&ix, ha, &a);
    ck_assert_ptr_eq(ix.slots[last].record, &b); /* back to its home */
    ck_assert_ptr_eq(ix.slots[0].record, &c);    /* back to its home */
    ck_assert_ptr_eq(ix.slots[1].record, &d);    /* back to its home */
    ck_assert_ptr_null(ix.slots[2].record);
    ck_assert_int_eq(found(&ix, hb, &b) + found(&ix, hc, &c) + found(&ix, hd, &d), 3);
    index_free(&ix);
}
END_TEST

/* A record past the hole whose home lies between the hole and itself
 * stays where it is; the next one, whose home is before the hole, moves. */
START_TEST(removal_moves_only_what_may_move)
{
    struct flow_index ix;
    ck_assert(index_init(&ix));
    int a, b, c, d;
    uint64_t ha = hash_at(&ix, 10, 1), hb = hash_at(&ix, 10, 2), hc = hash_at(&ix, 12, 3),
             hd = hash_at(&ix, 10, 4);
    ck_assert(index_insert(&ix, ha, &a)); /* 10 */
    ck_assert(index_insert(&ix, hb, &b)); /* 11 */
    ck_assert(index_insert(&ix, hc, &c)); /* 12, its home */
    ck_assert(index_insert(&ix, hd, &d)); /* 13 */
    index_remove(&ix, hb, &b);            /* hole at 11 */
    ck_assert_ptr_eq(ix.slots[12].record, &c);
    ck_assert_ptr_eq(ix.slots[11].record, &d);
    ck_assert_ptr_null(ix.slots[13].record);
    ck_assert_int_eq(found(&ix, ha, &a) + found(&ix, hc, &c) + found(&ix, hd, &d), 3);
    index_remove(&ix, hb, &b); /* not in it any more: nothing changes */
    ck_assert_uint_eq(ix.count, 3);
    index_free(&ix);
}
END_TEST

/* Against a plain list: thousands of inserts and removals, crowded homes
 * (a few hundred for 20,000 records), the array growing on the way. */
START_TEST(every_record_stays_findable)
{
    enum { N = 20000 };
    struct flow_index ix;
    ck_assert(index_init(&ix));
    static int records[N];
    static uint64_t hashes[N];
    static bool in[N];
    uint64_t x = 88172645463325252u; /* xorshift64: the same run every time */
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        hashes[i] = (x & 0xFFF0000000000000u) | i; /* 4,096 homes at most, in any size */
    }
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < N; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            if (x % 3 == 0 && in[i]) {
                index_remove(&ix, hashes[i], &records[i]);
                in[i] = false;
            } else if (!in[i]) {
                ck_assert(index_insert(&ix, hashes[i], &records[i]));
                in[i] = true;
            }
        }
        size_t present = 0;
        for (size_t i = 0; i < N; i++) {
            ck_assert_int_eq(found(&ix, hashes[i], &records[i]), in[i]);
            present += in[i];
        }
        ck_assert_uint_eq(ix.count, present);
        ck_assert_uint_le(ix.count * 2, ix.n_slots); /* at most half full */
    }
    index_free(&ix);
}
END_TEST

/* Growing places records again from the hashes in the slots: under
 * AddressSanitizer, reading a (poisoned) record would stop the test. */
START_TEST(growing_reads_no_record)
{
    enum { N = 5000 };
    static char records[N][64];
    ASAN_POISON_MEMORY_REGION(records, sizeof records);
    struct flow_index ix;
    ck_assert(index_init(&ix));
    size_t first = ix.n_slots;
    for (uint64_t i = 0; i < N; i++)
        ck_assert(index_insert(&ix, i * 0x9E3779B97F4A7C15u, records[i]));
    ck_assert_uint_gt(ix.n_slots, first);
    ck_assert_uint_le(ix.count * 2, ix.n_slots);
    for (uint64_t i = 0; i < N; i++)
        ck_assert_int_eq(found(&ix, i * 0x9E3779B97F4A7C15u, records[i]), 1);
    ASAN_UNPOISON_MEMORY_REGION(records, sizeof records);
    index_free(&ix);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flow_index");
    TCase *tc = tcase_create("flow_index");
    tcase_add_test(tc, records_with_one_hash_are_all_found);
    tcase_add_test(tc, runs_wrap_past_the_end_and_close_up);
    tcase_add_test(tc, removal_moves_only_what_may_move);
    tcase_add_test(tc, every_record_stays_findable);
    tcase_add_test(tc, growing_reads_no_record);
    suite_add_tcase(s, tc);
    return check_run(s);
}

/* check_load_stats.c -- the load summary's arithmetic: nearest-rank
 * percentiles, and the expected count of a client's window computed from
 * the seqs every client saw (including seqs nobody saw in between). */
#include <check.h>

#include "check_run.h"
#include "client/load_stats.h"
#include "pushlab.h"

START_TEST(percentiles_by_nearest_rank)
{
    struct load_stats st;
    load_stats_init(&st);
    for (uint64_t us = 100000; us >= 1000; us -= 1000) /* 1..100 ms, given backwards */
        load_stats_latency(&st, us);
    struct latency_summary l = load_stats_summary(&st);
    ck_assert_uint_eq(l.samples, 100);
    ck_assert_double_eq_tol(l.p50, 50.0, 1e-9);
    ck_assert_double_eq_tol(l.p90, 90.0, 1e-9);
    ck_assert_double_eq_tol(l.p99, 99.0, 1e-9);
    ck_assert_double_eq_tol(l.max, 100.0, 1e-9);
    load_stats_free(&st);
}
END_TEST

START_TEST(no_samples_is_all_zero)
{
    struct load_stats st;
    load_stats_init(&st);
    struct latency_summary l = load_stats_summary(&st);
    ck_assert_uint_eq(l.samples, 0);
    ck_assert_double_eq(l.max, 0.0);
    load_stats_free(&st);
}
END_TEST

START_TEST(one_sample)
{
    struct load_stats st;
    load_stats_init(&st);
    load_stats_latency(&st, 2500);
    struct latency_summary l = load_stats_summary(&st);
    ck_assert_double_eq_tol(l.p50, 2.5, 1e-9);
    ck_assert_double_eq_tol(l.p99, 2.5, 1e-9);
    load_stats_free(&st);
}
END_TEST

START_TEST(expected_counts_the_window)
{
    struct load_stats st;
    load_stats_init(&st);
    /* Events 10..20 made at ts 1000, 1100, ... 2000. */
    for (uint64_t seq = 10; seq <= 20; seq++)
        ck_assert(load_stats_seen(&st, seq, 1000 + (int64_t)(seq - 10) * 100));
    ck_assert_uint_eq(load_stats_expected(&st, 0, 5000), 11);
    ck_assert_uint_eq(load_stats_expected(&st, 1000, 2000), 10); /* after 1000: 11..20 */
    ck_assert_uint_eq(load_stats_expected(&st, 1050, 1450), 4);  /* 1100..1400 */
    ck_assert_uint_eq(load_stats_expected(&st, 2000, 9000), 0);
    /* The drain's question: the newest seq made by a time. */
    int64_t ts = 0;
    ck_assert_uint_eq(load_stats_newest_by(&st, 1450, &ts), 14);
    ck_assert_int_eq(ts, 1400);
    ck_assert_uint_eq(load_stats_newest_by(&st, 9000, &ts), 20);
    ck_assert_int_eq(ts, 2000);
    ck_assert_uint_eq(load_stats_newest_by(&st, 999, &ts), 0);
    load_stats_free(&st);
}
END_TEST

START_TEST(unseen_seqs_in_between_are_expected)
{
    struct load_stats st;
    load_stats_init(&st);
    ck_assert(load_stats_seen(&st, 5, 500));
    ck_assert(load_stats_seen(&st, 9, 900)); /* 6, 7, 8 reached nobody */
    ck_assert_uint_eq(load_stats_expected(&st, 0, 1000), 5);
    load_stats_free(&st);
}
END_TEST

START_TEST(lower_seq_later_and_growth)
{
    struct load_stats st;
    load_stats_init(&st);
    ck_assert(load_stats_seen(&st, 1000, 100000));
    ck_assert(load_stats_seen(&st, 990, 99000)); /* a slower client reports an older one */
    for (uint64_t seq = 1001; seq < 1500; seq++)
        ck_assert(load_stats_seen(&st, seq, 100000 + (int64_t)(seq - 1000)));
    ck_assert_uint_eq(load_stats_expected(&st, 0, INT64_MAX), 510);
    load_stats_free(&st);
}
END_TEST

START_TEST(absurd_seq_is_refused)
{
    struct load_stats st;
    load_stats_init(&st);
    ck_assert(load_stats_seen(&st, 1, 100));
    ck_assert(!load_stats_seen(&st, 1 + LOAD_MAX_SEQ_SPAN + 5, 200));
    ck_assert(!load_stats_seen(&st, 3, 0)); /* no time, no event */
    ck_assert_uint_eq(load_stats_expected(&st, 0, INT64_MAX), 1);
    load_stats_free(&st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("load_stats");
    TCase *tc = tcase_create("load_stats");
    tcase_add_test(tc, percentiles_by_nearest_rank);
    tcase_add_test(tc, no_samples_is_all_zero);
    tcase_add_test(tc, one_sample);
    tcase_add_test(tc, expected_counts_the_window);
    tcase_add_test(tc, unseen_seqs_in_between_are_expected);
    tcase_add_test(tc, lower_seq_later_and_growth);
    tcase_add_test(tc, absurd_seq_is_refused);
    suite_add_tcase(s, tc);
    return check_run(s);
}

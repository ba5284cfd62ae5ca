/* check_pairing.c -- the ring of requests waiting for an answer
 * (dissect/pairing.h): HTTP/1.1 takes the oldest, HTTP/2 finds one by its
 * stream and takes it out of the middle, in whatever state the ring has
 * wrapped to; it grows to VIZ_PENDING_REQUESTS and then drops the oldest;
 * an HTTP/2 promise waits on its promised stream without being a request. */
#include <check.h>

#include "check_run.h"
#include "dissect/dissect.h"
#include "classify/classify.h"
#include "dissect/pairing.h"

/* The streams waiting, oldest first. */
static unsigned waiting(const struct dissect *d, uint32_t *out)
{
    for (unsigned i = 0; i < d->pending_count; i++)
        out[i] = d->pending[(d->pending_first + i) % d->pending_cap].stream;
    return d->pending_count;
}

static void push(struct dissect *d, uint32_t stream)
{
    struct pending_request *p = pending_push(d);
    ck_assert_ptr_nonnull(p);
    *p = (struct pending_request){.stream = stream};
}

START_TEST(a_stream_is_found_and_taken_out_of_a_wrapped_ring)
{
    struct dissect d;
    dissect_init(&d, NULL);
    push(&d, 1);
    push(&d, 3); /* the two inline slots */
    push(&d, 5); /* grows to four */
    ck_assert_uint_eq(d.pending_cap, 4);
    /* The oldest answered (HTTP/1.1's way), two more asked: the ring
     * wraps, its line starting at slot 1 and ending at slot 0. */
    d.pending_first = 1;
    d.pending_count--;
    push(&d, 7);
    push(&d, 9);
    ck_assert_uint_eq(d.pending_cap, 4);
    uint32_t s[8];
    ck_assert_uint_eq(waiting(&d, s), 4);
    ck_assert(s[0] == 3 && s[1] == 5 && s[2] == 7 && s[3] == 9);
    ck_assert_ptr_null(pending_on_stream(&d, 1));
    /* 7 sits in slot 3, 9 in slot 0 (wrapped): take out 7, then 3, the first. */
    struct pending_request *p = pending_on_stream(&d, 7);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(p->stream, 7);
    pending_remove(&d, p);
    ck_assert_uint_eq(waiting(&d, s), 3);
    ck_assert(s[0] == 3 && s[1] == 5 && s[2] == 9);
    pending_remove(&d, pending_on_stream(&d, 3));
    ck_assert_uint_eq(waiting(&d, s), 2);
    ck_assert(s[0] == 5 && s[1] == 9);
    pending_remove(&d, pending_on_stream(&d, 9));
    ck_assert_uint_eq(waiting(&d, s), 1);
    ck_assert_uint_eq(s[0], 5);
    ck_assert_ptr_null(pending_on_stream(&d, 9));
    dissect_release(&d);
}
END_TEST

START_TEST(a_full_ring_drops_the_oldest)
{
    struct dissect d;
    dissect_init(&d, NULL);
    for (uint32_t i = 0; i < VIZ_PENDING_REQUESTS + 3; i++)
        push(&d, 2 * i + 1);
    uint32_t s[VIZ_PENDING_REQUESTS];
    ck_assert_uint_eq(waiting(&d, s), VIZ_PENDING_REQUESTS);
    ck_assert_uint_eq(s[0], 7); /* streams 1, 3 and 5 were dropped */
    ck_assert_uint_eq(s[VIZ_PENDING_REQUESTS - 1], 2 * (VIZ_PENDING_REQUESTS + 2) + 1);
    ck_assert_ptr_null(pending_on_stream(&d, 5));
    dissect_release(&d);
}
END_TEST

START_TEST(a_promise_waits_on_its_stream_and_is_no_request)
{
    /* HTTP/2 server push: the promised stream's answer finds the promise,
     * numbered as the next exchange and timed from it, but the flow counts
     * no request of the client's (a promise needs no classifier). */
    struct dissect d;
    dissect_init(&d, NULL);
    struct dissect_env env = {.server = "10.0.0.2:80", .rtt_ms = -1, .now_ns = 5000};
    struct slice path = {"/style.css", 10};
    struct pending_request *p = exchange_promised(&d, &env, path, 2);
    ck_assert_uint_eq(p->exchange, 1);
    ck_assert_ptr_eq(pending_on_stream(&d, 2), p);
    ck_assert(p->sent_ns == 5000 && p->path_key == classify_path_key(env.server, "/style.css", 10));
    ck_assert(!p->head && !p->callback && p->sent_bytes == 0);
    ck_assert_uint_eq(d.traits.requests, 0);
    ck_assert_uint_eq(d.traits.path_key, 0);
    dissect_release(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pairing");
    TCase *tc = tcase_create("pairing");
    tcase_add_test(tc, a_stream_is_found_and_taken_out_of_a_wrapped_ring);
    tcase_add_test(tc, a_full_ring_drops_the_oldest);
    tcase_add_test(tc, a_promise_waits_on_its_stream_and_is_no_request);
    suite_add_tcase(s, tc);
    return check_run(s);
}

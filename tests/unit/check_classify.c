/* check_classify.c -- naming the push technique of an exchange and of a
 * flow (classify.h): each technique's sign in an exchange, the order in
 * which they win, short and long polling told apart by how long answers
 * are held and how soon the client asks again, a flow named by its push
 * exchanges, repetition across flows, which flows may yet be seen to
 * repeat, and the path keys that repetition is counted by. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "classify/classify.h"
#include "pushlab.h"

/* The table below starts from shorthands and overrides some of their
 * fields, which is what designated initialisers allow (C11 §6.7.9 ¶19). */
#pragma GCC diagnostic ignored "-Woverride-init"

#define SERVER "127.0.0.1:8001"

static struct classifier *classifier_new(void)
{
    struct classifier *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    return c;
}

START_TEST(path_keys)
{
    uint64_t poll = classify_path_key(SERVER, "/poll", 5);
    ck_assert_uint_ne(poll, 0); /* 0 means "no path" */
    ck_assert_uint_eq(poll, classify_path_key(SERVER, "/poll?x", 5));
    ck_assert_uint_ne(poll, classify_path_key(SERVER, "/pol", 4));
    ck_assert_uint_ne(poll, classify_path_key("127.0.0.1:8002", "/poll", 5));
    ck_assert_uint_ne(classify_path_key(SERVER, "", 0), 0);
}
END_TEST

/* One exchange and the name it must get. */
struct named {
    const char *why;
    struct exchange_facts f;
    const char *want;
};

/* Shorthands: answered in 2 ms over a 0.1 ms RTT, first of its resource. */
#define AT_ONCE .response_ms = 2, .rtt_ms = 0.1, .repeats = 1, .reask_ms = -1
#define HELD(ms) .response_ms = ms, .rtt_ms = 0.1, .repeats = 2, .reask_ms = 1

static const struct named NAMED[] = {
    /* each technique by its sign */
    {"a 101 upgrade", {AT_ONCE, .upgrade = true}, "ws"},
    {"a text/event-stream answer", {AT_ONCE, .event_stream = true, .streamed = true}, "sse"},
    {"a multipart/x-mixed-replace answer", {AT_ONCE, .multipart = true}, "multipart"},
    {"a streamed text/html page", {AT_ONCE, .streamed = true, .html = true}, "iframe"},
    {"another streamed body", {AT_ONCE, .streamed = true}, "xhr"},
    {"JavaScript for a named callback", {AT_ONCE, .javascript = true, .callback = true}, "jsonp"},
    {"held long", {HELD(700)}, "longpoll"},
    {"repeated after an interval", {AT_ONCE, .repeats = 5, .reask_ms = 250}, "poll"},
    {"repeated at once, answered at once", {AT_ONCE, .repeats = 5, .reask_ms = 3}, "longpoll"},
    {"a resource asked for once", {AT_ONCE}, "http"},
    {"a send", {AT_ONCE, .sent_bytes = 12, .repeats = 4, .reask_ms = 1}, "http"},
    /* stronger signs win */
    {"an upgrade held long is ws", {HELD(900), .upgrade = true}, "ws"},
    {"an event stream held long is sse", {HELD(900), .event_stream = true}, "sse"},
    {"a streamed page that is also held is an iframe",
     {HELD(900), .streamed = true, .html = true}, "iframe"},
    {"a send held long is a send", {HELD(900), .sent_bytes = 3}, "http"},
    {"JSONP held long is JSONP", {HELD(900), .javascript = true, .callback = true}, "jsonp"},
    {"JavaScript without a callback is not JSONP",
     {AT_ONCE, .javascript = true, .repeats = 3, .reask_ms = 300}, "poll"},
    /* a page, a script or a style loaded again is a reload, not a poll */
    {"a script asked for again later", {AT_ONCE, .javascript = true, .page_part = true,
     .repeats = 2, .reask_ms = 370}, "http"},
    {"a page asked for again, no earlier answer timed", {AT_ONCE, .html = true, .page_part = true,
     .repeats = 2}, "http"},
    {"JavaScript asked again at once (SockJS xhr polls)", {AT_ONCE, .javascript = true,
     .page_part = true, .repeats = 3, .reask_ms = 2}, "longpoll"},
    /* holding: against a floor and against the RTT */
    {"held just under the floor", {HELD(VIZ_LONGPOLL_HOLD_MS - 1), .reask_ms = -1}, "poll"},
    {"held at the floor", {HELD(VIZ_LONGPOLL_HOLD_MS), .reask_ms = -1}, "longpoll"},
    {"held 300 ms over a 100 ms RTT is not held",
     {.response_ms = 300, .rtt_ms = 100, .repeats = 2, .reask_ms = 200}, "poll"},
    {"held 300 ms with no known RTT",
     {.response_ms = 300, .rtt_ms = -1, .repeats = 1, .reask_ms = -1}, "longpoll"},
    /* re-asking at once */
    {"re-asked just under the limit", {AT_ONCE, .repeats = 2, .reask_ms = CLASSIFY_REASK_MS - 1},
     "longpoll"},
    {"re-asked at the limit", {AT_ONCE, .repeats = 2, .reask_ms = CLASSIFY_REASK_MS}, "poll"},
    {"answered at once after held answers", {AT_ONCE, .repeats = 4, .held_before = 2}, "longpoll"},
    {"repeated, no earlier answer timed", {AT_ONCE, .repeats = 3}, "poll"},
    /* an answer without a body (HEAD, 204, 304) brings no news */
    {"a bodiless answer re-asked at once", {AT_ONCE, .bodiless = true, .repeats = 2, .reask_ms = 1},
     "http"},
    {"a bodiless answer repeated later", {AT_ONCE, .bodiless = true, .repeats = 5, .reask_ms = 900},
     "http"},
    {"a bodiless answer held long", {HELD(900), .bodiless = true}, "http"},
};

START_TEST(exchange_named)
{
    const struct named *n = &NAMED[_i];
    char why[160] = "";
    enum technique got = classify_exchange(&n->f, why, sizeof why);
    ck_assert_msg(strcmp(technique_name(got), n->want) == 0, "%s: %s, want %s", n->why,
                  technique_name(got), n->want);
    ck_assert_msg(why[0] != '\0', "%s: no explanation", n->why);
}
END_TEST

/* The explanation carries the numbers it was decided by. */
START_TEST(why_has_numbers)
{
    char why[160];
    struct exchange_facts f = {HELD(30200)};
    f.rtt_ms = 100;
    classify_exchange(&f, why, sizeof why);
    ck_assert_msg(strstr(why, "30200 ms") && strstr(why, "302 RTTs"), "%s", why);
    struct exchange_facts s = {AT_ONCE, .sent_bytes = 42};
    classify_exchange(&s, why, sizeof why);
    ck_assert_msg(strstr(why, "42 bytes"), "%s", why);
    char tiny[8];
    classify_exchange(&f, tiny, sizeof tiny); /* cut, still terminated */
    ck_assert_uint_eq(strlen(tiny), sizeof tiny - 1);
}
END_TEST

/* The numbers in an explanation read exactly as printf's %.0f and %.1f
 * would write them (classify_exchange writes them itself, for speed):
 * halves that are exact in binary go to the even neighbour, others by
 * their exact binary value; negative zero keeps its sign. */
START_TEST(why_numbers_as_printf)
{
    static const double values[] = {0, 1.25, 1.35, 0.05, 0.15, 2.5, 3.5, 0.45, 12.75, 99.95, 1e-9,
                                    1234567.85, 0.999999, 9.96, 1.0 / 3, 2.0 / 3, 1e12 + 0.25};
    double more[2000];
    size_t n = 0;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        more[n++] = values[i];
    uint64_t x = 0x9E3779B97F4A7C15u;
    while (n < sizeof more / sizeof more[0]) { /* nanosecond counts, as captures give them */
        x = x * 6364136223846793005u + 1442695040888963407u;
        more[n++] = (double)(x >> 24 & 0xFFFFFFFu) / 1e6; /* up to 268 ms */
    }
    for (size_t i = 0; i < n; i++) {
        char why[160], want[160];
        double v = more[i];
        struct exchange_facts f = {HELD(v + VIZ_LONGPOLL_HOLD_MS)};
        f.rtt_ms = 3;
        classify_exchange(&f, why, sizeof why);
        snprintf(want, sizeof want, "held %.0f ms = %.0f RTTs before the first byte",
                 v + VIZ_LONGPOLL_HOLD_MS, (v + VIZ_LONGPOLL_HOLD_MS) / 3);
        ck_assert_str_eq(why, want);
        if (v >= CLASSIFY_REASK_MS)
            continue; /* below: not held, and re-asked within the limit as well */
        f = (struct exchange_facts){.response_ms = v, .rtt_ms = 0.1, .repeats = 3, .reask_ms = v + 150};
        classify_exchange(&f, why, sizeof why);
        snprintf(want, sizeof want, "request 3 for this resource, %.0f ms after the previous answer, "
                 "answered in %.1f ms", v + 150, v);
        ck_assert_str_eq(why, want);
        f.reask_ms = v;
        classify_exchange(&f, why, sizeof why);
        snprintf(want, sizeof want, "asked again %.1f ms after the previous answer, answered in %.1f ms: "
                 "a long poll that found news waiting", v, v);
        ck_assert_str_eq(why, want);
    }
}
END_TEST

/* A flow is named by its push exchanges: the most frequent, ties to the
 * stronger sign; "http" without any; "unknown" without HTTP. */
START_TEST(flow_by_push_exchanges)
{
    struct classifier *c = classifier_new();
    struct flow_traits t = {0};
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "unknown");
    t.requests = 3;
    t.exchanges[TECH_HTTP] = 3; /* a page, a script, a send */
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "http");
    t.exchanges[TECH_IFRAME] = 1; /* then a chunked page... */
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "iframe");
    t.exchanges[TECH_LONGPOLL] = 5; /* ...and long polls on the same connection */
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "longpoll");
    t.exchanges[TECH_XHR] = 5; /* a tie goes to the stronger sign */
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "xhr");
    t.flash = true;
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "flash");
    free(c);
}
END_TEST

/* A poller that opens a new connection per request: each flow has one
 * request, and the repetition is seen across flows, per server and path. */
START_TEST(lone_get_may_repeat)
{
    struct classifier *c = classifier_new();
    struct flow_traits t = {.requests = 1};
    t.exchanges[TECH_HTTP] = 1;
    t.path_key = classify_path_key(SERVER, "/poll", 5);
    classify_note_request(c, t.path_key);
    ck_assert(classify_may_repeat(c, &t));
    ck_assert(!classify_repeated(c, &t));
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "http");

    struct flow_traits post = t; /* no GET without a body (a flow of sends): not a poll */
    post.path_key = 0;
    ck_assert(!classify_may_repeat(c, &post));
    struct flow_traits sse = t; /* named by its exchange */
    sse.exchanges[TECH_SSE] = 1;
    ck_assert(!classify_may_repeat(c, &sse));

    /* the same path on another server is another count */
    struct flow_traits other = t;
    other.path_key = classify_path_key("127.0.0.1:9999", "/poll", 5);
    classify_note_request(c, other.path_key);

    classify_note_request(c, t.path_key); /* the poller's next request */
    ck_assert(classify_repeated(c, &t));
    ck_assert(!classify_may_repeat(c, &t));
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "poll");
    classify_note_held(c, t.path_key); /* its later answers were held */
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "longpoll");
    t.path_javascript = true;
    ck_assert_str_eq(technique_name(classify_flow(c, &t)), "jsonp");
    ck_assert(!classify_repeated(c, &other));
    free(c);
}
END_TEST

/* Holds and answer times are remembered per key. */
START_TEST(holds_and_answers_per_key)
{
    struct classifier *c = classifier_new();
    uint64_t a = classify_path_key(SERVER, "/a", 2), b = classify_path_key(SERVER, "/b", 2);
    classify_note_held(c, a); /* not requested yet: nothing to note it on */
    ck_assert_uint_eq(classify_holds(c, a), 0);
    classify_note_request(c, a);
    classify_note_request(c, b);
    classify_note_held(c, a);
    classify_note_answer(c, a, 1234);
    ck_assert_uint_eq(classify_holds(c, a), 1);
    ck_assert_uint_eq(classify_holds(c, b), 0);
    ck_assert_int_eq(classify_answered_ns(c, a), 1234);
    ck_assert_int_eq(classify_answered_ns(c, b), 0);
    free(c);
}
END_TEST

/* A new pair whose slots are all taken replaces the pair of those slots
 * asked for longest ago, and is counted from then on; the others keep
 * their counts. */
START_TEST(full_slots_give_way_to_the_least_recent)
{
    struct classifier *c = classifier_new();
    uint64_t home = 77, key[CLASSIFY_PROBES + 1];
    for (unsigned i = 0; i <= CLASSIFY_PROBES; i++)
        key[i] = home + (uint64_t)i * CLASSIFY_SLOTS; /* all with one home */
    for (unsigned i = 0; i < CLASSIFY_PROBES; i++)
        classify_note_request(c, key[i]);
    classify_note_request(c, key[0]); /* asked again: key[1] is now the least recent */
    classify_note_held(c, key[1]);
    classify_note_request(c, key[CLASSIFY_PROBES]);
    classify_note_request(c, key[CLASSIFY_PROBES]);
    ck_assert_uint_eq(classify_requests(c, key[CLASSIFY_PROBES]), 2);
    ck_assert_uint_eq(classify_holds(c, key[CLASSIFY_PROBES]), 0); /* key[1]'s hold went with it */
    ck_assert_uint_eq(classify_requests(c, key[1]), 0);
    ck_assert_uint_eq(classify_requests(c, key[0]), 2);
    for (unsigned i = 2; i < CLASSIFY_PROBES; i++)
        ck_assert_uint_eq(classify_requests(c, key[i]), 1);
    /* Other homes are untouched: a key elsewhere still finds a free slot. */
    classify_note_request(c, home + 1000);
    ck_assert_uint_eq(classify_requests(c, home + 1000), 1);
    free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("classify");
    tcase_add_test(tc, path_keys);
    tcase_add_loop_test(tc, exchange_named, 0, sizeof NAMED / sizeof NAMED[0]);
    tcase_add_test(tc, why_has_numbers);
    tcase_add_test(tc, flow_by_push_exchanges);
    tcase_add_test(tc, lone_get_may_repeat);
    tcase_add_test(tc, holds_and_answers_per_key);
    tcase_add_test(tc, full_slots_give_way_to_the_least_recent);
    tcase_add_test(tc, why_numbers_as_printf);
    suite_add_tcase(s, tc);
    return check_run(s);
}

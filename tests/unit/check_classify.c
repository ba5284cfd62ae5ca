/* check_classify.c -- naming a flow's push technique from what the
 * dissector saw (classify.h): each technique's signs, the order in which
 * they win, short and long polling told apart by how long answers are held
 * and by repetition (within a flow and across flows), and the path keys
 * that repetition is counted by. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "pushlab.h"

#define SERVER "127.0.0.1:8001"

static struct classifier *classifier_new(void)
{
    struct classifier *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* Traits of a flow of n requests to one path, each answered at once. */
static struct flow_traits requests_to(const char *path, unsigned n)
{
    struct flow_traits t = {0};
    t.requests = t.responses = t.same_path = n;
    t.path_key = classify_path_key(SERVER, path, strlen(path));
    return t;
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

START_TEST(each_technique_by_its_sign)
{
    struct classifier *c = classifier_new();
    struct flow_traits t = requests_to("/ws", 1);
    t.websocket = true;
    ck_assert_str_eq(classify_flow(c, &t), "ws");

    t = (struct flow_traits){0}; /* no HTTP at all */
    t.flash = true;
    ck_assert_str_eq(classify_flow(c, &t), "flash");

    t = requests_to("/events", 1);
    t.event_stream = true;
    t.streams = 1;
    ck_assert_str_eq(classify_flow(c, &t), "sse");

    t = requests_to("/multipart", 1);
    t.multipart = true;
    ck_assert_str_eq(classify_flow(c, &t), "multipart");

    t = requests_to("/iframe", 1);
    t.streams = 1;
    t.html_stream = true;
    ck_assert_str_eq(classify_flow(c, &t), "iframe");

    t = requests_to("/xhr", 1);
    t.streams = 1;
    t.events = 3;
    ck_assert_str_eq(classify_flow(c, &t), "xhr");

    t = requests_to("/jsonp", 3);
    t.javascript = true;
    ck_assert_str_eq(classify_flow(c, &t), "jsonp");

    t = requests_to("/poll", 3);
    ck_assert_str_eq(classify_flow(c, &t), "poll");

    t = requests_to("/longpoll", 2);
    t.held = 2;
    ck_assert_str_eq(classify_flow(c, &t), "longpoll");
    free(c);
}
END_TEST

START_TEST(stronger_signs_win)
{
    struct classifier *c = classifier_new();
    /* an upgrade answered, then frames: the HTTP before it does not count */
    struct flow_traits t = requests_to("/ws", 1);
    t.websocket = true;
    t.javascript = true;
    t.streams = 1;
    ck_assert_str_eq(classify_flow(c, &t), "ws");
    /* an event stream is streamed and carries events, but it is SSE */
    t = requests_to("/events", 1);
    t.event_stream = true;
    t.streams = 1;
    t.events = 5;
    t.held = 1;
    ck_assert_str_eq(classify_flow(c, &t), "sse");
    /* a multipart body sent chunked, carrying events, is still multipart */
    t = requests_to("/multipart", 1);
    t.multipart = true;
    t.streams = 1;
    t.events = 2;
    ck_assert_str_eq(classify_flow(c, &t), "multipart");
    /* a streamed page carrying events is an iframe, not XHR streaming */
    t = requests_to("/iframe", 1);
    t.streams = 1;
    t.html_stream = true;
    t.events = 2;
    ck_assert_str_eq(classify_flow(c, &t), "iframe");
    free(c);
}
END_TEST

START_TEST(short_and_long_polling_by_hold_time)
{
    struct classifier *c = classifier_new();
    struct flow_traits t = requests_to("/updates", 4);
    ck_assert_str_eq(classify_flow(c, &t), "poll");
    t.held = 1; /* one answer in four held: still short polling */
    ck_assert_str_eq(classify_flow(c, &t), "poll");
    t.held = 2; /* half of them held */
    ck_assert_str_eq(classify_flow(c, &t), "longpoll");
    t.held = 4;
    ck_assert_str_eq(classify_flow(c, &t), "longpoll");
    /* one request held open until the capture ended: no answer to judge by */
    t = requests_to("/updates", 1);
    t.responses = 0;
    ck_assert_str_eq(classify_flow(c, &t), "http");
    /* a single held answer is a long poll even without repetition */
    t.responses = t.held = 1;
    ck_assert_str_eq(classify_flow(c, &t), "longpoll");
    /* JSONP answered after a hold is long polling too */
    t.javascript = true;
    ck_assert_str_eq(classify_flow(c, &t), "longpoll");
    free(c);
}
END_TEST

START_TEST(short_polling_needs_repetition)
{
    struct classifier *c = classifier_new();
    /* one request answered at once is plain HTTP */
    struct flow_traits t = requests_to("/poll", 1);
    ck_assert_str_eq(classify_flow(c, &t), "http");
    t.javascript = true;
    ck_assert_str_eq(classify_flow(c, &t), "http");
    /* several requests, but each for another path: not a poller either */
    t = requests_to("/a", 3);
    t.same_path = 1;
    ck_assert_str_eq(classify_flow(c, &t), "http");
    /* a repeated request whose answers stream is not polling */
    t = requests_to("/download", 2);
    t.streams = 1;
    ck_assert_str_eq(classify_flow(c, &t), "http");
    free(c);
}
END_TEST

/* A poller that opens a new connection per request: each flow has one
 * request, and the repetition is seen across flows, per server and path. */
START_TEST(repetition_counts_across_flows)
{
    struct classifier *c = classifier_new();
    struct flow_traits t = requests_to("/poll", 1);
    classify_note_request(c, t.path_key);
    ck_assert_str_eq(classify_flow(c, &t), "http"); /* the first one alone */
    classify_note_request(c, t.path_key);
    ck_assert_str_eq(classify_flow(c, &t), "poll");
    t.javascript = true;
    ck_assert_str_eq(classify_flow(c, &t), "jsonp");

    /* the same path on another server is another count */
    struct flow_traits other = {0};
    other.requests = other.responses = other.same_path = 1;
    other.path_key = classify_path_key("127.0.0.1:9999", "/poll", 5);
    classify_note_request(c, other.path_key);
    ck_assert_str_eq(classify_flow(c, &other), "http");
    free(c);
}
END_TEST

START_TEST(unknown_without_http)
{
    struct classifier *c = classifier_new();
    struct flow_traits t = {0};
    ck_assert_str_eq(classify_flow(c, &t), "unknown");
    t.events = 2; /* events in an unknown protocol are not a technique */
    ck_assert_str_eq(classify_flow(c, &t), "unknown");
    free(c);
}
END_TEST

/* When every slot is taken, new (server, path) pairs are no longer counted
 * (a flow's own repetition still is), and nothing breaks. */
START_TEST(full_table_stops_counting)
{
    struct classifier *c = classifier_new();
    for (uint64_t key = 1; key <= CLASSIFY_SLOTS; key++)
        classify_note_request(c, key);
    uint64_t late = CLASSIFY_SLOTS + 1;
    classify_note_request(c, late);
    classify_note_request(c, late);
    struct flow_traits t = {0};
    t.requests = t.responses = t.same_path = 1;
    t.path_key = late;
    ck_assert_str_eq(classify_flow(c, &t), "http");
    t.path_key = 1; /* counted once before the table filled */
    ck_assert_str_eq(classify_flow(c, &t), "http");
    classify_note_request(c, 1);
    ck_assert_str_eq(classify_flow(c, &t), "poll");
    t.path_key = late;
    t.requests = t.responses = t.same_path = 2;
    ck_assert_str_eq(classify_flow(c, &t), "poll");
    free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("classify");
    tcase_add_test(tc, path_keys);
    tcase_add_test(tc, each_technique_by_its_sign);
    tcase_add_test(tc, stronger_signs_win);
    tcase_add_test(tc, short_and_long_polling_by_hold_time);
    tcase_add_test(tc, short_polling_needs_repetition);
    tcase_add_test(tc, repetition_counts_across_flows);
    tcase_add_test(tc, unknown_without_http);
    tcase_add_test(tc, full_table_stops_counting);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

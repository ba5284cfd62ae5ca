/* check_classify.c -- naming a flow's push technique from what the
 * dissector saw (classify.h): each technique's signs, the order in which
 * they win, short and long polling told apart by how long answers are held
 * and by repetition (within a flow and across flows), which flows may yet
 * be seen to repeat, and the path keys that repetition is counted by. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "pushlab.h"

#define SERVER "127.0.0.1:8001"

static struct classifier *classifier_new(void)
{
    struct classifier *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* Traits of a flow of one request to server and path, answered at once. */
static struct flow_traits one_request(const char *server, const char *path)
{
    struct flow_traits t = {0};
    t.requests = t.responses = t.same_path = 1;
    t.path_key = classify_path_key(server, path, strlen(path));
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

/* Traits of one flow and the name they must get (with an empty
 * classifier: no repetition across flows). */
struct named {
    const char *why;
    struct flow_traits t;
    const char *want;
};

/* Shorthands: n requests to one path, each answered. */
#define ONE .requests = 1, .responses = 1, .same_path = 1
#define REPEATED(n) .requests = n, .responses = n, .same_path = n

static const struct named NAMED[] = {
    /* each technique by its sign */
    {"a 101 upgrade", {ONE, .websocket = true}, "ws"},
    {"Flash messages, no HTTP", {.flash = true}, "flash"},
    {"a text/event-stream answer", {ONE, .event_stream = true, .streams = 1}, "sse"},
    {"a multipart/x-mixed-replace answer", {ONE, .multipart = true}, "multipart"},
    {"a streamed text/html page", {ONE, .streams = 1, .html_stream = true}, "iframe"},
    {"another streamed body with events", {ONE, .streams = 1, .events = 3}, "xhr"},
    {"repeated JavaScript answers", {REPEATED(3), .javascript = true}, "jsonp"},
    {"repeated answers at once", {REPEATED(3)}, "poll"},
    {"held answers", {REPEATED(2), .held = 2}, "longpoll"},
    /* stronger signs win */
    {"HTTP before an upgrade does not count",
     {ONE, .websocket = true, .javascript = true, .streams = 1}, "ws"},
    {"an event stream streams and carries events, but is SSE",
     {ONE, .event_stream = true, .streams = 1, .events = 5, .held = 1}, "sse"},
    {"a chunked multipart body with events is multipart",
     {ONE, .multipart = true, .streams = 1, .events = 2}, "multipart"},
    {"a streamed page with events is an iframe",
     {ONE, .streams = 1, .html_stream = true, .events = 2}, "iframe"},
    /* short and long polling by hold time */
    {"one answer in four held", {REPEATED(4), .held = 1}, "poll"},
    {"half of the answers held", {REPEATED(4), .held = 2}, "longpoll"},
    {"every answer held", {REPEATED(4), .held = 4}, "longpoll"},
    {"a single held answer, no repetition needed", {ONE, .held = 1}, "longpoll"},
    {"held JSONP is long polling", {ONE, .held = 1, .javascript = true}, "longpoll"},
    {"a request never answered", {.requests = 1, .same_path = 1}, "http"},
    /* short polling needs repetition */
    {"one request answered at once", {ONE}, "http"},
    {"one JavaScript answer", {ONE, .javascript = true}, "http"},
    {"requests for different paths", {.requests = 3, .responses = 3, .same_path = 1}, "http"},
    {"a repeated request whose answers stream", {REPEATED(2), .streams = 1}, "http"},
    /* no HTTP */
    {"nothing recognised", {0}, "unknown"},
    {"events in an unknown protocol", {.events = 2}, "unknown"},
};

START_TEST(named_by_traits)
{
    const struct named *n = &NAMED[_i];
    struct classifier *c = classifier_new();
    const char *got = classify_flow(c, &n->t);
    ck_assert_msg(strcmp(got, n->want) == 0, "%s: %s, want %s", n->why, got, n->want);
    free(c);
}
END_TEST

/* A poller that opens a new connection per request: each flow has one
 * request, and the repetition is seen across flows, per server and path. */
START_TEST(repetition_counts_across_flows)
{
    struct classifier *c = classifier_new();
    struct flow_traits t = one_request(SERVER, "/poll");
    classify_note_request(c, t.path_key);
    ck_assert_str_eq(classify_flow(c, &t), "http"); /* the first one alone */
    classify_note_request(c, t.path_key);
    ck_assert_str_eq(classify_flow(c, &t), "poll");
    t.javascript = true;
    ck_assert_str_eq(classify_flow(c, &t), "jsonp");

    /* the same path on another server is another count */
    struct flow_traits other = one_request("127.0.0.1:9999", "/poll");
    classify_note_request(c, other.path_key);
    ck_assert_str_eq(classify_flow(c, &other), "http");
    free(c);
}
END_TEST

/* Which finished flows may be a poller's first connection, worth waiting
 * for (flows.c holds their item back), and when their path has repeated. */
START_TEST(lone_get_may_repeat)
{
    struct classifier *c = classifier_new();
    struct flow_traits t = one_request(SERVER, "/poll");
    t.first_get = true;
    classify_note_request(c, t.path_key);
    ck_assert(classify_may_repeat(c, &t));
    ck_assert(!classify_repeated(c, &t));

    struct flow_traits post = t; /* a POST sends something: not a poll */
    post.first_get = false;
    ck_assert(!classify_may_repeat(c, &post));
    struct flow_traits two = t; /* repeated in its own flow: already poll */
    two.requests = two.same_path = 2;
    ck_assert(!classify_may_repeat(c, &two));
    struct flow_traits sse = t; /* named by something else than repetition */
    sse.event_stream = true;
    ck_assert(!classify_may_repeat(c, &sse));

    classify_note_request(c, t.path_key); /* the poller's next request */
    ck_assert(classify_repeated(c, &t));
    ck_assert(!classify_may_repeat(c, &t));
    ck_assert_str_eq(classify_flow(c, &t), "poll");
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
    tcase_add_loop_test(tc, named_by_traits, 0, sizeof NAMED / sizeof NAMED[0]);
    tcase_add_test(tc, repetition_counts_across_flows);
    tcase_add_test(tc, lone_get_may_repeat);
    tcase_add_test(tc, full_table_stops_counting);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

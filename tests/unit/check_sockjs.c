/* check_sockjs.c -- SockJS frames (sockjs.h) and JSON string extents
 * (json.h): each frame letter, the xhr_streaming prelude, arrays split into
 * their messages with escapes kept, the close frame's code, the client's
 * letterless arrays, and every malformed frame refused with a reason. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "check_codec.h"
#include "proto/json.h"
#include "proto/sockjs.h"

static struct sockjs_frame parse_ok(const char *s)
{
    struct sockjs_frame f;
    CHECK_PARSES(sockjs_frame_parse, s, &f);
    return f;
}

/* The elements of an array body, joined by '|'. */
static void elements(struct slice body, char *out, size_t cap)
{
    size_t pos = 0, used = 0;
    struct slice e;
    out[0] = '\0';
    while (sockjs_array_next(body, &pos, &e, NULL) == 1) {
        ck_assert_uint_lt(used + e.len + 2, cap);
        if (used)
            out[used++] = '|';
        memcpy(out + used, e.ptr, e.len);
        used += e.len;
        out[used] = '\0';
    }
}

START_TEST(each_frame_letter)
{
    ck_assert_int_eq(parse_ok("o").kind, SOCKJS_OPEN);
    ck_assert_int_eq(parse_ok("h").kind, SOCKJS_HEARTBEAT);
    struct sockjs_frame a = parse_ok("a[\"tick 1\",\"tick 2\"]");
    ck_assert_int_eq(a.kind, SOCKJS_ARRAY);
    char got[128];
    elements(a.body, got, sizeof got);
    ck_assert_str_eq(got, "\"tick 1\"|\"tick 2\"");
    struct sockjs_frame c = parse_ok("c[3000,\"Go away!\"]");
    ck_assert_int_eq(c.kind, SOCKJS_CLOSE);
    elements(c.body, got, sizeof got);
    ck_assert_str_eq(got, "3000|\"Go away!\"");
    struct sockjs_frame s = parse_ok("[\"hello\"]"); /* what xhr_send and a client WebSocket send */
    ck_assert_int_eq(s.kind, SOCKJS_SEND);
    ck_assert_str_eq(sockjs_frame_name(SOCKJS_SEND), "send");
    ck_assert_str_eq(sockjs_frame_name(SOCKJS_ARRAY), "array");
}
END_TEST

START_TEST(prelude_is_a_run_of_heartbeats)
{
    char prelude[SOCKJS_PRELUDE_LEN];
    memset(prelude, 'h', sizeof prelude);
    struct sockjs_frame f;
    ck_assert_int_eq(sockjs_frame_parse(prelude, sizeof prelude, &f, NULL), 0);
    ck_assert_int_eq(f.kind, SOCKJS_HEARTBEAT);
    prelude[100] = 'x';
    ck_assert_int_eq(sockjs_frame_parse(prelude, sizeof prelude, &f, NULL), PROTO_ERROR);
}
END_TEST

START_TEST(escapes_and_space_are_kept_as_sent)
{
    struct sockjs_frame a = parse_ok("a[ \"say \\\"hi\\\"\" , \"\\u00e9]\" ]");
    char got[128];
    elements(a.body, got, sizeof got);
    ck_assert_str_eq(got, "\"say \\\"hi\\\"\"|\"\\u00e9]\"");
    struct sockjs_frame empty = parse_ok("a[]");
    elements(empty.body, got, sizeof got);
    ck_assert_str_eq(got, "");
}
END_TEST

START_TEST(malformed_frames_are_refused)
{
    static const char *const bad[] = {
        "", "x", "oo", "hx", "a", "a[", "a[\"x\"", "a[\"x\",]", "a[,\"x\"]", "a[\"x\"]z",
        "a[\"x\" \"y\"]", "a[{}]", "a[\"\x01\"]", "c", "[", "a[\"open", "a[true]",
    };
    CHECK_ALL_REFUSED(sockjs_frame_parse, struct sockjs_frame, bad);
}
END_TEST

/* Cut short anywhere, a good array frame is refused, never read past. */
START_TEST(every_prefix_of_an_array_is_refused)
{
    const char *s = "a[\"one\",\"t\\\"wo\",\"3\"]";
    for (size_t n = 1; n < strlen(s); n++) {
        struct sockjs_frame f;
        ck_assert_msg(sockjs_frame_parse(s, n, &f, NULL) == PROTO_ERROR, "prefix %zu", n);
    }
}
END_TEST

START_TEST(json_string_extent)
{
    ck_assert_int_eq(json_string_len("\"ab\"cd", 6), 4);
    ck_assert_int_eq(json_string_len("\"a\\\"b\"", 6), 6);
    ck_assert_int_eq(json_string_len("\"a\\\\\"", 5), 5);
    ck_assert_int_eq(json_string_len("\"abc", 4), PROTO_PARTIAL);
    ck_assert_int_eq(json_string_len("\"a\\", 3), PROTO_PARTIAL);
    ck_assert_int_eq(json_string_len("", 0), PROTO_PARTIAL);
    ck_assert_int_eq(json_string_len("abc\"", 4), PROTO_ERROR);
    ck_assert_int_eq(json_string_len("\"a\nb\"", 5), PROTO_ERROR);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sockjs");
    TCase *tc = tcase_create("sockjs");
    tcase_add_test(tc, each_frame_letter);
    tcase_add_test(tc, prelude_is_a_run_of_heartbeats);
    tcase_add_test(tc, escapes_and_space_are_kept_as_sent);
    tcase_add_test(tc, malformed_frames_are_refused);
    tcase_add_test(tc, every_prefix_of_an_array_is_refused);
    tcase_add_test(tc, json_string_extent);
    suite_add_tcase(s, tc);
    return check_run(s);
}

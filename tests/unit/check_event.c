/* check_event.c -- the pushlab event object: the exact bytes event_write
 * makes (escaping for JSON, HTML <script> and JSONP; invalid UTF-8), and
 * event_find reading them back out of every kind of payload, strictly,
 * from truncated buffers, and never past the given length. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_run.h"
#include "proto/event.h"

/* The JSON event_write makes, as a C string (texts here hold no NUL). */
static const char *written(uint64_t seq, int64_t ts, enum event_kind kind, const char *text)
{
    static char out[1024];
    size_t n = event_write(out, sizeof out - 1, seq, ts, kind, text, strlen(text));
    ck_assert_uint_lt(n, sizeof out);
    out[n] = '\0';
    return out;
}

/* The "text" value as written, between its quotes. */
static const char *escaped(const char *text)
{
    static char value[1024];
    const char *json = written(1, 2, EVENT_CHAT, text);
    const char *open = json + strlen("{\"seq\":1,\"ts\":2,\"kind\":\"chat\",\"text\":\"");
    size_t n = strlen(open) - 2; /* drop the closing "} */
    memcpy(value, open, n);
    value[n] = '\0';
    return value;
}

/* ---- writing ---- */

START_TEST(writes_the_contract_form)
{
    ck_assert_str_eq(written(1, 1700000000123, EVENT_TICK, "tick 1"),
                     "{\"seq\":1,\"ts\":1700000000123,\"kind\":\"tick\",\"text\":\"tick 1\"}");
    ck_assert_str_eq(written(UINT64_MAX, INT64_MIN, EVENT_CHAT, ""),
                     "{\"seq\":18446744073709551615,\"ts\":-9223372036854775808,"
                     "\"kind\":\"chat\",\"text\":\"\"}");
    ck_assert_str_eq(event_kind_name(EVENT_TICK), "tick");
    ck_assert_str_eq(event_kind_name(EVENT_CHAT), "chat");
}
END_TEST

START_TEST(escapes_json_specials_and_control_characters)
{
    ck_assert_str_eq(escaped("say \"hi\" \\o/"), "say \\\"hi\\\" \\\\o/");
    ck_assert_str_eq(escaped("a\nb\tc\x01\x1f\x7f"), "a\\u000ab\\u0009c\\u0001\\u001f\x7f");
}
END_TEST

START_TEST(escapes_what_would_break_a_script_element)
{
    ck_assert_str_eq(escaped("</script><!--&"), "\\u003c/script\\u003e\\u003c!--\\u0026");
    /* U+2028 and U+2029 ended a JavaScript string literal before ES2019 */
    ck_assert_str_eq(escaped("a\xE2\x80\xA8" "b\xE2\x80\xA9"), "a\\u2028b\\u2029");
    /* their neighbours are ordinary text */
    ck_assert_str_eq(escaped("\xE2\x80\xA7\xE2\x80\xAA"), "\xE2\x80\xA7\xE2\x80\xAA");
    ck_assert_str_eq(escaped("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}
END_TEST

START_TEST(invalid_utf8_becomes_replacement_characters)
{
#define FFFD "\xEF\xBF\xBD"
    ck_assert_str_eq(escaped("a\xFF" "b"), "a" FFFD "b");
    ck_assert_str_eq(escaped("\xE2\x82"), FFFD);             /* cut short: one maximal subpart */
    ck_assert_str_eq(escaped("\xE2\x82" "A"), FFFD "A");
    ck_assert_str_eq(escaped("\xC0\xAF"), FFFD FFFD);        /* overlong '/' */
    ck_assert_str_eq(escaped("\xE0\x80\xAF"), FFFD FFFD FFFD);
    ck_assert_str_eq(escaped("\xF0\x80\x80\xAF"), FFFD FFFD FFFD FFFD);
    ck_assert_str_eq(escaped("\xE0\xA0\x80\xF0\x90\x80\x80"), "\xE0\xA0\x80\xF0\x90\x80\x80");
    ck_assert_str_eq(escaped("\xED\xA0\x80"), FFFD FFFD FFFD); /* a surrogate */
    ck_assert_str_eq(escaped("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD); /* above U+10FFFF */
    ck_assert_str_eq(escaped("\x80<"), FFFD "\\u003c");
#undef FFFD
}
END_TEST

START_TEST(write_follows_the_snprintf_contract)
{
    char out[128];
    const char *text = "x<y";
    size_t need = event_write(NULL, 0, 5, 6, EVENT_CHAT, text, 3);
    ck_assert_uint_eq(need, strlen("{\"seq\":5,\"ts\":6,\"kind\":\"chat\",\"text\":\"x\\u003cy\"}"));
    memset(out, '#', sizeof out);
    ck_assert_uint_eq(event_write(out, need - 1, 5, 6, EVENT_CHAT, text, 3), need);
    for (size_t i = need - 1; i < sizeof out; i++)
        ck_assert_int_eq(out[i], '#');
    ck_assert_uint_eq(event_write(out, need, 5, 6, EVENT_CHAT, text, 3), need);
    ck_assert_int_eq(out[need - 1], '}');
    ck_assert_int_eq(out[need], '#');
}
END_TEST

/* ---- finding ---- */

START_TEST(write_then_find_round_trips)
{
    static const char *texts[] = {"", "plain", "q\"b\\s/", "ctl\x01\n\r\t\b\f", "<b>&amp;</b>",
                                  "\xE2\x80\xA8\xE2\x80\xA9", "\xC3\xA9\xF0\x9F\x98\x80\xE4\xB8\xAD"};
    static const int64_t times[] = {0, 1700000000123, -1, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        for (size_t k = 0; k < sizeof times / sizeof *times; k++) {
            char json[256], text[64];
            uint64_t seq = i * 1000 + k;
            size_t n = event_write(json, sizeof json, seq, times[k], i % 2 ? EVENT_CHAT : EVENT_TICK,
                                   texts[i], strlen(texts[i]));
            struct event_view ev;
            ck_assert_int_eq(event_find(json, n, &ev, text, sizeof text), (long)n);
            ck_assert_uint_eq(ev.seq, seq);
            ck_assert_int_eq(ev.ts_ms, times[k]);
            ck_assert_int_eq(ev.kind, i % 2 ? EVENT_CHAT : EVENT_TICK);
            ck_assert_uint_eq(ev.start, 0);
            ck_assert_uint_eq(ev.end, n);
            ck_assert_uint_eq(ev.text_len, strlen(texts[i]));
            ck_assert_str_eq(text, texts[i]);
        }
    }
}
END_TEST

/* seq and ts at the edges of 64 bits: the largest values are found, one
 * more is not an event (event.c, integer: a digit that would pass max). */
START_TEST(numbers_at_the_edges_of_64_bits)
{
    static const uint64_t seqs[] = {9, 10, 999999999999999999u, 1000000000000000000u, 9999999999999999999u,
                                    10000000000000000000u, 18446744073709551614u, UINT64_MAX};
    for (size_t i = 0; i < sizeof seqs / sizeof *seqs; i++) {
        char json[128], text[8];
        size_t n = event_write(json, sizeof json, seqs[i], INT64_MAX - (int64_t)i, EVENT_TICK, "", 0);
        struct event_view ev;
        ck_assert_int_eq(event_find(json, n, &ev, text, sizeof text), (long)n);
        ck_assert_uint_eq(ev.seq, seqs[i]);
        ck_assert_int_eq(ev.ts_ms, INT64_MAX - (int64_t)i);
    }
    static const char *too_big[] = {
        "{\"seq\":18446744073709551616,\"ts\":2,\"kind\":\"tick\",\"text\":\"\"}",  /* 2^64 */
        "{\"seq\":20000000000000000000,\"ts\":2,\"kind\":\"tick\",\"text\":\"\"}",  /* 20 digits */
        "{\"seq\":99999999999999999999,\"ts\":2,\"kind\":\"tick\",\"text\":\"\"}",
        "{\"seq\":100000000000000000000,\"ts\":2,\"kind\":\"tick\",\"text\":\"\"}", /* 21 digits */
        "{\"seq\":1,\"ts\":10000000000000000000,\"kind\":\"tick\",\"text\":\"\"}",
        "{\"seq\":1,\"ts\":-18446744073709551615,\"kind\":\"tick\",\"text\":\"\"}",
    };
    for (size_t i = 0; i < sizeof too_big / sizeof *too_big; i++) {
        struct event_view ev;
        char text[8];
        ck_assert_msg(event_find(too_big[i], strlen(too_big[i]), &ev, text, sizeof text) == 0, "case %zu", i);
    }
}
END_TEST

/* Find every event in a payload; render them as "seq:text;". */
static const char *find_all(const char *buf, size_t len)
{
    static char out[512];
    size_t used = 0, pos = 0;
    out[0] = '\0';
    for (;;) {
        struct event_view ev;
        char text[64];
        long n = event_find(buf + pos, len - pos, &ev, text, sizeof text);
        if (n <= 0)
            break;
        ck_assert_uint_eq(ev.end, (size_t)n);
        used += (size_t)snprintf(out + used, sizeof out - used, "%llu:%s;", (unsigned long long)ev.seq,
                                 text);
        pos += (size_t)n;
    }
    return out;
}

#define FIND_ALL(lit) find_all(lit, sizeof lit - 1)
#define EV(seq, text) "{\"seq\":" #seq ",\"ts\":1700000000000,\"kind\":\"chat\",\"text\":\"" text "\"}"

START_TEST(finds_events_in_every_payload)
{
    ck_assert_str_eq(FIND_ALL("[" EV(1, "a") "," EV(2, "b") "]"), "1:a;2:b;");             /* JSON */
    ck_assert_str_eq(FIND_ALL("cb.x([" EV(3, "c") "]);"), "3:c;");                       /* JSONP */
    ck_assert_str_eq(FIND_ALL("<script>parent.push(" EV(4, "\\u003c") ")</script>"), "4:<;"); /* HTML */
    ck_assert_str_eq(FIND_ALL("id: 5\ndata: " EV(5, "sse") "\n\n"), "5:sse;");            /* SSE */
    ck_assert_str_eq(FIND_ALL(EV(6, "n") "\n" EV(7, "d") "\n"), "6:n;7:d;");             /* NDJSON */
    ck_assert_str_eq(FIND_ALL("\x81\x3c" EV(8, "ws")), "8:ws;");                        /* WS frame */
    ck_assert_str_eq(FIND_ALL("{{{" EV(9, "}{") "}}"), "9:}{;");
}
END_TEST

/* event_scan's callback for the tests: logs "seq:text@start-end;" and
 * stops the scan at seq 99. */
struct scan_log {
    char out[256];
    size_t used;
};

static bool log_event(void *arg, const struct event_view *ev, const char *text)
{
    struct scan_log *log = arg;
    log->used += (size_t)snprintf(log->out + log->used, sizeof log->out - log->used, "%llu:%s@%zu-%zu;",
                                  (unsigned long long)ev->seq, text, ev->start, ev->end);
    return ev->seq != 99;
}

START_TEST(scan_reports_offsets_in_the_whole_buffer_and_keeps_a_partial_event)
{
    const size_t ev_len = sizeof EV(1, "a") - 1; /* every EV(digit, one char) is this long */
    const char two[] = "[" EV(1, "a") "," EV(2, "b") "]";
    char text[16], want[128];
    struct scan_log log = {.used = 0};

    ck_assert_uint_eq(event_scan(two, sizeof two - 1, text, sizeof text, log_event, &log), sizeof two - 1);
    snprintf(want, sizeof want, "1:a@1-%zu;2:b@%zu-%zu;", 1 + ev_len, 2 + ev_len, 2 + 2 * ev_len);
    ck_assert_str_eq(log.out, want);

    /* Cut inside the second event: only the first is handed over, and the
     * bytes from the second one's '{' must be kept. */
    log = (struct scan_log){.used = 0};
    ck_assert_uint_eq(event_scan(two, 2 + ev_len + 5, text, sizeof text, log_event, &log), 2 + ev_len);
    snprintf(want, sizeof want, "1:a@1-%zu;", 1 + ev_len);
    ck_assert_str_eq(log.out, want);

    /* Nothing that can become an event: everything may be dropped. */
    log = (struct scan_log){.used = 0};
    ck_assert_uint_eq(event_scan("no events", 9, text, sizeof text, log_event, &log), 9);
    ck_assert_uint_eq(log.used, 0);
}
END_TEST

START_TEST(scan_stops_when_the_callback_says_so)
{
    const char in[] = EV(99, "s") "\n" EV(3, "c") "\n";
    const size_t first = sizeof EV(99, "s") - 1;
    char text[16], want[64];
    struct scan_log log = {.used = 0};
    ck_assert_uint_eq(event_scan(in, sizeof in - 1, text, sizeof text, log_event, &log), first);
    snprintf(want, sizeof want, "99:s@0-%zu;", first);
    ck_assert_str_eq(log.out, want);
}
END_TEST

START_TEST(every_truncation_is_partial_at_the_brace)
{
    const char whole[] = "xx" EV(12, "\\ud83d\\ude00 tail");
    struct event_view ev;
    char text[64];
    ck_assert_int_eq(event_find(whole, sizeof whole - 1, &ev, text, sizeof text), (long)sizeof whole - 1);
    ck_assert_str_eq(text, "\xF0\x9F\x98\x80 tail");
    ck_assert_int_eq(event_find(whole, 2, &ev, text, sizeof text), 0);
    for (size_t n = 3; n < sizeof whole - 1; n++) {
        ev.start = 99;
        ck_assert_msg(event_find(whole, n, &ev, text, sizeof text) == PROTO_PARTIAL, "cut at %zu", n);
        ck_assert_uint_eq(ev.start, 2);
    }
}
END_TEST

START_TEST(anything_not_in_the_exact_form_is_not_an_event)
{
    static const char *bad[] = {
        "{\"seq\": 1,\"ts\":2,\"kind\":\"tick\",\"text\":\"\"}",       /* a space */
        "{\"ts\":2,\"seq\":1,\"kind\":\"tick\",\"text\":\"\"}",        /* key order */
        "{\"seq\":01,\"ts\":2,\"kind\":\"tick\",\"text\":\"\"}",       /* leading zero */
        "{\"seq\":1.5,\"ts\":2,\"kind\":\"tick\",\"text\":\"\"}",      /* fraction */
        "{\"seq\":-1,\"ts\":2,\"kind\":\"tick\",\"text\":\"\"}",       /* negative seq */
        "{\"seq\":18446744073709551616,\"ts\":2,\"kind\":\"tick\",\"text\":\"\"}", /* 2^64 */
        "{\"seq\":1,\"ts\":9223372036854775808,\"kind\":\"tick\",\"text\":\"\"}",  /* 2^63 */
        "{\"seq\":1,\"ts\":-9223372036854775809,\"kind\":\"tick\",\"text\":\"\"}",
        "{\"seq\":1,\"ts\":-,\"kind\":\"tick\",\"text\":\"\"}",
        "{\"seq\":1,\"ts\":2,\"kind\":\"tock\",\"text\":\"\"}",        /* unknown kind */
        "{\"seq\":1,\"ts\":2,\"kind\":\"chat\",\"text\":\"a\nb\"}",    /* raw control char */
        "{\"seq\":1,\"ts\":2,\"kind\":\"chat\",\"text\":\"\\x\"}",     /* bad escape */
        "{\"seq\":1,\"ts\":2,\"kind\":\"chat\",\"text\":\"\\u12g4\"}", /* bad hex */
        "{\"seq\":1,\"ts\":2,\"kind\":\"chat\",\"text\":\"\",\"x\":1}", /* another key */
        "{\"seq\":1,\"ts\":2,\"kind\":\"chat\",\"text\":\"\" }",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct event_view ev;
        char text[64];
        ck_assert_msg(event_find(bad[i], strlen(bad[i]), &ev, text, sizeof text) == 0, "case %zu", i);
    }
    /* a broken candidate is skipped and a good one after it is found */
    ck_assert_str_eq(find_all(bad[13], strlen(bad[13])), "");
    ck_assert_str_eq(FIND_ALL("{\"seq\":1,\"ts\":2,\"kind\":\"chat\",\"text\":\"\",\"x\":1}" EV(2, "ok")),
                     "2:ok;");
}
END_TEST

START_TEST(escapes_are_decoded)
{
    ck_assert_str_eq(FIND_ALL(EV(1, "\\\"\\\\\\/\\b\\f\\n\\r\\t")), "1:\"\\/\b\f\n\r\t;");
    ck_assert_str_eq(FIND_ALL(EV(2, "\\u00e9\\u00E9\\u0041")), "2:\xC3\xA9\xC3\xA9" "A;");
    /* a surrogate without its partner becomes U+FFFD; what follows stays */
    ck_assert_str_eq(FIND_ALL(EV(3, "\\ud83dx\\ude00\\ud83d\\u0041")),
                     "3:\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD" "A;");
}
END_TEST

START_TEST(text_is_cut_to_fit_between_code_points)
{
    const char in[] = EV(1, "ab\xC3\xA9" "cd");
    struct event_view ev;
    char text[8];
    memset(text, '#', sizeof text);
    ck_assert_int_eq(event_find(in, sizeof in - 1, &ev, text, 4), (long)sizeof in - 1);
    ck_assert_uint_eq(ev.text_len, 6);
    ck_assert_str_eq(text, "ab"); /* the 2-byte e-acute does not fit in 3 */
    ck_assert_int_eq(text[4], '#');
    ck_assert_int_eq(event_find(in, sizeof in - 1, &ev, NULL, 0), (long)sizeof in - 1);
    ck_assert_uint_eq(ev.text_len, 6);
}
END_TEST

START_TEST(never_reads_past_the_length)
{
    /* Put each prefix right against a page the process may not read: one
     * byte too far and the test dies with SIGSEGV. */
    long page = sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(map != MAP_FAILED);
    ck_assert_int_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0);
    const char whole[] = "x" EV(77, "\\ud83d\\ude00\\u00e9\\n");
    for (size_t n = 0; n <= sizeof whole - 1; n++) {
        char *at = map + page - n;
        memcpy(at, whole, n);
        struct event_view ev;
        char text[32];
        long r = event_find(at, n, &ev, text, sizeof text);
        ck_assert_int_eq(r, n == sizeof whole - 1 ? (long)n : n == 0 || n == 1 ? 0 : PROTO_PARTIAL);
    }
    munmap(map, (size_t)page * 2);
}
END_TEST

static Suite *event_suite(void)
{
    Suite *s = suite_create("event");
    TCase *tc = tcase_create("write");
    tcase_add_test(tc, writes_the_contract_form);
    tcase_add_test(tc, escapes_json_specials_and_control_characters);
    tcase_add_test(tc, escapes_what_would_break_a_script_element);
    tcase_add_test(tc, invalid_utf8_becomes_replacement_characters);
    tcase_add_test(tc, write_follows_the_snprintf_contract);
    suite_add_tcase(s, tc);
    tc = tcase_create("find");
    tcase_add_test(tc, write_then_find_round_trips);
    tcase_add_test(tc, numbers_at_the_edges_of_64_bits);
    tcase_add_test(tc, finds_events_in_every_payload);
    tcase_add_test(tc, every_truncation_is_partial_at_the_brace);
    tcase_add_test(tc, anything_not_in_the_exact_form_is_not_an_event);
    tcase_add_test(tc, escapes_are_decoded);
    tcase_add_test(tc, text_is_cut_to_fit_between_code_points);
    tcase_add_test(tc, never_reads_past_the_length);
    tcase_add_test(tc, scan_reports_offsets_in_the_whole_buffer_and_keeps_a_partial_event);
    tcase_add_test(tc, scan_stops_when_the_callback_says_so);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(event_suite());
}

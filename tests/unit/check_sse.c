/* check_sse.c -- Server-Sent Events: the encoder, and the parser against
 * the WHATWG HTML examples and each rule of "Interpreting an event stream",
 * every input fed whole, split at every point, and one byte at a time. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "proto/sse.h"

/* ---- helpers ---- */

/* Events of a run rendered as "[type|data|#last id|retry|@offset]" with
 * CR, LF and NUL in data shown as \r, \n, \0; "ERROR" ends a failed run. */
struct run {
    char text[8192];
    size_t len;
    int events;
    bool failed;
    const char *why;
};

static void render(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void render(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->text + r->len, sizeof r->text - r->len, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0 && (size_t)n < sizeof r->text - r->len);
    r->len += (size_t)n;
}

static void render_event(struct run *r, const struct sse_event *ev)
{
    render(r, "[%s|", ev->type);
    for (size_t i = 0; i < ev->data_len; i++) {
        char c = ev->data[i];
        if (c == '\n')
            render(r, "\\n");
        else if (c == '\r')
            render(r, "\\r");
        else if (c == '\0')
            render(r, "\\0");
        else
            render(r, "%c", c);
    }
    ck_assert(ev->data[ev->data_len] == '\0');
    render(r, "|#%s|%ld|@%llu]", ev->id, ev->retry_ms, (unsigned long long)ev->offset);
    r->events++;
}

/* Feed in[0..len) to p in pieces: the first `first` bytes, then pieces of
 * `step` bytes (0 = all the rest at once). */
static void feed(struct sse_parser *p, struct run *r, const char *in, size_t len, size_t first,
                 size_t step)
{
    size_t pos = 0;
    while (pos < len && !r->failed) {
        size_t piece = pos == 0 && first > 0 ? first : (step ? step : len - pos);
        if (piece > len - pos)
            piece = len - pos;
        size_t done = 0;
        /* a piece may hold several events: call until it is used up */
        while (done < piece) {
            struct sse_event ev;
            bool dispatched;
            struct proto_err err = {0};
            long n = sse_parse(p, in + pos + done, piece - done, &ev, &dispatched, &err);
            if (n == PROTO_ERROR) {
                ck_assert_ptr_nonnull(err.why);
                r->failed = true;
                r->why = err.why;
                render(r, "ERROR");
                break;
            }
            ck_assert(n > 0 && (size_t)n <= piece - done);
            if (dispatched)
                render_event(r, &ev);
            else
                ck_assert_uint_eq((size_t)n, piece - done); /* stops early only to dispatch */
            done += (size_t)n;
        }
        pos += piece;
    }
}

static char data_buf[4096];

static struct run parse_with(const char *in, size_t len, size_t cap, size_t first, size_t step)
{
    struct sse_parser p;
    struct run r = {0};
    sse_parser_init(&p, data_buf, cap);
    feed(&p, &r, in, len, first, step);
    return r;
}

/* The rendering of in, after checking that whole, every split point and
 * one byte at a time all give the same one. */
static const char *parse_cap(const char *in, size_t len, size_t cap)
{
    static struct run whole;
    whole = parse_with(in, len, cap, 0, 0);
    struct run bytewise = parse_with(in, len, cap, 0, 1);
    ck_assert_str_eq(bytewise.text, whole.text);
    for (size_t cut = 1; cut < len; cut++) {
        struct run split = parse_with(in, len, cap, cut, 0);
        ck_assert_msg(strcmp(split.text, whole.text) == 0, "split at %zu: %s <> %s", cut,
                      split.text, whole.text);
    }
    return whole.text;
}

#define PARSE(lit) parse_cap(lit, sizeof lit - 1, sizeof data_buf)

/* ---- the examples of WHATWG HTML §9.2.6 ---- */

START_TEST(whatwg_stock_example_joins_data_lines)
{
    ck_assert_str_eq(PARSE("data: YHOO\ndata: +2\ndata: 10\n\n"), "[message|YHOO\\n+2\\n10|#|-1|@0]");
}
END_TEST

START_TEST(whatwg_comment_and_id_example)
{
    ck_assert_str_eq(PARSE(": test stream\n\n"
                           "data: first event\nid: 1\n\n"
                           "data:second event\nid\n\n"
                           "data:  third event\n\n"),
                     "[message|first event|#1|-1|@15]"
                     "[message|second event|#|-1|@40]"
                     "[message| third event|#|-1|@62]");
}
END_TEST

START_TEST(whatwg_empty_data_example)
{
    /* "data" alone is an empty data line; the last block never ends */
    ck_assert_str_eq(PARSE("data\n\ndata\ndata\n\ndata:"), "[message||#|-1|@0][message|\\n|#|-1|@6]");
}
END_TEST

START_TEST(whatwg_space_after_colon_is_optional)
{
    ck_assert_str_eq(PARSE("data:test\n\ndata: test\n\n"), "[message|test|#|-1|@0][message|test|#|-1|@11]");
}
END_TEST

START_TEST(whatwg_named_events)
{
    ck_assert_str_eq(PARSE("event: add\ndata: 73857293\n\n"
                           "event: remove\ndata: 2153\n\n"
                           "event: add\ndata: 113411\n\n"),
                     "[add|73857293|#|-1|@0][remove|2153|#|-1|@27][add|113411|#|-1|@53]");
}
END_TEST

/* ---- line ends and the byte order mark ---- */

START_TEST(cr_lf_and_crlf_all_end_lines)
{
    /* every split point includes the one between a CR and its LF */
    ck_assert_str_eq(PARSE("data: a\rdata: b\r\n\r\n"), "[message|a\\nb|#|-1|@0]");
    ck_assert_str_eq(PARSE("data: a\r\r"), "[message|a|#|-1|@0]");
    ck_assert_str_eq(PARSE("data: a\n\rdata: b\r\n\n"), "[message|a|#|-1|@0][message|b|#|-1|@9]");
    ck_assert_str_eq(PARSE("data: a\r\n\r\ndata: b\r\r"), "[message|a|#|-1|@0][message|b|#|-1|@11]");
}
END_TEST

START_TEST(cr_then_lf_in_the_next_buffer_is_one_line_end)
{
    struct sse_parser p;
    struct sse_event ev;
    bool dispatched;
    sse_parser_init(&p, data_buf, sizeof data_buf);
    ck_assert_int_eq(sse_parse(&p, "data: x\r", 8, &ev, &dispatched, NULL), 8);
    ck_assert(!dispatched);
    /* the LF completes the CRLF; only the second CR is a blank line */
    ck_assert_int_eq(sse_parse(&p, "\n\r", 2, &ev, &dispatched, NULL), 2);
    ck_assert(dispatched);
    ck_assert_str_eq(ev.data, "x");
    /* a CR that dispatched, then LF at the start of the next call */
    ck_assert_int_eq(sse_parse(&p, "\ndata: y\n\n", 10, &ev, &dispatched, NULL), 10);
    ck_assert(dispatched);
    ck_assert_str_eq(ev.data, "y");
    ck_assert_uint_eq(ev.offset, 11);
}
END_TEST

START_TEST(bom_is_skipped_once_at_the_start)
{
    ck_assert_str_eq(PARSE("\xEF\xBB\xBF" "data: a\n\n"), "[message|a|#|-1|@3]");
    /* a second BOM is part of the field name, which is then unknown */
    ck_assert_str_eq(PARSE("\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\ndata: b\n\n"), "[message|b|#|-1|@15]");
    ck_assert_str_eq(PARSE("data: a\n\n\xEF\xBB\xBF" "data: b\n\n"), "[message|a|#|-1|@0]");
}
END_TEST

START_TEST(half_a_bom_is_ordinary_text)
{
    /* "\xEF\xBB" is a line of its own: a field with an unknown name */
    ck_assert_str_eq(PARSE("\xEF\xBB\ndata: z\n\n"), "[message|z|#|-1|@0]");
    ck_assert_str_eq(PARSE("\xEF" "data: z\n\n"), "");
    ck_assert_str_eq(PARSE("\xEF\xBB" ": c\n\ndata: q\n\n"), "[message|q|#|-1|@7]");
    /* held-back BOM bytes go into the data like any others */
    ck_assert_str_eq(PARSE("\xEF\xBB\xBF" "data:\xEF\xBB\n\n"), "[message|\xEF\xBB|#|-1|@3]");
    ck_assert_str_eq(PARSE("\xEF\n\n"), "");
}
END_TEST

/* ---- fields ---- */

START_TEST(comment_lines_are_ignored_and_counted)
{
    struct sse_parser p;
    struct sse_event ev;
    bool dispatched;
    const char in[] = ": heartbeat\n:\n:: x\ndata: d\n\n";
    sse_parser_init(&p, data_buf, sizeof data_buf);
    ck_assert_int_eq(sse_parse(&p, in, sizeof in - 1, &ev, &dispatched, NULL), (long)sizeof in - 1);
    ck_assert(dispatched);
    ck_assert_str_eq(ev.data, "d");
    ck_assert_uint_eq(ev.offset, 0); /* the block began with the comments */
    ck_assert_uint_eq(p.comments, 3);
}
END_TEST

START_TEST(field_without_colon_has_an_empty_value)
{
    ck_assert_str_eq(PARSE("event\ndata\n\n"), "[message||#|-1|@0]");
    ck_assert_str_eq(PARSE("id: 4\ndata: x\n\nid\ndata: y\n\n"), "[message|x|#4|-1|@0][message|y|#|-1|@15]");
}
END_TEST

START_TEST(only_one_leading_space_is_removed)
{
    ck_assert_str_eq(PARSE("data:  two\n\n"), "[message| two|#|-1|@0]");
    ck_assert_str_eq(PARSE("data:\t x\n\n"), "[message|\t x|#|-1|@0]");
    ck_assert_str_eq(PARSE("data: a: b :c\n\n"), "[message|a: b :c|#|-1|@0]");
    ck_assert_str_eq(PARSE("event:  sp\ndata: x\n\n"), "[ sp|x|#|-1|@0]");
}
END_TEST

START_TEST(unknown_and_miscased_fields_are_ignored)
{
    ck_assert_str_eq(PARSE("Data: x\n\n"), "");
    ck_assert_str_eq(PARSE("data : x\n\n"), "");
    ck_assert_str_eq(PARSE("dat: x\ndatadatadata: y\nfoo: bar\ndata: z\n\n"), "[message|z|#|-1|@0]");
    ck_assert_str_eq(PARSE("dataXYZW: q\ndata: z\n\n"), "[message|z|#|-1|@0]");
}
END_TEST

START_TEST(data_keeps_every_byte_but_the_final_lf)
{
    ck_assert_str_eq(PARSE("data: a\ndata:\n\n"), "[message|a\\n|#|-1|@0]");
    ck_assert_str_eq(PARSE("data: \xC3\xA9t\xC3\xA9\n\n"), "[message|\xC3\xA9t\xC3\xA9|#|-1|@0]");
    const char in[] = "data: a\0b\n\n";
    ck_assert_str_eq(parse_cap(in, sizeof in - 1, sizeof data_buf), "[message|a\\0b|#|-1|@0]");
}
END_TEST

START_TEST(id_with_nul_is_ignored)
{
    const char in[] = "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n";
    ck_assert_str_eq(parse_cap(in, sizeof in - 1, sizeof data_buf),
                     "[message|a|#1|-1|@0][message|b|#1|-1|@15]");
    /* within one block: the earlier valid id stays */
    const char same[] = "id: 5\nid: \0\ndata: c\n\n";
    ck_assert_str_eq(parse_cap(same, sizeof same - 1, sizeof data_buf), "[message|c|#5|-1|@0]");
}
END_TEST

START_TEST(last_event_id_is_kept_across_events)
{
    struct sse_parser p;
    struct sse_event ev;
    bool dispatched;
    const char in[] = "id: 3\ndata: a\n\ndata: b\n\n";
    sse_parser_init(&p, data_buf, sizeof data_buf);
    long n = sse_parse(&p, in, sizeof in - 1, &ev, &dispatched, NULL);
    ck_assert_int_eq(n, 15);
    ck_assert_str_eq(ev.id, "3");
    ck_assert(ev.id_set);
    ck_assert_int_eq(sse_parse(&p, in + n, sizeof in - 1 - (size_t)n, &ev, &dispatched, NULL), 9);
    ck_assert(dispatched);
    ck_assert_str_eq(ev.id, "3");
    ck_assert(!ev.id_set);
}
END_TEST

START_TEST(quiet_blocks_are_reported_only_when_asked)
{
    /* ": ping\n\n" and "retry: 3000\n\n" dispatch nothing; an observer
     * that sets report_quiet hears of each, with its text and retry. */
    static const char in[] = ": ping\n: again\n\nretry: 3000\n\ndata: x\nretry: 5\n\n";
    struct sse_parser p;
    struct sse_event ev;
    bool dispatched;
    sse_parser_init(&p, data_buf, sizeof data_buf);
    ck_assert_int_eq(sse_parse(&p, in, sizeof in - 1, &ev, &dispatched, NULL), (long)sizeof in - 1);
    ck_assert(dispatched); /* without report_quiet: straight to the event */
    ck_assert_int_eq(ev.retry_ms, 5);
    ck_assert(!ev.quiet);
    sse_parser_init(&p, data_buf, sizeof data_buf);
    p.report_quiet = true;
    long n = sse_parse(&p, in, sizeof in - 1, &ev, &dispatched, NULL);
    ck_assert_int_eq(n, 16);
    ck_assert(!dispatched && ev.quiet);
    ck_assert_int_eq(ev.retry_ms, -1);
    ck_assert_uint_eq(ev.offset, 0);
    ck_assert_mem_eq(ev.comment, " ping\n again", ev.comment_len);
    ck_assert_uint_eq(ev.comment_len, 12);
    long m = sse_parse(&p, in + n, sizeof in - 1 - (size_t)n, &ev, &dispatched, NULL);
    ck_assert_int_eq(m, 13);
    ck_assert(!dispatched && ev.quiet);
    ck_assert_int_eq(ev.retry_ms, 3000);
    ck_assert_uint_eq(ev.comment_len, 0);
    ck_assert_uint_eq(ev.offset, 16);
    ev.quiet = true;
    ck_assert_int_eq(sse_parse(&p, in + n + m, sizeof in - 1 - (size_t)(n + m), &ev, &dispatched, NULL), 18);
    ck_assert(dispatched && !ev.quiet);
    ck_assert_str_eq(ev.data, "x");
    ck_assert_int_eq(ev.retry_ms, 5);
    ck_assert_int_eq(p.comments, 2);
}
END_TEST

START_TEST(id_counts_only_at_the_blank_line)
{
    /* A browser reconnecting in the middle of a block sends the id of the
     * last complete block: that event was delivered, this one was not. */
    struct sse_parser p;
    struct sse_event ev;
    bool dispatched;
    sse_parser_init(&p, data_buf, sizeof data_buf);
    ck_assert_int_eq(sse_parse(&p, "id: 1\ndata: a\n\n", 15, &ev, &dispatched, NULL), 15);
    ck_assert_str_eq(p.last_id, "1");
    ck_assert_int_eq(sse_parse(&p, "id: 2\ndata: b\n", 14, &ev, &dispatched, NULL), 14);
    ck_assert_str_eq(p.last_id, "1");
    ck_assert_int_eq(sse_parse(&p, "\n", 1, &ev, &dispatched, NULL), 1);
    ck_assert_str_eq(p.last_id, "2");
    /* a block with an id and no data sets it too, though nothing fires */
    ck_assert_str_eq(PARSE("id: 9\n\ndata: x\n\n"), "[message|x|#9|-1|@7]");
}
END_TEST

START_TEST(retry_takes_only_ascii_digits)
{
    struct sse_parser p;
    struct sse_event ev;
    bool dispatched;
    sse_parser_init(&p, data_buf, sizeof data_buf);
    ck_assert_int_eq(p.retry_ms, -1);
    const char in[] = "retry: 1500\n\nretry: 15x\nretry:\nretry: -1\nretry: 1 0\nretry: \xD9\xA3\n"
                      "retry: 99999999999999999999999\n\n";
    ck_assert_int_eq(sse_parse(&p, in, sizeof in - 1, &ev, &dispatched, NULL), (long)sizeof in - 1);
    ck_assert(!dispatched); /* no data: nothing fires */
    ck_assert_int_eq(p.retry_ms, 1500);
    ck_assert_str_eq(PARSE("retry: 0\ndata: x\n\ndata: y\n\n"), "[message|x|#|0|@0][message|y|#|-1|@18]");
    ck_assert_str_eq(PARSE("retry:007\ndata: x\n\n"), "[message|x|#|7|@0]");
}
END_TEST

START_TEST(empty_data_is_not_dispatched_and_type_resets)
{
    ck_assert_str_eq(PARSE("event: x\n\ndata: y\n\n"), "[message|y|#|-1|@10]");
    ck_assert_str_eq(PARSE("event: add\ndata: 1\n\ndata: 2\n\n"), "[add|1|#|-1|@0][message|2|#|-1|@20]");
    ck_assert_str_eq(PARSE("event:\ndata: e\n\n"), "[message|e|#|-1|@0]");
    ck_assert_str_eq(PARSE("\n\n\n"), "");
}
END_TEST

START_TEST(unfinished_block_is_not_dispatched)
{
    ck_assert_str_eq(PARSE("data: a\n\ndata: b\n"), "[message|a|#|-1|@0]");
    ck_assert_str_eq(PARSE("data: never ends"), "");
}
END_TEST

START_TEST(parser_stops_right_after_each_dispatch)
{
    struct sse_parser p;
    struct sse_event ev;
    bool dispatched;
    const char in[] = "data: a\n\ndata: b\n\n: tail";
    sse_parser_init(&p, data_buf, sizeof data_buf);
    ck_assert_int_eq(sse_parse(&p, in, sizeof in - 1, &ev, &dispatched, NULL), 9);
    ck_assert(dispatched);
    ck_assert_str_eq(ev.data, "a");
    ck_assert_int_eq(sse_parse(&p, in + 9, sizeof in - 10, &ev, &dispatched, NULL), 9);
    ck_assert_str_eq(ev.data, "b");
    uint64_t start;
    ck_assert(!sse_block_open(&p, &start)); /* each block so far ended */
    ck_assert_int_eq(sse_parse(&p, in + 18, sizeof in - 19, &ev, &dispatched, NULL), 6);
    ck_assert(!dispatched);
    ck_assert(sse_block_open(&p, &start)); /* ": tail" began one */
    ck_assert_uint_eq(start, 18);
    ck_assert_int_eq(sse_parse(&p, in, 0, &ev, &dispatched, NULL), 0);
}
END_TEST

/* ---- limits ---- */

START_TEST(data_must_fit_the_callers_buffer)
{
    /* "ab\ncd\nef\n" is 9 bytes plus the NUL; each line is only 7 */
    const char in[] = "data:ab\ndata:cd\ndata:ef\n\n";
    ck_assert_str_eq(parse_cap(in, sizeof in - 1, 10), "[message|ab\\ncd\\nef|#|-1|@0]");
    ck_assert_str_eq(parse_cap(in, sizeof in - 1, 9), "ERROR");
    struct run r = parse_with(in, sizeof in - 1, 9, 0, 0);
    ck_assert_str_eq(r.why, "SSE event data larger than the data buffer");
}
END_TEST

START_TEST(a_line_longer_than_the_buffer_is_an_error)
{
    const char in[] = ": a comment much longer than sixteen bytes\n\ndata: x\n\n";
    struct run r = parse_with(in, sizeof in - 1, 16, 0, 1);
    ck_assert(r.failed);
    ck_assert_str_eq(r.why, "SSE line longer than the data buffer");
    ck_assert_str_eq(parse_cap(": sixteen bytes.\ndata: x\n\n", 26, 16), "[message|x|#|-1|@0]");
}
END_TEST

START_TEST(long_id_and_type_are_errors_and_failure_sticks)
{
    char in[600];
    struct sse_parser p;
    struct sse_event ev;
    bool dispatched;
    struct proto_err err = {0};
    int n = snprintf(in, sizeof in, "event: %0*d\n", SSE_FIELD_CAP - 1, 7);
    sse_parser_init(&p, data_buf, sizeof data_buf);
    ck_assert_int_eq(sse_parse(&p, in, (size_t)n, &ev, &dispatched, &err), n); /* 255 fits */
    n = snprintf(in, sizeof in, "id: %0*d\n", SSE_FIELD_CAP, 7);
    ck_assert_int_eq(sse_parse(&p, in, (size_t)n, &ev, &dispatched, &err), PROTO_ERROR);
    ck_assert_str_eq(err.why, "SSE id longer than its buffer");
    ck_assert_int_eq(sse_parse(&p, "\n", 1, &ev, &dispatched, &err), PROTO_ERROR);
    ck_assert_str_eq(err.why, "SSE stream already failed");

    n = snprintf(in, sizeof in, "event: %0*d\n", SSE_FIELD_CAP, 7);
    sse_parser_init(&p, data_buf, sizeof data_buf);
    ck_assert_int_eq(sse_parse(&p, in, (size_t)n, &ev, &dispatched, &err), PROTO_ERROR);
    ck_assert_str_eq(err.why, "SSE event type longer than its buffer");
}
END_TEST

/* ---- encoding ---- */

START_TEST(encode_writes_every_field)
{
    char out[256];
    struct sse_fields f = {.id = "7", .event = "chat", .data = "a\r\nb\rc\nd", .data_len = 8,
                           .retry_ms = 2000};
    const char want[] = "id: 7\nevent: chat\nretry: 2000\ndata: a\ndata: b\ndata: c\ndata: d\n\n";
    ck_assert_uint_eq(sse_encode(out, sizeof out, &f), sizeof want - 1);
    ck_assert(memcmp(out, want, sizeof want - 1) == 0);
}
END_TEST

START_TEST(encode_data_edge_cases)
{
    char out[64];
    struct sse_fields f = {.data = "", .data_len = 0, .retry_ms = -1};
    ck_assert_uint_eq(sse_encode(out, sizeof out, &f), 8);
    ck_assert(memcmp(out, "data: \n\n", 8) == 0); /* fires an empty message */
    f.data = "x\n";
    f.data_len = 2;
    ck_assert_uint_eq(sse_encode(out, sizeof out, &f), 16);
    ck_assert(memcmp(out, "data: x\ndata: \n\n", 16) == 0);
    f = (struct sse_fields){.id = "3", .retry_ms = -1}; /* no data: no data line */
    ck_assert_uint_eq(sse_encode(out, sizeof out, &f), 7);
    ck_assert(memcmp(out, "id: 3\n\n", 7) == 0);
}
END_TEST

START_TEST(encode_cuts_one_line_values_at_a_line_break)
{
    char out[64];
    struct sse_fields f = {.id = "1\ndata: evil", .event = "a\rb", .data = "x", .data_len = 1,
                           .retry_ms = -1};
    ck_assert_uint_eq(sse_encode(out, sizeof out, &f), 24);
    ck_assert(memcmp(out, "id: 1\nevent: a\ndata: x\n\n", 24) == 0);
    ck_assert_uint_eq(sse_encode_comment(out, sizeof out, "hb\nretry: 1"), 6);
    ck_assert(memcmp(out, ": hb\n\n", 6) == 0);
}
END_TEST

START_TEST(encode_follows_the_snprintf_contract)
{
    char out[32];
    struct sse_fields f = {.id = "12", .data = "hello", .data_len = 5, .retry_ms = -1};
    size_t need = sse_encode(NULL, 0, &f);
    ck_assert_uint_eq(need, 20);
    memset(out, '#', sizeof out);
    ck_assert_uint_eq(sse_encode(out, need - 1, &f), need);
    for (size_t i = need - 1; i < sizeof out; i++)
        ck_assert_int_eq(out[i], '#'); /* nothing past cap */
    ck_assert_uint_eq(sse_encode(out, need, &f), need);
    ck_assert(memcmp(out, "id: 12\ndata: hello\n\n", need) == 0);
    ck_assert_int_eq(out[need], '#');
    ck_assert_uint_eq(sse_encode_comment(NULL, 0, "ping"), 8);
}
END_TEST

START_TEST(encode_then_parse_round_trips)
{
    char out[256];
    const char data[] = " lead\r\nline2\rline3\n{\"seq\":1}";
    struct sse_fields f = {.id = "42", .event = "tick", .data = data, .data_len = sizeof data - 1,
                           .retry_ms = 3000};
    size_t n = sse_encode(out, sizeof out, &f);
    ck_assert_uint_lt(n, sizeof out);
    /* line ends come back as LF: the one thing SSE cannot carry */
    ck_assert_str_eq(parse_cap(out, n, sizeof data_buf),
                     "[tick| lead\\nline2\\nline3\\n{\"seq\":1}|#42|3000|@0]");
}
END_TEST

static Suite *sse_suite(void)
{
    Suite *s = suite_create("sse");
    TCase *tc = tcase_create("whatwg");
    tcase_add_test(tc, whatwg_stock_example_joins_data_lines);
    tcase_add_test(tc, whatwg_comment_and_id_example);
    tcase_add_test(tc, whatwg_empty_data_example);
    tcase_add_test(tc, whatwg_space_after_colon_is_optional);
    tcase_add_test(tc, whatwg_named_events);
    suite_add_tcase(s, tc);

    tc = tcase_create("lines");
    tcase_add_test(tc, cr_lf_and_crlf_all_end_lines);
    tcase_add_test(tc, cr_then_lf_in_the_next_buffer_is_one_line_end);
    tcase_add_test(tc, bom_is_skipped_once_at_the_start);
    tcase_add_test(tc, half_a_bom_is_ordinary_text);
    suite_add_tcase(s, tc);

    tc = tcase_create("fields");
    tcase_add_test(tc, comment_lines_are_ignored_and_counted);
    tcase_add_test(tc, field_without_colon_has_an_empty_value);
    tcase_add_test(tc, only_one_leading_space_is_removed);
    tcase_add_test(tc, unknown_and_miscased_fields_are_ignored);
    tcase_add_test(tc, data_keeps_every_byte_but_the_final_lf);
    tcase_add_test(tc, id_with_nul_is_ignored);
    tcase_add_test(tc, last_event_id_is_kept_across_events);
    tcase_add_test(tc, id_counts_only_at_the_blank_line);
    tcase_add_test(tc, retry_takes_only_ascii_digits);
    tcase_add_test(tc, empty_data_is_not_dispatched_and_type_resets);
    tcase_add_test(tc, unfinished_block_is_not_dispatched);
    tcase_add_test(tc, parser_stops_right_after_each_dispatch);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, data_must_fit_the_callers_buffer);
    tcase_add_test(tc, a_line_longer_than_the_buffer_is_an_error);
    tcase_add_test(tc, long_id_and_type_are_errors_and_failure_sticks);
    suite_add_tcase(s, tc);

    tc = tcase_create("encode");
    tcase_add_test(tc, encode_writes_every_field);
    tcase_add_test(tc, encode_data_edge_cases);
    tcase_add_test(tc, encode_cuts_one_line_values_at_a_line_break);
    tcase_add_test(tc, encode_follows_the_snprintf_contract);
    tcase_add_test(tc, encode_then_parse_round_trips);
    tcase_add_test(tc, quiet_blocks_are_reported_only_when_asked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(sse_suite());
}

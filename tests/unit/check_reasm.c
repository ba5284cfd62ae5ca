/* check_reasm.c -- pushviz's TCP reassembly: in-order delivery, segments
 * held until a hole fills, retransmissions and overlaps delivered once,
 * sequence-number wrap-around, holes given up on when the peer acknowledges
 * them, when a memory cap is hit, when a segment was cut by the snaplen and
 * at the end. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "flows/reasm.h"

/* What a test's reassembly delivered: the bytes, with '#' for every lost one. */
struct sink {
    char text[256];
    size_t len;
    uint64_t next_offset; /* offsets must be contiguous */
    int gaps;
    enum reasm_gap_reason last_why;
    int64_t last_ts, gap_ts; /* the times the last bytes and the last gap came with */
};

static void on_data(void *ctx, const uint8_t *data, size_t len, uint64_t offset, int64_t ts_ns)
{
    struct sink *s = ctx;
    s->last_ts = ts_ns;
    ck_assert_uint_eq(offset, s->next_offset);
    ck_assert_uint_le(s->len + len, sizeof s->text - 1);
    memcpy(s->text + s->len, data, len);
    s->len += len;
    s->text[s->len] = '\0';
    s->next_offset += len;
}

static void on_gap(void *ctx, uint64_t len, uint64_t offset, enum reasm_gap_reason why, int64_t ts_ns)
{
    struct sink *s = ctx;
    s->gap_ts = ts_ns;
    ck_assert_uint_eq(offset, s->next_offset);
    for (uint64_t i = 0; i < len; i++)
        s->text[s->len++] = '#';
    s->text[s->len] = '\0';
    s->next_offset += len;
    s->gaps++;
    s->last_why = why;
}

struct fixture {
    struct reasm r;
    struct reasm_budget budget;
    struct sink sink;
    struct reasm_out out;
};

static void setup(struct fixture *f, uint32_t isn, size_t flow_cap)
{
    memset(f, 0, sizeof *f);
    f->budget.cap = 1 << 20;
    reasm_init(&f->r, flow_cap, &f->budget);
    reasm_start(&f->r, isn);
    f->out = (struct reasm_out){on_data, on_gap, &f->sink};
}

/* A segment captured at time seq (any number will do: each its own). */
static void add(struct fixture *f, uint32_t seq, const char *text)
{
    reasm_add(&f->r, seq, (const uint8_t *)text, (uint32_t)strlen(text), (uint32_t)strlen(text),
              false, (int64_t)seq, &f->out);
}

START_TEST(in_order_bytes_pass_straight_through)
{
    struct fixture f;
    setup(&f, 100, 1000);
    add(&f, 100, "hello");
    add(&f, 105, " world");
    ck_assert_str_eq(f.sink.text, "hello world");
    ck_assert_int_eq(f.sink.gaps, 0);
    ck_assert_uint_eq(reasm_offset(&f.r, 105), 5);
    reasm_free(&f.r);
}
END_TEST

START_TEST(out_of_order_is_held_until_the_hole_fills)
{
    struct fixture f;
    setup(&f, 1, 1000);
    add(&f, 6, "world");
    add(&f, 11, "!");
    ck_assert_uint_eq(f.sink.len, 0);
    ck_assert_uint_eq(f.budget.held, 6);
    add(&f, 1, "hello");
    ck_assert_str_eq(f.sink.text, "helloworld!");
    ck_assert_uint_eq(f.budget.held, 0);
    reasm_free(&f.r);
}
END_TEST

START_TEST(retransmission_and_overlap_are_delivered_once)
{
    struct fixture f;
    setup(&f, 1, 1000);
    add(&f, 1, "abcdef");
    add(&f, 1, "abcdef");
    add(&f, 4, "defghi");
    ck_assert_str_eq(f.sink.text, "abcdefghi");
    /* A held segment sent twice is a retransmission too. */
    add(&f, 20, "zz");
    reasm_free(&f.r);
}
END_TEST

START_TEST(sequence_numbers_wrap_around)
{
    struct fixture f;
    setup(&f, 0xFFFFFFFC, 1000);
    add(&f, 0x00000002, "ef");  /* after the wrap, ahead of a hole */
    add(&f, 0xFFFFFFFC, "abcd");
    add(&f, 0x00000000, "xy");  /* fills the hole at the wrap */
    ck_assert_str_eq(f.sink.text, "abcdxyef");
    ck_assert_uint_eq(reasm_offset(&f.r, 0x00000004), 8);
    reasm_free(&f.r);
}
END_TEST

START_TEST(a_hole_the_peer_acknowledged_becomes_a_gap)
{
    struct fixture f;
    setup(&f, 1, 1000);
    add(&f, 1, "ab");
    add(&f, 6, "fg"); /* 3 bytes never captured */
    reasm_acked(&f.r, 8, 100, &f.out);
    ck_assert_str_eq(f.sink.text, "ab###fg");
    ck_assert_int_eq(f.sink.gaps, 1);
    ck_assert_int_eq(f.sink.last_why, GAP_NOT_CAPTURED);
    /* The reader had the missing bytes: "fg" reached it when captured (at
     * 6), not when the ACK (at 100) showed the hole; so did the gap. */
    ck_assert_int_eq(f.sink.last_ts, 6);
    ck_assert_int_eq(f.sink.gap_ts, 6);
    /* An ACK of what was delivered changes nothing. */
    reasm_acked(&f.r, 8, 101, &f.out);
    ck_assert_int_eq(f.sink.gaps, 1);
    reasm_free(&f.r);
}
END_TEST

START_TEST(the_flow_cap_gives_up_on_a_hole)
{
    struct fixture f;
    setup(&f, 1, 4);
    add(&f, 3, "cd");
    add(&f, 5, "ef"); /* 4 bytes held: the cap */
    ck_assert_uint_eq(f.sink.len, 0);
    add(&f, 7, "g");  /* one more would pass it */
    ck_assert_str_eq(f.sink.text, "##cdefg");
    ck_assert_int_eq(f.sink.last_why, GAP_MEMORY);
    ck_assert_uint_eq(f.budget.held, 0);
    reasm_free(&f.r);
}
END_TEST

START_TEST(snaplen_cut_and_end_of_capture)
{
    struct fixture f;
    setup(&f, 1, 1000);
    reasm_add(&f.r, 1, (const uint8_t *)"abcdef", 3, 6, false, 1, &f.out); /* 3 of 6 captured */
    ck_assert_str_eq(f.sink.text, "abc###");
    ck_assert_int_eq(f.sink.last_why, GAP_SNAPLEN);
    add(&f, 9, "ij");
    reasm_flush(&f.r, GAP_END, &f.out);
    ck_assert_str_eq(f.sink.text, "abc#####ij");
    ck_assert_int_eq(f.sink.last_why, GAP_END);
    reasm_free(&f.r);
}
END_TEST

START_TEST(byte_at_a_time_in_reverse_order)
{
    struct fixture f;
    setup(&f, 50, 1000);
    const char *msg = "GET /poll HTTP/1.1";
    size_t n = strlen(msg);
    for (size_t i = n; i-- > 1;)
        reasm_add(&f.r, 50 + (uint32_t)i, (const uint8_t *)msg + i, 1, 1, false, (int64_t)i, &f.out);
    ck_assert_uint_eq(f.sink.len, 0);
    reasm_add(&f.r, 50, (const uint8_t *)msg, 1, 1, false, 1000, &f.out);
    ck_assert_str_eq(f.sink.text, msg);
    /* Held bytes a segment put in order reached their reader with it. */
    ck_assert_int_eq(f.sink.last_ts, 1000);
    reasm_free(&f.r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reasm");
    TCase *tc = tcase_create("reasm");
    tcase_add_test(tc, in_order_bytes_pass_straight_through);
    tcase_add_test(tc, out_of_order_is_held_until_the_hole_fills);
    tcase_add_test(tc, retransmission_and_overlap_are_delivered_once);
    tcase_add_test(tc, sequence_numbers_wrap_around);
    tcase_add_test(tc, a_hole_the_peer_acknowledged_becomes_a_gap);
    tcase_add_test(tc, the_flow_cap_gives_up_on_a_hole);
    tcase_add_test(tc, snaplen_cut_and_end_of_capture);
    tcase_add_test(tc, byte_at_a_time_in_reverse_order);
    suite_add_tcase(s, tc);
    return check_run(s);
}

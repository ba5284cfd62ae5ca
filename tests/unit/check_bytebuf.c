/* check_bytebuf.c -- the byte buffer every part of pushlab keeps bytes in
 * (src/proto/bytebuf.c): the hard cap, no memory while unused, O(1)
 * consumption with the bytes moved to the front only when room runs out,
 * stream offsets, writing in place, and handing memory over.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "proto/bytebuf.h"

static void assert_holds(const struct bytebuf *b, const char *text, uint64_t offset)
{
    ck_assert_uint_eq(b->len, strlen(text));
    ck_assert(b->len == 0 || memcmp(b->data, text, b->len) == 0);
    ck_assert_uint_eq(b->offset, offset);
}

START_TEST(no_memory_until_the_first_byte)
{
    struct bytebuf b;
    bytebuf_init(&b, 1000);
    ck_assert_ptr_null(b.mem);
    ck_assert_uint_eq(bytebuf_room(&b), 0);
    ck_assert(bytebuf_append(&b, "", 0));
    ck_assert_ptr_null(b.mem); /* nothing appended, nothing allocated */
    ck_assert(bytebuf_append(&b, "abc", 3));
    ck_assert_ptr_nonnull(b.mem);
    assert_holds(&b, "abc", 0);
    bytebuf_free(&b);
    ck_assert_ptr_null(b.mem);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 1000); /* the cap stays for the next bytes */
}
END_TEST

START_TEST(the_cap_is_hard)
{
    struct bytebuf b;
    bytebuf_init(&b, 10);
    ck_assert(bytebuf_append(&b, "0123456", 7));
    ck_assert(!bytebuf_append(&b, "7890", 4)); /* 11 > 10: refused whole */
    assert_holds(&b, "0123456", 0);
    ck_assert(bytebuf_append(&b, "789", 3));   /* exactly the cap */
    assert_holds(&b, "0123456789", 0);
    ck_assert(!bytebuf_append(&b, "x", 1));
    ck_assert_uint_le(b.size, 10); /* never allocates past the cap */
    ck_assert_uint_eq(bytebuf_room(&b), 0);
    /* A cap lowered below what is held refuses everything, and says so. */
    b.cap = 4;
    ck_assert(!bytebuf_append(&b, "x", 1));
    ck_assert_uint_eq(bytebuf_room(&b), 0);
    ck_assert(bytebuf_reserve(&b, 100)); /* nothing to make room for */
    ck_assert_uint_eq(bytebuf_room(&b), 0);
    bytebuf_free(&b);
    ck_assert(!bytebuf_append(&b, "12345", 5)); /* 5 > 4 even when empty */
}
END_TEST

START_TEST(consuming_moves_the_offset)
{
    struct bytebuf b;
    bytebuf_init(&b, 100);
    bytebuf_reset(&b, 1000);
    ck_assert(bytebuf_append(&b, "hello world", 11));
    bytebuf_consume(&b, 6);
    assert_holds(&b, "world", 1006);
    bytebuf_consume(&b, 50); /* more than held: all of it */
    assert_holds(&b, "", 1011);
    ck_assert_ptr_nonnull(b.mem); /* consuming keeps the memory */
    ck_assert(b.data == b.mem);   /* and an empty buffer starts at the front again */
    ck_assert(bytebuf_append(&b, "again", 5));
    assert_holds(&b, "again", 1011);
    bytebuf_reset(&b, 5);
    assert_holds(&b, "", 5);
    bytebuf_free(&b);
}
END_TEST

START_TEST(bytes_move_to_the_front_only_when_room_runs_out)
{
    struct bytebuf b;
    bytebuf_init(&b, 256);
    char block[200];
    memset(block, 'a', sizeof block);
    ck_assert(bytebuf_append(&b, block, sizeof block));
    ck_assert_uint_eq(b.size, 256);
    char *first = b.data;
    bytebuf_consume(&b, 150); /* O(1): the bytes stay where they are */
    ck_assert(b.data == first + 150);
    ck_assert(bytebuf_append(&b, "0123456789", 10)); /* fits behind them */
    ck_assert(b.data == first + 150);
    /* 60 held, 46 free behind: 100 more need the front; no growing. */
    memset(block, 'b', 100);
    ck_assert(bytebuf_append(&b, block, 100));
    ck_assert(b.data == b.mem);
    ck_assert_uint_eq(b.size, 256);
    ck_assert_uint_eq(b.len, 160);
    ck_assert_int_eq(b.data[0], 'a');
    ck_assert(memcmp(b.data + 50, "0123456789", 10) == 0);
    ck_assert_int_eq(b.data[159], 'b');
    ck_assert_uint_eq(b.offset, 150);
    bytebuf_free(&b);
}
END_TEST

START_TEST(growing_doubles_and_keeps_the_bytes)
{
    struct bytebuf b;
    bytebuf_init(&b, 1 << 20);
    char text[64];
    size_t total = 0;
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(text, sizeof text, "%d,", i);
        ck_assert(bytebuf_append(&b, text, (size_t)n));
        total += (size_t)n;
    }
    ck_assert_uint_eq(b.len, total);
    ck_assert_uint_eq(b.size & (b.size - 1), 0); /* a power of two from 256 */
    ck_assert_uint_ge(b.size, total);
    ck_assert_uint_lt(b.size, 2 * total);
    ck_assert(memcmp(b.data, "0,1,2,", 6) == 0);
    ck_assert(memcmp(b.data + total - 5, "1999,", 5) == 0);
    bytebuf_free(&b);
}
END_TEST

START_TEST(writing_in_place)
{
    /* As a socket reader does: reserve, write at the tail, commit. */
    struct bytebuf b;
    bytebuf_init(&b, 5000);
    ck_assert(bytebuf_reserve(&b, 4096));
    ck_assert_uint_eq(bytebuf_room(&b), 4096);
    memcpy(bytebuf_tail(&b), "GET / HTTP/1.1\r\n", 16);
    bytebuf_commit(&b, 16);
    assert_holds(&b, "GET / HTTP/1.1\r\n", 0);
    ck_assert_uint_eq(bytebuf_room(&b), 4080);
    memset(bytebuf_tail(&b), 'x', 4080);
    bytebuf_commit(&b, 4080);
    ck_assert_uint_eq(bytebuf_room(&b), 0);
    /* Only what the cap leaves is made: 4904 of 5000. */
    ck_assert(bytebuf_reserve(&b, 4096));
    ck_assert_uint_eq(bytebuf_room(&b), 5000 - 4096);
    ck_assert_uint_le(b.size, 5000);
    ck_assert(memcmp(b.data, "GET / ", 6) == 0);
    bytebuf_free(&b);
}
END_TEST

START_TEST(swap_hands_memory_over)
{
    struct bytebuf warm, cold;
    bytebuf_init(&warm, 100);
    bytebuf_init(&cold, 4000);
    bytebuf_reset(&cold, 77);
    ck_assert(bytebuf_append(&warm, "x", 1));
    bytebuf_consume(&warm, 1);
    char *mem = warm.mem;
    bytebuf_swap(&warm, &cold);
    ck_assert_ptr_null(warm.mem);
    ck_assert(cold.mem == mem);
    ck_assert_uint_eq(warm.cap, 100); /* caps and offsets stay */
    ck_assert_uint_eq(cold.cap, 4000);
    ck_assert_uint_eq(cold.offset, 77);
    ck_assert(bytebuf_append(&cold, "reused", 6));
    ck_assert(cold.mem == mem);
    bytebuf_free(&cold);
    bytebuf_free(&warm);
}
END_TEST

START_TEST(a_queue_written_and_drained_piece_by_piece)
{
    /* An output queue's life: pieces in, partial sends out, never more
     * than the cap held, and every byte out once and in order. */
    struct bytebuf b;
    bytebuf_init(&b, 3000);
    uint64_t in = 0, out = 0;
    for (int round = 0; round < 500; round++) {
        char piece[97];
        size_t n = 1 + (size_t)(round * 37) % sizeof piece;
        for (size_t i = 0; i < n; i++)
            piece[i] = (char)((in + i) % 251);
        if (bytebuf_append(&b, piece, n))
            in += n;
        else
            ck_assert_uint_gt(b.len + n, b.cap);
        size_t take = (size_t)(round * 53) % 80;
        if (take > b.len)
            take = b.len;
        for (size_t i = 0; i < take; i++)
            ck_assert_int_eq((unsigned char)b.data[i], (unsigned char)((out + i) % 251));
        bytebuf_consume(&b, take);
        out += take;
        ck_assert_uint_eq(b.offset, out);
        ck_assert_uint_eq(in - out, b.len);
        ck_assert_uint_le(b.size, 3000);
    }
    bytebuf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bytebuf");
    TCase *tc = tcase_create("bytebuf");
    tcase_add_test(tc, no_memory_until_the_first_byte);
    tcase_add_test(tc, the_cap_is_hard);
    tcase_add_test(tc, consuming_moves_the_offset);
    tcase_add_test(tc, bytes_move_to_the_front_only_when_room_runs_out);
    tcase_add_test(tc, growing_doubles_and_keeps_the_bytes);
    tcase_add_test(tc, writing_in_place);
    tcase_add_test(tc, swap_hands_memory_over);
    tcase_add_test(tc, a_queue_written_and_drained_piece_by_piece);
    suite_add_tcase(s, tc);
    return check_run(s);
}

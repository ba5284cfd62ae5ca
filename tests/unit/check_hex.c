/* check_hex.c -- the one hex-digit reader and writer (src/proto/hex.h)
 * that chunk sizes, percent-escapes, JSON \u escapes and pushviz's own
 * hex share: every byte value, so that none of them can disagree on one. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "proto/hex.h"

START_TEST(every_byte_is_a_digit_or_not)
{
    /* HEXDIG (RFC 5234 §B.1), in either case; no other byte value */
    static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
    for (int v = 0; v < 16; v++) {
        ck_assert_int_eq(hex_digit_value((unsigned char)lower[v]), v);
        ck_assert_int_eq(hex_digit_value((unsigned char)upper[v]), v);
    }
    for (int c = 0; c < 256; c++)
        if (!memchr(lower, c, 16) && !memchr(upper, c, 16))
            ck_assert_msg(hex_digit_value((unsigned char)c) == -1, "byte 0x%02x", c);
}
END_TEST

START_TEST(a_char_above_0x7f_is_no_digit)
{
    /* A byte of a char buffer, passed as it is (negative where char is
     * signed), is no digit, whatever its low seven bits spell: '0', '9',
     * 'A', 'a'. */
    const char bytes[] = "\xb0\xb9\xc1\xe1\xff";
    for (size_t i = 0; i < sizeof bytes - 1; i++)
        ck_assert_int_eq(hex_digit_value(bytes[i]), -1);
    ck_assert_int_eq(hex_digit_value("f"[0]), 15);
}
END_TEST

START_TEST(written_digits_read_back)
{
    /* Lowercase, of the low four bits only (callers shift, not mask),
     * and each reads back as the value written. */
    for (unsigned v = 0; v < 16; v++) {
        char c = hex_digit_char(v);
        ck_assert(c == (v < 10 ? (char)('0' + v) : (char)('a' + v - 10)));
        ck_assert_int_eq(hex_digit_value((unsigned char)c), (int)v);
        ck_assert(hex_digit_char(v | 0xfff0u) == c);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hex");
    TCase *tc = tcase_create("hex");
    tcase_add_test(tc, every_byte_is_a_digit_or_not);
    tcase_add_test(tc, a_char_above_0x7f_is_no_digit);
    tcase_add_test(tc, written_digits_read_back);
    suite_add_tcase(s, tc);
    return check_run(s);
}

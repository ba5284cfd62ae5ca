/* check_printable.c -- text from the network made safe for a terminal
 * (src/proto/printable.c): which characters count as printable, what the
 * others become, that a full buffer never ends in half a character or
 * half an escape; and which characters pushlab's JSON escapes beyond
 * JSON's own rule. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "proto/printable.h"

START_TEST(printable_characters_and_controls)
{
    static const struct {
        const char *in;
        size_t len; /* bytes of the first character, 0: not printable */
    } cases[] = {
        {" ", 1},           {"~", 1},             {"a", 1},
        {"\x1f", 0},        {"\x7f", 0},          {"\x1b", 0},          /* C0 and DEL */
        {"\xc2\x80", 0},    {"\xc2\x9b", 0},      {"\xc2\x9f", 0},      /* C1 */
        {"\xc2\xa0", 2},    {"\xc3\xa9", 2},      {"\xe2\x82\xac", 3},  /* U+00A0, é, € */
        {"\xf0\x9f\x98\x80", 4},                                        /* U+1F600 */
        {"\x80", 0},        {"\xc0\xaf", 0},      {"\xed\xa0\x80", 0},  /* stray, overlong, surrogate */
        {"\xe2\x82", 0},    {"\xff", 0},                                /* cut short, never UTF-8 */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *s = cases[c].in;
        ck_assert_msg(printable_char_len((const uint8_t *)s, strlen(s)) == cases[c].len, "case %zu", c);
    }
}
END_TEST

START_TEST(controls_are_shown_as_hex)
{
    char out[128];
    const char in[] = "GET /\x1b[2J \xc2\x9b" "2J \xc3\xa9\x80\x7f!";
    size_t n = printable_text(out, sizeof out, in, sizeof in - 1);
    ck_assert_str_eq(out, "GET /\\x1b[2J \\xc2\\x9b2J \xc3\xa9\\x80\\x7f!");
    ck_assert_uint_eq(n, strlen(out));
    /* a NUL inside the text is a control like the others */
    n = printable_text(out, sizeof out, "a\0b", 3);
    ck_assert_str_eq(out, "a\\x00b");
}
END_TEST

START_TEST(a_full_buffer_ends_on_a_whole_character)
{
    /* "ab", an escape (4 bytes) and a 3-byte character, into every size
     * of buffer: what fits, whole, and always a NUL after it. */
    const char in[] = "ab\x1b\xe2\x82\xac";
    static const char *const want[] = {"", "", "a", "ab", "ab", "ab", "ab", "ab\\x1b", "ab\\x1b",
                                       "ab\\x1b", "ab\\x1b\xe2\x82\xac"};
    for (size_t cap = 1; cap < sizeof want / sizeof want[0]; cap++) {
        char out[16];
        memset(out, 'Z', sizeof out);
        size_t n = printable_text(out, cap, in, sizeof in - 1);
        ck_assert_msg(strcmp(out, want[cap]) == 0, "cap %zu: %s", cap, out);
        ck_assert_uint_eq(n, strlen(want[cap]));
        ck_assert_int_eq(out[cap], 'Z'); /* nothing written past cap */
    }
}
END_TEST

START_TEST(json_extra_escapes_are_c1_and_the_separators)
{
    static const struct {
        const char *in;
        size_t len;   /* bytes taken, 0: none */
        unsigned cp;  /* their code point */
    } cases[] = {
        {"\xc2\x80", 2, 0x80},      {"\xc2\x85", 2, 0x85},      {"\xc2\x9f", 2, 0x9f},
        {"\xe2\x80\xa8", 3, 0x2028}, {"\xe2\x80\xa9", 3, 0x2029},
        {"\xc2\xa0", 0, 0},         {"\xe2\x80\xa7", 0, 0},     {"\xe2\x80\xaa", 0, 0},
        {"\xe2\x80", 0, 0},         {"\xc2", 0, 0},              {"\x1b", 0, 0}, /* cut short; C0 is JSON's own */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned cp = 0;
        size_t n = json_extra_escape((const uint8_t *)cases[c].in, strlen(cases[c].in), &cp);
        ck_assert_msg(n == cases[c].len && (!n || cp == cases[c].cp), "case %zu: %zu U+%04X", c, n, cp);
    }
}
END_TEST

START_TEST(escapes_name_the_usual_controls)
{
    static const struct {
        uint8_t c;
        const char *shown;
    } cases[] = {{'\n', "\\n"}, {'\r', "\\r"}, {'\t', "\\t"}, {0, "\\0"},
                 {0x1b, "\\x1b"}, {0x7f, "\\x7f"}, {0xc3, "\\xc3"}, {0x07, "\\x07"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char out[5];
        size_t n = printable_escape(cases[c].c, out);
        ck_assert_str_eq(out, cases[c].shown);
        ck_assert_uint_eq(n, strlen(cases[c].shown));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("printable");
    TCase *tc = tcase_create("printable");
    tcase_add_test(tc, printable_characters_and_controls);
    tcase_add_test(tc, controls_are_shown_as_hex);
    tcase_add_test(tc, a_full_buffer_ends_on_a_whole_character);
    tcase_add_test(tc, json_extra_escapes_are_c1_and_the_separators);
    tcase_add_test(tc, escapes_name_the_usual_controls);
    suite_add_tcase(s, tc);
    return check_run(s);
}

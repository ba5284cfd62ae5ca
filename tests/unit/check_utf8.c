/* check_utf8.c -- the incremental UTF-8 validator: Markus Kuhn's classic
 * stress cases (valid boundaries, stray continuations, cut sequences,
 * impossible bytes, overlong forms, surrogates, beyond U+10FFFF), each fed
 * whole, split at every point and one byte at a time, checking that the
 * error comes exactly at the first invalid byte; then every code point and
 * every well-shaped 2/3/4-byte sequence. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "proto/utf8.h"

enum { VALID = -1, CUT = -2 }; /* `bad` values that are not byte positions */

struct utf8_case {
    const char *bytes;
    int bad; /* index of the first invalid byte, VALID, or CUT (ends mid code point) */
};

static const struct utf8_case cases[] = {
    /* valid text and the boundaries of each sequence length */
    {"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", VALID}, /* "kosme" in Greek */
    {"", VALID},
    {"\x7f", VALID},
    {"\xc2\x80", VALID},
    {"\xdf\xbf", VALID},
    {"\xe0\xa0\x80", VALID},
    {"\xef\xbf\xbf", VALID},
    {"\xf0\x90\x80\x80", VALID},
    {"\xf4\x8f\xbf\xbf", VALID}, /* U+10FFFF, the last code point */
    {"\xed\x9f\xbf", VALID},     /* U+D7FF, just below the surrogates */
    {"\xee\x80\x80", VALID},     /* U+E000, just above them */
    {"\xef\xbf\xbd", VALID},     /* U+FFFD */
    {"\xef\xbf\xbe", VALID},     /* U+FFFE: a noncharacter, but valid UTF-8 */
    /* stray continuation bytes */
    {"\x80", 0},
    {"\xbf", 0},
    {"a\x80\xbf", 1},
    {"\xc2\x80\x80", 2},
    /* lead bytes followed by something else */
    {"\xc2 ", 1},
    {"\xe1\x80 ", 2},
    {"\xf1\x80\x80 ", 3},
    {"\xc2\xc2\x80", 1},
    /* sequences with their last byte missing */
    {"\xc2", CUT},
    {"\xe0\xa0", CUT},
    {"\xf0\x90\x80", CUT},
    {"ab\xf4\x8f\xbf", CUT},
    /* impossible bytes */
    {"\xfe", 0},
    {"\xff", 0},
    {"ok\xfe\xfe\xff\xff", 2},
    /* overlong forms, refused at the byte that proves them overlong */
    {"\xc0\xaf", 0},
    {"\xc1\xbf", 0},
    {"\xe0\x80\xaf", 1},
    {"\xe0\x9f\xbf", 1},
    {"\xf0\x80\x80\xaf", 1},
    {"\xf0\x8f\xbf\xbf", 1},
    {"\xf8\x80\x80\x80\xaf", 0}, /* 5-byte form */
    {"\xfc\x80\x80\x80\x80\xaf", 0},
    /* UTF-16 surrogates, single and paired */
    {"\xed\xa0\x80", 1},
    {"\xed\xad\xbf", 1},
    {"\xed\xae\x80", 1},
    {"\xed\xaf\xbf", 1},
    {"\xed\xb0\x80", 1},
    {"\xed\xbe\x80", 1},
    {"\xed\xbf\xbf", 1},
    {"\xed\xa0\x80\xed\xb0\x80", 1},
    /* above U+10FFFF */
    {"\xf4\x90\x80\x80", 1},
    {"\xf4\xbf\xbf\xbf", 1},
    {"\xf5\x80\x80\x80", 0},
    {"\xf7\xbf\xbf\xbf", 0},
    /* a valid prefix and then a fault deep inside */
    {"Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!\xed\xa0\x80", 30},
};
#define NUM_CASES (sizeof cases / sizeof cases[0])

/* Feed a case one byte at a time: the index of the first -1, VALID or CUT. */
static int first_bad_byte(const uint8_t *p, size_t len)
{
    struct utf8_state s;
    utf8_init(&s);
    for (size_t i = 0; i < len; i++)
        if (utf8_feed(&s, p + i, 1) < 0)
            return (int)i;
    return utf8_complete(&s) ? VALID : CUT;
}

START_TEST(kuhn_cases_whole)
{
    for (size_t i = 0; i < NUM_CASES; i++) {
        const uint8_t *p = (const uint8_t *)cases[i].bytes;
        size_t len = strlen(cases[i].bytes);
        ck_assert_msg(utf8_valid(p, len) == (cases[i].bad == VALID), "case %zu", i);
        struct utf8_state s;
        utf8_init(&s);
        int r = utf8_feed(&s, p, len);
        ck_assert_msg(r == (cases[i].bad >= 0 ? -1 : 0), "case %zu", i);
        ck_assert_msg(utf8_complete(&s) == (cases[i].bad == VALID), "case %zu", i);
    }
}
END_TEST

START_TEST(kuhn_cases_fail_at_the_first_bad_byte)
{
    for (size_t i = 0; i < NUM_CASES; i++) {
        const uint8_t *p = (const uint8_t *)cases[i].bytes;
        ck_assert_msg(first_bad_byte(p, strlen(cases[i].bytes)) == cases[i].bad, "case %zu", i);
    }
}
END_TEST

START_TEST(kuhn_cases_at_every_split)
{
    /* The error must show in the piece holding the bad byte, never later. */
    for (size_t i = 0; i < NUM_CASES; i++) {
        const uint8_t *p = (const uint8_t *)cases[i].bytes;
        size_t len = strlen(cases[i].bytes);
        int bad = cases[i].bad;
        for (size_t cut = 0; cut <= len; cut++) {
            struct utf8_state s;
            utf8_init(&s);
            int r1 = utf8_feed(&s, p, cut);
            ck_assert_msg(r1 == (bad >= 0 && (size_t)bad < cut ? -1 : 0), "case %zu cut %zu", i, cut);
            int r2 = utf8_feed(&s, p + cut, len - cut);
            ck_assert_msg(r2 == (bad >= 0 ? -1 : 0), "case %zu cut %zu", i, cut);
            ck_assert_msg(utf8_complete(&s) == (bad == VALID), "case %zu cut %zu", i, cut);
        }
    }
}
END_TEST

START_TEST(an_error_sticks)
{
    struct utf8_state s;
    utf8_init(&s);
    ck_assert_int_eq(utf8_feed(&s, (const uint8_t *)"\xff", 1), -1);
    ck_assert_int_eq(utf8_feed(&s, (const uint8_t *)"abc", 3), -1);
    ck_assert(!utf8_complete(&s));
    ck_assert_int_eq(utf8_feed(&s, NULL, 0), -1);
}
END_TEST

/* Encode code point cp (any value below 2^21) in 1-4 bytes, without
 * checking whether it is allowed.  Returns the length. */
static size_t encode(uint32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

START_TEST(every_code_point)
{
    /* Every scalar value is valid in its shortest form; surrogates are
     * not, and neither is anything encoded above U+10FFFF. */
    for (uint32_t cp = 0; cp < 0x140000; cp++) {
        uint8_t b[4];
        size_t n = encode(cp, b);
        bool want = cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        if (utf8_valid(b, n) != want)
            ck_abort_msg("U+%04X judged wrongly", (unsigned)cp);
    }
}
END_TEST

START_TEST(overlong_forms_of_every_short_code_point)
{
    /* Force a longer form than needed: lead byte from the longer length,
     * value bits from cp.  None may pass. */
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        if (cp < 0x80) {
            uint8_t two[2] = {(uint8_t)(0xC0 | cp >> 6), (uint8_t)(0x80 | (cp & 0x3F))};
            ck_assert(!utf8_valid(two, 2));
        }
        if (cp < 0x800) {
            uint8_t three[3] = {0xE0, (uint8_t)(0x80 | cp >> 6), (uint8_t)(0x80 | (cp & 0x3F))};
            ck_assert(!utf8_valid(three, 3));
        }
        uint8_t four[4] = {0xF0, (uint8_t)(0x80 | cp >> 12), (uint8_t)(0x80 | ((cp >> 6) & 0x3F)),
                           (uint8_t)(0x80 | (cp & 0x3F))};
        ck_assert(!utf8_valid(four, 4));
    }
}
END_TEST

/* A text cut at every byte count: what is kept is whole characters, the
 * longest such prefix; bytes that are not UTF-8 are kept as they are. */
START_TEST(a_cut_ends_on_a_whole_character)
{
    const char *text = "a\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80z"; /* a e-acute, a CJK, an emoji, z */
    static const size_t kept[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 11};
    for (size_t len = 0; len <= strlen(text); len++)
        ck_assert_msg(utf8_cut((const uint8_t *)text, len) == kept[len], "cut at %zu: %zu", len,
                      utf8_cut((const uint8_t *)text, len));
    ck_assert_uint_eq(utf8_cut((const uint8_t *)"ab\x80\x80\x80\x80", 6), 6); /* no lead: as it is */
    ck_assert_uint_eq(utf8_cut((const uint8_t *)"ab\xff", 3), 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("utf8");
    tcase_add_test(tc, kuhn_cases_whole);
    tcase_add_test(tc, kuhn_cases_fail_at_the_first_bad_byte);
    tcase_add_test(tc, kuhn_cases_at_every_split);
    tcase_add_test(tc, an_error_sticks);
    tcase_add_test(tc, every_code_point);
    tcase_add_test(tc, overlong_forms_of_every_short_code_point);
    tcase_add_test(tc, a_cut_ends_on_a_whole_character);
    suite_add_tcase(s, tc);
    return check_run(s);
}

/* check_json.c -- --json's numbers and strings (viz/output/json.c), which
 * are written by hand for speed.  Numbers against what printf writes for
 * the same values: every width from one digit to twenty, both ends of
 * int64_t, the boundaries where json.c changes method (10, 2^32), a
 * spread of pseudo-random values, and times and milliseconds with six
 * decimals.  Strings: a byte that needs escaping (or a UTF-8 sequence,
 * whole or broken) at every position of strings of every length from 1 to
 * 40, since json.c checks a short string in one word and a longer one
 * eight bytes at a time, and each way has its own edges; among them the
 * C1 controls and U+2028/U+2029, escaped so that no reader's line
 * splitter can break a line inside a string. */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "output/output.h"

/* The line output_json writes for it, in buf. */
static void json_line(const struct item *it, char *buf, size_t cap)
{
    FILE *f = fmemopen(buf, cap, "w");
    ck_assert_ptr_nonnull(f);
    output_json(f, it);
    output_json_flush();
    fclose(f);
}

/* The text after "name": in line, up to the next ',' or '}'. */
static void value_of(const char *line, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *v = strstr(line, key);
    ck_assert_msg(v != NULL, "no %s in %s", name, line);
    v += strlen(key);
    size_t n = strcspn(v, ",}");
    ck_assert_uint_lt(n, cap);
    memcpy(out, v, n);
    out[n] = '\0';
}

/* One item per value: an int field, a ms field and t; each compared with
 * printf's text (for the six decimals: of the value rounded to the
 * nearest microsecond or nanosecond, halves away from zero, as json.c
 * documents). */
static void check_value(int64_t v)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_TCP, 1, DIR_C2S, 0);
    item_add_int(it, "n", v);
    double ms = (double)v / 1e6;
    item_add_ms(it, "ms", ms);
    it->t = fabs((double)(v % 1000000000000) / 1e3);
    char line[512], got[64], want[64];
    json_line(it, line, sizeof line);

    value_of(line, "n", got, sizeof got);
    snprintf(want, sizeof want, "%" PRId64, v);
    ck_assert_str_eq(got, want);

    value_of(line, "ms", got, sizeof got);
    if (fabs(ms) <= 9e12) {
        long long micro = llround(ms * 1e6);
        snprintf(want, sizeof want, "%s%lld.%06lld", micro < 0 ? "-" : "", llabs(micro) / 1000000,
                 llabs(micro) % 1000000);
        ck_assert_str_eq(got, want);
    } else { /* beyond what a capture holds: json.c keeps the line valid */
        ck_assert_str_eq(got, "null");
    }

    long long micro = llround(it->t * 1e6);
    value_of(line, "t", got, sizeof got);
    snprintf(want, sizeof want, "%lld.%06lld", micro / 1000000, micro % 1000000);
    ck_assert_str_eq(got, want);
}

START_TEST(numbers_are_written_as_printf_writes_them)
{
    static const int64_t edges[] = {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 99999999,
                                    100000000, 100000001, 4294967295, 4294967296, 1700000000001,
                                    9999999999999999, 10000000000000000, INT64_MAX, INT64_MIN,
                                    INT64_MIN + 1, -1, -10, -99, -100, -100000000};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_value(edges[i]);
    /* Every width: 10^k - 1, 10^k, 10^k + 1, and their negatives. */
    int64_t p = 1;
    for (int k = 0; k <= 18; k++) {
        for (int64_t d = -1; d <= 1; d++) {
            check_value(p + d);
            check_value(-(p + d));
        }
        if (k < 18)
            p *= 10; /* 10^18 is the last power int64_t holds */
    }
    /* A spread of values of every size (a fixed seed: the same each run). */
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check_value((int64_t)(x >> (i % 64)));
    }
}
END_TEST

/* The text of a one-field item's string value, quotes included. */
static void string_value(const char *text, size_t len, char *out, size_t cap)
{
    static struct item_builder b;
    struct item *it = item_start(&b, ITEM_TCP, 1, DIR_C2S, 0);
    item_add_text(it, "s", text, len);
    static char line[16384];
    json_line(it, line, sizeof line);
    const char *v = strstr(line, "\"s\":");
    ck_assert_ptr_nonnull(v);
    v += 4;
    size_t n = strlen(v) - 2; /* up to the closing "}\n" */
    ck_assert_uint_lt(n, cap);
    memcpy(out, v, n);
    out[n] = '\0';
}

START_TEST(strings_are_escaped_at_every_length_and_position)
{
    /* What each input becomes (RFC 8259 §7; json.c's top comment). */
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"\"", "\\\""},          {"\\", "\\\\"},          {"\n", "\\n"},
        {"\t", "\\t"},            {"\r", "\\r"},            {"\x01", "\\u0001"},
        {"\x1f", "\\u001f"},      {"\x7f", "\\u007f"},      {"\x80", "\\ufffd"},
        {"\xff", "\\ufffd"},      {"\xc3\xa9", "\xc3\xa9"}, /* valid UTF-8: copied */
        {"\xe2\x82", "\\ufffd\\ufffd"},                  /* a sequence cut short */
        /* C1 controls and the Unicode line and paragraph separators are
         * escaped, so a reader that ends lines at them too still sees one
         * item per line; their neighbours are copied */
        {"\xc2\x80", "\\u0080"},   {"\xc2\x85", "\\u0085"},   {"\xc2\x9b", "\\u009b"},
        {"\xc2\x9f", "\\u009f"},   {"\xc2\xa0", "\xc2\xa0"},
        {"\xe2\x80\xa8", "\\u2028"}, {"\xe2\x80\xa9", "\\u2029"},
        {"\xe2\x80\xa7", "\xe2\x80\xa7"}, {"\xe2\x80\xaa", "\xe2\x80\xaa"},
        {"\xe2\x80", "\\ufffd\\ufffd"}, /* a separator cut short */
        {" ", " "},                {"~", "~"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t in_len = strlen(cases[c].in);
        for (size_t len = in_len; len <= 40; len++) {
            for (size_t at = 0; at + in_len <= len; at++) {
                char text[64], want[256], got[256];
                for (size_t i = 0; i < len; i++)
                    text[i] = (char)('a' + i % 26);
                memcpy(text + at, cases[c].in, in_len);
                snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)at, text, cases[c].out,
                         (int)(len - at - in_len), text + at + in_len);
                string_value(text, len, got, sizeof got);
                ck_assert_msg(strcmp(got, want) == 0, "case %zu, length %zu, at %zu: %s, not %s", c, len,
                              at, got, want);
            }
        }
    }
    /* Plain strings of every length, and the empty one. */
    for (size_t len = 0; len <= 40; len++) {
        char text[64], want[128], got[128];
        for (size_t i = 0; i < len; i++)
            text[i] = (char)('A' + i % 26);
        snprintf(want, sizeof want, "\"%.*s\"", (int)len, text);
        string_value(text, len, got, sizeof got);
        ck_assert_str_eq(got, want);
    }
}
END_TEST

/* What json.c must write for ASCII text, one byte at a time. */
static size_t escape_ascii(const char *in, size_t len, char *out)
{
    size_t n = 0;
    out[n++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '"' || c == '\\')
            n += (size_t)sprintf(out + n, "\\%c", c);
        else if (c == '\n')
            n += (size_t)sprintf(out + n, "\\n");
        else if (c == '\r')
            n += (size_t)sprintf(out + n, "\\r");
        else if (c == '\t')
            n += (size_t)sprintf(out + n, "\\t");
        else if (c < 0x20 || c == 0x7f)
            n += (size_t)sprintf(out + n, "\\u%04x", c);
        else
            out[n++] = (char)c;
    }
    out[n++] = '"';
    out[n] = '\0';
    return n;
}

START_TEST(strings_dense_with_quotes_are_escaped)
{
    /* JSON in a message has a quote every few bytes, often several in one
     * eight-byte word, beside bytes that a sloppy word test mistakes for
     * them ('#' is '"' + 1, ']' is '\\' + 1) and beside control
     * characters: random mixes of them at every length. */
    static const char alphabet[] = "\"\"\\\\#]a{:}\n\x01";
    static char text[1200], want[8192], got[8192];
    uint64_t x = 0x2545F4914F6CDD1Du;
    for (int round = 0; round < 20000; round++) {
        /* every length to 40, and every 50th round a long one: json.c
         * makes room for 512 input bytes at a time */
        size_t len = round % 50 ? (size_t)round % 41 : 500 + (size_t)round % 700;
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text[i] = alphabet[x % (sizeof alphabet - 1)];
        }
        escape_ascii(text, len, want);
        string_value(text, len, got, sizeof got);
        ck_assert_msg(strcmp(got, want) == 0, "round %d, length %zu: %s, not %s", round, len, got, want);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, numbers_are_written_as_printf_writes_them);
    tcase_add_test(tc, strings_are_escaped_at_every_length_and_position);
    tcase_add_test(tc, strings_dense_with_quotes_are_escaped);
    suite_add_tcase(s, tc);
    return check_run(s);
}

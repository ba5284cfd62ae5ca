/* check_json.c -- --json's numbers (viz/output/json.c), which are formatted
 * by hand for speed, against what printf writes for the same values:
 * every width from one digit to twenty, both ends of int64_t, the
 * boundaries where json.c changes method (10, 2^32), a spread
 * of pseudo-random values, and times and milliseconds with six decimals. */
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

int main(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, numbers_are_written_as_printf_writes_them);
    suite_add_tcase(s, tc);
    return check_run(s);
}

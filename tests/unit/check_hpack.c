/* check_hpack.c -- the HPACK decoder against RFC 7541's own examples
 * (Appendix C: every field of every block, and the dynamic table after
 * each), the Huffman table symbol by symbol, and the faults a decoder must
 * refuse: a cut integer, index 0, an index past the tables, EOS or bad
 * padding in a Huffman string (§5.2), a size update above the bound. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "proto/hpack.h"

/* The bytes written as hex in s, into out (at most cap); their count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; s[0] && s[1] && n < cap; s += 2) {
        char byte[3] = {s[0], s[1], 0};
        out[n++] = (uint8_t)strtoul(byte, NULL, 16);
    }
    return n;
}

static bool field_is(const struct hpack_field *f, const char *name, const char *value)
{
    return f->name.len == strlen(name) && memcmp(f->name.ptr, name, f->name.len) == 0 &&
           f->value.len == strlen(value) && memcmp(f->value.ptr, value, f->value.len) == 0;
}

/* One block of Appendix C: its bytes, the fields it holds, and the dynamic
 * table after it (newest first) with the table's size. */
struct example {
    const char *hex;
    const char *fields[7][2];
    const char *table[5][2];
    size_t size;
};

/* Decode the examples in turn on one decoder bounded at `allowed`. */
static void run_examples(const struct example *ex, size_t n, size_t allowed)
{
    struct hpack_decoder d;
    hpack_decoder_init(&d, allowed);
    for (size_t i = 0; i < n; i++) {
        uint8_t block[256];
        size_t len = unhex(ex[i].hex, block, sizeof block);
        const char *why = hpack_decode(&d, block, len);
        ck_assert_msg(why == NULL, "block %zu: %s", i, why);
        size_t pos = 0, k = 0;
        struct hpack_field f;
        for (; hpack_list_next(&d, &pos, &f); k++) {
            ck_assert_ptr_nonnull(ex[i].fields[k][0]);
            ck_assert_msg(field_is(&f, ex[i].fields[k][0], ex[i].fields[k][1]), "block %zu field %zu", i, k);
        }
        ck_assert_ptr_null(ex[i].fields[k][0]);
        for (k = 0; hpack_table_entry(&d, k, &f); k++) {
            ck_assert_ptr_nonnull(ex[i].table[k][0]);
            ck_assert_msg(field_is(&f, ex[i].table[k][0], ex[i].table[k][1]), "block %zu entry %zu", i, k);
        }
        ck_assert_ptr_null(ex[i].table[k][0]);
        ck_assert_uint_eq(d.entries, k);
        ck_assert_uint_eq(d.size, ex[i].size);
    }
    hpack_decoder_free(&d);
}

/* C.2: one block each, each on a fresh decoder. */
START_TEST(c2_field_representations)
{
    static const struct example c2[] = {
        {"400a637573746f6d2d6b65790d637573746f6d2d686561646572", /* C.2.1 with indexing */
         {{"custom-key", "custom-header"}},
         {{"custom-key", "custom-header"}},
         55},
        {"040c2f73616d706c652f70617468", {{":path", "/sample/path"}}, {{NULL}}, 0}, /* C.2.2 without */
        {"100870617373776f726406736563726574", {{"password", "secret"}}, {{NULL}}, 0}, /* C.2.3 never */
        {"82", {{":method", "GET"}}, {{NULL}}, 0},                                      /* C.2.4 indexed */
    };
    for (size_t i = 0; i < sizeof c2 / sizeof c2[0]; i++)
        run_examples(&c2[i], 1, HPACK_TABLE_DEFAULT);
}
END_TEST

#define REQUEST_1 {":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "www.example.com"}
#define REQUEST_2 REQUEST_1, {"cache-control", "no-cache"}
#define REQUEST_3 \
    {":method", "GET"}, {":scheme", "https"}, {":path", "/index.html"}, {":authority", "www.example.com"}, \
        {"custom-key", "custom-value"}
#define TABLE_1 {":authority", "www.example.com"}
#define TABLE_2 {"cache-control", "no-cache"}, TABLE_1
#define TABLE_3 {"custom-key", "custom-value"}, TABLE_2

/* C.3: three requests, strings as they are. */
START_TEST(c3_requests_without_huffman)
{
    static const struct example c3[] = {
        {"828684410f7777772e6578616d706c652e636f6d", {REQUEST_1}, {TABLE_1}, 57},
        {"828684be58086e6f2d6361636865", {REQUEST_2}, {TABLE_2}, 110},
        {"828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565", {REQUEST_3}, {TABLE_3}, 164},
    };
    run_examples(c3, 3, HPACK_TABLE_DEFAULT);
}
END_TEST

/* C.4: the same requests, strings Huffman coded. */
START_TEST(c4_requests_with_huffman)
{
    static const struct example c4[] = {
        {"828684418cf1e3c2e5f23a6ba0ab90f4ff", {REQUEST_1}, {TABLE_1}, 57},
        {"828684be5886a8eb10649cbf", {REQUEST_2}, {TABLE_2}, 110},
        {"828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf", {REQUEST_3}, {TABLE_3}, 164},
    };
    run_examples(c4, 3, HPACK_TABLE_DEFAULT);
}
END_TEST

#define DATE_21 "Mon, 21 Oct 2013 20:13:21 GMT"
#define DATE_22 "Mon, 21 Oct 2013 20:13:22 GMT"
#define COOKIE "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"
#define LOCATION {"location", "https://www.example.com"}
#define RESPONSE_1 {":status", "302"}, {"cache-control", "private"}, {"date", DATE_21}, LOCATION
#define RESPONSE_2 {":status", "307"}, {"cache-control", "private"}, {"date", DATE_21}, LOCATION
#define RESPONSE_3                                                                                        \
    {":status", "200"}, {"cache-control", "private"}, {"date", DATE_22}, LOCATION,                      \
        {"content-encoding", "gzip"}, {"set-cookie", COOKIE}
/* With the table bounded at 256 bytes, the second response evicts
 * ":status: 302" and the third evicts three entries more. */
#define RTABLE_1 LOCATION, {"date", DATE_21}, {"cache-control", "private"}, {":status", "302"}
#define RTABLE_2 {":status", "307"}, LOCATION, {"date", DATE_21}, {"cache-control", "private"}
#define RTABLE_3 {"set-cookie", COOKIE}, {"content-encoding", "gzip"}, {"date", DATE_22}

/* C.5: three responses, eviction at 256 bytes. */
START_TEST(c5_responses_without_huffman)
{
    static const struct example c5[] = {
        {"4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e17"
         "68747470733a2f2f7777772e6578616d706c652e636f6d",
         {RESPONSE_1}, {RTABLE_1}, 222},
        {"4803333037c1c0bf", {RESPONSE_2}, {RTABLE_2}, 222},
        {"88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d41"
         "53444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b207665727369"
         "6f6e3d31",
         {RESPONSE_3}, {RTABLE_3}, 215},
    };
    run_examples(c5, 3, 256);
}
END_TEST

/* C.6: the same responses Huffman coded. */
START_TEST(c6_responses_with_huffman)
{
    static const struct example c6[] = {
        {"488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97"
         "c8e9ae82ae43d3",
         {RESPONSE_1}, {RTABLE_1}, 222},
        {"4883640effc1c0bf", {RESPONSE_2}, {RTABLE_2}, 222},
        {"88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd"
         "5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
         {RESPONSE_3}, {RTABLE_3}, 215},
    };
    run_examples(c6, 3, 256);
}
END_TEST

/* Every byte, Huffman coded from the table on its own (padded with 1s),
 * decodes back to itself; EOS's code is 30 1s; the codes of each length
 * follow one another (the table is canonical, which the decoder uses). */
START_TEST(huffman_every_symbol)
{
    bool seen[HPACK_EOS + 1] = {false};
    for (size_t row = 0; row <= HPACK_EOS; row++) {
        const struct hpack_code *c = &hpack_huffman_codes[row];
        ck_assert(!seen[c->sym]);
        seen[c->sym] = true;
        if (row > 0) {
            const struct hpack_code *before = c - 1;
            ck_assert_uint_ge(c->len, before->len);
            ck_assert_uint_eq(c->code, (before->code + 1) << (c->len - before->len));
        }
        if (c->sym == HPACK_EOS)
            continue;
        /* code, then 1s to the byte's end: big-endian bytes */
        unsigned bits = (c->len + 7) / 8 * 8;
        uint64_t padded = (uint64_t)c->code << (bits - c->len) | ((1u << (bits - c->len)) - 1);
        uint8_t in[4];
        for (unsigned i = 0; i < bits / 8; i++)
            in[i] = (uint8_t)(padded >> (bits - 8 * (i + 1)));
        struct bytebuf out;
        bytebuf_init(&out, 16);
        ck_assert_ptr_null(hpack_huffman_decode(in, bits / 8, &out));
        ck_assert_uint_eq(out.len, 1);
        ck_assert_uint_eq((uint8_t)out.data[0], c->sym);
        bytebuf_free(&out);
    }
    ck_assert_uint_eq(hpack_huffman_codes[HPACK_EOS].sym, HPACK_EOS);
    ck_assert_uint_eq(hpack_huffman_codes[HPACK_EOS].code, 0x3fffffff);
}
END_TEST

static const char *huffman_error(const char *hex)
{
    uint8_t in[16];
    size_t n = unhex(hex, in, sizeof in);
    struct bytebuf out;
    bytebuf_init(&out, 64);
    const char *why = hpack_huffman_decode(in, n, &out);
    bytebuf_free(&out);
    return why;
}

/* §5.2: EOS in a string, padding of 8 bits or more, padding not all 1s. */
START_TEST(huffman_faults)
{
    ck_assert_ptr_null(huffman_error("1f"));                       /* '0' (00000) and 111 */
    ck_assert_str_eq(huffman_error("ffffffff"), "EOS inside a Huffman string");
    ck_assert_str_eq(huffman_error("1fff"), "Huffman padding longer than 7 bits");
    ck_assert_str_eq(huffman_error("18"), "Huffman padding not the start of EOS"); /* '0' then 000 */
}
END_TEST

START_TEST(integers)
{
    uint32_t v;
    const uint8_t ten[] = {0x0a}, big[] = {0x1f, 0x9a, 0x0a}, full[] = {0xff, 0x00}; /* C.1 */
    ck_assert_int_eq(hpack_read_int(ten, 1, 5, &v), 1);
    ck_assert_uint_eq(v, 10);
    ck_assert_int_eq(hpack_read_int(big, 3, 5, &v), 3);
    ck_assert_uint_eq(v, 1337);
    ck_assert_int_eq(hpack_read_int(full, 2, 8, &v), 2);
    ck_assert_uint_eq(v, 255);
    ck_assert_int_eq(hpack_read_int(big, 2, 5, &v), PROTO_PARTIAL);
    ck_assert_int_eq(hpack_read_int(big, 0, 5, &v), PROTO_PARTIAL);
    const uint8_t max[] = {0x1f, 0xe0, 0xff, 0xff, 0xff, 0x0f}; /* 31 + 0xffffffe0 = UINT32_MAX */
    ck_assert_int_eq(hpack_read_int(max, sizeof max, 5, &v), 6);
    ck_assert_uint_eq(v, UINT32_MAX);
    const uint8_t over[] = {0x1f, 0xe1, 0xff, 0xff, 0xff, 0x0f};
    ck_assert_int_eq(hpack_read_int(over, sizeof over, 5, &v), PROTO_ERROR);
    const uint8_t many[] = {0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    ck_assert_int_eq(hpack_read_int(many, sizeof many, 5, &v), PROTO_ERROR);
}
END_TEST

static const char *block_error(const char *hex, size_t allowed)
{
    uint8_t in[64];
    size_t n = unhex(hex, in, sizeof in);
    struct hpack_decoder d;
    hpack_decoder_init(&d, allowed);
    const char *why = hpack_decode(&d, in, n);
    hpack_decoder_free(&d);
    return why;
}

START_TEST(block_faults)
{
    ck_assert_str_eq(block_error("80", 4096), "index 0");
    ck_assert_str_eq(block_error("be", 4096), "index beyond the tables"); /* 62, table empty */
    ck_assert_str_eq(block_error("ff", 4096), "block ends inside an index");
    ck_assert_str_eq(block_error("7e00", 4096), "name index beyond the tables");
    ck_assert_str_eq(block_error("40", 4096), "block ends inside a string length");
    ck_assert_str_eq(block_error("4005616263", 4096), "string longer than the block");
    ck_assert_str_eq(block_error("4081ff0161", 4096), "Huffman padding longer than 7 bits");
    /* a size update: up to the bound, only before the first field */
    ck_assert_ptr_null(block_error("3fe11f", 4096));                 /* 4096 */
    ck_assert_str_eq(block_error("3fe21f", 4096), "table size update above the size allowed");
    ck_assert_str_eq(block_error("3fe11f", 256), "table size update above the size allowed");
    ck_assert_str_eq(block_error("8220", 4096), "table size update after a field");
}
END_TEST

/* A size update evicts what no longer fits; 0 empties the table. */
START_TEST(size_update_evicts)
{
    struct hpack_decoder d;
    hpack_decoder_init(&d, HPACK_TABLE_DEFAULT);
    uint8_t block[64];
    size_t n = unhex("828684410f7777772e6578616d706c652e636f6d", block, sizeof block);
    ck_assert_ptr_null(hpack_decode(&d, block, n));
    ck_assert_uint_eq(d.entries, 1);
    n = unhex("2082", block, sizeof block);
    ck_assert_ptr_null(hpack_decode(&d, block, n));
    ck_assert_uint_eq(d.entries, 0);
    ck_assert_uint_eq(d.size, 0);
    ck_assert_uint_eq(d.max_size, 0);
    /* an entry larger than the bound empties the table and is not added */
    n = unhex("4001610162", block, sizeof block);
    ck_assert_ptr_null(hpack_decode(&d, block, n));
    ck_assert_uint_eq(d.entries, 0);
    hpack_decoder_free(&d);
}
END_TEST

/* A decoder that allows more than 4096 bytes starts at 4096 all the same
 * (HTTP/2's initial size), and the encoder may move up to what it allows. */
START_TEST(size_starts_at_4096)
{
    struct hpack_decoder d;
    hpack_decoder_init(&d, 8192);
    ck_assert_uint_eq(d.max_size, HPACK_TABLE_DEFAULT);
    uint8_t block[8];
    size_t n = unhex("3fe13f82", block, sizeof block); /* 8192 */
    ck_assert_ptr_null(hpack_decode(&d, block, n));
    ck_assert_uint_eq(d.max_size, 8192);
    n = unhex("3fe23f", block, sizeof block); /* 8193 */
    ck_assert_str_eq(hpack_decode(&d, block, n), "table size update above the size allowed");
    hpack_decoder_free(&d);
    hpack_decoder_init(&d, 1 << 20);
    ck_assert_uint_eq(d.allowed, HPACK_TABLE_MAX);
    hpack_decoder_free(&d);
}
END_TEST

/* The decoded list is bounded: a block that repeats a long field past
 * HPACK_LIST_MAX is refused. */
START_TEST(list_bounded)
{
    struct hpack_decoder d;
    hpack_decoder_init(&d, HPACK_TABLE_DEFAULT);
    /* add "a: <1000 x's>" once, then refer to it 100 times */
    static uint8_t block[2000];
    size_t n = 0;
    block[n++] = 0x40;
    block[n++] = 0x01;
    block[n++] = 'a';
    block[n++] = 0x7f; /* 127 + 873 = 1000 */
    block[n++] = 0xe9;
    block[n++] = 0x06;
    memset(block + n, 'x', 1000);
    n += 1000;
    memset(block + n, 0xbe, 100);
    n += 100;
    ck_assert_str_eq(hpack_decode(&d, block, n), "header list too long");
    hpack_decoder_free(&d);
}
END_TEST

/* Thousands of entries added to a 64 KiB table, the oldest evicted as
 * new ones come and the table's bytes moved to the front as it fills:
 * every index still names the entry it should, newest first. */
START_TEST(every_entry_of_a_full_table_is_found)
{
    struct hpack_decoder d;
    hpack_decoder_init(&d, HPACK_TABLE_MAX);
    uint8_t block[64];
    size_t n = unhex("3fe1ff03", block, sizeof block); /* size update: 31 + 65505 = 65536 */
    ck_assert_ptr_null(hpack_decode(&d, block, n));
    ck_assert_uint_eq(d.max_size, HPACK_TABLE_MAX);
    enum { ADDED = 4000 };
    for (unsigned k = 0; k < ADDED; k++) {
        char name[16], value[16];
        int nl = snprintf(name, sizeof name, "x-%u", k), vl = snprintf(value, sizeof value, "v%u", k * 7);
        n = 0;
        block[n++] = 0x40; /* a literal added to the table, with a new name */
        block[n++] = (uint8_t)nl;
        memcpy(block + n, name, (size_t)nl);
        n += (size_t)nl;
        block[n++] = (uint8_t)vl;
        memcpy(block + n, value, (size_t)vl);
        n += (size_t)vl;
        ck_assert_ptr_null(hpack_decode(&d, block, n));
    }
    ck_assert_uint_lt(d.entries, ADDED); /* the oldest were evicted */
    ck_assert_uint_gt(d.entries, 1000);
    ck_assert_uint_le(d.size, HPACK_TABLE_MAX);
    struct hpack_field f;
    for (size_t i = 0; i < d.entries; i++) {
        unsigned k = ADDED - 1 - (unsigned)i;
        char name[16], value[16];
        snprintf(name, sizeof name, "x-%u", k);
        snprintf(value, sizeof value, "v%u", k * 7);
        ck_assert(hpack_table_entry(&d, i, &f));
        ck_assert_msg(field_is(&f, name, value), "entry %zu", i);
    }
    ck_assert(!hpack_table_entry(&d, d.entries, &f));
    /* And an indexed field names the newest entry (62, §2.3.3). */
    n = unhex("be", block, sizeof block);
    ck_assert_ptr_null(hpack_decode(&d, block, n));
    size_t pos = 0;
    ck_assert(hpack_list_next(&d, &pos, &f));
    char newest[16];
    snprintf(newest, sizeof newest, "v%u", (ADDED - 1) * 7);
    ck_assert(field_is(&f, "x-3999", newest));
    hpack_decoder_free(&d);
}
END_TEST

static Suite *hpack_suite(void)
{
    Suite *s = suite_create("hpack");
    TCase *tc = tcase_create("hpack");
    tcase_add_test(tc, c2_field_representations);
    tcase_add_test(tc, c3_requests_without_huffman);
    tcase_add_test(tc, c4_requests_with_huffman);
    tcase_add_test(tc, c5_responses_without_huffman);
    tcase_add_test(tc, c6_responses_with_huffman);
    tcase_add_test(tc, huffman_every_symbol);
    tcase_add_test(tc, huffman_faults);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, block_faults);
    tcase_add_test(tc, size_update_evicts);
    tcase_add_test(tc, size_starts_at_4096);
    tcase_add_test(tc, list_bounded);
    tcase_add_test(tc, every_entry_of_a_full_table_is_found);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(hpack_suite());
}

/* check_sha1.c -- SHA-1: the RFC 3174 §7.3 test vectors, the lengths
 * around the padding boundary (55/56/64 bytes), and that feeding the input
 * in pieces gives the same digest as one call. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "proto/sha1.h"

/* The digest as 40 lower-case hex digits. */
static void hex_digest(const uint8_t d[20], char out[41])
{
    for (int i = 0; i < 20; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void assert_sha1(const void *data, size_t len, const char *want)
{
    uint8_t d[20];
    char hex[41];
    sha1(data, len, d);
    hex_digest(d, hex);
    ck_assert_str_eq(hex, want);
}

START_TEST(rfc3174_vectors)
{
    assert_sha1("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_sha1(two_blocks, strlen(two_blocks), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    assert_sha1("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}
END_TEST

START_TEST(rfc3174_million_a_in_pieces)
{
    /* TEST3 of RFC 3174: one million 'a', fed 1000 bytes at a time. */
    uint8_t chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    struct sha1_ctx c;
    sha1_init(&c);
    for (int i = 0; i < 1000; i++)
        sha1_update(&c, chunk, sizeof chunk);
    uint8_t d[20];
    char hex[41];
    sha1_final(&c, d);
    hex_digest(d, hex);
    ck_assert_str_eq(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}
END_TEST

START_TEST(rfc3174_repeated_block)
{
    /* TEST4: "01234567" * 8 repeated 10 times (640 bytes). */
    char buf[641];
    for (int i = 0; i < 80; i++)
        memcpy(buf + 8 * i, "01234567", 8);
    assert_sha1(buf, 640, "dea356a2cddd90c7a7ecedc5ebb563934f460452");
}
END_TEST

START_TEST(padding_boundaries)
{
    /* 55 bytes leave room for the 0x80 and the length in one block; 56
     * need a second block; 64 is exactly one block of data. */
    char a[120];
    memset(a, 'a', sizeof a);
    assert_sha1(a, 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    assert_sha1(a, 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    assert_sha1(a, 63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5");
    assert_sha1(a, 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d");
    assert_sha1(a, 65, "11655326c708d70319be2610e8a57d9a5b959d3b");
    assert_sha1(a, 119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56");
    assert_sha1(a, 120, "f34c1488385346a55709ba056ddd08280dd4c6d6");
}
END_TEST

START_TEST(every_split_gives_the_same_digest)
{
    uint8_t msg[150];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 37 + 11);
    uint8_t whole[20];
    sha1(msg, sizeof msg, whole);
    for (size_t cut = 0; cut <= sizeof msg; cut++) {
        struct sha1_ctx c;
        uint8_t d[20];
        sha1_init(&c);
        sha1_update(&c, msg, cut);
        sha1_update(&c, msg + cut, sizeof msg - cut);
        sha1_final(&c, d);
        ck_assert_mem_eq(d, whole, 20);
    }
    /* And one byte at a time. */
    struct sha1_ctx c;
    uint8_t d[20];
    sha1_init(&c);
    for (size_t i = 0; i < sizeof msg; i++)
        sha1_update(&c, msg + i, 1);
    sha1_final(&c, d);
    ck_assert_mem_eq(d, whole, 20);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sha1");
    TCase *tc = tcase_create("sha1");
    tcase_add_test(tc, rfc3174_vectors);
    tcase_add_test(tc, rfc3174_million_a_in_pieces);
    tcase_add_test(tc, rfc3174_repeated_block);
    tcase_add_test(tc, padding_boundaries);
    tcase_add_test(tc, every_split_gives_the_same_digest);
    suite_add_tcase(s, tc);
    return check_run(s);
}

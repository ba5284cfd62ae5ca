/* check_base64.c -- base64: the RFC 4648 §10 vectors both ways, the
 * WebSocket sample key, strict decoding (length, alphabet, padding place,
 * non-zero unused bits), output capacity, and round trips; and the same
 * for base64url without padding (RFC 4648 §5), with curl's HTTP2-Settings
 * field (RFC 7540 §3.2.1). */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "proto/base64.h"

/* The two variants, so that each check below is written once. */
typedef long (*decoder)(const char *in, size_t len, uint8_t *out, size_t cap);
typedef size_t (*encoder)(const uint8_t *in, size_t len, char *out, size_t cap);

/* decode refuses each of the n texts of bad; the last one holds a NUL, so
 * its length is 4, not what strlen says. */
static void refuses_each(decoder decode, const char *const *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t out[16];
        size_t len = i == n - 1 ? 4 : strlen(bad[i]);
        ck_assert_msg(decode(bad[i], len, out, sizeof out) == -1, "accepted bad[%zu]", i);
    }
}

/* Every length from 0 to 64, every byte value among them: encoded in
 * encoded_len(len) characters of none of `foreign`, and decoded back. */
static void round_trips(encoder encode, decoder decode, size_t (*encoded_len)(size_t), const char *foreign)
{
    uint8_t in[64] = {0}, back[64]; /* (len 0 reads none of in: initialised for the compiler) */
    char text[BASE64_LEN(64) + 1];
    for (size_t len = 0; len <= sizeof in; len++) {
        for (size_t i = 0; i < len; i++)
            in[i] = (uint8_t)(i * 97 + len * 13 + 255);
        size_t n = encode(in, len, text, sizeof text);
        ck_assert_uint_eq(n, encoded_len(len));
        ck_assert_uint_eq(strcspn(text, foreign), n);
        ck_assert_int_eq(decode(text, n, back, sizeof back), (long)len);
        ck_assert(memcmp(in, back, len) == 0);
    }
}

/* decode refuses a buffer one byte too small for text, writing nothing
 * into it, and fills one just large enough: the `decoded` bytes. */
static void decodes_into_exact_room(decoder decode, const char *text, long decoded)
{
    uint8_t dec[8];
    memset(dec, 0xEE, sizeof dec);
    ck_assert_int_eq(decode(text, strlen(text), dec, (size_t)decoded - 1), -1);
    ck_assert_uint_eq(dec[0], 0xEE);
    ck_assert_int_eq(decode(text, strlen(text), dec, (size_t)decoded), decoded);
}

static size_t padded_len(size_t len)
{
    return BASE64_LEN(len);
}

static size_t unpadded_len(size_t len)
{
    return BASE64URL_LEN(len);
}

static const char *const rfc4648_plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const rfc4648_coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                            "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

START_TEST(rfc4648_encode)
{
    for (size_t i = 0; i < 7; i++) {
        char out[16];
        size_t n = base64_encode((const uint8_t *)rfc4648_plain[i], strlen(rfc4648_plain[i]), out,
                                 sizeof out);
        ck_assert_uint_eq(n, strlen(rfc4648_coded[i]));
        ck_assert_str_eq(out, rfc4648_coded[i]); /* NUL-terminated */
    }
}
END_TEST

START_TEST(rfc4648_decode)
{
    for (size_t i = 0; i < 7; i++) {
        uint8_t out[16];
        long n = base64_decode(rfc4648_coded[i], strlen(rfc4648_coded[i]), out, sizeof out);
        ck_assert_int_eq(n, (long)strlen(rfc4648_plain[i]));
        ck_assert_mem_eq(out, rfc4648_plain[i], (size_t)n);
    }
}
END_TEST

START_TEST(websocket_sample_key)
{
    /* RFC 6455 §1.3: the nonce "the sample nonce" is sent as this key. */
    char out[32];
    ck_assert_uint_eq(base64_encode((const uint8_t *)"the sample nonce", 16, out, sizeof out), 24);
    ck_assert_str_eq(out, "dGhlIHNhbXBsZSBub25jZQ==");
    uint8_t raw[16];
    ck_assert_int_eq(base64_decode(out, 24, raw, sizeof raw), 16);
    ck_assert_mem_eq(raw, "the sample nonce", 16);
}
END_TEST

START_TEST(strict_decoding_refuses)
{
    static const char *const bad[] = {
        "Zg=",          /* length not a multiple of 4 */
        "Zg",           /* padding missing */
        "Z===",         /* three pad characters */
        "====",         /* only padding */
        "=Zg=",         /* padding first */
        "Zm=v",         /* padding in the middle of a group */
        "Zg==Zm9v",     /* padding in the middle of the text */
        "Zm9v\n",       /* white space */
        "Zm 9v",        /* white space inside */
        "Zm9-",         /* URL-safe alphabet is not this one */
        "Zh==",         /* unused low bits set: only "Zg==" spells "f" */
        "Zm9=",         /* same for two bytes: only "Zm8=" spells "fo" */
        "Zm\0v",        /* NUL */
    };
    refuses_each(base64_decode, bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST(capacity_is_respected)
{
    char enc[8];
    ck_assert_uint_eq(base64_encode((const uint8_t *)"foob", 4, enc, 8), 0); /* needs 9 */
    ck_assert_uint_eq(base64_encode((const uint8_t *)"foo", 3, enc, 4), 0);  /* no room for NUL */
    ck_assert_uint_eq(base64_encode((const uint8_t *)"foo", 3, enc, 5), 4);
    decodes_into_exact_room(base64_decode, "Zm9vYmFy", 6);
    decodes_into_exact_room(base64_decode, "Zm9vYmE=", 5);
    ck_assert_int_eq(BASE64_LEN(16), 24);
}
END_TEST

START_TEST(round_trip_every_length_and_byte)
{
    round_trips(base64_encode, base64_decode, padded_len, "-_");
}
END_TEST

/* ---- base64url, unpadded (RFC 4648 §5; RFC 7540 §3.2.1) ---- */

/* The §10 vectors, their padding left out. */
static const char *const rfc4648_url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};

START_TEST(url_rfc4648_both_ways)
{
    for (size_t i = 0; i < 7; i++) {
        size_t len = strlen(rfc4648_plain[i]);
        char text[16];
        ck_assert_uint_eq(base64url_encode((const uint8_t *)rfc4648_plain[i], len, text, sizeof text),
                          strlen(rfc4648_url[i]));
        ck_assert_uint_eq(BASE64URL_LEN(len), strlen(rfc4648_url[i]));
        ck_assert_str_eq(text, rfc4648_url[i]);
        uint8_t out[16];
        ck_assert_int_eq(base64url_decode(rfc4648_url[i], strlen(rfc4648_url[i]), out, sizeof out), (long)len);
        ck_assert_mem_eq(out, rfc4648_plain[i], len);
    }
}
END_TEST

START_TEST(url_alphabet_for_62_and_63)
{
    /* 0xFB 0xFF: 111110 111111 1111(00): 62, 63, 60, which base64 writes
     * "+/8=" and base64url "-_8". */
    static const uint8_t raw[] = {0xFB, 0xFF};
    char text[8];
    ck_assert_uint_eq(base64url_encode(raw, 2, text, sizeof text), 3);
    ck_assert_str_eq(text, "-_8");
    ck_assert_uint_eq(base64_encode(raw, 2, text, sizeof text), 4);
    ck_assert_str_eq(text, "+/8=");
    uint8_t out[2];
    ck_assert_int_eq(base64url_decode("-_8", 3, out, sizeof out), 2);
    ck_assert_mem_eq(out, raw, 2);
}
END_TEST

START_TEST(url_http2_settings_of_curl)
{
    /* curl --http2's HTTP2-Settings: a SETTINGS payload of three 6-byte
     * settings (id, value): MAX_CONCURRENT_STREAMS (3) 100,
     * INITIAL_WINDOW_SIZE (4) 33554432, ENABLE_PUSH (2) 0. */
    static const uint8_t payload[18] = {0, 3, 0, 0, 0, 100, 0, 4, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0};
    uint8_t out[18];
    ck_assert_int_eq(base64url_decode("AAMAAABkAAQCAAAAAAIAAAAA", 24, out, sizeof out), 18);
    ck_assert_mem_eq(out, payload, 18);
}
END_TEST

START_TEST(url_strict_decoding_refuses)
{
    static const char *const bad[] = {
        "Zg==",   /* padding: base64url as HTTP/2 sends it has none */
        "Zm8=",   /* one pad character */
        "Z",      /* 4k + 1 characters: 6 bits, no byte */
        "Zm9vY",  /* the same after a whole group */
        "Zm9+",   /* base64's alphabet is not this one */
        "Zm9/",
        "Zh",     /* unused low bits set: only "Zg" spells "f" */
        "Zm9",    /* same for two bytes: only "Zm8" spells "fo" */
        "Zm 9v",  /* white space */
        "Zm9v\n",
        "Zm\0v",  /* NUL */
    };
    refuses_each(base64url_decode, bad, sizeof bad / sizeof bad[0]);
}
END_TEST

START_TEST(url_capacity_is_respected)
{
    char enc[8];
    ck_assert_uint_eq(base64url_encode((const uint8_t *)"fooba", 5, enc, 7), 0); /* 7 and a NUL */
    ck_assert_uint_eq(base64url_encode((const uint8_t *)"fooba", 5, enc, 8), 7);
    decodes_into_exact_room(base64url_decode, "Zm9vYmE", 5);
    decodes_into_exact_room(base64url_decode, "Zm9vYmFy", 6);
}
END_TEST

START_TEST(url_round_trip_every_length_and_byte)
{
    round_trips(base64url_encode, base64url_decode, unpadded_len, "+/=");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base64");
    TCase *tc = tcase_create("base64");
    tcase_add_test(tc, rfc4648_encode);
    tcase_add_test(tc, rfc4648_decode);
    tcase_add_test(tc, websocket_sample_key);
    tcase_add_test(tc, strict_decoding_refuses);
    tcase_add_test(tc, capacity_is_respected);
    tcase_add_test(tc, round_trip_every_length_and_byte);
    tcase_add_test(tc, url_rfc4648_both_ways);
    tcase_add_test(tc, url_alphabet_for_62_and_63);
    tcase_add_test(tc, url_http2_settings_of_curl);
    tcase_add_test(tc, url_strict_decoding_refuses);
    tcase_add_test(tc, url_capacity_is_respected);
    tcase_add_test(tc, url_round_trip_every_length_and_byte);
    suite_add_tcase(s, tc);
    return check_run(s);
}

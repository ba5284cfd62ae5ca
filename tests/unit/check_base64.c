/* check_base64.c -- base64: the RFC 4648 §10 vectors both ways, the
 * WebSocket sample key, strict decoding (length, alphabet, padding place,
 * non-zero unused bits), output capacity, and round trips. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "proto/base64.h"

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
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        size_t len = i == sizeof bad / sizeof bad[0] - 1 ? 4 : strlen(bad[i]);
        ck_assert_msg(base64_decode(bad[i], len, out, sizeof out) == -1, "accepted bad[%zu]", i);
    }
}
END_TEST

START_TEST(capacity_is_respected)
{
    char enc[8];
    ck_assert_uint_eq(base64_encode((const uint8_t *)"foob", 4, enc, 8), 0); /* needs 9 */
    ck_assert_uint_eq(base64_encode((const uint8_t *)"foo", 3, enc, 4), 0);  /* no room for NUL */
    ck_assert_uint_eq(base64_encode((const uint8_t *)"foo", 3, enc, 5), 4);
    uint8_t dec[6];
    memset(dec, 0xEE, sizeof dec);
    ck_assert_int_eq(base64_decode("Zm9vYmFy", 8, dec, 5), -1);
    ck_assert_uint_eq(dec[0], 0xEE); /* nothing written when refused for size */
    ck_assert_int_eq(base64_decode("Zm9vYmE=", 8, dec, 5), 5);
    ck_assert_int_eq(BASE64_LEN(16), 24);
}
END_TEST

START_TEST(round_trip_every_length_and_byte)
{
    uint8_t in[64], back[64];
    char text[BASE64_LEN(64) + 1];
    for (size_t len = 0; len <= sizeof in; len++) {
        for (size_t i = 0; i < len; i++)
            in[i] = (uint8_t)(i * 97 + len * 13 + 255);
        size_t n = base64_encode(in, len, text, sizeof text);
        ck_assert_uint_eq(n, BASE64_LEN(len));
        ck_assert_int_eq(base64_decode(text, n, back, sizeof back), (long)len);
        ck_assert(memcmp(in, back, len) == 0);
    }
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
    suite_add_tcase(s, tc);
    return check_run(s);
}

/* check_tls.c -- the TLS record header and hello codec: every prefix of a
 * header is partial, what is not a record is refused at its first wrong
 * byte, and a hello's server name, ALPN list and versions are read --
 * with GREASE ignored, and lengths that lie refused. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "proto/bytebuf.h"
#include "proto/tls.h"

/* ---- building hellos, in the project's byte buffer ---- */

static void put(struct bytebuf *w, const void *p, size_t n)
{
    ck_assert(bytebuf_append(w, p, n));
}

static void put8(struct bytebuf *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}

static void put16(struct bytebuf *w, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 2);
}

/* w's bytes into out; w is freed. */
static size_t take(struct bytebuf *w, uint8_t *out)
{
    size_t n = w->len;
    memcpy(out, w->data, n);
    bytebuf_free(w);
    return n;
}

/* A ClientHello handshake message with the given extensions block. */
static size_t client_hello(uint8_t *out, const uint8_t *exts, size_t exts_len)
{
    struct bytebuf w;
    bytebuf_init(&w, 1024);
    put8(&w, TLS_CLIENT_HELLO);
    put8(&w, 0), put16(&w, 0); /* length, set below */
    put16(&w, 0x0303);
    uint8_t random[32] = {0};
    put(&w, random, sizeof random);
    put8(&w, 0);                              /* session id */
    put16(&w, 2), put16(&w, 0x1301);          /* cipher suites */
    put8(&w, 1), put8(&w, 0);                 /* compression */
    put16(&w, (unsigned)exts_len);
    put(&w, exts, exts_len);
    size_t body = w.len - 4;
    w.data[1] = (char)(body >> 16), w.data[2] = (char)(body >> 8), w.data[3] = (char)body;
    return take(&w, out);
}

static size_t typical_extensions(uint8_t *out)
{
    struct bytebuf w;
    bytebuf_init(&w, 1024);
    put16(&w, 0x0a0a), put16(&w, 0);               /* GREASE extension */
    put16(&w, 0), put16(&w, 17);                   /* server_name */
    put16(&w, 15), put8(&w, 0), put16(&w, 12), put(&w, "pushlab.test", 12);
    put16(&w, 16), put16(&w, 14);                  /* ALPN: h2, http/1.1 */
    put16(&w, 12), put8(&w, 2), put(&w, "h2", 2), put8(&w, 8), put(&w, "http/1.1", 8);
    put16(&w, 43), put16(&w, 7);                   /* supported_versions */
    put8(&w, 6), put16(&w, 0x2a2a), put16(&w, 0x0304), put16(&w, 0x0303);
    return take(&w, out);
}

/* ---- records ---- */

START_TEST(record_header_read_and_every_prefix_partial)
{
    const uint8_t h[] = {23, 3, 3, 0x01, 0x2c};
    struct tls_record rec;
    ck_assert_int_eq(tls_read_record_header(h, sizeof h, &rec, NULL), TLS_RECORD_HEADER);
    ck_assert_int_eq(rec.type, TLS_APPLICATION_DATA);
    ck_assert_int_eq(rec.version, 0x0303);
    ck_assert_int_eq(rec.length, 300);
    for (size_t n = 0; n < sizeof h; n++)
        ck_assert_int_eq(tls_read_record_header(h, n, &rec, NULL), PROTO_PARTIAL);
}
END_TEST

START_TEST(not_a_record_is_refused_at_the_first_wrong_byte)
{
    struct tls_record rec;
    struct proto_err err = {0};
    ck_assert_int_eq(tls_read_record_header((const uint8_t *)"GET / HTTP/1.1", 14, &rec, &err), PROTO_ERROR);
    ck_assert_ptr_nonnull(err.why);
    ck_assert_int_eq(tls_read_record_header((const uint8_t *)"\x16", 1, &rec, NULL), PROTO_PARTIAL);
    ck_assert_int_eq(tls_read_record_header((const uint8_t *)"\x16\x02", 2, &rec, NULL), PROTO_ERROR);
    ck_assert_int_eq(tls_read_record_header((const uint8_t *)"\x16\x03\x05", 3, &rec, NULL), PROTO_ERROR);
    ck_assert_int_eq(tls_read_record_header((const uint8_t *)"\x19\x03\x03", 3, &rec, NULL), PROTO_ERROR);
    /* 2^14 + 2048 is the longest a record may be */
    const uint8_t longest[] = {23, 3, 3, 0x48, 0x00}, longer[] = {23, 3, 3, 0x48, 0x01};
    ck_assert_int_eq(tls_read_record_header(longest, 5, &rec, NULL), TLS_RECORD_HEADER);
    ck_assert_int_eq(tls_read_record_header(longer, 5, &rec, &err), PROTO_ERROR);
}
END_TEST

START_TEST(names_of_types_and_versions)
{
    ck_assert_str_eq(tls_content_name(TLS_APPLICATION_DATA), "application_data");
    ck_assert_str_eq(tls_content_name(99), "unknown");
    ck_assert_str_eq(tls_handshake_name(11), "certificate");
    ck_assert_str_eq(tls_version_name(0x0304), "TLS 1.3");
    ck_assert_ptr_null(tls_version_name(0x0305));
}
END_TEST

/* ---- hellos ---- */

START_TEST(client_hello_names_alpn_and_highest_version)
{
    uint8_t exts[256], msg[512];
    size_t n = client_hello(msg, exts, typical_extensions(exts));
    struct tls_hello h;
    ck_assert_int_eq(tls_parse_hello(msg, n, &h, NULL), (long)n);
    ck_assert_int_eq(h.type, TLS_CLIENT_HELLO);
    ck_assert_int_eq(h.legacy_version, 0x0303);
    ck_assert_int_eq(h.version, 0x0304); /* the GREASE 0x2a2a is not a version */
    ck_assert_int_eq((int)h.server_name.len, 12);
    ck_assert(memcmp(h.server_name.ptr, "pushlab.test", 12) == 0);
    char text[32];
    size_t len = tls_alpn_text(h.alpn, text, sizeof text);
    ck_assert_int_eq((int)len, 11);
    ck_assert(memcmp(text, "h2,http/1.1", 11) == 0);
    /* cut at a name's end, never inside one */
    ck_assert_int_eq((int)tls_alpn_text(h.alpn, text, 5), 2);
    /* every prefix is partial (the message's length says more is coming) */
    for (size_t k = 0; k < n; k++)
        ck_assert_int_eq(tls_parse_hello(msg, k, &h, NULL), PROTO_PARTIAL);
}
END_TEST

START_TEST(hello_without_extensions_is_tls12_and_older)
{
    uint8_t msg[128], none[1] = {0};
    size_t n = client_hello(msg, none, 0) - 2; /* drop the empty extensions' length too */
    msg[3] = (uint8_t)(n - 4);
    struct tls_hello h;
    ck_assert_int_eq(tls_parse_hello(msg, n, &h, NULL), (long)n);
    ck_assert_int_eq(h.version, 0x0303);
    ck_assert_int_eq((int)h.server_name.len, 0);
    ck_assert_int_eq((int)h.alpn.len, 0);
}
END_TEST

START_TEST(server_hello_says_the_version_agreed)
{
    struct bytebuf w;
    bytebuf_init(&w, 1024);
    put8(&w, TLS_SERVER_HELLO), put8(&w, 0), put16(&w, 0);
    put16(&w, 0x0303);
    uint8_t random[32] = {0};
    put(&w, random, 32);
    put8(&w, 0), put16(&w, 0x1301), put8(&w, 0);
    put16(&w, 6), put16(&w, 43), put16(&w, 2), put16(&w, 0x0304);
    uint8_t msg[128];
    size_t n = take(&w, msg);
    msg[3] = (uint8_t)(n - 4);
    struct tls_hello h;
    ck_assert_int_eq(tls_parse_hello(msg, n, &h, NULL), (long)n);
    ck_assert_int_eq(h.type, TLS_SERVER_HELLO);
    ck_assert_int_eq(h.version, 0x0304);
}
END_TEST

START_TEST(lengths_that_lie_are_refused)
{
    uint8_t exts[256], msg[512], bad[512];
    size_t e = typical_extensions(exts), n = client_hello(msg, exts, e);
    struct tls_hello h;
    struct proto_err err = {0};
    /* the server name list claims one byte more than its extension holds */
    memcpy(bad, msg, n);
    size_t sni_list = n - e + 4 + 4; /* extensions start at n - e; GREASE takes 4, SNI's header 4 */
    bad[sni_list + 1]++;
    ck_assert_int_eq(tls_parse_hello(bad, n, &h, &err), PROTO_ERROR);
    ck_assert_ptr_nonnull(err.why);
    /* the extensions block is one byte shorter than what follows it */
    memcpy(bad, msg, n);
    bad[n - e - 1]--;
    ck_assert_int_eq(tls_parse_hello(bad, n, &h, &err), PROTO_ERROR);
    /* an ALPN name of length 0 */
    uint8_t alpn0[] = {0, 16, 0, 3, 0, 1, 0};
    n = client_hello(msg, alpn0, sizeof alpn0);
    ck_assert_int_eq(tls_parse_hello(msg, n, &h, &err), PROTO_ERROR);
    /* server_name twice */
    uint8_t twice[2 * 21];
    memcpy(twice, exts + 4, 21);
    memcpy(twice + 21, exts + 4, 21);
    n = client_hello(msg, twice, sizeof twice);
    ck_assert_int_eq(tls_parse_hello(msg, n, &h, &err), PROTO_ERROR);
    ck_assert_str_eq(err.why, "a TLS extension sent twice in one hello");
    /* not a hello at all */
    ck_assert_int_eq(tls_parse_hello((const uint8_t *)"\x0b\x00\x00\x00", 4, &h, &err), PROTO_ERROR);
}
END_TEST

static Suite *tls_suite(void)
{
    Suite *s = suite_create("tls");
    TCase *tc = tcase_create("records");
    tcase_add_test(tc, record_header_read_and_every_prefix_partial);
    tcase_add_test(tc, not_a_record_is_refused_at_the_first_wrong_byte);
    tcase_add_test(tc, names_of_types_and_versions);
    suite_add_tcase(s, tc);
    tc = tcase_create("hellos");
    tcase_add_test(tc, client_hello_names_alpn_and_highest_version);
    tcase_add_test(tc, hello_without_extensions_is_tls12_and_older);
    tcase_add_test(tc, server_hello_says_the_version_agreed);
    tcase_add_test(tc, lengths_that_lie_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(tls_suite());
}

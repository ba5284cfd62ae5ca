/* fuzz_tls.c -- libFuzzer target for the TLS record and hello codec.
 *
 * The input is read as a record header and as a handshake message.
 * Checks, on arbitrary bytes:
 *   - a record header is read only from 5 bytes, with the fields the bytes
 *     hold, and never past TLS_RECORD_MAX; every shorter prefix of a header
 *     that reads is partial;
 *   - a hello is accepted only whole: its length is 4 + the length its
 *     header declares, within the input; every prefix of it is partial;
 *   - the server name and ALPN slices lie inside the message, and the ALPN
 *     text fits its buffer and is printable ASCII and commas.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/tls.h"

#include "fuzz_check.h"


static bool inside(struct slice s, const uint8_t *p, size_t len)
{
    return s.len == 0 || ((const uint8_t *)s.ptr >= p && (const uint8_t *)s.ptr + s.len <= p + len);
}

static void check_record(const uint8_t *in, size_t len)
{
    struct tls_record rec;
    struct proto_err err = {0};
    long r = tls_read_record_header(in, len, &rec, &err);
    CHECK(r == TLS_RECORD_HEADER || r == PROTO_PARTIAL || r == PROTO_ERROR);
    if (r == PROTO_ERROR)
        CHECK(err.why != NULL);
    if (r == PROTO_PARTIAL)
        CHECK(len < TLS_RECORD_HEADER);
    if (r != TLS_RECORD_HEADER)
        return;
    CHECK(rec.type == in[0] && rec.version == (in[1] << 8 | in[2]) && rec.length == (in[3] << 8 | in[4]));
    CHECK(rec.length <= TLS_RECORD_MAX && tls_version_name(rec.version) != NULL);
    for (size_t k = 0; k < TLS_RECORD_HEADER; k++)
        CHECK(tls_read_record_header(in, k, &rec, NULL) == PROTO_PARTIAL);
    CHECK(strcmp(tls_content_name(in[0]), "unknown") != 0);
}

static void check_hello(const uint8_t *in, size_t len)
{
    struct tls_hello h;
    struct proto_err err = {0};
    long r = tls_parse_hello(in, len, &h, &err);
    CHECK(r > 0 || r == PROTO_PARTIAL || r == PROTO_ERROR);
    if (r == PROTO_ERROR)
        CHECK(err.why != NULL);
    if (r <= 0)
        return;
    size_t declared = (size_t)in[1] << 16 | (size_t)in[2] << 8 | in[3];
    CHECK((size_t)r == 4 + declared && (size_t)r <= len);
    CHECK(h.type == in[0] && (h.type == TLS_CLIENT_HELLO || h.type == TLS_SERVER_HELLO));
    CHECK(inside(h.server_name, in, (size_t)r) && inside(h.alpn, in, (size_t)r));
    char text[64];
    size_t cap = len % sizeof text;
    size_t n = tls_alpn_text(h.alpn, text, cap);
    CHECK(n <= cap);
    for (size_t i = 0; i < n; i++)
        CHECK(text[i] >= 0x20 && text[i] < 0x7f);
    for (size_t k = 0; k < (size_t)r; k += 1 + k / 8)
        CHECK(tls_parse_hello(in, k, &h, NULL) == PROTO_PARTIAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    uint8_t *in = exact_copy(bytes, size);
    check_record(in, size);
    check_hello(in, size);
    /* the same bytes after a record header, as the dissector hands them */
    if (size > TLS_RECORD_HEADER)
        check_hello(in + TLS_RECORD_HEADER, size - TLS_RECORD_HEADER);
    free(in);
    return 0;
}

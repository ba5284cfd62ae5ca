/* check_ws.c -- WebSocket (RFC 6455): the accept value of §1.3, client and
 * server handshake checks, the §5.7 example frames byte for byte, every
 * header length form split at every point, the length and control rules,
 * masking at every offset and alignment, the message rules for fragments
 * (1002, 1007, 1009), and close codes and payloads (§7.4). */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "proto/ws.h"

static const struct ws_frame_rules server_rules = {WS_MASK_REQUIRED, 0, true};
static const struct ws_frame_rules client_rules = {WS_MASK_FORBIDDEN, 0, true};
static const struct ws_frame_rules observer_rules = {WS_MASK_ANY, 0, false};

/* ---- handshake ---- */

START_TEST(accept_value_of_rfc_example)
{
    char accept[29];
    ws_accept_for_key("dGhlIHNhbXBsZSBub25jZQ==", 24, accept);
    ck_assert_str_eq(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

static struct slice sl(const char *s) { return (struct slice){s, strlen(s)}; }

/* A parsed request as http_parse_request would leave it; `pairs` is a
 * NULL-terminated list of name, value, name, value... */
static void make_request(struct http_request *req, const char *method, int minor,
                         const char *const *pairs)
{
    memset(req, 0, sizeof *req);
    req->method = sl(method);
    req->target = req->path = sl("/ws");
    req->minor_version = minor;
    for (size_t i = 0; pairs[i]; i += 2, req->num_headers++) {
        req->headers[req->num_headers].name = sl(pairs[i]);
        req->headers[req->num_headers].value = sl(pairs[i + 1]);
    }
}

#define GOOD_KEY "dGhlIHNhbXBsZSBub25jZQ=="

/* The status a client handshake gets: 0 when accepted, else err.code. */
static int client_handshake_status(const char *method, int minor, const char *const *pairs)
{
    struct http_request req;
    struct ws_handshake hs;
    struct proto_err err = {0};
    make_request(&req, method, minor, pairs);
    if (ws_check_client_handshake(&req, &hs, &err) == 0)
        return 0;
    ck_assert_ptr_nonnull(err.why);
    return err.code;
}

START_TEST(client_handshake_accepted)
{
    const char *pairs[] = {"Host", "localhost", "Upgrade", "WebSocket", "Connection",
                           "keep-alive, Upgrade", "Sec-WebSocket-Key", GOOD_KEY,
                           "sec-websocket-version", "13", "Origin", "http://localhost",
                           "Sec-WebSocket-Protocol", "chat, superchat", NULL};
    struct http_request req;
    struct ws_handshake hs;
    struct proto_err err = {0};
    make_request(&req, "GET", 1, pairs);
    ck_assert_int_eq(ws_check_client_handshake(&req, &hs, &err), 0);
    ck_assert(slice_eq(hs.key, GOOD_KEY));
    ck_assert(slice_eq(hs.origin, "http://localhost"));
    ck_assert(slice_eq(hs.protocols, "chat, superchat"));

    const char *bare[] = {"Upgrade", "websocket", "Connection", "upgrade", "Sec-WebSocket-Key",
                          GOOD_KEY, "Sec-WebSocket-Version", "13", NULL};
    make_request(&req, "GET", 1, bare);
    ck_assert_int_eq(ws_check_client_handshake(&req, &hs, &err), 0);
    ck_assert_uint_eq(hs.origin.len, 0);
    ck_assert_uint_eq(hs.protocols.len, 0);
}
END_TEST

START_TEST(client_handshake_refused)
{
    const char *good[] = {"Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Key",
                          GOOD_KEY, "Sec-WebSocket-Version", "13", NULL};
    ck_assert_int_eq(client_handshake_status("POST", 1, good), 400);
    ck_assert_int_eq(client_handshake_status("get", 1, good), 400); /* methods are case-sensitive */
    ck_assert_int_eq(client_handshake_status("GET", 0, good), 400);

    const char *no_upgrade[] = {"Connection", "Upgrade", "Sec-WebSocket-Key", GOOD_KEY,
                                "Sec-WebSocket-Version", "13", NULL};
    ck_assert_int_eq(client_handshake_status("GET", 1, no_upgrade), 400);
    const char *other_upgrade[] = {"Upgrade", "h2c", "Connection", "Upgrade", "Sec-WebSocket-Key",
                                   GOOD_KEY, "Sec-WebSocket-Version", "13", NULL};
    ck_assert_int_eq(client_handshake_status("GET", 1, other_upgrade), 400);
    const char *no_conn_token[] = {"Upgrade", "websocket", "Connection", "keep-alive, upgrader",
                                   "Sec-WebSocket-Key", GOOD_KEY, "Sec-WebSocket-Version", "13",
                                   NULL};
    ck_assert_int_eq(client_handshake_status("GET", 1, no_conn_token), 400);

    const char *old_version[] = {"Upgrade", "websocket", "Connection", "Upgrade",
                                 "Sec-WebSocket-Key", GOOD_KEY, "Sec-WebSocket-Version", "8", NULL};
    ck_assert_int_eq(client_handshake_status("GET", 1, old_version), 426);
    const char *no_version[] = {"Upgrade", "websocket", "Connection", "Upgrade",
                                "Sec-WebSocket-Key", GOOD_KEY, NULL};
    ck_assert_int_eq(client_handshake_status("GET", 1, no_version), 400);

    static const char *const bad_keys[] = {
        "",
        "dGhlIHNhbXBsZSBub25jZQ",   /* padding missing */
        "dGhlIHNhbXBsZSBub25j",     /* 15 bytes */
        "dGhlIHNhbXBsZSBub25jZQ=!", /* not base64 */
        "dGhlIHNhbXBsZSBub25jZQAA", /* 24 characters but 18 bytes */
        "dGhlIHNhbXBsZSBub25jZQ=",  /* 23 characters */
        "dGhlIHNhbXBsZSBub25jZXNz", /* 18 bytes */
    };
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        const char *pairs[] = {"Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Key",
                               bad_keys[i], "Sec-WebSocket-Version", "13", NULL};
        ck_assert_msg(client_handshake_status("GET", 1, pairs) == 400, "key %zu", i);
    }
    const char *no_key[] = {"Upgrade", "websocket", "Connection", "Upgrade",
                            "Sec-WebSocket-Version", "13", NULL};
    ck_assert_int_eq(client_handshake_status("GET", 1, no_key), 400);
    /* RFC 6455 §11.3.1 and §11.3.5: at most once in a request, even twice
     * the same */
    const char *two_keys[] = {"Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Key",
                              GOOD_KEY, "Sec-WebSocket-Version", "13", "sec-websocket-key",
                              GOOD_KEY, NULL};
    ck_assert_int_eq(client_handshake_status("GET", 1, two_keys), 400);
    const char *two_versions[] = {"Upgrade", "websocket", "Connection", "Upgrade",
                                  "Sec-WebSocket-Key", GOOD_KEY, "Sec-WebSocket-Version", "13",
                                  "Sec-WebSocket-Version", "13", NULL};
    ck_assert_int_eq(client_handshake_status("GET", 1, two_versions), 400);
}
END_TEST

static int server_handshake(int status, const char *const *pairs)
{
    struct http_response res;
    memset(&res, 0, sizeof res);
    res.status = status;
    res.minor_version = 1;
    for (size_t i = 0; pairs[i]; i += 2, res.num_headers++) {
        res.headers[res.num_headers].name = sl(pairs[i]);
        res.headers[res.num_headers].value = sl(pairs[i + 1]);
    }
    struct proto_err err = {0};
    return ws_check_server_handshake(&res, GOOD_KEY, 24, &err);
}

START_TEST(server_handshake_checked_by_the_client)
{
    const char *good[] = {"Upgrade", "websocket", "Connection", "Upgrade",
                          "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", NULL};
    ck_assert_int_eq(server_handshake(101, good), 0);
    ck_assert_int_eq(server_handshake(200, good), PROTO_ERROR);
    const char *wrong_accept[] = {"Upgrade", "websocket", "Connection", "Upgrade",
                                  "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo", NULL};
    ck_assert_int_eq(server_handshake(101, wrong_accept), PROTO_ERROR);
    const char *accept_case[] = {"Upgrade", "websocket", "Connection", "Upgrade",
                                 "Sec-WebSocket-Accept", "S3PPLMBITXAQ9KYGZZHZRBK+XOO=", NULL};
    ck_assert_int_eq(server_handshake(101, accept_case), PROTO_ERROR);
    const char *no_accept[] = {"Upgrade", "websocket", "Connection", "Upgrade", NULL};
    ck_assert_int_eq(server_handshake(101, no_accept), PROTO_ERROR);
    const char *no_upgrade[] = {"Connection", "Upgrade", "Sec-WebSocket-Accept",
                                "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", NULL};
    ck_assert_int_eq(server_handshake(101, no_upgrade), PROTO_ERROR);
    const char *no_connection[] = {"Upgrade", "websocket", "Sec-WebSocket-Accept",
                                   "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", NULL};
    ck_assert_int_eq(server_handshake(101, no_connection), PROTO_ERROR);
    const char *two_accepts[] = {"Upgrade", "websocket", "Connection", "Upgrade",
                                 "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
                                 "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", NULL};
    ck_assert_int_eq(server_handshake(101, two_accepts), PROTO_ERROR); /* RFC 6455 §11.3.3 */
}
END_TEST

/* ---- frame headers ---- */

/* Parse buf whole and assert that every prefix shorter than the header is
 * PROTO_PARTIAL (or, when the whole is an error, PROTO_PARTIAL or the same
 * error).  Bytes after the header (payload) are not looked at. */
static long parse_all_prefixes(const uint8_t *buf, size_t len, const struct ws_frame_rules *rules,
                               struct ws_frame_header *h, struct proto_err *err)
{
    long whole = ws_parse_frame_header(buf, len, rules, h, err);
    size_t header_bytes = whole >= 0 ? (size_t)whole : len;
    for (size_t n = 0; n < header_bytes; n++) {
        struct ws_frame_header ph;
        struct proto_err perr = {0};
        long r = ws_parse_frame_header(buf, n, rules, &ph, &perr);
        if (whole >= 0)
            ck_assert_msg(r == PROTO_PARTIAL, "prefix %zu gave %ld", n, r);
        else
            ck_assert_msg(r == PROTO_PARTIAL || (r == PROTO_ERROR && perr.code == err->code),
                          "prefix %zu gave %ld", n, r);
    }
    return whole;
}

/* One §5.7 example: parse it, check the fields, unmask the payload, and
 * build the same header back. */
static void check_example(const uint8_t *frame, size_t len, const struct ws_frame_rules *rules,
                          bool fin, unsigned opcode, const char *payload)
{
    struct ws_frame_header h;
    struct proto_err err = {0};
    long n = parse_all_prefixes(frame, len, rules, &h, &err);
    ck_assert_int_eq(n, h.masked ? 6 : 2);
    ck_assert_int_eq(h.fin, fin);
    ck_assert_uint_eq(h.opcode, opcode);
    ck_assert_uint_eq(h.rsv, 0);
    ck_assert_uint_eq(h.payload_len, strlen(payload));
    ck_assert_uint_eq(len, (size_t)n + h.payload_len);
    uint8_t data[16];
    memcpy(data, frame + n, h.payload_len);
    if (h.masked)
        ws_mask(data, h.payload_len, h.mask, 0);
    ck_assert_mem_eq(data, payload, h.payload_len);
    uint8_t out[WS_MAX_HEADER];
    size_t built = ws_build_frame_header(out, fin, opcode, h.payload_len, h.masked ? h.mask : NULL);
    ck_assert_uint_eq(built, (size_t)n);
    ck_assert_mem_eq(out, frame, built);
}

START_TEST(rfc6455_section_5_7_examples)
{
    static const uint8_t hello[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    check_example(hello, sizeof hello, &client_rules, true, WS_OP_TEXT, "Hello");
    static const uint8_t masked_hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f,
                                           0x9f, 0x4d, 0x51, 0x58};
    check_example(masked_hello, sizeof masked_hello, &server_rules, true, WS_OP_TEXT, "Hello");
    static const uint8_t hel[] = {0x01, 0x03, 0x48, 0x65, 0x6c};
    static const uint8_t lo[] = {0x80, 0x02, 0x6c, 0x6f};
    check_example(hel, sizeof hel, &client_rules, false, WS_OP_TEXT, "Hel");
    check_example(lo, sizeof lo, &client_rules, true, WS_OP_CONTINUATION, "lo");
    static const uint8_t ping[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    check_example(ping, sizeof ping, &client_rules, true, WS_OP_PING, "Hello");
    static const uint8_t masked_pong[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f,
                                          0x9f, 0x4d, 0x51, 0x58};
    check_example(masked_pong, sizeof masked_pong, &server_rules, true, WS_OP_PONG, "Hello");

    /* 256 bytes and 64 KiB of binary data in one unmasked frame. */
    uint8_t out[WS_MAX_HEADER];
    static const uint8_t h256[] = {0x82, 0x7E, 0x01, 0x00};
    ck_assert_uint_eq(ws_build_frame_header(out, true, WS_OP_BINARY, 256, NULL), 4);
    ck_assert_mem_eq(out, h256, 4);
    static const uint8_t h64k[] = {0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00};
    ck_assert_uint_eq(ws_build_frame_header(out, true, WS_OP_BINARY, 65536, NULL), 10);
    ck_assert_mem_eq(out, h64k, 10);
    struct ws_frame_header h;
    struct proto_err err = {0};
    ck_assert_int_eq(parse_all_prefixes(h64k, 10, &client_rules, &h, &err), 10);
    ck_assert_uint_eq(h.payload_len, 65536);
    ck_assert_uint_eq(h.len_bits, 64);
}
END_TEST

START_TEST(every_length_form_round_trips)
{
    static const uint64_t lengths[] = {0, 1, 125, 126, 127, 65535, 65536, 0xFFFFFFFFull,
                                       0x7FFFFFFFFFFFFFFFull};
    static const unsigned bits[] = {7, 7, 7, 16, 16, 16, 64, 64, 64};
    static const uint8_t key[4] = {0xde, 0xad, 0xbe, 0xef};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        for (int masked = 0; masked <= 1; masked++) {
            uint8_t out[WS_MAX_HEADER];
            size_t n = ws_build_frame_header(out, true, WS_OP_BINARY, lengths[i], masked ? key : NULL);
            unsigned want_len = 2 + (bits[i] == 16 ? 2 : bits[i] == 64 ? 8 : 0) + (masked ? 4 : 0);
            ck_assert_uint_eq(n, want_len);
            struct ws_frame_header h;
            struct proto_err err = {0};
            const struct ws_frame_rules *rules = masked ? &server_rules : &client_rules;
            ck_assert_int_eq(parse_all_prefixes(out, n, rules, &h, &err), (long)n);
            ck_assert_uint_eq(h.payload_len, lengths[i]);
            ck_assert_uint_eq(h.len_bits, bits[i]);
            ck_assert_uint_eq(h.header_len, n);
            ck_assert_int_eq(h.masked, masked);
            if (masked)
                ck_assert_mem_eq(h.mask, key, 4);
        }
    }
}
END_TEST

/* The close code of parsing buf[0..len) whole, 0 when accepted. */
static int header_fault(const uint8_t *buf, size_t len, const struct ws_frame_rules *rules)
{
    struct ws_frame_header h;
    struct proto_err err = {0};
    long r = parse_all_prefixes(buf, len, rules, &h, &err);
    if (r >= 0)
        return 0;
    ck_assert_int_eq(r, PROTO_ERROR);
    ck_assert_ptr_nonnull(err.why);
    return err.code;
}

START_TEST(non_minimal_lengths_and_the_top_bit)
{
    static const uint8_t len16_125[] = {0x82, 0x7E, 0x00, 0x7D};
    static const uint8_t len16_126[] = {0x82, 0x7E, 0x00, 0x7E};
    static const uint8_t len64_65535[] = {0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const uint8_t len64_top[] = {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t len64_huge[] = {0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    ck_assert_int_eq(header_fault(len16_125, 4, &client_rules), 1002);
    ck_assert_int_eq(header_fault(len16_125, 4, &observer_rules), 0);
    ck_assert_int_eq(header_fault(len16_126, 4, &client_rules), 0);
    ck_assert_int_eq(header_fault(len64_65535, 10, &client_rules), 1002);
    ck_assert_int_eq(header_fault(len64_65535, 10, &observer_rules), 0);
    ck_assert_int_eq(header_fault(len64_top, 10, &client_rules), 1002);
    ck_assert_int_eq(header_fault(len64_top, 10, &observer_rules), 1002); /* always */
    ck_assert_int_eq(header_fault(len64_huge, 10, &client_rules), 0);
}
END_TEST

START_TEST(mask_rsv_opcode_and_control_rules)
{
    static const uint8_t unmasked[] = {0x81, 0x00};
    static const uint8_t masked[] = {0x81, 0x80, 1, 2, 3, 4};
    ck_assert_int_eq(header_fault(unmasked, 2, &server_rules), 1002);
    ck_assert_int_eq(header_fault(masked, 6, &client_rules), 1002);
    ck_assert_int_eq(header_fault(unmasked, 2, &observer_rules), 0);
    ck_assert_int_eq(header_fault(masked, 6, &observer_rules), 0);

    /* RSV bits fail on the first byte alone, unless an extension allows them. */
    struct ws_frame_header h;
    struct proto_err err = {0};
    static const uint8_t rsv1[] = {0xC1, 0x00};
    ck_assert_int_eq(ws_parse_frame_header(rsv1, 1, &client_rules, &h, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 1002);
    const struct ws_frame_rules deflate = {WS_MASK_FORBIDDEN, 4, true};
    ck_assert_int_eq(ws_parse_frame_header(rsv1, 2, &deflate, &h, &err), 2);
    ck_assert_uint_eq(h.rsv, 4);
    static const uint8_t rsv2[] = {0xA1, 0x00}, rsv3[] = {0x91, 0x00};
    ck_assert_int_eq(header_fault(rsv2, 2, &deflate), 1002);
    ck_assert_int_eq(header_fault(rsv3, 2, &observer_rules), 1002);

    /* Reserved opcodes: refused when strict, shown to an observer. */
    for (unsigned op = 0; op < 16; op++) {
        uint8_t frame[2] = {(uint8_t)(0x80 | op), 0x00};
        bool reserved = (op >= 3 && op <= 7) || op >= 0xB;
        ck_assert_int_eq(header_fault(frame, 2, &client_rules), reserved ? 1002 : 0);
        ck_assert_int_eq(header_fault(frame, 2, &observer_rules), 0);
    }

    /* Control frames: never fragmented, at most 125 bytes; refused as soon
     * as the deciding byte is seen. */
    static const uint8_t ping_no_fin[] = {0x09, 0x00};
    ck_assert_int_eq(ws_parse_frame_header(ping_no_fin, 1, &client_rules, &h, &err), PROTO_ERROR);
    static const uint8_t ping_125[] = {0x89, 0x7D};
    ck_assert_int_eq(header_fault(ping_125, 2, &client_rules), 0);
    static const uint8_t close_126[] = {0x88, 0x7E, 0x00, 0x7E};
    ck_assert_int_eq(ws_parse_frame_header(close_126, 2, &client_rules, &h, &err), PROTO_ERROR);
    ck_assert_int_eq(header_fault(close_126, 4, &observer_rules), 0);
}
END_TEST

START_TEST(opcode_names)
{
    ck_assert_str_eq(ws_opcode_name(WS_OP_TEXT), "text");
    ck_assert_str_eq(ws_opcode_name(WS_OP_CONTINUATION), "continuation");
    ck_assert_str_eq(ws_opcode_name(WS_OP_PONG), "pong");
    ck_assert_str_eq(ws_opcode_name(0x3), "reserved-0x3");
    ck_assert_str_eq(ws_opcode_name(0xF), "reserved-0xf");
    ck_assert(ws_is_control(WS_OP_CLOSE) && !ws_is_control(WS_OP_BINARY));
}
END_TEST

/* ---- masking ---- */

START_TEST(masking_at_every_offset_and_alignment)
{
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    uint8_t plain[48], want[48], buf[48 + 8];
    for (size_t i = 0; i < sizeof plain; i++) {
        plain[i] = (uint8_t)(i * 29 + 7);
        want[i] = plain[i] ^ key[i % 4]; /* the definition in §5.3 */
    }
    for (size_t align = 0; align < 8; align++) {
        uint8_t *data = buf + align;
        for (size_t len = 0; len <= sizeof plain; len++) {
            /* Whole payload at once. */
            memcpy(data, plain, len);
            ws_mask(data, len, key, 0);
            ck_assert(memcmp(data, want, len) == 0);
            /* In two pieces at every cut, the second with its offset. */
            for (size_t cut = 0; cut <= len; cut++) {
                memcpy(data, plain, len);
                ws_mask(data, cut, key, 0);
                ws_mask(data + cut, len - cut, key, cut);
                ck_assert(memcmp(data, want, len) == 0);
            }
        }
    }
    /* Offsets beyond 32 bits keep their position modulo 4. */
    memcpy(buf, plain + 3, 20);
    ws_mask(buf, 20, key, (1ull << 40) + 3);
    ck_assert(memcmp(buf, want + 3, 20) == 0);
    /* Masking twice restores the data. */
    memcpy(buf, plain, 48);
    ws_mask(buf, 48, key, 5);
    ws_mask(buf, 48, key, 5);
    ck_assert_mem_eq(buf, plain, 48);
}
END_TEST

/* ---- messages ---- */

static struct ws_frame_header frame(bool fin, unsigned opcode, uint64_t len)
{
    struct ws_frame_header h = {0};
    h.fin = fin;
    h.opcode = opcode;
    h.payload_len = len;
    return h;
}

/* Run one whole frame through the message layer: its header, its payload
 * (in one piece), and its end.  The close code on failure, else the
 * frame-done result (1 message complete, 0 more to come). */
static int feed_frame(struct ws_message *m, bool fin, unsigned opcode, const char *payload)
{
    struct ws_frame_header h = frame(fin, opcode, strlen(payload));
    struct proto_err err = {0};
    if (ws_message_frame(m, &h, &err) < 0 ||
        ws_message_payload(m, &h, (const uint8_t *)payload, h.payload_len, &err) < 0)
        return err.code;
    int r = ws_message_frame_done(m, &h, &err);
    return r < 0 ? err.code : r;
}

START_TEST(fragmented_message_with_control_frames_between)
{
    struct ws_message m;
    ws_message_init(&m, 0);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_TEXT, "Hello"), 1);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_TEXT, "Hel"), 0);
    ck_assert(m.in_message);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_PING, "p"), 1);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_PONG, ""), 1);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_CONTINUATION, ""), 0);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_CONTINUATION, "lo"), 1);
    ck_assert(!m.in_message);
    ck_assert_uint_eq(m.length, 5);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_BINARY, "\xff\xfe"), 0);
    ck_assert_uint_eq(m.opcode, WS_OP_BINARY);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_CONTINUATION, "\xc0"), 1);
}
END_TEST

START_TEST(continuation_rules_give_1002)
{
    struct ws_message m;
    ws_message_init(&m, 0);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_CONTINUATION, "x"), 1002);
    ws_message_init(&m, 0);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_TEXT, "a"), 0);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_TEXT, "b"), 1002);
    ws_message_init(&m, 0);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_BINARY, "a"), 0);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_BINARY, "b"), 1002);
    ws_message_init(&m, 0);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_TEXT, "done"), 1);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_CONTINUATION, "late"), 1002);
    ws_message_init(&m, 0);
    ck_assert_int_eq(feed_frame(&m, true, 0x3, "reserved"), 1002);
}
END_TEST

START_TEST(text_must_be_utf8_gives_1007)
{
    struct ws_message m;
    ws_message_init(&m, 0);
    /* A code point split across fragments is fine. */
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_TEXT, "caf\xc3"), 0);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_CONTINUATION, "\xa9!"), 1);
    /* A bad byte fails in the fragment that holds it, before the end. */
    ws_message_init(&m, 0);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_TEXT, "ok"), 0);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_CONTINUATION, "\xed\xa0\x80"), 1007);
    /* Fail fast inside one frame's payload, fed in pieces. */
    ws_message_init(&m, 0);
    struct ws_frame_header h = frame(true, WS_OP_TEXT, 6);
    struct proto_err err = {0};
    ck_assert_int_eq(ws_message_frame(&m, &h, &err), 0);
    ck_assert_int_eq(ws_message_payload(&m, &h, (const uint8_t *)"ab\xf4", 3, &err), 0);
    ck_assert_int_eq(ws_message_payload(&m, &h, (const uint8_t *)"\x90", 1, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 1007);
    /* A message that ends inside a code point. */
    ws_message_init(&m, 0);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_TEXT, "ok"), 0);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_CONTINUATION, "\xe2\x82"), 1007);
    /* The validator starts afresh with each message. */
    ws_message_init(&m, 0);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_BINARY, "\xe2\x82"), 1);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_TEXT, "\xac"), 1007);
}
END_TEST

START_TEST(message_size_limit_gives_1009)
{
    struct ws_message m;
    ws_message_init(&m, 10);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_TEXT, "0123456789"), 1);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_TEXT, "0123456789"), 1); /* length restarts */
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_TEXT, "0123456789A"), 1009);
    ws_message_init(&m, 10);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_BINARY, "012345"), 0);
    ck_assert_int_eq(feed_frame(&m, false, WS_OP_CONTINUATION, "6789"), 0);
    ck_assert_int_eq(feed_frame(&m, true, WS_OP_CONTINUATION, "X"), 1009);
    /* Refused from the header alone, however large the length. */
    ws_message_init(&m, 10);
    struct ws_frame_header h = frame(true, WS_OP_BINARY, 0x7FFFFFFFFFFFFFFFull);
    struct proto_err err = {0};
    ck_assert_int_eq(ws_message_frame(&m, &h, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 1009);
    ws_message_init(&m, 0); /* 0: no limit */
    ck_assert_int_eq(ws_message_frame(&m, &h, &err), 0);
}
END_TEST

/* ---- close ---- */

START_TEST(close_code_classes)
{
    static const unsigned valid[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                                     1012, 1013, 1014, 3000, 3999, 4000, 4999};
    static const unsigned invalid[] = {0,    1,    999,  1004, 1005, 1006, 1015,
                                       1016, 2000, 2999, 5000, 65535};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        ck_assert_msg(ws_close_code_valid(valid[i]), "%u", valid[i]);
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        ck_assert_msg(!ws_close_code_valid(invalid[i]), "%u", invalid[i]);
}
END_TEST

START_TEST(close_payload_parse)
{
    unsigned code = 0;
    struct slice reason;
    struct proto_err err = {0};
    ck_assert_int_eq(ws_close_parse(NULL, 0, &code, &reason, &err), 0);
    ck_assert_uint_eq(code, WS_CLOSE_NO_STATUS);
    ck_assert_uint_eq(reason.len, 0);
    ck_assert_int_eq(ws_close_parse((const uint8_t *)"\x03\xe8"
                                                     "bye",
                                    5, &code, &reason, &err),
                     0);
    ck_assert_uint_eq(code, 1000);
    ck_assert(slice_eq(reason, "bye"));
    ck_assert_int_eq(ws_close_parse((const uint8_t *)"\x0f\xa0", 2, &code, &reason, &err), 0);
    ck_assert_uint_eq(code, 4000);
    ck_assert_uint_eq(reason.len, 0);

    static const struct {
        const char *p;
        size_t len;
    } bad[] = {
        {"\x03", 1},                /* 1-byte payload */
        {"\x03\xed", 2},            /* 1005 may not be sent */
        {"\x03\xee", 2},            /* nor 1006 */
        {"\x03\xf7", 2},            /* 1015 */
        {"\x03\xe7", 2},            /* 999 */
        {"\x13\x88", 2},            /* 5000 */
        {"\x03\xe8\xff", 3},        /* reason not UTF-8 */
        {"\x03\xe8\xc3", 3},        /* reason cut inside a code point */
        {"\x03\xe8ok\xed\xa0\x80", 7}, /* surrogate in the reason */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.code = 0;
        ck_assert_msg(ws_close_parse((const uint8_t *)bad[i].p, bad[i].len, &code, &reason, &err) ==
                              PROTO_ERROR && err.code == 1002,
                      "bad[%zu]", i);
    }
}
END_TEST

START_TEST(close_payload_build)
{
    uint8_t out[WS_MAX_CONTROL];
    ck_assert_uint_eq(ws_close_build(out, 1001, "gone", 4), 6);
    ck_assert_mem_eq(out, "\x03\xe9gone", 6);
    ck_assert_uint_eq(ws_close_build(out, 1000, NULL, 0), 2);
    ck_assert_uint_eq(ws_close_build(out, WS_CLOSE_NO_STATUS, "x", 1), 0);

    /* 62 two-byte characters are 124 bytes; 123 fit, and the cut must not
     * fall inside the 62nd character. */
    char long_reason[124];
    for (size_t i = 0; i < 62; i++)
        memcpy(long_reason + 2 * i, "\xc3\xa9", 2);
    size_t n = ws_close_build(out, 1009, long_reason, sizeof long_reason);
    ck_assert_uint_eq(n, 2 + 122);
    unsigned code = 0;
    struct slice reason;
    struct proto_err err = {0};
    ck_assert_int_eq(ws_close_parse(out, n, &code, &reason, &err), 0);
    ck_assert_uint_eq(code, 1009);
    ck_assert_uint_eq(reason.len, 122);
    /* ASCII is cut at exactly 123 bytes. */
    char ascii[200];
    memset(ascii, 'r', sizeof ascii);
    ck_assert_uint_eq(ws_close_build(out, 4000, ascii, sizeof ascii), WS_MAX_CONTROL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ws");
    TCase *hs = tcase_create("handshake");
    tcase_add_test(hs, accept_value_of_rfc_example);
    tcase_add_test(hs, client_handshake_accepted);
    tcase_add_test(hs, client_handshake_refused);
    tcase_add_test(hs, server_handshake_checked_by_the_client);
    suite_add_tcase(s, hs);
    TCase *fr = tcase_create("frames");
    tcase_add_test(fr, rfc6455_section_5_7_examples);
    tcase_add_test(fr, every_length_form_round_trips);
    tcase_add_test(fr, non_minimal_lengths_and_the_top_bit);
    tcase_add_test(fr, mask_rsv_opcode_and_control_rules);
    tcase_add_test(fr, opcode_names);
    tcase_add_test(fr, masking_at_every_offset_and_alignment);
    suite_add_tcase(s, fr);
    TCase *msg = tcase_create("messages");
    tcase_add_test(msg, fragmented_message_with_control_frames_between);
    tcase_add_test(msg, continuation_rules_give_1002);
    tcase_add_test(msg, text_must_be_utf8_gives_1007);
    tcase_add_test(msg, message_size_limit_gives_1009);
    suite_add_tcase(s, msg);
    TCase *cl = tcase_create("close");
    tcase_add_test(cl, close_code_classes);
    tcase_add_test(cl, close_payload_parse);
    tcase_add_test(cl, close_payload_build);
    suite_add_tcase(s, cl);
    return check_run(s);
}

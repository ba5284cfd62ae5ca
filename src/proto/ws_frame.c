/* ws_frame.c -- the WebSocket frame header (RFC 6455 §5.2) and masking
 * (§5.3): parse, build, unmask.
 *
 *    0               1               2               3
 *   |F|R|R|R| opcode|M| len (7)     | extended length (0, 2 or 8 bytes)
 *   |I|S|S|S|       |A|             | masking key (0 or 4 bytes) | payload
 *   |N|1|2|3|       |S|             |
 *
 * The parser is incremental: it returns PROTO_PARTIAL until the whole
 * header (2..14 bytes) is there, and it checks each rule as soon as the byte
 * that decides it is available, so a bad frame is refused after its first
 * or second byte and never waits for more.  Any prefix of the input gives
 * either PROTO_PARTIAL or the same answer as the whole input.
 *
 * The rules (§5.2, §5.5) and the close code for breaking them (1002):
 * client frames are masked and server frames are not (§5.1); RSV bits are
 * zero unless an extension gives them a meaning; opcodes 3-7 and B-F are
 * reserved; control frames are never fragmented and carry at most 125
 * bytes; a length uses its shortest encoding; a 64-bit length has its top
 * bit clear.  An observer (pushviz) turns `strict` off to dissect whatever
 * is on the wire, but never the top-bit rule: such a length cannot be
 * represented as a real payload.
 *
 * Left out: the payload itself (the caller owns it; see ws_mask) and any
 * extension (permessage-deflate would use RSV1).
 */
#include "ws.h"

#include <string.h>

/* The 7-bit length field (§5.2): a length up to 125 is the length itself;
 * two values announce a longer length in the bytes that follow. */
enum {
    WS_LEN7_MAX = 125, /* largest length that fits the 7-bit field */
    WS_LEN7_16 = 126,  /* a 16-bit length follows */
    WS_LEN7_64 = 127   /* a 64-bit length follows */
};

/* ---- parsing ---- */

/* Checks on byte 0: FIN, RSV, opcode. */
static long ws_check_first_byte(const struct ws_frame_rules *rules, const struct ws_frame_header *h,
                                struct proto_err *err)
{
    if (h->rsv & ~rules->allowed_rsv)
        return proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "RSV bit set that no extension allows");
    if (!rules->strict)
        return 0;
    bool known = h->opcode <= WS_OP_BINARY || (h->opcode >= WS_OP_CLOSE && h->opcode <= WS_OP_PONG);
    if (!known)
        return proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "reserved opcode");
    if (ws_is_control(h->opcode) && !h->fin)
        return proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "fragmented control frame");
    return 0;
}

/* Checks on byte 1: MASK, and the 7-bit length of a control frame (126 and
 * 127 announce a longer length, so they break the 125-byte limit too). */
static long ws_check_second_byte(const struct ws_frame_rules *rules, const struct ws_frame_header *h,
                                 unsigned len7, struct proto_err *err)
{
    if (rules->mask == WS_MASK_REQUIRED && !h->masked)
        return proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "client frame not masked");
    if (rules->mask == WS_MASK_FORBIDDEN && h->masked)
        return proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "server frame masked");
    if (rules->strict && ws_is_control(h->opcode) && len7 > WS_MAX_CONTROL)
        return proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "control frame longer than 125 bytes");
    return 0;
}

long ws_parse_frame_header(const uint8_t *buf, size_t len, const struct ws_frame_rules *rules,
                           struct ws_frame_header *h, struct proto_err *err)
{
    if (len < 1)
        return PROTO_PARTIAL;
    h->fin = (buf[0] & 0x80) != 0;
    h->rsv = (buf[0] >> 4) & 0x7;
    h->opcode = buf[0] & 0x0F;
    if (ws_check_first_byte(rules, h, err) < 0)
        return PROTO_ERROR;

    if (len < 2)
        return PROTO_PARTIAL;
    h->masked = (buf[1] & 0x80) != 0;
    unsigned len7 = buf[1] & 0x7F;
    if (ws_check_second_byte(rules, h, len7, err) < 0)
        return PROTO_ERROR;

    /* Extended lengths are in network byte order (§5.2). */
    size_t ext = len7 == WS_LEN7_16 ? 2 : len7 == WS_LEN7_64 ? 8 : 0;
    h->len_bits = ext == 0 ? 7 : ext == 2 ? 16 : 64;
    h->header_len = (unsigned)(2 + ext + (h->masked ? 4 : 0));
    if (len < 2 + ext)
        return PROTO_PARTIAL;
    uint64_t n = len7;
    if (ext > 0) {
        n = 0;
        for (size_t i = 0; i < ext; i++)
            n = n << 8 | buf[2 + i];
    }
    h->payload_len = n;
    if (ext == 8 && (n >> 63) != 0)
        return proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "64-bit length with its top bit set");
    if (rules->strict && ((ext == 2 && n <= WS_LEN7_MAX) || (ext == 8 && n <= 0xFFFF)))
        return proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "length not in its shortest encoding");

    if (len < h->header_len)
        return PROTO_PARTIAL;
    if (h->masked)
        memcpy(h->mask, buf + 2 + ext, 4);
    else
        memset(h->mask, 0, 4);
    return h->header_len;
}

/* ---- masking ---- */

void ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset)
{
    /* Payload byte i is XORed with mask[i % 4] (§5.3).  Rotating the key by
     * the offset lines it up with data[0]; repeating it twice gives an
     * 8-byte pattern that fits every 8-byte step, since 8 is a multiple of
     * 4.  memcpy loads and stores the words: it is legal at any alignment,
     * and compilers turn it into one plain load or store. */
    uint8_t pattern[8];
    for (size_t i = 0; i < 8; i++)
        pattern[i] = mask[(offset + i) % 4];
    uint64_t key_word;
    memcpy(&key_word, pattern, 8);

    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t word;
        memcpy(&word, data + i, 8);
        word ^= key_word;
        memcpy(data + i, &word, 8);
    }
    for (; i < len; i++) /* fewer than 8 left, and i a multiple of 8 where this starts */
        data[i] ^= pattern[i % 8];
}

/* ---- building ---- */

size_t ws_build_frame_header(uint8_t out[WS_MAX_HEADER], bool fin, unsigned opcode,
                             uint64_t payload_len, const uint8_t *mask)
{
    out[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
    uint8_t mask_bit = mask ? 0x80 : 0;
    size_t n;
    if (payload_len <= WS_LEN7_MAX) {
        out[1] = (uint8_t)(mask_bit | payload_len);
        n = 2;
    } else if (payload_len <= 0xFFFF) {
        out[1] = mask_bit | WS_LEN7_16;
        out[2] = (uint8_t)(payload_len >> 8);
        out[3] = (uint8_t)payload_len;
        n = 4;
    } else {
        out[1] = mask_bit | WS_LEN7_64;
        for (int i = 0; i < 8; i++)
            out[2 + i] = (uint8_t)(payload_len >> (56 - 8 * i));
        n = 10;
    }
    if (mask) {
        memcpy(out + n, mask, 4);
        n += 4;
    }
    return n;
}

const char *ws_opcode_name(unsigned opcode)
{
    static const char *const names[16] = {
        "continuation", "text",         "binary",       "reserved-0x3",
        "reserved-0x4", "reserved-0x5", "reserved-0x6", "reserved-0x7",
        "close",        "ping",         "pong",         "reserved-0xb",
        "reserved-0xc", "reserved-0xd", "reserved-0xe", "reserved-0xf",
    };
    return opcode < 16 ? names[opcode] : "invalid";
}

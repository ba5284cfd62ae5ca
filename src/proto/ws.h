/* ws.h -- WebSocket (RFC 6455): the opening handshake (§4), the frame
 * header (§5.2), masking (§5.3), the message rules for fragments and
 * control frames (§5.4, §5.5, §8.1) and the close payload (§5.5.1, §7.4).
 *
 * Three layers, kept apart as in wslay: the handshake works on parsed HTTP
 * heads; the frame layer only reads and writes headers; the message layer
 * (struct ws_message) checks the rules that span frames.  None does I/O.
 */
#ifndef PROTO_WS_H
#define PROTO_WS_H

#include "http.h"
#include "proto.h"
#include "utf8.h"

/* Opcodes (RFC 6455 §5.2). */
enum ws_opcode {
    WS_OP_CONTINUATION = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA
};

/* Close codes used by pushlab (RFC 6455 §7.4.1). */
enum ws_close_code {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL_ERROR = 1002,
    WS_CLOSE_UNSUPPORTED = 1003,
    WS_CLOSE_NO_STATUS = 1005,   /* never sent on the wire */
    WS_CLOSE_ABNORMAL = 1006,    /* never sent on the wire */
    WS_CLOSE_INVALID_DATA = 1007,
    WS_CLOSE_POLICY = 1008,
    WS_CLOSE_TOO_BIG = 1009,
    WS_CLOSE_INTERNAL = 1011
};

#define WS_MAX_HEADER 14        /* 2 + 8 (length) + 4 (mask) */
#define WS_MAX_CONTROL 125      /* control frame payload limit */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* ---- handshake (§4.1, §4.2) ---- */

/* Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)), 28 chars + NUL. */
void ws_accept_for_key(const char *key, size_t key_len, char accept[29]);

/* What a valid client handshake offered (slices borrow the request). */
struct ws_handshake {
    struct slice key;       /* Sec-WebSocket-Key */
    struct slice protocols; /* Sec-WebSocket-Protocol, len 0 if none */
    struct slice origin;    /* Origin, len 0 if none */
};

/* Check a client's opening handshake: GET, HTTP/1.1, Upgrade: websocket,
 * Connection: upgrade (as tokens), Sec-WebSocket-Version 13, a key that is
 * base64 of 16 bytes.  0, or PROTO_ERROR with err->code 400 (or 426 for
 * another version: answer with "Sec-WebSocket-Version: 13"). */
int ws_check_client_handshake(const struct http_request *req, struct ws_handshake *hs,
                              struct proto_err *err);

/* Check a server's answer to a handshake that sent `key`: 101, Upgrade and
 * Connection tokens, and the right Sec-WebSocket-Accept.  0 or PROTO_ERROR. */
int ws_check_server_handshake(const struct http_response *res, const char *key,
                              size_t key_len, struct proto_err *err);

/* ---- frames (§5.2) ---- */

struct ws_frame_header {
    bool fin;            /* last frame of its message */
    unsigned rsv;        /* RSV1..3 as bits 2..0 (0..7) */
    unsigned opcode;     /* enum ws_opcode, or an unknown value */
    bool masked;         /* MASK bit */
    uint8_t mask[4];     /* masking key when masked */
    uint64_t payload_len;/* payload length */
    unsigned len_bits;   /* how the length was encoded: 7, 16 or 64 */
    unsigned header_len; /* 2..14 bytes */
};

/* Which frames a parser accepts. */
enum ws_mask_rule {
    WS_MASK_REQUIRED,  /* a server reading client frames */
    WS_MASK_FORBIDDEN, /* a client reading server frames */
    WS_MASK_ANY        /* an observer (pushviz) */
};

struct ws_frame_rules {
    enum ws_mask_rule mask;
    unsigned allowed_rsv; /* RSV bits an extension allows; 0 with none */
    bool strict;          /* enforce opcode, control, and minimal-length rules */
};

/* Parse a frame header from buf[0..len).  Returns header_len, PROTO_PARTIAL,
 * or PROTO_ERROR with err->code 1002 for: wrong MASK bit for the rule, RSV
 * bits not allowed, and (when strict) an unknown opcode, a control frame
 * that is fragmented or longer than 125 bytes, a length not in its minimal
 * encoding.  A 64-bit length with its top bit set is always an error. */
long ws_parse_frame_header(const uint8_t *buf, size_t len, const struct ws_frame_rules *rules,
                           struct ws_frame_header *h, struct proto_err *err);

/* XOR data with the masking key in place, a machine word at a time.
 * `offset` is data[0]'s position in the payload, so a payload unmasked in
 * pieces gives the same result as in one go.  Masking and unmasking are
 * the same operation. */
void ws_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset);

/* Write a frame header into out; mask NULL for a server's unmasked frame.
 * Returns the header length (2..14), using the minimal length encoding. */
size_t ws_build_frame_header(uint8_t out[WS_MAX_HEADER], bool fin, unsigned opcode,
                             uint64_t payload_len, const uint8_t *mask);

/* True for opcodes >= 0x8. */
static inline bool ws_is_control(unsigned opcode) { return (opcode & 0x8) != 0; }
/* Name of an opcode for people: "text", "ping", "reserved-0x3"... */
const char *ws_opcode_name(unsigned opcode);

/* ---- messages (§5.4, §8.1) ---- */

/* The rules that span frames: a continuation needs a message to continue,
 * a new data frame may not start inside one, a message may not exceed
 * max_message, text must be UTF-8 (checked as each piece arrives). */
struct ws_message {
    bool in_message;       /* a data message is open (its FIN frame not done) */
    unsigned opcode;       /* WS_OP_TEXT or WS_OP_BINARY of the open message */
    uint64_t length;       /* message bytes so far */
    uint64_t max_message;  /* limit; 0 = none */
    struct utf8_state utf8;/* validator for text */
};

void ws_message_init(struct ws_message *m, uint64_t max_message);

/* A frame header arrived (already accepted by ws_parse_frame_header).
 * 0, or PROTO_ERROR with 1002 (continuation rules) or 1009 (too big).
 * Control frames pass through without touching the message state. */
int ws_message_frame(struct ws_message *m, const struct ws_frame_header *h,
                     struct proto_err *err);

/* Unmasked payload bytes of a data frame arrived (any split).  0, or
 * PROTO_ERROR 1007 at the first invalid UTF-8 byte of a text message. */
int ws_message_payload(struct ws_message *m, const struct ws_frame_header *h,
                       const uint8_t *data, size_t len, struct proto_err *err);

/* The last byte of a data frame arrived.  Returns 1 when that frame ended
 * the message (FIN), 0 when more fragments follow, PROTO_ERROR 1007 when a
 * text message ends inside a code point.  A control frame gives 1. */
int ws_message_frame_done(struct ws_message *m, const struct ws_frame_header *h,
                          struct proto_err *err);

/* ---- close frames (§5.5.1, §7.4) ---- */

/* True for a code that may appear in a close frame: 1000-1003, 1007-1011
 * (and 1012-1014, registered with IANA), 3000-4999. */
bool ws_close_code_valid(unsigned code);

/* Parse a close payload: empty (code 1005, no reason), or a valid code and
 * a UTF-8 reason.  0 or PROTO_ERROR 1002 (1-byte payload, invalid code,
 * reason not UTF-8). */
int ws_close_parse(const uint8_t *payload, size_t len, unsigned *code, struct slice *reason,
                   struct proto_err *err);

/* Write a close payload (code + reason, reason cut to fit 125 bytes) into
 * out[0..125].  Returns its length. */
size_t ws_close_build(uint8_t out[WS_MAX_CONTROL], unsigned code, const char *reason,
                      size_t reason_len);

#endif

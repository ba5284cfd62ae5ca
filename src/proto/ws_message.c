/* ws_message.c -- the WebSocket rules that span frames (RFC 6455 §5.4,
 * §5.6, §8.1): fragmentation, message size and UTF-8 of text messages.
 *
 * A message is one data frame (text or binary) followed by zero or more
 * continuation frames, the last with FIN set.  Control frames (close, ping,
 * pong) may come between the fragments and do not touch the message.  So
 * this layer remembers only: is a data message open, is it text, how long
 * is it so far, and where the UTF-8 validator stands.  It sees headers and
 * unmasked payload bytes in any pieces the caller has, so it works the same
 * behind a socket and behind TCP reassembly.
 *
 * Faults and their close codes (§7.4.1):
 *   1002  a continuation with no open message; a new text/binary frame
 *         while one is open; a reserved data opcode
 *   1007  text that is not UTF-8, reported at the first bad byte (§8.1
 *         asks to fail fast) or at the end if a code point is cut off
 *   1009  a message longer than max_message, refused at the frame header,
 *         before its payload is read
 *
 * Left out: storing the payload (the caller does) and extensions.
 */
#include "ws.h"

void ws_message_init(struct ws_message *m, uint64_t max_message)
{
    m->in_message = false;
    m->opcode = WS_OP_CONTINUATION;
    m->length = 0;
    m->max_message = max_message;
    utf8_init(&m->utf8);
}

int ws_message_frame(struct ws_message *m, const struct ws_frame_header *h,
                     struct proto_err *err)
{
    if (ws_is_control(h->opcode))
        return 0;
    if (h->opcode == WS_OP_CONTINUATION) {
        if (!m->in_message)
            return (int)proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "continuation frame with no message to continue");
    } else if (h->opcode == WS_OP_TEXT || h->opcode == WS_OP_BINARY) {
        if (m->in_message)
            return (int)proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "new data frame inside a fragmented message");
        m->in_message = true;
        m->opcode = h->opcode;
        m->length = 0;
        utf8_init(&m->utf8);
    } else {
        return (int)proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "reserved data opcode");
    }
    /* Written as a subtraction so a huge 64-bit length cannot overflow. */
    if (m->max_message != 0 && h->payload_len > m->max_message - m->length)
        return (int)proto_fail(err, WS_CLOSE_TOO_BIG, "message longer than the limit");
    return 0;
}

int ws_message_payload(struct ws_message *m, const struct ws_frame_header *h,
                       const uint8_t *data, size_t len, struct proto_err *err)
{
    if (ws_is_control(h->opcode))
        return 0;
    m->length += len;
    if (m->opcode == WS_OP_TEXT && utf8_feed(&m->utf8, data, len) < 0)
        return (int)proto_fail(err, WS_CLOSE_INVALID_DATA, "text message is not valid UTF-8");
    return 0;
}

int ws_message_frame_done(struct ws_message *m, const struct ws_frame_header *h,
                          struct proto_err *err)
{
    if (ws_is_control(h->opcode))
        return 1; /* a control frame is a whole message by itself */
    if (!h->fin)
        return 0;
    m->in_message = false;
    if (m->opcode == WS_OP_TEXT && !utf8_complete(&m->utf8))
        return (int)proto_fail(err, WS_CLOSE_INVALID_DATA, "text message ends inside a UTF-8 sequence");
    return 1;
}

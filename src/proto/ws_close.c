/* ws_close.c -- the close frame's payload (RFC 6455 §5.5.1) and which
 * status codes it may carry (§7.4, and the IANA "WebSocket Close Code
 * Number Registry").
 *
 * The payload is empty, or a 2-byte big-endian code followed by a UTF-8
 * reason; with control frames capped at 125 bytes, the reason gets 123.
 * Codes on the wire:
 *   0-999       never used                                  invalid
 *   1000-1003   normal, going away, protocol error, unsupported data
 *   1004        reserved                                    invalid
 *   1005, 1006  "no status" / "abnormal": for APIs, never sent (§7.4.1)
 *   1007-1011   invalid data, policy, too big, extension, internal error
 *   1012-1014   registered with IANA (restart, try again, bad gateway)
 *   1015        TLS failure: for APIs, never sent           invalid
 *   1016-2999   reserved for this RFC and extensions        invalid
 *   3000-3999   registered by libraries and frameworks
 *   4000-4999   private use
 *   5000-       outside the range                           invalid
 */
#include "ws.h"

#include <string.h>

bool ws_close_code_valid(unsigned code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

int ws_close_parse(const uint8_t *payload, size_t len, unsigned *code, struct slice *reason,
                   struct proto_err *err)
{
    reason->ptr = NULL;
    reason->len = 0;
    if (len == 0) {
        *code = WS_CLOSE_NO_STATUS; /* what the API reports for "no code" */
        return 0;
    }
    if (len == 1)
        return (int)proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "close payload of 1 byte");
    *code = (unsigned)payload[0] << 8 | payload[1];
    if (!ws_close_code_valid(*code))
        return (int)proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "close code not allowed on the wire");
    if (!utf8_valid(payload + 2, len - 2))
        return (int)proto_fail(err, WS_CLOSE_PROTOCOL_ERROR, "close reason is not valid UTF-8");
    reason->ptr = (const char *)payload + 2;
    reason->len = len - 2;
    return 0;
}

size_t ws_close_build(uint8_t out[WS_MAX_CONTROL], unsigned code, const char *reason,
                      size_t reason_len)
{
    /* A code that may not be sent (1005 "no status" above all) gives the
     * empty payload, which the peer reads back as 1005 (§7.1.5). */
    if (!ws_close_code_valid(code))
        return 0;
    out[0] = (uint8_t)(code >> 8);
    out[1] = (uint8_t)code;
    size_t room = WS_MAX_CONTROL - 2;
    if (reason_len > room) {
        /* Cut on a code point boundary, never inside one: a reason that
         * ended in half a character would be invalid UTF-8 and make the
         * peer fail the connection.  Continuation bytes look like 10xxxxxx. */
        reason_len = room;
        while (reason_len > 0 && ((uint8_t)reason[reason_len] & 0xC0) == 0x80)
            reason_len--;
    }
    if (reason_len > 0)
        memcpy(out + 2, reason, reason_len);
    return 2 + reason_len;
}

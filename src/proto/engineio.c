/* engineio.c -- Engine.IO v4 packets and polling payloads
 * (engine.io-protocol v4, "Packet encoding" and "Payload encoding").
 *
 * Pure and whole-message: the transport (a WebSocket message, or the body
 * of a polling request or response) delimits the input.
 */
#include "proto/engineio.h"

#include <string.h>

static const char *const EIO_NAMES[] = {"open", "close", "ping", "pong", "message", "upgrade",
                                        "noop"};

const char *eio_type_name(enum eio_type type)
{
    return (unsigned)type <= EIO_NOOP ? EIO_NAMES[type] : "?";
}

long eio_packet_parse(const char *p, size_t n, struct eio_packet *out, struct proto_err *err)
{
    if (n == 0)
        return proto_fail(err, 0, "Engine.IO: an empty packet");
    out->binary = p[0] == 'b'; /* v4: a binary message in a text transport */
    if (out->binary) {
        out->type = EIO_MESSAGE;
    } else if (p[0] >= '0' && p[0] <= '6') {
        out->type = (enum eio_type)(p[0] - '0');
    } else {
        return proto_fail(err, 0, "Engine.IO: the packet type is not 0-6 or b");
    }
    out->data = (struct slice){p + 1, n - 1};
    return 0;
}

size_t eio_payload_next(const char *p, size_t n, struct slice *packet)
{
    const char *sep = n ? memchr(p, EIO_SEPARATOR, n) : NULL;
    size_t len = sep ? (size_t)(sep - p) : n;
    *packet = (struct slice){p, len};
    return sep ? len + 1 : len;
}

/* engineio.h -- Engine.IO protocol v4 packets (socket.io/engine.io-protocol,
 * "Protocol", v4), the transport under Socket.IO (socketio.h).
 *
 * An Engine.IO packet is a type digit and its data: 0 open (JSON with the
 * sid), 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop; a binary
 * message is `b` + base64 in polling.  Over WebSocket a packet is a
 * message; over HTTP long polling a payload holds packets separated by the
 * record separator 0x1e.  The upgrade: the client sends "2probe" on the new
 * WebSocket, the server answers "3probe", the client sends "5".
 */
#ifndef PROTO_ENGINEIO_H
#define PROTO_ENGINEIO_H

#include "proto.h"

enum eio_type { EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE, EIO_UPGRADE, EIO_NOOP };

struct eio_packet {
    enum eio_type type;
    bool binary;        /* a `b` + base64 message (data is the base64 text) */
    struct slice data;  /* after the type, borrowed */
};

#define EIO_SEPARATOR '\x1e' /* between packets of a polling payload */

/* "open", "close", "ping", "pong", "message", "upgrade", "noop". */
const char *eio_type_name(enum eio_type type);

/* Parse one whole packet p[0..n).  Returns 0, or PROTO_ERROR with a reason. */
long eio_packet_parse(const char *p, size_t n, struct eio_packet *out, struct proto_err *err);

/* The session id an open packet's data names: the string value of its
 * "sid" member (`{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[...],...}`),
 * without its quotes, borrowed from data; every request of the session
 * carries it as `sid=` (engine.io-protocol v4, "Handshake").  Returns 0,
 * or PROTO_ERROR when data has no "sid" string member at its top. */
long eio_open_sid(struct slice data, struct slice *sid);

/* Split the next packet off a polling payload p[0..n): *packet is the bytes
 * up to the next separator or the end.  Returns the bytes consumed (the
 * separator included), 0 when n is 0. */
size_t eio_payload_next(const char *p, size_t n, struct slice *packet);

#endif

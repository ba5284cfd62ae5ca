/* socketio.h -- Socket.IO protocol v5 packets (socket.io/socket.io-protocol,
 * v5, used by socket.io 3 and 4), carried in Engine.IO messages (engineio.h):
 *   <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
 * with type 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR,
 * 5 BINARY_EVENT, 6 BINARY_ACK; an EVENT's data is ["name", args...], and an
 * ack id asks the other side to answer with an ACK of the same id.
 */
#ifndef PROTO_SOCKETIO_H
#define PROTO_SOCKETIO_H

#include "proto.h"

enum sio_type {
    SIO_CONNECT, SIO_DISCONNECT, SIO_EVENT, SIO_ACK, SIO_CONNECT_ERROR, SIO_BINARY_EVENT,
    SIO_BINARY_ACK
};

struct sio_packet {
    enum sio_type type;
    unsigned attachments; /* BINARY_*: binary attachments that follow */
    struct slice nsp;     /* namespace; "/" when the packet names none */
    bool has_id;          /* an ack id was given */
    uint64_t id;          /* the ack id */
    struct slice data;    /* the JSON payload (may be empty), borrowed */
    struct slice event;   /* EVENT, BINARY_EVENT: the event name's JSON string, quotes included */
};

#define SIO_ATTACHMENTS_MAX 1000000 /* more than any sane packet announces */

/* "CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK". */
const char *sio_type_name(enum sio_type type);

/* Parse one whole Socket.IO packet p[0..n) (an Engine.IO message's data).
 * Returns 0, or PROTO_ERROR with a reason. */
long sio_packet_parse(const char *p, size_t n, struct sio_packet *out, struct proto_err *err);

#endif

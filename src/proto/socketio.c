/* socketio.c -- Socket.IO v5 packets (socket.io-protocol v5, "Packet
 * format"): type, binary attachment count, namespace, ack id, JSON data,
 * and an event's name.
 *
 * The data is not parsed as JSON beyond finding an EVENT's name (its first
 * array element); it is shown as sent.
 */
#include "proto/socketio.h"

#include "proto/json.h"

static const char *const SIO_NAMES[] = {"CONNECT",       "DISCONNECT",   "EVENT",     "ACK",
                                        "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"};

const char *sio_type_name(enum sio_type type)
{
    return (unsigned)type <= SIO_BINARY_ACK ? SIO_NAMES[type] : "?";
}

/* Digits at p[*i..n) as a number (at most max); false when there are none
 * or it is larger. */
static bool number(const char *p, size_t n, size_t *i, uint64_t max, uint64_t *v)
{
    size_t start = *i;
    uint64_t x = 0;
    while (*i < n && p[*i] >= '0' && p[*i] <= '9') {
        unsigned d = (unsigned)(p[*i] - '0');
        if (x > (max - d) / 10)
            return false;
        x = x * 10 + d;
        (*i)++;
    }
    *v = x;
    return *i > start;
}

long sio_packet_parse(const char *p, size_t n, struct sio_packet *out, struct proto_err *err)
{
    if (n == 0 || p[0] < '0' || p[0] > '6')
        return proto_fail(err, 0, "Socket.IO: the packet type is not 0-6");
    out->type = (enum sio_type)(p[0] - '0');
    out->attachments = 0;
    out->has_id = false;
    out->id = 0;
    out->nsp = (struct slice){"/", 1};
    out->event = (struct slice){NULL, 0};
    size_t i = 1;
    uint64_t v;
    if (out->type == SIO_BINARY_EVENT || out->type == SIO_BINARY_ACK) {
        if (!number(p, n, &i, SIO_ATTACHMENTS_MAX, &v) || i >= n || p[i] != '-')
            return proto_fail(err, 0, "Socket.IO: a binary packet without its attachment count");
        out->attachments = (unsigned)v;
        i++;
    }
    if (i < n && p[i] == '/') { /* a namespace, up to a comma (or the end) */
        size_t start = i;
        while (i < n && p[i] != ',')
            i++;
        out->nsp = (struct slice){p + start, i - start};
        if (i < n)
            i++;
    }
    size_t id_start = i;
    if (number(p, n, &i, UINT64_MAX, &v)) {
        out->has_id = true;
        out->id = v;
    } else if (i != id_start) {
        return proto_fail(err, 0, "Socket.IO: the ack id is too large");
    }
    out->data = (struct slice){p + i, n - i};
    if (out->type == SIO_EVENT || out->type == SIO_BINARY_EVENT) {
        if (n - i < 2 || p[i] != '[')
            return proto_fail(err, 0, "Socket.IO: an event's data is not an array");
        size_t j = i + 1;
        while (j < n && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\n'))
            j++;
        long len = j < n ? json_string_len(p + j, n - j) : PROTO_ERROR;
        if (len < 0)
            return proto_fail(err, 0, "Socket.IO: an event without a name");
        out->event = (struct slice){p + j, (size_t)len};
    }
    return 0;
}

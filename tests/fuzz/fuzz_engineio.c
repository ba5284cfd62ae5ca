/* fuzz_engineio.c -- libFuzzer target for Engine.IO payloads and packets
 * (engineio.h) and the Socket.IO packets inside (socketio.h).
 *
 * The input is a polling payload.  Checks, on arbitrary bytes (exact-size
 * copies, so ASan sees any read past a length):
 *   - splitting it on 0x1e consumes exactly the input, every packet lies
 *     inside it and holds no separator;
 *   - every packet that parses has a type 0-6 and its data right after the
 *     type byte; an open packet's sid, when found, lies inside it, between
 *     quotes;
 *   - every Socket.IO packet that parses has its namespace, data and event
 *     name inside the packet, an event name that is a quoted string, and a
 *     namespace of "/" or one that starts with '/'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/engineio.h"
#include "proto/socketio.h"

#include "fuzz_check.h"


static int inside(struct slice s, const char *p, size_t n)
{
    return s.len == 0 || (s.ptr >= p && s.ptr + s.len <= p + n);
}

static void check_packet(const char *p, size_t n)
{
    char *copy = exact_copy(p, n);
    struct eio_packet pk;
    struct proto_err err = {0};
    if (eio_packet_parse(copy, n, &pk, &err) == 0) {
        CHECK(n >= 1 && pk.type <= EIO_NOOP);
        CHECK(pk.data.ptr == copy + 1 && pk.data.len == n - 1);
        struct slice sid;
        if (pk.type == EIO_OPEN && eio_open_sid(pk.data, &sid) == 0)
            CHECK(inside(sid, copy, n) && sid.ptr > copy + 1 && sid.ptr[-1] == '"' &&
                  sid.ptr + sid.len < copy + n && sid.ptr[sid.len] == '"');
    } else {
        CHECK(err.why != NULL);
    }
    struct sio_packet sp;
    if (sio_packet_parse(copy, n, &sp, &err) == 0) {
        CHECK(sp.type <= SIO_BINARY_ACK);
        CHECK(inside(sp.data, copy, n) && inside(sp.event, copy, n));
        CHECK(sp.nsp.len >= 1 && sp.nsp.ptr[0] == '/');
        CHECK(sp.nsp.len == 1 || inside(sp.nsp, copy, n)); /* "/" may be the codec's own */
        if (sp.type == SIO_EVENT || sp.type == SIO_BINARY_EVENT)
            CHECK(sp.event.len >= 2 && sp.event.ptr[0] == '"' && sp.event.ptr[sp.event.len - 1] == '"');
        else
            CHECK(sp.event.len == 0);
        CHECK(sp.attachments <= SIO_ATTACHMENTS_MAX);
    } else {
        CHECK(err.why != NULL);
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    char *in = exact_copy(bytes, size);
    size_t pos = 0;
    while (pos < size) {
        struct slice pk;
        size_t used = eio_payload_next(in + pos, size - pos, &pk);
        CHECK(used >= 1 && used <= size - pos);
        CHECK(pk.ptr == in + pos && pk.len <= used && memchr(pk.ptr, EIO_SEPARATOR, pk.len) == NULL);
        check_packet(pk.ptr, pk.len);
        pos += used;
    }
    CHECK(pos == size);
    free(in);
    return 0;
}

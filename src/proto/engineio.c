/* engineio.c -- Engine.IO v4 packets and polling payloads
 * (engine.io-protocol v4, "Packet encoding" and "Payload encoding").
 *
 * Pure and whole-message: the transport (a WebSocket message, or the body
 * of a polling request or response) delimits the input.
 */
#include "proto/engineio.h"

#include <string.h>

#include "proto/json.h"

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

/* Skip JSON white space (RFC 8259 §2) from p[i], up to n. */
static size_t json_space(const char *p, size_t i, size_t n)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

long eio_open_sid(struct slice data, struct slice *sid)
{
    /* Walk the object's members, "name": value: a string value is skipped
     * with json_string_len; any other value (the upgrades array, numbers)
     * holds no string with a colon after it at depth 1, so the walk only
     * has to find the next top-level comma. */
    const char *p = data.ptr;
    size_t n = data.len, i = json_space(p, 0, n);
    if (i == n || p[i++] != '{')
        return PROTO_ERROR;
    for (;;) {
        i = json_space(p, i, n);
        long key = i < n ? json_string_len(p + i, n - i) : PROTO_ERROR;
        if (key < 0)
            return PROTO_ERROR;
        bool is_sid = key == 5 && memcmp(p + i, "\"sid\"", 5) == 0;
        i = json_space(p, i + (size_t)key, n);
        if (i == n || p[i++] != ':')
            return PROTO_ERROR;
        i = json_space(p, i, n);
        long str = i < n && p[i] == '"' ? json_string_len(p + i, n - i) : PROTO_ERROR;
        if (is_sid) {
            if (str < 2)
                return PROTO_ERROR;
            *sid = (struct slice){p + i + 1, (size_t)str - 2};
            return 0;
        }
        /* Past this value: a string, or anything up to the next comma at depth 0. */
        int depth = 0;
        if (str >= 0)
            i += (size_t)str;
        while (i < n && (depth > 0 || (p[i] != ',' && p[i] != '}'))) {
            if (p[i] == '"') {
                long s = json_string_len(p + i, n - i);
                if (s < 0)
                    return PROTO_ERROR;
                i += (size_t)s;
                continue;
            }
            depth += (p[i] == '[' || p[i] == '{') - (p[i] == ']' || p[i] == '}');
            i++;
        }
        if (i == n || p[i] == '}')
            return PROTO_ERROR;
        i++; /* the comma */
    }
}

size_t eio_payload_next(const char *p, size_t n, struct slice *packet)
{
    const char *sep = n ? memchr(p, EIO_SEPARATOR, n) : NULL;
    size_t len = sep ? (size_t)(sep - p) : n;
    *packet = (struct slice){p, len};
    return sep ? len + 1 : len;
}

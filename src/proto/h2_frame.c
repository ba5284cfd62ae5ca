/* h2_frame.c -- the HTTP/2 preface and frame header (h2_frame.h). */
#include "proto/h2_frame.h"

#include <stdio.h>
#include <string.h>

long h2_read_preface(const uint8_t *buf, size_t len)
{
    size_t n = len < H2_PREFACE_LEN ? len : H2_PREFACE_LEN;
    if (memcmp(buf, H2_PREFACE, n) != 0)
        return PROTO_ERROR;
    return n == H2_PREFACE_LEN ? H2_PREFACE_LEN : PROTO_PARTIAL;
}

long h2_read_frame_header(const uint8_t *buf, size_t len, struct h2_frame_header *fh)
{
    if (len < H2_FRAME_HEADER)
        return PROTO_PARTIAL;
    fh->length = (uint32_t)buf[0] << 16 | (uint32_t)buf[1] << 8 | buf[2];
    fh->type = buf[3];
    fh->flags = buf[4];
    fh->stream = h2_u32(buf + 5) & 0x7fffffffu; /* the reserved bit is ignored (§4.1) */
    return H2_FRAME_HEADER;
}

const char *h2_frame_fault(const struct h2_frame_header *fh)
{
    bool on_connection = fh->stream == 0;
    switch (fh->type) {
    case H2_DATA:
    case H2_HEADERS:
    case H2_PRIORITY:
    case H2_RST_STREAM:
    case H2_PUSH_PROMISE:
    case H2_CONTINUATION:
        if (on_connection)
            return "a stream's frame on stream 0";
        break;
    case H2_SETTINGS:
    case H2_PING:
    case H2_GOAWAY:
        if (!on_connection)
            return "a connection's frame on a stream";
        break;
    case H2_WINDOW_UPDATE:
        break;
    default:
        return "an unknown frame type";
    }
    switch (fh->type) {
    case H2_SETTINGS:
        return fh->length % 6 ? "SETTINGS not a multiple of 6 bytes" : NULL;
    case H2_PING:
        return fh->length != 8 ? "PING not 8 bytes" : NULL;
    case H2_RST_STREAM:
    case H2_WINDOW_UPDATE:
        return fh->length != 4 ? "RST_STREAM or WINDOW_UPDATE not 4 bytes" : NULL;
    case H2_PRIORITY:
        return fh->length != 5 ? "PRIORITY not 5 bytes" : NULL;
    case H2_GOAWAY:
        return fh->length < 8 ? "GOAWAY shorter than 8 bytes" : NULL;
    default:
        return NULL;
    }
}

const char *h2_type_name(uint8_t type)
{
    static const char *const names[] = {"DATA",   "HEADERS", "PRIORITY", "RST_STREAM",    "SETTINGS",
                                        "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"};
    return type < sizeof names / sizeof names[0] ? names[type] : NULL;
}

const char *h2_error_name(uint32_t code)
{
    static const char *const names[] = {"NO_ERROR",        "PROTOCOL_ERROR",   "INTERNAL_ERROR",
                                        "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
                                        "FRAME_SIZE_ERROR", "REFUSED_STREAM",   "CANCEL",
                                        "COMPRESSION_ERROR", "CONNECT_ERROR",   "ENHANCE_YOUR_CALM",
                                        "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"};
    return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}

const char *h2_setting_name(uint16_t id)
{
    static const char *const names[] = {NULL,
                                        "HEADER_TABLE_SIZE",
                                        "ENABLE_PUSH",
                                        "MAX_CONCURRENT_STREAMS",
                                        "INITIAL_WINDOW_SIZE",
                                        "MAX_FRAME_SIZE",
                                        "MAX_HEADER_LIST_SIZE"};
    if (id < sizeof names / sizeof names[0])
        return names[id];
    return id == 8 ? "ENABLE_CONNECT_PROTOCOL" : NULL; /* RFC 8441: WebSocket over HTTP/2 */
}

size_t h2_flags_text(uint8_t type, uint8_t flags, char *out, size_t cap)
{
    struct {
        uint8_t bit;
        const char *name;
        bool applies;
    } known[] = {
        {H2_FLAG_ACK, "ACK", type == H2_SETTINGS || type == H2_PING},
        {H2_FLAG_END_STREAM, "END_STREAM", type == H2_DATA || type == H2_HEADERS},
        {H2_FLAG_END_HEADERS, "END_HEADERS",
         type == H2_HEADERS || type == H2_PUSH_PROMISE || type == H2_CONTINUATION},
        {H2_FLAG_PADDED, "PADDED", type == H2_DATA || type == H2_HEADERS || type == H2_PUSH_PROMISE},
        {H2_FLAG_PRIORITY, "PRIORITY", type == H2_HEADERS},
    };
    size_t n = 0;
    if (cap)
        out[0] = '\0';
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (!known[i].applies || !(flags & known[i].bit))
            continue;
        int k = snprintf(out + n, cap - n, "%s%s", n ? "," : "", known[i].name);
        if (k < 0 || (size_t)k >= cap - n) {
            out[n] = '\0'; /* no name cut in half */
            break;
        }
        n += (size_t)k;
    }
    return n;
}

size_t h2_settings_text(const uint8_t *pl, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    if (cap)
        out[0] = '\0';
    for (size_t at = 0; len - at >= H2_SETTING_LEN && cap; at += H2_SETTING_LEN) {
        uint16_t id = (uint16_t)(pl[at] << 8 | pl[at + 1]);
        const char *name = h2_setting_name(id);
        const char *sep = n ? "," : "";
        int k = name ? snprintf(out + n, cap - n, "%s%s=%u", sep, name, h2_u32(pl + at + 2))
                     : snprintf(out + n, cap - n, "%s0x%x=%u", sep, id, h2_u32(pl + at + 2));
        if (k < 0 || (size_t)k >= cap - n) {
            out[n] = '\0'; /* no setting cut in half */
            break;
        }
        n += (size_t)k;
    }
    return n;
}

/* h2_frame.h -- HTTP/2 frames as they cross the wire (RFC 9113 §4, §6):
 * the client's connection preface, the 9-byte frame header, and the few
 * fields of control frames worth showing (error codes, window
 * increments, settings).
 *
 * HTTP/2 carries the same requests and responses as HTTP/1.1, but on one
 * connection cut into frames, each tagged with the stream (the exchange)
 * it belongs to, so that many exchanges interleave.  A push over HTTP/2
 * (an EventSource, a gRPC stream) is one long stream whose DATA frames
 * carry the events.  The header blocks are HPACK-compressed (RFC 7541)
 * against a table both ends build as they go: hpack.h decodes them.
 */
#ifndef PROTO_H2_FRAME_H
#define PROTO_H2_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* What a client sends first, so that a server that does not speak
 * HTTP/2 fails at once (RFC 9113 §3.4). */
#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN 24

#define H2_FRAME_HEADER 9
#define H2_SETTING_LEN 6      /* one setting in a SETTINGS payload: a 16-bit id, a 32-bit value */
#define H2_FRAME_MAX 16777215 /* the 24-bit length's largest value (SETTINGS_MAX_FRAME_SIZE's bound) */

enum h2_type {
    H2_DATA = 0,
    H2_HEADERS = 1,
    H2_PRIORITY = 2,
    H2_RST_STREAM = 3,
    H2_SETTINGS = 4,
    H2_PUSH_PROMISE = 5,
    H2_PING = 6,
    H2_GOAWAY = 7,
    H2_WINDOW_UPDATE = 8,
    H2_CONTINUATION = 9
};

/* Flags (RFC 9113 §6): one bit can mean two things by frame type. */
enum {
    H2_FLAG_END_STREAM = 0x1, /* DATA, HEADERS (ACK on SETTINGS and PING) */
    H2_FLAG_ACK = 0x1,
    H2_FLAG_END_HEADERS = 0x4,
    H2_FLAG_PADDED = 0x8,
    H2_FLAG_PRIORITY = 0x20
};

struct h2_frame_header {
    uint32_t length; /* payload bytes after the header */
    uint8_t type;    /* enum h2_type, or an extension's type */
    uint8_t flags;
    uint32_t stream; /* 31 bits; 0 is the connection itself */
};

/* The preface at buf: H2_PREFACE_LEN, PROTO_PARTIAL while buf is a proper
 * prefix of it, PROTO_ERROR when it is not. */
long h2_read_preface(const uint8_t *buf, size_t len);

/* A frame header at buf: H2_FRAME_HEADER with *fh set, or PROTO_PARTIAL. */
long h2_read_frame_header(const uint8_t *buf, size_t len, struct h2_frame_header *fh);

/* Does this header obey the rules an endpoint checks before reading the
 * payload -- a known type, on the stream (zero or not) its type belongs
 * to, with the length its type requires (RFC 9113 §6: SETTINGS a multiple
 * of 6, PING 8, RST_STREAM and WINDOW_UPDATE 4, PRIORITY 5, GOAWAY at
 * least 8)?  NULL when it does, else why not. */
const char *h2_frame_fault(const struct h2_frame_header *fh);

/* "DATA", "HEADERS", ... or NULL for a type RFC 9113 does not define. */
const char *h2_type_name(uint8_t type);
/* "NO_ERROR", "CANCEL", ... (RFC 9113 §7), or NULL for an unknown code. */
const char *h2_error_name(uint32_t code);
/* "MAX_CONCURRENT_STREAMS" ... (RFC 9113 §6.5.2), or NULL. */
const char *h2_setting_name(uint16_t id);

/* The settings in a SETTINGS payload pl[0..len) (RFC 9113 §6.5.1), in
 * order, as "MAX_CONCURRENT_STREAMS=100,INITIAL_WINDOW_SIZE=65535" (an
 * identifier h2_setting_name does not know in hex: "0x9=1") into out
 * (cap bytes, NUL-terminated): as many whole settings as fit, and none
 * of a last piece shorter than H2_SETTING_LEN.  Returns the length.  A
 * SETTINGS frame's payload and an h2c upgrade's HTTP2-Settings field
 * (RFC 7540 §3.2.1) are both shown this way. */
size_t h2_settings_text(const uint8_t *pl, size_t len, char *out, size_t cap);

/* The flags that frame type gives a meaning, as "END_STREAM,END_HEADERS"
 * into out (cap bytes, NUL-terminated); returns the length. */
size_t h2_flags_text(uint8_t type, uint8_t flags, char *out, size_t cap);

/* A 32-bit big-endian value at p (error codes, increments, settings). */
static inline uint32_t h2_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The stream a whole PUSH_PROMISE frame (header fh, payload pl) promises
 * (RFC 9113 §6.6: after the pad length, if PADDED; its top bit is
 * reserved), or 0 when the payload is too short to hold it. */
static inline uint32_t h2_promised_stream(const struct h2_frame_header *fh, const uint8_t *pl)
{
    uint32_t at = fh->flags & H2_FLAG_PADDED ? 1 : 0;
    return fh->length >= at + 4 ? h2_u32(pl + at) & 0x7fffffffu : 0;
}

#endif

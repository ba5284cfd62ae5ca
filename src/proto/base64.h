/* base64.h -- base64 with padding (RFC 4648 §4), for WebSocket keys. */
#ifndef PROTO_BASE64_H
#define PROTO_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Bytes needed to encode len bytes (not counting a NUL). */
#define BASE64_LEN(len) ((((len) + 2) / 3) * 4)

/* Encode in[0..len) into out; writes BASE64_LEN(len) bytes and a NUL when
 * cap allows.  Returns BASE64_LEN(len), or 0 when cap < BASE64_LEN(len) + 1. */
size_t base64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/* Decode strict base64 (padding required, no white space) into out.
 * Returns the decoded length, or -1 when the text is not valid base64 or
 * out is too small. */
long base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif

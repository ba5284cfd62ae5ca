/* base64.h -- base64 with padding (RFC 4648 §4), for WebSocket keys, and
 * base64url without padding (§5), for HTTP/2's HTTP2-Settings field. */
#ifndef PROTO_BASE64_H
#define PROTO_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Bytes needed to encode len bytes (not counting a NUL). */
#define BASE64_LEN(len) ((((len) + 2) / 3) * 4)
/* ... without padding (base64url as RFC 7540 §3.2.1 sends it): a last
 * group of 1 or 2 bytes takes 2 or 3 characters. */
#define BASE64URL_LEN(len) (((len) * 4 + 2) / 3)

/* Encode in[0..len) into out; writes BASE64_LEN(len) bytes and a NUL when
 * cap allows.  Returns BASE64_LEN(len), or 0 when cap < BASE64_LEN(len) + 1. */
size_t base64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/* Decode strict base64 (padding required, no white space) into out.
 * Returns the decoded length, or -1 when the text is not valid base64 or
 * out is too small. */
long base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* The same two with the URL and filename safe alphabet ('-' and '_' for
 * '+' and '/') and no padding: BASE64URL_LEN(len) characters and a NUL;
 * the decoder refuses '=' as it refuses any character outside the
 * alphabet, and a length that no byte string encodes to (4k + 1). */
size_t base64url_encode(const uint8_t *in, size_t len, char *out, size_t cap);
long base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif

/* sha1.h -- SHA-1 (RFC 3174), needed only for Sec-WebSocket-Accept.
 * SHA-1 is broken for signatures; RFC 6455 uses it as a checksum that
 * proves the server read the key, which is all it needs. */
#ifndef PROTO_SHA1_H
#define PROTO_SHA1_H

#include <stddef.h>
#include <stdint.h>

struct sha1_ctx {
    uint32_t h[5];       /* chaining state */
    uint64_t total;      /* bytes hashed so far */
    uint8_t block[64];   /* partial block */
    size_t block_len;    /* bytes in block */
};

void sha1_init(struct sha1_ctx *c);
void sha1_update(struct sha1_ctx *c, const void *data, size_t len);
void sha1_final(struct sha1_ctx *c, uint8_t digest[20]);
/* One-shot convenience. */
void sha1(const void *data, size_t len, uint8_t digest[20]);

#endif

/* sha1.c -- SHA-1 message digest (RFC 3174), used for Sec-WebSocket-Accept.
 *
 * The message is processed in 64-byte blocks; each block runs 80 rounds
 * that stir five 32-bit words of state (RFC 3174 §6.1).  The last block is
 * padded with one 1 bit, zeros, and the message length in bits (§4), so
 * that messages of different lengths can never pad to the same input.
 * Everything is read byte by byte in big-endian order, so the code does not
 * depend on the machine's byte order or alignment.
 *
 * Left out on purpose: speed tricks (unrolled rounds, SIMD).  A handshake
 * hashes 60 bytes once per connection.
 */
#include "sha1.h"

#include <string.h>

static uint32_t rotl32(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Hash one 64-byte block into the state (RFC 3174 §6.1, method 1). */
static void sha1_block(uint32_t h[5], const uint8_t block[64])
{
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 80; t++)
        w[t] = rotl32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
        /* Four groups of 20 rounds, each with its own mixing function f and
         * constant k (RFC 3174 §5). */
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t temp = rotl32(a, 5) + f + e + w[t] + k;
        e = d;
        d = c;
        c = rotl32(b, 30);
        b = a;
        a = temp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void sha1_init(struct sha1_ctx *c)
{
    /* Initial state from RFC 3174 §6.1. */
    c->h[0] = 0x67452301;
    c->h[1] = 0xEFCDAB89;
    c->h[2] = 0x98BADCFE;
    c->h[3] = 0x10325476;
    c->h[4] = 0xC3D2E1F0;
    c->total = 0;
    c->block_len = 0;
}

void sha1_update(struct sha1_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->total += len;
    while (len > 0) {
        size_t take = sizeof c->block - c->block_len;
        if (take > len)
            take = len;
        memcpy(c->block + c->block_len, p, take);
        c->block_len += take;
        p += take;
        len -= take;
        if (c->block_len == sizeof c->block) {
            sha1_block(c->h, c->block);
            c->block_len = 0;
        }
    }
}

void sha1_final(struct sha1_ctx *c, uint8_t digest[20])
{
    uint64_t bits = c->total * 8;
    /* Padding (RFC 3174 §4): a 0x80 byte, zeros up to 56 mod 64, then the
     * 64-bit big-endian bit length.  When fewer than 8 bytes are left after
     * the 0x80, the length spills into one more block. */
    c->block[c->block_len++] = 0x80;
    if (c->block_len > 56) {
        memset(c->block + c->block_len, 0, sizeof c->block - c->block_len);
        sha1_block(c->h, c->block);
        c->block_len = 0;
    }
    memset(c->block + c->block_len, 0, 56 - c->block_len);
    for (int i = 0; i < 8; i++)
        c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_block(c->h, c->block);

    for (int i = 0; i < 5; i++) {
        digest[4 * i] = (uint8_t)(c->h[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        digest[4 * i + 3] = (uint8_t)c->h[i];
    }
}

void sha1(const void *data, size_t len, uint8_t digest[20])
{
    struct sha1_ctx c;
    sha1_init(&c);
    sha1_update(&c, data, len);
    sha1_final(&c, digest);
}

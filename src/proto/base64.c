/* base64.c -- base64 with padding (RFC 4648 §4), for Sec-WebSocket-Key and
 * Sec-WebSocket-Accept.
 *
 * Every 3 bytes become 4 characters of 6 bits each; a last group of 1 or 2
 * bytes is padded with "==" or "=".  The decoder is strict on purpose
 * (RFC 4648 §3.3, §3.5): it rejects white space, characters outside the
 * alphabet, missing or misplaced padding, and non-zero bits in the unused
 * low bits of the last character.  So every byte string has exactly one
 * accepted spelling, and a WebSocket key either decodes cleanly or is
 * refused.
 *
 * Left out: the URL-safe alphabet (§5) and unpadded forms.
 */
#include "base64.h"

#include <stdbool.h>

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t need = BASE64_LEN(len);
    if (cap < need + 1)
        return 0;
    char *o = out;
    size_t i = 0;
    for (; len - i >= 3; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = base64_alphabet[v >> 18];
        *o++ = base64_alphabet[(v >> 12) & 63];
        *o++ = base64_alphabet[(v >> 6) & 63];
        *o++ = base64_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = base64_alphabet[v >> 18];
        *o++ = base64_alphabet[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = base64_alphabet[v >> 18];
        *o++ = base64_alphabet[(v >> 12) & 63];
        *o++ = base64_alphabet[(v >> 6) & 63];
        *o++ = '=';
    }
    *o = '\0';
    return need;
}

/* The 6-bit value of a base64 character, or -1 for anything else
 * (including '=', which the decoder handles itself). */
static int base64_value(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

long base64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4 != 0)
        return -1;
    /* Padding may only be the last one or two characters. */
    size_t pad = 0;
    if (len > 0 && in[len - 1] == '=')
        pad = (len > 1 && in[len - 2] == '=') ? 2 : 1;
    size_t out_len = len / 4 * 3 - pad;
    if (out_len > cap)
        return -1;

    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        size_t chars = last ? 4 - pad : 4; /* non-padding characters here */
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            int d = j < chars ? base64_value(in[i + j]) : 0;
            if (d < 0)
                return -1; /* outside the alphabet, or '=' in the middle */
            v = v << 6 | (uint32_t)d;
        }
        /* With padding the last character carries bits that no byte uses;
         * they must be zero (RFC 4648 §3.5), e.g. "QR==" is refused for "QQ==". */
        if ((chars == 2 && (v & 0xFFFF) != 0) || (chars == 3 && (v & 0xFF) != 0))
            return -1;
        out[o++] = (uint8_t)(v >> 16);
        if (chars >= 3)
            out[o++] = (uint8_t)(v >> 8);
        if (chars == 4)
            out[o++] = (uint8_t)v;
    }
    return (long)o;
}

/* base64.c -- base64 with padding (RFC 4648 §4), for Sec-WebSocket-Key and
 * Sec-WebSocket-Accept, and base64url without padding (§5), for the
 * HTTP2-Settings field of an h2c upgrade (RFC 7540 §3.2.1).
 *
 * Every 3 bytes become 4 characters of 6 bits each.  Base64 pads a last
 * group of 1 or 2 bytes with "==" or "="; base64url as HTTP/2 sends it
 * leaves the padding out (its text goes in a header field and a URL,
 * where '+', '/' and '=' mean other things), so such a group is just 2
 * or 3 characters.  The two differ only in those two things -- the
 * characters for 62 and 63, and the padding -- so one encoder and one
 * decoder serve both.
 *
 * The decoder is strict on purpose (RFC 4648 §3.3, §3.5): it rejects
 * white space, characters outside the alphabet, missing or misplaced
 * padding (any padding, in base64url), and non-zero bits in the unused
 * low bits of the last character.  So every byte string has exactly one
 * accepted spelling, and a WebSocket key either decodes cleanly or is
 * refused.
 */
#include "base64.h"

#include <stdbool.h>

/* An alphabet's first 62 characters are the same; these are its last two. */
#define BASE64_LAST2 "+/"
#define BASE64URL_LAST2 "-_"

/* The character for the 6-bit value v, in the alphabet ending in last2. */
static char base64_char(uint32_t v, const char *last2)
{
    static const char first62[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return v < 62 ? first62[v] : last2[v - 62];
}

/* Encode in[0..len) with the alphabet ending in last2, padded or not:
 * `need` characters and a NUL (the caller checked cap). */
static size_t encode(const uint8_t *in, size_t len, char *out, const char *last2, bool pad, size_t need)
{
    char *o = out;
    for (size_t i = 0; i < len; i += 3) {
        size_t k = len - i < 3 ? len - i : 3; /* bytes in this group */
        uint32_t v = (uint32_t)in[i] << 16 | (k > 1 ? (uint32_t)in[i + 1] << 8 : 0) | (k > 2 ? in[i + 2] : 0);
        for (size_t j = 0; j <= k; j++) /* k bytes need k + 1 characters */
            *o++ = base64_char((v >> (18 - 6 * j)) & 63, last2);
        for (size_t j = k + 1; pad && j < 4; j++)
            *o++ = '=';
    }
    *o = '\0';
    return need;
}

size_t base64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t need = BASE64_LEN(len);
    return cap < need + 1 ? 0 : encode(in, len, out, BASE64_LAST2, true, need);
}

size_t base64url_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t need = BASE64URL_LEN(len);
    return cap < need + 1 ? 0 : encode(in, len, out, BASE64URL_LAST2, false, need);
}

/* The 6-bit value of a character of the alphabet ending in last2, or -1
 * for anything else (including '=', which base64_decode handles itself). */
static int base64_value(char ch, const char *last2)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == last2[0])
        return 62;
    if (ch == last2[1])
        return 63;
    return -1;
}

/* Decode len characters of the alphabet ending in last2, padding already
 * taken off: groups of 4, and a last one of 2 or 3 (1 character holds
 * only 6 bits: no byte). */
static long decode(const char *in, size_t len, const char *last2, uint8_t *out, size_t cap)
{
    if (len % 4 == 1)
        return -1;
    size_t out_len = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (out_len > cap)
        return -1;

    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        size_t chars = len - i < 4 ? len - i : 4; /* characters in this group */
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            int d = j < chars ? base64_value(in[i + j], last2) : 0;
            if (d < 0)
                return -1; /* outside the alphabet, or '=' in the middle */
            v = v << 6 | (uint32_t)d;
        }
        /* A short last group's last character carries bits that no byte
         * uses; they must be zero (RFC 4648 §3.5), e.g. "QR==" is refused
         * for "QQ==". */
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

long base64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4 != 0)
        return -1;
    /* Padding may only be the last one or two characters: the rest must
     * be of the alphabet, which '=' is not. */
    size_t pad = 0;
    if (len > 0 && in[len - 1] == '=')
        pad = (len > 1 && in[len - 2] == '=') ? 2 : 1;
    return decode(in, len - pad, BASE64_LAST2, out, cap);
}

long base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    return decode(in, len, BASE64URL_LAST2, out, cap);
}

/* printable.c -- printable characters kept, every other byte as \xHH,
 * and the characters pushlab's JSON text escapes beyond JSON's rule
 * (printable.h says why). */
#include "proto/printable.h"

#include <string.h>

#include "proto/hex.h"
#include "proto/utf8.h"

size_t printable_char_len(const uint8_t *s, size_t len)
{
    if (s[0] >= 0x20 && s[0] < 0x7F)
        return 1;
    size_t n = s[0] < 0x80 ? 0 : utf8_lead_len(s[0]); /* (other ASCII: controls) */
    if (!n || n > len || !utf8_valid(s, n))
        return 0;
    if (n == 2 && s[0] == 0xC2 && s[1] < 0xA0)
        return 0; /* U+0080..U+009F, the C1 controls */
    return n;
}

size_t json_extra_escape(const uint8_t *s, size_t len, unsigned *code_point)
{
    if (len >= 2 && s[0] == 0xC2 && s[1] >= 0x80 && s[1] < 0xA0) {
        *code_point = s[1]; /* C2 80..9F encode U+0080..U+009F */
        return 2;
    }
    if (len >= 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9)) {
        *code_point = 0x2000 + s[2] - 0x80; /* E2 80 A8/A9 encode U+2028/U+2029 */
        return 3;
    }
    return 0;
}

size_t printable_escape(uint8_t c, char out[5])
{
    static const char named[][2] = {{'\n', 'n'}, {'\r', 'r'}, {'\t', 't'}, {'\0', '0'}};
    out[0] = '\\';
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (c == (uint8_t)named[i][0]) {
            out[1] = named[i][1];
            out[2] = '\0';
            return 2;
        }
    out[1] = 'x';
    out[2] = hex_digit_char(c >> 4);
    out[3] = hex_digit_char(c);
    out[4] = '\0';
    return 4;
}

size_t printable_text(char *out, size_t cap, const char *s, size_t len)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = printable_char_len(u + i, len - i);
        if (n) {
            if (o + n >= cap)
                break;
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            if (o + 4 >= cap)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex_digit_char(u[i] >> 4);
            out[o++] = hex_digit_char(u[i]);
            i++;
        }
    }
    out[o] = '\0';
    return o;
}

/* hpack_huffman.c -- HPACK's Huffman code (RFC 7541 §5.2, Appendix B).
 *
 * The code is fixed, built once from the bytes of many real headers: the
 * digits and the lower-case letters of "aceiost" take 5 bits, rare bytes
 * up to 30.  It is canonical: sorted by length, then by symbol, each code
 * is the one before plus one (shifted left when the length grows).  So a
 * decoder needs no tree: it reads bits until the number read is one of
 * the codes of that many bits, which sit side by side in the table below.
 *
 * A string ends on a byte boundary: the last byte is filled with the
 * first bits of EOS (all 1s), fewer than 8 of them; EOS itself never
 * appears in a string.
 */
#include "proto/hpack.h"

/* Appendix B's table, each row {code, length in bits, symbol}, sorted by
 * length then symbol (a test checks every symbol against the RFC's
 * examples and encodes and decodes all 256). */
const struct hpack_code hpack_huffman_codes[HPACK_EOS + 1] = {
    {0x0, 5, '0'},        {0x1, 5, '1'},        {0x2, 5, '2'},        {0x3, 5, 'a'},
    {0x4, 5, 'c'},        {0x5, 5, 'e'},        {0x6, 5, 'i'},        {0x7, 5, 'o'},
    {0x8, 5, 's'},        {0x9, 5, 't'},        {0x14, 6, ' '},       {0x15, 6, '%'},
    {0x16, 6, '-'},       {0x17, 6, '.'},       {0x18, 6, '/'},       {0x19, 6, '3'},
    {0x1a, 6, '4'},       {0x1b, 6, '5'},       {0x1c, 6, '6'},       {0x1d, 6, '7'},
    {0x1e, 6, '8'},       {0x1f, 6, '9'},       {0x20, 6, '='},       {0x21, 6, 'A'},
    {0x22, 6, '_'},       {0x23, 6, 'b'},       {0x24, 6, 'd'},       {0x25, 6, 'f'},
    {0x26, 6, 'g'},       {0x27, 6, 'h'},       {0x28, 6, 'l'},       {0x29, 6, 'm'},
    {0x2a, 6, 'n'},       {0x2b, 6, 'p'},       {0x2c, 6, 'r'},       {0x2d, 6, 'u'},
    {0x5c, 7, ':'},       {0x5d, 7, 'B'},       {0x5e, 7, 'C'},       {0x5f, 7, 'D'},
    {0x60, 7, 'E'},       {0x61, 7, 'F'},       {0x62, 7, 'G'},       {0x63, 7, 'H'},
    {0x64, 7, 'I'},       {0x65, 7, 'J'},       {0x66, 7, 'K'},       {0x67, 7, 'L'},
    {0x68, 7, 'M'},       {0x69, 7, 'N'},       {0x6a, 7, 'O'},       {0x6b, 7, 'P'},
    {0x6c, 7, 'Q'},       {0x6d, 7, 'R'},       {0x6e, 7, 'S'},       {0x6f, 7, 'T'},
    {0x70, 7, 'U'},       {0x71, 7, 'V'},       {0x72, 7, 'W'},       {0x73, 7, 'Y'},
    {0x74, 7, 'j'},       {0x75, 7, 'k'},       {0x76, 7, 'q'},       {0x77, 7, 'v'},
    {0x78, 7, 'w'},       {0x79, 7, 'x'},       {0x7a, 7, 'y'},       {0x7b, 7, 'z'},
    {0xf8, 8, '&'},       {0xf9, 8, '*'},       {0xfa, 8, ','},       {0xfb, 8, ';'},
    {0xfc, 8, 'X'},       {0xfd, 8, 'Z'},       {0x3f8, 10, '!'},     {0x3f9, 10, '"'},
    {0x3fa, 10, '('},     {0x3fb, 10, ')'},     {0x3fc, 10, '?'},     {0x7fa, 11, 39},
    {0x7fb, 11, '+'},     {0x7fc, 11, '|'},     {0xffa, 12, '#'},     {0xffb, 12, '>'},
    {0x1ff8, 13, 0},      {0x1ff9, 13, '$'},    {0x1ffa, 13, '@'},    {0x1ffb, 13, '['},
    {0x1ffc, 13, ']'},    {0x1ffd, 13, '~'},    {0x3ffc, 14, '^'},    {0x3ffd, 14, '}'},
    {0x7ffc, 15, '<'},    {0x7ffd, 15, '`'},    {0x7ffe, 15, '{'},    {0x7fff0, 19, 92},
    {0x7fff1, 19, 195},   {0x7fff2, 19, 208},   {0xfffe6, 20, 128},   {0xfffe7, 20, 130},
    {0xfffe8, 20, 131},   {0xfffe9, 20, 162},   {0xfffea, 20, 184},   {0xfffeb, 20, 194},
    {0xfffec, 20, 224},   {0xfffed, 20, 226},   {0x1fffdc, 21, 153},  {0x1fffdd, 21, 161},
    {0x1fffde, 21, 167},  {0x1fffdf, 21, 172},  {0x1fffe0, 21, 176},  {0x1fffe1, 21, 177},
    {0x1fffe2, 21, 179},  {0x1fffe3, 21, 209},  {0x1fffe4, 21, 216},  {0x1fffe5, 21, 217},
    {0x1fffe6, 21, 227},  {0x1fffe7, 21, 229},  {0x1fffe8, 21, 230},  {0x3fffd2, 22, 129},
    {0x3fffd3, 22, 132},  {0x3fffd4, 22, 133},  {0x3fffd5, 22, 134},  {0x3fffd6, 22, 136},
    {0x3fffd7, 22, 146},  {0x3fffd8, 22, 154},  {0x3fffd9, 22, 156},  {0x3fffda, 22, 160},
    {0x3fffdb, 22, 163},  {0x3fffdc, 22, 164},  {0x3fffdd, 22, 169},  {0x3fffde, 22, 170},
    {0x3fffdf, 22, 173},  {0x3fffe0, 22, 178},  {0x3fffe1, 22, 181},  {0x3fffe2, 22, 185},
    {0x3fffe3, 22, 186},  {0x3fffe4, 22, 187},  {0x3fffe5, 22, 189},  {0x3fffe6, 22, 190},
    {0x3fffe7, 22, 196},  {0x3fffe8, 22, 198},  {0x3fffe9, 22, 228},  {0x3fffea, 22, 232},
    {0x3fffeb, 22, 233},  {0x7fffd8, 23, 1},    {0x7fffd9, 23, 135},  {0x7fffda, 23, 137},
    {0x7fffdb, 23, 138},  {0x7fffdc, 23, 139},  {0x7fffdd, 23, 140},  {0x7fffde, 23, 141},
    {0x7fffdf, 23, 143},  {0x7fffe0, 23, 147},  {0x7fffe1, 23, 149},  {0x7fffe2, 23, 150},
    {0x7fffe3, 23, 151},  {0x7fffe4, 23, 152},  {0x7fffe5, 23, 155},  {0x7fffe6, 23, 157},
    {0x7fffe7, 23, 158},  {0x7fffe8, 23, 165},  {0x7fffe9, 23, 166},  {0x7fffea, 23, 168},
    {0x7fffeb, 23, 174},  {0x7fffec, 23, 175},  {0x7fffed, 23, 180},  {0x7fffee, 23, 182},
    {0x7fffef, 23, 183},  {0x7ffff0, 23, 188},  {0x7ffff1, 23, 191},  {0x7ffff2, 23, 197},
    {0x7ffff3, 23, 231},  {0x7ffff4, 23, 239},  {0xffffea, 24, 9},    {0xffffeb, 24, 142},
    {0xffffec, 24, 144},  {0xffffed, 24, 145},  {0xffffee, 24, 148},  {0xffffef, 24, 159},
    {0xfffff0, 24, 171},  {0xfffff1, 24, 206},  {0xfffff2, 24, 215},  {0xfffff3, 24, 225},
    {0xfffff4, 24, 236},  {0xfffff5, 24, 237},  {0x1ffffec, 25, 199}, {0x1ffffed, 25, 207},
    {0x1ffffee, 25, 234}, {0x1ffffef, 25, 235}, {0x3ffffe0, 26, 192}, {0x3ffffe1, 26, 193},
    {0x3ffffe2, 26, 200}, {0x3ffffe3, 26, 201}, {0x3ffffe4, 26, 202}, {0x3ffffe5, 26, 205},
    {0x3ffffe6, 26, 210}, {0x3ffffe7, 26, 213}, {0x3ffffe8, 26, 218}, {0x3ffffe9, 26, 219},
    {0x3ffffea, 26, 238}, {0x3ffffeb, 26, 240}, {0x3ffffec, 26, 242}, {0x3ffffed, 26, 243},
    {0x3ffffee, 26, 255}, {0x7ffffde, 27, 203}, {0x7ffffdf, 27, 204}, {0x7ffffe0, 27, 211},
    {0x7ffffe1, 27, 212}, {0x7ffffe2, 27, 214}, {0x7ffffe3, 27, 221}, {0x7ffffe4, 27, 222},
    {0x7ffffe5, 27, 223}, {0x7ffffe6, 27, 241}, {0x7ffffe7, 27, 244}, {0x7ffffe8, 27, 245},
    {0x7ffffe9, 27, 246}, {0x7ffffea, 27, 247}, {0x7ffffeb, 27, 248}, {0x7ffffec, 27, 250},
    {0x7ffffed, 27, 251}, {0x7ffffee, 27, 252}, {0x7ffffef, 27, 253}, {0x7fffff0, 27, 254},
    {0xfffffe2, 28, 2},   {0xfffffe3, 28, 3},   {0xfffffe4, 28, 4},   {0xfffffe5, 28, 5},
    {0xfffffe6, 28, 6},   {0xfffffe7, 28, 7},   {0xfffffe8, 28, 8},   {0xfffffe9, 28, 11},
    {0xfffffea, 28, 12},  {0xfffffeb, 28, 14},  {0xfffffec, 28, 15},  {0xfffffed, 28, 16},
    {0xfffffee, 28, 17},  {0xfffffef, 28, 18},  {0xffffff0, 28, 19},  {0xffffff1, 28, 20},
    {0xffffff2, 28, 21},  {0xffffff3, 28, 23},  {0xffffff4, 28, 24},  {0xffffff5, 28, 25},
    {0xffffff6, 28, 26},  {0xffffff7, 28, 27},  {0xffffff8, 28, 28},  {0xffffff9, 28, 29},
    {0xffffffa, 28, 30},  {0xffffffb, 28, 31},  {0xffffffc, 28, 127}, {0xffffffd, 28, 220},
    {0xffffffe, 28, 249}, {0x3ffffffc, 30, 10}, {0x3ffffffd, 30, 13}, {0x3ffffffe, 30, 22},
    {0x3fffffff, 30, HPACK_EOS},
};

const char *hpack_huffman_decode(const uint8_t *p, size_t len, struct bytebuf *out)
{
    uint32_t code = 0;  /* the bits read since the last symbol */
    unsigned nbits = 0; /* how many */
    size_t row = 0;     /* the first row whose code is nbits long or longer */
    for (size_t i = 0; i < len; i++) {
        for (int bit = 7; bit >= 0; bit--) {
            code = code << 1 | (uint32_t)(p[i] >> bit & 1);
            nbits++;
            while (hpack_huffman_codes[row].len < nbits)
                row++; /* ends at EOS, the longest code: a complete code ends on a symbol by then */
            uint32_t first = hpack_huffman_codes[row].code;
            if (hpack_huffman_codes[row].len != nbits || code < first)
                continue;
            size_t at = row + (code - first);
            if (at > HPACK_EOS || hpack_huffman_codes[at].len != nbits)
                continue;
            if (hpack_huffman_codes[at].sym == HPACK_EOS)
                return "EOS inside a Huffman string";
            uint8_t c = (uint8_t)hpack_huffman_codes[at].sym;
            if (!bytebuf_append(out, &c, 1))
                return "header list too long";
            code = 0;
            nbits = 0;
            row = 0;
        }
    }
    if (nbits > 7)
        return "Huffman padding longer than 7 bits";
    if (code != (1u << nbits) - 1)
        return "Huffman padding not the start of EOS";
    return NULL;
}

/* json.c -- items as JSON lines (RFC 8259), the form scripts and
 * tests read.
 *
 * Text fields hold wire bytes, which need not be UTF-8: valid UTF-8 is
 * copied through, control characters become \u00XX, and a byte that does
 * not start a valid UTF-8 sequence becomes U+FFFD, so every line is valid
 * JSON whatever was captured.
 *
 * "Control characters" means more than JSON requires (U+0000-U+001F):
 * DEL, the C1 controls U+0080-U+009F and the separators U+2028 and U+2029
 * are escaped too.  Those last ones are line ends to many readers --
 * Python's str.splitlines() breaks at U+0085, U+2028 and U+2029, and
 * JavaScript before ES2019 ended a string literal there -- and a C1 byte
 * can be a terminal's command (U+009B is CSI).  Escaped, a captured body
 * cannot split a line in two, whatever splits the lines.  The client's
 * JSON follows the same rule (proto/printable.h, json_extra_escape).
 *
 * This is the hot path of a large replay (one line per packet and more:
 * `make bench` writes two million lines), so it is written for speed:
 *   - lines are built in a buffer of this file and handed to stdio 2 MiB
 *     at a time (output_json_flush() hands over the rest), instead of a
 *     printf call per value;
 *   - "reserve, then store": before writing a value, room() makes sure the
 *     buffer can take the most that value can need, so the bytes are then
 *     stored with no further checks;
 *   - the write position is a local variable `p` passed along and returned
 *     (p = store_uint(p, v)), not a field of a struct: a store through a
 *     char pointer may change any memory, so a position kept in memory
 *     would be reloaded after every byte, while a local one stays in a
 *     register;
 *   - numbers are formatted by hand: up to eight digits are made with a
 *     multiplication per pair of digits, no division, and stored at once;
 *   - strings are escaped and copied in the same pass over their bytes,
 *     eight bytes at a time.
 * Times and milliseconds are printed with six decimals (microseconds of t,
 * nanoseconds of a duration in ms), rounded to nearest (llround).
 */
#include "output/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memory/pages.h"
#include "proto/hex.h"
#include "proto/printable.h"
#include "proto/utf8.h"

/* Lines not yet handed to stdio.  They are kept from one call to the next
 * and written in one fwrite per buffer-full: stdio's work per call cost
 * more than building a short line, and a write this large goes straight
 * to the file without a copy into stdio's own buffer.  Each buffer-full
 * is a write(2), a system call, which in a virtual machine costs
 * microseconds: so the buffer is a whole huge page, 2 MiB (memory/pages.h:
 * one page fault, not 512), and the push capture of `make bench` (447 MB
 * of lines) makes 214 writes, where a 64 KiB buffer made 6,842. */
struct jline {
    FILE *out;       /* where buf[0..len) goes */
    size_t len;
    char *buf, *end; /* a huge page, or small_buffer without memory for one */
};

static struct jline pending;
static char small_buffer[65536];

/* The most one scalar value takes: "-9223372036854775808" is 20 bytes,
 * a time "9000000000000.000000" 20, "false" 5. */
enum { SCALAR_MAX = 24 };

/* Input bytes escaped per room() check: each can grow to 6 output bytes
 * ("\u00XX"), which must fit the buffer. */
enum { ESCAPE_CHUNK = 512 };

/* Write out buf[0..p) and return the start of the emptied buffer. */
static char *flush(struct jline *j, char *p)
{
    if (p > j->buf)
        fwrite_unlocked(j->buf, 1, (size_t)(p - j->buf), j->out); /* one thread writes: no stdio lock */
    return j->buf;
}

void output_json_flush(void)
{
    if (!pending.buf)
        return; /* no line yet */
    pending.len = (size_t)(flush(&pending, pending.buf + pending.len) - pending.buf);
}

/* p, or the start of the emptied buffer, with room for n more bytes
 * (n is at most sizeof small_buffer). */
static inline char *room(struct jline *j, char *p, size_t n)
{
    return (size_t)(j->end - p) < n ? flush(j, p) : p;
}

/* Store a literal for which room() was made.  Its size is known to the
 * compiler, which then stores it with a move or two, no call. */
#define STORE_LIT(p, lit) (memcpy(p, lit, sizeof lit - 1), (p) += sizeof lit - 1)

/* A NUL-terminated string (a key or a type name: a few letters).  Copied
 * byte by byte, checking room as it goes: cheaper for such short strings
 * than calling strlen and then memcpy. */
static char *put_cstr(struct jline *j, char *p, const char *s)
{
    for (; *s; s++) {
        p = room(j, p, 1);
        *p++ = *s;
    }
    return p;
}

/* ---- keys ----
 * Every field name is a string literal of the engine (item.h), so the same
 * few dozen pointers come back line after line.  The JSON text of a key,
 * `,"name":`, is made once per name and kept in a small table found by the
 * pointer (open addressing); a line then copies a key with one fixed-size
 * move instead of measuring and copying the name byte by byte. */
enum { KEY_TEXT = 32, KEY_SLOTS = 256 };

struct key {
    const char *name; /* the field name's address; NULL: a free slot */
    size_t len;       /* bytes of text used */
    char text[KEY_TEXT];
};

static struct key keys[KEY_SLOTS];

/* The key of name, made on first use; NULL when the name is too long
 * or the table is full (the caller then writes the key itself). */
static const struct key *key_for(const char *name)
{
    /* Fibonacci hashing: the top 8 bits of the address times 2^64/phi,
     * which spreads nearby addresses (literals sit side by side) apart. */
    size_t slot = (size_t)(((uint64_t)(uintptr_t)name * 0x9E3779B97F4A7C15u) >> 56);
    for (size_t tries = 0; tries < KEY_SLOTS; tries++, slot = (slot + 1) % KEY_SLOTS) {
        struct key *k = &keys[slot];
        if (k->name == name)
            return k;
        if (!k->name) {
            size_t n = strlen(name);
            if (n + 4 > KEY_TEXT)
                return NULL;
            memcpy(k->text, ",\"", 2);
            memcpy(k->text + 2, name, n);
            memcpy(k->text + 2 + n, "\":", 2);
            k->len = n + 4;
            k->name = name;
            return k;
        }
    }
    return NULL;
}

/* ,"name": followed by room for a scalar value (one room() check instead
 * of two, for every field). */
static char *put_key(struct jline *j, char *p, const char *name)
{
    const struct key *k = key_for(name);
    if (k) {
        p = room(j, p, KEY_TEXT + SCALAR_MAX);
        memcpy(p, k->text, KEY_TEXT); /* the whole array: a fixed size copies fastest */
        return p + k->len;
    }
    p = room(j, p, 2);
    STORE_LIT(p, ",\"");
    p = put_cstr(j, p, name);
    p = room(j, p, 2 + SCALAR_MAX);
    return STORE_LIT(p, "\":");
}

/* "00" "01" ... "99": numbers are written two digits at a time. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The bytes of w, lowest first, stored at p: the order a little-endian
 * machine stores a word in (a big-endian one swaps it first). */
static inline void store_word_le(char *p, uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    memcpy(p, &w, 8);
}

/* The two characters of digit_pairs[2 * i ...] as a number, the first
 * in the low byte. */
static inline uint64_t pair_le(uint32_t i)
{
    uint16_t pair;
    memcpy(&pair, digit_pairs + 2 * i, 2);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    pair = __builtin_bswap16(pair);
#endif
    return pair;
}

/* The digits of n < 10^(2 * pairs), zeros in front, as one word: the
 * first digit in the lowest byte.  No division: y holds n / 10^(2*pairs-2)
 * as a fixed-point number with 32 bits of fraction, so y >> 32 is the
 * first pair of digits; multiplying the fraction by 100 brings the next
 * pair above the point, and so on.  y may be a little too large, never
 * too small: the multipliers are 2^32 / 100, 2^32 / 10^4 and 2^48 / 10^6
 * rounded up (for four pairs the product would not fit 64 bits unshifted;
 * the + 1 undoes the shift's rounding down), and the excess stays below
 * 1 / 10^(2*pairs-2), what one in the last pair is worth, so every pair
 * comes out exact.  (Checked for every n in range when it was written.) */
static inline uint64_t digit_word(uint32_t n, unsigned pairs)
{
    uint64_t y = pairs == 2 ? n * 42949673ull : pairs == 3 ? n * 429497ull : (n * 281474977ull >> 16) + 1;
    uint64_t word = pair_le((uint32_t)(y >> 32));
    y = (uint64_t)(uint32_t)y * 100; /* pairs is at least 2 */
    word |= pair_le((uint32_t)(y >> 32)) << 16;
    if (pairs > 2) {
        y = (uint64_t)(uint32_t)y * 100;
        word |= pair_le((uint32_t)(y >> 32)) << 32;
    }
    if (pairs > 3) {
        y = (uint64_t)(uint32_t)y * 100;
        word |= pair_le((uint32_t)(y >> 32)) << 48;
    }
    return word;
}

/* n < 10^8 in decimal with no leading zeros: its pairs of digits with a
 * leading zero shifted out, stored as one word (the bytes past the last
 * digit are overwritten by what follows: room() was made for SCALAR_MAX). */
static inline char *store_below_1e8(char *p, uint32_t n)
{
    if (n < 100) {
        memcpy(p, digit_pairs + 2 * n + (n < 10), 2);
        return p + 2 - (n < 10);
    }
    unsigned pairs = n < 10000 ? 2 : n < 1000000 ? 3 : 4;
    uint64_t word = digit_word(n, pairs);
    unsigned lead_zero = (word & 0xFF) == '0';
    store_word_le(p, word >> 8 * lead_zero);
    return p + 2 * pairs - lead_zero;
}

/* v in decimal (room() for SCALAR_MAX was made): eight digits per word,
 * the leading part (up to eight digits, or four above 10^16) without
 * leading zeros, each later part with them. */
static char *store_uint(char *p, uint64_t v)
{
    if (v < 10) { /* many values are one digit: lengths 0, flags, opcodes */
        *p = (char)('0' + v);
        return p + 1;
    }
    if (v < 100000000)
        return store_below_1e8(p, (uint32_t)v);
    uint64_t high = v / 100000000;
    if (high < 100000000) {
        p = store_below_1e8(p, (uint32_t)high);
    } else {
        p = store_below_1e8(p, (uint32_t)(high / 100000000)); /* at most 1844 */
        store_word_le(p, digit_word((uint32_t)(high % 100000000), 4));
        p += 8;
    }
    store_word_le(p, digit_word((uint32_t)(v % 100000000), 4));
    return p + 8;
}

static char *store_int(char *p, int64_t v)
{
    if (v >= 0)
        return store_uint(p, (uint64_t)v);
    *p++ = '-';
    return store_uint(p, (uint64_t)0 - (uint64_t)v);
}

/* y rounded to the nearest integer, halves away from zero: what llround
 * does, without a call into libm for each time on each line.  Cutting y
 * toward zero and subtracting is exact for any double (below 2^52 the
 * difference is a fraction with y's own bits; above, y is whole), so
 * comparing the rest with one half decides exactly. */
static int64_t round_half_away(double y)
{
    int64_t whole = (int64_t)y;
    double rest = y - (double)whole;
    if (rest >= 0.5)
        whole++;
    else if (rest <= -0.5)
        whole--;
    return whole;
}

/* x with exactly six decimals, rounded to nearest (room() for SCALAR_MAX
 * was made). */
static char *store_fixed6(char *p, double x)
{
    if (!isfinite(x) || fabs(x) > 9e12) /* never from a capture; keep the line valid JSON */
        return STORE_LIT(p, "null");
    int64_t micro = round_half_away(x * 1e6);
    if (micro < 0) {
        *p++ = '-';
        micro = -micro;
    }
    p = store_uint(p, (uint64_t)micro / 1000000);
    uint32_t f = (uint32_t)((uint64_t)micro % 1000000);
    p[0] = '.';
    memcpy(p + 1, digit_pairs + 2 * (f / 10000), 2);
    memcpy(p + 3, digit_pairs + 2 * (f / 100 % 100), 2);
    memcpy(p + 5, digit_pairs + 2 * (f % 100), 2);
    return p + 7;
}

/* The items of one packet share their time (a segment, the frame in it,
 * the event in that): the text of the last time written is kept and
 * copied when the next item has the same. */
static struct {
    bool set;
    double t;
    size_t len;
    char text[SCALAR_MAX];
} last_time;

static char *store_time(char *p, double t)
{
    if (last_time.set && t == last_time.t) {
        memcpy(p, last_time.text, sizeof last_time.text); /* the whole array: a fixed size copies fastest */
        return p + last_time.len;
    }
    char *end = store_fixed6(p, t);
    last_time.set = true;
    last_time.t = t;
    last_time.len = (size_t)(end - p);
    memcpy(last_time.text, p, last_time.len);
    return end;
}

/* How many bytes the UTF-8 sequence led by byte c claims (0 if c cannot lead). */
static size_t utf8_seq_len(unsigned char c)
{
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

/* 1 for the bytes a JSON string holds as they are: printable ASCII but
 * the quote (0x22) and the backslash (0x5C).  A table lookup is one load,
 * where the test it replaces is four comparisons, and it runs for every
 * byte of text. */
static const unsigned char json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* 0x70 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x80 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x90 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xA0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xB0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xC0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xD0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xE0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xF0 */
};

/* Eight bytes at a time, found without a branch per byte.  For each
 * value v tested, (x - 0x01..01) & ~x has the top bit set where x = w ^ v
 * is zero, and (w - 0x20..20) & ~w where w is below 0x20.  A borrow may
 * also flag a byte above a flagged one, never below it, and none at all
 * when no byte is flagged: so the lowest flagged byte is exact, and so is
 * "none", which is all the callers use.
 *
 * json_hard(w): the bytes below 0x20, DEL and above, which need a look of
 * their own (an escape, or UTF-8 to check).  json_quoted(w): the quote and
 * the backslash, which only need a backslash put before them.
 * json_special(w): both, every byte that json_plain calls not plain. */
#define BYTES8(b) (0x0101010101010101u * (uint64_t)(b))
static inline uint64_t json_hard(uint64_t w)
{
    uint64_t d = w ^ BYTES8(0x7F);
    return (((w - BYTES8(0x20)) & ~w) | ((d - BYTES8(1)) & ~d) | w) & BYTES8(0x80);
}

static inline uint64_t json_quoted(uint64_t w)
{
    uint64_t q = w ^ BYTES8('"'), b = w ^ BYTES8('\\');
    return (((q - BYTES8(1)) & ~q) | ((b - BYTES8(1)) & ~b)) & BYTES8(0x80);
}

static inline uint64_t json_special(uint64_t w)
{
    return json_hard(w) | json_quoted(w);
}

/* The top bit of each byte of x that is zero, and of no other: adding
 * 0x7F to the low seven bits carries into the top bit unless they are
 * all zero, and no carry crosses into the next byte. */
static inline uint64_t zero_bytes(uint64_t x)
{
    return ~(((x & BYTES8(0x7F)) + BYTES8(0x7F)) | x) & BYTES8(0x80);
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The len bytes of s (1 to 7) as one word, s[0] lowest, the bytes above
 * len zero, read without touching a byte past s[len-1]: two 4-byte loads
 * that overlap in the middle, or for 1 to 3 bytes the first, middle and
 * last byte (some of them the same byte, stored where it belongs). */
static inline uint64_t short_word(const char *s, size_t len)
{
    if (len >= 4) {
        uint32_t first, last;
        memcpy(&first, s, 4);
        memcpy(&last, s + len - 4, 4);
        return first | (uint64_t)last << 8 * (len - 4);
    }
    return (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << 8 * (len / 2) |
           (uint64_t)(unsigned char)s[len - 1] << 8 * (len - 1);
}
#endif

/* s[0..len) as a JSON string.  Escaping and copying happen in one pass,
 * ESCAPE_CHUNK input bytes per room() check; runs of plain bytes are
 * copied eight at a time (on a little-endian machine, where the lowest
 * flagged byte of json_special is the first in memory). */
static char *json_string(struct jline *j, char *p, const char *s, size_t len)
{
    p = room(j, p, 1);
    *p++ = '"';
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Most strings of a line are short -- TCP flags, a method, an opcode's
     * or an event's name -- and would go byte by byte below: one word
     * checks and copies such a string at once when no byte needs escaping
     * (the zero bytes above len, which json_special flags, are masked). */
    if (len > 0 && len < 8) {
        uint64_t w = short_word(s, len);
        if (!(json_special(w) & ((1ull << 8 * len) - 1))) {
            p = room(j, p, 8 + 1);
            memcpy(p, &w, 8); /* the bytes past len are overwritten by what follows */
            p += len;
            *p++ = '"';
            return p;
        }
    }
#endif
    size_t i = 0;
    while (i < len) {
        size_t stop = len - i > ESCAPE_CHUNK ? i + ESCAPE_CHUNK : len;
        /* Each input byte before stop gives at most 6 output bytes; the last
         * UTF-8 sequence may run 3 bytes past stop, copied as they are. */
        p = room(j, p, 6 * (stop - i) + 3);
        while (i < stop) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            if (stop - i >= 8) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                memcpy(p, &w, 8); /* room was made for 6 bytes per input byte */
                uint64_t hard = json_hard(w), special = hard | json_quoted(w);
                if (!special) {
                    p += 8;
                    i += 8;
                    continue;
                }
                if (!hard) {
                    /* Quotes and backslashes only (JSON text in a message is
                     * full of quotes): the word was stored whole; before each
                     * of them, in turn, a backslash goes and the rest of the
                     * word is stored again one byte further on. */
                    uint64_t quoted = zero_bytes(w ^ BYTES8('"')) | zero_bytes(w ^ BYTES8('\\'));
                    do {
                        unsigned at = (unsigned)__builtin_ctzll(quoted) / 8;
                        uint64_t rest = w >> 8 * at;
                        p[at] = '\\';
                        p++;
                        memcpy(p + at, &rest, 8);
                        quoted &= quoted - 1;
                    } while (quoted);
                    p += 8;
                    i += 8;
                    continue;
                }
                size_t plain = (size_t)__builtin_ctzll(special) / 8;
                p += plain;
                i += plain;
            }
#endif
            unsigned char c = (unsigned char)s[i];
            if (json_plain[c]) {
                *p++ = (char)c; /* the common case: printable ASCII */
                i++;
                continue;
            }
            if (c >= 0x80) {
                size_t n = utf8_seq_len(c);
                if (n && n <= len - i && utf8_valid((const uint8_t *)s + i, n)) {
                    unsigned cp;
                    if (json_extra_escape((const uint8_t *)s + i, n, &cp)) { /* C1, U+2028, U+2029 */
                        STORE_LIT(p, "\\u");
                        p[0] = hex_digit_char(cp >> 12);
                        p[1] = hex_digit_char(cp >> 8);
                        p[2] = hex_digit_char(cp >> 4);
                        p[3] = hex_digit_char(cp);
                        p += 4;
                        i += n;
                        continue;
                    }
                    memcpy(p, s + i, n);
                    p += n;
                    i += n;
                    continue;
                }
            }
            i++;
            if (c == '"' || c == '\\') {
                p[0] = '\\';
                p[1] = (char)c;
                p += 2;
            } else if (c == '\n') {
                STORE_LIT(p, "\\n");
            } else if (c == '\r') {
                STORE_LIT(p, "\\r");
            } else if (c == '\t') {
                STORE_LIT(p, "\\t");
            } else if (c < 0x80) { /* other control characters and DEL */
                STORE_LIT(p, "\\u00");
                p[0] = hex_digit_char(c >> 4);
                p[1] = hex_digit_char(c);
                p += 2;
            } else {
                STORE_LIT(p, "\\ufffd");
            }
        }
    }
    p = room(j, p, 1);
    *p++ = '"';
    return p;
}

static char *json_field(struct jline *j, char *p, const struct item *it, const struct item_field *f)
{
    p = put_key(j, p, f->name);
    switch (f->kind) {
    case FIELD_INT:
        return store_int(p, f->v.i);
    case FIELD_MS:
        return store_fixed6(p, f->v.ms);
    case FIELD_BOOL:
        return f->v.b ? STORE_LIT(p, "true") : STORE_LIT(p, "false");
    case FIELD_NULL:
        return STORE_LIT(p, "null");
    case FIELD_TEXT: {
        size_t len;
        const char *s = item_text(it, f, &len);
        return json_string(j, p, s, len);
    }
    case FIELD_PAIRS: {
        const char *n, *v;
        size_t nl, vl;
        *p++ = '[';
        for (uint32_t i = 0; item_pair(it, f, i, &n, &nl, &v, &vl); i++) {
            p = room(j, p, 2);
            if (i)
                *p++ = ',';
            *p++ = '[';
            p = json_string(j, p, n, nl);
            p = room(j, p, 1);
            *p++ = ',';
            p = json_string(j, p, v, vl);
            p = room(j, p, 1);
            *p++ = ']';
        }
        p = room(j, p, 1);
        *p++ = ']';
        return p;
    }
    }
    return p;
}

/* ,"type":"tcp","dir":"c2s" -- the text after a line's flow number, the
 * same for every item of a type and direction: made once for each pair
 * (set_up) and copied whole, instead of copying two names byte by byte
 * on every line. */
enum { TYPE_DIR_TEXT = 48 };

static struct {
    size_t len;
    char text[TYPE_DIR_TEXT];
} type_dir[ITEM_TYPE_COUNT][3]; /* [type][dir + 1]: no direction, c2s, s2c */

static void set_up(void)
{
    if ((pending.buf = pages_map(PAGES_HUGE, true)) != NULL) {
        pending.end = pending.buf + PAGES_HUGE;
    } else {
        pending.buf = small_buffer;
        pending.end = small_buffer + sizeof small_buffer;
    }
    atexit(output_json_flush); /* exit() runs this before stdio flushes its streams */
    for (int t = 0; t < ITEM_TYPE_COUNT; t++) {
        const char *type = item_type_name((enum item_type)t);
        for (int d = DIR_NONE; d <= DIR_S2C; d++) {
            int n = d == DIR_NONE
                        ? snprintf(type_dir[t][0].text, TYPE_DIR_TEXT, ",\"type\":\"%s\"", type)
                        : snprintf(type_dir[t][d + 1].text, TYPE_DIR_TEXT, ",\"type\":\"%s\",\"dir\":\"%s\"", type,
                                   item_dir_name((enum item_dir)d));
            if (n < 0 || n >= TYPE_DIR_TEXT)
                abort(); /* a type name too long for the table: item.c and TYPE_DIR_TEXT disagree */
            type_dir[t][d + 1].len = (size_t)n;
        }
    }
}

void output_json(FILE *out, const struct item *it)
{
    static bool ready;
    if (!ready) {
        set_up();
        ready = true;
    }
    if (pending.out != out) {
        output_json_flush(); /* lines for another stream go there first */
        pending.out = out;
    }
    struct jline *j = &pending;
    /* The head is short: one room() covers it. */
    char *p = room(j, j->buf + j->len, 256);
    STORE_LIT(p, "{\"t\":");
    p = store_time(p, it->t);
    STORE_LIT(p, ",\"flow\":");
    p = store_uint(p, it->flow);
    memcpy(p, type_dir[it->type][it->dir + 1].text, TYPE_DIR_TEXT); /* the whole array: a fixed size copies fastest */
    p += type_dir[it->type][it->dir + 1].len;
    for (unsigned i = 0; i < it->nfields; i++)
        p = json_field(j, p, it, &it->fields[i]);
    p = room(j, p, 12 + SCALAR_MAX + 2);
    if (it->has_range) {
        STORE_LIT(p, ",\"offset\":");
        p = store_uint(p, it->offset);
    }
    STORE_LIT(p, "}\n");
    j->len = (size_t)(p - j->buf);
}

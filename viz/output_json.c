/* output_json.c -- items as JSON lines (RFC 8259), the form scripts and
 * tests read.
 *
 * Text fields hold wire bytes, which need not be UTF-8: valid UTF-8 is
 * copied through, control characters become \u00XX, and a byte that does
 * not start a valid UTF-8 sequence becomes U+FFFD, so every line is valid
 * JSON whatever was captured.
 *
 * This is the hot path of a large replay (one line per packet and more),
 * so a line is built in a local buffer with hand-written number
 * formatting and handed to stdio in one fwrite, instead of a printf call
 * per value.  Times and milliseconds are printed with six decimals
 * (microseconds of t, nanoseconds of a duration in ms).
 */
#include "output.h"

#include <math.h>
#include <string.h>

#include "proto/utf8.h"

/* A line being built; written out whenever it fills up. */
struct jline {
    FILE *out;
    size_t len;
    char buf[4096];
};

static void flush(struct jline *j)
{
    fwrite_unlocked(j->buf, 1, j->len, j->out); /* one thread writes: no stdio lock needed */
    j->len = 0;
}

static void put(struct jline *j, const char *s, size_t n)
{
    if (n <= 16 && sizeof j->buf - j->len >= 16) {
        /* Keys and numbers are short: a byte loop beats a call to memcpy. */
        for (size_t i = 0; i < n; i++)
            j->buf[j->len + i] = s[i];
        j->len += n;
        return;
    }
    while (n > 0) {
        if (j->len == sizeof j->buf)
            flush(j);
        size_t k = sizeof j->buf - j->len < n ? sizeof j->buf - j->len : n;
        memcpy(j->buf + j->len, s, k);
        j->len += k;
        s += k;
        n -= k;
    }
}

static void put_str(struct jline *j, const char *s)
{
    put(j, s, strlen(s));
}

static void put_uint(struct jline *j, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof digits - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(j, digits + sizeof digits - n, n);
}

static void put_int(struct jline *j, int64_t v)
{
    if (v < 0) {
        put(j, "-", 1);
        put_uint(j, (uint64_t)0 - (uint64_t)v);
    } else {
        put_uint(j, (uint64_t)v);
    }
}

/* x with exactly six decimals, rounded to nearest (as printf's "%.6f"). */
static void put_fixed6(struct jline *j, double x)
{
    if (!isfinite(x) || fabs(x) > 9e12) { /* never from a capture; keep the line valid JSON */
        put_str(j, "null");
        return;
    }
    int64_t micro = llround(x * 1e6);
    if (micro < 0) {
        put(j, "-", 1);
        micro = -micro;
    }
    put_uint(j, (uint64_t)micro / 1000000);
    char frac[7];
    uint64_t f = (uint64_t)micro % 1000000;
    for (int i = 6; i-- > 0; f /= 10)
        frac[i + 1] = (char)('0' + f % 10);
    frac[0] = '.';
    put(j, frac, 7);
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

static void json_string(struct jline *j, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    put(j, "\"", 1);
    size_t plain = 0; /* start of a run of bytes copied as they are */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
            continue;
        if (c >= 0x80) {
            size_t n = utf8_seq_len(c);
            if (n && n <= len - i && utf8_valid((const uint8_t *)s + i, n)) {
                i += n - 1;
                continue;
            }
        }
        put(j, s + plain, i - plain);
        plain = i + 1;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(j, esc, 2);
        } else if (c == '\n') {
            put(j, "\\n", 2);
        } else if (c == '\r') {
            put(j, "\\r", 2);
        } else if (c == '\t') {
            put(j, "\\t", 2);
        } else if (c < 0x80) { /* other control characters and DEL */
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(j, esc, 6);
        } else {
            put(j, "\\ufffd", 6);
        }
    }
    put(j, s + plain, len - plain);
    put(j, "\"", 1);
}

static void json_field(struct jline *j, const struct item *it, const struct item_field *f)
{
    put(j, ",\"", 2);
    put_str(j, f->name);
    put(j, "\":", 2);
    switch (f->kind) {
    case FIELD_INT:
        put_int(j, f->v.i);
        break;
    case FIELD_MS:
        put_fixed6(j, f->v.ms);
        break;
    case FIELD_BOOL:
        put_str(j, f->v.b ? "true" : "false");
        break;
    case FIELD_NULL:
        put_str(j, "null");
        break;
    case FIELD_TEXT: {
        size_t len;
        const char *s = item_text(it, f, &len);
        json_string(j, s, len);
        break;
    }
    case FIELD_PAIRS: {
        const char *n, *v;
        size_t nl, vl;
        put(j, "[", 1);
        for (uint32_t i = 0; item_pair(it, f, i, &n, &nl, &v, &vl); i++) {
            put_str(j, i ? ",[" : "[");
            json_string(j, n, nl);
            put(j, ",", 1);
            json_string(j, v, vl);
            put(j, "]", 1);
        }
        put(j, "]", 1);
        break;
    }
    }
}

void output_json(FILE *out, const struct item *it)
{
    struct jline j;
    j.out = out;
    j.len = 0;
    put_str(&j, "{\"t\":");
    put_fixed6(&j, it->t);
    put_str(&j, ",\"flow\":");
    put_uint(&j, it->flow);
    put_str(&j, ",\"type\":\"");
    put_str(&j, item_type_name(it->type));
    put(&j, "\"", 1);
    if (it->dir != DIR_NONE) {
        put_str(&j, ",\"dir\":\"");
        put_str(&j, item_dir_name(it->dir));
        put(&j, "\"", 1);
    }
    for (unsigned i = 0; i < it->nfields; i++)
        json_field(&j, it, &it->fields[i]);
    if (it->has_range) {
        put_str(&j, ",\"offset\":");
        put_uint(&j, it->offset);
    }
    put(&j, "}\n", 2);
    flush(&j);
}

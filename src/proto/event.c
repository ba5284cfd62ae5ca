/* event.c -- writing the pushlab event object and finding it again in any
 * payload (DESIGN.md, "Event"; JSON strings per RFC 8259 §7).
 *
 *   {"seq":N,"ts":UNIX_MS,"kind":"tick"|"chat","text":"..."}
 *
 * Writing.  The text is a JSON string, and the same bytes must also be safe
 * where pushlab puts them: inside an HTML <script> (iframe streaming) and
 * as JavaScript source (JSONP).  So besides '"', '\' and the control
 * characters that JSON requires escaped, '<', '>' and '&' are written as
 * \u003c, \u003e, \u0026 (no "</script>" or "<!--" can end the script
 * early), and U+2028 and U+2029 as \u2028, \u2029 (JavaScript before ES2019
 * counted them as line ends, which broke a string literal).  Every control
 * character uses the \u00XX form, one rule for all of them.
 *
 * Finding.  Because the writer puts the keys in one order with no white
 * space, an event is recognised byte by byte, without a JSON parser, inside
 * JSON, JSONP, HTML, SSE data, NDJSON, a WebSocket or Flash message.  The
 * reader is strict: anything that differs from that exact form (another
 * key, a space, a number with a fraction, a leading zero) is not an event.
 *
 * Left out on purpose: checking that raw (unescaped) bytes of a found text
 * are valid UTF-8; they are copied as they are.
 */
#include "proto/event.h"

#include <limits.h>
#include <string.h>

#include "proto/hex.h"
#include "proto/outbuf.h"

#define REPLACEMENT_CHAR 0xFFFD /* what an invalid UTF-8 sequence becomes */

const char *event_kind_name(enum event_kind kind)
{
    switch (kind) {
    case EVENT_TICK:
        return "tick";
    case EVENT_CHAT:
        return "chat";
    }
    return "unknown";
}

/* ---- UTF-8 ---- */

/* Decode the code point at s[0..len), len >= 1, into *cp and return the
 * bytes it used.  An ill-formed sequence becomes one U+FFFD per "maximal
 * subpart" (Unicode §3.9, what browsers do): the bytes up to the first one
 * that cannot continue it; that byte starts the next decode. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t more;
    uint32_t c;
    /* the second byte's range rules out overlong forms, surrogates and
     * code points above U+10FFFF */
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        more = 1;
        c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        more = 2;
        c = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        more = 3;
        c = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else {
        *cp = REPLACEMENT_CHAR; /* a continuation byte or C0, C1, F5..FF */
        return 1;
    }
    size_t i;
    for (i = 1; i <= more; i++) {
        if (i >= len || s[i] < lo || s[i] > hi) {
            *cp = REPLACEMENT_CHAR;
            return i;
        }
        c = (c << 6) | (s[i] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = c;
    return i;
}

/* Encode cp (a scalar value, <= U+10FFFF) as UTF-8 into out; returns 1..4. */
static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- writing ---- */

static bool needs_unicode_escape(uint32_t cp)
{
    return cp < 0x20 || cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 || cp == 0x2029;
}

static void put_json_text(struct outbuf *o, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if (cp == '"' || cp == '\\') {
            char esc[2] = {'\\', (char)cp};
            outbuf_put(o, esc, 2);
        } else if (needs_unicode_escape(cp)) {
            char esc[6] = {'\\', 'u', hex_digit_char(cp >> 12), hex_digit_char(cp >> 8),
                           hex_digit_char(cp >> 4), hex_digit_char(cp)};
            outbuf_put(o, esc, 6);
        } else {
            char utf8[4];
            outbuf_put(o, utf8, utf8_encode(cp, utf8));
        }
    }
}

size_t event_write(char *out, size_t cap, uint64_t seq, int64_t ts_ms, enum event_kind kind,
                   const char *text, size_t text_len)
{
    struct outbuf o = outbuf_start(out, cap);
    outbuf_str(&o, "{\"seq\":");
    outbuf_u64(&o, seq);
    outbuf_str(&o, ",\"ts\":");
    outbuf_i64(&o, ts_ms);
    outbuf_str(&o, ",\"kind\":\"");
    outbuf_str(&o, event_kind_name(kind));
    outbuf_str(&o, "\",\"text\":\"");
    put_json_text(&o, text, text_len);
    outbuf_str(&o, "\"}");
    return o.len;
}

/* ---- finding ---- */

/* How far a candidate got.  PARTIAL means the bytes ran out while they
 * still had the exact form: more bytes may complete it. */
enum match { M_FAIL, M_PARTIAL, M_OK };

/* A bounds-checked read position in the searched buffer. */
struct cursor {
    const char *buf; /* the searched bytes */
    size_t len;      /* how many there are */
    size_t pos;      /* next byte to read */
};

/* The decoded text as it is found: copied while it fits (whole code
 * points only, leaving room for a NUL), counted always. */
struct text_out {
    char *buf;      /* the caller's text buffer (may be NULL if cap is 0) */
    size_t cap;     /* its size */
    size_t written; /* bytes copied into buf */
    size_t len;     /* full decoded length */
    bool full;      /* a code point did not fit: copy nothing more */
};

static void text_put(struct text_out *t, const void *bytes, size_t n)
{
    t->len += n;
    if (t->full || t->cap == 0 || n > t->cap - 1 - t->written) {
        t->full = true;
        return;
    }
    memcpy(t->buf + t->written, bytes, n);
    t->written += n;
}

/* n ASCII bytes, each a code point of its own: the same as n one-byte
 * text_put calls (copy those that fit, then stop), in one memcpy. */
static void text_put_ascii(struct text_out *t, const char *bytes, size_t n)
{
    size_t room = t->full || t->cap == 0 ? 0 : t->cap - 1 - t->written;
    size_t fits = n < room ? n : room;
    if (fits > 0) { /* buf may be NULL when cap is 0 */
        memcpy(t->buf + t->written, bytes, fits);
        t->written += fits;
    }
    t->len += n;
    if (fits < n)
        t->full = true;
}

/* Inline, so that with a literal argument strlen and the memcmp of the
 * common case (all n bytes there) become a few compares of known size. */
static inline enum match expect(struct cursor *c, const char *lit)
{
    size_t n = strlen(lit), avail = c->len - c->pos;
    if (avail >= n) {
        if (memcmp(c->buf + c->pos, lit, n) != 0)
            return M_FAIL;
        c->pos += n;
        return M_OK;
    }
    return memcmp(c->buf + c->pos, lit, avail) == 0 ? M_PARTIAL : M_FAIL;
}

/* A JSON integer -?(0|[1-9][0-9]*) whose magnitude is at most `max`
 * (and at most max_negative after a '-', when negatives are allowed). */
static enum match integer(struct cursor *c, bool allow_minus, uint64_t max, uint64_t max_negative,
                          bool *negative, uint64_t *value)
{
    *negative = false;
    *value = 0;
    if (c->pos == c->len)
        return M_PARTIAL;
    if (allow_minus && c->buf[c->pos] == '-') {
        *negative = true;
        max = max_negative;
        if (++c->pos == c->len)
            return M_PARTIAL;
    }
    if (c->buf[c->pos] < '0' || c->buf[c->pos] > '9')
        return M_FAIL;
    if (c->buf[c->pos] == '0') { /* JSON allows no leading zeros */
        c->pos++;
        return M_OK;
    }
    /* value * 10 + digit <= max exactly when value < max / 10, or value ==
     * max / 10 and digit <= max % 10: split once here, so the loop needs no
     * division (a slow instruction) per digit. */
    uint64_t max_tens = max / 10, max_last = max % 10;
    /* Local copies: *value and c->pos have the same type, so the compiler
     * would otherwise store and reload both on every digit. */
    uint64_t v = 0;
    size_t pos = c->pos;
    while (pos < c->len && c->buf[pos] >= '0' && c->buf[pos] <= '9') {
        uint64_t digit = (uint64_t)(c->buf[pos] - '0');
        if (v > max_tens || (v == max_tens && digit > max_last))
            return M_FAIL; /* too big for the field: not one of our events */
        v = v * 10 + digit;
        pos++;
    }
    c->pos = pos;
    *value = v;
    /* if the bytes end right here, more digits may follow: the expect()
     * of the next key then finds no bytes and says M_PARTIAL */
    return M_OK;
}

/* The XXXX of a \uXXXX at c->pos (just past the 'u'). */
static enum match hex4(struct cursor *c, uint32_t *unit)
{
    *unit = 0;
    for (int i = 0; i < 4; i++) {
        if (c->pos == c->len)
            return M_PARTIAL;
        int v = hex_digit_value((unsigned char)c->buf[c->pos++]);
        if (v < 0)
            return M_FAIL;
        *unit = *unit << 4 | (uint32_t)v;
    }
    return M_OK;
}

/* A \u escape, c->pos just past the 'u'.  UTF-16 surrogate pairs are
 * joined; a surrogate without its partner decodes as U+FFFD (JSON allows
 * it, UTF-8 cannot hold it). */
static enum match unicode_escape(struct cursor *c, uint32_t *cp)
{
    uint32_t unit;
    enum match m = hex4(c, &unit);
    if (m != M_OK)
        return m;
    *cp = unit;
    if (unit >= 0xDC00 && unit <= 0xDFFF)
        *cp = REPLACEMENT_CHAR;
    if (unit < 0xD800 || unit > 0xDBFF)
        return M_OK;
    /* a high surrogate: a low one must follow as another \u escape */
    struct cursor look = *c;
    uint32_t low;
    m = expect(&look, "\\u");
    if (m == M_OK)
        m = hex4(&look, &low);
    if (m == M_PARTIAL)
        return M_PARTIAL;
    if (m == M_OK && low >= 0xDC00 && low <= 0xDFFF) {
        *cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        *c = look;
    } else {
        *cp = REPLACEMENT_CHAR; /* what follows is read on its own */
    }
    return M_OK;
}

/* One backslash escape, c->pos just past the '\'. */
static enum match escape(struct cursor *c, struct text_out *t)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (c->pos == c->len)
        return M_PARTIAL;
    char e = c->buf[c->pos++];
    if (e == 'u') {
        uint32_t cp;
        enum match m = unicode_escape(c, &cp);
        if (m == M_OK) {
            char utf8[4];
            text_put(t, utf8, utf8_encode(cp, utf8));
        }
        return m;
    }
    const char *hit = e ? strchr(from, e) : NULL;
    if (!hit)
        return M_FAIL;
    text_put(t, &to[hit - from], 1);
    return M_OK;
}

/* An ASCII byte that stands for itself inside a JSON string: not a
 * control character, not the closing quote, not an escape. */
static bool is_plain_ascii(unsigned char b)
{
    return b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
}

/* The string body after its opening quote, through the closing quote. */
static enum match json_string(struct cursor *c, struct text_out *t)
{
    while (c->pos < c->len) {
        unsigned char b = (unsigned char)c->buf[c->pos];
        if (b == '"') {
            c->pos++;
            return M_OK;
        }
        if (b < 0x20)
            return M_FAIL; /* JSON strings hold no raw control characters */
        if (b == '\\') {
            c->pos++;
            enum match m = escape(c, t);
            if (m != M_OK)
                return m;
            continue;
        }
        /* a raw byte and its continuation bytes go in as one unit, so the
         * text is cut only between code points */
        size_t n = 1;
        if (b >= 0x80) {
            while (n < 4 && c->pos + n < c->len && ((unsigned char)c->buf[c->pos + n] & 0xC0) == 0x80)
                n++;
            text_put(t, c->buf + c->pos, n);
        } else {
            /* most text is plain ASCII: take the whole run up to the next
             * byte that needs a look of its own, and copy it at once */
            while (c->pos + n < c->len && is_plain_ascii((unsigned char)c->buf[c->pos + n]))
                n++;
            text_put_ascii(t, c->buf + c->pos, n);
        }
        c->pos += n;
    }
    return M_PARTIAL;
}

/* Does an event start at c->pos (a '{')?  Fills *ev and the text on M_OK. */
static enum match match_event(struct cursor *c, struct event_view *ev, struct text_out *t)
{
    bool negative;
    uint64_t seq, ts;
    enum match m;
    if ((m = expect(c, "{\"seq\":")) != M_OK)
        return m;
    if ((m = integer(c, false, UINT64_MAX, 0, &negative, &seq)) != M_OK)
        return m;
    if ((m = expect(c, ",\"ts\":")) != M_OK)
        return m;
    /* INT64_MIN's magnitude is INT64_MAX + 1 */
    if ((m = integer(c, true, INT64_MAX, (uint64_t)INT64_MAX + 1, &negative, &ts)) != M_OK)
        return m;
    if ((m = expect(c, ",\"kind\":\"")) != M_OK)
        return m;
    if (c->pos == c->len)
        return M_PARTIAL;
    enum event_kind kind = c->buf[c->pos] == 'c' ? EVENT_CHAT : EVENT_TICK;
    if ((m = expect(c, event_kind_name(kind))) != M_OK)
        return m;
    if ((m = expect(c, "\",\"text\":\"")) != M_OK)
        return m;
    if ((m = json_string(c, t)) != M_OK)
        return m;
    if ((m = expect(c, "}")) != M_OK)
        return m;
    ev->seq = seq;
    /* two's complement without overflow: ts is at most 2^63 here */
    ev->ts_ms = negative ? (ts == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)ts) : (int64_t)ts;
    ev->kind = kind;
    ev->text_len = t->len;
    ev->end = c->pos;
    return M_OK;
}

long event_find(const char *buf, size_t len, struct event_view *ev, char *text, size_t text_cap)
{
    if (len > LONG_MAX)
        len = LONG_MAX; /* the return value must be able to say where it ended */
    size_t from = 0;
    while (from < len) {
        const char *brace = memchr(buf + from, '{', len - from);
        if (!brace)
            break;
        size_t start = (size_t)(brace - buf);
        struct cursor c = {buf, len, start};
        struct text_out t = {text, text_cap, 0, 0, false};
        enum match m = match_event(&c, ev, &t);
        if (m == M_OK) {
            if (text_cap > 0)
                text[t.written] = '\0';
            ev->start = start;
            return (long)ev->end;
        }
        /* A candidate that ran out of bytes covers everything after it, and
         * no complete event can hide inside it (its text string would have
         * to contain a raw '"', which ends the string), so stop here. */
        if (m == M_PARTIAL) {
            ev->start = start;
            return PROTO_PARTIAL;
        }
        from = start + 1;
    }
    return 0;
}

size_t event_scan(const char *buf, size_t len, char *text, size_t text_cap, event_scan_fn *fn,
                  void *arg)
{
    size_t pos = 0;
    while (pos < len) {
        struct event_view ev;
        long r = event_find(buf + pos, len - pos, &ev, text, text_cap);
        if (r == PROTO_PARTIAL)
            return pos + ev.start;
        if (r <= 0)
            return len; /* no event can start in what is left */
        /* event_find counts from buf + pos; the caller counts from buf. */
        ev.start += pos;
        ev.end += pos;
        pos = ev.end;
        if (!fn(arg, &ev, text))
            break;
    }
    return pos;
}

/* http_chunked.c -- the chunked transfer coding (RFC 9112 §7.1): an
 * incremental decoder and the size line of the encoder.
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size   = 1*HEXDIG              last-chunk = 1*("0") [ chunk-ext ] CRLF
 *   chunk-ext    = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-value ] )
 *   ext-value    = token / quoted-string
 *
 * The decoder is a state machine that looks at each byte once, so it can
 * be fed any split of the stream (a socket read, a TCP segment) and
 * counts stream offsets as it goes: pushviz shows where each chunk's size
 * line starts.  Chunk data is never copied: it is handed back as pointers
 * into the caller's buffer, as many pieces as the input arrives in.
 *
 * Strict on purpose: size and trailer lines must end in CRLF (no bare LF
 * here, unlike the head), a size line may not exceed HTTP_CHUNK_LINE_MAX
 * bytes and its size must fit in 64 bits.  Chunked framing is where
 * request smuggling lives (a proxy and a server reading a size line
 * differently), so anything outside the grammar is an error.
 * Left out: the meaning of extensions (they are checked, then ignored) and
 * of trailer fields.  The decoder checks each trailer line's shape as it
 * passes and keeps nothing; a reader that shows the fields (pushviz) hands
 * the whole section to http_chunked_trailers, the head's field parser.
 */
#include "hex.h"
#include "http_internal.h"

enum chunk_state {
    CH_SIZE_FIRST = 0,  /* the first hex digit of a size line */
    CH_SIZE,            /* more hex digits */
    CH_EXT_WS,          /* white space (BWS) that must lead to ';' */
    CH_EXT_NAME_START,  /* after ';': BWS, then an extension name */
    CH_EXT_NAME,        /* in an extension name */
    CH_EXT_NAME_WS,     /* BWS after a name: '=' or the next ';' follows */
    CH_EXT_VALUE_START, /* after '=': BWS, then a token or a quoted string */
    CH_EXT_TOKEN,       /* in a token value */
    CH_EXT_QUOTED,      /* in a quoted-string value */
    CH_EXT_QUOTED_ESC,  /* after a backslash in a quoted string */
    CH_EXT_VALUE_END,   /* after the closing quote */
    CH_SIZE_LF,         /* the CR ending a size line was seen */
    CH_DATA,            /* chunk data: `remaining` bytes to go */
    CH_DATA_CR,         /* the CRLF after the data */
    CH_DATA_LF,
    CH_TRAILER_START,   /* a trailer line, or the CRLF that ends the body */
    CH_TRAILER_NAME,
    CH_TRAILER_VALUE,
    CH_TRAILER_LF,
    CH_END_LF,          /* the LF of the final CRLF */
    CH_DONE,            /* the body is complete */
    CH_BROKEN           /* an error was reported: every later call fails */
};

/* What one byte did. */
enum step { STEP_MORE, STEP_SIZE_LINE, STEP_END, STEP_ERROR };

void http_chunked_init(struct http_chunked *d)
{
    *d = (struct http_chunked){0};
}

static enum step fail(struct http_chunked *d, struct proto_err *err, const char *why)
{
    d->state = CH_BROKEN;
    proto_fail(err, 400, why);
    return STEP_ERROR;
}

/* After a size or a complete extension, only these may follow. */
static enum step after_element(struct http_chunked *d, unsigned char c, struct proto_err *err)
{
    if (http_is_ws(c))
        d->state = CH_EXT_WS;
    else if (c == ';')
        d->state = CH_EXT_NAME_START;
    else if (c == '\r')
        d->state = CH_SIZE_LF;
    else
        return fail(d, err, "bad character in a chunk size line");
    return STEP_MORE;
}

/* One byte of a size line (with its extensions). */
static enum step size_line_byte(struct http_chunked *d, unsigned char c, struct proto_err *err)
{
    int hex = hex_digit_value(c);
    switch (d->state) {
    case CH_SIZE_FIRST:
        if (hex < 0)
            return fail(d, err, "a chunk size line must start with a hex digit");
        d->size = (uint64_t)hex;
        d->state = CH_SIZE;
        return STEP_MORE;
    case CH_SIZE:
        if (hex < 0)
            return after_element(d, c, err);
        if (d->size > (UINT64_MAX >> 4))
            return fail(d, err, "chunk size does not fit in 64 bits");
        d->size = d->size << 4 | (uint64_t)hex;
        return STEP_MORE;
    case CH_EXT_WS:
        if (c == ';')
            d->state = CH_EXT_NAME_START;
        else if (!http_is_ws(c))
            return fail(d, err, "white space in a size line must lead to ';'");
        return STEP_MORE;
    case CH_EXT_NAME_START:
        if (http_is_tchar(c))
            d->state = CH_EXT_NAME;
        else if (!http_is_ws(c))
            return fail(d, err, "bad chunk extension name");
        return STEP_MORE;
    case CH_EXT_NAME:
        if (http_is_tchar(c))
            return STEP_MORE;
        if (c == '=') {
            d->state = CH_EXT_VALUE_START;
            return STEP_MORE;
        }
        if (http_is_ws(c)) {
            d->state = CH_EXT_NAME_WS;
            return STEP_MORE;
        }
        return after_element(d, c, err);
    case CH_EXT_NAME_WS:
        if (c == '=')
            d->state = CH_EXT_VALUE_START;
        else if (c == ';')
            d->state = CH_EXT_NAME_START;
        else if (!http_is_ws(c))
            return fail(d, err, "bad character after a chunk extension name");
        return STEP_MORE;
    case CH_EXT_VALUE_START:
        if (http_is_tchar(c))
            d->state = CH_EXT_TOKEN;
        else if (c == '"')
            d->state = CH_EXT_QUOTED;
        else if (!http_is_ws(c))
            return fail(d, err, "bad chunk extension value");
        return STEP_MORE;
    case CH_EXT_TOKEN:
        return http_is_tchar(c) ? STEP_MORE : after_element(d, c, err);
    case CH_EXT_QUOTED:
        if (c == '"')
            d->state = CH_EXT_VALUE_END;
        else if (c == '\\')
            d->state = CH_EXT_QUOTED_ESC;
        else if (!http_is_field_vchar(c) && !http_is_ws(c))
            return fail(d, err, "control character in a quoted chunk extension");
        return STEP_MORE;
    case CH_EXT_QUOTED_ESC:
        if (!http_is_field_vchar(c) && !http_is_ws(c))
            return fail(d, err, "control character in a quoted chunk extension");
        d->state = CH_EXT_QUOTED;
        return STEP_MORE;
    case CH_EXT_VALUE_END:
        return after_element(d, c, err);
    default: /* CH_SIZE_LF */
        if (c != '\n')
            return fail(d, err, "a chunk size line must end with CRLF");
        d->remaining = d->size;
        d->state = d->size ? CH_DATA : CH_TRAILER_START;
        return STEP_SIZE_LINE;
    }
}

/* One byte of the trailer section or of the CRLF after chunk data. */
static enum step other_byte(struct http_chunked *d, unsigned char c, struct proto_err *err)
{
    switch (d->state) {
    case CH_DATA_CR:
    case CH_DATA_LF:
        if (c != (d->state == CH_DATA_CR ? '\r' : '\n'))
            return fail(d, err, "chunk data must be followed by CRLF");
        d->state = d->state == CH_DATA_CR ? CH_DATA_LF : CH_SIZE_FIRST;
        return STEP_MORE;
    case CH_TRAILER_START:
        if (c == '\r')
            d->state = CH_END_LF;
        else if (http_is_tchar(c))
            d->state = CH_TRAILER_NAME;
        else
            return fail(d, err, "bad trailer line");
        return STEP_MORE;
    case CH_TRAILER_NAME:
        if (c == ':')
            d->state = CH_TRAILER_VALUE;
        else if (!http_is_tchar(c))
            return fail(d, err, "bad character in a trailer field name");
        return STEP_MORE;
    case CH_TRAILER_VALUE:
        if (c == '\r')
            d->state = CH_TRAILER_LF;
        else if (!http_is_field_vchar(c) && !http_is_ws(c))
            return fail(d, err, "control character in a trailer field value");
        return STEP_MORE;
    case CH_TRAILER_LF:
        if (c != '\n')
            return fail(d, err, "a trailer line must end with CRLF");
        d->state = CH_TRAILER_START;
        d->line_bytes = 0;
        return STEP_MORE;
    default: /* CH_END_LF */
        if (c != '\n')
            return fail(d, err, "the chunked body must end with CRLF");
        d->state = CH_DONE;
        return STEP_END;
    }
}

long http_chunked_feed(struct http_chunked *d, const char *buf, size_t len,
                       struct http_chunk_item *item, struct proto_err *err)
{
    *item = (struct http_chunk_item){.kind = HTTP_CHUNK_NONE};
    if (d->state == CH_BROKEN)
        return proto_fail(err, 400, "the chunked body was already found invalid");
    if (d->state == CH_DONE) {
        item->kind = HTTP_CHUNK_END;
        return 0;
    }
    if (d->state == CH_DATA && len > 0) {
        /* Hand out as much of the chunk's data as this buffer holds. */
        size_t n = d->remaining < len ? (size_t)d->remaining : len;
        item->kind = HTTP_CHUNK_DATA;
        item->data = buf;
        item->data_len = n;
        item->data_offset = d->offset;
        d->offset += n;
        d->remaining -= n;
        if (d->remaining == 0)
            d->state = CH_DATA_CR;
        return (long)n;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        bool in_line = d->state <= CH_SIZE_LF || d->state >= CH_TRAILER_START;
        if (in_line && ++d->line_bytes > HTTP_CHUNK_LINE_MAX) {
            d->state = CH_BROKEN;
            return proto_fail(err, 400, "chunk size or trailer line too long");
        }
        enum step s = d->state <= CH_SIZE_LF ? size_line_byte(d, c, err) : other_byte(d, c, err);
        if (s == STEP_ERROR)
            return PROTO_ERROR;
        d->offset++;
        if (s == STEP_SIZE_LINE) {
            item->kind = HTTP_CHUNK_HEADER;
            item->size = d->size;
            item->size_offset = d->offset - d->line_bytes;
            d->line_bytes = 0;
            return (long)i + 1;
        }
        if (s == STEP_END) {
            item->kind = HTTP_CHUNK_END;
            return (long)i + 1;
        }
    }
    return (long)len;
}

long http_chunked_trailers(const char *buf, size_t len, struct http_header *fields, size_t max_fields,
                           size_t *num_fields, struct proto_err *err)
{
    return http_parse_fields(buf, len, 0, max_fields, false, fields, num_fields, err);
}

int http_chunked_skip(struct http_chunked *d, uint64_t len)
{
    if (d->state != CH_DATA || len > d->remaining)
        return PROTO_ERROR;
    d->offset += len;
    d->remaining -= len;
    if (d->remaining == 0)
        d->state = CH_DATA_CR;
    return 0;
}

enum http_chunked_place http_chunked_place(const struct http_chunked *d, uint64_t *n)
{
    *n = 0;
    if (d->state <= CH_SIZE_LF) {
        *n = d->line_bytes;
        return d->line_bytes ? CHUNKED_IN_SIZE_LINE : CHUNKED_BETWEEN;
    }
    if (d->state == CH_DATA) {
        *n = d->remaining;
        return CHUNKED_IN_DATA;
    }
    if (d->state == CH_DATA_CR || d->state == CH_DATA_LF)
        return CHUNKED_BETWEEN;
    return d->state >= CH_DONE ? CHUNKED_ENDED : CHUNKED_IN_TRAILERS;
}

uint64_t http_chunked_chunk_left(const struct http_chunked *d)
{
    switch (d->state) {
    case CH_DATA: /* (remaining > 0: a chunk of size 0 is the last chunk, which has no data) */
        return d->remaining <= UINT64_MAX - 2 ? d->remaining + 2 : UINT64_MAX;
    case CH_DATA_CR:
        return 2;
    case CH_DATA_LF:
        return 1;
    default:
        return 0;
    }
}

size_t http_chunk_size_line(char out[18], size_t len)
{
    char digits[16];
    size_t n = 0;
    do {
        digits[n++] = hex_digit_char((unsigned)len);
        len >>= 4;
    } while (len);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = '\r';
    out[n + 1] = '\n';
    return n + 2;
}

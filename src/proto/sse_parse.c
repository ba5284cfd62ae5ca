/* sse_parse.c -- reading an event stream the way a browser's EventSource
 * does: WHATWG HTML §9.2.5 "Parsing an event stream" and §9.2.6
 * "Interpreting an event stream".
 *
 * The stream is a sequence of lines.  A line ends with CRLF, LF or CR (so a
 * CR at the end of one read and an LF at the start of the next are one line
 * end, which is why the parser remembers a pending CR).  Each line is:
 *   - empty             -> dispatch the event built so far;
 *   - ":comment"        -> ignored (servers send these as heartbeats);
 *   - "name:value"      -> a field; ONE space after the colon is removed;
 *   - "name"            -> a field with the empty string as its value.
 * The fields: "event" sets the event type, "data" appends its value plus an
 * LF to the data, "id" sets the last event ID unless the value holds a NUL,
 * "retry" sets the reconnection time if the value is only ASCII digits;
 * every other name is ignored.  A UTF-8 byte order mark at the very start
 * of the stream is skipped, once.
 *
 * Dispatch (the blank line): the last event ID is kept for the source
 * whether or not an event fires (it is what a reconnecting browser sends as
 * Last-Event-ID, and it is never reset by later events); with no data the
 * block fires nothing; otherwise the final LF of the data is removed and the
 * event fires with type "message" when none was given.  Then the data and
 * the event type start over empty.
 *
 * The parser is a byte state machine that copies values straight into fixed
 * buffers, so it never looks at a byte twice and any split of the stream
 * gives the same events.  Limits (the standard has none): a line may be at
 * most data_cap bytes, data at most data_cap - 1, an id or event type at
 * most SSE_FIELD_CAP - 1; past one the stream fails, and stays failed.
 *
 * Left out on purpose: the decoder's replacement of invalid UTF-8 by
 * U+FFFD (bytes are passed through as sent, so pushviz shows what was on the
 * wire), and the end-of-stream rule (an unfinished block is simply never
 * dispatched: the caller stops calling).
 */
#include "proto/sse.h"

#include <limits.h>
#include <string.h>

/* Where in a line the parser is (p->state). */
enum sse_state {
    ST_LINE_START,  /* nothing of this line yet */
    ST_COMMENT,     /* after a leading ':' */
    ST_NAME,        /* reading the field name */
    ST_VALUE_START, /* right after the colon: a space here is dropped */
    ST_VALUE,       /* reading the field value */
    ST_FAILED,      /* a limit was passed; every later call fails */
};

/* Which field the current value feeds (p->field). */
enum sse_field { FIELD_IGNORED, FIELD_EVENT, FIELD_DATA, FIELD_ID, FIELD_RETRY };

#define RETRY_NONE_YET (-2) /* p->retry_acc before the first digit */
#define RETRY_INVALID  (-1) /* p->retry_acc after a non-digit or an overflow */

static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

void sse_parser_init(struct sse_parser *p, char *data, size_t cap)
{
    memset(p, 0, sizeof *p);
    p->data = data;
    p->data_cap = cap;
    p->retry_ms = -1;
    p->block_retry = -1;
    p->retry_acc = RETRY_NONE_YET;
    p->state = ST_LINE_START;
    if (data && cap > 0)
        data[0] = '\0';
}

/* ---- fields ---- */

static bool name_is(const struct sse_parser *p, const char *want)
{
    return p->name_len == strlen(want) && memcmp(p->name, want, p->name_len) == 0;
}

/* The field name is complete: choose what its value feeds and empty the
 * buffer that value will fill. */
static void begin_value(struct sse_parser *p)
{
    if (name_is(p, "event")) {
        p->field = FIELD_EVENT;
        p->type_len = 0;
    } else if (name_is(p, "data")) {
        p->field = FIELD_DATA;
    } else if (name_is(p, "id")) {
        p->field = FIELD_ID;
        p->id_len = 0;
        p->id_has_nul = false;
    } else if (name_is(p, "retry")) {
        p->field = FIELD_RETRY;
        p->retry_acc = RETRY_NONE_YET;
    } else {
        p->field = FIELD_IGNORED;
    }
}

static long value_byte(struct sse_parser *p, unsigned char c, struct proto_err *err)
{
    switch (p->field) {
    case FIELD_EVENT:
        if (p->type_len >= SSE_FIELD_CAP - 1)
            return proto_fail(err, 0, "SSE event type longer than its buffer");
        p->type[p->type_len++] = (char)c;
        break;
    case FIELD_DATA:
        /* keep one byte for the NUL written at dispatch */
        if (p->data_cap == 0 || p->data_len >= p->data_cap - 1)
            return proto_fail(err, 0, "SSE event data larger than the data buffer");
        p->data[p->data_len++] = (char)c;
        break;
    case FIELD_ID:
        if (p->id_len >= SSE_FIELD_CAP - 1)
            return proto_fail(err, 0, "SSE id longer than its buffer");
        if (c == '\0')
            p->id_has_nul = true;
        p->id_buf[p->id_len++] = (char)c;
        break;
    case FIELD_RETRY:
        if (c >= '0' && c <= '9' && p->retry_acc != RETRY_INVALID) {
            long long digit = c - '0';
            long long acc = p->retry_acc == RETRY_NONE_YET ? 0 : p->retry_acc;
            /* a time that does not fit in a long is treated as not a number */
            p->retry_acc = acc > (LONG_MAX - digit) / 10 ? RETRY_INVALID : acc * 10 + digit;
        } else {
            p->retry_acc = RETRY_INVALID;
        }
        break;
    default:
        break;
    }
    return 0;
}

/* The line ended: the value is complete, act on the field. */
static long end_value(struct sse_parser *p, struct proto_err *err)
{
    switch (p->field) {
    case FIELD_DATA:
        /* every data line adds an LF; dispatch removes the last one */
        if (p->data_cap == 0 || p->data_len >= p->data_cap - 1)
            return proto_fail(err, 0, "SSE event data larger than the data buffer");
        p->data[p->data_len++] = '\n';
        break;
    case FIELD_ID:
        /* an id holding NUL is ignored: it could not be sent back in a
         * Last-Event-ID header */
        if (!p->id_has_nul) {
            memcpy(p->id_pending, p->id_buf, p->id_len);
            p->id_pending[p->id_len] = '\0';
            p->id_seen = true;
        }
        break;
    case FIELD_RETRY:
        /* the empty value is not a number either */
        if (p->retry_acc >= 0) {
            p->retry_ms = (long)p->retry_acc;
            p->block_retry = (long)p->retry_acc;
        }
        break;
    default:
        break;
    }
    return 0;
}

/* ---- lines ---- */

/* The blank line.  Returns 1 when an event was dispatched into *ev, 2 when
 * a block without data ended and the caller asked to hear of it, else 0. */
static long dispatch(struct sse_parser *p, struct sse_event *ev)
{
    if (p->id_seen) /* id_pending holds no NUL, so it is one C string */
        memcpy(p->last_id, p->id_pending, strlen(p->id_pending) + 1);
    bool fire = p->data_len > 0;
    bool quiet = !fire && p->block_started && p->report_quiet;
    if (fire || quiet) {
        ev->quiet = quiet;
        ev->comment = p->comment;
        ev->comment_len = p->comment_len;
        ev->retry_ms = p->block_retry;
        ev->offset = p->block_offset;
    }
    if (fire) {
        p->data_len--; /* the data ends with the LF its last line added */
        p->data[p->data_len] = '\0';
        p->type[p->type_len] = '\0';
        ev->type = p->type_len > 0 ? p->type : "message";
        ev->data = p->data;
        ev->data_len = p->data_len;
        ev->id = p->last_id;
        ev->id_set = p->id_seen;
    }
    /* Start the next block.  Only lengths are reset: the bytes *ev points
     * at stay put until the next call writes over them. */
    p->data_len = 0;
    p->type_len = 0;
    p->id_seen = false;
    p->block_retry = -1;
    p->block_started = false;
    p->comment_len = 0;
    return fire ? 1 : quiet ? 2 : 0;
}

/* A CR or LF ended the line (the LF of a CRLF never gets here). */
static long end_line(struct sse_parser *p, struct sse_event *ev, struct proto_err *err)
{
    long r = 0;
    switch (p->state) {
    case ST_LINE_START:
        r = dispatch(p, ev);
        break;
    case ST_COMMENT:
        p->comments++;
        break;
    case ST_NAME: /* no colon: the whole line is the name, the value is "" */
        begin_value(p);
        r = end_value(p, err);
        break;
    default: /* ST_VALUE_START, ST_VALUE */
        r = end_value(p, err);
        break;
    }
    p->state = ST_LINE_START;
    p->line_len = 0;
    return r;
}

/* Any byte of a line other than its end; `at` is its stream offset. */
static long line_byte(struct sse_parser *p, unsigned char c, uint64_t at, struct proto_err *err)
{
    if (p->line_len >= p->data_cap)
        return proto_fail(err, 0, "SSE line longer than the data buffer");
    p->line_len++;
    switch (p->state) {
    case ST_LINE_START:
        if (!p->block_started) {
            p->block_started = true;
            p->block_offset = at;
        }
        if (c == ':') {
            p->state = ST_COMMENT;
            if (p->comment_len > 0 && p->comment_len < sizeof p->comment)
                p->comment[p->comment_len++] = '\n'; /* one more comment line */
            return 0;
        }
        /* c is the first byte of the name */
        p->state = ST_NAME;
        p->name_len = 0;
        /* fall through */
    case ST_NAME:
        if (c == ':') {
            begin_value(p);
            p->state = ST_VALUE_START;
        } else if (p->name_len <= sizeof p->name) {
            /* past sizeof name only the count grows: no field is that long */
            if (p->name_len < sizeof p->name)
                p->name[p->name_len] = (char)c;
            p->name_len++;
        }
        return 0;
    case ST_VALUE_START:
        p->state = ST_VALUE;
        if (c == ' ')
            return 0;
        /* fall through */
    case ST_VALUE:
        return value_byte(p, c, err);
    default: /* ST_COMMENT: ignored by a browser, kept for an observer */
        if (p->comment_len < sizeof p->comment)
            p->comment[p->comment_len++] = (char)c;
        return 0;
    }
}

/* One byte after the BOM check.  Returns 1 on a dispatch, 0 to go on,
 * PROTO_ERROR on a passed limit. */
static long stream_byte(struct sse_parser *p, unsigned char c, uint64_t at, struct sse_event *ev,
                        struct proto_err *err)
{
    if (p->cr_pending) {
        p->cr_pending = false;
        if (c == '\n') /* the second half of a CRLF */
            return 0;
    }
    if (c == '\r' || c == '\n') {
        p->cr_pending = c == '\r';
        return end_line(p, ev, err);
    }
    return line_byte(p, c, at, err);
}

/* The decoder skips a BOM only as the first three bytes of the stream.  If
 * the bytes only begin like one, the ones held back are ordinary text and
 * are fed now (the BOM is a constant, so they need not be kept). */
static long bom_byte(struct sse_parser *p, unsigned char c, uint64_t at, struct sse_event *ev,
                     struct proto_err *err)
{
    if (c == utf8_bom[p->bom_state]) {
        p->bom_state++;
        return 0;
    }
    int held = p->bom_state;
    p->bom_state = 3;
    for (int i = 0; i < held; i++) {
        /* BOM bytes are never CR or LF, so they cannot dispatch */
        if (stream_byte(p, utf8_bom[i], at - (uint64_t)(held - i), ev, err) < 0)
            return PROTO_ERROR;
    }
    return stream_byte(p, c, at, ev, err);
}

long sse_parse(struct sse_parser *p, const char *buf, size_t len, struct sse_event *ev,
               bool *dispatched, struct proto_err *err)
{
    *dispatched = false;
    if (p->state == ST_FAILED)
        return proto_fail(err, 0, "SSE stream already failed");
    if (len > LONG_MAX)
        len = LONG_MAX; /* the return value must be able to count it */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        uint64_t at = p->offset++;
        long r = p->bom_state < 3 ? bom_byte(p, c, at, ev, err) : stream_byte(p, c, at, ev, err);
        if (r < 0) {
            p->state = ST_FAILED;
            return PROTO_ERROR;
        }
        if (r > 0) {
            *dispatched = r == 1;
            return (long)(i + 1);
        }
    }
    return (long)len;
}

bool sse_block_open(const struct sse_parser *p, uint64_t *start)
{
    *start = p->block_offset;
    return p->block_started;
}

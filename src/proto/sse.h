/* sse.h -- Server-Sent Events: encoding events and parsing an event stream
 * exactly as the WHATWG HTML standard says a browser does
 * (§9.2.5 "Parsing an event stream", §9.2.6 "Interpreting an event stream").
 *
 * The parser is a byte state machine: it never needs to see a byte twice,
 * so it can be fed any split of the stream.  Field values go straight into
 * buffers the caller sized, so its memory is fixed and bounded.
 */
#ifndef PROTO_SSE_H
#define PROTO_SSE_H

#include "proto.h"

#define SSE_FIELD_CAP 256 /* room for the event type and the id */

/* ---- encoding ---- */

/* What one event carries.  Pointers are borrowed for the call. */
struct sse_fields {
    const char *id;    /* NULL: no id: line (must hold no CR, LF or NUL) */
    const char *event; /* NULL: no event: line (the browser says "message") */
    const char *data;  /* data; each line (split at CR, LF, CRLF) gets its own data: */
    size_t data_len;
    long retry_ms;     /* < 0: no retry: line */
};

/* Write the event (ending with the blank line) into out[0..cap).  Returns
 * the length the full event needs; it was written only if that is <= cap
 * (as snprintf, but with no NUL). */
size_t sse_encode(char *out, size_t cap, const struct sse_fields *ev);

/* Write a comment block ": text\n\n" (text is cut at its first CR or LF).
 * Same return contract as sse_encode. */
size_t sse_encode_comment(char *out, size_t cap, const char *text);

/* ---- parsing ---- */

/* One dispatched event.  Pointers borrow the parser's buffers and stay
 * valid until the next call to sse_parse. */
struct sse_event {
    const char *type;    /* event type; "message" when none was given */
    const char *data;    /* data with the final LF removed (NUL-terminated) */
    size_t data_len;
    const char *id;      /* the last event ID after this event (may be "") */
    bool id_set;         /* an id: field was seen in this event's block */
    long retry_ms;       /* a valid retry: field of this block, or -1 */
    uint64_t offset;     /* stream offset of the block's first byte */
    bool quiet;          /* (report_quiet only) a block that dispatched nothing:
                          * comments (heartbeats), retry:, id: or event: lines only */
    const char *comment; /* the block's comment text (after each ':', lines joined
                          * by LF, cut at SSE_FIELD_CAP); borrowed like data */
    size_t comment_len;
};

struct sse_parser {
    /* caller's data buffer (set by sse_parser_init, owned by the caller) */
    char *data;
    size_t data_cap;
    size_t data_len;
    char type[SSE_FIELD_CAP];    /* event type buffer */
    size_t type_len;
    char last_id[SSE_FIELD_CAP]; /* last event ID string (kept across events) */
    char id_pending[SSE_FIELD_CAP]; /* private: the block's last valid id, made
                                     * last_id at the blank line */
    char id_buf[SSE_FIELD_CAP];  /* private: id value being read */
    size_t id_len;
    bool id_has_nul;             /* private: the id value held a NUL */
    bool id_seen;                /* private: an id field in this block */
    long retry_ms;               /* reconnection time; -1 until one is set */
    long block_retry;            /* private: retry set in this block or -1 */
    char name[8];                /* private: field name (longer = unknown) */
    size_t name_len;
    long long retry_acc;         /* private: retry digits so far, -1 if bad, -2 none yet */
    int state;                   /* private */
    int field;                   /* private: the field the current value feeds */
    size_t line_len;             /* private: bytes of the current line so far */
    int bom_state;               /* private: 0 looking, 1..2 partial, 3 done */
    bool cr_pending;             /* private: last byte was CR (CRLF is one end) */
    uint64_t offset;             /* stream offset of the next byte */
    uint64_t block_offset;       /* private: where the current block began */
    bool block_started;          /* private */
    uint64_t comments;           /* comment lines seen (heartbeats) */
    bool report_quiet;           /* the caller's choice: stop after a block that
                                  * dispatched nothing too (an observer shows
                                  * heartbeats); sse_parser_init clears it */
    char comment[SSE_FIELD_CAP]; /* private: the block's comment text */
    size_t comment_len;
};

/* Start a parser; `data` (owned by the caller, cap bytes) holds event data.
 * Data beyond cap - 1 bytes is an error. */
void sse_parser_init(struct sse_parser *p, char *data, size_t cap);

/* Feed buf[0..len).  Returns the bytes consumed: it stops right after a
 * dispatch (ev filled, *dispatched = true), with report_quiet also right
 * after a block that dispatched nothing (ev filled, ev->quiet, *dispatched
 * false), or after consuming everything (*dispatched = false).  PROTO_ERROR when a field overflows its buffer
 * or a line is longer than cap; p->offset is then just past the byte that
 * broke the limit, and every later call fails until sse_parser_init. */
long sse_parse(struct sse_parser *p, const char *buf, size_t len, struct sse_event *ev,
               bool *dispatched, struct proto_err *err);

/* Where the block begun and not yet ended by a blank line starts (its
 * first byte's offset, counted as p->offset counts), or false when the
 * last block ended with the last line. */
bool sse_block_open(const struct sse_parser *p, uint64_t *start);

#endif

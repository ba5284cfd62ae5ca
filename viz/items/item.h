/* item.h -- the one thing pushviz produces: an annotated item.
 *
 * Everything pushviz finds (a TCP segment, an HTTP head, a chunk, a body, an SSE
 * event, a WebSocket frame, a pushlab event, an error...) becomes a
 * `struct item`: its type, flow, direction, time, its byte range in that
 * direction's reassembled stream, and a list of named fields.  --json,
 * --dump, --stats and the ncurses UI all render the same items, so none of
 * them parses anything itself.
 *
 * Fields are typed (integer, milliseconds, boolean, null, text, list of
 * name/value pairs) and kept in the order the contract (DESIGN.md, "JSON
 * lines") lists them.  Text lives in the item's own arena, so an item is
 * one self-contained value: item_dup() copies it in one allocation.
 *
 * The items/ folder owns this model, the emitter items leave a stage
 * through (emitter.h), and the per-technique stats (stats.h).  It calls
 * nothing else of viz; every layer above it emits or reads items
 * (docs/design.md, "Which folder may include which").
 */
#ifndef VIZ_ITEM_H
#define VIZ_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pushlab.h"

enum item_type {
    ITEM_FLOW,          /* a TCP connection's summary, at its end */
    ITEM_TCP,           /* one TCP segment */
    ITEM_HTTP_REQUEST,  /* an HTTP request head */
    ITEM_HTTP_RESPONSE, /* an HTTP response head */
    ITEM_CHUNK,         /* a chunk of a chunked body */
    ITEM_PART,          /* a part of a multipart body */
    ITEM_BODY,          /* a whole Content-Length body (a poll's answer, a POST's data) */
    ITEM_SSE_EVENT,     /* a dispatched Server-Sent Event */
    ITEM_SSE_COMMENT,   /* an SSE block that dispatched nothing: comments (heartbeats), retry: */
    ITEM_WS_FRAME,      /* a WebSocket frame */
    ITEM_FLASH,         /* a Flash policy request, policy or message */
    ITEM_EVENT,         /* a pushlab event found in a payload */
    ITEM_ERROR,         /* bytes that could not be parsed, or data lost */
    ITEM_MESSAGE,       /* a message of a push library (SockJS, Engine.IO, Socket.IO) */
    ITEM_TLS,           /* a TLS record: its type and length, and what a hello says in the clear */
    ITEM_HTTP2,         /* an HTTP/2 frame (or the client's connection preface) */
    ITEM_JOINED,        /* an answer the capture joined inside its body: what it is read as, and why */
    ITEM_CAPTURE_STATS, /* a live capture's kernel counts, at its end */
    ITEM_TYPE_COUNT
};

/* Direction of an item within its flow. */
enum item_dir {
    DIR_NONE = -1, /* not tied to one direction (flow items, capture errors) */
    DIR_C2S = 0,   /* client to server */
    DIR_S2C = 1    /* server to client */
};

enum field_kind {
    FIELD_INT,   /* a signed integer */
    FIELD_MS,    /* a duration in milliseconds (printed to the nanosecond) */
    FIELD_BOOL,
    FIELD_NULL,  /* the field exists and has no value (JSON null) */
    FIELD_TEXT,  /* bytes (any; JSON-escaped on output) */
    FIELD_PAIRS  /* name/value text pairs, such as HTTP headers */
};

struct item_field {
    const char *name;     /* static string, the JSON key */
    enum field_kind kind;
    union {
        int64_t i;        /* FIELD_INT */
        double ms;        /* FIELD_MS */
        bool b;           /* FIELD_BOOL */
        struct {
            uint32_t off; /* first byte in the item's arena */
            uint32_t len; /* bytes */
            uint32_t count; /* FIELD_PAIRS: number of pairs */
        } text;           /* FIELD_TEXT and FIELD_PAIRS */
    } v;
};

struct item {
    enum item_type type;
    unsigned flow;        /* 1-based flow number; 0 for capture-wide items */
    enum item_dir dir;
    int64_t ts_ns;        /* capture time of the packet that completed the item (Unix ns) */
    double t;             /* seconds since the first packet of the capture */
    bool has_range;       /* offset/length below are meaningful */
    uint64_t offset;      /* first byte in this direction's reassembled stream */
    uint64_t length;      /* bytes of the stream the item covers */
    unsigned nfields;
    struct item_field fields[VIZ_ITEM_FIELDS];
    char *arena;          /* text of FIELD_TEXT/FIELD_PAIRS fields (owned with the item) */
    size_t arena_len;     /* bytes used */
    size_t arena_cap;
    bool cut;             /* some text did not fit the arena and was shortened */
};

/* An item under construction, with its arena inline (lives on the stack). */
struct item_builder {
    struct item item;
    char storage[VIZ_ITEM_ARENA];
};

/* Start an item of `type`; time and range are set by the caller. */
struct item *item_start(struct item_builder *b, enum item_type type, unsigned flow,
                        enum item_dir dir, int64_t ts_ns);
void item_set_range(struct item *it, uint64_t offset, uint64_t length);

/* Append a field.  Text is copied (cut to what fits in the arena).  When
 * all VIZ_ITEM_FIELDS slots are taken the field is dropped and it->cut set. */
void item_add_ms(struct item *it, const char *name, double ms);
void item_add_bool(struct item *it, const char *name, bool v);
void item_add_null(struct item *it, const char *name);
void item_add_text(struct item *it, const char *name, const void *text, size_t len);
void item_add_str(struct item *it, const char *name, const char *s); /* NUL-terminated */
/* What is shown of a text total bytes long (a payload, a body), of which
 * text holds the first len: at most VIZ_PAYLOAD_SHOWN bytes, and when
 * that is not all of it, cut before a character the cut would split. */
void item_add_shown(struct item *it, const char *name, const void *text, size_t len, uint64_t total);
/* Pairs: start the field, then add pairs to it (it must be the last field). */
void item_add_pairs(struct item *it, const char *name);
void item_pairs_append(struct item *it, const void *name, size_t name_len, const void *value,
                       size_t value_len);

/* The next free field slot, named and typed (its value is the caller's to
 * set), or NULL and the item marked cut.  Inline, as is item_add_int: a
 * replay adds ten million integer fields, and a call for each cost more
 * than the few stores it makes. */
static inline struct item_field *item_new_field(struct item *it, const char *name,
                                                enum field_kind kind)
{
    if (it->nfields == VIZ_ITEM_FIELDS) {
        it->cut = true;
        return NULL;
    }
    struct item_field *f = &it->fields[it->nfields++];
    f->name = name;
    f->kind = kind;
    return f;
}

static inline void item_add_int(struct item *it, const char *name, int64_t v)
{
    struct item_field *f = item_new_field(it, name, FIELD_INT);
    if (f)
        f->v.i = v;
}

/* ---- reading an item (what the outputs and the UI use) ---- */

/* "flow", "tcp", "http_request"... as in the contract. */
const char *item_type_name(enum item_type type);
/* "c2s", "s2c" or "" */
const char *item_dir_name(enum item_dir dir);

/* The field called name, or NULL. */
const struct item_field *item_field(const struct item *it, const char *name);
/* Text of a FIELD_TEXT field (not NUL-terminated), borrowed from the item. */
const char *item_text(const struct item *it, const struct item_field *f, size_t *len);
/* Text field `name` of it, or "" when absent or not text (length in *len). */
const char *item_text_of(const struct item *it, const char *name, size_t *len);
/* The i-th pair of a FIELD_PAIRS field; false past the end. */
bool item_pair(const struct item *it, const struct item_field *f, uint32_t i, const char **name,
               size_t *name_len, const char **value, size_t *value_len);
/* An integer field's value, or def when absent or not an integer. */
int64_t item_int(const struct item *it, const char *name, int64_t def);

/* A heap copy of it in one allocation (free() it), or NULL when out of
 * memory; room: bytes of arena left free, for a text set later
 * (item_set_text). */
struct item *item_dup(const struct item *it, size_t room);
/* Text field `name` of it says text[0..len) from now on, as far as the
 * arena has room (its old bytes stay, unused); nothing when it has no such
 * field.  For an item kept back until its text is known (a chunk of a
 * compressed body, content_coding.c). */
void item_set_text(struct item *it, const char *name, const void *text, size_t len);

/* Where items go: called once per item, in order.  The item is borrowed
 * for the call; keep it with item_dup(). */
typedef void (*item_sink)(void *ctx, const struct item *it);

#endif

/* core.h -- what every dissector shares: the environment each call gets,
 * the state of a connection and of each of its directions, and the
 * helpers that start and report items.  The dispatcher (dissect.c) and
 * the protocol files (http.c, content_coding.c, content.c, ws.c, flash.c,
 * tls.c, h2.c) all include it; it includes none of them, so calls run one way:
 * dispatcher -> protocol -> core.
 *
 * Each direction of a connection (a "half") is in one mode at a time; the
 * mode says which parser the next bytes go to.  Bytes a parser cannot use
 * yet wait in the half's buffer, which remembers their stream offset.
 */
#ifndef VIZ_DISSECT_CORE_H
#define VIZ_DISSECT_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"
#include "pushlab.h"
#include "dissect/eventscan.h"
#include "items/emitter.h"
#include "proto/bytebuf.h"
#include "proto/http.h"
#include "proto/http_coding.h"
#include "proto/sse.h"
#include "proto/ws.h"
#include "proto/ws_deflate.h"

/* Who and when, for the items a call emits. */
struct dissect_env {
    const struct emitter *emitter;
    struct classifier *classifier; /* repetition across flows */
    unsigned flow;                 /* flow number */
    const char *server;            /* "ip:port" of the server side */
    double rtt_ms;                 /* the connection's handshake RTT; < 0 when not known */
    int64_t now_ns;                /* capture time of the packet being processed */
    /* How far the latest ACK number of the direction being delivered
     * reaches into the other direction's stream: that stream's offset
     * (low 32 bits) of the first byte not acknowledged yet. */
    bool peer_acked_known;
    uint32_t peer_acked;
    /* The segment that brought these bytes was not the last of its
     * sender's write: it had no PSH, so more of the same write follows at
     * once (TCP cuts a write into segments of at most an MSS and marks
     * the last, RFC 9293 §3.9.1).  An answer whose head came so waits for
     * the rest of the write before its technique is named (http.c). */
    bool write_continues;
    /* Neither SYN of the connection was captured: the capture began after
     * it did, and its first bytes may be the middle of anything (a body's:
     * headless.c). */
    bool joined_late;
};

enum half_mode {
    MODE_DETECT,       /* first bytes: which protocol is this? */
    MODE_HTTP_HEAD,    /* a request or response head is next */
    MODE_HTTP_BODY,    /* inside a message body */
    MODE_WAIT_UPGRADE, /* client bytes after an Upgrade request, until the answer says what they are */
    MODE_WEBSOCKET,    /* WebSocket frames */
    MODE_FLASH,        /* NUL-delimited Flash messages */
    MODE_TLS,          /* TLS records: encrypted, only their framing and the hellos are read */
    MODE_H2,           /* HTTP/2 frames (h2c): their headers, DATA, and header blocks (HPACK) */
    MODE_RESYNC,       /* after a gap or an error: looking for the next HTTP head */
    MODE_WS_RESYNC,    /* after a gap in WebSocket frames: looking for the next frame header */
    MODE_OPAQUE        /* unknown protocol, or lost framing: only events are looked for */
};

/* How a body's content is read once its transfer framing is removed. */
enum content_kind { CONTENT_PLAIN, CONTENT_SSE, CONTENT_MULTIPART };

#define BOUNDARY_MAX 70 /* a multipart boundary's longest form (RFC 2046 §5.1.1) */

/* Where recent pieces of decoded body sit in the stream (chunk framing
 * makes decoded and stream offsets differ). */
#define OFFMAP_SIZE 32
struct offmap {
    uint64_t decoded[OFFMAP_SIZE]; /* decoded offset of a piece's first byte */
    uint64_t stream[OFFMAP_SIZE];  /* its stream offset */
    unsigned next;                 /* slot written next (ring) */
    unsigned used;                 /* slots filled */
    bool coded;                    /* the pieces came out of a content decoder: every byte of one
                                    * maps to the start of the coded bytes that made it */
};

/* The first bytes of a whole body (Content-Length or close-delimited,
 * decoded when it has a content coding), for its `body` item. */
struct body_text {
    char bytes[VIZ_PAYLOAD_SHOWN];
    size_t len;
};

/* A body's content coding (content_coding.c): made for a body that has
 * one, or (no name, no decoder) only to hold a chunk's item while the
 * rest of its text comes; freed at the body's end. */
struct body_coding {
    char name[16];                /* the Content-Encoding value as sent (cut), for items; "" for none */
    struct http_decoder *decoder; /* gzip or deflate (owned); NULL: no decoder, shown as sent */
    uint64_t decoded;             /* bytes the coded bytes decoded to */
    bool failed;                  /* corrupt coded data, or a gap in it: the rest is passed over */
    bool gap_told;                /* ...the "cannot decode after a gap" error is out */
    bool capped;                  /* it decoded past VIZ_DECODED_MAX: the rest is counted, not read */
    struct item *held;            /* a piece's item (a chunk's, an HTTP/2 DATA frame's) waiting for
                                   * the text its data decodes to (owned; dated when it goes out,
                                   * so items stay in time order), or NULL: */
    uint64_t held_size;           /* ...its data bytes */
    uint64_t held_fed;            /* ...of which decoded so far */
    char held_text[VIZ_PAYLOAD_SHOWN]; /* ...the first bytes they decoded to */
    size_t held_text_len;
};

/* CONTENT_MULTIPART: the boundary and the bytes of the part being read.
 * Made at a direction's first multipart body (few connections have one)
 * and kept for its next, unless the direction rests between them. */
struct multipart_state {
    struct bytebuf parts;         /* decoded bytes from a delimiter on */
    char boundary[BOUNDARY_MAX + 1]; /* the boundary parameter */
    size_t boundary_len;
    bool done;                    /* the close delimiter was seen */
    bool lost;                    /* after a gap: what comes before the next delimiter is passed over */
};

/* A body being read.  Ordered like struct half (below): first what every
 * message sets or reads, even one without a body (a GET), what every SSE
 * step reads, and what the end of a connection frees; after
 * sse_skip_line, what only a body after a gap uses.  No holes between
 * the fields. */
struct body_state {
    enum http_body_kind kind;
    unsigned exchange;            /* the exchange the body belongs to (0: not known) */
    uint64_t remaining;           /* HTTP_BODY_LENGTH: bytes still to come */
    uint64_t length;              /* HTTP_BODY_LENGTH: its Content-Length */
    uint64_t start;               /* stream offset of the body's first byte */
    uint64_t decoded;             /* decoded body bytes so far */
    struct body_coding *coding;   /* its content coding (owned); NULL: none */
    struct sse_parser *sse;       /* CONTENT_SSE (owned, with its data buffer after it) */
    struct multipart_state *multipart; /* CONTENT_MULTIPART (owned; NULL until the half's first) */
    struct offmap *map;           /* decoded -> stream offsets (owned; made at the half's first body,
                                   * so a connection without bodies does not pay for it) */
    struct body_text *text;       /* a whole body (Content-Length or until close) of plain content:
                                   * what the `body` item shows (owned; made at the half's first such
                                   * body, NULL otherwise) */
    uint64_t lost;                /* ...bytes of it lost in gaps */
    struct http_chunked chunked;  /* HTTP_BODY_CHUNKED decoder */
    enum content_kind content;
    bool chunk_lost;              /* HTTP_BODY_CHUNKED after a gap: looking for the next size line */
    bool sse_skip_block;          /* CONTENT_SSE after a gap: dropping lines up to a blank one */
    bool sse_skip_line;           /* CONTENT_SSE after a parse error: dropping the rest of the bad line */
    bool sse_line_empty;          /* sse_skip_block: the line being dropped has no bytes yet */
    bool sse_last_cr;             /* ...the last byte dropped was a CR */
    bool chunks_unconfirmed;      /* chunk_lost after a head a gap cut before it said how its body
                                   * ends: chunked only if the bytes where reading resumes show
                                   * chunks (chunk_resync); if they do not, */
    bool else_until_close;        /* ...it is read to the close (else the next head is looked for) */
    uint64_t lost_from;           /* sse_skip_block: decoded offset where the search began (a chunk
                                   * search's start is the half's lost_from) */
};

struct ws_state {
    bool in_frame;                /* a header was read, payload bytes are due */
    struct ws_frame_header h;     /* the current frame's header */
    uint64_t got;                 /* payload bytes read so far */
    uint64_t frame_off;           /* stream offset of the frame's first byte */
    uint8_t *shown;               /* first VIZ_PAYLOAD_SHOWN payload bytes, unmasked (owned) */
    struct bytebuf text;          /* unmasked text of the frame, scanned for events once the frame is shown */
    size_t shown_len;
    struct ws_message msg;        /* fragment and UTF-8 rules across frames */
    bool msg_error;               /* a message rule was broken (reported once per message) */
    bool text_message;            /* the open data message is text */
    bool ping_pending;            /* a ping went this way and no pong came back yet */
    int64_t ping_ns;              /* when */
    bool library_unnamed;         /* no request target was seen to name the push library its
                                   * messages carry: they may name it (library_of_ws_message) */
    bool eio_ping_last;           /* ...and this side's latest text message was an Engine.IO ping */
    /* permessage-deflate (RFC 7692) */
    bool handshake_seen;          /* false: the connection was joined after its handshake */
    bool guessed;                 /* client, joined after a cut 101 that showed no Upgrade field, nor
                                   * did its request: WebSocket is a guess its first bytes may refute
                                   * (dissect.c, h2c_preface_after_guessed_switch) */
    bool deflate;                 /* the handshake negotiated permessage-deflate (joined late: RSV1 showed it) */
    bool no_context_takeover;     /* this sender drops its window after each message */
    struct ws_inflater *inflater; /* this sender's, made at its first compressed message (owned) */
    bool compressed;              /* the open data message is compressed (RSV1 on its first frame) */
    bool inflating;               /* ...and is being inflated (false: shown as sent) */
    uint64_t inflated_len;        /* bytes the current frame inflated to */
    /* Under context takeover a message may copy from the sender's last
     * 32 KiB of output, all messages before it.  A gap, or a message that
     * could not be inflated, leaves that window without some of it: the
     * inflater is emptied then, so a copy from before it fails rather than
     * read the wrong bytes, and its error says why until 32 KiB have been
     * inflated again. */
    bool window_lost;
    uint32_t window_refilled;     /* bytes inflated since the window was lost */
};

/* A push library whose frames a direction carries (library.c). */
enum push_library { LIB_NONE, LIB_SOCKJS, LIB_ENGINEIO, LIB_SOCKETIO };

/* How an HTTP body wraps the library's frames. */
enum lib_wrap {
    WRAP_NONE,     /* no library, or the body carries none */
    WRAP_MESSAGE,  /* each WebSocket message or SSE data field is one */
    WRAP_LINES,    /* SockJS xhr, xhr_streaming, xhr_send: a frame per line */
    WRAP_SCRIPT,   /* SockJS htmlfile, jsonp: a JSON string literal in a call per line */
    WRAP_PAYLOAD   /* Engine.IO polling: packets separated by 0x1e */
};

struct lib_state {
    enum push_library lib;
    enum lib_wrap wrap;
    enum push_library session_lib; /* the library of `session` */
    bool skipping;                /* the message outgrew `pending`: dropping it up to its end */
    bool unnamed;                 /* a body joined inside (headless.c): `wrap` is how SockJS would wrap
                                   * its frames there, and the first array of strings names it; no
                                   * message is shown before that one */
    struct bytebuf *pending;      /* the message begun and not yet ended (owned; made at the first
                                   * message cut out of a body: NULL in most directions) */
    char *session;                /* the first session id this direction named (a request's sid= or
                                   * SockJS path, an open packet's sid), NUL-ended (owned; NULL: none) */
};

/* Can a direction's HTTP/2 header blocks be read?  Only while its HPACK
 * table is known: every block since the connection's start was read. */
enum h2_hpack {
    H2_HPACK_IN_STEP,    /* so far every block was read */
    H2_HPACK_JOINED_LATE, /* the capture began after the connection did */
    H2_HPACK_GAP,        /* a capture gap may have taken a block */
    H2_HPACK_STOPPED     /* no longer read: an error item said why (or the close cut a block) */
};

/* One direction of a connection.  With 200,000 connections open, none of
 * these records is in the processor's caches when a segment comes, and
 * each cache line a segment touches is a wait for memory (the flow table
 * prefetches them, but the processor fetches only so many at once).  So
 * the fields that every HTTP message reads or writes -- a GET without a
 * body too: mode, buffer, library, event scan, the body's framing -- and
 * that the connection's end frees come first, in the record's first four
 * lines (HALF_HOT_BYTES; it starts at a line: 320 bytes, five lines), and
 * what is used only after a gap or an error (and by Flash), in the
 * fifth, which an HTTP segment does not touch. */
struct half {
    _Alignas(VIZ_CACHE_LINE) enum item_dir dir;
    enum half_mode mode;
    struct lib_state lib;         /* the library the current body or WebSocket speaks */
    struct bytebuf buf;           /* stream bytes not parsed yet */
    int64_t msg_start_ns;         /* when the first byte of the current head arrived */
    struct eventscan scan;        /* events in this direction's payloads */
    struct ws_state *ws;          /* WebSocket frames (owned; made by ws_start, so only a direction
                                   * that speaks WebSocket pays for it); NULL until then */
    struct body_state body;       /* its rarely used fields last */
    uint64_t resync_at;           /* stream offset just after the last gap (a head may start right there) */
    uint64_t lost_from;           /* while a search looks for the next place to trust (MODE_RESYNC,
                                   * MODE_WS_RESYNC, rec_lost, body.chunk_lost, skip_to_nul): the
                                   * stream offset it began at; the bytes it passes over from there
                                   * are reported (half_search_done); MODE_OPAQUE: where its unread
                                   * bytes began, in case the other side shows it speaks HTTP */
    bool skip_to_nul;             /* Flash after a gap or an error: drop bytes up to the next NUL */
    /* Length-prefixed records: MODE_TLS (tls.c) and MODE_H2 (h2.c) */
    bool rec_lost;                /* after a gap: looking for the next record header */
    uint32_t rec_skip;            /* bytes of the current record not yet seen (its item is out) */
    bool tls_encrypted;           /* this side sent ChangeCipherSpec: its handshake records are sealed */
    uint32_t tls_handshake_left;  /* bytes of a handshake message that continue in the next record */
    bool h2_preface;              /* MODE_H2, client: the connection preface comes first */
    uint8_t h2_hpack;             /* MODE_H2: enum h2_hpack, whether header blocks can be read */
    struct h2_headers *h2;        /* MODE_H2: the HPACK table and the block being put together
                                   * (owned; made at the first header block, h2.c); NULL until then */
    struct h2_bodies *h2_bodies;  /* MODE_H2: the streams whose body is read as it comes (owned; made
                                   * at the first event stream or multipart answer, h2_bodies.c) */
};

/* The bytes of struct half that an HTTP segment touches (see above). */
#define HALF_HOT_BYTES offsetof(struct half, body.sse_line_empty)
_Static_assert(HALF_HOT_BYTES <= 4 * VIZ_CACHE_LINE, "a half's hot fields fit in four lines");

/* The protocol a request's Upgrade field asks for, or a 101 switches to
 * (RFC 9110 §7.8, §15.2.2): the two pushviz reads on -- WebSocket (RFC
 * 6455) and HTTP/2 in the clear (h2c, RFC 7540 §3.2) -- or another. */
enum upgrade_to { UPGRADE_NONE, UPGRADE_WEBSOCKET, UPGRADE_H2C, UPGRADE_OTHER };

/* A request waiting for its response: in order in HTTP/1.1 (a FIFO), on
 * its own stream in HTTP/2.  Fields ordered so that it packs tight (40
 * bytes: lib and wrap take a byte each, upgrade two bits). */
struct pending_request {
    int64_t sent_ns;              /* capture time of the packet that completed its head */
    uint64_t path_key;            /* server and path, for repetition (classify.h) */
    uint64_t sent_bytes;          /* request body bytes (1 for a chunked body: some) */
    unsigned exchange;            /* 1-based number of the exchange within the flow */
    uint32_t stream;              /* HTTP/2: the stream it went on, where its answer comes; 0 in HTTP/1 */
    uint32_t end;                 /* HTTP/1: the stream offset (low 32 bits) where it ends, its head
                                   * and a body of known length (end_known) */
    enum push_library lib : 8;    /* the library its response speaks */
    enum lib_wrap wrap : 8;       /* how the response wraps the library's frames */
    enum upgrade_to upgrade : 2;  /* the protocol its Upgrade field asks for (UPGRADE_NONE: none) */
    bool head : 1;                /* HEAD: the response has no body */
    bool http10 : 1;              /* an HTTP/1.0 request: its answer cannot be chunked */
    bool callback : 1;            /* the query names a JavaScript callback */
    bool end_known : 1;           /* (no chunked body) */
    bool answer_maybe_lost : 1;   /* a gap in the answers came since it was sent (pairing.h) */
};
_Static_assert(sizeof(struct pending_request) == 40, "struct pending_request: five words");

/* Pending requests kept in the connection's record; a ring that needs more
 * (pipelining) is malloc'd.  Most connections wait for one answer. */
#define PENDING_INLINE 2

/* Where a connection's direction records come from and go back to, so
 * that the caller can keep spare ones (flows.c pools them: a record given
 * back is the next one taken, and malloc's free lists stay whole). */
struct half_store {
    void *(*take)(void *ctx);            /* sizeof(struct half) bytes, undefined; NULL: out of memory */
    void (*give)(void *ctx, void *half); /* a record take returned */
    void *ctx;
};

/* A connection's application layer.  Its directions' state is made when
 * each first carries a byte (or a gap), and given back when a direction
 * rests between HTTP messages (a keep-alive poller between its requests):
 * with 200,000 connections open a record is memory touched for the first
 * time and out of the caches, while one given back is the next taken,
 * still in them; a server that only acknowledges (a client's requests not
 * answered yet) needs none.  What a request reads and writes comes first
 * (up to traits.requests: three cache lines of the four the record
 * spans), what only answers and the connection's end use after. */
struct dissect {
    struct half *half[2];         /* indexed by enum item_dir (owned; NULL until made by half_get,
                                   * and while resting) */
    const struct half_store *store; /* where they come from (borrowed; NULL: malloc) */
    struct pending_request *pending; /* a ring of pending_cap: first_pending, or once more wait (up
                                   * to VIZ_PENDING_REQUESTS, doubling) a malloc'd one (owned) */
    unsigned exchanges;           /* requests seen: the next one is exchanges + 1 */
    /* The ring's room, start and length: 16 bits, as it holds at most
     * VIZ_PENDING_REQUESTS, so that `resting` fits beside them. */
    uint16_t pending_cap, pending_first, pending_count;
    bool resting[2];              /* by enum item_dir: its record was given back between HTTP
                                   * messages, so the next one is made in MODE_HTTP_HEAD */
    bool left[2];                 /* by enum item_dir: its sender closed (its FIN came in order) or
                                   * reset the connection (dissect_left) */
    struct pending_request first_pending[PENDING_INLINE];
    struct flow_traits traits;    /* (a request writes its first fields) */
    uint64_t answered_key;        /* path key of this connection's last exchange if it asked for
                                   * news (0: it was a send, or none yet) */
    int64_t answered_ns;          /* capture time of its answer: a keep-alive poller's own previous
                                   * answer, never another client's to the same path */
};

/* ---- helpers (core.c) ---- */

/* What an observer allows an HTTP head: all a client may send, whatever
 * a server would refuse (VIZ_HEAD_MAX bytes). */
extern const struct http_limits observer_limits;

/* Direction dir's state, made (empty, MODE_DETECT, or MODE_HTTP_HEAD when
 * it is resting) if it has none; NULL when out of memory. */
struct half *half_get(struct dissect *d, enum item_dir dir);
/* Direction dir's mode, also when its record is given back or not made. */
enum half_mode half_mode(const struct dissect *d, enum item_dir dir);

/* Start an item of this half at stream range [off, off+len). */
struct item *half_item(struct item_builder *b, const struct dissect_env *env, const struct half *h,
                       enum item_type type, uint64_t off, uint64_t len);
/* Emit an `error` item: what (a static or short string) at off. */
void half_error(const struct dissect_env *env, const struct half *h, const char *what,
                uint64_t off, uint64_t len);
/* Look for the next HTTP head (MODE_RESYNC); the bytes from stream offset
 * `from` on that the search passes over are reported (half_search_done;
 * those before were said already). */
void half_resync(struct half *h, uint64_t from);
/* How a direction ended: the capture is over (nothing is reported as cut
 * short), its FIN, or a RST. */
enum dissect_end_how { END_CAPTURE, END_FIN, END_RST };
/* How a search for the next place to trust after a gap stopped: it found
 * one, the stream ended first, or another gap came first.  What a gap or
 * the close leaves unfinished is said with the last two: SEARCH_GAP "cut
 * short by the gap", SEARCH_ENDED "cut short by the close". */
enum search_end { SEARCH_FOUND, SEARCH_ENDED, SEARCH_GAP };
/* Is a search running in h (MODE_RESYNC, MODE_WS_RESYNC, a TLS or
 * HTTP/2 record search, a chunked body's search for a size line, or
 * Flash's for the NUL that ends a message)? */
bool half_searching(const struct half *h);
/* The search for the next place to trust (an HTTP head, a record or
 * frame header) found one at h->buf.offset, or the stream or a gap ended
 * it after the buffer's bytes: the bytes it passed over since
 * h->lost_from, as an `error` item. */
void half_search_done(const struct dissect_env *env, struct half *h, enum search_end how);
/* Emit the `error` item of a search for the next `header` ("TLS record
 * header") after a gap: the n bytes from stream offset `from` it passed
 * over, and how it stopped. */
void half_passed_over(const struct dissect_env *env, const struct half *h, uint64_t from, uint64_t n,
                      const char *header, enum search_end how);
/* A gap (SEARCH_GAP), or the connection's close (SEARCH_ENDED), came
 * right after the n bytes from stream offset `from` of `what` ("an HTTP
 * head"), which it leaves unfinished: they can never be read, and an
 * `error` item says so. */
void half_cut_short(const struct dissect_env *env, const struct half *h, uint64_t from, uint64_t n,
                    const char *what, enum search_end how);
/* The close came inside `what`, whose item showed its length: n of its
 * bytes never came ("connection closed inside a message body: 58 of its
 * bytes never came"), said where the stream stops. */
void half_never_came(const struct dissect_env *env, const struct half *h, const char *what, uint64_t n);
/* A chunk or HTTP/2 DATA frame whose data a content reader reads says
 * which (`content`: "sse", "multipart"): the sse_event or part items that
 * reader makes are the messages, and --stats counts those, not it.
 * Nothing for plain content, whose chunk or frame is the message. */
void add_content_kind(struct item *it, enum content_kind kind);
/* Header (or trailer) lines into a pairs field: "headers", "trailers". */
void add_field_lines(struct item *it, const char *field, const struct http_header *hs, size_t n);

/* ---- length-prefixed records (TLS, HTTP/2) ----
 * Both protocols cut a stream into records, each a header that says its
 * length and then that many bytes.  So a record's item goes out when its
 * header (and whatever of its payload the item shows) is read, and the
 * rest of it is passed over as it comes; a gap inside that rest loses no
 * framing; after any other gap the next header is looked for. */

/* The length (header included) of the record whose header starts at p,
 * when one of the protocol's can start there; 0 when not; PROTO_PARTIAL
 * when more bytes are needed to tell. */
typedef long (*record_length)(const uint8_t *p, size_t n);

/* 1 when a record starts at p and ends at n or is followed by another
 * (depth more are checked: a few header bytes alone could start anything);
 * 0 when not; PROTO_PARTIAL when more bytes are needed to tell. */
int record_run_plausible(record_length length, const uint8_t *p, size_t n, int depth);

/* Pass over what is left of the current record: true when it made progress. */
bool record_skip_step(struct half *h);
/* len bytes were lost: true when they fall inside the current record's
 * rest (the framing survives), else false. */
bool record_skip_lost(struct half *h, uint64_t len);
/* Record boundaries are lost from stream offset `at`: look for the next. */
void record_lost(struct half *h, uint64_t at);
/* h->rec_lost: pass over bytes up to the next run of two records, and
 * report them as an error item ("... to the next TLS record header"). */
bool record_resync_step(const struct dissect_env *env, struct half *h, record_length length);

#endif

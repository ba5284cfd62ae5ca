/* core.h -- what every dissector shares: the environment each call gets,
 * the state of a connection and of each of its directions, and the
 * helpers that start and report items.  The dispatcher (dissect.c) and
 * the protocol files (http.c, content.c, ws.c, flash.c) all include it;
 * it includes none of them, so calls run one way: dispatcher -> protocol
 * -> core.
 *
 * Each direction of a connection (a "half") is in one mode at a time; the
 * mode says which parser the next bytes go to.  Bytes a parser cannot use
 * yet wait in the half's buffer, which remembers their stream offset.
 */
#ifndef VIZ_DISSECT_CORE_H
#define VIZ_DISSECT_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "classify/classify.h"
#include "dissect/eventscan.h"
#include "items/emitter.h"
#include "proto/bytebuf.h"
#include "proto/http.h"
#include "proto/sse.h"
#include "proto/ws.h"

/* Who and when, for the items a call emits. */
struct dissect_env {
    const struct emitter *emitter;
    struct classifier *classifier; /* repetition across flows */
    unsigned flow;                 /* flow number */
    const char *server;            /* "ip:port" of the server side */
    int64_t now_ns;                /* capture time of the packet being processed */
};

enum half_mode {
    MODE_DETECT,       /* first bytes: which protocol is this? */
    MODE_HTTP_HEAD,    /* a request or response head is next */
    MODE_HTTP_BODY,    /* inside a message body */
    MODE_WAIT_UPGRADE, /* client bytes after an Upgrade request, until the answer says what they are */
    MODE_WEBSOCKET,    /* WebSocket frames */
    MODE_FLASH,        /* NUL-delimited Flash messages */
    MODE_RESYNC,       /* after a gap or an error: looking for the next HTTP head */
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
};

struct body_state {
    enum http_body_kind kind;
    uint64_t remaining;           /* HTTP_BODY_LENGTH: bytes still to come */
    uint64_t start;               /* stream offset of the body's first byte */
    struct http_chunked chunked;  /* HTTP_BODY_CHUNKED decoder */
    enum content_kind content;
    uint64_t decoded;             /* decoded body bytes so far */
    struct offmap map;            /* decoded -> stream offsets */
    struct sse_parser *sse;       /* CONTENT_SSE (owned, with its data buffer after it) */
    bool sse_skip_line;           /* CONTENT_SSE after a parse error: dropping the rest of the bad line */
    struct bytebuf parts;         /* CONTENT_MULTIPART: decoded bytes from a delimiter on */
    char boundary[BOUNDARY_MAX + 1]; /* CONTENT_MULTIPART: the boundary parameter */
    size_t boundary_len;
    bool parts_done;              /* the close delimiter was seen */
};

struct ws_state {
    bool in_frame;                /* a header was read, payload bytes are due */
    struct ws_frame_header h;     /* the current frame's header */
    uint64_t got;                 /* payload bytes read so far */
    uint64_t frame_off;           /* stream offset of the frame's first byte */
    uint8_t shown[VIZ_PAYLOAD_SHOWN]; /* first payload bytes, unmasked */
    struct bytebuf text;          /* unmasked text of the frame, scanned for events once the frame is shown */
    size_t shown_len;
    struct ws_message msg;        /* fragment and UTF-8 rules across frames */
    bool msg_error;               /* a message rule was broken (reported once per message) */
    bool text_message;            /* the open data message is text */
    bool ping_pending;            /* a ping went this way and no pong came back yet */
    int64_t ping_ns;              /* when */
};

struct half {
    enum item_dir dir;
    enum half_mode mode;
    struct bytebuf buf;           /* stream bytes not parsed yet */
    int64_t msg_start_ns;         /* when the first byte of the current head arrived */
    bool skip_to_nul;             /* Flash after a gap: drop bytes up to the next NUL */
    struct body_state body;
    struct ws_state ws;
    struct eventscan scan;        /* events in this direction's payloads */
};

/* A request waiting for its response (FIFO: HTTP/1.1 answers in order). */
struct pending_request {
    int64_t sent_ns;              /* capture time of the packet that completed its head */
    bool head;                    /* HEAD: the response has no body */
    bool upgrade;                 /* asked to upgrade to WebSocket */
};

struct dissect {
    struct half half[2];          /* indexed by enum item_dir */
    struct pending_request pending[VIZ_PENDING_REQUESTS];
    unsigned pending_first;       /* ring start */
    unsigned pending_count;
    struct flow_traits traits;
};

/* ---- helpers (core.c) ---- */

/* Start an item of this half at stream range [off, off+len). */
struct item *half_item(struct item_builder *b, const struct dissect_env *env, const struct half *h,
                       enum item_type type, uint64_t off, uint64_t len);
/* Emit an `error` item: what (a static or short string) at off. */
void half_error(const struct dissect_env *env, const struct half *h, const char *what,
                uint64_t off, uint64_t len);
/* Headers into a "headers" pairs field. */
void add_headers(struct item *it, const struct http_header *hs, size_t n);

#endif

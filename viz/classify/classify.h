/* classify.h -- which push technique an HTTP exchange, and a flow, shows,
 * from what is on the wire: behaviour and timing, never port numbers.
 *
 * The classify/ folder owns the rules that name a technique.  It calls
 * nothing else of viz: dissect/ and flows/ tell it what they noticed
 * (docs/design.md, "Which folder may include which").
 */
#ifndef VIZ_CLASSIFY_H
#define VIZ_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The names of DESIGN.md: the client's TECHNIQUE names, "http" (an
 * ordinary resource or a send) and "unknown".  Push techniques come first,
 * strongest sign first: the order breaks ties when a flow shows several. */
enum technique {
    TECH_WS,        /* a 101 upgrade to WebSocket */
    TECH_FLASH,     /* a Flash policy exchange or NUL-delimited messages */
    TECH_SSE,       /* a text/event-stream answer */
    TECH_MULTIPART, /* a multipart/x-mixed-replace answer */
    TECH_IFRAME,    /* a streamed text/html page (the forever frame) */
    TECH_XHR,       /* another streamed body (XHR / fetch streaming) */
    TECH_JSONP,     /* a JavaScript answer to a request that names a callback */
    TECH_LONGPOLL,  /* an answer held until there was news */
    TECH_POLL,      /* a repeated request answered at once */
    TECH_HTTP,      /* an ordinary resource, or a send: no news from the server */
    TECH_UNKNOWN,   /* not HTTP, not Flash */
    TECH_COUNT
};
#define TECH_PUSH_COUNT TECH_HTTP /* techniques below this one bring news */

const char *technique_name(enum technique t);

/* What one HTTP exchange showed by its response head (request and
 * response heads, timing, and the body bytes that came with the head). */
struct exchange_facts {
    bool upgrade;         /* 101 Switching Protocols to websocket */
    bool event_stream;    /* Content-Type text/event-stream */
    bool multipart;       /* Content-Type multipart/x-mixed-replace */
    bool streamed;        /* a chunked or close-delimited body that did not end with its head */
    bool html;            /* Content-Type text/html */
    bool javascript;      /* a JavaScript Content-Type */
    bool page_part;       /* HTML, JavaScript or CSS: a document or the code a page loads */
    bool callback;        /* the request's query names a callback (callback=, cb=, c=, jsonp=) */
    bool bodiless;        /* an answer that has no body by definition: to HEAD, 204, 304 */
    uint64_t sent_bytes;  /* request body bytes: > 0 means the client sends data */
    double response_ms;   /* request to first response byte; < 0 when not known */
    double rtt_ms;        /* the connection's handshake RTT; < 0 when not known */
    unsigned repeats;     /* requests for this (server, path) in all flows, this one included */
    unsigned held_before; /* answers to this (server, path) held before this one */
    double reask_ms;      /* from the previous answer to a request for this (server,
                           * path) that sent nothing, to this request; < 0 when none */
};

/* A response held at least this long, and at least this many RTTs, before
 * its first byte was held by the server: it waited for news. */
#define CLASSIFY_HOLD_RTTS 10
/* A request for a resource sent within this long of the previous answer to
 * it was sent at once: the client expects the server to hold it (a long
 * poller re-asks at once, a short poller waits for its interval). */
#define CLASSIFY_REASK_MS 100
/* A chunked body whose first chunk is this large is a resource written in
 * big pieces (a script, a file), not a stream of messages. */
#define CLASSIFY_BULK_CHUNK 16384

/* True when the answer was held for news (see above); one without a body
 * (bodiless) brought none, whatever its wait. */
bool classify_held(const struct exchange_facts *f);
/* The exchange's technique; why gets a short explanation for people
 * ("held 702 ms = 9000 RTTs before the first byte"), cut to why_len. */
enum technique classify_exchange(const struct exchange_facts *f, char *why, size_t why_len);

/* What a flow showed, for naming it: its exchanges by technique. */
struct flow_traits {
    uint64_t path_key;             /* server and path of the latest GET without a body (0: none):
                                    * what a poller's first connection ends with */
    unsigned requests;             /* HTTP requests */
    unsigned exchanges[TECH_COUNT]; /* answered exchanges by technique */
    bool flash;                    /* a Flash policy exchange or NUL-delimited messages */
    bool path_javascript;          /* its answer had a JavaScript Content-Type */
    bool ws_joined_late;           /* WebSocket frames but no handshake captured: named ws */
    bool tls;                      /* TLS records: sealed, so unknown (the flow item says why) */
    bool http2;                    /* HTTP/2 frames: each stream an exchange (dissect/h2_streams.c) */
    bool switched_unread;          /* a 101 switched it to a protocol pushviz does not read */
    uint8_t headless;              /* enum headless_answer: an answer joined inside its body, its
                                    * head not captured (dissect/headless.c) */
    bool unread;                   /* a side's bytes matched no protocol pushviz reads (a capture
                                    * begun inside a message, or another protocol): only pushlab
                                    * events are looked for in them */
};

/* How an answer whose body the capture joined in the middle was named
 * (dissect/headless.c).  Chunks of data are a stream once they go on past
 * the end of the write that brought the first ones; a body whose last
 * chunk came in that same write was a resource sent in chunks (`http`). */
enum headless_answer {
    HEADLESS_NONE,
    HEADLESS_BY_CONTENT,  /* an event stream or multipart parts: named by them */
    HEADLESS_XHR_CHUNKS,  /* chunks of data in their first write: counted as XHR streaming so far */
    HEADLESS_HTML_CHUNKS, /* chunks of HTML in their first write: counted as a forever iframe so far */
    HEADLESS_STREAM,      /* chunks that went on past that write: a stream */
    HEADLESS_ENDED        /* chunks that ended in that write: counted as a resource */
};

/* Requests per (server, path) seen across all flows, so a poller that opens
 * a new connection per request is still seen to repeat, and a long poll
 * answered at once (news was waiting) is known by its earlier holds.
 *
 * Bounded, and it never stops counting: a pair lives in one of the
 * CLASSIFY_PROBES slots from its home, and a new pair whose slots are all
 * taken replaces the one of them asked for longest ago.  A capture of an
 * application that asks for thousands of paths (/api/item/N) keeps
 * counting the pairs asked for lately -- a poller's among them -- and no
 * lookup reads more than CLASSIFY_PROBES slots. */
#define CLASSIFY_SLOTS 4096 /* (server, path) pairs remembered */
#define CLASSIFY_PROBES 32  /* slots a pair may take, from its home on */
struct classifier {
    uint64_t keys[CLASSIFY_SLOTS];    /* open addressing; 0 = empty */
    unsigned counts[CLASSIFY_SLOTS];  /* requests seen for each key */
    unsigned held[CLASSIFY_SLOTS];    /* answers held for each key */
    int64_t answered_ns[CLASSIFY_SLOTS]; /* capture time of the latest answer for each key (0: none) */
    uint64_t asked[CLASSIFY_SLOTS];   /* `requests` when each key was last asked for */
    uint64_t requests;                /* requests noted, all keys */
};

/* Hash of a server endpoint and a request path (never 0). */
uint64_t classify_path_key(const char *server, const char *path, size_t path_len);
/* Count a request to key; an answer to key that was held. */
void classify_note_request(struct classifier *c, uint64_t key);
void classify_note_held(struct classifier *c, uint64_t key);
/* An answer to a request for key that sent nothing arrived at capture time ns. */
void classify_note_answer(struct classifier *c, uint64_t key, int64_t ns);
/* Requests and held answers counted for key; when its latest answer came (0: none). */
unsigned classify_requests(const struct classifier *c, uint64_t key);
unsigned classify_holds(const struct classifier *c, uint64_t key);
int64_t classify_answered_ns(const struct classifier *c, uint64_t key);

/* The flow's technique: that of its push exchanges (the most frequent;
 * ties go to the stronger sign), "http" when it has none, "unknown"
 * without HTTP or Flash. */
enum technique classify_flow(const struct classifier *c, const struct flow_traits *t);
/* A flow named "http" only because its latest GET has not been repeated
 * yet: it may be a poller's first connection (a poller may open one per
 * request, or use a second connection from its second request on). */
bool classify_may_repeat(const struct classifier *c, const struct flow_traits *t);
/* Its path has been asked for again since (by any flow): time to name it anew. */
bool classify_repeated(const struct classifier *c, const struct flow_traits *t);

#endif

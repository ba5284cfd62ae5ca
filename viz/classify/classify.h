/* classify.h -- which push technique a flow shows, from what is on the wire.
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

/* What the dissector noticed about one flow, for classification. */
struct flow_traits {
    unsigned requests;      /* HTTP requests */
    unsigned responses;     /* final HTTP responses */
    unsigned held;          /* responses whose first byte came VIZ_LONGPOLL_HOLD_MS or more after the request */
    unsigned streams;       /* responses with a chunked or until-close body of unknown end */
    unsigned events;        /* pushlab events found */
    bool flash;             /* a Flash policy exchange or NUL-delimited messages */
    bool websocket;         /* a 101 upgrade to WebSocket */
    bool event_stream;      /* a text/event-stream response */
    bool multipart;         /* a multipart/x-mixed-replace response */
    bool html_stream;       /* a streamed (chunked) text/html response */
    bool javascript;        /* a response with a JavaScript content type (JSONP) */
    bool first_get;         /* the first request is a GET (what a poller sends) */
    uint64_t path_key;      /* hash of server endpoint and first request's path (0: none) */
    unsigned same_path;     /* requests to that same path in this flow */
};

/* Requests per (server, path) seen across all flows, so a poller that opens
 * a new connection per request is still seen to repeat. */
#define CLASSIFY_SLOTS 4096 /* (server, path) pairs remembered */
struct classifier {
    uint64_t keys[CLASSIFY_SLOTS];    /* open addressing; 0 = empty */
    unsigned counts[CLASSIFY_SLOTS];  /* requests seen for each key */
};

/* Hash of a server endpoint and a request path (never 0). */
uint64_t classify_path_key(const char *server, const char *path, size_t path_len);
/* Count a request to key. */
void classify_note_request(struct classifier *c, uint64_t key);
/* The technique name: one of the client's TECHNIQUE names, "http" or "unknown". */
const char *classify_flow(const struct classifier *c, const struct flow_traits *t);
/* A flow named "http" only because its one GET has not been repeated yet:
 * it may be a poller's first connection (a poller may open one per request). */
bool classify_may_repeat(const struct classifier *c, const struct flow_traits *t);
/* Its path has been asked for again since (by any flow): time to name it anew. */
bool classify_repeated(const struct classifier *c, const struct flow_traits *t);

#endif

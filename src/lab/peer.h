/* peer.h -- one connected client of a pushlab server, and the calls a
 * technique uses to answer it.
 *
 * Every connection starts as HTTP.  Three shapes of HTTP answer make the
 * whole story of HTTP push:
 *  - a complete response at once (short polling): http_respond();
 *  - no answer yet (long polling): the technique's request() returns without
 *    responding, and the request is "held" until it calls http_respond();
 *  - a response that never ends (streaming, SSE): http_stream_begin(),
 *    then http_stream_write() for every event.
 * A connection may also leave HTTP (WebSocket after its 101, or a Flash
 * socket recognised by its first bytes): peer_take_raw().
 */
#ifndef LAB_PEER_H
#define LAB_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/technique.h"
#include "net/conn.h"
#include "proto/http.h"

/* Callbacks of a connection that left HTTP.  State lives in peer->user;
 * clean-up is peer->on_close, which runs however the connection ends. */
struct peer_raw_ops {
    void (*on_read)(struct peer *p);    /* bytes in conn_input(p->conn) */
    void (*on_drain)(struct peer *p);   /* optional: output queue empty */
    void (*on_timeout)(struct peer *p); /* optional: conn_set_timeout fired */
};

struct peer {
    struct server *server;      /* the server it belongs to */
    struct conn *conn;          /* the TCP connection */
    struct peer *prev, *next;   /* the server's list of peers */
    bool sniffed;               /* the technique's sniff() has decided */
    bool busy;                  /* a request is being answered (held or streaming) */
    bool streaming;             /* http_stream_begin was called */
    bool chunked;               /* the stream uses chunked transfer coding */
    bool keep_alive;            /* the connection may carry another request */
    bool head_only;             /* the request was HEAD: send no body */
    int minor_version;          /* of the request being answered */
    size_t request_bytes;       /* input bytes of the request being answered */
    uint64_t request_start_ms;  /* loop time of the first byte of a request still arriving (0: none) */
    uint64_t deadline_ms;       /* loop time by which it must be complete, else 408 (0: none) */
    bool routing;               /* inside the request loop: it goes on by itself */
    const struct peer_raw_ops *raw; /* set when the connection left HTTP */
    /* The technique's per-connection state and its clean-up, called once
     * when the connection closes, whatever the reason. */
    void *user;
    void (*on_close)(struct peer *p);
};

/* Send a complete response with `body` (NULL, 0 for none).  extra_headers
 * is "" or whole lines, each ending in "\r\n".  The connection goes on to
 * the next request (or closes, without keep-alive). */
void http_respond(struct peer *p, int status, const char *content_type,
                  const char *extra_headers, const void *body, size_t body_len);

/* Send an error with a short text/plain body ("404 Not Found: why").
 * After any status but 404, 405 and 501 the connection is closed, since
 * the rest of its input cannot be trusted to start a new request.  (The
 * skeleton answers 404, 405 and 501 itself, from struct technique's paths.) */
void http_error(struct peer *p, int status, const char *why);

/* Start a response that stays open.  With chunked (HTTP/1.1 only; ignored
 * for 1.0) each write becomes one chunk; without, the body runs until the
 * connection closes.  To HEAD it writes the same head and ends the response
 * there: write nothing after it.  0, or -1 when the connection is gone. */
int http_stream_begin(struct peer *p, int status, const char *content_type,
                      const char *extra_headers, bool chunked);
/* Write body bytes (one chunk when chunked).  0, or -1 when the connection
 * closed (it may have fallen too far behind and been cut off). */
int http_stream_write(struct peer *p, const void *data, size_t len);
/* Write bytes framed once for many streams (lab/framed.h), shared, not
 * copied: when the stream is chunked they must be a whole chunk already,
 * size line and CRLF included.  0 or -1 as http_stream_write. */
int http_stream_write_shared(struct peer *p, struct shbuf *framed);
/* End a stream (the last chunk) and close after flushing. */
void http_stream_end(struct peer *p);

/* Leave HTTP: from now on the connection's input goes to ops (peer->user
 * and peer->on_close stay as the technique set them).  The request being
 * answered, if any, is consumed first. */
void peer_take_raw(struct peer *p, const struct peer_raw_ops *ops);

/* The reason phrase for a status ("Not Found"). */
const char *http_reason(int status);

/* For the skeleton: a new peer on an accepted connection (NULL if out of
 * memory; the connection is closed then). */
struct peer *peer_new(struct server *s, int fd, const char *peer_addr);

#endif

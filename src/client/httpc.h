/* httpc.h -- the HTTP/1.1 client side every HTTP technique shares: sending
 * a request, reading and checking the response head, and taking the body
 * apart (Content-Length, chunked, or until the connection closes). */
#ifndef CLIENT_HTTPC_H
#define CLIENT_HTTPC_H

#include "client/client.h"
#include "proto/http.h"

/* What a technique accepts as an answer. */
struct httpc_want {
    int status;               /* 200, or 101 for WebSocket */
    const char *content_type; /* media type ("text/event-stream"), or NULL for any */
    /* Optional further checks on the head (a boundary, a handshake),
     * while its slices are still valid: 0, or -1 after failing the session. */
    int (*check)(struct session *s, const struct http_response *res);
};

/* Where the current response stands: its head, then its body. */
struct httpc_body {
    bool head_read;            /* the head was read and accepted: what follows is body
                                * (clear it before sending the next request) */
    struct http_body framing;  /* how the body is delimited */
    uint64_t received;         /* body bytes decoded so far */
    struct http_chunked chunked; /* the chunked decoder (HTTP_BODY_CHUNKED) */
    bool done;                 /* the body is complete */
    bool keep_alive;           /* the connection may carry the next request */
};

/* Send "METHOD target HTTP/1.1" with Host, User-Agent, extra_headers
 * (whole lines ending in "\r\n", or "") and body.  Counts one request and
 * its head bytes.  0, or -1 after failing the session. */
int httpc_request(struct session *s, const char *method, const char *target,
                  const char *extra_headers, const char *body, size_t body_len);

/* Read the response head from the start of the connection's input and
 * check it against *want.  Returns 1 when it is there and acceptable (then
 * consumed from the input, and *body set up for what follows), 0 when
 * more bytes are needed, -1 after failing the session with the status
 * line and why. */
int httpc_read_head(struct session *s, const struct httpc_want *want, struct httpc_body *body);

/* Called with each piece of decoded body. */
typedef void httpc_sink(struct session *s, const char *data, size_t len);

/* Decode the body bytes waiting in the input, passing them to sink, and
 * consume them.  Stops at the end of the body (body->done).  0, or -1
 * after failing the session (a bad chunk). */
int httpc_read_body(struct session *s, struct httpc_body *body, httpc_sink *sink);

/* The whole client side of a response that subscribes the session (a
 * poll's answer, a stream): while !body->head_read, read and check the
 * head (httpc_read_head); once it is there, session_expect is answered and
 * the session is ready; then decode the body into sink (httpc_read_body).
 * Call it whenever bytes arrive.  Returns 1 when the body is complete, 0
 * when more is to come, -1 after the session failed. */
int httpc_read_response(struct session *s, const struct httpc_want *want, struct httpc_body *body,
                        httpc_sink *sink);

/* The connection closed: true when that ended the body properly (a body
 * delimited by the close); otherwise the session fails with what was cut
 * short (a truncated chunk, a short Content-Length body). */
bool httpc_body_closed(struct session *s, struct httpc_body *body, const char *why);

#endif

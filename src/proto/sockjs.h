/* sockjs.h -- SockJS frames (the SockJS protocol, version 0.3: "Framing"
 * and "Transports" in sockjs-protocol-0.3.3.py).
 *
 * Whatever the transport, the server sends one-letter frames: `o` (open),
 * `h` (heartbeat), `a` + a JSON array of message strings, `c` + a JSON
 * array [code, "reason"] (close).  Transports only wrap them: a WebSocket
 * message per frame; a line per frame on xhr and xhr_streaming (after a
 * prelude of 2048 `h` and a newline on xhr_streaming); `data: FRAME` lines
 * on eventsource; `<script>p("FRAME");</script>` on htmlfile; and
 * `CALLBACK("FRAME");` on jsonp, where FRAME is a JSON string literal.
 * The client sends a JSON array of strings (xhr_send, a WebSocket message).
 */
#ifndef PROTO_SOCKJS_H
#define PROTO_SOCKJS_H

#include "proto.h"

enum sockjs_frame_kind {
    SOCKJS_OPEN,      /* "o" */
    SOCKJS_HEARTBEAT, /* "h" (also the xhr_streaming prelude of 2048 of them) */
    SOCKJS_ARRAY,     /* "a[...]": messages */
    SOCKJS_CLOSE,     /* "c[code,\"reason\"]" */
    SOCKJS_SEND       /* "[...]": what a client sends, messages without a letter */
};

struct sockjs_frame {
    enum sockjs_frame_kind kind;
    struct slice body;  /* ARRAY, CLOSE, SEND: the JSON array, brackets included */
};

#define SOCKJS_PRELUDE_LEN 2048 /* h bytes before the first frame of xhr_streaming */

/* "open", "heartbeat", "array", "close", "send". */
const char *sockjs_frame_name(enum sockjs_frame_kind kind);

/* Parse one whole frame p[0..n) (no trailing newline).  Returns 0, or
 * PROTO_ERROR with a reason.  The body is borrowed from p. */
long sockjs_frame_parse(const char *p, size_t n, struct sockjs_frame *out, struct proto_err *err);

/* The next element of a JSON array body ("[...]") from *pos on (start
 * with *pos = 0): its raw JSON text, borrowed from the body.  Returns 1 and
 * advances *pos; 0 at the end of the array, with *pos just past its ']'
 * (call no more); PROTO_ERROR when it is not a well-formed array of
 * strings and numbers. */
long sockjs_array_next(struct slice body, size_t *pos, struct slice *elem, struct proto_err *err);

#endif

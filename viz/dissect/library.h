/* library.h -- messages of the push libraries people use (SockJS,
 * Engine.IO, Socket.IO), found inside HTTP bodies, SSE data and WebSocket
 * messages (library.c). */
#ifndef VIZ_DISSECT_LIBRARY_H
#define VIZ_DISSECT_LIBRARY_H

#include "dissect/core.h"

/* Which library a request speaks and how its bodies wrap the library's
 * frames, from the request target: Engine.IO's `EIO=` query (Socket.IO
 * when the path is its /socket.io/), SockJS's /server/session/transport.
 * *session gets the session id (Engine.IO's sid=, SockJS's session
 * segment; empty when none), borrowed from path or query: the requests of
 * one session, over several connections and transports, share it. */
void library_of_request(struct slice method, struct slice path, struct slice query,
                        struct lib_state *request, struct lib_state *response,
                        struct slice *session);
/* A WebSocket joined after its handshake (no request target named a
 * library): h's whole text message p[0..n), before it is shown, names the
 * library of both directions when only that library would send it -- a
 * Socket.IO event, ack or connect; an Engine.IO pong answering the other
 * side's ping (the server's "2", or the client's "2probe" when it tests
 * the transport); a SockJS array of strings from the server.  A counter's
 * "2" and "3" are no heartbeats unless one side answers the other. */
void library_of_ws_message(struct dissect *d, struct half *h, const char *p, size_t n);
/* A server's answer joined inside its body (headless.c), no request to
 * name its library: its messages, as `wrap` cuts them (WRAP_MESSAGE: an
 * event stream's events, WRAP_LINES: lines of chunks, WRAP_SCRIPT: a page's
 * script calls), name SockJS from the first that is an array of strings,
 * which only a SockJS server sends; until then none is shown. */
void library_of_joined_body(struct half *h, enum lib_wrap wrap);
/* Remember id as the session this direction speaks for, unless it named
 * one before (a connection serves one session; the first is kept). */
void library_note_session(struct half *h, enum push_library lib, struct slice id);
/* "sockjs", "engine.io", "socket.io", or "" for none. */
const char *library_name(enum push_library lib);

/* One whole library message (a WebSocket text message, an SSE data field)
 * at stream offset off. */
void library_message(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                     uint64_t off);

/* Body content p[0..n) at stream_off, for the wraps that are cut into
 * messages here (lines, script calls, Engine.IO payloads); and the end of
 * the body, which ends its last message. */
void library_body_feed(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                       uint64_t stream_off);
void library_body_end(const struct dissect_env *env, struct half *h);
/* A gap or the close (how) cut the body before its end: a message it had
 * begun is not whole, and what came of it is said. */
void library_body_cut(const struct dissect_env *env, struct half *h, enum search_end how);

#endif

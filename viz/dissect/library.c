/* library.c -- the messages of SockJS, Engine.IO and Socket.IO, recognised
 * by their wire format wherever a transport put them, each made a `message`
 * item (library, frame, text).
 *
 * Which library a connection speaks is read from its request target, as
 * the libraries' clients write it: Engine.IO puts `EIO=4` (and
 * `transport=polling` or `websocket`) in the query, and Socket.IO is
 * Engine.IO served under /socket.io/ (socket.io-protocol v5); SockJS
 * requests /PREFIX/SERVER/SESSION/TRANSPORT (SockJS protocol 0.3, "Session
 * URLs").  A capture that began after a WebSocket's handshake has no
 * target to read: there the library is named by the first message that
 * only it would send (library_of_ws_message), and the messages before
 * that one are shown as frames only; one that began inside a streamed
 * answer's body, by the first SockJS array of strings in it
 * (library_of_joined_body).  The frames themselves are decoded
 * by src/proto (sockjs.c, engineio.c, socketio.c); this file only cuts
 * them out of what wraps them:
 *   SockJS xhr, xhr_streaming, xhr_send    a frame per line
 *   SockJS htmlfile, jsonp                 p("FRAME"); a JSON string in a call, per line
 *   SockJS eventsource                     an SSE event's data (content.c calls in)
 *   Engine.IO polling (GET and POST)       packets separated by 0x1e
 *   WebSocket                              a packet or frame per text message
 * Frames are shown as sent: an array's strings keep their JSON quotes, and
 * a frame inside a JavaScript string keeps its escapes.
 */
#include "dissect/library.h"

#include <stdlib.h>
#include <string.h>

#include "proto/engineio.h"
#include "proto/json.h"
#include "proto/socketio.h"
#include "proto/sockjs.h"

const char *library_name(enum push_library lib)
{
    switch (lib) {
    case LIB_SOCKJS:
        return "sockjs";
    case LIB_ENGINEIO:
        return "engine.io";
    case LIB_SOCKETIO:
        return "socket.io";
    case LIB_NONE:
        break;
    }
    return "";
}

/* ---- which library, from the request target ---- */

static bool has(struct slice s, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= s.len; i++)
        if (memcmp(s.ptr + i, word, n) == 0)
            return true;
    return false;
}

/* The last n segments of path ("/a/b/c": c, b, a), false when fewer. */
static bool last_segments(struct slice path, struct slice *seg, int n)
{
    size_t end = path.len;
    for (int k = 0; k < n; k++) {
        size_t start = end;
        while (start > 0 && path.ptr[start - 1] != '/')
            start--;
        if (start == 0 || start == end)
            return false; /* no slash before it, or an empty segment */
        seg[k] = (struct slice){path.ptr + start, end - start};
        end = start - 1;
    }
    return true;
}

/* The value of query parameter name ("sid"), or an empty slice. */
static struct slice query_value(struct slice query, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i + n + 1 <= query.len; i++) {
        if ((i == 0 || query.ptr[i - 1] == '&') && memcmp(query.ptr + i, name, n) == 0 &&
            query.ptr[i + n] == '=') {
            size_t start = i + n + 1, end = start;
            while (end < query.len && query.ptr[end] != '&')
                end++;
            return (struct slice){query.ptr + start, end - start};
        }
    }
    return (struct slice){NULL, 0};
}

void library_of_request(struct slice method, struct slice path, struct slice query,
                        struct lib_state *request, struct lib_state *response,
                        struct slice *session)
{
    request->lib = response->lib = LIB_NONE;
    request->wrap = response->wrap = WRAP_NONE;
    *session = (struct slice){NULL, 0};
    if (has(query, "EIO=")) {
        *session = query_value(query, "sid"); /* none on the handshake: the open packet names it */
        enum push_library lib = has(path, "/socket.io/") ? LIB_SOCKETIO : LIB_ENGINEIO;
        request->lib = response->lib = lib;
        if (has(query, "transport=websocket")) {
            request->wrap = response->wrap = WRAP_MESSAGE;
        } else if (slice_eq(method, "POST")) { /* packets up, "ok" back */
            request->wrap = WRAP_PAYLOAD;
        } else { /* a poll: packets down */
            response->wrap = WRAP_PAYLOAD;
        }
        return;
    }
    struct slice seg[3]; /* transport, session, server */
    if (!last_segments(path, seg, 3) || seg[1].len > 64 || seg[2].len > 16)
        return;
    static const struct {
        const char *transport;
        enum lib_wrap request, response;
    } transports[] = {
        {"websocket", WRAP_MESSAGE, WRAP_MESSAGE}, {"xhr", WRAP_NONE, WRAP_LINES},
        {"xhr_streaming", WRAP_NONE, WRAP_LINES},  {"xhr_send", WRAP_LINES, WRAP_NONE},
        {"eventsource", WRAP_NONE, WRAP_MESSAGE},  {"htmlfile", WRAP_NONE, WRAP_SCRIPT},
        {"jsonp", WRAP_NONE, WRAP_SCRIPT},         {"jsonp_send", WRAP_NONE, WRAP_NONE},
    };
    for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++)
        if (slice_eq(seg[0], transports[i].transport)) {
            request->lib = response->lib = LIB_SOCKJS;
            *session = seg[1];
            request->wrap = transports[i].request;
            response->wrap = transports[i].response;
            return;
        }
}

/* ---- which library, from a WebSocket's own messages ---- */

/* Engine.IO's ping or pong (as type says), empty, or "probe" when a
 * transport is tested before an upgrade ("2probe", "3probe"). */
static bool eio_heartbeat(const struct eio_packet *pk, enum eio_type type)
{
    return pk->type == type && !pk->binary && (pk->data.len == 0 || slice_eq(pk->data, "probe"));
}

/* A Socket.IO event, ack or connect in an Engine.IO message, whole:
 * `42["name",...]`, `430[...]`, `40{...}`.  A "42" alone is not one. */
static bool socketio_signature(const struct eio_packet *pk)
{
    struct sio_packet sp;
    struct proto_err err = {0};
    if (pk->type != EIO_MESSAGE || pk->binary || sio_packet_parse(pk->data.ptr, pk->data.len, &sp, &err) < 0 ||
        sp.data.len < 2)
        return false;
    char first = sp.data.ptr[0], last = sp.data.ptr[sp.data.len - 1];
    switch (sp.type) {
    case SIO_EVENT:
        return last == ']';
    case SIO_ACK:
        return sp.has_id && first == '[' && last == ']';
    case SIO_CONNECT:
        return first == '{' && last == '}';
    default:
        return false;
    }
}

/* A SockJS server's messages: `a["...",...]`, each of them a string. */
static bool sockjs_signature(const char *p, size_t n)
{
    struct sockjs_frame f;
    struct proto_err err = {0};
    if (n < 4 || p[0] != 'a' || sockjs_frame_parse(p, n, &f, &err) < 0 || f.kind != SOCKJS_ARRAY)
        return false;
    size_t pos = 0, strings = 0;
    struct slice m;
    long r;
    while ((r = sockjs_array_next(f.body, &pos, &m, &err)) == 1) {
        if (m.len < 2 || m.ptr[0] != '"')
            return false;
        strings++;
    }
    return r == 0 && strings > 0;
}

void library_of_ws_message(struct dissect *d, struct half *h, const char *p, size_t n)
{
    struct half *other = d->half[!h->dir];
    struct ws_state *ow = other ? other->ws : NULL;
    struct eio_packet pk;
    struct proto_err err = {0};
    bool eio = eio_packet_parse(p, n, &pk, &err) == 0;
    enum push_library lib = LIB_NONE;
    if (eio && socketio_signature(&pk))
        lib = LIB_SOCKETIO;
    else if (eio && eio_heartbeat(&pk, EIO_PONG) && ow && ow->eio_ping_last)
        lib = LIB_ENGINEIO; /* a ping answered by the other side's pong */
    else if (h->dir == DIR_S2C && sockjs_signature(p, n))
        lib = LIB_SOCKJS;
    h->ws->eio_ping_last = eio && eio_heartbeat(&pk, EIO_PING);
    /* Socket.IO speaks Engine.IO: a connection named engine.io by its
     * heartbeats is named again by its first Socket.IO packet. */
    if (lib == LIB_NONE || !(h->lib.lib == LIB_NONE || (h->lib.lib == LIB_ENGINEIO && lib == LIB_SOCKETIO)))
        return;
    h->lib.lib = lib;
    h->lib.wrap = WRAP_MESSAGE;
    if (ow && ow->library_unnamed) {
        other->lib.lib = lib;
        other->lib.wrap = WRAP_MESSAGE;
    }
}

void library_of_joined_body(struct half *h, enum lib_wrap wrap)
{
    h->lib.lib = LIB_NONE;
    h->lib.wrap = wrap;
    h->lib.unnamed = true;
}

/* A message of a body joined inside (lib.unnamed) names SockJS when it is
 * an array of strings (frame: as sockjs_signature reads it; escaped: the
 * same inside a JavaScript string, its quotes escaped).  False while none
 * has: the message is not shown. */
static bool named_by(struct half *h, const char *frame, size_t n, bool escaped)
{
    if (!h->lib.unnamed)
        return true;
    if (escaped ? n < 5 || memcmp(frame, "a[\\\"", 4) != 0 : !sockjs_signature(frame, n))
        return false;
    h->lib.lib = LIB_SOCKJS;
    h->lib.unnamed = false;
    return true;
}

void library_note_session(struct half *h, enum push_library lib, struct slice id)
{
    if (h->lib.session || id.len == 0)
        return;
    size_t n = id.len < VIZ_SESSION_MAX ? id.len : VIZ_SESSION_MAX;
    h->lib.session = malloc(n + 1);
    if (!h->lib.session)
        return; /* the flow is then shown without its session */
    memcpy(h->lib.session, id.ptr, n);
    h->lib.session[n] = '\0';
    h->lib.session_lib = lib;
}

/* ---- items ---- */

static struct item *message_item(struct item_builder *b, const struct dissect_env *env,
                                 const struct half *h, enum push_library lib, const char *frame,
                                 uint64_t off, size_t len)
{
    struct item *it = half_item(b, env, h, ITEM_MESSAGE, off, len);
    item_add_str(it, "library", library_name(lib));
    item_add_str(it, "frame", frame);
    return it;
}

/* A SockJS frame: an item per message of an array, one for the others. */
static void sockjs_items(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                         uint64_t off)
{
    struct sockjs_frame f;
    struct proto_err err = {0};
    if (sockjs_frame_parse(p, n, &f, &err) < 0) {
        half_error(env, h, err.why, off, n);
        return;
    }
    struct item_builder b;
    const char *name = sockjs_frame_name(f.kind);
    if (f.kind == SOCKJS_HEARTBEAT && n == SOCKJS_PRELUDE_LEN)
        name = "prelude"; /* xhr_streaming's 2 KiB of h, so that browsers start reading */
    if (f.kind != SOCKJS_ARRAY && f.kind != SOCKJS_SEND) {
        struct item *it = message_item(&b, env, h, LIB_SOCKJS, name, off, n);
        item_add_text(it, "text", f.body.ptr, f.body.len);
        if (f.kind == SOCKJS_HEARTBEAT)
            item_add_bool(it, "heartbeat", true);
        emit_item(env->emitter, it);
        return;
    }
    size_t pos = 0;
    struct slice m;
    while (sockjs_array_next(f.body, &pos, &m, &err) == 1) {
        struct item *it = message_item(&b, env, h, LIB_SOCKJS, name,
                                       off + (uint64_t)(m.ptr - p), m.len);
        item_add_text(it, "text", m.ptr, m.len);
        emit_item(env->emitter, it);
    }
}

/* A frame inside a JavaScript call, `p("FRAME");` or `/\**\/cb("FRAME");`:
 * the frame is a JSON string literal, shown with its escapes. */
static void script_items(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                         uint64_t off)
{
    const char *call = NULL;
    for (size_t i = 0; i + 1 < n && !call; i++)
        if (p[i] == '(' && p[i + 1] == '"')
            call = p + i + 1;
    if (!call)
        return; /* <script>, </script> and the padding lines */
    if (!named_by(h, call + 1, (size_t)(p + n - call - 1), true))
        return;
    long len = json_string_len(call, (size_t)(p + n - call));
    if (len < 3) {
        half_error(env, h, "SockJS: a bad frame string in a script call", off, n);
        return;
    }
    static const char letters[] = "ohac";
    const char *kind = memchr(letters, call[1], 4);
    if (!kind) {
        half_error(env, h, "SockJS: not a frame (o, h, a, c)", off, n);
        return;
    }
    static const char *const names[] = {"open", "heartbeat", "array", "close"};
    struct item_builder b;
    struct item *it = message_item(&b, env, h, LIB_SOCKJS, names[kind - letters],
                                   off + (uint64_t)(call - p), (size_t)len);
    item_add_text(it, "text", call + 2, (size_t)len - 3);
    if (*kind == 'h')
        item_add_bool(it, "heartbeat", true);
    emit_item(env->emitter, it);
}

/* An Engine.IO packet, and the Socket.IO packet a message carries. */
static void eio_items(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                      uint64_t off)
{
    struct eio_packet pk;
    struct proto_err err = {0};
    if (eio_packet_parse(p, n, &pk, &err) < 0) {
        half_error(env, h, err.why, off, n);
        return;
    }
    struct item_builder b;
    struct sio_packet sp;
    if (h->lib.lib == LIB_SOCKETIO && pk.type == EIO_MESSAGE && !pk.binary) {
        if (sio_packet_parse(pk.data.ptr, pk.data.len, &sp, &err) < 0) {
            half_error(env, h, err.why, off, n);
            return;
        }
        struct item *it = message_item(&b, env, h, LIB_SOCKETIO, sio_type_name(sp.type), off, n);
        item_add_text(it, "text", sp.data.ptr, sp.data.len);
        item_add_text(it, "namespace", sp.nsp.ptr, sp.nsp.len);
        if (sp.event.len)
            item_add_text(it, "event", sp.event.ptr + 1, sp.event.len - 2);
        if (sp.has_id)
            item_add_int(it, "ack_id", (int64_t)sp.id);
        emit_item(env->emitter, it);
        return;
    }
    struct slice sid;
    if (pk.type == EIO_OPEN && eio_open_sid(pk.data, &sid) == 0) /* the handshake's answer names it */
        library_note_session(h, h->lib.lib, sid);
    struct item *it = message_item(&b, env, h, LIB_ENGINEIO, eio_type_name(pk.type), off, n);
    item_add_text(it, "text", pk.data.ptr, pk.data.len);
    if (pk.binary)
        item_add_bool(it, "base64", true);
    if (pk.type == EIO_PING || pk.type == EIO_PONG)
        item_add_bool(it, "heartbeat", true);
    emit_item(env->emitter, it);
}

void library_message(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                     uint64_t off)
{
    if (!named_by(h, p, n, false))
        return;
    if (h->lib.lib == LIB_SOCKJS)
        sockjs_items(env, h, p, n, off);
    else if (h->lib.lib != LIB_NONE)
        eio_items(env, h, p, n, off);
}

/* ---- cutting bodies into messages ---- */

/* One message cut out of a body. */
static void body_message(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                         uint64_t off)
{
    if (n && p[n - 1] == '\r')
        n--;
    if (n == 0)
        return;
    if (h->lib.wrap == WRAP_SCRIPT)
        script_items(env, h, p, n, off);
    else
        library_message(env, h, p, n, off);
}

void library_body_feed(const struct dissect_env *env, struct half *h, const char *p, size_t n,
                       uint64_t stream_off)
{
    if (!h->lib.pending && (h->lib.pending = malloc(sizeof *h->lib.pending)))
        bytebuf_init(h->lib.pending, VIZ_BODY_KEEP);
    struct bytebuf *q = h->lib.pending;
    if (!q)
        return; /* out of memory: no message is cut out */
    char end = h->lib.wrap == WRAP_PAYLOAD ? EIO_SEPARATOR : '\n';
    while (n > 0) {
        const char *e = memchr(p, end, n);
        size_t take = e ? (size_t)(e - p) : n;
        if (q->len == 0)
            bytebuf_reset(q, stream_off);
        if (!h->lib.skipping && !bytebuf_append(q, p, take)) {
            if (!h->lib.unnamed) /* (a line of a body not known to carry SockJS is no message of its) */
                half_error(env, h, "a library message longer than pushviz keeps; skipped", q->offset,
                           q->len + take);
            h->lib.skipping = true;
        }
        if (!e)
            return;
        if (!h->lib.skipping)
            body_message(env, h, q->data, q->len, q->offset);
        h->lib.skipping = false;
        bytebuf_reset(q, stream_off + take + 1);
        p += take + 1;
        n -= take + 1;
        stream_off += take + 1;
    }
}

/* What a library calls its messages, for error texts. */
static const char *message_noun(enum push_library lib)
{
    switch (lib) {
    case LIB_SOCKJS:
        return "a SockJS frame";
    case LIB_ENGINEIO:
        return "an Engine.IO packet";
    case LIB_SOCKETIO:
        return "a Socket.IO packet";
    case LIB_NONE:
        break;
    }
    return "a library message";
}

void library_body_cut(const struct dissect_env *env, struct half *h, enum search_end how)
{
    struct bytebuf *q = h->lib.pending;
    if (q && q->len && !h->lib.skipping)
        half_cut_short(env, h, q->offset, q->len, message_noun(h->lib.lib), how);
    h->lib.skipping = false;
    if (q)
        bytebuf_reset(q, 0);
}

void library_body_end(const struct dissect_env *env, struct half *h)
{
    struct bytebuf *q = h->lib.pending;
    if (q && q->len && !h->lib.skipping)
        body_message(env, h, q->data, q->len, q->offset);
    h->lib.skipping = false;
    if (q)
        bytebuf_reset(q, 0);
}

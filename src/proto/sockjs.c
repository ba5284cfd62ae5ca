/* sockjs.c -- SockJS frames (SockJS protocol 0.3, "Framing"): the one-letter
 * frame, and the JSON arrays of messages it carries.
 *
 * A frame is read whole: every transport delimits it (a WebSocket message,
 * a line, an SSE data field, a JavaScript string), so the caller cuts it out
 * first.  The arrays are only split into their elements (JSON strings, and
 * the close code's number), not decoded: the elements are shown as sent.
 */
#include "proto/sockjs.h"

#include <string.h>

#include "proto/json.h"

const char *sockjs_frame_name(enum sockjs_frame_kind kind)
{
    switch (kind) {
    case SOCKJS_OPEN:
        return "open";
    case SOCKJS_HEARTBEAT:
        return "heartbeat";
    case SOCKJS_ARRAY:
        return "array";
    case SOCKJS_CLOSE:
        return "close";
    case SOCKJS_SEND:
        return "send";
    }
    return "?";
}

static size_t skip_space(struct slice s, size_t i)
{
    while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t' || s.ptr[i] == '\r' || s.ptr[i] == '\n'))
        i++;
    return i;
}

long sockjs_array_next(struct slice body, size_t *pos, struct slice *elem, struct proto_err *err)
{
    size_t i = *pos;
    if (i == 0) { /* the opening bracket */
        i = skip_space(body, 0);
        if (i >= body.len || body.ptr[i] != '[')
            return proto_fail(err, 0, "SockJS: a JSON array was expected");
        i++;
    } else if (i > body.len) {
        return proto_fail(err, 0, "SockJS: position past the array");
    }
    i = skip_space(body, i);
    if (i < body.len && body.ptr[i] == ',' && *pos != 0)
        i = skip_space(body, i + 1);
    else if (i < body.len && body.ptr[i] == ']') {
        *pos = i + 1; /* just past the array */
        return 0;
    } else if (*pos != 0) {
        return proto_fail(err, 0, "SockJS: ',' or ']' expected in an array");
    }
    if (i >= body.len)
        return proto_fail(err, 0, "SockJS: the array does not end");
    size_t start = i;
    if (body.ptr[i] == '"') {
        long n = json_string_len(body.ptr + i, body.len - i);
        if (n < 0)
            return proto_fail(err, 0, "SockJS: a bad string in an array");
        i += (size_t)n;
    } else if (body.ptr[i] == '-' || (body.ptr[i] >= '0' && body.ptr[i] <= '9')) {
        while (i < body.len && strchr("-+.eE0123456789", body.ptr[i]) && body.ptr[i] != '\0')
            i++;
    } else {
        return proto_fail(err, 0, "SockJS: arrays hold strings (and a close code)");
    }
    *elem = (struct slice){body.ptr + start, i - start};
    *pos = i;
    return 1;
}

long sockjs_frame_parse(const char *p, size_t n, struct sockjs_frame *out, struct proto_err *err)
{
    if (n == 0)
        return proto_fail(err, 0, "SockJS: an empty frame");
    out->body = (struct slice){NULL, 0};
    switch (p[0]) {
    case 'o':
        if (n != 1)
            return proto_fail(err, 0, "SockJS: bytes after an open frame");
        out->kind = SOCKJS_OPEN;
        return 0;
    case 'h':
        /* one h, or the xhr_streaming prelude: nothing but h */
        for (size_t i = 1; i < n; i++)
            if (p[i] != 'h')
                return proto_fail(err, 0, "SockJS: bytes after a heartbeat frame");
        out->kind = SOCKJS_HEARTBEAT;
        return 0;
    case 'a':
    case 'c':
    case '[':
        break;
    default:
        return proto_fail(err, 0, "SockJS: not a frame (o, h, a, c)");
    }
    out->kind = p[0] == 'a' ? SOCKJS_ARRAY : p[0] == 'c' ? SOCKJS_CLOSE : SOCKJS_SEND;
    out->body = p[0] == '[' ? (struct slice){p, n} : (struct slice){p + 1, n - 1};
    /* The whole array must be well formed. */
    size_t pos = 0;
    struct slice elem;
    long r;
    while ((r = sockjs_array_next(out->body, &pos, &elem, err)) == 1)
        ;
    if (r < 0)
        return r;
    if (skip_space(out->body, pos) != out->body.len)
        return proto_fail(err, 0, "SockJS: bytes after the array");
    return 0;
}

/* sse_encode.c -- writing Server-Sent Events (text/event-stream), the
 * server half of WHATWG HTML §9.2 "Server-sent events".
 *
 * An event is a block of "field: value" lines ended by a blank line:
 *
 *   id: 42
 *   event: chat
 *   retry: 2000
 *   data: first line
 *   data: second line
 *   <blank line>
 *
 * A field value cannot hold a line break (CR, LF and CRLF all end a line),
 * so multi-line data is sent as one data: line per line and the browser
 * joins them back with LF.  The one-line fields (id, event, a comment) are
 * cut at their first line break: writing the rest would let a value inject
 * fields of its own into the stream.  We always put one space after the
 * colon; the parser removes exactly one, so a value that starts with a
 * space keeps it.
 *
 * Left out on purpose: checking that the text is UTF-8 (the caller's
 * events are), and any default retry (the caller decides when to send one).
 */
#include "proto/sse.h"

#include <string.h>

#include "proto/outbuf.h"

/* Length of s up to (not including) its first CR or LF. */
static size_t one_line_len(const char *s)
{
    return strcspn(s, "\r\n");
}

/* "name: value\n" with the value cut at its first line break. */
static void put_field(struct outbuf *o, const char *name, const char *value)
{
    outbuf_str(o, name);
    outbuf_put(o, ": ", 2);
    outbuf_put(o, value, one_line_len(value));
    outbuf_byte(o, '\n');
}

/* One "data: line\n" per line of data; CR, LF and CRLF each end a line,
 * exactly the line ends the parser recognises. */
static void put_data(struct outbuf *o, const char *data, size_t len)
{
    size_t start = 0;
    for (;;) {
        size_t end = start;
        while (end < len && data[end] != '\r' && data[end] != '\n')
            end++;
        outbuf_put(o, "data: ", 6);
        outbuf_put(o, data + start, end - start);
        outbuf_byte(o, '\n');
        if (end == len)
            return;
        /* a CR directly followed by LF is one line end, not two */
        start = end + 1;
        if (data[end] == '\r' && start < len && data[start] == '\n')
            start++;
    }
}

size_t sse_encode(char *out, size_t cap, const struct sse_fields *ev)
{
    struct outbuf o = outbuf_start(out, cap);
    if (ev->id)
        put_field(&o, "id", ev->id);
    if (ev->event)
        put_field(&o, "event", ev->event);
    if (ev->retry_ms >= 0) {
        outbuf_str(&o, "retry: ");
        outbuf_u64(&o, (uint64_t)ev->retry_ms);
        outbuf_byte(&o, '\n');
    }
    /* With no data: line at all, the browser dispatches nothing for the
     * block (it only updates the id and the retry time); data of length 0
     * still gets one empty data: line, which dispatches an empty message. */
    if (ev->data)
        put_data(&o, ev->data, ev->data_len);
    outbuf_byte(&o, '\n');
    return o.len;
}

size_t sse_encode_comment(char *out, size_t cap, const char *text)
{
    /* A line starting with ':' is ignored by the browser; proxies still
     * see bytes flow, which is why servers send them as heartbeats.  The
     * blank line after it makes it a block of its own: without one, the
     * comment would open the next event's block, and a reader of the wire
     * (pushviz, a student) would count its bytes as that event's.  The
     * blank line dispatches nothing, as the block has no data (HTML
     * Standard, "dispatch the event": an empty data buffer returns). */
    struct outbuf o = outbuf_start(out, cap);
    put_field(&o, "", text);
    outbuf_byte(&o, '\n');
    return o.len;
}

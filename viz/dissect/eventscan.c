/* eventscan.c -- pushlab events inside any payload: JSON arrays, JSONP
 * calls, <script> chunks, NDJSON lines, SSE data, WebSocket text, Flash
 * messages.
 *
 * The event object has a fixed key order and no white space (DESIGN.md,
 * "Event"), so event_scan() -- the same loop the client reads events with
 * -- can spot it byte by byte without knowing the framing around it.  What
 * this file adds is the streaming: an event may be split across TCP
 * segments, chunks or frames, so the bytes from where a partial event
 * begins are kept (bounded by VIZ_BODY_KEEP) until the rest arrives, and
 * an event's stream offset is worked out across the framing in between.
 *
 * Each event found becomes an `event` item whose latency is the capture
 * time of the packet that completed it minus the server's `ts`.
 */
#include "dissect/eventscan.h"

#include <stdlib.h>

#include "proto/event.h"

void eventscan_init(struct eventscan *s)
{
    s->tail = NULL;
}

void eventscan_free(struct eventscan *s)
{
    if (s->tail)
        bytebuf_free(s->tail);
    free(s->tail);
    s->tail = NULL;
}

void eventscan_reset(struct eventscan *s)
{
    if (s->tail)
        bytebuf_reset(s->tail, 0);
}

/* Where the events of one scan go, and where the scanned bytes sit in the
 * stream: buf[0..split) at stream offset off, buf[split..) at split_off.
 * Two places, because a held partial event and the piece that completes
 * it need not be adjacent in the stream: a chunk size line or a frame
 * header may lie between them. */
struct scan_target {
    const struct emitter *e;
    unsigned flow;
    enum item_dir dir;
    int64_t now_ns;
    uint64_t off;
    size_t split;
    uint64_t split_off;
};

static uint64_t stream_offset(const struct scan_target *t, size_t pos)
{
    return pos < t->split ? t->off + pos : t->split_off + (pos - t->split);
}

/* event_scan's callback: emit the event's `event` item, which
 * covers the stream from its '{' to its '}'. */
static bool emit_event(void *arg, const struct event_view *ev, const char *text)
{
    const struct scan_target *t = arg;
    uint64_t start = stream_offset(t, ev->start);
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_EVENT, t->flow, t->dir, t->now_ns);
    item_set_range(it, start, stream_offset(t, ev->end - 1) + 1 - start);
    item_add_int(it, "seq", (int64_t)ev->seq);
    item_add_int(it, "ts", ev->ts_ms);
    item_add_ms(it, "latency_ms", (double)t->now_ns / 1e6 - (double)ev->ts_ms);
    item_add_str(it, "kind", event_kind_name(ev->kind));
    item_add_shown(it, "text", text, ev->text_len, ev->text_len);
    emit_item(t->e, it);
    return true;
}

/* Find every event in buf[0..len), with the same streaming loop the
 * client uses.  Returns how many bytes can be forgotten: all of them, or
 * up to where a partial event starts. */
static size_t scan(struct scan_target *t, const char *buf, size_t len)
{
    char text[VIZ_PAYLOAD_SHOWN + 1];
    return event_scan(buf, len, text, sizeof text, emit_event, t);
}

void eventscan_feed(struct eventscan *s, const void *p, size_t n, uint64_t off,
                    const struct emitter *e, unsigned flow, enum item_dir dir, int64_t now_ns)
{
    struct scan_target t = {e, flow, dir, now_ns, off, n, off + n};
    if (!s->tail || s->tail->len == 0) {
        /* The common case: no partial event pending, scan in place. */
        size_t done = scan(&t, p, n);
        if (done == n)
            return;
        if (!s->tail && (s->tail = malloc(sizeof *s->tail)))
            bytebuf_init(s->tail, VIZ_BODY_KEEP);
        if (!s->tail)
            return; /* out of memory: the partial event is not kept */
        bytebuf_reset(s->tail, off + done);
        if (!bytebuf_append(s->tail, (const char *)p + done, n - done))
            bytebuf_reset(s->tail, off + n); /* longer than any event: not one */
        return;
    }
    size_t held = s->tail->len;
    if (!bytebuf_append(s->tail, p, n)) {
        bytebuf_reset(s->tail, off);
        eventscan_feed(s, p, n, off, e, flow, dir, now_ns);
        return;
    }
    t.off = s->tail->offset;
    t.split = held;
    t.split_off = off;
    size_t done = scan(&t, s->tail->data, s->tail->len);
    bytebuf_consume(s->tail, done);
    /* The held bytes are one partial event (nothing else can start inside
     * one), so once the scan is past them the rest came from this piece. */
    if (done >= held)
        s->tail->offset = off + (done - held);
}

/* eventscan.c -- pushlab events inside any payload: JSON arrays, JSONP
 * calls, <script> chunks, NDJSON lines, SSE data, WebSocket text, Flash
 * messages.
 *
 * The event object has a fixed key order and no white space (DESIGN.md,
 * "Event"), so event_find() can spot it byte by byte without knowing the
 * framing around it.  What this file adds is the streaming: an event may
 * be split across TCP segments or chunks, so the bytes from where a partial
 * event begins are kept (bounded by VIZ_BODY_KEEP) until the rest arrives.
 *
 * Each event found becomes an `event` item whose latency is the capture
 * time of the packet that completed it minus the server's `ts`.
 */
#include "eventscan.h"

#include "proto/event.h"

void eventscan_init(struct eventscan *s)
{
    bytebuf_init(&s->tail, VIZ_BODY_KEEP);
    s->found = 0;
}

void eventscan_free(struct eventscan *s)
{
    bytebuf_free(&s->tail);
}

void eventscan_reset(struct eventscan *s)
{
    bytebuf_reset(&s->tail, 0);
}

/* Where the events of one scan go: whose and when they are, and where the
 * scanned buffer sits in the stream. */
struct scan_target {
    struct eventscan *s;
    const struct emitter *e;
    unsigned flow;
    enum item_dir dir;
    int64_t now_ns;
    uint64_t off; /* stream offset of the scanned buffer's first byte */
};

/* event_scan's callback: count the event and emit its `event` item. */
static bool emit_event(void *arg, const struct event_view *ev, const char *text)
{
    const struct scan_target *t = arg;
    t->s->found++;
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_EVENT, t->flow, t->dir, t->now_ns);
    item_set_range(it, t->off + ev->start, ev->end - ev->start);
    item_add_int(it, "seq", (int64_t)ev->seq);
    item_add_int(it, "ts", ev->ts_ms);
    item_add_ms(it, "latency_ms", (double)t->now_ns / 1e6 - (double)ev->ts_ms);
    item_add_str(it, "kind", event_kind_name(ev->kind));
    item_add_text(it, "text", text, ev->text_len < VIZ_PAYLOAD_SHOWN ? ev->text_len : VIZ_PAYLOAD_SHOWN);
    emit_item(t->e, it);
    return true;
}

/* Find every event in buf[0..len) (at stream offset off), with the same
 * streaming loop the client uses.  Returns how many bytes can be
 * forgotten: all of them, or up to where a partial event starts. */
static size_t scan(struct eventscan *s, const char *buf, size_t len, uint64_t off,
                   const struct emitter *e, unsigned flow, enum item_dir dir, int64_t now_ns)
{
    char text[VIZ_PAYLOAD_SHOWN + 1];
    struct scan_target t = {s, e, flow, dir, now_ns, off};
    return event_scan(buf, len, text, sizeof text, emit_event, &t);
}

void eventscan_feed(struct eventscan *s, const void *p, size_t n, uint64_t off,
                    const struct emitter *e, unsigned flow, enum item_dir dir, int64_t now_ns)
{
    if (s->tail.len == 0) {
        /* The common case: no partial event pending, scan in place. */
        size_t done = scan(s, p, n, off, e, flow, dir, now_ns);
        bytebuf_reset(&s->tail, off + done);
        if (done < n && !bytebuf_append(&s->tail, (const char *)p + done, n - done))
            bytebuf_reset(&s->tail, off + n); /* longer than any event: not one */
        return;
    }
    if (!bytebuf_append(&s->tail, p, n)) {
        bytebuf_reset(&s->tail, off);
        eventscan_feed(s, p, n, off, e, flow, dir, now_ns);
        return;
    }
    size_t done = scan(s, s->tail.data, s->tail.len, s->tail.offset, e, flow, dir, now_ns);
    bytebuf_consume(&s->tail, done);
}

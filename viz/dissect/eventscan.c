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
 * time of the packet that completed it minus the server's `ts`.  So bytes
 * that wait unparsed (a capture begun inside a message: a second of a
 * poll's answer may wait for the next request to say it is HTTP) are
 * scanned as they come (eventscan_early), and the parser that reads them
 * later does not show their events again.
 */
#include "dissect/eventscan.h"

#include <stdlib.h>

#include "proto/event.h"

struct eventscan_held {
    struct bytebuf tail; /* where a partial event begins, to its last byte so far */
    uint64_t shown_to;   /* stream offset: the events before it were shown early */
};

void eventscan_init(struct eventscan *s)
{
    s->held = NULL;
}

void eventscan_free(struct eventscan *s)
{
    if (s->held)
        bytebuf_free(&s->held->tail);
    free(s->held);
    s->held = NULL;
}

void eventscan_reset(struct eventscan *s)
{
    if (s->held)
        bytebuf_reset(&s->held->tail, 0);
}

static struct eventscan_held *held(struct eventscan *s)
{
    if (!s->held && (s->held = malloc(sizeof *s->held))) {
        bytebuf_init(&s->held->tail, VIZ_BODY_KEEP);
        s->held->shown_to = 0;
    }
    return s->held;
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
    if (s->held && s->held->shown_to > off) { /* shown early (eventscan_early) */
        size_t skip = s->held->shown_to - off < n ? (size_t)(s->held->shown_to - off) : n;
        p = (const char *)p + skip;
        n -= skip;
        off += skip;
        bytebuf_reset(&s->held->tail, 0); /* (an event begun before them is not completed by what follows) */
    }
    struct scan_target t = {e, flow, dir, now_ns, off, n, off + n};
    struct bytebuf *tail = s->held ? &s->held->tail : NULL;
    if (!tail || tail->len == 0) {
        /* The common case: no partial event pending, scan in place. */
        size_t done = scan(&t, p, n);
        if (done == n)
            return;
        if (!held(s))
            return; /* out of memory: the partial event is not kept */
        tail = &s->held->tail;
        bytebuf_reset(tail, off + done);
        if (!bytebuf_append(tail, (const char *)p + done, n - done))
            bytebuf_reset(tail, off + n); /* longer than any event: not one */
        return;
    }
    size_t kept = tail->len;
    if (!bytebuf_append(tail, p, n)) {
        bytebuf_reset(tail, off);
        eventscan_feed(s, p, n, off, e, flow, dir, now_ns);
        return;
    }
    t.off = tail->offset;
    t.split = kept;
    t.split_off = off;
    size_t done = scan(&t, tail->data, tail->len);
    bytebuf_consume(tail, done);
    /* The kept bytes are one partial event (nothing else can start inside
     * one), so once the scan is past them the rest came from this piece. */
    if (done >= kept)
        tail->offset = off + (done - kept);
}

void eventscan_early(struct eventscan *s, const void *p, size_t n, uint64_t off,
                     const struct emitter *e, unsigned flow, enum item_dir dir, int64_t now_ns)
{
    uint64_t from = s->held && s->held->shown_to > off ? s->held->shown_to : off;
    if (from >= off + n || !held(s))
        return;
    size_t skip = (size_t)(from - off);
    struct scan_target t = {e, flow, dir, now_ns, from, n - skip, off + n};
    /* Up to where a partial event starts: that one is shown when it is
     * whole, by this scan on more bytes or by the parser's. */
    s->held->shown_to = from + scan(&t, (const char *)p + skip, n - skip);
}

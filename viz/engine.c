/* engine.c -- frames to items: decode (decode.c), IP fragments put
 * together (ipfrag.c), then the flow table (flows.c), which drives TCP
 * reassembly and the dissectors.
 *
 * Frames that cannot be decoded become `error` items of flow 0 carrying
 * their frame number, and the engine goes on with the next frame: a
 * hostile capture costs a line of output, never a crash.
 */
#include "engine.h"

#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/decode.h"
#include "capture/ipfrag.h"
#include "items/emitter.h"
#include "flows/flows.h"

/* A frame decoded when it was two ahead of the one handled (for
 * prefetching), kept to be used when its turn comes: a replay then
 * decodes each frame once, not twice. */
struct predecoded {
    const uint8_t *bytes;     /* the frame's bytes; NULL: the slot is empty */
    uint32_t caplen;
    enum decode_status st;    /* decode_packet's answer, */
    struct packet p;          /* its packet */
    const char *why;          /* and its reason */
};

struct engine {
    struct emitter emitter;  /* the sink, and t0 */
    item_sink user_sink;     /* where items go */
    void *user_ctx;
    bool t0_set;
    int64_t last_ns;         /* latest frame time */
    struct flows *flows;
    struct ipfrag *ipfrag;   /* IP datagrams being reassembled */
    struct engine_counts counts;
    bool time_back_said;     /* the capture's first step back in time was reported */
    struct predecoded ahead[3]; /* the frames handled next, next but one, and now */
    uint64_t handled;           /* engine_capture_handler calls: the slot of each frame */
};

/* Every item passes here, so it is counted. */
static void count_and_forward(void *ctx, const struct item *it)
{
    struct engine *e = ctx;
    e->counts.items++;
    e->user_sink(e->user_ctx, it);
}

static void fragment_lost(void *ctx, int64_t ts_ns, uint64_t frame, const char *what);

struct engine *engine_new(item_sink sink, void *ctx)
{
    struct engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->emitter.sink = count_and_forward;
    e->emitter.ctx = e;
    e->user_sink = sink;
    e->user_ctx = ctx;
    e->flows = flows_new(&e->emitter);
    e->ipfrag = ipfrag_new(fragment_lost, e);
    if (!e->flows || !e->ipfrag) {
        engine_free(e);
        return NULL;
    }
    return e;
}

void engine_free(struct engine *e)
{
    if (!e)
        return;
    flows_free(e->flows);
    ipfrag_free(e->ipfrag);
    free(e);
}

void engine_set_sink(struct engine *e, item_sink sink, void *ctx)
{
    e->user_sink = sink;
    e->user_ctx = ctx;
}

/* An `error` item of flow 0 about frame number `frame` (0: none). */
static void frame_error(struct engine *e, int64_t ts_ns, uint64_t frame, const char *what)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_ERROR, 0, DIR_NONE, ts_ns);
    item_add_str(it, "what", what);
    if (frame)
        item_add_int(it, "frame", (int64_t)frame);
    emit_item(&e->emitter, it);
}

/* ipfrag's report: fragments that could not be used. */
static void fragment_lost(void *ctx, int64_t ts_ns, uint64_t frame, const char *what)
{
    struct engine *e = ctx;
    e->counts.errors++;
    frame_error(e, ts_ns, frame, what);
}

/* What decode_packet found in a frame, or in a datagram put together from
 * fragments. */
static void handle(struct engine *e, enum decode_status st, struct packet *p, int64_t ts_ns,
                   const char *why)
{
    switch (st) {
    case DECODE_TCP:
        e->counts.tcp++;
        p->ts_ns = ts_ns;
        p->frame = e->counts.frames;
        flows_packet(e->flows, p);
        break;
    case DECODE_FRAGMENT: {
        e->counts.fragments++;
        p->ts_ns = ts_ns;
        p->frame = e->counts.frames;
        size_t len;
        const uint8_t *ip = ipfrag_add(e->ipfrag, p, &len);
        if (ip) { /* the last piece: the whole datagram, which is no fragment */
            struct packet whole;
            st = decode_packet(DLT_RAW, ip, (uint32_t)len, (uint32_t)len, &whole, &why);
            handle(e, st == DECODE_FRAGMENT ? DECODE_OTHER : st, &whole, ts_ns, why);
        }
        break;
    }
    case DECODE_OTHER:
        e->counts.other++;
        if (p->ip_proto == IPPROTO_UDP) {
            e->counts.udp++;
            if (p->sport == 443 || p->dport == 443) /* HTTP/3's port (RFC 9114 §3.1), over QUIC */
                e->counts.quic++;
        }
        break;
    case DECODE_ERROR:
        e->counts.errors++;
        frame_error(e, ts_ns, e->counts.frames, why);
        break;
    }
}

/* Every figure pushviz shows is the difference of two frames' times, so
 * a capture must be in time order.  A file that is not (two captures
 * joined end to end by `mergecap -a`, a clock stepped back during a live
 * capture) still reads, but times, RTTs and latencies measured across the
 * step are wrong: negative, or too long.  So the first step back is said,
 * once, as an `error` item.  Smaller steps than TIME_BACK_TOLERANCE_NS are
 * not: a capture on several interfaces or processors at once (`-i any`)
 * stamps frames microseconds out of order, below what pushviz shows. */
#define TIME_BACK_TOLERANCE_NS 1000000

static void check_time_order(struct engine *e, int64_t ts_ns)
{
    if (e->time_back_said || ts_ns >= e->last_ns - TIME_BACK_TOLERANCE_NS)
        return;
    e->time_back_said = true;
    char what[160];
    snprintf(what, sizeof what,
             "capture time goes back %.6f s at this frame: the file is not in time order (reordercap "
             "sorts it), so times measured across it are wrong",
             (double)(e->last_ns - ts_ns) / 1e9);
    frame_error(e, ts_ns, e->counts.frames, what);
}

/* What every frame counts for, decoded or not. */
static void count_frame(struct engine *e, int64_t ts_ns, uint32_t caplen, uint32_t wirelen)
{
    e->counts.frames++;
    if (!e->t0_set) {
        e->emitter.t0_ns = ts_ns;
        e->t0_set = true;
    } else {
        check_time_order(e, ts_ns);
    }
    e->last_ns = ts_ns;
    if (caplen < wirelen)
        e->counts.truncated++;
    ipfrag_expire(e->ipfrag, ts_ns);
}

void engine_frame(struct engine *e, int dlt, int64_t ts_ns, const uint8_t *bytes, uint32_t caplen,
                  uint32_t wirelen)
{
    count_frame(e, ts_ns, caplen, wirelen);
    struct packet p;
    const char *why;
    enum decode_status st = decode_packet(dlt, bytes, caplen, wirelen, &p, &why);
    handle(e, st, &p, ts_ns, why);
}

/* A frame two ahead of the one being handled is at hand (a file being
 * read): it is decoded now, so that the flow table can start fetching the
 * memory its packet will need (flows_prefetch), and the decoded frame is
 * kept for its turn, two calls later.
 *
 * Why the kept decode is still that frame's: the capture hands c->ahead
 * only when the frame is whole in its read buffer, and then the buffer is
 * not refilled (nor its bytes moved) before that frame's turn, so the
 * frame handled two calls later at the same address with the same length
 * is this one.  That holds when every frame read is handled: with a
 * capture filter (-f) frames are skipped unseen, so nothing is kept; and
 * a call without c->ahead (near a refill, or libpcap reading) empties
 * every slot.  The kept decode was made with the captured length as the
 * wire length, so it is used only for a frame that was not cut. */
static void decode_ahead(struct engine *e, const struct capture *c)
{
    if (!c->ahead || c->filtered)
        for (int i = 0; i < 3; i++)
            e->ahead[i].bytes = NULL;
    if (!c->ahead)
        return;
    struct predecoded *a = &e->ahead[(e->handled + 2) % 3];
    a->st = decode_packet(c->dlt, c->ahead, c->ahead_caplen, c->ahead_caplen, &a->p, &a->why);
    if (a->st == DECODE_TCP)
        flows_prefetch(e->flows, &a->p);
    a->bytes = c->filtered ? NULL : c->ahead; /* filtered: used for the prefetch only */
    a->caplen = c->ahead_caplen;
}

void engine_capture_handler(void *ctx, const struct capture *c, const struct pcap_pkthdr *h,
                            const uint8_t *bytes)
{
    struct engine *e = ctx;
    decode_ahead(e, c);
    struct predecoded *mine = &e->ahead[e->handled++ % 3];
    /* With nanosecond precision libpcap puts nanoseconds in tv_usec. */
    int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec * (c->nano ? 1 : 1000);
    if (mine->bytes == bytes && mine->caplen == h->caplen && h->caplen == h->len) {
        count_frame(e, ts, h->caplen, h->len);
        handle(e, mine->st, &mine->p, ts, mine->why);
    } else {
        engine_frame(e, c->dlt, ts, bytes, h->caplen, h->len);
    }
    mine->bytes = NULL;
}

void engine_input_error(struct engine *e, const char *what)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_ERROR, 0, DIR_NONE, e->last_ns);
    item_add_str(it, "what", what);
    emit_item(&e->emitter, it);
}

void engine_capture_stats(struct engine *e, const struct capture_stats *st)
{
    struct item_builder b;
    struct item *it = item_start(&b, ITEM_CAPTURE_STATS, 0, DIR_NONE, e->last_ns);
    item_add_int(it, "received", (int64_t)st->received);
    item_add_int(it, "dropped", (int64_t)st->dropped);
    item_add_int(it, "if_dropped", (int64_t)st->if_dropped);
    emit_item(&e->emitter, it);
}

void engine_settle(struct engine *e, int64_t settled_ns)
{
    if (settled_ns <= e->last_ns)
        return; /* every frame so far has decided as much */
    ipfrag_expire(e->ipfrag, settled_ns);
    flows_settle(e->flows, settled_ns);
}

void engine_finish(struct engine *e)
{
    ipfrag_finish(e->ipfrag);
    flows_finish(e->flows);
}

/* An application reached over HTTP/3 sends its push in QUIC (UDP, most
 * often port 443): its connections would be missing from every table,
 * with nothing to say why. */
bool engine_passed_over(const struct engine *e, char *out, size_t cap)
{
    const struct engine_counts *c = &e->counts;
    if (!c->other)
        return false;
    snprintf(out, cap,
             "not TCP, passed over: %llu of %llu frames (UDP %llu, of which %llu to or from port 443: "
             "QUIC, the encrypted transport of HTTP/3, which pushviz does not read)",
             (unsigned long long)c->other, (unsigned long long)c->frames, (unsigned long long)c->udp,
             (unsigned long long)c->quic);
    return true;
}

const struct engine_counts *engine_counts(const struct engine *e)
{
    return &e->counts;
}

const char *engine_flow_technique(const struct engine *e, unsigned flow)
{
    return flows_technique(e->flows, flow);
}

bool engine_flow_endpoints(const struct engine *e, unsigned flow, const char **client, const char **server)
{
    return flows_endpoints(e->flows, flow, client, server);
}

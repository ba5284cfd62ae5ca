/* reasm.c -- TCP stream reassembly for an observer (RFC 9293 §3.4, §3.10.7.4).
 *
 * A receiver's TCP can ask for a retransmission; a packet capture cannot.
 * So besides ordering segments this code must decide when a hole will never
 * be filled: when the peer acknowledges bytes past it (they were delivered,
 * we just did not see them), when the segment was cut by the snaplen, when
 * holding bytes beyond it would exceed a memory cap, and at the end of the
 * capture.  Each such decision is a "gap" the dissectors are told about, so
 * they can report it and re-synchronise.
 *
 * Stream offsets are 64-bit and count from the first payload byte, so a
 * stream longer than 4 GiB (a sequence-number wrap) keeps counting.
 */
#include "flows/reasm.h"

#include <stdlib.h>
#include <string.h>

struct reasm_seg {
    uint32_t seq;           /* sequence number of data[0] */
    uint32_t len;           /* bytes on the wire */
    uint32_t caplen;        /* bytes captured (data holds these) */
    bool fin;               /* carried the FIN */
    int64_t ts_ns;          /* when it was captured */
    struct reasm_seg *next; /* next held segment, by sequence */
    uint8_t data[];
};

void reasm_init(struct reasm *r, uint32_t flow_cap, struct reasm_budget *budget)
{
    memset(r, 0, sizeof *r);
    r->flow_cap = flow_cap;
    r->budget = budget;
}

void reasm_start(struct reasm *r, uint32_t seq)
{
    r->started = true;
    r->next = seq;
}

static void drop_seg(struct reasm *r, struct reasm_seg *s)
{
    r->held_bytes -= s->caplen;
    r->budget->held -= s->caplen;
    free(s);
}

void reasm_free(struct reasm *r)
{
    while (r->held) {
        struct reasm_seg *s = r->held;
        r->held = s->next;
        drop_seg(r, s);
    }
}

uint64_t reasm_offset(const struct reasm *r, uint32_t seq)
{
    int64_t off = (int64_t)r->next_offset + (int32_t)(seq - r->next);
    return off < 0 ? 0 : (uint64_t)off;
}

/* Deliver a segment that starts at or before next: the part after next. */
static void deliver(struct reasm *r, uint32_t seq, const uint8_t *data, uint32_t caplen, uint32_t len,
                    bool fin, int64_t ts_ns, const struct reasm_out *out)
{
    uint32_t skip = r->next - seq; /* bytes already delivered */
    if (skip < len) {
        if (skip < caplen && out->data)
            out->data(out->ctx, data + skip, caplen - skip, r->next_offset, ts_ns);
        uint32_t got = skip < caplen ? caplen - skip : 0;
        uint32_t missing = len - skip - got;
        if (missing && out->gap)
            out->gap(out->ctx, missing, r->next_offset + got, GAP_SNAPLEN, ts_ns);
        r->next += len - skip;
        r->next_offset += len - skip;
    }
    if (fin && seq + len == r->next && !r->fin) {
        r->fin = true;
        r->next += 1; /* the FIN takes one sequence number, no stream byte */
    }
}

/* Deliver held segments that the stream has reached: at ts_ns, when the
 * packet that filled the hole before them did, or (own_times, a hole given
 * up on) each at its own time (reasm_out). */
static void drain(struct reasm *r, int64_t ts_ns, bool own_times, const struct reasm_out *out)
{
    while (r->held && seq_le(r->held->seq, r->next)) {
        struct reasm_seg *s = r->held;
        r->held = s->next;
        if (seq_lt(r->next, s->seq + s->len) || (s->fin && !r->fin))
            deliver(r, s->seq, s->data, s->caplen, s->len, s->fin, own_times ? s->ts_ns : ts_ns, out);
        drop_seg(r, s);
    }
}

/* Give up on the hole before the first held segment (or up to seq when
 * nothing is held, learnt at ts_ns): report it and move on. */
static void skip_hole(struct reasm *r, uint32_t to, enum reasm_gap_reason why, int64_t ts_ns,
                      const struct reasm_out *out)
{
    if (!seq_lt(r->next, to))
        return;
    uint32_t n = to - r->next;
    if (out->gap)
        out->gap(out->ctx, n, r->next_offset, why, r->held && r->held->seq == to ? r->held->ts_ns : ts_ns);
    r->next = to;
    r->next_offset += n;
    drain(r, ts_ns, true, out);
}

static void hold(struct reasm *r, uint32_t seq, const uint8_t *data, uint32_t caplen, uint32_t len,
                 bool fin, int64_t ts_ns, const struct reasm_out *out)
{
    /* Over a cap: the oldest hole will not be filled in time; give it up. */
    while (r->held && ((uint64_t)r->held_bytes + caplen > r->flow_cap || r->budget->held + caplen > r->budget->cap))
        skip_hole(r, r->held->seq, GAP_MEMORY, ts_ns, out);
    if (!seq_lt(r->next, seq)) { /* giving up reached this segment: it is in order now */
        deliver(r, seq, data, caplen, len, fin, ts_ns, out);
        drain(r, ts_ns, true, out);
        return;
    }
    if ((uint64_t)r->held_bytes + caplen > r->flow_cap || r->budget->held + caplen > r->budget->cap) {
        skip_hole(r, seq, GAP_MEMORY, ts_ns, out);
        deliver(r, seq, data, caplen, len, fin, ts_ns, out);
        return;
    }
    struct reasm_seg *s = malloc(sizeof *s + caplen);
    if (!s) {
        skip_hole(r, seq, GAP_MEMORY, ts_ns, out);
        deliver(r, seq, data, caplen, len, fin, ts_ns, out);
        return;
    }
    s->seq = seq;
    s->len = len;
    s->caplen = caplen;
    s->fin = fin;
    s->ts_ns = ts_ns;
    memcpy(s->data, data, caplen);
    struct reasm_seg **pp = &r->held;
    while (*pp && seq_le((*pp)->seq, seq))
        pp = &(*pp)->next;
    s->next = *pp;
    *pp = s;
    r->held_bytes += caplen;
    r->budget->held += caplen;
}

void reasm_add(struct reasm *r, uint32_t seq, const uint8_t *data, uint32_t caplen, uint32_t len,
               bool fin, int64_t ts_ns, const struct reasm_out *out)
{
    if (!r->started)
        reasm_start(r, seq);
    if (len == 0 && !fin)
        return;
    if (seq_lt(r->next, seq)) {
        hold(r, seq, data, caplen, len, fin, ts_ns, out);
        return;
    }
    deliver(r, seq, data, caplen, len, fin, ts_ns, out);
    drain(r, ts_ns, false, out); /* a hole this segment filled: the reader has them now */
}

void reasm_acked(struct reasm *r, uint32_t seq, int64_t ts_ns, const struct reasm_out *out)
{
    if (!r->started)
        return;
    while (seq_lt(r->next, seq)) {
        uint32_t to = r->held && seq_lt(r->held->seq, seq) ? r->held->seq : seq;
        if (!seq_lt(r->next, to))
            break;
        skip_hole(r, to, GAP_NOT_CAPTURED, ts_ns, out); /* also delivers what became in order */
    }
}

void reasm_flush(struct reasm *r, enum reasm_gap_reason why, const struct reasm_out *out)
{
    while (r->held)
        skip_hole(r, r->held->seq, why, r->held->ts_ns, out);
}

const char *reasm_gap_text(enum reasm_gap_reason why)
{
    switch (why) {
    case GAP_NOT_CAPTURED:
        return "bytes not captured (the peer acknowledged them)";
    case GAP_SNAPLEN:
        return "bytes cut by the snaplen";
    case GAP_MEMORY:
        return "reassembly memory cap reached: a hole was given up on";
    case GAP_END:
        return "capture ended before these bytes arrived";
    case GAP_CLOSED:
        return "bytes not seen before the connection ended";
    }
    return "bytes missing";
}

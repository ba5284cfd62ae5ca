/* reasm.h -- TCP reassembly of one direction of a connection: bytes in
 * sequence order, whatever order the segments were captured in.
 */
#ifndef VIZ_REASM_H
#define VIZ_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why bytes were skipped. */
enum reasm_gap_reason {
    GAP_NOT_CAPTURED, /* the peer acknowledged bytes that were never captured */
    GAP_SNAPLEN,      /* the segment was cut short by the snaplen */
    GAP_MEMORY,       /* a memory cap was hit: the hole is given up on */
    GAP_END,          /* the capture ended with a hole still open */
    GAP_CLOSED        /* the connection ended (its FINs, a RST) with a hole still open */
};

/* What a gap's reason means, in words for an `error` item (static). */
const char *reasm_gap_text(enum reasm_gap_reason why);

/* Where reassembled bytes go.  data is borrowed for the call.  ts_ns is
 * when the bytes reached their reader, as far as the capture tells: when
 * the packet that put them in order was captured -- except bytes held
 * past a hole that is given up on (the peer acknowledged bytes the capture
 * missed, the capture ended, memory ran short): the reader had the missing
 * bytes, so it had these when they came, and they carry their own
 * segment's time, and a gap the time of the bytes after it. */
struct reasm_out {
    void (*data)(void *ctx, const uint8_t *data, size_t len, uint64_t offset, int64_t ts_ns);
    void (*gap)(void *ctx, uint64_t len, uint64_t offset, enum reasm_gap_reason why, int64_t ts_ns);
    void *ctx;
};

/* Held bytes of every direction together, against VIZ_REASM_GLOBAL_CAP. */
struct reasm_budget {
    size_t held; /* bytes held now, in all flows */
    size_t cap;  /* the global cap */
};

struct reasm_seg; /* a held segment (private) */

/* Ordered so that it packs tight: every open flow has two. */
struct reasm {
    bool started;             /* next is known */
    bool fin;                 /* the FIN was reached */
    uint32_t next;            /* sequence number of the next byte to deliver */
    uint64_t next_offset;     /* its stream offset (0 = first payload byte) */
    struct reasm_seg *held;   /* segments beyond a hole, sorted by sequence */
    uint32_t held_bytes;      /* their captured bytes */
    uint32_t flow_cap;        /* cap on held_bytes */
    struct reasm_budget *budget; /* shared cap (borrowed) */
};

/* flow_cap is at most UINT32_MAX. */
void reasm_init(struct reasm *r, uint32_t flow_cap, struct reasm_budget *budget);
/* The stream's first payload byte has sequence number seq (SYN's seq + 1). */
void reasm_start(struct reasm *r, uint32_t seq);
/* Free held segments (delivering nothing). */
void reasm_free(struct reasm *r);


/* The stream offset of sequence number seq (which may be before next). */
uint64_t reasm_offset(const struct reasm *r, uint32_t seq);

/* Add a segment captured at ts_ns: len bytes on the wire at seq, of which
 * data[0..caplen) were captured, with its FIN flag.  Delivers whatever
 * became in order. */
void reasm_add(struct reasm *r, uint32_t seq, const uint8_t *data, uint32_t caplen, uint32_t len,
               bool fin, int64_t ts_ns, const struct reasm_out *out);

/* The peer acknowledged everything before seq, in a packet captured at
 * ts_ns: bytes not seen by then were lost to the capture; skip them (a
 * gap) and deliver what is held. */
void reasm_acked(struct reasm *r, uint32_t seq, int64_t ts_ns, const struct reasm_out *out);

/* The capture is over (GAP_END), or the connection (GAP_CLOSED): deliver
 * what is held, with gaps for the holes. */
void reasm_flush(struct reasm *r, enum reasm_gap_reason why, const struct reasm_out *out);

/* Sequence arithmetic modulo 2^32 (RFC 9293 §3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

#endif

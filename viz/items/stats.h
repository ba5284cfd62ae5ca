/* stats.h -- the per-technique table of --stats, built from items alone. */
#ifndef VIZ_STATS_H
#define VIZ_STATS_H

#include <stdio.h>

#include "items/item.h"

struct stats;

/* NULL when out of memory. */
struct stats *stats_new(void);
void stats_free(struct stats *s);
/* Account for one item (feed every item, in order). */
void stats_item(struct stats *s, const struct item *it);
/* What an item costs beyond its payload: the bytes of an HTTP head
 * (*head_bytes), or the framing around a payload (*framing_bytes: chunk
 * size line, frame header, part headers, SSE field names, Flash NUL); 0
 * for the other kinds of item.  The UI's per-flow overhead share uses it too. */
void stats_overhead(const struct item *it, uint64_t *head_bytes, uint64_t *framing_bytes);

/* One row of the table. */
struct stats_row {
    const char *technique;     /* "poll", "ws"... */
    unsigned flows;
    uint64_t requests;         /* HTTP requests */
    uint64_t events;           /* pushlab events delivered (server to client) */
    double header_per_event;   /* HTTP head bytes (both ways) per event, or -1 without events */
    double framing_per_event;  /* chunk lines, part headers, frame headers, SSE fields, NULs per event, or -1 */
    bool has_latency;          /* events were delivered, so the two latencies mean something */
    double latency_mean_ms;    /* delivery latency (below 0 only when clocks disagree); -1 without events */
    double latency_p99_ms;
    double handshake_mean_ms;  /* TCP handshake RTT, or -1 */
    uint64_t messages[2];      /* message items by direction (enum item_dir): whole bodies,
                                * chunks, parts, SSE events, WebSocket data messages, Flash messages */
    uint64_t message_bytes[2]; /* their decoded bytes (inflated for compressed WebSocket) */
    uint64_t heartbeat_bytes;  /* SSE comment and retry: blocks */
    uint64_t deflate_wire;     /* compressed WebSocket payload bytes on the wire (both ways) */
    uint64_t deflate_inflated; /* ...and what they inflated to */
};

/* Row i (0-based) of the techniques seen so far; false past the last. */
bool stats_row(struct stats *s, unsigned i, struct stats_row *row);

/* The messages of the push libraries (`message` items), by library and
 * frame or packet type, in order of first appearance. */
struct stats_library_row {
    const char *library;       /* "sockjs", "engine.io", "socket.io" */
    const char *frame;         /* "array", "ping", "event"... */
    bool heartbeat;            /* a keep-alive frame (SockJS h, Engine.IO ping/pong), not data */
    uint64_t messages[2];      /* by direction (enum item_dir) */
    uint64_t bytes[2];         /* their text's bytes, as the frame carries it */
};

/* Row i (0-based) of the library messages seen so far; false past the last. */
bool stats_library_row(struct stats *s, unsigned i, struct stats_library_row *row);

/* The tables as text: costs per technique, then messages and savings,
 * then the libraries' messages (when there were any). */
void stats_print(struct stats *s, FILE *out);

#endif

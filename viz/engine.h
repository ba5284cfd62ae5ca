/* engine.h -- pushviz's engine: captured frames in, items out.
 *
 * This is the whole analysis behind every front end: --json, --dump,
 * --stats and the ncurses UI all create an engine, feed it the frames a
 * capture hands them, and render the items it emits.
 *
 *   struct engine *e = engine_new(my_sink, my_ctx);
 *   capture_dispatch(&cap, 0, engine_capture_handler, e, err, sizeof err);
 *   ...
 *   engine_finish(e);   // end of input: open flows get their `flow` items
 *   engine_free(e);
 *
 * engine.c is one of viz/'s three top files: it calls capture/, flows/ and
 * items/, and ui/ and pushviz.c call it (docs/design.md, "Which folder may
 * include which").
 */
#ifndef VIZ_ENGINE_H
#define VIZ_ENGINE_H

#include "capture/capture.h"
#include "items/item.h"

/* Frame counters, for status lines. */
struct engine_counts {
    uint64_t frames;    /* frames seen */
    uint64_t tcp;       /* of which TCP segments */
    uint64_t other;     /* valid, but not TCP: passed over */
    uint64_t udp;       /* of which UDP datagrams */
    uint64_t quic;      /* of which to or from UDP port 443: QUIC (HTTP/3), encrypted */
    uint64_t fragments; /* IP fragments (their datagrams, once whole, count as tcp or other) */
    uint64_t errors;    /* frames that could not be decoded */
    uint64_t truncated; /* frames cut short by the snaplen */
    uint64_t items;     /* items emitted */
};

struct engine;

/* The frames that are not TCP, which pushviz passes over, in a sentence
 * for --stats and the stats screen ("not TCP, passed over: 5 of 19
 * frames (UDP 4, of which 3 ...: QUIC ...)"): false, and nothing
 * written, when there were none. */
bool engine_passed_over(const struct engine *e, char *out, size_t cap);

/* NULL when out of memory.  Items go to sink(ctx, item). */
struct engine *engine_new(item_sink sink, void *ctx);
void engine_free(struct engine *e);
/* Send items somewhere else from now on (the UI takes them over). */
void engine_set_sink(struct engine *e, item_sink sink, void *ctx);

/* One captured frame of link type dlt; ts_ns is its capture time. */
void engine_frame(struct engine *e, int dlt, int64_t ts_ns, const uint8_t *bytes, uint32_t caplen,
                  uint32_t wirelen);
/* A capture_handler that calls engine_frame (ctx is the engine). */
void engine_capture_handler(void *ctx, const struct capture *c, const struct pcap_pkthdr *h,
                            const uint8_t *bytes);
/* A problem with the input itself (a truncated file...): an `error` item
 * of flow 0. */
void engine_input_error(struct engine *e, const char *what);
/* A live capture's kernel counts: a `capture_stats` item of flow 0. */
void engine_capture_stats(struct engine *e, const struct capture_stats *st);

/* No frame captured before settled_ns is still to come (a live capture
 * gone quiet: capture_settled_ns).  What waits for capture time to pass
 * -- a reset flow's wait, a lone GET's flow item, an IP datagram missing
 * pieces -- is decided now, as the next frame would decide it, instead
 * of waiting for one that may not come. */
void engine_settle(struct engine *e, int64_t settled_ns);
/* The input ended. */
void engine_finish(struct engine *e);

const struct engine_counts *engine_counts(const struct engine *e);

/* The technique an open flow shows so far, or NULL (see flows_technique). */
const char *engine_flow_technique(const struct engine *e, unsigned flow);
/* An open flow's client and server "ip:port" (see flows_endpoints). */
bool engine_flow_endpoints(const struct engine *e, unsigned flow, const char **client, const char **server);

#endif

/* flows.h -- the TCP connection table: segments in, `tcp` and `flow` items
 * out, and each connection's reassembled bytes handed to its dissector.
 *
 * The flows/ folder owns connections: this table with its RTTs (flows.c)
 * and TCP reassembly (reasm.c).  It may call dissect/, classify/, items/
 * and capture/ (for the decoded packet); only the engine calls it
 * (docs/design.md, "Which folder may include which").
 */
#ifndef VIZ_FLOWS_H
#define VIZ_FLOWS_H

#include "capture/decode.h"
#include "items/emitter.h"

struct flows;

/* NULL when out of memory.  The emitter is borrowed for the table's life. */
struct flows *flows_new(const struct emitter *e);
void flows_free(struct flows *ft);

/* One TCP segment, in capture order. */
void flows_packet(struct flows *ft, const struct packet *pkt);

/* The segment after the one flows_packet gets next, when the caller can
 * look ahead (a file), before each flows_packet: memory those packets will
 * need is fetched into the cache while this one is followed.  Only a hint:
 * it changes nothing, and a wrong or missing one costs only time. */
void flows_prefetch(struct flows *ft, const struct packet *after_next);

/* Capture time has reached settled_ns with no packet (engine_settle):
 * reset flows whose wait is over, and held flow items that waited long
 * enough, are reported. */
void flows_settle(struct flows *ft, int64_t settled_ns);

/* The input ended: finish every open flow (held bytes delivered with gaps,
 * a `flow` item each, in flow order). */
void flows_finish(struct flows *ft);

/* The "ip:port" texts of flow `id`'s client and server (borrowed until
 * the next call or packet), or false once it has been forgotten. */
bool flows_endpoints(struct flows *ft, unsigned id, const char **client, const char **server);

/* What flow `id` looks like so far (a technique name, as its `flow` item
 * will say), or NULL once it has ended or been forgotten.  The live UI
 * shows it before the flow's end. */
const char *flows_technique(const struct flows *ft, unsigned id);

#endif

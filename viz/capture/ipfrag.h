/* ipfrag.h -- IPv4 and IPv6 fragments put back together into datagrams.
 *
 *   struct ipfrag *f = ipfrag_new(report, ctx);
 *   // for every DECODE_FRAGMENT packet:
 *   size_t len;
 *   const uint8_t *ip = ipfrag_add(f, &pkt, &len);
 *   if (ip) decode_packet(DLT_RAW, ip, len, len, ...);  // the whole datagram
 *   // as capture time goes on, and at the end:
 *   ipfrag_expire(f, now_ns);  ipfrag_finish(f);
 *
 * Every fragment that cannot be used -- overlapping others, past 64 KiB,
 * never completed in time, pushed out by the memory bound -- is told to
 * report(ctx, ts_ns, frame, what), once per datagram, so that a request
 * carried in fragments never simply vanishes from the output.
 */
#ifndef VIZ_IPFRAG_H
#define VIZ_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"

/* A datagram's fragments could not be used: what (valid during the call)
 * says why; frame is the frame number of the fragment that decided it. */
typedef void ipfrag_report(void *ctx, int64_t ts_ns, uint64_t frame, const char *what);

struct ipfrag;

/* NULL when out of memory. */
struct ipfrag *ipfrag_new(ipfrag_report *report, void *ctx);
/* Frees everything, reporting nothing. */
void ipfrag_free(struct ipfrag *f);

/* Add a fragment (pkt as decode_packet returned it with DECODE_FRAGMENT,
 * ts_ns and frame set).  When it completes its datagram, returns the
 * datagram as one raw IP packet -- a plain IPv4 or IPv6 header without
 * fragmentation, then the reassembled payload -- of *len bytes, valid
 * until the next call; otherwise NULL. */
const uint8_t *ipfrag_add(struct ipfrag *f, const struct packet *pkt, size_t *len);

/* Report and drop datagrams older than VIZ_IPFRAG_TIMEOUT_S at capture
 * time now_ns.  Cheap when nothing is due: call it for every frame. */
void ipfrag_expire(struct ipfrag *f, int64_t now_ns);

/* The input ended: report and drop every incomplete datagram. */
void ipfrag_finish(struct ipfrag *f);

#endif

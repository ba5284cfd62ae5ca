/* ipfrag.c -- IP fragment reassembly, bounded in memory and in time
 * (see ipfrag.h).
 *
 * A datagram too big for a link is cut into fragments: by any router on
 * the way for IPv4 (RFC 791 §3.2, unless DF is set), only by its sender
 * for IPv6 (RFC 8200 §4.5).  Each fragment carries the datagram's
 * identification, the offset of its data in 8-byte units, and a "more
 * fragments" flag that is clear on the last one.  The datagram is known by
 * (source, destination, protocol, identification); it is complete when the
 * last fragment has told its length and every byte before it has come.
 *
 * What is received is kept as a bitmap of 8-byte blocks, the unit of
 * fragment offsets, so holes and overlaps are found without lists.
 * Overlapping fragments are how attacks slip past an observer that
 * reassembles differently from the receiver (RFC 5722 makes IPv6
 * receivers drop such datagrams): any overlap is reported, and one whose
 * bytes disagree drops the datagram, since no answer to "which bytes did
 * the receiver see?" can be trusted.
 *
 * Bounds: VIZ_IPFRAG_DATAGRAMS datagrams at once (the oldest gives way to
 * a new one), VIZ_IPFRAG_BYTES of data in all, and VIZ_IPFRAG_TIMEOUT_S of
 * capture time per datagram, as Linux's ipfrag_time.  Each loss is
 * reported once.
 *
 * Left out on purpose: the IPv6 "unfragmentable part" (hop-by-hop and
 * routing headers before the fragment header) is not carried into the
 * rebuilt packet, which has only a fixed header: nothing after it needs
 * them.  The IPv4 header is rebuilt without options for the same reason.
 */
#include "capture/ipfrag.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pushlab.h"

#define IP_MAX_PAYLOAD 65535          /* the most a 16-bit length field can say */
#define BLOCKS ((IP_MAX_PAYLOAD + 7) / 8)

/* One datagram being put together. */
struct datagram {
    bool used;                 /* this slot holds a datagram */
    uint8_t family;            /* 4 or 6 */
    uint8_t proto;             /* the protocol it carries */
    uint8_t src[16], dst[16];  /* addresses (IPv4 in the first 4 bytes) */
    uint32_t id;               /* identification */
    int64_t first_ns;          /* capture time of its first fragment */
    uint8_t *data;             /* the payload so far (owned), cap bytes */
    size_t cap;
    size_t total;              /* payload length, once the last fragment came (0: not yet) */
    size_t max_end;            /* the furthest byte any fragment reached */
    size_t blocks_have;        /* 8-byte blocks received */
    uint8_t have[(BLOCKS + 7) / 8]; /* which blocks */
};

struct ipfrag {
    ipfrag_report *report;     /* where losses go */
    void *ctx;
    struct datagram slot[VIZ_IPFRAG_DATAGRAMS];
    size_t bytes;              /* data bytes allocated in all slots */
    int64_t next_expiry_ns;    /* the earliest first_ns + timeout (INT64_MAX: none) */
    uint8_t out[40 + IP_MAX_PAYLOAD]; /* the datagram handed out by ipfrag_add */
};

static const int64_t TIMEOUT_NS = (int64_t)VIZ_IPFRAG_TIMEOUT_S * 1000000000;

struct ipfrag *ipfrag_new(ipfrag_report *report, void *ctx)
{
    struct ipfrag *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->report = report;
    f->ctx = ctx;
    f->next_expiry_ns = INT64_MAX;
    return f;
}

static void drop(struct ipfrag *f, struct datagram *d)
{
    free(d->data);
    f->bytes -= d->cap;
    memset(d, 0, sizeof *d);
}

void ipfrag_free(struct ipfrag *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < VIZ_IPFRAG_DATAGRAMS; i++)
        free(f->slot[i].data);
    free(f);
}

/* Report why datagram d is lost ("... datagram 0x1234 from A to B ..."),
 * then drop it. */
static void lose(struct ipfrag *f, struct datagram *d, int64_t ts_ns, uint64_t frame,
                 const char *why)
{
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], what[320];
    int af = d->family == 6 ? AF_INET6 : AF_INET;
    inet_ntop(af, d->src, src, sizeof src);
    inet_ntop(af, d->dst, dst, sizeof dst);
    size_t got = 0;
    for (size_t b = 0; b < BLOCKS; b++)
        got += (d->have[b / 8] >> (b % 8)) & 1;
    snprintf(what, sizeof what, "IPv%u fragments of datagram 0x%x from %s to %s %s (%zu of %s bytes "
             "came): not reassembled", d->family, d->id, src, dst, why, got * 8,
             d->total ? "its" : "unknown");
    f->report(f->ctx, ts_ns, frame, what);
    drop(f, d);
}

/* ------------------------------------------------------------ time */

static void update_expiry(struct ipfrag *f)
{
    f->next_expiry_ns = INT64_MAX;
    for (size_t i = 0; i < VIZ_IPFRAG_DATAGRAMS; i++)
        if (f->slot[i].used && f->slot[i].first_ns + TIMEOUT_NS < f->next_expiry_ns)
            f->next_expiry_ns = f->slot[i].first_ns + TIMEOUT_NS;
}

void ipfrag_expire(struct ipfrag *f, int64_t now_ns)
{
    if (now_ns < f->next_expiry_ns)
        return;
    char why[64];
    snprintf(why, sizeof why, "incomplete after %d s", VIZ_IPFRAG_TIMEOUT_S);
    for (size_t i = 0; i < VIZ_IPFRAG_DATAGRAMS; i++) {
        struct datagram *d = &f->slot[i];
        if (d->used && now_ns - d->first_ns >= TIMEOUT_NS)
            lose(f, d, now_ns, 0, why);
    }
    update_expiry(f);
}

void ipfrag_finish(struct ipfrag *f)
{
    for (size_t i = 0; i < VIZ_IPFRAG_DATAGRAMS; i++)
        if (f->slot[i].used)
            lose(f, &f->slot[i], f->slot[i].first_ns, 0, "incomplete at the end of the capture");
    f->next_expiry_ns = INT64_MAX;
}

/* ------------------------------------------------------------ adding */

static bool same_datagram(const struct datagram *d, const struct packet *p)
{
    return d->used && d->id == p->frag.id && d->proto == p->frag.proto &&
           d->family == p->src.family && memcmp(d->src, p->src.bytes, 16) == 0 &&
           memcmp(d->dst, p->dst.bytes, 16) == 0;
}

/* The slot of pkt's datagram: found, or a new one (the oldest datagram
 * gives way when all are taken). */
static struct datagram *find_or_start(struct ipfrag *f, const struct packet *p)
{
    struct datagram *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < VIZ_IPFRAG_DATAGRAMS; i++) {
        struct datagram *d = &f->slot[i];
        if (same_datagram(d, p))
            return d;
        if (!d->used && !free_slot)
            free_slot = d;
        if (d->used && (!oldest || d->first_ns < oldest->first_ns))
            oldest = d;
    }
    if (!free_slot) {
        char why[80];
        snprintf(why, sizeof why, "pushed out by newer ones (%d at most at once)",
                 VIZ_IPFRAG_DATAGRAMS);
        lose(f, oldest, p->ts_ns, p->frame, why);
        free_slot = oldest;
    }
    struct datagram *d = free_slot;
    d->used = true;
    d->family = p->src.family;
    d->proto = p->frag.proto;
    memcpy(d->src, p->src.bytes, 16);
    memcpy(d->dst, p->dst.bytes, 16);
    d->id = p->frag.id;
    d->first_ns = p->ts_ns;
    if (p->ts_ns + TIMEOUT_NS < f->next_expiry_ns)
        f->next_expiry_ns = p->ts_ns + TIMEOUT_NS;
    return d;
}

static bool has_block(const struct datagram *d, size_t b) { return (d->have[b / 8] >> (b % 8)) & 1; }

/* Build the whole datagram into f->out: a fixed header, then the payload. */
static const uint8_t *rebuild(struct ipfrag *f, const struct datagram *d, size_t *len)
{
    uint8_t *o = f->out;
    size_t hdr;
    if (d->family == 4) {
        hdr = 20;
        size_t total = hdr + d->total;
        uint8_t h[20] = {0x45, 0, (uint8_t)(total >> 8), (uint8_t)total, (uint8_t)(d->id >> 8),
                         (uint8_t)d->id, 0, 0, 64, d->proto, 0, 0};
        memcpy(h + 12, d->src, 4);
        memcpy(h + 16, d->dst, 4);
        memcpy(o, h, hdr);
    } else {
        hdr = 40;
        uint8_t h[40] = {0x60, 0, 0, 0, (uint8_t)(d->total >> 8), (uint8_t)d->total, d->proto, 64};
        memcpy(h + 8, d->src, 16);
        memcpy(h + 24, d->dst, 16);
        memcpy(o, h, hdr);
    }
    memcpy(o + hdr, d->data, d->total);
    *len = hdr + d->total;
    return o;
}

const uint8_t *ipfrag_add(struct ipfrag *f, const struct packet *p, size_t *len)
{
    ipfrag_expire(f, p->ts_ns);
    struct datagram *d = find_or_start(f, p);
    size_t off = p->frag.offset, n = p->payload_len, end = off + n;
    /* The whole datagram must still fit a 16-bit length with its header. */
    size_t max = IP_MAX_PAYLOAD - (d->family == 4 ? 20 : 0);
    if (end > max) {
        lose(f, d, p->ts_ns, p->frame, "reaching past 65535 bytes");
        return NULL;
    }
    if (p->frag.more && (n == 0 || n % 8 != 0)) {
        lose(f, d, p->ts_ns, p->frame, "with a fragment (not the last) whose length is not a "
                                       "multiple of 8");
        return NULL;
    }
    if (!p->frag.more) {
        if ((d->total && d->total != end) || end == 0) {
            lose(f, d, p->ts_ns, p->frame, "with two different last fragments");
            return NULL;
        }
        d->total = end;
    }
    if (end > d->max_end)
        d->max_end = end;
    if (d->total && d->max_end > d->total) {
        lose(f, d, p->ts_ns, p->frame, "with a fragment past the last one");
        return NULL;
    }
    if (end > d->cap) {
        size_t cap = d->cap ? d->cap : 2048;
        while (cap < end)
            cap *= 2;
        if (cap > IP_MAX_PAYLOAD)
            cap = IP_MAX_PAYLOAD;
        uint8_t *grown = f->bytes + (cap - d->cap) <= VIZ_IPFRAG_BYTES ? realloc(d->data, cap) : NULL;
        if (!grown) {
            lose(f, d, p->ts_ns, p->frame, "over the memory bound for fragments");
            return NULL;
        }
        memset(grown + d->cap, 0, cap - d->cap);
        f->bytes += cap - d->cap;
        d->data = grown;
        d->cap = cap;
    }
    /* Overlaps: blocks already here must hold the same bytes. */
    bool overlap = false;
    for (size_t b = off / 8; b * 8 < end; b++) {
        if (!has_block(d, b))
            continue;
        overlap = true;
        size_t from = b * 8, to = from + 8 < end ? from + 8 : end;
        if (memcmp(d->data + from, p->payload + (from - off), to - from) != 0) {
            lose(f, d, p->ts_ns, p->frame, "with overlapping fragments that disagree");
            return NULL;
        }
    }
    if (overlap) {
        char what[160];
        snprintf(what, sizeof what, "overlapping IP fragment (bytes %zu to %zu of datagram 0x%x "
                 "came twice, the same)", off, end, d->id);
        f->report(f->ctx, p->ts_ns, p->frame, what);
    }
    memcpy(d->data + off, p->payload, n);
    for (size_t b = off / 8; b * 8 < end; b++) {
        if (!has_block(d, b)) {
            d->have[b / 8] |= (uint8_t)(1u << (b % 8));
            d->blocks_have++;
        }
    }
    if (!d->total || d->blocks_have < (d->total + 7) / 8)
        return NULL;
    const uint8_t *out = rebuild(f, d, len);
    drop(f, d);
    update_expiry(f);
    return out;
}

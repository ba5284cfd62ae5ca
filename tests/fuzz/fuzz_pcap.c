/* fuzz_pcap.c -- libFuzzer over pushviz's whole pipeline: pcap bytes in,
 * items out.
 *
 * The input is read as a capture file by libpcap (fmemopen), every frame
 * goes through the engine (link, IP, TCP decoding, flows, reassembly, the
 * dissectors, classification) and every item is rendered as a JSON line
 * and as a --dump line (to /dev/null).  Any out-of-bounds read, leak or
 * undefined behaviour is a finding.  Seeds: tests/fuzz/seeds/fuzz_pcap,
 * small captures of every technique and of reordered, lost and cut
 * segments.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "output/output.h"
#include "items/stats.h"

static FILE *sink_file(void)
{
    static FILE *null; /* opened once: the fuzzer calls us millions of times */
    if (!null)
        null = fopen("/dev/null", "w");
    return null;
}

static void render(void *ctx, const struct item *it)
{
    output_json(sink_file(), it);
    output_dump(sink_file(), it);
    stats_item(ctx, it);
}

struct run {
    struct engine *engine;
    int dlt;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct run *r = (struct run *)user;
    int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec;
    engine_frame(r->engine, r->dlt, ts, bytes, h->caplen, h->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || !sink_file())
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fclose(f);
        return 0;
    }
    struct stats *st = stats_new();
    struct run r = {engine_new(render, st), pcap_datalink(p)};
    if (r.engine && st)
        pcap_dispatch(p, -1, on_packet, (u_char *)&r);
    if (r.engine)
        engine_finish(r.engine);
    if (st)
        stats_print(st, sink_file());
    engine_free(r.engine);
    stats_free(st);
    pcap_close(p); /* closes f */
    return 0;
}

/* fuzz_pcap.c -- libFuzzer over pushviz's whole pipeline: pcap bytes in,
 * items out.
 *
 * The input is read as a capture file by libpcap (fmemopen), every frame
 * goes through the engine (link, IP, TCP decoding, flows, reassembly, the
 * dissectors, classification) and every item is rendered as a JSON line
 * and as a --dump line (to /dev/null).  Any out-of-bounds read, leak or
 * undefined behaviour is a finding, and so is a JSON line that a reader
 * could split in two: each line must be one object, in valid UTF-8, with
 * no raw control character, C1 control, U+2028 or U+2029 inside (json.c
 * escapes them all, whatever bytes the wire held).  Seeds: tests/fuzz/seeds/fuzz_pcap,
 * small captures of every technique and of reordered, lost and cut
 * segments.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "output/output.h"
#include "items/stats.h"
#include "proto/printable.h"
#include "proto/utf8.h"

static FILE *sink_file(void)
{
    static FILE *null; /* opened once: the fuzzer calls us millions of times */
    if (!null)
        null = fopen("/dev/null", "w");
    return null;
}

static FILE *json_out; /* this input's JSON lines, in memory (open_memstream) */

static void render(void *ctx, const struct item *it)
{
    output_json(json_out, it);
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

/* The lines in text[0..len) hold the promise above; abort() if not. */
static void check_json_lines(const char *text, size_t len)
{
    if (!utf8_valid((const uint8_t *)text, len))
        abort(); /* json.c writes U+FFFD for bytes that are not UTF-8 */
    const unsigned char *s = (const unsigned char *)text;
    size_t start = 0;
    unsigned cp;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            /* a line is one object: {"t":...} */
            if (i - start < 7 || memcmp(s + start, "{\"t\":", 5) != 0 || s[i - 1] != '}')
                abort();
            start = i + 1;
        } else if (s[i] < 0x20 || s[i] == 0x7F) {
            abort(); /* a raw control character */
        } else if (json_extra_escape(s + i, len - i, &cp)) {
            abort(); /* a C1 control, U+2028 or U+2029 */
        }
    }
    if (start != len)
        abort(); /* the last line has no end */
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
    char *json_text = NULL;
    size_t json_len = 0;
    if (!(json_out = open_memstream(&json_text, &json_len))) {
        pcap_close(p);
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
    output_json_flush();
    fclose(json_out);
    check_json_lines(json_text, json_len);
    free(json_text);
    return 0;
}

/* save.c -- `w`: write the packets the UI kept to a pcap file.
 *
 * Every frame seen so far is written, in capture order, with nanosecond
 * timestamps (libpcap's nanosecond pcap format, which Wireshark and
 * tcpdump read).  A frame whose bytes were dropped at the memory cap
 * cannot be written; the file then says less than the capture did, and
 * the error says how many were left out.
 */
#include "ui/save.h"

#include <pcap/pcap.h>
#include <stdio.h>

int ui_save_pcap(const struct ui_model *m, const char *path, char *err, size_t errcap)
{
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(m->dlt, VIZ_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
    if (!dead) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    pcap_dumper_t *out = pcap_dump_open(dead, path);
    if (!out) {
        snprintf(err, errcap, "%s", pcap_geterr(dead));
        pcap_close(dead);
        return -1;
    }
    size_t skipped = 0;
    for (size_t i = 0; i < m->nframes; i++) {
        const struct ui_frame *f = &m->frames[i];
        if (!f->bytes) {
            skipped++;
            continue;
        }
        struct pcap_pkthdr h;
        h.ts.tv_sec = (time_t)(f->ts_ns / 1000000000);
        h.ts.tv_usec = (suseconds_t)(f->ts_ns % 1000000000); /* nanoseconds in this format */
        h.caplen = f->caplen;
        h.len = f->wirelen;
        pcap_dump((u_char *)out, &h, f->bytes);
    }
    int failed = pcap_dump_flush(out);
    pcap_dump_close(out);
    pcap_close(dead);
    if (failed) {
        snprintf(err, errcap, "writing %s failed", path);
        return -1;
    }
    if (skipped) {
        snprintf(err, errcap, "%zu packets were not kept (memory cap) and are missing from %s", skipped, path);
        return -1;
    }
    return 0;
}

/* save.c -- `w`: write the packets the UI kept to a pcap file.
 *
 * Every frame seen so far is written, in capture order, with nanosecond
 * timestamps (libpcap's nanosecond pcap format, which Wireshark and
 * tcpdump read).  A frame whose bytes were dropped at the memory cap
 * cannot be written; the file then says less than the capture did, and
 * the error says how many were left out.
 *
 * The file is created through the capture's saver (capture/saver.c), so
 * a root pushviz, which parses packets as nobody, still saves where the
 * user who started it may write.  The notice gives the full path.
 */
#include "ui/save.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <unistd.h>

#include "capture/pcapout.h"

int ui_save_pcap(struct ui *ui, const char *path, char *full, size_t fullcap, char *err, size_t errcap)
{
    const struct ui_model *m = &ui->model;
    int fd = saver_open(&ui->cap->saver, path, full, fullcap, err, errcap);
    if (fd < 0)
        return -1;
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(m->dlt, VIZ_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
    if (!dead) {
        close(fd);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    struct pcap_out out;
    int rc = pcap_out_open(&out, dead, fd, full, err, errcap);
    size_t skipped = 0;
    for (size_t i = 0; rc == 0 && i < m->nframes; i++) {
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
        if (pcap_out_write(&out, &h, f->bytes) < 0)
            break;
    }
    if (rc == 0)
        rc = pcap_out_close(&out, err, errcap);
    pcap_close(dead);
    if (rc == 0 && skipped) {
        snprintf(err, errcap, "%zu packets were not kept (memory cap) and are missing from %s", skipped, full);
        return -1;
    }
    return rc;
}

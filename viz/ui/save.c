/* save.c -- `w`: write the packets the UI kept to a pcap file.
 *
 * Every frame seen so far is written, in capture order, with nanosecond
 * timestamps (libpcap's nanosecond pcap format, which Wireshark and
 * tcpdump read).  A frame whose bytes were dropped at the memory cap
 * cannot be written; the file then says less than the capture did, and
 * the error says how many were left out.
 *
 * With a filter on, only the packets of the flows it shows are written
 * (the segments of their `tcp` items), so a class can keep just the
 * WebSocket flows, say.
 *
 * The file is created through the capture's saver (capture/saver.c), so
 * a root pushviz, which parses packets as nobody, still saves where the
 * user who started it may write.  The notice gives the full path.
 */
#include "ui/save.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture/pcapout.h"

/* With a filter on, the frames of the flows it shows (by frame number -
 * 1, owned), else NULL: every frame. */
static bool *frames_shown(struct ui *ui, size_t *nflows)
{
    const struct ui_model *m = &ui->model;
    *nflows = ui->shown.n;
    if (!ui->filter[0])
        return NULL;
    bool *keep = calloc(m->nframes ? m->nframes : 1, sizeof *keep);
    if (!keep)
        return NULL;
    for (size_t i = 0; i < ui->shown.n; i++) {
        const struct ui_flow *f = ui_model_flow(m, (unsigned)ui->shown.v[i]);
        for (size_t k = 0; f && k < f->items.n; k++) {
            const struct item *it = m->items[f->items.v[k]];
            int64_t frame = it->type == ITEM_TCP ? item_int(it, "frame", 0) : 0;
            if (frame > 0 && (size_t)frame <= m->nframes)
                keep[frame - 1] = true;
        }
    }
    return keep;
}

int ui_save_pcap(struct ui *ui, const char *path, char *full, size_t fullcap, char *err, size_t errcap,
                 size_t *saved)
{
    const struct ui_model *m = &ui->model;
    *saved = 0;
    int fd = saver_open(&ui->cap->saver, path, full, fullcap, err, errcap);
    if (fd < 0)
        return -1;
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(m->dlt, VIZ_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
    if (!dead) {
        close(fd);
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    size_t nflows;
    bool *keep = frames_shown(ui, &nflows);
    struct pcap_out out;
    int rc = pcap_out_open(&out, dead, fd, full, err, errcap);
    size_t skipped = 0;
    for (size_t i = 0; rc == 0 && i < m->nframes; i++) {
        const struct ui_frame *f = &m->frames[i];
        if (keep && !keep[i])
            continue;
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
        (*saved)++;
    }
    free(keep);
    if (rc == 0)
        rc = pcap_out_close(&out, err, errcap);
    pcap_close(dead);
    if (rc == 0 && skipped) {
        snprintf(err, errcap, "%zu packets were not kept (memory cap) and are missing from %s", skipped, full);
        return -1;
    }
    return rc;
}

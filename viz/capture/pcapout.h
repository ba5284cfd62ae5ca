/* pcapout.h -- writing a pcap file in large buffered blocks (-w and `w`). */
#ifndef VIZ_PCAPOUT_H
#define VIZ_PCAPOUT_H

#include <limits.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct pcap_out {
    pcap_dumper_t *dumper;  /* libpcap's writer over fp */
    FILE *fp;               /* the file, with buf as its stdio buffer */
    char *buf;              /* VIZ_WRITE_BUFFER bytes (owned) */
    char path[PATH_MAX];    /* the full path written, for messages */
    uint64_t packets;       /* packets written */
    int64_t flushed_ns;     /* monotonic time of the last flush */
    int error;              /* errno of the first failed write, or 0 */
};

/* Start a pcap file whose header (link type, snap length, timestamp
 * precision) is taken from p.  fd >= 0 is a file already opened for
 * writing (owned from now on, see saver.h); else path is created.  0, or
 * -1 with a message. */
int pcap_out_open(struct pcap_out *o, pcap_t *p, int fd, const char *path, char *err, size_t errcap);

/* Append one packet.  0, or -1 once a write has failed (a full disk):
 * nothing more is written and pcap_out_close() says why. */
int pcap_out_write(struct pcap_out *o, const struct pcap_pkthdr *h, const uint8_t *bytes);

/* Flush the buffer when VIZ_WRITE_FLUSH_MS have passed since the last
 * flush, so a capture killed hard loses at most that much.  0 or -1. */
int pcap_out_tick(struct pcap_out *o);

/* Flush and close.  0, or -1 with a message naming the file and the
 * reason ("No space left on device").  Safe on a closed writer. */
int pcap_out_close(struct pcap_out *o, char *err, size_t errcap);

#endif

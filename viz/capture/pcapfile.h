/* pcapfile.h -- the records of a classic pcap file, read in large blocks
 * and handed over where they lie (a fast path beside libpcap's reader).
 *
 * libpcap reads a file with two fread calls per packet (its header, then
 * its bytes, copied into libpcap's buffer): for a replay of a million
 * packets that was a tenth of pushviz's time.  This reader takes 2 MiB
 * at a time with read(2), into a huge page (memory/pages.h), and gives
 * each packet as a pointer into that block.  It knows only ordinary
 * records of the classic format (version 2.4, either byte order, micro-
 * or nanosecond times); at anything else
 * (a cut record, a length past the snap length) it stops and says where,
 * and libpcap reads the file from that record on, with its own checks and
 * error messages.  pcapng files, stdin and anything but a regular file
 * (a pipe) are libpcap's alone.
 */
#ifndef VIZ_PCAPFILE_H
#define VIZ_PCAPFILE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pcap_file {
    int fd;             /* -1: not in use */
    bool swapped;       /* written in the other byte order */
    bool nano;          /* times in nanoseconds (else microseconds) */
    uint32_t snaplen;   /* records longer than this are left to libpcap */
    char *buf;          /* VIZ_FILE_BUFFER bytes (owned, pages_map) */
    size_t len, pos;    /* buf[pos..len) is read and not yet used */
    uint64_t buf_off;   /* file offset of buf[0] */
};

/* Open path for the fast path if it is a classic pcap file of version
 * 2.4; snaplen: the longest record it takes.  -1 when not (f->fd is then
 * -1 and libpcap reads it all). */
int pcap_file_open(struct pcap_file *f, const char *path, uint32_t snaplen);

/* Take no record longer than snaplen from now on (libpcap's snap length
 * for the file, known once libpcap has opened it). */
void pcap_file_limit(struct pcap_file *f, uint32_t snaplen);

/* The next record.  1: *h and *bytes are set (timestamps in nanoseconds,
 * as libpcap gives them at PCAP_TSTAMP_PRECISION_NANO), bytes valid until
 * the next call; 0: the file ended cleanly; -1: this record is not an
 * ordinary one, or reading failed: *at is its file offset, for libpcap. */
int pcap_file_next(struct pcap_file *f, struct pcap_pkthdr *h, const uint8_t **bytes, uint64_t *at);

/* The bytes of a record further on -- skip 0: the next one pcap_file_next
 * will give, 1: the one after it -- when the block already holds all of
 * them (NULL otherwise: nothing is read), and their count in *caplen;
 * valid until the next pcap_file_next.  A look ahead, so that a reader
 * can prefetch what that packet will need. */
const uint8_t *pcap_file_peek(const struct pcap_file *f, unsigned skip, uint32_t *caplen);

void pcap_file_close(struct pcap_file *f);

#endif

/* tap.h -- when each packet entered a TUN device, by the kernel's clock. */
#ifndef WAN_TAP_H
#define WAN_TAP_H

#include <stddef.h>
#include <stdint.h>

enum {
    TAP_HEAD = 32,   /* bytes that identify a packet: IPv4 header, ports, TCP seq/ack */
    TAP_PENDING = 64 /* stamps taken from the socket and not yet matched */
};

/* One packet the tap saw leave the kernel into the device. */
struct tap_stamp {
    int64_t arrival_ns;      /* CLOCK_MONOTONIC time the kernel sent it */
    size_t len;              /* bytes in head: TAP_HEAD, or the whole packet if shorter */
    uint8_t head[TAP_HEAD];  /* its first bytes */
};

/* A device's tap and the stamps read from it, oldest first. */
struct tap {
    int fd;                  /* packet socket from tap_open */
    size_t count;            /* stamps in pending */
    struct tap_stamp pending[TAP_PENDING];
};

/* Open a packet socket on device ifname of the current namespace that
 * receives, with its kernel timestamp, the head of every packet the kernel
 * sends out of the device.  Returns the non-blocking fd, or -1 with errno. */
int tap_open(const char *ifname);

/* When the packet pkt[0..len), just read from the device at read_ns
 * (CLOCK_MONOTONIC), entered it: the tap's stamp for it, or read_ns when
 * the tap has none (never later than read_ns). */
int64_t tap_arrival(struct tap *t, const uint8_t *pkt, size_t len, int64_t read_ns);

#endif

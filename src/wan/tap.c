/* tap.c -- when each packet entered a TUN device, by the kernel's clock.
 *
 * The relay reads a packet some time after the kernel queued it on the
 * device: the time its wake-up takes, which a busy machine stretches.  A
 * delay counted from the read would add that time to the link without
 * anyone seeing it (status counted only packets written late, and a
 * capture cannot tell it from a wrong delay).  So the relay counts from
 * the kernel's own stamp instead, as netem does from the moment a packet
 * is queued.
 *
 * The stamp comes from a packet socket bound to the device: the kernel
 * hands every listener a copy of each packet it sends out of a device,
 * stamped once, just before the device's transmit function queues it for
 * our read() (dev_queue_xmit_nit in net/core/dev.c).  A capture on the
 * device (pushviz -i plwan0) gets the very same stamp.  A classic BPF
 * filter keeps outgoing packets only (the relay's own writes pass the tap
 * as incoming) and only their first TAP_HEAD bytes.
 *
 * The tap and the device queue hold the same packets in nearly the same
 * order: two CPUs sending at once may swap neighbours, and either queue
 * drops when full.  So a packet is matched by its head (IPv4 header with
 * its id and checksum, ports, TCP seq and ack), not by position; one the
 * tap missed is timed at its read, as before.
 *
 * Left out on purpose: a memory-mapped ring (one recv per packet is a
 * small part of the relay's cost), and IPv6 (the link's devices carry
 * IPv4 only).
 */
#include "wan/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    TAP_RCVBUF = 4 << 20 /* room for thousands of stamps while the relay is held up */
};

/* A stamp further in the past than this comes from a clock step, not from
 * a slow read: the packet is timed at its read instead. */
#define TAP_TRUST_NS ((int64_t)10 * 1000000000)

int tap_open(const char *ifname)
{
    unsigned index = if_nametoindex(ifname);
    if (!index)
        return -1;
    /* Protocol 0: the socket receives nothing until bind(), so no packet
     * of another device slips in before the filter is attached. */
    int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, TAP_HEAD),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog filter = {.len = sizeof code / sizeof code[0], .filter = code};
    int on = 1, room = TAP_RCVBUF;
    struct sockaddr_ll where = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                                .sll_ifindex = (int)index};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0 ||
        bind(fd, (struct sockaddr *)&where, sizeof where) < 0) {
        int e = errno;
        close(fd);
        return errno = e, -1;
    }
    /* Bound while the device is still down (link.c brings it up later),
     * the socket holds an ENETDOWN for its first recv: take it now.  The
     * kernel hooks the socket to the device when it comes up. */
    int pending_error;
    socklen_t size = sizeof pending_error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending_error, &size);
    /* Beyond rmem_max only with CAP_NET_ADMIN (which we have); the default
     * is a fallback that times some packets at their read under bursts. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof room) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &room, sizeof room);
    return fd;
}

static int64_t clock_ns(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Drop pending[i], keeping the order of the rest. */
static void forget(struct tap *t, size_t i)
{
    memmove(&t->pending[i], &t->pending[i + 1], (t->count - i - 1) * sizeof t->pending[0]);
    t->count--;
}

/* Receive one more stamp at the end of pending (the oldest is forgotten
 * when it is full: a packet the device dropped).  Returns 0, or -1 when
 * none waits. */
static int take_stamp(struct tap *t)
{
    struct tap_stamp fresh, *s = &fresh;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct timespec))];
    } control;
    struct iovec iov = {s->head, sizeof s->head};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t n;
    while ((n = recvmsg(t->fd, &msg, 0)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return -1;
    /* The kernel stamps with the wall clock; the relay's times are
     * monotonic (immune to clock changes).  Their difference now converts. */
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    struct timespec wall;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        memcpy(&wall, CMSG_DATA(c), sizeof wall);
        int64_t wall_now = clock_ns(CLOCK_REALTIME), mono_now = clock_ns(CLOCK_MONOTONIC);
        s->arrival_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec - (wall_now - mono_now);
    } else {
        s->arrival_ns = clock_ns(CLOCK_MONOTONIC); /* no stamp: now is the best we know */
    }
    s->len = (size_t)n;
    if (t->count == TAP_PENDING)
        forget(t, 0);
    t->pending[t->count++] = fresh;
    return 0;
}

int64_t tap_arrival(struct tap *t, const uint8_t *pkt, size_t len, int64_t read_ns)
{
    size_t key = len < TAP_HEAD ? len : TAP_HEAD;
    /* Look among the stamps taken so far, then take more until it shows up
     * or the socket has none left; each one taken is the last in pending,
     * the only one not searched yet. */
    size_t i = 0;
    for (;;) {
        for (; i < t->count; i++) {
            const struct tap_stamp *s = &t->pending[i];
            if (s->len == key && memcmp(s->head, pkt, key) == 0) {
                int64_t arrival = s->arrival_ns;
                forget(t, i);
                return arrival <= read_ns && read_ns - arrival < TAP_TRUST_NS ? arrival : read_ns;
            }
        }
        if (take_stamp(t) < 0)
            return read_ns;
        i = t->count - 1;
    }
}

/* relay.c -- the userspace link: what tc netem does in the kernel, done by
 * one process between two TUN devices.
 *
 * A TUN device is a network interface whose "wire" is a file descriptor:
 * every IP packet the kernel sends out of it can be read() from the fd, and
 * every packet written to the fd arrives as if received on it.  One device
 * in each namespace and this loop in between make a link whose behaviour
 * is ours to choose.  For each packet read from one side:
 *
 *   1. loss: drop it with probability loss/100 (a real link drops at
 *      random; TCP must retransmit, and a capture shows it).
 *   2. queue limit: drop it when the direction already holds `queue`
 *      packets (a full router buffer: tail drop).
 *   3. rate: a link of R bit/s needs len*8/R seconds to put the packet on
 *      the wire, and only after the packet before it is out.  busy_until
 *      is when the link is free again: a token bucket one packet deep, the
 *      link's serialization.  A faster sender only fills the queue.
 *   4. delay: the packet leaves delay (+- jitter, uniform) after it was
 *      serialized.  Without --reorder no packet leaves before the one ahead
 *      of it, as on a wire; with it, jitter may swap them.
 *
 * A packet enters the link when the kernel queues it on the device, not
 * when the relay gets round to reading it: tap.c gives the kernel's stamp,
 * so the time a busy machine takes to wake the relay is not added to the
 * delay (it was, unseen, before).
 *
 * The packet then waits in the time-ordered queue (queue.c) and is written
 * to the other device when its time comes.  One thread, one ppoll(): wake
 * for a readable device, a control request, or the next departure, with
 * nanosecond timeouts (a millisecond poll() would add up to 1 ms per hop).
 *
 * Control lines (control.c): "show" answers the settings and counters
 * (also how many packets left over 1 ms after their time, which counts
 * from their arrival: a machine too busy to run the relay on time, to
 * read a packet or to write it, adds its own delay, and a test must know);
 * "set NAME=VALUE..." changes settings for packets that arrive from then
 * on (packets already in flight keep their times).  Answers start with "ok"
 * or "error".
 *
 * Left out on purpose: corruption, duplication, correlated loss (netem has
 * them; the lab needs none), and offloads (the devices carry one MTU-sized
 * packet per read, with checksums the kernel already filled in).
 */
#include "wan/relay.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "wan/control.h"
#include "wan/queue.h"
#include "wan/tap.h"

/* The two directions; a packet read from one device goes to the other. */
enum link_dir { TO_SERVERS, TO_HOST, N_DIRS };

enum {
    PACKET_MAX = 65536,   /* a TUN read is one IP packet, at most 64 KiB */
    READ_BURST = 64,      /* packets read per wake-up before timers are served */
    LATE_NS = 1000000     /* a packet written this much after its time was late */
};

/* A control client has this long to send its line whole. */
#define CONTROL_WAIT_NS ((int64_t)1000000000)

/* One direction of the link. */
struct direction {
    int in_fd, out_fd;      /* read from, write to */
    struct tap in_tap;      /* when each packet entered in_fd's device */
    int64_t busy_until_ns;  /* when the last packet is fully serialized */
    int64_t last_due_ns;    /* departure of the last packet queued (order) */
    long held;              /* packets of this direction in the queue */
    uint64_t passed, lost, overflow; /* delivered, dropped by loss, by a full queue */
};

/* The running relay, in one place. */
static struct relay {
    struct wan_settings settings; /* what happens to packets arriving now */
    struct direction dir[N_DIRS];
    struct wan_queue queue;       /* packets in flight, both directions */
    uint64_t rng;                 /* xorshift64 state for loss and jitter */
    uint64_t late;                /* packets written over LATE_NS after their time */
    int64_t worst_late_ns;        /* the latest of them: how long the relay could not run
                                     (to read the packet, or to write it) */
    int control_fd;
    struct control_request request; /* the control connection being read, if any */
} relay;

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A uniform number in [0, 1) (xorshift64: Marsaglia 2003). */
static double random_unit(void)
{
    relay.rng ^= relay.rng << 13;
    relay.rng ^= relay.rng >> 7;
    relay.rng ^= relay.rng << 17;
    return (double)(relay.rng >> 11) / 9007199254740992.0; /* 2^53 */
}

/* Steps 1-4 of the header comment for one packet that arrived at `now`. */
static void enter_link(enum link_dir d, const uint8_t *pkt, size_t len, int64_t now)
{
    struct direction *dir = &relay.dir[d];
    const struct wan_settings *s = &relay.settings;
    if (s->loss_pct > 0 && random_unit() * 100 < s->loss_pct) {
        dir->lost++;
        return;
    }
    if (dir->held >= s->queue) {
        dir->overflow++;
        return;
    }
    int64_t sent = now;
    if (s->rate_kbit > 0) {
        int64_t start = dir->busy_until_ns > now ? dir->busy_until_ns : now;
        /* len*8 bits at rate_kbit*1000 bit/s, in nanoseconds. */
        sent = start + (int64_t)len * 8 * 1000000 / s->rate_kbit;
        dir->busy_until_ns = sent;
    }
    double delay_ms = s->delay_ms;
    if (s->jitter_ms > 0)
        delay_ms += (2 * random_unit() - 1) * s->jitter_ms;
    int64_t due = sent + (delay_ms > 0 ? (int64_t)(delay_ms * 1e6) : 0);
    if (!s->reorder && due < dir->last_due_ns)
        due = dir->last_due_ns;
    dir->last_due_ns = due;
    if (wan_queue_push(&relay.queue, due, d, pkt, len) < 0) {
        dir->overflow++;
        return;
    }
    dir->held++;
}

/* Write every packet whose time has come to its device. */
static void deliver_due(int64_t now)
{
    const struct held_packet *top;
    while ((top = wan_queue_peek(&relay.queue)) && top->due_ns <= now) {
        struct held_packet *p = wan_queue_pop(&relay.queue);
        struct direction *dir = &relay.dir[p->dir];
        dir->held--;
        /* Lateness shows a machine too busy to run the relay on time (the
         * link then adds more delay than asked); status reports it.  As due
         * counts from the packet's arrival, a late read shows here too. */
        if (now - p->due_ns > LATE_NS) {
            relay.late++;
            if (now - p->due_ns > relay.worst_late_ns)
                relay.worst_late_ns = now - p->due_ns;
        }
        /* A TUN write never blocks: the kernel takes the packet or drops it. */
        if (write(dir->out_fd, p->data, p->len) == (ssize_t)p->len)
            dir->passed++;
        else
            dir->overflow++;
        free(p);
    }
}

/* Read up to READ_BURST packets from one device.  Returns -1 when the
 * device fails (it was deleted under us). */
static int read_packets(enum link_dir d)
{
    static uint8_t buf[PACKET_MAX];
    for (int i = 0; i < READ_BURST; i++) {
        ssize_t n = read(relay.dir[d].in_fd, buf, sizeof buf);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        if (n == 0)
            return 0;
        enter_link(d, buf, (size_t)n, tap_arrival(&relay.dir[d].in_tap, buf, (size_t)n, now_ns()));
    }
    return 0;
}

/* Answer one control request: "show" or "set NAME=VALUE...". */
/* Answer a control line (the header comment says which) on its connection. */
static void answer_control(struct control_request *r)
{
    char reply[CONTROL_REPLY_MAX], settings[WAN_SETTINGS_TEXT];
    const char *why = NULL;
    if (strncmp(r->line, "set ", 4) == 0) {
        if (wan_settings_apply_line(&relay.settings, r->line + 4, &why) < 0) {
            snprintf(reply, sizeof reply, "error %s\n", why);
            control_answer(r, reply);
            return;
        }
    } else if (strcmp(r->line, "show") != 0) {
        control_answer(r, "error unknown request (show, set NAME=VALUE...)\n");
        return;
    }
    wan_settings_format(&relay.settings, settings, sizeof settings);
    const struct direction *a = &relay.dir[TO_SERVERS], *b = &relay.dir[TO_HOST];
    snprintf(reply, sizeof reply,
             "ok %s\n"
             "to_servers passed=%llu lost=%llu overflow=%llu held=%ld\n"
             "to_host passed=%llu lost=%llu overflow=%llu held=%ld\n"
             "late=%llu worst_late_ms=%.1f\n",
             settings, (unsigned long long)a->passed, (unsigned long long)a->lost,
             (unsigned long long)a->overflow, a->held, (unsigned long long)b->passed,
             (unsigned long long)b->lost, (unsigned long long)b->overflow, b->held,
             (unsigned long long)relay.late, (double)relay.worst_late_ns / 1e6);
    control_answer(r, reply);
}

/* The control socket or the connection being read is ready: take a new
 * connection, or what its client has sent; answer once its line is whole. */
static void serve_control(int listen_fd, int64_t now)
{
    struct control_request *r = &relay.request;
    if (r->fd < 0) {
        if (control_accept(listen_fd, r) < 0)
            return;
        r->deadline_ns = now + CONTROL_WAIT_NS;
    }
    if (control_read(r) == 1)
        answer_control(r);
}

int relay_run(const struct relay_config *cfg)
{
    relay.settings = cfg->settings;
    relay.dir[TO_SERVERS] = (struct direction){.in_fd = cfg->host_fd, .out_fd = cfg->ns_fd,
                                               .in_tap = {.fd = cfg->host_tap_fd}};
    relay.dir[TO_HOST] = (struct direction){.in_fd = cfg->ns_fd, .out_fd = cfg->host_fd,
                                            .in_tap = {.fd = cfg->ns_tap_fd}};
    relay.control_fd = cfg->control_fd;
    relay.request.fd = -1;
    relay.rng = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15u;
    if (!relay.rng)
        relay.rng = 1;
    /* A packet whose read or write waits for the relay to run is late,
     * so the relay must run as soon as a packet or a departure is due,
     * however busy the machine: netem does this work in the kernel's
     * softirq, we ask for a real-time priority (the lowest, so the
     * kernel's own threads still come first; the loop sleeps whenever
     * nothing is due), or at least a high nice value.  Timers fire up to
     * the "timer slack" late (50 us by default); 1 us keeps a 40 ms delay
     * at 40 ms.  For the same reason it never waits for a control client
     * (control.c). */
    struct sched_param rt = {.sched_priority = sched_get_priority_min(SCHED_FIFO)};
    if (sched_setscheduler(0, SCHED_FIFO, &rt) < 0)
        setpriority(PRIO_PROCESS, 0, -10); /* if refused too: a little more jitter */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

    /* Stop signals are blocked except while waiting in ppoll(), so one
     * arriving mid-packet is seen at the next wait, never lost. */
    sigset_t block, during_wait;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &during_wait);
    sigdelset(&during_wait, SIGTERM);
    sigdelset(&during_wait, SIGINT);
    sigdelset(&during_wait, SIGHUP);
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    int result = 0;
    while (!stop_requested) {
        int64_t now = now_ns();
        deliver_due(now);
        if (relay.request.fd >= 0 && now >= relay.request.deadline_ns)
            control_drop(&relay.request); /* its line did not come in time */
        /* Wake for the next departure, or a control line's deadline. */
        int64_t wake = relay.request.fd >= 0 ? relay.request.deadline_ns : INT64_MAX;
        const struct held_packet *next = wan_queue_peek(&relay.queue);
        if (next && next->due_ns < wake)
            wake = next->due_ns;
        struct timespec wait, *timeout = NULL;
        if (wake != INT64_MAX) {
            int64_t left = wake > now ? wake - now : 0;
            wait.tv_sec = left / 1000000000;
            wait.tv_nsec = left % 1000000000;
            timeout = &wait;
        }
        /* The control socket, or while a client's line is being read, its
         * connection: one request at a time. */
        int control = relay.request.fd >= 0 ? relay.request.fd : cfg->control_fd;
        struct pollfd fds[3] = {{cfg->host_fd, POLLIN, 0}, {cfg->ns_fd, POLLIN, 0}, {control, POLLIN, 0}};
        int n = ppoll(fds, control >= 0 ? 3 : 2, timeout, &during_wait);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            result = -1;
            break;
        }
        if ((fds[0].revents & (POLLERR | POLLHUP)) || (fds[1].revents & (POLLERR | POLLHUP)) ||
            ((fds[0].revents & POLLIN) && read_packets(TO_SERVERS) < 0) ||
            ((fds[1].revents & POLLIN) && read_packets(TO_HOST) < 0)) {
            result = -1;
            break;
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR))
            serve_control(cfg->control_fd, now_ns());
    }
    int saved = errno;
    wan_queue_free(&relay.queue);
    close(cfg->host_fd);
    close(cfg->ns_fd);
    close(cfg->host_tap_fd);
    close(cfg->ns_tap_fd);
    control_drop(&relay.request);
    if (cfg->control_fd >= 0)
        close(cfg->control_fd);
    errno = saved;
    return result;
}

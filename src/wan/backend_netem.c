/* backend_netem.c -- the emulated link built by the kernel: a veth pair
 * between host and namespace, with tc netem (tc-netem(8)) on both ends.
 *
 * A qdisc shapes what leaves a device, so netem on plwan0 delays packets
 * towards the servers and netem on wan0 delays the answers: each end gets
 * the one-way delay, and RTT = 2 x delay, as with the relay.  netem's
 * `rate` serializes like the relay's, and its `limit` is the relay's
 * queue.  One difference stays: with jitter, netem may reorder packets
 * (it sorts by send time) whatever --reorder says.
 *
 * Many kernels lack sch_netem (containers, WSL, this project's test
 * machines): `tc qdisc add ... netem` then fails with "qdisc kind
 * unknown", and pushlab-wan uses the userspace link instead.
 */
#include "wan/backend.h"

#include <stdio.h>

#include "wan/sys.h"
#include "wan/wan.h"

enum { NETEM_WORDS = 24 };

/* The words after "netem" for settings s, into argv (NETEM_WORDS slots),
 * with their text in store.  Returns the number of words. */
static int netem_words(const struct wan_settings *s, const char **argv, char store[][32])
{
    int n = 0, k = 0;
    argv[n++] = "delay";
    snprintf(store[k], 32, "%gms", s->delay_ms);
    argv[n++] = store[k++];
    if (s->jitter_ms > 0) {
        snprintf(store[k], 32, "%gms", s->jitter_ms);
        argv[n++] = store[k++];
    }
    argv[n++] = "loss";
    snprintf(store[k], 32, "%g%%", s->loss_pct);
    argv[n++] = store[k++];
    if (s->rate_kbit > 0) {
        argv[n++] = "rate";
        snprintf(store[k], 32, "%ldkbit", s->rate_kbit);
        argv[n++] = store[k++];
    }
    argv[n++] = "limit";
    snprintf(store[k], 32, "%ld", s->queue);
    argv[n++] = store[k++];
    return n;
}

/* tc [-n NETNS] qdisc VERB dev DEV root netem WORDS... */
static int netem_qdisc(const char *verb, bool in_netns, const char *dev, const struct wan_settings *s)
{
    const char *argv[NETEM_WORDS + 12];
    char store[8][32];
    int n = 0;
    argv[n++] = "tc";
    if (in_netns) {
        argv[n++] = "-n";
        argv[n++] = WAN_NETNS;
    }
    argv[n++] = "qdisc";
    argv[n++] = verb;
    argv[n++] = "dev";
    argv[n++] = dev;
    argv[n++] = "root";
    argv[n++] = "netem";
    n += netem_words(s, argv + n, store);
    argv[n] = NULL;
    return run_cmd(0, argv);
}

bool netem_available(void)
{
    const char *add[] = {"ip", "-n", WAN_NETNS, "link", "add", "wanprobe0", "type", "veth",
                         "peer", "name", "wanprobe1", NULL};
    const char *try[] = {"tc", "-n", WAN_NETNS, "qdisc", "add", "dev", "wanprobe0", "root",
                         "netem", "delay", "1ms", NULL};
    const char *del[] = {"ip", "-n", WAN_NETNS, "link", "del", "wanprobe0", NULL};
    if (run_cmd(CMD_QUIET, add) < 0)
        return false;
    bool ok = run_cmd(CMD_QUIET, try) == 0;
    run_cmd(CMD_QUIET, del);
    return ok;
}

int netem_link_add(const struct wan_settings *s)
{
    const char *add[] = {"ip", "link", "add", WAN_HOST_IF, "type", "veth", "peer", "name", WAN_NS_IF,
                         "netns", WAN_NETNS, NULL};
    if (run_cmd(0, add) < 0)
        return -1;
    return netem_qdisc("add", false, WAN_HOST_IF, s) < 0 || netem_qdisc("add", true, WAN_NS_IF, s) < 0 ? -1 : 0;
}

int netem_link_change(const struct wan_settings *s)
{
    return netem_qdisc("change", false, WAN_HOST_IF, s) < 0 || netem_qdisc("change", true, WAN_NS_IF, s) < 0
               ? -1
               : 0;
}

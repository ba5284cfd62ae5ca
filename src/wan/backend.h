/* backend.h -- the two ways to build the emulated link.
 *
 * netem: a veth pair, tc netem on each end (the kernel delays packets).
 * tun:   two TUN devices and the relay process (pushlab-wan delays them).
 * Both leave the host end named WAN_HOST_IF and the namespace end
 * WAN_NS_IF, without addresses; link.c gives the addresses.
 */
#ifndef WAN_BACKEND_H
#define WAN_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "wan/settings.h"

/* True when the kernel has sch_netem: tried on a scratch veth pair inside
 * the servers' namespace (which must exist), then removed. */
bool netem_available(void);

/* Create the veth pair and a netem qdisc on each end.  Returns 0 or -1. */
int netem_link_add(const struct wan_settings *s);

/* Change both qdiscs to s.  Returns 0 or -1. */
int netem_link_change(const struct wan_settings *s);

/* Start the relay process with its two TUN devices and control socket.
 * Returns its pid once the devices exist, or -1 with the reason in
 * err[cap]. */
pid_t tun_link_start(const struct wan_settings *s, char *err, size_t cap);

#endif

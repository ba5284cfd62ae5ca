/* wan.h -- the names, addresses and limits of pushlab-wan's emulated link,
 * fixed by DESIGN.md ("pushlab-wan"), and the modules that build it.
 *
 *   host                                       netns "pushlab"
 *   clients, pushviz -i plwan0                 servers (-b 0.0.0.0)
 *   plwan0 10.77.0.1  <== emulated link ==>    wan0 10.77.0.2
 *
 * The link is either a veth pair with tc netem on both ends (netem.c), or
 * two TUN devices with relay.c between them (tun.c, queue.c, relay.c).
 */
#ifndef WAN_WAN_H
#define WAN_WAN_H

#define WAN_NETNS      "pushlab"            /* the servers' network namespace */
#define WAN_NETNS_PATH "/run/netns/pushlab" /* where `ip netns add` pins it */
#define WAN_HOST_IF    "plwan0"             /* the host's end of the link */
#define WAN_NS_IF      "wan0"               /* the namespace's end */
#define WAN_HOST_ADDR  "10.77.0.1"
#define WAN_NS_ADDR    "10.77.0.2"
#define WAN_PREFIX     "10.77.0.0/24"
#define WAN_PREFIX_LEN "24"
/* The guard route: with the link gone, 10.77.0.0/24 is unreachable instead
 * of falling through to the default route and leaving the machine. */
#define WAN_GUARD_METRIC "4242"

#define WAN_STATE_DIR  "/run/pushlab-wan"         /* exists while the link is up */
#define WAN_STATE_FILE WAN_STATE_DIR "/state"     /* "backend=tun relay=PID" */
#define WAN_CONTROL    WAN_STATE_DIR "/control"   /* the relay's control socket */

#endif

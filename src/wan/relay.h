/* relay.h -- the userspace link between two TUN devices. */
#ifndef WAN_RELAY_H
#define WAN_RELAY_H

#include "wan/settings.h"

/* What the relay runs on.  Every fd is owned by the relay from the call on. */
struct relay_config {
    int host_fd;    /* TUN device plwan0, in the host's namespace */
    int ns_fd;      /* TUN device wan0, in the servers' namespace */
    int host_tap_fd; /* tap_open(plwan0): when packets entered host_fd */
    int ns_tap_fd;  /* tap_open(wan0), in the namespace */
    int control_fd; /* listening control socket (control_listen), or -1 */
    struct wan_settings settings; /* the link's settings at start */
};

/* Move packets between the two devices through the emulated link until
 * SIGTERM, SIGINT or SIGHUP.  Returns 0 then, or -1 with errno set when the
 * devices fail. */
int relay_run(const struct relay_config *cfg);

#endif

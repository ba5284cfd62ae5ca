/* backend_tun.c -- the emulated link built in userspace: start the relay
 * process with a TUN device at each end.
 *
 * The relay is a daemon (its own session, so the terminal's Ctrl-C does
 * not reach it; `down` stops it).  It opens the host's device, enters the
 * servers' namespace to open the other one there (a TUN device is born in
 * the namespace of the process that creates it), and comes back; from then
 * on the two fds are all it needs.  It tells the parent through a pipe
 * that both devices exist, or why not.  Beside each device it opens a
 * packet socket (tap.c) that tells the relay when each packet arrived.
 */
#include "wan/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wan/control.h"
#include "wan/relay.h"
#include "wan/sys.h"
#include "wan/tap.h"
#include "wan/tun.h"
#include "wan/wan.h"

/* In the child: make the devices and the control socket.  Returns 0, or
 * -1 with the reason in err[cap]. */
static int open_link(struct relay_config *cfg, char *err, size_t cap)
{
    if ((cfg->host_fd = tun_open(WAN_HOST_IF)) < 0) {
        snprintf(err, cap, "cannot create TUN device %s: %s", WAN_HOST_IF, strerror(errno));
        return -1;
    }
    sys_ipv6_off(WAN_HOST_IF);
    if ((cfg->host_tap_fd = tap_open(WAN_HOST_IF)) < 0) {
        snprintf(err, cap, "cannot open a packet socket on %s: %s", WAN_HOST_IF, strerror(errno));
        return -1;
    }
    int host_ns = netns_enter();
    if (host_ns < 0) {
        snprintf(err, cap, "cannot enter namespace %s: %s", WAN_NETNS, strerror(errno));
        return -1;
    }
    cfg->ns_fd = tun_open(WAN_NS_IF);
    int e = errno;
    if (cfg->ns_fd >= 0) {
        sys_ipv6_off(WAN_NS_IF);
        cfg->ns_tap_fd = tap_open(WAN_NS_IF); /* a packet socket belongs to the namespace it is made in */
    }
    int tap_errno = errno;
    netns_leave(host_ns);
    if (cfg->ns_fd < 0) {
        snprintf(err, cap, "cannot create TUN device %s in %s: %s", WAN_NS_IF, WAN_NETNS, strerror(e));
        return -1;
    }
    if (cfg->ns_tap_fd < 0) {
        snprintf(err, cap, "cannot open a packet socket on %s in %s: %s", WAN_NS_IF, WAN_NETNS,
                 strerror(tap_errno));
        return -1;
    }
    if ((cfg->control_fd = control_listen(WAN_CONTROL)) < 0) {
        snprintf(err, cap, "cannot listen on %s: %s", WAN_CONTROL, strerror(errno));
        return -1;
    }
    return 0;
}

pid_t tun_link_start(const struct wan_settings *s, char *err, size_t cap)
{
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
        snprintf(err, cap, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, cap, "fork: %s", strerror(errno));
        close(ready[0]);
        close(ready[1]);
        return -1;
    }
    if (pid == 0) {
        close(ready[0]);
        setsid();
        if (chdir("/") < 0) /* not to hold a mount point busy */
            _exit(1);
        struct relay_config cfg = {.settings = *s, .host_fd = -1, .ns_fd = -1, .host_tap_fd = -1,
                                   .ns_tap_fd = -1, .control_fd = -1};
        char why[256] = "ok";
        int st = open_link(&cfg, why, sizeof why);
        ssize_t told = write(ready[1], why, strlen(why));
        (void)told; /* the parent reads EOF as a failure anyway */
        close(ready[1]);
        if (st < 0)
            _exit(1);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
            if (null > STDERR_FILENO)
                close(null);
        }
        _exit(relay_run(&cfg) < 0 ? 1 : 0);
    }
    close(ready[1]);
    char answer[256];
    size_t got = 0;
    ssize_t n;
    while (got + 1 < sizeof answer && (n = read(ready[0], answer + got, sizeof answer - 1 - got)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        got += (size_t)n;
    }
    answer[got] = '\0';
    close(ready[0]);
    if (strcmp(answer, "ok") != 0) {
        snprintf(err, cap, "%s", got ? answer : "the relay process failed to start");
        return -1;
    }
    return pid;
}

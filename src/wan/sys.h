/* sys.h -- what pushlab-wan asks of the system: commands, privileges,
 * the servers' namespace and the processes in it.
 */
#ifndef WAN_SYS_H
#define WAN_SYS_H

#include <stdbool.h>
#include <sys/types.h>

enum { CMD_QUIET = 1 }; /* run_cmd: hide the command's error output */

/* Print every command before it runs (pushlab-wan -v). */
extern bool sys_verbose;

/* Run a command (argv NULL-terminated, found on PATH) and wait for it.
 * Returns 0 when it exits 0, else -1. */
int run_cmd(int flags, const char *const argv[]);

/* True when this process may create namespaces and network devices
 * (CAP_NET_ADMIN and CAP_SYS_ADMIN in its effective set). */
bool sys_can_admin_network(void);

/* Enter the servers' namespace.  Returns an fd of the namespace this
 * process was in (give it to netns_leave), or -1 with errno set. */
int netns_enter(void);

/* Go back to the namespace of netns_enter's fd, and close it. */
void netns_leave(int old_fd);

/* Send sig to every process in the servers' namespace, except this one.
 * Returns how many were signalled. */
int netns_signal_all(int sig);

/* Turn IPv6 off on interface ifname of the current namespace, so that only
 * the lab's IPv4 packets cross the link (no router solicitations, no MLD). */
void sys_ipv6_off(const char *ifname);

/* True while process pid exists and runs program name (its comm). */
bool sys_process_is(pid_t pid, const char *name);

#endif

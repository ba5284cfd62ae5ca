/* tun.h -- a TUN network device and its file descriptor. */
#ifndef WAN_TUN_H
#define WAN_TUN_H

/* Create TUN device name in the current network namespace.  Returns its
 * non-blocking fd (the device lives as long as the fd is open), or -1
 * with errno set. */
int tun_open(const char *name);

#endif

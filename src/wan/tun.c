/* tun.c -- a TUN device: a network interface whose wire is a file
 * descriptor (Linux Documentation/networking/tuntap.rst).
 *
 * IFF_TUN carries bare IP packets (no Ethernet header, so pcap sees the
 * device as DLT_RAW); IFF_NO_PI leaves out the 4-byte packet-information
 * prefix, so one read() is exactly one IP packet.  The device is created
 * in the namespace the process is in when it opens /dev/net/tun, and it
 * is not persistent: it disappears, with its addresses and routes, when
 * the last fd closes, so a relay that dies leaves no device behind.
 * Without IFF_VNET_HDR and TUNSETOFFLOAD the kernel hands us finished
 * packets (checksums filled in, no segmentation offload), each at most
 * the device's MTU.
 */
#include "wan/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int tun_open(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (strlen(name) >= IFNAMSIZ) {
        close(fd);
        return errno = ENAMETOOLONG, -1;
    }
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return errno = e, -1;
    }
    return fd;
}

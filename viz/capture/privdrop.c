/* privdrop.c -- drop root after pcap_activate(), like tcpdump -Z.
 *
 * Capturing needs CAP_NET_RAW only to open the socket; parsing hostile
 * packets needs no privilege at all.  So as soon as the capture is active
 * (and the -w file the user asked for is open), a root pushviz becomes an
 * ordinary user before it reads a single packet.  The order matters:
 * supplementary groups and the group go first, while we may still change
 * them; setuid last, after which none of it can be undone.
 */
#include "capture/privdrop.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

int privdrop(const char *user, char *err, size_t errcap)
{
    if (geteuid() != 0)
        return 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errcap, "cannot drop privileges: no user '%s' (choose one with -Z USER)", user);
        return -1;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        snprintf(err, errcap, "cannot drop privileges to '%s'", user);
        return -1;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        snprintf(err, errcap, "dropping privileges to '%s' did not stick", user);
        return -1;
    }
    return 0;
}

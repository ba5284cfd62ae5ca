/* privdrop.h -- giving up root once the capture is open. */
#ifndef VIZ_PRIVDROP_H
#define VIZ_PRIVDROP_H

#include <stddef.h>

/* When running as root, become `user` (groups, gid, uid, in that order,
 * and for good).  Does nothing for other users.  0, or -1 with a message. */
int privdrop(const char *user, char *err, size_t errcap);

#endif

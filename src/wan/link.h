/* link.h -- the whole emulated link: bring it up, change it, tell its
 * state, take it down.
 */
#ifndef WAN_LINK_H
#define WAN_LINK_H

#include <stdio.h>

#include "wan/settings.h"

/* Which backend `up` should use. */
enum wan_backend_choice { BACKEND_AUTO, BACKEND_TUN, BACKEND_NETEM };

/* Bring the link up with settings s and say on out what was built.
 * Returns 0, or -1 after saying why on stderr and removing what was made. */
int wan_up(const struct wan_settings *s, enum wan_backend_choice choice, FILE *out);

/* Change the running link: the settings named in line ("delay=200 ...").
 * Prints the new settings on out.  Returns 0 or -1 (reason on stderr). */
int wan_set(const char *line, FILE *out);

/* Print the backend, settings and (userspace link) counters on out.
 * Returns 0, or -1 when the link is not up. */
int wan_status(FILE *out);

/* Remove everything `up` made and every process in the namespace; safe to
 * call when nothing, or only part of it, exists.  Returns 0, or -1 when
 * something could not be removed (said on stderr). */
int wan_down(FILE *out);

#endif

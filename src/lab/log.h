/* log.h -- a server's log lines, and where its words go (log.c). */
#ifndef LAB_LOG_H
#define LAB_LOG_H

#include "lab/technique.h"

/* Log a time-stamped line through the program's err sink (a NULL sink
 * drops it): "12:00:01.123 pushlab-poll: ...\n". */
void server_log(const struct server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Format text (no time stamp) and hand it to the program's out sink
 * (to_err false) or err sink (to_err true); a NULL sink drops it.  The
 * text is cut at SERVER_SAY_MAX - 1 bytes. */
void server_say(const struct server_sinks *sinks, bool to_err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define SERVER_SAY_MAX 4096 /* room for --help's longest piece */

#endif

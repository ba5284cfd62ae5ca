/* log.h -- a server's log lines on stderr (log.c). */
#ifndef LAB_LOG_H
#define LAB_LOG_H

#include "lab/technique.h"

/* Log a line to stderr with a time stamp: "12:00:01.123 pushlab-poll: ...". */
void server_log(const struct server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

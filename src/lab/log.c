/* log.c -- one time-stamped line on stderr for each thing a server says
 * ("12:00:01.123 pushlab-poll: 127.0.0.1:5000 GET /poll"): requests with
 * -v, errors, refused and dropped connections.
 */
#include "lab/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void server_log(const struct server *s, const char *fmt, ...)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%02d:%02d:%02d.%03ld pushlab-%s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000, s->tech->name, line);
}

/* log.c -- the words of a server, formatted here and written by the
 * program: one time-stamped line for each thing a server logs
 * ("12:00:01.123 pushlab-poll: 127.0.0.1:5000 GET /poll") -- requests with
 * -v, errors, refused and dropped connections -- and the plain text of
 * --help, errors and the "listening on" line.
 *
 * Library code never prints (docs/design.md): a server's program hands
 * server_main its sinks (struct server_sinks: where text for stdout and
 * for stderr goes), and everything src/lab says goes through them.  The
 * programs in src/servers/ write to stdout and stderr; a unit test may
 * collect the lines instead, or leave the sinks NULL to drop them.
 */
#include "lab/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto/printable.h"

void server_say(const struct server_sinks *sinks, bool to_err, const char *fmt, ...)
{
    void (*sink)(const char *text) = !sinks ? NULL : to_err ? sinks->err : sinks->out;
    if (!sink)
        return;
    char text[SERVER_SAY_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sink(text);
}

void server_log(const struct server *s, const char *fmt, ...)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    char raw[1024], what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* A log line quotes the peer (a request's target and Origin, a
     * WebSocket's subprotocols): its controls are shown, not obeyed. */
    printable_text(what, sizeof what, raw, strlen(raw));
    server_say(s->sinks, true, "%02d:%02d:%02d.%03ld pushlab-%s: %s\n", tm.tm_hour, tm.tm_min,
               tm.tm_sec, ts.tv_nsec / 1000000, s->tech->name, what);
}

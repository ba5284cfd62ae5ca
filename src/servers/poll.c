/* poll.c -- pushlab-poll: short polling, the oldest way to "push".
 *
 * The server cannot push at all: the browser asks again and again
 * ("anything after seq N?") and gets an answer at once, usually "[]".
 * What a capture shows: one request/response pair per interval, most of
 * them empty, full HTTP headers every time, and an event waiting up to one
 * interval before anyone asks for it.
 *
 *   GET /poll?since=SEQ                  -> application/json  [events after SEQ]
 *   GET /poll?since=SEQ&callback=NAME    -> application/javascript  NAME([...]);
 *
 * JSONP: before CORS, a page could not read another origin's XHR, but it
 * could load any origin's <script>.  So the server wraps the data in a call
 * to a function the page named.  The name is checked, because whatever we
 * echo back runs as script in the page (reflected XSS otherwise).
 */
#include <stdio.h>
#include <string.h>

#include "lab/events.h"
#include "lab/peer.h"
#include "lab/server.h"
#include "pushlab.h"
#include "servers/stdio_sinks.h"

/* The callback must be a JavaScript identifier path: [A-Za-z_$][A-Za-z0-9_$.]* */
static bool callback_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        bool letter = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' || ch == '$';
        bool later = (ch >= '0' && ch <= '9') || ch == '.';
        if (!letter && !(i > 0 && later))
            return false;
    }
    return true;
}

/* GET /poll: the skeleton has checked the path and the method. */
static void poll_request(struct peer *p, const struct http_request *req)
{
    uint64_t since;
    if (!events_since_param(p, req, &since))
        return;

    char callback[72];
    long cb = http_query_get(req->query, "callback", callback, sizeof callback);
    if (cb != HTTP_QUERY_ABSENT && (cb < 0 || !callback_name_ok(callback, (size_t)cb))) {
        http_error(p, 400, "callback must match [A-Za-z_$][A-Za-z0-9_$.]*");
        return;
    }
    bool jsonp = cb != HTTP_QUERY_ABSENT;
    char prefix[80] = "";
    if (jsonp)
        snprintf(prefix, sizeof prefix, "%s(", callback);
    events_respond(p, since, jsonp ? "application/javascript; charset=utf-8" : "application/json",
                   prefix, jsonp ? ");" : "");
}

static const struct technique_path poll_paths[] = {{"/poll", "GET"}, {0}};

static const struct technique poll_technique = {
    .name = "poll",
    .summary = "Short polling (and JSONP): the client asks every N ms, the server answers at once.",
    .default_port = PORT_POLL,
    .page = "/poll.html",
    .endpoints = "  GET  /poll?since=SEQ[&callback=NAME]  events after SEQ as JSON (or JSONP)\n",
    .paths = poll_paths,
    .request = poll_request,
};

int main(int argc, char **argv)
{
    return server_main(argc, argv, &poll_technique, &stdio_sinks);
}

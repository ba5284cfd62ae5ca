/* longpoll.c -- pushlab-longpoll: long polling, the "Comet" trick that made
 * HTTP feel like push before any standard for it existed.
 *
 * The request is the short poll's ("anything after seq N?"), but when there
 * is nothing new the server does not answer "[]": it holds the request
 * open until an event exists, or until --hold seconds pass.  The client
 * asks again as soon as it has an answer, so there is almost always one
 * request waiting, and an event reaches the browser at once.
 * What a capture shows: few responses, each carrying data; after each
 * delivery a new request; a burst of events costs about one round trip per
 * answer, since events made while no request waits queue up for the next.
 *
 *   GET /poll?since=SEQ  -> application/json  [events after SEQ]
 *     answered at once when the backlog has one, else held until the next
 *     event (every held request is answered by the event that wakes it),
 *     or after --hold seconds with [].
 *
 * A client that hangs up while held is dropped at once (the loop watches
 * EPOLLRDHUP): no answer is written into a dead socket later.
 */
#include "lab/events.h"
#include "lab/peer.h"
#include "lab/server.h"
#include "lab/stream.h"
#include "pushlab.h"
#include "servers/stdio_sinks.h"

static long hold_s = LONGPOLL_HOLD_S; /* --hold */

/* Answer a held request: with the news when an event woke it, with "[]"
 * when --hold seconds passed first (the client then simply asks again). */
static void answer_held(struct stream *st)
{
    struct peer *p = st->peer;
    uint64_t since = st->last_seq;
    stream_release(st); /* first: answering may start the peer's next request */
    events_respond(p, since, "application/json", "", "");
}

/* Every held request is woken by the next event, and answered by it: a
 * request is only held when the client has seen everything (since is the
 * newest seq), so whatever comes next is news to it. */
static void on_event(struct stream *st, const struct hub_event *ev)
{
    (void)ev;
    answer_held(st);
}

/* GET /poll: the skeleton has checked the path and the method. */
static void longpoll_request(struct peer *p, const struct http_request *req)
{
    uint64_t since;
    if (!events_since_param(p, req, &since))
        return;
    if (hub_last_seq(p->server->hub) > since)
        events_respond(p, since, "application/json", "", ""); /* news: no reason to wait */
    else
        stream_hold(p, since, on_event, (uint64_t)hold_s * 1000, answer_held);
}

static const struct technique_path longpoll_paths[] = {{"/poll", "GET"}, {0}};

static const struct server_flag longpoll_flags[] = {
    {"hold", "SECONDS", "hold a poll this long at most, then answer []", &hold_s, 1, 3600, NULL},
    {0},
};

static const struct technique longpoll_technique = {
    .name = "longpoll",
    .summary = "Long polling: the server holds each request until there is an event.",
    .default_port = PORT_LONGPOLL,
    .page = "/longpoll.html",
    .flags = longpoll_flags,
    .endpoints = "  GET  /poll?since=SEQ  events after SEQ, held until one exists or --hold ends\n",
    .paths = longpoll_paths,
    .request = longpoll_request,
};

int main(int argc, char **argv)
{
    return server_main(argc, argv, &longpoll_technique, &stdio_sinks);
}

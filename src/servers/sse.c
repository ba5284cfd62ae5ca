/* sse.c -- pushlab-sse: Server-Sent Events, streaming made a standard
 * (WHATWG HTML §9.2 "Server-sent events").
 *
 * The browser's EventSource does what the streaming hacks did by hand: it
 * reads a never-ending text/event-stream response, splits it into events,
 * and when the connection drops it reconnects by itself, sending the id of
 * the last event it saw.  An event is a block of "field: value" lines
 * ended by a blank line:
 *
 *   id: 42                  <- seq; comes back as Last-Event-ID
 *   event: tick             <- tick or chat: the listener it goes to
 *   data: {"seq":42,...}    <- the event JSON
 *
 *   GET /events  (Last-Event-ID: SEQ, or ?lastEventId=SEQ)
 *     -> text/event-stream, Cache-Control: no-cache:
 *     "retry:" once (the reconnection delay the browser should use);
 *     when SEQ is given, the events after it from the backlog, preceded,
 *     if some are no longer held, by an "event: lost" whose data is
 *     {"lost":N}; then each new event; a ": heartbeat" comment block every
 *     --heartbeat seconds, so proxies do not close a quiet stream.
 *
 * The stream frames itself (the blank lines), so it needs no chunked
 * coding and simply runs until the connection closes.  Left out: CORS
 * (the demo page is same-origin) and named-event filtering on the server.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lab/events.h"
#include "lab/peer.h"
#include "lab/server.h"
#include "lab/stream.h"
#include "proto/sse.h"
#include "pushlab.h"
#include "servers/stdio_sinks.h"

static long heartbeat_s = SSE_HEARTBEAT_S; /* --heartbeat */
static long retry_ms = SSE_RETRY_MS;       /* --retry */

/* One event: id (the seq), event (its kind), data (the JSON). */
static size_t format_event(char *out, size_t cap, const struct hub_event *ev)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRIu64, ev->seq);
    struct sse_fields fields = {.id = id,
                                .event = event_kind_name(ev->kind),
                                .data = ev->json,
                                .data_len = ev->json_len,
                                .retry_ms = -1};
    return sse_encode(out, cap, &fields);
}

/* A comment line: ignored by EventSource, but traffic on the wire. */
static size_t format_heartbeat(char *out, size_t cap, const struct hub_event *ev)
{
    (void)ev;
    return sse_encode_comment(out, cap, "heartbeat");
}

/* Each event framed once, shared by every stream (lab/framed.h). */
static struct framed sse_framed;

static const struct stream_format sse_format = {
    .content_type = "text/event-stream",
    .headers = "Cache-Control: no-cache\r\n",
    .chunked = false,
    .event = format_event,
    .heartbeat = format_heartbeat,
    .shared = &sse_framed,
};

/* The seq the client last saw: the Last-Event-ID header (what EventSource
 * sends when it reconnects), else ?lastEventId= (a page resuming by
 * hand), else the newest seq (a new client gets only new events).  False
 * after answering 400. */
static bool last_event_id(struct peer *p, const struct http_request *req, uint64_t *since)
{
    char text[24] = "";
    long len = 0;
    const struct slice *header = http_header_find(req->headers, req->num_headers, "Last-Event-ID");
    if (header) {
        len = header->len < sizeof text ? (long)header->len : HTTP_QUERY_BAD;
        if (len > 0)
            memcpy(text, header->ptr, (size_t)len);
    } else {
        len = http_query_get(req->query, "lastEventId", text, sizeof text);
    }
    *since = hub_last_seq(p->server->hub);
    if (len == 0 || len == HTTP_QUERY_ABSENT)
        return true; /* EventSource sends no id before it has seen one */
    if (len < 0 || !events_parse_seq(text, (size_t)len, since)) {
        http_error(p, 400, "Last-Event-ID must be a seq (a whole number) from this server");
        return false;
    }
    *since = hub_since(p->server->hub, *since);
    return true;
}

/* GET /events: the skeleton has checked the path and the method. */
static void sse_request(struct peer *p, const struct http_request *req)
{
    uint64_t since;
    if (!last_event_id(p, req, &since))
        return;

    /* The prelude: retry once, and what was lost, if anything. */
    char prelude[128];
    struct sse_fields retry = {.retry_ms = retry_ms};
    size_t n = sse_encode(prelude, sizeof prelude, &retry);
    uint64_t lost;
    hub_resume(p->server->hub, since, &lost);
    if (lost > 0) {
        char data[48];
        int len = snprintf(data, sizeof data, "{\"lost\":%" PRIu64 "}", lost);
        struct sse_fields fields = {.event = "lost", .data = data, .data_len = (size_t)len,
                                    .retry_ms = -1};
        n += sse_encode(prelude + n, sizeof prelude - n, &fields);
    }
    stream_open(p, &sse_format, prelude, n, since, (uint64_t)heartbeat_s * 1000);
}

static const struct technique_path sse_paths[] = {{"/events", "GET"}, {0}};

static const struct server_flag sse_flags[] = {
    {"heartbeat", "SECONDS", "a comment line every SECONDS", &heartbeat_s, 0, 3600, "none"},
    {"retry", "MS", "reconnection delay sent to the browser as retry:", &retry_ms, 0, 3600000, NULL},
    {0},
};

static const struct technique sse_technique = {
    .name = "sse",
    .summary = "Server-Sent Events: a text/event-stream the browser's EventSource reads and resumes.",
    .default_port = PORT_SSE,
    .page = "/sse.html",
    .flags = sse_flags,
    .endpoints = "  GET  /events  text/event-stream; Last-Event-ID or ?lastEventId=SEQ resumes\n",
    .paths = sse_paths,
    .request = sse_request,
};

int main(int argc, char **argv)
{
    return server_main(argc, argv, &sse_technique, &stdio_sinks);
}

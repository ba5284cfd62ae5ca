/* classify.c -- naming a flow's push technique from its behaviour on the
 * wire, never from port numbers, so pushviz works on anyone's traffic.
 *
 * The signs, strongest first:
 *   a 101 upgrade to websocket                         -> ws
 *   a Flash policy exchange or NUL-delimited messages  -> flash
 *   a text/event-stream response                       -> sse
 *   a multipart/x-mixed-replace response               -> multipart
 *   a streamed (chunked or until-close) text/html body -> iframe
 *   another streamed body carrying events              -> xhr
 *   a JavaScript response to a repeated request        -> jsonp
 *   repeated requests for one path, answered at once   -> poll
 *   requests held VIZ_LONGPOLL_HOLD_MS or more before the answer -> longpoll
 * Anything else with HTTP is "http"; without, "unknown".
 * Repetition counts across flows too (per server and path): a poller may
 * open a new connection per request.
 */
#include "classify/classify.h"

#include <string.h>

#include "pushlab.h"

uint64_t classify_path_key(const char *server, const char *path, size_t path_len)
{
    /* FNV-1a, 64-bit: a stable, well-spread hash of short strings. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *s = server; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
    h = (h ^ ' ') * 0x100000001b3ULL;
    for (size_t i = 0; i < path_len; i++)
        h = (h ^ (uint8_t)path[i]) * 0x100000001b3ULL;
    return h ? h : 1;
}

/* The slot holding key, or the empty slot where it would go, or -1 when full. */
static long find_slot(const struct classifier *c, uint64_t key)
{
    for (unsigned i = 0; i < CLASSIFY_SLOTS; i++) {
        unsigned s = (unsigned)((key + i) % CLASSIFY_SLOTS);
        if (c->keys[s] == key || c->keys[s] == 0)
            return s;
    }
    return -1;
}

void classify_note_request(struct classifier *c, uint64_t key)
{
    long s = find_slot(c, key);
    if (s < 0)
        return; /* table full: repetition across flows is no longer counted */
    c->keys[s] = key;
    c->counts[s]++;
}

static unsigned requests_for(const struct classifier *c, uint64_t key)
{
    long s = find_slot(c, key);
    return s >= 0 && c->keys[s] == key ? c->counts[s] : 0;
}

const char *classify_flow(const struct classifier *c, const struct flow_traits *t)
{
    if (t->websocket)
        return "ws";
    if (t->flash)
        return "flash";
    if (t->event_stream)
        return "sse";
    if (t->multipart)
        return "multipart";
    if (t->streams && t->html_stream)
        return "iframe";
    if (t->streams && t->events)
        return "xhr";
    if (t->requests == 0)
        return "unknown";
    bool repeated = t->same_path >= 2 || requests_for(c, t->path_key) >= 2;
    if (t->responses && 2 * t->held >= t->responses)
        return "longpoll";
    if (t->javascript && repeated)
        return "jsonp";
    if (repeated && !t->streams)
        return "poll";
    return "http";
}

bool classify_repeated(const struct classifier *c, const struct flow_traits *t)
{
    return requests_for(c, t->path_key) >= 2;
}

bool classify_may_repeat(const struct classifier *c, const struct flow_traits *t)
{
    /* A POST or other request that sends something is not a poll. */
    return t->requests == 1 && t->first_get && t->path_key && !classify_repeated(c, t) &&
           strcmp(classify_flow(c, t), "http") == 0;
}

/* classify.c -- naming a flow's technique from its exchanges, and the
 * table of (server, path) pairs that repetition and holding are counted in.
 *
 * A flow's technique is that of its push exchanges, those that bring news
 * from the server (exchange.c names each): the most frequent of them, ties
 * going to the stronger sign (enum technique's order).  So a keep-alive
 * connection that loads a page, a script and then streams is named by its
 * stream, and one that only posts messages is "http".  Flash has no HTTP
 * exchanges and is named by its own signs.  Repetition counts across flows
 * (per server and path): a poller may open a new connection per request,
 * and its first flow, whose latest GET was answered at once, is named
 * "poll" ("longpoll" when later answers to that path were held) once its
 * path is asked for again.
 */
#include "classify/classify.h"

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

/* The slot holding key, or the empty slot where it would go, or -1 when
 * its CLASSIFY_PROBES slots hold other keys.  (Slots are never emptied,
 * so a key is never behind an empty slot.) */
static long find_slot(const struct classifier *c, uint64_t key)
{
    for (unsigned i = 0; i < CLASSIFY_PROBES; i++) {
        unsigned s = (unsigned)((key + i) % CLASSIFY_SLOTS);
        if (c->keys[s] == key || c->keys[s] == 0)
            return s;
    }
    return -1;
}

/* Of key's slots, all taken, the one whose key was asked for longest ago. */
static unsigned least_recent_slot(const struct classifier *c, uint64_t key)
{
    unsigned oldest = (unsigned)(key % CLASSIFY_SLOTS);
    for (unsigned i = 1; i < CLASSIFY_PROBES; i++) {
        unsigned s = (unsigned)((key + i) % CLASSIFY_SLOTS);
        if (c->asked[s] < c->asked[oldest])
            oldest = s;
    }
    return oldest;
}

void classify_note_request(struct classifier *c, uint64_t key)
{
    long s = find_slot(c, key);
    if (s < 0) { /* a new pair where every slot is taken: the least recent goes */
        s = least_recent_slot(c, key);
        c->counts[s] = c->held[s] = 0;
        c->answered_ns[s] = 0;
    }
    c->keys[s] = key;
    c->counts[s]++;
    c->asked[s] = ++c->requests;
}

void classify_note_held(struct classifier *c, uint64_t key)
{
    long s = find_slot(c, key);
    if (s >= 0 && c->keys[s] == key)
        c->held[s]++;
}

void classify_note_answer(struct classifier *c, uint64_t key, int64_t ns)
{
    long s = find_slot(c, key);
    if (s >= 0 && c->keys[s] == key)
        c->answered_ns[s] = ns;
}

int64_t classify_answered_ns(const struct classifier *c, uint64_t key)
{
    long s = find_slot(c, key);
    return s >= 0 && c->keys[s] == key ? c->answered_ns[s] : 0;
}

unsigned classify_requests(const struct classifier *c, uint64_t key)
{
    long s = find_slot(c, key);
    return s >= 0 && c->keys[s] == key ? c->counts[s] : 0;
}

unsigned classify_holds(const struct classifier *c, uint64_t key)
{
    long s = find_slot(c, key);
    return s >= 0 && c->keys[s] == key ? c->held[s] : 0;
}

enum technique classify_flow(const struct classifier *c, const struct flow_traits *t)
{
    if (t->flash)
        return TECH_FLASH;
    enum technique best = TECH_HTTP;
    for (int k = 0; k < TECH_PUSH_COUNT; k++)
        if (t->exchanges[k] && (best == TECH_HTTP || t->exchanges[k] > t->exchanges[best]))
            best = (enum technique)k;
    if (best != TECH_HTTP)
        return best;
    if (t->ws_joined_late) /* frames masked one way only: a WebSocket joined late */
        return TECH_WS;
    if (t->requests == 0)
        return TECH_UNKNOWN;
    if (classify_repeated(c, t)) { /* a poller's first connection: how did it go on? */
        if (t->path_javascript)
            return TECH_JSONP;
        return classify_holds(c, t->path_key) ? TECH_LONGPOLL : TECH_POLL;
    }
    return TECH_HTTP;
}

bool classify_repeated(const struct classifier *c, const struct flow_traits *t)
{
    return classify_requests(c, t->path_key) >= 2;
}

bool classify_may_repeat(const struct classifier *c, const struct flow_traits *t)
{
    return t->path_key && !classify_repeated(c, t) && classify_flow(c, t) == TECH_HTTP;
}

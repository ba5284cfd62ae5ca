/* hub.h -- the event hub: where every server's events are made, numbered,
 * remembered and fanned out.
 *
 * Each event gets the next sequence number (from 1) and the wall-clock time
 * in milliseconds, and its JSON object (proto/event.h) is written once, so
 * every technique sends byte-identical event text.  A ring of the last
 * `backlog` events answers "what came after seq N?" for short polls,
 * long polls and SSE resumption, and says how many were lost when N is
 * older than the ring.  Subscribers are called for each new event.
 */
#ifndef LAB_HUB_H
#define LAB_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"
#include "proto/event.h"

struct hub_event {
    uint64_t seq;         /* 1, 2, 3... per server run */
    int64_t ts_ms;        /* wall clock when made (Unix ms) */
    enum event_kind kind; /* EVENT_TICK or EVENT_CHAT */
    char *json;           /* the event object, owned by the hub */
    size_t json_len;
};

struct hub_sub;
/* Called for every new event.  May unsubscribe its own sub (or others). */
typedef void hub_event_fn(struct hub_sub *sub, const struct hub_event *ev);

/* A subscription, embedded in the subscriber's own state (no allocation). */
struct hub_sub {
    struct hub_sub *prev, *next; /* private: the hub's list */
    hub_event_fn *fn;            /* what to call */
    void *arg;                   /* the subscriber's state */
    int subscribed;              /* private: 1 while in the list */
    uint64_t after;              /* private: the newest seq when it subscribed */
};

struct hub;

/* A hub remembering `backlog` events (>= 1).  NULL when out of memory. */
struct hub *hub_new(size_t backlog);
/* Frees the hub and its events; subscribers must be gone. */
void hub_free(struct hub *hub);

/* Make an event, remember it and call every subscriber.  text is UTF-8
 * (copied).  Returns the event (valid until `backlog` more are made), or
 * NULL when out of memory. */
const struct hub_event *hub_publish(struct hub *hub, enum event_kind kind, const char *text,
                                    size_t text_len);

/* The seq of the newest event (0 before the first). */
uint64_t hub_last_seq(const struct hub *hub);
/* The event with this seq, or NULL when it is not (or no longer) held. */
const struct hub_event *hub_get(const struct hub *hub, uint64_t seq);
/* Where to resume for a client that has seen everything up to `since`:
 * returns the first seq still held after since (> hub_last_seq when there
 * is nothing new) and sets *lost to how many events after since are gone
 * from the backlog. */
uint64_t hub_resume(const struct hub *hub, uint64_t since, uint64_t *lost);
/* The `since` a client sent, made sense of: seq starts again at 1 in every
 * run of a server, so a seq beyond the newest one was handed out by an
 * earlier run, and that client has seen nothing of this run: 0. */
uint64_t hub_since(const struct hub *hub, uint64_t since);

/* Start and stop calling sub->fn for new events. */
void hub_subscribe(struct hub *hub, struct hub_sub *sub, hub_event_fn *fn, void *arg);
void hub_unsubscribe(struct hub *hub, struct hub_sub *sub);
/* Number of subscribers. */
size_t hub_subscribers(const struct hub *hub);

/* Publish a "tick" event every interval_ms (0: never).  0 or -1. */
int hub_start_ticks(struct hub *hub, struct loop *loop, uint64_t interval_ms);

#endif

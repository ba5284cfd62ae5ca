/* hub.c -- numbering, remembering and fanning out events (see hub.h).
 *
 * The backlog is a ring: event seq s lives in slot (s - 1) % backlog, so
 * finding an event is one division, and the oldest is overwritten when the
 * ring is full.  Fan-out walks a doubly linked list of subscriptions; the
 * walk keeps its next step in the hub, so a subscriber may unsubscribe
 * itself or any other during the walk (a slow reader being cut off does
 * exactly that) without breaking it.
 */
#include "lab/hub.h"

#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>


struct hub {
    struct hub_event *ring; /* backlog slots */
    size_t backlog;         /* number of slots */
    uint64_t last_seq;      /* newest seq, 0 before the first */
    struct hub_sub *subs;   /* subscriber list head */
    size_t num_subs;
    struct hub_sub *walk_next; /* next subscriber of the fan-out in progress */
    uint64_t fanned_out;       /* newest seq handed to the subscribers */
    bool fanning;              /* a fan-out is in progress */
    struct loop_timer *tick;   /* periodic tick timer or NULL */
};

struct hub *hub_new(size_t backlog)
{
    if (backlog == 0)
        return NULL;
    struct hub *hub = calloc(1, sizeof *hub);
    if (!hub)
        return NULL;
    hub->ring = calloc(backlog, sizeof *hub->ring);
    if (!hub->ring) {
        free(hub);
        return NULL;
    }
    hub->backlog = backlog;
    return hub;
}

void hub_free(struct hub *hub)
{
    if (!hub)
        return;
    for (size_t i = 0; i < hub->backlog; i++)
        free(hub->ring[i].json);
    free(hub->ring);
    free(hub);
}

uint64_t hub_last_seq(const struct hub *hub) { return hub->last_seq; }
size_t hub_subscribers(const struct hub *hub) { return hub->num_subs; }

/* The oldest seq still held (1 until the ring has wrapped). */
static uint64_t first_held(const struct hub *hub)
{
    return hub->last_seq > hub->backlog ? hub->last_seq - hub->backlog + 1 : 1;
}

const struct hub_event *hub_get(const struct hub *hub, uint64_t seq)
{
    if (seq == 0 || seq > hub->last_seq || seq < first_held(hub))
        return NULL;
    return &hub->ring[(seq - 1) % hub->backlog];
}

uint64_t hub_resume(const struct hub *hub, uint64_t since, uint64_t *lost)
{
    uint64_t first = first_held(hub);
    uint64_t want = since + 1;
    if (since >= hub->last_seq || want >= first) {
        *lost = 0;
        return since >= hub->last_seq ? hub->last_seq + 1 : want;
    }
    *lost = first - want;
    return first;
}

uint64_t hub_since(const struct hub *hub, uint64_t since)
{
    return since > hub->last_seq ? 0 : since;
}

const struct hub_event *hub_publish(struct hub *hub, enum event_kind kind, const char *text,
                                    size_t text_len)
{
    int64_t ts = loop_wall_ms();
    uint64_t seq = hub->last_seq + 1;
    size_t need = event_write(NULL, 0, seq, ts, kind, text, text_len);
    char *json = malloc(need);
    if (!json)
        return NULL;
    event_write(json, need, seq, ts, kind, text, text_len);

    struct hub_event *slot = &hub->ring[(seq - 1) % hub->backlog];
    free(slot->json); /* the event backlog places ago falls out */
    slot->seq = seq;
    slot->ts_ms = ts;
    slot->kind = kind;
    slot->json = json;
    slot->json_len = need;
    hub->last_seq = seq;

    /* A subscriber's callback may publish in turn (answering a held poll
     * lets a POST /send pipelined behind it run).  That event only waits in
     * the ring: the fan-out already running hands it out once the current
     * one has reached everybody, so no subscriber misses one or gets them
     * out of order. */
    if (hub->fanning)
        return slot;
    hub->fanning = true;
    while (hub->fanned_out < hub->last_seq) {
        const struct hub_event *ev = hub_get(hub, ++hub->fanned_out);
        for (struct hub_sub *sub = ev ? hub->subs : NULL; sub; sub = hub->walk_next) {
            hub->walk_next = sub->next;
            if (ev->seq > sub->after) /* older ones it read from the backlog */
                sub->fn(sub, ev);
        }
    }
    hub->walk_next = NULL;
    hub->fanning = false;
    return slot;
}

void hub_subscribe(struct hub *hub, struct hub_sub *sub, hub_event_fn *fn, void *arg)
{
    if (sub->subscribed)
        return;
    sub->fn = fn;
    sub->arg = arg;
    sub->prev = NULL;
    /* Added at the head: a subscriber added during a fan-out does not get
     * the event being delivered (it will have read the backlog instead). */
    sub->next = hub->subs;
    sub->after = hub->last_seq;
    if (hub->subs)
        hub->subs->prev = sub;
    hub->subs = sub;
    sub->subscribed = 1;
    hub->num_subs++;
}

void hub_unsubscribe(struct hub *hub, struct hub_sub *sub)
{
    if (!sub->subscribed)
        return;
    if (hub->walk_next == sub)
        hub->walk_next = sub->next;
    if (sub->prev)
        sub->prev->next = sub->next;
    else
        hub->subs = sub->next;
    if (sub->next)
        sub->next->prev = sub->prev;
    sub->prev = sub->next = NULL;
    sub->subscribed = 0;
    hub->num_subs--;
}

static void on_tick(struct loop *loop, void *arg)
{
    (void)loop;
    struct hub *hub = arg;
    char text[32];
    int n = snprintf(text, sizeof text, "tick %llu", (unsigned long long)(hub->last_seq + 1));
    hub_publish(hub, EVENT_TICK, text, (size_t)n);
}

int hub_start_ticks(struct hub *hub, struct loop *loop, uint64_t interval_ms)
{
    if (interval_ms == 0)
        return 0;
    hub->tick = loop_add_timer(loop, interval_ms, interval_ms, on_tick, hub);
    return hub->tick ? 0 : -1;
}

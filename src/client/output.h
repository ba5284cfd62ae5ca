/* output.h -- what pushlab-client prints: a line per event, the --send
 * round trip, and the load summary, as text or as JSON (--json). */
#ifndef CLIENT_OUTPUT_H
#define CLIENT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "client/load_stats.h"
#include "proto/event.h"

/* The load summary (DESIGN.md, "Client"). */
struct load_summary {
    const char *technique;        /* TECHNIQUE name */
    uint64_t clients;             /* --clients */
    uint64_t connected;           /* clients that got subscribed */
    uint64_t events_delivered;    /* events inside the clients' windows */
    uint64_t events_expected;     /* events made while each client was connected */
    struct latency_summary latency; /* delivery latency (or round trip with --echo) */
    uint64_t requests;            /* HTTP requests, handshakes, policy requests */
    uint64_t bytes_up, bytes_down;/* TCP payload bytes both ways */
    double header_bytes_per_event;/* HTTP heads and WebSocket frame headers per event, in the
                                     clients' steady state (run.c, summarise) */
    bool header_bytes_known;      /* some event arrived in that window (else null / "none") */
    uint64_t errors;              /* clients that failed */
    const char *first_error;      /* the first failure, or NULL */
    double duration_s;            /* the measured window */
    double drain_s;               /* how long the run waited after it for events in flight */
    bool echo;                    /* --echo: events are round trips */
};

/* One event: "seq=N kind=K latency_ms=L text="..."" or a JSON object. */
void output_event(bool json, const struct event_view *ev, const char *text, int64_t latency_ms);
/* The --send message came back as event seq after rtt_ms. */
void output_sent(bool json, const char *text, uint64_t seq, double rtt_ms);
/* The load summary: aligned rows, or one JSON object. */
void output_summary(bool json, const struct load_summary *sum);

#endif

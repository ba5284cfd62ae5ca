/* client.h -- what the parts of pushlab-client share.
 *
 * A *run* is one event loop driving one client (which prints every event)
 * or many (load mode, which adds them up into a summary).  A *session* is
 * one client: its connection, its progress and its counters.  A
 * *technique* is the protocol a session speaks; each technique family
 * (tech_poll.c, tech_stream.c, tech_sse.c, tech_ws.c, tech_flash.c) fills in
 * a `struct technique_ops`, and session.c does the rest: connecting,
 * deadlines, timers, and handing every decoded event to the run.
 */
#ifndef CLIENT_CLIENT_H
#define CLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/load_stats.h"
#include "client/url.h"
#include "net/conn.h"
#include "net/loop.h"
#include "proto/event.h"

struct session;
struct run;

/* ------------------------------------------------------------ techniques */

/* One technique, as the client speaks it.  Every callback gets the session;
 * the technique keeps its own state in s->state (state_size bytes, zeroed). */
struct technique_ops {
    const char *name;         /* the TECHNIQUE argument: "poll", "sse"... */
    const char *summary;      /* one line for --help: at most 61 characters */
    int default_port;         /* PORT_* of pushlab.h */
    const char *default_path; /* "/poll"; NULL for a raw TCP technique */
    size_t state_size;        /* bytes of s->state */
    /* Begin: open the first connection (session_connect) or plan it. */
    void (*start)(struct session *s);
    /* The connection is open (s->conn): send what starts the exchange. */
    void (*connected)(struct session *s);
    /* New bytes wait in conn_input(s->conn). */
    void (*on_read)(struct session *s);
    /* The connection closed (s->conn is NULL again; why: the conn's close
     * reason).  The technique decides what that means: the next poll, a
     * reconnection, the end of the stream, or an error. */
    void (*closed)(struct session *s, const char *why);
    /* Optional: a connection attempt failed (err: errno).  Without it the
     * session fails ("cannot connect"). */
    void (*connect_failed)(struct session *s, int err);
    /* Optional: send text up the technique's own channel (a WebSocket or
     * Flash message).  Without it, --send uses POST /send.  0 or -1. */
    int (*send_text)(struct session *s, const char *text, size_t len);
    /* Optional: the run is ending: close politely (a WebSocket close
     * frame) and call session_done() when finished.  Without it the
     * connection is simply closed. */
    void (*stop)(struct session *s);
    /* Optional: free what s->state owns (the run frees s->state itself). */
    void (*cleanup)(struct session *s);
};

/* Every technique, in the order --help lists them; ended by NULL. */
extern const struct technique_ops tech_poll, tech_jsonp, tech_longpoll, tech_iframe, tech_xhr,
    tech_multipart, tech_flash, tech_sse, tech_ws;
extern const struct technique_ops *const techniques[];
/* Not a technique but shaped as one: --send's POST /send (chat_post.c). */
extern const struct technique_ops chat_post;

/* ------------------------------------------------------------ options */

struct client_options {
    const struct technique_ops *tech; /* the TECHNIQUE argument */
    struct url url;         /* where to connect; port and target filled in */
    long count;             /* --count: stop after this many events (0: no limit) */
    long duration_ms;       /* --duration in ms (0: no limit) */
    long hold_ms;           /* --hold: load mode ends this long after the last client sent its
                               first request (0: --duration counts from the start instead) */
    const char *send;       /* --send TEXT, or NULL */
    bool json;              /* --json */
    long clients;           /* --clients; 0 = one client printing its events */
    long poll_interval_ms;  /* --poll-interval */
    bool echo;              /* --echo: WebSocket round trips against /echo */
    long in_flight;         /* --in-flight: echo messages out at once per client (1) */
};

/* ------------------------------------------------------------ sessions */

struct session {
    struct run *run;              /* the run it belongs to (borrowed) */
    const struct technique_ops *tech; /* = run->opt->tech */
    struct conn *conn;            /* the open connection, or NULL */
    int connect_fd;               /* a connect in progress, or -1 */
    int connect_nth;              /* which of the host's addresses it goes to (sock_connect) */
    uint64_t connect_us;          /* monotonic µs the connect in progress began (a handshake RTT) */
    unsigned source;              /* load mode: connects from 127.0.0.N to a loopback server
                                     (sock_connect); 0: from the usual address */
    struct loop_timer *timer;     /* the technique's next step (session_after), or NULL */
    void (*step)(struct session *s); /* what that timer calls */
    struct loop_timer *deadline;  /* session_expect's deadline, or NULL */
    const char *waiting_for;      /* what the deadline waits for, for the error message */
    uint64_t waiting_ms;          /* and how long it waits */
    void *state;                  /* the technique's state (owned, freed with the session) */

    bool started;                 /* start() ran */
    bool ready;                   /* subscribed at least once: events are expected from now */
    bool open;                    /* the channel was open at least once: it may send */
    bool done;                    /* finished (stopped, failed or ended by the server) */
    bool failed;                  /* done because of an error */
    bool stopping;                /* the run asked it to stop */
    bool auxiliary;               /* a helper connection of the run (POST /send), not a client */
    bool reconnected;             /* it has reconnected since the last event (SSE) */
    bool in_flight;               /* started, but its first request is not out yet (run.c) */
    int64_t ready_ms;             /* wall clock when it first became ready */
    int64_t gone_ms;              /* wall clock when it failed or ended (0: not yet) */

    uint64_t last_seq;            /* newest seq received (0: none yet) */
    uint64_t events;              /* events received */
    uint64_t counted;             /* events inside its load window (see run.c) */
    uint64_t requests;            /* HTTP requests (a handshake or policy request counts) */
    uint64_t header_bytes;        /* HTTP heads both ways and WebSocket frame headers, of its
                                     steady state: sent or received after it was subscribed
                                     and before the cut (session_header_bytes; run.c) */
    uint64_t window_events;       /* events made after it was subscribed that arrived before
                                     the cut: what those header bytes paid for (run.c) */
    uint64_t bytes_up, bytes_down;/* bytes of its closed connections */

    uint64_t echo_seq;            /* --echo: seq of the newest message out, 0 when none */
    uint64_t echo_back;           /* --echo: seq of the newest one echoed (they come in order) */
    uint64_t *echo_sent_us;       /* --echo: monotonic µs each message out was sent, a ring of
                                     --in-flight slots by seq (owned; NULL without --echo) */
};

/* Start connecting to the URL's host and port; connected() or
 * connect_failed() follows.  Arms the connect deadline. */
void session_connect(struct session *s);
/* Fail the session unless session_answered() is called within ms:
 * "no answer from HOST:PORT within N s (waiting for WHAT)". */
void session_expect(struct session *s, const char *what, uint64_t ms);
/* What session_expect waited for has arrived. */
void session_answered(struct session *s);
/* Call fn(s) once, ms from now (replaces a step already planned). */
void session_after(struct session *s, uint64_t ms, void (*fn)(struct session *s));
/* Close the connection on purpose; closed() still runs. */
void session_close_conn(struct session *s, const char *why);
/* n bytes of HTTP head or WebSocket frame header went out or came in:
 * counted in s->header_bytes when inside the steady state (see there). */
void session_header_bytes(struct session *s, uint64_t n);

/* The session is subscribed: every event made from now on must arrive.
 * Called again after a reconnection (the first time is what counts).
 * Implies session_open. */
void session_ready(struct session *s);
/* The channel is open: the client may send (--send, --echo).  Only the
 * first call counts. */
void session_open(struct session *s);
/* An event was decoded (text: its decoded text, NUL-terminated). */
void session_event(struct session *s, const struct event_view *ev, const char *text);
/* Find every complete event in buf[0..len) and deliver it.  Returns how
 * many bytes the caller may drop: up to the start of an event still
 * incomplete, or all of them. */
size_t session_scan_events(struct session *s, const char *buf, size_t len);

/* The server said something it should not have: print (or count) the
 * error, close everything, mark the session done and failed. */
void session_fail(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The server ended the exchange in an orderly way (the last chunk, a
 * WebSocket close): done, with why as the note. */
void session_end(struct session *s, const char *why);
/* The session has finished stopping (after the run asked it to). */
void session_done(struct session *s);
/* A line for the person at the terminal (single-client mode only). */
void session_note(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The URL target a technique requests: the URL's own path if it has one,
 * else the technique's default path.  Borrowed from the options. */
const char *session_target(const struct session *s);

/* ------------------------------------------------------------ the run */

/* What a session tells its run.  run.c fills these in and session.c calls
 * them through s->run->hooks: the run's code is handed down to the
 * sessions, never called up, so calls between the two files run one way
 * (run.c -> session.c). */
struct session_hooks {
    /* The session's first request is out, or it ended before sending one
     * (more calls change nothing): the ramp may start another client. */
    void (*sent_first)(struct run *r, struct session *s);
    /* The session became done. */
    void (*done)(struct run *r, struct session *s);
    /* Every event, after the order checks. */
    void (*event)(struct run *r, struct session *s, const struct event_view *ev, const char *text,
                  uint64_t latency_us);
    /* The channel is open: single mode sends --send now, --echo starts. */
    void (*open)(struct run *r, struct session *s);
};

struct run {
    const struct client_options *opt; /* parsed options (borrowed) */
    const struct session_hooks *hooks; /* run.c's answers to its sessions */
    struct loop *loop;            /* the one event loop */
    struct session *sessions;     /* opt->clients of them (1 in single mode) */
    size_t n;                     /* number of sessions */
    size_t started;               /* sessions started so far (load mode ramps up) */
    size_t active;                /* sessions not done */
    size_t in_flight;             /* sessions started whose first request is not out yet */
    bool load;                    /* load mode: summarise instead of printing */
    struct loop_timer *ramp;      /* starts the next batch of sessions */
    bool finishing;               /* the end was reached: sessions are stopping */
    int64_t cut_ms;               /* load: the end of the measured window (0: open) */
    uint64_t start_us;            /* monotonic µs at the start (rates) */
    uint64_t cut_us;              /* monotonic µs at the cut */
    uint64_t finish_us;           /* monotonic µs when the run began to finish (the drain's end) */
    struct loop_timer *drain;     /* load: checks, after the cut, whether all events are in */
    uint64_t drain_quiet_ms;      /* the drain may end this long after the cut with no event
                                     made after it seen (pushlab.h, LOAD_DRAIN_QUIET_MS) */
    uint64_t drain_max_ms;        /* and ends this long after it at the latest */
    bool after_cut_seen;          /* an event made after the cut has arrived */
    uint64_t handshake_min_us;    /* the shortest TCP handshake of the run (0: none yet) */
    uint64_t errors;              /* sessions that failed */
    char first_error[256];        /* the first failure's message */
    struct load_stats stats;      /* latencies and the seq timeline (load mode) */
    /* --send (single mode) */
    struct session post;          /* the POST /send helper of the HTTP techniques */
    bool sent;                    /* the chat message went out */
    uint64_t sent_us;             /* when (monotonic µs) */
    bool echoed;                  /* it came back as an event */
    bool counted_out;             /* --count was reached while the POST was still out */
    int exit_code;                /* what main returns */
};

/* Run the client as the options say; returns the exit code. */
int run_client(const struct client_options *opt);

/* Begin the end: stop every session (politely) and leave the loop when
 * they are done.  exit_code is kept if it is already non-zero. */
void run_finish(struct run *r, int exit_code);
/* Monotonic microseconds (latency of round trips). */
uint64_t client_now_us(void);

#endif

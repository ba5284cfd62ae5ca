/* technique.h -- what a technique file fills in (struct technique), and
 * the server it then runs in (struct server), as the skeleton (server.c)
 * and every connection (peer.c) see them.  Types only: the skeleton's
 * entry point is in server.h, so a connection can know its server without
 * calling back into the skeleton.
 */
#ifndef LAB_TECHNIQUE_H
#define LAB_TECHNIQUE_H

#include <stdbool.h>
#include <stddef.h>

#include "lab/hub.h"
#include "net/loop.h"
#include "proto/http.h"

struct server;
struct peer;

/* A numeric flag a technique adds (--hold SECONDS, --ping SECONDS...). */
struct server_flag {
    const char *name;    /* long option name, without "--" */
    const char *metavar; /* "SECONDS" */
    const char *help;    /* one line for --help */
    long *value;         /* holds the default; set by the parser */
    long min, max;       /* accepted range */
    const char *zero;    /* what 0 means ("never"), for --help; or NULL */
};

/* One of a technique's own paths and the method it serves there. */
struct technique_path {
    const char *path;   /* "/poll": the whole path, without the query */
    const char *method; /* "GET" (which serves HEAD too) */
};

struct technique {
    const char *name;     /* "poll": the binary is pushlab-poll */
    const char *summary;  /* one line: what the technique is */
    int default_port;     /* PORT_* of pushlab.h */
    const char *page;     /* demo page served at GET /: "/poll.html" */
    const struct server_flag *flags; /* extra flags, ended by {0}; or NULL */
    const char *endpoints; /* lines for --help describing the endpoints */

    /* Called once after the hub exists and before the first connection
     * (subscribe, set up timers).  0, or -1 to exit with an error. */
    int (*start)(struct server *s);
    /* Its own paths, ended by {0} (the skeleton serves "/", the other
     * files of src/web and "/send").  From them and a request's head
     * alone the skeleton answers 404, 405 or 501, before any body. */
    const struct technique_path *paths;
    /* A request for one of `paths` with the method it serves: answer it,
     * hold it, or start a stream.  The request and its slices are valid
     * during the call only. */
    void (*request)(struct peer *p, const struct http_request *req);
    /* Optional: look at a connection's first bytes (conn_input) before any
     * HTTP parsing.  Return 1 after taking the connection with
     * peer_take_raw(), 0 to treat it as HTTP, PROTO_PARTIAL to wait for
     * more bytes.  (The Flash server sniffs its policy request this way.) */
    int (*sniff)(struct peer *p);
    /* How long to wait for a first byte before calling sniff() with no
     * input (it must then decide: 1 or 0), plus the connection's
     * retransmission timeout (peer.c).  A Flash data client sends nothing
     * first, an HTTP client always does. */
    unsigned sniff_ms;
    /* Optional: the server is stopping; say goodbye on open channels
     * (a WebSocket close frame...).  Connections are closed after it. */
    void (*stopping)(struct server *s);
};

/* The common options (DESIGN.md "Common flags"). */
struct server_options {
    int port;            /* -p/--port; 0 = pick a free one */
    const char *bind;    /* -b/--bind */
    long interval_ms;    /* --interval; 0 = no ticks */
    long max_clients;    /* --max-clients */
    bool verbose;        /* -v: log each request */
};

/* Where a server's words go: the programs' (src/servers/), since library
 * code never prints (log.c).  Each gets whole pieces of text, newlines
 * included; NULL drops them. */
struct server_sinks {
    void (*out)(const char *text); /* stdout: "listening on", --help, --version */
    void (*err)(const char *text); /* stderr: errors and log lines */
};

struct server {
    const struct technique *tech; /* what this server is */
    const struct server_sinks *sinks; /* the program's, borrowed for the run; or NULL */
    struct server_options opt;    /* parsed flags */
    struct loop *loop;            /* the event loop */
    struct hub *hub;              /* the event hub */
    int listen_fd;                /* listening socket */
    int reserve_fd;               /* a spare descriptor (/dev/null), given up to refuse a
                                     connection with 503 when the others are used up */
    struct loop_timer *accept_timer; /* resumes accepting after an EMFILE pause, or NULL */
    uint64_t fd_log_ms;           /* loop time of the last "out of descriptors" log line */
    unsigned long fd_refused;     /* connections refused for want of a descriptor since then */
    int port;                     /* the port actually bound */
    size_t clients;               /* open connections */
    struct peer *peers;           /* every open connection (list) */
};

#endif

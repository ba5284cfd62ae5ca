/* pushlab.h -- every default and limit of pushlab, in one place.
 *
 * The contract in DESIGN.md (ports, defaults) and the limits every server
 * enforces live here and nowhere else, so a student who wants to know "how
 * big may a request head be?" finds one answer.  Codecs in src/proto do not
 * include this file: their callers pass the limits in.  Everything else may.
 */
#ifndef PUSHLAB_H
#define PUSHLAB_H

#define PUSHLAB_VERSION "0.1.0"

/* ---- default ports, one per technique (DESIGN.md, "Servers") ---- */
#define PORT_POLL      8001 /* short polling and JSONP */
#define PORT_LONGPOLL  8002
#define PORT_IFRAME    8003
#define PORT_XHR       8004 /* chunked NDJSON and multipart */
#define PORT_FLASH     8005
#define PORT_SSE       8006
#define PORT_WS        8007

/* ---- common server defaults ---- */
#define DEFAULT_BIND          "127.0.0.1"
#define DEFAULT_INTERVAL_MS   1000    /* one tick event a second */
#define DEFAULT_MAX_CLIENTS   20000   /* enough for the 10,000-client labs */
#define LISTEN_BACKLOG        4096
#define SERVER_FD_MARGIN      64      /* descriptors a server needs besides its clients' */
#define ACCEPT_PAUSE_MS       100     /* out of descriptors (EMFILE): stop accepting this long */
#define FD_LOG_INTERVAL_MS    1000    /* ... and say so in the log at most this often */

/* ---- request limits (answered with 431, 414, 413) ---- */
#define MAX_HEAD_BYTES        8192    /* request or response head */
#define MAX_HEADERS           64      /* header lines in one head */
#define MAX_TARGET_BYTES      2048    /* request target; longer -> 414 */
#define MAX_BODY_BYTES        65536   /* POST /send body; larger -> 413 */
#define MAX_CHAT_BYTES        4096    /* text of one chat event */

/* ---- connections ---- */
#define MAX_OUTPUT_QUEUE      (1024 * 1024) /* queued bytes before a slow reader is cut off */
#define IDLE_TIMEOUT_MS       60000   /* a connection with nothing to do */
#define HEAD_TIMEOUT_MS       10000   /* a request head must arrive in this time from its first byte (408) */
#define CLOSE_LINGER_MS       5000    /* wait for the peer's close after ours */
#define LINGER_MS             2000    /* lingering close: wait this long for the peer's FIN */
#define LINGER_MAX_BYTES      (4 * 1024 * 1024) /* ... and discard at most this much of its input */
#define BODY_MIN_RATE         1024    /* bytes/s: a body of N bytes gets HEAD_TIMEOUT_MS + N/rate s */

/* ---- the event hub ---- */
#define HUB_BACKLOG           1024    /* events kept for since= and Last-Event-ID */
#define EVENT_JSON_MAX        (MAX_CHAT_BYTES * 6 + 128) /* worst case: every byte escaped */

/* ---- techniques ---- */
#define LONGPOLL_HOLD_S       25      /* longest a long poll is held */
#define SSE_HEARTBEAT_S       15      /* comment line to keep proxies awake */
#define SSE_RETRY_MS          2000    /* sent once as retry: */
#define IFRAME_PADDING_BYTES  1024    /* prelude padding so browsers render early */
#define WS_MAX_MESSAGE        (16 * 1024 * 1024) /* --max-message default */
#define WS_PING_S             30      /* --ping default */
#define WS_PONG_TIMEOUT_S     60      /* silent peer dropped after this */
#define WS_MAX_MESSAGE_CAP    (256 * 1024 * 1024) /* largest --max-message accepted */
#define WS_FLAG_SECONDS_MAX   3600    /* longest --ping or --pong-timeout */
#define FLASH_MAX_MESSAGE     65536   /* a NUL-terminated message */
#define FLASH_POLICY_TIMEOUT_MS 3000  /* the client waits this long for a policy */
#define FLASH_SNIFF_MS        300     /* no first bytes this long and a retransmission
                                         timeout more: a data channel (200 ms more on
                                         loopback, 1 s at a 300 ms round trip) */

/* ---- the client, pushlab-client ---- */
#define CLIENT_POLL_INTERVAL_MS 1000  /* --poll-interval default */
#define CLIENT_CONNECT_TIMEOUT_MS 5000 /* connect, then the answer's head, must come in this time */
#define CLIENT_MAX_INPUT      (1024 * 1024) /* buffered input: a body piece, a frame, a message */
/* One message of any technique -- an SSE event's data, an NDJSON line, a
 * multipart part, an iframe <script>, a Flash or WebSocket message -- may
 * be this long: the largest event a server makes, with room for framing.
 * A longer one fails the client with an error naming the limit, so a
 * server that never ends a message cannot keep it reading for ever. */
#define CLIENT_MAX_MESSAGE    (EVENT_JSON_MAX + 1024)
#define CLIENT_SSE_RETRY_MS   3000    /* reconnection delay until the server sends retry: */
#define CLIENT_JSONP_CALLBACK "pushlab_cb" /* the function name a JSONP poll asks for */
#define LOAD_MAX_CLIENTS      100000  /* --clients upper bound */
#define LOAD_CLIENTS_PER_SOURCE 20000 /* more clients than this connect from several loopback
                                         source addresses, 127.0.0.2, .3, ... (ephemeral ports) */
#define LOAD_DEFAULT_DURATION_S 10    /* a load run without --duration */
#define LOAD_CONNECT_STEP_MS  10      /* time between ramp steps */
/* The ramp: each step starts clients until this many are "in flight",
 * started but their first request not yet sent.  A connect is over in the
 * kernel at once, but the client writes only when its loop reaches that
 * socket; starting a fixed batch each step, a busy CPU made a queue and
 * the server saw 10,000 Flash clients silent for 0.3-0.7 s -- past
 * FLASH_SNIFF_MS, so policy requests were taken for data channels, and
 * every technique's latency held the client's own lag.  100 in flight
 * keep that lag to tens of ms even on a contended CPU, bound the SYNs of a
 * step (the server's listen backlog), and still start 10,000 clients in
 * about 1 s (2-3 s on a busy CPU). */
#define LOAD_MAX_IN_FLIGHT    100
#define ECHO_MAX_IN_FLIGHT    64      /* --in-flight upper bound */
/* The drain: after the end of a load run, events made before it may still
 * be on their way.  The run waits until every client has every event the
 * others got (and one made after the end has arrived, which proves no
 * older one is still unknown), checking every LOAD_DRAIN_CHECK_MS.  With
 * no such event (a server without ticks), it stops LOAD_DRAIN_QUIET_MS
 * after the end once no client lacks an event.  A client that still
 * lacks one is waited for LOAD_DRAIN_MAX_MS plus LOAD_DRAIN_RTTS of the
 * shortest TCP handshake the run saw: TCP resends a lost segment after
 * at least 200 ms and about one RTT plus four times its variation, and
 * doubles the wait each time the resend is lost too, so three losses in
 * a row cost several seconds, more on a long round trip.  Poll and
 * JSONP add one --poll-interval to both (the next poll fetches the
 * events).  What has not come by then is missing. */
#define LOAD_DRAIN_CHECK_MS   10
#define LOAD_DRAIN_QUIET_MS   1500
#define LOAD_DRAIN_MAX_MS     5000
#define LOAD_DRAIN_RTTS       16
#define LOAD_MAX_SAMPLES      20000000 /* latency samples kept for percentiles (80 MB) */
#define LOAD_MAX_SEQ_SPAN     10000000 /* seqs a load run can follow (a bogus seq is an error) */

/* ---- pushviz (viz/) ---- */
#define VIZ_DEFAULT_IFACE     "lo"
#define VIZ_DEFAULT_USER      "nobody" /* privileges dropped to this after activation */
#define VIZ_SNAPLEN           262144  /* the largest packet a saved file may hold */
#define VIZ_LIVE_SNAPLEN      (65536 + 64) /* bytes kept of a live packet: loopback's MTU and the link header */
#define VIZ_CAPTURE_BUFFER    (64 * 1024 * 1024) /* kernel ring for a live capture */
#define VIZ_CAPTURE_QUEUE     (128 * 1024 * 1024) /* packets read from the ring, waiting for dissection */
#define VIZ_WRITE_BUFFER      (1024 * 1024) /* -w and `w` write the file in blocks this large */
#define VIZ_WRITE_FLUSH_MS    1000    /* ... and flush at least this often */
#define VIZ_FILE_BUFFER       (2 * 1024 * 1024)  /* a capture file is read in blocks this large */
#define VIZ_READ_TIMEOUT_MS   50      /* the kernel hands over captured packets at least this often */
#define VIZ_LIVE_SETTLE_MS    250     /* live: a packet not handed over yet is at most this old (the kernel's timeout and the reader's turn) */
#define VIZ_REASM_FLOW_CAP    (1024 * 1024)      /* out-of-order bytes held per direction */
#define VIZ_REASM_GLOBAL_CAP  (32 * 1024 * 1024) /* out-of-order bytes held in all */
#define VIZ_MAX_FLOWS         262144  /* flows open at once (a power of two; about 1 KiB each while open, see flows.c); more: the quietest is finished early */
#define VIZ_ENDED_FLOWS       16384   /* ended flows remembered for their stragglers (a FIN sent again, a late RST) */
#define VIZ_UNACKED_MAX       1024    /* unacknowledged segments remembered per direction for ack RTT */
#define VIZ_ITEM_ARENA        16384   /* bytes of text one item may carry */
#define VIZ_ITEM_FIELDS       24      /* fields one item may carry */
#define VIZ_PAYLOAD_SHOWN     256     /* payload bytes shown of a frame or message */
#define VIZ_SESSION_MAX       64      /* bytes kept of a push library's session id (longer ones are cut) */
#define VIZ_LONGPOLL_HOLD_MS  250     /* a response held this long is a long poll */
#define VIZ_HOLD_FLOW_S       30      /* a lone GET's flow item waits this long for a poller's next request */
#define VIZ_HOLD_FLOWS        64      /* flow items held so at once */
#define VIZ_RESET_WAIT_MS     1000    /* after a RST, how long what the other side had in flight may come (2 handshake RTTs when known) */
#define VIZ_RESET_WAITS       256     /* reset flows waiting so at once; past that the oldest is ended */
#define VIZ_MULTIPART_MAX     65536   /* bytes searched for the end of one part */
#define VIZ_DECODED_MAX       (16 * 1024 * 1024) /* decoded bytes of one content-coded body read as content; the rest is counted (a decompression bomb) */
#define VIZ_BODY_KEEP         (EVENT_JSON_MAX + 64) /* body bytes kept to find an event split across packets */
#define VIZ_HEAD_MAX          65536   /* an observed HTTP head may be this long (servers allow less) */
#define VIZ_RESYNC_CHECK_MAX  65536   /* after a gap, a chunk or WebSocket frame this long is waited for, to check what follows it */
#define VIZ_STREAM_KEEP       (256 * 1024) /* stream bytes a dissector may hold unparsed per direction */
/* Requests awaiting their response per flow: HTTP/1.1 pipelining, and the
 * HTTP/2 streams open at once (SETTINGS_MAX_CONCURRENT_STREAMS is commonly
 * 100).  A ring of 2 that doubles, so a power of two. */
#define VIZ_PENDING_REQUESTS  128
/* HTTP/2 streams per direction whose body is read as it comes (an event
 * stream, a multipart body, a compressed body): each holds an SSE parser,
 * a part buffer or a decoder. */
#define VIZ_H2_BODIES         16
#define VIZ_SETTINGS_TEXT     256     /* bytes of text that show an HTTP/2 SETTINGS payload's settings (about seven) */
#define VIZ_H2C_SETTINGS      32      /* settings read of an h2c upgrade's HTTP2-Settings field (curl sends 3); a longer one is said, not read */
#define VIZ_IPFRAG_DATAGRAMS  64      /* IP datagrams being reassembled at once; the oldest gives way */
#define VIZ_IPFRAG_BYTES      (4 * 1024 * 1024) /* fragment bytes held in all */
#define VIZ_IPFRAG_TIMEOUT_S  30      /* capture time a datagram may take to complete (Linux's ipfrag_time) */
#define VIZ_CACHE_LINE        64      /* bytes the processor loads from memory at once (x86-64, most arm64): records are laid out and prefetched by it */

/* ---- pushviz's interactive UI (viz/ui*.c) ---- */
#define UI_KEEP_BYTES         (256 * 1024 * 1024) /* items and frame copies the UI keeps for browsing */
#define UI_FRAME_MS           50      /* at most one redraw per this many ms while packets flow */
#define UI_LOAD_BATCH         2000    /* packets read from a file between two looks at the keyboard */
#define UI_SPEED_MIN          0.125   /* --realtime speed factor bounds (+ and - double or halve it) */
#define UI_SPEED_MAX          64.0
#define UI_LADDER_GAP_MS      100     /* the ladder prints a "time passes" line for gaps this long */
#define UI_SEARCH_MAX         256     /* bytes of a search or filter text */
#define UI_HISTORY            16      /* lines each prompt remembers (Up, Down) */
#define UI_MIN_COLS           80      /* the smallest terminal the layout is designed for */
#define UI_MIN_LINES          24

#endif

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

/* ---- request limits (answered with 431, 414, 413) ---- */
#define MAX_HEAD_BYTES        8192    /* request or response head */
#define MAX_HEADERS           64      /* header lines in one head */
#define MAX_TARGET_BYTES      2048    /* request target; longer -> 414 */
#define MAX_BODY_BYTES        65536   /* POST /send body; larger -> 413 */
#define MAX_CHAT_BYTES        4096    /* text of one chat event */

/* ---- connections ---- */
#define MAX_OUTPUT_QUEUE      (1024 * 1024) /* queued bytes before a slow reader is cut off */
#define IDLE_TIMEOUT_MS       60000   /* a connection with nothing to do */
#define HEAD_TIMEOUT_MS       10000   /* a request head must arrive in this time */
#define CLOSE_LINGER_MS       5000    /* wait for the peer's close after ours */

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
#define FLASH_MAX_MESSAGE     65536   /* a NUL-terminated message */
#define FLASH_POLICY_TIMEOUT_MS 3000  /* the client waits this long for a policy */

#endif

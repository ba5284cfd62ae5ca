/* wsconn.h -- one WebSocket connection after its handshake: frames in,
 * messages out, pings, and the closing handshake (RFC 6455 §5-§7).
 *
 * The codecs in proto/ws.h say what a frame header means and which rules
 * span frames; a wsconn applies them to a live connection: it unmasks each
 * payload in place in the receive buffer, hands every complete message to
 * its owner, answers pings, fails the connection with the right close code
 * on bad input, and ends with a closing handshake that cannot hang.
 * pushlab-ws (src/servers/ws.c) decides what the messages mean.
 */
#ifndef LAB_WSCONN_H
#define LAB_WSCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/peer.h"
#include "proto/bytebuf.h"
#include "proto/ws.h"
#include "proto/ws_deflate.h"

struct wsconn;

/* What the owner of a wsconn is told. */
struct wsconn_ops {
    /* A complete data message (WS_OP_TEXT, valid UTF-8; or WS_OP_BINARY).
     * data is borrowed from the receive buffer for the call only. */
    void (*on_message)(struct wsconn *ws, unsigned opcode, const uint8_t *data, size_t len);
    /* The connection is gone, whatever the reason: release what holds ws.
     * The wsconn is not used after this call. */
    void (*on_close)(struct wsconn *ws);
};

/* Limits of one kind of connection (static, shared by all of them). */
struct wsconn_limits {
    uint64_t max_message; /* longest data message; over it: close 1009 */
    uint64_t ping_ms;     /* a ping every ping_ms (0: no pings, no silence check) */
    uint64_t silent_ms;   /* a peer that sends nothing this long is dropped */
    int deflate_level;    /* zlib level 1..9 of messages sent under permessage-deflate */
};

/* A WebSocket connection, embedded in its owner's state (as the first
 * member, or found back with offsetof).  Nothing in it is allocated while
 * the connection is idle: a fragmented message's buffer exists only while
 * that message is open. */
struct wsconn {
    struct peer *peer;                   /* the connection it runs on */
    const struct wsconn_ops *ops;        /* the owner's callbacks (static) */
    const struct wsconn_limits *limits;  /* borrowed, static */
    bool closing;                        /* our close frame is sent: only a close is awaited */
    bool have_frame;                     /* frame holds the header of the frame being received */
    struct ws_frame_header frame;        /* that header (its bytes stay at the buffer's start) */
    uint64_t frame_done;                 /* payload bytes of it already unmasked and checked */
    uint64_t skip;                       /* while closing: bytes of an unwanted frame still to drop */
    struct ws_message message;           /* rules that span the frames of a message */
    unsigned message_opcode;             /* text or binary: the first frame's opcode */
    uint8_t *delivering;                 /* the payload on_message holds now, if in place (see wsconn_send) */
    struct bytebuf fragments;            /* a fragmented message so far (no memory when none) */
    uint64_t last_heard_ms;              /* loop time of the last byte from the peer */
    /* permessage-deflate (RFC 7692), when the handshake agreed to it */
    struct ws_deflater *deflater;        /* our data messages' compressor (owned; NULL: none) */
    struct ws_inflater *inflater;        /* the peer's messages' decompressor (owned) */
    bool compressed;                     /* the message being received had RSV1 on its first frame */
};

/* Take over an upgraded connection (after the 101 response was written):
 * peer->user and peer->on_close now belong to the wsconn.  deflate: the
 * permessage-deflate parameters the 101 agreed to (ws_deflate_answer), or
 * NULL.  Input already buffered (frames sent right behind the handshake)
 * is processed now. */
void wsconn_start(struct wsconn *ws, struct peer *p, const struct wsconn_ops *ops,
                  const struct wsconn_limits *limits, const struct ws_deflate_params *deflate);

/* Send one unfragmented message or control frame (a data message
 * compressed, RSV1 set, under permessage-deflate): header and payload leave
 * together in one writev (an echo of the very data on_message was handed
 * leaves as one piece: its header is written in front of it, over the
 * spent masking key).  0, or -1 when the connection is closing or gone
 * (it may just have been cut off as a slow reader). */
int wsconn_send(struct wsconn *ws, unsigned opcode, const void *data, size_t len);

/* A whole unmasked frame (header and payload) in a buffer to share: one
 * broadcast message framed once for every connection.  NULL when out of
 * memory. */
struct shbuf *wsconn_frame_shared(unsigned opcode, const void *data, size_t len);
/* Send such a frame: the connection's queue holds a reference, not a
 * copy.  0 or -1 as wsconn_send. */
int wsconn_send_shared(struct wsconn *ws, struct shbuf *frame);

/* Start the closing handshake: send a close frame with code and reason,
 * then wait (at most CLOSE_LINGER_MS) for the peer's close before closing
 * the TCP connection.  Data arriving meanwhile is dropped. */
void wsconn_close(struct wsconn *ws, unsigned code, const char *reason);

/* True for a peer whose connection is a wsconn (for the server's stopping hook). */
bool wsconn_is(const struct peer *p);

#endif

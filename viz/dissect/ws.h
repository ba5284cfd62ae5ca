/* ws.h -- the WebSocket frame dissector (ws.c): started by the HTTP
 * dissector on a 101, stepped by the dispatcher.
 */
#ifndef VIZ_DISSECT_WS_H
#define VIZ_DISSECT_WS_H

#include "dissect/core.h"

/* One step of MODE_WEBSOCKET: true when it made progress. */
bool ws_step(struct dissect *d, const struct dissect_env *env, struct half *h);
/* Frames from here on.  deflate: what the 101 accepted, NULL when no
 * extension was; handshake_seen false for a connection joined late. */
void ws_start(struct half *h, bool handshake_seen, const struct ws_deflate_params *deflate);
/* A gap inside a payload: true when the frame framing survives it. */
bool ws_skip(struct half *h, uint64_t len);
/* Frames without a handshake (a capture that started late): 1 when the
 * n bytes at p start with a frame header that direction dir's sender
 * could have written, whose frame ends them or is followed by another;
 * 0 when not; PROTO_PARTIAL when too few bytes tell. */
int ws_frames_plausible(enum item_dir dir, const uint8_t *p, size_t n);
/* The half speaks WebSocket from here, recognised from its frames. */
void ws_join(struct dissect *d, struct half *h);
/* A gap or the close (how) ends the stream inside a frame: the bytes
 * that came of it are said; false when no frame was begun. */
bool ws_cut(const struct dissect_env *env, struct half *h, enum search_end how);
/* Bytes were lost, not inside a payload: look for the next frame header,
 * whose stream offset is at or after `at`.  A frame they cut is said. */
void ws_lost(const struct dissect_env *env, struct half *h, uint64_t at);
/* One step of MODE_WS_RESYNC. */
bool ws_resync_step(const struct dissect_env *env, struct half *h);
/* Free what the half's WebSocket state owns. */
void ws_free(struct half *h);

#endif

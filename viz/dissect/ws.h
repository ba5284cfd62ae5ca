/* ws.h -- the WebSocket frame dissector (ws.c): started by the HTTP
 * dissector on a 101, stepped by the dispatcher.
 */
#ifndef VIZ_DISSECT_WS_H
#define VIZ_DISSECT_WS_H

#include "dissect/core.h"

/* One step of MODE_WEBSOCKET: true when it made progress. */
bool ws_step(struct dissect *d, const struct dissect_env *env, struct half *h);
void ws_start(struct half *h);
/* A gap inside a payload: true when the frame framing survives it. */
bool ws_skip(struct half *h, uint64_t len);

#endif

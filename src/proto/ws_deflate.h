/* ws_deflate.h -- permessage-deflate (RFC 7692): the extension's
 * negotiation (§5, §7.1) and the inflater that turns a compressed
 * message back into its bytes (§7.2.2).
 *
 * A message is compressed when RSV1 is set on its first frame (§6); its
 * frames' payloads, joined, are a raw DEFLATE stream (RFC 1951) from which
 * the sender removed the 4 bytes 00 00 ff ff that end a sync flush.  The
 * receiver appends them and inflates.  With "context takeover" (the
 * default) both ends keep the LZ77 window from message to message, so a
 * repeated text costs a few bytes; `*_no_context_takeover` makes every
 * message stand alone.  The window bits only bound what a sender may
 * refer back to; an inflater with the full 32 KiB window reads any of them.
 *
 * No I/O; the inflater owns zlib's state (allocated by zlib).
 */
#ifndef PROTO_WS_DEFLATE_H
#define PROTO_WS_DEFLATE_H

#include "proto.h"

/* What a server's Sec-WebSocket-Extensions accepted (§7.1). */
struct ws_deflate_params {
    bool server_no_context_takeover; /* the server resets its compressor per message */
    bool client_no_context_takeover; /* the client does */
    unsigned server_max_window_bits; /* 8..15; 15 when not given */
    unsigned client_max_window_bits; /* 8..15; 15 when not given (or given without a value) */
};

/* Find permessage-deflate in one Sec-WebSocket-Extensions value (a comma
 * list of extensions, each with ;-parameters, RFC 6455 §9.1) and read its
 * parameters.  1 when found (*p filled), 0 when the value does not name it,
 * PROTO_ERROR (1002, err->why) for an unknown or repeated parameter or a
 * bad window size (§7: the client must then fail the connection). */
int ws_deflate_parse(struct slice value, struct ws_deflate_params *p, struct proto_err *err);

/* One direction's decompressor: one per sender. */
struct ws_inflater;

/* NULL when out of memory.  no_context_takeover: forget the window after
 * each message, as a sender that negotiated it does. */
struct ws_inflater *ws_inflater_new(bool no_context_takeover);
void ws_inflater_free(struct ws_inflater *z);

/* Inflate part of a compressed message: reads from in[0..len) and writes
 * at most cap bytes to out.  *used says how much input was taken.  Call
 * again while it returns cap (the output was full) or input remains.  With
 * last (this is the end of the message's last frame), once every input
 * byte is in, the removed 00 00 ff ff tail is fed too and *done turns true
 * when the message is complete; the inflater is then ready for the next.
 * Returns bytes written, or PROTO_ERROR (1007, err->why) for data that is
 * not DEFLATE; after an error only ws_inflater_reset makes it usable. */
long ws_inflate(struct ws_inflater *z, const uint8_t *in, size_t len, size_t *used, bool last,
                uint8_t *out, size_t cap, bool *done, struct proto_err *err);

/* Start afresh, with an empty window (after an error, or lost bytes). */
void ws_inflater_reset(struct ws_inflater *z);

#endif

/* ws_deflate.h -- permessage-deflate (RFC 7692): the extension's
 * negotiation (§5, §7.1), the inflater that turns a compressed message
 * back into its bytes (§7.2.2), and a server's side: its answer to an
 * offer and the compressor of its messages (§7.2.1).
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
 * No I/O; the inflater and the deflater own zlib's state (allocated by zlib).
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
 * list of extensions, each with ;-parameters, RFC 6455 §9.1) and read the
 * parameters of its first element (a server's answer names it once).  1 when found (*p filled), 0 when the value does not name it,
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

/* ---- a server's side (ws_deflate.c, ws_deflater.c) ---- */

/* Answer a client's offer (one Sec-WebSocket-Extensions value, §5.1,
 * §7.1): 1 when it offers permessage-deflate with parameters the server
 * can honour -- the first such element, when it names the extension more
 * than once (§5: each is an offer of its own) -- *p then holds what both ends will do and out[0..cap) the
 * value of the Sec-WebSocket-Extensions line to answer with
 * (NUL-terminated; cap 128 is plenty); 0 when there is no such offer: the
 * connection goes on uncompressed, which declining allows (§5.1). */
int ws_deflate_answer(struct slice offer, struct ws_deflate_params *p, char *out, size_t cap);

/* One sender's compressor. */
struct ws_deflater;

/* NULL when out of memory or for a level outside 1..9 or window bits
 * outside 9..15.  no_context_takeover: forget the window after each
 * message, as negotiated. */
struct ws_deflater *ws_deflater_new(int level, unsigned window_bits, bool no_context_takeover);
void ws_deflater_free(struct ws_deflater *z);

/* The room ws_deflate_message needs for a message of len bytes from this
 * compressor: more than len, since data that does not shrink grows a
 * little, and by how much depends on the window (zlib's deflateBound). */
size_t ws_deflate_bound(struct ws_deflater *z, size_t len);

/* Compress one whole message in[0..len) into out[0..cap), cap at least
 * ws_deflate_bound(z, len): the payload of a frame with RSV1 set, its sync
 * flush's 00 00 ff ff removed (§7.2.1).  Returns the bytes written, or
 * PROTO_ERROR (err->why; 1009 when cap is short, 1011 when zlib fails).
 * Once called, the message must be sent: under context takeover the
 * receiver's window has to see every message the compressor saw. */
long ws_deflate_message(struct ws_deflater *z, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                        struct proto_err *err);

#endif

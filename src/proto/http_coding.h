/* http_coding.h -- content codings of HTTP bodies (RFC 9110 §8.4.1):
 * reading Content-Encoding, and a streaming decoder for the two codings
 * zlib undoes, gzip (RFC 1952) and deflate (RFC 1950; RFC 9110 §8.4.1.2).
 *
 * A content coding is applied to the representation before transfer
 * framing (chunks) and removed by the recipient after it, so a reader's
 * pipeline is: transfer decoding -> content decoding -> content (JSON,
 * an event stream, multipart parts).  The decoder takes bytes in any
 * pieces and writes into a buffer the caller gives, so its memory is
 * zlib's state and nothing more, however much a body decodes to.
 *
 * No I/O; the decoder owns zlib's state (allocated by zlib).
 */
#ifndef PROTO_HTTP_CODING_H
#define PROTO_HTTP_CODING_H

#include "proto.h"

enum http_coding {
    HTTP_CODING_IDENTITY, /* no Content-Encoding, or "identity" */
    HTTP_CODING_GZIP,     /* "gzip", "x-gzip" (RFC 9110 §8.4.1.3) */
    HTTP_CODING_DEFLATE,  /* "deflate": a zlib stream; some servers send raw DEFLATE, also read */
    HTTP_CODING_OTHER     /* anything else ("br", "compress", "zstd", or several codings): no decoder */
};

/* What a Content-Encoding value asks for.  A list of codings (applied in
 * the order listed) is HTTP_CODING_OTHER unless all but one are identity. */
enum http_coding http_coding_parse(struct slice value);

/* One body's decoder. */
struct http_decoder;

/* NULL when out of memory, or for a coding other than gzip or deflate. */
struct http_decoder *http_decoder_new(enum http_coding coding);
void http_decoder_free(struct http_decoder *z);

/* Decode from in[0..len) into out[0..cap).  *used says how much input was
 * taken.  Call again while it returns cap (the output was full) or input
 * remains.  Returns bytes written, or PROTO_ERROR (err->why) for data that
 * is not of the coding, or bytes after its end; the decoder then stays
 * failed.  A gzip body may hold several members one after another (RFC
 * 1952 §2.2): each is decoded in turn. */
long http_decode(struct http_decoder *z, const uint8_t *in, size_t len, size_t *used, uint8_t *out,
                 size_t cap, struct proto_err *err);

/* True when the coded data has ended (a body that ends before is cut). */
bool http_decoder_done(const struct http_decoder *z);

#endif

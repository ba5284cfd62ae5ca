/* hpack.h -- decoding HTTP/2's header blocks (HPACK, RFC 7541).
 *
 * HTTP/2 sends the same header fields as HTTP/1.1 (pseudo-headers such
 * as :method and :status stand for the request and status lines), but
 * compressed, since a page's many requests repeat almost all of them:
 *  - a field can be an index into a table: 61 common fields are fixed
 *    (the static table), and each end adds the fields it sends to a
 *    dynamic table both ends keep in step, so a header sent once is a
 *    single byte the next time;
 *  - names and values not in a table are string literals, often Huffman
 *    coded (a fixed code where frequent letters are 5 bits long).
 * The dynamic table is bounded in bytes (each entry counts its name and
 * value plus 32); adding an entry evicts the oldest until it fits.  The
 * decoder sets the bound (SETTINGS_HEADER_TABLE_SIZE, 4096 by default);
 * the encoder may lower its own with a size update at a block's start.
 *
 * The catch for an onlooker: a block can only be read with the table as
 * it stood, so every earlier block of that direction must have been read.
 * One block missed, and the rest of the connection is unreadable.
 *
 * Pure: no I/O.  Memory is bounded: the table by the size the decoder
 * allowed (at most HPACK_TABLE_MAX) and 8 bytes an entry to find each,
 * a decoded list by HPACK_LIST_MAX.
 */
#ifndef PROTO_HPACK_H
#define PROTO_HPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/bytebuf.h"
#include "proto/proto.h"

#define HPACK_TABLE_DEFAULT 4096   /* SETTINGS_HEADER_TABLE_SIZE until a peer says otherwise */
#define HPACK_TABLE_MAX 65536      /* the largest table this decoder agrees to keep */
#define HPACK_ENTRY_OVERHEAD 32    /* what an entry costs beyond its name and value (§4.1) */
#define HPACK_STATIC_ENTRIES 61    /* Appendix A */
#define HPACK_LIST_MAX 65536       /* bytes a decoded header list may take (names, values, 8 a field) */
#define HPACK_EOS 256              /* the Huffman code's end-of-string symbol (§5.2) */

/* One header field: borrowed from the decoder, valid until it changes. */
struct hpack_field {
    struct slice name;
    struct slice value;
};

/* One direction's decoder: its dynamic table and the last block's list. */
struct hpack_decoder {
    struct bytebuf table; /* the dynamic table's entries, oldest first (see hpack.c) */
    struct bytebuf starts; /* where each entry starts in table (a uint64_t stream offset), oldest first */
    size_t entries;       /* how many */
    size_t size;          /* their size as §4.1 counts it */
    size_t max_size;      /* the encoder's current bound (§4.2) */
    size_t allowed;       /* the most a size update may ask (SETTINGS_HEADER_TABLE_SIZE) */
    struct bytebuf list;  /* the fields hpack_decode found (see hpack.c) */
};

/* An empty table that the encoder may grow to `allowed` bytes (at most
 * HPACK_TABLE_MAX) with size updates; it starts bounded at HTTP/2's
 * initial 4096 (RFC 9113 §4.3), or at `allowed` when that is less.
 * Nothing is allocated until a field is decoded. */
void hpack_decoder_init(struct hpack_decoder *d, size_t allowed);
void hpack_decoder_free(struct hpack_decoder *d);

/* Decode one whole header block (HEADERS and its CONTINUATIONs put
 * together): NULL with the fields in the decoder's list, or why not, with
 * the list empty.  After an error the table may be half updated: the
 * decoder is of no further use (an endpoint closes the connection:
 * COMPRESSION_ERROR, RFC 9113 §4.3). */
const char *hpack_decode(struct hpack_decoder *d, const uint8_t *block, size_t len);

/* The decoded list, in order: start with *pos = 0; false after the last. */
bool hpack_list_next(const struct hpack_decoder *d, size_t *pos, struct hpack_field *f);

/* Dynamic table entry i, 0 the newest (address HPACK_STATIC_ENTRIES + 1 + i);
 * false past the last. */
bool hpack_table_entry(const struct hpack_decoder *d, size_t i, struct hpack_field *f);

/* An integer with an n-bit prefix (§5.1) at p, whose first byte's other
 * bits are not the integer's: the bytes it took, PROTO_PARTIAL when cut
 * short, PROTO_ERROR when it passes UINT32_MAX or has too many bytes. */
long hpack_read_int(const uint8_t *p, size_t len, unsigned prefix, uint32_t *value);

/* The Huffman code (Appendix B), in the order a decoder walks it: by
 * length, and within a length by symbol, so that each length's codes are
 * consecutive numbers (the code is canonical). */
struct hpack_code {
    uint32_t code; /* right-aligned: the last bit sent is bit 0 */
    uint8_t len;   /* bits, 5 to 30 */
    uint16_t sym;  /* the byte, or HPACK_EOS */
};
extern const struct hpack_code hpack_huffman_codes[HPACK_EOS + 1];

/* Append the bytes the Huffman-coded string p[0..len) stands for to out:
 * NULL, or why not (EOS in it, padding longer than 7 bits or not all 1s
 * (§5.2), out's cap reached: then out holds part of it). */
const char *hpack_huffman_decode(const uint8_t *p, size_t len, struct bytebuf *out);

#endif

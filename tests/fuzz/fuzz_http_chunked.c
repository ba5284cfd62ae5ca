/* fuzz_http_chunked.c -- libFuzzer target for the chunked decoder.
 *
 * The first byte picks a piece size; the rest is a chunked body.  Checks:
 *   - each call consumes at most what it was given, DATA points inside
 *     the buffer passed in, and offsets count exactly the bytes consumed;
 *   - http_chunked_chunk_left counts to the end of the CRLF after the
 *     data that the last size line announced, and is 0 once it is past;
 *   - fed in pieces (each in a buffer of exactly its size) the decoder
 *     finds the same size lines at the same offsets, the same data, and
 *     ends or fails at the same place as when fed the whole input;
 *   - an encoded body (http_chunk_size_line) decodes back to its data;
 *   - read as a trailer section (http_chunked_trailers, in a buffer of
 *     exactly its size), the input gives a length within it and fields
 *     that lie inside what that length covers.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/http.h"

#include "fuzz_check.h"

#define MAX_INPUT 4096

struct run {
    long result;              /* bytes consumed up to the end, or PROTO_ERROR */
    bool ended;
    size_t sizes;             /* size lines seen, with ... */
    uint64_t size[MAX_INPUT]; /* ... their sizes */
    uint64_t offset[MAX_INPUT];
    char data[MAX_INPUT];     /* all data joined */
    size_t data_len;
};

static void decode(const char *in, size_t len, size_t step, struct run *r)
{
    struct http_chunked d;
    http_chunked_init(&d);
    memset(r, 0, sizeof *r);
    size_t fed = 0;
    uint64_t chunk_end = 0; /* where the current chunk's CRLF ends (UINT64_MAX: beyond counting) */
    while (fed < len && !r->ended) {
        size_t piece = len - fed < step ? len - fed : step;
        char *p = exact_copy(in + fed, piece);
        size_t used = 0;
        while (used < piece && !r->ended) {
            struct http_chunk_item item;
            long n = http_chunked_feed(&d, p + used, piece - used, &item, NULL);
            if (n < 0) {
                free(p);
                r->result = PROTO_ERROR;
                return;
            }
            if ((size_t)n > piece - used)
                abort();
            used += (size_t)n;
            if (d.offset != fed + used)
                abort();
            if (item.kind == HTTP_CHUNK_HEADER)
                chunk_end = item.size > UINT64_MAX - 2 - d.offset ? UINT64_MAX
                                                                  : d.offset + (item.size ? item.size + 2 : 0);
            uint64_t left = http_chunked_chunk_left(&d);
            if (chunk_end != UINT64_MAX && (left ? d.offset + left != chunk_end : d.offset < chunk_end))
                abort();
            switch (item.kind) {
            case HTTP_CHUNK_HEADER:
                if (item.size_offset >= d.offset)
                    abort();
                r->size[r->sizes] = item.size;
                r->offset[r->sizes++] = item.size_offset;
                break;
            case HTTP_CHUNK_DATA:
                if (item.data_len == 0 || item.data != p + used - item.data_len ||
                    item.data_offset != fed + used - item.data_len)
                    abort();
                memcpy(r->data + r->data_len, item.data, item.data_len);
                r->data_len += item.data_len;
                break;
            case HTTP_CHUNK_END:
                r->ended = true;
                break;
            case HTTP_CHUNK_NONE:
                if (used != piece)
                    abort();
                break;
            }
        }
        free(p);
        fed += used;
    }
    r->result = (long)fed;
}

static struct run whole, pieces;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > MAX_INPUT)
        return 0;
    size_t step = 1 + data[0] % 17;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;

    decode(in, len, len ? len : 1, &whole);
    decode(in, len, step, &pieces);
    if (whole.result != pieces.result || whole.ended != pieces.ended ||
        whole.sizes != pieces.sizes || whole.data_len != pieces.data_len ||
        memcmp(whole.data, pieces.data, whole.data_len) != 0)
        abort();
    for (size_t i = 0; i < whole.sizes; i++)
        if (whole.size[i] != pieces.size[i] || whole.offset[i] != pieces.offset[i])
            abort();

    struct http_header fields[8];
    size_t num = 0;
    char *copy = exact_copy(in, len);
    long t = http_chunked_trailers(copy, len, fields, 8, &num, NULL);
    if (t == 0 || t > (long)len || (t < 0 && t != PROTO_PARTIAL && t != PROTO_ERROR) || num > 8)
        abort();
    for (size_t i = 0; t > 0 && i < num; i++)
        if (fields[i].name.ptr < copy || fields[i].value.ptr + fields[i].value.len > copy + t)
            abort();
    free(copy);

    /* Encode the input as one chunk and the last chunk; decode it back.
     * (An empty chunk would be the last chunk itself.) */
    if (len == 0)
        return 0;
    static char body[MAX_INPUT + 32];
    size_t n = http_chunk_size_line(body, len);
    memcpy(body + n, in, len);
    n += len;
    memcpy(body + n, HTTP_CHUNK_TRAILER HTTP_LAST_CHUNK, 7);
    n += 7;
    decode(body, n, step, &pieces);
    if (!pieces.ended || pieces.result != (long)n || pieces.data_len != len ||
        memcmp(pieces.data, in, len) != 0)
        abort();
    return 0;
}

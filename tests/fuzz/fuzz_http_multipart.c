/* fuzz_http_multipart.c -- libFuzzer target for multipart/x-mixed-replace
 * parts and the boundary parameter of Content-Type.
 *
 * The first byte picks the boundary and max_part; the rest is a stream.
 * Checks:
 *   - each part's length is <= the input and its body lies inside it,
 *     ending where the returned length says, its delimiter before it; the
 *     stream is walked part by part until the close delimiter, an error or
 *     PROTO_PARTIAL;
 *   - prefixes of the first part give PROTO_PARTIAL or the same answer
 *     (each in a buffer of exactly its size);
 *   - read as the stream's end (http_parse_last_part), the same answer
 *     where a delimiter or an error decided it, else a part inside it;
 *   - a boundary found in the input as a Content-Type lies inside it.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/http.h"

#include "fuzz_check.h"

static const char *const boundaries[4] = {"frame", "x", "--", "pushlab boundary"};

static long parse_copy(const char *in, size_t k, struct slice b, size_t max_part,
                       struct http_part *part)
{
    char *p = exact_copy(in, k);
    long n = http_parse_part(p, k, b, max_part, part, NULL);
    if (n >= 0 && part->body.ptr) {
        if (part->body.ptr != p + part->body_offset || part->body_offset + part->body.len != (size_t)n)
            abort();
    }
    free(p);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct slice b = {boundaries[data[0] & 3], strlen(boundaries[data[0] & 3])};
    size_t max_part = data[0] & 4 ? 64 : 4096;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;

    static struct http_part part, prefix;
    long first = http_parse_part(in, len, b, max_part, &part, NULL);
    size_t first_body = part.body_offset, first_len = part.body.len;
    for (size_t k = 0; k < len; k += 1 + len / 128) {
        long m = parse_copy(in, k, b, max_part, &prefix);
        if (m != PROTO_PARTIAL && m != first)
            abort();
        if (m >= 0 && (prefix.body_offset != first_body || prefix.body.len != first_len))
            abort();
    }

    /* As the stream's end: the same answer where a delimiter (or an
     * error) decided it, else a part that lies inside the input.  (At
     * max_part bytes a part still waiting for its delimiter is too large,
     * while one the end closes may fill them exactly.) */
    long last = http_parse_last_part(in, len, b, max_part, &prefix, NULL);
    if (first != PROTO_PARTIAL && last != first && len < max_part)
        abort();
    if (last > 0 && ((size_t)last > len || prefix.body.ptr + prefix.body.len > in + len ||
                     prefix.delimiter_offset > prefix.body_offset))
        abort();

    size_t pos = 0;
    for (int parts = 0; parts < 1000; parts++) {
        long n = parse_copy(in + pos, len - pos, b, max_part, &part);
        if (n <= 0)
            break; /* the close delimiter, an error, or more needed */
        if ((size_t)n > len - pos || part.num_headers > 16)
            abort();
        if (part.delimiter_offset > part.body_offset) /* a part's range starts at its delimiter */
            abort();
        pos += (size_t)n;
    }

    struct slice boundary;
    if (http_multipart_boundary((struct slice){in, len}, &boundary)) {
        if (boundary.len == 0 || boundary.len > 70 || boundary.ptr < in ||
            boundary.ptr + boundary.len > in + len)
            abort();
    }
    return 0;
}

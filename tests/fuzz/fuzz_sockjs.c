/* fuzz_sockjs.c -- libFuzzer target for SockJS frames and JSON string
 * extents (sockjs.h, json.h).
 *
 * Checks, on arbitrary bytes (an exact-size copy, so ASan sees any read
 * past the length):
 *   - a frame that parses has a kind that matches its first byte, and its
 *     body lies inside the input;
 *   - the elements of an accepted array lie inside the body, in order,
 *     each a whole string literal or a number, and the walk ends;
 *   - json_string_len never claims more than it was given, and what it
 *     claims starts and ends with a quote.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/json.h"
#include "proto/sockjs.h"

#include "fuzz_check.h"


int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    char *in = exact_copy(bytes, size);

    long n = json_string_len(in, size);
    CHECK(n == PROTO_PARTIAL || n == PROTO_ERROR || (n >= 2 && (size_t)n <= size));
    if (n >= 2)
        CHECK(in[0] == '"' && in[n - 1] == '"');

    struct sockjs_frame f;
    struct proto_err err = {0};
    long r = sockjs_frame_parse(in, size, &f, &err);
    if (r == PROTO_ERROR) {
        CHECK(err.why != NULL);
    } else {
        CHECK(r == 0 && size > 0);
        static const char letters[] = {'o', 'h', 'a', 'c', '['};
        CHECK(in[0] == letters[f.kind]);
        if (f.kind == SOCKJS_ARRAY || f.kind == SOCKJS_CLOSE || f.kind == SOCKJS_SEND) {
            CHECK(f.body.ptr >= in && f.body.ptr + f.body.len == in + size);
            size_t pos = 0, last_end = 0, count = 0;
            struct slice e;
            long k;
            while ((k = sockjs_array_next(f.body, &pos, &e, NULL)) == 1) {
                size_t at = (size_t)(e.ptr - f.body.ptr);
                CHECK(at >= last_end && at + e.len <= f.body.len && e.len > 0);
                if (e.ptr[0] == '"')
                    CHECK(json_string_len(e.ptr, e.len) == (long)e.len);
                last_end = at + e.len;
                CHECK(++count <= size);
            }
            CHECK(k == 0); /* an accepted frame's array walks to its end */
        }
    }
    free(in);
    return 0;
}

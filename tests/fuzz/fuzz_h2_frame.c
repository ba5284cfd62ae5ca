/* fuzz_h2_frame.c -- libFuzzer target for the HTTP/2 frame codec.
 *
 * The input is read as a run of frames, the way pushviz reads an h2c
 * stream (an optional preface, then headers and payloads).  Checks, on
 * arbitrary bytes:
 *   - the preface is accepted exactly when the input starts with it, and
 *     every shorter prefix of it is partial;
 *   - a frame header is read only from 9 bytes, with the fields the bytes
 *     hold (the stream id without its reserved bit);
 *   - a header the rules accept has a type RFC 9113 names, and the flags
 *     text of any type and flags fits its buffer, cut at a name's end;
 *   - the settings text of any whole payload (as a SETTINGS frame's, or
 *     an HTTP2-Settings field's) fits its buffer, reads no byte past the
 *     payload, holds at most one setting per 6 bytes, and is cut only
 *     between two settings.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/h2_frame.h"

#include "fuzz_check.h"


int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    uint8_t *in = exact_copy(bytes, size);
    size_t pos = 0;
    long pre = h2_read_preface(in, size);
    bool starts = size >= H2_PREFACE_LEN && memcmp(in, H2_PREFACE, H2_PREFACE_LEN) == 0;
    CHECK((pre == H2_PREFACE_LEN) == starts);
    if (pre == PROTO_PARTIAL)
        CHECK(size < H2_PREFACE_LEN && memcmp(in, H2_PREFACE, size) == 0);
    if (starts)
        pos = H2_PREFACE_LEN;
    for (;;) {
        struct h2_frame_header fh;
        long r = h2_read_frame_header(in + pos, size - pos, &fh);
        if (r == PROTO_PARTIAL) {
            CHECK(size - pos < H2_FRAME_HEADER);
            break;
        }
        CHECK(r == H2_FRAME_HEADER);
        const uint8_t *h = in + pos;
        CHECK(fh.length == ((uint32_t)h[0] << 16 | (uint32_t)h[1] << 8 | h[2]));
        CHECK(fh.type == h[3] && fh.flags == h[4] && fh.stream == (h2_u32(h + 5) & 0x7fffffffu));
        if (!h2_frame_fault(&fh))
            CHECK(h2_type_name(fh.type) != NULL);
        char flags[24];
        size_t cap = (size_t)(h[4] % sizeof flags) + 1;
        size_t n = h2_flags_text(fh.type, fh.flags, flags, cap);
        CHECK(n < cap && strlen(flags) == n);
        CHECK(n == 0 || flags[n - 1] != ',');
        if (fh.length > size - pos - H2_FRAME_HEADER)
            break;
        char settings[96];
        cap = (size_t)(h[3] % sizeof settings) + 1;
        n = h2_settings_text(h + H2_FRAME_HEADER, fh.length, settings, cap);
        CHECK(n < cap && strlen(settings) == n);
        size_t shown = 0;
        for (size_t i = 0; i < n; i++)
            shown += settings[i] == '=';
        CHECK(shown <= fh.length / H2_SETTING_LEN && (n == 0 || settings[n - 1] != ','));
        pos += H2_FRAME_HEADER + fh.length;
    }
    free(in);
    return 0;
}

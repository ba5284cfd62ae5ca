/* fuzz_event.c -- libFuzzer target for writing and finding events.
 *
 * Checks, on arbitrary bytes:
 *   - event_find on an exact-size copy (ASan sees any read past the length)
 *     returns 0, PROTO_PARTIAL or an end within the input; a found event
 *     starts with '{' and ends with '}', its text is cut to the buffer and
 *     NUL-terminated; a partial one starts with '{';
 *   - what is found in a prefix is found the same in the whole input;
 *   - write -> find round trip: the input as an event's text is found at
 *     once with the same seq, ts and kind, and writing the text read back
 *     gives the same JSON (invalid UTF-8 became U+FFFD the first time).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/event.h"

#include "fuzz_check.h"


#define TEXT_CAP 64 /* small, so long texts get cut */

static long find(const char *in, size_t len, struct event_view *ev, char text[TEXT_CAP])
{
    char *copy = exact_copy(in, len);
    long r = event_find(copy, len, ev, text, TEXT_CAP);
    if (r > 0) {
        CHECK((size_t)r <= len && ev->end == (size_t)r && ev->start < ev->end);
        CHECK(copy[ev->start] == '{' && copy[ev->end - 1] == '}');
        size_t kept = strlen(text);
        CHECK(kept < TEXT_CAP && kept <= ev->text_len);
        CHECK(ev->kind == EVENT_TICK || ev->kind == EVENT_CHAT);
    } else if (r == PROTO_PARTIAL) {
        CHECK(ev->start < len && copy[ev->start] == '{');
    } else {
        CHECK(r == 0);
    }
    free(copy);
    return r;
}

static void round_trip(const char *text, size_t len, uint64_t seq, int64_t ts, enum event_kind kind)
{
    size_t need = event_write(NULL, 0, seq, ts, kind, text, len);
    char *json = malloc(need);
    CHECK(json && event_write(json, need, seq, ts, kind, text, len) == need);
    /* every byte of the text may become at most 6 bytes of JSON */
    CHECK(need <= len * 6 + 80);

    size_t cap = need + 1;
    char *back = malloc(cap);
    CHECK(back);
    struct event_view ev;
    CHECK(event_find(json, need, &ev, back, cap) == (long)need);
    CHECK(ev.start == 0 && ev.seq == seq && ev.ts_ms == ts && ev.kind == kind);
    CHECK(ev.text_len < cap && back[ev.text_len] == '\0');

    size_t again_len = event_write(NULL, 0, seq, ts, kind, back, ev.text_len);
    char *again = malloc(again_len);
    CHECK(again && event_write(again, again_len, seq, ts, kind, back, ev.text_len) == again_len);
    CHECK(again_len == need && memcmp(again, json, need) == 0);
    free(again);
    free(back);
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    const char *in = (const char *)bytes;
    struct event_view whole_ev, part_ev;
    char whole_text[TEXT_CAP], part_text[TEXT_CAP];
    long whole = find(in, size, &whole_ev, whole_text);

    /* a cut taken from the input: an event complete before it is found in
     * the prefix exactly as in the whole */
    size_t cut = size ? bytes[0] % (size + 1) : 0;
    long part = find(in, cut, &part_ev, part_text);
    if (part > 0)
        CHECK(whole == part && whole_ev.seq == part_ev.seq && whole_ev.ts_ms == part_ev.ts_ms &&
              strcmp(whole_text, part_text) == 0);
    if (whole > 0 && (size_t)whole <= cut)
        CHECK(part == whole);

    uint64_t seq = 0;
    int64_t ts = 0;
    if (size >= 16) {
        memcpy(&seq, bytes, 8);
        memcpy(&ts, bytes + 8, 8);
    }
    round_trip(in, size, seq, ts, size % 2 ? EVENT_CHAT : EVENT_TICK);
    return 0;
}

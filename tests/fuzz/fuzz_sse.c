/* fuzz_sse.c -- libFuzzer target for the SSE parser and encoder.
 *
 * The first input byte picks the data buffer size and the split size; the
 * rest is the stream.  Checks, on arbitrary bytes:
 *   - sse_parse never consumes more than it was given, makes progress, and
 *     stops early only to dispatch; events keep within the buffers;
 *   - the stream fed whole, split into pieces, and one byte at a time gives
 *     the same events (and the same error, at the same place), and so does
 *     an observer's parser that also stops at blocks without data
 *     (report_quiet), whose quiet blocks keep within their buffers;
 *   - encoding the stream bytes as the data of one event and parsing that
 *     gives the data back, with CR and CRLF turned into LF.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sse.h"

#include "fuzz_check.h"


/* What a run of the parser saw, as a hash of every event's fields. */
struct outcome {
    uint64_t hash;   /* FNV-1a over the events */
    size_t events;   /* how many were dispatched */
    bool failed;     /* the parser said PROTO_ERROR */
    uint64_t offset; /* p.offset at the end or at the failure */
};

static void mix(uint64_t *h, const void *bytes, size_t n)
{
    const unsigned char *b = bytes;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ULL;
    }
}

static void mix_event(struct outcome *o, const struct sse_event *ev, size_t cap)
{
    CHECK(ev->data_len < cap && ev->data[ev->data_len] == '\0');
    CHECK(strlen(ev->type) < SSE_FIELD_CAP && strlen(ev->id) < SSE_FIELD_CAP);
    mix(&o->hash, ev->type, strlen(ev->type) + 1);
    mix(&o->hash, &ev->data_len, sizeof ev->data_len);
    mix(&o->hash, ev->data, ev->data_len);
    mix(&o->hash, ev->id, strlen(ev->id) + 1);
    mix(&o->hash, &ev->id_set, sizeof ev->id_set);
    mix(&o->hash, &ev->retry_ms, sizeof ev->retry_ms);
    mix(&o->hash, &ev->offset, sizeof ev->offset);
    o->events++;
}

/* Parse in[0..len) in pieces of `step` bytes (0 = whole); quiet: stop at
 * blocks without data too. */
static struct outcome run(const char *in, size_t len, size_t step, char *data, size_t cap, bool quiet)
{
    struct sse_parser p;
    struct outcome o = {0xcbf29ce484222325ULL, 0, false, 0};
    sse_parser_init(&p, data, cap);
    p.report_quiet = quiet;
    size_t pos = 0;
    while (pos < len && !o.failed) {
        size_t piece = step && step < len - pos ? step : len - pos;
        /* each piece in a block of its own */
        char *copy = exact_copy(in + pos, piece);
        size_t done = 0;
        while (done < piece) {
            struct sse_event ev = {.quiet = false};
            bool dispatched;
            struct proto_err err = {0};
            long n = sse_parse(&p, copy + done, piece - done, &ev, &dispatched, &err);
            if (n == PROTO_ERROR) {
                CHECK(err.why != NULL);
                o.failed = true;
                break;
            }
            CHECK(n > 0 && (size_t)n <= piece - done);
            if (dispatched) {
                CHECK(ev.offset < p.offset && !ev.quiet);
                mix_event(&o, &ev, cap);
            } else if (ev.quiet) {
                CHECK(quiet && ev.offset < p.offset && ev.comment_len <= SSE_FIELD_CAP);
            } else {
                CHECK((size_t)n == piece - done);
            }
            done += (size_t)n;
        }
        free(copy);
        pos += piece;
    }
    o.offset = p.offset;
    return o;
}

static bool same(struct outcome a, struct outcome b)
{
    return a.hash == b.hash && a.events == b.events && a.failed == b.failed && a.offset == b.offset;
}

/* Encode the bytes as one event's data and read them back. */
static void round_trip(const char *in, size_t len)
{
    struct sse_fields f = {.id = "1", .event = "tick", .data = in, .data_len = len, .retry_ms = 5};
    size_t need = sse_encode(NULL, 0, &f);
    char *wire = malloc(need);
    CHECK(wire);
    CHECK(sse_encode(wire, need, &f) == need);

    /* every line fits, since each is at most len + 6 bytes */
    size_t cap = need + 1;
    char *data = malloc(cap);
    CHECK(data);
    struct sse_parser p;
    struct sse_event ev;
    bool dispatched = false;
    sse_parser_init(&p, data, cap);
    long n = sse_parse(&p, wire, need, &ev, &dispatched, NULL);
    CHECK(n == (long)need && dispatched);
    CHECK(strcmp(ev.type, "tick") == 0 && strcmp(ev.id, "1") == 0 && ev.retry_ms == 5);
    /* the expected data: CRLF and CR become LF; a NUL or a BOM-like byte
     * inside a line is just data */
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '\r') {
            c = '\n';
            if (i + 1 < len && in[i + 1] == '\n')
                i++;
        }
        CHECK(k < ev.data_len && ev.data[k] == c);
        k++;
    }
    CHECK(k == ev.data_len);
    free(data);
    free(wire);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = (const char *)bytes + 1;
    size_t len = size - 1;
    size_t cap = 1 + (size_t)(bytes[0] & 0x3F) * 8; /* 1..505: limits get hit */
    size_t step = 1 + (bytes[0] >> 6) * 3;          /* 1, 4, 7 or 10 */
    char *a = malloc(cap), *b = malloc(cap);
    CHECK(a && b);
    struct outcome whole = run(in, len, 0, a, cap, false);
    CHECK(same(whole, run(in, len, step, b, cap, false)));
    CHECK(same(whole, run(in, len, 1, b, cap, false)));
    CHECK(same(whole, run(in, len, step, b, cap, true)));
    free(a);
    free(b);
    round_trip(in, len);
    return 0;
}

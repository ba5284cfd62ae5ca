/* load_stats.c -- latency percentiles and the event timeline of a load run.
 *
 * Percentiles are computed exactly, by sorting every sample, rather than
 * from a histogram: a run of 10,000 clients x 200 events is two million
 * 4-byte samples, which a laptop sorts in a blink, and exact numbers are
 * easier to trust in a lab.
 *
 * The timeline answers "which events were made while this client was
 * connected?".  Every event carries the server's seq and ts, and all
 * clients see the same events, so the union of what they saw, indexed by
 * seq, tells when each event was made.  A seq missing from the union
 * between two seen ones was made too (seqs have no holes), and counts as
 * expected.
 */
#include "client/load_stats.h"

#include <stdlib.h>
#include <string.h>

#include "pushlab.h"

void load_stats_init(struct load_stats *st) { memset(st, 0, sizeof *st); }

void load_stats_free(struct load_stats *st)
{
    free(st->lat_us);
    free(st->ts_by_seq);
    memset(st, 0, sizeof *st);
}

void load_stats_latency(struct load_stats *st, uint64_t us)
{
    if (st->lat_len == st->lat_cap) {
        size_t cap = st->lat_cap ? st->lat_cap * 2 : 4096;
        uint32_t *grown = cap <= LOAD_MAX_SAMPLES ? realloc(st->lat_us, cap * sizeof *grown) : NULL;
        if (!grown) {
            st->lat_dropped++;
            return;
        }
        st->lat_us = grown;
        st->lat_cap = cap;
    }
    st->lat_us[st->lat_len++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p of them at or below it. */
static double rank(const struct load_stats *st, double p)
{
    size_t i = (size_t)(p * (double)st->lat_len + 0.999999);
    if (i > 0)
        i--;
    if (i >= st->lat_len)
        i = st->lat_len - 1;
    return st->lat_us[i] / 1000.0;
}

struct latency_summary load_stats_summary(struct load_stats *st)
{
    struct latency_summary l = {0};
    if (st->lat_len == 0)
        return l;
    qsort(st->lat_us, st->lat_len, sizeof *st->lat_us, cmp_u32);
    l.p50 = rank(st, 0.50);
    l.p90 = rank(st, 0.90);
    l.p99 = rank(st, 0.99);
    l.max = st->lat_us[st->lat_len - 1] / 1000.0;
    l.samples = st->lat_len;
    return l;
}

bool load_stats_seen(struct load_stats *st, uint64_t seq, int64_t ts_ms)
{
    if (ts_ms <= 0)
        return false;
    if (st->span == 0) {
        st->ts_by_seq = calloc(64, sizeof *st->ts_by_seq);
        if (!st->ts_by_seq)
            return false;
        st->base = seq;
        st->span = 64;
    }
    uint64_t lo = seq < st->base ? seq : st->base;
    uint64_t hi = seq >= st->base + st->span ? seq + 1 : st->base + st->span;
    if (hi - lo > LOAD_MAX_SEQ_SPAN)
        return false;
    if (lo < st->base || hi > st->base + st->span) {
        /* Grow (doubling at the top) and shift when a lower seq shows up. */
        size_t span = (size_t)(hi - lo);
        if (hi > st->base + st->span && span < st->span * 2)
            span = st->span * 2;
        int64_t *grown = calloc(span, sizeof *grown);
        if (!grown)
            return false;
        memcpy(grown + (st->base - lo), st->ts_by_seq, st->span * sizeof *grown);
        free(st->ts_by_seq);
        st->ts_by_seq = grown;
        st->base = lo;
        st->span = span;
    }
    st->ts_by_seq[seq - st->base] = ts_ms;
    return true;
}

uint64_t load_stats_newest_by(const struct load_stats *st, int64_t until_ms, int64_t *ts_ms)
{
    /* From the top: what the drain asks for sits near it. */
    for (size_t i = st->span; i-- > 0;) {
        int64_t ts = st->ts_by_seq[i];
        if (ts != 0 && ts <= until_ms) {
            *ts_ms = ts;
            return st->base + i;
        }
    }
    return 0;
}

uint64_t load_stats_expected(const struct load_stats *st, int64_t after_ms, int64_t until_ms)
{
    size_t first = st->span, last = 0;
    bool any = false;
    for (size_t i = 0; i < st->span; i++) {
        int64_t ts = st->ts_by_seq[i];
        if (ts == 0 || ts <= after_ms || ts > until_ms)
            continue;
        if (!any)
            first = i;
        last = i;
        any = true;
    }
    return any ? (uint64_t)(last - first + 1) : 0;
}

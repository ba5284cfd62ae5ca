/* load_stats.h -- what a load run adds up: latency samples (for percentiles)
 * and the timeline of events seen (seq -> ts), from which each client's
 * expected count is computed. */
#ifndef CLIENT_LOAD_STATS_H
#define CLIENT_LOAD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct load_stats {
    uint32_t *lat_us;      /* latency samples in microseconds (owned) */
    size_t lat_len, lat_cap;
    uint64_t lat_dropped;  /* samples not kept (over LOAD_MAX_SAMPLES or no memory) */
    int64_t *ts_by_seq;    /* ts of seq base + i; 0 = not seen (owned) */
    uint64_t base;         /* seq of ts_by_seq[0] */
    size_t span;           /* entries in ts_by_seq */
};

/* Latency percentiles in milliseconds. */
struct latency_summary {
    double p50, p90, p99, max;
    size_t samples;
};

void load_stats_init(struct load_stats *st);
void load_stats_free(struct load_stats *st);

/* Keep one latency sample. */
void load_stats_latency(struct load_stats *st, uint64_t us);
/* Percentiles by nearest rank (sorts the samples; all zero when none). */
struct latency_summary load_stats_summary(struct load_stats *st);

/* Record that event seq was made at ts_ms.  False when seq is so far from
 * the others that it cannot be a real event of this run. */
bool load_stats_seen(struct load_stats *st, uint64_t seq, int64_t ts_ms);
/* The newest seq seen that was made by until_ms (its ts in *ts_ms), or 0
 * when none was. */
uint64_t load_stats_newest_by(const struct load_stats *st, int64_t until_ms, int64_t *ts_ms);
/* How many events were made in (after_ms, until_ms]: from the first seen
 * seq made after after_ms to the last made by until_ms, counting seqs that
 * no client saw in between (they were made, so they were expected). */
uint64_t load_stats_expected(const struct load_stats *st, int64_t after_ms, int64_t until_ms);

#endif

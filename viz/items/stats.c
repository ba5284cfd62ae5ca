/* stats.c -- what each push technique costs, measured on the wire: the
 * --stats table.
 *
 * It reads only items, like every other output: per flow it adds up
 * requests, events, HTTP head bytes, framing bytes (chunk size lines and
 * CRLFs, multipart delimiters and part headers, WebSocket frame headers,
 * SSE field names, Flash NULs) and delivery latencies, and when the flow's
 * `flow` item names its technique, the flow's sums join that technique's
 * row.  p99 is the nearest-rank percentile.
 *
 * A second table counts what was pushed whatever the server: the message
 * items server to client (chunks, parts, SSE events, WebSocket data
 * messages, Flash messages) and their decoded bytes, the bytes of SSE
 * heartbeat blocks, and what permessage-deflate saved (wire against
 * inflated bytes of compressed WebSocket frames, both ways).
 */
#include "items/stats.h"

#include <stdlib.h>
#include <string.h>

/* A growable list of latencies. */
struct samples {
    double *v;
    size_t n, cap;
};

static void samples_add(struct samples *s, double x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        double *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
}

/* Sums of one flow, or of one technique. */
struct tally {
    uint64_t requests, events, header_bytes, framing_bytes;
    uint64_t messages, message_bytes, heartbeat_bytes, deflate_wire, deflate_inflated;
    struct samples latency;
};

struct row {
    char technique[16];
    unsigned flows;
    struct tally sum;
    double handshake_sum;
    unsigned handshakes;
};

struct stats {
    struct tally *flows;   /* by flow id */
    size_t nflows;
    struct row rows[16];   /* one per technique name seen */
    unsigned nrows;
};

struct stats *stats_new(void)
{
    return calloc(1, sizeof(struct stats));
}

void stats_free(struct stats *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nflows; i++)
        free(s->flows[i].latency.v);
    for (unsigned i = 0; i < s->nrows; i++)
        free(s->rows[i].sum.latency.v);
    free(s->flows);
    free(s);
}

static struct tally *flow_tally(struct stats *s, unsigned id)
{
    if (id >= s->nflows) {
        size_t n = s->nflows ? s->nflows : 64;
        while (n <= id)
            n *= 2;
        struct tally *t = realloc(s->flows, n * sizeof *t);
        if (!t)
            return NULL;
        memset(t + s->nflows, 0, (n - s->nflows) * sizeof *t);
        s->flows = t;
        s->nflows = n;
    }
    return &s->flows[id];
}

static struct row *row_for(struct stats *s, const char *technique, size_t len)
{
    for (unsigned i = 0; i < s->nrows; i++)
        if (strlen(s->rows[i].technique) == len && memcmp(s->rows[i].technique, technique, len) == 0)
            return &s->rows[i];
    if (s->nrows == sizeof s->rows / sizeof s->rows[0] || len >= sizeof s->rows[0].technique)
        return NULL;
    struct row *r = &s->rows[s->nrows++];
    memcpy(r->technique, technique, len);
    r->technique[len] = '\0';
    return r;
}

/* Payload bytes of a framed item: the rest of its length is framing. */
static uint64_t payload_bytes(const struct item *it)
{
    const struct item_field *f;
    size_t len = 0;
    switch (it->type) {
    case ITEM_CHUNK:
    case ITEM_PART:
        return (uint64_t)item_int(it, "size", 0);
    case ITEM_WS_FRAME:
        return (uint64_t)item_int(it, "len", 0);
    case ITEM_SSE_EVENT:
        if ((f = item_field(it, "data")))
            item_text(it, f, &len);
        return len;
    case ITEM_FLASH:
        if ((f = item_field(it, "text")))
            item_text(it, f, &len);
        return len;
    default:
        return it->length;
    }
}

void stats_overhead(const struct item *it, uint64_t *head_bytes, uint64_t *framing_bytes)
{
    *head_bytes = *framing_bytes = 0;
    switch (it->type) {
    case ITEM_HTTP_REQUEST:
    case ITEM_HTTP_RESPONSE:
        *head_bytes = (uint64_t)item_int(it, "head_bytes", 0);
        break;
    case ITEM_CHUNK:
    case ITEM_PART:
    case ITEM_WS_FRAME:
    case ITEM_SSE_EVENT:
    case ITEM_FLASH: {
        uint64_t payload = payload_bytes(it);
        *framing_bytes = it->length > payload ? it->length - payload : 0;
        break;
    }
    case ITEM_SSE_COMMENT:
        *framing_bytes = it->length; /* a heartbeat carries no event */
        break;
    default:
        break;
    }
}

static void close_flow(struct stats *s, struct tally *t, const struct item *it)
{
    const struct item_field *f = item_field(it, "technique");
    size_t len = 0;
    const char *name = f ? item_text(it, f, &len) : "unknown";
    struct row *r = row_for(s, name, f ? len : strlen(name));
    if (r) {
        r->flows++;
        r->sum.requests += t->requests;
        r->sum.events += t->events;
        r->sum.header_bytes += t->header_bytes;
        r->sum.framing_bytes += t->framing_bytes;
        r->sum.messages += t->messages;
        r->sum.message_bytes += t->message_bytes;
        r->sum.heartbeat_bytes += t->heartbeat_bytes;
        r->sum.deflate_wire += t->deflate_wire;
        r->sum.deflate_inflated += t->deflate_inflated;
        for (size_t i = 0; i < t->latency.n; i++)
            samples_add(&r->sum.latency, t->latency.v[i]);
        const struct item_field *hs = item_field(it, "handshake_rtt_ms");
        if (hs && hs->kind == FIELD_MS) {
            r->handshake_sum += hs->v.ms;
            r->handshakes++;
        }
    }
    free(t->latency.v);
    memset(t, 0, sizeof *t);
}

/* A WebSocket frame: a message ends at a FIN data frame; compressed
 * frames add to the deflate sums. */
static void count_ws_frame(struct tally *t, const struct item *it)
{
    int64_t opcode = item_int(it, "opcode", 0);
    if (opcode >= 8)
        return; /* control frames carry no message */
    const struct item_field *f = item_field(it, "inflated_len");
    uint64_t wire = (uint64_t)item_int(it, "len", 0);
    uint64_t bytes = f && f->kind == FIELD_INT ? (uint64_t)f->v.i : wire;
    if (f && f->kind == FIELD_INT) {
        t->deflate_wire += wire;
        t->deflate_inflated += bytes;
    }
    if (it->dir != DIR_S2C)
        return;
    t->message_bytes += bytes;
    f = item_field(it, "fin");
    if (f && f->kind == FIELD_BOOL && f->v.b)
        t->messages++;
}

void stats_item(struct stats *s, const struct item *it)
{
    if (it->flow == 0)
        return;
    struct tally *t = flow_tally(s, it->flow);
    if (!t)
        return;
    uint64_t head, framing;
    stats_overhead(it, &head, &framing);
    t->header_bytes += head;
    t->framing_bytes += framing;
    switch (it->type) {
    case ITEM_FLOW:
        close_flow(s, t, it);
        break;
    case ITEM_HTTP_REQUEST:
        t->requests++;
        break;
    case ITEM_SSE_COMMENT:
        t->heartbeat_bytes += it->length;
        break;
    case ITEM_WS_FRAME:
        count_ws_frame(t, it);
        break;
    case ITEM_CHUNK:
    case ITEM_PART:
    case ITEM_SSE_EVENT:
        if (it->dir == DIR_S2C && (it->type != ITEM_CHUNK || item_int(it, "size", 0) > 0)) {
            t->messages++;
            t->message_bytes += payload_bytes(it);
        }
        break;
    case ITEM_FLASH: {
        const struct item_field *k = item_field(it, "kind");
        size_t klen = 0;
        const char *kind = k && k->kind == FIELD_TEXT ? item_text(it, k, &klen) : "";
        if (it->dir == DIR_S2C && klen == 7 && memcmp(kind, "message", 7) == 0) {
            t->messages++;
            t->message_bytes += payload_bytes(it);
        }
        break;
    }
    case ITEM_EVENT:
        if (it->dir == DIR_S2C) {
            const struct item_field *f = item_field(it, "latency_ms");
            t->events++;
            if (f && f->kind == FIELD_MS)
                samples_add(&t->latency, f->v.ms);
        }
        break;
    default:
        break;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bool stats_row(struct stats *s, unsigned i, struct stats_row *out)
{
    if (i >= s->nrows)
        return false;
    struct row *r = &s->rows[i];
    struct samples *l = &r->sum.latency;
    memset(out, 0, sizeof *out);
    out->technique = r->technique;
    out->flows = r->flows;
    out->requests = r->sum.requests;
    out->events = r->sum.events;
    out->header_per_event = r->sum.events ? (double)r->sum.header_bytes / (double)r->sum.events : -1;
    out->framing_per_event = r->sum.events ? (double)r->sum.framing_bytes / (double)r->sum.events : -1;
    out->latency_mean_ms = out->latency_p99_ms = -1;
    out->has_latency = l->n > 0;
    if (l->n) {
        qsort(l->v, l->n, sizeof *l->v, cmp_double);
        double sum = 0;
        for (size_t k = 0; k < l->n; k++)
            sum += l->v[k];
        out->latency_mean_ms = sum / (double)l->n;
        size_t rank = (l->n * 99 + 99) / 100; /* nearest rank: ceil(0.99 n) */
        out->latency_p99_ms = l->v[rank - 1];
    }
    out->handshake_mean_ms = r->handshakes ? r->handshake_sum / r->handshakes : -1;
    out->messages = r->sum.messages;
    out->message_bytes = r->sum.message_bytes;
    out->heartbeat_bytes = r->sum.heartbeat_bytes;
    out->deflate_wire = r->sum.deflate_wire;
    out->deflate_inflated = r->sum.deflate_inflated;
    return true;
}

/* A number column with `decimals` decimals, or "-" when there is no value. */
static void cell(FILE *out, bool present, double v, int decimals)
{
    if (!present)
        fprintf(out, " %10s", "-");
    else
        fprintf(out, " %10.*f", decimals, v);
}

static void cell7(FILE *out, bool present, double v)
{
    if (!present)
        fprintf(out, " %7s", "-");
    else
        fprintf(out, " %7.1f", v);
}

void stats_print(struct stats *s, FILE *out)
{
    fprintf(out, "%-10s %5s %8s %8s %10s %10s %10s %10s %10s\n", "technique", "flows", "requests",
            "events", "hdr B/ev", "frame B/ev", "lat mean", "lat p99", "handshake");
    fprintf(out, "%-10s %5s %8s %8s %10s %10s %10s %10s %10s\n", "", "", "", "", "", "", "ms", "ms",
            "ms");
    struct stats_row r;
    for (unsigned i = 0; stats_row(s, i, &r); i++) {
        fprintf(out, "%-10s %5u %8llu %8llu", r.technique, r.flows, (unsigned long long)r.requests,
                (unsigned long long)r.events);
        cell(out, r.events > 0, r.header_per_event, 1);
        cell(out, r.events > 0, r.framing_per_event, 1);
        cell(out, r.has_latency, r.latency_mean_ms, 3);
        cell(out, r.has_latency, r.latency_p99_ms, 3);
        cell(out, r.handshake_mean_ms >= 0, r.handshake_mean_ms, 3);
        putc('\n', out);
    }
    /* Messages pushed, heartbeats, deflate savings (their own columns, so
     * the table above keeps its shape for the scripts that read it). */
    fprintf(out, "\n%-10s %8s %10s %10s %10s %10s %7s\n", "technique", "messages", "msg bytes",
            "heartbeat", "deflate", "inflated", "saved");
    fprintf(out, "%-10s %8s %10s %10s %10s %10s %7s\n", "", "s2c", "s2c", "bytes", "wire B", "B", "%");
    for (unsigned i = 0; stats_row(s, i, &r); i++) {
        fprintf(out, "%-10s %8llu %10llu %10llu %10llu %10llu", r.technique, (unsigned long long)r.messages,
                (unsigned long long)r.message_bytes, (unsigned long long)r.heartbeat_bytes,
                (unsigned long long)r.deflate_wire, (unsigned long long)r.deflate_inflated);
        cell7(out, r.deflate_inflated > 0,
              r.deflate_inflated ? 100.0 * (1.0 - (double)r.deflate_wire / (double)r.deflate_inflated) : 0);
        putc('\n', out);
    }
}

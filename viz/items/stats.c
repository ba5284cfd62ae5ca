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
 * A second table counts what was carried whatever the server: the message
 * items each way (whole Content-Length bodies, chunks, parts, SSE events,
 * WebSocket data messages, Flash messages, HTTP/2 DATA frames) and their
 * decoded bytes -- each message once: a chunk or DATA frame whose data is
 * read as SSE events or parts (its `content` says so) is not one, its
 * events or parts are -- the
 * bytes of SSE heartbeat blocks, and what DEFLATE saved (wire against
 * inflated bytes of compressed WebSocket frames, both ways, and of
 * gzip and deflate bodies).
 *
 * A third counts the messages of the push libraries (SockJS, Engine.IO,
 * Socket.IO) by library and frame type, each way, with their keep-alive
 * frames on rows of their own: a heartbeat is not news.  A library
 * message rides inside one of the transport's messages above (a body, a
 * chunk, a WebSocket message), so the two tables count the same bytes at
 * two layers and are not to be added up.
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
    uint64_t messages[2], message_bytes[2]; /* by direction */
    uint64_t heartbeat_bytes, deflate_wire, deflate_inflated;
    struct samples latency;
};

struct row {
    char technique[16];
    unsigned flows;
    struct tally sum;
    double handshake_sum;
    unsigned handshakes;
};

/* One (library, frame) row of the third table. */
struct lib_row {
    char library[12];
    char frame[16];
    bool heartbeat;
    uint64_t messages[2], bytes[2]; /* by direction */
};

struct stats {
    struct tally *flows;   /* by flow id */
    size_t nflows;
    struct row rows[16];   /* one per technique name seen */
    unsigned nrows;
    struct lib_row libs[48]; /* one per (library, frame) seen; the libraries have fewer types */
    unsigned nlibs;
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
    case ITEM_BODY: /* what a content coding decoded it to, when it had one */
        if ((f = item_field(it, "decoded_size")) && f->kind == FIELD_INT)
            return (uint64_t)f->v.i;
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
    case ITEM_HTTP2: /* a DATA frame's data, without header and padding */
        return (uint64_t)item_int(it, "data_len", 0);
    default:
        return it->length;
    }
}

/* An HTTP/2 frame's name is `kind`. */
static bool h2_frame_is(const struct item *it, const char *kind)
{
    size_t len;
    const char *name = item_text_of(it, "frame", &len);
    return len == strlen(kind) && memcmp(name, kind, len) == 0;
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
        /* An SSE block's own bytes, not its span on the wire: that holds
         * any chunk size lines or HTTP/2 frames it was cut by, which their
         * own items count. */
        uint64_t own = it->type == ITEM_SSE_EVENT ? (uint64_t)item_int(it, "bytes", (int64_t)it->length)
                                                  : it->length;
        uint64_t payload = payload_bytes(it);
        *framing_bytes = own > payload ? own - payload : 0;
        break;
    }
    case ITEM_SSE_COMMENT:
        *framing_bytes = (uint64_t)item_int(it, "bytes", (int64_t)it->length); /* no event in it */
        break;
    case ITEM_HTTP2:
        /* HTTP/2's heads are its HEADERS frames (HPACK-compressed, which
         * is the point of comparing them); a DATA frame's header and
         * padding, and every other frame, are framing. */
        if (h2_frame_is(it, "HEADERS") || h2_frame_is(it, "CONTINUATION"))
            *head_bytes = it->length;
        else
            *framing_bytes = it->length - payload_bytes(it);
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
        for (int d = 0; d < 2; d++) {
            r->sum.messages[d] += t->messages[d];
            r->sum.message_bytes[d] += t->message_bytes[d];
        }
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
    if (it->dir != DIR_C2S && it->dir != DIR_S2C)
        return;
    t->message_bytes[it->dir] += bytes;
    f = item_field(it, "fin");
    if (f && f->kind == FIELD_BOOL && f->v.b)
        t->messages[it->dir]++;
}

/* A body decoded from gzip or deflate adds to the deflate sums: gzip is
 * DEFLATE in a wrapper (RFC 1952), like permessage-deflate. */
static void count_coded_body(struct tally *t, const struct item *it)
{
    const struct item_field *f = item_field(it, "decoded_size");
    if (!f || f->kind != FIELD_INT)
        return;
    t->deflate_wire += (uint64_t)item_int(it, "size", 0);
    t->deflate_inflated += (uint64_t)f->v.i;
}

/* A message item of `bytes` decoded bytes, going it->dir. */
static void count_message(struct tally *t, const struct item *it, uint64_t bytes)
{
    if (it->dir != DIR_C2S && it->dir != DIR_S2C)
        return;
    t->messages[it->dir]++;
    t->message_bytes[it->dir] += bytes;
}

/* Copy text field `name` into out[0..cap), cut and NUL-terminated. */
static void text_copy(const struct item *it, const char *name, char *out, size_t cap)
{
    size_t len;
    const char *v = item_text_of(it, name, &len);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

/* A library's message: its (library, frame) row. */
static void count_library(struct stats *s, const struct item *it)
{
    if (it->dir != DIR_C2S && it->dir != DIR_S2C)
        return;
    char library[sizeof s->libs[0].library], frame[sizeof s->libs[0].frame];
    text_copy(it, "library", library, sizeof library);
    text_copy(it, "frame", frame, sizeof frame);
    unsigned i = 0;
    while (i < s->nlibs && (strcmp(s->libs[i].library, library) || strcmp(s->libs[i].frame, frame)))
        i++;
    if (i == s->nlibs) {
        if (s->nlibs == sizeof s->libs / sizeof s->libs[0])
            return;
        memset(&s->libs[i], 0, sizeof s->libs[i]);
        memcpy(s->libs[i].library, library, sizeof library);
        memcpy(s->libs[i].frame, frame, sizeof frame);
        s->nlibs++;
    }
    struct lib_row *r = &s->libs[i];
    const struct item_field *hb = item_field(it, "heartbeat");
    r->heartbeat |= hb && hb->kind == FIELD_BOOL && hb->v.b;
    size_t len;
    item_text_of(it, "text", &len);
    r->messages[it->dir]++;
    r->bytes[it->dir] += len;
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
        t->heartbeat_bytes += (uint64_t)item_int(it, "bytes", (int64_t)it->length);
        break;
    case ITEM_WS_FRAME:
        count_ws_frame(t, it);
        break;
    case ITEM_BODY:
        count_coded_body(t, it);
        count_message(t, it, payload_bytes(it));
        break;
    case ITEM_CHUNK: /* the last chunk (size 0) only ends its body */
    case ITEM_PART:
    case ITEM_SSE_EVENT:
        if (it->type != ITEM_CHUNK || (item_int(it, "size", 0) > 0 && !item_field(it, "content")))
            count_message(t, it, payload_bytes(it));
        break;
    case ITEM_FLASH: {
        size_t len;
        const char *kind = item_text_of(it, "kind", &len);
        if (len == 7 && memcmp(kind, "message", 7) == 0)
            count_message(t, it, payload_bytes(it));
        break;
    }
    case ITEM_HTTP2: /* a DATA frame with data is a message of its stream */
        if (h2_frame_is(it, "DATA") && payload_bytes(it) && !item_field(it, "content"))
            count_message(t, it, payload_bytes(it));
        break;
    case ITEM_MESSAGE:
        count_library(s, it);
        break;
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
    for (int d = 0; d < 2; d++) {
        out->messages[d] = r->sum.messages[d];
        out->message_bytes[d] = r->sum.message_bytes[d];
    }
    out->heartbeat_bytes = r->sum.heartbeat_bytes;
    out->deflate_wire = r->sum.deflate_wire;
    out->deflate_inflated = r->sum.deflate_inflated;
    return true;
}

bool stats_library_row(struct stats *s, unsigned i, struct stats_library_row *out)
{
    if (i >= s->nlibs)
        return false;
    const struct lib_row *r = &s->libs[i];
    out->library = r->library;
    out->frame = r->frame;
    out->heartbeat = r->heartbeat;
    for (int d = 0; d < 2; d++) {
        out->messages[d] = r->messages[d];
        out->bytes[d] = r->bytes[d];
    }
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
    /* Messages each way, heartbeats, deflate savings (a table of their
     * own, so the one above keeps its shape for the scripts that read it). */
    fprintf(out, "\n%-10s %8s %10s %8s %10s %10s %10s %10s %7s\n", "technique", "messages",
            "msg bytes", "messages", "msg bytes", "heartbeat", "deflate", "inflated", "saved");
    fprintf(out, "%-10s %8s %10s %8s %10s %10s %10s %10s %7s\n", "", "s2c", "s2c", "c2s", "c2s", "bytes",
            "wire B", "B", "%");
    for (unsigned i = 0; stats_row(s, i, &r); i++) {
        fprintf(out, "%-10s %8llu %10llu %8llu %10llu %10llu %10llu %10llu", r.technique,
                (unsigned long long)r.messages[DIR_S2C], (unsigned long long)r.message_bytes[DIR_S2C],
                (unsigned long long)r.messages[DIR_C2S], (unsigned long long)r.message_bytes[DIR_C2S],
                (unsigned long long)r.heartbeat_bytes, (unsigned long long)r.deflate_wire,
                (unsigned long long)r.deflate_inflated);
        cell7(out, r.deflate_inflated > 0,
              r.deflate_inflated ? 100.0 * (1.0 - (double)r.deflate_wire / (double)r.deflate_inflated) : 0);
        putc('\n', out);
    }
    /* The libraries' messages, when there were any. */
    struct stats_library_row lr;
    if (!stats_library_row(s, 0, &lr))
        return;
    fprintf(out, "\n%-10s %-12s %-9s %8s %10s %8s %10s\n", "library", "frame", "kind", "messages", "bytes",
            "messages", "bytes");
    fprintf(out, "%-10s %-12s %-9s %8s %10s %8s %10s\n", "", "", "", "s2c", "s2c", "c2s", "c2s");
    for (unsigned i = 0; stats_library_row(s, i, &lr); i++)
        fprintf(out, "%-10s %-12s %-9s %8llu %10llu %8llu %10llu\n", lr.library, lr.frame,
                lr.heartbeat ? "heartbeat" : "data", (unsigned long long)lr.messages[DIR_S2C],
                (unsigned long long)lr.bytes[DIR_S2C], (unsigned long long)lr.messages[DIR_C2S],
                (unsigned long long)lr.bytes[DIR_C2S]);
}

/* ladder.c -- the rows of a ladder (sequence) diagram, from items.
 *
 *   time       client                                     server
 *   0.000654   |== GET /poll?since=3 ======================>|
 *              :                 4.200 s pass                :
 *   4.200931   |<===================== HTTP/1.1 200 OK =====|  HELD 4200.3 ms
 *   4.201022   |== GET /poll?since=4 ======================>|  0.091 ms after the answer
 *
 * A row per message (bold arrow) and per TCP segment (thin arrow; pure
 * ACKs only when asked).  On the right, the times that explain a
 * technique: the handshake RTT (SYN to the ACK of the SYN/ACK), ack RTTs,
 * request -> response times (HELD when a long poll held the request:
 * the engine's VIZ_LONGPOLL_HOLD_MS), the gap from a response to the next
 * request, ping -> pong times and event latencies.  A pause of
 * UI_LADDER_GAP_MS or more is kept on the row after it (gap_s), so every
 * drawing shows a held request as a gap.
 *
 * Pure: items in, rows out.  The UI draws the rows (ui/ladder.c), and
 * ladder_svg.c and ladder_text.c write them to files.
 */
#include "output/ladder.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output/output.h"

/* What the rows need to remember per flow while walking the items. */
struct ladder_flow {
    double syn_t;          /* the client's SYN, or -1 */
    bool synack;           /* the server's SYN/ACK was seen */
    double handshake_ms;   /* < 0 until known */
    bool handshake_shown;
    long last_request;     /* row of the latest request, or -1 */
    double last_response;  /* time of the latest final response, or -1 */
};

static const char *flags_of(const struct item *it, size_t *len)
{
    const struct item_field *f = item_field(it, "flags");
    *len = 0;
    return f && f->kind == FIELD_TEXT ? item_text(it, f, len) : "";
}

static bool pure_ack(const struct item *it)
{
    size_t len;
    const char *s = flags_of(it, &len);
    return item_int(it, "len", 0) == 0 && len == 3 && memcmp(s, "ACK", 3) == 0;
}

/* The arrow label: the message's summary, or a segment's flags and length. */
static void label_of(const struct item *it, char *out, size_t cap, bool many_flows)
{
    char summary[256];
    if (it->type == ITEM_TCP) {
        size_t len;
        const char *s = flags_of(it, &len);
        long long n = (long long)item_int(it, "len", 0);
        int k = snprintf(summary, sizeof summary, "%.*s", (int)len, s);
        if (n && k >= 0 && (size_t)k < sizeof summary)
            snprintf(summary + k, sizeof summary - (size_t)k, " %lld B", n);
    } else {
        /* events, errors and SSE comments say what they are; the other
         * summaries speak for themselves */
        size_t at = 0;
        if (it->type == ITEM_EVENT || it->type == ITEM_ERROR || it->type == ITEM_SSE_COMMENT)
            at = (size_t)snprintf(summary, sizeof summary, "%s ", item_type_name(it->type));
        item_summary(it, summary + at, sizeof summary - at);
        /* The trailing " @offset" says nothing in a diagram, and a response's
         * technique goes to the note on the right. */
        char *mark = strrchr(summary, '@');
        if (mark && mark > summary && mark[-1] == ' ')
            mark[-1] = '\0';
        char *tech = it->type == ITEM_HTTP_RESPONSE ? strstr(summary, " technique=") : NULL;
        if (tech)
            *tech = '\0';
    }
    if (many_flows)
        snprintf(out, cap, "[%u] %s", it->flow, summary);
    else
        snprintf(out, cap, "%s", summary);
}

/* The right-hand note of a row, from the flow's running times. */
static void note_of(struct ladder_flow *lf, const struct item *it, struct ladder_row *r, size_t row)
{
    const struct item_field *f;
    r->note[0] = '\0';
    r->strong = false;
    r->held_row = -1;
    switch (it->type) {
    case ITEM_TCP: {
        size_t fl_len;
        const char *flags = flags_of(it, &fl_len);
        if (lf->handshake_ms >= 0 && !lf->handshake_shown && memmem(flags, fl_len, "SYN,ACK", 7)) {
            /* on the SYN/ACK row, so it shows even with pure ACKs hidden */
            snprintf(r->note, sizeof r->note, "handshake RTT %.3f ms (SYN to ACK)", lf->handshake_ms);
            lf->handshake_shown = true;
        } else if ((f = item_field(it, "ack_rtt_ms")) && f->kind == FIELD_MS) {
            snprintf(r->note, sizeof r->note, "ack rtt %.3f ms", f->v.ms);
        }
        if ((f = item_field(it, "analysis")) && f->kind == FIELD_TEXT) {
            /* "duplicate_ack #2", "retransmission, fast_retransmission" */
            size_t len, more_len;
            const char *s = item_text(it, f, &len);
            const char *more = item_text_of(it, "analysis_more", &more_len);
            long long dup = (long long)item_int(it, "dup_ack_num", 0);
            char num[24] = "";
            if (dup > 0)
                snprintf(num, sizeof num, " #%lld", dup);
            snprintf(r->note, sizeof r->note, "%.*s%s%s%.*s", (int)len, s, num, more_len ? ", " : "",
                     (int)more_len, more);
            r->strong = true;
        }
        break;
    }
    case ITEM_HTTP_REQUEST:
        if (lf->last_response >= 0)
            snprintf(r->note, sizeof r->note, "%.3f ms after the answer", (it->t - lf->last_response) * 1e3);
        lf->last_request = (long)row;
        break;
    case ITEM_HTTP_RESPONSE:
        if ((f = item_field(it, "response_ms")) && f->kind == FIELD_MS) {
            r->strong = f->v.ms >= VIZ_LONGPOLL_HOLD_MS; /* the engine's own long-poll threshold */
            snprintf(r->note, sizeof r->note, "%s %.3f ms", r->strong ? "HELD" : "answered after", f->v.ms);
            if (r->strong)
                r->held_row = lf->last_request;
        }
        if ((f = item_field(it, "technique")) && f->kind == FIELD_TEXT) {
            size_t len, at = strlen(r->note);
            const char *s = item_text(it, f, &len);
            snprintf(r->note + at, sizeof r->note - at, "%s%.*s", at ? ": " : "", (int)len, s);
        }
        if (item_int(it, "status", 0) >= 200)
            lf->last_response = it->t;
        break;
    case ITEM_MESSAGE: /* a library's keep-alive, told from its messages */
        if (item_field(it, "heartbeat"))
            snprintf(r->note, sizeof r->note, "heartbeat");
        break;
    case ITEM_WS_FRAME:
        if ((f = item_field(it, "pong_ms")) && f->kind == FIELD_MS)
            snprintf(r->note, sizeof r->note, "pong after %.3f ms", f->v.ms);
        break;
    case ITEM_EVENT:
        if ((f = item_field(it, "latency_ms")) && f->kind == FIELD_MS)
            snprintf(r->note, sizeof r->note, "latency %.3f ms", f->v.ms);
        break;
    default:
        break;
    }
}

/* First pass: each flow's handshake RTT, from its `flow` item or from the
 * SYN and the client's first ACK after the SYN/ACK. */
static void find_handshakes(struct ladder_flow *lfs, unsigned maxflow, const struct item *const *items, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const struct item *it = items[k];
        if (!it->flow || it->flow > maxflow)
            continue;
        struct ladder_flow *lf = &lfs[it->flow - 1];
        const struct item_field *f;
        if (it->type == ITEM_FLOW && (f = item_field(it, "handshake_rtt_ms")) && f->kind == FIELD_MS) {
            lf->handshake_ms = f->v.ms;
        } else if (it->type == ITEM_TCP && lf->handshake_ms < 0) {
            size_t len;
            const char *flags = flags_of(it, &len);
            bool syn = memmem(flags, len, "SYN", 3) != NULL;
            if (syn && it->dir == DIR_C2S)
                lf->syn_t = it->t;
            else if (syn && it->dir == DIR_S2C)
                lf->synack = true;
            else if (it->dir == DIR_C2S && lf->synack && lf->syn_t >= 0 && memmem(flags, len, "ACK", 3))
                lf->handshake_ms = (it->t - lf->syn_t) * 1e3;
        }
    }
}

static bool wanted(const struct item *it, const struct ladder_options *o)
{
    if (it->type == ITEM_FLOW || it->flow == 0)
        return false;
    /* Pure ACKs are left out unless asked for, but not the ones TCP
     * analysis flags: a duplicate ACK, a zero window or a window update
     * is the receiver's side of the story. */
    return !(it->type == ITEM_TCP && !o->acks && pure_ack(it) && !item_field(it, "analysis"));
}

int ladder_build(struct ladder *l, const struct item *const *items, size_t n, const struct ladder_options *o)
{
    memset(l, 0, sizeof *l);
    unsigned maxflow = 0, first = 0;
    for (size_t k = 0; k < n; k++) {
        if (items[k]->flow > maxflow)
            maxflow = items[k]->flow;
        if (items[k]->flow && wanted(items[k], o)) {
            if (first && items[k]->flow != first)
                l->many_flows = true;
            if (!first)
                first = items[k]->flow;
        }
    }
    struct ladder_flow *lfs = calloc(maxflow + 1, sizeof *lfs);
    if (!lfs)
        return -1;
    for (unsigned i = 0; i <= maxflow; i++)
        lfs[i] = (struct ladder_flow){-1, false, -1, false, -1, -1};
    if (o->handshake_ms) {
        for (size_t i = 0; i < o->nhandshakes && i < maxflow; i++)
            lfs[i].handshake_ms = o->handshake_ms[i];
    } else {
        find_handshakes(lfs, maxflow, items, n);
    }
    /* The lanes: one flow's endpoints, or of several flows, their sides. */
    snprintf(l->client, sizeof l->client, "%s", l->many_flows ? "clients" : o->client ? o->client : "client");
    snprintf(l->server, sizeof l->server, "%s", l->many_flows ? "servers" : o->server ? o->server : "server");
    double prev_t = -1;
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        const struct item *it = items[k];
        if (!o->client && !l->many_flows && it->type == ITEM_FLOW && it->flow == first) {
            /* the lanes' names, from the first flow's summary */
            const struct item_field *c = item_field(it, "client"), *s = item_field(it, "server");
            size_t cl, sl;
            if (c && s && c->kind == FIELD_TEXT && s->kind == FIELD_TEXT) {
                const char *ct = item_text(it, c, &cl), *st = item_text(it, s, &sl);
                snprintf(l->client, sizeof l->client, "%.*s", (int)cl, ct);
                snprintf(l->server, sizeof l->server, "%.*s", (int)sl, st);
            }
        }
        if (!wanted(it, o))
            continue;
        if (l->n == LADDER_MAX_ROWS) {
            l->cut = true;
            continue;
        }
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 256;
            struct ladder_row *v = realloc(l->rows, cap * sizeof *v);
            if (!v) {
                rc = -1;
                break;
            }
            l->rows = v;
            l->cap = cap;
        }
        struct ladder_row *r = &l->rows[l->n++];
        r->t = it->t;
        r->gap_s = prev_t >= 0 && (it->t - prev_t) * 1e3 >= UI_LADDER_GAP_MS ? it->t - prev_t : 0;
        prev_t = it->t;
        r->flow = it->flow;
        r->dir = it->dir;
        r->kind = it->type == ITEM_TCP ? LADDER_SEGMENT : it->type == ITEM_ERROR ? LADDER_ERROR : LADDER_MESSAGE;
        r->item = k;
        label_of(it, r->label, sizeof r->label, l->many_flows);
        note_of(&lfs[it->flow - 1], it, r, l->n - 1);
    }
    free(lfs);
    return rc;
}

void ladder_free(struct ladder *l)
{
    free(l->rows);
    memset(l, 0, sizeof *l);
}

bool ladder_path_is_svg(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcasecmp(path + n - 4, ".svg") == 0;
}

/* model.c -- the UI's memory: items and frames kept, flows totalled.
 *
 * Copies are bounded by UI_KEEP_BYTES: past it new items and frames are
 * counted as lost (the status line says so) instead of growing without
 * end during a long live capture.  Totals are built only from revealed
 * items, so a --realtime replay shows each flow as it was at that moment;
 * an item past the cap is counted when it comes (it is never revealed),
 * so the flows and the stats stay true though its row cannot be listed.
 */
#include "ui/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"

/* ---- growable arrays ---- */

/* Make room for one more element of size `size` in *v (holding n of cap). */
static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 64;
    void *p = realloc(*v, want * size);
    if (!p)
        return false;
    *v = p;
    *cap = want;
    return true;
}

static void index_push(struct ui_index *x, size_t i)
{
    if (grow((void **)&x->v, &x->cap, x->n, sizeof *x->v))
        x->v[x->n++] = i;
}

static void index_free(struct ui_index *x)
{
    free(x->v);
    *x = (struct ui_index){0};
}

int ui_model_init(struct ui_model *m)
{
    memset(m, 0, sizeof *m);
    m->stats = stats_new();
    return m->stats ? 0 : -1;
}

static void free_flows(struct ui_model *m)
{
    for (size_t i = 0; i < m->nflows; i++) {
        index_free(&m->flows[i].items);
        index_free(&m->flows[i].messages);
        free(m->flows[i].note);
    }
    free(m->flows);
    m->flows = NULL;
    m->nflows = m->cap_flows = 0;
    m->capture_errors = (struct ui_capture_errors){0};
}

void ui_model_free(struct ui_model *m)
{
    free_flows(m);
    for (size_t i = 0; i < m->nitems; i++)
        free(m->items[i]);
    free(m->items);
    for (size_t i = 0; i < m->nframes; i++)
        free(m->frames[i].bytes);
    free(m->frames);
    free(m->verdicts);
    stats_free(m->stats);
    memset(m, 0, sizeof *m);
}

/* ---- keeping copies ---- */

void ui_model_add_frame(struct ui_model *m, int64_t ts_ns, const uint8_t *bytes, uint32_t caplen,
                        uint32_t wirelen)
{
    if (!m->nframes)
        m->t0_ns = ts_ns;
    if (!grow((void **)&m->frames, &m->cap_frames, m->nframes, sizeof *m->frames)) {
        m->frames_lost++;
        return;
    }
    struct ui_frame *f = &m->frames[m->nframes++];
    *f = (struct ui_frame){ts_ns, caplen, wirelen, NULL};
    /* The slot always exists, so frame numbers stay aligned; only the
     * bytes are given up when memory runs short. */
    if (m->kept_bytes + caplen <= UI_KEEP_BYTES && (f->bytes = malloc(caplen ? caplen : 1))) {
        memcpy(f->bytes, bytes, caplen);
        m->kept_bytes += caplen;
    } else {
        m->frames_lost++;
    }
}

/* Remember the technique a `flow` item names, for flows not yet revealed. */
static void note_verdict(struct ui_model *m, const struct item *it)
{
    const struct item_field *f = item_field(it, "technique");
    if (!f || f->kind != FIELD_TEXT || it->flow == 0)
        return;
    if (it->flow > m->nverdicts) {
        size_t n = m->nverdicts ? m->nverdicts : 64;
        while (n < it->flow)
            n *= 2;
        char (*v)[16] = realloc(m->verdicts, n * sizeof *v);
        if (!v)
            return;
        memset(v + m->nverdicts, 0, (n - m->nverdicts) * sizeof *v);
        m->verdicts = v;
        m->nverdicts = n;
    }
    size_t len;
    const char *s = item_text(it, f, &len);
    if (len >= sizeof m->verdicts[0])
        len = sizeof m->verdicts[0] - 1;
    memcpy(m->verdicts[it->flow - 1], s, len);
    m->verdicts[it->flow - 1][len] = '\0';
}

/* What an item adds to its flow's totals and to the stats (revealing,
 * below).  index: its place in m->items, or NOT_KEPT for one past the
 * memory cap, which is counted all the same (a flow's packets, bytes and
 * end keep moving; the stats too) but cannot be listed. */
#define NOT_KEPT SIZE_MAX
static void account(struct ui_model *m, const struct item *it, size_t index);

void ui_model_add_item(struct ui_model *m, const struct item *it)
{
    size_t size = sizeof *it + it->arena_len;
    struct item *copy = NULL;
    if (m->kept_bytes + size <= UI_KEEP_BYTES &&
        grow((void **)&m->items, &m->cap_items, m->nitems, sizeof *m->items))
        copy = item_dup(it, 0);
    if (it->type == ITEM_FLOW)
        note_verdict(m, it);
    if (!copy) {
        m->items_lost++;
        account(m, it, NOT_KEPT); /* at once: it will not be revealed */
        return;
    }
    m->items[m->nitems++] = copy;
    m->kept_bytes += size;
}

/* ---- revealing: per-flow totals ---- */

struct ui_flow *ui_model_flow(const struct ui_model *m, unsigned id)
{
    return id >= 1 && id <= m->nflows ? &m->flows[id - 1] : NULL;
}

const struct ui_frame *ui_model_frame(const struct ui_model *m, uint64_t number)
{
    return number >= 1 && number <= m->nframes ? &m->frames[number - 1] : NULL;
}

static struct ui_flow *flow_for(struct ui_model *m, unsigned id)
{
    while (m->nflows < id) {
        if (!grow((void **)&m->flows, &m->cap_flows, m->nflows, sizeof *m->flows))
            return NULL;
        struct ui_flow *f = &m->flows[m->nflows];
        memset(f, 0, sizeof *f);
        f->id = (unsigned)++m->nflows;
        f->handshake_ms = -1;
    }
    return &m->flows[id - 1];
}

static void copy_text(const struct item *it, const char *name, char *out, size_t cap)
{
    const struct item_field *f = item_field(it, name);
    size_t len = 0;
    const char *s = f && f->kind == FIELD_TEXT ? item_text(it, f, &len) : "";
    if (len >= cap)
        len = cap - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

/* Before the flow item names them, the endpoints come from the frame of
 * the flow's first segment, read with the engine's own decoder. */
static void endpoints_from_frame(struct ui_model *m, struct ui_flow *f, const struct item *tcp)
{
    const struct ui_frame *fr = ui_model_frame(m, (uint64_t)item_int(tcp, "frame", 0));
    struct packet p;
    const char *why;
    if (!fr || !fr->bytes ||
        decode_packet(m->dlt, fr->bytes, fr->caplen, fr->wirelen, &p, &why) != DECODE_TCP)
        return;
    bool from_client = tcp->dir == DIR_C2S;
    format_endpoint(from_client ? &p.src : &p.dst, from_client ? p.sport : p.dport, f->client);
    format_endpoint(from_client ? &p.dst : &p.src, from_client ? p.dport : p.sport, f->server);
}

static void total_tcp(struct ui_model *m, struct ui_flow *f, const struct item *it)
{
    f->packets++;
    if (it->dir == DIR_C2S || it->dir == DIR_S2C)
        f->bytes[it->dir] += (uint64_t)item_int(it, "len", 0);
    const struct item_field *flags = item_field(it, "flags");
    size_t len = 0;
    const char *s = flags && flags->kind == FIELD_TEXT ? item_text(it, flags, &len) : "";
    /* flags is "SYN,ACK" style: look for whole names. */
    bool syn = memmem(s, len, "SYN", 3) != NULL, ack = memmem(s, len, "ACK", 3) != NULL;
    /* The handshake RTT (the latest SYN to the ACK of the SYN/ACK) while
     * the flow is open; its `flow` item has the engine's value at the end. */
    if (syn && !ack && it->dir == DIR_C2S && f->handshake_ms < 0)
        f->syn_t = it->t;
    else if (syn && ack)
        f->synack_seen = true;
    else if (ack && it->dir == DIR_C2S && f->syn && f->synack_seen && f->handshake_ms < 0)
        f->handshake_ms = (it->t - f->syn_t) * 1e3;
    f->syn |= syn;
    f->fin |= memmem(s, len, "FIN", 3) != NULL;
    f->rst |= memmem(s, len, "RST", 3) != NULL;
    /* Without its handshake a flow's first segments carry the engine's
     * guess of who is the client, which the first payload may turn round
     * (flows.c, settle_roles): the endpoints are taken again from the
     * first segment that had a SYN or payload. */
    bool sure = syn || item_int(it, "len", 0) > 0;
    if (!f->endpoints_sure && (!f->client[0] || sure)) {
        endpoints_from_frame(m, f, it);
        f->endpoints_sure = sure;
    }
}

/* Count a response's exchange technique. */
static void count_exchange(struct ui_flow *f, const struct item *it)
{
    char name[16];
    copy_text(it, "technique", name, sizeof name);
    if (!name[0])
        return;
    for (unsigned k = 0; k < f->nkinds; k++)
        if (strcmp(f->kinds[k].name, name) == 0) {
            f->kinds[k].n++;
            return;
        }
    if (f->nkinds == UI_FLOW_KINDS)
        return;
    memcpy(f->kinds[f->nkinds].name, name, sizeof name);
    f->kinds[f->nkinds++].n = 1;
}

/* The push library session an item names (an http_request's, a flow
 * item's `session`): the flow joins it.  One session over several
 * connections (Engine.IO polling then its WebSocket, SockJS's xhr and
 * xhr_send) gets one number, and its flows the id of the first of them. */
static void note_session(struct ui_model *m, struct ui_flow *f, const struct item *it)
{
    const struct item_field *s = item_field(it, "session");
    if (f->session_no || !s || s->kind != FIELD_TEXT)
        return;
    copy_text(it, "session", f->session, sizeof f->session);
    copy_text(it, "library", f->library, sizeof f->library);
    f->session_first = f->id;
    for (size_t i = 0; i < m->nflows; i++) {
        struct ui_flow *o = &m->flows[i];
        if (o == f || !o->session_no || strcmp(o->session, f->session) || strcmp(o->library, f->library))
            continue;
        f->session_no = o->session_no;
        if (o->session_first < f->session_first)
            f->session_first = o->session_first;
    }
    if (!f->session_no) {
        f->session_no = ++m->nsessions;
        return;
    }
    for (size_t i = 0; i < m->nflows; i++) /* a lower-numbered flow joined late: it leads now */
        if (m->flows[i].session_no == f->session_no)
            m->flows[i].session_first = f->session_first;
}

static void total_flow_item(struct ui_flow *f, const struct item *it)
{
    copy_text(it, "client", f->client, sizeof f->client);
    copy_text(it, "server", f->server, sizeof f->server);
    f->endpoints_sure = true;
    copy_text(it, "technique", f->technique, sizeof f->technique);
    copy_text(it, "end", f->end, sizeof f->end);
    f->technique_final = true;
    const struct item_field *hs = item_field(it, "handshake_rtt_ms");
    if (hs && hs->kind == FIELD_MS)
        f->handshake_ms = hs->v.ms;
    if (!f->library[0]) /* (with a session, note_session takes both) */
        copy_text(it, "library", f->library, sizeof f->library);
    const struct item_field *note = item_field(it, "note");
    free(f->note);
    f->note = NULL;
    if (note && note->kind == FIELD_TEXT) {
        size_t len;
        const char *s = item_text(it, note, &len);
        f->note = strndup(s, len); /* (NULL when out of memory: the note is not shown) */
    }
}

bool ui_model_is_message(const struct ui_model *m, const struct item *it)
{
    switch (it->type) {
    case ITEM_FLOW:
        return false;
    case ITEM_TCP:
        if (m->all_tcp)
            return true;
        /* Without all_tcp: the segments that change the connection's
         * state, and the ones TCP analysis has something to say about. */
        {
            const struct item_field *flags = item_field(it, "flags");
            size_t len = 0;
            const char *s = flags && flags->kind == FIELD_TEXT ? item_text(it, flags, &len) : "";
            return memmem(s, len, "SYN", 3) || memmem(s, len, "FIN", 3) ||
                   memmem(s, len, "RST", 3) || item_field(it, "analysis");
        }
    default:
        return true;
    }
}

static void count_capture_error(struct ui_capture_errors *errs, const struct item *it)
{
    const struct item_field *what = item_field(it, "what"), *frame = item_field(it, "frame");
    size_t len = 0;
    const char *text = what ? item_text(it, what, &len) : "";
    errs->n++;
    errs->frame = frame->kind == FIELD_INT ? (long long)frame->v.i : 0;
    snprintf(errs->what, sizeof errs->what, "%.*s", (int)len, text);
}

static void account(struct ui_model *m, const struct item *it, size_t index)
{
    if (m->stats) /* NULL only after running out of memory in a rewind */
        stats_item(m->stats, it);
    if (it->flow == 0) { /* (an input error, without a frame, the status line says already) */
        if (it->type == ITEM_ERROR && item_field(it, "frame"))
            count_capture_error(&m->capture_errors, it);
        return;
    }
    struct ui_flow *f = flow_for(m, it->flow);
    if (!f)
        return;
    if (!f->seen++)
        f->first_t = it->t;
    if (it->type != ITEM_FLOW) /* (an open flow's comes at the end of the input, not of its packets) */
        f->last_t = it->t;
    f->dirty = true;
    if (index != NOT_KEPT) {
        index_push(&f->items, index);
        if (ui_model_is_message(m, it))
            index_push(&f->messages, index);
    }
    if (!f->technique[0] && it->flow <= m->nverdicts && m->verdicts[it->flow - 1][0])
        memcpy(f->technique, m->verdicts[it->flow - 1], sizeof f->technique);
    switch (it->type) {
    case ITEM_TCP:
        total_tcp(m, f, it);
        break;
    case ITEM_FLOW:
        total_flow_item(f, it);
        note_session(m, f, it);
        break;
    case ITEM_HTTP_REQUEST:
        note_session(m, f, it);
        break;
    case ITEM_HTTP_RESPONSE:
    case ITEM_JOINED: /* (an answer whose head was not captured: named by its body) */
        count_exchange(f, it);
        break;
    default:
        break;
    }
    uint64_t head, framing;
    stats_overhead(it, &head, &framing);
    f->overhead += head + framing;
}

bool ui_model_reveal_next(struct ui_model *m)
{
    if (m->revealed >= m->nitems)
        return false;
    size_t index = m->revealed++;
    account(m, m->items[index], index);
    return true;
}

void ui_model_rewind(struct ui_model *m)
{
    free_flows(m);
    m->nsessions = 0;
    stats_free(m->stats);
    m->stats = stats_new();
    m->revealed = 0;
}

void ui_model_relist(struct ui_model *m)
{
    for (size_t i = 0; i < m->nflows; i++) {
        struct ui_flow *f = &m->flows[i];
        f->messages.n = 0;
        for (size_t k = 0; k < f->items.n; k++)
            if (ui_model_is_message(m, m->items[f->items.v[k]]))
                index_push(&f->messages, f->items.v[k]);
    }
}

double ui_flow_overhead_pct(const struct ui_flow *f)
{
    uint64_t all = f->bytes[0] + f->bytes[1];
    return all ? 100.0 * (double)f->overhead / (double)all : -1;
}

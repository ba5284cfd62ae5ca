/* ladder.c -- the ladder: a sequence diagram of one flow, or of every
 * flow of one client, with the times that explain a technique.
 *
 *   time       client                                     server
 *   0.000654   |== GET /poll?since=3 ======================>|
 *              :                 4.200 s pass                :
 *   4.200931   |<===================== HTTP/1.1 200 OK =====|  HELD 4200.3 ms
 *   4.201022   |== GET /poll?since=4 ======================>|  next request 0.091 ms later
 *
 * Messages are '=' arrows, TCP segments '-' arrows (pure ACKs only with
 * `a`).  On the right: ack RTTs, the handshake RTT, request -> response
 * times (marked HELD when a long poll held the request), the gap from a
 * response to the next request, ping -> pong times and event latencies.
 * A pause of UI_LADDER_GAP_MS or more gets a line of its own, so a held
 * request is seen as a gap in the diagram.  The request -> response time
 * is the engine's response_ms.
 */
#include "ui/ladder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

/* What the ladder remembers per flow while it walks the items. */
struct ladder_flow {
    double last_response; /* time of the latest final response, or -1 */
    bool handshake_shown;
};

static bool pure_ack(const struct item *it)
{
    const struct item_field *f = item_field(it, "flags");
    size_t len = 0;
    const char *s = f && f->kind == FIELD_TEXT ? item_text(it, f, &len) : "";
    return item_int(it, "len", 0) == 0 && len == 3 && memcmp(s, "ACK", 3) == 0;
}

/* The arrow label: the message's summary, or a segment's flags and length. */
static void label_of(const struct item *it, char *out, size_t cap, bool many_flows)
{
    char summary[256];
    if (it->type == ITEM_TCP) {
        const struct item_field *f = item_field(it, "flags");
        size_t len = 0;
        const char *s = f && f->kind == FIELD_TEXT ? item_text(it, f, &len) : "";
        long long n = (long long)item_int(it, "len", 0);
        snprintf(summary, sizeof summary, "%.*s%s", (int)len, s, "");
        if (n)
            snprintf(summary + strlen(summary), sizeof summary - strlen(summary), " %lld B", n);
    } else {
        /* events and errors say what they are; the other summaries speak for themselves */
        size_t at = 0;
        if (it->type == ITEM_EVENT || it->type == ITEM_ERROR)
            at = (size_t)snprintf(summary, sizeof summary, "%s ", item_type_name(it->type));
        item_summary(it, summary + at, sizeof summary - at);
        /* The trailing " @offset" says nothing in a diagram. */
        char *mark = strrchr(summary, '@');
        if (mark && mark > summary && mark[-1] == ' ')
            mark[-1] = '\0';
    }
    if (many_flows)
        snprintf(out, cap, "[%u] %s", it->flow, summary);
    else
        snprintf(out, cap, "%s", summary);
}

/* The right-hand note of a row, from the flow's running times. */
static void note_of(struct ui *ui, struct ladder_flow *lf, const struct item *it, char *out, size_t cap,
                    bool *strong)
{
    out[0] = '\0';
    *strong = false;
    const struct item_field *f;
    switch (it->type) {
    case ITEM_TCP: {
        struct ui_flow *flow = ui_model_flow(&ui->model, it->flow);
        const struct item_field *fl = item_field(it, "flags");
        size_t fl_len = 0;
        const char *flags = fl && fl->kind == FIELD_TEXT ? item_text(it, fl, &fl_len) : "";
        if (flow && flow->handshake_ms >= 0 && !lf->handshake_shown && memmem(flags, fl_len, "SYN,ACK", 7)) {
            /* on the SYN/ACK row, so it shows even with pure ACKs hidden */
            snprintf(out, cap, "handshake RTT %.3f ms (SYN to ACK)", flow->handshake_ms);
            lf->handshake_shown = true;
        } else if ((f = item_field(it, "ack_rtt_ms")) && f->kind == FIELD_MS) {
            snprintf(out, cap, "ack rtt %.3f ms", f->v.ms);
        }
        if ((f = item_field(it, "analysis")) && f->kind == FIELD_TEXT) {
            size_t len;
            const char *s = item_text(it, f, &len);
            snprintf(out, cap, "%.*s", (int)len, s);
            *strong = true;
        }
        break;
    }
    case ITEM_HTTP_REQUEST:
        if (lf->last_response >= 0)
            snprintf(out, cap, "next request %.3f ms later", (it->t - lf->last_response) * 1e3);
        break;
    case ITEM_HTTP_RESPONSE:
        if ((f = item_field(it, "response_ms")) && f->kind == FIELD_MS) {
            *strong = f->v.ms >= VIZ_LONGPOLL_HOLD_MS; /* the engine's own long-poll threshold */
            snprintf(out, cap, "%s %.3f ms", *strong ? "HELD" : "answered after", f->v.ms);
        }
        if (item_int(it, "status", 0) >= 200)
            lf->last_response = it->t;
        break;
    case ITEM_WS_FRAME:
        if ((f = item_field(it, "pong_ms")) && f->kind == FIELD_MS)
            snprintf(out, cap, "pong after %.3f ms", f->v.ms);
        break;
    case ITEM_EVENT:
        if ((f = item_field(it, "latency_ms")) && f->kind == FIELD_MS)
            snprintf(out, cap, "latency %.3f ms", f->v.ms);
        break;
    default:
        break;
    }
}

/* One arrow of width w between the two bars, label inside. */
static void arrow(struct ui_lines *l, const struct item *it, const char *label, int w)
{
    char body = it->type == ITEM_TCP ? '-' : '=';
    char line[512];
    if (w < 8)
        w = 8;
    if (w > (int)sizeof line - 1)
        w = (int)sizeof line - 1;
    memset(line, body, (size_t)w);
    line[w] = '\0';
    int room = w - 8;
    int n = (int)strlen(label);
    if (n > room)
        n = room;
    int at = it->dir == DIR_C2S ? 3 : w - 3 - n - 1;
    line[at - 1] = ' ';
    memcpy(line + at, label, (size_t)n);
    line[at + n] = ' ';
    if (it->dir == DIR_C2S)
        line[w - 1] = '>';
    else
        line[0] = '<';
    attr_t a = ui_dir_attr(it->dir) | (it->type == ITEM_TCP ? 0 : A_BOLD);
    if (it->type == ITEM_ERROR)
        a = ui_attr(ROLE_ERROR);
    ui_lines_str(l, A_NORMAL, "|");
    ui_lines_add(l, a, line, (size_t)w);
    ui_lines_str(l, A_NORMAL, "|");
}

static bool in_ladder(struct ui *ui, const struct item *it, const struct ui_flow *sel)
{
    if (it->type == ITEM_FLOW || it->flow == 0)
        return false;
    if (it->type == ITEM_TCP && !ui->ladder_acks && pure_ack(it))
        return false;
    if (it->flow == sel->id)
        return true;
    if (!ui->ladder_client)
        return false;
    /* same client address, any port: compare "ip:port" up to the last ':' */
    const struct ui_flow *f = ui_model_flow(&ui->model, it->flow);
    const char *a = strrchr(f->client, ':'), *b = strrchr(sel->client, ':');
    return a && b && a - f->client == b - sel->client && memcmp(f->client, sel->client, (size_t)(a - f->client)) == 0;
}

void ui_ladder_build(struct ui *ui, struct ui_lines *l)
{
    struct ui_flow *sel = ui_selected_flow(ui);
    if (!sel) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_DIM), "select a flow first");
        return;
    }
    struct ladder_flow *lfs = calloc(ui->model.nflows + 1, sizeof *lfs);
    if (!lfs) {
        ui_lines_new(l);
        ui_lines_str(l, ui_attr(ROLE_ERROR), "out of memory");
        return;
    }
    for (size_t i = 0; i <= ui->model.nflows; i++)
        lfs[i].last_response = -1;
    int note_w = COLS >= 110 ? 34 : 28;
    int w = COLS - 12 - 2 - note_w - 1;
    ui_lines_new(l);
    ui_lines_addf(l, ui_attr(ROLE_HEADING), "%-11s ", "time");
    ui_lines_addf(l, ui_attr(ROLE_C2S) | A_BOLD, "%-*.*s", w / 2 + 1, w / 2, sel->client);
    ui_lines_addf(l, ui_attr(ROLE_S2C) | A_BOLD, "%*.*s", w - w / 2 + 1, w - w / 2, sel->server);
    ui_lines_addf(l, ui_attr(ROLE_HEADING), "  %s", ui->ladder_client ? "(all flows of this client)" : "");

    /* Walk the revealed items in order: one flow's list, or all of them. */
    size_t n = ui->ladder_client ? ui->model.revealed : sel->items.n;
    double prev_t = -1;
    char label[300], note[128];
    for (size_t k = 0; k < n; k++) {
        const struct item *it = ui->model.items[ui->ladder_client ? k : sel->items.v[k]];
        if (!in_ladder(ui, it, sel))
            continue;
        if (prev_t >= 0 && (it->t - prev_t) * 1e3 >= UI_LADDER_GAP_MS) {
            char gap[64];
            snprintf(gap, sizeof gap, "%.3f s pass", it->t - prev_t);
            ui_lines_new(l);
            ui_lines_addf(l, ui_attr(ROLE_NOTE), "%-11s :%*s%-*s:", "", (w - (int)strlen(gap)) / 2, "",
                          w - (w - (int)strlen(gap)) / 2, gap);
        }
        prev_t = it->t;
        bool strong;
        label_of(it, label, sizeof label, ui->ladder_client);
        note_of(ui, &lfs[it->flow <= ui->model.nflows ? it->flow : 0], it, note, sizeof note, &strong);
        ui_lines_new(l);
        ui_lines_addf(l, ui_attr(ROLE_DIM), "%11.6f ", it->t);
        arrow(l, it, label, w);
        if (note[0])
            ui_lines_addf(l, ui_attr(strong ? ROLE_ERROR : ROLE_NOTE), "  %s", note);
    }
    free(lfs);
}

/* flow_list.c -- the flows pane: one row per TCP connection.
 *
 *   #  technique  client > server            state  dur    pkts    up  down ovh%  hs rtt
 *
 * The technique badge is coloured (its name is written too, so colour is
 * never the only signal).  "ovh%" is the share of the payload bytes that
 * were HTTP heads or framing rather than data: the number that makes
 * polling look expensive and WebSocket cheap.  Columns that do not fit a
 * narrow terminal are dropped from the right, the endpoints shortened
 * first.  `o` sorts by the next column (its heading gets a ^ or v), `O`
 * turns the order round; ties keep the order of the flows' first packets.
 *
 * The connections of one push library session (an Engine.IO polling
 * session and its WebSocket upgrade, SockJS's xhr polls and xhr_send
 * posts: the same sid or session path) are one conversation.  Their
 * endpoints start with the session's number, "s1", and in the default
 * order the later ones follow the first, marked "`-":
 *
 *    1  longpoll+  s1 127.0.0.1 :40404 > :3000 ...
 *    3  ws         s1 `- 127.0.0.1 :40408 > :3000 ...
 *    2  http+      127.0.0.1 :40406 > :3000 ...
 */
#include "ui/flow_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/flow_filter.h"

/* A column's value as a number to sort by (text columns compare apart). */
static double sort_value(const struct ui_flow *f, enum ui_sort key)
{
    switch (key) {
    case SORT_DURATION: return f->last_t - f->first_t;
    case SORT_PACKETS: return (double)f->packets;
    case SORT_UP: return (double)f->bytes[DIR_C2S];
    case SORT_DOWN: return (double)f->bytes[DIR_S2C];
    case SORT_OVERHEAD: return ui_flow_overhead_pct(f);
    case SORT_HANDSHAKE: return f->handshake_ms;
    default: return f->id;
    }
}

/* The flow a row hangs under in the default order: the first flow of its
 * session, or itself. */
static unsigned group_of(const struct ui_flow *f)
{
    return f->session_no ? f->session_first : f->id;
}

/* The default order (by number) with each session's flows together. */
static bool grouped(const struct ui *ui)
{
    return ui->sort == SORT_ID && !ui->sort_reverse;
}

static int compare_flows(const void *a, const void *b, void *ctx)
{
    const struct ui *ui = ctx;
    const struct ui_flow *fa = ui_model_flow(&ui->model, (unsigned)*(const size_t *)a);
    const struct ui_flow *fb = ui_model_flow(&ui->model, (unsigned)*(const size_t *)b);
    int c = 0;
    if (grouped(ui))
        c = (group_of(fa) > group_of(fb)) - (group_of(fa) < group_of(fb));
    else if (ui->sort == SORT_TECHNIQUE)
        c = strcmp(fa->technique, fb->technique);
    else if (ui->sort == SORT_ENDPOINTS)
        c = strcmp(fa->client, fb->client);
    else if (ui->sort == SORT_STATE)
        c = strcmp(fa->end, fb->end);
    else {
        double x = sort_value(fa, ui->sort), y = sort_value(fb, ui->sort);
        c = x < y ? -1 : x > y;
    }
    if (ui->sort_reverse)
        c = -c;
    return c ? c : (fa->id > fb->id) - (fa->id < fb->id);
}

void ui_flows_rebuild(struct ui *ui)
{
    ui->shown.n = 0;
    for (size_t i = 0; i < ui->model.nflows; i++) {
        const struct ui_flow *f = &ui->model.flows[i];
        if (!f->seen || !ui_filter_flow_passes(ui, f))
            continue;
        if (ui->shown.n == ui->shown.cap) {
            size_t cap = ui->shown.cap ? ui->shown.cap * 2 : 64;
            size_t *v = realloc(ui->shown.v, cap * sizeof *v);
            if (!v)
                break;
            ui->shown.v = v;
            ui->shown.cap = cap;
        }
        ui->shown.v[ui->shown.n++] = f->id;
    }
    if (!grouped(ui) || ui->model.nsessions)
        qsort_r(ui->shown.v, ui->shown.n, sizeof *ui->shown.v, compare_flows, ui);
    if (ui->flows.sel >= ui->shown.n)
        ui->flows.sel = ui->shown.n ? ui->shown.n - 1 : 0;
}

static const char *state_of(const struct ui_flow *f)
{
    if (f->rst)
        return "RST";
    if (f->end[0])
        return strcmp(f->end, "fin") == 0 ? "closed" : f->end;
    if (f->fin)
        return "closing";
    return f->syn ? "open" : "open?"; /* open? : its handshake was not captured */
}

/* "client > server" after the session mark ("s1 ", "s1 `- " for a later
 * flow of the session shown under its first); when that is wider than the
 * column and both share an address (loopback, the lab's case), "address
 * :port > :port", or only ":port > :port". */
static void endpoints_text(const struct ui_flow *f, bool child, int width, char *out, size_t cap)
{
    char mark[24] = "";
    if (f->session_no)
        snprintf(mark, sizeof mark, "s%u %s", f->session_no, child ? "`- " : "");
    width -= (int)strlen(mark);
    const char *c = f->client[0] ? f->client : "?", *s = f->server[0] ? f->server : "?";
    int n = snprintf(out, cap, "%s%s > %s", mark, c, s) - (int)strlen(mark);
    const char *cp = strrchr(c, ':'), *sp = strrchr(s, ':');
    if (n <= width || !cp || !sp || cp - c != sp - s || memcmp(c, s, (size_t)(cp - c)) != 0)
        return;
    n = snprintf(out, cap, "%s%.*s %s > %s", mark, (int)(cp - c), c, cp, sp) - (int)strlen(mark);
    if (n > width)
        snprintf(out, cap, "%s%s > %s", mark, cp, sp); /* the messages pane's heading has the address */
}

/* "1.2k", "34M": byte counts in 5 columns. */
static void human(uint64_t n, char out[16])
{
    if (n < 10000)
        snprintf(out, 16, "%llu", (unsigned long long)n);
    else if (n < 10000000)
        snprintf(out, 16, "%.1fk", (double)n / 1e3);
    else
        snprintf(out, 16, "%.1fM", (double)n / 1e6);
}

void ui_flows_draw(struct ui *ui, int y, int h)
{
    bool focused = ui->screen == SCREEN_MAIN && ui->focus == PANE_FLOWS;
    int rows = h - 1;
    ui->pane_y[PANE_FLOWS] = y + 1;
    ui->pane_h[PANE_FLOWS] = rows;
    ui_cursor_move(&ui->flows, 0, ui->shown.n, rows);

    /* Fixed columns; the endpoints get what is left (at least 20). */
    bool wide = COLS >= 100;
    int fixed = 5 + 11 + 8 + 6 + 6 + 7 + 7 + 4 + (wide ? 10 : 0);
    int ends = COLS - fixed - 1;
    if (ends < 20)
        ends = 20;
    attr_t head = ui_attr(focused ? ROLE_HEADING : ROLE_DIM) | A_BOLD;
    ui_fill(y, 0, ui_attr(ROLE_HEADING));
    /* the sorted column's name gets ^ (up) or v (down) */
    static const char *const names[SORT_KEYS] = {"#", "technique", "client > server", "state", "dur",
                                                 "pkts", "up", "down", "ovh%", "hs rtt"};
    char name[SORT_KEYS][24];
    for (int i = 0; i < SORT_KEYS; i++)
        snprintf(name[i], sizeof name[i], "%s%s",
                 (int)ui->sort == i && (i != SORT_ID || ui->sort_reverse) ? (ui->sort_reverse ? "v" : "^") : "",
                 names[i]);
    /* (a sorted "ovh%" shows as "^ovh": its column has four) */
    ui_putf(y, 0, COLS, head, "%4s %-10s %-*s %-7s %5s %5s %6s %6s %4.4s%s%9s", name[0], name[1], ends,
            name[2], name[3], name[4], name[5], name[6], name[7], name[8], wide ? " " : "", wide ? name[9] : "");

    for (int r = 0; r < rows && ui->flows.top + (size_t)r < ui->shown.n; r++) {
        size_t row = ui->flows.top + (size_t)r;
        const struct ui_flow *f = ui_model_flow(&ui->model, (unsigned)ui->shown.v[row]);
        if (!f)
            continue;
        int yy = y + 1 + r;
        bool sel = row == ui->flows.sel;
        attr_t base = sel ? ui_attr(focused ? ROLE_SELECTED : ROLE_SELECTED_IDLE) : A_NORMAL;
        if (sel)
            ui_fill(yy, 0, base);
        int x = ui_putf(yy, 0, 5, base, "%4u ", f->id);
        char badge[24];
        /* "+": some of its exchanges are named otherwise (a page, a send...) */
        snprintf(badge, sizeof badge, "%s%s", f->technique[0] ? f->technique : "...",
                 f->nkinds > 1 ? "+" : "");
        ui_put(yy, x, 10, ui_badge_attr(f->technique), badge, strlen(badge));
        x = 16; /* a space after the badge, "multipart+" too */
        char endpoints[160];
        endpoints_text(f, grouped(ui) && f->session_no && f->session_first != f->id, ends, endpoints,
                       sizeof endpoints);
        ui_put(yy, x, ends, base, endpoints, strlen(endpoints));
        x += ends + 1;
        char up[16], down[16], ovh[8], dur[16], hs[16];
        human(f->bytes[DIR_C2S], up);
        human(f->bytes[DIR_S2C], down);
        double pct = ui_flow_overhead_pct(f);
        if (pct >= 0)
            snprintf(ovh, sizeof ovh, "%.0f", pct);
        else
            strcpy(ovh, "-");
        double secs = f->last_t - f->first_t;
        snprintf(dur, sizeof dur, secs < 100 ? "%.1fs" : "%.0fs", secs);
        if (f->handshake_ms >= 0)
            snprintf(hs, sizeof hs, "%.3fms", f->handshake_ms);
        else
            strcpy(hs, "-");
        x += ui_putf(yy, x, COLS - x, base, "%-7s %5s %5llu %6s %6s %4s", state_of(f), dur,
                     (unsigned long long)f->packets, up, down, ovh);
        if (wide)
            ui_putf(yy, x, COLS - x, base, " %9s", hs);
    }
    if (!ui->shown.n)
        ui_putf(y + 1, 2, COLS - 2, ui_attr(ROLE_DIM), "%s",
                ui->filter[0] ? "no flow matches the filter (f, then Enter on an empty line, clears it)"
                : ui->cap->live ? "waiting for TCP traffic..."
                                : "no TCP flows in this capture");
}

/* keys.c -- every key, in one table and one dispatcher.
 *
 * The table is what `?` shows, so the help can never forget a key the
 * dispatcher knows: add a key in both places, side by side in this file.
 * Keys go first to a prompt being typed, then to the full-screen view on
 * show, then to the main screen's focused pane.
 */
#include "ui/keys.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "output/output.h"
#include "ui/flow_filter.h"
#include "ui/ladder.h"
#include "ui/prompt.h"
#include "ui/save.h"

static const struct {
    const char *keys; /* as the user types them */
    const char *what;
} key_table[] = {
    {"Up Down  j k", "move the selection (or scroll a view)"},
    {"PgUp PgDn", "move a page"},
    {"g G", "first / last row (Home / End too, except in --realtime)"},
    {"Tab  Shift-Tab", "next / previous pane: flows, messages, detail"},
    {"Enter  Right", "open: a flow's messages, a message's detail"},
    {"Esc  Left  Backspace  h", "back: previous pane, or close a view"},
    {"mouse click", "select a row and its pane; wheel scrolls"},
    {"/", "search rows: endpoints, techniques or summaries; hits are highlighted"},
    {"n N", "next / previous search hit"},
    {"o O", "sort the flows by the next column / the other way round"},
    {"m '", "mark the selected message / go to the next marked one"},
    {"T", "time column: since the first packet, since the row before, wall clock"},
    {"f", "filter flows: an expression as -Y takes (method == GET and port == 8001), a technique, a flow number; empty: all"},
    {"t", "messages list every TCP segment, or only SYN/FIN/RST and anomalies"},
    {"x", "hex of the packets carrying the selected message, boundaries marked"},
    {"l", "ladder: sequence diagram of the flow with RTTs and held times"},
    {"c a", "in the ladder: all flows of this client / show pure ACKs"},
    {"F", "follow stream: the flow's bytes as text, both directions coloured"},
    {"E", "in the ladder: export it (name.svg: SVG for slides, else text)"},
    {"s", "stats: per-technique comparison (requests, bytes per event, latency)"},
    {"w", "save the capture (every packet kept) to a pcap file"},
    {"space", "--realtime: pause / play"},
    {". n", "--realtime: step one packet (pauses; n only while no search is set)"},
    {"+ -", "--realtime: faster / slower (x2 / x0.5)"},
    {"Home End", "--realtime: jump to the start / the end of the capture"},
    {"?  F1", "this help"},
    {"q", "quit (Ctrl-C too); the terminal is restored"},
};

/* Add text to the current line in lines of width columns, broken at
 * spaces; each line after the first starts indent columns in, so a long
 * description reads on under itself instead of being cut at the edge. */
static void add_wrapped(struct ui_lines *l, attr_t attr, const char *text, int indent, int width)
{
    size_t len = strlen(text), next;
    for (;;) {
        size_t n = ui_wrap(text, len, width, &next);
        if (!n || next == len) {
            ui_lines_add(l, attr, text, len); /* the last line (or no room: cut as drawn) */
            return;
        }
        ui_lines_add(l, attr, text, n);
        text += next;
        len -= next;
        ui_lines_new(l);
        ui_lines_addf(l, attr, "%*s", indent, "");
    }
}

void ui_help_build(struct ui_lines *l, int cols)
{
    enum { DESC_COL = 27 }; /* where descriptions start: two spaces, then the keys padded */
    ui_lines_new(l);
    ui_lines_str(l, A_BOLD, "pushviz shows push traffic packet by packet.");
    ui_lines_new(l);
    ui_lines_new(l);
    for (size_t i = 0; i < sizeof key_table / sizeof key_table[0]; i++) {
        ui_lines_new(l);
        ui_lines_addf(l, ui_attr(ROLE_GOOD), "  %-*s", DESC_COL - 2, key_table[i].keys);
        add_wrapped(l, A_NORMAL, key_table[i].what, DESC_COL, cols - DESC_COL);
    }
    ui_lines_new(l);
    ui_lines_new(l);
    ui_lines_str(l, A_BOLD, "Colours");
    ui_lines_new(l);
    ui_lines_str(l, ui_attr(ROLE_C2S), "  --> client to server   ");
    ui_lines_str(l, ui_attr(ROLE_S2C), "<-- server to client");
    ui_lines_new(l);
    ui_lines_str(l, ui_attr(ROLE_HEX_HEAD), "  HTTP head   ");
    ui_lines_str(l, ui_attr(ROLE_HEX_FRAMING), "framing   ");
    ui_lines_str(l, ui_attr(ROLE_HEX_PAYLOAD), "payload   ");
    ui_lines_str(l, ui_attr(ROLE_HEX_LOWER), "link/IP/TCP headers");
    ui_lines_new(l);
    ui_lines_addf(l, A_NORMAL, "  techniques: ");
    static const char *const names[] = {"poll", "jsonp", "longpoll", "iframe", "xhr", "multipart",
                                        "flash", "sse", "ws"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        ui_lines_addf(l, ui_badge_attr(names[i]), " %s ", names[i]);
        ui_lines_str(l, A_NORMAL, " ");
    }
    ui_lines_new(l);
    ui_lines_str(l, ui_attr(ROLE_DIM), "  NO_COLOR=1 turns colour off; roles stay as bold, underline and reverse.");
}

/* ---- search and filter ---- */

static bool flow_matches(const struct ui_flow *f, const char *text)
{
    return strcasestr(f->technique, text) || strcasestr(f->client, text) || strcasestr(f->server, text);
}

/* Does a messages-pane row match the search text? */
static bool item_matches(const struct item *it, const char *text)
{
    char summary[512];
    item_summary(it, summary, sizeof summary);
    return strcasestr(summary, text) || strcasestr(item_type_name(it->type), text);
}

/* The next (step +1) or previous (-1) row that matches the search, in
 * the focused list, wrapping around. */
static void search_step(struct ui *ui, int step)
{
    if (!ui->search[0])
        return;
    if (ui->focus == PANE_FLOWS) {
        size_t n = ui->shown.n;
        for (size_t k = 1; k <= n; k++) {
            size_t row = (ui->flows.sel + (step > 0 ? k : n - k)) % n;
            if (flow_matches(ui_model_flow(&ui->model, (unsigned)ui->shown.v[row]), ui->search)) {
                ui->flows.sel = row;
                ui->messages = (struct ui_cursor){0, 0};
                return;
            }
        }
    } else {
        struct ui_flow *f = ui_selected_flow(ui);
        size_t n = f ? f->messages.n : 0;
        for (size_t k = 1; k <= n; k++) {
            size_t row = (ui->messages.sel + (step > 0 ? k : n - k)) % n;
            if (item_matches(ui->model.items[f->messages.v[row]], ui->search)) {
                ui->messages.sel = row;
                ui->follow = false;
                if (ui->focus == PANE_DETAIL)
                    ui->focus = PANE_MESSAGES;
                return;
            }
        }
    }
    ui_notice(ui, "not found: %s", ui->search);
}

static void search_next(struct ui *ui)
{
    search_step(ui, +1);
}

/* ---- marks ---- */

static bool marked(const struct ui *ui, size_t item)
{
    return item < ui->nmarks && ui->marks[item];
}

/* m: mark the selected message, or unmark it. */
static void toggle_mark(struct ui *ui)
{
    struct ui_flow *f = ui_selected_flow(ui);
    if (!f || ui->messages.sel >= f->messages.n)
        return;
    size_t item = f->messages.v[ui->messages.sel];
    if (item >= ui->nmarks) {
        size_t n = item + 1024;
        bool *v = realloc(ui->marks, n * sizeof *v);
        if (!v)
            return;
        memset(v + ui->nmarks, 0, (n - ui->nmarks) * sizeof *v);
        ui->marks = v;
        ui->nmarks = n;
    }
    ui->marks[item] = !ui->marks[item];
}

/* ' : the next marked message, in any flow shown (wrapping around). */
static void next_mark(struct ui *ui)
{
    size_t nf = ui->shown.n;
    for (size_t k = 0; k <= nf; k++) {
        size_t frow = (ui->flows.sel + k) % (nf ? nf : 1);
        struct ui_flow *f = nf ? ui_model_flow(&ui->model, (unsigned)ui->shown.v[frow]) : NULL;
        size_t from = k == 0 ? ui->messages.sel + 1 : 0;
        for (size_t m = from; f && m < f->messages.n; m++)
            if (marked(ui, f->messages.v[m])) {
                ui->flows.sel = frow;
                ui->messages.sel = m;
                ui->follow = false;
                ui->screen = SCREEN_MAIN;
                ui->focus = PANE_MESSAGES;
                return;
            }
    }
    ui_notice(ui, "no marked message after this one (m marks the selected one)");
}

static void prompt_done(struct ui *ui)
{
    /* An earlier answer (a refused filter, a search not found) still on
     * the status line would read as this one's: each case below that has
     * something to say sets a new notice. */
    ui->notice[0] = '\0';
    switch (ui->prompt) {
    case PROMPT_SEARCH:
        if (ui->input_len)
            memcpy(ui->search, ui->input, ui->input_len + 1); /* prompt_key kept it short enough */
        search_next(ui);
        break;
    case PROMPT_FILTER: {
        char err[300];
        if (ui_filter_set(ui, ui->input, err, sizeof err) < 0) {
            ui_notice(ui, "filter not applied: %s", err);
            break;
        }
        ui->flows = (struct ui_cursor){0, 0};
        ui->messages = (struct ui_cursor){0, 0};
        break;
    }
    case PROMPT_SAVE: {
        char err[PATH_MAX + 300], full[PATH_MAX];
        const char *path = ui->input_len ? ui->input : ui->save_default;
        size_t saved;
        if (ui_save_pcap(ui, path, full, sizeof full, err, sizeof err, &saved) == 0)
            ui_notice(ui, "saved %zu packets%s to %s", saved, ui->filter[0] ? " of the flows shown" : "", full);
        else
            ui_notice(ui, "not saved: %s", err);
        break;
    }
    case PROMPT_EXPORT: {
        char err[PATH_MAX + 300], full[PATH_MAX];
        const char *path = ui->input_len ? ui->input : ui->save_default;
        if (ui_ladder_export(ui, path, full, sizeof full, err, sizeof err) == 0)
            ui_notice(ui, "ladder of %s written to %s", err, full);
        else
            ui_notice(ui, "ladder not written: %s", err);
        break;
    }
    case PROMPT_NONE:
    case PROMPT_KINDS:
        break;
    }
    ui->prompt = PROMPT_NONE;
}

static void prompt_key(struct ui *ui, int key)
{
    if (ui_prompt_key(ui, key) == PROMPT_ACCEPTED)
        prompt_done(ui);
}

static void start_prompt(struct ui *ui, enum ui_prompt p)
{
    ui_prompt_start(ui, p);
    if (p == PROMPT_SAVE || p == PROMPT_EXPORT) {
        /* Enter on the empty line saves under a name of the time */
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(ui->save_default, sizeof ui->save_default,
                 p == PROMPT_SAVE ? "pushviz-%Y%m%d-%H%M%S.pcap" : "ladder-%Y%m%d-%H%M%S.svg", &tm);
    }
}

/* ---- replay ---- */

static bool replay_key(struct ui *ui, int key)
{
    if (!ui->realtime)
        return false;
    struct ui_model *m = &ui->model;
    switch (key) {
    case ' ':
        ui->paused = !ui->paused;
        ui->wall_ns = ui_now_ns();
        return true;
    case 'n':
        if (ui->search[0])
            return false; /* n is the next search hit; '.' steps */
        /* fall through */
    case '.':
        /* One packet: the next item and every item of the same instant. */
        ui->paused = true;
        if (m->revealed < m->nitems) {
            int64_t ts = m->items[m->revealed]->ts_ns;
            while (m->revealed < m->nitems && m->items[m->revealed]->ts_ns == ts)
                ui_model_reveal_next(m);
            ui->clock = m->items[m->revealed - 1]->t;
        }
        return true;
    case '+':
    case '=':
        if (ui->speed < UI_SPEED_MAX)
            ui->speed *= 2;
        return true;
    case '-':
        if (ui->speed > UI_SPEED_MIN)
            ui->speed /= 2;
        return true;
    case KEY_HOME:
        ui_model_rewind(m);
        ui->clock = 0;
        ui->flows = ui->messages = (struct ui_cursor){0, 0};
        return true;
    case KEY_END:
        while (ui_model_reveal_next(m))
            ;
        if (m->nitems)
            ui->clock = m->items[m->nitems - 1]->t;
        return true;
    default:
        return false;
    }
}

/* ---- moving ---- */

static int pane_rows(const struct ui *ui)
{
    int h = ui->screen == SCREEN_MAIN ? ui->pane_h[ui->focus] : LINES - 3;
    return h > 1 ? h : 1;
}

/* Up/down/page/first/last: delta rows, or LONG_MIN / LONG_MAX for the ends. */
static void move_selection(struct ui *ui, long delta)
{
    int h = pane_rows(ui);
    size_t *top = NULL;
    switch (ui->screen) {
    case SCREEN_HEX: top = &ui->hex_top; break;
    case SCREEN_LADDER:
        ui_ladder_move(ui, delta); /* a cursor, which the detail pane follows */
        return;
    case SCREEN_STATS: top = &ui->stats_top; break;
    case SCREEN_STREAM: top = &ui->stream_top; break;
    case SCREEN_HELP: top = &ui->help_top; break;
    case SCREEN_MAIN:
        if (ui->focus == PANE_DETAIL)
            top = &ui->detail_top;
        break;
    }
    if (top) {
        /* Views scroll; ui_scroll_clamp keeps them in range when drawn. */
        if (delta == LONG_MIN)
            *top = 0;
        else if (delta == LONG_MAX)
            *top = SIZE_MAX / 2;
        else
            *top = delta < 0 && (size_t)-delta > *top ? 0 : *top + (size_t)delta;
        return;
    }
    if (ui->focus == PANE_FLOWS) {
        size_t before = ui->flows.sel;
        ui_cursor_move(&ui->flows, delta == LONG_MIN ? -(long)ui->shown.n : delta == LONG_MAX ? (long)ui->shown.n : delta,
                       ui->shown.n, h);
        if (ui->flows.sel != before) {
            ui->messages = (struct ui_cursor){0, 0};
            ui->follow = ui->cap->live;
            ui->detail_top = 0;
        }
    } else {
        struct ui_flow *f = ui_selected_flow(ui);
        size_t n = f ? f->messages.n : 0;
        ui_cursor_move(&ui->messages, delta == LONG_MIN ? -(long)n : delta == LONG_MAX ? (long)n : delta, n, h);
        ui->follow = n && ui->messages.sel == n - 1 && (ui->cap->live || ui->realtime);
        ui->detail_top = 0;
    }
}

static void back(struct ui *ui)
{
    if (ui->screen == SCREEN_HELP)
        ui->screen = ui->help_from;
    else if (ui->screen != SCREEN_MAIN)
        ui->screen = SCREEN_MAIN;
    else if (ui->focus > PANE_FLOWS)
        ui->focus--;
}

static void toggle_screen(struct ui *ui, enum ui_screen s)
{
    ui->screen = ui->screen == s ? SCREEN_MAIN : s;
}

/* A click: which pane, which row. */
static void mouse(struct ui *ui)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return;
    if (ev.bstate & BUTTON4_PRESSED) {
        move_selection(ui, -3);
        return;
    }
#ifdef BUTTON5_PRESSED
    if (ev.bstate & BUTTON5_PRESSED) {
        move_selection(ui, 3);
        return;
    }
#endif
    if (ui->screen != SCREEN_MAIN)
        return;
    for (int p = 0; p < PANE_COUNT; p++) {
        if (ev.y < ui->pane_y[p] - 1 || ev.y >= ui->pane_y[p] + ui->pane_h[p])
            continue;
        ui->focus = (enum ui_pane)p;
        if (ev.y < ui->pane_y[p])
            return; /* the pane's heading */
        size_t row = (size_t)(ev.y - ui->pane_y[p]);
        if (p == PANE_FLOWS && ui->flows.top + row < ui->shown.n) {
            ui->flows.sel = ui->flows.top + row;
            ui->messages = (struct ui_cursor){0, 0};
            ui->follow = false;
        } else if (p == PANE_MESSAGES) {
            struct ui_flow *f = ui_selected_flow(ui);
            if (f && ui->messages.top + row < f->messages.n) {
                ui->messages.sel = ui->messages.top + row;
                ui->follow = false;
                ui->detail_top = 0;
            }
        }
        return;
    }
}

void ui_key(struct ui *ui, int key)
{
    if (ui->prompt != PROMPT_NONE) {
        prompt_key(ui, key);
        return;
    }
    if (replay_key(ui, key))
        return;
    switch (key) {
    case 'q':
    case 'Q':
        ui->done = true;
        break;
    case '?':
    case KEY_F(1):
        if (ui->screen != SCREEN_HELP) {
            ui->help_from = ui->screen;
            ui->screen = SCREEN_HELP;
        } else {
            back(ui);
        }
        break;
    case KEY_RESIZE:
        break; /* the next draw uses the new LINES and COLS */
    case KEY_MOUSE:
        mouse(ui);
        break;
    case KEY_UP:
    case 'k':
        move_selection(ui, -1);
        break;
    case KEY_DOWN:
    case 'j':
        move_selection(ui, 1);
        break;
    case KEY_PPAGE:
        move_selection(ui, -pane_rows(ui));
        break;
    case KEY_NPAGE:
        move_selection(ui, pane_rows(ui));
        break;
    case 'g':
    case KEY_HOME:
        move_selection(ui, LONG_MIN);
        break;
    case 'G':
    case KEY_END:
        move_selection(ui, LONG_MAX);
        break;
    case '\t':
        ui->screen = SCREEN_MAIN;
        ui->focus = (enum ui_pane)((ui->focus + 1) % PANE_COUNT);
        break;
    case KEY_BTAB:
        ui->screen = SCREEN_MAIN;
        ui->focus = (enum ui_pane)((ui->focus + PANE_COUNT - 1) % PANE_COUNT);
        break;
    case '\n':
    case '\r':
    case KEY_ENTER:
    case KEY_RIGHT:
        if (ui->screen == SCREEN_MAIN && ui->focus < PANE_DETAIL)
            ui->focus++;
        break;
    case 27:
    case KEY_LEFT:
    case KEY_BACKSPACE:
    case 127:
    case 'h':
        back(ui);
        break;
    case '/':
        start_prompt(ui, PROMPT_SEARCH);
        break;
    case 'f':
        start_prompt(ui, PROMPT_FILTER);
        break;
    case 'w':
        start_prompt(ui, PROMPT_SAVE);
        break;
    case 't':
        ui->model.all_tcp = !ui->model.all_tcp;
        ui_model_relist(&ui->model);
        ui->messages = (struct ui_cursor){0, 0};
        ui_notice(ui, "%s", ui->model.all_tcp ? "messages: every TCP segment" : "messages: SYN/FIN/RST and anomalies only");
        break;
    case 'x':
        toggle_screen(ui, SCREEN_HEX);
        ui->hex_top = 0;
        break;
    case 'l':
        toggle_screen(ui, SCREEN_LADDER);
        ui->ladder_top = 0;
        ui->ladder_jump = true; /* open on the selected message */
        break;
    case 'F':
        toggle_screen(ui, SCREEN_STREAM);
        ui->stream_top = 0;
        break;
    case 'n':
    case 'N':
        search_step(ui, key == 'n' ? +1 : -1);
        break;
    case 'm':
        toggle_mark(ui);
        break;
    case 'o':
        ui->sort = (enum ui_sort)((ui->sort + 1) % SORT_KEYS);
        break;
    case 'O':
        ui->sort_reverse = !ui->sort_reverse;
        break;
    case '\'':
        next_mark(ui);
        break;
    case 'T':
        ui->time_mode = (enum ui_time_mode)((ui->time_mode + 1) % TIME_MODES);
        ui_notice(ui, "time: %s", ui->time_mode == TIME_RELATIVE ? "seconds since the first packet"
                                  : ui->time_mode == TIME_DELTA ? "seconds since the row before"
                                                                : "wall clock");
        break;
    case 'E':
        if (ui->screen == SCREEN_LADDER)
            start_prompt(ui, PROMPT_EXPORT);
        break;
    case 's':
        toggle_screen(ui, SCREEN_STATS);
        break;
    /* Other rows, the same message under the cursor: it goes back to the
     * selected one, which the cursor's row keeps selected (ladder.c). */
    case 'c':
        if (ui->screen == SCREEN_LADDER) {
            ui->ladder_client = !ui->ladder_client;
            ui->ladder_jump = true;
        }
        break;
    case 'a':
        if (ui->screen == SCREEN_LADDER) {
            ui->ladder_acks = !ui->ladder_acks;
            ui->ladder_jump = true;
        }
        break;
    default:
        break;
    }
}

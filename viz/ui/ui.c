/* ui.c -- pushviz's interactive face: the terminal, the loop, the frame.
 *
 * One poll() loop waits on the keyboard and, live, on the capture's
 * selectable descriptor, so input is never blocked by packets nor packets
 * by input.  A file is read UI_LOAD_BATCH packets at a time between looks
 * at the keyboard, so even a large one can be browsed while it loads.
 * Packets go to the engine, items come back to the model (model.c),
 * and the screen is redrawn at most every UI_FRAME_MS while they flow:
 * every draw erases and repaints, and curses sends only what changed.
 *
 * The terminal is restored on every way out: q, end of a signal-stopped
 * capture, an error, SIGINT / SIGTERM / SIGHUP (main's handler sets the
 * quit flag the loop watches), and exit() through an atexit hook.
 */
#include "ui/ui.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pushlab.h"
#include "ui/common.h"
#include "ui/detail.h"
#include "ui/flow_filter.h"
#include "ui/flow_list.h"
#include "ui/hex.h"
#include "ui/keys.h"
#include "ui/ladder.h"
#include "ui/messages.h"
#include "ui/prompt.h"
#include "ui/stats_screen.h"
#include "ui/stream.h"

/* ---- the terminal ---- */

static bool curses_on;

static void restore_terminal(void)
{
    if (curses_on) {
        endwin();
        curses_on = false;
    }
}

/* The keyboard: stdin, or the terminal itself when stdin carries the
 * capture (-r -).  NULL, with a message, when there is none. */
static FILE *open_keyboard(const struct ui_options *opt)
{
    if (!opt->reads_stdin)
        return stdin;
    FILE *tty = fopen("/dev/tty", "r");
    if (!tty)
        fprintf(stderr, "pushviz: the capture comes on stdin and there is no terminal to read keys "
                        "from; use --dump or --json\n");
    return tty;
}

/* 0, or -1 when curses cannot drive this terminal (an unknown TERM). */
static int start_terminal(FILE *keyboard)
{
    setlocale(LC_ALL, ""); /* ncursesw shows UTF-8 only in a UTF-8 locale */
    /* newterm, not initscr: initscr exits on its own when TERM is unknown */
    if (!newterm(NULL, stdout, keyboard)) {
        const char *term = getenv("TERM");
        fprintf(stderr, "pushviz: cannot drive the terminal \"%s\"; use --dump or --json\n",
                term ? term : "");
        return -1;
    }
    curses_on = true;
    atexit(restore_terminal);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE); /* poll() says when to read; getch never waits */
    set_escdelay(25);
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
                  | BUTTON5_PRESSED
#endif
              ,
              NULL);
    mouseinterval(0);
    ui_draw_init();
    return 0;
}

/* SIGHUP (the terminal went away) and SIGQUIT end the UI the way SIGINT
 * does: main's handler sets the quit flag. */
static void share_quit_handler(void)
{
    struct sigaction sa;
    if (sigaction(SIGINT, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGQUIT, &sa, NULL);
    }
}

/* ---- packets and items ---- */

static void on_frame(void *ctx, const struct capture *c, const struct pcap_pkthdr *h, const uint8_t *bytes)
{
    struct ui *ui = ctx;
    int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec * (c->nano ? 1 : 1000);
    ui_model_add_frame(&ui->model, ts, bytes, h->caplen, h->len);
    engine_capture_handler(ui->eng, c, h, bytes);
}

static void on_item(void *ctx, const struct item *it)
{
    struct ui *ui = ctx;
    ui_model_add_item(&ui->model, it);
}

/* Read what the capture has ready.  True when something arrived. */
static bool pump_capture(struct ui *ui)
{
    if (ui->input_ended)
        return false;
    char err[PCAP_ERRBUF_SIZE + PATH_MAX + 64];
    int n = capture_dispatch(ui->cap, ui->cap->live ? 0 : UI_LOAD_BATCH, on_frame, ui, err, sizeof err);
    if (n == CAPTURE_EOF || n == CAPTURE_FAILED) {
        if (n == CAPTURE_FAILED) {
            engine_input_error(ui->eng, err);
            snprintf(ui->input_error, sizeof ui->input_error, "%s", err);
        }
        engine_finish(ui->eng);
        ui->input_ended = true;
        return true;
    }
    return n > 0;
}

/* Reveal items: all of them, or in --realtime as far as the clock has gone. */
static bool reveal(struct ui *ui)
{
    struct ui_model *m = &ui->model;
    size_t before = m->revealed;
    if (!ui->realtime) {
        while (ui_model_reveal_next(m))
            ;
    } else {
        int64_t now = ui_now_ns();
        if (!ui->paused)
            ui->clock += (double)(now - ui->wall_ns) / 1e9 * ui->speed;
        ui->wall_ns = now;
        while (m->revealed < m->nitems && m->items[m->revealed]->t <= ui->clock)
            ui_model_reveal_next(m);
        if (m->revealed == m->nitems && ui->input_ended && m->nitems)
            ui->clock = m->items[m->nitems - 1]->t; /* stop at the end */
    }
    return m->revealed != before;
}

/* Open flows have no `flow` item yet: ask the engine what they look like. */
static void refresh_techniques(struct ui *ui)
{
    if (ui->realtime)
        return; /* the engine is ahead of the replay clock; flow items will tell */
    for (size_t i = 0; i < ui->model.nflows; i++) {
        struct ui_flow *f = &ui->model.flows[i];
        if (!f->dirty || f->technique_final)
            continue;
        f->dirty = false;
        const char *t = engine_flow_technique(ui->eng, f->id);
        if (t)
            snprintf(f->technique, sizeof f->technique, "%s", t);
    }
}

/* ---- the frame: title bar, screen, status bar ---- */

/* Has a --realtime replay shown everything there is? */
static bool replay_over(const struct ui *ui)
{
    return ui->input_ended && ui->model.revealed == ui->model.nitems;
}

/* The title: what is shown on the left, the counts on the right.  On a
 * narrow terminal the source's name gives way first (its end is kept:
 * the file name), then the words; the counts and the replay's state stay. */
static void draw_title(struct ui *ui)
{
    attr_t bar = ui_attr(ROLE_BAR);
    ui_fill(0, 0, bar);
    bool narrow = COLS < UI_MIN_COLS;
    char right[64], mode[32], state[64] = "";
    int rw = snprintf(right, sizeof right, " %zu flows %zu items ", ui->model.nflows, ui->model.revealed);
    const char *playing = replay_over(ui) ? "ended" : ui->paused ? "paused" : "playing";
    if (ui->realtime && narrow)
        snprintf(state, sizeof state, "%s %.1fs", playing, ui->clock);
    else if (ui->realtime)
        snprintf(state, sizeof state, "  %s x%g  %.3f s", playing, ui->speed, ui->clock);
    else if (!ui->input_ended && !ui->cap->live)
        snprintf(state, sizeof state, narrow ? "loading" : "  loading...");
    snprintf(mode, sizeof mode, "%s ", ui->cap->live ? "live" : ui->realtime ? (narrow ? "" : "realtime") : "replay");
    const char *src = ui->opt->source ? ui->opt->source : "";
    int room = COLS - rw;
    int fixed = 9 + (int)strlen(mode) + (int)strlen(state); /* " pushviz " */
    int src_w = (int)strlen(src), src_room = room - fixed - 1;
    if (src_room < 8)
        src = ""; /* too little room for a name to mean anything */
    else if (src_w > src_room)
        src += src_w - src_room;
    int x = ui_putf(0, 0, room, bar | A_BOLD, " pushviz ");
    x += ui_putf(0, x, room - x, bar, "%s%s", mode, src);
    ui_putf(0, x, room - x, bar, "%s", state);
    ui_putf(0, COLS - rw > 0 ? COLS - rw : 0, COLS, bar, "%s", right);
}

/* Frames a --realtime replay has reached: those captured up to its clock. */
static size_t frames_replayed(const struct ui *ui)
{
    const struct ui_model *m = &ui->model;
    int64_t until = m->t0_ns + (int64_t)(ui->clock * 1e9);
    size_t lo = 0, hi = m->nframes; /* frames are in capture order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->frames[mid].ts_ns <= until)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A notice on the status line at row y.  One longer than the line starts
 * on the rows above, over the screen's last rows for the few seconds it
 * shows, so its end (often what to do about it) is not lost: as many rows
 * as it needs on a narrow terminal, up to half the screen.  Returns the
 * columns it takes on row y. */
static int draw_notice(int y, attr_t attr, const char *text)
{
    enum { MAX_ROWS = 16 };
    const char *row[MAX_ROWS];
    size_t row_len[MAX_ROWS];
    int above = 0, room = LINES / 2 < MAX_ROWS ? LINES / 2 : MAX_ROWS;
    size_t len = strlen(text), next;
    for (; above < room; above++) {
        size_t first = ui_wrap(text, len, COLS - 1, &next);
        if (!first || next >= len)
            break;
        row[above] = text;
        row_len[above] = first;
        text += next;
        len -= next;
    }
    for (int i = 0; i < above; i++) {
        ui_fill(y - above + i, 0, attr);
        ui_put(y - above + i, 1, COLS - 1, attr, row[i], row_len[i]);
    }
    return ui_putf(y, 0, COLS, attr, " %.*s ", (int)len, text);
}

/* Errors of flow 0 about a frame belong to no connection, so no flow row
 * shows them: frames that could not be decoded, IP fragments that could
 * not be put together, a capture whose time goes back.  The status line
 * counts them and says the latest (--dump and --json list them all). */
static int draw_capture_errors(const struct ui *ui, int y, int x, attr_t attr)
{
    const struct ui_capture_errors *errs = &ui->model.capture_errors;
    if (!errs->n)
        return 0;
    int room = COLS - x < COLS / 2 ? COLS - x : COLS / 2; /* half the line: the key hints keep some */
    return ui_putf(y, x, room, attr, " %llu capture error%s, frame %lld: %s ", (unsigned long long)errs->n,
                   errs->n == 1 ? "" : "s", errs->frame, errs->what);
}

static void draw_status(struct ui *ui)
{
    int y = LINES - 1;
    attr_t bar = ui_attr(ROLE_BAR);
    ui_fill(y, 0, bar);
    if (ui->prompt != PROMPT_NONE) {
        char hint[UI_SEARCH_MAX + 64];
        if (ui->prompt == PROMPT_SEARCH) {
            snprintf(hint, sizeof hint, ui->search[0] ? " Enter: next \"%s\", Up: history" : " Up: history",
                     ui->search);
            ui_prompt_draw(ui, y, "search: ", hint);
        } else if (ui->prompt == PROMPT_FILTER) {
            snprintf(hint, sizeof hint, " e.g. technique == ws and opcode == text; Enter: %s",
                     ui->filter[0] ? "no filter, Up: the last one" : "no filter");
            ui_prompt_draw(ui, y, "filter: ", hint);
        } else {
            snprintf(hint, sizeof hint, " Enter: %s", ui->save_default);
            ui_prompt_draw(ui, y, ui->prompt == PROMPT_SAVE ? "save capture to: " : "export ladder to: ", hint);
        }
        return;
    }
    int x = 0;
    if (ui->notice[0] && ui_now_ns() < ui->notice_until_ns) {
        x += draw_notice(y, bar | A_BOLD, ui->notice);
    } else if (ui->opt->demo_note) {
        x += ui_putf(y, x, COLS, bar | A_BOLD, " %s ", ui->opt->demo_note);
    }
    const struct engine_counts *ec = engine_counts(ui->eng);
    if (ui->cap->live) {
        struct capture_stats st;
        capture_stats(ui->cap, &st);
        x += ui_putf(y, x, COLS - x, (st.dropped || st.if_dropped) ? bar | A_BOLD : bar,
                     " recv %llu drop %llu ifdrop %llu ", (unsigned long long)st.received,
                     (unsigned long long)st.dropped, (unsigned long long)st.if_dropped);
    } else {
        if (ui->realtime)
            x += ui_putf(y, x, COLS - x, bar, " %zu/%llu pkts ", frames_replayed(ui), (unsigned long long)ec->frames);
        else
            x += ui_putf(y, x, COLS - x, bar, " %llu pkts ", (unsigned long long)ec->frames);
    }
    /* Frames pushviz passes over, that no flow row can show (QUIC among
     * them: an application reached over HTTP/3 would have none). */
    if (ec->other)
        x += ui_putf(y, x, COLS - x, bar, " %llu not TCP%s ", (unsigned long long)ec->other,
                     ec->quic ? " (QUIC)" : "");
    if (ui->model.items_lost || ui->model.frames_lost)
        x += ui_putf(y, x, COLS - x, bar | A_BOLD, " memory cap: %llu items not kept ",
                     (unsigned long long)ui->model.items_lost);
    if (ui->input_error[0])
        x += ui_putf(y, x, COLS - x, bar | A_BOLD, " input: %s ", ui->input_error);
    x += draw_capture_errors(ui, y, x, bar | A_BOLD);
    if (ui->filter[0])
        x += ui_putf(y, x, COLS - x, bar, " filter=%s ", ui->filter);
    static const char *const hints[][2] = {
        {"space", "pause"}, {"n", "step"}, {"+-", "speed"}, /* --realtime only */
        {"?", "help"}, {"Tab", "pane"}, {"x", "hex"}, {"l", "ladder"}, {"s", "stats"},
        {"/", "search"}, {"f", "filter"}, {"q", "quit"}};
    for (size_t i = ui->realtime ? 0 : 3; i < sizeof hints / sizeof hints[0]; i++) {
        int need = (int)(strlen(hints[i][0]) + strlen(hints[i][1]) + 2);
        if (x + need > COLS)
            break;
        x += ui_putf(y, x, COLS - x, ui_attr(ROLE_BAR_KEY), " %s", hints[i][0]);
        /* space plays a paused replay */
        x += ui_putf(y, x, COLS - x, bar, " %s", i == 0 && ui->paused ? "play" : hints[i][1]);
    }
}

/* The three panes share the rows between the bars: the focused pane gets
 * the larger share, so at 80x24 every pane keeps a few rows. */
static void draw_main(struct ui *ui)
{
    int rows = LINES - 2; /* title and status bars */
    int h[PANE_COUNT];
    h[PANE_FLOWS] = rows * 3 / 10;
    h[PANE_MESSAGES] = rows * 4 / 10;
    if (ui->focus == PANE_DETAIL) {
        h[PANE_FLOWS] = rows / 5;
        h[PANE_MESSAGES] = rows * 3 / 10;
    }
    if (h[PANE_FLOWS] < 3)
        h[PANE_FLOWS] = 3;
    if (h[PANE_MESSAGES] < 3)
        h[PANE_MESSAGES] = 3;
    h[PANE_DETAIL] = rows - h[PANE_FLOWS] - h[PANE_MESSAGES];
    int y = 1;
    ui_flows_draw(ui, y, h[PANE_FLOWS]);
    y += h[PANE_FLOWS];
    ui_messages_draw(ui, y, h[PANE_MESSAGES]);
    y += h[PANE_MESSAGES];
    ui_detail_draw(ui, y, h[PANE_DETAIL]);
}

/* Draw ui->lines under a title, h rows of them from *top.  The counter of
 * the lines on show keeps the right end; the title gives way to it, cut
 * with "...", so the two never run into each other. */
static void view_draw(struct ui *ui, const char *title, size_t *top, int h)
{
    *top = ui_scroll_clamp(*top, ui->lines.n, h);
    attr_t head = ui_attr(ROLE_HEADING);
    ui_fill(1, 0, head);
    char count[80] = ""; /* its leading space keeps it apart from the title */
    if (ui->lines.n > (size_t)h)
        snprintf(count, sizeof count, " %zu-%zu/%zu", *top + 1,
                 *top + (size_t)h < ui->lines.n ? *top + (size_t)h : ui->lines.n, ui->lines.n);
    int room = COLS - (int)strlen(count);
    if (room < 0)
        room = 0;
    ui_put_clipped(1, 0, room, head, title, strlen(title));
    ui_put(1, room, COLS - room, head, count, strlen(count));
    ui_lines_draw(&ui->lines, *top, 2, 0, h, COLS);
}

static void draw(struct ui *ui)
{
    erase();
    if (LINES < 10 || COLS < 40) {
        /* Below this nothing can be laid out; say so instead of garbling,
         * in words broken over the rows there are. */
        char says[128];
        int n = snprintf(says, sizeof says,
                         "pushviz: the terminal is too small (%dx%d); %d x %d or more is best; q quits",
                         COLS, LINES, UI_MIN_COLS, UI_MIN_LINES);
        size_t at = 0, len = n > 0 ? (size_t)n : 0, next;
        for (int y = 0; y < LINES && at < len; y++, at += next) {
            size_t line = ui_wrap(says + at, len - at, COLS, &next);
            if (!line)
                break;
            ui_put(y, 0, COLS, A_BOLD, says + at, line);
        }
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    ui_flows_rebuild(ui);
    draw_title(ui);
    char title[256];
    const struct item *it = ui_selected_item(ui);
    struct ui_flow *f = ui_selected_flow(ui);
    switch (ui->screen) {
    case SCREEN_MAIN:
        draw_main(ui);
        break;
    case SCREEN_HEX:
        ui_lines_clear(&ui->lines);
        ui_hex_build(ui, it, &ui->lines);
        snprintf(title, sizeof title, " Hex of %s in flow %u   (x or Esc: back)",
                 it ? item_type_name(it->type) : "nothing", f ? f->id : 0);
        view_draw(ui, title, &ui->hex_top, LINES - 3);
        break;
    case SCREEN_LADDER: {
        /* the ladder above, the detail of the cursor's message below */
        int detail_h = LINES >= 20 ? (LINES - 3) / 3 : 0;
        ui_lines_clear(&ui->lines);
        ui_ladder_build(ui, &ui->lines, LINES - 3 - detail_h);
        snprintf(title, sizeof title, " Ladder of %s %u   (c: %s, a: %s ACKs, E: export, l or Esc: back)",
                 ui->ladder_client ? "the client of flow" : "flow", f ? f->id : 0,
                 ui->ladder_client ? "one flow" : "all flows of this client",
                 ui->ladder_acks ? "hide" : "show");
        view_draw(ui, title, &ui->ladder_top, LINES - 3 - detail_h);
        if (detail_h)
            ui_detail_draw(ui, LINES - 1 - detail_h, detail_h);
        break;
    }
    case SCREEN_STREAM:
        ui_lines_clear(&ui->lines);
        ui_stream_build(ui, &ui->lines);
        snprintf(title, sizeof title, " Stream of flow %u: %s > %s   (F or Esc: back)", f ? f->id : 0,
                 f ? f->client : "", f ? f->server : "");
        view_draw(ui, title, &ui->stream_top, LINES - 3);
        break;
    case SCREEN_STATS:
        ui_lines_clear(&ui->lines);
        char passed_over[256];
        ui_stats_build(ui, &ui->lines,
                       engine_passed_over(ui->eng, passed_over, sizeof passed_over) ? passed_over : NULL);
        view_draw(ui, " Stats: what each technique costs on the wire   (s or Esc: back)", &ui->stats_top, LINES - 3);
        break;
    case SCREEN_HELP:
        ui_lines_clear(&ui->lines);
        ui_help_build(&ui->lines, COLS);
        view_draw(ui, " Help: every key   (? or Esc: back, q: quit)", &ui->help_top, LINES - 3);
        break;
    }
    draw_status(ui);
    wnoutrefresh(stdscr);
    doupdate();
}

/* ---- the loop ---- */

/* How long poll() may sleep, in ms. */
static int poll_timeout(const struct ui *ui, bool notice_showing)
{
    if (!ui->cap->live && !ui->input_ended)
        return 0; /* keep loading */
    if (ui->realtime && !ui->paused && ui->model.revealed < ui->model.nitems)
        return UI_FRAME_MS;
    if (ui->cap->live || notice_showing)
        return 500; /* the status line's counters and notices change by themselves */
    return -1;
}

static void read_keys(struct ui *ui)
{
    int key;
    while (!ui->done && (key = getch()) != ERR)
        ui_key(ui, key);
}

int ui_run(struct capture *cap, struct engine *eng, const struct ui_options *opt, volatile int *quit)
{
    static struct ui ui; /* the program's one UI (main's static struct holds the rest) */
    memset(&ui, 0, sizeof ui);
    ui.cap = cap;
    ui.eng = eng;
    ui.opt = opt;
    ui.quit = quit;
    ui.realtime = opt->realtime && !cap->live;
    ui.follow = cap->live || ui.realtime; /* a growing list shows its newest row */
    ui.speed = 1.0;
    ui.wall_ns = ui_now_ns();
    if (ui_model_init(&ui.model) < 0) {
        fprintf(stderr, "pushviz: out of memory\n");
        return 1;
    }
    ui.model.dlt = cap->dlt;
    ui.model.nano = cap->nano;
    char ferr[300];
    if (opt->filter && ui_filter_set(&ui, opt->filter, ferr, sizeof ferr) < 0) {
        fprintf(stderr, "pushviz: -Y: %s\n", ferr);
        ui_model_free(&ui.model);
        return 2;
    }
    engine_set_sink(eng, on_item, &ui);
    share_quit_handler();
    FILE *keyboard = open_keyboard(opt);
    if (!keyboard || start_terminal(keyboard) < 0) {
        if (keyboard && keyboard != stdin)
            fclose(keyboard);
        ui_model_free(&ui.model);
        return 1;
    }

    int64_t last_draw = 0;
    bool dirty = true;
    while (!ui.done && !*quit) {
        bool notice_showing = ui.notice[0] && ui_now_ns() < ui.notice_until_ns;
        int timeout = poll_timeout(&ui, notice_showing);
        if (dirty) {
            /* A frame is due: wait no longer than until it may be drawn. */
            int64_t due_ms = (last_draw + (int64_t)UI_FRAME_MS * 1000000 - ui_now_ns()) / 1000000;
            timeout = due_ms > 0 ? (int)due_ms : 0;
        }
        struct pollfd fds[2] = {{fileno(keyboard), POLLIN, 0}, {capture_fd(cap), POLLIN, 0}};
        int nfds = fds[1].fd >= 0 && !ui.input_ended ? 2 : 1;
        int ready = poll(fds, (nfds_t)nfds, timeout);
        if (ready < 0 && errno != EINTR)
            break;
        /* EINTR is usually SIGWINCH: getch() then returns KEY_RESIZE. */
        if (ready < 0 || (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            read_keys(&ui);
            dirty = true;
            last_draw = 0; /* answer keys at once */
        }
        if (fds[0].revents & (POLLHUP | POLLERR))
            break; /* the terminal is gone */
        if ((!cap->live && !ui.input_ended) || (nfds == 2 && fds[1].revents))
            dirty |= pump_capture(&ui);
        if (cap->live && ui.input_ended)
            break; /* capture_stop() after a signal, or the interface vanished */
        if (cap->live)
            engine_settle(eng, capture_settled_ns(cap)); /* a quiet capture's time passes too */
        dirty |= reveal(&ui);
        if ((ui.realtime && !ui.paused) || cap->live || notice_showing)
            dirty = true; /* clocks and counters on the bars move */
        int64_t now = ui_now_ns();
        if (dirty && now - last_draw >= (int64_t)UI_FRAME_MS * 1000000) {
            refresh_techniques(&ui);
            draw(&ui);
            last_draw = now;
            dirty = false;
        }
    }
    restore_terminal();
    if (keyboard != stdin)
        fclose(keyboard);
    int status = ui.input_error[0] ? 1 : 0;
    if (ui.input_error[0])
        fprintf(stderr, "pushviz: %s\n", ui.input_error);
    ui_lines_free(&ui.lines);
    ui_filter_free(&ui);
    free(ui.marks);
    free(ui.shown.v);
    ui_model_free(&ui.model);
    return status;
}

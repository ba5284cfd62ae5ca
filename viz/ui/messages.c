/* messages.c -- the messages pane: what the selected flow carried.
 *
 *   time        dir  type           size  summary
 *   2.002324    -->  ws_frame         26  text fin masked key=2d24d5d4 len=20 ...
 *
 * Rows are HTTP heads, chunks, parts, SSE events, WebSocket frames, Flash
 * messages, pushlab events, errors, and the TCP segments that change the
 * connection's state (SYN, FIN, RST) or that TCP analysis flags
 * (retransmissions, out of order); `t` lists every segment.  The text
 * after the size is the same one-line summary --dump prints; the part of
 * it that matches the search is highlighted, and a marked row (m) has a
 * '*' before its time.  The time column counts in one of three ways (T):
 * seconds since the first packet, since the row above, or the wall clock
 * of the capture (local time).
 */
#include "ui/messages.h"

#include "output/output.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The time column of row `row` (12 columns) in the pane's time mode. */
static void time_text(const struct ui *ui, const struct ui_flow *f, size_t row, char out[32])
{
    const struct item *it = ui->model.items[f->messages.v[row]];
    if (ui->time_mode == TIME_DELTA) {
        double prev = row ? ui->model.items[f->messages.v[row - 1]]->t : it->t;
        snprintf(out, 32, "%+12.6f", it->t - prev);
    } else if (ui->time_mode == TIME_WALL) {
        time_t sec = (time_t)(it->ts_ns / 1000000000);
        struct tm tm;
        localtime_r(&sec, &tm);
        snprintf(out, 32, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(it->ts_ns % 1000000000 / 1000000));
    } else {
        snprintf(out, 32, "%12.6f", it->t);
    }
}

/* s[0..len) in maxcols columns from x, its first search hit highlighted;
 * returns the columns used. */
static int put_marked(int y, int x, int maxcols, attr_t base, const char *s, size_t len, const char *search)
{
    const char *hit = search ? strcasestr(s, search) : NULL;
    size_t before = hit ? (size_t)(hit - s) : len, n = hit ? strlen(search) : 0;
    if (before + n > len)
        before = len, n = 0; /* (a hit past the part shown) */
    int used = ui_put(y, x, maxcols, base, s, before);
    used += ui_put(y, x + used, maxcols - used, ui_attr(ROLE_MARK), s + before, n);
    return used + ui_put(y, x + used, maxcols - used, base, s + before + n, len - before - n);
}

/* The summary, with the search's first hit in it highlighted.  One too
 * long for the row is cut before its " @offset", which stays whole: a
 * number cut short would read as another one. */
static void put_summary(int y, int x, attr_t base, bool highlight, const char *summary, const char *search)
{
    static const char more[] = "...";
    size_t len = strlen(summary);
    int room = COLS - x;
    const char *mark = highlight && search[0] ? search : NULL;
    const char *at = strrchr(summary, '@');
    bool offset_last = at && at > summary && at[-1] == ' ';
    size_t head = offset_last ? (size_t)(at - 1 - summary) : len;
    int tail_cols = (int)(len - head), head_cols = room - tail_cols - (int)strlen(more); /* (" @N" is ASCII) */
    if (ui_fit(summary, len, room) == len || !offset_last || head_cols < 1) {
        put_marked(y, x, room, base, summary, len, mark); /* whole, or as much as a narrow row holds */
        return;
    }
    x += put_marked(y, x, head_cols, base, summary, ui_fit(summary, head, head_cols), mark);
    x += ui_put(y, x, (int)strlen(more), ui_attr(ROLE_DIM), more, strlen(more));
    ui_put(y, x, tail_cols, base, at - 1, len - head);
}

/* The size column: the stream bytes an item covers, else its len field. */
static long long size_of(const struct item *it)
{
    if (it->has_range)
        return (long long)it->length;
    return (long long)item_int(it, "len", -1);
}

static attr_t row_attr(const struct item *it)
{
    switch (it->type) {
    case ITEM_ERROR:
        return ui_attr(ROLE_ERROR);
    case ITEM_TCP:
        return item_field(it, "analysis") ? ui_attr(ROLE_NOTE) : ui_attr(ROLE_DIM);
    case ITEM_EVENT:
        return ui_attr(ROLE_NOTE);
    default:
        return A_NORMAL;
    }
}

void ui_messages_draw(struct ui *ui, int y, int h)
{
    bool focused = ui->screen == SCREEN_MAIN && ui->focus == PANE_MESSAGES;
    int rows = h - 1;
    ui->pane_y[PANE_MESSAGES] = y + 1;
    ui->pane_h[PANE_MESSAGES] = rows;
    struct ui_flow *f = ui_selected_flow(ui);
    size_t n = f ? f->messages.n : 0;
    if (ui->follow && n)
        ui->messages.sel = n - 1;
    ui_cursor_move(&ui->messages, 0, n, rows);

    attr_t head = ui_attr(focused ? ROLE_HEADING : ROLE_DIM) | A_BOLD;
    ui_fill(y, 0, ui_attr(ROLE_HEADING));
    static const char *const time_names[] = {"time", "+time", "wall clock"};
    int x = ui_putf(y, 0, COLS, head, " %-12s %-3s %-13s %6s  ", time_names[ui->time_mode], "dir", "type", "size");
    if (f)
        ui_putf(y, x, COLS - x, head, "flow %u  %s  %s > %s%s", f->id,
                f->technique[0] ? f->technique : "...", f->client, f->server,
                ui->model.all_tcp ? "  (all TCP segments: t)" : "");

    char summary[512];
    for (int r = 0; r < rows && ui->messages.top + (size_t)r < n; r++) {
        size_t row = ui->messages.top + (size_t)r;
        const struct item *it = ui->model.items[f->messages.v[row]];
        int yy = y + 1 + r;
        bool sel = row == ui->messages.sel;
        attr_t base = sel ? ui_attr(focused ? ROLE_SELECTED : ROLE_SELECTED_IDLE) : row_attr(it);
        if (sel)
            ui_fill(yy, 0, base);
        bool hit = ui->search[0] && !sel;
        item_summary(it, summary, sizeof summary);
        hit = hit && strcasestr(summary, ui->search);
        size_t item = f->messages.v[row];
        bool marked = item < ui->nmarks && ui->marks[item];
        char when[32];
        time_text(ui, f, row, when);
        x = ui_putf(yy, 0, 1, marked ? ui_attr(ROLE_MARK) | A_BOLD : base, "%c", marked ? '*' : ' ');
        x += ui_putf(yy, x, 13, base, "%s ", when);
        x += ui_putf(yy, x, 4, sel ? base : ui_dir_attr(it->dir), "%s ", ui_dir_arrow(it->dir));
        x += ui_putf(yy, x, 14, sel ? base : hit ? ui_attr(ROLE_MARK) : base, "%-13s ",
                     item_type_name(it->type));
        long long size = size_of(it);
        if (size >= 0)
            x += ui_putf(yy, x, 8, base, "%6lld  ", size);
        else
            x += ui_putf(yy, x, 8, base, "%6s  ", "");
        put_summary(yy, x, base, !sel, summary, ui->search);
    }
    if (!f)
        ui_putf(y + 1, 2, COLS - 2, ui_attr(ROLE_DIM), "select a flow above (arrows or j/k, Enter)");
}

/* messages.c -- the messages pane: what the selected flow carried.
 *
 *   time        dir  type           size  summary
 *   2.002324    -->  ws_frame         26  text fin masked key=2d24d5d4 len=20 ...
 *
 * Rows are HTTP heads, chunks, parts, SSE events, WebSocket frames, Flash
 * messages, pushlab events, errors, and the TCP segments that change the
 * connection's state (SYN, FIN, RST) or that TCP analysis flags
 * (retransmissions, out of order); `t` lists every segment.  The text
 * after the size is the same one-line summary --dump prints.
 */
#include "ui/messages.h"

#include "output/output.h"

#include <stdio.h>
#include <string.h>

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
    int x = ui_putf(y, 0, COLS, head, "%-11s %-3s %-13s %6s  ", "time", "dir", "type", "size");
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
        x = ui_putf(yy, 0, 12, base, "%11.6f ", it->t);
        x += ui_putf(yy, x, 4, sel ? base : ui_dir_attr(it->dir), "%s ", ui_dir_arrow(it->dir));
        x += ui_putf(yy, x, 14, sel ? base : hit ? ui_attr(ROLE_MARK) : base, "%-13s ",
                     item_type_name(it->type));
        long long size = size_of(it);
        if (size >= 0)
            x += ui_putf(yy, x, 8, base, "%6lld  ", size);
        else
            x += ui_putf(yy, x, 8, base, "%6s  ", "");
        ui_put(yy, x, COLS - x, base, summary, strlen(summary));
    }
    if (!f)
        ui_putf(y + 1, 2, COLS - 2, ui_attr(ROLE_DIM), "select a flow above (arrows or j/k, Enter)");
}

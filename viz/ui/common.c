/* common.c -- the helpers every screen shares: the monotonic clock and
 * the status-line notice, the selected flow and item, list cursors and
 * scroll limits, and how a direction is drawn.
 */
#include "ui/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

int64_t ui_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ui_notice(struct ui *ui, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->notice, sizeof ui->notice, fmt, ap);
    va_end(ap);
    ui->notice_until_ns = ui_now_ns() + 4000000000LL;
}

void ui_cursor_move(struct ui_cursor *c, long delta, size_t n, int h)
{
    if (!n) {
        c->sel = c->top = 0;
        return;
    }
    long sel = (long)c->sel + delta;
    if (sel < 0)
        sel = 0;
    if ((size_t)sel >= n)
        sel = (long)n - 1;
    c->sel = (size_t)sel;
    if (h < 1)
        h = 1;
    if (c->sel < c->top)
        c->top = c->sel;
    if (c->sel >= c->top + (size_t)h)
        c->top = c->sel - (size_t)h + 1;
}

size_t ui_scroll_clamp(size_t top, size_t n, int h)
{
    size_t max = n > (size_t)(h > 0 ? h : 1) ? n - (size_t)h : 0;
    return top > max ? max : top;
}

struct ui_flow *ui_selected_flow(struct ui *ui)
{
    if (ui->flows.sel >= ui->shown.n)
        return NULL;
    return ui_model_flow(&ui->model, (unsigned)ui->shown.v[ui->flows.sel]);
}

const struct item *ui_selected_item(struct ui *ui)
{
    struct ui_flow *f = ui_selected_flow(ui);
    if (!f || ui->messages.sel >= f->messages.n)
        return NULL;
    return ui->model.items[f->messages.v[ui->messages.sel]];
}

const char *ui_dir_arrow(enum item_dir dir)
{
    return dir == DIR_C2S ? "-->" : dir == DIR_S2C ? "<--" : "   ";
}

attr_t ui_dir_attr(enum item_dir dir)
{
    return ui_attr(dir == DIR_C2S ? ROLE_C2S : dir == DIR_S2C ? ROLE_S2C : ROLE_PLAIN);
}

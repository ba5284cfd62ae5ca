/* ladder.c -- the ladder screen: a sequence diagram of one flow, or of
 * every flow of one client, with the times that explain a technique.
 *
 * The rows come from output/ladder.c (the same rows --ladder and `E`
 * write as SVG or text); this file picks the items, draws the rows as
 * text arrows over the terminal's whole width (the notes get what the
 * arrows leave, up to their longest), and keeps a cursor on one row.  The
 * cursor is the messages pane's selection seen from here: moving it
 * selects its item, so the detail pane under the ladder follows it, and
 * the ladder opens on the row of the selected message.
 */
#include "ui/ladder.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/ladder.h"

/* The items of the ladder, in order: their model indexes (owned), or
 * NULL when out of memory. */
static size_t *pick_items(struct ui *ui, const struct ui_flow *sel, size_t *n)
{
    size_t cap = ui->ladder_client ? ui->model.revealed : sel->items.n;
    size_t *v = malloc((cap ? cap : 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    const char *colon = strrchr(sel->client, ':');
    size_t host_len = colon ? (size_t)(colon - sel->client) : strlen(sel->client);
    for (size_t k = 0; k < cap; k++) {
        size_t idx = ui->ladder_client ? k : sel->items.v[k];
        const struct item *it = ui->model.items[idx];
        if (ui->ladder_client && it->flow != sel->id) {
            /* same client address, any port */
            const struct ui_flow *f = it->flow ? ui_model_flow(&ui->model, it->flow) : NULL;
            const char *c = f ? strrchr(f->client, ':') : NULL;
            if (!c || (size_t)(c - f->client) != host_len || memcmp(f->client, sel->client, host_len) != 0)
                continue;
        }
        v[(*n)++] = idx;
    }
    return v;
}

/* Rows of the selected flow's ladder into l, each row's `item` the model
 * index of its item.  0, or -1 (no flow, out of memory). */
static int rows_of(struct ui *ui, struct ladder *l)
{
    struct ui_flow *sel = ui_selected_flow(ui);
    memset(l, 0, sizeof *l);
    if (!sel)
        return -1;
    size_t n;
    size_t *idx = pick_items(ui, sel, &n);
    const struct item **items = malloc((n ? n : 1) * sizeof *items);
    double *hs = calloc(ui->model.nflows + 1, sizeof *hs);
    int rc = -1;
    if (idx && items && hs) {
        for (size_t k = 0; k < n; k++)
            items[k] = ui->model.items[idx[k]];
        for (size_t i = 0; i < ui->model.nflows; i++)
            hs[i] = ui->model.flows[i].handshake_ms;
        struct ladder_options o = {ui->ladder_acks, sel->client, sel->server, hs, ui->model.nflows};
        rc = ladder_build(l, items, n, &o);
        for (size_t r = 0; rc == 0 && r < l->n; r++)
            l->rows[r].item = idx[l->rows[r].item]; /* from the items array to the model */
    }
    free(items);
    free(hs);
    free(idx);
    return rc;
}

/* Select the cursor row's item in the flows and messages panes, so the
 * detail pane shows it (a pure ACK has no row there: the selection stays). */
static void select_row_item(struct ui *ui, size_t model_index)
{
    struct ui_flow *f = ui_selected_flow(ui);
    if (!f || ui->model.items[model_index]->flow != f->id)
        return;
    for (size_t m = 0; m < f->messages.n; m++)
        if (f->messages.v[m] == model_index) {
            ui->messages.sel = m;
            ui->follow = false;
            ui->detail_top = 0;
            return;
        }
}

void ui_ladder_build(struct ui *ui, struct ui_lines *out, int h)
{
    struct ladder l;
    if (rows_of(ui, &l) < 0) {
        ui_lines_new(out);
        ui_lines_str(out, ui_attr(ui_selected_flow(ui) ? ROLE_ERROR : ROLE_DIM),
                     ui_selected_flow(ui) ? "out of memory" : "select a flow first");
        ladder_free(&l);
        ui->ladder_nrows = 0;
        return;
    }
    ui->ladder_nrows = l.n;
    /* the cursor: on the selected message when the ladder opens */
    if (ui->ladder_jump) {
        const struct item *it = ui_selected_item(ui);
        struct ui_flow *f = ui_selected_flow(ui);
        size_t want = it && f ? f->messages.v[ui->messages.sel] : 0;
        ui->ladder_sel = 0;
        for (size_t r = 0; it && r < l.n; r++)
            if (l.rows[r].item <= want)
                ui->ladder_sel = r;
        ui->ladder_jump = false;
    }
    if (ui->ladder_sel >= l.n)
        ui->ladder_sel = l.n ? l.n - 1 : 0;
    if (l.n)
        select_row_item(ui, l.rows[ui->ladder_sel].item);

    /* widths: the notes get up to their longest, the arrows the rest */
    int note_w = 0;
    for (size_t r = 0; r < l.n; r++) {
        int n = ladder_columns(l.rows[r].note, strlen(l.rows[r].note));
        note_w = n > note_w ? n : note_w;
    }
    int w = COLS - 13 - 2 - 2 - note_w;
    if (w < 40)
        w = COLS - 13 - 2 < 40 ? COLS - 13 - 2 : 40;
    if (w < 10)
        w = 10;
    ui_lines_new(out);
    ui_lines_addf(out, ui_attr(ROLE_HEADING), "%-12s ", "time");
    ui_lines_addf(out, ui_attr(ROLE_C2S) | A_BOLD, "%-*.*s", w / 2 + 1, w / 2, l.client);
    ui_lines_addf(out, ui_attr(ROLE_S2C) | A_BOLD, "%*.*s", w - w / 2 + 1, w - w / 2, l.server);
    ui_lines_addf(out, ui_attr(ROLE_HEADING), "  %s", l.many_flows ? "([flow] before each label)" : "");
    size_t cursor_line = 0;
    char arrow[1024];
    for (size_t r = 0; r < l.n; r++) {
        const struct ladder_row *row = &l.rows[r];
        if (row->gap_s > 0) {
            char gap[64];
            int g = snprintf(gap, sizeof gap, "%.3f s pass", row->gap_s);
            ui_lines_new(out);
            ui_lines_addf(out, ui_attr(ROLE_NOTE), "%-12s :%*s%-*s:", "", (w - g) / 2, "", w - (w - g) / 2, gap);
        }
        ui_lines_new(out);
        bool cur = r == ui->ladder_sel;
        if (cur)
            cursor_line = out->n - 1;
        ui_lines_addf(out, cur ? ui_attr(ROLE_SELECTED) : ui_attr(ROLE_DIM), "%c%11.6f ", cur ? '>' : ' ', row->t);
        ladder_arrow_text(row, w, arrow, sizeof arrow);
        attr_t a = row->kind == LADDER_ERROR ? ui_attr(ROLE_ERROR)
                                             : ui_dir_attr(row->dir) | (row->kind == LADDER_SEGMENT ? 0 : A_BOLD);
        ui_lines_str(out, a, arrow);
        if (row->note[0])
            ui_lines_addf(out, ui_attr(row->strong ? ROLE_ERROR : ROLE_NOTE), "  %s", row->note);
    }
    if (l.cut) {
        ui_lines_new(out);
        ui_lines_addf(out, ui_attr(ROLE_ERROR), "(more than %d rows: the rest is left out)", LADDER_MAX_ROWS);
    }
    /* keep the cursor on screen */
    if (h < 1)
        h = 1;
    if (cursor_line < ui->ladder_top + 1)
        ui->ladder_top = cursor_line > 1 ? cursor_line - 1 : 0; /* the gap line above it too */
    if (cursor_line >= ui->ladder_top + (size_t)h)
        ui->ladder_top = cursor_line - (size_t)h + 1;
    ladder_free(&l);
}

void ui_ladder_move(struct ui *ui, long delta)
{
    size_t n = ui->ladder_nrows;
    if (!n)
        return;
    long sel = (long)ui->ladder_sel + delta;
    if (delta == LONG_MIN || sel < 0)
        sel = 0;
    if (delta == LONG_MAX || sel >= (long)n)
        sel = (long)n - 1;
    ui->ladder_sel = (size_t)sel;
}

int ui_ladder_export(struct ui *ui, const char *path, char *full, size_t fullcap, char *err, size_t errcap)
{
    struct ladder l;
    if (rows_of(ui, &l) < 0) {
        ladder_free(&l);
        snprintf(err, errcap, ui_selected_flow(ui) ? "out of memory" : "no flow selected");
        return -1;
    }
    int fd = saver_open(&ui->cap->saver, path, full, fullcap, err, errcap);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !out)
        close(fd);
    int rc = -1;
    if (out) {
        rc = ladder_path_is_svg(path) ? ladder_write_svg(&l, out) : ladder_write_text(&l, out, 100);
        if (fclose(out) != 0)
            rc = -1;
        if (rc < 0)
            snprintf(err, errcap, "writing %s failed: %s", full, strerror(errno));
    } else if (fd >= 0) {
        snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
    }
    if (rc == 0)
        snprintf(err, errcap, "%zu rows", l.n);
    ladder_free(&l);
    return rc;
}

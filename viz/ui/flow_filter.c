/* flow_filter.c -- the UI's display filter (`f`, or -Y at start): which
 * flows the flows pane lists.
 *
 * The expression is the one -Y takes (filter/filter.h).  A flow is
 * listed when one of its revealed items matches, judged with the flow's
 * technique, client and server as the UI knows them.  Each flow keeps
 * how many of its items were tested and whether one matched, so a redraw
 * tests only items that arrived since the last one; the cache is dropped
 * when the filter changes, and a flow whose item list shrank (a
 * --realtime rewind) is tested again from its first item.
 *
 * Two shorthands from before expressions still work, because a class
 * types them: a bare technique name ("ws") means technique == ws, a bare
 * number ("3") means flow == 3.
 */
#include "ui/flow_filter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"

/* "ws" -> "technique == ws", "3" -> "flow == 3"; false when text is not
 * one bare word that no field is called. */
static bool shorthand(const char *text, char *out, size_t cap)
{
    size_t n = strlen(text), digits = 0, letters = 0;
    for (size_t i = 0; i < n; i++) {
        digits += isdigit((unsigned char)text[i]) != 0;
        letters += islower((unsigned char)text[i]) != 0 || text[i] == '.';
    }
    if (!n || (digits != n && letters != n))
        return false;
    snprintf(out, cap, "%s == %s", digits == n ? "flow" : "technique", text);
    return true;
}

int ui_filter_set(struct ui *ui, const char *text, char *err, size_t errcap)
{
    struct filter *f = NULL;
    if (text[0]) {
        struct filter_error fe;
        char expanded[UI_SEARCH_MAX + 32];
        f = filter_compile(text, &fe);
        if (!f && shorthand(text, expanded, sizeof expanded)) {
            struct filter_error ignored;
            f = filter_compile(expanded, &ignored);
        }
        if (!f) {
            snprintf(err, errcap, "column %zu: %s", fe.pos + 1, fe.message);
            return -1;
        }
    }
    filter_free(ui->filter_expr);
    ui->filter_expr = f;
    snprintf(ui->filter, sizeof ui->filter, "%s", text);
    free(ui->filter_seen);
    ui->filter_seen = NULL;
    ui->filter_seen_n = 0;
    return 0;
}

bool ui_filter_flow_passes(struct ui *ui, const struct ui_flow *f)
{
    if (!ui->filter_expr)
        return true;
    if (f->id > ui->filter_seen_n) {
        size_t n = f->id + 64;
        struct ui_filter_seen *v = realloc(ui->filter_seen, n * sizeof *v);
        if (!v)
            return true; /* out of memory: show rather than hide */
        memset(v + ui->filter_seen_n, 0, (n - ui->filter_seen_n) * sizeof *v);
        ui->filter_seen = v;
        ui->filter_seen_n = n;
    }
    struct ui_filter_seen *s = &ui->filter_seen[f->id - 1];
    if (s->tested > f->items.n)
        *s = (struct ui_filter_seen){0, false};
    struct filter_flow ff = {f->technique, f->client, f->server};
    while (!s->match && s->tested < f->items.n)
        s->match = filter_match(ui->filter_expr, ui->model.items[f->items.v[s->tested++]], &ff);
    return s->match;
}

void ui_filter_free(struct ui *ui)
{
    filter_free(ui->filter_expr);
    ui->filter_expr = NULL;
    free(ui->filter_seen);
    ui->filter_seen = NULL;
    ui->filter_seen_n = 0;
}

/* ladder_text.c -- a ladder as plain text: the arrows the UI draws, for a
 * terminal, a mail or a lab sheet.
 *
 *   time        127.0.0.1:41000                            127.0.0.1:8002
 *      0.000654 |== GET /poll?since=3 ======================>|
 *               :                 4.200 s pass                :
 *      4.200931 |<===================== HTTP/1.1 200 OK =====|  HELD 4200.3 ms
 *
 * Widths are in columns (wcwidth(3) of each character), so a label with
 * accents or CJK text keeps the arrows aligned.
 */
#include "output/ladder.h"

#include <string.h>
#include <wchar.h>

/* The next UTF-8 character of s[0..len): its bytes (1 for a byte that is
 * not UTF-8) and its columns (1 where wcwidth does not know it). */
static size_t next_char(const char *s, size_t len, int *cols)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t n = mbrtowc(&wc, s, len, &st);
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        *cols = 1;
        return 1;
    }
    int w = wcwidth(wc);
    *cols = w < 0 ? 1 : w;
    return n;
}

int ladder_columns(const char *s, size_t len)
{
    int cols = 0;
    for (size_t i = 0; i < len;) {
        int c;
        i += next_char(s + i, len - i, &c);
        cols += c;
    }
    return cols;
}

void ladder_arrow_text(const struct ladder_row *r, int w, char *out, size_t cap)
{
    char body = r->kind == LADDER_SEGMENT ? '-' : '=';
    if (w < 8)
        w = 8;
    /* the label's bytes that fit in w - 8 columns */
    size_t llen = strlen(r->label), take = 0;
    int lcols = 0;
    while (take < llen) {
        int c;
        size_t n = next_char(r->label + take, llen - take, &c);
        if (lcols + c > w - 8)
            break;
        take += n;
        lcols += c;
    }
    /* "|" + w columns of arrow with " label " inside + "|" */
    int at = r->dir == DIR_C2S ? 3 : w - 3 - lcols - 1; /* column of the label */
    size_t k = 0;
    if (cap < (size_t)w + take + 4)
        w = (int)(cap - take - 4) > 8 ? (int)(cap - take - 4) : 8;
    out[k++] = '|';
    for (int col = 0; col < w && k + 1 < cap;) {
        if (col == at - 1 || col == at + lcols) {
            out[k++] = ' ';
            col++;
        } else if (col == at) {
            memcpy(out + k, r->label, take);
            k += take;
            col += lcols;
        } else {
            out[k++] = col == 0 && r->dir == DIR_S2C ? '<' : col == w - 1 && r->dir == DIR_C2S ? '>' : body;
            col++;
        }
    }
    if (k + 1 < cap)
        out[k++] = '|';
    out[k] = '\0';
}

int ladder_write_text(const struct ladder *l, FILE *out, int width)
{
    int note_w = 36;
    int w = width - 12 - 2 - note_w;
    if (w < 20)
        w = 20;
    fprintf(out, "%-12s %-*s%*s%s\n", "time", w / 2 + 1, l->client, w - w / 2 + 1, l->server,
            l->many_flows ? "  (several flows: [flow] before each label)" : "");
    char arrow[1024];
    for (size_t i = 0; i < l->n; i++) {
        const struct ladder_row *r = &l->rows[i];
        if (r->gap_s > 0) {
            char gap[64];
            int g = snprintf(gap, sizeof gap, "%.3f s pass", r->gap_s);
            fprintf(out, "%-12s :%*s%-*s:\n", "", (w - g) / 2, "", w - (w - g) / 2, gap);
        }
        ladder_arrow_text(r, w, arrow, sizeof arrow);
        fprintf(out, "%12.6f %s%s%s\n", r->t, arrow, r->note[0] ? "  " : "", r->note);
    }
    if (l->cut)
        fprintf(out, "(more than %d rows: the rest is left out; filter with -Y)\n", LADDER_MAX_ROWS);
    return ferror(out) ? -1 : 0;
}

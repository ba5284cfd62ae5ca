/* draw.c -- colour roles, safe text, and lines of spans.
 *
 * Payloads are hostile: a WebSocket frame may carry an escape sequence
 * that would repaint the terminal, or bytes that are not UTF-8.  Every
 * byte the UI shows goes through ui_put(), which decodes UTF-8 with the
 * C library (the locale is set from the environment, as ncursesw needs)
 * and turns everything that is not a printable character into a visible
 * escape, so what is on screen is always what was on the wire.
 */
#include "ui/draw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "proto/printable.h"

static attr_t roles[ROLE_COUNT];
static bool use_color;

/* Colour pairs, numbered from 1. */
enum {
    PAIR_BAR = 1, PAIR_C2S, PAIR_S2C, PAIR_ERROR, PAIR_NOTE, PAIR_GOOD, PAIR_HEAD, PAIR_FRAMING,
    PAIR_PAYLOAD, PAIR_SELECTED, PAIR_IDLE, PAIR_MARK,
    /* badges */
    PAIR_B_BLUE, PAIR_B_MAGENTA, PAIR_B_YELLOW, PAIR_B_GREEN, PAIR_B_RED, PAIR_B_CYAN, PAIR_B_WHITE
};

bool ui_draw_init(void)
{
    const char *no_color = getenv("NO_COLOR");
    use_color = has_colors() && !(no_color && no_color[0]);
    if (use_color) {
        start_color();
        use_default_colors();
        init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_C2S, COLOR_GREEN, -1);
        init_pair(PAIR_S2C, COLOR_CYAN, -1);
        init_pair(PAIR_ERROR, COLOR_RED, -1);
        init_pair(PAIR_NOTE, COLOR_YELLOW, -1);
        init_pair(PAIR_GOOD, COLOR_GREEN, -1);
        init_pair(PAIR_HEAD, COLOR_BLUE, -1);
        init_pair(PAIR_FRAMING, COLOR_MAGENTA, -1);
        init_pair(PAIR_PAYLOAD, COLOR_GREEN, -1);
        init_pair(PAIR_SELECTED, COLOR_BLACK, COLOR_GREEN);
        init_pair(PAIR_IDLE, COLOR_BLACK, COLOR_WHITE);
        init_pair(PAIR_MARK, COLOR_BLACK, COLOR_YELLOW);
        init_pair(PAIR_B_BLUE, COLOR_WHITE, COLOR_BLUE);
        init_pair(PAIR_B_MAGENTA, COLOR_WHITE, COLOR_MAGENTA);
        init_pair(PAIR_B_YELLOW, COLOR_BLACK, COLOR_YELLOW);
        init_pair(PAIR_B_GREEN, COLOR_BLACK, COLOR_GREEN);
        init_pair(PAIR_B_RED, COLOR_WHITE, COLOR_RED);
        init_pair(PAIR_B_CYAN, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_B_WHITE, COLOR_BLACK, COLOR_WHITE);
        roles[ROLE_BAR] = COLOR_PAIR(PAIR_BAR);
        roles[ROLE_BAR_KEY] = COLOR_PAIR(PAIR_BAR) | A_BOLD;
        roles[ROLE_HEADING] = A_BOLD | A_UNDERLINE;
        roles[ROLE_SELECTED] = COLOR_PAIR(PAIR_SELECTED);
        roles[ROLE_SELECTED_IDLE] = COLOR_PAIR(PAIR_IDLE);
        roles[ROLE_DIM] = A_DIM;
        roles[ROLE_C2S] = COLOR_PAIR(PAIR_C2S);
        roles[ROLE_S2C] = COLOR_PAIR(PAIR_S2C);
        roles[ROLE_ERROR] = COLOR_PAIR(PAIR_ERROR) | A_BOLD;
        roles[ROLE_NOTE] = COLOR_PAIR(PAIR_NOTE);
        roles[ROLE_GOOD] = COLOR_PAIR(PAIR_GOOD) | A_BOLD;
        roles[ROLE_HEX_HEAD] = COLOR_PAIR(PAIR_HEAD) | A_BOLD;
        roles[ROLE_HEX_FRAMING] = COLOR_PAIR(PAIR_FRAMING) | A_BOLD;
        roles[ROLE_HEX_PAYLOAD] = COLOR_PAIR(PAIR_PAYLOAD);
        roles[ROLE_HEX_LOWER] = A_DIM;
        roles[ROLE_MARK] = COLOR_PAIR(PAIR_MARK);
    } else {
        /* Monochrome: the same roles as weights and lines. */
        roles[ROLE_BAR] = A_REVERSE;
        roles[ROLE_BAR_KEY] = A_REVERSE | A_BOLD;
        roles[ROLE_HEADING] = A_BOLD | A_UNDERLINE;
        roles[ROLE_SELECTED] = A_REVERSE;
        roles[ROLE_SELECTED_IDLE] = A_UNDERLINE;
        roles[ROLE_DIM] = A_DIM;
        roles[ROLE_C2S] = A_NORMAL;
        roles[ROLE_S2C] = A_BOLD;
        roles[ROLE_ERROR] = A_BOLD;
        roles[ROLE_NOTE] = A_NORMAL;
        roles[ROLE_GOOD] = A_BOLD;
        roles[ROLE_HEX_HEAD] = A_BOLD;
        roles[ROLE_HEX_FRAMING] = A_UNDERLINE;
        roles[ROLE_HEX_PAYLOAD] = A_NORMAL;
        roles[ROLE_HEX_LOWER] = A_DIM;
        roles[ROLE_MARK] = A_REVERSE;
    }
    return use_color;
}

attr_t ui_attr(enum ui_role role)
{
    return role < ROLE_COUNT ? roles[role] : A_NORMAL;
}

attr_t ui_badge_attr(const char *t)
{
    if (!use_color)
        return A_BOLD;
    static const struct { const char *name; short pair; } badges[] = {
        {"poll", PAIR_B_BLUE},       {"jsonp", PAIR_B_BLUE},    {"longpoll", PAIR_B_MAGENTA},
        {"iframe", PAIR_B_YELLOW},   {"xhr", PAIR_B_GREEN},     {"multipart", PAIR_B_GREEN},
        {"flash", PAIR_B_RED},       {"sse", PAIR_B_CYAN},      {"ws", PAIR_B_WHITE},
    };
    for (size_t i = 0; i < sizeof badges / sizeof badges[0]; i++)
        if (strcmp(t, badges[i].name) == 0)
            return COLOR_PAIR(badges[i].pair) | A_BOLD;
    return A_DIM;
}

/* ---- safe text ---- */

/* The escape for one byte, put when draw is set; returns the columns it
 * takes (0 when it does not fit in room). */
static int put_escape(int y, int x, int room, unsigned char c, bool draw)
{
    char esc[5];
    int n = (int)printable_escape(c, esc);
    if (n > room)
        return 0;
    if (draw) {
        attrset(roles[ROLE_DIM]);
        mvaddnstr(y, x, esc, n);
    }
    return n;
}

/* The invisible marks that change how a terminal orders or breaks what
 * follows (bidirectional overrides and isolates, direction marks, zero
 * width spaces, word joiners, the BOM): a peer could make text appear as
 * other text with them, so they are shown as escapes, never applied.
 * Combining accents and the zero-width (non-)joiner are not among them. */
static bool direction_mark(wchar_t wc)
{
    return wc == 0x061C || (wc >= 0x200B && wc <= 0x200F && wc != 0x200C && wc != 0x200D) ||
           (wc >= 0x202A && wc <= 0x202E) || (wc >= 0x2060 && wc <= 0x206F) || wc == 0xFEFF;
}

/* ui_put's walk over s, drawing only when draw is set, so that measuring
 * follows the very rules drawing does: returns the columns used, and in
 * *fit the bytes of s that fit in maxcols. */
static int put_text(int y, int x, int maxcols, attr_t attr, const char *s, size_t len, bool draw, size_t *fit)
{
    int used = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t i = 0;
    while (i < len && used < maxcols) {
        unsigned char c = (unsigned char)s[i];
        wchar_t wc;
        size_t n = 1;
        int w = -1;
        if (c >= 0x20 && c < 0x7F) {
            wc = c;
            w = 1;
        } else if (c >= 0x80) {
            n = mbrtowc(&wc, s + i, len - i, &st);
            if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
                memset(&st, 0, sizeof st);
                n = 1;
            } else {
                w = wcwidth(wc); /* -1 for C1 controls and other non-printables */
            }
        }
        if (w == 0 && c >= 0x80 && used > 0 && !direction_mark(wc)) {
            /* A zero-width character (a combining accent, a joiner) is
             * part of the one before it: ncurses adds it to that cell. */
            if (draw) {
                attrset(attr);
                mvaddnwstr(y, x + used, &wc, 1);
            }
            i += n;
            continue;
        }
        if (w < 0 || (w == 0 && c >= 0x80)) {
            int k = put_escape(y, x + used, maxcols - used, c, draw);
            if (!k)
                break;
            used += k;
            i += 1;
            continue;
        }
        if (used + w > maxcols)
            break;
        if (draw) {
            attrset(attr);
            mvaddnwstr(y, x + used, &wc, 1);
        }
        used += w;
        i += n;
    }
    if (draw)
        attrset(A_NORMAL);
    *fit = i;
    return used;
}

int ui_put(int y, int x, int maxcols, attr_t attr, const char *s, size_t len)
{
    size_t fit;
    return put_text(y, x, maxcols, attr, s, len, true, &fit);
}

size_t ui_fit(const char *s, size_t len, int maxcols)
{
    size_t fit;
    put_text(0, 0, maxcols, A_NORMAL, s, len, false, &fit);
    return fit;
}

int ui_put_clipped(int y, int x, int maxcols, attr_t attr, const char *s, size_t len)
{
    static const char more[] = "...";
    const int mw = (int)sizeof more - 1;
    if (ui_fit(s, len, maxcols) == len || maxcols <= mw)
        return ui_put(y, x, maxcols, attr, s, len);
    int used = ui_put(y, x, maxcols - mw, attr, s, len);
    return used + ui_put(y, x + used, mw, attr, more, (size_t)mw);
}

size_t ui_wrap(const char *s, size_t len, int maxcols, size_t *next)
{
    size_t end = ui_fit(s, len, maxcols);
    if (end < len) {
        /* s[end] is the first byte that did not fit: break at a space at or before it */
        size_t sp = end;
        while (sp > 0 && s[sp] != ' ')
            sp--;
        if (sp > 0)
            end = sp;
    }
    size_t n = end;
    while (n < len && s[n] == ' ')
        n++;
    *next = n;
    return end;
}

int ui_putf(int y, int x, int maxcols, attr_t attr, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return 0;
    return ui_put(y, x, maxcols, attr, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void ui_fill(int y, int x, attr_t attr)
{
    if (x >= COLS)
        return;
    attrset(attr);
    mvhline(y, x, ' ', COLS - x);
    attrset(A_NORMAL);
}

/* ---- lines of spans ---- */

static bool reserve(void **v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t want = *cap ? *cap : 256;
    while (want < need)
        want *= 2;
    void *p = realloc(*v, want * size);
    if (!p)
        return false;
    *v = p;
    *cap = want;
    return true;
}

void ui_lines_clear(struct ui_lines *l)
{
    l->tlen = l->nspans = l->n = 0;
}

void ui_lines_free(struct ui_lines *l)
{
    free(l->text);
    free(l->spans);
    free(l->lines);
    memset(l, 0, sizeof *l);
}

void ui_lines_new(struct ui_lines *l)
{
    if (!reserve((void **)&l->lines, &l->lcap, l->n + 1, sizeof *l->lines))
        return;
    l->lines[l->n++] = (struct ui_line){l->nspans, 0};
}

void ui_lines_add(struct ui_lines *l, attr_t attr, const char *s, size_t len)
{
    if (!l->n)
        ui_lines_new(l);
    if (!l->n || len > UINT32_MAX - l->tlen ||
        !reserve((void **)&l->text, &l->tcap, l->tlen + len + 1, 1) ||
        !reserve((void **)&l->spans, &l->scap, l->nspans + 1, sizeof *l->spans))
        return;
    memcpy(l->text + l->tlen, s, len);
    l->spans[l->nspans++] = (struct ui_span){attr, (uint32_t)l->tlen, (uint32_t)len};
    l->tlen += len;
    l->lines[l->n - 1].count++;
}

void ui_lines_str(struct ui_lines *l, attr_t attr, const char *s)
{
    ui_lines_add(l, attr, s, strlen(s));
}

void ui_lines_addf(struct ui_lines *l, attr_t attr, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        ui_lines_add(l, attr, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void ui_lines_draw(const struct ui_lines *l, size_t top, int y, int x, int h, int w)
{
    for (int row = 0; row < h && top + (size_t)row < l->n; row++) {
        const struct ui_line *line = &l->lines[top + (size_t)row];
        int col = 0;
        for (size_t s = 0; s < line->count && col < w; s++) {
            const struct ui_span *sp = &l->spans[line->first + s];
            col += ui_put(y + row, x + col, w - col, sp->attr, l->text + sp->off, sp->len);
        }
    }
}

void ui_lines_text(const struct ui_lines *l, size_t i, char *out, size_t cap)
{
    size_t len = 0;
    if (i < l->n) {
        const struct ui_line *line = &l->lines[i];
        for (size_t s = 0; s < line->count; s++) {
            const struct ui_span *sp = &l->spans[line->first + s];
            size_t k = sp->len < cap - 1 - len ? sp->len : cap - 1 - len;
            memcpy(out + len, l->text + sp->off, k);
            len += k;
        }
    }
    out[len] = '\0';
}

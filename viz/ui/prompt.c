/* prompt.c -- the one-line prompt at the bottom (/ search, f filter,
 * w save): a small line editor with the keys a shell has taught everyone.
 *
 *   Left Right, Ctrl-B Ctrl-F   move a character (a whole UTF-8 one)
 *   Home End, Ctrl-A Ctrl-E     to the start, to the end
 *   Backspace, Delete Ctrl-D    delete before, at the cursor
 *   Ctrl-U, Ctrl-K              delete to the start, to the end
 *   Ctrl-W                      delete the word before the cursor
 *   Up Down                     earlier and later entries of this
 *                               prompt's history (the line being typed
 *                               comes back after the newest)
 *   Enter, Esc                  accept, cancel
 *
 * Every prompt starts empty; what it did last time is one Up away.  The
 * line scrolls sideways to keep the cursor on screen, and is measured in
 * columns with wcwidth(3), so wide characters fit.
 */
#include "ui/prompt.h"

#include <string.h>
#include <wchar.h>

static struct ui_history *history(struct ui *ui)
{
    return &ui->history[ui->prompt];
}

/* Bytes the line may hold (the save prompt takes a path). */
static size_t capacity(const struct ui *ui)
{
    return ui->prompt == PROMPT_SAVE ? sizeof ui->input : UI_SEARCH_MAX;
}

static bool continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

static size_t char_before(const struct ui *ui, size_t at)
{
    while (at > 0 && continuation(ui->input[--at]))
        ;
    return at;
}

static size_t char_after(const struct ui *ui, size_t at)
{
    if (at < ui->input_len)
        at++;
    while (at < ui->input_len && continuation(ui->input[at]))
        at++;
    return at;
}

/* Delete input[from..to). */
static void cut(struct ui *ui, size_t from, size_t to)
{
    memmove(ui->input + from, ui->input + to, ui->input_len - to);
    ui->input_len -= to - from;
    ui->input_cur = from;
}

static void insert(struct ui *ui, char c)
{
    if (ui->input_len + 1 >= capacity(ui))
        return;
    memmove(ui->input + ui->input_cur + 1, ui->input + ui->input_cur, ui->input_len - ui->input_cur);
    ui->input[ui->input_cur++] = c;
    ui->input_len++;
}

static void set_line(struct ui *ui, const char *s)
{
    size_t n = strlen(s);
    if (n >= capacity(ui))
        n = capacity(ui) - 1;
    memcpy(ui->input, s, n);
    ui->input_len = ui->input_cur = n;
}

/* Up (older, step -1) and Down (newer, +1) through the history. */
static void browse(struct ui *ui, int step)
{
    struct ui_history *h = history(ui);
    int pos = ui->history_pos + step; /* 0 .. h->n, where h->n is the line being typed */
    if (pos < 0 || pos > h->n)
        return;
    if (ui->history_pos == h->n) { /* leaving the line being typed: keep it */
        memcpy(ui->draft, ui->input, ui->input_len);
        ui->draft[ui->input_len] = '\0';
    }
    ui->history_pos = pos;
    set_line(ui, pos == h->n ? ui->draft : h->lines[pos]);
}

void ui_prompt_start(struct ui *ui, enum ui_prompt p)
{
    ui->prompt = p;
    ui->input_len = ui->input_cur = 0;
    ui->history_pos = history(ui)->n;
}

/* Remember an accepted line (not a repeat of the newest). */
static void remember(struct ui *ui)
{
    struct ui_history *h = history(ui);
    if (!ui->input_len || (h->n && strcmp(h->lines[h->n - 1], ui->input) == 0))
        return;
    if (h->n == UI_HISTORY) {
        memmove(h->lines[0], h->lines[1], sizeof h->lines[0] * (UI_HISTORY - 1));
        h->n--;
    }
    memcpy(h->lines[h->n], ui->input, ui->input_len + 1);
    h->n++;
}

enum ui_prompt_result ui_prompt_key(struct ui *ui, int key)
{
    switch (key) {
    case 27:
        ui->prompt = PROMPT_NONE;
        return PROMPT_CANCELLED;
    case '\n': case '\r': case KEY_ENTER:
        ui->input[ui->input_len] = '\0';
        remember(ui);
        return PROMPT_ACCEPTED;
    case KEY_LEFT: case 2:
        ui->input_cur = char_before(ui, ui->input_cur);
        break;
    case KEY_RIGHT: case 6:
        ui->input_cur = char_after(ui, ui->input_cur);
        break;
    case KEY_HOME: case 1:
        ui->input_cur = 0;
        break;
    case KEY_END: case 5:
        ui->input_cur = ui->input_len;
        break;
    case KEY_BACKSPACE: case 127: case 8:
        cut(ui, char_before(ui, ui->input_cur), ui->input_cur);
        break;
    case KEY_DC: case 4:
        cut(ui, ui->input_cur, char_after(ui, ui->input_cur));
        break;
    case 21: /* Ctrl-U */
        cut(ui, 0, ui->input_cur);
        break;
    case 11: /* Ctrl-K */
        ui->input_len = ui->input_cur;
        break;
    case 23: { /* Ctrl-W: spaces before the cursor, then the word */
        size_t at = ui->input_cur;
        while (at > 0 && ui->input[at - 1] == ' ')
            at--;
        while (at > 0 && ui->input[at - 1] != ' ')
            at--;
        cut(ui, at, ui->input_cur);
        break;
    }
    case KEY_UP:
        browse(ui, -1);
        break;
    case KEY_DOWN:
        browse(ui, +1);
        break;
    default:
        /* a byte of text (UTF-8 comes a byte at a time from getch) */
        if (key >= 0x20 && key < 0x100 && key != 0x7F)
            insert(ui, (char)key);
        break;
    }
    return PROMPT_EDITING;
}

/* Columns of s[0..len) on screen. */
static int columns(const char *s, size_t len)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    int cols = 0;
    for (size_t i = 0; i < len;) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s + i, len - i, &st);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            memset(&st, 0, sizeof st);
            cols += 4; /* ui_put shows a bad byte as \xNN */
            i++;
            continue;
        }
        int w = wcwidth(wc);
        cols += w < 0 ? 4 : w;
        i += n;
    }
    return cols;
}

void ui_prompt_draw(struct ui *ui, int y, const char *label, const char *hint)
{
    attr_t bar = ui_attr(ROLE_BAR);
    int x = ui_put(y, 0, COLS, bar | A_BOLD, label, strlen(label));
    if (!ui->input_len && hint) {
        ui_put(y, x, 1, ui_attr(ROLE_SELECTED), " ", 1);
        ui_put(y, x + 1, COLS - x - 1, bar, hint, strlen(hint));
        return;
    }
    int room = COLS - x - 1;
    if (room < 1)
        return;
    /* Scroll so the cursor stays in view: drop characters from the left. */
    size_t start = 0;
    while (start < ui->input_cur && columns(ui->input + start, ui->input_cur - start) > room - 1)
        start = char_after(ui, start);
    int cx = x + ui_put(y, x, room, bar, ui->input + start, ui->input_cur - start);
    size_t next = char_after(ui, ui->input_cur);
    int used = ui->input_cur < ui->input_len
                   ? ui_put(y, cx, COLS - cx, ui_attr(ROLE_SELECTED), ui->input + ui->input_cur,
                            next - ui->input_cur)
                   : ui_put(y, cx, COLS - cx, ui_attr(ROLE_SELECTED), " ", 1);
    if (next < ui->input_len)
        ui_put(y, cx + used, COLS - cx - used, bar, ui->input + next, ui->input_len - next);
}

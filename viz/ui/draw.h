/* draw.h -- what every screen draws with: colours that mean something,
 * text that is always safe to put on a terminal, and scrollable lines.
 *
 * Colour is a role ("client to server", "HTTP head bytes", "a poll
 * badge"), never a raw colour number, so NO_COLOR and monochrome terminals
 * get the same roles as bold / underline / reverse.
 */
#ifndef VIZ_UI_DRAW_H
#define VIZ_UI_DRAW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ui_role {
    ROLE_PLAIN,
    ROLE_BAR,        /* title and status bars */
    ROLE_BAR_KEY,    /* a key named in a bar */
    ROLE_HEADING,    /* column headings, pane titles */
    ROLE_SELECTED,   /* the selected row of the focused pane */
    ROLE_SELECTED_IDLE, /* the selected row of another pane */
    ROLE_DIM,        /* secondary text, escapes, pure ACKs */
    ROLE_C2S,        /* client to server */
    ROLE_S2C,        /* server to client */
    ROLE_ERROR,
    ROLE_NOTE,       /* explanations next to fields */
    ROLE_GOOD,       /* a check that passed */
    ROLE_HEX_HEAD,   /* HTTP head bytes */
    ROLE_HEX_FRAMING,/* chunk lines, frame headers, part headers, SSE field names, NULs */
    ROLE_HEX_PAYLOAD,/* the data a message carries */
    ROLE_HEX_LOWER,  /* link, IP and TCP header bytes */
    ROLE_MARK,       /* a message boundary, a search hit */
    ROLE_COUNT
};

/* Set the roles up after initscr(); colour unless NO_COLOR is set or the
 * terminal has none.  Returns whether colour is used. */
bool ui_draw_init(void);

attr_t ui_attr(enum ui_role role);
/* The badge attribute of a technique name ("poll", "ws"... or ""). */
attr_t ui_badge_attr(const char *technique);

/* Put len bytes at (y, x), in at most maxcols columns: UTF-8 is shown as
 * characters; control bytes, invalid UTF-8 and non-printable characters as
 * dim escapes (\n, \t, \r, \0, \xNN).  Returns the columns used. */
int ui_put(int y, int x, int maxcols, attr_t attr, const char *s, size_t len);
int ui_putf(int y, int x, int maxcols, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* How many bytes of s ui_put would show in maxcols columns: whole
 * characters and escapes only (draws nothing). */
size_t ui_fit(const char *s, size_t len, int maxcols);
/* As ui_put, but text that does not fit ends in "..." (in the last three
 * of the maxcols columns), so the reader sees that it was cut. */
int ui_put_clipped(int y, int x, int maxcols, attr_t attr, const char *s, size_t len);
/* Break s into lines of maxcols columns: returns the bytes of its first
 * line, which ends before the last space that fits (a word longer than a
 * line is cut where the line ends), and sets *next to where the next line
 * starts, past the spaces.  All of s (len) when it fits whole; 0 when not
 * one character fits. */
size_t ui_wrap(const char *s, size_t len, int maxcols, size_t *next);
/* Fill the rest of row y from column x with spaces in attr. */
void ui_fill(int y, int x, attr_t attr);

/* ---- lines of spans: what the detail, hex, ladder, stats and help
 * screens build and then show from a scroll position ---- */

struct ui_span {
    attr_t attr;       /* how it is drawn */
    uint32_t off, len; /* its bytes in ui_lines.text */
};

struct ui_line {
    size_t first, count; /* its spans: spans[first .. first + count) */
};

struct ui_lines {
    char *text;            /* the bytes of every span (owned) */
    size_t tlen, tcap;     /* bytes used, allocated */
    struct ui_span *spans; /* every span, line after line (owned) */
    size_t nspans, scap;
    struct ui_line *lines; /* the lines (owned) */
    size_t n, lcap;        /* lines used, allocated */
};

void ui_lines_clear(struct ui_lines *l); /* keep the memory, drop the lines */
void ui_lines_free(struct ui_lines *l);
/* Start a new line. */
void ui_lines_new(struct ui_lines *l);
/* Append to the current line (starting one when there is none). */
void ui_lines_add(struct ui_lines *l, attr_t attr, const char *s, size_t len);
void ui_lines_str(struct ui_lines *l, attr_t attr, const char *s); /* NUL-terminated */
void ui_lines_addf(struct ui_lines *l, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Lines top.. into the rectangle (y, x, h, w). */
void ui_lines_draw(const struct ui_lines *l, size_t top, int y, int x, int h, int w);
/* The text of line i without attributes, into out (NUL-terminated). */
void ui_lines_text(const struct ui_lines *l, size_t i, char *out, size_t cap);

#endif

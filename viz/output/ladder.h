/* ladder.h -- a sequence diagram of flows: its rows, built from items, and
 * the two files it is exported as (SVG for slides, plain text).
 *
 * The same rows are drawn by the UI's ladder screen (ui/ladder.c), written
 * by `E` there and by --ladder FILE on the command line.
 */
#ifndef VIZ_LADDER_H
#define VIZ_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "items/item.h"

enum ladder_kind {
    LADDER_SEGMENT, /* a TCP segment: a thin arrow */
    LADDER_MESSAGE, /* an HTTP head, frame, event...: a bold arrow */
    LADDER_ERROR    /* bytes that could not be parsed */
};

struct ladder_row {
    double t;              /* seconds since the first packet */
    double gap_s;          /* > 0: this much time passed since the row before (a pause worth a line) */
    unsigned flow;
    enum item_dir dir;
    enum ladder_kind kind;
    bool strong;           /* the note is the point (HELD, a TCP anomaly) */
    long held_row;         /* a HELD response: the row of its request, else -1 */
    size_t item;           /* index of its item in the caller's array */
    char label[280];       /* the arrow's text */
    char note[128];        /* the right-hand note: RTTs, held times, latency; or "" */
};

struct ladder {
    struct ladder_row *rows; /* owned */
    size_t n, cap;
    char client[64], server[64]; /* the lanes' names (the first flow's ends) */
    bool many_flows;         /* rows of several flows: labels say "[flow]" */
    bool cut;                /* more rows than LADDER_MAX_ROWS: the rest left out */
};

struct ladder_options {
    bool acks;              /* pure ACKs too */
    const char *client;     /* lane names ("ip:port"), or NULL: from the first `flow` item */
    const char *server;
    const double *handshake_ms; /* by flow id - 1, < 0 unknown; or NULL: found from the items */
    size_t nhandshakes;
};

enum { LADDER_MAX_ROWS = 20000 };

/* Build rows from items (borrowed, in capture order: the selected flows'
 * items, `flow` items and flow 0 are passed over).  0, or -1 when out of
 * memory.  ladder_free() after either. */
int ladder_build(struct ladder *l, const struct item *const *items, size_t n, const struct ladder_options *o);
void ladder_free(struct ladder *l);

/* Write it as SVG 1.1 (a standalone file that scales to any width: a
 * viewBox, text in the browser's sans-serif) or as plain UTF-8 text
 * `width` columns wide.  0, or -1 when the stream failed. */
int ladder_write_svg(const struct ladder *l, FILE *out);
int ladder_write_text(const struct ladder *l, FILE *out, int width);

/* Does path name an SVG file (".svg")?  Else it gets text. */
bool ladder_path_is_svg(const char *path);

/* The arrow of a row in text, w columns between the lanes' bars:
 * "|== GET /poll ===>|" or "|<--- ACK ---|", its label cut to fit
 * (counted in columns, wcwidth(3)); into out, NUL-terminated. */
void ladder_arrow_text(const struct ladder_row *r, int w, char *out, size_t cap);

/* Columns the UTF-8 text s[0..len) takes on a terminal. */
int ladder_columns(const char *s, size_t len);

#endif

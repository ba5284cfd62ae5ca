/* common.h -- the base every screen uses: the UI's state and the helpers
 * that read it (selection, cursors, direction arrows, the status notice).
 *
 * One state variable picks the screen (as in ncdu and htop); each screen
 * module draws from the model and handles the keys that are its own,
 * and keys.c dispatches.  The model (model.h) owns the data and this
 * struct owns the selections.  The conductor (ui.c), the key dispatcher
 * and every screen include this file; it includes none of them, so calls
 * run one way: ui.c -> keys.c -> screens -> common.c.
 */
#ifndef VIZ_UI_COMMON_H
#define VIZ_UI_COMMON_H

#include "capture/capture.h"
#include "ui/draw.h"
#include "ui/model.h"

struct engine;     /* engine.h: only ui.c drives it */
struct ui_options; /* ui.h: only ui.c reads them */

enum ui_screen {
    SCREEN_MAIN,   /* flows, messages and detail panes */
    SCREEN_HEX,    /* bytes of the selected message's packets */
    SCREEN_LADDER, /* sequence diagram of the selected flow (or of its client) */
    SCREEN_STATS,  /* per-technique comparison */
    SCREEN_HELP    /* every key */
};

enum ui_pane { PANE_FLOWS, PANE_MESSAGES, PANE_DETAIL, PANE_COUNT };

/* What a one-line prompt at the bottom is asking for. */
enum ui_prompt { PROMPT_NONE, PROMPT_SEARCH, PROMPT_FILTER, PROMPT_SAVE };

/* A list's cursor: selected row and first row on screen. */
struct ui_cursor {
    size_t sel, top;
};

struct ui {
    struct ui_model model;     /* items, frames, flows */
    struct capture *cap;       /* borrowed from main */
    struct engine *eng;        /* borrowed from main */
    const struct ui_options *opt; /* borrowed from main */
    volatile int *quit;        /* set by main's signal handler */
    bool done;                 /* q was pressed */
    bool input_ended;          /* the file was read to its end (or the capture failed) */
    char input_error[PCAP_ERRBUF_SIZE + 64]; /* why the input ended early, or "" */

    enum ui_screen screen;     /* what is on show */
    enum ui_screen help_from;  /* the screen ? was pressed on */
    enum ui_pane focus;        /* the main screen's pane that takes the keys */
    struct ui_cursor flows, messages; /* rows of ui->shown, of the flow's messages */
    size_t detail_top, hex_top, ladder_top, stats_top, help_top; /* scroll positions */
    bool follow;               /* keep the newest message selected as items arrive */
    bool ladder_client;        /* the ladder shows every flow of the selected flow's client */
    bool ladder_acks;          /* the ladder shows pure ACKs too */

    struct ui_index shown;     /* flow ids that pass the filter, in order (rebuilt per draw) */
    char filter[UI_SEARCH_MAX];/* technique name or flow number, or "" */
    char search[UI_SEARCH_MAX];/* last search text */

    enum ui_prompt prompt;     /* what the bottom line asks for, if anything */
    char input[UI_SEARCH_MAX + 256]; /* what is being typed */
    size_t input_len;          /* bytes typed */

    char notice[200];          /* a transient message for the status line */
    int64_t notice_until_ns;   /* shown until this monotonic time */

    /* --realtime replay */
    bool realtime, paused;     /* --realtime given (and a file); space pressed */
    double speed;              /* capture seconds per wall second */
    double clock;              /* replay position, seconds since the first packet */
    int64_t wall_ns;           /* monotonic time of the last clock step */

    /* geometry of the main screen's panes, for mouse clicks (first row of
     * items and rows shown) */
    int pane_y[PANE_COUNT], pane_h[PANE_COUNT];

    struct ui_lines lines;     /* scratch for the screen being drawn */
};

/* ---- helpers (common.c) ---- */
int64_t ui_now_ns(void);
void ui_notice(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The selected flow, or NULL. */
struct ui_flow *ui_selected_flow(struct ui *ui);
/* The selected item of the messages pane, or NULL. */
const struct item *ui_selected_item(struct ui *ui);
/* Move a cursor by delta rows within n rows shown h at a time. */
void ui_cursor_move(struct ui_cursor *c, long delta, size_t n, int h);
/* Keep a scroll position within n lines shown h at a time. */
size_t ui_scroll_clamp(size_t top, size_t n, int h);
/* A row's direction arrow and its role. */
const char *ui_dir_arrow(enum item_dir dir);
attr_t ui_dir_attr(enum item_dir dir);

#endif

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

#include <limits.h>

#include "capture/capture.h"
#include "ui/draw.h"
#include "ui/model.h"

struct engine;     /* engine.h: only ui.c drives it */
struct filter;     /* filter/filter.h: flow_filter.c applies it */
struct ui_options; /* ui.h: only ui.c reads them */

enum ui_screen {
    SCREEN_MAIN,   /* flows, messages and detail panes */
    SCREEN_HEX,    /* bytes of the selected message's packets */
    SCREEN_LADDER, /* sequence diagram of the selected flow (or of its client) */
    SCREEN_STATS,  /* per-technique comparison */
    SCREEN_STREAM, /* the selected flow's bytes as text, both directions (follow stream) */
    SCREEN_HELP    /* every key */
};

enum ui_pane { PANE_FLOWS, PANE_MESSAGES, PANE_DETAIL, PANE_COUNT };

/* What a one-line prompt at the bottom is asking for. */
enum ui_prompt { PROMPT_NONE, PROMPT_SEARCH, PROMPT_FILTER, PROMPT_SAVE, PROMPT_EXPORT, PROMPT_KINDS };

/* What a key did to a prompt. */
enum ui_prompt_result { PROMPT_EDITING, PROMPT_ACCEPTED, PROMPT_CANCELLED };

/* The lines a prompt accepted, oldest first. */
struct ui_history {
    char lines[UI_HISTORY][UI_SEARCH_MAX + 256];
    int n;
};

/* Per flow, for the filter: items tested so far, and whether one matched. */
struct ui_filter_seen {
    size_t tested;
    bool match;
};

/* The flows pane's sort column (o), in the order of its columns. */
enum ui_sort {
    SORT_ID, SORT_TECHNIQUE, SORT_ENDPOINTS, SORT_STATE, SORT_DURATION, SORT_PACKETS, SORT_UP,
    SORT_DOWN, SORT_OVERHEAD, SORT_HANDSHAKE, SORT_KEYS
};

/* What the time column of the messages pane counts. */
enum ui_time_mode { TIME_RELATIVE, TIME_DELTA, TIME_WALL, TIME_MODES };

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
    char input_error[PCAP_ERRBUF_SIZE + PATH_MAX + 64]; /* why the input ended early, or "" */

    enum ui_screen screen;     /* what is on show */
    enum ui_screen help_from;  /* the screen ? was pressed on */
    enum ui_pane focus;        /* the main screen's pane that takes the keys */
    struct ui_cursor flows, messages; /* rows of ui->shown, of the flow's messages */
    size_t detail_top, hex_top, ladder_top, stats_top, help_top, stream_top; /* scroll positions */
    bool follow;               /* keep the newest message selected as items arrive */
    bool ladder_client;        /* the ladder shows every flow of the selected flow's client */
    bool ladder_acks;          /* the ladder shows pure ACKs too */
    size_t ladder_sel;         /* the ladder's cursor row */
    size_t ladder_nrows;       /* rows in the ladder last drawn */
    bool ladder_jump;          /* put the cursor on the selected message at the next draw */

    struct ui_index shown;     /* flow ids that pass the filter, in order (rebuilt per draw) */
    char filter[UI_SEARCH_MAX];/* the filter expression as typed, or "" */
    struct filter *filter_expr;/* compiled, or NULL: every flow (owned) */
    struct ui_filter_seen *filter_seen; /* by flow id - 1 (owned) */
    size_t filter_seen_n;      /* entries allocated */
    char search[UI_SEARCH_MAX];/* last search text */
    bool *marks;               /* by model item index: marked with m (owned) */
    size_t nmarks;             /* entries allocated */
    enum ui_time_mode time_mode; /* T */
    enum ui_sort sort;         /* o: the flows pane's order */
    bool sort_reverse;         /* O: ... turned round */

    enum ui_prompt prompt;     /* what the bottom line asks for, if anything */
    char input[UI_SEARCH_MAX + 256]; /* what is being typed */
    size_t input_len;          /* bytes typed */
    size_t input_cur;          /* the cursor: a byte offset at a character's start */
    struct ui_history history[PROMPT_KINDS]; /* per prompt */
    int history_pos;           /* entry shown; history[].n: the line being typed */
    char draft[UI_SEARCH_MAX + 256]; /* the line being typed, while the history is browsed */
    char save_default[64];     /* the file an empty save (or export) prompt writes */

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

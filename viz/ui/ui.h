/* ui.h -- the interactive front end's entry point (the ncurses UI).
 *
 * pushviz.c opens the capture and creates the engine, then, when neither
 * --dump nor --json was asked for and stdout is a terminal, hands both to
 * ui_run().  The UI owns the loop from there: it takes the engine's items
 * over with engine_set_sink(), polls capture_fd() (live) alongside the
 * keyboard, and moves packets along with capture_dispatch(), keeping a
 * copy of each frame (for the hex view and `w`) before the engine's
 * handler sees it.  It renders items with item_summary() and the fields
 * of each item, and parses nothing itself.  At the end of input it calls
 * engine_finish().  It returns the program's exit status: 0, or 1 when
 * the input turned out truncated or corrupt.  The screens are described
 * in ui/common.h.
 *
 * The ui/ folder owns the terminal: this conductor (ui.c), the key
 * dispatcher (keys.c), one file per screen (flow_list.c, messages.c,
 * detail.c, hex.c, ladder.c, stats_screen.c), `w` (save.c), the model
 * (model.c), curses drawing (draw.c) and the base every screen uses
 * (common.c).  Calls run one way: ui.c -> keys.c -> screens -> common.c,
 * model.c, draw.c, never back up.  It may call the engine, output/,
 * items/ and capture/; only pushviz.c calls it (docs/design.md, "Which
 * folder may include which").
 */
#ifndef VIZ_UI_H
#define VIZ_UI_H

#include "capture/capture.h"
#include "engine.h"

struct ui_options {
    const char *source;    /* what is shown: "lo" or the file name */
    const char *demo_note; /* --demo-note text for the status line, or NULL */
    bool stats;            /* --stats was given */
    bool realtime;         /* --realtime: replay a file at capture speed */
    bool reads_stdin;      /* -r -: the capture comes on stdin, keys from the terminal */
};

/* volatile flag the program's signal handler sets to ask the UI to quit. */
int ui_run(struct capture *cap, struct engine *eng, const struct ui_options *opt,
           volatile int *quit);

#endif

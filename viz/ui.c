/* ui.c -- the interactive front end, not built yet (issue 7 provides the
 * ncurses UI behind this entry point).  Until then it says so and points
 * to the modes that work. */
#include "ui.h"

#include <stdio.h>

int ui_run(struct capture *cap, struct engine *eng, const struct ui_options *opt,
           volatile int *quit)
{
    (void)cap;
    (void)eng;
    (void)opt;
    (void)quit;
    fprintf(stderr, "pushviz: the interactive ncurses UI is not built yet; "
                    "use --dump or --json (see pushviz --help)\n");
    return 2;
}

/* stats_screen.h -- the stats view (stats_screen.c). */
#ifndef VIZ_UI_STATS_SCREEN_H
#define VIZ_UI_STATS_SCREEN_H

#include "ui/common.h"

/* The stats view's lines; passed_over (engine_passed_over's sentence, or
 * NULL) goes under the tables. */
void ui_stats_build(struct ui *ui, struct ui_lines *out, const char *passed_over);

#endif

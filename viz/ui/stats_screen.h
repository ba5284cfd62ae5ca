/* stats_screen.h -- the stats view (stats_screen.c). */
#ifndef VIZ_UI_STATS_SCREEN_H
#define VIZ_UI_STATS_SCREEN_H

#include "ui/common.h"

void ui_stats_build(struct ui *ui, struct ui_lines *out);

#endif

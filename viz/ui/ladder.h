/* ladder.h -- the ladder view (ladder.c). */
#ifndef VIZ_UI_LADDER_H
#define VIZ_UI_LADDER_H

#include "ui/common.h"

void ui_ladder_build(struct ui *ui, struct ui_lines *out);

#endif

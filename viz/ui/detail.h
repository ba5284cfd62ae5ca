/* detail.h -- the detail pane (detail.c). */
#ifndef VIZ_UI_DETAIL_H
#define VIZ_UI_DETAIL_H

#include "ui/common.h"

void ui_detail_build(struct ui *ui, const struct item *it, struct ui_lines *out);
void ui_detail_draw(struct ui *ui, int y, int h);

#endif

/* ladder.h -- the ladder view (ladder.c). */
#ifndef VIZ_UI_LADDER_H
#define VIZ_UI_LADDER_H

#include "ui/common.h"

/* The ladder's lines, h of them on screen: keeps the cursor row in view
 * (ui->ladder_top) and selects its item in the messages pane. */
void ui_ladder_build(struct ui *ui, struct ui_lines *out, int h);
/* Move the cursor by delta rows (LONG_MIN, LONG_MAX: to the ends). */
void ui_ladder_move(struct ui *ui, long delta);
/* `E`: write the ladder on show to path (SVG for ".svg", else text),
 * created through the capture's saver.  0 with the full path in full and
 * "N rows" in err, or -1 with the reason in err. */
int ui_ladder_export(struct ui *ui, const char *path, char *full, size_t fullcap, char *err, size_t errcap);

#endif

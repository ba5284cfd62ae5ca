/* keys.h -- every key and the help view (keys.c). */
#ifndef VIZ_UI_KEYS_H
#define VIZ_UI_KEYS_H

#include "ui/common.h"

void ui_key(struct ui *ui, int key);
/* The help view, for a screen cols wide: long descriptions wrap under themselves. */
void ui_help_build(struct ui_lines *out, int cols);

#endif

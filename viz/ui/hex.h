/* hex.h -- the hex view (hex.c). */
#ifndef VIZ_UI_HEX_H
#define VIZ_UI_HEX_H

#include "ui/common.h"

void ui_hex_build(struct ui *ui, const struct item *it, struct ui_lines *out);

#endif

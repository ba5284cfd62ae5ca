/* messages.h -- the messages pane (messages.c). */
#ifndef VIZ_UI_MESSAGES_H
#define VIZ_UI_MESSAGES_H

#include "ui/common.h"

void ui_messages_draw(struct ui *ui, int y, int h);

#endif

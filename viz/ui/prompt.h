/* prompt.h -- the one-line prompt at the bottom and its editing keys (prompt.c). */
#ifndef VIZ_UI_PROMPT_H
#define VIZ_UI_PROMPT_H

#include "ui/common.h"

void ui_prompt_start(struct ui *ui, enum ui_prompt p); /* an empty line */
/* A key while a prompt is open; on PROMPT_ACCEPTED ui->input is the line
 * (NUL-terminated) and ui->prompt still says which prompt it was. */
enum ui_prompt_result ui_prompt_key(struct ui *ui, int key);
/* The prompt on row y: label, the line with its cursor (or, empty, the hint). */
void ui_prompt_draw(struct ui *ui, int y, const char *label, const char *hint);

#endif

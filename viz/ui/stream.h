/* stream.h -- the follow-stream view (stream.c). */
#ifndef VIZ_UI_STREAM_H
#define VIZ_UI_STREAM_H

#include "ui/common.h"

/* The selected flow's payload bytes as text lines, both directions. */
void ui_stream_build(struct ui *ui, struct ui_lines *out);

#endif

/* flow_filter.h -- which flows the flows pane lists (flow_filter.c). */
#ifndef VIZ_UI_FLOW_FILTER_H
#define VIZ_UI_FLOW_FILTER_H

#include "ui/common.h"

/* Filter by text (an expression, a technique, a flow number; "" = none).
 * 0, or -1 with the reason and column in err (the filter is unchanged). */
int ui_filter_set(struct ui *ui, const char *text, char *err, size_t errcap);
/* Has one of the flow's revealed items matched the filter (or is there none)? */
bool ui_filter_flow_passes(struct ui *ui, const struct ui_flow *f);
void ui_filter_free(struct ui *ui);

#endif

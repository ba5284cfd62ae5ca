/* flow_list.h -- the flows pane (flow_list.c). */
#ifndef VIZ_UI_FLOW_LIST_H
#define VIZ_UI_FLOW_LIST_H

#include "ui/common.h"

/* ui->shown from the filter. */
void ui_flows_rebuild(struct ui *ui);
void ui_flows_draw(struct ui *ui, int y, int h);

#endif

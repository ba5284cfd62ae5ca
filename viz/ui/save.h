/* save.h -- `w`: the kept frames to a pcap file (save.c). */
#ifndef VIZ_UI_SAVE_H
#define VIZ_UI_SAVE_H

#include <stddef.h>

#include "ui/model.h"

/* Write every kept frame to path as a pcap file; 0, or -1 with err set. */
int ui_save_pcap(const struct ui_model *m, const char *path, char *err, size_t errcap);

#endif

/* save.h -- `w`: the kept frames to a pcap file (save.c). */
#ifndef VIZ_UI_SAVE_H
#define VIZ_UI_SAVE_H

#include <stddef.h>

#include "ui/common.h"

/* Write the kept frames (with a filter on, those of the flows shown) to
 * path as a pcap file, created through the capture's saver; 0 with the
 * file's full path in full and the packets written in *saved, or -1 with
 * err set. */
int ui_save_pcap(struct ui *ui, const char *path, char *full, size_t fullcap, char *err, size_t errcap,
                 size_t *saved);

#endif

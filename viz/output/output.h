/* output.h -- the two text renderings of items: --json and --dump.
 *
 * Both write one line per item to a stdio stream and never need a terminal.
 * The human line's text (without time, flow and direction columns) comes
 * from item_summary(), which the ncurses UI uses for its list as well.
 *
 * The output/ folder owns items as text.  It reads items/ and calls
 * nothing else of viz; pushviz.c and ui/ call it (docs/design.md, "Which
 * folder may include which").
 */
#ifndef VIZ_OUTPUT_H
#define VIZ_OUTPUT_H

#include <stdio.h>

#include "items/item.h"

/* One JSON object per line, exactly as DESIGN.md "JSON lines" says:
 * "t", "flow", "type", then "dir", the fields in order, and "offset". */
void output_json(FILE *out, const struct item *it);

/* output_json keeps lines in a buffer of its own and hands them to stdio
 * a buffer-full at a time, for speed.  This hands over what is left: call
 * it before anything else writes to the same stream (a live capture after
 * each batch of packets, so lines appear as they happen).  It also runs by
 * itself at exit. */
void output_json_flush(void);

/* One aligned human line: time, flow, direction, type, summary. */
void output_dump(FILE *out, const struct item *it);

/* The one-line summary of an item ("GET /poll?since=3 HTTP/1.1", "text
 * fin len=52 \"{...}\"") written into out[0..cap), NUL-terminated, cut to
 * fit.  Non-printable bytes appear as '.'.  Returns the length written. */
size_t item_summary(const struct item *it, char *out, size_t cap);

#endif

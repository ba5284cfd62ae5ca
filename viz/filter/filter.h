/* filter.h -- display filter expressions over items (-Y, and `f` in the UI).
 *
 *   struct filter *f = filter_compile("technique == ws and opcode == text", &fe);
 *   if (!f) show fe.message at column fe.pos;
 *   ...
 *   if (filter_match(f, item, &flow_facts)) show the item;
 *   filter_free(f);
 *
 * The language (the man page, pushviz(1) "DISPLAY FILTERS", has the
 * examples):
 *   expr   := expr "or" expr | expr "and" expr | "not" expr | "(" expr ")"
 *           | FIELD OP VALUE | FIELD
 *   OP     := == != < > <= >= ~        ("~": case-insensitive regular
 *                                       expression, so a plain word is a
 *                                       substring)
 *   FIELD  := technique flow port host method path status opcode dir text
 *             latency_ms bytes type
 *   VALUE  := a number, a word, or "a quoted string" (\" and \\ inside)
 * "&&", "||" and "!" may stand for and, or, not; "=" for "==".  A field
 * alone is true when the item has it.  A comparison with a field the item
 * does not have is false, "!=" included (as in Wireshark): `method != GET`
 * matches requests of other methods, not every TCP segment.
 */
#ifndef VIZ_FILTER_H
#define VIZ_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "items/item.h"

/* What the filter knows of an item's flow beyond the item itself (any may
 * be NULL: unknown).  Borrowed for the call. */
struct filter_flow {
    const char *technique; /* the flow's technique so far ("poll", "ws"...) */
    const char *client;    /* "ip:port" */
    const char *server;
};

/* Why an expression was refused: a message and where. */
struct filter_error {
    char message[200]; /* "unknown field 'methd'" */
    size_t pos;        /* byte offset of the token it is about */
    size_t len;        /* and its length (at least 1) */
};

struct filter;

/* Compile expr (NUL-terminated, at most FILTER_MAX bytes).  NULL with err
 * filled when it is not a valid expression or out of memory.  An empty or
 * blank expression is refused too: the caller means "no filter". */
struct filter *filter_compile(const char *expr, struct filter_error *err);
enum { FILTER_MAX = 1024 };

/* Does it pass?  flow may be NULL. */
bool filter_match(const struct filter *f, const struct item *it, const struct filter_flow *flow);

/* Does f look at the flow's client or server (host, port)?  Making their
 * "ip:port" text for every item costs more than the rest of a test, so a
 * caller that would make it for the call asks first. */
bool filter_needs_endpoints(const struct filter *f);

/* The expression as given (borrowed from f). */
const char *filter_text(const struct filter *f);

void filter_free(struct filter *f);

#endif

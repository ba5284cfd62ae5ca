/* emitter.h -- how the engine's parts hand items on: the sink the program
 * chose, and the capture's first timestamp, from which every item's `t`
 * is measured. */
#ifndef VIZ_EMITTER_H
#define VIZ_EMITTER_H

#include "items/item.h"

struct emitter {
    item_sink sink;  /* where items go */
    void *ctx;       /* the sink's context */
    int64_t t0_ns;   /* capture time of the first packet */
};

static inline void emit_item(const struct emitter *e, struct item *it)
{
    it->t = (double)(it->ts_ns - e->t0_ns) / 1e9;
    e->sink(e->ctx, it);
}

#endif

/* emitter.h -- how the engine's parts hand items on: the sink the program
 * chose, the capture's first timestamp, from which every item's `t` is
 * measured, and (while text read out of compressed bytes is dissected)
 * where on the wire the items made from it lie. */
#ifndef VIZ_EMITTER_H
#define VIZ_EMITTER_H

#include "items/item.h"

struct emitter {
    item_sink sink;  /* where items go */
    void *ctx;       /* the sink's context */
    int64_t t0_ns;   /* capture time of the first packet */
    /* Set on a copy while inflated text is read (a compressed WebSocket
     * frame's): a byte of it has no place of its own on the wire, so each
     * item made from it covers the compressed bytes that carried it. */
    bool placed;
    uint64_t place_offset, place_length;
};

static inline void emit_item(const struct emitter *e, struct item *it)
{
    it->t = (double)(it->ts_ns - e->t0_ns) / 1e9;
    if (e->placed)
        item_set_range(it, e->place_offset, e->place_length);
    e->sink(e->ctx, it);
}

#endif

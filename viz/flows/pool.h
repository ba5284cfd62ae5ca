/* pool.h -- records of one size for the flow table, taken from and given
 * back to a free list, carved from large pages.
 *
 * A replay starts and ends flows by the hundred thousand, each with a
 * struct flow, a struct dissect and a struct half per direction that
 * speaks.  Why not malloc and free:
 *  - given back to malloc, they left its free lists so cut up that every
 *    later calloc searched them (a fifth of the run time); here a record
 *    given back is the next one taken, still warm in the cache;
 *  - 200,000 open flows are some 130 MB of records touched in no order.
 *    With 4 KiB pages each touch may miss the TLB (the processor's cache
 *    of page addresses) and walk the page tables first; the records here
 *    sit in 2 MiB slabs the kernel is asked to back with huge pages
 *    (madvise MADV_HUGEPAGE, transparent huge pages), so one TLB entry
 *    covers 512 times as much, and a slab costs one page fault, not 512.
 *    A pool's first 64 KiB are in small pages: a huge one is zeroed
 *    whole, which a capture of a few flows would pay for nothing
 *    (memory/pages.h, PAGES_SMALL_ENOUGH).
 * Where the kernel gives no huge pages the slabs work the same, slower.
 *
 * Memory is never handed back before pool_free: it is bounded by the most
 * records in use at once (the flow table bounds that, VIZ_MAX_FLOWS).
 */
#ifndef VIZ_POOL_H
#define VIZ_POOL_H

#include <stddef.h>

struct pool_slab; /* one 2 MiB slab (private) */

struct pool {
    size_t size;             /* bytes of a record (at least a pointer) */
    void *free;              /* records given back: a list through their first bytes */
    char *carve, *carve_end; /* the unused rest of the newest slab */
    struct pool_slab *slabs; /* every slab, newest first (owned) */
};

/* An empty pool of records of `size` bytes (at most a slab's). */
void pool_init(struct pool *p, size_t size);
/* A record, its bytes undefined; NULL when out of memory. */
void *pool_take(struct pool *p);
/* Give back a record taken from p: it is the next one taken. */
void pool_give(struct pool *p, void *record);
/* Unmap every slab: all records of p are gone. */
void pool_free(struct pool *p);

/* `bytes` of zeroed memory, in huge pages where the kernel allows when
 * it is more than PAGES_SMALL_ENOUGH (a large table; a smaller one is
 * malloc's), or NULL; give it back with pool_unmap and the same size. */
void *pool_map(size_t bytes);
void pool_unmap(void *mem, size_t bytes);

#endif

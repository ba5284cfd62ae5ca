/* pool.c -- fixed-size records carved from 2 MiB slabs in huge pages,
 * with a free list (see pool.h for why).
 *
 * A slab is one huge page's worth of memory (memory/pages.h).  Its first
 * bytes hold the link to the previous slab; records follow from the next
 * cache line, so a record whose size is a multiple of a line (struct
 * flow) takes no more lines than it must.
 *
 * Under AddressSanitizer (make sanitize) a record not taken is poisoned,
 * so a use after pool_give is caught as a use after free() would be; the
 * ASAN_ macros do nothing in other builds.
 */
#include "flows/pool.h"

#include <sanitizer/asan_interface.h>
#include <stdlib.h>

#include "memory/pages.h"
#include "pushlab.h"

#define SLAB_BYTES PAGES_HUGE /* a slab is one huge page */

struct pool_slab {
    struct pool_slab *next; /* the slab made before it */
};

/* Records are aligned as malloc's would be. */
static size_t round_up(size_t n)
{
    size_t a = _Alignof(max_align_t);
    return (n + a - 1) / a * a;
}

void *pool_map(size_t bytes)
{
    if (bytes <= PAGES_SMALL_ENOUGH) /* malloc's small pages, no system call */
        return calloc(1, bytes);
    return pages_map(bytes, true);
}

void pool_unmap(void *mem, size_t bytes)
{
    if (bytes <= PAGES_SMALL_ENOUGH)
        free(mem);
    else
        pages_unmap(mem, bytes);
}

void pool_init(struct pool *p, size_t size)
{
    p->size = round_up(size < sizeof(void *) ? sizeof(void *) : size);
    p->free = NULL;
    p->carve = p->carve_end = NULL;
    p->slabs = NULL;
}

void *pool_take(struct pool *p)
{
    if (p->free) {
        void *r = p->free;
        p->free = *(void **)r;
        ASAN_UNPOISON_MEMORY_REGION(r, p->size);
        return r;
    }
    if ((size_t)(p->carve_end - p->carve) < p->size) {
        /* The first slab in small pages, and only its first
         * PAGES_SMALL_ENOUGH carved: a small capture touches a few pages
         * of it, where a huge page is zeroed whole (2 MiB); a larger one
         * goes on in huge pages instead of faulting in 512 small ones. */
        bool first = p->slabs == NULL;
        struct pool_slab *s = pages_map(SLAB_BYTES, !first);
        if (!s)
            return NULL;
        s->next = p->slabs;
        p->slabs = s;
        p->carve = (char *)s + VIZ_CACHE_LINE; /* the slab's link, then records from a line's start */
        p->carve_end = (char *)s + (first ? PAGES_SMALL_ENOUGH : SLAB_BYTES);
        ASAN_POISON_MEMORY_REGION(p->carve, (size_t)(p->carve_end - p->carve));
    }
    void *r = p->carve;
    p->carve += p->size;
    ASAN_UNPOISON_MEMORY_REGION(r, p->size);
    return r;
}

void pool_give(struct pool *p, void *record)
{
    *(void **)record = p->free;
    p->free = record;
    ASAN_POISON_MEMORY_REGION((char *)record + sizeof(void *), p->size - sizeof(void *));
}

void pool_free(struct pool *p)
{
    while (p->slabs) {
        struct pool_slab *s = p->slabs;
        p->slabs = s->next;
        ASAN_UNPOISON_MEMORY_REGION(s, SLAB_BYTES); /* the mapping goes: no stale poison */
        pool_unmap(s, SLAB_BYTES);
    }
    pool_init(p, p->size);
}

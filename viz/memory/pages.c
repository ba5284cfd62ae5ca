/* pages.c -- 2 MiB-aligned mappings, in huge pages where allowed (see
 * pages.h for why).
 *
 * A huge page must start at a 2 MiB boundary, and mmap(2) promises only
 * 4 KiB ones: so the size plus 2 MiB is mapped, and what lies outside the
 * aligned part is unmapped again.  Linux: mmap(2), madvise(2), and the
 * kernel's Documentation/admin-guide/mm/transhuge.
 */
#include "memory/pages.h"

#include <stdint.h>
#include <sys/mman.h>

static size_t rounded(size_t bytes)
{
    return (bytes + PAGES_HUGE - 1) / PAGES_HUGE * PAGES_HUGE;
}

void *pages_map(size_t bytes, bool huge)
{
    size_t size = rounded(bytes);
    char *raw = mmap(NULL, size + PAGES_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    char *mem = (char *)(((uintptr_t)raw + PAGES_HUGE - 1) & ~(uintptr_t)(PAGES_HUGE - 1));
    if (mem > raw)
        munmap(raw, (size_t)(mem - raw));
    munmap(mem + size, (size_t)(raw + size + PAGES_HUGE - (mem + size)));
    if (huge)
        madvise(mem, size, MADV_HUGEPAGE); /* a hint: without it the pages are small */
    return mem;                            /* anonymous memory starts zeroed */
}

void pages_unmap(void *mem, size_t bytes)
{
    if (mem)
        munmap(mem, rounded(bytes));
}

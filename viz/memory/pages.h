/* pages.h -- memory mapped straight from the kernel at 2 MiB boundaries,
 * in huge pages where the kernel allows (transparent huge pages, asked
 * for with madvise MADV_HUGEPAGE).
 *
 * Why not malloc, for the large things a replay touches all over (the
 * flow table's records and index, the block a capture file is read
 * in, the block JSON lines are built in):
 *  - the first touch of each page is a page fault.  In a virtual machine
 *    a fault is dear: on the development VM 10 us each, so a 1 MiB buffer
 *    in 4 KiB pages cost 256 of them (2.6 ms) before it held a byte, and
 *    a 2 MiB huge page costs one (0.13-0.17 ms, zeroing included);
 *  - one TLB entry (the processor's cache of page addresses) covers 512
 *    times as much memory, so records touched in no order miss it less.
 * Where the kernel gives no huge pages the memory works the same, with
 * more faults.
 */
#ifndef VIZ_PAGES_H
#define VIZ_PAGES_H

#include <stdbool.h>
#include <stddef.h>

#define PAGES_HUGE ((size_t)2 << 20) /* one huge page on x86-64 and arm64 */

/* Up to this much memory is cheaper in small pages, beyond it in a huge
 * one.  A huge page is one fault that zeroes 2 MiB (0.13-0.17 ms on the
 * development VM), a small page one fault each (10 us there; on bare
 * metal both are cheaper, in about the same ratio): 16 small ones cost as
 * much as a huge one.  Memory that may stay mostly unused (a small
 * capture's first records, its first index array) stays below it; memory
 * touched all over beyond it goes in huge pages: a 2 MiB slab in small
 * pages, fully used, cost 512 faults, some 5 ms (docs/performance.md). */
#define PAGES_SMALL_ENOUGH ((size_t)64 << 10)

/* bytes (rounded up to a multiple of PAGES_HUGE) of zeroed memory at a
 * PAGES_HUGE boundary, in huge pages if `huge` (else in small ones: a
 * huge page is zeroed whole at its first touch, which memory that may
 * stay mostly unused would pay for nothing); NULL when out of memory.
 * Give it back with pages_unmap and the same size. */
void *pages_map(size_t bytes, bool huge);
void pages_unmap(void *mem, size_t bytes);

#endif

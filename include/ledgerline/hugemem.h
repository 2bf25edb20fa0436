/*
 * hugemem.h — large buffers and tables on transparent huge pages.
 *
 * The log reader's block buffers are written by read(2), hashed and parsed,
 * and the hot tables (hotmem.h) are read at random: on 4 KiB pages each
 * of those passes walks the page tables again and again, and every page
 * first touched is a page fault.  An allocation of at least
 * LL_HUGE_MIN_BYTES is instead placed on 2 MiB boundaries, rounded up to
 * whole 2 MiB, and the kernel asked to back it with huge pages
 * (madvise MADV_HUGEPAGE; where it cannot, the memory is used as it is).
 * Smaller ones come from malloc.  Either way free() releases them.
 *
 * Design decision: only allocations that live through the reading are
 * placed so; the rounding costs at most 2 MiB each, and the peak RSS of a
 * run does not grow with its events (see docs/scale.md).
 */
#ifndef LEDGERLINE_HUGEMEM_H
#define LEDGERLINE_HUGEMEM_H

#include <stddef.h>

enum { LL_HUGE_PAGE_BYTES = 2 * 1024 * 1024,
       LL_HUGE_MIN_BYTES = 1024 * 1024 };

/* bytes of uninitialised memory; NULL when there is none. */
void *ll_huge_malloc(size_t bytes);

/* n zeroed objects of size bytes (an ll_hot_alloc_fn); NULL when there is
 * no memory or n × size overflows. */
void *ll_huge_calloc(size_t n, size_t size);

#endif

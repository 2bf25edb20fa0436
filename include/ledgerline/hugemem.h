/*
 * hugemem.h — large buffers and tables on transparent huge pages.
 *
 * The log reader's block buffers are written by read(2), hashed and parsed,
 * and the hot tables (hotmem.h) are read at random: on 4 KiB pages each
 * of those passes walks the page tables again and again, and every page
 * first touched is a page fault.  An allocation of at least
 * LL_HUGE_MIN_BYTES is instead mapped on its own (mmap), on a 2 MiB
 * boundary, rounded up to whole 2 MiB, the kernel asked to back it with
 * huge pages (madvise MADV_HUGEPAGE; where it cannot, the memory is used
 * as it is), and every page of it touched at once: it is resident whole
 * from the start, huge pages or not, so what it adds to the RSS is its
 * rounded size, not what the kernel happened to grant.  Smaller ones come
 * from malloc.
 *
 * Design decision: mapped apart from the heap, so the advice never
 * reaches memory malloc hands out later (the whole heap on huge pages
 * made the peak RSS vary by tens of megabytes: docs/scale.md).  The
 * release therefore needs the size the memory was asked with.
 */
#ifndef LEDGERLINE_HUGEMEM_H
#define LEDGERLINE_HUGEMEM_H

#include <stddef.h>

enum { LL_HUGE_PAGE_BYTES = 2 * 1024 * 1024,
       LL_HUGE_MIN_BYTES = 1024 * 1024 };

/* bytes of memory (zeroed when mapped, else as malloc leaves it); NULL
 * when there is none.  Released with ll_huge_release(p, bytes). */
void *ll_huge_alloc(size_t bytes);
void ll_huge_release(void *p, size_t bytes);

/* n zeroed objects of size bytes, and their release: the ll_hot_alloc_fn
 * and ll_hot_free_fn that main installs.  NULL when there is no memory or
 * n × size overflows. */
void *ll_huge_calloc(size_t n, size_t size);
void ll_huge_free(void *p, size_t n, size_t size);

#endif

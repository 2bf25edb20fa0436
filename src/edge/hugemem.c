/*
 * hugemem.c — see hugemem.h.
 */
#include "ledgerline/hugemem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* bytes rounded up to whole huge pages; 0 when that overflows. */
static size_t rounded(size_t bytes)
{
	const size_t page = LL_HUGE_PAGE_BYTES;

	if (bytes > SIZE_MAX - 2 * page)
		return 0;
	return (bytes + page - 1) / page * page;
}

void *ll_huge_alloc(size_t bytes)
{
	const size_t page = LL_HUGE_PAGE_BYTES;
	size_t len = rounded(bytes), head;
	char *p;

	if (bytes < LL_HUGE_MIN_BYTES)
		return malloc(bytes ? bytes : 1);
	if (len == 0)
		return NULL;
	/* a page more, to cut the mapping down to a 2 MiB boundary */
	p = mmap(NULL, len + page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (page - (uintptr_t)p % page) % page;
	if (head)
		munmap(p, head);
	munmap(p + head + len, page - head);
	p += head;
	/* advice only: without huge pages the memory serves as it is */
	(void)madvise(p, len, MADV_HUGEPAGE);
	/* every page touched now, so the mapping is resident whole whether
	 * the kernel gives it huge pages now, later (khugepaged) or never:
	 * the peak RSS does not depend on which */
	memset(p, 0, len);
	return p;
}

void ll_huge_release(void *p, size_t bytes)
{
	if (!p)
		return;
	if (bytes < LL_HUGE_MIN_BYTES)
		free(p);
	else
		munmap(p, rounded(bytes));
}

void *ll_huge_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	if (n * size < LL_HUGE_MIN_BYTES)
		return calloc(n ? n : 1, size ? size : 1);
	return ll_huge_alloc(n * size);	/* zeroed, as it is mapped */
}

void ll_huge_free(void *p, size_t n, size_t size)
{
	ll_huge_release(p, n * size);
}

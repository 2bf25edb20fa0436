/*
 * hugemem.c — see hugemem.h.
 */
#include "ledgerline/hugemem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *ll_huge_malloc(size_t bytes)
{
	const size_t page = LL_HUGE_PAGE_BYTES;
	size_t rounded;
	void *p = NULL;

	if (bytes < LL_HUGE_MIN_BYTES)
		return malloc(bytes ? bytes : 1);
	if (bytes > (size_t)-1 - (page - 1))
		return NULL;
	rounded = (bytes + page - 1) / page * page;
	if (posix_memalign(&p, page, rounded) != 0)
		return NULL;
	/* advice only: without huge pages the memory serves as it is */
	(void)madvise(p, rounded, MADV_HUGEPAGE);
	return p;
}

void *ll_huge_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	if (n * size < LL_HUGE_MIN_BYTES)
		return calloc(n ? n : 1, size ? size : 1);
	p = ll_huge_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

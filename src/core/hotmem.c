/*
 * hotmem.c — see hotmem.h.
 */
#include "ledgerline/hotmem.h"

#include <stdlib.h>

static ll_hot_alloc_fn *installed_alloc;
static ll_hot_free_fn *installed_free;

void ll_hot_install(ll_hot_alloc_fn *alloc, ll_hot_free_fn *release)
{
	installed_alloc = alloc;
	installed_free = release;
}

void *ll_hot_calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return installed_alloc ? installed_alloc(n, size) : calloc(n, size);
}

void ll_hot_free(void *p, size_t n, size_t size)
{
	if (!p)
		return;
	if (installed_free)
		installed_free(p, n, size);
	else
		free(p);
}

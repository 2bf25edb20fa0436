/*
 * hotmem.c — see hotmem.h.
 */
#include "ledgerline/hotmem.h"

#include <stdlib.h>

static ll_hot_alloc_fn *installed;

void ll_hot_install(ll_hot_alloc_fn *fn)
{
	installed = fn;
}

void *ll_hot_calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return installed ? installed(n, size) : calloc(n, size);
}

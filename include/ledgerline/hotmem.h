/*
 * hotmem.h — memory for the tables the hot path reads at random.
 *
 * The reference index, the eligibility spans and the tallies' slots are
 * read at random, once or more per attribution, and span megabytes: on
 * 4 KiB pages most of those reads also miss the TLB.  The core allocates
 * them with ll_hot_calloc and releases them with ll_hot_free, which are
 * calloc and free unless the program has installed a pair that puts
 * large tables on huge pages (main installs the edge's ll_huge_calloc and
 * ll_huge_free, hugemem.h).  The core itself stays free of system calls.
 *
 * An installed pair is installed once, before any thread starts; its
 * allocator returns zeroed memory or NULL, and its free releases what the
 * allocator returned for the same n and size (NULL: nothing).
 */
#ifndef LEDGERLINE_HOTMEM_H
#define LEDGERLINE_HOTMEM_H

#include <stddef.h>

typedef void *ll_hot_alloc_fn(size_t n, size_t size);
typedef void ll_hot_free_fn(void *p, size_t n, size_t size);

/* Use alloc and release for every later ll_hot_calloc and ll_hot_free
 * (NULL, NULL: calloc and free again). */
void ll_hot_install(ll_hot_alloc_fn *alloc, ll_hot_free_fn *release);

/* n zeroed objects of size bytes; NULL when there is no memory or
 * n × size overflows.  Released with ll_hot_free(p, n, size). */
void *ll_hot_calloc(size_t n, size_t size);

/* Release what ll_hot_calloc(n, size) returned (NULL: nothing). */
void ll_hot_free(void *p, size_t n, size_t size);

#endif

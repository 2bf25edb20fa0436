/*
 * hotmem.h — memory for the tables the hot path reads at random.
 *
 * The reference index and the tallies' slots are read at random, once or
 * more per attribution, and span megabytes: on 4 KiB pages most of those
 * reads also miss the TLB.  The core allocates them with ll_hot_calloc,
 * which is calloc unless the program has installed an allocator that puts
 * large tables on huge pages (main installs the edge's ll_huge_calloc,
 * hugemem.h).  The core itself stays free of system calls.
 *
 * An installed allocator returns zeroed memory that free() releases, or
 * NULL; it is installed once, before any thread starts.
 */
#ifndef LEDGERLINE_HOTMEM_H
#define LEDGERLINE_HOTMEM_H

#include <stddef.h>

typedef void *ll_hot_alloc_fn(size_t n, size_t size);

/* Use fn for every later ll_hot_calloc (NULL: calloc again). */
void ll_hot_install(ll_hot_alloc_fn *fn);

/* n zeroed objects of size bytes, released with free(); NULL when there
 * is no memory or n × size overflows. */
void *ll_hot_calloc(size_t n, size_t size);

#endif

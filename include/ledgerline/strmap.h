/*
 * strmap.h — a string-keyed hash map to size_t values (open addressing,
 * linear probing, FNV-1a).
 *
 * Design decision: keys are borrowed, never copied: the map is an index
 * over records whose strings outlive it, so building it allocates only
 * the slot array.
 */
#ifndef LEDGERLINE_STRMAP_H
#define LEDGERLINE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/status.h"

struct ll_strmap_slot {
	const char *key;	/* borrowed; NULL = empty */
	uint64_t hash;		/* of key: probes compare it before the bytes */
	size_t value;
};

struct ll_strmap {
	struct ll_strmap_slot *slots;
	size_t cap;		/* power of two, or 0 */
	size_t n;
};

void ll_strmap_init(struct ll_strmap *m);
void ll_strmap_release(struct ll_strmap *m);

/*
 * Insert key -> value.  When the key is present, leaves the map unchanged,
 * stores the existing value in *existing (if not NULL) and returns LL_OK
 * with *inserted = false.  key is borrowed and must outlive the map.
 */
enum ll_status ll_strmap_put(struct ll_strmap *m, const char *key,
			     size_t value, bool *inserted, size_t *existing);

/* Look key up; true and *value set when found. */
bool ll_strmap_get(const struct ll_strmap *m, const char *key, size_t *value);

#endif

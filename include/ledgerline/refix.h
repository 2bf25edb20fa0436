/*
 * refix.h — the catalogue's references (work ids, ISRCs) interned to dense
 * work indices for the tally's hot path.
 *
 * Design decision: one 32-byte slot per reference holds the reference's
 * 64-bit hash, its length and, for references of up to
 * LL_REFIX_INLINE_BYTES bytes (every work id and ISRC in practice), its
 * bytes, so a lookup touches one cache line and compares with memcmp on
 * that line: no pointer is followed and no strcmp runs.  A longer
 * reference is compared with the borrowed key, exactly all the same.  The
 * hash is ll_refix_hash, which the event parser computes once per
 * attribution (struct ll_attr.ref_hash).  Built once per run, read-only
 * afterwards, so threads share it.  Pure: no I/O.
 */
#ifndef LEDGERLINE_REFIX_H
#define LEDGERLINE_REFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ledgerline/status.h"

enum { LL_REFIX_INLINE_BYTES = 19 };

struct ll_refix_slot {
	uint64_t hash;
	uint32_t value;
	uint8_t len;		/* 0: empty; 1 + the key's length when it is
				 * inline; LL_REFIX_LONG: longer */
	char key[LL_REFIX_INLINE_BYTES];
};

enum { LL_REFIX_LONG = 255 };

struct ll_refix {
	struct ll_refix_slot *slots;
	const char **keys;	/* by slot, borrowed: long keys only */
	size_t cap;		/* power of two, or 0 */
	size_t n;
};

/* FNV-1a of s[0, len), finished with splitmix64 so its low bits spread. */
static inline uint64_t ll_refix_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

void ll_refix_init(struct ll_refix *x);
void ll_refix_release(struct ll_refix *x);

/* Room for n keys without growing; LL_NOMEM. */
enum ll_status ll_refix_reserve(struct ll_refix *x, size_t n);

/* Add key (NUL-terminated, borrowed: it must outlive x) -> value; a key
 * already present keeps its first value.  LL_NOMEM. */
enum ll_status ll_refix_put(struct ll_refix *x, const char *key,
			    uint32_t value);

/* The slow part of ll_refix_get: a key longer than the inline bytes. */
bool ll_refix_long_eq(const struct ll_refix *x, size_t slot, const char *key);

/* Look up key of len bytes with hash ll_refix_hash(key, len). */
static inline bool ll_refix_get(const struct ll_refix *x, const char *key,
				size_t len, uint64_t hash, uint32_t *value)
{
	size_t mask = x->cap - 1, i;

	if (x->cap == 0)
		return false;
	for (i = (size_t)hash & mask;; i = (i + 1) & mask) {
		const struct ll_refix_slot *s = &x->slots[i];

		if (s->len == 0)
			return false;
		if (s->hash != hash)
			continue;
		if (len <= LL_REFIX_INLINE_BYTES
			    ? s->len == len + 1 && memcmp(s->key, key, len) == 0
			    : s->len == LL_REFIX_LONG &&
				      ll_refix_long_eq(x, i, key)) {
			*value = s->value;
			return true;
		}
	}
}

#endif

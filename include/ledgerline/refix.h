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

/*
 * A 64-bit hash of s[0, len), eight bytes at a time (the last eight read
 * again where they overlap; a key under eight bytes assembled byte by
 * byte), each round a multiplication whose high bits are folded down,
 * so the low bits that pick a slot depend on every byte.  Never stored:
 * it only has to agree with itself within one process.  (Byte-at-a-time
 * FNV chained a multiplication per byte, eight to twelve per reference,
 * on the tally's hot path.)
 */
static inline uint64_t ll_refix_hash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len, w = 0;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 29;
	}
	if (i < len) {
		if (len >= 8) {
			memcpy(&w, s + len - 8, 8);
		} else {
			w = 0;
			for (i = 0; i < len; i++)
				w |= (uint64_t)(unsigned char)s[i] << (8 * i);
		}
		h = (h ^ w) * 0x94d049bb133111ebULL;
		h ^= h >> 32;
	}
	/* one more round, so the low bits (the slot) depend on every byte */
	h *= 0xbf58476d1ce4e5b9ULL;
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

/* Are a[0, len) and b[0, len) the same bytes?  Keys of 4 to 16 bytes (work
 * ids, ISRCs) by two overlapping loads from each, which read nothing
 * outside either; others by memcmp. */
static inline bool ll_refix_key_eq(const char *a, const char *b, size_t len)
{
	if (len >= 8 && len <= 16) {
		uint64_t a0, a1, b0, b1;

		memcpy(&a0, a, 8);
		memcpy(&b0, b, 8);
		memcpy(&a1, a + len - 8, 8);
		memcpy(&b1, b + len - 8, 8);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	if (len >= 4 && len < 8) {
		uint32_t a0, a1, b0, b1;

		memcpy(&a0, a, 4);
		memcpy(&b0, b, 4);
		memcpy(&a1, a + len - 4, 4);
		memcpy(&b1, b + len - 4, 4);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	return memcmp(a, b, len) == 0;
}

/* Bring the slot where a lookup of hash starts into cache. */
static inline void ll_refix_prefetch(const struct ll_refix *x, uint64_t hash)
{
	if (x->cap)
		__builtin_prefetch(&x->slots[(size_t)hash & (x->cap - 1)]);
}

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
			    ? s->len == len + 1 &&
				      ll_refix_key_eq(s->key, key, len)
			    : s->len == LL_REFIX_LONG &&
				      ll_refix_long_eq(x, i, key)) {
			*value = s->value;
			return true;
		}
	}
}

#endif

/*
 * refix.c — the interned reference index of refix.h.
 *
 * Design decision: kept at most half full, never shrinks, no deletion:
 * the index is built once from the catalogue and only read afterwards.
 */
#include "ledgerline/refix.h"

#include <stdlib.h>

#include "ledgerline/hotmem.h"

void ll_refix_init(struct ll_refix *x)
{
	x->slots = NULL;
	x->keys = NULL;
	x->cap = 0;
	x->n = 0;
}

void ll_refix_release(struct ll_refix *x)
{
	ll_hot_free(x->slots, x->cap, sizeof(*x->slots));
	free(x->keys);
	ll_refix_init(x);
}

bool ll_refix_long_eq(const struct ll_refix *x, size_t slot, const char *key)
{
	return strcmp(x->keys[slot], key) == 0;
}

/* The slot for (key, hash): where it is, or the empty slot it goes to. */
static size_t find(const struct ll_refix_slot *slots, const char **keys,
		   size_t cap, const char *key, size_t len, uint64_t hash)
{
	size_t i;

	for (i = (size_t)hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
		const struct ll_refix_slot *s = &slots[i];

		if (s->len == 0)
			return i;
		if (s->hash != hash)
			continue;
		if (len <= LL_REFIX_INLINE_BYTES
			    ? s->len == len + 1 && memcmp(s->key, key, len) == 0
			    : s->len == LL_REFIX_LONG &&
				      strcmp(keys[i], key) == 0)
			return i;
	}
}

/* Put key -> value unless key is there; whether it was put. */
static bool place(struct ll_refix_slot *slots, const char **keys, size_t cap,
		  const char *key, uint32_t value)
{
	size_t len = strlen(key);
	uint64_t h = ll_refix_hash(key, len);
	size_t i = find(slots, keys, cap, key, len, h);
	struct ll_refix_slot *s = &slots[i];

	if (s->len != 0)
		return false;	/* present: the first value stays */
	s->hash = h;
	s->value = value;
	keys[i] = key;
	if (len <= LL_REFIX_INLINE_BYTES) {
		s->len = (uint8_t)(len + 1);
		memcpy(s->key, key, len);
	} else {
		s->len = LL_REFIX_LONG;
	}
	return true;
}

enum ll_status ll_refix_reserve(struct ll_refix *x, size_t n)
{
	size_t ncap = x->cap ? x->cap : 16, i;
	struct ll_refix_slot *ns;
	const char **nk;

	while (ncap < 2 * n) {
		if (ncap * 2 < ncap)
			return LL_NOMEM;
		ncap *= 2;
	}
	if (ncap == x->cap)
		return LL_OK;
	ns = ll_hot_calloc(ncap, sizeof(*ns));
	nk = calloc(ncap, sizeof(*nk));
	if (!ns || !nk) {
		ll_hot_free(ns, ncap, sizeof(*ns));
		free(nk);
		return LL_NOMEM;
	}
	for (i = 0; i < x->cap; i++) {
		if (x->slots[i].len)
			place(ns, nk, ncap, x->keys[i], x->slots[i].value);
	}
	ll_hot_free(x->slots, x->cap, sizeof(*x->slots));
	free(x->keys);
	x->slots = ns;
	x->keys = nk;
	x->cap = ncap;
	return LL_OK;
}

enum ll_status ll_refix_put(struct ll_refix *x, const char *key,
			    uint32_t value)
{
	enum ll_status rc = ll_refix_reserve(x, x->n + 1);

	if (rc != LL_OK)
		return rc;
	if (place(x->slots, x->keys, x->cap, key, value))
		x->n++;
	return LL_OK;
}

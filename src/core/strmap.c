/*
 * strmap.c — open-addressing string map of strmap.h.
 *
 * Design decision: the table is kept at most half full and never shrinks;
 * there is no deletion, because every index ledgerline builds is
 * append-only for its lifetime.
 */
#include "ledgerline/strmap.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void ll_strmap_init(struct ll_strmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->n = 0;
}

void ll_strmap_release(struct ll_strmap *m)
{
	free(m->slots);
	ll_strmap_init(m);
}

static struct ll_strmap_slot *find_slot(struct ll_strmap_slot *slots,
					size_t cap, const char *key,
					uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (slots[i].key &&
	       (slots[i].hash != h || strcmp(slots[i].key, key) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static enum ll_status grow(struct ll_strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct ll_strmap_slot *ns;
	size_t i;

	if (ncap < m->cap)
		return LL_NOMEM;
	ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return LL_NOMEM;
	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key)
			*find_slot(ns, ncap, m->slots[i].key,
				   m->slots[i].hash) = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return LL_OK;
}

enum ll_status ll_strmap_put(struct ll_strmap *m, const char *key,
			     size_t value, bool *inserted, size_t *existing)
{
	struct ll_strmap_slot *s;
	enum ll_status rc;
	uint64_t h;

	assert(key != NULL);
	if ((m->n + 1) * 2 > m->cap) {
		rc = grow(m);
		if (rc != LL_OK)
			return rc;
	}
	h = hash_str(key);
	s = find_slot(m->slots, m->cap, key, h);
	if (s->key) {
		if (existing)
			*existing = s->value;
		if (inserted)
			*inserted = false;
		return LL_OK;
	}
	s->key = key;
	s->hash = h;
	s->value = value;
	m->n++;
	if (inserted)
		*inserted = true;
	return LL_OK;
}

bool ll_strmap_get(const struct ll_strmap *m, const char *key, size_t *value)
{
	const struct ll_strmap_slot *s;

	if (m->cap == 0)
		return false;
	s = find_slot((struct ll_strmap_slot *)m->slots, m->cap, key,
		      hash_str(key));
	if (!s->key)
		return false;
	if (value)
		*value = s->value;
	return true;
}

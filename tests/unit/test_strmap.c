/*
 * test_strmap.c — unit tests for strmap.c: put/get, a duplicate key keeps
 * its first value (and reports it), optional out-parameters, the empty
 * map, the empty string as a key, keys compared by content rather than by
 * pointer, and growth through many thousands of keys checked against a
 * naive direct-addressed array.
 *
 * Design decision: the oracle is "first value per key number" in a plain
 * array, so it is obviously right; keys are spelled in several ways so that
 * different strings never collide by accident in the oracle.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/strmap.h"

#include "fixture.h"

static void test_empty_map(void **state)
{
	struct ll_strmap m;
	size_t v = 77;

	(void)state;
	ll_strmap_init(&m);
	assert_false(ll_strmap_get(&m, "a", &v));
	assert_false(ll_strmap_get(&m, "", &v));
	assert_false(ll_strmap_get(&m, "a", NULL));
	assert_int_equal(v, 77);
	assert_int_equal(m.n, 0);
	ll_strmap_release(&m);
	ll_strmap_release(&m); /* releasing twice is harmless */
	assert_false(ll_strmap_get(&m, "a", &v));
}

static void test_put_get(void **state)
{
	struct ll_strmap m;
	bool inserted = false;
	size_t existing = 123, v = 0;

	(void)state;
	ll_strmap_init(&m);
	assert_int_equal(ll_strmap_put(&m, "P-NW", 1, &inserted, &existing),
			 LL_OK);
	assert_true(inserted);
	assert_int_equal(existing, 123); /* untouched on insert */
	assert_int_equal(ll_strmap_put(&m, "P-ADA", 2, &inserted, NULL), LL_OK);
	assert_true(inserted);
	assert_int_equal(ll_strmap_put(&m, "", 3, NULL, NULL), LL_OK);
	assert_int_equal(m.n, 3);
	assert_true(ll_strmap_get(&m, "P-NW", &v));
	assert_int_equal(v, 1);
	assert_true(ll_strmap_get(&m, "P-ADA", &v));
	assert_int_equal(v, 2);
	assert_true(ll_strmap_get(&m, "", &v));
	assert_int_equal(v, 3);
	assert_true(ll_strmap_get(&m, "P-NW", NULL));
	/* near misses */
	assert_false(ll_strmap_get(&m, "P-N", &v));
	assert_false(ll_strmap_get(&m, "P-NWX", &v));
	assert_false(ll_strmap_get(&m, "p-nw", &v));
	assert_int_equal(v, 3);
	ll_strmap_release(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.cap, 0);
	assert_null(m.slots);
}

static void test_duplicate_keeps_first(void **state)
{
	struct ll_strmap m;
	bool inserted = true;
	size_t existing = 0, v = 0;
	char other[8];

	(void)state;
	ll_strmap_init(&m);
	assert_int_equal(ll_strmap_put(&m, "W-1", 10, &inserted, &existing),
			 LL_OK);
	assert_true(inserted);
	assert_int_equal(ll_strmap_put(&m, "W-1", 20, &inserted, &existing),
			 LL_OK);
	assert_false(inserted);
	assert_int_equal(existing, 10);
	/* a different pointer to equal bytes is the same key */
	memcpy(other, "W-1", 4);
	inserted = true;
	assert_int_equal(ll_strmap_put(&m, other, 30, &inserted, &existing),
			 LL_OK);
	assert_false(inserted);
	assert_int_equal(existing, 10);
	/* NULL out-parameters are allowed on a duplicate too */
	assert_int_equal(ll_strmap_put(&m, "W-1", 40, NULL, NULL), LL_OK);
	assert_int_equal(m.n, 1);
	assert_true(ll_strmap_get(&m, other, &v));
	assert_int_equal(v, 10);
	/* the stored key is the first pointer: it is borrowed, not copied */
	for (size_t i = 0; i < m.cap; i++)
		if (m.slots[i].key)
			assert_string_equal(m.slots[i].key, "W-1");
	ll_strmap_release(&m);
}

/* Values may be any size_t, including 0 and SIZE_MAX. */
static void test_value_range(void **state)
{
	struct ll_strmap m;
	size_t v = 5;

	(void)state;
	ll_strmap_init(&m);
	assert_int_equal(ll_strmap_put(&m, "zero", 0, NULL, NULL), LL_OK);
	assert_int_equal(ll_strmap_put(&m, "max", SIZE_MAX, NULL, NULL), LL_OK);
	assert_true(ll_strmap_get(&m, "zero", &v));
	assert_int_equal(v, 0);
	assert_true(ll_strmap_get(&m, "max", &v));
	assert_true(v == SIZE_MAX);
	ll_strmap_release(&m);
}

/* Key number k spelled as one of several forms, chosen by k itself so that
 * a number always has the same spelling and two numbers never share one. */
static void key_name(char *buf, size_t size, unsigned k)
{
	switch (k % 4) {
	case 0:
		snprintf(buf, size, "W-%u", k);
		break;
	case 1:
		snprintf(buf, size, "%u", k);
		break;
	case 2:
		snprintf(buf, size, "party:%08x", k);
		break;
	default:
		snprintf(buf, size, "GB-AYE-%07u-long-suffix-%u", k, k % 7);
		break;
	}
}

enum { DOMAIN = 40000, PUTS = 60000, KEY_MAX = 48 };

static void test_growth_against_oracle(void **state)
{
	struct rng r = { UINT64_C(0x0123456789abcdef) };
	struct ll_strmap m;
	size_t *first = malloc(DOMAIN * sizeof(*first));
	/* each put has its own copy of the key: the map must compare bytes */
	char *keys = malloc((size_t)PUTS * KEY_MAX);
	size_t distinct = 0;
	char probe[KEY_MAX];

	(void)state;
	assert_non_null(first);
	assert_non_null(keys);
	for (size_t i = 0; i < DOMAIN; i++)
		first[i] = SIZE_MAX;
	ll_strmap_init(&m);
	for (size_t i = 0; i < PUTS; i++) {
		unsigned k = (unsigned)(rng_next(&r) % DOMAIN);
		char *key = keys + i * KEY_MAX;
		bool inserted = false;
		size_t existing = SIZE_MAX - 1;

		key_name(key, KEY_MAX, k);
		assert_int_equal(ll_strmap_put(&m, key, i, &inserted,
					       &existing),
				 LL_OK);
		if (first[k] == SIZE_MAX) {
			if (!inserted)
				fail_msg("put %zu: key %s new but not inserted",
					 i, key);
			first[k] = i;
			distinct++;
		} else {
			if (inserted)
				fail_msg("put %zu: key %s inserted twice", i,
					 key);
			if (existing != first[k])
				fail_msg("put %zu: key %s existing %zu, "
					 "expected %zu", i, key, existing,
					 first[k]);
		}
		/* at most half full, capacity a power of two */
		assert_int_equal(m.n, distinct);
		assert_true(m.n * 2 <= m.cap);
		assert_int_equal(m.cap & (m.cap - 1), 0);
	}
	/* every key of the domain: found with its first value, or absent */
	for (unsigned k = 0; k < DOMAIN; k++) {
		size_t v = SIZE_MAX - 2;
		bool found;

		key_name(probe, sizeof(probe), k);
		found = ll_strmap_get(&m, probe, &v);
		if (found != (first[k] != SIZE_MAX))
			fail_msg("key %s: found %d, oracle %d", probe, found,
				 first[k] != SIZE_MAX);
		if (found && v != first[k])
			fail_msg("key %s: value %zu, oracle %zu", probe, v,
				 first[k]);
	}
	/* keys outside the domain are absent */
	for (unsigned k = DOMAIN; k < DOMAIN + 2000; k++) {
		key_name(probe, sizeof(probe), k);
		assert_false(ll_strmap_get(&m, probe, NULL));
	}
	assert_true(distinct > 30000);
	ll_strmap_release(&m);
	free(keys);
	free(first);
}

/* Many keys that differ only in their last byte, and long keys that share
 * a long prefix: probing must compare whole strings. */
static void test_similar_keys(void **state)
{
	enum { N = 5000, LEN = 200 };
	char *keys = malloc((size_t)N * (LEN + 8));
	struct ll_strmap m;

	(void)state;
	assert_non_null(keys);
	ll_strmap_init(&m);
	for (size_t i = 0; i < N; i++) {
		char *k = keys + i * (LEN + 8);

		memset(k, 'x', LEN);
		snprintf(k + LEN, 8, "%zu", i);
		assert_int_equal(ll_strmap_put(&m, k, i, NULL, NULL), LL_OK);
	}
	assert_int_equal(m.n, N);
	for (size_t i = 0; i < N; i++) {
		char probe[LEN + 8];
		size_t v = 0;

		memset(probe, 'x', LEN);
		snprintf(probe + LEN, 8, "%zu", i);
		assert_true(ll_strmap_get(&m, probe, &v));
		assert_int_equal(v, i);
	}
	/* the common prefix of every key is not a key */
	{
		char prefix[LEN + 1];

		memset(prefix, 'x', LEN);
		prefix[LEN] = '\0';
		assert_false(ll_strmap_get(&m, prefix, NULL));
	}
	ll_strmap_release(&m);
	free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_map),
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_duplicate_keeps_first),
		cmocka_unit_test(test_value_range),
		cmocka_unit_test(test_growth_against_oracle),
		cmocka_unit_test(test_similar_keys),
	};

	return cmocka_run_group_tests_name("strmap", tests, NULL, NULL);
}

/*
 * test_refix.c — unit tests for refix.c: the interned reference index
 * agrees with strmap on every key, present or absent.
 *
 * Keys are drawn at random (seeded) from a small alphabet with lengths 0
 * to 40, so inline keys, keys of exactly LL_REFIX_INLINE_BYTES bytes,
 * long keys, the empty key, prefixes of each other and repeats all occur;
 * the oracle is ll_strmap built from the same puts (first value wins).
 * Hash collisions are forced by probing with keys that share a hash slot
 * but not their bytes: a lookup must compare bytes, never trust the hash.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/refix.h"
#include "ledgerline/strmap.h"

#include "fixture.h"

enum { KEYS = 20000, KEY_BYTES_MAX = 40 };

static char *random_key(struct rng *s)
{
	size_t len = (size_t)(rng_below(s, KEY_BYTES_MAX + 1)), i;
	char *k = malloc(len + 1);

	assert_non_null(k);
	for (i = 0; i < len; i++)
		k[i] = "WAB-019"[rng_below(s, 7)];
	k[len] = '\0';
	return k;
}

static bool rx_get(const struct ll_refix *x, const char *k, uint32_t *v)
{
	size_t len = strlen(k);

	return ll_refix_get(x, k, len, ll_refix_hash(k, len), v);
}

static void test_against_strmap(void **state)
{
	struct ll_refix x;
	struct ll_strmap m;
	char **keys = calloc(2 * KEYS, sizeof(*keys));
	struct rng seed = { UINT64_C(20260701) };
	size_t i, present = 0;

	(void)state;
	assert_non_null(keys);
	ll_refix_init(&x);
	ll_strmap_init(&m);
	for (i = 0; i < 2 * KEYS; i++)
		keys[i] = random_key(&seed);
	for (i = 0; i < KEYS; i++) {
		assert_int_equal(ll_refix_put(&x, keys[i], (uint32_t)i),
				 LL_OK);
		assert_int_equal(ll_strmap_put(&m, keys[i], i, NULL, NULL),
				 LL_OK);
	}
	assert_int_equal(x.n, m.n);
	/* the put keys and as many others: the same answer from both */
	for (i = 0; i < 2 * KEYS; i++) {
		size_t want = 0;
		uint32_t got = UINT32_MAX;
		bool in_m = ll_strmap_get(&m, keys[i], &want);
		bool in_x = rx_get(&x, keys[i], &got);

		assert_int_equal(in_x, in_m);
		if (in_m) {
			assert_int_equal(got, want);
			present++;
		}
	}
	assert_true(present >= KEYS);
	for (i = 0; i < 2 * KEYS; i++)
		free(keys[i]);
	free(keys);
	ll_refix_release(&x);
	ll_strmap_release(&m);
}

/* A lookup with the right hash but other bytes (a collision) misses, for
 * an inline and a long key; the empty key is a key like any other. */
static void test_collision_and_edges(void **state)
{
	struct ll_refix x;
	const char *inl = "W-0001";
	const char *lng = "W-0001-a-work-id-longer-than-inline";
	const char *edge = "0123456789012345678"; /* exactly inline */
	uint32_t v = 0;

	(void)state;
	assert_int_equal(strlen(edge), LL_REFIX_INLINE_BYTES);
	ll_refix_init(&x);
	assert_false(rx_get(&x, inl, &v));
	assert_int_equal(ll_refix_put(&x, inl, 1), LL_OK);
	assert_int_equal(ll_refix_put(&x, lng, 2), LL_OK);
	assert_int_equal(ll_refix_put(&x, edge, 3), LL_OK);
	assert_int_equal(ll_refix_put(&x, "", 4), LL_OK);
	assert_int_equal(ll_refix_put(&x, inl, 9), LL_OK); /* first stays */
	assert_int_equal(x.n, 4);
	assert_true(rx_get(&x, inl, &v));
	assert_int_equal(v, 1);
	assert_true(rx_get(&x, lng, &v));
	assert_int_equal(v, 2);
	assert_true(rx_get(&x, edge, &v));
	assert_int_equal(v, 3);
	assert_true(rx_get(&x, "", &v));
	assert_int_equal(v, 4);
	/* the hash of a key that is there, with other bytes of its length */
	assert_false(ll_refix_get(&x, "W-0002", 6, ll_refix_hash(inl, 6), &v));
	assert_false(ll_refix_get(&x, "W-0001-a-work-id-longer-than-inlinX",
				  strlen(lng), ll_refix_hash(lng, strlen(lng)),
				  &v));
	assert_false(ll_refix_get(&x, "W-000", 5, ll_refix_hash(inl, 6), &v));
	ll_refix_release(&x);
}

/* ll_refix_key_eq at every length up to past the inline bytes: equal
 * keys are equal, and a key differing in any one byte (first, middle,
 * last, where the two loads overlap) is not. */
static void test_key_eq_every_byte(void **state)
{
	char a[40], b[40];
	size_t len, at;

	(void)state;
	for (len = 0; len <= 32; len++) {
		for (at = 0; at < len; at++)
			a[at] = (char)('A' + (at * 7) % 26);
		memcpy(b, a, len);
		assert_true(ll_refix_key_eq(a, b, len));
		for (at = 0; at < len; at++) {
			b[at] ^= 0x20;
			if (ll_refix_key_eq(a, b, len))
				fail_msg("length %zu: byte %zu differs, "
					 "found equal", len, at);
			b[at] ^= 0x20;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_strmap),
		cmocka_unit_test(test_collision_and_edges),
		cmocka_unit_test(test_key_eq_every_byte),
	};

	return cmocka_run_group_tests_name("refix", tests, NULL, NULL);
}

/*
 * test_xsum.c — unit tests for xsum.c: exact running sums with a 128-bit
 * fast lane that spills into GMP.  Sums of random decimals at the two
 * scales ledgerline uses (10^18 for weights, 10^36 for value·weight) are
 * checked against a plain mpq oracle over tens of thousands of terms,
 * including mantissas near 10^37 that overflow the 128-bit part after a
 * handful of terms, decimals that do not fit the fast lane once scaled,
 * and products of two 38-digit mantissas; rational terms (ll_xsum_add_mpq)
 * and raw integer terms (add_i128, add_mpz) mixed in; merging in several
 * orders; is_zero; and the exact boundary of the 128-bit part.
 *
 * Design decision: the oracle shares nothing with the code under test —
 * it converts 128-bit mantissas to GMP with its own two-limb routine and
 * sums plain mpq_t values — and every random stream is a fixed-seed
 * xorshift64*, so a failure reproduces exactly and names its term number.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/exact.h"
#include "ledgerline/status.h"
#include "ledgerline/xsum.h"

#include "fixture.h"

/* Unsigned 128-bit, for the oracle's own conversions. */
__extension__ typedef unsigned __int128 u128;

enum {
	TERMS_18 = 24000,	/* random terms at scale 18 */
	TERMS_36 = 24000,	/* random terms at scale 36 */
	TERMS_PRODUCT = 22000,	/* random products at scale 36 */
	CHECK_EVERY = 997,	/* compare with the oracle this often */
};

/* ---- helpers -------------------------------------------------------------- */

/* 10^k for 0 <= k <= 38. */
static ll_i128 pow10_128(int k)
{
	ll_i128 p = 1;

	assert_true(k >= 0 && k <= 38);
	while (k-- > 0)
		p *= 10;
	return p;
}

/* A uniformly random mantissa with at most `digits` digits (1..38). */
static ll_i128 rand_mant(struct rng *r, int digits)
{
	u128 u = ((u128)rng_next(r) << 64) |
			      rng_next(r);

	return (ll_i128)(u % (u128)pow10_128(digits));
}

/* The oracle's own conversion: rop = x (x >= 0), two 64-bit limbs. */
static void oracle_set_i128(mpz_t rop, ll_i128 x)
{
	u128 u = (u128)x;

	assert_true(x >= 0);
	mpz_set_ui(rop, (unsigned long)(uint64_t)(u >> 64));
	mpz_mul_2exp(rop, rop, 64);
	mpz_add_ui(rop, rop, (unsigned long)(uint64_t)u);
}

/* rop = mant / 10^scale, by the oracle's route. */
static void oracle_dec(mpq_t rop, ll_i128 mant, int scale)
{
	mpz_t n, d;

	mpz_init(n);
	mpz_init(d);
	oracle_set_i128(n, mant);
	mpz_ui_pow_ui(d, 10, (unsigned long)scale);
	mpq_set_num(rop, n);
	mpq_set_den(rop, d);
	mpq_canonicalize(rop);
	mpz_clear(n);
	mpz_clear(d);
}

/* Fail with both values printed when the sum is not exactly want. */
#define ASSERT_SUM(s, scale, want, what)                                       \
	assert_sum_(s, scale, want, what, __LINE__)
static void assert_sum_(const struct ll_xsum *s, int scale, const mpq_t want,
			const char *what, int at)
{
	mpq_t got;

	mpq_init(got);
	ll_xsum_get(got, s, scale);
	/* ll_xsum_get promises a canonical value: mpq_equal relies on it */
	{
		mpz_t g;

		mpz_init(g);
		mpz_gcd(g, mpq_numref(got), mpq_denref(got));
		if (mpz_sgn(mpq_numref(got)) != 0 && mpz_cmp_ui(g, 1) != 0) {
			mpz_clear(g);
			mpq_clear(got);
			fail_msg("line %d: %s: result is not canonical", at,
				 what);
		}
		mpz_clear(g);
	}
	if (!mpq_equal(got, want)) {
		char *g = mpq_get_str(NULL, 10, got);
		char *w = mpq_get_str(NULL, 10, want);

		print_error("line %d: %s:\n  got  %s\n  want %s\n", at, what, g,
			    w);
		free(g);
		free(w);
		mpq_clear(got);
		fail();
	}
	mpq_clear(got);
}

/* ---- zero, init, release -------------------------------------------------- */

static void test_init_is_zero(void **state)
{
	struct ll_xsum s;
	mpq_t q, zero;

	(void)state;
	mpq_init(q);
	mpq_init(zero);
	ll_xsum_init(&s);
	assert_true(ll_xsum_is_zero(&s));
	assert_null(s.hi);
	assert_null(s.q);
	ASSERT_SUM(&s, LL_XSUM_SCALE_W, zero, "empty sum at scale 18");
	ASSERT_SUM(&s, LL_XSUM_SCALE_VW, zero, "empty sum at scale 36");
	ASSERT_SUM(&s, 0, zero, "empty sum at scale 0");
	/* release leaves an empty, reusable accumulator; twice is harmless */
	ll_xsum_release(&s);
	assert_true(ll_xsum_is_zero(&s));
	ll_xsum_release(&s);
	assert_true(ll_xsum_is_zero(&s));
	mpq_clear(q);
	mpq_clear(zero);
}

static void test_is_zero(void **state)
{
	struct ll_xsum s;
	struct ll_dec d0 = { 0, 3 }, d1 = { 1, 18 };
	mpq_t q;
	mpz_t z;

	(void)state;
	mpq_init(q);
	mpz_init(z);
	ll_xsum_init(&s);

	/* zero terms of every kind keep it zero, even once hi and q exist */
	assert_int_equal(ll_xsum_add_i128(&s, 0), LL_OK);
	assert_int_equal(ll_xsum_add_dec(&s, &d0, LL_XSUM_SCALE_W), LL_OK);
	assert_int_equal(ll_xsum_add_dec_product(&s, &d0, &d1, 36), LL_OK);
	assert_int_equal(ll_xsum_add_mpz(&s, z), LL_OK);
	assert_int_equal(ll_xsum_add_mpq(&s, q), LL_OK);
	assert_non_null(s.hi);
	assert_non_null(s.q);
	assert_true(ll_xsum_is_zero(&s));

	/* the smallest term in each part makes it non-zero */
	assert_int_equal(ll_xsum_add_dec(&s, &d1, LL_XSUM_SCALE_W), LL_OK);
	assert_false(ll_xsum_is_zero(&s));
	ll_xsum_release(&s);

	ll_xsum_init(&s);
	mpz_set_ui(z, 1);
	assert_int_equal(ll_xsum_add_mpz(&s, z), LL_OK);
	assert_int_equal(s.lo, 0);
	assert_false(ll_xsum_is_zero(&s));
	ll_xsum_release(&s);

	ll_xsum_init(&s);
	mpq_set_ui(q, 1, 3);
	assert_int_equal(ll_xsum_add_mpq(&s, q), LL_OK);
	assert_int_equal(s.lo, 0);
	assert_null(s.hi);
	assert_false(ll_xsum_is_zero(&s));
	ll_xsum_release(&s);

	/* a product of tiny decimals is still seen at scale 36 */
	ll_xsum_init(&s);
	assert_int_equal(ll_xsum_add_dec_product(&s, &d1, &d1, 36), LL_OK);
	assert_false(ll_xsum_is_zero(&s));
	ll_xsum_release(&s);

	/* merging zeros stays zero; merging a non-zero does not */
	{
		struct ll_xsum a, b;

		ll_xsum_init(&a);
		ll_xsum_init(&b);
		mpq_set_ui(q, 0, 1);
		assert_int_equal(ll_xsum_add_mpq(&b, q), LL_OK);
		assert_int_equal(ll_xsum_merge(&a, &b), LL_OK);
		assert_true(ll_xsum_is_zero(&a));
		assert_int_equal(ll_xsum_add_i128(&b, 7), LL_OK);
		assert_int_equal(ll_xsum_merge(&a, &b), LL_OK);
		assert_false(ll_xsum_is_zero(&a));
		ll_xsum_release(&a);
		ll_xsum_release(&b);
	}
	mpq_clear(q);
	mpz_clear(z);
}

/* ---- the 128-bit boundary --------------------------------------------------- */

static void test_lo_boundary(void **state)
{
	const ll_i128 max = (ll_i128)(((u128)1 << 127) - 1);
	struct ll_xsum s;
	mpq_t want, t;

	(void)state;
	mpq_init(want);
	mpq_init(t);

	/* exactly INT128_MAX stays in the fast lane */
	ll_xsum_init(&s);
	assert_int_equal(ll_xsum_add_i128(&s, max - 5), LL_OK);
	assert_int_equal(ll_xsum_add_i128(&s, 5), LL_OK);
	assert_null(s.hi);
	assert_true(s.lo == max);
	/* one more spills, and nothing is lost: 2^127 / 10^0 */
	assert_int_equal(ll_xsum_add_i128(&s, 1), LL_OK);
	assert_non_null(s.hi);
	mpz_set_ui(mpq_numref(want), 1);
	mpz_mul_2exp(mpq_numref(want), mpq_numref(want), 127);
	mpz_set_ui(mpq_denref(want), 1);
	ASSERT_SUM(&s, 0, want, "INT128_MAX + 1");
	/* and again: 2 · INT128_MAX + 1 + INT128_MAX */
	assert_int_equal(ll_xsum_add_i128(&s, max), LL_OK);
	assert_int_equal(ll_xsum_add_i128(&s, max), LL_OK);
	oracle_set_i128(mpq_numref(t), max);
	mpz_set_ui(mpq_denref(t), 1);
	mpq_add(want, want, t);
	mpq_add(want, want, t);
	ASSERT_SUM(&s, 0, want, "3 · INT128_MAX + 1");
	/* the same value read at scale 18 is that integer / 10^18 */
	mpz_ui_pow_ui(mpq_denref(want), 10, 18);
	mpq_canonicalize(want);
	ASSERT_SUM(&s, 18, want, "3 · INT128_MAX + 1 at scale 18");
	ll_xsum_release(&s);

	/* the largest 38-digit mantissa, 20 times: spills repeatedly */
	ll_xsum_init(&s);
	mpq_set_ui(want, 0, 1);
	{
		struct ll_dec d = { pow10_128(38) - 1, 0 };
		int i;

		for (i = 0; i < 20; i++) {
			assert_int_equal(ll_xsum_add_dec(&s, &d, 0), LL_OK);
			oracle_dec(t, d.mant, 0);
			mpq_add(want, want, t);
		}
	}
	assert_non_null(s.hi);
	ASSERT_SUM(&s, 0, want, "20 × (10^38 - 1)");
	ll_xsum_release(&s);
	mpq_clear(want);
	mpq_clear(t);
}

/* ---- random sums against the oracle --------------------------------------- */

/*
 * A random decimal at most `scale` fractional digits, biased towards the
 * interesting shapes: tiny values, values with every digit used, and
 * mantissas near 10^37..10^38 that make the 128-bit part overflow.
 */
static struct ll_dec rand_dec(struct rng *r, int scale_max)
{
	struct ll_dec d;
	unsigned kind = rng_below(r, 10);

	d.scale = (int)rng_below(r, (unsigned)scale_max + 1);
	if (d.scale > LL_EXACT_FRACDIGITS_MAX)
		d.scale = LL_EXACT_FRACDIGITS_MAX;
	switch (kind) {
	case 0:
	case 1:
		/* near 10^37 (38 digits, leading digit 1..9) */
		d.mant = pow10_128(37) * (ll_i128)(1 + rng_below(r, 9)) +
			 rand_mant(r, 37);
		break;
	case 2:
		d.mant = pow10_128(38) - 1 - rand_mant(r, 10);
		break;
	case 3:
		d.mant = (ll_i128)rng_below(r, 10);
		break;
	case 4:
		d.mant = 0;
		break;
	default:
		d.mant = rand_mant(r, 1 + (int)rng_below(r, 38));
		break;
	}
	return d;
}

static void random_sum_at(int scale, unsigned terms, uint64_t seed)
{
	struct rng r = { seed };
	struct ll_xsum s;
	mpq_t want, t;
	unsigned i, spills_seen = 0;
	char what[96];

	mpq_init(want);
	mpq_init(t);
	ll_xsum_init(&s);
	for (i = 0; i < terms; i++) {
		struct ll_dec d = rand_dec(&r, scale);
		bool had_hi = s.hi != NULL;

		assert_int_equal(ll_xsum_add_dec(&s, &d, scale), LL_OK);
		oracle_dec(t, d.mant, d.scale);
		mpq_add(want, want, t);
		spills_seen += !had_hi && s.hi != NULL;
		if (i % CHECK_EVERY == 0 || i + 1 == terms) {
			snprintf(what, sizeof(what),
				 "scale %d, after term %u (seed %llu)", scale,
				 i, (unsigned long long)seed);
			ASSERT_SUM(&s, scale, want, what);
		}
	}
	/* the big mantissas really did overflow the 128-bit part */
	assert_int_equal(spills_seen, 1);
	assert_non_null(s.hi);
	assert_null(s.q);
	assert_false(ll_xsum_is_zero(&s));
	ll_xsum_release(&s);
	mpq_clear(want);
	mpq_clear(t);
}

static void test_random_scale18(void **state)
{
	(void)state;
	random_sum_at(LL_XSUM_SCALE_W, TERMS_18, UINT64_C(0x9e3779b97f4a7c15));
}

static void test_random_scale36(void **state)
{
	(void)state;
	random_sum_at(LL_XSUM_SCALE_VW, TERMS_36, UINT64_C(0xd1b54a32d192ed03));
}

/*
 * Decimals that do not fit the fast lane once scaled (a 38-digit
 * mantissa at scale 0 read at scale 36 is about 10^74) interleaved with
 * small ones that do: both lanes must agree with the oracle.
 */
static void test_slow_lane_scaling(void **state)
{
	struct rng r = { UINT64_C(0x1234567887654321) };
	struct ll_xsum s;
	mpq_t want, t;
	unsigned i;

	(void)state;
	mpq_init(want);
	mpq_init(t);
	ll_xsum_init(&s);
	for (i = 0; i < 2000; i++) {
		struct ll_dec d;

		if (i % 2 == 0) {
			d.mant = rand_mant(&r, 38);
			d.scale = (int)rng_below(&r, 3); /* 0..2 */
		} else {
			d.mant = rand_mant(&r, 5);
			d.scale = 18;
		}
		assert_int_equal(ll_xsum_add_dec(&s, &d, LL_XSUM_SCALE_VW),
				 LL_OK);
		oracle_dec(t, d.mant, d.scale);
		mpq_add(want, want, t);
	}
	ASSERT_SUM(&s, LL_XSUM_SCALE_VW, want, "big decimals at scale 36");
	ll_xsum_release(&s);

	/* a single exact case: 99999999999999999999999999999999999999
	 * (38 nines) at scale 0 read at scale 36, plus 0.000000000000000001 */
	ll_xsum_init(&s);
	{
		struct ll_dec big = { pow10_128(38) - 1, 0 }, tiny = { 1, 18 };

		assert_int_equal(ll_xsum_add_dec(&s, &big, 36), LL_OK);
		assert_int_equal(ll_xsum_add_dec(&s, &tiny, 36), LL_OK);
		assert_int_equal(
			mpq_set_str(want,
				    "99999999999999999999999999999999999999000"
				    "000000000000001/1000000000000000000",
				    10),
			0);
		mpq_canonicalize(want);
		ASSERT_SUM(&s, 36, want, "10^38 - 1 + 10^-18");
	}
	ll_xsum_release(&s);
	mpq_clear(want);
	mpq_clear(t);
}

/* Products a·b at scale 36 with a.scale + b.scale <= 36. */
static void test_random_products(void **state)
{
	struct rng r = { UINT64_C(0x5851f42d4c957f2d) };
	struct ll_xsum s;
	mpq_t want, ta, tb;
	unsigned i, big = 0;
	char what[96];

	(void)state;
	mpq_init(want);
	mpq_init(ta);
	mpq_init(tb);
	ll_xsum_init(&s);
	for (i = 0; i < TERMS_PRODUCT; i++) {
		struct ll_dec a = rand_dec(&r, 18), b = rand_dec(&r, 18);

		if (i % 7 == 0) {
			/* two full 38-digit mantissas: the product has ~76 */
			a.mant = pow10_128(38) - 1 - rand_mant(&r, 30);
			b.mant = pow10_128(37) + rand_mant(&r, 37);
			big++;
		}
		assert_true(a.scale + b.scale <= LL_XSUM_SCALE_VW);
		assert_int_equal(
			ll_xsum_add_dec_product(&s, &a, &b, LL_XSUM_SCALE_VW),
			LL_OK);
		oracle_dec(ta, a.mant, a.scale);
		oracle_dec(tb, b.mant, b.scale);
		mpq_mul(ta, ta, tb);
		mpq_add(want, want, ta);
		if (i % CHECK_EVERY == 0 || i + 1 == TERMS_PRODUCT) {
			snprintf(what, sizeof(what), "product term %u", i);
			ASSERT_SUM(&s, LL_XSUM_SCALE_VW, want, what);
		}
	}
	assert_true(big > 1000);
	assert_non_null(s.hi);
	ll_xsum_release(&s);

	/* one hand-checked product: (10^38 - 1)^2 at scales 18 + 18 */
	ll_xsum_init(&s);
	{
		struct ll_dec a = { pow10_128(38) - 1, 18 };

		assert_int_equal(ll_xsum_add_dec_product(&s, &a, &a, 36),
				 LL_OK);
		/* (10^38 - 1)^2 = 10^76 - 2·10^38 + 1, over 10^36 */
		mpz_ui_pow_ui(mpq_numref(want), 10, 76);
		mpz_ui_pow_ui(mpq_denref(ta), 10, 38); /* scratch */
		mpz_submul_ui(mpq_numref(want), mpq_denref(ta), 2);
		mpz_add_ui(mpq_numref(want), mpq_numref(want), 1);
		mpz_ui_pow_ui(mpq_denref(want), 10, 36);
		mpq_canonicalize(want);
		ASSERT_SUM(&s, 36, want, "(10^20 - 10^-18)^2");
	}
	ll_xsum_release(&s);

	/* a product read at a scale larger than a.scale + b.scale */
	ll_xsum_init(&s);
	{
		struct ll_dec a = { 125, 3 }, b = { 4, 1 }; /* 0.125 · 0.4 */

		assert_int_equal(ll_xsum_add_dec_product(&s, &a, &b, 36),
				 LL_OK);
		mpq_set_ui(want, 1, 20);
		ASSERT_SUM(&s, 36, want, "0.125 · 0.4");
	}
	ll_xsum_release(&s);
	mpq_clear(want);
	mpq_clear(ta);
	mpq_clear(tb);
}

/*
 * The inline lanes (ll_xsum_add_dec_fast, ll_xsum_add_dec_product_fast)
 * give the same sums as the oracle and as the out-of-line functions, on
 * random terms and on mantissas at, just below and just above the room
 * where a term still fits in 128 bits (where the inline lane must hand
 * over), and on mantissas at and over 2^63.
 */
static void test_fast_lanes(void **state)
{
	struct rng r = { UINT64_C(0x0ddba11cafef00d5) };
	struct ll_xsum fw, fp, sw, sp;
	mpq_t want_w, want_p, ta, tb;
	unsigned i;

	(void)state;
	mpq_init(want_w);
	mpq_init(want_p);
	mpq_init(ta);
	mpq_init(tb);
	ll_xsum_init(&fw);
	ll_xsum_init(&fp);
	ll_xsum_init(&sw);
	ll_xsum_init(&sp);
	for (i = 0; i < TERMS_PRODUCT; i++) {
		struct ll_dec a = rand_dec(&r, 18), b = rand_dec(&r, 18);
		int k = LL_XSUM_SCALE_VW - a.scale - b.scale;

		switch (i % 6) {
		case 0: /* at the room of a single term's scaling */
			a.mant = ll_xsum_pow10_room[LL_XSUM_SCALE_W - a.scale] -
				 (ll_i128)rng_below(&r, 2);
			break;
		case 1: /* just over it */
			a.mant = ll_xsum_pow10_room[LL_XSUM_SCALE_W - a.scale];
			/* (at scale 18 the room is past 38 digits) */
			a.mant = a.mant < pow10_128(38) - 4
					 ? a.mant + 1 + (ll_i128)rng_below(&r, 3)
					 : pow10_128(38) - 1;
			break;
		case 2: /* 63-bit mantissas whose product is near the room */
			a.mant = (ll_i128)(rng_next(&r) >> 1);
			b.mant = ll_xsum_pow10_room[k] / (a.mant ? a.mant : 1) +
				 (ll_i128)rng_below(&r, 3) - 1;
			if (b.mant < 0)
				b.mant = 0;
			break;
		case 3: /* at and just over 2^63 */
			a.mant = (ll_i128)INT64_MAX + (ll_i128)rng_below(&r, 2);
			b.mant = (ll_i128)rng_below(&r, 1000);
			break;
		default: /* the everyday shape: a few digits each */
			a.mant = (ll_i128)rng_below(&r, 100000);
			b.mant = (ll_i128)rng_below(&r, 100000);
			break;
		}
		assert_int_equal(ll_xsum_add_dec_fast(&fw, &a, LL_XSUM_SCALE_W),
				 LL_OK);
		assert_int_equal(ll_xsum_add_dec(&sw, &a, LL_XSUM_SCALE_W),
				 LL_OK);
		assert_int_equal(ll_xsum_add_dec_product_fast(
					 &fp, &a, &b, LL_XSUM_SCALE_VW),
				 LL_OK);
		assert_int_equal(ll_xsum_add_dec_product(&sp, &a, &b,
							 LL_XSUM_SCALE_VW),
				 LL_OK);
		oracle_dec(ta, a.mant, a.scale);
		mpq_add(want_w, want_w, ta);
		oracle_dec(tb, b.mant, b.scale);
		mpq_mul(ta, ta, tb);
		mpq_add(want_p, want_p, ta);
		if (i % CHECK_EVERY == 0 || i + 1 == TERMS_PRODUCT) {
			ASSERT_SUM(&fw, LL_XSUM_SCALE_W, want_w, "inline dec");
			ASSERT_SUM(&sw, LL_XSUM_SCALE_W, want_w, "dec");
			ASSERT_SUM(&fp, LL_XSUM_SCALE_VW, want_p,
				   "inline product");
			ASSERT_SUM(&sp, LL_XSUM_SCALE_VW, want_p, "product");
		}
	}
	/* the room is exact: room · 10^k fits, (room + 1) · 10^k does not */
	for (i = 0; i <= 38; i++) {
		u128 lim = (u128)(~(u128)0 >> 1);
		u128 room = (u128)ll_xsum_pow10_room[i];
		u128 p = (u128)pow10_128((int)i);

		assert_true(room * p <= lim);
		assert_true(room + 1 > lim / p);
		assert_true(ll_xsum_pow10[i] == pow10_128((int)i));
	}
	ll_xsum_release(&fw);
	ll_xsum_release(&fp);
	ll_xsum_release(&sw);
	ll_xsum_release(&sp);
	mpq_clear(want_w);
	mpq_clear(want_p);
	mpq_clear(ta);
	mpq_clear(tb);
}

/* Decimals, products, rationals and raw integers in one sum. */
static void test_mixed_terms(void **state)
{
	struct rng r = { UINT64_C(0xabcdef0123456789) };
	struct ll_xsum s;
	mpq_t want, t, u;
	mpz_t z;
	unsigned i;

	(void)state;
	mpq_init(want);
	mpq_init(t);
	mpq_init(u);
	mpz_init(z);
	ll_xsum_init(&s);
	for (i = 0; i < 20000; i++) {
		switch (rng_below(&r, 5)) {
		case 0: {
			struct ll_dec d = rand_dec(&r, 18);

			assert_int_equal(ll_xsum_add_dec(&s, &d, 36), LL_OK);
			oracle_dec(t, d.mant, d.scale);
			break;
		}
		case 1: {
			struct ll_dec a = rand_dec(&r, 18), b = rand_dec(&r, 18);

			assert_int_equal(ll_xsum_add_dec_product(&s, &a, &b, 36),
					 LL_OK);
			oracle_dec(t, a.mant, a.scale);
			oracle_dec(u, b.mant, b.scale);
			mpq_mul(t, t, u);
			break;
		}
		case 2: {
			/* a fraction such as 7/3 or 1/9999991 */
			unsigned long num = rng_next(&r) % 1000000;
			unsigned long den = 1 + rng_next(&r) % 9999991;

			mpq_set_ui(t, num, den);
			mpq_canonicalize(t);
			assert_int_equal(ll_xsum_add_mpq(&s, t), LL_OK);
			break;
		}
		case 3: {
			ll_i128 x = rand_mant(&r, 1 + (int)rng_below(&r, 38));

			assert_int_equal(ll_xsum_add_i128(&s, x), LL_OK);
			oracle_dec(t, x, 36);
			break;
		}
		default: {
			/* an integer beyond 128 bits, in units of 10^-36 */
			oracle_set_i128(z, rand_mant(&r, 38));
			mpz_mul_2exp(z, z, 40 + rng_below(&r, 60));
			assert_int_equal(ll_xsum_add_mpz(&s, z), LL_OK);
			mpq_set_z(t, z);
			mpz_ui_pow_ui(mpq_denref(u), 10, 36);
			mpz_set_ui(mpq_numref(u), 1);
			mpq_mul(t, t, u);
			break;
		}
		}
		mpq_add(want, want, t);
		if (i % CHECK_EVERY == 0)
			ASSERT_SUM(&s, 36, want, "mixed terms");
	}
	ASSERT_SUM(&s, 36, want, "mixed terms, final");
	assert_non_null(s.hi);
	assert_non_null(s.q);
	ll_xsum_release(&s);
	mpq_clear(want);
	mpq_clear(t);
	mpq_clear(u);
	mpz_clear(z);
}

/* ---- merge ---------------------------------------------------------------- */

enum { MERGE_PARTS = 9, MERGE_TERMS = 3000 };

/* Fill part[k] with random terms (some near 10^37, some fractions) and
 * add each to the oracle. */
static void fill_parts(struct ll_xsum *part, size_t n, mpq_t want,
		       uint64_t seed)
{
	struct rng r = { seed };
	mpq_t t;
	size_t k;
	unsigned i;

	mpq_init(t);
	for (k = 0; k < n; k++)
		ll_xsum_init(&part[k]);
	for (i = 0; i < MERGE_TERMS; i++) {
		size_t k2 = rng_below(&r, (unsigned)n);

		if (rng_below(&r, 20) == 0) {
			mpq_set_ui(t, 1 + rng_next(&r) % 1000, 3 + rng_below(&r, 97));
			mpq_canonicalize(t);
			assert_int_equal(ll_xsum_add_mpq(&part[k2], t), LL_OK);
		} else {
			struct ll_dec d = rand_dec(&r, 18);

			assert_int_equal(ll_xsum_add_dec(&part[k2], &d, 18),
					 LL_OK);
			oracle_dec(t, d.mant, d.scale);
		}
		mpq_add(want, want, t);
	}
	mpq_clear(t);
}

static void get_q(mpq_t rop, const struct ll_xsum *s)
{
	ll_xsum_get(rop, s, 18);
}

static void test_merge_orders(void **state)
{
	struct ll_xsum part[MERGE_PARTS];
	struct ll_xsum fwd, rev, tree[MERGE_PARTS], perm;
	mpq_t want, a, b;
	size_t k;
	struct rng r = { 77 };
	size_t order[MERGE_PARTS];

	(void)state;
	mpq_init(want);
	mpq_init(a);
	mpq_init(b);
	fill_parts(part, MERGE_PARTS, want, UINT64_C(0x0123456789abcdef));

	/* forward */
	ll_xsum_init(&fwd);
	for (k = 0; k < MERGE_PARTS; k++)
		assert_int_equal(ll_xsum_merge(&fwd, &part[k]), LL_OK);
	ASSERT_SUM(&fwd, 18, want, "forward merge");

	/* reverse */
	ll_xsum_init(&rev);
	for (k = MERGE_PARTS; k-- > 0;)
		assert_int_equal(ll_xsum_merge(&rev, &part[k]), LL_OK);
	ASSERT_SUM(&rev, 18, want, "reverse merge");

	/* pairwise tree into copies: ((0+1)+(2+3))+... */
	for (k = 0; k < MERGE_PARTS; k++) {
		ll_xsum_init(&tree[k]);
		assert_int_equal(ll_xsum_merge(&tree[k], &part[k]), LL_OK);
	}
	{
		size_t step;

		for (step = 1; step < MERGE_PARTS; step *= 2) {
			for (k = 0; k + step < MERGE_PARTS; k += 2 * step)
				assert_int_equal(
					ll_xsum_merge(&tree[k], &tree[k + step]),
					LL_OK);
		}
	}
	ASSERT_SUM(&tree[0], 18, want, "tree merge");

	/* a random permutation, merged into a non-empty accumulator and
	 * then compensated by the oracle */
	for (k = 0; k < MERGE_PARTS; k++)
		order[k] = k;
	for (k = MERGE_PARTS - 1; k > 0; k--) {
		size_t j = rng_below(&r, (unsigned)(k + 1)), x = order[k];

		order[k] = order[j];
		order[j] = x;
	}
	ll_xsum_init(&perm);
	{
		struct ll_dec d = { pow10_128(38) - 1, 0 };

		assert_int_equal(ll_xsum_add_dec(&perm, &d, 18), LL_OK);
		oracle_dec(a, d.mant, 0);
		mpq_add(a, a, want);
	}
	for (k = 0; k < MERGE_PARTS; k++)
		assert_int_equal(ll_xsum_merge(&perm, &part[order[k]]), LL_OK);
	ASSERT_SUM(&perm, 18, a, "permuted merge into a non-empty sum");

	/* every order gives the very same value */
	get_q(a, &fwd);
	get_q(b, &rev);
	assert_true(mpq_equal(a, b));
	get_q(b, &tree[0]);
	assert_true(mpq_equal(a, b));

	/* the sources are unchanged by merging */
	{
		mpq_t again, t;

		mpq_init(again);
		mpq_init(t);
		for (k = 0; k < MERGE_PARTS; k++) {
			get_q(t, &part[k]);
			mpq_add(again, again, t);
		}
		assert_true(mpq_equal(again, want));
		mpq_clear(again);
		mpq_clear(t);
	}

	for (k = 0; k < MERGE_PARTS; k++) {
		ll_xsum_release(&part[k]);
		ll_xsum_release(&tree[k]);
	}
	ll_xsum_release(&fwd);
	ll_xsum_release(&rev);
	ll_xsum_release(&perm);
	mpq_clear(want);
	mpq_clear(a);
	mpq_clear(b);
}

/* Merging two accumulators whose 128-bit parts together overflow. */
static void test_merge_overflow(void **state)
{
	struct ll_xsum a, b;
	struct ll_dec d = { pow10_128(38) - 1, 0 };
	mpq_t want, t;
	int i;

	(void)state;
	mpq_init(want);
	mpq_init(t);
	ll_xsum_init(&a);
	ll_xsum_init(&b);
	assert_int_equal(ll_xsum_add_dec(&a, &d, 0), LL_OK);
	assert_int_equal(ll_xsum_add_dec(&b, &d, 0), LL_OK);
	assert_null(a.hi);
	assert_null(b.hi);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ll_xsum_merge(&a, &b), LL_OK);
		assert_int_equal(ll_xsum_merge(&b, &a), LL_OK);
	}
	/* a = 1,2 → 3 → 8 (after b = 5): a: 1+1=2, b: 1+2=3, a: 2+3=5,
	 * b: 3+5=8 — Fibonacci multiples of 10^38 - 1 */
	oracle_dec(t, d.mant, 0);
	mpq_set_ui(want, 5, 1);
	mpq_mul(want, want, t);
	ASSERT_SUM(&a, 0, want, "a = 5 (10^38 - 1)");
	mpq_set_ui(want, 8, 1);
	mpq_mul(want, want, t);
	ASSERT_SUM(&b, 0, want, "b = 8 (10^38 - 1)");
	ll_xsum_release(&a);
	ll_xsum_release(&b);
	mpq_clear(want);
	mpq_clear(t);
}

/*
 * dst and src may be the same accumulator (GMP's convention, which the
 * house style follows: outputs first, aliasing allowed): merging a sum
 * into itself doubles it — also when the 128-bit part overflows in the
 * process.
 */
static void test_merge_self_alias(void **state)
{
	struct ll_xsum s;
	struct ll_dec d = { pow10_128(38) - 1, 0 };
	mpq_t want, got_small, got_big;
	bool ok_small, ok_big;

	(void)state;
	mpq_init(want);
	mpq_init(got_small);
	mpq_init(got_big);

	/* no overflow: 3 + 3 */
	ll_xsum_init(&s);
	assert_int_equal(ll_xsum_add_i128(&s, 3), LL_OK);
	assert_int_equal(ll_xsum_merge(&s, &s), LL_OK);
	ll_xsum_get(got_small, &s, 0);
	ll_xsum_release(&s);

	/* lo + lo overflows and hi already holds something */
	ll_xsum_init(&s);
	assert_int_equal(ll_xsum_add_dec(&s, &d, 0), LL_OK);
	assert_int_equal(ll_xsum_add_dec(&s, &d, 0), LL_OK); /* spills */
	assert_non_null(s.hi);
	assert_int_equal(ll_xsum_merge(&s, &s), LL_OK);
	ll_xsum_get(got_big, &s, 0);
	ll_xsum_release(&s);

	/* compare after releasing, so a failure leaks nothing */
	mpq_set_ui(want, 6, 1);
	ok_small = mpq_equal(got_small, want);
	oracle_dec(want, d.mant, 0);
	mpz_mul_ui(mpq_numref(want), mpq_numref(want), 4);
	ok_big = mpq_equal(got_big, want);
	if (!ok_big) {
		char *g = mpq_get_str(NULL, 10, got_big);
		char *w = mpq_get_str(NULL, 10, want);

		print_error("self-merge of 2 (10^38 - 1):\n  got  %s\n  want "
			    "%s\n",
			    g, w);
		free(g);
		free(w);
	}
	mpq_clear(want);
	mpq_clear(got_small);
	mpq_clear(got_big);
	assert_true(ok_small);
	assert_true(ok_big);
}

/* ---- rational terms ------------------------------------------------------- */

static void test_mpq_terms(void **state)
{
	static const char *const fr[] = {
		"1/3", "2/7", "5/6", "0", "1/1000000000000000000000000000007",
		"123456789012345678901234567890/7", "1/2", "3/4", "9/10",
	};
	struct ll_xsum s;
	mpq_t want, t;
	size_t i;
	int rep;

	(void)state;
	mpq_init(want);
	mpq_init(t);
	ll_xsum_init(&s);
	for (rep = 0; rep < 50; rep++) {
		for (i = 0; i < N_ELEMS(fr); i++) {
			assert_int_equal(mpq_set_str(t, fr[i], 10), 0);
			mpq_canonicalize(t);
			assert_int_equal(ll_xsum_add_mpq(&s, t), LL_OK);
			mpq_add(want, want, t);
		}
	}
	/* the value does not depend on the scale it is read at */
	ASSERT_SUM(&s, 0, want, "fractions at scale 0");
	ASSERT_SUM(&s, 18, want, "fractions at scale 18");
	ASSERT_SUM(&s, 36, want, "fractions at scale 36");
	/* the decimal part is scaled, the rational part is not */
	{
		struct ll_dec d = { 25, 2 }; /* 0.25 */

		assert_int_equal(ll_xsum_add_dec(&s, &d, 18), LL_OK);
		mpq_set_ui(t, 1, 4);
		mpq_add(want, want, t);
		ASSERT_SUM(&s, 18, want, "fractions + 0.25 at scale 18");
	}
	ll_xsum_release(&s);

	/* 1/3 three times is exactly 1 */
	ll_xsum_init(&s);
	mpq_set_ui(t, 1, 3);
	for (rep = 0; rep < 3; rep++)
		assert_int_equal(ll_xsum_add_mpq(&s, t), LL_OK);
	mpq_set_ui(want, 1, 1);
	ASSERT_SUM(&s, 18, want, "3 × 1/3");
	ll_xsum_release(&s);
	mpq_clear(want);
	mpq_clear(t);
}

/* Decimal terms whose scale equals the sum's (no scaling at all) and the
 * canonical form of the result ("0.50" reads back as 1/2). */
static void test_scales_and_canonical(void **state)
{
	struct ll_xsum s;
	mpq_t want;
	struct ll_dec half = { 50, 2 }, w18 = { 1, 18 }, one = { 1, 0 };

	(void)state;
	mpq_init(want);
	ll_xsum_init(&s);
	assert_int_equal(ll_xsum_add_dec(&s, &half, 2), LL_OK);
	mpq_set_ui(want, 1, 2);
	ASSERT_SUM(&s, 2, want, "0.50 at scale 2");
	ll_xsum_release(&s);

	ll_xsum_init(&s);
	assert_int_equal(ll_xsum_add_dec(&s, &w18, 18), LL_OK);
	assert_true(s.lo == 1);
	assert_int_equal(ll_xsum_add_dec(&s, &one, 18), LL_OK);
	mpq_set_str(want, "1000000000000000001/1000000000000000000", 10);
	ASSERT_SUM(&s, 18, want, "1 + 10^-18");
	ll_xsum_release(&s);

	/* the same decimal at scale 36 lands in lo as mant · 10^(36 - s) */
	ll_xsum_init(&s);
	assert_int_equal(ll_xsum_add_dec(&s, &half, 36), LL_OK);
	assert_true(s.lo == 50 * pow10_128(34));
	assert_null(s.hi);
	ll_xsum_release(&s);
	mpq_clear(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_zero),
		cmocka_unit_test(test_is_zero),
		cmocka_unit_test(test_lo_boundary),
		cmocka_unit_test(test_random_scale18),
		cmocka_unit_test(test_random_scale36),
		cmocka_unit_test(test_slow_lane_scaling),
		cmocka_unit_test(test_random_products),
		cmocka_unit_test(test_fast_lanes),
		cmocka_unit_test(test_mixed_terms),
		cmocka_unit_test(test_merge_orders),
		cmocka_unit_test(test_merge_overflow),
		cmocka_unit_test(test_merge_self_alias),
		cmocka_unit_test(test_mpq_terms),
		cmocka_unit_test(test_scales_and_canonical),
	};

	return cmocka_run_group_tests_name("xsum", tests, NULL, NULL);
}

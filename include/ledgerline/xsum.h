/*
 * xsum.h — exact running sums of non-negative exact numbers, fast for the
 * decimals that make up almost every input.
 *
 * Design decision: a sum is lo + hi at a fixed power-of-ten scale plus q
 * for terms that are not decimals.  Decimal terms are added to the 128-bit
 * lo; when lo would overflow it is spilled into the GMP integer hi, so no
 * term is ever rounded and the common case costs one 128-bit addition.
 * hi and q are allocated only when first needed, keeping an idle
 * accumulator at 32 bytes.
 */
#ifndef LEDGERLINE_XSUM_H
#define LEDGERLINE_XSUM_H

#include <gmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "ledgerline/exact.h"
#include "ledgerline/status.h"

/* Scales used across ledgerline: weights sum at 10^18, products of a
 * value and a weight (each at most 18 fractional digits) at 10^36. */
enum { LL_XSUM_SCALE_W = 18, LL_XSUM_SCALE_VW = 36 };

struct ll_xsum {
	ll_i128 lo;	/* part of the sum × 10^scale */
	mpz_t *hi;	/* more of it, same scale (NULL: zero) */
	mpq_t *q;	/* non-decimal terms, unscaled (NULL: zero) */
};

/* Zero.  No allocation. */
void ll_xsum_init(struct ll_xsum *s);
void ll_xsum_release(struct ll_xsum *s);

/* s += x / 10^scale, x >= 0.  LL_NOMEM if a spill cannot allocate. */
enum ll_status ll_xsum_add_i128(struct ll_xsum *s, ll_i128 x);
/* s += x / 10^scale for an arbitrary-size integer x >= 0. */
enum ll_status ll_xsum_add_mpz(struct ll_xsum *s, const mpz_t x);
/* s += q (any non-negative rational). */
enum ll_status ll_xsum_add_mpq(struct ll_xsum *s, const mpq_t q);

/*
 * s += d (a decimal) scaled to scale: requires d.scale <= scale.
 * s += a · b for two decimals with a.scale + b.scale <= scale.
 */
enum ll_status ll_xsum_add_dec(struct ll_xsum *s, const struct ll_dec *d,
			       int scale);
enum ll_status ll_xsum_add_dec_product(struct ll_xsum *s,
				       const struct ll_dec *a,
				       const struct ll_dec *b, int scale);

/*
 * The same two sums, inline, for the tally's hot path: a term whose
 * mantissas fit in 63 bits and whose scaled value fits in 128 bits (every
 * decimal of 18 digits or fewer, in practice) is multiplied and added
 * here; any other goes to the functions above.  The sum is the same
 * either way.
 */
__extension__ typedef unsigned __int128 ll_xsum_u128;

/* 10^k, and the largest x >= 0 with x · 10^k <= INT128_MAX, for
 * k <= LL_XSUM_POW10_MAX. */
enum { LL_XSUM_POW10_MAX = 38 };
extern const ll_i128 ll_xsum_pow10[LL_XSUM_POW10_MAX + 1];
extern const ll_i128 ll_xsum_pow10_room[LL_XSUM_POW10_MAX + 1];

/* s += x for a scaled term 0 <= x. */
static inline enum ll_status ll_xsum_add_term(struct ll_xsum *s, ll_i128 x)
{
	ll_i128 r;

	if (__builtin_expect(!__builtin_add_overflow(s->lo, x, &r), 1)) {
		s->lo = r;
		return LL_OK;
	}
	return ll_xsum_add_i128(s, x);
}

static inline enum ll_status ll_xsum_add_dec_fast(struct ll_xsum *s,
						  const struct ll_dec *d,
						  int scale)
{
	int k = scale - d->scale;

	if (k >= 0 && k <= LL_XSUM_POW10_MAX && d->mant >= 0 &&
	    d->mant <= ll_xsum_pow10_room[k])
		return ll_xsum_add_term(s, d->mant * ll_xsum_pow10[k]);
	return ll_xsum_add_dec(s, d, scale);
}

static inline enum ll_status
ll_xsum_add_dec_product_fast(struct ll_xsum *s, const struct ll_dec *a,
			     const struct ll_dec *b, int scale)
{
	int k = scale - a->scale - b->scale;

	if (k >= 0 && k <= LL_XSUM_POW10_MAX && a->mant >= 0 && b->mant >= 0 &&
	    a->mant <= INT64_MAX && b->mant <= INT64_MAX) {
		/* one 64 x 64 multiplication: below 2^126 */
		ll_i128 p = (ll_i128)((ll_xsum_u128)(uint64_t)a->mant *
				      (uint64_t)b->mant);

		if (p <= ll_xsum_pow10_room[k])
			return ll_xsum_add_term(s, p * ll_xsum_pow10[k]);
	}
	return ll_xsum_add_dec_product(s, a, b, scale);
}

/* dst += src (same scale). */
enum ll_status ll_xsum_merge(struct ll_xsum *dst, const struct ll_xsum *src);

/* rop = the exact sum. */
void ll_xsum_get(mpq_t rop, const struct ll_xsum *s, int scale);

/* Is the sum zero? */
bool ll_xsum_is_zero(const struct ll_xsum *s);

#endif

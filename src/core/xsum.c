/*
 * xsum.c — exact running sums (xsum.h).
 *
 * Design decision: overflow of the 128-bit part is detected with the
 * compiler's checked addition and resolved by moving the whole 128-bit
 * part into the GMP integer, so the fast path has one branch and the slow
 * path runs at most once per ~10^38 / term of accumulated value.
 */
#include "ledgerline/xsum.h"

#include <assert.h>
#include <stdlib.h>

void ll_xsum_init(struct ll_xsum *s)
{
	s->lo = 0;
	s->hi = NULL;
	s->q = NULL;
}

void ll_xsum_release(struct ll_xsum *s)
{
	if (s->hi) {
		mpz_clear(*s->hi);
		free(s->hi);
	}
	if (s->q) {
		mpq_clear(*s->q);
		free(s->q);
	}
	ll_xsum_init(s);
}

static enum ll_status need_hi(struct ll_xsum *s)
{
	if (s->hi)
		return LL_OK;
	s->hi = malloc(sizeof(*s->hi));
	if (!s->hi)
		return LL_NOMEM;
	mpz_init(*s->hi);
	return LL_OK;
}

static enum ll_status need_q(struct ll_xsum *s)
{
	if (s->q)
		return LL_OK;
	s->q = malloc(sizeof(*s->q));
	if (!s->q)
		return LL_NOMEM;
	mpq_init(*s->q);
	return LL_OK;
}

/* hi += x */
static enum ll_status spill(struct ll_xsum *s, ll_i128 x)
{
	mpz_t t;
	enum ll_status rc = need_hi(s);

	if (rc != LL_OK)
		return rc;
	mpz_init(t);
	ll_mpz_set_i128(t, x);
	mpz_add(*s->hi, *s->hi, t);
	mpz_clear(t);
	return LL_OK;
}

enum ll_status ll_xsum_add_i128(struct ll_xsum *s, ll_i128 x)
{
	ll_i128 r;

	assert(x >= 0);
	if (!__builtin_add_overflow(s->lo, x, &r)) {
		s->lo = r;
		return LL_OK;
	}
	{
		enum ll_status rc = spill(s, s->lo);

		if (rc != LL_OK)
			return rc;
	}
	s->lo = x;
	return LL_OK;
}

enum ll_status ll_xsum_add_mpz(struct ll_xsum *s, const mpz_t x)
{
	enum ll_status rc = need_hi(s);

	assert(mpz_sgn(x) >= 0);
	if (rc != LL_OK)
		return rc;
	mpz_add(*s->hi, *s->hi, x);
	return LL_OK;
}

enum ll_status ll_xsum_add_mpq(struct ll_xsum *s, const mpq_t q)
{
	enum ll_status rc = need_q(s);

	assert(mpq_sgn(q) >= 0);
	if (rc != LL_OK)
		return rc;
	mpq_add(*s->q, *s->q, q);
	return LL_OK;
}

/* 10^k as int128 for k <= 38, as a table: the hot path scales every
 * decimal term, and a loop of 128-bit multiplications showed in profiles.
 * Beside it, the largest x >= 0 with x · 10^k <= INT128_MAX, which lets
 * the inline lanes of xsum.h multiply without an overflow check. */
#define E18 ((ll_i128)INT64_C(1000000000000000000))
#define E36 (E18 * E18)
#define I128_MAX ((ll_i128)(~(ll_xsum_u128)0 >> 1))
const ll_i128 ll_xsum_pow10[LL_XSUM_POW10_MAX + 1] = {
	INT64_C(1),
	INT64_C(10),
	INT64_C(100),
	INT64_C(1000),
	INT64_C(10000),
	INT64_C(100000),
	INT64_C(1000000),
	INT64_C(10000000),
	INT64_C(100000000),
	INT64_C(1000000000),
	INT64_C(10000000000),
	INT64_C(100000000000),
	INT64_C(1000000000000),
	INT64_C(10000000000000),
	INT64_C(100000000000000),
	INT64_C(1000000000000000),
	INT64_C(10000000000000000),
	INT64_C(100000000000000000),
	INT64_C(1000000000000000000),
	E18 * INT64_C(10),
	E18 * INT64_C(100),
	E18 * INT64_C(1000),
	E18 * INT64_C(10000),
	E18 * INT64_C(100000),
	E18 * INT64_C(1000000),
	E18 * INT64_C(10000000),
	E18 * INT64_C(100000000),
	E18 * INT64_C(1000000000),
	E18 * INT64_C(10000000000),
	E18 * INT64_C(100000000000),
	E18 * INT64_C(1000000000000),
	E18 * INT64_C(10000000000000),
	E18 * INT64_C(100000000000000),
	E18 * INT64_C(1000000000000000),
	E18 * INT64_C(10000000000000000),
	E18 * INT64_C(100000000000000000),
	E18 * INT64_C(1000000000000000000),
	E36 * 10,
	E36 * 100,
};
const ll_i128 ll_xsum_pow10_room[LL_XSUM_POW10_MAX + 1] = {
	I128_MAX / (INT64_C(1)),
	I128_MAX / (INT64_C(10)),
	I128_MAX / (INT64_C(100)),
	I128_MAX / (INT64_C(1000)),
	I128_MAX / (INT64_C(10000)),
	I128_MAX / (INT64_C(100000)),
	I128_MAX / (INT64_C(1000000)),
	I128_MAX / (INT64_C(10000000)),
	I128_MAX / (INT64_C(100000000)),
	I128_MAX / (INT64_C(1000000000)),
	I128_MAX / (INT64_C(10000000000)),
	I128_MAX / (INT64_C(100000000000)),
	I128_MAX / (INT64_C(1000000000000)),
	I128_MAX / (INT64_C(10000000000000)),
	I128_MAX / (INT64_C(100000000000000)),
	I128_MAX / (INT64_C(1000000000000000)),
	I128_MAX / (INT64_C(10000000000000000)),
	I128_MAX / (INT64_C(100000000000000000)),
	I128_MAX / (INT64_C(1000000000000000000)),
	I128_MAX / (E18 * INT64_C(10)),
	I128_MAX / (E18 * INT64_C(100)),
	I128_MAX / (E18 * INT64_C(1000)),
	I128_MAX / (E18 * INT64_C(10000)),
	I128_MAX / (E18 * INT64_C(100000)),
	I128_MAX / (E18 * INT64_C(1000000)),
	I128_MAX / (E18 * INT64_C(10000000)),
	I128_MAX / (E18 * INT64_C(100000000)),
	I128_MAX / (E18 * INT64_C(1000000000)),
	I128_MAX / (E18 * INT64_C(10000000000)),
	I128_MAX / (E18 * INT64_C(100000000000)),
	I128_MAX / (E18 * INT64_C(1000000000000)),
	I128_MAX / (E18 * INT64_C(10000000000000)),
	I128_MAX / (E18 * INT64_C(100000000000000)),
	I128_MAX / (E18 * INT64_C(1000000000000000)),
	I128_MAX / (E18 * INT64_C(10000000000000000)),
	I128_MAX / (E18 * INT64_C(100000000000000000)),
	I128_MAX / (E18 * INT64_C(1000000000000000000)),
	I128_MAX / (E36 * 10),
	I128_MAX / (E36 * 100),
};
#undef I128_MAX
#undef E36
#undef E18

static inline ll_i128 pow10_i128(int k)
{
	assert(k >= 0 && k <= 38);
	return ll_xsum_pow10[k];
}

/* x · 10^k when it fits in int128 (x >= 0); false otherwise. */
static bool scale_up(ll_i128 x, int k, ll_i128 *out)
{
	ll_i128 r;

	if (k > 38)
		return x == 0 ? (*out = 0, true) : false;
	if (__builtin_mul_overflow(x, pow10_i128(k), &r))
		return false;
	*out = r;
	return true;
}

/* Slow lane: hi += mant · 10^k. */
static enum ll_status add_big(struct ll_xsum *s, const mpz_t mant, int k)
{
	mpz_t t;
	enum ll_status rc;

	mpz_init(t);
	mpz_ui_pow_ui(t, 10, (unsigned long)k);
	mpz_mul(t, t, mant);
	rc = ll_xsum_add_mpz(s, t);
	mpz_clear(t);
	return rc;
}

enum ll_status ll_xsum_add_dec(struct ll_xsum *s, const struct ll_dec *d,
			       int scale)
{
	ll_i128 x;
	enum ll_status rc;
	mpz_t m;

	assert(d->scale <= scale && d->mant >= 0);
	if (scale_up(d->mant, scale - d->scale, &x))
		return ll_xsum_add_i128(s, x);
	mpz_init(m);
	ll_mpz_set_i128(m, d->mant);
	rc = add_big(s, m, scale - d->scale);
	mpz_clear(m);
	return rc;
}

enum ll_status ll_xsum_add_dec_product(struct ll_xsum *s,
				       const struct ll_dec *a,
				       const struct ll_dec *b, int scale)
{
	ll_i128 p, x;
	enum ll_status rc;
	mpz_t m, t;

	assert(a->scale + b->scale <= scale);
	assert(a->mant >= 0 && b->mant >= 0);
	if (!__builtin_mul_overflow(a->mant, b->mant, &p) &&
	    scale_up(p, scale - a->scale - b->scale, &x))
		return ll_xsum_add_i128(s, x);
	mpz_init(m);
	mpz_init(t);
	ll_mpz_set_i128(m, a->mant);
	ll_mpz_set_i128(t, b->mant);
	mpz_mul(m, m, t);
	rc = add_big(s, m, scale - a->scale - b->scale);
	mpz_clear(t);
	mpz_clear(m);
	return rc;
}

enum ll_status ll_xsum_merge(struct ll_xsum *dst, const struct ll_xsum *src)
{
	enum ll_status rc;

	if (dst == src) {
		/* adding src->lo may spill dst->lo into dst->hi, which is
		 * src->hi: double from a copy instead */
		struct ll_xsum copy;

		ll_xsum_init(&copy);
		rc = ll_xsum_merge(&copy, src);
		if (rc == LL_OK)
			rc = ll_xsum_merge(dst, &copy);
		ll_xsum_release(&copy);
		return rc;
	}
	rc = ll_xsum_add_i128(dst, src->lo);
	if (rc == LL_OK && src->hi)
		rc = ll_xsum_add_mpz(dst, *src->hi);
	if (rc == LL_OK && src->q)
		rc = ll_xsum_add_mpq(dst, *src->q);
	return rc;
}

void ll_xsum_get(mpq_t rop, const struct ll_xsum *s, int scale)
{
	mpz_t n, d;

	mpz_init(n);
	mpz_init(d);
	ll_mpz_set_i128(n, s->lo);
	if (s->hi)
		mpz_add(n, n, *s->hi);
	mpz_ui_pow_ui(d, 10, (unsigned long)scale);
	mpq_set_num(rop, n);
	mpq_set_den(rop, d);
	mpq_canonicalize(rop);
	if (s->q)
		mpq_add(rop, rop, *s->q);
	mpz_clear(d);
	mpz_clear(n);
}

bool ll_xsum_is_zero(const struct ll_xsum *s)
{
	return s->lo == 0 && (!s->hi || mpz_sgn(*s->hi) == 0) &&
	       (!s->q || mpq_sgn(*s->q) == 0);
}

/*
 * account.c — statements of account and the payment rule (account.h).
 *
 * Design decision: the rule works on rows keyed by (party id, currency),
 * merged from three sorted lists (opening balances, this posting's
 * totals, the superseded posting's totals), so every party with money
 * open with the licensee takes part, not only the ones this run touches:
 * a balance carried forward from another period is paid with the next
 * posting that reaches the payee's minimum.  Amounts are int64 minor
 * units, every sum checked for overflow; the result is sorted by ids, so
 * it does not depend on the order the database returned its rows in.
 */
#include "ledgerline/account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/engine.h"
#include "ledgerline/hash.h"

/* One (party, currency) of the posting while the rule runs. */
struct row {
	uint32_t party, payee;
	char currency[LL_CURRENCY_LEN + 1];
	int64_t opening, earned, prev, after;
	bool touched;		/* in earned or prev */
	bool paid;
	size_t payment;
};

struct rows {
	struct row *v;
	size_t n, cap;
	const struct ll_registry *reg;
};

void ll_end_to_end_id(const char *run_id, int64_t posting, const char *payee,
		      const char *currency, char out[LL_END_TO_END_ID_SIZE])
{
	const char *parts[4];
	char num[24];
	struct ll_hash c;
	uint8_t d[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN + 1];
	size_t i;

	snprintf(num, sizeof(num), "%lld", (long long)posting);
	parts[0] = run_id;
	parts[1] = num;
	parts[2] = payee;
	parts[3] = currency;
	ll_hash_init(&c);
	ll_hash_update(&c, "ledgerline-e2e-v2", strlen("ledgerline-e2e-v2"));
	for (i = 0; i < 4; i++) {
		ll_hash_update(&c, "\n", 1);
		ll_hash_update(&c, parts[i], strlen(parts[i]));
	}
	ll_hash_final(&c, d);
	ll_hex(d, sizeof(d), hex);
	snprintf(out, LL_END_TO_END_ID_SIZE, "LL%.32s", hex);
}

static int cmp_amount(const void *a, const void *b)
{
	const struct ll_party_amount *x = a, *y = b;
	int c = strcmp(x->party, y->party);

	return c ? c : strcmp(x->currency, y->currency);
}

/* A sorted copy of v[0..n) (new array; NULL when out of memory). */
static struct ll_party_amount *sorted(const struct ll_party_amount *v,
				      size_t n)
{
	struct ll_party_amount *s = calloc(n + 1, sizeof(*s));

	if (s && n) {
		memcpy(s, v, n * sizeof(*s));
		qsort(s, n, sizeof(*s), cmp_amount);
	}
	return s;
}

/* The row of (a's party, a's currency), the last one or a new one; NULL
 * with err for a party the registry lacks or out of memory. */
static struct row *row_for(struct rows *rs, const struct ll_party_amount *a,
			   struct ll_error *err)
{
	const struct ll_registry *reg = rs->reg;
	struct row *r;
	size_t p;

	if (rs->n) {
		r = &rs->v[rs->n - 1];
		if (strcmp(reg->parties.v[r->party].id, a->party) == 0 &&
		    strcmp(r->currency, a->currency) == 0)
			return r;
	}
	if (!ll_strmap_get(&reg->parties.ix, a->party, &p)) {
		ll_error_set(err, LL_INVALID, NULL, 0, a->party,
			     "party \"%s\" has a balance but is not in the "
			     "registry", a->party);
		return NULL;
	}
	LL_ENSURE(rs->n < rs->cap);
	r = &rs->v[rs->n++];
	memset(r, 0, sizeof(*r));
	r->party = (uint32_t)p;
	r->payee = ll_payee_of(reg, r->party);
	LL_ENSURE(strlen(a->currency) == LL_CURRENCY_LEN);
	memcpy(r->currency, a->currency, sizeof(r->currency));
	return r;
}

static enum ll_status overflow(struct ll_error *err, const char *party)
{
	return ll_error_set(err, LL_INVALID, NULL, 0, party,
			    "the balance of \"%s\" is beyond the ledger's "
			    "64-bit minor units", party);
}

/* Merge the three sorted lists into rs (sorted by party id, currency). */
static enum ll_status merge(struct rows *rs,
			    const struct ll_party_amount *const list[3],
			    const size_t n[3], struct ll_error *err)
{
	size_t at[3] = { 0, 0, 0 };
	int k, best;

	for (;;) {
		const struct ll_party_amount *a;
		struct row *r;
		int64_t *slot;

		for (best = -1, k = 0; k < 3; k++) {
			if (at[k] < n[k] &&
			    (best < 0 || cmp_amount(&list[k][at[k]],
						    &list[best][at[best]]) < 0))
				best = k;
		}
		if (best < 0)
			return LL_OK;
		a = &list[best][at[best]++];
		r = row_for(rs, a, err);
		if (!r)
			return err->code;
		slot = best == 0 ? &r->opening : best == 1 ? &r->earned
							   : &r->prev;
		r->touched |= best > 0;
		if (__builtin_add_overflow(*slot, a->minor, slot))
			return overflow(err, a->party);
	}
}

/* The payee's minimum in currency: its payout.minimum in its payout
 * currency, nothing (any positive sum) in any other. */
static int64_t minimum_of(const struct ll_party *payee, const char *ccy)
{
	if (!payee->has_payout || strcmp(payee->currency, ccy) != 0)
		return 0;
	return payee->payout_minimum;
}

/* Order of rows by payee id, currency, party id (ctx: the registry). */
static int cmp_group(const void *a, const void *b, void *ctx)
{
	const struct row *x = *(const struct row *const *)a;
	const struct row *y = *(const struct row *const *)b;
	const struct ll_party *pv = ((const struct ll_registry *)ctx)->parties.v;
	int c = strcmp(pv[x->payee].id, pv[y->payee].id);

	if (!c)
		c = strcmp(x->currency, y->currency);
	return c ? c : strcmp(pv[x->party].id, pv[y->party].id);
}

/* The payment of group g[0..n) (one payee, one currency) when its sum is
 * positive and reaches the minimum: appended to acc->pay. */
static enum ll_status pay_group(struct ll_accounts *acc,
				const struct ll_registry *reg,
				const char *run_id, struct row **g, size_t n,
				struct ll_error *err)
{
	const struct ll_party *payee = &reg->parties.v[g[0]->payee];
	struct ll_payment *pm;
	int64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (__builtin_add_overflow(sum, g[i]->after, &sum))
			return overflow(err, payee->id);
	}
	if (sum <= 0 || sum < minimum_of(payee, g[0]->currency))
		return LL_OK;
	pm = &acc->pay[acc->n_pay];
	pm->payee = g[0]->payee;
	memcpy(pm->currency, g[0]->currency, sizeof(pm->currency));
	pm->exponent = ll_currency_exponent(pm->currency);
	pm->amount = sum;
	ll_end_to_end_id(run_id, acc->posting, payee->id, pm->currency,
			 pm->end_to_end_id);
	for (i = 0; i < n; i++) {
		g[i]->paid = g[i]->after != 0;
		g[i]->payment = acc->n_pay;
	}
	acc->n_pay++;
	return LL_OK;
}

/* Group the rows by payee and currency, and pay each group that may be
 * paid. */
static enum ll_status pay_groups(struct ll_accounts *acc, struct rows *rs,
				 const char *run_id, struct ll_error *err)
{
	struct row **g = calloc(rs->n + 1, sizeof(*g));
	enum ll_status rc = LL_OK;
	size_t i, j;

	if (!g)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	for (i = 0; i < rs->n; i++)
		g[i] = &rs->v[i];
	qsort_r(g, rs->n, sizeof(*g), cmp_group, (void *)rs->reg);
	for (i = 0; i < rs->n && rc == LL_OK; i = j) {
		for (j = i + 1; j < rs->n && g[j]->payee == g[i]->payee &&
				strcmp(g[j]->currency, g[i]->currency) == 0;
		     j++)
			;
		rc = pay_group(acc, rs->reg, run_id, g + i, j - i, err);
	}
	free(g);
	return rc;
}

/* The accounts of the touched or paid rows, in row order. */
static void keep_accounts(struct ll_accounts *acc, const struct rows *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct row *r = &rs->v[i];
		struct ll_account *a;

		if (!r->touched && !r->paid)
			continue;
		a = &acc->v[acc->n++];
		a->party = r->party;
		memcpy(a->currency, r->currency, sizeof(a->currency));
		a->exponent = ll_currency_exponent(r->currency);
		a->opening = r->opening;
		a->earned = r->earned;
		a->adjustments = -r->prev;
		a->paid = r->paid;
		a->payment = r->paid ? r->payment : 0;
		a->payments = r->paid ? r->after : 0;
		a->closing = r->after - a->payments;
		/* the balance equation, never compiled out */
		LL_ENSURE(a->opening + a->earned + a->adjustments -
				  a->payments == a->closing);
	}
}

/* Each row's balance after this posting: opening + earned - prev. */
static enum ll_status balances_after(struct rows *rs, struct ll_error *err)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		struct row *r = &rs->v[i];

		if (r->prev == INT64_MIN ||
		    __builtin_add_overflow(r->opening, r->earned, &r->after) ||
		    __builtin_sub_overflow(r->after, r->prev, &r->after))
			return overflow(err, rs->reg->parties.v[r->party].id);
	}
	return LL_OK;
}

enum ll_status ll_accounts_settle(struct ll_accounts *acc,
				  const struct ll_registry *reg,
				  const char *run_id, int64_t posting,
				  const struct ll_party_amount *opening,
				  size_t n_opening,
				  const struct ll_party_amount *earned,
				  size_t n_earned,
				  const struct ll_party_amount *prev,
				  size_t n_prev, struct ll_error *err)
{
	struct ll_party_amount *s[3];
	size_t n[3] = { n_opening, n_earned, n_prev };
	struct rows rs = { NULL, 0, n_opening + n_earned + n_prev, reg };
	enum ll_status rc = LL_OK;
	int k;

	LL_ENSURE(posting >= 1);
	memset(acc, 0, sizeof(*acc));
	acc->posting = posting;
	s[0] = sorted(opening, n_opening);
	s[1] = sorted(earned, n_earned);
	s[2] = sorted(prev, n_prev);
	rs.v = calloc(rs.cap + 1, sizeof(*rs.v));
	acc->v = calloc(rs.cap + 1, sizeof(*acc->v));
	acc->pay = calloc(rs.cap + 1, sizeof(*acc->pay));
	if (!s[0] || !s[1] || !s[2] || !rs.v || !acc->v || !acc->pay)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	if (rc == LL_OK)
		rc = merge(&rs, (const struct ll_party_amount *const *)s, n,
			   err);
	if (rc == LL_OK)
		rc = balances_after(&rs, err);
	if (rc == LL_OK)
		rc = pay_groups(acc, &rs, run_id, err);
	if (rc == LL_OK)
		keep_accounts(acc, &rs);
	for (k = 0; k < 3; k++)
		free(s[k]);
	free(rs.v);
	if (rc != LL_OK)
		ll_accounts_release(acc);
	return rc;
}

void ll_accounts_release(struct ll_accounts *acc)
{
	free(acc->v);
	free(acc->pay);
	memset(acc, 0, sizeof(*acc));
}

const struct ll_account *ll_accounts_of(const struct ll_accounts *acc,
					uint32_t p, size_t *n)
{
	size_t i, j;

	*n = 0;
	for (i = 0; i < acc->n && acc->v[i].party != p; i++)
		;
	if (i == acc->n)
		return NULL;
	for (j = i; j < acc->n && acc->v[j].party == p; j++)
		;
	*n = j - i;
	return &acc->v[i];
}

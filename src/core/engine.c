/*
 * engine.c — licence settlement and rounding (engine.h).
 *
 * Design decision: one licence at a time, in licence-id order, with a
 * fixed work order (work id) and a fixed line order, so the exact figures
 * and every tie in the rounding are independent of input order; the
 * largest-remainder allocator itself is order-independent and keyed by
 * the SPEC's tie orders.
 */
#include "ledgerline/engine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static const char *const comp_names[] = { "minimum_guarantee", "training",
					  "unallocated", "usage" };

const char *ll_component_name(enum ll_component c)
{
	assert(c < LL_COMP_COUNT);
	return comp_names[c];
}

uint32_t ll_payee_of(const struct ll_registry *reg, uint32_t p)
{
	size_t q;
	const char *payee = reg->parties.v[p].payee;

	if (payee && ll_strmap_get(&reg->parties.ix, payee, &q))
		return (uint32_t)q;
	return p;
}

static uint32_t party_ix(const struct ll_registry *reg, const char *id)
{
	size_t p = 0;
	bool found = ll_strmap_get(&reg->parties.ix, id, &p);

	LL_ENSURE(found); /* references were checked at load */
	return (uint32_t)p;
}

/* ---- per-licence work amounts ----------------------------------------- */

enum { W_TRAINING, W_USAGE, W_MG, W_COUNT };

struct wamt {
	uint32_t work;
	mpq_t c[W_COUNT];
};

struct builder {
	const struct ll_run_ctx *ctx;
	struct wamt *w;
	size_t n, cap;
	int32_t *pos;		/* work index -> position in w, or -1 */
	struct ll_line *lines;
	size_t n_lines, cap_lines;
};

static struct wamt *work_amt(struct builder *b, uint32_t work)
{
	struct wamt *a;
	int k;

	if (b->pos[work] >= 0)
		return &b->w[b->pos[work]];
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct wamt *nv = realloc(b->w, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		b->w = nv;
		b->cap = ncap;
	}
	a = &b->w[b->n];
	a->work = work;
	for (k = 0; k < W_COUNT; k++)
		mpq_init(a->c[k]);
	b->pos[work] = (int32_t)b->n++;
	return a;
}

static void reset_amts(struct builder *b)
{
	size_t i;
	int k;

	for (i = 0; i < b->n; i++) {
		b->pos[b->w[i].work] = -1;
		for (k = 0; k < W_COUNT; k++)
			mpq_clear(b->w[i].c[k]);
	}
	b->n = 0;
}

static struct ll_line *new_line(struct builder *b)
{
	struct ll_line *l;

	if (b->n_lines == b->cap_lines) {
		size_t ncap = b->cap_lines ? b->cap_lines * 2 : 256;
		struct ll_line *nv = realloc(b->lines, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		b->lines = nv;
		b->cap_lines = ncap;
	}
	l = &b->lines[b->n_lines++];
	memset(l, 0, sizeof(*l));
	mpq_init(l->exact);
	return l;
}

/* Lines for amount a of component comp of work w under licence lic. */
static enum ll_status split_work(struct builder *b, uint32_t li,
				 const struct ll_work *w, int32_t wi,
				 enum ll_component comp, const mpq_t a)
{
	const struct ll_licence *lic = &b->ctx->reg->licences.v[li];
	mpq_t side_amt[LL_SIDE_COUNT];
	int s;
	size_t i;
	enum ll_status rc = LL_OK;

	if (mpq_sgn(a) == 0)
		return LL_OK;
	for (s = 0; s < LL_SIDE_COUNT; s++)
		mpq_init(side_amt[s]);
	if (w->has_side[LL_SIDE_MASTER] && w->has_side[LL_SIDE_PUBLISHING]) {
		mpq_mul(side_amt[LL_SIDE_MASTER], a, lic->master_share);
		mpq_sub(side_amt[LL_SIDE_PUBLISHING], a,
			side_amt[LL_SIDE_MASTER]);
	} else if (w->has_side[LL_SIDE_MASTER]) {
		mpq_set(side_amt[LL_SIDE_MASTER], a);
	} else {
		mpq_set(side_amt[LL_SIDE_PUBLISHING], a);
	}
	for (s = 0; s < LL_SIDE_COUNT && rc == LL_OK; s++) {
		for (i = 0; i < w->n_split[s]; i++) {
			struct ll_line *l;

			if (mpq_sgn(side_amt[s]) == 0 ||
			    mpq_sgn(w->split[s][i].share) == 0)
				continue;
			l = new_line(b);
			if (!l) {
				rc = LL_NOMEM;
				break;
			}
			l->licence = li;
			l->party = party_ix(b->ctx->reg, w->split[s][i].party);
			l->work = wi;
			l->component = (uint8_t)comp;
			l->side = (int8_t)s;
			mpq_mul(l->exact, side_amt[s], w->split[s][i].share);
		}
	}
	for (s = 0; s < LL_SIDE_COUNT; s++)
		mpq_clear(side_amt[s]);
	return rc;
}

/* ---- ordering --------------------------------------------------------- */

/* Comparators take the registry as qsort_r's context. */
static int cmp_licence_ix(const void *a, const void *b, void *ctx)
{
	const struct ll_registry *reg = ctx;

	return strcmp(reg->licences.v[*(const uint32_t *)a].id,
		      reg->licences.v[*(const uint32_t *)b].id);
}

static int cmp_pair(const void *a, const void *b)
{
	const struct ll_training_pair *x = a, *y = b;

	if (x->licence != y->licence)
		return x->licence < y->licence ? -1 : 1;
	return (x->work > y->work) - (x->work < y->work);
}

static int cmp_wamt(const void *a, const void *b, void *ctx)
{
	const struct ll_registry *reg = ctx;

	return strcmp(reg->works.v[((const struct wamt *)a)->work].id,
		      reg->works.v[((const struct wamt *)b)->work].id);
}

/* The SPEC's line tie order within a party: component, work id (absent
 * first), side. */
static int cmp_line_tie(const struct ll_registry *reg, const struct ll_line *x,
			const struct ll_line *y)
{
	int c;

	if (x->component != y->component)
		return x->component < y->component ? -1 : 1;
	if (x->work != y->work) {
		if (x->work < 0)
			return -1;
		if (y->work < 0)
			return 1;
		c = strcmp(reg->works.v[x->work].id, reg->works.v[y->work].id);
		if (c)
			return c;
	}
	if (x->side != y->side) {
		if (x->side < 0)
			return -1;
		if (y->side < 0)
			return 1;
		return strcmp(ll_side_name((enum ll_side)x->side),
			      ll_side_name((enum ll_side)y->side));
	}
	return 0;
}

static int cmp_line(const void *a, const void *b, void *ctx)
{
	const struct ll_registry *reg = ctx;
	const struct ll_line *x = a, *y = b;
	int c = strcmp(reg->parties.v[x->party].id, reg->parties.v[y->party].id);

	return c ? c : cmp_line_tie(reg, x, y);
}

/* Tie key bytes of a line: "component\0work\0side". */
static size_t line_key(const struct ll_registry *reg, const struct ll_line *l,
		       char *buf, size_t size)
{
	const char *parts[3];
	size_t off = 0;
	int i;

	parts[0] = ll_component_name((enum ll_component)l->component);
	parts[1] = l->work >= 0 ? reg->works.v[l->work].id : "";
	parts[2] = l->side >= 0 ? ll_side_name((enum ll_side)l->side) : "";
	for (i = 0; i < 3; i++) {
		size_t n = strlen(parts[i]);

		LL_ENSURE(off + n + 1 <= size);
		memcpy(buf + off, parts[i], n);
		off += n;
		if (i < 2)
			buf[off++] = '\0';
	}
	return off;
}

/* ---- rounding --------------------------------------------------------- */

/* The ledger keeps minor units in 64 bits (PostgreSQL bigint): a figure
 * beyond is refused as invalid input, naming what it is the figure of. */
static enum ll_status to_i64(const mpz_t z, int64_t *out, struct ll_error *err,
			     const char *what)
{
	if (!mpz_fits_slong_p(z))
		return ll_error_set(err, LL_INVALID, NULL, 0, NULL,
				    "%s is too large for the ledger's 64-bit "
				    "minor units (at most %lld)",
				    what, (long long)INT64_MAX);
	*out = (int64_t)mpz_get_si(z);
	return LL_OK;
}

/*
 * Largest remainder of total over parts with exact values x_i · 10^e.
 * Parts are the parties of licence lic (party NULL; keys are party ids)
 * or the lines of one party: named so in an error.
 */
static enum ll_status allocate(mpq_t *const *exact, const char *const *keys,
			       const size_t *key_lens, size_t n, int e,
			       const mpz_t total, int64_t *out,
			       const struct ll_licence *lic, const char *party,
			       struct ll_error *err)
{
	char what[LL_ERROR_TEXT_MAX / 2];
	struct ll_alloc_part *parts = calloc(n ? n : 1, sizeof(*parts));
	enum ll_status rc;
	size_t i;

	if (!parts)
		return LL_NOMEM;
	for (i = 0; i < n; i++) {
		mpq_init(parts[i].exact);
		mpz_init(parts[i].minor);
		ll_exact_scale10(parts[i].exact, *exact[i], e);
		parts[i].key = keys[i];
		parts[i].key_len = key_lens[i];
	}
	rc = ll_alloc_largest_remainder(parts, n, total, err);
	for (i = 0; i < n && rc == LL_OK; i++) {
		if (party)
			snprintf(what, sizeof(what),
				 "a line of party \"%s\" under licence \"%s\" "
				 "(%s)",
				 party, lic->id, lic->currency);
		else
			snprintf(what, sizeof(what),
				 "the total of party \"%.*s\" under licence "
				 "\"%s\" (%s)",
				 (int)key_lens[i], keys[i], lic->id,
				 lic->currency);
		rc = to_i64(parts[i].minor, &out[i], err, what);
	}
	for (i = 0; i < n; i++) {
		mpq_clear(parts[i].exact);
		mpz_clear(parts[i].minor);
	}
	free(parts);
	return rc;
}

/*
 * Round one licence: lines[first..n_lines) of the builder belong to it and
 * are sorted by (party, tie order).  Appends its party totals to s.
 */
static enum ll_status round_licence(struct builder *b, struct ll_settlement *s,
				    struct ll_licence_total *lt, size_t first,
				    struct ll_error *err)
{
	const struct ll_licence *lic = &b->ctx->reg->licences.v[lt->licence];
	size_t n = b->n_lines - first, i, j, np = 0;
	mpq_t scaled, sum;
	mpz_t tmin, pmin;
	mpq_t **pex = NULL;
	const char **pkeys = NULL;
	size_t *plens = NULL;
	int64_t *pout = NULL;
	enum ll_status rc = LL_OK;

	mpq_init(scaled);
	mpq_init(sum);
	mpz_init(tmin);
	mpz_init(pmin);
	for (i = first; i < b->n_lines; i++)
		mpq_add(sum, sum, b->lines[i].exact);
	LL_ENSURE(mpq_equal(sum, lt->exact));
	ll_exact_scale10(scaled, lt->exact, lic->exponent);
	ll_exact_round_half_even(tmin, scaled);
	{
		char what[LL_ERROR_TEXT_MAX / 2];

		snprintf(what, sizeof(what), "the total of licence \"%s\" (%s)",
			 lic->id, lic->currency);
		rc = to_i64(tmin, &lt->minor, err, what);
	}
	if (rc != LL_OK)
		goto out;

	/* parties: runs of equal party in the sorted lines */
	pex = calloc(n ? n : 1, sizeof(*pex));
	pkeys = calloc(n ? n : 1, sizeof(*pkeys));
	plens = calloc(n ? n : 1, sizeof(*plens));
	pout = calloc(n ? n : 1, sizeof(*pout));
	if (!pex || !pkeys || !plens || !pout) {
		rc = LL_NOMEM;
		goto out;
	}
	for (i = first; i < b->n_lines; i = j) {
		struct ll_party_total *pt;
		struct ll_party_total *nv;

		for (j = i; j < b->n_lines && b->lines[j].party == b->lines[i].party;
		     j++)
			;
		nv = realloc(s->parties, (s->n_parties + 1) * sizeof(*nv));
		if (!nv) {
			rc = LL_NOMEM;
			goto out;
		}
		s->parties = nv;
		pt = &s->parties[s->n_parties++];
		pt->licence = lt->licence;
		pt->party = b->lines[i].party;
		mpq_init(pt->exact);
		pt->minor = 0;
		pt->first_line = i; /* index into the final lines array */
		pt->n_lines = j - i;
		for (size_t k = i; k < j; k++)
			mpq_add(pt->exact, pt->exact, b->lines[k].exact);
		np++;
	}
	{
		size_t p0 = s->n_parties - np;

		for (i = 0; i < np; i++) {
			const char *id =
				b->ctx->reg->parties.v[s->parties[p0 + i].party].id;

			pex[i] = &s->parties[p0 + i].exact;
			pkeys[i] = id;
			plens[i] = strlen(id);
		}
		rc = allocate(pex, pkeys, plens, np, lic->exponent, tmin, pout,
			      lic, NULL, err);
		if (rc != LL_OK)
			goto out;
		/* pout is reused for each party's lines below */
		for (i = 0; i < np; i++)
			s->parties[p0 + i].minor = pout[i];
		for (i = 0; i < np; i++) {
			struct ll_party_total *pt = &s->parties[p0 + i];
			char *keybuf;
			size_t k, m = pt->n_lines, off = 0;

			keybuf = malloc(m * (3 * 70));
			if (!keybuf) {
				rc = LL_NOMEM;
				goto out;
			}
			for (k = 0; k < m; k++) {
				struct ll_line *l = &b->lines[pt->first_line + k];

				pex[k] = &l->exact;
				plens[k] = line_key(b->ctx->reg, l, keybuf + off,
						    3 * 70);
				pkeys[k] = keybuf + off;
				off += 3 * 70;
			}
			mpz_set_si(pmin, (long)pt->minor);
			rc = allocate(pex, pkeys, plens, m, lic->exponent, pmin,
				      pout, lic,
				      b->ctx->reg->parties.v[pt->party].id, err);
			free(keybuf);
			if (rc != LL_OK)
				goto out;
			{
				int64_t sum_minor = 0;

				for (k = 0; k < m; k++) {
					b->lines[pt->first_line + k].minor =
						pout[k];
					sum_minor += pout[k];
				}
				LL_ENSURE(sum_minor == pt->minor);
			}
		}
		{
			int64_t sum_minor = 0;

			for (i = 0; i < np; i++)
				sum_minor += s->parties[p0 + i].minor;
			LL_ENSURE(sum_minor == lt->minor);
		}
	}
out:
	free(pex);
	free(pkeys);
	free(plens);
	free(pout);
	mpq_clear(scaled);
	mpq_clear(sum);
	mpz_clear(tmin);
	mpz_clear(pmin);
	return rc;
}

/* ---- one licence ------------------------------------------------------ */

static enum ll_status settle_licence(struct builder *b, struct ll_settlement *s,
				     uint32_t li,
				     const struct ll_training_pair *pairs,
				     size_t n_pairs, const uint32_t *span_list,
				     size_t n_spans, const struct ll_tally *u,
				     struct ll_error *err)
{
	const struct ll_registry *reg = b->ctx->reg;
	const struct ll_elig *e = b->ctx->elig;
	const struct ll_licence *lic = &reg->licences.v[li];
	struct ll_licence_total *lt = &s->lic[s->n_lic];
	mpq_t basis, x, sw, svw, total, works_total;
	size_t i, first = b->n_lines;
	enum ll_status rc = LL_OK;
	int k;

	lt->licence = li;
	for (k = 0; k < LL_COMP_COUNT; k++)
		mpq_init(lt->component[k]);
	mpq_init(lt->exact);
	lt->minor = 0;
	lt->n_training_works = 0;
	lt->n_usage_works = 0;
	s->n_lic++;
	mpq_init(basis);
	mpq_init(x);
	mpq_init(sw);
	mpq_init(svw);
	mpq_init(total);
	mpq_init(works_total);

	/* training: basis over the works trained under this licence */
	for (i = 0; i < n_pairs; i++) {
		const struct ll_work *w = &reg->works.v[pairs[i].work];

		if (lic->basis == LL_BASIS_DURATION)
			mpq_set_ui(x, (unsigned long)w->duration_ms, 1);
		else
			mpq_set_ui(x, 1, 1);
		mpq_add(basis, basis, x);
	}
	lt->n_training_works = n_pairs;
	if (mpq_sgn(basis) > 0) {
		for (i = 0; i < n_pairs; i++) {
			const struct ll_work *w = &reg->works.v[pairs[i].work];
			struct wamt *a = work_amt(b, pairs[i].work);

			if (!a) {
				rc = LL_NOMEM;
				goto out;
			}
			if (lic->basis == LL_BASIS_DURATION)
				mpq_set_ui(x, (unsigned long)w->duration_ms, 1);
			else
				mpq_set_ui(x, 1, 1);
			mpq_mul(x, x, lic->training_fee);
			mpq_div(a->c[W_TRAINING], x, basis);
			mpq_add(lt->component[LL_COMP_TRAINING],
				lt->component[LL_COMP_TRAINING],
				a->c[W_TRAINING]);
		}
	} else {
		mpq_add(lt->component[LL_COMP_UNALLOCATED],
			lt->component[LL_COMP_UNALLOCATED], lic->training_fee);
	}

	/* usage: rate × Σ value·weight + per_generation × Σ weight */
	for (i = 0; i < n_spans; i++) {
		const struct ll_span *sp = &e->spans[span_list[2 * i]];
		const struct ll_mass *m = &u->slots[sp->slot];
		struct wamt *a;

		if (m->events == 0)
			continue;
		a = work_amt(b, span_list[2 * i + 1]);
		if (!a) {
			rc = LL_NOMEM;
			goto out;
		}
		ll_xsum_get(sw, &m->w, LL_XSUM_SCALE_W);
		ll_xsum_get(svw, &m->vw, LL_XSUM_SCALE_VW);
		mpq_mul(x, lic->usage_rate, svw);
		mpq_add(a->c[W_USAGE], a->c[W_USAGE], x);
		mpq_mul(x, lic->per_generation, sw);
		mpq_add(a->c[W_USAGE], a->c[W_USAGE], x);
	}
	for (i = 0; i < b->n; i++) {
		mpq_add(lt->component[LL_COMP_USAGE],
			lt->component[LL_COMP_USAGE], b->w[i].c[W_USAGE]);
		if (mpq_sgn(b->w[i].c[W_USAGE]) > 0)
			lt->n_usage_works++;
		mpq_add(works_total, works_total, b->w[i].c[W_TRAINING]);
		mpq_add(works_total, works_total, b->w[i].c[W_USAGE]);
	}

	/* minimum guarantee */
	mpq_add(total, works_total, lt->component[LL_COMP_UNALLOCATED]);
	if (mpq_cmp(total, lic->minimum_guarantee) < 0) {
		mpq_t shortfall;

		mpq_init(shortfall);
		mpq_sub(shortfall, lic->minimum_guarantee, total);
		if (mpq_sgn(works_total) > 0) {
			for (i = 0; i < b->n; i++) {
				struct wamt *a = &b->w[i];

				mpq_add(x, a->c[W_TRAINING], a->c[W_USAGE]);
				mpq_mul(x, x, shortfall);
				mpq_div(a->c[W_MG], x, works_total);
			}
			mpq_set(lt->component[LL_COMP_MINIMUM_GUARANTEE],
				shortfall);
		} else {
			mpq_add(lt->component[LL_COMP_UNALLOCATED],
				lt->component[LL_COMP_UNALLOCATED], shortfall);
		}
		mpq_clear(shortfall);
	}
	for (k = 0; k < LL_COMP_COUNT; k++)
		mpq_add(lt->exact, lt->exact, lt->component[k]);

	/* lines */
	if (b->n > 1)
		qsort_r(b->w, b->n, sizeof(*b->w), cmp_wamt, (void *)reg);
	for (i = 0; i < b->n; i++)
		b->pos[b->w[i].work] = (int32_t)i;
	for (i = 0; i < b->n && rc == LL_OK; i++) {
		const struct wamt *a = &b->w[i];
		const struct ll_work *w = &reg->works.v[a->work];

		rc = split_work(b, li, w, (int32_t)a->work, LL_COMP_TRAINING,
				a->c[W_TRAINING]);
		if (rc == LL_OK)
			rc = split_work(b, li, w, (int32_t)a->work,
					LL_COMP_USAGE, a->c[W_USAGE]);
		if (rc == LL_OK)
			rc = split_work(b, li, w, (int32_t)a->work,
					LL_COMP_MINIMUM_GUARANTEE, a->c[W_MG]);
	}
	if (rc == LL_OK && mpq_sgn(lt->component[LL_COMP_UNALLOCATED]) > 0) {
		struct ll_line *l = new_line(b);

		if (!l) {
			rc = LL_NOMEM;
			goto out;
		}
		l->licence = li;
		l->party = party_ix(reg, lic->licensor);
		l->work = -1;
		l->component = LL_COMP_UNALLOCATED;
		l->side = -1;
		mpq_set(l->exact, lt->component[LL_COMP_UNALLOCATED]);
	}
	if (rc != LL_OK)
		goto out;
	if (b->n_lines - first > 1)
		qsort_r(b->lines + first, b->n_lines - first, sizeof(*b->lines),
			cmp_line, (void *)reg);
	rc = round_licence(b, s, lt, first, err);
out:
	reset_amts(b);
	mpq_clear(basis);
	mpq_clear(x);
	mpq_clear(sw);
	mpq_clear(svw);
	mpq_clear(total);
	mpq_clear(works_total);
	return rc;
}

/* ---- payouts ---------------------------------------------------------- */

static int cmp_payout(const void *a, const void *b, void *ctx)
{
	const struct ll_registry *reg = ctx;
	const struct ll_payout *x = a, *y = b;
	int c = strcmp(reg->parties.v[x->payee].id, reg->parties.v[y->payee].id);

	return c ? c : strcmp(x->currency, y->currency);
}

static enum ll_status build_payouts(struct ll_settlement *s,
				    const struct ll_registry *reg,
				    struct ll_error *err)
{
	size_t i, j;

	s->payouts = calloc(s->n_parties ? s->n_parties : 1,
			    sizeof(*s->payouts));
	if (!s->payouts)
		return LL_NOMEM;
	for (i = 0; i < s->n_parties; i++) {
		const struct ll_party_total *pt = &s->parties[i];
		const struct ll_licence *lic = &reg->licences.v[pt->licence];
		uint32_t payee = ll_payee_of(reg, pt->party);
		struct ll_payout *po = NULL;

		for (j = 0; j < s->n_payouts; j++) {
			if (s->payouts[j].payee == payee &&
			    strcmp(s->payouts[j].currency, lic->currency) == 0) {
				po = &s->payouts[j];
				break;
			}
		}
		if (!po) {
			po = &s->payouts[s->n_payouts++];
			po->payee = payee;
			memcpy(po->currency, lic->currency, 4);
			po->exponent = lic->exponent;
			po->minor = 0;
			po->n_parties = 0;
		}
		if (__builtin_add_overflow(po->minor, pt->minor, &po->minor))
			return ll_error_set(
				err, LL_INVALID, NULL, 0, NULL,
				"the payout to \"%s\" (%s) is too large for the "
				"ledger's 64-bit minor units (at most %lld)",
				reg->parties.v[payee].id, lic->currency,
				(long long)INT64_MAX);
		po->n_parties++;
	}
	qsort_r(s->payouts, s->n_payouts, sizeof(*s->payouts), cmp_payout,
		(void *)reg);
	return LL_OK;
}

/* ---- entry point ------------------------------------------------------ */

enum ll_status ll_settle(struct ll_settlement *s, const struct ll_run_ctx *ctx,
			 const struct ll_training_pair *pairs_in,
			 size_t n_pairs_in, const struct ll_tally *usage,
			 struct ll_error *err)
{
	const struct ll_registry *reg = ctx->reg;
	const struct ll_elig *e = ctx->elig;
	struct builder b;
	struct ll_training_pair *pairs = NULL;
	uint32_t *lics = NULL, **span_lists = NULL;
	size_t *n_span_lists = NULL, n_pairs = 0, n_lics = 0, i, w;
	enum ll_status rc = LL_NOMEM;

	memset(s, 0, sizeof(*s));
	memset(&b, 0, sizeof(b));
	b.ctx = ctx;
	b.pos = malloc((reg->works.n ? reg->works.n : 1) * sizeof(*b.pos));
	lics = malloc((reg->licences.n ? reg->licences.n : 1) * sizeof(*lics));
	span_lists = calloc(reg->licences.n ? reg->licences.n : 1,
			    sizeof(*span_lists));
	n_span_lists = calloc(reg->licences.n ? reg->licences.n : 1,
			      sizeof(*n_span_lists));
	pairs = malloc((n_pairs_in ? n_pairs_in : 1) * sizeof(*pairs));
	s->lic = calloc(reg->licences.n ? reg->licences.n : 1, sizeof(*s->lic));
	if (!b.pos || !lics || !span_lists || !n_span_lists || !pairs ||
	    !s->lic)
		goto out;
	for (i = 0; i < reg->works.n; i++)
		b.pos[i] = -1;

	/* pairs sorted and unique */
	if (n_pairs_in)
		memcpy(pairs, pairs_in, n_pairs_in * sizeof(*pairs));
	qsort(pairs, n_pairs_in, sizeof(*pairs), cmp_pair);
	for (i = 0; i < n_pairs_in; i++) {
		if (n_pairs == 0 || cmp_pair(&pairs[n_pairs - 1], &pairs[i]))
			pairs[n_pairs++] = pairs[i];
	}

	/* eligible generation spans by licence: (span index, work) */
	for (w = 0; w < reg->works.n; w++) {
		uint32_t k;

		for (k = e->off[1][w]; k < e->off[1][w + 1]; k++) {
			const struct ll_span *sp = &e->spans[k];
			uint32_t *nv;
			size_t l;

			if (sp->reason != LL_ELIGIBLE || sp->licence < 0)
				continue;
			l = (size_t)sp->licence;
			nv = realloc(span_lists[l],
				     (n_span_lists[l] + 1) * 2 * sizeof(*nv));
			if (!nv)
				goto out;
			nv[2 * n_span_lists[l]] = k;
			nv[2 * n_span_lists[l] + 1] = (uint32_t)w;
			n_span_lists[l]++;
			span_lists[l] = nv;
		}
	}

	for (i = 0; i < reg->licences.n; i++) {
		if (ll_elig_licence_active(e, i, ctx->first_day, ctx->last_day))
			lics[n_lics++] = (uint32_t)i;
	}
	qsort_r(lics, n_lics, sizeof(*lics), cmp_licence_ix, (void *)reg);
	rc = LL_OK;
	for (i = 0; i < n_lics && rc == LL_OK; i++) {
		uint32_t li = lics[i];
		size_t p0 = 0, p1;

		while (p0 < n_pairs && pairs[p0].licence < li)
			p0++;
		for (p1 = p0; p1 < n_pairs && pairs[p1].licence == li; p1++)
			;
		rc = settle_licence(&b, s, li, pairs + p0, p1 - p0,
				    span_lists[li], n_span_lists[li], usage,
				    err);
	}
	if (rc == LL_OK) {
		s->lines = b.lines;
		s->n_lines = b.n_lines;
		b.lines = NULL;
		rc = build_payouts(s, reg, err);
	}
out:
	if (rc == LL_NOMEM)
		ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
			     "out of memory settling the run");
	if (b.lines) {
		for (i = 0; i < b.n_lines; i++)
			mpq_clear(b.lines[i].exact);
		free(b.lines);
	}
	reset_amts(&b);
	free(b.w);
	free(b.pos);
	if (span_lists) {
		for (i = 0; i < reg->licences.n; i++)
			free(span_lists[i]);
	}
	free(span_lists);
	free(n_span_lists);
	free(lics);
	free(pairs);
	if (rc != LL_OK)
		ll_settlement_release(s);
	return rc;
}

void ll_settlement_release(struct ll_settlement *s)
{
	size_t i;
	int k;

	for (i = 0; i < s->n_lic; i++) {
		for (k = 0; k < LL_COMP_COUNT; k++)
			mpq_clear(s->lic[i].component[k]);
		mpq_clear(s->lic[i].exact);
	}
	for (i = 0; i < s->n_parties; i++)
		mpq_clear(s->parties[i].exact);
	for (i = 0; i < s->n_lines; i++)
		mpq_clear(s->lines[i].exact);
	free(s->lic);
	free(s->parties);
	free(s->lines);
	free(s->payouts);
	memset(s, 0, sizeof(*s));
}

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
	mpq_init(l->share);
	mpq_init(l->work_exact);
	return l;
}

static void line_clear(struct ll_line *l)
{
	mpq_clear(l->exact);
	mpq_clear(l->share);
	mpq_clear(l->work_exact);
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
			mpq_set(l->share, w->split[s][i].share);
			mpq_set(l->work_exact, side_amt[s]);
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
		if (mpz_fits_slong_p(parts[i].minor)) {	/* what to name: only
							 * when it does not */
			out[i] = (int64_t)mpz_get_si(parts[i].minor);
			continue;
		}
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

/* Room for one line's tie key (line_key() checks that it fits). */
enum { LINE_KEY_BYTES = 3 * 70 };

/* State of one licence's rounding, carried through its phases. */
struct rounding {
	struct builder *b;
	struct ll_settlement *s;
	struct ll_licence_total *lt;	/* borrowed: the licence's entry in s */
	int exponent;
	size_t first;			/* the licence's first line in b */
	size_t p0, np;			/* its parties: s->parties[p0, p0+np) */
	mpz_t tmin;			/* the licence total, minor units */
	mpz_t pmin;			/* scratch: a party's total */
	mpq_t **pex;			/* allocate()'s arguments, one slot */
	const char **pkeys;		/* per line of the licence */
	size_t *plens;
	int64_t *pout;
};

/* Step 1: the licence total, checked against its lines, in minor units. */
static enum ll_status round_licence_total(struct rounding *r,
					  struct ll_error *err)
{
	const struct builder *b = r->b;
	mpq_t scaled, sum;
	size_t i;
	enum ll_status rc;

	mpq_init(scaled);
	mpq_init(sum);
	for (i = r->first; i < b->n_lines; i++)
		mpq_add(sum, sum, b->lines[i].exact);
	LL_ENSURE(mpq_equal(sum, r->lt->exact));
	ll_exact_scale10(scaled, r->lt->exact, r->exponent);
	ll_exact_round_half_even(r->tmin, scaled);
	{
		const struct ll_licence *lic =
			&b->ctx->reg->licences.v[r->lt->licence];
		char what[LL_ERROR_TEXT_MAX / 2];

		snprintf(what, sizeof(what), "the total of licence \"%s\" (%s)",
			 lic->id, lic->currency);
		rc = to_i64(r->tmin, &r->lt->minor, err, what);
	}
	mpq_clear(scaled);
	mpq_clear(sum);
	return rc;
}

/* The scratch arrays for allocate(), one slot per line of the licence. */
static enum ll_status rounding_alloc(struct rounding *r)
{
	size_t n = r->b->n_lines - r->first;

	r->pex = calloc(n ? n : 1, sizeof(*r->pex));
	r->pkeys = calloc(n ? n : 1, sizeof(*r->pkeys));
	r->plens = calloc(n ? n : 1, sizeof(*r->plens));
	r->pout = calloc(n ? n : 1, sizeof(*r->pout));
	if (!r->pex || !r->pkeys || !r->plens || !r->pout)
		return LL_NOMEM;
	return LL_OK;
}

/* Append the licence's party totals to s, one per run of equal party in
 * the sorted lines. */
static enum ll_status collect_party_totals(struct rounding *r)
{
	const struct builder *b = r->b;
	struct ll_settlement *s = r->s;
	size_t i, j, k;

	r->p0 = s->n_parties;
	for (i = r->first; i < b->n_lines; i = j) {
		struct ll_party_total *pt;
		struct ll_party_total *nv;

		for (j = i; j < b->n_lines &&
			    b->lines[j].party == b->lines[i].party; j++)
			;
		nv = realloc(s->parties, (s->n_parties + 1) * sizeof(*nv));
		if (!nv)
			return LL_NOMEM;
		s->parties = nv;
		pt = &s->parties[s->n_parties++];
		pt->licence = r->lt->licence;
		pt->party = b->lines[i].party;
		mpq_init(pt->exact);
		pt->minor = 0;
		pt->first_line = i; /* index into the final lines array */
		pt->n_lines = j - i;
		for (k = i; k < j; k++)
			mpq_add(pt->exact, pt->exact, b->lines[k].exact);
		r->np++;
	}
	return LL_OK;
}

/* Step 2: the licence's minor total among its parties, ties by party id. */
static enum ll_status round_parties(struct rounding *r, struct ll_error *err)
{
	struct ll_party_total *pts = r->s->parties + r->p0;
	size_t i;
	enum ll_status rc;

	for (i = 0; i < r->np; i++) {
		const char *id = r->b->ctx->reg->parties.v[pts[i].party].id;

		r->pex[i] = &pts[i].exact;
		r->pkeys[i] = id;
		r->plens[i] = strlen(id);
	}
	rc = allocate(r->pex, r->pkeys, r->plens, r->np, r->exponent, r->tmin,
		      r->pout, &r->b->ctx->reg->licences.v[r->lt->licence], NULL,
		      err);
	if (rc != LL_OK)
		return rc;
	for (i = 0; i < r->np; i++)
		pts[i].minor = r->pout[i];
	return LL_OK;
}

/* Step 3: one party's minor total among its lines, ties by line key. */
static enum ll_status round_party_lines(struct rounding *r,
					const struct ll_party_total *pt,
					struct ll_error *err)
{
	struct ll_line *lines = r->b->lines + pt->first_line;
	size_t k, m = pt->n_lines, off = 0;
	int64_t sum_minor = 0;
	enum ll_status rc;
	char *keybuf = malloc(m * LINE_KEY_BYTES);

	if (!keybuf)
		return LL_NOMEM;
	for (k = 0; k < m; k++) {
		r->pex[k] = &lines[k].exact;
		r->plens[k] = line_key(r->b->ctx->reg, &lines[k], keybuf + off,
				       LINE_KEY_BYTES);
		r->pkeys[k] = keybuf + off;
		off += LINE_KEY_BYTES;
	}
	mpz_set_si(r->pmin, (long)pt->minor);
	rc = allocate(r->pex, r->pkeys, r->plens, m, r->exponent, r->pmin,
		      r->pout, &r->b->ctx->reg->licences.v[r->lt->licence],
		      r->b->ctx->reg->parties.v[pt->party].id, err);
	free(keybuf);
	if (rc != LL_OK)
		return rc;
	for (k = 0; k < m; k++) {
		lines[k].minor = r->pout[k];
		sum_minor += r->pout[k];
	}
	LL_ENSURE(sum_minor == pt->minor);
	return LL_OK;
}

/*
 * Round one licence: lines[first..n_lines) of the builder belong to it and
 * are sorted by (party, tie order).  Appends its party totals to s.
 */
static enum ll_status round_licence(struct builder *b, struct ll_settlement *s,
				    struct ll_licence_total *lt, size_t first,
				    struct ll_error *err)
{
	struct rounding r;
	int64_t sum_minor = 0;
	size_t i;
	enum ll_status rc;

	memset(&r, 0, sizeof(r));
	r.b = b;
	r.s = s;
	r.lt = lt;
	r.first = first;
	r.exponent = b->ctx->reg->licences.v[lt->licence].exponent;
	mpz_init(r.tmin);
	mpz_init(r.pmin);
	rc = round_licence_total(&r, err);
	if (rc == LL_OK)
		rc = rounding_alloc(&r);
	if (rc == LL_OK)
		rc = collect_party_totals(&r);
	if (rc == LL_OK)
		rc = round_parties(&r, err);
	for (i = 0; i < r.np && rc == LL_OK; i++)
		rc = round_party_lines(&r, &s->parties[r.p0 + i], err);
	if (rc == LL_OK) {
		for (i = 0; i < r.np; i++)
			sum_minor += s->parties[r.p0 + i].minor;
		LL_ENSURE(sum_minor == lt->minor);
	}
	free(r.pex);
	free(r.pkeys);
	free(r.plens);
	free(r.pout);
	mpz_clear(r.tmin);
	mpz_clear(r.pmin);
	return rc;
}

/* ---- one licence ------------------------------------------------------ */

/* State of one licence's settlement, carried through its phases. */
struct lic_job {
	struct builder *b;
	const struct ll_registry *reg;
	const struct ll_licence *lic;
	struct ll_licence_total *lt;	/* borrowed: the licence's entry in s */
	uint32_t li;
	mpq_t x;			/* scratch */
	mpq_t works_total;		/* Σ training + usage over the works */
};

/* Open licence li's total as the next entry of s (s owns it from here). */
static void lic_job_init(struct lic_job *j, struct builder *b,
			 struct ll_settlement *s, uint32_t li)
{
	struct ll_licence_total *lt = &s->lic[s->n_lic];
	int k;

	j->b = b;
	j->reg = b->ctx->reg;
	j->lic = &j->reg->licences.v[li];
	j->lt = lt;
	j->li = li;
	lt->licence = li;
	for (k = 0; k < LL_COMP_COUNT; k++)
		mpq_init(lt->component[k]);
	mpq_init(lt->exact);
	lt->minor = 0;
	lt->n_training_works = 0;
	lt->n_usage_works = 0;
	s->n_lic++;
	mpq_init(j->x);
	mpq_init(j->works_total);
}

/* Clear the job's own numbers (the licence total stays with s). */
static void lic_job_release(struct lic_job *j)
{
	mpq_clear(j->x);
	mpq_clear(j->works_total);
}

/* Set rop to work w's training basis under lic: duration_ms, or 1. */
static void training_basis(mpq_t rop, const struct ll_licence *lic,
			   const struct ll_work *w)
{
	if (lic->basis == LL_BASIS_DURATION)
		mpq_set_ui(rop, (unsigned long)w->duration_ms, 1);
	else
		mpq_set_ui(rop, 1, 1);
}

/* Training component: the fee over the trained works in proportion to
 * their basis, or unallocated when the basis is zero. */
static enum ll_status training_component(struct lic_job *j,
					 const struct ll_training_pair *pairs,
					 size_t n_pairs)
{
	struct ll_licence_total *lt = j->lt;
	mpq_t basis;
	size_t i;
	enum ll_status rc = LL_OK;

	mpq_init(basis);
	for (i = 0; i < n_pairs; i++) {
		training_basis(j->x, j->lic, &j->reg->works.v[pairs[i].work]);
		mpq_add(basis, basis, j->x);
	}
	lt->n_training_works = n_pairs;
	if (mpq_sgn(basis) > 0) {
		for (i = 0; i < n_pairs; i++) {
			struct wamt *a = work_amt(j->b, pairs[i].work);

			if (!a) {
				rc = LL_NOMEM;
				break;
			}
			training_basis(j->x, j->lic,
				       &j->reg->works.v[pairs[i].work]);
			mpq_mul(j->x, j->x, j->lic->training_fee);
			mpq_div(a->c[W_TRAINING], j->x, basis);
			mpq_add(lt->component[LL_COMP_TRAINING],
				lt->component[LL_COMP_TRAINING],
				a->c[W_TRAINING]);
		}
	} else {
		mpq_add(lt->component[LL_COMP_UNALLOCATED],
			lt->component[LL_COMP_UNALLOCATED],
			j->lic->training_fee);
	}
	mpq_clear(basis);
	return rc;
}

/* Usage component: rate × Σ value·weight + per_generation × Σ weight of
 * each eligible span's tally slot, to the span's work. */
static enum ll_status usage_component(struct lic_job *j,
				      const uint32_t *span_list,
				      size_t n_spans, const struct ll_tally *u)
{
	const struct ll_elig *e = j->b->ctx->elig;
	mpq_t sw, svw;
	size_t i;
	enum ll_status rc = LL_OK;

	mpq_init(sw);
	mpq_init(svw);
	for (i = 0; i < n_spans; i++) {
		const struct ll_span *sp = &e->spans[span_list[2 * i]];
		const struct ll_mass *m = &u->slots[sp->slot];
		struct wamt *a;

		if (m->events == 0)
			continue;
		a = work_amt(j->b, span_list[2 * i + 1]);
		if (!a) {
			rc = LL_NOMEM;
			break;
		}
		ll_xsum_get(sw, &m->w, LL_XSUM_SCALE_W);
		ll_xsum_get(svw, &m->vw, LL_XSUM_SCALE_VW);
		mpq_mul(j->x, j->lic->usage_rate, svw);
		mpq_add(a->c[W_USAGE], a->c[W_USAGE], j->x);
		mpq_mul(j->x, j->lic->per_generation, sw);
		mpq_add(a->c[W_USAGE], a->c[W_USAGE], j->x);
	}
	mpq_clear(sw);
	mpq_clear(svw);
	return rc;
}

/* The usage component's total, the works that earned usage, and the
 * works' total (training + usage). */
static void total_works(struct lic_job *j)
{
	const struct builder *b = j->b;
	struct ll_licence_total *lt = j->lt;
	size_t i;

	for (i = 0; i < b->n; i++) {
		mpq_add(lt->component[LL_COMP_USAGE],
			lt->component[LL_COMP_USAGE], b->w[i].c[W_USAGE]);
		if (mpq_sgn(b->w[i].c[W_USAGE]) > 0)
			lt->n_usage_works++;
		mpq_add(j->works_total, j->works_total, b->w[i].c[W_TRAINING]);
		mpq_add(j->works_total, j->works_total, b->w[i].c[W_USAGE]);
	}
}

/* Minimum guarantee: a shortfall goes to the works in proportion to their
 * totals, or is unallocated over a zero total.  Then the licence total is
 * the sum of its components. */
static void apply_minimum_guarantee(struct lic_job *j)
{
	struct ll_licence_total *lt = j->lt;
	mpq_t total, shortfall;
	size_t i;
	int k;

	mpq_init(total);
	mpq_init(shortfall);
	mpq_add(total, j->works_total, lt->component[LL_COMP_UNALLOCATED]);
	if (mpq_cmp(total, j->lic->minimum_guarantee) < 0) {
		mpq_sub(shortfall, j->lic->minimum_guarantee, total);
		if (mpq_sgn(j->works_total) > 0) {
			for (i = 0; i < j->b->n; i++) {
				struct wamt *a = &j->b->w[i];

				mpq_add(j->x, a->c[W_TRAINING], a->c[W_USAGE]);
				mpq_mul(j->x, j->x, shortfall);
				mpq_div(a->c[W_MG], j->x, j->works_total);
			}
			mpq_set(lt->component[LL_COMP_MINIMUM_GUARANTEE],
				shortfall);
		} else {
			mpq_add(lt->component[LL_COMP_UNALLOCATED],
				lt->component[LL_COMP_UNALLOCATED], shortfall);
		}
	}
	for (k = 0; k < LL_COMP_COUNT; k++)
		mpq_add(lt->exact, lt->exact, lt->component[k]);
	mpq_clear(total);
	mpq_clear(shortfall);
}

/* The licensor's line for what is unallocated, if anything is. */
static enum ll_status unallocated_line(struct lic_job *j)
{
	struct ll_line *l;

	if (mpq_sgn(j->lt->component[LL_COMP_UNALLOCATED]) <= 0)
		return LL_OK;
	l = new_line(j->b);
	if (!l)
		return LL_NOMEM;
	l->licence = j->li;
	l->party = party_ix(j->reg, j->lic->licensor);
	l->work = -1;
	l->component = LL_COMP_UNALLOCATED;
	l->side = -1;
	mpq_set(l->exact, j->lt->component[LL_COMP_UNALLOCATED]);
	mpq_set_ui(l->share, 1, 1);
	mpq_set(l->work_exact, l->exact);
	return LL_OK;
}

/* Work → parties: each work's components as lines, in work-id order, then
 * the unallocated line; the licence's lines (from first) sorted by
 * (party, tie order). */
static enum ll_status split_to_parties(struct lic_job *j, size_t first)
{
	struct builder *b = j->b;
	size_t i;
	enum ll_status rc = LL_OK;

	if (b->n > 1)
		qsort_r(b->w, b->n, sizeof(*b->w), cmp_wamt, (void *)j->reg);
	for (i = 0; i < b->n; i++)
		b->pos[b->w[i].work] = (int32_t)i;
	for (i = 0; i < b->n && rc == LL_OK; i++) {
		const struct wamt *a = &b->w[i];
		const struct ll_work *w = &j->reg->works.v[a->work];

		rc = split_work(b, j->li, w, (int32_t)a->work,
				LL_COMP_TRAINING, a->c[W_TRAINING]);
		if (rc == LL_OK)
			rc = split_work(b, j->li, w, (int32_t)a->work,
					LL_COMP_USAGE, a->c[W_USAGE]);
		if (rc == LL_OK)
			rc = split_work(b, j->li, w, (int32_t)a->work,
					LL_COMP_MINIMUM_GUARANTEE, a->c[W_MG]);
	}
	if (rc == LL_OK)
		rc = unallocated_line(j);
	if (rc != LL_OK)
		return rc;
	if (b->n_lines - first > 1)
		qsort_r(b->lines + first, b->n_lines - first, sizeof(*b->lines),
			cmp_line, (void *)j->reg);
	return LL_OK;
}

/* Settle licence li into s: its components, work amounts and lines, then
 * their rounding. */
static enum ll_status settle_licence(struct builder *b, struct ll_settlement *s,
				     uint32_t li,
				     const struct ll_training_pair *pairs,
				     size_t n_pairs, const uint32_t *span_list,
				     size_t n_spans, const struct ll_tally *u,
				     struct ll_error *err)
{
	struct lic_job j;
	size_t first = b->n_lines;
	enum ll_status rc;

	lic_job_init(&j, b, s, li);
	rc = training_component(&j, pairs, n_pairs);
	if (rc == LL_OK)
		rc = usage_component(&j, span_list, n_spans, u);
	if (rc == LL_OK) {
		total_works(&j);
		apply_minimum_guarantee(&j);
		rc = split_to_parties(&j, first);
	}
	if (rc == LL_OK)
		rc = round_licence(b, s, j.lt, first, err);
	reset_amts(b);
	lic_job_release(&j);
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

/* State of a settlement, carried through its phases. */
struct settle_job {
	struct builder b;
	const struct ll_registry *reg;
	struct ll_training_pair *pairs;	/* sorted by (licence, work), unique */
	size_t n_pairs;
	uint32_t *lics;			/* licences active in the period */
	size_t n_lics;
	uint32_t **span_lists;		/* by licence: (span, work) pairs */
	size_t *n_span_lists;
};

/* The job's arrays and s->lic, sized by the registry; LL_NOMEM. */
static enum ll_status settle_job_alloc(struct settle_job *j,
				       struct ll_settlement *s,
				       size_t n_pairs_in)
{
	const struct ll_registry *reg = j->reg;
	size_t i;

	j->b.pos = malloc((reg->works.n ? reg->works.n : 1) *
			  sizeof(*j->b.pos));
	j->lics = malloc((reg->licences.n ? reg->licences.n : 1) *
			 sizeof(*j->lics));
	j->span_lists = calloc(reg->licences.n ? reg->licences.n : 1,
			       sizeof(*j->span_lists));
	j->n_span_lists = calloc(reg->licences.n ? reg->licences.n : 1,
				 sizeof(*j->n_span_lists));
	j->pairs = malloc((n_pairs_in ? n_pairs_in : 1) * sizeof(*j->pairs));
	s->lic = calloc(reg->licences.n ? reg->licences.n : 1, sizeof(*s->lic));
	if (!j->b.pos || !j->lics || !j->span_lists || !j->n_span_lists ||
	    !j->pairs || !s->lic)
		return LL_NOMEM;
	for (i = 0; i < reg->works.n; i++)
		j->b.pos[i] = -1;
	return LL_OK;
}

/* The training pairs sorted by (licence, work), duplicates dropped. */
static void unique_pairs(struct settle_job *j,
			 const struct ll_training_pair *pairs_in,
			 size_t n_pairs_in)
{
	struct ll_training_pair *pairs = j->pairs;
	size_t i;

	if (n_pairs_in)
		memcpy(pairs, pairs_in, n_pairs_in * sizeof(*pairs));
	qsort(pairs, n_pairs_in, sizeof(*pairs), cmp_pair);
	for (i = 0; i < n_pairs_in; i++) {
		if (j->n_pairs == 0 ||
		    cmp_pair(&pairs[j->n_pairs - 1], &pairs[i]))
			pairs[j->n_pairs++] = pairs[i];
	}
}

/* Each licence's eligible generation spans as (span index, work) pairs,
 * in work order. */
static enum ll_status spans_by_licence(struct settle_job *j,
				       const struct ll_elig *e)
{
	size_t w, l, n;
	uint32_t k, *nv;

	for (w = 0; w < j->reg->works.n; w++) {
		for (k = e->off[1][w]; k < e->off[1][w + 1]; k++) {
			const struct ll_span *sp = &e->spans[k];

			if (sp->reason != LL_ELIGIBLE || sp->licence < 0)
				continue;
			l = (size_t)sp->licence;
			n = j->n_span_lists[l];
			nv = realloc(j->span_lists[l],
				     (n + 1) * 2 * sizeof(*nv));
			if (!nv)
				return LL_NOMEM;
			nv[2 * n] = k;
			nv[2 * n + 1] = (uint32_t)w;
			j->n_span_lists[l] = n + 1;
			j->span_lists[l] = nv;
		}
	}
	return LL_OK;
}

/* The licences active in the period, in licence-id order. */
static void active_licences(struct settle_job *j, const struct ll_run_ctx *ctx)
{
	size_t i;

	for (i = 0; i < j->reg->licences.n; i++) {
		if (ll_elig_licence_active(ctx->elig, i, ctx->first_day,
					   ctx->last_day))
			j->lics[j->n_lics++] = (uint32_t)i;
	}
	qsort_r(j->lics, j->n_lics, sizeof(*j->lics), cmp_licence_ix,
		(void *)j->reg);
}

/* Settle each active licence with its training pairs and spans. */
static enum ll_status settle_licences(struct settle_job *j,
				      struct ll_settlement *s,
				      const struct ll_tally *usage,
				      struct ll_error *err)
{
	size_t i;
	enum ll_status rc = LL_OK;

	for (i = 0; i < j->n_lics && rc == LL_OK; i++) {
		uint32_t li = j->lics[i];
		size_t p0 = 0, p1;

		while (p0 < j->n_pairs && j->pairs[p0].licence < li)
			p0++;
		for (p1 = p0; p1 < j->n_pairs && j->pairs[p1].licence == li;
		     p1++)
			;
		rc = settle_licence(&j->b, s, li, j->pairs + p0, p1 - p0,
				    j->span_lists[li], j->n_span_lists[li],
				    usage, err);
	}
	return rc;
}

/* Free what the job still holds (lines not yet moved to s included). */
static void settle_job_release(struct settle_job *j)
{
	size_t i;

	if (j->b.lines) {
		for (i = 0; i < j->b.n_lines; i++)
			line_clear(&j->b.lines[i]);
		free(j->b.lines);
	}
	reset_amts(&j->b);
	free(j->b.w);
	free(j->b.pos);
	if (j->span_lists) {
		for (i = 0; i < j->reg->licences.n; i++)
			free(j->span_lists[i]);
	}
	free(j->span_lists);
	free(j->n_span_lists);
	free(j->lics);
	free(j->pairs);
}

enum ll_status ll_settle(struct ll_settlement *s, const struct ll_run_ctx *ctx,
			 const struct ll_training_pair *pairs_in,
			 size_t n_pairs_in, const struct ll_tally *usage,
			 struct ll_error *err)
{
	struct settle_job j;
	enum ll_status rc;

	memset(s, 0, sizeof(*s));
	memset(&j, 0, sizeof(j));
	j.b.ctx = ctx;
	j.reg = ctx->reg;
	rc = settle_job_alloc(&j, s, n_pairs_in);
	if (rc == LL_OK) {
		unique_pairs(&j, pairs_in, n_pairs_in);
		rc = spans_by_licence(&j, ctx->elig);
	}
	if (rc == LL_OK) {
		active_licences(&j, ctx);
		rc = settle_licences(&j, s, usage, err);
	}
	if (rc == LL_OK) {
		s->lines = j.b.lines;
		s->n_lines = j.b.n_lines;
		j.b.lines = NULL;
		rc = build_payouts(s, j.reg, err);
	}
	if (rc == LL_NOMEM)
		ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
			     "out of memory settling the run");
	settle_job_release(&j);
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
		line_clear(&s->lines[i]);
	free(s->lic);
	free(s->parties);
	free(s->lines);
	free(s->payouts);
	memset(s, 0, sizeof(*s));
}

/*
 * test_engine.c — unit tests for engine.c (SPEC §3 "what is owed" and its
 * rounding), driven through the pure run API exactly as cmd_run.c wires
 * it: a registry parsed from JSON and linked, manifests parsed with
 * ll_manifest_parse, ll_run_prepare, ll_run_training, every generation
 * event parsed with ll_event_parse and fed to ll_tally_event, then
 * ll_run_settle.  No database, no files.
 *
 * Hand-computed cases: the training component on the duration and the
 * count basis, the usage component (rate × Σ value·weight + per_generation
 * × Σ weight, with decimal and fraction weights), a binding minimum
 * guarantee, unallocated fees (no eligible work; a shortfall over a zero
 * total), one-sided works, master_share, a party on both sides, JPY
 * (exponent 0), and rounding ties at each level (half-even licence total;
 * largest remainder to parties, ties to the smaller id in byte order; to
 * lines, ties by component, work id, side in byte order).
 *
 * A property test over several hundred seeded random scenarios (random
 * splits with zero shares, payee routing, consents that change inside the
 * period, licences in EUR/USD/JPY/BHD with random terms, manifests with
 * unknown works and hash mismatches, events with decimal and fraction
 * values and weights, unknown works, other currencies) checks:
 * - the exact figures against this file's own from-scratch computation of
 *   SPEC §3 (it asks ll_elig_decide, tested in test_elig.c, which licence
 *   covers what; everything else is recomputed here);
 * - the conservation laws: Σ line minors = party minor, Σ party minors =
 *   licence minor, licence minor = round_half_even(exact × 10^e), each
 *   line and party within one minor unit of its exact value and equal to
 *   this file's own largest-remainder allocation, Σ payouts = Σ licence
 *   minors per currency;
 * - that permuting the events, and splitting them across two tallies
 *   merged with ll_tally_merge, gives an identical settlement (and
 *   identical compliance.json bytes).
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/engine.h"
#include "ledgerline/event.h"
#include "ledgerline/manifest.h"
#include "ledgerline/registry.h"
#include "ledgerline/run.h"
#include "ledgerline/runfiles.h"
#include "ledgerline/status.h"
#include "ledgerline/tally.h"

#include "fixture.h"

enum {
	PROPERTY_SCENARIOS = 320,	/* accepted random scenarios */
};

/* ---- small helpers -------------------------------------------------------- */

/* An exact string of SPEC §2 as a rational, by this file's own reading:
 * "12.50" → 1250/100, "1/3" → 1/3. */
static void q_from_exact(mpq_t rop, const char *s)
{
	const char *slash = strchr(s, '/'), *dot = strchr(s, '.');

	if (slash) {
		assert_int_equal(mpq_set_str(rop, s, 10), 0);
	} else {
		char digits[128];
		size_t n = 0, frac = 0;
		const char *p;

		for (p = s; *p; p++) {
			if (*p == '.')
				continue;
			assert_true(n + 1 < sizeof(digits));
			digits[n++] = *p;
		}
		digits[n] = '\0';
		if (dot)
			frac = strlen(dot + 1);
		assert_int_equal(mpz_set_str(mpq_numref(rop), digits, 10), 0);
		mpz_ui_pow_ui(mpq_denref(rop), 10, (unsigned long)frac);
	}
	mpq_canonicalize(rop);
}

#define ASSERT_Q(q, want) assert_q_(q, want, __LINE__)
static void assert_q_(const mpq_t q, const char *want, int at)
{
	mpq_t w;

	mpq_init(w);
	q_from_exact(w, want);
	if (!mpq_equal(q, w)) {
		char *g = mpq_get_str(NULL, 10, q);

		print_error("line %d: exact %s, expected %s\n", at, g, want);
		free(g);
		mpq_clear(w);
		fail();
	}
	mpq_clear(w);
}

/* round_half_even(q), this file's own: nearest, ties to even; q >= 0. */
static void my_round_half_even(mpz_t rop, const mpq_t q)
{
	mpz_t fl, r2;
	int c;

	mpz_init(fl);
	mpz_init(r2);
	assert_true(mpq_sgn(q) >= 0);
	mpz_fdiv_q(fl, mpq_numref(q), mpq_denref(q));
	/* compare 2 · (num - fl · den) with den */
	mpz_mul(r2, fl, mpq_denref(q));
	mpz_sub(r2, mpq_numref(q), r2);
	mpz_mul_2exp(r2, r2, 1);
	c = mpz_cmp(r2, mpq_denref(q));
	if (c > 0 || (c == 0 && mpz_odd_p(fl)))
		mpz_add_ui(fl, fl, 1);
	mpz_set(rop, fl);
	mpz_clear(fl);
	mpz_clear(r2);
}

static int my_exponent(const char *cur)
{
	if (strcmp(cur, "JPY") == 0)
		return 0;
	if (strcmp(cur, "BHD") == 0)
		return 3;
	return 2; /* EUR, USD, GBP */
}

/* q · 10^e */
static void scaled(mpq_t rop, const mpq_t q, int e)
{
	mpq_t p;

	mpq_init(p);
	mpz_ui_pow_ui(mpq_numref(p), 10, (unsigned long)e);
	mpz_set_ui(mpq_denref(p), 1);
	mpq_mul(rop, q, p);
	mpq_clear(p);
}

/* Is minor within one unit of q · 10^e (floor or ceil of it)? */
static bool within_one(int64_t minor, const mpq_t q, int e)
{
	mpq_t x, m;
	bool ok;

	mpq_init(x);
	mpq_init(m);
	scaled(x, q, e);
	mpq_set_si(m, (long)minor, 1);
	mpq_sub(x, x, m); /* exact - minor */
	mpq_set_si(m, 1, 1);
	ok = mpq_cmp_si(x, -1, 1) > 0 && mpq_cmp(x, m) < 0;
	mpq_clear(x);
	mpq_clear(m);
	return ok;
}

/* ---- the fixture: one run over in-memory inputs ----------------------------- */

enum { FX_MANIFESTS_MAX = 4 };

struct fx {
	char *reg_text;
	struct ll_registry reg;
	char *mf_text[FX_MANIFESTS_MAX];
	struct ll_manifest mf[FX_MANIFESTS_MAX];
	size_t n_mf;
	struct ll_log_input log;
};

static bool fx_load_registry(struct fx *f, char *text, bool must)
{
	struct ll_errlist errs;
	enum ll_status rc;

	memset(f, 0, sizeof(*f));
	f->reg_text = text;
	ll_registry_init(&f->reg);
	ll_errlist_init(&errs, 0);
	rc = ll_registry_parse(&f->reg, "reg.json", text, strlen(text), &errs);
	if (rc == LL_OK)
		rc = ll_registry_link(&f->reg, &errs);
	if (rc != LL_OK && must) {
		dump_errs(&errs);
		print_message("%s\n", text);
		fail_msg("registry does not load");
	}
	ll_errlist_release(&errs);
	f->log.name = "gen.ndjson";
	f->log.fd = -1;
	return rc == LL_OK;
}

/* Add a manifest (text is taken over). */
static void fx_manifest(struct fx *f, char *text)
{
	struct ll_errlist errs;

	assert_true(f->n_mf < FX_MANIFESTS_MAX);
	ll_errlist_init(&errs, 0);
	f->mf_text[f->n_mf] = text;
	if (ll_manifest_parse(&f->mf[f->n_mf], "m.json", text, strlen(text),
			      &errs) != LL_OK) {
		dump_errs(&errs);
		print_message("%s\n", text);
		fail_msg("manifest does not parse");
	}
	ll_errlist_release(&errs);
	f->n_mf++;
}

static void fx_close(struct fx *f)
{
	size_t i;

	for (i = 0; i < f->n_mf; i++) {
		ll_manifest_release(&f->mf[i]);
		free(f->mf_text[i]);
	}
	ll_registry_release(&f->reg);
	free(f->reg_text);
	memset(f, 0, sizeof(*f));
}

/* How events are fed: in the given order to one tally, or each to one of
 * two tallies (by side[i]) merged at the end. */
struct feed {
	const size_t *order;	/* NULL: as listed */
	const unsigned char *side;	/* NULL: all to the run's tally */
};

/*
 * Run: prepare, training, events, settle.  Returns false (run released)
 * when the inputs are rejected (errors in training or in the events) and
 * must_ok is false; fails the test when must_ok.
 */
static bool fx_run(struct fx *f, struct ll_run *r, const char *period,
		   char *const *events, size_t n_events, const struct feed *fd,
		   bool must_ok)
{
	struct ll_error err;
	struct ll_event_parser *p = ll_event_parser_new();
	struct ll_tally t2;
	bool two = fd && fd->side;
	size_t i;

	assert_non_null(p);
	ll_error_clear(&err);
	if (ll_run_prepare(r, &f->reg, "P-AI", period, f->mf, f->n_mf, &f->log,
			   1, &err) != LL_OK)
		fail_msg("prepare: %s", err.text);
	assert_int_equal(ll_run_training(r), LL_OK);
	if (two)
		assert_int_equal(ll_tally_init(&t2, &r->ctx), LL_OK);
	for (i = 0; i < n_events; i++) {
		size_t k = fd && fd->order ? fd->order[i] : i;
		struct ll_event ev;
		struct ll_tally *t = two && fd->side[i] ? &t2 : &r->tally;

		if (ll_event_parse(p, events[k], strlen(events[k]), &ev, &err) !=
		    LL_OK)
			fail_msg("event %zu does not parse: %s: %s\n%s", k,
				 err.field, err.text, events[k]);
		assert_int_equal(ll_tally_event(t, &ev, 0, (long)k + 1), LL_OK);
	}
	if (two) {
		assert_int_equal(ll_tally_merge(&r->tally, &t2), LL_OK);
		ll_tally_release(&t2);
	}
	ll_tally_finish(&r->tally);
	ll_event_parser_free(p);
	if (ll_errlist_count(&r->errs) || r->tally.errors_total) {
		if (must_ok) {
			dump_errs(&r->errs);
			for (i = 0; i < r->tally.n_errors; i++) {
				char buf[1024];

				ll_error_format(&r->tally.errors[i].e, buf,
						sizeof(buf));
				print_message("    event error: %s\n", buf);
			}
			fail_msg("the run's inputs were rejected");
		}
		ll_run_release(r);
		return false;
	}
	if (ll_run_settle(r, &err) != LL_OK)
		fail_msg("settle: %s", err.text);
	return true;
}

/* ---- finding things in a settlement ----------------------------------------- */

static const struct ll_licence_total *find_lic(const struct ll_run *r,
					       const char *id)
{
	size_t i;

	for (i = 0; i < r->st.n_lic; i++) {
		if (strcmp(r->reg->licences.v[r->st.lic[i].licence].id, id) == 0)
			return &r->st.lic[i];
	}
	fail_msg("no licence total for %s", id);
	return NULL;
}

static const struct ll_party_total *find_party(const struct ll_run *r,
					       const char *lic,
					       const char *party)
{
	size_t i;

	for (i = 0; i < r->st.n_parties; i++) {
		const struct ll_party_total *pt = &r->st.parties[i];

		if (strcmp(r->reg->licences.v[pt->licence].id, lic) == 0 &&
		    strcmp(r->reg->parties.v[pt->party].id, party) == 0)
			return pt;
	}
	return NULL;
}

/* The line (lic, party, work or NULL, component, side or -1). */
static const struct ll_line *find_line(const struct ll_run *r, const char *lic,
				       const char *party, const char *work,
				       enum ll_component comp, int side)
{
	size_t i;

	for (i = 0; i < r->st.n_lines; i++) {
		const struct ll_line *l = &r->st.lines[i];

		if (strcmp(r->reg->licences.v[l->licence].id, lic) != 0 ||
		    strcmp(r->reg->parties.v[l->party].id, party) != 0 ||
		    l->component != comp || l->side != side)
			continue;
		if (work ? l->work >= 0 &&
				   strcmp(r->reg->works.v[l->work].id, work) == 0
			 : l->work < 0)
			return l;
	}
	return NULL;
}

/* Assert a line's exact value and minor units. */
#define LINE(r, lic, party, work, comp, side, exact, minor)                    \
	line_(r, lic, party, work, comp, side, exact, minor, __LINE__)
static void line_(const struct ll_run *r, const char *lic, const char *party,
		  const char *work, enum ll_component comp, int side,
		  const char *exact, int64_t minor, int at)
{
	const struct ll_line *l = find_line(r, lic, party, work, comp, side);

	if (!l)
		fail_msg("line %d: no line %s/%s/%s/%s/%d", at, lic, party,
			 work ? work : "-", ll_component_name(comp), side);
	assert_q_(l->exact, exact, at);
	if (l->minor != minor)
		fail_msg("line %d: line %s/%s/%s: %lld minor, expected %lld",
			 at, party, work ? work : "-", ll_component_name(comp),
			 (long long)l->minor, (long long)minor);
}

#define PARTY(r, lic, party, exact, minor)                                     \
	party_(r, lic, party, exact, minor, __LINE__)
static void party_(const struct ll_run *r, const char *lic, const char *party,
		   const char *exact, int64_t minor, int at)
{
	const struct ll_party_total *pt = find_party(r, lic, party);

	if (!pt)
		fail_msg("line %d: no party total %s/%s", at, lic, party);
	assert_q_(pt->exact, exact, at);
	if (pt->minor != minor)
		fail_msg("line %d: party %s: %lld minor, expected %lld", at,
			 party, (long long)pt->minor, (long long)minor);
}

static const struct ll_payout *find_payout(const struct ll_run *r,
					   const char *payee, const char *cur)
{
	size_t i;

	for (i = 0; i < r->st.n_payouts; i++) {
		const struct ll_payout *po = &r->st.payouts[i];

		if (strcmp(r->reg->parties.v[po->payee].id, payee) == 0 &&
		    strcmp(po->currency, cur) == 0)
			return po;
	}
	return NULL;
}

/* ---- the conservation laws (every settlement) ---------------------------- */

struct lr_part {
	const mpq_t *exact;	/* major units */
	const char *k[3];	/* tie key, compared part by part */
	int64_t minor;		/* what the engine gave */
};

static int cmp_key(const struct lr_part *a, const struct lr_part *b)
{
	int i, c;

	for (i = 0; i < 3; i++) {
		c = strcmp(a->k[i] ? a->k[i] : "", b->k[i] ? b->k[i] : "");
		if (c)
			return c;
	}
	return 0;
}

/*
 * This file's largest remainder (SPEC §3 steps 2 and 3): each part gets
 * floor(x·10^e); the rest go one each to the largest fractional parts,
 * ties to the smaller key.  Asserts the engine's minors are exactly that.
 */
static void check_largest_remainder(struct lr_part *v, size_t n, int e,
				    int64_t total, const char *what)
{
	mpq_t *frac = calloc(n ? n : 1, sizeof(*frac));
	int64_t *want = calloc(n ? n : 1, sizeof(*want));
	bool *got_one = calloc(n ? n : 1, sizeof(*got_one));
	int64_t rest = total;
	size_t i, j;

	assert_true(frac && want && got_one);
	for (i = 0; i < n; i++) {
		mpz_t fl;

		mpq_init(frac[i]);
		mpz_init(fl);
		scaled(frac[i], *v[i].exact, e);
		mpz_fdiv_q(fl, mpq_numref(frac[i]), mpq_denref(frac[i]));
		assert_true(mpz_fits_slong_p(fl));
		want[i] = mpz_get_si(fl);
		rest -= want[i];
		{
			mpq_t f;

			mpq_init(f);
			mpq_set_z(f, fl);
			mpq_sub(frac[i], frac[i], f);
			mpq_clear(f);
		}
		mpz_clear(fl);
	}
	if (rest < 0 || (size_t)rest > n)
		fail_msg("%s: %lld units left over %zu parts", what,
			 (long long)rest, n);
	for (; rest > 0; rest--) {
		size_t best = n;

		for (j = 0; j < n; j++) {
			int c;

			if (got_one[j])
				continue;
			if (best == n) {
				best = j;
				continue;
			}
			c = mpq_cmp(frac[j], frac[best]);
			if (c > 0 || (c == 0 && cmp_key(&v[j], &v[best]) < 0))
				best = j;
		}
		got_one[best] = true;
		want[best]++;
	}
	for (i = 0; i < n; i++) {
		if (want[i] != v[i].minor)
			fail_msg("%s: part %s/%s/%s has %lld minor, largest "
				 "remainder gives %lld",
				 what, v[i].k[0] ? v[i].k[0] : "",
				 v[i].k[1] ? v[i].k[1] : "",
				 v[i].k[2] ? v[i].k[2] : "",
				 (long long)v[i].minor, (long long)want[i]);
		mpq_clear(frac[i]);
	}
	free(frac);
	free(want);
	free(got_one);
}

struct ccy_sum {
	char cur[4];
	int64_t licences, payouts;
};

static void check_conservation(const struct ll_run *r)
{
	const struct ll_settlement *st = &r->st;
	const struct ll_registry *reg = r->reg;
	struct ccy_sum ccy[8];
	size_t n_ccy = 0, i, j, k;
	mpq_t sum;
	mpz_t z;

	mpq_init(sum);
	mpz_init(z);
	for (i = 0; i < st->n_lic; i++) {
		const struct ll_licence_total *lt = &st->lic[i];
		const struct ll_licence *lic = &reg->licences.v[lt->licence];
		int e = my_exponent(lic->currency);
		int64_t party_sum = 0;
		struct lr_part *pv = calloc(st->n_parties + 1, sizeof(*pv));
		size_t np = 0;
		mpq_t x;

		assert_non_null(pv);
		assert_int_equal(lic->exponent, e);
		/* exact: components add up */
		mpq_set_ui(sum, 0, 1);
		for (k = 0; k < LL_COMP_COUNT; k++)
			mpq_add(sum, sum, lt->component[k]);
		assert_true(mpq_equal(sum, lt->exact));
		/* licence minor = round_half_even(exact · 10^e) */
		mpq_init(x);
		scaled(x, lt->exact, e);
		my_round_half_even(z, x);
		mpq_clear(x);
		if (mpz_cmp_si(z, (long)lt->minor) != 0)
			fail_msg("licence %s: minor %lld is not "
				 "round_half_even(exact)",
				 lic->id, (long long)lt->minor);
		/* Σ line exacts = licence exact */
		mpq_set_ui(sum, 0, 1);
		for (j = 0; j < st->n_lines; j++) {
			if (st->lines[j].licence == lt->licence)
				mpq_add(sum, sum, st->lines[j].exact);
		}
		assert_true(mpq_equal(sum, lt->exact));
		/* parties */
		for (j = 0; j < st->n_parties; j++) {
			const struct ll_party_total *pt = &st->parties[j];
			struct lr_part *lv;
			int64_t line_sum = 0;

			if (pt->licence != lt->licence)
				continue;
			party_sum += pt->minor;
			if (!within_one(pt->minor, pt->exact, e))
				fail_msg("party %s: minor %lld not within one "
					 "unit of its exact value",
					 reg->parties.v[pt->party].id,
					 (long long)pt->minor);
			pv[np].exact = &pt->exact;
			pv[np].k[0] = reg->parties.v[pt->party].id;
			pv[np].minor = pt->minor;
			np++;
			assert_true(pt->n_lines > 0);
			assert_true(pt->first_line + pt->n_lines <= st->n_lines);
			lv = calloc(pt->n_lines, sizeof(*lv));
			assert_non_null(lv);
			mpq_set_ui(sum, 0, 1);
			for (k = 0; k < pt->n_lines; k++) {
				const struct ll_line *l =
					&st->lines[pt->first_line + k];

				assert_int_equal(l->licence, pt->licence);
				assert_int_equal(l->party, pt->party);
				assert_true(mpq_sgn(l->exact) > 0);
				assert_true(within_one(l->minor, l->exact, e));
				line_sum += l->minor;
				mpq_add(sum, sum, l->exact);
				lv[k].exact = &l->exact;
				lv[k].k[0] = ll_component_name(
					(enum ll_component)l->component);
				lv[k].k[1] = l->work >= 0 ? reg->works.v[l->work].id
							  : "";
				lv[k].k[2] = l->side >= 0
						     ? ll_side_name((enum ll_side)l->side)
						     : "";
				lv[k].minor = l->minor;
			}
			assert_true(mpq_equal(sum, pt->exact));
			if (line_sum != pt->minor)
				fail_msg("party %s: lines sum to %lld, party "
					 "minor %lld",
					 reg->parties.v[pt->party].id,
					 (long long)line_sum,
					 (long long)pt->minor);
			check_largest_remainder(lv, pt->n_lines, e, pt->minor,
						"lines");
			free(lv);
		}
		if (party_sum != lt->minor)
			fail_msg("licence %s: parties sum to %lld, licence "
				 "minor %lld",
				 lic->id, (long long)party_sum,
				 (long long)lt->minor);
		check_largest_remainder(pv, np, e, lt->minor, "parties");
		free(pv);
		for (k = 0; k < n_ccy; k++) {
			if (strcmp(ccy[k].cur, lic->currency) == 0)
				break;
		}
		if (k == n_ccy) {
			assert_true(n_ccy < N_ELEMS(ccy));
			memcpy(ccy[k].cur, lic->currency, 4);
			ccy[k].licences = ccy[k].payouts = 0;
			n_ccy++;
		}
		ccy[k].licences += lt->minor;
	}
	/* order: licence totals by licence id; party totals by licence id,
	 * party id; lines by licence id, party id, then tie order */
	for (i = 1; i < st->n_lic; i++)
		assert_true(strcmp(reg->licences.v[st->lic[i - 1].licence].id,
				   reg->licences.v[st->lic[i].licence].id) < 0);
	for (i = 1; i < st->n_parties; i++) {
		const struct ll_party_total *a = &st->parties[i - 1],
					    *b = &st->parties[i];
		int c = strcmp(reg->licences.v[a->licence].id,
			       reg->licences.v[b->licence].id);

		if (c == 0)
			c = strcmp(reg->parties.v[a->party].id,
				   reg->parties.v[b->party].id);
		if (c >= 0)
			fail_msg("party totals out of order at %zu", i);
		assert_true(a->first_line + a->n_lines == b->first_line);
	}
	for (i = 1; i < st->n_lines; i++) {
		const struct ll_line *a = &st->lines[i - 1], *b = &st->lines[i];
		struct lr_part ka, kb;
		int c = strcmp(reg->licences.v[a->licence].id,
			       reg->licences.v[b->licence].id);

		if (c == 0)
			c = strcmp(reg->parties.v[a->party].id,
				   reg->parties.v[b->party].id);
		if (c == 0) {
			ka.k[0] = ll_component_name((enum ll_component)a->component);
			ka.k[1] = a->work >= 0 ? reg->works.v[a->work].id : "";
			ka.k[2] = a->side >= 0 ? ll_side_name((enum ll_side)a->side)
					       : "";
			kb.k[0] = ll_component_name((enum ll_component)b->component);
			kb.k[1] = b->work >= 0 ? reg->works.v[b->work].id : "";
			kb.k[2] = b->side >= 0 ? ll_side_name((enum ll_side)b->side)
					       : "";
			c = cmp_key(&ka, &kb);
		}
		if (c >= 0)
			fail_msg("lines out of order at %zu", i);
	}
	/* every line belongs to some party total */
	{
		size_t covered = 0;

		for (j = 0; j < st->n_parties; j++)
			covered += st->parties[j].n_lines;
		assert_int_equal(covered, st->n_lines);
	}
	/* payouts: Σ per currency, and each the sum of its parties */
	for (i = 0; i < st->n_payouts; i++) {
		const struct ll_payout *po = &st->payouts[i];
		int64_t want = 0;
		size_t n_p = 0;

		for (k = 0; k < n_ccy; k++) {
			if (strcmp(ccy[k].cur, po->currency) == 0)
				break;
		}
		assert_true(k < n_ccy);
		ccy[k].payouts += po->minor;
		assert_int_equal(po->exponent, my_exponent(po->currency));
		for (j = 0; j < st->n_parties; j++) {
			const struct ll_party_total *pt = &st->parties[j];
			const struct ll_party *p = &reg->parties.v[pt->party];
			const char *payee = p->payee ? p->payee : p->id;

			if (strcmp(payee, reg->parties.v[po->payee].id) == 0 &&
			    strcmp(reg->licences.v[pt->licence].currency,
				   po->currency) == 0) {
				want += pt->minor;
				n_p++;
			}
		}
		assert_true(po->minor == want);
		assert_int_equal(po->n_parties, n_p);
		if (i > 0) {
			const struct ll_payout *q = &st->payouts[i - 1];
			int c = strcmp(reg->parties.v[q->payee].id,
				       reg->parties.v[po->payee].id);

			assert_true(c < 0 || (c == 0 && strcmp(q->currency,
							       po->currency) < 0));
		}
	}
	for (k = 0; k < n_ccy; k++) {
		if (ccy[k].licences != ccy[k].payouts)
			fail_msg("%s: licences total %lld minor, payouts %lld",
				 ccy[k].cur, (long long)ccy[k].licences,
				 (long long)ccy[k].payouts);
	}
	mpq_clear(sum);
	mpz_clear(z);
}

/* ---- hand-computed cases ------------------------------------------------------ */

/*
 * Parties of every hand case; all opt in to training and generation for
 * all works from 2026-01-01.  P-S is paid through P-P.  P-Z and P-a test
 * byte order ('Z' 0x5a < 'a' 0x61).
 */
static const char HAND_PARTIES[] =
	"{\"parties\": [\n"
	" {\"id\": \"P-AI\", \"name\": \"Synth Co\", \"kind\": \"licensee\"},\n"
	" {\"id\": \"P-L\", \"name\": \"Label\", \"kind\": \"label\"},\n"
	" {\"id\": \"P-A\", \"name\": \"Artist\", \"kind\": \"artist\"},\n"
	" {\"id\": \"P-P\", \"name\": \"Publisher\", \"kind\": \"publisher\"},\n"
	" {\"id\": \"P-S\", \"name\": \"Songwriter\", \"kind\": \"songwriter\", "
	"\"payee\": \"P-P\"},\n"
	" {\"id\": \"P-Z\", \"name\": \"Zed\", \"kind\": \"artist\"},\n"
	" {\"id\": \"P-a\", \"name\": \"ay\", \"kind\": \"artist\"}],\n"
	"\"consents\": [\n";

static const char *const HAND_CONSENTING[] = { "P-L", "P-A", "P-P",
					       "P-S", "P-Z", "P-a" };

/*
 * Works of the hand cases:
 * W-1  100000 ms  master P-L 1
 * W-2  300000 ms  master P-L 1/2, P-A 1/2; publishing P-P 1
 * W-3  200000 ms  publishing P-P 1/3, P-S 2/3
 * W-4   50000 ms  master P-A 1; publishing P-A 1/2, P-S 1/2
 * W-9, W-10       master P-A 1  (byte order: "W-10" < "W-9")
 * W-Z  10 ms      master P-Z 1/2, P-a 1/2
 */
static const char HAND_WORKS[] =
	"\"works\": [\n"
	" {\"id\": \"W-1\", \"isrc\": \"GBAAA2600001\", \"duration_ms\": 100000, "
	"\"splits\": {\"master\": [{\"party\": \"P-L\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-2\", \"duration_ms\": 300000, \"splits\": {\n"
	"   \"master\": [{\"party\": \"P-L\", \"share\": \"1/2\"}, "
	"{\"party\": \"P-A\", \"share\": \"0.5\"}],\n"
	"   \"publishing\": [{\"party\": \"P-P\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-3\", \"duration_ms\": 200000, \"splits\": {\n"
	"   \"publishing\": [{\"party\": \"P-P\", \"share\": \"1/3\"}, "
	"{\"party\": \"P-S\", \"share\": \"2/3\"}]}},\n"
	" {\"id\": \"W-4\", \"duration_ms\": 50000, \"splits\": {\n"
	"   \"master\": [{\"party\": \"P-A\", \"share\": \"1\"}],\n"
	"   \"publishing\": [{\"party\": \"P-A\", \"share\": \"1/2\"}, "
	"{\"party\": \"P-S\", \"share\": \"1/2\"}]}},\n"
	" {\"id\": \"W-9\", \"duration_ms\": 1000, \"splits\": "
	"{\"master\": [{\"party\": \"P-A\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-10\", \"duration_ms\": 1000, \"splits\": "
	"{\"master\": [{\"party\": \"P-A\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-Z\", \"duration_ms\": 10, \"splits\": "
	"{\"master\": [{\"party\": \"P-Z\", \"share\": \"1/2\"}, "
	"{\"party\": \"P-a\", \"share\": \"1/2\"}]}}],\n";

/* A licence of P-AI from P-L for 2026 with the given scope, currency and
 * terms (JSON object text, or "" for none). */
static void hand_licence(struct sbuf *b, const char *id, const char *scope,
			 const char *currency, const char *terms)
{
	sb_printf(b,
		  "{\"id\": \"%s\", \"licensee\": \"P-AI\", \"licensor\": "
		  "\"P-L\", \"scope\": %s, \"uses\": [\"training\", "
		  "\"generation\"], \"start\": \"2026-01-01\", \"end\": "
		  "\"2026-12-31\", \"currency\": \"%s\"%s%s}",
		  id, scope, currency, terms[0] ? ", \"terms\": " : "", terms);
}

/* Open a hand case: one licence and a manifest of the given items
 * (JSON array body) trained on 2026-03-14. */
static void hand_open(struct fx *f, const char *lic_scope, const char *cur,
		      const char *terms, const char *items)
{
	struct sbuf b = { NULL, 0, 0 }, m = { NULL, 0, 0 };
	size_t i;

	sb_printf(&b, "%s", HAND_PARTIES);
	for (i = 0; i < N_ELEMS(HAND_CONSENTING); i++)
		sb_printf(&b,
			  "  {\"id\": \"C-T-%s\", \"party\": \"%s\", "
			  "\"all_works\": true, \"use\": \"training\", "
			  "\"decision\": \"opt_in\", \"effective\": "
			  "\"2026-01-01T00:00:00Z\"},\n"
			  "  {\"id\": \"C-G-%s\", \"party\": \"%s\", "
			  "\"all_works\": true, \"use\": \"generation\", "
			  "\"decision\": \"opt_in\", \"effective\": "
			  "\"2026-01-01T00:00:00Z\"}%s\n",
			  HAND_CONSENTING[i], HAND_CONSENTING[i],
			  HAND_CONSENTING[i], HAND_CONSENTING[i],
			  i + 1 < N_ELEMS(HAND_CONSENTING) ? "," : "");
	sb_printf(&b, "],\n%s\"licences\": [", HAND_WORKS);
	hand_licence(&b, "L-1", lic_scope, cur, terms);
	sb_printf(&b, "]}\n");
	fx_load_registry(f, b.s, true);
	sb_printf(&m,
		  "{\"model\": \"m-1\", \"training_run\": \"tr-1\", "
		  "\"trained_at\": \"2026-03-14T00:00:00Z\", \"licensee\": "
		  "\"P-AI\", \"items\": [%s]}",
		  items);
	fx_manifest(f, m.s);
}

/* An event line. */
static char *ev(const char *id, const char *ts, const char *value,
		const char *cur, const char *attribution)
{
	struct sbuf b = { NULL, 0, 0 };

	sb_printf(&b,
		  "{\"id\": \"%s\", \"model\": \"m-1\", \"ts\": \"%s\", "
		  "\"value\": \"%s\", \"currency\": \"%s\", \"attribution\": "
		  "[%s]}",
		  id, ts, value, cur, attribution);
	return b.s;
}

static void free_events(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
}

#define CATALOG_L "{\"catalog_of\": \"P-L\"}"
#define M LL_SIDE_MASTER
#define P LL_SIDE_PUBLISHING

/* Training on the duration basis: W-1 100000 ms, W-2 300000 ms. */
static void test_training_duration(void **state)
{
	struct fx f;
	struct ll_run r;
	const struct ll_licence_total *lt;

	(void)state;
	hand_open(&f, CATALOG_L, "EUR",
		  "{\"training_fee\": \"1000.00\", \"training_basis\": "
		  "\"duration\"}",
		  "{\"work\": \"W-1\", \"duration_ms\": 5}, {\"work\": \"W-2\"}, "
		  /* the same work again, by ISRC: counted once */
		  "{\"isrc\": \"GB-AAA-26-00001\"}, "
		  /* not in P-L's catalogue: no licence */
		  "{\"work\": \"W-3\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	assert_int_equal(r.n_excluded, 1);
	assert_int_equal(r.excluded[0].reason, LL_REASON_NO_LICENCE);
	lt = find_lic(&r, "L-1");
	ASSERT_Q(lt->exact, "1000");
	ASSERT_Q(lt->component[LL_COMP_TRAINING], "1000");
	ASSERT_Q(lt->component[LL_COMP_USAGE], "0");
	ASSERT_Q(lt->component[LL_COMP_UNALLOCATED], "0");
	ASSERT_Q(lt->component[LL_COMP_MINIMUM_GUARANTEE], "0");
	assert_true(lt->minor == 100000);
	assert_int_equal(lt->n_training_works, 2);
	/* W-1: 1000 · 1/4 (the item's own duration_ms is informational) */
	LINE(&r, "L-1", "P-L", "W-1", LL_COMP_TRAINING, M, "250", 25000);
	/* W-2: 750, half master (P-L, P-A halves), half publishing */
	LINE(&r, "L-1", "P-L", "W-2", LL_COMP_TRAINING, M, "187.5", 18750);
	LINE(&r, "L-1", "P-A", "W-2", LL_COMP_TRAINING, M, "187.5", 18750);
	LINE(&r, "L-1", "P-P", "W-2", LL_COMP_TRAINING, P, "375", 37500);
	PARTY(&r, "L-1", "P-L", "437.5", 43750);
	PARTY(&r, "L-1", "P-A", "187.5", 18750);
	PARTY(&r, "L-1", "P-P", "375", 37500);
	assert_int_equal(r.st.n_lines, 4);
	assert_int_equal(r.st.n_parties, 3);
	/* payouts: P-A, P-L, P-P (each its own payee) in id order */
	assert_int_equal(r.st.n_payouts, 3);
	assert_true(find_payout(&r, "P-L", "EUR")->minor == 43750);
	ll_run_release(&r);
	fx_close(&f);
}

/* Training on the count basis: each trained work counts 1. */
static void test_training_count(void **state)
{
	struct fx f;
	struct ll_run r;

	(void)state;
	hand_open(&f, CATALOG_L, "EUR",
		  "{\"training_fee\": \"1000\", \"training_basis\": \"count\"}",
		  "{\"work\": \"W-1\"}, {\"work\": \"W-2\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	LINE(&r, "L-1", "P-L", "W-1", LL_COMP_TRAINING, M, "500", 50000);
	LINE(&r, "L-1", "P-L", "W-2", LL_COMP_TRAINING, M, "125", 12500);
	LINE(&r, "L-1", "P-A", "W-2", LL_COMP_TRAINING, M, "125", 12500);
	LINE(&r, "L-1", "P-P", "W-2", LL_COMP_TRAINING, P, "250", 25000);
	PARTY(&r, "L-1", "P-L", "625", 62500);
	assert_int_equal(find_lic(&r, "L-1")->n_training_works, 2);
	ll_run_release(&r);
	fx_close(&f);
}

/*
 * Usage: rate 0.30, per_generation 0.0020.
 *   e1 value 0.0400: W-1 0.25, W-2 (by ISRC? no: W-2 has none) 0.125
 *   e2 value 1.00:   W-2 1/3
 *   e3 value 0:      W-1 0.5
 *   e4 value 5:      W-1 0.5, in USD: another currency, not counted
 * W-1: 0.3 · 0.01 + 0.002 · 0.75 = 9/2000
 * W-2: 0.3 · (0.005 + 1/3) + 0.002 · (0.125 + 1/3) = 1229/12000
 * total 1283/12000 = 0.10691666… → 11 cents
 */
static void test_usage(void **state)
{
	struct fx f;
	struct ll_run r;
	const struct ll_licence_total *lt;
	char *events[4];

	(void)state;
	hand_open(&f, CATALOG_L, "EUR",
		  "{\"usage_rate\": \"0.30\", \"per_generation\": \"0.0020\"}",
		  "{\"work\": \"W-1\"}, {\"work\": \"W-2\"}");
	events[0] = ev("e1", "2026-07-02T10:00:00Z", "0.0400", "EUR",
		       "{\"isrc\": \"GBAAA2600001\", \"weight\": \"0.25\"}, "
		       "{\"work\": \"W-2\", \"weight\": \"0.125\"}");
	events[1] = ev("e2", "2026-08-01T00:00:00Z", "1.00", "EUR",
		       "{\"work\": \"W-2\", \"weight\": \"1/3\"}");
	events[2] = ev("e3", "2026-09-30T23:59:59.999999Z", "0", "EUR",
		       "{\"work\": \"W-1\", \"weight\": \"0.5\"}");
	events[3] = ev("e4", "2026-09-01T00:00:00Z", "5", "USD",
		       "{\"work\": \"W-1\", \"weight\": \"0.5\"}");
	fx_run(&f, &r, "2026-Q3", events, 4, NULL, true);
	check_conservation(&r);
	lt = find_lic(&r, "L-1");
	ASSERT_Q(lt->component[LL_COMP_USAGE], "1283/12000");
	ASSERT_Q(lt->component[LL_COMP_TRAINING], "0");
	ASSERT_Q(lt->exact, "1283/12000");
	assert_true(lt->minor == 11);
	assert_int_equal(lt->n_usage_works, 2);
	/* minor: P-L 3.0104…, P-A 2.5604…, P-P 5.1208… → 3 + 2 + 5 = 10,
	 * the last cent to P-A (largest fraction) */
	PARTY(&r, "L-1", "P-L", "289/9600", 3); /* 9/2000 + 1229/48000 */
	PARTY(&r, "L-1", "P-A", "1229/48000", 3);
	PARTY(&r, "L-1", "P-P", "1229/24000", 5);
	ll_run_release(&r);
	fx_close(&f);
	free_events(events, 4);
}

/* The same without the other-currency event: every line, and the
 * unattributed mass. */
static void test_usage_lines(void **state)
{
	struct fx f;
	struct ll_run r;
	char *events[3];
	mpq_t w, v;

	(void)state;
	hand_open(&f, CATALOG_L, "EUR",
		  "{\"usage_rate\": \"0.30\", \"per_generation\": \"0.0020\"}",
		  "{\"work\": \"W-1\"}");
	events[0] = ev("e1", "2026-07-02T10:00:00Z", "0.0400", "EUR",
		       "{\"isrc\": \"GBAAA2600001\", \"weight\": \"0.25\"}, "
		       "{\"work\": \"W-2\", \"weight\": \"0.125\"}");
	events[1] = ev("e2", "2026-08-01T00:00:00Z", "1.00", "EUR",
		       "{\"work\": \"W-2\", \"weight\": \"1/3\"}");
	events[2] = ev("e3", "2026-09-30T23:59:59.999999Z", "0", "EUR",
		       "{\"work\": \"W-1\", \"weight\": \"0.5\"}");
	fx_run(&f, &r, "2026-Q3", events, 3, NULL, true);
	check_conservation(&r);
	LINE(&r, "L-1", "P-L", "W-1", LL_COMP_USAGE, M, "9/2000", 0);
	LINE(&r, "L-1", "P-L", "W-2", LL_COMP_USAGE, M, "1229/48000", 3);
	LINE(&r, "L-1", "P-A", "W-2", LL_COMP_USAGE, M, "1229/48000", 3);
	LINE(&r, "L-1", "P-P", "W-2", LL_COMP_USAGE, P, "1229/24000", 5);
	PARTY(&r, "L-1", "P-A", "1229/48000", 3);
	PARTY(&r, "L-1", "P-P", "1229/24000", 5);
	assert_true(find_lic(&r, "L-1")->minor == 11);
	/* unattributed: 1 - 0.375, 1 - 1/3, 1 - 0.5 */
	mpq_init(w);
	mpq_init(v);
	ll_xsum_get(w, &r.tally.unattributed.w, LL_XSUM_SCALE_W);
	ll_xsum_get(v, &r.tally.unattributed.vw, LL_XSUM_SCALE_VW);
	ASSERT_Q(w, "43/24");
	ASSERT_Q(v, "83/120");
	assert_int_equal(r.tally.unattributed.events, 3);
	mpq_clear(w);
	mpq_clear(v);
	ll_run_release(&r);
	fx_close(&f);
	free_events(events, 3);
}

/* A binding minimum guarantee: the shortfall goes to the works in
 * proportion to their totals, as its own component. */
static void test_minimum_guarantee(void **state)
{
	struct fx f;
	struct ll_run r;
	const struct ll_licence_total *lt;
	char *events[1];

	(void)state;
	hand_open(&f, CATALOG_L, "EUR",
		  "{\"training_fee\": \"1000\", \"usage_rate\": \"1\", "
		  "\"minimum_guarantee\": \"2500.00\"}",
		  "{\"work\": \"W-1\"}, {\"work\": \"W-2\"}");
	/* usage: W-1 gets 1 · 250 · 1 = 250 → W-1 500, W-2 750 */
	events[0] = ev("e1", "2026-07-02T10:00:00Z", "250", "EUR",
		       "{\"work\": \"W-1\", \"weight\": \"1\"}");
	fx_run(&f, &r, "2026-Q3", events, 1, NULL, true);
	check_conservation(&r);
	lt = find_lic(&r, "L-1");
	ASSERT_Q(lt->component[LL_COMP_TRAINING], "1000");
	ASSERT_Q(lt->component[LL_COMP_USAGE], "250");
	ASSERT_Q(lt->component[LL_COMP_MINIMUM_GUARANTEE], "1250");
	ASSERT_Q(lt->component[LL_COMP_UNALLOCATED], "0");
	ASSERT_Q(lt->exact, "2500");
	assert_true(lt->minor == 250000);
	/* shortfall 1250 over totals 500 : 750 → 500 : 750 */
	LINE(&r, "L-1", "P-L", "W-1", LL_COMP_MINIMUM_GUARANTEE, M, "500",
	     50000);
	LINE(&r, "L-1", "P-L", "W-2", LL_COMP_MINIMUM_GUARANTEE, M, "187.5",
	     18750);
	LINE(&r, "L-1", "P-A", "W-2", LL_COMP_MINIMUM_GUARANTEE, M, "187.5",
	     18750);
	LINE(&r, "L-1", "P-P", "W-2", LL_COMP_MINIMUM_GUARANTEE, P, "375",
	     37500);
	LINE(&r, "L-1", "P-L", "W-1", LL_COMP_USAGE, M, "250", 25000);
	ll_run_release(&r);
	fx_close(&f);
	free_events(events, 1);

	/* a guarantee below the total does not bind */
	hand_open(&f, CATALOG_L, "EUR",
		  "{\"training_fee\": \"1000\", \"minimum_guarantee\": \"999.99\"}",
		  "{\"work\": \"W-1\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	lt = find_lic(&r, "L-1");
	ASSERT_Q(lt->component[LL_COMP_MINIMUM_GUARANTEE], "0");
	ASSERT_Q(lt->exact, "1000");
	assert_null(find_line(&r, "L-1", "P-L", "W-1",
			      LL_COMP_MINIMUM_GUARANTEE, M));
	ll_run_release(&r);
	fx_close(&f);
}

/* Fees with no eligible work: posted to the licensor, work null. */
static void test_unallocated(void **state)
{
	struct fx f;
	struct ll_run r;
	const struct ll_licence_total *lt;
	const struct ll_line *l;

	(void)state;
	/* the only item is outside the scope; a guarantee over a zero
	 * total is unallocated too */
	hand_open(&f, "{\"works\": [\"W-3\"]}", "EUR",
		  "{\"training_fee\": \"500\", \"usage_rate\": \"0.5\", "
		  "\"minimum_guarantee\": \"800.00\"}",
		  "{\"work\": \"W-1\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	lt = find_lic(&r, "L-1");
	ASSERT_Q(lt->component[LL_COMP_UNALLOCATED], "800");
	ASSERT_Q(lt->component[LL_COMP_TRAINING], "0");
	ASSERT_Q(lt->component[LL_COMP_MINIMUM_GUARANTEE], "0");
	ASSERT_Q(lt->exact, "800");
	assert_int_equal(lt->n_training_works, 0);
	assert_int_equal(r.st.n_lines, 1);
	l = find_line(&r, "L-1", "P-L", NULL, LL_COMP_UNALLOCATED, -1);
	assert_non_null(l);
	assert_int_equal(l->work, -1);
	assert_int_equal(l->side, -1);
	ASSERT_Q(l->exact, "800");
	assert_true(l->minor == 80000);
	PARTY(&r, "L-1", "P-L", "800", 80000);
	ll_run_release(&r);
	fx_close(&f);

	/* a guarantee alone, nothing trained, nothing used */
	hand_open(&f, CATALOG_L, "EUR", "{\"minimum_guarantee\": \"0.01\"}",
		  "");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	LINE(&r, "L-1", "P-L", NULL, LL_COMP_UNALLOCATED, -1, "0.01", 1);
	ll_run_release(&r);
	fx_close(&f);

	/* a licence with no terms owes nothing and has no lines */
	hand_open(&f, CATALOG_L, "EUR", "", "{\"work\": \"W-1\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	lt = find_lic(&r, "L-1");
	ASSERT_Q(lt->exact, "0");
	assert_true(lt->minor == 0);
	assert_int_equal(r.st.n_lines, 0);
	assert_int_equal(r.st.n_parties, 0);
	assert_int_equal(r.st.n_payouts, 0);
	ll_run_release(&r);
	fx_close(&f);
}

/* One-sided works take all whatever master_share says; master_share
 * divides two-sided ones. */
static void test_sides_and_master_share(void **state)
{
	struct fx f;
	struct ll_run r;

	(void)state;
	hand_open(&f, "{\"works\": [\"W-1\", \"W-2\", \"W-3\"]}", "EUR",
		  "{\"training_fee\": \"300\", \"training_basis\": \"count\", "
		  "\"master_share\": \"3/4\"}",
		  "{\"work\": \"W-1\"}, {\"work\": \"W-2\"}, {\"work\": \"W-3\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	/* W-1 master only: all 100 */
	LINE(&r, "L-1", "P-L", "W-1", LL_COMP_TRAINING, M, "100", 10000);
	/* W-2: 75 master (37.5 each), 25 publishing */
	LINE(&r, "L-1", "P-L", "W-2", LL_COMP_TRAINING, M, "37.5", 3750);
	LINE(&r, "L-1", "P-A", "W-2", LL_COMP_TRAINING, M, "37.5", 3750);
	LINE(&r, "L-1", "P-P", "W-2", LL_COMP_TRAINING, P, "25", 2500);
	/* W-3 publishing only: all 100, 1/3 and 2/3 */
	LINE(&r, "L-1", "P-P", "W-3", LL_COMP_TRAINING, P, "100/3", 3333);
	LINE(&r, "L-1", "P-S", "W-3", LL_COMP_TRAINING, P, "200/3", 6667);
	PARTY(&r, "L-1", "P-P", "175/3", 5833);
	PARTY(&r, "L-1", "P-S", "200/3", 6667);
	/* P-S is paid through P-P: one payout of both */
	{
		const struct ll_payout *po = find_payout(&r, "P-P", "EUR");

		assert_non_null(po);
		assert_true(po->minor == 5833 + 6667);
		assert_int_equal(po->n_parties, 2);
		assert_null(find_payout(&r, "P-S", "EUR"));
	}
	ll_run_release(&r);
	fx_close(&f);

	/* master_share 0 and 1: the other side's lines vanish */
	hand_open(&f, "{\"works\": [\"W-2\"]}", "EUR",
		  "{\"training_fee\": \"10\", \"master_share\": \"0\"}",
		  "{\"work\": \"W-2\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	LINE(&r, "L-1", "P-P", "W-2", LL_COMP_TRAINING, P, "10", 1000);
	assert_int_equal(r.st.n_lines, 1);
	ll_run_release(&r);
	fx_close(&f);
	hand_open(&f, "{\"works\": [\"W-2\"]}", "EUR",
		  "{\"training_fee\": \"10\", \"master_share\": \"1\"}",
		  "{\"work\": \"W-2\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	LINE(&r, "L-1", "P-L", "W-2", LL_COMP_TRAINING, M, "5", 500);
	LINE(&r, "L-1", "P-A", "W-2", LL_COMP_TRAINING, M, "5", 500);
	assert_int_equal(r.st.n_lines, 2);
	ll_run_release(&r);
	fx_close(&f);
}

/* A party on both sides of one work: a line per side, one party total. */
static void test_party_both_sides(void **state)
{
	struct fx f;
	struct ll_run r;
	const struct ll_party_total *pt;

	(void)state;
	hand_open(&f, "{\"works\": [\"W-4\"]}", "EUR",
		  "{\"training_fee\": \"10.00\"}", "{\"work\": \"W-4\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	LINE(&r, "L-1", "P-A", "W-4", LL_COMP_TRAINING, M, "5", 500);
	LINE(&r, "L-1", "P-A", "W-4", LL_COMP_TRAINING, P, "2.5", 250);
	LINE(&r, "L-1", "P-S", "W-4", LL_COMP_TRAINING, P, "2.5", 250);
	PARTY(&r, "L-1", "P-A", "7.5", 750);
	pt = find_party(&r, "L-1", "P-A");
	assert_int_equal(pt->n_lines, 2);
	/* master before publishing */
	assert_int_equal(r.st.lines[pt->first_line].side, LL_SIDE_MASTER);
	assert_int_equal(r.st.lines[pt->first_line + 1].side,
			 LL_SIDE_PUBLISHING);
	ll_run_release(&r);
	fx_close(&f);
}

/*
 * JPY (exponent 0), 1000 yen over three works by count:
 * P-A 250/3, P-L 1250/3, P-P 2500/9, P-S 2000/9 → floors 83 + 416 + 277 +
 * 222 = 998; the two yen left go to P-P (.778) and P-L (.667).  P-L's
 * lines W-1 1000/3 and W-2 250/3 tie at 1/3: W-1 (smaller work id) gets
 * the yen.
 */
static void test_jpy(void **state)
{
	struct fx f;
	struct ll_run r;
	const struct ll_payout *po;

	(void)state;
	hand_open(&f, "{\"works\": [\"W-1\", \"W-2\", \"W-3\"]}", "JPY",
		  "{\"training_fee\": \"1000\", \"training_basis\": \"count\"}",
		  "{\"work\": \"W-1\"}, {\"work\": \"W-2\"}, {\"work\": \"W-3\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	assert_true(find_lic(&r, "L-1")->minor == 1000);
	PARTY(&r, "L-1", "P-A", "250/3", 83);
	PARTY(&r, "L-1", "P-L", "1250/3", 417);
	PARTY(&r, "L-1", "P-P", "2500/9", 278);
	PARTY(&r, "L-1", "P-S", "2000/9", 222);
	LINE(&r, "L-1", "P-L", "W-1", LL_COMP_TRAINING, M, "1000/3", 334);
	LINE(&r, "L-1", "P-L", "W-2", LL_COMP_TRAINING, M, "250/3", 83);
	LINE(&r, "L-1", "P-P", "W-2", LL_COMP_TRAINING, P, "500/3", 167);
	LINE(&r, "L-1", "P-P", "W-3", LL_COMP_TRAINING, P, "1000/9", 111);
	po = find_payout(&r, "P-P", "JPY");
	assert_non_null(po);
	assert_int_equal(po->exponent, 0);
	assert_true(po->minor == 278 + 222);
	ll_run_release(&r);
	fx_close(&f);

	/* half-even at exponent 0: 2.5 yen → 2, 3.5 yen → 4 */
	hand_open(&f, "{\"works\": [\"W-1\"]}", "JPY",
		  "{\"training_fee\": \"2.5\"}", "{\"work\": \"W-1\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	assert_true(find_lic(&r, "L-1")->minor == 2);
	ll_run_release(&r);
	fx_close(&f);
	hand_open(&f, "{\"works\": [\"W-1\"]}", "JPY",
		  "{\"training_fee\": \"3.5\"}", "{\"work\": \"W-1\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	assert_true(find_lic(&r, "L-1")->minor == 4);
	ll_run_release(&r);
	fx_close(&f);
}

/* Rounding ties at every level. */
static void test_rounding_ties(void **state)
{
	static const struct {
		const char *fee;
		int64_t minor;
	} half_even[] = {
		{ "0.125", 12 }, { "0.135", 14 }, { "0.005", 0 },
		{ "0.015", 2 },	 { "0.1250000001", 13 }, { "0.1249999999", 12 },
		{ "1/8", 12 },	 { "3/8", 38 },
	};
	struct fx f;
	struct ll_run r;
	size_t i;

	(void)state;
	/* 1. the licence total, half-even */
	for (i = 0; i < N_ELEMS(half_even); i++) {
		char terms[96];

		snprintf(terms, sizeof(terms), "{\"training_fee\": \"%s\"}",
			 half_even[i].fee);
		hand_open(&f, "{\"works\": [\"W-1\"]}", "EUR", terms,
			  "{\"work\": \"W-1\"}");
		fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
		check_conservation(&r);
		if (find_lic(&r, "L-1")->minor != half_even[i].minor)
			fail_msg("fee %s: %lld minor, expected %lld",
				 half_even[i].fee,
				 (long long)find_lic(&r, "L-1")->minor,
				 (long long)half_even[i].minor);
		ll_run_release(&r);
		fx_close(&f);
	}

	/* 2. parties: 0.01 between P-Z and P-a, 0.5 cent each: the smaller
	 * id in byte order ("P-Z" < "P-a") gets the cent */
	hand_open(&f, "{\"works\": [\"W-Z\"]}", "EUR",
		  "{\"training_fee\": \"0.01\"}", "{\"work\": \"W-Z\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	PARTY(&r, "L-1", "P-Z", "0.005", 1);
	PARTY(&r, "L-1", "P-a", "0.005", 0);
	/* a line of zero minor units is still a line: its exact value is
	 * not zero */
	LINE(&r, "L-1", "P-a", "W-Z", LL_COMP_TRAINING, M, "0.005", 0);
	ll_run_release(&r);
	fx_close(&f);

	/* 3a. lines by work id in byte order: "W-10" < "W-9" */
	hand_open(&f, "{\"works\": [\"W-9\", \"W-10\"]}", "EUR",
		  "{\"training_fee\": \"0.01\", \"training_basis\": \"count\"}",
		  "{\"work\": \"W-9\"}, {\"work\": \"W-10\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	LINE(&r, "L-1", "P-A", "W-10", LL_COMP_TRAINING, M, "0.005", 1);
	LINE(&r, "L-1", "P-A", "W-9", LL_COMP_TRAINING, M, "0.005", 0);
	ll_run_release(&r);
	fx_close(&f);

	/* 3b. by side, "master" < "publishing": W-4 (P-A master 1,
	 * publishing P-A 1/2, P-S 1/2), fee 0.02, master_share 1/3: master
	 * 2/3 cent (P-A), publishing 4/3 cents (P-A 2/3, P-S 2/3).  Parties:
	 * P-A 4/3, P-S 2/3, T = 2 → floors 1 + 0, the cent left to P-S
	 * (.667 > .333).  P-A's lines 2/3 and 2/3 share 1 cent: a tie, so
	 * master first. */
	hand_open(&f, "{\"works\": [\"W-4\"]}", "EUR",
		  "{\"training_fee\": \"0.02\", \"master_share\": \"1/3\"}",
		  "{\"work\": \"W-4\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	PARTY(&r, "L-1", "P-A", "1/75", 1);
	PARTY(&r, "L-1", "P-S", "1/150", 1);
	LINE(&r, "L-1", "P-A", "W-4", LL_COMP_TRAINING, M, "1/150", 1);
	LINE(&r, "L-1", "P-A", "W-4", LL_COMP_TRAINING, P, "1/150", 0);
	ll_run_release(&r);
	fx_close(&f);

	/* 3c. by component: "training" < "usage" — 0.005 of each on W-9 */
	{
		char *events[1];

		hand_open(&f, "{\"works\": [\"W-9\"]}", "EUR",
			  "{\"training_fee\": \"0.005\", \"per_generation\": "
			  "\"0.005\"}",
			  "{\"work\": \"W-9\"}");
		events[0] = ev("e1", "2026-07-01T00:00:00Z", "0", "EUR",
			       "{\"work\": \"W-9\", \"weight\": \"1\"}");
		fx_run(&f, &r, "2026-Q3", events, 1, NULL, true);
		check_conservation(&r);
		assert_true(find_lic(&r, "L-1")->minor == 1);
		LINE(&r, "L-1", "P-A", "W-9", LL_COMP_TRAINING, M, "0.005", 1);
		LINE(&r, "L-1", "P-A", "W-9", LL_COMP_USAGE, M, "0.005", 0);
		ll_run_release(&r);
		fx_close(&f);
		free_events(events, 1);
	}

	/* 3d. "minimum_guarantee" < "training": fee 0.005 on W-9 and a
	 * guarantee of 0.01 → shortfall 0.005 on W-9 */
	hand_open(&f, "{\"works\": [\"W-9\"]}", "EUR",
		  "{\"training_fee\": \"0.005\", \"minimum_guarantee\": "
		  "\"0.01\"}",
		  "{\"work\": \"W-9\"}");
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	LINE(&r, "L-1", "P-A", "W-9", LL_COMP_MINIMUM_GUARANTEE, M, "0.005", 1);
	LINE(&r, "L-1", "P-A", "W-9", LL_COMP_TRAINING, M, "0.005", 0);
	ll_run_release(&r);
	fx_close(&f);
}

/* Several licences: settled in licence-id order, each on its own. */
static void test_two_licences(void **state)
{
	struct sbuf b = { NULL, 0, 0 }, m = { NULL, 0, 0 };
	struct fx f;
	struct ll_run r;
	size_t i;

	(void)state;
	sb_printf(&b, "%s", HAND_PARTIES);
	for (i = 0; i < N_ELEMS(HAND_CONSENTING); i++)
		sb_printf(&b,
			  "  {\"id\": \"C-T-%s\", \"party\": \"%s\", "
			  "\"all_works\": true, \"use\": \"training\", "
			  "\"decision\": \"opt_in\", \"effective\": "
			  "\"2026-01-01T00:00:00Z\"}%s\n",
			  HAND_CONSENTING[i], HAND_CONSENTING[i],
			  i + 1 < N_ELEMS(HAND_CONSENTING) ? "," : "");
	sb_printf(&b, "],\n%s\"licences\": [", HAND_WORKS);
	hand_licence(&b, "L-B", "{\"works\": [\"W-1\"]}", "USD",
		     "{\"training_fee\": \"10\"}");
	sb_printf(&b, ",\n");
	hand_licence(&b, "L-A", "{\"works\": [\"W-2\"]}", "EUR",
		     "{\"training_fee\": \"20\"}");
	sb_printf(&b, ",\n");
	/* ended before the period: not settled */
	sb_printf(&b,
		  "{\"id\": \"L-0\", \"licensee\": \"P-AI\", \"licensor\": "
		  "\"P-L\", \"scope\": {\"works\": [\"W-3\"]}, \"uses\": "
		  "[\"training\"], \"start\": \"2026-01-01\", \"end\": "
		  "\"2026-06-30\", \"currency\": \"EUR\", \"terms\": "
		  "{\"training_fee\": \"99\"}}]}\n");
	fx_load_registry(&f, b.s, true);
	sb_printf(&m,
		  "{\"model\": \"m-1\", \"training_run\": \"tr-1\", "
		  "\"trained_at\": \"2026-03-14T00:00:00Z\", \"licensee\": "
		  "\"P-AI\", \"items\": [{\"work\": \"W-1\"}, {\"work\": "
		  "\"W-2\"}, {\"work\": \"W-3\"}]}");
	fx_manifest(&f, m.s);
	fx_run(&f, &r, "2026-Q3", NULL, 0, NULL, true);
	check_conservation(&r);
	assert_int_equal(r.st.n_lic, 2);
	assert_string_equal(r.reg->licences.v[r.st.lic[0].licence].id, "L-A");
	assert_string_equal(r.reg->licences.v[r.st.lic[1].licence].id, "L-B");
	assert_true(r.st.lic[0].minor == 2000);
	assert_true(r.st.lic[1].minor == 1000);
	/* P-L has a payout in each currency */
	assert_true(find_payout(&r, "P-L", "EUR")->minor == 500);
	assert_true(find_payout(&r, "P-L", "USD")->minor == 1000);
	ll_run_release(&r);
	fx_close(&f);
}

/*
 * The ledger keeps minor units in 64 bits.  A figure beyond is invalid
 * input (LL_INVALID: exit 3) that names what overflowed: a licence total,
 * or a payee's payout summed over licences.  Nothing is settled.
 */
static enum ll_status settle_only(struct fx *f, struct ll_run *r,
				  struct ll_error *err)
{
	ll_error_clear(err);
	if (ll_run_prepare(r, &f->reg, "P-AI", "2026-Q3", f->mf, f->n_mf,
			   &f->log, 1, err) != LL_OK)
		fail_msg("prepare: %s", err->text);
	assert_int_equal(ll_run_training(r), LL_OK);
	ll_tally_finish(&r->tally);
	assert_int_equal(ll_errlist_count(&r->errs), 0);
	return ll_run_settle(r, err);
}

static void test_minor_units_beyond_64_bits(void **state)
{
	struct sbuf b = { NULL, 0, 0 }, m = { NULL, 0, 0 };
	struct ll_error err;
	struct fx f;
	struct ll_run r;
	size_t i;

	(void)state;
	/* 10^20 EUR is 10^22 cents; at most 2^63 - 1 fit */
	hand_open(&f, "{\"works\": [\"W-1\"]}", "EUR",
		  "{\"training_fee\": \"100000000000000000000\"}",
		  "{\"work\": \"W-1\"}");
	assert_int_equal(settle_only(&f, &r, &err), LL_INVALID);
	assert_int_equal(err.code, LL_INVALID);
	assert_string_equal(err.text,
			    "the total of licence \"L-1\" (EUR) is too large "
			    "for the ledger's 64-bit minor units (at most "
			    "9223372036854775807)");
	ll_run_release(&r);
	fx_close(&f);
	/* just below: 9223372036854775807 cents */
	hand_open(&f, "{\"works\": [\"W-1\"]}", "EUR",
		  "{\"training_fee\": \"92233720368547758.07\"}",
		  "{\"work\": \"W-1\"}");
	assert_int_equal(settle_only(&f, &r, &err), LL_OK);
	assert_true(find_lic(&r, "L-1")->minor == INT64_MAX);
	ll_run_release(&r);
	fx_close(&f);

	/* each licence fits, P-L's payout over both does not: 8·10^18 cents
	 * from L-A (W-1, all P-L's) and 2·10^18 from L-B (W-2: P-L holds
	 * half of the master half) */
	sb_printf(&b, "%s", HAND_PARTIES);
	for (i = 0; i < N_ELEMS(HAND_CONSENTING); i++)
		sb_printf(&b,
			  "  {\"id\": \"C-T-%s\", \"party\": \"%s\", "
			  "\"all_works\": true, \"use\": \"training\", "
			  "\"decision\": \"opt_in\", \"effective\": "
			  "\"2026-01-01T00:00:00Z\"}%s\n",
			  HAND_CONSENTING[i], HAND_CONSENTING[i],
			  i + 1 < N_ELEMS(HAND_CONSENTING) ? "," : "");
	sb_printf(&b, "],\n%s\"licences\": [", HAND_WORKS);
	hand_licence(&b, "L-A", "{\"works\": [\"W-1\"]}", "EUR",
		     "{\"training_fee\": \"80000000000000000\"}");
	sb_printf(&b, ",\n");
	hand_licence(&b, "L-B", "{\"works\": [\"W-2\"]}", "EUR",
		     "{\"training_fee\": \"80000000000000000\"}");
	sb_printf(&b, "]}\n");
	fx_load_registry(&f, b.s, true);
	sb_printf(&m,
		  "{\"model\": \"m-1\", \"training_run\": \"tr-1\", "
		  "\"trained_at\": \"2026-03-14T00:00:00Z\", \"licensee\": "
		  "\"P-AI\", \"items\": [{\"work\": \"W-1\"}, {\"work\": "
		  "\"W-2\"}]}");
	fx_manifest(&f, m.s);
	assert_int_equal(settle_only(&f, &r, &err), LL_INVALID);
	assert_string_equal(err.text,
			    "the payout to \"P-L\" (EUR) is too large for the "
			    "ledger's 64-bit minor units (at most "
			    "9223372036854775807)");
	ll_run_release(&r);
	fx_close(&f);
}

/* ---- the property test ---------------------------------------------------- */

enum {
	S_PARTIES = 6,
	S_WORKS_MAX = 7,
	S_LICENCES_MAX = 4,
	S_CONSENTS_MAX = 24,
	S_MANIFESTS_MAX = 2,
	S_ITEMS_MAX = 8,
	S_EVENTS_MAX = 60,
	S_ATTR_MAX = 4,
};

static const char *const S_CURRENCIES[] = { "EUR", "USD", "JPY", "BHD" };

struct s_work {
	bool has[2];
	int n[2];
	int party[2][3];
	int weight[2][3];
	int64_t dur;
	bool isrc, sha;
};

struct s_lic {
	int licensor, catalog_of;
	bool scope[S_WORKS_MAX];
	unsigned uses;
	int32_t start, end;
	const char *cur;
	char fee[48], rate[48], pergen[48], mg[48], ms[16];
	bool count_basis;
};

struct s_consent {
	int party, work, use, out;
	int64_t eff;
};

struct s_item {
	int work;	/* -1: unknown */
	bool by_isrc;
	int sha;	/* 0 none, 1 matching, 2 mismatching */
};

struct s_manifest {
	int64_t trained_at;
	int n;
	struct s_item it[S_ITEMS_MAX];
};

struct s_attr {
	int work;	/* -1: unknown */
	bool by_isrc;
	char weight[48];
};

struct s_event {
	int64_t ts;
	int model;
	char value[48];
	const char *cur;
	int n;
	struct s_attr a[S_ATTR_MAX];
	int voice;	/* -1: none */
};

struct scen {
	int nw, nl, nc, nm, ne;
	int payee_of_5;	/* P-5 is paid through this party, -1: itself */
	struct s_work w[S_WORKS_MAX];
	struct s_lic l[S_LICENCES_MAX];
	struct s_consent c[S_CONSENTS_MAX];
	struct s_manifest m[S_MANIFESTS_MAX];
	struct s_event e[S_EVENTS_MAX];
	int32_t q3_first, q3_last;
};

/* A random decimal with up to `frac` fractional digits and `intd` integer
 * digits, or sometimes a fraction. */
static void rand_amount(struct rng *r, char *out, size_t size, int intd,
			int frac, bool fractions)
{
	unsigned kind = rng_below(r, 10);

	if (fractions && kind == 0) {
		snprintf(out, size, "%u/%u", rng_below(r, 100000),
			 1 + rng_below(r, 999));
		return;
	}
	if (kind == 1) {
		snprintf(out, size, "0");
		return;
	}
	{
		int fd = (int)rng_below(r, (unsigned)frac + 1), id = 1 + (int)rng_below(r, (unsigned)intd);
		char digits[64];
		int i, n = 0;

		for (i = 0; i < id; i++)
			digits[n++] = (char)('0' + (i == 0 && id > 1
							    ? 1 + rng_below(r, 9)
							    : rng_below(r, 10)));
		if (fd) {
			digits[n++] = '.';
			for (i = 0; i < fd; i++)
				digits[n++] = (char)('0' + rng_below(r, 10));
		}
		digits[n] = '\0';
		assert_true((size_t)n < size);
		memcpy(out, digits, (size_t)n + 1);
	}
}

static void gen_scen(struct scen *s, struct rng *r)
{
	int i, k, sd, owner[S_WORKS_MAX];

	memset(s, 0, sizeof(*s));
	s->q3_first = days_from_civil(2026, 7, 1);
	s->q3_last = days_from_civil(2026, 9, 30);
	s->nw = 2 + (int)rng_below(r, S_WORKS_MAX - 1);
	s->nl = 1 + (int)rng_below(r, S_LICENCES_MAX);
	s->payee_of_5 = rng_below(r, 2) ? 0 : -1;

	for (i = 0; i < s->nw; i++) {
		struct s_work *w = &s->w[i];
		unsigned sides = 1 + rng_below(r, 3);

		w->dur = 1 + (int64_t)rng_below(r, 600000);
		w->isrc = rng_below(r, 2);
		w->sha = rng_below(r, 3) == 0;
		for (sd = 0; sd < 2; sd++) {
			int total = 0;

			w->has[sd] = (sides >> sd) & 1;
			if (!w->has[sd])
				continue;
			w->n[sd] = 1 + (int)rng_below(r, 3);
			for (k = 0; k < w->n[sd]; k++) {
				int p, j;

				do {
					p = (int)rng_below(r, S_PARTIES);
					for (j = 0; j < k; j++) {
						if (w->party[sd][j] == p)
							break;
					}
				} while (j < k);
				w->party[sd][k] = p;
				w->weight[sd][k] = rng_below(r, 4) == 0
							   ? 0
							   : 1 + (int)rng_below(r, 5);
				total += w->weight[sd][k];
			}
			if (total == 0)
				w->weight[sd][0] = 1;
		}
	}

	/* licences: disjoint works scopes mostly (overlaps that conflict
	 * make the run reject its inputs: such scenarios are redrawn) */
	for (k = 0; k < s->nw; k++)
		owner[k] = (int)rng_below(r, (unsigned)s->nl + 1);
	for (i = 0; i < s->nl; i++) {
		struct s_lic *l = &s->l[i];
		static const char *const ms[] = { "", "1/2", "0.6", "0", "1",
						  "2/3" };

		l->licensor = (int)rng_below(r, S_PARTIES);
		if (s->nl == 1 && rng_below(r, 2)) {
			l->catalog_of = (int)rng_below(r, S_PARTIES);
		} else {
			bool any = false;

			l->catalog_of = -1;
			for (k = 0; k < s->nw; k++) {
				l->scope[k] = owner[k] == i;
				any |= l->scope[k];
			}
			if (!any) /* may overlap another licence's scope */
				l->scope[rng_below(r, (unsigned)s->nw)] = true;
		}
		l->uses = 3;
		if (rng_below(r, 6) == 0)
			l->uses = 1 + rng_below(r, 7);
		switch (rng_below(r, 4)) {
		case 0: /* the whole year */
			l->start = days_from_civil(2026, 1, 1);
			l->end = days_from_civil(2026, 12, 31);
			break;
		case 1: /* starts inside Q3 */
			l->start = s->q3_first + (int32_t)rng_below(r, 60);
			l->end = l->start + (int32_t)rng_below(r, 200);
			break;
		case 2: /* ends inside Q3 */
			l->start = days_from_civil(2026, 1, 1) +
				   (int32_t)rng_below(r, 150);
			l->end = s->q3_first + (int32_t)rng_below(r, 80);
			break;
		default: /* anything in 2026 */
			l->start = days_from_civil(2026, 1, 1) +
				   (int32_t)rng_below(r, 300);
			l->end = l->start + (int32_t)rng_below(r, 120);
			break;
		}
		l->cur = S_CURRENCIES[rng_below(r, N_ELEMS(S_CURRENCIES))];
		l->fee[0] = l->rate[0] = l->pergen[0] = l->mg[0] = '\0';
		if (rng_below(r, 4))
			rand_amount(r, l->fee, sizeof(l->fee), 6, 4, true);
		if (rng_below(r, 4)) {
			if (rng_below(r, 4) == 0)
				snprintf(l->rate, sizeof(l->rate), "1/3");
			else
				snprintf(l->rate, sizeof(l->rate), "0.%02u",
					 rng_below(r, 100));
		}
		if (rng_below(r, 2))
			snprintf(l->pergen, sizeof(l->pergen), "0.%04u",
				 rng_below(r, 10000));
		if (rng_below(r, 3) == 0)
			rand_amount(r, l->mg, sizeof(l->mg), 6, 2, false);
		snprintf(l->ms, sizeof(l->ms), "%s", ms[rng_below(r, N_ELEMS(ms))]);
		l->count_basis = rng_below(r, 3) == 0;
	}

	/* consents: most parties opt in to everything early; some change
	 * their mind inside Q3, for all works or one */
	s->nc = 0;
	for (i = 0; i < S_PARTIES; i++) {
		int u;

		for (u = 0; u < 2; u++) {
			if (rng_below(r, 10) == 0)
				continue;
			s->c[s->nc].party = i;
			s->c[s->nc].work = -1;
			s->c[s->nc].use = u;
			s->c[s->nc].out = 0;
			s->c[s->nc].eff =
				(int64_t)days_from_civil(2025, 12, 1) * US_PER_DAY;
			s->nc++;
		}
	}
	k = (int)rng_below(r, (unsigned)(S_CONSENTS_MAX - s->nc + 1));
	for (i = 0; i < k; i++) {
		struct s_consent *c = &s->c[s->nc++];

		c->party = (int)rng_below(r, S_PARTIES);
		c->work = rng_below(r, 2) ? -1 : (int)rng_below(r, (unsigned)s->nw);
		c->use = (int)rng_below(r, 3);
		c->out = rng_below(r, 3) != 0;
		c->eff = ((int64_t)s->q3_first - 100 + (int64_t)rng_below(r, 200)) *
				 US_PER_DAY +
			 (int64_t)rng_below(r, 86400) * US_PER_SEC;
	}

	/* manifests */
	s->nm = 1 + (int)rng_below(r, S_MANIFESTS_MAX);
	for (i = 0; i < s->nm; i++) {
		struct s_manifest *m = &s->m[i];

		m->trained_at = ((int64_t)days_from_civil(2026, 1, 1) +
				 (int64_t)rng_below(r, 270)) *
					US_PER_DAY +
				(int64_t)rng_below(r, 86400) * US_PER_SEC;
		m->n = (int)rng_below(r, S_ITEMS_MAX + 1);
		for (k = 0; k < m->n; k++) {
			struct s_item *it = &m->it[k];

			it->work = rng_below(r, 12) == 0
					   ? -1
					   : (int)rng_below(r, (unsigned)s->nw);
			it->by_isrc = it->work >= 0 && s->w[it->work].isrc &&
				      rng_below(r, 2);
			it->sha = (int)rng_below(r, 3);
		}
	}

	/* events */
	s->ne = (int)rng_below(r, S_EVENTS_MAX + 1);
	for (i = 0; i < s->ne; i++) {
		struct s_event *e = &s->e[i];
		mpq_t sum, x;
		bool used[S_WORKS_MAX] = { false };

		mpq_init(sum);
		mpq_init(x);
		if (rng_below(r, 4) == 0 && s->nc)
			e->ts = s->c[rng_below(r, (unsigned)s->nc)].eff;
		else
			e->ts = (int64_t)s->q3_first * US_PER_DAY +
				(int64_t)(rng_next(r) %
					  (uint64_t)(92 * US_PER_DAY));
		if (e->ts < (int64_t)s->q3_first * US_PER_DAY ||
		    e->ts >= ((int64_t)s->q3_last + 1) * US_PER_DAY)
			e->ts = (int64_t)s->q3_first * US_PER_DAY +
				(int64_t)rng_below(r, 86400) * US_PER_SEC;
		e->model = (int)rng_below(r, (unsigned)s->nm);
		switch (rng_below(r, 8)) {
		case 0:
			snprintf(e->value, sizeof(e->value), "1/3");
			break;
		case 1:
			/* 18 fractional digits */
			snprintf(e->value, sizeof(e->value),
				 "%u.%09u%09u", rng_below(r, 1000),
				 rng_below(r, 1000000000),
				 rng_below(r, 1000000000));
			break;
		case 2:
			snprintf(e->value, sizeof(e->value),
				 "123456789012.123456789");
			break;
		default:
			rand_amount(r, e->value, sizeof(e->value), 3, 4,
				    false);
			break;
		}
		e->cur = rng_below(r, 8) == 0
				 ? "GBP"
				 : s->l[rng_below(r, (unsigned)s->nl)].cur;
		e->voice = rng_below(r, 5) == 0 ? (int)rng_below(r, S_PARTIES)
					       : -1;
		e->n = 0;
		for (k = (int)rng_below(r, S_ATTR_MAX + 1); k > 0; k--) {
			struct s_attr *a = &e->a[e->n];
			int w = rng_below(r, 10) == 0
					? -1
					: (int)rng_below(r, (unsigned)s->nw);

			if (w >= 0 && used[w])
				continue;
			a->work = w;
			a->by_isrc = w >= 0 && s->w[w].isrc && rng_below(r, 2);
			switch (rng_below(r, 5)) {
			case 0:
				snprintf(a->weight, sizeof(a->weight), "1/%u",
					 2 + rng_below(r, 9));
				break;
			case 1:
				snprintf(a->weight, sizeof(a->weight),
					 "0.%018llu",
					 (unsigned long long)(rng_next(r) %
							      UINT64_C(400000000000000000)));
				break;
			default:
				snprintf(a->weight, sizeof(a->weight), "0.%02u",
					 rng_below(r, 40));
				break;
			}
			q_from_exact(x, a->weight);
			mpq_add(x, x, sum);
			if (mpq_cmp_ui(x, 1, 1) > 0)
				continue;
			mpq_set(sum, x);
			if (w >= 0)
				used[w] = true;
			e->n++;
		}
		mpq_clear(sum);
		mpq_clear(x);
	}
}

static void sha_of(int w, int variant, char out[65])
{
	int i;

	for (i = 0; i < 64; i++)
		out[i] = "0123456789abcdef"[(w * 7 + i * (variant + 1)) % 16];
	out[64] = '\0';
}

static char *scen_registry(const struct scen *s)
{
	struct sbuf b = { NULL, 0, 0 };
	char d0[11], d1[11], t[40];
	int i, sd, k;

	sb_printf(&b, "{\"parties\": [\n");
	for (i = 0; i < S_PARTIES; i++) {
		sb_printf(&b,
			  "  {\"id\": \"P-%d\", \"name\": \"Party, \\\"%d\\\"\", "
			  "\"kind\": \"%s\"",
			  i, i, i % 2 ? "artist" : "label");
		if (i == 5 && s->payee_of_5 >= 0)
			sb_printf(&b, ", \"payee\": \"P-%d\"", s->payee_of_5);
		sb_printf(&b, "},\n");
	}
	sb_printf(&b, "  {\"id\": \"P-AI\", \"name\": \"AI\", \"kind\": "
		      "\"licensee\"}],\n\"works\": [\n");
	for (i = 0; i < s->nw; i++) {
		const struct s_work *w = &s->w[i];
		bool first = true;

		sb_printf(&b, "  {\"id\": \"W-%d\", \"duration_ms\": %lld", i,
			  (long long)w->dur);
		if (w->isrc)
			sb_printf(&b, ", \"isrc\": \"GBAAA26%05d\"", i);
		if (w->sha) {
			char h[65];

			sha_of(i, 0, h);
			sb_printf(&b, ", \"content_sha256\": \"%s\"", h);
		}
		sb_printf(&b, ", \"splits\": {");
		for (sd = 0; sd < 2; sd++) {
			int total = 0;

			if (!w->has[sd])
				continue;
			for (k = 0; k < w->n[sd]; k++)
				total += w->weight[sd][k];
			sb_printf(&b, "%s\"%s\": [", first ? "" : ", ",
				  sd ? "publishing" : "master");
			first = false;
			for (k = 0; k < w->n[sd]; k++)
				sb_printf(&b,
					  "%s{\"party\": \"P-%d\", \"share\": "
					  "\"%d/%d\"}",
					  k ? ", " : "", w->party[sd][k],
					  w->weight[sd][k], total);
			sb_printf(&b, "]");
		}
		sb_printf(&b, "}}%s\n", i + 1 < s->nw ? "," : "");
	}
	sb_printf(&b, "],\n\"consents\": [\n");
	for (i = 0; i < s->nc; i++) {
		const struct s_consent *c = &s->c[i];
		char what[32];

		if (c->work < 0)
			snprintf(what, sizeof(what), "\"all_works\": true");
		else
			snprintf(what, sizeof(what), "\"work\": \"W-%d\"",
				 c->work);
		fmt_ts(c->eff, t);
		sb_printf(&b,
			  "  {\"id\": \"C-%d\", \"party\": \"P-%d\", %s, "
			  "\"use\": \"%s\", \"decision\": \"%s\", "
			  "\"effective\": \"%s\"}%s\n",
			  i, c->party, what,
			  c->use == 0 ? "training"
				      : c->use == 1 ? "generation" : "voice",
			  c->out ? "opt_out" : "opt_in", t,
			  i + 1 < s->nc ? "," : "");
	}
	sb_printf(&b, "],\n\"licences\": [\n");
	for (i = 0; i < s->nl; i++) {
		const struct s_lic *l = &s->l[i];
		bool first = true;
		static const char *const un[] = { "training", "generation",
						  "voice" };

		sb_printf(&b,
			  "  {\"id\": \"L-%d\", \"licensee\": \"P-AI\", "
			  "\"licensor\": \"P-%d\", \"scope\": ",
			  i, l->licensor);
		if (l->catalog_of >= 0) {
			sb_printf(&b, "{\"catalog_of\": \"P-%d\"}", l->catalog_of);
		} else {
			sb_printf(&b, "{\"works\": [");
			for (k = 0; k < s->nw; k++) {
				if (!l->scope[k])
					continue;
				sb_printf(&b, "%s\"W-%d\"", first ? "" : ", ", k);
				first = false;
			}
			sb_printf(&b, "]}");
		}
		sb_printf(&b, ", \"uses\": [");
		first = true;
		for (k = 0; k < 3; k++) {
			if (!(l->uses & (1u << k)))
				continue;
			sb_printf(&b, "%s\"%s\"", first ? "" : ", ", un[k]);
			first = false;
		}
		fmt_date(l->start, d0);
		fmt_date(l->end, d1);
		sb_printf(&b,
			  "], \"start\": \"%s\", \"end\": \"%s\", "
			  "\"currency\": \"%s\", \"terms\": {\"training_basis\": "
			  "\"%s\"",
			  d0, d1, l->cur, l->count_basis ? "count" : "duration");
		if (l->fee[0])
			sb_printf(&b, ", \"training_fee\": \"%s\"", l->fee);
		if (l->rate[0])
			sb_printf(&b, ", \"usage_rate\": \"%s\"", l->rate);
		if (l->pergen[0])
			sb_printf(&b, ", \"per_generation\": \"%s\"", l->pergen);
		if (l->mg[0])
			sb_printf(&b, ", \"minimum_guarantee\": \"%s\"", l->mg);
		if (l->ms[0])
			sb_printf(&b, ", \"master_share\": \"%s\"", l->ms);
		sb_printf(&b, "}}%s\n", i + 1 < s->nl ? "," : "");
	}
	sb_printf(&b, "]}\n");
	return b.s;
}

static char *scen_manifest(const struct scen *s, int mi)
{
	const struct s_manifest *m = &s->m[mi];
	struct sbuf b = { NULL, 0, 0 };
	char t[40];
	int k;

	fmt_ts(m->trained_at, t);
	sb_printf(&b,
		  "{\"model\": \"m-%d\", \"training_run\": \"tr-%d\", "
		  "\"trained_at\": \"%s\", \"licensee\": \"P-AI\", \"items\": [",
		  mi, mi, t);
	for (k = 0; k < m->n; k++) {
		const struct s_item *it = &m->it[k];

		if (it->work < 0)
			sb_printf(&b, "%s{\"work\": \"W-unknown\"", k ? ", " : "");
		else if (it->by_isrc)
			sb_printf(&b, "%s{\"isrc\": \"GB-AAA-26-%05d\"",
				  k ? ", " : "", it->work);
		else
			sb_printf(&b, "%s{\"work\": \"W-%d\"", k ? ", " : "",
				  it->work);
		if (it->sha && it->work >= 0) {
			char h[65];

			sha_of(it->work, it->sha == 1 ? 0 : 1, h);
			sb_printf(&b, ", \"content_sha256\": \"%s\"", h);
		}
		sb_printf(&b, ", \"duration_ms\": %d}", 1 + k);
	}
	sb_printf(&b, "]}");
	return b.s;
}

static char *scen_event(const struct scen *s, int i)
{
	const struct s_event *e = &s->e[i];
	struct sbuf b = { NULL, 0, 0 };
	char t[40];
	int k;

	fmt_ts(e->ts, t);
	sb_printf(&b,
		  "{\"id\": \"e-%d\", \"model\": \"m-%d\", \"ts\": \"%s\", "
		  "\"value\": \"%s\", \"currency\": \"%s\", \"attribution\": [",
		  i, e->model, t, e->value, e->cur);
	for (k = 0; k < e->n; k++) {
		const struct s_attr *a = &e->a[k];

		if (a->work < 0)
			sb_printf(&b, "%s{\"isrc\": \"USXXX26%05d\"",
				  k ? ", " : "", 10 * i + k);
		else if (a->by_isrc)
			sb_printf(&b, "%s{\"isrc\": \"GBAAA26%05d\"",
				  k ? ", " : "", a->work);
		else
			sb_printf(&b, "%s{\"work\": \"W-%d\"", k ? ", " : "",
				  a->work);
		sb_printf(&b, ", \"weight\": \"%s\"}", a->weight);
	}
	sb_printf(&b, "]");
	if (e->voice >= 0)
		sb_printf(&b, ", \"voice\": \"P-%d\"", e->voice);
	sb_printf(&b, "}");
	return b.s;
}

/* ---- the oracle ------------------------------------------------------------ */

struct oracle {
	int nl;
	bool active[S_LICENCES_MAX];
	mpq_t comp[S_LICENCES_MAX][LL_COMP_COUNT];
	mpq_t party[S_LICENCES_MAX][S_PARTIES];
};

static void oracle_init(struct oracle *o)
{
	int l, k;

	for (l = 0; l < S_LICENCES_MAX; l++) {
		o->active[l] = false;
		for (k = 0; k < LL_COMP_COUNT; k++)
			mpq_init(o->comp[l][k]);
		for (k = 0; k < S_PARTIES; k++)
			mpq_init(o->party[l][k]);
	}
}

static void oracle_clear(struct oracle *o)
{
	int l, k;

	for (l = 0; l < S_LICENCES_MAX; l++) {
		for (k = 0; k < LL_COMP_COUNT; k++)
			mpq_clear(o->comp[l][k]);
		for (k = 0; k < S_PARTIES; k++)
			mpq_clear(o->party[l][k]);
	}
}

/* The generated licence a registry licence index stands for. */
static int gen_licence(const struct ll_registry *reg, int32_t l)
{
	const char *id = reg->licences.v[l].id;

	assert_true(id[0] == 'L' && id[1] == '-');
	return id[2] - '0';
}

/* Add amount a of work w (generated index) under licence l to the
 * parties, as SPEC §3 "work → parties" says. */
static void oracle_split(struct oracle *o, const struct scen *s, int l, int w,
			 const mpq_t a)
{
	const struct s_work *wk = &s->w[w];
	mpq_t side, x, ms;
	int sd, k;

	mpq_init(side);
	mpq_init(x);
	mpq_init(ms);
	if (s->l[l].ms[0])
		q_from_exact(ms, s->l[l].ms);
	else
		mpq_set_ui(ms, 1, 2);
	for (sd = 0; sd < 2; sd++) {
		int total = 0;

		if (!wk->has[sd])
			continue;
		if (wk->has[0] && wk->has[1]) {
			if (sd == 0) {
				mpq_mul(side, a, ms);
			} else {
				mpq_set_ui(x, 1, 1);
				mpq_sub(x, x, ms);
				mpq_mul(side, a, x);
			}
		} else {
			mpq_set(side, a);
		}
		for (k = 0; k < wk->n[sd]; k++)
			total += wk->weight[sd][k];
		for (k = 0; k < wk->n[sd]; k++) {
			mpq_set_ui(x, (unsigned long)wk->weight[sd][k],
				   (unsigned long)total);
			mpq_canonicalize(x);
			mpq_mul(x, x, side);
			mpq_add(o->party[l][wk->party[sd][k]],
				o->party[l][wk->party[sd][k]], x);
		}
	}
	mpq_clear(side);
	mpq_clear(x);
	mpq_clear(ms);
}

static void oracle_compute(struct oracle *o, const struct scen *s,
			   const struct ll_run *r)
{
	const struct ll_registry *reg = r->reg;
	mpq_t wt[S_LICENCES_MAX][S_WORKS_MAX], wu[S_LICENCES_MAX][S_WORKS_MAX];
	bool trained[S_LICENCES_MAX][S_WORKS_MAX];
	size_t wix[S_WORKS_MAX];
	mpq_t x, y, total, works_total, fee;
	int l, w, i, k;

	memset(trained, 0, sizeof(trained));
	mpq_init(x);
	mpq_init(y);
	mpq_init(total);
	mpq_init(works_total);
	mpq_init(fee);
	for (w = 0; w < s->nw; w++) {
		char id[16];

		snprintf(id, sizeof(id), "W-%d", w);
		wix[w] = (size_t)(ll_registry_work(reg, id) - reg->works.v);
	}
	for (l = 0; l < S_LICENCES_MAX; l++) {
		for (w = 0; w < S_WORKS_MAX; w++) {
			mpq_init(wt[l][w]);
			mpq_init(wu[l][w]);
		}
	}
	o->nl = s->nl;
	for (l = 0; l < s->nl; l++)
		o->active[l] = s->l[l].start <= s->q3_last &&
			       s->l[l].end >= s->q3_first;

	/* training: eligible items, each work once per covering licence */
	for (i = 0; i < s->nm; i++) {
		for (k = 0; k < s->m[i].n; k++) {
			const struct s_item *it = &s->m[i].it[k];
			struct ll_span d;

			if (it->work < 0)
				continue;
			if (it->sha == 2 && s->w[it->work].sha)
				continue; /* hash mismatch */
			ll_elig_decide(&r->elig, wix[it->work], LL_USE_TRAINING,
				       s->m[i].trained_at, &d);
			if (d.reason != LL_ELIGIBLE)
				continue;
			assert_true(d.conflict < 0);
			trained[gen_licence(reg, d.licence)][it->work] = true;
		}
	}
	/* usage */
	for (i = 0; i < s->ne; i++) {
		const struct s_event *e = &s->e[i];

		for (k = 0; k < e->n; k++) {
			const struct s_attr *a = &e->a[k];
			struct ll_span d;
			int gl;

			if (a->work < 0)
				continue;
			ll_elig_decide(&r->elig, wix[a->work], LL_USE_GENERATION,
				       e->ts, &d);
			if (d.reason != LL_ELIGIBLE)
				continue;
			gl = gen_licence(reg, d.licence);
			if (strcmp(s->l[gl].cur, e->cur) != 0)
				continue;
			/* rate · value · weight + per_generation · weight */
			q_from_exact(x, e->value);
			q_from_exact(y, a->weight);
			mpq_mul(x, x, y);
			if (s->l[gl].rate[0]) {
				mpq_t rate;

				mpq_init(rate);
				q_from_exact(rate, s->l[gl].rate);
				mpq_mul(x, x, rate);
				mpq_add(wu[gl][a->work], wu[gl][a->work], x);
				mpq_clear(rate);
			}
			if (s->l[gl].pergen[0]) {
				q_from_exact(x, s->l[gl].pergen);
				mpq_mul(x, x, y);
				mpq_add(wu[gl][a->work], wu[gl][a->work], x);
			}
		}
	}
	for (l = 0; l < s->nl; l++) {
		const struct s_lic *lic = &s->l[l];
		mpq_t basis;

		if (!o->active[l])
			continue;
		mpq_init(basis);
		mpq_set_ui(fee, 0, 1);
		if (lic->fee[0])
			q_from_exact(fee, lic->fee);
		for (w = 0; w < s->nw; w++) {
			if (trained[l][w])
				mpq_set_ui(x, lic->count_basis
						      ? 1
						      : (unsigned long)s->w[w].dur,
					   1),
					mpq_add(basis, basis, x);
		}
		if (mpq_sgn(basis) > 0) {
			for (w = 0; w < s->nw; w++) {
				if (!trained[l][w])
					continue;
				mpq_set_ui(x, lic->count_basis
						      ? 1
						      : (unsigned long)s->w[w].dur,
					   1);
				mpq_mul(x, x, fee);
				mpq_div(wt[l][w], x, basis);
				mpq_add(o->comp[l][LL_COMP_TRAINING],
					o->comp[l][LL_COMP_TRAINING], wt[l][w]);
			}
		} else {
			mpq_add(o->comp[l][LL_COMP_UNALLOCATED],
				o->comp[l][LL_COMP_UNALLOCATED], fee);
		}
		mpq_clear(basis);
		mpq_set_ui(works_total, 0, 1);
		for (w = 0; w < s->nw; w++) {
			mpq_add(o->comp[l][LL_COMP_USAGE],
				o->comp[l][LL_COMP_USAGE], wu[l][w]);
			mpq_add(works_total, works_total, wt[l][w]);
			mpq_add(works_total, works_total, wu[l][w]);
		}
		mpq_add(total, works_total, o->comp[l][LL_COMP_UNALLOCATED]);
		if (lic->mg[0]) {
			q_from_exact(y, lic->mg);
			if (mpq_cmp(total, y) < 0) {
				mpq_sub(y, y, total); /* shortfall */
				if (mpq_sgn(works_total) > 0) {
					mpq_set(o->comp[l][LL_COMP_MINIMUM_GUARANTEE],
						y);
					for (w = 0; w < s->nw; w++) {
						mpq_t mg;

						mpq_init(mg);
						mpq_add(x, wt[l][w], wu[l][w]);
						mpq_mul(x, x, y);
						mpq_div(mg, x, works_total);
						oracle_split(o, s, l, w, mg);
						mpq_clear(mg);
					}
				} else {
					mpq_add(o->comp[l][LL_COMP_UNALLOCATED],
						o->comp[l][LL_COMP_UNALLOCATED],
						y);
				}
			}
		}
		for (w = 0; w < s->nw; w++) {
			oracle_split(o, s, l, w, wt[l][w]);
			oracle_split(o, s, l, w, wu[l][w]);
		}
		mpq_add(o->party[l][lic->licensor], o->party[l][lic->licensor],
			o->comp[l][LL_COMP_UNALLOCATED]);
	}
	for (l = 0; l < S_LICENCES_MAX; l++) {
		for (w = 0; w < S_WORKS_MAX; w++) {
			mpq_clear(wt[l][w]);
			mpq_clear(wu[l][w]);
		}
	}
	mpq_clear(x);
	mpq_clear(y);
	mpq_clear(total);
	mpq_clear(works_total);
	mpq_clear(fee);
}

static void check_against_oracle(const struct scen *s, const struct ll_run *r,
				 uint64_t seed)
{
	struct oracle o;
	size_t i;
	int l, k, n_active = 0;

	oracle_init(&o);
	oracle_compute(&o, s, r);
	for (l = 0; l < s->nl; l++)
		n_active += o.active[l];
	if ((int)r->st.n_lic != n_active)
		fail_msg("seed %llu: %zu licences settled, %d active",
			 (unsigned long long)seed, r->st.n_lic, n_active);
	for (i = 0; i < r->st.n_lic; i++) {
		const struct ll_licence_total *lt = &r->st.lic[i];
		int gl = gen_licence(r->reg, (int32_t)lt->licence);
		size_t np = 0, j;

		assert_true(o.active[gl]);
		for (k = 0; k < LL_COMP_COUNT; k++) {
			if (!mpq_equal(lt->component[k], o.comp[gl][k])) {
				char *g = mpq_get_str(NULL, 10, lt->component[k]);
				char *w = mpq_get_str(NULL, 10, o.comp[gl][k]);

				print_error("seed %llu: L-%d %s: %s, expected "
					    "%s\n",
					    (unsigned long long)seed, gl,
					    ll_component_name(
						    (enum ll_component)k),
					    g, w);
				free(g);
				free(w);
				fail();
			}
		}
		for (j = 0; j < r->st.n_parties; j++) {
			const struct ll_party_total *pt = &r->st.parties[j];
			const char *pid = r->reg->parties.v[pt->party].id;
			int gp;

			if (pt->licence != lt->licence)
				continue;
			np++;
			assert_true(pid[0] == 'P' && pid[1] == '-' &&
				    pid[2] >= '0' && pid[2] <= '9');
			gp = pid[2] - '0';
			if (!mpq_equal(pt->exact, o.party[gl][gp])) {
				char *g = mpq_get_str(NULL, 10, pt->exact);
				char *w = mpq_get_str(NULL, 10, o.party[gl][gp]);

				print_error("seed %llu: L-%d P-%d: %s, "
					    "expected %s\n",
					    (unsigned long long)seed, gl, gp, g,
					    w);
				free(g);
				free(w);
				fail();
			}
		}
		for (k = 0; k < S_PARTIES; k++)
			np -= mpq_sgn(o.party[gl][k]) != 0;
		if (np != 0)
			fail_msg("seed %llu: L-%d: the parties paid differ",
				 (unsigned long long)seed, gl);
	}
	oracle_clear(&o);
}

/* ---- identical settlements ------------------------------------------------ */

static void assert_same_settlement(const struct ll_settlement *a,
				   const struct ll_settlement *b,
				   const char *what, uint64_t seed)
{
	size_t i;
	int k;

	if (a->n_lic != b->n_lic || a->n_parties != b->n_parties ||
	    a->n_lines != b->n_lines || a->n_payouts != b->n_payouts)
		fail_msg("seed %llu: %s: settlement shapes differ",
			 (unsigned long long)seed, what);
	for (i = 0; i < a->n_lic; i++) {
		const struct ll_licence_total *x = &a->lic[i], *y = &b->lic[i];

		assert_int_equal(x->licence, y->licence);
		for (k = 0; k < LL_COMP_COUNT; k++)
			assert_true(mpq_equal(x->component[k], y->component[k]));
		if (!mpq_equal(x->exact, y->exact) || x->minor != y->minor)
			fail_msg("seed %llu: %s: licence %zu differs",
				 (unsigned long long)seed, what, i);
		assert_int_equal(x->n_training_works, y->n_training_works);
		assert_int_equal(x->n_usage_works, y->n_usage_works);
	}
	for (i = 0; i < a->n_parties; i++) {
		const struct ll_party_total *x = &a->parties[i],
					    *y = &b->parties[i];

		assert_int_equal(x->licence, y->licence);
		assert_int_equal(x->party, y->party);
		assert_true(mpq_equal(x->exact, y->exact));
		assert_true(x->minor == y->minor);
		assert_int_equal(x->first_line, y->first_line);
		assert_int_equal(x->n_lines, y->n_lines);
	}
	for (i = 0; i < a->n_lines; i++) {
		const struct ll_line *x = &a->lines[i], *y = &b->lines[i];

		assert_int_equal(x->licence, y->licence);
		assert_int_equal(x->party, y->party);
		assert_int_equal(x->work, y->work);
		assert_int_equal(x->component, y->component);
		assert_int_equal(x->side, y->side);
		if (!mpq_equal(x->exact, y->exact) || x->minor != y->minor)
			fail_msg("seed %llu: %s: line %zu differs",
				 (unsigned long long)seed, what, i);
	}
	for (i = 0; i < a->n_payouts; i++) {
		const struct ll_payout *x = &a->payouts[i], *y = &b->payouts[i];

		assert_int_equal(x->payee, y->payee);
		assert_string_equal(x->currency, y->currency);
		assert_int_equal(x->exponent, y->exponent);
		assert_true(x->minor == y->minor);
		assert_int_equal(x->n_parties, y->n_parties);
	}
}

static void test_property(void **state)
{
	struct rng r = { UINT64_C(0x8f3a61c2d5e7b901) };
	int accepted = 0, rejected = 0, attempts = 0;
	long lines = 0, with_usage = 0, with_mg = 0, with_unalloc = 0,
	     multi_ccy = 0;

	(void)state;
	while (accepted < PROPERTY_SCENARIOS) {
		struct scen *s = calloc(1, sizeof(*s));
		struct fx f;
		struct ll_run ra, rb, rc;
		char *events[S_EVENTS_MAX];
		size_t order[S_EVENTS_MAX];
		unsigned char side[S_EVENTS_MAX];
		struct feed permuted = { order, NULL }, split = { order, side };
		uint64_t seed = r.s;
		int i;

		assert_non_null(s);
		assert_true(++attempts < 4 * PROPERTY_SCENARIOS);
		gen_scen(s, &r);
		fx_load_registry(&f, scen_registry(s), true);
		for (i = 0; i < s->nm; i++)
			fx_manifest(&f, scen_manifest(s, i));
		for (i = 0; i < s->ne; i++) {
			events[i] = scen_event(s, i);
			order[i] = (size_t)i;
			side[i] = (unsigned char)rng_below(&r, 2);
		}
		if (!fx_run(&f, &ra, "2026-Q3", events, (size_t)s->ne, NULL,
			    false)) {
			/* overlapping licences: the run refuses, by design */
			rejected++;
			free_events(events, (size_t)s->ne);
			fx_close(&f);
			free(s);
			continue;
		}
		accepted++;
		check_conservation(&ra);
		check_against_oracle(s, &ra, seed);

		/* the events in another order, and split over two tallies */
		for (i = s->ne - 1; i > 0; i--) {
			size_t j = rng_below(&r, (unsigned)i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		assert_true(fx_run(&f, &rb, "2026-Q3", events, (size_t)s->ne,
				   &permuted, true));
		assert_same_settlement(&ra.st, &rb.st, "permuted", seed);
		assert_true(fx_run(&f, &rc, "2026-Q3", events, (size_t)s->ne,
				   &split, true));
		assert_same_settlement(&ra.st, &rc.st, "split", seed);
		assert_string_equal(ra.id, rb.id);
		assert_string_equal(ra.id, rc.id);
		{
			char *ca = ll_runfile_compliance(&ra);
			char *cb = ll_runfile_compliance(&rb);
			char *cc = ll_runfile_compliance(&rc);

			assert_non_null(ca);
			assert_non_null(cb);
			assert_non_null(cc);
			if (strcmp(ca, cb) != 0 || strcmp(ca, cc) != 0)
				fail_msg("seed %llu: compliance.json depends "
					 "on the order of events",
					 (unsigned long long)seed);
			free(ca);
			free(cb);
			free(cc);
		}

		lines += (long)ra.st.n_lines;
		{
			size_t j;
			bool cur2 = false;

			for (j = 0; j < ra.st.n_lic; j++) {
				const struct ll_licence_total *lt = &ra.st.lic[j];

				with_usage += mpq_sgn(lt->component[LL_COMP_USAGE]) > 0;
				with_mg += mpq_sgn(lt->component
							   [LL_COMP_MINIMUM_GUARANTEE]) > 0;
				with_unalloc += mpq_sgn(lt->component
								[LL_COMP_UNALLOCATED]) > 0;
				cur2 |= j > 0 &&
					strcmp(ra.reg->licences.v[lt->licence].currency,
					       ra.reg->licences.v[ra.st.lic[0].licence]
						       .currency) != 0;
			}
			multi_ccy += cur2;
		}
		ll_run_release(&ra);
		ll_run_release(&rb);
		ll_run_release(&rc);
		free_events(events, (size_t)s->ne);
		fx_close(&f);
		free(s);
	}
	print_message("property: %d scenarios (%d redrawn for overlapping "
		      "licences), %ld lines; licences with usage %ld, with a "
		      "binding guarantee %ld, with unallocated %ld; %ld runs "
		      "in two currencies or more\n",
		      accepted, rejected, lines, with_usage, with_mg,
		      with_unalloc, multi_ccy);
	assert_true(with_usage > PROPERTY_SCENARIOS / 4);
	assert_true(with_mg > 10);
	assert_true(with_unalloc > 10);
	assert_true(multi_ccy > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_training_duration),
		cmocka_unit_test(test_training_count),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_usage_lines),
		cmocka_unit_test(test_minimum_guarantee),
		cmocka_unit_test(test_unallocated),
		cmocka_unit_test(test_sides_and_master_share),
		cmocka_unit_test(test_party_both_sides),
		cmocka_unit_test(test_jpy),
		cmocka_unit_test(test_rounding_ties),
		cmocka_unit_test(test_two_licences),
		cmocka_unit_test(test_minor_units_beyond_64_bits),
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}

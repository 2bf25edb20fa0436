/*
 * test_elig.c — unit tests for elig.c, Eligible(w, use, t) of SPEC §3.
 *
 * The oracle test: hundreds of seeded random registries (parties; works
 * with random splits including zero shares and parties on both sides;
 * consents on all_works or one work, opt_in/opt_out, with effective times
 * drawn from a small pool so that exact ties are common; licences of two
 * licensees with catalog_of and works scopes, random uses and date ranges)
 * are written as JSON, parsed with ll_registry_parse and linked, and
 * ll_elig_build'd.  Then for tens of thousands of (work, use, instant) —
 * instants at consent effective times and a microsecond either side,
 * licence start-day midnights, end-day 23:59:59.999999 and the following
 * midnight, random instants and the extremes — three things must agree:
 * the span ll_elig_at finds, the direct rule ll_elig_decide, and this
 * file's own from-scratch reading of SPEC §3, which works only on what the
 * generator wrote (never on the registry's structs).  The consent of each
 * rights holder (ll_elig_consent), ll_elig_consented, ll_elig_voice_ok and
 * ll_elig_licence_active are checked against the same oracle, and the span
 * table itself is checked for shape (sorted, starting at INT64_MIN,
 * verdict constant from one span start to the instant before the next).
 *
 * Then hand-written cases, one per rule, on small fixed registries.
 *
 * Reading of SPEC §3 used by the oracle (where the SPEC leaves room):
 * - a catalog_of scope covers the works in whose splits that party holds a
 *   non-zero share (a "0" share is no share);
 * - when a rights holder has opted out and another has no record, the
 *   reason is opted_out; no covering licence is no_licence whatever the
 *   consents say;
 * - with two or more covering licences the verdict names two of them
 *   (licence and conflict), the reason is still the consent verdict.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/elig.h"
#include "ledgerline/registry.h"
#include "ledgerline/status.h"

#include "fixture.h"

enum {
	RANDOM_REGISTRIES = 220,
	QUERIES_PER_REGISTRY = 320,
	VOICE_QUERIES_PER_REGISTRY = 60,
};

/* ---- helpers -------------------------------------------------------------- */

/* Parse and link text (borrowed by reg: keep it alive). */
static void load_registry(struct ll_registry *reg, const char *text)
{
	struct ll_errlist errs;
	enum ll_status rc;

	ll_registry_init(reg);
	ll_errlist_init(&errs, 0);
	rc = ll_registry_parse(reg, "gen.json", text, strlen(text), &errs);
	if (rc == LL_OK)
		rc = ll_registry_link(reg, &errs);
	if (rc != LL_OK || ll_errlist_count(&errs)) {
		dump_errs(&errs);
		print_message("%s\n", text);
		ll_errlist_release(&errs);
		fail_msg("registry does not load: status %d", (int)rc);
	}
	ll_errlist_release(&errs);
}

static size_t party_ix(const struct ll_registry *reg, const char *id)
{
	size_t i = 0;

	if (!ll_strmap_get(&reg->parties.ix, id, &i))
		fail_msg("no party \"%s\"", id);
	return i;
}

static size_t work_ix(const struct ll_registry *reg, const char *id)
{
	const struct ll_work *w = ll_registry_work(reg, id);

	if (!w)
		fail_msg("no work \"%s\"", id);
	return (size_t)(w - reg->works.v);
}

static size_t licence_ix(const struct ll_registry *reg, const char *id)
{
	size_t i;

	for (i = 0; i < reg->licences.n; i++) {
		if (strcmp(reg->licences.v[i].id, id) == 0)
			return i;
	}
	fail_msg("no licence \"%s\"", id);
	return 0;
}

static const char *lic_id_or_none(const struct ll_registry *reg, int32_t l)
{
	return l < 0 ? "(none)" : reg->licences.v[l].id;
}

/* ---- the generated registry and the oracle -------------------------------- */

enum {
	G_PARTIES_MAX = 9,
	G_WORKS_MAX = 12,
	G_CONSENTS_MAX = 90,
	G_LICENCES_MAX = 8,
	G_SPLIT_MAX = 3,
	G_POOL_MAX = 10,
};

/* Parties: "P-0".."P-8" are rights holders; these two are licensees. */
static const char *const LICENSEE = "P-AI";
static const char *const OTHER_LICENSEE = "P-BX";

struct g_work {
	bool has[2];
	int n[2];
	int party[2][G_SPLIT_MAX];
	int weight[2][G_SPLIT_MAX];	/* share = weight / Σ weight */
};

struct g_consent {
	int party;
	int work;		/* -1: all_works */
	int use;		/* enum ll_use */
	int out;		/* 1: opt_out */
	int64_t eff;
};

struct g_licence {
	bool ours;
	int licensor;
	int catalog_of;		/* -1: works scope */
	bool scope[G_WORKS_MAX];
	unsigned uses;
	int32_t start, end;
};

struct gen {
	int np, nw, nc, nl;
	struct g_work w[G_WORKS_MAX];
	struct g_consent c[G_CONSENTS_MAX];
	struct g_licence l[G_LICENCES_MAX];
	int64_t pool[G_POOL_MAX];
	int n_pool;
	int32_t day0;
};

static bool g_holds(const struct gen *g, int w, int p)
{
	int s, i;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < g->w[w].n[s]; i++) {
			if (g->w[w].party[s][i] == p && g->w[w].weight[s][i] > 0)
				return true;
		}
	}
	return false;
}

/* Deciding consent of party p for (use, w) at t, by SPEC §3 directly. */
static enum ll_consent_state g_consent(const struct gen *g, int p, int use,
				       const bool *works, int64_t t)
{
	const struct g_consent *best = NULL;
	int i;

	for (i = 0; i < g->nc; i++) {
		const struct g_consent *c = &g->c[i];

		if (c->party != p || c->use != use || c->eff > t)
			continue;
		if (c->work >= 0 && !works[c->work])
			continue;
		if (!best) {
			best = c;
			continue;
		}
		/* order: later effective, then work-specific, then opt_out */
		if (c->eff != best->eff) {
			if (c->eff > best->eff)
				best = c;
			continue;
		}
		if ((c->work >= 0) != (best->work >= 0)) {
			if (c->work >= 0)
				best = c;
			continue;
		}
		if (c->out > best->out)
			best = c;
	}
	if (!best)
		return LL_CONSENT_NONE;
	return best->out ? LL_CONSENT_OUT : LL_CONSENT_IN;
}

static bool g_covers(const struct gen *g, int l, int w, int use, int64_t t)
{
	const struct g_licence *lic = &g->l[l];

	if (!lic->ours || !(lic->uses & (1u << use)))
		return false;
	if (lic->catalog_of >= 0 ? !g_holds(g, w, lic->catalog_of)
				 : !lic->scope[w])
		return false;
	return t >= (int64_t)lic->start * US_PER_DAY &&
	       t < ((int64_t)lic->end + 1) * US_PER_DAY;
}

struct verdict {
	int n_cover;
	int cover[G_LICENCES_MAX];
	enum ll_reason reason;
};

static enum ll_reason g_consent_reason(const struct gen *g, int w, int use,
				       int64_t t)
{
	bool works[G_WORKS_MAX] = { false };
	bool out = false, missing = false;
	int p;

	works[w] = true;
	for (p = 0; p < g->np; p++) {
		if (!g_holds(g, w, p))
			continue;
		switch (g_consent(g, p, use, works, t)) {
		case LL_CONSENT_IN:
			break;
		case LL_CONSENT_OUT:
			out = true;
			break;
		case LL_CONSENT_NONE:
			missing = true;
			break;
		}
	}
	if (out)
		return LL_REASON_OPTED_OUT;
	return missing ? LL_REASON_NO_CONSENT : LL_ELIGIBLE;
}

static void g_verdict(const struct gen *g, int w, int use, int64_t t,
		      struct verdict *v)
{
	int l;

	v->n_cover = 0;
	for (l = 0; l < g->nl; l++) {
		if (g_covers(g, l, w, use, t))
			v->cover[v->n_cover++] = l;
	}
	v->reason = v->n_cover ? g_consent_reason(g, w, use, t)
			       : LL_REASON_NO_LICENCE;
}

/* ---- generating ------------------------------------------------------------ */

static void gen_random(struct gen *g, struct rng *r)
{
	int i, s, k;

	memset(g, 0, sizeof(*g));
	g->day0 = days_from_civil(2026, 1, 1);
	g->np = 3 + (int)rng_below(r, G_PARTIES_MAX - 2);
	g->nw = 2 + (int)rng_below(r, G_WORKS_MAX - 1);
	g->nl = 1 + (int)rng_below(r, G_LICENCES_MAX);

	/* works: one or both sides, 1..3 distinct parties each, weights
	 * 0..3 with at least one non-zero (so some shares are "0") */
	for (i = 0; i < g->nw; i++) {
		struct g_work *w = &g->w[i];
		unsigned sides = 1 + rng_below(r, 3); /* 1 master, 2 pub, 3 both */

		for (s = 0; s < 2; s++) {
			int total = 0;

			w->has[s] = (sides >> s) & 1;
			if (!w->has[s])
				continue;
			w->n[s] = 1 + (int)rng_below(r, G_SPLIT_MAX);
			if (w->n[s] > g->np)
				w->n[s] = g->np;
			for (k = 0; k < w->n[s]; k++) {
				int p, j;

				do {
					p = (int)rng_below(r, (unsigned)g->np);
					for (j = 0; j < k; j++) {
						if (w->party[s][j] == p)
							break;
					}
				} while (j < k);
				w->party[s][k] = p;
				w->weight[s][k] = rng_below(r, 3) == 0
							  ? 0
							  : 1 + (int)rng_below(r, 3);
				total += w->weight[s][k];
			}
			if (total == 0)
				w->weight[s][rng_below(r, (unsigned)w->n[s])] =
					1 + (int)rng_below(r, 3);
		}
	}

	/* licences: dates within ~70 days of day0, overlapping often */
	for (i = 0; i < g->nl; i++) {
		struct g_licence *l = &g->l[i];

		l->ours = rng_below(r, 5) != 0;
		l->licensor = (int)rng_below(r, (unsigned)g->np);
		if (rng_below(r, 5) < 2) {
			l->catalog_of = (int)rng_below(r, (unsigned)g->np);
		} else {
			int n = 1 + (int)rng_below(r, 4);

			l->catalog_of = -1;
			for (k = 0; k < n; k++)
				l->scope[rng_below(r, (unsigned)g->nw)] = true;
		}
		do {
			l->uses = rng_below(r, 8);
		} while (l->uses == 0);
		/* often training + generation: that is the common licence */
		if (rng_below(r, 2))
			l->uses |= 3;
		l->start = g->day0 + (int32_t)rng_below(r, 50);
		l->end = l->start + (int32_t)rng_below(r, 30);
	}

	/* the pool of consent instants: midnights (some licence starts),
	 * round seconds, and microsecond fractions */
	g->n_pool = 3 + (int)rng_below(r, G_POOL_MAX - 2);
	for (i = 0; i < g->n_pool; i++) {
		int64_t day = g->day0 - 5 + (int64_t)rng_below(r, 80);

		switch (rng_below(r, 4)) {
		case 0:
			g->pool[i] = (int64_t)g->l[rng_below(r, (unsigned)g->nl)]
					     .start *
				     US_PER_DAY;
			break;
		case 1:
			g->pool[i] = day * US_PER_DAY;
			break;
		case 2:
			g->pool[i] = day * US_PER_DAY +
				     (int64_t)rng_below(r, 86400) * US_PER_SEC;
			break;
		default:
			g->pool[i] = day * US_PER_DAY +
				     (int64_t)(rng_next(r) % (uint64_t)US_PER_DAY);
			break;
		}
	}

	/* consents: most parties opt in to all works early on, so that
	 * eligible verdicts are common; then random records over them */
	g->nc = 0;
	for (i = 0; i < g->np; i++) {
		int u;

		for (u = 0; u < 2; u++) {
			if (rng_below(r, 10) < 3)
				continue;
			g->c[g->nc].party = i;
			g->c[g->nc].work = -1;
			g->c[g->nc].use = u;
			g->c[g->nc].out = 0;
			g->c[g->nc].eff = g->pool[rng_below(r, (unsigned)g->n_pool)];
			g->nc++;
		}
	}
	k = g->nc + (int)rng_below(r, (unsigned)(G_CONSENTS_MAX - g->nc + 1));
	for (i = g->nc, g->nc = k; i < g->nc; i++) {
		struct g_consent *c = &g->c[i];
		unsigned u = rng_below(r, 10);

		c->party = (int)rng_below(r, (unsigned)g->np);
		c->work = rng_below(r, 5) < 2 ? -1
					       : (int)rng_below(r, (unsigned)g->nw);
		c->use = u < 4 ? LL_USE_TRAINING
			       : u < 8 ? LL_USE_GENERATION : LL_USE_VOICE;
		c->out = rng_below(r, 4) == 0;
		c->eff = g->pool[rng_below(r, (unsigned)g->n_pool)];
	}
}

static const char *const USE_NAMES[] = { "training", "generation", "voice" };

/* Registry JSON of g, with fractions, zeros and decimals for shares. */
static char *gen_json(const struct gen *g)
{
	struct sbuf b = { NULL, 0, 0 };
	char ts[40], d0[11], d1[11];
	int i, s, k;

	sb_printf(&b, "{\"parties\": [\n");
	for (i = 0; i < g->np; i++)
		sb_printf(&b,
			  "  {\"id\": \"P-%d\", \"name\": \"Party %d\", "
			  "\"kind\": \"%s\"},\n",
			  i, i, i % 2 ? "artist" : "label");
	sb_printf(&b,
		  "  {\"id\": \"%s\", \"name\": \"Synth\", \"kind\": "
		  "\"licensee\"},\n"
		  "  {\"id\": \"%s\", \"name\": \"Other\", \"kind\": "
		  "\"licensee\"}\n],\n",
		  LICENSEE, OTHER_LICENSEE);

	sb_printf(&b, "\"works\": [\n");
	for (i = 0; i < g->nw; i++) {
		const struct g_work *w = &g->w[i];
		bool first_side = true;

		sb_printf(&b,
			  "  {\"id\": \"W-%02d\", \"duration_ms\": %d, "
			  "\"splits\": {",
			  i, 1000 + i);
		for (s = 0; s < 2; s++) {
			int total = 0;

			if (!w->has[s])
				continue;
			for (k = 0; k < w->n[s]; k++)
				total += w->weight[s][k];
			sb_printf(&b, "%s\"%s\": [", first_side ? "" : ", ",
				  s == 0 ? "master" : "publishing");
			first_side = false;
			for (k = 0; k < w->n[s]; k++) {
				char share[32];

				if (w->weight[s][k] == 0)
					snprintf(share, sizeof(share), "0");
				else if (w->weight[s][k] == total)
					snprintf(share, sizeof(share), "1");
				else if (total == 2 || total == 4 || total == 5)
					/* a decimal, exact for these totals */
					snprintf(share, sizeof(share), "0.%02d",
						 w->weight[s][k] * (100 / total));
				else
					snprintf(share, sizeof(share), "%d/%d",
						 w->weight[s][k], total);
				sb_printf(&b,
					  "%s{\"party\": \"P-%d\", \"share\": "
					  "\"%s\"}",
					  k ? ", " : "", w->party[s][k], share);
			}
			sb_printf(&b, "]");
		}
		sb_printf(&b, "}}%s\n", i + 1 < g->nw ? "," : "");
	}
	sb_printf(&b, "],\n\"consents\": [\n");
	for (i = 0; i < g->nc; i++) {
		const struct g_consent *c = &g->c[i];
		char what[40];

		if (c->work < 0)
			snprintf(what, sizeof(what), "\"all_works\": true");
		else
			snprintf(what, sizeof(what), "\"work\": \"W-%02d\"",
				 c->work);
		fmt_ts(c->eff, ts);
		sb_printf(&b,
			  "  {\"id\": \"C-%d\", \"party\": \"P-%d\", %s, "
			  "\"use\": \"%s\", \"decision\": \"%s\", "
			  "\"effective\": \"%s\"}%s\n",
			  i, c->party, what, USE_NAMES[c->use],
			  c->out ? "opt_out" : "opt_in", ts,
			  i + 1 < g->nc ? "," : "");
	}
	sb_printf(&b, "],\n\"licences\": [\n");
	for (i = 0; i < g->nl; i++) {
		const struct g_licence *l = &g->l[i];
		bool first = true;

		sb_printf(&b,
			  "  {\"id\": \"L-%d\", \"licensee\": \"%s\", "
			  "\"licensor\": \"P-%d\", \"scope\": ",
			  i, l->ours ? LICENSEE : OTHER_LICENSEE, l->licensor);
		if (l->catalog_of >= 0) {
			sb_printf(&b, "{\"catalog_of\": \"P-%d\"}",
				  l->catalog_of);
		} else {
			sb_printf(&b, "{\"works\": [");
			for (k = 0; k < g->nw; k++) {
				if (!l->scope[k])
					continue;
				sb_printf(&b, "%s\"W-%02d\"", first ? "" : ", ",
					  k);
				first = false;
			}
			sb_printf(&b, "]}");
		}
		sb_printf(&b, ", \"uses\": [");
		first = true;
		for (k = 0; k < 3; k++) {
			if (!(l->uses & (1u << k)))
				continue;
			sb_printf(&b, "%s\"%s\"", first ? "" : ", ",
				  USE_NAMES[k]);
			first = false;
		}
		fmt_date(l->start, d0);
		fmt_date(l->end, d1);
		sb_printf(&b,
			  "], \"start\": \"%s\", \"end\": \"%s\", "
			  "\"currency\": \"EUR\"}%s\n",
			  d0, d1, i + 1 < g->nl ? "," : "");
	}
	sb_printf(&b, "]}\n");
	return b.s;
}

/* ---- checking -------------------------------------------------------------- */

struct ctx {
	const struct gen *g;
	const struct ll_registry *reg;
	const struct ll_elig *e;
	size_t w_ix[G_WORKS_MAX];	/* generated work -> registry index */
	size_t p_ix[G_PARTIES_MAX];
	int l_gen[G_LICENCES_MAX];	/* registry licence -> generated */
	uint64_t seed;
	long checked, eligible, no_licence, no_consent, opted_out, conflicts;
};

static const char *reason_str(int r)
{
	return r >= 0 && r < LL_REASON_COUNT ? ll_reason_name((enum ll_reason)r)
					     : "?";
}

static void describe_fail(const struct ctx *c, int w, int use, int64_t t,
			  const char *what, const struct ll_span *got,
			  const struct verdict *want)
{
	char ts[40] = "(out of range)";
	int i;

	if (t >= 0 && t < INT64_C(253402300800000000))
		fmt_ts(t, ts);
	print_error("seed %llu: W-%02d %s at %s (%lld): %s\n",
		    (unsigned long long)c->seed, w, USE_NAMES[use], ts,
		    (long long)t, what);
	print_error("  got licence %s conflict %s reason %s\n",
		    lic_id_or_none(c->reg, got->licence),
		    lic_id_or_none(c->reg, got->conflict),
		    reason_str(got->reason));
	print_error("  want reason %s, covering:", reason_str(want->reason));
	for (i = 0; i < want->n_cover; i++)
		print_error(" L-%d", want->cover[i]);
	print_error("\n");
}

/* Does span s carry the oracle's verdict? */
static bool span_matches(const struct ctx *c, const struct ll_span *s,
			 const struct verdict *v)
{
	int i;
	bool lic_in = false, con_in = false;

	if (s->reason != v->reason)
		return false;
	if (v->n_cover == 0)
		return s->licence == -1 && s->conflict == -1;
	if (s->licence < 0)
		return false;
	for (i = 0; i < v->n_cover; i++) {
		lic_in |= c->l_gen[s->licence] == v->cover[i];
		con_in |= s->conflict >= 0 && c->l_gen[s->conflict] == v->cover[i];
	}
	if (!lic_in)
		return false;
	if (v->n_cover == 1)
		return s->conflict == -1;
	return con_in && s->conflict != s->licence;
}

static bool same_verdict(const struct ll_span *a, const struct ll_span *b)
{
	return a->licence == b->licence && a->conflict == b->conflict &&
	       a->reason == b->reason;
}

static void check_one(struct ctx *c, int w, int use, int64_t t)
{
	const struct gen *g = c->g;
	struct verdict v;
	struct ll_span d;
	const struct ll_span *s;
	size_t wi = c->w_ix[w];
	bool works[G_WORKS_MAX] = { false };
	int p;

	g_verdict(g, w, use, t, &v);
	ll_elig_decide(c->e, wi, (enum ll_use)use, t, &d);
	if (!span_matches(c, &d, &v)) {
		describe_fail(c, w, use, t, "ll_elig_decide disagrees with SPEC",
			      &d, &v);
		fail();
	}
	s = ll_elig_at(c->e, wi, (enum ll_use)use, t);
	if (!same_verdict(s, &d) || s->from_us > t) {
		describe_fail(c, w, use, t,
			      "ll_elig_at disagrees with ll_elig_decide", s, &v);
		fail();
	}
	/* every rights holder's deciding consent */
	works[w] = true;
	for (p = 0; p < g->np; p++) {
		enum ll_consent_state want, got;
		char wid[8];

		snprintf(wid, sizeof(wid), "W-%02d", w);
		want = g_consent(g, p, use, works, t);
		got = ll_elig_consent(c->e, c->p_ix[p], (enum ll_use)use, wid, t);
		if (want != got) {
			describe_fail(c, w, use, t, "ll_elig_consent", &d, &v);
			fail_msg("party P-%d: consent %d, expected %d", p,
				 (int)got, (int)want);
		}
	}
	assert_int_equal(ll_elig_consented(c->e, wi, (enum ll_use)use, t),
			 g_consent_reason(g, w, use, t) == LL_ELIGIBLE);
	c->checked++;
	switch (v.reason) {
	case LL_ELIGIBLE:
		c->eligible++;
		break;
	case LL_REASON_NO_LICENCE:
		c->no_licence++;
		break;
	case LL_REASON_NO_CONSENT:
		c->no_consent++;
		break;
	case LL_REASON_OPTED_OUT:
		c->opted_out++;
		break;
	default:
		break;
	}
	c->conflicts += v.n_cover > 1;
}

/* An instant worth asking about. */
static int64_t pick_instant(const struct gen *g, struct rng *r)
{
	int64_t base;
	const struct g_licence *l = &g->l[rng_below(r, (unsigned)g->nl)];

	switch (rng_below(r, 14)) {
	case 0:
	case 1:
	case 2:
		if (g->nc) {
			base = g->c[rng_below(r, (unsigned)g->nc)].eff;
			return base + (int64_t)rng_below(r, 3) - 1;
		}
		return g->pool[0];
	case 3:
		return g->pool[rng_below(r, (unsigned)g->n_pool)];
	case 4:
		return (int64_t)l->start * US_PER_DAY; /* start midnight */
	case 5:
		return (int64_t)l->start * US_PER_DAY - 1;
	case 6:
		return ((int64_t)l->end + 1) * US_PER_DAY - 1; /* 23:59:59.999999 */
	case 7:
		return ((int64_t)l->end + 1) * US_PER_DAY; /* next midnight */
	case 8:
		return ((int64_t)g->day0 - 6 + (int64_t)rng_below(r, 90)) *
		       US_PER_DAY;
	case 9:
		switch (rng_below(r, 4)) {
		case 0:
			return INT64_MIN;
		case 1:
			return INT64_MAX;
		case 2:
			return 0;
		default:
			return ((int64_t)g->day0 + 3650) * US_PER_DAY;
		}
	default:
		return ((int64_t)g->day0 - 6) * US_PER_DAY +
		       (int64_t)(rng_next(r) % (uint64_t)(90 * US_PER_DAY));
	}
}

/* The span table: per (work, use) sorted, first at INT64_MIN, adjacent
 * spans differ, and each span's verdict holds from its start to the
 * instant before the next. */
static void check_span_table(struct ctx *c)
{
	const struct ll_elig *e = c->e;
	int u;
	size_t w;

	for (u = 0; u < 2; u++) {
		enum ll_use use = u ? LL_USE_GENERATION : LL_USE_TRAINING;

		for (w = 0; w < c->reg->works.n; w++) {
			uint32_t lo = e->off[u][w], hi = e->off[u][w + 1], k;

			assert_true(hi > lo);
			assert_true(e->spans[lo].from_us == INT64_MIN);
			for (k = lo; k < hi; k++) {
				const struct ll_span *s = &e->spans[k];
				struct ll_span d;

				ll_elig_decide(e, w, use, s->from_us, &d);
				assert_true(same_verdict(s, &d));
				assert_ptr_equal(ll_elig_at(e, w, use, s->from_us),
						 s);
				if (k + 1 < hi) {
					const struct ll_span *n = s + 1;

					assert_true(n->from_us > s->from_us);
					assert_false(same_verdict(s, n));
					ll_elig_decide(e, w, use, n->from_us - 1,
						       &d);
					assert_true(same_verdict(s, &d));
					assert_ptr_equal(
						ll_elig_at(e, w, use,
							   n->from_us - 1),
						s);
				}
			}
		}
	}
}

/* Voice: the deciding voice record over all_works and the named works. */
static void check_voice(struct ctx *c, struct rng *r)
{
	const struct gen *g = c->g;
	int q;

	for (q = 0; q < VOICE_QUERIES_PER_REGISTRY; q++) {
		bool works[G_WORKS_MAX] = { false };
		size_t list[G_WORKS_MAX];
		size_t n = 0;
		int p = (int)rng_below(r, (unsigned)g->np), k, m;
		int64_t t = pick_instant(g, r);
		bool want, got;

		m = (int)rng_below(r, 4);
		for (k = 0; k < m; k++) {
			int w = (int)rng_below(r, (unsigned)g->nw);

			if (works[w])
				continue;
			works[w] = true;
			list[n++] = c->w_ix[w];
		}
		want = g_consent(g, p, LL_USE_VOICE, works, t) == LL_CONSENT_IN;
		got = ll_elig_voice_ok(c->e, c->p_ix[p], list, n, t);
		if (want != got)
			fail_msg("seed %llu: voice of P-%d at %lld over %zu "
				 "works: %d, expected %d",
				 (unsigned long long)c->seed, p, (long long)t, n,
				 got, want);
	}
}

static void check_licence_active(struct ctx *c, struct rng *r)
{
	size_t l;
	int q;

	for (q = 0; q < 40; q++) {
		int32_t a = c->g->day0 - 10 + (int32_t)rng_below(r, 90);
		int32_t b = a + (int32_t)rng_below(r, 40);

		for (l = 0; l < c->reg->licences.n; l++) {
			const struct g_licence *gl = &c->g->l[c->l_gen[l]];
			bool want = gl->ours && gl->start <= b && gl->end >= a;

			assert_int_equal(ll_elig_licence_active(c->e, l, a, b),
					 want);
		}
	}
}

static void test_oracle_random(void **state)
{
	struct rng r = { UINT64_C(0x2545f4914f6cdd1d) };
	struct ctx total;
	int k;

	(void)state;
	memset(&total, 0, sizeof(total));
	for (k = 0; k < RANDOM_REGISTRIES; k++) {
		struct gen g;
		struct ll_registry reg;
		struct ll_elig e;
		struct ll_error err;
		struct ctx c;
		char *text;
		int i, q;

		memset(&c, 0, sizeof(c));
		c.seed = r.s;
		gen_random(&g, &r);
		text = gen_json(&g);
		load_registry(&reg, text);
		assert_int_equal(ll_elig_build(&e, &reg, LICENSEE, &err), LL_OK);
		c.g = &g;
		c.reg = &reg;
		c.e = &e;
		for (i = 0; i < g.nw; i++) {
			char id[24];

			snprintf(id, sizeof(id), "W-%02d", i);
			c.w_ix[i] = work_ix(&reg, id);
		}
		for (i = 0; i < g.np; i++) {
			char id[24];

			snprintf(id, sizeof(id), "P-%d", i);
			c.p_ix[i] = party_ix(&reg, id);
		}
		assert_int_equal(reg.licences.n, g.nl);
		for (i = 0; i < g.nl; i++) {
			char id[24];

			snprintf(id, sizeof(id), "L-%d", i);
			c.l_gen[licence_ix(&reg, id)] = i;
		}
		/* the registry read what was written */
		assert_int_equal(reg.consents.n, g.nc);
		for (i = 0; i < g.nc; i++) {
			char id[24];
			size_t j;

			snprintf(id, sizeof(id), "C-%d", i);
			for (j = 0; j < reg.consents.n; j++) {
				if (strcmp(reg.consents.v[j].id, id) == 0)
					break;
			}
			assert_true(j < reg.consents.n);
			assert_true(reg.consents.v[j].effective_us == g.c[i].eff);
		}

		check_span_table(&c);
		for (q = 0; q < QUERIES_PER_REGISTRY; q++) {
			int w = (int)rng_below(&r, (unsigned)g.nw);
			int use = rng_below(&r, 2) ? LL_USE_GENERATION
						   : LL_USE_TRAINING;

			check_one(&c, w, use, pick_instant(&g, &r));
		}
		/* every consent instant, exactly, for every work and use */
		for (i = 0; i < g.nc; i++) {
			int w;

			for (w = 0; w < g.nw; w++) {
				check_one(&c, w, LL_USE_TRAINING, g.c[i].eff);
				check_one(&c, w, LL_USE_GENERATION, g.c[i].eff);
			}
		}
		check_voice(&c, &r);
		check_licence_active(&c, &r);
		total.checked += c.checked;
		total.eligible += c.eligible;
		total.no_licence += c.no_licence;
		total.no_consent += c.no_consent;
		total.opted_out += c.opted_out;
		total.conflicts += c.conflicts;
		ll_elig_release(&e);
		ll_registry_release(&reg);
		free(text);
	}
	print_message("elig oracle: %ld queries: %ld eligible, %ld no_licence, "
		      "%ld no_consent, %ld opted_out; %ld with two or more "
		      "covering licences\n",
		      total.checked, total.eligible, total.no_licence,
		      total.no_consent, total.opted_out, total.conflicts);
	/* every verdict is well represented */
	assert_true(total.checked > 50000);
	assert_true(total.eligible > total.checked / 50);
	assert_true(total.no_licence > total.checked / 50);
	assert_true(total.no_consent > total.checked / 50);
	assert_true(total.opted_out > total.checked / 50);
	assert_true(total.conflicts > total.checked / 200);
}

/* ---- hand-written cases ---------------------------------------------------- */

/*
 * One fixed set of parties and works, with consents and licences per
 * case.  W-1: master P-A 1/2, P-B 1/2; publishing P-C 1.  W-2: master
 * P-A 1, P-B 0 (a zero share).  W-3: master P-B 1 only.
 */
static const char HAND_HEAD[] =
	"{\"parties\": [\n"
	" {\"id\": \"P-A\", \"name\": \"A\", \"kind\": \"label\"},\n"
	" {\"id\": \"P-B\", \"name\": \"B\", \"kind\": \"artist\"},\n"
	" {\"id\": \"P-C\", \"name\": \"C\", \"kind\": \"publisher\"},\n"
	" {\"id\": \"P-AI\", \"name\": \"AI\", \"kind\": \"licensee\"},\n"
	" {\"id\": \"P-BX\", \"name\": \"BX\", \"kind\": \"licensee\"}],\n"
	"\"works\": [\n"
	" {\"id\": \"W-1\", \"duration_ms\": 1000, \"splits\": {\n"
	"   \"master\": [{\"party\": \"P-A\", \"share\": \"1/2\"},\n"
	"                {\"party\": \"P-B\", \"share\": \"0.5\"}],\n"
	"   \"publishing\": [{\"party\": \"P-C\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-2\", \"duration_ms\": 1000, \"splits\": {\n"
	"   \"master\": [{\"party\": \"P-A\", \"share\": \"1\"},\n"
	"                {\"party\": \"P-B\", \"share\": \"0\"}]}},\n"
	" {\"id\": \"W-3\", \"duration_ms\": 1000, \"splits\": {\n"
	"   \"master\": [{\"party\": \"P-B\", \"share\": \"1\"}]}}],\n";

/* A licence of P-AI on works (JSON array text) for uses, 2026-03-01 ..
 * 2026-03-31 unless given. */
#define LIC(id, scope, uses, start, end)                                       \
	"{\"id\": \"" id "\", \"licensee\": \"P-AI\", \"licensor\": \"P-A\", " \
	"\"scope\": " scope ", \"uses\": " uses ", \"start\": \"" start        \
	"\", \"end\": \"" end "\", \"currency\": \"EUR\"}"
#define CON(id, party, what, use, dec, eff)                                    \
	"{\"id\": \"" id "\", \"party\": \"" party "\", " what                 \
	", \"use\": \"" use "\", \"decision\": \"" dec "\", \"effective\": \"" \
	eff "\"}"
#define ALL "\"all_works\": true"
#define WORK(w) "\"work\": \"" w "\""
#define TG "[\"training\", \"generation\"]"
#define MARCH LIC("L-M", "{\"works\": [\"W-1\", \"W-2\", \"W-3\"]}", TG, \
		  "2026-03-01", "2026-03-31")

struct hand {
	char *text;
	struct ll_registry reg;
	struct ll_elig e;
};

static void hand_open(struct hand *h, const char *consents,
		      const char *licences)
{
	struct sbuf b = { NULL, 0, 0 };
	struct ll_error err;

	sb_printf(&b, "%s\"consents\": [%s],\n\"licences\": [%s]}\n",
		  HAND_HEAD, consents, licences);
	h->text = b.s;
	load_registry(&h->reg, h->text);
	assert_int_equal(ll_elig_build(&h->e, &h->reg, "P-AI", &err), LL_OK);
}

static void hand_close(struct hand *h)
{
	ll_elig_release(&h->e);
	ll_registry_release(&h->reg);
	free(h->text);
}

static int64_t ts(const char *s)
{
	int y;
	unsigned mo, d, hh = 0, mm = 0, ss = 0;
	int64_t us = 0;
	char *end;

	/* "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" — parsed here, independently */
	y = (int)strtol(s, &end, 10);
	mo = (unsigned)strtoul(end + 1, &end, 10);
	d = (unsigned)strtoul(end + 1, &end, 10);
	if (*end == 'T') {
		hh = (unsigned)strtoul(end + 1, &end, 10);
		mm = (unsigned)strtoul(end + 1, &end, 10);
		ss = (unsigned)strtoul(end + 1, &end, 10);
		if (*end == '.') {
			const char *f = end + 1;
			int n = 0;

			while (*f >= '0' && *f <= '9') {
				us = us * 10 + (*f - '0');
				f++;
				n++;
			}
			for (; n < 6; n++)
				us *= 10;
		}
	}
	return (int64_t)days_from_civil(y, mo, d) * US_PER_DAY +
	       ((int64_t)hh * 3600 + mm * 60 + ss) * US_PER_SEC + us;
}

/* Assert the verdict for (work, use, t) — by both the rule and the span —
 * and its licence (NULL: none) and conflict (NULL: none). */
#define EXPECT(h, work, use, t, reason, lic, conflict)                         \
	expect_(h, work, use, t, reason, lic, conflict, __LINE__)
static void expect_(struct hand *h, const char *work, enum ll_use use,
		    int64_t t, enum ll_reason reason, const char *lic,
		    const char *conflict, int at)
{
	size_t w = work_ix(&h->reg, work);
	struct ll_span d;
	const struct ll_span *s = ll_elig_at(&h->e, w, use, t);

	ll_elig_decide(&h->e, w, use, t, &d);
	if (d.reason != reason)
		fail_msg("line %d: %s %s: reason %s, expected %s", at, work,
			 ll_use_name(use), reason_str(d.reason),
			 reason_str(reason));
	if (!same_verdict(s, &d))
		fail_msg("line %d: %s: the span (%s) differs from the rule (%s)",
			 at, work, reason_str(s->reason), reason_str(d.reason));
	if (lic) {
		int32_t c;

		if (d.licence < 0)
			fail_msg("line %d: no licence, expected %s", at, lic);
		/* the pair {licence, conflict} as a set */
		c = d.conflict;
		if (strcmp(h->reg.licences.v[d.licence].id, lic) != 0) {
			if (!conflict || c < 0 ||
			    strcmp(h->reg.licences.v[c].id, lic) != 0 ||
			    strcmp(h->reg.licences.v[d.licence].id, conflict) !=
				    0)
				fail_msg("line %d: licence %s conflict %s, "
					 "expected %s / %s",
					 at, lic_id_or_none(&h->reg, d.licence),
					 lic_id_or_none(&h->reg, c), lic,
					 conflict ? conflict : "(none)");
		} else if (conflict) {
			if (c < 0 ||
			    strcmp(h->reg.licences.v[c].id, conflict) != 0)
				fail_msg("line %d: conflict %s, expected %s",
					 at, lic_id_or_none(&h->reg, c),
					 conflict);
		} else if (c >= 0) {
			fail_msg("line %d: unexpected conflict %s", at,
				 h->reg.licences.v[c].id);
		}
	} else if (d.licence >= 0 || d.conflict >= 0) {
		fail_msg("line %d: licence %s, expected none", at,
			 h->reg.licences.v[d.licence].id);
	}
}

/* Every rights holder opted in → eligible; nothing → no_consent. */
static void test_hand_basic(void **state)
{
	struct hand h;

	(void)state;
	hand_open(&h,
		  CON("c1", "P-A", ALL, "training", "opt_in",
		      "2026-03-05T00:00:00Z") ","
		  CON("c2", "P-B", ALL, "training", "opt_in",
		      "2026-03-05T00:00:00Z") ","
		  CON("c3", "P-C", ALL, "training", "opt_in",
		      "2026-03-05T00:00:00Z"),
		  MARCH);
	EXPECT(&h, "W-1", LL_USE_TRAINING, ts("2026-03-10T00:00:00Z"),
	       LL_ELIGIBLE, "L-M", NULL);
	/* no generation records at all */
	EXPECT(&h, "W-1", LL_USE_GENERATION, ts("2026-03-10T00:00:00Z"),
	       LL_REASON_NO_CONSENT, "L-M", NULL);
	/* the instant before the consents took effect, inside the licence */
	EXPECT(&h, "W-1", LL_USE_TRAINING, ts("2026-03-04T23:59:59.999999Z"),
	       LL_REASON_NO_CONSENT, "L-M", NULL);
	EXPECT(&h, "W-1", LL_USE_TRAINING, ts("2026-03-05T00:00:00Z"),
	       LL_ELIGIBLE, "L-M", NULL);
	hand_close(&h);

	/* one of three holders without a record */
	hand_open(&h,
		  CON("c1", "P-A", ALL, "training", "opt_in",
		      "2026-01-01T00:00:00Z") ","
		  CON("c3", "P-C", ALL, "training", "opt_in",
		      "2026-01-01T00:00:00Z"),
		  MARCH);
	EXPECT(&h, "W-1", LL_USE_TRAINING, ts("2026-03-10T00:00:00Z"),
	       LL_REASON_NO_CONSENT, "L-M", NULL);
	/* W-2's P-B holds a zero share: P-A alone decides */
	EXPECT(&h, "W-2", LL_USE_TRAINING, ts("2026-03-10T00:00:00Z"),
	       LL_ELIGIBLE, "L-M", NULL);
	/* W-3 is P-B's alone */
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-03-10T00:00:00Z"),
	       LL_REASON_NO_CONSENT, "L-M", NULL);
	hand_close(&h);
}

/* The latest effective <= t decides; effective == t already counts. */
static void test_hand_latest(void **state)
{
	struct hand h;
	int64_t t1 = ts("2026-03-05T12:00:00Z"), t2 = ts("2026-03-20T08:30:00.25Z");

	(void)state;
	hand_open(&h,
		  /* out of order in the file on purpose */
		  CON("c2", "P-B", WORK("W-3"), "generation", "opt_out",
		      "2026-03-20T08:30:00.25Z") ","
		  CON("c1", "P-B", WORK("W-3"), "generation", "opt_in",
		      "2026-03-05T12:00:00Z") ","
		  CON("c3", "P-B", WORK("W-3"), "generation", "opt_in",
		      "2026-04-20T00:00:00Z"),
		  MARCH);
	EXPECT(&h, "W-3", LL_USE_GENERATION, t1 - 1, LL_REASON_NO_CONSENT,
	       "L-M", NULL);
	EXPECT(&h, "W-3", LL_USE_GENERATION, t1, LL_ELIGIBLE, "L-M", NULL);
	EXPECT(&h, "W-3", LL_USE_GENERATION, t2 - 1, LL_ELIGIBLE, "L-M", NULL);
	EXPECT(&h, "W-3", LL_USE_GENERATION, t2, LL_REASON_OPTED_OUT, "L-M",
	       NULL);
	/* after the licence: no_licence, though opted in again by then */
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-04-21T00:00:00Z"),
	       LL_REASON_NO_LICENCE, NULL, NULL);
	/* records for generation say nothing about training */
	EXPECT(&h, "W-3", LL_USE_TRAINING, t1, LL_REASON_NO_CONSENT, "L-M",
	       NULL);
	hand_close(&h);

	/* a later all_works record beats an earlier work-specific one, and
	 * vice versa */
	hand_open(&h,
		  CON("c1", "P-B", WORK("W-3"), "training", "opt_in",
		      "2026-03-01T00:00:00Z") ","
		  CON("c2", "P-B", ALL, "training", "opt_out",
		      "2026-03-10T00:00:00Z") ","
		  CON("c3", "P-B", WORK("W-3"), "training", "opt_in",
		      "2026-03-15T00:00:00Z"),
		  MARCH);
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-03-09T23:59:59.999999Z"),
	       LL_ELIGIBLE, "L-M", NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-03-10T00:00:00Z"),
	       LL_REASON_OPTED_OUT, "L-M", NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-03-15T00:00:00Z"),
	       LL_ELIGIBLE, "L-M", NULL);
	hand_close(&h);
}

/* Equal effective: work-specific beats all_works, then opt_out beats
 * opt_in — whatever the order of the records. */
static void test_hand_ties(void **state)
{
	struct hand h;
	int64_t t = ts("2026-03-10T00:00:00Z");
	size_t pb;

	(void)state;
	/* specific opt_in vs all_works opt_out at the same instant: in */
	hand_open(&h,
		  CON("c1", "P-B", ALL, "training", "opt_out",
		      "2026-03-10T00:00:00Z") ","
		  CON("c2", "P-B", WORK("W-3"), "training", "opt_in",
		      "2026-03-10T00:00:00Z"),
		  MARCH);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t, LL_ELIGIBLE, "L-M", NULL);
	pb = party_ix(&h.reg, "P-B");
	assert_int_equal(ll_elig_consent(&h.e, pb, LL_USE_TRAINING, "W-3", t),
			 LL_CONSENT_IN);
	/* for another work only the all_works record applies */
	assert_int_equal(ll_elig_consent(&h.e, pb, LL_USE_TRAINING, "W-1", t),
			 LL_CONSENT_OUT);
	hand_close(&h);

	/* the same, records the other way round */
	hand_open(&h,
		  CON("c2", "P-B", WORK("W-3"), "training", "opt_in",
		      "2026-03-10T00:00:00Z") ","
		  CON("c1", "P-B", ALL, "training", "opt_out",
		      "2026-03-10T00:00:00Z"),
		  MARCH);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t, LL_ELIGIBLE, "L-M", NULL);
	hand_close(&h);

	/* specific opt_out vs all_works opt_in: out */
	hand_open(&h,
		  CON("c1", "P-B", ALL, "training", "opt_in",
		      "2026-03-10T00:00:00Z") ","
		  CON("c2", "P-B", WORK("W-3"), "training", "opt_out",
		      "2026-03-10T00:00:00Z"),
		  MARCH);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t, LL_REASON_OPTED_OUT, "L-M", NULL);
	hand_close(&h);

	/* both specific (and both all_works): opt_out beats opt_in, in
	 * either order */
	hand_open(&h,
		  CON("c1", "P-B", WORK("W-3"), "training", "opt_in",
		      "2026-03-10T00:00:00Z") ","
		  CON("c2", "P-B", WORK("W-3"), "training", "opt_out",
		      "2026-03-10T00:00:00Z") ","
		  CON("c3", "P-B", ALL, "generation", "opt_out",
		      "2026-03-10T00:00:00Z") ","
		  CON("c4", "P-B", ALL, "generation", "opt_in",
		      "2026-03-10T00:00:00Z"),
		  MARCH);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t, LL_REASON_OPTED_OUT, "L-M", NULL);
	EXPECT(&h, "W-3", LL_USE_GENERATION, t, LL_REASON_OPTED_OUT, "L-M",
	       NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t - 1, LL_REASON_NO_CONSENT, "L-M",
	       NULL);
	hand_close(&h);
	hand_open(&h,
		  CON("c2", "P-B", WORK("W-3"), "training", "opt_out",
		      "2026-03-10T00:00:00Z") ","
		  CON("c1", "P-B", WORK("W-3"), "training", "opt_in",
		      "2026-03-10T00:00:00Z") ","
		  CON("c4", "P-B", ALL, "generation", "opt_in",
		      "2026-03-10T00:00:00Z") ","
		  CON("c3", "P-B", ALL, "generation", "opt_out",
		      "2026-03-10T00:00:00Z"),
		  MARCH);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t, LL_REASON_OPTED_OUT, "L-M", NULL);
	EXPECT(&h, "W-3", LL_USE_GENERATION, t, LL_REASON_OPTED_OUT, "L-M",
	       NULL);
	hand_close(&h);

	/* a specific opt_in at a later instant beats a tie lost earlier */
	hand_open(&h,
		  CON("c1", "P-B", WORK("W-3"), "training", "opt_out",
		      "2026-03-10T00:00:00Z") ","
		  CON("c2", "P-B", ALL, "training", "opt_in",
		      "2026-03-10T00:00:00.000001Z"),
		  MARCH);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t, LL_REASON_OPTED_OUT, "L-M", NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t + 1, LL_ELIGIBLE, "L-M", NULL);
	hand_close(&h);
}

/* Opted out and missing: opted_out.  No licence: no_licence first. */
static void test_hand_reason_precedence(void **state)
{
	struct hand h;
	int64_t t = ts("2026-03-10T00:00:00Z");

	(void)state;
	hand_open(&h,
		  CON("c1", "P-A", ALL, "generation", "opt_out",
		      "2026-01-01T00:00:00Z") ","
		  CON("c3", "P-C", ALL, "generation", "opt_in",
		      "2026-01-01T00:00:00Z"),
		  MARCH);
	/* W-1: P-A out, P-B missing, P-C in */
	EXPECT(&h, "W-1", LL_USE_GENERATION, t, LL_REASON_OPTED_OUT, "L-M",
	       NULL);
	/* outside the licence the consent reasons give way */
	EXPECT(&h, "W-1", LL_USE_GENERATION, ts("2026-04-01T00:00:00Z"),
	       LL_REASON_NO_LICENCE, NULL, NULL);
	EXPECT(&h, "W-1", LL_USE_GENERATION, ts("2026-02-28T23:59:59.999999Z"),
	       LL_REASON_NO_LICENCE, NULL, NULL);
	hand_close(&h);
}

/* Licence dates: start-day midnight in, the instant before out; end-day
 * 23:59:59.999999 in, the next midnight out.  Uses are per licence. */
static void test_hand_licence_dates(void **state)
{
	struct hand h;

	(void)state;
	hand_open(&h,
		  CON("c1", "P-B", ALL, "training", "opt_in",
		      "2020-01-01T00:00:00Z") ","
		  CON("c2", "P-B", ALL, "generation", "opt_in",
		      "2020-01-01T00:00:00Z"),
		  LIC("L-T", "{\"works\": [\"W-3\"]}", "[\"training\"]",
		      "2026-03-01", "2026-03-01") ","
		  LIC("L-G", "{\"works\": [\"W-3\"]}", "[\"generation\", \"voice\"]",
		      "2026-06-01", "2026-06-30"));
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-02-28T23:59:59.999999Z"),
	       LL_REASON_NO_LICENCE, NULL, NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-03-01T00:00:00Z"),
	       LL_ELIGIBLE, "L-T", NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-03-01T23:59:59.999999Z"),
	       LL_ELIGIBLE, "L-T", NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-03-02T00:00:00Z"),
	       LL_REASON_NO_LICENCE, NULL, NULL);
	/* L-T does not cover generation, L-G does not cover training */
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-03-01T12:00:00Z"),
	       LL_REASON_NO_LICENCE, NULL, NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-06-10T12:00:00Z"),
	       LL_REASON_NO_LICENCE, NULL, NULL);
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-06-30T23:59:59.999999Z"),
	       LL_ELIGIBLE, "L-G", NULL);
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-07-01T00:00:00Z"),
	       LL_REASON_NO_LICENCE, NULL, NULL);
	/* a work outside every scope */
	EXPECT(&h, "W-2", LL_USE_GENERATION, ts("2026-06-10T12:00:00Z"),
	       LL_REASON_NO_LICENCE, NULL, NULL);
	/* licence_active: any day of the range */
	assert_true(ll_elig_licence_active(&h.e, licence_ix(&h.reg, "L-T"),
					   days_from_civil(2026, 2, 1),
					   days_from_civil(2026, 3, 1)));
	assert_false(ll_elig_licence_active(&h.e, licence_ix(&h.reg, "L-T"),
					    days_from_civil(2026, 3, 2),
					    days_from_civil(2026, 5, 31)));
	assert_true(ll_elig_licence_active(&h.e, licence_ix(&h.reg, "L-G"),
					   days_from_civil(2026, 6, 30),
					   days_from_civil(2026, 9, 30)));
	hand_close(&h);
}

/* catalog_of covers works where the party holds a non-zero share, on
 * either side; other licensees' licences are ignored. */
static void test_hand_scope(void **state)
{
	struct hand h;
	int64_t t = ts("2026-03-10T00:00:00Z");
	static const char everyone_in[] =
		CON("a", "P-A", ALL, "training", "opt_in", "2026-01-01T00:00:00Z") ","
		CON("b", "P-B", ALL, "training", "opt_in", "2026-01-01T00:00:00Z") ","
		CON("c", "P-C", ALL, "training", "opt_in", "2026-01-01T00:00:00Z");

	(void)state;
	/* P-C: publishing side of W-1 only */
	hand_open(&h, everyone_in,
		  LIC("L-C", "{\"catalog_of\": \"P-C\"}", TG, "2026-03-01",
		      "2026-03-31"));
	EXPECT(&h, "W-1", LL_USE_TRAINING, t, LL_ELIGIBLE, "L-C", NULL);
	EXPECT(&h, "W-2", LL_USE_TRAINING, t, LL_REASON_NO_LICENCE, NULL, NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t, LL_REASON_NO_LICENCE, NULL, NULL);
	hand_close(&h);

	/* P-B: W-1 (1/2) and W-3 (1), not W-2 where its share is 0 */
	hand_open(&h, everyone_in,
		  LIC("L-B", "{\"catalog_of\": \"P-B\"}", TG, "2026-03-01",
		      "2026-03-31"));
	EXPECT(&h, "W-1", LL_USE_TRAINING, t, LL_ELIGIBLE, "L-B", NULL);
	EXPECT(&h, "W-2", LL_USE_TRAINING, t, LL_REASON_NO_LICENCE, NULL, NULL);
	EXPECT(&h, "W-3", LL_USE_TRAINING, t, LL_ELIGIBLE, "L-B", NULL);
	hand_close(&h);

	/* another licensee's licence does not count for P-AI */
	hand_open(&h, everyone_in,
		  "{\"id\": \"L-X\", \"licensee\": \"P-BX\", \"licensor\": "
		  "\"P-A\", \"scope\": {\"catalog_of\": \"P-A\"}, \"uses\": "
		  "[\"training\"], \"start\": \"2026-01-01\", \"end\": "
		  "\"2026-12-31\", \"currency\": \"EUR\"}");
	EXPECT(&h, "W-1", LL_USE_TRAINING, t, LL_REASON_NO_LICENCE, NULL, NULL);
	assert_false(ll_elig_licence_active(&h.e, 0, days_from_civil(2026, 1, 1),
					    days_from_civil(2026, 12, 31)));
	hand_close(&h);
}

/* Two covering licences: both named.  Consecutive terms: never both. */
static void test_hand_conflict(void **state)
{
	struct hand h;
	static const char in[] =
		CON("b", "P-B", ALL, "generation", "opt_in",
		    "2026-01-01T00:00:00Z");

	(void)state;
	hand_open(&h, in,
		  LIC("L-1", "{\"catalog_of\": \"P-B\"}", TG, "2026-03-01",
		      "2026-03-20") ","
		  LIC("L-2", "{\"works\": [\"W-3\"]}", "[\"generation\"]",
		      "2026-03-20", "2026-04-30") ","
		  LIC("L-3", "{\"works\": [\"W-3\"]}", "[\"generation\"]",
		      "2026-05-01", "2026-05-31"));
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-03-19T23:59:59.999999Z"),
	       LL_ELIGIBLE, "L-1", NULL);
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-03-20T00:00:00Z"),
	       LL_ELIGIBLE, "L-1", "L-2");
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-03-20T23:59:59.999999Z"),
	       LL_ELIGIBLE, "L-1", "L-2");
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-03-21T00:00:00Z"),
	       LL_ELIGIBLE, "L-2", NULL);
	/* L-2 ends 04-30, L-3 starts 05-01: consecutive, no conflict */
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-04-30T23:59:59.999999Z"),
	       LL_ELIGIBLE, "L-2", NULL);
	EXPECT(&h, "W-3", LL_USE_GENERATION, ts("2026-05-01T00:00:00Z"),
	       LL_ELIGIBLE, "L-3", NULL);
	/* for training only L-1 covers: no conflict */
	EXPECT(&h, "W-3", LL_USE_TRAINING, ts("2026-03-20T00:00:00Z"),
	       LL_REASON_NO_CONSENT, "L-1", NULL);
	/* a conflict is reported whatever the consents: W-1's P-A, P-C have
	 * no generation records */
	hand_close(&h);
	hand_open(&h, "",
		  LIC("L-1", "{\"catalog_of\": \"P-A\"}", TG, "2026-03-01",
		      "2026-03-31") ","
		  LIC("L-2", "{\"catalog_of\": \"P-C\"}", TG, "2026-03-31",
		      "2026-04-30"));
	EXPECT(&h, "W-1", LL_USE_GENERATION, ts("2026-03-31T10:00:00Z"),
	       LL_REASON_NO_CONSENT, "L-1", "L-2");
	EXPECT(&h, "W-2", LL_USE_GENERATION, ts("2026-03-31T10:00:00Z"),
	       LL_REASON_NO_CONSENT, "L-1", NULL);
	hand_close(&h);
}

static void test_hand_build_errors(void **state)
{
	struct hand h;
	struct ll_elig e;
	struct ll_error err;

	(void)state;
	hand_open(&h, "", MARCH);
	ll_error_clear(&err);
	assert_int_equal(ll_elig_build(&e, &h.reg, "P-NOBODY", &err),
			 LL_INVALID);
	assert_int_equal(err.code, LL_INVALID);
	assert_non_null(strstr(err.text, "P-NOBODY"));
	/* a licensee with no licences: nothing is ever covered */
	assert_int_equal(ll_elig_build(&e, &h.reg, "P-BX", &err), LL_OK);
	{
		struct ll_span d;

		ll_elig_decide(&e, work_ix(&h.reg, "W-1"), LL_USE_TRAINING,
			       ts("2026-03-10T00:00:00Z"), &d);
		assert_int_equal(d.reason, LL_REASON_NO_LICENCE);
		assert_int_equal(d.licence, -1);
	}
	ll_elig_release(&e);
	hand_close(&h);
}

/* Reason names (compliance.json vocabulary). */
static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(ll_reason_name(LL_ELIGIBLE), "eligible");
	assert_string_equal(ll_reason_name(LL_REASON_UNKNOWN_WORK),
			    "unknown_work");
	assert_string_equal(ll_reason_name(LL_REASON_HASH_MISMATCH),
			    "hash_mismatch");
	assert_string_equal(ll_reason_name(LL_REASON_NO_LICENCE), "no_licence");
	assert_string_equal(ll_reason_name(LL_REASON_NO_CONSENT), "no_consent");
	assert_string_equal(ll_reason_name(LL_REASON_OPTED_OUT), "opted_out");
	assert_string_equal(ll_reason_name(LL_REASON_CURRENCY),
			    "currency_mismatch");
	assert_true(ll_day_start_us(0) == 0);
	assert_true(ll_day_start_us(days_from_civil(2026, 9, 1)) ==
		    ts("2026-09-01T00:00:00Z"));
	assert_true(ll_day_start_us(-1) == -US_PER_DAY);
}

/* ---- voice ------------------------------------------------------------------ */

static void test_voice(void **state)
{
	struct hand h;
	size_t pa, pb, pc, w1, w2, w3;
	int64_t t = ts("2026-03-10T00:00:00Z");

	(void)state;
	hand_open(&h,
		  CON("v1", "P-A", ALL, "voice", "opt_in",
		      "2026-03-01T00:00:00Z") ","
		  CON("v2", "P-A", WORK("W-2"), "voice", "opt_out",
		      "2026-03-01T00:00:00Z") ","
		  CON("v3", "P-B", WORK("W-3"), "voice", "opt_in",
		      "2026-03-01T00:00:00Z") ","
		  CON("v4", "P-B", ALL, "voice", "opt_out",
		      "2026-03-05T00:00:00Z") ","
		  /* a generation opt_in is not a voice opt_in */
		  CON("g1", "P-C", ALL, "generation", "opt_in",
		      "2026-01-01T00:00:00Z"),
		  MARCH);
	pa = party_ix(&h.reg, "P-A");
	pb = party_ix(&h.reg, "P-B");
	pc = party_ix(&h.reg, "P-C");
	w1 = work_ix(&h.reg, "W-1");
	w2 = work_ix(&h.reg, "W-2");
	w3 = work_ix(&h.reg, "W-3");
	{
		size_t only1[] = { w1 }, with2[] = { w1, w2 }, only3[] = { w3 };

		/* all_works opt_in, no works named */
		assert_true(ll_elig_voice_ok(&h.e, pa, NULL, 0, t));
		assert_true(ll_elig_voice_ok(&h.e, pa, only1, 1, t));
		/* W-2's specific opt_out ties with all_works opt_in and wins */
		assert_false(ll_elig_voice_ok(&h.e, pa, with2, 2, t));
		/* before any record */
		assert_false(ll_elig_voice_ok(&h.e, pa, only1, 1,
					      ts("2026-02-28T23:59:59Z")));
		/* P-B: specific opt_in at 03-01, later all_works opt_out */
		assert_true(ll_elig_voice_ok(&h.e, pb, only3, 1,
					     ts("2026-03-04T23:59:59.999999Z")));
		assert_false(ll_elig_voice_ok(&h.e, pb, only3, 1, t));
		/* without W-3 named, P-B has no applicable record yet */
		assert_false(ll_elig_voice_ok(&h.e, pb, only1, 1,
					      ts("2026-03-02T00:00:00Z")));
		/* P-C: no voice records */
		assert_false(ll_elig_voice_ok(&h.e, pc, only1, 1, t));
	}
	hand_close(&h);
}

/*
 * Voice over an event with many attributed works (events may carry up to
 * LL_EVENT_ATTRIBUTIONS_MAX = 1024): a work-specific opt_out naming the
 * 70th work must still decide.
 */
static void test_voice_many_works(void **state)
{
	struct sbuf b = { NULL, 0, 0 };
	struct ll_registry reg;
	struct ll_elig e;
	struct ll_error err;
	size_t list[80], i, pv;
	int64_t t = ts("2026-03-10T00:00:00Z");
	bool ok;

	(void)state;
	sb_printf(&b,
		  "{\"parties\": [{\"id\": \"P-V\", \"name\": \"V\", \"kind\": "
		  "\"artist\"}, {\"id\": \"P-AI\", \"name\": \"AI\", "
		  "\"kind\": \"licensee\"}],\n\"works\": [\n");
	for (i = 0; i < 80; i++)
		sb_printf(&b,
			  "{\"id\": \"W-%02zu\", \"duration_ms\": 1, \"splits\": "
			  "{\"master\": [{\"party\": \"P-V\", \"share\": "
			  "\"1\"}]}}%s\n",
			  i, i + 1 < 80 ? "," : "");
	sb_printf(&b,
		  "],\n\"consents\": [" CON("v1", "P-V", ALL, "voice", "opt_in",
					    "2026-01-01T00:00:00Z") ","
		  CON("v2", "P-V", WORK("W-69"), "voice", "opt_out",
		      "2026-03-01T00:00:00Z") "]}\n");
	load_registry(&reg, b.s);
	assert_int_equal(ll_elig_build(&e, &reg, "P-AI", &err), LL_OK);
	pv = party_ix(&reg, "P-V");
	for (i = 0; i < 80; i++) {
		char id[24];

		snprintf(id, sizeof(id), "W-%02zu", i);
		list[i] = work_ix(&reg, id);
	}
	/* W-69 first: decided by its opt_out */
	{
		size_t one[] = { list[69] };

		assert_false(ll_elig_voice_ok(&e, pv, one, 1, t));
	}
	/* W-00 .. W-68 alone: the all_works opt_in */
	assert_true(ll_elig_voice_ok(&e, pv, list, 69, t));
	/* all 80, W-69 among them at position 69 */
	ok = ll_elig_voice_ok(&e, pv, list, 80, t);
	ll_elig_release(&e);
	ll_registry_release(&reg);
	free(b.s);
	if (ok)
		fail_msg("voice over 80 works ignores the opt_out naming the "
			 "70th (W-69)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle_random),
		cmocka_unit_test(test_hand_basic),
		cmocka_unit_test(test_hand_latest),
		cmocka_unit_test(test_hand_ties),
		cmocka_unit_test(test_hand_reason_precedence),
		cmocka_unit_test(test_hand_licence_dates),
		cmocka_unit_test(test_hand_scope),
		cmocka_unit_test(test_hand_conflict),
		cmocka_unit_test(test_hand_build_errors),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_voice),
		cmocka_unit_test(test_voice_many_works),
	};

	return cmocka_run_group_tests_name("elig", tests, NULL, NULL);
}

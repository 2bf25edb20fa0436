/*
 * test_tally.c — unit tests for tally.c: events in, exact sums out.
 *
 * A small registry (fixture_tally.h): W-1 (ISRC GBAAA2600001) and W-3 in
 * P-L's catalogue under L-1 (EUR), W-2 under L-A (USD), and L-X, which
 * also covers W-2 from 2026-09-15, so that W-2 has two licences from
 * then on.  Events
 * of 2026-Q3 are parsed with the event parser and tallied; the sums per
 * eligibility slot, per unknown reference and of the unattributed rest
 * are compared, as fractions, with what is worked out by hand in each
 * test.  Then the rule violations (period, model, a work twice, two
 * licences) with their exact messages, the duplicate-id hashes, merging,
 * and the bound on the error list.
 *
 * Design decision: the run context is built (by fixture_tally.c) from
 * the registry and ll_elig_build, not through run.c, so that this file
 * tests the tally alone.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/elig.h"
#include "ledgerline/event.h"
#include "ledgerline/registry.h"
#include "ledgerline/status.h"
#include "ledgerline/strmap.h"
#include "ledgerline/tally.h"
#include "ledgerline/xsum.h"

#include "fixture.h"
#include "fixture_tally.h"

/* Parse one event line and tally it at (file, line). */
static void feed(struct fx *f, struct ll_tally *t, const char *text,
		 uint32_t file, long line)
{
	struct ll_event ev;
	struct ll_error err;

	ll_error_clear(&err);
	if (ll_event_parse(f->parser, text, strlen(text), &ev, &err) != LL_OK)
		fail_msg("event does not parse: %s: %s\n%s", err.field,
			 err.text, text);
	assert_int_equal(ll_tally_event(t, &ev, file, line), LL_OK);
}

/* An event of model m-1 (or model), as one NDJSON line. */
static char *event(const char *id, const char *model, const char *ts,
		   const char *value, const char *cur, const char *attrs)
{
	struct sbuf b = { NULL, 0, 0 };

	sb_printf(&b,
		  "{\"id\":\"%s\",\"model\":\"%s\",\"ts\":\"%s\","
		  "\"value\":\"%s\",\"currency\":\"%s\",\"attribution\":[%s]}",
		  id, model, ts, value, cur, attrs);
	return b.s;
}

static void feed_event(struct fx *f, struct ll_tally *t, uint32_t file,
		       long line, const char *id, const char *ts,
		       const char *value, const char *cur, const char *attrs)
{
	char *text = event(id, "m-1", ts, value, cur, attrs);

	feed(f, t, text, file, line);
	free(text);
}

static size_t work_ix(const struct fx *f, const char *id)
{
	size_t w;

	if (!ll_strmap_get(&f->reg.works.ix, id, &w))
		fail_msg("no work %s", id);
	return w;
}

/* The slot where generation usage of work at ts (RFC 3339) goes. */
static uint32_t slot_of(const struct fx *f, const char *work, const char *ts)
{
	struct ll_event ev;
	char *text = event("probe", "m-1", ts, "0", "EUR", "");

	assert_int_equal(ll_event_parse(f->parser, text, strlen(text), &ev,
					NULL),
			 LL_OK);
	free(text);
	return ll_elig_at(&f->elig, work_ix(f, work), LL_USE_GENERATION,
			  ev.ts_us)
		->slot;
}

/* Assert a mass: Σ weight, Σ value·weight (as "p/q" or integers) and
 * the number of events. */
#define ASSERT_MASS(m, w, vw, n) assert_mass(m, w, vw, n, __LINE__)
static void assert_mass(const struct ll_mass *m, const char *w,
			const char *vw, uint64_t n, int at)
{
	mpq_t got, want;
	const char *what[2] = { "weight", "value·weight" };
	const char *wants[2] = { w, vw };
	int i;

	mpq_init(got);
	mpq_init(want);
	for (i = 0; i < 2; i++) {
		ll_xsum_get(got, i ? &m->vw : &m->w,
			    i ? LL_XSUM_SCALE_VW : LL_XSUM_SCALE_W);
		assert_int_equal(mpq_set_str(want, wants[i], 10), 0);
		mpq_canonicalize(want);
		if (!mpq_equal(got, want)) {
			char *s = mpq_get_str(NULL, 10, got);

			print_error("line %d: Σ %s is %s, expected %s\n", at,
				    what[i], s, wants[i]);
			free(s);
			fail();
		}
	}
	mpq_clear(got);
	mpq_clear(want);
	if (m->events != n)
		fail_msg("line %d: %llu events, expected %llu", at,
			 (unsigned long long)m->events, (unsigned long long)n);
}

static const struct ll_mass *unknown(const struct ll_tally *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n_unknown; i++)
		if (strcmp(t->unknown[i].key, key) == 0)
			return &t->unknown[i].mass;
	fail_msg("no unknown reference %s", key);
	return NULL;
}

static void assert_error(const struct ll_tally *t, size_t i, uint32_t file,
			 long line, const char *field, const char *text)
{
	const struct ll_tally_error *e;

	assert_true(i < t->n_errors);
	e = &t->errors[i];
	assert_int_equal(e->file, file);
	assert_int_equal(e->e.line, line);
	assert_int_equal(e->e.code, LL_INVALID);
	assert_string_equal(e->e.source, t->ctx->sources[file]);
	assert_string_equal(e->e.field, field);
	assert_string_equal(e->e.text, text);
}

/* ---- sums ---------------------------------------------------------------- */

/*
 * e1 0.04 EUR: W-1 by ISRC 0.25, W-2 0.5 (under L-A in USD: W-2's
 *    other-currency slot); 0.25 unattributed
 * e2 1.00 EUR: W-1 1/3; 2/3 unattributed
 * e3 2 EUR:    W-404 (not catalogued) 0.5; 0.5 unattributed
 * W-1: Σw = 1/4 + 1/3 = 7/12, Σvw = 0.01 + 1/3 = 103/300
 * rest: Σw = 1/4 + 2/3 + 1/2 = 17/12, Σvw = 0.01 + 2/3 + 1 = 503/300
 */
static void test_sums(void **state)
{
	struct fx *f = *state;
	struct ll_tally t;
	uint32_t s1;
	size_t i;

	assert_int_equal(ll_tally_init(&t, &f->ctx), LL_OK);
	feed_event(f, &t, 0, 1, "e1", "2026-07-02T10:00:00Z", "0.04", "EUR",
		   "{\"isrc\":\"GB-AAA-26-00001\",\"weight\":\"0.25\"},"
		   "{\"work\":\"W-2\",\"weight\":\"0.5\"}");
	feed_event(f, &t, 0, 2, "e2", "2026-08-01T00:00:00Z", "1.00", "EUR",
		   "{\"work\":\"W-1\",\"weight\":\"1/3\"}");
	feed_event(f, &t, 0, 3, "e3", "2026-09-30T23:59:59.999999Z", "2",
		   "EUR", "{\"work\":\"W-404\",\"weight\":\"0.5\"}");
	ll_tally_finish(&t);
	assert_int_equal(t.errors_total, 0);
	assert_int_equal(t.n_errors, 0);
	assert_int_equal(t.events, 3);
	assert_int_equal(t.attributions, 4);
	assert_int_equal(t.n_ids, 3);
	s1 = slot_of(f, "W-1", "2026-07-02T10:00:00Z");
	assert_int_equal(slot_of(f, "W-1", "2026-08-01T00:00:00Z"), s1);
	ASSERT_MASS(&t.slots[s1], "7/12", "103/300", 2);
	ASSERT_MASS(&t.slots[f->elig.currency_slot0 + work_ix(f, "W-2")],
		    "1/2", "1/50", 1);
	ASSERT_MASS(unknown(&t, "work:W-404"), "1/2", "1", 1);
	assert_int_equal(t.n_unknown, 1);
	ASSERT_MASS(&t.unattributed, "17/12", "503/300", 3);
	/* nothing anywhere else */
	for (i = 0; i < f->elig.n_slots; i++) {
		if (i == s1 ||
		    i == f->elig.currency_slot0 + work_ix(f, "W-2"))
			continue;
		ASSERT_MASS(&t.slots[i], "0", "0", 0);
	}
	ll_tally_release(&t);
}

/* W-2 in USD goes to its own slot; the same in EUR to the other-currency
 * slot.  Weights summing to 1 leave no unattributed rest. */
static void test_currency_and_full_weight(void **state)
{
	struct fx *f = *state;
	struct ll_tally t;
	uint32_t s2 = slot_of(f, "W-2", "2026-07-10T00:00:00Z");

	assert_int_equal(ll_tally_init(&t, &f->ctx), LL_OK);
	feed_event(f, &t, 0, 1, "u1", "2026-07-10T00:00:00Z", "3", "USD",
		   "{\"work\":\"W-2\",\"weight\":\"0.75\"},"
		   "{\"work\":\"W-3\",\"weight\":\"0.25\"}");
	feed_event(f, &t, 0, 2, "u2", "2026-07-10T00:00:00Z", "3", "EUR",
		   "{\"work\":\"W-2\",\"weight\":\"1\"}");
	ll_tally_finish(&t);
	assert_int_equal(t.errors_total, 0);
	ASSERT_MASS(&t.slots[s2], "3/4", "9/4", 1);
	ASSERT_MASS(&t.slots[f->elig.currency_slot0 + work_ix(f, "W-2")], "1",
		    "3", 1);
	/* W-3 is under L-1 in EUR: the USD event is another currency */
	ASSERT_MASS(&t.slots[f->elig.currency_slot0 + work_ix(f, "W-3")],
		    "1/4", "3/4", 1);
	ASSERT_MASS(&t.unattributed, "0", "0", 0);
	ll_tally_release(&t);
}

/* ---- rule violations ----------------------------------------------------- */

static void test_violations(void **state)
{
	struct fx *f = *state;
	struct ll_tally t;
	char *text;
	uint32_t s3;

	assert_int_equal(ll_tally_init(&t, &f->ctx), LL_OK);
	/* line 4: outside the period (and so no mass) */
	feed_event(f, &t, 1, 4, "v1", "2026-10-01T00:00:00Z", "1", "EUR",
		   "{\"work\":\"W-1\",\"weight\":\"1\"}");
	/* line 3: a model without a manifest */
	text = event("v2", "m-2", "2026-07-01T00:00:00Z", "1", "EUR",
		     "{\"work\":\"W-1\",\"weight\":\"1\"}");
	feed(f, &t, text, 1, 3);
	free(text);
	/* line 2: W-1 by its id and by its ISRC */
	feed_event(f, &t, 1, 2, "v3", "2026-07-01T00:00:00Z", "1", "EUR",
		   "{\"work\":\"W-1\",\"weight\":\"0.5\"},"
		   "{\"isrc\":\"GBAAA2600001\",\"weight\":\"0.5\"}");
	/* line 1: W-2 under L-A and L-X on 2026-09-20; W-3 still counts */
	feed_event(f, &t, 0, 9, "v4", "2026-09-20T12:00:00Z", "1", "EUR",
		   "{\"work\":\"W-2\",\"weight\":\"0.5\"},"
		   "{\"work\":\"W-3\",\"weight\":\"0.5\"}");
	ll_tally_finish(&t);
	assert_int_equal(t.errors_total, 4);
	assert_int_equal(t.n_errors, 4);
	/* sorted by (file, line) */
	assert_error(&t, 0, 0, 9, "attribution[0]",
		     "licences \"L-A\" and \"L-X\" both cover work \"W-2\" for "
		     "generation on 2026-09-20: the licence data must be "
		     "fixed");
	assert_error(&t, 1, 1, 2, "attribution[1]",
		     "work \"W-1\" is attributed twice in one event");
	assert_error(&t, 2, 1, 3, "model",
		     "model \"m-2\" has no training manifest in this run");
	assert_error(&t, 3, 1, 4, "ts",
		     "event on 2026-10-01 is outside the run period 2026-Q3 "
		     "(2026-07-01..2026-09-30)");
	/* every event was seen, only v4's W-3 and its rest were added */
	assert_int_equal(t.events, 4);
	assert_int_equal(t.n_ids, 4);
	assert_int_equal(t.attributions, 2);
	s3 = slot_of(f, "W-3", "2026-09-20T12:00:00Z");
	ASSERT_MASS(&t.slots[s3], "1/2", "1/2", 1);
	ASSERT_MASS(&t.slots[slot_of(f, "W-1", "2026-07-01T00:00:00Z")], "0",
		    "0", 0);
	/* v4's weights sum to 1: no rest */
	ASSERT_MASS(&t.unattributed, "0", "0", 0);
	ll_tally_release(&t);
}

/* ---- duplicates and merging ---------------------------------------------- */

/* The tally keeps a hash per event id (the duplicate check reads them):
 * the same id twice gives the same hash twice, and both events count. */
static void test_duplicate_ids(void **state)
{
	struct fx *f = *state;
	struct ll_tally t;
	uint32_t s1 = slot_of(f, "W-1", "2026-07-05T00:00:00Z");

	assert_int_equal(ll_tally_init(&t, &f->ctx), LL_OK);
	feed_event(f, &t, 0, 1, "dup", "2026-07-05T00:00:00Z", "1", "EUR",
		   "{\"work\":\"W-1\",\"weight\":\"0.5\"}");
	feed_event(f, &t, 0, 2, "other", "2026-07-05T00:00:00Z", "1", "EUR",
		   "{\"work\":\"W-1\",\"weight\":\"0.5\"}");
	feed_event(f, &t, 0, 3, "dup", "2026-07-05T00:00:00Z", "1", "EUR",
		   "{\"work\":\"W-1\",\"weight\":\"0.5\"}");
	ll_tally_finish(&t);
	assert_int_equal(t.errors_total, 0);
	assert_int_equal(t.n_ids, 3);
	assert_true(t.id_hashes[0] == ll_event_id_hash("dup", 3));
	assert_true(t.id_hashes[2] == t.id_hashes[0]);
	assert_true(t.id_hashes[1] == ll_event_id_hash("other", 5));
	assert_true(t.id_hashes[1] != t.id_hashes[0]);
	ASSERT_MASS(&t.slots[s1], "3/2", "3/2", 3);
	ll_tally_release(&t);
}

/* Split among two tallies and merged, the sums and lists are those of
 * one tally over all the events. */
static void test_merge(void **state)
{
	struct fx *f = *state;
	struct ll_tally one, a, b;
	static const char *const ids[] = { "m1", "m2", "m3", "m4", "m5" };
	static const char *const values[] = { "0.04", "1", "1/7", "0", "9" };
	static const char *const attrs[] = {
		"{\"work\":\"W-1\",\"weight\":\"0.25\"}",
		"{\"work\":\"W-404\",\"weight\":\"1/3\"}",
		"{\"isrc\":\"GBAAA2600001\",\"weight\":\"1/7\"}",
		"{\"work\":\"W-2\",\"weight\":\"1\"}",
		"{\"work\":\"W-404\",\"weight\":\"0.5\"},"
		"{\"work\":\"W-1\",\"weight\":\"0.5\"}",
	};
	mpq_t x, y;
	size_t i;

	assert_int_equal(ll_tally_init(&one, &f->ctx), LL_OK);
	assert_int_equal(ll_tally_init(&a, &f->ctx), LL_OK);
	assert_int_equal(ll_tally_init(&b, &f->ctx), LL_OK);
	for (i = 0; i < N_ELEMS(ids); i++) {
		feed_event(f, &one, 0, (long)i + 1, ids[i],
			   "2026-08-01T00:00:00Z", values[i], "EUR", attrs[i]);
		feed_event(f, i % 2 ? &a : &b, 0, (long)i + 1, ids[i],
			   "2026-08-01T00:00:00Z", values[i], "EUR", attrs[i]);
	}
	assert_int_equal(ll_tally_merge(&a, &b), LL_OK);
	ll_tally_finish(&one);
	assert_int_equal(a.events, one.events);
	assert_int_equal(a.attributions, one.attributions);
	assert_int_equal(a.n_ids, one.n_ids);
	assert_int_equal(a.n_unknown, 1);
	mpq_init(x);
	mpq_init(y);
	for (i = 0; i < f->elig.n_slots; i++) {
		ll_xsum_get(x, &a.slots[i].vw, LL_XSUM_SCALE_VW);
		ll_xsum_get(y, &one.slots[i].vw, LL_XSUM_SCALE_VW);
		assert_true(mpq_equal(x, y));
		assert_int_equal(a.slots[i].events, one.slots[i].events);
	}
	mpq_clear(x);
	mpq_clear(y);
	/* W-404: 1/3 of 1 and 1/2 of 9 */
	ASSERT_MASS(unknown(&a, "work:W-404"), "5/6", "29/6", 2);
	/* rests 3/4 of 0.04, 2/3 of 1, 6/7 of 1/7 (m4, m5 weigh 1):
	 * Σw = 191/84, Σvw = 3/100 + 2/3 + 6/49 = 12041/14700 */
	ASSERT_MASS(&a.unattributed, "191/84", "12041/14700", 3);
	ASSERT_MASS(&one.unattributed, "191/84", "12041/14700", 3);
	ll_tally_release(&b);
	ll_tally_release(&a);
	ll_tally_release(&one);
}

/* ---- the error list's bound ---------------------------------------------- */

/* LL_TALLY_ERRORS_MAX + 50 errors fed last line first, in two files: the
 * first LL_TALLY_ERRORS_MAX by (file, line) are kept, all are counted. */
static void test_error_bound(void **state)
{
	struct fx *f = *state;
	struct ll_tally t;
	const long n = LL_TALLY_ERRORS_MAX + 50;
	long k;
	size_t i;

	assert_int_equal(ll_tally_init(&t, &f->ctx), LL_OK);
	for (k = n; k >= 1; k--) {
		char id[32];

		snprintf(id, sizeof(id), "x%ld", k);
		/* lines 1..n/2 in file 1, the rest in file 0 */
		feed_event(f, &t, k <= n / 2 ? 1 : 0, k, id,
			   "2026-06-30T23:59:59Z", "1", "EUR",
			   "{\"work\":\"W-1\",\"weight\":\"1\"}");
	}
	ll_tally_finish(&t);
	assert_int_equal(t.errors_total, (uint64_t)n);
	assert_int_equal(t.n_errors, LL_TALLY_ERRORS_MAX);
	/* file 0 holds lines n/2+1..n (75 of them), then file 1 from line 1 */
	for (i = 0; i < t.n_errors; i++) {
		long want_line = i < (size_t)(n - n / 2)
					 ? n / 2 + 1 + (long)i
					 : (long)i - (n - n / 2) + 1;

		assert_int_equal(t.errors[i].file,
				 i < (size_t)(n - n / 2) ? 0 : 1);
		assert_int_equal(t.errors[i].e.line, want_line);
		assert_string_equal(t.errors[i].e.field, "ts");
	}
	assert_error(&t, 0, 0, n / 2 + 1, "ts",
		     "event on 2026-06-30 is outside the run period 2026-Q3 "
		     "(2026-07-01..2026-09-30)");
	ll_tally_release(&t);
}

/* ---- many attributions, against a naive sum ------------------------------ */

struct naive {
	mpq_t w, vw;
	uint64_t n;
};

/* "p/q" or a decimal "i.f" as a fraction, by GMP alone (not by exact.c,
 * which the tally itself uses). */
static void naive_mpq(mpq_t rop, const char *s)
{
	char buf[64];
	const char *dot = strchr(s, '.');

	if (dot) {
		size_t fd = strlen(dot + 1), k;

		assert_true(fd < 20);
		snprintf(buf, sizeof(buf), "%.*s%s/1", (int)(dot - s), s,
			 dot + 1);
		for (k = 0; k < fd; k++)
			strcat(buf, "0");
	} else {
		snprintf(buf, sizeof(buf), "%s", s);
	}
	assert_int_equal(mpq_set_str(rop, buf, 10), 0);
	mpq_canonicalize(rop);
}

static void naive_add(struct naive *x, const char *value, const char *weight)
{
	mpq_t v, w;

	mpq_init(v);
	mpq_init(w);
	naive_mpq(v, value);
	naive_mpq(w, weight);
	mpq_add(x->w, x->w, w);
	mpq_mul(v, v, w);
	mpq_add(x->vw, x->vw, v);
	x->n++;
	mpq_clear(v);
	mpq_clear(w);
}

static void assert_naive(const struct ll_mass *m, const struct naive *x,
			 int at)
{
	char *w = mpq_get_str(NULL, 10, x->w), *vw = mpq_get_str(NULL, 10, x->vw);

	assert_mass(m, w, vw, x->n, at);
	free(w);
	free(vw);
}

enum { RANDOM_EVENTS = 300, RANDOM_UNKNOWN = 40 };

/*
 * Events of up to 3 known works (W-2 in EUR: its other-currency slot)
 * and up to 40 unknown references each, in a shuffled order, so that
 * unknown references are met between known ones and the list of unknown
 * references grows (moves) in the middle of an event; weights as
 * decimals and as fractions.  Every slot and unknown reference must hold
 * what a plain sum of fractions gives.
 */
static void test_many_attributions_naive(void **state)
{
	struct fx *f = *state;
	static const char *const known[3] = { "W-1", "W-3", "W-2" };
	struct naive k[3], u[RANDOM_UNKNOWN];
	struct ll_tally t;
	uint64_t seed = 20261206;
	size_t e, i;

	for (i = 0; i < 3; i++) {
		mpq_inits(k[i].w, k[i].vw, NULL);
		k[i].n = 0;
	}
	for (i = 0; i < RANDOM_UNKNOWN; i++) {
		mpq_inits(u[i].w, u[i].vw, NULL);
		u[i].n = 0;
	}
	assert_int_equal(ll_tally_init(&t, &f->ctx), LL_OK);
	for (e = 0; e < RANDOM_EVENTS; e++) {
		char attrs[64][64], value[32], id[32], ts[32];
		struct sbuf b = { NULL, 0, 0 };
		size_t n = 0, order[64];

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		snprintf(value, sizeof(value), "%u.%02u",
			 (unsigned)(seed >> 40) % 100, (unsigned)(seed >> 20) % 100);
		snprintf(id, sizeof(id), "r%zu", e);
		snprintf(ts, sizeof(ts), "2026-0%d-%02uT10:00:00Z",
			 7 + (int)(e % 2), 1 + (unsigned)(seed >> 33) % 28);
		for (i = 0; i < 3; i++) {
			char w[24];

			if ((seed >> (i + 3)) & 1)
				continue;
			if (e % 3 == 0)
				snprintf(w, sizeof(w), "1/%u",
					 7 + (unsigned)(e + i) % 13);
			else
				snprintf(w, sizeof(w), "0.%03u",
					 1 + (unsigned)((seed >> (8 * i)) % 199));
			snprintf(attrs[n++], sizeof(attrs[0]),
				 "{\"work\":\"%s\",\"weight\":\"%s\"}",
				 known[i], w);
			naive_add(&k[i], value, w);
		}
		for (i = 0; i < RANDOM_UNKNOWN; i++) {
			if ((seed >> (i % 61)) & 1 && (e + i) % 3)
				continue;
			snprintf(attrs[n++], sizeof(attrs[0]),
				 "{\"work\":\"U-%zu\",\"weight\":\"%s\"}", i,
				 i % 2 ? "1/400" : "0.0025");
			naive_add(&u[i], value, "1/400");
		}
		for (i = 0; i < n; i++)
			order[i] = i;
		for (i = n; i > 1; i--) {
			size_t j, tmp;

			seed = seed * 6364136223846793005ULL + 1;
			j = (size_t)(seed >> 33) % i;
			tmp = order[i - 1];
			order[i - 1] = order[j];
			order[j] = tmp;
		}
		for (i = 0; i < n; i++)
			sb_printf(&b, "%s%s", i ? "," : "", attrs[order[i]]);
		feed_event(f, &t, 0, (long)e + 1, id, ts, value, "EUR",
			   b.s ? b.s : "");
		free(b.s);
	}
	ll_tally_finish(&t);
	assert_int_equal(t.errors_total, 0);
	assert_naive(&t.slots[slot_of(f, "W-1", "2026-07-01T00:00:00Z")], &k[0],
		     __LINE__);
	assert_naive(&t.slots[slot_of(f, "W-3", "2026-07-01T00:00:00Z")], &k[1],
		     __LINE__);
	assert_naive(&t.slots[f->elig.currency_slot0 + work_ix(f, "W-2")],
		     &k[2], __LINE__);
	for (i = 0; i < RANDOM_UNKNOWN; i++) {
		char key[32];

		snprintf(key, sizeof(key), "work:U-%zu", i);
		if (u[i].n)
			assert_naive(unknown(&t, key), &u[i], __LINE__);
		mpq_clears(u[i].w, u[i].vw, NULL);
	}
	for (i = 0; i < 3; i++)
		mpq_clears(k[i].w, k[i].vw, NULL);
	ll_tally_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums),
		cmocka_unit_test(test_currency_and_full_weight),
		cmocka_unit_test(test_violations),
		cmocka_unit_test(test_duplicate_ids),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_error_bound),
		cmocka_unit_test(test_many_attributions_naive),
	};

	return cmocka_run_group_tests(tests, fixture_tally_setup, fixture_tally_teardown);
}

/*
 * test_reconcile.c — unit tests for reconcile.c: statements held against
 * a party's own catalogue.
 *
 * Design decision: each test builds the few statement lines it needs as
 * JSON (what a verified statement's predicate holds) and a catalogue as
 * CSV text, reconciles them, and checks every finding's kind, whether it
 * is a discrepancy, and the fields that name it; a test counts all
 * findings, so an extra one fails it too.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/catalog.h"
#include "ledgerline/reconcile.h"

/* The catalogue of every test but where one says otherwise: P-NW holds
 * the master of three works; W3 has no ISRC, only an ISWC. */
static const char catalogue[] =
	"isrc,share_master,share_publishing,iswc,title\n"
	"GBAYE6900001,3/4,,T-034.524.680-1,Harbour Lights\n"
	"GBAYE6900002,1,1/3,,Low Tide\n"
	",0.6,,T-345.246.800-3,Northern Lines\n";

/* One statement line: work w, isrc/iswc (NULL: absent), side, share,
 * work_exact, exact, amount, in EUR, licence L. */
static json_t *line(const char *w, const char *isrc, const char *iswc,
		    const char *side, const char *share, const char *we,
		    const char *exact, const char *amount)
{
	json_t *l = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			      "licence", "L", "component", "usage", "side",
			      side, "share", share, "work_exact", we, "exact",
			      exact, "amount", amount, "currency", "EUR");

	assert_non_null(l);
	if (w)
		json_object_set_new(l, "work", json_string(w));
	if (isrc)
		json_object_set_new(l, "isrc", json_string(isrc));
	if (iswc)
		json_object_set_new(l, "iswc", json_string(iswc));
	return l;
}

/* A predicate of party id (payee: NULL for none) with the lines given
 * (stolen), NULL-terminated. */
static json_t *statement(const char *id, const char *payee, ...)
{
	json_t *p = json_object(), *party = json_object(), *lines = json_array();
	va_list ap;
	json_t *l;

	json_object_set_new(party, "id", json_string(id));
	if (payee)
		json_object_set_new(party, "payee", json_string(payee));
	va_start(ap, payee);
	while ((l = va_arg(ap, json_t *)) != NULL)
		json_array_append_new(lines, l);
	va_end(ap);
	json_object_set_new(p, "party", party);
	json_object_set_new(p, "lines", lines);
	json_object_set_new(p, "exclusions", json_array());
	return p;
}

struct fix {
	struct ll_catalog c;
	struct ll_recon r;
	struct ll_error err;
};

static enum ll_status reconcile(struct fix *f, const char *cat,
				json_t **preds, size_t n, bool strict)
{
	struct ll_recon_input in[4];
	size_t i;

	assert_true(n <= 4);
	ll_catalog_init(&f->c);
	ll_recon_init(&f->r);
	ll_error_clear(&f->err);
	assert_int_equal(ll_catalog_parse(&f->c, "cat.csv", cat, strlen(cat),
					  &f->err),
			 LL_OK);
	for (i = 0; i < n; i++) {
		in[i].name = i == 0 ? "a.dsse.json" : "b.dsse.json";
		in[i].predicate = preds[i];
	}
	return ll_reconcile(&f->r, &f->c, in, n, strict, &f->err);
}

static void release(struct fix *f, json_t **preds, size_t n)
{
	size_t i;

	ll_recon_release(&f->r);
	ll_catalog_release(&f->c);
	for (i = 0; i < n; i++)
		json_decref(preds[i]);
}

/* The number of findings of kind k; the last one in *out. */
static size_t count(const struct fix *f, enum ll_recon_kind k,
		    const struct ll_recon_finding **out)
{
	size_t i, n = 0;

	for (i = 0; i < f->r.n; i++) {
		if (f->r.v[i].kind == k) {
			n++;
			if (out)
				*out = &f->r.v[i];
		}
	}
	return n;
}

/* Lines whose every figure holds, the shares written otherwise than in
 * the catalogue ("0.75" for 3/4): nothing to report. */
static void test_reconcile_clean(void **state)
{
	struct fix f;
	json_t *p[1];

	(void)state;
	p[0] = statement("P-NW", NULL,
			 line("W1", "GBAYE6900001", "T-034.524.680-1",
			      "master", "0.75", "10", "15/2", "7.50"),
			 line("W2", "GBAYE6900002", NULL, "master", "1",
			      "1/3", "1/3", "0.34"),
			 line("W2", "GBAYE6900002", NULL, "publishing", "1/3",
			      "3", "1", "1.00"),
			 line("W3", NULL, "T-345.246.800-3", "master", "3/5",
			      "1", "3/5", "0.60"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, true), LL_OK);
	assert_int_equal(f.r.n, 0);
	assert_int_equal(f.r.discrepancies, 0);
	assert_int_equal(f.r.lines, 4);
	assert_int_equal(f.r.works_paid, 3);
	assert_string_equal(f.r.party, "P-NW");
	release(&f, p, 1);
}

static void test_reconcile_unknown_work(void **state)
{
	const struct ll_recon_finding *x = NULL;
	struct fix f;
	json_t *p[1];

	(void)state;
	p[0] = statement("P-NW", NULL,
			 line("W9", "GBAYE6900009", NULL, "master", "1", "1",
			      "1", "1.00"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, false), LL_OK);
	assert_int_equal(count(&f, LL_RECON_UNKNOWN_WORK, &x), 1);
	assert_true(x->discrepancy);
	assert_string_equal(x->isrc, "GBAYE6900009");
	assert_string_equal(x->work, "W9");
	assert_string_equal(x->statement, "a.dsse.json");
	/* the three catalogue works are missing, not discrepancies without
	 * --strict */
	assert_int_equal(count(&f, LL_RECON_MISSING_WORK, NULL), 3);
	assert_int_equal(f.r.discrepancies, 1);
	release(&f, p, 1);
}

/* A share that differs, once per work and side however many components
 * pay it; the catalogue's share given canonically. */
static void test_reconcile_share_mismatch(void **state)
{
	const struct ll_recon_finding *x = NULL;
	struct fix f;
	json_t *p[1];

	(void)state;
	p[0] = statement("P-NW", NULL,
			 line("W1", "GBAYE6900001", NULL, "master", "1/2",
			      "2", "1", "1.00"),
			 line("W1", "GBAYE6900001", NULL, "master", "1/2",
			      "4", "2", "2.00"),
			 line("W2", "GBAYE6900002", NULL, "master", "1", "1",
			      "1", "1.00"),
			 line("W3", NULL, "T-345.246.800-3", "master", "0.6",
			      "1", "3/5", "0.60"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, false), LL_OK);
	assert_int_equal(count(&f, LL_RECON_SHARE_MISMATCH, &x), 1);
	assert_true(x->discrepancy);
	assert_string_equal(x->isrc, "GBAYE6900001");
	assert_string_equal(x->side, "master");
	assert_string_equal(x->statement_share, "1/2");
	assert_string_equal(x->catalogue_share, "3/4");
	assert_string_equal(x->title, "Harbour Lights");
	assert_int_equal(f.r.n, 1);
	release(&f, p, 1);
}

/* The catalogue party paid a publishing share of a work whose catalogue
 * row leaves publishing empty: a share it does not hold. */
static void test_reconcile_extra_side(void **state)
{
	const struct ll_recon_finding *x = NULL;
	struct fix f;
	json_t *p[1];

	(void)state;
	p[0] = statement("P-NW", NULL,
			 line("W1", "GBAYE6900001", NULL, "master", "3/4",
			      "4", "3", "3.00"),
			 line("W1", "GBAYE6900001", NULL, "publishing", "1/2",
			      "4", "2", "2.00"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, false), LL_OK);
	assert_int_equal(count(&f, LL_RECON_SHARE_MISMATCH, &x), 1);
	assert_true(x->discrepancy);
	assert_string_equal(x->side, "publishing");
	assert_string_equal(x->statement_share, "1/2");
	assert_null(x->catalogue_share);
	assert_non_null(strstr(x->detail, "holds no publishing share"));
	assert_int_equal(f.r.discrepancies, 1);
	release(&f, p, 1);
}

/* share × work_exact that is not exact, and an amount that is not the
 * exact figure rounded (floor or floor + 1 minor unit). */
static void test_reconcile_arithmetic(void **state)
{
	const struct ll_recon_finding *x = NULL;
	struct fix f;
	json_t *p[1];

	(void)state;
	p[0] = statement("P-NW", NULL,
			 line("W1", "GBAYE6900001", NULL, "master", "3/4",
			      "4", "2", "2.00"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, false), LL_OK);
	assert_int_equal(count(&f, LL_RECON_ARITHMETIC, &x), 1);
	assert_true(x->discrepancy);
	assert_non_null(strstr(x->detail, "is not exact 2"));
	release(&f, p, 1);

	p[0] = statement("P-NW", NULL,
			 line("W1", "GBAYE6900001", NULL, "master", "3/4",
			      "1/3", "1/4", "0.24"),
			 line("W1", "GBAYE6900001", NULL, "master", "3/4",
			      "1/300", "1/400", "0.01"),
			 line("W1", "GBAYE6900001", NULL, "master", "3/4",
			      "1/300", "1/400", "0.00"),
			 line("W1", "GBAYE6900001", NULL, "master", "3/4",
			      "1/300", "1/400", "0.02"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, false), LL_OK);
	/* 0.24 for 1/4, and 0.02 for 1/400; 0.00 and 0.01 both round it */
	assert_int_equal(count(&f, LL_RECON_ARITHMETIC, NULL), 2);
	assert_non_null(strstr(f.r.v[0].detail, "line 0: amount 0.24"));
	assert_non_null(strstr(f.r.v[1].detail, "line 3: amount 0.02"));
	release(&f, p, 1);
}

/* A share that is not an exact number is one arithmetic finding, not
 * also a share_mismatch with a garbled detail. */
static void test_reconcile_bad_share_once(void **state)
{
	const struct ll_recon_finding *x = NULL;
	struct fix f;
	json_t *p[1];

	(void)state;
	p[0] = statement("P-NW", NULL,
			 line("W1", "GBAYE6900001", NULL, "master", "6/8",
			      "4", "3", "3.00"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, false), LL_OK);
	assert_int_equal(count(&f, LL_RECON_ARITHMETIC, &x), 1);
	assert_non_null(strstr(x->detail, "not a reduced fraction"));
	assert_int_equal(count(&f, LL_RECON_SHARE_MISMATCH, NULL), 0);
	release(&f, p, 1);
}

/* Works no line pays: the reasons the statements' exclusions give, else
 * "not used"; discrepancies only with strict. */
static void test_reconcile_missing_work(void **state)
{
	const struct ll_recon_finding *x = NULL;
	struct fix f;
	json_t *p[1], *ex;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		p[0] = statement("P-NW", NULL,
				 line("W1", "GBAYE6900001", NULL, "master",
				      "3/4", "4", "3", "3.00"),
				 line("W3", NULL, "T-345.246.800-3", "master",
				      "0.6", "1", "3/5", "0.60"),
				 NULL);
		ex = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "work",
			       "W2", "isrc", "GBAYE6900002", "reason",
			       "no_consent", "work", "W2", "isrc",
			       "GBAYE6900002", "reason", "opted_out");
		json_object_set_new(p[0], "exclusions", ex);
		assert_int_equal(reconcile(&f, catalogue, p, 1, i == 1),
				 LL_OK);
		assert_int_equal(count(&f, LL_RECON_MISSING_WORK, &x), 1);
		assert_int_equal(f.r.n, 1);
		assert_string_equal(x->isrc, "GBAYE6900002");
		assert_string_equal(x->reason, "no_consent, opted_out");
		assert_string_equal(x->catalogue_share,
				    "master 1, publishing 1/3");
		assert_int_equal(x->discrepancy, i == 1);
		assert_int_equal(f.r.discrepancies, i == 1 ? 1 : 0);
		release(&f, p, 1);
	}
	p[0] = statement("P-NW", NULL,
			 line("W1", "GBAYE6900001", NULL, "master", "3/4",
			      "4", "3", "3.00"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, false), LL_OK);
	assert_int_equal(count(&f, LL_RECON_MISSING_WORK, &x), 2);
	assert_string_equal(x->reason, "not used");
	assert_null(x->isrc);
	assert_string_equal(x->iswc, "T-345.246.800-3");
	release(&f, p, 1);
}

/* Matching by ISWC: a line without an ISRC matches the row of its ISWC;
 * a line with an ISRC matches by ISWC only a row that has no ISRC (two
 * recordings of one composition are two works). */
static void test_reconcile_iswc(void **state)
{
	const struct ll_recon_finding *x = NULL;
	struct fix f;
	json_t *p[1];

	(void)state;
	p[0] = statement("P-NW", NULL,
			 /* no ISRC: W1's row by its ISWC, written with
			  * other punctuation */
			 line("W1", NULL, "T0345246801", "master", "3/4", "4",
			      "3", "3.00"),
			 /* an ISRC not in the catalogue, W3's ISWC: W3's row
			  * has no ISRC, so it matches */
			 line("W3", "GBAYE6900003", "T-345.246.800-3",
			      "master", "3/5", "1", "3/5", "0.60"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, true), LL_OK);
	assert_int_equal(count(&f, LL_RECON_UNKNOWN_WORK, NULL), 0);
	assert_int_equal(count(&f, LL_RECON_MISSING_WORK, &x), 1);
	assert_string_equal(x->isrc, "GBAYE6900002");
	release(&f, p, 1);

	/* another recording (an ISRC not in the catalogue) of W1's
	 * composition: W1's row has an ISRC, so it is not that work */
	p[0] = statement("P-NW", NULL,
			 line("W7", "GBAYE6900007", "T-034.524.680-1",
			      "master", "3/4", "4", "3", "3.00"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, false), LL_OK);
	assert_int_equal(count(&f, LL_RECON_UNKNOWN_WORK, &x), 1);
	assert_string_equal(x->isrc, "GBAYE6900007");
	release(&f, p, 1);
}

/* A line of no work is information, not a discrepancy. */
static void test_reconcile_unallocated(void **state)
{
	const struct ll_recon_finding *x = NULL;
	struct fix f;
	json_t *p[1];

	(void)state;
	p[0] = statement("P-NW", NULL,
			 line(NULL, NULL, NULL, "master", "1", "5", "5",
			      "5.00"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 1, false), LL_OK);
	assert_int_equal(count(&f, LL_RECON_UNALLOCATED, &x), 1);
	assert_false(x->discrepancy);
	assert_int_equal(f.r.discrepancies, 0);
	release(&f, p, 1);
}

/* An artist paid to the label: its lines must be of catalogue works and
 * hold, but its share is its own, not held to the label's.  A party that
 * is neither the catalogue party nor paid to it is refused. */
static void test_reconcile_routed_and_unrelated(void **state)
{
	const struct ll_recon_finding *x = NULL;
	struct fix f;
	json_t *p[2];

	(void)state;
	p[0] = statement("P-NW", NULL,
			 line("W1", "GBAYE6900001", NULL, "master", "3/4",
			      "4", "3", "3.00"),
			 NULL);
	p[1] = statement("P-ADA", "P-NW",
			 line("W1", "GBAYE6900001", NULL, "master", "1/4",
			      "4", "1", "1.00"),
			 line("W9", "GBAYE6900009", NULL, "master", "1", "1",
			      "1", "1.00"),
			 NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 2, false), LL_OK);
	assert_string_equal(f.r.party, "P-NW");
	assert_int_equal(count(&f, LL_RECON_SHARE_MISMATCH, NULL), 0);
	assert_int_equal(count(&f, LL_RECON_UNKNOWN_WORK, &x), 1);
	assert_string_equal(x->party, "P-ADA");
	assert_string_equal(x->statement, "b.dsse.json");
	release(&f, p, 2);

	p[0] = statement("P-NW", NULL, NULL);
	p[1] = statement("P-PUB", NULL, NULL);
	assert_int_equal(reconcile(&f, catalogue, p, 2, false), LL_INVALID);
	assert_string_equal(f.err.source, "b.dsse.json");
	assert_non_null(strstr(f.err.text, "reconcile one party's statements"));
	release(&f, p, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reconcile_clean),
		cmocka_unit_test(test_reconcile_unknown_work),
		cmocka_unit_test(test_reconcile_share_mismatch),
		cmocka_unit_test(test_reconcile_extra_side),
		cmocka_unit_test(test_reconcile_arithmetic),
		cmocka_unit_test(test_reconcile_bad_share_once),
		cmocka_unit_test(test_reconcile_missing_work),
		cmocka_unit_test(test_reconcile_iswc),
		cmocka_unit_test(test_reconcile_unallocated),
		cmocka_unit_test(test_reconcile_routed_and_unrelated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_report.c — unit tests for the report model and its backends
 * (report.h): running balances and totals per currency, the --period
 * filter, overflow and bad currencies refused, and each format: text
 * within 80 columns with hostile titles, CSV quoting, the JSON schema,
 * HTML escaping and self-containment; an oracle over random ledgers
 * checks the balance equation and the closing balance against a plain
 * sum.
 *
 * Design decision: models are built by hand here, with no database, so
 * each figure the backends print is known in advance.
 */
#include "unit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/buf.h"
#include "ledgerline/report.h"
#include "ledgerline/status.h"

static const char evil[] = "<script>alert(1)</script> & \"Harbour\", "
			   "Lights\nwith a very long title that goes on "
			   "and on \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 well "
			   "past eighty columns of any terminal";

static void period_of(char *period, char *first, char *last, int month)
{
	snprintf(period, LL_REPORT_PERIOD_SIZE, "2026-%02d", month);
	snprintf(first, LL_REPORT_DATE_SIZE, "2026-%02d-01", month);
	snprintf(last, LL_REPORT_DATE_SIZE, "2026-%02d-28", month);
}

static void add_line(struct ll_report *r, int month, const char *work,
		     const char *title, const char *component,
		     const char *currency, int64_t amount)
{
	struct ll_report_line *l = ll_report_add_line(r);

	assert_non_null(l);
	period_of(l->period, l->first, l->last, month);
	snprintf(l->licensee, sizeof(l->licensee), "%s", "P-AI");
	snprintf(l->licence, sizeof(l->licence), "%s", "L-2026-NW");
	snprintf(l->work, sizeof(l->work), "%s", work);
	snprintf(l->isrc, sizeof(l->isrc), "%s", work[0] ? "GBAYE6900001" : "");
	snprintf(l->title, sizeof(l->title), "%s", title);
	snprintf(l->component, sizeof(l->component), "%s", component);
	snprintf(l->side, sizeof(l->side), "%s", work[0] ? "master" : "");
	snprintf(l->currency, sizeof(l->currency), "%s", currency);
	l->amount = amount;
}

static void add_event(struct ll_report *r, int month, int64_t posting,
		      enum ll_report_event_kind kind, const char *currency,
		      int64_t earned, int64_t adj, int64_t paid, int64_t ret)
{
	struct ll_report_event *e = ll_report_add_event(r);

	assert_non_null(e);
	period_of(e->period, e->first, e->last, month);
	snprintf(e->licensee, sizeof(e->licensee), "%s", "P-AI");
	snprintf(e->made, sizeof(e->made), "%s", "2026-12-06");
	snprintf(e->currency, sizeof(e->currency), "%s", currency);
	e->posting_id = posting;
	e->kind = kind;
	e->earned = earned;
	e->adjustments = adj;
	e->payments = paid;
	e->returned = ret;
}

static void add_payment(struct ll_report *r, int month, int64_t posting,
			const char *currency, int64_t amount, int returned)
{
	struct ll_report_payment *p = ll_report_add_payment(r);

	assert_non_null(p);
	period_of(p->period, p->first, p->last, month);
	snprintf(p->licensee, sizeof(p->licensee), "%s", "P-AI");
	snprintf(p->end_to_end_id, sizeof(p->end_to_end_id),
		 "LL%032" PRId64, posting);
	snprintf(p->payee, sizeof(p->payee), "%s", "P-NW");
	snprintf(p->currency, sizeof(p->currency), "%s", currency);
	p->posting_id = posting;
	p->amount = amount;
	p->returned = returned;
}

static void add_adjustment(struct ll_report *r, int64_t posting,
			   int64_t previous, int64_t now)
{
	struct ll_report_adjustment *a = ll_report_add_adjustment(r);

	assert_non_null(a);
	period_of(a->period, a->first, a->last, 7);
	snprintf(a->licensee, sizeof(a->licensee), "%s", "P-AI");
	snprintf(a->made, sizeof(a->made), "%s", "2026-12-07");
	snprintf(a->licence, sizeof(a->licence), "%s", "L-2026-NW");
	snprintf(a->work, sizeof(a->work), "%s", "W-0001");
	snprintf(a->title, sizeof(a->title), "%s", evil);
	snprintf(a->component, sizeof(a->component), "%s", "usage");
	snprintf(a->side, sizeof(a->side), "%s", "master");
	snprintf(a->currency, sizeof(a->currency), "%s", "EUR");
	a->posting_id = posting;
	a->previous = previous;
	a->now = now;
}

/* July posted, paid, August posted, July restated, the July payment
 * returned; a JPY licence beside. */
static void sample(struct ll_report *r)
{
	ll_report_init(r);
	snprintf(r->party, sizeof(r->party), "%s", "P-ADA");
	snprintf(r->name, sizeof(r->name), "%s", "Ada Strings");
	add_line(r, 7, "W-0001", evil, "training", "EUR", 1000);
	add_line(r, 7, "W-0003", "Northern Lines", "usage", "EUR", 250);
	add_line(r, 7, "", "", "unallocated", "EUR", 5);
	add_line(r, 8, "W-0001", evil, "minimum_guarantee", "EUR", 700);
	add_line(r, 8, "W-0003", "Northern Lines", "training", "JPY", 1234);
	add_event(r, 7, 1, LL_REPORT_POSTING, "EUR", 1200, 0, 1200, 0);
	add_event(r, 8, 2, LL_REPORT_POSTING, "EUR", 700, 0, 700, 0);
	add_event(r, 8, 2, LL_REPORT_POSTING, "JPY", 1234, 0, 0, 0);
	add_event(r, 7, 3, LL_REPORT_RESTATEMENT, "EUR", 1255, -1200, 55, 0);
	add_event(r, 7, 1, LL_REPORT_RETURN, "EUR", 0, 0, 0, 1200);
	add_payment(r, 7, 1, "EUR", 1200, 1);
	add_payment(r, 8, 2, "EUR", 700, 0);
	add_payment(r, 7, 3, "EUR", 55, 0);
	add_adjustment(r, 3, 1000, 1055);
}

static char *write(const struct ll_report *r, const char *format)
{
	struct ll_buf b = LL_BUF_INIT;
	struct ll_error err;

	ll_error_clear(&err);
	assert_int_equal(ll_report_write(r, format, &b, &err), LL_OK);
	assert_non_null(b.s);
	return b.s;
}

static const struct ll_report_total *total(const struct ll_report *r,
					   const char *currency)
{
	size_t i;

	for (i = 0; i < r->n_totals; i++)
		if (strcmp(r->totals[i].currency, currency) == 0)
			return &r->totals[i];
	fail_msg("no total in %s", currency);
	return NULL;
}

static void test_balances_and_totals(void **state)
{
	struct ll_report r;
	struct ll_error err;
	const struct ll_report_total *t;

	(void)state;
	sample(&r);
	ll_report_filter(&r, NULL, NULL, NULL);
	ll_error_clear(&err);
	assert_int_equal(ll_report_finish(&r, &err), LL_OK);
	/* EUR steps: 0 -> 0 (paid) -> 0 -> 0 (restated 1255 - 1200, paid
	 * 55) -> 1200 (returned) */
	assert_int_equal(r.events[0].closing, 0);
	assert_int_equal(r.events[3].opening, 0);
	assert_int_equal(r.events[3].closing, 0);
	assert_int_equal(r.events[4].opening, 0);
	assert_int_equal(r.events[4].closing, 1200);
	assert_int_equal(r.events[2].closing, 1234);	/* JPY apart */
	assert_int_equal(r.n_totals, 2);
	t = total(&r, "EUR");
	assert_int_equal(t->opening, 0);
	assert_int_equal(t->earned, 1200 + 700 + 1255);
	assert_int_equal(t->adjustments, -1200);
	assert_int_equal(t->paid, 1200 + 700 + 55 - 1200);
	assert_int_equal(t->closing, 1200);
	assert_int_equal(t->opening + t->earned + t->adjustments - t->paid,
			 t->closing);
	assert_int_equal(t->in_force, 1000 + 250 + 5 + 700);
	t = total(&r, "JPY");
	assert_int_equal(t->closing, 1234);
	assert_int_equal(t->in_force, 1234);
	ll_report_release(&r);
}

static void test_period_filter(void **state)
{
	struct ll_report r;
	struct ll_error err;
	const struct ll_report_total *t;
	char *s;

	(void)state;
	sample(&r);
	ll_report_filter(&r, "2026-08", "2026-08-01", "2026-08-31");
	ll_error_clear(&err);
	assert_int_equal(ll_report_finish(&r, &err), LL_OK);
	assert_false(r.lines[0].in_range);
	assert_true(r.lines[3].in_range);
	assert_false(r.events[0].in_range);
	assert_true(r.events[1].in_range);
	t = total(&r, "EUR");
	/* the August step opens where July's first step closed */
	assert_int_equal(t->opening, 0);
	assert_int_equal(t->earned, 700);
	assert_int_equal(t->paid, 700);
	assert_int_equal(t->closing, 0);
	assert_int_equal(t->in_force, 700);
	s = write(&r, "json");
	assert_null(strstr(s, "\"2026-07\""));
	assert_non_null(strstr(s, "\"period\": \"2026-08\""));
	free(s);
	ll_report_release(&r);
}

static void test_refusals(void **state)
{
	struct ll_report r;
	struct ll_error err;
	struct ll_buf b = LL_BUF_INIT;
	int i;

	(void)state;
	sample(&r);
	r.events[1].earned = INT64_MAX;
	ll_report_filter(&r, NULL, NULL, NULL);
	ll_error_clear(&err);
	assert_int_equal(ll_report_finish(&r, &err), LL_INTERNAL);
	ll_report_release(&r);

	sample(&r);
	snprintf(r.lines[0].currency, sizeof(r.lines[0].currency), "%s", "EUX");
	ll_report_filter(&r, NULL, NULL, NULL);
	ll_error_clear(&err);
	assert_int_equal(ll_report_finish(&r, &err), LL_INVALID);
	assert_non_null(strstr(err.text, "EUX"));
	ll_report_release(&r);

	ll_report_init(&r);
	for (i = 0; i <= LL_REPORT_CURRENCIES_MAX; i++) {
		static const char *const cur[] = {
			"EUR", "USD", "JPY", "GBP", "CHF", "SEK", "NOK",
			"DKK", "PLN", "CZK", "HUF", "RON", "CAD", "AUD",
			"NZD", "MXN", "BRL" };

		add_event(&r, 7, i + 1, LL_REPORT_POSTING, cur[i], 1, 0, 0, 0);
	}
	ll_report_filter(&r, NULL, NULL, NULL);
	ll_error_clear(&err);
	assert_int_equal(ll_report_finish(&r, &err), LL_INVALID);
	ll_error_clear(&err);
	assert_int_equal(ll_report_write(&r, "pdf", &b, &err), LL_USAGE);
	assert_false(ll_report_format_known("pdf"));
	assert_true(ll_report_format_known("html"));
	ll_report_release(&r);
}

static void finished(struct ll_report *r)
{
	struct ll_error err;

	sample(r);
	ll_report_filter(r, NULL, NULL, NULL);
	ll_error_clear(&err);
	assert_int_equal(ll_report_finish(r, &err), LL_OK);
}

static void test_text_80_columns(void **state)
{
	struct ll_report r;
	char *s, *line, *next;
	size_t cps;

	(void)state;
	finished(&r);
	s = write(&r, "text");
	for (line = s; *line; line = next) {
		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		for (cps = 0; *line; line++) {
			assert_true((unsigned char)*line >= 0x20);
			if (((unsigned char)*line & 0xC0) != 0x80)
				cps++;
		}
		assert_true(cps <= 80);
		assert_true(line == s || line[-1] != ' ');
	}
	free(s);
	s = write(&r, "text");
	assert_non_null(strstr(s, "<script>alert(1)</script> & \"Harbour\", "
				  "Lights?with"));
	assert_non_null(strstr(s, ".."));
	assert_non_null(strstr(s, "\n  EUR        0.00       31.55      -12.00"
				  "        7.55       12.00       19.55\n"));
	assert_non_null(strstr(s, "\n  JPY           0        1234           0"
				  "           0        1234        1234\n"));
	assert_non_null(strstr(s, "returned by the bank"));
	assert_non_null(strstr(s, "restatement"));
	assert_non_null(strstr(s, "restated by posting #3 on 2026-12-07"));
	assert_non_null(strstr(s, "\n      was         10.00  now         10.55"
				  "  adjustment          0.55\n"));
	free(s);
	ll_report_release(&r);
}

static void test_csv(void **state)
{
	struct ll_report r;
	char *s;

	(void)state;
	finished(&r);
	s = write(&r, "csv");
	assert_memory_equal(s, "section,period,period_first,period_last,"
			       "licensee,posting,date,licence,work,isrc,"
			       "title,component,side,currency,amount,",
			    94);
	assert_non_null(strstr(s, ",\"<script>alert(1)</script> & "
				  "\"\"Harbour\"\", Lights\nwith a very"));
	assert_non_null(strstr(s, "\nline,2026-07,2026-07-01,2026-07-28,P-AI,"
				  ",,L-2026-NW,,,,unallocated,,EUR,0.05,"
				  ",,,,,,,,,\n"));
	assert_non_null(strstr(s, "\nrestatement,2026-07,2026-07-01,"
				  "2026-07-28,P-AI,3,2026-12-06,,,,,,,EUR,"
				  "0.00,0.00,12.55,-12.00,0.55,0.00,0.00,,,,\n"));
	assert_non_null(strstr(s, "\npayment_returned,2026-07,"));
	assert_non_null(strstr(s, ",usage,master,EUR,0.55,,,,,,,,,10.00,"
				  "10.55\n"));
	assert_non_null(strstr(s, "\ntotal,,,,,,,,,,,,,EUR,19.55,0.00,31.55,"
				  "-12.00,7.55,,12.00,,,,\n"));
	assert_non_null(strstr(s, "\ntotal,,,,,,,,,,,,,JPY,1234,0,1234,0,0,,"
				  "1234,,,,\n"));
	free(s);
	ll_report_release(&r);
}

static void test_json_schema(void **state)
{
	struct ll_report r;
	json_error_t jerr;
	json_t *doc, *t;
	char *s;

	(void)state;
	finished(&r);
	s = write(&r, "json");
	doc = json_loads(s, 0, &jerr);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "report")),
			    "ledgerline-report/1");
	assert_true(json_is_null(json_object_get(doc, "period")));
	assert_int_equal(json_array_size(json_object_get(doc, "lines")), 5);
	assert_int_equal(json_array_size(json_object_get(doc, "balance")), 5);
	assert_int_equal(json_array_size(json_object_get(doc, "payments")), 3);
	t = json_array_get(json_object_get(doc, "totals"), 0);
	assert_string_equal(json_string_value(json_object_get(t, "closing")),
			    "12.00");
	t = json_array_get(json_object_get(doc, "lines"), 2);
	assert_true(json_is_null(json_object_get(t, "work")));
	assert_true(json_is_null(json_object_get(t, "side")));
	assert_string_equal(json_string_value(json_object_get(t, "amount")),
			    "0.05");
	t = json_array_get(json_object_get(doc, "lines"), 0);
	assert_string_equal(json_string_value(json_object_get(t, "title")),
			    evil);
	t = json_array_get(json_object_get(doc, "balance"), 3);
	assert_string_equal(json_string_value(json_object_get(t, "kind")),
			    "restatement");
	assert_int_equal(json_integer_value(json_object_get(t, "posting")), 3);
	t = json_array_get(json_object_get(doc, "payments"), 0);
	assert_true(json_is_true(json_object_get(t, "returned")));
	t = json_array_get(json_object_get(doc, "adjustments"), 0);
	assert_string_equal(json_string_value(json_object_get(t,
							      "adjustment")),
			    "0.55");
	assert_string_equal(json_string_value(json_object_get(t, "date")),
			    "2026-12-07");
	json_decref(doc);
	free(s);
	ll_report_release(&r);
}

static void test_html_escaped_and_self_contained(void **state)
{
	struct ll_report r;
	char *s;

	(void)state;
	finished(&r);
	s = write(&r, "html");
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "http"));
	assert_null(strstr(s, "//"));
	assert_null(strstr(s, "url("));
	assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt; "
				  "&amp; &quot;Harbour&quot;, Lights"));
	assert_non_null(strstr(s, "<meta name=\"viewport\""));
	assert_non_null(strstr(s, "<h2>Earnings per period (EUR)</h2>"));
	assert_non_null(strstr(s, "<h2>Top works (JPY)</h2>"));
	assert_non_null(strstr(s, "minimum_guarantee"));
	assert_non_null(strstr(s, "<svg"));
	assert_non_null(strstr(s, "<td class=\"n\">0.55</td>"));
	assert_non_null(strstr(s, "</html>\n"));
	free(s);
	ll_report_release(&r);
}

/* Random ledgers: each step's equation, each step opening at the last
 * closing, and the final closing = the plain sum of every movement. */
static void test_oracle_random(void **state)
{
	struct ll_report r;
	struct ll_error err;
	unsigned seed = 12345;
	int round, i, n;

	(void)state;
	for (round = 0; round < 200; round++) {
		int64_t sum = 0;

		ll_report_init(&r);
		n = 1 + (int)(rand_r(&seed) % 40);
		for (i = 0; i < n; i++) {
			int64_t e = rand_r(&seed) % 100000;
			int64_t a = -(int64_t)(rand_r(&seed) % 50000);
			int64_t p = rand_r(&seed) % 100000;
			int64_t t = rand_r(&seed) % 3 ? 0 : p;

			add_event(&r, 1 + i % 12, i + 1, LL_REPORT_POSTING,
				  "EUR", e, a, p, t);
			sum += e + a - p + t;
		}
		ll_report_filter(&r, NULL, NULL, NULL);
		ll_error_clear(&err);
		assert_int_equal(ll_report_finish(&r, &err), LL_OK);
		for (i = 0; i < n; i++) {
			const struct ll_report_event *e = &r.events[i];

			assert_int_equal(e->opening + e->earned +
						 e->adjustments - e->payments +
						 e->returned,
					 e->closing);
			if (i)
				assert_int_equal(e->opening,
						 r.events[i - 1].closing);
		}
		assert_int_equal(r.totals[0].closing, sum);
		ll_report_release(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_balances_and_totals),
		cmocka_unit_test(test_period_filter),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_text_80_columns),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json_schema),
		cmocka_unit_test(test_html_escaped_and_self_contained),
		cmocka_unit_test(test_oracle_random),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}

/*
 * report.c — a party's earnings report (report.h): the model's arrays,
 * the --period filter, running balances and totals, and the CSV and
 * JSON backends; the text format is report_text.c's, the HTML page
 * report_html.c's.
 *
 * Design decision: money is printed by one function (ll_report_money),
 * from integer minor units and the currency's ISO 4217 exponent, so every
 * backend prints the same digits as statements and payout files do.
 */
#include "ledgerline/report.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/ident.h"
#include "report_internal.h"

void ll_report_init(struct ll_report *r)
{
	memset(r, 0, sizeof(*r));
}

void ll_report_release(struct ll_report *r)
{
	free(r->lines);
	free(r->events);
	free(r->payments);
	free(r->adjustments);
	ll_report_init(r);
}

/* Grow *v (n elements of size sz) by one zeroed element. */
static void *grow(void **v, size_t *n, size_t sz)
{
	char *p = realloc(*v, (*n + 1) * sz);

	if (!p)
		return NULL;
	*v = p;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

struct ll_report_line *ll_report_add_line(struct ll_report *r)
{
	return grow((void **)&r->lines, &r->n_lines, sizeof(*r->lines));
}

struct ll_report_event *ll_report_add_event(struct ll_report *r)
{
	return grow((void **)&r->events, &r->n_events, sizeof(*r->events));
}

struct ll_report_payment *ll_report_add_payment(struct ll_report *r)
{
	return grow((void **)&r->payments, &r->n_payments,
		    sizeof(*r->payments));
}

struct ll_report_adjustment *ll_report_add_adjustment(struct ll_report *r)
{
	return grow((void **)&r->adjustments, &r->n_adjustments,
		    sizeof(*r->adjustments));
}

void ll_report_money(char out[LL_REPORT_MONEY_SIZE], int64_t minor,
		     const char *currency)
{
	char digits[24];
	uint64_t m = minor < 0 ? (uint64_t)0 - (uint64_t)minor
			       : (uint64_t)minor;
	int e = ll_currency_exponent(currency), n;

	if (e < 0)
		e = 0;
	n = snprintf(digits, sizeof(digits), "%0*" PRIu64, e + 1, m);
	assert(n > e && n < (int)sizeof(digits));
	if (e == 0)
		snprintf(out, LL_REPORT_MONEY_SIZE, "%s%s",
			 minor < 0 ? "-" : "", digits);
	else
		snprintf(out, LL_REPORT_MONEY_SIZE, "%s%.*s.%s",
			 minor < 0 ? "-" : "", n - e, digits, digits + n - e);
}

const char *ll_report_kind_name(enum ll_report_event_kind k)
{
	switch (k) {
	case LL_REPORT_POSTING:
		return "posting";
	case LL_REPORT_RESTATEMENT:
		return "restatement";
	case LL_REPORT_RETURN:
		return "return";
	}
	return "?";
}

/* ---- filter, balances, totals ------------------------------------------ */

static int within(const char *first, const char *last, const char *f,
		  const char *l)
{
	return !f || (strcmp(first, f) >= 0 && strcmp(last, l) <= 0);
}

void ll_report_filter(struct ll_report *r, const char *label,
		      const char *first, const char *last)
{
	size_t i;

	assert(!first || last);
	ll_str_copy_cut(r->period, sizeof(r->period), first ? label : "");
	ll_str_copy_cut(r->first, sizeof(r->first), first ? first : "");
	ll_str_copy_cut(r->last, sizeof(r->last), first ? last : "");
	for (i = 0; i < r->n_lines; i++)
		r->lines[i].in_range = within(r->lines[i].first,
					      r->lines[i].last, first, last);
	for (i = 0; i < r->n_events; i++)
		r->events[i].in_range = within(r->events[i].first,
					       r->events[i].last, first, last);
	for (i = 0; i < r->n_payments; i++)
		r->payments[i].in_range = within(r->payments[i].first,
						 r->payments[i].last, first,
						 last);
	for (i = 0; i < r->n_adjustments; i++)
		r->adjustments[i].in_range = within(r->adjustments[i].first,
						    r->adjustments[i].last,
						    first, last);
}

/* The total of currency, added when new; LL_INVALID for an unknown
 * currency or one too many. */
static enum ll_status total_of(struct ll_report *r, const char *currency,
			       struct ll_report_total **t,
			       struct ll_error *err)
{
	size_t i;

	if (ll_currency_exponent(currency) < 0)
		return ll_error_set(err, LL_INVALID, NULL, 0, "currency",
				    "unknown currency \"%.8s\" in the ledger",
				    currency);
	for (i = 0; i < r->n_totals; i++) {
		if (strcmp(r->totals[i].currency, currency) == 0) {
			*t = &r->totals[i];
			return LL_OK;
		}
	}
	if (r->n_totals == LL_REPORT_CURRENCIES_MAX)
		return ll_error_set(err, LL_INVALID, NULL, 0, "currency",
				    "more than %d currencies",
				    LL_REPORT_CURRENCIES_MAX);
	*t = &r->totals[r->n_totals++];
	memset(*t, 0, sizeof(**t));
	ll_str_copy_cut((*t)->currency, sizeof((*t)->currency), currency);
	return LL_OK;
}

/* *acc += v, or 0 when that would overflow. */
static int add(int64_t *acc, int64_t v)
{
	return !__builtin_add_overflow(*acc, v, acc);
}

/* One step: its balances from the currency's running balance *bal. */
static enum ll_status step(struct ll_report_event *ev, int64_t *bal,
			   struct ll_error *err)
{
	int64_t c = *bal;

	ev->opening = c;
	if (!add(&c, ev->earned) || !add(&c, ev->adjustments) ||
	    !add(&c, ev->returned) || ev->payments == INT64_MIN ||
	    !add(&c, -ev->payments))
		return ll_error_set(err, LL_INTERNAL, NULL, 0, "balance",
				    "balance of posting %" PRId64
				    " out of range", ev->posting_id);
	ev->closing = c;
	*bal = c;
	return LL_OK;
}

static enum ll_status finish_events(struct ll_report *r, struct ll_error *err)
{
	int64_t bal[LL_REPORT_CURRENCIES_MAX] = { 0 };
	int seen[LL_REPORT_CURRENCIES_MAX] = { 0 };
	struct ll_report_total *t;
	enum ll_status rc;
	size_t i, k;

	for (i = 0; i < r->n_events; i++) {
		struct ll_report_event *ev = &r->events[i];

		rc = total_of(r, ev->currency, &t, err);
		if (rc != LL_OK)
			return rc;
		k = (size_t)(t - r->totals);
		rc = step(ev, &bal[k], err);
		if (rc != LL_OK)
			return rc;
		if (!ev->in_range)
			continue;
		if (!seen[k]++)
			t->opening = ev->opening;
		t->closing = ev->closing;
		if (!add(&t->earned, ev->earned) ||
		    !add(&t->adjustments, ev->adjustments) ||
		    !add(&t->paid, ev->payments) ||
		    !add(&t->paid, -ev->returned))
			return ll_error_set(err, LL_INTERNAL, NULL, 0,
					    "total", "total out of range");
	}
	return LL_OK;
}

enum ll_status ll_report_finish(struct ll_report *r, struct ll_error *err)
{
	struct ll_report_total *t;
	enum ll_status rc;
	size_t i;

	r->n_totals = 0;
	rc = finish_events(r, err);
	for (i = 0; rc == LL_OK && i < r->n_lines; i++) {
		if (!r->lines[i].in_range)
			continue;
		rc = total_of(r, r->lines[i].currency, &t, err);
		if (rc == LL_OK && !add(&t->in_force, r->lines[i].amount))
			rc = ll_error_set(err, LL_INTERNAL, NULL, 0, "total",
					  "total out of range");
	}
	for (i = 0; rc == LL_OK && i < r->n_payments; i++)
		rc = total_of(r, r->payments[i].currency, &t, err);
	for (i = 0; rc == LL_OK && i < r->n_adjustments; i++) {
		const struct ll_report_adjustment *a = &r->adjustments[i];
		int64_t d;

		rc = total_of(r, a->currency, &t, err);
		if (rc == LL_OK && __builtin_sub_overflow(a->now, a->previous, &d))
			rc = ll_error_set(err, LL_INTERNAL, NULL, 0,
					  "adjustment", "adjustment out of range");
	}
	return rc;
}

/* ---- CSV: one table, a section column (RFC 4180 quoting) --------------- */

enum {
	CSV_SECTION, CSV_PERIOD, CSV_FIRST, CSV_LAST, CSV_LICENSEE,
	CSV_POSTING, CSV_DATE, CSV_LICENCE, CSV_WORK, CSV_ISRC, CSV_TITLE,
	CSV_COMPONENT, CSV_SIDE, CSV_CURRENCY, CSV_AMOUNT, CSV_OPENING,
	CSV_EARNED, CSV_ADJUSTMENTS, CSV_PAYMENTS, CSV_RETURNED, CSV_CLOSING,
	CSV_E2E, CSV_PAYEE, CSV_PREVIOUS, CSV_NOW, CSV_COLS
};

static const char csv_header[] =
	"section,period,period_first,period_last,licensee,posting,date,"
	"licence,work,isrc,title,component,side,currency,amount,opening,"
	"earned,adjustments,payments,returned,closing,end_to_end_id,payee,"
	"previous,now\n";

static void csv_field(struct ll_buf *b, const char *s, int last)
{
	const char *p;

	if (!strpbrk(s, ",\"\r\n")) {
		ll_buf_str(b, s);
	} else {
		ll_buf_str(b, "\"");
		for (p = s; *p; p++)
			ll_buf_add(b, *p == '"' ? "\"\"" : p, 1 + (*p == '"'));
		ll_buf_str(b, "\"");
	}
	ll_buf_str(b, last ? "\n" : ",");
}

static void csv_row(struct ll_buf *b, const char *const v[CSV_COLS])
{
	size_t i;

	for (i = 0; i < CSV_COLS; i++)
		csv_field(b, v[i] ? v[i] : "", i + 1 == CSV_COLS);
}

static void csv_lines(const struct ll_report *r, struct ll_buf *b)
{
	char m[LL_REPORT_MONEY_SIZE];
	size_t i;

	for (i = 0; i < r->n_lines; i++) {
		const struct ll_report_line *l = &r->lines[i];
		const char *v[CSV_COLS] = { 0 };

		if (!l->in_range)
			continue;
		ll_report_money(m, l->amount, l->currency);
		v[CSV_SECTION] = "line";
		v[CSV_PERIOD] = l->period;
		v[CSV_FIRST] = l->first;
		v[CSV_LAST] = l->last;
		v[CSV_LICENSEE] = l->licensee;
		v[CSV_LICENCE] = l->licence;
		v[CSV_WORK] = l->work;
		v[CSV_ISRC] = l->isrc;
		v[CSV_TITLE] = l->title;
		v[CSV_COMPONENT] = l->component;
		v[CSV_SIDE] = l->side;
		v[CSV_CURRENCY] = l->currency;
		v[CSV_AMOUNT] = m;
		csv_row(b, v);
	}
}

static void csv_adjustment(const struct ll_report_adjustment *a,
			   struct ll_buf *b)
{
	char m[3][LL_REPORT_MONEY_SIZE], id[24];
	const char *v[CSV_COLS] = { 0 };

	snprintf(id, sizeof(id), "%" PRId64, a->posting_id);
	ll_report_money(m[0], a->now - a->previous, a->currency);
	ll_report_money(m[1], a->previous, a->currency);
	ll_report_money(m[2], a->now, a->currency);
	v[CSV_SECTION] = "adjustment";
	v[CSV_PERIOD] = a->period;
	v[CSV_FIRST] = a->first;
	v[CSV_LAST] = a->last;
	v[CSV_LICENSEE] = a->licensee;
	v[CSV_POSTING] = id;
	v[CSV_DATE] = a->made;
	v[CSV_LICENCE] = a->licence;
	v[CSV_WORK] = a->work;
	v[CSV_ISRC] = a->isrc;
	v[CSV_TITLE] = a->title;
	v[CSV_COMPONENT] = a->component;
	v[CSV_SIDE] = a->side;
	v[CSV_CURRENCY] = a->currency;
	v[CSV_AMOUNT] = m[0];
	v[CSV_PREVIOUS] = m[1];
	v[CSV_NOW] = m[2];
	csv_row(b, v);
}

static void csv_event(const struct ll_report_event *e, struct ll_buf *b)
{
	char m[7][LL_REPORT_MONEY_SIZE], id[24];
	const char *v[CSV_COLS] = { 0 };

	snprintf(id, sizeof(id), "%" PRId64, e->posting_id);
	ll_report_money(m[0], e->closing - e->opening, e->currency);
	ll_report_money(m[1], e->opening, e->currency);
	ll_report_money(m[2], e->earned, e->currency);
	ll_report_money(m[3], e->adjustments, e->currency);
	ll_report_money(m[4], e->payments, e->currency);
	ll_report_money(m[5], e->returned, e->currency);
	ll_report_money(m[6], e->closing, e->currency);
	v[CSV_SECTION] = ll_report_kind_name(e->kind);
	v[CSV_PERIOD] = e->period;
	v[CSV_FIRST] = e->first;
	v[CSV_LAST] = e->last;
	v[CSV_LICENSEE] = e->licensee;
	v[CSV_POSTING] = id;
	v[CSV_DATE] = e->made;
	v[CSV_CURRENCY] = e->currency;
	v[CSV_AMOUNT] = m[0];
	v[CSV_OPENING] = m[1];
	v[CSV_EARNED] = m[2];
	v[CSV_ADJUSTMENTS] = m[3];
	v[CSV_PAYMENTS] = m[4];
	v[CSV_RETURNED] = m[5];
	v[CSV_CLOSING] = m[6];
	csv_row(b, v);
}

static void csv_payment(const struct ll_report_payment *p, struct ll_buf *b)
{
	char m[LL_REPORT_MONEY_SIZE], id[24];
	const char *v[CSV_COLS] = { 0 };

	snprintf(id, sizeof(id), "%" PRId64, p->posting_id);
	ll_report_money(m, p->amount, p->currency);
	v[CSV_SECTION] = p->returned ? "payment_returned" : "payment";
	v[CSV_PERIOD] = p->period;
	v[CSV_FIRST] = p->first;
	v[CSV_LAST] = p->last;
	v[CSV_LICENSEE] = p->licensee;
	v[CSV_POSTING] = id;
	v[CSV_CURRENCY] = p->currency;
	v[CSV_AMOUNT] = m;
	v[CSV_E2E] = p->end_to_end_id;
	v[CSV_PAYEE] = p->payee;
	csv_row(b, v);
}

static void csv_total(const struct ll_report *r,
		      const struct ll_report_total *t, struct ll_buf *b)
{
	char m[6][LL_REPORT_MONEY_SIZE];
	const char *v[CSV_COLS] = { 0 };

	ll_report_money(m[5], t->in_force, t->currency);
	ll_report_money(m[0], t->earned, t->currency);
	ll_report_money(m[1], t->adjustments, t->currency);
	ll_report_money(m[2], t->paid, t->currency);
	ll_report_money(m[3], t->opening, t->currency);
	ll_report_money(m[4], t->closing, t->currency);
	v[CSV_SECTION] = "total";
	v[CSV_PERIOD] = r->period;
	v[CSV_FIRST] = r->first;
	v[CSV_LAST] = r->last;
	v[CSV_CURRENCY] = t->currency;
	v[CSV_AMOUNT] = m[5];
	v[CSV_EARNED] = m[0];
	v[CSV_ADJUSTMENTS] = m[1];
	v[CSV_PAYMENTS] = m[2];
	v[CSV_OPENING] = m[3];
	v[CSV_CLOSING] = m[4];
	csv_row(b, v);
}

static void write_csv(const struct ll_report *r, struct ll_buf *b)
{
	size_t i;

	ll_buf_str(b, csv_header);
	csv_lines(r, b);
	for (i = 0; i < r->n_events; i++) {
		if (r->events[i].in_range)
			csv_event(&r->events[i], b);
	}
	for (i = 0; i < r->n_adjustments; i++) {
		if (r->adjustments[i].in_range)
			csv_adjustment(&r->adjustments[i], b);
	}
	for (i = 0; i < r->n_payments; i++) {
		if (r->payments[i].in_range)
			csv_payment(&r->payments[i], b);
	}
	for (i = 0; i < r->n_totals; i++)
		csv_total(r, &r->totals[i], b);
}

/* ---- JSON (schema: docs/report.md) -------------------------------------- */

static json_t *jmoney(int64_t v, const char *currency)
{
	char m[LL_REPORT_MONEY_SIZE];

	ll_report_money(m, v, currency);
	return json_string(m);
}

/* "" as null. */
static const char *opt(const char *s)
{
	return s[0] ? s : NULL;
}

static json_t *json_lines(const struct ll_report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < r->n_lines; i++) {
		const struct ll_report_line *l = &r->lines[i];

		if (!l->in_range)
			continue;
		if (json_array_append_new(a, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s?,"
			" s:s, s:o}",
			"period", l->period, "period_first", l->first,
			"period_last", l->last, "licensee", l->licensee,
			"licence", l->licence, "work", opt(l->work),
			"isrc", opt(l->isrc), "title", opt(l->title),
			"component", l->component, "side", opt(l->side),
			"currency", l->currency,
			"amount", jmoney(l->amount, l->currency))) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *json_adjustment(const struct ll_report_adjustment *a)
{
	const char *c = a->currency;

	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s?, s:s?, s:s?,"
			 " s:s, s:s?, s:s, s:o, s:o, s:o}",
			 "period", a->period, "period_first", a->first,
			 "period_last", a->last, "licensee", a->licensee,
			 "posting", (json_int_t)a->posting_id, "date", a->made,
			 "licence", a->licence, "work", opt(a->work),
			 "isrc", opt(a->isrc), "title", opt(a->title),
			 "component", a->component, "side", opt(a->side),
			 "currency", c, "previous", jmoney(a->previous, c),
			 "now", jmoney(a->now, c),
			 "adjustment", jmoney(a->now - a->previous, c));
}

static json_t *json_adjustments(const struct ll_report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < r->n_adjustments; i++) {
		if (!r->adjustments[i].in_range)
			continue;
		if (json_array_append_new(
			    a, json_adjustment(&r->adjustments[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *json_event(const struct ll_report_event *e)
{
	const char *c = e->currency;

	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:o,"
			 " s:o, s:o, s:o, s:o}",
			 "period", e->period, "period_first", e->first,
			 "period_last", e->last, "licensee", e->licensee,
			 "posting", (json_int_t)e->posting_id,
			 "kind", ll_report_kind_name(e->kind),
			 "date", e->made, "currency", c,
			 "opening", jmoney(e->opening, c),
			 "earned", jmoney(e->earned, c),
			 "adjustments", jmoney(e->adjustments, c),
			 "payments", jmoney(e->payments, c),
			 "returned", jmoney(e->returned, c),
			 "closing", jmoney(e->closing, c));
}

static json_t *json_payment(const struct ll_report_payment *p)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:b}",
			 "period", p->period, "period_first", p->first,
			 "period_last", p->last, "licensee", p->licensee,
			 "posting", (json_int_t)p->posting_id,
			 "end_to_end_id", p->end_to_end_id, "payee", p->payee,
			 "currency", p->currency,
			 "amount", jmoney(p->amount, p->currency),
			 "returned", p->returned);
}

static json_t *json_total(const struct ll_report_total *t)
{
	const char *c = t->currency;

	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "currency", c,
			 "opening", jmoney(t->opening, c),
			 "earned", jmoney(t->earned, c),
			 "adjustments", jmoney(t->adjustments, c),
			 "paid", jmoney(t->paid, c),
			 "closing", jmoney(t->closing, c),
			 "in_force", jmoney(t->in_force, c));
}

/* The steps, payments and totals arrays of the document (new refs). */
static json_t *json_rest(const struct ll_report *r, json_t **payments,
			 json_t **totals)
{
	json_t *ev = json_array();
	size_t i;
	int bad = 0;

	*payments = json_array();
	*totals = json_array();
	for (i = 0; ev && i < r->n_events; i++)
		if (r->events[i].in_range)
			bad |= json_array_append_new(ev,
						     json_event(&r->events[i]));
	for (i = 0; *payments && i < r->n_payments; i++)
		if (r->payments[i].in_range)
			bad |= json_array_append_new(
				*payments, json_payment(&r->payments[i]));
	for (i = 0; *totals && i < r->n_totals; i++)
		bad |= json_array_append_new(*totals,
					     json_total(&r->totals[i]));
	if (bad || !ev || !*payments || !*totals) {
		json_decref(ev);
		json_decref(*payments);
		json_decref(*totals);
		*payments = *totals = NULL;
		return NULL;
	}
	return ev;
}

static enum ll_status write_json(const struct ll_report *r, struct ll_buf *b,
				 struct ll_error *err)
{
	json_t *payments = NULL, *totals = NULL, *doc = NULL;
	json_t *lines = json_lines(r), *ev = json_rest(r, &payments, &totals);
	json_t *adj = json_adjustments(r);
	char *s = NULL;

	if (lines && ev && adj)
		doc = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:o, s:o,"
				" s:o, s:o, s:o}",
				"report", "ledgerline-report/1",
				"party", r->party, "name", r->name,
				"period", opt(r->period),
				"period_first", opt(r->first),
				"period_last", opt(r->last),
				"totals", totals, "lines", lines,
				"balance", ev, "adjustments", adj,
				"payments", payments);
	else {
		json_decref(adj);
		json_decref(lines);
		json_decref(ev);
		json_decref(payments);
		json_decref(totals);
	}
	if (doc)
		s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!s)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	ll_buf_str(b, s);
	ll_buf_str(b, "\n");
	free(s);
	return LL_OK;
}

int ll_report_format_known(const char *format)
{
	return strcmp(format, "text") == 0 || strcmp(format, "csv") == 0 ||
	       strcmp(format, "json") == 0 || strcmp(format, "html") == 0;
}

enum ll_status ll_report_write(const struct ll_report *r, const char *format,
			       struct ll_buf *out, struct ll_error *err)
{
	enum ll_status rc = LL_OK;

	if (strcmp(format, "text") == 0)
		ll_report_text(r, out);
	else if (strcmp(format, "csv") == 0)
		write_csv(r, out);
	else if (strcmp(format, "json") == 0)
		rc = write_json(r, out, err);
	else if (strcmp(format, "html") == 0)
		ll_report_html(r, out);
	else
		return ll_error_set(err, LL_USAGE, NULL, 0, "--format",
				    "unknown format \"%.32s\"", format);
	if (rc == LL_OK && out->fail)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	return rc;
}

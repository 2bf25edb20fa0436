/*
 * report_text.c — the text format of a report (report.h): totals, the
 * lines in force period by period, the balance step by step, payments;
 * every line at most 80 columns.
 *
 * Design decision: text from the database (titles, names) is cut to its
 * column with ".." and its control characters shown as '?', so no value
 * can break the layout or write to the terminal; money is never cut (a
 * figure wider than its column widens the line instead).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

enum {
	W_MONEY = 13,		/* a money column */
	W_TOTAL_MONEY = 11,	/* a money column of the totals */
	W_STEP_MONEY = 11,	/* a money column of a balance step */
};

/* Is byte c the start of a code point? */
static int cp_start(unsigned char c)
{
	return (c & 0xC0) != 0x80;
}

/* Append s to b with control characters as '?'. */
static void put_clean(struct ll_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		ll_buf_add(b, c < 0x20 || c == 0x7F ? "?" : s + i, 1);
	}
}

static void pad(struct ll_buf *b, size_t n)
{
	while (n-- > 0)
		ll_buf_str(b, " ");
}

/* s in width columns (code points), left or right aligned; longer text
 * is cut to width - 2 code points and "..", unless keep (money). */
static void cell(struct ll_buf *b, const char *s, size_t width, int right,
		 int keep)
{
	size_t cps = 0, i, cut = 0;

	for (i = 0; s[i]; i++) {
		if (!cp_start((unsigned char)s[i]))
			continue;
		if (cps == width - 2 && width >= 2)
			cut = i;
		cps++;
	}
	if (cps > width && !keep) {
		put_clean(b, s, cut);
		ll_buf_str(b, "..");
		return;
	}
	if (right && cps < width)
		pad(b, width - cps);
	put_clean(b, s, i);
	if (!right && cps < width)
		pad(b, width - cps);
}

static void money(struct ll_buf *b, int64_t v, const char *currency,
		  size_t width)
{
	char m[LL_REPORT_MONEY_SIZE];

	ll_report_money(m, v, currency);
	ll_buf_str(b, " ");
	cell(b, m, width, 1, 1);
}

static void text_head(const struct ll_report *r, struct ll_buf *b)
{
	ll_buf_str(b, "Earnings report for ");
	cell(b, r->party, 60, 0, 0);
	ll_buf_str(b, "\n  ");
	cell(b, r->name, 78, 0, 0);
	ll_buf_str(b, "\n  period: ");
	if (r->period[0]) {
		put_clean(b, r->period, strlen(r->period));
		ll_buf_str(b, " (");
		ll_buf_str(b, r->first);
		ll_buf_str(b, "..");
		ll_buf_str(b, r->last);
		ll_buf_str(b, ")");
	} else {
		ll_buf_str(b, "all");
	}
	ll_buf_str(b, "\n");
}

static void text_totals(const struct ll_report *r, struct ll_buf *b)
{
	size_t i;

	ll_buf_str(b, "\nTotals per currency (opening + earned + adjustments - "
		      "paid = closing)\n  cur     opening      earned adjustments"
		      "        paid     closing    in force\n");
	for (i = 0; i < r->n_totals; i++) {
		const struct ll_report_total *t = &r->totals[i];

		ll_buf_str(b, "  ");
		cell(b, t->currency, 3, 0, 0);
		money(b, t->opening, t->currency, W_TOTAL_MONEY);
		money(b, t->earned, t->currency, W_TOTAL_MONEY);
		money(b, t->adjustments, t->currency, W_TOTAL_MONEY);
		money(b, t->paid, t->currency, W_TOTAL_MONEY);
		money(b, t->closing, t->currency, W_TOTAL_MONEY);
		money(b, t->in_force, t->currency, W_TOTAL_MONEY);
		ll_buf_str(b, "\n");
	}
	if (r->n_totals == 0)
		ll_buf_str(b, "  (nothing posted to this party)\n");
}

/* The heading of the period and licensee of line l. */
static void period_head(const struct ll_report_line *l, struct ll_buf *b)
{
	ll_buf_str(b, "\n  ");
	cell(b, l->period, 22, 0, 0);
	ll_buf_str(b, " ");
	ll_buf_str(b, l->first);
	ll_buf_str(b, "..");
	ll_buf_str(b, l->last);
	ll_buf_str(b, "  licensee ");
	cell(b, l->licensee, 22, 0, 0);
	ll_buf_str(b, "\n");
}

static void line_row(const struct ll_report_line *l, struct ll_buf *b)
{
	ll_buf_str(b, "    ");
	cell(b, l->work[0] ? l->work : "-", 14, 0, 0);
	ll_buf_str(b, " ");
	cell(b, l->licence, 14, 0, 0);
	ll_buf_str(b, " ");
	cell(b, l->component, 17, 0, 0);
	ll_buf_str(b, " ");
	cell(b, l->side[0] ? l->side : "-", 10, 0, 0);
	ll_buf_str(b, " ");
	cell(b, l->currency, 3, 0, 0);
	money(b, l->amount, l->currency, W_MONEY);
	ll_buf_str(b, "\n");
	if (l->work[0]) {
		ll_buf_str(b, "      ");
		cell(b, l->isrc[0] ? l->isrc : "-", 15, 0, 0);
		ll_buf_str(b, " ");
		cell(b, l->title, 58, 0, 0);
		ll_buf_str(b, "\n");
	}
}

static int same_group(const struct ll_report_line *a,
		      const struct ll_report_line *c)
{
	return strcmp(a->period, c->period) == 0 &&
	       strcmp(a->first, c->first) == 0 &&
	       strcmp(a->licensee, c->licensee) == 0;
}

static void text_lines(const struct ll_report *r, struct ll_buf *b)
{
	const struct ll_report_line *prev = NULL;
	size_t i;

	ll_buf_str(b, "\nEarnings in force, per period, work and component\n"
		      "    work           licence        component         "
		      "side       cur        amount\n");
	for (i = 0; i < r->n_lines; i++) {
		const struct ll_report_line *l = &r->lines[i];

		if (!l->in_range)
			continue;
		if (!prev || !same_group(prev, l))
			period_head(l, b);
		line_row(l, b);
		prev = l;
	}
	if (!prev)
		ll_buf_str(b, "  (none)\n");
}

static void event_rows(const struct ll_report_event *e, struct ll_buf *b)
{
	char id[32];

	snprintf(id, sizeof(id), "#%" PRId64, e->posting_id);
	ll_buf_str(b, "  ");
	cell(b, e->period, 22, 0, 0);
	ll_buf_str(b, " ");
	cell(b, e->licensee, 18, 0, 0);
	ll_buf_str(b, " ");
	cell(b, ll_report_kind_name(e->kind), 11, 0, 0);
	ll_buf_str(b, " ");
	cell(b, e->made, 10, 0, 0);
	ll_buf_str(b, " ");
	cell(b, id, 10, 1, 1);
	ll_buf_str(b, "\n    ");
	cell(b, e->currency, 3, 0, 0);
	money(b, e->opening, e->currency, W_STEP_MONEY);
	money(b, e->earned, e->currency, W_STEP_MONEY);
	money(b, e->adjustments, e->currency, W_STEP_MONEY);
	money(b, e->payments, e->currency, W_STEP_MONEY);
	money(b, e->returned, e->currency, W_STEP_MONEY);
	money(b, e->closing, e->currency, W_STEP_MONEY);
	ll_buf_str(b, "\n");
}

static void text_events(const struct ll_report *r, struct ll_buf *b)
{
	size_t i, n = 0;

	ll_buf_str(b, "\nBalance, step by step (opening + earned + adjustments"
		      " - paid + returned\n= closing); restatements where "
		      "they were made\n"
		      "  period                 licensee           kind        "
		      "date          posting\n"
		      "    cur     opening      earned adjustments        paid"
		      "    returned     closing\n");
	for (i = 0; i < r->n_events; i++) {
		if (r->events[i].in_range) {
			event_rows(&r->events[i], b);
			n++;
		}
	}
	if (!n)
		ll_buf_str(b, "  (none)\n");
}

static void adjustment_rows(const struct ll_report_adjustment *a,
			    const struct ll_report_adjustment *prev,
			    struct ll_buf *b)
{
	char id[32];

	if (!prev || prev->posting_id != a->posting_id) {
		snprintf(id, sizeof(id), "#%" PRId64, a->posting_id);
		ll_buf_str(b, "\n  ");
		cell(b, a->period, 22, 0, 0);
		ll_buf_str(b, " restated by posting ");
		ll_buf_str(b, id);
		ll_buf_str(b, " on ");
		ll_buf_str(b, a->made);
		ll_buf_str(b, ", licensee ");
		cell(b, a->licensee, 14, 0, 0);
		ll_buf_str(b, "\n");
	}
	ll_buf_str(b, "    ");
	cell(b, a->work[0] ? a->work : "-", 14, 0, 0);
	ll_buf_str(b, " ");
	cell(b, a->licence, 14, 0, 0);
	ll_buf_str(b, " ");
	cell(b, a->component, 17, 0, 0);
	ll_buf_str(b, " ");
	cell(b, a->side[0] ? a->side : "-", 10, 0, 0);
	ll_buf_str(b, " ");
	cell(b, a->currency, 3, 0, 0);
	ll_buf_str(b, "\n      was");
	money(b, a->previous, a->currency, W_MONEY);
	ll_buf_str(b, "  now");
	money(b, a->now, a->currency, W_MONEY);
	ll_buf_str(b, "  adjustment");
	money(b, a->now - a->previous, a->currency, W_MONEY);
	ll_buf_str(b, "\n");
}

static void text_adjustments(const struct ll_report *r, struct ll_buf *b)
{
	const struct ll_report_adjustment *prev = NULL;
	size_t i;

	ll_buf_str(b, "\nRestatement adjustments, line by line, where they "
		      "were made\n");
	for (i = 0; i < r->n_adjustments; i++) {
		if (!r->adjustments[i].in_range)
			continue;
		adjustment_rows(&r->adjustments[i], prev, b);
		prev = &r->adjustments[i];
	}
	if (!prev)
		ll_buf_str(b, "  (none)\n");
}

static void text_payments(const struct ll_report *r, struct ll_buf *b)
{
	size_t i, n = 0;

	ll_buf_str(b, "\nPayments (this party's part)\n"
		      "  period     end-to-end id                      payee"
		      "          cur        amount\n");
	for (i = 0; i < r->n_payments; i++) {
		const struct ll_report_payment *p = &r->payments[i];

		if (!p->in_range)
			continue;
		ll_buf_str(b, "  ");
		cell(b, p->period, 10, 0, 0);
		ll_buf_str(b, " ");
		cell(b, p->end_to_end_id, 34, 0, 0);
		ll_buf_str(b, " ");
		cell(b, p->payee, 14, 0, 0);
		ll_buf_str(b, " ");
		cell(b, p->currency, 3, 0, 0);
		money(b, p->amount, p->currency, W_MONEY);
		ll_buf_str(b, p->returned ? "\n    returned by the bank\n"
					  : "\n");
		n++;
	}
	if (!n)
		ll_buf_str(b, "  (none)\n");
}

/* Drop the spaces that end a line, from byte from of b on. */
static void trim_lines(struct ll_buf *b, size_t from)
{
	size_t i, o = from, spaces = 0;

	if (b->fail || !b->s)
		return;
	for (i = from; i < b->n; i++) {
		if (b->s[i] == ' ') {
			spaces++;
			continue;
		}
		if (b->s[i] != '\n')
			for (; spaces; spaces--)
				b->s[o++] = ' ';
		spaces = 0;
		b->s[o++] = b->s[i];
	}
	b->n = o;
	b->s[o] = '\0';
}

void ll_report_text(const struct ll_report *r, struct ll_buf *b)
{
	size_t from = b->n;

	text_head(r, b);
	text_totals(r, b);
	text_lines(r, b);
	text_events(r, b);
	text_adjustments(r, b);
	text_payments(r, b);
	trim_lines(b, from);
}

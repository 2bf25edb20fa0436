/*
 * report_html.c — the HTML format of a report (report.h): one
 * self-contained page, inline CSS and inline SVG, no script and no URL,
 * with an earnings-per-period chart stacked by component and a top-works
 * chart, each beside its table, then the totals, the balance step by
 * step, the lines in force and the payments.  Chart and table stack on
 * a narrow screen.
 *
 * Design decision: every string from the ledger goes through ll_buf_html(), and
 * chart geometry is integer arithmetic on minor units (scale()), so the
 * page is as exact as the other formats and cannot carry markup.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

enum {
	N_COMPONENTS = 4,
	CHART_W = 640,		/* SVG user units */
	PERIOD_H = 300,
	PLOT_LEFT = 20,
	PLOT_TOP = 28,
	PLOT_H = 220,
	BAR_ROW_H = 34,
	WORK_LABEL_W = 270,
	NUM_SIZE = 64,
	LABEL_CPS = 22,		/* code points of a work's label */
};

static const char *const components[N_COMPONENTS] = {
	"training", "usage", "minimum_guarantee", "unallocated"
};
static const char *const colours[N_COMPONENTS] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#8c564b"
};

static const char css[] =
	"body{font-family:system-ui,sans-serif;margin:1rem;color:#222;"
	"background:#fff;max-width:80rem}"
	"h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}"
	".pair{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}"
	".pair>figure{flex:1 1 20rem;margin:0;min-width:0;max-width:32rem}"
	".pair>.tbl{flex:1 1 24rem;min-width:0;overflow-x:auto}"
	".tbl{overflow-x:auto}"
	"svg{width:100%;height:auto;display:block}"
	"table{border-collapse:collapse;font-size:.9rem}"
	"th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;"
	"text-align:left;vertical-align:top;white-space:nowrap}"
	"td.t{white-space:normal;min-width:10rem}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}"
	"figcaption{font-weight:600;margin-bottom:.5rem}"
	".legend span{display:inline-block;margin-right:1rem}"
	".sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}"
	"@media (max-width:40rem){.pair{display:block}"
	".pair>figure,.pair>.tbl{margin-bottom:1rem}body{margin:.5rem}}";

static void num(struct ll_buf *b, int64_t v)
{
	char s[NUM_SIZE];

	snprintf(s, sizeof(s), "%" PRId64, v);
	ll_buf_str(b, s);
}

static void money_td(struct ll_buf *b, int64_t v, const char *currency)
{
	char m[LL_REPORT_MONEY_SIZE];

	ll_report_money(m, v, currency);
	ll_buf_str(b, "<td class=\"n\">");
	ll_buf_str(b, m);
	ll_buf_str(b, "</td>");
}

static void td(struct ll_buf *b, const char *s)
{
	ll_buf_str(b, "<td>");
	ll_buf_html(b, s);
	ll_buf_str(b, "</td>");
}

/* A cell of free text (a title), which may wrap. */
static void td_text(struct ll_buf *b, const char *s)
{
	ll_buf_str(b, "<td class=\"t\">");
	ll_buf_html(b, s);
	ll_buf_str(b, "</td>");
}

/* v / max of px, in integers; 0 when max is not positive. */
static int64_t scale(int64_t v, int64_t max, int64_t px)
{
	int s = 0;

	if (max <= 0 || v <= 0)
		return 0;
	while ((max >> s) > INT64_MAX / 4096)
		s++;
	return ((v >> s) * px) / (max >> s);
}

static int component_index(const char *c)
{
	int k;

	for (k = 0; k < N_COMPONENTS; k++)
		if (strcmp(c, components[k]) == 0)
			return k;
	return N_COMPONENTS - 1;
}

/* ---- aggregates ---------------------------------------------------------- */

/* One bar: a period's (or a work's) amounts per component. */
struct agg {
	const struct ll_report_line *key;	/* its first line */
	int64_t c[N_COMPONENTS];
	int64_t total;
};

static int same_period(const struct ll_report_line *a,
		       const struct ll_report_line *b)
{
	return strcmp(a->period, b->period) == 0 &&
	       strcmp(a->first, b->first) == 0;
}

static int same_work(const struct ll_report_line *a,
		     const struct ll_report_line *b)
{
	return strcmp(a->work, b->work) == 0;
}

/* The in-range lines of currency grouped by same(), in order of first
 * appearance; *n groups; NULL (b failed) when out of memory. */
static struct agg *group(const struct ll_report *r, const char *currency,
			 int (*same)(const struct ll_report_line *,
				     const struct ll_report_line *),
			 int works_only, size_t *n, struct ll_buf *b)
{
	struct agg *g = calloc(r->n_lines + 1, sizeof(*g));
	size_t i, j;

	*n = 0;
	if (!g) {
		b->fail = true;
		return NULL;
	}
	for (i = 0; i < r->n_lines; i++) {
		const struct ll_report_line *l = &r->lines[i];

		if (!l->in_range || strcmp(l->currency, currency) != 0 ||
		    (works_only && !l->work[0]))
			continue;
		for (j = 0; j < *n && !same(g[j].key, l); j++)
			;
		if (j == *n)
			g[(*n)++].key = l;
		g[j].c[component_index(l->component)] += l->amount;
		g[j].total += l->amount;
	}
	return g;
}

static int by_total_desc(const void *x, const void *y)
{
	const struct agg *a = x, *c = y;

	if (a->total != c->total)
		return a->total < c->total ? 1 : -1;
	return strcmp(a->key->work, c->key->work);
}

static int64_t max_total(const struct agg *g, size_t n)
{
	int64_t m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (g[i].total > m)
			m = g[i].total;
	return m;
}

/* ---- the earnings-per-period chart --------------------------------------- */

static void rect(struct ll_buf *b, int64_t x, int64_t y, int64_t w, int64_t h,
		 const char *fill)
{
	ll_buf_str(b, "<rect x=\"");
	num(b, x);
	ll_buf_str(b, "\" y=\"");
	num(b, y);
	ll_buf_str(b, "\" width=\"");
	num(b, w);
	ll_buf_str(b, "\" height=\"");
	num(b, h);
	ll_buf_str(b, "\" fill=\"");
	ll_buf_str(b, fill);
	ll_buf_str(b, "\"/>");
}

static void text_at(struct ll_buf *b, int64_t x, int64_t y, const char *anchor,
		    const char *s)
{
	ll_buf_str(b, "<text x=\"");
	num(b, x);
	ll_buf_str(b, "\" y=\"");
	num(b, y);
	ll_buf_str(b, "\" font-size=\"18\" text-anchor=\"");
	ll_buf_str(b, anchor);
	ll_buf_str(b, "\">");
	ll_buf_html(b, s);
	ll_buf_str(b, "</text>");
}

static void period_bar(struct ll_buf *b, const struct agg *g, int64_t max,
		       int64_t x, int64_t w)
{
	int64_t y = PLOT_TOP + PLOT_H, h;
	int k;

	for (k = 0; k < N_COMPONENTS; k++) {
		h = scale(g->c[k], max, PLOT_H);
		if (h <= 0)
			continue;
		y -= h;
		rect(b, x, y, w, h, colours[k]);
	}
	text_at(b, x + w / 2, PLOT_TOP + PLOT_H + 24, "middle",
		g->key->period);
}

static void period_svg(struct ll_buf *b, const struct agg *g, size_t n,
		       const char *currency)
{
	char m[LL_REPORT_MONEY_SIZE];
	int64_t max = max_total(g, n), slot, i;

	slot = n ? (CHART_W - 2 * PLOT_LEFT) / (int64_t)n : 1;
	ll_buf_str(b, "<svg viewBox=\"0 0 640 300\" role=\"img\" "
		      "aria-label=\"earnings per period, stacked by "
		      "component\">");
	rect(b, PLOT_LEFT, PLOT_TOP + PLOT_H, CHART_W - 2 * PLOT_LEFT, 1,
	     "#444");
	for (i = 0; i < (int64_t)n; i++)
		period_bar(b, &g[i], max, PLOT_LEFT + i * slot + slot / 6,
			   slot * 2 / 3 > 0 ? slot * 2 / 3 : 1);
	ll_report_money(m, max, currency);
	text_at(b, PLOT_LEFT, PLOT_TOP - 6, "start", m);
	ll_buf_str(b, "</svg>");
}

static void legend(struct ll_buf *b)
{
	int k;

	ll_buf_str(b, "<div class=\"legend\">");
	for (k = 0; k < N_COMPONENTS; k++) {
		ll_buf_str(b, "<span><span class=\"sw\" style=\"background:");
		ll_buf_str(b, colours[k]);
		ll_buf_str(b, "\"></span>");
		ll_buf_str(b, components[k]);
		ll_buf_str(b, "</span>");
	}
	ll_buf_str(b, "</div>");
}

static void period_table(struct ll_buf *b, const struct agg *g, size_t n,
			 const char *currency)
{
	size_t i;
	int k;

	ll_buf_str(b, "<div class=\"tbl\"><table><thead><tr><th>period</th>");
	for (k = 0; k < N_COMPONENTS; k++) {
		ll_buf_str(b, "<th class=\"n\">");
		ll_buf_str(b, components[k]);
		ll_buf_str(b, "</th>");
	}
	ll_buf_str(b, "<th class=\"n\">total</th></tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		ll_buf_str(b, "<tr>");
		td(b, g[i].key->period);
		for (k = 0; k < N_COMPONENTS; k++)
			money_td(b, g[i].c[k], currency);
		money_td(b, g[i].total, currency);
		ll_buf_str(b, "</tr>");
	}
	ll_buf_str(b, "</tbody></table></div>");
}

static void period_pair(const struct ll_report *r, const char *currency,
			struct ll_buf *b)
{
	size_t n;
	struct agg *g = group(r, currency, same_period, 0, &n, b);

	if (!g)
		return;
	ll_buf_str(b, "<h2>Earnings per period (");
	ll_buf_html(b, currency);
	ll_buf_str(b, ")</h2><section class=\"pair\"><figure><figcaption>"
		      "Lines in force, stacked by component</figcaption>");
	period_svg(b, g, n, currency);
	legend(b);
	ll_buf_str(b, "</figure>");
	period_table(b, g, n, currency);
	ll_buf_str(b, "</section>\n");
	free(g);
}

/* ---- the top-works chart ------------------------------------------------- */

/* A work's label in the chart: its title (else its id), cut to
 * LABEL_CPS code points and "..", so that it fits left of its bar. */
static void work_label(const struct ll_report_line *l, char *out,
		       size_t size)
{
	const char *s = l->title[0] ? l->title : l->work;
	size_t i, cps = 0;

	for (i = 0; s[i] && i + 3 < size; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && cps++ == LABEL_CPS)
			break;
	}
	/* back to the start of a code point */
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	memcpy(out, s, i);
	if (s[i]) {
		memcpy(out + i, "..", 2);
		i += 2;
	}
	out[i] = '\0';
}

static void works_svg(struct ll_buf *b, const struct agg *g, size_t n,
		      const char *currency)
{
	char m[LL_REPORT_MONEY_SIZE], label[LL_REPORT_TITLE_SIZE];
	int64_t max = max_total(g, n), i, y, w;

	ll_buf_str(b, "<svg viewBox=\"0 0 640 ");
	num(b, (int64_t)n * BAR_ROW_H + 10);
	ll_buf_str(b, "\" role=\"img\" aria-label=\"top works by earnings\">");
	for (i = 0; i < (int64_t)n; i++) {
		y = 5 + i * BAR_ROW_H;
		work_label(g[i].key, label, sizeof(label));
		text_at(b, WORK_LABEL_W - 8, y + 23, "end", label);
		w = scale(g[i].total, max, CHART_W - WORK_LABEL_W - 140);
		rect(b, WORK_LABEL_W, y + 4, w > 0 ? w : 1, BAR_ROW_H - 8,
		     "#1f77b4");
		ll_report_money(m, g[i].total, currency);
		text_at(b, WORK_LABEL_W + (w > 0 ? w : 1) + 6, y + 23,
			"start", m);
	}
	ll_buf_str(b, "</svg>");
}

static void works_table(struct ll_buf *b, const struct agg *g, size_t n,
			const char *currency)
{
	size_t i;

	ll_buf_str(b, "<div class=\"tbl\"><table><thead><tr><th>work</th>"
		      "<th>ISRC</th><th>title</th><th class=\"n\">earned</th>"
		      "</tr></thead><tbody>");
	for (i = 0; i < n; i++) {
		ll_buf_str(b, "<tr>");
		td(b, g[i].key->work);
		td(b, g[i].key->isrc);
		td_text(b, g[i].key->title);
		money_td(b, g[i].total, currency);
		ll_buf_str(b, "</tr>");
	}
	ll_buf_str(b, "</tbody></table></div>");
}

static void works_pair(const struct ll_report *r, const char *currency,
		       struct ll_buf *b)
{
	size_t n;
	struct agg *g = group(r, currency, same_work, 1, &n, b);

	if (!g)
		return;
	qsort(g, n, sizeof(*g), by_total_desc);
	if (n > LL_REPORT_TOP_WORKS_MAX)
		n = LL_REPORT_TOP_WORKS_MAX;
	ll_buf_str(b, "<h2>Top works (");
	ll_buf_html(b, currency);
	ll_buf_str(b, ")</h2><section class=\"pair\"><figure><figcaption>"
		      "Earned per work, all components</figcaption>");
	works_svg(b, g, n, currency);
	ll_buf_str(b, "</figure>");
	works_table(b, g, n, currency);
	ll_buf_str(b, "</section>\n");
	free(g);
}

/* ---- the tables ---------------------------------------------------------- */

static void head_row(struct ll_buf *b, const char *const *cols, size_t n,
		     size_t first_num)
{
	size_t i;

	ll_buf_str(b, "<div class=\"tbl\"><table><thead><tr>");
	for (i = 0; i < n; i++) {
		ll_buf_str(b, i >= first_num ? "<th class=\"n\">" : "<th>");
		ll_buf_str(b, cols[i]);
		ll_buf_str(b, "</th>");
	}
	ll_buf_str(b, "</tr></thead><tbody>");
}

static void totals_table(const struct ll_report *r, struct ll_buf *b)
{
	static const char *const cols[] = { "currency", "opening", "earned",
					    "adjustments", "paid", "closing",
					    "lines in force" };
	size_t i;

	ll_buf_str(b, "<h2>Totals per currency</h2>");
	head_row(b, cols, 7, 1);
	for (i = 0; i < r->n_totals; i++) {
		const struct ll_report_total *t = &r->totals[i];

		ll_buf_str(b, "<tr>");
		td(b, t->currency);
		money_td(b, t->opening, t->currency);
		money_td(b, t->earned, t->currency);
		money_td(b, t->adjustments, t->currency);
		money_td(b, t->paid, t->currency);
		money_td(b, t->closing, t->currency);
		money_td(b, t->in_force, t->currency);
		ll_buf_str(b, "</tr>");
	}
	ll_buf_str(b, "</tbody></table></div>\n");
}

static void events_table(const struct ll_report *r, struct ll_buf *b)
{
	static const char *const cols[] = {
		"period", "licensee", "step", "date", "posting", "currency",
		"opening", "earned", "adjustments", "paid", "returned",
		"closing" };
	char id[32];
	size_t i;

	ll_buf_str(b, "<h2>Balance, step by step</h2>");
	head_row(b, cols, 12, 6);
	for (i = 0; i < r->n_events; i++) {
		const struct ll_report_event *e = &r->events[i];

		if (!e->in_range)
			continue;
		snprintf(id, sizeof(id), "%" PRId64, e->posting_id);
		ll_buf_str(b, "<tr>");
		td(b, e->period);
		td(b, e->licensee);
		td(b, ll_report_kind_name(e->kind));
		td(b, e->made);
		td(b, id);
		td(b, e->currency);
		money_td(b, e->opening, e->currency);
		money_td(b, e->earned, e->currency);
		money_td(b, e->adjustments, e->currency);
		money_td(b, e->payments, e->currency);
		money_td(b, e->returned, e->currency);
		money_td(b, e->closing, e->currency);
		ll_buf_str(b, "</tr>");
	}
	ll_buf_str(b, "</tbody></table></div>\n");
}

static void lines_table(const struct ll_report *r, struct ll_buf *b)
{
	static const char *const cols[] = {
		"period", "licensee", "licence", "work", "ISRC", "title",
		"component", "side", "currency", "amount" };
	size_t i;

	ll_buf_str(b, "<h2>Lines in force</h2>");
	head_row(b, cols, 10, 9);
	for (i = 0; i < r->n_lines; i++) {
		const struct ll_report_line *l = &r->lines[i];

		if (!l->in_range)
			continue;
		ll_buf_str(b, "<tr>");
		td(b, l->period);
		td(b, l->licensee);
		td(b, l->licence);
		td(b, l->work);
		td(b, l->isrc);
		td_text(b, l->title);
		td(b, l->component);
		td(b, l->side);
		td(b, l->currency);
		money_td(b, l->amount, l->currency);
		ll_buf_str(b, "</tr>");
	}
	ll_buf_str(b, "</tbody></table></div>\n");
}

/* A table that shows no row says so, across its ncols columns. */
static void none_row(struct ll_buf *b, size_t shown, int ncols)
{
	char td_open[48];

	if (shown > 0)
		return;
	snprintf(td_open, sizeof(td_open), "<tr><td colspan=\"%d\">", ncols);
	ll_buf_str(b, td_open);
	ll_buf_str(b, "(none)</td></tr>");
}

static void adjustments_table(const struct ll_report *r, struct ll_buf *b)
{
	static const char *const cols[] = {
		"period", "posting", "date", "work", "title", "component",
		"side", "currency", "previous", "now", "adjustment" };
	char id[32];
	size_t i, shown = 0;

	ll_buf_str(b, "<h2>Restatement adjustments, where they were made"
		      "</h2>");
	head_row(b, cols, 11, 8);
	for (i = 0; i < r->n_adjustments; i++) {
		const struct ll_report_adjustment *a = &r->adjustments[i];

		if (!a->in_range)
			continue;
		shown++;
		snprintf(id, sizeof(id), "%" PRId64, a->posting_id);
		ll_buf_str(b, "<tr>");
		td(b, a->period);
		td(b, id);
		td(b, a->made);
		td(b, a->work);
		td_text(b, a->title);
		td(b, a->component);
		td(b, a->side);
		td(b, a->currency);
		money_td(b, a->previous, a->currency);
		money_td(b, a->now, a->currency);
		money_td(b, a->now - a->previous, a->currency);
		ll_buf_str(b, "</tr>");
	}
	none_row(b, shown, 11);
	ll_buf_str(b, "</tbody></table></div>\n");
}

static void payments_table(const struct ll_report *r, struct ll_buf *b)
{
	static const char *const cols[] = { "period", "licensee",
					    "end-to-end id", "payee",
					    "status", "currency", "amount" };
	size_t i, shown = 0;

	ll_buf_str(b, "<h2>Payments (this party's part)</h2>");
	head_row(b, cols, 7, 6);
	for (i = 0; i < r->n_payments; i++) {
		const struct ll_report_payment *p = &r->payments[i];

		if (!p->in_range)
			continue;
		shown++;
		ll_buf_str(b, "<tr>");
		td(b, p->period);
		td(b, p->licensee);
		td(b, p->end_to_end_id);
		td(b, p->payee);
		td(b, p->returned ? "returned by the bank" : "paid");
		td(b, p->currency);
		money_td(b, p->amount, p->currency);
		ll_buf_str(b, "</tr>");
	}
	none_row(b, shown, 7);
	ll_buf_str(b, "</tbody></table></div>\n");
}

static void page_head(const struct ll_report *r, struct ll_buf *b)
{
	ll_buf_str(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		      "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" "
		      "content=\"width=device-width, initial-scale=1\"/>\n"
		      "<title>Earnings report: ");
	ll_buf_html(b, r->party);
	ll_buf_str(b, "</title>\n<style>");
	ll_buf_str(b, css);
	ll_buf_str(b, "</style>\n</head>\n<body>\n<h1>Earnings report: ");
	ll_buf_html(b, r->name[0] ? r->name : r->party);
	ll_buf_str(b, "</h1>\n<p>Party ");
	ll_buf_html(b, r->party);
	ll_buf_str(b, ", period ");
	if (r->period[0]) {
		ll_buf_html(b, r->period);
		ll_buf_str(b, " (");
		ll_buf_html(b, r->first);
		ll_buf_str(b, " to ");
		ll_buf_html(b, r->last);
		ll_buf_str(b, ")");
	} else {
		ll_buf_str(b, "all");
	}
	ll_buf_str(b, ". Amounts from the ledger: lines of the postings in "
		      "force; restatements shown where they were made.</p>\n");
}

void ll_report_html(const struct ll_report *r, struct ll_buf *b)
{
	size_t i;

	page_head(r, b);
	totals_table(r, b);
	for (i = 0; i < r->n_totals; i++) {
		period_pair(r, r->totals[i].currency, b);
		works_pair(r, r->totals[i].currency, b);
	}
	events_table(r, b);
	adjustments_table(r, b);
	lines_table(r, b);
	payments_table(r, b);
	ll_buf_str(b, "</body>\n</html>\n");
}

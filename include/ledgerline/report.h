/*
 * report.h — a party's earnings report (SPEC §6 "report"): the model,
 * filled from ledger rows by the store (ll_db_report_read, db_report.h),
 * and four backends that write it: text (80 columns), CSV, JSON and one
 * self-contained HTML page with inline SVG charts (report_html.c).
 *
 * Design decision: the model holds integer minor units and identifiers
 * only, and every figure a backend prints (running balances, totals) is
 * computed once here (ll_report_finish), so the four formats cannot
 * disagree.  Backends write into a struct ll_buf; the caller decides
 * where the bytes go.  No floating point anywhere: chart geometry is
 * integer arithmetic too.
 */
#ifndef LEDGERLINE_REPORT_H
#define LEDGERLINE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ledgerline/buf.h"
#include "ledgerline/status.h"

enum {
	LL_REPORT_ID_SIZE = 65,		/* an id of SPEC §2 and its NUL */
	LL_REPORT_TITLE_SIZE = 1024,	/* a title or name, bytes, with NUL */
	LL_REPORT_PERIOD_SIZE = 64,	/* a period label and its NUL */
	LL_REPORT_DATE_SIZE = 11,	/* YYYY-MM-DD and its NUL */
	LL_REPORT_ISRC_SIZE = 32,	/* an ISRC as registered, with NUL */
	LL_REPORT_WORD_SIZE = 24,	/* a component or side and its NUL */
	LL_REPORT_CURRENCY_SIZE = 4,	/* ISO 4217 code and its NUL */
	LL_REPORT_CURRENCIES_MAX = 16,	/* currencies in one report */
	LL_REPORT_TOP_WORKS_MAX = 10,	/* works in the top-works chart */
};

/* One line in force: what the party earned for a work, component and
 * side in the posting in force of a (licensee, period). */
struct ll_report_line {
	char period[LL_REPORT_PERIOD_SIZE];
	char first[LL_REPORT_DATE_SIZE], last[LL_REPORT_DATE_SIZE];
	char licensee[LL_REPORT_ID_SIZE];
	char licence[LL_REPORT_ID_SIZE];
	char work[LL_REPORT_ID_SIZE];	/* "" for unallocated */
	char isrc[LL_REPORT_ISRC_SIZE];
	char title[LL_REPORT_TITLE_SIZE];
	char component[LL_REPORT_WORD_SIZE];
	char side[LL_REPORT_WORD_SIZE];	/* "" for unallocated */
	char currency[LL_REPORT_CURRENCY_SIZE];
	int64_t amount;
	int in_range;			/* shown (the --period filter) */
};

enum ll_report_event_kind {
	LL_REPORT_POSTING,		/* the first posting of a period */
	LL_REPORT_RESTATEMENT,		/* a posting superseding another */
	LL_REPORT_RETURN,		/* a payment the bank returned */
};

/* One step of the party's account in one currency, in journal order:
 * a posting (with the payments it made), or a return. */
struct ll_report_event {
	char period[LL_REPORT_PERIOD_SIZE];
	char first[LL_REPORT_DATE_SIZE], last[LL_REPORT_DATE_SIZE];
	char licensee[LL_REPORT_ID_SIZE];
	int64_t posting_id;
	char made[LL_REPORT_DATE_SIZE];	/* UTC date the step was recorded */
	enum ll_report_event_kind kind;
	char currency[LL_REPORT_CURRENCY_SIZE];
	int64_t earned;			/* the posting's own lines */
	int64_t adjustments;		/* the reversal of what it superseded */
	int64_t payments;		/* settled, positive when paid out */
	int64_t returned;		/* put back by a return */
	int64_t opening, closing;	/* set by ll_report_finish */
	int in_range;
};

/* What a restatement changed of one of the party's lines: the line of
 * the superseded posting (previous, 0 when it had none) and of the
 * restating one (now, 0 when it has none), shown with the posting that
 * made the change. */
struct ll_report_adjustment {
	char period[LL_REPORT_PERIOD_SIZE];
	char first[LL_REPORT_DATE_SIZE], last[LL_REPORT_DATE_SIZE];
	char licensee[LL_REPORT_ID_SIZE];
	int64_t posting_id;		/* the restating posting */
	char made[LL_REPORT_DATE_SIZE];	/* UTC date it was recorded */
	char licence[LL_REPORT_ID_SIZE];
	char work[LL_REPORT_ID_SIZE];	/* "" for unallocated */
	char isrc[LL_REPORT_ISRC_SIZE];
	char title[LL_REPORT_TITLE_SIZE];
	char component[LL_REPORT_WORD_SIZE];
	char side[LL_REPORT_WORD_SIZE];
	char currency[LL_REPORT_CURRENCY_SIZE];
	int64_t previous, now;		/* the adjustment is now - previous */
	int in_range;
};

/* The party's part of a payment. */
struct ll_report_payment {
	char period[LL_REPORT_PERIOD_SIZE];
	char first[LL_REPORT_DATE_SIZE], last[LL_REPORT_DATE_SIZE];
	char licensee[LL_REPORT_ID_SIZE];
	int64_t posting_id;
	char end_to_end_id[LL_REPORT_ID_SIZE];
	char payee[LL_REPORT_ID_SIZE];
	char currency[LL_REPORT_CURRENCY_SIZE];
	int64_t amount;			/* the party's part, as settled */
	int returned;
	int in_range;
};

/* Per currency, over what is in range. */
struct ll_report_total {
	char currency[LL_REPORT_CURRENCY_SIZE];
	int64_t opening;		/* before the first step in range */
	int64_t earned;			/* posted by the steps in range */
	int64_t adjustments;		/* made by restatements in range */
	int64_t paid;			/* payments net of returns */
	int64_t closing;		/* after the last step in range:
					 * opening + earned + adjustments -
					 * paid */
	int64_t in_force;		/* the lines in force in range */
};

struct ll_report {
	char party[LL_REPORT_ID_SIZE];
	char name[LL_REPORT_TITLE_SIZE];	/* the party's own name */
	char period[LL_REPORT_PERIOD_SIZE];	/* the filter, "" for all */
	char first[LL_REPORT_DATE_SIZE], last[LL_REPORT_DATE_SIZE];
	struct ll_report_line *lines;
	size_t n_lines;
	struct ll_report_event *events;
	size_t n_events;
	struct ll_report_payment *payments;
	size_t n_payments;
	struct ll_report_adjustment *adjustments;
	size_t n_adjustments;
	struct ll_report_total totals[LL_REPORT_CURRENCIES_MAX];
	size_t n_totals;
};

void ll_report_init(struct ll_report *r);
void ll_report_release(struct ll_report *r);

/* A new zeroed element at the end of each array; NULL when out of
 * memory.  The pointer is borrowed until the next add. */
struct ll_report_line *ll_report_add_line(struct ll_report *r);
struct ll_report_event *ll_report_add_event(struct ll_report *r);
struct ll_report_payment *ll_report_add_payment(struct ll_report *r);
struct ll_report_adjustment *ll_report_add_adjustment(struct ll_report *r);

/*
 * Mark what lies in range: everything of a period within [first, last]
 * (YYYY-MM-DD, inclusive), or everything when first is NULL.  label is
 * the filter as the user wrote it, shown in the report.
 */
void ll_report_filter(struct ll_report *r, const char *label,
		      const char *first, const char *last);

/*
 * Compute the running balances of the events (in the order given: the
 * journal's; across every licensee, per currency, as "ledgerline
 * balance") and the totals per currency over what is in range.
 * LL_INVALID for an unknown currency or more than
 * LL_REPORT_CURRENCIES_MAX of them; LL_INTERNAL when a sum would
 * overflow.
 */
enum ll_status ll_report_finish(struct ll_report *r, struct ll_error *err);

/* Is format one ll_report_write knows ("text", "csv", "json", "html")? */
int ll_report_format_known(const char *format);

/* Append r in format to out.  LL_USAGE for an unknown format, LL_NOMEM
 * when out failed to grow. */
enum ll_status ll_report_write(const struct ll_report *r, const char *format,
			       struct ll_buf *out, struct ll_error *err);

#endif

/*
 * report_internal.h — what report.c, report_text.c and report_html.c
 * share.  Not part of the public interface.
 */
#ifndef LEDGERLINE_REPORT_INTERNAL_H
#define LEDGERLINE_REPORT_INTERNAL_H

#include "ledgerline/report.h"

enum {
	LL_REPORT_MONEY_SIZE = 32,	/* "-", 19 digits, ".", NUL */
};

/* minor units of currency as a decimal string with the currency's
 * ISO 4217 exponent of digits after the point ("-12.34"). */
void ll_report_money(char out[LL_REPORT_MONEY_SIZE], int64_t minor,
		     const char *currency);
/* "posting", "restatement", "return". */
const char *ll_report_kind_name(enum ll_report_event_kind k);
/* The text format (report_text.c). */
void ll_report_text(const struct ll_report *r, struct ll_buf *b);
/* The HTML page (report_html.c). */
void ll_report_html(const struct ll_report *r, struct ll_buf *b);

#endif

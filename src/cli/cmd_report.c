/*
 * cmd_report.c — "ledgerline report": a party's earnings across periods
 * from the ledger (SPEC §6), as text, CSV, JSON or one self-contained
 * HTML page, on standard output or written atomically to --out.
 *
 * Design decision: the whole report is built in memory and written once,
 * so a failure (a database error, a full disk) leaves no half-written
 * file behind, and --out is never touched unless the report is complete.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/cli.h"
#include "ledgerline/db_report.h"
#include "ledgerline/ident.h"
#include "ledgerline/io.h"
#include "ledgerline/report.h"

static const char usage[] =
	"usage: ledgerline report --party P [--period PERIOD]\n"
	"                         [--format text|csv|json|html] [--out FILE]\n"
	"\n"
	"Party P's earnings from the ledger: per period (the postings in\n"
	"force), per work (ISRC, title) and component, the party's amount;\n"
	"its balance step by step (opening, earned, restatement adjustments\n"
	"where they were made, payments, returns, closing); its parts of\n"
	"payments; totals per currency.  Works under a party login from\n"
	"'ledgerline grant' (LEDGERLINE_DSN), which shows only that party.\n"
	"\n"
	"  --party P         the party (required)\n"
	"  --period PERIOD   only periods within 2026-Q3, 2026-09 or\n"
	"                    2026-07-01..2026-09-30 (as 'run')\n"
	"  --format F        text (80 columns, the default), csv, json\n"
	"                    (schema ledgerline-report/1, see docs/report.md)\n"
	"                    or html (one self-contained page with charts)\n"
	"  --out FILE        write FILE atomically instead of standard output\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 3 unknown party or --out not written,\n"
	"4 database, 6 internal.\n";

struct args {
	const char *party, *period, *format, *out;
	char first[LL_DATE_LEN + 1], last[LL_DATE_LEN + 1];
	int help;
};

static enum ll_status check_args(struct args *a)
{
	const char *reason = NULL;
	int32_t f, l;

	if (!a->party)
		return ll_cli_usage_error("report", "--party is required");
	if (!ll_id_valid(a->party))
		return ll_cli_usage_error("report", "invalid party id '%s'",
					  a->party);
	if (!a->format)
		a->format = "text";
	if (!ll_report_format_known(a->format))
		return ll_cli_usage_error("report", "unknown format '%s' "
					  "(expected text, csv, json or html)",
					  a->format);
	if (a->period) {
		if (!ll_period_parse(a->period, &f, &l, &reason))
			return ll_cli_usage_error(
				"report", "invalid period \"%s\": %s (expected "
				"2026-Q3, 2026-09 or 2026-07-01..2026-09-30)",
				a->period, reason ? reason : "malformed");
		ll_date_format(f, a->first);
		ll_date_format(l, a->last);
	}
	return LL_OK;
}

static enum ll_status parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "party", required_argument, NULL, 'p' },
		{ "period", required_argument, NULL, 'P' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	enum ll_status rc = LL_OK;
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			a->help = 1;
			return LL_OK;
		case 'p':
			rc = ll_cli_set_once("report", "--party", &a->party,
					     optarg);
			break;
		case 'P':
			rc = ll_cli_set_once("report", "--period", &a->period,
					     optarg);
			break;
		case 'f':
			rc = ll_cli_set_once("report", "--format", &a->format,
					     optarg);
			break;
		case 'o':
			rc = ll_cli_set_once("report", "--out", &a->out,
					     optarg);
			break;
		default:
			return ll_cli_usage_error("report", "invalid option");
		}
		if (rc != LL_OK)
			return rc;
	}
	if (optind != argc)
		return ll_cli_usage_error("report", "unexpected argument '%s'",
					  argv[optind]);
	return check_args(a);
}

static enum ll_status emit(const struct args *a, const struct ll_buf *b,
			   struct ll_error *err)
{
	if (a->out)
		return ll_write_atomic(a->out, b->s ? b->s : "", b->n, 0, err);
	if (b->n && fwrite(b->s, 1, b->n, stdout) != b->n)
		return ll_error_set(err, LL_IO, "stdout", 0, NULL,
				    "cannot write the report");
	return LL_OK;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct ll_buf b = LL_BUF_INIT;
	struct ll_report *r;
	struct ll_error err;
	struct args a;
	enum ll_status rc;

	rc = parse_args(argc, argv, &a);
	if (rc != LL_OK)
		return rc;
	if (a.help)
		return ll_cli_help(usage);
	r = malloc(sizeof(*r));
	if (!r)
		return ll_cli_fail(LL_NOMEM, "out of memory");
	ll_report_init(r);
	ll_error_clear(&err);
	rc = ll_cli_open(ctx, &err);
	if (rc == LL_OK)
		rc = ll_db_report_read(&ctx->db, a.party, r, &err);
	if (rc == LL_OK) {
		ll_report_filter(r, a.period, a.period ? a.first : NULL,
				 a.period ? a.last : NULL);
		rc = ll_report_finish(r, &err);
	}
	if (rc == LL_OK)
		rc = ll_report_write(r, a.format, &b, &err);
	if (rc == LL_OK)
		rc = emit(&a, &b, &err);
	if (rc != LL_OK)
		ll_cli_print_error(&err);
	free(b.s);
	ll_report_release(r);
	free(r);
	return rc;
}

const struct ll_cmd ll_cmd_report = { "report", run, LL_CMD_DB,
				      "a party's earnings across periods",
				      usage };

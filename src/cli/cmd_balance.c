/*
 * cmd_balance.c — "ledgerline balance": account balances per party, kind
 * and currency, from the journal.
 *
 * Design decision: balances are always summed from journal lines (the
 * ledgerline.balance view), never stored, so they cannot drift from the
 * entries they summarise.  The table is laid out by render.h, so the
 * text and CSV formats share one list of columns.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/cli.h"
#include "ledgerline/db.h"
#include "ledgerline/exact.h"
#include "ledgerline/ident.h"
#include "ledgerline/render.h"

static const char usage[] =
	"usage: ledgerline balance [--party PARTY] [--currency CUR]\n"
	"                          [--format text|csv]\n"
	"\n"
	"Balances of the ledger's accounts, summed from the journal: each\n"
	"licensee's payable (negative: what it owes) and each party's\n"
	"receivable (positive: what it is owed), per currency; a licensor's\n"
	"unallocated fees are a separate receivable.  Every currency sums to\n"
	"zero.\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 4 database.\n";

/* The columns of both formats; the widths are the text format's. */
static const struct ll_render_col columns[] = {
	{ "party", 24, LL_RENDER_LEFT },
	{ "account", 24, LL_RENDER_LEFT },
	{ "currency", 8, LL_RENDER_LEFT },
	{ "balance", 18, LL_RENDER_RIGHT },
};

static const struct ll_render_table table = {
	columns, sizeof(columns) / sizeof(columns[0]), NULL
};

struct args {
	const char *party, *currency, *format;
	int help;
};

static enum ll_status parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "party", required_argument, NULL, 'p' },
		{ "currency", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	enum ll_status rc;
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			a->help = 1;
			return LL_OK;
		case 'p':
			rc = ll_cli_set_once("balance", "--party", &a->party,
					     optarg);
			break;
		case 'c':
			rc = ll_cli_set_once("balance", "--currency",
					     &a->currency, optarg);
			break;
		case 'f':
			rc = ll_cli_set_once("balance", "--format", &a->format,
					     optarg);
			break;
		default:
			return ll_cli_usage_error("balance", "invalid option");
		}
		if (rc != LL_OK)
			return rc;
	}
	if (!a->format)
		a->format = "text";
	if (optind != argc)
		return ll_cli_usage_error("balance", "unexpected argument '%s'",
					  argv[optind]);
	if (a->party && !ll_id_valid(a->party))
		return ll_cli_usage_error("balance", "invalid party id '%s'",
					  a->party);
	if (a->currency && ll_currency_exponent(a->currency) < 0)
		return ll_cli_usage_error("balance", "unknown currency '%s'",
					  a->currency);
	if (strcmp(a->format, "text") != 0 && strcmp(a->format, "csv") != 0)
		return ll_cli_usage_error("balance", "unknown format '%s'",
					  a->format);
	return LL_OK;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct args a;
	struct ll_balance_row *rows = NULL;
	struct ll_error err;
	struct ll_render out;
	enum ll_status rc;
	size_t n = 0, i;

	rc = parse_args(argc, argv, &a);
	if (rc != LL_OK)
		return rc;
	if (a.help)
		return ll_cli_help(usage);
	ll_error_clear(&err);
	rc = ll_cli_open(ctx, &err);
	if (rc == LL_OK)
		rc = ll_db_balances(&ctx->db, a.party, a.currency, &rows, &n,
				    &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		free(rows);
		return rc;
	}
	ll_render_begin(&out, ll_render_backend(a.format), &table, NULL,
			stdout);
	for (i = 0; i < n; i++) {
		char *amt = ll_exact_minor_str_i64(
			rows[i].minor, ll_currency_exponent(rows[i].currency));
		const char *v[] = { rows[i].party, rows[i].kind,
				    rows[i].currency, amt ? amt : "?" };

		ll_render_row(&out, v);
		free(amt);
	}
	free(rows);
	/* only a buffer can fail here; stdout's errors are main's to see */
	return ll_render_end(&out, &err);
}

const struct ll_cmd ll_cmd_balance = { "balance", run, LL_CMD_DB,
				       "account balances from the journal",
				       usage };

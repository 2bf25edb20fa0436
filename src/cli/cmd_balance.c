/*
 * cmd_balance.c — "ledgerline balance": each party's account per
 * currency, from the journal: earned (postings net of reversals), paid
 * (payments net of returns) and open (earned - paid, carried forward).
 *
 * Design decision: balances are always summed from journal lines, never
 * stored, so they cannot drift from the entries they summarise.  The
 * table is laid out by render.h, so the text, CSV and JSON formats share
 * one list of columns.
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
	"                          [--format text|csv|json]\n"
	"\n"
	"Each party's account per currency, summed from the journal over\n"
	"every licensee: earned (everything posted to it, restatements net of\n"
	"their reversals), paid (its payments, net of payments returned) and\n"
	"open (earned - paid: carried forward to the next run; negative when\n"
	"a restatement took back more than was since earned).\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 3 unknown party, 4 database.\n";

/* The columns of every format; the widths are the text format's. */
static const struct ll_render_col columns[] = {
	{ "party", 24, LL_RENDER_LEFT },
	{ "currency", 8, LL_RENDER_LEFT },
	{ "earned", 18, LL_RENDER_RIGHT },
	{ "paid", 18, LL_RENDER_RIGHT },
	{ "open", 18, LL_RENDER_RIGHT },
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
	if (strcmp(a->format, "text") != 0 && strcmp(a->format, "csv") != 0 &&
	    strcmp(a->format, "json") != 0)
		return ll_cli_usage_error("balance", "unknown format '%s'",
					  a->format);
	return LL_OK;
}

/* One row: the three figures as decimal strings. */
static void balance_row(struct ll_render *out, const struct ll_party_balance *b)
{
	int e = ll_currency_exponent(b->currency);
	char *earned = ll_exact_minor_str_i64(b->earned, e);
	char *paid = ll_exact_minor_str_i64(b->paid, e);
	char *open = ll_exact_minor_str_i64(b->open, e);
	const char *v[] = { b->party, b->currency, earned ? earned : "?",
			    paid ? paid : "?", open ? open : "?" };

	ll_render_row(out, v);
	free(earned);
	free(paid);
	free(open);
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct args a;
	struct ll_party_balance *rows = NULL;
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
		rc = ll_db_party_balances(&ctx->db, a.party, &rows, &n, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		free(rows);
		return rc;
	}
	ll_render_begin(&out, ll_render_backend(a.format), &table, NULL,
			stdout);
	for (i = 0; i < n; i++) {
		if (!a.currency || strcmp(rows[i].currency, a.currency) == 0)
			balance_row(&out, &rows[i]);
	}
	free(rows);
	/* only a buffer can fail here; stdout's errors are main's to see */
	return ll_render_end(&out, &err);
}

const struct ll_cmd ll_cmd_balance = { "balance", run, LL_CMD_DB,
				       "earned, paid and open per party",
				       usage };

/*
 * cmd_balance.c — "ledgerline balance": account balances per party, kind
 * and currency, from the journal.
 *
 * Design decision: balances are always summed from journal lines (the
 * ledgerline.balance view), never stored, so they cannot drift from the
 * entries they summarise.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/cli.h"
#include "ledgerline/db.h"
#include "ledgerline/exact.h"
#include "ledgerline/ident.h"

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

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "party", required_argument, NULL, 'p' },
		{ "currency", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *party = NULL, *currency = NULL, *format = NULL;
	struct ll_balance_row *rows = NULL;
	struct ll_error err;
	enum ll_status rc;
	size_t n = 0, i;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ll_cli_help(usage);
		case 'p':
			rc = ll_cli_set_once("balance", "--party", &party,
					     optarg);
			break;
		case 'c':
			rc = ll_cli_set_once("balance", "--currency", &currency,
					     optarg);
			break;
		case 'f':
			rc = ll_cli_set_once("balance", "--format", &format,
					     optarg);
			break;
		default:
			return ll_cli_usage_error("balance", "invalid option");
		}
		if (rc != LL_OK)
			return rc;
	}
	if (!format)
		format = "text";
	if (optind != argc)
		return ll_cli_usage_error("balance", "unexpected argument '%s'",
					  argv[optind]);
	if (party && !ll_id_valid(party))
		return ll_cli_usage_error("balance", "invalid party id '%s'",
					  party);
	if (currency && ll_currency_exponent(currency) < 0)
		return ll_cli_usage_error("balance", "unknown currency '%s'",
					  currency);
	if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0)
		return ll_cli_usage_error("balance", "unknown format '%s'",
					  format);
	ll_error_clear(&err);
	rc = ll_cli_open(ctx, &err);
	if (rc == LL_OK)
		rc = ll_db_balances(&ctx->db, party, currency, &rows, &n,
				    &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		free(rows);
		return rc;
	}
	if (strcmp(format, "csv") == 0)
		printf("party,account,currency,balance\n");
	else
		printf("%-24s %-24s %-8s %18s\n", "party", "account",
		       "currency", "balance");
	for (i = 0; i < n; i++) {
		char *amt = ll_exact_minor_str_i64(
			rows[i].minor, ll_currency_exponent(rows[i].currency));

		if (strcmp(format, "csv") == 0)
			printf("%s,%s,%s,%s\n", rows[i].party, rows[i].kind,
			       rows[i].currency, amt ? amt : "?");
		else
			printf("%-24s %-24s %-8s %18s\n", rows[i].party,
			       rows[i].kind, rows[i].currency, amt ? amt : "?");
		free(amt);
	}
	free(rows);
	return LL_OK;
}

const struct ll_cmd ll_cmd_balance = { "balance", run, LL_CMD_DB,
				       "account balances from the journal",
				       usage };

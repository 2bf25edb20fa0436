/*
 * cmd_audit.c — "ledgerline audit": verify the journal's hash chain, its
 * zero sums and the posting structure.
 *
 * Design decision: the audit trusts nothing stored about the chain: it
 * recomputes every entry's hash from the entry's rows, so an edit made
 * with the database's own protections switched off is found at the first
 * changed entry.
 */
#include <getopt.h>
#include <stdio.h>

#include "ledgerline/cli.h"
#include "ledgerline/db.h"

static const char usage[] =
	"usage: ledgerline audit\n"
	"\n"
	"Recompute the hash chain over every journal entry (each entry's hash\n"
	"covers its content and the previous entry's hash), check that every\n"
	"entry and every currency sums to zero, that each period has one\n"
	"posting in force, that reversals exactly negate what they reverse and\n"
	"that postings carry their runs' totals.  Prints the chain head.\n"
	"\n"
	"Exit codes: 0 the ledger is intact, 1 a problem was found (the first\n"
	"bad entry is named), 2 usage, 4 database.\n";

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct ll_error err;
	struct ll_audit a;
	enum ll_status rc;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			return ll_cli_help(usage);
		return ll_cli_usage_error("audit", "invalid option");
	}
	if (optind != argc)
		return ll_cli_usage_error("audit", "unexpected argument '%s'",
					  argv[optind]);
	ll_error_clear(&err);
	rc = ll_cli_open(ctx, &err);
	if (rc == LL_OK)
		rc = ll_db_audit(&ctx->db, &a, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	if (a.problem[0]) {
		ll_cli_fail(LL_FINDINGS, "audit failed: %s", a.problem);
		return LL_FINDINGS;
	}
	printf("ledger intact: %lld journal entries, %lld lines, chain head "
	       "%s\n",
	       (long long)a.entries, (long long)a.lines, a.head);
	return LL_OK;
}

const struct ll_cmd ll_cmd_audit = { "audit", run, LL_CMD_DB,
				     "verify the journal's hash chain and sums",
				     usage };

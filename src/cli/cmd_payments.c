/*
 * cmd_payments.c — "ledgerline payments return": record payments the
 * bank returned (SPEC §5), so that the balances they settled reopen and
 * the next run pays them.
 *
 * Design decision: all or nothing.  Every end-to-end id, from the command
 * line and from --file, is checked for its form first; then each return
 * is posted (a payment_return entry that exactly negates the payment's
 * entry, chained like every entry) inside one transaction, and one id
 * that names no payment, or one already returned (given twice included),
 * rolls every one of them back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/account.h"
#include "ledgerline/cli.h"
#include "ledgerline/db.h"
#include "ledgerline/input.h"

enum {
	RETURN_IDS_MAX = 100000,		/* ids in one invocation */
	RETURN_FILE_BYTES_MAX = 8 << 20,	/* a --file list */
};

static const char usage[] =
	"usage: ledgerline payments return END_TO_END_ID... [--file LIST]\n"
	"\n"
	"Record payments the bank returned.  For each end-to-end id (as in\n"
	"payouts.csv and the pain.001 files), a journal entry reverses the\n"
	"payment's entry exactly: the balances it settled are open again and\n"
	"the next run pays them (SPEC §5).  LIST is a file (or '-') with one\n"
	"end-to-end id a line; blank lines and lines starting with '#' are\n"
	"skipped.\n"
	"\n"
	"All or nothing: an id that names no payment, or a payment already\n"
	"returned, stops the command with nothing recorded (exit 3).\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 3 invalid input, 4 database.\n";

struct ids {
	const char **v;
	size_t n;
	char *text;		/* the --file list (owned); v points into it */
};

/* An end-to-end id as ledgerline derives them: "LL" + 32 hex digits. */
static bool e2e_valid(const char *s)
{
	return strlen(s) == 2 + 32 && strncmp(s, "LL", 2) == 0 &&
	       strspn(s + 2, "0123456789abcdef") == 32;
}

static enum ll_status add_id(struct ids *ids, const char *id,
			     const char *source, long line)
{
	struct ll_error err;

	if (!e2e_valid(id)) {
		ll_error_set(&err, LL_INVALID, source, line, NULL,
			     "\"%.40s\" is not an end-to-end id (LL and 32 "
			     "hex digits)", id);
		ll_cli_print_error(&err);
		return LL_INVALID;
	}
	if (ids->n >= RETURN_IDS_MAX)
		return ll_cli_usage_error("payments", "more than %d ids",
					  RETURN_IDS_MAX);
	ids->v[ids->n++] = id;
	return LL_OK;
}

/* The ids of the list file spec, one a line. */
static enum ll_status read_list(struct ids *ids, const char *spec)
{
	struct ll_error err;
	char *line, *next;
	size_t len;
	long no = 0;
	enum ll_status rc;

	ll_error_clear(&err);
	rc = ll_input_read_all(spec, RETURN_FILE_BYTES_MAX, &ids->text, &len,
			       &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	for (line = ids->text; line && *line && rc == LL_OK; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		no++;
		line[strcspn(line, "\r")] = '\0';
		if (line[0] != '\0' && line[0] != '#')
			rc = add_id(ids, line, spec, no);
	}
	return rc;
}

static enum ll_status parse_args(int argc, char **argv, struct ids *ids,
				 int *help)
{
	const char *file = NULL;
	enum ll_status rc = LL_OK;
	int i;

	*help = 0;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		*help = argc >= 2;
		return *help ? LL_OK
			     : ll_cli_usage_error("payments",
						  "expected 'return'");
	}
	if (strcmp(argv[1], "return") != 0)
		return ll_cli_usage_error("payments", "unknown action '%s'",
					  argv[1]);
	ids->v = calloc((size_t)argc + RETURN_IDS_MAX, sizeof(*ids->v));
	if (!ids->v)
		return ll_cli_fail(LL_NOMEM, "out of memory");
	for (i = 2; i < argc && rc == LL_OK; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			*help = 1;
		else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
			rc = ll_cli_set_once("payments", "--file", &file,
					     argv[++i]);
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return ll_cli_usage_error("payments",
						  "unexpected option '%s'",
						  argv[i]);
		else
			rc = add_id(ids, argv[i], "command line", 0);
	}
	if (rc == LL_OK && !*help && file)
		rc = read_list(ids, file);
	if (rc == LL_OK && !*help && ids->n == 0)
		return ll_cli_usage_error("payments",
					  "return needs at least one "
					  "END_TO_END_ID");
	return rc;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct ids ids = { NULL, 0, NULL };
	struct ll_error err;
	int64_t entries = 0;
	enum ll_status rc;
	int help;

	ll_error_clear(&err);
	rc = parse_args(argc, argv, &ids, &help);
	if (rc == LL_OK && help)
		rc = ll_cli_help(usage);
	else if (rc == LL_OK) {
		rc = ll_cli_open(ctx, &err);
		if (rc == LL_OK)
			rc = ll_db_return_payments(&ctx->db, ids.v, ids.n,
						   &entries, &err);
		if (rc == LL_OK)
			rc = ll_cli_commit(ctx, &err);
		if (rc != LL_OK) {
			ll_cli_print_error(&err);
			fprintf(stderr, "ledgerline: nothing was recorded\n");
		} else {
			printf("returned: %zu payment%s, %lld journal "
			       "entr%s; the balances are open again\n",
			       ids.n, ids.n == 1 ? "" : "s",
			       (long long)entries, entries == 1 ? "y" : "ies");
		}
	}
	free(ids.v);
	free(ids.text);
	return rc;
}

const struct ll_cmd ll_cmd_payments = { "payments", run, LL_CMD_TX,
					"record payments the bank returned",
					usage };

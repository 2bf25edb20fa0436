/*
 * cmd_verify.c — "ledgerline verify": check signed statements and
 * checkpoints with no database, as a licensor or an artist would.
 *
 * Design decision: every statement is checked on its own (signature,
 * shape, arithmetic, Merkle inclusion) and then all of them against each
 * other (one run, one root), so a statement lifted from another run or
 * party is caught even without a published root.  A checkpoint is told
 * apart by its predicateType and checked on its own (signature, shape,
 * subject digest, --root), since checkpoints of several postings may
 * rightly be verified together.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/checkpoint.h"
#include "ledgerline/cli.h"
#include "ledgerline/io.h"
#include "ledgerline/sign.h"
#include "ledgerline/statement.h"

enum { STATEMENT_BYTES_MAX = 256 * 1024 * 1024 };

static const char usage[] =
	"usage: ledgerline verify FILE... --key PUB.pem [--root HEX]\n"
	"\n"
	"Verify signed statements (statements/<party>.dsse.json) and\n"
	"checkpoints (checkpoint.dsse.json) without any database: the Ed25519\n"
	"signature over the DSSE envelope by the given public key, the in-toto\n"
	"statement and its subject digest; for a statement, the arithmetic\n"
	"(lines sum to the totals, exact and rounded; every amount is its\n"
	"exact fraction rounded by largest remainder; share × work_exact =\n"
	"exact on every line; in a restatement, adjustment = amount -\n"
	"previous on every line; per currency of the statement of account,\n"
	"opening + earned + adjustments - payments = closing, earned the\n"
	"statement's total), the Merkle inclusion proof, that the file name\n"
	"matches the party, and that all statements given belong to one run.\n"
	"Each file's line says whether it was a statement or a checkpoint.\n"
	"--root checks the run's Merkle root (a checkpoint's merkle_root)\n"
	"against a published one.\n"
	"\n"
	"Exit codes: 0 every file verifies, 1 one does not (named),\n"
	"2 usage, 3 unreadable input.\n";

/* Files verified so far, and the run the statements belong to. */
struct tally {
	int statements, checkpoints, bad;
	char first_root[LL_SHA256_HEX_LEN + 1], first_run[LL_RUN_ID_SIZE];
};

/* Verify checkpoint file name (its bytes: text, len); print the verdict. */
static enum ll_status check_checkpoint(const char *name, const char *text,
				       size_t len, const struct ll_key *key,
				       const char *root, struct tally *t,
				       struct ll_error *err)
{
	struct ll_checkpoint_verdict v;
	enum ll_status rc = ll_checkpoint_verify(text, len, key, root, &v, err);

	if (rc != LL_OK)
		return rc;
	t->checkpoints++;
	if (v.problem[0]) {
		t->bad++;
		fprintf(stderr, "ledgerline: %s: FAILED: checkpoint: %s\n",
			name, v.problem);
		return LL_OK;
	}
	printf("%s: OK: checkpoint of %s %s posting %lld, %s, %lld journal "
	       "entries, head %s, root %s\n",
	       name, v.cp.licensee, v.cp.label, (long long)v.cp.posting,
	       v.cp.run_id, (long long)v.cp.entries, v.cp.head,
	       v.cp.merkle_root);
	return LL_OK;
}

/* Verify statement file name; print the verdict. */
static enum ll_status check_statement(const char *name, const char *text,
				      size_t len, const struct ll_key *key,
				      const char *root, struct tally *t,
				      struct ll_error *err)
{
	struct ll_verdict v;
	enum ll_status rc = ll_statement_verify(name, text, len, key, root, &v,
						err);

	if (rc != LL_OK)
		return rc;
	t->statements++;
	if (!v.problem[0] && t->first_root[0] &&
	    (strcmp(t->first_root, v.root) != 0 ||
	     strcmp(t->first_run, v.run_id) != 0))
		snprintf(v.problem, sizeof(v.problem),
			 "belongs to run %s (root %.16s...), not to "
			 "run %s of the statements before it",
			 v.run_id, v.root, t->first_run);
	if (v.problem[0]) {
		t->bad++;
		fprintf(stderr, "ledgerline: %s: FAILED: %s\n", name,
			v.problem);
		return LL_OK;
	}
	if (!t->first_root[0] &&
	    (!ll_str_copy(t->first_root, sizeof(t->first_root), v.root) ||
	     !ll_str_copy(t->first_run, sizeof(t->first_run), v.run_id)))
		return ll_error_set(err, LL_INVALID, name, 0, NULL,
				    "run id or root too long");
	printf("%s: OK: statement of party %s, %s, root %s\n", name, v.party,
	       v.run_id, v.root);
	return LL_OK;
}

/* The closing line: what was verified, or how many failed. */
static void summary(const struct tally *t, const struct ll_key *key)
{
	int n = t->statements + t->checkpoints;

	if (t->bad && t->checkpoints)
		fprintf(stderr, "ledgerline: %d of %d file%s failed\n", t->bad,
			n, n == 1 ? "" : "s");
	else if (t->bad)
		fprintf(stderr, "ledgerline: %d of %d statement%s failed\n",
			t->bad, n, n == 1 ? "" : "s");
	else if (t->checkpoints)
		printf("%d statement%s and %d checkpoint%s verified with key "
		       "%s\n",
		       t->statements, t->statements == 1 ? "" : "s",
		       t->checkpoints, t->checkpoints == 1 ? "" : "s",
		       key->keyid);
	else
		printf("%d statement%s verified with key %s\n", n,
		       n == 1 ? "" : "s", key->keyid);
}

static enum ll_status parse_args(int argc, char **argv, const char **key_path,
				 const char **root, int *help)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "key", required_argument, NULL, 'k' },
		{ "root", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	enum ll_status rc = LL_OK;
	int c;

	*help = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			*help = 1;
			return LL_OK;
		case 'k':
			rc = ll_cli_set_once("verify", "--key", key_path,
					     optarg);
			break;
		case 'r':
			rc = ll_cli_set_once("verify", "--root", root, optarg);
			break;
		default:
			return ll_cli_usage_error("verify", "invalid option");
		}
		if (rc != LL_OK)
			return rc;
	}
	if (!*key_path)
		return ll_cli_usage_error("verify", "--key PUB.pem is required");
	if (optind >= argc)
		return ll_cli_usage_error("verify", "no file given");
	if (*root && strlen(*root) != 64)
		return ll_cli_usage_error("verify",
					  "--root must be 64 hex digits");
	return LL_OK;
}

/* Read file path and check it as what it is: a checkpoint or a
 * statement.  Returns LL_OK unless it could not be read or checked at
 * all (then err says why). */
static enum ll_status verify_one(const char *path, const struct ll_key *key,
				 const char *root, struct tally *t,
				 struct ll_error *err)
{
	char *text = NULL;
	size_t len = 0;
	enum ll_status rc;

	rc = ll_read_all(path, STATEMENT_BYTES_MAX, &text, &len, err);
	if (rc == LL_OK && ll_checkpoint_envelope_is(text, len))
		rc = check_checkpoint(path, text, len, key, root, t, err);
	else if (rc == LL_OK)
		rc = check_statement(path, text, len, key, root, t, err);
	free(text);
	return rc;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	const char *key_path = NULL, *root = NULL;
	struct tally t;
	struct ll_error err;
	struct ll_key key;
	enum ll_status rc;
	int i, help;

	(void)ctx; /* no configuration, no database */
	rc = parse_args(argc, argv, &key_path, &root, &help);
	if (rc != LL_OK)
		return rc;
	if (help)
		return ll_cli_help(usage);
	memset(&t, 0, sizeof(t));
	ll_error_clear(&err);
	ll_key_init(&key);
	rc = ll_key_load_public(&key, key_path, &err);
	for (i = optind; i < argc && rc == LL_OK; i++)
		rc = verify_one(argv[i], &key, root, &t, &err);
	if (rc != LL_OK)
		ll_cli_print_error(&err);
	else
		summary(&t, &key);
	ll_key_release(&key);
	if (rc != LL_OK)
		return rc == LL_IO ? LL_INVALID : rc;
	return t.bad ? LL_FINDINGS : LL_OK;
}

const struct ll_cmd ll_cmd_verify = { "verify", run, 0,
				      "verify signed statements and "
				      "checkpoints (no database)",
				      usage };

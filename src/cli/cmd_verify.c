/*
 * cmd_verify.c — "ledgerline verify": check signed statements with no
 * database, as a licensor or an artist would.
 *
 * Design decision: every statement is checked on its own (signature,
 * shape, arithmetic, Merkle inclusion) and then all of them against each
 * other (one run, one root), so a statement lifted from another run or
 * party is caught even without a published root.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/cli.h"
#include "ledgerline/io.h"
#include "ledgerline/sign.h"
#include "ledgerline/statement.h"

enum { STATEMENT_BYTES_MAX = 256 * 1024 * 1024 };

static const char usage[] =
	"usage: ledgerline verify STATEMENT... --key PUB.pem [--root HEX]\n"
	"\n"
	"Verify signed statements (statements/<party>.dsse.json) without any\n"
	"database: the Ed25519 signature over the DSSE envelope by the given\n"
	"public key, the in-toto statement and its subject digest, the\n"
	"arithmetic (lines sum to the totals, exact and rounded; every amount\n"
	"is its exact fraction rounded by largest remainder), the Merkle\n"
	"inclusion proof, that the file name matches the party, and that all\n"
	"statements given belong to one run.  --root checks the run's Merkle\n"
	"root against a published one.\n"
	"\n"
	"Exit codes: 0 every statement verifies, 1 one does not (named),\n"
	"2 usage, 3 unreadable input.\n";

/* The statements checked so far: the run and root of the first one that
 * verified, which every later one must share, and how many failed. */
struct seen {
	char root[65], run_id[64];
	int bad;
};

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
		return ll_cli_usage_error("verify", "no statement given");
	if (*root && strlen(*root) != 64)
		return ll_cli_usage_error("verify",
					  "--root must be 64 hex digits");
	return LL_OK;
}

/* Check the statement in file path and say so: "OK" on stdout, "FAILED"
 * on stderr (counted in seen->bad).  Returns LL_OK unless the file could
 * not be read or checked at all (then err says why). */
static enum ll_status verify_one(const char *path, const struct ll_key *key,
				 const char *root, struct seen *seen,
				 struct ll_error *err)
{
	struct ll_verdict v;
	char *text = NULL;
	size_t len = 0;
	enum ll_status rc;

	rc = ll_read_all(path, STATEMENT_BYTES_MAX, &text, &len, err);
	if (rc == LL_OK)
		rc = ll_statement_verify(path, text, len, key, root, &v, err);
	free(text);
	if (rc != LL_OK)
		return rc;
	if (!v.problem[0] && seen->root[0] &&
	    (strcmp(seen->root, v.root) != 0 ||
	     strcmp(seen->run_id, v.run_id) != 0))
		snprintf(v.problem, sizeof(v.problem),
			 "belongs to run %s (root %.16s...), not to "
			 "run %s of the statements before it",
			 v.run_id, v.root, seen->run_id);
	if (v.problem[0]) {
		seen->bad++;
		fprintf(stderr, "ledgerline: %s: FAILED: %s\n", path,
			v.problem);
		return LL_OK;
	}
	if (!seen->root[0] &&
	    (!ll_str_copy(seen->root, sizeof(seen->root), v.root) ||
	     !ll_str_copy(seen->run_id, sizeof(seen->run_id), v.run_id)))
		return ll_error_set(err, LL_INVALID, path, 0, NULL,
				    "run id or root too long");
	printf("%s: OK: party %s, %s, root %s\n", path, v.party, v.run_id,
	       v.root);
	return LL_OK;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	const char *key_path = NULL, *root = NULL;
	struct seen seen = { "", "", 0 };
	struct ll_error err;
	struct ll_key key;
	enum ll_status rc;
	int i, help, n;

	(void)ctx; /* no configuration, no database */
	rc = parse_args(argc, argv, &key_path, &root, &help);
	if (rc != LL_OK)
		return rc;
	if (help)
		return ll_cli_help(usage);
	ll_error_clear(&err);
	ll_key_init(&key);
	rc = ll_key_load_public(&key, key_path, &err);
	for (i = optind; i < argc && rc == LL_OK; i++)
		rc = verify_one(argv[i], &key, root, &seen, &err);
	n = argc - optind;
	if (rc != LL_OK)
		ll_cli_print_error(&err);
	else if (seen.bad)
		fprintf(stderr, "ledgerline: %d of %d statement%s failed\n",
			seen.bad, n, n == 1 ? "" : "s");
	else
		printf("%d statement%s verified with key %s\n", n,
		       n == 1 ? "" : "s", key.keyid);
	ll_key_release(&key);
	if (rc != LL_OK)
		return rc == LL_IO ? LL_INVALID : rc;
	return seen.bad ? LL_FINDINGS : LL_OK;
}

const struct ll_cmd ll_cmd_verify = { "verify", run, 0,
				      "verify signed statements (no database)",
				      usage };

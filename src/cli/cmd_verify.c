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

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "key", required_argument, NULL, 'k' },
		{ "root", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *key_path = NULL, *root = NULL;
	char first_root[65] = "", first_run[64] = "";
	struct ll_error err;
	struct ll_key key;
	enum ll_status rc = LL_OK;
	int c, i, bad = 0;

	(void)ctx; /* no configuration, no database */

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ll_cli_help(usage);
		case 'k':
			rc = ll_cli_set_once("verify", "--key", &key_path,
					     optarg);
			break;
		case 'r':
			rc = ll_cli_set_once("verify", "--root", &root, optarg);
			break;
		default:
			return ll_cli_usage_error("verify", "invalid option");
		}
		if (rc != LL_OK)
			return rc;
	}
	if (!key_path)
		return ll_cli_usage_error("verify", "--key PUB.pem is required");
	if (optind >= argc)
		return ll_cli_usage_error("verify", "no statement given");
	if (root && strlen(root) != 64)
		return ll_cli_usage_error("verify",
					  "--root must be 64 hex digits");
	ll_error_clear(&err);
	ll_key_init(&key);
	rc = ll_key_load_public(&key, key_path, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		ll_key_release(&key);
		return rc == LL_IO ? LL_INVALID : rc;
	}
	for (i = optind; i < argc; i++) {
		struct ll_verdict v;
		char *text = NULL;
		size_t len = 0;

		rc = ll_read_all(argv[i], STATEMENT_BYTES_MAX, &text, &len,
				 &err);
		if (rc == LL_OK)
			rc = ll_statement_verify(argv[i], text, len, &key, root,
						 &v, &err);
		free(text);
		if (rc != LL_OK) {
			ll_cli_print_error(&err);
			break;
		}
		if (!v.problem[0] && first_root[0] &&
		    (strcmp(first_root, v.root) != 0 ||
		     strcmp(first_run, v.run_id) != 0))
			snprintf(v.problem, sizeof(v.problem),
				 "belongs to run %s (root %.16s...), not to "
				 "run %s of the statements before it",
				 v.run_id, v.root, first_run);
		if (v.problem[0]) {
			bad++;
			fprintf(stderr, "ledgerline: %s: FAILED: %s\n", argv[i],
				v.problem);
			continue;
		}
		if (!first_root[0]) {
			snprintf(first_root, sizeof(first_root), "%s", v.root);
			snprintf(first_run, sizeof(first_run), "%s", v.run_id);
		}
		printf("%s: OK: party %s, %s, root %s\n", argv[i], v.party,
		       v.run_id, v.root);
	}
	if (rc == LL_OK && bad)
		fprintf(stderr, "ledgerline: %d of %d statement%s failed\n", bad,
			argc - optind, argc - optind == 1 ? "" : "s");
	else if (rc == LL_OK)
		printf("%d statement%s verified with key %s\n", argc - optind,
		       argc - optind == 1 ? "" : "s", key.keyid);
	ll_key_release(&key);
	if (rc != LL_OK)
		return rc == LL_IO ? LL_INVALID : rc;
	return bad ? LL_FINDINGS : LL_OK;
}

const struct ll_cmd ll_cmd_verify = { "verify", run, 0,
				      "verify signed statements (no database)",
				      usage };

/*
 * cmd_audit.c — "ledgerline audit": check the ledger against what
 * ledgerline signed and stored (SPEC §5 "Tamper evidence").
 *
 * Design decision: the audit trusts nothing it merely reads back: the
 * journal's hash chain is recomputed from the rows, and every stored
 * figure is held against a signature by the signing key (the configured
 * key's public half, or --key), so an edit made with the database's own
 * protections switched off and the chain recomputed after it is still
 * found.  Every finding is printed, not only the first.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "ledgerline/cli.h"
#include "ledgerline/config.h"
#include "ledgerline/db.h"
#include "ledgerline/input.h"
#include "ledgerline/sign.h"

enum {
	CHECKPOINTS_MAX = 4096,			/* --checkpoint files */
	CHECKPOINT_BYTES_MAX = 1024 * 1024,	/* one checkpoint file */
};

static const char usage[] =
	"usage: ledgerline audit [--key PUB.pem] [--checkpoint FILE...]\n"
	"\n"
	"Check the ledger against what ledgerline signed and stored:\n"
	"  - the hash chain over every journal entry, recomputed from the rows;\n"
	"    every entry and every currency sums to zero; one posting in force\n"
	"    per period; a reversal only reverses an entry of the posting its\n"
	"    posting supersedes, each once, exactly negated;\n"
	"  - every stored statement: its digest, its signature by the key, and\n"
	"    each posting's Merkle root recomputed from its stored statements;\n"
	"  - each run's stored lines, party and licence totals, input digests\n"
	"    and payee earnings against its signed statements;\n"
	"  - each posting's payments (amounts, parties settled, end-to-end ids)\n"
	"    against their journal entries and its signed statements, and each\n"
	"    returned payment against the payment it reverses;\n"
	"  - run.json's two stored copies, and the compliance report against the\n"
	"    digest run.json names;\n"
	"  - every registry record against its stored digest;\n"
	"  - every posting's signed checkpoint against the chain recomputed up\n"
	"    to that posting (entry count and head).\n"
	"\n"
	"  --key PUB.pem  the public key statements must be signed with (default:\n"
	"                 the public half of the configured signing key); every\n"
	"                 posting's stored key id must be its id\n"
	"  --checkpoint FILE...\n"
	"                 checkpoint.dsse.json files kept from earlier runs: each\n"
	"                 must verify with the key, and the ledger must still\n"
	"                 hold its posting (same run and root) and at least its\n"
	"                 number of journal entries, the last of them hashing to\n"
	"                 its head; a ledger rolled back to before it is a\n"
	"                 finding naming the missing posting\n"
	"\n"
	"Every finding is printed, one a line.  Exit codes: 0 the ledger is\n"
	"intact, 1 findings, 2 usage (or no usable key), 4 database.\n";

/* The key to audit with: --key, else the configured signing key's public
 * half (its .pub.pem, else the private key file itself). */
static enum ll_status audit_key(const struct ll_config *cfg,
				const char *key_path, struct ll_key *key,
				struct ll_error *err)
{
	char priv[PATH_MAX], pub[PATH_MAX];
	enum ll_status rc;

	if (key_path)
		return ll_key_load_public(key, key_path, err);
	rc = ll_config_key_paths(cfg, priv, pub, err);
	if (rc != LL_OK)
		return rc;
	if (ll_key_load_public(key, pub, err) == LL_OK)
		return LL_OK;
	ll_error_clear(err);
	return ll_key_load_public(key, priv, err);
}

/* The files given to --checkpoint. */
struct kept {
	struct ll_audit_checkpoint v[CHECKPOINTS_MAX];
	char *text[CHECKPOINTS_MAX];	/* owned */
	size_t n;
};

static void kept_release(struct kept *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->text[i]);
	k->n = 0;
}

/* Read every --checkpoint file (names borrowed from argv). */
static enum ll_status kept_read(struct kept *k, const char *const *names,
				size_t n, struct ll_error *err)
{
	enum ll_status rc = LL_OK;

	for (k->n = 0; k->n < n && rc == LL_OK; k->n++) {
		size_t len = 0;

		rc = ll_input_read_all(names[k->n], CHECKPOINT_BYTES_MAX,
				       &k->text[k->n], &len, err);
		if (rc != LL_OK)
			break;
		k->v[k->n].name = names[k->n];
		k->v[k->n].envelope = k->text[k->n];
		k->v[k->n].len = len;
	}
	return rc;
}

/* Print the findings (those kept, then how many more) or the summary. */
static enum ll_status report(const struct ll_audit *a)
{
	size_t i, kept = a->n_findings < LL_AUDIT_FINDINGS_MAX
				 ? a->n_findings
				 : LL_AUDIT_FINDINGS_MAX;

	if (a->n_findings == 0) {
		printf("ledger intact: %lld journal entries, %lld lines, chain "
		       "head %s; %lld postings, %lld statements, %lld "
		       "checkpoints, %lld registry records checked against "
		       "their signatures and digests\n",
		       (long long)a->entries, (long long)a->lines, a->head,
		       (long long)a->postings, (long long)a->statements,
		       (long long)a->checkpoints, (long long)a->records);
		return LL_OK;
	}
	for (i = 0; i < kept; i++)
		fprintf(stderr, "ledgerline: audit failed: %s\n", a->findings[i]);
	if (a->n_findings > kept)
		fprintf(stderr, "ledgerline: audit failed: and %zu more\n",
			a->n_findings - kept);
	return ll_cli_fail(LL_FINDINGS, "audit: %zu finding%s", a->n_findings,
			   a->n_findings == 1 ? "" : "s");
}

/* audit's options: --key into *key_path, --checkpoint FILE... into
 * names[0..*n); *help for --help. */
static enum ll_status parse_args(int argc, char **argv, const char **key_path,
				 const char **names, size_t *n, int *help)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "key", required_argument, NULL, 'k' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	enum ll_status rc;
	int c;

	*help = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			*help = 1;
			return LL_OK;
		}
		if (c == 'k') {
			rc = ll_cli_set_once("audit", "--key", key_path, optarg);
			if (rc != LL_OK)
				return rc;
			continue;
		}
		if (c != 'c')
			return ll_cli_usage_error("audit", "invalid option");
		/* FILE..., up to the next option */
		names[(*n)++] = optarg;
		while (optind < argc && argv[optind][0] != '-' &&
		       *n < CHECKPOINTS_MAX)
			names[(*n)++] = argv[optind++];
		if (optind < argc && argv[optind][0] != '-')
			return ll_cli_usage_error("audit", "more than %d "
					"checkpoints", CHECKPOINTS_MAX);
	}
	if (optind != argc)
		return ll_cli_usage_error("audit", "unexpected argument '%s'",
					  argv[optind]);
	return LL_OK;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	static const char *names[CHECKPOINTS_MAX];
	static struct kept kept;
	size_t n_names = 0;
	struct ll_error err;
	struct ll_audit a;
	struct ll_key key;
	const char *key_path = NULL;
	enum ll_status rc;
	int help;

	rc = parse_args(argc, argv, &key_path, names, &n_names, &help);
	if (rc != LL_OK || help)
		return rc != LL_OK ? rc : ll_cli_help(usage);
	ll_error_clear(&err);
	ll_key_init(&key);
	rc = ll_cli_open(ctx, &err);
	if (rc == LL_OK &&
	    audit_key(&ctx->cfg, key_path, &key, &err) != LL_OK) {
		ll_cli_print_error(&err);
		ll_key_release(&key);
		return ll_cli_fail(LL_USAGE, "no key to audit with: give --key "
					     "PUB.pem or configure signing.key");
	}
	if (rc == LL_OK)
		rc = kept_read(&kept, names, n_names, &err);
	if (rc == LL_OK)
		rc = ll_db_audit(&ctx->db, &key, kept.v, kept.n, &a, &err);
	ll_key_release(&key);
	kept_release(&kept);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	return report(&a);
}

const struct ll_cmd ll_cmd_audit = {
	"audit", run, LL_CMD_DB,
	"check the ledger against its signatures and digests", usage
};

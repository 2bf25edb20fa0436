/*
 * cmd_load.c — "ledgerline load FILE...": validate registry files and
 * store them as new record versions, atomically.
 *
 * Design decision: the stored registries are read and merged with the new
 * files inside the same transaction that writes, under a registry lock, so
 * validation always sees exactly the state the load commits on top of.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/cli.h"
#include "ledgerline/db.h"
#include "ledgerline/digest.h"
#include "ledgerline/input.h"
#include "ledgerline/io.h"
#include "ledgerline/registry.h"

static const char usage[] =
	"usage: ledgerline load [--dry-run] FILE...\n"
	"\n"
	"Load registry files (SPEC §2.1): JSON objects holding any of the\n"
	"arrays \"parties\", \"works\", \"consents\" and \"licences\".  FILE may\n"
	"be '-' for standard input.\n"
	"\n"
	"Every record is validated: identifiers, exact numbers, splits summing\n"
	"to exactly 1, references to parties and works (in these files or\n"
	"already stored).  Loading is atomic: any error and nothing is stored.\n"
	"A record identical to the stored one is unchanged; a changed record\n"
	"becomes a new version, and the old one is kept.  The report counts\n"
	"the records of each kind and names the new and changed ones (the\n"
	"first ten of each, then how many more).\n"
	"\n"
	"  --dry-run   validate and report, store nothing\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 3 invalid input, 4 database.\n";

struct input {
	char *text;
	size_t len;
};

enum {
	REGISTRY_FILE_IDS_SHOWN_MAX = 10,	/* ids listed per kind and change,
						 * then "and N more" */
};

enum change { CHANGE_NONE, CHANGE_NEW, CHANGE_CHANGED, CHANGE_UNCHANGED };

/* What loading record m does to the store. */
static enum change change_of(const struct ll_record_meta *m)
{
	if (m->stored)
		return CHANGE_NONE; /* read back, not loaded */
	if (m->prev_version == 0)
		return CHANGE_NEW;
	if (strcmp(m->prev_sha256, m->sha256) == 0)
		return CHANGE_UNCHANGED;
	return CHANGE_CHANGED;
}

/* "new: P-A, P-B" or "changed: P-C (version 2), ... and 3 more": the ids
 * of kind k that the load adds or changes, on one line; nothing when
 * there are none. */
static void print_ids(const struct ll_registry *reg, enum ll_record_kind k,
		      enum change want)
{
	size_t i, n = 0;

	for (i = 0; i < ll_registry_count(reg, k); i++) {
		const struct ll_record_meta *m = ll_registry_meta(reg, k, i);

		if (change_of(m) != want)
			continue;
		if (n == 0)
			printf("            %s: ",
			       want == CHANGE_NEW ? "new" : "changed");
		if (n < REGISTRY_FILE_IDS_SHOWN_MAX) {
			printf("%s%s", n ? ", " : "", ll_registry_id(reg, k, i));
			if (want == CHANGE_CHANGED)
				printf(" (version %d)", m->prev_version + 1);
		}
		n++;
	}
	if (n > REGISTRY_FILE_IDS_SHOWN_MAX)
		printf(" and %zu more", n - REGISTRY_FILE_IDS_SHOWN_MAX);
	if (n)
		putchar('\n');
}

/* The load's report: per kind, counts and the ids new or changed. */
static void print_counts(const struct ll_registry *reg,
			 const struct ll_load_counts *c, int64_t load_id,
			 size_t n_files, bool dry_run)
{
	int k;

	if (dry_run)
		printf("dry run: %zu file%s valid, nothing stored\n", n_files,
		       n_files == 1 ? "" : "s");
	else if (load_id)
		printf("load %lld: %zu file%s\n", (long long)load_id, n_files,
		       n_files == 1 ? "" : "s");
	else
		printf("no changes: %zu file%s already loaded\n", n_files,
		       n_files == 1 ? "" : "s");
	for (k = 0; k < LL_REC_KIND_COUNT; k++) {
		printf("  %-9s %zu new, %zu changed, %zu unchanged\n",
		       ll_record_kind_array((enum ll_record_kind)k),
		       c->added[k], c->changed[k], c->unchanged[k]);
		print_ids(reg, (enum ll_record_kind)k, CHANGE_NEW);
		print_ids(reg, (enum ll_record_kind)k, CHANGE_CHANGED);
	}
}

/* Counts without storing, for --dry-run. */
static void count_only(const struct ll_registry *reg,
		       struct ll_load_counts *c)
{
	int k;
	size_t i;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < LL_REC_KIND_COUNT; k++) {
		for (i = 0; i < ll_registry_count(reg, (enum ll_record_kind)k);
		     i++) {
			switch (change_of(ll_registry_meta(
				reg, (enum ll_record_kind)k, i))) {
			case CHANGE_NONE:
				break;
			case CHANGE_NEW:
				c->added[k]++;
				break;
			case CHANGE_CHANGED:
				c->changed[k]++;
				break;
			case CHANGE_UNCHANGED:
				c->unchanged[k]++;
				break;
			}
		}
	}
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct ll_error err;
	struct ll_errlist errs;
	struct ll_registry reg;
	struct ll_load_counts counts;
	struct input *in = NULL;
	struct ll_load_file *files = NULL;
	enum ll_status rc = LL_OK;
	bool dry_run = false;
	int c, i, n, stdin_seen = 0;
	int64_t load_id = 0;

	while ((c = getopt_long(argc, argv, "+hn", opts, NULL)) != -1) {
		if (c == 'h')
			return ll_cli_help(usage);
		if (c == 'n')
			dry_run = true;
		else
			return ll_cli_usage_error("load", "invalid option");
	}
	n = argc - optind;
	if (n < 1)
		return ll_cli_usage_error("load", "no registry file given");
	for (i = optind; i < argc; i++)
		stdin_seen += strcmp(argv[i], "-") == 0;
	if (stdin_seen > 1)
		return ll_cli_usage_error("load",
					  "standard input ('-') given twice");

	ll_error_clear(&err);
	ll_errlist_init(&errs, 0);
	ll_registry_init(&reg);
	in = calloc((size_t)n, sizeof(*in));
	files = calloc((size_t)n, sizeof(*files));
	if (!in || !files) {
		rc = ll_cli_fail(LL_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		uint8_t d[LL_SHA256_LEN];

		rc = ll_read_all(argv[optind + i], LL_REGISTRY_BYTES_MAX,
				 &in[i].text, &in[i].len, &err);
		if (rc != LL_OK) {
			ll_cli_print_error(&err);
			goto out;
		}
		ll_sha256(in[i].text, in[i].len, d);
		ll_hex(d, sizeof(d), files[i].sha256);
		files[i].source = argv[optind + i];
		files[i].bytes = in[i].len;
	}

	rc = ll_cli_open(ctx, &err);
	if (rc == LL_OK)
		rc = ll_db_lock_registry(&ctx->db, &err);
	if (rc == LL_OK)
		rc = ll_db_registry_read(&ctx->db, &reg, &errs, &err);
	if (rc != LL_OK) {
		ll_cli_print_errlist(&errs);
		ll_cli_print_error(&err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		enum ll_status r = ll_registry_parse(&reg, files[i].source,
						     in[i].text, in[i].len,
						     &errs);
		if (r == LL_NOMEM) {
			rc = ll_cli_fail(LL_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = ll_registry_link(&reg, &errs);
	if (rc == LL_NOMEM) {
		rc = ll_cli_fail(LL_NOMEM, "out of memory");
		goto out;
	}
	if (ll_errlist_count(&errs) > 0) {
		ll_errlist_sort(&errs);
		ll_cli_print_errlist(&errs);
		rc = ll_cli_fail(LL_INVALID,
				 "%zu error%s: nothing was loaded",
				 ll_errlist_count(&errs),
				 ll_errlist_count(&errs) == 1 ? "" : "s");
		goto out;
	}
	if (dry_run) {
		count_only(&reg, &counts);
		print_counts(&reg, &counts, 0, (size_t)n, true);
		goto out;
	}
	rc = ll_db_registry_store(&ctx->db, &reg, files, (size_t)n, &counts,
				  &load_id, &err);
	if (rc == LL_OK)
		rc = ll_cli_commit(ctx, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		goto out;
	}
	print_counts(&reg, &counts, load_id, (size_t)n, false);
out:
	ll_registry_release(&reg);
	ll_errlist_release(&errs);
	if (in) {
		for (i = 0; i < n; i++)
			free(in[i].text);
	}
	free(in);
	free(files);
	return rc;
}

const struct ll_cmd ll_cmd_load = { "load", run, LL_CMD_TX,
				    "load and validate registry files", usage };

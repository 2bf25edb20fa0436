/*
 * cmd_load.c — "ledgerline load FILE...": validate registry files and
 * store them as new record versions, atomically.
 *
 * Design decision: the stored registries are read and merged with the new
 * files inside the same transaction that writes, under a registry lock, so
 * validation always sees exactly the state the load commits on top of.
 * A struct load carries the files through the steps: read them, read the
 * stored registries, validate the whole, store and commit.
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

/* A load carried through its steps: the files named, their bytes, and
 * the registry they are merged into. */
struct load {
	char **paths;		/* the FILE arguments, borrowed from argv */
	int n;
	bool dry_run;
	struct input *in;
	struct ll_load_file *files;
	struct ll_registry reg;
	struct ll_errlist errs;
	struct ll_error err;
	struct ll_load_counts counts;
	int64_t load_id;
};

static enum ll_status parse_args(int argc, char **argv, struct load *l,
				 int *help)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	int c, i, stdin_seen = 0;

	*help = 0;
	while ((c = getopt_long(argc, argv, "+hn", opts, NULL)) != -1) {
		if (c == 'h') {
			*help = 1;
			return LL_OK;
		}
		if (c == 'n')
			l->dry_run = true;
		else
			return ll_cli_usage_error("load", "invalid option");
	}
	l->paths = argv + optind;
	l->n = argc - optind;
	if (l->n < 1)
		return ll_cli_usage_error("load", "no registry file given");
	for (i = 0; i < l->n; i++)
		stdin_seen += strcmp(l->paths[i], "-") == 0;
	if (stdin_seen > 1)
		return ll_cli_usage_error("load",
					  "standard input ('-') given twice");
	return LL_OK;
}

/* Read every file and note its digest, before touching the database. */
static enum ll_status read_files(struct load *l)
{
	enum ll_status rc;
	int i;

	l->in = calloc((size_t)l->n, sizeof(*l->in));
	l->files = calloc((size_t)l->n, sizeof(*l->files));
	if (!l->in || !l->files)
		return ll_cli_fail(LL_NOMEM, "out of memory");
	for (i = 0; i < l->n; i++) {
		uint8_t d[LL_SHA256_LEN];

		rc = ll_read_all(l->paths[i], LL_REGISTRY_BYTES_MAX,
				 &l->in[i].text, &l->in[i].len, &l->err);
		if (rc != LL_OK) {
			ll_cli_print_error(&l->err);
			return rc;
		}
		ll_sha256(l->in[i].text, l->in[i].len, d);
		ll_hex(d, sizeof(d), l->files[i].sha256);
		l->files[i].source = l->paths[i];
		l->files[i].bytes = l->in[i].len;
	}
	return LL_OK;
}

/* The stored registries, read under the registry lock in the
 * transaction the load will commit. */
static enum ll_status read_stored(struct ll_cli_ctx *ctx, struct load *l)
{
	enum ll_status rc = ll_cli_open(ctx, &l->err);

	if (rc == LL_OK)
		rc = ll_db_lock_registry(&ctx->db, &l->err);
	if (rc == LL_OK)
		rc = ll_db_registry_read(&ctx->db, &l->reg, &l->errs, &l->err);
	if (rc != LL_OK) {
		ll_cli_print_errlist(&l->errs);
		ll_cli_print_error(&l->err);
	}
	return rc;
}

/* The new files merged on top of the stored records, checked as a
 * whole; every error is listed. */
static enum ll_status validate(struct load *l)
{
	size_t n_errs;
	int i;

	for (i = 0; i < l->n; i++) {
		if (ll_registry_parse(&l->reg, l->files[i].source,
				      l->in[i].text, l->in[i].len,
				      &l->errs) == LL_NOMEM)
			return ll_cli_fail(LL_NOMEM, "out of memory");
	}
	if (ll_registry_link(&l->reg, &l->errs) == LL_NOMEM)
		return ll_cli_fail(LL_NOMEM, "out of memory");
	n_errs = ll_errlist_count(&l->errs);
	if (n_errs == 0)
		return LL_OK;
	ll_errlist_sort(&l->errs);
	ll_cli_print_errlist(&l->errs);
	return ll_cli_fail(LL_INVALID, "%zu error%s: nothing was loaded",
			   n_errs, n_errs == 1 ? "" : "s");
}

static enum ll_status store_and_commit(struct ll_cli_ctx *ctx, struct load *l)
{
	enum ll_status rc;

	rc = ll_db_registry_store(&ctx->db, &l->reg, l->files, (size_t)l->n,
				  &l->counts, &l->load_id, &l->err);
	if (rc == LL_OK)
		rc = ll_cli_commit(ctx, &l->err);
	if (rc != LL_OK)
		ll_cli_print_error(&l->err);
	return rc;
}

static void load_release(struct load *l)
{
	int i;

	ll_registry_release(&l->reg);
	ll_errlist_release(&l->errs);
	if (l->in) {
		for (i = 0; i < l->n; i++)
			free(l->in[i].text);
	}
	free(l->in);
	free(l->files);
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct load l;
	enum ll_status rc;
	int help;

	memset(&l, 0, sizeof(l));
	rc = parse_args(argc, argv, &l, &help);
	if (rc != LL_OK)
		return rc;
	if (help)
		return ll_cli_help(usage);
	ll_error_clear(&l.err);
	ll_errlist_init(&l.errs, 0);
	ll_registry_init(&l.reg);
	rc = read_files(&l);
	if (rc == LL_OK)
		rc = read_stored(ctx, &l);
	if (rc == LL_OK)
		rc = validate(&l);
	if (rc == LL_OK && l.dry_run) {
		count_only(&l.reg, &l.counts);
		print_counts(&l.reg, &l.counts, 0, (size_t)l.n, true);
	} else if (rc == LL_OK) {
		rc = store_and_commit(ctx, &l);
		if (rc == LL_OK)
			print_counts(&l.reg, &l.counts, l.load_id, (size_t)l.n,
				     false);
	}
	load_release(&l);
	return rc;
}

const struct ll_cmd ll_cmd_load = { "load", run, LL_CMD_TX,
				    "load and validate registry files", usage };

/*
 * cmd_disclose.c — "ledgerline disclose": the public summary of a
 * model's training content (SPEC §6), from the judgements the ledger
 * stored with each run, or from manifests judged now (--manifest).
 *
 * Design decision: one model, one provider.  A model id whose stored
 * training runs name two licensees needs --licensee to say which
 * provider's summary is meant; the ledger never merges two providers.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/cli.h"
#include "ledgerline/db.h"
#include "ledgerline/disclose.h"
#include "ledgerline/disclosure.h"
#include "ledgerline/ident.h"
#include "ledgerline/input.h"
#include "ledgerline/io.h"
#include "ledgerline/run.h"

static const char usage[] =
	"usage: ledgerline disclose --model M [--licensee P]\n"
	"                           [--format json|md|html] [--out FILE]\n"
	"                           [--manifest FILE...]\n"
	"\n"
	"The public summary of model M's training content, shaped after the\n"
	"European Commission's template (July 2025): provider, training runs,\n"
	"hours of licensed audio and its size bin, licensors, and exclusions\n"
	"by reason.  From the training runs stored by 'ledgerline run' (each\n"
	"counted once, as judged by the run posted last), or with --manifest\n"
	"from the given manifests judged against the registry now, each item\n"
	"at its manifest's trained_at (options may come before or after the\n"
	"FILEs; \"--\" ends them).\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 3 unknown model or invalid input,\n"
	"4 database.\n";

enum { MANIFESTS_MAX = 1024 };

struct args {
	const char *model, *licensee, *format, *out;
	const char *manifests[MANIFESTS_MAX];
	size_t n_manifests;
	enum ll_disclosure_format f;
	int help;
};

static enum ll_status check_args(struct args *a);

/*
 * The arguments from optind that are not options: --manifest's FILEs
 * (manifests set), else an error.  Stops at the next option, so that
 * options may follow the FILEs, unless all (after "--").
 */
static enum ll_status take_files(int argc, char **argv, int manifests,
				 bool all, struct args *a)
{
	for (; optind < argc; optind++) {
		const char *f = argv[optind];

		if (!all && f[0] == '-' && f[1] != '\0')
			break;
		if (!manifests)
			return ll_cli_usage_error("disclose",
						  "unexpected argument '%s'",
						  f);
		if (a->n_manifests == MANIFESTS_MAX)
			return ll_cli_usage_error("disclose",
						  "more than %d manifests",
						  MANIFESTS_MAX);
		a->manifests[a->n_manifests++] = f;
	}
	return LL_OK;
}

static enum ll_status parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "model", required_argument, NULL, 'm' },
		{ "licensee", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "manifest", no_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 }
	};
	enum ll_status rc = LL_OK;
	int c, manifests = 0;

	memset(a, 0, sizeof(*a));
	for (;;) {
		c = getopt_long(argc, argv, "+h", opts, NULL);
		if (c == -1) {
			/* the FILEs of --manifest, then the options that
			 * may follow them; "--" ends the options */
			rc = take_files(argc, argv, manifests,
					optind > 1 &&
						strcmp(argv[optind - 1], "--") == 0,
					a);
			if (rc != LL_OK || optind >= argc)
				break;
			continue;
		}
		switch (c) {
		case 'h':
			a->help = 1;
			return LL_OK;
		case 'm':
			rc = ll_cli_set_once("disclose", "--model", &a->model,
					     optarg);
			break;
		case 'l':
			rc = ll_cli_set_once("disclose", "--licensee",
					     &a->licensee, optarg);
			break;
		case 'f':
			rc = ll_cli_set_once("disclose", "--format", &a->format,
					     optarg);
			break;
		case 'o':
			rc = ll_cli_set_once("disclose", "--out", &a->out,
					     optarg);
			break;
		case 'M':
			manifests = 1;
			rc = take_files(argc, argv, manifests, false, a);
			break;
		default:
			return ll_cli_usage_error("disclose", "invalid option");
		}
		if (rc != LL_OK)
			return rc;
	}
	if (rc != LL_OK)
		return rc;
	if (manifests && a->n_manifests == 0)
		return ll_cli_usage_error("disclose",
					  "--manifest needs at least one FILE");
	return check_args(a);
}

/* The arguments' values, once parsed. */
static enum ll_status check_args(struct args *a)
{
	if (!a->model)
		return ll_cli_usage_error("disclose", "--model is required");
	if (!ll_id_valid(a->model))
		return ll_cli_usage_error("disclose", "invalid model id '%s'",
					  a->model);
	if (a->licensee && !ll_id_valid(a->licensee))
		return ll_cli_usage_error("disclose",
					  "invalid licensee id '%s'",
					  a->licensee);
	if (!ll_disclosure_format_parse(a->format ? a->format : "md", &a->f))
		return ll_cli_usage_error("disclose", "unknown format '%s'",
					  a->format);
	return LL_OK;
}

/* The provider whose runs of the model are meant (into *licensee). */
static enum ll_status pick_licensee(struct ll_cli_ctx *ctx,
				    const struct args *a,
				    const char **licensee, char ***names,
				    size_t *n, struct ll_error *err)
{
	enum ll_status rc;
	size_t i;

	rc = ll_db_model_licensees(&ctx->db, a->model, names, n, err);
	if (rc != LL_OK)
		return rc;
	for (i = 0; a->licensee && i < *n; i++) {
		if (strcmp((*names)[i], a->licensee) == 0) {
			*licensee = a->licensee;
			return LL_OK;
		}
	}
	if (*n == 0 || a->licensee)
		return ll_error_set(err, LL_INVALID, NULL, 0, "--model",
				    "no stored training run of model "
				    "\"%.64s\"%s%.64s%s",
				    a->model, a->licensee ? " by \"" : "",
				    a->licensee ? a->licensee : "",
				    a->licensee ? "\"" : "");
	if (*n > 1)
		return ll_error_set(err, LL_USAGE, NULL, 0, "--licensee",
				    "model \"%.64s\" was trained by %zu "
				    "licensees (\"%.64s\", \"%.64s\", ...): "
				    "name one with --licensee",
				    a->model, *n, (*names)[0], (*names)[1]);
	*licensee = (*names)[0];
	return LL_OK;
}

/* --manifest: parse the manifests, judge them against the registry now. */
static enum ll_status judge_manifests(const struct args *a,
				      const struct ll_registry *reg,
				      struct ll_manifest *mf, char **text,
				      struct ll_disclose_src *src,
				      char last_update[LL_DISCLOSE_DATE_SIZE],
				      struct ll_errlist *errs,
				      struct ll_error *err)
{
	const char *licensee = NULL;
	char period[LL_DISCLOSE_PERIOD_SIZE];
	struct ll_run r;
	enum ll_status rc = LL_OK;
	size_t i, len;

	for (i = 0; i < a->n_manifests && rc == LL_OK; i++) {
		rc = ll_input_read_all(a->manifests[i], LL_MANIFEST_BYTES_MAX,
				       &text[i], &len, err);
		if (rc == LL_OK)
			rc = ll_manifest_parse(&mf[i], a->manifests[i], text[i],
					       len, errs);
	}
	for (i = 0; i < a->n_manifests && rc == LL_OK; i++) {
		if (strcmp(mf[i].model, a->model) != 0)
			rc = ll_error_set(err, LL_INVALID, a->manifests[i], 1,
					  "model",
					  "manifest of model \"%.64s\", not "
					  "\"%.64s\"",
					  mf[i].model, a->model);
		else if (licensee && strcmp(licensee, mf[i].licensee) != 0)
			rc = ll_error_set(err, LL_INVALID, a->manifests[i], 1,
					  "licensee",
					  "manifests of two licensees "
					  "(\"%.64s\", \"%.64s\")",
					  licensee, mf[i].licensee);
		licensee = mf[i].licensee;
		if (rc == LL_OK && strncmp(mf[i].trained_at, last_update, 10) > 0)
			ll_str_copy_cut(last_update, LL_DISCLOSE_DATE_SIZE,
					mf[i].trained_at);
	}
	if (rc != LL_OK)
		return rc;
	/* no logs: the run's period is the days the training happened on
	 * (each item is judged at its manifest's trained_at) */
	ll_disclose_training_period(mf, a->n_manifests, period);
	rc = ll_run_prepare(&r, reg, licensee, period, mf, a->n_manifests,
			    NULL, 0, err);
	if (rc == LL_OK)
		rc = ll_run_training(&r);
	if (rc == LL_OK && ll_errlist_count(&r.errs) > 0) {
		ll_cli_print_errlist(&r.errs);
		rc = ll_error_set(err, LL_INVALID, NULL, 0, NULL,
				  "the manifests cannot be judged");
	}
	if (rc == LL_OK && ll_disclose_src_from_run(src, &r) != LL_OK)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	ll_run_release(&r);
	return rc;
}

static enum ll_status emit(const struct args *a, const struct ll_disclosure *d,
			   struct ll_error *err)
{
	char *text = NULL;
	size_t len = 0;
	enum ll_status rc = ll_disclosure_render(d, a->f, &text, &len);

	if (rc != LL_OK)
		return ll_error_set(err, rc, NULL, 0, NULL, "out of memory");
	if (a->out)
		rc = ll_write_atomic(a->out, text, len, 0, err);
	else if (fwrite(text, 1, len, stdout) != len)
		rc = ll_error_set(err, LL_IO, "stdout", 0, NULL,
				  "cannot write the summary");
	free(text);
	return rc;
}

struct job {
	struct args a;
	struct ll_registry reg;
	struct ll_disclose_src src;
	struct ll_disclosure d;
	struct ll_manifest mf[MANIFESTS_MAX];
	char *text[MANIFESTS_MAX];
	char **names;
	size_t n_names;
	struct ll_errlist errs;
	struct ll_error err;
	char last_update[LL_DISCLOSE_DATE_SIZE];
};

static enum ll_status disclose(struct ll_cli_ctx *ctx, struct job *j)
{
	const char *licensee = NULL;
	enum ll_status rc;

	rc = ll_cli_open(ctx, &j->err);
	if (rc == LL_OK)
		rc = ll_db_registry_read(&ctx->db, &j->reg, &j->errs, &j->err);
	if (rc == LL_OK && ll_registry_link(&j->reg, &j->errs) != LL_OK)
		rc = ll_error_set(&j->err, LL_INTERNAL, NULL, 0, NULL,
				  "the stored registries do not link");
	if (rc == LL_OK && j->a.n_manifests > 0)
		rc = judge_manifests(&j->a, &j->reg, j->mf, j->text, &j->src,
				     j->last_update, &j->errs, &j->err);
	else if (rc == LL_OK)
		rc = pick_licensee(ctx, &j->a, &licensee, &j->names,
				   &j->n_names, &j->err);
	if (rc == LL_OK && j->a.n_manifests == 0)
		rc = ll_db_manifests_read(&ctx->db, j->a.model, licensee,
					  &j->src, j->last_update, &j->err);
	if (rc == LL_OK)
		rc = ll_disclosure_build(&j->d, &j->src, &j->reg, j->a.model,
					 j->last_update, &j->err);
	if (rc == LL_OK)
		rc = emit(&j->a, &j->d, &j->err);
	return rc;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct job *j = calloc(1, sizeof(*j));
	enum ll_status rc;
	size_t i;

	if (!j)
		return ll_cli_fail(LL_NOMEM, "out of memory");
	rc = parse_args(argc, argv, &j->a);
	if (rc != LL_OK || j->a.help) {
		free(j);
		return rc != LL_OK ? rc : ll_cli_help(usage);
	}
	ll_error_clear(&j->err);
	ll_errlist_init(&j->errs, 0);
	ll_registry_init(&j->reg);
	ll_disclose_src_init(&j->src);
	rc = disclose(ctx, j);
	if (rc != LL_OK) {
		ll_cli_print_errlist(&j->errs);
		if (j->err.code != LL_OK)
			ll_cli_print_error(&j->err);
	}
	ll_disclosure_release(&j->d);
	ll_disclose_src_release(&j->src);
	for (i = 0; i < j->a.n_manifests; i++) {
		if (j->mf[i].json)
			ll_manifest_release(&j->mf[i]);
		free(j->text[i]);
	}
	for (i = 0; i < j->n_names; i++)
		free(j->names[i]);
	free(j->names);
	ll_registry_release(&j->reg);
	ll_errlist_release(&j->errs);
	free(j);
	return rc;
}

const struct ll_cmd ll_cmd_disclose = {
	"disclose", run, LL_CMD_DB,
	"public summary of a model's training content", usage
};

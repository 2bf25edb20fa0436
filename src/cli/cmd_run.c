/*
 * cmd_run.c — "ledgerline run": compute what a licensee owes for a period
 * (SPEC §3) and write payouts.csv, compliance.json and run.json (§4).
 *
 * Design decision: nothing is written anywhere until everything has been
 * computed and checked.  Outputs are staged in --out (outdir.h) before
 * anything is stored, so a file of the user's where an output must go
 * stops the run with nothing posted; the run is stored in one database
 * transaction, and only after it commits are the files renamed into
 * place.  Any invalid input ends the run with every error listed, nothing
 * stored and nothing left in --out.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledgerline/buf.h"
#include "ledgerline/checkpoint.h"
#include "ledgerline/cli.h"
#include "ledgerline/config.h"
#include "ledgerline/db.h"
#include "ledgerline/digest.h"
#include "ledgerline/ident.h"
#include "ledgerline/input.h"
#include "ledgerline/io.h"
#include "ledgerline/outdir.h"
#include "ledgerline/run.h"
#include "ledgerline/payfile.h"
#include "ledgerline/pipeline.h"
#include "ledgerline/runfiles.h"
#include "ledgerline/sign.h"
#include "ledgerline/statement.h"

enum {
	INPUTS_MAX = 4096,
};

static const char usage[] =
	"usage: ledgerline run --licensee PARTY --period PERIOD\n"
	"                      --manifest FILE... --logs FILE... --out DIR\n"
	"                      [--threads N]\n"
	"\n"
	"Compute what the licensee owes under each of its licences active in\n"
	"the period (SPEC §3), from training manifests and generation logs, and\n"
	"record the run in the database.  Writes to DIR:\n"
	"  payouts.csv       one row per payee and currency\n"
	"  compliance.json   excluded items, ineligible and unattributed use,\n"
	"                    voice imitation without consent, withdrawn consent\n"
	"  run.json          run id, inputs and digests, totals per licence,\n"
	"                    the statements' root and the checkpoint\n"
	"  statements/       a signed statement per party the posting touches\n"
	"  checkpoint.dsse.json  the ledger after this posting (posting number,\n"
	"                    journal entries and chain head, root), signed\n"
	"\n"
	"  --licensee PARTY  the licensee (a party of kind licensee)\n"
	"  --period PERIOD   2026-Q3, 2026-09 or 2026-07-01..2026-09-30\n"
	"  --manifest FILE   training manifests (JSON), one or more\n"
	"  --logs FILE       generation logs (NDJSON), one or more\n"
	"  --out DIR         output directory (created if missing); files\n"
	"                    ledgerline did not write there are never replaced\n"
	"                    or removed: one where an output must go is an\n"
	"                    error (exit 2) and nothing is stored\n"
	"  --threads N       parsing threads (default: the number of CPUs)\n"
	"\n"
	"FILE may be a path, '-' for standard input, or an https:// URL.  Any\n"
	"invalid record stops the run: every error is listed as\n"
	"FILE:LINE: FIELD: reason, nothing is stored and no file is written.\n"
	"Running the same inputs again changes nothing and rewrites identical\n"
	"files.\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 3 invalid input, 4 database, 5 network.\n";

struct args {
	const char *licensee, *period, *out;
	const char *manifests[INPUTS_MAX];
	size_t n_manifests;
	const char *logs[INPUTS_MAX];
	size_t n_logs;
	int threads;
};

/* Values of a multi-valued option: argv[i+1..] up to the next "--x". */
static int take_list(int argc, char **argv, int i, const char **dst,
		     size_t *n)
{
	int j = i + 1;

	while (j < argc && !(argv[j][0] == '-' && argv[j][1] == '-' &&
			     argv[j][2] != '\0')) {
		if (*n >= INPUTS_MAX)
			return -1;
		dst[(*n)++] = argv[j++];
	}
	return j;
}

static enum ll_status parse_args(int argc, char **argv, struct args *a,
				 int *help)
{
	const char *threads = NULL;
	int i = 1;

	memset(a, 0, sizeof(*a));
	*help = 0;
	while (i < argc) {
		const char *o = argv[i];

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			*help = 1;
			return LL_OK;
		}
		if (strcmp(o, "--manifest") == 0 || strcmp(o, "--logs") == 0) {
			int is_log = o[2] == 'l';
			size_t before = is_log ? a->n_logs : a->n_manifests;
			int j = take_list(argc, argv, i,
					  is_log ? a->logs : a->manifests,
					  is_log ? &a->n_logs : &a->n_manifests);

			if (j < 0)
				return ll_cli_usage_error("run",
							  "more than %d inputs",
							  INPUTS_MAX);
			if ((is_log ? a->n_logs : a->n_manifests) == before)
				return ll_cli_usage_error("run",
							  "%s needs at least "
							  "one FILE",
							  o);
			i = j;
			continue;
		}
		if (strcmp(o, "--licensee") == 0 || strcmp(o, "--period") == 0 ||
		    strcmp(o, "--out") == 0 || strcmp(o, "--threads") == 0) {
			const char **slot = o[2] == 'l'	  ? &a->licensee
					    : o[2] == 'p' ? &a->period
					    : o[2] == 'o' ? &a->out
							  : &threads;
			enum ll_status rc;

			if (i + 1 >= argc)
				return ll_cli_usage_error("run",
							  "%s needs a value",
							  o);
			rc = ll_cli_set_once("run", o, slot, argv[i + 1]);
			if (rc != LL_OK)
				return rc;
			if (slot == &threads) {
				char *end;
				long t = strtol(threads, &end, 10);

				if (*end || t < 1 || t > 16)
					return ll_cli_usage_error(
						"run",
						"--threads must be 1 to 16");
				a->threads = (int)t;
			}
			i += 2;
			continue;
		}
		return ll_cli_usage_error("run", "unexpected argument '%s'", o);
	}
	if (!a->licensee || !a->period || !a->out || !a->n_manifests ||
	    !a->n_logs)
		return ll_cli_usage_error("run",
					  "--licensee, --period, --manifest, "
					  "--logs and --out are required");
	{
		size_t k, stdin_uses = 0;

		for (k = 0; k < a->n_manifests; k++)
			stdin_uses += strcmp(a->manifests[k], "-") == 0;
		for (k = 0; k < a->n_logs; k++)
			stdin_uses += strcmp(a->logs[k], "-") == 0;
		if (stdin_uses > 1)
			return ll_cli_usage_error(
				"run", "standard input ('-') given twice");
	}
	return LL_OK;
}

/* ---- inputs given twice ----------------------------------------------- */

/*
 * The same bytes given as two inputs (under one path or two) would count
 * the same evidence twice.  Appends to errs one error per repeat, naming
 * both sources, and returns how many; digests[i] is the SHA-256 (hex) of
 * input i, what its kind ("manifest", "log"); repeat[j] (when not NULL)
 * is set for each input that repeats an earlier one.
 */
static size_t report_given_twice(const char *what, const char *const *names,
				 const char *const *digests, size_t n,
				 bool *repeat, struct ll_errlist *errs)
{
	size_t i, j, found = 0;

	for (j = 1; j < n; j++) {
		for (i = 0; i < j; i++) {
			if (strcmp(digests[i], digests[j]) != 0)
				continue;
			ll_errlist_addf(errs, LL_INVALID, names[j], 0, NULL,
					"%s given twice: same SHA-256 as %s",
					what, names[i]);
			if (repeat)
				repeat[j] = true;
			found++;
			break;
		}
	}
	return found;
}

/* The manifests' repeats (their digests are known once they are read). */
static enum ll_status manifests_given_twice(const struct args *a,
					    const struct ll_manifest *mf,
					    struct ll_errlist *errs)
{
	const char **d = calloc(a->n_manifests, sizeof(*d));
	size_t i;

	if (!d)
		return LL_NOMEM;
	for (i = 0; i < a->n_manifests; i++)
		d[i] = mf[i].sha256;
	report_given_twice("manifest", a->manifests, d, a->n_manifests, NULL,
			   errs);
	free(d);
	return LL_OK;
}

/* The logs' repeats, once the pipeline has digested them: repeat[] as
 * for report_given_twice, *found their number. */
static enum ll_status logs_given_twice(const struct args *a,
				       const struct ll_log_input *logs,
				       bool *repeat, struct ll_errlist *errs,
				       size_t *found)
{
	const char **d = calloc(a->n_logs, sizeof(*d));
	size_t i;

	if (!d)
		return LL_NOMEM;
	for (i = 0; i < a->n_logs; i++)
		d[i] = logs[i].sha256;
	*found = report_given_twice("log", a->logs, d, a->n_logs, repeat,
				    errs);
	free(d);
	return LL_OK;
}

/* ---- summary ---------------------------------------------------------- */

static void print_summary(const struct ll_run *r, bool already,
			  const char *superseded, int64_t entries,
			  const char *out)
{
	const struct ll_registry *reg = r->reg;
	size_t i;

	printf("run %s: licensee %s, period %s\n", r->id, r->licensee,
	       r->period);
	printf("  %llu events, %llu attributions, %zu manifest items "
	       "(%zu excluded)\n",
	       (unsigned long long)r->tally.events,
	       (unsigned long long)r->tally.attributions, r->n_items,
	       r->n_excluded);
	printf("\n  %-24s %-8s %18s\n", "licence", "currency", "total");
	for (i = 0; i < r->st.n_lic; i++) {
		const struct ll_licence_total *lt = &r->st.lic[i];
		const struct ll_licence *lic = &reg->licences.v[lt->licence];
		char *amt = ll_exact_minor_str_i64(lt->minor, lic->exponent);

		printf("  %-24s %-8s %18s\n", lic->id, lic->currency,
		       amt ? amt : "?");
		free(amt);
	}
	printf("\n  %-24s %-8s %18s\n", "payee", "currency", "amount");
	for (i = 0; i < r->st.n_payouts; i++) {
		const struct ll_payout *po = &r->st.payouts[i];
		char *amt = ll_exact_minor_str_i64(po->minor, po->exponent);

		printf("  %-24s %-8s %18s\n", reg->parties.v[po->payee].id,
		       po->currency, amt ? amt : "?");
		free(amt);
	}
	if (already)
		printf("\nalready posted: this run is the period's current "
		       "posting; nothing new stored\n");
	else if (superseded)
		printf("\nrestated: superseded %s (%lld journal entries: "
		       "reversals and new figures)\n",
		       superseded, (long long)entries);
	else
		printf("\nposted: %lld journal entr%s\n", (long long)entries,
		       entries == 1 ? "y" : "ies");
	printf("outputs in %s\n", out);
}

/* ---- statements and payment files ------------------------------------ */

/* Copy built statements into the stored form (party ids, owned
 * envelopes). */
static enum ll_status own_statements(const struct ll_statements *b,
				     const struct ll_run *r,
				     struct ll_stored_statement **out,
				     size_t *n, struct ll_error *err)
{
	size_t i;

	*out = calloc(b->n + 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	for (i = 0; i < b->n; i++) {
		struct ll_stored_statement *s = &(*out)[i];

		snprintf(s->party, sizeof(s->party), "%s",
			 r->reg->parties.v[b->v[i].party].id);
		memcpy(s->sha256, b->v[i].sha256, sizeof(s->sha256));
		s->envelope = strdup(b->v[i].envelope);
		if (!s->envelope)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		(*n)++;
	}
	return LL_OK;
}

/* payouts.csv with each payee's own statement digest (empty when the
 * payee has no statement of its own). */
static char *payouts_csv(const struct ll_run *r,
			 const struct ll_stored_statement *s, size_t n)
{
	const char **hashes = calloc(r->st.n_payouts + 1, sizeof(*hashes));
	char *csv;
	size_t i, j;

	if (!hashes)
		return NULL;
	for (i = 0; i < r->st.n_payouts; i++) {
		const char *payee = r->reg->parties.v[r->st.payouts[i].payee].id;

		for (j = 0; j < n; j++) {
			if (strcmp(s[j].party, payee) == 0)
				hashes[i] = s[j].sha256;
		}
	}
	csv = ll_runfile_payouts_csv(r, hashes);
	free(hashes);
	return csv;
}

static enum ll_status stage_statements(struct ll_outdir *od,
				       const struct ll_stored_statement *s,
				       size_t n, struct ll_error *err)
{
	size_t i;
	enum ll_status rc = LL_OK;

	for (i = 0; i < n && rc == LL_OK; i++) {
		char name[LL_OUTDIR_PATH_BYTES_MAX + 1];

		if (snprintf(name, sizeof(name), "statements/%s.dsse.json",
			     s[i].party) >= (int)sizeof(name))
			return ll_error_set(err, LL_INTERNAL, s[i].party, 0,
					    NULL, "party id too long");
		rc = ll_outdir_add(od, name, s[i].envelope,
				   strlen(s[i].envelope), err);
	}
	return rc;
}

/* payouts-<CUR>.xml for every currency with a transferable payout. */
static enum ll_status stage_payfiles(struct ll_outdir *od, const struct ll_run *r,
				     struct ll_error *err)
{
	const struct ll_registry *reg = r->reg;
	const struct ll_party *debtor = ll_registry_party(reg, r->licensee);
	struct ll_pay_tx *tx;
	char created[32], exec[11], *e2e, *remit;
	size_t i, j;
	enum ll_status rc = LL_OK;

	if (!debtor || !debtor->has_payout)
		return LL_OK; /* reported by warn_not_transferable */
	tx = calloc(r->st.n_payouts + 1, sizeof(*tx));
	e2e = calloc(r->st.n_payouts + 1, 35);
	remit = calloc(r->st.n_payouts + 1, 160);
	if (!tx || !e2e || !remit) {
		free(tx);
		free(e2e);
		free(remit);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	/* deterministic dates: the day after the period */
	ll_date_format(r->last_day + 1, exec);
	snprintf(created, sizeof(created), "%sT00:00:00", exec);
	for (i = 0; i < r->st.n_payouts && rc == LL_OK; i++) {
		const char *ccy = r->st.payouts[i].currency;
		struct ll_pay_batch b;
		char msg[35], name[32], *xml = NULL;
		size_t n = 0;

		for (j = 0; j < i; j++) {
			if (strcmp(r->st.payouts[j].currency, ccy) == 0)
				break;
		}
		if (j < i)
			continue; /* currency done */
		for (j = i; j < r->st.n_payouts; j++) {
			const struct ll_payout *po = &r->st.payouts[j];
			const struct ll_party *p = &reg->parties.v[po->payee];

			if (strcmp(po->currency, ccy) != 0 || !p->has_payout ||
			    !ll_payfile_amount_ok(ccy, po->minor))
				continue;
			ll_end_to_end_id(r->id, p->id, ccy, e2e + 35 * n);
			snprintf(remit + 160 * n, 160,
				 "royalties %s %s payee %s", r->period, r->id,
				 p->id);
			tx[n].end_to_end_id = e2e + 35 * n;
			tx[n].minor = po->minor;
			tx[n].creditor_name = p->name;
			tx[n].iban = p->iban;
			tx[n].bic = p->bic;
			tx[n].remittance = remit + 160 * n;
			n++;
		}
		if (n == 0)
			continue;
		ll_payfile_msg_id(r->id, ccy, msg);
		b.msg_id = msg;
		b.created = created;
		b.execution_date = exec;
		b.initiator_name = debtor->name;
		b.debtor_name = debtor->name;
		b.debtor_iban = debtor->iban;
		b.debtor_bic = debtor->bic;
		b.currency = ccy;
		b.exponent = r->st.payouts[i].exponent;
		b.tx = tx;
		b.n_tx = n;
		rc = ll_payfile_pain001(&b, &xml, err);
		if (rc == LL_OK) {
			snprintf(name, sizeof(name), "payouts-%s.xml", ccy);
			rc = ll_outdir_add(od, name, xml, strlen(xml), err);
		}
		free(xml);
	}
	free(tx);
	free(e2e);
	free(remit);
	return rc;
}

static void warn_not_transferable(const struct ll_run *r)
{
	const struct ll_party *debtor = ll_registry_party(r->reg, r->licensee);
	size_t i;

	if (!debtor || !debtor->has_payout)
		fprintf(stderr,
			"ledgerline: warning: licensee %s has no payout account: "
			"no payment files were written\n",
			r->licensee);
	for (i = 0; i < r->st.n_payouts; i++) {
		const struct ll_payout *po = &r->st.payouts[i];
		const struct ll_party *p = &r->reg->parties.v[po->payee];

		if (!p->has_payout)
			fprintf(stderr,
				"ledgerline: warning: payee %s has no IBAN: its "
				"%s payout is in payouts.csv only\n",
				p->id, po->currency);
		else if (po->minor > 0 &&
			 !ll_payfile_amount_ok(po->currency, po->minor))
			fprintf(stderr,
				"ledgerline: warning: payee %s's %s payout is "
				"above what one transfer may carry: it is in "
				"payouts.csv only\n",
				p->id, po->currency);
	}
}

/* ---- the checkpoint ---------------------------------------------------- */

/* What the checkpoint phase needs and makes. */
struct cp_job {
	struct ll_db *db;
	const struct ll_run *r;
	const struct ll_key *key;
	const struct ll_current_posting *cur;	/* before this run */
	int64_t posting_id;			/* this run's posting */
	char *envelope;				/* owned */
	char sha256[LL_SHA256_HEX_LEN + 1];
	struct ll_checkpoint cp;
};

/* Sign and store the checkpoint of the posting just made (statements'
 * root: root), inside its transaction. */
static enum ll_status checkpoint_new(struct cp_job *j, const char *root,
				     struct ll_error *err)
{
	struct ll_checkpoint *cp = &j->cp;
	uint8_t d[LL_SHA256_LEN];
	enum ll_status rc;

	memset(cp, 0, sizeof(*cp));
	if (!ll_str_copy(cp->licensee, sizeof(cp->licensee), j->r->licensee) ||
	    !ll_str_copy(cp->label, sizeof(cp->label), j->r->period) ||
	    !ll_str_copy(cp->run_id, sizeof(cp->run_id), j->r->id) ||
	    !ll_str_copy(cp->merkle_root, sizeof(cp->merkle_root), root))
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "run %s: a checkpoint field is too long",
				    j->r->id);
	ll_date_format(j->r->first_day, cp->first);
	ll_date_format(j->r->last_day, cp->last);
	rc = ll_db_checkpoint_figures(j->db, j->posting_id, &cp->posting,
				      &cp->entries, cp->head, err);
	if (rc != LL_OK)
		return rc;
	j->envelope = ll_checkpoint_sign(cp, j->key, err);
	if (!j->envelope)
		return err->code != LL_OK ? err->code : LL_NOMEM;
	ll_sha256(j->envelope, strlen(j->envelope), d);
	ll_hex(d, sizeof(d), j->sha256);
	return ll_db_store_checkpoint(j->db, j->posting_id, j->sha256,
				      j->envelope, err);
}

/* The checkpoint stored with a posting already made (none when it was
 * posted before checkpoints were kept). */
static enum ll_status checkpoint_stored(struct cp_job *j,
					struct ll_error *err)
{
	enum ll_status rc;

	j->posting_id = j->cur->posting_id;
	rc = ll_db_load_checkpoint(j->db, j->posting_id, &j->envelope,
				   j->sha256, err);

	if (rc == LL_OK && j->envelope)
		rc = ll_checkpoint_read(&j->cp, j->envelope,
					strlen(j->envelope), err);
	return rc;
}

/*
 * Stage checkpoint.dsse.json and run.json: runj, the run.json stored with
 * the posting, with the checkpoint's digest and figures added (as it is
 * when the posting has no checkpoint).
 */
static enum ll_status stage_checkpoint(struct ll_outdir *od,
				       const struct cp_job *j,
				       const char *runj, struct ll_error *err)
{
	enum ll_status rc;
	char *published;

	if (!j->envelope)
		return ll_outdir_add(od, "run.json", runj, strlen(runj), err);
	rc = ll_outdir_add(od, "checkpoint.dsse.json", j->envelope,
			   strlen(j->envelope), err);
	if (rc != LL_OK)
		return rc;
	published = ll_runfile_with_checkpoint(runj, j->sha256, j->cp.entries,
					       j->cp.head);
	if (!published)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory writing run.json");
	rc = ll_outdir_add(od, "run.json", published, strlen(published), err);
	free(published);
	return rc;
}

/* Open --out, and before anything is stored make sure that the two files
 * staged only after the posting may go there. */
static enum ll_status open_out(struct ll_outdir *od, const char *dir,
			       struct ll_error *err)
{
	enum ll_status rc = ll_outdir_open(od, dir, err);

	if (rc == LL_OK)
		rc = ll_outdir_check(od, "checkpoint.dsse.json", err);
	return rc == LL_OK ? ll_outdir_check(od, "run.json", err) : rc;
}

/* The checkpoint phase: after the posting (or finding that this run is
 * the posting already made), before the commit. */
static enum ll_status checkpoint_phase(struct cp_job *j, const char *root,
				       struct ll_outdir *od, const char *runj,
				       struct ll_error *err)
{
	bool already = j->cur->exists && strcmp(j->cur->run_id, j->r->id) == 0;
	enum ll_status rc = already ? checkpoint_stored(j, err)
				    : checkpoint_new(j, root, err);

	if (rc == LL_OK)
		rc = stage_checkpoint(od, j, runj, err);
	free(j->envelope); /* staged: the outdir holds a copy */
	j->envelope = NULL;
	return rc;
}

/* ---- the command ------------------------------------------------------ */

static void close_logs(struct ll_log_input *logs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (logs[i].fd >= 0)
			close(logs[i].fd);
	}
}

static enum ll_status run(int argc, char **argv)
{
	struct args a;
	struct ll_config cfg;
	struct ll_error err;
	struct ll_errlist errs;
	struct ll_registry reg;
	struct ll_db db = { NULL };
	struct ll_run r;
	struct ll_manifest *mf = NULL, *good = NULL;
	bool *mf_ok = NULL, *log_repeat = NULL;
	size_t n_good = 0;
	char **mtext = NULL;
	struct ll_log_input *logs = NULL;
	struct ll_pipeline_opts popts = { 0, 0, NULL, NULL };
	struct ll_cli_progress prog;
	struct ll_outdir od;
	struct ll_restatement rs = { NULL, NULL, 0 };
	struct ll_statements built;
	char *csv = NULL, *comp = NULL, *runj = NULL;
	char first[11], last[11];
	int32_t d0, d1;
	const char *reason = NULL;
	enum ll_status rc;
	bool in_tx = false, already = false;
	struct ll_current_posting cur;
	struct ll_party_amount *prev = NULL;
	struct ll_stored_statement *stmts = NULL;
	size_t n_stmts = 0;
	struct ll_key key;
	struct cp_job cpj = { .db = &db, .r = &r, .key = &key, .cur = &cur };
	char key_priv[PATH_MAX], key_pub[PATH_MAX];
	int64_t entries = 0;
	int help;
	size_t i, logs_twice = 0;

	rc = parse_args(argc, argv, &a, &help);
	if (rc != LL_OK)
		return rc;
	if (help)
		return ll_cli_help(usage);
	if (!ll_period_parse(a.period, &d0, &d1, &reason))
		return ll_cli_usage_error("run",
					  "invalid period \"%s\": %s (expected "
					  "2026-Q3, 2026-09 or "
					  "2026-07-01..2026-09-30)",
					  a.period, reason ? reason : "malformed");
	ll_date_format(d0, first);
	ll_date_format(d1, last);
	popts.threads = a.threads;
	ll_cli_progress_init(&prog);
	popts.progress = ll_cli_progress_cb;
	popts.progress_user = &prog;

	memset(&r, 0, sizeof(r));
	ll_outdir_init(&od);
	memset(&built, 0, sizeof(built));
	memset(&cur, 0, sizeof(cur));
	ll_key_init(&key);
	ll_error_clear(&err);
	ll_errlist_init(&errs, 0);
	ll_registry_init(&reg);
	mf = calloc(a.n_manifests, sizeof(*mf));
	good = calloc(a.n_manifests, sizeof(*good));
	mf_ok = calloc(a.n_manifests, sizeof(*mf_ok));
	mtext = calloc(a.n_manifests, sizeof(*mtext));
	logs = calloc(a.n_logs, sizeof(*logs));
	log_repeat = calloc(a.n_logs, sizeof(*log_repeat));
	if (!mf || !mtext || !logs || !good || !mf_ok || !log_repeat) {
		rc = ll_cli_fail(LL_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < a.n_logs; i++)
		logs[i].fd = -1;

	/* inputs: read and check before touching the database */
	for (i = 0; i < a.n_manifests; i++) {
		size_t len;

		rc = ll_input_read_all(a.manifests[i], LL_MANIFEST_BYTES_MAX,
				       &mtext[i], &len, &err);
		if (rc != LL_OK) {
			ll_cli_print_error(&err);
			goto out;
		}
		rc = ll_manifest_parse(&mf[i], a.manifests[i], mtext[i], len,
				       &errs);
		if (rc == LL_NOMEM) {
			rc = ll_cli_fail(LL_NOMEM, "out of memory");
			goto out;
		}
		mf_ok[i] = rc == LL_OK;
		rc = LL_OK;
	}
	for (i = 0; i < a.n_logs; i++) {
		logs[i].name = a.logs[i];
		rc = ll_input_open(a.logs[i], LL_LOG_SPOOL_BYTES_MAX,
				   LL_EVENT_LINE_BYTES_MAX, &logs[i].fd, &err);
		if (rc != LL_OK) {
			ll_cli_print_error(&err);
			goto out;
		}
	}
	if (manifests_given_twice(&a, mf, &errs) != LL_OK) {
		rc = ll_cli_fail(LL_NOMEM, "out of memory");
		goto out;
	}
	/* a broken manifest does not stop the logs from being checked: every
	 * error is listed at the end; the run uses the manifests that
	 * parsed (and then cannot judge which models lack one) */
	for (i = 0; i < a.n_manifests; i++) {
		if (mf[i].json && mf_ok[i])
			good[n_good++] = mf[i];
	}

	/* the database (an uninitialised one is the first thing to say:
	 * init also makes the signing key), the signing key, then the
	 * registry snapshot under the period's writer lock */
	rc = ll_config_load(&cfg, &err);
	if (rc == LL_OK)
		rc = ll_config_key_paths(&cfg, key_priv, key_pub, &err);
	if (rc == LL_OK)
		rc = ll_db_open_ready(&db, &cfg, &err);
	if (rc == LL_OK && ll_key_load_private(&key, key_priv, &err) != LL_OK) {
		ll_cli_print_error(&err);
		rc = ll_cli_fail(LL_USAGE,
				 "no usable signing key: create one with "
				 "'ledgerline keygen' or set signing.key");
		goto out;
	}
	if (rc == LL_OK)
		rc = ll_db_begin(&db, &err);
	in_tx = rc == LL_OK;
	if (rc == LL_OK)
		rc = ll_db_lock_period(&db, a.licensee, first, last, &err);
	if (rc == LL_OK)
		rc = ll_db_registry_read(&db, &reg, &errs, &err);
	if (rc == LL_OK && ll_registry_link(&reg, &errs) != LL_OK)
		rc = ll_error_set(&err, LL_INTERNAL, NULL, 0, NULL,
				  "the stored registries do not link");
	if (rc != LL_OK) {
		ll_cli_print_errlist(&errs);
		ll_cli_print_error(&err);
		goto out;
	}

	/* compute */
	rc = ll_run_prepare(&r, &reg, a.licensee, a.period, good, n_good, logs,
			    a.n_logs, &err);
	if (rc == LL_OK && n_good < a.n_manifests)
		r.ctx.models = NULL;
	if (rc == LL_OK)
		rc = ll_run_training(&r);
	if (rc == LL_OK)
		rc = ll_pipeline_run(logs, a.n_logs, &popts, &r.tally, &err);
	if (rc == LL_OK)
		rc = logs_given_twice(&a, logs, log_repeat, &errs, &logs_twice);
	if (rc != LL_OK) {
		if (rc == LL_NOMEM && !err.text[0])
			ll_error_set(&err, rc, NULL, 0, NULL, "out of memory");
		ll_cli_print_error(&err);
		goto out;
	}
	if (ll_errlist_count(&errs) || ll_errlist_count(&r.errs) ||
	    r.tally.errors_total) {
		/* a log given twice repeats every error of the first copy and
		 * makes each of its events a duplicate: its repeat is named
		 * once, and what the tally says of the copy is left out */
		size_t n_log = 0;
		uint64_t more = logs_twice ? 0
					   : r.tally.errors_total -
						     r.tally.n_errors;
		size_t n;

		for (i = 0; i < r.tally.n_errors; i++)
			n_log += !log_repeat[r.tally.errors[i].file];
		n = ll_errlist_count(&errs) + ll_errlist_count(&r.errs) +
		    n_log + (size_t)more;
		ll_errlist_sort(&errs);
		ll_cli_print_errlist(&errs);
		ll_errlist_sort(&r.errs);
		ll_cli_print_errlist(&r.errs);
		for (i = 0; i < r.tally.n_errors; i++) {
			if (!log_repeat[r.tally.errors[i].file])
				ll_cli_print_error(&r.tally.errors[i].e);
		}
		if (more)
			fprintf(stderr,
				"ledgerline: ... and %llu more errors in the "
				"logs\n",
				(unsigned long long)more);
		rc = ll_cli_fail(LL_INVALID, "%zu error%s: nothing was run", n,
				 n == 1 ? "" : "s");
		goto out;
	}
	ll_cli_progress_phase(&prog, LL_PHASE_SETTLING);
	rc = ll_run_settle(&r, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		goto out;
	}
	comp = ll_runfile_compliance(&r);
	if (!comp) {
		rc = ll_cli_fail(LL_NOMEM, "out of memory writing the outputs");
		goto out;
	}

	/* build: nothing new, a first posting, or a restatement */
	rc = ll_db_current_posting(&db, a.licensee, first, last, &cur, &err);
	if (rc == LL_OK && cur.exists && strcmp(cur.run_id, r.id) == 0) {
		/* the bytes written then, whatever key or history now */
		already = true;
		runj = strdup(cur.run_json);
		if (!runj)
			rc = ll_error_set(&err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory");
		if (rc == LL_OK)
			rc = ll_db_load_statements(&db, cur.posting_id, &stmts,
						   &n_stmts, &err);
	} else if (rc == LL_OK) {
		if (cur.exists) {
			rs.supersedes = cur.run_id;
			rc = ll_db_run_party_amounts(&db, cur.run_id, &prev,
						     &rs.n_prev, &err);
			rs.prev = prev;
		}
		ll_cli_progress_phase(&prog, LL_PHASE_SIGNING);
		if (rc == LL_OK)
			rc = ll_statements_build(&built, &r,
						 cur.exists ? &rs : NULL, &key,
						 &err);
		if (rc == LL_OK)
			rc = own_statements(&built, &r, &stmts, &n_stmts, &err);
		if (rc == LL_OK) {
			runj = ll_runfile_run_json(&r, cur.exists ? &rs : NULL,
						   built.root, key.keyid,
						   built.n);
			if (!runj)
				rc = ll_error_set(&err, LL_NOMEM, NULL, 0,
						  NULL, "out of memory");
		}
	}
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		goto out;
	}
	csv = payouts_csv(&r, stmts, n_stmts);
	if (!csv) {
		rc = ll_cli_fail(LL_NOMEM, "out of memory writing the outputs");
		goto out;
	}

	/* stage every file before storing anything: a file of the user's
	 * where an output must go stops the run here, with nothing posted */
	ll_cli_progress_phase(&prog, LL_PHASE_STORING);
	rc = open_out(&od, a.out, &err);
	if (rc == LL_OK)
		rc = ll_outdir_add(&od, "payouts.csv", csv, strlen(csv), &err);
	if (rc == LL_OK)
		rc = ll_outdir_add(&od, "compliance.json", comp, strlen(comp),
				   &err);
	if (rc == LL_OK)
		rc = stage_statements(&od, stmts, n_stmts, &err);
	if (rc == LL_OK)
		rc = stage_payfiles(&od, &r, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		if (rc == LL_USAGE)
			fprintf(stderr, "ledgerline: nothing was stored and "
					"nothing written\n");
		goto out;
	}

	/* store, commit, publish */
	if (!already) {
		bool stored = false;

		rc = ll_db_run_exists(&db, r.id, &stored, &err);
		if (rc == LL_OK && !stored)
			rc = ll_db_run_store(&db, &r, runj, comp, &err);
		if (rc == LL_OK)
			rc = ll_db_post_run(&db, &r, cur.posting_id, runj,
					    &cpj.posting_id, &entries, &err);
		if (rc == LL_OK)
			rc = ll_db_store_statements(&db, cpj.posting_id, stmts,
						    n_stmts, built.root,
						    key.keyid, &err);
	}
	if (rc == LL_OK)
		rc = checkpoint_phase(&cpj, built.root, &od, runj, &err);
	if (rc == LL_OK)
		rc = ll_db_commit(&db, &err);
	if (rc == LL_OK) {
		in_tx = false;
		ll_cli_progress_phase(&prog, LL_PHASE_PUBLISHING);
		rc = ll_outdir_commit(&od, &err);
	}
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		goto out;
	}
	ll_cli_progress_end(&prog);
	warn_not_transferable(&r);
	print_summary(&r, already, cur.exists && !already ? cur.run_id : NULL,
		      entries, a.out);
out:
	if (in_tx)
		ll_db_rollback(&db);
	ll_outdir_release(&od);
	ll_statements_release(&built);
	ll_db_close(&db);
	ll_run_release(&r);
	ll_current_posting_release(&cur);
	ll_stored_statements_free(stmts, n_stmts);
	ll_key_release(&key);
	free(prev);
	free(csv);
	free(comp);
	free(runj);
	if (mf) {
		for (i = 0; i < a.n_manifests; i++)
			ll_manifest_release(&mf[i]);
	}
	if (mtext) {
		for (i = 0; i < a.n_manifests; i++)
			free(mtext[i]);
	}
	free(mf);
	free(good); /* copies of mf's entries: released through mf */
	free(mf_ok);
	free(log_repeat);
	free(mtext);
	if (logs)
		close_logs(logs, a.n_logs);
	free(logs);
	ll_registry_release(&reg);
	ll_errlist_release(&errs);
	return rc;
}

const struct ll_cmd ll_cmd_run = { "run", run,
				   "compute a period's royalties and payouts",
				   usage };

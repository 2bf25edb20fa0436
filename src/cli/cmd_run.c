/*
 * cmd_run.c — "ledgerline run": compute what a licensee owes for a period
 * (SPEC §3) and write payouts.csv, compliance.json and run.json (§4).
 *
 * Design decision: nothing is written anywhere until everything has been
 * computed and checked.  Outputs are staged in a private directory inside
 * --out, the run is stored in one database transaction, and only after it
 * commits are the files renamed into place; any invalid input ends the run
 * with every error listed, nothing stored and nothing left in --out.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledgerline/cli.h"
#include "ledgerline/config.h"
#include "ledgerline/db.h"
#include "ledgerline/ident.h"
#include "ledgerline/input.h"
#include "ledgerline/io.h"
#include "ledgerline/run.h"
#include "ledgerline/payfile.h"
#include "ledgerline/pipeline.h"
#include "ledgerline/runfiles.h"
#include "ledgerline/sign.h"
#include "ledgerline/statement.h"

enum {
	MANIFEST_BYTES_MAX = 1024 * 1024 * 1024,
	INPUTS_MAX = 4096,
};

static const uint64_t LOG_BYTES_MAX = UINT64_C(1) << 40; /* 1 TiB */

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
	"  run.json          run id, inputs and digests, totals per licence\n"
	"\n"
	"  --licensee PARTY  the licensee (a party of kind licensee)\n"
	"  --period PERIOD   2026-Q3, 2026-09 or 2026-07-01..2026-09-30\n"
	"  --manifest FILE   training manifests (JSON), one or more\n"
	"  --logs FILE       generation logs (NDJSON), one or more\n"
	"  --out DIR         output directory (created if missing)\n"
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
			const char *v;

			if (i + 1 >= argc)
				return ll_cli_usage_error("run",
							  "%s needs a value",
							  o);
			v = argv[i + 1];
			if (o[2] == 'l')
				a->licensee = v;
			else if (o[2] == 'p')
				a->period = v;
			else if (o[2] == 'o')
				a->out = v;
			else {
				char *end;
				long t = strtol(v, &end, 10);

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

/* ---- staging outputs -------------------------------------------------- */

enum { STAGED_FILES_MAX = 64 };

struct staged {
	char dir[PATH_MAX];
	char names[STAGED_FILES_MAX][48];
	size_t n;
	int has_statements;
};

static enum ll_status stage(struct staged *s, const char *name,
			    const char *data, struct ll_error *err)
{
	char path[PATH_MAX];

	if (s->n == STAGED_FILES_MAX)
		return ll_error_set(err, LL_INTERNAL, s->dir, 0, NULL,
				    "too many output files");
	if (snprintf(path, sizeof(path), "%s/%s", s->dir, name) >=
	    (int)sizeof(path))
		return ll_error_set(err, LL_IO, s->dir, 0, NULL,
				    "path too long");
	snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
	return ll_write_atomic(path, data, strlen(data), 0, err);
}

#define STAGE_PREFIX ".ledgerline-stage-"

/*
 * A private staging directory inside out, named by mkdtemp (never two
 * alike, whatever PIDs are reused), holding a "pid" file so that a later
 * run can tell a dead run's leftovers from a live run's work.
 */
static enum ll_status stage_open(struct staged *s, const char *out,
				 struct ll_error *err)
{
	char pid[32], path[PATH_MAX];

	if (snprintf(s->dir, sizeof(s->dir), "%s/" STAGE_PREFIX "XXXXXX",
		     out) >= (int)sizeof(s->dir)) {
		s->dir[0] = '\0';
		return ll_error_set(err, LL_IO, out, 0, NULL, "path too long");
	}
	if (!mkdtemp(s->dir)) {
		int e = errno;

		s->dir[0] = '\0';
		return ll_error_set(err, LL_IO, out, 0, NULL,
				    "cannot create a staging directory: %s",
				    strerror(e));
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (snprintf(path, sizeof(path), "%s/pid", s->dir) >=
	    (int)sizeof(path))
		return ll_error_set(err, LL_IO, s->dir, 0, NULL,
				    "path too long");
	return ll_write_atomic(path, pid, strlen(pid), 0, err);
}

/* Remove a directory's files and the directory (one level). */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
		    (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Remove a staging directory and everything in it. */
static void remove_stage_dir(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/statements", dir) <
	    (int)sizeof(path))
		remove_tree(path);
	remove_tree(dir);
}

static void unstage(struct staged *s)
{
	if (!s->dir[0])
		return;
	remove_stage_dir(s->dir);
	s->dir[0] = '\0';
}

/* Staging directories in out left by runs that were killed: their pid
 * file names a process that no longer exists. */
static void remove_dead_stages(const char *out)
{
	DIR *d = opendir(out);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char dir[PATH_MAX], path[PATH_MAX], buf[32];
		FILE *f;
		long pid = 0;

		if (strncmp(e->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) != 0 ||
		    snprintf(dir, sizeof(dir), "%s/%s", out, e->d_name) >=
			    (int)sizeof(dir) ||
		    snprintf(path, sizeof(path), "%s/pid", dir) >=
			    (int)sizeof(path))
			continue;
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				pid = strtol(buf, NULL, 10);
			fclose(f);
		}
		/* no pid file yet: a run between mkdtemp and writing it, or
		 * one killed right there; leave it to a later run */
		if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
			remove_stage_dir(dir);
	}
	closedir(d);
}

/* payouts-<CUR>.xml in out that this run did not write: from an earlier
 * run of other currencies; removed so the directory shows one run. */
static void remove_stale_payfiles(const struct staged *s, const char *out)
{
	DIR *d = opendir(out);
	struct dirent *e;
	char path[PATH_MAX];
	size_t i;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int ours = 0;

		if (n != 16 || strncmp(e->d_name, "payouts-", 8) != 0 ||
		    strcmp(e->d_name + 11, ".xml") != 0)
			continue;
		for (i = 0; i < s->n; i++)
			ours |= strcmp(s->names[i], e->d_name) == 0;
		if (!ours &&
		    snprintf(path, sizeof(path), "%s/%s", out, e->d_name) <
			    (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
}

static enum ll_status publish(struct staged *s, const char *out,
			      struct ll_error *err)
{
	char from[PATH_MAX], to[PATH_MAX], old[PATH_MAX];
	size_t i;

	if (s->has_statements) {
		/* swap the whole statements directory, so it never mixes
		 * two runs */
		if (snprintf(from, sizeof(from), "%s/statements", s->dir) >=
			    (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/statements", out) >=
			    (int)sizeof(to) ||
		    snprintf(old, sizeof(old), "%s/.ledgerline-old.%ld", s->dir,
			     (long)getpid()) >= (int)sizeof(old))
			return ll_error_set(err, LL_IO, out, 0, NULL,
					    "path too long");
		if (rename(to, old) != 0 && errno != ENOENT)
			return ll_error_set(err, LL_IO, to, 0, NULL,
					    "cannot replace: %s",
					    strerror(errno));
		if (rename(from, to) != 0)
			return ll_error_set(err, LL_IO, to, 0, NULL,
					    "cannot write: %s", strerror(errno));
		remove_tree(old);
		s->has_statements = 0;
	}
	for (i = 0; i < s->n; i++) {
		if (snprintf(from, sizeof(from), "%s/%s", s->dir,
			     s->names[i]) >= (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s", out, s->names[i]) >=
			    (int)sizeof(to))
			return ll_error_set(err, LL_IO, out, 0, NULL,
					    "path too long");
		if (rename(from, to) != 0)
			return ll_error_set(err, LL_IO, to, 0, NULL,
					    "cannot write: %s", strerror(errno));
	}
	remove_stale_payfiles(s, out);
	s->n = 0;
	remove_stage_dir(s->dir); /* only the pid file is left in it */
	s->dir[0] = '\0';
	remove_dead_stages(out);
	return LL_OK;
}

/* ---- summary ---------------------------------------------------------- */

static void print_summary(const struct ll_run *r, bool already,
			  const char *superseded, int64_t entries)
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

static enum ll_status stage_statements(struct staged *st,
				       const struct ll_stored_statement *s,
				       size_t n, struct ll_error *err)
{
	char dir[PATH_MAX];
	size_t i;
	enum ll_status rc = LL_OK;

	if (snprintf(dir, sizeof(dir), "%s/statements", st->dir) >=
	    (int)sizeof(dir))
		return ll_error_set(err, LL_IO, st->dir, 0, NULL,
				    "path too long");
	if (mkdir(dir, 0755) != 0)
		return ll_error_set(err, LL_IO, dir, 0, NULL,
				    "cannot create: %s", strerror(errno));
	st->has_statements = 1;
	for (i = 0; i < n && rc == LL_OK; i++) {
		char path[PATH_MAX];

		if (snprintf(path, sizeof(path), "%s/%s.dsse.json", dir,
			     s[i].party) >= (int)sizeof(path))
			return ll_error_set(err, LL_IO, dir, 0, NULL,
					    "path too long");
		rc = ll_write_atomic(path, s[i].envelope, strlen(s[i].envelope),
				     0, err);
	}
	return rc;
}

/* payouts-<CUR>.xml for every currency with a transferable payout. */
static enum ll_status stage_payfiles(struct staged *st, const struct ll_run *r,
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
			rc = stage(st, name, xml, err);
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
	bool *mf_ok = NULL;
	size_t n_good = 0;
	char **mtext = NULL;
	struct ll_log_input *logs = NULL;
	struct ll_pipeline_opts popts = { 0, 0, -1 };
	struct staged st;
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
	char key_priv[PATH_MAX], key_pub[PATH_MAX];
	int64_t entries = 0;
	int help;
	size_t i;

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
	popts.progress_fd = ll_cli_progress_enabled() ? 2 : -1;

	memset(&r, 0, sizeof(r));
	memset(&st, 0, sizeof(st));
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
	if (!mf || !mtext || !logs || !good || !mf_ok) {
		rc = ll_cli_fail(LL_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < a.n_logs; i++)
		logs[i].fd = -1;

	/* inputs: read and check before touching the database */
	for (i = 0; i < a.n_manifests; i++) {
		size_t len;

		rc = ll_input_read_all(a.manifests[i], MANIFEST_BYTES_MAX,
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
		rc = ll_input_open(a.logs[i], LOG_BYTES_MAX, &logs[i].fd, &err);
		if (rc != LL_OK) {
			ll_cli_print_error(&err);
			goto out;
		}
	}
	/* a broken manifest does not stop the logs from being checked: every
	 * error is listed at the end; the run uses the manifests that
	 * parsed (and then cannot judge which models lack one) */
	for (i = 0; i < a.n_manifests; i++) {
		if (mf[i].json && mf_ok[i])
			good[n_good++] = mf[i];
	}

	/* the signing key, then the registry snapshot under the period's
	 * writer lock */
	rc = ll_config_load(&cfg, &err);
	if (rc == LL_OK)
		rc = ll_config_key_paths(&cfg, key_priv, key_pub, &err);
	if (rc == LL_OK && ll_key_load_private(&key, key_priv, &err) != LL_OK) {
		ll_cli_print_error(&err);
		rc = ll_cli_fail(LL_USAGE,
				 "no usable signing key: create one with "
				 "'ledgerline keygen' or set signing.key");
		goto out;
	}
	if (rc == LL_OK)
		rc = ll_db_open_ready(&db, &cfg, &err);
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
	if (rc != LL_OK) {
		if (rc == LL_NOMEM && !err.text[0])
			ll_error_set(&err, rc, NULL, 0, NULL, "out of memory");
		ll_cli_print_error(&err);
		goto out;
	}
	if (ll_errlist_count(&errs) || ll_errlist_count(&r.errs) ||
	    r.tally.errors_total) {
		size_t n = ll_errlist_count(&errs) + ll_errlist_count(&r.errs) +
			   r.tally.errors_total;

		ll_errlist_sort(&errs);
		ll_cli_print_errlist(&errs);
		ll_errlist_sort(&r.errs);
		ll_cli_print_errlist(&r.errs);
		for (i = 0; i < r.tally.n_errors; i++)
			ll_cli_print_error(&r.tally.errors[i].e);
		if (r.tally.errors_total > r.tally.n_errors)
			fprintf(stderr,
				"ledgerline: ... and %llu more errors in the "
				"logs\n",
				(unsigned long long)(r.tally.errors_total -
						     r.tally.n_errors));
		rc = ll_cli_fail(LL_INVALID, "%zu error%s: nothing was run", n,
				 n == 1 ? "" : "s");
		goto out;
	}
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

	/* post: nothing new, a first posting, or a restatement */
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
		struct ll_restatement rs = { NULL, NULL, 0 };
		struct ll_statements built;
		bool stored = false;
		int64_t posting_id = 0;

		memset(&built, 0, sizeof(built));
		if (cur.exists) {
			rs.supersedes = cur.run_id;
			rc = ll_db_run_party_amounts(&db, cur.run_id, &prev,
						     &rs.n_prev, &err);
			rs.prev = prev;
		}
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
		if (rc == LL_OK)
			rc = ll_db_run_exists(&db, r.id, &stored, &err);
		if (rc == LL_OK && !stored)
			rc = ll_db_run_store(&db, &r, runj, comp, &err);
		if (rc == LL_OK)
			rc = ll_db_post_run(&db, &r,
					    cur.exists ? cur.posting_id : 0,
					    runj, &posting_id, &entries, &err);
		if (rc == LL_OK)
			rc = ll_db_store_statements(&db, posting_id, stmts,
						    n_stmts, built.root,
						    key.keyid, &err);
		ll_statements_release(&built);
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

	/* stage the files, commit, publish */
	rc = ll_mkdir_p(a.out, 0755, &err);
	if (rc == LL_OK)
		rc = stage_open(&st, a.out, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		goto out;
	}
	rc = stage(&st, "payouts.csv", csv, &err);
	if (rc == LL_OK)
		rc = stage(&st, "compliance.json", comp, &err);
	if (rc == LL_OK)
		rc = stage(&st, "run.json", runj, &err);
	if (rc == LL_OK)
		rc = stage_statements(&st, stmts, n_stmts, &err);
	if (rc == LL_OK)
		rc = stage_payfiles(&st, &r, &err);
	if (rc == LL_OK)
		rc = ll_db_commit(&db, &err);
	if (rc == LL_OK) {
		in_tx = false;
		rc = publish(&st, a.out, &err);
	}
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		goto out;
	}
	warn_not_transferable(&r);
	print_summary(&r, already, cur.exists && !already ? cur.run_id : NULL,
		      entries);
out:
	if (in_tx)
		ll_db_rollback(&db);
	unstage(&st);
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

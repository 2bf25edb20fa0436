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
 * stored and nothing left in --out.  The command is a struct job carried
 * through named phases, one function each; run() is their list.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ledgerline/account.h"
#include "ledgerline/buf.h"
#include "ledgerline/checkpoint.h"
#include "ledgerline/cli.h"
#include "ledgerline/config.h"
#include "ledgerline/db.h"
#include "ledgerline/disclose.h"
#include "ledgerline/digest.h"
#include "ledgerline/ident.h"
#include "ledgerline/input.h"
#include "ledgerline/io.h"
#include "ledgerline/outdir.h"
#include "ledgerline/partial.h"
#include "ledgerline/partialio.h"
#include "ledgerline/run.h"
#include "ledgerline/payfile.h"
#include "ledgerline/pipeline.h"
#include "ledgerline/render.h"
#include "ledgerline/runfiles.h"
#include "ledgerline/sign.h"
#include "ledgerline/statement.h"
#include "ledgerline/task.h"

#include "run_inputs.h"

enum {
	INPUTS_MAX = 4096,
};

static const char usage[] =
	"usage: ledgerline run --licensee PARTY --period PERIOD\n"
	"                      --manifest FILE... --logs FILE... --out DIR\n"
	"       ledgerline run ... --manifest FILE... --tallies PART... --out DIR\n"
	"                      [--threads N] [--memory-max SIZE]\n"
	"\n"
	"Compute what the licensee owes under each of its licences active in\n"
	"the period (SPEC §3), from training manifests and generation logs, and\n"
	"record the run in the database.  Writes to DIR:\n"
	"  payouts.csv       the payments of this posting, one row per payee\n"
	"                    and currency (SPEC §5: each payee's open\n"
	"                    balance, when positive and at least its\n"
	"                    payout.minimum)\n"
	"  remittance.csv    what each payment settles, one row per party\n"
	"  payouts-CUR.xml   pain.001 credit transfers of the payments\n"
	"  compliance.json   excluded items, ineligible and unattributed use,\n"
	"                    voice imitation without consent, withdrawn consent\n"
	"  run.json          run id, posting, inputs and digests, totals per\n"
	"                    licence, payments, the statements' root and\n"
	"                    the checkpoint\n"
	"  statements/       a signed statement per party the posting touches\n"
	"  checkpoint.dsse.json  the ledger after this posting (posting number,\n"
	"                    journal entries and chain head, root), signed\n"
	"\n"
	"  --licensee PARTY  the licensee (a party of kind licensee)\n"
	"  --period PERIOD   2026-Q3, 2026-09 or 2026-07-01..2026-09-30\n"
	"  --manifest FILE   training manifests (JSON), one or more\n"
	"  --logs FILE       generation logs (NDJSON), one or more\n"
	"  --tallies PART    instead of --logs: partials made by 'ledgerline\n"
	"                    tally' from shards of the logs; the run is the\n"
	"                    same, byte for byte, as one over all their logs.\n"
	"                    Every partial must be of this licensee, period,\n"
	"                    registry snapshot and these manifests, and no\n"
	"                    event id may be in two of them (exit 3)\n"
	"  --out DIR         output directory (created if missing); files\n"
	"                    ledgerline did not write there are never replaced\n"
	"                    or removed: one where an output must go is an\n"
	"                    error (exit 2) and nothing is stored\n"
	"  --threads N       parsing threads (default: the CPUs it may use)\n"
	"  --memory-max SIZE memory for what grows with the logs (default 1G;\n"
	"                    K, M, G suffixes, at least 64K): the duplicate-id\n"
	"                    check holds 1/128 of it (at most 8 MiB) of event-id\n"
	"                    hashes and spills the rest, 8 bytes per event, to\n"
	"                    a temporary file in $TMPDIR (default /tmp)\n"
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
	const char *tallies[INPUTS_MAX];	/* instead of logs */
	size_t n_tallies;
	int threads;
	uint64_t memory_max;		/* 0: the default */
	int32_t first_day, last_day;	/* the period */
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

/* --manifest FILE... or --logs FILE... at argv[*i]; *i moves past it. */
static enum ll_status take_inputs(int argc, char **argv, int *i,
				  struct args *a)
{
	const char *o = argv[*i];
	bool is_log = o[2] == 'l', is_tally = o[2] == 't';
	size_t *n = is_log ? &a->n_logs : is_tally ? &a->n_tallies
						   : &a->n_manifests;
	size_t before = *n;
	int j = take_list(argc, argv, *i,
			  is_log ? a->logs : is_tally ? a->tallies
						      : a->manifests,
			  n);

	if (j < 0)
		return ll_cli_usage_error("run", "more than %d inputs",
					  INPUTS_MAX);
	if (*n == before)
		return ll_cli_usage_error("run", "%s needs at least one FILE",
					  o);
	*i = j;
	return LL_OK;
}

/* --licensee, --period, --out or --threads at argv[*i], with its value;
 * *i moves past both. */
static enum ll_status take_value(int argc, char **argv, int *i,
				 struct args *a, const char **threads)
{
	const char *o = argv[*i];
	const char **slot = o[2] == 'l'	  ? &a->licensee
			    : o[2] == 'p' ? &a->period
			    : o[2] == 'o' ? &a->out
					  : threads;
	enum ll_status rc;

	if (*i + 1 >= argc)
		return ll_cli_usage_error("run", "%s needs a value", o);
	rc = ll_cli_set_once("run", o, slot, argv[*i + 1]);
	if (rc != LL_OK)
		return rc;
	*i += 2;
	if (slot != threads)
		return LL_OK;
	return ll_inputs_threads("run", *threads, &a->threads);
}

/* --memory-max SIZE at argv[*i]: bytes, with an optional K, M or G
 * (powers of 1024); *i moves past it. */
static enum ll_status take_memory_max(int argc, char **argv, int *i,
				      struct args *a)
{
	enum ll_status rc;

	if (*i + 1 >= argc)
		return ll_cli_usage_error("run", "--memory-max needs a value");
	if (a->memory_max)
		return ll_cli_usage_error("run", "--memory-max given twice");
	rc = ll_inputs_memory_max("run", argv[*i + 1], &a->memory_max);
	if (rc == LL_OK)
		*i += 2;
	return rc;
}

/* What the options say together: all required ones given, standard
 * input read once at most, a period that parses. */
static enum ll_status check_args(struct args *a)
{
	const char *reason = NULL;
	size_t stdin_uses;

	if (!a->licensee || !a->period || !a->out || !a->n_manifests ||
	    !(a->n_logs || a->n_tallies))
		return ll_cli_usage_error("run",
					  "--licensee, --period, --manifest, "
					  "--logs (or --tallies) and --out are "
					  "required");
	if (a->n_logs && a->n_tallies)
		return ll_cli_usage_error("run",
					  "--logs and --tallies exclude each "
					  "other");
	stdin_uses = ll_inputs_stdin_uses(a->tallies, a->n_tallies) +
		     ll_inputs_stdin_uses(a->manifests, a->n_manifests) +
		     ll_inputs_stdin_uses(a->logs, a->n_logs);
	if (stdin_uses > 1)
		return ll_cli_usage_error("run",
					  "standard input ('-') given twice");
	if (!ll_period_parse(a->period, &a->first_day, &a->last_day, &reason))
		return ll_cli_usage_error("run",
					  "invalid period \"%s\": %s (expected "
					  "2026-Q3, 2026-09 or "
					  "2026-07-01..2026-09-30)",
					  a->period, reason ? reason : "malformed");
	return LL_OK;
}

static enum ll_status parse_args(int argc, char **argv, struct args *a,
				 int *help)
{
	const char *threads = NULL;
	enum ll_status rc;
	int i = 1;

	memset(a, 0, sizeof(*a));
	*help = 0;
	while (i < argc) {
		const char *o = argv[i];

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			*help = 1;
			return LL_OK;
		}
		if (strcmp(o, "--manifest") == 0 || strcmp(o, "--logs") == 0 ||
		    strcmp(o, "--tallies") == 0)
			rc = take_inputs(argc, argv, &i, a);
		else if (strcmp(o, "--licensee") == 0 ||
			 strcmp(o, "--period") == 0 ||
			 strcmp(o, "--out") == 0 || strcmp(o, "--threads") == 0)
			rc = take_value(argc, argv, &i, a, &threads);
		else if (strcmp(o, "--memory-max") == 0)
			rc = take_memory_max(argc, argv, &i, a);
		else
			return ll_cli_usage_error("run",
						  "unexpected argument '%s'", o);
		if (rc != LL_OK)
			return rc;
	}
	return check_args(a);
}

/* ---- summary ---------------------------------------------------------- */

static const struct ll_render_col licence_cols[] = {
	{ "licence", 24, LL_RENDER_LEFT },
	{ "currency", 8, LL_RENDER_LEFT },
	{ "total", 18, LL_RENDER_RIGHT },
};

static const struct ll_render_col payee_cols[] = {
	{ "payee", 24, LL_RENDER_LEFT },
	{ "currency", 8, LL_RENDER_LEFT },
	{ "amount", 18, LL_RENDER_RIGHT },
};

static const struct ll_render_table licence_table = { licence_cols, 3, "  " };
static const struct ll_render_table payee_table = { payee_cols, 3, "  " };

/* The totals per licence, then the payments per payee, as text tables. */
static void print_amounts(const struct ll_run *r,
			  const struct ll_accounts *acc)
{
	const struct ll_registry *reg = r->reg;
	const struct ll_render_backend *text = ll_render_backend("text");
	struct ll_render t;
	struct ll_error err; /* a FILE*'s errors are main's to see */
	size_t i;

	printf("\n");
	ll_render_begin(&t, text, &licence_table, NULL, stdout);
	for (i = 0; i < r->st.n_lic; i++) {
		const struct ll_licence_total *lt = &r->st.lic[i];
		const struct ll_licence *lic = &reg->licences.v[lt->licence];
		char *amt = ll_exact_minor_str_i64(lt->minor, lic->exponent);
		const char *v[] = { lic->id, lic->currency, amt ? amt : "?" };

		ll_render_row(&t, v);
		free(amt);
	}
	ll_render_end(&t, &err);
	printf("\n");
	ll_render_begin(&t, text, &payee_table, NULL, stdout);
	for (i = 0; i < acc->n_pay; i++) {
		const struct ll_payment *pm = &acc->pay[i];
		char *amt = ll_exact_minor_str_i64(pm->amount, pm->exponent);
		const char *v[] = { reg->parties.v[pm->payee].id, pm->currency,
				    amt ? amt : "?" };

		ll_render_row(&t, v);
		free(amt);
	}
	ll_render_end(&t, &err);
}

static void print_summary(const struct ll_run *r,
			  const struct ll_accounts *acc, bool already,
			  const char *superseded, int64_t entries,
			  const char *out)
{
	printf("run %s: licensee %s, period %s\n", r->id, r->licensee,
	       r->period);
	printf("  %llu events, %llu attributions, %zu manifest items "
	       "(%zu excluded)\n",
	       (unsigned long long)r->tally.events,
	       (unsigned long long)r->tally.attributions, r->n_items,
	       r->n_excluded);
	print_amounts(r, acc);
	printf("\nposting %lld, %zu payment%s\n", (long long)acc->posting,
	       acc->n_pay, acc->n_pay == 1 ? "" : "s");
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
		const char *party = r->reg->parties.v[b->v[i].party].id;

		if (!ll_str_copy(s->party, sizeof(s->party), party))
			return ll_error_set(err, LL_INTERNAL, party, 0, NULL,
					    "party id too long");
		memcpy(s->sha256, b->v[i].sha256, sizeof(s->sha256));
		s->envelope = strdup(b->v[i].envelope);
		if (!s->envelope)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		(*n)++;
	}
	return LL_OK;
}

/* The digest of party id's statement among s[0..n), or NULL. */
static const char *statement_of(const struct ll_stored_statement *s, size_t n,
				const char *id)
{
	size_t j;

	for (j = 0; j < n; j++) {
		if (strcmp(s[j].party, id) == 0)
			return s[j].sha256;
	}
	return NULL;
}

/* payouts.csv with each payee's own statement digest (empty when the
 * payee has none), and remittance.csv with each party's. */
static enum ll_status payment_files(const struct ll_registry *reg,
				    const struct ll_accounts *acc,
				    const struct ll_stored_statement *s,
				    size_t n, char **csv, char **remit)
{
	const char **hashes = calloc(acc->n_pay + acc->n + 1, sizeof(*hashes));
	size_t i;

	if (!hashes)
		return LL_NOMEM;
	for (i = 0; i < acc->n_pay; i++)
		hashes[i] = statement_of(s, n,
					 reg->parties.v[acc->pay[i].payee].id);
	*csv = ll_runfile_payouts_csv(reg, acc, hashes);
	for (i = 0; i < acc->n; i++)
		hashes[i] = statement_of(s, n, reg->parties.v[acc->v[i].party].id);
	*remit = ll_runfile_remittance_csv(reg, acc, hashes);
	free(hashes);
	return *csv && *remit ? LL_OK : LL_NOMEM;
}

static enum ll_status stage_statements(struct ll_outdir *od,
				       const struct ll_stored_statement *s,
				       size_t n, struct ll_error *err)
{
	char (*name)[LL_OUTDIR_PATH_BYTES_MAX + 1];
	const char **paths, **data;
	size_t i, *len;
	enum ll_status rc = LL_OK;

	name = malloc((n + 1) * sizeof(*name));
	paths = malloc((n + 1) * sizeof(*paths));
	data = malloc((n + 1) * sizeof(*data));
	len = malloc((n + 1) * sizeof(*len));
	if (!name || !paths || !data || !len)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	for (i = 0; i < n && rc == LL_OK; i++) {
		if (snprintf(name[i], sizeof(name[i]), "statements/%s.dsse.json",
			     s[i].party) >= (int)sizeof(name[i]))
			rc = ll_error_set(err, LL_INTERNAL, s[i].party, 0,
					  NULL, "party id too long");
		paths[i] = name[i];
		data[i] = s[i].envelope;
		len[i] = strlen(s[i].envelope);
	}
	if (rc == LL_OK)
		rc = ll_outdir_add_many(od, n, paths, data, len, err);
	free(name);
	free(paths);
	free(data);
	free(len);
	return rc;
}

enum {
	E2E_BYTES = LL_END_TO_END_ID_SIZE,	/* an end-to-end id, NUL included */
	REMIT_BYTES = 160,	/* a remittance text, NUL included */
};

/* The transfers of one payment file, and what all its files share. */
struct pay_batch {
	const struct ll_party *debtor;
	struct ll_pay_tx *tx;	/* one per payout at most */
	char *e2e;		/* E2E_BYTES per transfer */
	char *remit;		/* REMIT_BYTES per transfer */
	size_t n;
	char created[32], exec[11];
};

/* The transfers in currency ccy, from payment first on: every payee with
 * an account and an amount one transfer may carry. */
static void collect_transfers(const struct ll_run *r,
			      const struct ll_accounts *acc, const char *ccy,
			      size_t first, struct pay_batch *pb)
{
	size_t j;

	pb->n = 0;
	for (j = first; j < acc->n_pay; j++) {
		const struct ll_payment *pm = &acc->pay[j];
		const struct ll_party *p = &r->reg->parties.v[pm->payee];
		struct ll_pay_tx *tx = &pb->tx[pb->n];

		if (strcmp(pm->currency, ccy) != 0 || !p->has_payout ||
		    !ll_payfile_amount_ok(ccy, pm->amount))
			continue;
		LL_ENSURE(ll_str_copy(pb->e2e + E2E_BYTES * pb->n, E2E_BYTES,
				      pm->end_to_end_id));
		snprintf(pb->remit + REMIT_BYTES * pb->n, REMIT_BYTES,
			 "royalties %s %s posting %lld payee %s", r->period,
			 r->id, (long long)acc->posting, p->id);
		tx->end_to_end_id = pb->e2e + E2E_BYTES * pb->n;
		tx->minor = pm->amount;
		tx->creditor_name = p->name;
		tx->iban = p->iban;
		tx->bic = p->bic;
		tx->remittance = pb->remit + REMIT_BYTES * pb->n;
		pb->n++;
	}
}

/* payouts-<CUR>.xml of the transfers collected in pb; pm is the first
 * payment in that currency. */
static enum ll_status stage_payfile(struct ll_outdir *od,
				    const struct ll_run *r, int64_t posting,
				    const struct ll_payment *pm,
				    const struct pay_batch *pb,
				    struct ll_error *err)
{
	struct ll_pay_batch b;
	char msg[LL_DERIVED_ID_SIZE], name[32], *xml = NULL;
	enum ll_status rc;

	ll_payfile_msg_id(r->id, posting, pm->currency, msg);
	b.msg_id = msg;
	b.created = pb->created;
	b.execution_date = pb->exec;
	b.initiator_name = pb->debtor->name;
	b.debtor_name = pb->debtor->name;
	b.debtor_iban = pb->debtor->iban;
	b.debtor_bic = pb->debtor->bic;
	b.currency = pm->currency;
	b.exponent = pm->exponent;
	b.tx = pb->tx;
	b.n_tx = pb->n;
	rc = ll_payfile_pain001(&b, &xml, err);
	if (rc == LL_OK) {
		snprintf(name, sizeof(name), "payouts-%s.xml", pm->currency);
		rc = ll_outdir_add(od, name, xml, strlen(xml), err);
	}
	free(xml);
	return rc;
}

/* payouts-<CUR>.xml for every currency with a transferable payment. */
static enum ll_status stage_payfiles(struct ll_outdir *od, const struct ll_run *r,
				     const struct ll_accounts *acc,
				     struct ll_error *err)
{
	struct pay_batch pb;
	size_t i, j;
	enum ll_status rc = LL_OK;

	memset(&pb, 0, sizeof(pb));
	pb.debtor = ll_registry_party(r->reg, r->licensee);
	if (!pb.debtor || !pb.debtor->has_payout)
		return LL_OK; /* reported by warn_not_transferable */
	pb.tx = calloc(acc->n_pay + 1, sizeof(*pb.tx));
	pb.e2e = calloc(acc->n_pay + 1, E2E_BYTES);
	pb.remit = calloc(acc->n_pay + 1, REMIT_BYTES);
	if (!pb.tx || !pb.e2e || !pb.remit)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	/* deterministic dates: the day after the period */
	ll_date_format(r->last_day + 1, pb.exec);
	snprintf(pb.created, sizeof(pb.created), "%sT00:00:00", pb.exec);
	for (i = 0; i < acc->n_pay && rc == LL_OK; i++) {
		const char *ccy = acc->pay[i].currency;

		for (j = 0; j < i; j++) {
			if (strcmp(acc->pay[j].currency, ccy) == 0)
				break;
		}
		if (j < i)
			continue; /* currency done */
		collect_transfers(r, acc, ccy, i, &pb);
		if (pb.n > 0)
			rc = stage_payfile(od, r, acc->posting, &acc->pay[i],
					   &pb, err);
	}
	free(pb.tx);
	free(pb.e2e);
	free(pb.remit);
	return rc;
}

static void warn_not_transferable(const struct ll_run *r,
				  const struct ll_accounts *acc)
{
	const struct ll_party *debtor = ll_registry_party(r->reg, r->licensee);
	size_t i;

	if (!debtor || !debtor->has_payout)
		fprintf(stderr,
			"ledgerline: warning: licensee %s has no payout account: "
			"no payment files were written\n",
			r->licensee);
	for (i = 0; i < acc->n_pay; i++) {
		const struct ll_payment *pm = &acc->pay[i];
		const struct ll_party *p = &r->reg->parties.v[pm->payee];

		if (!p->has_payout)
			fprintf(stderr,
				"ledgerline: warning: payee %s has no IBAN: its "
				"%s payout is in payouts.csv only\n",
				p->id, pm->currency);
		else if (!ll_payfile_amount_ok(pm->currency, pm->amount))
			fprintf(stderr,
				"ledgerline: warning: payee %s's %s payout is "
				"above what one transfer may carry: it is in "
				"payouts.csv only\n",
				p->id, pm->currency);
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


/* ---- partials (--tallies) -------------------------------------------- */

/* The partials of --tallies, and where each of their logs goes in the
 * run's list of logs (by name, then SHA-256, as the outputs list them). */
struct tallies {
	struct ll_partial *v;		/* heads and sums, without their ids */
	struct ll_partial_stream *st;	/* each partial's ids, still to read */
	size_t n;
	uint32_t **map;		/* map[i][k]: partial i's log k */
	uint32_t *part, *plog;	/* the run's log m: partial, its log */
};

static void tallies_release(struct tallies *tl)
{
	size_t i;

	for (i = 0; tl->v && i < tl->n; i++) {
		ll_partial_release(&tl->v[i]);
		ll_partial_stream_close(&tl->st[i]);
		free(tl->map[i]);
	}
	free(tl->v);
	free(tl->st);
	free(tl->map);
	free(tl->part);
	free(tl->plog);
}

static const struct tallies *sort_tl;

static int cmp_run_log(const void *x, const void *y)
{
	const uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	const struct ll_partial_log *la =
		&sort_tl->v[sort_tl->part[a]].logs[sort_tl->plog[a]];
	const struct ll_partial_log *lb =
		&sort_tl->v[sort_tl->part[b]].logs[sort_tl->plog[b]];
	int c = strcmp(la->name, lb->name);

	if (!c)
		c = strcmp(la->sha256, lb->sha256);
	return c ? c : (a > b) - (a < b);
}

/* The run's logs: every partial's, sorted; a->logs names them. */
static enum ll_status tallies_logs(struct tallies *tl, struct args *a)
{
	size_t i, k, m = 0, n = 0;
	uint32_t *order, *part, *plog;

	for (i = 0; i < tl->n; i++)
		n += tl->v[i].n_logs;
	if (n > INPUTS_MAX)
		return ll_cli_usage_error("run", "more than %d logs in the "
						 "partials", INPUTS_MAX);
	order = calloc(n + 1, sizeof(*order));
	tl->part = calloc(n + 1, sizeof(*tl->part));
	tl->plog = calloc(n + 1, sizeof(*tl->plog));
	part = calloc(n + 1, sizeof(*part));
	plog = calloc(n + 1, sizeof(*plog));
	if (!order || !tl->part || !tl->plog || !part || !plog) {
		free(order), free(part), free(plog);
		return ll_cli_fail(LL_NOMEM, "out of memory");
	}
	for (i = 0; i < tl->n; i++) {
		for (k = 0; k < tl->v[i].n_logs; k++, m++) {
			tl->part[m] = (uint32_t)i;
			tl->plog[m] = (uint32_t)k;
			order[m] = (uint32_t)m;
		}
	}
	sort_tl = tl;
	qsort(order, n, sizeof(*order), cmp_run_log);
	for (m = 0; m < n; m++) {
		part[m] = tl->part[order[m]];
		plog[m] = tl->plog[order[m]];
		tl->map[part[m]][plog[m]] = (uint32_t)m;
		a->logs[m] = tl->v[part[m]].logs[plog[m]].name;
	}
	a->n_logs = n;
	free(tl->part), free(tl->plog), free(order);
	tl->part = part;
	tl->plog = plog;
	return LL_OK;
}

enum {
	/* descriptors a run needs beside its partials: standard streams,
	 * the database, manifests, output files, spill files */
	OPEN_FILES_SPARE = 64,
};

/*
 * Every partial stays open while their ids are merged, one descriptor
 * each: raise the soft limit of open files towards the hard one when the
 * partials would not fit under it (as far as the hard limit allows; a
 * partial that still cannot be opened is reported by name).
 */
static void room_for_partials(size_t n)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)n + OPEN_FILES_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want
			      ? rl.rlim_max
			      : want;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* Open each partial of --tallies and read its head, sums and findings;
 * its ids and checksum are read by merge_tallies. */
static enum ll_status load_tallies(struct tallies *tl, struct args *a)
{
	struct ll_error err;
	enum ll_status rc = LL_OK;
	size_t i;

	memset(tl, 0, sizeof(*tl));
	room_for_partials(a->n_tallies);
	tl->v = calloc(a->n_tallies, sizeof(*tl->v));
	tl->st = calloc(a->n_tallies, sizeof(*tl->st));
	tl->map = calloc(a->n_tallies, sizeof(*tl->map));
	if (!tl->v || !tl->st || !tl->map)
		return ll_cli_fail(LL_NOMEM, "out of memory");
	ll_error_clear(&err);
	for (i = 0; i < a->n_tallies && rc == LL_OK; i++, tl->n++) {
		ll_partial_init(&tl->v[i]);
		rc = ll_partial_stream_open(&tl->st[i], &tl->v[i],
					    a->tallies[i], &err);
		tl->map[i] = calloc(tl->v[i].n_logs + 1, sizeof(**tl->map));
		if (rc == LL_OK && !tl->map[i])
			rc = ll_error_set(&err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory");
	}
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		if (rc == LL_INVALID)
			fprintf(stderr, "ledgerline: nothing was run\n");
		return rc;
	}
	return tallies_logs(tl, a);
}

/* ---- the job and its phases ------------------------------------------ */

/*
 * One run, carried through its phases in order: read the inputs,
 * snapshot the registry, compute, build the outputs, stage them, post to
 * the ledger, commit and publish, summarise.  Each phase prints its own
 * errors and returns a status; job_release frees what any of them made.
 */
/* Database work on a thread of its own while the caller computes: the
 * connection is the task's from db_task_start to db_task_join, and the
 * caller touches no database meanwhile. */
struct job;
struct db_task {
	struct job *j;
	enum ll_status (*fn)(struct job *j, struct ll_error *err);
	enum ll_status rc;
	struct ll_error err;
	struct ll_task th;
	bool running;
};

/* stage_outputs on a thread of its own: what it shares with the
 * caller.  The latch opens once the statements are signed (or signing
 * failed: signed_ok says which); the caller may then store them while
 * the files are still being staged. */
struct stage_task {
	struct job *j;
	struct ll_latch signed_;
	bool signed_ok;
	enum ll_status rc;
	struct ll_error err;
};

struct job {
	const struct args *a;
	struct ll_cli_ctx *ctx;		/* configuration, connection, transaction */
	char first[11], last[11];	/* the period's first and last day */
	struct ll_error err;
	struct ll_errlist errs;		/* input errors, all listed at once */
	struct ll_cli_progress prog;
	/* the inputs */
	struct ll_manifest *mf, *good;	/* good: copies of mf's that parsed */
	bool *mf_ok;
	size_t n_good;
	char **mtext;
	struct ll_log_input *logs;
	bool *log_repeat;		/* log i repeats an earlier one */
	size_t logs_twice;
	/* the snapshot */
	struct ll_key key;
	struct ll_registry reg;
	/* the results */
	struct ll_run r;
	struct ll_current_posting cur;
	bool already;			/* this run is the period's posting */
	bool run_stored;		/* its run id is stored already */
	struct db_task early;		/* its inputs and manifests stored */
	struct ll_restatement rs;
	struct ll_party_amount *prev;
	struct ll_party_amount *opening, *earned;	/* for the accounts */
	size_t n_opening, n_earned;
	struct ll_accounts acc;		/* statements of account, payments */
	struct ll_run_line *prev_lines;
	struct ll_statements built;
	/* built up to its Merkle root, signed while the posting is stored */
	struct ll_statements_draft *draft;
	struct ll_stored_statement *stmts;
	size_t n_stmts;
	char *csv, *remit, *comp, *runj;
	int64_t entries;
	struct cp_job cpj;		/* the posting's checkpoint */
	/* the output staging, on a thread of its own from the statements
	 * built (or loaded) to the posting's end */
	struct ll_outdir od;
	struct stage_task stage;
	struct ll_task stage_th;
	bool stage_running;
	struct tallies *tl;		/* --tallies: the partials */
};

static void job_init(struct job *j, struct ll_cli_ctx *ctx,
		     const struct args *a)
{
	memset(j, 0, sizeof(*j));
	j->a = a;
	j->ctx = ctx;
	ll_date_format(a->first_day, j->first);
	ll_date_format(a->last_day, j->last);
	ll_error_clear(&j->err);
	ll_errlist_init(&j->errs, 0);
	ll_cli_progress_init(&j->prog);
	ll_key_init(&j->key);
	ll_registry_init(&j->reg);
	ll_outdir_init(&j->od);
	j->cpj.db = &ctx->db;
	j->cpj.r = &j->r;
	j->cpj.key = &j->key;
	j->cpj.cur = &j->cur;
}

static void stage_finish(struct job *j);

static enum ll_status db_task_join(struct db_task *t, enum ll_status rc);

static void job_release(struct job *j)
{
	/* a failure may leave these running */
	(void)db_task_join(&j->early, LL_OK);
	stage_finish(j);
	ll_outdir_release(&j->od);
	ll_statements_draft_free(j->draft);
	ll_statements_release(&j->built);
	ll_run_release(&j->r);
	ll_current_posting_release(&j->cur);
	ll_stored_statements_free(j->stmts, j->n_stmts);
	ll_key_release(&j->key);
	free(j->prev);
	free(j->opening);
	free(j->earned);
	ll_accounts_release(&j->acc);
	ll_db_run_lines_free(j->prev_lines, j->rs.n_lines);
	free(j->csv);
	free(j->remit);
	free(j->comp);
	free(j->runj);
	ll_inputs_release(j->a->n_manifests, j->a->n_logs, j->mf, j->good,
			  j->mf_ok, j->mtext, j->logs, j->log_repeat);
	ll_registry_release(&j->reg);
	ll_errlist_release(&j->errs);
}

/* Phase: read and check the inputs, before touching the database. */
static enum ll_status read_inputs(struct job *j)
{
	const struct args *a = j->a;
	enum ll_status rc;

	rc = ll_inputs_alloc(a->n_manifests, a->n_logs, &j->mf, &j->good,
			     &j->mf_ok, &j->mtext, &j->logs, &j->log_repeat);
	if (rc != LL_OK)
		return rc;
	rc = ll_inputs_read_manifests(a->manifests, a->n_manifests, j->mtext,
				      j->mf, j->mf_ok, &j->errs, &j->err);
	/* with --tallies the logs are read from the partials */
	if (rc == LL_OK)
		rc = ll_inputs_open_logs(a->logs, a->n_logs, !j->tl, j->logs,
					 &j->err);
	if (rc != LL_OK)
		return rc;
	if (ll_inputs_manifests_twice(a->manifests, j->mf, a->n_manifests,
				      &j->errs) != LL_OK)
		return ll_cli_fail(LL_NOMEM, "out of memory");
	/* a broken manifest does not stop the logs from being checked: every
	 * error is listed at the end; the run uses the manifests that
	 * parsed (and then cannot judge which models lack one) */
	j->n_good = ll_inputs_good(j->mf, j->mf_ok, a->n_manifests, j->good);
	return LL_OK;
}

/*
 * Phase: the database (an uninitialised one is the first thing to say:
 * init also makes the signing key), the signing key, then the registry
 * snapshot under the period's writer lock, in the transaction that will
 * post the run.
 */
static enum ll_status snapshot_registry(struct job *j)
{
	char key_priv[PATH_MAX], key_pub[PATH_MAX];
	struct ll_db *db = &j->ctx->db;
	enum ll_status rc;

	rc = ll_cli_open(j->ctx, &j->err);
	if (rc == LL_OK)
		rc = ll_config_key_paths(&j->ctx->cfg, key_priv, key_pub,
					 &j->err);
	if (rc == LL_OK &&
	    ll_key_load_private(&j->key, key_priv, &j->err) != LL_OK) {
		ll_cli_print_error(&j->err);
		return ll_cli_fail(LL_USAGE,
				   "no usable signing key: create one with "
				   "'ledgerline keygen' or set signing.key");
	}
	if (rc == LL_OK)
		rc = ll_db_lock_period(db, j->a->licensee, j->first, j->last,
				       &j->err);
	if (rc == LL_OK)
		rc = ll_db_lock_licensee(db, j->a->licensee, &j->err);
	if (rc == LL_OK)
		rc = ll_inputs_registry(db, &j->reg, &j->errs, &j->err);
	if (rc != LL_OK) {
		ll_cli_print_errlist(&j->errs);
		ll_cli_print_error(&j->err);
	}
	return rc;
}

/*
 * Every error of the inputs, sorted, and LL_INVALID.  A log given twice
 * repeats every error of the first copy and makes each of its events a
 * duplicate: its repeat is named once, and what the tally says of the
 * copy is left out.
 */
static enum ll_status report_input_errors(struct job *j)
{
	const struct ll_tally *t = &j->r.tally;
	uint64_t more = j->logs_twice ? 0 : t->errors_total - t->n_errors;

	return ll_inputs_report_errors(&j->errs, &j->r, j->log_repeat, more,
				       "nothing was run");
}

/*
 * With --tallies, instead of reading the logs: the partials checked
 * against this run (licensee, period, registry snapshot, manifests; errors
 * to j->errs), their ids read to the end and merged (an event id in two
 * partials is an error in j->errs; a damaged partial, its checksum
 * included, fails in j->err), and only then added into its tally.
 */
static enum ll_status merge_tallies(struct job *j)
{
	const struct tallies *tl = j->tl;
	const char **mf = calloc(j->n_good + 1, sizeof(*mf));
	struct ll_partial_bind bind = { j->a->licensee, j->first, j->last,
					j->r.registry_sha256, mf, j->n_good };
	enum ll_status rc = mf ? LL_OK : LL_NOMEM;
	size_t i, found = 0;

	for (i = 0; i < j->n_good && mf; i++)
		mf[i] = j->good[i].sha256;
	for (i = 0; i < j->a->n_logs; i++) {
		const struct ll_partial_log *l =
			&tl->v[tl->part[i]].logs[tl->plog[i]];

		memcpy(j->logs[i].sha256, l->sha256, sizeof(l->sha256));
		j->logs[i].bytes = l->bytes;
		j->logs[i].lines = l->lines;
	}
	if (rc == LL_OK)
		found = ll_partials_check(tl->v, j->a->tallies, tl->n, &bind,
					  &j->errs, &rc);
	if (rc == LL_OK) {
		size_t dup = 0;

		rc = ll_partial_streams_merge(tl->st, tl->n, tl->v,
					      j->a->tallies, &j->errs, &dup,
					      &j->err);
		found += dup;
	}
	for (i = 0; i < tl->n && rc == LL_OK && !found; i++)
		rc = ll_partial_add(&j->r.tally, &tl->v[i], tl->map[i],
				    j->a->tallies[i], &j->err);
	free(mf);
	if (rc == LL_NOMEM && !j->err.text[0])
		ll_error_set(&j->err, rc, NULL, 0, NULL, "out of memory");
	return rc;
}

/* Phase: eligibility, the logs read and tallied; nothing here touches
 * the database or a file. */
static enum ll_status compute(struct job *j)
{
	const struct args *a = j->a;
	struct ll_pipeline_opts popts = { .threads = a->threads,
					  .progress = ll_cli_progress_cb,
					  .progress_user = &j->prog,
					  .memory_max = a->memory_max,
					  .spill_dir = getenv("TMPDIR") };
	enum ll_status rc;

	rc = ll_inputs_judge(&j->r, &j->reg, a->licensee, a->period, j->good,
			     j->n_good, a->n_manifests, j->logs, a->n_logs,
			     &j->err);
	if (rc == LL_OK && j->tl)
		rc = merge_tallies(j);
	else if (rc == LL_OK)
		rc = ll_pipeline_run(j->logs, a->n_logs, &popts, &j->r.tally,
				     &j->err);
	if (rc == LL_OK)
		rc = ll_inputs_logs_twice(a->logs, j->logs, a->n_logs,
					  j->log_repeat, &j->errs,
					  &j->logs_twice);
	if (rc != LL_OK) {
		ll_inputs_print_failure(&j->err, rc);
		if (rc == LL_INVALID && j->tl)
			fprintf(stderr, "ledgerline: nothing was run\n");
		return rc;
	}
	if (ll_errlist_count(&j->errs) || ll_errlist_count(&j->r.errs) ||
	    j->r.tally.errors_total)
		return report_input_errors(j);
	return LL_OK;
}

static void db_task_main(void *arg)
{
	struct db_task *t = arg;

	t->rc = t->fn(t->j, &t->err);
}

static void db_task_start(struct db_task *t, struct job *j,
			  enum ll_status (*fn)(struct job *, struct ll_error *))
{
	t->j = j;
	t->fn = fn;
	t->rc = LL_OK;
	ll_error_clear(&t->err);
	t->running = true;
	ll_task_start(&t->th, db_task_main, t);
}

/* Wait for t if it runs; its failure becomes the job's when rc, the
 * caller's own, is LL_OK. */
static enum ll_status db_task_join(struct db_task *t, enum ll_status rc)
{
	if (!t->running)
		return rc;
	ll_task_join(&t->th);
	t->running = false;
	if (rc == LL_OK && t->rc != LL_OK) {
		t->j->err = t->err;
		rc = t->rc;
	}
	return rc;
}

static enum ll_status store_manifests(struct ll_db *db, const struct ll_run *r,
				      struct ll_error *err);

/* A run's rows known once the logs are read: its inputs and its judged
 * manifests. */
static enum ll_status store_early(struct job *j, struct ll_error *err)
{
	enum ll_status rc = ll_db_run_store_inputs(&j->ctx->db, &j->r, err);

	if (rc == LL_OK)
		rc = store_manifests(&j->ctx->db, &j->r, err);
	return rc;
}

/* A run's rows known once it is settled: its totals, lines and payouts. */
static enum ll_status store_rows(struct job *j, struct ll_error *err)
{
	return ll_db_run_store_rows(&j->ctx->db, &j->r, err);
}

/*
 * Phase: the run named, and, unless that run is stored already, its
 * inputs and manifests stored on a thread of their own while it is
 * settled (the settlement touches no database or file).
 */
static enum ll_status settle(struct job *j)
{
	enum ll_status rc;

	ll_cli_progress_phase(&j->prog, LL_PHASE_SETTLING);
	ll_run_name(&j->r);
	rc = ll_db_run_exists(&j->ctx->db, j->r.id, &j->run_stored, &j->err);
	if (rc != LL_OK) {
		ll_cli_print_error(&j->err);
		return rc;
	}
	if (!j->run_stored)
		db_task_start(&j->early, j, store_early);
	rc = ll_run_settle(&j->r, &j->err);
	if (rc != LL_OK) {
		ll_cli_print_error(&j->err);
		return rc;
	}
	j->comp = ll_runfile_compliance(&j->r);
	if (!j->comp)
		return ll_cli_fail(LL_NOMEM,
				   "out of memory writing the outputs");
	return LL_OK;
}

/* This run is already the period's posting: the bytes written then,
 * whatever key or history now, and the payments made then. */
static enum ll_status reuse_posting(struct job *j)
{
	struct ll_db *db = &j->ctx->db;
	enum ll_status rc;

	j->already = true;
	j->runj = strdup(j->cur.run_json);
	if (!j->runj)
		return ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	rc = ll_db_load_statements(db, j->cur.posting_id, &j->stmts,
				   &j->n_stmts, &j->err);
	if (rc == LL_OK)
		rc = ll_db_load_payments(db, j->cur.posting_id, &j->reg,
					 &j->acc, &j->err);
	if (rc == LL_OK)
		rc = ll_db_posting_number(db, j->cur.posting_id,
					  &j->acc.posting, &j->err);
	return rc;
}

/* This run's party totals per currency (one per party total: the
 * accounts sum them). */
static enum ll_status earned_amounts(struct job *j)
{
	const struct ll_settlement *st = &j->r.st;
	size_t i;

	j->earned = calloc(st->n_parties + 1, sizeof(*j->earned));
	if (!j->earned)
		return ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	for (i = 0; i < st->n_parties; i++) {
		const struct ll_party_total *pt = &st->parties[i];
		struct ll_party_amount *a = &j->earned[i];

		/* registry ids and currencies were checked at load */
		LL_ENSURE(ll_str_copy(a->party, sizeof(a->party),
				      j->reg.parties.v[pt->party].id));
		LL_ENSURE(ll_str_copy(
			a->currency, sizeof(a->currency),
			j->reg.licences.v[pt->licence].currency));
		a->minor = pt->minor;
	}
	j->n_earned = st->n_parties;
	return LL_OK;
}

/* The posting's number, the licensee's open balances (read under its
 * lock) and the accounts and payments they give with this run. */
static enum ll_status settle_accounts(struct job *j)
{
	struct ll_db *db = &j->ctx->db;
	int64_t posting = 0;
	enum ll_status rc = LL_OK;

	if (j->cur.exists)
		rc = ll_db_posting_number(db, j->cur.posting_id, &posting,
					  &j->err);
	if (rc == LL_OK)
		rc = ll_db_open_balances(db, j->a->licensee, &j->opening,
					 &j->n_opening, &j->err);
	if (rc == LL_OK)
		rc = earned_amounts(j);
	if (rc == LL_OK)
		rc = ll_accounts_settle(&j->acc, &j->reg, j->r.id, posting + 1,
					j->opening, j->n_opening, j->earned,
					j->n_earned, j->prev, j->rs.n_prev,
					&j->err);
	return rc;
}

/* The judgement of the run's manifest items, for disclose (stored once,
 * with the run). */
static enum ll_status store_manifests(struct ll_db *db, const struct ll_run *r,
				      struct ll_error *err)
{
	struct ll_disclose_src src;
	enum ll_status rc;

	ll_disclose_src_init(&src);
	rc = ll_disclose_src_from_run(&src, r);
	if (rc != LL_OK)
		rc = ll_error_set(err, rc, NULL, 0, NULL, "out of memory");
	else
		rc = ll_db_manifests_store(db, r->id, &src, err);
	ll_disclose_src_release(&src);
	return rc;
}

static void stage_start(struct job *j);

/* The statements up to their Merkle root, and run.json: no database. */
static enum ll_status build_statements(struct job *j,
				       const struct ll_restatement *rs)
{
	enum ll_status rc;

	rc = ll_statements_prepare(&j->built, &j->draft, &j->r, rs, &j->acc,
				   &j->err);
	if (rc != LL_OK)
		return rc;
	j->runj = ll_runfile_run_json(&j->r, rs, &j->acc, j->built.root,
				      j->key.keyid, j->built.n);
	if (!j->runj)
		return ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	return LL_OK;
}

/* A first posting, or a restatement of the period's current one: the
 * accounts, then the statements up to their Merkle root and run.json
 * while the run's rows are stored (the statements are signed in
 * post_to_ledger). */
static enum ll_status build_posting(struct job *j)
{
	const struct ll_restatement *rs = j->cur.exists ? &j->rs : NULL;
	struct db_task rows;
	enum ll_status rc = LL_OK;

	if (j->cur.exists) {
		j->rs.supersedes = j->cur.run_id;
		rc = ll_db_run_party_amounts(&j->ctx->db, j->cur.run_id,
					     &j->prev, &j->rs.n_prev, &j->err);
		j->rs.prev = j->prev;
		if (rc == LL_OK)
			rc = ll_db_run_lines(&j->ctx->db, j->cur.run_id,
					     &j->prev_lines, &j->rs.n_lines,
					     &j->err);
		j->rs.lines = j->prev_lines;
	}
	if (rc == LL_OK)
		rc = settle_accounts(j);
	if (rc != LL_OK)
		return rc;
	ll_cli_progress_phase(&j->prog, LL_PHASE_SIGNING);
	memset(&rows, 0, sizeof(rows));
	if (!j->run_stored)
		db_task_start(&rows, j, store_rows);
	rc = build_statements(j, rs);
	if (rc == LL_OK)
		stage_start(j);	/* signing and files, beside the rows */
	return db_task_join(&rows, rc);
}

/* Phase: the outputs in memory: nothing new, a first posting, or a
 * restatement. */
static enum ll_status build_outputs(struct job *j)
{
	enum ll_status rc;

	/* the connection is the early store's until it is done */
	rc = db_task_join(&j->early, LL_OK);
	if (rc == LL_OK)
		rc = ll_db_current_posting(&j->ctx->db, j->a->licensee,
					   j->first, j->last, &j->cur, &j->err);
	if (rc == LL_OK && j->cur.exists &&
	    strcmp(j->cur.run_id, j->r.id) == 0) {
		rc = reuse_posting(j);
		if (rc == LL_OK)
			stage_start(j);
	} else if (rc == LL_OK)
		rc = build_posting(j);
	if (rc != LL_OK)
		ll_cli_print_error(&j->err);
	return rc;
}

/*
 * The statements signed (a new posting's), the payment files made with
 * their digests, and every file staged in --out: a file of the user's
 * where an output must go stops the run, with nothing posted.  Runs
 * beside post_run, so of the job it writes only the statements (up to
 * the latch), the payment files, the output directory and st->err,
 * which post_run does not read.
 */
static enum ll_status stage_outputs(struct stage_task *st)
{
	struct job *j = st->j;
	struct ll_error *err = &st->err;
	struct ll_outdir *od = &j->od;
	enum ll_status rc = LL_OK;

	if (j->draft) {
		rc = ll_statements_sign(&j->built, j->draft, &j->key, err);
		j->draft = NULL;
		if (rc == LL_OK)
			rc = own_statements(&j->built, &j->r, &j->stmts,
					    &j->n_stmts, err);
	}
	st->signed_ok = rc == LL_OK;
	ll_latch_open(&st->signed_);
	if (rc != LL_OK)
		return rc;
	if (payment_files(&j->reg, &j->acc, j->stmts, j->n_stmts, &j->csv,
			  &j->remit) != LL_OK)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory writing the outputs");
	rc = open_out(od, j->a->out, err);
	if (rc == LL_OK)
		rc = ll_outdir_add(od, "payouts.csv", j->csv, strlen(j->csv),
				   err);
	if (rc == LL_OK)
		rc = ll_outdir_add(od, "remittance.csv", j->remit,
				   strlen(j->remit), err);
	if (rc == LL_OK)
		rc = ll_outdir_add(od, "compliance.json", j->comp,
				   strlen(j->comp), err);
	if (rc == LL_OK)
		rc = stage_statements(od, j->stmts, j->n_stmts, err);
	if (rc == LL_OK)
		rc = stage_payfiles(od, &j->r, &j->acc, err);
	return rc;
}

static void stage_task_main(void *arg)
{
	struct stage_task *st = arg;

	st->rc = stage_outputs(st);
}

/* Start staging the outputs: the statements are built (or loaded), and
 * the job's fields stage_outputs reads are final. */
static void stage_start(struct job *j)
{
	memset(&j->stage, 0, sizeof(j->stage));
	j->stage.j = j;
	j->stage.rc = LL_OK;
	ll_error_clear(&j->stage.err);
	ll_latch_init(&j->stage.signed_);
	j->stage_running = true;
	ll_task_start(&j->stage_th, stage_task_main, &j->stage);
}

/* Wait for the staging, if it was started and not waited for yet. */
static void stage_finish(struct job *j)
{
	if (!j->stage_running)
		return;
	ll_task_join(&j->stage_th);
	ll_latch_destroy(&j->stage.signed_);
	j->stage_running = false;
}

/* The run's own row (its other rows are stored beside its settlement and
 * the statements' building) and its journal entries, inside the
 * transaction (nothing for a run already posted).  Needs only the Merkle
 * root, not the signed statements. */
static enum ll_status post_run(struct job *j)
{
	struct ll_db *db = &j->ctx->db;
	enum ll_status rc = LL_OK;

	if (j->already)
		return LL_OK;
	if (!j->run_stored)
		rc = ll_db_run_store(db, &j->r, j->runj, j->comp, &j->err);
	if (rc == LL_OK)
		rc = ll_db_post_run(db, &j->r, &j->acc, j->cur.posting_id,
				    j->runj, &j->cpj.posting_id, &j->entries,
				    &j->err);
	return rc;
}

/*
 * Phase: the run posted while the statements are signed and the files
 * staged in --out (stage_start, since the statements were built: the
 * two share nothing they write, and neither is visible until
 * commit_and_publish); the signed statements stored as soon as both the
 * run and the signing are done, while the files may still be staging;
 * the signed checkpoint staged last.  A failure of the staging (a file
 * of the user's in the way, say) is reported first: nothing is
 * committed.
 */
static enum ll_status post_to_ledger(struct job *j)
{
	struct stage_task *st = &j->stage;
	enum ll_status rc;

	LL_ENSURE(j->stage_running);
	ll_cli_progress_phase(&j->prog, LL_PHASE_STORING);
	rc = post_run(j);
	ll_latch_wait(&st->signed_);
	if (rc == LL_OK && st->signed_ok && !j->already)
		rc = ll_db_store_statements(&j->ctx->db, j->cpj.posting_id,
					    j->stmts, j->n_stmts, j->built.root,
					    j->key.keyid, &j->err);
	stage_finish(j);
	if (st->rc != LL_OK) {
		ll_cli_print_error(&st->err);
		if (rc != LL_OK)	/* the posting failed too: say so */
			ll_cli_print_error(&j->err);
		if (st->rc == LL_USAGE)
			fprintf(stderr, "ledgerline: nothing was stored and "
					"nothing written\n");
		return st->rc;
	}
	if (rc == LL_OK)
		rc = checkpoint_phase(&j->cpj, j->built.root, &j->od, j->runj,
				      &j->err);
	if (rc != LL_OK)
		ll_cli_print_error(&j->err);
	return rc;
}

/* Phase: commit, and only then move the staged files into place. */
static enum ll_status commit_and_publish(struct job *j)
{
	enum ll_status rc;

	rc = ll_cli_commit(j->ctx, &j->err);
	if (rc == LL_OK) {
		ll_cli_progress_phase(&j->prog, LL_PHASE_PUBLISHING);
		rc = ll_outdir_commit(&j->od, &j->err);
	}
	if (rc != LL_OK)
		ll_cli_print_error(&j->err);
	return rc;
}

/* Phase: the warnings and the summary on stdout. */
static void summarise(struct job *j)
{
	bool restated = j->cur.exists && !j->already;

	ll_cli_progress_end(&j->prog);
	warn_not_transferable(&j->r, &j->acc);
	print_summary(&j->r, &j->acc, j->already,
		      restated ? j->cur.run_id : NULL, j->entries, j->a->out);
}

/* ---- the command ------------------------------------------------------ */

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct args a;
	struct job j;
	struct tallies tl;
	enum ll_status rc;
	int help;

	rc = parse_args(argc, argv, &a, &help);
	if (rc != LL_OK)
		return rc;
	if (help)
		return ll_cli_help(usage);
	memset(&tl, 0, sizeof(tl));
	if (a.n_tallies && (rc = load_tallies(&tl, &a)) != LL_OK) {
		tallies_release(&tl);
		return rc;
	}
	job_init(&j, ctx, &a);
	j.tl = a.n_tallies ? &tl : NULL;
	rc = read_inputs(&j);
	if (rc == LL_OK)
		rc = snapshot_registry(&j);
	if (rc == LL_OK)
		rc = compute(&j);
	if (rc == LL_OK)
		rc = settle(&j);
	if (rc == LL_OK)
		rc = build_outputs(&j);
	if (rc == LL_OK)
		rc = post_to_ledger(&j);
	if (rc == LL_OK)
		rc = commit_and_publish(&j);
	if (rc == LL_OK)
		summarise(&j);
	job_release(&j);
	tallies_release(&tl);
	return rc;
}

const struct ll_cmd ll_cmd_run = { "run", run, LL_CMD_TX,
				   "compute a period's royalties and payouts",
				   usage };

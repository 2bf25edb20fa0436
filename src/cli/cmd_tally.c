/*
 * cmd_tally.c — "ledgerline tally": reduce some of a period's logs to a
 * partial (partial.h, SPEC §8) that "run --tallies" merges.
 *
 * Design decision: a tally is the first half of a run, made by the same
 * code: the registry snapshot read from the database (read-only, in one
 * transaction), the manifests judged, the logs read and tallied by the
 * pipeline with its exact duplicate check.  Any error a run would report
 * for these logs stops the tally the same way, so a partial only ever
 * holds clean figures.  The event ids are collected as the parsing
 * threads tally them (each thread's in a batch of its own, handed over
 * under one lock a batch at a time) and sorted by hash within the memory
 * budget (idsort.h: sorted runs spilled to $TMPDIR and merged as the
 * partial is written) so that "run --tallies" finds duplicates across
 * partials exactly.  The partial is written atomically, as a stream: it
 * appears whole or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledgerline/cli.h"
#include "ledgerline/db.h"
#include "ledgerline/digest.h"
#include "ledgerline/event.h"
#include "ledgerline/hash.h"
#include "ledgerline/ident.h"
#include "ledgerline/idsort.h"
#include "ledgerline/input.h"
#include "ledgerline/io.h"
#include "ledgerline/partial.h"
#include "ledgerline/pipeline.h"
#include "ledgerline/run.h"

#include "run_inputs.h"

enum {
	TALLY_INPUTS_MAX = 4096,
	WRITE_CHUNK = 1 << 20,	/* bytes of the partial written at a time */
	ID_BATCH = 4096,	/* ids a parsing thread hands over at once */
};

static const char usage[] =
	"usage: ledgerline tally --licensee PARTY --period PERIOD\n"
	"                        --manifest FILE... --logs FILE... --out PART\n"
	"                        [--threads N] [--memory-max SIZE]\n"
	"\n"
	"Reduce some of a period's generation logs to a partial: the exact\n"
	"sums, counts and findings a run would accumulate from them, every\n"
	"event id (sorted by hash), the logs' SHA-256 digests, and what binds\n"
	"it to one run: the licensee, the period, the registry snapshot and\n"
	"the manifests.  'ledgerline run --tallies PART...' merges partials\n"
	"into the run one process reading every log would make, byte for\n"
	"byte (SPEC §8).  The logs are checked as a run checks them: any\n"
	"invalid event, duplicate id or event outside the period stops the\n"
	"tally with every error listed and no partial written.  Reads the\n"
	"registry from the database; writes nothing there.\n"
	"\n"
	"  --licensee PARTY  the licensee (a party of kind licensee)\n"
	"  --period PERIOD   2026-Q3, 2026-09 or 2026-07-01..2026-09-30\n"
	"  --manifest FILE   the run's training manifests, all of them\n"
	"  --logs FILE       this shard's generation logs (NDJSON); their\n"
	"                    names are recorded as given and appear in the\n"
	"                    run's outputs\n"
	"  --out PART        the partial to write (atomically; replaced if\n"
	"                    it exists)\n"
	"  --threads N       parsing threads (default: the CPUs it may use)\n"
	"  --memory-max SIZE as for run (default 1G); also bounds the event\n"
	"                    ids held while sorting them (the rest in sorted\n"
	"                    runs in $TMPDIR, removed when it ends)\n"
	"\n"
	"The partial's format is in docs/scale.md.  Exit codes: 0 ok, 2 usage,\n"
	"3 invalid input, 4 database, 5 network.\n";

struct targs {
	const char *licensee, *period, *out, *threads, *memory;
	const char *manifests[TALLY_INPUTS_MAX];
	size_t n_manifests;
	const char *logs[TALLY_INPUTS_MAX];
	size_t n_logs;
	int n_threads;
	uint64_t memory_max;
};

/* Values of --manifest or --logs: up to the next "--x". */
static enum ll_status take_list(int argc, char **argv, int *i,
				struct targs *a)
{
	bool log = strcmp(argv[*i], "--logs") == 0;
	const char **dst = log ? a->logs : a->manifests;
	size_t *n = log ? &a->n_logs : &a->n_manifests, before = *n;
	int j = *i + 1;

	for (; j < argc && strncmp(argv[j], "--", 2) != 0; j++) {
		if (*n >= TALLY_INPUTS_MAX)
			return ll_cli_usage_error("tally", "more than %d inputs",
						  TALLY_INPUTS_MAX);
		dst[(*n)++] = argv[j];
	}
	if (*n == before)
		return ll_cli_usage_error("tally", "%s needs at least one FILE",
					  argv[*i]);
	*i = j;
	return LL_OK;
}

static enum ll_status take_value(int argc, char **argv, int *i,
				 struct targs *a)
{
	static const char *const names[] = { "--licensee", "--period", "--out",
					     "--threads", "--memory-max" };
	const char **slots[] = { &a->licensee, &a->period, &a->out,
				 &a->threads, &a->memory };
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcmp(argv[*i], names[k]) != 0)
			continue;
		if (*i + 1 >= argc)
			return ll_cli_usage_error("tally", "%s needs a value",
						  names[k]);
		*i += 2;
		return ll_cli_set_once("tally", names[k], slots[k],
				       argv[*i - 1]);
	}
	return ll_cli_usage_error("tally", "unexpected argument '%s'",
				  argv[*i]);
}

static enum ll_status check_args(struct targs *a)
{
	enum ll_status rc = LL_OK;

	if (!a->licensee || !a->period || !a->out || !a->n_manifests ||
	    !a->n_logs)
		return ll_cli_usage_error("tally",
					  "--licensee, --period, --manifest, "
					  "--logs and --out are required");
	if (ll_inputs_stdin_uses(a->manifests, a->n_manifests) +
	    ll_inputs_stdin_uses(a->logs, a->n_logs) > 1)
		return ll_cli_usage_error("tally",
					  "standard input ('-') given twice");
	if (a->threads)
		rc = ll_inputs_threads("tally", a->threads, &a->n_threads);
	if (rc == LL_OK && a->memory)
		rc = ll_inputs_memory_max("tally", a->memory, &a->memory_max);
	return rc;
}

static enum ll_status parse_args(int argc, char **argv, struct targs *a,
				 int *help)
{
	enum ll_status rc = LL_OK;
	int i = 1;

	memset(a, 0, sizeof(*a));
	*help = 0;
	while (i < argc && rc == LL_OK) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			*help = 1;
			return LL_OK;
		}
		if (strcmp(argv[i], "--manifest") == 0 ||
		    strcmp(argv[i], "--logs") == 0)
			rc = take_list(argc, argv, &i, a);
		else
			rc = take_value(argc, argv, &i, a);
	}
	return rc == LL_OK ? check_args(a) : rc;
}

/* ---- the job ---------------------------------------------------------- */

/* The ids one parsing thread has tallied and not yet handed over. */
struct id_batch {
	char id[ID_BATCH][LL_ID_LEN_MAX + 1];
	uint32_t log[ID_BATCH];
	long line[ID_BATCH];
	size_t n;
};

struct tjob {
	const struct targs *a;
	struct ll_cli_ctx *ctx;
	struct ll_error err;
	struct ll_errlist errs;
	struct ll_manifest *mf, *good;
	bool *mf_ok;
	size_t n_good;
	char **mtext;
	struct ll_log_input *logs;
	bool *repeat;			/* log i repeats an earlier one */
	struct ll_registry reg;
	struct ll_run r;
	struct ll_idsort ids;		/* the event ids, sorting */
	pthread_mutex_t ids_mu;		/* guards ids while tallying */
	struct id_batch *batch[LL_PIPELINE_THREADS_MAX];	/* by worker */
	uint32_t *log_map;		/* log file i: its index in part */
	struct ll_partial part;		/* without its ids */
};

static void job_release(struct tjob *j)
{
	size_t i;

	ll_partial_release(&j->part);
	ll_idsort_release(&j->ids);
	pthread_mutex_destroy(&j->ids_mu);
	for (i = 0; i < LL_PIPELINE_THREADS_MAX; i++)
		free(j->batch[i]);
	free(j->log_map);
	ll_run_release(&j->r);
	ll_registry_release(&j->reg);
	ll_inputs_release(j->a->n_manifests, j->a->n_logs, j->mf, j->good,
			  j->mf_ok, j->mtext, j->logs, j->repeat);
	ll_errlist_release(&j->errs);
}

static enum ll_status read_inputs(struct tjob *j)
{
	const struct targs *a = j->a;
	enum ll_status rc;

	rc = ll_inputs_alloc(a->n_manifests, a->n_logs, &j->mf, &j->good,
			     &j->mf_ok, &j->mtext, &j->logs, &j->repeat);
	if (rc != LL_OK)
		return rc;
	rc = ll_inputs_read_manifests(a->manifests, a->n_manifests, j->mtext,
				      j->mf, j->mf_ok, &j->errs, &j->err);
	if (rc == LL_OK)
		rc = ll_inputs_open_logs(a->logs, a->n_logs, true, j->logs,
					 &j->err);
	j->n_good = ll_inputs_good(j->mf, j->mf_ok, a->n_manifests, j->good);
	return rc;
}

/* The registry in force, read in one read-only transaction. */
static enum ll_status snapshot_registry(struct tjob *j)
{
	enum ll_status rc = ll_cli_open(j->ctx, &j->err);

	if (rc == LL_OK)
		rc = ll_inputs_registry(&j->ctx->db, &j->reg, &j->errs,
					&j->err);
	if (rc != LL_OK) {
		ll_cli_print_errlist(&j->errs);
		ll_cli_print_error(&j->err);
	}
	return rc;
}

/* Manifests and logs given twice (the same bytes), as run reports them;
 * a manifest that is not JSON is not compared. */
static enum ll_status given_twice(struct tjob *j)
{
	const struct targs *a = j->a;
	const char **d = calloc(a->n_manifests + 1, sizeof(*d));
	size_t i, found;

	if (!d)
		return LL_NOMEM;
	for (i = 0; i < a->n_manifests; i++)
		d[i] = j->mf[i].json ? j->mf[i].sha256 : NULL;
	ll_inputs_given_twice("manifest", a->manifests, d, a->n_manifests,
			      NULL, &j->errs);
	free(d);
	return ll_inputs_logs_twice(a->logs, j->logs, a->n_logs, j->repeat,
				    &j->errs, &found);
}

/* Hand batch b's ids over to j->ids. */
static enum ll_status hand_over(struct tjob *j, struct id_batch *b,
				struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	size_t i;

	pthread_mutex_lock(&j->ids_mu);
	for (i = 0; i < b->n && rc == LL_OK; i++)
		rc = ll_idsort_add(&j->ids, b->id[i], b->log[i], b->line[i],
				   err);
	pthread_mutex_unlock(&j->ids_mu);
	b->n = 0;
	return rc;
}

/* Keep one tallied event's id (called from the parsing threads, each
 * with a batch of its own). */
static enum ll_status note_id(void *user, int worker,
			      const struct ll_event *ev, uint32_t log,
			      long line, struct ll_error *err)
{
	struct tjob *j = user;
	struct id_batch *b;
	size_t len = strlen(ev->id);

	LL_ENSURE(worker >= 0 && worker < LL_PIPELINE_THREADS_MAX);
	LL_ENSURE(len <= LL_ID_LEN_MAX);	/* the parser's bound */
	b = j->batch[worker];
	if (!b) {
		b = j->batch[worker] = malloc(sizeof(*b));
		if (!b)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		b->n = 0;
	}
	memcpy(b->id[b->n], ev->id, len + 1);
	b->log[b->n] = log;
	b->line[b->n] = line;
	return ++b->n == ID_BATCH ? hand_over(j, b, err) : LL_OK;
}

/* After the reading: what the batches still hold. */
static enum ll_status hand_over_rest(struct tjob *j)
{
	enum ll_status rc = LL_OK;
	size_t i;

	for (i = 0; i < LL_PIPELINE_THREADS_MAX && rc == LL_OK; i++) {
		if (j->batch[i])
			rc = hand_over(j, j->batch[i], &j->err);
	}
	return rc;
}

/* Judge the manifests, read and tally the logs, keeping every event's
 * id: a run's first half. */
static enum ll_status compute(struct tjob *j)
{
	const struct targs *a = j->a;
	struct ll_pipeline_opts popts = { .threads = a->n_threads,
					  .memory_max = a->memory_max,
					  .spill_dir = getenv("TMPDIR"),
					  .on_event = note_id,
					  .event_user = j };
	enum ll_status rc;

	rc = ll_inputs_judge(&j->r, &j->reg, a->licensee, a->period, j->good,
			     j->n_good, a->n_manifests, j->logs, a->n_logs,
			     &j->err);
	if (rc == LL_OK)
		rc = ll_pipeline_run(j->logs, a->n_logs, &popts, &j->r.tally,
				     &j->err);
	if (rc == LL_OK)
		rc = hand_over_rest(j);
	if (rc != LL_OK) {
		ll_inputs_print_failure(&j->err, rc);
		return rc;
	}
	if (given_twice(j) != LL_OK)
		return ll_cli_fail(LL_NOMEM, "out of memory");
	if (ll_errlist_count(&j->errs) || ll_errlist_count(&j->r.errs) ||
	    j->r.tally.errors_total) {
		const struct ll_tally *t = &j->r.tally;

		return ll_inputs_report_errors(&j->errs, &j->r, j->repeat,
					       t->errors_total - t->n_errors,
					       "no partial was written");
	}
	return LL_OK;
}

/* ---- the event ids ---------------------------------------------------- */

/* log_map: where each log file is in the partial's sorted list. */
static enum ll_status map_logs(struct tjob *j)
{
	size_t f, k, n = j->a->n_logs;

	j->log_map = calloc(n + 1, sizeof(*j->log_map));
	if (!j->log_map)
		return ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	for (f = 0; f < n; f++) {
		for (k = 0; k < j->part.n_logs; k++) {
			if (strcmp(j->part.logs[k].name, j->logs[f].name) == 0 &&
			    strcmp(j->part.logs[k].sha256,
				   j->logs[f].sha256) == 0)
				j->log_map[f] = (uint32_t)k;
		}
	}
	return LL_OK;
}

/* The ids kept while tallying: one per event, their logs mapped. */
static enum ll_status collect_ids(struct tjob *j)
{
	enum ll_status rc = map_logs(j);

	if (rc == LL_OK && j->ids.total != j->r.tally.events)
		rc = ll_error_set(&j->err, LL_INTERNAL, NULL, 0, NULL,
				  "read %llu event ids where the tally counted "
				  "%llu events",
				  (unsigned long long)j->ids.total,
				  (unsigned long long)j->r.tally.events);
	if (rc != LL_OK)
		ll_cli_print_error(&j->err);
	return rc;
}

/* ---- the partial ------------------------------------------------------ */

static enum ll_status make_partial(struct tjob *j)
{
	size_t i, n = j->a->n_logs;
	const char **names = calloc(n + 1, sizeof(*names));
	const char **sha = calloc(n + 1, sizeof(*sha));
	uint64_t *bytes = calloc(n + 1, sizeof(*bytes));
	uint64_t *lines = calloc(n + 1, sizeof(*lines));
	enum ll_status rc = names && sha && bytes && lines ? LL_OK : LL_NOMEM;
	struct ll_partial *p = &j->part;

	for (i = 0; i < n && rc == LL_OK; i++) {
		names[i] = j->logs[i].name;
		sha[i] = j->logs[i].sha256;
		bytes[i] = j->logs[i].bytes;
		lines[i] = j->logs[i].lines;
	}
	if (rc == LL_OK) {
		rc = ll_partial_from_tally(p, &j->r.tally, names, sha, bytes,
					   lines, n, NULL, 0);
	}
	p->licensee = rc == LL_OK ? strdup(j->a->licensee) : NULL;
	p->manifests = calloc(j->n_good + 1, sizeof(*p->manifests));
	if (!p->licensee || !p->manifests)
		rc = LL_NOMEM;
	for (i = 0; rc == LL_OK && i < j->n_good; i++, p->n_manifests++)
		memcpy(p->manifests[i], j->good[i].sha256,
		       sizeof(p->manifests[i]));
	if (rc == LL_OK)
		qsort(p->manifests, p->n_manifests, sizeof(*p->manifests),
		      (int (*)(const void *, const void *))strcmp);
	ll_date_format(j->r.first_day, p->first);
	ll_date_format(j->r.last_day, p->last);
	memcpy(p->registry, j->r.registry_sha256, sizeof(p->registry));
	free(names);
	free(sha);
	free(bytes);
	free(lines);
	return rc == LL_OK ? LL_OK : ll_cli_fail(rc, "out of memory");
}

/* The partial being written: a temporary file beside --out, renamed
 * over it once whole and synced. */
struct pout {
	int fd;
	struct ll_buf b;		/* not yet written */
	struct ll_sha256_ctx h;		/* of every line but the checksum */
	const char *path;
};

/* Write what o->b holds, hashing it first when hash. */
static enum ll_status pout_flush(struct pout *o, bool hash,
				 struct ll_error *err)
{
	enum ll_status rc = LL_OK;

	if (o->b.fail)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	if (hash)
		ll_sha256_update(&o->h, o->b.s, o->b.n);
	if (o->b.n && ll_write_all(o->fd, o->b.s, o->b.n) != LL_OK)
		rc = ll_error_set(err, LL_IO, o->path, 0, NULL,
				  "cannot write: %s", strerror(errno));
	o->b.n = 0;
	return rc;
}

static enum ll_status pout_line(void *ctx, const char *line, size_t len,
				struct ll_error *err)
{
	struct pout *o = ctx;

	ll_buf_add(&o->b, line, len);
	return o->b.n >= WRITE_CHUNK || o->b.fail ? pout_flush(o, true, err)
						  : LL_OK;
}

/* Head, ids and checksum into o; hex gets the checksum. */
static enum ll_status pout_all(struct tjob *j, struct pout *o,
			       char hex[LL_SHA256_HEX_LEN + 1])
{
	uint8_t d[LL_SHA256_LEN];
	enum ll_status rc;

	ll_partial_encode_head(&j->part, j->ids.total, &o->b);
	if (o->b.fail)
		return ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	rc = ll_idsort_drain(&j->ids, j->log_map, pout_line, o, &j->err);
	if (rc == LL_OK)
		rc = pout_flush(o, true, &j->err);
	if (rc != LL_OK)
		return rc;
	ll_sha256_final(&o->h, d);
	ll_hex(d, sizeof(d), hex);
	ll_buf_str(&o->b, "sha256 ");
	ll_buf_str(&o->b, hex);
	ll_buf_str(&o->b, "\n");
	rc = pout_flush(o, false, &j->err);
	if (rc == LL_OK && fsync(o->fd) != 0)
		rc = ll_error_set(&j->err, LL_IO, o->path, 0, NULL,
				  "cannot write: %s", strerror(errno));
	return rc;
}

static enum ll_status write_partial(struct tjob *j)
{
	struct pout o;
	char tmp[PATH_MAX], hex[LL_SHA256_HEX_LEN + 1];
	enum ll_status rc = LL_OK;
	int k = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", j->a->out,
			 (long)getpid());

	memset(&o, 0, sizeof(o));
	o.fd = -1;
	o.path = j->a->out;
	if (ll_sha256_init(&o.h) != LL_OK)
		rc = ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	if (rc == LL_OK && (k < 0 || (size_t)k >= sizeof(tmp)))
		rc = ll_error_set(&j->err, LL_IO, j->a->out, 0, NULL,
				  "path too long");
	if (rc == LL_OK && (o.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC |
						     O_CLOEXEC, 0644)) < 0)
		rc = ll_error_set(&j->err, LL_IO, j->a->out, 0, NULL,
				  "cannot create: %s", strerror(errno));
	if (rc == LL_OK)
		rc = pout_all(j, &o, hex);
	if (o.fd >= 0 && close(o.fd) != 0 && rc == LL_OK)
		rc = ll_error_set(&j->err, LL_IO, j->a->out, 0, NULL,
				  "cannot write: %s", strerror(errno));
	if (rc == LL_OK && rename(tmp, j->a->out) != 0)
		rc = ll_error_set(&j->err, LL_IO, j->a->out, 0, NULL,
				  "cannot write: %s", strerror(errno));
	if (rc != LL_OK && o.fd >= 0)
		unlink(tmp);
	free(o.b.s);
	ll_sha256_release(&o.h);
	if (rc != LL_OK) {
		ll_inputs_print_failure(&j->err, rc);
		return rc;
	}
	printf("tally: %llu events from %zu log%s into %s (sha256 %s)\n",
	       (unsigned long long)j->part.events, j->a->n_logs,
	       j->a->n_logs == 1 ? "" : "s", j->a->out, hex);
	return LL_OK;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct targs a;
	struct tjob j;
	enum ll_status rc;
	int help;

	rc = parse_args(argc, argv, &a, &help);
	if (rc != LL_OK)
		return rc;
	if (help)
		return ll_cli_help(usage);
	memset(&j, 0, sizeof(j));
	j.a = &a;
	j.ctx = ctx;
	ll_errlist_init(&j.errs, 0);
	ll_registry_init(&j.reg);
	ll_partial_init(&j.part);
	pthread_mutex_init(&j.ids_mu, NULL);
	rc = ll_idsort_init(&j.ids, getenv("TMPDIR"),
			    (a.memory_max ? a.memory_max
					  : LL_PIPELINE_MEMORY_DEFAULT) / 2,
			    &j.err);
	if (rc != LL_OK) {
		job_release(&j);
		return ll_cli_fail(rc, "out of memory");
	}
	rc = read_inputs(&j);
	if (rc == LL_OK)
		rc = snapshot_registry(&j);
	if (rc == LL_OK)
		rc = compute(&j);
	if (rc == LL_OK)
		rc = make_partial(&j);
	if (rc == LL_OK)
		rc = collect_ids(&j);
	if (rc == LL_OK)
		rc = write_partial(&j);
	job_release(&j);
	return rc;
}

const struct ll_cmd ll_cmd_tally = { "tally", run, LL_CMD_TX,
				     "reduce some of a period's logs to a "
				     "partial for run --tallies",
				     usage };

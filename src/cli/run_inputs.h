/*
 * run_inputs.h — the steps "run" and "tally" share: the values of
 * --threads and --memory-max, reading the manifests and opening the
 * logs, inputs given twice, the registry snapshot, judging the manifests
 * before the logs are tallied, and reporting every input error at once.
 *
 * Design decision: these are the steps themselves, not a framework:
 * each command keeps its own options, job and order of phases, and calls
 * these with its own fields, so that a tally fails exactly as the run of
 * the same inputs would.  Internal to src/cli; the functions print the
 * errors they meet, as the commands' phases do.
 */
#ifndef LEDGERLINE_CLI_RUN_INPUTS_H
#define LEDGERLINE_CLI_RUN_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/db.h"
#include "ledgerline/manifest.h"
#include "ledgerline/registry.h"
#include "ledgerline/run.h"
#include "ledgerline/status.h"

/* --threads N: 1 to 16, else a usage error of cmd. */
enum ll_status ll_inputs_threads(const char *cmd, const char *v, int *n);
/* --memory-max SIZE: bytes, with an optional K, M or G (powers of 1024),
 * at least 64K, else a usage error of cmd. */
enum ll_status ll_inputs_memory_max(const char *cmd, const char *v,
				    uint64_t *bytes);

/* How many of names[0, n) are "-", standard input. */
size_t ll_inputs_stdin_uses(const char *const *names, size_t n);

/* The arrays for n_manifests manifests (mf, good, mf_ok, mtext) and
 * n_logs logs (logs, log_repeat), zeroed, the logs' descriptors -1;
 * "out of memory" is printed when they cannot be made. */
enum ll_status ll_inputs_alloc(size_t n_manifests, size_t n_logs,
			       struct ll_manifest **mf,
			       struct ll_manifest **good, bool **mf_ok,
			       char ***mtext, struct ll_log_input **logs,
			       bool **log_repeat);
/* Release what ll_inputs_alloc made (any of it may be NULL) and what was
 * read into it: the manifests, their texts, the logs' descriptors. */
void ll_inputs_release(size_t n_manifests, size_t n_logs,
		       struct ll_manifest *mf, struct ll_manifest *good,
		       bool *mf_ok, char **mtext, struct ll_log_input *logs,
		       bool *log_repeat);

/* Read and parse manifests names[0, n) into mtext[i] and mf[i]; ok[i]
 * says whether it parsed, its errors go to errs.  A read error or no
 * memory is printed and returned. */
enum ll_status ll_inputs_read_manifests(const char *const *names, size_t n,
					char **mtext, struct ll_manifest *mf,
					bool *ok, struct ll_errlist *errs,
					struct ll_error *err);
/* Name logs[i] after names[i] and, when open, open it (size-limited);
 * the first error is printed and returned. */
enum ll_status ll_inputs_open_logs(const char *const *names, size_t n,
				   bool open, struct ll_log_input *logs,
				   struct ll_error *err);
/* Copy the manifests of mf[0, n) that parsed into good; their number. */
size_t ll_inputs_good(const struct ll_manifest *mf, const bool *ok, size_t n,
		      struct ll_manifest *good);

/*
 * The same bytes given as two inputs (under one path or two) would count
 * the same evidence twice.  Appends to errs one error per repeat, naming
 * both sources, and returns how many; digests[i] is the SHA-256 (hex) of
 * input i (NULL: not compared), what its kind ("manifest", "log");
 * repeat[j] (when not NULL) is set for each input that repeats an
 * earlier one.
 */
size_t ll_inputs_given_twice(const char *what, const char *const *names,
			     const char *const *digests, size_t n, bool *repeat,
			     struct ll_errlist *errs);
/* The manifests' repeats (their digests are known once they are read). */
enum ll_status ll_inputs_manifests_twice(const char *const *names,
					 const struct ll_manifest *mf,
					 size_t n, struct ll_errlist *errs);
/* The logs' repeats, once the pipeline has digested them: repeat[] as
 * for ll_inputs_given_twice, *found their number. */
enum ll_status ll_inputs_logs_twice(const char *const *names,
				    const struct ll_log_input *logs, size_t n,
				    bool *repeat, struct ll_errlist *errs,
				    size_t *found);

/* The registry in force, read from db and linked (not printed). */
enum ll_status ll_inputs_registry(struct ll_db *db, struct ll_registry *reg,
				  struct ll_errlist *errs,
				  struct ll_error *err);

/* What a run and a tally judge before the logs: ll_run_prepare over the
 * n_good of n_manifests manifests that parsed (with one missing, which
 * models lack a manifest is not judged), then ll_run_training. */
enum ll_status ll_inputs_judge(struct ll_run *r, const struct ll_registry *reg,
			       const char *licensee, const char *period,
			       struct ll_manifest *good, size_t n_good,
			       size_t n_manifests, struct ll_log_input *logs,
			       size_t n_logs, struct ll_error *err);
/* Print err, a step's failure rc ("out of memory" when it says nothing). */
void ll_inputs_print_failure(struct ll_error *err, enum ll_status rc);

/*
 * Every error of the inputs, sorted: errs, then r->errs, then the
 * tally's log errors except those in logs that repeat an earlier one
 * (log_repeat), then "... and N more errors in the logs" when more;
 * last "N errors: outcome".  Returns LL_INVALID.
 */
enum ll_status ll_inputs_report_errors(struct ll_errlist *errs,
				       struct ll_run *r,
				       const bool *log_repeat, uint64_t more,
				       const char *outcome);

#endif

/*
 * run_inputs.c — the steps "run" and "tally" share (run_inputs.h).
 */
#include "run_inputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledgerline/cli.h"
#include "ledgerline/input.h"
#include "ledgerline/event.h"

/* ---- option values ---------------------------------------------------- */

enum ll_status ll_inputs_threads(const char *cmd, const char *v, int *n)
{
	char *end;
	long t;

	t = strtol(v, &end, 10);
	if (*end || t < 1 || t > 16)
		return ll_cli_usage_error(cmd, "--threads must be 1 to 16");
	*n = (int)t;
	return LL_OK;
}

enum ll_status ll_inputs_memory_max(const char *cmd, const char *v,
				    uint64_t *bytes)
{
	char *end;
	unsigned long long n;
	int shift = 0;

	errno = 0;
	n = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
	if (n && (end[0] == 'K' || end[0] == 'k'))
		shift = 10, end++;
	else if (n && (end[0] == 'M' || end[0] == 'm'))
		shift = 20, end++;
	else if (n && (end[0] == 'G' || end[0] == 'g'))
		shift = 30, end++;
	if (!n || errno || *end || n > (UINT64_MAX >> 30) ||
	    (n << shift) < 64 * 1024)
		return ll_cli_usage_error(cmd,
					  "--memory-max must be a size of at "
					  "least 64K, such as 512M or 2G, not "
					  "\"%s\"",
					  v);
	*bytes = (uint64_t)n << shift;
	return LL_OK;
}

/* ---- manifests and logs ----------------------------------------------- */

size_t ll_inputs_stdin_uses(const char *const *names, size_t n)
{
	size_t k, uses = 0;

	for (k = 0; k < n; k++)
		uses += strcmp(names[k], "-") == 0;
	return uses;
}

enum ll_status ll_inputs_alloc(size_t n_manifests, size_t n_logs,
			       struct ll_manifest **mf,
			       struct ll_manifest **good, bool **mf_ok,
			       char ***mtext, struct ll_log_input **logs,
			       bool **log_repeat)
{
	size_t i;

	*mf = calloc(n_manifests, sizeof(**mf));
	*good = calloc(n_manifests, sizeof(**good));
	*mf_ok = calloc(n_manifests, sizeof(**mf_ok));
	*mtext = calloc(n_manifests, sizeof(**mtext));
	*logs = calloc(n_logs, sizeof(**logs));
	*log_repeat = calloc(n_logs, sizeof(**log_repeat));
	for (i = 0; *logs && i < n_logs; i++)
		(*logs)[i].fd = -1;
	if (!*mf || !*mtext || !*logs || !*good || !*mf_ok || !*log_repeat)
		return ll_cli_fail(LL_NOMEM, "out of memory");
	return LL_OK;
}

void ll_inputs_release(size_t n_manifests, size_t n_logs,
		       struct ll_manifest *mf, struct ll_manifest *good,
		       bool *mf_ok, char **mtext, struct ll_log_input *logs,
		       bool *log_repeat)
{
	size_t i;

	for (i = 0; mf && i < n_manifests; i++)
		ll_manifest_release(&mf[i]);
	for (i = 0; mtext && i < n_manifests; i++)
		free(mtext[i]);
	for (i = 0; logs && i < n_logs; i++) {
		if (logs[i].fd >= 0)
			close(logs[i].fd);
	}
	free(mf);
	free(good); /* copies of mf's entries: released through mf */
	free(mf_ok);
	free(log_repeat);
	free(mtext);
	free(logs);
}

enum ll_status ll_inputs_read_manifests(const char *const *names, size_t n,
					char **mtext, struct ll_manifest *mf,
					bool *ok, struct ll_errlist *errs,
					struct ll_error *err)
{
	enum ll_status rc;
	size_t i, len;

	for (i = 0; i < n; i++) {
		rc = ll_input_read_all(names[i], LL_MANIFEST_BYTES_MAX,
				       &mtext[i], &len, err);
		if (rc != LL_OK) {
			ll_cli_print_error(err);
			return rc;
		}
		rc = ll_manifest_parse(&mf[i], names[i], mtext[i], len, errs);
		if (rc == LL_NOMEM)
			return ll_cli_fail(LL_NOMEM, "out of memory");
		ok[i] = rc == LL_OK;
	}
	return LL_OK;
}

enum ll_status ll_inputs_open_logs(const char *const *names, size_t n,
				   bool open, struct ll_log_input *logs,
				   struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	size_t i;

	for (i = 0; i < n && rc == LL_OK; i++) {
		logs[i].name = names[i];
		if (!open)
			continue;
		rc = ll_input_open(names[i], LL_LOG_SPOOL_BYTES_MAX,
				   LL_EVENT_LINE_BYTES_MAX, &logs[i].fd, err);
		if (rc != LL_OK)
			ll_cli_print_error(err);
	}
	return rc;
}

size_t ll_inputs_good(const struct ll_manifest *mf, const bool *ok, size_t n,
		      struct ll_manifest *good)
{
	size_t i, n_good = 0;

	for (i = 0; i < n; i++) {
		if (mf[i].json && ok[i])
			good[n_good++] = mf[i];
	}
	return n_good;
}

/* ---- inputs given twice ----------------------------------------------- */

size_t ll_inputs_given_twice(const char *what, const char *const *names,
			     const char *const *digests, size_t n, bool *repeat,
			     struct ll_errlist *errs)
{
	size_t i, j, found = 0;

	for (j = 1; j < n; j++) {
		for (i = 0; i < j; i++) {
			if (!digests[i] || !digests[j] ||
			    strcmp(digests[i], digests[j]) != 0)
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

enum ll_status ll_inputs_manifests_twice(const char *const *names,
					 const struct ll_manifest *mf,
					 size_t n, struct ll_errlist *errs)
{
	const char **d = calloc(n + 1, sizeof(*d));
	size_t i;

	if (!d)
		return LL_NOMEM;
	for (i = 0; i < n; i++)
		d[i] = mf[i].sha256;
	ll_inputs_given_twice("manifest", names, d, n, NULL, errs);
	free(d);
	return LL_OK;
}

enum ll_status ll_inputs_logs_twice(const char *const *names,
				    const struct ll_log_input *logs, size_t n,
				    bool *repeat, struct ll_errlist *errs,
				    size_t *found)
{
	const char **d = calloc(n + 1, sizeof(*d));
	size_t i;

	if (!d)
		return LL_NOMEM;
	for (i = 0; i < n; i++)
		d[i] = logs[i].sha256;
	*found = ll_inputs_given_twice("log", names, d, n, repeat, errs);
	free(d);
	return LL_OK;
}

/* ---- the registry and the judging ------------------------------------- */

enum ll_status ll_inputs_registry(struct ll_db *db, struct ll_registry *reg,
				  struct ll_errlist *errs,
				  struct ll_error *err)
{
	enum ll_status rc = ll_db_registry_read(db, reg, errs, err);

	if (rc == LL_OK && ll_registry_link(reg, errs) != LL_OK)
		rc = ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				  "the stored registries do not link");
	return rc;
}

enum ll_status ll_inputs_judge(struct ll_run *r, const struct ll_registry *reg,
			       const char *licensee, const char *period,
			       struct ll_manifest *good, size_t n_good,
			       size_t n_manifests, struct ll_log_input *logs,
			       size_t n_logs, struct ll_error *err)
{
	enum ll_status rc;

	rc = ll_run_prepare(r, reg, licensee, period, good, n_good, logs,
			    n_logs, err);
	if (rc == LL_OK && n_good < n_manifests)
		r->ctx.models = NULL;
	if (rc == LL_OK)
		rc = ll_run_training(r);
	return rc;
}

void ll_inputs_print_failure(struct ll_error *err, enum ll_status rc)
{
	if (rc == LL_NOMEM && !err->text[0])
		ll_error_set(err, rc, NULL, 0, NULL, "out of memory");
	ll_cli_print_error(err);
}

enum ll_status ll_inputs_report_errors(struct ll_errlist *errs,
				       struct ll_run *r,
				       const bool *log_repeat, uint64_t more,
				       const char *outcome)
{
	const struct ll_tally *t = &r->tally;
	size_t i, n, n_log = 0;

	for (i = 0; i < t->n_errors; i++)
		n_log += !log_repeat[t->errors[i].file];
	n = ll_errlist_count(errs) + ll_errlist_count(&r->errs) + n_log +
	    (size_t)more;
	ll_errlist_sort(errs);
	ll_cli_print_errlist(errs);
	ll_errlist_sort(&r->errs);
	ll_cli_print_errlist(&r->errs);
	for (i = 0; i < t->n_errors; i++) {
		if (!log_repeat[t->errors[i].file])
			ll_cli_print_error(&t->errors[i].e);
	}
	if (more)
		fprintf(stderr,
			"ledgerline: ... and %llu more errors in the logs\n",
			(unsigned long long)more);
	return ll_cli_fail(LL_INVALID, "%zu error%s: %s", n,
			   n == 1 ? "" : "s", outcome);
}

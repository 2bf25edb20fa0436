/*
 * status.h — one status enum for all of ledgerline, and the error record
 * library code fills instead of printing.
 *
 * Design decision: a status's numeric value is not its exit code; commands
 * map statuses to the SPEC §6 exit codes with ll_status_exit_code(), so new
 * statuses can be added without renumbering the CLI contract.
 */
#ifndef LEDGERLINE_STATUS_H
#define LEDGERLINE_STATUS_H

#include <stdarg.h>
#include <stddef.h>

enum ll_status {
	LL_OK = 0,
	LL_FINDINGS,	/* a check found a problem (verify, reconcile, audit) */
	LL_USAGE,	/* bad command line */
	LL_INVALID,	/* invalid input data */
	LL_IO,		/* cannot read or write a file */
	LL_DB,		/* database failure */
	LL_NETWORK,	/* network failure */
	LL_NOMEM,	/* allocation failed */
	LL_INTERNAL,	/* a bug or a broken invariant */
};

/* Static, lowercase description of a status. */
const char *ll_strerror(enum ll_status s);

/* SPEC §6 exit code: 0 ok, 1 findings, 2 usage, 3 invalid input,
 * 4 database, 5 network, 6 internal. */
int ll_status_exit_code(enum ll_status s);

enum {
	LL_ERROR_SOURCE_MAX = 512,
	LL_ERROR_FIELD_MAX = 256,
	LL_ERROR_TEXT_MAX = 512,
};

/*
 * One error: where it is (source file or URL, 1-based line, 0 if unknown;
 * field path such as "works[3].splits.master[1].share") and what is wrong.
 * Caller-owned; fixed-size so filling it never allocates.
 */
struct ll_error {
	enum ll_status code;
	char source[LL_ERROR_SOURCE_MAX];
	long line;
	char field[LL_ERROR_FIELD_MAX];
	char text[LL_ERROR_TEXT_MAX];
};

/* Reset to LL_OK with empty fields. */
void ll_error_clear(struct ll_error *err);

/* Fill err (which may be NULL) and return code. source/field may be NULL. */
enum ll_status ll_error_set(struct ll_error *err, enum ll_status code,
			    const char *source, long line, const char *field,
			    const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * A bounded list of errors, for commands that report every problem of an
 * input and not only the first.  At most max entries are kept; the rest
 * are counted in dropped.
 */
struct ll_errlist {
	struct ll_error *v;
	size_t n;
	size_t max;
	size_t dropped;
};

/* max == 0 selects LL_ERRLIST_DEFAULT_MAX. */
enum { LL_ERRLIST_DEFAULT_MAX = 100 };
void ll_errlist_init(struct ll_errlist *l, size_t max);
void ll_errlist_release(struct ll_errlist *l);
/* Total number of errors seen, kept or dropped. */
size_t ll_errlist_count(const struct ll_errlist *l);
/* Append a copy of err (dropped when full). Returns LL_NOMEM only if the
 * list cannot grow; the error is then counted as dropped. */
enum ll_status ll_errlist_add(struct ll_errlist *l, const struct ll_error *err);
/* Format and append, as ll_error_set. */
void ll_errlist_addf(struct ll_errlist *l, enum ll_status code,
		     const char *source, long line, const char *field,
		     const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * Order the kept errors by location: sources in the order they first
 * appear, then by line; errors at the same place keep their order.
 */
void ll_errlist_sort(struct ll_errlist *l);

/*
 * Render err as "FILE:LINE: FIELD: message" (parts that are empty are left
 * out) into buf; always NUL-terminates.
 */
void ll_error_format(const struct ll_error *err, char *buf, size_t buf_size);

/* Checked invariant that is never compiled out (money sums, allocator
 * conservation): aborts with file and line when cond is false. */
#define LL_ENSURE(cond)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			ll_ensure_failed(#cond, __FILE__, __LINE__);           \
	} while (0)
_Noreturn void ll_ensure_failed(const char *what, const char *file, int line);

#endif

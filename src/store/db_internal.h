/*
 * db_internal.h — what the files of the database module (src/db*.c) share:
 * the checked statement helpers.  Not part of the public interface.
 */
#ifndef LEDGERLINE_DB_INTERNAL_H
#define LEDGERLINE_DB_INTERNAL_H

#include <stdarg.h>

#include <libpq-fe.h>

#include "ledgerline/db.h"

PGconn *ll_db_conn(struct ll_db *db);

/* An LL_DB error "what: <server message>" (trailing newline removed). */
enum ll_status ll_db_error(struct ll_error *err, const char *what,
			   const char *msg);

/*
 * Copy value, read from (or bound for) column, into dst of dst_size
 * bytes.  A value that does not fit is an LL_DB error naming column (the
 * database holds what ledgerline never writes), never a shortened copy.
 */
enum ll_status ll_db_field(char *dst, size_t dst_size, const char *value,
			   const char *column, struct ll_error *err);

/* ll_db_field of the value at (row, col) of res. */
enum ll_status ll_db_value(const PGresult *res, int row, int col,
			   const char *column, char *dst, size_t dst_size,
			   struct ll_error *err);

/*
 * Run sql with text parameters (NULL entries are SQL NULLs).  expect is
 * PGRES_COMMAND_OK or PGRES_TUPLES_OK; for tuples, ncols is the expected
 * column count.  Returns the result (caller PQclear's) or NULL with err
 * filled.
 */
PGresult *ll_db_exec(struct ll_db *db, const char *what, const char *sql,
		     int nparams, const char *const *params,
		     ExecStatusType expect, int ncols, struct ll_error *err);

/* ll_db_exec for a statement returning no rows. */
enum ll_status ll_db_cmd(struct ll_db *db, const char *what, const char *sql,
			 int nparams, const char *const *params,
			 struct ll_error *err);

/*
 * COPY ... FROM STDIN in text format, buffered 64 KiB at a time:
 * begin, a field at a time (NULL for SQL NULL, last = 1 ends the row),
 * end.  ll_db_copy_fail aborts the copy (reported as out of memory).
 * end always frees the copy.
 */
struct ll_db_copy;
enum ll_status ll_db_copy_begin(struct ll_db *db, const char *sql,
				const char *what, struct ll_db_copy **out,
				struct ll_error *err);
void ll_db_copy_field(struct ll_db_copy *c, const char *s, int last);
void ll_db_copy_fail(struct ll_db_copy *c);

/*
 * The same in PostgreSQL's binary COPY format (sql ends "WITH (FORMAT
 * binary)"), for large values the server would otherwise scan for
 * escapes: a row begins with the number of its fields, then each field
 * as text (NULL for SQL NULL) or as a bigint.  End with ll_db_copy_end.
 */
enum ll_status ll_db_copy_begin_binary(struct ll_db *db, const char *sql,
				       const char *what,
				       struct ll_db_copy **out,
				       struct ll_error *err);
void ll_db_copy_row(struct ll_db_copy *c, int nfields);
void ll_db_copy_text(struct ll_db_copy *c, const char *s);
void ll_db_copy_int8(struct ll_db_copy *c, int64_t v);
enum ll_status ll_db_copy_end(struct ll_db_copy *c, struct ll_error *err);

/* ---- the audit (db_ledger.c, db_audit.c) ---- */

/* Add a finding to a (kept word for word while there is room, counted
 * always). */
void ll_audit_vadd(struct ll_audit *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The hash chain as recomputed from the journal's rows alone: entry i
 * (in chain order) has hash[i] and belongs to posting[i]. */
struct ll_audit_chain {
	char (*hash)[65];
	int64_t *posting;	/* each entry's posting; 0 for a return of a
				 * payment, written after its posting */
	size_t n;
};
void ll_audit_chain_release(struct ll_audit_chain *ch);

/* The journal's part of the audit, inside the audit's snapshot: the hash
 * chain recomputed entry by entry (into *ch, to hold checkpoints
 * against), zero sums, the posting structure. */
enum ll_status ll_db_audit_journal(struct ll_db *db, struct ll_audit *a,
				   struct ll_audit_chain *ch,
				   struct ll_error *err);

/* Every posting's stored checkpoint, then the kept ones, against the
 * recomputed chain *ch (db_audit_checkpoint.c). */
enum ll_status ll_db_audit_checkpoints(struct ll_db *db, struct ll_audit *a,
				       const struct ll_audit_chain *ch,
				       const struct ll_key *pub,
				       const struct ll_audit_checkpoint *kept,
				       size_t n_kept, struct ll_error *err);

/* The training manifests each run stored and the delivery outbox against
 * the runs' inputs and compliance reports, the statements, the registry,
 * the rules of delivery and the outcomes' seals, signed by pub
 * (db_audit_trail.c). */
enum ll_status ll_db_audit_trail(struct ll_db *db, struct ll_audit *a,
				 const struct ll_key *pub,
				 struct ll_error *err);

/* LL_OK when the registry has party; else LL_INVALID naming --party
 * ("unknown party"), or LL_DB. */
enum ll_status ll_db_party_known(struct ll_db *db, const char *party,
				 struct ll_error *err);

#endif

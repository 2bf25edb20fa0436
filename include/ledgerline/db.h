/*
 * db.h — ledgerline's one database module: connecting (to a configured
 * DSN or the embedded cluster), schema migrations, transactions, and the
 * registry store.
 *
 * Design decision: SQL lives in sql/ (schema, embedded into the binary at
 * build time) and in this module's statements; every statement takes its
 * values as parameters, never formatted into SQL text.
 */
#ifndef LEDGERLINE_DB_H
#define LEDGERLINE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/config.h"
#include "ledgerline/registry.h"
#include "ledgerline/status.h"

struct ll_migration {
	int version;
	const char *name;
	const char *sql;
};

/* The migrations built into this binary, in version order
 * (build/gen/migrations.c, from sql/ by tools/embed-sql). */
extern const struct ll_migration ll_migrations[];
extern const size_t ll_migrations_count;

struct ll_db {
	void *conn;	/* PGconn */
};

/*
 * Connect.  With cfg->dsn empty, make sure the embedded cluster runs
 * (creating it on first use) and connect to its "ledgerline" database.
 * LL_DB with the server's message on failure.
 */
enum ll_status ll_db_open(struct ll_db *db, const struct ll_config *cfg,
			  struct ll_error *err);
void ll_db_close(struct ll_db *db);

/* Apply every built-in migration not yet applied, each in its own
 * transaction; *applied counts them.  A recorded migration whose text
 * differs from the built-in one is an error. */
enum ll_status ll_db_migrate(struct ll_db *db, int *applied,
			     struct ll_error *err);

/* LL_OK when every built-in migration is applied; otherwise LL_DB telling
 * the user to run "ledgerline init". */
enum ll_status ll_db_require_schema(struct ll_db *db, struct ll_error *err);

enum ll_status ll_db_begin(struct ll_db *db, struct ll_error *err);
enum ll_status ll_db_commit(struct ll_db *db, struct ll_error *err);
/* Best effort; never fails visibly (the connection may already be gone). */
void ll_db_rollback(struct ll_db *db);

/* Serialise registry writers: a transaction-scoped lock taken after
 * ll_db_begin. */
enum ll_status ll_db_lock_registry(struct ll_db *db, struct ll_error *err);

/* Read every record version in force into reg (as stored records). */
enum ll_status ll_db_registry_read(struct ll_db *db, struct ll_registry *reg,
				   struct ll_errlist *errs,
				   struct ll_error *err);

/* One input file of a load, for the load's record. */
struct ll_load_file {
	const char *source;
	char sha256[65];
	size_t bytes;
};

/* What a load did, per kind. */
struct ll_load_counts {
	size_t added[LL_REC_KIND_COUNT];
	size_t changed[LL_REC_KIND_COUNT];
	size_t unchanged[LL_REC_KIND_COUNT];
};

/*
 * Store the records of reg that were loaded (not read back from the
 * store): new ids as version 1, changed ones as the next version,
 * unchanged ones not at all; and one load row naming the files.  Runs
 * inside the caller's transaction.  *load_id is 0 when nothing changed
 * (then no load row is written either).
 */
enum ll_status ll_db_registry_store(struct ll_db *db,
				    const struct ll_registry *reg,
				    const struct ll_load_file *files,
				    size_t n_files,
				    struct ll_load_counts *counts,
				    int64_t *load_id, struct ll_error *err);

#endif

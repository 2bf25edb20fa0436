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

#include "ledgerline/account.h"
#include "ledgerline/config.h"
#include "ledgerline/hash.h"
#include "ledgerline/ident.h"
#include "ledgerline/registry.h"
#include "ledgerline/run.h"
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

enum {
	LL_DB_WHERE_MAX = 320,
	LL_DB_AUDIT_PROBLEM_MAX = 256,	/* what an audit found wrong */
};

struct ll_db {
	void *conn;	/* PGconn */
	/* which database, for messages (ll_db_describe_dsn or the embedded
	 * cluster's directory); never a password */
	char where[LL_DB_WHERE_MAX];
};

/*
 * Who ledgerline connects as.  LL_DB_ADMIN owns the schema and is used by
 * "init" only; LL_DB_APP ("ledgerline_app" in the embedded cluster) can
 * read and append but owns no table, so it cannot alter tables, disable
 * their triggers, update or delete.
 */
enum ll_db_role { LL_DB_APP, LL_DB_ADMIN };

/* The application role's name in the embedded cluster. */
#define LL_DB_APP_ROLE "ledgerline_app"

/*
 * Connect.  With no DSN configured, make sure the embedded cluster runs
 * (creating it on first use) and connect to its "ledgerline" database as
 * the role asked for.  With a configured DSN: LL_DB_APP uses cfg->dsn,
 * LL_DB_ADMIN uses cfg->admin_dsn when set, else cfg->dsn.
 * LL_DB with the server's message on failure.
 */
enum ll_status ll_db_open(struct ll_db *db, const struct ll_config *cfg,
			  enum ll_db_role role, struct ll_error *err);
void ll_db_close(struct ll_db *db);

/*
 * A connection string as it may be shown in a message: only its service,
 * host, hostaddr, port, dbname and user, never a password or any other
 * setting, as "key=value" pairs, into out (truncated to out_size).  A
 * string libpq cannot parse is described as "the configured database".
 */
void ll_db_describe_dsn(const char *dsn, char *out, size_t out_size);

/* ll_db_open as LL_DB_APP, then ll_db_require_schema: what every command
 * but init needs.  On failure the connection is closed. */
enum ll_status ll_db_open_ready(struct ll_db *db, const struct ll_config *cfg,
				struct ll_error *err);

/* Apply every built-in migration not yet applied, each in its own
 * transaction; *applied counts them.  A recorded migration whose text
 * differs from the built-in one is an error. */
enum ll_status ll_db_migrate(struct ll_db *db, int *applied,
			     struct ll_error *err);

/* LL_OK when every built-in migration is applied; otherwise LL_DB telling
 * the user to run "ledgerline init" and naming db->where. */
enum ll_status ll_db_require_schema(struct ll_db *db, struct ll_error *err);

enum ll_status ll_db_begin(struct ll_db *db, struct ll_error *err);
enum ll_status ll_db_commit(struct ll_db *db, struct ll_error *err);
/* Best effort; never fails visibly (the connection may already be gone). */
void ll_db_rollback(struct ll_db *db);

/* Serialise registry writers: a transaction-scoped lock taken after
 * ll_db_begin. */
enum ll_status ll_db_lock_registry(struct ll_db *db, struct ll_error *err);

/* Read every record version in force into reg (as stored records).  A
 * record whose recomputed digest is not the one stored with it (edited
 * behind ledgerline's back) is LL_DB, named in errs. */
enum ll_status ll_db_registry_read(struct ll_db *db, struct ll_registry *reg,
				   struct ll_errlist *errs,
				   struct ll_error *err);

/* One input file of a load, for the load's record. */
struct ll_load_file {
	const char *source;
	char sha256[LL_SHA256_HEX_LEN + 1];
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

/* ---- runs (db_run.c) ---- */

struct ll_run;

/*
 * Serialise writers of one (licensee, period): a transaction-scoped
 * advisory lock; a second run of the same period waits for the first to
 * commit or roll back (and a killed run's lock goes with its connection).
 */
enum ll_status ll_db_lock_period(struct ll_db *db, const char *licensee,
				 const char *period_first,
				 const char *period_last, struct ll_error *err);

/* Is this run id already stored? */
enum ll_status ll_db_run_exists(struct ll_db *db, const char *run_id,
				bool *exists, struct ll_error *err);

/*
 * Store a computed run inside the caller's transaction, in three steps
 * in any order: ll_db_run_store_inputs its inputs (known once the logs
 * are read), ll_db_run_store_rows its licence, party and line results and
 * payouts (once it is settled), ll_db_run_store the run's own row with
 * run.json and compliance.json.  The database checks at commit that the
 * run's row exists (sql/017), Σ lines = party totals and Σ parties =
 * licence totals.
 */
enum ll_status ll_db_run_store_inputs(struct ll_db *db,
				      const struct ll_run *r,
				      struct ll_error *err);
enum ll_status ll_db_run_store_rows(struct ll_db *db, const struct ll_run *r,
				    struct ll_error *err);
enum ll_status ll_db_run_store(struct ll_db *db, const struct ll_run *r,
			       const char *run_json, const char *compliance,
			       struct ll_error *err);

/* ---- training manifests, for disclose (db_manifest.c) ---- */

struct ll_disclose_src;

/*
 * Store the judged manifests of src under run_id (a run being stored, in
 * its transaction): one row per manifest, one per item (COPY).
 */
enum ll_status ll_db_manifests_store(struct ll_db *db, const char *run_id,
				     const struct ll_disclose_src *src,
				     struct ll_error *err);

/*
 * The licensees with a stored training run of model, in byte order: a
 * new array of new strings (free each, then the array).
 */
enum ll_status ll_db_model_licensees(struct ll_db *db, const char *model,
				     char ***out, size_t *n,
				     struct ll_error *err);

/*
 * Every training run of (model, licensee) as judged by the run posted
 * last among the runs that stored it, appended to src in (trained_at,
 * training_run) order; last_update is the UTC date of the latest of
 * those postings (LL_DISCLOSE_DATE_SIZE bytes).  A training run is there once however many runs
 * judged it.
 */
enum ll_status ll_db_manifests_read(struct ll_db *db, const char *model,
				    const char *licensee,
				    struct ll_disclose_src *src,
				    char *last_update,
				    struct ll_error *err);

/* ---- the ledger (db_ledger.c) ---- */

/* The posting currently in force for a (licensee, period). */
struct ll_current_posting {
	bool exists;
	int64_t posting_id;	/* 0 when !exists */
	char run_id[LL_RUN_ID_SIZE];
	char *run_json;		/* the run.json written with it (owned) */
};
void ll_current_posting_release(struct ll_current_posting *c);

/* Look the current posting of (licensee, first, last) up. */
enum ll_status ll_db_current_posting(struct ll_db *db, const char *licensee,
				     const char *first, const char *last,
				     struct ll_current_posting *cur,
				     struct ll_error *err);

/* What each party had under a stored run (struct ll_party_amount is in
 * run.h). */
enum ll_status ll_db_run_party_amounts(struct ll_db *db, const char *run_id,
				       struct ll_party_amount **out, size_t *n,
				       struct ll_error *err);

/*
 * Serialise everything that moves a licensee's balances: its postings
 * (of any period) and the returns of its payments.  A transaction-scoped
 * advisory lock, taken after ll_db_lock_period, so that two periods of
 * one licensee cannot pay the same open balance twice.
 */
enum ll_status ll_db_lock_licensee(struct ll_db *db, const char *licensee,
				   struct ll_error *err);

/*
 * The open balances of every party with licensee, per currency (SPEC §5:
 * everything posted to it minus everything paid to it), the non-zero
 * ones, sorted by party, currency: *out a new array.  Read after
 * ll_db_lock_licensee, in the transaction that will post.
 */
enum ll_status ll_db_open_balances(struct ll_db *db, const char *licensee,
				   struct ll_party_amount **out, size_t *n,
				   struct ll_error *err);

/*
 * Post run r (stored with ll_db_run_store) as the new posting of its
 * period: reverse every entry of the superseded posting (supersedes, 0
 * for none), then one entry per licence with a non-zero total, then one
 * payment entry per payment of acc with its payment rows, each balanced
 * per currency and chained by hash.  Inside the caller's transaction,
 * after ll_db_lock_period and ll_db_lock_licensee.  *entries counts what
 * was added.
 */
enum ll_status ll_db_post_run(struct ll_db *db, const struct ll_run *r,
			      const struct ll_accounts *acc,
			      int64_t supersedes, const char *run_json,
			      int64_t *posting_id, int64_t *entries,
			      struct ll_error *err);

/*
 * The payments stored with posting_id as acc->pay (payee indexes in reg)
 * and, for every party they settled, an account with only its payment
 * (paid, payment, payments): what a rerun of the posting writes its
 * payout files from.  acc->posting is left to the caller.
 */
enum ll_status ll_db_load_payments(struct ll_db *db, int64_t posting_id,
				   const struct ll_registry *reg,
				   struct ll_accounts *acc,
				   struct ll_error *err);

/*
 * Record the return of the payments ids[0..n) (end-to-end ids): for each,
 * an entry of kind payment_return that negates its payment entry, and a
 * payment_return row; all or nothing.  LL_INVALID with err for an id
 * that names no payment or one already returned.  *entries counts the
 * entries added.
 */
enum ll_status ll_db_return_payments(struct ll_db *db,
				     const char *const *ids, size_t n,
				     int64_t *entries, struct ll_error *err);

/* A party's account in one currency across every licensee ("ledgerline
 * balance"): earned (postings net of reversals), paid (payments net of
 * returns), open = earned - paid. */
struct ll_party_balance {
	char party[LL_PARTY_ID_SIZE];
	char currency[LL_CURRENCY_LEN + 1];
	int64_t earned, paid, open;
};

/* Every party's balances (party NULL) or one party's, by party and
 * currency; LL_INVALID for a party the registry has never held. */
enum ll_status ll_db_party_balances(struct ll_db *db, const char *party,
				    struct ll_party_balance **out, size_t *n,
				    struct ll_error *err);

/* A signed statement as stored with its posting. */
struct ll_stored_statement {
	char party[LL_PARTY_ID_SIZE];
	char sha256[LL_SHA256_HEX_LEN + 1];
	char *envelope;		/* owned */
};
void ll_stored_statements_free(struct ll_stored_statement *v, size_t n);

/* Store a posting's statements, Merkle root and signing key id. */
enum ll_status ll_db_store_statements(struct ll_db *db, int64_t posting_id,
				      const struct ll_stored_statement *v,
				      size_t n, const char *root,
				      const char *key_id, struct ll_error *err);

/* The statements stored with a posting, in party order. */
enum ll_status ll_db_load_statements(struct ll_db *db, int64_t posting_id,
				     struct ll_stored_statement **v, size_t *n,
				     struct ll_error *err);

/* ---- checkpoints (db_checkpoint.c) ---- */

/* Which posting of its period posting_id is: 1, then 2 for the first
 * restatement, ... (the length of the chain it supersedes). */
enum ll_status ll_db_posting_number(struct ll_db *db, int64_t posting_id,
				    int64_t *posting, struct ll_error *err);

/*
 * What the checkpoint of posting_id signs, read inside the posting's
 * transaction after ll_db_post_run: which posting of its period it is
 * (1, then 2 for the first restatement, ...), the number of journal
 * entries in the whole ledger and the hash of the last one.
 */
enum ll_status ll_db_checkpoint_figures(struct ll_db *db, int64_t posting_id,
					int64_t *posting, int64_t *entries,
					char head[LL_SHA256_HEX_LEN + 1],
					struct ll_error *err);
/* Store a posting's signed checkpoint (sha256: hex of the envelope's
 * bytes). */
enum ll_status ll_db_store_checkpoint(struct ll_db *db, int64_t posting_id,
				      const char *sha256, const char *envelope,
				      struct ll_error *err);
/* The checkpoint stored with a posting: *envelope a new string, or NULL
 * when the posting has none (posted before checkpoints were kept). */
enum ll_status ll_db_load_checkpoint(struct ll_db *db, int64_t posting_id,
				     char **envelope,
				     char sha256[LL_SHA256_HEX_LEN + 1],
				     struct ll_error *err);

/* ---- the audit (db_audit.c) ---- */

/* Findings an audit keeps word for word; the rest are only counted. */
enum { LL_AUDIT_FINDINGS_MAX = 40, LL_AUDIT_FINDING_BYTES_MAX = 320 };

/* Result of an audit. */
struct ll_audit {
	int64_t entries, lines;		/* journal entries and lines */
	int64_t postings, statements, checkpoints, records;
	char head[LL_SHA256_HEX_LEN + 1];			/* hash of the last entry */
	size_t n_findings;		/* every finding, kept or not */
	char findings[LL_AUDIT_FINDINGS_MAX][LL_AUDIT_FINDING_BYTES_MAX];
};

struct ll_key;

/* A checkpoint someone kept (checkpoint.dsse.json), to prove the ledger
 * still holds it: name for messages, the envelope's bytes (borrowed). */
struct ll_audit_checkpoint {
	const char *name;
	const char *envelope;
	size_t len;
};

/*
 * Audit the ledger against what ledgerline signed and stored (pub: the
 * public half of the signing key; every posting's stored key id must be
 * its id): the hash chain recomputed over every journal entry, zero sums,
 * the posting structure (reversals only of the superseded posting's
 * entries, each once, exactly negated); every stored statement's digest
 * and signature, each posting's Merkle root recomputed from its stored
 * statements; the stored lines, inputs and payouts of each run against
 * its signed statements; run.json and compliance.json against each other
 * and the posting; every registry record against its digest; every
 * posting's signed checkpoint against the chain recomputed up to it, and
 * each of kept[0..n_kept) (signed by pub) against the ledger: its posting
 * still there with its run and root, the chain still as long and with the
 * same hash at its position.  Findings go to *a (LL_OK is returned; the
 * caller decides the exit code).
 */
enum ll_status ll_db_audit(struct ll_db *db, const struct ll_key *pub,
			   const struct ll_audit_checkpoint *kept,
			   size_t n_kept, struct ll_audit *a,
			   struct ll_error *err);

/* ---- a stored run's lines (db_lines.c) ---- */

/*
 * The lines of stored run run_id, each with its licence's currency, in
 * the order of struct ll_restatement's lines: *lines a new array of *n
 * (release with ll_db_run_lines_free).  LL_DB with err.
 */
enum ll_status ll_db_run_lines(struct ll_db *db, const char *run_id,
			       struct ll_run_line **lines, size_t *n,
			       struct ll_error *err);
void ll_db_run_lines_free(struct ll_run_line *lines, size_t n);

/* ---- party logins (db_access.c) ---- */

enum {
	LL_DB_ROLE_MAX = 64,	/* a PostgreSQL role name and its NUL */
	LL_DB_LOGIN_DSN_MAX = 1024,
};

/* A login made by ll_db_grant_party: its role and a connection string
 * with its password (shown once, stored nowhere). */
struct ll_party_login {
	char role[LL_DB_ROLE_MAX];
	char dsn[LL_DB_LOGIN_DSN_MAX];
};

/*
 * As the schema owner, inside the caller's transaction: create a login
 * role for party (a random name, a random password sent as its
 * SCRAM-SHA-256 verifier, member of ledgerline_party) and record it in
 * ledgerline.party_login; *out gets the role and a DSN to connect with.
 * LL_INVALID naming --party for a party the registry does not know or
 * one that already has a login; LL_DB with err.
 */
enum ll_status ll_db_grant_party(struct ll_db *db, const char *party,
				 struct ll_party_login *out,
				 struct ll_error *err);

/*
 * As the schema owner, inside the caller's transaction: drop party's
 * login role (role gets its name), forget it and end its sessions.
 * LL_INVALID naming --party when the party has no login.
 */
enum ll_status ll_db_revoke_party(struct ll_db *db, const char *party,
				  char role[LL_DB_ROLE_MAX],
				  struct ll_error *err);
/* ---- the outbox of deliver (db_delivery.c) ---- */

/*
 * A stored statement as deliver sees it, with the latest attempt of its
 * delivery (SPEC §6 deliver; sql/010_delivery.sql).  Strings are owned
 * (freed by ll_db_delivery_items_free).
 */
struct ll_delivery_item {
	int64_t posting_id;	/* the ledger's posting row */
	int64_t posting;	/* its number in its period (1, 2, ...) */
	char *run_id;
	char *party;
	bool queued;		/* has its delivery row */
	int attempts;		/* attempts recorded */
	bool in_doubt;		/* the latest attempt has no outcome */
	char *last_outcome;	/* "" when none or in doubt */
	char *last_url;		/* "" when no attempt */
	char *last_owner;
	int last_owner_version;
	int last_status;	/* HTTP status, 0 when none */
	char *last_error;	/* "" when none */
	int64_t next_ms;	/* unix ms of the next attempt, 0 when none */
};

/*
 * Every stored statement not yet acknowledged (of run run_id only, when
 * not NULL), in posting and party order: *items a new array of *n, and
 * *delivered the number of those (of the same run) already acknowledged.
 */
enum ll_status ll_db_delivery_items(struct ll_db *db, const char *run_id,
				    struct ll_delivery_item **items, size_t *n,
				    int64_t *delivered, struct ll_error *err);
void ll_db_delivery_items_free(struct ll_delivery_item *items, size_t n);

/* The stored envelope of party's statement in posting_id: a new string. */
enum ll_status ll_db_delivery_envelope(struct ll_db *db, int64_t posting_id,
				       const char *party, char **envelope,
				       struct ll_error *err);

/* Did a 410 disable url for owner's registry version owner_version? */
enum ll_status ll_db_delivery_disabled(struct ll_db *db, const char *url,
				       const char *owner, int owner_version,
				       bool *disabled, struct ll_error *err);

/* Take the session's deliver lock; *taken false when another deliver
 * holds it.  Released when the connection closes. */
enum ll_status ll_db_delivery_lock(struct ll_db *db, bool *taken,
				   struct ll_error *err);

/* Queue the statement (its delivery row), once; a no-op when queued. */
enum ll_status ll_db_delivery_queue(struct ll_db *db, const char *webhook_id,
				    int64_t posting_id, const char *party,
				    struct ll_error *err);

/* Record that attempt number `attempt` is about to be sent (committed by
 * the caller before the request goes out). */
struct ll_delivery_attempt {
	const char *webhook_id;
	int attempt;
	const char *url;
	const char *owner;	/* whose webhook: the party or its payee */
	int owner_version;	/* that party record's registry version */
	int64_t timestamp;	/* webhook-timestamp */
};
enum ll_status ll_db_delivery_begin(struct ll_db *db,
				    const struct ll_delivery_attempt *a,
				    struct ll_error *err);

/* Record an attempt's outcome: outcome as stored ("delivered", ...),
 * http_status 0 for none, error NULL for none, retry_after_ms and
 * next_ms -1 for none. */
struct ll_delivery_result {
	const char *outcome;
	int http_status;
	const char *error;
	int64_t retry_after_ms;
	int64_t next_ms;
	/* base64 Ed25519 over ll_delivery_seal_text, and the signing key's
	 * id (sql/012_delivery_seal.sql) */
	const char *seal, *seal_key_id;
};
enum ll_status ll_db_delivery_finish(struct ll_db *db, const char *webhook_id,
				     int attempt,
				     const struct ll_delivery_result *r,
				     struct ll_error *err);

#endif

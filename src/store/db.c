/*
 * db.c — connection, migrations, transactions and the registry store
 * (db.h), on libpq.
 *
 * Design decision: every statement goes through ll_db_exec(), which
 * checks the result status and the expected column count in one place and
 * turns any failure into an LL_DB error carrying the server's message, so
 * no caller can forget a PQresultStatus check or a PQclear.
 */
#include "ledgerline/db.h"

#include <assert.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/cluster.h"
#include "ledgerline/digest.h"
#include "ledgerline/jsonx.h"

#include "db_internal.h"

/* Arbitrary constants naming ledgerline's advisory locks. */
static const char LOCK_MIGRATE[] = "7305917421";
static const char LOCK_REGISTRY[] = "7305917422";

PGconn *ll_db_conn(struct ll_db *db)
{
	assert(db->conn != NULL);
	return db->conn;
}

/* The server's message without its trailing newline. */
enum ll_status ll_db_error(struct ll_error *err, const char *what,
			       const char *msg)
{
	char buf[LL_ERROR_TEXT_MAX];
	size_t n;

	ll_str_copy_cut(buf, sizeof(buf), msg ? msg : "");
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return ll_error_set(err, LL_DB, NULL, 0, NULL, "%s: %s", what,
			    n ? buf : "unknown database error");
}

enum ll_status ll_db_field(char *dst, size_t dst_size, const char *value,
			   const char *column, struct ll_error *err)
{
	if (ll_str_copy(dst, dst_size, value))
		return LL_OK;
	return ll_error_set(err, LL_DB, NULL, 0, NULL,
			    "stored %s is %zu bytes, more than the %zu "
			    "it may have", column, strlen(value),
			    dst_size - 1);
}

enum ll_status ll_db_value(const PGresult *res, int row, int col,
			   const char *column, char *dst, size_t dst_size,
			   struct ll_error *err)
{
	return ll_db_field(dst, dst_size, PQgetvalue(res, row, col), column,
			   err);
}

/*
 * Run sql with text parameters.  expect is PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK; for tuples, ncols is the expected column count.
 * Returns the result (caller PQclear's) or NULL with err filled.
 */
PGresult *ll_db_exec(struct ll_db *db, const char *what,
			     const char *sql, int nparams,
			     const char *const *params, ExecStatusType expect,
			     int ncols, struct ll_error *err)
{
	PGresult *res = PQexecParams(ll_db_conn(db), sql, nparams, NULL, params,
				     NULL, NULL, 0);

	if (!res) {
		ll_db_error(err, what, PQerrorMessage(ll_db_conn(db)));
		return NULL;
	}
	if (PQresultStatus(res) != expect) {
		ll_db_error(err, what, PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	if (expect == PGRES_TUPLES_OK && PQnfields(res) != ncols) {
		ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
			     "%s: expected %d columns, got %d", what, ncols,
			     PQnfields(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

enum ll_status ll_db_cmd(struct ll_db *db, const char *what,
			       const char *sql, int nparams,
			       const char *const *params, struct ll_error *err)
{
	PGresult *res = ll_db_exec(db, what, sql, nparams, params,
				    PGRES_COMMAND_OK, 0, err);

	if (!res)
		return LL_DB;
	PQclear(res);
	return LL_OK;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

void ll_db_describe_dsn(const char *dsn, char *out, size_t out_size)
{
	static const char *const shown[] = { "service", "host", "hostaddr",
					     "port", "dbname", "user" };
	PQconninfoOption *opts = PQconninfoParse(dsn, NULL);
	size_t len = 0, i;

	assert(out && out_size > 0);
	out[0] = '\0';
	if (!opts) {
		snprintf(out, out_size, "the configured database");
		return;
	}
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		const PQconninfoOption *o;
		int k;

		for (o = opts; o->keyword; o++)
			if (strcmp(o->keyword, shown[i]) == 0)
				break;
		if (!o->keyword || !o->val || !o->val[0] || len >= out_size)
			continue;
		k = snprintf(out + len, out_size - len, "%s%s=%s",
			     len ? " " : "", o->keyword, o->val);
		if (k < 0)
			break;
		len += (size_t)k < out_size - len ? (size_t)k
						  : out_size - len - 1;
	}
	if (!out[0])
		snprintf(out, out_size, "the configured database");
	PQconninfoFree(opts);
}

/* The "not initialised" error, naming the database looked at. */
static enum ll_status not_initialised(const struct ll_db *db,
				      struct ll_error *err)
{
	return ll_error_set(err, LL_DB, NULL, 0, NULL,
			    "the database is not initialised: run "
			    "'ledgerline init' (database: %s)", db->where);
}

enum ll_status ll_db_open(struct ll_db *db, const struct ll_config *cfg,
			  enum ll_db_role role, struct ll_error *err)
{
	char dsn[LL_CLUSTER_DSN_MAX + 64];
	PGconn *conn;
	enum ll_status rc;

	db->conn = NULL;
	db->where[0] = '\0';
	if (cfg->dsn[0]) {
		/* a configuration value always fits (LL_CONFIG_VALUE_MAX) */
		LL_ENSURE(ll_str_copy(dsn, sizeof(dsn),
				      role == LL_DB_ADMIN && cfg->admin_dsn[0]
					      ? cfg->admin_dsn
					      : cfg->dsn));
		ll_db_describe_dsn(dsn, db->where, sizeof(db->where));
	} else {
		struct ll_cluster c;
		size_t n;

		rc = ll_cluster_init(&c, cfg->home, cfg->pg_bindir,
				     cfg->pg_user, err);
		if (rc != LL_OK)
			return rc;
		snprintf(db->where, sizeof(db->where),
			 "embedded cluster %.*s, dbname=ledgerline",
			 (int)sizeof(db->where) - 64, c.pgdata);
		rc = ll_cluster_ensure(&c, "ledgerline", err);
		if (rc != LL_OK)
			return rc;
		ll_cluster_dsn(&c, "ledgerline", dsn, sizeof(dsn) - 64);
		n = strlen(dsn);
		/* a later keyword overrides an earlier one in a conninfo */
		if (role == LL_DB_APP)
			snprintf(dsn + n, sizeof(dsn) - n, " user=%s",
				 LL_DB_APP_ROLE);
	}
	conn = PQconnectdb(dsn);
	if (!conn)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory connecting to the database");
	if (PQstatus(conn) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(conn);

		if (role == LL_DB_APP && strstr(msg, "role \"" LL_DB_APP_ROLE))
			rc = not_initialised(db, err);
		else
			rc = ll_db_error(err, "cannot connect to the database",
					 msg);
		PQfinish(conn);
		return rc;
	}
	PQsetNoticeProcessor(conn, quiet_notices, NULL);
	db->conn = conn;
	return ll_db_cmd(db, "cannot set up the session",
			 "SET client_min_messages = warning", 0, NULL, err);
}

enum ll_status ll_db_open_ready(struct ll_db *db, const struct ll_config *cfg,
				struct ll_error *err)
{
	enum ll_status rc = ll_db_open(db, cfg, LL_DB_APP, err);

	if (rc == LL_OK)
		rc = ll_db_require_schema(db, err);
	if (rc != LL_OK)
		ll_db_close(db);
	return rc;
}

void ll_db_close(struct ll_db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
}

enum ll_status ll_db_begin(struct ll_db *db, struct ll_error *err)
{
	return ll_db_cmd(db, "cannot begin a transaction", "BEGIN", 0, NULL,
			err);
}

enum ll_status ll_db_commit(struct ll_db *db, struct ll_error *err)
{
	return ll_db_cmd(db, "cannot commit", "COMMIT", 0, NULL, err);
}

void ll_db_rollback(struct ll_db *db)
{
	PGresult *res;

	if (!db->conn)
		return;
	res = PQexec(db->conn, "ROLLBACK");
	PQclear(res);
}

static enum ll_status advisory_lock(struct ll_db *db, const char *key,
				    struct ll_error *err)
{
	const char *params[1] = { key };
	PGresult *res = ll_db_exec(db, "cannot take a lock",
				    "SELECT pg_advisory_xact_lock($1::bigint)",
				    1, params, PGRES_TUPLES_OK, 1, err);

	if (!res)
		return LL_DB;
	PQclear(res);
	return LL_OK;
}

enum ll_status ll_db_lock_registry(struct ll_db *db, struct ll_error *err)
{
	return advisory_lock(db, LOCK_REGISTRY, err);
}

/* ---- migrations ------------------------------------------------------- */

static const char SQL_BOOTSTRAP[] =
	"CREATE SCHEMA IF NOT EXISTS ledgerline;"
	"CREATE TABLE IF NOT EXISTS ledgerline.schema_migration ("
	" version integer PRIMARY KEY,"
	" name text NOT NULL,"
	" sha256 text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

static void migration_digest(const struct ll_migration *m, char hex[65])
{
	uint8_t d[LL_SHA256_LEN];

	ll_sha256(m->sql, strlen(m->sql), d);
	ll_hex(d, sizeof(d), hex);
}

/* Is migration m applied?  Checks the recorded digest when it is. */
static enum ll_status migration_state(struct ll_db *db,
				      const struct ll_migration *m,
				      bool *applied, struct ll_error *err)
{
	char version[16], hex[65];
	const char *params[1] = { version };
	PGresult *res;
	enum ll_status rc = LL_OK;

	snprintf(version, sizeof(version), "%d", m->version);
	res = ll_db_exec(db, "cannot read the migrations",
			  "SELECT sha256 FROM ledgerline.schema_migration "
			  "WHERE version = $1::integer",
			  1, params, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	*applied = PQntuples(res) == 1;
	if (*applied) {
		migration_digest(m, hex);
		if (strcmp(PQgetvalue(res, 0, 0), hex) != 0)
			rc = ll_error_set(err, LL_DB, NULL, 0, NULL,
					  "migration %s was applied with "
					  "different SQL than this ledgerline "
					  "carries",
					  m->name);
	}
	PQclear(res);
	return rc;
}

static enum ll_status apply_one(struct ll_db *db, const struct ll_migration *m,
				bool *did, struct ll_error *err)
{
	char version[16], hex[65];
	const char *params[3] = { version, m->name, hex };
	enum ll_status rc;
	bool applied = false;
	PGresult *res;

	*did = false;
	rc = ll_db_begin(db, err);
	if (rc != LL_OK)
		return rc;
	rc = advisory_lock(db, LOCK_MIGRATE, err);
	if (rc == LL_OK)
		rc = migration_state(db, m, &applied, err);
	if (rc == LL_OK && !applied) {
		res = PQexec(ll_db_conn(db), m->sql);
		if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
			char what[128];

			snprintf(what, sizeof(what), "migration %s failed",
				 m->name);
			rc = ll_db_error(err, what,
				      res ? PQresultErrorMessage(res)
					  : PQerrorMessage(ll_db_conn(db)));
		}
		PQclear(res);
		snprintf(version, sizeof(version), "%d", m->version);
		migration_digest(m, hex);
		if (rc == LL_OK)
			rc = ll_db_cmd(db, "cannot record a migration",
				      "INSERT INTO ledgerline.schema_migration "
				      "(version, name, sha256) "
				      "VALUES ($1::integer, $2, $3)",
				      3, params, err);
		*did = rc == LL_OK;
	}
	if (rc == LL_OK)
		rc = ll_db_commit(db, err);
	if (rc != LL_OK) {
		ll_db_rollback(db);
		*did = false;
	}
	return rc;
}

enum ll_status ll_db_migrate(struct ll_db *db, int *applied,
			     struct ll_error *err)
{
	enum ll_status rc;
	size_t i;

	*applied = 0;
	rc = ll_db_begin(db, err);
	if (rc == LL_OK)
		rc = advisory_lock(db, LOCK_MIGRATE, err);
	if (rc == LL_OK) {
		PGresult *res = PQexec(ll_db_conn(db), SQL_BOOTSTRAP);

		if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = ll_db_error(err, "cannot create the schema",
				      res ? PQresultErrorMessage(res)
					  : PQerrorMessage(ll_db_conn(db)));
		PQclear(res);
	}
	if (rc == LL_OK)
		rc = ll_db_commit(db, err);
	if (rc != LL_OK) {
		ll_db_rollback(db);
		return rc;
	}
	for (i = 0; i < ll_migrations_count; i++) {
		bool did;

		rc = apply_one(db, &ll_migrations[i], &did, err);
		if (rc != LL_OK)
			return rc;
		*applied += did;
	}
	return LL_OK;
}

enum ll_status ll_db_require_schema(struct ll_db *db, struct ll_error *err)
{
	PGresult *res;
	size_t i;
	bool exists;

	res = ll_db_exec(db, "cannot inspect the schema",
			  "SELECT to_regclass('ledgerline.schema_migration') "
			  "IS NOT NULL",
			  0, NULL, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!exists)
		return not_initialised(db, err);
	for (i = 0; i < ll_migrations_count; i++) {
		bool applied = false;
		enum ll_status rc = migration_state(db, &ll_migrations[i],
						    &applied, err);

		if (rc != LL_OK)
			return rc;
		if (!applied)
			return ll_error_set(err, LL_DB, NULL, 0, NULL,
					    "the database schema is out of "
					    "date (migration %s missing): run "
					    "'ledgerline init' (database: %s)",
					    ll_migrations[i].name, db->where);
	}
	return LL_OK;
}

/* ---- registry --------------------------------------------------------- */

static bool kind_from_name(const char *name, enum ll_record_kind *k)
{
	int i;

	for (i = 0; i < LL_REC_KIND_COUNT; i++) {
		if (strcmp(name, ll_record_kind_name((enum ll_record_kind)i)) ==
		    0) {
			*k = (enum ll_record_kind)i;
			return true;
		}
	}
	return false;
}

enum ll_status ll_db_registry_read(struct ll_db *db, struct ll_registry *reg,
				   struct ll_errlist *errs,
				   struct ll_error *err)
{
	PGresult *res;
	int i, n;
	enum ll_status rc = LL_OK;

	res = ll_db_exec(db, "cannot read the registries",
			  "SELECT kind, version, body::text, sha256 "
			  "FROM ledgerline.registry_current ORDER BY kind COLLATE \"C\", "
			  "id COLLATE \"C\"",
			  0, NULL, PGRES_TUPLES_OK, 4, err);
	if (!res)
		return LL_DB;
	n = PQntuples(res);
	for (i = 0; i < n && rc == LL_OK; i++) {
		enum ll_record_kind k;
		const char *body = PQgetvalue(res, i, 2);
		long version = strtol(PQgetvalue(res, i, 1), NULL, 10);

		if (!kind_from_name(PQgetvalue(res, i, 0), &k)) {
			rc = ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
					  "unknown record kind \"%s\" stored",
					  PQgetvalue(res, i, 0));
			break;
		}
		rc = ll_registry_add_stored(reg, k, (int)version,
					    PQgetvalue(res, i, 3), body,
					    strlen(body), errs);
		if (rc == LL_DB)
			ll_error_set(err, LL_DB, NULL, 0, NULL,
				     "the stored registry was changed outside "
				     "ledgerline: nothing was done");
		else if (rc != LL_OK && rc != LL_NOMEM)
			ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				     "a stored %s record does not validate",
				     ll_record_kind_name(k));
		else if (rc == LL_NOMEM)
			ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				     "out of memory reading the registries");
	}
	PQclear(res);
	return rc == LL_INVALID ? LL_INTERNAL : rc;
}

static char *files_json(const struct ll_load_file *files, size_t n)
{
	json_t *arr = json_array();
	char *s = NULL;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:I}", "source",
				      files[i].source, "sha256",
				      files[i].sha256, "bytes",
				      (json_int_t)files[i].bytes);

		if (!o || json_array_append_new(arr, o) != 0)
			goto out;
	}
	s = ll_json_canonical(arr);
out:
	json_decref(arr);
	return s;
}

/* Count what reg holds that is not stored yet; returns how many records
 * to write (added or changed). */
static size_t count_changes(const struct ll_registry *reg,
			    struct ll_load_counts *counts)
{
	size_t i, todo = 0;
	int k;

	for (k = 0; k < LL_REC_KIND_COUNT; k++) {
		enum ll_record_kind kind = (enum ll_record_kind)k;

		for (i = 0; i < ll_registry_count(reg, kind); i++) {
			const struct ll_record_meta *m =
				ll_registry_meta(reg, kind, i);

			if (m->stored)
				continue;
			if (m->prev_version == 0)
				counts->added[k]++;
			else if (strcmp(m->prev_sha256, m->sha256) == 0)
				counts->unchanged[k]++;
			else
				counts->changed[k]++;
		}
		todo += counts->added[k] + counts->changed[k];
	}
	return todo;
}

/* Record the load and its files; its id as text in load_id_s. */
static enum ll_status record_load(struct ll_db *db,
				  const struct ll_load_file *files,
				  size_t n_files, char *load_id_s,
				  size_t load_id_size, int64_t *load_id,
				  struct ll_error *err)
{
	char *fj = files_json(files, n_files);
	const char *params[1] = { fj };
	enum ll_status rc;
	PGresult *res;

	if (!fj)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	res = ll_db_exec(db, "cannot record the load",
			  "INSERT INTO ledgerline.load (files) "
			  "VALUES ($1::jsonb) RETURNING load_id",
			  1, params, PGRES_TUPLES_OK, 1, err);
	free(fj);
	if (!res)
		return LL_DB;
	rc = ll_db_value(res, 0, 0, "load_id", load_id_s, load_id_size, err);
	if (rc == LL_OK)
		*load_id = strtoll(load_id_s, NULL, 10);
	PQclear(res);
	return rc;
}

/* Insert each added or changed record of reg as its next version. */
static enum ll_status store_records(struct ll_db *db,
				    const struct ll_registry *reg,
				    const char *load_id_s,
				    struct ll_error *err)
{
	static const char SQL_INSERT[] =
		"INSERT INTO ledgerline.registry_record "
		"(kind, id, version, sha256, body, load_id) "
		"VALUES ($1, $2, $3::integer, $4, $5::jsonb, $6::bigint)";
	enum ll_status rc = LL_OK;
	size_t i;
	int k;

	for (k = 0; k < LL_REC_KIND_COUNT && rc == LL_OK; k++) {
		enum ll_record_kind kind = (enum ll_record_kind)k;

		for (i = 0; i < ll_registry_count(reg, kind) && rc == LL_OK;
		     i++) {
			const struct ll_record_meta *m =
				ll_registry_meta(reg, kind, i);
			char version[16];
			char *body;
			const char *params[6];

			if (m->stored || (m->prev_version != 0 &&
					  strcmp(m->prev_sha256, m->sha256) == 0))
				continue;
			body = ll_json_canonical(m->json);
			if (!body)
				return ll_error_set(err, LL_NOMEM, NULL, 0,
						    NULL, "out of memory");
			snprintf(version, sizeof(version), "%d",
				 m->prev_version + 1);
			params[0] = ll_record_kind_name(kind);
			params[1] = ll_registry_id(reg, kind, i);
			params[2] = version;
			params[3] = m->sha256;
			params[4] = body;
			params[5] = load_id_s;
			rc = ll_db_cmd(db, "cannot store a record", SQL_INSERT,
				      6, params, err);
			free(body);
		}
	}
	return rc;
}

enum ll_status ll_db_registry_store(struct ll_db *db,
				    const struct ll_registry *reg,
				    const struct ll_load_file *files,
				    size_t n_files,
				    struct ll_load_counts *counts,
				    int64_t *load_id, struct ll_error *err)
{
	char load_id_s[32] = "";
	enum ll_status rc;

	memset(counts, 0, sizeof(*counts));
	*load_id = 0;
	if (count_changes(reg, counts) == 0)
		return LL_OK;
	rc = record_load(db, files, n_files, load_id_s, sizeof(load_id_s),
			 load_id, err);
	if (rc != LL_OK)
		return rc;
	return store_records(db, reg, load_id_s, err);
}

/* ---- COPY ------------------------------------------------------------- */

enum { COPY_BUFFER_BYTES = 64 * 1024 };

struct ll_db_copy {
	struct ll_db *db;
	const char *what;
	char buf[COPY_BUFFER_BYTES];
	size_t n;
	int failed;		/* 1: transport, 2: out of memory */
	bool binary;		/* the binary format: a trailer at the end */
};

enum ll_status ll_db_copy_begin(struct ll_db *db, const char *sql,
				const char *what, struct ll_db_copy **out,
				struct ll_error *err)
{
	struct ll_db_copy *c = malloc(sizeof(*c));
	PGresult *res;
	enum ll_status rc;

	*out = NULL;
	if (!c)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	c->db = db;
	c->what = what;
	c->n = 0;
	c->failed = 0;
	c->binary = false;
	res = PQexec(ll_db_conn(db), sql);
	if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
		rc = ll_db_error(err, what,
				 res ? PQresultErrorMessage(res)
				     : PQerrorMessage(ll_db_conn(db)));
		PQclear(res);
		free(c);
		return rc;
	}
	PQclear(res);
	*out = c;
	return LL_OK;
}

static void copy_flush(struct ll_db_copy *c)
{
	if (c->n && !c->failed &&
	    PQputCopyData(ll_db_conn(c->db), c->buf, (int)c->n) != 1)
		c->failed = 1;
	c->n = 0;
}

static void copy_raw(struct ll_db_copy *c, const char *s, size_t n)
{
	while (n) {
		size_t k = sizeof(c->buf) - c->n;

		if (k == 0) {
			copy_flush(c);
			continue;
		}
		if (k > n)
			k = n;
		memcpy(c->buf + c->n, s, k);
		c->n += k;
		s += k;
		n -= k;
	}
}

void ll_db_copy_field(struct ll_db_copy *c, const char *s, int last)
{
	if (!s) {
		copy_raw(c, "\\N", 2);
	} else {
		for (; *s; s++) {
			/* the run up to the next byte COPY must escape */
			size_t k = strcspn(s, "\\\t\n\r");

			if (k) {
				copy_raw(c, s, k);
				s += k;
				if (!*s)
					break;
			}
			switch (*s) {
			case '\\':
				copy_raw(c, "\\\\", 2);
				break;
			case '\t':
				copy_raw(c, "\\t", 2);
				break;
			case '\n':
				copy_raw(c, "\\n", 2);
				break;
			case '\r':
				copy_raw(c, "\\r", 2);
				break;
			default:
				copy_raw(c, s, 1);
			}
		}
	}
	copy_raw(c, last ? "\n" : "\t", 1);
}

/* v as n bytes, most significant first (the binary format's order). */
static void copy_be(struct ll_db_copy *c, uint64_t v, int n)
{
	unsigned char b[8];
	int i;

	for (i = n - 1; i >= 0; i--) {
		b[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	copy_raw(c, (const char *)b, (size_t)n);
}

enum ll_status ll_db_copy_begin_binary(struct ll_db *db, const char *sql,
				       const char *what,
				       struct ll_db_copy **out,
				       struct ll_error *err)
{
	/* signature, flags (no OIDs), header extension length */
	static const char header[] = "PGCOPY\n\377\r\n";
	enum ll_status rc = ll_db_copy_begin(db, sql, what, out, err);

	if (rc != LL_OK)
		return rc;
	(*out)->binary = true;
	copy_raw(*out, header, sizeof(header));	/* with its NUL */
	copy_be(*out, 0, 4);
	copy_be(*out, 0, 4);
	return LL_OK;
}

void ll_db_copy_row(struct ll_db_copy *c, int nfields)
{
	copy_be(c, (uint64_t)nfields, 2);
}

void ll_db_copy_text(struct ll_db_copy *c, const char *s)
{
	size_t n;

	if (!s) {
		copy_be(c, UINT32_MAX, 4);	/* -1: NULL */
		return;
	}
	n = strlen(s);
	if (n > INT32_MAX) {
		c->failed = c->failed ? c->failed : 2;
		return;
	}
	copy_be(c, (uint64_t)n, 4);
	copy_raw(c, s, n);
}

void ll_db_copy_int8(struct ll_db_copy *c, int64_t v)
{
	copy_be(c, 8, 4);
	copy_be(c, (uint64_t)v, 8);
}

void ll_db_copy_fail(struct ll_db_copy *c)
{
	c->failed = 2;
}

enum ll_status ll_db_copy_end(struct ll_db_copy *c, struct ll_error *err)
{
	PGconn *conn = ll_db_conn(c->db);
	enum ll_status rc = LL_OK;
	PGresult *res;

	if (c->binary)
		copy_be(c, UINT16_MAX, 2);	/* -1: the trailer */
	copy_flush(c);
	if (PQputCopyEnd(conn, c->failed ? "ledgerline aborted the copy"
					 : NULL) != 1)
		c->failed = c->failed ? c->failed : 1;
	res = PQgetResult(conn);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = c->failed == 2
			     ? ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory")
			     : ll_db_error(err, c->what,
					   res ? PQresultErrorMessage(res)
					       : PQerrorMessage(conn));
	PQclear(res);
	while ((res = PQgetResult(conn)))
		PQclear(res);
	if (rc == LL_OK && c->failed)
		rc = ll_error_set(err, c->failed == 2 ? LL_NOMEM : LL_DB, NULL,
				  0, NULL, "%s", c->what);
	free(c);
	return rc;
}

/* LL_INVALID naming --party when the registry has no such party. */
enum ll_status ll_db_party_known(struct ll_db *db, const char *party,
				 struct ll_error *err)
{
	const char *params[1] = { party };
	PGresult *res;
	int rows;

	res = ll_db_exec(db, "cannot look the party up",
			 "SELECT 1 FROM ledgerline.registry_record "
			 "WHERE kind = 'party' AND id = $1 LIMIT 1",
			 1, params, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	rows = PQntuples(res);
	PQclear(res);
	if (!rows)
		return ll_error_set(err, LL_INVALID, NULL, 0, "--party",
				    "unknown party \"%s\"", party);
	return LL_OK;
}

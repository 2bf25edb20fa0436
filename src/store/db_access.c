/*
 * db_access.c — party logins (db.h, "party logins"): "ledgerline grant"
 * creates a PostgreSQL login for one party, "revoke" drops it; the
 * row-level security policies of sql/008_party_access.sql decide what the
 * login sees.
 *
 * Design decision: the role's name is random (ledgerline_p_ and 24 hex
 * digits), never derived from the party id, so no party id ever becomes
 * SQL text and pg_roles, which every login can read, names no party.
 * CREATE ROLE takes no bind parameters: the name is quoted with
 * PQescapeIdentifier and the password is sent only as its SCRAM-SHA-256
 * verifier (PQencryptPasswordConn), quoted with PQescapeLiteral, so the
 * clear password never reaches the server or its log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "db_internal.h"

enum {
	ROLE_RANDOM_BYTES = 12,		/* 24 hex digits in the role name */
	PASSWORD_RANDOM_BYTES = 24,	/* 192 bits, 48 hex digits */
	SQL_BYTES_MAX = 1024,
};

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static enum ll_status random_hex(char *out, size_t nbytes,
				 struct ll_error *err)
{
	unsigned char b[32];

	if (nbytes > sizeof(b) || RAND_bytes(b, (int)nbytes) != 1)
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "cannot draw random bytes");
	hex(b, nbytes, out);
	OPENSSL_cleanse(b, sizeof(b));
	return LL_OK;
}

/* The login role of party into role (empty when it has none). */
static enum ll_status login_of(struct ll_db *db, const char *party,
			       char role[LL_DB_ROLE_MAX], struct ll_error *err)
{
	const char *params[1] = { party };
	PGresult *res;
	enum ll_status rc = LL_OK;

	role[0] = '\0';
	res = ll_db_exec(db, "cannot read the party logins",
			 "SELECT role_name FROM ledgerline.party_login "
			 "WHERE party = $1",
			 1, params, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	if (PQntuples(res) == 1)
		rc = ll_db_value(res, 0, 0, "role_name", role, LL_DB_ROLE_MAX,
				 err);
	PQclear(res);
	return rc;
}

/* Run "head <quoted role> tail" (with the verifier quoted after tail when
 * given): the one place SQL text is built, from escaped parts only. */
static enum ll_status role_statement(struct ll_db *db, const char *what,
				     const char *head, const char *role,
				     const char *tail, const char *verifier,
				     struct ll_error *err)
{
	PGconn *conn = ll_db_conn(db);
	char *id = PQescapeIdentifier(conn, role, strlen(role));
	char *lit = NULL;
	char sql[SQL_BYTES_MAX];
	enum ll_status rc;
	int n;

	if (verifier)
		lit = PQescapeLiteral(conn, verifier, strlen(verifier));
	if (!id || (verifier && !lit)) {
		rc = ll_db_error(err, what, PQerrorMessage(conn));
		goto out;
	}
	n = snprintf(sql, sizeof(sql), "%s %s%s%s", head, id, tail,
		     lit ? lit : "");
	if (n < 0 || (size_t)n >= sizeof(sql)) {
		rc = ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				  "%s: statement too long", what);
		goto out;
	}
	rc = ll_db_cmd(db, what, sql, 0, NULL, err);
out:
	PQfreemem(id);
	PQfreemem(lit);
	return rc;
}

/* "key=value" of a connection string, value quoted as libpq reads it. */
static void dsn_add(struct ll_party_login *out, const char *key,
		    const char *value)
{
	size_t n = strlen(out->dsn);
	const char *p;

	if (!value || !value[0])
		return;
	n += (size_t)snprintf(out->dsn + n, sizeof(out->dsn) - n, "%s%s='",
			      n ? " " : "", key);
	for (p = value; *p && n + 3 < sizeof(out->dsn); p++) {
		if (*p == '\'' || *p == '\\')
			out->dsn[n++] = '\\';
		out->dsn[n++] = *p;
	}
	if (n + 1 < sizeof(out->dsn))
		out->dsn[n++] = '\'';
	out->dsn[n] = '\0';
}

static void build_dsn(struct ll_db *db, const char *password,
		      struct ll_party_login *out)
{
	PGconn *conn = ll_db_conn(db);

	out->dsn[0] = '\0';
	dsn_add(out, "host", PQhost(conn));
	dsn_add(out, "port", PQport(conn));
	dsn_add(out, "dbname", PQdb(conn));
	dsn_add(out, "user", out->role);
	dsn_add(out, "password", password);
}

enum ll_status ll_db_grant_party(struct ll_db *db, const char *party,
				 struct ll_party_login *out,
				 struct ll_error *err)
{
	const char *params[2];
	char password[2 * PASSWORD_RANDOM_BYTES + 1];
	char *verifier = NULL;
	enum ll_status rc;

	memset(out, 0, sizeof(*out));
	rc = ll_db_party_known(db, party, err);
	if (rc == LL_OK)
		rc = login_of(db, party, out->role, err);
	if (rc != LL_OK)
		return rc;
	if (out->role[0])
		return ll_error_set(err, LL_INVALID, NULL, 0, "--party",
				    "party \"%s\" already has a login (%s): "
				    "revoke it first to issue a new one",
				    party, out->role);
	memcpy(out->role, "ledgerline_p_", 14);
	rc = random_hex(out->role + 13, ROLE_RANDOM_BYTES, err);
	if (rc == LL_OK)
		rc = random_hex(password, PASSWORD_RANDOM_BYTES, err);
	if (rc != LL_OK)
		goto out;
	verifier = PQencryptPasswordConn(ll_db_conn(db), password, out->role,
					 "scram-sha-256");
	if (!verifier) {
		rc = ll_db_error(err, "cannot hash the password",
				 PQerrorMessage(ll_db_conn(db)));
		goto out;
	}
	rc = role_statement(db, "cannot create the login", "CREATE ROLE",
			    out->role,
			    " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
			    "NOREPLICATION NOBYPASSRLS INHERIT IN ROLE "
			    "ledgerline_party PASSWORD ",
			    verifier, err);
	params[0] = out->role;
	params[1] = party;
	if (rc == LL_OK)
		rc = ll_db_cmd(db, "cannot record the login",
			       "INSERT INTO ledgerline.party_login "
			       "(role_name, party) VALUES ($1, $2)",
			       2, params, err);
	if (rc == LL_OK)
		build_dsn(db, password, out);
out:
	PQfreemem(verifier);
	OPENSSL_cleanse(password, sizeof(password));
	return rc;
}

enum ll_status ll_db_revoke_party(struct ll_db *db, const char *party,
				  char role[LL_DB_ROLE_MAX],
				  struct ll_error *err)
{
	const char *params[1];
	PGresult *res;
	enum ll_status rc;

	rc = login_of(db, party, role, err);
	if (rc != LL_OK)
		return rc;
	if (!role[0])
		return ll_error_set(err, LL_INVALID, NULL, 0, "--party",
				    "party \"%s\" has no login", party);
	params[0] = role;
	rc = ll_db_cmd(db, "cannot forget the login",
		       "DELETE FROM ledgerline.party_login WHERE role_name = $1",
		       1, params, err);
	if (rc == LL_OK)
		rc = role_statement(db, "cannot drop the login", "DROP ROLE",
				    role, "", NULL, err);
	if (rc != LL_OK)
		return rc;
	/* the role is gone once this commits; its open sessions end now */
	res = ll_db_exec(db, "cannot end the login's sessions",
			 "SELECT count(pg_terminate_backend(pid)) FROM "
			 "pg_stat_activity WHERE usename = $1",
			 1, params, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	PQclear(res);
	return LL_OK;
}

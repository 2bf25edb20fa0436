/*
 * db_run.c — storing runs (db.h, "runs"): the part of the database module
 * that writes what a run computed.
 *
 * Design decision: lines, the one table that grows with the catalogue, go
 * in with COPY (one round trip per 64 KiB instead of one per row); every
 * other row is a parameterised INSERT.  All of it happens inside the
 * caller's transaction, so a run is stored whole or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/ident.h"
#include "ledgerline/run.h"
#include "ledgerline/runfiles.h"

#include "db_internal.h"

enum { COPY_BUFFER_BYTES = 64 * 1024 };

enum ll_status ll_db_lock_period(struct ll_db *db, const char *licensee,
				 const char *period_first,
				 const char *period_last, struct ll_error *err)
{
	const char *params[3] = { licensee, period_first, period_last };
	PGresult *res = ll_db_exec(
		db, "cannot lock the period",
		"SELECT pg_advisory_xact_lock(hashtextextended("
		"'ledgerline.period\x1f' || $1 || '\x1f' || $2 || '\x1f' || $3, 0))",
		3, params, PGRES_TUPLES_OK, 1, err);

	if (!res)
		return LL_DB;
	PQclear(res);
	return LL_OK;
}

enum ll_status ll_db_run_exists(struct ll_db *db, const char *run_id,
				bool *exists, struct ll_error *err)
{
	const char *params[1] = { run_id };
	PGresult *res = ll_db_exec(db, "cannot look the run up",
				   "SELECT 1 FROM ledgerline.run "
				   "WHERE run_id = $1",
				   1, params, PGRES_TUPLES_OK, 1, err);

	if (!res)
		return LL_DB;
	*exists = PQntuples(res) > 0;
	PQclear(res);
	return LL_OK;
}

/* ---- COPY ------------------------------------------------------------- */

struct copy {
	struct ll_db *db;
	char buf[COPY_BUFFER_BYTES];
	size_t n;
	int failed;
};

static void copy_flush(struct copy *c)
{
	if (c->n && !c->failed &&
	    PQputCopyData(ll_db_conn(c->db), c->buf, (int)c->n) != 1)
		c->failed = 1;
	c->n = 0;
}

static void copy_raw(struct copy *c, const char *s, size_t n)
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

/* One field in COPY text format (NULL: \N), then a tab or newline. */
static void copy_field(struct copy *c, const char *s, int last)
{
	if (!s) {
		copy_raw(c, "\\N", 2);
	} else {
		for (; *s; s++) {
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

static enum ll_status copy_lines(struct ll_db *db, const struct ll_run *r,
				 struct ll_error *err)
{
	const struct ll_registry *reg = r->reg;
	struct copy *c = malloc(sizeof(*c));
	PGresult *res;
	size_t i;
	enum ll_status rc = LL_OK;

	if (!c)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	c->db = db;
	c->n = 0;
	c->failed = 0;
	res = PQexec(ll_db_conn(db),
		     "COPY ledgerline.run_line (run_id, licence, party, work, "
		     "component, side, exact, amount_minor) FROM STDIN");
	if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
		rc = ll_db_error(err, "cannot store the run's lines",
				 res ? PQresultErrorMessage(res)
				     : PQerrorMessage(ll_db_conn(db)));
		PQclear(res);
		free(c);
		return rc;
	}
	PQclear(res);
	for (i = 0; i < r->st.n_lines && !c->failed; i++) {
		const struct ll_line *l = &r->st.lines[i];
		char *exact = ll_exact_fraction_str(l->exact);
		char minor[32];

		if (!exact) {
			c->failed = 2;
			break;
		}
		snprintf(minor, sizeof(minor), "%lld", (long long)l->minor);
		copy_field(c, r->id, 0);
		copy_field(c, reg->licences.v[l->licence].id, 0);
		copy_field(c, reg->parties.v[l->party].id, 0);
		copy_field(c, l->work >= 0 ? reg->works.v[l->work].id : NULL, 0);
		copy_field(c, ll_component_name((enum ll_component)l->component),
			   0);
		copy_field(c, l->side >= 0 ? ll_side_name((enum ll_side)l->side)
					   : NULL,
			   0);
		copy_field(c, exact, 0);
		copy_field(c, minor, 1);
		free(exact);
	}
	copy_flush(c);
	if (PQputCopyEnd(ll_db_conn(db),
			 c->failed ? "ledgerline aborted the copy" : NULL) != 1)
		c->failed = 1;
	res = PQgetResult(ll_db_conn(db));
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = ll_db_error(err, "cannot store the run's lines",
				 res ? PQresultErrorMessage(res)
				     : PQerrorMessage(ll_db_conn(db)));
	PQclear(res);
	while ((res = PQgetResult(ll_db_conn(db))))
		PQclear(res);
	if (rc == LL_OK && c->failed)
		rc = ll_error_set(err, c->failed == 2 ? LL_NOMEM : LL_DB, NULL,
				  0, NULL, "cannot store the run's lines");
	free(c);
	return rc;
}

/* ---- rows ------------------------------------------------------------- */

static enum ll_status insert_run(struct ll_db *db, const struct ll_run *r,
				 const char *run_json, const char *compliance,
				 struct ll_error *err)
{
	char first[11], last[11];
	const char *params[8];

	ll_date_format(r->first_day, first);
	ll_date_format(r->last_day, last);
	params[0] = r->id;
	params[1] = r->licensee;
	params[2] = r->period;
	params[3] = first;
	params[4] = last;
	params[5] = r->registry_sha256;
	params[6] = run_json;
	params[7] = compliance;
	return ll_db_cmd(db, "cannot store the run",
			 "INSERT INTO ledgerline.run (run_id, licensee, "
			 "period_label, period_first, period_last, "
			 "registry_sha256, run_json, compliance) VALUES ($1, "
			 "$2, $3, $4::date, $5::date, $6, $7::jsonb, $8::jsonb)",
			 8, params, err);
}

static enum ll_status insert_inputs(struct ll_db *db, const struct ll_run *r,
				    struct ll_error *err)
{
	static const char SQL[] =
		"INSERT INTO ledgerline.run_input (run_id, ordinal, kind, "
		"source, sha256, bytes) VALUES ($1, $2::integer, $3, $4, $5, "
		"$6::bigint)";
	enum ll_status rc = LL_OK;
	size_t i, k = 0;

	for (i = 0; i < r->n_manifests + r->n_logs && rc == LL_OK; i++, k++) {
		int is_log = i >= r->n_manifests;
		size_t j = is_log ? i - r->n_manifests : i;
		char ord[24], bytes[24];
		const char *params[6];

		snprintf(ord, sizeof(ord), "%zu", k);
		snprintf(bytes, sizeof(bytes), "%llu",
			 (unsigned long long)(is_log ? r->logs[j].bytes
						     : r->manifests[j].bytes));
		params[0] = r->id;
		params[1] = ord;
		params[2] = is_log ? "log" : "manifest";
		params[3] = is_log ? r->logs[j].name : r->manifests[j].source;
		params[4] = is_log ? r->logs[j].sha256 : r->manifests[j].sha256;
		params[5] = bytes;
		rc = ll_db_cmd(db, "cannot store the run's inputs", SQL, 6,
			       params, err);
	}
	return rc;
}

static enum ll_status insert_totals(struct ll_db *db, const struct ll_run *r,
				    struct ll_error *err)
{
	const struct ll_registry *reg = r->reg;
	enum ll_status rc = LL_OK;
	size_t i;

	for (i = 0; i < r->st.n_lic && rc == LL_OK; i++) {
		const struct ll_licence_total *lt = &r->st.lic[i];
		const struct ll_licence *lic = &reg->licences.v[lt->licence];
		char *exact = ll_exact_fraction_str(lt->exact);
		char minor[32];
		const char *params[6];

		if (!exact)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		snprintf(minor, sizeof(minor), "%lld", (long long)lt->minor);
		params[0] = r->id;
		params[1] = lic->id;
		params[2] = lic->licensor;
		params[3] = lic->currency;
		params[4] = exact;
		params[5] = minor;
		rc = ll_db_cmd(db, "cannot store a licence total",
			       "INSERT INTO ledgerline.run_licence (run_id, "
			       "licence, licensor, currency, exact, "
			       "amount_minor) VALUES ($1, $2, $3, $4, $5, "
			       "$6::bigint)",
			       6, params, err);
		free(exact);
	}
	for (i = 0; i < r->st.n_parties && rc == LL_OK; i++) {
		const struct ll_party_total *pt = &r->st.parties[i];
		char *exact = ll_exact_fraction_str(pt->exact);
		char minor[32];
		const char *params[5];

		if (!exact)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		snprintf(minor, sizeof(minor), "%lld", (long long)pt->minor);
		params[0] = r->id;
		params[1] = reg->licences.v[pt->licence].id;
		params[2] = reg->parties.v[pt->party].id;
		params[3] = exact;
		params[4] = minor;
		rc = ll_db_cmd(db, "cannot store a party total",
			       "INSERT INTO ledgerline.run_party (run_id, "
			       "licence, party, exact, amount_minor) VALUES "
			       "($1, $2, $3, $4, $5::bigint)",
			       5, params, err);
		free(exact);
	}
	for (i = 0; i < r->st.n_payouts && rc == LL_OK; i++) {
		const struct ll_payout *po = &r->st.payouts[i];
		const char *payee = reg->parties.v[po->payee].id;
		char minor[32], e2e[35];
		const char *params[5];

		snprintf(minor, sizeof(minor), "%lld", (long long)po->minor);
		ll_end_to_end_id(r->id, payee, po->currency, e2e);
		params[0] = r->id;
		params[1] = payee;
		params[2] = po->currency;
		params[3] = minor;
		params[4] = e2e;
		rc = ll_db_cmd(db, "cannot store a payout",
			       "INSERT INTO ledgerline.run_payout (run_id, "
			       "payee, currency, amount_minor, end_to_end_id) "
			       "VALUES ($1, $2, $3, $4::bigint, $5)",
			       5, params, err);
	}
	return rc;
}

enum ll_status ll_db_run_store(struct ll_db *db, const struct ll_run *r,
			       const char *run_json, const char *compliance,
			       struct ll_error *err)
{
	enum ll_status rc = insert_run(db, r, run_json, compliance, err);

	if (rc == LL_OK)
		rc = insert_inputs(db, r, err);
	if (rc == LL_OK)
		rc = insert_totals(db, r, err);
	if (rc == LL_OK)
		rc = copy_lines(db, r, err);
	return rc;
}

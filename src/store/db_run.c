/*
 * db_run.c — storing runs (db.h, "runs"): the part of the database module
 * that writes what a run computed.
 *
 * Design decision: the tables that grow with the catalogue (lines, party
 * totals, payouts) go in with COPY (one round trip per 64 KiB instead of
 * one per row); every other row is a parameterised INSERT.  All of it
 * happens inside the caller's transaction, so a run is stored whole or
 * not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/ident.h"
#include "ledgerline/run.h"
#include "ledgerline/runfiles.h"

#include "db_internal.h"

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

static enum ll_status copy_lines(struct ll_db *db, const struct ll_run *r,
				 struct ll_error *err)
{
	const struct ll_registry *reg = r->reg;
	struct ll_db_copy *c;
	enum ll_status rc;
	size_t i;

	/* binary: the server parses no text for the catalogue's lines */
	rc = ll_db_copy_begin_binary(db,
				     "COPY ledgerline.run_line (run_id, "
				     "licence, party, work, component, side, "
				     "exact, amount_minor) FROM STDIN WITH "
				     "(FORMAT binary)",
				     "cannot store the run's lines", &c, err);
	if (rc != LL_OK)
		return rc;
	for (i = 0; i < r->st.n_lines; i++) {
		const struct ll_line *l = &r->st.lines[i];
		char *exact = ll_exact_fraction_str(l->exact);

		if (!exact) {
			ll_db_copy_fail(c);
			break;
		}
		ll_db_copy_row(c, 8);
		ll_db_copy_text(c, r->id);
		ll_db_copy_text(c, reg->licences.v[l->licence].id);
		ll_db_copy_text(c, reg->parties.v[l->party].id);
		ll_db_copy_text(c, l->work >= 0 ? reg->works.v[l->work].id
						: NULL);
		ll_db_copy_text(c, ll_component_name(
					   (enum ll_component)l->component));
		ll_db_copy_text(c, l->side >= 0 ? ll_side_name(
							  (enum ll_side)l->side)
						: NULL);
		ll_db_copy_text(c, exact);
		ll_db_copy_int8(c, l->minor);
		free(exact);
	}
	return ll_db_copy_end(c, err);
}

static enum ll_status copy_parties(struct ll_db *db, const struct ll_run *r,
				   struct ll_error *err)
{
	const struct ll_registry *reg = r->reg;
	struct ll_db_copy *c;
	enum ll_status rc;
	size_t i;

	rc = ll_db_copy_begin(db,
			      "COPY ledgerline.run_party (run_id, licence, "
			      "party, exact, amount_minor) FROM STDIN",
			      "cannot store the run's party totals", &c, err);
	if (rc != LL_OK)
		return rc;
	for (i = 0; i < r->st.n_parties; i++) {
		const struct ll_party_total *pt = &r->st.parties[i];
		char *exact = ll_exact_fraction_str(pt->exact);
		char minor[32];

		if (!exact) {
			ll_db_copy_fail(c);
			break;
		}
		snprintf(minor, sizeof(minor), "%lld", (long long)pt->minor);
		ll_db_copy_field(c, r->id, 0);
		ll_db_copy_field(c, reg->licences.v[pt->licence].id, 0);
		ll_db_copy_field(c, reg->parties.v[pt->party].id, 0);
		ll_db_copy_field(c, exact, 0);
		ll_db_copy_field(c, minor, 1);
		free(exact);
	}
	return ll_db_copy_end(c, err);
}

/* What each payee earned in the run; its payments, and their end-to-end
 * ids, are per posting (ledgerline.payment): end_to_end_id stays NULL. */
static enum ll_status copy_payouts(struct ll_db *db, const struct ll_run *r,
				   struct ll_error *err)
{
	const struct ll_registry *reg = r->reg;
	struct ll_db_copy *c;
	enum ll_status rc;
	size_t i;

	rc = ll_db_copy_begin(db,
			      "COPY ledgerline.run_payout (run_id, payee, "
			      "currency, amount_minor, end_to_end_id) FROM "
			      "STDIN",
			      "cannot store a payout", &c, err);
	if (rc != LL_OK)
		return rc;
	for (i = 0; i < r->st.n_payouts; i++) {
		const struct ll_payout *po = &r->st.payouts[i];
		char minor[32];

		snprintf(minor, sizeof(minor), "%lld", (long long)po->minor);
		ll_db_copy_field(c, r->id, 0);
		ll_db_copy_field(c, reg->parties.v[po->payee].id, 0);
		ll_db_copy_field(c, po->currency, 0);
		ll_db_copy_field(c, minor, 0);
		ll_db_copy_field(c, NULL, 1);
	}
	return ll_db_copy_end(c, err);
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
	if (rc == LL_OK)
		rc = copy_parties(db, r, err);
	if (rc == LL_OK && r->st.n_payouts)
		rc = copy_payouts(db, r, err);
	return rc;
}

enum ll_status ll_db_run_store_inputs(struct ll_db *db,
				      const struct ll_run *r,
				      struct ll_error *err)
{
	return insert_inputs(db, r, err);
}

enum ll_status ll_db_run_store_rows(struct ll_db *db, const struct ll_run *r,
				    struct ll_error *err)
{
	enum ll_status rc = insert_totals(db, r, err);

	if (rc == LL_OK)
		rc = copy_lines(db, r, err);
	return rc;
}

enum ll_status ll_db_run_store(struct ll_db *db, const struct ll_run *r,
			       const char *run_json, const char *compliance,
			       struct ll_error *err)
{
	return insert_run(db, r, run_json, compliance, err);
}

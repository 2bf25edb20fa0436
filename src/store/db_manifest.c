/*
 * db_manifest.c — the training manifests a run judged, stored for
 * `disclose` (db.h, "training manifests").
 *
 * Design decision: a judgement is stored with the run that made it and
 * never changed; which judgement of a training run is current is decided
 * on reading, by the posting order (the run posted last wins), so a
 * restatement that judges the same manifests again replaces what
 * disclose counts without double counting it and without an UPDATE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/disclose.h"

#include "db_internal.h"

/* ---- store ------------------------------------------------------------ */

static enum ll_status insert_manifest(struct ll_db *db, const char *run_id,
				      const struct ll_disclose_run *dr,
				      struct ll_error *err)
{
	char ord[24], us[24], n[24];
	const char *params[9];

	snprintf(ord, sizeof(ord), "%zu", dr->ordinal);
	snprintf(us, sizeof(us), "%lld", (long long)dr->trained_at_us);
	snprintf(n, sizeof(n), "%zu", dr->n_items);
	params[0] = run_id;
	params[1] = ord;
	params[2] = dr->model;
	params[3] = dr->training_run;
	params[4] = dr->licensee;
	params[5] = dr->trained_at;
	params[6] = us;
	params[7] = dr->sha256;
	params[8] = n;
	return ll_db_cmd(db, "cannot store a training manifest",
			 "INSERT INTO ledgerline.run_manifest (run_id, ordinal, "
			 "model, training_run, licensee, trained_at, "
			 "trained_at_us, sha256, n_items) VALUES ($1, "
			 "$2::integer, $3, $4, $5, $6, $7::bigint, $8, "
			 "$9::integer)",
			 9, params, err);
}

static void copy_item(struct ll_db_copy *c, const char *run_id,
		      const char *ord, size_t k,
		      const struct ll_disclose_item *it)
{
	char item[24], ms[24];

	snprintf(item, sizeof(item), "%zu", k);
	snprintf(ms, sizeof(ms), "%lld", (long long)it->duration_ms);
	ll_db_copy_field(c, run_id, 0);
	ll_db_copy_field(c, ord, 0);
	ll_db_copy_field(c, item, 0);
	ll_db_copy_field(c, it->ref_isrc ? "isrc" : "work", 0);
	ll_db_copy_field(c, it->ref, 0);
	ll_db_copy_field(c, it->work, 0);
	ll_db_copy_field(c, ms, 0);
	ll_db_copy_field(c, ll_reason_name(it->reason), 0);
	ll_db_copy_field(c, it->licence, 0);
	ll_db_copy_field(c, it->licensor, 0);
	ll_db_copy_field(c, it->holders, 1);
}

static enum ll_status copy_items(struct ll_db *db, const char *run_id,
				 const struct ll_disclose_src *src,
				 struct ll_error *err)
{
	struct ll_db_copy *c;
	enum ll_status rc;
	size_t i, k;

	rc = ll_db_copy_begin(db,
			      "COPY ledgerline.run_manifest_item (run_id, "
			      "ordinal, item, ref_kind, ref, work, duration_ms, "
			      "judgement, licence, licensor, holders) FROM "
			      "STDIN",
			      "cannot store the training manifests' items", &c,
			      err);
	if (rc != LL_OK)
		return rc;
	for (i = 0; i < src->n_runs; i++) {
		const struct ll_disclose_run *dr = &src->runs[i];
		char ord[24];

		snprintf(ord, sizeof(ord), "%zu", dr->ordinal);
		for (k = 0; k < dr->n_items; k++)
			copy_item(c, run_id, ord, k, &dr->items[k]);
	}
	return ll_db_copy_end(c, err);
}

enum ll_status ll_db_manifests_store(struct ll_db *db, const char *run_id,
				     const struct ll_disclose_src *src,
				     struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	size_t i;

	for (i = 0; i < src->n_runs && rc == LL_OK; i++)
		rc = insert_manifest(db, run_id, &src->runs[i], err);
	if (rc == LL_OK && src->n_runs > 0)
		rc = copy_items(db, run_id, src, err);
	return rc;
}

/* ---- read ------------------------------------------------------------- */

enum ll_status ll_db_model_licensees(struct ll_db *db, const char *model,
				     char ***out, size_t *n,
				     struct ll_error *err)
{
	const char *params[1] = { model };
	PGresult *res = ll_db_exec(
		db, "cannot read the model's training runs",
		"SELECT DISTINCT licensee COLLATE \"C\" FROM "
		"ledgerline.run_manifest WHERE model = $1 ORDER BY 1",
		1, params, PGRES_TUPLES_OK, 1, err);
	char **v;
	int i, rows;

	*out = NULL;
	*n = 0;
	if (!res)
		return LL_DB;
	rows = PQntuples(res);
	v = calloc((size_t)rows + 1, sizeof(*v));
	for (i = 0; v && i < rows; i++) {
		v[i] = strdup(PQgetvalue(res, i, 0));
		if (!v[i])
			break;
	}
	PQclear(res);
	if (!v || i < rows) {
		while (v && i-- > 0)
			free(v[i]);
		free(v);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	*out = v;
	*n = (size_t)rows;
	return LL_OK;
}

/* The value at (row, col), a new string, or NULL for SQL NULL; *fail on
 * an allocation failure. */
static char *value_dup(const PGresult *res, int row, int col, bool *fail)
{
	char *s;

	if (PQgetisnull(res, row, col))
		return NULL;
	s = strdup(PQgetvalue(res, row, col));
	if (!s)
		*fail = true;
	return s;
}

static bool reason_parse(const char *s, enum ll_reason *out)
{
	int k;

	for (k = 0; k < LL_REASON_COUNT; k++) {
		if (strcmp(s, ll_reason_name((enum ll_reason)k)) == 0) {
			*out = (enum ll_reason)k;
			return true;
		}
	}
	return false;
}

static enum ll_status read_items(struct ll_db *db, const char *run_id,
				 const char *ord, struct ll_disclose_run *dr,
				 struct ll_error *err)
{
	const char *params[2] = { run_id, ord };
	PGresult *res = ll_db_exec(
		db, "cannot read a training manifest's items",
		"SELECT ref_kind, ref, work, duration_ms, judgement, licence, "
		"licensor, holders FROM ledgerline.run_manifest_item WHERE "
		"run_id = $1 AND ordinal = $2::integer ORDER BY item",
		2, params, PGRES_TUPLES_OK, 8, err);
	enum ll_status rc = LL_OK;
	bool fail = false;
	int i;

	if (!res)
		return LL_DB;
	if ((size_t)PQntuples(res) != dr->n_items)
		rc = ll_error_set(err, LL_DB, NULL, 0, NULL,
				  "run %s: manifest %s has %d stored items, "
				  "not %zu",
				  run_id, ord, PQntuples(res), dr->n_items);
	for (i = 0; rc == LL_OK && i < PQntuples(res); i++) {
		struct ll_disclose_item *it = &dr->items[i];

		it->ref_isrc = strcmp(PQgetvalue(res, i, 0), "isrc") == 0;
		it->ref = value_dup(res, i, 1, &fail);
		it->work = value_dup(res, i, 2, &fail);
		it->duration_ms = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		it->licence = value_dup(res, i, 5, &fail);
		it->licensor = value_dup(res, i, 6, &fail);
		it->holders = value_dup(res, i, 7, &fail);
		if (!reason_parse(PQgetvalue(res, i, 4), &it->reason))
			rc = ll_error_set(err, LL_DB, NULL, 0, "judgement",
					  "unknown judgement \"%.40s\"",
					  PQgetvalue(res, i, 4));
	}
	PQclear(res);
	if (rc == LL_OK && fail)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	return rc;
}

/* Row i of the chosen manifests into a new run of src, with its items. */
static enum ll_status read_manifest(struct ll_db *db, const PGresult *res,
				    int i, const char *model,
				    const char *licensee,
				    struct ll_disclose_src *src,
				    struct ll_error *err)
{
	size_t n_items = (size_t)strtoull(PQgetvalue(res, i, 6), NULL, 10);
	struct ll_disclose_run *dr = ll_disclose_src_add(src, n_items);
	bool fail = false;

	if (!dr)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	dr->ordinal = (size_t)strtoull(PQgetvalue(res, i, 1), NULL, 10);
	dr->model = strdup(model);
	dr->licensee = strdup(licensee);
	dr->training_run = value_dup(res, i, 2, &fail);
	dr->trained_at = value_dup(res, i, 3, &fail);
	dr->trained_at_us = strtoll(PQgetvalue(res, i, 4), NULL, 10);
	if (!dr->model || !dr->licensee || fail)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	if (ll_db_value(res, i, 5, "sha256", dr->sha256, sizeof(dr->sha256),
			err) != LL_OK)
		return LL_DB;
	return read_items(db, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			  dr, err);
}

enum ll_status ll_db_manifests_read(struct ll_db *db, const char *model,
				    const char *licensee,
				    struct ll_disclose_src *src,
				    char *last_update,
				    struct ll_error *err)
{
	const char *params[2] = { model, licensee };
	PGresult *res = ll_db_exec(
		db, "cannot read the model's training runs",
		"WITH last AS (SELECT run_id, max(posting_id) AS posting_id "
		"  FROM ledgerline.posting GROUP BY run_id), "
		"m AS (SELECT m.*, l.posting_id FROM ledgerline.run_manifest m "
		"  JOIN last l USING (run_id) "
		"  WHERE m.model = $1 AND m.licensee = $2), "
		"best AS (SELECT training_run, max(posting_id) AS posting_id "
		"  FROM m GROUP BY training_run) "
		"SELECT m.run_id, m.ordinal, m.training_run, m.trained_at, "
		"  m.trained_at_us, m.sha256, m.n_items, "
		"  to_char(p.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') "
		"FROM m JOIN best USING (training_run, posting_id) "
		"JOIN ledgerline.posting p USING (posting_id) "
		"ORDER BY m.trained_at_us, m.training_run COLLATE \"C\", "
		"  m.ordinal",
		2, params, PGRES_TUPLES_OK, 8, err);
	enum ll_status rc = LL_OK;
	int i;

	last_update[0] = '\0';
	if (!res)
		return LL_DB;
	for (i = 0; i < PQntuples(res) && rc == LL_OK; i++) {
		const char *day = PQgetvalue(res, i, 7);

		if (strcmp(day, last_update) > 0)
			ll_str_copy_cut(last_update, 11, day);
		rc = read_manifest(db, res, i, model, licensee, src, err);
	}
	PQclear(res);
	return rc;
}

/*
 * db_lines.c — reading a stored run's lines back (db.h, "a stored run's
 * lines"), for the statements of a restatement: each line of the posting
 * it supersedes is shown beside the line that replaces it.
 *
 * Design decision: lines are read by id and name, as stored, and sorted
 * by the database in byte order (COLLATE "C"), so the order does not
 * depend on the server's locale and a line whose work or licence the
 * registry no longer has still reads.
 */
#include <stdlib.h>
#include <string.h>

#include "ledgerline/run.h"

#include "db_internal.h"

static const char SQL_LINES[] =
	"SELECT l.party, l.licence, coalesce(l.work, ''), l.component, "
	"coalesce(l.side, ''), c.currency, l.amount_minor "
	"FROM ledgerline.run_line l JOIN ledgerline.run_licence c "
	"USING (run_id, licence) WHERE l.run_id = $1 "
	"ORDER BY l.party COLLATE \"C\", l.licence COLLATE \"C\", "
	"coalesce(l.work, '') COLLATE \"C\", l.component COLLATE \"C\", "
	"coalesce(l.side, '') COLLATE \"C\"";

/* Row i of res into *l.  LL_DB with err when a value does not fit. */
static enum ll_status read_line(const PGresult *res, int i,
				struct ll_run_line *l, struct ll_error *err)
{
	char *end = NULL;

	if (ll_db_value(res, i, 0, "party", l->party, sizeof(l->party),
			err) != LL_OK ||
	    ll_db_value(res, i, 1, "licence", l->licence, sizeof(l->licence),
			err) != LL_OK ||
	    ll_db_value(res, i, 2, "work", l->work, sizeof(l->work), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 3, "component", l->component,
			sizeof(l->component), err) != LL_OK ||
	    ll_db_value(res, i, 4, "side", l->side, sizeof(l->side), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 5, "currency", l->currency,
			sizeof(l->currency), err) != LL_OK)
		return LL_DB;
	l->minor = strtoll(PQgetvalue(res, i, 6), &end, 10);
	if (!end || *end != '\0')
		return ll_error_set(err, LL_DB, NULL, 0, "amount_minor",
				    "not an integer: \"%.40s\"",
				    PQgetvalue(res, i, 6));
	return LL_OK;
}

enum ll_status ll_db_run_lines(struct ll_db *db, const char *run_id,
			       struct ll_run_line **lines, size_t *n,
			       struct ll_error *err)
{
	const char *params[1] = { run_id };
	enum ll_status rc = LL_OK;
	PGresult *res;
	int i, rows;

	*lines = NULL;
	*n = 0;
	res = ll_db_exec(db, "cannot read a run's lines", SQL_LINES, 1,
			 params, PGRES_TUPLES_OK, 7, err);
	if (!res)
		return LL_DB;
	rows = PQntuples(res);
	*lines = calloc((size_t)rows + 1, sizeof(**lines));
	if (!*lines) {
		PQclear(res);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	for (i = 0; i < rows && rc == LL_OK; i++)
		rc = read_line(res, i, &(*lines)[i], err);
	PQclear(res);
	if (rc != LL_OK) {
		ll_db_run_lines_free(*lines, (size_t)rows);
		*lines = NULL;
		return rc;
	}
	*n = (size_t)rows;
	return LL_OK;
}

void ll_db_run_lines_free(struct ll_run_line *lines, size_t n)
{
	(void)n; /* the lines own nothing */
	free(lines);
}

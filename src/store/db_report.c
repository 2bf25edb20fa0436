/*
 * db_report.c — a party's earnings report read from the ledger
 * (db_report.h): its name, its lines in force, its account step by step,
 * what each restatement changed of its lines, and its parts of payments,
 * in one read-only snapshot.
 *
 * Design decision: only relations a party login may read are queried
 * (registry_record, posting, run, run_line, journal_entry, journal_line,
 * account, and the party_payment view of sql/011), and each query names
 * the party itself rather than trusting row-level security to filter,
 * so the application role and the party's own login read the same rows.
 * A line's currency is its licence's, taken from the party's own
 * journal lines of that posting (run_licence is not the party's to
 * read); a licence under which the party earned nothing at all posted
 * no line for it and is left out.
 */
#include <stdlib.h>
#include <string.h>

#include "ledgerline/db_report.h"

#include "db_internal.h"

static const char SQL_PARTY[] =
	"SELECT coalesce(body->>'name', '') FROM ledgerline.registry_record "
	"WHERE kind = 'party' AND id = $1 ORDER BY version DESC LIMIT 1";

static const char SQL_LINES[] =
	"WITH inforce AS (SELECT p.posting_id, p.run_id, p.licensee, "
	"p.period_first, p.period_last, r.period_label "
	"FROM ledgerline.posting p JOIN ledgerline.run r ON r.run_id = p.run_id "
	"WHERE NOT EXISTS (SELECT 1 FROM ledgerline.posting s "
	"WHERE s.supersedes = p.posting_id)), "
	"cur AS (SELECT DISTINCT e.posting_id, e.licence, l.currency "
	"FROM ledgerline.journal_entry e JOIN ledgerline.journal_line l "
	"ON l.entry_id = e.entry_id WHERE e.kind = 'posting' AND l.party = $1), "
	"works AS (SELECT DISTINCT ON (id) id, coalesce(body->>'isrc', '') "
	"AS isrc, coalesce(body->>'title', '') AS title "
	"FROM ledgerline.registry_record WHERE kind = 'work' AND "
	"jsonb_path_exists(body, '$.splits.*[*].party ? (@ == $p)', "
	"jsonb_build_object('p', $1::text)) ORDER BY id, version DESC) "
	"SELECT i.period_label, i.period_first::text, i.period_last::text, "
	"i.licensee, x.licence, coalesce(x.work, ''), coalesce(w.isrc, ''), "
	"coalesce(w.title, ''), x.component, coalesce(x.side, ''), "
	"c.currency, x.amount_minor "
	"FROM ledgerline.run_line x JOIN inforce i ON i.run_id = x.run_id "
	"JOIN cur c ON c.posting_id = i.posting_id AND c.licence = x.licence "
	"LEFT JOIN works w ON w.id = x.work WHERE x.party = $1 "
	"ORDER BY i.period_first, i.period_last, i.licensee COLLATE \"C\", "
	"c.currency COLLATE \"C\", coalesce(x.work, '') COLLATE \"C\", "
	"x.component COLLATE \"C\", coalesce(x.side, '') COLLATE \"C\", "
	"x.licence COLLATE \"C\"";

static const char SQL_EVENTS[] =
	"SELECT e.posting_id, p.licensee, r.period_label, "
	"p.period_first::text, p.period_last::text, "
	"(p.supersedes IS NOT NULL)::int, bool_or(e.kind = 'payment_return')"
	"::int, l.currency, "
	"coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'posting'), 0), "
	"coalesce(sum(l.amount_minor) FILTER (WHERE e.kind = 'reversal'), 0), "
	"coalesce(-sum(l.amount_minor) FILTER (WHERE e.kind = 'payment'), 0), "
	"coalesce(sum(l.amount_minor) FILTER "
	"(WHERE e.kind = 'payment_return'), 0), "
	"to_char(min(CASE WHEN e.kind = 'payment_return' THEN e.created_at "
	"ELSE p.posted_at END) AT TIME ZONE 'UTC', 'YYYY-MM-DD') "
	"FROM ledgerline.journal_line l "
	"JOIN ledgerline.account a ON a.account_id = l.account_id "
	"JOIN ledgerline.journal_entry e ON e.entry_id = l.entry_id "
	"JOIN ledgerline.posting p ON p.posting_id = e.posting_id "
	"JOIN ledgerline.run r ON r.run_id = p.run_id "
	"WHERE a.party = $1 AND a.kind IN ('party_receivable', "
	"'unallocated_receivable') "
	"GROUP BY e.posting_id, p.licensee, r.period_label, p.period_first, "
	"p.period_last, p.supersedes, CASE WHEN e.kind = 'payment_return' "
	"THEN e.entry_id END, l.currency "
	"ORDER BY min(e.entry_id), l.currency COLLATE \"C\"";

/* What each restatement changed of the party's lines: the lines of the
 * restating posting's run against those of the superseded posting's,
 * where they differ. */
static const char SQL_ADJUSTMENTS[] =
	"WITH cur AS (SELECT DISTINCT e.posting_id, e.licence, l.currency "
	"FROM ledgerline.journal_entry e JOIN ledgerline.journal_line l "
	"ON l.entry_id = e.entry_id WHERE e.kind = 'posting' AND l.party = $1), "
	"pairs AS (SELECT p.posting_id, p.run_id AS new_run, "
	"s.posting_id AS old_posting, s.run_id AS old_run, p.licensee, "
	"r.period_label, p.period_first, p.period_last, p.posted_at "
	"FROM ledgerline.posting p JOIN ledgerline.run r ON r.run_id = p.run_id "
	"LEFT JOIN ledgerline.posting s ON s.posting_id = p.supersedes "
	"WHERE p.supersedes IS NOT NULL), "
	"d AS (SELECT pr.posting_id, x.licence, coalesce(x.work, '') AS work, "
	"x.component, coalesce(x.side, '') AS side, c.currency, "
	"0::bigint AS previous, x.amount_minor AS now FROM pairs pr "
	"JOIN ledgerline.run_line x ON x.run_id = pr.new_run AND x.party = $1 "
	"JOIN cur c ON c.posting_id = pr.posting_id AND c.licence = x.licence "
	"UNION ALL SELECT pr.posting_id, x.licence, coalesce(x.work, ''), "
	"x.component, coalesce(x.side, ''), c.currency, x.amount_minor, 0 "
	"FROM pairs pr "
	"JOIN ledgerline.run_line x ON x.run_id = pr.old_run AND x.party = $1 "
	"JOIN cur c ON c.posting_id = pr.old_posting AND c.licence = x.licence), "
	"works AS (SELECT DISTINCT ON (id) id, coalesce(body->>'isrc', '') "
	"AS isrc, coalesce(body->>'title', '') AS title "
	"FROM ledgerline.registry_record WHERE kind = 'work' AND "
	"jsonb_path_exists(body, '$.splits.*[*].party ? (@ == $p)', "
	"jsonb_build_object('p', $1::text)) ORDER BY id, version DESC) "
	"SELECT pr.period_label, pr.period_first::text, pr.period_last::text, "
	"pr.licensee, d.posting_id, "
	"to_char(pr.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), d.licence, "
	"d.work, coalesce(w.isrc, ''), coalesce(w.title, ''), d.component, "
	"d.side, d.currency, sum(d.previous), sum(d.now) "
	"FROM d JOIN pairs pr ON pr.posting_id = d.posting_id "
	"LEFT JOIN works w ON w.id = d.work "
	"GROUP BY pr.period_label, pr.period_first, pr.period_last, "
	"pr.licensee, d.posting_id, pr.posted_at, d.licence, d.work, w.isrc, "
	"w.title, d.component, d.side, d.currency "
	"HAVING sum(d.previous) <> sum(d.now) "
	"ORDER BY d.posting_id, d.currency COLLATE \"C\", "
	"d.work COLLATE \"C\", d.component COLLATE \"C\", "
	"d.side COLLATE \"C\", d.licence COLLATE \"C\"";

static const char SQL_PAYMENTS[] =
	"SELECT v.end_to_end_id, v.payee, v.currency, v.amount_minor, "
	"v.returned::int, v.posting_id, p.licensee, r.period_label, "
	"p.period_first::text, p.period_last::text "
	"FROM ledgerline.party_payment v "
	"JOIN ledgerline.posting p ON p.posting_id = v.posting_id "
	"JOIN ledgerline.run r ON r.run_id = p.run_id WHERE v.party = $1 "
	"ORDER BY v.posting_id, v.currency COLLATE \"C\", "
	"v.end_to_end_id COLLATE \"C\"";

/* The integer at (row, col) of res into *v. */
static enum ll_status int_at(const PGresult *res, int row, int col,
			     const char *column, int64_t *v,
			     struct ll_error *err)
{
	const char *s = PQgetvalue(res, row, col);
	char *end = NULL;

	*v = strtoll(s, &end, 10);
	if (!s[0] || !end || *end != '\0')
		return ll_error_set(err, LL_DB, NULL, 0, column,
				    "not an integer: \"%.40s\"", s);
	return LL_OK;
}

static enum ll_status read_name(struct ll_db *db, const char *party,
				struct ll_report *r, struct ll_error *err)
{
	const char *params[1] = { party };
	enum ll_status rc;
	PGresult *res;

	res = ll_db_exec(db, "cannot look the party up", SQL_PARTY, 1, params,
			 PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return ll_error_set(err, LL_INVALID, NULL, 0, "--party",
				    "unknown party \"%s\"", party);
	}
	rc = ll_db_value(res, 0, 0, "name", r->name, sizeof(r->name), err);
	PQclear(res);
	if (rc == LL_OK && !ll_str_copy(r->party, sizeof(r->party), party))
		rc = ll_error_set(err, LL_INVALID, NULL, 0, "--party",
				  "party id too long");
	return rc;
}

static enum ll_status read_line(const PGresult *res, int i,
				struct ll_report_line *l, struct ll_error *err)
{
	if (ll_db_value(res, i, 0, "period_label", l->period,
			sizeof(l->period), err) != LL_OK ||
	    ll_db_value(res, i, 1, "period_first", l->first, sizeof(l->first),
			err) != LL_OK ||
	    ll_db_value(res, i, 2, "period_last", l->last, sizeof(l->last),
			err) != LL_OK ||
	    ll_db_value(res, i, 3, "licensee", l->licensee,
			sizeof(l->licensee), err) != LL_OK ||
	    ll_db_value(res, i, 4, "licence", l->licence, sizeof(l->licence),
			err) != LL_OK ||
	    ll_db_value(res, i, 5, "work", l->work, sizeof(l->work), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 6, "isrc", l->isrc, sizeof(l->isrc), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 7, "title", l->title, sizeof(l->title), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 8, "component", l->component,
			sizeof(l->component), err) != LL_OK ||
	    ll_db_value(res, i, 9, "side", l->side, sizeof(l->side), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 10, "currency", l->currency,
			sizeof(l->currency), err) != LL_OK)
		return LL_DB;
	return int_at(res, i, 11, "amount_minor", &l->amount, err);
}

static enum ll_status read_event(const PGresult *res, int i,
				 struct ll_report_event *e,
				 struct ll_error *err)
{
	int64_t restated = 0, ret = 0;

	if (int_at(res, i, 0, "posting_id", &e->posting_id, err) != LL_OK ||
	    ll_db_value(res, i, 1, "licensee", e->licensee,
			sizeof(e->licensee), err) != LL_OK ||
	    ll_db_value(res, i, 2, "period_label", e->period,
			sizeof(e->period), err) != LL_OK ||
	    ll_db_value(res, i, 3, "period_first", e->first, sizeof(e->first),
			err) != LL_OK ||
	    ll_db_value(res, i, 4, "period_last", e->last, sizeof(e->last),
			err) != LL_OK ||
	    int_at(res, i, 5, "supersedes", &restated, err) != LL_OK ||
	    int_at(res, i, 6, "kind", &ret, err) != LL_OK ||
	    ll_db_value(res, i, 7, "currency", e->currency,
			sizeof(e->currency), err) != LL_OK ||
	    int_at(res, i, 8, "earned", &e->earned, err) != LL_OK ||
	    int_at(res, i, 9, "adjustments", &e->adjustments, err) != LL_OK ||
	    int_at(res, i, 10, "payments", &e->payments, err) != LL_OK ||
	    int_at(res, i, 11, "returned", &e->returned, err) != LL_OK ||
	    ll_db_value(res, i, 12, "date", e->made, sizeof(e->made), err) !=
		    LL_OK)
		return LL_DB;
	e->kind = ret ? LL_REPORT_RETURN
		      : restated ? LL_REPORT_RESTATEMENT : LL_REPORT_POSTING;
	return LL_OK;
}

static enum ll_status read_payment(const PGresult *res, int i,
				   struct ll_report_payment *p,
				   struct ll_error *err)
{
	int64_t returned = 0;

	if (ll_db_value(res, i, 0, "end_to_end_id", p->end_to_end_id,
			sizeof(p->end_to_end_id), err) != LL_OK ||
	    ll_db_value(res, i, 1, "payee", p->payee, sizeof(p->payee), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 2, "currency", p->currency,
			sizeof(p->currency), err) != LL_OK ||
	    int_at(res, i, 3, "amount_minor", &p->amount, err) != LL_OK ||
	    int_at(res, i, 4, "returned", &returned, err) != LL_OK ||
	    int_at(res, i, 5, "posting_id", &p->posting_id, err) != LL_OK ||
	    ll_db_value(res, i, 6, "licensee", p->licensee,
			sizeof(p->licensee), err) != LL_OK ||
	    ll_db_value(res, i, 7, "period_label", p->period,
			sizeof(p->period), err) != LL_OK ||
	    ll_db_value(res, i, 8, "period_first", p->first, sizeof(p->first),
			err) != LL_OK ||
	    ll_db_value(res, i, 9, "period_last", p->last, sizeof(p->last),
			err) != LL_OK)
		return LL_DB;
	p->returned = returned != 0;
	return LL_OK;
}

static enum ll_status read_adjustment(const PGresult *res, int i,
				      struct ll_report_adjustment *a,
				      struct ll_error *err)
{
	if (ll_db_value(res, i, 0, "period_label", a->period,
			sizeof(a->period), err) != LL_OK ||
	    ll_db_value(res, i, 1, "period_first", a->first, sizeof(a->first),
			err) != LL_OK ||
	    ll_db_value(res, i, 2, "period_last", a->last, sizeof(a->last),
			err) != LL_OK ||
	    ll_db_value(res, i, 3, "licensee", a->licensee,
			sizeof(a->licensee), err) != LL_OK ||
	    int_at(res, i, 4, "posting_id", &a->posting_id, err) != LL_OK ||
	    ll_db_value(res, i, 5, "date", a->made, sizeof(a->made), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 6, "licence", a->licence, sizeof(a->licence),
			err) != LL_OK ||
	    ll_db_value(res, i, 7, "work", a->work, sizeof(a->work), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 8, "isrc", a->isrc, sizeof(a->isrc), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 9, "title", a->title, sizeof(a->title), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 10, "component", a->component,
			sizeof(a->component), err) != LL_OK ||
	    ll_db_value(res, i, 11, "side", a->side, sizeof(a->side), err) !=
		    LL_OK ||
	    ll_db_value(res, i, 12, "currency", a->currency,
			sizeof(a->currency), err) != LL_OK ||
	    int_at(res, i, 13, "previous", &a->previous, err) != LL_OK)
		return LL_DB;
	return int_at(res, i, 14, "now", &a->now, err);
}

/* Which rows a query reads, and into which array of r. */
enum what { LINES, EVENTS, PAYMENTS, ADJUSTMENTS };

static enum ll_status read_rows(struct ll_db *db, const char *party,
				enum what w, struct ll_report *r,
				struct ll_error *err)
{
	static const char *const sql[] = { SQL_LINES, SQL_EVENTS,
					   SQL_PAYMENTS, SQL_ADJUSTMENTS };
	static const int cols[] = { 12, 13, 10, 15 };
	const char *params[1] = { party };
	enum ll_status rc = LL_OK;
	PGresult *res;
	int i, rows;

	res = ll_db_exec(db, "cannot read the report", sql[w], 1, params,
			 PGRES_TUPLES_OK, cols[w], err);
	if (!res)
		return LL_DB;
	rows = PQntuples(res);
	for (i = 0; i < rows && rc == LL_OK; i++) {
		void *e = w == LINES ? (void *)ll_report_add_line(r)
			: w == EVENTS ? (void *)ll_report_add_event(r)
			: w == PAYMENTS ? (void *)ll_report_add_payment(r)
					: (void *)ll_report_add_adjustment(r);

		if (!e)
			rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory");
		else if (w == LINES)
			rc = read_line(res, i, e, err);
		else if (w == EVENTS)
			rc = read_event(res, i, e, err);
		else if (w == PAYMENTS)
			rc = read_payment(res, i, e, err);
		else
			rc = read_adjustment(res, i, e, err);
	}
	PQclear(res);
	return rc;
}

enum ll_status ll_db_report_read(struct ll_db *db, const char *party,
				 struct ll_report *r, struct ll_error *err)
{
	enum ll_status rc;

	/* one snapshot: the steps, lines and payments of the same ledger */
	rc = ll_db_cmd(db, "cannot begin a read-only transaction",
		       "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
		       NULL, err);
	if (rc != LL_OK)
		return rc;
	rc = read_name(db, party, r, err);
	if (rc == LL_OK)
		rc = read_rows(db, party, LINES, r, err);
	if (rc == LL_OK)
		rc = read_rows(db, party, EVENTS, r, err);
	if (rc == LL_OK)
		rc = read_rows(db, party, PAYMENTS, r, err);
	if (rc == LL_OK)
		rc = read_rows(db, party, ADJUSTMENTS, r, err);
	if (rc == LL_OK)
		return ll_db_cmd(db, "cannot end the read-only transaction",
				 "COMMIT", 0, NULL, err);
	{
		struct ll_error ignored;

		/* the first error is the one to report */
		ll_error_clear(&ignored);
		(void)ll_db_cmd(db, "cannot roll back", "ROLLBACK", 0, NULL,
				&ignored);
	}
	return rc;
}

/*
 * db_delivery.c — the outbox of `ledgerline deliver` (db.h, "the outbox
 * of deliver"; sql/010_delivery.sql).
 *
 * Design decision: these functions run outside any transaction, each
 * statement committed by itself, so that an attempt is on record before
 * its request leaves and its outcome as soon as it is known; a deliver
 * killed at any point leaves at worst an attempt without an outcome (in
 * doubt), never an acknowledgement lost.  The state of a delivery is read
 * from its latest attempt; nothing is ever updated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"

#include "db_internal.h"

/* An arbitrary constant naming deliver's session lock. */
static const char LOCK_DELIVER[] = "7318350511402730010";

static const char ITEMS_SQL[] =
	"WITH RECURSIVE num(posting_id, n) AS ("
	" SELECT posting_id, 1 FROM ledgerline.posting WHERE supersedes IS NULL"
	" UNION ALL"
	" SELECT p.posting_id, num.n + 1 FROM ledgerline.posting p"
	"  JOIN num ON p.supersedes = num.posting_id),"
	" latest AS ("
	" SELECT DISTINCT ON (a.webhook_id) a.webhook_id, a.attempt, a.url,"
	"  a.owner, a.owner_version, o.outcome, o.http_status, o.error,"
	"  (extract(epoch FROM o.next_attempt_at) * 1000)::bigint AS next_ms"
	"  FROM ledgerline.delivery_attempt a"
	"  LEFT JOIN ledgerline.delivery_outcome o USING (webhook_id, attempt)"
	"  ORDER BY a.webhook_id, a.attempt DESC)"
	" SELECT s.posting_id, num.n, p.run_id, s.party,"
	"  d.webhook_id IS NOT NULL, coalesce(l.attempt, 0),"
	"  l.attempt IS NOT NULL AND l.outcome IS NULL,"
	"  coalesce(l.outcome, ''), coalesce(l.url, ''), coalesce(l.owner, ''),"
	"  coalesce(l.owner_version, 0), coalesce(l.http_status, 0),"
	"  coalesce(l.error, ''), coalesce(l.next_ms, 0),"
	"  l.outcome IS NOT DISTINCT FROM 'delivered'"
	" FROM ledgerline.posting_statement s"
	" JOIN ledgerline.posting p USING (posting_id)"
	" JOIN num USING (posting_id)"
	" LEFT JOIN ledgerline.delivery d"
	"  ON d.posting_id = s.posting_id AND d.party = s.party"
	" LEFT JOIN latest l ON l.webhook_id = d.webhook_id"
	" WHERE $1::text IS NULL OR p.run_id = $1"
	" ORDER BY s.posting_id, s.party";

enum { ITEMS_COLS = 15 };

void ll_db_delivery_items_free(struct ll_delivery_item *items, size_t n)
{
	size_t i;

	for (i = 0; items && i < n; i++) {
		free(items[i].run_id);
		free(items[i].party);
		free(items[i].last_outcome);
		free(items[i].last_url);
		free(items[i].last_owner);
		free(items[i].last_error);
	}
	free(items);
}

/* Fill it from row r of res; false when out of memory. */
static bool item_from_row(struct ll_delivery_item *it, const PGresult *res,
			  int r)
{
	it->posting_id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
	it->posting = strtoll(PQgetvalue(res, r, 1), NULL, 10);
	it->run_id = strdup(PQgetvalue(res, r, 2));
	it->party = strdup(PQgetvalue(res, r, 3));
	it->queued = PQgetvalue(res, r, 4)[0] == 't';
	it->attempts = (int)strtol(PQgetvalue(res, r, 5), NULL, 10);
	it->in_doubt = PQgetvalue(res, r, 6)[0] == 't';
	it->last_outcome = strdup(PQgetvalue(res, r, 7));
	it->last_url = strdup(PQgetvalue(res, r, 8));
	it->last_owner = strdup(PQgetvalue(res, r, 9));
	it->last_owner_version = (int)strtol(PQgetvalue(res, r, 10), NULL, 10);
	it->last_status = (int)strtol(PQgetvalue(res, r, 11), NULL, 10);
	it->last_error = strdup(PQgetvalue(res, r, 12));
	it->next_ms = strtoll(PQgetvalue(res, r, 13), NULL, 10);
	return it->run_id && it->party && it->last_outcome && it->last_url &&
	       it->last_owner && it->last_error;
}

enum ll_status ll_db_delivery_items(struct ll_db *db, const char *run_id,
				    struct ll_delivery_item **items, size_t *n,
				    int64_t *delivered, struct ll_error *err)
{
	const char *params[1] = { run_id };
	struct ll_delivery_item *v;
	PGresult *res;
	int i, rows;
	size_t k = 0;
	bool ok = true;

	*items = NULL;
	*n = 0;
	*delivered = 0;
	res = ll_db_exec(db, "cannot read the statements to deliver", ITEMS_SQL,
			 1, params, PGRES_TUPLES_OK, ITEMS_COLS, err);
	if (!res)
		return LL_DB;
	rows = PQntuples(res);
	v = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*v));
	for (i = 0; v && ok && i < rows; i++) {
		if (PQgetvalue(res, i, 14)[0] == 't') {
			(*delivered)++;
			continue;
		}
		ok = item_from_row(&v[k++], res, i);
	}
	PQclear(res);
	if (!v || !ok) {
		ll_db_delivery_items_free(v, k);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	*items = v;
	*n = k;
	return LL_OK;
}

enum ll_status ll_db_delivery_envelope(struct ll_db *db, int64_t posting_id,
				       const char *party, char **envelope,
				       struct ll_error *err)
{
	char pid[32];
	const char *params[2] = { pid, party };
	PGresult *res;

	*envelope = NULL;
	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	res = ll_db_exec(db, "cannot read a statement",
			 "SELECT envelope FROM ledgerline.posting_statement "
			 "WHERE posting_id = $1::bigint AND party = $2",
			 2, params, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	if (PQntuples(res) == 1)
		*envelope = strdup(PQgetvalue(res, 0, 0));
	else {
		PQclear(res);
		return ll_error_set(err, LL_DB, NULL, 0, NULL,
				    "the statement of \"%s\" in posting %s is "
				    "not in the ledger",
				    party, pid);
	}
	PQclear(res);
	if (!*envelope)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	return LL_OK;
}

enum ll_status ll_db_delivery_disabled(struct ll_db *db, const char *url,
				       const char *owner, int owner_version,
				       bool *disabled, struct ll_error *err)
{
	char ver[16];
	const char *params[3] = { url, owner, ver };
	PGresult *res;

	snprintf(ver, sizeof(ver), "%d", owner_version);
	res = ll_db_exec(db, "cannot read the disabled endpoints",
			 "SELECT EXISTS (SELECT 1 FROM "
			 "ledgerline.delivery_endpoint_disabled WHERE url = $1 "
			 "AND owner = $2 AND owner_version = $3::integer)",
			 3, params, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	*disabled = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return LL_OK;
}

enum ll_status ll_db_delivery_lock(struct ll_db *db, bool *taken,
				   struct ll_error *err)
{
	const char *params[1] = { LOCK_DELIVER };
	PGresult *res = ll_db_exec(db, "cannot take the deliver lock",
				   "SELECT pg_try_advisory_lock($1::bigint)", 1,
				   params, PGRES_TUPLES_OK, 1, err);

	if (!res)
		return LL_DB;
	*taken = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return LL_OK;
}

enum ll_status ll_db_delivery_queue(struct ll_db *db, const char *webhook_id,
				    int64_t posting_id, const char *party,
				    struct ll_error *err)
{
	char pid[32];
	const char *params[3] = { webhook_id, pid, party };

	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	return ll_db_cmd(db, "cannot queue a delivery",
			 "INSERT INTO ledgerline.delivery (webhook_id, "
			 "posting_id, party) VALUES ($1, $2::bigint, $3) "
			 "ON CONFLICT DO NOTHING",
			 3, params, err);
}

enum ll_status ll_db_delivery_begin(struct ll_db *db,
				    const struct ll_delivery_attempt *a,
				    struct ll_error *err)
{
	char attempt[16], ver[16], ts[32];
	const char *params[6] = { a->webhook_id, attempt, a->url, a->owner,
				  ver, ts };

	snprintf(attempt, sizeof(attempt), "%d", a->attempt);
	snprintf(ver, sizeof(ver), "%d", a->owner_version);
	snprintf(ts, sizeof(ts), "%lld", (long long)a->timestamp);
	return ll_db_cmd(db, "cannot record a delivery attempt",
			 "INSERT INTO ledgerline.delivery_attempt (webhook_id, "
			 "attempt, url, owner, owner_version, "
			 "webhook_timestamp) VALUES ($1, $2::integer, $3, $4, "
			 "$5::integer, $6::bigint)",
			 6, params, err);
}

enum ll_status ll_db_delivery_finish(struct ll_db *db, const char *webhook_id,
				     int attempt,
				     const struct ll_delivery_result *r,
				     struct ll_error *err)
{
	char num[16], status[16], after[32], next[32];
	const char *params[9] = { webhook_id, num, r->outcome,
				  r->http_status ? status : NULL,
				  r->error, r->retry_after_ms >= 0 ? after : NULL,
				  r->next_ms >= 0 ? next : NULL, r->seal,
				  r->seal_key_id };

	snprintf(num, sizeof(num), "%d", attempt);
	snprintf(status, sizeof(status), "%d", r->http_status);
	snprintf(after, sizeof(after), "%lld",
		 (long long)(r->retry_after_ms / 1000));
	snprintf(next, sizeof(next), "%lld", (long long)r->next_ms);
	return ll_db_cmd(db, "cannot record a delivery outcome",
			 "INSERT INTO ledgerline.delivery_outcome (webhook_id, "
			 "attempt, outcome, http_status, error, retry_after_s, "
			 "next_attempt_at, seal, seal_key_id) VALUES ($1, "
			 "$2::integer, $3, $4::integer, $5, $6::bigint, "
			 "to_timestamp($7::bigint / 1000.0), $8, $9)",
			 9, params, err);
}

/*
 * db_checkpoint.c — the ledger's figures a checkpoint signs, and the
 * stored checkpoints (db.h, "checkpoints").
 *
 * Design decision: the figures are read inside the posting's own
 * transaction, after its journal entries went in and while the journal
 * lock ll_db_post_run took is still held, so the entry count and chain
 * head are exactly the ledger's state after this posting and no other
 * writer can slip an entry in before the checkpoint is stored with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"

#include "db_internal.h"

static const char GENESIS_HEAD[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/* Which posting of its period posting_id is: 1 + the length of the chain
 * of postings it supersedes. */
static enum ll_status posting_number(struct ll_db *db, const char *pid,
				     int64_t *posting, struct ll_error *err)
{
	const char *params[1] = { pid };
	PGresult *res = ll_db_exec(
		db, "cannot count the period's postings",
		"WITH RECURSIVE chain(posting_id, supersedes) AS ("
		" SELECT posting_id, supersedes FROM ledgerline.posting"
		"  WHERE posting_id = $1::bigint"
		" UNION ALL"
		" SELECT p.posting_id, p.supersedes FROM ledgerline.posting p"
		"  JOIN chain c ON p.posting_id = c.supersedes)"
		" SELECT count(*) FROM chain",
		1, params, PGRES_TUPLES_OK, 1, err);

	if (!res)
		return LL_DB;
	*posting = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (*posting < 1)
		return ll_error_set(err, LL_DB, NULL, 0, NULL,
				    "posting %s is not in the ledger", pid);
	return LL_OK;
}

/* The number of journal entries and the hash of the last one (all zeros
 * for an empty journal). */
static enum ll_status journal_state(struct ll_db *db, int64_t *entries,
				    char head[LL_SHA256_HEX_LEN + 1], struct ll_error *err)
{
	PGresult *res = ll_db_exec(
		db, "cannot read the journal head",
		"SELECT (SELECT count(*) FROM ledgerline.journal_entry),"
		" (SELECT hash FROM ledgerline.journal_entry"
		"  ORDER BY entry_id DESC LIMIT 1)",
		0, NULL, PGRES_TUPLES_OK, 2, err);
	bool ok;

	if (!res)
		return LL_DB;
	*entries = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	ok = ll_str_copy(head, LL_SHA256_HEX_LEN + 1,
			 PQgetisnull(res, 0, 1) ? GENESIS_HEAD
						: PQgetvalue(res, 0, 1));
	PQclear(res);
	if (!ok)
		return ll_error_set(err, LL_DB, NULL, 0, NULL,
				    "the journal head is not a SHA-256");
	return LL_OK;
}

enum ll_status ll_db_posting_number(struct ll_db *db, int64_t posting_id,
				    int64_t *posting, struct ll_error *err)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	return posting_number(db, pid, posting, err);
}

enum ll_status ll_db_checkpoint_figures(struct ll_db *db, int64_t posting_id,
					int64_t *posting, int64_t *entries,
					char head[LL_SHA256_HEX_LEN + 1], struct ll_error *err)
{
	char pid[32];
	enum ll_status rc;

	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	rc = posting_number(db, pid, posting, err);
	if (rc == LL_OK)
		rc = journal_state(db, entries, head, err);
	return rc;
}

enum ll_status ll_db_store_checkpoint(struct ll_db *db, int64_t posting_id,
				      const char *sha256, const char *envelope,
				      struct ll_error *err)
{
	char pid[32];
	const char *params[3] = { pid, sha256, envelope };

	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	return ll_db_cmd(db, "cannot store the checkpoint",
			 "INSERT INTO ledgerline.posting_checkpoint "
			 "(posting_id, sha256, envelope) VALUES ($1::bigint, "
			 "$2, $3)",
			 3, params, err);
}

enum ll_status ll_db_load_checkpoint(struct ll_db *db, int64_t posting_id,
				     char **envelope, char sha256[LL_SHA256_HEX_LEN + 1],
				     struct ll_error *err)
{
	char pid[32];
	const char *params[1] = { pid };
	PGresult *res;
	bool ok = true, found;

	*envelope = NULL;
	sha256[0] = '\0';
	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	res = ll_db_exec(db, "cannot read the checkpoint",
			 "SELECT sha256, envelope FROM "
			 "ledgerline.posting_checkpoint WHERE posting_id = "
			 "$1::bigint",
			 1, params, PGRES_TUPLES_OK, 2, err);
	if (!res)
		return LL_DB;
	found = PQntuples(res) == 1;
	if (found) {
		ok = ll_str_copy(sha256, LL_SHA256_HEX_LEN + 1, PQgetvalue(res, 0, 0));
		*envelope = ok ? strdup(PQgetvalue(res, 0, 1)) : NULL;
	}
	PQclear(res);
	if (!ok)
		return ll_error_set(err, LL_DB, NULL, 0, NULL,
				    "the stored checkpoint of posting %s has "
				    "no SHA-256",
				    pid);
	if (found && !*envelope)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	return LL_OK;
}

/*
 * db_audit_checkpoint.c — the audit's checkpoints (db.h, "the audit"):
 * every posting's stored checkpoint, and the checkpoints a user kept,
 * held against the journal's hash chain recomputed from its rows.
 *
 * Design decision: a checkpoint names a position in the chain (the number
 * of entries after its posting) and the hash there; the audit recomputes
 * the chain from the rows alone and compares at that position.  A
 * rechained edit, insertion, deletion or reordering changes the hash at
 * every later checkpoint, and a ledger cut back to before a kept
 * checkpoint (a restored backup, rows deleted with their run) no longer
 * has its posting or its position, whatever the database says of itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/buf.h"
#include "ledgerline/checkpoint.h"
#include "ledgerline/digest.h"

#include "db_internal.h"

static const char GENESIS[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static void finding(struct ll_audit *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void finding(struct ll_audit *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ll_audit_vadd(a, fmt, ap);
	va_end(ap);
}

/* Verify a checkpoint envelope with pub (ll_checkpoint_verify: signature,
 * shape, subject digest) into *cp; false with why in problem. */
static bool open_checkpoint(const char *env, size_t len,
			    const struct ll_key *pub, struct ll_checkpoint *cp,
			    char *problem, size_t problem_size,
			    struct ll_error *err, enum ll_status *rc)
{
	struct ll_checkpoint_verdict v;

	memset(&v, 0, sizeof(v));
	*rc = ll_checkpoint_verify(env, len, pub, NULL, &v, err);
	*cp = v.cp;
	if (*rc == LL_OK && v.problem[0])
		ll_str_copy_cut(problem, problem_size, v.problem);
	return *rc == LL_OK && !v.problem[0];
}

/* The recomputed chain after posting_id: *entries (entries of it and of
 * every posting before it, and the returns of payments written between
 * them) and the hash of the last of them.  A return (posting 0 in ch) is
 * in the chain where it was written, not where its posting is. */
static const char *chain_at(const struct ll_audit_chain *ch,
			    int64_t posting_id, long long *entries)
{
	size_t i, k = 0;

	for (i = 0; i < ch->n; i++) {
		if (ch->posting[i] != 0 && ch->posting[i] <= posting_id)
			k = i + 1;
	}
	*entries = (long long)k;
	return k ? ch->hash[k - 1] : GENESIS;
}

/* Columns of the postings query. */
enum { P_ID, P_LICENSEE, P_FIRST, P_LAST, P_RUN, P_ROOT, P_NO, P_SHA,
       P_ENV, P_DUE, P_COLS };

/* A stored checkpoint against its posting and the recomputed chain. */
static enum ll_status check_stored(struct ll_audit *a,
				   const struct ll_audit_chain *ch,
				   const struct ll_key *pub, PGresult *res,
				   int i, struct ll_error *err)
{
	int64_t id = strtoll(PQgetvalue(res, i, P_ID), NULL, 10);
	const char *env = PQgetvalue(res, i, P_ENV), *head;
	char problem[LL_AUDIT_FINDING_BYTES_MAX], hex[65];
	uint8_t d[LL_SHA256_LEN];
	struct ll_checkpoint cp;
	long long entries;
	enum ll_status rc;

	if (PQgetisnull(res, i, P_ENV)) {
		/* postings made before checkpoints were kept have none */
		if (strcmp(PQgetvalue(res, i, P_DUE), "t") == 0)
			finding(a, "posting %lld (%s %s..%s, run %s) has no "
				"stored checkpoint", (long long)id,
				PQgetvalue(res, i, P_LICENSEE),
				PQgetvalue(res, i, P_FIRST),
				PQgetvalue(res, i, P_LAST), PQgetvalue(res, i, P_RUN));
		return LL_OK;
	}
	a->checkpoints++;
	ll_sha256(env, strlen(env), d);
	ll_hex(d, sizeof(d), hex);
	if (strcmp(hex, PQgetvalue(res, i, P_SHA)) != 0)
		finding(a, "posting %lld: the stored checkpoint's sha256 is not "
			"the envelope's (%s)", (long long)id, hex);
	if (!open_checkpoint(env, strlen(env), pub, &cp, problem,
			     sizeof(problem), err, &rc)) {
		if (rc == LL_OK)
			finding(a, "posting %lld: its checkpoint: %s",
				(long long)id, problem);
		return rc;
	}
	if (strcmp(cp.licensee, PQgetvalue(res, i, P_LICENSEE)) != 0 ||
	    strcmp(cp.first, PQgetvalue(res, i, P_FIRST)) != 0 ||
	    strcmp(cp.last, PQgetvalue(res, i, P_LAST)) != 0 ||
	    strcmp(cp.run_id, PQgetvalue(res, i, P_RUN)) != 0 ||
	    cp.posting != strtoll(PQgetvalue(res, i, P_NO), NULL, 10) ||
	    strcmp(cp.merkle_root, PQgetvalue(res, i, P_ROOT)) != 0)
		finding(a, "posting %lld: its checkpoint is of posting %lld of "
			"%s %s..%s (run %s, root %s), not of this one",
			(long long)id, (long long)cp.posting, cp.licensee,
			cp.first, cp.last, cp.run_id, cp.merkle_root);
	head = chain_at(ch, id, &entries);
	if (entries != cp.entries || strcmp(head, cp.head) != 0)
		finding(a, "posting %lld: the journal recomputed to this "
			"posting has %lld entries, head %s; its signed "
			"checkpoint says %lld entries, head %s",
			(long long)id, entries, head, (long long)cp.entries,
			cp.head);
	return LL_OK;
}

/* The posting row a kept checkpoint names, or -1. */
static int find_posting(PGresult *res, const struct ll_checkpoint *cp)
{
	int i;

	for (i = 0; i < PQntuples(res); i++) {
		if (strcmp(cp->licensee, PQgetvalue(res, i, P_LICENSEE)) == 0 &&
		    strcmp(cp->first, PQgetvalue(res, i, P_FIRST)) == 0 &&
		    strcmp(cp->last, PQgetvalue(res, i, P_LAST)) == 0 &&
		    cp->posting == strtoll(PQgetvalue(res, i, P_NO), NULL, 10))
			return i;
	}
	return -1;
}

/* A kept checkpoint: the ledger must still hold its posting and its
 * position in the chain. */
static enum ll_status check_kept(struct ll_audit *a,
				 const struct ll_audit_chain *ch,
				 const struct ll_key *pub, PGresult *res,
				 const struct ll_audit_checkpoint *k,
				 struct ll_error *err)
{
	char problem[LL_AUDIT_FINDING_BYTES_MAX];
	struct ll_checkpoint cp;
	enum ll_status rc;
	long long no, entries;
	int i;

	if (!open_checkpoint(k->envelope, k->len, pub, &cp, problem,
			     sizeof(problem), err, &rc)) {
		if (rc == LL_OK)
			finding(a, "checkpoint %s: %s", k->name, problem);
		return rc;
	}
	no = (long long)cp.posting;
	entries = (long long)cp.entries;
	a->checkpoints++;
	i = find_posting(res, &cp);
	if (i < 0)
		finding(a, "checkpoint %s: the ledger no longer holds posting "
			"%lld of %s %s..%s (run %s)",
			k->name, no, cp.licensee, cp.first, cp.last, cp.run_id);
	else if (strcmp(cp.run_id, PQgetvalue(res, i, P_RUN)) != 0 ||
		 strcmp(cp.merkle_root, PQgetvalue(res, i, P_ROOT)) != 0)
		finding(a, "checkpoint %s: posting %lld of %s %s..%s is run %s "
			"with root %s in the ledger, run %s with root %s in the "
			"checkpoint",
			k->name, no, cp.licensee, cp.first, cp.last,
			PQgetvalue(res, i, P_RUN), PQgetvalue(res, i, P_ROOT),
			cp.run_id, cp.merkle_root);
	if ((size_t)cp.entries > ch->n)
		finding(a, "checkpoint %s: the journal has %zu entries, fewer "
			"than the %lld after posting %lld of %s %s..%s (run %s)",
			k->name, ch->n, entries, no, cp.licensee, cp.first,
			cp.last, cp.run_id);
	else if (strcmp(cp.entries ? ch->hash[cp.entries - 1] : GENESIS,
			cp.head) != 0)
		finding(a, "checkpoint %s: the journal's entry %lld no longer "
			"hashes to the checkpoint's head %s",
			k->name, entries, cp.head);
	return LL_OK;
}

enum ll_status ll_db_audit_checkpoints(struct ll_db *db, struct ll_audit *a,
				       const struct ll_audit_chain *ch,
				       const struct ll_key *pub,
				       const struct ll_audit_checkpoint *kept,
				       size_t n_kept, struct ll_error *err)
{
	PGresult *res;
	enum ll_status rc = LL_OK;
	size_t k;
	int i;

	/* a posting is due a checkpoint once the table for them exists
	 * (migration 6), or when a later posting has one */
	res = ll_db_exec(db, "cannot audit the checkpoints",
			 "SELECT p.posting_id, p.licensee, p.period_first::text, "
			 "p.period_last::text, p.run_id, coalesce(r.merkle_root, "
			 "''), row_number() OVER (PARTITION BY p.licensee, "
			 "p.period_first, p.period_last ORDER BY p.posting_id), "
			 "c.sha256, c.envelope, p.posted_at >= coalesce((SELECT "
			 "applied_at FROM ledgerline.schema_migration WHERE "
			 "version = 6), '-infinity') OR EXISTS (SELECT 1 FROM "
			 "ledgerline.posting_checkpoint x WHERE x.posting_id > "
			 "p.posting_id) FROM ledgerline.posting p LEFT "
			 "JOIN ledgerline.posting_root r USING (posting_id) LEFT "
			 "JOIN ledgerline.posting_checkpoint c USING "
			 "(posting_id) ORDER BY p.posting_id",
			 0, NULL, PGRES_TUPLES_OK, P_COLS, err);
	if (!res)
		return LL_DB;
	for (i = 0; i < PQntuples(res) && rc == LL_OK; i++)
		rc = check_stored(a, ch, pub, res, i, err);
	for (k = 0; k < n_kept && rc == LL_OK; k++)
		rc = check_kept(a, ch, pub, res, &kept[k], err);
	PQclear(res);
	return rc;
}

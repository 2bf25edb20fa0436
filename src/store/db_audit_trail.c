/*
 * db_audit_trail.c — the audit of the append-only tables written beside
 * the journal (db_internal.h, ll_db_audit_trail): the training manifests a
 * run judged (sql/009) and the delivery outbox (sql/010).
 *
 * Design decision: as everywhere in the audit, each check ends at data
 * ledgerline signed or chained, never at the rows alone.  A manifest row
 * is held against its run's manifest inputs (which the run's signed
 * statements name, checked by db_audit.c) and its run's licensee; its
 * excluded items against the run's compliance report (whose digest
 * run.json names, and run.json is covered by the journal's chain).  An
 * outbox row is held against the statement it delivers (its webhook-id is
 * derived from the posting's run id, number and party), the registry
 * record version whose webhook it was sent to, the numbering of attempts
 * and the HTTP status its outcome records, and each outcome, with its
 * attempt, against the seal deliver signed it with (sql/012).  What
 * nothing signed covers — an eligible item's duration, licence and
 * rights holders, or the last attempts of a delivery removed whole — is
 * not claimed: docs/design.md ("Audit") says so.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/delivery.h"
#include "ledgerline/dsse.h"
#include "ledgerline/sign.h"

#include "db_internal.h"

static void finding(struct ll_audit *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void finding(struct ll_audit *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ll_audit_vadd(a, fmt, ap);
	va_end(ap);
}

/* Queries whose every row is one finding, in words. */
static const char *const trail_checks[] = {
	/* ---- training manifests (sql/009) ---- */
	"SELECT 'training manifest ' || m.ordinal || ' of run ' || m.run_id "
	"|| ': its run is not stored' FROM ledgerline.run_manifest m WHERE "
	"NOT EXISTS (SELECT 1 FROM ledgerline.run r WHERE r.run_id = "
	"m.run_id) ORDER BY 1",
	"SELECT 'training manifest ' || m.ordinal || ' of run ' || m.run_id "
	"|| ' (model ' || m.model || ', training run ' || m.training_run || "
	"'): sha256 ' || m.sha256 || ' is not a manifest input of its run' "
	"FROM ledgerline.run_manifest m WHERE NOT EXISTS (SELECT 1 FROM "
	"ledgerline.run_input i WHERE i.run_id = m.run_id AND i.kind = "
	"'manifest' AND i.sha256 = m.sha256) ORDER BY 1",
	"SELECT 'training manifest ' || m.ordinal || ' of run ' || m.run_id "
	"|| ' is for licensee ' || m.licensee || ', its run for ' || "
	"r.licensee FROM ledgerline.run_manifest m JOIN ledgerline.run r "
	"USING (run_id) WHERE m.licensee <> r.licensee ORDER BY 1",
	"SELECT 'training manifest ' || m.ordinal || ' of run ' || m.run_id "
	"|| ' has ' || m.n_items || ' items, ' || count(i.item) || ' stored' "
	"FROM ledgerline.run_manifest m LEFT JOIN "
	"ledgerline.run_manifest_item i USING (run_id, ordinal) GROUP BY "
	"m.run_id, m.ordinal, m.n_items HAVING m.n_items <> count(i.item) OR "
	"coalesce(max(i.item) + 1, 0) <> m.n_items ORDER BY 1",
	/* every run made since migration 009 stored each of its manifests */
	"SELECT 'run ' || r.run_id || ': ' || count(DISTINCT i.sha256) || ' "
	"manifest inputs, ' || (SELECT count(*) FROM ledgerline.run_manifest "
	"m WHERE m.run_id = r.run_id) || ' training manifests stored' FROM "
	"ledgerline.run r JOIN ledgerline.run_input i ON i.run_id = r.run_id "
	"AND i.kind = 'manifest' WHERE r.created_at > (SELECT applied_at FROM "
	"ledgerline.schema_migration WHERE version = 9) GROUP BY r.run_id "
	"HAVING count(DISTINCT i.sha256) <> (SELECT count(*) FROM "
	"ledgerline.run_manifest m WHERE m.run_id = r.run_id) ORDER BY 1",
	"SELECT DISTINCT 'training manifest item ' || i.item || ' of run ' "
	"|| i.run_id || ' belongs to no stored manifest (ordinal ' || "
	"i.ordinal || ')' FROM ledgerline.run_manifest_item i WHERE NOT "
	"EXISTS (SELECT 1 FROM ledgerline.run_manifest m WHERE m.run_id = "
	"i.run_id AND m.ordinal = i.ordinal) ORDER BY 1",
	/* excluded items, both ways against compliance.json's */
	"WITH stored AS (SELECT i.run_id, m.model, m.training_run, i.item, "
	"i.ref_kind, i.ref, i.judgement FROM ledgerline.run_manifest_item i "
	"JOIN ledgerline.run_manifest m USING (run_id, ordinal) WHERE "
	"i.judgement <> 'eligible'), reported AS (SELECT r.run_id, "
	"x->>'model', x->>'training_run', (x->>'item')::integer, CASE WHEN x "
	"? 'work' THEN 'work' ELSE 'isrc' END, coalesce(x->>'work', "
	"x->>'isrc'), x->>'reason' FROM ledgerline.run r, "
	"jsonb_array_elements(r.compliance->'excluded_items') x WHERE EXISTS "
	"(SELECT 1 FROM ledgerline.run_manifest m WHERE m.run_id = r.run_id)) "
	"SELECT 'run ' || run_id || ': stored manifest item ' || item || ' "
	"(model ' || model || ', training run ' || training_run || ', ' || "
	"ref_kind || ' ' || ref || ') excluded as ' || judgement || ' is not "
	"in its compliance report' FROM (SELECT * FROM stored EXCEPT SELECT * "
	"FROM reported) s ORDER BY 1",
	"WITH stored AS (SELECT i.run_id, m.model, m.training_run, i.item, "
	"i.ref_kind, i.ref, i.judgement FROM ledgerline.run_manifest_item i "
	"JOIN ledgerline.run_manifest m USING (run_id, ordinal) WHERE "
	"i.judgement <> 'eligible'), reported AS (SELECT r.run_id, "
	"x->>'model' AS model, x->>'training_run' AS training_run, "
	"(x->>'item')::integer AS item, CASE WHEN x ? 'work' THEN 'work' ELSE "
	"'isrc' END AS ref_kind, coalesce(x->>'work', x->>'isrc') AS ref, "
	"x->>'reason' AS judgement FROM ledgerline.run r, "
	"jsonb_array_elements(r.compliance->'excluded_items') x WHERE EXISTS "
	"(SELECT 1 FROM ledgerline.run_manifest m WHERE m.run_id = r.run_id)) "
	"SELECT 'run ' || run_id || ': manifest item ' || item || ' (model ' "
	"|| model || ', training run ' || training_run || ', ' || ref_kind || "
	"' ' || ref || ') excluded as ' || judgement || ' in its compliance "
	"report is not stored so' FROM (SELECT * FROM reported EXCEPT SELECT "
	"* FROM stored) s ORDER BY 1",
	/* ---- the delivery outbox (sql/010) ---- */
	"SELECT 'delivery ' || d.webhook_id || ': posting ' || d.posting_id "
	"|| ' has no stored statement of ' || d.party FROM "
	"ledgerline.delivery d WHERE NOT EXISTS (SELECT 1 FROM "
	"ledgerline.posting_statement s WHERE s.posting_id = d.posting_id AND "
	"s.party = d.party) ORDER BY 1",
	"SELECT 'delivery ' || d.webhook_id || ': not the webhook-id of the "
	"statement of ' || d.party || ' in posting ' || p.posting_id || ' ('"
	" || w.id || ')' FROM ledgerline.delivery d JOIN ledgerline.posting p "
	"USING (posting_id) CROSS JOIN LATERAL (SELECT 'msg_' || "
	"left(encode(sha256(convert_to('ledgerline/webhook/v1' || chr(10) || "
	"p.run_id || chr(10) || (WITH RECURSIVE c(id, sup) AS (SELECT "
	"p.posting_id, p.supersedes UNION ALL SELECT q.posting_id, "
	"q.supersedes FROM ledgerline.posting q JOIN c ON q.posting_id = "
	"c.sup) SELECT count(*) FROM c) || chr(10) || d.party, 'UTF8')), "
	"'hex'), 32) AS id) w WHERE w.id <> d.webhook_id ORDER BY 1",
	"SELECT 'delivery ' || a.webhook_id || ' attempt ' || a.attempt || "
	"': ' || CASE WHEN d.webhook_id IS NULL THEN 'no such delivery is "
	"queued' ELSE 'attempt ' || (a.attempt - 1) || ' is missing' END FROM "
	"ledgerline.delivery_attempt a LEFT JOIN ledgerline.delivery d USING "
	"(webhook_id) WHERE d.webhook_id IS NULL OR (a.attempt > 1 AND NOT "
	"EXISTS (SELECT 1 FROM ledgerline.delivery_attempt b WHERE "
	"b.webhook_id = a.webhook_id AND b.attempt = a.attempt - 1)) ORDER BY "
	"1",
	"SELECT 'delivery ' || o.webhook_id || ' attempt ' || o.attempt || "
	"': an outcome (' || o.outcome || ') of an attempt that is not "
	"recorded' FROM ledgerline.delivery_outcome o WHERE NOT EXISTS "
	"(SELECT 1 FROM ledgerline.delivery_attempt a WHERE a.webhook_id = "
	"o.webhook_id AND a.attempt = o.attempt) ORDER BY 1",
	"SELECT 'delivery ' || a.webhook_id || ' attempt ' || a.attempt || "
	"': made after the statement was acknowledged (attempt ' || "
	"o.attempt || ')' FROM ledgerline.delivery_attempt a JOIN "
	"ledgerline.delivery_outcome o USING (webhook_id) WHERE o.outcome = "
	"'delivered' AND a.attempt > o.attempt ORDER BY 1",
	"SELECT 'delivery ' || a.webhook_id || ' attempt ' || a.attempt || "
	"': no outcome recorded, yet attempt ' || (a.attempt + 1) || ' "
	"follows' FROM ledgerline.delivery_attempt a WHERE NOT EXISTS (SELECT "
	"1 FROM ledgerline.delivery_outcome o WHERE o.webhook_id = "
	"a.webhook_id AND o.attempt = a.attempt) AND EXISTS (SELECT 1 FROM "
	"ledgerline.delivery_attempt b WHERE b.webhook_id = a.webhook_id AND "
	"b.attempt = a.attempt + 1) ORDER BY 1",
	/* an outcome is what its HTTP status makes it (ll_delivery_decide) */
	"SELECT 'delivery ' || webhook_id || ' attempt ' || attempt || ': "
	"outcome ' || outcome || ' does not follow from ' || coalesce('HTTP "
	"status ' || http_status, 'no response') FROM "
	"ledgerline.delivery_outcome WHERE CASE outcome WHEN 'delivered' THEN "
	"coalesce(http_status BETWEEN 200 AND 299, false) WHEN 'disabled' "
	"THEN coalesce(http_status = 410, false) WHEN 'retry' THEN "
	"http_status IS NULL OR http_status = 429 OR http_status BETWEEN 500 "
	"AND 599 ELSE coalesce(NOT (http_status BETWEEN 200 AND 299 OR "
	"http_status = 410), true) END IS NOT TRUE ORDER BY 1",
	/* an attempt went to the webhook of the registry version it names,
	 * of the statement's party or of its payee */
	"SELECT 'delivery ' || a.webhook_id || ' attempt ' || a.attempt || "
	"': ' || a.url || ' is not the webhook of party ' || a.owner || ' "
	"version ' || a.owner_version FROM ledgerline.delivery_attempt a "
	"LEFT JOIN ledgerline.registry_record g ON g.kind = 'party' AND g.id "
	"= a.owner AND g.version = a.owner_version WHERE g.body->>'webhook' "
	"IS DISTINCT FROM a.url ORDER BY 1",
	"SELECT 'delivery ' || a.webhook_id || ' attempt ' || a.attempt || "
	"': sent to the webhook of ' || a.owner || ', neither the party ' || "
	"d.party || ' nor its payee' FROM ledgerline.delivery_attempt a JOIN "
	"ledgerline.delivery d USING (webhook_id) WHERE a.owner <> d.party "
	"AND NOT EXISTS (SELECT 1 FROM ledgerline.registry_record g WHERE "
	"g.kind = 'party' AND g.id = d.party AND g.body->>'payee' = a.owner) "
	"ORDER BY 1",
	"SELECT 'delivery ' || o.webhook_id || ' attempt ' || o.attempt || "
	"': its outcome is recorded before the attempt started' FROM "
	"ledgerline.delivery_outcome o JOIN ledgerline.delivery_attempt a "
	"USING (webhook_id, attempt) WHERE o.finished_at < a.started_at "
	"ORDER BY 1",
};

/* ---- the seals of delivery outcomes (sql/012) ---- */

/* A small integer column's value. */
static int atoi_ok(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

/* Does row i's seal verify with pub over the row as stored? */
static bool seal_holds(PGresult *res, int i, const struct ll_key *pub,
		       bool *nomem)
{
	struct ll_delivery_sealed s = {
		PQgetvalue(res, i, 0), atoi_ok(PQgetvalue(res, i, 1)),
		PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
		atoi_ok(PQgetvalue(res, i, 4)),
		strtoll(PQgetvalue(res, i, 5), NULL, 10),
		PQgetvalue(res, i, 6), atoi_ok(PQgetvalue(res, i, 7)),
		PQgetisnull(res, i, 8) ? NULL : PQgetvalue(res, i, 8),
		strtoll(PQgetvalue(res, i, 9), NULL, 10)
	};
	const char *b64 = PQgetvalue(res, i, 10);
	char *text = ll_delivery_seal_text(&s);
	size_t len = 0;
	uint8_t *sig = ll_base64_decode(b64, strlen(b64), &len);
	bool ok = text && sig && len == LL_ED25519_SIG_LEN &&
		  ll_key_verify(pub, (const uint8_t *)text, strlen(text), sig);

	*nomem = !text;
	free(text);
	free(sig);
	return ok;
}

static enum ll_status audit_seals(struct ll_db *db, struct ll_audit *a,
				  const struct ll_key *pub,
				  struct ll_error *err)
{
	PGresult *res;
	bool nomem = false;
	int i;

	res = ll_db_exec(db, "cannot audit the delivery outcomes' seals",
			 "SELECT o.webhook_id, o.attempt, a.url, a.owner, "
			 "a.owner_version, a.webhook_timestamp, o.outcome, "
			 "coalesce(o.http_status, 0), o.error, "
			 "coalesce(o.retry_after_s, -1), o.seal, o.seal_key_id, "
			 "o.finished_at > (SELECT applied_at FROM "
			 "ledgerline.schema_migration WHERE version = 12) FROM "
			 "ledgerline.delivery_outcome o JOIN "
			 "ledgerline.delivery_attempt a USING (webhook_id, "
			 "attempt) ORDER BY o.webhook_id, o.attempt",
			 0, NULL, PGRES_TUPLES_OK, 13, err);
	if (!res)
		return LL_DB;
	for (i = 0; i < PQntuples(res) && !nomem; i++) {
		const char *id = PQgetvalue(res, i, 0);
		const char *n = PQgetvalue(res, i, 1);

		if (PQgetisnull(res, i, 10)) {
			if (PQgetvalue(res, i, 12)[0] == 't')
				finding(a, "delivery %s attempt %s: its outcome "
					"is not sealed", id, n);
		} else if (strcmp(PQgetvalue(res, i, 11), pub->keyid) != 0) {
			finding(a, "delivery %s attempt %s: its outcome is "
				"sealed by key %s, not by the key audited with "
				"(%s)", id, n, PQgetvalue(res, i, 11),
				pub->keyid);
		} else if (!seal_holds(res, i, pub, &nomem) && !nomem) {
			finding(a, "delivery %s attempt %s: the seal of its "
				"outcome does not verify: the attempt or its "
				"outcome was changed", id, n);
		}
	}
	PQclear(res);
	return nomem ? ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory")
		     : LL_OK;
}

enum ll_status ll_db_audit_trail(struct ll_db *db, struct ll_audit *a,
				 const struct ll_key *pub,
				 struct ll_error *err)
{
	size_t i;
	int k;

	for (i = 0; i < sizeof(trail_checks) / sizeof(trail_checks[0]); i++) {
		PGresult *res = ll_db_exec(db, "cannot audit the manifests "
					   "and the delivery outbox",
					   trail_checks[i], 0, NULL,
					   PGRES_TUPLES_OK, 1, err);

		if (!res)
			return LL_DB;
		for (k = 0; k < PQntuples(res); k++)
			finding(a, "%s", PQgetvalue(res, k, 0));
		PQclear(res);
	}
	return audit_seals(db, a, pub, err);
}

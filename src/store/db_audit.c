/*
 * db_audit.c — "ledgerline audit" (db.h, "the audit"): the ledger checked
 * against what ledgerline signed and stored, in one read-only snapshot.
 *
 * Design decision: a hash chain checked only against itself proves
 * nothing to whoever can rewrite it: someone with the database's owner
 * role can edit a row and recompute every hash after it.  So every check
 * here ends at a signature: each stored statement must verify with the
 * signing key and carry the posting's Merkle root, recomputed from the
 * statements stored; each run's stored lines, inputs and payouts must be
 * what its signed statements say; run.json names the compliance report's
 * digest and the journal's chain covers run.json.  The journal's own part
 * (chain, sums, posting structure) is db_ledger.c's.  Every finding is
 * reported, not only the first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/account.h"
#include "ledgerline/buf.h"
#include "ledgerline/digest.h"
#include "ledgerline/dsse.h"
#include "ledgerline/ident.h"
#include "ledgerline/jsonx.h"
#include "ledgerline/merkle.h"
#include "ledgerline/registry.h"
#include "ledgerline/runfiles.h"
#include "ledgerline/sign.h"
#include "ledgerline/statement.h"

#include "db_internal.h"

void ll_audit_vadd(struct ll_audit *a, const char *fmt, va_list ap)
{
	if (a->n_findings < LL_AUDIT_FINDINGS_MAX)
		vsnprintf(a->findings[a->n_findings],
			  LL_AUDIT_FINDING_BYTES_MAX, fmt, ap);
	a->n_findings++;
}

static void finding(struct ll_audit *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void finding(struct ll_audit *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ll_audit_vadd(a, fmt, ap);
	va_end(ap);
}

static enum ll_status nomem(struct ll_error *err)
{
	return ll_error_set(err, LL_NOMEM, NULL, 0, NULL, "out of memory");
}

/* ---- sorted sets of described rows ----------------------------------- */

/* Rows described as text ("licence L, party P, ..."), compared as sorted
 * multisets: what one side has and the other lacks is a finding. */
struct rowset {
	char **v;
	size_t n, cap;
};

static void rowset_release(struct rowset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static enum ll_status rowset_addf(struct rowset *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum ll_status rowset_addf(struct rowset *s, const char *fmt, ...)
{
	va_list ap;
	char *t;
	int n;

	if (s->n == s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 32;
		char **nv = realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	va_start(ap, fmt);
	n = vasprintf(&t, fmt, ap);
	va_end(ap);
	if (n < 0)
		return LL_NOMEM;
	s->v[s->n++] = t;
	return LL_OK;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A finding "run R: <stored_words> ROW <lacks>" for every row only in
 * stored, and "run R: <signed_words> ROW <not stored>" for every row only
 * in signed. */
static void rowset_diff(struct ll_audit *a, const char *run_id,
			struct rowset *stored, struct rowset *sig,
			const char *what)
{
	size_t i = 0, j = 0;

	if (stored->n) /* an empty set has no array: qsort wants one */
		qsort(stored->v, stored->n, sizeof(char *), cmp_str);
	if (sig->n)
		qsort(sig->v, sig->n, sizeof(char *), cmp_str);
	while (i < stored->n || j < sig->n) {
		int c = i == stored->n ? 1
			: j == sig->n  ? -1
				       : strcmp(stored->v[i], sig->v[j]);

		if (c < 0)
			finding(a, "run %s: stored %s (%s) is not in the signed "
				"statements", run_id, what, stored->v[i++]);
		else if (c > 0)
			finding(a, "run %s: signed %s (%s) is not stored",
				run_id, what, sig->v[j++]);
		else
			i++, j++;
	}
}

/* ---- what a posting's signed statements say --------------------------- */

/* A posting as the audit reads it. */
struct posting {
	int64_t id;
	int64_t number;		/* 1, 2, ... along its supersedes chain */
	const char *run_id, *licensee, *first, *last;	/* borrowed */
	const char *root, *key_id;	/* borrowed; NULL: no root stored */
};

/* What the signed statements of one posting say, gathered for the checks
 * against the stored rows. */
struct signed_run {
	struct rowset lines, payouts, inputs;
	struct rowset payments;	/* "payment E to P in C for party X: A" */
	bool has_accounts;	/* a statement carries its account */
	struct rowset payees;	/* "payee\x1fcurrency\x1fminor", summed later */
	char *inputs_jcs;	/* the first statement's inputs, canonical */
	const char *inputs_of;	/* that statement's party (borrowed) */
	uint8_t (*leaves)[LL_MERKLE_HASH_LEN];
	size_t n_leaves;
	bool unreadable;	/* a statement did not verify or open */
	char signed_root[65];	/* a root a statement signed, when it is
				 * not the stored one */
};

static void signed_run_release(struct signed_run *s)
{
	rowset_release(&s->lines);
	rowset_release(&s->payouts);
	rowset_release(&s->payments);
	rowset_release(&s->inputs);
	rowset_release(&s->payees);
	free(s->inputs_jcs);
	free(s->leaves);
	memset(s, 0, sizeof(*s));
}

/* A JSON string member, or "-" for null or absent. */
static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/* minor units of a decimal amount string with e fraction digits ("12.30",
 * e 2 -> 1230); false when it is not one. */
static bool amount_minor(const char *s, int e, int64_t *out)
{
	char digits[32];
	size_t n = 0;
	const char *dot = strchr(s, '.');
	char *end;

	if ((dot ? (int)strlen(dot + 1) : 0) != e || strlen(s) >= sizeof(digits))
		return false;
	for (; *s; s++) {
		if (*s != '.')
			digits[n++] = *s;
	}
	digits[n] = '\0';
	*out = strtoll(digits, &end, 10);
	return n > 0 && *end == '\0' && digits[0] != '-';
}

/* The lines of one statement's predicate into s->lines. */
static enum ll_status gather_lines(struct signed_run *s, const json_t *pred,
				   const char *party)
{
	const json_t *l;
	size_t i;

	json_array_foreach(json_object_get(pred, "lines"), i, l) {
		if (strcmp(jstr(l, "exact"), "0") == 0)
			continue; /* a restated line that disappeared */
		if (rowset_addf(&s->lines,
				"licence %s, party %s, work %s, component %s, "
				"side %s: exact %s, amount %s",
				jstr(l, "licence"), party, jstr(l, "work"),
				jstr(l, "component"), jstr(l, "side"),
				jstr(l, "exact"), jstr(l, "amount")) != LL_OK)
			return LL_NOMEM;
	}
	return LL_OK;
}

/* The party's totals, as what its payee is owed, into s->payees. */
static enum ll_status gather_totals(struct signed_run *s, const json_t *pred,
				    const char *party)
{
	const json_t *po = json_object_get(pred, "party"), *t;
	const char *payee = json_string_value(json_object_get(po, "payee"));
	size_t i;

	json_array_foreach(json_object_get(pred, "totals"), i, t) {
		const char *ccy = jstr(t, "currency");
		int64_t minor;

		if (!amount_minor(jstr(t, "amount"), ll_currency_exponent(ccy),
				  &minor))
			minor = INT64_MIN; /* never equal to a stored amount */
		if (rowset_addf(&s->payees, "%s\x1f%s\x1f%lld",
				payee ? payee : party, ccy,
				(long long)minor) != LL_OK)
			return LL_NOMEM;
	}
	return LL_OK;
}

/* The payments a statement's account says settled its party, into
 * s->payments. */
static enum ll_status gather_payments(struct signed_run *s, const json_t *pred,
				      const char *party)
{
	const json_t *acc = json_object_get(pred, "account"), *c, *pm;
	size_t i, k;

	if (!json_is_array(acc))
		return LL_OK;
	s->has_accounts = true;
	json_array_foreach(acc, i, c) {
		json_array_foreach(json_object_get(c, "payments"), k, pm) {
			if (rowset_addf(&s->payments,
					"payment %s to %s in %s for party %s: %s",
					jstr(pm, "end_to_end_id"),
					jstr(pm, "payee"), jstr(c, "currency"),
					party, jstr(pm, "amount")) != LL_OK)
				return LL_NOMEM;
		}
	}
	return LL_OK;
}

/* The inputs a statement names; the first statement's become s->inputs,
 * every other's must be the same. */
static enum ll_status gather_inputs(struct ll_audit *a, struct signed_run *s,
				    const struct posting *p, const json_t *pred,
				    const char *party)
{
	const json_t *in = json_object_get(pred, "inputs"), *x;
	char *jcs = ll_json_jcs(in);
	static const char *const kinds[] = { "manifests", "logs" };
	size_t i, k;

	if (!jcs)
		return LL_NOMEM;
	if (s->inputs_jcs) {
		if (strcmp(jcs, s->inputs_jcs) != 0)
			finding(a, "posting %lld: the statement of %s names "
				"other inputs than the statement of %s",
				(long long)p->id, party, s->inputs_of);
		free(jcs);
		return LL_OK;
	}
	s->inputs_jcs = jcs;
	s->inputs_of = party;
	if (rowset_addf(&s->inputs, "registry snapshot sha256 %s",
			jstr(json_object_get(in, "registry"), "sha256")) != LL_OK)
		return LL_NOMEM;
	for (k = 0; k < 2; k++) {
		json_array_foreach(json_object_get(in, kinds[k]), i, x) {
			if (rowset_addf(&s->inputs, "%.*s %s sha256 %s",
					(int)strlen(kinds[k]) - 1, kinds[k],
					jstr(x, "source"),
					jstr(x, "sha256")) != LL_OK)
				return LL_NOMEM;
		}
	}
	return LL_OK;
}

/* The predicate of an envelope signed by pub (new reference), or NULL
 * with a finding. */
static json_t *open_predicate(struct ll_audit *a, const struct posting *p,
			      const struct ll_stored_statement *st,
			      const struct ll_key *pub)
{
	struct ll_error e;
	uint8_t *payload = NULL;
	char *type = NULL;
	size_t len = 0;
	json_t *doc, *pred = NULL;

	ll_error_clear(&e);
	if (ll_dsse_open(st->envelope, strlen(st->envelope), pub, &payload,
			 &len, &type, &e) != LL_OK) {
		finding(a, "posting %lld: the statement of %s does not verify: "
			"%s", (long long)p->id, st->party, e.text);
		return NULL;
	}
	doc = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES,
			 NULL);
	if (doc)
		pred = json_incref(json_object_get(doc, "predicate"));
	if (!json_is_object(pred))
		finding(a, "posting %lld: the statement of %s holds no "
			"predicate", (long long)p->id, st->party);
	json_decref(doc);
	free(payload);
	free(type);
	return json_is_object(pred) ? pred : NULL;
}

/* The statement's own checks (ll_statement_verify: signature, subject
 * digest, arithmetic, inclusion in the root it signed), its stored
 * digest, the root it signed and its run against the posting's. */
static enum ll_status check_envelope(struct ll_audit *a,
				     const struct posting *p,
				     const struct ll_stored_statement *st,
				     const struct ll_key *pub, bool *ok,
				     struct signed_run *s, struct ll_error *err)
{
	struct ll_verdict v;
	char name[LL_AUDIT_FINDING_BYTES_MAX], hex[65];
	uint8_t d[LL_SHA256_LEN];
	enum ll_status rc;

	ll_sha256(st->envelope, strlen(st->envelope), d);
	ll_hex(d, sizeof(d), hex);
	if (strcmp(hex, st->sha256) != 0)
		finding(a, "posting %lld: the statement of %s: stored sha256 "
			"%s is not the envelope's (%s)",
			(long long)p->id, st->party, st->sha256, hex);
	if (!ll_str_copy(name, sizeof(name), st->party) ||
	    !ll_str_copy(name + strlen(name), sizeof(name) - strlen(name),
			 ".dsse.json"))
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "party id too long");
	rc = ll_statement_verify(name, st->envelope, strlen(st->envelope),
				 pub, NULL, &v, err);
	if (rc != LL_OK)
		return rc;
	*ok = !v.problem[0];
	if (v.problem[0]) {
		finding(a, "posting %lld: the statement of %s: %s",
			(long long)p->id, st->party, v.problem);
		return LL_OK;
	}
	if (strcmp(v.run_id, p->run_id) != 0)
		finding(a, "posting %lld: the statement of %s is for run %s, "
			"not the posting's run %s",
			(long long)p->id, st->party, v.run_id, p->run_id);
	if (p->root && strcmp(v.root, p->root) != 0)
		(void)ll_str_copy(s->signed_root, sizeof(s->signed_root),
				  v.root);
	return LL_OK;
}

/* One stored statement: checked, its leaf and what it says gathered. */
static enum ll_status take_statement(struct ll_audit *a,
				     const struct posting *p,
				     const struct ll_stored_statement *st,
				     const struct ll_key *pub,
				     struct signed_run *s,
				     struct ll_error *err)
{
	json_t *pred, *bare;
	char *b;
	bool ok = false;
	enum ll_status rc = check_envelope(a, p, st, pub, &ok, s, err);

	if (rc != LL_OK || !ok) {
		s->unreadable |= rc == LL_OK;
		return rc;
	}
	pred = open_predicate(a, p, st, pub);
	if (!pred) {
		s->unreadable = true;
		return LL_OK;
	}
	bare = json_deep_copy(pred);
	if (bare)
		json_object_del(bare, "merkle");
	b = bare ? ll_json_jcs(bare) : NULL;
	json_decref(bare);
	if (!b) {
		json_decref(pred);
		return nomem(err);
	}
	ll_merkle_leaf_hash((const uint8_t *)b, strlen(b),
			    s->leaves[s->n_leaves++]);
	free(b);
	rc = gather_lines(s, pred, st->party);
	if (rc == LL_OK)
		rc = gather_totals(s, pred, st->party);
	if (rc == LL_OK)
		rc = gather_inputs(a, s, p, pred, st->party);
	if (rc == LL_OK)
		rc = gather_payments(s, pred, st->party);
	json_decref(pred);
	return rc == LL_OK ? LL_OK : nomem(err);
}

/* The posting's root recomputed from the leaves of its stored statements
 * must be the stored one (which every statement signed). */
static void check_root(struct ll_audit *a, const struct posting *p,
		       const struct signed_run *s, size_t n_stored)
{
	uint8_t root[LL_MERKLE_HASH_LEN];
	char hex[65];

	if (!p->root) {
		finding(a, "posting %lld (run %s) has no stored Merkle root",
			(long long)p->id, p->run_id);
		return;
	}
	if (s->signed_root[0])
		finding(a, "posting %lld: stored Merkle root %s is not the root "
			"its statements signed (%s)",
			(long long)p->id, p->root, s->signed_root);
	if (s->unreadable)
		return; /* a statement that did not open: already a finding */
	LL_ENSURE(ll_merkle_root((const uint8_t(*)[LL_MERKLE_HASH_LEN])s->leaves,
				 s->n_leaves, root) == LL_OK);
	ll_hex(root, sizeof(root), hex);
	if (strcmp(hex, p->root) != 0)
		finding(a, "posting %lld: stored Merkle root %s is not the "
			"root of its %zu stored statements (%s): a statement "
			"was changed, removed or added",
			(long long)p->id, p->root, n_stored, hex);
}

/* ---- what was stored for the run ------------------------------------- */

/* The run's stored lines, described as gather_lines describes signed
 * ones. */
static enum ll_status stored_lines(struct ll_db *db, const char *run_id,
				   struct rowset *out, struct ll_error *err)
{
	const char *params[1] = { run_id };
	PGresult *res;
	enum ll_status rc = LL_OK;
	int i;

	res = ll_db_exec(db, "cannot audit the run's lines",
			 "SELECT l.licence, l.party, coalesce(l.work, '-'), "
			 "l.component, coalesce(l.side, '-'), l.exact, "
			 "l.amount_minor, c.currency FROM ledgerline.run_line l "
			 "JOIN ledgerline.run_licence c USING (run_id, licence) "
			 "WHERE l.run_id = $1",
			 1, params, PGRES_TUPLES_OK, 8, err);
	if (!res)
		return LL_DB;
	for (i = 0; i < PQntuples(res) && rc == LL_OK; i++) {
		char *amt = ll_exact_minor_str_i64(
			strtoll(PQgetvalue(res, i, 6), NULL, 10),
			ll_currency_exponent(PQgetvalue(res, i, 7)));

		rc = amt ? rowset_addf(out,
				       "licence %s, party %s, work %s, "
				       "component %s, side %s: exact %s, "
				       "amount %s",
				       PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
				       PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
				       PQgetvalue(res, i, 4), PQgetvalue(res, i, 5),
				       amt)
			 : LL_NOMEM;
		free(amt);
	}
	PQclear(res);
	return rc == LL_OK ? LL_OK : nomem(err);
}

/* The run's stored inputs and registry snapshot, described as
 * gather_inputs describes signed ones. */
static enum ll_status stored_inputs(struct ll_db *db, const char *run_id,
				    struct rowset *out, struct ll_error *err)
{
	const char *params[1] = { run_id };
	PGresult *res;
	enum ll_status rc = LL_OK;
	int i;

	res = ll_db_exec(db, "cannot audit the run's inputs",
			 "SELECT 'registry snapshot', NULL, registry_sha256 "
			 "FROM ledgerline.run WHERE run_id = $1 UNION ALL "
			 "SELECT kind, source, sha256 FROM ledgerline.run_input "
			 "WHERE run_id = $1",
			 1, params, PGRES_TUPLES_OK, 3, err);
	if (!res)
		return LL_DB;
	for (i = 0; i < PQntuples(res) && rc == LL_OK; i++) {
		if (PQgetisnull(res, i, 1))
			rc = rowset_addf(out, "%s sha256 %s",
					 PQgetvalue(res, i, 0),
					 PQgetvalue(res, i, 2));
		else
			rc = rowset_addf(out, "%s %s sha256 %s",
					 PQgetvalue(res, i, 0),
					 PQgetvalue(res, i, 1),
					 PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return rc == LL_OK ? LL_OK : nomem(err);
}

/* "payout to P in C: A" (A a decimal, or "unreadable" when !ok). */
static enum ll_status payout_row(struct rowset *out, const char *payee,
				 size_t payee_len, const char *ccy,
				 size_t ccy_len, int64_t minor, bool ok)
{
	char cur[4] = "";
	char *amt;
	enum ll_status rc;

	if (ccy_len < sizeof(cur))
		memcpy(cur, ccy, ccy_len), cur[ccy_len] = '\0';
	amt = ok ? ll_exact_minor_str_i64(minor, ll_currency_exponent(cur))
		 : strdup("unreadable");
	if (!amt)
		return LL_NOMEM;
	rc = rowset_addf(out, "payout to %.*s in %s: %s", (int)payee_len,
			 payee, cur, amt);
	free(amt);
	return rc;
}

/* The run's stored payouts (what each payee earned in the run) as
 * "payout to P in C: A"; the payments are checked per posting. */
static enum ll_status stored_payouts(struct ll_db *db, struct ll_audit *a,
				     const char *run_id, struct rowset *out,
				     struct ll_error *err)
{
	const char *params[1] = { run_id };
	PGresult *res;
	enum ll_status rc = LL_OK;
	int i;

	(void)a;
	res = ll_db_exec(db, "cannot audit the run's payouts",
			 "SELECT payee, currency, amount_minor "
			 "FROM ledgerline.run_payout WHERE run_id = $1",
			 1, params, PGRES_TUPLES_OK, 3, err);
	if (!res)
		return LL_DB;
	for (i = 0; i < PQntuples(res) && rc == LL_OK; i++) {
		const char *payee = PQgetvalue(res, i, 0);
		const char *ccy = PQgetvalue(res, i, 1);

		rc = payout_row(out, payee, strlen(payee), ccy, strlen(ccy),
				strtoll(PQgetvalue(res, i, 2), NULL, 10), true);
	}
	PQclear(res);
	return rc == LL_OK ? LL_OK : nomem(err);
}

/* s->payees ("payee\x1fccy\x1fminor", one per party total) summed into
 * "payout to P in C: A", as the engine pays. */
static enum ll_status signed_payouts(struct signed_run *s)
{
	size_t i = 0;

	if (s->payees.n)
		qsort(s->payees.v, s->payees.n, sizeof(char *), cmp_str);
	while (i < s->payees.n) {
		const char *key = s->payees.v[i];
		size_t klen = (size_t)(strrchr(key, '\x1f') - key);
		const char *sep = memchr(key, '\x1f', klen);
		int64_t sum = 0;
		bool bad = false;

		for (; i < s->payees.n &&
		       strncmp(s->payees.v[i], key, klen + 1) == 0;
		     i++) {
			int64_t m = strtoll(s->payees.v[i] + klen + 1, NULL, 10);

			bad |= m == INT64_MIN ||
			       __builtin_add_overflow(sum, m, &sum);
		}
		if (payout_row(&s->payouts, key, (size_t)(sep - key), sep + 1,
			       klen - (size_t)(sep - key) - 1, sum,
			       !bad) != LL_OK)
			return LL_NOMEM;
	}
	return LL_OK;
}

/* The run's stored rows against what the posting's statements signed. */
static enum ll_status check_run_rows(struct ll_db *db, struct ll_audit *a,
				     const struct posting *p,
				     struct signed_run *s, struct ll_error *err)
{
	struct rowset lines = { 0 }, inputs = { 0 }, payouts = { 0 };
	enum ll_status rc = stored_lines(db, p->run_id, &lines, err);

	if (rc == LL_OK)
		rc = stored_inputs(db, p->run_id, &inputs, err);
	if (rc == LL_OK)
		rc = stored_payouts(db, a, p->run_id, &payouts, err);
	if (rc == LL_OK && signed_payouts(s) != LL_OK)
		rc = nomem(err);
	if (rc == LL_OK) {
		rowset_diff(a, p->run_id, &lines, &s->lines, "line");
		if (s->inputs_jcs)
			rowset_diff(a, p->run_id, &inputs, &s->inputs, "input");
		rowset_diff(a, p->run_id, &payouts, &s->payouts, "payout");
	}
	rowset_release(&lines);
	rowset_release(&inputs);
	rowset_release(&payouts);
	return rc;
}

/* The posting's stored payments as gather_payments describes signed
 * ones, each end-to-end id checked against the one derived from the
 * posting's run id and number. */
static enum ll_status stored_payments(struct ll_db *db, struct ll_audit *a,
				      const struct posting *p,
				      struct rowset *out, struct ll_error *err)
{
	char pid[32];
	const char *params[1] = { pid };
	enum ll_status rc = LL_OK;
	PGresult *res;
	int i;

	snprintf(pid, sizeof(pid), "%lld", (long long)p->id);
	res = ll_db_exec(db, "cannot audit the posting's payments",
			 "SELECT y.end_to_end_id, y.payee, y.currency, "
			 "x.party, x.amount_minor FROM ledgerline.payment y "
			 "JOIN ledgerline.payment_party x USING (end_to_end_id) "
			 "WHERE y.posting_id = $1::bigint",
			 1, params, PGRES_TUPLES_OK, 5, err);
	if (!res)
		return LL_DB;
	for (i = 0; i < PQntuples(res) && rc == LL_OK; i++) {
		const char *e2e = PQgetvalue(res, i, 0), *ccy = PQgetvalue(res, i, 2);
		char want[LL_END_TO_END_ID_SIZE];
		char *amt = ll_exact_minor_str_i64(
			strtoll(PQgetvalue(res, i, 4), NULL, 10),
			ll_currency_exponent(ccy));

		ll_end_to_end_id(p->run_id, p->number, PQgetvalue(res, i, 1),
				 ccy, want);
		if (strcmp(want, e2e) != 0)
			finding(a, "posting %lld: the payment to %s in %s has "
				"end_to_end_id %s, not the derived %s",
				(long long)p->id, PQgetvalue(res, i, 1), ccy,
				e2e, want);
		rc = amt ? rowset_addf(out, "payment %s to %s in %s for party "
					    "%s: %s", e2e, PQgetvalue(res, i, 1),
				       ccy, PQgetvalue(res, i, 3), amt)
			 : LL_NOMEM;
		free(amt);
	}
	PQclear(res);
	return rc == LL_OK ? LL_OK : nomem(err);
}

/* The posting's payments against what its statements signed (when its
 * statements carry their accounts). */
static enum ll_status check_payments(struct ll_db *db, struct ll_audit *a,
				     const struct posting *p,
				     struct signed_run *s, struct ll_error *err)
{
	struct rowset pays = { 0 };
	enum ll_status rc = stored_payments(db, a, p, &pays, err);

	if (rc == LL_OK && s->has_accounts)
		rowset_diff(a, p->run_id, &pays, &s->payments, "payment");
	rowset_release(&pays);
	return rc;
}

/* One posting: its statements against the key, its root, its run. */
static enum ll_status audit_posting(struct ll_db *db, struct ll_audit *a,
				    const struct posting *p,
				    const struct ll_key *pub,
				    struct ll_error *err)
{
	struct ll_stored_statement *st = NULL;
	struct signed_run s;
	size_t n = 0, i;
	enum ll_status rc;

	memset(&s, 0, sizeof(s));
	if (p->key_id && strcmp(p->key_id, pub->keyid) != 0) {
		finding(a, "posting %lld (run %s) was signed by key %s, not by "
			"the key audited with (%s)",
			(long long)p->id, p->run_id, p->key_id, pub->keyid);
		return LL_OK;
	}
	rc = ll_db_load_statements(db, p->id, &st, &n, err);
	if (rc == LL_OK) {
		s.leaves = calloc(n + 1, sizeof(*s.leaves));
		if (!s.leaves)
			rc = nomem(err);
	}
	for (i = 0; i < n && rc == LL_OK; i++)
		rc = take_statement(a, p, &st[i], pub, &s, err);
	a->statements += (int64_t)n;
	if (rc == LL_OK) {
		check_root(a, p, &s, n);
		/* rows against a statement that did not open would only
		 * repeat that finding */
		if (!s.unreadable)
			rc = check_run_rows(db, a, p, &s, err);
		if (rc == LL_OK && !s.unreadable)
			rc = check_payments(db, a, p, &s, err);
	}
	signed_run_release(&s);
	ll_stored_statements_free(st, n);
	return rc;
}

/* Every posting, oldest first. */
static enum ll_status audit_postings(struct ll_db *db, struct ll_audit *a,
				     const struct ll_key *pub,
				     struct ll_error *err)
{
	PGresult *res;
	enum ll_status rc = LL_OK;
	int i;

	res = ll_db_exec(db, "cannot audit the postings",
			 "SELECT p.posting_id, p.run_id, p.licensee, "
			 "p.period_first::text, p.period_last::text, "
			 "r.merkle_root, r.key_id, (WITH RECURSIVE c(id, sup) "
			 "AS (SELECT p.posting_id, p.supersedes UNION ALL SELECT "
			 "q.posting_id, q.supersedes FROM ledgerline.posting q "
			 "JOIN c ON q.posting_id = c.sup) SELECT count(*) FROM "
			 "c) FROM ledgerline.posting p LEFT JOIN "
			 "ledgerline.posting_root r USING (posting_id) ORDER BY "
			 "p.posting_id",
			 0, NULL, PGRES_TUPLES_OK, 8, err);
	if (!res)
		return LL_DB;
	a->postings = PQntuples(res);
	for (i = 0; i < PQntuples(res) && rc == LL_OK; i++) {
		struct posting p;

		p.id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		p.run_id = PQgetvalue(res, i, 1);
		p.licensee = PQgetvalue(res, i, 2);
		p.first = PQgetvalue(res, i, 3);
		p.last = PQgetvalue(res, i, 4);
		p.root = PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5);
		p.key_id = PQgetisnull(res, i, 6) ? NULL : PQgetvalue(res, i, 6);
		p.number = strtoll(PQgetvalue(res, i, 7), NULL, 10);
		rc = audit_posting(db, a, &p, pub, err);
	}
	PQclear(res);
	return rc;
}

/* ---- structure the journal's chain does not cover --------------------- */

/* Queries whose every row is one finding, in words. */
static const char *const row_checks[] = {
	/* a reversal reverses a forward entry of the superseded posting */
	"SELECT 'journal entry ' || r.entry_id || ' (posting ' || r.posting_id "
	"|| ') reverses entry ' || r.reverses || ', not an entry of the "
	"posting it supersedes' FROM ledgerline.journal_entry r JOIN "
	"ledgerline.posting p USING (posting_id) LEFT JOIN "
	"ledgerline.journal_entry e ON e.entry_id = r.reverses WHERE r.kind = "
	"'reversal' AND (e.entry_id IS NULL OR e.kind <> 'posting' OR "
	"p.supersedes IS NULL OR e.posting_id <> p.supersedes) ORDER BY "
	"r.entry_id",
	/* ... and each one once */
	"SELECT 'journal entry ' || reverses || ' is reversed ' || count(*) "
	"|| ' times' FROM ledgerline.journal_entry WHERE kind = 'reversal' "
	"GROUP BY reverses HAVING count(*) > 1 ORDER BY reverses",
	/* a posting is for its run's licensee and period */
	"SELECT 'posting ' || p.posting_id || ' is for ' || p.licensee || ' ' "
	"|| p.period_first || '..' || p.period_last || ', its run ' || "
	"r.run_id || ' for ' || r.licensee || ' ' || r.period_first || '..' "
	"|| r.period_last FROM ledgerline.posting p JOIN ledgerline.run r "
	"USING (run_id) WHERE (p.licensee, p.period_first, p.period_last) <> "
	"(r.licensee, r.period_first, r.period_last) ORDER BY p.posting_id",
	/* the two copies of a posting's run.json, and the run's copy */
	"SELECT 'posting ' || posting_id || ': run_json is not run_json_text' "
	"FROM ledgerline.posting WHERE run_json <> run_json_text::jsonb "
	"ORDER BY posting_id",
	"SELECT 'run ' || r.run_id || ': the run.json stored with the run is "
	"not the one of its first posting ' || p.posting_id FROM "
	"ledgerline.run r JOIN LATERAL (SELECT posting_id, run_json_text FROM "
	"ledgerline.posting q WHERE q.run_id = r.run_id ORDER BY posting_id "
	"LIMIT 1) p ON true WHERE r.run_json <> p.run_json_text::jsonb ORDER "
	"BY r.run_id",
	/* a payment is what its parties and its entry say */
	"SELECT 'payment ' || y.end_to_end_id || ': amount ' || y.amount_minor "
	"|| ', its parties sum to ' || coalesce(sum(x.amount_minor), 0) FROM "
	"ledgerline.payment y LEFT JOIN ledgerline.payment_party x USING "
	"(end_to_end_id) GROUP BY y.end_to_end_id, y.amount_minor HAVING "
	"y.amount_minor <> coalesce(sum(x.amount_minor), 0) ORDER BY 1",
	"WITH want AS (SELECT y.entry_id, p.licensee AS party, "
	"'licensee_payable' AS kind, y.currency, y.amount_minor FROM "
	"ledgerline.payment y JOIN ledgerline.posting p USING (posting_id) "
	"UNION ALL SELECT y.entry_id, x.party, 'party_receivable', "
	"y.currency, -x.amount_minor FROM ledgerline.payment y JOIN "
	"ledgerline.payment_party x USING (end_to_end_id)), got AS (SELECT "
	"l.entry_id, a.party, a.kind, a.currency, l.amount_minor FROM "
	"ledgerline.journal_line l JOIN ledgerline.account a USING "
	"(account_id) WHERE l.entry_id IN (SELECT entry_id FROM "
	"ledgerline.payment)) SELECT DISTINCT 'payment ' || y.end_to_end_id || "
	"' is not what its journal entry ' || y.entry_id || ' says' FROM "
	"ledgerline.payment y LEFT JOIN ledgerline.journal_entry e USING "
	"(entry_id) WHERE e.entry_id IS NULL OR e.kind <> 'payment' OR "
	"e.posting_id <> y.posting_id OR EXISTS ((SELECT party, kind, "
	"currency, amount_minor FROM want w WHERE w.entry_id = y.entry_id "
	"EXCEPT ALL SELECT party, kind, currency, amount_minor FROM got g "
	"WHERE g.entry_id = y.entry_id) UNION ALL (SELECT party, kind, "
	"currency, amount_minor FROM got g WHERE g.entry_id = y.entry_id "
	"EXCEPT ALL SELECT party, kind, currency, amount_minor FROM want w "
	"WHERE w.entry_id = y.entry_id)) ORDER BY 1",
	"SELECT 'journal entry ' || e.entry_id || ' is a payment that no "
	"payment row names' FROM ledgerline.journal_entry e WHERE e.kind = "
	"'payment' AND NOT EXISTS (SELECT 1 FROM ledgerline.payment y WHERE "
	"y.entry_id = e.entry_id) ORDER BY e.entry_id",
	/* a return reverses a recorded payment's entry, in its posting */
	"SELECT 'journal entry ' || r.entry_id || ' returns no recorded "
	"payment of its posting' FROM ledgerline.journal_entry r LEFT JOIN "
	"ledgerline.journal_entry e ON e.entry_id = r.reverses WHERE r.kind = "
	"'payment_return' AND (e.entry_id IS NULL OR e.kind <> 'payment' OR "
	"e.posting_id <> r.posting_id OR NOT EXISTS (SELECT 1 FROM "
	"ledgerline.payment_return t JOIN ledgerline.payment y USING "
	"(end_to_end_id) WHERE t.entry_id = r.entry_id AND y.entry_id = "
	"r.reverses)) ORDER BY r.entry_id",
	"SELECT 'the return of payment ' || t.end_to_end_id || ' has no "
	"entry that reverses it' FROM ledgerline.payment_return t LEFT JOIN "
	"ledgerline.payment y USING (end_to_end_id) LEFT JOIN "
	"ledgerline.journal_entry r ON r.entry_id = t.entry_id WHERE "
	"r.entry_id IS NULL OR r.kind <> 'payment_return' OR r.reverses IS "
	"DISTINCT FROM y.entry_id ORDER BY 1",
	/* Σ lines = party total, Σ parties = licence total (the database
	 * checks them only when a run is inserted) */
	"SELECT 'run ' || p.run_id || ': the total of ' || p.party || ' under "
	"' || p.licence || ' is ' || p.amount_minor || ', its lines sum to ' "
	"|| coalesce(sum(l.amount_minor), 0) FROM ledgerline.run_party p LEFT "
	"JOIN ledgerline.run_line l USING (run_id, licence, party) GROUP BY "
	"p.run_id, p.licence, p.party, p.amount_minor HAVING p.amount_minor "
	"<> coalesce(sum(l.amount_minor), 0) ORDER BY 1",
	"SELECT 'run ' || c.run_id || ': the total of licence ' || c.licence "
	"|| ' is ' || c.amount_minor || ', its parties sum to ' || "
	"coalesce(sum(p.amount_minor), 0) FROM ledgerline.run_licence c LEFT "
	"JOIN ledgerline.run_party p USING (run_id, licence) GROUP BY "
	"c.run_id, c.licence, c.amount_minor HAVING c.amount_minor <> "
	"coalesce(sum(p.amount_minor), 0) ORDER BY 1",
};

static enum ll_status audit_rows(struct ll_db *db, struct ll_audit *a,
				 struct ll_error *err)
{
	size_t i;
	int k;

	for (i = 0; i < sizeof(row_checks) / sizeof(row_checks[0]); i++) {
		PGresult *res = ll_db_exec(db, "cannot audit the postings",
					   row_checks[i], 0, NULL,
					   PGRES_TUPLES_OK, 1, err);

		if (!res)
			return LL_DB;
		for (k = 0; k < PQntuples(res); k++)
			finding(a, "%s", PQgetvalue(res, k, 0));
		PQclear(res);
	}
	return LL_OK;
}

/* ---- compliance reports ----------------------------------------------- */

/* The compliance report stored with a run against the digest its
 * run.json (covered by the journal's chain) names. */
static void check_compliance(struct ll_audit *a, const char *run_id,
			     const char *run_json, const char *compliance)
{
	json_t *rj = json_loads(run_json, 0, NULL);
	json_t *c = json_loads(compliance, 0, NULL);
	const char *want = json_string_value(
		json_object_get(json_object_get(rj, "compliance"), "sha256"));
	char *jcs = c ? ll_json_jcs(c) : NULL;
	char hex[65] = "";
	uint8_t d[LL_SHA256_LEN];

	if (jcs) {
		ll_sha256(jcs, strlen(jcs), d);
		ll_hex(d, sizeof(d), hex);
	}
	if (!want)
		finding(a, "run %s: its run.json names no compliance report "
			"digest", run_id);
	else if (strcmp(want, hex) != 0)
		finding(a, "run %s: the stored compliance report (sha256 %s) "
			"is not the one its run.json names (%s)",
			run_id, hex[0] ? hex : "unreadable", want);
	free(jcs);
	json_decref(rj);
	json_decref(c);
}

static enum ll_status audit_compliance(struct ll_db *db, struct ll_audit *a,
				       struct ll_error *err)
{
	PGresult *res;
	int i;

	res = ll_db_exec(db, "cannot audit the compliance reports",
			 "SELECT r.run_id, p.run_json_text, r.compliance::text "
			 "FROM ledgerline.run r JOIN LATERAL (SELECT "
			 "run_json_text FROM ledgerline.posting q WHERE q.run_id "
			 "= r.run_id ORDER BY posting_id LIMIT 1) p ON true "
			 "ORDER BY r.run_id",
			 0, NULL, PGRES_TUPLES_OK, 3, err);
	if (!res)
		return LL_DB;
	for (i = 0; i < PQntuples(res); i++)
		check_compliance(a, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
				 PQgetvalue(res, i, 2));
	PQclear(res);
	return LL_OK;
}

/* ---- registry records -------------------------------------------------- */

/* Record row i's digest recomputed as the core computes it when reading
 * the record back (ll_registry_add_stored). */
static enum ll_status check_record(struct ll_audit *a, PGresult *res, int i,
				   struct ll_error *err)
{
	const char *kind = PQgetvalue(res, i, 0), *id = PQgetvalue(res, i, 1);
	const char *version = PQgetvalue(res, i, 2), *body = PQgetvalue(res, i, 4);
	struct ll_registry reg;
	struct ll_errlist errs;
	enum ll_status rc = LL_INVALID;
	int k;

	ll_registry_init(&reg);
	ll_errlist_init(&errs, 1);
	for (k = 0; k < LL_REC_KIND_COUNT; k++) {
		if (strcmp(ll_record_kind_name((enum ll_record_kind)k), kind) != 0)
			continue;
		rc = ll_registry_add_stored(&reg, (enum ll_record_kind)k,
					    (int)strtol(version, NULL, 10),
					    PQgetvalue(res, i, 3), body,
					    strlen(body), &errs);
		break;
	}
	if (rc == LL_DB)
		finding(a, "registry record %s %s version %s: its content does "
			"not match its stored sha256 (changed outside ledgerline)",
			kind, id, version);
	else if (rc != LL_OK && rc != LL_NOMEM)
		finding(a, "registry record %s %s version %s does not validate",
			kind, id, version);
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
	return rc == LL_NOMEM ? nomem(err) : LL_OK;
}

static enum ll_status audit_registry(struct ll_db *db, struct ll_audit *a,
				     struct ll_error *err)
{
	PGresult *res;
	enum ll_status rc = LL_OK;
	int i;

	res = ll_db_exec(db, "cannot audit the registry",
			 "SELECT kind, id, version, sha256, body::text FROM "
			 "ledgerline.registry_record ORDER BY kind COLLATE "
			 "\"C\", id COLLATE \"C\", version",
			 0, NULL, PGRES_TUPLES_OK, 5, err);
	if (!res)
		return LL_DB;
	a->records = PQntuples(res);
	for (i = 0; i < PQntuples(res) && rc == LL_OK; i++)
		rc = check_record(a, res, i, err);
	PQclear(res);
	return rc;
}

/* ---- the audit --------------------------------------------------------- */

enum ll_status ll_db_audit(struct ll_db *db, const struct ll_key *pub,
			   const struct ll_audit_checkpoint *kept,
			   size_t n_kept, struct ll_audit *a,
			   struct ll_error *err)
{
	struct ll_audit_chain ch = { NULL, NULL, 0 };
	enum ll_status rc;

	memset(a, 0, sizeof(*a));
	rc = ll_db_cmd(db, "cannot start the audit",
		       "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
		       NULL, err);
	if (rc != LL_OK)
		return rc;
	rc = ll_db_audit_journal(db, a, &ch, err);
	if (rc == LL_OK)
		rc = audit_rows(db, a, err);
	if (rc == LL_OK)
		rc = audit_postings(db, a, pub, err);
	if (rc == LL_OK)
		rc = ll_db_audit_checkpoints(db, a, &ch, pub, kept, n_kept, err);
	if (rc == LL_OK)
		rc = audit_compliance(db, a, err);
	if (rc == LL_OK)
		rc = audit_registry(db, a, err);
	if (rc == LL_OK)
		rc = ll_db_audit_trail(db, a, pub, err);
	ll_db_rollback(db);
	ll_audit_chain_release(&ch);
	return rc;
}

/*
 * db_ledger.c — the double-entry ledger (db.h, "the ledger"): posting
 * runs, reversing superseded postings, balances, and the journal's part
 * of the audit (the rest is in db_audit.c).
 *
 * Design decision: the hash of a journal entry is computed here, in C,
 * from the same canonical text when posting and when auditing
 * (entry_digest), and the chain is extended under one advisory lock, so
 * the order of entries is the order of their ids and any change made
 * behind ledgerline's back (even by a superuser with triggers disabled)
 * breaks the recomputed chain at the first changed entry.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/account.h"
#include "ledgerline/buf.h"
#include "ledgerline/digest.h"
#include "ledgerline/ident.h"
#include "ledgerline/run.h"

#include "db_internal.h"

static const char LOCK_JOURNAL[] = "7305917423";
static const char GENESIS[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

struct jline {
	char party[72];		/* the account's party */
	char kind[32];		/* the account's kind */
	char currency[4];
	int64_t amount;
};

struct jentry {
	int64_t entry_id, posting_id, reverses;
	char kind[16];
	char run_id[64];
	char licence[72];
	/* the posting the entry belongs to, so that editing a posting row
	 * breaks the chain too */
	char posting_run[64];
	char period[24];	/* "first..last" */
	int64_t supersedes;
	char run_json_sha256[65];
	struct jline *lines;
	size_t n, cap;
};

static void jentry_release(struct jentry *e)
{
	free(e->lines);
	memset(e, 0, sizeof(*e));
}

static enum ll_status jentry_add(struct jentry *e, const char *party,
				 const char *kind, const char *currency,
				 int64_t amount, struct ll_error *err)
{
	struct jline *l;

	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 8;
		struct jline *nv = realloc(e->lines, ncap * sizeof(*nv));

		if (!nv)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		e->lines = nv;
		e->cap = ncap;
	}
	l = &e->lines[e->n];
	if (ll_db_field(l->party, sizeof(l->party), party, "party", err) !=
		    LL_OK ||
	    ll_db_field(l->kind, sizeof(l->kind), kind, "kind", err) !=
		    LL_OK ||
	    ll_db_field(l->currency, sizeof(l->currency), currency,
			"currency", err) != LL_OK)
		return LL_DB;
	l->amount = amount;
	e->n++;
	return LL_OK;
}

/* hash = SHA-256(prev_hash "\n" canonical entry text), hex. */
static void entry_digest(const char *prev, const struct jentry *e,
			 char out[65])
{
	struct ll_sha256_ctx c;
	uint8_t d[LL_SHA256_LEN];
	char buf[512];
	size_t i;
	int n;

	LL_ENSURE(ll_sha256_init(&c) == LL_OK);
	n = snprintf(buf, sizeof(buf),
		     "%s\nledgerline-journal-v1\nentry %lld\nposting %lld %s "
		     "%s %lld %s\nkind %s\nreverses %lld\nrun %s\nlicence %s\n",
		     prev, (long long)e->entry_id, (long long)e->posting_id,
		     e->posting_run, e->period, (long long)e->supersedes,
		     e->run_json_sha256, e->kind, (long long)e->reverses,
		     e->run_id, e->licence);
	LL_ENSURE(n > 0 && (size_t)n < sizeof(buf));
	ll_sha256_update(&c, buf, (size_t)n);
	for (i = 0; i < e->n; i++) {
		const struct jline *l = &e->lines[i];

		n = snprintf(buf, sizeof(buf), "line %zu %s %s %s %lld\n",
			     i + 1, l->party, l->kind, l->currency,
			     (long long)l->amount);
		LL_ENSURE(n > 0 && (size_t)n < sizeof(buf));
		ll_sha256_update(&c, buf, (size_t)n);
	}
	ll_sha256_final(&c, d);
	ll_hex(d, sizeof(d), out);
}

void ll_current_posting_release(struct ll_current_posting *c)
{
	free(c->run_json);
	memset(c, 0, sizeof(*c));
}

enum ll_status ll_db_current_posting(struct ll_db *db, const char *licensee,
				     const char *first, const char *last,
				     struct ll_current_posting *cur,
				     struct ll_error *err)
{
	const char *params[3] = { licensee, first, last };
	enum ll_status rc;
	PGresult *res;

	memset(cur, 0, sizeof(*cur));
	res = ll_db_exec(db, "cannot read the current posting",
			 "SELECT p.posting_id, p.run_id, p.run_json_text "
			 "FROM ledgerline.posting p WHERE p.licensee = $1 "
			 "AND p.period_first = $2::date AND p.period_last = "
			 "$3::date AND NOT EXISTS (SELECT 1 FROM "
			 "ledgerline.posting q WHERE q.supersedes = "
			 "p.posting_id) ORDER BY p.posting_id",
			 3, params, PGRES_TUPLES_OK, 3, err);
	if (!res)
		return LL_DB;
	if (PQntuples(res) > 1) {
		PQclear(res);
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "more than one posting in force for %s "
				    "%s..%s: run 'ledgerline audit'",
				    licensee, first, last);
	}
	if (PQntuples(res) == 1) {
		cur->exists = true;
		cur->posting_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		rc = ll_db_value(res, 0, 1, "run_id", cur->run_id,
				 sizeof(cur->run_id), err);
		if (rc != LL_OK) {
			PQclear(res);
			return rc;
		}
		cur->run_json = strdup(PQgetvalue(res, 0, 2));
		if (!cur->run_json) {
			PQclear(res);
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		}
	}
	PQclear(res);
	return LL_OK;
}

/* Rows (party, currency, minor) of res as a new array of party amounts;
 * res is cleared. */
static enum ll_status party_amounts(PGresult *res, struct ll_party_amount **out,
				    size_t *n, struct ll_error *err)
{
	int i, rows = PQntuples(res);

	*out = calloc((size_t)(rows ? rows : 1), sizeof(**out));
	if (!*out) {
		PQclear(res);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	for (i = 0; i < rows; i++) {
		if (ll_db_value(res, i, 0, "party", (*out)[i].party,
				sizeof((*out)[i].party), err) != LL_OK ||
		    ll_db_value(res, i, 1, "currency", (*out)[i].currency,
				sizeof((*out)[i].currency), err) != LL_OK) {
			PQclear(res);
			free(*out);
			*out = NULL;
			return LL_DB;
		}
		(*out)[i].minor = strtoll(PQgetvalue(res, i, 2), NULL, 10);
	}
	*n = (size_t)rows;
	PQclear(res);
	return LL_OK;
}

enum ll_status ll_db_run_party_amounts(struct ll_db *db, const char *run_id,
				       struct ll_party_amount **out, size_t *n,
				       struct ll_error *err)
{
	const char *params[1] = { run_id };
	PGresult *res;

	*out = NULL;
	*n = 0;
	res = ll_db_exec(db, "cannot read a run's party totals",
			 "SELECT p.party, l.currency, sum(p.amount_minor) "
			 "FROM ledgerline.run_party p JOIN "
			 "ledgerline.run_licence l USING (run_id, licence) "
			 "WHERE p.run_id = $1 GROUP BY 1, 2 "
			 "ORDER BY p.party COLLATE \"C\", l.currency COLLATE \"C\"",
			 1, params, PGRES_TUPLES_OK, 3, err);
	if (!res)
		return LL_DB;
	return party_amounts(res, out, n, err);
}

enum ll_status ll_db_lock_licensee(struct ll_db *db, const char *licensee,
				   struct ll_error *err)
{
	const char *params[1] = { licensee };
	PGresult *res = ll_db_exec(
		db, "cannot lock the licensee",
		"SELECT pg_advisory_xact_lock(hashtextextended("
		"'ledgerline.licensee\x1f' || $1, 0))",
		1, params, PGRES_TUPLES_OK, 1, err);

	if (!res)
		return LL_DB;
	PQclear(res);
	return LL_OK;
}

enum ll_status ll_db_open_balances(struct ll_db *db, const char *licensee,
				   struct ll_party_amount **out, size_t *n,
				   struct ll_error *err)
{
	const char *params[1] = { licensee };
	PGresult *res;

	*out = NULL;
	*n = 0;
	res = ll_db_exec(db, "cannot read the open balances",
			 "SELECT a.party, a.currency, sum(l.amount_minor) "
			 "FROM ledgerline.journal_line l JOIN "
			 "ledgerline.account a USING (account_id) JOIN "
			 "ledgerline.journal_entry e USING (entry_id) JOIN "
			 "ledgerline.posting p ON p.posting_id = e.posting_id "
			 "WHERE p.licensee = $1 AND a.kind IN "
			 "('party_receivable', 'unallocated_receivable') "
			 "GROUP BY 1, 2 HAVING sum(l.amount_minor) <> 0 "
			 "ORDER BY a.party COLLATE \"C\", a.currency COLLATE \"C\"",
			 1, params, PGRES_TUPLES_OK, 3, err);
	if (!res)
		return LL_DB;
	return party_amounts(res, out, n, err);
}

/* ---- posting ---------------------------------------------------------- */

/* The distinct accounts (party, kind, currency) of a batch of lines, in
 * the order the lines first use them, and each line's account. */
struct acct_set {
	struct ll_strmap ix;		/* "party\x1fkind\x1fccy" -> index */
	char **keys;			/* owned; the map borrows them */
	const struct jline **first;	/* each account's first line */
	char (*ids)[32];		/* each account's id, once read */
	size_t n;
	size_t *of_line;		/* each line's account */
};

static enum ll_status nomem(struct ll_error *err)
{
	return ll_error_set(err, LL_NOMEM, NULL, 0, NULL, "out of memory");
}

static void acct_set_release(struct acct_set *s)
{
	size_t i;

	for (i = 0; s->keys && i < s->n; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->first);
	free(s->ids);
	free(s->of_line);
	ll_strmap_release(&s->ix);
}

/* Index the accounts of the lines of v[0..n), total lines in all. */
static enum ll_status acct_set_build(struct acct_set *s,
				     struct jentry *const *v, size_t n,
				     size_t total, struct ll_error *err)
{
	size_t i, j, k = 0;

	memset(s, 0, sizeof(*s));
	ll_strmap_init(&s->ix);
	s->keys = calloc(total + 1, sizeof(*s->keys));
	s->first = calloc(total + 1, sizeof(*s->first));
	s->ids = calloc(total + 1, sizeof(*s->ids));
	s->of_line = calloc(total + 1, sizeof(*s->of_line));
	if (!s->keys || !s->first || !s->ids || !s->of_line)
		return nomem(err);
	for (i = 0; i < n; i++) {
		for (j = 0; j < v[i]->n; j++, k++) {
			const struct jline *l = &v[i]->lines[j];
			char key[sizeof(l->party) + sizeof(l->kind) +
				 sizeof(l->currency)];

			snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", l->party,
				 l->kind, l->currency);
			if (ll_strmap_get(&s->ix, key, &s->of_line[k]))
				continue;
			s->keys[s->n] = strdup(key);
			if (!s->keys[s->n])
				return nomem(err);
			if (ll_strmap_put(&s->ix, s->keys[s->n], s->n, NULL,
					  NULL) != LL_OK) {
				free(s->keys[s->n]);
				s->keys[s->n] = NULL;
				return nomem(err);
			}
			s->first[s->n] = l;
			s->of_line[k] = s->n++;
		}
	}
	return LL_OK;
}

/* Append s as element i of the array literal b, always double-quoted
 * with '"' and '\' escaped: unquoted, a party id such as NULL would be a
 * null element. */
static void array_add(struct ll_buf *b, size_t i, const char *s)
{
	size_t k;

	ll_buf_str(b, i ? ",\"" : "{\"");
	while (*s) {
		k = strcspn(s, "\"\\");
		ll_buf_add(b, s, k);
		s += k;
		if (*s) {
			ll_buf_add(b, "\\", 1);
			ll_buf_add(b, s++, 1);
		}
	}
	ll_buf_add(b, "\"", 1);
}

/* The accounts of s as three text[] literals: parties, kinds,
 * currencies. */
static enum ll_status acct_arrays(const struct acct_set *s, struct ll_buf a[3],
				  struct ll_error *err)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		array_add(&a[0], i, s->first[i]->party);
		array_add(&a[1], i, s->first[i]->kind);
		array_add(&a[2], i, s->first[i]->currency);
	}
	for (i = 0; i < 3; i++)
		ll_buf_str(&a[i], s->n ? "}" : "{}");
	return a[0].fail || a[1].fail || a[2].fail ? nomem(err) : LL_OK;
}

/* The accounts as rows (party, kind, currency, ord), ord from 1 in the
 * order of s. */
#define ACCOUNTS_UNNEST                                                      \
	"unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u "  \
	"(party, kind, currency, ord)"

/* Open the accounts of s that do not exist yet, in s's order (so their
 * ids increase in the order the lines first use them), then read every
 * account's id into s->ids: two statements whatever their number. */
static enum ll_status open_accounts(struct ll_db *db, struct acct_set *s,
				    struct ll_error *err)
{
	struct ll_buf a[3] = { LL_BUF_INIT, LL_BUF_INIT, LL_BUF_INIT };
	const char *params[3];
	enum ll_status rc;
	PGresult *res = NULL;
	size_t i;

	rc = s->n ? acct_arrays(s, a, err) : LL_OK;
	for (i = 0; i < 3; i++)
		params[i] = a[i].s;
	if (rc == LL_OK && s->n)
		rc = ll_db_cmd(
			db, "cannot open an account",
			"INSERT INTO ledgerline.account (party, kind, "
			"currency) SELECT u.party, u.kind, u.currency FROM "
			ACCOUNTS_UNNEST " WHERE NOT EXISTS (SELECT 1 FROM "
			"ledgerline.account a WHERE a.party = u.party AND "
			"a.kind = u.kind AND a.currency = u.currency) ORDER "
			"BY u.ord ON CONFLICT (party, kind, currency) DO "
			"NOTHING",
			3, params, err);
	if (rc == LL_OK && s->n) {
		res = ll_db_exec(db, "cannot open an account",
				 "SELECT a.account_id FROM " ACCOUNTS_UNNEST
				 " LEFT JOIN ledgerline.account a ON a.party "
				 "= u.party AND a.kind = u.kind AND a.currency "
				 "= u.currency ORDER BY u.ord",
				 3, params, PGRES_TUPLES_OK, 1, err);
		rc = res ? LL_OK : LL_DB;
	}
	for (i = 0; i < s->n && rc == LL_OK; i++) {
		if ((size_t)PQntuples(res) <= i || PQgetisnull(res, (int)i, 0))
			rc = ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
					  "account for %s %s %s not found",
					  s->first[i]->party, s->first[i]->kind,
					  s->first[i]->currency);
		else
			rc = ll_db_value(res, (int)i, 0, "account_id",
					 s->ids[i], sizeof(s->ids[i]), err);
	}
	PQclear(res);
	for (i = 0; i < 3; i++)
		free(a[i].s);
	return rc;
}

static enum ll_status set_posting(struct jentry *e, const char *run_id,
				  const char *period, int64_t supersedes,
				  const char *json_sha, struct ll_error *err)
{
	e->supersedes = supersedes;
	if (ll_db_field(e->posting_run, sizeof(e->posting_run), run_id,
			"run_id", err) != LL_OK ||
	    ll_db_field(e->period, sizeof(e->period), period, "period",
			err) != LL_OK ||
	    ll_db_field(e->run_json_sha256, sizeof(e->run_json_sha256),
			json_sha, "run_json_sha256", err) != LL_OK)
		return LL_DB;
	return LL_OK;
}

static int cmp_entry_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Number the entries v[0..n) in one round trip: n ids from the journal's
 * sequence, ascending along v (the chain's order is the ids' order). */
static enum ll_status number_entries(struct ll_db *db,
				     struct jentry *const *v, size_t n,
				     struct ll_error *err)
{
	char count[32];
	const char *params[1] = { count };
	int64_t *ids;
	PGresult *res;
	size_t i;

	snprintf(count, sizeof(count), "%zu", n);
	res = ll_db_exec(db, "cannot number a journal entry",
			 "SELECT nextval('ledgerline.journal_entry_seq') "
			 "FROM generate_series(1, $1::bigint)",
			 1, params, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	if ((size_t)PQntuples(res) != n) {
		PQclear(res);
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "asked for %zu journal entry ids, got %d",
				    n, PQntuples(res));
	}
	ids = calloc(n + 1, sizeof(*ids));
	if (!ids) {
		PQclear(res);
		return nomem(err);
	}
	for (i = 0; i < n; i++)
		ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
	PQclear(res);
	qsort(ids, n, sizeof(*ids), cmp_entry_id);
	for (i = 0; i < n; i++)
		v[i]->entry_id = ids[i];
	free(ids);
	return LL_OK;
}

/* Insert the rows of v[0..n), in this order, numbered here and chained
 * after prev; prev becomes the last one's hash.  One COPY; their lines go
 * in later, by copy_lines. */
static enum ll_status insert_entries(struct ll_db *db, struct jentry *const *v,
				     size_t n, char prev[65],
				     struct ll_error *err)
{
	struct ll_db_copy *c;
	char head[65];
	enum ll_status rc;
	size_t i;

	if (n == 0)
		return LL_OK;
	rc = number_entries(db, v, n, err);
	if (rc == LL_OK)
		rc = ll_db_copy_begin(db,
				      "COPY ledgerline.journal_entry (entry_id, "
				      "posting_id, kind, reverses, run_id, "
				      "licence, prev_hash, hash) FROM STDIN",
				      "cannot write a journal entry", &c, err);
	if (rc != LL_OK)
		return rc;
	memcpy(head, prev, sizeof(head));
	for (i = 0; i < n; i++) {
		const struct jentry *e = v[i];
		char id[32], posting[32], reverses[32], hash[65];

		entry_digest(head, e, hash);
		snprintf(id, sizeof(id), "%lld", (long long)e->entry_id);
		snprintf(posting, sizeof(posting), "%lld",
			 (long long)e->posting_id);
		snprintf(reverses, sizeof(reverses), "%lld",
			 (long long)e->reverses);
		ll_db_copy_field(c, id, 0);
		ll_db_copy_field(c, posting, 0);
		ll_db_copy_field(c, e->kind, 0);
		ll_db_copy_field(c, e->reverses ? reverses : NULL, 0);
		ll_db_copy_field(c, e->run_id, 0);
		ll_db_copy_field(c, e->licence, 0);
		ll_db_copy_field(c, head, 0);
		ll_db_copy_field(c, hash, 1);
		memcpy(head, hash, sizeof(head));
	}
	rc = ll_db_copy_end(c, err);
	if (rc == LL_OK)
		memcpy(prev, head, sizeof(head));
	return rc;
}

/* The lines of entries[0..n), in one COPY, after opening their
 * accounts. */
static enum ll_status copy_lines(struct ll_db *db, struct jentry *const *v,
				 size_t n, struct ll_error *err)
{
	struct acct_set s;
	struct ll_db_copy *c = NULL;
	size_t total = 0, k = 0, i, j;
	enum ll_status rc;

	for (i = 0; i < n; i++)
		total += v[i]->n;
	rc = acct_set_build(&s, v, n, total, err);
	/* accounts first: opening them is a statement, not part of a COPY */
	if (rc == LL_OK)
		rc = open_accounts(db, &s, err);
	if (rc == LL_OK)
		rc = ll_db_copy_begin(db,
				      "COPY ledgerline.journal_line (entry_id, "
				      "line_no, account_id, party, currency, "
				      "amount_minor) FROM STDIN",
				      "cannot write journal lines", &c, err);
	for (i = 0; i < n && rc == LL_OK; i++) {
		char id[32];

		snprintf(id, sizeof(id), "%lld", (long long)v[i]->entry_id);
		for (j = 0; j < v[i]->n; j++, k++) {
			const struct jline *l = &v[i]->lines[j];
			char no[24], amount[32];

			snprintf(no, sizeof(no), "%zu", j + 1);
			snprintf(amount, sizeof(amount), "%lld",
				 (long long)l->amount);
			ll_db_copy_field(c, id, 0);
			ll_db_copy_field(c, no, 0);
			ll_db_copy_field(c, s.ids[s.of_line[k]], 0);
			ll_db_copy_field(c, l->party, 0);
			ll_db_copy_field(c, l->currency, 0);
			ll_db_copy_field(c, amount, 1);
		}
	}
	if (c)
		rc = ll_db_copy_end(c, err);
	acct_set_release(&s);
	return rc;
}

/* The entries of posting_id that are not reversals, with their lines. */
static enum ll_status load_entries(struct ll_db *db, int64_t posting_id,
				   struct jentry **out, size_t *n,
				   struct ll_error *err)
{
	char pid[32];
	const char *params[1] = { pid };
	enum ll_status rc = LL_OK;
	PGresult *res;
	int i, rows;

	*out = NULL;
	*n = 0;
	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	res = ll_db_exec(db, "cannot read the superseded posting",
			 "SELECT e.entry_id, e.run_id, e.licence, a.party, "
			 "a.kind, l.currency, l.amount_minor FROM "
			 "ledgerline.journal_entry e JOIN "
			 "ledgerline.journal_line l USING (entry_id) JOIN "
			 "ledgerline.account a USING (account_id) WHERE "
			 "e.posting_id = $1::bigint AND e.kind = 'posting' "
			 "ORDER BY e.entry_id, l.line_no",
			 1, params, PGRES_TUPLES_OK, 7, err);
	if (!res)
		return LL_DB;
	rows = PQntuples(res);
	*out = calloc((size_t)(rows ? rows : 1), sizeof(**out));
	if (!*out) {
		PQclear(res);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	for (i = 0; i < rows; i++) {
		int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		struct jentry *e;

		if (*n == 0 || (*out)[*n - 1].reverses != id) {
			e = &(*out)[(*n)++];
			e->reverses = id;
			snprintf(e->kind, sizeof(e->kind), "reversal");
			rc = ll_db_value(res, i, 1, "run_id", e->run_id,
					 sizeof(e->run_id), err);
			if (rc == LL_OK)
				rc = ll_db_value(res, i, 2, "licence",
						 e->licence,
						 sizeof(e->licence), err);
		}
		e = &(*out)[*n - 1];
		if (rc == LL_OK)
			rc = jentry_add(e, PQgetvalue(res, i, 3),
					PQgetvalue(res, i, 4),
					PQgetvalue(res, i, 5),
					-strtoll(PQgetvalue(res, i, 6), NULL,
						 10),
					err);
		if (rc != LL_OK) {
			PQclear(res);
			return rc;
		}
	}
	PQclear(res);
	return LL_OK;
}

/* The entry posting licence total lt of run r. */
static enum ll_status run_entry(const struct ll_run *r,
				const struct ll_licence_total *lt,
				struct jentry *e, struct ll_error *err)
{
	const struct ll_registry *reg = r->reg;
	const struct ll_licence *lic = &reg->licences.v[lt->licence];
	enum ll_status rc;
	size_t i, k;

	snprintf(e->kind, sizeof(e->kind), "posting");
	if (ll_db_field(e->run_id, sizeof(e->run_id), r->id, "run_id", err) !=
		    LL_OK ||
	    ll_db_field(e->licence, sizeof(e->licence), lic->id, "licence",
			err) != LL_OK)
		return LL_DB;
	rc = jentry_add(e, lic->licensee, "licensee_payable", lic->currency,
			-lt->minor, err);
	for (i = 0; i < r->st.n_parties && rc == LL_OK; i++) {
		const struct ll_party_total *pt = &r->st.parties[i];
		int64_t receivable = 0, unallocated = 0;

		if (pt->licence != lt->licence)
			continue;
		for (k = 0; k < pt->n_lines; k++) {
			const struct ll_line *l = &r->st.lines[pt->first_line + k];

			if (l->component == LL_COMP_UNALLOCATED)
				unallocated += l->minor;
			else
				receivable += l->minor;
		}
		LL_ENSURE(receivable + unallocated == pt->minor);
		if (receivable)
			rc = jentry_add(e, reg->parties.v[pt->party].id,
					"party_receivable", lic->currency,
					receivable, err);
		if (rc == LL_OK && unallocated)
			rc = jentry_add(e, reg->parties.v[pt->party].id,
					"unallocated_receivable", lic->currency,
					unallocated, err);
	}
	return rc;
}

/* The entry of payment k of acc: the licensee's payable debited by the
 * amount, each party it settles credited by its open balance. */
static enum ll_status payment_entry(const struct ll_run *r,
				    const struct ll_accounts *acc, size_t k,
				    struct jentry *e, struct ll_error *err)
{
	const struct ll_payment *pm = &acc->pay[k];
	enum ll_status rc;
	size_t i;

	snprintf(e->kind, sizeof(e->kind), "payment");
	if (ll_db_field(e->run_id, sizeof(e->run_id), r->id, "run_id", err) !=
	    LL_OK)
		return LL_DB;
	rc = jentry_add(e, r->licensee, "licensee_payable", pm->currency,
			pm->amount, err);
	for (i = 0; i < acc->n && rc == LL_OK; i++) {
		const struct ll_account *a = &acc->v[i];

		if (a->paid && a->payment == k)
			rc = jentry_add(e, r->reg->parties.v[a->party].id,
					"party_receivable", a->currency,
					-a->payments, err);
	}
	return rc;
}

/* One posting while it is written: the run, its row and its entries. */
struct post_job {
	const struct ll_accounts *acc;
	struct jentry *pay;		/* the payments' entries */
	size_t n_pay;
	const struct ll_run *r;
	int64_t supersedes, posting_id;
	char first[11], last[11];
	char period[24];		/* "first..last" */
	char json_sha[65];		/* SHA-256 of the run's JSON */
	char prev[65];			/* the journal's head hash */
	struct jentry *rev, *fwd;	/* reversals, the run's entries */
	size_t n_rev, n_fwd;
	struct jentry **all;		/* chain order, borrowed from rev, fwd */
	size_t n_all;
};

/* Lock the journal (until the transaction ends) and read its head. */
static enum ll_status journal_head(struct ll_db *db, char prev[65],
				   struct ll_error *err)
{
	enum ll_status rc;
	PGresult *res;

	res = ll_db_exec(db, "cannot lock the journal",
			 "SELECT pg_advisory_xact_lock($1::bigint)", 1,
			 (const char *const[]){ LOCK_JOURNAL }, PGRES_TUPLES_OK,
			 1, err);
	if (!res)
		return LL_DB;
	PQclear(res);
	res = ll_db_exec(db, "cannot read the journal head",
			 "SELECT hash FROM ledgerline.journal_entry ORDER BY "
			 "entry_id DESC LIMIT 1",
			 0, NULL, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	rc = ll_db_field(prev, 65,
			 PQntuples(res) ? PQgetvalue(res, 0, 0) : GENESIS,
			 "hash", err);
	PQclear(res);
	return rc;
}

/* Insert the posting row of the run; its id into j->posting_id. */
static enum ll_status insert_posting(struct ll_db *db, struct post_job *j,
				     const char *run_json, struct ll_error *err)
{
	char sup[32];
	const char *params[7];
	PGresult *res;

	ll_date_format(j->r->first_day, j->first);
	ll_date_format(j->r->last_day, j->last);
	snprintf(sup, sizeof(sup), "%lld", (long long)j->supersedes);
	params[0] = j->r->id;
	params[1] = j->r->licensee;
	params[2] = j->first;
	params[3] = j->last;
	params[4] = j->supersedes ? sup : NULL;
	params[5] = run_json;
	params[6] = run_json;
	res = ll_db_exec(db, "cannot record the posting",
			 "INSERT INTO ledgerline.posting (run_id, licensee, "
			 "period_first, period_last, supersedes, run_json, "
			 "run_json_text) VALUES ($1, $2, $3::date, $4::date, "
			 "$5::bigint, $6::jsonb, $7) RETURNING posting_id",
			 7, params, PGRES_TUPLES_OK, 1, err);
	if (!res)
		return LL_DB;
	j->posting_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return LL_OK;
}

/* The entries of the posting in chain order in j->all: the superseded
 * posting's reversals, then one per licence with a non-zero total. */
static enum ll_status build_entries(struct ll_db *db, struct post_job *j,
				    struct ll_error *err)
{
	const struct ll_run *r = j->r;
	enum ll_status rc;
	size_t i;

	rc = j->supersedes
		     ? load_entries(db, j->supersedes, &j->rev, &j->n_rev, err)
		     : LL_OK;
	j->fwd = calloc(r->st.n_lic + 1, sizeof(*j->fwd));
	j->pay = calloc(j->acc->n_pay + 1, sizeof(*j->pay));
	j->all = calloc(j->n_rev + r->st.n_lic + j->acc->n_pay + 1,
			sizeof(*j->all));
	if (rc == LL_OK && (!j->fwd || !j->pay || !j->all))
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL, "out of memory");
	for (i = 0; i < j->n_rev && rc == LL_OK; i++) {
		j->rev[i].posting_id = j->posting_id;
		rc = set_posting(&j->rev[i], r->id, j->period, j->supersedes,
				 j->json_sha, err);
		j->all[j->n_all++] = &j->rev[i];
	}
	for (i = 0; i < r->st.n_lic && rc == LL_OK; i++) {
		struct jentry *e = &j->fwd[j->n_fwd];

		if (r->st.lic[i].minor == 0)
			continue;
		e->posting_id = j->posting_id;
		rc = set_posting(e, r->id, j->period, j->supersedes,
				 j->json_sha, err);
		if (rc == LL_OK)
			rc = run_entry(r, &r->st.lic[i], e, err);
		j->n_fwd++;
		j->all[j->n_all++] = e;
	}
	for (i = 0; i < j->acc->n_pay && rc == LL_OK; i++) {
		struct jentry *e = &j->pay[j->n_pay++];

		e->posting_id = j->posting_id;
		rc = set_posting(e, r->id, j->period, j->supersedes,
				 j->json_sha, err);
		if (rc == LL_OK)
			rc = payment_entry(r, j->acc, i, e, err);
		j->all[j->n_all++] = e;
	}
	return rc;
}

/* The payment rows of the posting: one per payment, naming its entry,
 * and one per party it settles. */
/* The posting's payments, then what each settles: two COPYs, not a
 * round trip per row. */
static enum ll_status copy_payments(struct ll_db *db, const struct post_job *j,
				    struct ll_error *err)
{
	const struct ll_accounts *acc = j->acc;
	struct ll_db_copy *c;
	char pid[32], amount[32], entry[32];
	enum ll_status rc;
	size_t k;

	rc = ll_db_copy_begin(db,
			      "COPY ledgerline.payment (posting_id, payee, "
			      "currency, amount_minor, end_to_end_id, "
			      "entry_id) FROM STDIN",
			      "cannot record a payment", &c, err);
	if (rc != LL_OK)
		return rc;
	snprintf(pid, sizeof(pid), "%lld", (long long)j->posting_id);
	for (k = 0; k < acc->n_pay; k++) {
		const struct ll_payment *pm = &acc->pay[k];

		snprintf(amount, sizeof(amount), "%lld", (long long)pm->amount);
		snprintf(entry, sizeof(entry), "%lld",
			 (long long)j->pay[k].entry_id);
		ll_db_copy_field(c, pid, 0);
		ll_db_copy_field(c, j->r->reg->parties.v[pm->payee].id, 0);
		ll_db_copy_field(c, pm->currency, 0);
		ll_db_copy_field(c, amount, 0);
		ll_db_copy_field(c, pm->end_to_end_id, 0);
		ll_db_copy_field(c, entry, 1);
	}
	return ll_db_copy_end(c, err);
}

static enum ll_status copy_payment_parties(struct ll_db *db,
					   const struct post_job *j,
					   struct ll_error *err)
{
	const struct ll_accounts *acc = j->acc;
	struct ll_db_copy *c;
	char amount[32];
	enum ll_status rc;
	size_t i, k;

	rc = ll_db_copy_begin(db,
			      "COPY ledgerline.payment_party (end_to_end_id, "
			      "party, amount_minor) FROM STDIN",
			      "cannot record what a payment settles", &c, err);
	if (rc != LL_OK)
		return rc;
	/* in the order of the payments, as the rows were inserted before */
	for (k = 0; k < acc->n_pay; k++) {
		for (i = 0; i < acc->n; i++) {
			const struct ll_account *a = &acc->v[i];

			if (!a->paid || a->payment != k)
				continue;
			snprintf(amount, sizeof(amount), "%lld",
				 (long long)a->payments);
			ll_db_copy_field(c, acc->pay[k].end_to_end_id, 0);
			ll_db_copy_field(c, j->r->reg->parties.v[a->party].id,
					 0);
			ll_db_copy_field(c, amount, 1);
		}
	}
	return ll_db_copy_end(c, err);
}

static enum ll_status insert_payments(struct ll_db *db,
				      const struct post_job *j,
				      struct ll_error *err)
{
	enum ll_status rc;

	if (j->acc->n_pay == 0)
		return LL_OK;
	rc = copy_payments(db, j, err);
	if (rc == LL_OK)
		rc = copy_payment_parties(db, j, err);
	return rc;
}

/* Free the posting's entries. */
static void post_job_release(struct post_job *j)
{
	size_t i;

	for (i = 0; i < j->n_rev; i++)
		jentry_release(&j->rev[i]);
	for (i = 0; j->fwd && i < j->n_fwd; i++)
		jentry_release(&j->fwd[i]);
	for (i = 0; j->pay && i < j->n_pay; i++)
		jentry_release(&j->pay[i]);
	free(j->rev);
	free(j->fwd);
	free(j->pay);
	free(j->all);
}

enum ll_status ll_db_post_run(struct ll_db *db, const struct ll_run *r,
			      const struct ll_accounts *acc,
			      int64_t supersedes, const char *run_json,
			      int64_t *posting_id_out, int64_t *entries,
			      struct ll_error *err)
{
	struct post_job j;
	uint8_t d[LL_SHA256_LEN];
	enum ll_status rc;

	*entries = 0;
	memset(&j, 0, sizeof(j));
	j.r = r;
	j.acc = acc;
	j.supersedes = supersedes;
	rc = journal_head(db, j.prev, err);
	if (rc == LL_OK)
		rc = insert_posting(db, &j, run_json, err);
	if (rc != LL_OK)
		return rc;
	*posting_id_out = j.posting_id;
	ll_sha256(run_json, strlen(run_json), d);
	ll_hex(d, sizeof(d), j.json_sha);
	snprintf(j.period, sizeof(j.period), "%s..%s", j.first, j.last);
	rc = build_entries(db, &j, err);
	/* entry rows in chain order (reversals, then the new figures, then
	 * the payments) at once, then every line at once */
	if (rc == LL_OK)
		rc = insert_entries(db, j.all, j.n_all, j.prev, err);
	if (rc == LL_OK)
		rc = copy_lines(db, j.all, j.n_all, err);
	if (rc == LL_OK)
		rc = insert_payments(db, &j, err);
	if (rc == LL_OK)
		*entries = (int64_t)j.n_all;
	post_job_release(&j);
	return rc;
}

/* ---- payments -------------------------------------------------------- */

/* Order of accounts by party id, currency (ctx: the registry). */
static int cmp_account(const void *a, const void *b, void *ctx)
{
	const struct ll_account *x = a, *y = b;
	const struct ll_party *pv = ((const struct ll_registry *)ctx)->parties.v;
	int c = strcmp(pv[x->party].id, pv[y->party].id);

	return c ? c : strcmp(x->currency, y->currency);
}

/* Party index of id in reg, or LL_DB with err (a stored payment names a
 * party the registry lacks). */
static enum ll_status party_index(const struct ll_registry *reg,
				  const char *id, uint32_t *out,
				  struct ll_error *err)
{
	size_t p;

	if (!ll_strmap_get(&reg->parties.ix, id, &p))
		return ll_error_set(err, LL_DB, NULL, 0, NULL,
				    "a stored payment names party %s, which "
				    "the registry lacks", id);
	*out = (uint32_t)p;
	return LL_OK;
}

/* Row i of the payments query into acc: a new payment when it differs
 * from the last one, and the party it settles. */
static enum ll_status payment_row(PGresult *res, int i,
				  const struct ll_registry *reg,
				  struct ll_accounts *acc, struct ll_error *err)
{
	const char *e2e = PQgetvalue(res, i, 3);
	struct ll_payment *pm = acc->n_pay ? &acc->pay[acc->n_pay - 1] : NULL;
	struct ll_account *a = &acc->v[acc->n];
	enum ll_status rc = LL_OK;

	if (!pm || strcmp(pm->end_to_end_id, e2e) != 0) {
		pm = &acc->pay[acc->n_pay++];
		rc = party_index(reg, PQgetvalue(res, i, 0), &pm->payee, err);
		if (rc == LL_OK)
			rc = ll_db_value(res, i, 1, "currency", pm->currency,
					 sizeof(pm->currency), err);
		if (rc == LL_OK)
			rc = ll_db_value(res, i, 3, "end_to_end_id",
					 pm->end_to_end_id,
					 sizeof(pm->end_to_end_id), err);
		pm->exponent = ll_currency_exponent(pm->currency);
		pm->amount = strtoll(PQgetvalue(res, i, 2), NULL, 10);
	}
	if (rc == LL_OK)
		rc = party_index(reg, PQgetvalue(res, i, 4), &a->party, err);
	if (rc != LL_OK)
		return rc;
	memcpy(a->currency, pm->currency, sizeof(a->currency));
	a->exponent = pm->exponent;
	a->payments = strtoll(PQgetvalue(res, i, 5), NULL, 10);
	a->paid = true;
	a->payment = acc->n_pay - 1;
	acc->n++;
	return LL_OK;
}

enum ll_status ll_db_load_payments(struct ll_db *db, int64_t posting_id,
				   const struct ll_registry *reg,
				   struct ll_accounts *acc,
				   struct ll_error *err)
{
	char pid[32];
	const char *params[1] = { pid };
	enum ll_status rc = LL_OK;
	PGresult *res;
	int i, rows;

	memset(acc, 0, sizeof(*acc));
	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	res = ll_db_exec(db, "cannot read the posting's payments",
			 "SELECT p.payee, p.currency, p.amount_minor, "
			 "p.end_to_end_id, x.party, x.amount_minor FROM "
			 "ledgerline.payment p JOIN ledgerline.payment_party x "
			 "USING (end_to_end_id) WHERE p.posting_id = $1::bigint "
			 "ORDER BY p.payee COLLATE \"C\", p.currency COLLATE "
			 "\"C\", x.party COLLATE \"C\"",
			 1, params, PGRES_TUPLES_OK, 6, err);
	if (!res)
		return LL_DB;
	rows = PQntuples(res);
	acc->v = calloc((size_t)rows + 1, sizeof(*acc->v));
	acc->pay = calloc((size_t)rows + 1, sizeof(*acc->pay));
	if (!acc->v || !acc->pay)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL, "out of memory");
	for (i = 0; i < rows && rc == LL_OK; i++)
		rc = payment_row(res, i, reg, acc, err);
	PQclear(res);
	if (rc == LL_OK)
		qsort_r(acc->v, acc->n, sizeof(*acc->v), cmp_account,
			(void *)reg);
	else
		ll_accounts_release(acc);
	return rc;
}

/* The payment entry named by end-to-end id e2e as its return: kind
 * payment_return, every line negated, in the payment's posting.
 * LL_INVALID for an unknown or returned id. */
static enum ll_status return_entry(struct ll_db *db, const char *e2e,
				   struct jentry *e, struct ll_error *err)
{
	const char *params[1] = { e2e };
	enum ll_status rc = LL_OK;
	PGresult *res;
	int i;

	res = ll_db_exec(db, "cannot read the payment",
			 "SELECT e.entry_id, e.posting_id, e.run_id, "
			 "p.run_id, p.period_first::text || '..' || "
			 "p.period_last::text, coalesce(p.supersedes, 0), "
			 "encode(sha256(convert_to(p.run_json_text, 'UTF8')), "
			 "'hex'), EXISTS (SELECT 1 FROM ledgerline.payment_return "
			 "r WHERE r.end_to_end_id = y.end_to_end_id), a.party, "
			 "a.kind, l.currency, l.amount_minor FROM "
			 "ledgerline.payment y JOIN ledgerline.journal_entry e "
			 "USING (entry_id) JOIN ledgerline.posting p ON "
			 "p.posting_id = e.posting_id JOIN ledgerline.journal_line "
			 "l ON l.entry_id = e.entry_id JOIN ledgerline.account a "
			 "USING (account_id) WHERE y.end_to_end_id = $1 ORDER BY "
			 "l.line_no",
			 1, params, PGRES_TUPLES_OK, 12, err);
	if (!res)
		return LL_DB;
	if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 7), "t") == 0) {
		rc = ll_error_set(err, LL_INVALID, NULL, 0, e2e,
				  PQntuples(res) ? "payment %s was already "
						   "returned"
						 : "no payment has end-to-end "
						   "id %s",
				  e2e);
		PQclear(res);
		return rc;
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->kind, sizeof(e->kind), "payment_return");
	e->reverses = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	e->posting_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	rc = ll_db_value(res, 0, 2, "run_id", e->run_id, sizeof(e->run_id),
			 err);
	if (rc == LL_OK)
		rc = set_posting(e, PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4),
				 strtoll(PQgetvalue(res, 0, 5), NULL, 10),
				 PQgetvalue(res, 0, 6), err);
	for (i = 0; i < PQntuples(res) && rc == LL_OK; i++)
		rc = jentry_add(e, PQgetvalue(res, i, 8), PQgetvalue(res, i, 9),
				PQgetvalue(res, i, 10),
				-strtoll(PQgetvalue(res, i, 11), NULL, 10),
				err);
	PQclear(res);
	return rc;
}

/* Lock the licensees whose payments ids[0..n) are, in id order (so two
 * returns never wait for each other in a cycle). */
static enum ll_status lock_payees_licensees(struct ll_db *db,
					    const char *const *ids, size_t n,
					    struct ll_error *err)
{
	PGresult *res;
	enum ll_status rc = LL_OK;
	size_t i;
	int k;

	for (i = 0; i < n && rc == LL_OK; i++) {
		const char *params[1] = { ids[i] };

		res = ll_db_exec(db, "cannot read the payment",
				 "SELECT DISTINCT p.licensee FROM "
				 "ledgerline.payment y JOIN ledgerline.posting "
				 "p USING (posting_id) WHERE y.end_to_end_id = "
				 "$1 ORDER BY 1",
				 1, params, PGRES_TUPLES_OK, 1, err);
		if (!res)
			return LL_DB;
		for (k = 0; k < PQntuples(res) && rc == LL_OK; k++)
			rc = ll_db_lock_licensee(db, PQgetvalue(res, k, 0), err);
		PQclear(res);
	}
	return rc;
}

/* Record that entry e returned payment e2e. */
static enum ll_status insert_return(struct ll_db *db, const char *e2e,
				    const struct jentry *e,
				    struct ll_error *err)
{
	char id[32];
	const char *params[2] = { e2e, id };

	snprintf(id, sizeof(id), "%lld", (long long)e->entry_id);
	return ll_db_cmd(db, "cannot record the return",
			 "INSERT INTO ledgerline.payment_return (end_to_end_id, "
			 "entry_id) VALUES ($1, $2::bigint)",
			 2, params, err);
}

enum ll_status ll_db_return_payments(struct ll_db *db,
				     const char *const *ids, size_t n,
				     int64_t *entries, struct ll_error *err)
{
	struct jentry *v = calloc(n + 1, sizeof(*v));
	struct jentry **all = calloc(n + 1, sizeof(*all));
	char prev[65];
	enum ll_status rc = LL_OK;
	size_t i, made = 0;

	*entries = 0;
	if (!v || !all)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL, "out of memory");
	if (rc == LL_OK)
		rc = lock_payees_licensees(db, ids, n, err);
	if (rc == LL_OK)
		rc = journal_head(db, prev, err);
	/* one at a time: an id given twice is returned by the first and
	 * found returned by the second */
	for (i = 0; i < n && rc == LL_OK; i++, made++) {
		all[i] = &v[i];
		rc = return_entry(db, ids[i], &v[i], err);
		if (rc == LL_OK)
			rc = insert_entries(db, &all[i], 1, prev, err);
		if (rc == LL_OK)
			rc = copy_lines(db, &all[i], 1, err);
		if (rc == LL_OK)
			rc = insert_return(db, ids[i], &v[i], err);
	}
	if (rc == LL_OK)
		*entries = (int64_t)n;
	for (i = 0; v && i < made; i++)
		jentry_release(&v[i]);
	free(v);
	free(all);
	return rc;
}

/* ---- party balances --------------------------------------------------- */

enum ll_status ll_db_party_balances(struct ll_db *db, const char *party,
				    struct ll_party_balance **out, size_t *n,
				    struct ll_error *err)
{
	const char *params[1] = { party };
	PGresult *res;
	int i, rows;

	*out = NULL;
	*n = 0;
	if (party) {
		enum ll_status rc = ll_db_party_known(db, party, err);

		if (rc != LL_OK)
			return rc;
	}
	res = ll_db_exec(db, "cannot read balances",
			 "SELECT a.party, a.currency, coalesce(sum(l.amount_minor) "
			 "FILTER (WHERE e.kind IN ('posting', 'reversal')), 0), "
			 "coalesce(-sum(l.amount_minor) FILTER (WHERE e.kind IN "
			 "('payment', 'payment_return')), 0) FROM "
			 "ledgerline.journal_line l JOIN ledgerline.account a "
			 "USING (account_id) JOIN ledgerline.journal_entry e "
			 "USING (entry_id) WHERE a.kind IN ('party_receivable', "
			 "'unallocated_receivable') AND ($1::text IS NULL OR "
			 "a.party = $1) GROUP BY 1, 2 ORDER BY a.party COLLATE "
			 "\"C\", a.currency COLLATE \"C\"",
			 1, params, PGRES_TUPLES_OK, 4, err);
	if (!res)
		return LL_DB;
	rows = PQntuples(res);
	*out = calloc((size_t)rows + 1, sizeof(**out));
	if (!*out) {
		PQclear(res);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	for (i = 0; i < rows; i++) {
		struct ll_party_balance *b = &(*out)[i];

		if (ll_db_value(res, i, 0, "party", b->party, sizeof(b->party),
				err) != LL_OK ||
		    ll_db_value(res, i, 1, "currency", b->currency,
				sizeof(b->currency), err) != LL_OK) {
			PQclear(res);
			free(*out);
			*out = NULL;
			return LL_DB;
		}
		b->earned = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		b->paid = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		b->open = b->earned - b->paid;
	}
	*n = (size_t)rows;
	PQclear(res);
	return LL_OK;
}

/* ---- statements ------------------------------------------------------ */

void ll_stored_statements_free(struct ll_stored_statement *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i].envelope);
	free(v);
}

enum ll_status ll_db_store_statements(struct ll_db *db, int64_t posting_id,
				      const struct ll_stored_statement *v,
				      size_t n, const char *root,
				      const char *key_id, struct ll_error *err)
{
	char pid[32];
	const char *params[3];
	struct ll_db_copy *c;
	enum ll_status rc;
	size_t i;

	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	params[0] = pid;
	params[1] = root;
	params[2] = key_id;
	rc = ll_db_cmd(db, "cannot record the statements' root",
		       "INSERT INTO ledgerline.posting_root (posting_id, "
		       "merkle_root, key_id) VALUES ($1::bigint, $2, $3)",
		       3, params, err);
	if (rc != LL_OK || n == 0)
		return rc;
	/* one COPY, not a round trip per party; binary, so that the
	 * server does not scan tens of megabytes of envelopes for escapes */
	rc = ll_db_copy_begin_binary(db,
				     "COPY ledgerline.posting_statement "
				     "(posting_id, party, sha256, envelope) "
				     "FROM STDIN WITH (FORMAT binary)",
				     "cannot store the statements", &c, err);
	if (rc != LL_OK)
		return rc;
	for (i = 0; i < n; i++) {
		ll_db_copy_row(c, 4);
		ll_db_copy_int8(c, posting_id);
		ll_db_copy_text(c, v[i].party);
		ll_db_copy_text(c, v[i].sha256);
		ll_db_copy_text(c, v[i].envelope);
	}
	return ll_db_copy_end(c, err);
}

enum ll_status ll_db_load_statements(struct ll_db *db, int64_t posting_id,
				     struct ll_stored_statement **v, size_t *n,
				     struct ll_error *err)
{
	char pid[32];
	const char *params[1] = { pid };
	PGresult *res;
	int i, rows;

	*v = NULL;
	*n = 0;
	snprintf(pid, sizeof(pid), "%lld", (long long)posting_id);
	res = ll_db_exec(db, "cannot read the statements",
			 "SELECT party, sha256, envelope FROM "
			 "ledgerline.posting_statement WHERE posting_id = "
			 "$1::bigint ORDER BY party COLLATE \"C\"",
			 1, params, PGRES_TUPLES_OK, 3, err);
	if (!res)
		return LL_DB;
	rows = PQntuples(res);
	*v = calloc((size_t)(rows ? rows : 1), sizeof(**v));
	if (!*v) {
		PQclear(res);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	for (i = 0; i < rows; i++) {
		struct ll_stored_statement *s = &(*v)[i];

		if (ll_db_value(res, i, 0, "party", s->party,
				sizeof(s->party), err) != LL_OK ||
		    ll_db_value(res, i, 1, "sha256", s->sha256,
				sizeof(s->sha256), err) != LL_OK) {
			*n = (size_t)i;
			PQclear(res);
			return LL_DB;
		}
		s->envelope = strdup(PQgetvalue(res, i, 2));
		if (!s->envelope) {
			*n = (size_t)i;
			PQclear(res);
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		}
	}
	*n = (size_t)rows;
	PQclear(res);
	return LL_OK;
}

/* ---- audit ------------------------------------------------------------ */

static void finding(struct ll_audit *a, int64_t entry, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finding(struct ll_audit *a, int64_t entry, const char *fmt, ...)
{
	va_list ap;

	(void)entry; /* every finding is kept, in the order found */
	va_start(ap, fmt);
	ll_audit_vadd(a, fmt, ap);
	va_end(ap);
}

struct csum {
	char currency[4];
	int64_t sum;
};

static void add_sum(struct csum *v, size_t *n, size_t max, const char *cur,
		    int64_t amount)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp(v[i].currency, cur) == 0) {
			v[i].sum += amount;
			return;
		}
	}
	if (*n < max) {
		/* jentry_add has checked the line's currency fits */
		LL_ENSURE(ll_str_copy(v[*n].currency, sizeof(v[*n].currency),
				      cur));
		v[(*n)++].sum = amount;
	}
}

enum { CURRENCIES_MAX = 64 };

/* The journal as the chain audit walks it. */
struct chain_audit {
	struct ll_audit *a;
	PGresult *er, *lr;		/* entries, lines: owned */
	int n_e, n_l;
	size_t li;			/* the next line row */
	char prev[65];			/* the hash before the current entry */
	struct csum total[CURRENCIES_MAX]; /* the whole ledger's, by currency */
	size_t n_total;
};

/* Read every journal entry (with its posting) and every line, in order. */
static enum ll_status read_journal(struct ll_db *db, struct chain_audit *c,
				   struct ll_error *err)
{
	PGresult *er, *lr;

	er = ll_db_exec(db, "cannot read the journal",
			"SELECT e.entry_id, e.posting_id, e.kind, "
			"coalesce(e.reverses, 0), e.run_id, e.licence, "
			"e.prev_hash, e.hash, p.run_id, p.period_first::text || "
			"'..' || p.period_last::text, coalesce(p.supersedes, 0), "
			"encode(sha256(convert_to(p.run_json_text, 'UTF8')), "
			"'hex') FROM ledgerline.journal_entry e JOIN "
			"ledgerline.posting p USING (posting_id) ORDER BY "
			"e.entry_id",
			0, NULL, PGRES_TUPLES_OK, 12, err);
	if (!er)
		return LL_DB;
	lr = ll_db_exec(db, "cannot read the journal lines",
			"SELECT l.entry_id, a.party, a.kind, l.currency, "
			"l.amount_minor, l.party FROM ledgerline.journal_line l "
			"JOIN ledgerline.account a USING (account_id) ORDER BY "
			"l.entry_id, l.line_no",
			0, NULL, PGRES_TUPLES_OK, 6, err);
	if (!lr) {
		PQclear(er);
		return LL_DB;
	}
	c->er = er;
	c->lr = lr;
	c->n_e = PQntuples(er);
	c->n_l = PQntuples(lr);
	c->a->entries = c->n_e;
	c->a->lines = c->n_l;
	return LL_OK;
}

/* Entry row i as a jentry without its lines. */
static enum ll_status entry_of_row(const PGresult *er, int i,
				   struct jentry *e, struct ll_error *err)
{
	memset(e, 0, sizeof(*e));
	e->entry_id = strtoll(PQgetvalue(er, i, 0), NULL, 10);
	e->posting_id = strtoll(PQgetvalue(er, i, 1), NULL, 10);
	e->reverses = strtoll(PQgetvalue(er, i, 3), NULL, 10);
	if (ll_db_value(er, i, 2, "kind", e->kind, sizeof(e->kind), err) !=
		    LL_OK ||
	    ll_db_value(er, i, 4, "run_id", e->run_id, sizeof(e->run_id),
			err) != LL_OK ||
	    ll_db_value(er, i, 5, "licence", e->licence, sizeof(e->licence),
			err) != LL_OK)
		return LL_DB;
	return set_posting(e, PQgetvalue(er, i, 8), PQgetvalue(er, i, 9),
			   strtoll(PQgetvalue(er, i, 10), NULL, 10),
			   PQgetvalue(er, i, 11), err);
}

/* Whether line row li belongs to an entry before entry_id (sign < 0) or
 * to it (0). */
static int line_entry_cmp(const struct chain_audit *c, int64_t entry_id)
{
	int64_t id = strtoll(PQgetvalue(c->lr, (int)c->li, 0), NULL, 10);

	return (id > entry_id) - (id < entry_id);
}

/* Add e's lines to it, summing them per currency into sums and the
 * ledger's total; a line's party must be its account's.  LL_NOMEM, or
 * LL_DB for a value longer than its field. */
static enum ll_status entry_lines(struct chain_audit *c, struct jentry *e,
				  struct csum *sums, size_t *n_sums,
				  struct ll_error *err)
{
	enum ll_status rc;
	PGresult *lr = c->lr;

	while (c->li < (size_t)c->n_l && line_entry_cmp(c, e->entry_id) < 0)
		c->li++; /* lines of no entry: the FK forbids them */
	for (; c->li < (size_t)c->n_l && line_entry_cmp(c, e->entry_id) == 0;
	     c->li++) {
		int row = (int)c->li;
		int64_t amt = strtoll(PQgetvalue(lr, row, 4), NULL, 10);

		if (strcmp(PQgetvalue(lr, row, 1), PQgetvalue(lr, row, 5)) != 0)
			finding(c->a, e->entry_id,
				"journal entry %lld: a line's party differs "
				"from its account's",
				(long long)e->entry_id);
		rc = jentry_add(e, PQgetvalue(lr, row, 1),
				PQgetvalue(lr, row, 2), PQgetvalue(lr, row, 3),
				amt, err);
		if (rc != LL_OK)
			return rc;
		add_sum(sums, n_sums, CURRENCIES_MAX, PQgetvalue(lr, row, 3),
			amt);
		add_sum(c->total, &c->n_total, CURRENCIES_MAX,
			PQgetvalue(lr, row, 3), amt);
	}
	return LL_OK;
}

/* Check entry row i (e, with its lines and their sums): its link to the
 * entry before, its hash, its lines, its balance. */
static void check_entry(struct chain_audit *c, int i, const struct jentry *e,
			const struct csum *sums, size_t n_sums)
{
	const char *prev_hash = PQgetvalue(c->er, i, 6);
	char hash[65];
	size_t k;

	if (strcmp(prev_hash, c->prev) != 0)
		finding(c->a, e->entry_id,
			"journal entry %lld: the chain is broken (its "
			"previous hash is not the hash of the entry before "
			"it)",
			(long long)e->entry_id);
	entry_digest(prev_hash, e, hash);
	if (strcmp(hash, PQgetvalue(c->er, i, 7)) != 0)
		finding(c->a, e->entry_id,
			"journal entry %lld: content does not match its hash "
			"(changed outside ledgerline)",
			(long long)e->entry_id);
	if (e->n == 0)
		finding(c->a, e->entry_id, "journal entry %lld has no lines",
			(long long)e->entry_id);
	for (k = 0; k < n_sums; k++) {
		if (sums[k].sum != 0)
			finding(c->a, e->entry_id,
				"journal entry %lld does not balance: %lld %s",
				(long long)e->entry_id, (long long)sums[k].sum,
				sums[k].currency);
	}
}

void ll_audit_chain_release(struct ll_audit_chain *ch)
{
	free(ch->hash);
	free(ch->posting);
	memset(ch, 0, sizeof(*ch));
}

static enum ll_status chain_alloc(struct ll_audit_chain *ch, size_t n)
{
	ch->hash = calloc(n + 1, sizeof(*ch->hash));
	ch->posting = calloc(n + 1, sizeof(*ch->posting));
	ch->n = 0;
	return ch->hash && ch->posting ? LL_OK : LL_NOMEM;
}

/* Entry e (with its lines) as the next link of the chain recomputed from
 * the rows alone, whatever the stored hashes say. */
static void chain_keep(struct ll_audit_chain *ch, const struct jentry *e)
{
	entry_digest(ch->n ? ch->hash[ch->n - 1] : GENESIS, e,
		     ch->hash[ch->n]);
	/* a return belongs to its payment's posting but was written later:
	 * 0, so that checkpoints count it where it stands in the chain */
	ch->posting[ch->n++] =
		strcmp(e->kind, "payment_return") == 0 ? 0 : e->posting_id;
}

/* Walk the journal in entry order: every entry's hash chain, content,
 * lines and balance, then the ledger's total per currency. */
static enum ll_status audit_chain(struct ll_db *db, struct ll_audit *a,
				  struct ll_audit_chain *ch,
				  struct ll_error *err)
{
	struct chain_audit c;
	enum ll_status rc;
	size_t k;
	int i;

	memset(&c, 0, sizeof(c));
	c.a = a;
	memcpy(c.prev, GENESIS, sizeof(c.prev));
	rc = read_journal(db, &c, err);
	if (rc == LL_OK && chain_alloc(ch, (size_t)c.n_e) != LL_OK)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL, "out of memory");
	for (i = 0; i < c.n_e && rc == LL_OK; i++) {
		struct jentry e;
		struct csum sums[CURRENCIES_MAX];
		size_t n_sums = 0;

		rc = entry_of_row(c.er, i, &e, err);
		if (rc == LL_OK)
			rc = entry_lines(&c, &e, sums, &n_sums, err);
		if (rc == LL_OK) {
			check_entry(&c, i, &e, sums, n_sums);
			chain_keep(ch, &e);
			rc = ll_db_value(c.er, i, 7, "hash", c.prev,
					 sizeof(c.prev), err);
		}
		jentry_release(&e);
	}
	if (rc == LL_OK) {
		LL_ENSURE(ll_str_copy(a->head, sizeof(a->head), c.prev));
		for (k = 0; k < c.n_total; k++) {
			if (c.total[k].sum != 0)
				finding(a, 0,
					"the ledger does not sum to zero in "
					"%s: %lld",
					c.total[k].currency,
					(long long)c.total[k].sum);
		}
	}
	PQclear(c.er);
	PQclear(c.lr);
	return rc;
}

/* Structural checks done in SQL, each a query giving (entry id or 0,
 * subject) of the first problem and the finding's words: one posting in
 * force per period; reversals negate exactly; posted totals equal the
 * run's. */
static const char *const structure_checks[][2] = {
	{ "SELECT 0, licensee || ' ' || period_first || '..' || "
	  "period_last FROM ledgerline.posting p WHERE NOT EXISTS "
	  "(SELECT 1 FROM ledgerline.posting q WHERE q.supersedes = "
	  "p.posting_id) GROUP BY licensee, period_first, period_last "
	  "HAVING count(*) > 1 LIMIT 1",
	  "more than one posting in force for" },
	{ "SELECT e.entry_id, e.reverses::text FROM "
	  "ledgerline.journal_entry e WHERE e.kind IN ('reversal', "
	  "'payment_return') AND EXISTS ((SELECT account_id, -amount_minor FROM "
	  "ledgerline.journal_line WHERE entry_id = e.reverses EXCEPT "
	  "ALL SELECT account_id, amount_minor FROM "
	  "ledgerline.journal_line WHERE entry_id = e.entry_id) UNION "
	  "ALL (SELECT account_id, amount_minor FROM "
	  "ledgerline.journal_line WHERE entry_id = e.entry_id EXCEPT "
	  "ALL SELECT account_id, -amount_minor FROM "
	  "ledgerline.journal_line WHERE entry_id = e.reverses)) "
	  "ORDER BY 1 LIMIT 1",
	  "does not exactly reverse entry" },
	{ "SELECT e.entry_id, e.licence FROM ledgerline.journal_entry "
	  "e JOIN ledgerline.run_licence r USING (run_id, licence) "
	  "WHERE e.kind = 'posting' AND r.amount_minor <> (SELECT "
	  "-sum(l.amount_minor) FROM ledgerline.journal_line l JOIN "
	  "ledgerline.account a USING (account_id) WHERE l.entry_id = "
	  "e.entry_id AND a.kind = 'licensee_payable') ORDER BY 1 "
	  "LIMIT 1",
	  "does not post the run's total for licence" },
	{ "SELECT e.entry_id, e.licence || ' of ' || e.run_id FROM "
	  "ledgerline.journal_entry e JOIN ledgerline.posting p USING "
	  "(posting_id) WHERE e.kind = 'posting' AND (e.run_id <> "
	  "p.run_id OR NOT EXISTS (SELECT 1 FROM "
	  "ledgerline.run_licence r WHERE r.run_id = p.run_id AND "
	  "r.licence = e.licence AND r.amount_minor <> 0)) ORDER BY 1 "
	  "LIMIT 1",
	  "posts a licence its posting's run does not have:" },
	{ "SELECT e.entry_id, x.party FROM ledgerline.journal_entry e "
	  "JOIN ledgerline.run_party x USING (run_id, licence) WHERE "
	  "e.kind = 'posting' AND x.amount_minor <> (SELECT "
	  "coalesce(sum(l.amount_minor), 0) FROM "
	  "ledgerline.journal_line l JOIN ledgerline.account a USING "
	  "(account_id) WHERE l.entry_id = e.entry_id AND a.party = "
	  "x.party AND a.kind <> 'licensee_payable') ORDER BY 1 LIMIT "
	  "1",
	  "disagrees with the run's stored total of party" },
	{ "SELECT 0, p.posting_id || ' (run ' || p.run_id || ', "
	  "licence ' || r.licence || ')' FROM ledgerline.posting p "
	  "JOIN ledgerline.run_licence r USING (run_id) WHERE "
	  "r.amount_minor <> 0 AND NOT EXISTS (SELECT 1 FROM "
	  "ledgerline.journal_entry e WHERE e.posting_id = "
	  "p.posting_id AND e.kind = 'posting' AND e.licence = "
	  "r.licence) ORDER BY p.posting_id LIMIT 1",
	  "an entry is missing from posting" },
	{ "SELECT 0, q.posting_id || ' (entry ' || e.entry_id || ')' "
	  "FROM ledgerline.posting q JOIN ledgerline.journal_entry e "
	  "ON e.posting_id = q.supersedes AND e.kind = 'posting' WHERE "
	  "NOT EXISTS (SELECT 1 FROM ledgerline.journal_entry v WHERE "
	  "v.posting_id = q.posting_id AND v.reverses = e.entry_id) "
	  "ORDER BY q.posting_id LIMIT 1",
	  "a reversal is missing from posting" },
	{ "SELECT 0, r.run_id FROM ledgerline.run r WHERE NOT EXISTS "
	  "(SELECT 1 FROM ledgerline.posting p WHERE p.run_id = "
	  "r.run_id) LIMIT 1",
	  "a stored run was never posted (its posting was removed?):" },
};

/* Run the structural checks, a finding for the first problem of each. */
static enum ll_status audit_structure(struct ll_db *db, struct ll_audit *a,
				      struct ll_error *err)
{
	size_t i, n = sizeof(structure_checks) / sizeof(structure_checks[0]);

	for (i = 0; i < n; i++) {
		const char *const *check = structure_checks[i];
		PGresult *res = ll_db_exec(db, "cannot audit the postings",
					   check[0], 0, NULL, PGRES_TUPLES_OK,
					   2, err);

		if (!res)
			return LL_DB;
		if (PQntuples(res)) {
			int64_t id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			char what[200];

			snprintf(what, sizeof(what), "%s %s", check[1],
				 PQgetvalue(res, 0, 1));
			if (id)
				finding(a, id, "journal entry %lld %s",
					(long long)id, what);
			else
				finding(a, 0, "%s", what);
		}
		PQclear(res);
	}
	return LL_OK;
}

enum ll_status ll_db_audit_journal(struct ll_db *db, struct ll_audit *a,
				   struct ll_audit_chain *ch,
				   struct ll_error *err)
{
	enum ll_status rc = audit_chain(db, a, ch, err);

	if (rc == LL_OK)
		rc = audit_structure(db, a, err);
	return rc;
}

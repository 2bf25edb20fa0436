/*
 * statement.c — building, signing and verifying statements (statement.h).
 *
 * Design decision: the verifier re-derives everything it can from the
 * payload itself (subject digest, leaf hash, Merkle path, sums, rounding
 * bounds) and trusts only the signature key it was given, so a statement
 * passes only if it is exactly what the signer produced and internally
 * consistent.
 *
 * Design decision: a restatement's statements show the superseded
 * posting line by line, as the ledger stored it (by id, not registry
 * index): each line of this run beside the line it replaces, and the
 * superseded lines with no counterpart after them at amount zero, so a
 * party restated to zero keeps a statement and Σ previous is what it had.
 * The figures of an account are the ledger's (account.h); they are
 * asserted against the statement's own totals, never recomputed here.
 */
#include "ledgerline/statement.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/digest.h"
#include "ledgerline/dsse.h"
#include "ledgerline/ident.h"
#include "ledgerline/jsonx.h"
#include "ledgerline/merkle.h"
#include "ledgerline/task.h"
#include "ledgerline/xsum.h"

/* Room for a line's name in a message (line_name() bounds each part). */
enum { LINE_NAME_BYTES = 192 };

/* A JSON string's value, or "" when it is not a string. */
static const char *jsv(const json_t *v)
{
	const char *s = json_string_value(v);

	return s ? s : "";
}

static const char ROUNDING[] =
	"licence total round-half-even to minor units; largest remainder to "
	"parties (ties: party id) and to each party's lines (ties: component, "
	"work id, side)";

/* ---- building --------------------------------------------------------- */

static void put(json_t *o, const char *k, json_t *v, int *fail)
{
	if (!v || json_object_set_new(o, k, v) != 0)
		*fail = 1;
}

static void push(json_t *a, json_t *v, int *fail)
{
	if (!v || json_array_append_new(a, v) != 0)
		*fail = 1;
}

static json_t *jstr_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

static int cmp_src(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "source")),
		       json_string_value(json_object_get(y, "source")));

	return c ? c : strcmp(json_string_value(json_object_get(x, "sha256")),
			      json_string_value(json_object_get(y, "sha256")));
}

static json_t *sorted_inputs(json_t **v, size_t n, int *fail)
{
	json_t *arr = json_array();
	size_t i;

	qsort(v, n, sizeof(*v), cmp_src);
	for (i = 0; i < n; i++)
		push(arr, v[i], fail);
	return arr;
}

static json_t *inputs(const struct ll_run *r, int *fail)
{
	json_t *o = json_object(), *reg = json_object();
	json_t **v = calloc(r->n_manifests + r->n_logs + 1, sizeof(*v));
	size_t i;

	if (!v) {
		*fail = 1;
		return o;
	}
	put(reg, "sha256", json_string(r->registry_sha256), fail);
	put(o, "registry", reg, fail);
	for (i = 0; i < r->n_manifests; i++)
		v[i] = json_pack("{s:s, s:s}", "source", r->manifests[i].source,
				 "sha256", r->manifests[i].sha256);
	for (i = 0; i < r->n_manifests; i++)
		if (!v[i])
			*fail = 1;
	if (!*fail)
		put(o, "manifests", sorted_inputs(v, r->n_manifests, fail),
		    fail);
	for (i = 0; i < r->n_logs; i++)
		v[i] = json_pack("{s:s, s:s}", "source", r->logs[i].name,
				 "sha256", r->logs[i].sha256);
	for (i = 0; i < r->n_logs; i++)
		if (!v[i])
			*fail = 1;
	if (!*fail)
		put(o, "logs", sorted_inputs(v, r->n_logs, fail), fail);
	free(v);
	return o;
}

/*
 * A party's totals per currency, grown as currencies appear: a party may
 * be paid under licences in any number of currencies.  lines_exact and
 * lines_minor sum the lines written, to be held equal to the totals.
 */
struct ccy_total {
	char currency[LL_CURRENCY_LEN + 1];
	int exponent;
	mpq_t exact;
	int64_t minor;
	mpq_t lines_exact;
	int64_t lines_minor;
};

struct ccy_totals {
	struct ccy_total *v;
	size_t n, cap;
};

static struct ccy_total *ccy_totals_find(const struct ccy_totals *t,
					 const char *cur)
{
	size_t k;

	for (k = 0; k < t->n; k++) {
		if (strcmp(t->v[k].currency, cur) == 0)
			return &t->v[k];
	}
	return NULL;
}

/* A new, zero total in currency cur (exponent e); NULL when out of
 * memory. */
static struct ccy_total *ccy_totals_add(struct ccy_totals *t,
					const char *cur, int e)
{
	struct ccy_total *c;

	if (t->n == t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 4;
		struct ccy_total *nv = realloc(t->v, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		t->v = nv;
		t->cap = ncap;
	}
	c = &t->v[t->n++];
	/* cur has a known exponent: three letters, so it fits */
	LL_ENSURE(ll_str_copy(c->currency, sizeof(c->currency), cur));
	c->exponent = e;
	mpq_init(c->exact);
	c->minor = 0;
	mpq_init(c->lines_exact);
	c->lines_minor = 0;
	return c;
}

/* In currency order (insertion sort: a party has few currencies). */
static void ccy_totals_sort(struct ccy_totals *t)
{
	size_t i, k;

	for (i = 1; i < t->n; i++) {
		for (k = i; k > 0 && strcmp(t->v[k - 1].currency,
					    t->v[k].currency) > 0;
		     k--) {
			struct ccy_total c = t->v[k];

			t->v[k] = t->v[k - 1];
			t->v[k - 1] = c;
		}
	}
}

static void ccy_totals_release(struct ccy_totals *t)
{
	size_t k;

	for (k = 0; k < t->n; k++) {
		mpq_clear(t->v[k].exact);
		mpq_clear(t->v[k].lines_exact);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* The money invariant of a statement: Σ lines = totals, per currency,
 * exact and rounded.  The settlement makes it so; a break is a bug. */
static void ensure_totals(const struct ccy_totals *t)
{
	size_t k;

	for (k = 0; k < t->n; k++) {
		LL_ENSURE(mpq_equal(t->v[k].lines_exact, t->v[k].exact));
		LL_ENSURE(t->v[k].lines_minor == t->v[k].minor);
	}
}

/* run_id, licensee, period and party of the predicate of party. */
static void put_head(json_t *o, const struct ll_run *r,
		     const struct ll_party *party, int *fail)
{
	json_t *per = json_object(), *po = json_object();
	char d[LL_DATE_LEN + 1];

	put(o, "run_id", json_string(r->id), fail);
	put(o, "licensee", json_string(r->licensee), fail);
	put(per, "label", json_string(r->period), fail);
	ll_date_format(r->first_day, d);
	put(per, "first", json_string(d), fail);
	ll_date_format(r->last_day, d);
	put(per, "last", json_string(d), fail);
	put(o, "period", per, fail);
	put(po, "id", json_string(party->id), fail);
	put(po, "name", json_string(party->name), fail);
	if (party->isni[0])
		put(po, "isni", json_string(party->isni), fail);
	if (party->payee)
		put(po, "payee", json_string(party->payee), fail);
	put(o, "party", po, fail);
}

/*
 * The lines of a predicate are most of its bytes (a party paid for
 * thousands of works has thousands of lines), so they are written as JCS
 * bytes directly, not built as a tree and serialised: members in the
 * order of their keys (ASCII, so byte order is RFC 8785's order).
 * ll_json_jcs_splice puts the array in its place in the predicate.
 */

/* ,"key": before a member; key is a plain ASCII name. */
static void w_key(struct ll_buf *b, const char *key)
{
	ll_buf_add(b, ",\"", 2);
	ll_buf_str(b, key);
	ll_buf_add(b, "\":", 2);
}

static void w_str(struct ll_buf *b, const char *s)
{
	ll_json_jcs_string(b, s, strlen(s));
}

/* s as a string, or null when it is NULL or empty (as jstr_or_null). */
static void w_str_or_null(struct ll_buf *b, const char *s)
{
	if (s && s[0])
		w_str(b, s);
	else
		ll_buf_add(b, "null", 4);
}

/* A malloc'd string s (NULL: out of memory) as a string, then freed. */
static void w_own(struct ll_buf *b, char *s)
{
	if (!s)
		b->fail = true;
	else
		w_str(b, s);
	free(s);
}

static void w_fraction(struct ll_buf *b, const mpq_t q)
{
	w_own(b, ll_exact_fraction_str(q));
}

static void w_minor(struct ll_buf *b, int64_t minor, int e)
{
	w_own(b, ll_exact_minor_str_i64(minor, e));
}

/*
 * One line of the predicate, paid under licence lic, as JCS bytes into
 * b: licence, currency, work, isrc, iswc, title, component, side, exact,
 * amount, share and work_exact; with prev (a restatement), previous (its
 * amount in the superseded posting) and adjustment too.
 */
static void w_line(struct ll_buf *b, const struct ll_registry *reg,
		   const struct ll_licence *lic, const struct ll_line *l,
		   const int64_t *prev)
{
	const struct ll_work *w = l->work >= 0 ? &reg->works.v[l->work] : NULL;
	int e = lic->exponent;

	if (prev) {
		ll_buf_add(b, "{\"adjustment\":", 14);
		w_minor(b, l->minor - *prev, e);
		w_key(b, "amount");
	} else {
		ll_buf_add(b, "{\"amount\":", 10);
	}
	w_minor(b, l->minor, e);
	w_key(b, "component");
	w_str(b, ll_component_name((enum ll_component)l->component));
	w_key(b, "currency");
	w_str(b, lic->currency);
	w_key(b, "exact");
	w_fraction(b, l->exact);
	w_key(b, "isrc");
	w_str_or_null(b, w ? w->isrc : NULL);
	w_key(b, "iswc");
	w_str_or_null(b, w ? w->iswc : NULL);
	w_key(b, "licence");
	w_str(b, lic->id);
	if (prev) {
		w_key(b, "previous");
		w_minor(b, *prev, e);
	}
	w_key(b, "share");
	w_fraction(b, l->share);
	w_key(b, "side");
	if (l->side >= 0)
		w_str(b, ll_side_name((enum ll_side)l->side));
	else
		ll_buf_add(b, "null", 4);
	w_key(b, "title");
	w_str_or_null(b, w ? w->title : NULL);
	w_key(b, "work");
	if (w)
		w_str(b, w->id);
	else
		ll_buf_add(b, "null", 4);
	w_key(b, "work_exact");
	w_fraction(b, l->work_exact);
	ll_buf_add(b, "}", 1);
}

/* A ',' before every element of an array but its first ('[' before). */
static void w_next(struct ll_buf *b)
{
	if (b->n && b->s[b->n - 1] != '[')
		ll_buf_add(b, ",", 1);
}

/* ---- what the predicates of a posting are built from ------------------ */

/* A work of the run that earned nothing under one reason: the manifest
 * items excluded for it, and its attribution mass. */
struct excl {
	uint32_t work;
	const char *id;			/* the work's id (borrowed) */
	enum ll_reason reason;
	size_t items;
	struct ll_mass mass;
};

struct build {
	const struct ll_run *r;
	const struct ll_restatement *rs;	/* or NULL */
	const struct ll_accounts *acc;		/* or NULL */
	struct excl *excl;	/* by work id, then reason name */
	size_t n_excl, cap_excl;
	uint64_t *earned;	/* party << 32 | work of every line, sorted */
	size_t n_earned;
	/* party p's exclusions (the works in which it holds a share), in
	 * excl order: excl[by_party[by_party_off[p] .. by_party_off[p+1])] */
	size_t *by_party_off;
	uint32_t *by_party;
};

/* The predicate of one party in the making. */
struct party_build {
	const struct build *b;
	uint32_t p;
	const struct ll_party *party;
	/* in a restatement: the party's superseded lines,
	 * rs->lines[prev_first .. prev_first + prev_n), and which of them
	 * a line of this run took up */
	size_t prev_first, prev_n;
	bool *used;
};

/* ---- restatement lines ----------------------------------------------- */

/* rs->lines of party_id: the first into *first, their count returned
 * (rs->lines are sorted by party in byte order). */
static size_t prev_range(const struct ll_restatement *rs,
			 const char *party_id, size_t *first)
{
	size_t lo = 0, hi = rs->n_lines, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(rs->lines[mid].party, party_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < rs->n_lines &&
	       strcmp(rs->lines[lo + n].party, party_id) == 0)
		n++;
	return n;
}

/* Order of a superseded line against (licence, work, component, side),
 * as the ledger sorts them. */
static int prev_cmp(const struct ll_run_line *pl, const char *licence,
		    const char *work, const char *component, const char *side)
{
	int c = strcmp(pl->licence, licence);

	if (!c)
		c = strcmp(pl->work, work);
	if (!c)
		c = strcmp(pl->component, component);
	if (!c)
		c = strcmp(pl->side, side);
	return c;
}

/* The index in pb's superseded lines of line l under lic, or SIZE_MAX
 * when it is new. */
static size_t prev_find(const struct party_build *pb,
			const struct ll_licence *lic, const struct ll_line *l)
{
	const struct ll_registry *reg = pb->b->r->reg;
	const char *work = l->work >= 0 ? reg->works.v[l->work].id : "";
	const char *comp = ll_component_name((enum ll_component)l->component);
	const char *side = l->side >= 0 ? ll_side_name((enum ll_side)l->side)
					: "";
	const struct ll_run_line *v = pb->b->rs->lines + pb->prev_first;
	size_t lo = 0, hi = pb->prev_n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = prev_cmp(&v[mid], lic->id, work, comp, side);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/* previous and adjustment of a restatement's line: now and what it was
 * (prev), with e decimals. */
static void put_adjustment(json_t *lo, int64_t now, int64_t prev, int e,
			   int *fail)
{
	put(lo, "previous", ll_json_minor(prev, e), fail);
	put(lo, "adjustment", ll_json_minor(now - prev, e), fail);
}

/* What line l of this run (under lic) had in the superseded posting,
 * marking that line taken up; 0 when it is new. */
static int64_t prev_minor(struct party_build *pb, const struct ll_licence *lic,
			  const struct ll_line *l)
{
	size_t k = prev_find(pb, lic, l);

	if (k == SIZE_MAX)
		return 0;
	pb->used[k] = true;
	return pb->b->rs->lines[pb->prev_first + k].minor;
}

/* The registry's share of party_id in side side_name of w now, "0" when
 * it gives none: a new value. */
static json_t *share_now(const struct ll_work *w, const char *side_name,
			 const char *party_id)
{
	size_t k;
	int side;

	for (side = 0; w && side < LL_SIDE_COUNT; side++) {
		if (strcmp(side_name, ll_side_name((enum ll_side)side)) != 0)
			continue;
		for (k = 0; k < w->n_split[side]; k++) {
			if (strcmp(w->split[side][k].party, party_id) == 0)
				return ll_json_fraction(w->split[side][k].share);
		}
	}
	return json_string("0");
}

/* A line of the superseded posting that this run no longer has: amount
 * zero, with what it was.  A new object. */
static json_t *vanished_obj(const struct ll_registry *reg,
			    const struct ll_run_line *pl,
			    const char *party_id, int *fail)
{
	size_t wi;
	const struct ll_work *w =
		pl->work[0] && ll_strmap_get(&reg->works.ix, pl->work, &wi)
			? &reg->works.v[wi]
			: NULL;
	int e = ll_currency_exponent(pl->currency);
	json_t *lo = json_object();

	/* the run stored it under a licence in a known currency */
	LL_ENSURE(e >= 0);
	put(lo, "licence", json_string(pl->licence), fail);
	put(lo, "currency", json_string(pl->currency), fail);
	put(lo, "work", jstr_or_null(pl->work), fail);
	put(lo, "isrc", jstr_or_null(w ? w->isrc : NULL), fail);
	put(lo, "iswc", jstr_or_null(w ? w->iswc : NULL), fail);
	put(lo, "title", jstr_or_null(w ? w->title : NULL), fail);
	put(lo, "component", json_string(pl->component), fail);
	put(lo, "side", jstr_or_null(pl->side), fail);
	put(lo, "exact", json_string("0"), fail);
	put(lo, "amount", ll_json_minor(0, e), fail);
	put(lo, "share", share_now(w, pl->side, party_id), fail);
	put(lo, "work_exact", json_string("0"), fail);
	put_adjustment(lo, 0, pl->minor, e, fail);
	return lo;
}

/* The party's superseded lines that no line of this run took up, after
 * the others, with amount zero; their currencies get a total. */
static void vanished_lines(const struct party_build *pb, struct ll_buf *lines,
			   struct ccy_totals *tot, int *fail)
{
	size_t k;

	for (k = 0; k < pb->prev_n && !*fail; k++) {
		const struct ll_run_line *pl =
			&pb->b->rs->lines[pb->prev_first + k];
		json_t *lo;
		char *jcs;

		if (pb->used[k])
			continue;
		lo = vanished_obj(pb->b->r->reg, pl, pb->party->id, fail);
		jcs = *fail ? NULL : ll_json_jcs(lo);
		json_decref(lo);
		if (!jcs) {
			*fail = 1;
			break;
		}
		w_next(lines);
		ll_buf_str(lines, jcs);
		free(jcs);
		if (!ccy_totals_find(tot, pl->currency) &&
		    !ccy_totals_add(tot, pl->currency,
				    ll_currency_exponent(pl->currency)))
			*fail = 1;
	}
}

/*
 * The lines of party p into lines (JCS bytes of the array's elements),
 * in settlement order (by licence, then tie order), and its totals per
 * currency into tot, from the party totals; the lines' own sums go
 * beside them.  In a restatement (pb->rs) each line carries what it was
 * in the superseded posting.
 */
static void party_lines(struct party_build *pb, struct ll_buf *lines,
			struct ccy_totals *tot, int *fail)
{
	const struct ll_run *r = pb->b->r;
	const struct ll_registry *reg = r->reg;
	uint32_t p = pb->p;
	size_t i, k;

	for (i = 0; i < r->st.n_parties; i++) {
		const struct ll_party_total *pt = &r->st.parties[i];
		const struct ll_licence *lic = &reg->licences.v[pt->licence];
		struct ccy_total *t;

		if (pt->party != p)
			continue;
		t = ccy_totals_find(tot, lic->currency);
		if (!t && !(t = ccy_totals_add(tot, lic->currency,
					       lic->exponent))) {
			*fail = 1;
			break;
		}
		mpq_add(t->exact, t->exact, pt->exact);
		t->minor += pt->minor;
		for (k = 0; k < pt->n_lines; k++) {
			const struct ll_line *l = &r->st.lines[pt->first_line + k];
			int64_t prev;

			if (pb->b->rs)
				prev = prev_minor(pb, lic, l);
			w_next(lines);
			w_line(lines, reg, lic, l, pb->b->rs ? &prev : NULL);
			mpq_add(t->lines_exact, t->lines_exact, l->exact);
			t->lines_minor += l->minor;
		}
	}
}

static json_t *totals_arr(const struct ccy_totals *tot, int *fail)
{
	json_t *totals = json_array();
	size_t i;

	for (i = 0; i < tot->n; i++) {
		const struct ccy_total *t = &tot->v[i];
		json_t *to = json_object();

		put(to, "currency", json_string(t->currency), fail);
		put(to, "exact", ll_json_fraction(t->exact), fail);
		put(to, "amount", ll_json_minor(t->minor, t->exponent), fail);
		push(totals, to, fail);
	}
	return totals;
}

/* {currency, amount}: a new object. */
static json_t *amount_obj(const char *currency, int64_t minor, int e,
			  int *fail)
{
	json_t *x = json_object();

	put(x, "currency", json_string(currency), fail);
	put(x, "amount", ll_json_minor(minor, e), fail);
	return x;
}

/* What party_id had under the run rs supersedes, and the adjustment to
 * its totals now (tot). */
static json_t *restatement_obj(const struct ll_restatement *rs,
			       const char *party_id,
			       const struct ccy_totals *tot, int *fail)
{
	json_t *ro = json_object(), *prev = json_array(), *adj = json_array();
	size_t i;

	put(ro, "supersedes", json_string(rs->supersedes), fail);
	for (i = 0; i < rs->n_prev; i++) {
		const struct ll_party_amount *pa = &rs->prev[i];
		int e = ll_currency_exponent(pa->currency);
		const struct ccy_total *t;
		int64_t now;

		if (strcmp(pa->party, party_id) != 0)
			continue;
		t = ccy_totals_find(tot, pa->currency);
		now = t ? t->minor : 0;
		push(prev, amount_obj(pa->currency, pa->minor, e, fail), fail);
		push(adj, amount_obj(pa->currency, now - pa->minor, e, fail),
		     fail);
	}
	put(ro, "previous", prev, fail);
	put(ro, "adjustment", adj, fail);
	return ro;
}

/* ---- the statement of account --------------------------------------- */

/* The payment that settled a (paid), as the party's part of it: a new
 * object. */
static json_t *payment_obj(const struct build *b, const struct ll_account *a,
			   int *fail)
{
	const struct ll_payment *pay = &b->acc->pay[a->payment];
	json_t *o = json_object();

	put(o, "payee", json_string(b->r->reg->parties.v[pay->payee].id),
	    fail);
	put(o, "end_to_end_id", json_string(pay->end_to_end_id), fail);
	put(o, "amount", ll_json_minor(a->payments, a->exponent), fail);
	return o;
}

/* One currency of a party's account: a new object.  The figures are the
 * ledger's; earned must be this statement's total (tot). */
static json_t *account_obj(const struct build *b, const struct ll_account *a,
			   const struct ccy_totals *tot, int *fail)
{
	const struct ccy_total *t = ccy_totals_find(tot, a->currency);
	json_t *o = json_object(), *pays = json_array();

	/* ll_accounts_settle keeps every figure and these sums in 64 bits */
	LL_ENSURE(a->opening + a->earned + a->adjustments - a->payments ==
		  a->closing);
	LL_ENSURE(a->earned == (t ? t->minor : 0));
	LL_ENSURE(a->paid ? a->payment < b->acc->n_pay : a->payments == 0);
	if (a->paid)
		push(pays, payment_obj(b, a, fail), fail);
	put(o, "currency", json_string(a->currency), fail);
	put(o, "opening", ll_json_minor(a->opening, a->exponent), fail);
	put(o, "earned", ll_json_minor(a->earned, a->exponent), fail);
	put(o, "adjustments", ll_json_minor(a->adjustments, a->exponent),
	    fail);
	put(o, "payments", pays, fail);
	put(o, "closing", ll_json_minor(a->closing, a->exponent), fail);
	return o;
}

/* The accounts of party p, by currency (acc->v is by party, then
 * currency): a new array. */
static json_t *account_arr(const struct build *b, uint32_t p,
			   const struct ccy_totals *tot, int *fail)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < b->acc->n; i++) {
		if (b->acc->v[i].party == p)
			push(arr, account_obj(b, &b->acc->v[i], tot, fail),
			     fail);
	}
	return arr;
}

/* ---- exclusions ------------------------------------------------------ */

/* A new entry (work w, reason) at the end of b->excl; NULL when out of
 * memory. */
static struct excl *excl_add(struct build *b, uint32_t w,
			     enum ll_reason reason)
{
	struct excl *x;

	if (b->n_excl == b->cap_excl) {
		size_t ncap = b->cap_excl ? 2 * b->cap_excl : 16;
		struct excl *nv = realloc(b->excl, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		b->excl = nv;
		b->cap_excl = ncap;
	}
	x = &b->excl[b->n_excl++];
	x->work = w;
	x->id = b->r->reg->works.v[w].id;
	x->reason = reason;
	x->items = 0;
	ll_mass_init(&x->mass);
	return x;
}

/* The manifest items excluded for a work the registry knows. */
static void excl_items(struct build *b, int *fail)
{
	const struct ll_run *r = b->r;
	size_t i, w;

	for (i = 0; i < r->n_excluded && !*fail; i++) {
		const struct ll_excluded *e = &r->excluded[i];
		const struct ll_manifest_item *it =
			&r->manifests[e->manifest].items[e->item];
		const struct ll_strmap *ix = it->kind == LL_REF_WORK
						     ? &r->reg->works.ix
						     : &r->reg->isrc_ix;
		struct excl *x;

		if (!ll_strmap_get(ix, it->ref, &w))
			continue; /* unknown_work: nobody's work */
		x = excl_add(b, (uint32_t)w, e->reason);
		if (!x)
			*fail = 1;
		else
			x->items = 1;
	}
}

/* mass (with events) of work w under reason into b->excl. */
static void excl_mass(struct build *b, uint32_t w, enum ll_reason reason,
		      const struct ll_mass *m, int *fail)
{
	struct excl *x;

	if (m->events == 0)
		return;
	x = excl_add(b, w, reason);
	if (!x || ll_mass_merge(&x->mass, m) != LL_OK)
		*fail = 1;
}

/* The attribution mass of every work the logs used where it was not
 * eligible, per reason, and in another currency than its licence's. */
static void excl_masses(struct build *b, int *fail)
{
	const struct ll_run *r = b->r;
	const struct ll_elig *e = &r->elig;
	uint32_t w, k;

	for (w = 0; w < r->reg->works.n && !*fail; w++) {
		for (k = e->off[LL_USE_GENERATION][w];
		     k < e->off[LL_USE_GENERATION][w + 1]; k++) {
			const struct ll_span *sp = &e->spans[k];

			if (sp->reason != LL_ELIGIBLE)
				excl_mass(b, w, (enum ll_reason)sp->reason,
					  &r->tally.slots[sp->slot], fail);
		}
		excl_mass(b, w, LL_REASON_CURRENCY,
			  &r->tally.slots[e->currency_slot0 + w], fail);
	}
}

static int cmp_excl(const void *a, const void *b)
{
	const struct excl *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : strcmp(ll_reason_name(x->reason),
			      ll_reason_name(y->reason));
}

/* b->excl sorted by work id and reason, one entry per pair. */
static void excl_merge(struct build *b, int *fail)
{
	size_t i, n = 0;

	if (b->n_excl)
		qsort(b->excl, b->n_excl, sizeof(*b->excl), cmp_excl);
	for (i = 0; i < b->n_excl; i++) {
		struct excl *x = &b->excl[i];

		if (n && cmp_excl(&b->excl[n - 1], x) == 0) {
			b->excl[n - 1].items += x->items;
			if (ll_mass_merge(&b->excl[n - 1].mass, &x->mass) !=
			    LL_OK)
				*fail = 1;
			ll_mass_release(&x->mass);
		} else {
			b->excl[n++] = *x;
		}
	}
	b->n_excl = n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* b->earned: every (party, work) with a line in this run, sorted. */
static void earned_pairs(struct build *b, int *fail)
{
	const struct ll_settlement *st = &b->r->st;
	size_t i;

	b->earned = calloc(st->n_lines + 1, sizeof(*b->earned));
	if (!b->earned) {
		*fail = 1;
		return;
	}
	for (i = 0; i < st->n_lines; i++) {
		if (st->lines[i].work >= 0)
			b->earned[b->n_earned++] =
				(uint64_t)st->lines[i].party << 32 |
				(uint32_t)st->lines[i].work;
	}
	qsort(b->earned, b->n_earned, sizeof(*b->earned), cmp_u64);
}

/* Whether party_id holds a non-zero share of either side of w. */
/* Calls fn(b, x, party index) once for each party holding a share of
 * exclusion x's work (a party on two sides, once). */
static void excl_holders(struct build *b, size_t x, uint32_t *last,
			 void (*fn)(struct build *, size_t, uint32_t))
{
	const struct ll_registry *reg = b->r->reg;
	const struct ll_work *w = &reg->works.v[b->excl[x].work];
	size_t side, k;

	for (side = 0; side < LL_SIDE_COUNT; side++) {
		for (k = 0; k < w->n_split[side]; k++) {
			const struct ll_party *pt;
			uint32_t p;

			if (mpq_sgn(w->split[side][k].share) == 0)
				continue;
			pt = ll_registry_party(reg, w->split[side][k].party);
			if (!pt)
				continue;
			p = (uint32_t)(pt - reg->parties.v);
			if (last[p] == (uint32_t)x + 1)
				continue;
			last[p] = (uint32_t)x + 1;
			fn(b, x, p);
		}
	}
}

static void holder_count(struct build *b, size_t x, uint32_t p)
{
	(void)x;
	b->by_party_off[p + 1]++;
}

static void holder_put(struct build *b, size_t x, uint32_t p)
{
	b->by_party[b->by_party_off[p]++] = (uint32_t)x;
}

/*
 * b->by_party: each party's exclusions, in excl order, found once from
 * the works' splits (instead of asking every work for every party).
 */
static void excl_by_party(struct build *b, int *fail)
{
	size_t n = b->r->reg->parties.n, i;
	uint32_t *last = calloc(n + 1, sizeof(*last));

	b->by_party_off = calloc(n + 2, sizeof(*b->by_party_off));
	if (!last || !b->by_party_off) {
		free(last);
		*fail = 1;
		return;
	}
	for (i = 0; i < b->n_excl; i++)
		excl_holders(b, i, last, holder_count);
	for (i = 0; i < n; i++)
		b->by_party_off[i + 1] += b->by_party_off[i];
	b->by_party = malloc((b->by_party_off[n] + 1) * sizeof(*b->by_party));
	if (!b->by_party) {
		free(last);
		*fail = 1;
		return;
	}
	memset(last, 0, (n + 1) * sizeof(*last));
	/* fill: by_party_off[p] walks to the start of p + 1, then shift */
	for (i = 0; i < b->n_excl; i++)
		excl_holders(b, i, last, holder_put);
	for (i = n; i > 0; i--)
		b->by_party_off[i] = b->by_party_off[i - 1];
	b->by_party_off[0] = 0;
	free(last);
}

/* One exclusion of a statement: a new object. */
static json_t *exclusion_obj(const struct ll_registry *reg,
			     const struct excl *x, int *fail)
{
	json_t *o = json_object();

	put(o, "work", json_string(x->id), fail);
	put(o, "isrc", jstr_or_null(reg->works.v[x->work].isrc), fail);
	put(o, "reason", json_string(ll_reason_name(x->reason)), fail);
	put(o, "items", json_integer((json_int_t)x->items), fail);
	put(o, "weight", ll_json_xsum(&x->mass.w, LL_XSUM_SCALE_W), fail);
	put(o, "value_weight", ll_json_xsum(&x->mass.vw, LL_XSUM_SCALE_VW), fail);
	put(o, "events", json_integer((json_int_t)x->mass.events), fail);
	return o;
}

/* Party p's works that earned it nothing in this run, with why: a new
 * array, by work id, then reason. */
static json_t *exclusions_arr(const struct build *b, uint32_t p, int *fail)
{
	const struct ll_registry *reg = b->r->reg;
	json_t *arr = json_array();
	size_t i;

	for (i = b->by_party_off[p]; i < b->by_party_off[p + 1]; i++) {
		const struct excl *x = &b->excl[b->by_party[i]];
		uint64_t key = (uint64_t)p << 32 | x->work;

		if (bsearch(&key, b->earned, b->n_earned, sizeof(key),
			    cmp_u64))
			continue;
		push(arr, exclusion_obj(reg, x, fail), fail);
	}
	return arr;
}

/* b's exclusions and earned pairs, from its run. */
static void build_prepare(struct build *b, int *fail)
{
	excl_items(b, fail);
	excl_masses(b, fail);
	excl_merge(b, fail);
	earned_pairs(b, fail);
	if (!*fail)
		excl_by_party(b, fail);
}

static void build_release(struct build *b)
{
	size_t i;

	for (i = 0; i < b->n_excl; i++)
		ll_mass_release(&b->excl[i].mass);
	free(b->excl);
	free(b->earned);
	free(b->by_party_off);
	free(b->by_party);
}

/* The predicate of party p, without "lines" and "merkle"; its lines as
 * the JCS bytes of an array into lines. */
static json_t *predicate(const struct build *b, uint32_t p,
			 struct ll_buf *lines, int *fail)
{
	const struct ll_run *r = b->r;
	struct party_build pb = { b, p, &r->reg->parties.v[p], 0, 0, NULL };
	json_t *o = json_object();
	struct ccy_totals tot = { NULL, 0, 0 };

	put_head(o, r, pb.party, fail);
	put(o, "posting", json_integer(b->acc ? b->acc->posting : 1), fail);
	if (b->rs) {
		pb.prev_n = prev_range(b->rs, pb.party->id, &pb.prev_first);
		pb.used = calloc(pb.prev_n + 1, sizeof(*pb.used));
		if (!pb.used)
			*fail = 1;
	}
	ll_buf_add(lines, "[", 1);
	party_lines(&pb, lines, &tot, fail);
	if (b->rs && !*fail)
		vanished_lines(&pb, lines, &tot, fail);
	ll_buf_add(lines, "]", 1);
	if (lines->fail)
		*fail = 1;
	free(pb.used);
	ensure_totals(&tot);
	ccy_totals_sort(&tot);
	put(o, "totals", totals_arr(&tot, fail), fail);
	put(o, "inputs", inputs(r, fail), fail);
	put(o, "rounding", json_string(ROUNDING), fail);
	if (b->rs)
		put(o, "restatement",
		    restatement_obj(b->rs, pb.party->id, &tot, fail), fail);
	if (b->acc)
		put(o, "account", account_arr(b, p, &tot, fail), fail);
	put(o, "exclusions", exclusions_arr(b, p, fail), fail);
	ccy_totals_release(&tot);
	return o;
}

static void hex_of(const uint8_t *h, char out[LL_SHA256_HEX_LEN + 1])
{
	ll_hex(h, LL_MERKLE_HASH_LEN, out);
}

struct party_ref {
	const char *id;
	uint32_t p;
};

static int cmp_party_ref(const void *a, const void *b)
{
	return strcmp(((const struct party_ref *)a)->id,
		      ((const struct party_ref *)b)->id);
}

/* The registry index of every party with a line of the superseded
 * posting into v[*n..].  LL_INVALID with err for a party the registry no
 * longer has. */
static enum ll_status prev_parties(const struct build *b,
				   struct party_ref *v, size_t *n,
				   struct ll_error *err)
{
	const struct ll_registry *reg = b->r->reg;
	size_t i, p;

	for (i = 0; b->rs && i < b->rs->n_lines; i++) {
		const char *id = b->rs->lines[i].party;

		if (i > 0 && strcmp(id, b->rs->lines[i - 1].party) == 0)
			continue;
		if (!ll_strmap_get(&reg->parties.ix, id, &p))
			return ll_error_set(err, LL_INVALID, NULL, 0, "party",
					    "party \"%s\" of superseded run "
					    "%s is not in the registry",
					    id, b->rs->supersedes);
		v[(*n)++] = (struct party_ref){ reg->parties.v[p].id,
						(uint32_t)p };
	}
	return LL_OK;
}

/*
 * s->v: one statement per party the posting touches (a line now or in
 * the superseded posting, an account), in party-id order.  LL_NOMEM, or
 * LL_INVALID with err.
 */
static enum ll_status order_parties(struct ll_statements *s,
				    const struct build *b,
				    struct ll_error *err)
{
	const struct ll_run *r = b->r;
	size_t n_acc = b->acc ? b->acc->n : 0;
	size_t n_prev = b->rs ? b->rs->n_lines : 0, n = 0, i;
	struct party_ref *v = calloc(r->st.n_parties + n_acc + n_prev + 1,
				     sizeof(*v));
	enum ll_status rc;

	if (!v)
		return LL_NOMEM;
	for (i = 0; i < r->st.n_parties; i++)
		v[n++] = (struct party_ref){
			r->reg->parties.v[r->st.parties[i].party].id,
			r->st.parties[i].party };
	for (i = 0; i < n_acc; i++)
		v[n++] = (struct party_ref){
			r->reg->parties.v[b->acc->v[i].party].id,
			b->acc->v[i].party };
	rc = prev_parties(b, v, &n, err);
	if (rc == LL_OK && n)
		qsort(v, n, sizeof(*v), cmp_party_ref);
	s->v = rc == LL_OK ? calloc(n + 1, sizeof(*s->v)) : NULL;
	for (i = 0; s->v && i < n; i++) {
		if (s->n == 0 || s->v[s->n - 1].party != v[i].p)
			s->v[s->n++].party = v[i].p;
	}
	free(v);
	return rc != LL_OK ? rc : s->v ? LL_OK : LL_NOMEM;
}

/* What the predicates of a posting are made from and into, shared by
 * the threads that make them (each writes only its own indices). */
struct preds_job {
	const struct ll_statements *s;
	const struct build *bd;
	char **preds;
	size_t *gaps;
	uint8_t (*leaves)[LL_MERKLE_HASH_LEN];
	uint8_t (*digests)[LL_SHA256_LEN];
};

/* Predicate i as JCS bytes with the place of its "merkle" member, its
 * Merkle leaf and its digest; preds[i] stays NULL when out of memory.
 * Only the bytes are kept: the tree is freed at once (the lines never
 * were one). */
static void predicate_at(void *arg, size_t i)
{
	struct preds_job *j = arg;
	int fail = 0;
	struct ll_buf lines = LL_BUF_INIT;
	json_t *pred = predicate(j->bd, j->s->v[i].party, &lines, &fail);
	char *b = fail || !pred
			  ? NULL
			  : ll_json_jcs_splice(pred, "lines", lines.s, lines.n,
					       "merkle", &j->gaps[i]);

	json_decref(pred);
	free(lines.s);
	if (!b)
		return;
	ll_merkle_leaf_hash((const uint8_t *)b, strlen(b), j->leaves[i]);
	ll_sha256(b, strlen(b), j->digests[i]);
	j->preds[i] = b;
}

/*
 * The predicates of s's parties (without "merkle") into preds as JCS
 * bytes and gaps (where "merkle" goes in them), their Merkle leaves, and
 * the SHA-256 of the same bytes (the statement's subject digest), so that
 * the bytes are made once; on every CPU, each party's independent of the
 * others'.  false: out of memory.
 */
static bool predicates(const struct ll_statements *s,
		       const struct build *bd, char **preds, size_t *gaps,
		       uint8_t (*leaves)[LL_MERKLE_HASH_LEN],
		       uint8_t (*digests)[LL_SHA256_LEN])
{
	struct preds_job j = { s, bd, preds, gaps, leaves, digests };
	size_t i;

	ll_task_each(s->n, 0, predicate_at, &j);
	for (i = 0; i < s->n; i++) {
		if (!preds[i])
			return false;
	}
	return true;
}

/* predicate.merkle of leaf i: a new object, NULL when out of memory. */
static json_t *merkle_obj(const struct ll_statements *s,
			  const struct ll_merkle_tree *t, size_t i, int *fail)
{
	uint8_t proof[LL_MERKLE_PROOF_MAX][LL_MERKLE_HASH_LEN];
	char hex[LL_SHA256_HEX_LEN + 1];
	size_t plen = 0, k;
	json_t *m = json_object(), *path = json_array();

	if (!m || !path ||
	    ll_merkle_tree_proof(t, i, proof, &plen) != LL_OK) {
		json_decref(m);
		json_decref(path);
		return NULL;
	}
	for (k = 0; k < plen; k++) {
		hex_of(proof[k], hex);
		push(path, json_string(hex), fail);
	}
	put(m, "root", json_string(s->root), fail);
	hex_of(t->node[i], hex);
	put(m, "leaf_hash", json_string(hex), fail);
	put(m, "leaf_index", json_integer((json_int_t)i), fail);
	put(m, "tree_size", json_integer((json_int_t)s->n), fail);
	put(m, "audit_path", path, fail);
	return m;
}

/*
 * The JCS bytes of statement i of s: its predicate (JCS bytes pred, gap
 * where "merkle" goes) with its merkle proof, in the in-toto statement
 * with its subject (party_id, the digest of pred without the proof).
 * Made by splicing, so the predicate is not serialised again: the same
 * bytes as ll_json_jcs of the whole.  NULL: out of memory.
 */
static char *statement_bytes(const struct ll_statements *s, size_t i,
			     const char *pred, size_t gap,
			     const uint8_t pred_digest[LL_SHA256_LEN],
			     const struct ll_merkle_tree *t,
			     const char *party_id)
{
	char hex[LL_SHA256_HEX_LEN + 1];
	char *mj = NULL, *pj = NULL, *sj = NULL, *payload = NULL;
	json_t *m, *st;
	size_t sgap;
	int fail = 0;

	m = merkle_obj(s, t, i, &fail);
	ll_hex(pred_digest, LL_SHA256_LEN, hex);
	st = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s}", "_type",
		       LL_INTOTO_STATEMENT_TYPE, "subject", "name", party_id,
		       "digest", "sha256", hex, "predicateType",
		       LL_STATEMENT_PREDICATE_TYPE);
	if (!fail && m && st) {
		mj = ll_json_jcs(m);
		sj = ll_json_jcs_gap(st, "predicate", &sgap);
	}
	if (mj && sj)
		pj = ll_json_jcs_insert(pred, gap, "merkle", mj);
	if (pj)
		payload = ll_json_jcs_insert(sj, sgap, "predicate", pj);
	json_decref(m);
	json_decref(st);
	free(mj);
	free(pj);
	free(sj);
	return payload;
}

/*
 * Statement i of s (statement_bytes) signed: the envelope and its digest
 * go to s->v[i].  LL_NOMEM, or a signing failure with err.
 */
static enum ll_status sign_statement(struct ll_statements *s, size_t i,
				     const char *pred, size_t gap,
				     const uint8_t pred_digest[LL_SHA256_LEN],
				     const struct ll_merkle_tree *t,
				     const char *party_id,
				     const struct ll_key *key,
				     struct ll_error *err)
{
	uint8_t digest[LL_SHA256_LEN];
	char *payload;

	payload = statement_bytes(s, i, pred, gap, pred_digest, t, party_id);
	if (!payload)
		return LL_NOMEM;
	s->v[i].envelope = ll_dsse_sign(key, LL_DSSE_INTOTO_TYPE,
					(const uint8_t *)payload,
					strlen(payload), err);
	free(payload);
	if (!s->v[i].envelope)
		return err && err->code != LL_OK ? err->code : LL_NOMEM;
	ll_sha256(s->v[i].envelope, strlen(s->v[i].envelope), digest);
	ll_hex(digest, sizeof(digest), s->v[i].sha256);
	return LL_OK;
}

/* The tree over s's leaves, built once for every proof, and s->root;
 * false: out of memory. */
static bool merkle_tree(struct ll_statements *s,
			const uint8_t (*leaves)[LL_MERKLE_HASH_LEN],
			struct ll_merkle_tree *tree)
{
	uint8_t root[LL_MERKLE_HASH_LEN];

	if (s->n == 0) {
		if (ll_merkle_root(leaves, 0, root) != LL_OK)
			return false;
	} else {
		if (ll_merkle_tree_build(tree, leaves, s->n) != LL_OK)
			return false;
		ll_merkle_tree_root(tree, root);
	}
	hex_of(root, s->root);
	return true;
}

/* What signing the statements shares between threads (each signs its
 * own indices; the first failure by index is the one reported). */
struct sign_job {
	struct ll_statements *s;
	char **preds;
	const size_t *gaps;
	const uint8_t (*digests)[LL_SHA256_LEN];
	const struct ll_merkle_tree *tree;
	const struct ll_registry *reg;
	const struct ll_key *key;
	pthread_mutex_t mu;
	size_t failed_at;	/* SIZE_MAX: none */
	enum ll_status rc;
	struct ll_error err;
};

static void sign_at(void *arg, size_t i)
{
	struct sign_job *j = arg;
	struct ll_error e;
	enum ll_status rc;

	ll_error_clear(&e);
	rc = sign_statement(j->s, i, j->preds[i], j->gaps[i], j->digests[i],
			    j->tree, j->reg->parties.v[j->s->v[i].party].id,
			    j->key, &e);
	/* signed: its bytes are not needed any more */
	free(j->preds[i]);
	j->preds[i] = NULL;
	if (rc == LL_OK)
		return;
	pthread_mutex_lock(&j->mu);
	if (i < j->failed_at) {
		j->failed_at = i;
		j->rc = rc;
		j->err = e;
	}
	pthread_mutex_unlock(&j->mu);
}

/* Every statement of s signed, on every CPU. */
static enum ll_status sign_all(struct ll_statements *s, char **preds,
			       const size_t *gaps,
			       const uint8_t (*digests)[LL_SHA256_LEN],
			       const struct ll_merkle_tree *tree,
			       const struct ll_registry *reg,
			       const struct ll_key *key, struct ll_error *err)
{
	struct sign_job j;

	memset(&j, 0, sizeof(j));
	j.s = s;
	j.preds = preds;
	j.gaps = gaps;
	j.digests = digests;
	j.tree = tree;
	j.reg = reg;
	j.key = key;
	j.failed_at = SIZE_MAX;
	j.rc = LL_OK;
	pthread_mutex_init(&j.mu, NULL);
	ll_task_each(s->n, 0, sign_at, &j);
	pthread_mutex_destroy(&j.mu);
	if (j.rc != LL_OK && j.rc != LL_NOMEM)
		*err = j.err;
	return j.rc;
}

/* What ll_statements_prepare leaves for ll_statements_sign. */
struct ll_statements_draft {
	const struct ll_registry *reg;
	size_t n;
	char **preds;				/* JCS, without "merkle" yet */
	size_t *gaps;				/* where "merkle" goes */
	uint8_t (*digests)[LL_SHA256_LEN];	/* of each predicate's JCS */
	struct ll_merkle_tree tree;
};

void ll_statements_draft_free(struct ll_statements_draft *d)
{
	size_t i;

	if (!d)
		return;
	if (d->preds) {
		for (i = 0; i < d->n; i++)
			free(d->preds[i]);
	}
	free(d->preds);
	free(d->gaps);
	free(d->digests);
	ll_merkle_tree_release(&d->tree);
	free(d);
}

enum ll_status ll_statements_prepare(struct ll_statements *s,
				     struct ll_statements_draft **draft,
				     const struct ll_run *r,
				     const struct ll_restatement *rs,
				     const struct ll_accounts *acc,
				     struct ll_error *err)
{
	struct build b = { r, rs, acc, NULL, 0, 0, NULL, 0, NULL, NULL };
	struct ll_statements_draft *d = calloc(1, sizeof(*d));
	uint8_t (*leaves)[LL_MERKLE_HASH_LEN] = NULL;
	enum ll_status rc = LL_NOMEM;
	int fail = 0;

	(void)acc; /* the statements of account: not written yet */
	*draft = NULL;
	memset(s, 0, sizeof(*s));
	if (!d)
		goto out;
	d->reg = r->reg;
	rc = order_parties(s, &b, err);
	if (rc != LL_OK)
		goto out;
	rc = LL_NOMEM;
	d->n = s->n;
	build_prepare(&b, &fail);
	d->preds = calloc(s->n + 1, sizeof(*d->preds));
	d->gaps = calloc(s->n + 1, sizeof(*d->gaps));
	leaves = calloc(s->n + 1, sizeof(*leaves));
	d->digests = calloc(s->n + 1, sizeof(*d->digests));
	if (fail || !d->preds || !d->gaps || !leaves || !d->digests ||
	    !predicates(s, &b, d->preds, d->gaps, leaves, d->digests))
		goto out;
	if (!merkle_tree(s, (const uint8_t(*)[LL_MERKLE_HASH_LEN])leaves,
			 &d->tree))
		goto out;
	rc = LL_OK;
out:
	if (rc == LL_NOMEM)
		ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
			     "out of memory building statements");
	free(leaves);
	build_release(&b);
	if (rc != LL_OK) {
		ll_statements_draft_free(d);
		ll_statements_release(s);
	} else {
		*draft = d;
	}
	return rc;
}

enum ll_status ll_statements_sign(struct ll_statements *s,
				  struct ll_statements_draft *draft,
				  const struct ll_key *key, struct ll_error *err)
{
	enum ll_status rc;

	rc = sign_all(s, draft->preds, draft->gaps,
		      (const uint8_t(*)[LL_SHA256_LEN])draft->digests,
		      &draft->tree, draft->reg, key, err);
	if (rc == LL_NOMEM)
		ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
			     "out of memory building statements");
	ll_statements_draft_free(draft);
	if (rc != LL_OK)
		ll_statements_release(s);
	return rc;
}

enum ll_status ll_statements_build(struct ll_statements *s,
				   const struct ll_run *r,
				   const struct ll_restatement *rs,
				   const struct ll_accounts *acc,
				   const struct ll_key *key,
				   struct ll_error *err)
{
	struct ll_statements_draft *d;
	enum ll_status rc = ll_statements_prepare(s, &d, r, rs, acc, err);

	return rc == LL_OK ? ll_statements_sign(s, d, key, err) : rc;
}

void ll_statements_release(struct ll_statements *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].envelope);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const struct ll_statement *ll_statements_of(const struct ll_statements *s,
					    uint32_t p)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].party == p)
			return &s->v[i];
	}
	return NULL;
}

/* ---- verifying -------------------------------------------------------- */

static void problem(struct ll_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct ll_verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->problem[0])
		return; /* the first problem is the one reported */
	va_start(ap, fmt);
	vsnprintf(v->problem, sizeof(v->problem), fmt, ap);
	va_end(ap);
}

static bool hex32(const char *s, uint8_t out[32])
{
	size_t i;

	if (!s || strlen(s) != 64)
		return false;
	for (i = 0; i < 32; i++) {
		int hi, lo;
		char c = s[2 * i], c2 = s[2 * i + 1];

		hi = c >= '0' && c <= '9' ? c - '0'
		     : c >= 'a' && c <= 'f' ? c - 'a' + 10
					    : -1;
		lo = c2 >= '0' && c2 <= '9' ? c2 - '0'
		     : c2 >= 'a' && c2 <= 'f' ? c2 - 'a' + 10
					      : -1;
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi * 16 + lo);
	}
	return true;
}

/*
 * Per-currency sums of a statement's lines.  Grown as currencies appear:
 * a party may be paid under licences in any number of currencies.
 */
struct vsum {
	char currency[LL_CURRENCY_LEN + 1];
	int exponent;
	mpq_t exact;
	mpz_t minor;
	mpz_t previous;		/* Σ previous of a restatement's lines */
	bool has_previous;	/* the lines carry previous */
};

struct vsums {
	struct vsum *v;
	size_t n, cap;
};

static struct vsum *vsums_find(const struct vsums *s, const char *cur)
{
	size_t k;

	for (k = 0; k < s->n; k++) {
		if (strcmp(s->v[k].currency, cur) == 0)
			return &s->v[k];
	}
	return NULL;
}

/* A new, zero entry for cur (exponent e); NULL when out of memory. */
static struct vsum *vsums_add(struct vsums *s, const char *cur, int e)
{
	struct vsum *t;

	if (s->n == s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 4;
		struct vsum *nv = realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		s->v = nv;
		s->cap = ncap;
	}
	t = &s->v[s->n++];
	/* cur has a known exponent: three letters, so it fits */
	LL_ENSURE(ll_str_copy(t->currency, sizeof(t->currency), cur));
	t->exponent = e;
	mpq_init(t->exact);
	mpz_init(t->minor);
	mpz_init(t->previous);
	t->has_previous = false;
	return t;
}

static void vsums_release(struct vsums *s)
{
	size_t k;

	for (k = 0; k < s->n; k++) {
		mpq_clear(s->v[k].exact);
		mpz_clear(s->v[k].minor);
		mpz_clear(s->v[k].previous);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/*
 * Read one {currency, exact, amount} member pair of a line or a total
 * (what: "line 3", "totals entry 0") into q and minor, with exponent e;
 * both are figures that ledgerline wrote, so they have no digit limit.
 * false with the problem noted in v; LL_NOMEM in *rc.
 */
static bool read_figures(const json_t *o, const char *what, int e, mpq_t q,
			 mpz_t minor, struct ll_verdict *v,
			 enum ll_status *rc, struct ll_error *err)
{
	const json_t *ex = json_object_get(o, "exact");
	const json_t *am = json_object_get(o, "amount");
	const char *field = "exact";
	struct ll_error perr;
	enum ll_status prc;

	if (!json_is_string(ex) || !json_is_string(am)) {
		problem(v, "%s: exact and amount must be strings", what);
		return false;
	}
	prc = ll_exact_parse_figure(q, json_string_value(ex),
				    json_string_length(ex), false, &perr);
	if (prc == LL_OK) {
		field = "amount";
		prc = ll_exact_parse_minor(minor, json_string_value(am),
					   json_string_length(am), e, false,
					   &perr);
	}
	if (prc == LL_NOMEM) {
		*rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL, "%s",
				   perr.text);
		return false;
	}
	if (prc != LL_OK) {
		problem(v, "%s: %s: %s", what, field, perr.text);
		return false;
	}
	return true;
}

/* A line's name in a message: its index and what it is of. */
static void line_name(char *out, size_t size, const json_t *l, size_t i)
{
	const char *work = json_string_value(json_object_get(l, "work"));
	const char *side = json_string_value(json_object_get(l, "side"));

	snprintf(out, size, "line %zu (licence %.40s, work %.40s, %.20s, %.12s)",
		 i, jsv(json_object_get(l, "licence")), work ? work : "none",
		 jsv(json_object_get(l, "component")), side ? side : "no side");
}

/*
 * share × work_exact = exact for line i, whose exact value is q.  false
 * with the problem noted in v; LL_NOMEM in *rc.
 */
static bool check_line_product(const json_t *l, size_t i, const mpq_t q,
			       struct ll_verdict *v, enum ll_status *rc,
			       struct ll_error *err)
{
	static const char *const keys[] = { "share", "work_exact" };
	char what[LINE_NAME_BYTES];
	struct ll_error perr;
	enum ll_status prc = LL_OK;
	mpq_t f[2];
	int k;

	line_name(what, sizeof(what), l, i);
	mpq_init(f[0]);
	mpq_init(f[1]);
	for (k = 0; k < 2 && prc == LL_OK; k++) {
		const json_t *x = json_object_get(l, keys[k]);

		if (!json_is_string(x)) {
			problem(v, "%s: %s must be a string", what, keys[k]);
			prc = LL_INVALID;
			break;
		}
		prc = ll_exact_parse_figure(f[k], json_string_value(x),
					    json_string_length(x), false, &perr);
		if (prc == LL_INVALID)
			problem(v, "%s: %s: %s", what, keys[k], perr.text);
	}
	if (prc == LL_NOMEM)
		*rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL, "%s",
				   perr.text);
	if (prc == LL_OK) {
		mpq_mul(f[0], f[0], f[1]);
		if (!mpq_equal(f[0], q)) {
			problem(v, "%s: share %s × work_exact %s is not exact %s",
				what, jsv(json_object_get(l, "share")),
				jsv(json_object_get(l, "work_exact")),
				jsv(json_object_get(l, "exact")));
			prc = LL_FINDINGS;
		}
	}
	mpq_clear(f[0]);
	mpq_clear(f[1]);
	return prc == LL_OK;
}

/*
 * The amount of line l (what: "line 3") is its exact value q rounded by
 * largest remainder to e decimals: floor(x) or floor(x) + 1, and exactly x
 * when x is a whole number of minor units.  A problem goes to v.
 */
static void check_rounding(const json_t *l, const char *what, int e,
			   const mpq_t q, const mpz_t minor,
			   struct ll_verdict *v)
{
	mpq_t scaled;
	mpz_t fl;

	mpq_init(scaled);
	mpz_init(fl);
	ll_exact_scale10(scaled, q, e);
	mpz_fdiv_q(fl, mpq_numref(scaled), mpq_denref(scaled));
	if (mpz_cmp(fl, minor) != 0) {
		mpz_add_ui(fl, fl, 1);
		if (mpz_cmp(fl, minor) != 0 ||
		    mpz_cmp_ui(mpq_denref(scaled), 1) == 0)
			problem(v, "%s: amount %s is not %s rounded "
				   "to minor units", what,
				json_string_value(json_object_get(l, "amount")),
				json_string_value(json_object_get(l, "exact")));
	}
	mpz_clear(fl);
	mpq_clear(scaled);
}

/*
 * A signed amount, member name of o (what: "account entry 0"), with e
 * decimals, into minor.  false with the problem noted in v; LL_NOMEM in
 * *rc.
 */
static bool read_signed(const json_t *o, const char *name, const char *what,
			int e, mpz_t minor, struct ll_verdict *v,
			enum ll_status *rc, struct ll_error *err)
{
	const json_t *x = json_object_get(o, name);
	struct ll_error perr;
	enum ll_status prc;

	if (!json_is_string(x)) {
		problem(v, "%s: %s must be a string", what, name);
		return false;
	}
	prc = ll_exact_parse_minor(minor, json_string_value(x),
				   json_string_length(x), e, true, &perr);
	if (prc == LL_NOMEM)
		*rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL, "%s",
				   perr.text);
	else if (prc != LL_OK)
		problem(v, "%s: %s: %s", what, name, perr.text);
	return prc == LL_OK;
}

/*
 * A restatement's line i (amount minor, exponent e) carries previous and
 * adjustment = amount - previous, or neither; with carry, whether it
 * does.  previous is added to *prev.  false with the problem in v;
 * LL_NOMEM in *rc.
 */
static bool check_line_adjustment(const json_t *l, const char *what, int e,
				  const mpz_t minor, mpz_t prev, bool *carry,
				  struct ll_verdict *v, enum ll_status *rc,
				  struct ll_error *err)
{
	bool has_prev = json_object_get(l, "previous") != NULL;
	bool has_adj = json_object_get(l, "adjustment") != NULL;
	mpz_t p, a;
	bool ok;

	*carry = has_prev || has_adj;
	if (!*carry)
		return true;
	mpz_init(p);
	mpz_init(a);
	ok = read_signed(l, "previous", what, e, p, v, rc, err) &&
	     read_signed(l, "adjustment", what, e, a, v, rc, err);
	if (ok && mpz_sgn(p) < 0) {
		problem(v, "%s: previous %s is negative", what,
			jsv(json_object_get(l, "previous")));
		ok = false;
	}
	if (ok) {
		mpz_add(prev, prev, p);
		mpz_sub(p, minor, p);
		if (mpz_cmp(p, a) != 0) {
			problem(v, "%s: adjustment %s is not amount %s - "
				   "previous %s", what,
				jsv(json_object_get(l, "adjustment")),
				jsv(json_object_get(l, "amount")),
				jsv(json_object_get(l, "previous")));
			ok = false;
		}
	}
	mpz_clear(a);
	mpz_clear(p);
	return ok;
}

/*
 * Each line's rounding and, in a restatement, its adjustment (every line
 * or none carries one), and the lines' sums per currency into sums.
 * Problems go to v; the status is LL_NOMEM (err filled) or LL_OK.
 */
static enum ll_status check_lines(const json_t *lines, struct vsums *sums,
				  struct ll_verdict *v, struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	char what[48];
	size_t i, carried = 0;
	bool carry;
	mpq_t q;
	mpz_t minor;

	mpq_init(q);
	mpz_init(minor);
	for (i = 0; i < json_array_size(lines) && !v->problem[0]; i++) {
		const json_t *l = json_array_get(lines, i);
		const char *cur = json_string_value(json_object_get(l, "currency"));
		int e = cur ? ll_currency_exponent(cur) : -1;
		struct vsum *s;

		snprintf(what, sizeof(what), "line %zu", i);
		if (e < 0) {
			problem(v, "%s: no known currency", what);
			break;
		}
		if (!read_figures(l, what, e, q, minor, v, &rc, err) ||
		    !check_line_product(l, i, q, v, &rc, err))
			break;
		check_rounding(l, what, e, q, minor, v);
		s = vsums_find(sums, cur);
		if (!s && !(s = vsums_add(sums, cur, e))) {
			rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory verifying a "
					  "statement");
			break;
		}
		if (!check_line_adjustment(l, what, e, minor, s->previous,
					   &carry, v, &rc, err))
			break;
		carried += carry;
		s->has_previous |= carry;
		mpq_add(s->exact, s->exact, q);
		mpz_add(s->minor, s->minor, minor);
	}
	if (rc == LL_OK && !v->problem[0] && carried &&
	    carried != json_array_size(lines))
		problem(v, "lines: %zu of %zu carry previous and adjustment, "
			   "not all", carried, json_array_size(lines));
	mpz_clear(minor);
	mpq_clear(q);
	return rc;
}

/*
 * Each entry of totals equals the sums of its currency's lines (sums),
 * exact and rounded.  Problems go to v; the status is LL_NOMEM (err
 * filled) or LL_OK.
 */
static enum ll_status check_totals(const json_t *totals,
				   const struct vsums *sums,
				   struct ll_verdict *v, struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	char what[48];
	size_t i;
	mpq_t q;
	mpz_t minor;

	mpq_init(q);
	mpz_init(minor);
	for (i = 0; rc == LL_OK && i < json_array_size(totals) &&
		    !v->problem[0];
	     i++) {
		const json_t *t = json_array_get(totals, i);
		const char *cur = json_string_value(json_object_get(t, "currency"));
		const struct vsum *s = cur ? vsums_find(sums, cur) : NULL;

		snprintf(what, sizeof(what), "totals entry %zu", i);
		if (!s) {
			problem(v, "%s: currency %.8s has no lines", what,
				cur ? cur : "(none)");
			break;
		}
		if (!read_figures(t, what, s->exponent, q, minor, v, &rc, err))
			break;
		if (!mpq_equal(q, s->exact))
			problem(v, "totals: %s exact total %s is not the sum "
				   "of its lines",
				cur, json_string_value(json_object_get(t, "exact")));
		else if (mpz_cmp(minor, s->minor) != 0)
			problem(v, "totals: %s amount %s is not the sum of "
				   "its lines",
				cur, json_string_value(json_object_get(t, "amount")));
	}
	mpz_clear(minor);
	mpq_clear(q);
	return rc;
}

/* Σ payments[].amount of account entry a (what: "account entry 0") into
 * paid.  false with the problem in v; LL_NOMEM in *rc. */
static bool sum_payments(const json_t *a, const char *what, int e,
			 mpz_t paid, struct ll_verdict *v, enum ll_status *rc,
			 struct ll_error *err)
{
	const json_t *pays = json_object_get(a, "payments");
	char pwhat[96];
	bool ok = true;
	size_t k;
	mpz_t x;

	if (!json_is_array(pays)) {
		problem(v, "%s: payments must be an array", what);
		return false;
	}
	mpz_init(x);
	for (k = 0; ok && k < json_array_size(pays); k++) {
		const json_t *p = json_array_get(pays, k);

		snprintf(pwhat, sizeof(pwhat), "%s: payment %zu", what, k);
		if (!json_is_string(json_object_get(p, "payee")) ||
		    !json_is_string(json_object_get(p, "end_to_end_id"))) {
			problem(v, "%s: payee and end_to_end_id must be "
				   "strings", pwhat);
			ok = false;
		} else if ((ok = read_signed(p, "amount", pwhat, e, x, v, rc,
					     err))) {
			mpz_add(paid, paid, x);
		}
	}
	mpz_clear(x);
	return ok;
}

/* The figures of one account entry: opening, earned, adjustments,
 * payments (their sum), closing. */
enum { ACC_OPENING, ACC_EARNED, ACC_ADJUSTMENTS, ACC_PAID, ACC_CLOSING,
       ACC_FIGURES };

static const char *const ACC_NAMES[ACC_FIGURES] = {
	"opening", "earned", "adjustments", "payments", "closing"
};

/* Read account entry a's figures (exponent e) into f.  false with the
 * problem in v; LL_NOMEM in *rc. */
static bool read_account(const json_t *a, const char *what, int e,
			 mpz_t f[ACC_FIGURES], struct ll_verdict *v,
			 enum ll_status *rc, struct ll_error *err)
{
	int k;

	for (k = 0; k < ACC_FIGURES; k++) {
		if (k == ACC_PAID) {
			if (!sum_payments(a, what, e, f[k], v, rc, err))
				return false;
		} else if (!read_signed(a, ACC_NAMES[k], what, e, f[k], v, rc,
					err)) {
			return false;
		}
	}
	return true;
}

/*
 * Account entry a of currency s (NULL: the party has no lines in it):
 * opening + earned + adjustments - payments = closing; earned is the
 * statement's total in the currency (0 without one); with lines that
 * carry previous, adjustments is minus their sum.  Problems go to v.
 */
static void check_account_figures(const json_t *a, const char *what,
				  const char *cur, mpz_t f[ACC_FIGURES],
				  const struct vsum *s, struct ll_verdict *v)
{
	char *m;
	mpz_t x;

	mpz_init(x);
	mpz_add(x, f[ACC_OPENING], f[ACC_EARNED]);
	mpz_add(x, x, f[ACC_ADJUSTMENTS]);
	mpz_sub(x, x, f[ACC_PAID]);
	if (mpz_cmp(x, f[ACC_CLOSING]) != 0) {
		m = ll_exact_minor_str(f[ACC_PAID], ll_currency_exponent(cur));
		problem(v, "%s (%s): opening %s + earned %s + adjustments %s "
			   "- payments %s is not closing %s", what, cur,
			jsv(json_object_get(a, "opening")),
			jsv(json_object_get(a, "earned")),
			jsv(json_object_get(a, "adjustments")), m ? m : "?",
			jsv(json_object_get(a, "closing")));
		free(m);
	} else if (s ? mpz_cmp(f[ACC_EARNED], s->minor) != 0
		     : mpz_sgn(f[ACC_EARNED]) != 0) {
		problem(v, "%s (%s): earned %s is not the statement's total",
			what, cur, jsv(json_object_get(a, "earned")));
	} else if (s && s->has_previous) {
		mpz_neg(x, s->previous);
		if (mpz_cmp(x, f[ACC_ADJUSTMENTS]) != 0)
			problem(v, "%s (%s): adjustments %s is not minus the "
				   "lines' previous amounts", what, cur,
				jsv(json_object_get(a, "adjustments")));
	}
	mpz_clear(x);
}

/*
 * One account entry i, in currency order after *last.  Problems go to
 * v; the status is LL_NOMEM (err filled) or LL_OK.
 */
static enum ll_status check_account_entry(const json_t *a, size_t i,
					  const char **last,
					  const struct vsums *sums,
					  struct ll_verdict *v,
					  struct ll_error *err)
{
	const char *cur = json_string_value(json_object_get(a, "currency"));
	int e = cur ? ll_currency_exponent(cur) : -1;
	enum ll_status rc = LL_OK;
	mpz_t f[ACC_FIGURES];
	char what[48];
	int k;

	snprintf(what, sizeof(what), "account entry %zu", i);
	if (e < 0) {
		problem(v, "%s: no known currency", what);
		return LL_OK;
	}
	if (*last && strcmp(*last, cur) >= 0) {
		problem(v, "%s: currency %s is not after %s", what, cur, *last);
		return LL_OK;
	}
	*last = cur;
	for (k = 0; k < ACC_FIGURES; k++)
		mpz_init(f[k]);
	if (read_account(a, what, e, f, v, &rc, err))
		check_account_figures(a, what, cur, f, vsums_find(sums, cur),
				      v);
	for (k = 0; k < ACC_FIGURES; k++)
		mpz_clear(f[k]);
	return rc;
}

/*
 * The statement of account, when the predicate has one: each entry's
 * balance equation and earned, and an entry for every currency of the
 * totals.  Problems go to v; the status is LL_NOMEM (err filled) or
 * LL_OK.
 */
static enum ll_status check_account(const json_t *pred,
				    const struct vsums *sums,
				    struct ll_verdict *v, struct ll_error *err)
{
	const json_t *acc = json_object_get(pred, "account");
	enum ll_status rc = LL_OK;
	const char *last = NULL;
	size_t i, k;

	if (!acc)
		return LL_OK;
	if (!json_is_array(acc)) {
		problem(v, "account must be an array");
		return LL_OK;
	}
	for (i = 0; rc == LL_OK && i < json_array_size(acc) && !v->problem[0];
	     i++)
		rc = check_account_entry(json_array_get(acc, i), i, &last,
					 sums, v, err);
	for (k = 0; rc == LL_OK && k < sums->n && !v->problem[0]; k++) {
		for (i = 0; i < json_array_size(acc); i++) {
			if (strcmp(jsv(json_object_get(json_array_get(acc, i),
						       "currency")),
				   sums->v[k].currency) == 0)
				break;
		}
		if (i == json_array_size(acc))
			problem(v, "account: no entry for %s, a currency of "
				   "the totals", sums->v[k].currency);
	}
	return rc;
}

/*
 * Σ lines = totals per currency (exact and rounded), and each amount is
 * its exact value rounded by largest remainder.  Problems go to v; the
 * status is LL_NOMEM (err filled) or LL_OK.
 */
static enum ll_status check_arithmetic(const json_t *pred,
				       struct ll_verdict *v,
				       struct ll_error *err)
{
	const json_t *lines = json_object_get(pred, "lines");
	const json_t *totals = json_object_get(pred, "totals");
	struct vsums sums = { NULL, 0, 0 };
	enum ll_status rc;

	if (!json_is_array(lines) || !json_is_array(totals)) {
		problem(v, "predicate has no lines or totals");
		return LL_OK;
	}
	rc = check_lines(lines, &sums, v, err);
	if (rc == LL_OK && !v->problem[0] &&
	    json_array_size(totals) != sums.n)
		problem(v, "totals name %zu currencies, lines have %zu",
			json_array_size(totals), sums.n);
	if (rc == LL_OK)
		rc = check_totals(totals, &sums, v, err);
	if (rc == LL_OK && !v->problem[0])
		rc = check_account(pred, &sums, v, err);
	vsums_release(&sums);
	return rc;
}

static void check_merkle(const json_t *m, const uint8_t leaf[32],
			 const char *expected_root, struct ll_verdict *v)
{
	uint8_t root[32], given_leaf[32];
	uint8_t proof[LL_MERKLE_PROOF_MAX][LL_MERKLE_HASH_LEN];
	const json_t *path = json_object_get(m, "audit_path");
	json_int_t idx = json_integer_value(json_object_get(m, "leaf_index"));
	json_int_t size = json_integer_value(json_object_get(m, "tree_size"));
	const char *root_hex = json_string_value(json_object_get(m, "root"));
	size_t i, n;

	if (!json_is_object(m) || !json_is_array(path) ||
	    !json_is_integer(json_object_get(m, "leaf_index")) ||
	    !json_is_integer(json_object_get(m, "tree_size")) ||
	    !hex32(root_hex, root) ||
	    !hex32(json_string_value(json_object_get(m, "leaf_hash")),
		   given_leaf)) {
		problem(v, "malformed merkle proof");
		return;
	}
	/* hex32 took exactly 64 digits */
	LL_ENSURE(ll_str_copy(v->root, sizeof(v->root), root_hex));
	n = json_array_size(path);
	if (idx < 0 || size < 1 || idx >= size || n > LL_MERKLE_PROOF_MAX) {
		problem(v, "malformed merkle proof");
		return;
	}
	for (i = 0; i < n; i++) {
		if (!hex32(json_string_value(json_array_get(path, i)),
			   proof[i])) {
			problem(v, "malformed merkle proof");
			return;
		}
	}
	if (memcmp(given_leaf, leaf, 32) != 0) {
		problem(v, "leaf hash does not match the predicate");
		return;
	}
	if (!ll_merkle_verify(leaf, (size_t)idx, (size_t)size,
			      (const uint8_t(*)[LL_MERKLE_HASH_LEN])proof, n,
			      root)) {
		problem(v, "merkle inclusion proof does not lead to root %s",
			root_hex);
		return;
	}
	if (expected_root && strcmp(expected_root, root_hex) != 0)
		problem(v, "run root %s is not the expected %s", root_hex,
			expected_root);
}

/*
 * The predicate of the in-toto statement st (borrowed from it), its party
 * id and run id copied to v; NULL, with the problem in v, when st is not a
 * ledgerline statement.
 */
static const json_t *statement_predicate(const json_t *st,
					 struct ll_verdict *v)
{
	const json_t *pred, *subj;

	if (!st || !json_is_object(st)) {
		problem(v, "payload is not a JSON object");
		return NULL;
	}
	pred = json_object_get(st, "predicate");
	subj = json_object_get(st, "subject");
	if (strcmp(jsv(json_object_get(st, "_type")),
		   LL_INTOTO_STATEMENT_TYPE) != 0 ||
	    strcmp(jsv(json_object_get(st, "predicateType")),
		   LL_STATEMENT_PREDICATE_TYPE) != 0 ||
	    !json_is_object(pred) || !json_is_array(subj) ||
	    json_array_size(subj) != 1) {
		problem(v, "not a ledgerline in-toto statement");
		return NULL;
	}
	if (!ll_str_copy(v->party, sizeof(v->party),
			 jsv(json_object_get(json_object_get(pred, "party"),
					     "id"))))
		problem(v, "party id is longer than %zu bytes",
			sizeof(v->party) - 1);
	if (!ll_str_copy(v->run_id, sizeof(v->run_id),
			 jsv(json_object_get(pred, "run_id"))))
		problem(v, "run id is longer than %zu bytes",
			sizeof(v->run_id) - 1);
	return pred;
}

/*
 * The subject digest of st is SHA-256 of the JCS bytes of pred without
 * "merkle", and leaf the Merkle leaf hash of those bytes.  false, with the
 * problem in v, when pred has no proof to take away.
 */
static bool check_subject(const json_t *st, const json_t *pred,
			  uint8_t leaf[LL_MERKLE_HASH_LEN],
			  struct ll_verdict *v)
{
	const json_t *subj = json_array_get(json_object_get(st, "subject"), 0);
	json_t *bare = json_deep_copy(pred);
	uint8_t digest[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN + 1], *b = NULL;

	if (!bare || json_object_del(bare, "merkle") != 0 ||
	    !(b = ll_json_jcs(bare))) {
		json_decref(bare);
		problem(v, "predicate has no merkle proof");
		return false;
	}
	json_decref(bare);
	ll_sha256(b, strlen(b), digest);
	ll_hex(digest, sizeof(digest), hex);
	if (strcmp(jsv(json_object_get(json_object_get(subj, "digest"),
				       "sha256")),
		   hex) != 0)
		problem(v, "subject digest does not match the predicate");
	ll_merkle_leaf_hash((const uint8_t *)b, strlen(b), leaf);
	free(b);
	return true;
}

/* The file name, when it is <party>.dsse.json, must match v->party. */
static void check_file_name(const char *name, struct ll_verdict *v)
{
	const char *base = strrchr(name, '/');
	size_t bl;

	base = base ? base + 1 : name;
	bl = strlen(base);
	if (bl > 10 && strcmp(base + bl - 10, ".dsse.json") == 0 &&
	    (strlen(v->party) != bl - 10 ||
	     strncmp(base, v->party, bl - 10) != 0))
		problem(v, "file is named for party \"%.*s\" but the "
			   "statement is for \"%s\"",
			(int)(bl - 10), base, v->party);
}

enum ll_status ll_statement_verify(const char *name, const char *envelope,
				   size_t len, const struct ll_key *pub,
				   const char *expected_root,
				   struct ll_verdict *v, struct ll_error *err)
{
	uint8_t *payload = NULL;
	size_t plen = 0;
	char *type = NULL;
	json_t *st = NULL;
	const json_t *pred;
	json_error_t jerr;
	enum ll_status rc;
	uint8_t leaf[LL_MERKLE_HASH_LEN];

	memset(v, 0, sizeof(*v));
	rc = ll_dsse_open(envelope, len, pub, &payload, &plen, &type, err);
	if (rc == LL_FINDINGS || rc == LL_INVALID) {
		problem(v, "%s", err->text[0] ? err->text : "bad envelope");
		ll_error_clear(err);
		return LL_OK;
	}
	if (rc != LL_OK)
		return rc;
	if (strcmp(type, LL_DSSE_INTOTO_TYPE) != 0)
		problem(v, "payloadType is \"%.80s\", not %s", type,
			LL_DSSE_INTOTO_TYPE);
	st = json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES,
			&jerr);
	if (st && !ll_json_is_jcs(st, payload, plen))
		problem(v, "payload: not its RFC 8785 (JCS) canonical form");
	pred = statement_predicate(st, v);
	if (!pred || !check_subject(st, pred, leaf, v))
		goto out;
	check_file_name(name, v);
	rc = check_arithmetic(pred, v, err);
	if (rc != LL_OK)
		goto out;
	check_merkle(json_object_get(pred, "merkle"), leaf, expected_root, v);
out:
	json_decref(st);
	free(payload);
	free(type);
	return rc;
}

/*
 * reconcile.c — statements held against a party's own catalogue
 * (reconcile.h): unknown works, shares that differ, figures that do not
 * hold, works no statement pays.
 *
 * Design decision: a struct job carries one reconciliation through its
 * steps (find the catalogue party, each statement's lines, the missing
 * works); the statements are read as the JSON a signature covered, and
 * every figure is compared as an exact rational, so "0.5" in a catalogue
 * and "1/2" in a statement are one share.
 */
#include "ledgerline/reconcile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/exact.h"

/* Distinct exclusion reasons named for one missing work. */
enum { RECON_REASONS_MAX = 16 };

struct job {
	struct ll_recon *r;
	const struct ll_catalog *c;
	const struct ll_recon_input *in;
	size_t n;
	bool strict, nomem;
	bool *paid;			/* by catalogue row */
	const char *name, *party;	/* the statement being read */
	bool own;			/* its party is the catalogue party */
	struct ll_error *err;
};

const char *ll_recon_kind_name(enum ll_recon_kind k)
{
	switch (k) {
	case LL_RECON_SIGNATURE:
		return "signature";
	case LL_RECON_STATEMENT:
		return "statement";
	case LL_RECON_UNKNOWN_WORK:
		return "unknown_work";
	case LL_RECON_SHARE_MISMATCH:
		return "share_mismatch";
	case LL_RECON_ARITHMETIC:
		return "arithmetic";
	case LL_RECON_MISSING_WORK:
		return "missing_work";
	case LL_RECON_UNALLOCATED:
		return "unallocated";
	case LL_RECON_KIND_COUNT:
		break;
	}
	return "?";
}

void ll_recon_init(struct ll_recon *r)
{
	memset(r, 0, sizeof(*r));
}

static void finding_release(struct ll_recon_finding *f)
{
	free(f->statement);
	free(f->party);
	free(f->licence);
	free(f->work);
	free(f->isrc);
	free(f->iswc);
	free(f->title);
	free(f->component);
	free(f->side);
	free(f->catalogue_share);
	free(f->statement_share);
	free(f->reason);
	free(f->detail);
}

void ll_recon_release(struct ll_recon *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		finding_release(&r->v[i]);
	free(r->v);
	ll_recon_init(r);
}

/* A copy of s, or NULL for NULL; *nomem set when the copy failed. */
static char *dup(const char *s, bool *nomem)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*nomem = true;
	return d;
}

static char *fmt(bool *nomem, const char *f, ...)
	__attribute__((format(printf, 2, 3)));

/* A new formatted string; *nomem set when it could not be made. */
static char *fmt(bool *nomem, const char *f, ...)
{
	va_list ap;
	char *s;
	int len;

	va_start(ap, f);
	len = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (len < 0 || !(s = malloc((size_t)len + 1))) {
		*nomem = true;
		return NULL;
	}
	va_start(ap, f);
	vsnprintf(s, (size_t)len + 1, f, ap);
	va_end(ap);
	return s;
}

/* A new zeroed finding at the end of r, counted; NULL on no memory. */
static struct ll_recon_finding *add(struct ll_recon *r,
				    enum ll_recon_kind kind, bool discrepancy)
{
	struct ll_recon_finding *f;

	if (r->n == r->alloc) {
		size_t a = r->alloc ? r->alloc * 2 : 16;
		void *v = realloc(r->v, a * sizeof(*r->v));

		if (!v)
			return NULL;
		r->v = v;
		r->alloc = a;
	}
	f = &r->v[r->n++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->discrepancy = discrepancy;
	if (discrepancy)
		r->discrepancies++;
	else
		r->notes++;
	return f;
}

enum ll_status ll_recon_add_problem(struct ll_recon *r,
				    enum ll_recon_kind kind, const char *name,
				    const char *party, const char *detail,
				    struct ll_error *err)
{
	struct ll_recon_finding *f = add(r, kind, true);
	bool nomem = !f;

	if (f) {
		f->statement = dup(name, &nomem);
		f->party = dup(party && *party ? party : NULL, &nomem);
		f->detail = dup(detail, &nomem);
	}
	if (nomem)
		return ll_error_set(err, LL_NOMEM, name, 0, NULL,
				    "out of memory");
	return LL_OK;
}

/* The string member k of o, or NULL. */
static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- the catalogue party ---- */

/* Whether one of the statements is of party id. */
static bool given(const struct job *j, const char *id)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (strcmp(jstr(json_object_get(j->in[i].predicate, "party"),
				"id"), id) == 0)
			return true;
	return false;
}

/* Statement i's party, or its payee when that party's statement is
 * given too. */
static const char *top(const struct job *j, size_t i)
{
	const json_t *p = json_object_get(j->in[i].predicate, "party");
	const char *id = jstr(p, "id"), *payee = jstr(p, "payee");

	return payee && strcmp(payee, id) != 0 && given(j, payee) ? payee : id;
}

static enum ll_status catalogue_party(struct job *j)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		const json_t *p = j->in[i].predicate;
		const char *id = jstr(json_object_get(p, "party"), "id");

		if (!id || !ll_id_valid(id))
			return ll_error_set(j->err, LL_INVALID, j->in[i].name,
					    0, "party.id", "the statement "
					    "names no valid party");
		if (!json_is_array(json_object_get(p, "lines")))
			return ll_error_set(j->err, LL_INVALID, j->in[i].name,
					    0, "lines", "the statement has "
					    "no lines");
	}
	for (i = 0; i < j->n; i++)
		if (strcmp(top(j, i), top(j, 0)) != 0)
			return ll_error_set(j->err, LL_INVALID, j->in[i].name,
					    0, "party", "statement of party "
					    "\"%s\" is neither of \"%s\" nor "
					    "paid to it: reconcile one "
					    "party's statements at a time",
					    top(j, i), top(j, 0));
	LL_ENSURE(ll_str_copy(j->r->party, sizeof(j->r->party),
				   top(j, 0)));
	return LL_OK;
}

/* ---- one line ---- */

/* A finding about line l of the statement being read, with the line's
 * identity filled in; NULL on no memory. */
static struct ll_recon_finding *line_finding(struct job *j,
					     enum ll_recon_kind kind,
					     bool discrepancy, const json_t *l,
					     const struct ll_catalog_work *w)
{
	struct ll_recon_finding *f = add(j->r, kind, discrepancy);
	const char *title = jstr(l, "title");

	if (!f) {
		j->nomem = true;
		return NULL;
	}
	if (!title && w)
		title = w->title;
	f->statement = dup(j->name, &j->nomem);
	f->party = dup(j->party, &j->nomem);
	f->licence = dup(jstr(l, "licence"), &j->nomem);
	f->work = dup(jstr(l, "work"), &j->nomem);
	f->isrc = dup(jstr(l, "isrc"), &j->nomem);
	f->iswc = dup(jstr(l, "iswc"), &j->nomem);
	f->title = dup(title, &j->nomem);
	f->component = dup(jstr(l, "component"), &j->nomem);
	f->side = dup(jstr(l, "side"), &j->nomem);
	f->statement_share = dup(jstr(l, "share"), &j->nomem);
	return f;
}

/* Parse figure k of line l into q; false with the reason in why. */
static bool figure(struct job *j, const json_t *l, const char *k, mpq_t q,
		   char *why, size_t size)
{
	const char *s = jstr(l, k);
	struct ll_error e;
	enum ll_status rc;

	if (!s) {
		snprintf(why, size, "%s is not a string", k);
		return false;
	}
	rc = ll_exact_parse_figure(q, s, strlen(s), false, &e);
	if (rc == LL_NOMEM)
		j->nomem = true;
	if (rc != LL_OK)
		snprintf(why, size, "%s: %.400s", k, e.text);
	return rc == LL_OK;
}

/* The amount of line l in minor units into m; false with why. */
static bool amount(struct job *j, const json_t *l, mpz_t m, char *why,
		   size_t size)
{
	const char *s = jstr(l, "amount"), *cur = jstr(l, "currency");
	int e = cur ? ll_currency_exponent(cur) : -1;
	struct ll_error err;
	enum ll_status rc;

	if (e < 0 || !s) {
		snprintf(why, size, "no known currency or no amount");
		return false;
	}
	rc = ll_exact_parse_minor(m, s, strlen(s), e, false, &err);
	if (rc == LL_NOMEM)
		j->nomem = true;
	if (rc != LL_OK)
		snprintf(why, size, "amount: %.400s", err.text);
	return rc == LL_OK;
}

/* Whether minor is exact (q, in major units) rounded to e decimals by
 * largest remainder: floor, or floor + 1 when q is not whole. */
static bool rounds_to(const mpq_t q, int e, const mpz_t minor)
{
	mpq_t scaled;
	mpz_t fl;
	bool ok;

	mpq_init(scaled);
	mpz_init(fl);
	ll_exact_scale10(scaled, q, e);
	mpz_fdiv_q(fl, mpq_numref(scaled), mpq_denref(scaled));
	ok = mpz_cmp(fl, minor) == 0;
	if (!ok && mpz_cmp_ui(mpq_denref(scaled), 1) != 0) {
		mpz_add_ui(fl, fl, 1);
		ok = mpz_cmp(fl, minor) == 0;
	}
	mpz_clear(fl);
	mpq_clear(scaled);
	return ok;
}

/* Line i's figures: share × work_exact = exact, amount its rounding.
 * What does not hold is an arithmetic finding. */
static void arithmetic(struct job *j, const json_t *l, size_t i)
{
	char why[LL_ERROR_TEXT_MAX] = "";
	struct ll_recon_finding *f;
	mpq_t s, we, ex;
	mpz_t m;

	mpq_init(s);
	mpq_init(we);
	mpq_init(ex);
	mpz_init(m);
	if (figure(j, l, "share", s, why, sizeof(why)) &&
	    figure(j, l, "work_exact", we, why, sizeof(why)) &&
	    figure(j, l, "exact", ex, why, sizeof(why)) &&
	    amount(j, l, m, why, sizeof(why))) {
		mpq_mul(s, s, we);
		if (!mpq_equal(s, ex))
			snprintf(why, sizeof(why), "share %s × work_exact %s "
				 "is not exact %s", jstr(l, "share"),
				 jstr(l, "work_exact"), jstr(l, "exact"));
		else if (!rounds_to(ex, ll_currency_exponent(
					    jstr(l, "currency")), m))
			snprintf(why, sizeof(why), "amount %s is not exact "
				 "%s rounded to minor units", jstr(l, "amount"),
				 jstr(l, "exact"));
	}
	if (why[0] && !j->nomem &&
	    (f = line_finding(j, LL_RECON_ARITHMETIC, true, l, NULL)))
		f->detail = fmt(&j->nomem, "line %zu: %s", i, why);
	mpz_clear(m);
	mpq_clear(ex);
	mpq_clear(we);
	mpq_clear(s);
}

/* The catalogue work line l is of, or NULL. */
static const struct ll_catalog_work *match(const struct job *j,
					   const json_t *l)
{
	const char *isrc = jstr(l, "isrc"), *iswc = jstr(l, "iswc");
	char isrc_c[LL_ISRC_LEN + 1], iswc_c[LL_ISWC_LEN + 1];
	const char *why = NULL;
	const struct ll_catalog_work *w;

	/* the catalogue's identifiers are canonical: so are the line's,
	 * however the registry wrote them */
	if (isrc && ll_isrc_normalise(isrc, isrc_c, &why))
		isrc = isrc_c;
	if (iswc && ll_iswc_normalise(iswc, iswc_c, &why))
		iswc = iswc_c;
	w = ll_catalog_by_isrc(j->c, isrc);

	if (!w && iswc) {
		w = ll_catalog_by_iswc(j->c, iswc);
		if (w && isrc && w->isrc[0])
			w = NULL; /* two recordings, one composition */
	}
	return w;
}

/* Whether a share_mismatch of work w's side is already reported for
 * this statement: one finding per work and side, however many
 * components pay it. */
static bool reported(const struct job *j, const json_t *l)
{
	size_t i;

	for (i = 0; i < j->r->n; i++) {
		const struct ll_recon_finding *f = &j->r->v[i];

		if (f->kind == LL_RECON_SHARE_MISMATCH &&
		    strcmp(f->statement, j->name) == 0 && f->work &&
		    strcmp(f->work, jstr(l, "work")) == 0 && f->side &&
		    strcmp(f->side, jstr(l, "side")) == 0)
			return true;
	}
	return false;
}

/* The catalogue party's line l (index i) against w's share of its side. */
static void share(struct job *j, const json_t *l, size_t i,
		  const struct ll_catalog_work *w)
{
	const char *side = jstr(l, "side"), *given_share = jstr(l, "share");
	char why[LL_ERROR_TEXT_MAX] = "";
	struct ll_recon_finding *f;
	int s = -1;
	mpq_t q;

	if (side && strcmp(side, "master") == 0)
		s = LL_CATALOG_MASTER;
	else if (side && strcmp(side, "publishing") == 0)
		s = LL_CATALOG_PUBLISHING;
	mpq_init(q);
	if (s < 0)
		snprintf(why, sizeof(why), "line %zu: no side", i);
	else if (!figure(j, l, "share", q, why, sizeof(why)))
		why[0] = '\0'; /* reported as arithmetic, once */
	else if (!w->has_share[s])
		snprintf(why, sizeof(why), "line %zu: %s share %s paid; the "
			 "catalogue (line %u) holds no %s share", i, side,
			 given_share, (unsigned)w->line, side);
	else if (!mpq_equal(q, w->share[s]))
		snprintf(why, sizeof(why), "line %zu: %s share %s in the "
			 "statement, the catalogue (line %u) holds ", i, side,
			 given_share, (unsigned)w->line);
	if (why[0] && s >= 0 && !j->nomem && !reported(j, l) &&
	    (f = line_finding(j, LL_RECON_SHARE_MISMATCH, true, l, w))) {
		if (w->has_share[s])
			f->catalogue_share = ll_exact_fraction_str(w->share[s]);
		if (w->has_share[s] && !f->catalogue_share)
			j->nomem = true;
		f->detail = fmt(&j->nomem, "%s%s", why,
				w->has_share[s] && f->catalogue_share ?
				f->catalogue_share : "");
	}
	mpq_clear(q);
}

static void line(struct job *j, const json_t *l, size_t i)
{
	const struct ll_catalog_work *w;
	struct ll_recon_finding *f;

	j->r->lines++;
	arithmetic(j, l, i);
	if (!jstr(l, "work")) {
		f = line_finding(j, LL_RECON_UNALLOCATED, false, l, NULL);
		if (f)
			f->detail = fmt(&j->nomem, "line %zu: %s %s of "
					"licence %s allocated to no work", i,
					jstr(l, "amount"), jstr(l, "currency"),
					jstr(l, "licence"));
		return;
	}
	w = match(j, l);
	if (!w) {
		f = line_finding(j, LL_RECON_UNKNOWN_WORK, true, l, NULL);
		if (f)
			f->detail = fmt(&j->nomem, "line %zu: work %s (isrc "
					"%s, iswc %s) is not in the catalogue",
					i, jstr(l, "work"),
					jstr(l, "isrc") ? jstr(l, "isrc") : "none",
					jstr(l, "iswc") ? jstr(l, "iswc") : "none");
		return;
	}
	j->paid[w - j->c->v] = true;
	if (j->own)
		share(j, l, i, w);
}

/* ---- the missing works ---- */

/* The distinct reasons the statements' exclusions give for work w, ", "
 * between them, or "not used"; a new string (NULL, nomem set, when it
 * could not be made). */
static char *reasons(struct job *j, const struct ll_catalog_work *w)
{
	const char *seen[RECON_REASONS_MAX];
	size_t i, k, n = 0;
	char *s = NULL, *t;

	for (i = 0; i < j->n && w->isrc[0]; i++) {
		const json_t *x = json_object_get(j->in[i].predicate,
						  "exclusions");

		for (k = 0; k < json_array_size(x); k++) {
			const json_t *e = json_array_get(x, k);
			const char *why = jstr(e, "reason");
			size_t m;

			if (!why || !jstr(e, "isrc") ||
			    strcmp(jstr(e, "isrc"), w->isrc) != 0)
				continue;
			for (m = 0; m < n && strcmp(seen[m], why) != 0; m++)
				;
			if (m == n && n < RECON_REASONS_MAX)
				seen[n++] = why;
		}
	}
	if (n == 0)
		return dup("not used", &j->nomem);
	for (i = 0; i < n && !j->nomem; i++) {
		t = fmt(&j->nomem, "%s%s%s", s ? s : "", s ? ", " : "",
			seen[i]);
		free(s);
		s = t;
	}
	return s;
}

static void missing(struct job *j, const struct ll_catalog_work *w)
{
	struct ll_recon_finding *f = add(j->r, LL_RECON_MISSING_WORK,
					 j->strict);
	char *share[2] = { NULL, NULL };
	int s;

	if (!f) {
		j->nomem = true;
		return;
	}
	for (s = 0; s < 2; s++)
		if (w->has_share[s] &&
		    !(share[s] = ll_exact_fraction_str(w->share[s])))
			j->nomem = true;
	f->isrc = dup(w->isrc[0] ? w->isrc : NULL, &j->nomem);
	f->iswc = dup(w->iswc[0] ? w->iswc : NULL, &j->nomem);
	f->title = dup(w->title, &j->nomem);
	f->reason = reasons(j, w);
	f->catalogue_share = fmt(&j->nomem, "master %s, publishing %s",
				 share[0] ? share[0] : "none",
				 share[1] ? share[1] : "none");
	f->detail = fmt(&j->nomem, "catalogue line %u: no line in the "
			"statements (%s)", (unsigned)w->line,
			f->reason ? f->reason : "");
	free(share[0]);
	free(share[1]);
}

enum ll_status ll_reconcile(struct ll_recon *r, const struct ll_catalog *c,
			    const struct ll_recon_input *in, size_t n,
			    bool strict, struct ll_error *err)
{
	struct job j = { r, c, in, n, strict, false, NULL, NULL, NULL, false,
			 err };
	enum ll_status rc;
	size_t i, k;

	LL_ENSURE(n > 0);
	rc = catalogue_party(&j);
	if (rc != LL_OK)
		return rc;
	if (!(j.paid = calloc(c->n ? c->n : 1, sizeof(*j.paid))))
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	r->statements = n;
	r->works = c->n;
	for (i = 0; i < n && !j.nomem; i++) {
		const json_t *lines = json_object_get(in[i].predicate, "lines");

		j.name = in[i].name;
		j.party = jstr(json_object_get(in[i].predicate, "party"), "id");
		j.own = strcmp(j.party, r->party) == 0;
		for (k = 0; k < json_array_size(lines) && !j.nomem; k++)
			line(&j, json_array_get(lines, k), k);
	}
	for (k = 0; k < c->n && !j.nomem; k++) {
		if (j.paid[k])
			r->works_paid++;
		else
			missing(&j, &c->v[k]);
	}
	free(j.paid);
	if (j.nomem)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory reconciling");
	return LL_OK;
}

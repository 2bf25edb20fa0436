/*
 * disclose.c — the public summary of a model's training content
 * (disclose.h).
 *
 * Design decision: every figure is a count or a sum of integer
 * milliseconds, added with an overflow check; an hour is never a double.
 * Rights holders and individual licensors are counted through a string
 * map and never named: the summary names organisations only.
 */
#include "ledgerline/disclose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/strmap.h"

enum { MS_PER_HOUR = 3600000, MS_PER_HUNDREDTH_HOUR = 36000 };

/* ---- the source: judged items ------------------------------------------ */

void ll_disclose_src_init(struct ll_disclose_src *s)
{
	memset(s, 0, sizeof(*s));
}

static void item_release(struct ll_disclose_item *it)
{
	free(it->ref);
	free(it->work);
	free(it->licence);
	free(it->licensor);
	free(it->holders);
}

void ll_disclose_src_release(struct ll_disclose_src *s)
{
	size_t i, k;

	for (i = 0; i < s->n_runs; i++) {
		struct ll_disclose_run *dr = &s->runs[i];

		for (k = 0; k < dr->n_items; k++)
			item_release(&dr->items[k]);
		free(dr->items);
		free(dr->model);
		free(dr->training_run);
		free(dr->licensee);
		free(dr->trained_at);
	}
	free(s->runs);
	memset(s, 0, sizeof(*s));
}

struct ll_disclose_run *ll_disclose_src_add(struct ll_disclose_src *s,
					    size_t n_items)
{
	struct ll_disclose_run *dr;

	if (s->n_runs == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		struct ll_disclose_run *nv =
			realloc(s->runs, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		s->runs = nv;
		s->cap = ncap;
	}
	dr = &s->runs[s->n_runs];
	memset(dr, 0, sizeof(*dr));
	dr->items = calloc(n_items ? n_items : 1, sizeof(*dr->items));
	if (!dr->items)
		return NULL;
	dr->n_items = n_items;
	s->n_runs++;
	return dr;
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The rights holders of work w with a non-zero share on either side, in
 * byte order, each once, separated by a space (a new string). */
static char *holders_of(const struct ll_work *w)
{
	const char *v[64], **p = v;
	size_t n = 0, cap = 0, i, k, len = 0;
	int side;
	char *out = NULL, *o;

	for (side = 0; side < LL_SIDE_COUNT; side++)
		cap += w->n_split[side];
	if (cap > sizeof(v) / sizeof(v[0])) {
		p = malloc(cap * sizeof(*p));
		if (!p)
			return NULL;
	}
	for (side = 0; side < LL_SIDE_COUNT; side++) {
		for (k = 0; k < w->n_split[side]; k++) {
			if (mpq_sgn(w->split[side][k].share) != 0)
				p[n++] = w->split[side][k].party;
		}
	}
	qsort(p, n, sizeof(*p), cmp_cstr);
	for (i = 0; i < n; i++)
		len += strlen(p[i]) + 1;
	out = malloc(len + 1);
	if (out) {
		o = out;
		for (i = 0; i < n; i++) {
			size_t l = strlen(p[i]);

			if (i > 0 && strcmp(p[i], p[i - 1]) == 0)
				continue;
			if (o != out)
				*o++ = ' ';
			memcpy(o, p[i], l);
			o += l;
		}
		*o = '\0';
	}
	if (p != v)
		free(p);
	return out;
}

/* Item i of manifest m (index mi), excluded with reason or eligible. */
static bool judge_item(struct ll_disclose_item *di, const struct ll_run *r,
		       const struct ll_manifest *m, size_t i,
		       enum ll_reason reason)
{
	const struct ll_registry *reg = r->reg;
	const struct ll_manifest_item *it = &m->items[i];
	bool fail = false, found;
	size_t wi;

	di->ref = dup_or_null(it->ref, &fail);
	di->ref_isrc = it->kind != LL_REF_WORK;
	di->duration_ms = it->duration_ms;
	di->reason = reason;
	found = it->kind == LL_REF_WORK
			? ll_strmap_get(&reg->works.ix, it->ref, &wi)
			: ll_strmap_get(&reg->isrc_ix, it->ref, &wi);
	if (found)
		di->work = dup_or_null(reg->works.v[wi].id, &fail);
	if (reason == LL_ELIGIBLE) {
		const struct ll_span *s;
		const struct ll_licence *lic;

		LL_ENSURE(found);
		s = ll_elig_at(&r->elig, wi, LL_USE_TRAINING, m->trained_at_us);
		LL_ENSURE(s->reason == LL_ELIGIBLE && s->licence >= 0);
		lic = &reg->licences.v[s->licence];
		di->licence = dup_or_null(lic->id, &fail);
		di->licensor = dup_or_null(lic->licensor, &fail);
		di->holders = holders_of(&reg->works.v[wi]);
		fail |= di->holders == NULL;
	}
	return !fail;
}

static bool copy_run_head(struct ll_disclose_run *dr,
			  const struct ll_manifest *m, size_t mi)
{
	bool fail = false;

	dr->model = dup_or_null(m->model, &fail);
	dr->training_run = dup_or_null(m->training_run, &fail);
	dr->licensee = dup_or_null(m->licensee, &fail);
	dr->trained_at = dup_or_null(m->trained_at, &fail);
	dr->trained_at_us = m->trained_at_us;
	memcpy(dr->sha256, m->sha256, sizeof(dr->sha256));
	dr->ordinal = mi;
	return !fail;
}

enum ll_status ll_disclose_src_from_run(struct ll_disclose_src *s,
					const struct ll_run *r)
{
	size_t mi, i, ex = 0;

	for (mi = 0; mi < r->n_manifests; mi++) {
		const struct ll_manifest *m = &r->manifests[mi];
		struct ll_disclose_run *dr;

		if (strcmp(m->licensee, r->licensee) != 0)
			continue;
		dr = ll_disclose_src_add(s, m->n_items);
		if (!dr || !copy_run_head(dr, m, mi))
			return LL_NOMEM;
		for (i = 0; i < m->n_items; i++) {
			enum ll_reason reason = LL_ELIGIBLE;

			/* r->excluded is in (manifest, item) order */
			while (ex < r->n_excluded &&
			       (r->excluded[ex].manifest < mi ||
				(r->excluded[ex].manifest == mi &&
				 r->excluded[ex].item < i)))
				ex++;
			if (ex < r->n_excluded && r->excluded[ex].manifest == mi &&
			    r->excluded[ex].item == i)
				reason = r->excluded[ex].reason;
			if (!judge_item(&dr->items[i], r, m, i, reason))
				return LL_NOMEM;
		}
	}
	return LL_OK;
}

/* ---- hours and bins --------------------------------------------------- */

void ll_disclose_training_period(const struct ll_manifest *mf, size_t n,
				 char out[LL_DISCLOSE_PERIOD_SIZE])
{
	int32_t first, last, day;
	size_t i;

	LL_ENSURE(n > 0);
	first = last = ll_timestamp_day(mf[0].trained_at_us);
	for (i = 1; i < n; i++) {
		day = ll_timestamp_day(mf[i].trained_at_us);
		if (day < first)
			first = day;
		if (day > last)
			last = day;
	}
	ll_date_format(first, out);
	memcpy(out + LL_DATE_LEN, "..", 2);
	ll_date_format(last, out + LL_DATE_LEN + 2);
}

enum ll_size_bin ll_disclose_bin(uint64_t ms)
{
	if (ms < (uint64_t)10000 * MS_PER_HOUR)
		return LL_BIN_UNDER_10K_HOURS;
	if (ms <= (uint64_t)1000000 * MS_PER_HOUR)
		return LL_BIN_10K_TO_1M_HOURS;
	return LL_BIN_OVER_1M_HOURS;
}

const char *ll_disclose_bin_name(enum ll_size_bin b)
{
	switch (b) {
	case LL_BIN_UNDER_10K_HOURS:
		return "under_10k_hours";
	case LL_BIN_10K_TO_1M_HOURS:
		return "10k_to_1m_hours";
	case LL_BIN_OVER_1M_HOURS:
		return "over_1m_hours";
	}
	return "?";
}

void ll_disclose_hours(uint64_t ms, char out[LL_DISCLOSE_HOURS_SIZE])
{
	uint64_t q = ms / MS_PER_HUNDREDTH_HOUR;
	uint64_t rem = ms % MS_PER_HUNDREDTH_HOUR;

	/* half to even on the exact remainder */
	if (rem * 2 > MS_PER_HUNDREDTH_HOUR ||
	    (rem * 2 == MS_PER_HUNDREDTH_HOUR && (q & 1)))
		q++;
	snprintf(out, LL_DISCLOSE_HOURS_SIZE, "%llu.%02llu",
		 (unsigned long long)(q / 100), (unsigned long long)(q % 100));
}

/* ---- the summary ------------------------------------------------------ */

static bool add_ms(uint64_t *sum, int64_t ms)
{
	uint64_t v = ms > 0 ? (uint64_t)ms : 0;

	/* every total stays a JSON integer */
	if (*sum > (uint64_t)INT64_MAX - v)
		return false;
	*sum += v;
	return true;
}

static bool is_individual(enum ll_party_kind k)
{
	return k == LL_PARTY_ARTIST || k == LL_PARTY_SONGWRITER;
}

static const char *kind_name(enum ll_party_kind k)
{
	switch (k) {
	case LL_PARTY_ARTIST:
		return "artist";
	case LL_PARTY_SONGWRITER:
		return "songwriter";
	case LL_PARTY_LABEL:
		return "label";
	case LL_PARTY_PUBLISHER:
		return "publisher";
	case LL_PARTY_COLLECTIVE:
		return "collective";
	case LL_PARTY_LICENSEE:
		return "licensee";
	}
	return "?";
}

/* What building the summary keeps track of. */
struct build {
	struct ll_disclosure *d;
	const struct ll_registry *reg;
	struct ll_error *err;
	struct ll_strmap licensors;	/* licensor id -> index in d */
	struct ll_strmap works;		/* eligible work ids */
	struct ll_strmap pairs;		/* "licensor work" seen */
	struct ll_strmap holders;	/* rights holder ids */
	struct ll_strmap indiv;		/* individual licensor ids */
	char **keys;			/* owned keys of pairs and holders */
	size_t n_keys, cap_keys;
	size_t cap_lic;
};

/* Put a copy of key into m; *inserted says whether it was new. */
static enum ll_status put_owned(struct build *b, struct ll_strmap *m,
				const char *key, size_t value, bool *inserted)
{
	size_t existing;
	enum ll_status rc;
	char *k;

	if (ll_strmap_get(m, key, &existing)) {
		*inserted = false;
		return LL_OK;
	}
	if (b->n_keys == b->cap_keys) {
		size_t ncap = b->cap_keys ? b->cap_keys * 2 : 64;
		char **nv = realloc(b->keys, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		b->keys = nv;
		b->cap_keys = ncap;
	}
	k = strdup(key);
	if (!k)
		return LL_NOMEM;
	b->keys[b->n_keys++] = k;
	rc = ll_strmap_put(m, k, value, inserted, &existing);
	return rc;
}

static enum ll_status unknown_party(struct build *b, const char *id,
				    const char *what)
{
	return ll_error_set(b->err, LL_INVALID, NULL, 0, what,
			    "party \"%.64s\" is not in the registry", id);
}

static enum ll_status count_holders(struct build *b, const char *holders)
{
	const char *p = holders;
	char id[LL_PARTY_ID_SIZE];
	enum ll_status rc;
	bool inserted;

	while (*p) {
		size_t n = strcspn(p, " ");
		const struct ll_party *hp;

		if (n == 0 || n >= sizeof(id))
			return ll_error_set(b->err, LL_INVALID, NULL, 0,
					    "holders",
					    "malformed rights holders \"%.64s\"",
					    holders);
		memcpy(id, p, n);
		id[n] = '\0';
		rc = put_owned(b, &b->holders, id, 0, &inserted);
		if (rc != LL_OK)
			return rc;
		if (inserted) {
			b->d->rights_holders++;
			hp = ll_registry_party(b->reg, id);
			if (hp && is_individual(hp->kind))
				b->d->individual_rights_holders++;
		}
		p += n;
		if (*p == ' ')
			p++;
	}
	return LL_OK;
}

/* The licensor entry of id (an organisation), added when new. */
static enum ll_status org_licensor(struct build *b, const struct ll_party *lp,
				   struct ll_disclosure_licensor **out)
{
	struct ll_disclosure *d = b->d;
	size_t idx;
	bool inserted;
	enum ll_status rc;

	if (ll_strmap_get(&b->licensors, lp->id, &idx)) {
		*out = &d->licensors[idx];
		return LL_OK;
	}
	if (d->n_licensors == b->cap_lic) {
		size_t ncap = b->cap_lic ? b->cap_lic * 2 : 8;
		struct ll_disclosure_licensor *nv =
			realloc(d->licensors, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		d->licensors = nv;
		b->cap_lic = ncap;
	}
	idx = d->n_licensors++;
	memset(&d->licensors[idx], 0, sizeof(d->licensors[idx]));
	d->licensors[idx].id = lp->id;
	d->licensors[idx].name = lp->name;
	d->licensors[idx].kind = kind_name(lp->kind);
	rc = ll_strmap_put(&b->licensors, lp->id, idx, &inserted, NULL);
	*out = &d->licensors[idx];
	return rc;
}

static enum ll_status eligible_item(struct build *b,
				    const struct ll_disclose_item *it)
{
	struct ll_disclosure *d = b->d;
	const struct ll_party *lp;
	struct ll_disclosure_licensor *l = NULL;
	char key[2 * LL_PARTY_ID_SIZE + 2];
	bool new_work, new_pair, new_indiv;
	enum ll_status rc;

	if (!it->licensor || !it->work || !it->holders)
		return ll_error_set(b->err, LL_INVALID, NULL, 0, "items",
				    "an eligible item without its work, "
				    "licensor or rights holders");
	lp = ll_registry_party(b->reg, it->licensor);
	if (!lp)
		return unknown_party(b, it->licensor, "licensor");
	d->eligible_items++;
	if (!add_ms(&d->eligible_ms, it->duration_ms))
		return ll_error_set(b->err, LL_INVALID, NULL, 0, "duration_ms",
				    "total duration exceeds 2^63 - 1 ms");
	if (it->duration_ms <= 0)
		d->items_without_duration++;
	rc = put_owned(b, &b->works, it->work, 0, &new_work);
	if (rc == LL_OK)
		d->eligible_works += new_work;
	snprintf(key, sizeof(key), "%s %s", it->licensor, it->work);
	if (rc == LL_OK)
		rc = put_owned(b, &b->pairs, key, 0, &new_pair);
	if (rc == LL_OK)
		rc = count_holders(b, it->holders);
	if (rc != LL_OK)
		return rc;
	if (is_individual(lp->kind)) {
		rc = put_owned(b, &b->indiv, lp->id, 0, &new_indiv);
		d->individual_licensors += new_indiv;
		d->individual_works += new_pair;
		d->individual_items++;
		add_ms(&d->individual_ms, it->duration_ms);
		return rc;
	}
	rc = org_licensor(b, lp, &l);
	if (rc != LL_OK)
		return rc;
	l->works += new_pair;
	l->items++;
	add_ms(&l->ms, it->duration_ms);
	return LL_OK;
}

static enum ll_status add_item(struct build *b, struct ll_disclosure_run *dr,
			       const struct ll_disclose_item *it)
{
	struct ll_disclosure *d = b->d;
	struct ll_disclosure_excl *x;

	d->items++;
	dr->items++;
	if (it->reason == LL_ELIGIBLE) {
		dr->eligible_items++;
		add_ms(&dr->eligible_ms, it->duration_ms);
		return eligible_item(b, it);
	}
	if ((int)it->reason <= 0 || it->reason >= LL_REASON_COUNT)
		return ll_error_set(b->err, LL_INVALID, NULL, 0, "reason",
				    "unknown exclusion reason %d",
				    (int)it->reason);
	x = &d->excluded[it->reason];
	x->items++;
	d->excluded_items++;
	if (!add_ms(&x->ms, it->duration_ms) ||
	    !add_ms(&d->excluded_ms, it->duration_ms))
		return ll_error_set(b->err, LL_INVALID, NULL, 0, "duration_ms",
				    "total duration exceeds 2^63 - 1 ms");
	return LL_OK;
}

static int cmp_licensor(const void *a, const void *b)
{
	const struct ll_disclosure_licensor *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->id, y->id);
}

static void build_release(struct build *b)
{
	size_t i;

	ll_strmap_release(&b->licensors);
	ll_strmap_release(&b->works);
	ll_strmap_release(&b->pairs);
	ll_strmap_release(&b->holders);
	ll_strmap_release(&b->indiv);
	for (i = 0; i < b->n_keys; i++)
		free(b->keys[i]);
	free(b->keys);
}

static enum ll_status build_runs(struct build *b,
				 const struct ll_disclose_src *src)
{
	struct ll_disclosure *d = b->d;
	enum ll_status rc = LL_OK;
	size_t i, k;

	for (i = 0; i < src->n_runs && rc == LL_OK; i++) {
		const struct ll_disclose_run *sr = &src->runs[i];
		struct ll_disclosure_run *dr = &d->runs[i];

		if (strcmp(sr->model, d->model) != 0 ||
		    strcmp(sr->licensee, d->provider_id) != 0)
			return ll_error_set(b->err, LL_INVALID, NULL, 0,
					    "model",
					    "training run \"%.64s\" is of "
					    "model \"%.64s\" by \"%.64s\"",
					    sr->training_run, sr->model,
					    sr->licensee);
		dr->training_run = sr->training_run;
		dr->trained_at = sr->trained_at;
		dr->manifest_sha256 = sr->sha256;
		d->n_runs++;
		for (k = 0; k < sr->n_items && rc == LL_OK; k++)
			rc = add_item(b, dr, &sr->items[k]);
	}
	return rc;
}

enum ll_status ll_disclosure_build(struct ll_disclosure *d,
				   const struct ll_disclose_src *src,
				   const struct ll_registry *reg,
				   const char *model, const char *last_update,
				   struct ll_error *err)
{
	struct build b;
	const struct ll_party *pp;
	enum ll_status rc;

	memset(d, 0, sizeof(*d));
	memset(&b, 0, sizeof(b));
	b.d = d;
	b.reg = reg;
	b.err = err;
	ll_strmap_init(&b.licensors);
	ll_strmap_init(&b.works);
	ll_strmap_init(&b.pairs);
	ll_strmap_init(&b.holders);
	ll_strmap_init(&b.indiv);
	d->model = model;
	ll_str_copy_cut(d->last_update, sizeof(d->last_update), last_update);
	if (src->n_runs == 0) {
		build_release(&b);
		return ll_error_set(err, LL_INVALID, NULL, 0, "--model",
				    "no training run of model \"%.64s\"",
				    model);
	}
	d->provider_id = src->runs[0].licensee;
	pp = ll_registry_party(reg, d->provider_id);
	rc = pp ? LL_OK : unknown_party(&b, d->provider_id, "licensee");
	if (rc == LL_OK) {
		d->provider_name = pp->name;
		d->runs = calloc(src->n_runs, sizeof(*d->runs));
		rc = d->runs ? build_runs(&b, src) : LL_NOMEM;
	}
	build_release(&b);
	if (rc == LL_NOMEM)
		ll_error_set(err, rc, NULL, 0, NULL, "out of memory");
	if (rc != LL_OK)
		return rc;
	d->bin = ll_disclose_bin(d->eligible_ms);
	if (d->n_licensors > 1)
		qsort(d->licensors, d->n_licensors, sizeof(*d->licensors),
		      cmp_licensor);
	return LL_OK;
}

void ll_disclosure_release(struct ll_disclosure *d)
{
	free(d->runs);
	free(d->licensors);
	memset(d, 0, sizeof(*d));
}

/*
 * elig.c — precomputed eligibility spans (elig.h).
 *
 * Design decision: spans are built by evaluating the direct rule
 * (ll_elig_decide) at every breakpoint, never by reasoning about how a
 * breakpoint changes the previous verdict, so the fast lookup and the rule
 * can only disagree if the breakpoint set misses an instant — and the
 * breakpoints are, by construction, every instant any input names.
 */
#include "ledgerline/elig.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/hotmem.h"

static const char *const reason_names[] = {
	"eligible",   "unknown_work", "hash_mismatch",	   "no_licence",
	"no_consent", "opted_out",    "currency_mismatch",
};

const char *ll_reason_name(enum ll_reason r)
{
	assert(r < LL_REASON_COUNT);
	return reason_names[r];
}

int64_t ll_day_start_us(int32_t day)
{
	return (int64_t)day * INT64_C(86400000000);
}

static size_t party_index(const struct ll_registry *reg, const char *id,
			  bool *found)
{
	size_t i = 0;

	*found = ll_strmap_get(&reg->parties.ix, id, &i);
	return i;
}

/* ---- consent ---------------------------------------------------------- */

/* Does consent c beat the current best (see ll_elig_consent)? */
static bool beats(const struct ll_consent *c, bool specific,
		  const struct ll_consent *best, bool best_specific)
{
	if (!best || c->effective_us > best->effective_us)
		return true;
	if (c->effective_us < best->effective_us)
		return false;
	if (specific != best_specific)
		return specific;
	return c->decision == LL_OPT_OUT && best->decision == LL_OPT_IN;
}

/*
 * The deciding record of party p for use at t, among its all_works
 * records and its records naming one of works (indexes, n of them).
 */
static enum ll_consent_state decide(const struct ll_elig *e, size_t p,
				    enum ll_use use, const size_t *works,
				    size_t n_works, int64_t t)
{
	size_t k = p * LL_USE_COUNT + (size_t)use, i, j;
	const struct ll_consent *best = NULL;
	bool best_specific = false;
	const char *pid = e->reg->parties.v[p].id;

	for (i = 0; i < e->n_cons[k]; i++) {
		const struct ll_consent *c = &e->reg->consents.v[e->cons[k][i]];

		if (c->effective_us <= t && beats(c, false, best, best_specific)) {
			best = c;
			best_specific = false;
		}
	}
	for (j = 0; j < n_works; j++) {
		size_t w = works[j];

		for (i = 0; i < e->n_wcons[w]; i++) {
			const struct ll_consent *c =
				&e->reg->consents.v[e->wcons[w][i]];

			if (c->use != use || c->effective_us > t ||
			    strcmp(c->party, pid) != 0)
				continue;
			if (beats(c, true, best, best_specific)) {
				best = c;
				best_specific = true;
			}
		}
	}
	if (!best)
		return LL_CONSENT_NONE;
	return best->decision == LL_OPT_IN ? LL_CONSENT_IN : LL_CONSENT_OUT;
}

enum ll_consent_state ll_elig_consent(const struct ll_elig *e, size_t p,
				      enum ll_use use, const char *work,
				      int64_t t_us)
{
	size_t w;

	if (!ll_strmap_get(&e->reg->works.ix, work, &w))
		return decide(e, p, use, NULL, 0, t_us);
	return decide(e, p, use, &w, 1, t_us);
}

bool ll_elig_voice_ok(const struct ll_elig *e, size_t p, const size_t *works,
		      size_t n, int64_t t_us)
{
	return decide(e, p, LL_USE_VOICE, works, n, t_us) == LL_CONSENT_IN;
}

/* Rights holders of w: parties with a non-zero share on either side. */
static bool holds_share(const struct ll_work *w, const char *party)
{
	int s;
	size_t i;

	for (s = 0; s < LL_SIDE_COUNT; s++) {
		for (i = 0; i < w->n_split[s]; i++) {
			if (mpq_sgn(w->split[s][i].share) != 0 &&
			    strcmp(w->split[s][i].party, party) == 0)
				return true;
		}
	}
	return false;
}

/* The verdict of w's rights holders for use at t: LL_ELIGIBLE,
 * LL_REASON_OPTED_OUT (someone opted out) or LL_REASON_NO_CONSENT. */
static enum ll_reason consent_reason(const struct ll_elig *e, size_t wi,
				     enum ll_use use, int64_t t)
{
	const struct ll_work *w = &e->reg->works.v[wi];
	bool missing = false, out = false;
	int s;
	size_t i;

	for (s = 0; s < LL_SIDE_COUNT; s++) {
		for (i = 0; i < w->n_split[s]; i++) {
			const struct ll_share *sh = &w->split[s][i];
			bool found;
			size_t p;

			if (mpq_sgn(sh->share) == 0)
				continue;
			p = party_index(e->reg, sh->party, &found);
			if (!found) {
				missing = true;
				continue;
			}
			switch (ll_elig_consent(e, p, use, w->id, t)) {
			case LL_CONSENT_IN:
				break;
			case LL_CONSENT_OUT:
				out = true;
				break;
			case LL_CONSENT_NONE:
				missing = true;
				break;
			}
		}
	}
	if (out)
		return LL_REASON_OPTED_OUT;
	return missing ? LL_REASON_NO_CONSENT : LL_ELIGIBLE;
}

bool ll_elig_consented(const struct ll_elig *e, size_t w, enum ll_use use,
		       int64_t t_us)
{
	return consent_reason(e, w, use, t_us) == LL_ELIGIBLE;
}

/* ---- licences --------------------------------------------------------- */

static bool licence_covers_at(const struct ll_licence *l, enum ll_use use,
			      int64_t t)
{
	return (l->uses & (1u << use)) && t >= ll_day_start_us(l->start_day) &&
	       t < ll_day_start_us(l->end_day + 1);
}

bool ll_elig_licence_active(const struct ll_elig *e, size_t l,
			    int32_t first_day, int32_t last_day)
{
	const struct ll_licence *lic = &e->reg->licences.v[l];

	return e->is_ours[l] && lic->start_day <= last_day &&
	       lic->end_day >= first_day;
}

void ll_elig_decide(const struct ll_elig *e, size_t w, enum ll_use use,
		    int64_t t_us, struct ll_span *out)
{
	uint32_t i;

	out->from_us = t_us;
	out->licence = -1;
	out->conflict = -1;
	out->slot = 0;
	for (i = 0; i < e->n_cover[w]; i++) {
		uint32_t l = e->cover[w][i];

		if (!licence_covers_at(&e->reg->licences.v[l], use, t_us))
			continue;
		if (out->licence < 0)
			out->licence = (int32_t)l;
		else if (out->conflict < 0)
			out->conflict = (int32_t)l;
	}
	if (out->licence < 0)
		out->reason = LL_REASON_NO_LICENCE;
	else
		out->reason = (uint8_t)consent_reason(e, w, use, t_us);
}

/* ---- building --------------------------------------------------------- */

static enum ll_status push_u32(uint32_t **v, uint32_t *n, uint32_t x)
{
	uint32_t *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return LL_NOMEM;
	nv[(*n)++] = x;
	*v = nv;
	return LL_OK;
}

static enum ll_status push_size(size_t **v, size_t *n, size_t x)
{
	size_t *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return LL_NOMEM;
	nv[(*n)++] = x;
	*v = nv;
	return LL_OK;
}

static enum ll_status build_consents(struct ll_elig *e)
{
	const struct ll_registry *reg = e->reg;
	size_t n = reg->parties.n * LL_USE_COUNT, i;
	enum ll_status rc = LL_OK;

	e->cons = calloc(n ? n : 1, sizeof(*e->cons));
	e->n_cons = calloc(n ? n : 1, sizeof(*e->n_cons));
	e->wcons = calloc(reg->works.n ? reg->works.n : 1, sizeof(*e->wcons));
	e->n_wcons = calloc(reg->works.n ? reg->works.n : 1,
			    sizeof(*e->n_wcons));
	if (!e->cons || !e->n_cons || !e->wcons || !e->n_wcons)
		return LL_NOMEM;
	for (i = 0; i < reg->consents.n && rc == LL_OK; i++) {
		const struct ll_consent *c = &reg->consents.v[i];
		bool found;
		size_t p = party_index(reg, c->party, &found), w;

		if (!found)
			continue;
		if (!c->work) {
			size_t k = p * LL_USE_COUNT + (size_t)c->use;

			rc = push_size(&e->cons[k], &e->n_cons[k], i);
		} else if (ll_strmap_get(&reg->works.ix, c->work, &w)) {
			rc = push_size(&e->wcons[w], &e->n_wcons[w], i);
		}
	}
	return rc;
}

static enum ll_status build_cover(struct ll_elig *e)
{
	const struct ll_registry *reg = e->reg;
	size_t l, i;
	enum ll_status rc;

	e->is_ours = calloc(reg->licences.n ? reg->licences.n : 1,
			    sizeof(*e->is_ours));
	e->cover = calloc(reg->works.n ? reg->works.n : 1, sizeof(*e->cover));
	e->n_cover = calloc(reg->works.n ? reg->works.n : 1,
			    sizeof(*e->n_cover));
	if (!e->is_ours || !e->cover || !e->n_cover)
		return LL_NOMEM;
	for (l = 0; l < reg->licences.n; l++) {
		const struct ll_licence *lic = &reg->licences.v[l];

		if (strcmp(lic->licensee, e->licensee) != 0)
			continue;
		e->is_ours[l] = true;
		if (lic->catalog_of) {
			for (i = 0; i < reg->works.n; i++) {
				if (!holds_share(&reg->works.v[i],
						 lic->catalog_of))
					continue;
				rc = push_u32(&e->cover[i], &e->n_cover[i],
					      (uint32_t)l);
				if (rc != LL_OK)
					return rc;
			}
			continue;
		}
		for (i = 0; i < lic->n_scope_works; i++) {
			size_t w;

			if (!ll_strmap_get(&reg->works.ix, lic->scope_works[i],
					   &w))
				continue;
			rc = push_u32(&e->cover[w], &e->n_cover[w], (uint32_t)l);
			if (rc != LL_OK)
				return rc;
		}
	}
	return LL_OK;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Every instant at which (w, use) can change verdict, sorted, unique;
 * INT64_MIN first.  *out is malloc'd. */
/* Every instant at which (w, use) can change verdict, sorted, unique;
 * INT64_MIN first.  *out is malloc'd. */
static enum ll_status breakpoints(const struct ll_elig *e, size_t wi,
				  enum ll_use use, int64_t **out, size_t *n)
{
	const struct ll_work *w = &e->reg->works.v[wi];
	size_t cap = 1 + 2 * e->n_cover[wi] + e->n_wcons[wi], k = 0, i, j;
	int64_t *v;
	int s;

	for (s = 0; s < LL_SIDE_COUNT; s++) {
		for (i = 0; i < w->n_split[s]; i++) {
			bool found;
			size_t p = party_index(e->reg, w->split[s][i].party,
					       &found);

			if (found)
				cap += e->n_cons[p * LL_USE_COUNT + use];
		}
	}
	v = malloc(cap * sizeof(*v));
	if (!v)
		return LL_NOMEM;
	v[k++] = INT64_MIN;
	for (i = 0; i < e->n_cover[wi]; i++) {
		const struct ll_licence *l =
			&e->reg->licences.v[e->cover[wi][i]];

		v[k++] = ll_day_start_us(l->start_day);
		v[k++] = ll_day_start_us(l->end_day + 1);
	}
	/* all_works records of the work's parties */
	for (s = 0; s < LL_SIDE_COUNT; s++) {
		for (i = 0; i < w->n_split[s]; i++) {
			bool found;
			size_t p = party_index(e->reg, w->split[s][i].party,
					       &found), kk;

			if (!found)
				continue;
			kk = p * LL_USE_COUNT + use;
			for (j = 0; j < e->n_cons[kk]; j++)
				v[k++] = e->reg->consents.v[e->cons[kk][j]]
						 .effective_us;
		}
	}
	/* records naming the work */
	for (j = 0; j < e->n_wcons[wi]; j++) {
		const struct ll_consent *c = &e->reg->consents.v[e->wcons[wi][j]];

		if (c->use == use)
			v[k++] = c->effective_us;
	}
	assert(k <= cap);
	qsort(v, k, sizeof(*v), cmp_i64);
	for (i = 0, j = 0; i < k; i++) {
		if (j == 0 || v[i] != v[j - 1])
			v[j++] = v[i];
	}
	*out = v;
	*n = j;
	return LL_OK;
}

static enum ll_status push_span(struct ll_elig *e, size_t *cap,
				const struct ll_span *s)
{
	if (e->n_spans == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		struct ll_span *nv = realloc(e->spans, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		e->spans = nv;
		*cap = ncap;
	}
	e->spans[e->n_spans++] = *s;
	return LL_OK;
}

/* The spans, read at random for every attribution, moved once built to
 * the hot tables' memory (hotmem.h). */
static enum ll_status spans_to_hot_memory(struct ll_elig *e)
{
	struct ll_span *hot = ll_hot_calloc(e->n_spans ? e->n_spans : 1,
					    sizeof(*hot));

	if (!hot)
		return LL_NOMEM;
	if (e->n_spans)
		memcpy(hot, e->spans, e->n_spans * sizeof(*hot));
	free(e->spans);
	e->spans = hot;
	e->spans_hot = true;
	return LL_OK;
}

static enum ll_status build_spans(struct ll_elig *e)
{
	const struct ll_registry *reg = e->reg;
	size_t cap = 0, wi, i;
	int u;
	enum ll_status rc;

	for (u = 0; u < 2; u++) {
		e->off[u] = calloc(reg->works.n + 1, sizeof(*e->off[u]));
		if (!e->off[u])
			return LL_NOMEM;
	}
	for (u = 0; u < 2; u++) {
		enum ll_use use = u == 0 ? LL_USE_TRAINING : LL_USE_GENERATION;

		for (wi = 0; wi < reg->works.n; wi++) {
			int64_t *bp = NULL;
			size_t nbp = 0;

			e->off[u][wi] = (uint32_t)e->n_spans;
			rc = breakpoints(e, wi, use, &bp, &nbp);
			if (rc != LL_OK)
				return rc;
			for (i = 0; i < nbp; i++) {
				struct ll_span s;
				const struct ll_span *last =
					e->n_spans > e->off[u][wi]
						? &e->spans[e->n_spans - 1]
						: NULL;

				ll_elig_decide(e, wi, use, bp[i], &s);
				if (last && last->licence == s.licence &&
				    last->conflict == s.conflict &&
				    last->reason == s.reason)
					continue;
				rc = push_span(e, &cap, &s);
				if (rc != LL_OK) {
					free(bp);
					return rc;
				}
			}
			free(bp);
			if (e->n_spans > UINT32_MAX / 2)
				return LL_NOMEM;
		}
		e->off[u][reg->works.n] = (uint32_t)e->n_spans;
	}
	rc = spans_to_hot_memory(e);
	if (rc != LL_OK)
		return rc;
	for (i = 0; i < e->n_spans; i++)
		e->spans[i].slot = (uint32_t)i;
	e->currency_slot0 = e->n_spans;
	e->n_slots = e->n_spans + reg->works.n;
	return LL_OK;
}

/* rx = the same map as m (its values are work indices). */
static enum ll_status build_refix(struct ll_refix *rx, const struct ll_strmap *m)
{
	enum ll_status rc = ll_refix_reserve(rx, m->n);
	size_t i;

	for (i = 0; i < m->cap && rc == LL_OK; i++) {
		if (!m->slots[i].key)
			continue;
		LL_ENSURE(m->slots[i].value <= UINT32_MAX);
		rc = ll_refix_put(rx, m->slots[i].key,
				  (uint32_t)m->slots[i].value);
	}
	return rc;
}

enum ll_status ll_elig_build(struct ll_elig *e, const struct ll_registry *reg,
			     const char *licensee, struct ll_error *err)
{
	enum ll_status rc;

	memset(e, 0, sizeof(*e));
	e->reg = reg;
	e->licensee = licensee;
	if (!ll_registry_party(reg, licensee))
		return ll_error_set(err, LL_INVALID, NULL, 0, "--licensee",
				    "unknown party \"%s\"", licensee);
	rc = build_consents(e);
	if (rc == LL_OK)
		rc = build_cover(e);
	if (rc == LL_OK)
		rc = build_spans(e);
	if (rc == LL_OK)
		rc = build_refix(&e->work_rx, &reg->works.ix);
	if (rc == LL_OK)
		rc = build_refix(&e->isrc_rx, &reg->isrc_ix);
	if (rc != LL_OK) {
		ll_elig_release(e);
		return ll_error_set(err, rc, NULL, 0, NULL,
				    "out of memory building eligibility");
	}
	return LL_OK;
}

void ll_elig_release(struct ll_elig *e)
{
	size_t i;

	if (e->cons) {
		for (i = 0; i < e->reg->parties.n * LL_USE_COUNT; i++)
			free(e->cons[i]);
	}
	if (e->cover) {
		for (i = 0; i < e->reg->works.n; i++)
			free(e->cover[i]);
	}
	if (e->wcons) {
		for (i = 0; i < e->reg->works.n; i++)
			free(e->wcons[i]);
	}
	free(e->wcons);
	free(e->n_wcons);
	free(e->cons);
	free(e->n_cons);
	free(e->cover);
	free(e->n_cover);
	free(e->is_ours);
	if (e->spans_hot)
		ll_hot_free(e->spans, e->n_spans ? e->n_spans : 1,
			    sizeof(*e->spans));
	else
		free(e->spans);
	free(e->off[0]);
	free(e->off[1]);
	ll_refix_release(&e->work_rx);
	ll_refix_release(&e->isrc_rx);
	memset(e, 0, sizeof(*e));
}

const struct ll_span *ll_elig_at(const struct ll_elig *e, size_t w,
				 enum ll_use use, int64_t t_us)
{
	int u = use == LL_USE_TRAINING ? 0 : 1;
	uint32_t lo = e->off[u][w], hi = e->off[u][w + 1];

	assert(use == LL_USE_TRAINING || use == LL_USE_GENERATION);
	assert(hi > lo);
	/* last span with from_us <= t; the first starts at INT64_MIN */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (e->spans[mid].from_us <= t_us)
			lo = mid;
		else
			hi = mid;
	}
	return &e->spans[lo];
}

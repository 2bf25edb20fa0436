/*
 * tally.c — per-thread accumulation of generation-log events (tally.h).
 *
 * Design decision: the hot path (a decimal weight and value attributed to
 * a catalogued work) is one hash lookup, one binary search over the work's
 * eligibility spans and three 128-bit additions; fractions, big numbers,
 * unknown works and findings take slower, exact paths.
 */
#include "ledgerline/tally.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/hotmem.h"
#include "ledgerline/ident.h"

static const ll_i128 ONE18 = (ll_i128)1000000000000000000LL;

void ll_mass_init(struct ll_mass *m)
{
	ll_xsum_init(&m->w);
	ll_xsum_init(&m->vw);
	m->events = 0;
	m->last_us = INT64_MIN;
}

void ll_mass_release(struct ll_mass *m)
{
	ll_xsum_release(&m->w);
	ll_xsum_release(&m->vw);
	m->events = 0;
}

enum ll_status ll_mass_merge(struct ll_mass *dst, const struct ll_mass *src)
{
	enum ll_status rc = ll_xsum_merge(&dst->w, &src->w);

	if (rc == LL_OK)
		rc = ll_xsum_merge(&dst->vw, &src->vw);
	dst->events += src->events;
	if (src->last_us > dst->last_us)
		dst->last_us = src->last_us;
	return rc;
}

uint64_t ll_event_id_hash(const char *id, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 1099511628211ULL;
	}
	/* splitmix64 finaliser: spread FNV's weak high bits */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

enum ll_status ll_tally_init(struct ll_tally *t, const struct ll_run_ctx *ctx)
{
	size_t i, n = ctx->elig->n_slots;

	memset(t, 0, sizeof(*t));
	t->ctx = ctx;
	mpq_init(t->q1);
	mpq_init(t->q2);
	ll_strmap_init(&t->unknown_ix);
	ll_mass_init(&t->unattributed);
	t->slots = ll_hot_calloc(n ? n : 1, sizeof(*t->slots));
	t->voice_counts = calloc(ctx->reg->parties.n ? ctx->reg->parties.n : 1,
				 sizeof(*t->voice_counts));
	t->errors = calloc(LL_TALLY_ERRORS_MAX, sizeof(*t->errors));
	if (!t->slots || !t->voice_counts || !t->errors) {
		ll_hot_free(t->slots, n ? n : 1, sizeof(*t->slots));
		t->slots = NULL;
		return LL_NOMEM;
	}
	for (i = 0; i < n; i++)
		ll_mass_init(&t->slots[i]);
	return LL_OK;
}

static void free_voice(struct ll_voice_finding *v)
{
	free(v->event_id);
	free(v->party);
}

void ll_tally_release(struct ll_tally *t)
{
	size_t i;

	if (t->slots) {
		size_t n = t->ctx->elig->n_slots;

		for (i = 0; i < n; i++)
			ll_mass_release(&t->slots[i]);
		ll_hot_free(t->slots, n ? n : 1, sizeof(*t->slots));
	}
	for (i = 0; i < t->n_unknown; i++) {
		free(t->unknown[i].key);
		ll_mass_release(&t->unknown[i].mass);
	}
	for (i = 0; i < t->n_voice; i++)
		free_voice(&t->voice[i]);
	free(t->unknown);
	ll_strmap_release(&t->unknown_ix);
	ll_mass_release(&t->unattributed);
	free(t->id_hashes);
	free(t->voice_counts);
	free(t->voice);
	free(t->errors);
	mpq_clear(t->q1);
	mpq_clear(t->q2);
	memset(t, 0, sizeof(*t));
}

/* ---- errors: keep the first by (file, line) --------------------------- */

static int cmp_error(const void *a, const void *b)
{
	const struct ll_tally_error *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->e.line != y->e.line)
		return x->e.line < y->e.line ? -1 : 1;
	return strcmp(x->e.field, y->e.field);
}

enum ll_status ll_tally_error(struct ll_tally *t, uint32_t file,
			      const struct ll_error *e)
{
	struct ll_tally_error te;
	size_t i, worst = 0;

	t->errors_total++;
	te.file = file;
	te.e = *e;
	if (t->n_errors < LL_TALLY_ERRORS_MAX) {
		t->errors[t->n_errors++] = te;
		return LL_OK;
	}
	/* full: replace the latest kept error if this one comes earlier */
	for (i = 1; i < t->n_errors; i++) {
		if (cmp_error(&t->errors[i], &t->errors[worst]) > 0)
			worst = i;
	}
	if (cmp_error(&te, &t->errors[worst]) < 0)
		t->errors[worst] = te;
	return LL_OK;
}

static void event_error(struct ll_tally *t, uint32_t file, long line,
			const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void event_error(struct ll_tally *t, uint32_t file, long line,
			const char *field, const char *fmt, ...)
{
	struct ll_error e;
	va_list ap;

	ll_error_clear(&e);
	e.code = LL_INVALID;
	ll_str_copy_cut(e.source, sizeof(e.source), t->ctx->sources[file]);
	e.line = line;
	ll_str_copy_cut(e.field, sizeof(e.field), field);
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof(e.text), fmt, ap);
	va_end(ap);
	(void)ll_tally_error(t, file, &e);
}

/* ---- adding mass ------------------------------------------------------ */

/* rop = n as a rational (decimal or fraction). */
static void num_get(mpq_t rop, const struct ll_num *n)
{
	if (n->is_dec) {
		ll_exact_from_dec(rop, &n->dec);
	} else {
		struct ll_error e;
		enum ll_status rc = ll_exact_parse(rop, n->raw, n->raw_len, &e);

		LL_ENSURE(rc == LL_OK); /* the event parser validated it */
	}
}

static enum ll_status add_mass(struct ll_tally *t, struct ll_mass *m,
			       const struct ll_num *value,
			       const struct ll_num *weight, int64_t ts_us)
{
	enum ll_status rc;

	m->events++;
	if (ts_us > m->last_us)
		m->last_us = ts_us;
	if (value->is_dec && weight->is_dec) {
		rc = ll_xsum_add_dec_fast(&m->w, &weight->dec, LL_XSUM_SCALE_W);
		if (rc == LL_OK)
			rc = ll_xsum_add_dec_product_fast(&m->vw, &value->dec,
							  &weight->dec,
							  LL_XSUM_SCALE_VW);
		return rc;
	}
	num_get(t->q1, weight);
	rc = ll_xsum_add_mpq(&m->w, t->q1);
	if (rc != LL_OK)
		return rc;
	num_get(t->q2, value);
	mpq_mul(t->q2, t->q2, t->q1);
	return ll_xsum_add_mpq(&m->vw, t->q2);
}

static enum ll_status add_unattributed(struct ll_tally *t,
				       const struct ll_event *ev)
{
	struct ll_mass *m = &t->unattributed;
	size_t i;

	if (ev->all_dec) {
		struct ll_dec rest;
		enum ll_status rc;

		rest.mant = ONE18 - ev->weight_sum18;
		rest.scale = LL_XSUM_SCALE_W;
		assert(rest.mant >= 0);
		if (rest.mant == 0)
			return LL_OK;
		m->events++;
		rc = ll_xsum_add_i128(&m->w, rest.mant);
		if (rc != LL_OK)
			return rc;
		if (ev->value.is_dec)
			return ll_xsum_add_dec_product(&m->vw, &ev->value.dec,
						       &rest, LL_XSUM_SCALE_VW);
		ll_exact_from_dec(t->q1, &rest);
		num_get(t->q2, &ev->value);
		mpq_mul(t->q2, t->q2, t->q1);
		return ll_xsum_add_mpq(&m->vw, t->q2);
	}
	mpq_set_ui(t->q1, 0, 1);
	for (i = 0; i < ev->n_attr; i++) {
		num_get(t->q2, &ev->attr[i].weight);
		mpq_add(t->q1, t->q1, t->q2);
	}
	mpq_set_ui(t->q2, 1, 1);
	mpq_sub(t->q1, t->q2, t->q1); /* rest = 1 - Σ w */
	LL_ENSURE(mpq_sgn(t->q1) >= 0);
	if (mpq_sgn(t->q1) == 0)
		return LL_OK;
	m->events++;
	if (ll_xsum_add_mpq(&m->w, t->q1) != LL_OK)
		return LL_NOMEM;
	num_get(t->q2, &ev->value);
	mpq_mul(t->q2, t->q2, t->q1);
	return ll_xsum_add_mpq(&m->vw, t->q2);
}

static struct ll_mass *unknown_mass(struct ll_tally *t, const struct ll_attr *a)
{
	char key[96];
	size_t i;
	int k = snprintf(key, sizeof(key), "%s:%s",
			 a->kind == LL_REF_WORK ? "work" : "isrc", a->ref);

	if (k < 0 || (size_t)k >= sizeof(key))
		return NULL;
	if (ll_strmap_get(&t->unknown_ix, key, &i))
		return &t->unknown[i].mass;
	if (t->n_unknown == t->cap_unknown) {
		size_t ncap = t->cap_unknown ? t->cap_unknown * 2 : 16;
		struct ll_unknown_ref *nv =
			realloc(t->unknown, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		/* the index borrows keys, which do not move: only the array
		 * of structs moves */
		t->unknown = nv;
		t->cap_unknown = ncap;
	}
	i = t->n_unknown;
	t->unknown[i].key = strdup(key);
	if (!t->unknown[i].key)
		return NULL;
	ll_mass_init(&t->unknown[i].mass);
	if (ll_strmap_put(&t->unknown_ix, t->unknown[i].key, i, NULL, NULL) !=
	    LL_OK) {
		free(t->unknown[i].key);
		return NULL;
	}
	t->n_unknown++;
	return &t->unknown[i].mass;
}

static enum ll_status note_voice(struct ll_tally *t, const struct ll_event *ev,
				 const size_t *works, size_t n, uint32_t file,
				 long line)
{
	const struct ll_registry *reg = t->ctx->reg;
	struct ll_voice_finding *v;
	size_t p;

	if (ll_strmap_get(&reg->parties.ix, ev->voice, &p)) {
		if (ll_elig_voice_ok(t->ctx->elig, p, works, n, ev->ts_us))
			return LL_OK;
		t->voice_counts[p]++;
	} else {
		t->voice_unknown++;
	}
	if (t->n_voice == t->cap_voice) {
		size_t ncap = t->cap_voice ? t->cap_voice * 2 : 64;
		struct ll_voice_finding *nv =
			realloc(t->voice, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		t->voice = nv;
		t->cap_voice = ncap;
	}
	v = &t->voice[t->n_voice];
	v->event_id = strdup(ev->id);
	v->party = strdup(ev->voice);
	v->ts_us = ev->ts_us;
	v->file = file;
	v->line = line;
	if (!v->event_id || !v->party) {
		free_voice(v);
		return LL_NOMEM;
	}
	t->n_voice++;
	if (t->n_voice >= 2 * LL_TALLY_FINDINGS_MAX)
		ll_tally_finish(t);
	return LL_OK;
}

/* The works of one event's attributions, as ll_tally_event resolves them. */
struct event_works {
	int64_t work_of[LL_EVENT_ATTRIBUTIONS_MAX];	/* -1: not catalogued */
	size_t resolved[LL_EVENT_ATTRIBUTIONS_MAX];	/* distinct works */
	size_t n_resolved;
};

/* Keep the event id's hash for the duplicate check; LL_NOMEM. */
static inline enum ll_status note_event_id(struct ll_tally *t,
					   const struct ll_event *ev)
{
	if (t->n_ids == t->cap_ids) {
		size_t ncap = t->cap_ids ? t->cap_ids * 2 : 65536;
		uint64_t *nv = realloc(t->id_hashes, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		t->id_hashes = nv;
		t->cap_ids = ncap;
	}
	t->id_hashes[t->n_ids++] = ll_event_id_hash(ev->id, strlen(ev->id));
	return LL_OK;
}

/* Report an event dated outside the run period. */
static void report_outside_period(struct ll_tally *t, int32_t day,
				  uint32_t file, long line)
{
	const struct ll_run_ctx *ctx = t->ctx;
	char d[11], f[11], l[11];

	ll_date_format(day, d);
	ll_date_format(ctx->first_day, f);
	ll_date_format(ctx->last_day, l);
	event_error(t, file, line, "ts",
		    "event on %s is outside the run period %s (%s..%s)", d,
		    ctx->period, f, l);
}

/* Whether the event is in the run period and its model has a training
 * manifest in the run (each failure reported). */
static inline bool event_admissible(struct ll_tally *t,
				    const struct ll_event *ev, int32_t day,
				    uint32_t file, long line)
{
	const struct ll_run_ctx *ctx = t->ctx;
	bool ok = true;

	if (day < ctx->first_day || day > ctx->last_day) {
		report_outside_period(t, day, file, line);
		ok = false;
	}
	if (ctx->models && strcmp(ev->model, t->model_ok) != 0) {
		size_t n = strlen(ev->model);

		if (ll_strmap_get(ctx->models, ev->model, NULL)) {
			if (n < sizeof(t->model_ok))
				memcpy(t->model_ok, ev->model, n + 1);
		} else {
			event_error(t, file, line, "model",
				    "model \"%.100s\" has no training "
				    "manifest in this run",
				    ev->model);
			ok = false;
		}
	}
	return ok;
}

/* Report attribution i naming work w a second time. */
static void report_attributed_twice(struct ll_tally *t, size_t i, size_t w,
				    uint32_t file, long line)
{
	char f[48];

	snprintf(f, sizeof(f), "attribution[%zu]", i);
	event_error(t, file, line, f,
		    "work \"%s\" is attributed twice in one event",
		    t->ctx->reg->works.v[w].id);
}

/*
 * Resolve each attribution to its catalogued work (or -1); whether no
 * work is attributed twice (each repeat reported).  The parser refuses
 * an event naming one reference twice, and distinct work ids are
 * distinct works: only an ISRC can name a work again, so the search for
 * repeats starts with the first ISRC.
 */
static inline bool resolve_works(struct ll_tally *t, const struct ll_event *ev,
				 struct event_works *ew, uint32_t file,
				 long line)
{
	const struct ll_elig *elig = t->ctx->elig;
	size_t i, j;
	bool ok = true, isrc = false;

	ew->n_resolved = 0;
	for (i = 0; i < ev->n_attr; i++) {
		const struct ll_attr *a = &ev->attr[i];
		const struct ll_refix *rx = a->kind == LL_REF_WORK
						    ? &elig->work_rx
						    : &elig->isrc_rx;
		uint32_t w32 = 0;
		bool found = ll_refix_get(rx, a->ref, a->ref_len, a->ref_hash,
					  &w32);
		size_t w = w32;

		ew->work_of[i] = found ? (int64_t)w : -1;
		isrc |= a->kind == LL_REF_ISRC;
		if (!found)
			continue;
		for (j = 0; isrc && j < ew->n_resolved; j++) {
			if (ew->resolved[j] == w) {
				report_attributed_twice(t, i, w, file, line);
				ok = false;
			}
		}
		if (ew->n_resolved < LL_EVENT_ATTRIBUTIONS_MAX)
			ew->resolved[ew->n_resolved++] = w;
	}
	return ok;
}

/* Report two licences covering work w for generation on the event's day. */
static void report_licence_conflict(struct ll_tally *t, const struct ll_span *s,
				    size_t i, size_t w, int32_t day,
				    uint32_t file, long line)
{
	const struct ll_registry *reg = t->ctx->reg;
	char f[48], d[11];

	snprintf(f, sizeof(f), "attribution[%zu]", i);
	ll_date_format(day, d);
	event_error(t, file, line, f,
		    "licences \"%s\" and \"%s\" both cover work \"%s\" for "
		    "generation on %s: the licence data must be fixed",
		    reg->licences.v[s->licence].id,
		    reg->licences.v[s->conflict].id, reg->works.v[w].id, d);
}

/* The slot of the known work w of attribution i at the event's time:
 * its eligibility's, or the work's other-currency slot when its licence
 * is in another currency; NULL (reported) when two licences cover it. */
static inline struct ll_mass *known_slot(struct ll_tally *t,
					 const struct ll_event *ev, size_t i,
					 size_t w, int32_t day, uint32_t file,
					 long line)
{
	const struct ll_run_ctx *ctx = t->ctx;
	const struct ll_span *s;

	s = ll_elig_at(ctx->elig, w, LL_USE_GENERATION, ev->ts_us);
	if (s->conflict >= 0) {
		report_licence_conflict(t, s, i, w, day, file, line);
		return NULL;
	}
	if (s->reason == LL_ELIGIBLE &&
	    memcmp(ctx->reg->licences.v[s->licence].currency, ev->currency,
		   sizeof(ev->currency)) != 0)
		return &t->slots[ctx->elig->currency_slot0 + w];
	return &t->slots[s->slot];
}

/*
 * Add each attribution's mass to its slot: an unknown work's by its
 * reference, a known work's as known_slot says.  In three passes over
 * the event's attributions: the catalogue's spans and slots are spread
 * over megabytes, so each pass asks for the memory the next one reads
 * (prefetch) and the misses of one event overlap instead of being waited
 * for one after another.  Sums are exact, so the order of adding cannot
 * change them.
 */
static inline enum ll_status tally_attributions(struct ll_tally *t,
						const struct ll_event *ev,
						const struct event_works *ew,
						int32_t day, uint32_t file,
						long line)
{
	const struct ll_elig *elig = t->ctx->elig;
	const uint32_t *off = elig->off[LL_USE_GENERATION];
	struct ll_mass *slot[LL_EVENT_ATTRIBUTIONS_MAX];
	enum ll_status rc;
	size_t i;

	for (i = 0; i < ev->n_attr; i++)
		if (ew->work_of[i] >= 0)
			__builtin_prefetch(&elig->spans[off[ew->work_of[i]]]);
	for (i = 0; i < ev->n_attr; i++) {
		const struct ll_attr *a = &ev->attr[i];
		struct ll_mass *m;

		slot[i] = NULL;
		if (ew->work_of[i] >= 0) {
			slot[i] = known_slot(t, ev, i, (size_t)ew->work_of[i],
					     day, file, line);
			if (slot[i]) {
				__builtin_prefetch(slot[i], 1);
				__builtin_prefetch((char *)slot[i] +
							   sizeof(*slot[i]) - 1,
						   1);
			}
			continue;
		}
		/* added now: a later unknown reference may move this one */
		m = unknown_mass(t, a);
		if (!m)
			return LL_NOMEM;
		rc = add_mass(t, m, &ev->value, &a->weight, ev->ts_us);
		if (rc != LL_OK)
			return rc;
	}
	for (i = 0; i < ev->n_attr; i++) {
		if (!slot[i])
			continue;
		rc = add_mass(t, slot[i], &ev->value, &ev->attr[i].weight,
			      ev->ts_us);
		if (rc != LL_OK)
			return rc;
	}
	return LL_OK;
}

enum ll_status ll_tally_event(struct ll_tally *t, const struct ll_event *ev,
			      uint32_t file, long line)
{
	struct event_works ew;
	int32_t day = ll_timestamp_day(ev->ts_us);
	enum ll_status rc;
	bool ok;

	t->events++;
	rc = note_event_id(t, ev);
	if (rc != LL_OK)
		return rc;
	ok = event_admissible(t, ev, day, file, line);
	ok &= resolve_works(t, ev, &ew, file, line);
	if (!ok)
		return LL_OK;
	t->attributions += ev->n_attr;
	rc = tally_attributions(t, ev, &ew, day, file, line);
	if (rc == LL_OK)
		rc = add_unattributed(t, ev);
	if (rc == LL_OK && ev->voice)
		rc = note_voice(t, ev, ew.resolved, ew.n_resolved, file, line);
	return rc;
}

/* ---- merging ---------------------------------------------------------- */

static int cmp_voice(const void *a, const void *b)
{
	const struct ll_voice_finding *x = a, *y = b;
	int c = strcmp(x->event_id, y->event_id);

	if (c)
		return c;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

void ll_tally_finish(struct ll_tally *t)
{
	size_t i;

	if (t->n_errors > 1)
		qsort(t->errors, t->n_errors, sizeof(*t->errors), cmp_error);
	if (t->n_voice > 1)
		qsort(t->voice, t->n_voice, sizeof(*t->voice), cmp_voice);
	for (i = LL_TALLY_FINDINGS_MAX; i < t->n_voice; i++)
		free_voice(&t->voice[i]);
	if (t->n_voice > LL_TALLY_FINDINGS_MAX)
		t->n_voice = LL_TALLY_FINDINGS_MAX;
}

enum ll_status ll_tally_merge(struct ll_tally *dst, struct ll_tally *src)
{
	size_t i;
	enum ll_status rc = LL_OK;

	for (i = 0; i < dst->ctx->elig->n_slots && rc == LL_OK; i++)
		rc = ll_mass_merge(&dst->slots[i], &src->slots[i]);
	for (i = 0; i < src->n_unknown && rc == LL_OK; i++) {
		struct ll_attr a;
		struct ll_mass *m;
		const char *key = src->unknown[i].key;
		const char *colon = strchr(key, ':');

		LL_ENSURE(colon != NULL);
		a.kind = key[0] == 'w' ? LL_REF_WORK : LL_REF_ISRC;
		a.ref = colon + 1;
		m = unknown_mass(dst, &a);
		if (!m)
			return LL_NOMEM;
		rc = ll_mass_merge(m, &src->unknown[i].mass);
	}
	if (rc == LL_OK)
		rc = ll_mass_merge(&dst->unattributed, &src->unattributed);
	if (rc != LL_OK)
		return rc;
	dst->events += src->events;
	dst->attributions += src->attributions;
	if (src->n_ids) {
		uint64_t *nv = realloc(dst->id_hashes, (dst->n_ids + src->n_ids) *
							       sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		memcpy(nv + dst->n_ids, src->id_hashes,
		       src->n_ids * sizeof(*nv));
		dst->id_hashes = nv;
		dst->n_ids += src->n_ids;
		dst->cap_ids = dst->n_ids;
	}
	for (i = 0; i < dst->ctx->reg->parties.n; i++)
		dst->voice_counts[i] += src->voice_counts[i];
	dst->voice_unknown += src->voice_unknown;
	if (src->n_voice) {
		struct ll_voice_finding *nv = realloc(
			dst->voice, (dst->n_voice + src->n_voice) * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		memcpy(nv + dst->n_voice, src->voice,
		       src->n_voice * sizeof(*nv));
		dst->voice = nv;
		dst->n_voice += src->n_voice;
		dst->cap_voice = dst->n_voice;
		src->n_voice = 0; /* moved */
	}
	for (i = 0; i < src->n_errors; i++)
		ll_tally_error(dst, src->errors[i].file, &src->errors[i].e);
	dst->errors_total += src->errors_total - src->n_errors;
	ll_tally_finish(dst);
	return LL_OK;
}

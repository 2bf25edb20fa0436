/*
 * run.c — the pure steps of a run (run.h).
 *
 * Design decision: the run id is a digest of what determines the figures
 * (licensee, period, registry snapshot, the set of input digests), taken
 * in a canonical order, so the same evidence always yields the same id and
 * payment references, whatever order the files were named in.
 */
#include "ledgerline/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/ident.h"
#include "ledgerline/jsonx.h"

/* ---- registry digest -------------------------------------------------- */

struct recref {
	int kind;
	const char *id;
	const struct ll_record_meta *m;
};

static int cmp_recref(const void *a, const void *b)
{
	const struct recref *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->id, y->id);
}

void ll_registry_digest(const struct ll_registry *reg, char out[65])
{
	struct ll_hash c;
	struct recref *v;
	size_t n = 0, i, total = 0;
	uint8_t d[LL_SHA256_LEN];
	int k;

	for (k = 0; k < LL_REC_KIND_COUNT; k++)
		total += ll_registry_count(reg, (enum ll_record_kind)k);
	v = malloc((total ? total : 1) * sizeof(*v));
	LL_ENSURE(v != NULL);
	ll_hash_init(&c);
	for (k = 0; k < LL_REC_KIND_COUNT; k++) {
		for (i = 0; i < ll_registry_count(reg, (enum ll_record_kind)k);
		     i++) {
			v[n].kind = k;
			v[n].id = ll_registry_id(reg, (enum ll_record_kind)k, i);
			v[n].m = ll_registry_meta(reg, (enum ll_record_kind)k,
						  i);
			n++;
		}
	}
	qsort(v, n, sizeof(*v), cmp_recref);
	for (i = 0; i < n; i++) {
		char line[256];
		int len = snprintf(line, sizeof(line), "%s\t%s\t%d\t%s\n",
				   ll_record_kind_name((enum ll_record_kind)v[i].kind),
				   v[i].id, v[i].m->version, v[i].m->sha256);

		LL_ENSURE(len > 0 && (size_t)len < sizeof(line));
		ll_hash_update(&c, line, (size_t)len);
	}
	ll_hash_final(&c, d);
	ll_hex(d, sizeof(d), out);
	free(v);
}

/* ---- prepare ---------------------------------------------------------- */

enum ll_status ll_run_prepare(struct ll_run *r, const struct ll_registry *reg,
			      const char *licensee, const char *period,
			      struct ll_manifest *manifests, size_t n_manifests,
			      struct ll_log_input *logs, size_t n_logs,
			      struct ll_error *err)
{
	const struct ll_party *lp;
	const char *reason = NULL;
	enum ll_status rc;
	size_t i;

	memset(r, 0, sizeof(*r));
	ll_errlist_init(&r->errs, 0);
	ll_strmap_init(&r->models);
	r->licensee = licensee;
	r->period = period;
	r->reg = reg;
	r->manifests = manifests;
	r->n_manifests = n_manifests;
	r->logs = logs;
	r->n_logs = n_logs;
	if (!ll_period_parse(period, &r->first_day, &r->last_day, &reason))
		return ll_error_set(err, LL_USAGE, NULL, 0, "--period",
				    "invalid period \"%.40s\": %s (expected "
				    "2026-Q3, 2026-09 or "
				    "2026-07-01..2026-09-30)",
				    period, reason ? reason : "malformed");
	lp = ll_registry_party(reg, licensee);
	if (!lp)
		return ll_error_set(err, LL_INVALID, NULL, 0, "--licensee",
				    "unknown party \"%.64s\"", licensee);
	if (lp->kind != LL_PARTY_LICENSEE)
		return ll_error_set(err, LL_INVALID, NULL, 0, "--licensee",
				    "party \"%.64s\" is not a licensee",
				    licensee);
	ll_registry_digest(reg, r->registry_sha256);
	rc = ll_elig_build(&r->elig, reg, licensee, err);
	if (rc != LL_OK)
		return rc;
	for (i = 0; i < n_manifests; i++) {
		rc = ll_strmap_put(&r->models, manifests[i].model, i, NULL,
				   NULL);
		if (rc != LL_OK)
			return ll_error_set(err, rc, NULL, 0, NULL,
					    "out of memory");
	}
	r->log_names = calloc(n_logs ? n_logs : 1, sizeof(*r->log_names));
	if (!r->log_names)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	for (i = 0; i < n_logs; i++)
		r->log_names[i] = logs[i].name;
	r->ctx.reg = reg;
	r->ctx.elig = &r->elig;
	r->ctx.first_day = r->first_day;
	r->ctx.last_day = r->last_day;
	r->ctx.period = period;
	r->ctx.models = &r->models;
	r->ctx.sources = r->log_names;
	rc = ll_tally_init(&r->tally, &r->ctx);
	if (rc != LL_OK)
		return ll_error_set(err, rc, NULL, 0, NULL, "out of memory");
	return LL_OK;
}

void ll_run_release(struct ll_run *r)
{
	if (r->tally.slots)
		ll_tally_release(&r->tally);
	ll_settlement_release(&r->st);
	if (r->elig.reg)
		ll_elig_release(&r->elig);
	ll_strmap_release(&r->models);
	ll_errlist_release(&r->errs);
	free(r->log_names);
	free(r->pairs);
	free(r->excluded);
	free(r->withdrawn);
	memset(r, 0, sizeof(*r));
}

/* ---- training --------------------------------------------------------- */

static enum ll_status push_excluded(struct ll_run *r, uint32_t m, size_t item,
				    enum ll_reason reason, size_t *cap)
{
	if (r->n_excluded == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct ll_excluded *nv =
			realloc(r->excluded, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		r->excluded = nv;
		*cap = ncap;
	}
	r->excluded[r->n_excluded].manifest = m;
	r->excluded[r->n_excluded].item = item;
	r->excluded[r->n_excluded].reason = reason;
	r->n_excluded++;
	return LL_OK;
}

static enum ll_status push_pair(struct ll_run *r, uint32_t licence,
				uint32_t work, size_t *cap)
{
	if (r->n_pairs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct ll_training_pair *nv =
			realloc(r->pairs, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		r->pairs = nv;
		*cap = ncap;
	}
	r->pairs[r->n_pairs].licence = licence;
	r->pairs[r->n_pairs].work = work;
	r->n_pairs++;
	return LL_OK;
}

/* ll_run_training's state: the run and its two growing arrays' room. */
struct training_job {
	struct ll_run *r;
	size_t cap_ex, cap_pairs;
};

/* Report item it of manifest m naming a work two licences cover. */
static void report_training_conflict(const struct ll_jsrc *src,
				     const struct ll_registry *reg,
				     const struct ll_manifest *m,
				     const struct ll_manifest_item *it,
				     const struct ll_span *s,
				     const struct ll_work *w)
{
	char p[LL_JSON_PATH_MAX];

	ll_json_path_index(p, "items", it->index);
	ll_jsrc_error(src, p,
		      "licences \"%s\" and \"%s\" both cover work \"%s\" for "
		      "training at %s: the licence data must be fixed",
		      reg->licences.v[s->licence].id,
		      reg->licences.v[s->conflict].id, w->id, m->trained_at);
}

/* Item i of manifest mi: excluded with its reason, or a training pair of
 * its work and the licence it is eligible under. */
static enum ll_status train_item(struct training_job *j,
				 const struct ll_jsrc *src, size_t mi,
				 size_t i)
{
	struct ll_run *r = j->r;
	const struct ll_registry *reg = r->reg;
	const struct ll_manifest *m = &r->manifests[mi];
	const struct ll_manifest_item *it = &m->items[i];
	const struct ll_work *w;
	const struct ll_span *s;
	size_t wi;
	bool found;

	r->n_items++;
	found = it->kind == LL_REF_WORK
			? ll_strmap_get(&reg->works.ix, it->ref, &wi)
			: ll_strmap_get(&reg->isrc_ix, it->ref, &wi);
	if (!found)
		return push_excluded(r, (uint32_t)mi, i,
				     LL_REASON_UNKNOWN_WORK, &j->cap_ex);
	w = &reg->works.v[wi];
	if (it->content_sha256[0] && w->content_sha256[0] &&
	    strcmp(it->content_sha256, w->content_sha256) != 0)
		return push_excluded(r, (uint32_t)mi, i,
				     LL_REASON_HASH_MISMATCH, &j->cap_ex);
	s = ll_elig_at(&r->elig, wi, LL_USE_TRAINING, m->trained_at_us);
	if (s->conflict >= 0) {
		report_training_conflict(src, reg, m, it, s, w);
		return LL_OK;
	}
	if (s->reason != LL_ELIGIBLE)
		return push_excluded(r, (uint32_t)mi, i,
				     (enum ll_reason)s->reason, &j->cap_ex);
	return push_pair(r, (uint32_t)s->licence, (uint32_t)wi, &j->cap_pairs);
}

enum ll_status ll_run_training(struct ll_run *r)
{
	struct training_job j = { r, 0, 0 };
	size_t mi, i;
	enum ll_status rc = LL_OK;

	for (mi = 0; mi < r->n_manifests && rc == LL_OK; mi++) {
		const struct ll_manifest *m = &r->manifests[mi];
		struct ll_jsrc src = { m->source, m->text, m->text_len, 1,
				       &r->errs };

		if (strcmp(m->licensee, r->licensee) != 0) {
			ll_jsrc_error(&src, "licensee",
				      "manifest of licensee \"%s\" in a run "
				      "for \"%s\"",
				      m->licensee, r->licensee);
			continue;
		}
		for (i = 0; i < m->n_items && rc == LL_OK; i++)
			rc = train_item(&j, &src, mi, i);
	}
	return rc;
}

/* ---- settle ----------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void make_run_id(struct ll_run *r)
{
	size_t n = r->n_manifests + r->n_logs, i, k = 0;
	const char **lines = malloc((n ? n : 1) * sizeof(*lines));
	char *buf = malloc((n ? n : 1) * 80);
	struct ll_hash c;
	char head[512], first[11], last[11];
	uint8_t d[LL_SHA256_LEN];
	char hex[65];
	int len;

	LL_ENSURE(lines && buf);
	ll_hash_init(&c);
	for (i = 0; i < r->n_manifests; i++, k++) {
		snprintf(buf + 80 * k, 80, "manifest\t%s\n",
			 r->manifests[i].sha256);
		lines[k] = buf + 80 * k;
	}
	for (i = 0; i < r->n_logs; i++, k++) {
		snprintf(buf + 80 * k, 80, "log\t%s\n", r->logs[i].sha256);
		lines[k] = buf + 80 * k;
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	ll_date_format(r->first_day, first);
	ll_date_format(r->last_day, last);
	len = snprintf(head, sizeof(head),
		       "ledgerline-run-v1\nlicensee\t%s\nperiod\t%s..%s\n"
		       "registry\t%s\n",
		       r->licensee, first, last, r->registry_sha256);
	LL_ENSURE(len > 0 && (size_t)len < sizeof(head));
	ll_hash_update(&c, head, (size_t)len);
	for (i = 0; i < n; i++)
		ll_hash_update(&c, lines[i], strlen(lines[i]));
	ll_hash_final(&c, d);
	ll_hex(d, sizeof(d), hex);
	snprintf(r->id, sizeof(r->id), "run-%.32s", hex);
	free(lines);
	free(buf);
}

/* Latest eligible usage of work w in the run (INT64_MIN when none). */
static int64_t last_usage(const struct ll_run *r, size_t w)
{
	const struct ll_elig *e = &r->elig;
	int64_t last = INT64_MIN;
	uint32_t k;

	for (k = e->off[1][w]; k < e->off[1][w + 1]; k++) {
		const struct ll_mass *m = &r->tally.slots[e->spans[k].slot];

		if (e->spans[k].reason == LL_ELIGIBLE && m->events > 0 &&
		    m->last_us > last)
			last = m->last_us;
	}
	return last;
}

/*
 * Was item i of manifest mi excluded (for any reason, a content hash
 * mismatch included)?  r->excluded is in (manifest, item) order, as
 * ll_run_training appends it; *cur walks it alongside the caller's loop.
 */
static bool item_excluded(const struct ll_run *r, size_t mi, size_t i,
			  size_t *cur)
{
	while (*cur < r->n_excluded &&
	       (r->excluded[*cur].manifest < mi ||
		(r->excluded[*cur].manifest == mi &&
		 r->excluded[*cur].item < i)))
		(*cur)++;
	return *cur < r->n_excluded && r->excluded[*cur].manifest == mi &&
	       r->excluded[*cur].item == i;
}

/* Works trained under consent (an item that was not excluded) whose
 * training consent lapsed later, and which still earned usage. */
static enum ll_status find_withdrawn(struct ll_run *r)
{
	const struct ll_elig *e = &r->elig;
	int64_t end = ll_day_start_us(r->last_day + 1);
	size_t cap = 0, mi, i, j, ex = 0;
	bool *seen = calloc(r->reg->works.n ? r->reg->works.n : 1,
			    sizeof(*seen));

	if (!seen)
		return LL_NOMEM;
	for (mi = 0; mi < r->n_manifests; mi++) {
		const struct ll_manifest *m = &r->manifests[mi];

		for (i = 0; i < m->n_items; i++) {
			size_t w;
			const struct ll_span *s;
			bool found = m->items[i].kind == LL_REF_WORK
					     ? ll_strmap_get(&r->reg->works.ix,
							     m->items[i].ref, &w)
					     : ll_strmap_get(&r->reg->isrc_ix,
							     m->items[i].ref, &w);
			uint32_t k;

			if (item_excluded(r, mi, i, &ex) || !found || seen[w])
				continue;
			s = ll_elig_at(e, w, LL_USE_TRAINING, m->trained_at_us);
			if (s->reason != LL_ELIGIBLE)
				continue;
			for (k = (uint32_t)(s - e->spans) + 1;
			     k < e->off[0][w + 1] && e->spans[k].from_us < end;
			     k++) {
				uint8_t why = e->spans[k].reason;

				if (why != LL_REASON_NO_CONSENT &&
				    why != LL_REASON_OPTED_OUT)
					continue;
				/* it still earned: eligible usage at or after
				 * the withdrawal */
				if (last_usage(r, w) < e->spans[k].from_us)
					break;
				if (r->n_withdrawn == cap) {
					size_t ncap = cap ? cap * 2 : 16;
					struct ll_withdrawn *nv = realloc(
						r->withdrawn,
						ncap * sizeof(*nv));

					if (!nv) {
						free(seen);
						return LL_NOMEM;
					}
					r->withdrawn = nv;
					cap = ncap;
				}
				j = r->n_withdrawn++;
				r->withdrawn[j].work = (uint32_t)w;
				r->withdrawn[j].manifest = (uint32_t)mi;
				r->withdrawn[j].lapsed_us = e->spans[k].from_us;
				r->withdrawn[j].reason = (enum ll_reason)why;
				seen[w] = true;
				break;
			}
		}
	}
	free(seen);
	return LL_OK;
}

void ll_run_name(struct ll_run *r)
{
	make_run_id(r);
}

enum ll_status ll_run_settle(struct ll_run *r, struct ll_error *err)
{
	enum ll_status rc;

	make_run_id(r);
	rc = ll_settle(&r->st, &r->ctx, r->pairs, r->n_pairs, &r->tally, err);
	if (rc != LL_OK)
		return rc;
	rc = find_withdrawn(r);
	if (rc != LL_OK)
		return ll_error_set(err, rc, NULL, 0, NULL, "out of memory");
	return LL_OK;
}

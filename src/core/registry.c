/*
 * registry.c — parsing, validation and merging of the SPEC §2.1
 * registries (registry.h).
 *
 * Design decision: each record is parsed from a private deep copy of its
 * JSON object, which is then normalised in place (canonical ISRC, ISWC,
 * IBAN, ...) and kept as the record's identity.  Per-record rules are
 * checked while parsing; rules that span records wait for
 * ll_registry_link, so that the order of files and records never matters.
 */
#include "ledgerline/registry.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/exact.h"
#include "ledgerline/ident.h"
#include "ledgerline/jsonx.h"

enum {
	TEXT_BYTES_MAX = 1024,		/* names, titles, URIs */
	SPLIT_PARTIES_MAX = 1000,	/* entries on one side of a split */
	SCOPE_WORKS_MAX = 10000000,
	REGISTRY_DEPTH_MAX = 16,
};

static const char *const kind_names[] = { "party", "work", "consent",
					  "licence" };
static const char *const kind_arrays[] = { "parties", "works", "consents",
					   "licences" };
static const char *const party_kinds[] = { "artist",    "songwriter",
					   "label",     "publisher",
					   "collective", "licensee",
					   NULL };
static const char *const use_names[] = { "training", "generation", "voice",
					 NULL };
static const char *const decisions[] = { "opt_in", "opt_out", NULL };
static const char *const side_names[] = { "master", "publishing", NULL };
static const char *const bases[] = { "duration", "count", NULL };
static const char *const payout_methods[] = { "iban", NULL };

const char *ll_record_kind_name(enum ll_record_kind k)
{
	assert(k < LL_REC_KIND_COUNT);
	return kind_names[k];
}

const char *ll_record_kind_array(enum ll_record_kind k)
{
	assert(k < LL_REC_KIND_COUNT);
	return kind_arrays[k];
}

const char *ll_use_name(enum ll_use u)
{
	assert(u < LL_USE_COUNT);
	return use_names[u];
}

const char *ll_side_name(enum ll_side s)
{
	assert(s < LL_SIDE_COUNT);
	return side_names[s];
}

void ll_registry_init(struct ll_registry *reg)
{
	memset(reg, 0, sizeof(*reg));
	ll_strmap_init(&reg->parties.ix);
	ll_strmap_init(&reg->works.ix);
	ll_strmap_init(&reg->consents.ix);
	ll_strmap_init(&reg->licences.ix);
	ll_strmap_init(&reg->isrc_ix);
	ll_strmap_init(&reg->failed_ix);
	reg->retired = NULL;
}

/* Remember that a record of kind k with this id failed to parse, so that
 * references to it are not reported a second time as unknown. */
static void note_failed(struct ll_registry *reg, enum ll_record_kind k,
			const json_t *obj)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	char key[LL_ID_LEN_MAX + 16];
	char **nv;

	if (!id || !ll_id_valid(id))
		return;
	snprintf(key, sizeof(key), "%s:%s", kind_names[k], id);
	if (ll_strmap_get(&reg->failed_ix, key, NULL))
		return;
	nv = realloc(reg->failed, (reg->n_failed + 1) * sizeof(*nv));
	if (!nv)
		return;
	reg->failed = nv;
	nv[reg->n_failed] = strdup(key);
	if (!nv[reg->n_failed])
		return;
	if (ll_strmap_put(&reg->failed_ix, nv[reg->n_failed], 0, NULL, NULL) !=
	    LL_OK) {
		free(nv[reg->n_failed]);
		return;
	}
	reg->n_failed++;
}

static bool failed(const struct ll_registry *reg, enum ll_record_kind k,
		   const char *id)
{
	char key[LL_ID_LEN_MAX + 16];

	snprintf(key, sizeof(key), "%s:%s", kind_names[k], id);
	return ll_strmap_get(&reg->failed_ix, key, NULL);
}

/* ---- record lifetimes ------------------------------------------------- */

static void work_release(struct ll_work *w)
{
	int s;
	size_t i;

	for (s = 0; s < LL_SIDE_COUNT; s++) {
		for (i = 0; i < w->n_split[s]; i++)
			mpq_clear(w->split[s][i].share);
		free(w->split[s]);
		w->split[s] = NULL;
		w->n_split[s] = 0;
	}
}

static void licence_init_nums(struct ll_licence *l)
{
	mpq_init(l->training_fee);
	mpq_init(l->usage_rate);
	mpq_init(l->per_generation);
	mpq_init(l->minimum_guarantee);
	mpq_init(l->master_share);
	mpq_set_ui(l->master_share, 1, 2);
}

static void licence_release(struct ll_licence *l)
{
	mpq_clear(l->training_fee);
	mpq_clear(l->usage_rate);
	mpq_clear(l->per_generation);
	mpq_clear(l->minimum_guarantee);
	mpq_clear(l->master_share);
	free(l->scope_works);
	l->scope_works = NULL;
}

void ll_registry_release(struct ll_registry *reg)
{
	size_t i;

	for (i = 0; i < reg->parties.n; i++)
		json_decref(reg->parties.v[i].meta.json);
	for (i = 0; i < reg->works.n; i++) {
		work_release(&reg->works.v[i]);
		json_decref(reg->works.v[i].meta.json);
	}
	for (i = 0; i < reg->consents.n; i++)
		json_decref(reg->consents.v[i].meta.json);
	for (i = 0; i < reg->licences.n; i++) {
		licence_release(&reg->licences.v[i]);
		json_decref(reg->licences.v[i].meta.json);
	}
	free(reg->parties.v);
	free(reg->works.v);
	free(reg->consents.v);
	free(reg->licences.v);
	ll_strmap_release(&reg->parties.ix);
	ll_strmap_release(&reg->works.ix);
	ll_strmap_release(&reg->consents.ix);
	ll_strmap_release(&reg->licences.ix);
	ll_strmap_release(&reg->isrc_ix);
	ll_strmap_release(&reg->failed_ix);
	for (i = 0; i < reg->n_failed; i++)
		free(reg->failed[i]);
	free(reg->failed);
	json_decref(reg->retired);
	ll_registry_init(reg);
}

/* ---- generic access --------------------------------------------------- */

size_t ll_registry_count(const struct ll_registry *reg, enum ll_record_kind k)
{
	switch (k) {
	case LL_REC_PARTY:
		return reg->parties.n;
	case LL_REC_WORK:
		return reg->works.n;
	case LL_REC_CONSENT:
		return reg->consents.n;
	case LL_REC_LICENCE:
		return reg->licences.n;
	case LL_REC_KIND_COUNT:
		break;
	}
	return 0;
}

static struct ll_record_meta *meta_of(struct ll_registry *reg,
				      enum ll_record_kind k, size_t i)
{
	switch (k) {
	case LL_REC_PARTY:
		return &reg->parties.v[i].meta;
	case LL_REC_WORK:
		return &reg->works.v[i].meta;
	case LL_REC_CONSENT:
		return &reg->consents.v[i].meta;
	case LL_REC_LICENCE:
		return &reg->licences.v[i].meta;
	case LL_REC_KIND_COUNT:
		break;
	}
	return NULL;
}

const struct ll_record_meta *ll_registry_meta(const struct ll_registry *reg,
					      enum ll_record_kind k, size_t i)
{
	assert(i < ll_registry_count(reg, k));
	return meta_of((struct ll_registry *)reg, k, i);
}

const char *ll_registry_id(const struct ll_registry *reg,
			   enum ll_record_kind k, size_t i)
{
	assert(i < ll_registry_count(reg, k));
	switch (k) {
	case LL_REC_PARTY:
		return reg->parties.v[i].id;
	case LL_REC_WORK:
		return reg->works.v[i].id;
	case LL_REC_CONSENT:
		return reg->consents.v[i].id;
	case LL_REC_LICENCE:
		return reg->licences.v[i].id;
	case LL_REC_KIND_COUNT:
		break;
	}
	return NULL;
}

static struct ll_strmap *index_of(struct ll_registry *reg,
				  enum ll_record_kind k)
{
	switch (k) {
	case LL_REC_PARTY:
		return &reg->parties.ix;
	case LL_REC_WORK:
		return &reg->works.ix;
	case LL_REC_CONSENT:
		return &reg->consents.ix;
	case LL_REC_LICENCE:
		return &reg->licences.ix;
	case LL_REC_KIND_COUNT:
		break;
	}
	return NULL;
}

const struct ll_party *ll_registry_party(const struct ll_registry *reg,
					 const char *id)
{
	size_t i;

	return ll_strmap_get(&reg->parties.ix, id, &i) ? &reg->parties.v[i]
						       : NULL;
}

const struct ll_work *ll_registry_work(const struct ll_registry *reg,
				       const char *id)
{
	size_t i;

	return ll_strmap_get(&reg->works.ix, id, &i) ? &reg->works.v[i] : NULL;
}

const struct ll_work *ll_registry_work_by_isrc(const struct ll_registry *reg,
					       const char *isrc)
{
	size_t i;

	return ll_strmap_get(&reg->isrc_ix, isrc, &i) ? &reg->works.v[i]
						      : NULL;
}

/* ---- field helpers ---------------------------------------------------- */

/* A bounded, non-empty text field. */
static bool text_field(const struct ll_jsrc *src, const json_t *obj,
		       const char *path, const char *key, bool required,
		       const char **out)
{
	const char *s = NULL;
	char p[LL_JSON_PATH_MAX];

	if (!ll_json_str(src, obj, path, key, required, &s))
		return false;
	if (!s)
		return true;
	ll_json_path_key(p, path, key);
	if (s[0] == '\0') {
		ll_jsrc_error(src, p, "must not be empty");
		return false;
	}
	if (strlen(s) > TEXT_BYTES_MAX) {
		ll_jsrc_error(src, p, "longer than %d bytes", TEXT_BYTES_MAX);
		return false;
	}
	*out = s;
	return true;
}

typedef bool (*normaliser_fn)(const char *in, char *out, const char **reason);

/*
 * Read an optional/required identifier-like string, normalise it with fn
 * into out and write the canonical form back into obj.
 */
static bool normalised_field(const struct ll_jsrc *src, json_t *obj,
			     const char *path, const char *key, bool required,
			     normaliser_fn fn, const char *what, char *out)
{
	const char *s = NULL, *reason = NULL;
	char p[LL_JSON_PATH_MAX];

	if (!ll_json_str(src, obj, path, key, required, &s))
		return false;
	if (!s)
		return true;
	if (!fn(s, out, &reason)) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "invalid %s \"%.80s\": %s", what, s,
			      reason ? reason : "malformed");
		return false;
	}
	if (strcmp(s, out) != 0 &&
	    json_object_set_new(obj, key, json_string(out)) != 0) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "out of memory");
		return false;
	}
	return true;
}

static bool isrc_fn(const char *in, char *out, const char **r)
{
	return ll_isrc_normalise(in, out, r);
}
static bool iswc_fn(const char *in, char *out, const char **r)
{
	return ll_iswc_normalise(in, out, r);
}
static bool iban_fn(const char *in, char *out, const char **r)
{
	return ll_iban_normalise(in, out, r);
}
static bool bic_fn(const char *in, char *out, const char **r)
{
	return ll_bic_normalise(in, out, r);
}
static bool isni_fn(const char *in, char *out, const char **r)
{
	return ll_isni_normalise(in, out, r);
}
static bool sha_fn(const char *in, char *out, const char **r)
{
	return ll_sha256_hex_normalise(in, out, r);
}

static bool currency_field(const struct ll_jsrc *src, const json_t *obj,
			   const char *path, const char *key, char out[4],
			   int *exponent)
{
	const char *s = NULL;
	char p[LL_JSON_PATH_MAX];
	int e;

	if (!ll_json_str(src, obj, path, key, true, &s) || !s)
		return false;
	e = ll_currency_exponent(s);
	if (e < 0) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p,
			      "unknown currency \"%.16s\": must be an ISO 4217 "
			      "code with minor units, such as \"EUR\"",
			      s);
		return false;
	}
	memcpy(out, s, 4);
	if (exponent)
		*exponent = e;
	return true;
}

static bool date_field(const struct ll_jsrc *src, const json_t *obj,
		       const char *path, const char *key, int32_t *out)
{
	const char *s = NULL, *reason = NULL;
	char p[LL_JSON_PATH_MAX];

	if (!ll_json_str(src, obj, path, key, true, &s) || !s)
		return false;
	if (!ll_date_parse(s, out, &reason)) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "invalid date \"%.40s\": %s", s,
			      reason ? reason : "expected YYYY-MM-DD");
		return false;
	}
	return true;
}

static bool expect_object(const struct ll_jsrc *src, const json_t *v,
			  const char *path)
{
	if (json_is_object(v))
		return true;
	ll_jsrc_error(src, path, "must be an object, not %s",
		      ll_json_type_name(v));
	return false;
}

static bool expect_array(const struct ll_jsrc *src, const json_t *v,
			 const char *path)
{
	if (json_is_array(v))
		return true;
	ll_jsrc_error(src, path, "must be an array, not %s",
		      ll_json_type_name(v));
	return false;
}

/* ---- per-kind parsers --------------------------------------------------
 * Each fills *rec from obj (a private copy it may normalise) and returns
 * true when the record is valid on its own.
 */

/*
 * payout.minimum (optional exact string in the payout currency, exponent
 * e) as minor units, rounded up: a payment must be at least the minimum,
 * so "0.005" EUR is 1 cent.  Into *out (0 when absent).
 */
static bool payout_minimum(const struct ll_jsrc *src, const json_t *po,
			   const char *pp, int e, int64_t *out)
{
	char p[LL_JSON_PATH_MAX];
	bool present = false, ok;
	mpq_t m;
	mpz_t minor;

	*out = 0;
	mpq_init(m);
	mpz_init(minor);
	ok = ll_json_exact(src, po, pp, "minimum", false, m, &present);
	if (ok && present) {
		ll_exact_scale10(m, m, e);
		mpz_cdiv_q(minor, mpq_numref(m), mpq_denref(m));
		if (!mpz_fits_slong_p(minor) || mpz_sizeinbase(minor, 2) > 62) {
			ll_json_path_key(p, pp, "minimum");
			ll_jsrc_error(src, p, "minimum is beyond the ledger's "
					      "64-bit minor units");
			ok = false;
		} else {
			*out = (int64_t)mpz_get_si(minor);
		}
	}
	mpz_clear(minor);
	mpq_clear(m);
	return ok;
}

static bool parse_payout(const struct ll_jsrc *src, json_t *obj,
			 const char *path, struct ll_party *p)
{
	static const char *const keys[] = { "method", "iban", "bic",
					    "currency", "minimum", NULL };
	char pp[LL_JSON_PATH_MAX];
	json_t *po = json_object_get(obj, "payout");
	int method = 0, e = 0;
	bool ok = true;

	if (!po)
		return true;
	ll_json_path_key(pp, path, "payout");
	if (!expect_object(src, po, pp))
		return false;
	ok &= ll_json_known_keys(src, po, pp, keys);
	ok &= ll_json_enum(src, po, pp, "method", true, payout_methods,
			   &method);
	ok &= normalised_field(src, po, pp, "iban", true, iban_fn, "IBAN",
			       p->iban);
	ok &= normalised_field(src, po, pp, "bic", false, bic_fn, "BIC",
			       p->bic);
	ok &= currency_field(src, po, pp, "currency", p->currency, &e);
	if (ok)
		ok &= payout_minimum(src, po, pp, e, &p->payout_minimum);
	p->has_payout = ok;
	return ok;
}

static bool parse_party(const struct ll_jsrc *src, json_t *obj,
			const char *path, struct ll_party *p)
{
	static const char *const keys[] = { "id",     "name",  "kind",
					    "isni",   "payee", "payout",
					    "webhook", NULL };
	int kind = 0;
	bool ok = true;
	const char *url = NULL;

	ok &= ll_json_known_keys(src, obj, path, keys);
	ok &= ll_json_id(src, obj, path, "id", true, &p->id);
	ok &= text_field(src, obj, path, "name", true, &p->name);
	ok &= ll_json_enum(src, obj, path, "kind", true, party_kinds, &kind);
	p->kind = (enum ll_party_kind)kind;
	ok &= normalised_field(src, obj, path, "isni", false, isni_fn, "ISNI",
			       p->isni);
	ok &= ll_json_id(src, obj, path, "payee", false, &p->payee);
	ok &= parse_payout(src, obj, path, p);
	if (text_field(src, obj, path, "webhook", false, &url)) {
		if (url && strncmp(url, "https://", 8) != 0 &&
		    strncmp(url, "http://", 7) != 0) {
			char pp[LL_JSON_PATH_MAX];

			ll_json_path_key(pp, path, "webhook");
			ll_jsrc_error(src, pp,
				      "must be an https:// (or http://) URL");
			ok = false;
		}
		p->webhook = url;
	} else {
		ok = false;
	}
	return ok;
}

/* The split array of one side: 1 to SPLIT_PARTIES_MAX entries, for which
 * w->split[side] is allocated (w owns it). */
static bool side_alloc(const struct ll_jsrc *src, const json_t *arr,
		       const char *path, struct ll_work *w, enum ll_side side)
{
	size_t n;

	if (!expect_array(src, arr, path))
		return false;
	n = json_array_size(arr);
	if (n == 0) {
		ll_jsrc_error(src, path,
			      "must list at least one party (leave the side "
			      "out instead)");
		return false;
	}
	if (n > SPLIT_PARTIES_MAX) {
		ll_jsrc_error(src, path, "more than %d parties",
			      SPLIT_PARTIES_MAX);
		return false;
	}
	w->split[side] = calloc(n, sizeof(*w->split[side]));
	if (!w->split[side]) {
		ll_jsrc_error(src, path, "out of memory");
		return false;
	}
	w->has_side[side] = true;
	return true;
}

/* Whether entry i's party is already listed before it on the side
 * (reported at ep). */
static bool listed_twice(const struct ll_jsrc *src, const char *ep,
			 const struct ll_work *w, enum ll_side side, size_t i)
{
	const char *party = w->split[side][i].party;
	size_t j;

	for (j = 0; j < i; j++) {
		if (w->split[side][j].party &&
		    strcmp(w->split[side][j].party, party) == 0) {
			char pp[LL_JSON_PATH_MAX];

			ll_json_path_key(pp, ep, "party");
			ll_jsrc_error(src, pp,
				      "party \"%s\" is listed twice on the %s "
				      "side",
				      party, side_names[side]);
			return true;
		}
	}
	return false;
}

/* Entry i of a side's split (e, at ep): its party and share, the share
 * added to sum. */
static bool parse_share(const struct ll_jsrc *src, json_t *e, const char *ep,
			struct ll_work *w, enum ll_side side, size_t i,
			mpq_t sum)
{
	static const char *const keys[] = { "party", "share", NULL };
	struct ll_share *sh = &w->split[side][i];
	bool ok = true;

	if (!expect_object(src, e, ep))
		return false;
	ok &= ll_json_known_keys(src, e, ep, keys);
	if (!ll_json_id(src, e, ep, "party", true, &sh->party))
		ok = false;
	else if (listed_twice(src, ep, w, side, i))
		ok = false;
	if (ll_json_exact(src, e, ep, "share", true, sh->share, NULL))
		mpq_add(sum, sum, sh->share);
	else
		ok = false;
	return ok;
}

static bool parse_side(const struct ll_jsrc *src, const json_t *arr,
		       const char *path, struct ll_work *w, enum ll_side side)
{
	size_t i, n;
	bool ok = true;
	mpq_t sum;

	if (!side_alloc(src, arr, path, w, side))
		return false;
	n = json_array_size(arr);
	mpq_init(sum);
	for (i = 0; i < n; i++) {
		char ep[LL_JSON_PATH_MAX];

		mpq_init(w->split[side][i].share);
		w->n_split[side] = i + 1;
		ll_json_path_index(ep, path, i);
		ok &= parse_share(src, json_array_get(arr, i), ep, w, side, i,
				  sum);
	}
	if (ok && mpq_cmp_ui(sum, 1, 1) != 0) {
		char *s = ll_exact_fraction_str(sum);

		ll_jsrc_error(src, path,
			      "shares sum to %s, must be exactly 1",
			      s ? s : "?");
		free(s);
		ok = false;
	}
	mpq_clear(sum);
	return ok;
}

static bool parse_work(const struct ll_jsrc *src, json_t *obj,
		       const char *path, struct ll_work *w)
{
	static const char *const keys[] = { "id",     "isrc",
					    "iswc",   "title",
					    "duration_ms", "content_sha256",
					    "splits", NULL };
	static const char *const split_keys[] = { "master", "publishing",
						  NULL };
	char sp[LL_JSON_PATH_MAX];
	json_t *splits;
	bool ok = true;
	int s;

	ok &= ll_json_known_keys(src, obj, path, keys);
	ok &= ll_json_id(src, obj, path, "id", true, &w->id);
	ok &= normalised_field(src, obj, path, "isrc", false, isrc_fn, "ISRC",
			       w->isrc);
	ok &= normalised_field(src, obj, path, "iswc", false, iswc_fn, "ISWC",
			       w->iswc);
	w->title = "";
	ok &= text_field(src, obj, path, "title", false, &w->title);
	ok &= ll_json_int(src, obj, path, "duration_ms", true, 1,
			  INT64_C(1000) * 3600 * 24 * 366, &w->duration_ms,
			  NULL);
	ok &= normalised_field(src, obj, path, "content_sha256", false, sha_fn,
			       "SHA-256", w->content_sha256);
	ll_json_path_key(sp, path, "splits");
	splits = json_object_get(obj, "splits");
	if (!splits) {
		ll_jsrc_error(src, sp, "missing required field");
		return false;
	}
	if (!expect_object(src, splits, sp))
		return false;
	ok &= ll_json_known_keys(src, splits, sp, split_keys);
	for (s = 0; s < LL_SIDE_COUNT; s++) {
		json_t *arr = json_object_get(splits, side_names[s]);
		char p[LL_JSON_PATH_MAX];

		if (!arr)
			continue;
		ll_json_path_key(p, sp, side_names[s]);
		ok &= parse_side(src, arr, p, w, (enum ll_side)s);
	}
	if (!json_object_get(splits, "master") &&
	    !json_object_get(splits, "publishing")) {
		ll_jsrc_error(src, sp,
			      "must have a \"master\" or a \"publishing\" side");
		ok = false;
	}
	return ok;
}

static bool parse_consent(const struct ll_jsrc *src, json_t *obj,
			  const char *path, struct ll_consent *c)
{
	static const char *const keys[] = { "id",       "party",    "work",
					    "all_works", "use",     "decision",
					    "effective", "evidence", NULL };
	static const char *const ev_keys[] = { "sha256", "uri", NULL };
	const char *eff = NULL, *reason = NULL, *uri = NULL;
	json_t *all = json_object_get(obj, "all_works");
	json_t *ev = json_object_get(obj, "evidence");
	char p[LL_JSON_PATH_MAX];
	int use = 0, dec = 0;
	bool ok = true, all_works = false;

	ok &= ll_json_known_keys(src, obj, path, keys);
	ok &= ll_json_id(src, obj, path, "id", true, &c->id);
	ok &= ll_json_id(src, obj, path, "party", true, &c->party);
	ok &= ll_json_id(src, obj, path, "work", false, &c->work);
	if (all) {
		ll_json_path_key(p, path, "all_works");
		if (!json_is_boolean(all)) {
			ll_jsrc_error(src, p, "must be true or false, not %s",
				      ll_json_type_name(all));
			ok = false;
		}
		all_works = json_is_true(all);
	}
	if (all_works && c->work) {
		ll_json_path_key(p, path, "work");
		ll_jsrc_error(src, p,
			      "a consent names either \"work\" or "
			      "\"all_works\": true, not both");
		ok = false;
	} else if (!all_works && !c->work &&
		   !json_object_get(obj, "work")) {
		ll_jsrc_error(src, path,
			      "a consent must name \"work\" or "
			      "\"all_works\": true");
		ok = false;
	}
	ok &= ll_json_enum(src, obj, path, "use", true, use_names, &use);
	c->use = (enum ll_use)use;
	ok &= ll_json_enum(src, obj, path, "decision", true, decisions, &dec);
	c->decision = (enum ll_decision)dec;
	if (ll_json_str(src, obj, path, "effective", true, &eff) && eff) {
		if (!ll_timestamp_parse(eff, &c->effective_us, &reason)) {
			ll_json_path_key(p, path, "effective");
			ll_jsrc_error(src, p, "invalid timestamp \"%.40s\": %s",
				      eff, reason ? reason : "malformed");
			ok = false;
		}
	} else {
		ok = false;
	}
	if (ev) {
		char digest[65];

		ll_json_path_key(p, path, "evidence");
		if (!expect_object(src, ev, p))
			return false;
		ok &= ll_json_known_keys(src, ev, p, ev_keys);
		ok &= normalised_field(src, ev, p, "sha256", false, sha_fn,
				       "SHA-256", digest);
		ok &= text_field(src, ev, p, "uri", false, &uri);
	}
	return ok;
}

static bool parse_scope(const struct ll_jsrc *src, const json_t *obj,
			const char *path, struct ll_licence *l)
{
	static const char *const keys[] = { "works", "catalog_of", NULL };
	char sp[LL_JSON_PATH_MAX];
	json_t *scope, *works;
	bool ok = true;
	size_t i, n;

	ll_json_path_key(sp, path, "scope");
	scope = json_object_get(obj, "scope");
	if (!scope) {
		ll_jsrc_error(src, sp, "missing required field");
		return false;
	}
	if (!expect_object(src, scope, sp))
		return false;
	ok &= ll_json_known_keys(src, scope, sp, keys);
	works = json_object_get(scope, "works");
	ok &= ll_json_id(src, scope, sp, "catalog_of", false, &l->catalog_of);
	if ((works != NULL) == (json_object_get(scope, "catalog_of") != NULL)) {
		ll_jsrc_error(src, sp,
			      "must be either {\"works\": [...]} or "
			      "{\"catalog_of\": party}");
		return false;
	}
	if (!works)
		return ok;
	{
		char scope_path[LL_JSON_PATH_MAX];

		memcpy(scope_path, sp, sizeof(scope_path));
		ll_json_path_key(sp, scope_path, "works");
	}
	if (!expect_array(src, works, sp))
		return false;
	n = json_array_size(works);
	if (n == 0 || n > SCOPE_WORKS_MAX) {
		ll_jsrc_error(src, sp, "must list 1 to %d works",
			      SCOPE_WORKS_MAX);
		return false;
	}
	l->scope_works = calloc(n, sizeof(*l->scope_works));
	if (!l->scope_works) {
		ll_jsrc_error(src, sp, "out of memory");
		return false;
	}
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(works, i);
		char ep[LL_JSON_PATH_MAX];

		ll_json_path_index(ep, sp, i);
		if (!json_is_string(e) || !ll_id_valid(json_string_value(e))) {
			if (json_is_string(e))
				ll_jsrc_error(src, ep,
					      "invalid work id \"%.80s\"",
					      json_string_value(e));
			else
				ll_jsrc_error(src, ep,
					      "must be a work id, not %s",
					      ll_json_type_name(e));
			ok = false;
			continue;
		}
		l->scope_works[l->n_scope_works++] = json_string_value(e);
	}
	return ok;
}

static bool parse_terms(const struct ll_jsrc *src, const json_t *obj,
			const char *path, struct ll_licence *l)
{
	static const char *const keys[] = { "training_fee",
					    "training_basis",
					    "usage_rate",
					    "per_generation",
					    "minimum_guarantee",
					    "master_share",
					    NULL };
	char tp[LL_JSON_PATH_MAX];
	json_t *terms;
	bool ok = true, present = false;
	int basis = 0;

	ll_json_path_key(tp, path, "terms");
	terms = json_object_get(obj, "terms");
	if (!terms)
		return true;
	if (!expect_object(src, terms, tp))
		return false;
	ok &= ll_json_known_keys(src, terms, tp, keys);
	ok &= ll_json_exact(src, terms, tp, "training_fee", false,
			    l->training_fee, NULL);
	ok &= ll_json_enum(src, terms, tp, "training_basis", false, bases,
			   &basis);
	l->basis = (enum ll_basis)basis;
	ok &= ll_json_exact(src, terms, tp, "usage_rate", false, l->usage_rate,
			    NULL);
	ok &= ll_json_exact(src, terms, tp, "per_generation", false,
			    l->per_generation, NULL);
	ok &= ll_json_exact(src, terms, tp, "minimum_guarantee", false,
			    l->minimum_guarantee, NULL);
	if (ll_json_exact(src, terms, tp, "master_share", false,
			  l->master_share, &present)) {
		if (present && mpq_cmp_ui(l->master_share, 1, 1) > 0) {
			char p[LL_JSON_PATH_MAX];

			ll_json_path_key(p, tp, "master_share");
			ll_jsrc_error(src, p, "\"%.40s\" is more than 1",
				      json_string_value(json_object_get(
					      terms, "master_share")));
			ok = false;
		}
	} else {
		ok = false;
	}
	return ok;
}

/* The licence's "uses": a non-empty array of distinct use names, as the
 * bit set l->uses. */
static bool parse_uses(const struct ll_jsrc *src, const json_t *obj,
		       const char *path, struct ll_licence *l)
{
	char up[LL_JSON_PATH_MAX];
	json_t *uses;
	bool ok = true;
	size_t i;

	ll_json_path_key(up, path, "uses");
	uses = json_object_get(obj, "uses");
	if (!uses) {
		ll_jsrc_error(src, up, "missing required field");
		return false;
	}
	if (!expect_array(src, uses, up))
		return false;
	if (json_array_size(uses) == 0) {
		ll_jsrc_error(src, up, "must list at least one use");
		return false;
	}
	for (i = 0; i < json_array_size(uses); i++) {
		json_t *e = json_array_get(uses, i);
		char ep[LL_JSON_PATH_MAX];
		int u;

		ll_json_path_index(ep, up, i);
		for (u = 0; use_names[u]; u++) {
			if (json_is_string(e) &&
			    strcmp(json_string_value(e), use_names[u]) == 0)
				break;
		}
		if (!use_names[u]) {
			if (json_is_string(e))
				ll_jsrc_error(src, ep,
					      "\"%.40s\" is not one of: "
					      "training, generation, voice",
					      json_string_value(e));
			else
				ll_jsrc_error(src, ep,
					      "must be one of: training, "
					      "generation, voice");
			ok = false;
		} else if (l->uses & (1u << u)) {
			ll_jsrc_error(src, ep, "\"%s\" is listed twice",
				      use_names[u]);
			ok = false;
		} else {
			l->uses |= 1u << u;
		}
	}
	return ok;
}

/* The licence's "start" and "end" dates, end not before start. */
static bool parse_term_dates(const struct ll_jsrc *src, const json_t *obj,
			     const char *path, struct ll_licence *l)
{
	char p[LL_JSON_PATH_MAX];

	if (!date_field(src, obj, path, "start", &l->start_day) ||
	    !date_field(src, obj, path, "end", &l->end_day))
		return false;
	if (l->start_day > l->end_day) {
		ll_json_path_key(p, path, "end");
		ll_jsrc_error(src, p, "%s is before start %s",
			      json_string_value(json_object_get(obj, "end")),
			      json_string_value(json_object_get(obj, "start")));
		return false;
	}
	return true;
}

static bool parse_licence(const struct ll_jsrc *src, json_t *obj,
			  const char *path, struct ll_licence *l)
{
	static const char *const keys[] = { "id",    "licensee", "licensor",
					    "scope", "uses",     "start",
					    "end",   "currency", "terms",
					    NULL };
	bool ok = true;

	ok &= ll_json_known_keys(src, obj, path, keys);
	ok &= ll_json_id(src, obj, path, "id", true, &l->id);
	ok &= ll_json_id(src, obj, path, "licensee", true, &l->licensee);
	ok &= ll_json_id(src, obj, path, "licensor", true, &l->licensor);
	ok &= parse_scope(src, obj, path, l);
	ok &= parse_uses(src, obj, path, l);
	ok &= parse_term_dates(src, obj, path, l);
	ok &= currency_field(src, obj, path, "currency", l->currency,
			     &l->exponent);
	ok &= parse_terms(src, obj, path, l);
	return ok;
}

/* ---- adding records --------------------------------------------------- */

#define GROW(arr)                                                              \
	do {                                                                   \
		if ((arr).n == (arr).cap) {                                    \
			size_t ncap_ = (arr).cap ? (arr).cap * 2 : 16;         \
			void *nv_ = realloc((arr).v, ncap_ * sizeof(*(arr).v)); \
			if (!nv_)                                              \
				return LL_NOMEM;                               \
			(arr).v = nv_;                                         \
			(arr).cap = ncap_;                                     \
		}                                                              \
	} while (0)

static enum ll_status reserve(struct ll_registry *reg, enum ll_record_kind k)
{
	switch (k) {
	case LL_REC_PARTY:
		GROW(reg->parties);
		break;
	case LL_REC_WORK:
		GROW(reg->works);
		break;
	case LL_REC_CONSENT:
		GROW(reg->consents);
		break;
	case LL_REC_LICENCE:
		GROW(reg->licences);
		break;
	case LL_REC_KIND_COUNT:
		return LL_INTERNAL;
	}
	return LL_OK;
}

/* Free the non-JSON resources of record i of kind k. */
static void release_fields(struct ll_registry *reg, enum ll_record_kind k,
			   size_t i)
{
	if (k == LL_REC_WORK)
		work_release(&reg->works.v[i]);
	else if (k == LL_REC_LICENCE)
		licence_release(&reg->licences.v[i]);
}

/* Move the record at slot n (just parsed, not yet counted) to slot dst. */
static void move_record(struct ll_registry *reg, enum ll_record_kind k,
			size_t from, size_t dst)
{
	switch (k) {
	case LL_REC_PARTY:
		reg->parties.v[dst] = reg->parties.v[from];
		break;
	case LL_REC_WORK:
		reg->works.v[dst] = reg->works.v[from];
		break;
	case LL_REC_CONSENT:
		reg->consents.v[dst] = reg->consents.v[from];
		break;
	case LL_REC_LICENCE:
		reg->licences.v[dst] = reg->licences.v[from];
		break;
	case LL_REC_KIND_COUNT:
		break;
	}
}

static void bump_count(struct ll_registry *reg, enum ll_record_kind k)
{
	switch (k) {
	case LL_REC_PARTY:
		reg->parties.n++;
		break;
	case LL_REC_WORK:
		reg->works.n++;
		break;
	case LL_REC_CONSENT:
		reg->consents.n++;
		break;
	case LL_REC_LICENCE:
		reg->licences.n++;
		break;
	case LL_REC_KIND_COUNT:
		break;
	}
}

static void record_path(char out[LL_JSON_PATH_MAX], enum ll_record_kind k,
			const struct ll_record_meta *m)
{
	if (m->stored)
		snprintf(out, LL_JSON_PATH_MAX, "%s[id=%.64s]", kind_arrays[k],
			 json_string_value(json_object_get(m->json, "id")));
	else
		ll_json_path_index(out, kind_arrays[k], m->index);
}

/* The path records are reported at: "kind[index]" for a record being
 * loaded, "kind[id=...]" for a stored one. */
static void new_record_path(char path[LL_JSON_PATH_MAX],
			    enum ll_record_kind k, const json_t *obj,
			    size_t index, bool stored)
{
	if (stored)
		snprintf(path, LL_JSON_PATH_MAX, "%s[id=%.64s]",
			 kind_arrays[k],
			 json_is_string(json_object_get(obj, "id"))
				 ? json_string_value(json_object_get(obj, "id"))
				 : "?");
	else
		ll_json_path_index(path, kind_arrays[k], index);
}

/* Parse copy (the record's private JSON) into the zeroed slot of its
 * kind's array; whether it is valid on its own. */
static bool parse_record(struct ll_registry *reg, enum ll_record_kind k,
			 const struct ll_jsrc *src, json_t *copy,
			 const char *path, size_t slot)
{
	switch (k) {
	case LL_REC_PARTY:
		memset(&reg->parties.v[slot], 0, sizeof(struct ll_party));
		return parse_party(src, copy, path, &reg->parties.v[slot]);
	case LL_REC_WORK:
		memset(&reg->works.v[slot], 0, sizeof(struct ll_work));
		return parse_work(src, copy, path, &reg->works.v[slot]);
	case LL_REC_CONSENT:
		memset(&reg->consents.v[slot], 0, sizeof(struct ll_consent));
		return parse_consent(src, copy, path, &reg->consents.v[slot]);
	case LL_REC_LICENCE:
		memset(&reg->licences.v[slot], 0, sizeof(struct ll_licence));
		licence_init_nums(&reg->licences.v[slot]);
		return parse_licence(src, copy, path, &reg->licences.v[slot]);
	case LL_REC_KIND_COUNT:
		break;
	}
	return false;
}

/* Fill a parsed record's metadata; m->json takes copy (stolen) on
 * success.  LL_NOMEM leaves copy with the caller. */
static enum ll_status stamp_record(struct ll_record_meta *m, json_t *copy,
				   const struct ll_jsrc *src, size_t index,
				   bool stored, int version)
{
	uint8_t digest[LL_SHA256_LEN];
	char *canon = ll_json_canonical(copy);

	if (!canon)
		return LL_NOMEM;
	ll_hash_sha256(canon, strlen(canon), digest);
	free(canon);
	m->json = copy;
	ll_hex(digest, sizeof(digest), m->sha256);
	m->source = src->source;
	m->text = src->text;
	m->text_len = src->len;
	m->index = index;
	m->stored = stored;
	m->version = version;
	m->prev_version = 0;
	m->prev_sha256[0] = '\0';
	return LL_OK;
}

/* Drop the record parsed into slot: its fields and its JSON. */
static void drop_record(struct ll_registry *reg, enum ll_record_kind k,
			size_t slot)
{
	struct ll_record_meta *m = meta_of(reg, k, slot);

	release_fields(reg, k, slot);
	json_decref(m->json);
	m->json = NULL;
}

/* A loaded record (at slot) over the stored one (at prev): it replaces
 * it; the index keeps pointing at the old id string, kept alive in
 * reg->retired. */
static enum ll_status replace_stored(struct ll_registry *reg,
				     enum ll_record_kind k, size_t slot,
				     size_t prev)
{
	struct ll_record_meta *m = meta_of(reg, k, slot);
	struct ll_record_meta *old = meta_of(reg, k, prev);

	if (!reg->retired)
		reg->retired = json_array();
	if (!reg->retired || json_array_append(reg->retired, old->json) != 0)
		return LL_NOMEM;
	m->prev_version = old->version;
	memcpy(m->prev_sha256, old->sha256, sizeof(m->prev_sha256));
	release_fields(reg, k, prev);
	json_decref(old->json);
	move_record(reg, k, slot, prev);
	return LL_OK;
}

/* Report a loaded record whose id an earlier one with other content has. */
static void report_redefined(const struct ll_jsrc *src, const char *path,
			     enum ll_record_kind k, const char *id,
			     const struct ll_record_meta *old)
{
	char first[LL_JSON_PATH_MAX];
	long line = 0;

	record_path(first, k, old);
	if (old->text)
		line = ll_json_path_line(old->text, old->text_len, first, 1);
	ll_jsrc_error(src, path,
		      "%s \"%s\" is defined twice with different content "
		      "(first at %s:%ld: %s)",
		      kind_names[k], id, old->source, line, first);
}

/* Merge the record parsed into slot by id: counted when new, replacing a
 * stored one, else dropped (silently when it repeats a loaded record). */
static enum ll_status merge_record(struct ll_registry *reg,
				   enum ll_record_kind k,
				   const struct ll_jsrc *src, const char *path,
				   size_t slot)
{
	struct ll_record_meta *m = meta_of(reg, k, slot);
	const struct ll_record_meta *old;
	const char *id = json_string_value(json_object_get(m->json, "id"));
	bool inserted = false;
	size_t prev;
	enum ll_status rc;

	rc = ll_strmap_put(index_of(reg, k), id, slot, &inserted, &prev);
	if (rc != LL_OK) {
		drop_record(reg, k, slot);
		return rc;
	}
	if (inserted) {
		bump_count(reg, k);
		return LL_OK;
	}
	old = meta_of(reg, k, prev);
	if (old->stored && !m->stored) {
		rc = replace_stored(reg, k, slot, prev);
		if (rc == LL_OK)
			return LL_OK;
	} else if (!old->stored && !m->stored &&
		   strcmp(old->sha256, m->sha256) == 0) {
		rc = LL_OK; /* the same record twice: one counts */
	} else if (old->stored && m->stored) {
		ll_jsrc_error(src, path, "%s \"%s\" stored twice",
			      kind_names[k], id);
		rc = LL_INVALID;
	} else {
		report_redefined(src, path, k, id, old);
		rc = LL_INVALID;
	}
	drop_record(reg, k, slot);
	return rc;
}

/*
 * Parse the record at obj (borrowed) into the free slot at the end of its
 * kind's array and merge it by id.
 */
static enum ll_status add_record(struct ll_registry *reg,
				 enum ll_record_kind k, const json_t *obj,
				 const struct ll_jsrc *src, size_t index,
				 bool stored, int version)
{
	char path[LL_JSON_PATH_MAX];
	json_t *copy;
	enum ll_status rc;
	size_t slot;

	new_record_path(path, k, obj, index, stored);
	if (!expect_object(src, obj, path))
		return LL_INVALID;
	rc = reserve(reg, k);
	if (rc != LL_OK)
		return rc;
	/* a stored record was parsed for this call alone (its caller only
	 * releases it after): kept as it is; one of a file is copied out of
	 * the file's tree */
	copy = stored ? json_incref((json_t *)obj) : json_deep_copy(obj);
	if (!copy)
		return LL_NOMEM;
	slot = ll_registry_count(reg, k);
	if (!parse_record(reg, k, src, copy, path, slot)) {
		release_fields(reg, k, slot);
		json_decref(copy);
		note_failed(reg, k, obj);
		return LL_INVALID;
	}
	rc = stamp_record(meta_of(reg, k, slot), copy, src, index, stored,
			  version);
	if (rc != LL_OK) {
		release_fields(reg, k, slot);
		json_decref(copy);
		return rc;
	}
	return merge_record(reg, k, src, path, slot);
}

/* The registry file's root object (new reference), or NULL with the
 * error listed. */
static json_t *load_registry_root(const char *source, const char *text,
				  size_t len, struct ll_errlist *errs)
{
	json_error_t jerr;
	json_t *root;

	if (ll_json_depth(text, len) > REGISTRY_DEPTH_MAX) {
		ll_errlist_addf(errs, LL_INVALID, source, 1, NULL,
				"JSON nested deeper than %d levels",
				REGISTRY_DEPTH_MAX);
		return NULL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		struct ll_jsrc src = { source, text, len, 1, errs };

		ll_jsrc_parse_error(&src, &jerr);
		return NULL;
	}
	if (!json_is_object(root)) {
		ll_errlist_addf(errs, LL_INVALID, source, 1, NULL,
				"a registry file must be a JSON object holding "
				"\"parties\", \"works\", \"consents\" or "
				"\"licences\"");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Report the root's keys that name no registry, or values that are not
 * arrays, and a file that holds none of the registries. */
static void check_registry_keys(const struct ll_jsrc *src, json_t *root,
				size_t before)
{
	const char *key;
	json_t *v;
	bool any = false;
	int k;

	json_object_foreach(root, key, v) {
		for (k = 0; k < LL_REC_KIND_COUNT; k++) {
			if (strcmp(key, kind_arrays[k]) == 0)
				break;
		}
		if (k == LL_REC_KIND_COUNT) {
			ll_jsrc_error(src, key,
				      "unknown registry \"%s\": expected "
				      "parties, works, consents or licences",
				      key);
			continue;
		}
		any = true;
		if (!expect_array(src, v, key))
			continue;
	}
	if (!any && ll_errlist_count(src->errs) == before)
		ll_errlist_addf(src->errs, LL_INVALID, src->source, 1, NULL,
				"holds none of \"parties\", \"works\", "
				"\"consents\", \"licences\"");
}

/* Add every record of the root's registries, in a fixed kind order, so
 * results never depend on the order of keys in the file; LL_NOMEM stops. */
static enum ll_status add_records(struct ll_registry *reg, json_t *root,
				  const struct ll_jsrc *src)
{
	int k;
	size_t i;

	for (k = 0; k < LL_REC_KIND_COUNT; k++) {
		json_t *arr = json_object_get(root, kind_arrays[k]);

		if (!json_is_array(arr))
			continue;
		for (i = 0; i < json_array_size(arr); i++) {
			enum ll_status r = add_record(
				reg, (enum ll_record_kind)k,
				json_array_get(arr, i), src, i, false, 0);
			if (r == LL_NOMEM) {
				ll_errlist_addf(src->errs, LL_NOMEM,
						src->source, 0, NULL,
						"out of memory");
				return LL_NOMEM;
			}
		}
	}
	return LL_OK;
}

enum ll_status ll_registry_parse(struct ll_registry *reg, const char *source,
				 const char *text, size_t len,
				 struct ll_errlist *errs)
{
	struct ll_jsrc src = { source, text, len, 1, errs };
	size_t before = ll_errlist_count(errs);
	json_t *root;
	enum ll_status rc;

	root = load_registry_root(source, text, len, errs);
	if (!root)
		return LL_INVALID;
	check_registry_keys(&src, root, before);
	rc = add_records(reg, root, &src);
	json_decref(root);
	if (rc == LL_OK && ll_errlist_count(errs) != before)
		rc = LL_INVALID;
	return rc;
}

/* Record n of kind k, just added from the store: does its recomputed
 * digest equal the one stored with it?  LL_DB naming it when not. */
static enum ll_status stored_digest_matches(struct ll_registry *reg,
					    enum ll_record_kind k, size_t n,
					    int version, const char *sha256,
					    struct ll_errlist *errs)
{
	const struct ll_record_meta *m = meta_of(reg, k, n);

	if (strcmp(m->sha256, sha256) == 0)
		return LL_OK;
	ll_errlist_addf(errs, LL_DB, "ledger database", 0, NULL,
			"%s %s version %d: stored record does not match its "
			"digest",
			kind_names[k], ll_registry_id(reg, k, n), version);
	return LL_DB;
}

enum ll_status ll_registry_add_stored(struct ll_registry *reg,
				      enum ll_record_kind kind, int version,
				      const char *sha256, const char *body,
				      size_t len, struct ll_errlist *errs)
{
	struct ll_jsrc src = { "ledger database", NULL, 0, 0, errs };
	size_t n = ll_registry_count(reg, kind);
	json_error_t jerr;
	json_t *obj;
	enum ll_status rc;

	obj = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj) {
		ll_errlist_addf(errs, LL_INTERNAL, src.source, 0,
				kind_arrays[kind],
				"stored record is not JSON: %s", jerr.text);
		return LL_INTERNAL;
	}
	rc = add_record(reg, kind, obj, &src, n, true, version);
	json_decref(obj);
	if (rc == LL_OK && ll_registry_count(reg, kind) == n + 1)
		rc = stored_digest_matches(reg, kind, n, version, sha256, errs);
	return rc;
}

/* ---- cross-record checks ---------------------------------------------- */

struct linker {
	struct ll_registry *reg;
	struct ll_errlist *errs;
	bool ok;
};

static void link_error(struct linker *lk, enum ll_record_kind k,
		       const struct ll_record_meta *m, const char *sub,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void link_error(struct linker *lk, enum ll_record_kind k,
		       const struct ll_record_meta *m, const char *sub,
		       const char *fmt, ...)
{
	char path[LL_JSON_PATH_MAX], full[LL_JSON_PATH_MAX];
	struct ll_error e;
	va_list ap;

	record_path(path, k, m);
	if (snprintf(full, sizeof(full), "%s%s%s", path,
		     !sub || !sub[0] || sub[0] == '[' ? "" : ".",
		     sub ? sub : "") >= (int)sizeof(full))
		full[sizeof(full) - 1] = '\0'; /* a cut path still locates */
	ll_error_clear(&e);
	e.code = LL_INVALID;
	ll_str_copy_cut(e.source, sizeof(e.source), m->source);
	e.line = m->text ? ll_json_path_line(m->text, m->text_len, full, 1) : 0;
	ll_str_copy_cut(e.field, sizeof(e.field), full);
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof(e.text), fmt, ap);
	va_end(ap);
	(void)ll_errlist_add(lk->errs, &e);
	lk->ok = false;
}

static const struct ll_party *need_party(struct linker *lk,
					 enum ll_record_kind k,
					 const struct ll_record_meta *m,
					 const char *sub, const char *id)
{
	const struct ll_party *p = ll_registry_party(lk->reg, id);

	if (!p && !failed(lk->reg, LL_REC_PARTY, id))
		link_error(lk, k, m, sub, "unknown party \"%s\"", id);
	return p;
}

static void link_parties(struct linker *lk)
{
	size_t i;

	for (i = 0; i < lk->reg->parties.n; i++) {
		const struct ll_party *p = &lk->reg->parties.v[i];
		const struct ll_party *q;

		if (!p->payee)
			continue;
		if (strcmp(p->payee, p->id) == 0) {
			link_error(lk, LL_REC_PARTY, &p->meta, "payee",
				   "a party cannot be its own payee (leave "
				   "\"payee\" out)");
			continue;
		}
		q = need_party(lk, LL_REC_PARTY, &p->meta, "payee", p->payee);
		if (q && q->payee)
			link_error(lk, LL_REC_PARTY, &p->meta, "payee",
				   "payee \"%s\" itself routes to \"%s\"; "
				   "name the final payee directly",
				   q->id, q->payee);
	}
}

static enum ll_status link_works(struct linker *lk)
{
	size_t i, j;
	int s;

	for (i = 0; i < lk->reg->works.n; i++) {
		const struct ll_work *w = &lk->reg->works.v[i];
		size_t prev;
		bool inserted;
		enum ll_status rc;

		for (s = 0; s < LL_SIDE_COUNT; s++) {
			for (j = 0; j < w->n_split[s]; j++) {
				const char *party = w->split[s][j].party;
				char sub[LL_JSON_PATH_MAX];

				/* the path is made only to name a party
				 * that is not there */
				if (ll_registry_party(lk->reg, party))
					continue;
				snprintf(sub, sizeof(sub),
					 "splits.%s[%zu].party", side_names[s],
					 j);
				need_party(lk, LL_REC_WORK, &w->meta, sub,
					   party);
			}
		}
		if (!w->isrc[0])
			continue;
		rc = ll_strmap_put(&lk->reg->isrc_ix, w->isrc, i, &inserted,
				   &prev);
		if (rc != LL_OK)
			return rc;
		if (!inserted)
			link_error(lk, LL_REC_WORK, &w->meta, "isrc",
				   "ISRC \"%s\" is already the ISRC of work \"%s\"",
				   w->isrc, lk->reg->works.v[prev].id);
	}
	return LL_OK;
}

static void link_consents(struct linker *lk)
{
	size_t i;

	for (i = 0; i < lk->reg->consents.n; i++) {
		const struct ll_consent *c = &lk->reg->consents.v[i];

		need_party(lk, LL_REC_CONSENT, &c->meta, "party", c->party);
		if (c->work && !ll_registry_work(lk->reg, c->work) &&
		    !failed(lk->reg, LL_REC_WORK, c->work))
			link_error(lk, LL_REC_CONSENT, &c->meta, "work",
				   "unknown work \"%s\"", c->work);
	}
}

static enum ll_status link_licences(struct linker *lk)
{
	size_t i, j;

	for (i = 0; i < lk->reg->licences.n; i++) {
		const struct ll_licence *l = &lk->reg->licences.v[i];
		const struct ll_party *p;
		struct ll_strmap seen;

		p = need_party(lk, LL_REC_LICENCE, &l->meta, "licensee",
			       l->licensee);
		if (p && p->kind != LL_PARTY_LICENSEE)
			link_error(lk, LL_REC_LICENCE, &l->meta, "licensee",
				   "party \"%s\" has kind \"%s\", not "
				   "\"licensee\"",
				   p->id, party_kinds[p->kind]);
		need_party(lk, LL_REC_LICENCE, &l->meta, "licensor",
			   l->licensor);
		if (l->catalog_of)
			need_party(lk, LL_REC_LICENCE, &l->meta,
				   "scope.catalog_of", l->catalog_of);
		ll_strmap_init(&seen);
		for (j = 0; j < l->n_scope_works; j++) {
			char sub[LL_JSON_PATH_MAX];
			bool inserted;

			snprintf(sub, sizeof(sub), "scope.works[%zu]", j);
			if (!ll_registry_work(lk->reg, l->scope_works[j]) &&
			    !failed(lk->reg, LL_REC_WORK, l->scope_works[j]))
				link_error(lk, LL_REC_LICENCE, &l->meta, sub,
					   "unknown work \"%s\"",
					   l->scope_works[j]);
			if (ll_strmap_put(&seen, l->scope_works[j], j,
					  &inserted, NULL) != LL_OK) {
				ll_strmap_release(&seen);
				return LL_NOMEM;
			}
			if (!inserted)
				link_error(lk, LL_REC_LICENCE, &l->meta, sub,
					   "work \"%s\" is listed twice",
					   l->scope_works[j]);
		}
		ll_strmap_release(&seen);
	}
	return LL_OK;
}

enum ll_status ll_registry_link(struct ll_registry *reg,
				struct ll_errlist *errs)
{
	struct linker lk = { reg, errs, true };
	enum ll_status rc;

	ll_strmap_release(&reg->isrc_ix);
	link_parties(&lk);
	rc = link_works(&lk);
	if (rc != LL_OK)
		return rc;
	link_consents(&lk);
	rc = link_licences(&lk);
	if (rc != LL_OK)
		return rc;
	return lk.ok ? LL_OK : LL_INVALID;
}

/*
 * runfiles.c — payouts.csv, compliance.json and run.json (runfiles.h).
 *
 * Design decision: JSON documents are built as jansson trees with keys in
 * a fixed insertion order and arrays sorted by id before serialising;
 * exact figures are reduced fractions and rounded ones decimal strings
 * with the currency's exponent — never JSON numbers.
 */
#include "ledgerline/buf.h"
#include "ledgerline/runfiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/digest.h"
#include "ledgerline/ident.h"
#include "ledgerline/jsonx.h"
#include "ledgerline/payfile.h"

/* ---- small builders --------------------------------------------------- */

static json_t *jts(int64_t us)
{
	char buf[LL_TIMESTAMP_SIZE];

	ll_timestamp_format(us, buf);
	return json_string(buf);
}

static json_t *jday(int32_t day)
{
	char buf[LL_DATE_LEN + 1];

	ll_date_format(day, buf);
	return json_string(buf);
}

/* Set key to v (stolen); on a NULL v remember the failure. */
static void put(json_t *obj, const char *key, json_t *v, int *fail)
{
	if (!v || json_object_set_new(obj, key, v) != 0)
		*fail = 1;
}

static void append(json_t *arr, json_t *v, int *fail)
{
	if (!v || json_array_append_new(arr, v) != 0)
		*fail = 1;
}

static char *dump(json_t *root, int fail)
{
	char *s = NULL;

	if (!fail && root)
		s = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(root);
	if (s) {
		size_t n = strlen(s);
		char *t = realloc(s, n + 2);

		if (!t) {
			free(s);
			return NULL;
		}
		t[n] = '\n';
		t[n + 1] = '\0';
		s = t;
	}
	return s;
}

static json_t *period_obj(const struct ll_run *r, int *fail)
{
	json_t *p = json_object();

	put(p, "label", json_string(r->period), fail);
	put(p, "first", jday(r->first_day), fail);
	put(p, "last", jday(r->last_day), fail);
	return p;
}

/* ---- payouts.csv ------------------------------------------------------ */

/*
 * A SEPA-safe id derived from the run: "LL" + the first 32 hex digits of
 * SHA-256(domain "\n" part "\n" part ...).  Deterministic, 34 characters.
 */
static void derived_id(const char *domain, const char *const *parts,
		       size_t n, char out[LL_DERIVED_ID_SIZE])
{
	struct ll_sha256_ctx c;
	uint8_t d[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN + 1];
	size_t i;

	LL_ENSURE(ll_sha256_init(&c) == LL_OK);
	ll_sha256_update(&c, domain, strlen(domain));
	for (i = 0; i < n; i++) {
		ll_sha256_update(&c, "\n", 1);
		ll_sha256_update(&c, parts[i], strlen(parts[i]));
	}
	ll_sha256_final(&c, d);
	ll_hex(d, sizeof(d), hex);
	snprintf(out, LL_DERIVED_ID_SIZE, "LL%.32s", hex);
}

/* An RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
static void sb_csv(struct ll_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		ll_buf_str(b, s);
		return;
	}
	ll_buf_add(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			ll_buf_add(b, "\"\"", 2);
		else
			ll_buf_add(b, s, 1);
	}
	ll_buf_add(b, "\"", 1);
}

char *ll_runfile_payouts_csv(const struct ll_registry *reg,
			     const struct ll_accounts *acc,
			     const char *const *statement_sha256)
{
	struct ll_buf b = LL_BUF_INIT;
	size_t i;

	ll_buf_str(&b, "payee_id,payee_name,currency,amount,iban,bic,"
		   "end_to_end_id,statement_sha256\n");
	for (i = 0; i < acc->n_pay; i++) {
		const struct ll_payment *pm = &acc->pay[i];
		const struct ll_party *p = &reg->parties.v[pm->payee];
		char *amount = ll_exact_minor_str_i64(pm->amount, pm->exponent);

		if (!amount) {
			b.fail = true;
			break;
		}
		sb_csv(&b, p->id);
		ll_buf_str(&b, ",");
		sb_csv(&b, p->name);
		ll_buf_str(&b, ",");
		ll_buf_str(&b, pm->currency);
		ll_buf_str(&b, ",");
		ll_buf_str(&b, amount);
		ll_buf_str(&b, ",");
		ll_buf_str(&b, p->has_payout ? p->iban : "");
		ll_buf_str(&b, ",");
		ll_buf_str(&b, p->has_payout ? p->bic : "");
		ll_buf_str(&b, ",");
		ll_buf_str(&b, pm->end_to_end_id);
		ll_buf_str(&b, ",");
		if (statement_sha256 && statement_sha256[i])
			ll_buf_str(&b, statement_sha256[i]);
		ll_buf_str(&b, "\n");
		free(amount);
	}
	if (b.fail) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* One remittance row: what payment pm settled of account a. */
static void remittance_row(struct ll_buf *b, const struct ll_registry *reg,
			   const struct ll_payment *pm,
			   const struct ll_account *a, const char *sha256)
{
	char *amount = ll_exact_minor_str_i64(a->payments, a->exponent);

	if (!amount) {
		b->fail = true;
		return;
	}
	ll_buf_str(b, pm->end_to_end_id);
	ll_buf_str(b, ",");
	sb_csv(b, reg->parties.v[pm->payee].id);
	ll_buf_str(b, ",");
	sb_csv(b, reg->parties.v[a->party].id);
	ll_buf_str(b, ",");
	ll_buf_str(b, a->currency);
	ll_buf_str(b, ",");
	ll_buf_str(b, amount);
	ll_buf_str(b, ",");
	if (sha256)
		ll_buf_str(b, sha256);
	ll_buf_str(b, "\n");
	free(amount);
}

char *ll_runfile_remittance_csv(const struct ll_registry *reg,
				const struct ll_accounts *acc,
				const char *const *statement_sha256)
{
	struct ll_buf b = LL_BUF_INIT;
	size_t k, i;

	ll_buf_str(&b, "end_to_end_id,payee_id,party_id,currency,amount,"
		   "statement_sha256\n");
	for (k = 0; k < acc->n_pay && !b.fail; k++) {
		for (i = 0; i < acc->n && !b.fail; i++) {
			const struct ll_account *a = &acc->v[i];

			if (a->paid && a->payment == k)
				remittance_row(&b, reg, &acc->pay[k], a,
					       statement_sha256
						       ? statement_sha256[i]
						       : NULL);
		}
	}
	if (b.fail) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- compliance.json -------------------------------------------------- */

struct inelig {
	const char *ref;	/* work id or "isrc:..."/"work:..." key */
	int unknown;
	enum ll_reason reason;
	struct ll_mass mass;
};

static int cmp_inelig(const void *a, const void *b)
{
	const struct inelig *x = a, *y = b;
	int c = strcmp(x->ref, y->ref);

	if (c)
		return c;
	return (x->reason > y->reason) - (x->reason < y->reason);
}

static json_t *mass_obj(const struct ll_mass *m, int *fail)
{
	json_t *o = json_object();

	put(o, "weight", ll_json_xsum(&m->w, LL_XSUM_SCALE_W), fail);
	put(o, "value_weight", ll_json_xsum(&m->vw, LL_XSUM_SCALE_VW), fail);
	put(o, "events", json_integer((json_int_t)m->events), fail);
	return o;
}

/*
 * Work w's ineligible mass into v[*n..]: one entry per reason its spans
 * were ineligible for (with events), then one for usage in another
 * currency than its licence's.
 */
static void inelig_work(const struct ll_run *r, size_t w, struct inelig *v,
			size_t *n, int *fail)
{
	const struct ll_elig *e = &r->elig;
	const struct ll_mass *cm = &r->tally.slots[e->currency_slot0 + w];
	const char *id = r->reg->works.v[w].id;
	size_t first = *n;
	uint32_t k;

	for (k = e->off[LL_USE_GENERATION][w];
	     k < e->off[LL_USE_GENERATION][w + 1]; k++) {
		const struct ll_span *s = &e->spans[k];
		const struct ll_mass *m = &r->tally.slots[s->slot];
		size_t j;

		if (s->reason == LL_ELIGIBLE || m->events == 0)
			continue;
		for (j = first; j < *n; j++) {
			if (v[j].reason == s->reason)
				break;
		}
		if (j == *n) {
			v[j].ref = id;
			v[j].reason = (enum ll_reason)s->reason;
			ll_mass_init(&v[j].mass);
			(*n)++;
		}
		if (ll_mass_merge(&v[j].mass, m) != LL_OK)
			*fail = 1;
	}
	if (cm->events) {
		v[*n].ref = id;
		v[*n].reason = LL_REASON_CURRENCY;
		ll_mass_init(&v[*n].mass);
		if (ll_mass_merge(&v[*n].mass, cm) != LL_OK)
			*fail = 1;
		(*n)++;
	}
}

/* The logs' mass for works the registry does not know, into v[*n..]. */
static void inelig_unknown(const struct ll_run *r, struct inelig *v,
			   size_t *n, int *fail)
{
	size_t i;

	for (i = 0; i < r->tally.n_unknown; i++) {
		struct inelig *x = &v[(*n)++];

		x->ref = r->tally.unknown[i].key;
		x->unknown = 1;
		x->reason = LL_REASON_UNKNOWN_WORK;
		ll_mass_init(&x->mass);
		if (ll_mass_merge(&x->mass, &r->tally.unknown[i].mass) != LL_OK)
			*fail = 1;
	}
}

/* One entry of "ineligible_attribution": a new object. */
static json_t *inelig_obj(const struct inelig *x, int *fail)
{
	json_t *o = json_object();

	if (x->unknown) {
		const char *colon = strchr(x->ref, ':');

		put(o, x->ref[0] == 'w' ? "work" : "isrc",
		    json_string(colon ? colon + 1 : x->ref), fail);
	} else {
		put(o, "work", json_string(x->ref), fail);
	}
	put(o, "reason", json_string(ll_reason_name(x->reason)), fail);
	put(o, "weight", ll_json_xsum(&x->mass.w, LL_XSUM_SCALE_W), fail);
	put(o, "value_weight", ll_json_xsum(&x->mass.vw, LL_XSUM_SCALE_VW), fail);
	put(o, "events", json_integer((json_int_t)x->mass.events), fail);
	return o;
}

static json_t *ineligible(const struct ll_run *r, int *fail)
{
	const struct ll_registry *reg = r->reg;
	struct inelig *v;
	size_t n = 0, cap = reg->works.n * (LL_REASON_COUNT) +
			    r->tally.n_unknown + 1, w, i;
	json_t *arr = json_array();

	v = calloc(cap, sizeof(*v));
	if (!v || !arr) {
		free(v);
		*fail = 1;
		return arr;
	}
	for (w = 0; w < reg->works.n; w++)
		inelig_work(r, w, v, &n, fail);
	inelig_unknown(r, v, &n, fail);
	qsort(v, n, sizeof(*v), cmp_inelig);
	for (i = 0; i < n; i++) {
		append(arr, inelig_obj(&v[i], fail), fail);
		ll_mass_release(&v[i].mass);
	}
	free(v);
	return arr;
}

struct exref {
	const struct ll_run *r;
	const struct ll_excluded *x;
};

static int cmp_excluded(const void *a, const void *b)
{
	const struct exref *x = a, *y = b;
	int c = strcmp(x->r->manifests[x->x->manifest].source,
		       y->r->manifests[y->x->manifest].source);

	if (c)
		return c;
	if (x->x->manifest != y->x->manifest)
		return x->x->manifest < y->x->manifest ? -1 : 1;
	return (x->x->item > y->x->item) - (x->x->item < y->x->item);
}

static json_t *excluded(const struct ll_run *r, int *fail)
{
	json_t *arr = json_array();
	struct exref *v = calloc(r->n_excluded + 1, sizeof(*v));
	size_t i;

	if (!v || !arr) {
		free(v);
		*fail = 1;
		return arr;
	}
	for (i = 0; i < r->n_excluded; i++) {
		v[i].r = r;
		v[i].x = &r->excluded[i];
	}
	qsort(v, r->n_excluded, sizeof(*v), cmp_excluded);
	for (i = 0; i < r->n_excluded; i++) {
		const struct ll_manifest *m = &r->manifests[v[i].x->manifest];
		const struct ll_manifest_item *it = &m->items[v[i].x->item];
		json_t *o = json_object();

		put(o, "manifest", json_string(m->source), fail);
		put(o, "model", json_string(m->model), fail);
		put(o, "training_run", json_string(m->training_run), fail);
		put(o, "item", json_integer((json_int_t)it->index), fail);
		put(o, it->kind == LL_REF_WORK ? "work" : "isrc",
		    json_string(it->ref), fail);
		put(o, "reason", json_string(ll_reason_name(v[i].x->reason)),
		    fail);
		append(arr, o, fail);
	}
	free(v);
	return arr;
}

static json_t *voice(const struct ll_run *r, int *fail)
{
	const struct ll_tally *t = &r->tally;
	json_t *o = json_object(), *by = json_array(), *list = json_array();
	uint64_t total = t->voice_unknown;
	size_t i, *order;

	order = calloc(r->reg->parties.n + 1, sizeof(*order));
	if (!order || !o || !by || !list) {
		free(order);
		json_decref(by);
		json_decref(list);
		*fail = 1;
		return o;
	}
	/* parties in id order (the registry may hold them in any order) */
	for (i = 0; i < r->reg->parties.n; i++)
		order[i] = i;
	for (i = 1; i < r->reg->parties.n; i++) {
		size_t j = i, x = order[i];

		while (j > 0 && strcmp(r->reg->parties.v[order[j - 1]].id,
				       r->reg->parties.v[x].id) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = x;
	}
	for (i = 0; i < r->reg->parties.n; i++) {
		size_t p = order[i];
		json_t *e;

		if (!t->voice_counts[p])
			continue;
		total += t->voice_counts[p];
		e = json_object();
		put(e, "party", json_string(r->reg->parties.v[p].id), fail);
		put(e, "events", json_integer((json_int_t)t->voice_counts[p]),
		    fail);
		append(by, e, fail);
	}
	free(order);
	for (i = 0; i < t->n_voice; i++) {
		const struct ll_voice_finding *f = &t->voice[i];
		json_t *e = json_object();

		put(e, "id", json_string(f->event_id), fail);
		put(e, "voice", json_string(f->party), fail);
		put(e, "ts", jts(f->ts_us), fail);
		put(e, "log", json_string(r->logs[f->file].name), fail);
		put(e, "line", json_integer((json_int_t)f->line), fail);
		append(list, e, fail);
	}
	put(o, "events", json_integer((json_int_t)total), fail);
	put(o, "by_party", by, fail);
	put(o, "unknown_party_events",
	    json_integer((json_int_t)t->voice_unknown), fail);
	put(o, "listed", list, fail);
	put(o, "truncated", json_boolean(total > t->n_voice), fail);
	return o;
}

static int cmp_withdrawn(const void *a, const void *b, void *reg)
{
	const struct ll_registry *g = reg;
	const struct ll_withdrawn *x = a, *y = b;

	return strcmp(g->works.v[x->work].id, g->works.v[y->work].id);
}

static json_t *withdrawn(const struct ll_run *r, int *fail)
{
	json_t *arr = json_array();
	struct ll_withdrawn *v =
		malloc((r->n_withdrawn + 1) * sizeof(*v));
	size_t i;

	if (!v || !arr) {
		free(v);
		*fail = 1;
		return arr;
	}
	if (r->n_withdrawn)
		memcpy(v, r->withdrawn, r->n_withdrawn * sizeof(*v));
	qsort_r(v, r->n_withdrawn, sizeof(*v), cmp_withdrawn,
		(void *)r->reg);
	for (i = 0; i < r->n_withdrawn; i++) {
		const struct ll_manifest *m = &r->manifests[v[i].manifest];
		json_t *o = json_object();

		put(o, "work", json_string(r->reg->works.v[v[i].work].id),
		    fail);
		put(o, "model", json_string(m->model), fail);
		put(o, "training_run", json_string(m->training_run), fail);
		put(o, "trained_at", jts(m->trained_at_us), fail);
		put(o, "withdrawn_at", jts(v[i].lapsed_us), fail);
		put(o, "reason", json_string(ll_reason_name(v[i].reason)),
		    fail);
		append(arr, o, fail);
	}
	free(v);
	return arr;
}

char *ll_runfile_compliance(const struct ll_run *r)
{
	json_t *root = json_object();
	int fail = !root;

	put(root, "run_id", json_string(r->id), &fail);
	put(root, "licensee", json_string(r->licensee), &fail);
	put(root, "period", period_obj(r, &fail), &fail);
	put(root, "excluded_items", excluded(r, &fail), &fail);
	put(root, "ineligible_attribution", ineligible(r, &fail), &fail);
	put(root, "unattributed", mass_obj(&r->tally.unattributed, &fail),
	    &fail);
	put(root, "voice_without_consent", voice(r, &fail), &fail);
	put(root, "training_consent_withdrawn", withdrawn(r, &fail), &fail);
	return dump(root, fail);
}

/* ---- run.json --------------------------------------------------------- */

struct inref {
	const char *name;
	const char *sha256;
	uint64_t bytes;
	int64_t lines;		/* -1: not a log */
};

static int cmp_inref(const void *a, const void *b)
{
	const struct inref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->sha256, y->sha256);
}

static json_t *inputs_arr(struct inref *v, size_t n, int *fail)
{
	json_t *arr = json_array();
	size_t i;

	qsort(v, n, sizeof(*v), cmp_inref);
	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		put(o, "source", json_string(v[i].name), fail);
		put(o, "sha256", json_string(v[i].sha256), fail);
		put(o, "bytes", json_integer((json_int_t)v[i].bytes), fail);
		if (v[i].lines >= 0)
			put(o, "lines", json_integer((json_int_t)v[i].lines),
			    fail);
		append(arr, o, fail);
	}
	return arr;
}

static json_t *inputs(const struct ll_run *r, int *fail)
{
	json_t *o = json_object(), *reg = json_object(), *counts = json_object();
	struct inref *v = calloc(r->n_manifests + r->n_logs + 1, sizeof(*v));
	size_t i;
	int k;

	if (!v) {
		*fail = 1;
		return o;
	}
	put(reg, "sha256", json_string(r->registry_sha256), fail);
	for (k = 0; k < LL_REC_KIND_COUNT; k++)
		put(counts, ll_record_kind_array((enum ll_record_kind)k),
		    json_integer((json_int_t)ll_registry_count(
			    r->reg, (enum ll_record_kind)k)),
		    fail);
	put(reg, "records", counts, fail);
	put(o, "registry", reg, fail);
	for (i = 0; i < r->n_manifests; i++) {
		v[i].name = r->manifests[i].source;
		v[i].sha256 = r->manifests[i].sha256;
		v[i].bytes = r->manifests[i].bytes;
		v[i].lines = -1;
	}
	put(o, "manifests", inputs_arr(v, r->n_manifests, fail), fail);
	for (i = 0; i < r->n_logs; i++) {
		v[i].name = r->logs[i].name;
		v[i].sha256 = r->logs[i].sha256;
		v[i].bytes = r->logs[i].bytes;
		v[i].lines = (int64_t)r->logs[i].lines;
	}
	put(o, "logs", inputs_arr(v, r->n_logs, fail), fail);
	free(v);
	return o;
}

static json_t *licences(const struct ll_run *r, int *fail)
{
	json_t *arr = json_array();
	size_t i, j;
	int k;

	for (i = 0; i < r->st.n_lic; i++) {
		const struct ll_licence_total *lt = &r->st.lic[i];
		const struct ll_licence *lic = &r->reg->licences.v[lt->licence];
		json_t *o = json_object(), *ex = json_object(),
		       *parties = json_array();

		put(o, "licence", json_string(lic->id), fail);
		put(o, "licensor", json_string(lic->licensor), fail);
		put(o, "currency", json_string(lic->currency), fail);
		for (k = 0; k < LL_COMP_COUNT; k++)
			put(ex, ll_component_name((enum ll_component)k),
			    ll_json_fraction(lt->component[k]), fail);
		put(ex, "total", ll_json_fraction(lt->exact), fail);
		put(o, "exact", ex, fail);
		put(o, "amount", ll_json_minor(lt->minor, lic->exponent), fail);
		put(o, "training_works",
		    json_integer((json_int_t)lt->n_training_works), fail);
		put(o, "usage_works", json_integer((json_int_t)lt->n_usage_works),
		    fail);
		for (j = 0; j < r->st.n_parties; j++) {
			const struct ll_party_total *pt = &r->st.parties[j];
			json_t *p;

			if (pt->licence != lt->licence)
				continue;
			p = json_object();
			put(p, "party",
			    json_string(r->reg->parties.v[pt->party].id), fail);
			put(p, "exact", ll_json_fraction(pt->exact), fail);
			put(p, "amount", ll_json_minor(pt->minor, lic->exponent), fail);
			append(parties, p, fail);
		}
		put(o, "parties", parties, fail);
		append(arr, o, fail);
	}
	return arr;
}

static json_t *payouts(const struct ll_run *r, int *fail)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < r->st.n_payouts; i++) {
		const struct ll_payout *po = &r->st.payouts[i];
		json_t *o = json_object();

		put(o, "payee", json_string(r->reg->parties.v[po->payee].id),
		    fail);
		put(o, "currency", json_string(po->currency), fail);
		put(o, "amount", ll_json_minor(po->minor, po->exponent), fail);
		put(o, "parties", json_integer((json_int_t)po->n_parties), fail);
		append(arr, o, fail);
	}
	return arr;
}

/* Each party's new total per currency, sorted by party, currency. */
static int cmp_amount(const void *a, const void *b)
{
	const struct ll_party_amount *x = a, *y = b;
	int c = strcmp(x->party, y->party);

	return c ? c : strcmp(x->currency, y->currency);
}

static json_t *restatement(const struct ll_run *r,
			   const struct ll_restatement *rs, int *fail)
{
	json_t *o = json_object(), *adj = json_array();
	struct ll_party_amount *cur;
	size_t n_cur = 0, i, j, a, b;

	cur = calloc(r->st.n_parties + 1, sizeof(*cur));
	if (!cur || !o || !adj) {
		free(cur);
		*fail = 1;
		return o;
	}
	for (i = 0; i < r->st.n_parties; i++) {
		const struct ll_party_total *pt = &r->st.parties[i];
		const char *id = r->reg->parties.v[pt->party].id;
		const char *ccy = r->reg->licences.v[pt->licence].currency;

		for (j = 0; j < n_cur; j++) {
			if (strcmp(cur[j].party, id) == 0 &&
			    strcmp(cur[j].currency, ccy) == 0)
				break;
		}
		if (j == n_cur) {
			/* a registry id and a licence's currency: both
			 * were checked at load, so both fit */
			LL_ENSURE(ll_str_copy(cur[j].party,
					      sizeof(cur[j].party), id));
			LL_ENSURE(ll_str_copy(cur[j].currency,
					      sizeof(cur[j].currency), ccy));
			n_cur++;
		}
		cur[j].minor += pt->minor;
	}
	qsort(cur, n_cur, sizeof(*cur), cmp_amount);
	/* the previous amounts arrive in whatever order the database
	 * collates; the merge needs byte order */
	LL_ENSURE(rs->n_prev == 0 || rs->prev != NULL);
	for (a = 1; a < rs->n_prev; a++)
		LL_ENSURE(cmp_amount(&rs->prev[a - 1], &rs->prev[a]) < 0);
	/* merge the two sorted lists */
	for (a = 0, b = 0; a < rs->n_prev || b < n_cur;) {
		const struct ll_party_amount *p = a < rs->n_prev ? &rs->prev[a]
								  : NULL;
		const struct ll_party_amount *q = b < n_cur ? &cur[b] : NULL;
		int c = !p ? 1 : !q ? -1 : cmp_amount(p, q);
		const struct ll_party_amount *k = c <= 0 ? p : q;
		int64_t before = c <= 0 ? p->minor : 0;
		int64_t after = c >= 0 ? q->minor : 0;
		int e = ll_currency_exponent(k->currency);
		json_t *x = json_object();

		put(x, "party", json_string(k->party), fail);
		put(x, "currency", json_string(k->currency), fail);
		put(x, "previous", ll_json_minor(before, e), fail);
		put(x, "current", ll_json_minor(after, e), fail);
		put(x, "adjustment", ll_json_minor(after - before, e), fail);
		append(adj, x, fail);
		a += c <= 0;
		b += c >= 0;
	}
	free(cur);
	put(o, "supersedes", json_string(rs->supersedes), fail);
	put(o, "adjustments", adj, fail);
	return o;
}

void ll_payfile_msg_id(const char *run_id, int64_t posting,
		       const char *currency, char out[LL_DERIVED_ID_SIZE])
{
	char num[24];
	const char *parts[3] = { run_id, num, currency };

	snprintf(num, sizeof(num), "%lld", (long long)posting);
	derived_id("ledgerline-msg-v2", parts, 3, out);
}

/* This posting's payments: payee, currency, amount, end-to-end id. */
static json_t *payments(const struct ll_registry *reg,
			const struct ll_accounts *acc, int *fail)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < acc->n_pay; i++) {
		const struct ll_payment *pm = &acc->pay[i];
		json_t *o = json_object();

		put(o, "payee", json_string(reg->parties.v[pm->payee].id), fail);
		put(o, "currency", json_string(pm->currency), fail);
		put(o, "amount", ll_json_minor(pm->amount, pm->exponent), fail);
		put(o, "end_to_end_id", json_string(pm->end_to_end_id), fail);
		append(arr, o, fail);
	}
	return arr;
}

/* The payments that cannot go by transfer: no IBAN, or above what one
 * transfer may carry. */
static json_t *not_transferable(const struct ll_registry *reg,
				const struct ll_accounts *acc, int *fail)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < acc->n_pay; i++) {
		const struct ll_payment *pm = &acc->pay[i];
		const struct ll_party *p = &reg->parties.v[pm->payee];
		json_t *o;

		if (p->has_payout && ll_payfile_amount_ok(pm->currency, pm->amount))
			continue;
		o = json_object();
		put(o, "payee", json_string(p->id), fail);
		put(o, "currency", json_string(pm->currency), fail);
		put(o, "amount", ll_json_minor(pm->amount, pm->exponent), fail);
		put(o, "reason",
		    json_string(!p->has_payout ? "no IBAN on record"
					       : "above the largest amount "
						 "one transfer may carry"),
		    fail);
		append(arr, o, fail);
	}
	return arr;
}

/*
 * {"sha256": SHA-256 of the RFC 8785 form of compliance.json}: run.json,
 * which the journal's hash chain covers, so names the compliance report
 * too; the canonical form is what survives the database's JSON type.
 */
static json_t *compliance_digest(const struct ll_run *r, int *fail)
{
	char *text = ll_runfile_compliance(r), *jcs = NULL, hex[65];
	json_t *c = text ? json_loads(text, 0, NULL) : NULL;
	uint8_t d[LL_SHA256_LEN];

	jcs = c ? ll_json_jcs(c) : NULL;
	json_decref(c);
	free(text);
	if (!jcs) {
		*fail = 1;
		return NULL;
	}
	ll_sha256(jcs, strlen(jcs), d);
	free(jcs);
	ll_hex(d, sizeof(d), hex);
	return json_pack("{s:s}", "sha256", hex);
}

char *ll_runfile_run_json(const struct ll_run *r,
			  const struct ll_restatement *rs,
			  const struct ll_accounts *acc,
			  const char *merkle_root, const char *key_id,
			  size_t n_statements)
{
	json_t *root = json_object(), *counts = json_object();
	int fail = !root || !counts;

	put(root, "run_id", json_string(r->id), &fail);
	put(root, "posting", json_integer((json_int_t)acc->posting), &fail);
	put(root, "licensee", json_string(r->licensee), &fail);
	put(root, "period", period_obj(r, &fail), &fail);
	put(root, "rounding",
	    json_string("licence total round-half-even to minor units; "
			"largest remainder to parties (ties: party id) and "
			"to each party's lines (ties: component, work id, "
			"side)"),
	    &fail);
	put(root, "inputs", inputs(r, &fail), &fail);
	put(counts, "events", json_integer((json_int_t)r->tally.events), &fail);
	put(counts, "attributions",
	    json_integer((json_int_t)r->tally.attributions), &fail);
	put(counts, "manifest_items", json_integer((json_int_t)r->n_items),
	    &fail);
	put(counts, "excluded_items", json_integer((json_int_t)r->n_excluded),
	    &fail);
	put(counts, "lines", json_integer((json_int_t)r->st.n_lines), &fail);
	put(root, "counts", counts, &fail);
	put(root, "licences", licences(r, &fail), &fail);
	put(root, "payouts", payouts(r, &fail), &fail);
	put(root, "payments", payments(r->reg, acc, &fail), &fail);
	put(root, "not_transferable", not_transferable(r->reg, acc, &fail),
	    &fail);
	put(root, "compliance", compliance_digest(r, &fail), &fail);
	if (merkle_root) {
		json_t *st = json_object();

		put(st, "count", json_integer((json_int_t)n_statements), &fail);
		put(st, "merkle_root", json_string(merkle_root), &fail);
		put(st, "key_id", json_string(key_id), &fail);
		put(st, "construction",
		    json_string("leaf = SHA-256(0x00 || JCS(predicate without "
				"merkle)), parties in id order; RFC 6962 tree"),
		    &fail);
		put(root, "statements", st, &fail);
	}
	if (rs)
		put(root, "restatement", restatement(r, rs, &fail), &fail);
	return dump(root, fail);
}

char *ll_runfile_with_checkpoint(const char *run_json, const char *sha256,
				 int64_t entries, const char *head)
{
	json_error_t jerr;
	json_t *root = json_loads(run_json, JSON_REJECT_DUPLICATES, &jerr);
	json_t *cp = json_object();
	int fail = !root || !cp || json_object_get(root, "checkpoint");

	put(cp, "sha256", json_string(sha256), &fail);
	put(cp, "entries", json_integer((json_int_t)entries), &fail);
	put(cp, "head", json_string(head), &fail);
	if (fail)
		json_decref(cp);
	else
		put(root, "checkpoint", cp, &fail);
	return dump(root, fail);
}

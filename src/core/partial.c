/*
 * partial.c — the partial tally's format (docs/scale.md, "The partial"):
 * making one from a tally, writing, reading and checking it, and adding
 * it into a run's tally.
 */
#include "ledgerline/partial.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/registry.h"

static const char MAGIC[] = "ledgerline-partial";

void ll_partial_init(struct ll_partial *p)
{
	memset(p, 0, sizeof(*p));
	ll_mass_init(&p->unattributed);
}

static void counts_free(struct ll_partial_count *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].key);
		ll_mass_release(&v[i].mass);
	}
	free(v);
}

void ll_partial_release(struct ll_partial *p)
{
	size_t i;

	free(p->licensee);
	free(p->manifests);
	for (i = 0; p->logs && i < p->n_logs; i++)
		free(p->logs[i].name);
	free(p->logs);
	ll_mass_release(&p->unattributed);
	for (i = 0; p->slots && i < p->n_slots; i++)
		ll_mass_release(&p->slots[i].mass);
	free(p->slots);
	counts_free(p->unknown, p->n_unknown);
	counts_free(p->voice, p->n_voice);
	for (i = 0; p->findings && i < p->n_findings; i++) {
		free(p->findings[i].event_id);
		free(p->findings[i].party);
	}
	free(p->findings);
	for (i = 0; p->ids && i < p->n_ids; i++)
		free(p->ids[i].id);
	free(p->ids);
	ll_partial_init(p);
}

/* ---- order ------------------------------------------------------------ */

static int cmp_log(const struct ll_partial_log *x, const struct ll_partial_log *y)
{
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->sha256, y->sha256);
}

static int cmp_id(const struct ll_partial_id *x, const struct ll_partial_id *y)
{
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int qcmp_id(const void *a, const void *b)
{
	return cmp_id(a, b);
}

static int qcmp_ptr_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int qcmp_count(const void *a, const void *b)
{
	return strcmp(((const struct ll_partial_count *)a)->key,
		      ((const struct ll_partial_count *)b)->key);
}

static int cmp_finding(const struct ll_voice_finding *x,
		       const struct ll_voice_finding *y)
{
	int c = strcmp(x->event_id, y->event_id);

	if (c)
		return c;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static int qcmp_finding(const void *a, const void *b)
{
	return cmp_finding(a, b);
}

/* ---- from a tally ----------------------------------------------------- */

static enum ll_status mass_copy(struct ll_mass *dst, const struct ll_mass *src)
{
	ll_mass_init(dst);
	return ll_mass_merge(dst, src);
}

static bool mass_empty(const struct ll_mass *m)
{
	return m->events == 0 && ll_xsum_is_zero(&m->w) &&
	       ll_xsum_is_zero(&m->vw) && m->last_us == INT64_MIN;
}

/* p->logs sorted; map[i] = the sorted position of the tally's file i. */
static enum ll_status logs_from(struct ll_partial *p, const char *const *names,
				const char *const *sha, const uint64_t *bytes,
				const uint64_t *lines, size_t n, uint32_t *map)
{
	size_t i, j;

	p->logs = calloc(n ? n : 1, sizeof(*p->logs));
	if (!p->logs)
		return LL_NOMEM;
	for (i = 0; i < n; i++) {
		struct ll_partial_log l;

		l.name = strdup(names[i]);
		if (!l.name)
			return LL_NOMEM;
		LL_ENSURE(ll_str_copy(l.sha256, sizeof(l.sha256), sha[i]));
		l.bytes = bytes[i];
		l.lines = lines[i];
		for (j = p->n_logs; j > 0 && cmp_log(&p->logs[j - 1], &l) > 0;
		     j--)
			p->logs[j] = p->logs[j - 1];
		p->logs[j] = l;
		p->n_logs++;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			if (strcmp(p->logs[j].name, names[i]) == 0 &&
			    strcmp(p->logs[j].sha256, sha[i]) == 0)
				map[i] = (uint32_t)j;
		}
	}
	return LL_OK;
}

static enum ll_status slots_from(struct ll_partial *p, const struct ll_tally *t)
{
	size_t i, n = t->ctx->elig->n_slots;
	enum ll_status rc = LL_OK;

	p->n_slots_total = n;
	p->slots = calloc(n ? n : 1, sizeof(*p->slots));
	if (!p->slots)
		return LL_NOMEM;
	for (i = 0; i < n && rc == LL_OK; i++) {
		if (mass_empty(&t->slots[i]))
			continue;
		p->slots[p->n_slots].index = i;
		rc = mass_copy(&p->slots[p->n_slots++].mass, &t->slots[i]);
	}
	return rc;
}

static enum ll_status counts_from(struct ll_partial *p, const struct ll_tally *t)
{
	const struct ll_registry *reg = t->ctx->reg;
	enum ll_status rc = LL_OK;
	size_t i;

	p->unknown = calloc(t->n_unknown + 1, sizeof(*p->unknown));
	p->voice = calloc(reg->parties.n + 1, sizeof(*p->voice));
	if (!p->unknown || !p->voice)
		return LL_NOMEM;
	for (i = 0; i < t->n_unknown && rc == LL_OK; i++, p->n_unknown++) {
		p->unknown[i].key = strdup(t->unknown[i].key);
		rc = mass_copy(&p->unknown[i].mass, &t->unknown[i].mass);
		if (!p->unknown[i].key)
			rc = LL_NOMEM;
	}
	for (i = 0; i < reg->parties.n && rc == LL_OK; i++) {
		struct ll_partial_count *c = &p->voice[p->n_voice];

		if (!t->voice_counts[i])
			continue;
		ll_mass_init(&c->mass);
		c->n = t->voice_counts[i];
		c->key = strdup(reg->parties.v[i].id);
		p->n_voice++;
		if (!c->key)
			rc = LL_NOMEM;
	}
	qsort(p->unknown, p->n_unknown, sizeof(*p->unknown), qcmp_count);
	qsort(p->voice, p->n_voice, sizeof(*p->voice), qcmp_count);
	p->voice_unknown = t->voice_unknown;
	return rc;
}

static enum ll_status findings_from(struct ll_partial *p,
				    const struct ll_tally *t,
				    const uint32_t *map)
{
	size_t i;

	p->findings = calloc(t->n_voice + 1, sizeof(*p->findings));
	if (!p->findings)
		return LL_NOMEM;
	for (i = 0; i < t->n_voice; i++, p->n_findings++) {
		struct ll_voice_finding *f = &p->findings[i];

		*f = t->voice[i];
		f->file = map[t->voice[i].file];
		f->event_id = strdup(t->voice[i].event_id);
		f->party = strdup(t->voice[i].party);
		if (!f->event_id || !f->party)
			return LL_NOMEM;
	}
	qsort(p->findings, p->n_findings, sizeof(*p->findings), qcmp_finding);
	return LL_OK;
}

enum ll_status ll_partial_from_tally(struct ll_partial *p,
				     const struct ll_tally *t,
				     const char *const *log_names,
				     const char *const *log_sha256,
				     const uint64_t *log_bytes,
				     const uint64_t *log_lines, size_t n_logs,
				     struct ll_partial_id *ids, size_t n_ids)
{
	uint32_t *map = calloc(n_logs + 1, sizeof(*map));
	enum ll_status rc;
	size_t i;

	p->ids = ids;
	p->n_ids = n_ids;
	if (!map)
		return LL_NOMEM;
	rc = logs_from(p, log_names, log_sha256, log_bytes, log_lines, n_logs,
		       map);
	for (i = 0; i < n_ids; i++)
		ids[i].log = map[ids[i].log];
	if (n_ids > 0)	/* none when the ids are sorted elsewhere (idsort) */
		qsort(ids, n_ids, sizeof(*ids), qcmp_id);
	p->events = t->events;
	p->attributions = t->attributions;
	if (rc == LL_OK)
		rc = mass_copy(&p->unattributed, &t->unattributed);
	if (rc == LL_OK)
		rc = slots_from(p, t);
	if (rc == LL_OK)
		rc = counts_from(p, t);
	if (rc == LL_OK)
		rc = findings_from(p, t, map);
	free(map);
	return rc;
}

/* ---- writing ---------------------------------------------------------- */

static inline bool needs_esc(unsigned char c)
{
	return c <= ' ' || c == '%' || c == 0x7f;
}

/* Bytes that would end a token or a line, and '%', as %XX; each run of
 * bytes that need none added at once. */
static void put_esc(struct ll_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	while (*s) {
		const char *t = s;
		unsigned char c;

		while (*t && !needs_esc((unsigned char)*t))
			t++;
		if (t > s)
			ll_buf_add(b, s, (size_t)(t - s));
		if (!*t)
			return;
		c = (unsigned char)*t;
		ll_buf_add(b, (char[3]){ '%', hex[c >> 4], hex[c & 15] }, 3);
		s = t + 1;
	}
}

static void putf(struct ll_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void putf(struct ll_buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	LL_ENSURE(n >= 0 && (size_t)n < sizeof(tmp));
	ll_buf_add(b, tmp, (size_t)n);
}

static void put_gmp(struct ll_buf *b, char *s)
{
	if (!s) {
		b->fail = true;
		return;
	}
	ll_buf_str(b, s);
	free(s);
}

/* " INT Q": the sum is INT / 10^scale + Q. */
static void put_xsum(struct ll_buf *b, const struct ll_xsum *x)
{
	mpz_t z;

	mpz_init(z);
	ll_mpz_set_i128(z, x->lo);
	if (x->hi)
		mpz_add(z, z, *x->hi);
	ll_buf_str(b, " ");
	put_gmp(b, mpz_get_str(NULL, 10, z));
	ll_buf_str(b, " ");
	if (x->q)
		put_gmp(b, mpq_get_str(NULL, 10, *x->q));
	else
		ll_buf_str(b, "0");
	mpz_clear(z);
}

static void put_mass(struct ll_buf *b, const struct ll_mass *m)
{
	putf(b, " %" PRIu64 " %" PRId64, m->events, m->last_us);
	put_xsum(b, &m->w);
	put_xsum(b, &m->vw);
}

static void encode_head(const struct ll_partial *p, struct ll_buf *b)
{
	size_t i;

	putf(b, "%s %d\nlicensee ", MAGIC, LL_PARTIAL_VERSION);
	put_esc(b, p->licensee);
	putf(b, "\nperiod %s..%s\nregistry ", p->first, p->last);
	ll_buf_str(b, p->registry);
	putf(b, "\nmanifests %zu\n", p->n_manifests);
	for (i = 0; i < p->n_manifests; i++)
		putf(b, "manifest %s\n", p->manifests[i]);
	putf(b, "logs %zu\n", p->n_logs);
	for (i = 0; i < p->n_logs; i++) {
		const struct ll_partial_log *l = &p->logs[i];

		putf(b, "log %" PRIu64 " %" PRIu64 " ", l->bytes, l->lines);
		ll_buf_str(b, l->sha256);
		ll_buf_str(b, " ");
		put_esc(b, l->name);
		ll_buf_str(b, "\n");
	}
}

static void encode_sums(const struct ll_partial *p, struct ll_buf *b)
{
	size_t i;

	putf(b, "events %" PRIu64 "\nattributions %" PRIu64 "\nunattributed",
	     p->events, p->attributions);
	put_mass(b, &p->unattributed);
	putf(b, "\nslots %zu %zu\n", p->n_slots_total, p->n_slots);
	for (i = 0; i < p->n_slots; i++) {
		putf(b, "slot %zu", p->slots[i].index);
		put_mass(b, &p->slots[i].mass);
		ll_buf_str(b, "\n");
	}
	putf(b, "unknown %zu\n", p->n_unknown);
	for (i = 0; i < p->n_unknown; i++) {
		ll_buf_str(b, "ref ");
		put_esc(b, p->unknown[i].key);
		put_mass(b, &p->unknown[i].mass);
		ll_buf_str(b, "\n");
	}
	putf(b, "voice %zu %" PRIu64 "\n", p->n_voice, p->voice_unknown);
	for (i = 0; i < p->n_voice; i++) {
		putf(b, "party %" PRIu64 " ", p->voice[i].n);
		put_esc(b, p->voice[i].key);
		ll_buf_str(b, "\n");
	}
}

static void encode_lists(const struct ll_partial *p, struct ll_buf *b)
{
	size_t i;

	putf(b, "findings %zu\n", p->n_findings);
	for (i = 0; i < p->n_findings; i++) {
		const struct ll_voice_finding *f = &p->findings[i];

		putf(b, "finding %" PRIu32 " %ld %" PRId64 " ", f->file,
		     f->line, f->ts_us);
		put_esc(b, f->party);
		ll_buf_str(b, " ");
		put_esc(b, f->event_id);
		ll_buf_str(b, "\n");
	}
	putf(b, "ids %zu\n", p->n_ids);
	for (i = 0; i < p->n_ids; i++)
		ll_partial_encode_id(&p->ids[i], b);
}

/* v in decimal at the end of p; returns where its first digit is. */
static char *dec_back(char *p, uint64_t v)
{
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/* "id HASH LOG LINE ", then the escaped id: written by hand, since a
 * tally writes one per event (the same bytes as "%016" PRIx64 " %" PRIu32
 * " %ld "; the unit test compares them). */
void ll_partial_encode_id(const struct ll_partial_id *d, struct ll_buf *b)
{
	static const char hex[] = "0123456789abcdef";
	char head[3 + 16 + 1 + 10 + 1 + 21 + 1];
	char num[24], *q;
	size_t n = 0;
	int i;

	head[n++] = 'i';
	head[n++] = 'd';
	head[n++] = ' ';
	for (i = 15; i >= 0; i--)
		head[n++] = hex[(d->hash >> (4 * i)) & 15];
	head[n++] = ' ';
	q = dec_back(num + sizeof(num), d->log);
	memcpy(head + n, q, (size_t)(num + sizeof(num) - q));
	n += (size_t)(num + sizeof(num) - q);
	head[n++] = ' ';
	if (d->line < 0)
		head[n++] = '-';
	q = dec_back(num + sizeof(num),
		     d->line < 0 ? -(uint64_t)d->line : (uint64_t)d->line);
	memcpy(head + n, q, (size_t)(num + sizeof(num) - q));
	n += (size_t)(num + sizeof(num) - q);
	head[n++] = ' ';
	ll_buf_add(b, head, n);
	put_esc(b, d->id);
	ll_buf_add(b, "\n", 1);
}

void ll_partial_encode_head(const struct ll_partial *p, uint64_t n_ids,
			    struct ll_buf *b)
{
	struct ll_partial q = *p;

	q.ids = NULL;
	q.n_ids = 0;
	encode_head(&q, b);
	encode_sums(&q, b);
	encode_lists(&q, b);
	if (b->fail)
		return;
	b->n -= strlen("ids 0\n");
	putf(b, "ids %" PRIu64 "\n", n_ids);
}

void ll_partial_encode(const struct ll_partial *p, struct ll_buf *b)
{
	size_t start = b->n;
	uint8_t d[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN + 1];

	encode_head(p, b);
	encode_sums(p, b);
	encode_lists(p, b);
	if (b->fail)
		return;
	ll_hash_sha256(b->s + start, b->n - start, d);
	ll_hex(d, sizeof(d), hex);
	putf(b, "sha256 %s\n", hex);
}

/* ---- reading ---------------------------------------------------------- */

struct rd {
	const char *p, *end;	/* what is left of the content */
	const char *lp, *le;	/* what is left of the current line */
	const char *source;
	long line;
	struct ll_error *err;
	enum ll_status rc;
};

static bool bad(struct rd *r, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool bad(struct rd *r, const char *field, const char *fmt, ...)
{
	char text[LL_ERROR_TEXT_MAX];
	va_list ap;

	if (r->rc != LL_OK)
		return false;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->rc = ll_error_set(r->err, LL_INVALID, r->source, r->line, field,
			     "%s", text);
	return false;
}

/* The next space-separated token of the line; false at its end. */
static bool tok(struct rd *r, const char **s, size_t *n)
{
	const char *sp;

	if (r->rc != LL_OK || r->lp >= r->le)
		return false;
	sp = memchr(r->lp, ' ', (size_t)(r->le - r->lp));
	*s = r->lp;
	*n = (size_t)((sp ? sp : r->le) - r->lp);
	r->lp = sp ? sp + 1 : r->le;
	return *n > 0;
}

static bool need(struct rd *r, const char *field, const char **s, size_t *n)
{
	return tok(r, s, n) ||
	       bad(r, field, "missing or empty: the line is cut short");
}

/* The next line, which must start with the keyword kw. */
static bool next_line(struct rd *r, const char *kw)
{
	const char *nl, *s;
	size_t n;

	if (r->rc != LL_OK)
		return false;
	r->line++;
	if (r->p >= r->end)
		return bad(r, kw, "missing: the partial is truncated");
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	r->lp = r->p;
	r->le = nl ? nl : r->end;
	r->p = nl ? nl + 1 : r->end;
	if (!tok(r, &s, &n) || n != strlen(kw) || memcmp(s, kw, n) != 0)
		return bad(r, kw, "expected a line \"%s ...\"", kw);
	return true;
}

static bool line_end(struct rd *r, const char *field)
{
	return r->rc == LL_OK &&
	       (r->lp >= r->le || bad(r, field, "unexpected text at the end "
						"of the line"));
}

static bool get_u64(struct rd *r, const char *field, uint64_t *v)
{
	const char *s;
	size_t n, i;

	if (!need(r, field, &s, &n))
		return false;
	*v = 0;
	if (n > 1 && s[0] == '0')
		return bad(r, field, "not a decimal count");
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    *v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return bad(r, field, "not a decimal count");
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

static bool get_size(struct rd *r, const char *field, size_t *v, size_t max)
{
	uint64_t u;

	if (!get_u64(r, field, &u))
		return false;
	if (u > max)
		return bad(r, field, "%" PRIu64 " is more than %zu", u, max);
	*v = (size_t)u;
	return true;
}

static bool get_i64(struct rd *r, const char *field, int64_t *v)
{
	const char *s;
	size_t n;
	char tmp[24], *end;

	if (!need(r, field, &s, &n))
		return false;
	if (n >= sizeof(tmp))
		return bad(r, field, "not a decimal integer");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*v = strtoll(tmp, &end, 10);
	if (errno || *end || !(tmp[0] == '-' || (tmp[0] >= '0' && tmp[0] <= '9')))
		return bad(r, field, "not a decimal integer");
	return true;
}

static bool is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

static bool get_sha(struct rd *r, const char *field,
		    char out[LL_SHA256_HEX_LEN + 1])
{
	const char *s;
	size_t n;

	if (!need(r, field, &s, &n))
		return false;
	if (n != LL_SHA256_HEX_LEN || !is_hex(s, n))
		return bad(r, field, "not a SHA-256 in lower-case hex");
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A token with %XX escapes, decoded into a new string. */
static bool get_str(struct rd *r, const char *field, char **out)
{
	const char *s;
	size_t n, i, k = 0;
	char *d;

	if (!need(r, field, &s, &n))
		return false;
	d = malloc(n + 1);
	if (!d) {
		r->rc = ll_error_set(r->err, LL_NOMEM, NULL, 0, NULL,
				     "out of memory");
		return false;
	}
	for (i = 0; i < n; i++) {
		int hi = i + 2 < n ? unhex(s[i + 1]) : -1;
		int lo = i + 2 < n ? unhex(s[i + 2]) : -1;

		if (s[i] != '%') {
			d[k++] = s[i];
			continue;
		}
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(d);
			return bad(r, field, "a malformed %%XX escape");
		}
		d[k++] = (char)(hi * 16 + lo);
		i += 2;
	}
	d[k] = '\0';
	*out = d;
	return true;
}

/* "INT Q": x += INT (at x's scale) + Q. */
static bool get_xsum(struct rd *r, const char *field, struct ll_xsum *x)
{
	const char *s, *q;
	size_t n, m;
	char *zs = NULL, *qs = NULL;
	mpz_t z;
	mpq_t f;
	bool ok;

	if (!need(r, field, &s, &n) || !need(r, field, &q, &m))
		return false;
	ok = n < 4096 && m < 8192 && strspn(s, "0123456789") >= n &&
	     strspn(q, "0123456789/") >= m && (zs = strndup(s, n)) &&
	     (qs = strndup(q, m));
	mpz_init(z);
	mpq_init(f);
	ok = ok && mpz_set_str(z, zs, 10) == 0 && mpq_set_str(f, qs, 10) == 0 &&
	     mpz_sgn(mpq_denref(f)) > 0;
	if (ok) {
		char *back;

		mpq_canonicalize(f);
		back = mpq_get_str(NULL, 10, f);
		ok = back && strcmp(back, qs) == 0;
		free(back);
	}
	if (ok && (mpz_sgn(z) && ll_xsum_add_mpz(x, z) != LL_OK))
		ok = false;
	if (ok && (mpq_sgn(f) && ll_xsum_add_mpq(x, f) != LL_OK))
		ok = false;
	mpz_clear(z);
	mpq_clear(f);
	free(zs);
	free(qs);
	return ok || bad(r, field, "not an exact sum (INTEGER FRACTION)");
}

static bool get_mass(struct rd *r, const char *field, struct ll_mass *m)
{
	int64_t last;

	if (!get_u64(r, field, &m->events) || !get_i64(r, field, &last))
		return false;
	m->last_us = last;
	return get_xsum(r, field, &m->w) && get_xsum(r, field, &m->vw);
}

/* How many entries a list may claim: no more than the lines left. */
static size_t lines_left(const struct rd *r)
{
	return (size_t)(r->end - r->p) / 2 + 1;
}

static bool nomem(struct rd *r)
{
	r->rc = ll_error_set(r->err, LL_NOMEM, NULL, 0, NULL, "out of memory");
	return false;
}

static bool read_period(struct rd *r, struct ll_partial *p)
{
	const char *s;
	size_t n;

	if (!next_line(r, "period") || !need(r, "period", &s, &n))
		return false;
	if (n != 22 || memcmp(s + 10, "..", 2) != 0)
		return bad(r, "period", "expected YYYY-MM-DD..YYYY-MM-DD");
	memcpy(p->first, s, 10);
	memcpy(p->last, s + 12, 10);
	return line_end(r, "period");
}

static bool read_logs(struct rd *r, struct ll_partial *p)
{
	size_t i, n = 0;

	if (!next_line(r, "logs") || !get_size(r, "logs", &n, lines_left(r)) ||
	    !line_end(r, "logs"))
		return false;
	p->logs = calloc(n + 1, sizeof(*p->logs));
	if (!p->logs)
		return nomem(r);
	for (i = 0; i < n; i++, p->n_logs++) {
		struct ll_partial_log *l = &p->logs[i];

		if (!next_line(r, "log") || !get_u64(r, "log", &l->bytes) ||
		    !get_u64(r, "log", &l->lines) ||
		    !get_sha(r, "log", l->sha256) ||
		    !get_str(r, "log", &l->name) || !line_end(r, "log"))
			return false;
		if (i && cmp_log(&p->logs[i - 1], l) >= 0)
			return bad(r, "log", "logs out of order or repeated");
	}
	return true;
}

static bool read_head(struct rd *r, struct ll_partial *p)
{
	size_t i, n = 0;

	if (!next_line(r, "licensee") ||
	    !get_str(r, "licensee", &p->licensee) ||
	    !line_end(r, "licensee") || !read_period(r, p) ||
	    !next_line(r, "registry") ||
	    !get_sha(r, "registry", p->registry) ||
	    !line_end(r, "registry") || !next_line(r, "manifests") ||
	    !get_size(r, "manifests", &n, lines_left(r)) ||
	    !line_end(r, "manifests"))
		return false;
	p->manifests = calloc(n + 1, sizeof(*p->manifests));
	if (!p->manifests)
		return nomem(r);
	for (i = 0; i < n; i++, p->n_manifests++) {
		if (!next_line(r, "manifest") ||
		    !get_sha(r, "manifest", p->manifests[i]) ||
		    !line_end(r, "manifest"))
			return false;
		if (i && strcmp(p->manifests[i - 1], p->manifests[i]) > 0)
			return bad(r, "manifest", "manifests out of order");
	}
	return read_logs(r, p);
}

static bool read_slots(struct rd *r, struct ll_partial *p)
{
	size_t i, n = 0;

	if (!next_line(r, "slots") ||
	    !get_size(r, "slots", &p->n_slots_total, SIZE_MAX / 2) ||
	    !get_size(r, "slots", &n, lines_left(r)) || !line_end(r, "slots"))
		return false;
	if (n > p->n_slots_total)
		return bad(r, "slots", "more slots used than there are");
	p->slots = calloc(n + 1, sizeof(*p->slots));
	if (!p->slots)
		return nomem(r);
	for (i = 0; i < n; i++, p->n_slots++) {
		struct ll_partial_slot *s = &p->slots[i];

		ll_mass_init(&s->mass);
		if (!next_line(r, "slot") ||
		    !get_size(r, "slot", &s->index, p->n_slots_total - 1) ||
		    !get_mass(r, "slot", &s->mass) || !line_end(r, "slot"))
			return false;
		if (i && p->slots[i - 1].index >= s->index)
			return bad(r, "slot", "slots out of order");
	}
	return true;
}

/* n entries "kw COUNT KEY" (voice) or "kw KEY MASS" (unknown). */
static bool read_counts(struct rd *r, const char *kw, size_t n,
			struct ll_partial_count **out, size_t *n_out)
{
	struct ll_partial_count *v = calloc(n + 1, sizeof(*v));
	bool voice = strcmp(kw, "party") == 0;
	size_t i;

	*out = v;
	if (!v)
		return nomem(r);
	for (i = 0; i < n; i++, (*n_out)++) {
		ll_mass_init(&v[i].mass);
		if (!next_line(r, kw) ||
		    (voice && !get_u64(r, kw, &v[i].n)) ||
		    !get_str(r, kw, &v[i].key) ||
		    (!voice && !get_mass(r, kw, &v[i].mass)) ||
		    !line_end(r, kw))
			return false;
		if (i && strcmp(v[i - 1].key, v[i].key) >= 0)
			return bad(r, kw, "entries out of order or repeated");
	}
	return true;
}

static bool read_sums(struct rd *r, struct ll_partial *p)
{
	size_t n = 0;

	if (!next_line(r, "events") || !get_u64(r, "events", &p->events) ||
	    !line_end(r, "events") || !next_line(r, "attributions") ||
	    !get_u64(r, "attributions", &p->attributions) ||
	    !line_end(r, "attributions") || !next_line(r, "unattributed") ||
	    !get_mass(r, "unattributed", &p->unattributed) ||
	    !line_end(r, "unattributed") || !read_slots(r, p))
		return false;
	if (!next_line(r, "unknown") ||
	    !get_size(r, "unknown", &n, lines_left(r)) ||
	    !line_end(r, "unknown") ||
	    !read_counts(r, "ref", n, &p->unknown, &p->n_unknown))
		return false;
	return next_line(r, "voice") &&
	       get_size(r, "voice", &n, lines_left(r)) &&
	       get_u64(r, "voice", &p->voice_unknown) &&
	       line_end(r, "voice") &&
	       read_counts(r, "party", n, &p->voice, &p->n_voice);
}

static bool read_findings(struct rd *r, struct ll_partial *p)
{
	size_t i, n = 0;

	if (!next_line(r, "findings") ||
	    !get_size(r, "findings", &n, LL_TALLY_FINDINGS_MAX) ||
	    !line_end(r, "findings"))
		return false;
	p->findings = calloc(n + 1, sizeof(*p->findings));
	if (!p->findings)
		return nomem(r);
	for (i = 0; i < n; i++, p->n_findings++) {
		struct ll_voice_finding *f = &p->findings[i];
		uint64_t file, line;

		if (!next_line(r, "finding") || !get_u64(r, "finding", &file) ||
		    !get_u64(r, "finding", &line) ||
		    !get_i64(r, "finding", &f->ts_us) ||
		    !get_str(r, "finding", &f->party) ||
		    !get_str(r, "finding", &f->event_id) ||
		    !line_end(r, "finding"))
			return false;
		if (file >= p->n_logs || line > LONG_MAX)
			return bad(r, "finding", "no such log or line");
		f->file = (uint32_t)file;
		f->line = (long)line;
		if (i && cmp_finding(&p->findings[i - 1], f) > 0)
			return bad(r, "finding", "findings out of order");
	}
	return true;
}

/* One "id HASH LOG LINE ID" line into d (its id owned by the caller even
 * on failure), n_logs the partial's logs. */
static bool read_id(struct rd *r, size_t n_logs, struct ll_partial_id *d)
{
	const char *s;
	size_t len;
	uint64_t log, line;

	if (!next_line(r, "id") || !need(r, "id", &s, &len))
		return false;
	if (len != 16 || !is_hex(s, len))
		return bad(r, "id", "not a 16-digit hex hash");
	d->hash = strtoull(s, NULL, 16);
	if (!get_u64(r, "id", &log) || !get_u64(r, "id", &line) ||
	    !get_str(r, "id", &d->id) || !line_end(r, "id"))
		return false;
	if (log >= n_logs || line > LONG_MAX)
		return bad(r, "id", "no such log or line");
	d->log = (uint32_t)log;
	d->line = (long)line;
	if (ll_event_id_hash(d->id, strlen(d->id)) != d->hash)
		return bad(r, "id", "the hash does not match the id");
	return true;
}

static bool read_ids(struct rd *r, struct ll_partial *p)
{
	size_t i, n = 0;

	if (!next_line(r, "ids") || !get_size(r, "ids", &n, lines_left(r)) ||
	    !line_end(r, "ids"))
		return false;
	p->ids = calloc(n + 1, sizeof(*p->ids));
	if (!p->ids)
		return nomem(r);
	for (i = 0; i < n; i++) {
		bool ok = read_id(r, p->n_logs, &p->ids[i]);

		/* held from here, whole or not, so that the release of the
		 * partial frees what read_id allocated, also on failure */
		p->n_ids++;
		if (!ok)
			return false;
		if (i && cmp_id(&p->ids[i - 1], &p->ids[i]) >= 0)
			return bad(r, "id", "ids out of order or repeated");
	}
	return true;
}

/* The last line is "sha256 HEX", the SHA-256 of everything before it:
 * *content_len gets where that line starts. */
static enum ll_status check_sum(struct ll_partial *p, const char *text,
				size_t len, const char *source,
				size_t *content_len, struct ll_error *err)
{
	size_t start = len ? len - 1 : 0;
	uint8_t d[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN + 1];
	long lines = 1;
	size_t i;

	while (start > 0 && text[start - 1] != '\n')
		start--;
	for (i = 0; i < start; i++)
		lines += text[i] == '\n';
	if (!len || text[len - 1] != '\n' || len - start != 72 ||
	    memcmp(text + start, "sha256 ", 7) != 0 ||
	    !is_hex(text + start + 7, LL_SHA256_HEX_LEN))
		return ll_error_set(err, LL_INVALID, source, lines, "sha256",
				    "no checksum line at the end: the partial "
				    "is truncated or damaged");
	ll_hash_sha256(text, start, d);
	ll_hex(d, sizeof(d), hex);
	if (memcmp(hex, text + start + 7, LL_SHA256_HEX_LEN) != 0)
		return ll_error_set(err, LL_INVALID, source, lines, "sha256",
				    "checksum mismatch: the partial was "
				    "changed or damaged after it was written");
	memcpy(p->sha256, hex, sizeof(hex));
	*content_len = start;
	return LL_OK;
}

/* The first line: the magic and a format version this code reads.  The
 * error (and r->rc) when not; r->p after the version. */
static enum ll_status read_version(struct rd *r)
{
	size_t mlen = sizeof(MAGIC) - 1, len = (size_t)(r->end - r->p);
	uint64_t version = 0;

	if (len < mlen + 1 || memcmp(r->p, MAGIC, mlen) != 0 ||
	    r->p[mlen] != ' ')
		return r->rc = ll_error_set(r->err, LL_INVALID, r->source, 1,
					    "version",
					    "not a ledgerline partial (made "
					    "by 'ledgerline tally')");
	if (!next_line(r, MAGIC) || !get_u64(r, "version", &version))
		return r->rc;
	if (version != LL_PARTIAL_VERSION)
		return r->rc = ll_error_set(r->err, LL_INVALID, r->source, 1,
					    "version",
					    "format version %" PRIu64 " is "
					    "not supported (this ledgerline "
					    "reads version %d)",
					    version, LL_PARTIAL_VERSION);
	return LL_OK;
}

enum ll_status ll_partial_decode(struct ll_partial *p, const char *text,
				 size_t len, const char *source,
				 struct ll_error *err)
{
	struct rd r = { text, text + len, NULL, NULL, source, 0, err, LL_OK };
	size_t content = 0;

	if (read_version(&r) != LL_OK)
		return r.rc;
	if (check_sum(p, text, len, source, &content, err) != LL_OK)
		return LL_INVALID;
	r.end = text + content;
	if (line_end(&r, "version") && read_head(&r, p) && read_sums(&r, p) &&
	    read_findings(&r, p) && read_ids(&r, p) && r.p < r.end)
		bad(&r, "sha256", "text after the ids");
	return r.rc;
}

enum ll_status ll_partial_decode_head(struct ll_partial *p, const char *text,
				      size_t len, const char *source,
				      uint64_t *n_ids, struct ll_error *err)
{
	struct rd r = { text, text + len, NULL, NULL, source, 0, err, LL_OK };

	if (read_version(&r) != LL_OK)
		return r.rc;
	if (line_end(&r, "version") && read_head(&r, p) && read_sums(&r, p) &&
	    read_findings(&r, p) && next_line(&r, "ids") &&
	    get_u64(&r, "ids", n_ids) && line_end(&r, "ids") && r.p < r.end)
		bad(&r, "ids", "text after the count of ids");
	return r.rc;
}

enum ll_status ll_partial_decode_id(struct ll_partial_id *d, const char *text,
				    size_t len, size_t n_logs,
				    const char *source, long line,
				    struct ll_error *err)
{
	struct rd r = { text, text + len, NULL, NULL, source, line - 1, err,
			LL_OK };

	d->id = NULL;
	if (!read_id(&r, n_logs, d) || r.p < r.end) {
		free(d->id);
		d->id = NULL;
		if (r.rc == LL_OK)
			bad(&r, "id", "more than one line");
	}
	return r.rc;
}

int ll_partial_id_cmp(const struct ll_partial_id *x,
		      const struct ll_partial_id *y)
{
	return cmp_id(x, y);
}

/* Is stream a's id before stream b's (by id, then index)? */
static bool id_before(const struct ll_partial_id *const *cur, size_t a,
		      size_t b)
{
	int c = cmp_id(cur[a], cur[b]);

	return c ? c < 0 : a < b;
}

void ll_partial_id_sift(const struct ll_partial_id *const *cur,
			size_t *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i, t;

		if (l < n && id_before(cur, heap[l], heap[m]))
			m = l;
		if (l + 1 < n && id_before(cur, heap[l + 1], heap[m]))
			m = l + 1;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

/* ---- checking partials against a run ---------------------------------- */

/* The first of the run's manifest digests the partial lacks, or the
 * partial's the run lacks; NULL when the sets are equal. */
static const char *manifest_diff(const struct ll_partial *p,
				 const struct ll_partial_bind *b,
				 const char **whose)
{
	const char **v = calloc(b->n_manifests + 1, sizeof(*v));
	const char *d = NULL;
	size_t i;

	LL_ENSURE(v != NULL);
	memcpy(v, b->manifests, b->n_manifests * sizeof(*v));
	qsort(v, b->n_manifests, sizeof(*v), qcmp_ptr_str);
	for (i = 0; !d && i < b->n_manifests && i < p->n_manifests; i++) {
		int c = strcmp(v[i], p->manifests[i]);

		if (c)
			d = c < 0 ? v[i] : p->manifests[i];
		if (c)
			*whose = c < 0 ? "the run's" : "the partial's";
	}
	if (!d && b->n_manifests != p->n_manifests) {
		d = b->n_manifests > p->n_manifests ? v[i] : p->manifests[i];
		*whose = b->n_manifests > p->n_manifests ? "the run's"
							 : "the partial's";
	}
	free(v);
	return d;
}

static size_t check_bind(const struct ll_partial *p, const char *name,
			 const struct ll_partial_bind *b,
			 struct ll_errlist *errs)
{
	const char *whose = NULL, *d = manifest_diff(p, b, &whose);
	size_t n = 0;

	if (strcmp(p->licensee, b->licensee) != 0 && ++n)
		ll_errlist_addf(errs, LL_INVALID, name, 0, "licensee",
				"the partial is of licensee %s, the run of %s",
				p->licensee, b->licensee);
	if ((strcmp(p->first, b->first) || strcmp(p->last, b->last)) && ++n)
		ll_errlist_addf(errs, LL_INVALID, name, 0, "period",
				"the partial is of %s..%s, the run of %s..%s",
				p->first, p->last, b->first, b->last);
	if (strcmp(p->registry, b->registry) != 0 && ++n)
		ll_errlist_addf(errs, LL_INVALID, name, 0, "registry",
				"the partial was made with registry snapshot "
				"%.16s…, the run has %.16s… (the registry "
				"changed: make the partial again)",
				p->registry, b->registry);
	if (d && ++n)
		ll_errlist_addf(errs, LL_INVALID, name, 0, "manifests",
				"not the run's manifests: %s manifest with "
				"SHA-256 %.16s… is not in the other set",
				whose, d);
	return n;
}

struct id_ref {
	const struct ll_partial_id *id;
	uint32_t part;
};

static int qcmp_ref(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;
	int c = cmp_id(x->id, y->id);

	if (c)
		return c;
	return (x->part > y->part) - (x->part < y->part);
}

static size_t check_ids(const struct ll_partial *v, const char *const *names,
			size_t n, struct ll_errlist *errs, enum ll_status *rc)
{
	struct id_ref *all;
	size_t i, j, k = 0, found = 0;

	for (i = 0; i < n; i++)
		k += v[i].n_ids;
	all = malloc((k ? k : 1) * sizeof(*all));
	if (!all) {
		*rc = LL_NOMEM;
		return 0;
	}
	for (i = 0, k = 0; i < n; i++) {
		for (j = 0; j < v[i].n_ids; j++, k++) {
			all[k].id = &v[i].ids[j];
			all[k].part = (uint32_t)i;
		}
	}
	qsort(all, k, sizeof(*all), qcmp_ref);
	for (i = 1; i < k; i++) {
		const struct id_ref *a = &all[i - 1], *b = &all[i];

		if (cmp_id(a->id, b->id) != 0)
			continue;
		found++;
		ll_errlist_addf(errs, LL_INVALID, names[b->part], 0, "id",
				"duplicate event id \"%.64s\": in %s (%s:%ld) "
				"and in %s (%s:%ld)",
				b->id->id, names[a->part],
				v[a->part].logs[a->id->log].name, a->id->line,
				names[b->part],
				v[b->part].logs[b->id->log].name, b->id->line);
	}
	free(all);
	return found;
}

size_t ll_partials_check(const struct ll_partial *v, const char *const *names,
			 size_t n, const struct ll_partial_bind *bind,
			 struct ll_errlist *errs, enum ll_status *rc)
{
	size_t i, found = 0;

	*rc = LL_OK;
	for (i = 0; i < n; i++)
		found += check_bind(&v[i], names[i], bind, errs);
	return found + check_ids(v, names, n, errs, rc);
}

/* ---- into a run's tally ----------------------------------------------- */

/* The partial's counts and findings as a tally of t's run (tmp). */
static enum ll_status fill_tmp(struct ll_tally *tmp, const struct ll_partial *p,
			       const uint32_t *log_map, const char *source,
			       struct ll_error *err)
{
	const struct ll_registry *reg = tmp->ctx->reg;
	enum ll_status rc = LL_OK;
	size_t i, party;

	for (i = 0; i < p->n_slots && rc == LL_OK; i++)
		rc = ll_mass_merge(&tmp->slots[p->slots[i].index],
				   &p->slots[i].mass);
	tmp->unknown = calloc(p->n_unknown + 1, sizeof(*tmp->unknown));
	tmp->voice = calloc(p->n_findings + 1, sizeof(*tmp->voice));
	if (!tmp->unknown || !tmp->voice)
		return LL_NOMEM;
	for (i = 0; i < p->n_unknown && rc == LL_OK; i++, tmp->n_unknown++) {
		tmp->unknown[i].key = strdup(p->unknown[i].key);
		rc = mass_copy(&tmp->unknown[i].mass, &p->unknown[i].mass);
		if (!tmp->unknown[i].key || strchr(tmp->unknown[i].key, ':') ==
						    NULL)
			rc = rc == LL_OK && tmp->unknown[i].key ? LL_INVALID
								: LL_NOMEM;
	}
	for (i = 0; i < p->n_voice && rc == LL_OK; i++) {
		if (!ll_strmap_get(&reg->parties.ix, p->voice[i].key, &party))
			return ll_error_set(err, LL_INVALID, source, 0, "party",
					    "%s is not in the registry",
					    p->voice[i].key);
		tmp->voice_counts[party] += p->voice[i].n;
	}
	for (i = 0; i < p->n_findings && rc == LL_OK; i++, tmp->n_voice++) {
		tmp->voice[i] = p->findings[i];
		tmp->voice[i].file = log_map[p->findings[i].file];
		tmp->voice[i].event_id = strdup(p->findings[i].event_id);
		tmp->voice[i].party = strdup(p->findings[i].party);
		if (!tmp->voice[i].event_id || !tmp->voice[i].party)
			rc = LL_NOMEM;
	}
	tmp->cap_unknown = tmp->n_unknown;
	tmp->cap_voice = tmp->n_voice;
	return rc;
}

enum ll_status ll_partial_add(struct ll_tally *t, const struct ll_partial *p,
			      const uint32_t *log_map, const char *source,
			      struct ll_error *err)
{
	struct ll_tally tmp;
	enum ll_status rc;

	if (p->n_slots_total != t->ctx->elig->n_slots)
		return ll_error_set(err, LL_INVALID, source, 0, "slots",
				    "made over %zu eligibility slots, the run "
				    "has %zu",
				    p->n_slots_total, t->ctx->elig->n_slots);
	rc = ll_tally_init(&tmp, t->ctx);
	if (rc == LL_OK)
		rc = fill_tmp(&tmp, p, log_map, source, err);
	if (rc == LL_OK)
		rc = ll_mass_merge(&tmp.unattributed, &p->unattributed);
	tmp.events = p->events;
	tmp.attributions = p->attributions;
	tmp.voice_unknown = p->voice_unknown;
	if (rc == LL_OK)
		rc = ll_tally_merge(t, &tmp);
	if (tmp.slots)
		ll_tally_release(&tmp);
	if (rc == LL_INVALID && !err->text[0])
		ll_error_set(err, rc, source, 0, "ref", "a malformed key");
	else if (rc == LL_NOMEM)
		ll_error_set(err, rc, NULL, 0, NULL, "out of memory");
	return rc;
}

/*
 * event.c — one generation-log event (SPEC §2.3): a single NDJSON line
 * parsed and validated into a struct ll_event.
 *
 * Design decision: the slow path (jansson) is the contract; the fast path
 * is a hand-written scanner for the common shape (one object, known keys
 * in any order, strings of printable ASCII without escapes) that gives up
 * silently — err NULL, nothing formatted — on anything else, after which
 * the slow path re-parses the line from scratch and alone says what is
 * wrong.  Both paths hand values to the same take_* validators; the fast
 * path decodes only the hottest values itself (identifiers, plain
 * decimals, canonical ISRCs), and each such shortcut accepts a subset of
 * what its take_* function accepts, with the same result — which the
 * differential fuzz test checks.  Every string *ev points to is copied
 * into one arena owned by the parser and sized before parsing begins (a
 * decoded JSON string is never longer than its encoding, so the line's
 * length bounds the total): no pointer handed out can move, and once the
 * parser has warmed up no line costs a malloc.
 */
#include "ledgerline/event.h"

#include "event_internal.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/ident.h"
#include "ledgerline/jsonx.h"
#include "ledgerline/refix.h"

enum {
	EVENT_DEPTH_MAX = 8,		/* JSON nesting (a valid event has 3) */
	TS_BYTES_MAX = 40,		/* longer than any valid timestamp (27) */
	ISRC_IN_BYTES_MAX = 128,	/* as ident.h: longer input is rejected */
	QUOTE_SHOWN_MAX = 80,		/* input bytes shown in an error */
	QUOTE_BUF_BYTES = 4 * QUOTE_SHOWN_MAX + 4,
	DUP_PAIRWISE_MAX = 16,		/* attributions checked pairwise */
	ARENA_SLACK_BYTES = 64,
	/* ll_event_parse_line_fast looks no further for a line's end: a
	 * longer line goes the way of ll_event_parse */
	FAST_LINE_BYTES_MAX = 64 * 1024,
	ARENA_INITIAL_BYTES = 4096,
};

#define NO_INDEX SIZE_MAX

static const ll_i128 ONE18 = (ll_i128)1000000000000000000LL;

/* 10^0 .. 10^18, all of which fit in int64. */
static const int64_t POW10[LL_EXACT_FRACDIGITS_MAX + 1] = {
	1LL,
	10LL,
	100LL,
	1000LL,
	10000LL,
	100000LL,
	1000000LL,
	10000000LL,
	100000000LL,
	1000000000LL,
	10000000000LL,
	100000000000LL,
	1000000000000LL,
	10000000000000LL,
	100000000000000LL,
	1000000000000000LL,
	10000000000000000LL,
	100000000000000000LL,
	1000000000000000000LL,
};

/* A string value as bytes: not NUL-terminated; decoded (no escapes). */
struct span {
	const char *s;
	size_t len;
};

/* Byte classes of the fast path (ll_event_parser.cls). */
enum {
	CLS_STR = 1,	/* in a fast-path string: printable ASCII but '"', '\\' */
	CLS_ID = 2,	/* in an identifier: [A-Za-z0-9._:-], as ll_id_valid */
};

struct ll_event_parser {
	unsigned char cls[256];		/* CLS_* of each byte */
	char *arena;			/* every string *ev points to */
	size_t arena_cap;
	size_t arena_len;
	struct ll_attr *attr;		/* LL_EVENT_ATTRIBUTIONS_MAX entries */
	const struct ll_attr **order;	/* scratch: duplicate search */
	mpq_t frac_sum;			/* Σ of the weights that are fractions */
	mpq_t q;			/* scratch */
	bool fast_enabled;
	bool last_fast;
	const struct ll_refix *prefetch[2];	/* by enum ll_ref_kind */
	/* the fast path's last currency, valid with its exponent: the
	 * next event's is most often the same */
	char cur[3];
	int cur_exponent;			/* -1: none yet */
};

static void fast_classes(unsigned char cls[256]);

/* ---- parser lifecycle ---------------------------------------------------- */

struct ll_event_parser *ll_event_parser_new(void)
{
	struct ll_event_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->arena = malloc(ARENA_INITIAL_BYTES);
	p->attr = malloc(LL_EVENT_ATTRIBUTIONS_MAX * sizeof(*p->attr));
	p->order = malloc(LL_EVENT_ATTRIBUTIONS_MAX * sizeof(*p->order));
	if (!p->arena || !p->attr || !p->order) {
		free(p->arena);
		free(p->attr);
		free(p->order);
		free(p);
		return NULL;
	}
	p->arena_cap = ARENA_INITIAL_BYTES;
	fast_classes(p->cls);
	mpq_init(p->frac_sum);
	mpq_init(p->q);
	p->fast_enabled = true;
	p->cur_exponent = -1;
	return p;
}

void ll_event_parser_free(struct ll_event_parser *p)
{
	if (!p)
		return;
	mpq_clear(p->frac_sum);
	mpq_clear(p->q);
	free(p->arena);
	free(p->attr);
	free(p->order);
	free(p);
}

bool ll_event_parser_last_fast(const struct ll_event_parser *p)
{
	assert(p);
	return p->last_fast;
}

void ll_event_parser_set_prefetch(struct ll_event_parser *p,
				  const struct ll_refix *work,
				  const struct ll_refix *isrc)
{
	assert(p);
	p->prefetch[LL_REF_WORK] = work;
	p->prefetch[LL_REF_ISRC] = isrc;
}

void ll_event_parser_set_fast(struct ll_event_parser *p, bool enabled)
{
	assert(p);
	p->fast_enabled = enabled;
}

/* ---- arena ---------------------------------------------------------------- */

/* Empty the arena and make room for need bytes; the old contents (the
 * previous event) are dropped. */
static enum ll_status arena_reset(struct ll_event_parser *p, size_t need)
{
	if (need > p->arena_cap) {
		size_t cap = p->arena_cap * 2 > need ? p->arena_cap * 2 : need;
		char *a = malloc(cap);

		if (!a)
			return LL_NOMEM;
		free(p->arena);
		p->arena = a;
		p->arena_cap = cap;
	}
	p->arena_len = 0;
	return LL_OK;
}

/* Copy s[0..len) and a NUL into the arena; returns the borrowed copy.  The
 * arena was sized for the whole line, so running out is a bug. */
static const char *arena_copy(struct ll_event_parser *p, const char *s,
			      size_t len)
{
	char *d;

	LL_ENSURE(len < p->arena_cap - p->arena_len);
	d = p->arena + p->arena_len;
	memcpy(d, s, len);
	d[len] = '\0';
	p->arena_len += len + 1;
	return d;
}

/* ---- errors --------------------------------------------------------------- */

/*
 * Write s[0..len) into out for an error message: printable ASCII as is
 * ('"' and '\\' backslash-escaped when esc_quotes, for the body of a
 * double-quoted string), every other byte as \xNN; at most QUOTE_SHOWN_MAX
 * bytes, then "...".
 */
static void show_bytes(char out[QUOTE_BUF_BYTES], const char *s, size_t len,
		       bool esc_quotes)
{
	static const char hex[] = "0123456789abcdef";
	size_t shown = len < QUOTE_SHOWN_MAX ? len : QUOTE_SHOWN_MAX;
	size_t o = 0, i;

	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)s[i];

		if (esc_quotes && (c == '"' || c == '\\')) {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	if (shown < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void quote(char out[QUOTE_BUF_BYTES], const char *s, size_t len)
{
	show_bytes(out, s, len, true);
}

/*
 * Report an invalid value and return false.  The field path is name (a
 * top-level key, or "" for the whole line) when idx is NO_INDEX, else
 * "attribution[idx]" followed by ".name" unless name is NULL.  With err
 * NULL (the fast path) nothing is formatted: failing costs nothing.
 */
__attribute__((format(printf, 4, 5)))
static bool fail(struct ll_error *err, size_t idx, const char *name,
		 const char *fmt, ...)
{
	char field[LL_ERROR_FIELD_MAX];
	char text[LL_ERROR_TEXT_MAX];
	va_list ap;

	if (!err)
		return false;
	if (idx == NO_INDEX)
		ll_str_copy_cut(field, sizeof(field), name ? name : "");
	else if (name)
		snprintf(field, sizeof(field), "attribution[%zu].%s", idx, name);
	else
		snprintf(field, sizeof(field), "attribution[%zu]", idx);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ll_error_set(err, LL_INVALID, NULL, 0, field, "%s", text);
	return false;
}

/* A JSON value's type for messages, with its article.  (Own words rather
 * than jsonx's, so this module's messages do not shift with that one.) */
static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* ---- validators, shared by both paths ------------------------------------- */

/*
 * Each take_* function checks one string value (already known to be a
 * string), stores its meaning in *ev / the arena, and returns true; or
 * reports through fail() and returns false.  The spans never hold NUL
 * bytes (the fast path admits printable ASCII only; the slow path rejects
 * NUL before calling these).
 */

static bool take_id(struct ll_event_parser *p, struct span v, size_t idx,
		    const char *name, struct ll_error *err, const char **out)
{
	char qs[QUOTE_BUF_BYTES];
	const char *c;

	if (v.len > 0 && v.len <= LL_ID_LEN_MAX) {
		c = arena_copy(p, v.s, v.len);
		if (ll_id_valid(c)) {
			*out = c;
			return true;
		}
	}
	if (!err)
		return false;
	quote(qs, v.s, v.len);
	return fail(err, idx, name,
		    "invalid identifier \"%s\": must be 1-64 characters of "
		    "A-Z a-z 0-9 . _ : -",
		    qs);
}

static bool take_model(struct ll_event_parser *p, struct span v,
		       struct ll_error *err, struct ll_event *ev)
{
	if (v.len == 0 || v.len > LL_EVENT_MODEL_BYTES_MAX)
		return fail(err, NO_INDEX, "model",
			    "must be 1 to %d bytes, not %zu",
			    (int)LL_EVENT_MODEL_BYTES_MAX, v.len);
	ev->model = arena_copy(p, v.s, v.len);
	return true;
}

static bool take_ts(struct span v, struct ll_error *err, struct ll_event *ev)
{
	char buf[TS_BYTES_MAX + 1];
	char qs[QUOTE_BUF_BYTES];
	const char *why = NULL;
	/* A longer string cannot be valid; cut, it still fails in ident. */
	size_t n = v.len < TS_BYTES_MAX ? v.len : TS_BYTES_MAX;

	memcpy(buf, v.s, n);
	buf[n] = '\0';
	if (ll_timestamp_parse(buf, &ev->ts_us, &why))
		return true;
	if (!err)
		return false;
	quote(qs, v.s, v.len);
	return fail(err, NO_INDEX, "ts", "invalid timestamp \"%s\": %s", qs,
		    why ? why : "malformed");
}

static bool take_currency(struct span v, struct ll_error *err,
			  struct ll_event *ev)
{
	char qs[QUOTE_BUF_BYTES];

	if (v.len == 3) {
		memcpy(ev->currency, v.s, 3);
		ev->currency[3] = '\0';
		ev->currency_exponent = ll_currency_exponent(ev->currency);
		if (ev->currency_exponent >= 0)
			return true;
	}
	if (!err)
		return false;
	quote(qs, v.s, v.len);
	return fail(err, NO_INDEX, "currency",
		    "unknown currency \"%s\": must be an ISO 4217 code with "
		    "minor units, such as \"EUR\"",
		    qs);
}

/* An exact string (SPEC §2): a decimal into out->dec, or a fraction kept as
 * its text (copied into the arena) for the caller to parse with mpq. */
static bool take_exact(struct ll_event_parser *p, struct span v, size_t idx,
		       const char *name, struct ll_error *err,
		       struct ll_num *out)
{
	struct ll_error e;
	enum ll_status rc;

	rc = ll_exact_parse_dec(&out->dec, v.s, v.len, err ? &e : NULL);
	if (rc == LL_OK) {
		out->is_dec = true;
		out->raw = NULL;
		out->raw_len = 0;
		return true;
	}
	if (rc == LL_USAGE) {
		out->is_dec = false;
		out->dec.mant = 0;
		out->dec.scale = 0;
		out->raw = arena_copy(p, v.s, v.len);
		out->raw_len = v.len;
		return true;
	}
	return fail(err, idx, name, "%s", err ? e.text : "");
}

/* The work id or ISRC of attribution idx into a->ref. */
static bool take_ref(struct ll_event_parser *p, enum ll_ref_kind kind,
		     struct span v, size_t idx, struct ll_error *err,
		     struct ll_attr *a)
{
	char in[ISRC_IN_BYTES_MAX + 2];
	char canon[13];
	char qs[QUOTE_BUF_BYTES];
	const char *why = NULL;
	size_t n;

	a->kind = kind;
	if (kind == LL_REF_WORK)
		return take_id(p, v, idx, "work", err, &a->ref);
	/* Longer than ISRC_IN_BYTES_MAX: cut to one byte over, which ident
	 * rejects as it would the whole. */
	n = v.len <= ISRC_IN_BYTES_MAX ? v.len : ISRC_IN_BYTES_MAX + 1;
	memcpy(in, v.s, n);
	in[n] = '\0';
	if (ll_isrc_normalise(in, canon, &why)) {
		a->ref = arena_copy(p, canon, 12);
		return true;
	}
	if (!err)
		return false;
	quote(qs, v.s, v.len);
	return fail(err, idx, "isrc", "invalid ISRC \"%s\": %s", qs,
		    why ? why : "malformed");
}

/*
 * Add one parsed weight to the event's running sums: weight_sum18 for a
 * decimal, p->frac_sum for a fraction (which clears all_dec).  Returns
 * false, adding nothing, when the weight is more than 1.
 */
static bool add_weight(struct ll_event_parser *p, struct ll_event *ev,
		       const struct ll_num *w)
{
	enum ll_status rc;

	if (w->is_dec) {
		const struct ll_dec *d = &w->dec;

		assert(d->mant >= 0);
		assert(d->scale >= 0 && d->scale <= LL_EXACT_FRACDIGITS_MAX);
		if (d->mant > (ll_i128)POW10[d->scale])
			return false;
		/* mant <= 10^scale, so the term is <= 10^18. */
		ev->weight_sum18 +=
			d->mant *
			(ll_i128)POW10[LL_EXACT_FRACDIGITS_MAX - d->scale];
		return true;
	}
	rc = ll_exact_parse(p->q, w->raw, w->raw_len, NULL);
	LL_ENSURE(rc == LL_OK); /* take_exact validated it */
	if (ev->all_dec) {
		mpq_set_ui(p->frac_sum, 0, 1);
		ev->all_dec = false;
	}
	if (mpq_cmp_ui(p->q, 1, 1) > 0)
		return false;
	mpq_add(p->frac_sum, p->frac_sum, p->q);
	return true;
}

static bool weight_over_one(struct span v, size_t idx, struct ll_error *err)
{
	char qs[QUOTE_BUF_BYTES];

	if (!err)
		return false;
	quote(qs, v.s, v.len);
	return fail(err, idx, "weight",
		    "weight \"%s\" is more than 1 (a weight is the fraction of "
		    "the output attributed to the work)",
		    qs);
}

/* The weight of attribution idx: an exact number in [0, 1], into a->weight
 * and the event's sums. */
static bool take_weight(struct ll_event_parser *p, struct span v, size_t idx,
			struct ll_error *err, struct ll_event *ev,
			struct ll_attr *a)
{
	if (!take_exact(p, v, idx, "weight", err, &a->weight))
		return false;
	return add_weight(p, ev, &a->weight) || weight_over_one(v, idx, err);
}

static int cmp_attr_ptr(const void *a, const void *b)
{
	const struct ll_attr *x = *(const struct ll_attr *const *)a;
	const struct ll_attr *y = *(const struct ll_attr *const *)b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(x->ref, y->ref);
	if (c != 0)
		return c;
	return x < y ? -1 : x > y ? 1 : 0;	/* same array: index order */
}

static bool same_ref(const struct ll_attr *x, const struct ll_attr *y)
{
	return x->ref_hash == y->ref_hash && x->kind == y->kind &&
	       x->ref_len == y->ref_len &&
	       memcmp(x->ref, y->ref, x->ref_len) == 0;
}

/*
 * The first attribution j (in order) that names the same work id or the
 * same canonical ISRC as an earlier one, i; false when there is none.
 * Pairwise for few attributions, by sorting beyond that (up to 1024).
 */
static bool find_duplicate(struct ll_event_parser *p, const struct ll_event *ev,
			   size_t *first, size_t *dup)
{
	size_t n = ev->n_attr, i, j, best = SIZE_MAX, best_first = 0;

	if (n <= DUP_PAIRWISE_MAX) {
		for (j = 1; j < n; j++) {
			for (i = 0; i < j; i++) {
				if (same_ref(&ev->attr[i], &ev->attr[j])) {
					*first = i;
					*dup = j;
					return true;
				}
			}
		}
		return false;
	}
	for (i = 0; i < n; i++)
		p->order[i] = &ev->attr[i];
	qsort(p->order, n, sizeof(*p->order), cmp_attr_ptr);
	/* In each run of equal refs (sorted by index), the second is the
	 * first repeat of that ref; the answer is the earliest such. */
	for (i = 0; i + 1 < n; i = j) {
		for (j = i + 1; j < n && same_ref(p->order[i], p->order[j]); j++)
			;
		if (j > i + 1) {
			size_t d = (size_t)(p->order[i + 1] - ev->attr);

			if (d < best) {
				best = d;
				best_first = (size_t)(p->order[i] - ev->attr);
			}
		}
	}
	if (best == SIZE_MAX)
		return false;
	*first = best_first;
	*dup = best;
	return true;
}

/* Each attribution's ref_len and ref_hash (the fast path sets them as it
 * goes). */
static void hash_refs(struct ll_event *ev)
{
	size_t i;

	for (i = 0; i < ev->n_attr; i++) {
		struct ll_attr *x = &ev->attr[i];

		x->ref_len = strlen(x->ref);
		x->ref_hash = ll_refix_hash(x->ref, x->ref_len);
	}
}

/* After every attribution is taken, and its reference hashed: no
 * repeated work, Σ weight <= 1. */
static bool finish_attribution(struct ll_event_parser *p, struct ll_event *ev,
			       struct ll_error *err)
{
	const struct ll_attr *a;
	size_t i, j;
	bool over;

	if (find_duplicate(p, ev, &i, &j)) {
		a = &ev->attr[j];
		return fail(err, j, a->kind == LL_REF_WORK ? "work" : "isrc",
			    "%s \"%s\" is attributed twice (first at "
			    "attribution[%zu])",
			    a->kind == LL_REF_WORK ? "work" : "ISRC", a->ref, i);
	}
	/* Each weight is <= 1, so n <= 1024 of them sum to < 2^127. */
	if (ev->all_dec) {
		over = ev->weight_sum18 > ONE18;
	} else {
		ll_mpz_set_i128(mpq_numref(p->q), ev->weight_sum18);
		mpz_ui_pow_ui(mpq_denref(p->q), 10, LL_EXACT_FRACDIGITS_MAX);
		mpq_canonicalize(p->q);
		mpq_add(p->q, p->q, p->frac_sum);
		over = mpq_cmp_ui(p->q, 1, 1) > 0;
		ev->weight_sum18 = 0;	/* undefined when !all_dec */
	}
	if (!over)
		return true;
	if (err) {
		mpq_t sum;
		char *s;

		mpq_init(sum);
		if (ev->all_dec) {
			ll_mpz_set_i128(mpq_numref(sum), ev->weight_sum18);
			mpz_ui_pow_ui(mpq_denref(sum), 10, LL_EXACT_FRACDIGITS_MAX);
			mpq_canonicalize(sum);
		} else {
			mpq_set(sum, p->q);	/* the exact total, from above */
		}
		s = ll_exact_fraction_str(sum);
		fail(err, NO_INDEX, "attribution",
		     "weights sum to %s, more than 1", s ? s : "?");
		free(s);
		mpq_clear(sum);
	}
	return false;
}

/* Reset *ev and the per-event sums before a path starts. */
static void event_start(struct ll_event_parser *p, struct ll_event *ev)
{
	/* a copy rather than memset: a few vector stores instead of a
	 * string instruction that showed in profiles */
	static const struct ll_event zero;

	*ev = zero;
	ev->attr = p->attr;
	ev->all_dec = true;	/* p->frac_sum is zeroed at the first fraction */
	ev->weight_sum18 = 0;
}

/* ---- the fast path -------------------------------------------------------- */

/*
 * Hand-written scanner for the common shape.  Returns false — without a
 * word — on anything else; *ev is then garbage and the slow path starts
 * over.  Every byte it accepts inside a string is printable ASCII and not
 * a backslash, so a string's bytes are exactly the decoded string jansson
 * would give.  The hot values are decoded while they are scanned (ids by
 * a class table, plain decimals straight into the mantissa, canonical
 * ISRCs by their pattern); every other value goes through the same take_*
 * function as on the slow path.  Each shortcut accepts a subset of what
 * its take_* function accepts, with the same result (the differential
 * fuzz checks it).
 */

enum fast_key {
	K_ID,
	K_MODEL,
	K_TS,
	K_VALUE,
	K_CURRENCY,
	K_VOICE,
	K_ATTRIBUTION,
	K_COUNT,
};

#define K_REQUIRED                                                             \
	((1u << K_ID) | (1u << K_MODEL) | (1u << K_TS) | (1u << K_VALUE) |     \
	 (1u << K_CURRENCY) | (1u << K_ATTRIBUTION))

static void fast_classes(unsigned char cls[256])
{
	static const char id_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz"
				       "0123456789._:-";
	size_t i;

	memset(cls, 0, 256);
	for (i = 0x20; i <= 0x7e; i++) {
		if (i != '"' && i != '\\')
			cls[i] |= CLS_STR;
	}
	for (i = 0; id_chars[i]; i++)
		cls[(unsigned char)id_chars[i]] |= CLS_ID;
}

static inline const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* Past ch, after optional whitespace; NULL when ch is not next.  ch
 * itself is tried first: inlined at each call site, the branch learns
 * whether that place of the line usually has a space. */
static inline const char *eat(const char *s, const char *end, char ch)
{
	if (s < end && *s == ch)
		return s + 1;
	if (end - s >= 2 && s[0] == ' ' && s[1] == ch)
		return s + 2;
	s = skip_ws(s, end);
	return s < end && *s == ch ? s + 1 : NULL;
}

/* The closing quote of a string body starting at s whose bytes are all in
 * class mask; NULL when another byte comes first or the line ends. */
static inline const char *str_end(const unsigned char *cls, const char *s,
				  const char *end, unsigned mask)
{
	/* four bytes a step while all four are in, then one by one */
	while (end - s >= 4 &&
	       (cls[(unsigned char)s[0]] & cls[(unsigned char)s[1]] &
		cls[(unsigned char)s[2]] & cls[(unsigned char)s[3]] & mask))
		s += 4;
	while (s < end && (cls[(unsigned char)*s] & mask))
		s++;
	return s < end && *s == '"' ? s : NULL;
}

/* Does the text at s start with lit (n bytes)? */
static inline bool starts(const char *s, const char *end, const char *lit,
			  size_t n)
{
	return (size_t)(end - s) >= n && memcmp(s, lit, n) == 0;
}

/* Which top-level key starts at s (after its opening quote)?  *after is
 * set past its closing quote; -1 for an unknown key.  By its first byte,
 * then one comparison of a known length. */
static int top_key(const char *s, const char *end, const char **after)
{
#define KEY_IS(lit, k)                                                         \
	do {                                                                   \
		if (starts(s, end, lit, sizeof(lit) - 1)) {                    \
			*after = s + sizeof(lit) - 1;                          \
			return k;                                              \
		}                                                              \
	} while (0)
	if (s >= end)
		return -1;
	switch (*s) {
	case 'i':
		KEY_IS("id\"", K_ID);
		break;
	case 'm':
		KEY_IS("model\"", K_MODEL);
		break;
	case 't':
		KEY_IS("ts\"", K_TS);
		break;
	case 'v':
		KEY_IS("value\"", K_VALUE);
		KEY_IS("voice\"", K_VOICE);
		break;
	case 'c':
		KEY_IS("currency\"", K_CURRENCY);
		break;
	case 'a':
		KEY_IS("attribution\"", K_ATTRIBUTION);
		break;
	default:
		break;
	}
	return -1;
#undef KEY_IS
}

/*
 * A decimal of the plain shape digits ['.' digits] with at most 18 digits
 * in all, from s to its closing quote, into *d straight from the bytes —
 * as ll_exact_parse_dec gives it: every digit in mant, leading and
 * trailing zeros included, scale the number of digits after the point.
 * Returns the closing quote, or NULL for any other shape (a fraction, more
 * digits, something invalid): the caller then uses take_exact.
 */
static inline const char *fast_dec(const char *s, const char *end,
				   struct ll_dec *d)
{
	const char *q = s, *dot = NULL;
	uint64_t m = 0;
	int n = 0;

	for (; q < end; q++) {
		unsigned c = (unsigned)(unsigned char)*q - '0';

		if (c < 10) {
			m = m * 10 + c;	/* wraps only past 19 digits */
			n++;
		} else if (*q == '.' && !dot && n > 0) {
			dot = q;
		} else {
			break;
		}
	}
	if (q == end || *q != '"' || n == 0 || n > 18 || dot == q - 1)
		return NULL;
	d->mant = (ll_i128)m;
	d->scale = dot ? (int)(q - dot - 1) : 0;
	return q;
}

/* An identifier (1-64 CLS_ID bytes, as ll_id_valid) from s to its
 * closing quote, copied into the arena; NULL for anything else. */
static inline const char *fast_id(struct ll_event_parser *p, const char *s,
				  const char *end, const char **out)
{
	const char *q = str_end(p->cls, s, end, CLS_ID);

	if (!q || q == s || q - s > LL_ID_LEN_MAX)
		return NULL;
	*out = arena_copy(p, s, (size_t)(q - s));
	return q;
}

/* Is s[0..12) an ISRC in canonical form (ll_isrc_normalise's output)? */
static bool isrc_canonical(const char *s)
{
	int i;

	for (i = 0; i < 12; i++) {
		char c = s[i];
		bool upper = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';

		if (i < 2 ? !upper : i < 5 ? !(upper || digit) : !digit)
			return false;
	}
	return true;
}

/* An exact value from s to its closing quote into *out. */
static inline const char *fast_exact(struct ll_event_parser *p, const char *s,
				     const char *end, struct ll_num *out)
{
	const char *q = fast_dec(s, end, &out->dec);

	if (q) {
		out->is_dec = true;
		out->raw = NULL;
		out->raw_len = 0;
		return q;
	}
	q = str_end(p->cls, s, end, CLS_STR);
	if (!q || !take_exact(p, (struct span){ s, (size_t)(q - s) },
			      NO_INDEX, NULL, NULL, out))
		return NULL;
	return q;
}

/* One attribution object {"work"|"isrc": "...", "weight": "..."}, keys in
 * any order, into p->attr[ev->n_attr]. */
static const char *fast_attr(struct ll_event_parser *p, const char *s,
			     const char *end, struct ll_event *ev)
{
	struct ll_attr *a = &p->attr[ev->n_attr];
	unsigned seen = 0;	/* 1 work, 2 isrc, 4 weight */

	if (ev->n_attr >= LL_EVENT_ATTRIBUTIONS_MAX || !(s = eat(s, end, '{')))
		return NULL;
	for (;;) {
		const char *q;
		unsigned bit;

		if (!(s = eat(s, end, '"')))
			return NULL;
		if (starts(s, end, "work\"", 5)) {
			bit = 1;
			s += 5;
		} else if (starts(s, end, "isrc\"", 5)) {
			bit = 2;
			s += 5;
		} else if (starts(s, end, "weight\"", 7)) {
			bit = 4;
			s += 7;
		} else {
			return NULL;
		}
		if ((seen & bit) || !(s = eat(s, end, ':')) ||
		    !(s = eat(s, end, '"')))
			return NULL;
		seen |= bit;
		if (bit == 1) {
			a->kind = LL_REF_WORK;
			q = fast_id(p, s, end, &a->ref);
			a->ref_len = q ? (size_t)(q - s) : 0;
		} else if (bit == 2) {
			q = str_end(p->cls, s, end, CLS_STR);
			if (q && q - s == 12 && isrc_canonical(s)) {
				a->kind = LL_REF_ISRC;
				a->ref = arena_copy(p, s, 12);
				a->ref_len = 12;
			} else if (q && !take_ref(p, LL_REF_ISRC,
						  (struct span){ s, (size_t)(q - s) },
						  ev->n_attr, NULL, a)) {
				q = NULL;
			} else if (q) {
				a->ref_len = strlen(a->ref);
			}
		} else {
			q = fast_exact(p, s, end, &a->weight);
			if (q && !add_weight(p, ev, &a->weight))
				q = NULL;
		}
		if (!q)
			return NULL;
		s = q + 1;
		if (!(q = eat(s, end, ',')))
			break;
		s = q;
	}
	if (!(s = eat(s, end, '}')) || (seen != 5 && seen != 6))
		return NULL;
	a->ref_hash = ll_refix_hash(a->ref, a->ref_len);
	if (p->prefetch[a->kind])
		ll_refix_prefetch(p->prefetch[a->kind], a->ref_hash);
	ev->n_attr++;
	return s;
}

static const char *fast_attribution(struct ll_event_parser *p, const char *s,
				    const char *end, struct ll_event *ev)
{
	const char *t;

	if (!(s = eat(s, end, '[')))
		return NULL;
	if ((t = eat(s, end, ']')))
		return t;
	for (;;) {
		if (!(s = fast_attr(p, s, end, ev)))
			return NULL;
		if (!(t = eat(s, end, ',')))
			return eat(s, end, ']');
		s = t;
	}
}

/* One top-level value (after its key and ':'); returns the position after
 * it or NULL. */
static const char *fast_value(struct ll_event_parser *p, int key,
			      const char *s, const char *end,
			      struct ll_event *ev)
{
	const char *q;

	if (key == K_ATTRIBUTION)
		return fast_attribution(p, s, end, ev);
	if (!(s = eat(s, end, '"')))
		return NULL;
	switch (key) {
	case K_ID:
		q = fast_id(p, s, end, &ev->id);
		break;
	case K_VOICE:
		q = fast_id(p, s, end, &ev->voice);
		break;
	case K_VALUE:
		q = fast_exact(p, s, end, &ev->value);
		break;
	case K_CURRENCY:
		/* the last event's currency again: its exponent is known */
		if (end - s >= 4 && s[3] == '"' && p->cur_exponent >= 0 &&
		    memcmp(s, p->cur, 3) == 0) {
			memcpy(ev->currency, s, 3);
			ev->currency[3] = '\0';
			ev->currency_exponent = p->cur_exponent;
			q = s + 3;
			break;
		}
		q = str_end(p->cls, s, end, CLS_STR);
		if (q && !take_currency((struct span){ s, (size_t)(q - s) },
					NULL, ev))
			q = NULL;
		if (q && q - s == 3) {
			memcpy(p->cur, s, 3);
			p->cur_exponent = ev->currency_exponent;
		}
		break;
	case K_TS:
		q = str_end(p->cls, s, end, CLS_STR);
		if (q && !take_ts((struct span){ s, (size_t)(q - s) }, NULL, ev))
			q = NULL;
		break;
	default:
		q = str_end(p->cls, s, end, CLS_STR);
		if (q && !take_model(p, (struct span){ s, (size_t)(q - s) },
				     NULL, ev))
			q = NULL;
		break;
	}
	return q ? q + 1 : NULL;
}

/* One event object from line, up to end at most; *stop is set past it
 * and any whitespace after it. */
static bool parse_fast_to(struct ll_event_parser *p, const char *line,
			  const char *end, struct ll_event *ev,
			  const char **stop)
{
	const char *s = line, *t;
	unsigned seen = 0;

	if (!(s = eat(s, end, '{')))
		return false;
	for (;;) {
		int key;

		if (!(s = eat(s, end, '"')))
			return false;
		key = top_key(s, end, &s);
		if (key < 0 || (seen & (1u << key)) || !(s = eat(s, end, ':')))
			return false;
		seen |= 1u << key;
		if (!(s = fast_value(p, key, s, end, ev)))
			return false;
		if (!(t = eat(s, end, ',')))
			break;
		s = t;
	}
	if (!(s = eat(s, end, '}')) || (seen & K_REQUIRED) != K_REQUIRED)
		return false;
	*stop = skip_ws(s, end);
	return finish_attribution(p, ev, NULL);
}

static bool parse_fast(struct ll_event_parser *p, const char *line,
		       size_t len, struct ll_event *ev)
{
	const char *stop;

	return parse_fast_to(p, line, line + len, ev, &stop) &&
	       stop == line + len;
}

/* ---- the slow path -------------------------------------------------------- */

/*
 * A string member of obj as a span.  Returns false with an error when it
 * is required and missing, not a string, or holds a NUL; *present says
 * whether it was there.  exact selects the "exact string, not a JSON
 * number" wording for values and weights.
 */
static bool slow_string(const json_t *obj, const char *key, size_t idx,
			bool required, bool exact, struct ll_error *err,
			struct span *out, bool *present)
{
	const json_t *v = json_object_get(obj, key);

	*present = v != NULL;
	if (!v)
		return required ? fail(err, idx, key, "missing required field")
				: true;
	if (exact && json_is_number(v))
		return fail(err, idx, key,
			    "must be an exact string such as \"0.25\" or "
			    "\"1/4\", not a JSON number");
	if (!json_is_string(v))
		return fail(err, idx, key, "must be %s, not %s",
			    exact ? "an exact string" : "a string",
			    type_name(v));
	out->s = json_string_value(v);
	out->len = json_string_length(v);
	if (memchr(out->s, '\0', out->len))
		return fail(err, idx, key, "must not contain NUL characters");
	return true;
}

/* Report the first key of obj not in allowed (NULL-terminated). */
static bool slow_known_keys(const json_t *obj, size_t idx,
			    const char *const *allowed, struct ll_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		const char *const *a;

		for (a = allowed; *a; a++) {
			if (strcmp(*a, key) == 0)
				break;
		}
		if (!*a) {
			char qs[QUOTE_BUF_BYTES];

			quote(qs, key, strlen(key));
			return fail(err, idx, qs, "unknown field \"%s\"", qs);
		}
	}
	return true;
}

static bool slow_attr(struct ll_event_parser *p, const json_t *obj, size_t idx,
		      struct ll_error *err, struct ll_event *ev)
{
	static const char *const keys[] = { "work", "isrc", "weight", NULL };
	struct span work = { NULL, 0 }, isrc = { NULL, 0 }, weight;
	bool has_work, has_isrc, has_weight;
	struct ll_attr *a = &p->attr[idx];

	if (!json_is_object(obj))
		return fail(err, idx, NULL, "must be an object, not %s",
			    type_name(obj));
	if (!slow_known_keys(obj, idx, keys, err) ||
	    !slow_string(obj, "work", idx, false, false, err, &work,
			 &has_work) ||
	    !slow_string(obj, "isrc", idx, false, false, err, &isrc,
			 &has_isrc))
		return false;
	if (has_work && has_isrc)
		return fail(err, idx, NULL,
			    "names both \"work\" and \"isrc\"; an attribution "
			    "names exactly one");
	if (!has_work && !has_isrc)
		return fail(err, idx, NULL,
			    "names neither \"work\" nor \"isrc\"; an attribution "
			    "names exactly one");
	if (!take_ref(p, has_work ? LL_REF_WORK : LL_REF_ISRC,
		      has_work ? work : isrc, idx, err, a))
		return false;
	return slow_string(obj, "weight", idx, true, true, err, &weight,
			   &has_weight) &&
	       take_weight(p, weight, idx, err, ev, a);
}

/* Validate the parsed document; fields are checked in a fixed order, so
 * the first problem reported does not depend on key order. */
static bool slow_event(struct ll_event_parser *p, const json_t *root,
		       struct ll_error *err, struct ll_event *ev)
{
	static const char *const keys[] = { "id",	 "model",
					    "ts",	 "value",
					    "currency",	 "attribution",
					    "voice",	 NULL };
	struct span v;
	bool present;
	const json_t *arr;
	size_t i, n;

	if (!json_is_object(root))
		return fail(err, NO_INDEX, "",
			    "an event must be a JSON object, not %s",
			    type_name(root));
	if (!slow_known_keys(root, NO_INDEX, keys, err))
		return false;
	if (!slow_string(root, "id", NO_INDEX, true, false, err, &v,
			 &present) ||
	    !take_id(p, v, NO_INDEX, "id", err, &ev->id))
		return false;
	if (!slow_string(root, "model", NO_INDEX, true, false, err, &v,
			 &present) ||
	    !take_model(p, v, err, ev))
		return false;
	if (!slow_string(root, "ts", NO_INDEX, true, false, err, &v,
			 &present) ||
	    !take_ts(v, err, ev))
		return false;
	if (!slow_string(root, "value", NO_INDEX, true, true, err, &v,
			 &present) ||
	    !take_exact(p, v, NO_INDEX, "value", err, &ev->value))
		return false;
	if (!slow_string(root, "currency", NO_INDEX, true, false, err, &v,
			 &present) ||
	    !take_currency(v, err, ev))
		return false;
	if (!slow_string(root, "voice", NO_INDEX, false, false, err, &v,
			 &present))
		return false;
	if (present && !take_id(p, v, NO_INDEX, "voice", err, &ev->voice))
		return false;

	arr = json_object_get(root, "attribution");
	if (!arr)
		return fail(err, NO_INDEX, "attribution",
			    "missing required field");
	if (!json_is_array(arr))
		return fail(err, NO_INDEX, "attribution",
			    "must be an array, not %s", type_name(arr));
	n = json_array_size(arr);
	if (n > LL_EVENT_ATTRIBUTIONS_MAX)
		return fail(err, NO_INDEX, "attribution",
			    "has %zu attributions, more than %d", n,
			    (int)LL_EVENT_ATTRIBUTIONS_MAX);
	for (i = 0; i < n; i++) {
		if (!slow_attr(p, json_array_get(arr, i), i, err, ev))
			return false;
		ev->n_attr++;
	}
	hash_refs(ev);
	return finish_attribution(p, ev, err);
}

static enum ll_status parse_slow(struct ll_event_parser *p, const char *line,
				 size_t len, struct ll_event *ev,
				 struct ll_error *err)
{
	json_error_t jerr;
	json_t *root;
	bool ok;

	if (ll_json_depth(line, len) > EVENT_DEPTH_MAX) {
		fail(err, NO_INDEX, "", "JSON nested deeper than %d levels",
		     (int)EVENT_DEPTH_MAX);
		return LL_INVALID;
	}
	/* NUL is allowed by jansson so that the field holding it can be
	 * named (slow_string rejects it); jansson refuses it in keys. */
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
			  &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return ll_error_set(err, LL_NOMEM, NULL, 0, "",
					    "out of memory parsing JSON");
		if (err) {
			char qs[QUOTE_BUF_BYTES], path[LL_JSON_PATH_MAX],
				key[LL_JSON_PATH_MAX];
			long at;

			if (ll_json_duplicate_key(line, len, &jerr, 1, path,
						  key, &at)) {
				quote(qs, key, strlen(key));
				fail(err, NO_INDEX, path, "duplicate key \"%s\"",
				     qs);
				return LL_INVALID;
			}
			/* jansson may echo raw input bytes ("near '...'") */
			show_bytes(qs, jerr.text, strlen(jerr.text), false);
			fail(err, NO_INDEX, "", "invalid JSON: %s (column %d)",
			     qs, jerr.column);
		}
		return LL_INVALID;
	}
	ok = slow_event(p, root, err, ev);
	json_decref(root);
	return ok ? LL_OK : LL_INVALID;
}

/* ---- entry points --------------------------------------------------------- */

bool ll_event_parse_line_fast(struct ll_event_parser *p, const char *line,
			      const char *end, struct ll_event *ev,
			      size_t *len)
{
	size_t avail = (size_t)(end - line);
	const char *stop;

	assert(p);
	assert(ev);
	assert(line && line <= end);
	if (!p->fast_enabled)
		return false;
	if (avail > FAST_LINE_BYTES_MAX)
		avail = FAST_LINE_BYTES_MAX;
	if (arena_reset(p, avail + ARENA_SLACK_BYTES) != LL_OK)
		return false;
	event_start(p, ev);
	/* the fast path never reads past a newline: none of its bytes
	 * and none of its whitespace is one */
	if (!parse_fast_to(p, line, line + avail, ev, &stop) ||
	    (stop < end && *stop != '\n')) {
		p->arena_len = 0;
		return false;
	}
	*len = (size_t)(stop - line);
	p->last_fast = true;
	return true;
}

enum ll_status ll_event_parse(struct ll_event_parser *p, const char *line,
			      size_t len, struct ll_event *ev,
			      struct ll_error *err)
{
	enum ll_status rc;

	assert(p);
	assert(ev);
	assert(line || len == 0);
	if (len == 0) {
		fail(err, NO_INDEX, "", "empty line");
		return LL_INVALID;
	}
	if (len > LL_EVENT_LINE_BYTES_MAX) {
		fail(err, NO_INDEX, "", "line is longer than %d bytes",
		     (int)LL_EVENT_LINE_BYTES_MAX);
		return LL_INVALID;
	}
	if (line[len - 1] == '\r') {
		fail(err, NO_INDEX, "",
		     "line ends with a carriage return (CRLF line endings are "
		     "not accepted)");
		return LL_INVALID;
	}
	rc = arena_reset(p, len + ARENA_SLACK_BYTES);
	if (rc != LL_OK)
		return ll_error_set(err, rc, NULL, 0, "",
				    "out of memory for a %zu-byte line", len);
	if (p->fast_enabled) {
		event_start(p, ev);
		if (parse_fast(p, line, len, ev)) {
			p->last_fast = true;
			return LL_OK;
		}
		p->arena_len = 0;
	}
	event_start(p, ev);
	rc = parse_slow(p, line, len, ev, err);
	if (rc == LL_OK)
		p->last_fast = false;
	return rc;
}

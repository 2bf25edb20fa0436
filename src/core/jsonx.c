/*
 * jsonx.c — typed jansson field access with located errors, path-to-line
 * lookup and canonical serialisation (jsonx.h).
 *
 * Design decision: the path scanner is a second, minimal JSON walker that
 * trusts its input to be well-formed (jansson has already accepted it) but
 * still bounds every index, so a mismatch can only give a worse line
 * number, never a crash.
 */
#include "ledgerline/buf.h"
#include "ledgerline/jsonx.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ledgerline/exact.h"
#include "ledgerline/ident.h"
#include "ledgerline/xsum.h"

/* ---- path -> line ----------------------------------------------------- */

struct scan {
	const char *t;
	size_t len;
	size_t pos;
	long line;
	const char *target;
	size_t target_len;
	long best_line;
	size_t best_depth;	/* length of the longest matched prefix */
	int depth;
	/* duplicate-key search: the key whose closing quote ends at byte
	 * key_end (0: not searching), its path, decoded name and line */
	size_t key_end;
	bool key_found;
	char *key_path;
	char *key_name;
	long key_line;
};

static void skip_ws(struct scan *s)
{
	while (s->pos < s->len) {
		char c = s->t[s->pos];

		if (c == '\n')
			s->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			break;
		s->pos++;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append one code point as UTF-8 to out (bounded). */
static void put_utf8(char *out, size_t out_size, size_t *o, unsigned long cp)
{
	char b[4];
	size_t n, i;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	for (i = 0; i < n && *o + 1 < out_size; i++)
		out[(*o)++] = b[i];
}

/* Read 4 hex digits at s->pos (after "\u"); -1 when malformed. */
static long hex4(struct scan *s)
{
	long v = 0;
	int i;

	if (s->pos + 4 > s->len)
		return -1;
	for (i = 0; i < 4; i++) {
		int h = hexval(s->t[s->pos + (size_t)i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	s->pos += 4;
	return v;
}

/*
 * Skip a string starting at '"'; when out is not NULL, decode it (escapes
 * resolved, as jansson does) into out, so keys compare equal to the
 * decoded keys error paths are built from.
 */
static void skip_string(struct scan *s, char *out, size_t out_size)
{
	size_t o = 0;

	s->pos++; /* opening quote */
	while (s->pos < s->len && s->t[s->pos] != '"') {
		char c = s->t[s->pos++];

		if (c != '\\') {
			if (out && o + 1 < out_size)
				out[o++] = c;
			continue;
		}
		if (s->pos >= s->len)
			break;
		c = s->t[s->pos++];
		if (!out)
			continue;
		switch (c) {
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u': {
			long cp = hex4(s);

			if (cp >= 0xd800 && cp <= 0xdbff && s->pos + 1 < s->len &&
			    s->t[s->pos] == '\\' && s->t[s->pos + 1] == 'u') {
				long lo;

				s->pos += 2;
				lo = hex4(s);
				if (lo >= 0xdc00 && lo <= 0xdfff)
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lo - 0xdc00);
			}
			if (cp >= 0)
				put_utf8(out, out_size, &o, (unsigned long)cp);
			continue;
		}
		default:
			break; /* '"', '\\', '/' stand for themselves */
		}
		if (o + 1 < out_size)
			out[o++] = c;
	}
	if (s->pos < s->len)
		s->pos++; /* closing quote */
	if (out && out_size)
		out[o] = '\0';
}

/* Does the current path p (length n) match the target at a component
 * boundary? */
static void note_path(struct scan *s, const char *p, size_t n)
{
	if (n > s->target_len || memcmp(p, s->target, n) != 0)
		return;
	if (n < s->target_len && n > 0 && s->target[n] != '.' &&
	    s->target[n] != '[')
		return;
	if (n >= s->best_depth) {
		s->best_depth = n;
		s->best_line = s->line;
	}
}

static void scan_value(struct scan *s, char *path, size_t plen);

static void scan_container(struct scan *s, char *path, size_t plen, char open)
{
	char close = open == '{' ? '}' : ']';
	size_t i = 0;

	s->pos++;
	if (++s->depth > LL_JSON_DEPTH_MAX * 4) {
		s->pos = s->len;
		return;
	}
	for (;;) {
		size_t nlen = plen;

		skip_ws(s);
		if (s->pos >= s->len)
			return;
		if (s->t[s->pos] == close) {
			s->pos++;
			break;
		}
		if (open == '{') {
			char key[LL_JSON_PATH_MAX];
			int k;

			if (s->t[s->pos] != '"') {
				s->pos = s->len;
				return;
			}
			skip_string(s, key, sizeof(key));
			k = snprintf(path + plen, LL_JSON_PATH_MAX - plen,
				     plen ? ".%s" : "%s", key);
			if (k > 0)
				nlen = plen + (size_t)k < LL_JSON_PATH_MAX
					       ? plen + (size_t)k
					       : LL_JSON_PATH_MAX - 1;
			if (s->key_end && s->pos >= s->key_end) {
				/* the key the parser stopped at */
				memcpy(s->key_path, path, nlen);
				s->key_path[nlen] = '\0';
				/* key was read into a buffer of this size */
				LL_ENSURE(ll_str_copy(s->key_name,
						      LL_JSON_PATH_MAX, key));
				s->key_line = s->line;
				s->key_found = true;
				path[plen] = '\0';
				s->pos = s->len;
				s->depth--;
				return;
			}
			skip_ws(s);
			if (s->pos < s->len && s->t[s->pos] == ':')
				s->pos++;
		} else {
			int k = snprintf(path + plen, LL_JSON_PATH_MAX - plen,
					 "[%zu]", i);

			if (k > 0)
				nlen = plen + (size_t)k < LL_JSON_PATH_MAX
					       ? plen + (size_t)k
					       : LL_JSON_PATH_MAX - 1;
		}
		scan_value(s, path, nlen);
		path[plen] = '\0';
		i++;
		skip_ws(s);
		if (s->pos < s->len && s->t[s->pos] == ',')
			s->pos++;
	}
	s->depth--;
}

static void scan_value(struct scan *s, char *path, size_t plen)
{
	char c;

	skip_ws(s);
	if (s->pos >= s->len)
		return;
	note_path(s, path, plen);
	c = s->t[s->pos];
	if (c == '{' || c == '[') {
		scan_container(s, path, plen, c);
	} else if (c == '"') {
		skip_string(s, NULL, 0);
	} else {
		while (s->pos < s->len) {
			c = s->t[s->pos];
			if (c == ',' || c == '}' || c == ']' || c == ' ' ||
			    c == '\t' || c == '\r' || c == '\n')
				break;
			s->pos++;
		}
	}
}

long ll_json_path_line(const char *text, size_t len, const char *path,
		       long line_base)
{
	struct scan s;
	char buf[LL_JSON_PATH_MAX];

	memset(&s, 0, sizeof(s));
	s.t = text;
	s.len = len;
	s.line = 1;
	s.target = path ? path : "";
	s.target_len = strlen(s.target);
	s.best_line = 1;
	buf[0] = '\0';
	if (text)
		scan_value(&s, buf, 0);
	return line_base + s.best_line - 1;
}

bool ll_json_duplicate_key(const char *text, size_t len,
			   const json_error_t *jerr, long line_base,
			   char path[LL_JSON_PATH_MAX],
			   char key[LL_JSON_PATH_MAX], long *line)
{
	struct scan s;
	char buf[LL_JSON_PATH_MAX];

	if (!text || json_error_code(jerr) != json_error_duplicate_key ||
	    jerr->position <= 0 || (size_t)jerr->position > len)
		return false;
	memset(&s, 0, sizeof(s));
	s.t = text;
	s.len = (size_t)jerr->position; /* jansson read no further */
	s.line = 1;
	s.target = "";
	s.key_end = (size_t)jerr->position;
	s.key_path = path;
	s.key_name = key;
	buf[0] = '\0';
	scan_value(&s, buf, 0);
	if (!s.key_found)
		return false;
	*line = line_base + s.key_line - 1;
	return true;
}

void ll_jsrc_parse_error(const struct ll_jsrc *src, const json_error_t *jerr)
{
	char path[LL_JSON_PATH_MAX], key[LL_JSON_PATH_MAX];
	long base = src->line_base ? src->line_base : 1, line;
	struct ll_error e;

	ll_error_clear(&e);
	e.code = LL_INVALID;
	ll_str_copy_cut(e.source, sizeof(e.source),
			src->source ? src->source : "");
	if (ll_json_duplicate_key(src->text, src->len, jerr, base, path, key,
				  &line)) {
		e.line = line;
		ll_str_copy_cut(e.field, sizeof(e.field), path);
		snprintf(e.text, sizeof(e.text), "duplicate key \"%s\"", key);
	} else {
		e.line = base + jerr->line - 1;
		snprintf(e.text, sizeof(e.text), "invalid JSON: %s (column %d)",
			 jerr->text, jerr->column);
	}
	(void)ll_errlist_add(src->errs, &e);
}

int ll_json_depth(const char *text, size_t len)
{
	int depth = 0, max = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (c == '"') {
			for (i++; i < len && text[i] != '"'; i++) {
				if (text[i] == '\\')
					i++;
			}
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return max;
}

/* ---- errors and paths ------------------------------------------------- */

void ll_jsrc_error(const struct ll_jsrc *src, const char *path,
		   const char *fmt, ...)
{
	struct ll_error e;
	va_list ap;
	long line = src->line_base;

	if (src->text)
		line = ll_json_path_line(src->text, src->len, path,
					 src->line_base ? src->line_base : 1);
	ll_error_clear(&e);
	e.code = LL_INVALID;
	ll_str_copy_cut(e.source, sizeof(e.source),
			src->source ? src->source : "");
	e.line = line;
	ll_str_copy_cut(e.field, sizeof(e.field), path ? path : "");
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof(e.text), fmt, ap);
	va_end(ap);
	(void)ll_errlist_add(src->errs, &e);
}

void ll_json_path_key(char out[LL_JSON_PATH_MAX], const char *prefix,
		      const char *key)
{
	if (prefix && prefix[0])
		snprintf(out, LL_JSON_PATH_MAX, "%s.%s", prefix, key);
	else
		ll_str_copy_cut(out, LL_JSON_PATH_MAX, key); /* a cut path still locates */
}

void ll_json_path_index(char out[LL_JSON_PATH_MAX], const char *prefix,
			size_t i)
{
	snprintf(out, LL_JSON_PATH_MAX, "%s[%zu]", prefix ? prefix : "", i);
}

const char *ll_json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction or exponent";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

bool ll_json_known_keys(const struct ll_jsrc *src, const json_t *obj,
			const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v;
	bool ok = true;

	json_object_foreach((json_t *)obj, key, v) {
		const char *const *a;
		char p[LL_JSON_PATH_MAX];

		for (a = allowed; *a; a++) {
			if (strcmp(*a, key) == 0)
				break;
		}
		if (!*a) {
			ll_json_path_key(p, path, key);
			ll_jsrc_error(src, p, "unknown field \"%s\"", key);
			ok = false;
		}
	}
	return ok;
}

/* Fetch obj[key]; report a missing required field.  Returns NULL when
 * absent (and *fail set when that is an error). */
static json_t *field(const struct ll_jsrc *src, const json_t *obj,
		     const char *path, const char *key, bool required,
		     char p[LL_JSON_PATH_MAX], bool *fail)
{
	json_t *v = json_object_get(obj, key);

	/* the path is made only for an error: most fields have none */
	*fail = false;
	if (!v && required) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "missing required field");
		*fail = true;
	}
	return v;
}

bool ll_json_str(const struct ll_jsrc *src, const json_t *obj,
		 const char *path, const char *key, bool required,
		 const char **out)
{
	char p[LL_JSON_PATH_MAX];
	bool fail;
	json_t *v = field(src, obj, path, key, required, p, &fail);

	if (!v)
		return !fail;
	if (!json_is_string(v)) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "must be a string, not %s",
			      ll_json_type_name(v));
		return false;
	}
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v)) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "must not contain NUL characters");
		return false;
	}
	return true;
}

bool ll_json_int(const struct ll_jsrc *src, const json_t *obj,
		 const char *path, const char *key, bool required,
		 int64_t min, int64_t max, int64_t *out, bool *present)
{
	char p[LL_JSON_PATH_MAX];
	bool fail;
	json_t *v = field(src, obj, path, key, required, p, &fail);
	json_int_t x;

	if (present)
		*present = v != NULL;
	if (!v)
		return !fail;
	if (!json_is_integer(v)) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "must be a JSON integer, not %s",
			      ll_json_type_name(v));
		return false;
	}
	x = json_integer_value(v);
	if (x < min || x > max) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "%lld is out of range %lld..%lld",
			      (long long)x, (long long)min, (long long)max);
		return false;
	}
	*out = (int64_t)x;
	return true;
}

bool ll_json_exact(const struct ll_jsrc *src, const json_t *obj,
		   const char *path, const char *key, bool required, mpq_t out,
		   bool *present)
{
	char p[LL_JSON_PATH_MAX];
	bool fail;
	json_t *v = field(src, obj, path, key, required, p, &fail);
	struct ll_error e;

	if (present)
		*present = v != NULL;
	if (!v)
		return !fail;
	if (json_is_number(v)) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p,
			      "must be an exact string such as \"0.25\" or "
			      "\"1/4\", not a JSON number");
		return false;
	}
	if (!json_is_string(v)) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "must be an exact string, not %s",
			      ll_json_type_name(v));
		return false;
	}
	if (ll_exact_parse(out, json_string_value(v), json_string_length(v),
			   &e) != LL_OK) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p, "%s", e.text);
		return false;
	}
	return true;
}

bool ll_json_id(const struct ll_jsrc *src, const json_t *obj,
		const char *path, const char *key, bool required,
		const char **out)
{
	const char *s = NULL;
	char p[LL_JSON_PATH_MAX];

	if (!ll_json_str(src, obj, path, key, required, &s))
		return false;
	if (!s)
		return true;
	if (!ll_id_valid(s)) {
		ll_json_path_key(p, path, key);
		ll_jsrc_error(src, p,
			      "invalid identifier \"%.80s\": must be 1-64 "
			      "characters of A-Z a-z 0-9 . _ : -",
			      s);
		return false;
	}
	*out = s;
	return true;
}

bool ll_json_enum(const struct ll_jsrc *src, const json_t *obj,
		  const char *path, const char *key, bool required,
		  const char *const *values, int *index)
{
	const char *s = NULL;
	char p[LL_JSON_PATH_MAX];
	char list[256];
	size_t off = 0;
	int i;

	if (!ll_json_str(src, obj, path, key, required, &s))
		return false;
	if (!s)
		return true;
	for (i = 0; values[i]; i++) {
		if (strcmp(values[i], s) == 0) {
			*index = i;
			return true;
		}
	}
	list[0] = '\0';
	for (i = 0; values[i] && off < sizeof(list); i++) {
		int k = snprintf(list + off, sizeof(list) - off, "%s%s",
				 i ? ", " : "", values[i]);
		if (k < 0)
			break;
		off += (size_t)k;
	}
	ll_json_path_key(p, path, key);
	ll_jsrc_error(src, p, "\"%.80s\" is not one of: %s", s, list);
	return false;
}

char *ll_json_canonical(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* ---- money as strings ------------------------------------------------ */

json_t *ll_json_fraction(const mpq_t q)
{
	char *s = ll_exact_fraction_str(q);
	json_t *v = s ? json_string(s) : NULL;

	free(s);
	return v;
}

json_t *ll_json_minor(int64_t minor, int e)
{
	char *s = ll_exact_minor_str_i64(minor, e);
	json_t *v = s ? json_string(s) : NULL;

	free(s);
	return v;
}

/* ---- RFC 8785 ---------------------------------------------------------- */

static void jcs_string(struct ll_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	ll_buf_add(b, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[6];

		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			if (c >= 0x20)
				continue;
			u[0] = '\\';
			u[1] = 'u';
			u[2] = '0';
			u[3] = '0';
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			ll_buf_add(b, s + run, i - run);
			ll_buf_add(b, u, 6);
			run = i + 1;
			continue;
		}
		ll_buf_add(b, s + run, i - run);
		ll_buf_add(b, esc, strlen(esc));
		run = i + 1;
	}
	ll_buf_add(b, s + run, len - run);
	ll_buf_add(b, "\"", 1);
}

/* Compare two UTF-8 keys by their UTF-16 code units (RFC 8785 §3.2.3). */
static unsigned long next_unit(const unsigned char **p, unsigned long *pending)
{
	unsigned long cp;
	const unsigned char *s = *p;

	if (*pending) {
		cp = *pending;
		*pending = 0;
		return cp;
	}
	if (s[0] < 0x80) {
		cp = s[0];
		*p += 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		cp = ((unsigned long)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		*p += 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = ((unsigned long)(s[0] & 0x0f) << 12) |
		     ((unsigned long)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		*p += 3;
	} else {
		cp = ((unsigned long)(s[0] & 0x07) << 18) |
		     ((unsigned long)(s[1] & 0x3f) << 12) |
		     ((unsigned long)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		*p += 4;
	}
	if (cp >= 0x10000) {
		cp -= 0x10000;
		*pending = 0xdc00 + (cp & 0x3ff);
		return 0xd800 + (cp >> 10);
	}
	return cp;
}

static int cmp_utf16(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a;
	const unsigned char *y = *(const unsigned char *const *)b;
	unsigned long px = 0, py = 0;

	for (;;) {
		unsigned long ux, uy;

		if ((!*x && !px) || (!*y && !py))
			return (*x || px) - (*y || py);
		ux = next_unit(&x, &px);
		uy = next_unit(&y, &py);
		if (ux != uy)
			return ux < uy ? -1 : 1;
	}
}

static void jcs_value(struct ll_buf *b, const json_t *v, int depth);

/* A member spliced into an object as it is written: its key, and its
 * value as JCS bytes (raw_len of them at raw). */
struct jcs_raw {
	const char *key;
	const char *raw;
	size_t raw_len;
};

/* The member key: value of an object (not the first: after a ','). */
static void jcs_member(struct ll_buf *b, size_t i, const char *key)
{
	if (i)
		ll_buf_add(b, ",", 1);
	jcs_string(b, key, strlen(key));
	ll_buf_add(b, ":", 1);
}

/*
 * An object: members in UTF-16 order of their keys (RFC 8785 §3.2.3).
 * With gap_key (a key v does not hold), *gap_at is set to the offset in b
 * where a member of that name would go: after '{' when every key sorts
 * after it, else at the ',' or '}' that follows the last member before it.
 * With raw (its key one v does not hold either, nor gap_key), that member
 * is written in its place among v's.
 */
static void jcs_object_gap(struct ll_buf *b, const json_t *v, int depth,
			   const char *gap_key, size_t *gap_at,
			   const struct jcs_raw *raw)
{
	size_t i, n = json_object_size(v);
	const char **keys = malloc((n + 1) * sizeof(*keys));
	const char *key;
	json_t *val;

	if (!keys) {
		b->fail = true;
		return;
	}
	i = 0;
	json_object_foreach((json_t *)v, key, val) keys[i++] = key;
	if (raw)
		keys[n++] = raw->key;
	qsort(keys, n, sizeof(*keys), cmp_utf16);
	ll_buf_add(b, "{", 1);
	for (i = 0; i < n; i++) {
		if (gap_key && cmp_utf16(&gap_key, &keys[i]) < 0) {
			*gap_at = b->n;
			gap_key = NULL;
		}
		jcs_member(b, i, keys[i]);
		if (raw && keys[i] == raw->key)
			ll_buf_add(b, raw->raw, raw->raw_len);
		else
			jcs_value(b, json_object_get(v, keys[i]), depth + 1);
	}
	if (gap_key)
		*gap_at = b->n;
	ll_buf_add(b, "}", 1);
	free(keys);
}

static void jcs_object(struct ll_buf *b, const json_t *v, int depth)
{
	jcs_object_gap(b, v, depth, NULL, NULL, NULL);
}

static void jcs_array(struct ll_buf *b, const json_t *v, int depth)
{
	size_t i;

	ll_buf_add(b, "[", 1);
	for (i = 0; i < json_array_size(v); i++) {
		if (i)
			ll_buf_add(b, ",", 1);
		jcs_value(b, json_array_get(v, i), depth + 1);
	}
	ll_buf_add(b, "]", 1);
}

/* An integer; one beyond 2^53 fails, as it is not exact in other JSON
 * readers. */
static void jcs_integer(struct ll_buf *b, json_int_t x)
{
	char num[32];

	if (x > 9007199254740991LL || x < -9007199254740991LL) {
		b->fail = true;
		return;
	}
	snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, x);
	ll_buf_add(b, num, strlen(num));
}

static void jcs_value(struct ll_buf *b, const json_t *v, int depth)
{
	if (depth > LL_JSON_DEPTH_MAX) {
		b->fail = true;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		jcs_object(b, v, depth);
		break;
	case JSON_ARRAY:
		jcs_array(b, v, depth);
		break;
	case JSON_STRING:
		jcs_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jcs_integer(b, json_integer_value(v));
		break;
	case JSON_TRUE:
		ll_buf_add(b, "true", 4);
		break;
	case JSON_FALSE:
		ll_buf_add(b, "false", 5);
		break;
	case JSON_NULL:
		ll_buf_add(b, "null", 4);
		break;
	case JSON_REAL:
		b->fail = true;
		break;
	}
}

char *ll_json_jcs(const json_t *v)
{
	struct ll_buf b = LL_BUF_INIT;

	jcs_value(&b, v, 0);
	if (b.fail || !b.s) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *ll_json_jcs_gap(const json_t *obj, const char *key, size_t *gap_at)
{
	return ll_json_jcs_splice(obj, NULL, NULL, 0, key, gap_at);
}

char *ll_json_jcs_splice(const json_t *obj, const char *raw_key,
			 const char *raw, size_t raw_len, const char *key,
			 size_t *gap_at)
{
	struct ll_buf b = LL_BUF_INIT;
	struct jcs_raw r = { raw_key, raw, raw_len };

	*gap_at = 0;
	if (!json_is_object(obj) || json_object_get(obj, key) ||
	    (raw_key && (json_object_get(obj, raw_key) ||
			 strcmp(raw_key, key) == 0)))
		return NULL;
	jcs_object_gap(&b, obj, 0, key, gap_at, raw_key ? &r : NULL);
	if (b.fail || !b.s) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

void ll_json_jcs_string(struct ll_buf *b, const char *s, size_t len)
{
	jcs_string(b, s, len);
}

char *ll_json_jcs_insert(const char *jcs, size_t gap_at, const char *key,
			 const char *value_jcs)
{
	struct ll_buf b = LL_BUF_INIT;
	size_t len = strlen(jcs);

	if (len < 2 || jcs[0] != '{' || gap_at < 1 || gap_at >= len)
		return NULL;
	ll_buf_add(&b, jcs, gap_at);
	if (gap_at > 1)	/* members before the gap */
		ll_buf_add(&b, ",", 1);
	jcs_string(&b, key, strlen(key));
	ll_buf_add(&b, ":", 1);
	ll_buf_str(&b, value_jcs);
	if (gap_at == 1 && jcs[1] != '}')	/* members only after it */
		ll_buf_add(&b, ",", 1);
	ll_buf_add(&b, jcs + gap_at, len - gap_at);
	if (b.fail || !b.s) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

bool ll_json_is_jcs(const json_t *v, const void *bytes, size_t len)
{
	char *jcs = ll_json_jcs(v);
	bool same = jcs && strlen(jcs) == len && memcmp(jcs, bytes, len) == 0;

	free(jcs);
	return same;
}

json_t *ll_json_xsum(const struct ll_xsum *x, int scale)
{
	mpq_t q;
	json_t *v;

	mpq_init(q);
	ll_xsum_get(q, x, scale);
	v = ll_json_fraction(q);
	mpq_clear(q);
	return v;
}

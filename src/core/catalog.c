/*
 * catalog.c — parse a party's own catalogue CSV (catalog.h) into works
 * with exact shares.
 *
 * Design decision: one record at a time is cut into at most
 * CATALOG_COLS_MAX fixed-size fields (RFC 4180 quoting, no field across
 * lines), then the header maps column names to positions once and every
 * row is read through that map; the first problem stops the parse, with
 * its line and column, so the message can be acted on as it stands.
 */
#include "ledgerline/catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/exact.h"

/* The columns a catalogue may have; a record with more fields than
 * these is refused before it is stored. */
enum col { COL_ISRC, COL_SHARE_MASTER, COL_SHARE_PUBLISHING, COL_ISWC,
	   COL_TITLE, CATALOG_COLS_MAX };

static const char *const col_names[CATALOG_COLS_MAX] = {
	"isrc", "share_master", "share_publishing", "iswc", "title"
};

struct parser {
	const char *name;
	const char *p, *end;
	uint32_t line;			/* of the record being read */
	int pos[CATALOG_COLS_MAX];	/* field index of each column, or -1 */
	size_t ncols;			/* fields in the header */
	char field[CATALOG_COLS_MAX][LL_CATALOG_FIELD_BYTES_MAX + 1];
	size_t nfields;
	struct ll_error *err;
};

void ll_catalog_init(struct ll_catalog *c)
{
	memset(c, 0, sizeof(*c));
}

void ll_catalog_release(struct ll_catalog *c)
{
	size_t i;
	int s;

	for (i = 0; i < c->n; i++) {
		for (s = 0; s < 2; s++)
			mpq_clear(c->v[i].share[s]);
		free(c->v[i].title);
	}
	free(c->v);
	ll_catalog_init(c);
}

static enum ll_status fail(struct parser *ps, const char *field,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum ll_status fail(struct parser *ps, const char *field,
			   const char *fmt, ...)
{
	char text[LL_ERROR_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return ll_error_set(ps->err, LL_INVALID, ps->name, ps->line, field,
			    "%s", text);
}

/* Append byte ch to field f (length *n); false when it is full. */
static bool put_byte(struct parser *ps, size_t f, size_t *n, char ch)
{
	if (*n >= LL_CATALOG_FIELD_BYTES_MAX)
		return false;
	if (f < CATALOG_COLS_MAX)
		ps->field[f][(*n)++] = ch;
	return true;
}

/* The end of a field inside quotes: the closing quote, then a comma, the
 * line's end or the file's end.  Advances ps->p past the quotes. */
static enum ll_status quoted(struct parser *ps, size_t f, size_t *n)
{
	ps->p++; /* the opening quote */
	for (;;) {
		if (ps->p >= ps->end || *ps->p == '\n' || *ps->p == '\r')
			return fail(ps, "row", "quoted field not closed on its "
				    "line");
		if (*ps->p == '"' && ps->p + 1 < ps->end && ps->p[1] == '"')
			ps->p++;
		else if (*ps->p == '"')
			break;
		if (!put_byte(ps, f, n, *ps->p))
			goto toolong;
		ps->p++;
	}
	ps->p++; /* the closing quote */
	if (ps->p < ps->end && *ps->p != ',' && *ps->p != '\n' &&
	    *ps->p != '\r')
		return fail(ps, "row", "unexpected text after a quoted field"
			    "");
	return LL_OK;
toolong:
	return fail(ps, "row", "a field is longer than %d bytes",
		    LL_CATALOG_FIELD_BYTES_MAX);
}

/* One field at ps->p into field f; stops at ',', a line end or the end. */
static enum ll_status one_field(struct parser *ps, size_t f)
{
	size_t n = 0;
	enum ll_status rc = LL_OK;

	if (ps->p < ps->end && *ps->p == '"')
		rc = quoted(ps, f, &n);
	else
		while (ps->p < ps->end && *ps->p != ',' && *ps->p != '\n' &&
		       *ps->p != '\r') {
			if (*ps->p == '"')
				return fail(ps, "row", "a quote inside an "
					    "unquoted field");
			if (*ps->p == '\0')
				return fail(ps, "row", "NUL byte");
			if (!put_byte(ps, f, &n, *ps->p))
				return fail(ps, "row", "a field is longer "
					    "than %d bytes",
					    LL_CATALOG_FIELD_BYTES_MAX);
			ps->p++;
		}
	if (rc == LL_OK && f < CATALOG_COLS_MAX)
		ps->field[f][n] = '\0';
	return rc;
}

/* Cut the record at ps->p into ps->field (ps->nfields fields) and step
 * past its line end. */
static enum ll_status record(struct parser *ps)
{
	enum ll_status rc;

	ps->nfields = 0;
	for (;;) {
		rc = one_field(ps, ps->nfields);
		if (rc != LL_OK)
			return rc;
		ps->nfields++;
		if (ps->p >= ps->end || *ps->p != ',')
			break;
		ps->p++;
	}
	if (ps->p < ps->end && *ps->p == '\r') {
		if (ps->p + 1 >= ps->end || ps->p[1] != '\n')
			return fail(ps, "row", "a CR not followed by LF");
		ps->p++;
	}
	if (ps->p < ps->end)
		ps->p++; /* the LF */
	return LL_OK;
}

static enum ll_status header(struct parser *ps)
{
	size_t i;
	int c;

	for (c = 0; c < CATALOG_COLS_MAX; c++)
		ps->pos[c] = -1;
	if (ps->nfields > CATALOG_COLS_MAX)
		return fail(ps, "header", "more columns than isrc, "
			    "share_master, share_publishing, iswc and title"
			    "");
	for (i = 0; i < ps->nfields; i++) {
		for (c = 0; c < CATALOG_COLS_MAX; c++)
			if (strcmp(ps->field[i], col_names[c]) == 0)
				break;
		if (c == CATALOG_COLS_MAX)
			return fail(ps, "header", "unknown column \"%s\"%s",
				    ps->field[i], "");
		if (ps->pos[c] >= 0)
			return fail(ps, "header", "column \"%s\" given "
				    "twice%s", ps->field[i], "");
		ps->pos[c] = (int)i;
	}
	for (c = 0; c <= COL_SHARE_PUBLISHING; c++)
		if (ps->pos[c] < 0)
			return fail(ps, "header", "no column \"%s\"%s",
				    col_names[c], "");
	ps->ncols = ps->nfields;
	return LL_OK;
}

/* The value of column c in the current row; "" for an absent column. */
static const char *val(const struct parser *ps, enum col c)
{
	return ps->pos[c] < 0 ? "" : ps->field[ps->pos[c]];
}

static enum ll_status share(struct parser *ps, struct ll_catalog_work *w,
			    enum col c, int side)
{
	const char *s = val(ps, c);
	struct ll_error e;

	if (!*s)
		return LL_OK;
	if (ll_exact_parse(w->share[side], s, strlen(s), &e) != LL_OK)
		return fail(ps, col_names[c], "%s", e.text);
	if (mpq_sgn(w->share[side]) <= 0)
		return fail(ps, col_names[c], "share \"%s\" is not greater "
			    "than 0 (leave the field empty for no share)%s",
			    s, "");
	if (mpq_cmp_ui(w->share[side], 1, 1) > 0)
		return fail(ps, col_names[c], "share \"%s\" is greater than "
			    "1%s", s, "");
	w->has_share[side] = true;
	return LL_OK;
}

static enum ll_status idents(struct parser *ps, struct ll_catalog_work *w)
{
	const char *isrc = val(ps, COL_ISRC), *iswc = val(ps, COL_ISWC);
	const char *why = NULL;

	if (*isrc && !ll_isrc_normalise(isrc, w->isrc, &why))
		return fail(ps, "isrc", "invalid isrc \"%s\": %s", isrc, why);
	if (*iswc && !ll_iswc_normalise(iswc, w->iswc, &why))
		return fail(ps, "iswc", "invalid iswc \"%s\": %s", iswc, why);
	if (!*isrc && !*iswc)
		return fail(ps, "isrc", "a row needs an isrc, or an iswc when "
			    "it has none");
	return LL_OK;
}

/* Refuse w when an earlier row has its ISRC, or when w and an earlier
 * row, both without an ISRC, have one ISWC.  A linear scan per row. */
static enum ll_status unique(struct parser *ps, const struct ll_catalog *c,
			     const struct ll_catalog_work *w)
{
	size_t i;

	for (i = 0; i + 1 < c->n; i++) { /* w is the last */
		const struct ll_catalog_work *o = &c->v[i];

		if (w->isrc[0] && strcmp(o->isrc, w->isrc) == 0)
			return fail(ps, "isrc", "duplicate isrc \"%s\" (first "
				    "on line %u)", w->isrc,
				    (unsigned)o->line);
		if (!w->isrc[0] && !o->isrc[0] &&
		    strcmp(o->iswc, w->iswc) == 0)
			return fail(ps, "iswc", "duplicate iswc \"%s\" (first "
				    "on line %u)", w->iswc,
				    (unsigned)o->line);
	}
	return LL_OK;
}

/* A new work at the end of c, its shares initialised; NULL on no memory. */
static struct ll_catalog_work *push(struct ll_catalog *c)
{
	struct ll_catalog_work *w;

	if (c->n == c->alloc) {
		size_t a = c->alloc ? c->alloc * 2 : 64;
		void *v = realloc(c->v, a * sizeof(*c->v));

		if (!v)
			return NULL;
		c->v = v;
		c->alloc = a;
	}
	w = &c->v[c->n++];
	memset(w, 0, sizeof(*w));
	mpq_init(w->share[0]);
	mpq_init(w->share[1]);
	return w;
}

static enum ll_status row(struct parser *ps, struct ll_catalog *c)
{
	const char *title = val(ps, COL_TITLE);
	struct ll_catalog_work *w;
	enum ll_status rc;

	if (ps->nfields != ps->ncols)
		return fail(ps, "row", "%zu fields, the header has %zu",
			    ps->nfields, ps->ncols);
	if (c->n >= LL_CATALOG_ROWS_MAX)
		return fail(ps, "row", "more than %d rows",
			    LL_CATALOG_ROWS_MAX);
	if (!(w = push(c)))
		return ll_error_set(ps->err, LL_NOMEM, ps->name, ps->line,
				    NULL, "out of memory");
	w->line = ps->line;
	rc = idents(ps, w);
	if (rc == LL_OK)
		rc = share(ps, w, COL_SHARE_MASTER, LL_CATALOG_MASTER);
	if (rc == LL_OK)
		rc = share(ps, w, COL_SHARE_PUBLISHING, LL_CATALOG_PUBLISHING);
	if (rc == LL_OK && !w->has_share[0] && !w->has_share[1])
		rc = fail(ps, "share_master", "a row needs a share on at "
			  "least one side");
	if (rc == LL_OK && ps->pos[COL_TITLE] >= 0) {
		json_t *t = json_string(title); /* NULL unless UTF-8 */

		if (!t)
			return fail(ps, "title", "not UTF-8 text");
		json_decref(t);
		if (!(w->title = strdup(title)))
			return ll_error_set(ps->err, LL_NOMEM, ps->name,
					    ps->line, NULL, "out of memory");
	}
	if (rc == LL_OK)
		rc = unique(ps, c, w);
	return rc;
}

enum ll_status ll_catalog_parse(struct ll_catalog *c, const char *name,
				const char *text, size_t len,
				struct ll_error *err)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	enum ll_status rc;

	if (!ps)
		return ll_error_set(err, LL_NOMEM, name, 0, NULL,
				    "out of memory");
	ps->name = name;
	ps->p = text;
	ps->end = text + len;
	ps->line = 1;
	ps->err = err;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		ps->p += 3;
	if (len > LL_CATALOG_BYTES_MAX)
		rc = fail(ps, "", "catalogue larger than %d bytes",
			  LL_CATALOG_BYTES_MAX);
	else if (ps->p >= ps->end)
		rc = fail(ps, "header", "empty catalogue");
	else
		rc = record(ps);
	if (rc == LL_OK)
		rc = header(ps);
	while (rc == LL_OK && ps->p < ps->end) {
		ps->line++;
		if (*ps->p == '\n' || *ps->p == '\r')
			rc = fail(ps, "row", "empty line");
		else
			rc = record(ps);
		if (rc == LL_OK)
			rc = row(ps, c);
	}
	if (rc == LL_OK && c->n == 0)
		rc = fail(ps, "row", "no works after the header");
	free(ps);
	return rc;
}

const struct ll_catalog_work *ll_catalog_by_isrc(const struct ll_catalog *c,
						 const char *isrc)
{
	size_t i;

	for (i = 0; isrc && *isrc && i < c->n; i++)
		if (strcmp(c->v[i].isrc, isrc) == 0)
			return &c->v[i];
	return NULL;
}

const struct ll_catalog_work *ll_catalog_by_iswc(const struct ll_catalog *c,
						 const char *iswc)
{
	const struct ll_catalog_work *first = NULL;
	size_t i;

	for (i = 0; iswc && *iswc && i < c->n; i++) {
		if (strcmp(c->v[i].iswc, iswc) != 0)
			continue;
		if (!c->v[i].isrc[0])
			return &c->v[i];
		if (!first)
			first = &c->v[i];
	}
	return first;
}

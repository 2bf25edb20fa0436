/*
 * render.c — the table backends of render.h: text columns, CSV and JSON.
 *
 * Design decision: the backends write through one function, put(), that
 * appends to the caller's buffer or writes to its stream, so each backend
 * is written once for both and holds no state of its own beyond the row
 * count in struct ll_render.
 */
#include "ledgerline/render.h"

#include <assert.h>
#include <string.h>

/* ---- where the bytes go -------------------------------------------------- */

static void put(struct ll_render *r, const char *s, size_t n)
{
	if (r->buf)
		ll_buf_add(r->buf, s, n);
	else if (n)
		fwrite(s, 1, n, r->fp);
}

static void put_str(struct ll_render *r, const char *s)
{
	put(r, s, strlen(s));
}

static void put_spaces(struct ll_render *r, size_t n)
{
	static const char spaces[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		put(r, spaces, k);
		n -= k;
	}
}

/* Value i of a row; values NULL is the header line, the column names. */
static const char *cell(const struct ll_render *r, const char *const *values,
			size_t i)
{
	if (!values)
		return r->t->cols[i].name;
	return values[i] ? values[i] : "";
}

/* ---- text: columns padded as printf's "%-24s" and "%18s" --------------- */

static void text_line(struct ll_render *r, const char *const *values)
{
	const struct ll_render_table *t = r->t;
	size_t i;

	if (t->indent)
		put_str(r, t->indent);
	for (i = 0; i < t->n_cols; i++) {
		const struct ll_render_col *c = &t->cols[i];
		const char *v = cell(r, values, i);
		size_t len = strlen(v), pad = len < c->width ? c->width - len : 0;

		if (i > 0)
			put(r, " ", 1);
		if (c->align == LL_RENDER_RIGHT)
			put_spaces(r, pad);
		put(r, v, len);
		if (c->align == LL_RENDER_LEFT)
			put_spaces(r, pad);
	}
	put(r, "\n", 1);
}

static void text_begin(struct ll_render *r)
{
	text_line(r, NULL);
}

static void no_end(struct ll_render *r)
{
	(void)r;
}

/* ---- csv ----------------------------------------------------------------- */

static void csv_field(struct ll_render *r, const char *s)
{
	const char *q;

	if (!s[strcspn(s, ",\"\r\n")]) {
		put_str(r, s);
		return;
	}
	put(r, "\"", 1);
	while ((q = strchr(s, '"')) != NULL) {
		put(r, s, (size_t)(q - s) + 1);
		put(r, "\"", 1);
		s = q + 1;
	}
	put_str(r, s);
	put(r, "\"", 1);
}

static void csv_line(struct ll_render *r, const char *const *values)
{
	size_t i;

	for (i = 0; i < r->t->n_cols; i++) {
		if (i > 0)
			put(r, ",", 1);
		csv_field(r, cell(r, values, i));
	}
	put(r, "\n", 1);
}

static void csv_begin(struct ll_render *r)
{
	csv_line(r, NULL);
}

/* ---- json ---------------------------------------------------------------- */

static void json_string(struct ll_render *r, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	put(r, "\"", 1);
	for (; *p; p++) {
		char esc[7] = { '\\', 'u', '0', '0', 0, 0, 0 };

		switch (*p) {
		case '"':
			put(r, "\\\"", 2);
			break;
		case '\\':
			put(r, "\\\\", 2);
			break;
		case '\b':
			put(r, "\\b", 2);
			break;
		case '\f':
			put(r, "\\f", 2);
			break;
		case '\n':
			put(r, "\\n", 2);
			break;
		case '\r':
			put(r, "\\r", 2);
			break;
		case '\t':
			put(r, "\\t", 2);
			break;
		default:
			if (*p >= 0x20) {
				put(r, (const char *)p, 1);
				break;
			}
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			put(r, esc, 6);
		}
	}
	put(r, "\"", 1);
}

static void json_begin(struct ll_render *r)
{
	put(r, "[", 1);
}

static void json_row(struct ll_render *r, const char *const *values)
{
	size_t i;

	put_str(r, r->rows ? ",\n  {" : "\n  {");
	for (i = 0; i < r->t->n_cols; i++) {
		if (i > 0)
			put(r, ", ", 2);
		json_string(r, r->t->cols[i].name);
		put(r, ": ", 2);
		if (values[i])
			json_string(r, values[i]);
		else
			put(r, "null", 4);
	}
	put(r, "}", 1);
}

static void json_end(struct ll_render *r)
{
	put_str(r, r->rows ? "\n]\n" : "]\n");
}

/* ---- the table of backends ------------------------------------------------ */

static const struct ll_render_backend backends[] = {
	{ "text", text_begin, text_line, no_end },
	{ "csv", csv_begin, csv_line, no_end },
	{ "json", json_begin, json_row, json_end },
};

const struct ll_render_backend *ll_render_backend(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strcmp(backends[i].name, name) == 0)
			return &backends[i];
	}
	return NULL;
}

void ll_render_begin(struct ll_render *r, const struct ll_render_backend *be,
		     const struct ll_render_table *t, struct ll_buf *buf,
		     FILE *fp)
{
	assert(r && be && t && t->n_cols > 0);
	assert(buf || fp);
	r->be = be;
	r->t = t;
	r->buf = buf;
	r->fp = buf ? NULL : fp;
	r->rows = 0;
	be->begin(r);
}

void ll_render_row(struct ll_render *r, const char *const *values)
{
	assert(r && r->be && values);
	r->be->row(r, values);
	r->rows++;
}

enum ll_status ll_render_end(struct ll_render *r, struct ll_error *err)
{
	assert(r && r->be);
	r->be->end(r);
	if (r->buf && r->buf->fail)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	return LL_OK;
}

/*
 * render.h — tables of text for people and programs: one small interface,
 * three backends (text columns, CSV, JSON), in the manner of curl's TLS
 * backends.  A command describes its columns once, picks a backend by
 * name (--format) and feeds it rows of strings.
 *
 * Design decision: every value is a string the caller has already
 * formatted (amounts are exact decimals, never numbers), so the backends
 * only lay text out and escape it; they never see money.  Output goes to
 * a struct ll_buf, or straight through to a FILE*, whose write errors
 * stay on the stream (ferror) for the caller, as with stdio.
 */
#ifndef LEDGERLINE_RENDER_H
#define LEDGERLINE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ledgerline/buf.h"
#include "ledgerline/status.h"

enum ll_render_align { LL_RENDER_LEFT, LL_RENDER_RIGHT };

/* One column: its name (the text and CSV header, the JSON key) and, for
 * the text backend, its width and alignment.  A longer value is never
 * cut: it pushes the rest of its line to the right, as printf's "%-24s"
 * does. */
struct ll_render_col {
	const char *name;
	size_t width;
	enum ll_render_align align;
};

struct ll_render_table {
	const struct ll_render_col *cols;
	size_t n_cols;
	const char *indent;	/* text: before every line; NULL for none */
};

struct ll_render;

/*
 * A backend: begin writes what comes before the rows (the text and CSV
 * header line, JSON's "["), row one row of t->n_cols values (NULL is an
 * empty field, JSON null), end what closes the table.
 *
 *   text  columns padded to their width, one space apart, t->indent first
 *   csv   one line a row, "\n" ended; a field holding a comma, a double
 *         quote, CR or LF is quoted, its quotes doubled (RFC 4180)
 *   json  an array of objects, one a line, keys the column names; '"',
 *         '\\' and control characters escaped (\b \f \n \r \t, else
 *         \u00xx), other bytes (UTF-8) as they are
 */
struct ll_render_backend {
	const char *name;	/* "text", "csv", "json" */
	void (*begin)(struct ll_render *r);
	void (*row)(struct ll_render *r, const char *const *values);
	void (*end)(struct ll_render *r);
};

/* A table being written; fill it with ll_render_begin. */
struct ll_render {
	const struct ll_render_backend *be;
	const struct ll_render_table *t;
	struct ll_buf *buf;	/* where the bytes go, or ... */
	FILE *fp;		/* ... when buf is NULL */
	size_t rows;		/* rows written so far */
};

/* The backend called name, or NULL when there is none; a borrowed
 * pointer to a static table. */
const struct ll_render_backend *ll_render_backend(const char *name);

/* Start table t with backend be, writing to buf, or to fp when buf is
 * NULL; r, t, buf and fp are borrowed until ll_render_end. */
void ll_render_begin(struct ll_render *r, const struct ll_render_backend *be,
		     const struct ll_render_table *t, struct ll_buf *buf,
		     FILE *fp);
/* One row: t->n_cols values, borrowed for the call. */
void ll_render_row(struct ll_render *r, const char *const *values);
/* Close the table.  LL_NOMEM when an append to buf failed (the buffer's
 * content is then incomplete); writes to fp are checked by the caller. */
enum ll_status ll_render_end(struct ll_render *r, struct ll_error *err);

#endif

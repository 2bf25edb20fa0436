/*
 * status.c — status strings, exit codes and the error records of status.h.
 *
 * Design decision: errors are plain fixed-size structs, copied by value into
 * bounded lists, so reporting an error can never itself fail halfway.
 */
#include "ledgerline/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"

const char *ll_strerror(enum ll_status s)
{
	switch (s) {
	case LL_OK:
		return "ok";
	case LL_FINDINGS:
		return "check found a problem";
	case LL_USAGE:
		return "invalid usage";
	case LL_INVALID:
		return "invalid input";
	case LL_IO:
		return "input/output error";
	case LL_DB:
		return "database error";
	case LL_NETWORK:
		return "network error";
	case LL_NOMEM:
		return "out of memory";
	case LL_INTERNAL:
		return "internal error";
	}
	return "unknown status";
}

int ll_status_exit_code(enum ll_status s)
{
	switch (s) {
	case LL_OK:
		return 0;
	case LL_FINDINGS:
		return 1;
	case LL_USAGE:
		return 2;
	case LL_INVALID:
	case LL_IO:
		return 3;
	case LL_DB:
		return 4;
	case LL_NETWORK:
		return 5;
	case LL_NOMEM:
	case LL_INTERNAL:
		return 6;
	}
	return 6;
}

static void copy_str(char *dst, size_t dst_size, const char *src)
{
	if (!src)
		src = "";
	ll_str_copy_cut(dst, dst_size, src);
}

void ll_error_clear(struct ll_error *err)
{
	memset(err, 0, sizeof(*err));
	err->code = LL_OK;
}

static void error_vset(struct ll_error *err, enum ll_status code,
		       const char *source, long line, const char *field,
		       const char *fmt, va_list ap)
{
	err->code = code;
	copy_str(err->source, sizeof(err->source), source);
	err->line = line;
	copy_str(err->field, sizeof(err->field), field);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
}

enum ll_status ll_error_set(struct ll_error *err, enum ll_status code,
			    const char *source, long line, const char *field,
			    const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	error_vset(err, code, source, line, field, fmt, ap);
	va_end(ap);
	return code;
}

void ll_errlist_init(struct ll_errlist *l, size_t max)
{
	l->v = NULL;
	l->n = 0;
	l->max = max ? max : LL_ERRLIST_DEFAULT_MAX;
	l->dropped = 0;
}

void ll_errlist_release(struct ll_errlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->dropped = 0;
}

size_t ll_errlist_count(const struct ll_errlist *l)
{
	return l->n + l->dropped;
}

enum ll_status ll_errlist_add(struct ll_errlist *l, const struct ll_error *err)
{
	struct ll_error *nv;

	if (l->n >= l->max) {
		l->dropped++;
		return LL_OK;
	}
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		l->dropped++;
		return LL_NOMEM;
	}
	l->v = nv;
	l->v[l->n++] = *err;
	return LL_OK;
}

void ll_errlist_addf(struct ll_errlist *l, enum ll_status code,
		     const char *source, long line, const char *field,
		     const char *fmt, ...)
{
	struct ll_error e;
	va_list ap;

	va_start(ap, fmt);
	error_vset(&e, code, source, line, field, fmt, ap);
	va_end(ap);
	(void)ll_errlist_add(l, &e);
}

struct ranked {
	size_t source_rank, index;
	struct ll_error *e;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->source_rank != y->source_rank)
		return x->source_rank < y->source_rank ? -1 : 1;
	if (x->e->line != y->e->line)
		return x->e->line < y->e->line ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

void ll_errlist_sort(struct ll_errlist *l)
{
	struct ranked *r;
	struct ll_error *v;
	size_t i, j;

	if (l->n < 2)
		return;
	r = malloc(l->n * sizeof(*r));
	v = malloc(l->n * sizeof(*v));
	if (!r || !v) {
		free(r);
		free(v);
		return; /* unsorted but complete */
	}
	for (i = 0; i < l->n; i++) {
		r[i].index = i;
		r[i].e = &l->v[i];
		r[i].source_rank = i;
		for (j = 0; j < i; j++) {
			if (strcmp(l->v[j].source, l->v[i].source) == 0) {
				r[i].source_rank = r[j].source_rank;
				break;
			}
		}
	}
	qsort(r, l->n, sizeof(*r), cmp_ranked);
	for (i = 0; i < l->n; i++)
		v[i] = *r[i].e;
	memcpy(l->v, v, l->n * sizeof(*v));
	free(r);
	free(v);
}

/* Append s to buf (of buf_size) at *off, truncating; keeps the NUL. */
static void append(char *buf, size_t buf_size, size_t *off, const char *s)
{
	size_t n = strlen(s);

	if (*off + 1 >= buf_size)
		return;
	if (n > buf_size - 1 - *off)
		n = buf_size - 1 - *off;
	memcpy(buf + *off, s, n);
	*off += n;
	buf[*off] = '\0';
}

void ll_error_format(const struct ll_error *err, char *buf, size_t buf_size)
{
	char line[32];
	size_t off = 0;

	if (buf_size == 0)
		return;
	buf[0] = '\0';
	if (err->source[0]) {
		append(buf, buf_size, &off, err->source);
		if (err->line > 0) {
			snprintf(line, sizeof(line), ":%ld", err->line);
			append(buf, buf_size, &off, line);
		}
		append(buf, buf_size, &off, ": ");
	}
	if (err->field[0]) {
		append(buf, buf_size, &off, err->field);
		append(buf, buf_size, &off, ": ");
	}
	append(buf, buf_size, &off,
	       err->text[0] ? err->text : ll_strerror(err->code));
}

_Noreturn void ll_ensure_failed(const char *what, const char *file, int line)
{
	fprintf(stderr, "ledgerline: internal error: invariant '%s' broken at %s:%d\n",
		what, file, line);
	fflush(stderr);
	abort();
}

/*
 * buf.h — a growable, always NUL-terminated byte buffer for building
 * output text (CSV, XML, canonical JSON).
 *
 * Design decision: appending never reports failure at each call; the
 * first failed allocation sets fail, later appends do nothing, and the
 * builder checks once at the end, so output code stays linear.
 */
#ifndef LEDGERLINE_BUF_H
#define LEDGERLINE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct ll_buf {
	char *s;	/* NULL until the first append */
	size_t n, cap;
	bool fail;	/* an allocation failed: the content is incomplete */
};

#define LL_BUF_INIT { NULL, 0, 0, false }

/* Append n bytes of s. */
void ll_buf_add(struct ll_buf *b, const char *s, size_t n);
/* Append a NUL-terminated string. */
void ll_buf_str(struct ll_buf *b, const char *s);

#endif

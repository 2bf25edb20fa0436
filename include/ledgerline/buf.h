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
/* Append s as HTML text or attribute value: & < > " ' as character
 * references, every other byte as it is. */
void ll_buf_html(struct ll_buf *b, const char *s);

/*
 * Copy the string src into dst of size n, always NUL-terminated.  Returns
 * false, with dst holding the empty string, when src does not fit: a value
 * that does not fit is an error for the caller to report, never a silently
 * shortened copy.  For text that may visibly be cut (an error message), use
 * ll_str_copy_cut.
 */
bool ll_str_copy(char *dst, size_t n, const char *src);
/* Copy src into dst, cutting it to n - 1 bytes if it is longer. */
void ll_str_copy_cut(char *dst, size_t n, const char *src);

#endif

/*
 * buf.c — growable text buffers (buf.h).
 *
 * Design decision: capacity doubles, so building a file of n bytes costs
 * O(n) copies in all; the buffer stays NUL-terminated after every append
 * so it can be handed out as a C string without a final step.
 */
#include "ledgerline/buf.h"

#include <stdlib.h>
#include <string.h>

void ll_buf_add(struct ll_buf *b, const char *s, size_t n)
{
	if (b->fail)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 4096;
		char *ns;

		while (ncap < b->n + n + 1)
			ncap *= 2;
		ns = realloc(b->s, ncap);
		if (!ns) {
			b->fail = true;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void ll_buf_str(struct ll_buf *b, const char *s)
{
	ll_buf_add(b, s, strlen(s));
}

void ll_buf_html(struct ll_buf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *ref = NULL;

		switch (*s) {
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		case '\'': ref = "&#39;"; break;
		default: continue;
		}
		ll_buf_add(b, run, (size_t)(s - run));
		ll_buf_str(b, ref);
		run = s + 1;
	}
	ll_buf_add(b, run, (size_t)(s - run));
}

bool ll_str_copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (n == 0)
		return false;
	if (len >= n) {
		dst[0] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

void ll_str_copy_cut(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (n == 0)
		return;
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

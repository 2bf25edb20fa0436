/*
 * partialio.c — partials read as streams, and their ids merged across
 * partials (partialio.h).
 */
#include "ledgerline/partialio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledgerline/buf.h"
#include "ledgerline/input.h"

enum {
	CHECKSUM_LINE_LEN = 72,	/* "sha256 " + 64 hex digits + "\n" */
};

static const char MAGIC[] = "ledgerline-partial ";

/* Hash n more bytes of the partial (nothing once summed: the file was
 * read to its end). */
static void sum_update(struct ll_partial_stream *s, const char *p, size_t n)
{
	if (!s->summed)
		ll_sha256_update(&s->h, p, n);
}

/* The SHA-256 of the lines hashed, into d (the same every call). */
static void sum_final(struct ll_partial_stream *s, uint8_t d[LL_SHA256_LEN])
{
	if (!s->summed) {
		ll_sha256_final(&s->h, s->digest);
		s->summed = true;
	}
	memcpy(d, s->digest, LL_SHA256_LEN);
}

/* The next line into s->lb (s->len, -1 at the end of the file), and
 * whether it is the last. */
static enum ll_status read_line(struct ll_partial_stream *s,
				struct ll_error *err)
{
	int c;

	errno = 0;
	s->len = getline(&s->lb, &s->cap, s->f);
	if (s->len < 0 && (errno == ENOMEM || ferror(s->f)))
		return ll_error_set(err, errno == ENOMEM ? LL_NOMEM : LL_IO,
				    s->source, s->line, NULL,
				    "cannot read the partial");
	if (s->len < 0)
		return LL_OK;
	s->line++;
	c = getc(s->f);
	s->last = c == EOF;
	if (c != EOF)
		ungetc(c, s->f);
	return LL_OK;
}

/* At the end of the file: s->lb the empty line. */
static enum ll_status no_line(struct ll_partial_stream *s, struct ll_error *err)
{
	if (!s->lb && !(s->lb = calloc(1, 1)))
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	s->len = 0;
	s->lb[0] = '\0';
	return LL_OK;
}

static bool hex_lower(const char *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!((x[i] >= '0' && x[i] <= '9') || (x[i] >= 'a' && x[i] <= 'f')))
			return false;
	}
	return true;
}

/* s->lb, the last line, against the SHA-256 of every line before it. */
static enum ll_status check_sum(struct ll_partial_stream *s,
				struct ll_error *err)
{
	uint8_t d[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN + 1];

	if (s->len != CHECKSUM_LINE_LEN || s->lb[s->len - 1] != '\n' ||
	    memcmp(s->lb, "sha256 ", 7) != 0 ||
	    !hex_lower(s->lb + 7, LL_SHA256_HEX_LEN))
		return ll_error_set(err, LL_INVALID, s->source, s->line,
				    "sha256",
				    "no checksum line at the end: the partial "
				    "is truncated or damaged");
	sum_final(s, d);
	ll_hex(d, sizeof(d), hex);
	if (memcmp(hex, s->lb + 7, LL_SHA256_HEX_LEN) != 0)
		return ll_error_set(err, LL_INVALID, s->source, s->line,
				    "sha256",
				    "checksum mismatch: the partial was "
				    "changed or damaged after it was written");
	memcpy(s->sha256, hex, sizeof(hex));
	s->done = true;
	return LL_OK;
}

/*
 * After an error rc in err: read the rest of the file and check its
 * checksum, which wins when it fails (a damaged partial is reported as
 * such, whatever its damage made of the text).  s->lb is the line read
 * last, not yet hashed when it is the last.
 */
static enum ll_status settle(struct ll_partial_stream *s, enum ll_status rc,
			     struct ll_error *err)
{
	struct ll_error sum;

	if (rc != LL_INVALID)
		return rc;
	ll_error_clear(&sum);
	while (s->len >= 0 && !s->last) {
		if (read_line(s, &sum) != LL_OK)
			return rc;
		if (s->len >= 0 && !s->last)
			sum_update(s, s->lb, (size_t)s->len);
	}
	if (s->len < 0 && no_line(s, &sum) != LL_OK)
		return rc;
	if (check_sum(s, &sum) != LL_OK)
		*err = sum;
	s->done = false;
	return rc;
}

/* The head up to and including its line "ids N" into b (hashed): stops
 * early at a first line that is not a partial's, or at the last line. */
static enum ll_status read_prefix(struct ll_partial_stream *s,
				  struct ll_buf *b, struct ll_error *err)
{
	enum ll_status rc;

	for (;;) {
		rc = read_line(s, err);
		if (rc != LL_OK || s->len < 0)
			return rc;
		if (s->last)
			return LL_OK;
		sum_update(s, s->lb, (size_t)s->len);
		ll_buf_add(b, s->lb, (size_t)s->len);
		if (b->fail)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		if (b->n > LL_PARTIAL_BYTES_MAX)
			return ll_error_set(err, LL_INVALID, s->source, s->line,
					    "ids", "the head of the partial is "
					    "larger than %zu bytes",
					    LL_PARTIAL_BYTES_MAX);
		if (s->line == 1 && strncmp(s->lb, MAGIC, sizeof(MAGIC) - 1))
			return LL_OK;
		if (strncmp(s->lb, "ids ", 4) == 0)
			return LL_OK;
	}
}

/* The head read to the file's last line without its line "ids N": the
 * version first, then the checksum, then what the head lacks. */
static enum ll_status head_at_end(struct ll_partial_stream *s,
				  struct ll_partial *p, const struct ll_buf *b,
				  struct ll_error *err)
{
	uint64_t n_ids = 0;
	enum ll_status rc = ll_partial_decode_head(p, b->s ? b->s : "", b->n,
						   s->source, &n_ids, err);

	if (rc == LL_INVALID && err->line <= 1)
		return rc;
	if (check_sum(s, err) != LL_OK)
		return LL_INVALID;
	s->done = false;
	if (rc == LL_OK)
		rc = ll_error_set(err, LL_INVALID, s->source, s->line, "ids",
				  "missing: the partial is truncated");
	return rc;
}

enum ll_status ll_partial_stream_open(struct ll_partial_stream *s,
				      struct ll_partial *p, const char *spec,
				      struct ll_error *err)
{
	struct ll_buf b = LL_BUF_INIT;
	enum ll_status rc;
	int fd = -1;

	memset(s, 0, sizeof(*s));
	s->source = spec;
	s->len = -1;
	if (ll_sha256_init(&s->h) != LL_OK)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	rc = ll_input_open(spec, (uint64_t)LL_PARTIAL_BYTES_MAX, 0, &fd, err);
	if (rc != LL_OK)
		return rc;
	s->f = fdopen(fd, "rb");
	if (!s->f) {
		close(fd);
		return ll_error_set(err, LL_IO, spec, 0, NULL,
				    "cannot read the partial");
	}
	rc = read_prefix(s, &b, err);
	if (rc == LL_OK && s->len >= 0 && s->last) {
		rc = head_at_end(s, p, &b, err);
	} else if (rc == LL_OK) {
		rc = ll_partial_decode_head(p, b.s ? b.s : "", b.n, spec,
					    &s->left, err);
		if (rc == LL_INVALID && err->line > 1)
			rc = settle(s, rc, err);
	}
	free(b.s);
	s->n_logs = p->n_logs;
	return rc;
}

/* No more ids: the checksum line, and nothing after it. */
static enum ll_status stream_end(struct ll_partial_stream *s,
				 struct ll_error *err)
{
	enum ll_status rc = read_line(s, err);

	if (rc != LL_OK)
		return rc;
	if (s->len < 0 && (rc = no_line(s, err)) != LL_OK)
		return rc;
	if (s->len == 0 || s->last)
		return check_sum(s, err);
	sum_update(s, s->lb, (size_t)s->len);
	rc = ll_error_set(err, LL_INVALID, s->source, s->line, "sha256",
			  "text after the ids");
	return settle(s, rc, err);
}

enum ll_status ll_partial_stream_next(struct ll_partial_stream *s,
				      struct ll_error *err)
{
	enum ll_status rc;

	free(s->prev.id);
	s->prev = s->cur;
	memset(&s->cur, 0, sizeof(s->cur));
	s->have = false;
	if (s->done)
		return LL_OK;
	if (s->left == 0)
		return stream_end(s, err);
	rc = read_line(s, err);
	if (rc != LL_OK)
		return rc;
	if (s->len < 0 || s->last) {
		if (s->len < 0 && (rc = no_line(s, err)) != LL_OK)
			return rc;
		rc = check_sum(s, err);
		s->done = false;
		return rc != LL_OK ? rc
				   : ll_error_set(err, LL_INVALID, s->source,
						  s->line, "id",
						  "missing: the partial is "
						  "truncated");
	}
	sum_update(s, s->lb, (size_t)s->len);
	rc = ll_partial_decode_id(&s->cur, s->lb, (size_t)s->len, s->n_logs,
				  s->source, s->line, err);
	if (rc == LL_OK && s->prev.id &&
	    ll_partial_id_cmp(&s->prev, &s->cur) >= 0)
		rc = ll_error_set(err, LL_INVALID, s->source, s->line, "id",
				  "ids out of order or repeated");
	if (rc != LL_OK)
		return settle(s, rc, err);
	s->left--;
	s->have = true;
	return LL_OK;
}

void ll_partial_stream_close(struct ll_partial_stream *s)
{
	if (s->f)
		fclose(s->f);
	free(s->lb);
	free(s->cur.id);
	free(s->prev.id);
	ll_sha256_release(&s->h);
	memset(s, 0, sizeof(*s));
}

/* ---- the merge -------------------------------------------------------- */

/* The id last taken from the merge, to compare with the next: the
 * previous id of its stream, valid until that stream moves on again. */
struct taken {
	const struct ll_partial_id *id;
	size_t part;
};

static void report(const struct taken *a, const struct ll_partial_stream *b,
		   size_t bp, const struct ll_partial *parts,
		   const char *const *names, struct ll_errlist *errs)
{
	ll_errlist_addf(errs, LL_INVALID, names[bp], 0, "id",
			"duplicate event id \"%.64s\": in %s (%s:%ld) "
			"and in %s (%s:%ld)",
			b->cur.id, names[a->part],
			parts[a->part].logs[a->id->log].name, a->id->line,
			names[bp], parts[bp].logs[b->cur.log].name,
			b->cur.line);
}

/* Take the heap's first id (compared with the one before), advance its
 * stream and restore the heap. */
static enum ll_status take(struct ll_partial_stream *v,
			   const struct ll_partial_id *const *cur,
			   size_t *heap, size_t *n, struct taken *t,
			   const struct ll_partial *parts,
			   const char *const *names, struct ll_errlist *errs,
			   size_t *found, struct ll_error *err)
{
	struct ll_partial_stream *s = &v[heap[0]];
	enum ll_status rc;

	if (t->id && ll_partial_id_cmp(t->id, &s->cur) == 0) {
		report(t, s, heap[0], parts, names, errs);
		(*found)++;
	}
	rc = ll_partial_stream_next(s, err);
	if (rc != LL_OK)
		return rc;
	t->id = &s->prev;
	t->part = heap[0];
	if (!s->have)
		heap[0] = heap[--*n];
	ll_partial_id_sift(cur, heap, *n, 0);
	return LL_OK;
}

enum ll_status ll_partial_streams_merge(struct ll_partial_stream *v, size_t n,
					const struct ll_partial *parts,
					const char *const *names,
					struct ll_errlist *errs, size_t *found,
					struct ll_error *err)
{
	size_t *heap = calloc(n + 1, sizeof(*heap)), k = 0, i;
	/* each stream's current id, read in place as it advances */
	const struct ll_partial_id **cur = calloc(n + 1, sizeof(*cur));
	struct taken t = { NULL, 0 };
	enum ll_status rc = heap && cur ? LL_OK : LL_NOMEM;

	*found = 0;
	for (i = 0; i < n && rc == LL_OK; i++) {
		cur[i] = &v[i].cur;
		rc = ll_partial_stream_next(&v[i], err);
		if (rc == LL_OK && v[i].have)
			heap[k++] = i;
	}
	for (i = k / 2; rc == LL_OK && i-- > 0;)
		ll_partial_id_sift(cur, heap, k, i);
	while (rc == LL_OK && k > 0)
		rc = take(v, cur, heap, &k, &t, parts, names, errs, found,
			  err);
	free(cur);
	free(heap);
	if (rc == LL_NOMEM && !err->text[0])
		ll_error_set(err, rc, NULL, 0, NULL, "out of memory");
	return rc;
}

/*
 * idsort.c — a partial's event ids sorted within a memory budget: runs
 * spilled to an unlinked temporary file, merged as they are handed out
 * (idsort.h).
 */
#include "ledgerline/idsort.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledgerline/buf.h"
#include "ledgerline/ident.h"

enum {
	/* bytes counted per id beyond its entry and text: the array's
	 * room to grow and the sort's second array (32 bytes an id) */
	ID_OVERHEAD = 48,
	/* sorted ids are written in an order unrelated to where their
	 * text is: ask for the text this many ids ahead */
	PREFETCH_AHEAD = 8,
};

static const char TMP_NAME[] = "a temporary file of event ids";

enum ll_status ll_idsort_init(struct ll_idsort *s, const char *dir,
			      uint64_t budget, struct ll_error *err)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->budget = budget;
	s->dir = strdup(dir && dir[0] ? dir : "/tmp");
	if (!s->dir)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	return LL_OK;
}

/* The ids in memory forgotten, their text blocks freed. */
static void free_ids(struct ll_idsort *s)
{
	size_t i;

	for (i = 0; i < s->n_text; i++)
		free(s->text[i]);
	s->n_text = 0;
	s->text_used = 0;
	s->n = 0;
	s->held = 0;
}

/* A copy of id[0, len) and its NUL in the text blocks; NULL: no memory.
 * Ids are copied one after another into blocks of a megabyte: one
 * allocation per block, not per id, and nothing to free one by one. */
static char *copy_id(struct ll_idsort *s, const char *id, size_t len)
{
	char *d;

	LL_ENSURE(len < LL_IDSORT_TEXT_BYTES);
	if (!s->n_text || s->text_used + len + 1 > LL_IDSORT_TEXT_BYTES) {
		if (s->n_text == s->cap_text) {
			size_t ncap = s->cap_text ? s->cap_text * 2 : 16;
			char **nv = realloc(s->text, ncap * sizeof(*nv));

			if (!nv)
				return NULL;
			s->text = nv;
			s->cap_text = ncap;
		}
		if (!(s->text[s->n_text] = malloc(LL_IDSORT_TEXT_BYTES)))
			return NULL;
		s->n_text++;
		s->text_used = 0;
	}
	d = s->text[s->n_text - 1] + s->text_used;
	memcpy(d, id, len + 1);
	s->text_used += len + 1;
	return d;
}

void ll_idsort_release(struct ll_idsort *s)
{
	free_ids(s);
	free(s->v);
	free(s->text);
	if (s->fd >= 0)
		close(s->fd);
	free(s->runs);
	free(s->dir);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static int qcmp(const void *a, const void *b)
{
	return ll_partial_id_cmp(a, b);
}

/*
 * v[0, n) by (hash, id): a least-significant-digit radix sort on the hash,
 * 11 bits a pass (buckets few enough for the cache), every pass's counts
 * taken in one read and a pass whose digit is the same for all skipped;
 * then each run of equal hashes by id.  A tally sorts one id per event,
 * and a comparison sort's calls through qsort were its longest step.
 * Without memory for the second array, qsort.
 */
static void sort_ids(struct ll_partial_id *v, size_t n)
{
	enum {
		DIGIT_BITS = 11,
		BUCKETS = 1 << DIGIT_BITS,
		PASSES = (64 + DIGIT_BITS - 1) / DIGIT_BITS,
	};
	struct ll_partial_id *tmp, *src = v, *dst;
	size_t (*count)[BUCKETS], i, j;
	unsigned p;

	if (n < 2)
		return;
	tmp = malloc(n * sizeof(*tmp));
	count = calloc(PASSES, sizeof(*count));
	if (!tmp || !count) {
		free(tmp);
		free(count);
		qsort(v, n, sizeof(*v), qcmp);
		return;
	}
	for (i = 0; i < n; i++) {
		for (p = 0; p < PASSES; p++)
			count[p][(v[i].hash >> (p * DIGIT_BITS)) &
				 (BUCKETS - 1)]++;
	}
	dst = tmp;
	for (p = 0; p < PASSES; p++) {
		unsigned shift = p * DIGIT_BITS;
		size_t sum = 0, *c = count[p];

		if (c[(v[0].hash >> shift) & (BUCKETS - 1)] == n)
			continue;
		for (i = 0; i < BUCKETS; i++) {
			size_t k = c[i];

			c[i] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			dst[c[(src[i].hash >> shift) & (BUCKETS - 1)]++] = src[i];
		dst = src;
		src = src == v ? tmp : v;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
	free(count);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].hash == v[i].hash; j++)
			;
		if (j - i > 1)
			qsort(v + i, j - i, sizeof(*v), qcmp);
	}
}

static enum ll_status open_file(struct ll_idsort *s, struct ll_error *err)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/ledgerline-idsort-XXXXXX",
			 s->dir);

	if (n < 0 || (size_t)n >= sizeof(path))
		return ll_error_set(err, LL_IO, s->dir, 0, NULL,
				    "temporary directory name too long");
	s->fd = mkstemp(path);
	if (s->fd < 0)
		return ll_error_set(err, LL_IO, s->dir, 0, NULL,
				    "cannot create %s: %s", TMP_NAME,
				    strerror(errno));
	unlink(path);
	return LL_OK;
}

static enum ll_status put(struct ll_idsort *s, const char *p, size_t n,
			  struct ll_error *err)
{
	while (n) {
		ssize_t k = pwrite(s->fd, p, n, (off_t)s->size);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return ll_error_set(err, LL_IO, s->dir, 0, NULL,
					    "cannot write %s: %s", TMP_NAME,
					    k < 0 ? strerror(errno)
						  : "no space written");
		p += k;
		n -= (size_t)k;
		s->size += (uint64_t)k;
	}
	return LL_OK;
}

/* The ids in memory, sorted, appended as one run. */
static enum ll_status spill(struct ll_idsort *s, struct ll_error *err)
{
	struct ll_buf b = LL_BUF_INIT;
	uint64_t start = s->size;
	enum ll_status rc = s->fd < 0 ? open_file(s, err) : LL_OK;
	size_t i;

	if (rc == LL_OK && s->n_runs == s->cap_runs) {
		size_t ncap = s->cap_runs ? s->cap_runs * 2 : 16;
		struct ll_idsort_run *nv = realloc(s->runs, ncap * sizeof(*nv));

		if (!nv)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		s->runs = nv;
		s->cap_runs = ncap;
	}
	if (s->n > 0)
		sort_ids(s->v, s->n);
	for (i = 0; i < s->n && rc == LL_OK; i++) {
		if (i + PREFETCH_AHEAD < s->n)
			__builtin_prefetch(s->v[i + PREFETCH_AHEAD].id);
		ll_partial_encode_id(&s->v[i], &b);
		if (b.fail)
			rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory");
		else if (b.n >= LL_IDSORT_READ_BYTES || i + 1 == s->n) {
			rc = put(s, b.s, b.n, err);
			b.n = 0;
		}
	}
	free(b.s);
	if (rc != LL_OK)
		return rc;
	s->runs[s->n_runs].offset = start;
	s->runs[s->n_runs++].bytes = s->size - start;
	free_ids(s);
	return LL_OK;
}

enum ll_status ll_idsort_add(struct ll_idsort *s, const char *id,
			     uint32_t log, long line, struct ll_error *err)
{
	struct ll_partial_id *d;
	size_t len = strlen(id);

	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 4096;
		struct ll_partial_id *nv = realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		s->v = nv;
		s->cap = ncap;
	}
	d = &s->v[s->n];
	d->id = copy_id(s, id, len);
	if (!d->id)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	d->hash = ll_event_id_hash(id, len);
	d->log = log;
	d->line = line;
	s->n++;
	s->total++;
	s->held += sizeof(*d) + len + 1 + ID_OVERHEAD;
	return s->held >= s->budget ? spill(s, err) : LL_OK;
}

/* ---- the merge -------------------------------------------------------- */

struct reader {
	uint64_t off, end;		/* what is left of the run */
	char *buf;
	size_t cap, have, pos;
	const char *line;		/* the current id's line */
	size_t len;
	struct ll_partial_id cur;
};

/* The next whole line of r into r->line (NULL at the run's end). */
static enum ll_status next_line(struct ll_idsort *s, struct reader *r,
				struct ll_error *err)
{
	for (;;) {
		char *p = r->buf + r->pos;
		char *nl = memchr(p, '\n', r->have - r->pos);
		size_t want;
		ssize_t k;

		if (nl) {
			r->line = p;
			r->len = (size_t)(nl - p) + 1;
			r->pos += r->len;
			return LL_OK;
		}
		memmove(r->buf, p, r->have - r->pos);
		r->have -= r->pos;
		r->pos = 0;
		if (r->off >= r->end) {
			r->line = NULL;
			return r->have == 0 ? LL_OK
					    : ll_error_set(err, LL_INTERNAL,
							   s->dir, 0, NULL,
							   "%s is cut short",
							   TMP_NAME);
		}
		if (r->have == r->cap) {
			char *nb = realloc(r->buf, r->cap * 2);

			if (!nb)
				return ll_error_set(err, LL_NOMEM, NULL, 0,
						    NULL, "out of memory");
			r->buf = nb;
			r->cap *= 2;
		}
		want = r->cap - r->have;
		if ((uint64_t)want > r->end - r->off)
			want = (size_t)(r->end - r->off);
		k = pread(s->fd, r->buf + r->have, want, (off_t)r->off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return ll_error_set(err, LL_IO, s->dir, 0, NULL,
					    "cannot read %s: %s", TMP_NAME,
					    k < 0 ? strerror(errno)
						  : "it ended early");
		r->have += (size_t)k;
		r->off += (uint64_t)k;
	}
}

/* The reader's next id into r->cur (r->line NULL at its end). */
static enum ll_status advance(struct ll_idsort *s, struct reader *r,
			      struct ll_error *err)
{
	enum ll_status rc;

	free(r->cur.id);
	r->cur.id = NULL;
	rc = next_line(s, r, err);
	if (rc != LL_OK || !r->line)
		return rc;
	rc = ll_partial_decode_id(&r->cur, r->line, r->len, UINT32_MAX,
				  TMP_NAME, 0, err);
	return rc == LL_INVALID ? LL_INTERNAL : rc;
}

/* Hand id d to emit as its partial line, its log mapped (b: scratch). */
static enum ll_status emit_mapped(const struct ll_partial_id *d,
				  const uint32_t *log_map, struct ll_buf *b,
				  ll_idsort_emit_fn emit, void *ctx,
				  struct ll_error *err)
{
	struct ll_partial_id m = *d;

	m.log = log_map ? log_map[d->log] : d->log;
	b->n = 0;
	ll_partial_encode_id(&m, b);
	return b->fail ? ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				      "out of memory")
		       : emit(ctx, b->s, b->n, err);
}

/* The runs merged through a heap of their indices (cur[i]: run i's
 * current id, decoded in place as it advances). */
static enum ll_status merge(struct ll_idsort *s, struct reader *v,
			    const struct ll_partial_id **cur, size_t *heap,
			    const uint32_t *log_map, ll_idsort_emit_fn emit,
			    void *ctx, struct ll_error *err)
{
	struct ll_buf b = LL_BUF_INIT;
	enum ll_status rc = LL_OK;
	size_t i, k = 0;

	for (i = 0; i < s->n_runs && rc == LL_OK; i++) {
		v[i].off = s->runs[i].offset;
		v[i].end = s->runs[i].offset + s->runs[i].bytes;
		v[i].cap = LL_IDSORT_READ_BYTES;
		v[i].buf = malloc(v[i].cap);
		cur[i] = &v[i].cur;
		rc = v[i].buf ? advance(s, &v[i], err)
			      : ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					     "out of memory");
		if (rc == LL_OK && v[i].line)
			heap[k++] = i;
	}
	for (i = k / 2; rc == LL_OK && i-- > 0;)
		ll_partial_id_sift(cur, heap, k, i);
	while (rc == LL_OK && k > 0) {
		struct reader *r = &v[heap[0]];

		/* a run's line is the id's as added: sent as it is when
		 * there is no map */
		rc = log_map ? emit_mapped(&r->cur, log_map, &b, emit, ctx, err)
			     : emit(ctx, r->line, r->len, err);
		if (rc == LL_OK)
			rc = advance(s, r, err);
		if (rc == LL_OK && !r->line)
			heap[0] = heap[--k];
		ll_partial_id_sift(cur, heap, k, 0);
	}
	free(b.s);
	return rc;
}

/* No run spilled: the ids in memory, sorted, straight to emit. */
static enum ll_status drain_memory(struct ll_idsort *s,
				   const uint32_t *log_map,
				   ll_idsort_emit_fn emit, void *ctx,
				   struct ll_error *err)
{
	struct ll_buf b = LL_BUF_INIT;
	enum ll_status rc = LL_OK;
	size_t i;

	if (s->n > 0)
		sort_ids(s->v, s->n);
	for (i = 0; i < s->n && rc == LL_OK; i++) {
		if (i + PREFETCH_AHEAD < s->n)
			__builtin_prefetch(s->v[i + PREFETCH_AHEAD].id);
		rc = emit_mapped(&s->v[i], log_map, &b, emit, ctx, err);
	}
	free(b.s);
	return rc;
}

enum ll_status ll_idsort_drain(struct ll_idsort *s, const uint32_t *log_map,
			       ll_idsort_emit_fn emit, void *ctx,
			       struct ll_error *err)
{
	struct reader *v;
	const struct ll_partial_id **cur;
	size_t *heap, i;
	enum ll_status rc = LL_OK;

	if (s->n_runs == 0)
		return drain_memory(s, log_map, emit, ctx, err);
	if (s->n > 0 && (rc = spill(s, err)) != LL_OK)
		return rc;
	v = calloc(s->n_runs, sizeof(*v));
	cur = calloc(s->n_runs, sizeof(*cur));
	heap = calloc(s->n_runs, sizeof(*heap));
	if (!v || !cur || !heap)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	if (rc == LL_OK)
		rc = merge(s, v, cur, heap, log_map, emit, ctx, err);
	for (i = 0; v && i < s->n_runs; i++) {
		free(v[i].buf);
		free(v[i].cur.id);
	}
	free(v);
	free(cur);
	free(heap);
	return rc;
}

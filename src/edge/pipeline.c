/*
 * pipeline.c — parallel log reading, parsing and tallying (pipeline.h).
 *
 * Design decision: the only shared state is a bounded queue of blocks
 * guarded by one mutex; each worker owns its parser and tally outright,
 * so the hot path takes no locks and figures cannot depend on scheduling.
 */
#include "ledgerline/pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledgerline/buf.h"
#include "ledgerline/event.h"
#include "ledgerline/hugemem.h"
#include "ledgerline/idspill.h"
#include "ledgerline/task.h"

enum {
	/* a log is read(2) into pooled buffers a block at a time, then
	 * hashed and parsed while the block is still in cache.  On the
	 * bench's 2-CPU VM this takes less CPU than mapping the page
	 * cache: SHA-256 of a 1.2 GB log ran at 0.80-0.93 GB/s over a
	 * mapping and at 1.42 GB/s through a 1 MiB buffer, the copy
	 * included; the bench's run at 10^7 events took 8.9-12.3 s of
	 * user CPU, not 12.7-14.9 (docs/scale.md) */
	BLOCK_BYTES_DEFAULT = 1024 * 1024,
	BLOCK_BYTES_MAX = 256 * 1024 * 1024,
	/* blocks queued between the reader and the workers: deep enough
	 * that the reader, woken only once the queue is half empty, hashes
	 * a run of blocks at a time instead of one per block taken (on two
	 * CPUs shared by three threads, 4 left them idle 6-11 % of the
	 * time: the bench's reading took 0.4 s longer) */
	QUEUE_BLOCKS_MAX = 16,
	QUEUE_WAKE_AT = QUEUE_BLOCKS_MAX / 2,
	THREADS_MAX = LL_PIPELINE_THREADS_MAX,
	/* block buffers kept for reuse: one per block queued, one per
	 * worker, one for the reader */
	POOL_BUFFERS_MAX = QUEUE_BLOCKS_MAX + THREADS_MAX + 1,
	/* event-id hashes held in memory: memory_max / IDS_SHARE_DIV, at
	 * most IDS_BYTES_MAX, at least IDS_MIN per thread; beyond that a
	 * thread spills a sorted run to disk */
	IDS_SHARE_DIV = 128,
	IDS_BYTES_MAX = 8 * 1024 * 1024,
	IDS_MIN = 16,
};

static void radix_sort_u64(uint64_t *v, uint64_t *tmp, size_t n);

struct block {
	char *buf;		/* a pool buffer: len bytes of whole lines */
	size_t len;
	uint32_t file;
	long first_line;
	struct block *next;
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct block *head, *tail;
	size_t n;
	int done;
	/* spent block buffers, all of one size, handed back to the reader:
	 * a fresh one is a new mapping, zeroed whole (block_buf_new) */
	char *pool[POOL_BUFFERS_MAX];
	size_t n_pool;
	size_t block_bytes;	/* of every buffer: see block_buf_new */
};

/* A block buffer: room for the carried start of a line and block_bytes
 * more, on huge pages (hugemem.h); released with block_buf_free. */
static char *block_buf_new(size_t block_bytes)
{
	return ll_huge_alloc((size_t)LL_EVENT_LINE_BYTES_MAX + block_bytes);
}

static void block_buf_free(char *b, size_t block_bytes)
{
	ll_huge_release(b, (size_t)LL_EVENT_LINE_BYTES_MAX + block_bytes);
}

/* A block buffer from the pool, or NULL (then the caller allocates). */
static char *pool_take(struct queue *q)
{
	char *b = NULL;

	pthread_mutex_lock(&q->mu);
	if (q->n_pool)
		b = q->pool[--q->n_pool];
	pthread_mutex_unlock(&q->mu);
	return b;
}

/* Give a spent block buffer back (freed when the pool is full). */
static void pool_give(struct queue *q, char *b)
{
	pthread_mutex_lock(&q->mu);
	if (q->n_pool < POOL_BUFFERS_MAX) {
		q->pool[q->n_pool++] = b;
		b = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	block_buf_free(b, q->block_bytes);
}

struct worker {
	pthread_t th;
	struct queue *q;
	struct ll_tally tally;
	/* two, taking turns: each event is tallied after the next one is
	 * parsed (see process_block) */
	struct ll_event_parser *parser[2];
	enum ll_status rc;
	struct ll_error err;		/* when rc says why */
	const struct ll_log_input *logs;
	struct ll_idspill *spill;
	size_t ids_max;			/* hashes held before spilling */
	ll_pipeline_event_fn *on_event;	/* from the options, or NULL */
	void *event_user;
	int index;			/* of this worker, from 0 */
	int nice;			/* added to the thread's nice value */
};

/* Sort the tally's id hashes and spill them as a run; empties them. */
static enum ll_status spill_ids(struct ll_tally *t, struct ll_idspill *sp,
				struct ll_error *err)
{
	uint64_t *tmp;
	enum ll_status rc;

	if (t->n_ids == 0)
		return LL_OK;
	tmp = malloc(t->n_ids * sizeof(*tmp));
	if (!tmp)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory sorting event ids");
	radix_sort_u64(t->id_hashes, tmp, t->n_ids);
	free(tmp);
	rc = ll_idspill_add(sp, t->id_hashes, t->n_ids, err);
	t->n_ids = 0;
	return rc;
}

static void queue_push(struct queue *q, struct block *b)
{
	pthread_mutex_lock(&q->mu);
	while (q->n >= QUEUE_BLOCKS_MAX)
		pthread_cond_wait(&q->not_full, &q->mu);
	b->next = NULL;
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	q->n++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
}

static struct block *queue_pop(struct queue *q)
{
	struct block *b;

	pthread_mutex_lock(&q->mu);
	while (!q->head && !q->done)
		pthread_cond_wait(&q->not_empty, &q->mu);
	b = q->head;
	if (b) {
		q->head = b->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		if (q->n == QUEUE_WAKE_AT)	/* the reader may go on */
			pthread_cond_signal(&q->not_full);
	}
	pthread_mutex_unlock(&q->mu);
	return b;
}

static void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->done = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
}

/* ---- workers ---------------------------------------------------------- */

/* Record a line over the limit as an error of the log. */
static enum ll_status overlong(struct ll_tally *t, uint32_t file,
			       const char *name, long line)
{
	struct ll_error e;

	ll_error_clear(&e);
	e.code = LL_INVALID;
	/* Where the error is, in its message: a cut name still reads. */
	ll_str_copy_cut(e.source, sizeof(e.source), name);
	e.line = line;
	snprintf(e.text, sizeof(e.text), "line longer than %d bytes",
		 LL_EVENT_LINE_BYTES_MAX);
	return ll_tally_error(t, file, &e);
}

/* Tally one event, then hand it to the caller's on_event. */
static inline enum ll_status tally_one(struct worker *w,
				       const struct ll_event *ev, uint32_t file,
				       long line)
{
	enum ll_status rc = ll_tally_event(&w->tally, ev, file, line);

	if (rc == LL_OK && w->on_event)
		rc = w->on_event(w->event_user, w->index, ev, file, line,
				 &w->err);
	return rc;
}

/*
 * Parse and tally the lines of one block.  Each event is tallied only
 * after the next line is parsed, the two living in the two parsers'
 * arenas: while that next line is parsed, the memory the tally will need
 * for the first one's references, which the parser prefetched as it
 * hashed them, arrives.  The order of tallying changes nothing: sums are
 * exact, and errors are sorted by place.
 */
static enum ll_status process_block(struct worker *w, const struct block *b)
{
	const char *p = b->buf, *end = b->buf + b->len;
	long line = b->first_line, ev_line[2] = { 0, 0 };
	enum ll_status rc = LL_OK;
	struct ll_event ev[2];
	int cur = 0;
	bool pending = false;	/* ev[!cur], of line ev_line[!cur] */
	/* cleared once, and again after each line that wrote into it: a
	 * line parsed without fault leaves it as it was */
	struct ll_error e;

	ll_error_clear(&e);
	while (p < end && rc == LL_OK) {
		const char *nl;
		size_t len;

		/* the common line is parsed as its end is found */
		if (ll_event_parse_line_fast(w->parser[cur], p, end, &ev[cur],
					     &len)) {
			nl = p + len < end ? p + len : NULL;
		} else {
			nl = memchr(p, '\n', (size_t)(end - p));
			len = (size_t)((nl ? nl : end) - p);
			if (len > LL_EVENT_LINE_BYTES_MAX) {
				rc = overlong(&w->tally, b->file,
					      w->logs[b->file].name, line);
			} else if (len > 0) {
				rc = ll_event_parse(w->parser[cur], p, len,
						    &ev[cur], &e);
			}
			if (rc == LL_INVALID) {
				ll_str_copy_cut(e.source, sizeof(e.source),
						w->logs[b->file].name);
				e.line = line;
				rc = ll_tally_error(&w->tally, b->file, &e);
				ll_error_clear(&e);
				len = 0;	/* nothing to tally */
			}
		}
		if (rc == LL_OK && len > 0 && len <= LL_EVENT_LINE_BYTES_MAX) {
			if (pending)
				rc = tally_one(w, &ev[!cur], b->file,
					       ev_line[!cur]);
			ev_line[cur] = line;
			pending = true;
			cur = !cur;
		}
		line++;
		p = nl ? nl + 1 : end;
	}
	if (rc == LL_OK && pending)
		rc = tally_one(w, &ev[!cur], b->file, ev_line[!cur]);
	return rc;
}

/* Give back what a block holds, and the block. */
static void block_free(struct queue *q, struct block *b)
{
	pool_give(q, b->buf);
	free(b);
}

/* Lower the calling thread's priority by n (its nice value is its own
 * on Linux); nothing when that fails. */
static void lower_priority(int n)
{
	id_t tid = (id_t)gettid();
	int now;

	errno = 0;
	now = getpriority(PRIO_PROCESS, tid);
	if (now == -1 && errno)
		return;
	(void)setpriority(PRIO_PROCESS, tid, now + n);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct block *b;

	if (w->nice)
		lower_priority(w->nice);
	while ((b = queue_pop(w->q))) {
		if (w->rc == LL_OK)
			w->rc = process_block(w, b);
		if (w->rc == LL_OK && w->tally.n_ids >= w->ids_max)
			w->rc = spill_ids(&w->tally, w->spill, &w->err);
		block_free(w->q, b);
	}
	return NULL;
}

/* ---- reader ----------------------------------------------------------- */

/* What the reader reports to the caller's progress function. */
struct progress {
	ll_progress_fn *fn;	/* NULL: nobody asked */
	void *user;
	uint64_t bytes, total, lines;
};

/* Report how far reading has come (final: the last report). */
static void progress_draw(struct progress *pr, int final)
{
	(void)final;
	if (pr->fn)
		pr->fn(pr->user, LL_PHASE_READING, pr->bytes, pr->total,
		       pr->lines);
}

/* Bytes left to read in every log from its position, or 0 when one of
 * them cannot tell (not a regular file). */
static uint64_t bytes_total(const struct ll_log_input *logs, size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		struct stat st;
		off_t at = lseek(logs[i].fd, 0, SEEK_CUR);

		if (fstat(logs[i].fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    at < 0 || st.st_size < at)
			return 0;
		sum += (uint64_t)(st.st_size - at);
	}
	return sum;
}

static size_t count_lines(const char *p, size_t n)
{
	size_t c = 0;
	const char *end = p + n;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		c++;
		p++;
	}
	return c;
}

static enum ll_status read_some(int fd, char *buf, size_t want, size_t *got,
				const char *name, struct ll_error *err)
{
	*got = 0;
	while (*got < want) {
		ssize_t k = read(fd, buf + *got, want - *got);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return ll_error_set(err, LL_IO, name, 0, NULL,
					    "cannot read: %s", strerror(errno));
		}
		if (k == 0)
			break;
		*got += (size_t)k;
	}
	return LL_OK;
}

/*
 * Cutting one log into blocks of whole lines.  Invariant: what is carried
 * from one read to the next is the start of one line, never longer than
 * LL_EVENT_LINE_BYTES_MAX, so a buffer of carry + block_bytes always holds
 * it and the next read.  A line found longer than that while it is still
 * incomplete is reported (overlong_line) and skipped up to its newline,
 * whatever its length.  Complete lines inside a block may still be over
 * the limit: whoever walks the block checks each one.
 */
struct reader {
	int fd;
	const char *name;
	size_t block_bytes;
	struct ll_sha256_ctx *sha;	/* NULL: no digest */
	struct queue *pool;		/* buffers to reuse; NULL: none */
	char *carry;			/* owned; carry_len bytes */
	size_t carry_len;
	long line;			/* number of the next line handed out */
	int eof, skipping;
	uint64_t bytes;			/* read so far */
};

static void reader_init(struct reader *r, int fd, const char *name,
			size_t block_bytes, struct ll_sha256_ctx *sha)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name;
	r->block_bytes = block_bytes;
	r->sha = sha;
	r->line = 1;
}

static void reader_release(struct reader *r)
{
	free(r->carry);
	r->carry = NULL;
	r->carry_len = 0;
}

/* Drop the rest of an over-long line from buf[0, *len); returns false
 * (buf holds nothing more of use) when its newline is not in buf. */
static int skip_overlong(struct reader *r, char *buf, size_t *len)
{
	char *nl = memchr(buf, '\n', *len);
	size_t drop;

	if (!nl) {
		*len = 0;
		return 0;
	}
	drop = (size_t)(nl + 1 - buf);
	memmove(buf, nl + 1, *len - drop);
	*len -= drop;
	r->skipping = 0;
	r->line++;
	return 1;
}

/*
 * Read once: *buf_out is a new buffer (caller frees) holding the carried
 * start of a line, then up to block_bytes more of the log (hashed as they
 * arrive), *n_out bytes in all.
 */
static enum ll_status reader_fill(struct reader *r, char **buf_out,
				  size_t *n_out, struct ll_error *err)
{
	size_t got, n;
	enum ll_status rc;
	char *buf;

	*buf_out = NULL;
	*n_out = 0;
	LL_ENSURE(r->carry_len <= LL_EVENT_LINE_BYTES_MAX);
	LL_ENSURE(!r->skipping || r->carry_len == 0);
	buf = r->pool ? pool_take(r->pool) : NULL;
	if (!buf)
		buf = block_buf_new(r->block_bytes);
	if (!buf)
		return ll_error_set(err, LL_NOMEM, r->name, 0, NULL,
				    "out of memory reading");
	if (r->carry_len)
		memcpy(buf, r->carry, r->carry_len);
	n = r->carry_len;
	reader_release(r);
	rc = read_some(r->fd, buf + n, r->block_bytes, &got, r->name, err);
	if (rc != LL_OK) {
		block_buf_free(buf, r->block_bytes);
		return rc;
	}
	if (r->sha)
		ll_sha256_update(r->sha, buf + n, got);
	r->bytes += got;
	r->eof = got < r->block_bytes;
	*buf_out = buf;
	*n_out = n + got;
	return LL_OK;
}

/* Where buf[0, n) is cut: after its last newline (at the end of the log,
 * at n); *lines the lines before the cut. */
static size_t cut_lines(const struct reader *r, const char *buf, size_t n,
			size_t *lines)
{
	const char *nl;
	size_t cut;

	if (r->eof) {
		cut = n;
	} else {
		nl = n ? memrchr(buf, '\n', n) : NULL;
		cut = nl ? (size_t)(nl + 1 - buf) : 0;
	}
	*lines = count_lines(buf, cut);
	if (cut && buf[cut - 1] != '\n')
		(*lines)++;	/* the last line, without a newline */
	return cut;
}

/*
 * Cut buf[0, n) after its last newline (at the end of the log, at n):
 * *cut_out bytes of whole lines, *lines_out lines.  What follows the cut
 * is carried to the next read, or, when it is already over the limit,
 * reported in *overlong_line and skipped up to its newline.
 */
static enum ll_status reader_cut(struct reader *r, const char *buf,
				 size_t n, size_t *cut_out, size_t *lines_out,
				 long *overlong_line, struct ll_error *err)
{
	size_t cut, tail, lines;

	*cut_out = 0;
	*lines_out = 0;
	cut = cut_lines(r, buf, n, &lines);
	tail = n - cut;
	if (tail > LL_EVENT_LINE_BYTES_MAX) {
		*overlong_line = r->line + (long)lines;
		r->skipping = 1;
	} else if (tail) {
		r->carry = malloc(tail);
		if (!r->carry)
			return ll_error_set(err, LL_NOMEM, r->name, 0, NULL,
					    "out of memory reading");
		memcpy(r->carry, buf + cut, tail);
		r->carry_len = tail;
	}
	*cut_out = cut;
	*lines_out = lines;
	return LL_OK;
}

/*
 * Read the next block: on LL_OK, *out is a new buffer (caller frees) of
 * *len bytes of whole lines, the first numbered *first_line (*out NULL at
 * the end of the log); *overlong_line is the number of a line that was
 * found over the limit and dropped while reading it, 0 if none.
 */
static enum ll_status reader_next(struct reader *r, char **out, size_t *len,
				  long *first_line, long *overlong_line,
				  struct ll_error *err)
{
	*out = NULL;
	*len = 0;
	*first_line = 0;
	*overlong_line = 0;
	while (!r->eof) {
		char *buf;
		size_t n, cut, lines;
		enum ll_status rc;

		rc = reader_fill(r, &buf, &n, err);
		if (rc != LL_OK)
			return rc;
		if (r->skipping && !skip_overlong(r, buf, &n)) {
			/* a log ending inside an over-long line: one more
			 * line all the same */
			if (r->eof)
				r->line++;
			block_buf_free(buf, r->block_bytes);
			continue;
		}
		rc = reader_cut(r, buf, n, &cut, &lines, overlong_line, err);
		if (rc != LL_OK) {
			block_buf_free(buf, r->block_bytes);
			return rc;
		}
		if (cut == 0) {
			block_buf_free(buf, r->block_bytes);
			if (*overlong_line)
				return LL_OK;
			continue;
		}
		*out = buf;
		*len = cut;
		*first_line = r->line;
		r->line += (long)lines;
		return LL_OK;
	}
	return LL_OK;
}

/*
 * The next block of the log as a block: *out is NULL at the end of the
 * log, and when only an over-long line (*over) was found.
 */
static enum ll_status reader_block(struct reader *r, uint32_t file,
				   struct block **out, long *over,
				   struct ll_error *err)
{
	struct block *b;
	char *buf;
	size_t len;
	long first;
	enum ll_status rc;

	*out = NULL;
	rc = reader_next(r, &buf, &len, &first, over, err);
	if (rc != LL_OK || !buf)
		return rc;
	b = malloc(sizeof(*b));
	if (!b) {
		block_buf_free(buf, r->block_bytes);
		return ll_error_set(err, LL_NOMEM, r->name, 0, NULL,
				    "out of memory reading");
	}
	b->buf = buf;
	b->len = len;
	b->file = file;
	b->first_line = first;
	*out = b;
	return LL_OK;
}

static enum ll_status read_log(struct ll_log_input *in, uint32_t file,
			       size_t block_bytes, struct queue *q,
			       struct ll_tally *errs, struct progress *pr,
			       struct ll_error *err)
{
	struct ll_sha256_ctx sha;
	struct reader r;
	enum ll_status rc = ll_sha256_init(&sha);

	if (rc != LL_OK)
		return ll_error_set(err, rc, in->name, 0, NULL,
				    "cannot start a digest");
	reader_init(&r, in->fd, in->name, block_bytes, &sha);
	r.pool = q;
	(void)posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		struct block *b;
		long over;
		uint64_t before = r.bytes;

		rc = reader_block(&r, file, &b, &over, err);
		if (rc != LL_OK)
			break;
		pr->bytes += r.bytes - before;
		if (over && overlong(errs, file, in->name, over) != LL_OK) {
			if (b)
				block_free(q, b);
			rc = ll_error_set(err, LL_NOMEM, in->name, 0, NULL,
					  "out of memory reading");
			break;
		}
		if (!b) {
			if (!over)
				break;	/* the end of the log */
			continue;
		}
		pr->lines += (uint64_t)(r.line - b->first_line);
		queue_push(q, b);
		progress_draw(pr, 0);
	}
	reader_release(&r);
	if (rc == LL_OK) {
		uint8_t d[LL_SHA256_LEN];

		ll_sha256_final(&sha, d);
		ll_hex(d, sizeof(d), in->sha256);
		in->bytes = r.bytes;
		in->lines = (uint64_t)(r.line - 1);
	} else {
		ll_sha256_release(&sha);
	}
	return rc;
}

/* ---- duplicate ids ---------------------------------------------------- */

static void radix_sort_u64(uint64_t *v, uint64_t *tmp, size_t n)
{
	int pass;

	for (pass = 0; pass < 8; pass++) {
		size_t count[257] = { 0 }, i;
		int shift = pass * 8;

		for (i = 0; i < n; i++)
			count[((v[i] >> shift) & 255) + 1]++;
		for (i = 1; i < 257; i++)
			count[i] += count[i - 1];
		for (i = 0; i < n; i++)
			tmp[count[(v[i] >> shift) & 255]++] = v[i];
		memcpy(v, tmp, n * sizeof(*v));
	}
}

struct seen {
	char *id;
	uint32_t file;
	long line;
};

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c)
		return c;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Note one candidate line's id. */
static enum ll_status seen_add(struct seen **seen, size_t *n, size_t *cap,
			       const char *id, uint32_t file, long line)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct seen *nv = realloc(*seen, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		*seen = nv;
		*cap = ncap;
	}
	(*seen)[*n].id = strdup(id);
	if (!(*seen)[*n].id)
		return LL_NOMEM;
	(*seen)[*n].file = file;
	(*seen)[*n].line = line;
	(*n)++;
	return LL_OK;
}

/* The second pass of the duplicate check: the candidates and the lines
 * found carrying one of them. */
struct dup_scan {
	struct ll_event_parser *parser;	/* owned */
	const uint64_t *cand;		/* sorted id hashes seen twice */
	size_t n_cand;
	struct seen *seen;		/* owned, with each id */
	size_t n_seen, cap_seen;
};

/* Note each line of one block whose id hash is a candidate. */
static enum ll_status dup_scan_block(struct dup_scan *ds, const char *data,
				     size_t len, long first, uint32_t file)
{
	const char *p = data, *end = data ? data + len : NULL;
	enum ll_status rc = LL_OK;
	long line;

	for (line = first; p < end && rc == LL_OK; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		struct ll_event ev;
		uint64_t h;

		if (n > 0 && n <= LL_EVENT_LINE_BYTES_MAX &&
		    ll_event_parse(ds->parser, p, n, &ev, NULL) == LL_OK) {
			h = ll_event_id_hash(ev.id, strlen(ev.id));
			if (bsearch(&h, ds->cand, ds->n_cand,
				    sizeof(*ds->cand), cmp_u64))
				rc = seen_add(&ds->seen, &ds->n_seen,
					      &ds->cap_seen, ev.id, file,
					      line);
		}
		p = nl ? nl + 1 : end;
	}
	return rc;
}

static void queue_init(struct queue *q);
static void queue_destroy(struct queue *q);

/* Re-read one log from its start, block by block, noting candidates;
 * each block's buffer is handed back to pool for the next. */
static enum ll_status dup_scan_log(struct dup_scan *ds,
				   const struct ll_log_input *log,
				   uint32_t file, struct queue *pool,
				   struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	struct reader r;

	if (lseek(log->fd, 0, SEEK_SET) != 0)
		return ll_error_set(err, LL_IO, log->name, 0, NULL,
				    "cannot re-read for the duplicate "
				    "check: %s",
				    strerror(errno));
	reader_init(&r, log->fd, log->name, pool->block_bytes, NULL);
	r.pool = pool;
	while (rc == LL_OK) {
		char *data;
		size_t len;
		long first, over;

		rc = reader_next(&r, &data, &len, &first, &over, err);
		if (rc != LL_OK || (!data && !over))
			break;
		rc = dup_scan_block(ds, data, len, first, file);
		pool_give(pool, data);
	}
	reader_release(&r);
	return rc;
}

/* Report every noted line whose id an earlier one already had. */
static void dup_report(struct dup_scan *ds,
		       const struct ll_log_input *logs, struct ll_tally *out)
{
	struct seen *seen = ds->seen;
	size_t i;

	if (ds->n_seen > 1)
		qsort(seen, ds->n_seen, sizeof(*seen), cmp_seen);
	for (i = 1; i < ds->n_seen; i++) {
		struct ll_error e;
		size_t first = i - 1;

		if (strcmp(seen[i].id, seen[i - 1].id) != 0)
			continue;
		while (first > 0 &&
		       strcmp(seen[first - 1].id, seen[i].id) == 0)
			first--;
		ll_error_clear(&e);
		e.code = LL_INVALID;
		/* Where the error is, in its message: a cut name still reads. */
		ll_str_copy_cut(e.source, sizeof(e.source),
				logs[seen[i].file].name);
		e.line = seen[i].line;
		snprintf(e.field, sizeof(e.field), "id");
		snprintf(e.text, sizeof(e.text),
			 "duplicate event id \"%.64s\" (first at "
			 "%.200s:%ld)",
			 seen[i].id, logs[seen[first].file].name,
			 seen[first].line);
		ll_tally_error(out, seen[i].file, &e);
	}
}

/*
 * Second pass: re-read the logs with the same reader as the first (so
 * lines are cut and numbered identically, over-long ones skipped), find
 * the lines whose id hash is a candidate, compare ids.
 */
static enum ll_status verify_duplicates(struct ll_log_input *logs,
					size_t n_logs, size_t block_bytes,
					const uint64_t *cand, size_t n_cand,
					struct ll_tally *out,
					struct ll_error *err)
{
	struct dup_scan ds = { ll_event_parser_new(), cand, n_cand,
			       NULL, 0, 0 };
	struct queue pool;
	enum ll_status rc = LL_OK;
	size_t f, i;

	queue_init(&pool);
	pool.block_bytes = block_bytes;
	if (!ds.parser)
		rc = LL_NOMEM;
	for (f = 0; f < n_logs && rc == LL_OK; f++)
		rc = dup_scan_log(&ds, &logs[f], (uint32_t)f, &pool, err);
	queue_destroy(&pool);
	if (rc == LL_OK)
		dup_report(&ds, logs, out);
	if (rc == LL_NOMEM)
		ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
			     "out of memory in the duplicate check");
	for (i = 0; i < ds.n_seen; i++)
		free(ds.seen[i].id);
	free(ds.seen);
	ll_event_parser_free(ds.parser);
	return rc;
}

/* The id hashes held in out, sorted: *cand gets each one seen twice. */
static enum ll_status repeats_in_memory(struct ll_tally *out, uint64_t **cand,
					size_t *n_cand, struct ll_error *err)
{
	uint64_t *tmp;
	size_t i, n = out->n_ids, k = 0;

	*cand = NULL;
	*n_cand = 0;
	if (n < 2)
		return LL_OK;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory in the duplicate check");
	radix_sort_u64(out->id_hashes, tmp, n);
	for (i = 1; i < n; i++) {
		if (out->id_hashes[i] == out->id_hashes[i - 1] &&
		    (k == 0 || tmp[k - 1] != out->id_hashes[i]))
			tmp[k++] = out->id_hashes[i];
	}
	*cand = tmp;
	*n_cand = k;
	return LL_OK;
}

/*
 * Duplicate ids: the hashes seen twice (from memory, or merged from the
 * spilled runs when any were spilled — then every hash was), each settled
 * exactly by a second pass comparing the ids.
 */
static enum ll_status check_duplicates(struct ll_log_input *logs,
				       size_t n_logs, size_t block_bytes,
				       struct ll_idspill *sp,
				       struct ll_tally *out,
				       struct ll_error *err)
{
	uint64_t *cand = NULL;
	size_t n_cand = 0;
	enum ll_status rc;

	if (sp->n_runs)
		rc = ll_idspill_repeats(sp, &cand, &n_cand, err);
	else
		rc = repeats_in_memory(out, &cand, &n_cand, err);
	if (rc == LL_OK && n_cand)
		rc = verify_duplicates(logs, n_logs, block_bytes, cand,
				       n_cand, out, err);
	free(cand);
	return rc;
}

/* ---- entry point ------------------------------------------------------ */

static void queue_init(struct queue *q)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
}

static void queue_destroy(struct queue *q)
{
	while (q->n_pool)
		block_buf_free(q->pool[--q->n_pool], q->block_bytes);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_mutex_destroy(&q->mu);
}

int ll_pipeline_worker_nice(int nthreads)
{
	return nthreads + 1 > ll_cpus_usable() ? LL_PIPELINE_WORKER_NICE : 0;
}

/*
 * Start nthreads workers on q, each with its own parser and tally;
 * *started says how many threads run (to be joined) even on failure.
 */
static enum ll_status workers_start(struct worker *w, int nthreads,
				    const struct ll_pipeline_opts *opts,
				    struct queue *q,
				    const struct ll_log_input *logs,
				    struct ll_idspill *sp, size_t ids_max,
				    const struct ll_tally *out, int *started)
{
	int i, nice = ll_pipeline_worker_nice(nthreads);

	*started = 0;
	for (i = 0; i < nthreads; i++) {
		w[i].nice = nice;
		w[i].q = q;
		w[i].logs = logs;
		w[i].spill = sp;
		w[i].ids_max = ids_max;
		w[i].on_event = opts ? opts->on_event : NULL;
		w[i].event_user = opts ? opts->event_user : NULL;
		w[i].index = i;
		w[i].parser[0] = ll_event_parser_new();
		w[i].parser[1] = ll_event_parser_new();
		if (!w[i].parser[0] || !w[i].parser[1] ||
		    ll_tally_init(&w[i].tally, out->ctx) != LL_OK)
			return LL_NOMEM;
		ll_event_parser_set_prefetch(w[i].parser[0],
					     &out->ctx->elig->work_rx,
					     &out->ctx->elig->isrc_rx);
		ll_event_parser_set_prefetch(w[i].parser[1],
					     &out->ctx->elig->work_rx,
					     &out->ctx->elig->isrc_rx);
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
			ll_tally_release(&w[i].tally);
			return LL_INTERNAL;
		}
		(*started)++;
	}
	return LL_OK;
}

/*
 * Merge the tallies of the started (and joined) workers into out while
 * rc is LL_OK, and release every worker.  Returns the status of the run.
 */
static enum ll_status workers_finish(struct worker *w, int nthreads,
				     int started, enum ll_status rc,
				     struct ll_tally *out,
				     struct ll_error *err)
{
	int i;

	for (i = 0; i < started; i++) {
		if (rc == LL_OK && w[i].rc != LL_OK && w[i].err.text[0]) {
			*err = w[i].err;
			rc = w[i].rc;
		}
		if (rc == LL_OK && w[i].rc != LL_OK)
			rc = ll_error_set(err, w[i].rc, NULL, 0, NULL,
					  "cannot tally the logs: %s",
					  ll_strerror(w[i].rc));
		/* once anything spilled, everything does: the duplicate
		 * check then merges the runs alone */
		if (rc == LL_OK && w[i].spill->n_runs)
			rc = spill_ids(&w[i].tally, w[i].spill, err);
		if (rc == LL_OK)
			rc = ll_tally_merge(out, &w[i].tally);
		ll_tally_release(&w[i].tally);
	}
	for (i = 0; i < nthreads; i++) {
		ll_event_parser_free(w[i].parser[0]);
		ll_event_parser_free(w[i].parser[1]);
	}
	return rc;
}

/* Id hashes a thread holds before it spills a run. */
static size_t ids_max(const struct ll_pipeline_opts *opts, int nthreads)
{
	uint64_t mem = opts && opts->memory_max ? opts->memory_max
						 : LL_PIPELINE_MEMORY_DEFAULT;
	uint64_t bytes = mem / IDS_SHARE_DIV;
	size_t n;

	if (bytes > IDS_BYTES_MAX)
		bytes = IDS_BYTES_MAX;
	n = (size_t)(bytes / sizeof(uint64_t) / (uint64_t)nthreads);
	return n < IDS_MIN ? IDS_MIN : n;
}

enum ll_status ll_pipeline_run(struct ll_log_input *logs, size_t n_logs,
			       const struct ll_pipeline_opts *opts,
			       struct ll_tally *out, struct ll_error *err)
{
	struct queue q;
	struct worker *w;
	struct progress pr;
	struct ll_idspill sp;
	int nthreads = opts && opts->threads > 0 ? opts->threads
						 : ll_cpus_usable();
	size_t block = opts && opts->block_bytes ? opts->block_bytes
						 : BLOCK_BYTES_DEFAULT;
	enum ll_status rc;
	int i, started = 0;
	size_t f;

	if (nthreads > THREADS_MAX)
		nthreads = THREADS_MAX;
	if (block > BLOCK_BYTES_MAX)
		block = BLOCK_BYTES_MAX;
	queue_init(&q);
	q.block_bytes = block;
	memset(&pr, 0, sizeof(pr));
	pr.fn = opts ? opts->progress : NULL;
	pr.user = opts ? opts->progress_user : NULL;
	pr.total = pr.fn ? bytes_total(logs, n_logs) : 0;
	progress_draw(&pr, 0);
	w = calloc((size_t)nthreads, sizeof(*w));
	if (!w) {
		queue_destroy(&q);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	rc = ll_idspill_init(&sp, opts ? opts->spill_dir : NULL, err);
	if (rc == LL_OK)
		rc = workers_start(w, nthreads, opts, &q, logs, &sp,
				   ids_max(opts, nthreads), out, &started);
	for (f = 0; f < n_logs && rc == LL_OK; f++)
		rc = read_log(&logs[f], (uint32_t)f, block, &q, out, &pr, err);
	queue_close(&q);
	for (i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);
	progress_draw(&pr, 1);
	rc = workers_finish(w, nthreads, started, rc, out, err);
	free(w);
	if (rc == LL_NOMEM || (rc != LL_OK && !err->text[0]))
		ll_error_set(err, rc, NULL, 0, NULL, "%s", ll_strerror(rc));
	if (rc == LL_OK)
		rc = check_duplicates(logs, n_logs, block, &sp, out, err);
	if (rc == LL_OK)
		ll_tally_finish(out);
	ll_idspill_release(&sp);
	queue_destroy(&q);
	return rc;
}

/*
 * pipeline.c — parallel log reading, parsing and tallying (pipeline.h).
 *
 * Design decision: the only shared state is a bounded queue of blocks
 * guarded by one mutex; each worker owns its parser and tally outright,
 * so the hot path takes no locks and figures cannot depend on scheduling.
 */
#include "ledgerline/pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledgerline/event.h"

enum {
	BLOCK_BYTES_DEFAULT = 4 * 1024 * 1024,
	QUEUE_BLOCKS_MAX = 4,
	THREADS_MAX = 16,
};

struct block {
	char *data;
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
};

struct worker {
	pthread_t th;
	struct queue *q;
	struct ll_tally tally;
	struct ll_event_parser *parser;
	enum ll_status rc;
	const struct ll_log_input *logs;
};

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

static enum ll_status process_block(struct worker *w, const struct block *b)
{
	const char *p = b->data, *end = b->data + b->len;
	long line = b->first_line;
	enum ll_status rc = LL_OK;

	while (p < end && rc == LL_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		struct ll_event ev;
		struct ll_error e;

		if (len > 0) {
			ll_error_clear(&e);
			rc = ll_event_parse(w->parser, p, len, &ev, &e);
			if (rc == LL_INVALID) {
				snprintf(e.source, sizeof(e.source), "%s",
					 w->logs[b->file].name);
				e.line = line;
				rc = ll_tally_error(&w->tally, b->file, &e);
			} else if (rc == LL_OK) {
				rc = ll_tally_event(&w->tally, &ev, b->file,
						    line);
			}
		}
		line++;
		p = nl ? nl + 1 : end;
	}
	return rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct block *b;

	while ((b = queue_pop(w->q))) {
		if (w->rc == LL_OK)
			w->rc = process_block(w, b);
		free(b->data);
		free(b);
	}
	return NULL;
}

/* ---- reader ----------------------------------------------------------- */

struct progress {
	int fd;
	uint64_t bytes, lines;
	int64_t start_ms, last_ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void progress_draw(struct progress *pr, int final)
{
	char buf[160];
	int64_t t = now_ms(), el = t - pr->start_ms;
	uint64_t rate;
	int k;

	if (pr->fd < 0 || (!final && t - pr->last_ms < 250))
		return;
	pr->last_ms = t;
	rate = el > 0 ? pr->lines * 1000 / (uint64_t)el : 0;
	k = snprintf(buf, sizeof(buf),
		     "\rledgerline: read %llu MB, %llu events, %llu events/s%s",
		     (unsigned long long)(pr->bytes >> 20),
		     (unsigned long long)pr->lines, (unsigned long long)rate,
		     final ? "\n" : "   ");
	if (k > 0 && write(pr->fd, buf, (size_t)k) < 0)
		pr->fd = -1;
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

/* Report a line over the limit and skip to the next newline. */
static void overlong(struct ll_tally *t, uint32_t file, const char *name,
		     long line)
{
	struct ll_error e;

	ll_error_clear(&e);
	e.code = LL_INVALID;
	snprintf(e.source, sizeof(e.source), "%s", name);
	e.line = line;
	snprintf(e.text, sizeof(e.text), "line longer than %d bytes",
		 LL_EVENT_LINE_BYTES_MAX);
	(void)ll_tally_error(t, file, &e);
}

static enum ll_status read_log(struct ll_log_input *in, uint32_t file,
			       size_t block_bytes, struct queue *q,
			       struct ll_tally *errs, struct progress *pr,
			       struct ll_error *err)
{
	size_t cap = block_bytes + LL_EVENT_LINE_BYTES_MAX + 1;
	struct ll_sha256_ctx sha;
	char *carry = NULL;
	size_t carry_len = 0;
	long line = 1;
	int eof = 0, skipping = 0;
	enum ll_status rc = ll_sha256_init(&sha);

	if (rc != LL_OK)
		return ll_error_set(err, rc, in->name, 0, NULL,
				    "cannot start a digest");
	in->bytes = 0;
	while (!eof) {
		struct block *b = malloc(sizeof(*b));
		char *buf = malloc(cap);
		size_t got = 0, len, cut;
		char *nl;

		if (!b || !buf) {
			free(b);
			free(buf);
			rc = ll_error_set(err, LL_NOMEM, in->name, 0, NULL,
					  "out of memory reading");
			break;
		}
		if (carry_len)
			memcpy(buf, carry, carry_len);
		free(carry);
		carry = NULL;
		rc = read_some(in->fd, buf + carry_len, block_bytes, &got,
			       in->name, err);
		if (rc != LL_OK) {
			free(b);
			free(buf);
			break;
		}
		ll_sha256_update(&sha, buf + carry_len, got);
		in->bytes += got;
		pr->bytes += got;
		eof = got < block_bytes;
		len = carry_len + got;
		carry_len = 0;
		if (skipping) {
			/* inside an over-long line: drop up to its end */
			nl = memchr(buf, '\n', len);
			if (!nl) {
				free(b);
				free(buf);
				continue;
			}
			skipping = 0;
			line++;
			memmove(buf, nl + 1, len - (size_t)(nl + 1 - buf));
			len -= (size_t)(nl + 1 - buf);
		}
		if (eof) {
			cut = len;
		} else {
			nl = len ? memrchr(buf, '\n', len) : NULL;
			if (!nl) {
				if (len > LL_EVENT_LINE_BYTES_MAX) {
					overlong(errs, file, in->name, line);
					skipping = 1;
					free(b);
					free(buf);
					continue;
				}
				carry = buf;
				carry_len = len;
				free(b);
				continue;
			}
			cut = (size_t)(nl + 1 - buf);
		}
		if (len > cut) {
			carry_len = len - cut;
			carry = malloc(carry_len);
			if (!carry) {
				free(b);
				free(buf);
				rc = ll_error_set(err, LL_NOMEM, in->name, 0,
						  NULL, "out of memory reading");
				break;
			}
			memcpy(carry, buf + cut, carry_len);
		}
		b->data = buf;
		b->len = cut;
		b->file = file;
		b->first_line = line;
		{
			size_t nlines = count_lines(buf, cut);

			line += (long)nlines;
			pr->lines += nlines;
			if (eof && cut && buf[cut - 1] != '\n')
				pr->lines++;
		}
		if (cut)
			queue_push(q, b);
		else {
			free(b);
			free(buf);
		}
		progress_draw(pr, 0);
	}
	free(carry);
	if (rc == LL_OK) {
		uint8_t d[LL_SHA256_LEN];

		ll_sha256_final(&sha, d);
		ll_hex(d, sizeof(d), in->sha256);
		in->lines = (uint64_t)(line - 1);
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

/* Second pass: find the lines whose id hash is a candidate, compare ids. */
static enum ll_status verify_duplicates(struct ll_log_input *logs,
					size_t n_logs, const uint64_t *cand,
					size_t n_cand, struct ll_tally *out,
					struct ll_error *err)
{
	struct ll_event_parser *parser = ll_event_parser_new();
	struct seen *seen = NULL;
	size_t n_seen = 0, cap_seen = 0, f, i;
	char *buf = NULL;
	enum ll_status rc = LL_OK;
	size_t bufcap = LL_EVENT_LINE_BYTES_MAX + 2;

	buf = malloc(bufcap);
	if (!parser || !buf) {
		rc = LL_NOMEM;
		goto out;
	}
	for (f = 0; f < n_logs && rc == LL_OK; f++) {
		FILE *fp;
		long line = 0;
		int fd = dup(logs[f].fd);

		if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0) {
			if (fd >= 0)
				close(fd);
			rc = ll_error_set(err, LL_IO, logs[f].name, 0, NULL,
					  "cannot re-read for the duplicate "
					  "check: %s",
					  strerror(errno));
			break;
		}
		fp = fdopen(fd, "r");
		if (!fp) {
			close(fd);
			rc = LL_NOMEM;
			break;
		}
		while (fgets(buf, (int)bufcap, fp)) {
			size_t len = strlen(buf);
			struct ll_event ev;
			struct ll_error e;
			uint64_t h;

			line++;
			if (len && buf[len - 1] == '\n')
				buf[--len] = '\0';
			else if (!feof(fp))
				continue; /* over-long, already reported */
			if (len == 0 ||
			    ll_event_parse(parser, buf, len, &ev, &e) != LL_OK)
				continue;
			h = ll_event_id_hash(ev.id, strlen(ev.id));
			if (!bsearch(&h, cand, n_cand, sizeof(*cand), cmp_u64))
				continue;
			if (n_seen == cap_seen) {
				size_t ncap = cap_seen ? cap_seen * 2 : 16;
				struct seen *nv =
					realloc(seen, ncap * sizeof(*nv));

				if (!nv) {
					rc = LL_NOMEM;
					break;
				}
				seen = nv;
				cap_seen = ncap;
			}
			seen[n_seen].id = strdup(ev.id);
			if (!seen[n_seen].id) {
				rc = LL_NOMEM;
				break;
			}
			seen[n_seen].file = (uint32_t)f;
			seen[n_seen].line = line;
			n_seen++;
		}
		fclose(fp);
	}
	if (rc == LL_OK) {
		if (n_seen > 1)
			qsort(seen, n_seen, sizeof(*seen), cmp_seen);
		for (i = 1; i < n_seen; i++) {
			struct ll_error e;
			size_t first = i - 1;

			if (strcmp(seen[i].id, seen[i - 1].id) != 0)
				continue;
			while (first > 0 &&
			       strcmp(seen[first - 1].id, seen[i].id) == 0)
				first--;
			ll_error_clear(&e);
			e.code = LL_INVALID;
			snprintf(e.source, sizeof(e.source), "%s",
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
out:
	if (rc == LL_NOMEM)
		ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
			     "out of memory in the duplicate check");
	for (i = 0; i < n_seen; i++)
		free(seen[i].id);
	free(seen);
	free(buf);
	ll_event_parser_free(parser);
	return rc;
}

static enum ll_status check_duplicates(struct ll_log_input *logs,
				       size_t n_logs, struct ll_tally *out,
				       struct ll_error *err)
{
	uint64_t *tmp, *cand = NULL;
	size_t i, n = out->n_ids, n_cand = 0;
	enum ll_status rc = LL_OK;

	if (n < 2)
		return LL_OK;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory in the duplicate check");
	radix_sort_u64(out->id_hashes, tmp, n);
	for (i = 1; i < n; i++) {
		if (out->id_hashes[i] == out->id_hashes[i - 1] &&
		    (n_cand == 0 || tmp[n_cand - 1] != out->id_hashes[i]))
			tmp[n_cand++] = out->id_hashes[i];
	}
	cand = tmp;
	if (n_cand)
		rc = verify_duplicates(logs, n_logs, cand, n_cand, out, err);
	free(tmp);
	return rc;
}

/* ---- entry point ------------------------------------------------------ */

enum ll_status ll_pipeline_run(struct ll_log_input *logs, size_t n_logs,
			       const struct ll_pipeline_opts *opts,
			       struct ll_tally *out, struct ll_error *err)
{
	struct queue q;
	struct worker *w;
	struct progress pr;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads = opts && opts->threads > 0 ? opts->threads
						 : (ncpu > 0 ? (int)ncpu : 1);
	size_t block = opts && opts->block_bytes ? opts->block_bytes
						 : BLOCK_BYTES_DEFAULT;
	enum ll_status rc = LL_OK;
	int i, started = 0;
	size_t f;

	if (nthreads > THREADS_MAX)
		nthreads = THREADS_MAX;
	memset(&q, 0, sizeof(q));
	pthread_mutex_init(&q.mu, NULL);
	pthread_cond_init(&q.not_empty, NULL);
	pthread_cond_init(&q.not_full, NULL);
	memset(&pr, 0, sizeof(pr));
	pr.fd = opts ? opts->progress_fd : -1;
	pr.start_ms = pr.last_ms = now_ms();
	w = calloc((size_t)nthreads, sizeof(*w));
	if (!w)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	for (i = 0; i < nthreads; i++) {
		w[i].q = &q;
		w[i].logs = logs;
		w[i].parser = ll_event_parser_new();
		if (!w[i].parser ||
		    ll_tally_init(&w[i].tally, out->ctx) != LL_OK) {
			rc = LL_NOMEM;
			break;
		}
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
			ll_tally_release(&w[i].tally);
			rc = LL_INTERNAL;
			break;
		}
		started++;
	}
	for (f = 0; f < n_logs && rc == LL_OK; f++)
		rc = read_log(&logs[f], (uint32_t)f, block, &q, out, &pr, err);
	queue_close(&q);
	for (i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);
	progress_draw(&pr, 1);
	for (i = 0; i < started; i++) {
		if (rc == LL_OK && w[i].rc != LL_OK)
			rc = ll_error_set(err, w[i].rc, NULL, 0, NULL,
					  "cannot tally the logs: %s",
					  ll_strerror(w[i].rc));
		if (rc == LL_OK)
			rc = ll_tally_merge(out, &w[i].tally);
		ll_tally_release(&w[i].tally);
	}
	for (i = 0; i < nthreads; i++)
		ll_event_parser_free(w[i].parser);
	free(w);
	if (rc == LL_NOMEM || (rc != LL_OK && !err->text[0]))
		ll_error_set(err, rc, NULL, 0, NULL, "%s", ll_strerror(rc));
	if (rc == LL_OK)
		rc = check_duplicates(logs, n_logs, out, err);
	if (rc == LL_OK)
		ll_tally_finish(out);
	pthread_cond_destroy(&q.not_empty);
	pthread_cond_destroy(&q.not_full);
	pthread_mutex_destroy(&q.mu);
	return rc;
}

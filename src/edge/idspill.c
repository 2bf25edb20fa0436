/*
 * idspill.c — spilled runs of event-id hashes and their merge (idspill.h).
 *
 * Design decision: a binary heap over the runs' current heads; each run
 * refills its buffer with pread at its own offset, so the merge reads the
 * file sequentially per run and never seeks a shared position.  The hashes
 * are uniform, so the merge is cut in two at 2^63 (each run's cut found
 * by a binary search in the file) and the halves merged side by side.
 */
#include "ledgerline/idspill.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledgerline/buf.h"
#include "ledgerline/task.h"

enum { PATH_BYTES_MAX = 4096 };

enum ll_status ll_idspill_init(struct ll_idspill *sp, const char *dir,
			       struct ll_error *err)
{
	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
	sp->dir = strdup(dir && dir[0] ? dir : "/tmp");
	if (!sp->dir)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	pthread_mutex_init(&sp->mu, NULL);
	return LL_OK;
}

void ll_idspill_release(struct ll_idspill *sp)
{
	if (!sp->dir)
		return;
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->runs);
	free(sp->dir);
	pthread_mutex_destroy(&sp->mu);
	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
}

/* Create the unlinked temporary file; called with mu held. */
static enum ll_status open_file(struct ll_idspill *sp, struct ll_error *err)
{
	char path[PATH_BYTES_MAX];
	int n = snprintf(path, sizeof(path), "%s/ledgerline-ids-XXXXXX",
			 sp->dir);

	if (n < 0 || (size_t)n >= sizeof(path))
		return ll_error_set(err, LL_IO, sp->dir, 0, NULL,
				    "temporary directory name too long");
	sp->fd = mkstemp(path);
	if (sp->fd < 0)
		return ll_error_set(err, LL_IO, sp->dir, 0, NULL,
				    "cannot create a file for event-id "
				    "hashes: %s",
				    strerror(errno));
	unlink(path);
	return LL_OK;
}

static enum ll_status write_all(int fd, const void *p, size_t n,
				uint64_t off, const char *dir,
				struct ll_error *err)
{
	const char *c = p;

	while (n) {
		ssize_t k = pwrite(fd, c, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return ll_error_set(err, LL_IO, dir, 0, NULL,
					    "cannot write event-id hashes to "
					    "a temporary file: %s",
					    k < 0 ? strerror(errno)
						  : "no space written");
		c += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return LL_OK;
}

enum ll_status ll_idspill_add(struct ll_idspill *sp, const uint64_t *v,
			      size_t n, struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	uint64_t off;

	if (n == 0)
		return LL_OK;
	pthread_mutex_lock(&sp->mu);
	if (sp->fd < 0)
		rc = open_file(sp, err);
	if (rc == LL_OK && sp->n_runs == sp->cap_runs) {
		size_t ncap = sp->cap_runs ? sp->cap_runs * 2 : 16;
		struct ll_idspill_run *nv =
			realloc(sp->runs, ncap * sizeof(*nv));

		if (!nv)
			rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory");
		else {
			sp->runs = nv;
			sp->cap_runs = ncap;
		}
	}
	off = sp->size;
	if (rc == LL_OK) {
		/* reserve the range, then write it outside the lock */
		sp->runs[sp->n_runs].offset = off;
		sp->runs[sp->n_runs].n = n;
		sp->n_runs++;
		sp->size += (uint64_t)n * sizeof(*v);
	}
	pthread_mutex_unlock(&sp->mu);
	if (rc != LL_OK)
		return rc;
	return write_all(sp->fd, v, n * sizeof(*v), off, sp->dir, err);
}

/* ---- the merge -------------------------------------------------------- */

struct cursor {
	uint64_t *buf;		/* cap hashes */
	size_t cap;
	size_t at, len;		/* buf[at, len) not yet merged */
	uint64_t next_off;	/* file offset of the rest of the run */
	uint64_t left;		/* hashes of the run not yet read */
};

static enum ll_status refill(const struct ll_idspill *sp, struct cursor *c,
			     struct ll_error *err)
{
	size_t want = c->left < c->cap ? (size_t)c->left : c->cap;
	size_t bytes = want * sizeof(*c->buf), got = 0;

	while (got < bytes) {
		ssize_t k = pread(sp->fd, (char *)c->buf + got, bytes - got,
				  (off_t)(c->next_off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return ll_error_set(err, LL_IO, sp->dir, 0, NULL,
					    "cannot read event-id hashes "
					    "back: %s",
					    k < 0 ? strerror(errno)
						  : "file shorter than written");
		got += (size_t)k;
	}
	c->at = 0;
	c->len = want;
	c->next_off += bytes;
	c->left -= want;
	return LL_OK;
}

static uint64_t head(const struct cursor *c)
{
	return c->buf[c->at];
}

/* A run in the merge's heap, with its head's value beside it: the
 * comparisons read the heap alone, not every run's buffer. */
struct hent {
	uint64_t key;
	size_t run;
};

/* Restore the min-heap h[0, n) from position i down. */
static void sift_down(struct hent *h, size_t n, size_t i)
{
	struct hent x = h[i];

	for (;;) {
		size_t l = 2 * i + 1, m;

		if (l >= n)
			break;
		m = l + (l + 1 < n && h[l + 1].key < h[l].key);
		if (h[m].key >= x.key)
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = x;
}

static enum ll_status note_repeat(uint64_t **cand, size_t *n, size_t *cap,
				  uint64_t x)
{
	if (*n && (*cand)[*n - 1] == x)
		return LL_OK;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		uint64_t *nv = realloc(*cand, ncap * sizeof(*nv));

		if (!nv)
			return LL_NOMEM;
		*cand = nv;
		*cap = ncap;
	}
	(*cand)[(*n)++] = x;
	return LL_OK;
}

/* Pop the smallest head into *out and advance its run. */
static enum ll_status pop(const struct ll_idspill *sp, struct cursor *c,
			  struct hent *h, size_t *n, uint64_t *out,
			  struct ll_error *err)
{
	struct cursor *top = &c[h[0].run];
	enum ll_status rc = LL_OK;

	*out = h[0].key;
	top->at++;
	if (top->at == top->len && top->left)
		rc = refill(sp, top, err);
	if (top->at == top->len)
		h[0] = h[--*n];
	else
		h[0].key = head(top);
	if (*n)
		sift_down(h, *n, 0);
	return rc;
}

/* The part of each run a merge reads: hashes [first, first + n). */
struct range {
	uint64_t first, n;
};

static enum ll_status merge(struct ll_idspill *sp, const struct range *rg,
			    struct cursor *c, struct hent *h, uint64_t **cand,
			    size_t *n_cand, struct ll_error *err)
{
	size_t n = 0, i, cap = 0;
	enum ll_status rc = LL_OK;
	uint64_t prev = 0, x;
	int have_prev = 0;

	for (i = 0; i < sp->n_runs && rc == LL_OK; i++) {
		c[i].next_off = sp->runs[i].offset + rg[i].first * sizeof(x);
		c[i].left = rg[i].n;
		rc = refill(sp, &c[i], err);
		if (c[i].len) {
			h[n].key = head(&c[i]);
			h[n].run = i;
			n++;
		}
	}
	for (i = n / 2; i-- > 0;)
		sift_down(h, n, i);
	while (n && rc == LL_OK) {
		rc = pop(sp, c, h, &n, &x, err);
		if (rc == LL_OK && have_prev && x == prev &&
		    note_repeat(cand, n_cand, &cap, x) != LL_OK)
			rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory");
		prev = x;
		have_prev = 1;
	}
	return rc;
}

/* How many hashes of run i are below 2^63 (binary search in the file). */
static enum ll_status run_cut(const struct ll_idspill *sp, size_t i,
			      uint64_t *cut, struct ll_error *err)
{
	uint64_t lo = 0, hi = sp->runs[i].n, v;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		ssize_t k;

		do {
			k = pread(sp->fd, &v, sizeof(v),
				  (off_t)(sp->runs[i].offset +
					  mid * sizeof(v)));
		} while (k < 0 && errno == EINTR);
		if (k != (ssize_t)sizeof(v))
			return ll_error_set(err, LL_IO, sp->dir, 0, NULL,
					    "cannot read event-id hashes "
					    "back: %s",
					    k < 0 ? strerror(errno)
						  : "file shorter than written");
		if (v >> 63)
			hi = mid;
		else
			lo = mid + 1;
	}
	*cut = lo;
	return LL_OK;
}

/* One half of the merge, on a thread of its own or the caller's. */
struct half {
	struct ll_idspill *sp;
	struct range *rg;
	uint64_t *cand;
	size_t n_cand;
	enum ll_status rc;
	struct ll_error err;
};

/* The read buffer of each of n runs, in hashes, in each of the merge's
 * two halves: the buffers of both together stay within
 * LL_IDSPILL_MERGE_HASHES until the runs are so many that each has only
 * LL_IDSPILL_READ_HASHES_MIN (more than 2,048 runs: about 10^9 events
 * at the default --memory-max on two threads). */
static size_t read_hashes(size_t n)
{
	size_t each = n ? LL_IDSPILL_MERGE_HASHES / 2 / n : 0;

	if (each > LL_IDSPILL_READ_HASHES)
		return LL_IDSPILL_READ_HASHES;
	return each < LL_IDSPILL_READ_HASHES_MIN ? LL_IDSPILL_READ_HASHES_MIN
						 : each;
}

static void half_main(void *arg)
{
	struct half *hf = arg;
	struct ll_idspill *sp = hf->sp;
	struct cursor *c = calloc(sp->n_runs, sizeof(*c));
	struct hent *h = calloc(sp->n_runs, sizeof(*h));
	size_t i, cap = read_hashes(sp->n_runs);

	hf->rc = c && h ? LL_OK : LL_NOMEM;
	for (i = 0; i < sp->n_runs && hf->rc == LL_OK; i++) {
		c[i].cap = cap;
		c[i].buf = malloc(cap * sizeof(*c[i].buf));
		if (!c[i].buf)
			hf->rc = LL_NOMEM;
	}
	if (hf->rc == LL_OK)
		hf->rc = merge(sp, hf->rg, c, h, &hf->cand, &hf->n_cand,
			       &hf->err);
	else
		ll_error_set(&hf->err, hf->rc, NULL, 0, NULL, "out of memory");
	for (i = 0; c && i < sp->n_runs; i++)
		free(c[i].buf);
	free(c);
	free(h);
}

enum ll_status ll_idspill_repeats(struct ll_idspill *sp, uint64_t **cand,
				  size_t *n_cand, struct ll_error *err)
{
	struct half lo, hi;
	struct ll_task task;
	size_t i;
	enum ll_status rc = LL_OK;

	*cand = NULL;
	*n_cand = 0;
	if (sp->n_runs == 0)
		return LL_OK;
	memset(&lo, 0, sizeof(lo));
	memset(&hi, 0, sizeof(hi));
	lo.sp = hi.sp = sp;
	lo.rg = calloc(sp->n_runs, sizeof(*lo.rg));
	hi.rg = calloc(sp->n_runs, sizeof(*hi.rg));
	if (!lo.rg || !hi.rg)
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	for (i = 0; i < sp->n_runs && rc == LL_OK; i++) {
		uint64_t cut = 0;

		rc = run_cut(sp, i, &cut, err);
		lo.rg[i].first = 0;
		lo.rg[i].n = cut;
		hi.rg[i].first = cut;
		hi.rg[i].n = sp->runs[i].n - cut;
	}
	if (rc == LL_OK) {
		ll_error_clear(&lo.err);
		ll_error_clear(&hi.err);
		ll_task_start(&task, half_main, &hi);
		half_main(&lo);
		ll_task_join(&task);
		rc = lo.rc != LL_OK ? lo.rc : hi.rc;
		if (rc != LL_OK)
			*err = lo.rc != LL_OK ? lo.err : hi.err;
	}
	/* below 2^63, then from it: still ascending */
	if (rc == LL_OK && hi.n_cand) {
		uint64_t *all = realloc(lo.cand, (lo.n_cand + hi.n_cand) *
							 sizeof(*all));

		if (!all) {
			rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory");
		} else {
			memcpy(all + lo.n_cand, hi.cand,
			       hi.n_cand * sizeof(*all));
			lo.cand = all;
			lo.n_cand += hi.n_cand;
		}
	}
	if (rc == LL_OK) {
		*cand = lo.cand;
		*n_cand = lo.n_cand;
	} else {
		free(lo.cand);
	}
	free(hi.cand);
	free(lo.rg);
	free(hi.rg);
	return rc;
}

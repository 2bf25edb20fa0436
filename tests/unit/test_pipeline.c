/*
 * test_pipeline.c — unit tests for pipeline.c's reading of generation logs:
 * lines over LL_EVENT_LINE_BYTES_MAX wherever they fall.
 *
 * Every case writes a real log into an anonymous file (memfd) and runs
 * ll_pipeline_run on it, with a registry, eligibility and tally built as
 * cmd_run.c builds them.  Over-long lines begin at the start of a log,
 * part-way into a read block, one byte before, on and after a block
 * boundary, end there too, are the last line without a newline, sit in
 * the second of three logs and between two events with the same id; lines
 * of exactly the limit and one byte under it are valid events (padded with
 * JSON whitespace).  Block sizes around the line limit (±1) are used as
 * well as the default.  Each run must report exactly one "line longer than
 * N bytes" error per over-long line, at its file and line, count every
 * other event, and digest and count every byte and line of the log.  A
 * seeded random test checks many mixed logs against a naive oracle that
 * splits the whole log at its newlines.
 */
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ledgerline/digest.h"
#include "ledgerline/elig.h"
#include "ledgerline/event.h"
#include "ledgerline/ident.h"
#include "ledgerline/pipeline.h"
#include "ledgerline/registry.h"
#include "ledgerline/status.h"
#include "ledgerline/tally.h"

#include "fixture.h"

enum {
	LINE_MAX_ = LL_EVENT_LINE_BYTES_MAX,
	BLOCK_DEFAULT = 4 * 1024 * 1024,	/* pipeline.c's default */
	EVENT_MIN = 128,	/* shortest event line add_event writes */
	LOGS_MAX = 4,
	RANDOM_CASES = 24,
};

static const char OVERLONG_TEXT[] = "line longer than 1048576 bytes";

/* ---- a growable log ------------------------------------------------------- */

struct text {
	char *p;
	size_t len, cap;
	unsigned next_id;
	long lines;		/* complete or final lines written */
	long valid;		/* of them, valid events */
	long over[64];		/* numbers of the over-long lines */
	size_t n_over;
};

static void text_reserve(struct text *t, size_t more)
{
	if (t->len + more <= t->cap)
		return;
	while (t->cap < t->len + more)
		t->cap = t->cap ? t->cap * 2 : 1 << 20;
	t->p = realloc(t->p, t->cap);
	assert_non_null(t->p);
}

static void text_free(struct text *t)
{
	free(t->p);
	memset(t, 0, sizeof(*t));
}

/* A valid event line of exactly len bytes (with id, padded with spaces
 * before the closing brace), then a newline unless last is set. */
static void add_event_id(struct text *t, const char *id, size_t len, bool nl)
{
	char head[160];
	int k = snprintf(head, sizeof(head),
			 "{\"id\": \"%s\", \"model\": \"m-1\", \"ts\": "
			 "\"2026-07-15T00:00:00Z\", \"value\": \"1\", "
			 "\"currency\": \"EUR\", \"attribution\": []",
			 id);

	assert_true(k > 0 && (size_t)k + 1 <= len && len <= LINE_MAX_);
	text_reserve(t, len + 1);
	memcpy(t->p + t->len, head, (size_t)k);
	memset(t->p + t->len + k, ' ', len - (size_t)k - 1);
	t->p[t->len + len - 1] = '}';
	t->len += len;
	if (nl)
		t->p[t->len++] = '\n';
	t->lines++;
	t->valid++;
}

static void add_event(struct text *t, size_t len, bool nl)
{
	char id[32];

	snprintf(id, sizeof(id), "e%u", t->next_id++);
	add_event_id(t, id, len, nl);
}

/* A line of len bytes of hostile content (no newline in it). */
static void add_overlong(struct text *t, size_t len, bool nl)
{
	static const char junk[] = "{\"id\": \"x\", \xff\x01\"AAAA\\u0000 ]]}}";
	size_t i;

	assert_true(len > LINE_MAX_);
	assert_true(t->n_over < sizeof(t->over) / sizeof(t->over[0]));
	text_reserve(t, len + 1);
	for (i = 0; i < len; i++)
		t->p[t->len + i] = junk[i % (sizeof(junk) - 1)];
	t->len += len;
	if (nl)
		t->p[t->len++] = '\n';
	t->lines++;
	t->over[t->n_over++] = t->lines;
}

/* A line of len bytes: an event when it fits, else over-long. */
static void add_line(struct text *t, size_t len, bool nl)
{
	if (len > LINE_MAX_)
		add_overlong(t, len, nl);
	else
		add_event(t, len, nl);
}

/* Valid events until the log is exactly offset bytes long. */
static void fill_to(struct text *t, size_t offset)
{
	assert_true(offset >= t->len);
	while (t->len < offset) {
		size_t r = offset - t->len, c;

		if (r <= (size_t)LINE_MAX_ + 1)
			c = r;
		else if (r - (LINE_MAX_ + 1) >= EVENT_MIN + 1)
			c = LINE_MAX_ + 1;
		else
			c = r - (EVENT_MIN + 1);
		assert_true(c >= EVENT_MIN + 1);
		add_event(t, c - 1, true);
	}
}

/* ---- running the pipeline ------------------------------------------------- */

struct fx {
	struct ll_registry reg;
	struct ll_elig elig;
	struct ll_run_ctx ctx;
	const char *sources[LOGS_MAX];
};

static int setup(void **state)
{
	static const char reg_json[] =
		"{\"parties\": [{\"id\": \"P-AI\", \"name\": \"Synth Co\", "
		"\"kind\": \"licensee\"}]}";
	struct fx *f = calloc(1, sizeof(*f));
	struct ll_errlist errs;
	struct ll_error err;
	const char *reason = NULL;

	if (!f)
		return -1;
	ll_registry_init(&f->reg);
	ll_errlist_init(&errs, 0);
	if (ll_registry_parse(&f->reg, "reg.json", reg_json, strlen(reg_json),
			      &errs) != LL_OK ||
	    ll_registry_link(&f->reg, &errs) != LL_OK ||
	    ll_elig_build(&f->elig, &f->reg, "P-AI", &err) != LL_OK) {
		ll_errlist_release(&errs);
		return -1;
	}
	ll_errlist_release(&errs);
	f->ctx.reg = &f->reg;
	f->ctx.elig = &f->elig;
	if (!ll_period_parse("2026-Q3", &f->ctx.first_day, &f->ctx.last_day,
			     &reason))
		return -1;
	f->ctx.period = "2026-Q3";
	f->ctx.models = NULL;
	f->ctx.sources = f->sources;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ll_elig_release(&f->elig);
	ll_registry_release(&f->reg);
	free(f);
	return 0;
}

static int memfd_of(const struct text *t)
{
	int fd = memfd_create("log", MFD_CLOEXEC);
	size_t off = 0;

	assert_true(fd >= 0);
	while (off < t->len) {
		ssize_t k = write(fd, t->p + off, t->len - off);

		assert_true(k > 0);
		off += (size_t)k;
	}
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* What on_event saw: each (log, line) once, from the two workers. */
struct seen {
	pthread_mutex_t mu;
	unsigned char *line[LOGS_MAX];	/* by line number, 0 or 1 */
	long lines[LOGS_MAX];
	size_t n_logs;
	long events;
	bool wrong;	/* a worker, log or line out of range, or twice */
	int nice_min, nice_max;	/* of the threads that called */
};

/* The calling thread's nice value (its own on Linux). */
static int thread_nice(void)
{
	int n;

	errno = 0;
	n = getpriority(PRIO_PROCESS, (id_t)gettid());
	assert_false(n == -1 && errno);
	return n;
}

static enum ll_status seen_event(void *user, int worker,
				 const struct ll_event *ev, uint32_t log,
				 long line, struct ll_error *err)
{
	struct seen *sn = user;
	int nice = thread_nice();

	(void)err;
	pthread_mutex_lock(&sn->mu);
	if (worker < 0 || worker >= 2 || log >= sn->n_logs || line < 1 ||
	    line > sn->lines[log] || sn->line[log][line] || !ev->id)
		sn->wrong = true;
	else
		sn->line[log][line] = 1;
	if (!sn->events || nice < sn->nice_min)
		sn->nice_min = nice;
	if (!sn->events || nice > sn->nice_max)
		sn->nice_max = nice;
	sn->events++;
	pthread_mutex_unlock(&sn->mu);
	return LL_OK;
}

/*
 * Run the pipeline over logs (names "log0.ndjson"...) with block_bytes
 * (0: the default), and check it against what was written: exactly one
 * over-long error per over-long line, nothing else wrong unless
 * extra_errors, every valid event counted, bytes, lines and digests, and
 * each file left at its end.
 * The tally is left in *t for more checks (caller releases).
 */
static void run_logs(struct fx *f, struct text *logs, size_t n,
		     size_t block_bytes, size_t extra_errors,
		     struct ll_tally *t)
{
	static const char *const names[LOGS_MAX] = {
		"log0.ndjson", "log1.ndjson", "log2.ndjson", "log3.ndjson"
	};
	struct ll_log_input in[LOGS_MAX];
	struct seen sn = { .mu = PTHREAD_MUTEX_INITIALIZER, .n_logs = n };
	struct ll_pipeline_opts opts = { .threads = 2,
					 .block_bytes = block_bytes,
					 .on_event = seen_event,
					 .event_user = &sn };
	struct ll_error err;
	size_t i, j, k = 0, n_over = 0;
	long valid = 0;
	int nice = thread_nice(), workers;

	assert_true(n <= LOGS_MAX);
	memset(in, 0, sizeof(in));
	for (i = 0; i < n; i++) {
		f->sources[i] = names[i];
		in[i].name = names[i];
		in[i].fd = memfd_of(&logs[i]);
		n_over += logs[i].n_over;
		valid += logs[i].valid;
		sn.lines[i] = logs[i].lines;
		sn.line[i] = calloc((size_t)logs[i].lines + 1, 1);
		assert_non_null(sn.line[i]);
	}
	ll_error_clear(&err);
	assert_int_equal(ll_tally_init(t, &f->ctx), LL_OK);
	assert_int_equal(ll_pipeline_run(in, n, &opts, t, &err), LL_OK);
	for (i = 0; i < n; i++) {
		uint8_t d[LL_SHA256_LEN];
		char hex[LL_SHA256_HEX_LEN + 1];

		assert_int_equal(lseek(in[i].fd, 0, SEEK_CUR),
				 (off_t)logs[i].len);
		close(in[i].fd);
		ll_sha256(logs[i].p, logs[i].len, d);
		ll_hex(d, sizeof(d), hex);
		assert_string_equal(in[i].sha256, hex);
		assert_int_equal(in[i].bytes, logs[i].len);
		assert_int_equal(in[i].lines, (uint64_t)logs[i].lines);
	}
	if (t->errors_total != n_over + extra_errors) {
		for (i = 0; i < t->n_errors; i++)
			print_message("  %s:%ld: %s: %s\n",
				      t->errors[i].e.source,
				      t->errors[i].e.line,
				      t->errors[i].e.field,
				      t->errors[i].e.text);
	}
	assert_int_equal(t->errors_total, n_over + extra_errors);
	assert_int_equal(t->events, (uint64_t)valid);
	/* on_event saw every event tallied, once each */
	assert_false(sn.wrong);
	assert_int_equal(sn.events, valid);
	/* the parsing threads below the reader when they share its CPUs
	 * (ll_pipeline_worker_nice), the reader (this thread) as it was */
	workers = nice + ll_pipeline_worker_nice(opts.threads);
	if (workers > 19)
		workers = 19;
	if (valid) {
		assert_int_equal(sn.nice_min, workers);
		assert_int_equal(sn.nice_max, workers);
	}
	assert_int_equal(thread_nice(), nice);
	for (i = 0; i < n; i++)
		free(sn.line[i]);
	/* the over-long errors, in (file, line) order among the rest */
	for (i = 0; i < n; i++) {
		for (j = 0; j < logs[i].n_over; j++) {
			while (k < t->n_errors &&
			       strcmp(t->errors[k].e.text, OVERLONG_TEXT) != 0)
				k++;
			assert_true(k < t->n_errors);
			assert_int_equal(t->errors[k].file, i);
			assert_string_equal(t->errors[k].e.source, names[i]);
			assert_int_equal(t->errors[k].e.line,
					 logs[i].over[j]);
			assert_string_equal(t->errors[k].e.field, "");
			k++;
		}
	}
}

static void run_one(struct fx *f, struct text *log, size_t block_bytes)
{
	struct ll_tally t;

	run_logs(f, log, 1, block_bytes, 0, &t);
	ll_tally_release(&t);
}

/* ---- cases ---------------------------------------------------------------- */

/* The reported defect: a line far over the limit that starts part-way
 * into a read block (its tail was carried into the next read unchecked). */
static void test_overlong_line_partway_into_a_block(void **state)
{
	struct fx *f = *state;
	struct text t = { 0 };

	add_event(&t, 200, true);
	add_overlong(&t, 6 * 1024 * 1024, true);
	add_event(&t, 200, true);
	run_one(f, &t, 0);
	text_free(&t);

	add_event(&t, 300, true);
	add_overlong(&t, LINE_MAX_ + 1, true);
	add_event(&t, 300, true);
	add_overlong(&t, 3 * LINE_MAX_, true);
	add_event(&t, 300, true);
	run_one(f, &t, 65536);
	text_free(&t);
}

static void test_overlong_first_line(void **state)
{
	struct fx *f = *state;
	struct text t = { 0 };

	add_overlong(&t, LINE_MAX_ + 1, true);
	add_event(&t, 200, true);
	run_one(f, &t, 0);
	text_free(&t);
}

/*
 * Lines of the limit -1, the limit, +1 and more than two blocks long,
 * starting one byte before, on and after a block boundary, and ending
 * there, for block sizes around the line limit and the default.
 */
static void test_lines_around_block_boundaries(void **state)
{
	static const size_t blocks[] = { 0, LINE_MAX_ - 1, LINE_MAX_,
					 LINE_MAX_ + 1, 65536 };
	struct fx *f = *state;
	size_t bi, li, d;

	for (bi = 0; bi < sizeof(blocks) / sizeof(blocks[0]); bi++) {
		size_t b = blocks[bi] ? blocks[bi] : BLOCK_DEFAULT;
		size_t lens[] = { LINE_MAX_ - 1, LINE_MAX_, LINE_MAX_ + 1,
				  2 * b + 3 };

		for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			for (d = 0; d < 3; d++) {
				struct text t = { 0 };
				size_t start = b + d - 1;

				/* starting at b - 1, b, b + 1 */
				fill_to(&t, start);
				add_line(&t, lens[li], true);
				add_event(&t, 150, true);
				run_one(f, &t, blocks[bi]);
				text_free(&t);
				/* its newline at b - 1, b, b + 1 */
				if (b + d - 1 < lens[li] + EVENT_MIN + 1)
					continue;
				start = b + d - 1 - lens[li];
				fill_to(&t, start);
				add_line(&t, lens[li], true);
				add_event(&t, 150, true);
				run_one(f, &t, blocks[bi]);
				text_free(&t);
			}
		}
	}
}

/* The last line, without a newline: over the limit, and at the limit. */
static void test_last_line_without_newline(void **state)
{
	struct fx *f = *state;
	struct text t = { 0 };

	add_event(&t, 200, true);
	add_overlong(&t, LINE_MAX_ + 1, false);
	run_one(f, &t, 0);
	run_one(f, &t, 65536);
	text_free(&t);

	fill_to(&t, BLOCK_DEFAULT - 7);
	add_overlong(&t, 3 * LINE_MAX_, false);
	run_one(f, &t, 0);
	text_free(&t);

	add_event(&t, 200, true);
	add_event(&t, LINE_MAX_, false);
	run_one(f, &t, 0);
	run_one(f, &t, LINE_MAX_ - 1);
	text_free(&t);
}

/* Three logs, an over-long line in the second: named and numbered there. */
static void test_overlong_in_second_of_three_logs(void **state)
{
	struct fx *f = *state;
	struct text t[3];
	struct ll_tally tally;
	size_t i;

	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++)
		t[i].next_id = (unsigned)(i * 1000);
	add_event(&t[0], 200, true);
	add_event(&t[0], 200, true);
	add_event(&t[1], 200, true);
	fill_to(&t[1], BLOCK_DEFAULT - 100);
	add_overlong(&t[1], 2 * LINE_MAX_, true);
	add_event(&t[1], 200, true);
	add_event(&t[2], 200, true);
	run_logs(f, t, 3, 0, 0, &tally);
	assert_int_equal(tally.errors_total, 1);
	assert_string_equal(tally.errors[0].e.source, "log1.ndjson");
	ll_tally_release(&tally);
	for (i = 0; i < 3; i++)
		text_free(&t[i]);
}

/* The duplicate check re-reads the log: the over-long line between two
 * events with the same id is skipped there too, and lines keep their
 * numbers. */
static void test_duplicate_ids_around_an_overlong_line(void **state)
{
	static const size_t blocks[] = { 0, 4096, LINE_MAX_ + 1 };
	struct fx *f = *state;
	size_t bi;

	for (bi = 0; bi < sizeof(blocks) / sizeof(blocks[0]); bi++) {
		struct text t = { 0 };
		struct ll_tally tally;
		const struct ll_error *dup = NULL;
		size_t i;

		add_event_id(&t, "same", 200, true);
		add_overlong(&t, 2 * LINE_MAX_ + 7, true);
		add_event(&t, 200, true);
		add_event_id(&t, "same", 200, true);
		run_logs(f, &t, 1, blocks[bi], 1, &tally);
		for (i = 0; i < tally.n_errors; i++) {
			if (strcmp(tally.errors[i].e.field, "id") == 0)
				dup = &tally.errors[i].e;
		}
		assert_non_null(dup);
		assert_int_equal(dup->line, 4);
		assert_string_equal(dup->text,
				    "duplicate event id \"same\" (first at "
				    "log0.ndjson:1)");
		ll_tally_release(&tally);
		text_free(&t);
	}
}

/* The oracle: split the log at its newlines; count lines, over-long
 * lines and the rest (which add_* wrote as valid events). */
static void oracle(const struct text *t, long *lines, long *over,
		   long *valid)
{
	const char *p = t->p, *end = t->p + t->len;

	*lines = *over = *valid = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		++*lines;
		if (n > LINE_MAX_)
			++*over;
		else if (n > 0)
			++*valid;
		p = nl ? nl + 1 : end;
	}
}

static void test_random_logs_against_an_oracle(void **state)
{
	static const size_t lens[] = { EVENT_MIN, 1000, LINE_MAX_ - 1,
				       LINE_MAX_, LINE_MAX_ + 1,
				       LINE_MAX_ + 2, 5 * LINE_MAX_ / 2 };
	struct fx *f = *state;
	struct rng s = { UINT64_C(0x9e3779b97f4a7c15) };
	int c;

	for (c = 0; c < RANDOM_CASES; c++) {
		struct text t = { 0 };
		size_t block = 4096 + (size_t)(rng_next(&s) % (2 * LINE_MAX_));
		int n = 1 + (int)(rng_next(&s) % 8), i;
		long lines, over, valid;

		for (i = 0; i < n; i++) {
			size_t len = lens[rng_next(&s) % (sizeof(lens) /
						      sizeof(lens[0]))];

			if (len == 1000)
				len = EVENT_MIN + (size_t)(rng_next(&s) % 70000);
			add_line(&t, len, i + 1 < n || rng_next(&s) % 2);
		}
		oracle(&t, &lines, &over, &valid);
		assert_int_equal(lines, t.lines);
		assert_int_equal(over, (long)t.n_over);
		assert_int_equal(valid, t.valid);
		run_one(f, &t, block);
		text_free(&t);
	}
}

/* The parsing threads yield to the reader exactly when the reader and
 * they outnumber the CPUs this process may use. */
static void test_workers_below_the_reader(void **state)
{
	cpu_set_t set;
	int cpus, t;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	cpus = CPU_COUNT(&set);
	assert_true(cpus > 0);
	for (t = 1; t <= cpus + 2; t++)
		assert_int_equal(ll_pipeline_worker_nice(t),
				 t + 1 > cpus ? LL_PIPELINE_WORKER_NICE : 0);
	assert_true(LL_PIPELINE_WORKER_NICE > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlong_line_partway_into_a_block),
		cmocka_unit_test(test_overlong_first_line),
		cmocka_unit_test(test_lines_around_block_boundaries),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_overlong_in_second_of_three_logs),
		cmocka_unit_test(test_duplicate_ids_around_an_overlong_line),
		cmocka_unit_test(test_random_logs_against_an_oracle),
		cmocka_unit_test(test_workers_below_the_reader),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

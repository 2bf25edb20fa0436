/*
 * test_idspill.c — unit tests for idspill.c: runs spilled to the
 * temporary file and merged give exactly the hashes that occur more than
 * once, ascending, once each — with repeats within a run, across runs,
 * on both sides of the cut at 2^63 and at its edges, with empty runs and
 * a single run — the same as sorting everything in memory.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "ledgerline/idspill.h"

#include "fixture.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The repeats of v[0, n) by sorting a copy. */
static size_t repeats_by_sort(const uint64_t *v, size_t n, uint64_t *out)
{
	uint64_t *t = malloc((n + 1) * sizeof(*t));
	size_t i, k = 0;

	assert_non_null(t);
	memcpy(t, v, n * sizeof(*t));
	qsort(t, n, sizeof(*t), cmp_u64);
	for (i = 1; i < n; i++)
		if (t[i] == t[i - 1] && (k == 0 || out[k - 1] != t[i]))
			out[k++] = t[i];
	free(t);
	return k;
}

/* Spill v[0, n) as runs of the given sizes (sorted each), merge, and
 * compare with the sort. */
static void check_runs(const uint64_t *v, size_t n, const size_t *sizes,
		       size_t n_sizes)
{
	struct ll_idspill sp;
	struct ll_error err;
	uint64_t *want = malloc((n + 1) * sizeof(*want)), *cand = NULL;
	uint64_t *run = malloc((n + 1) * sizeof(*run));
	size_t n_want, n_cand = 0, at = 0, i;

	assert_non_null(want);
	assert_non_null(run);
	n_want = repeats_by_sort(v, n, want);
	assert_int_equal(ll_idspill_init(&sp, NULL, &err), LL_OK);
	for (i = 0; i < n_sizes; i++) {
		assert_true(at + sizes[i] <= n);
		memcpy(run, v + at, sizes[i] * sizeof(*run));
		qsort(run, sizes[i], sizeof(*run), cmp_u64);
		assert_int_equal(ll_idspill_add(&sp, run, sizes[i], &err),
				 LL_OK);
		at += sizes[i];
	}
	assert_int_equal(at, n);
	assert_int_equal(ll_idspill_repeats(&sp, &cand, &n_cand, &err), LL_OK);
	assert_int_equal(n_cand, n_want);
	for (i = 0; i < n_want; i++)
		if (cand[i] != want[i])
			fail_msg("repeat %zu: %llx, expected %llx", i,
				 (unsigned long long)cand[i],
				 (unsigned long long)want[i]);
	free(cand);
	free(want);
	free(run);
	ll_idspill_release(&sp);
}

static void test_repeats_random(void **state)
{
	enum { N = 60000 };
	struct rng r = { UINT64_C(0x1d5b11) };
	uint64_t *v = malloc(N * sizeof(*v));
	size_t sizes[] = { 20000, 0, 1, 17000, 9999, 13000 };
	size_t i;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < N; i++) {
		unsigned kind = rng_below(&r, 20);

		if (kind == 0 && i > 0)	/* an earlier hash again */
			v[i] = v[rng_below(&r, (unsigned)i)];
		else if (kind == 1)	/* at the cut and its neighbours */
			v[i] = (UINT64_C(1) << 63) - 1 + rng_below(&r, 3);
		else if (kind == 2)	/* the ends of the space */
			v[i] = rng_below(&r, 2) ? UINT64_MAX : 0;
		else
			v[i] = rng_next(&r);
	}
	check_runs(v, N, sizes, sizeof(sizes) / sizeof(sizes[0]));
	/* one run alone */
	check_runs(v, N, (size_t[]){ N }, 1);
	free(v);
}

/* So many runs that each is read through a smaller buffer (130 runs:
 * 4,033 hashes at a time; 2,100 runs: the least, 256), every run longer
 * than its buffer. */
static void test_repeats_many_runs(void **state)
{
	static const size_t runs[] = { 130, 2100 }, each[] = { 5000, 300 };
	struct rng r = { UINT64_C(0x5eed) };
	size_t k, i;

	(void)state;
	for (k = 0; k < 2; k++) {
		size_t n = runs[k] * each[k];
		uint64_t *v = malloc(n * sizeof(*v));
		size_t *sizes = malloc(runs[k] * sizeof(*sizes));

		assert_non_null(v);
		assert_non_null(sizes);
		for (i = 0; i < n; i++)
			v[i] = i > 0 && rng_below(&r, 50) == 0
				       ? v[rng_below(&r, (unsigned)i)]
				       : rng_next(&r);
		for (i = 0; i < runs[k]; i++)
			sizes[i] = each[k];
		check_runs(v, n, sizes, runs[k]);
		free(sizes);
		free(v);
	}
}

static void test_repeats_one_side(void **state)
{
	uint64_t low[] = { 5, 3, 5, 9, 1, 3, 3 };
	uint64_t high[] = { UINT64_MAX, UINT64_C(1) << 63, UINT64_MAX, 7 };

	(void)state;
	/* every hash below the cut; then all but one above it */
	check_runs(low, 7, (size_t[]){ 3, 4 }, 2);
	check_runs(high, 4, (size_t[]){ 1, 1, 2 }, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats_random),
		cmocka_unit_test(test_repeats_one_side),
		cmocka_unit_test(test_repeats_many_runs),
	};

	return cmocka_run_group_tests_name("idspill", tests, NULL, NULL);
}

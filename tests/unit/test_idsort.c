/*
 * test_idsort.c — unit tests for idsort.c and the id line of partial.c:
 * every id added comes out once, as its partial line, sorted by (hash,
 * id), with its log mapped — whether the ids stayed in memory or were
 * spilled in many runs, with repeated ids (equal hashes), ids that need
 * escaping, and one or two text blocks of ids — the same bytes as sorting
 * everything with qsort and writing each line with printf.
 */
#include "unit.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/idsort.h"
#include "ledgerline/tally.h"

#include "fixture.h"

enum {
	LOGS = 5,
};

/* Test rng: xorshift64*, seeded per case. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int cmp_ref(const void *a, const void *b)
{
	return ll_partial_id_cmp(a, b);
}

/* An id line as "%016x %u %ld " and %XX escapes make it. */
static void line_by_printf(const struct ll_partial_id *d, struct ll_buf *b)
{
	char head[128];
	const char *s;

	snprintf(head, sizeof(head), "id %016" PRIx64 " %" PRIu32 " %ld ",
		 d->hash, d->log, d->line);
	ll_buf_str(b, head);
	for (s = d->id; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == '%' || c == 0x7f) {
			char e[4];

			snprintf(e, sizeof(e), "%%%02X", c);
			ll_buf_str(b, e);
		} else {
			ll_buf_add(b, s, 1);
		}
	}
	ll_buf_str(b, "\n");
}

static enum ll_status collect(void *ctx, const char *line, size_t len,
			      struct ll_error *err)
{
	(void)err;
	ll_buf_add(ctx, line, len);
	return LL_OK;
}

/* A random id: mostly identifier bytes, sometimes one to escape. */
static void random_id(char *out, size_t max_len)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
				    "klmnopqrstuvwxyz0123456789._:-";
	static const char odd[] = " %\x7f\x01\t\xc3";
	size_t len = 1 + rng() % max_len, i;

	for (i = 0; i < len; i++)
		out[i] = rng() % 16 == 0 ? odd[rng() % (sizeof(odd) - 1)]
					 : chars[rng() % (sizeof(chars) - 1)];
	out[len] = '\0';
}

/*
 * Add n ids (one in repeat_every a copy of an earlier one, with its log
 * and line, so that the order of equals cannot show) with the budget,
 * drain with or without a log map, and compare with the reference.
 */
static void check_sort(uint64_t seed, size_t n, uint64_t budget,
		       size_t repeat_every, size_t max_len, bool map)
{
	static const uint32_t log_map[LOGS] = { 3, 0, 4, 1, 2 };
	struct ll_partial_id *ref = calloc(n + 1, sizeof(*ref));
	struct ll_buf got = LL_BUF_INIT, want = LL_BUF_INIT;
	struct ll_idsort s;
	struct ll_error err;
	char id[LL_IDSORT_TEXT_BYTES / 2];
	size_t i;

	assert_non_null(ref);
	assert_true(max_len < sizeof(id));
	rng_state = seed;
	assert_int_equal(ll_idsort_init(&s, NULL, budget, &err), LL_OK);
	for (i = 0; i < n; i++) {
		if (i > 0 && repeat_every && rng() % repeat_every == 0) {
			ref[i] = ref[rng() % i];
			ref[i].id = strdup(ref[i].id);
		} else {
			random_id(id, max_len);
			ref[i].id = strdup(id);
			ref[i].log = (uint32_t)(rng() % LOGS);
			ref[i].line = (long)(rng() % 1000000000);
		}
		assert_non_null(ref[i].id);
		ref[i].hash = ll_event_id_hash(ref[i].id, strlen(ref[i].id));
		assert_int_equal(ll_idsort_add(&s, ref[i].id, ref[i].log,
					       ref[i].line, &err),
				 LL_OK);
	}
	assert_int_equal(s.total, n);
	assert_int_equal(ll_idsort_drain(&s, map ? log_map : NULL, collect,
					 &got, &err),
			 LL_OK);
	qsort(ref, n, sizeof(*ref), cmp_ref);
	for (i = 0; i < n; i++) {
		struct ll_partial_id d = ref[i];

		if (map)
			d.log = log_map[d.log];
		line_by_printf(&d, &want);
	}
	assert_false(got.fail);
	assert_false(want.fail);
	assert_int_equal(got.n, want.n);
	assert_true(got.n == 0 || memcmp(got.s, want.s, got.n) == 0);
	ll_idsort_release(&s);
	for (i = 0; i < n; i++)
		free(ref[i].id);
	free(ref);
	free(got.s);
	free(want.s);
}

/* Everything in memory: the radix sort and the write. */
static void test_in_memory(void **state)
{
	(void)state;
	check_sort(1, 0, UINT64_MAX, 0, 64, false);
	check_sort(2, 1, UINT64_MAX, 0, 64, true);
	check_sort(3, 50000, UINT64_MAX, 0, 64, false);
	check_sort(4, 50000, UINT64_MAX, 7, 64, true);
	check_sort(5, 3000, UINT64_MAX, 2, 3, false);	/* short, repeated */
}

/* Spilled in runs of a few ids to a few thousand, then merged. */
static void test_spilled(void **state)
{
	(void)state;
	check_sort(6, 20000, 1, 0, 64, true);		/* a run per id */
	check_sort(7, 20000, 4096, 5, 64, false);
	check_sort(8, 50000, 200000, 0, 64, true);
	check_sort(9, 50000, 200000, 3, 20, true);
}

/* Ids long enough to fill text blocks: each block holds what fits. */
static void test_text_blocks(void **state)
{
	(void)state;
	check_sort(10, 9, UINT64_MAX, 0, LL_IDSORT_TEXT_BYTES / 2 - 1,
		   false);
	check_sort(11, 9, 1 << 20, 0, LL_IDSORT_TEXT_BYTES / 2 - 1, true);
}

/* The id line at the edges of its numbers, against printf. */
static void test_id_line_edges(void **state)
{
	static const uint64_t hashes[] = { 0, 1, 0xf, 0x123456789abcdef0ULL,
					   UINT64_MAX };
	static const uint32_t logs[] = { 0, 9, 10, 4294967295u };
	static const long lines[] = { 0, 1, 9, 10, 99, 100, LONG_MAX, -1,
				      LONG_MIN };
	static const char *const ids[] = { "g-1", "a b", "%", "x\x7f" };
	size_t h, l, k, i;

	(void)state;
	for (h = 0; h < sizeof(hashes) / sizeof(hashes[0]); h++)
		for (l = 0; l < sizeof(logs) / sizeof(logs[0]); l++)
			for (k = 0; k < sizeof(lines) / sizeof(lines[0]); k++)
				for (i = 0; i < sizeof(ids) / sizeof(ids[0]);
				     i++) {
					struct ll_partial_id d = {
						hashes[h], logs[l], lines[k],
						(char *)ids[i]
					};
					struct ll_buf a = LL_BUF_INIT,
						      b = LL_BUF_INIT;

					ll_partial_encode_id(&d, &a);
					line_by_printf(&d, &b);
					assert_int_equal(a.n, b.n);
					assert_memory_equal(a.s, b.s, a.n);
					free(a.s);
					free(b.s);
				}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_memory),
		cmocka_unit_test(test_spilled),
		cmocka_unit_test(test_text_blocks),
		cmocka_unit_test(test_id_line_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

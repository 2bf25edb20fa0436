/*
 * test_hugemem.c — unit tests for hugemem.c: small allocations come from
 * malloc, large ones are mappings of their own that start on a 2 MiB
 * boundary and are asked for huge pages; calloc's are zeroed, overflow is
 * refused, every one is released with its size (the sanitizer suite
 * checks the malloc'd ones, /proc/self/smaps the mappings), and the
 * reference index built on it as the hot pair (as main installs it) finds
 * every key.
 */
#include "unit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/hotmem.h"
#include "ledgerline/hugemem.h"
#include "ledgerline/refix.h"

static void assert_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			fail_msg("byte %zu of %zu is %u", i, n, p[i]);
}

/* Whether p lies in a mapping of this process, and whether that mapping
 * is advised for huge pages ("hg" in its VmFlags). */
static int mapped(const void *p, int *advised)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long a = (unsigned long)(uintptr_t)p;
	char line[512];
	int found = 0;

	assert_non_null(f);
	*advised = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			if (found)
				break;
			found = lo <= a && a < hi;
		} else if (found && strncmp(line, "VmFlags:", 8) == 0) {
			*advised = strstr(line, " hg") != NULL;
		}
	}
	fclose(f);
	return found;
}

/* Whether the kernel says it has transparent huge pages (it refuses the
 * advice without them).  Where /sys is not mounted (a chroot), it does
 * not say, and the advice is not checked. */
static int kernel_says_thp(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f)
		fclose(f);
	return f != NULL;
}

static void test_small_from_malloc(void **state)
{
	unsigned char *p = ll_huge_calloc(100, 10);
	unsigned char *q = ll_huge_alloc(LL_HUGE_MIN_BYTES - 1);

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	assert_zero(p, 1000);
	memset(q, 0xa5, LL_HUGE_MIN_BYTES - 1);
	ll_huge_free(p, 100, 10);
	ll_huge_release(q, LL_HUGE_MIN_BYTES - 1);
	ll_huge_release(NULL, LL_HUGE_MIN_BYTES);
	ll_huge_free(NULL, 1, 1);
}

static void test_large_mapped_on_boundaries(void **state)
{
	/* exactly the threshold, a block buffer's size, and more than one
	 * huge page with a ragged end */
	size_t sizes[] = { LL_HUGE_MIN_BYTES, 2 * LL_HUGE_PAGE_BYTES,
			   3 * LL_HUGE_PAGE_BYTES + 12345 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *m = ll_huge_alloc(sizes[i]);
		unsigned char *c = ll_huge_calloc(sizes[i] / 8, 8);
		int advised;

		assert_non_null(m);
		assert_non_null(c);
		assert_int_equal((uintptr_t)m % LL_HUGE_PAGE_BYTES, 0);
		assert_int_equal((uintptr_t)c % LL_HUGE_PAGE_BYTES, 0);
		assert_true(mapped(m, &advised));
		if (kernel_says_thp())
			assert_true(advised);
		memset(m, 0x5a, sizes[i]);	/* all of it is ours */
		assert_zero(c, sizes[i] / 8 * 8);
		ll_huge_release(m, sizes[i]);
		ll_huge_free(c, sizes[i] / 8, 8);
		/* released: unmapped, to the end of the last huge page */
		assert_false(mapped(m, &advised));
		assert_false(mapped(m + sizes[i] - 1, &advised));
		assert_false(mapped(c, &advised));
	}
}

static void test_overflow_refused(void **state)
{
	(void)state;
	assert_null(ll_huge_calloc(SIZE_MAX / 16 + 1, 16));
	assert_null(ll_huge_alloc(SIZE_MAX));
	assert_null(ll_huge_alloc(SIZE_MAX - LL_HUGE_PAGE_BYTES + 2));
}

/* 60,000 keys need a 128 Ki-slot index, 4 MiB: mapped on huge pages. */
static void test_refix_on_huge_pages(void **state)
{
	enum { N = 60000 };
	struct ll_refix x;
	char(*keys)[16] = calloc(N, sizeof(*keys));
	size_t i;
	int advised;

	(void)state;
	assert_non_null(keys);
	ll_hot_install(ll_huge_calloc, ll_huge_free);
	ll_refix_init(&x);
	assert_int_equal(ll_refix_reserve(&x, 10), LL_OK);	/* small */
	assert_int_equal(ll_refix_reserve(&x, N), LL_OK);	/* grown */
	assert_true(mapped(x.slots, &advised));
	if (kernel_says_thp())
		assert_true(advised);
	assert_int_equal((uintptr_t)x.slots % LL_HUGE_PAGE_BYTES, 0);
	for (i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "W-%07zu", i * 7919);
		assert_int_equal(ll_refix_put(&x, keys[i], (uint32_t)i), LL_OK);
	}
	for (i = 0; i < N; i++) {
		size_t len = strlen(keys[i]);
		uint32_t v = UINT32_MAX;

		assert_true(ll_refix_get(&x, keys[i], len,
					 ll_refix_hash(keys[i], len), &v));
		assert_int_equal(v, i);
	}
	assert_false(ll_refix_get(&x, "W-absent", 8,
				  ll_refix_hash("W-absent", 8), NULL));
	ll_refix_release(&x);
	ll_hot_install(NULL, NULL);
	free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_from_malloc),
		cmocka_unit_test(test_large_mapped_on_boundaries),
		cmocka_unit_test(test_overflow_refused),
		cmocka_unit_test(test_refix_on_huge_pages),
	};

	return cmocka_run_group_tests_name("hugemem", tests, NULL, NULL);
}

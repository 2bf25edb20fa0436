/*
 * test_hotmem.c — unit tests for hotmem.c: the hot tables' memory comes
 * from calloc and goes back to free until a pair is installed, then from
 * and to that pair (with the size it was asked with), with the same
 * overflow check in front of both.
 */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

#include "ledgerline/hotmem.h"

static size_t calls, last_n, last_size, frees, freed_n, freed_size;

static void *counting_calloc(size_t n, size_t size)
{
	calls++;
	last_n = n;
	last_size = size;
	return calloc(n, size);
}

static void counting_free(void *p, size_t n, size_t size)
{
	frees++;
	freed_n = n;
	freed_size = size;
	free(p);
}

static void assert_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(p[i], 0);
}

static void test_calloc_by_default(void **state)
{
	unsigned char *p = ll_hot_calloc(1000, 24);

	(void)state;
	assert_non_null(p);
	assert_zero(p, 1000 * 24);
	ll_hot_free(p, 1000, 24);
	ll_hot_free(NULL, 1000, 24);
}

static void test_installed_is_used_then_removed(void **state)
{
	unsigned char *p;

	(void)state;
	calls = frees = 0;
	ll_hot_install(counting_calloc, counting_free);
	p = ll_hot_calloc(300, 80);
	assert_non_null(p);
	assert_int_equal(calls, 1);
	assert_int_equal(last_n, 300);
	assert_int_equal(last_size, 80);
	assert_zero(p, 300 * 80);
	ll_hot_free(p, 300, 80);
	assert_int_equal(frees, 1);
	assert_int_equal(freed_n, 300);
	assert_int_equal(freed_size, 80);
	ll_hot_free(NULL, 300, 80);	/* nothing to release */
	assert_int_equal(frees, 1);
	ll_hot_install(NULL, NULL);
	p = ll_hot_calloc(300, 80);
	assert_non_null(p);
	assert_int_equal(calls, 1);
	ll_hot_free(p, 300, 80);
	assert_int_equal(frees, 1);
}

static void test_overflow_is_refused(void **state)
{
	(void)state;
	calls = 0;
	ll_hot_install(counting_calloc, counting_free);
	assert_null(ll_hot_calloc(SIZE_MAX / 8 + 1, 8));
	assert_null(ll_hot_calloc(SIZE_MAX, SIZE_MAX));
	assert_int_equal(calls, 0);	/* refused before the allocator */
	ll_hot_install(NULL, NULL);
	assert_null(ll_hot_calloc(SIZE_MAX / 8 + 1, 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calloc_by_default),
		cmocka_unit_test(test_installed_is_used_then_removed),
		cmocka_unit_test(test_overflow_is_refused),
	};

	return cmocka_run_group_tests_name("hotmem", tests, NULL, NULL);
}

/*
 * test_hotmem.c — unit tests for hotmem.c: the hot tables' allocation is
 * calloc until an allocator is installed, then that allocator, with the
 * same overflow check in front of both.
 */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

#include "ledgerline/hotmem.h"

static size_t calls, last_n, last_size;

static void *counting_calloc(size_t n, size_t size)
{
	calls++;
	last_n = n;
	last_size = size;
	return calloc(n, size);
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
	free(p);
}

static void test_installed_is_used_then_removed(void **state)
{
	unsigned char *p;

	(void)state;
	calls = 0;
	ll_hot_install(counting_calloc);
	p = ll_hot_calloc(300, 80);
	assert_non_null(p);
	assert_int_equal(calls, 1);
	assert_int_equal(last_n, 300);
	assert_int_equal(last_size, 80);
	assert_zero(p, 300 * 80);
	free(p);
	ll_hot_install(NULL);
	p = ll_hot_calloc(300, 80);
	assert_non_null(p);
	assert_int_equal(calls, 1);
	free(p);
}

static void test_overflow_is_refused(void **state)
{
	(void)state;
	calls = 0;
	ll_hot_install(counting_calloc);
	assert_null(ll_hot_calloc(SIZE_MAX / 8 + 1, 8));
	assert_null(ll_hot_calloc(SIZE_MAX, SIZE_MAX));
	assert_int_equal(calls, 0);	/* refused before the allocator */
	ll_hot_install(NULL);
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

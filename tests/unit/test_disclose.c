/*
 * test_disclose.c — unit tests for disclose.c: hours rounded half to even
 * from exact milliseconds, and the template's size bins at their
 * boundaries (9,999.99 h, 10,000 h, 1,000,000 h), decided on milliseconds.
 *
 * Design decision: the rounding oracle works on the decimal expansion of
 * ms / 3,600,000 to three places and a remainder flag, a different route
 * from the code's one division by 36,000.
 */
#include "unit.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ledgerline/disclose.h"
#include "ledgerline/ident.h"
#include "ledgerline/manifest.h"

#include "fixture.h"

static void hours_is(uint64_t ms, const char *want)
{
	char got[LL_DISCLOSE_HOURS_SIZE];

	ll_disclose_hours(ms, got);
	assert_string_equal(got, want);
}

static void test_hours(void **state)
{
	(void)state;
	hours_is(0, "0.00");
	hours_is(3600000, "1.00");
	hours_is(18000, "0.00");	/* 0.005 h: half, to even 0.00 */
	hours_is(54000, "0.02");	/* 0.015 h: half, to even 0.02 */
	hours_is(18001, "0.01");
	hours_is(17999, "0.00");
	hours_is(946500, "0.26");
	hours_is((uint64_t)10000 * 3600000 - 1, "10000.00");
	hours_is((uint64_t)INT64_MAX, "2562047788015.22");
}

/* ms / 3,600,000 to 3 decimals + whether anything is left, then half to
 * even on the third decimal. */
static void oracle(uint64_t ms, char out[LL_DISCLOSE_HOURS_SIZE])
{
	uint64_t thousandths = ms / 3600;	/* ms / 3600 = h * 1000 */
	int rest = ms % 3600 != 0;
	uint64_t q = thousandths / 10;
	unsigned d = (unsigned)(thousandths % 10);

	if (d > 5 || (d == 5 && (rest || (q & 1))))
		q++;
	snprintf(out, LL_DISCLOSE_HOURS_SIZE, "%llu.%02llu",
		 (unsigned long long)(q / 100), (unsigned long long)(q % 100));
}

static void test_hours_oracle(void **state)
{
	uint64_t x = 88172645463325252ULL, ms;
	char a[LL_DISCLOSE_HOURS_SIZE], b[LL_DISCLOSE_HOURS_SIZE];
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ms = i < 100000 ? x % 1000000 : x % ((uint64_t)1 << 50);
		ll_disclose_hours(ms, a);
		oracle(ms, b);
		assert_string_equal(a, b);
	}
}

static void test_bins(void **state)
{
	const uint64_t h = 3600000;

	(void)state;
	assert_int_equal(ll_disclose_bin(0), LL_BIN_UNDER_10K_HOURS);
	/* 9,999.99 h */
	assert_int_equal(ll_disclose_bin(999999 * h / 100),
			 LL_BIN_UNDER_10K_HOURS);
	assert_int_equal(ll_disclose_bin(10000 * h - 1), LL_BIN_UNDER_10K_HOURS);
	assert_int_equal(ll_disclose_bin(10000 * h), LL_BIN_10K_TO_1M_HOURS);
	assert_int_equal(ll_disclose_bin(1000000 * h), LL_BIN_10K_TO_1M_HOURS);
	assert_int_equal(ll_disclose_bin(1000000 * h + 1), LL_BIN_OVER_1M_HOURS);
	assert_string_equal(ll_disclose_bin_name(LL_BIN_10K_TO_1M_HOURS),
			    "10k_to_1m_hours");
}

/* disclose --manifest's period: the UTC dates of the earliest and the
 * latest trained_at, in any order, a period ll_period_parse accepts. */
static void test_training_period(void **state)
{
	static const char *const at[] = { "2026-06-20T23:59:59Z",
					   "2020-01-01T00:30:00Z",
					   "2026-03-14T00:00:00Z" };
	struct ll_manifest mf[3];
	char got[LL_DISCLOSE_PERIOD_SIZE];
	const char *why = NULL;
	int32_t first, last;
	size_t i;

	(void)state;
	memset(mf, 0, sizeof(mf));
	for (i = 0; i < 3; i++)
		assert_true(ll_timestamp_parse(at[i], &mf[i].trained_at_us,
					       &why));
	ll_disclose_training_period(mf, 1, got);
	assert_string_equal(got, "2026-06-20..2026-06-20");
	/* the earliest first, whatever the order given */
	ll_disclose_training_period(mf, 3, got);
	assert_string_equal(got, "2020-01-01..2026-06-20");
	assert_true(ll_period_parse(got, &first, &last, &why));
	assert_int_equal(last - first, 2362);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_hours_oracle),
		cmocka_unit_test(test_bins),
		cmocka_unit_test(test_training_period),
	};

	return cmocka_run_group_tests_name("disclose", tests, NULL, NULL);
}

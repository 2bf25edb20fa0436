/*
 * test_delivery.c — unit tests for delivery.c: what each response means,
 * the backoff's bounds against a naive model over thousands of random
 * cases, Retry-After in both forms (the HTTP-date against a day count
 * made one day at a time), webhook-ids and the signed content.
 *
 * Design decision: the expected webhook-ids were computed with Python's
 * hashlib from the construction documented in delivery.h, not by this
 * code.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/delivery.h"

static struct ll_delivery_policy policy(void)
{
	struct ll_delivery_policy p;

	ll_delivery_policy_default(&p);
	return p;
}

static struct ll_delivery_decision decide(int attempt, int status,
					  int64_t retry_after_ms, uint64_t rnd)
{
	struct ll_delivery_policy p = policy();
	struct ll_delivery_response r = { status, retry_after_ms };
	struct ll_delivery_decision d;

	ll_delivery_decide(&p, attempt, &r, rnd, &d);
	return d;
}

static void test_outcomes(void **state)
{
	static const struct {
		int status;
		enum ll_delivery_outcome want;
	} cases[] = {
		{ 200, LL_DELIVERY_DELIVERED }, { 202, LL_DELIVERY_DELIVERED },
		{ 204, LL_DELIVERY_DELIVERED }, { 299, LL_DELIVERY_DELIVERED },
		{ 410, LL_DELIVERY_DISABLED },	{ 429, LL_DELIVERY_RETRY },
		{ 500, LL_DELIVERY_RETRY },	{ 503, LL_DELIVERY_RETRY },
		{ 599, LL_DELIVERY_RETRY },	{ 0, LL_DELIVERY_RETRY },
		{ 301, LL_DELIVERY_FAILED },	{ 302, LL_DELIVERY_FAILED },
		{ 307, LL_DELIVERY_FAILED },	{ 400, LL_DELIVERY_FAILED },
		{ 401, LL_DELIVERY_FAILED },	{ 404, LL_DELIVERY_FAILED },
		{ 409, LL_DELIVERY_FAILED },	{ 413, LL_DELIVERY_FAILED },
		{ 100, LL_DELIVERY_FAILED },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ll_delivery_decision d = decide(1, cases[i].status, -1, 7);

		if (d.outcome != cases[i].want)
			fail_msg("HTTP %d: outcome %s, expected %s",
				 cases[i].status,
				 ll_delivery_outcome_name(d.outcome),
				 ll_delivery_outcome_name(cases[i].want));
		if (d.outcome != LL_DELIVERY_RETRY)
			assert_int_equal(d.delay_ms, 0);
	}
	assert_string_equal(ll_delivery_outcome_name(LL_DELIVERY_DELIVERED),
			    "delivered");
	assert_string_equal(ll_delivery_outcome_name(LL_DELIVERY_DISABLED),
			    "disabled");
}

/* Full jitter against the rule spelled out naively. */
static void test_backoff_bounds(void **state)
{
	struct ll_delivery_policy p = policy();
	uint64_t seed = 88172645463325252ULL;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		int attempt = 1 + i % (LL_DELIVERY_ATTEMPTS_TOTAL_MAX - 1);
		int64_t cap = p.backoff_base_ms, k;
		struct ll_delivery_decision d;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		for (k = 1; k < attempt; k++) {
			cap = cap * 2;
			if (cap > p.backoff_max_ms)
				cap = p.backoff_max_ms;
		}
		d = decide(attempt, 503, -1, seed);
		assert_int_equal(d.outcome, LL_DELIVERY_RETRY);
		assert_true(d.delay_ms >= 0);
		assert_true(d.delay_ms <= cap);
		assert_int_equal(d.delay_ms, (int64_t)(seed % (uint64_t)(cap + 1)));
	}
	/* the largest draw at attempt 1 is the base itself */
	assert_int_equal(decide(1, 503, -1, (uint64_t)p.backoff_base_ms).delay_ms,
			 p.backoff_base_ms);
}

static void test_retry_after_honoured_and_capped(void **state)
{
	struct ll_delivery_decision d;

	(void)state;
	/* Retry-After longer than the jitter: waited for */
	d = decide(1, 503, 30000, 5);
	assert_int_equal(d.outcome, LL_DELIVERY_RETRY);
	assert_int_equal(d.delay_ms, 30000);
	/* shorter than the jitter's draw: the draw stands */
	d = decide(10, 429, 1000, 200000);
	assert_int_equal(d.delay_ms, 200000);
	/* capped */
	d = decide(1, 503, (int64_t)LL_DELIVERY_RETRY_AFTER_MAX_S * 1000 * 5, 0);
	assert_int_equal(d.delay_ms, (int64_t)LL_DELIVERY_RETRY_AFTER_MAX_S * 1000);
	/* the last attempt gives up */
	d = decide(LL_DELIVERY_ATTEMPTS_TOTAL_MAX, 503, -1, 0);
	assert_int_equal(d.outcome, LL_DELIVERY_FAILED);
	d = decide(LL_DELIVERY_ATTEMPTS_TOTAL_MAX, 200, -1, 0);
	assert_int_equal(d.outcome, LL_DELIVERY_DELIVERED);
}

static void test_retry_after_parse(void **state)
{
	int64_t ms = -1;

	(void)state;
	assert_true(ll_delivery_retry_after("1", 0, &ms));
	assert_int_equal(ms, 1000);
	assert_true(ll_delivery_retry_after("120  ", 0, &ms));
	assert_int_equal(ms, 120000);
	assert_true(ll_delivery_retry_after("0", 0, &ms));
	assert_int_equal(ms, 0);
	assert_true(ll_delivery_retry_after("99999999", 0, &ms));
	assert_int_equal(ms, (int64_t)LL_DELIVERY_RETRY_AFTER_MAX_S * 1000);
	/* 784111777 = Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example) */
	assert_true(ll_delivery_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
					    784111777 - 30, &ms));
	assert_int_equal(ms, 30000);
	assert_true(ll_delivery_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
					    784111777 + 30, &ms));
	assert_int_equal(ms, 0);
	assert_true(ll_delivery_retry_after("Thu, 29 Feb 2024 23:59:59 GMT",
					    1709251199 - 2, &ms));
	assert_int_equal(ms, 2000);
	ms = 42;
	assert_false(ll_delivery_retry_after("", 0, &ms));
	assert_false(ll_delivery_retry_after("-1", 0, &ms));
	assert_false(ll_delivery_retry_after("1.5", 0, &ms));
	assert_false(ll_delivery_retry_after("soon", 0, &ms));
	assert_false(ll_delivery_retry_after("Sun, 06 Nov 1994 08:49:37 UTC",
					     0, &ms));
	assert_false(ll_delivery_retry_after("Sun, 06 Xyz 1994 08:49:37 GMT",
					     0, &ms));
	assert_false(ll_delivery_retry_after("Sun, 06 Nov 1994 25:49:37 GMT",
					     0, &ms));
	assert_false(ll_delivery_retry_after("Sunday, 06-Nov-94 08:49:37 GMT",
					     0, &ms));
	assert_int_equal(ms, 42);
}

/* Every midnight from 1970 to 2400 against a count made day by day. */
static void test_http_date_calendar(void **state)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr",
					   "May", "Jun", "Jul", "Aug",
					   "Sep", "Oct", "Nov", "Dec" };
	static const int mdays[] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	int64_t days = 0, ms;
	int y, m, d;
	char buf[40];

	(void)state;
	for (y = 1970; y < 2400; y++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		for (m = 0; m < 12; m++) {
			int n = mdays[m] + (m == 1 && leap);

			for (d = 1; d <= n; d++, days++) {
				if (d % 7 != 1 && !(m == 1 && d == 29))
					continue; /* a sample, leap days always */
				snprintf(buf, sizeof(buf),
					 "Mon, %02d %s %04d 00:00:10 GMT", d,
					 mon[m], y);
				assert_true(ll_delivery_retry_after(
					buf, days * 86400, &ms));
				if (ms != 10000)
					fail_msg("%s: %lld ms", buf,
						 (long long)ms);
			}
		}
	}
}

static void test_webhook_id(void **state)
{
	const char *run = "run-0123456789abcdef0123456789abcdef";
	char a[LL_DELIVERY_ID_LEN + 1], b[LL_DELIVERY_ID_LEN + 1];

	(void)state;
	ll_delivery_webhook_id(run, 2, "P-NW", a);
	assert_string_equal(a, "msg_47a191098a48d7a8d90dc0bafd010fc8");
	ll_delivery_webhook_id(run, 1, "P-NW", b);
	assert_string_equal(b, "msg_5a766c7724e4e2eff5a9494f3c30ae9c");
	ll_delivery_webhook_id(run, 1, "P-NWX", a);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), LL_DELIVERY_ID_LEN);
}

static void test_signed_content(void **state)
{
	size_t len;
	uint8_t *m;

	(void)state;
	m = ll_delivery_signed_content("msg_1", 1700000000, "{\"a\":1}", 7,
				       &len);
	assert_non_null(m);
	assert_int_equal(len, strlen("msg_1.1700000000.{\"a\":1}"));
	assert_memory_equal(m, "msg_1.1700000000.{\"a\":1}", len);
	free(m);
	m = ll_delivery_signed_content("i", 5, "", 0, &len);
	assert_non_null(m);
	assert_int_equal(len, 4);
	assert_memory_equal(m, "i.5.", 4);
	free(m);
}

/* The text an outcome's seal signs: every field, in order; free text
 * length-prefixed, so that a URL cannot absorb the owner, and an absent
 * error differs from an empty one. */
static void test_seal_text(void **state)
{
	struct ll_delivery_sealed s = {
		"msg_0123456789abcdef0123456789abcdef", 3,
		"https://h.example/x", "P-NW", 2, 1767225600, "retry", 503,
		NULL, 1
	};
	char *t, *u;

	(void)state;
	t = ll_delivery_seal_text(&s);
	assert_non_null(t);
	assert_string_equal(t, "ledgerline-delivery-outcome-v1\n"
			       "webhook-id msg_0123456789abcdef0123456789abcdef\n"
			       "attempt 3\n"
			       "url 19:https://h.example/x\n"
			       "owner 4:P-NW\n"
			       "owner-version 2\n"
			       "webhook-timestamp 1767225600\n"
			       "outcome retry\n"
			       "http-status 503\n"
			       "error none 0:\n"
			       "retry-after-s 1\n");
	s.error = "";
	u = ll_delivery_seal_text(&s);
	assert_non_null(u);
	assert_string_not_equal(t, u);
	assert_non_null(strstr(u, "\nerror 0:\n"));
	free(u);
	/* a URL that ends like the owner line does not make the same text */
	s.url = "https://h.example/x\nowner 4:P-NW";
	s.owner = "P-XX";
	u = ll_delivery_seal_text(&s);
	assert_non_null(u);
	assert_string_not_equal(t, u);
	free(u);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_retry_after_honoured_and_capped),
		cmocka_unit_test(test_retry_after_parse),
		cmocka_unit_test(test_http_date_calendar),
		cmocka_unit_test(test_webhook_id),
		cmocka_unit_test(test_signed_content),
		cmocka_unit_test(test_seal_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

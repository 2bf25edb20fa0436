/*
 * test_buf.c — unit tests for buf.c: ll_str_copy, which copies a string
 * or fails leaving the empty string, never a shortened value, and
 * ll_str_copy_cut, which cuts visibly; each at an exact fit, one byte
 * over, an empty source and a destination of size 0; ll_buf appends.
 *
 * Design decision: every destination sits in a larger array filled with
 * a guard byte, so a write past the size given is seen, not just a wrong
 * result.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"

enum { GUARD = 0x5a, ROOM = 16 };

static void guard_fill(char *a)
{
	memset(a, GUARD, ROOM);
}

/* Nothing at or after a[from] was written. */
static void assert_guard_from(const char *a, size_t from)
{
	size_t i;

	for (i = from; i < ROOM; i++)
		if ((unsigned char)a[i] != GUARD)
			fail_msg("byte %zu was written (0x%02x)", i,
				 (unsigned char)a[i]);
}

static void test_copy_fits(void **state)
{
	char a[ROOM];

	(void)state;
	guard_fill(a);
	assert_true(ll_str_copy(a, 8, "abc"));
	assert_string_equal(a, "abc");
	assert_guard_from(a, 4);
}

static void test_copy_exact_fit(void **state)
{
	char a[ROOM];

	(void)state;
	/* 4 characters and the NUL in 5 bytes */
	guard_fill(a);
	assert_true(ll_str_copy(a, 5, "abcd"));
	assert_string_equal(a, "abcd");
	assert_guard_from(a, 5);
}

static void test_copy_one_over(void **state)
{
	char a[ROOM];

	(void)state;
	/* 5 characters do not fit 5 bytes: the empty string, not "abcd" */
	guard_fill(a);
	assert_false(ll_str_copy(a, 5, "abcde"));
	assert_string_equal(a, "");
	assert_guard_from(a, 5);
	/* far over */
	guard_fill(a);
	assert_false(ll_str_copy(a, 2, "a longer value"));
	assert_string_equal(a, "");
	assert_guard_from(a, 2);
}

static void test_copy_empty(void **state)
{
	char a[ROOM];

	(void)state;
	guard_fill(a);
	assert_true(ll_str_copy(a, 5, ""));
	assert_string_equal(a, "");
	assert_guard_from(a, 1);
	/* the empty string fits a single byte, nothing else does */
	guard_fill(a);
	assert_true(ll_str_copy(a, 1, ""));
	assert_int_equal(a[0], '\0');
	assert_guard_from(a, 1);
	guard_fill(a);
	assert_false(ll_str_copy(a, 1, "x"));
	assert_int_equal(a[0], '\0');
	assert_guard_from(a, 1);
}

static void test_copy_size_zero(void **state)
{
	char a[ROOM];

	(void)state;
	/* no room even for the NUL: fails and writes nothing */
	guard_fill(a);
	assert_false(ll_str_copy(a, 0, ""));
	assert_guard_from(a, 0);
	assert_false(ll_str_copy(a, 0, "abc"));
	assert_guard_from(a, 0);
}

/* A field of a struct, as callers use it: sizeof the field. */
static void test_copy_into_field(void **state)
{
	struct {
		char id[8];
		char after[8];
	} rec;

	(void)state;
	memset(&rec, GUARD, sizeof(rec));
	assert_true(ll_str_copy(rec.id, sizeof(rec.id), "P-12345"));
	assert_string_equal(rec.id, "P-12345");
	assert_false(ll_str_copy(rec.id, sizeof(rec.id), "P-123456"));
	assert_string_equal(rec.id, "");
	assert_int_equal((unsigned char)rec.after[0], GUARD);
}

static void test_cut_fits(void **state)
{
	char a[ROOM];

	(void)state;
	guard_fill(a);
	ll_str_copy_cut(a, 8, "abc");
	assert_string_equal(a, "abc");
	assert_guard_from(a, 4);
	/* exact fit */
	guard_fill(a);
	ll_str_copy_cut(a, 5, "abcd");
	assert_string_equal(a, "abcd");
	assert_guard_from(a, 5);
}

static void test_cut_one_over(void **state)
{
	char a[ROOM];

	(void)state;
	guard_fill(a);
	ll_str_copy_cut(a, 5, "abcde");
	assert_string_equal(a, "abcd");
	assert_guard_from(a, 5);
	guard_fill(a);
	ll_str_copy_cut(a, 3, "a longer value");
	assert_string_equal(a, "a ");
	assert_guard_from(a, 3);
}

static void test_cut_empty_and_size_zero(void **state)
{
	char a[ROOM];

	(void)state;
	guard_fill(a);
	ll_str_copy_cut(a, 5, "");
	assert_string_equal(a, "");
	assert_guard_from(a, 1);
	guard_fill(a);
	ll_str_copy_cut(a, 1, "abc");
	assert_int_equal(a[0], '\0');
	assert_guard_from(a, 1);
	guard_fill(a);
	ll_str_copy_cut(a, 0, "abc");
	assert_guard_from(a, 0);
}

static void test_buf_append(void **state)
{
	struct ll_buf b = LL_BUF_INIT;
	size_t i;

	(void)state;
	ll_buf_str(&b, "");
	ll_buf_str(&b, "ab");
	ll_buf_add(&b, "cdef", 2);
	assert_false(b.fail);
	assert_int_equal(b.n, 4);
	assert_string_equal(b.s, "abcd");
	for (i = 0; i < 1000; i++)
		ll_buf_add(&b, "0123456789", 10);
	assert_false(b.fail);
	assert_int_equal(b.n, 10004);
	assert_int_equal(strlen(b.s), 10004);
	assert_memory_equal(b.s + 9994, "0123456789", 10);
	free(b.s);
}

/* HTML text: the five characters as references, the rest (UTF-8 too)
 * as it is, at the start, the end and side by side. */
static void test_buf_html(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "<script>alert(1)</script>",
		  "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "&", "&amp;" },
		{ "a&b\"c'd", "a&amp;b&quot;c&#39;d" },
		{ "<<>>", "&lt;&lt;&gt;&gt;" },
		{ "K\xc3\xbcller & S\xc3\xb6hne", "K\xc3\xbcller &amp; S\xc3\xb6hne" },
		{ "&amp;", "&amp;amp;" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ll_buf b = LL_BUF_INIT;

		ll_buf_html(&b, cases[i].in);
		ll_buf_str(&b, "");
		assert_false(b.fail);
		assert_string_equal(b.s != NULL ? b.s : "", cases[i].out);
		free(b.s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_fits),
		cmocka_unit_test(test_copy_exact_fit),
		cmocka_unit_test(test_copy_one_over),
		cmocka_unit_test(test_copy_empty),
		cmocka_unit_test(test_copy_size_zero),
		cmocka_unit_test(test_copy_into_field),
		cmocka_unit_test(test_cut_fits),
		cmocka_unit_test(test_cut_one_over),
		cmocka_unit_test(test_cut_empty_and_size_zero),
		cmocka_unit_test(test_buf_append),
		cmocka_unit_test(test_buf_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

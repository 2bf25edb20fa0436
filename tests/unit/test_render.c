/*
 * test_render.c — unit tests for render.c: each backend's exact bytes
 * (text columns as printf pads them, CSV, JSON), CSV quoting of commas,
 * quotes and line breaks, JSON escaping of quotes, backslashes and control
 * characters, NULL values, empty tables, the same bytes through a FILE*
 * as into a buffer, and the lookup of backends by name.
 *
 * Design decision: every expected output is written out in full, so a
 * change of one byte in what balance or run prints fails here first.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/render.h"
#include "ledgerline/status.h"

static const struct ll_render_col cols[] = {
	{ "party", 8, LL_RENDER_LEFT },
	{ "currency", 4, LL_RENDER_LEFT },
	{ "amount", 9, LL_RENDER_RIGHT },
};

static const struct ll_render_table table = { cols, 3, NULL };

/* Render rows (n of them, 3 values each) with backend name into a new
 * malloc'd string. */
static char *render(const char *name, const struct ll_render_table *t,
		    const char *const (*rows)[3], size_t n)
{
	struct ll_buf b = LL_BUF_INIT;
	struct ll_render r;
	struct ll_error err;
	const struct ll_render_backend *be = ll_render_backend(name);
	size_t i;

	assert_non_null(be);
	ll_error_clear(&err);
	ll_render_begin(&r, be, t, &b, NULL);
	for (i = 0; i < n; i++)
		ll_render_row(&r, rows[i]);
	assert_int_equal(ll_render_end(&r, &err), LL_OK);
	assert_non_null(b.s);
	return b.s;
}

static void test_text(void **state)
{
	static const char *const rows[][3] = {
		{ "P-AI", "EUR", "-125.21" },
		{ "P-LONGER-ID", "EUR", "1234567890.00" },
		{ "P-X", NULL, "0.00" },
	};
	static const struct ll_render_table indented = { cols, 3, "  " };
	char *s;

	(void)state;
	s = render("text", &table, rows, 3);
	assert_string_equal(s, "party    currency    amount\n"
			       "P-AI     EUR    -125.21\n"
			       "P-LONGER-ID EUR  1234567890.00\n"
			       "P-X                0.00\n");
	free(s);
	s = render("text", &indented, rows, 1);
	assert_string_equal(s, "  party    currency    amount\n"
			       "  P-AI     EUR    -125.21\n");
	free(s);
}

/* The text backend pads exactly as the printf formats it replaced. */
static void test_text_is_printf(void **state)
{
	static const struct ll_render_col bc[] = {
		{ "party", 24, LL_RENDER_LEFT },
		{ "account", 24, LL_RENDER_LEFT },
		{ "currency", 8, LL_RENDER_LEFT },
		{ "balance", 18, LL_RENDER_RIGHT },
	};
	static const struct ll_render_table bt = { bc, 4, NULL };
	static const char *const row[] = { "P-NW", "party_receivable", "EUR",
					   "59679.98" };
	struct ll_buf b = LL_BUF_INIT;
	struct ll_render r;
	struct ll_error err;
	char want[256];
	int k;

	(void)state;
	k = snprintf(want, sizeof(want), "%-24s %-24s %-8s %18s\n"
					 "%-24s %-24s %-8s %18s\n",
		     "party", "account", "currency", "balance", row[0], row[1],
		     row[2], row[3]);
	assert_true(k > 0 && (size_t)k < sizeof(want));
	ll_render_begin(&r, ll_render_backend("text"), &bt, &b, NULL);
	ll_render_row(&r, row);
	assert_int_equal(ll_render_end(&r, &err), LL_OK);
	assert_string_equal(b.s, want);
	free(b.s);
}

static void test_csv(void **state)
{
	static const char *const rows[][3] = {
		{ "P-AI", "EUR", "-125.21" },
		{ "a,b", "say \"hi\"", "x\ny" },
		{ "cr\r", NULL, "\"" },
	};
	char *s;

	(void)state;
	s = render("csv", &table, rows, 3);
	assert_string_equal(s, "party,currency,amount\n"
			       "P-AI,EUR,-125.21\n"
			       "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\n"
			       "\"cr\r\",,\"\"\"\"\n");
	free(s);
}

static void test_json(void **state)
{
	static const char *const rows[][3] = {
		{ "P-AI", "EUR", "-125.21" },
		{ "q\"b\\s/", "\b\f\n\r\t", "\x01\x1f\x7f caf\xc3\xa9" },
		{ "P-X", NULL, "0.00" },
	};
	char *s;

	(void)state;
	s = render("json", &table, rows, 3);
	assert_string_equal(
		s, "[\n"
		   "  {\"party\": \"P-AI\", \"currency\": \"EUR\", "
		   "\"amount\": \"-125.21\"},\n"
		   "  {\"party\": \"q\\\"b\\\\s/\", "
		   "\"currency\": \"\\b\\f\\n\\r\\t\", "
		   "\"amount\": \"\\u0001\\u001f\x7f caf\xc3\xa9\"},\n"
		   "  {\"party\": \"P-X\", \"currency\": null, "
		   "\"amount\": \"0.00\"}\n"
		   "]\n");
	free(s);
}

static void test_empty_tables(void **state)
{
	char *s;

	(void)state;
	s = render("text", &table, NULL, 0);
	assert_string_equal(s, "party    currency    amount\n");
	free(s);
	s = render("csv", &table, NULL, 0);
	assert_string_equal(s, "party,currency,amount\n");
	free(s);
	s = render("json", &table, NULL, 0);
	assert_string_equal(s, "[]\n");
	free(s);
}

/* Through a FILE*, every backend writes the bytes it puts in a buffer. */
static void test_file_same_as_buffer(void **state)
{
	static const char *const names[] = { "text", "csv", "json" };
	static const char *const rows[][3] = {
		{ "a,\"b\"", "\n", NULL },
		{ "P-AI", "EUR", "1.00" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		char *want = render(names[i], &table, rows, 2), *got = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&got, &len);
		struct ll_render r;
		struct ll_error err;

		assert_non_null(fp);
		ll_render_begin(&r, ll_render_backend(names[i]), &table, NULL,
				fp);
		ll_render_row(&r, rows[0]);
		ll_render_row(&r, rows[1]);
		assert_int_equal(ll_render_end(&r, &err), LL_OK);
		assert_int_equal(fclose(fp), 0);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
}

static void test_backend_names(void **state)
{
	(void)state;
	assert_string_equal(ll_render_backend("text")->name, "text");
	assert_string_equal(ll_render_backend("csv")->name, "csv");
	assert_string_equal(ll_render_backend("json")->name, "json");
	assert_null(ll_render_backend("xml"));
	assert_null(ll_render_backend(""));
	assert_null(ll_render_backend("CSV"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_is_printf),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_empty_tables),
		cmocka_unit_test(test_file_same_as_buffer),
		cmocka_unit_test(test_backend_names),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}

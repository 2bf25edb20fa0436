/*
 * test_catalog.c — unit tests for catalog.c: the catalogue CSV a label or
 * publisher reconciles its statements against.
 *
 * Design decision: good catalogues are checked value by value (canonical
 * identifiers, exact shares, quoted titles); every bad one is a row of a
 * table with the exact line, field and message expected, so a message
 * that changes is a test that fails.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/catalog.h"

static enum ll_status parse(struct ll_catalog *c, const char *text,
			    struct ll_error *err)
{
	ll_catalog_init(c);
	ll_error_clear(err);
	return ll_catalog_parse(c, "cat.csv", text, strlen(text), err);
}

static void assert_share(const struct ll_catalog_work *w, int side,
			 const char *want)
{
	mpq_t q;

	assert_true(w->has_share[side]);
	mpq_init(q);
	assert_int_equal(mpq_set_str(q, want, 10), 0);
	mpq_canonicalize(q);
	assert_true(mpq_equal(q, w->share[side]));
	mpq_clear(q);
}

static void test_catalog_minimal(void **state)
{
	struct ll_catalog c;
	struct ll_error err;

	(void)state;
	assert_int_equal(parse(&c, "isrc,share_master,share_publishing\n"
				   "GB-AYE-69-00001,0.75,\n"
				   "GBAYE6900002,1,1/3\n", &err), LL_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0].isrc, "GBAYE6900001");
	assert_string_equal(c.v[0].iswc, "");
	assert_null(c.v[0].title);
	assert_share(&c.v[0], LL_CATALOG_MASTER, "3/4");
	assert_false(c.v[0].has_share[LL_CATALOG_PUBLISHING]);
	assert_share(&c.v[1], LL_CATALOG_PUBLISHING, "1/3");
	assert_int_equal(c.v[1].line, 3);
	assert_ptr_equal(ll_catalog_by_isrc(&c, "GBAYE6900002"), &c.v[1]);
	assert_null(ll_catalog_by_isrc(&c, "GBAYE6900003"));
	ll_catalog_release(&c);
}

static void test_catalog_free_order_quotes_crlf_bom(void **state)
{
	struct ll_catalog c;
	struct ll_error err;

	(void)state;
	assert_int_equal(parse(&c, "\xEF\xBB\xBFtitle,iswc,share_publishing,"
				   "isrc,share_master\r\n"
				   "\"Hello, \"\"Goodbye\"\"\",T0345246801,"
				   "0.5,,\r\n"
				   "Low Tide,,,GBAYE6900002,1\r\n", &err),
			 LL_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0].title, "Hello, \"Goodbye\"");
	assert_string_equal(c.v[0].iswc, "T-034.524.680-1");
	assert_string_equal(c.v[0].isrc, "");
	assert_share(&c.v[0], LL_CATALOG_PUBLISHING, "1/2");
	assert_false(c.v[0].has_share[LL_CATALOG_MASTER]);
	assert_string_equal(c.v[1].title, "Low Tide");
	assert_ptr_equal(ll_catalog_by_iswc(&c, "T-034.524.680-1"), &c.v[0]);
	ll_catalog_release(&c);
}

static void test_catalog_iswc_lookup_prefers_iswc_row(void **state)
{
	struct ll_catalog c;
	struct ll_error err;

	(void)state;
	/* one composition, two recordings, and the composition alone */
	assert_int_equal(parse(&c, "isrc,iswc,share_master,share_publishing\n"
				   "GBAYE6900001,T-034.524.680-1,1,\n"
				   "GBAYE6900002,T-034.524.680-1,1,\n"
				   ",T-034.524.680-1,,1/2\n", &err), LL_OK);
	assert_ptr_equal(ll_catalog_by_iswc(&c, "T-034.524.680-1"), &c.v[2]);
	ll_catalog_release(&c);
	assert_int_equal(parse(&c, "isrc,iswc,share_master,share_publishing\n"
				   "GBAYE6900001,T-034.524.680-1,1,\n"
				   "GBAYE6900002,T-034.524.680-1,1,\n", &err),
			 LL_OK);
	assert_ptr_equal(ll_catalog_by_iswc(&c, "T-034.524.680-1"), &c.v[0]);
	assert_null(ll_catalog_by_iswc(&c, "T-000.000.001-0"));
	ll_catalog_release(&c);
}

struct bad_case {
	const char *text;
	long line;
	const char *field;
	const char *message; /* the start of err.text */
};

#define HDR "isrc,share_master,share_publishing\n"

static const struct bad_case bad_cases[] = {
	{ "", 1, "header", "empty catalogue" },
	{ "isrc,share_master\nGBAYE6900001,1\n", 1, "header",
	  "no column \"share_publishing\"" },
	{ "isrc,share_master,share_publishing,label\n", 1, "header",
	  "unknown column \"label\"" },
	{ "isrc,share_master,share_publishing,isrc\n", 1, "header",
	  "column \"isrc\" given twice" },
	{ "ISRC,share_master,share_publishing\n", 1, "header",
	  "unknown column \"ISRC\"" },
	{ HDR, 1, "row", "no works after the header" },
	{ HDR "GBAYE6900001,1\n", 2, "row", "2 fields, the header has 3" },
	{ HDR "GBAYE6900001,1,,x\n", 2, "row", "4 fields, the header has 3" },
	{ HDR "GBAYE6900001,1,\n\nGBAYE6900002,1,\n", 3, "row",
	  "empty line" },
	{ HDR "GBAYE69000,1,\n", 2, "isrc", "invalid isrc \"GBAYE69000\"" },
	{ "isrc,iswc,share_master,share_publishing\n,T-034.524.680-2,,1\n",
	  2, "iswc", "invalid iswc \"T-034.524.680-2\": iswc check digit" },
	{ HDR ",1,\n", 2, "isrc", "a row needs an isrc, or an iswc" },
	{ HDR "GBAYE6900001,1,\nGB-AYE-69-00001,1/2,\n", 3, "isrc",
	  "duplicate isrc \"GBAYE6900001\" (first on line 2)" },
	{ "isrc,iswc,share_master,share_publishing\n"
	  ",T-034.524.680-1,,1\n,T0345246801,,1/2\n", 3, "iswc",
	  "duplicate iswc \"T-034.524.680-1\" (first on line 2)" },
	{ HDR "GBAYE6900001,0,5,\n", 2, "row", "4 fields, the header has 3" },
	{ HDR "GBAYE6900001,\"0,5\",\n", 2, "share_master",
	  "invalid exact number \"0,5\"" },
	{ HDR "GBAYE6900001, 1/2,\n", 2, "share_master",
	  "invalid exact number \" 1/2\"" },
	{ HDR "GBAYE6900001,1/0,\n", 2, "share_master",
	  "invalid exact number \"1/0\"" },
	{ HDR "GBAYE6900001,,3/2\n", 2, "share_publishing",
	  "share \"3/2\" is greater than 1" },
	{ HDR "GBAYE6900001,0,\n", 2, "share_master",
	  "share \"0\" is not greater than 0" },
	{ HDR "GBAYE6900001,,\n", 2, "share_master",
	  "a row needs a share on at least one side" },
	{ "isrc,share_master,share_publishing,title\n"
	  "GBAYE6900001,1,,\"Harbour\n", 2, "row",
	  "quoted field not closed on its line" },
	{ "isrc,share_master,share_publishing,title\n"
	  "GBAYE6900001,1,,\"Harbour\"x\n", 2, "row",
	  "unexpected text after a quoted field" },
	{ "isrc,share_master,share_publishing,title\n"
	  "GBAYE6900001,1,,Har\"bour\n", 2, "row",
	  "a quote inside an unquoted field" },
	{ "isrc,share_master,share_publishing,title\n"
	  "GBAYE6900001,1,,\xff\xfe\n", 2, "title", "not UTF-8 text" },
	{ HDR "GBAYE6900001,1,\rGBAYE6900002,1,\n", 2, "row",
	  "a CR not followed by LF" },
};

static void test_catalog_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct ll_catalog c;
		struct ll_error err;

		if (parse(&c, b->text, &err) != LL_INVALID ||
		    err.line != b->line || strcmp(err.field, b->field) != 0 ||
		    strncmp(err.text, b->message, strlen(b->message)) != 0 ||
		    strcmp(err.source, "cat.csv") != 0)
			fail_msg("case %zu: got line %ld field \"%s\" text "
				 "\"%s\"", i, err.line, err.field, err.text);
		ll_catalog_release(&c);
	}
}

static void test_catalog_long_field(void **state)
{
	size_t n = strlen(HDR) + 20 + LL_CATALOG_FIELD_BYTES_MAX + 4;
	char *text = malloc(n);
	struct ll_catalog c;
	struct ll_error err;
	size_t k;

	(void)state;
	assert_non_null(text);
	k = (size_t)snprintf(text, n, "%sGBAYE6900001,", HDR);
	memset(text + k, '1', LL_CATALOG_FIELD_BYTES_MAX + 1);
	k += LL_CATALOG_FIELD_BYTES_MAX + 1;
	memcpy(text + k, ",\n", 3);
	assert_int_equal(parse(&c, text, &err), LL_INVALID);
	assert_string_equal(err.field, "row");
	assert_string_equal(err.text, "a field is longer than 1024 bytes");
	ll_catalog_release(&c);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_minimal),
		cmocka_unit_test(test_catalog_free_order_quotes_crlf_bom),
		cmocka_unit_test(test_catalog_iswc_lookup_prefers_iswc_row),
		cmocka_unit_test(test_catalog_bad),
		cmocka_unit_test(test_catalog_long_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

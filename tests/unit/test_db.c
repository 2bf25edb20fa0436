/*
 * test_db.c — unit tests for the parts of db.c that need no server:
 * ll_db_describe_dsn, which names a database in messages and must never
 * show a password (keyword and URI forms, unparsable strings, truncation).
 *
 * Design decision: everything that talks to PostgreSQL is tested by the
 * integration suite against a real cluster; only pure helpers live here.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "ledgerline/db.h"

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle)) {
		print_error("did not expect \"%s\" in \"%s\"\n", needle, hay);
		fail();
	}
}

static void test_describe_keywords(void **state)
{
	char out[LL_DB_WHERE_MAX];

	(void)state;
	ll_db_describe_dsn("host=/run/pg port=5433 dbname=ledger "
			   "user=ledgerline_app password=s3cret "
			   "sslpassword=other connect_timeout=5",
			   out, sizeof(out));
	assert_string_equal(out, "host=/run/pg port=5433 dbname=ledger "
				 "user=ledgerline_app");
	assert_lacks(out, "s3cret");
	assert_lacks(out, "other");

	ll_db_describe_dsn("dbname='my ledger' password='a b'", out,
			   sizeof(out));
	assert_string_equal(out, "dbname=my ledger");
}

static void test_describe_uri(void **state)
{
	char out[LL_DB_WHERE_MAX];

	(void)state;
	ll_db_describe_dsn("postgresql://app:s3cret@db.example:5432/ledger",
			   out, sizeof(out));
	assert_string_equal(out, "host=db.example port=5432 dbname=ledger "
				 "user=app");
	assert_lacks(out, "s3cret");
}

static void test_describe_unparsable_or_empty(void **state)
{
	char out[LL_DB_WHERE_MAX];

	(void)state;
	ll_db_describe_dsn("host=h password='unterminated", out, sizeof(out));
	assert_string_equal(out, "the configured database");
	assert_lacks(out, "unterminated");
	ll_db_describe_dsn("password=only", out, sizeof(out));
	assert_string_equal(out, "the configured database");
	ll_db_describe_dsn("", out, sizeof(out));
	assert_string_equal(out, "the configured database");
}

static void test_describe_truncates(void **state)
{
	char out[16];

	(void)state;
	ll_db_describe_dsn("host=/a/very/long/socket/directory dbname=x", out,
			   sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_string_equal(out, "host=/a/very/lo");
	ll_db_describe_dsn("host=h dbname=ledger user=u", out, sizeof(out));
	assert_string_equal(out, "host=h dbname=l");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe_keywords),
		cmocka_unit_test(test_describe_uri),
		cmocka_unit_test(test_describe_unparsable_or_empty),
		cmocka_unit_test(test_describe_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

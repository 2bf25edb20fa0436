/*
 * test_status.c — unit tests for status.c: the SPEC §6 exit code of every
 * status (0 ok, 1 findings, 2 usage, 3 invalid input and I/O, 4 database,
 * 5 network, 6 internal and out of memory), status strings, error records
 * (set, clear, truncation of over-long parts), ll_error_format with and
 * without source, line and field and into small buffers, the bounded
 * error list with its dropped count, its sort by location, and LL_ENSURE
 * aborting in a child process.
 */
#include "unit.h"

#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledgerline/status.h"

#include "fixture.h"

static const enum ll_status ALL[] = {
	LL_OK, LL_FINDINGS, LL_USAGE,  LL_INVALID,  LL_IO,
	LL_DB, LL_NETWORK,  LL_NOMEM, LL_INTERNAL,
};
enum { N_ALL = sizeof(ALL) / sizeof(ALL[0]) };

/* ---- statuses ------------------------------------------------------------- */

static void test_exit_codes(void **state)
{
	static const struct {
		enum ll_status s;
		int code;
	} want[] = {
		{ LL_OK, 0 },	   { LL_FINDINGS, 1 }, { LL_USAGE, 2 },
		{ LL_INVALID, 3 }, { LL_IO, 3 },       { LL_DB, 4 },
		{ LL_NETWORK, 5 }, { LL_NOMEM, 6 },    { LL_INTERNAL, 6 },
	};

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), N_ALL);
	for (size_t i = 0; i < N_ALL; i++)
		if (ll_status_exit_code(want[i].s) != want[i].code)
			fail_msg("status %d: exit code %d, expected %d",
				 (int)want[i].s, ll_status_exit_code(want[i].s),
				 want[i].code);
	/* the numeric value of a status is not its exit code */
	assert_int_equal(LL_OK, 0);
}

static void test_strerror(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ALL; i++) {
		const char *s = ll_strerror(ALL[i]);

		assert_non_null(s);
		assert_true(s[0] != '\0');
		/* lowercase, no full stop (STYLE: messages) */
		for (const char *p = s; *p; p++)
			assert_false(isupper((unsigned char)*p));
		assert_true(s[strlen(s) - 1] != '.');
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, ll_strerror(ALL[j]));
	}
	assert_string_equal(ll_strerror(LL_OK), "ok");
	assert_string_equal(ll_strerror(LL_NOMEM), "out of memory");
}

/* ---- error records -------------------------------------------------------- */

static void test_error_set_and_clear(void **state)
{
	struct ll_error e;

	(void)state;
	memset(&e, 'z', sizeof(e));
	ll_error_clear(&e);
	assert_int_equal(e.code, LL_OK);
	assert_string_equal(e.source, "");
	assert_string_equal(e.field, "");
	assert_string_equal(e.text, "");
	assert_int_equal(e.line, 0);

	assert_int_equal(ll_error_set(&e, LL_INVALID, "works.json", 12,
				      "works[3].splits.master[1].share",
				      "shares sum to %s, must be exactly %d",
				      "999/1000", 1),
			 LL_INVALID);
	assert_int_equal(e.code, LL_INVALID);
	assert_string_equal(e.source, "works.json");
	assert_int_equal(e.line, 12);
	assert_string_equal(e.field, "works[3].splits.master[1].share");
	assert_string_equal(e.text, "shares sum to 999/1000, must be exactly 1");

	/* NULL source and field are empty; NULL err just returns the code */
	assert_int_equal(ll_error_set(&e, LL_IO, NULL, 0, NULL, "x"), LL_IO);
	assert_string_equal(e.source, "");
	assert_string_equal(e.field, "");
	assert_int_equal(ll_error_set(NULL, LL_DB, "s", 1, "f", "y"), LL_DB);
}

static void test_error_set_truncates(void **state)
{
	char *big = malloc(4000);
	struct ll_error e;

	(void)state;
	assert_non_null(big);
	memset(big, 's', 3999);
	big[3999] = '\0';
	ll_error_set(&e, LL_INVALID, big, 1, big, "%s", big);
	assert_int_equal(strlen(e.source), LL_ERROR_SOURCE_MAX - 1);
	assert_int_equal(strlen(e.field), LL_ERROR_FIELD_MAX - 1);
	assert_int_equal(strlen(e.text), LL_ERROR_TEXT_MAX - 1);
	free(big);
}

static void test_error_format(void **state)
{
	static const struct {
		const char *source;
		long line;
		const char *field;
		const char *text;
		enum ll_status code;
		const char *want;
	} cases[] = {
		{ "a.json", 7, "works[0].id", "bad id", LL_INVALID,
		  "a.json:7: works[0].id: bad id" },
		{ "a.json", 0, "works[0].id", "bad id", LL_INVALID,
		  "a.json: works[0].id: bad id" },
		{ "a.json", 7, "", "bad id", LL_INVALID, "a.json:7: bad id" },
		{ "a.json", 0, "", "bad id", LL_INVALID, "a.json: bad id" },
		{ "", 7, "works[0].id", "bad id", LL_INVALID,
		  "works[0].id: bad id" },
		{ "", 0, "", "bad id", LL_INVALID, "bad id" },
		{ "", 0, "", "", LL_DB, "database error" },
		{ "a.json", 3, "f", "", LL_NOMEM, "a.json:3: f: out of memory" },
		{ "-", 1, "", "x", LL_INVALID, "-:1: x" },
		{ "a.json", -4, "", "x", LL_INVALID, "a.json: x" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ll_error e;
		char buf[256];

		ll_error_set(&e, cases[i].code, cases[i].source, cases[i].line,
			     cases[i].field, "%s", cases[i].text);
		memset(buf, 'z', sizeof(buf));
		ll_error_format(&e, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", expected \"%s\"", i, buf,
				 cases[i].want);
	}
}

static void test_error_format_truncation(void **state)
{
	struct ll_error e;
	char *big = malloc(LL_ERROR_TEXT_MAX + 10);
	char full[LL_ERROR_SOURCE_MAX + LL_ERROR_FIELD_MAX + LL_ERROR_TEXT_MAX +
		  64];
	char buf[64];
	char guard[8];

	(void)state;
	assert_non_null(big);
	memset(big, 'x', LL_ERROR_TEXT_MAX + 9);
	big[LL_ERROR_TEXT_MAX + 9] = '\0';
	/* every part at its maximum */
	ll_error_set(&e, LL_INVALID, big, 123456789L, big, "%s", big);
	ll_error_format(&e, full, sizeof(full));
	assert_int_equal(strlen(full), (LL_ERROR_SOURCE_MAX - 1) +
					       strlen(":123456789: ") +
					       (LL_ERROR_FIELD_MAX - 1) +
					       strlen(": ") +
					       (LL_ERROR_TEXT_MAX - 1));
	assert_contains(full, ":123456789: ");

	/* a small buffer: the start, cut, terminated, nothing past it */
	ll_error_set(&e, LL_INVALID, "registry.json", 42, "parties[0].iban",
		     "%s", big);
	memset(guard, 'G', sizeof(guard));
	memset(buf, 'z', sizeof(buf));
	ll_error_format(&e, buf, sizeof(buf) - sizeof(guard));
	assert_int_equal(strlen(buf), sizeof(buf) - sizeof(guard) - 1);
	assert_int_equal(strncmp(buf, "registry.json:42: parties[0].iban: xxx",
				 38),
			 0);
	for (size_t i = sizeof(buf) - sizeof(guard); i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'z');
	/* cut inside the source, inside the line number, inside the field */
	for (size_t n = 1; n < 40; n++) {
		char small[48];

		memset(small, 'z', sizeof(small));
		ll_error_format(&e, small, n);
		assert_int_equal(strlen(small), n - 1);
		assert_int_equal(strncmp(small,
					 "registry.json:42: parties[0].iban: "
					 "xxxxxxxxxx",
					 n - 1),
				 0);
		for (size_t i = n; i < sizeof(small); i++)
			assert_int_equal(small[i], 'z');
	}
	/* a zero-sized buffer is left alone */
	buf[0] = 'q';
	ll_error_format(&e, buf, 0);
	assert_int_equal(buf[0], 'q');
	free(big);
}

/* ---- error lists ---------------------------------------------------------- */

static void test_errlist_bound(void **state)
{
	struct ll_errlist l;
	struct ll_error e;

	(void)state;
	ll_errlist_init(&l, 0);
	assert_int_equal(l.max, LL_ERRLIST_DEFAULT_MAX);
	assert_int_equal(ll_errlist_count(&l), 0);
	for (int i = 0; i < 150; i++) {
		ll_error_set(&e, LL_INVALID, "f", i + 1, "", "error %d", i);
		assert_int_equal(ll_errlist_add(&l, &e), LL_OK);
	}
	assert_int_equal(l.n, LL_ERRLIST_DEFAULT_MAX);
	assert_int_equal(l.dropped, 50);
	assert_int_equal(ll_errlist_count(&l), 150);
	/* the first ones are kept, in order, as copies */
	assert_string_equal(l.v[0].text, "error 0");
	assert_string_equal(l.v[99].text, "error 99");
	assert_int_equal(l.v[99].line, 100);
	ll_errlist_release(&l);
	assert_int_equal(ll_errlist_count(&l), 0);
	assert_null(l.v);

	/* a small bound */
	ll_errlist_init(&l, 2);
	ll_errlist_addf(&l, LL_INVALID, "a.json", 1, "x", "one %s", "1");
	ll_errlist_addf(&l, LL_USAGE, NULL, 0, NULL, "two");
	ll_errlist_addf(&l, LL_INVALID, "a.json", 3, "z", "three");
	assert_int_equal(l.n, 2);
	assert_int_equal(l.dropped, 1);
	assert_int_equal(ll_errlist_count(&l), 3);
	assert_int_equal(l.v[0].code, LL_INVALID);
	assert_string_equal(l.v[0].source, "a.json");
	assert_string_equal(l.v[0].field, "x");
	assert_string_equal(l.v[0].text, "one 1");
	assert_int_equal(l.v[1].code, LL_USAGE);
	assert_string_equal(l.v[1].source, "");
	ll_errlist_release(&l);

	/* reusable after release */
	ll_errlist_init(&l, 1);
	ll_errlist_addf(&l, LL_IO, "b", 0, NULL, "x");
	assert_int_equal(l.n, 1);
	ll_errlist_release(&l);
}

static void test_errlist_sort(void **state)
{
	static const struct {
		const char *source;
		long line;
		const char *text;
	} in[] = {
		{ "b.json", 9, "b9" },	{ "a.json", 5, "a5" },
		{ "b.json", 2, "b2-first" }, { "", 0, "none" },
		{ "a.json", 1, "a1" },	{ "b.json", 2, "b2-second" },
		{ "a.json", 0, "a0" },	{ "b.json", 2, "b2-third" },
	};
	static const char *const want[] = {
		"b2-first", "b2-second", "b2-third", "b9", /* b.json first */
		"a0",	    "a1",	 "a5",		   /* then a.json */
		"none",
	};
	struct ll_errlist l;

	(void)state;
	ll_errlist_init(&l, 0);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ll_errlist_addf(&l, LL_INVALID, in[i].source, in[i].line, NULL,
				"%s", in[i].text);
	ll_errlist_sort(&l);
	assert_int_equal(l.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.v[i].text, want[i]) != 0)
			fail_msg("position %zu: %s, expected %s", i,
				 l.v[i].text, want[i]);
	ll_errlist_release(&l);

	/* empty and single lists */
	ll_errlist_init(&l, 0);
	ll_errlist_sort(&l);
	ll_errlist_addf(&l, LL_INVALID, "x", 1, NULL, "only");
	ll_errlist_sort(&l);
	assert_string_equal(l.v[0].text, "only");
	ll_errlist_release(&l);
}

/* ---- LL_ENSURE ------------------------------------------------------------ */

static void test_ensure(void **state)
{
	pid_t pid;
	int status = 0;
	int x = 2;

	(void)state;
	LL_ENSURE(x == 2); /* holds: nothing happens */
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		LL_ENSURE(x == 3);
		_exit(0); /* not reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_error_set_and_clear),
		cmocka_unit_test(test_error_set_truncates),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_error_format_truncation),
		cmocka_unit_test(test_errlist_bound),
		cmocka_unit_test(test_errlist_sort),
		cmocka_unit_test(test_ensure),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}

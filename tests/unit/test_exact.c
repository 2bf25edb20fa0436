/*
 * test_exact.c — unit tests for exact.c: parser accept/reject tables, the two
 * parsers against each other and against a reference written the slow way,
 * formatting and half-even tables, and the largest-remainder allocator
 * against a brute-force oracle on thousands of seeded random cases.
 *
 * Design decision: every random test uses its own fixed-seed xorshift
 * generator (never rand()), so a failure reproduces exactly; each failure
 * message prints the case number.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/exact.h"
#include "ledgerline/status.h"

#include "fixture.h"

__extension__ typedef unsigned __int128 t_u128;

/* ---- helpers -------------------------------------------------------------- */

/* Assert q's reduced fraction string is want. */
static void assert_q_str(const mpq_t q, const char *want)
{
	char *got = ll_exact_fraction_str(q);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void assert_z_str(const mpz_t z, const char *want)
{
	char *got = mpz_get_str(NULL, 10, z);
	void (*freefn)(void *, size_t);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		print_error("got %s, want %s\n", got, want);
	assert_string_equal(got, want);
	mp_get_memory_functions(NULL, NULL, &freefn);
	freefn(got, strlen(got) + 1);
}

/* Set q from a GMP fraction string such as "-5/2" (test input only). */
static void q_set(mpq_t q, const char *s)
{
	assert_int_equal(mpq_set_str(q, s, 10), 0);
	mpq_canonicalize(q);
}

static void z_set(mpz_t z, const char *s)
{
	assert_int_equal(mpz_set_str(z, s, 10), 0);
}

/* Give err a recognisable non-empty content, to check it is left alone. */
static void err_sentinel(struct ll_error *err)
{
	memset(err, 0x5a, sizeof(*err));
	ll_error_set(err, LL_IO, "sentinel-source", 77, "sentinel.field",
		     "sentinel text");
}

/* ---- parser: accepts ------------------------------------------------------ */

struct accept_case {
	const char *in;
	const char *want;	/* reduced fraction string */
};

static const struct accept_case accept_cases[] = {
	{"0", "0"},
	{"3", "3"},
	{"12.50", "25/2"},
	{"0.000125", "1/8000"},
	{"1/3", "1/3"},
	{"10/4", "5/2"},
	{"0.5", "1/2"},
	{"0.50", "1/2"},
	{"00.50", "1/2"},
	{"007", "7"},
	{"120", "120"},
	{"0.10", "1/10"},
	{"0.0", "0"},
	{"0/5", "0"},
	{"000/001", "0"},
	{"6/3", "2"},
	{"1/1", "1"},
	{"2/4", "1/2"},
	{"01/03", "1/3"},
	{"120000.00", "120000"},
	{"0.0020", "1/500"},
	{"1.000000000000000000", "1"},	/* 18 fractional, 19 significant */
	{"0.000000000000000001", "1/1000000000000000000"},
	{"0.000000000000000000", "0"},
	/* 38 significant digits, all in the integer part */
	{"99999999999999999999999999999999999999",
	 "99999999999999999999999999999999999999"},
	/* 38 significant digits, 18 of them fractional */
	{"99999999999999999999.999999999999999999",
	 "99999999999999999999999999999999999999/1000000000000000000"},
	/* 38 significant digits, trailing zeros counted as written */
	{"10000000000000000000.000000000000000000", "10000000000000000000"},
	/* leading zeros are not significant */
	{"00000000000000000000000000000000000000000000000000000000001", "1"},
	{"0.00000000000000001", "1/100000000000000000"},
	{"99999999999999999999999999999999999999/"
	 "99999999999999999999999999999999999998",
	 "99999999999999999999999999999999999999/"
	 "99999999999999999999999999999999999998"},
	{"12345678901234567890123456789012345678/2",
	 "6172839450617283945061728394506172839"},
};

static void test_parse_accepts(void **state)
{
	size_t i;
	mpq_t q;

	(void)state;
	mpq_init(q);
	for (i = 0; i < sizeof(accept_cases) / sizeof(accept_cases[0]); i++) {
		const struct accept_case *c = &accept_cases[i];
		struct ll_error err;

		ll_error_clear(&err);
		if (ll_exact_parse(q, c->in, strlen(c->in), &err) != LL_OK) {
			print_error("case %zu \"%s\": %s\n", i, c->in, err.text);
			fail();
		}
		assert_q_str(q, c->want);
	}
	mpq_clear(q);
}

/* A string of exactly LL_EXACT_LEN_MAX bytes is accepted. */
static void test_parse_len_max_accepted(void **state)
{
	char buf[LL_EXACT_LEN_MAX];
	mpq_t q;

	(void)state;
	memset(buf, '0', sizeof(buf));
	buf[sizeof(buf) - 1] = '7';
	mpq_init(q);
	assert_int_equal(ll_exact_parse(q, buf, sizeof(buf), NULL), LL_OK);
	assert_q_str(q, "7");
	mpq_clear(q);
}

/* s need not be NUL-terminated: only len bytes are read. */
static void test_parse_uses_len_only(void **state)
{
	const char s[] = "12.5x";
	mpq_t q;

	(void)state;
	mpq_init(q);
	assert_int_equal(ll_exact_parse(q, s, 4, NULL), LL_OK);
	assert_q_str(q, "25/2");
	assert_int_equal(ll_exact_parse(q, s, 2, NULL), LL_OK);
	assert_q_str(q, "12");
	mpq_clear(q);
}

/* ---- parser: rejects ------------------------------------------------------ */

struct reject_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *want;	/* expected substring of err.text */
};

static const struct reject_case reject_cases[] = {
	{"", 0, "invalid exact number \"\": empty string"},
	{"-1", 0, "unexpected '-' at offset 0 (no sign allowed)"},
	{"+1", 0, "unexpected '+' at offset 0 (no sign allowed)"},
	{"-0", 0, "unexpected '-' at offset 0"},
	{"1/-3", 0, "unexpected '-' at offset 2"},
	{"1e3", 0, "unexpected 'e' at offset 1"},
	{"1E3", 0, "unexpected 'E' at offset 1"},
	{"1.5e-3", 0, "unexpected 'e' at offset 3"},
	{" 1", 0, "unexpected ' ' at offset 0"},
	{"1 ", 0, "unexpected ' ' at offset 1"},
	{"1 000", 0, "unexpected ' ' at offset 1"},
	{"1 /3", 0, "unexpected ' ' at offset 1"},
	{"1/ 3", 0, "unexpected ' ' at offset 2"},
	{"\t1", 0, "unexpected byte 0x09 at offset 0"},
	{"1\n", 0, "unexpected byte 0x0a at offset 1"},
	{"1.", 0, "no digits after '.' at offset 2"},
	{".5", 0, "unexpected '.' at offset 0"},
	{".", 0, "unexpected '.' at offset 0"},
	{"1..5", 0, "unexpected '.' at offset 2"},
	{"1.2.3", 0, "unexpected '.' at offset 3"},
	{"1/0", 0, "zero denominator at offset 2"},
	{"0/0", 0, "zero denominator at offset 2"},
	{"7/0000", 0, "zero denominator at offset 2"},
	{"1/", 0, "no digits after '/' at offset 2"},
	{"/3", 0, "unexpected '/' at offset 0"},
	{"/", 0, "unexpected '/' at offset 0"},
	{"1//3", 0, "unexpected '/' at offset 2"},
	{"1/2/3", 0, "unexpected '/' at offset 3"},
	{"0x10", 0, "unexpected 'x' at offset 1"},
	{"1.5/2", 0, "unexpected '/' at offset 3 (a fraction is integer/integer)"},
	{"1/2.5", 0, "unexpected '.' at offset 3 (a fraction is integer/integer)"},
	{"1/2.", 0, "unexpected '.' at offset 3"},
	{"1,5", 0, "unexpected ',' at offset 1"},
	{"1_000", 0, "unexpected '_' at offset 1"},
	{"NaN", 0, "unexpected 'N' at offset 0"},
	{"inf", 0, "unexpected 'i' at offset 0"},
	{"'1'", 0, "unexpected '\\'' at offset 0"},
	{"\"1\"", 0, "invalid exact number \"\\\"1\\\"\": unexpected '\"' at offset 0"},
	{"\\1", 0, "invalid exact number \"\\\\1\": unexpected '\\\\' at offset 0"},
	{"\xc2\xbd", 0, "unexpected byte 0xc2 at offset 0"},	/* ½ */
	{"\xef\xbc\x91", 0, "unexpected byte 0xef at offset 0"},	/* fullwidth 1 */
	{"1\xd9\xa0", 0, "invalid exact number \"1\\xd9\\xa0\": unexpected byte 0xd9 at offset 1"},
	{"1\0", 2, "invalid exact number \"1\\x00\": unexpected byte 0x00 at offset 1"},
	{"\0", 1, "unexpected byte 0x00 at offset 0"},
	{"12\0" "3", 4, "unexpected byte 0x00 at offset 2"},
	/* 39 significant digits */
	{"123456789012345678901234567890123456789", 0,
	 "more than 38 significant digits at offset 38"},
	/* trailing zeros count as written: 1 followed by 38 zeros */
	{"100000000000000000000000000000000000000", 0,
	 "more than 38 significant digits at offset 38"},
	/* 38 digits and one more after the point */
	{"12345678901234567890123456789012345678.0", 0,
	 "more than 38 significant digits at offset 39"},
	/* leading zeros do not count, the 39th significant one does */
	{"000123456789012345678901234567890123456789", 0,
	 "more than 38 significant digits at offset 41"},
	{"123456789012345678901234567890123456789/1", 0,
	 "more than 38 significant digits at offset 38"},
	{"1/123456789012345678901234567890123456789", 0,
	 "more than 38 significant digits at offset 40"},
	{"0.1234567890123456789", 0,
	 "more than 18 fractional digits at offset 20"},
	{"0.0000000000000000000", 0,
	 "more than 18 fractional digits at offset 20"},
	{"1.0000000000000000001", 0,
	 "more than 18 fractional digits at offset 20"},
	/* the limit error comes before a later bad byte */
	{"0.0000000000000000000e", 0,
	 "more than 18 fractional digits at offset 20"},
	/* 97 bytes */
	{"000000000000000000000000000000000000000000000000"
	 "0000000000000000000000000000000000000000000000001", 0,
	 "longer than 96 bytes"},
};

static void check_reject(size_t i, const char *in, size_t len, const char *want)
{
	struct ll_error err, err2;
	struct ll_dec d;
	mpq_t q;

	mpq_init(q);
	err_sentinel(&err);
	if (ll_exact_parse(q, in, len, &err) != LL_INVALID) {
		print_error("case %zu: accepted\n", i);
		fail();
	}
	assert_int_equal(err.code, LL_INVALID);
	assert_string_equal(err.source, "");
	assert_string_equal(err.field, "");
	assert_int_equal(err.line, 0);
	assert_contains(err.text, "invalid exact number \"");
	assert_contains(err.text, want);

	/* The decimal parser says exactly the same. */
	err_sentinel(&err2);
	assert_int_equal(ll_exact_parse_dec(&d, in, len, &err2), LL_INVALID);
	assert_string_equal(err2.text, err.text);
	assert_int_equal(err2.code, LL_INVALID);

	/* err may be NULL. */
	assert_int_equal(ll_exact_parse(q, in, len, NULL), LL_INVALID);
	assert_int_equal(ll_exact_parse_dec(&d, in, len, NULL), LL_INVALID);
	mpq_clear(q);
}

static void test_parse_rejects(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(reject_cases) / sizeof(reject_cases[0]); i++) {
		const struct reject_case *c = &reject_cases[i];

		check_reject(i, c->in, c->len ? c->len : strlen(c->in),
			     c->want);
	}
}

/* The exact text of the brief's example. */
static void test_parse_error_text_exact(void **state)
{
	struct ll_error err;
	mpq_t q;

	(void)state;
	mpq_init(q);
	assert_int_equal(ll_exact_parse(q, "1e3", 3, &err), LL_INVALID);
	assert_string_equal(err.text,
			    "invalid exact number \"1e3\": unexpected 'e' at offset 1");
	assert_int_equal(ll_exact_parse(q, "0.1234567890123456789", 21, &err),
			 LL_INVALID);
	assert_string_equal(err.text,
			    "invalid exact number \"0.1234567890123456789\": "
			    "more than 18 fractional digits at offset 20");
	mpq_clear(q);
}

/* An over-long input is shown cut short, and the text stays bounded. */
static void test_parse_long_input_quoted_short(void **state)
{
	char buf[4000];
	struct ll_error err;
	mpq_t q;

	(void)state;
	memset(buf, '\xff', sizeof(buf));
	mpq_init(q);
	assert_int_equal(ll_exact_parse(q, buf, sizeof(buf), &err), LL_INVALID);
	assert_contains(err.text, "...\": longer than 96 bytes");
	assert_true(strlen(err.text) < sizeof(err.text) - 1);
	/* 96 escaped bytes still fit with the reason */
	assert_int_equal(ll_exact_parse(q, buf, LL_EXACT_LEN_MAX, &err),
			 LL_INVALID);
	assert_contains(err.text, "\": unexpected byte 0xff at offset 0");
	mpq_clear(q);
}

/* ---- ll_exact_parse_dec --------------------------------------------------- */

static void test_parse_dec_values(void **state)
{
	struct ll_dec d;
	mpz_t z;

	(void)state;
	mpz_init(z);
	assert_int_equal(ll_exact_parse_dec(&d, "0.50", 4, NULL), LL_OK);
	assert_true(d.mant == 50);
	assert_int_equal(d.scale, 2);
	assert_int_equal(ll_exact_parse_dec(&d, "12", 2, NULL), LL_OK);
	assert_true(d.mant == 12);
	assert_int_equal(d.scale, 0);
	assert_int_equal(ll_exact_parse_dec(&d, "0", 1, NULL), LL_OK);
	assert_true(d.mant == 0);
	assert_int_equal(d.scale, 0);
	assert_int_equal(ll_exact_parse_dec(&d, "000.000125", 10, NULL), LL_OK);
	assert_true(d.mant == 125);
	assert_int_equal(d.scale, 6);
	assert_int_equal(ll_exact_parse_dec(&d, "0.000000000000000000", 20, NULL),
			 LL_OK);
	assert_true(d.mant == 0);
	assert_int_equal(d.scale, 18);
	assert_int_equal(ll_exact_parse_dec(&d,
			 "99999999999999999999.999999999999999999", 39, NULL),
			 LL_OK);
	assert_int_equal(d.scale, 18);
	ll_mpz_set_i128(z, d.mant);
	assert_z_str(z, "99999999999999999999999999999999999999");
	mpz_clear(z);
}

static void test_parse_dec_fraction_is_usage(void **state)
{
	struct ll_error err, before;
	struct ll_dec d = {123, 4};

	(void)state;
	err_sentinel(&err);
	memcpy(&before, &err, sizeof(before));
	assert_int_equal(ll_exact_parse_dec(&d, "1/3", 3, &err), LL_USAGE);
	assert_memory_equal(&err, &before, sizeof(err));
	assert_int_equal(ll_exact_parse_dec(&d, "10/4", 4, &err), LL_USAGE);
	assert_memory_equal(&err, &before, sizeof(err));
	assert_int_equal(ll_exact_parse_dec(&d, "1/3", 3, NULL), LL_USAGE);
	/* an invalid fraction is still invalid */
	assert_int_equal(ll_exact_parse_dec(&d, "1/0", 3, &err), LL_INVALID);
	assert_contains(err.text, "zero denominator");
}

/*
 * Reference acceptor, written separately from the scanner: split the string
 * on its separators and check each rule in turn; value built digit by digit.
 */
static bool ref_digits(const char *s, size_t a, size_t b)
{
	size_t i;

	if (a >= b)
		return false;
	for (i = a; i < b; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Number of digits in s[a..b) from the first non-zero one on. */
static size_t ref_sig(const char *s, size_t a, size_t b)
{
	while (a < b && s[a] == '0')
		a++;
	return b - a;
}

static void ref_acc(mpz_t z, const char *s, size_t a, size_t b)
{
	size_t i;

	for (i = a; i < b; i++) {
		mpz_mul_ui(z, z, 10);
		mpz_add_ui(z, z, (unsigned long)(s[i] - '0'));
	}
}

static bool ref_parse(mpq_t out, const char *s, size_t len, bool *is_fraction,
		      int *scale)
{
	size_t ndot = 0, nslash = 0, sep = len, i;

	*is_fraction = false;
	*scale = 0;
	if (len == 0 || len > 96)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '.' || s[i] == '/') {
			if (s[i] == '.')
				ndot++;
			else
				nslash++;
			sep = i;
		}
	}
	if (ndot + nslash > 1)
		return false;
	mpq_set_ui(out, 0, 1);
	if (nslash == 1) {
		if (!ref_digits(s, 0, sep) || !ref_digits(s, sep + 1, len))
			return false;
		if (ref_sig(s, 0, sep) > 38 || ref_sig(s, sep + 1, len) > 38)
			return false;
		if (ref_sig(s, sep + 1, len) == 0)
			return false;
		mpz_set_ui(mpq_numref(out), 0);
		ref_acc(mpq_numref(out), s, 0, sep);
		mpz_set_ui(mpq_denref(out), 0);
		ref_acc(mpq_denref(out), s, sep + 1, len);
		mpq_canonicalize(out);
		*is_fraction = true;
		return true;
	}
	if (ndot == 1) {
		char joined[200];

		if (!ref_digits(s, 0, sep) || !ref_digits(s, sep + 1, len))
			return false;
		if (len - sep - 1 > 18)
			return false;
		memcpy(joined, s, sep);
		memcpy(joined + sep, s + sep + 1, len - sep - 1);
		if (ref_sig(joined, 0, len - 1) > 38)
			return false;
		mpz_set_ui(mpq_numref(out), 0);
		ref_acc(mpq_numref(out), joined, 0, len - 1);
		mpz_set_ui(mpq_denref(out), 1);
		for (i = 0; i < len - sep - 1; i++)
			mpz_mul_ui(mpq_denref(out), mpq_denref(out), 10);
		mpq_canonicalize(out);
		*scale = (int)(len - sep - 1);
		return true;
	}
	if (!ref_digits(s, 0, len) || ref_sig(s, 0, len) > 38)
		return false;
	mpz_set_ui(mpq_numref(out), 0);
	ref_acc(mpq_numref(out), s, 0, len);
	return true;
}

/* Random strings: mostly well-formed-ish, near the limits, with mutations. */
static size_t gen_exact(struct rng *r, char *buf, size_t cap)
{
	static const char noise[] = "0123456789./-+eE x\xc3\t";
	size_t len = 0, k, n;

	switch (rng_below64(r, 4)) {
	case 0:	/* pure noise */
		n = rng_below64(r, 12);
		for (k = 0; k < n; k++)
			/* may be NUL */
			buf[len++] = noise[rng_below64(r, sizeof(noise))];
		return len;
	default:
		break;
	}
	/* digits [sep digits], lengths chosen to straddle 18, 38 and 96 */
	n = rng_below64(r, 5) == 0 ? rng_below64(r, 60) : rng_below64(r, 6);
	if (rng_below64(r, 3) == 0) {
		k = rng_below64(r, 50);	/* leading zeros */
		while (k-- > 0 && len < cap)
			buf[len++] = '0';
	}
	for (k = 0; k < n && len < cap; k++)
		buf[len++] = (char)('0' + (rng_below64(r, 3) == 0
						   ? 0
						   : rng_below64(r, 10)));
	if (rng_below64(r, 3) != 0 && len < cap) {
		buf[len++] = rng_below64(r, 2) ? '.' : '/';
		n = rng_below64(r, 5) == 0 ? rng_below64(r, 45)
					   : rng_below64(r, 6);
		for (k = 0; k < n && len < cap; k++)
			buf[len++] = (char)('0' +
					    (rng_below64(r, 3) == 0
						     ? 0
						     : rng_below64(r, 10)));
	}
	/* mutate: insert, overwrite or drop a byte */
	if (len > 0 && rng_below64(r, 4) == 0) {
		size_t at = rng_below64(r, len);

		switch (rng_below64(r, 3)) {
		case 0:
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = noise[rng_below64(r, sizeof(noise))];
				len++;
			}
			break;
		case 1:
			buf[at] = noise[rng_below64(r, sizeof(noise))];
			break;
		default:
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		}
	}
	return len;
}

enum { PARSE_RANDOM_CASES = 60000 };

static void test_parse_agree_random(void **state)
{
	struct rng r = {UINT64_C(0x9e3779b97f4a7c15)};
	size_t ncase, nok = 0, nfrac = 0, nbad = 0;
	static const char *const reasons[] = {
		"empty string", "longer than", "unexpected", "no digits after",
		"zero denominator", "significant digits", "fractional digits",
	};
	size_t seen[sizeof(reasons) / sizeof(reasons[0])] = {0};
	size_t k;
	mpq_t q, qd, qref;
	char buf[128];

	(void)state;
	mpq_init(q);
	mpq_init(qd);
	mpq_init(qref);
	for (ncase = 0; ncase < PARSE_RANDOM_CASES; ncase++) {
		size_t len = gen_exact(&r, buf, 110);
		struct ll_error e1, e2, before;
		struct ll_dec d;
		enum ll_status s1, s2;
		bool ref_ok, ref_frac;
		int ref_scale;

		ref_ok = ref_parse(qref, buf, len, &ref_frac, &ref_scale);
		err_sentinel(&e1);
		err_sentinel(&e2);
		memcpy(&before, &e2, sizeof(before));
		s1 = ll_exact_parse(q, buf, len, &e1);
		s2 = ll_exact_parse_dec(&d, buf, len, &e2);
		if ((s1 == LL_OK) != ref_ok) {
			print_error("case %zu \"%.*s\": parse %d, reference %d (%s)\n",
				    ncase, (int)len, buf, (int)s1, (int)ref_ok,
				    e1.text);
			fail();
		}
		if (s1 != LL_OK) {
			nbad++;
			assert_int_equal(s1, LL_INVALID);
			assert_int_equal(s2, LL_INVALID);
			assert_string_equal(e1.text, e2.text);
			assert_contains(e1.text, "invalid exact number \"");
			for (k = 0; k < sizeof(reasons) / sizeof(reasons[0]); k++)
				if (strstr(e1.text, reasons[k]))
					seen[k]++;
			continue;
		}
		nok++;
		assert_int_equal(mpq_cmp(q, qref), 0);
		if (ref_frac) {
			nfrac++;
			assert_int_equal(s2, LL_USAGE);
			assert_memory_equal(&e2, &before, sizeof(e2));
			continue;
		}
		assert_int_equal(s2, LL_OK);
		assert_int_equal(d.scale, ref_scale);
		assert_true(d.mant >= 0);
		ll_exact_from_dec(qd, &d);
		assert_int_equal(mpq_cmp(qd, q), 0);
	}
	/* the generator exercised all three outcomes */
	assert_true(nok > PARSE_RANDOM_CASES / 10);
	assert_true(nfrac > PARSE_RANDOM_CASES / 20);
	assert_true(nbad > PARSE_RANDOM_CASES / 10);
	for (k = 0; k < sizeof(reasons) / sizeof(reasons[0]); k++) {
		if (seen[k] < 20) {
			print_error("reason \"%s\" seen %zu times\n", reasons[k],
				    seen[k]);
			fail();
		}
	}
	mpq_clear(qref);
	mpq_clear(qd);
	mpq_clear(q);
}

/* Every accept-table case agrees between the two parsers too. */
static void test_parse_dec_agrees_on_table(void **state)
{
	size_t i;
	mpq_t q, qd;

	(void)state;
	mpq_init(q);
	mpq_init(qd);
	for (i = 0; i < sizeof(accept_cases) / sizeof(accept_cases[0]); i++) {
		const char *in = accept_cases[i].in;
		struct ll_dec d;
		enum ll_status s;

		assert_int_equal(ll_exact_parse(q, in, strlen(in), NULL), LL_OK);
		s = ll_exact_parse_dec(&d, in, strlen(in), NULL);
		if (strchr(in, '/')) {
			assert_int_equal(s, LL_USAGE);
			continue;
		}
		assert_int_equal(s, LL_OK);
		ll_exact_from_dec(qd, &d);
		assert_int_equal(mpq_cmp(q, qd), 0);
	}
	mpq_clear(qd);
	mpq_clear(q);
}

/* ---- conversions ---------------------------------------------------------- */

static void test_from_dec(void **state)
{
	struct ll_dec d;
	mpq_t q;

	(void)state;
	mpq_init(q);
	d.mant = 50;
	d.scale = 2;
	ll_exact_from_dec(q, &d);
	assert_q_str(q, "1/2");
	d.mant = 0;
	d.scale = 5;
	ll_exact_from_dec(q, &d);
	assert_q_str(q, "0");
	d.mant = -5;
	d.scale = 1;
	ll_exact_from_dec(q, &d);
	assert_q_str(q, "-1/2");
	d.mant = 125;
	d.scale = 18;
	ll_exact_from_dec(q, &d);
	assert_q_str(q, "1/8000000000000000");
	d.mant = 7;
	d.scale = 0;
	ll_exact_from_dec(q, &d);
	assert_q_str(q, "7");
	mpq_clear(q);
}

static void test_mpz_set_i128(void **state)
{
	ll_i128 max = (ll_i128)(((t_u128)1 << 127) - 1);
	ll_i128 min = -max - 1;
	mpz_t z;

	(void)state;
	mpz_init(z);
	ll_mpz_set_i128(z, 0);
	assert_z_str(z, "0");
	ll_mpz_set_i128(z, 1);
	assert_z_str(z, "1");
	ll_mpz_set_i128(z, -1);
	assert_z_str(z, "-1");
	ll_mpz_set_i128(z, max);
	assert_z_str(z, "170141183460469231731687303715884105727");
	ll_mpz_set_i128(z, min);
	assert_z_str(z, "-170141183460469231731687303715884105728");
	ll_mpz_set_i128(z, (ll_i128)1 << 64);
	assert_z_str(z, "18446744073709551616");
	ll_mpz_set_i128(z, -((ll_i128)1 << 64));
	assert_z_str(z, "-18446744073709551616");
	ll_mpz_set_i128(z, ((ll_i128)1 << 64) - 1);
	assert_z_str(z, "18446744073709551615");
	ll_mpz_set_i128(z, (ll_i128)INT64_MIN);
	assert_z_str(z, "-9223372036854775808");
	mpz_clear(z);
}

static void test_scale10(void **state)
{
	mpq_t q, r;

	(void)state;
	mpq_init(q);
	mpq_init(r);
	q_set(q, "1/3");
	ll_exact_scale10(r, q, 2);
	assert_q_str(r, "100/3");
	ll_exact_scale10(r, q, 0);
	assert_q_str(r, "1/3");
	q_set(q, "1/8000");
	ll_exact_scale10(r, q, 3);
	assert_q_str(r, "1/8");
	ll_exact_scale10(r, q, 18);
	assert_q_str(r, "125000000000000");
	q_set(q, "-5/2");
	ll_exact_scale10(q, q, 1);	/* aliasing */
	assert_q_str(q, "-25");
	mpq_clear(r);
	mpq_clear(q);
}

/* ---- formatting ----------------------------------------------------------- */

static void test_fraction_str(void **state)
{
	mpq_t q;

	(void)state;
	mpq_init(q);
	q_set(q, "3/4");
	assert_q_str(q, "3/4");
	q_set(q, "10/2");
	assert_q_str(q, "5");
	q_set(q, "-1/3");
	assert_q_str(q, "-1/3");
	q_set(q, "0");
	assert_q_str(q, "0");
	q_set(q, "-7");
	assert_q_str(q, "-7");
	q_set(q, "123456789012345678901234567890/11");
	assert_q_str(q, "123456789012345678901234567890/11");
	q_set(q, "-123456789012345678901234567890/7");	/* reduces */
	assert_q_str(q, "-17636684144620811271604938270");
	q_set(q, "99999999999999999999/100000000000000000000");
	assert_q_str(q, "99999999999999999999/100000000000000000000");
	mpq_clear(q);
}

struct minor_case {
	int64_t v;
	int e;
	const char *want;
};

static const struct minor_case minor_cases[] = {
	{1234, 2, "12.34"},
	{5, 2, "0.05"},
	{-5, 2, "-0.05"},
	{7, 0, "7"},
	{0, 2, "0.00"},
	{0, 0, "0"},
	{0, 3, "0.000"},
	{0, 6, "0.000000"},
	{100, 2, "1.00"},
	{-100, 0, "-100"},
	{1, 3, "0.001"},
	{-1, 6, "-0.000001"},
	{123456, 3, "123.456"},
	{10, 1, "1.0"},
	{99, 2, "0.99"},
	{-99, 2, "-0.99"},
	{-1234567, 6, "-1.234567"},
	{1000000, 6, "1.000000"},
	{12, 2, "0.12"},
	{123, 2, "1.23"},
	{INT64_MAX, 0, "9223372036854775807"},
	{INT64_MAX, 2, "92233720368547758.07"},
	{INT64_MIN, 2, "-92233720368547758.08"},
	{INT64_MIN, 6, "-9223372036854.775808"},
	{INT64_MIN, 0, "-9223372036854775808"},
};

static void test_minor_str_i64(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(minor_cases) / sizeof(minor_cases[0]); i++) {
		char *s = ll_exact_minor_str_i64(minor_cases[i].v, minor_cases[i].e);

		assert_non_null(s);
		assert_string_equal(s, minor_cases[i].want);
		free(s);
	}
}

static void test_minor_str_mpz(void **state)
{
	size_t i;
	mpz_t z;
	char *s;

	(void)state;
	mpz_init(z);
	for (i = 0; i < sizeof(minor_cases) / sizeof(minor_cases[0]); i++) {
		mpz_set_si(z, 0);
		if (minor_cases[i].v == INT64_MIN) {
			z_set(z, "-9223372036854775808");
		} else {
			char buf[32];

			snprintf(buf, sizeof(buf), "%lld",
				 (long long)minor_cases[i].v);
			z_set(z, buf);
		}
		s = ll_exact_minor_str(z, minor_cases[i].e);
		assert_non_null(s);
		assert_string_equal(s, minor_cases[i].want);
		free(s);
	}
	/* beyond int64 */
	z_set(z, "100000000000000000000000000000000000000001");
	s = ll_exact_minor_str(z, 2);
	assert_string_equal(s, "1000000000000000000000000000000000000000.01");
	free(s);
	z_set(z, "-100000000000000000000000000000000000000001");
	s = ll_exact_minor_str(z, 6);
	assert_string_equal(s, "-100000000000000000000000000000000000.000001");
	free(s);
	mpz_clear(z);
}

/* Both formatters agree on random int64 values at every exponent. */
static void test_minor_str_agree_random(void **state)
{
	struct rng r = {UINT64_C(0x1234567887654321)};
	size_t i;
	mpz_t z;

	(void)state;
	mpz_init(z);
	for (i = 0; i < 20000; i++) {
		int64_t v = (int64_t)rng_next(&r);
		int e = (int)rng_below64(&r, 7);
		char *a, *b;

		if (rng_below64(&r, 2))
			v >>= rng_below64(&r, 63);	/* small values too */
		mpz_set_si(z, (long)v);
		a = ll_exact_minor_str_i64(v, e);
		b = ll_exact_minor_str(z, e);
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	mpz_clear(z);
}

/* ---- figures: reading ledgerline's own outputs ------------------------------ */

struct figure_case {
	const char *in;
	bool sign_ok;
	const char *want;	/* reduced fraction string, or the error text */
};

static const struct figure_case figure_accepts[] = {
	{"0", false, "0"},
	{"5", false, "5"},
	{"3/4", false, "3/4"},
	{"-1/3", true, "-1/3"},
	{"-7", true, "-7"},
	{"12.50", false, "25/2"},
	{"0.05", false, "1/20"},
	{"-0.05", true, "-1/20"},
	{"0.000", false, "0"},
};

static const struct figure_case figure_rejects[] = {
	{"", true, "empty string"},
	{"-", true, "no digits in the integer part at offset 1"},
	{"-1/3", false, "unexpected '-' at offset 0 (no sign allowed)"},
	{"+1", true, "unexpected '+' at offset 0 (no '+' sign)"},
	{"6/8", false, "not a reduced fraction"},
	{"5/1", false, "not a reduced fraction"},
	{"0/3", false, "not a reduced fraction"},
	{"-2/4", true, "not a reduced fraction"},
	{"1/0", false, "zero denominator at offset 2"},
	{"007", false, "leading zero in the integer part at offset 0"},
	{"1/03", false, "leading zero in the denominator at offset 2"},
	{"00.5", false, "leading zero in the integer part at offset 0"},
	{"1.", false, "no digits after '.' at offset 2"},
	{".5", false, "unexpected '.' at offset 0"},
	{"1/", false, "no digits in the denominator at offset 2"},
	{"1.5/2", false, "unexpected '/' at offset 3 (a fraction is integer/integer)"},
	{"1/2/3", false, "unexpected '/' at offset 3"},
	{"1.5.2", false, "unexpected '.' at offset 3"},
	{"1/2.5", false, "unexpected '.' at offset 3 (a fraction is integer/integer)"},
	{"1e3", false, "unexpected 'e' at offset 1"},
	{"1 ", false, "unexpected ' ' at offset 1"},
	{"-0", true, "negative zero"},
	{"-0.00", true, "negative zero"},
	{"--1", true, "unexpected '-' at offset 1"},
};

static void test_figure_accepts(void **state)
{
	struct ll_error err;
	size_t i;
	mpq_t q;

	(void)state;
	mpq_init(q);
	for (i = 0; i < sizeof(figure_accepts) / sizeof(figure_accepts[0]);
	     i++) {
		const struct figure_case *c = &figure_accepts[i];

		if (ll_exact_parse_figure(q, c->in, strlen(c->in), c->sign_ok,
					  &err) != LL_OK)
			print_error("case %zu \"%s\": %s\n", i, c->in, err.text);
		assert_q_str(q, c->want);
	}
	mpq_clear(q);
}

static void test_figure_rejects(void **state)
{
	struct ll_error err;
	size_t i;
	mpq_t q;

	(void)state;
	mpq_init(q);
	for (i = 0; i < sizeof(figure_rejects) / sizeof(figure_rejects[0]);
	     i++) {
		const struct figure_case *c = &figure_rejects[i];

		err_sentinel(&err);
		if (ll_exact_parse_figure(q, c->in, strlen(c->in), c->sign_ok,
					  &err) != LL_INVALID)
			print_error("case %zu \"%s\" accepted\n", i, c->in);
		assert_int_equal(err.code, LL_INVALID);
		assert_contains(err.text, "invalid exact number \"");
		assert_contains(err.text, c->want);
		assert_int_equal(ll_exact_parse_figure(q, c->in, strlen(c->in),
						       c->sign_ok, NULL),
				 LL_INVALID);
	}
	mpq_clear(q);
}

/* A decimal digit string of n digits, the first one non-zero. */
static char *random_digits(struct rng *r, size_t n)
{
	char *s = malloc(n + 1);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = (char)('0' + rng_below64(r, 10));
	if (s[0] == '0')
		s[0] = '7';
	s[n] = '\0';
	return s;
}

/*
 * Whatever ll_exact_fraction_str writes, however long, reads back to the
 * same value; past 38 digits the input parser refuses it, which is why
 * outputs have their own parser.
 */
static void test_figure_round_trip_long(void **state)
{
	struct rng r = {UINT64_C(0x0badcafe12345678)};
	struct ll_error err;
	size_t i;
	mpq_t q, back;

	(void)state;
	mpq_init(q);
	mpq_init(back);
	for (i = 0; i < 2000; i++) {
		size_t nn = 1 + (size_t)rng_below64(&r, i < 1000 ? 60 : 3000);
		size_t nd = 1 + (size_t)rng_below64(&r, i < 1000 ? 60 : 3000);
		char *num = random_digits(&r, nn), *den = random_digits(&r, nd);
		char *s;

		z_set(mpq_numref(q), num);
		z_set(mpq_denref(q), den);
		mpq_canonicalize(q);
		if (rng_below64(&r, 2))
			mpq_neg(q, q);
		s = ll_exact_fraction_str(q);
		assert_non_null(s);
		if (ll_exact_parse_figure(back, s, strlen(s), true, &err) !=
		    LL_OK)
			print_error("case %zu: %s\n", i, err.text);
		assert_true(mpq_equal(q, back));
		/* unsigned: only what is not negative */
		assert_int_equal(ll_exact_parse_figure(back, s, strlen(s),
						       false, NULL),
				 mpq_sgn(q) < 0 ? LL_INVALID : LL_OK);
		if (nn > 45 && mpz_sizeinbase(mpq_numref(q), 10) > 40)
			assert_int_equal(ll_exact_parse(back, s + (s[0] == '-'),
							strlen(s) - (s[0] == '-'),
							NULL),
					 LL_INVALID);
		free(s);
		free(num);
		free(den);
	}
	mpq_clear(back);
	mpq_clear(q);
}

/* Within the input limits both parsers agree on every reduced string. */
static void test_figure_agrees_with_input_parser(void **state)
{
	struct rng r = {UINT64_C(0x5eed5eed5eed5eed)};
	size_t i;
	mpq_t q, a, b;

	(void)state;
	mpq_init(q);
	mpq_init(a);
	mpq_init(b);
	for (i = 0; i < 20000; i++) {
		char *s;

		mpz_set_ui(mpq_numref(q), (unsigned long)rng_next(&r));
		mpz_mul_ui(mpq_numref(q), mpq_numref(q),
			   (unsigned long)rng_below64(&r, 1000000));
		mpz_set_ui(mpq_denref(q), 1 + (unsigned long)rng_below64(&r,
						 UINT64_C(1) << (i % 60 + 1)));
		mpq_canonicalize(q);
		s = ll_exact_fraction_str(q);
		assert_non_null(s);
		assert_int_equal(ll_exact_parse(a, s, strlen(s), NULL), LL_OK);
		assert_int_equal(ll_exact_parse_figure(b, s, strlen(s), false,
						       NULL),
				 LL_OK);
		assert_true(mpq_equal(a, b));
		free(s);
	}
	mpq_clear(b);
	mpq_clear(a);
	mpq_clear(q);
}

/* Decimals of any length: 60 fractional digits, 200 integer digits. */
static void test_figure_long_decimal(void **state)
{
	struct rng r = {UINT64_C(0x0123456789abcdef)};
	char *ip = random_digits(&r, 200), *fp = random_digits(&r, 60);
	size_t n = strlen(ip) + 1 + strlen(fp);
	char *s = malloc(n + 1);
	mpq_t q, want;

	(void)state;
	assert_non_null(s);
	snprintf(s, n + 1, "%s.%s", ip, fp);
	mpq_init(q);
	mpq_init(want);
	assert_int_equal(ll_exact_parse_figure(q, s, n, false, NULL), LL_OK);
	/* want = ip fp / 10^60 */
	{
		char *all = malloc(n);

		assert_non_null(all);
		snprintf(all, n, "%s%s", ip, fp);
		z_set(mpq_numref(want), all);
		mpz_ui_pow_ui(mpq_denref(want), 10, 60);
		mpq_canonicalize(want);
		free(all);
	}
	assert_true(mpq_equal(q, want));
	assert_int_equal(ll_exact_parse(q, s, n, NULL), LL_INVALID);
	mpq_clear(want);
	mpq_clear(q);
	free(s);
	free(ip);
	free(fp);
}

struct amount_case {
	const char *in;
	int e;
	bool sign_ok;
	const char *want;	/* minor units, or the error text */
};

static const struct amount_case amount_accepts[] = {
	{"12.34", 2, false, "1234"},
	{"0.05", 2, false, "5"},
	{"0.00", 2, false, "0"},
	{"-0.05", 2, true, "-5"},
	{"7", 0, false, "7"},
	{"-7", 0, true, "-7"},
	{"1.000001", 6, false, "1000001"},
	{"12345678901234567890123456789012345678901234567890.123", 3, false,
	 "12345678901234567890123456789012345678901234567890123"},
};

static const struct amount_case amount_rejects[] = {
	{"12.3", 2, false, "an amount has exactly 2 decimals"},
	{"12", 2, false, "an amount has exactly 2 decimals"},
	{"12.345", 2, false, "an amount has exactly 2 decimals"},
	{"1.0", 0, false, "an amount has exactly 0 decimals"},
	{"1.00", 1, false, "an amount has exactly 1 decimal"},
	{"1/2", 2, false, "an amount is a decimal, not a fraction"},
	{"-0.00", 2, true, "negative zero"},
	{"-1.00", 2, false, "no sign allowed"},
	{"01.00", 2, false, "leading zero"},
	{"", 2, false, "empty string"},
	{"1,00", 2, false, "unexpected ',' at offset 1"},
};

static void test_minor_parse(void **state)
{
	struct ll_error err;
	size_t i;
	mpz_t z;

	(void)state;
	mpz_init(z);
	for (i = 0; i < sizeof(amount_accepts) / sizeof(amount_accepts[0]);
	     i++) {
		const struct amount_case *c = &amount_accepts[i];

		if (ll_exact_parse_minor(z, c->in, strlen(c->in), c->e,
					 c->sign_ok, &err) != LL_OK)
			print_error("case %zu \"%s\": %s\n", i, c->in, err.text);
		assert_z_str(z, c->want);
	}
	for (i = 0; i < sizeof(amount_rejects) / sizeof(amount_rejects[0]);
	     i++) {
		const struct amount_case *c = &amount_rejects[i];

		err_sentinel(&err);
		if (ll_exact_parse_minor(z, c->in, strlen(c->in), c->e,
					 c->sign_ok, &err) != LL_INVALID)
			print_error("case %zu \"%s\" accepted\n", i, c->in);
		assert_int_equal(err.code, LL_INVALID);
		assert_contains(err.text, c->want);
	}
	mpz_clear(z);
}

/* ll_exact_minor_str and ll_exact_parse_minor are inverses, any size. */
static void test_minor_round_trip(void **state)
{
	struct rng r = {UINT64_C(0x7777777711111111)};
	size_t i;
	mpz_t z, back;

	(void)state;
	mpz_init(z);
	mpz_init(back);
	for (i = 0; i < 5000; i++) {
		char *digits =
			random_digits(&r, 1 + (size_t)rng_below64(&r, 80));
		int e = (int)rng_below64(&r, 7);
		char *s;

		z_set(z, digits);
		if (rng_below64(&r, 3) == 0)
			mpz_set_ui(z, (unsigned long)rng_below64(&r, 1000));
		if (rng_below64(&r, 2))
			mpz_neg(z, z);
		s = ll_exact_minor_str(z, e);
		assert_non_null(s);
		assert_int_equal(ll_exact_parse_minor(back, s, strlen(s), e,
						      true, NULL),
				 LL_OK);
		assert_true(mpz_cmp(z, back) == 0);
		free(s);
		free(digits);
	}
	mpz_clear(back);
	mpz_clear(z);
}

/* ---- rounding ------------------------------------------------------------- */

struct round_case {
	const char *q;
	const char *want;
};

static const struct round_case round_cases[] = {
	{"0", "0"},
	{"1/2", "0"},
	{"3/2", "2"},
	{"5/2", "2"},
	{"7/2", "4"},
	{"-1/2", "0"},
	{"-3/2", "-2"},
	{"-5/2", "-2"},
	{"-7/2", "-4"},
	{"25000001/10000000", "3"},	/* 2.5000001 */
	{"24999999/10000000", "2"},	/* 2.4999999 */
	{"-25000001/10000000", "-3"},
	{"1/3", "0"},
	{"2/3", "1"},
	{"-1/3", "0"},
	{"-2/3", "-1"},
	{"7", "7"},
	{"-7", "-7"},
	{"1000005/1000", "1000"},	/* 1000.005 */
	{"1000015/1000", "1000"},	/* 1000.015 */
	{"100001/2", "50000"},		/* 50000.5 */
	{"100003/2", "50002"},		/* 50001.5 */
	/* 10^40 + 1/2 and 10^40 + 3/2 */
	{"20000000000000000000000000000000000000001/2",
	 "10000000000000000000000000000000000000000"},
	{"20000000000000000000000000000000000000003/2",
	 "10000000000000000000000000000000000000002"},
	{"-20000000000000000000000000000000000000003/2",
	 "-10000000000000000000000000000000000000002"},
	/* a hair above and below the tie 21/2 */
	{"210000000000000000000000000000000000000001/"
	 "20000000000000000000000000000000000000000", "11"},
	{"209999999999999999999999999999999999999999/"
	 "20000000000000000000000000000000000000000", "10"},
	{"99999999999999999999999999999999999999/"
	 "100000000000000000000000000000000000000",
	 "1"},
};

static void test_round_half_even(void **state)
{
	size_t i;
	mpq_t q;
	mpz_t z;

	(void)state;
	mpq_init(q);
	mpz_init(z);
	for (i = 0; i < sizeof(round_cases) / sizeof(round_cases[0]); i++) {
		q_set(q, round_cases[i].q);
		mpz_set_si(z, 12345);
		ll_exact_round_half_even(z, q);
		assert_z_str(z, round_cases[i].want);
	}
	mpz_clear(z);
	mpq_clear(q);
}

/* Against the definition, on random rationals: |q - z| <= 1/2, ties even. */
static void test_round_half_even_random(void **state)
{
	struct rng r = {UINT64_C(0xdeadbeefcafef00d)};
	mpq_t q, d, half;
	mpz_t z;
	size_t i;

	(void)state;
	mpq_init(q);
	mpq_init(d);
	mpq_init(half);
	mpz_init(z);
	mpq_set_ui(half, 1, 2);
	for (i = 0; i < 20000; i++) {
		long num = (long)rng_below64(&r, 2001) - 1000;
		unsigned long den = 1 + (unsigned long)rng_below64(&r, 12);
		int c;

		mpq_set_si(q, num, den);
		mpq_canonicalize(q);
		ll_exact_round_half_even(z, q);
		mpq_set_z(d, z);
		mpq_sub(d, q, d);
		mpq_abs(d, d);
		c = mpq_cmp(d, half);
		assert_true(c <= 0);
		if (c == 0)
			assert_true(mpz_even_p(z));
	}
	mpz_clear(z);
	mpq_clear(half);
	mpq_clear(d);
	mpq_clear(q);
}

/* ---- allocator: helpers --------------------------------------------------- */

struct parts {
	struct ll_alloc_part *v;
	size_t n;
};

static void parts_init(struct parts *p, size_t n)
{
	size_t i;

	p->n = n;
	p->v = calloc(n ? n : 1, sizeof(*p->v));
	assert_non_null(p->v);
	for (i = 0; i < n; i++) {
		mpq_init(p->v[i].exact);
		mpz_init(p->v[i].minor);
	}
}

static void parts_release(struct parts *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		mpq_clear(p->v[i].exact);
		mpz_clear(p->v[i].minor);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

static void part_set(struct ll_alloc_part *a, const char *key,
		     const char *exact)
{
	a->key = key;
	a->key_len = strlen(key);
	q_set(a->exact, exact);
	mpz_set_si(a->minor, -777);	/* sentinel: must be overwritten */
}

/*
 * Run the allocator on n (key, exact) pairs, expecting LL_OK and the given
 * minors (as decimal strings), then again on the reversed order.
 */
static void alloc_expect(size_t n, const char *const *keys,
			 const char *const *exacts, const char *total,
			 const char *const *want)
{
	struct parts p;
	struct ll_error err;
	mpz_t t;
	size_t i, pass;

	mpz_init(t);
	z_set(t, total);
	for (pass = 0; pass < 2; pass++) {
		parts_init(&p, n);
		for (i = 0; i < n; i++) {
			size_t j = pass ? n - 1 - i : i;

			part_set(&p.v[i], keys[j], exacts[j]);
		}
		ll_error_clear(&err);
		if (ll_alloc_largest_remainder(p.v, n, t, &err) != LL_OK) {
			print_error("allocator failed: %s\n", err.text);
			fail();
		}
		for (i = 0; i < n; i++) {
			size_t j = pass ? n - 1 - i : i;

			assert_z_str(p.v[i].minor, want[j]);
		}
		parts_release(&p);
	}
	mpz_clear(t);
}

/* Expect LL_INVALID with want in the text and every minor untouched. */
static void alloc_reject(size_t n, const char *const *keys,
			 const char *const *exacts, const char *total,
			 const char *want)
{
	struct parts p;
	struct ll_error err;
	mpz_t t;
	size_t i;

	mpz_init(t);
	z_set(t, total);
	parts_init(&p, n);
	for (i = 0; i < n; i++)
		part_set(&p.v[i], keys[i], exacts[i]);
	err_sentinel(&err);
	assert_int_equal(ll_alloc_largest_remainder(p.v, n, t, &err),
			 LL_INVALID);
	assert_int_equal(err.code, LL_INVALID);
	assert_contains(err.text, want);
	for (i = 0; i < n; i++)
		assert_int_equal(mpz_cmp_si(p.v[i].minor, -777), 0);
	/* err may be NULL */
	assert_int_equal(ll_alloc_largest_remainder(p.v, n, t, NULL),
			 LL_INVALID);
	parts_release(&p);
	mpz_clear(t);
}

/* ---- allocator: hand-computed cases --------------------------------------- */

static void test_alloc_thirds(void **state)
{
	static const char *const keys[] = {"a", "b", "c"};
	static const char *const ex[] = {"100/3", "100/3", "100/3"};
	static const char *const want[] = {"34", "33", "33"};
	static const char *const keys2[] = {"c", "b", "a"};
	static const char *const want2[] = {"33", "33", "34"};

	(void)state;
	alloc_expect(3, keys, ex, "100", want);
	alloc_expect(3, keys2, ex, "100", want2);
}

static void test_alloc_thirds_ceil_two_units(void **state)
{
	/* 200/3 each: floors 66, R = 2 -> a and b */
	static const char *const keys[] = {"c", "a", "b"};
	static const char *const ex[] = {"200/3", "200/3", "200/3"};
	static const char *const want[] = {"66", "67", "67"};

	(void)state;
	alloc_expect(3, keys, ex, "200", want);
}

static void test_alloc_largest_fraction_beats_key(void **state)
{
	static const char *const keys[] = {"a", "b"};
	static const char *const ex[] = {"1/10", "9/10"};
	static const char *const want[] = {"0", "1"};

	(void)state;
	alloc_expect(2, keys, ex, "1", want);
}

static void test_alloc_close_fractions(void **state)
{
	/* 1/3 > 0.333: b wins although a is the smaller key */
	static const char *const keys[] = {"a", "b"};
	static const char *const ex[] = {"1333/1000", "4/3"};
	static const char *const want[] = {"1", "2"};

	(void)state;
	alloc_expect(2, keys, ex, "3", want);
}

static void test_alloc_tie_shorter_key_first(void **state)
{
	static const char *const keys[] = {"ab", "a", ""};
	static const char *const ex[] = {"1/2", "1/2", "1/2"};
	static const char *const want_one[] = {"0", "0", "1"};
	static const char *const want_two[] = {"0", "1", "1"};

	(void)state;
	alloc_expect(3, keys, ex, "1", want_one);
	alloc_expect(3, keys, ex, "2", want_two);
}

static void test_alloc_tie_unsigned_bytes(void **state)
{
	/* memcmp compares unsigned bytes: 'z' (0x7a) < 0xff */
	static const char *const keys[] = {"\xff", "z"};
	static const char *const ex[] = {"5/4", "5/4"};
	static const char *const want[] = {"1", "2"};

	(void)state;
	alloc_expect(2, keys, ex, "3", want);
}

static void test_alloc_integers(void **state)
{
	static const char *const keys[] = {"x", "y", "z"};
	static const char *const ex[] = {"2", "3", "0"};
	static const char *const want[] = {"2", "3", "0"};

	(void)state;
	alloc_expect(3, keys, ex, "5", want);
}

static void test_alloc_all_zero(void **state)
{
	static const char *const keys[] = {"x", "y"};
	static const char *const ex[] = {"0", "0"};
	static const char *const want[] = {"0", "0"};

	(void)state;
	alloc_expect(2, keys, ex, "0", want);
}

static void test_alloc_huge(void **state)
{
	/* 10^40 + 1/2 twice: floors 2·10^40, R = 1 -> x */
	static const char *const keys[] = {"y", "x"};
	static const char *const ex[] = {
		"20000000000000000000000000000000000000001/2",
		"20000000000000000000000000000000000000001/2",
	};
	static const char *const want[] = {
		"10000000000000000000000000000000000000000",
		"10000000000000000000000000000000000000001",
	};

	(void)state;
	alloc_expect(2, keys, ex, "20000000000000000000000000000000000000001",
		     want);
}

static void test_alloc_spec_eur_example(void **state)
{
	/*
	 * Licence total 1000.005 EUR -> round_half_even(100000.5) = 100000
	 * cents, shared 3/4 : 1/4 -> 75000.375 and 25000.125: floors 100000,
	 * R = 0.
	 */
	static const char *const keys[] = {"P-NW", "P-ADA"};
	static const char *const ex[] = {"600003/8", "200001/8"};
	static const char *const want[] = {"75000", "25000"};
	static const char *const want_up[] = {"75001", "25000"};

	(void)state;
	alloc_expect(2, keys, ex, "100000", want);
	alloc_expect(2, keys, ex, "100001", want_up);
}

static void test_alloc_n_zero(void **state)
{
	struct ll_error err;
	mpz_t t;

	(void)state;
	mpz_init(t);
	assert_int_equal(ll_alloc_largest_remainder(NULL, 0, t, &err), LL_OK);
	mpz_set_si(t, 1);
	err_sentinel(&err);
	assert_int_equal(ll_alloc_largest_remainder(NULL, 0, t, &err),
			 LL_INVALID);
	assert_contains(err.text, "cannot allocate total 1 among 0 parts");
	mpz_set_si(t, -1);
	assert_int_equal(ll_alloc_largest_remainder(NULL, 0, t, &err),
			 LL_INVALID);
	mpz_clear(t);
}

static void test_alloc_reject_r_negative(void **state)
{
	static const char *const keys[] = {"a", "b"};
	static const char *const ex[] = {"3/2", "3/2"};

	(void)state;
	alloc_reject(2, keys, ex, "1",
		     "cannot allocate total 1 among 2 parts: -1 units left");
}

static void test_alloc_reject_r_too_big(void **state)
{
	static const char *const keys[] = {"a"};
	static const char *const ex[] = {"1/2"};
	static const char *const keys2[] = {"a", "b"};
	static const char *const ex2[] = {"1/2", "1/2"};

	(void)state;
	alloc_reject(1, keys, ex, "2",
		     "cannot allocate total 2 among 1 parts: 2 units left");
	alloc_reject(2, keys2, ex2, "100000000000000000000000000000",
		     "need 0 to 2");
}

static void test_alloc_reject_negative_exact(void **state)
{
	static const char *const keys[] = {"a", "P-\"X\""};
	static const char *const ex[] = {"1/2", "-1/3"};

	(void)state;
	alloc_reject(2, keys, ex, "0",
		     "part \"P-\\\"X\\\"\" has a negative exact amount -1/3");
}

static void test_alloc_reject_duplicate_key(void **state)
{
	static const char *const keys[] = {"a", "b", "a"};
	static const char *const ex[] = {"1/2", "1/2", "1"};

	(void)state;
	alloc_reject(3, keys, ex, "2", "key \"a\" appears more than once");
}

/* Keys are compared by key_len, not up to a NUL. */
static void test_alloc_keys_with_nul(void **state)
{
	struct parts p;
	mpz_t t;

	(void)state;
	mpz_init(t);
	parts_init(&p, 2);
	q_set(p.v[0].exact, "1/2");
	p.v[0].key = "a\0b";
	p.v[0].key_len = 3;
	q_set(p.v[1].exact, "1/2");
	p.v[1].key = "a\0a";
	p.v[1].key_len = 3;
	mpz_set_ui(t, 1);
	assert_int_equal(ll_alloc_largest_remainder(p.v, 2, t, NULL), LL_OK);
	assert_int_equal(mpz_cmp_ui(p.v[0].minor, 0), 0);
	assert_int_equal(mpz_cmp_ui(p.v[1].minor, 1), 0);
	parts_release(&p);
	mpz_clear(t);
}

/* ---- allocator: oracle ---------------------------------------------------- */

/* Byte order, then shorter first, written out without memcmp. */
static bool oracle_key_less(const struct ll_alloc_part *a,
			    const struct ll_alloc_part *b)
{
	size_t i;

	for (i = 0; i < a->key_len && i < b->key_len; i++) {
		unsigned char x = (unsigned char)a->key[i];
		unsigned char y = (unsigned char)b->key[i];

		if (x != y)
			return x < y;
	}
	return a->key_len < b->key_len;
}

/*
 * The slow, obviously-correct way: floors, then R times scan every part
 * not yet given a unit for the largest fractional part (ties: smaller key).
 * want[i] receives part i's minor.  Returns false if R is out of 0..n.
 */
static bool oracle_alloc(const struct ll_alloc_part *v, size_t n,
			 const mpz_t total, mpz_t *want)
{
	bool *given = calloc(n ? n : 1, sizeof(*given));
	mpq_t *frac = calloc(n ? n : 1, sizeof(*frac));
	mpz_t left;
	size_t i;
	bool ok = true;

	assert_non_null(given);
	assert_non_null(frac);
	mpz_init_set(left, total);
	for (i = 0; i < n; i++) {
		mpz_fdiv_q(want[i], mpq_numref(v[i].exact),
			   mpq_denref(v[i].exact));
		mpz_sub(left, left, want[i]);
		mpq_init(frac[i]);
		mpq_set_z(frac[i], want[i]);
		mpq_sub(frac[i], v[i].exact, frac[i]);
	}
	if (mpz_sgn(left) < 0 || mpz_cmp_ui(left, n) > 0)
		ok = false;
	while (ok && mpz_sgn(left) > 0) {
		size_t best = n;

		for (i = 0; i < n; i++) {
			int c;

			if (given[i])
				continue;
			if (best == n) {
				best = i;
				continue;
			}
			c = mpq_cmp(frac[i], frac[best]);
			if (c > 0 || (c == 0 && oracle_key_less(&v[i], &v[best])))
				best = i;
		}
		assert_true(best < n);
		given[best] = true;
		mpz_add_ui(want[best], want[best], 1);
		mpz_sub_ui(left, left, 1);
	}
	for (i = 0; i < n; i++)
		mpq_clear(frac[i]);
	mpz_clear(left);
	free(frac);
	free(given);
	return ok;
}

enum {
	ORACLE_CASES = 6000,
	ORACLE_N_MAX = 12,
	KEY_BYTES_MAX = 4,
};

struct okey {
	char b[KEY_BYTES_MAX];
	size_t len;
};

/* A random exact amount, biased to small denominators so ties happen. */
static void random_exact(struct rng *r, mpq_t q)
{
	static const unsigned long dens[] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 12,
					     100, 1000, 3000};

	switch (rng_below64(r, 10)) {
	case 0: {	/* big numerator and denominator */
		uint64_t w[3];

		w[0] = rng_next(r);
		w[1] = rng_next(r);
		w[2] = rng_next(r) >> rng_below64(r, 64);
		mpz_import(mpq_numref(q), 3, -1, sizeof(w[0]), 0, 0, w);
		mpz_set_ui(mpq_denref(q), 1 + rng_next(r) % 1000000007);
		break;
	}
	case 1:		/* zero */
		mpq_set_ui(q, 0, 1);
		return;
	default: {
		unsigned long den = dens[rng_below64(r, N_ELEMS(dens))];

		mpq_set_ui(q, (unsigned long)rng_below64(r, den * 4 + 1), den);
		break;
	}
	}
	mpq_canonicalize(q);
}

/* Distinct random keys over a tiny alphabet (with NUL and 0xff). */
static void random_keys(struct rng *r, struct okey *keys, size_t n)
{
	static const char alpha[] = {'a', 'b', '\0', '\xff'};
	size_t i, j;

	for (i = 0; i < n; i++) {
		bool dup;

		do {
			size_t k;

			keys[i].len = rng_below64(r, KEY_BYTES_MAX + 1);
			for (k = 0; k < keys[i].len; k++)
				keys[i].b[k] =
					alpha[rng_below64(r, sizeof(alpha))];
			dup = false;
			for (j = 0; j < i; j++)
				if (keys[j].len == keys[i].len &&
				    memcmp(keys[j].b, keys[i].b, keys[i].len) == 0)
					dup = true;
		} while (dup);
	}
}

/* Check the properties every valid allocation must have. */
static void check_allocation(const struct parts *p, const mpz_t total,
			     size_t ncase)
{
	mpz_t sum;
	mpq_t d, one;
	size_t i;

	mpz_init(sum);
	mpq_init(d);
	mpq_init(one);
	mpq_set_ui(one, 1, 1);
	for (i = 0; i < p->n; i++) {
		mpz_add(sum, sum, p->v[i].minor);
		mpq_set_z(d, p->v[i].minor);
		mpq_sub(d, d, p->v[i].exact);
		mpq_abs(d, d);
		if (mpq_cmp(d, one) >= 0) {
			print_error("case %zu part %zu off by >= 1\n", ncase, i);
			fail();
		}
	}
	assert_int_equal(mpz_cmp(sum, total), 0);
	mpq_clear(one);
	mpq_clear(d);
	mpz_clear(sum);
}

static void oracle_one(struct rng *r, size_t ncase)
{
	struct okey keys[ORACLE_N_MAX];
	size_t perm[ORACLE_N_MAX];
	mpz_t want[ORACLE_N_MAX];
	size_t n = rng_below64(r, ORACLE_N_MAX + 1);
	struct parts p, s;
	mpq_t sum;
	mpz_t totals[5];
	size_t i, t;

	random_keys(r, keys, n);
	parts_init(&p, n);
	parts_init(&s, n);
	mpq_init(sum);
	for (i = 0; i < n; i++) {
		mpz_init(want[i]);
		random_exact(r, p.v[i].exact);
		p.v[i].key = keys[i].b;
		p.v[i].key_len = keys[i].len;
		mpq_add(sum, sum, p.v[i].exact);
	}
	/* totals: floor, ceil, half-even; then two out of range */
	for (t = 0; t < 5; t++)
		mpz_init(totals[t]);
	mpz_fdiv_q(totals[0], mpq_numref(sum), mpq_denref(sum));
	mpz_cdiv_q(totals[1], mpq_numref(sum), mpq_denref(sum));
	ll_exact_round_half_even(totals[2], sum);
	for (i = 0; i < n; i++) {	/* Σ floor - 1 and Σ floor + n + 1 */
		mpz_t f;

		mpz_init(f);
		mpz_fdiv_q(f, mpq_numref(p.v[i].exact), mpq_denref(p.v[i].exact));
		mpz_add(totals[3], totals[3], f);
		mpz_clear(f);
	}
	mpz_set(totals[4], totals[3]);
	mpz_sub_ui(totals[3], totals[3], 1);
	mpz_add_ui(totals[4], totals[4], (unsigned long)n + 1);

	/* a shuffled copy (Fisher-Yates) */
	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n; i > 1; i--) {
		size_t j = rng_below64(r, i), tmp = perm[i - 1];

		perm[i - 1] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < n; i++) {
		mpq_set(s.v[i].exact, p.v[perm[i]].exact);
		s.v[i].key = p.v[perm[i]].key;
		s.v[i].key_len = p.v[perm[i]].key_len;
	}

	for (t = 0; t < 5; t++) {
		bool ok = oracle_alloc(p.v, n, totals[t], want);
		enum ll_status rc;

		for (i = 0; i < n; i++) {
			mpz_set_si(p.v[i].minor, -777);
			mpz_set_si(s.v[i].minor, -777);
		}
		rc = ll_alloc_largest_remainder(p.v, n, totals[t], NULL);
		if (t < 3 && (!ok || rc != LL_OK)) {
			print_error("case %zu total %zu: oracle %d, rc %d\n",
				    ncase, t, (int)ok, (int)rc);
			fail();
		}
		if (!ok) {
			assert_int_equal(rc, LL_INVALID);
			for (i = 0; i < n; i++)
				assert_int_equal(mpz_cmp_si(p.v[i].minor, -777), 0);
			continue;
		}
		assert_int_equal(rc, LL_OK);
		for (i = 0; i < n; i++) {
			if (mpz_cmp(p.v[i].minor, want[i]) != 0) {
				print_error("case %zu total %zu part %zu differs from oracle\n",
					    ncase, t, i);
				fail();
			}
		}
		check_allocation(&p, totals[t], ncase);

		/* same per-key result from the shuffled order */
		assert_int_equal(ll_alloc_largest_remainder(s.v, n, totals[t],
							    NULL), LL_OK);
		for (i = 0; i < n; i++)
			assert_int_equal(mpz_cmp(s.v[i].minor,
						 p.v[perm[i]].minor), 0);
	}

	for (t = 0; t < 5; t++)
		mpz_clear(totals[t]);
	for (i = 0; i < n; i++)
		mpz_clear(want[i]);
	mpq_clear(sum);
	parts_release(&s);
	parts_release(&p);
}

static void test_alloc_oracle_random(void **state)
{
	struct rng r = {UINT64_C(0x0ddc0ffeebadf00d)};
	size_t ncase;

	(void)state;
	for (ncase = 0; ncase < ORACLE_CASES; ncase++)
		oracle_one(&r, ncase);
}

/* ---- allocator: many parts ------------------------------------------------ */

enum { BIG_N = 100000, BIG_KEY_BYTES = 8 };

/* Rank order: larger fractional part first, then the smaller key. */
static bool ranks_before(const mpq_t fa, const struct ll_alloc_part *a,
			 const mpq_t fb, const struct ll_alloc_part *b)
{
	int c = mpq_cmp(fa, fb);

	if (c != 0)
		return c > 0;
	return oracle_key_less(a, b);
}

/*
 * 100k parts with exact = (i·7919 mod 1000)/1000 + i mod 5, keys in
 * reverse numeric order of the array: the units must go exactly to the
 * front of the rank order.  Checked in O(n): every part given a unit ranks
 * before every part not given one.
 */
static void test_alloc_many_parts(void **state)
{
	char (*keys)[BIG_KEY_BYTES];
	struct parts p;
	mpq_t sum, fl, worst_f, best_f;
	mpz_t total, f;
	size_t i, worst = BIG_N, best = BIG_N, nunits = 0;

	(void)state;
	keys = malloc(BIG_N * sizeof(*keys));
	assert_non_null(keys);
	parts_init(&p, BIG_N);
	mpq_init(sum);
	mpq_init(fl);
	mpq_init(worst_f);
	mpq_init(best_f);
	mpz_init(total);
	mpz_init(f);
	for (i = 0; i < BIG_N; i++) {
		snprintf(keys[i], BIG_KEY_BYTES, "k%06zu", (size_t)BIG_N - 1 - i);
		p.v[i].key = keys[i];
		p.v[i].key_len = strlen(keys[i]);
		mpq_set_ui(p.v[i].exact,
			   (unsigned long)((i * 7919) % 1000 + 1000 * (i % 5)),
			   1000);
		mpq_canonicalize(p.v[i].exact);
		mpq_add(sum, sum, p.v[i].exact);
	}
	ll_exact_round_half_even(total, sum);
	assert_int_equal(ll_alloc_largest_remainder(p.v, BIG_N, total, NULL),
			 LL_OK);
	check_allocation(&p, total, 0);
	for (i = 0; i < BIG_N; i++) {
		bool given;

		mpz_fdiv_q(f, mpq_numref(p.v[i].exact), mpq_denref(p.v[i].exact));
		given = mpz_cmp(p.v[i].minor, f) != 0;
		mpq_set_z(fl, f);
		mpq_sub(fl, p.v[i].exact, fl);	/* fractional part */
		if (given) {
			nunits++;
			if (worst == BIG_N ||
			    ranks_before(worst_f, &p.v[worst], fl, &p.v[i])) {
				worst = i;
				mpq_set(worst_f, fl);
			}
		} else if (best == BIG_N ||
			   ranks_before(fl, &p.v[i], best_f, &p.v[best])) {
			best = i;
			mpq_set(best_f, fl);
		}
	}
	assert_true(nunits > 0 && nunits < BIG_N);
	assert_true(ranks_before(worst_f, &p.v[worst], best_f, &p.v[best]));
	mpz_clear(f);
	mpz_clear(total);
	mpq_clear(best_f);
	mpq_clear(worst_f);
	mpq_clear(fl);
	mpq_clear(sum);
	parts_release(&p);
	free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts),
		cmocka_unit_test(test_parse_len_max_accepted),
		cmocka_unit_test(test_parse_uses_len_only),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_error_text_exact),
		cmocka_unit_test(test_parse_long_input_quoted_short),
		cmocka_unit_test(test_parse_dec_values),
		cmocka_unit_test(test_parse_dec_fraction_is_usage),
		cmocka_unit_test(test_parse_agree_random),
		cmocka_unit_test(test_parse_dec_agrees_on_table),
		cmocka_unit_test(test_from_dec),
		cmocka_unit_test(test_mpz_set_i128),
		cmocka_unit_test(test_scale10),
		cmocka_unit_test(test_fraction_str),
		cmocka_unit_test(test_minor_str_i64),
		cmocka_unit_test(test_minor_str_mpz),
		cmocka_unit_test(test_minor_str_agree_random),
		cmocka_unit_test(test_figure_accepts),
		cmocka_unit_test(test_figure_rejects),
		cmocka_unit_test(test_figure_round_trip_long),
		cmocka_unit_test(test_figure_agrees_with_input_parser),
		cmocka_unit_test(test_figure_long_decimal),
		cmocka_unit_test(test_minor_parse),
		cmocka_unit_test(test_minor_round_trip),
		cmocka_unit_test(test_round_half_even),
		cmocka_unit_test(test_round_half_even_random),
		cmocka_unit_test(test_alloc_thirds),
		cmocka_unit_test(test_alloc_thirds_ceil_two_units),
		cmocka_unit_test(test_alloc_largest_fraction_beats_key),
		cmocka_unit_test(test_alloc_close_fractions),
		cmocka_unit_test(test_alloc_tie_shorter_key_first),
		cmocka_unit_test(test_alloc_tie_unsigned_bytes),
		cmocka_unit_test(test_alloc_integers),
		cmocka_unit_test(test_alloc_all_zero),
		cmocka_unit_test(test_alloc_huge),
		cmocka_unit_test(test_alloc_spec_eur_example),
		cmocka_unit_test(test_alloc_n_zero),
		cmocka_unit_test(test_alloc_reject_r_negative),
		cmocka_unit_test(test_alloc_reject_r_too_big),
		cmocka_unit_test(test_alloc_reject_negative_exact),
		cmocka_unit_test(test_alloc_reject_duplicate_key),
		cmocka_unit_test(test_alloc_keys_with_nul),
		cmocka_unit_test(test_alloc_oracle_random),
		cmocka_unit_test(test_alloc_many_parts),
	};

	return cmocka_run_group_tests_name("exact", tests, NULL, NULL);
}

/*
 * test_ident.c — unit tests for ident.c: valid/invalid tables for every
 * identifier, calendar round trips, timestamps, periods and currencies.
 *
 * Design decision: the fast code is checked against slow, obviously
 * correct oracles written here independently — day counting by walking
 * years and months, IBAN check digits by long division over the full
 * decimal expansion, a linear scan of a currency list — on every day of
 * 1900..2100, on thousands of random cases and on all 17,576 three-letter
 * codes.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/ident.h"

#include "fixture.h"

/* One generator for the whole file, in test order: the same cases on
 * every run. */
static struct rng cases_rng = { UINT64_C(0x9e3779b97f4a7c15) };

static uint32_t rng(void)
{
	return rng_xorshift_hi32(&cases_rng);
}

/* A normaliser under test, its canonical output size and its cases. */
typedef bool (*normalise_fn)(const char *in, char *out, const char **reason);

struct ok_case {
	const char *in;
	const char *want;
};

struct bad_case {
	const char *in;
	const char *reason;	/* exact reason expected */
};

/* The normalisers take char out[N]; wrap them so the tables can share one
 * driver.  Each wrapper's out really has the declared size. */
#define WRAP(name, fn, n)                                                      \
	static bool name(const char *in, char *out, const char **reason)       \
	{                                                                      \
		return fn(in, out, reason);                                    \
	}                                                                      \
	enum { name##_size = (n) }

WRAP(isrc, ll_isrc_normalise, 13);
WRAP(iswc, ll_iswc_normalise, 16);
WRAP(iban, ll_iban_normalise, 35);
WRAP(bic, ll_bic_normalise, 12);
WRAP(isni, ll_isni_normalise, 17);
WRAP(sha256, ll_sha256_hex_normalise, 65);

/* The output buffer is surrounded by canaries to catch writes past its
 * declared size (ASan would not: the guard is inside one array). */
enum { CANARY = 16, OUT_MAX = 65 };

static void run_ok(normalise_fn fn, size_t out_size,
		   const struct ok_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[CANARY + OUT_MAX + CANARY];
		char *out = buf + CANARY;
		const char *reason = "untouched";

		memset(buf, '#', sizeof(buf));
		if (!fn(c[i].in, out, &reason))
			fail_msg("rejected \"%s\": %s", c[i].in, reason);
		assert_string_equal(out, c[i].want);
		assert_string_equal(reason, "untouched");
		for (size_t k = 0; k < CANARY; k++)
			assert_int_equal(buf[k], '#');
		for (size_t k = CANARY + out_size; k < sizeof(buf); k++)
			assert_int_equal(buf[k], '#');
	}
}

static void run_bad(normalise_fn fn, size_t out_size,
		    const struct bad_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[CANARY + OUT_MAX + CANARY];
		char *out = buf + CANARY;
		const char *reason = NULL;

		memset(buf, '#', sizeof(buf));
		if (fn(c[i].in, out, &reason))
			fail_msg("accepted \"%s\" as \"%s\"",
				 c[i].in ? c[i].in : "(null)", out);
		assert_non_null(reason);
		if (strcmp(reason, c[i].reason) != 0)
			fail_msg("\"%s\": reason \"%s\", expected \"%s\"",
				 c[i].in ? c[i].in : "(null)", reason,
				 c[i].reason);
		assert_string_equal(out, "");
		/* A NULL reason pointer is allowed. */
		assert_false(fn(c[i].in, out, NULL));
		for (size_t k = 0; k < CANARY; k++)
			assert_int_equal(buf[k], '#');
		for (size_t k = CANARY + out_size; k < sizeof(buf); k++)
			assert_int_equal(buf[k], '#');
	}
}

#define RUN_OK(fn, cases) run_ok(fn, fn##_size, cases, N_ELEMS(cases))
#define RUN_BAD(fn, cases) run_bad(fn, fn##_size, cases, N_ELEMS(cases))

/* ---- ids ---- */

static void test_id_valid(void **state)
{
	static const char *const ok[] = {
		"P-NW", "W-0001", "a", "Z", "0", "g-000001", "L-2026-NW",
		"tr-2026-03", "m-harmony-2", "a.b_c:d-e",
		"1234567890123456789012345678901234567890123456789012345678901234",
	};
	static const char *const bad[] = {
		"", "a b", "a/b", "é", "a\tb", "W-0001\n", "a,b", "a+b",
		"12345678901234567890123456789012345678901234567890123456789012345",
		"{id}", "\"x\"",
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(ok); i++)
		if (!ll_id_valid(ok[i]))
			fail_msg("rejected id \"%s\"", ok[i]);
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		if (ll_id_valid(bad[i]))
			fail_msg("accepted id \"%s\"", bad[i]);
	assert_false(ll_id_valid(NULL));
}

/* ---- ISRC ---- */

static void test_isrc_valid(void **state)
{
	static const struct ok_case c[] = {
		{"GBAYE6900001", "GBAYE6900001"},
		{"GB-AYE-69-00002", "GBAYE6900002"},
		{"gb-aye-69-00002", "GBAYE6900002"},
		{"GB AYE 69 00002", "GBAYE6900002"},
		{"USRC17607839", "USRC17607839"},
		{"US-S1Z-99-00001", "USS1Z9900001"},
		{"QM-123-26-99999", "QM1232699999"},
		{"FR Z03 91 00000", "FRZ039100000"},
		{"de-a0b-00-12345", "DEA0B0012345"},
		{"--GBAYE6900001--", "GBAYE6900001"},
		{"G-B-A-Y-E-6-9-0-0-0-0-1", "GBAYE6900001"},
	};

	(void)state;
	RUN_OK(isrc, c);
}

static void test_isrc_invalid(void **state)
{
	static const char *const len =
		"isrc must be 12 characters once '-' and ' ' are removed";
	static const struct bad_case c[] = {
		{NULL, "isrc is missing"},
		{"", len},
		{"GBAYE690000", len},
		{"GBAYE69000012", len},
		{"GB-AYE-69-0000", len},
		{"1BAYE6900001", "isrc country code must be 2 letters"},
		{"G1AYE6900001", "isrc country code must be 2 letters"},
		{"GBA_E6900001", "isrc registrant code must be 3 letters or digits"},
		{"GBAYEX900001", "isrc year and designation code must be 7 digits"},
		{"GBAYE690000O", "isrc year and designation code must be 7 digits"},
		{"GB.AYE.69.00001", len},
		{"GBAYE6900001\n", len},
		{"GBAYÉ690001", "isrc registrant code must be 3 letters or digits"},
	};

	(void)state;
	RUN_BAD(isrc, c);
}

static void test_isrc_long_input_bounded(void **state)
{
	char in[4096];
	char out[13];
	const char *reason = NULL;

	(void)state;
	/* 4,000 hyphens then a valid ISRC: rejected as too long, not scanned. */
	memset(in, '-', 4000);
	memcpy(in + 4000, "GBAYE6900001", 13);
	assert_false(ll_isrc_normalise(in, out, &reason));
	assert_non_null(reason);
	/* 100 hyphens is still within the input limit. */
	memmove(in, in + 3900, 113);
	assert_true(ll_isrc_normalise(in, out, &reason));
	assert_string_equal(out, "GBAYE6900001");
}

/* ---- ISWC ---- */

static void test_iswc_valid(void **state)
{
	static const struct ok_case c[] = {
		{"T-034.524.680-1", "T-034.524.680-1"},
		{"T0345246801", "T-034.524.680-1"},
		{"t-034.524.680-1", "T-034.524.680-1"},
		{"T 034 524 680 1", "T-034.524.680-1"},
		{"T-034524680-1", "T-034.524.680-1"},
		{"T.034.524.680.1", "T-034.524.680-1"},
		{"T-000.000.000-9", "T-000.000.000-9"},
		{"T-123.456.789-4", "T-123.456.789-4"},
		{"T-070.000.000-5", "T-070.000.000-5"},
		{"T9999999994", "T-999.999.999-4"},
		{"T-111.111.111-4", "T-111.111.111-4"},
		{"T-507.123.456-9", "T-507.123.456-9"},
		{"T-900.000.000-0", "T-900.000.000-0"},
	};

	(void)state;
	RUN_OK(iswc, c);
}

static void test_iswc_invalid(void **state)
{
	static const char *const shape = "iswc must be 'T' and 10 digits";
	static const char *const check = "iswc check digit does not match";
	static const struct bad_case c[] = {
		{NULL, "iswc is missing"},
		{"", "iswc must start with 'T'"},
		{"T-034.524.680-2", check},
		{"T-034.524.680-0", check},
		{"T-043.524.680-1", check},
		{"T0345246809", check},
		{"0345246801", "iswc must start with 'T'"},
		{"-T-034.524.680-1", "iswc must start with 'T'"},
		{"X-034.524.680-1", "iswc must start with 'T'"},
		{"T-034.524.680", shape},
		{"T-034.524.680-11", shape},
		{"T-034.524.68A-1", shape},
		{"T-034/524/680-1", shape},
		{"T", shape},
		{"TT0345246801", shape},
	};

	(void)state;
	RUN_BAD(iswc, c);
}

/* For random 9-digit bodies, exactly the check digit the SPEC formula
 * gives is accepted; the other nine are rejected with the check-digit
 * reason, never the malformed one. */
static void test_iswc_check_digit_oracle(void **state)
{
	(void)state;
	for (int k = 0; k < 2000; k++) {
		char in[12];
		char out[16];
		const char *reason = NULL;
		int sum = 1;

		in[0] = 'T';
		for (int i = 1; i <= 9; i++) {
			in[i] = (char)('0' + rng() % 10);
			sum += i * (in[i] - '0');
		}
		in[11] = '\0';
		for (int c = 0; c <= 9; c++) {
			bool ok;

			in[10] = (char)('0' + c);
			ok = ll_iswc_normalise(in, out, &reason);
			if (c == (10 - sum % 10) % 10) {
				assert_true(ok);
			} else {
				assert_false(ok);
				assert_string_equal(reason,
						    "iswc check digit does not match");
			}
		}
	}
}

/* ---- IBAN ---- */

static void test_iban_valid(void **state)
{
	static const struct ok_case c[] = {
		{"DE89370400440532013000", "DE89370400440532013000"},
		{"DE02120300000000202051", "DE02120300000000202051"},
		{"GB82WEST12345698765432", "GB82WEST12345698765432"},
		{"DE89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{"gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"},
		{"AT611904300234573201", "AT611904300234573201"},
		{"BE68539007547034", "BE68539007547034"},
		{"CH9300762011623852957", "CH9300762011623852957"},
		{"ES9121000418450200051332", "ES9121000418450200051332"},
		{"FR1420041010050500013M02606", "FR1420041010050500013M02606"},
		{"NL91ABNA0417164300", "NL91ABNA0417164300"},
		{"NO9386011117947", "NO9386011117947"},
		{"PL61109010140000071219812874", "PL61109010140000071219812874"},
		{"PT50000201231234567890154", "PT50000201231234567890154"},
		{"FI2112345600000785", "FI2112345600000785"},
		{"SE4550000000058398257466", "SE4550000000058398257466"},
		{"DK5000400440116243", "DK5000400440116243"},
		{"IE29AIBK93115212345678", "IE29AIBK93115212345678"},
		{"IT60X0542811101000000123456", "IT60X0542811101000000123456"},
		{"LU280019400644750000", "LU280019400644750000"},
		{"MT84MALT011000012345MTLCAST001S", "MT84MALT011000012345MTLCAST001S"},
		{"LC55HEMM000100010012001200023015", "LC55HEMM000100010012001200023015"},
		{"RU0204452560040702810412345678901", "RU0204452560040702810412345678901"},
		/* country not in the table: only the generic 15..34 rule */
		{"ZZ66ABCD1234567", "ZZ66ABCD1234567"},
	};

	(void)state;
	RUN_OK(iban, c);
}

static void test_iban_invalid(void **state)
{
	static const char *const mod97 = "iban check digits do not match (mod 97)";
	static const char *const len = "iban must be 15 to 34 characters";
	static const char *const country_len =
		"iban length does not match its country";
	static const struct bad_case c[] = {
		{NULL, "iban is missing"},
		{"", len},
		{"DE89370400440532013001", mod97},
		{"DE98370400440532013000", mod97},
		{"DE89370400440532031000", mod97},
		{"GB82WEST12345698765433", mod97},
		{"DE8937040044053201300", country_len},
		{"DE893704004405320130000", country_len},
		{"NL91ABNA041716430", country_len},
		{"ZZ66ABCD123456", len},
		{"DE89370400440532013000000000000000000", len},
		{"D189370400440532013000", "iban must start with a 2-letter country code"},
		{"DEX9370400440532013000", "iban check digits must be 2 digits"},
		{"DE89-3704-0044-0532-0130-00", "iban account part must be letters and digits"},
		{"DE8937040044053201300_", "iban account part must be letters and digits"},
		{"DE00370400440532013000", "iban check digits must be 02 to 98"},
		{"DE01370400440532013000", "iban check digits must be 02 to 98"},
		{"DE99370400440532013000", "iban check digits must be 02 to 98"},
	};

	(void)state;
	RUN_BAD(iban, c);
}

/* Oracle: check digits by long division over the full decimal expansion
 * of the rearranged IBAN (the textbook method the fast path avoids). */
static int iban_check_digits_oracle(const char *cc, const char *bban)
{
	char digits[200];
	size_t n = 0;
	char rearranged[64];
	int r = 0;

	snprintf(rearranged, sizeof(rearranged), "%s%s00", bban, cc);
	for (size_t i = 0; rearranged[i] != '\0'; i++) {
		char c = rearranged[i];

		if (c >= '0' && c <= '9') {
			digits[n++] = c;
		} else {
			int v = c - 'A' + 10;

			digits[n++] = (char)('0' + v / 10);
			digits[n++] = (char)('0' + v % 10);
		}
	}
	digits[n] = '\0';
	for (size_t i = 0; i < n; i++)
		r = (r * 10 + (digits[i] - '0')) % 97;
	return 98 - r;
}

static void test_iban_random_oracle(void **state)
{
	static const struct {
		const char *cc;
		int len;
	} countries[] = {
		{"DE", 22}, {"FR", 27}, {"GB", 22}, {"NL", 18}, {"BE", 16},
		{"ES", 24}, {"IT", 27}, {"AT", 20}, {"CH", 21}, {"IE", 22},
		{"LU", 20}, {"PT", 25}, {"FI", 18}, {"SE", 24}, {"DK", 18},
		{"NO", 15}, {"PL", 28}, {"MT", 31}, {"LC", 32}, {"RU", 33},
		{"ZZ", 15}, {"ZZ", 34}, {"QQ", 20},
	};
	static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

	(void)state;
	for (int k = 0; k < 5000; k++) {
		size_t ci = rng() % N_ELEMS(countries);
		int len = countries[ci].len;
		char bban[40];
		char in[64];
		char out[35];
		const char *reason = NULL;
		int cd, pos;
		char orig;

		for (int i = 0; i < len - 4; i++)
			bban[i] = alnum[rng() % (k % 2 ? 10 : 36)];
		bban[len - 4] = '\0';
		cd = iban_check_digits_oracle(countries[ci].cc, bban);
		snprintf(in, sizeof(in), "%s%02d%s", countries[ci].cc, cd, bban);
		if (!ll_iban_normalise(in, out, &reason))
			fail_msg("rejected \"%s\": %s", in, reason);
		assert_string_equal(out, in);

		/* MOD 97-10 catches every substitution of a digit by a digit
		 * or a letter by a letter: the value changes by d * 10^k with
		 * 0 < |d| < 97 and 10^k prime to 97.  (A letter for a digit
		 * shifts the expansion and is caught only with odds 96/97.) */
		pos = 4 + (int)(rng() % (unsigned)(len - 4));
		orig = in[pos];
		do {
			in[pos] = orig <= '9' ? alnum[rng() % 10]
					      : alnum[10 + rng() % 26];
		} while (in[pos] == orig);
		if (ll_iban_normalise(in, out, &reason))
			fail_msg("accepted \"%s\" (position %d changed)", in,
				 pos);
	}
}

/* ---- BIC ---- */

static void test_bic_valid(void **state)
{
	static const struct ok_case c[] = {
		{"COBADEFFXXX", "COBADEFFXXX"},
		{"COBADEFF", "COBADEFF"},
		{"BYLADEM1001", "BYLADEM1001"},
		{"cobadeffxxx", "COBADEFFXXX"},
		{"COBA DE FF XXX", "COBADEFFXXX"},
		{"DEUTDEFF500", "DEUTDEFF500"},
		{"NWBKGB2L", "NWBKGB2L"},
		{"BNPAFRPPXXX", "BNPAFRPPXXX"},
		{"UBSWCHZH80A", "UBSWCHZH80A"},
		{"ABNANL2A", "ABNANL2A"},
		{"DEUTDE33", "DEUTDE33"},
	};

	(void)state;
	RUN_OK(bic, c);
}

static void test_bic_invalid(void **state)
{
	static const char *const len = "bic must be 8 or 11 characters";
	static const char *const inst = "bic institution code must be 4 letters";
	static const char *const cc = "bic country code must be 2 letters";
	static const char *const loc =
		"bic location and branch codes must be letters or digits";
	static const struct bad_case c[] = {
		{NULL, "bic is missing"},
		{"", len},
		{"COBADEF", len},
		{"COBADEFFX", len},
		{"COBADEFFXX", len},
		{"COBADEFFXXXX", len},
		{"C0BADEFFXXX", inst},
		{"COB-DEFFXXX", inst},
		{"COBAD3FFXXX", cc},
		{"COBA1EFF", cc},
		{"COBADEF-XXX", loc},
		{"COBADEFFXX_", loc},
	};

	(void)state;
	RUN_BAD(bic, c);
}

/* ---- ISNI ---- */

static void test_isni_valid(void **state)
{
	static const struct ok_case c[] = {
		{"0000000121032683", "0000000121032683"},
		{"0000 0001 2103 2683", "0000000121032683"},
		{"0000-0001-2103-2683", "0000000121032683"},
		{"000000012146438X", "000000012146438X"},
		{"0000 0001 2146 438x", "000000012146438X"},
		{"000000012281955X", "000000012281955X"},
		{"0000000118278930", "0000000118278930"},
		{"0000000081634486", "0000000081634486"},
		{"906828836075983X", "906828836075983X"},
		{"328921840110704X", "328921840110704X"},
		{" 0000000121032683 ", "0000000121032683"},
	};

	(void)state;
	RUN_OK(isni, c);
}

static void test_isni_invalid(void **state)
{
	static const char *const len =
		"isni must be 16 characters once ' ' and '-' are removed";
	static const char *const check = "isni check character does not match";
	static const struct bad_case c[] = {
		{NULL, "isni is missing"},
		{"", len},
		{"000000012103268", len},
		{"00000001210326833", len},
		{"0000000121032684", check},
		{"000000012103268X", check},
		{"0000000121032638", check},
		{"0000000121046438", check},
		{"000000012146438Y", "isni check character must be a digit or 'X'"},
		{"X000000121032683", "isni must be 15 digits and a check character"},
		{"0000.0001.2103.2683", len},
		{"00000001210326X3", "isni must be 15 digits and a check character"},
	};

	(void)state;
	RUN_BAD(isni, c);
}

/* ---- SHA-256 ---- */

static void test_sha256_valid(void **state)
{
	static const struct ok_case c[] = {
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
		 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"0000000000000000000000000000000000000000000000000000000000000000",
		 "0000000000000000000000000000000000000000000000000000000000000000"},
		{"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
		 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
	};

	(void)state;
	RUN_OK(sha256, c);
}

static void test_sha256_invalid(void **state)
{
	static const char *const len = "sha256 must be 64 hex digits";
	static const char *const hex = "sha256 must be hexadecimal";
	static const struct bad_case c[] = {
		{NULL, "sha256 is missing"},
		{"", len},
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", len},
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a080", len},
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g", hex},
		{"9f86d081 884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", hex},
		{"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0", hex},
		{"0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a", hex},
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n", len},
		{"9f86…0a08", hex},
	};

	(void)state;
	RUN_BAD(sha256, c);
}

/* ---- dates ---- */

/* Oracle: days since 1970-01-01 by walking whole years then months. */
static bool oracle_leap(int y)
{
	if (y % 400 == 0)
		return true;
	if (y % 100 == 0)
		return false;
	return y % 4 == 0;
}

static int oracle_mdays(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	return m == 2 && oracle_leap(y) ? 29 : dim[m - 1];
}

static long oracle_days(int y, int m, int d)
{
	long days = 0;

	for (int yy = 1970; yy < y; yy++)
		days += oracle_leap(yy) ? 366 : 365;
	for (int yy = y; yy < 1970; yy++)
		days -= oracle_leap(yy) ? 366 : 365;
	for (int mm = 1; mm < m; mm++)
		days += oracle_mdays(y, mm);
	return days + d - 1;
}

static void test_date_valid(void **state)
{
	static const struct {
		const char *in;
		int32_t days;
	} c[] = {
		{"1970-01-01", 0},
		{"1970-01-02", 1},
		{"1969-12-31", -1},
		{"2000-03-01", 11017},
		{"2000-02-29", 11016},
		{"2024-02-29", 19782},
		{"2026-07-01", 20635},
		{"2026-09-30", 20726},
		{"1900-01-01", -25567},
		{"1900-03-01", -25508},
		{"2100-12-31", 47846},
		{"0001-01-01", LL_DATE_DAYS_MIN},
		{"9999-12-31", LL_DATE_DAYS_MAX},
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(c); i++) {
		int32_t days = 12345;
		const char *reason = NULL;

		if (!ll_date_parse(c[i].in, &days, &reason))
			fail_msg("rejected \"%s\": %s", c[i].in, reason);
		assert_int_equal(days, c[i].days);
	}
}

static void test_date_invalid(void **state)
{
	static const char *const form = "date must be YYYY-MM-DD";
	static const char *const day = "date day does not exist in its month";
	static const char *const month = "date month must be 01 to 12";
	static const struct bad_case c[] = {
		{NULL, "date is missing"},
		{"", form},
		{"2026-02-29", day},
		{"1900-02-29", day},
		{"2100-02-29", day},
		{"2023-02-29", day},
		{"2026-04-31", day},
		{"2026-06-31", day},
		{"2026-09-31", day},
		{"2026-11-31", day},
		{"2026-01-32", day},
		{"2026-01-00", day},
		{"2026-00-10", month},
		{"2026-13-01", month},
		{"0000-01-01", "date year must be 0001 to 9999"},
		{"2026-1-01", form},
		{"2026-01-1", form},
		{"26-01-01", form},
		{"20260101", form},
		{"2026/01/01", form},
		{"2026-01-01 ", form},
		{"2026-01-01T00:00:00Z", form},
		{" 2026-01-01", form},
		{"+2026-01-01", form},
		{"12026-01-01", form},
		{"2026-0a-01", form},
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(c); i++) {
		int32_t days = 12345;
		const char *reason = NULL;

		if (ll_date_parse(c[i].in, &days, &reason))
			fail_msg("accepted date \"%s\"", c[i].in);
		assert_int_equal(days, 12345);
		assert_non_null(reason);
		if (strcmp(reason, c[i].reason) != 0)
			fail_msg("\"%s\": reason \"%s\", expected \"%s\"",
				 c[i].in ? c[i].in : "(null)", reason,
				 c[i].reason);
		assert_false(ll_date_parse(c[i].in, &days, NULL));
	}
}

/* Every day of 1900..2100: oracle count, parse, format and back. */
static void test_date_round_trip_1900_2100(void **state)
{
	long expect = oracle_days(1900, 1, 1);
	int n = 0;

	(void)state;
	for (int y = 1900; y <= 2100; y++) {
		for (int m = 1; m <= 12; m++) {
			for (int d = 1; d <= oracle_mdays(y, m); d++) {
				char text[48];
				char back[11];
				int32_t days;

				snprintf(text, sizeof(text), "%04d-%02d-%02d",
					 y, m, d);
				assert_true(ll_date_parse(text, &days, NULL));
				assert_int_equal(days, expect);
				ll_date_format(days, back);
				assert_string_equal(back, text);
				expect++;
				n++;
			}
		}
	}
	assert_int_equal(n, 73414);	/* 201 years, 49 of them leap */
}

/* Random days over the whole range 0001..9999 against the oracle. */
static void test_date_random_full_range(void **state)
{
	(void)state;
	for (int k = 0; k < 3000; k++) {
		int y = 1 + (int)(rng() % 9999);
		int m = 1 + (int)(rng() % 12);
		int d = 1 + (int)(rng() % (unsigned)oracle_mdays(y, m));
		char text[48];
		char back[11];
		int32_t days;

		snprintf(text, sizeof(text), "%04d-%02d-%02d", y, m, d);
		assert_true(ll_date_parse(text, &days, NULL));
		assert_int_equal(days, oracle_days(y, m, d));
		ll_date_format(days, back);
		assert_string_equal(back, text);
	}
}

static void test_date_format_edges(void **state)
{
	char out[11];

	(void)state;
	ll_date_format(0, out);
	assert_string_equal(out, "1970-01-01");
	ll_date_format(-1, out);
	assert_string_equal(out, "1969-12-31");
	ll_date_format(LL_DATE_DAYS_MIN, out);
	assert_string_equal(out, "0001-01-01");
	ll_date_format(LL_DATE_DAYS_MAX, out);
	assert_string_equal(out, "9999-12-31");
	ll_date_format(11016, out);
	assert_string_equal(out, "2000-02-29");
	ll_date_format(-25508, out);
	assert_string_equal(out, "1900-03-01");
}

/* ---- timestamps ---- */

static void test_timestamp_valid(void **state)
{
	static const struct {
		const char *in;
		int64_t usec;
	} c[] = {
		{"1970-01-01T00:00:00Z", 0},
		{"1970-01-01T00:00:01Z", 1000000},
		{"1970-01-01T00:00:00.000001Z", 1},
		{"1970-01-01T00:00:00.5Z", 500000},
		{"1970-01-01T00:00:00.12Z", 120000},
		{"1970-01-01T00:00:00.123456Z", 123456},
		{"1970-01-01T00:00:00.000000Z", 0},
		{"1969-12-31T23:59:59Z", -1000000},
		{"1969-12-31T23:59:59.999999Z", -1},
		{"2026-09-01T12:00:00Z", INT64_C(1788264000) * 1000000},
		{"2026-01-01T00:00:00Z", INT64_C(1767225600) * 1000000},
		{"2026-08-15T00:00:00Z", INT64_C(1786752000) * 1000000},
		{"2024-02-29T23:59:59.999999Z",
		 INT64_C(1709251199) * 1000000 + 999999},
		{"2000-01-01T00:00:00Z", INT64_C(946684800) * 1000000},
		{"0001-01-01T00:00:00Z", INT64_C(-62135596800) * 1000000},
		{"9999-12-31T23:59:59.999999Z",
		 INT64_C(253402300799) * 1000000 + 999999},
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(c); i++) {
		int64_t usec = 42;
		const char *reason = NULL;

		if (!ll_timestamp_parse(c[i].in, &usec, &reason))
			fail_msg("rejected \"%s\": %s", c[i].in, reason);
		assert_int_equal(usec, c[i].usec);
	}
}

static void test_timestamp_invalid(void **state)
{
	static const char *const form =
		"timestamp must be YYYY-MM-DDTHH:MM:SS[.ffffff]Z";
	static const char *const utc = "timestamp must be UTC with 'Z'";
	static const char *const tod = "timestamp time of day out of range";
	static const char *const frac =
		"timestamp fraction must have 1 to 6 digits";
	static const char *const sep =
		"timestamp must separate date and time with 'T'";
	static const struct bad_case c[] = {
		{NULL, "timestamp is missing"},
		{"", form},
		{"2026-9-01T12:00:00Z", form},
		{"2026-09-01T12:00:00+00:00", utc},
		{"2026-09-01T12:00:00-05:00", utc},
		{"2026-09-01T12:00:00z", utc},
		{"2026-09-01T12:00:00", utc},
		{"2026-09-01T12:00:00.5", utc},
		{"2026-09-01t12:00:00Z", sep},
		{"2026-09-01 12:00:00Z", sep},
		{"2026-09-01T24:00:00Z", tod},
		{"2026-09-01T12:60:00Z", tod},
		{"2026-09-01T12:00:60Z",
		 "timestamp second out of range (leap seconds are not accepted)"},
		{"2026-09-01T12:00Z", form},
		{"2026-09-01T12Z", form},
		{"2026-09-01T", form},
		{"2026-09-01", form},
		{"2026-09-01T1:00:00Z", form},
		{"2026-09-01T12:00:00ZZ", form},
		{"2026-09-01T12:00:00Z ", form},
		{"2026-09-01T12:00:00UTC", form},
		{"2026-09-01T12:00:00.Z", frac},
		{"2026-09-01T12:00:00.1234567Z", frac},
		{"2026-09-01T12:00:00,5Z", form},
		{"2026-02-29T12:00:00Z", "date day does not exist in its month"},
		{"2026-13-01T12:00:00Z", "date month must be 01 to 12"},
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(c); i++) {
		int64_t usec = 42;
		const char *reason = NULL;

		if (ll_timestamp_parse(c[i].in, &usec, &reason))
			fail_msg("accepted timestamp \"%s\"", c[i].in);
		assert_int_equal(usec, 42);
		assert_non_null(reason);
		if (strcmp(reason, c[i].reason) != 0)
			fail_msg("\"%s\": reason \"%s\", expected \"%s\"",
				 c[i].in ? c[i].in : "(null)", reason,
				 c[i].reason);
		assert_false(ll_timestamp_parse(c[i].in, &usec, NULL));
	}
}

static void test_timestamp_day_floors(void **state)
{
	static const int64_t day = INT64_C(86400000000);
	static const struct {
		int64_t usec;
		int32_t day;
	} c[] = {
		{0, 0},
		{1, 0},
		{INT64_C(86400000000) - 1, 0},
		{INT64_C(86400000000), 1},
		{-1, -1},
		{-INT64_C(86400000000), -1},
		{-INT64_C(86400000000) - 1, -2},
		{INT64_C(1788264000) * 1000000, 20697},
		{INT64_MAX, 106751991},
		{INT64_MIN, -106751992},
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(c); i++)
		assert_int_equal(ll_timestamp_day(c[i].usec), c[i].day);
	/* Against the date parser: the day of noon and of the last
	 * microsecond of each random day is that day. */
	for (int k = 0; k < 1000; k++) {
		int32_t d = LL_DATE_DAYS_MIN +
			    (int32_t)(rng() % (LL_DATE_DAYS_MAX -
					       LL_DATE_DAYS_MIN + 1));

		assert_int_equal(ll_timestamp_day(d * day), d);
		assert_int_equal(ll_timestamp_day(d * day + day / 2), d);
		assert_int_equal(ll_timestamp_day(d * day + day - 1), d);
	}
}

static void test_timestamp_day_matches_date(void **state)
{
	(void)state;
	for (int k = 0; k < 1000; k++) {
		int y = 1 + (int)(rng() % 9999);
		int m = 1 + (int)(rng() % 12);
		int d = 1 + (int)(rng() % (unsigned)oracle_mdays(y, m));
		int hh = (int)(rng() % 24), mi = (int)(rng() % 60);
		int ss = (int)(rng() % 60), us = (int)(rng() % 1000000);
		char text[96];
		int64_t usec;
		int64_t want;

		snprintf(text, sizeof(text),
			 "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d, hh, mi,
			 ss, us);
		assert_true(ll_timestamp_parse(text, &usec, NULL));
		want = ((int64_t)oracle_days(y, m, d) * 86400 + hh * 3600 +
			mi * 60 + ss) * 1000000 + us;
		assert_int_equal(usec, want);
		assert_int_equal(ll_timestamp_day(usec), oracle_days(y, m, d));
	}
}

/* ---- periods ---- */

static void test_period_valid(void **state)
{
	static const struct {
		const char *in;
		const char *first;
		const char *last;
	} c[] = {
		{"2026-Q1", "2026-01-01", "2026-03-31"},
		{"2026-Q2", "2026-04-01", "2026-06-30"},
		{"2026-Q3", "2026-07-01", "2026-09-30"},
		{"2026-Q4", "2026-10-01", "2026-12-31"},
		{"2024-Q1", "2024-01-01", "2024-03-31"},
		{"2026-09", "2026-09-01", "2026-09-30"},
		{"2026-02", "2026-02-01", "2026-02-28"},
		{"2024-02", "2024-02-01", "2024-02-29"},
		{"2000-02", "2000-02-01", "2000-02-29"},
		{"1900-02", "1900-02-01", "1900-02-28"},
		{"2026-01", "2026-01-01", "2026-01-31"},
		{"2026-12", "2026-12-01", "2026-12-31"},
		{"2026-07-01..2026-09-30", "2026-07-01", "2026-09-30"},
		{"2026-07-01..2026-07-01", "2026-07-01", "2026-07-01"},
		{"2025-12-15..2026-01-15", "2025-12-15", "2026-01-15"},
		{"0001-01-01..9999-12-31", "0001-01-01", "9999-12-31"},
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(c); i++) {
		int32_t a, b, wa, wb;
		const char *reason = NULL;

		if (!ll_period_parse(c[i].in, &a, &b, &reason))
			fail_msg("rejected \"%s\": %s", c[i].in, reason);
		assert_true(ll_date_parse(c[i].first, &wa, NULL));
		assert_true(ll_date_parse(c[i].last, &wb, NULL));
		assert_int_equal(a, wa);
		assert_int_equal(b, wb);
	}
}

static void test_period_invalid(void **state)
{
	static const char *const form =
		"period must be YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD";
	static const struct bad_case c[] = {
		{NULL, "period is missing"},
		{"", form},
		{"2026-Q5", "period quarter must be Q1 to Q4"},
		{"2026-Q0", "period quarter must be Q1 to Q4"},
		{"2026-13", "period month must be 01 to 12"},
		{"2026-00", "period month must be 01 to 12"},
		{"0000-Q1", "period year must be 0001 to 9999"},
		{"0000-01", "period year must be 0001 to 9999"},
		{"2026-09-30..2026-07-01", "period start is after its end"},
		{"2026-q3", form},
		{"2026Q3", form},
		{"2026-Q", form},
		{"2026-Q34", form},
		{"2026-9", form},
		{"2026", form},
		{"2026-09-01", form},
		{"2026-07-01...2026-09-30", form},
		{"2026-07-01..2026-09-3", form},
		{"2026-07-01.2026-09-30", form},
		{"2026-07-01 ..2026-09-30", form},
		{"2026-07-01..2026-09-31", "date day does not exist in its month"},
		{"2026-02-30..2026-09-30", "date day does not exist in its month"},
		{"2026-09 ", form},
		{"Q3-2026", form},
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(c); i++) {
		int32_t a = 7, b = 7;
		const char *reason = NULL;

		if (ll_period_parse(c[i].in, &a, &b, &reason))
			fail_msg("accepted period \"%s\"", c[i].in);
		assert_int_equal(a, 7);
		assert_int_equal(b, 7);
		assert_non_null(reason);
		if (strcmp(reason, c[i].reason) != 0)
			fail_msg("\"%s\": reason \"%s\", expected \"%s\"",
				 c[i].in ? c[i].in : "(null)", reason,
				 c[i].reason);
		assert_false(ll_period_parse(c[i].in, &a, &b, NULL));
	}
}

/* Months and quarters tile each year exactly, 1900..2100. */
static void test_period_months_tile_years(void **state)
{
	(void)state;
	for (int y = 1900; y <= 2100; y++) {
		char text[48];
		int32_t a, b, jan1, next;

		snprintf(text, sizeof(text), "%04d-01-01", y);
		assert_true(ll_date_parse(text, &jan1, NULL));
		next = jan1;
		for (int m = 1; m <= 12; m++) {
			snprintf(text, sizeof(text), "%04d-%02d", y, m);
			assert_true(ll_period_parse(text, &a, &b, NULL));
			assert_int_equal(a, next);
			assert_int_equal(b - a + 1, oracle_mdays(y, m));
			next = b + 1;
		}
		assert_int_equal(next - jan1, oracle_leap(y) ? 366 : 365);
		next = jan1;
		for (int q = 1; q <= 4; q++) {
			snprintf(text, sizeof(text), "%04d-Q%d", y, q);
			assert_true(ll_period_parse(text, &a, &b, NULL));
			assert_int_equal(a, next);
			next = b + 1;
		}
		assert_int_equal(next - jan1, oracle_leap(y) ? 366 : 365);
	}
}

/* ---- currencies ---- */

static void test_currency_spot_checks(void **state)
{
	static const struct {
		const char *code;
		int exponent;
	} c[] = {
		{"EUR", 2}, {"USD", 2}, {"GBP", 2}, {"SEK", 2}, {"CHF", 2},
		{"NOK", 2}, {"DKK", 2}, {"PLN", 2}, {"CAD", 2}, {"AUD", 2},
		{"CNY", 2}, {"INR", 2}, {"BRL", 2}, {"MXN", 2}, {"ZAR", 2},
		{"JPY", 0}, {"KRW", 0}, {"ISK", 0}, {"CLP", 0}, {"VND", 0},
		{"XOF", 0}, {"XAF", 0}, {"XPF", 0}, {"PYG", 0}, {"UGX", 0},
		{"BHD", 3}, {"KWD", 3}, {"OMR", 3}, {"JOD", 3}, {"IQD", 3},
		{"LYD", 3}, {"TND", 3},
		{"CLF", 4}, {"UYW", 4},
		{"XAU", -1}, {"XAG", -1}, {"XPT", -1}, {"XPD", -1},
		{"XDR", -1}, {"XXX", -1}, {"XTS", -1},
		/* first and last of the table (bsearch edges) */
		{"AED", 2}, {"ZWG", 2},
		/* unknown or withdrawn */
		{"ABC", -1}, {"AAA", -1}, {"ZZZ", -1}, {"HRK", -1},
		{"DEM", -1}, {"BTC", -1},
		/* not exactly 3 upper-case letters */
		{"eur", -1}, {"Eur", -1}, {"EUr", -1}, {"EU", -1},
		{"EURO", -1}, {"", -1}, {"EU1", -1}, {" EUR", -1},
		{"EUR ", -1}, {"€", -1},
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(c); i++)
		if (ll_currency_exponent(c[i].code) != c[i].exponent)
			fail_msg("%s: exponent %d, expected %d", c[i].code,
				 ll_currency_exponent(c[i].code),
				 c[i].exponent);
	assert_int_equal(ll_currency_exponent(NULL), -1);
}

/*
 * Oracle: the ISO 4217 list one (2026-01-01) as "CODEe" words, e = minor
 * unit or '-' for N.A., scanned linearly.  Every one of the 26^3
 * three-letter codes must agree with the bsearch table — which also
 * proves the table is sorted and complete.
 */
static const char iso4217_list[] =
	"AED2 AFN2 ALL2 AMD2 AOA2 ARS2 AUD2 AWG2 AZN2 BAM2 BBD2 BDT2 BHD3 "
	"BIF0 BMD2 BND2 BOB2 BOV2 BRL2 BSD2 BTN2 BWP2 BYN2 BZD2 CAD2 CDF2 "
	"CHE2 CHF2 CHW2 CLF4 CLP0 CNY2 COP2 COU2 CRC2 CUP2 CVE2 CZK2 DJF0 "
	"DKK2 DOP2 DZD2 EGP2 ERN2 ETB2 EUR2 FJD2 FKP2 GBP2 GEL2 GHS2 GIP2 "
	"GMD2 GNF0 GTQ2 GYD2 HKD2 HNL2 HTG2 HUF2 IDR2 ILS2 INR2 IQD3 IRR2 "
	"ISK0 JMD2 JOD3 JPY0 KES2 KGS2 KHR2 KMF0 KPW2 KRW0 KWD3 KYD2 KZT2 "
	"LAK2 LBP2 LKR2 LRD2 LSL2 LYD3 MAD2 MDL2 MGA2 MKD2 MMK2 MNT2 MOP2 "
	"MRU2 MUR2 MVR2 MWK2 MXN2 MXV2 MYR2 MZN2 NAD2 NGN2 NIO2 NOK2 NPR2 "
	"NZD2 OMR3 PAB2 PEN2 PGK2 PHP2 PKR2 PLN2 PYG0 QAR2 RON2 RSD2 RUB2 "
	"RWF0 SAR2 SBD2 SCR2 SDG2 SEK2 SGD2 SHP2 SLE2 SOS2 SRD2 SSP2 STN2 "
	"SVC2 SYP2 SZL2 THB2 TJS2 TMT2 TND3 TOP2 TRY2 TTD2 TWD2 TZS2 UAH2 "
	"UGX0 USD2 USN2 UYI0 UYU2 UYW4 UZS2 VED2 VES2 VND0 VUV0 WST2 XAD2 "
	"XAF0 XAG- XAU- XBA- XBB- XBC- XBD- XCD2 XCG2 XDR- XOF0 XPD- XPF0 "
	"XPT- XSU- XTS- XUA- XXX- YER2 ZAR2 ZMW2 ZWG2";

static int oracle_exponent(const char *code)
{
	for (size_t i = 0; i + 4 <= sizeof(iso4217_list) - 1; i += 5) {
		if (memcmp(iso4217_list + i, code, 3) == 0) {
			char e = iso4217_list[i + 3];

			return e == '-' ? -1 : e - '0';
		}
	}
	return -1;
}

static void test_currency_all_codes_oracle(void **state)
{
	int with_minor = 0;

	(void)state;
	for (char a = 'A'; a <= 'Z'; a++) {
		for (char b = 'A'; b <= 'Z'; b++) {
			for (char c = 'A'; c <= 'Z'; c++) {
				char code[4] = {a, b, c, '\0'};
				char lower[4] = {(char)(a - 'A' + 'a'),
						 (char)(b - 'A' + 'a'),
						 (char)(c - 'A' + 'a'), '\0'};
				int want = oracle_exponent(code);

				if (ll_currency_exponent(code) != want)
					fail_msg("%s: exponent %d, expected %d",
						 code,
						 ll_currency_exponent(code),
						 want);
				assert_int_equal(ll_currency_exponent(lower),
						 -1);
				with_minor += want >= 0;
			}
		}
	}
	assert_int_equal(with_minor, 165);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_isrc_valid),
		cmocka_unit_test(test_isrc_invalid),
		cmocka_unit_test(test_isrc_long_input_bounded),
		cmocka_unit_test(test_iswc_valid),
		cmocka_unit_test(test_iswc_invalid),
		cmocka_unit_test(test_iswc_check_digit_oracle),
		cmocka_unit_test(test_iban_valid),
		cmocka_unit_test(test_iban_invalid),
		cmocka_unit_test(test_iban_random_oracle),
		cmocka_unit_test(test_bic_valid),
		cmocka_unit_test(test_bic_invalid),
		cmocka_unit_test(test_isni_valid),
		cmocka_unit_test(test_isni_invalid),
		cmocka_unit_test(test_sha256_valid),
		cmocka_unit_test(test_sha256_invalid),
		cmocka_unit_test(test_date_valid),
		cmocka_unit_test(test_date_invalid),
		cmocka_unit_test(test_date_round_trip_1900_2100),
		cmocka_unit_test(test_date_random_full_range),
		cmocka_unit_test(test_date_format_edges),
		cmocka_unit_test(test_timestamp_valid),
		cmocka_unit_test(test_timestamp_invalid),
		cmocka_unit_test(test_timestamp_day_floors),
		cmocka_unit_test(test_timestamp_day_matches_date),
		cmocka_unit_test(test_period_valid),
		cmocka_unit_test(test_period_invalid),
		cmocka_unit_test(test_period_months_tile_years),
		cmocka_unit_test(test_currency_spot_checks),
		cmocka_unit_test(test_currency_all_codes_oracle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * ident.c — checks and canonical forms for the identifiers and calendar
 * values of SPEC §2: record ids, ISRC, ISWC, IBAN, BIC, ISNI, SHA-256 hex,
 * dates, RFC 3339 UTC timestamps, run periods and ISO 4217 exponents.
 *
 * Design decision: everything is hand-parsed ASCII with integer arithmetic
 * only — no <ctype.h> (locale-dependent), no strtol/sscanf, no floating
 * point — and every normaliser builds its result in a local buffer bounded
 * by the identifier's fixed length, copying it to out only on success (out
 * is set to "" on failure).  Calendar arithmetic is Howard Hinnant's exact
 * days_from_civil / civil_from_days on the proleptic Gregorian calendar.
 */
#include "ledgerline/ident.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest raw input any normaliser looks at, separators included; longer
 * input is rejected without being scanned to its end. */
enum { IDENT_IN_BYTES_MAX = 128 };

/* ---- ASCII helpers (locale-independent) ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alpha(char c)
{
	return is_upper(c) || is_lower(c);
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

static char to_upper(char c)
{
	return is_lower(c) ? (char)(c - 'a' + 'A') : c;
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void set_reason(const char **reason, const char *why)
{
	if (reason != NULL)
		*reason = why;
}

/*
 * Copy in to buf without the characters in drop, upper-casing letters.
 * Fails (returns -1) if in is longer than IDENT_IN_BYTES_MAX or more than
 * buf_size - 1 characters remain; otherwise returns the kept length and
 * NUL-terminates buf.
 */
static int squeeze_upper(const char *in, const char *drop, char *buf,
			 size_t buf_size)
{
	size_t n = 0;

	assert(buf != NULL && buf_size > 0);
	for (size_t i = 0; in[i] != '\0'; i++) {
		if (i >= IDENT_IN_BYTES_MAX)
			return -1;
		if (strchr(drop, in[i]) != NULL)
			continue;
		if (n + 1 >= buf_size)
			return -1;
		buf[n++] = to_upper(in[i]);
	}
	buf[n] = '\0';
	return (int)n;
}

/* Parse exactly n ASCII digits (n <= 9) at s.  Stops at the first
 * non-digit, so never reads past a terminating NUL. */
static bool parse_digits(const char *s, int n, int *value)
{
	int v = 0;

	assert(n > 0 && n <= 9);
	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return true;
}

/* ---- record ids ---- */

bool ll_id_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++) {
		char c = s[n];

		if (n >= LL_ID_LEN_MAX)
			return false;
		if (!is_alnum(c) && c != '.' && c != '_' && c != ':' &&
		    c != '-')
			return false;
	}
	return n > 0;
}

/* ---- ISRC ---- */

bool ll_isrc_normalise(const char *in, char out[LL_ISRC_LEN + 1],
		       const char **reason)
{
	char buf[LL_ISRC_LEN + 1];
	int n;

	assert(out != NULL);
	out[0] = '\0';
	if (in == NULL) {
		set_reason(reason, "isrc is missing");
		return false;
	}
	n = squeeze_upper(in, "- ", buf, sizeof(buf));
	if (n != 12) {
		set_reason(reason,
			   "isrc must be 12 characters once '-' and ' ' are removed");
		return false;
	}
	if (!is_upper(buf[0]) || !is_upper(buf[1])) {
		set_reason(reason, "isrc country code must be 2 letters");
		return false;
	}
	for (int i = 2; i < 5; i++) {
		if (!is_upper(buf[i]) && !is_digit(buf[i])) {
			set_reason(reason,
				   "isrc registrant code must be 3 letters or digits");
			return false;
		}
	}
	for (int i = 5; i < 12; i++) {
		if (!is_digit(buf[i])) {
			set_reason(reason,
				   "isrc year and designation code must be 7 digits");
			return false;
		}
	}
	memcpy(out, buf, 13);
	return true;
}

/* ---- ISWC ---- */

bool ll_iswc_normalise(const char *in, char out[LL_ISWC_LEN + 1],
		       const char **reason)
{
	int d[10];
	int nd = 0;
	int s = 1;
	int check;

	assert(out != NULL);
	out[0] = '\0';
	if (in == NULL) {
		set_reason(reason, "iswc is missing");
		return false;
	}
	if (in[0] != 'T' && in[0] != 't') {
		set_reason(reason, "iswc must start with 'T'");
		return false;
	}
	for (size_t i = 1; in[i] != '\0'; i++) {
		char c = in[i];

		if (i >= IDENT_IN_BYTES_MAX) {
			set_reason(reason, "iswc is too long");
			return false;
		}
		if (c == '-' || c == '.' || c == ' ')
			continue;
		if (!is_digit(c) || nd == 10) {
			set_reason(reason, "iswc must be 'T' and 10 digits");
			return false;
		}
		d[nd++] = c - '0';
	}
	if (nd != 10) {
		set_reason(reason, "iswc must be 'T' and 10 digits");
		return false;
	}
	for (int i = 1; i <= 9; i++)
		s += i * d[i - 1];
	check = (10 - s % 10) % 10;
	if (check != d[9]) {
		set_reason(reason, "iswc check digit does not match");
		return false;
	}
	out[0] = 'T';
	out[1] = '-';
	for (int i = 0; i < 3; i++) {
		out[2 + i] = (char)('0' + d[i]);
		out[6 + i] = (char)('0' + d[3 + i]);
		out[10 + i] = (char)('0' + d[6 + i]);
	}
	out[5] = '.';
	out[9] = '.';
	out[13] = '-';
	out[14] = (char)('0' + d[9]);
	out[15] = '\0';
	return true;
}

/* ---- IBAN ---- */

/* IBAN lengths of the SWIFT IBAN registry (release of December 2024).
 * Territories that issue IBANs under their parent's code (AX under FI,
 * GF/GP/... under FR, GG/IM/JE under GB) are not listed separately.
 * Sorted by country code for bsearch. */
static const struct iban_country {
	char cc[3];
	unsigned char len;
} iban_countries[] = {
	{"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28},
	{"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22}, {"BI", 27},
	{"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28},
	{"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28},
	{"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18},
	{"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23},
	{"GL", 18}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21},
	{"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
	{"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28},
	{"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
	{"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19},
	{"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28},
	{"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
	{"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22},
	{"RU", 33}, {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24},
	{"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25},
	{"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29},
	{"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

static int iban_country_cmp(const void *key, const void *elem)
{
	const struct iban_country *e = elem;

	return strncmp(key, e->cc, 2);
}

/* ISO 7064 MOD 97-10 over the IBAN rearranged (first four characters moved
 * to the end), letters as 10..35; the remainder is carried digit by digit,
 * so it never exceeds 9699. */
static unsigned iban_mod97(const char *iban, size_t len)
{
	unsigned r = 0;

	for (size_t k = 0; k < len; k++) {
		char c = iban[(k + 4) % len];

		if (is_digit(c))
			r = (r * 10 + (unsigned)(c - '0')) % 97;
		else
			r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return r;
}

bool ll_iban_normalise(const char *in, char out[LL_IBAN_LEN_MAX + 1],
		       const char **reason)
{
	char buf[LL_IBAN_LEN_MAX + 1];
	int n;
	const struct iban_country *cc;

	assert(out != NULL);
	out[0] = '\0';
	if (in == NULL) {
		set_reason(reason, "iban is missing");
		return false;
	}
	n = squeeze_upper(in, " ", buf, sizeof(buf));
	if (n < 15 || n > 34) {
		set_reason(reason, "iban must be 15 to 34 characters");
		return false;
	}
	if (!is_upper(buf[0]) || !is_upper(buf[1])) {
		set_reason(reason, "iban must start with a 2-letter country code");
		return false;
	}
	if (!is_digit(buf[2]) || !is_digit(buf[3])) {
		set_reason(reason, "iban check digits must be 2 digits");
		return false;
	}
	for (int i = 4; i < n; i++) {
		if (!is_upper(buf[i]) && !is_digit(buf[i])) {
			set_reason(reason,
				   "iban account part must be letters and digits");
			return false;
		}
	}
	cc = bsearch(buf, iban_countries,
		     sizeof(iban_countries) / sizeof(iban_countries[0]),
		     sizeof(iban_countries[0]), iban_country_cmp);
	if (cc != NULL && cc->len != n) {
		set_reason(reason, "iban length does not match its country");
		return false;
	}
	/* 00, 01 and 99 are never issued (ISO 13616: 02..98); 99 and 01
	 * are congruent to 02 and 98 mod 97 and would pass the check. */
	if ((buf[2] == '0' && (buf[3] == '0' || buf[3] == '1')) ||
	    (buf[2] == '9' && buf[3] == '9')) {
		set_reason(reason, "iban check digits must be 02 to 98");
		return false;
	}
	if (iban_mod97(buf, (size_t)n) != 1) {
		set_reason(reason, "iban check digits do not match (mod 97)");
		return false;
	}
	memcpy(out, buf, (size_t)n + 1);
	return true;
}

/* ---- BIC ---- */

bool ll_bic_normalise(const char *in, char out[LL_BIC_LEN_MAX + 1],
		      const char **reason)
{
	char buf[LL_BIC_LEN_MAX + 1];
	int n;

	assert(out != NULL);
	out[0] = '\0';
	if (in == NULL) {
		set_reason(reason, "bic is missing");
		return false;
	}
	n = squeeze_upper(in, " ", buf, sizeof(buf));
	if (n != 8 && n != 11) {
		set_reason(reason, "bic must be 8 or 11 characters");
		return false;
	}
	for (int i = 0; i < 4; i++) {
		if (!is_upper(buf[i])) {
			set_reason(reason, "bic institution code must be 4 letters");
			return false;
		}
	}
	if (!is_upper(buf[4]) || !is_upper(buf[5])) {
		set_reason(reason, "bic country code must be 2 letters");
		return false;
	}
	for (int i = 6; i < n; i++) {
		if (!is_upper(buf[i]) && !is_digit(buf[i])) {
			set_reason(reason,
				   "bic location and branch codes must be letters or digits");
			return false;
		}
	}
	memcpy(out, buf, (size_t)n + 1);
	return true;
}

/* ---- ISNI ---- */

bool ll_isni_normalise(const char *in, char out[LL_ISNI_LEN + 1],
		       const char **reason)
{
	char buf[LL_ISNI_LEN + 1];
	int n;
	int sum = 0;
	int check;
	char want;

	assert(out != NULL);
	out[0] = '\0';
	if (in == NULL) {
		set_reason(reason, "isni is missing");
		return false;
	}
	n = squeeze_upper(in, " -", buf, sizeof(buf));
	if (n != 16) {
		set_reason(reason,
			   "isni must be 16 characters once ' ' and '-' are removed");
		return false;
	}
	for (int i = 0; i < 15; i++) {
		if (!is_digit(buf[i])) {
			set_reason(reason, "isni must be 15 digits and a check character");
			return false;
		}
		/* ISO 7064 MOD 11-2 */
		sum = ((sum + (buf[i] - '0')) * 2) % 11;
	}
	if (!is_digit(buf[15]) && buf[15] != 'X') {
		set_reason(reason, "isni check character must be a digit or 'X'");
		return false;
	}
	check = (12 - sum) % 11;
	want = check == 10 ? 'X' : (char)('0' + check);
	if (buf[15] != want) {
		set_reason(reason, "isni check character does not match");
		return false;
	}
	memcpy(out, buf, 17);
	return true;
}

/* ---- SHA-256 ---- */

bool ll_sha256_hex_normalise(const char *in,
			     char out[LL_SHA256_HEX_LEN + 1],
			     const char **reason)
{
	char buf[LL_SHA256_HEX_LEN + 1];
	int i;

	assert(out != NULL);
	out[0] = '\0';
	if (in == NULL) {
		set_reason(reason, "sha256 is missing");
		return false;
	}
	for (i = 0; i < 64 && in[i] != '\0'; i++) {
		if (!is_hex(in[i])) {
			set_reason(reason, "sha256 must be hexadecimal");
			return false;
		}
		buf[i] = (in[i] >= 'A' && in[i] <= 'F')
				 ? (char)(in[i] - 'A' + 'a')
				 : in[i];
	}
	if (i != 64 || in[64] != '\0') {
		set_reason(reason, "sha256 must be 64 hex digits");
		return false;
	}
	buf[64] = '\0';
	memcpy(out, buf, 65);
	return true;
}

/* ---- calendar ---- */

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	assert(m >= 1 && m <= 12);
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of a valid proleptic Gregorian date (Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil (Hinnant). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static const char date_form[] = "date must be YYYY-MM-DD";

/* Parse the 10 characters "YYYY-MM-DD" at s (what follows is the
 * caller's business).  A wrong shape is reported as date_form, which
 * callers parsing a larger syntax replace by their own. */
static bool parse_date_at(const char *s, int32_t *days, const char **reason)
{
	int y, m, d;

	if (!parse_digits(s, 4, &y) || s[4] != '-' ||
	    !parse_digits(s + 5, 2, &m) || s[7] != '-' ||
	    !parse_digits(s + 8, 2, &d)) {
		set_reason(reason, date_form);
		return false;
	}
	if (y < 1) {
		set_reason(reason, "date year must be 0001 to 9999");
		return false;
	}
	if (m < 1 || m > 12) {
		set_reason(reason, "date month must be 01 to 12");
		return false;
	}
	if (d < 1 || d > days_in_month(y, m)) {
		set_reason(reason, "date day does not exist in its month");
		return false;
	}
	*days = (int32_t)days_from_civil(y, m, d);
	return true;
}

bool ll_date_parse(const char *in, int32_t *days, const char **reason)
{
	int32_t v;

	assert(days != NULL);
	if (in == NULL) {
		set_reason(reason, "date is missing");
		return false;
	}
	if (!parse_date_at(in, &v, reason))
		return false;
	if (in[10] != '\0') {
		set_reason(reason, date_form);
		return false;
	}
	*days = v;
	return true;
}

void ll_date_format(int32_t days, char out[LL_DATE_LEN + 1])
{
	int64_t y;
	int m, d;
	int64_t z = days;

	assert(out != NULL);
	assert(days >= LL_DATE_DAYS_MIN && days <= LL_DATE_DAYS_MAX);
	if (z < LL_DATE_DAYS_MIN)
		z = LL_DATE_DAYS_MIN;
	if (z > LL_DATE_DAYS_MAX)
		z = LL_DATE_DAYS_MAX;
	civil_from_days(z, &y, &m, &d);
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

/* ---- timestamps ---- */

enum {
	USEC_PER_SEC = 1000000,
	FRACTION_DIGITS_MAX = 6,
};
static const int64_t usec_per_day = INT64_C(86400) * USEC_PER_SEC;
static const char ts_form[] =
	"timestamp must be YYYY-MM-DDTHH:MM:SS[.ffffff]Z";

/* The time of day after the date at in[10..19), "THH:MM:SS", as seconds
 * into *secs. */
static inline bool parse_time_of_day(const char *in, int64_t *secs,
				     const char **reason)
{
	int hh, mm, ss;

	if (in[10] == 't' || in[10] == ' ') {
		set_reason(reason,
			   "timestamp must separate date and time with 'T'");
		return false;
	}
	if (in[10] != 'T' || !parse_digits(in + 11, 2, &hh) ||
	    in[13] != ':' || !parse_digits(in + 14, 2, &mm) ||
	    in[16] != ':' || !parse_digits(in + 17, 2, &ss)) {
		set_reason(reason, ts_form);
		return false;
	}
	if (hh > 23 || mm > 59) {
		set_reason(reason, "timestamp time of day out of range");
		return false;
	}
	if (ss > 59) {
		set_reason(reason,
			   "timestamp second out of range (leap seconds are not accepted)");
		return false;
	}
	*secs = (int64_t)hh * 3600 + mm * 60 + ss;
	return true;
}

static const char frac_form[] = "timestamp fraction must have 1 to 6 digits";

/* An optional ".ffffff" at *p, as microseconds into *frac; *p moves past
 * it. */
static inline bool parse_fraction(const char **p, int64_t *frac,
				  const char **reason)
{
	const char *q = *p;
	int nfrac = 0;

	*frac = 0;
	if (*q != '.')
		return true;
	q++;
	while (is_digit(*q) && nfrac < FRACTION_DIGITS_MAX) {
		*frac = *frac * 10 + (*q - '0');
		nfrac++;
		q++;
	}
	if (nfrac == 0 || is_digit(*q)) {
		set_reason(reason, frac_form);
		return false;
	}
	for (int i = nfrac; i < FRACTION_DIGITS_MAX; i++)
		*frac *= 10;
	*p = q;
	return true;
}

bool ll_timestamp_parse(const char *in, int64_t *usec, const char **reason)
{
	int32_t days;
	int64_t secs, frac;
	const char *p;
	const char *why = NULL;

	assert(usec != NULL);
	if (in == NULL) {
		set_reason(reason, "timestamp is missing");
		return false;
	}
	if (!parse_date_at(in, &days, &why)) {
		set_reason(reason, why == date_form ? ts_form : why);
		return false;
	}
	if (!parse_time_of_day(in, &secs, reason))
		return false;
	p = in + 19;
	if (!parse_fraction(&p, &frac, reason))
		return false;
	if (*p == '+' || *p == '-' || *p == 'z' || *p == '\0') {
		set_reason(reason, "timestamp must be UTC with 'Z'");
		return false;
	}
	if (*p != 'Z' || p[1] != '\0') {
		set_reason(reason, ts_form);
		return false;
	}
	*usec = (int64_t)days * usec_per_day + secs * USEC_PER_SEC + frac;
	return true;
}

int32_t ll_timestamp_day(int64_t usec)
{
	int64_t q = usec / usec_per_day;

	if (usec % usec_per_day < 0)
		q--;
	return (int32_t)q;
}

/* ---- run periods ---- */

bool ll_period_parse(const char *in, int32_t *first_day, int32_t *last_day,
		     const char **reason)
{
	static const char *const bad_form =
		"period must be YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD";
	size_t n = 0;
	int y, m;
	int32_t a, b;

	assert(first_day != NULL && last_day != NULL);
	if (in == NULL) {
		set_reason(reason, "period is missing");
		return false;
	}
	while (n < 23 && in[n] != '\0')
		n++;
	if (n == 22 && in[10] == '.' && in[11] == '.') {
		const char *why = NULL;

		if (!parse_date_at(in, &a, &why) ||
		    !parse_date_at(in + 12, &b, &why)) {
			set_reason(reason, why == date_form ? bad_form : why);
			return false;
		}
		if (a > b) {
			set_reason(reason, "period start is after its end");
			return false;
		}
		*first_day = a;
		*last_day = b;
		return true;
	}
	if (n != 7 || !parse_digits(in, 4, &y) || in[4] != '-') {
		set_reason(reason, bad_form);
		return false;
	}
	if (in[5] == 'Q') {
		if (in[6] < '1' || in[6] > '4') {
			set_reason(reason, "period quarter must be Q1 to Q4");
			return false;
		}
		m = 3 * (in[6] - '1') + 1;
	} else if (parse_digits(in + 5, 2, &m)) {
		if (m < 1 || m > 12) {
			set_reason(reason, "period month must be 01 to 12");
			return false;
		}
	} else {
		set_reason(reason, bad_form);
		return false;
	}
	if (y < 1) {
		set_reason(reason, "period year must be 0001 to 9999");
		return false;
	}
	a = (int32_t)days_from_civil(y, m, 1);
	if (in[5] == 'Q')
		m += 2;
	b = (int32_t)days_from_civil(y, m, days_in_month(y, m));
	*first_day = a;
	*last_day = b;
	return true;
}

/* ---- ISO 4217 ---- */

/*
 * Active ISO 4217 alphabetic codes and their minor units (list one as
 * published 2026-01-01, after the withdrawal of ANG, BGN, CUC, HRK, SLL
 * and ZWL).  -1: "N.A." in the standard (precious metals, units of
 * account, test and no-currency codes).  Sorted by code for bsearch.
 */
static const struct currency {
	char code[4];
	signed char exponent;
} currencies[] = {
	{"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"AOA", 2},
	{"ARS", 2}, {"AUD", 2}, {"AWG", 2}, {"AZN", 2}, {"BAM", 2},
	{"BBD", 2}, {"BDT", 2}, {"BHD", 3}, {"BIF", 0}, {"BMD", 2},
	{"BND", 2}, {"BOB", 2}, {"BOV", 2}, {"BRL", 2}, {"BSD", 2},
	{"BTN", 2}, {"BWP", 2}, {"BYN", 2}, {"BZD", 2}, {"CAD", 2},
	{"CDF", 2}, {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4},
	{"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2}, {"CRC", 2},
	{"CUP", 2}, {"CVE", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2},
	{"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2},
	{"EUR", 2}, {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2},
	{"GHS", 2}, {"GIP", 2}, {"GMD", 2}, {"GNF", 0}, {"GTQ", 2},
	{"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2},
	{"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2},
	{"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0}, {"KES", 2},
	{"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0},
	{"KWD", 3}, {"KYD", 2}, {"KZT", 2}, {"LAK", 2}, {"LBP", 2},
	{"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3}, {"MAD", 2},
	{"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2},
	{"MOP", 2}, {"MRU", 2}, {"MUR", 2}, {"MVR", 2}, {"MWK", 2},
	{"MXN", 2}, {"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2},
	{"NGN", 2}, {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2},
	{"OMR", 3}, {"PAB", 2}, {"PEN", 2}, {"PGK", 2}, {"PHP", 2},
	{"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2},
	{"RSD", 2}, {"RUB", 2}, {"RWF", 0}, {"SAR", 2}, {"SBD", 2},
	{"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2},
	{"SLE", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2},
	{"SVC", 2}, {"SYP", 2}, {"SZL", 2}, {"THB", 2}, {"TJS", 2},
	{"TMT", 2}, {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2},
	{"TWD", 2}, {"TZS", 2}, {"UAH", 2}, {"UGX", 0}, {"USD", 2},
	{"USN", 2}, {"UYI", 0}, {"UYU", 2}, {"UYW", 4}, {"UZS", 2},
	{"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0}, {"WST", 2},
	{"XAD", 2}, {"XAF", 0}, {"XAG", -1}, {"XAU", -1}, {"XBA", -1},
	{"XBB", -1}, {"XBC", -1}, {"XBD", -1}, {"XCD", 2}, {"XCG", 2},
	{"XDR", -1}, {"XOF", 0}, {"XPD", -1}, {"XPF", 0}, {"XPT", -1},
	{"XSU", -1}, {"XTS", -1}, {"XUA", -1}, {"XXX", -1}, {"YER", 2},
	{"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};

static int currency_cmp(const void *key, const void *elem)
{
	const struct currency *e = elem;

	return strcmp(key, e->code);
}

int ll_currency_exponent(const char *code)
{
	const struct currency *c;

	if (code == NULL || !is_upper(code[0]) || !is_upper(code[1]) ||
	    !is_upper(code[2]) || code[3] != '\0')
		return -1;
	c = bsearch(code, currencies, sizeof(currencies) / sizeof(currencies[0]),
		    sizeof(currencies[0]), currency_cmp);
	return c != NULL ? c->exponent : -1;
}

void ll_timestamp_format(int64_t usec, char out[LL_TIMESTAMP_SIZE])
{
	int32_t day = ll_timestamp_day(usec);
	int64_t rem = usec - (int64_t)day * INT64_C(86400000000);
	int64_t secs = rem / USEC_PER_SEC, frac = rem % USEC_PER_SEC;
	int digits = 6;

	ll_date_format(day, out);
	snprintf(out + 10, 22, "T%02d:%02d:%02d", (int)(secs / 3600),
		 (int)(secs / 60 % 60), (int)(secs % 60));
	if (frac) {
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		snprintf(out + 19, 13, ".%0*dZ", digits, (int)frac);
	} else {
		out[19] = 'Z';
		out[20] = '\0';
	}
}

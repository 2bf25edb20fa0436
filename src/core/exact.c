/*
 * exact.c — exact numbers: the SPEC §2 parser (to mpq_t and to a 128-bit
 * decimal), formatting, half-even rounding and the largest-remainder
 * allocator of SPEC §3.
 *
 * Design decision: both parsers share one scanner (scan_exact), which alone
 * decides what is valid and what every error says; they differ only in how
 * they turn the validated digit runs into a value.  So ll_exact_parse and
 * ll_exact_parse_dec cannot disagree on accept/reject or on error text, and
 * the tests check that their values agree.  Significant digits are counted
 * from the first non-zero digit to the last digit written, across the
 * decimal point ("0.00120" has 3; "100" has 3; "0" has none); in a fraction
 * the numerator and the denominator are counted separately.  Figures that
 * ledgerline wrote itself are read by a third parser with a scanner of its
 * own (scan_figure): outputs have no digit limit, inputs keep theirs.
 */
#include "ledgerline/exact.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 ll_u128;

/* Largest currency exponent an amount string may have. */
enum { MINOR_EXP_MAX = 6 };

/* ---- error text --------------------------------------------------------- */

enum {
	/* Input bytes shown in an error; longer input is cut with "...". */
	QUOTE_INPUT_BYTES_MAX = LL_EXACT_LEN_MAX,
	/* Each shown byte takes at most 4 chars ("\xNN"), plus "..." + NUL. */
	QUOTE_BUF_BYTES = 4 * QUOTE_INPUT_BYTES_MAX + 4,
	REASON_BUF_BYTES = 128,
};

/*
 * Write s[0..len) into out as the body of a double-quoted string: printable
 * ASCII as is, '"' and '\\' backslash-escaped, every other byte as \xNN.
 */
static void quote_bytes(char *out, size_t out_size, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t shown = len < QUOTE_INPUT_BYTES_MAX ? len : QUOTE_INPUT_BYTES_MAX;
	size_t o = 0;
	size_t i;

	assert(out_size >= 4 * shown + 4);
	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	if (shown < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Describe one input byte for "unexpected %s at offset %zu". */
static void describe_byte(char *out, size_t out_size, unsigned char c)
{
	if (c == '\'' || c == '\\')
		snprintf(out, out_size, "'\\%c'", (char)c);
	else if (c >= 0x20 && c < 0x7f)
		snprintf(out, out_size, "'%c'", (char)c);
	else
		snprintf(out, out_size, "byte 0x%02x", (unsigned)c);
}

/* Fill err with `invalid exact number "<s>": <reason>`; returns LL_INVALID. */
__attribute__((format(printf, 4, 5)))
static enum ll_status parse_fail(struct ll_error *err, const char *s,
				 size_t len, const char *fmt, ...)
{
	char quoted[QUOTE_BUF_BYTES];
	char reason[REASON_BUF_BYTES];
	va_list ap;

	if (!err)
		return LL_INVALID;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	quote_bytes(quoted, sizeof(quoted), s, len);
	return ll_error_set(err, LL_INVALID, NULL, 0, NULL,
			    "invalid exact number \"%s\": %s", quoted, reason);
}

static enum ll_status fail_unexpected(struct ll_error *err, const char *s,
				      size_t len, size_t off, const char *hint)
{
	char what[16];

	describe_byte(what, sizeof(what), (unsigned char)s[off]);
	return parse_fail(err, s, len, "unexpected %s at offset %zu%s", what,
			  off, hint);
}

/* ---- the scanner ---------------------------------------------------------- */

/*
 * The validated shape of an exact string.  For a decimal, [a_beg, a_end) is
 * the integer part and [b_beg, b_end) the fractional digits (empty when
 * there is no point); for a fraction they are the numerator and the
 * denominator.  Every run is non-empty except a decimal's fractional part.
 */
struct scan {
	bool fraction;
	size_t a_beg, a_end;
	size_t b_beg, b_end;
};

enum scan_part { PART_INT, PART_FRAC, PART_DEN };

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Where scan_exact is in its input. */
struct scan_state {
	enum scan_part part;
	size_t part_digits;	/* digits in the current run */
	size_t sig;		/* significant digits in the current number */
	size_t frac;		/* digits after the point */
	bool nonzero;		/* a non-zero digit seen in the current number */
};

/* Count the digit c at offset i against the digit limits. */
static inline enum ll_status scan_digit(struct scan_state *st, char c,
					const char *s, size_t len, size_t i,
					struct ll_error *err)
{
	if (st->part == PART_FRAC && ++st->frac > LL_EXACT_FRACDIGITS_MAX)
		return parse_fail(err, s, len,
				  "more than %d fractional digits at offset %zu",
				  (int)LL_EXACT_FRACDIGITS_MAX, i);
	if (c != '0')
		st->nonzero = true;
	if (st->nonzero && ++st->sig > LL_EXACT_SIGDIGITS_MAX)
		return parse_fail(err, s, len,
				  "more than %d significant digits at offset %zu",
				  (int)LL_EXACT_SIGDIGITS_MAX, i);
	st->part_digits++;
	return LL_OK;
}

/* The '.' or '/' c at offset i ends the integer part and starts the
 * second run. */
static inline void scan_separator(struct scan *sc, struct scan_state *st,
				  char c, size_t i)
{
	sc->a_end = i;
	sc->b_beg = i + 1;
	st->part_digits = 0;
	if (c == '.') {
		st->part = PART_FRAC;	/* sig runs on */
	} else {
		st->part = PART_DEN;
		sc->fraction = true;
		st->sig = 0;
		st->nonzero = false;
	}
}

/* The error for the byte c at offset i, which no rule accepts there. */
static enum ll_status scan_reject(const struct scan_state *st, char c,
				  const char *s, size_t len, size_t i,
				  struct ll_error *err)
{
	if (st->part_digits > 0 && ((c == '/' && st->part == PART_FRAC) ||
				    (c == '.' && st->part == PART_DEN)))
		return fail_unexpected(err, s, len, i,
				       " (a fraction is integer/integer)");
	if (c == '-' || c == '+')
		return fail_unexpected(err, s, len, i, " (no sign allowed)");
	return fail_unexpected(err, s, len, i, "");
}

/* At the end of the input: the last run must have digits, the runs'
 * ends are set, and a denominator must not be zero. */
static enum ll_status scan_finish(struct scan *sc, const struct scan_state *st,
				  const char *s, size_t len,
				  struct ll_error *err)
{
	if (st->part_digits == 0) {
		/* len > 0 and a run can only be empty right after . or / */
		assert(st->part != PART_INT);
		return parse_fail(err, s, len, "no digits after '%c' at offset %zu",
				  st->part == PART_FRAC ? '.' : '/', len);
	}
	if (st->part == PART_INT) {
		sc->a_end = len;
		sc->b_beg = len;
	}
	sc->b_end = len;
	if (st->part == PART_DEN && !st->nonzero)
		return parse_fail(err, s, len, "zero denominator at offset %zu",
				  sc->b_beg);
	assert(sc->a_beg < sc->a_end);
	assert(sc->fraction ? sc->b_beg < sc->b_end : sc->b_beg <= sc->b_end);
	return LL_OK;
}

/*
 * Grammar:  digits [ '.' digits ]  |  digits '/' digits,  digits = [0-9]+.
 * Leading zeros are allowed and not significant.  Errors are reported for
 * the first offending byte from the left; the zero-denominator check, which
 * needs the whole denominator, comes last.
 */
static enum ll_status scan_exact(struct scan *sc, const char *s, size_t len,
				 struct ll_error *err)
{
	struct scan_state st = { PART_INT, 0, 0, 0, false };
	enum ll_status rc;
	size_t i;

	assert(sc);
	assert(s || len == 0);
	if (len == 0)
		return parse_fail(err, s, len, "empty string");
	if (len > LL_EXACT_LEN_MAX)
		return parse_fail(err, s, len, "longer than %d bytes",
				  (int)LL_EXACT_LEN_MAX);

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (is_digit(c)) {
			rc = scan_digit(&st, c, s, len, i, err);
			if (rc != LL_OK)
				return rc;
		} else if ((c == '.' || c == '/') && st.part == PART_INT &&
			   st.part_digits > 0) {
			scan_separator(sc, &st, c, i);
		} else {
			return scan_reject(&st, c, s, len, i, err);
		}
	}
	return scan_finish(sc, &st, s, len, err);
}

/* ---- parsers -------------------------------------------------------------- */

/* rop = the digit run s[beg..end) (non-empty, digits only). */
static void mpz_set_digits(mpz_t rop, const char *s, size_t beg, size_t end)
{
	char buf[LL_EXACT_LEN_MAX + 1];
	int rc;

	assert(beg < end && end - beg <= LL_EXACT_LEN_MAX);
	memcpy(buf, s + beg, end - beg);
	buf[end - beg] = '\0';
	rc = mpz_set_str(rop, buf, 10);
	assert(rc == 0);
	(void)rc;
}

enum ll_status ll_exact_parse(mpq_t rop, const char *s, size_t len,
			      struct ll_error *err)
{
	char digits[LL_EXACT_LEN_MAX + 1];
	struct scan sc;
	size_t nint, nfrac;
	enum ll_status rc;
	int grc;

	rc = scan_exact(&sc, s, len, err);
	if (rc != LL_OK)
		return rc;

	if (sc.fraction) {
		mpz_set_digits(mpq_numref(rop), s, sc.a_beg, sc.a_end);
		mpz_set_digits(mpq_denref(rop), s, sc.b_beg, sc.b_end);
		assert(mpz_sgn(mpq_denref(rop)) > 0);
		mpq_canonicalize(rop);
		return LL_OK;
	}

	/* Decimal: the digits without the point over 10^(fractional digits). */
	nint = sc.a_end - sc.a_beg;
	nfrac = sc.b_end - sc.b_beg;
	assert(nint + nfrac <= LL_EXACT_LEN_MAX);
	assert(nfrac <= LL_EXACT_FRACDIGITS_MAX);
	memcpy(digits, s + sc.a_beg, nint);
	memcpy(digits + nint, s + sc.b_beg, nfrac);
	digits[nint + nfrac] = '\0';
	grc = mpz_set_str(mpq_numref(rop), digits, 10);
	assert(grc == 0);
	(void)grc;
	mpz_ui_pow_ui(mpq_denref(rop), 10, (unsigned long)nfrac);
	mpq_canonicalize(rop);
	return LL_OK;
}

enum ll_status ll_exact_parse_dec(struct ll_dec *out, const char *s,
				  size_t len, struct ll_error *err)
{
	struct scan sc;
	enum ll_status rc;
	ll_u128 mant = 0;
	size_t ndigits = 0;	/* digits after leading zeros */
	size_t i;

	assert(out);
	rc = scan_exact(&sc, s, len, err);
	if (rc != LL_OK)
		return rc;
	if (sc.fraction)
		return LL_USAGE;

	/*
	 * The scanner bounds the digits from the first non-zero one on to
	 * LL_EXACT_SIGDIGITS_MAX, and 10^38 - 1 < 2^127 - 1: no overflow.
	 */
	for (i = sc.a_beg; i < sc.b_end; i++) {
		if (i == sc.a_end)
			continue;	/* the point */
		assert(is_digit(s[i]));
		if (mant != 0 || s[i] != '0')
			ndigits++;
		mant = mant * 10 + (ll_u128)(s[i] - '0');
	}
	assert(ndigits <= LL_EXACT_SIGDIGITS_MAX);
	(void)ndigits;
	out->mant = (ll_i128)mant;
	out->scale = (int)(sc.b_end - sc.b_beg);
	assert(out->mant >= 0);
	assert(out->scale >= 0 && out->scale <= LL_EXACT_FRACDIGITS_MAX);
	return LL_OK;
}

/* ---- figures: what ledgerline wrote ------------------------------------- */

/*
 * Outputs have no digit limit (SPEC §4), so figures get their own scanner
 * rather than a loosened scan_exact: the input limits stay where inputs
 * are read.  Figures are held to the one spelling ledgerline writes.
 */

/* [i, *end) is the longest digit run at s[i..len). */
static size_t digit_run(const char *s, size_t len, size_t i)
{
	while (i < len && is_digit(s[i]))
		i++;
	return i;
}

/*
 * One int of a figure at s[*i..): "0" or digits without a leading zero.
 * On LL_OK [*beg, *i) is the run; "what" names it in errors.
 */
static enum ll_status scan_int(const char *s, size_t len, size_t *i,
			       size_t *beg, const char *what,
			       struct ll_error *err)
{
	size_t end = digit_run(s, len, *i);

	if (end == *i) {
		if (*i == len)
			return parse_fail(err, s, len, "no digits in the %s at "
					  "offset %zu", what, *i);
		return fail_unexpected(err, s, len, *i, "");
	}
	if (s[*i] == '0' && end - *i > 1)
		return parse_fail(err, s, len, "leading zero in the %s at "
				  "offset %zu", what, *i);
	*beg = *i;
	*i = end;
	return LL_OK;
}

/*
 * Validate a figure: sign, then a decimal or a fraction of ints.  Fills
 * *neg and sc (as scan_exact does); every shape rule is checked here, the
 * value rules (reduced, non-zero denominator, no negative zero) by the
 * callers, which have the value.
 */
static enum ll_status scan_figure(struct scan *sc, bool *neg, const char *s,
				  size_t len, bool sign_ok,
				  struct ll_error *err)
{
	size_t i = 0;
	enum ll_status rc;

	assert(sc && neg);
	assert(s || len == 0);
	memset(sc, 0, sizeof(*sc));
	*neg = false;
	if (len == 0)
		return parse_fail(err, s, len, "empty string");
	if (s[0] == '-' || s[0] == '+') {
		if (s[0] == '+' || !sign_ok)
			return fail_unexpected(err, s, len, 0,
					       s[0] == '+' ? " (no '+' sign)"
							   : " (no sign allowed)");
		*neg = true;
		i = 1;
	}
	rc = scan_int(s, len, &i, &sc->a_beg, "integer part", err);
	if (rc != LL_OK)
		return rc;
	sc->a_end = i;
	sc->b_beg = sc->b_end = i;
	if (i == len)
		return LL_OK;
	if (s[i] == '/') {
		sc->fraction = true;
		i++;
		rc = scan_int(s, len, &i, &sc->b_beg, "denominator", err);
		if (rc != LL_OK)
			return rc;
	} else if (s[i] == '.') {
		sc->b_beg = ++i;
		i = digit_run(s, len, i);
		if (i == sc->b_beg)
			return i == len ? parse_fail(err, s, len,
						     "no digits after '.' at "
						     "offset %zu", i)
					: fail_unexpected(err, s, len, i, "");
	} else {
		return fail_unexpected(err, s, len, i, "");
	}
	sc->b_end = i;
	if (i < len)
		return fail_unexpected(err, s, len, i,
				       (s[i] == '/' && !sc->fraction) ||
						       (s[i] == '.' && sc->fraction)
					       ? " (a fraction is integer/integer)"
					       : "");
	return LL_OK;
}

/* rop = the digit run s[beg..end) via a scratch copy; false: no memory. */
static bool mpz_set_run(mpz_t rop, const char *s, size_t beg, size_t end)
{
	char *buf;
	int rc;

	assert(beg <= end);
	if (beg == end) {
		mpz_set_ui(rop, 0);
		return true;
	}
	buf = malloc(end - beg + 1);
	if (!buf)
		return false;
	memcpy(buf, s + beg, end - beg);
	buf[end - beg] = '\0';
	rc = mpz_set_str(rop, buf, 10);
	assert(rc == 0);
	(void)rc;
	free(buf);
	return true;
}

static enum ll_status figure_nomem(struct ll_error *err)
{
	if (!err)
		return LL_NOMEM;
	return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
			    "out of memory reading a number");
}

enum ll_status ll_exact_parse_figure(mpq_t rop, const char *s, size_t len,
				     bool sign_ok, struct ll_error *err)
{
	struct scan sc;
	enum ll_status rc;
	bool neg;
	mpz_t g, frac;

	rc = scan_figure(&sc, &neg, s, len, sign_ok, err);
	if (rc != LL_OK)
		return rc;
	mpz_init(g);
	mpz_init(frac);
	if (!mpz_set_run(mpq_numref(rop), s, sc.a_beg, sc.a_end) ||
	    !mpz_set_run(sc.fraction ? mpq_denref(rop) : frac, s, sc.b_beg,
			 sc.b_end)) {
		rc = figure_nomem(err);
		goto out;
	}
	if (sc.fraction) {
		if (mpz_sgn(mpq_denref(rop)) == 0) {
			rc = parse_fail(err, s, len, "zero denominator at "
					"offset %zu", sc.b_beg);
			goto out;
		}
		mpz_gcd(g, mpq_numref(rop), mpq_denref(rop));
		if (mpz_cmp_ui(g, 1) != 0 || mpz_cmp_ui(mpq_denref(rop), 1) == 0) {
			rc = parse_fail(err, s, len, "not a reduced fraction");
			goto out;
		}
	} else {
		/* int + frac / 10^(fractional digits) */
		mpz_ui_pow_ui(mpq_denref(rop), 10,
			      (unsigned long)(sc.b_end - sc.b_beg));
		mpz_mul(mpq_numref(rop), mpq_numref(rop), mpq_denref(rop));
		mpz_add(mpq_numref(rop), mpq_numref(rop), frac);
		mpq_canonicalize(rop);
	}
	if (neg && mpq_sgn(rop) == 0) {
		rc = parse_fail(err, s, len, "negative zero");
		goto out;
	}
	if (neg)
		mpq_neg(rop, rop);
	rc = LL_OK;
out:
	mpz_clear(frac);
	mpz_clear(g);
	return rc;
}

enum ll_status ll_exact_parse_minor(mpz_t rop, const char *s, size_t len,
				    int e, bool sign_ok, struct ll_error *err)
{
	struct scan sc;
	enum ll_status rc;
	bool neg;
	mpz_t frac, p;

	assert(e >= 0 && e <= MINOR_EXP_MAX);
	rc = scan_figure(&sc, &neg, s, len, sign_ok, err);
	if (rc != LL_OK)
		return rc;
	if (sc.fraction)
		return parse_fail(err, s, len, "an amount is a decimal, not a "
				  "fraction");
	if (sc.b_end - sc.b_beg != (size_t)e)
		return parse_fail(err, s, len, "an amount has exactly %d "
				  "decimal%s", e, e == 1 ? "" : "s");
	mpz_init(frac);
	mpz_init(p);
	if (!mpz_set_run(rop, s, sc.a_beg, sc.a_end) ||
	    !mpz_set_run(frac, s, sc.b_beg, sc.b_end)) {
		rc = figure_nomem(err);
		goto out;
	}
	/* rop = int · 10^e + frac */
	mpz_ui_pow_ui(p, 10, (unsigned long)e);
	mpz_mul(rop, rop, p);
	mpz_add(rop, rop, frac);
	if (neg && mpz_sgn(rop) == 0) {
		rc = parse_fail(err, s, len, "negative zero");
		goto out;
	}
	if (neg)
		mpz_neg(rop, rop);
	rc = LL_OK;
out:
	mpz_clear(p);
	mpz_clear(frac);
	return rc;
}

/* ---- conversions ---------------------------------------------------------- */

void ll_mpz_set_i128(mpz_t rop, ll_i128 x)
{
	/* Magnitude in unsigned arithmetic, so INT128_MIN is well defined. */
	ll_u128 mag = x < 0 ? -(ll_u128)x : (ll_u128)x;
	uint64_t words[2];

	words[0] = (uint64_t)mag;		/* least significant first */
	words[1] = (uint64_t)(mag >> 64);
	mpz_import(rop, 2, -1, sizeof(words[0]), 0, 0, words);
	if (x < 0)
		mpz_neg(rop, rop);
}

void ll_exact_from_dec(mpq_t rop, const struct ll_dec *d)
{
	assert(d);
	assert(d->scale >= 0 && d->scale <= LL_EXACT_FRACDIGITS_MAX);
	ll_mpz_set_i128(mpq_numref(rop), d->mant);
	mpz_ui_pow_ui(mpq_denref(rop), 10, (unsigned long)d->scale);
	mpq_canonicalize(rop);
}

void ll_exact_scale10(mpq_t rop, const mpq_t q, int e)
{
	mpq_t p;

	assert(e >= 0 && e <= LL_EXACT_FRACDIGITS_MAX);
	mpq_init(p);
	mpz_ui_pow_ui(mpq_numref(p), 10, (unsigned long)e);
	mpq_mul(rop, q, p);	/* rop may be q */
	mpq_clear(p);
}

void ll_exact_round_half_even(mpz_t rop, const mpq_t q)
{
	mpz_t fl, r2;
	int c;

	assert(mpz_sgn(mpq_denref(q)) > 0);
	mpz_init(fl);
	mpz_init(r2);

	/* q = fl + r/den with 0 <= r < den; compare 2r with den. */
	mpz_fdiv_qr(fl, r2, mpq_numref(q), mpq_denref(q));
	mpz_mul_2exp(r2, r2, 1);
	c = mpz_cmp(r2, mpq_denref(q));
	if (c > 0 || (c == 0 && mpz_odd_p(fl)))
		mpz_add_ui(fl, fl, 1);
	mpz_set(rop, fl);

	mpz_clear(r2);
	mpz_clear(fl);
}

/* ---- formatting ----------------------------------------------------------- */

/*
 * A new string for (-)digits / 10^e, where digits (nd > 0, no leading zeros
 * unless it is "0") is the magnitude in minor units.
 */
static char *format_minor(bool neg, const char *digits, size_t nd, int e)
{
	size_t ue = (size_t)e;
	size_t nint = nd > ue ? nd - ue : 1;	/* digits before the point */
	size_t pad = nd < ue ? ue - nd : 0;	/* zeros right after the point */
	size_t size = (neg ? 1 : 0) + nint + (ue > 0 ? 1 + ue : 0) + 1;
	char *out;
	size_t o = 0;

	assert(nd > 0);
	assert(e >= 0 && e <= MINOR_EXP_MAX);
	out = malloc(size);
	if (!out)
		return NULL;
	if (neg)
		out[o++] = '-';
	if (nd > ue) {
		memcpy(out + o, digits, nint);
		o += nint;
	} else {
		out[o++] = '0';
	}
	if (ue > 0) {
		out[o++] = '.';
		memset(out + o, '0', pad);
		o += pad;
		memcpy(out + o, digits + (nd - (ue - pad)), ue - pad);
		o += ue - pad;
	}
	out[o++] = '\0';
	assert(o == size);
	return out;
}

char *ll_exact_minor_str(const mpz_t minor, int e)
{
	mpz_t mag;
	char *digits, *out;

	assert(e >= 0 && e <= MINOR_EXP_MAX);
	mpz_init(mag);
	mpz_abs(mag, minor);
	/* mpz_sizeinbase may overshoot by one; +1 for the NUL. */
	digits = malloc(mpz_sizeinbase(mag, 10) + 1);
	out = NULL;
	if (!digits)
		goto out;
	mpz_get_str(digits, 10, mag);
	out = format_minor(mpz_sgn(minor) < 0, digits, strlen(digits), e);
out:
	free(digits);
	mpz_clear(mag);
	return out;
}

char *ll_exact_minor_str_i64(int64_t minor, int e)
{
	char buf[24];	/* 2^63 has 19 digits */
	uint64_t mag;
	size_t o = sizeof(buf);

	assert(e >= 0 && e <= MINOR_EXP_MAX);
	mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	do {
		buf[--o] = (char)('0' + (int)(mag % 10));
		mag /= 10;
	} while (mag != 0);
	return format_minor(minor < 0, buf + o, sizeof(buf) - o, e);
}

char *ll_exact_fraction_str(const mpq_t q)
{
	size_t size;
	char *out;

	assert(mpz_sgn(mpq_denref(q)) > 0);
	/* The bound mpq_get_str documents for a caller-supplied buffer. */
	size = mpz_sizeinbase(mpq_numref(q), 10) +
	       mpz_sizeinbase(mpq_denref(q), 10) + 3;
	out = malloc(size);
	if (!out)
		return NULL;
	mpq_get_str(out, 10, q);
	return out;
}

/* ---- largest remainder ---------------------------------------------------- */

/* Scratch for one part: its fractional part and where it is in parts[]. */
struct rank {
	mpq_t frac;
	const char *key;
	size_t key_len;
	size_t idx;
};

/* memcmp over the common length, then the shorter key first. */
static int key_cmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
	size_t m = a_len < b_len ? a_len : b_len;
	int c = m > 0 ? memcmp(a, b, m) : 0;

	if (c != 0)
		return c;
	return (a_len > b_len) - (a_len < b_len);
}

static int rank_key_cmp(const void *pa, const void *pb)
{
	const struct rank *a = *(const struct rank *const *)pa;
	const struct rank *b = *(const struct rank *const *)pb;

	return key_cmp(a->key, a->key_len, b->key, b->key_len);
}

/* Largest fractional part first, then the smaller key. */
static int rank_cmp(const void *pa, const void *pb)
{
	const struct rank *a = *(const struct rank *const *)pa;
	const struct rank *b = *(const struct rank *const *)pb;
	int c = mpq_cmp(b->frac, a->frac);

	if (c != 0)
		return c;
	return key_cmp(a->key, a->key_len, b->key, b->key_len);
}

/* Render an allocation key for an error message. */
static void quote_key(char *out, size_t out_size, const struct ll_alloc_part *p)
{
	quote_bytes(out, out_size, p->key, p->key_len);
}

/* One allocation's scratch: a rank per part, sorted through order. */
struct alloc_job {
	struct ll_alloc_part *parts;	/* borrowed */
	size_t n;
	struct rank *ranks;
	struct rank **order;
	size_t ninit;		/* ranks[] entries with frac initialised */
};

/* Pass 1: validate the parts and set r to R = total - Σ floor(exact),
 * which must be in 0..n; nothing is written. */
static enum ll_status alloc_remainder(mpz_t r, const struct alloc_job *j,
				      const mpz_t total, struct ll_error *err)
{
	char quoted[QUOTE_BUF_BYTES];
	char num[64], what[64];
	enum ll_status rc = LL_OK;
	mpz_t fl, sum;
	size_t i;

	mpz_init(fl);
	mpz_init(sum);
	for (i = 0; i < j->n && rc == LL_OK; i++) {
		const struct ll_alloc_part *p = &j->parts[i];

		assert(p->key || p->key_len == 0);
		assert(mpz_sgn(mpq_denref(p->exact)) > 0);
		if (mpq_sgn(p->exact) < 0) {
			quote_key(quoted, sizeof(quoted), p);
			gmp_snprintf(num, sizeof(num), "%Qd", p->exact);
			rc = ll_error_set(err, LL_INVALID, NULL, 0, NULL,
					  "cannot allocate: part \"%s\" has a negative exact amount %s",
					  quoted, num);
			break;
		}
		mpz_fdiv_q(fl, mpq_numref(p->exact), mpq_denref(p->exact));
		mpz_add(sum, sum, fl);
	}
	mpz_sub(r, total, sum);	/* R */
	if (rc == LL_OK &&
	    (mpz_sgn(r) < 0 || !mpz_fits_ulong_p(r) || mpz_get_ui(r) > j->n)) {
		gmp_snprintf(num, sizeof(num), "%Zd", total);
		gmp_snprintf(what, sizeof(what), "%Zd", r);
		rc = ll_error_set(err, LL_INVALID, NULL, 0, NULL,
				  "cannot allocate total %s among %zu parts: %s units left after rounding down, need 0 to %zu",
				  num, j->n, what, j->n);
	}
	mpz_clear(sum);
	mpz_clear(fl);
	return rc;
}

/* One rank per part (its fractional part and key), in j->order. */
static enum ll_status rank_parts(struct alloc_job *j, struct ll_error *err)
{
	size_t i, n = j->n;

	if (n > SIZE_MAX / sizeof(*j->ranks))
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory allocating among %zu parts",
				    n);
	j->ranks = malloc(n * sizeof(*j->ranks));
	j->order = malloc(n * sizeof(*j->order));
	if (!j->ranks || !j->order)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory allocating among %zu parts",
				    n);
	for (i = 0; i < n; i++) {
		struct rank *k = &j->ranks[i];
		const struct ll_alloc_part *p = &j->parts[i];

		mpq_init(k->frac);
		j->ninit++;
		/* frac = (num mod den) / den, already in lowest terms. */
		mpz_fdiv_r(mpq_numref(k->frac), mpq_numref(p->exact),
			   mpq_denref(p->exact));
		mpz_set(mpq_denref(k->frac), mpq_denref(p->exact));
		k->key = p->key;
		k->key_len = p->key_len;
		k->idx = i;
		j->order[i] = k;
	}
	return LL_OK;
}

/* Keys must be distinct, or the result would depend on input order.
 * Leaves j->order sorted by key. */
static enum ll_status check_keys_distinct(struct alloc_job *j,
					  struct ll_error *err)
{
	char quoted[QUOTE_BUF_BYTES];
	size_t i;

	qsort(j->order, j->n, sizeof(*j->order), rank_key_cmp);
	for (i = 1; i < j->n; i++) {
		if (rank_key_cmp(&j->order[i - 1], &j->order[i]) == 0) {
			quote_key(quoted, sizeof(quoted),
				  &j->parts[j->order[i]->idx]);
			return ll_error_set(err, LL_INVALID, NULL, 0, NULL,
					    "cannot allocate: key \"%s\" appears more than once",
					    quoted);
		}
	}
	return LL_OK;
}

/* Pass 2: write floors, then one unit to each of the first R parts by
 * largest fractional part, then the smaller key. */
static void hand_out_units(struct alloc_job *j, const mpz_t r)
{
	struct ll_alloc_part *parts = j->parts;
	size_t i, units;

	qsort(j->order, j->n, sizeof(*j->order), rank_cmp);
	for (i = 0; i < j->n; i++)
		mpz_fdiv_q(parts[i].minor, mpq_numref(parts[i].exact),
			   mpq_denref(parts[i].exact));
	units = (size_t)mpz_get_ui(r);
	assert(units <= j->n);
	for (i = 0; i < units; i++)
		mpz_add_ui(parts[j->order[i]->idx].minor,
			   parts[j->order[i]->idx].minor, 1);
}

/* Money invariant: Σ minor == total, each minor in [floor, floor + 1]. */
static void ensure_allocation(const struct alloc_job *j, const mpz_t total)
{
	const struct ll_alloc_part *parts = j->parts;
	mpz_t fl, sum;
	size_t i;

	mpz_init(fl);
	mpz_init(sum);
	for (i = 0; i < j->n; i++)
		mpz_add(sum, sum, parts[i].minor);
	LL_ENSURE(mpz_cmp(sum, total) == 0);
	for (i = 0; i < j->n; i++) {
		mpz_fdiv_q(fl, mpq_numref(parts[i].exact),
			   mpq_denref(parts[i].exact));
		mpz_sub(fl, parts[i].minor, fl);
		LL_ENSURE(mpz_cmp_ui(fl, 0) == 0 || mpz_cmp_ui(fl, 1) == 0);
	}
	mpz_clear(sum);
	mpz_clear(fl);
}

enum ll_status ll_alloc_largest_remainder(struct ll_alloc_part *parts,
					  size_t n, const mpz_t total,
					  struct ll_error *err)
{
	struct alloc_job j = { parts, n, NULL, NULL, 0 };
	enum ll_status rc;
	mpz_t r;
	size_t i;

	assert(parts || n == 0);
	mpz_init(r);
	rc = alloc_remainder(r, &j, total, err);
	if (rc == LL_OK && n > 0) {	/* n == 0: total is 0, nothing to do */
		rc = rank_parts(&j, err);
		if (rc == LL_OK)
			rc = check_keys_distinct(&j, err);
		if (rc == LL_OK) {
			hand_out_units(&j, r);
			ensure_allocation(&j, total);
		}
	}
	for (i = 0; i < j.ninit; i++)
		mpq_clear(j.ranks[i].frac);
	free(j.order);
	free(j.ranks);
	mpz_clear(r);
	return rc;
}

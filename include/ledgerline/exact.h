/*
 * exact.h — exact numbers (SPEC §1.2, §2): parsing decimal and fraction
 * strings into GMP rationals, formatting, half-even rounding and the
 * largest-remainder allocator of SPEC §3.
 *
 * Design decision: everything here is pure (no I/O, no globals) and works on
 * mpq_t/mpz_t owned by the caller; no floating point is used anywhere.  A
 * second, allocation-free parser (ll_exact_parse_dec) turns decimals into a
 * 128-bit mantissa and a power-of-ten scale, so hot paths can sum weights
 * and values in integers and fall back to mpq only for fractions.
 */
#ifndef LEDGERLINE_EXACT_H
#define LEDGERLINE_EXACT_H

#include <gmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/status.h"

enum {
	LL_EXACT_SIGDIGITS_MAX = 38,	/* significant digits of a decimal */
	LL_EXACT_FRACDIGITS_MAX = 18,	/* digits after the decimal point */
	LL_EXACT_LEN_MAX = 96,		/* bytes in one exact string */
};

/*
 * Parse an exact string of SPEC §2: a decimal ("12.50", "0.000125", "3")
 * or a fraction ("1/3").  No sign, exponent, spaces, leading '+', empty
 * parts ("1.", ".5"), or zero denominator; at most 38 significant digits
 * and 18 fractional digits in a decimal, and at most 38 digits in each
 * part of a fraction (leading zeros do not count as significant).
 * Grammar: digits ['.' digits] | digits '/' digits, digits = [0-9]+; a
 * fraction is integer/integer ("1.5/2" is rejected).  Leading zeros are
 * allowed ("007", "00.5").  Significant digits run from the first non-zero
 * digit to the last digit written, across the point, so trailing zeros
 * count ("12.50" has 4, "100" has 3, "0.000125" has 3, "0" has none).
 * At most LL_EXACT_LEN_MAX bytes; any other byte (NUL, non-ASCII) is
 * rejected.
 *
 * rop must be initialised by the caller and receives the canonical
 * (reduced) value.  s need not be NUL-terminated; len is its length.
 * On failure returns LL_INVALID, leaves rop unspecified, and fills err->code
 * and err->text with a lowercase reason naming the byte offset of the first
 * bad byte, e.g. `invalid exact number "1e3": unexpected 'e' at offset 1`
 * or `invalid exact number "0.1234567890123456789": more than 18 fractional
 * digits at offset 20`; the input is quoted with non-printable bytes as \xNN
 * (err->source/line/field are set empty for the caller to fill; err may be
 * NULL).
 */
enum ll_status ll_exact_parse(mpq_t rop, const char *s, size_t len,
			      struct ll_error *err);

/*
 * Parse a figure that ledgerline itself wrote (a statement, run.json, the
 * database): SPEC §4 puts no digit limit on outputs, so unlike
 * ll_exact_parse this takes any number of digits.  Grammar: ['-'] int
 * ['.' digits] | ['-'] int '/' int, int = "0" or digits without a leading
 * zero, digits = [0-9]+.  A fraction must be reduced and its denominator
 * greater than 1 ("3/4", never "6/8", "5/1" or "0/3"), as
 * ll_exact_fraction_str writes it; a decimal may have trailing zeros
 * ("12.50").  '-' only when sign_ok, and never on zero ("-0", "-0.00").
 * The only bound is len, which the caller bounds (the size of the
 * document the figure came from).
 *
 * rop must be initialised by the caller and receives the value.  Returns
 * LL_OK; LL_INVALID with err filled as ll_exact_parse does (rop
 * unspecified); LL_NOMEM (err filled) when scratch memory cannot be had.
 */
enum ll_status ll_exact_parse_figure(mpq_t rop, const char *s, size_t len,
				     bool sign_ok, struct ll_error *err);

/*
 * Parse an amount that ledgerline wrote with ll_exact_minor_str for
 * exponent e (0..6, asserted) back into minor units: the same grammar as
 * ll_exact_parse_figure without the fraction, and exactly e digits after
 * the point (none and no point when e is 0): "12.34" at e 2 -> 1234,
 * "-0.05" -> -5 when sign_ok; "12.3", "12" or "12.345" at e 2 are
 * rejected.  Any number of digits.  rop must be initialised by the
 * caller.  Returns LL_OK, LL_INVALID or LL_NOMEM as ll_exact_parse_figure.
 */
enum ll_status ll_exact_parse_minor(mpz_t rop, const char *s, size_t len,
				    int e, bool sign_ok, struct ll_error *err);

/* Signed 128-bit integer; __extension__ keeps -Wpedantic quiet about the
 * GNU type, which gcc and clang both provide on every 64-bit target. */
__extension__ typedef __int128 ll_i128;

/*
 * A decimal as mantissa × 10^-scale (scale 0..18).  38 significant digits
 * always fit in the signed 128-bit mantissa.
 */
struct ll_dec {
	ll_i128 mant;
	int scale;
};

/*
 * Parse a decimal exact string (same rules as ll_exact_parse) into *out
 * without allocating.  Returns LL_OK; LL_INVALID with err filled for a
 * malformed string; and, for a well-formed *fraction* string, LL_USAGE
 * with err untouched (not an error: the caller falls back to
 * ll_exact_parse).  Trailing zeros are kept in the scale
 * ("0.50" -> mant 50, scale 2).
 */
enum ll_status ll_exact_parse_dec(struct ll_dec *out, const char *s,
				  size_t len, struct ll_error *err);

/* rop = d exactly (d->scale 0..18, asserted). */
void ll_exact_from_dec(mpq_t rop, const struct ll_dec *d);

/* rop = x. */
void ll_mpz_set_i128(mpz_t rop, ll_i128 x);

/*
 * Reduced fraction string of q: "3/4", "5" when the denominator is 1,
 * "-1/3" when negative.  q must be canonical, as for every mpq function.
 * Returns a new malloc'd string (caller frees) or NULL when out of memory.
 */
char *ll_exact_fraction_str(const mpq_t q);

/*
 * Decimal string of an integer amount of minor units with exponent e
 * (0..6, asserted): (1234, 2) -> "12.34", (5, 2) -> "0.05", (-5, 2) ->
 * "-0.05", (7, 0) -> "7", (0, 2) -> "0.00".  Returns a new malloc'd string
 * (caller frees) or NULL when out of memory.
 */
char *ll_exact_minor_str(const mpz_t minor, int e);

/* Same for an int64 amount (INT64_MIN included). */
char *ll_exact_minor_str_i64(int64_t minor, int e);

/*
 * rop = round_half_even(q): the nearest integer, ties to the even one;
 * symmetric for negative q (-2.5 -> -2, -3.5 -> -4).
 */
void ll_exact_round_half_even(mpz_t rop, const mpq_t q);

/* rop = q · 10^e (exact); e is 0..18 (asserted); rop may be q. */
void ll_exact_scale10(mpq_t rop, const mpq_t q, int e);

/*
 * One part for the largest-remainder allocator.  The caller sets exact
 * (the part's exact value in minor units, >= 0), key/key_len (tie-break
 * key, compared bytewise with memcmp and then by length, shorter first) and
 * initialises minor with mpz_init; the allocator writes minor.
 */
struct ll_alloc_part {
	mpq_t exact;
	const char *key;
	size_t key_len;
	mpz_t minor;
};

/*
 * Largest remainder (SPEC §3 rounding steps 2 and 3): each part gets
 * floor(exact); the R = total - Σ floor units left go one each to the parts
 * with the largest fractional parts, ties to the smaller key.  The order of
 * parts in the array does not matter.  O(n log n); n may be 0 (then total
 * must be 0) and parts may then be NULL.
 *
 * Requires 0 <= R <= number of parts (which holds whenever total is
 * floor(Σ exact) or ceil(Σ exact)), every exact >= 0 and the keys pairwise
 * distinct (equal keys would make the result depend on input order);
 * returns LL_INVALID with err->code/text filled otherwise, writing nothing.
 * On LL_OK, Σ minor == total and each minor is floor(exact) or
 * floor(exact) + 1 (checked with LL_ENSURE, never compiled out).  Returns
 * LL_NOMEM, writing nothing, if scratch memory cannot be had.
 */
enum ll_status ll_alloc_largest_remainder(struct ll_alloc_part *parts,
					  size_t n, const mpz_t total,
					  struct ll_error *err);

#endif

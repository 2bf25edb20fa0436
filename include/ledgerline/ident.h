/*
 * ident.h — pure checks and canonical forms for the identifiers and
 * calendar values of SPEC §2: record ids, ISRC, ISWC, IBAN, BIC, ISNI,
 * SHA-256 hex digests, dates, RFC 3339 UTC timestamps, run periods and
 * ISO 4217 currency exponents.
 *
 * Design decision: every check normalises into a caller-provided
 * fixed-size buffer and reports a static lowercase reason, so callers can
 * attach file, line and field themselves; nothing here allocates.
 */
#ifndef LEDGERLINE_IDENT_H
#define LEDGERLINE_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/hash.h"

enum {
	LL_ID_LEN_MAX = 64,
	/* a buffer for a party id: the id and its NUL, rounded up to a
	 * multiple of 8 bytes */
	LL_PARTY_ID_SIZE = (LL_ID_LEN_MAX + 1 + 7) / 8 * 8,
};

/* Lengths of the canonical forms below, without the NUL. */
enum {
	LL_ISRC_LEN = 12,
	LL_ISWC_LEN = 15,		/* "T-ddd.ddd.ddd-c" */
	LL_IBAN_LEN_MAX = 34,
	LL_BIC_LEN_MAX = 11,
	LL_ISNI_LEN = 16,
	LL_DATE_LEN = 10,		/* "YYYY-MM-DD" */
	LL_TIMESTAMP_LEN_MAX = 27,	/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
	/* a buffer for a timestamp: rounded up to a multiple of 8 bytes */
	LL_TIMESTAMP_SIZE = (LL_TIMESTAMP_LEN_MAX + 1 + 7) / 8 * 8,
	LL_CURRENCY_LEN = 3,		/* ISO 4217 alphabetic code */
};

/* 1..64 characters of [A-Za-z0-9._:-]. */
bool ll_id_valid(const char *s);

/*
 * Each normaliser returns true and writes the canonical NUL-terminated form
 * to out, or returns false, sets out to "" and sets *reason to a static
 * lowercase string (reason may be NULL; in may be NULL, which fails).
 * Input longer than 128 bytes is rejected.  Nothing allocates.
 */

/* ISRC: hyphens and spaces stripped, letters upper-cased; then exactly 12
 * characters CC XXX YY NNNNN: 2 letters, 3 letters/digits, 2 digits,
 * 5 digits.  No check digit. */
bool ll_isrc_normalise(const char *in, char out[LL_ISRC_LEN + 1],
		       const char **reason);

/* ISWC: accepts "T-034.524.680-1", "T0345246801" and forms with '-', '.'
 * or ' ' separators after the leading 'T' (or 't'); 'T' + 9 digits d_i +
 * check digit C where S = 1 + Σ i·d_i (i = 1..9), C = (10 - S mod 10) mod 10.
 * Canonical "T-ddd.ddd.ddd-c".  A wrong check digit has its own reason
 * ("iswc check digit does not match"), distinct from malformed input. */
bool ll_iswc_normalise(const char *in, char out[LL_ISWC_LEN + 1],
		       const char **reason);

/* IBAN (ISO 13616): spaces stripped, upper-cased; 2 letters country,
 * 2 check digits (02..98), 11..30 alphanumerics of BBAN (total 15..34),
 * the exact length of the SWIFT IBAN registry for known countries, and the
 * mod-97 check == 1.  Canonical: no spaces, upper case. */
bool ll_iban_normalise(const char *in, char out[LL_IBAN_LEN_MAX + 1],
		       const char **reason);

/* BIC (ISO 9362): spaces stripped, upper-cased; then 8 or 11 characters:
 * 4 letters, 2 letters, 2 alnum, optional 3 alnum. */
bool ll_bic_normalise(const char *in, char out[LL_BIC_LEN_MAX + 1],
		      const char **reason);

/* ISNI (ISO 27729): spaces and hyphens stripped; 15 digits + check
 * character (digit or 'X'/'x', ISO 7064 MOD 11-2).  Canonical: 16 characters,
 * no spaces, upper-case X. */
bool ll_isni_normalise(const char *in, char out[LL_ISNI_LEN + 1],
		       const char **reason);

/* SHA-256 hex: exactly 64 hex digits; canonical lower case. */
bool ll_sha256_hex_normalise(const char *in,
			     char out[LL_SHA256_HEX_LEN + 1],
			     const char **reason);

/* Days since 1970-01-01 of 0001-01-01 and 9999-12-31: the range of
 * ll_date_parse and ll_date_format. */
enum { LL_DATE_DAYS_MIN = -719162, LL_DATE_DAYS_MAX = 2932896 };

/* Date "YYYY-MM-DD" (proleptic Gregorian, years 0001..9999) -> days since
 * 1970-01-01 (negative before).  *days is written only on success. */
bool ll_date_parse(const char *in, int32_t *days, const char **reason);

/* Format days since 1970-01-01 as "YYYY-MM-DD" into out.  days must be
 * in [LL_DATE_DAYS_MIN, LL_DATE_DAYS_MAX] (asserted; clamped to that range
 * when assertions are off, so out is always 10 characters and a NUL). */
void ll_date_format(int32_t days, char out[LL_DATE_LEN + 1]);

/*
 * RFC 3339 timestamp in UTC: "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (upper-case
 * 'T' and 'Z' only; fraction of 1..6 digits) -> microseconds since
 * 1970-01-01T00:00:00Z.  Leap seconds (:60), hour 24, offsets other than
 * 'Z' and trailing characters are rejected.  *usec is written only on
 * success.
 */
bool ll_timestamp_parse(const char *in, int64_t *usec, const char **reason);

/*
 * Format microseconds since the epoch as RFC 3339 UTC:
 * "2026-09-01T12:00:00Z", with ".ffffff" only when the fraction is not
 * zero (trailing zeros dropped: ".5", ".000125").
 */
void ll_timestamp_format(int64_t usec, char out[LL_TIMESTAMP_SIZE]);

/* Days since epoch of a timestamp in microseconds (floor division). */
int32_t ll_timestamp_day(int64_t usec);

/*
 * Run period: "2026-Q3" (quarter), "2026-09" (month), or
 * "2026-07-01..2026-09-30" (inclusive dates, start <= end).  Writes the
 * first and last day (inclusive, days since epoch), only on success.
 */
bool ll_period_parse(const char *in, int32_t *first_day, int32_t *last_day,
		     const char **reason);

/* ISO 4217 minor-unit exponent of an active alphabetic currency code
 * ("EUR" -> 2, "JPY" -> 0, "BHD" -> 3, "CLF" -> 4), or -1 when the code is
 * unknown, withdrawn (e.g. "HRK", "BGN"), not exactly 3 upper-case letters
 * or has no minor unit defined (e.g. "XAU"). */
int ll_currency_exponent(const char *code);

#endif

/*
 * payfile.c — ISO 20022 pain.001.001.09 CustomerCreditTransferInitiation
 * documents (payfile.h): one group header, one payment information block,
 * one CdtTrfTxInf per payee, in the element order of the EPC SEPA Credit
 * Transfer schema (EPC132-08 2023, tests/data/schemas/).
 *
 * Design decision: the batch is validated completely before a byte is
 * written (LL_INVALID naming the field; nothing half-built escapes), and
 * free texts are never rejected for their content once they are valid
 * UTF-8: the EPC schema puts no pattern on names or remittance text, so
 * every character XML 1.0 allows is kept as it is (ü, Å, CJK, emoji);
 * the characters XML forbids or that do not survive a parser unchanged
 * (C0 controls including TAB/LF/CR, DEL, C1 controls, U+FFFE/U+FFFF) each
 * become one space; &, <, >, " and ' are escaped; and the text is cut to
 * the schema's maximum counted in Unicode code points, never inside a
 * UTF-8 sequence.  Identifiers (MsgId, EndToEndId), IBANs, BICs, dates and
 * amounts are not repaired: they must already be well-formed, because a
 * cut or rewritten identifier would silently pay or reconcile the wrong
 * thing.  Amounts are printed from int64 minor units with integer
 * arithmetic only.
 */
#include "ledgerline/buf.h"
#include "ledgerline/payfile.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/ident.h"

enum {
	NAME_CHARS_MAX = 70,	/* Max140Text_EPC132-08_2023_V1.0_SCT_C2PSP */
	USTRD_CHARS_MAX = 140,	/* RmtInf/Ustrd: Max140Text */
	ID_CHARS_MAX = 35,	/* MsgId, PmtInfId, EndToEndId: Max35Text */
	EXPONENT_MAX = 5,	/* ActiveOrHistoricCurrencyAndAmount: 5 digits */
	INDENT_SPACES = 2,
};

/* Max15NumericText: NbOfTxs has at most 15 digits. */
static const uint64_t nb_of_txs_max = UINT64_C(999999999999999);
/* totalDigits 18 on amounts and CtrlSum: at most 18 digits in minor units. */
static const int64_t amount_minor_max = INT64_C(999999999999999999);
/* EPC SCT InstdAmt: maxInclusive 999999999.99 (EUR, 2 decimals). */
static const int64_t sepa_amount_minor_max = INT64_C(99999999999);

static const char pain001_ns[] = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";
static const char sepa_currency[] = "EUR";
/* DbtrAgt/FinInstnId/Othr/Id when the debtor's BIC is not given (EPC). */
static const char bic_not_provided[] = "NOTPROVIDED";

/* ---- small helpers ------------------------------------------------------ */

static const char *str_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z');
}

/*
 * Decode one strict UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).  Returns its length 1..4 and sets
 * *cp, or 0 when p does not start a valid sequence.  A NUL byte is never
 * a continuation byte, so a truncated sequence at the end fails cleanly.
 */
static size_t utf8_next(const unsigned char *p, uint32_t *cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		*cp = c & 0x1Fu;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		*cp = c & 0x0Fu;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;	/* U+D800..U+DFFF are surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		*cp = c & 0x07u;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;	/* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0u) != 0x80u)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3Fu);
	}
	return n;
}

/*
 * Is code point cp written as itself?  XML 1.0 Char minus what a parser
 * would not hand back unchanged or what has no place in a bank text:
 * C0 controls (TAB, LF and CR included: line ends are normalised by
 * parsers and banks print names on one line), DEL, C1 controls and the
 * non-characters U+FFFE/U+FFFF.  Surrogates never reach here (utf8_next).
 */
static bool text_char_kept(uint32_t cp)
{
	if (cp < 0x20u || (cp >= 0x7Fu && cp <= 0x9Fu))
		return false;
	return cp != 0xFFFEu && cp != 0xFFFFu;
}

/* ---- output buffer ------------------------------------------------------ */

/*
 * Walk text s: check that it is valid UTF-8 in full and, when b is not
 * NULL, append at most chars_max code points of it, XML-escaped, with the
 * characters text_char_kept refuses replaced by one space each.  Returns
 * false (with *bad_byte set to the offset of the first invalid byte) when
 * s is not valid UTF-8; nothing is then appended.  The check covers the
 * whole string, even the part beyond the cut.
 */
static bool put_text(struct ll_buf *b, const char *s, size_t chars_max,
		     size_t *bad_byte)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, chars = 0, len;
	uint32_t cp;

	while (p[i] != '\0') {
		len = utf8_next(p + i, &cp);
		if (len == 0) {
			if (bad_byte != NULL)
				*bad_byte = i;
			return false;
		}
		i += len;
	}
	if (b == NULL)
		return true;
	for (i = 0; p[i] != '\0' && chars < chars_max; chars++) {
		len = utf8_next(p + i, &cp);
		assert(len > 0);
		switch (cp) {
		case '&':
			ll_buf_str(b, "&amp;");
			break;
		case '<':
			ll_buf_str(b, "&lt;");
			break;
		case '>':
			ll_buf_str(b, "&gt;");
			break;
		case '"':
			ll_buf_str(b, "&quot;");
			break;
		case '\'':
			ll_buf_str(b, "&apos;");
			break;
		default:
			if (text_char_kept(cp))
				ll_buf_add(b, s + i, len);
			else
				ll_buf_add(b, " ", 1);
			break;
		}
		i += len;
	}
	return true;
}

static void put_indent(struct ll_buf *b, int depth)
{
	static const char spaces[] = "                                ";

	assert(depth >= 0 && (size_t)depth * INDENT_SPACES < sizeof(spaces));
	ll_buf_add(b, spaces, (size_t)depth * INDENT_SPACES);
}

static void put_open(struct ll_buf *b, int depth, const char *name)
{
	put_indent(b, depth);
	ll_buf_str(b, "<");
	ll_buf_str(b, name);
	ll_buf_str(b, ">\n");
}

static void put_close(struct ll_buf *b, int depth, const char *name)
{
	put_indent(b, depth);
	ll_buf_str(b, "</");
	ll_buf_str(b, name);
	ll_buf_str(b, ">\n");
}

/* <name>text</name> on one line; s was checked as UTF-8 beforehand. */
static void put_leaf(struct ll_buf *b, int depth, const char *name,
		     const char *s, size_t chars_max)
{
	bool ok;

	put_indent(b, depth);
	ll_buf_str(b, "<");
	ll_buf_str(b, name);
	ll_buf_str(b, ">");
	ok = put_text(b, s, chars_max, NULL);
	LL_ENSURE(ok);
	ll_buf_str(b, "</");
	ll_buf_str(b, name);
	ll_buf_str(b, ">\n");
}

/*
 * Decimal text of minor units with exponent e into out: (123450, 2) ->
 * "1234.50", (5, 3) -> "0.005", (7, 0) -> "7".  minor >= 0.  Integer
 * arithmetic only.
 */
static void format_amount(int64_t minor, int e, char out[32])
{
	char digits[24];
	size_t nd = 0, o = 0;
	uint64_t v;

	assert(minor >= 0 && e >= 0 && e <= EXPONENT_MAX);
	v = (uint64_t)minor;
	do {
		digits[nd++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	/* at least one integer digit before the fraction */
	while (nd < (size_t)e + 1)
		digits[nd++] = '0';
	while (nd > 0) {
		if (nd == (size_t)e && e > 0)
			out[o++] = '.';
		out[o++] = digits[--nd];
	}
	out[o] = '\0';
	assert(o < 32);
}

/* ---- validation --------------------------------------------------------- */

/*
 * An identifier as the EPC implementation guidelines want it: 1..35
 * characters of the SEPA set a-z A-Z 0-9 / - ? : ( ) . , ' + space,
 * not starting or ending with '/' and without "//".
 */
static bool id_valid(const char *s, const char **reason)
{
	size_t n = strlen(s);

	if (n == 0) {
		*reason = "empty";
		return false;
	}
	if (n > ID_CHARS_MAX) {
		*reason = "longer than 35 characters";
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_alnum(s[i]) && strchr("/-?:().,'+ ", s[i]) == NULL) {
			*reason = "character outside the SEPA set";
			return false;
		}
	}
	if (s[0] == '/' || s[n - 1] == '/' || strstr(s, "//") != NULL) {
		*reason = "starts or ends with '/' or holds \"//\"";
		return false;
	}
	return true;
}

static bool two_digits(const char *s, int max, int *out)
{
	int v;

	if (!is_digit(s[0]) || !is_digit(s[1]))
		return false;
	v = (s[0] - '0') * 10 + (s[1] - '0');
	if (v > max)
		return false;
	if (out != NULL)
		*out = v;
	return true;
}

/*
 * ISODateTime (xs:dateTime) as a creation time: "YYYY-MM-DDThh:mm:ss",
 * optionally ".f" (1..9 digits), optionally "Z" or "+hh:mm"/"-hh:mm"
 * (|offset| <= 14:00).
 */
static bool datetime_valid(const char *s, const char **reason)
{
	char date[LL_DATE_LEN + 1];
	int32_t days;
	size_t frac = 0;
	int tzh, tzm;

	*reason = "not YYYY-MM-DDThh:mm:ss";
	if (strlen(s) < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (!ll_date_parse(date, &days, reason))
		return false;
	*reason = "time out of range";
	if (!two_digits(s + 11, 23, NULL) || !two_digits(s + 14, 59, NULL) ||
	    !two_digits(s + 17, 59, NULL))
		return false;
	s += 19;
	if (*s == '.') {
		for (s++; is_digit(*s); s++)
			frac++;
		*reason = "fraction of a second must have 1 to 9 digits";
		if (frac == 0 || frac > 9)
			return false;
	}
	*reason = "bad time zone";
	if (*s == 'Z')
		s++;
	else if (*s == '+' || *s == '-') {
		if (!two_digits(s + 1, 14, &tzh) || s[3] != ':' ||
		    !two_digits(s + 4, 59, &tzm) || (tzh == 14 && tzm != 0))
			return false;
		s += 6;
	}
	return *s == '\0';
}

/* A required free text: not empty, valid UTF-8. */
static enum ll_status check_text(const char *s, bool required,
				 const char *field, const char *what,
				 struct ll_error *err)
{
	size_t bad = 0;

	if (required && s[0] == '\0')
		return ll_error_set(err, LL_INVALID, NULL, 0, field, "empty %s",
				    what);
	if (!put_text(NULL, s, SIZE_MAX, &bad))
		return ll_error_set(err, LL_INVALID, NULL, 0, field,
				    "invalid UTF-8 in %s at byte %zu", what,
				    bad);
	return LL_OK;
}

static enum ll_status check_iban(const char *s,
				 char out[LL_IBAN_LEN_MAX + 1],
				 const char *field, struct ll_error *err)
{
	const char *why = "malformed";

	if (s[0] == '\0')
		return ll_error_set(err, LL_INVALID, NULL, 0, field,
				    "empty IBAN");
	if (!ll_iban_normalise(s, out, &why))
		return ll_error_set(err, LL_INVALID, NULL, 0, field,
				    "invalid IBAN \"%.64s\": %s", s, why);
	return LL_OK;
}

/* An optional BIC: "" stays "", anything else must be a valid BIC. */
static enum ll_status check_bic(const char *s,
				char out[LL_BIC_LEN_MAX + 1],
				const char *field, struct ll_error *err)
{
	const char *why = "malformed";

	out[0] = '\0';
	if (s[0] == '\0')
		return LL_OK;
	if (!ll_bic_normalise(s, out, &why))
		return ll_error_set(err, LL_INVALID, NULL, 0, field,
				    "invalid BIC \"%.64s\": %s", s, why);
	return LL_OK;
}

static enum ll_status check_id(const char *s, const char *field,
			       const char *what, struct ll_error *err)
{
	const char *why = "malformed";

	if (!id_valid(s, &why))
		return ll_error_set(err, LL_INVALID, NULL, 0, field,
				    "invalid %s \"%.64s\": %s", what, s, why);
	return LL_OK;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/* No two transactions share an end-to-end id (they were checked). */
static enum ll_status check_unique_ids(const struct ll_pay_batch *b,
				       struct ll_error *err)
{
	const char **ids;
	enum ll_status rc = LL_OK;

	if (b->n_tx < 2)
		return LL_OK;
	ids = malloc(b->n_tx * sizeof(*ids));
	if (ids == NULL)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "cannot sort end-to-end ids");
	for (size_t i = 0; i < b->n_tx; i++)
		ids[i] = str_or_empty(b->tx[i].end_to_end_id);
	qsort(ids, b->n_tx, sizeof(*ids), cmp_str_ptr);
	for (size_t i = 1; i < b->n_tx; i++) {
		if (strcmp(ids[i - 1], ids[i]) == 0) {
			rc = ll_error_set(err, LL_INVALID, NULL, 0,
					  "tx.end_to_end_id",
					  "duplicate end-to-end id \"%s\"",
					  ids[i]);
			break;
		}
	}
	free(ids);
	return rc;
}

/* What the validation pass hands to the writer. */
struct checked {
	char debtor_iban[LL_IBAN_LEN_MAX + 1];
	char debtor_bic[LL_BIC_LEN_MAX + 1];
	int64_t ctrl_sum;
	bool sepa;
};

static enum ll_status check_tx(const struct ll_pay_batch *b, size_t i,
			       struct checked *c, struct ll_error *err)
{
	const struct ll_pay_tx *t = &b->tx[i];
	char field[64], iban[LL_IBAN_LEN_MAX + 1], bic[LL_BIC_LEN_MAX + 1];
	char amount[32];
	enum ll_status rc;

#define TX_FIELD(name) (snprintf(field, sizeof(field), "tx[%zu]." name, i), field)
	rc = check_id(str_or_empty(t->end_to_end_id),
		      TX_FIELD("end_to_end_id"), "end-to-end id", err);
	if (rc != LL_OK)
		return rc;
	if (t->minor <= 0)
		return ll_error_set(err, LL_INVALID, NULL, 0, TX_FIELD("minor"),
				    "non-positive amount %" PRId64
				    " (minor units)", t->minor);
	if (t->minor > amount_minor_max)
		return ll_error_set(err, LL_INVALID, NULL, 0, TX_FIELD("minor"),
				    "amount %" PRId64
				    " (minor units) has more than 18 digits",
				    t->minor);
	if (c->sepa && t->minor > sepa_amount_minor_max) {
		format_amount(t->minor, b->exponent, amount);
		return ll_error_set(err, LL_INVALID, NULL, 0, TX_FIELD("minor"),
				    "amount \"%s\" above the SEPA maximum "
				    "999999999.99", amount);
	}
	if (c->ctrl_sum > amount_minor_max - t->minor)
		return ll_error_set(err, LL_INVALID, NULL, 0, TX_FIELD("minor"),
				    "control sum has more than 18 digits");
	c->ctrl_sum += t->minor;
	rc = check_text(str_or_empty(t->creditor_name), true,
			TX_FIELD("creditor_name"), "creditor name", err);
	if (rc == LL_OK)
		rc = check_iban(str_or_empty(t->iban), iban, TX_FIELD("iban"),
				err);
	if (rc == LL_OK)
		rc = check_bic(str_or_empty(t->bic), bic, TX_FIELD("bic"), err);
	if (rc == LL_OK)
		rc = check_text(str_or_empty(t->remittance), false,
				TX_FIELD("remittance"), "remittance", err);
#undef TX_FIELD
	return rc;
}

static enum ll_status check_batch(const struct ll_pay_batch *b,
				  struct checked *c, struct ll_error *err)
{
	const char *why = "malformed";
	const char *ccy = str_or_empty(b->currency);
	int32_t days;
	int iso_e;
	enum ll_status rc;

	memset(c, 0, sizeof(*c));
	if (b->n_tx == 0 || b->tx == NULL)
		return ll_error_set(err, LL_INVALID, NULL, 0, "tx",
				    "no transactions in the batch");
	if ((uint64_t)b->n_tx > nb_of_txs_max)
		return ll_error_set(err, LL_INVALID, NULL, 0, "tx",
				    "%zu transactions: more than 15 digits",
				    b->n_tx);
	rc = check_id(str_or_empty(b->msg_id), "msg_id", "message id", err);
	if (rc != LL_OK)
		return rc;
	if (!datetime_valid(str_or_empty(b->created), &why))
		return ll_error_set(err, LL_INVALID, NULL, 0, "created",
				    "invalid creation time \"%.64s\": %s",
				    str_or_empty(b->created), why);
	if (!ll_date_parse(str_or_empty(b->execution_date), &days, &why))
		return ll_error_set(err, LL_INVALID, NULL, 0, "execution_date",
				    "invalid execution date \"%.64s\": %s",
				    str_or_empty(b->execution_date), why);
	iso_e = ll_currency_exponent(ccy);
	if (iso_e < 0)
		return ll_error_set(err, LL_INVALID, NULL, 0, "currency",
				    "unknown currency \"%.16s\"", ccy);
	if (b->exponent != iso_e || b->exponent > EXPONENT_MAX)
		return ll_error_set(err, LL_INVALID, NULL, 0, "exponent",
				    "exponent %d for \"%s\", which has %d",
				    b->exponent, ccy, iso_e);
	c->sepa = strcmp(ccy, sepa_currency) == 0;
	rc = check_text(str_or_empty(b->initiator_name), false,
			"initiator_name", "initiator name", err);
	if (rc == LL_OK)
		rc = check_text(str_or_empty(b->debtor_name), true,
				"debtor_name", "debtor name", err);
	if (rc == LL_OK)
		rc = check_iban(str_or_empty(b->debtor_iban), c->debtor_iban,
				"debtor_iban", err);
	if (rc == LL_OK)
		rc = check_bic(str_or_empty(b->debtor_bic), c->debtor_bic,
			       "debtor_bic", err);
	for (size_t i = 0; rc == LL_OK && i < b->n_tx; i++)
		rc = check_tx(b, i, c, err);
	if (rc == LL_OK)
		rc = check_unique_ids(b, err);
	return rc;
}

/* ---- the document ------------------------------------------------------- */

static void put_fin_instn(struct ll_buf *o, int depth, const char *agent,
			  const char *bic)
{
	put_open(o, depth, agent);
	put_open(o, depth + 1, "FinInstnId");
	if (bic[0] != '\0') {
		put_leaf(o, depth + 2, "BICFI", bic, SIZE_MAX);
	} else {
		put_open(o, depth + 2, "Othr");
		put_leaf(o, depth + 3, "Id", bic_not_provided, SIZE_MAX);
		put_close(o, depth + 2, "Othr");
	}
	put_close(o, depth + 1, "FinInstnId");
	put_close(o, depth, agent);
}

static void put_account(struct ll_buf *o, int depth, const char *name,
			const char *iban)
{
	put_open(o, depth, name);
	put_open(o, depth + 1, "Id");
	put_leaf(o, depth + 2, "IBAN", iban, SIZE_MAX);
	put_close(o, depth + 1, "Id");
	put_close(o, depth, name);
}

static void put_party(struct ll_buf *o, int depth, const char *name,
		      const char *nm)
{
	put_open(o, depth, name);
	put_leaf(o, depth + 1, "Nm", nm, NAME_CHARS_MAX);
	put_close(o, depth, name);
}

/* NbOfTxs and CtrlSum, as both the group header and PmtInf carry them. */
static void put_counts(struct ll_buf *o, int depth, const struct ll_pay_batch *b,
		       const struct checked *c)
{
	char n[24], sum[32];

	snprintf(n, sizeof(n), "%zu", b->n_tx);
	format_amount(c->ctrl_sum, b->exponent, sum);
	put_leaf(o, depth, "NbOfTxs", n, SIZE_MAX);
	put_leaf(o, depth, "CtrlSum", sum, SIZE_MAX);
}

static void put_tx(struct ll_buf *o, int depth, const struct ll_pay_batch *b,
		   const struct ll_pay_tx *t)
{
	char iban[LL_IBAN_LEN_MAX + 1], bic[LL_BIC_LEN_MAX + 1], amount[32];
	const char *remittance = str_or_empty(t->remittance);

	/* normalised again: both were checked, so both succeed */
	LL_ENSURE(ll_iban_normalise(str_or_empty(t->iban), iban, NULL));
	bic[0] = '\0';
	if (str_or_empty(t->bic)[0] != '\0')
		LL_ENSURE(ll_bic_normalise(t->bic, bic, NULL));
	format_amount(t->minor, b->exponent, amount);

	put_open(o, depth, "CdtTrfTxInf");
	put_open(o, depth + 1, "PmtId");
	put_leaf(o, depth + 2, "EndToEndId", t->end_to_end_id, SIZE_MAX);
	put_close(o, depth + 1, "PmtId");
	put_open(o, depth + 1, "Amt");
	put_indent(o, depth + 2);
	ll_buf_str(o, "<InstdAmt Ccy=\"");
	ll_buf_str(o, b->currency);	/* checked: an ISO 4217 code */
	ll_buf_str(o, "\">");
	ll_buf_str(o, amount);
	ll_buf_str(o, "</InstdAmt>\n");
	put_close(o, depth + 1, "Amt");
	if (bic[0] != '\0') {
		/* the EPC schema wants BICFI whenever CdtrAgt is present */
		put_open(o, depth + 1, "CdtrAgt");
		put_open(o, depth + 2, "FinInstnId");
		put_leaf(o, depth + 3, "BICFI", bic, SIZE_MAX);
		put_close(o, depth + 2, "FinInstnId");
		put_close(o, depth + 1, "CdtrAgt");
	}
	put_party(o, depth + 1, "Cdtr", t->creditor_name);
	put_account(o, depth + 1, "CdtrAcct", iban);
	if (remittance[0] != '\0') {
		put_open(o, depth + 1, "RmtInf");
		put_leaf(o, depth + 2, "Ustrd", remittance, USTRD_CHARS_MAX);
		put_close(o, depth + 1, "RmtInf");
	}
	put_close(o, depth, "CdtTrfTxInf");
}

static void put_document(struct ll_buf *o, const struct ll_pay_batch *b,
			 const struct checked *c)
{
	const char *initiator = str_or_empty(b->initiator_name);

	/* InitgPty may be the debtor itself (ISO 20022 usage note). */
	if (initiator[0] == '\0')
		initiator = b->debtor_name;
	ll_buf_str(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	ll_buf_str(o, "<Document xmlns=\"");
	ll_buf_str(o, pain001_ns);
	ll_buf_str(o, "\">\n");
	put_open(o, 1, "CstmrCdtTrfInitn");

	put_open(o, 2, "GrpHdr");
	put_leaf(o, 3, "MsgId", b->msg_id, SIZE_MAX);
	put_leaf(o, 3, "CreDtTm", b->created, SIZE_MAX);
	put_counts(o, 3, b, c);
	put_party(o, 3, "InitgPty", initiator);
	put_close(o, 2, "GrpHdr");

	put_open(o, 2, "PmtInf");
	put_leaf(o, 3, "PmtInfId", b->msg_id, SIZE_MAX);
	put_leaf(o, 3, "PmtMtd", "TRF", SIZE_MAX);
	put_counts(o, 3, b, c);
	if (c->sepa) {
		put_open(o, 3, "PmtTpInf");
		put_open(o, 4, "SvcLvl");
		put_leaf(o, 5, "Cd", "SEPA", SIZE_MAX);
		put_close(o, 4, "SvcLvl");
		put_close(o, 3, "PmtTpInf");
	}
	put_open(o, 3, "ReqdExctnDt");
	put_leaf(o, 4, "Dt", b->execution_date, SIZE_MAX);
	put_close(o, 3, "ReqdExctnDt");
	put_party(o, 3, "Dbtr", b->debtor_name);
	put_account(o, 3, "DbtrAcct", c->debtor_iban);
	put_fin_instn(o, 3, "DbtrAgt", c->debtor_bic);
	/* SLEV: charges follow the SEPA scheme; outside SEPA, shared */
	put_leaf(o, 3, "ChrgBr", c->sepa ? "SLEV" : "SHAR", SIZE_MAX);
	for (size_t i = 0; i < b->n_tx; i++)
		put_tx(o, 3, b, &b->tx[i]);
	put_close(o, 2, "PmtInf");

	put_close(o, 1, "CstmrCdtTrfInitn");
	ll_buf_str(o, "</Document>\n");
}

enum ll_status ll_payfile_pain001(const struct ll_pay_batch *b, char **xml,
				  struct ll_error *err)
{
	struct checked c;
	struct ll_buf o = { 0 };
	enum ll_status rc;

	assert(b != NULL && xml != NULL);
	*xml = NULL;
	rc = check_batch(b, &c, err);
	if (rc != LL_OK)
		return rc;
	put_document(&o, b, &c);
	if (o.fail) {
		free(o.s);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "cannot build the payment file");
	}
	LL_ENSURE(o.n > 0 && o.s[o.n - 1] == '\n');
	*xml = o.s;
	return LL_OK;
}

bool ll_payfile_amount_ok(const char *currency, int64_t minor)
{
	if (minor <= 0)
		return false;
	/* EPC SCT: 0.01 to 999999999.99 per transaction */
	return strcmp(currency, "EUR") != 0 || minor <= INT64_C(99999999999);
}

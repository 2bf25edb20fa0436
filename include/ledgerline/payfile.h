/*
 * payfile.h — ISO 20022 pain.001.001.09 customer credit transfer
 * initiation files (SPEC §4 payouts-<CUR>.xml), one per currency.
 *
 * Design decision: the file is built from plain data (no run, no
 * registry), every text is XML-escaped and cut to the schema's length in
 * characters (never inside a UTF-8 sequence), and every value that would
 * vary between runs (message id, creation time, execution date) is an
 * input, so identical runs give identical files.  Pure: no I/O.
 */
#ifndef LEDGERLINE_PAYFILE_H
#define LEDGERLINE_PAYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/status.h"

struct ll_pay_tx {
	const char *end_to_end_id;	/* <= 35 chars, SEPA-safe */
	int64_t minor;			/* > 0 */
	const char *creditor_name;
	const char *iban;
	const char *bic;		/* may be "" */
	const char *remittance;		/* unstructured, may be "" */
};

struct ll_pay_batch {
	const char *msg_id;		/* <= 35 chars */
	const char *created;		/* ISODateTime "YYYY-MM-DDThh:mm:ss" */
	const char *execution_date;	/* "YYYY-MM-DD" */
	const char *initiator_name;
	const char *debtor_name;
	const char *debtor_iban;
	const char *debtor_bic;		/* may be "" */
	const char *currency;		/* "EUR", ... */
	int exponent;
	const struct ll_pay_tx *tx;
	size_t n_tx;			/* >= 1 */
};

/*
 * Can one credit transfer carry this amount?  Positive, and for EUR (SEPA)
 * at most 999,999,999.99.  A payout that cannot is left out of the file
 * and reported by the caller.
 */
bool ll_payfile_amount_ok(const char *currency, int64_t minor);

/*
 * The XML document (UTF-8, with an XML declaration), new malloc'd string;
 * NbOfTxs and CtrlSum (in the currency's decimals) at group and payment
 * level.  LL_INVALID with err for an unusable batch (no transactions, a
 * non-positive amount, empty required fields).
 */
enum ll_status ll_payfile_pain001(const struct ll_pay_batch *b, char **xml,
				  struct ll_error *err);

#endif

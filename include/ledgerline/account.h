/*
 * account.h — statements of account and the payment rule (SPEC §4, §5
 * "Balances and payments"), in the core: pure arithmetic over figures the
 * store reads from the ledger, no I/O.
 *
 * A party's open balance with a licensee, per currency, is everything
 * posted to it (all periods, all restatements) minus everything paid to
 * it.  A posting pays each payee, per currency, the sum of the open
 * balances of the parties it is payee for after this posting, when that
 * sum is positive and at least the payee's payout.minimum; the payment
 * settles each of those parties to zero.  Anything else carries forward.
 *
 * For every party the posting touches (a line now or in the superseded
 * posting, or a payment), per currency:
 *   opening + earned + adjustments - payments = closing.
 */
#ifndef LEDGERLINE_ACCOUNT_H
#define LEDGERLINE_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/ident.h"
#include "ledgerline/registry.h"
#include "ledgerline/run.h"
#include "ledgerline/status.h"

enum {
	/* SEPA end-to-end id: at most 35 characters */
	LL_END_TO_END_ID_LEN = 35,
	LL_END_TO_END_ID_SIZE = LL_END_TO_END_ID_LEN + 1,
};

/* One party's account in one currency, in this posting. */
struct ll_account {
	uint32_t party;			/* registry index */
	char currency[LL_CURRENCY_LEN + 1];
	int exponent;			/* the currency's minor-unit digits */
	int64_t opening;	/* posted minus paid before this posting */
	int64_t earned;		/* this posting's total */
	int64_t adjustments;	/* minus the superseded posting's total */
	int64_t payments;	/* settled by this posting's payment */
	int64_t closing;	/* opening + earned + adjustments - payments */
	bool paid;		/* settled by payment number `payment` */
	size_t payment;
};

/* One payment of this posting: a payee, a currency, a positive amount. */
struct ll_payment {
	uint32_t payee;			/* registry index */
	char currency[LL_CURRENCY_LEN + 1];
	int exponent;
	int64_t amount;
	char end_to_end_id[LL_END_TO_END_ID_SIZE];
};

struct ll_accounts {
	int64_t posting;	/* 1 for a period's first posting, 2 for its
				 * first restatement, ... */
	struct ll_account *v;	/* every party the posting touches, by
				 * party id then currency */
	size_t n;
	struct ll_payment *pay;	/* by payee id then currency */
	size_t n_pay;
};

/*
 * The statements of account and payments of a posting: opening, the open
 * balances with the run's licensee before it (sorted by party, currency);
 * earned, this run's party totals; prev, the superseded posting's party
 * totals (NULL, 0 for a first posting).  A party is touched when it
 * appears in earned or prev (so a party restated to zero keeps a
 * statement) or a payment settles a non-zero balance of it.  The
 * end-to-end ids derive from the run id, posting, payee and currency.  LL_INVALID with err on a sum beyond the
 * ledger's 64-bit minor units; LL_NOMEM.
 */
enum ll_status ll_accounts_settle(struct ll_accounts *acc,
				  const struct ll_registry *reg,
				  const char *run_id, int64_t posting,
				  const struct ll_party_amount *opening,
				  size_t n_opening,
				  const struct ll_party_amount *earned,
				  size_t n_earned,
				  const struct ll_party_amount *prev,
				  size_t n_prev, struct ll_error *err);
void ll_accounts_release(struct ll_accounts *acc);

/*
 * The SEPA end-to-end id of the payment of payee in currency made by
 * posting number `posting` of run run_id: "LL" + the first 32 hex digits
 * of a SHA-256 over those four (34 characters).  (run id, posting) names
 * one signed set, so a run posted again after a restatement pays under
 * new ids, and a rerun of the same posting keeps its ids.
 */
void ll_end_to_end_id(const char *run_id, int64_t posting, const char *payee,
		      const char *currency, char out[LL_END_TO_END_ID_SIZE]);

/* The accounts of party index p: *n of them from the returned one (by
 * currency), NULL when the posting does not touch p. */
const struct ll_account *ll_accounts_of(const struct ll_accounts *acc,
					uint32_t p, size_t *n);

#endif
